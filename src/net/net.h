/* net.h - the lyng.io.net module: registration and the access policy. */
#ifndef LYNG_NET_H
#define LYNG_NET_H

#include <stdbool.h>

#include "../include/lyng.h"

/* Registers `lyng.io.net` in a VM. */
LYNG_API void lyng_net_register(lyng_vm *vm);

/* The access policy, as the CLI spells it: allow NULL denies everything,
 * "*" allows everything, otherwise a comma-separated list of hosts with
 * optional ports: "127.0.0.1,localhost:8080,[::1]". deny entries win. */
LYNG_API void lyng_net_set_policy(lyng_vm *vm, const char *allow, const char *deny);
/* Denial messages tell how to allow access: by default with the command
 * line's --allow-net; for an embedded VM (createLyng) with its `net` option. */
LYNG_API void lyng_net_set_embedded(lyng_vm *vm, bool embedded);

/* An embedder's own policy, asked when neither list decides: the deny list
 * still wins and the allow list still permits without asking. The hook is
 * called with an op id and must answer later (never from inside the call)
 * with lyng_complete(vm, op, allowed ? 0 : -1, 0). kind is the NetAccessOp
 * name ("TcpConnect", ...); backlog is 0 except for TcpListen. A NULL hook
 * turns asking off. */
typedef void (*lyng_net_ask_fn)(void *ud, lyng_vm *vm, uint32_t op, const char *kind, const char *host, int port,
                                int backlog);
LYNG_API void lyng_net_set_policy_hook(lyng_vm *vm, lyng_net_ask_fn ask, void *ud);

#endif

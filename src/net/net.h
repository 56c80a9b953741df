/* net.h - the lyng.io.net module: registration and the access policy. */
#ifndef LYNG_NET_H
#define LYNG_NET_H

#include "../include/lyng.h"

/* Registers `lyng.io.net` in a VM. */
void lyng_net_register(lyng_vm *vm);

/* The access policy, as the CLI spells it: allow NULL denies everything,
 * "*" allows everything, otherwise a comma-separated list of hosts with
 * optional ports: "127.0.0.1,localhost:8080,[::1]". deny entries win. */
void lyng_net_set_policy(lyng_vm *vm, const char *allow, const char *deny);

#endif

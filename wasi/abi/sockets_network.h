/* sockets_network.h - wasi:sockets/network and instance-network @0.2.12:
 * the network capability, its error codes and socket addresses. */
#ifndef LYNG_WASI_SOCKETS_NETWORK_H
#define LYNG_WASI_SOCKETS_NETWORK_H

#include "abi.h"

/* error-code, in declaration order */
enum {
    WASI_NET_UNKNOWN,
    WASI_NET_ACCESS_DENIED,
    WASI_NET_NOT_SUPPORTED,
    WASI_NET_INVALID_ARGUMENT,
    WASI_NET_OUT_OF_MEMORY,
    WASI_NET_TIMEOUT,
    WASI_NET_CONCURRENCY_CONFLICT,
    WASI_NET_NOT_IN_PROGRESS,
    WASI_NET_WOULD_BLOCK,
    WASI_NET_INVALID_STATE,
    WASI_NET_NEW_SOCKET_LIMIT,
    WASI_NET_ADDRESS_NOT_BINDABLE,
    WASI_NET_ADDRESS_IN_USE,
    WASI_NET_REMOTE_UNREACHABLE,
    WASI_NET_CONNECTION_REFUSED,
    WASI_NET_CONNECTION_RESET,
    WASI_NET_CONNECTION_ABORTED,
    WASI_NET_DATAGRAM_TOO_LARGE,
    WASI_NET_NAME_UNRESOLVABLE,
    WASI_NET_TEMPORARY_RESOLVER_FAILURE,
    WASI_NET_PERMANENT_RESOLVER_FAILURE,
};

/* ip-address-family */
#define WASI_IPV4 0
#define WASI_IPV6 1

/* ip-socket-address as the 12 flat values of a parameter: the case, then
 * ipv4 (port, a, b, c, d) or ipv6 (port, flow-info, 8 groups, scope-id),
 * zero-filled. In memory it is the case (u8) @0 and the record @4: ipv4
 * port u16 @4, octets @6..9; ipv6 port u16 @4, flow-info @8, groups u16
 * @12..27, scope-id @28; 32 bytes, aligned to 4. */
typedef struct wasi_sockaddr {
    int32_t v[12];
} wasi_sockaddr;
#define WASI_SOCKADDR_ARGS(a) \
    (a).v[0], (a).v[1], (a).v[2], (a).v[3], (a).v[4], (a).v[5], (a).v[6], (a).v[7], (a).v[8], (a).v[9], (a).v[10], (a).v[11]
#define WASI_SOCKADDR_PARAMS \
    int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t

WASI_IMPORT("wasi:sockets/instance-network", "instance-network") int32_t wasi_instance_network(void);
WASI_IMPORT("wasi:sockets/network", "[resource-drop]network") void wasi_network_drop(int32_t self);

#endif

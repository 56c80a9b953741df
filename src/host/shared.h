/* shared.h - pieces every socket backend (posix.c, wasi*.c) needs alike:
 * reading a numeric address, and the results a completion leaves to be
 * taken by op id (the addresses of a resolve, the sender of a datagram). */
#ifndef LYNG_HOST_SHARED_H
#define LYNG_HOST_SHARED_H

#include <stddef.h>

#include "host.h"

/* "127.0.0.1", "::1" or "[::1]" into its bytes: 4 (family 4) or 16
 * (family 6). false for anything else. */
bool host_ip_bytes(const char *ip, uint8_t bytes[16], int *family);

typedef struct addr_result {
    uint32_t op;
    int n;
    host_addr *addrs; /* malloc'ed, owned by the table */
} addr_result;

typedef struct addr_results {
    addr_result *items;
    size_t n, cap;
} addr_results;

/* Keeps addrs (malloc'ed) for op until it is taken. */
void addr_results_add(addr_results *r, uint32_t op, host_addr *addrs, int n);
/* Takes (removes) what op left; copies at most max addresses; -1 if none. */
int addr_results_take(addr_results *r, uint32_t op, host_addr *out, int max);
void addr_results_free(addr_results *r);

#endif

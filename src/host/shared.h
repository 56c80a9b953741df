/* shared.h - pieces every socket backend (posix*.c, wasi*.c) needs alike:
 * reading a numeric address, the queue of finished completions, and the
 * results a completion leaves to be taken by op id (the addresses of a
 * resolve, the sender of a datagram). */
#ifndef LYNG_HOST_SHARED_H
#define LYNG_HOST_SHARED_H

#include <stddef.h>

#include "host.h"

/* "[::1]" -> "::1" copied into buf; anything else (or too long for buf)
 * is returned as it is. */
const char *host_unbracket(const char *s, char *buf, size_t cap);

/* "127.0.0.1", "::1" or "[::1]" into its bytes: 4 (family 4) or 16
 * (family 6). false for anything else. */
bool host_ip_bytes(const char *ip, uint8_t bytes[16], int *family);

/* Completions finished by the backend, handed to the VM by host_wait. */
typedef struct host_done {
    uint32_t op;
    int32_t status;
    int64_t value;
} host_done;

/* Two arrays take turns: one collects while the other's batch is being
 * delivered, so a busy loop allocates nothing per wait. */
typedef struct done_queue {
    host_done *items;
    size_t n, cap;
    host_done *spare; /* the other array, empty, kept for the next batch */
    size_t spare_cap;
} done_queue;

void done_queue_push(done_queue *q, uint32_t op, int32_t status, int64_t value);
/* Completes everything queued so far; returns how many. */
int done_queue_deliver(done_queue *q, lyng_vm *vm);
void done_queue_free(done_queue *q);

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

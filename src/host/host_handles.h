/* host_handles.h - the table that turns a backend's sockets into the small
 * integer handles of host.h. Handle h is slot h - 1; a closed handle's slot
 * goes on a free list and is reused, last freed first, so the table only
 * grows to the most sockets open at once and adding is O(1). */
#ifndef LYNG_HOST_HANDLES_H
#define LYNG_HOST_HANDLES_H

#include <stddef.h>

typedef struct host_handles {
    void **slots; /* NULL = free */
    int n, cap;   /* handles 1..n have been given out */
    int *free;    /* indices of the NULL slots */
    int nfree;
} host_handles;

/* Stores p (not NULL) and returns its handle, >= 1. */
int host_handles_add(host_handles *t, void *p);
/* What handle h holds; NULL for a free or unknown handle. Inline: every
 * op and every readiness event looks its socket up (four times a round
 * trip of a ping-pong). */
static inline void *host_handles_get(const host_handles *t, int handle) {
    if (handle < 1 || handle > t->n) return NULL;
    return t->slots[handle - 1];
}
/* Frees the handle for reuse (what it held is the caller's). */
void host_handles_remove(host_handles *t, int handle);
/* Frees the table itself, not what its slots point to. */
void host_handles_free(host_handles *t);

#endif

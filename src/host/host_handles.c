/* host_handles.c - the handle table (see host_handles.h). */
#include "host_handles.h"

#include <stdlib.h>

#include "host_core.h"

int host_handles_add(host_handles *t, void *p) {
    int i;
    if (t->nfree) {
        i = t->free[--t->nfree];
    } else {
        if (t->n == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 16;
            t->slots = host_xrealloc(t->slots, sizeof *t->slots * (size_t)t->cap);
            t->free = host_xrealloc(t->free, sizeof *t->free * (size_t)t->cap);
        }
        i = t->n++;
    }
    t->slots[i] = p;
    return i + 1;
}

void host_handles_remove(host_handles *t, int handle) {
    if (!host_handles_get(t, handle)) return;
    t->slots[handle - 1] = NULL;
    t->free[t->nfree++] = handle - 1;
}

void host_handles_free(host_handles *t) {
    free(t->slots);
    free(t->free);
    *t = (host_handles){0};
}

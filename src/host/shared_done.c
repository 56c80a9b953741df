/* shared_done.c - the completions a socket backend has finished but not yet
 * handed to the VM. They are delivered from host_wait, never from inside
 * the submitting call, so a completion handler always runs on a clean
 * stack. */
#include "shared.h"

#include <stdio.h>
#include <stdlib.h>

void done_queue_push(done_queue *q, uint32_t op, int32_t status, int64_t value) {
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        host_done *items = realloc(q->items, cap * sizeof *items);
        if (!items) {
            fputs("lyng: out of memory in the host\n", stderr);
            abort();
        }
        q->items = items;
        q->cap = cap;
    }
    q->items[q->n++] = (host_done){op, status, value};
}

/* The queue is detached first: the VM's completion handlers may submit new
 * ops, which queue for the next wait. */
int done_queue_deliver(done_queue *q, lyng_vm *vm) {
    host_done *batch = q->items;
    size_t n = q->n;
    *q = (done_queue){0};
    for (size_t i = 0; i < n; i++) lyng_complete(vm, batch[i].op, batch[i].status, batch[i].value);
    free(batch);
    return (int)n;
}

void done_queue_free(done_queue *q) {
    free(q->items);
    *q = (done_queue){0};
}

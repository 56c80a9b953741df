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

/* The batch is detached first: the VM's completion handlers may submit new
 * ops, which queue (in the spare array) for the next wait. The batch's
 * array is then kept as the spare, unless a nested delivery left one. */
int done_queue_deliver(done_queue *q, lyng_vm *vm) {
    host_done *batch = q->items;
    size_t n = q->n, cap = q->cap;
    q->items = q->spare;
    q->cap = q->spare_cap;
    q->n = 0;
    q->spare = NULL;
    q->spare_cap = 0;
    for (size_t i = 0; i < n; i++) lyng_complete(vm, batch[i].op, batch[i].status, batch[i].value);
    if (q->spare) {
        free(batch);
    } else {
        q->spare = batch;
        q->spare_cap = cap;
    }
    return (int)n;
}

void done_queue_free(done_queue *q) {
    free(q->items);
    free(q->spare);
    *q = (done_queue){0};
}

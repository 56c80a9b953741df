/* sched.c - coroutines: fibers, the run queue, Deferred results and the
 * table of operations pending in the host. A fiber runs until it suspends;
 * completions put it back on the queue with the value to resume with. */
#include <string.h>

#include "../host/host.h"
#include "vm.h"

Fiber *vm_fiber_new(VM *vm, Value callable, int argc, Value *argv) {
    Fiber *f = vm_alloc(vm, OT_FIBER, vm->c.fiber, sizeof(Fiber));
    memset((char *)f + sizeof(Obj), 0, sizeof(Fiber) - sizeof(Obj));
    f->resume = V_UNSET;
    f->result = V_VOID;
    f->state = FS_NEW;
    f->task = vm->current ? vm->current->task : 0;
    if (f->task) vm_task_fiber(vm, f, 1);
    uint32_t cap = 16;
    while (cap < (uint32_t)argc + 2) cap *= 2;
    f->stack = vm_realloc(vm, NULL, 0, sizeof(Value) * cap);
    f->stack_cap = cap;
    f->stack[f->sp++] = callable;
    for (int i = 0; i < argc; i++) f->stack[f->sp++] = argv[i];
    return f;
}

void vm_ready(VM *vm, Fiber *f) {
    if (f->state == FS_READY || f->state == FS_DONE) return;
    f->state = FS_READY;
    f->next_ready = NULL;
    if (vm->ready_tail) vm->ready_tail->next_ready = f;
    else vm->ready_head = f;
    vm->ready_tail = f;
}

/* A fiber whose slice ran out (lyng_set_slice) goes first, so that slicing
 * never changes the order in which coroutines run. */
void vm_ready_first(VM *vm, Fiber *f) {
    if (f->state == FS_READY || f->state == FS_DONE) return;
    f->state = FS_READY;
    f->next_ready = vm->ready_head;
    vm->ready_head = f;
    if (!vm->ready_tail) vm->ready_tail = f;
}

Fiber *vm_park(VM *vm) {
    Fiber *f = vm->current;
    if (vm->io_flush) vm->io_flush(vm);
    if (f) f->state = FS_WAITING;
    return f;
}

void vm_resume(VM *vm, Fiber *f, Value v) {
    f->resume = v;
    f->resume_throws = false;
    vm_ready(vm, f);
}

void vm_resume_throw(VM *vm, Fiber *f, Value exc) {
    /* a VOID exception delivers nothing, as no value does */
    f->resume_throws = !IS_VOID(exc);
    f->resume = f->resume_throws ? exc : V_UNSET;
    vm_ready(vm, f);
}

Deferred *deferred_new(VM *vm) {
    Deferred *d = vm_alloc(vm, OT_DEFERRED, vm->c.deferred, sizeof(Deferred));
    d->done = false;
    d->failed = false;
    d->value = V_VOID;
    d->fiber = NULL;
    d->waiters = NULL; /* made by the first await: a coroutine that nobody awaits (a server's per-connection handler) holds none */
    return d;
}

void deferred_complete(VM *vm, Deferred *d, Value v, bool failed) {
    if (d->done) return;
    d->done = true;
    d->failed = failed;
    d->value = v;
    d->fiber = NULL;
    if (!d->waiters) return;
    for (uint32_t i = 0; i < d->waiters->count; i++) {
        Fiber *w = (Fiber *)d->waiters->items[i].as.o;
        if (failed) vm_resume_throw(vm, w, v);
        else vm_resume(vm, w, v);
    }
    d->waiters->count = 0;
}

void vm_fiber_finished(VM *vm, Fiber *f) {
    bool failed = f->failed;
    if (f->task) vm_task_fiber(vm, f, -1);
    if (f == vm->main) {
        vm->main_done = true;
        if (failed) vm->main_error = f->result;
        else vm->main_result = f->result;
    }
    if (f->deferred) deferred_complete(vm, f->deferred, f->result, failed);
}

bool vm_run_ready(VM *vm) {
    while (vm->ready_head && !vm->exiting) {
        Fiber *f = vm->ready_head;
        vm->ready_head = f->next_ready;
        if (!vm->ready_head) vm->ready_tail = NULL;
        f->next_ready = NULL;
        if (f->state == FS_DONE) continue; /* its task was stopped (task.c) */
        if (f->task) vm_task_before(vm, f);
        vm_run_fiber(vm, f);
        if (f->task) vm_task_after(vm, f);
        /* an uncaught error in the main script ends the run */
        if (vm->main_done && !IS_VOID(vm->main_error)) break;
        if (vm->slice_spent) break;
    }
    if (vm->io_flush) vm->io_flush(vm);
    return vm->ready_head != NULL || vm->live_ops > 0;
}

/* ---- host operations ---- */

#define OP_INDEX_BITS 20u
#define OP_INDEX_MASK ((1u << OP_INDEX_BITS) - 1)

/* Free slots form a list threaded through their id field, so taking and
 * releasing a slot is O(1) however many ops are pending (a server with
 * thousands of idle connections has one pending read each). */
uint32_t vm_op_begin(VM *vm, Fiber *f, void *data, void (*complete)(VM *, PendingOp *, int, int64_t)) {
    uint32_t i;
    if (vm->op_free) {
        i = vm->op_free - 1;
        vm->op_free = vm->ops[i].id;
    } else {
        if (vm->nops == vm->ops_cap) {
            /* by half again, not twice: a server has a slot per idle
             * connection, and 10,000 of them left 6,384 slots unused */
            uint32_t ncap = vm->ops_cap ? vm->ops_cap + vm->ops_cap / 2 : 16;
            vm->ops = vm_realloc(vm, vm->ops, sizeof(PendingOp) * vm->ops_cap, sizeof(PendingOp) * ncap);
            memset(vm->ops + vm->ops_cap, 0, sizeof(PendingOp) * (ncap - vm->ops_cap));
            vm->ops_cap = ncap;
        }
        i = vm->nops++;
    }
    PendingOp *op = &vm->ops[i];
    op->fiber = f;
    op->data = data;
    op->complete = complete;
    op->keep[0] = op->keep[1] = NULL;
    op->gen = (op->gen + 1) & ((1u << (32 - OP_INDEX_BITS)) - 1);
    if (op->gen == 0) op->gen = 1;
    vm->live_ops++;
    op->id = (op->gen << OP_INDEX_BITS) | i;
    return op->id;
}

void vm_op_complete(VM *vm, uint32_t id, int status, int64_t value) {
    uint32_t i = id & OP_INDEX_MASK;
    if (i >= vm->nops) return;
    PendingOp *op = &vm->ops[i];
    if (op->gen != id >> OP_INDEX_BITS || (!op->fiber && !op->complete)) return; /* stale */
    PendingOp copy = *op;
    op->fiber = NULL;
    op->complete = NULL;
    op->data = NULL;
    op->keep[0] = op->keep[1] = NULL;
    op->id = vm->op_free;
    vm->op_free = i + 1;
    vm->live_ops--;
    if (copy.complete) {
        copy.complete(vm, &copy, status, value);
    } else if (copy.fiber) {
        if (status == 0) vm_resume(vm, copy.fiber, V_VOID);
        else {
            vm_throw(vm, vm->c.illegal_operation, "operation failed: %s", host_error_name(status));
            Value e = vm_take_exception(vm);
            vm_resume_throw(vm, copy.fiber, e);
        }
    }
}

void vm_op_keep(VM *vm, uint32_t id, void *a, void *b) {
    PendingOp *op = &vm->ops[id & OP_INDEX_MASK];
    op->keep[0] = a;
    op->keep[1] = b;
}

void lyng_complete(lyng_vm *vm, uint32_t op, int32_t status, int64_t value) { vm_op_complete(vm, op, status, value); }

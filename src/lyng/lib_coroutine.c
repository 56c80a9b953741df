/* lib_coroutine.c - launch, delay, yield, Deferred, CompletableDeferred and
 * Mutex. Waiting never blocks: the fiber parks and is resumed by a timer
 * completion, a completed Deferred or an unlocked Mutex. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <string.h>
#include <time.h>

#include "../host/host.h"
#include "vm.h"

static NativeResult g_launch(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc < 1) return vm_throw(vm, vm->c.illegal_argument, "launch needs a block: launch { ... }");
    Fiber *f = vm_fiber_new(vm, argv[argc - 1], 0, NULL);
    Deferred *d = deferred_new(vm);
    d->fiber = f;
    f->deferred = d;
    vm_ready(vm, f);
    *out = v_obj(d);
    return NR_OK;
}

/* The milliseconds of a lyng.time Duration (its `ms` field), else false. */
static bool duration_ms(Value v, double *ms) {
    if (!IS_OT(v, OT_INSTANCE) || strcmp(((Instance *)v.as.o)->h.cls->name->data, "Duration") != 0) return false;
    Value f;
    if (!map_get_str(((Instance *)v.as.o)->fields, "ms", &f) || !IS_NUM(f)) return false;
    *ms = AS_NUM(f);
    return true;
}

/* The wall clock for lyng.time's Instant(): nanoseconds since the epoch. */
static NativeResult g_epoch_nanos(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)vm; (void)self; (void)argc; (void)argv;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    *out = v_int((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
    return NR_OK;
}

static NativeResult g_delay(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    double ms;
    if (argc == 1 && IS_NUM(argv[0])) ms = AS_NUM(argv[0]);
    else if (argc != 1 || !duration_ms(argv[0], &ms))
        return vm_throw(vm, vm->c.illegal_argument, "delay needs a number of milliseconds or a Duration");
    if (isnan(ms) || ms < 0) ms = 0;
    if (ms > 9.0e15) ms = 9.0e15;
    *out = V_VOID;
    Fiber *f = vm_park(vm);
    uint32_t op = vm_op_begin(vm, f, NULL, NULL);
    host_timer(vm->host, op, (int64_t)ceil(ms));
    return NR_SUSPEND;
}

static NativeResult g_yield(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    (void)argc;
    (void)argv;
    *out = V_VOID;
    Fiber *f = vm_park(vm);
    vm_resume(vm, f, V_VOID); /* to the back of the run queue */
    return NR_SUSPEND;
}

static NativeResult d_await(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argc;
    (void)argv;
    Deferred *d = (Deferred *)self.as.o;
    if (d->done) {
        if (d->failed) return vm_throw_value(vm, d->value);
        *out = d->value;
        return NR_OK;
    }
    if (!d->waiters) d->waiters = list_new(vm, 0); /* d stays reachable: it is self */
    Fiber *f = vm_park(vm);
    list_push(vm, d->waiters, v_obj(f));
    return NR_SUSPEND;
}

static NativeResult d_is_completed(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)vm;
    (void)argc;
    (void)argv;
    *out = v_bool(((Deferred *)self.as.o)->done);
    return NR_OK;
}

static NativeResult d_is_active(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)vm;
    (void)argc;
    (void)argv;
    *out = v_bool(!((Deferred *)self.as.o)->done);
    return NR_OK;
}

static NativeResult cd_new(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    (void)argv;
    if (argc != 0) return vm_throw(vm, vm->c.illegal_argument, "CompletableDeferred() takes no arguments");
    Deferred *d = deferred_new(vm);
    d->h.cls = vm->c.completable;
    *out = v_obj(d);
    return NR_OK;
}

static NativeResult cd_complete(VM *vm, Value self, int argc, Value *argv, Value *out) {
    Deferred *d = (Deferred *)self.as.o;
    bool was = d->done;
    deferred_complete(vm, d, argc > 0 ? argv[0] : V_VOID, false);
    *out = v_bool(!was);
    return NR_OK;
}

static NativeResult mx_new(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    (void)argv;
    if (argc != 0) return vm_throw(vm, vm->c.illegal_argument, "Mutex() takes no arguments");
    Mutex *m = vm_alloc(vm, OT_MUTEX, vm->c.mutex, sizeof(Mutex));
    m->locked = false;
    m->waiters = NULL;
    m->waiters = list_new(vm, 0);
    *out = v_obj(m);
    return NR_OK;
}

static NativeResult mx_lock(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argc;
    (void)argv;
    Mutex *m = (Mutex *)self.as.o;
    *out = V_VOID;
    if (!m->locked) {
        m->locked = true;
        return NR_OK;
    }
    list_push(vm, m->waiters, v_obj(vm_park(vm)));
    return NR_SUSPEND;
}

static NativeResult mx_unlock(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argc;
    (void)argv;
    Mutex *m = (Mutex *)self.as.o;
    *out = V_VOID;
    if (!m->locked) return vm_throw(vm, vm->c.illegal_state, "the mutex is not locked");
    if (m->waiters->count == 0) {
        m->locked = false;
        return NR_OK;
    }
    /* hand the lock straight to the first waiter (FIFO, no barging) */
    Fiber *next = (Fiber *)m->waiters->items[0].as.o;
    for (uint32_t i = 1; i < m->waiters->count; i++) m->waiters->items[i - 1] = m->waiters->items[i];
    m->waiters->count--;
    vm_resume(vm, next, V_VOID);
    return NR_OK;
}

static NativeResult mx_is_locked(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)vm;
    (void)argc;
    (void)argv;
    *out = v_bool(((Mutex *)self.as.o)->locked);
    return NR_OK;
}

void lib_coroutine_init(VM *vm) {
    vm_def_global_fn(vm, "launch", g_launch);
    vm_def_global_fn(vm, "delay", g_delay);
    vm_def_global_fn(vm, "__epochNanos", g_epoch_nanos);
    vm_def_global_fn(vm, "yield", g_yield);
    vm_def_method(vm, vm->c.deferred, "await", d_await);
    vm_def_property(vm, vm->c.deferred, "isCompleted", d_is_completed);
    vm_def_property(vm, vm->c.deferred, "isActive", d_is_active);
    vm->c.completable->ctor = cd_new;
    vm_def_method(vm, vm->c.completable, "complete", cd_complete);
    vm->c.mutex->ctor = mx_new;
    vm_def_method(vm, vm->c.mutex, "lock", mx_lock);
    vm_def_method(vm, vm->c.mutex, "unlock", mx_unlock);
    vm_def_property(vm, vm->c.mutex, "isLocked", mx_is_locked);
}

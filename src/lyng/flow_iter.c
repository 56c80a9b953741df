/* flow_iter.c - `for (x in flow)`: the flow's builder runs in a producer
 * fiber of its own, and a hand-off channel passes one value at a time to the
 * loop. Both sides park instead of blocking, so the builder may suspend
 * (delay, I/O) between emits and the loop body may suspend between values.
 * Leaving the loop early (break, return, an exception) cancels the producer:
 * a CancellationException is raised at its pending emit, so its finally
 * blocks run.
 *
 * The channel is a List (marked by the GC like any list) with fixed slots;
 * the for loop's iterator holds it. */
#include "lib.h"

enum { CH_STATE, CH_VALUE, CH_PRODUCER, CH_CONSUMER, CH_FLOW, CH_ERROR, CH_SLOTS };

enum {
    ST_NEW,      /* the producer has not started */
    ST_RUNNING,  /* the producer runs; the loop waits */
    ST_READY,    /* a value waits for the loop; the producer is parked in emit */
    ST_TAKEN,    /* the loop has the value; the producer is still parked */
    ST_CLOSING,  /* the producer was cancelled and is running its cleanup */
    ST_DONE,     /* the builder returned (or its cancellation finished) */
    ST_FAILED    /* the builder raised CH_ERROR, not yet seen by the loop */
};

#define CANCEL_CLASS "CancellationException"

static int state(List *ch) { return (int)ch->items[CH_STATE].as.i; }
static void set_state(List *ch, int s) { ch->items[CH_STATE] = v_int(s); }

static bool is_channel(Value v) { return IS_OT(v, OT_LIST) && ((List *)v.as.o)->count == CH_SLOTS; }

static void wake(VM *vm, Value fiber) {
    if (IS_OT(fiber, OT_FIBER)) vm_resume(vm, (Fiber *)fiber.as.o, V_UNSET); /* re-runs its waiting op */
}

List *flow_channel_new(VM *vm, Value flow) {
    List *ch = list_new(vm, CH_SLOTS);
    for (int i = 0; i < CH_SLOTS; i++) list_push(vm, ch, V_NULL);
    set_state(ch, ST_NEW);
    ch->items[CH_FLOW] = flow;
    return ch;
}

/* The exception a cancelled producer sees at its pending emit. */
static Value cancellation(VM *vm) {
    Value k = vm->gvals[vm_global_slot(vm, CANCEL_CLASS, sizeof CANCEL_CLASS - 1)];
    vm_throw(vm, IS_OT(k, OT_CLASS) ? (Class *)k.as.o : vm->c.illegal_state, "the loop over this flow has ended");
    return vm_take_exception(vm);
}

/* Cancels a parked producer; `waiter` (the loop's fiber, or null when the
 * loop is already gone) is woken when the producer's cleanup is over. */
static void cancel(VM *vm, List *ch, Value waiter) {
    Value exc = cancellation(vm);
    set_state(ch, ST_CLOSING);
    ch->items[CH_CONSUMER] = waiter;
    ch->items[CH_ERROR] = exc;
    ch->items[CH_VALUE] = V_NULL;
    vm_resume_throw(vm, (Fiber *)ch->items[CH_PRODUCER].as.o, exc);
}

FlowStep flow_channel_next(VM *vm, List *ch, Value *out) {
    switch (state(ch)) {
    case ST_NEW: {
        Value produce = vm->gvals[vm_global_slot(vm, "__flowProduce", 13)];
        Value args[2] = {ch->items[CH_FLOW], v_obj(ch)};
        Fiber *p = vm_fiber_new(vm, produce, 2, args);
        ch->items[CH_PRODUCER] = v_obj(p);
        ch->items[CH_CONSUMER] = v_obj(vm_park(vm));
        set_state(ch, ST_RUNNING);
        vm_ready(vm, p);
        return FLOW_WAIT;
    }
    case ST_READY:
        *out = ch->items[CH_VALUE];
        ch->items[CH_VALUE] = V_NULL;
        set_state(ch, ST_TAKEN);
        return FLOW_VALUE;
    case ST_TAKEN:
        set_state(ch, ST_RUNNING);
        ch->items[CH_CONSUMER] = v_obj(vm_park(vm));
        vm_resume(vm, (Fiber *)ch->items[CH_PRODUCER].as.o, V_VOID);
        return FLOW_WAIT;
    case ST_FAILED:
        set_state(ch, ST_DONE);
        vm_throw_value(vm, ch->items[CH_ERROR]);
        ch->items[CH_ERROR] = V_NULL;
        return FLOW_ERROR;
    case ST_RUNNING:
    case ST_CLOSING:
        /* only the producer wakes the loop; wait for it again */
        ch->items[CH_CONSUMER] = v_obj(vm_park(vm));
        return FLOW_WAIT;
    default: return FLOW_END;
    }
}

FlowStep flow_channel_close(VM *vm, List *ch) {
    switch (state(ch)) {
    case ST_NEW: set_state(ch, ST_DONE); return FLOW_END;
    case ST_READY:
    case ST_TAKEN: cancel(vm, ch, v_obj(vm_park(vm))); return FLOW_WAIT;
    case ST_RUNNING:
    case ST_CLOSING: ch->items[CH_CONSUMER] = v_obj(vm_park(vm)); return FLOW_WAIT;
    case ST_FAILED: return flow_channel_next(vm, ch, &(Value){0}); /* the cleanup failed: raise it */
    default: return FLOW_END;
    }
}

void flow_channel_abandon(VM *vm, List *ch) {
    switch (state(ch)) {
    case ST_NEW: set_state(ch, ST_DONE); break;
    case ST_READY:
    case ST_TAKEN: cancel(vm, ch, V_NULL); break;
    default: ch->items[CH_CONSUMER] = V_NULL; break;
    }
}

/* __flowHandOff(ch, value): `emit` inside a producer. The producer parks
 * until the loop asks for the next value (or is cancelled). */
static NativeResult hand_off(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 2 || !is_channel(argv[0])) return vm_throw(vm, vm->c.illegal_argument, "__flowHandOff(channel, value)");
    List *ch = (List *)argv[0].as.o;
    if (state(ch) == ST_CLOSING) return vm_throw_value(vm, ch->items[CH_ERROR]); /* emit after cancellation */
    ch->items[CH_VALUE] = argv[1];
    set_state(ch, ST_READY);
    Value consumer = ch->items[CH_CONSUMER];
    ch->items[CH_CONSUMER] = V_NULL;
    wake(vm, consumer);
    vm_park(vm);
    *out = V_VOID;
    return NR_SUSPEND;
}

/* __flowEnd(ch, error): the builder is over, normally (error null), by an
 * exception, or by its cancellation. */
static NativeResult end(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 2 || !is_channel(argv[0])) return vm_throw(vm, vm->c.illegal_argument, "__flowEnd(channel, error)");
    List *ch = (List *)argv[0].as.o;
    Value err = argv[1];
    bool cancelled = state(ch) == ST_CLOSING && (IS_NULL(err) || err.as.o == ch->items[CH_ERROR].as.o);
    ch->items[CH_VALUE] = V_NULL;
    ch->items[CH_PRODUCER] = V_NULL;
    if (IS_NULL(err) || cancelled) {
        set_state(ch, ST_DONE);
        ch->items[CH_ERROR] = V_NULL;
    } else {
        set_state(ch, ST_FAILED);
        ch->items[CH_ERROR] = err;
    }
    Value consumer = ch->items[CH_CONSUMER];
    ch->items[CH_CONSUMER] = V_NULL;
    wake(vm, consumer);
    *out = V_VOID;
    return NR_OK;
}

void flow_iter_init(VM *vm) {
    Class *k = vm_def_class(vm, CANCEL_CLASS, vm->c.exception);
    k->is_exception = true;
    k->ctor = vm->c.exception->ctor;
    vm_def_global_fn(vm, "__flowHandOff", hand_off);
    vm_def_global_fn(vm, "__flowEnd", end);
}

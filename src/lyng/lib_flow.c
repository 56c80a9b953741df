/* lib_flow.c - the native half of cold flows (`flow { emit(x) }`): the Flow
 * class holding a builder, and the per-coroutine stack of collectors that
 * `emit` hands values to. Collecting, map/filter/take... are in prelude.lyng,
 * because builders and collectors are lambdas that may suspend. */
#include "lib.h"

/* Global holding Map: Fiber -> List of collector functions, innermost last.
 * A fiber's entry goes away when its list empties, so ended coroutines leave
 * nothing behind. */
#define COLLECTORS "__flowCollectors"

static Map *collectors(VM *vm) {
    Value m = vm->gvals[vm_global_slot(vm, COLLECTORS, sizeof COLLECTORS - 1)];
    return IS_OT(m, OT_MAP) ? (Map *)m.as.o : NULL;
}

static bool is_callable(Value v) {
    return IS_OT(v, OT_CLOSURE) || IS_OT(v, OT_NATIVE) || IS_OT(v, OT_BOUND);
}

static NativeResult flow_ctor(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 1 || !is_callable(argv[0]))
        return vm_throw(vm, vm->c.illegal_argument, "flow needs a builder function, got %s",
                        argc ? v_type_name(vm, argv[0]) : "nothing");
    Instance *f = instance_new(vm, vm->c.flow);
    map_put_str(vm, f->fields, "__builder", argv[0]);
    *out = v_obj(f);
    return NR_OK;
}

static NativeResult flow_to_string(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self, (void)argc, (void)argv;
    *out = v_obj(str_cstr(vm, "Flow"));
    return NR_OK;
}

/* __flowPush(fn): fn receives what `emit` sends from now on in this coroutine. */
static NativeResult flow_push(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 1 || !is_callable(argv[0])) return vm_throw(vm, vm->c.illegal_argument, "collect needs a function");
    Map *m = collectors(vm);
    Value key = v_obj(vm->current), l;
    if (!map_get(m, key, &l)) {
        l = v_obj(list_new(vm, 4));
        map_put(vm, m, key, l);
    }
    list_push(vm, (List *)l.as.o, argv[0]);
    *out = V_VOID;
    return NR_OK;
}

/* __flowPop(): removes and returns the innermost collector of this coroutine. */
static NativeResult flow_pop(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self, (void)argc, (void)argv;
    Map *m = collectors(vm);
    Value key = v_obj(vm->current), l;
    if (!map_get(m, key, &l) || ((List *)l.as.o)->count == 0)
        return vm_throw(vm, vm->c.illegal_state, "emit() called outside of a flow builder");
    List *list = (List *)l.as.o;
    *out = list->items[--list->count];
    if (list->count == 0) map_remove(m, key);
    return NR_OK;
}

void lib_flow_init(VM *vm) {
    vm->c.flow = vm_def_class(vm, "Flow", vm->c.any);
    vm->c.flow->ctor = flow_ctor;
    vm_def_method(vm, vm->c.flow, "toString", flow_to_string);
    vm_def_global(vm, COLLECTORS, v_obj(map_new(vm)));
    vm_def_global_fn(vm, "__flowPush", flow_push);
    vm_def_global_fn(vm, "__flowPop", flow_pop);
    flow_iter_init(vm);
}

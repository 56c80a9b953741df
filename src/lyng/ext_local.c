/* ext_local.c - extensions declared inside a function or block. They are
 * not added to the class (that would make them visible everywhere and
 * outlive their scope): the compiler keeps each in a local variable named
 * "Type.name" and routes `recv.name(...)` / `recv.name` through __extPick
 * only where such a local is in scope, so other member accesses pay nothing.
 *
 * An extension descriptor is a List [Type, fn, isGetter, outer], where outer
 * is the next visible local extension of the same name (or null). */
#include <string.h>

#include "lib.h"

enum { EX_TYPE, EX_FN, EX_GETTER, EX_OUTER, EX_SLOTS };

/* __extLocal(outer, Type, name, fn, isGetter): a descriptor. */
static NativeResult ext_local(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 5 || !IS_OT(argv[2], OT_STRING) || !IS_OT(argv[3], OT_CLOSURE))
        return vm_throw(vm, vm->c.illegal_argument, "__extLocal(outer, Type, name, fn, isGetter)");
    Value outer = argv[0];
    argv++; /* Type, name, fn, isGetter */
    if (!IS_OT(argv[0], OT_CLASS))
        return vm_throw(vm, vm->c.illegal_argument, "only a class can be extended, not %s", v_type_name(vm, argv[0]));
    if (v_truthy(argv[3])) {
        Proto *p = ((Closure *)argv[2].as.o)->proto;
        p->name = vm->s_getter;
        p->implicit_it = false;
    }
    List *d = list_new(vm, EX_SLOTS);
    list_push(vm, d, argv[0]);
    list_push(vm, d, argv[2]);
    list_push(vm, d, v_bool(v_truthy(argv[3])));
    list_push(vm, d, outer);
    *out = v_obj(d);
    return NR_OK;
}

/* A member of the receiver's own (not an extension added by __extend):
 * members win over extensions. */
static bool own_member(VM *vm, Value recv, String *key, Value *m) {
    if (IS_OT(recv, OT_INSTANCE) && map_get(((Instance *)recv.as.o)->fields, v_obj(key), m)) return true;
    return vm_find_method(vm, v_class(vm, recv), key, m) && !map_get(vm->cls_names.ext, *m, NULL);
}

/* __extPick(descriptor, recv, name, mode): the function to call for
 * `recv.name`. A local extension that applies comes bound to recv. When
 * none applies: for a call (mode 1), the member (bound) or a global
 * extension; for a bare call in an extension body (mode 2) also a global
 * function of that name; for a property read (mode 0), null (the caller
 * then reads the property as usual). */
static NativeResult ext_pick(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 4 || !IS_OT(argv[2], OT_STRING) || !IS_INT(argv[3]))
        return vm_throw(vm, vm->c.illegal_argument, "__extPick(descriptor, receiver, name, mode)");
    int64_t mode = argv[3].as.i;
    Value recv = argv[1];
    String *n = (String *)argv[2].as.o;
    String *key = str_intern(vm, n->data, n->len);
    Value m;
    bool member = own_member(vm, recv, key, &m);
    if (!member) {
        for (Value d = argv[0]; IS_OT(d, OT_LIST) && ((List *)d.as.o)->count == EX_SLOTS;
             d = ((List *)d.as.o)->items[EX_OUTER]) {
            List *ex = (List *)d.as.o;
            if (!IS_OT(ex->items[EX_TYPE], OT_CLASS) || !vm_is_instance(vm, recv, (Class *)ex->items[EX_TYPE].as.o))
                continue;
            *out = v_obj(bound_new(vm, recv, ex->items[EX_FN]));
            return NR_OK;
        }
    }
    if (mode == 0) {
        *out = V_NULL;
        return NR_OK;
    }
    if (IS_OT(recv, OT_INSTANCE) && map_get(((Instance *)recv.as.o)->fields, v_obj(key), &m)) {
        *out = m; /* a field holding a function */
        return NR_OK;
    }
    if (vm_find_method(vm, v_class(vm, recv), key, &m)) {
        *out = v_obj(bound_new(vm, recv, m));
        return NR_OK;
    }
    if (mode == 2) {
        uint32_t g = vm_global_slot(vm, key->data, key->len);
        if (vm->gflags[g] & GF_DEFINED) {
            *out = vm->gvals[g];
            return NR_OK;
        }
        return vm_throw(vm, vm->c.symbol_not_defined, "symbol '%s' is not defined", key->data);
    }
    if (IS_NULL(recv)) return vm_throw(vm, vm->c.null_reference, "cannot call '%s' on null", key->data);
    return vm_throw(vm, vm->c.symbol_not_defined, "%s has no method '%s'", v_type_name(vm, recv), key->data);
}

void ext_local_init(VM *vm) {
    vm_def_global_fn(vm, "__extLocal", ext_local);
    vm_def_global_fn(vm, "__extPick", ext_pick);
}

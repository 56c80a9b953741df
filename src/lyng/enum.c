/* enum.c - `enum Name { A, B, C }`: a class whose instances are made once,
 * each with `name` and `ordinal` fields, reachable as `Name.A`, listed in
 * `Name.entries` and found by `Name.valueOf("A")`. Entries are compared by
 * ordinal and print as their name; equality is identity. */
#include <string.h>
#include "lib.h"

static NativeResult e_to_string(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argc;
    (void)argv;
    if (!IS_OT(self, OT_INSTANCE) || !map_get(((Instance *)self.as.o)->fields, v_obj(vm->s_name_prop), out))
        return vm_throw(vm, vm->c.illegal_argument, "toString: not an enum entry");
    return NR_OK;
}

static bool ordinal_of(VM *vm, Value v, int64_t *out) {
    Value o;
    if (!IS_OT(v, OT_INSTANCE) || !map_get_str(((Instance *)v.as.o)->fields, "ordinal", &o) || !IS_INT(o)) return false;
    (void)vm;
    *out = o.as.i;
    return true;
}

static NativeResult e_compare_to(VM *vm, Value self, int argc, Value *argv, Value *out) {
    int64_t a, b;
    if (argc != 1 || !IS_OBJ(argv[0]) || argv[0].as.o->cls != self.as.o->cls || !ordinal_of(vm, self, &a) ||
        !ordinal_of(vm, argv[0], &b))
        return vm_throw(vm, vm->c.illegal_argument, "cannot compare %s with %s", v_type_name(vm, self),
                        argc ? v_type_name(vm, argv[0]) : "nothing");
    *out = v_int(a < b ? -1 : a > b ? 1 : 0);
    return NR_OK;
}

static NativeResult e_value_of(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (!IS_OT(self, OT_CLASS)) return vm_throw(vm, vm->c.illegal_argument, "valueOf must be called on an enum class");
    Class *cls = (Class *)self.as.o;
    if (argc != 1 || !IS_OT(argv[0], OT_STRING))
        return vm_throw(vm, vm->c.illegal_argument, "%s.valueOf(name) needs a String", cls->name->data);
    String *n = (String *)argv[0].as.o;
    Value v;
    if (map_get(cls->statics, v_obj(str_intern(vm, n->data, n->len)), &v) && IS_OBJ(v) && v.as.o->cls == cls) {
        *out = v;
        return NR_OK;
    }
    return vm_throw(vm, vm->c.illegal_argument, "%s has no entry '%s'", cls->name->data, n->data);
}

/* __enum(name, [entry names]) */
static NativeResult p_enum(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 2 || !IS_OT(argv[0], OT_STRING) || !IS_OT(argv[1], OT_LIST))
        return vm_throw(vm, vm->c.illegal_argument, "__enum(name, entries)");
    Class *cls = class_new(vm, ((String *)argv[0].as.o)->data, vm->c.any);
    *out = v_obj(cls);
    List *names = (List *)argv[1].as.o;
    List *entries = list_new(vm, names->count);
    map_put_str(vm, cls->statics, "entries", v_obj(entries));
    for (uint32_t i = 0; i < names->count; i++) {
        Instance *in = instance_new(vm, cls);
        list_push(vm, entries, v_obj(in));
        map_put(vm, in->fields, v_obj(vm->s_name_prop), names->items[i]);
        map_put_str(vm, in->fields, "ordinal", v_int(i));
        map_put(vm, cls->statics, names->items[i], v_obj(in));
    }
    Native *vo = native_new(vm, "valueOf", e_value_of);
    map_put_str(vm, cls->statics, "valueOf", v_obj(vo));
    vm_def_method(vm, cls, "toString", e_to_string);
    vm_def_method(vm, cls, "compareTo", e_compare_to);
    return NR_OK;
}

void lib_enum_init(VM *vm) { vm_def_global_fn(vm, "__enum", p_enum); }

/* serial_fields.c - what of an instance JSON and Lynon write: the state of
 * an object as upstream Lyng defines it. A script class contributes its
 * constructor parameters (in order) and then its other mutable fields; a
 * `val` declared in the body, private/protected members, helpers named `__x`
 * and `@Transient` members are left out. `__transient(cls, name)` (emitted
 * for `@Transient`) records a transient member in the class's statics. */
#include <string.h>
#include "compiler.h"
#include "lib.h"

#define TRANSIENT_KEY "__transient"

static bool in_class_map(VM *vm, Class *cls, const char *key, String *name) {
    uint32_t i = 0;
    for (Class *c = cls; c; c = class_next(cls, c, &i)) {
        Value m;
        if (map_get_str(c->statics, key, &m) && IS_OT(m, OT_MAP) && map_get((Map *)m.as.o, v_obj(name), NULL)) return true;
    }
    (void)vm;
    return false;
}

bool serial_is_transient(VM *vm, Class *cls, String *name) { return in_class_map(vm, cls, TRANSIENT_KEY, name); }

bool serial_is_exception(VM *vm, Class *cls) {
    uint32_t i = 0;
    for (Class *c = cls; c; c = class_next(cls, c, &i))
        if (c == vm->c.exception || c->is_exception) return true;
    return false;
}

/* A `val` field: its setter slot ("name=") holds the marker __privateSet put there. */
static bool is_val_field(VM *vm, Class *cls, String *name) {
    String *key = class_setter_key(vm, name);
    uint32_t i = 0;
    for (Class *c = cls; c; c = class_next(cls, c, &i)) {
        Value v;
        if (map_get(c->methods, v_obj(key), &v)) return IS_OBJ(v) && v.as.o == (Obj *)vm->cls_names.abstract;
    }
    return false;
}

List *serial_ctor_params(VM *vm, Class *cls) {
    Value body;
    if (!class_body_fn(vm, cls, &body) || !IS_OT(body, OT_CLOSURE)) return NULL;
    Proto *p = ((Closure *)body.as.o)->proto;
    List *l = list_new(vm, p->nparams);
    for (uint16_t i = 0; i < p->nparams; i++) list_push(vm, l, v_obj(p->param_names[i]));
    return l;
}

List *serial_fields(VM *vm, Instance *in) {
    Class *cls = in->h.cls;
    bool exc = serial_is_exception(vm, cls);
    List *out = list_new(vm, 4);
    List *params = serial_ctor_params(vm, cls);
    Map *seen = map_new(vm);
    list_push(vm, vm->roots, v_obj(seen)); /* popped below; natives run without GC, this is belt and braces */
    if (params)
        for (uint32_t i = 0; i < params->count; i++) {
            String *n = (String *)params->items[i].as.o;
            map_put(vm, seen, params->items[i], V_TRUE);
            if (map_get(in->fields, params->items[i], NULL) && !serial_is_transient(vm, cls, n)) list_push(vm, out, params->items[i]);
        }
    for (uint32_t i = 0; i < in->fields->nslots; i++) {
        MapSlot *s = &in->fields->slots[i];
        if (!s->live || !IS_OT(s->key, OT_STRING) || map_get(seen, s->key, NULL)) continue;
        String *n = (String *)s->key.as.o;
        if (n->len >= 2 && n->data[0] == '_' && n->data[1] == '_') continue;
        if (!exc && (is_val_field(vm, cls, n) || in_class_map(vm, cls, "__hidden", n))) continue;
        if (serial_is_transient(vm, cls, n)) continue;
        list_push(vm, out, s->key);
    }
    vm->roots->count--;
    return out;
}

static const uint8_t operand_bytes[] = {
#define OP(name, n, eff) n,
#include "opcodes.h"
#undef OP
};

bool serial_param_required(VM *vm, Class *cls, uint32_t i) {
    Value body;
    if (!class_body_fn(vm, cls, &body) || !IS_OT(body, OT_CLOSURE)) return false;
    Proto *p = ((Closure *)body.as.o)->proto;
    /* the prologue checks each parameter without a default: ARG_REQUIRED slot */
    for (uint32_t ip = 0; ip < p->code_len && p->code[ip] < OP__COUNT; ip += 1u + operand_bytes[p->code[ip]]) {
        if (p->code[ip] != OP_ARG_REQUIRED || ip + ARG >= p->code_len) continue;
        uint32_t slot = 0;
        for (int k = ARG; k >= 1; k--) slot = slot << 8 | p->code[ip + (uint32_t)k];
        if (slot == i + 1) return true;
    }
    return false;
}

/* __transient(cls, name) */
static NativeResult p_transient(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 2 || !IS_OT(argv[0], OT_CLASS) || !IS_OT(argv[1], OT_STRING))
        return vm_throw(vm, vm->c.illegal_argument, "__transient(cls, name)");
    Class *cls = (Class *)argv[0].as.o;
    Value m;
    if (!map_get_str(cls->statics, TRANSIENT_KEY, &m)) {
        m = v_obj(set_new(vm));
        map_put_str(vm, cls->statics, TRANSIENT_KEY, m);
    }
    String *n = (String *)argv[1].as.o;
    map_put(vm, (Map *)m.as.o, v_obj(str_intern(vm, n->data, n->len)), V_TRUE);
    *out = V_VOID;
    return NR_OK;
}

void serial_fields_init(VM *vm) { vm_def_global_fn(vm, "__transient", p_transient); }

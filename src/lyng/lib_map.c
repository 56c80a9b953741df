/* lib_map.c - Map, MapEntry and Set: constructors, methods, and the set
 * algebra and map merge the interpreter's `+ - *` operators call. */
#include "lib.h"

#define UNUSED(x) (void)(x)
#define SELF_MAP ((Map *)self.as.o)

/* ---- helpers shared with the interpreter ---- */

Map *map_merged(VM *vm, Map *a, Map *b) {
    Map *r = map_new(vm);
    Map *src[2] = {a, b};
    for (int k = 0; k < 2; k++)
        for (uint32_t i = 0; i < src[k]->nslots; i++)
            if (src[k]->slots[i].live) map_put(vm, r, src[k]->slots[i].key, src[k]->slots[i].value);
    return r;
}

static bool is_collection(Value v) {
    return IS_OT(v, OT_LIST) || IS_OT(v, OT_RANGE) || (IS_OT(v, OT_MAP) && (v.as.o->flags & OF_SET));
}

static void set_copy(VM *vm, Map *dst, Map *src) {
    for (uint32_t i = 0; i < src->nslots; i++)
        if (src->slots[i].live) map_put(vm, dst, src->slots[i].key, V_TRUE);
}

Value set_op(VM *vm, Map *a, Value b, char op) {
    Map *r = set_new(vm);
    if (!is_collection(b)) {
        if (op == '*') {
            vm_throw(vm, vm->c.illegal_argument, "cannot intersect a Set with %s", v_type_name(vm, b));
            return V_UNSET;
        }
        set_copy(vm, r, a);
        if (op == '+') map_put(vm, r, b, V_TRUE);
        else map_remove(r, b);
        return v_obj(r);
    }
    List *items = iter_to_list(vm, b);
    if (!items) return V_UNSET;
    if (op == '+') {
        set_copy(vm, r, a);
        for (uint32_t i = 0; i < items->count; i++) map_put(vm, r, items->items[i], V_TRUE);
    } else if (op == '-') {
        set_copy(vm, r, a);
        for (uint32_t i = 0; i < items->count; i++) map_remove(r, items->items[i]);
    } else {
        /* keep a's order */
        Map *other = set_new(vm);
        for (uint32_t i = 0; i < items->count; i++) map_put(vm, other, items->items[i], V_TRUE);
        for (uint32_t i = 0; i < a->nslots; i++)
            if (a->slots[i].live && map_get(other, a->slots[i].key, NULL)) map_put(vm, r, a->slots[i].key, V_TRUE);
    }
    return v_obj(r);
}

/* ---- constructors ---- */

static NativeResult map_ctor(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(self);
    Map *m = map_new(vm);
    for (int i = 0; i < argc; i++) {
        Value a = argv[i];
        if (IS_OT(a, OT_ENTRY)) {
            map_put(vm, m, ((Entry *)a.as.o)->key, ((Entry *)a.as.o)->value);
        } else if (IS_OT(a, OT_MAP) && !(a.as.o->flags & OF_SET)) {
            Map *src = (Map *)a.as.o;
            for (uint32_t k = 0; k < src->nslots; k++)
                if (src->slots[k].live) map_put(vm, m, src->slots[k].key, src->slots[k].value);
        } else if (IS_OT(a, OT_LIST) && ((List *)a.as.o)->count == 2) {
            map_put(vm, m, ((List *)a.as.o)->items[0], ((List *)a.as.o)->items[1]);
        } else {
            return vm_throw(vm, vm->c.illegal_argument, "Map() takes entries (key => value), got %s", v_type_name(vm, a));
        }
    }
    *out = v_obj(m);
    return NR_OK;
}

static NativeResult set_ctor(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(self);
    Map *s = set_new(vm);
    for (int i = 0; i < argc; i++) map_put(vm, s, argv[i], V_TRUE);
    *out = v_obj(s);
    return NR_OK;
}

/* ---- Map ---- */

static NativeResult m_keys_values(VM *vm, Value self, Value *out, bool keys) {
    Map *m = SELF_MAP;
    List *l = list_new(vm, m->live);
    for (uint32_t i = 0; i < m->nslots; i++)
        if (m->slots[i].live) l->items[l->count++] = keys ? m->slots[i].key : m->slots[i].value;
    *out = v_obj(l);
    return NR_OK;
}

static NativeResult m_keys(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    return m_keys_values(vm, self, out, true);
}

static NativeResult m_values(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    return m_keys_values(vm, self, out, false);
}

static NativeResult m_entries(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    List *l = iter_to_list(vm, self);
    if (!l) return NR_ERR;
    *out = v_obj(l);
    return NR_OK;
}

static NativeResult m_remove(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (arg_count(vm, argc, 1, 1, "remove") != NR_OK) return NR_ERR;
    if (!map_get(SELF_MAP, argv[0], out)) *out = V_NULL;
    else map_remove(SELF_MAP, argv[0]);
    return NR_OK;
}

static NativeResult m_get_or_null(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (arg_count(vm, argc, 1, 1, "getOrNull") != NR_OK) return NR_ERR;
    if (!map_get(SELF_MAP, argv[0], out)) *out = V_NULL;
    return NR_OK;
}

static NativeResult m_get_or_default(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (arg_count(vm, argc, 2, 2, "getOrDefault") != NR_OK) return NR_ERR;
    if (!map_get(SELF_MAP, argv[0], out)) *out = argv[1];
    return NR_OK;
}

static NativeResult m_put(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (arg_count(vm, argc, 2, 2, "put") != NR_OK) return NR_ERR;
    if (!map_get(SELF_MAP, argv[0], out)) *out = V_NULL; /* the previous value, as Kotlin */
    map_put(vm, SELF_MAP, argv[0], argv[1]);
    return NR_OK;
}

static NativeResult m_contains_key(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (arg_count(vm, argc, 1, 1, "containsKey") != NR_OK) return NR_ERR;
    *out = v_bool(map_get(SELF_MAP, argv[0], NULL));
    return NR_OK;
}

static NativeResult m_contains_value(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (arg_count(vm, argc, 1, 1, "containsValue") != NR_OK) return NR_ERR;
    Map *m = SELF_MAP;
    *out = V_FALSE;
    for (uint32_t i = 0; i < m->nslots; i++)
        if (m->slots[i].live && v_equal(m->slots[i].value, argv[0])) {
            *out = V_TRUE;
            break;
        }
    return NR_OK;
}

static NativeResult m_clear(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    Map *m = SELF_MAP;
    for (uint32_t i = 0; i < m->nslots; i++)
        if (m->slots[i].live) map_remove(m, m->slots[i].key);
    *out = V_VOID;
    return NR_OK;
}

static NativeResult m_to_map(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    Map *r = map_new(vm);
    *out = v_obj(map_merged(vm, r, SELF_MAP));
    return NR_OK;
}

/* ---- MapEntry ---- */

static NativeResult e_key(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    *out = ((Entry *)self.as.o)->key;
    return NR_OK;
}

static NativeResult e_value(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    *out = ((Entry *)self.as.o)->value;
    return NR_OK;
}

static NativeResult e_to_list(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    List *l = list_new(vm, 2);
    l->items[l->count++] = ((Entry *)self.as.o)->key;
    l->items[l->count++] = ((Entry *)self.as.o)->value;
    *out = v_obj(l);
    return NR_OK;
}

/* ---- Set ---- */

static NativeResult s_add(VM *vm, Value self, int argc, Value *argv, Value *out) {
    bool added = false;
    for (int i = 0; i < argc; i++) {
        if (map_get(SELF_MAP, argv[i], NULL)) continue;
        map_put(vm, SELF_MAP, argv[i], V_TRUE);
        added = true;
    }
    *out = v_bool(added);
    return NR_OK;
}

static NativeResult s_remove(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm);
    bool removed = false;
    for (int i = 0; i < argc; i++) removed |= map_remove(SELF_MAP, argv[i]);
    *out = v_bool(removed);
    return NR_OK;
}

static NativeResult set_method(VM *vm, Value self, int argc, Value *argv, Value *out, const char *fn, char op) {
    if (arg_count(vm, argc, 1, 1, fn) != NR_OK) return NR_ERR;
    if (!IS_OT(argv[0], OT_LIST) && !IS_OT(argv[0], OT_RANGE) && !(IS_OT(argv[0], OT_MAP) && (argv[0].as.o->flags & OF_SET)))
        return vm_throw(vm, vm->c.illegal_argument, "%s needs a Set, List or Range, got %s", fn, v_type_name(vm, argv[0]));
    *out = set_op(vm, SELF_MAP, argv[0], op);
    return IS_UNSET(*out) ? NR_ERR : NR_OK;
}

static NativeResult s_union(VM *vm, Value self, int argc, Value *argv, Value *out) { return set_method(vm, self, argc, argv, out, "union", '+'); }
static NativeResult s_subtract(VM *vm, Value self, int argc, Value *argv, Value *out) { return set_method(vm, self, argc, argv, out, "subtract", '-'); }
static NativeResult s_intersect(VM *vm, Value self, int argc, Value *argv, Value *out) { return set_method(vm, self, argc, argv, out, "intersect", '*'); }

void lib_map_init(VM *vm) {
    Class *m = vm->c.map;
    m->ctor = map_ctor;
    vm_def_property(vm, m, "keys", m_keys);
    vm_def_property(vm, m, "values", m_values);
    vm_def_property(vm, m, "entries", m_entries);
    vm_def_method(vm, m, "remove", m_remove);
    vm_def_method(vm, m, "getOrNull", m_get_or_null);
    vm_def_method(vm, m, "get", m_get_or_null);
    vm_def_method(vm, m, "getOrDefault", m_get_or_default);
    vm_def_method(vm, m, "put", m_put);
    vm_def_method(vm, m, "containsKey", m_contains_key);
    vm_def_method(vm, m, "containsValue", m_contains_value);
    vm_def_method(vm, m, "clear", m_clear);
    vm_def_method(vm, m, "toMap", m_to_map);

    Class *e = vm->c.entry;
    vm_def_property(vm, e, "key", e_key);
    vm_def_property(vm, e, "value", e_value);
    vm_def_property(vm, e, "first", e_key);
    vm_def_property(vm, e, "second", e_value);
    vm_def_method(vm, e, "toList", e_to_list);

    Class *s = vm->c.set;
    s->ctor = set_ctor;
    vm_def_method(vm, s, "add", s_add);
    vm_def_method(vm, s, "remove", s_remove);
    vm_def_method(vm, s, "clear", m_clear);
    vm_def_method(vm, s, "union", s_union);
    vm_def_method(vm, s, "subtract", s_subtract);
    vm_def_method(vm, s, "intersect", s_intersect);
}

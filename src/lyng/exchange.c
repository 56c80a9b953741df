/* exchange.c - values as bytes for hosts written in other languages (the
 * JavaScript API): the result of a task, globals, and the arguments and
 * results of host functions. The format is described in lyng.h. */
#include <stdlib.h>
#include <string.h>

#include "vm.h"

/* The tags of lyng_constants.h, as X_NULL, X_VOID, ... */
#define TAG_ENUM(name, value) X_##name = value,
enum { LYNG_VALUE_TAG_MAP(TAG_ENUM) };
#undef TAG_ENUM

/* ---- encoding ---- */

typedef struct Enc {
    VM *vm;
    StrBuf out;
    List *open; /* containers being encoded: one met again is a cycle */
} Enc;

static void put_u32(Enc *e, uint32_t n) {
    char b[4] = {(char)n, (char)(n >> 8), (char)(n >> 16), (char)(n >> 24)};
    sb_add(&e->out, b, 4);
}

static void put_u64(Enc *e, uint64_t n) {
    put_u32(e, (uint32_t)n);
    put_u32(e, (uint32_t)(n >> 32));
}

static void put_text(Enc *e, int tag, const char *s, size_t len) {
    sb_addc(&e->out, (char)tag);
    put_u32(e, (uint32_t)len);
    sb_add(&e->out, s, len);
}

static void put_other(Enc *e, Value v) {
    StrBuf sb;
    sb_init(&sb);
    v_inspect(e->vm, &sb, v);
    put_text(e, X_OTHER, sb.data ? sb.data : "", sb.len);
    sb_free(&sb);
}

/* Private and protected members are listed in each class's "__hidden". */
static bool hidden(VM *vm, Class *cls, Value name) {
    if (!cls->has_hidden) return false;
    uint32_t i = 0;
    for (Class *c = cls; c; c = class_next(cls, c, &i)) {
        Value h, unused;
        if (map_get(c->statics, v_obj(vm->cls_names.hidden), &h) && map_get((Map *)h.as.o, name, &unused)) return true;
    }
    return false;
}

static void put_value(Enc *e, Value v);

static void put_map(Enc *e, Map *m, int tag) {
    sb_addc(&e->out, (char)tag);
    put_u32(e, m->live);
    for (uint32_t i = 0; i < m->nslots; i++) {
        if (!m->slots[i].live) continue;
        put_value(e, m->slots[i].key);
        if (tag != X_SET) put_value(e, m->slots[i].value);
    }
}

static bool string_keys(Map *m) {
    for (uint32_t i = 0; i < m->nslots; i++)
        if (m->slots[i].live && !IS_OT(m->slots[i].key, OT_STRING)) return false;
    return true;
}

static void put_instance(Enc *e, Instance *in) {
    VM *vm = e->vm;
    Value m, out;
    String *name = str_intern(vm, "toJsonObject", 12);
    NativeResult r = NR_ERR;
    if (vm_find_method(vm, in->h.cls, name, &m)) {
        /* vm_call_sync passes `this` to closures only */
        if (IS_OT(m, OT_NATIVE)) r = ((Native *)m.as.o)->fn(vm, v_obj(in), 0, NULL, &out);
        else r = vm_call_sync(vm, m, v_obj(in), 0, NULL, &out);
    }
    if (r == NR_OK) {
        if (IS_OT(out, OT_MAP) && !(out.as.o->flags & OF_SET) && string_keys((Map *)out.as.o)) put_map(e, (Map *)out.as.o, X_OBJECT);
        else put_value(e, out);
        return;
    }
    if (r == NR_ERR) vm_take_exception(vm); /* a failing toJsonObject: the fields instead */
    Map *f = in->fields;
    uint32_t n = 0;
    for (uint32_t i = 0; i < f->nslots; i++)
        if (f->slots[i].live && !hidden(vm, in->h.cls, f->slots[i].key)) n++;
    sb_addc(&e->out, X_OBJECT);
    put_u32(e, n);
    for (uint32_t i = 0; i < f->nslots; i++) {
        if (!f->slots[i].live || hidden(vm, in->h.cls, f->slots[i].key)) continue;
        put_value(e, f->slots[i].key);
        put_value(e, f->slots[i].value);
    }
}

static void put_value(Enc *e, Value v) {
    switch (v.type) {
    case VT_NULL: sb_addc(&e->out, X_NULL); return;
    case VT_VOID: case VT_UNSET: sb_addc(&e->out, X_VOID); return;
    case VT_BOOL: sb_addc(&e->out, v.as.b ? X_TRUE : X_FALSE); return;
    case VT_INT: sb_addc(&e->out, X_INT); put_u64(e, (uint64_t)v.as.i); return;
    case VT_REAL: {
        uint64_t bits;
        memcpy(&bits, &v.as.r, 8);
        sb_addc(&e->out, X_REAL);
        put_u64(e, bits);
        return;
    }
    case VT_CHAR: {
        StrBuf sb;
        sb_init(&sb);
        sb_add_utf8(&sb, v.as.c);
        put_text(e, X_STRING, sb.data, sb.len);
        sb_free(&sb);
        return;
    }
    default: break;
    }
    Obj *o = v.as.o;
    if (o->type == OT_STRING) {
        put_text(e, X_STRING, ((String *)o)->data, ((String *)o)->len);
        return;
    }
    if (o->type == OT_BUFFER) {
        put_text(e, X_BUFFER, (const char *)((Buffer *)o)->data, ((Buffer *)o)->len);
        return;
    }
    if (o->type != OT_LIST && o->type != OT_MAP && o->type != OT_INSTANCE) {
        put_other(e, v);
        return;
    }
    for (uint32_t i = 0; i < e->open->count; i++)
        if (e->open->items[i].as.o == o) {
            put_other(e, v);
            return;
        }
    list_push(e->vm, e->open, v);
    if (o->type == OT_LIST) {
        List *l = (List *)o;
        sb_addc(&e->out, X_LIST);
        put_u32(e, l->count);
        for (uint32_t i = 0; i < l->count; i++) put_value(e, l->items[i]);
    } else if (o->type == OT_MAP) {
        put_map(e, (Map *)o, (o->flags & OF_SET) ? X_SET : X_MAP);
    } else if (o->cls->is_exception) {
        put_other(e, v);
    } else {
        put_instance(e, (Instance *)o);
    }
    e->open->count--;
}

static const uint8_t *encode(VM *vm, Value v, size_t *len) {
    Enc e = {vm, {0}, list_new(vm, 8)};
    sb_init(&e.out);
    vm->host_value = v_obj(e.open); /* toJsonObject may run Lyng code */
    put_value(&e, v);
    vm->host_value = V_VOID;
    free(vm->result_text);
    vm->result_text = e.out.data ? e.out.data : calloc(1, 1);
    *len = e.out.len;
    return (const uint8_t *)vm->result_text;
}

const uint8_t *lyng_task_result_bytes(lyng_vm *vm, uint32_t task, size_t *len) {
    Value v = V_VOID;
    for (uint32_t i = 0; i < vm->ntasks; i++)
        if (vm->tasks[i].main && vm->tasks[i].id == task && vm->tasks[i].main->state == FS_DONE && !vm->tasks[i].main->failed) v = vm->tasks[i].main->result;
    return encode(vm, v, len);
}

/* ---- decoding ---- */

typedef struct Dec {
    VM *vm;
    const uint8_t *p, *end;
    bool bad;
} Dec;

static uint32_t get_u32(Dec *d) {
    if (d->end - d->p < 4) {
        d->bad = true;
        return 0;
    }
    uint32_t n = (uint32_t)d->p[0] | (uint32_t)d->p[1] << 8 | (uint32_t)d->p[2] << 16 | (uint32_t)d->p[3] << 24;
    d->p += 4;
    return n;
}

static uint64_t get_u64(Dec *d) {
    uint64_t lo = get_u32(d);
    return lo | (uint64_t)get_u32(d) << 32;
}

/* A count of items can be no larger than the bytes left: a malformed
 * count never makes a huge allocation. */
static uint32_t get_count(Dec *d) {
    uint32_t n = get_u32(d);
    if (n > (size_t)(d->end - d->p)) d->bad = true;
    return d->bad ? 0 : n;
}

static Value get_value(Dec *d) {
    VM *vm = d->vm;
    if (d->bad || d->p >= d->end) {
        d->bad = true;
        return V_NULL;
    }
    int tag = *d->p++;
    switch (tag) {
    case X_NULL: return V_NULL;
    case X_VOID: return V_VOID;
    case X_FALSE: return V_FALSE;
    case X_TRUE: return V_TRUE;
    case X_INT: return v_int((int64_t)get_u64(d));
    case X_REAL: {
        uint64_t bits = get_u64(d);
        double r;
        memcpy(&r, &bits, 8);
        return v_real(r);
    }
    case X_STRING: case X_BUFFER: case X_OTHER: {
        uint32_t n = get_count(d);
        if (d->bad) return V_NULL;
        const uint8_t *s = d->p;
        d->p += n;
        if (tag == X_BUFFER) return v_obj(buffer_new(vm, s, n, false));
        return v_obj(str_new(vm, (const char *)s, n));
    }
    case X_LIST: {
        uint32_t n = get_count(d);
        List *l = list_new(vm, n);
        for (uint32_t i = 0; i < n && !d->bad; i++) list_push(vm, l, get_value(d));
        return v_obj(l);
    }
    case X_SET: {
        uint32_t n = get_count(d);
        Map *m = set_new(vm);
        for (uint32_t i = 0; i < n && !d->bad; i++) map_put(vm, m, get_value(d), V_TRUE);
        return v_obj(m);
    }
    case X_MAP: case X_OBJECT: {
        uint32_t n = get_count(d);
        Map *m = map_new(vm);
        for (uint32_t i = 0; i < n && !d->bad; i++) {
            Value k = get_value(d);
            Value v = get_value(d);
            map_put(vm, m, k, v);
        }
        return v_obj(m);
    }
    default: d->bad = true; return V_NULL;
    }
}

/* GC runs only at the interpreter's safe points, never inside these. */
static bool decode(VM *vm, const uint8_t *data, size_t len, Value *out) {
    Dec d = {vm, data, data + len, false};
    *out = get_value(&d);
    return !d.bad && d.p == d.end;
}

int lyng_define_bytes(lyng_vm *vm, const char *name, const uint8_t *data, size_t len) {
    Value v;
    if (!decode(vm, data, len, &v)) return -1;
    vm_def_global(vm, name, v);
    return 0;
}

/* ---- host functions ---- */

void lyng_set_call_hook(lyng_vm *vm, lyng_call_fn hook, void *ud) {
    vm->host_call = hook;
    vm->host_call_ud = ud;
}

static void call_done(VM *vm, PendingOp *op, int status, int64_t value) {
    (void)value;
    if (status == 0) {
        vm_resume(vm, op->fiber, vm->host_value);
    } else {
        Value msg = vm->host_value;
        vm_throw(vm, vm->c.exception, "%s", IS_OT(msg, OT_STRING) ? ((String *)msg.as.o)->data : "the host function failed");
        vm_resume_throw(vm, op->fiber, vm_take_exception(vm));
    }
}

/* self is the host's number for the function (a Bound Int). */
static NativeResult host_fn(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (!vm->host_call) return vm_throw(vm, vm->c.illegal_state, "no host answers function calls");
    List *args = list_new(vm, (uint32_t)argc);
    for (int i = 0; i < argc; i++) list_push(vm, args, argv[i]);
    size_t len;
    const uint8_t *bytes = encode(vm, v_obj(args), &len);
    *out = V_VOID;
    Fiber *f = vm_park(vm);
    uint32_t op = vm_op_begin(vm, f, NULL, call_done);
    vm->host_call(vm->host_call_ud, vm, op, (uint32_t)self.as.i, bytes, len);
    return NR_SUSPEND;
}

void lyng_define_host_function(lyng_vm *vm, const char *name, uint32_t fn) {
    Native *n = native_new(vm, name, host_fn);
    vm_def_global(vm, name, v_obj(bound_new(vm, v_int(fn), v_obj(n))));
}

void lyng_complete_call(lyng_vm *vm, uint32_t op, int ok, const uint8_t *data, size_t len) {
    Value v;
    if (ok) {
        if (!decode(vm, data, len, &v)) {
            ok = 0;
            v = v_obj(str_cstr(vm, "the host function's result could not be read"));
        }
    } else {
        v = v_obj(str_new(vm, (const char *)data, len));
    }
    vm->host_value = v;
    vm_op_complete(vm, op, ok ? 0 : -1, 0);
    vm->host_value = V_VOID;
}

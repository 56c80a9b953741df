/* vm.c - the bytecode interpreter: one dispatch loop per fiber run, calls
 * through heap frames, exceptions unwinding to handlers, and the operators
 * on builtin values. Natives that must wait return NR_SUSPEND; the fiber is
 * then left and resumed later by the scheduler (sched.c). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "lib.h"
#include "limits.h"
#include "vm.h"
#include "vm_dispatch.h"

#define CALL_WITH_MARK ((void *)1)

enum { ITER_LIST, ITER_RANGE_INT, ITER_RANGE_CHAR, ITER_MAP, ITER_SET, ITER_BUFFER, ITER_STRING, ITER_USER, ITER_FLOW };
/* Iter.pos of a ITER_USER/ITER_FLOW iterator after a step that did not
 * produce a value: an exception is pending, or the fiber is parked. */
#define ITER_FAILED (-1)
#define ITER_WAITING (-2)

/* ---------------------------------------------------------------- stack */

static void ensure_stack(VM *vm, Fiber *f, uint32_t need) {
    if (f->sp + need <= f->stack_cap) return;
    uint32_t ncap = f->stack_cap ? f->stack_cap : 64;
    while (ncap < f->sp + need) ncap *= 2;
    f->stack = vm_realloc(vm, f->stack, sizeof(Value) * f->stack_cap, sizeof(Value) * ncap);
    f->stack_cap = ncap;
}

static inline void push(Fiber *f, Value v) { f->stack[f->sp++] = v; }

/* ---------------------------------------------------------------- errors */

static uint32_t current_line(Fiber *f, Frame *fr, uint32_t *col) {
    Proto *p = fr->closure->proto;
    uint32_t off = (uint32_t)(fr->ip - p->code);
    if (off > 0) off--;
    if (off >= p->code_len) { *col = 0; return 0; }
    (void)f;
    *col = p->lines[off].col;
    return p->lines[off].line;
}

static List *stack_trace(VM *vm, Fiber *f) {
    List *l = list_new(vm, 0);
    if (!f) return l;
    for (int i = (int)f->nframes - 1; i >= 0; i--) {
        Frame *fr = &f->frames[i];
        if (l->count == 16 && i > 8) {
            /* deep recursion: keep the innermost and outermost frames */
            StrBuf sb;
            sb_init(&sb);
            sb_printf(&sb, "... %d more frames", i - 7);
            list_push(vm, l, v_obj(str_new(vm, sb.data, sb.len)));
            sb_free(&sb);
            i = 8;
            continue;
        }
        uint32_t col, line = current_line(f, fr, &col);
        StrBuf sb;
        sb_init(&sb);
        sb_printf(&sb, "at %s (%s:%u:%u)", fr->closure->proto->name->data, fr->closure->proto->source->data, line, col);
        list_push(vm, l, v_obj(str_new(vm, sb.data, sb.len)));
        sb_free(&sb);
    }
    return l;
}

Instance *vm_make_exception(VM *vm, Class *cls, String *message) {
    Instance *e = instance_new(vm, cls);
    map_put(vm, e->fields, v_obj(vm->s_message), message ? v_obj(message) : V_NULL);
    return e;
}

NativeResult vm_throw(VM *vm, Class *cls, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    vm->pending_exc = v_obj(vm_make_exception(vm, cls, str_cstr(vm, buf)));
    return NR_ERR;
}

Value vm_take_exception(VM *vm) {
    Value e = vm->pending_exc;
    vm->pending_exc = V_VOID;
    return e;
}

NativeResult vm_throw_value(VM *vm, Value exc) {
    vm->pending_exc = exc;
    return NR_ERR;
}

/* Unwinds `f` to its innermost handler with `exc` pushed. Returns false if
 * there is none: the fiber then ends with the exception. */
static bool unwind(VM *vm, Fiber *f, Value exc);

static void close_upvals_from(Fiber *f, uint32_t from) {
    while (f->open_upvals && f->open_upvals->slot >= from) {
        Upval *u = f->open_upvals;
        u->closed = f->stack[u->slot];
        u->fiber = NULL;
        f->open_upvals = u->next_open;
    }
}

/* The common case, no variable captured at or above `from`, without a
 * call: every `for` iteration closes its variable, and the wasm build
 * (-Oz) would not inline the loop above. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline void close_upvals(Fiber *f, uint32_t from) {
    if (f->open_upvals && f->open_upvals->slot >= from) close_upvals_from(f, from);
}

/* An exception drops the stack above `from`: `for` loops over flows that
 * live there cancel their producers. */
static void abandon_flow_iters(VM *vm, Fiber *f, uint32_t from) {
    for (uint32_t i = from; i < f->sp; i++) {
        Value v = f->stack[i];
        if (IS_OT(v, OT_ITER) && ((Iter *)v.as.o)->kind == ITER_FLOW)
            flow_channel_abandon(vm, (List *)((Iter *)v.as.o)->src.as.o);
    }
}

static bool unwind(VM *vm, Fiber *f, Value exc) {
    if (IS_OT(exc, OT_INSTANCE)) {
        Instance *e = (Instance *)exc.as.o;
        Value st;
        if (!map_get(e->fields, v_obj(vm->s_stack), &st) || IS_NULL(st))
            map_put(vm, e->fields, v_obj(vm->s_stack), v_obj(stack_trace(vm, f)));
    }
    abandon_flow_iters(vm, f, f->nhandlers ? f->handlers[f->nhandlers - 1].sp : 0);
    if (f->nhandlers == 0) {
        close_upvals(f, 0);
        f->result = exc;
        f->failed = !IS_VOID(exc);
        f->nframes = 0;
        f->sp = 0;
        return false;
    }
    Handler h = f->handlers[--f->nhandlers];
    f->nframes = h.frame + 1;
    close_upvals(f, h.sp);
    f->sp = h.sp;
    push(f, exc);
    f->frames[h.frame].ip = h.catch_ip;
    return true;
}

/* ---------------------------------------------------------------- classes */

static bool find_method_uncached(Class *cls, String *name, Value *out);

static inline uint32_t member_cache_index(Class *cls, String *name);

/* v_class with an object's own class read inline, for the run loop's
 * built-in member fast paths. */
static inline Class *receiver_class(VM *vm, Value v) {
    return IS_OBJ(v) && v.as.o->cls ? v.as.o->cls : v_class(vm, v);
}

/* The method cache's entry for (cls, name) if it is current, always inline:
 * the run loop's paths take a hit without a call. */
static inline __attribute__((always_inline)) bool method_cache_hit(VM *vm, Class *cls, String *name, Value *out) {
    const struct MethodCacheEntry *e = &vm->mcache[member_cache_index(cls, name)];
    if (e->cls != cls || e->name != name || e->epoch != vm->member_epoch) return false;
    *out = e->method;
    return true;
}

/* vm_find_method with its cache hit inlined, for the run loop. */
static inline bool find_method_cached(VM *vm, Class *cls, String *name, Value *out) {
    return method_cache_hit(vm, cls, name, out) || vm_find_method(vm, cls, name, out);
}

bool vm_find_method(VM *vm, Class *cls, String *name, Value *out) {
    if (method_cache_hit(vm, cls, name, out)) return true;
    if (!find_method_uncached(cls, name, out)) return false;
    if (!(name->h.flags & OF_INTERNED)) return true; /* its address may be reused by another text */
    struct MethodCacheEntry *e = &vm->mcache[member_cache_index(cls, name)];
    e->cls = cls;
    e->name = name;
    e->epoch = vm->member_epoch;
    e->method = *out;
    return true;
}

static bool find_method_uncached(Class *cls, String *name, Value *out) {
    if (!cls->mro) {
        for (Class *c = cls; c; c = c->super)
            if (map_get(c->methods, v_obj(name), out)) return true;
        return false;
    }
    /* in C3 order; an abstract method yields to a later base's implementation */
    bool found = false;
    uint32_t i = 0;
    for (Class *c = cls; c; c = class_next(cls, c, &i)) {
        Value m;
        if (!map_get(c->methods, v_obj(name), &m)) continue;
        if (!IS_OT(m, OT_CLOSURE) || !((Closure *)m.as.o)->proto->abstract_stub) {
            *out = m;
            return true;
        }
        if (!found) *out = m;
        found = true;
    }
    return found;
}

bool vm_is_instance(VM *vm, Value v, Class *cls) {
    if (cls == vm->c.any) return !IS_NULL(v);
    Class *vc = v_class(vm, v);
    uint32_t i = 0;
    for (Class *c = vc; c; c = class_next(vc, c, &i))
        if (c == cls) return true;
    /* a Set is a Map object but not a Map */
    return false;
}

const char *v_type_name(VM *vm, Value v) { return v_class(vm, v)->name->data; }

/* ---------------------------------------------------------------- calls */

static const char *callable_name(Value fn) {
    if (IS_OT(fn, OT_CLOSURE)) return ((Closure *)fn.as.o)->proto->name->data;
    if (IS_OT(fn, OT_NATIVE)) return ((Native *)fn.as.o)->name;
    return "function";
}

/* Arranges the arguments at stack[base+1 ..] into the parameters of `p`.
 * `names` holds the names of the last arguments (named call) or is NULL. */
/* The names of a call whose only "named" argument is its trailing lambda
 * (the compiler names it ""): that lambda is the last parameter. */
static bool trailing_only(List *names) {
    return names && names->count == 1 && ((String *)names->items[0].as.o)->len == 0;
}

static bool adapt_args(VM *vm, Fiber *f, Proto *p, uint32_t base, int argc, List *names) {
    Value *args = &f->stack[base + 1];
    int np = p->nparams;
    if (trailing_only(names)) {
        if (p->implicit_it || p->rest_param == np - 1 || argc >= np) {
            names = NULL; /* where it is anyway, or gathered by the rest parameter */
        } else if (p->rest_param < 0) {
            /* `f(a) { }` of `fun f(a, b = 1, block)`: the lambda goes last */
            ensure_stack(vm, f, base + 1 + (uint32_t)np - f->sp + 1);
            args = &f->stack[base + 1];
            Value block = args[argc - 1];
            for (int i = argc - 1; i < np - 1; i++) args[i] = V_UNSET;
            args[np - 1] = block;
            f->sp = base + 1 + (uint32_t)np;
            return true;
        }
    }
    if (p->implicit_it) {
        if (names) { vm_throw(vm, vm->c.illegal_argument, "a lambda with 'it' takes no named arguments"); return false; }
        if (argc == 0) {
            ensure_stack(vm, f, 1);
            f->stack[base + 1] = V_VOID;
            f->sp = base + 2;
        }
        else if (argc > 1) {
            List *l = list_new(vm, (uint32_t)argc);
            for (int i = 0; i < argc; i++) list_push(vm, l, args[i]);
            args[0] = v_obj(l);
            f->sp = base + 2;
        }
        return true;
    }
    if (!names && p->rest_param < 0) {
        if (argc > np) {
            vm_throw(vm, vm->c.illegal_argument, "too many arguments for %s: expected %d, got %d", p->name->data, np, argc);
            return false;
        }
        if (argc < np) {
            /* defaults left out: room for every parameter (the caller's
             * frame only made room for the arguments it pushed) */
            ensure_stack(vm, f, base + 1 + (uint32_t)np - f->sp);
            args = &f->stack[base + 1];
        }
        for (int i = argc; i < np; i++) args[i] = V_UNSET;
        f->sp = base + 1 + (uint32_t)np;
        return true;
    }
    /* general case: build the parameter array aside */
    int nnamed = names ? (int)names->count : 0;
    int npos = argc - nnamed;
    /* the parameters are built aside, in a List the next collection frees */
    Value *tmp = list_new(vm, (uint32_t)np)->items;
    for (int i = 0; i < np; i++) tmp[i] = V_UNSET;
    int r = p->rest_param;
    if (r >= 0) {
        int after = np - 1 - r;
        int extras = npos - (np - 1);
        List *rest = list_new(vm, 0);
        int i = 0;
        for (; i < r && i < npos; i++) tmp[i] = args[i];
        (void)extras;
        int nrest = npos - r - after;
        if (nrest < 0) nrest = 0;
        for (int k = 0; k < nrest; k++) list_push(vm, rest, args[r + k]);
        tmp[r] = v_obj(rest);
        for (int k = 0; k < after && r + nrest + k < npos; k++) tmp[r + 1 + k] = args[r + nrest + k];
    } else {
        if (npos > np) {
            vm_throw(vm, vm->c.illegal_argument, "too many arguments for %s: expected %d, got %d", p->name->data, np, npos);
            return false;
        }
        for (int i = 0; i < npos; i++) tmp[i] = args[i];
    }
    for (int k = 0; k < nnamed; k++) {
        String *nm = (String *)names->items[k].as.o;
        Value v = args[npos + k];
        int idx = -1;
        if (nm->len == 0) {
            idx = np - 1; /* a trailing lambda after named arguments: the last parameter */
        } else {
            for (int i = 0; i < np; i++)
                if (p->param_names[i] == nm) { idx = i; break; }
        }
        if (idx < 0) {
            vm_throw(vm, vm->c.illegal_argument, "%s has no parameter named '%s'", p->name->data, nm->data);
            return false;
        }
        if (!IS_UNSET(tmp[idx]) && idx != r) {
            vm_throw(vm, vm->c.illegal_argument, "argument '%s' of %s is given twice", nm->data, p->name->data);
            return false;
        }
        tmp[idx] = v;
    }
    ensure_stack(vm, f, (uint32_t)np + 1);
    args = &f->stack[base + 1];
    for (int i = 0; i < np; i++) args[i] = tmp[i];
    f->sp = base + 1 + (uint32_t)np;
    return true;
}

/* Index of `name` in a native's comma-separated parameter list, or -1. */
static int native_param_index(const char *params, const String *name) {
    int i = 0;
    for (const char *s = params; *s; i++) {
        const char *e = strchr(s, ',');
        if (!e) e = s + strlen(s);
        if ((size_t)(e - s) == name->len && memcmp(s, name->data, name->len) == 0) return i;
        s = *e ? e + 1 : e;
    }
    return -1;
}

/* Natives with a parameter list accept named arguments: reorder them into
 * the fiber's stack from `base`, as many as the parameter list is long. */
static bool adapt_native_args(VM *vm, Fiber *f, Native *n, uint32_t base, int *argc, List *names) {
    if (!names || trailing_only(names)) return true;
    if (!n->params) {
        vm_throw(vm, vm->c.illegal_argument, "%s does not take named arguments", n->name);
        return false;
    }
    int np = 1;
    for (const char *s = n->params; *s; s++) np += *s == ',';
    int nnamed = (int)names->count, npos = *argc - nnamed;
    /* built aside, in a List the next collection frees */
    Value *tmp = list_new(vm, (uint32_t)(np > npos ? np : npos))->items;
    Value *args = &f->stack[base + 1];
    for (int i = 0; i < np; i++) tmp[i] = V_UNSET;
    for (int i = 0; i < npos; i++) tmp[i] = args[i];
    int used = npos;
    for (int k = 0; k < nnamed; k++) {
        String *nm = (String *)names->items[k].as.o;
        int idx = native_param_index(n->params, nm);
        if (idx < 0) {
            vm_throw(vm, vm->c.illegal_argument, "%s has no parameter named '%s'", n->name, nm->data);
            return false;
        }
        if (!IS_UNSET(tmp[idx])) {
            vm_throw(vm, vm->c.illegal_argument, "argument '%s' of %s is given twice", nm->data, n->name);
            return false;
        }
        tmp[idx] = args[npos + k];
        if (idx + 1 > used) used = idx + 1;
    }
    ensure_stack(vm, f, (uint32_t)used + 1);
    args = &f->stack[base + 1];
    /* gaps become null: natives treat null as "use the default" */
    for (int i = 0; i < used; i++) args[i] = IS_UNSET(tmp[i]) ? V_NULL : tmp[i];
    *argc = used;
    return true;
}

typedef enum { CR_FRAME, CR_VALUE, CR_ERROR, CR_SUSPEND } CallResult;

static CallResult call_native(VM *vm, Fiber *f, Native *n, Value self, uint32_t base, int argc, List *names) {
    if (names && !adapt_native_args(vm, f, n, base, &argc, names)) return CR_ERROR;
    Value *args = &f->stack[base + 1];
    Value out = V_VOID;
    NativeResult r = n->fn(vm, self, argc, args, &out);
    /* a user equals/hashCode/compareTo that raised inside the native */
    if (vm->cls_names.hook_failed && class_hook_failed(vm) && r == NR_OK) r = NR_ERR;
    f->sp = base;
    if (r == NR_OK) {
        push(f, out);
        return CR_VALUE;
    }
    return r == NR_ERR ? CR_ERROR : CR_SUSPEND;
}

static CallResult call_closure(VM *vm, Fiber *f, Closure *cl, Value self, uint32_t base, int argc, List *names) {
    if (f->nframes >= vm->max_frames) {
        vm_throw(vm, vm->c.stack_overflow, "stack overflow: more than %u nested calls", vm->max_frames);
        return CR_ERROR;
    }
    Proto *p = cl->proto;
    if (!adapt_args(vm, f, p, base, argc, names)) return CR_ERROR;
    f->stack[base] = self;
    ensure_stack(vm, f, p->max_stack + 8);
    if (f->nframes == f->frame_cap) {
        /* one frame first: most coroutines wait in their own function */
        uint32_t ncap = f->frame_cap ? f->frame_cap * 2 : 1;
        f->frames = vm_realloc(vm, f->frames, sizeof(Frame) * f->frame_cap, sizeof(Frame) * ncap);
        f->frame_cap = ncap;
    }
    Frame *fr = &f->frames[f->nframes++];
    fr->closure = cl;
    /* every parameter passed, none by name: adapt_args left no gap */
    fr->ip = p->code + (argc == p->nparams && !names ? p->checked_entry : 0);
    fr->base = base;
    fr->nhandlers = f->nhandlers;
    return CR_FRAME;
}

static CallResult call_value(VM *vm, Fiber *f, Value callee, Value self, bool has_self, uint32_t base, int argc, List *names);

/* Instantiates `cls(args)`. */
static CallResult call_class(VM *vm, Fiber *f, Class *cls, uint32_t base, int argc, List *names) {
    Value body;
    if (!cls->ctor && class_body_fn(vm, cls, &body)) {
        /* a script class: its body function runs with this = the new instance */
        if (class_is_abstract(vm, cls)) {
            vm_throw(vm, vm->c.illegal_operation, "abstract class %s cannot be instantiated", cls->name->data);
            return CR_ERROR;
        }
        f->stack[base] = body;
        return call_closure(vm, f, (Closure *)body.as.o, v_obj(instance_new(vm, cls)), base, argc, names);
    }
    if (!cls->ctor) {
        vm_throw(vm, vm->c.illegal_argument, "class %s cannot be instantiated", cls->name->data);
        return CR_ERROR;
    }
    Native tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.fn = cls->ctor;
    tmp.name = cls->name->data;
    Value cv = v_obj(cls);
    return call_native(vm, f, &tmp, cv, base, argc, names);
}

static CallResult call_value(VM *vm, Fiber *f, Value callee, Value self, bool has_self, uint32_t base, int argc, List *names) {
    if (IS_OBJ(callee)) {
        switch (callee.as.o->type) {
        case OT_CLOSURE: {
            Closure *cl = (Closure *)callee.as.o;
            return call_closure(vm, f, cl, has_self ? self : cl->self, base, argc, names);
        }
        case OT_NATIVE: {
            Native *n = (Native *)callee.as.o;
            if (n->data == CALL_WITH_MARK) {
                /* __callWith(fn, receiver, args...): call fn with `this` = receiver */
                if (argc < 2) { vm_throw(vm, vm->c.illegal_argument, "__callWith needs a function and a receiver"); return CR_ERROR; }
                Value fn = f->stack[base + 1], recv = f->stack[base + 2];
                memmove(&f->stack[base + 1], &f->stack[base + 3], sizeof(Value) * (size_t)(argc - 2));
                f->sp -= 2;
                f->stack[base] = fn;
                return call_value(vm, f, fn, recv, true, base, argc - 2, names);
            }
            return call_native(vm, f, n, has_self ? self : V_VOID, base, argc, names);
        }
        case OT_BOUND: {
            Bound *b = (Bound *)callee.as.o;
            return call_value(vm, f, b->fn, b->self, true, base, argc, names);
        }
        case OT_CLASS: return call_class(vm, f, (Class *)callee.as.o, base, argc, names);
        case OT_INSTANCE: {
            /* an instance whose class defines invoke() */
            Value m;
            if (!class_op_method(vm, callee, CLS_OP_INVOKE, &m)) break;
            return call_value(vm, f, m, callee, true, base, argc, names);
        }
        case OT_STRING: {
            /* "%s:%d"(a, b) formats */
            if (names && !trailing_only(names)) { vm_throw(vm, vm->c.illegal_argument, "format takes no named arguments"); return CR_ERROR; }
            String *s = fmt_printf(vm, (String *)callee.as.o, argc, &f->stack[base + 1]);
            if (!s) return CR_ERROR;
            f->sp = base;
            push(f, v_obj(s));
            return CR_VALUE;
        }
        default: break;
        }
    }
    if (IS_NULL(callee)) vm_throw(vm, vm->c.null_reference, "cannot call null");
    else vm_throw(vm, vm->c.illegal_argument, "%s is not callable", v_type_name(vm, callee));
    return CR_ERROR;
}

/* Member lookup for `recv.name(...)` and `recv.name`. */
static inline uint32_t member_cache_index(Class *cls, String *name) {
#if defined(__wasm__)
    uintptr_t k = ((uintptr_t)cls >> 4) ^ ((uintptr_t)name >> 3) ^ ((uintptr_t)name >> 11);
    return (uint32_t)(k & (METHOD_CACHE_SIZE - 1));
#else
    /* Multiplied: natively small blocks are carved side by side from
     * chunks (gc.c), and with the shifts and xors wasm keeps, two names of
     * the Redis example's hot calls met in one entry and missed each
     * other at every request (+780 instructions per request). */
    uint32_t k = ((uint32_t)((uintptr_t)cls >> 4) * 0x9E3779B1u + (uint32_t)((uintptr_t)name >> 4)) * 0x85EBCA77u;
    return (k >> 16) & (METHOD_CACHE_SIZE - 1);
#endif
}

/* map_slot by a name, apart: the key passed by value goes through memory
 * on wasm, and instance_field's hint hit then needs no stack frame. */
__attribute__((noinline)) static int32_t field_scan(Map *m, String *name) { return map_slot(m, v_obj(name)); }

/* A field of an instance, or NULL: none when no instance of its class ever
 * had a field by that name's bit (a method's name), else first at the slot
 * where the same field of the class's last instance was. */
static inline Value *instance_field(VM *vm, Instance *in, String *name) {
    Map *m = in->fields;
    if (!(in->h.cls->field_names & FIELD_BIT(name->hash))) return NULL;
    struct FieldHint *h = &vm->fhint[member_cache_index(in->h.cls, name)];
    uint32_t s = h->slot;
    if (h->cls == in->h.cls && h->name == name && s < m->nslots && m->slots[s].live &&
        m->slots[s].key.type == VT_OBJ && m->slots[s].key.as.o == (Obj *)name)
        return &m->slots[s].value;
    int32_t found = field_scan(m, name);
    if (found < 0) return NULL;
    h->cls = in->h.cls;
    h->name = name;
    h->slot = (uint32_t)found;
    return &m->slots[found].value;
}

static bool find_member(VM *vm, Value recv, String *name, Value *out, bool *is_field) {
    *is_field = false;
    if (IS_OT(recv, OT_INSTANCE)) {
        Value *v = instance_field(vm, (Instance *)recv.as.o, name);
        if (v) {
            *out = *v;
            *is_field = true;
            return true;
        }
    } else if (IS_OT(recv, OT_CLASS)) {
        uint32_t i = 0;
        for (Class *c = (Class *)recv.as.o; c; c = class_next((Class *)recv.as.o, c, &i))
            if (map_get(c->statics, v_obj(name), out)) {
                *is_field = true;
                return true;
            }
    }
    return vm_find_method(vm, v_class(vm, recv), name, out);
}

/* An instance or a script class with private or protected members, whose
 * every access is checked (class_access_hook). */
static bool hides_members(Value v) {
    if (!IS_OBJ(v)) return false;
    if (v.as.o->type == OT_INSTANCE) return v.as.o->cls->has_hidden;
    return v.as.o->type == OT_CLASS && ((Class *)v.as.o)->has_hidden;
}

static CallResult invoke(VM *vm, Fiber *f, String *name, int argc, List *names) {
    uint32_t base = f->sp - (uint32_t)argc - 1;
    Value recv = f->stack[base];
    Value m;
    bool field;
    if (IS_NULL(recv) && !vm_find_method(vm, vm->c.null_, name, &m)) {
        vm_throw(vm, vm->c.null_reference, "cannot call %s() on null", name->data);
        return CR_ERROR;
    }
    if (hides_members(recv) && !class_access_hook(vm, recv, name)) return CR_ERROR;
    if (!find_member(vm, recv, name, &m, &field)) {
        bool ok;
        Value arg = v_obj(name);
        if (IS_OT(recv, OT_INSTANCE) && recv.as.o->cls->is_dynamic && class_op_hook(vm, recv, CLS_OP_GET_AT, 1, &arg, &m, &ok)) {
            /* a dynamic object's method: the function its getter gives */
            if (!ok) return CR_ERROR;
            f->stack[base] = m;
            return call_value(vm, f, m, V_VOID, false, base, argc, names);
        }
        vm_throw(vm, vm->c.symbol_not_defined, "%s has no method '%s'", v_type_name(vm, recv), name->data);
        return CR_ERROR;
    }
    if (field) {
        f->stack[base] = m;
        if (IS_OT(recv, OT_CLASS) && IS_OT(m, OT_NATIVE)) return call_value(vm, f, m, recv, true, base, argc, names);
        return call_value(vm, f, m, V_VOID, false, base, argc, names);
    }
    return call_value(vm, f, m, recv, true, base, argc, names);
}

/* call_closure's frame for a call that passes every parameter of `cl`,
 * none by name, to no rest parameter, with room for it; else false and
 * nothing done. Inlined into its callers (natively objects -1.3% and
 * closures -2% instructions; on wasm unchanged). */
static inline __attribute__((always_inline)) bool enter_exact(VM *vm, Fiber *f, Closure *cl, uint32_t base, int argc) {
    Proto *p = cl->proto;
    if (p->nparams != argc || p->rest_param >= 0 || f->nframes >= f->frame_cap || f->nframes >= vm->max_frames ||
        f->sp + p->max_stack + 8 > f->stack_cap)
        return false;
    Frame *fr = &f->frames[f->nframes++];
    fr->closure = cl;
    fr->ip = p->code + p->checked_entry;
    fr->base = base;
    fr->nhandlers = f->nhandlers;
    return true;
}

/* `recv.name(args)` with recv (at stack[base]) an instance whose class
 * hides nothing and `name` a method of it, not a field, entered as
 * enter_exact does (`this` is recv, already in place); else false: the
 * general way (invoke). Out of the run loop, which reloads its values
 * after it: kept in, the extra code cost fib's calls 2% more instructions
 * natively. */
__attribute__((noinline)) static bool enter_method(VM *vm, Fiber *f, String *name, uint32_t base, int argc) {
    Instance *in = (Instance *)f->stack[base].as.o;
    Value m;
    if (in->h.cls->has_hidden || instance_field(vm, in, name)) return false;
    if (!find_method_cached(vm, in->h.cls, name, &m) || !IS_OT(m, OT_CLOSURE)) return false;
    return enter_exact(vm, f, (Closure *)m.as.o, base, argc);
}

/* `Cls(args)` of a script class (call_class's first way) entered as
 * enter_exact does, `this` a new instance; else false. */
__attribute__((noinline)) static bool enter_ctor(VM *vm, Fiber *f, Class *cls, uint32_t base, int argc) {
    Value body;
    if (cls->ctor || cls->is_abstract || !class_body_fn(vm, cls, &body)) return false;
    if (!enter_exact(vm, f, (Closure *)body.as.o, base, argc)) return false;
    f->stack[base] = v_obj(instance_new(vm, cls));
    return true;
}

/* ---------------------------------------------------------------- properties */

static bool get_prop(VM *vm, Fiber *f, Value obj, String *name, Value *out, CallResult *cr) {
    *cr = CR_VALUE;
    if (IS_NULL(obj)) {
        vm_throw(vm, vm->c.null_reference, "cannot read '%s' of null", name->data);
        return false;
    }
    if (IS_OT(obj, OT_CLASS) && name == vm->s_name_prop) {
        *out = v_obj(((Class *)obj.as.o)->name);
        return true;
    }
    Value m;
    bool field;
    if (hides_members(obj) && !class_access_hook(vm, obj, name)) return false;
    bool found = find_member(vm, obj, name, &m, &field);
    if (!found && IS_OT(obj, OT_INSTANCE) && obj.as.o->cls->is_dynamic &&
        class_op_method(vm, obj, CLS_OP_GET_AT, &m)) {
        /* a dynamic object: obj.getAt(name) */
        Value arg = v_obj(name);
        if (IS_OT(m, OT_NATIVE)) return ((Native *)m.as.o)->fn(vm, obj, 1, &arg, out) == NR_OK;
        ensure_stack(vm, f, 3);
        uint32_t base = f->sp;
        push(f, m);
        push(f, arg);
        *cr = call_closure(vm, f, (Closure *)m.as.o, obj, base, 1, NULL);
        return *cr != CR_ERROR;
    } else if (!found) {
        vm_throw(vm, vm->c.symbol_not_defined, "%s has no property '%s'", v_type_name(vm, obj), name->data);
        return false;
    }
    if (field) {
        *out = m;
        return true;
    }
    if (IS_OT(m, OT_NATIVE) && ((Native *)m.as.o)->property) {
        Value r = V_VOID;
        NativeResult nr = ((Native *)m.as.o)->fn(vm, obj, 0, NULL, &r);
        if (nr != NR_OK) return false;
        *out = r;
        return true;
    }
    if (IS_OT(m, OT_CLOSURE) && ((Closure *)m.as.o)->proto->nparams == 0 && ((Closure *)m.as.o)->proto->name == vm->s_getter) {
        /* a property defined in the prelude: call it with this = obj */
        ensure_stack(vm, f, 2);
        uint32_t base = f->sp;
        push(f, m);
        *cr = call_closure(vm, f, (Closure *)m.as.o, obj, base, 0, NULL);
        return *cr != CR_ERROR;
    }
    *out = v_obj(bound_new(vm, obj, m));
    return true;
}

/* `in.name = v` for a map of fields without an index (up to MAP_LINEAR):
 * its few slots scanned here, the field made in the next slot when the
 * instance has room (instance_new made room for the fields of the class's
 * last instance). Anything else is map_put's. Through instance_field and
 * map_put's layers, a constructor's stores cost as much on wasm as they
 * did through map_put alone. */
static void field_put(VM *vm, Instance *in, String *name, Value v) {
    Map *m = in->fields;
    if (!m->index_cap) {
        uint32_t h = name->hash;
        for (uint32_t i = 0; i < m->nslots; i++) {
            MapSlot *sl = &m->slots[i];
            if (sl->hash == h && sl->live &&
                ((sl->key.type == VT_OBJ && sl->key.as.o == (Obj *)name) || v_equal(sl->key, v_obj(name)))) {
                sl->value = v;
                return;
            }
        }
        if (m->nslots < m->slot_cap) {
            MapSlot *sl = &m->slots[m->nslots++];
            sl->key = v_obj(name);
            sl->value = v;
            sl->hash = h;
            sl->live = true;
            m->live++;
            in->h.cls->field_names |= FIELD_BIT(h);
            return;
        }
    }
    map_put(vm, m, v_obj(name), v);
}

static bool set_prop(VM *vm, Value obj, String *name, Value v) {
    if (IS_OT(obj, OT_INSTANCE)) {
        bool ok;
        if (obj.as.o->cls->has_hidden && !class_access_hook(vm, obj, name)) return false;
        if (obj.as.o->cls->has_setters && class_set_hook(vm, (Instance *)obj.as.o, name, v, &ok)) return ok;
        /* a dynamic object's own (runtime-internal, __) fields are plain */
        if (obj.as.o->cls->is_dynamic && !(name->data[0] == '_' && name->data[1] == '_')) {
            Value r, args[2] = {v_obj(name), v};
            if (class_op_hook(vm, obj, CLS_OP_PUT_AT, 2, args, &r, &ok)) return ok;
        }
        field_put(vm, (Instance *)obj.as.o, name, v);
        return true;
    }
    if (IS_OT(obj, OT_CLASS)) {
        /* a static var of a script class */
        uint32_t i = 0;
        if (((Class *)obj.as.o)->has_hidden && !class_access_hook(vm, obj, name)) return false;
        for (Class *c = (Class *)obj.as.o; c; c = class_next((Class *)obj.as.o, c, &i))
            if (map_get(c->statics, v_obj(name), NULL)) {
                map_put(vm, c->statics, v_obj(name), v);
                return true;
            }
    }
    if (IS_NULL(obj)) vm_throw(vm, vm->c.null_reference, "cannot set '%s' of null", name->data);
    else vm_throw(vm, vm->c.illegal_access, "cannot set property '%s' of %s", name->data, v_type_name(vm, obj));
    return false;
}

/* ---------------------------------------------------------------- indexing */

static bool norm_index(VM *vm, int64_t i, uint32_t size, uint32_t *out) {
    int64_t k = i < 0 ? i + size : i;
    if (k < 0 || k >= size) {
        vm_throw(vm, vm->c.index_out_of_bounds, "index %lld is out of bounds for size %u", (long long)i, size);
        return false;
    }
    *out = (uint32_t)k;
    return true;
}

/* A Range over a sequence of `size`: [from, to). */
static bool range_bounds(VM *vm, Range *r, uint32_t size, uint32_t *from, uint32_t *to) {
    int64_t a = 0, b = size;
    if (!IS_NULL(r->start)) {
        if (!IS_INT(r->start)) goto bad;
        a = r->start.as.i;
        if (a < 0) a += size;
    }
    if (!IS_NULL(r->end)) {
        if (!IS_INT(r->end)) goto bad;
        b = r->end.as.i;
        if (b < 0) b += size;
        if (r->inclusive) b++;
    }
    if (a < 0 || b > size || a > b) {
        vm_throw(vm, vm->c.index_out_of_bounds, "range %lld..%lld is out of bounds for size %u", (long long)a, (long long)b, size);
        return false;
    }
    *from = (uint32_t)a;
    *to = (uint32_t)b;
    return true;
bad:
    vm_throw(vm, vm->c.illegal_argument, "a slice needs an Int range");
    return false;
}

static bool get_index(VM *vm, Value obj, Value idx, Value *out) {
    bool ok;
    if (IS_OT(obj, OT_INSTANCE) && class_op_hook(vm, obj, CLS_OP_GET_AT, 1, &idx, out, &ok)) return ok;
    if (!IS_OBJ(obj)) goto bad;
    switch (obj.as.o->type) {
    case OT_LIST: {
        List *l = (List *)obj.as.o;
        uint32_t i, a, b;
        if (IS_INT(idx)) {
            if (!norm_index(vm, idx.as.i, l->count, &i)) return false;
            *out = l->items[i];
            return true;
        }
        if (IS_OT(idx, OT_RANGE)) {
            if (!range_bounds(vm, (Range *)idx.as.o, l->count, &a, &b)) return false;
            List *r = list_new(vm, b - a);
            for (uint32_t k = a; k < b; k++) r->items[r->count++] = l->items[k];
            *out = v_obj(r);
            return true;
        }
        break;
    }
    case OT_STRING: {
        String *s = (String *)obj.as.o;
        uint32_t i, a, b;
        if (IS_INT(idx)) {
            if (!norm_index(vm, idx.as.i, s->nchars, &i)) return false;
            size_t off = utf8_offset(s, i);
            *out = v_char(utf8_next(s->data, s->len, &off));
            return true;
        }
        if (IS_OT(idx, OT_RANGE)) {
            if (!range_bounds(vm, (Range *)idx.as.o, s->nchars, &a, &b)) return false;
            size_t oa = utf8_offset(s, a), ob = utf8_offset(s, b);
            *out = v_obj(str_new(vm, s->data + oa, ob - oa));
            return true;
        }
        if (regex_index(vm, obj, idx, out, &ok)) return ok;
        break;
    }
    case OT_MAP:
        if (obj.as.o->flags & OF_SET) break;
        if (!map_get((Map *)obj.as.o, idx, out)) *out = V_NULL;
        return !class_hook_failed(vm);
    case OT_BUFFER: {
        Buffer *bf = (Buffer *)obj.as.o;
        uint32_t i, a, b;
        if (IS_INT(idx)) {
            if (!norm_index(vm, idx.as.i, bf->len, &i)) return false;
            *out = v_int(bf->data[i]);
            return true;
        }
        if (IS_OT(idx, OT_RANGE)) {
            if (!range_bounds(vm, (Range *)idx.as.o, bf->len, &a, &b)) return false;
            *out = v_obj((bf->h.flags & OF_MUTABLE) ? buffer_new(vm, bf->data + a, b - a, true)
                                                    : buffer_new_fixed(vm, bf->data + a, b - a));
            return true;
        }
        break;
    }
    default: break;
    }
bad:
    if (IS_NULL(obj)) vm_throw(vm, vm->c.null_reference, "cannot index null");
    else vm_throw(vm, vm->c.illegal_argument, "cannot index %s with %s", v_type_name(vm, obj), v_type_name(vm, idx));
    return false;
}

static bool set_index(VM *vm, Value obj, Value idx, Value v) {
    if (IS_OT(obj, OT_INSTANCE)) {
        bool ok;
        Value args[2] = {idx, v}, r;
        if (class_op_hook(vm, obj, CLS_OP_PUT_AT, 2, args, &r, &ok)) return ok;
    }
    if (IS_OT(obj, OT_LIST) && IS_INT(idx)) {
        List *l = (List *)obj.as.o;
        uint32_t i;
        if (!norm_index(vm, idx.as.i, l->count, &i)) return false;
        l->items[i] = v;
        return true;
    }
    if (IS_OT(obj, OT_MAP) && !(obj.as.o->flags & OF_SET)) {
        map_put(vm, (Map *)obj.as.o, idx, v);
        return !class_hook_failed(vm);
    }
    if (IS_OT(obj, OT_BUFFER) && IS_INT(idx)) {
        Buffer *b = (Buffer *)obj.as.o;
        uint32_t i;
        if (!norm_index(vm, idx.as.i, b->len, &i)) return false;
        if (!IS_INT(v) || v.as.i < 0 || v.as.i > 255) {
            vm_throw(vm, vm->c.illegal_argument, "a byte must be an Int in 0..255");
            return false;
        }
        b->data[i] = (uint8_t)v.as.i;
        return true;
    }
    if (IS_NULL(obj)) vm_throw(vm, vm->c.null_reference, "cannot index null");
    else vm_throw(vm, vm->c.illegal_argument, "cannot assign an element of %s with %s", v_type_name(vm, obj), v_type_name(vm, idx));
    return false;
}

/* ---------------------------------------------------------------- operators */

/* Unset (the prelude's object a late-initialised val holds until it is
 * assigned) as an operand: raises UnsetException. */
static bool unset_operand(VM *vm, Value a, Value b) {
    Value u = vm->gvals[vm_global_slot(vm, "Unset", 5)];
    if (!IS_OT(u, OT_INSTANCE) || !(v_identical(a, u) || v_identical(b, u))) return false;
    vm_throw(vm, vm->c.unset, "Unset is used in an operation: the value is not assigned yet");
    return true;
}

/* -x, !x, ~x on an instance whose class defines negate(), logicalNot(),
 * bitNot(); anything else raises with msg. */
static bool unary_hook(VM *vm, int m, Value *v, const char *msg) {
    bool ok;
    if (IS_OT(*v, OT_INSTANCE) && class_op_hook(vm, *v, m, 0, NULL, v, &ok)) return ok;
    vm_throw(vm, vm->c.illegal_argument, msg, v_type_name(vm, *v));
    return false;
}

static bool arith(VM *vm, OpCode op, Value a, Value b, Value *out) {
    if (IS_OT(a, OT_INSTANCE)) {
        bool ok;
        if (class_arith_hook(vm, op, a, b, out, &ok)) return ok;
    }
    if (IS_INT(a) && IS_INT(b)) {
        uint64_t x = (uint64_t)a.as.i, y = (uint64_t)b.as.i;
        switch (op) {
        case OP_ADD: *out = v_int((int64_t)(x + y)); return true;
        case OP_SUB: *out = v_int((int64_t)(x - y)); return true;
        case OP_MUL: *out = v_int((int64_t)(x * y)); return true;
        case OP_DIV:
        case OP_MOD:
            if (b.as.i == 0) {
                vm_throw(vm, vm->c.arithmetic, "division by zero");
                return false;
            }
            if (b.as.i == -1) { /* INT64_MIN / -1 wraps */
                *out = v_int(op == OP_DIV ? (int64_t)(0 - x) : 0);
                return true;
            }
            *out = v_int(op == OP_DIV ? a.as.i / b.as.i : a.as.i % b.as.i);
            return true;
        default: break;
        }
    }
    if (IS_NUM(a) && IS_NUM(b)) {
        double x = AS_NUM(a), y = AS_NUM(b);
        switch (op) {
        case OP_ADD: *out = v_real(x + y); return true;
        case OP_SUB: *out = v_real(x - y); return true;
        case OP_MUL: *out = v_real(x * y); return true;
        case OP_DIV: *out = v_real(x / y); return true;
        case OP_MOD: *out = v_real(fmod(x, y)); return true;
        default: break;
        }
    }
    if (op == OP_ADD) {
        if (IS_OT(a, OT_STRING) && IS_INT(b)) {
            /* `"size " + n`: the digits go straight into the result */
            char digits[24];
            size_t n = fmt_int_decimal(b.as.i, digits);
            if (!vm_reserve(vm, (uint64_t)((String *)a.as.o)->len + n)) return false;
            *out = v_obj(str_concat_ascii(vm, (String *)a.as.o, digits, n));
            return true;
        }
        if (IS_OT(a, OT_STRING)) {
            String *sb = IS_OT(b, OT_STRING) ? (String *)b.as.o : v_to_String(vm, b);
            if (!vm_reserve(vm, (uint64_t)((String *)a.as.o)->len + sb->len)) return false;
            *out = v_obj(str_concat(vm, (String *)a.as.o, sb));
            return true;
        }
        if (IS_CHAR(a) && IS_INT(b)) { *out = v_char((uint32_t)((int64_t)a.as.c + b.as.i)); return true; }
        if (IS_OT(a, OT_LIST)) {
            if (!vm_reserve(vm, (uint64_t)((List *)a.as.o)->count * sizeof(Value))) return false;
            List *l = (List *)a.as.o, *r = list_new(vm, l->count);
            for (uint32_t i = 0; i < l->count; i++) r->items[r->count++] = l->items[i];
            if (IS_OT(b, OT_LIST) || IS_OT(b, OT_RANGE) || (IS_OT(b, OT_MAP) && (b.as.o->flags & OF_SET))) {
                List *src = iter_to_list(vm, b);
                if (!src) return false;
                for (uint32_t i = 0; i < src->count; i++) list_push(vm, r, src->items[i]);
            } else {
                list_push(vm, r, b);
            }
            *out = v_obj(r);
            return true;
        }
        if (IS_OT(a, OT_MAP) && (a.as.o->flags & OF_SET)) { *out = set_op(vm, (Map *)a.as.o, b, '+'); return !IS_UNSET(*out); }
        if (IS_OT(a, OT_MAP) && IS_OT(b, OT_MAP)) {
            Map *m = map_merged(vm, (Map *)a.as.o, (Map *)b.as.o);
            if (!m) return false;
            *out = v_obj(m);
            return true;
        }
        if ((IS_OT(a, OT_MAP) || IS_OT(a, OT_ENTRY)) && IS_OT(b, OT_ENTRY)) {
            /* `map + (k => v)` and `(a => 1) + (b => 2)` make a new Map */
            Map *m = IS_OT(a, OT_MAP) ? map_merged(vm, (Map *)a.as.o, map_new(vm)) : map_new(vm);
            if (!m) return false;
            if (IS_OT(a, OT_ENTRY)) map_put(vm, m, ((Entry *)a.as.o)->key, ((Entry *)a.as.o)->value);
            map_put(vm, m, ((Entry *)b.as.o)->key, ((Entry *)b.as.o)->value);
            *out = v_obj(m);
            return true;
        }
        if (IS_OT(a, OT_BUFFER)) {
            Buffer *r = buffer_concat(vm, (Buffer *)a.as.o, b);
            if (!r) return false;
            *out = v_obj(r);
            return true;
        }
    }
    if (op == OP_SUB && IS_CHAR(a) && IS_CHAR(b)) { *out = v_int((int64_t)a.as.c - (int64_t)b.as.c); return true; }
    if (op == OP_SUB && IS_CHAR(a) && IS_INT(b)) { *out = v_char((uint32_t)((int64_t)a.as.c - b.as.i)); return true; }
    if ((op == OP_SUB || op == OP_MUL) && IS_OT(a, OT_MAP) && (a.as.o->flags & OF_SET)) {
        *out = set_op(vm, (Map *)a.as.o, b, op == OP_SUB ? '-' : '*');
        return !IS_UNSET(*out);
    }
    if (op == OP_MUL && IS_OT(a, OT_STRING) && IS_INT(b)) {
        String *r = str_repeat(vm, (String *)a.as.o, b.as.i);
        if (!r) return false;
        *out = v_obj(r);
        return true;
    }
    static const char *names[] = {[OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*", [OP_DIV] = "/", [OP_MOD] = "%"};
    if (unset_operand(vm, a, b)) return false;
    if (IS_NULL(a) || IS_NULL(b)) vm_throw(vm, vm->c.null_reference, "operator %s applied to null", names[op]);
    else vm_throw(vm, vm->c.illegal_argument, "operator %s is not defined for %s and %s", names[op], v_type_name(vm, a), v_type_name(vm, b));
    return false;
}

static bool bitop(VM *vm, OpCode op, Value a, Value b, Value *out) {
    bool ok;
    if (IS_OT(a, OT_INSTANCE) && class_arith_hook(vm, op, a, b, out, &ok)) return ok;
    if (!IS_INT(a) || !IS_INT(b)) {
        if (IS_BOOL(a) && IS_BOOL(b) && (op == OP_BAND || op == OP_BOR || op == OP_BXOR)) {
            bool r = op == OP_BAND ? (a.as.b && b.as.b) : op == OP_BOR ? (a.as.b || b.as.b) : (a.as.b != b.as.b);
            *out = v_bool(r);
            return true;
        }
        vm_throw(vm, vm->c.illegal_argument, "bit operations need Int operands, got %s and %s", v_type_name(vm, a), v_type_name(vm, b));
        return false;
    }
    uint64_t x = (uint64_t)a.as.i;
    int64_t y = b.as.i;
    switch (op) {
    case OP_BAND: *out = v_int(a.as.i & y); break;
    case OP_BOR: *out = v_int(a.as.i | y); break;
    case OP_BXOR: *out = v_int(a.as.i ^ y); break;
    case OP_SHL: *out = v_int((int64_t)(x << (y & 63))); break;
    default: *out = v_int(a.as.i >> (y & 63)); break;
    }
    return true;
}

static bool compare_op(VM *vm, OpCode op, Value a, Value b, Value *out) {
    int c;
    if (IS_NUM(a) && IS_NUM(b) && (IS_REAL(a) || IS_REAL(b)) && (isnan(AS_NUM(a)) || isnan(AS_NUM(b)))) {
        *out = op == OP_CMP ? v_int(0) : V_FALSE;
        return true;
    }
    bool ok;
    if (IS_OT(a, OT_INSTANCE) && class_compare_hook(vm, a, b, &c, &ok)) {
        if (!ok) return false;
    } else if (!v_compare(a, b, &c)) {
        if (!unset_operand(vm, a, b))
            vm_throw(vm, vm->c.illegal_argument, "cannot compare %s with %s", v_type_name(vm, a), v_type_name(vm, b));
        return false;
    } else if (class_hook_failed(vm)) {
        return false;
    }
    switch (op) {
    case OP_LT: *out = v_bool(c < 0); break;
    case OP_LE: *out = v_bool(c <= 0); break;
    case OP_GT: *out = v_bool(c > 0); break;
    case OP_GE: *out = v_bool(c >= 0); break;
    default: *out = v_int(c < 0 ? -1 : c > 0 ? 1 : 0); break;
    }
    return true;
}

static bool contains(VM *vm, Value container, Value x, bool *out) {
    Value r;
    bool ok;
    if (IS_OT(container, OT_INSTANCE) && class_op_hook(vm, container, CLS_OP_CONTAINS, 1, &x, &r, &ok)) {
        *out = ok && v_truthy(r);
        return ok;
    }
    if (IS_OBJ(container)) {
        switch (container.as.o->type) {
        case OT_LIST: {
            List *l = (List *)container.as.o;
            for (uint32_t i = 0; i < l->count; i++)
                if (v_equal(l->items[i], x)) { *out = true; return !class_hook_failed(vm); }
            *out = false;
            return !class_hook_failed(vm);
        }
        case OT_MAP: *out = map_get((Map *)container.as.o, x, NULL); return !class_hook_failed(vm);
        case OT_RANGE: *out = range_contains((Range *)container.as.o, x); return true;
        case OT_STRING: {
            String *s = (String *)container.as.o;
            if (IS_CHAR(x)) {
                char c[4];
                *out = str_find(s->data, s->len, c, utf8_encode(x.as.c, c), 0) >= 0;
                return true;
            }
            if (IS_OT(x, OT_STRING)) {
                String *sub = (String *)x.as.o;
                *out = str_find(s->data, s->len, sub->data, sub->len, 0) >= 0;
                return true;
            }
            break;
        }
        case OT_BUFFER: {
            Buffer *b = (Buffer *)container.as.o;
            *out = false;
            if (IS_INT(x))
                for (uint32_t i = 0; i < b->len; i++)
                    if (b->data[i] == x.as.i) *out = true;
            return true;
        }
        default: break;
        }
    }
    vm_throw(vm, vm->c.illegal_argument, "'in' is not defined for %s", v_type_name(vm, container));
    return false;
}

/* ---------------------------------------------------------------- assignment */

/* `a += b`: a List, Set or Map grows in place (1; so `val list` may be
 * appended to); anything else gets a + b into *place, to be stored back by
 * the caller (0). -1: an exception is pending. */
static int add_inplace(VM *vm, Value *place, Value b) {
    Value a = *place;
    bool ok;
    if (IS_OT(a, OT_LIST)) {
        List *l = (List *)a.as.o;
        if (IS_OT(b, OT_LIST) || IS_OT(b, OT_RANGE) || (IS_OT(b, OT_MAP) && (b.as.o->flags & OF_SET))) {
            List *src = iter_to_list(vm, b);
            if (!src) return -1;
            uint32_t n = src->count; /* src may be l itself */
            for (uint32_t i = 0; i < n; i++) list_push(vm, l, src->items[i]);
        } else {
            list_push(vm, l, b);
        }
    } else if (IS_OT(a, OT_MAP) && (a.as.o->flags & OF_SET)) {
        if (IS_OT(b, OT_LIST) || IS_OT(b, OT_MAP)) {
            List *src = iter_to_list(vm, b);
            if (!src) return -1;
            for (uint32_t i = 0; i < src->count; i++) map_put(vm, (Map *)a.as.o, src->items[i], V_TRUE);
        } else {
            map_put(vm, (Map *)a.as.o, b, V_TRUE);
        }
    } else if (IS_OT(a, OT_MAP) && IS_OT(b, OT_MAP)) {
        Map *src = (Map *)b.as.o;
        for (uint32_t i = 0; i < src->nslots; i++)
            if (src->slots[i].live) map_put(vm, (Map *)a.as.o, src->slots[i].key, src->slots[i].value);
    } else if (IS_OT(a, OT_MAP) && IS_OT(b, OT_ENTRY)) {
        map_put(vm, (Map *)a.as.o, ((Entry *)b.as.o)->key, ((Entry *)b.as.o)->value);
    } else if (IS_OT(a, OT_INSTANCE) && class_assign_hook(vm, OP_ADD, a, b, &ok)) {
        if (!ok) return -1;
    } else {
        Value out;
        if (!arith(vm, OP_ADD, a, b, &out)) return -1;
        *place = out;
        return 0;
    }
    /* a user hashCode/equals may have failed while a Set or Map grew */
    return class_hook_failed(vm) ? -1 : 1;
}

/* The checks of reading global slot g. */
static bool global_readable(VM *vm, uint32_t g) {
    if (!(vm->gflags[g] & GF_DEFINED)) {
        vm_throw(vm, vm->c.symbol_not_defined, "symbol '%s' is not defined", vm->gnames[g]->data);
        return false;
    }
    if (IS_UNSET(vm->gvals[g])) {
        vm_throw(vm, vm->c.unset, "variable '%s' is used before it is assigned", vm->gnames[g]->data);
        return false;
    }
    return true;
}

static NativeResult local_unset(VM *vm) { return vm_throw(vm, vm->c.unset, "variable is used before it is assigned"); }

/* The checks of `name = value` for global slot g. */
static bool global_assignable(VM *vm, uint32_t g) {
    if (!(vm->gflags[g] & GF_DEFINED)) {
        vm_throw(vm, vm->c.symbol_not_defined, "symbol '%s' is not defined", vm->gnames[g]->data);
        return false;
    }
    if ((vm->gflags[g] & GF_VAL) && !IS_UNSET(vm->gvals[g])) {
        vm_throw(vm, vm->c.illegal_assignment, "cannot assign to val '%s'", vm->gnames[g]->data);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- iteration */

/* The Ints an Int range yields: from *pos up to the exclusive *end. An
 * open range, and an inclusive one ending at the largest Int, stop at
 * INT64_MAX. */
static bool range_int_bounds(Range *r, int64_t *pos, int64_t *end) {
    if (!IS_INT(r->start) || !(IS_INT(r->end) || IS_NULL(r->end))) return false;
    *pos = r->start.as.i;
    *end = IS_NULL(r->end) ? INT64_MAX : r->end.as.i;
    if (r->inclusive && !IS_NULL(r->end) && *end != INT64_MAX) (*end)++;
    return true;
}

static bool iter_init(VM *vm, Value src, Value *out) {
    Iter *it = vm_alloc(vm, OT_ITER, vm->c.iterator, sizeof(Iter));
    it->src = src;
    it->pos = 0;
    it->end = 0;
    it->byte = 0;
    if (IS_OT(src, OT_LIST)) it->kind = ITER_LIST;
    else if (IS_OT(src, OT_MAP)) it->kind = (src.as.o->flags & OF_SET) ? ITER_SET : ITER_MAP;
    else if (IS_OT(src, OT_BUFFER)) it->kind = ITER_BUFFER;
    else if (IS_OT(src, OT_STRING)) it->kind = ITER_STRING;
    else if (IS_OT(src, OT_RANGE)) {
        Range *r = (Range *)src.as.o;
        if (range_int_bounds(r, &it->pos, &it->end)) {
            it->kind = ITER_RANGE_INT;
        } else if (IS_CHAR(r->start) && IS_CHAR(r->end)) {
            it->kind = ITER_RANGE_CHAR;
            it->pos = r->start.as.c;
            it->end = (int64_t)r->end.as.c + (r->inclusive ? 1 : 0);
        } else {
            vm_throw(vm, vm->c.illegal_argument, "this range cannot be iterated: it needs an Int or Char start");
            return false;
        }
    } else if (IS_OT(src, OT_INSTANCE) && vm_is_instance(vm, src, vm->c.flow)) {
        it->kind = ITER_FLOW;
        it->src = v_obj(flow_channel_new(vm, src));
    } else if (IS_OT(src, OT_INSTANCE)) {
        /* a script class: iterator() gives a built-in iterable or an object
         * with hasNext() and next() */
        Value r, m;
        bool ok;
        if (!class_op_hook(vm, src, CLS_OP_ITERATOR, 0, NULL, &r, &ok)) {
            vm_throw(vm, vm->c.illegal_argument, "%s is not iterable: it has no iterator()", v_type_name(vm, src));
            return false;
        }
        if (!ok) return false;
        if (!IS_OT(r, OT_INSTANCE)) return iter_init(vm, r, out);
        if (!class_op_method(vm, r, CLS_OP_HAS_NEXT, &m) || !class_op_method(vm, r, CLS_OP_NEXT, &m)) {
            vm_throw(vm, vm->c.illegal_argument, "%s.iterator() must return an iterable or an object with hasNext() and next()",
                     v_type_name(vm, src));
            return false;
        }
        it->kind = ITER_USER;
        it->src = r;
    } else {
        vm_throw(vm, vm->c.illegal_argument, "%s is not iterable", v_type_name(vm, src));
        return false;
    }
    *out = v_obj(it);
    return true;
}

static bool iter_next(VM *vm, Iter *it, Value *out) {
    switch (it->kind) {
    case ITER_USER: {
        /* a failing hasNext()/next() ends the loop with pos = -1: the
         * interpreter then raises the pending exception */
        Value r;
        bool ok;
        if (it->pos < 0) return false;
        if (!class_op_hook(vm, it->src, CLS_OP_HAS_NEXT, 0, NULL, &r, &ok) || !ok) { it->pos = ITER_FAILED; return false; }
        if (!v_truthy(r)) return false;
        if (!class_op_hook(vm, it->src, CLS_OP_NEXT, 0, NULL, out, &ok) || !ok) { it->pos = ITER_FAILED; return false; }
        return true;
    }
    case ITER_FLOW:
        switch (flow_channel_next(vm, (List *)it->src.as.o, out)) {
        case FLOW_VALUE: return true;
        case FLOW_END: return false;
        case FLOW_WAIT: it->pos = ITER_WAITING; return false;
        case FLOW_ERROR: it->pos = ITER_FAILED; return false;
        }
        return false;
    case ITER_LIST: {
        List *l = (List *)it->src.as.o;
        if ((uint64_t)it->pos >= l->count) return false;
        *out = l->items[it->pos++];
        return true;
    }
    case ITER_RANGE_INT:
        if (it->pos >= it->end) return false;
        *out = v_int(it->pos++);
        return true;
    case ITER_RANGE_CHAR:
        if (it->pos >= it->end) return false;
        *out = v_char((uint32_t)it->pos++);
        return true;
    case ITER_MAP:
    case ITER_SET: {
        Map *m = (Map *)it->src.as.o;
        while ((uint64_t)it->pos < m->nslots && !m->slots[it->pos].live) it->pos++;
        if ((uint64_t)it->pos >= m->nslots) return false;
        MapSlot *s = &m->slots[it->pos++];
        *out = it->kind == ITER_SET ? s->key : v_obj(entry_new(vm, s->key, s->value));
        return true;
    }
    case ITER_BUFFER: {
        Buffer *b = (Buffer *)it->src.as.o;
        if ((uint64_t)it->pos >= b->len) return false;
        *out = v_int(b->data[it->pos++]);
        return true;
    }
    case ITER_STRING: {
        String *s = (String *)it->src.as.o;
        if (it->byte >= s->len) return false;
        size_t i = it->byte;
        *out = v_char(utf8_next(s->data, s->len, &i));
        it->byte = (uint32_t)i;
        return true;
    }
    }
    return false;
}

/* ---------------------------------------------------------------- modules */

Value vm_script_closure(VM *vm, Proto *p) {
    Closure *cl = vm_alloc(vm, OT_CLOSURE, vm->c.callable, sizeof(Closure));
    cl->proto = p;
    cl->self = V_VOID;
    cl->nupvals = 0;
    return v_obj(cl);
}

static bool compile_module(VM *vm, Module *m, const char *src, size_t len, Value *body) {
    if (m->found && !module_package_ok(vm, m, src, len)) return false;
    char *err = NULL;
    Proto *p = compile_script(vm, m->path ? m->path : m->name, src, len, &err);
    if (!p) {
        vm_throw(vm, vm->c.illegal_state, "module '%s' does not compile: %s", m->name, err);
        free(err);
        return false;
    }
    *body = vm_script_closure(vm, p);
    return true;
}

/* Compiles a source module's text or file into the closure of its body. */
static bool load_source_module(VM *vm, Module *m, Value *body) {
    if (m->text) return compile_module(vm, m, m->text, strlen(m->text), body);
    StrBuf sb;
    if (!vm->files->read(vm, m, &sb)) return false;
    bool ok = compile_module(vm, m, sb.data ? sb.data : "", sb.len, body);
    sb_free(&sb);
    return ok;
}

static NativeResult import_nothing(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)vm; (void)self; (void)argc; (void)argv;
    *out = V_VOID;
    return NR_OK;
}

/* Makes a module's declarations visible. *body is what the importer calls
 * next: a source module's body the first time, else a function that does
 * nothing. */
static bool import_module(VM *vm, String *name, Value *body) {
    if (IS_VOID(vm->import_noop)) vm->import_noop = v_obj(native_new(vm, "import", import_nothing));
    *body = vm->import_noop;
    if (strcmp(name->data, "lyng.stdlib") == 0) return true;
    if (strcmp(name->data, "lyng.buffer") == 0) {
        vm_def_global(vm, "Buffer", v_obj(vm->c.buffer));
        vm_def_global(vm, "MutableBuffer", v_obj(vm->c.mutable_buffer));
        return true;
    }
    for (uint32_t i = 0; i < vm->nmodules; i++) {
        Module *m = &vm->modules[i];
        if (strcmp(m->name, name->data) != 0) continue;
        if (m->path || m->text) {
            /* marked first, so an import cycle sees the module as loading */
            if (m->loaded) return true;
            m->loaded = true;
            return load_source_module(vm, m, body);
        }
        if (!m->exports) {
            m->exports = map_new(vm);
            m->init(vm, m->exports);
            if (!IS_VOID(vm->pending_exc) && !IS_NULL(vm->pending_exc)) return false;
        }
        for (uint32_t k = 0; k < m->exports->nslots; k++) {
            MapSlot *s = &m->exports->slots[k];
            if (!s->live) continue;
            String *key = (String *)s->key.as.o;
            uint32_t slot = vm_global_slot(vm, key->data, key->len);
            vm->gvals[slot] = s->value;
            vm->gflags[slot] = GF_DEFINED | GF_VAL;
        }
        return true;
    }
    Module *m = vm->files ? vm->files->find(vm, name->data) : NULL;
    if (m) {
        m->loaded = true;
        return load_source_module(vm, m, body);
    }
    vm_throw(vm, vm->c.not_found, "module '%s' is not available", name->data);
    return false;
}

/* ---------------------------------------------------------------- run loop */

/* an operand: ARG bytes, little-endian (compiler.h) */
static inline uint32_t rd_arg(const uint8_t *ip) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t v; /* one unaligned load where the compiler would not merge the bytes */
    memcpy(&v, ip, sizeof v);
    return v;
#else
    return (uint32_t)ip[0] | (uint32_t)ip[1] << 8 | (uint32_t)ip[2] << 16 | (uint32_t)ip[3] << 24;
#endif
}

static inline Value vload_words(const Value *p) {
    Value v;
    v.type = p->type;
    v.as.i = p->as.i;
    return v;
}

/* A collection the allocator asked for runs at the run loop's safe points
 * (calls and loop back-edges, after SAVE_IP); past the memory limit it
 * raises OutOfMemoryException there. */
#define COLLECT_IF_REQUESTED()                                                  \
    do {                                                                        \
        if (vm->gc_requested && !vm->gc_paused) {                               \
            gc_collect(vm);                                                     \
            if (vm->oom) {                                                      \
                vm_throw(vm, vm->c.out_of_memory,                               \
                         "memory limit of %zu MiB exceeded", vm->mem_limit >> 20); \
                goto handle_error;                                              \
            }                                                                   \
        }                                                                       \
    } while (0)

/* The run loop's state, in locals of vm_run_fiber (and vm_run_cold): the
 * frame, its next instruction, its slots and constants, and sp, the top of
 * the stack. */
#define LOAD_FRAME()                                                  \
    do {                                                              \
        fr = &f->frames[f->nframes - 1];                              \
        ip = fr->ip;                                                  \
        slots = f->stack + fr->base;                                  \
        consts = fr->closure->proto->consts;                          \
        sp = f->stack + f->sp;                                        \
    } while (0)
#define SAVE_IP() (fr->ip = ip, f->sp = (uint32_t)(sp - f->stack))
#define TOP (sp[-1])
#define POP() (*--sp)
/* Values move through the stack as two 8-byte words (type, payload): an
 * instruction that just wrote only a payload (an Int sum), or the two words
 * separately, would otherwise be read back by the next one with a single
 * 16-byte load, which the CPU cannot forward from the smaller stores and
 * stalls on (the profile of a counted loop showed most of its time
 * there). */
#define VMOVE(dst, src)                                               \
    do {                                                              \
        Value *d_ = &(dst);                                           \
        const Value *s_ = &(src);                                     \
        d_->type = s_->type;                                          \
        d_->as.i = s_->as.i;                                          \
    } while (0)
/* A Value read as its two words, for passing on: a copy of the struct
 * would be one 16-byte load of what an instruction just wrote in two
 * halves (VMOVE's stall). */
#define VLOAD(src) vload_words(&(src))
/* Pushes the variable at v, or raises (`raise`, after saving ip) when it
 * has not been assigned yet. */
#define PUSH_ASSIGNED(v, raise)                                       \
    do {                                                              \
        if (IS_UNSET(*(v))) {                                         \
            SAVE_IP();                                                \
            raise;                                                    \
            goto handle_error;                                        \
        }                                                             \
        VMOVE(*sp, *(v));                                             \
        sp++;                                                         \
    } while (0)
#define PUSH(v)                                                       \
    do {                                                              \
        Value v_ = (v);                                               \
        VMOVE(*sp, v_);                                               \
        sp++;                                                         \
    } while (0)

/* A comparison's Bool result, `depth` stack entries above which it goes.
 * When a JUMP_IF_FALSE comes next (`if (n < 2)`, `while (i < n)`), the jump
 * is taken here instead, without pushing the Bool: one dispatch less, which
 * on wasm (one shared, range-checked jump) costs more than natively. */
#define COND_RESULT(r, depth)                                         \
    do {                                                              \
        bool r_ = (r);                                                \
        if (*ip == OP_JUMP_IF_FALSE) {                                \
            sp -= (depth);                                            \
            ip += 1 + ARG + (r_ ? 0 : rd_arg(ip + 1));                \
        } else {                                                      \
            sp -= (depth) - 1;                                        \
            TOP = v_bool(r_);                                         \
        }                                                             \
    } while (0)

/* A call of closure `cl` with `argc` arguments at stack[base + 1 ..]
 * entered without call_value: every parameter passed, none by name, no
 * rest parameter, room for its frame and stack. Its frame is set up here
 * and the loop's values (LOAD_FRAME's) come from what is at hand; anything
 * else falls through to call_value's general way. A block, not a do-while:
 * NEXT is `continue` on wasm. */
#define ENTER_CLOSURE_FAST(cl, self, base, argc)                                              \
    {                                                                                         \
        Proto *p_ = (cl)->proto;                                                              \
        if (p_->nparams == (argc) && p_->rest_param < 0 && f->nframes < f->frame_cap &&       \
            f->nframes < vm->max_frames && f->sp + p_->max_stack + 8 <= f->stack_cap) {       \
            Value *stack_ = f->stack;                                                         \
            VMOVE(stack_[base], (self));                                                      \
            Frame *nf_ = &f->frames[f->nframes++];                                            \
            nf_->closure = (cl);                                                              \
            nf_->ip = p_->code + p_->checked_entry;                                           \
            nf_->base = (base);                                                               \
            nf_->nhandlers = f->nhandlers;                                                    \
            fr = nf_;                                                                         \
            ip = nf_->ip;                                                                     \
            slots = stack_ + (base);                                                          \
            consts = p_->consts;                                                              \
            sp = stack_ + f->sp;                                                              \
            NEXT;                                                                             \
        }                                                                                     \
    }

/* `dst += local` when not both Ints (ADD_LOCAL_TO_LOCAL, or
 * ADD_LOCAL_TO_GLOBAL when `global`), after the run loop saved its state:
 * the operands are read again from the instruction that fr->ip has just
 * passed, and the sum is pushed, so the loop keeps none of its own values
 * across these calls (on wasm, V8 stores a value that lives across a call
 * to the stack at every place that sets it, the fast path included).
 * false: an exception is pending. */
static bool add_local_slow(VM *vm, Fiber *f, bool global) {
    Frame *fr = &f->frames[f->nframes - 1];
    uint32_t d = rd_arg(fr->ip - 2 * ARG), s = rd_arg(fr->ip - ARG);
    Value *slots = f->stack + fr->base;
    if (global ? !global_readable(vm, d) : IS_UNSET(slots[d])) {
        if (!global) local_unset(vm);
        return false;
    }
    if (IS_UNSET(slots[s])) {
        local_unset(vm);
        return false;
    }
    Value *top = &f->stack[f->sp++];
    VMOVE(*top, *(global ? &vm->gvals[d] : &slots[d]));
    int r = add_inplace(vm, top, slots[s]);
    if (r < 0) return false;
    if (r > 0) return true;
    top = &f->stack[f->sp - 1]; /* a plus() may have moved the stack */
    if (!global) {
        VMOVE(f->stack[f->frames[f->nframes - 1].base + d], *top);
        return true;
    }
    if (!global_assignable(vm, d)) return false;
    VMOVE(vm->gvals[d], *top);
    return true;
}

/* SET_INDEX the general way, on the stack as the run loop saved it
 * ([obj, idx, v] -> [v]): the loop
 * reads its state again afterwards, so none of it lives across these
 * calls (see add_local_slow). false: an exception is pending. */
static bool set_index_saved(VM *vm, Fiber *f) {
    const Value *t = &f->stack[f->sp - 3];
    Value v = VLOAD(t[2]);
    if (!set_index(vm, VLOAD(t[0]), VLOAD(t[1]), v)) return false;
    f->sp -= 2;
    VMOVE(f->stack[f->sp - 1], v);
    return true;
}

/* On wasm the rare instructions (vm_cold_ops.h) run in a function of their
 * own, so that the loop V8 must optimize stays small: V8 runs its baseline
 * code of a wasm function, at about half speed, until its optimizing
 * compiler has done the whole function, and the loop with them in it
 * (22.5 KB) took it 23-41 ms, without them (14.3 KB) 13-24 ms. The loop
 * saves its state in the frame and fiber before the call (SAVE_IP) and
 * reloads it after. Natively they stay in the loop: apart, fib ran 1.8%
 * more instructions. */
#ifdef __wasm__
#define VM_COLD_APART 1
#else
#define VM_COLD_APART 0
#endif

/* INVOKE of a built-in method of anything but an instance, a class or null
 * (no fields, statics or hidden members to look at), on the stack as the run
 * loop saved it ([recv, args...] -> [result]): call_native's work, with the
 * method lookup inlined, and the loop reads its state again afterwards, so
 * none of it lives across the native's call (see add_local_slow). Reached on
 * wasm only (natively INVOKE has a case of its own in the loop), yet built
 * in both: without the dead call GCC laid the native loop out otherwise,
 * and fib ran 0.4% more instructions. -1: not such a method, nothing done;
 * else the native's NativeResult. */
static int invoke_native_saved(VM *vm, Fiber *f, String *name, int argc) {
    uint32_t base = f->sp - (uint32_t)argc - 1;
    Value *recvp = &f->stack[base], m;
    if (IS_NULL(*recvp) || IS_OT(*recvp, OT_INSTANCE) || IS_OT(*recvp, OT_CLASS)) return -1;
    Class *cls = receiver_class(vm, *recvp);
    if (!method_cache_hit(vm, cls, name, &m) && !vm_find_method(vm, cls, name, &m)) return -1;
    if (!IS_OT(m, OT_NATIVE) || ((Native *)m.as.o)->data == CALL_WITH_MARK) return -1;
    if (((Native *)m.as.o)->fn == list_add_native && argc == 1 && IS_OT(*recvp, OT_LIST)) {
        /* List.add of one item with room: no call (an indirect call and
         * its frame cost more on wasm than the store) */
        List *l = (List *)recvp->as.o;
        if (l->count < l->cap) {
            VMOVE(l->items[l->count++], recvp[1]);
            f->sp = base + 1;
            *recvp = V_VOID;
            return NR_OK;
        }
    }
    Value out = V_VOID;
    NativeResult nr = ((Native *)m.as.o)->fn(vm, VLOAD(*recvp), argc, recvp + 1, &out);
    if (vm->cls_names.hook_failed && class_hook_failed(vm) && nr == NR_OK) nr = NR_ERR;
    f->sp = base;
    /* the native may have run script code: the stack may have moved */
    if (nr == NR_OK) VMOVE(f->stack[f->sp++], out);
    return (int)nr;
}

#if VM_COLD_APART
enum { VM_COLD_NEXT, VM_COLD_ERROR, VM_COLD_SUSPEND };

__attribute__((noinline)) static int vm_run_cold(VM *vm, Fiber *f, OpCode op) {
    Frame *fr;
    uint8_t *ip;
    Value *slots;
    Value *consts;
    Value *sp;
    LOAD_FRAME();
    switch (op) {
#define COLD_CASE(n) case OP_##n:
#define COLD_NEXT break
#define COLD_ERROR return VM_COLD_ERROR
#define COLD_SUSPEND return VM_COLD_SUSPEND
#include "vm_cold_ops.h"
#undef COLD_CASE
#undef COLD_NEXT
#undef COLD_ERROR
#undef COLD_SUSPEND
    default:
        SAVE_IP();
        vm_throw(vm, vm->c.illegal_state, "corrupt bytecode (opcode %d)", (int)op);
        return VM_COLD_ERROR;
    }
    SAVE_IP();
    return VM_COLD_NEXT;
}
#endif

/* Runs `f` until it finishes, suspends or fails. */
void vm_run_fiber(VM *vm, Fiber *f);

void vm_run_fiber(VM *vm, Fiber *f) {
    Fiber *saved = vm->current;
    vm->current = f;
    f->state = FS_RUNNING;
    if (f->nframes == 0 && IS_UNSET(f->resume) && f->sp > 0) {
        /* a new fiber: stack holds [callee, args...] */
        uint32_t argc = f->sp - 1;
        CallResult r = call_value(vm, f, f->stack[0], V_VOID, false, 0, (int)argc, NULL);
        if (r == CR_ERROR) {
            Value exc = vm_take_exception(vm);
            unwind(vm, f, exc);
            goto finished;
        }
        if (r == CR_VALUE) {
            f->result = f->stack[f->sp - 1];
            f->sp = 0;
            goto finished;
        }
        if (r == CR_SUSPEND) goto suspended;
    } else if (f->resume_throws) {
        Value exc = f->resume;
        f->resume = V_UNSET;
        f->resume_throws = false;
        if (!unwind(vm, f, exc)) goto finished;
    } else if (!IS_UNSET(f->resume)) {
        ensure_stack(vm, f, 1);
        push(f, f->resume);
        f->resume = V_UNSET;
    }

    Frame *fr;
    uint8_t *ip;
    Value *slots;
    Value *consts;
    /* The top of the stack lives in a local (a register) while the loop
     * runs: SAVE_IP writes it back to f->sp before anything that reads
     * f->sp (calls, GC, suspending, unwinding), LOAD_FRAME reads it again
     * after anything that moves it or reallocates the stack. */
    Value *sp;
#define THROW()                                                       \
    do {                                                              \
        SAVE_IP();                                                    \
        goto handle_error;                                            \
    } while (0)
/* Counts a loop back-edge or a call (budget.c). When the slice is used up
 * the fiber goes back to the head of the ready queue, to resume at `at`,
 * and lyng_run returns to its host; when the step limit is spent the run
 * ends like exit(). */
#define STEP_CHECK(at)                                                             \
    do {                                                                           \
        if (--vm->budget == 0) {                                                   \
            int act_ = vm_budget_spent(vm);                                        \
            if (act_ != BUDGET_GO_ON) {                                            \
                SAVE_IP();                                                         \
                fr->ip = (at);                                                     \
                if (act_ == BUDGET_YIELD) vm_ready_first(vm, f);                   \
                goto suspended;                                                    \
            }                                                                      \
        }                                                                          \
    } while (0)

#if VM_COMPUTED_GOTO
    /* every byte has an entry: the ones that are no opcode go to DEFAULT */
    VM_DISPATCH_TABLE_BEGIN
    static void *const vm_dispatch_[256] = {
        [0 ... 255] = &&vm_op_bad_,
#define OP(n, a, e) [OP_##n] = &&vm_op_##n,
#include "opcodes.h"
#undef OP
    };
    VM_DISPATCH_TABLE_END
#endif
    LOAD_FRAME();
    for (;;) {
        OpCode op = (OpCode)*ip++;
        switch (op) {
        CASE(CONST) PUSH(consts[rd_arg(ip)]); ip += ARG; NEXT;
        CASE(NULL) PUSH(V_NULL); NEXT;
        CASE(VOID) PUSH(V_VOID); NEXT;
        CASE(TRUE) PUSH(V_TRUE); NEXT;
        CASE(FALSE) PUSH(V_FALSE); NEXT;
        CASE(UNSET) PUSH(V_UNSET); NEXT;
        CASE(POP) sp--; NEXT;
        CASE(DUP) VMOVE(*sp, sp[-1]); sp++; NEXT;
        CASE(SWAP) {
            Value t = VLOAD(sp[-1]);
            VMOVE(sp[-1], sp[-2]);
            VMOVE(sp[-2], t);
            NEXT;
        }
        CASE(GET_LOCAL) {
            const Value *v = &slots[rd_arg(ip)];
            ip += ARG;
            PUSH_ASSIGNED(v, local_unset(vm));
            NEXT;
        }
        CASE(SET_LOCAL) VMOVE(slots[rd_arg(ip)], TOP); ip += ARG; NEXT;
        CASE(GET_UPVAL) {
            Upval *u = fr->closure->upvals[rd_arg(ip)];
            ip += ARG;
            const Value *v = u->fiber ? &u->fiber->stack[u->slot] : &u->closed;
            PUSH_ASSIGNED(v, vm_throw(vm, vm->c.unset, "variable is used before it is assigned"));
            NEXT;
        }
        CASE(SET_UPVAL) {
            Upval *u = fr->closure->upvals[rd_arg(ip)];
            ip += ARG;
            if (u->fiber) VMOVE(u->fiber->stack[u->slot], TOP);
            else VMOVE(u->closed, TOP);
            NEXT;
        }
        CASE(GET_RECV_OR_GLOBAL) {
            /* a bare name in an extension function: the receiver's member wins */
            uint32_t g = rd_arg(ip);
            Value m;
            bool field;
            if (IS_VOID(slots[0]) || IS_NULL(slots[0]) || !find_member(vm, slots[0], vm->gnames[g], &m, &field))
                goto get_global;
            ip += ARG;
            SAVE_IP();
            Value out;
            CallResult cr;
            if (!get_prop(vm, f, slots[0], vm->gnames[g], &out, &cr)) goto handle_error;
            if (cr == CR_FRAME) { LOAD_FRAME(); NEXT; }
            PUSH(out);
            NEXT;
        }
        CASE(GET_GLOBAL)
        get_global: {
            uint32_t g = rd_arg(ip);
            ip += ARG;
            if (IS_UNSET(vm->gvals[g])) { /* also every global not defined (vm_global_slot) */
                SAVE_IP();
                global_readable(vm, g);
                goto handle_error;
            }
            VMOVE(*sp, vm->gvals[g]);
            sp++;
            NEXT;
        }
        CASE(SET_RECV_OR_GLOBAL) {
            /* a bare name assigned in a lambda or an extension: the receiver's member wins */
            uint32_t g = rd_arg(ip);
            Value m;
            bool field;
            if (IS_VOID(slots[0]) || IS_NULL(slots[0]) || !find_member(vm, slots[0], vm->gnames[g], &m, &field))
                goto set_global;
            ip += ARG;
            SAVE_IP();
            if (!set_prop(vm, slots[0], vm->gnames[g], TOP)) goto handle_error;
            NEXT;
        }
        CASE(SET_GLOBAL)
        set_global: {
            uint32_t g = rd_arg(ip);
            ip += ARG;
            if (vm->gflags[g] != GF_DEFINED && !global_assignable(vm, g)) { /* not a plain defined var */
                SAVE_IP();
                goto handle_error;
            }
            VMOVE(vm->gvals[g], TOP);
            NEXT;
        }
        CASE(GET_LOCAL_PROP) {
            const Value *v = &slots[rd_arg(ip)];
            ip += ARG;
            PUSH_ASSIGNED(v, local_unset(vm));
            goto get_prop;
        }
        CASE(GET_PROP)
        get_prop: {
            String *n = (String *)consts[rd_arg(ip)].as.o;
            ip += ARG;
            Value out;
            CallResult cr;
            Value obj = POP();
            if (IS_OT(obj, OT_INSTANCE) && !obj.as.o->cls->has_hidden) {
                /* a field wins over everything else get_prop looks at */
                const Value *field = instance_field(vm, (Instance *)obj.as.o, n);
                if (field) {
                    PUSH(*field);
                    NEXT;
                }
            }
            if (!IS_NULL(obj) && !IS_OT(obj, OT_INSTANCE) && !IS_OT(obj, OT_CLASS)) {
                /* a built-in property (`size`): its native, straight from the method cache */
                Value m;
                if (find_method_cached(vm, receiver_class(vm, obj), n, &m) &&
                    IS_OT(m, OT_NATIVE) && ((Native *)m.as.o)->property) {
                    SAVE_IP();
                    out = V_VOID;
                    if (((Native *)m.as.o)->fn(vm, obj, 0, NULL, &out) != NR_OK) goto handle_error;
                    PUSH(out);
                    NEXT;
                }
            }
            SAVE_IP(); /* a getter's frame goes where obj was */
            if (!get_prop(vm, f, obj, n, &out, &cr)) goto handle_error;
            if (cr == CR_FRAME) { LOAD_FRAME(); NEXT; }
            PUSH(out);
            NEXT;
        }
        CASE(SET_PROP) {
            String *n = (String *)consts[rd_arg(ip)].as.o;
            ip += ARG;
            SAVE_IP();
            Value v = POP(), obj = POP();
            if (!set_prop(vm, obj, n, v)) goto handle_error;
            /* `o.x = v` as a statement: its value is dropped at once */
            if (*ip == OP_POP) ip++;
            else PUSH(v);
            NEXT;
        }
        /* A List by an Int in range, a Map by an Int or String key: no
         * user hook can run, nothing can raise. The object is at `objp`,
         * the index at `idxp`; the element goes to `dstp` after DROP. A Map
         * of small Int keys (OF_DIRECT) is read here without the call:
         * natively in the local forms, on wasm in GET_INDEX, where they all
         * end up (counts by Int: list_map.lyng 16-19% faster on Node). */
#define INDEX_DIRECT_MAP(m, idx, dst, DROP)                                               \
            if ((m->h.flags & (OF_SET | OF_DIRECT)) == OF_DIRECT && IS_INT(*idx) && (uint64_t)idx->as.i < m->index_cap) { \
                int32_t slot_ = m->index[idx->as.i];                                       \
                DROP;                                                                     \
                if (slot_ >= 0) VMOVE(*dst, m->slots[slot_].value);                          \
                else *dst = V_NULL;                                                       \
                NEXT;                                                                     \
            }
#define INDEX_NO_DIRECT_MAP(m, idx, dst, DROP) (void)(m);
#define INDEX_FAST(objp, idxp, dstp, DROP, DIRECT)                                              \
        if (IS_OBJ(*(objp))) {                                                            \
            Value *dst = (dstp);                                                          \
            Obj *o = (objp)->as.o;                                                        \
            const Value *idx = (idxp);                                                    \
            if (o->type == OT_LIST && IS_INT(*idx) && (uint64_t)idx->as.i < ((List *)o)->count) { \
                DROP;                                                                     \
                VMOVE(*dst, ((List *)o)->items[idx->as.i]);                               \
                NEXT;                                                                     \
            }                                                                             \
            if (o->type == OT_MAP) {                                                      \
                Map *m = (Map *)o;                                                        \
                DIRECT(m, idx, dst, DROP)                                                 \
                if (!(o->flags & OF_SET) && (IS_INT(*idx) || IS_OT(*idx, OT_STRING))) {   \
                    Value out;                                                            \
                    if (!map_get(m, VLOAD(*idx), &out)) out = V_NULL;                     \
                    DROP;                                                                 \
                    VMOVE(*dst, out);                                                     \
                    NEXT;                                                                 \
                }                                                                         \
            }                                                                             \
        }
        CASE(GET_GLOBAL_INDEX_LOCAL) {
            /* `name[local]` where name is a global (a script's top-level val) */
            const Value *g = &vm->gvals[rd_arg(ip)];
            ip += ARG;
#if !VM_COLD_APART /* on wasm: the two instructions' way, for size */
            INDEX_FAST(g, &slots[rd_arg(ip)], sp, (void)0; ip += ARG; sp++, INDEX_DIRECT_MAP)
#endif
            PUSH_ASSIGNED(g, global_readable(vm, rd_arg(ip - ARG)));
            goto get_index_local;
        }
        CASE(GET_INDEX_LOCAL)
        get_index_local: {
            const Value *l = &slots[rd_arg(ip)];
            ip += ARG;
#if !VM_COLD_APART /* on wasm: the general instruction's way, for size */
            INDEX_FAST(&sp[-1], l, &sp[-1], (void)0, INDEX_DIRECT_MAP)
#endif
            PUSH_ASSIGNED(l, local_unset(vm));
#if VM_COLD_APART
            goto get_index_fast; /* wasm: GET_INDEX's fast paths */
#else
            goto get_index; /* natively they were tried above */
#endif
        }
        CASE(GET_INDEX)
#if VM_COLD_APART
        get_index_fast:
#endif
#if VM_COLD_APART
            INDEX_FAST(&sp[-2], &sp[-1], &sp[-2], sp--, INDEX_DIRECT_MAP)
#else
            INDEX_FAST(&sp[-2], &sp[-1], &sp[-2], sp--, INDEX_NO_DIRECT_MAP)
#endif
#if !VM_COLD_APART
        get_index:
#endif
        {
            SAVE_IP();
            Value idx = POP(), obj = POP(), out;
            if (!get_index(vm, obj, idx, &out)) goto handle_error;
            PUSH(out);
            NEXT;
        }
#undef INDEX_FAST
#undef INDEX_DIRECT_MAP
#undef INDEX_NO_DIRECT_MAP
        CASE(SET_INDEX) {
            if (IS_OBJ(sp[-3])) {
                Obj *o = sp[-3].as.o;
                const Value *idx = &sp[-2];
                if (o->type == OT_LIST && IS_INT(*idx) && (uint64_t)idx->as.i < ((List *)o)->count) {
                    VMOVE(((List *)o)->items[idx->as.i], sp[-1]);
                    sp -= 2;
                    VMOVE(sp[-1], sp[1]);
                    NEXT;
                }
                if (o->type == OT_MAP && !(o->flags & OF_SET) && (IS_INT(*idx) || IS_OT(*idx, OT_STRING))) {
                    Map *m = (Map *)o;
                    int32_t slot = -1;
                    /* an existing key of a map of small Ints (map_put's own
                     * first step) without the call */
                    if ((o->flags & (OF_DIRECT | OF_MEMBERS)) == OF_DIRECT && IS_INT(*idx) && (uint64_t)idx->as.i < m->index_cap)
                        slot = m->index[idx->as.i];
                    if (slot >= 0) {
                        VMOVE(m->slots[slot].value, sp[-1]);
                        sp -= 2;
                        VMOVE(sp[-1], sp[1]);
                        NEXT;
                    }
                }
            }
            SAVE_IP(); /* a new key too: set_index's map_put */
            if (!set_index_saved(vm, f)) goto handle_error;
            LOAD_FRAME();
            NEXT;
        }
        CASE(ADD)
        CASE(SUB)
        CASE(MUL)
        CASE(DIV)
        CASE(MOD)
        op_arith: {
            Value b = sp[-1], a = sp[-2];
            if (IS_INT(a) && IS_INT(b)) {
                uint64_t x = (uint64_t)a.as.i, y = (uint64_t)b.as.i;
                if (op != OP_DIV && op != OP_MOD) {
                    sp[-2].as.i = (int64_t)(op == OP_ADD ? x + y : op == OP_SUB ? x - y : x * y);
                    sp--;
                    NEXT;
                }
                /* a zero or -1 divisor (an exception, an overflow) takes arith() */
                if (b.as.i > 0 || b.as.i < -1) {
                    sp[-2].as.i = op == OP_DIV ? a.as.i / b.as.i : a.as.i % b.as.i;
                    sp--;
                    NEXT;
                }
            }
            SAVE_IP();
            Value out;
            if (!arith(vm, op, a, b, &out) || class_hook_failed(vm)) goto handle_error;
            sp -= 2;
            PUSH(out);
            NEXT;
        }
        /* `a + 1`, `n < 2`: the right side is an Int constant; anything
         * but an Int on the left runs the general instruction */
#define INT_K_OP(NAME, GENERAL, GENERAL_LABEL, INT_RESULT) \
        CASE(NAME) {                                      \
            const Value *k = &consts[rd_arg(ip)];           \
            ip += ARG;                                      \
            if (IS_INT(TOP)) {                            \
                int64_t x = TOP.as.i, y = k->as.i;        \
                INT_RESULT;                               \
                NEXT;                                     \
            }                                             \
            VMOVE(*sp, *k);                               \
            sp++;                                         \
            op = GENERAL;                                 \
            goto GENERAL_LABEL;                           \
        }
        INT_K_OP(ADD_K, OP_ADD, op_arith, TOP.as.i = (int64_t)((uint64_t)x + (uint64_t)y))
        INT_K_OP(SUB_K, OP_SUB, op_arith, TOP.as.i = (int64_t)((uint64_t)x - (uint64_t)y))
        INT_K_OP(MUL_K, OP_MUL, op_arith, TOP.as.i = (int64_t)((uint64_t)x * (uint64_t)y))
        CASE(MOD_K) {
            const Value *k = &consts[rd_arg(ip)];
            ip += ARG;
            if (IS_INT(TOP) && (k->as.i > 0 || k->as.i < -1)) {
                TOP.as.i %= k->as.i;
                NEXT;
            }
            VMOVE(*sp, *k);
            sp++;
            op = OP_MOD;
            goto op_arith;
        }
        INT_K_OP(LT_K, OP_LT, op_compare, COND_RESULT(x < y, 1))
        INT_K_OP(LE_K, OP_LE, op_compare, COND_RESULT(x <= y, 1))
        INT_K_OP(GT_K, OP_GT, op_compare, COND_RESULT(x > y, 1))
        INT_K_OP(GE_K, OP_GE, op_compare, COND_RESULT(x >= y, 1))
#undef INT_K_OP
        CASE(NOT)
            if (IS_BOOL(TOP)) TOP = v_bool(!TOP.as.b);
            else if (!unary_hook(vm, CLS_OP_NOT, &TOP, "! needs a Bool, got %s")) { SAVE_IP(); goto handle_error; }
            NEXT;
        CASE(EQ_NULL)
        CASE(NE_NULL)
            if (!IS_OT(TOP, OT_INSTANCE)) { /* anything else is null or not: no equals() to run */
                COND_RESULT(IS_NULL(TOP) == (op == OP_EQ_NULL), 1);
                NEXT;
            }
            PUSH(V_NULL);
            op = op == OP_EQ_NULL ? OP_EQ : OP_NE;
            goto op_eq;
        CASE(EQ)
        CASE(NE)
        op_eq: {
            Value b = POP();
            bool eq, ok;
            if (!IS_OBJ(TOP) && ((IS_INT(TOP) && IS_INT(b)) || (TOP.type != b.type && !(IS_NUM(TOP) && IS_NUM(b))))) {
                /* `n == 0`, `x == null` with no object on the left: no hook runs */
                eq = TOP.type == b.type && TOP.as.i == b.as.i;
                COND_RESULT(op == OP_EQ ? eq : !eq, 1);
                NEXT;
            }
            if (!IS_OBJ(b) && IS_OBJ(TOP) && TOP.as.o->type != OT_INSTANCE) {
                /* `line == null`: an object of a built-in type equals no immediate */
                COND_RESULT(op != OP_EQ, 1);
                NEXT;
            }
            if (IS_OT(TOP, OT_STRING) && IS_OT(b, OT_STRING)) {
                const String *x = (const String *)TOP.as.o, *y = (const String *)b.as.o;
                eq = x == y || (x->len == y->len && x->hash == y->hash && memcmp(x->data, y->data, x->len) == 0);
                TOP = v_bool(op == OP_EQ ? eq : !eq);
                NEXT;
            }
            if (IS_OT(TOP, OT_INSTANCE) && !v_identical(TOP, b)) {
                SAVE_IP();
                if (!class_equals_hook(vm, TOP, b, &eq, &ok)) eq = v_equal(TOP, b);
                else if (!ok) goto handle_error;
            } else {
                eq = v_equal(TOP, b);
            }
            if (class_hook_failed(vm)) { SAVE_IP(); goto handle_error; }
            TOP = v_bool(op == OP_EQ ? eq : !eq);
            NEXT;
        }
        CASE(LT)
        CASE(LE)
        CASE(GT)
        CASE(GE)
        CASE(CMP)
        op_compare: {
            Value b = sp[-1], a = sp[-2];
            if (IS_INT(a) && IS_INT(b) && op != OP_CMP) {
                bool r = op == OP_LT ? a.as.i < b.as.i : op == OP_LE ? a.as.i <= b.as.i : op == OP_GT ? a.as.i > b.as.i : a.as.i >= b.as.i;
                COND_RESULT(r, 2);
                NEXT;
            }
            SAVE_IP();
            Value out;
            if (!compare_op(vm, op, a, b, &out)) goto handle_error;
            sp -= 2;
            PUSH(out);
            NEXT;
        }
        CASE(LIST) {
            uint32_t n = rd_arg(ip);
            ip += ARG;
            List *l = list_new(vm, n);
            for (Value *v = sp - n; v < sp; v++) VMOVE(l->items[l->count++], *v);
            sp -= n;
            PUSH(v_obj(l));
            NEXT;
        }
        CASE(JUMP) ip += ARG + rd_arg(ip); NEXT;
        /* On wasm the rare work of a back-edge runs with the loop's state
         * saved and read again after it (see FOR_LOOP); natively, where
         * the state stays in callee-saved registers across calls, the
         * checks in place ran fewer instructions (objects -0.4%). */
#if VM_COLD_APART
        CASE(LOOP)
            ip = ip + ARG - rd_arg(ip);
            if (vm->pending || --vm->budget == 0) {
                if (!vm->pending) vm->budget = 1; /* counted again by back_edge_slow */
                SAVE_IP();
                goto back_edge_slow; /* resumes at ip */
            }
            NEXT;
#else
        CASE(LOOP)
            ip = ip + ARG - rd_arg(ip);
            if (vm->pending) {
                SAVE_IP();
                COLLECT_IF_REQUESTED();
                if (vm->exiting) { SAVE_IP(); goto suspended; }
            }
            STEP_CHECK(ip);
            NEXT;
#endif
        CASE(JUMP_IF_FALSE)
        CASE(JUMP_IF_TRUE) {
            Value c = POP();
            if (!IS_BOOL(c)) {
                SAVE_IP();
                vm_throw(vm, vm->c.illegal_argument, "a condition must be a Bool, got %s", v_type_name(vm, c));
                goto handle_error;
            }
            if (c.as.b == (op == OP_JUMP_IF_TRUE)) ip += ARG + rd_arg(ip);
            else ip += ARG;
            NEXT;
        }
        CASE(AND)
        CASE(OR) {
            Value c = TOP;
            if (!IS_BOOL(c)) {
                SAVE_IP();
                vm_throw(vm, vm->c.illegal_argument, "%s needs Bool operands, got %s", op == OP_AND ? "&&" : "||", v_type_name(vm, c));
                goto handle_error;
            }
            if (c.as.b == (op == OP_OR)) ip += ARG + rd_arg(ip);
            else { sp--; ip += ARG; }
            NEXT;
        }
        CASE(JUMP_IF_NULL)
            if (IS_NULL(TOP)) ip += ARG + rd_arg(ip);
            else ip += ARG;
            NEXT;
        CASE(ELVIS)
            if (!IS_NULL(TOP)) ip += ARG + rd_arg(ip);
            else { sp--; ip += ARG; }
            NEXT;
#if !VM_COLD_APART
        CASE(INVOKE) {
            /* obj.name(args): natively an instruction of its own, so that
             * the common case, a built-in method, tests nothing of the
             * other calls (wasm shares the code below, for size) */
            STEP_CHECK(ip - 1); /* resumes by executing this call */
            String *name = (String *)consts[rd_arg(ip)].as.o;
            int argc = (int)rd_arg(ip + ARG);
            ip += 2 * ARG;
            SAVE_IP();
            COLLECT_IF_REQUESTED();
            CallResult r;
            Value *recvp = f->stack + f->sp - argc - 1, m; /* f->sp: SAVE_IP above */
            if (!IS_NULL(*recvp) && !IS_OT(*recvp, OT_INSTANCE) && !IS_OT(*recvp, OT_CLASS) &&
                find_method_cached(vm, receiver_class(vm, *recvp), name, &m) &&
                IS_OT(m, OT_NATIVE) && ((Native *)m.as.o)->data != CALL_WITH_MARK) {
                /* call_native's work, done here */
                Value *stack = f->stack;
                Frame *frames = f->frames;
                uint32_t base = (uint32_t)(recvp - stack);
                Value out = V_VOID;
                NativeResult nr = ((Native *)m.as.o)->fn(vm, VLOAD(*recvp), argc, recvp + 1, &out);
                if (vm->cls_names.hook_failed && class_hook_failed(vm) && nr == NR_OK) nr = NR_ERR;
                f->sp = base;
                if (nr == NR_OK) {
                    /* a native that ran script code may have moved the
                     * stack or the frames: then the frame is read again */
                    if (f->stack == stack && f->frames == frames) sp = stack + base;
                    else LOAD_FRAME();
                    PUSH(out);
                    if (!vm->exiting) NEXT;
                    SAVE_IP();
                    goto suspended;
                }
                r = nr == NR_ERR ? CR_ERROR : CR_SUSPEND;
            } else {
                if (IS_OT(*recvp, OT_INSTANCE) && enter_method(vm, f, name, (uint32_t)(recvp - f->stack), argc)) {
                    LOAD_FRAME();
                    NEXT;
                }
                r = invoke(vm, f, name, argc, NULL);
            }
            if (r == CR_ERROR) goto handle_error;
            if (r == CR_SUSPEND) goto suspended;
            if (vm->exiting) goto suspended;
            LOAD_FRAME();
            NEXT;
        }
#endif
        CASE(CALL)
        CASE(CALL_NAMED)
#if VM_COLD_APART
        CASE(INVOKE)
#endif
        CASE(INVOKE_NAMED) {
            STEP_CHECK(ip - 1); /* resumes by executing this call */
            int argc;
            List *names = NULL;
            CallResult r;
            if (op == OP_CALL) { argc = (int)rd_arg(ip); ip += ARG; }
            else if (op == OP_CALL_NAMED) { argc = (int)rd_arg(ip); names = (List *)consts[rd_arg(ip + ARG)].as.o; ip += 2 * ARG; }
            else if (op == OP_INVOKE) { argc = (int)rd_arg(ip + ARG); ip += 2 * ARG; }
            else { argc = (int)rd_arg(ip + ARG); names = (List *)consts[rd_arg(ip + 2 * ARG)].as.o; ip += 3 * ARG; }
            SAVE_IP();
            COLLECT_IF_REQUESTED();
            if (op == OP_CALL) {
                /* fast path: a closure or a script class's body called with
                 * exactly its parameters */
                uint32_t base = f->sp - (uint32_t)argc - 1; /* f->sp: SAVE_IP above */
                Value cv = f->stack[base];
                if (IS_OT(cv, OT_CLOSURE)) {
                    Closure *cl = (Closure *)cv.as.o;
                    ENTER_CLOSURE_FAST(cl, cl->self, base, argc);
                    if (argc == 0 && cl->proto->implicit_it && f->sp < f->stack_cap) {
                        /* `it` of a lambda called without an argument is
                         * void (adapt_args): passed as one */
                        f->stack[f->sp++] = V_VOID;
                        argc = 1;
                        if (enter_exact(vm, f, cl, base, argc)) {
                            f->stack[base] = cl->self;
                            LOAD_FRAME();
                            NEXT;
                        }
                    }
                } else if (IS_OT(cv, OT_CLASS) && enter_ctor(vm, f, (Class *)cv.as.o, base, argc)) {
                    LOAD_FRAME();
                    NEXT;
                }
            }
#if VM_COLD_APART
            if (op == OP_INVOKE) {
                /* an instance's method (natively INVOKE's own case does this) */
                uint32_t base = f->sp - (uint32_t)argc - 1;
                if (IS_OT(f->stack[base], OT_INSTANCE) && enter_method(vm, f, (String *)consts[rd_arg(ip - 2 * ARG)].as.o, base, argc)) {
                    LOAD_FRAME();
                    NEXT;
                }
            }
#endif
            if (op == OP_INVOKE) {
                /* a built-in method: the loop's state is saved above */
                int nr = invoke_native_saved(vm, f, (String *)consts[rd_arg(ip - 2 * ARG)].as.o, argc);
                if (nr == NR_OK) {
                    LOAD_FRAME();
                    if (!vm->exiting) NEXT;
                    goto suspended;
                }
                if (nr >= 0) {
                    r = nr == NR_ERR ? CR_ERROR : CR_SUSPEND;
                    goto call_done;
                }
            }
            if (op == OP_INVOKE || op == OP_INVOKE_NAMED) {
                r = invoke(vm, f, (String *)consts[rd_arg(ip - (op == OP_INVOKE ? 2 : 3) * ARG)].as.o, argc, names);
            } else {
                uint32_t base = f->sp - (uint32_t)argc - 1;
                r = call_value(vm, f, f->stack[base], V_VOID, false, base, argc, names);
            }
        call_done:
            if (r == CR_ERROR) goto handle_error;
            if (r == CR_SUSPEND) goto suspended;
            if (vm->exiting) goto suspended;
            LOAD_FRAME();
            NEXT;
        }
        CASE(CLOSURE) {
            Proto *p = (Proto *)consts[rd_arg(ip)].as.o;
            ip += ARG;
            Closure *cl = vm_alloc(vm, OT_CLOSURE, vm->c.callable, sizeof(Closure) + sizeof(Upval *) * p->nupvals);
            cl->proto = p;
            cl->self = slots[0];
            cl->nupvals = p->nupvals;
            for (uint32_t i = 0; i < p->nupvals; i++) {
                bool local = ip[0];
                uint32_t idx = rd_arg(ip + 1);
                ip += 1 + ARG;
                if (local) {
                    uint32_t abs = fr->base + idx;
                    Upval **link = &f->open_upvals;
                    while (*link && (*link)->slot > abs) link = &(*link)->next_open;
                    if (*link && (*link)->slot == abs) {
                        cl->upvals[i] = *link;
                    } else {
                        Upval *u = vm_alloc(vm, OT_UPVAL, vm->c.any, sizeof(Upval));
                        u->fiber = f;
                        u->slot = abs;
                        u->closed = V_NULL;
                        u->next_open = *link;
                        *link = u;
                        cl->upvals[i] = u;
                    }
                } else {
                    cl->upvals[i] = fr->closure->upvals[idx];
                }
            }
            PUSH(v_obj(cl));
            NEXT;
        }
        CASE(CLOSE_SCOPE) {
            uint32_t s = fr->base + rd_arg(ip);
            ip += ARG;
            close_upvals(f, s);
            VMOVE(f->stack[s], TOP);
            sp = f->stack + s + 1;
            NEXT;
        }
        CASE(RETURN) {
            Value result;
            VMOVE(result, sp[-1]);
            close_upvals(f, fr->base);
            f->nhandlers = fr->nhandlers;
            f->sp = fr->base;
            f->nframes--;
            if (f->nframes == 0) {
                f->result = result;
                goto finished;
            }
            /* the caller's frame is the one below; the result goes where
             * the callee was, slot 0 of the frame left */
            VMOVE(slots[0], result);
            sp = slots + 1;
            f->sp++;
            fr--;
            ip = fr->ip;
            slots = f->stack + fr->base;
            consts = fr->closure->proto->consts;
            NEXT;
        }
        CASE(FOR_LOOP_VAL)
            VMOVE(slots[rd_arg(ip) - 3], sp[-1]);
            goto for_loop;
        CASE(FOR_LOOP)
        for_loop: {
            /* the back-edge: drop this iteration's variable (closures keep
             * their own copy), then go on as the FOR_NEXT that follows */
            uint32_t s = rd_arg(ip); /* in the frame */
            ip += ARG + 1; /* to FOR_NEXT's operand */
#if VM_COLD_APART
            sp = slots + s;
            if (f->open_upvals || vm->pending || --vm->budget == 0) {
                if (!f->open_upvals && !vm->pending) vm->budget = 1; /* counted again by back_edge_slow */
                /* the rare work: state saved, and read again after it, so
                 * that nothing of the loop's state has to live across
                 * the calls (on wasm each such value is stored to the
                 * stack wherever it is set) */
                SAVE_IP();
                if (f->open_upvals) close_upvals(f, fr->base + s);
                fr->ip = ip - 1; /* FOR_NEXT, which runs next */
                /* back_edge_slow's work, written out here: jumping there
                 * instead ran fib 20% slower on Node 20, though fib has
                 * no loop (V8's code placement alone) */
                COLLECT_IF_REQUESTED();
                if (vm->exiting) goto suspended;
                if (--vm->budget == 0) {
                    int act = vm_budget_spent(vm);
                    if (act != BUDGET_GO_ON) {
                        if (act == BUDGET_YIELD) vm_ready_first(vm, f);
                        goto suspended;
                    }
                }
                LOAD_FRAME();
                NEXT;
            }
            goto for_next;
#else
            if (f->open_upvals) close_upvals(f, fr->base + s);
            sp = slots + s;
            if (vm->pending) {
                SAVE_IP();
                COLLECT_IF_REQUESTED();
                if (vm->exiting) { SAVE_IP(); fr->ip = ip - 1; goto suspended; }
            }
            STEP_CHECK(ip - 1);
            goto for_next;
#endif
        }
        CASE(FOR_NEXT)
        for_next: {
            Value *st = &sp[-2];
            if (IS_INT(st[1])) {
                int64_t i = st[0].as.i;
                if (i < st[1].as.i) {
                    PUSH(v_int(i));
                    st[0].as.i = i + 1;
                    ip = ip + ARG - rd_arg(ip);
                } else {
                    ip += ARG;
                }
                NEXT;
            }
            Iter *it = (Iter *)st[0].as.o;
            Value v;
            if (iter_next(vm, it, &v)) {
                PUSH(v);
                ip = ip + ARG - rd_arg(ip);
            } else if (it->kind >= ITER_USER && it->pos < 0) {
                bool waiting = it->pos == ITER_WAITING;
                it->pos = 0;
                /* parked: FOR_NEXT runs again when the producer wakes the fiber */
                if (waiting) { SAVE_IP(); fr->ip = ip - 1; goto suspended; }
                SAVE_IP();
                goto handle_error;
            } else {
                ip += ARG;
            }
            NEXT;
        }
        CASE(SET_LOCAL_POP) sp--; VMOVE(slots[rd_arg(ip)], *sp); ip += ARG; NEXT;
        CASE(ARG_REQUIRED) {
            uint32_t s = rd_arg(ip);
            ip += ARG;
            if (IS_UNSET(slots[s])) {
                SAVE_IP();
                Proto *p = fr->closure->proto;
                vm_throw(vm, vm->c.illegal_argument, "missing argument '%s' in call to %s", p->param_names[s - 1]->data, p->name->data);
                goto handle_error;
            }
            NEXT;
        }
        CASE(ADD_INPLACE) {
            if (IS_INT(TOP) && IS_INT(sp[-2])) { /* stored back by the next instruction */
                sp[-2].as.i = (int64_t)((uint64_t)sp[-2].as.i + (uint64_t)TOP.as.i);
                sp--;
                ip += ARG;
                NEXT;
            }
            Value b = POP();
            SAVE_IP();
            int r = add_inplace(vm, &sp[-1], b);
            if (r < 0) goto handle_error;
            ip += r ? ARG + rd_arg(ip) : ARG;
            NEXT;
        }
        CASE(ADD_SET_GLOBAL) {
            uint32_t g = rd_arg(ip);
            ip += ARG;
            Value b = POP();
            if (IS_INT(b) && IS_INT(TOP) && vm->gflags[g] == GF_DEFINED) {
                TOP.as.i = (int64_t)((uint64_t)TOP.as.i + (uint64_t)b.as.i);
                VMOVE(vm->gvals[g], TOP);
                NEXT;
            }
            SAVE_IP();
            int r = add_inplace(vm, &sp[-1], b);
            if (r < 0) goto handle_error;
            if (r == 0) {
                if (!global_assignable(vm, g)) goto handle_error;
                vm->gvals[g] = TOP;
            }
            NEXT;
        }
        /* `sum += i` as a loop body's last statement, the loop's value
         * unused: the back-edge that follows drops what the add would push
         * (it resets the stack to the loop variable), so the add goes
         * straight to it */
#define ADD_DONE(r)                                                   \
    {                                                                 \
        if (*ip == OP_FOR_LOOP) {                                     \
            ip++;                                                     \
            goto for_loop;                                            \
        }                                                             \
        PUSH(v_int(r));                                               \
        NEXT;                                                         \
    }
        CASE(ADD_LOCAL_TO_LOCAL) {
            Value *dst = &slots[rd_arg(ip)], *src = &slots[rd_arg(ip + ARG)];
            ip += 2 * ARG;
            if (IS_INT(*dst) && IS_INT(*src)) {
                int64_t r = (int64_t)((uint64_t)dst->as.i + (uint64_t)src->as.i);
                dst->as.i = r;
                ADD_DONE(r);
            }
            SAVE_IP();
            if (!add_local_slow(vm, f, false)) goto handle_error;
            LOAD_FRAME();
            NEXT;
        }
        CASE(ADD_LOCAL_TO_GLOBAL) {
            uint32_t g = rd_arg(ip);
            Value *dst = &vm->gvals[g], *src = &slots[rd_arg(ip + ARG)];
            ip += 2 * ARG;
            if (vm->gflags[g] == GF_DEFINED && IS_INT(*dst) && IS_INT(*src)) {
                int64_t r = (int64_t)((uint64_t)dst->as.i + (uint64_t)src->as.i);
                dst->as.i = r;
                ADD_DONE(r);
            }
            SAVE_IP();
            if (!add_local_slow(vm, f, true)) goto handle_error;
            LOAD_FRAME();
            NEXT;
        }
#undef ADD_DONE
        CASE(INC_DEC) {
            int8_t d = (int8_t)*ip++;
            Value v = TOP;
            if (IS_INT(v)) TOP = v_int((int64_t)((uint64_t)v.as.i + (uint64_t)(int64_t)d));
            else if (IS_REAL(v)) TOP = v_real(v.as.r + d);
            else if (IS_CHAR(v)) TOP = v_char((uint32_t)((int64_t)v.as.c + d));
            else if (IS_OT(v, OT_INSTANCE)) {
                /* x++ is x = x.plus(1), x-- is x = x.minus(1) */
                SAVE_IP();
                if (!arith(vm, d > 0 ? OP_ADD : OP_SUB, v, v_int(1), &TOP)) goto handle_error;
            } else { SAVE_IP(); vm_throw(vm, vm->c.illegal_argument, "++/-- need a number, got %s", v_type_name(vm, v)); goto handle_error; }
            NEXT;
        }
        /* `n - 1`, `n < 2`: GET_LOCAL as LOCAL_SUB_K and the like, which
         * on an Int local does the K instruction that follows as well (a
         * dispatch less for a recursive call's argument and test), and on
         * anything else is GET_LOCAL, the K instruction then running as
         * usual: no way of its own into the general operators */
#define LOCAL_K_OP(NAME, INT_RESULT)                                    \
        CASE(NAME) {                                                  \
            const Value *v = &slots[rd_arg(ip)];                      \
            if (IS_INT(*v)) {                                         \
                int64_t x = v->as.i, y = consts[rd_arg(ip + ARG + 1)].as.i; \
                ip += 2 * ARG + 1;                                    \
                INT_RESULT;                                           \
                NEXT;                                                 \
            }                                                         \
            ip += ARG;                                                \
            PUSH_ASSIGNED(v, local_unset(vm));                        \
            NEXT;                                                     \
        }
        LOCAL_K_OP(LOCAL_ADD_K, PUSH(v_int((int64_t)((uint64_t)x + (uint64_t)y))))
        LOCAL_K_OP(LOCAL_SUB_K, PUSH(v_int((int64_t)((uint64_t)x - (uint64_t)y))))
        LOCAL_K_OP(LOCAL_LT_K, COND_RESULT(x < y, 0))
#undef LOCAL_K_OP
#if VM_COLD_APART
        DEFAULT
            SAVE_IP();
            switch (vm_run_cold(vm, f, op)) {
            case VM_COLD_NEXT: break;
            case VM_COLD_SUSPEND: goto suspended;
            default: goto handle_error;
            }
            LOAD_FRAME();
            NEXT;
#else
#define COLD_CASE(n) CASE(n)
#define COLD_NEXT NEXT
#define COLD_ERROR goto handle_error
#define COLD_SUSPEND goto suspended
#include "vm_cold_ops.h"
#undef COLD_CASE
#undef COLD_NEXT
#undef COLD_ERROR
#undef COLD_SUSPEND
        DEFAULT
            SAVE_IP();
            vm_throw(vm, vm->c.illegal_state, "corrupt bytecode (opcode %d)", (int)op);
            goto handle_error;
#endif
        }
        continue;

#if VM_COLD_APART
    back_edge_slow: {
        /* a loop's back-edge with a collection or exit pending, or its
         * step budget spent: fr->ip is where the loop goes on */
        COLLECT_IF_REQUESTED();
        if (vm->exiting) goto suspended;
        if (--vm->budget == 0) { /* STEP_CHECK's work, the state already saved */
            int act = vm_budget_spent(vm);
            if (act != BUDGET_GO_ON) {
                if (act == BUDGET_YIELD) vm_ready_first(vm, f);
                goto suspended;
            }
        }
        goto reload;
    }
#endif
    handle_error: {
        Value exc = vm_take_exception(vm);
        if (!unwind(vm, f, exc)) goto finished;
        goto reload;
    }
    reload: /* the state saved in the fiber, read again */
        LOAD_FRAME();
        continue;
    }

suspended:
    if (f->state == FS_RUNNING) f->state = FS_WAITING;
    vm->current = saved;
    return;

finished:
    f->state = FS_DONE;
    vm->current = saved;
    vm_fiber_finished(vm, f);
#undef LOAD_FRAME
#undef SAVE_IP
#undef TOP
#undef POP
#undef THROW
#undef STEP_CHECK
}

/* ---------------------------------------------------------------- helpers */

NativeResult vm_call_sync(VM *vm, Value fn, Value self, int argc, Value *argv, Value *out) {
    if (vm_steps_exhausted(vm)) return vm_throw(vm, vm->c.illegal_state, "the step limit is spent");
    /* each level nests the interpreter on the C stack (an equals() using ==
     * on a field of its own class, say): bounded by the stack the levels
     * take, and on wasm by a count too (limits.h) */
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    if (!vm->sync_depth) vm->sync_stack_base = here;
    if (vm->sync_depth >= LYNG_MAX_SYNC_DEPTH || vm->sync_stack_base - here > LYNG_SYNC_STACK)
        return vm_throw(vm, vm->c.stack_overflow, "stack overflow: %s called from native code nested %d deep",
                        callable_name(fn), vm->sync_depth);
    Fiber *f = vm_fiber_new(vm, fn, argc, argv);
    if (!IS_VOID(self) && IS_OT(fn, OT_CLOSURE)) ((Closure *)fn.as.o)->self = self;
    vm->gc_paused++;
    vm->sync_depth++;
    vm_run_fiber(vm, f);
    vm->sync_depth--;
    vm->gc_paused--;
    if (f->state != FS_DONE) {
        return vm_throw(vm, vm->c.illegal_state, "%s cannot suspend here", callable_name(fn));
    }
    if (f->failed && !IS_NULL(f->result)) return vm_throw_value(vm, f->result);
    *out = f->failed ? V_VOID : f->result;
    return NR_OK;
}


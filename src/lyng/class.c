/* class.c - the runtime half of script classes: the natives the compiler's
 * class declarations call (__classNew, __classSetBase, __classBody, __method
 * kin, __superInit, __viewMember), the C3 linearisation of multiple bases,
 * property setters, and the user-defined equals/hashCode/compareTo hooks the
 * interpreter and value.c consult for `==`, `<`, maps, sets and sorting.
 *
 * A script class keeps its per-instance code, the "body" function, in its
 * statics under __body; calling the class makes an Instance and runs the body
 * with `this` bound to it (see call_class in vm.c). The body initialises the
 * bases first, in declaration order; with several bases each ancestor is
 * initialised once per instance (Instance.inited), by the first base that
 * reaches it. */
#include <stdlib.h>
#include <string.h>
#include "compiler.h" /* the opcodes of the operators */
#include "lib.h"

#define s_body (vm->cls_names.body)
#define s_abstract (vm->cls_names.abstract)
#define s_private_set (vm->cls_names.private_set)
#define s_own (vm->cls_names.own)
#define s_hidden (vm->cls_names.hidden)
#define s_equals (vm->cls_names.equals)
#define s_compare_to (vm->cls_names.compare_to)
#define base_init_native (vm->cls_names.base_init)
#define any_init_native (vm->cls_names.any_init)
#define s_hash_code (vm->cls_names.hash_code)
#define s_bases (vm->cls_names.bases)


/* Setters live among the methods under "name=", which no method name can
 * be; a name of any length. */
String *class_setter_key(VM *vm, String *name) {
    StrBuf sb;
    sb_init(&sb);
    sb_add(&sb, name->data, name->len);
    sb_addc(&sb, '=');
    String *key = str_intern(vm, sb.data, sb.len);
    sb_free(&sb);
    return key;
}

static Class *class_arg(VM *vm, Value v, const char *fn) {
    if (!IS_OT(v, OT_CLASS)) {
        vm_throw(vm, vm->c.illegal_argument, "%s: expected a class, got %s", fn, v_type_name(vm, v));
        return NULL;
    }
    return (Class *)v.as.o;
}

bool class_body_fn(VM *vm, Class *cls, Value *body) {
    /* asked at every instantiation: first where it was found last time */
    Map *st = cls->statics;
    uint32_t s = cls->body_slot;
    if (s < st->nslots && st->slots[s].live && IS_OBJ(st->slots[s].key) && st->slots[s].key.as.o == (Obj *)s_body) {
        *body = st->slots[s].value;
        return true;
    }
    int32_t found = st->live ? map_slot(st, v_obj(s_body)) : -1;
    if (found < 0) return false;
    cls->body_slot = (uint32_t)found;
    *body = st->slots[found].value;
    return true;
}

bool class_is_abstract(VM *vm, Class *cls) {
    (void)vm;
    return cls->is_abstract;
}

static void own_fn(VM *vm, Class *cls, Value fn);

/* __classNew(name, isAbstract) */
static NativeResult p_class_new(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 2 || !IS_OT(argv[0], OT_STRING)) return vm_throw(vm, vm->c.illegal_argument, "__classNew(name, abstract)");
    Class *cls = class_new(vm, ((String *)argv[0].as.o)->data, vm->c.any);
    if (v_truthy(argv[1])) map_put(vm, cls->statics, v_obj(s_abstract), V_TRUE);
    cls->is_abstract = v_truthy(argv[1]); /* asked at every instantiation */
    *out = v_obj(cls);
    return NR_OK;
}

/* cls's linearisation as a list, cls first (the super chain when it has
 * no mro). */
static List *linearisation(VM *vm, Class *cls) {
    if (cls->mro) return cls->mro;
    List *l = list_new(vm, 4);
    for (Class *c = cls; c; c = c->super) list_push(vm, l, v_obj(c));
    return l;
}

/* What the merge keeps of each class: how often it stands in a tail (past
 * the head) of the lists being merged, and where it occurs in them. A table
 * keyed by the class's address, so that "is it in any tail" and "which
 * lists does it head" cost its own occurrences, however many bases there
 * are. */
typedef struct Occurrence {
    uint32_t seq, at;
    uint32_t next; /* 1 + the class's next occurrence, 0 at the end */
} Occurrence;

typedef struct MergeState {
    Class **keys;
    uint32_t *tails, *first; /* first: 1 + the class's first occurrence, 0 for none */
    uint32_t cap;            /* a power of two, at least twice the occurrences */
    Occurrence *occ;
} MergeState;

static uint32_t merge_slot(MergeState *m, Class *k) {
    uintptr_t h = (uintptr_t)k >> 4;
    uint32_t i = (uint32_t)(h ^ (h >> 15)) & (m->cap - 1);
    while (m->keys[i] && m->keys[i] != k) i = (i + 1) & (m->cap - 1);
    m->keys[i] = k;
    return i;
}

static Class *head_of(List **seqs, uint32_t *pos, uint32_t s) { return (Class *)seqs[s]->items[pos[s]].as.o; }

/* C3: cls, then the merge of the bases' linearisations and the list of the
 * bases, each step taking the first head that is in no list's tail. NULL
 * after raising when the hierarchy has no consistent order. */
static List *c3_linearise(VM *vm, Class *cls, List *bases) {
    uint32_t n = bases->count + 1;
    List **seqs = malloc(n * sizeof *seqs);
    uint32_t *pos = calloc(n, sizeof *pos);
    size_t total = 0;
    for (uint32_t s = 0; seqs && s < n; s++) {
        seqs[s] = s + 1 < n ? linearisation(vm, (Class *)bases->items[s].as.o) : bases;
        total += seqs[s]->count;
    }
    MergeState m = {.cap = 16};
    while (m.cap < 2 * total) m.cap *= 2;
    m.keys = calloc(m.cap, sizeof *m.keys);
    m.tails = calloc(m.cap, sizeof *m.tails);
    m.first = calloc(m.cap, sizeof *m.first);
    m.occ = malloc((total ? total : 1) * sizeof *m.occ);
    List *out = NULL;
    if (!seqs || !pos || !m.keys || !m.tails || !m.first || !m.occ) {
        vm_throw(vm, vm->c.out_of_memory, "out of memory linearising class %s", cls->name->data);
        goto done;
    }
    uint32_t nocc = 0;
    for (uint32_t s = 0; s < n; s++)
        for (uint32_t j = 0; j < seqs[s]->count; j++) {
            uint32_t k = merge_slot(&m, (Class *)seqs[s]->items[j].as.o);
            m.occ[nocc] = (Occurrence){s, j, m.first[k]};
            m.first[k] = ++nocc;
            if (j) m.tails[k]++;
        }
    out = list_new(vm, 8);
    list_push(vm, out, v_obj(cls));
    /* Lists in [first, scan) are merged or have a head in some tail: only a
     * head leaving the last tail it was in can make them candidates again. */
    uint32_t first = 0, scan = 0;
    for (;;) {
        while (first < n && pos[first] >= seqs[first]->count) first++;
        if (first == n) break;
        if (scan < first) scan = first;
        Class *pick = NULL;
        for (; scan < n; scan++)
            if (pos[scan] < seqs[scan]->count && m.tails[merge_slot(&m, head_of(seqs, pos, scan))] == 0) {
                pick = head_of(seqs, pos, scan);
                break;
            }
        if (!pick) {
            /* name two bases whose orders conflict */
            const char *a = "?", *b = "?";
            for (uint32_t s = first, found = 0; s < n && found < 2; s++)
                if (pos[s] < seqs[s]->count) {
                    const char *nm = head_of(seqs, pos, s)->name->data;
                    if (found++ == 0) a = nm;
                    else if (strcmp(nm, a)) b = nm;
                    else found--;
                }
            vm_throw(vm, vm->c.illegal_argument,
                     "class %s: inconsistent hierarchy, %s and %s cannot be ordered (C3 linearisation); "
                     "list a derived class before its base",
                     cls->name->data, a, b);
            out = NULL;
            break;
        }
        list_push(vm, out, v_obj(pick));
        /* every list pick heads moves on; their new heads leave a tail */
        for (uint32_t o = m.first[merge_slot(&m, pick)]; o; o = m.occ[o - 1].next) {
            uint32_t s = m.occ[o - 1].seq;
            if (pos[s] != m.occ[o - 1].at || ++pos[s] >= seqs[s]->count) continue;
            uint32_t k = merge_slot(&m, head_of(seqs, pos, s));
            if (--m.tails[k]) continue;
            /* a new candidate: scan again from the first list it heads */
            for (uint32_t h = m.first[k]; h; h = m.occ[h - 1].next)
                if (pos[m.occ[h - 1].seq] == m.occ[h - 1].at && m.occ[h - 1].seq < scan) scan = m.occ[h - 1].seq;
        }
    }
done:
    free(seqs);
    free(pos);
    free(m.keys);
    free(m.tails);
    free(m.first);
    free(m.occ);
    return out;
}

/* __classSetBase(cls, base), once per base in declaration order: the first
 * is `super`; with more than one (or a base that has several) the class
 * gets its C3 linearisation. */
static NativeResult p_class_set_base(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 2) return vm_throw(vm, vm->c.illegal_argument, "__classSetBase(cls, base)");
    Class *cls = class_arg(vm, argv[0], "__classSetBase");
    if (!cls) return NR_ERR;
    if (!IS_OT(argv[1], OT_CLASS))
        return vm_throw(vm, vm->c.illegal_argument, "class %s can only extend a class, not %s", cls->name->data,
                        v_type_name(vm, argv[1]));
    Class *base = (Class *)argv[1].as.o;
    Value body;
    if (!class_body_fn(vm, base, &body) && base != vm->c.any && base != vm->c.iterable &&
        base != vm->c.iterator && !base->is_exception)
        return vm_throw(vm, vm->c.illegal_argument, "class %s cannot extend the built-in class %s", cls->name->data,
                        base->name->data);
    uint32_t k = 0;
    for (Class *b = base; b; b = class_next(base, b, &k))
        if (b == cls) return vm_throw(vm, vm->c.illegal_argument, "class %s cannot extend itself", cls->name->data);
    Value bv;
    if (!map_get(cls->statics, v_obj(s_bases), &bv)) {
        bv = v_obj(list_new(vm, 2));
        map_put(vm, cls->statics, v_obj(s_bases), bv);
    }
    List *bases = (List *)bv.as.o;
    for (uint32_t i = 0; i < bases->count; i++)
        if (bases->items[i].as.o == (Obj *)base)
            return vm_throw(vm, vm->c.illegal_argument, "class %s lists the base %s twice", cls->name->data,
                            base->name->data);
    if (base->is_exception && bases->count && !cls->is_exception)
        return vm_throw(vm, vm->c.illegal_argument, "class %s: the exception class %s must be its first base",
                        cls->name->data, base->name->data);
    list_push(vm, bases, v_obj(base));
    vm->member_epoch++; /* cached method lookups of cls are stale */
    if (bases->count == 1) cls->super = base;
    if (bases->count > 1 || base->mro) {
        List *mro = c3_linearise(vm, cls, bases);
        if (!mro) {
            bases->count--;
            return NR_ERR;
        }
        cls->mro = mro;
    }
    cls->is_exception |= base->is_exception;
    cls->has_setters |= base->has_setters;
    cls->has_hidden |= base->has_hidden;
    *out = V_VOID;
    return NR_OK;
}

/* __classBody(cls, fn) */
static NativeResult p_class_body(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 2 || !IS_OT(argv[1], OT_CLOSURE)) return vm_throw(vm, vm->c.illegal_argument, "__classBody(cls, fn)");
    Class *cls = class_arg(vm, argv[0], "__classBody");
    if (!cls) return NR_ERR;
    map_put(vm, cls->statics, v_obj(s_body), argv[1]);
    own_fn(vm, cls, argv[1]);
    *out = V_VOID;
    return NR_OK;
}

/* Initialising a built-in exception base on an existing instance: the
 * exception's own constructor makes a temporary, whose fields are copied. */
static NativeResult native_base_init(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (!IS_OT(self, OT_INSTANCE)) return vm_throw(vm, vm->c.illegal_state, "base constructor without an instance");
    Class *cls = self.as.o->cls, *base = cls;
    uint32_t k = 0;
    while (base && class_body_fn(vm, base, &(Value){0})) base = class_next(cls, base, &k);
    if (!base || !base->ctor) return vm_throw(vm, vm->c.illegal_state, "no base constructor");
    Value tmp;
    if (base->ctor(vm, v_obj(base), argc, argv, &tmp) != NR_OK) return NR_ERR;
    if (IS_OT(tmp, OT_INSTANCE)) {
        Map *from = ((Instance *)tmp.as.o)->fields, *to = ((Instance *)self.as.o)->fields;
        for (uint32_t i = 0; i < from->nslots; i++)
            if (from->slots[i].live) map_put(vm, to, from->slots[i].key, from->slots[i].value);
    }
    *out = V_VOID;
    return NR_OK;
}

static NativeResult no_base_init(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    (void)argv;
    if (argc) return vm_throw(vm, vm->c.illegal_argument, "Any() takes no arguments");
    *out = V_VOID;
    return NR_OK;
}

/* A base that another base of this instance initialised already: its
 * arguments were evaluated, nothing more runs. */
static NativeResult skip_base_init(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)vm;
    (void)self;
    (void)argc;
    (void)argv;
    *out = V_VOID;
    return NR_OK;
}

/* The ancestor of `cls` (or cls) whose body function is running: the caller
 * of a native called from a class body. */
static Class *running_body_class(VM *vm, Class *cls) {
    Fiber *f = vm->current;
    if (!f || !f->nframes) return NULL;
    /* the closure, not its proto: classes declared by one statement in a
     * loop share the proto */
    Closure *caller = f->frames[f->nframes - 1].closure;
    uint32_t i = 0;
    for (Class *c = cls; c; c = class_next(cls, c, &i)) {
        Value body;
        if (class_body_fn(vm, c, &body) && body.as.o == (Obj *)caller) return c;
    }
    return NULL;
}

/* __superInit(this, i), in a class body: the function that initialises
 * `this` as the body's class's i-th base, the one recorded when the class
 * was declared. */
static NativeResult p_super_init(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 2 || !IS_OT(argv[0], OT_INSTANCE) || !IS_INT(argv[1]))
        return vm_throw(vm, vm->c.illegal_argument, "__superInit(this, index)");
    Class *owner = running_body_class(vm, argv[0].as.o->cls);
    Value bases;
    if (!owner || !map_get(owner->statics, v_obj(s_bases), &bases) || argv[1].as.i < 0 ||
        argv[1].as.i >= ((List *)bases.as.o)->count)
        return vm_throw(vm, vm->c.illegal_state, "__superInit outside a class body");
    Class *base = (Class *)((List *)bases.as.o)->items[argv[1].as.i].as.o;
    if (argv[0].as.o->cls->mro) {
        /* several bases: each ancestor is initialised once per instance */
        Instance *in = (Instance *)argv[0].as.o;
        List *mro = in->h.cls->mro;
        for (uint32_t i = 0; i < mro->count; i++) {
            if (mro->items[i].as.o != (Obj *)base) continue;
            bool done;
            if (i < 64) {
                done = in->inited & ((uint64_t)1 << i);
                in->inited |= (uint64_t)1 << i;
            } else {
                if (!in->inited_more) in->inited_more = map_new(vm);
                done = map_get(in->inited_more, v_obj(base), NULL);
                map_put(vm, in->inited_more, v_obj(base), V_TRUE);
            }
            if (done) {
                *out = v_obj(vm->cls_names.skip_init);
                return NR_OK;
            }
            break;
        }
    }
    if (class_body_fn(vm, base, out)) return NR_OK;
    *out = base->ctor ? v_obj(base_init_native) : v_obj(any_init_native);
    return NR_OK;
}

/* Records a function (and the functions nested in it) as code of `cls`, which
 * may write the class's `private set` properties. */
static void own_proto(VM *vm, Map *own, Proto *p, int depth) {
    map_put(vm, own, v_obj(p), V_TRUE);
    if (depth > 16) return;
    for (uint32_t i = 0; i < p->nconsts; i++)
        if (IS_OT(p->consts[i], OT_PROTO)) own_proto(vm, own, (Proto *)p->consts[i].as.o, depth + 1);
}

static void own_fn(VM *vm, Class *cls, Value fn) {
    if (!IS_OT(fn, OT_CLOSURE)) return;
    Value own;
    if (!map_get(cls->statics, v_obj(s_own), &own)) {
        own = v_obj(set_new(vm));
        map_put(vm, cls->statics, v_obj(s_own), own);
    }
    own_proto(vm, (Map *)own.as.o, ((Closure *)fn.as.o)->proto, 0);
}

/* __classMethod(cls, name, fn), __static(cls, name, value),
 * __classGetter(cls, name, fn), __setter(cls, name, fn) */
static NativeResult add_member(VM *vm, int argc, Value *argv, Value *out, int kind) {
    static const char *names[] = {"__classMethod", "__static", "__classGetter", "__setter"};
    if (argc != 3 || !IS_OT(argv[1], OT_STRING)) return vm_throw(vm, vm->c.illegal_argument, "%s(cls, name, value)", names[kind]);
    Class *cls = class_arg(vm, argv[0], names[kind]);
    if (!cls) return NR_ERR;
    String *n = (String *)argv[1].as.o;
    String *key = str_intern(vm, n->data, n->len);
    own_fn(vm, cls, argv[2]);
    if (kind == 1) {
        map_put(vm, cls->statics, v_obj(key), argv[2]);
    } else if (kind == 3) {
        map_put(vm, cls->methods, v_obj(class_setter_key(vm, key)), argv[2]);
        cls->has_setters = true;
    } else {
        if (kind == 2) {
            Proto *p = ((Closure *)argv[2].as.o)->proto;
            p->name = vm->s_getter;
            p->implicit_it = false;
        }
        map_put(vm, cls->methods, v_obj(key), argv[2]);
    }
    *out = V_VOID;
    return NR_OK;
}

static NativeResult p_method(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    return add_member(vm, argc, argv, out, 0);
}
static NativeResult p_static(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    return add_member(vm, argc, argv, out, 1);
}
static NativeResult p_getter(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    return add_member(vm, argc, argv, out, 2);
}
static NativeResult p_setter(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    return add_member(vm, argc, argv, out, 3);
}

/* __privateSet(cls, name, isVal): the property can only be assigned by the
 * class's code, or (a val) only by its constructor. */
static NativeResult p_private_set(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 3 || !IS_OT(argv[1], OT_STRING)) return vm_throw(vm, vm->c.illegal_argument, "__privateSet(cls, name, isVal)");
    Class *cls = class_arg(vm, argv[0], "__privateSet");
    if (!cls) return NR_ERR;
    String *n = (String *)argv[1].as.o;
    map_put(vm, cls->methods, v_obj(class_setter_key(vm, str_intern(vm, n->data, n->len))),
            v_obj(v_truthy(argv[2]) ? s_abstract : s_private_set));
    cls->has_setters = true;
    *out = V_VOID;
    return NR_OK;
}


/* __baseMethod(Base, this, name): the method `name` as Base has it. */
static NativeResult p_base_method(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 3 || !IS_OT(argv[2], OT_STRING)) return vm_throw(vm, vm->c.illegal_argument, "__baseMethod(Base, this, name)");
    Class *base = class_arg(vm, argv[0], "this@Base");
    if (!base) return NR_ERR;
    if (!vm_is_instance(vm, argv[1], base))
        return vm_throw(vm, vm->c.illegal_argument, "this@%s: %s is not a %s", base->name->data, v_type_name(vm, argv[1]),
                        base->name->data);
    String *n = (String *)argv[2].as.o;
    if (!vm_find_method(vm, base, str_intern(vm, n->data, n->len), out))
        return vm_throw(vm, vm->c.symbol_not_defined, "%s has no method '%s'", base->name->data, n->data);
    return NR_OK;
}

/* __viewMember(obj, Base, name): `(obj as Base).name` and `this@Base.name`:
 * member lookup starting at Base. A method comes back bound to obj (the
 * call follows); a property getter is run; a field is read as it is. */
static NativeResult p_view_member(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 3 || !IS_OT(argv[2], OT_STRING)) return vm_throw(vm, vm->c.illegal_argument, "__viewMember(obj, Base, name)");
    Class *base = class_arg(vm, argv[1], "as");
    if (!base) return NR_ERR;
    Value obj = argv[0];
    if (!vm_is_instance(vm, obj, base))
        return vm_throw(vm, vm->c.class_cast, "cannot cast %s to %s", v_type_name(vm, obj), base->name->data);
    String *n = (String *)argv[2].as.o;
    String *name = str_intern(vm, n->data, n->len);
    if (IS_OT(obj, OT_INSTANCE)) {
        if (obj.as.o->cls->has_hidden && !class_access_hook(vm, obj, name)) return NR_ERR;
        if (map_get(((Instance *)obj.as.o)->fields, v_obj(name), out)) return NR_OK;
    }
    Value m;
    bool found = vm_find_method(vm, base, name, &m);
    /* an abstract method of Base: the object's implementation */
    if (found && IS_OT(m, OT_CLOSURE) && ((Closure *)m.as.o)->proto->abstract_stub) found = vm_find_method(vm, v_class(vm, obj), name, &m);
    if (!found || !(IS_OT(m, OT_CLOSURE) || IS_OT(m, OT_NATIVE)))
        return vm_throw(vm, vm->c.symbol_not_defined, "%s has no member '%s'", base->name->data, name->data);
    bool getter = IS_OT(m, OT_CLOSURE) ? ((Closure *)m.as.o)->proto->name == vm->s_getter
                                       : ((Native *)m.as.o)->property;
    if (getter) {
        if (IS_OT(m, OT_NATIVE)) return ((Native *)m.as.o)->fn(vm, obj, 0, NULL, out);
        return vm_call_sync(vm, m, obj, 0, NULL, out);
    }
    *out = v_obj(bound_new(vm, obj, m));
    return NR_OK;
}

/* __declareField(obj, name, initial): a field declared without a value is
 * made with `initial` unless the instance has it already. */
static NativeResult p_declare_field(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 3 || !IS_OT(argv[0], OT_INSTANCE) || !IS_OT(argv[1], OT_STRING))
        return vm_throw(vm, vm->c.illegal_argument, "__declareField(obj, name, initial)");
    Map *fields = ((Instance *)argv[0].as.o)->fields;
    if (!map_get(fields, argv[1], NULL)) map_put(vm, fields, argv[1], argv[2]);
    *out = V_VOID;
    return NR_OK;
}

/* __dynamicClass(cls): the class of `dynamic { }` objects. */
static NativeResult p_dynamic_class(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    Class *cls = argc == 1 ? class_arg(vm, argv[0], "__dynamicClass") : NULL;
    if (!cls) return NR_ERR;
    cls->is_dynamic = true;
    *out = V_VOID;
    return NR_OK;
}

/* __hide(cls, name, isProtected): a private or protected member. */
static NativeResult p_hide(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 3 || !IS_OT(argv[1], OT_STRING)) return vm_throw(vm, vm->c.illegal_argument, "__hide(cls, name, protected)");
    Class *cls = class_arg(vm, argv[0], "__hide");
    if (!cls) return NR_ERR;
    Value hidden;
    if (!map_get(cls->statics, v_obj(s_hidden), &hidden)) {
        hidden = v_obj(map_new(vm));
        map_put(vm, cls->statics, v_obj(s_hidden), hidden);
    }
    String *n = (String *)argv[1].as.o;
    map_put(vm, (Map *)hidden.as.o, v_obj(str_intern(vm, n->data, n->len)), v_bool(v_truthy(argv[2])));
    cls->has_hidden = true;
    *out = V_VOID;
    return NR_OK;
}

static bool owns_caller(VM *vm, Class *c, Proto *caller) {
    Value own;
    return caller && map_get(c->statics, v_obj(s_own), &own) && map_get((Map *)own.as.o, v_obj(caller), NULL);
}

/* ---- hooks for the interpreter ---- */

/* Reading or calling `recv.name` where recv's class has private or protected
 * members: a private one is for the declaring class's code, a protected one
 * also for the code of the classes of recv between. Raises and returns
 * false when refused. */
bool class_access_hook(VM *vm, Value recv, String *name) {
    Fiber *f = vm->current;
    Proto *caller = f && f->nframes ? f->frames[f->nframes - 1].closure->proto : NULL;
    /* a class's own private statics, or an instance's members */
    Class *cls = IS_OT(recv, OT_CLASS) ? (Class *)recv.as.o : recv.as.o->cls;
    uint32_t i = 0;
    for (Class *c = cls; c; c = class_next(cls, c, &i)) {
        Value hidden, prot;
        if (!map_get(c->statics, v_obj(s_hidden), &hidden) || !map_get((Map *)hidden.as.o, v_obj(name), &prot)) continue;
        if (owns_caller(vm, c, caller)) return true;
        /* protected: also the code of the classes before c in the order */
        uint32_t j = 0;
        if (v_truthy(prot))
            for (Class *s = cls; s && s != c; s = class_next(cls, s, &j))
                if (owns_caller(vm, s, caller)) return true;
        vm_throw(vm, vm->c.illegal_access, "%s.%s is %s", c->name->data, name->data, v_truthy(prot) ? "protected" : "private");
        return false;
    }
    return true;
}


bool class_member_hidden(VM *vm, Class *cls, String *name) {
    uint32_t i = 0;
    for (Class *c = cls; c; c = class_next(cls, c, &i)) {
        Value hidden;
        if (map_get(c->statics, v_obj(s_hidden), &hidden) && map_get((Map *)hidden.as.o, v_obj(name), NULL)) return true;
    }
    return false;
}

/* Assigning `obj.name = v` on an instance of a class with setters: runs the
 * setter, or refuses a `private set` property outside the class's code.
 * Returns false when the plain field write should happen. */
bool class_set_hook(VM *vm, Instance *in, String *name, Value v, bool *ok) {
    Value m;
    *ok = true;
    if (!vm_find_method(vm, in->h.cls, class_setter_key(vm, name), &m)) return false;
    if (IS_OT(m, OT_STRING)) {
        Fiber *f = vm->current;
        Proto *caller = f && f->nframes ? f->frames[f->nframes - 1].closure->proto : NULL;
        bool is_val = m.as.o == (Obj *)s_abstract;
        uint32_t i = 0;
        for (Class *c = in->h.cls; c && caller; c = class_next(in->h.cls, c, &i)) {
            Value own;
            if (is_val) {
                if (class_body_fn(vm, c, &own) && ((Closure *)own.as.o)->proto == caller) return false;
            } else if (map_get(c->statics, v_obj(s_own), &own) && map_get((Map *)own.as.o, v_obj(caller), &own)) {
                return false;
            }
        }
        if (is_val)
            vm_throw(vm, vm->c.illegal_assignment, "cannot assign to val '%s' of %s", name->data, in->h.cls->name->data);
        else
            vm_throw(vm, vm->c.illegal_access, "cannot set '%s' of %s: its setter is private", name->data,
                     in->h.cls->name->data);
        *ok = false;
        return true;
    }
    Value r;
    *ok = vm_call_sync(vm, m, v_obj(in), 1, &v, &r) == NR_OK;
    return true;
}

/* `a == b` where `a` is an instance whose class defines equals(). */
bool class_equals_hook(VM *vm, Value a, Value b, bool *result, bool *ok) {
    Value m, r;
    *ok = true;
    if (!vm_find_method(vm, a.as.o->cls, s_equals, &m) || !IS_OT(m, OT_CLOSURE)) return false;
    *ok = vm_call_sync(vm, m, a, 1, &b, &r) == NR_OK;
    *result = *ok && v_truthy(r);
    return true;
}

/* `a < b` and `a <=> b` where `a` is an instance whose class defines compareTo(). */
bool class_compare_hook(VM *vm, Value a, Value b, int *result, bool *ok) {
    Value m, r;
    *ok = true;
    if (!vm_find_method(vm, a.as.o->cls, s_compare_to, &m)) return false;
    if (IS_OT(m, OT_NATIVE)) *ok = ((Native *)m.as.o)->fn(vm, a, 1, &b, &r) == NR_OK;
    else if (IS_OT(m, OT_CLOSURE)) *ok = vm_call_sync(vm, m, a, 1, &b, &r) == NR_OK;
    else return false;
    if (*ok && !IS_NUM(r)) {
        vm_throw(vm, vm->c.illegal_argument, "compareTo() must return a number, got %s", v_type_name(vm, r));
        *ok = false;
    }
    if (*ok) *result = AS_NUM(r) < 0 ? -1 : AS_NUM(r) > 0 ? 1 : 0;
    return true;
}

/* ---- user equals/hashCode/compareTo called from value.c ---- */

/* Runs one of them; false (recorded in hook_failed) when it raised, or when
 * an earlier one of the same operation did. */
static bool run_user_hook(VM *vm, Value m, Value self, int argc, Value *argv, Value *r) {
    if (vm->cls_names.hook_failed) return false;
    bool ok = IS_OT(m, OT_NATIVE) ? ((Native *)m.as.o)->fn(vm, self, argc, argv, r) == NR_OK
                                  : vm_call_sync(vm, m, self, argc, argv, r) == NR_OK;
    if (!ok) vm->cls_names.hook_failed = true;
    return ok;
}

static bool user_closure(VM *vm, Class *cls, String *name, Value *m) {
    return vm_find_method(vm, cls, name, m) && IS_OT(*m, OT_CLOSURE) && !((Closure *)m->as.o)->proto->abstract_stub;
}

bool class_user_equals(Class *cls, Value a, Value b, bool *result) {
    VM *vm = cls->vm;
    Value m, r;
    if (!vm || !user_closure(vm, cls, s_equals, &m)) return false;
    *result = run_user_hook(vm, m, a, 1, &b, &r) && v_truthy(r);
    return true;
}

bool class_user_hash(Class *cls, Value v, uint32_t *hash) {
    VM *vm = cls->vm;
    Value m, r;
    if (!vm || !user_closure(vm, cls, s_hash_code, &m)) return false;
    *hash = 0;
    if (!run_user_hook(vm, m, v, 0, NULL, &r)) return true;
    if (!IS_INT(r)) {
        vm_throw(vm, vm->c.illegal_argument, "%s.hashCode() must return an Int, got %s", cls->name->data,
                 v_type_name(vm, r));
        vm->cls_names.hook_failed = true;
        return true;
    }
    uint64_t x = (uint64_t)r.as.i;
    *hash = (uint32_t)(x ^ (x >> 32));
    return true;
}

bool class_user_compare(Class *cls, Value a, Value b, int *result) {
    VM *vm = cls->vm;
    Value m, r;
    *result = 0;
    if (!vm || !vm_find_method(vm, cls, s_compare_to, &m) || !(IS_OT(m, OT_CLOSURE) || IS_OT(m, OT_NATIVE)))
        return false;
    if (!run_user_hook(vm, m, a, 1, &b, &r)) return true;
    if (!IS_NUM(r)) {
        vm_throw(vm, vm->c.illegal_argument, "compareTo() must return a number, got %s", v_type_name(vm, r));
        vm->cls_names.hook_failed = true;
        return true;
    }
    *result = AS_NUM(r) < 0 ? -1 : AS_NUM(r) > 0 ? 1 : 0;
    return true;
}

bool class_hook_failed(VM *vm) {
    if (!vm->cls_names.hook_failed) return false;
    vm->cls_names.hook_failed = false;
    return true;
}

/* __extend(Type, name, fn, isGetter) */
static NativeResult p_extend(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 4 || !IS_OT(argv[1], OT_STRING) || !IS_OT(argv[2], OT_CLOSURE))
        return vm_throw(vm, vm->c.illegal_argument, "__extend(Type, name, fn, isGetter)");
    if (!IS_OT(argv[0], OT_CLASS))
        return vm_throw(vm, vm->c.illegal_argument, "only a class can be extended, not %s", v_type_name(vm, argv[0]));
    Class *cls = (Class *)argv[0].as.o;
    String *n = (String *)argv[1].as.o;
    String *key = str_intern(vm, n->data, n->len);
    Value existing;
    *out = V_VOID;
    if (vm_find_method(vm, cls, key, &existing) && !map_get(vm->cls_names.ext, existing, NULL)) return NR_OK;
    Proto *p = ((Closure *)argv[2].as.o)->proto;
    if (v_truthy(argv[3])) {
        p->name = vm->s_getter;
        p->implicit_it = false;
    }
    map_put(vm, cls->methods, v_obj(key), argv[2]);
    map_put(vm, vm->cls_names.ext, argv[2], V_TRUE);
    return NR_OK;
}

bool class_op_method(VM *vm, Value recv, int op, Value *method) {
    return IS_OT(recv, OT_INSTANCE) && vm_find_method(vm, recv.as.o->cls, vm->cls_names.ops[op], method) &&
           (IS_OT(*method, OT_CLOSURE) || IS_OT(*method, OT_NATIVE));
}

bool class_op_hook(VM *vm, Value recv, int op, int argc, Value *argv, Value *out, bool *ok) {
    Value m;
    *ok = true;
    if (!class_op_method(vm, recv, op, &m)) return false;
    if (IS_OT(m, OT_NATIVE)) *ok = ((Native *)m.as.o)->fn(vm, recv, argc, argv, out) == NR_OK;
    else *ok = vm_call_sync(vm, m, recv, argc, argv, out) == NR_OK;
    return true;
}

bool class_arith_hook(VM *vm, int opcode, Value a, Value b, Value *out, bool *ok) {
    int m, alias = -1;
    switch (opcode) {
    case OP_ADD: m = CLS_OP_PLUS; break;
    case OP_SUB: m = CLS_OP_MINUS; break;
    case OP_MUL: m = CLS_OP_MUL, alias = CLS_OP_TIMES; break;
    case OP_DIV: m = CLS_OP_DIV; break;
    case OP_MOD: m = CLS_OP_MOD, alias = CLS_OP_REM; break;
    case OP_BAND: m = CLS_OP_BIT_AND; break;
    case OP_BOR: m = CLS_OP_BIT_OR; break;
    case OP_BXOR: m = CLS_OP_BIT_XOR; break;
    case OP_SHL: m = CLS_OP_SHL; break;
    case OP_SHR: m = CLS_OP_SHR; break;
    default: return false;
    }
    return class_op_hook(vm, a, m, 1, &b, out, ok) || (alias >= 0 && class_op_hook(vm, a, alias, 1, &b, out, ok));
}

bool class_assign_hook(VM *vm, int opcode, Value a, Value b, bool *ok) {
    int m = opcode == OP_ADD ? CLS_OP_PLUS_ASSIGN : opcode == OP_SUB ? CLS_OP_MINUS_ASSIGN
          : opcode == OP_MUL ? CLS_OP_MUL_ASSIGN : opcode == OP_DIV ? CLS_OP_DIV_ASSIGN : CLS_OP_MOD_ASSIGN;
    Value r;
    return class_op_hook(vm, a, m, 1, &b, &r, ok);
}

void lib_class_init(VM *vm) {
    static const char *ops[] = {"plus", "minus", "times", "div", "rem", "contains", "getAt", "putAt", "invoke",
                                "iterator", "hasNext", "next", "mul", "mod", "negate", "logicalNot", "bitNot",
                                "bitAnd", "bitOr", "bitXor", "shl", "shr", "plusAssign", "minusAssign",
                                "mulAssign", "divAssign", "modAssign"};
    _Static_assert(sizeof ops / sizeof *ops == CLS_OP_COUNT, "one name per CLS_OP_");
    _Static_assert(CLS_OP_COUNT <= sizeof ((VM *)0)->cls_names.ops / sizeof (String *), "room for the names");
    for (int i = 0; i < CLS_OP_COUNT; i++) {
        vm->cls_names.ops[i] = str_intern(vm, ops[i], strlen(ops[i]));
        list_push(vm, vm->roots, v_obj(vm->cls_names.ops[i]));
    }
    s_body = str_intern(vm, "__body", 6);
    s_abstract = str_intern(vm, "__abstract", 10);
    s_private_set = str_intern(vm, "__privateSet", 12);
    s_own = str_intern(vm, "__own", 5);
    s_equals = str_intern(vm, "equals", 6);
    s_compare_to = str_intern(vm, "compareTo", 9);
    s_hash_code = str_intern(vm, "hashCode", 8);
    s_bases = str_intern(vm, "__bases", 7);
    list_push(vm, vm->roots, v_obj(s_hash_code));
    list_push(vm, vm->roots, v_obj(s_bases));
    vm->cls_names.skip_init = native_new(vm, "base", skip_base_init);
    list_push(vm, vm->roots, v_obj(vm->cls_names.skip_init));
    vm->cls_names.hook_failed = false;
    list_push(vm, vm->roots, v_obj(s_body));
    list_push(vm, vm->roots, v_obj(s_abstract));
    list_push(vm, vm->roots, v_obj(s_private_set));
    list_push(vm, vm->roots, v_obj(s_own));
    list_push(vm, vm->roots, v_obj(s_equals));
    list_push(vm, vm->roots, v_obj(s_compare_to));
    base_init_native = native_new(vm, "Exception", native_base_init);
    list_push(vm, vm->roots, v_obj(base_init_native));
    any_init_native = native_new(vm, "Any", no_base_init);
    list_push(vm, vm->roots, v_obj(any_init_native));
    vm->cls_names.splat = str_new(vm, "...", 3);
    list_push(vm, vm->roots, v_obj(vm->cls_names.splat));
    vm->cls_names.ext = set_new(vm);
    list_push(vm, vm->roots, v_obj(vm->cls_names.ext));
    s_hidden = str_intern(vm, "__hidden", 8);
    list_push(vm, vm->roots, v_obj(s_hidden));
    vm_def_global_fn(vm, "__hide", p_hide);
    vm_def_global_fn(vm, "__dynamicClass", p_dynamic_class);
    vm_def_global_fn(vm, "__declareField", p_declare_field);
    vm_def_global_fn(vm, "__baseMethod", p_base_method);
    vm_def_global_fn(vm, "__viewMember", p_view_member);
    vm_def_global_fn(vm, "__extend", p_extend);
    vm_def_global_fn(vm, "__classNew", p_class_new);
    vm_def_global_fn(vm, "__classSetBase", p_class_set_base);
    vm_def_global_fn(vm, "__classBody", p_class_body);
    vm_def_global_fn(vm, "__superInit", p_super_init);
    vm_def_global_fn(vm, "__classMethod", p_method);
    vm_def_global_fn(vm, "__static", p_static);
    vm_def_global_fn(vm, "__classGetter", p_getter);
    vm_def_global_fn(vm, "__setter", p_setter);
    vm_def_global_fn(vm, "__privateSet", p_private_set);
}

/* value.c - the semantics every value shares: truth, equality (`==`),
 * identity (`===`), hashing consistent with equality, and ordering. */
#include <math.h>
#include <string.h>

#include "lib.h"
#include "limits.h"

/* A value may hold one list in many places (`a = [a, a]` sixty times, or a
 * Lynon back-reference), so walking it as a tree can take 2^60 steps.
 * Hashing visits at most HASH_WORK elements; past that a value hashes by
 * its shape only (fallback_hash). That is consistent with equality, as two
 * equal values unfold to trees of the same size. */
#define HASH_WORK (1u << 16)

/* Pairs of collections already found equal while one comparison runs, so
 * that shared parts are compared once: a small cache indexed by the pair's
 * addresses, where a newer pair may replace an older one. */
#define SAME_CACHE 64
typedef struct SameCache {
    const Obj *x[SAME_CACHE], *y[SAME_CACHE];
} SameCache;

static size_t same_slot(const Obj *x, const Obj *y) {
    uintptr_t h = ((uintptr_t)x >> 4) * 31 + ((uintptr_t)y >> 4);
    return (size_t)(h ^ (h >> 9)) % SAME_CACHE;
}
static bool known_same(const SameCache *k, const Obj *x, const Obj *y) {
    size_t i = same_slot(x, y);
    return k && k->x[i] == x && k->y[i] == y;
}
static void note_same(SameCache *k, const Obj *x, const Obj *y) {
    size_t i = same_slot(x, y);
    if (k) k->x[i] = x, k->y[i] = y;
}

/* A container nested LYNG_MAX_VALUE_DEPTH deep in a comparison: raises
 * StackOverflowException the way a failing user equals() does (the caller
 * sees class_hook_failed), and gives the comparison up. */
static bool too_deep(const Obj *o) {
    VM *vm = o->cls ? o->cls->vm : NULL;
    if (vm && !vm->cls_names.hook_failed) {
        vm_throw(vm, vm->c.stack_overflow, "values nested deeper than %d levels", LYNG_MAX_VALUE_DEPTH);
        vm->cls_names.hook_failed = true;
    }
    return false;
}

bool v_truthy(Value v) {
    if (IS_BOOL(v)) return v.as.b;
    return !IS_NULL(v);
}

bool v_identical(Value a, Value b) {
    if (a.type != b.type) return false;
    switch (a.type) {
    case VT_VOID:
    case VT_NULL:
    case VT_UNSET: return true;
    case VT_BOOL: return a.as.b == b.as.b;
    case VT_INT: return a.as.i == b.as.i;
    case VT_REAL: return a.as.r == b.as.r || (isnan(a.as.r) && isnan(b.as.r));
    case VT_CHAR: return a.as.c == b.as.c;
    default: return a.as.o == b.as.o;
    }
}

static bool num_equal(Value a, Value b) {
    if (IS_INT(a) && IS_INT(b)) return a.as.i == b.as.i;
    if (IS_REAL(a) && IS_REAL(b)) return a.as.r == b.as.r;
    /* Int vs Real: equal only when the Real is exactly that integer */
    int64_t i = IS_INT(a) ? a.as.i : b.as.i;
    double r = IS_REAL(a) ? a.as.r : b.as.r;
    if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0)) return false;
    return r == (double)(int64_t)r && (int64_t)r == i;
}

static bool equal_depth(Value a, Value b, int depth, SameCache *k);

static bool map_equal(Map *x, Map *y, int depth, SameCache *k) {
    if ((x->h.flags & OF_SET) != (y->h.flags & OF_SET) || x->live != y->live) return false;
    for (uint32_t i = 0; i < x->nslots; i++) {
        MapSlot *s = &x->slots[i];
        if (!s->live) continue;
        Value other;
        if (!map_get(y, s->key, &other)) return false;
        if (!equal_depth(s->value, other, depth + 1, k)) return false;
    }
    return true;
}

static bool equal_depth(Value a, Value b, int depth, SameCache *k) {
    if (IS_NUM(a) && IS_NUM(b)) return num_equal(a, b);
    if (a.type != b.type) return false;
    if (!IS_OBJ(a)) return v_identical(a, b);
    Obj *x = a.as.o, *y = b.as.o;
    if (x == y) return true;
    if (x->type != y->type) return false;
    if (depth >= LYNG_MAX_VALUE_DEPTH && x->type != OT_STRING && x->type != OT_BUFFER) return too_deep(x);
    switch (x->type) {
    case OT_STRING: {
        String *s = (String *)x, *t = (String *)y;
        return s->len == t->len && s->hash == t->hash && memcmp(s->data, t->data, s->len) == 0;
    }
    case OT_LIST: {
        List *l = (List *)x, *m = (List *)y;
        if (l->count != m->count) return false;
        if (known_same(k, x, y)) return true;
        for (uint32_t i = 0; i < l->count; i++)
            if (!equal_depth(l->items[i], m->items[i], depth + 1, k)) return false;
        note_same(k, x, y);
        return true;
    }
    case OT_MAP:
        if (known_same(k, x, y)) return true;
        if (!map_equal((Map *)x, (Map *)y, depth, k)) return false;
        note_same(k, x, y);
        return true;
    case OT_INSTANCE: {
        bool user;
        if (class_user_equals(x->cls, a, b, &user)) return user;
        /* script classes without equals(): same class, equal fields */
        return x->cls == y->cls && map_equal(((Instance *)x)->fields, ((Instance *)y)->fields, depth, k);
    }
    case OT_RANGE: {
        Range *r = (Range *)x, *s = (Range *)y;
        return r->inclusive == s->inclusive && equal_depth(r->start, s->start, depth + 1, k) &&
               equal_depth(r->end, s->end, depth + 1, k);
    }
    case OT_ENTRY: {
        Entry *e = (Entry *)x, *f = (Entry *)y;
        return equal_depth(e->key, f->key, depth + 1, k) && equal_depth(e->value, f->value, depth + 1, k);
    }
    case OT_BUFFER: {
        Buffer *p = (Buffer *)x, *q = (Buffer *)y;
        return p->len == q->len && (p->len == 0 || memcmp(p->data, q->data, p->len) == 0);
    }
    case OT_BOUND: {
        /* `obj.method` taken twice is the same function */
        Bound *p = (Bound *)x, *q = (Bound *)y;
        return v_identical(p->self, q->self) && v_identical(p->fn, q->fn);
    }
    default: return false;
    }
}

bool v_equal(Value a, Value b) {
    if (!IS_OBJ(a) || !IS_OBJ(b) || a.as.o->type == OT_STRING) return equal_depth(a, b, 0, NULL);
    SameCache k = {0};
    return equal_depth(a, b, 0, &k);
}

/* ---- hashing ---- */


static uint32_t hash_depth(Value v, int depth, uint32_t *work) {
    switch (v.type) {
    case VT_VOID: return 0x9e3779b1u;
    case VT_NULL: return 0x85ebca6bu;
    case VT_UNSET: return 0xc2b2ae35u;
    case VT_BOOL: return v.as.b ? 1231u : 1237u;
    case VT_INT: return v_mix64((uint64_t)v.as.i);
    case VT_CHAR: return v_mix64(((uint64_t)v.as.c) ^ 0x63686172ULL);
    case VT_REAL: {
        double r = v.as.r;
        /* a Real equal to an Int must hash like that Int */
        if (r >= -9223372036854775808.0 && r < 9223372036854775808.0 && r == (double)(int64_t)r)
            return v_mix64((uint64_t)(int64_t)r);
        if (isnan(r)) return 0x7ff80000u;
        uint64_t bits;
        memcpy(&bits, &r, sizeof bits);
        return v_mix64(bits);
    }
    default: break;
    }
    Obj *o = v.as.o;
    if (depth >= LYNG_MAX_VALUE_DEPTH) return 17; /* consistent with ==, which gives up there */
    if (++*work > HASH_WORK) return 0; /* the result is dropped (v_hash) */
    switch (o->type) {
    case OT_STRING: return ((String *)o)->hash;
    case OT_LIST: {
        List *l = (List *)o;
        uint32_t h = 1;
        for (uint32_t i = 0; i < l->count && *work <= HASH_WORK; i++) h = h * 31 + hash_depth(l->items[i], depth + 1, work);
        return h;
    }
    case OT_MAP: {
        /* order-independent, like equality */
        Map *m = (Map *)o;
        uint32_t h = (o->flags & OF_SET) ? 0x5e7u : 0x3a9u;
        for (uint32_t i = 0; i < m->nslots && *work <= HASH_WORK; i++) {
            if (!m->slots[i].live) continue;
            h += hash_depth(m->slots[i].key, depth + 1, work) ^ (hash_depth(m->slots[i].value, depth + 1, work) * 0x9e3779b1u);
        }
        return h;
    }
    case OT_INSTANCE: {
        uint32_t user;
        if (class_user_hash(o->cls, v, &user)) return user;
        return hash_depth(v_obj(((Instance *)o)->fields), depth, work) ^ v_mix64((uint64_t)(uintptr_t)o->cls);
    }
    case OT_RANGE: {
        Range *r = (Range *)o;
        return (hash_depth(r->start, depth + 1, work) * 31 + hash_depth(r->end, depth + 1, work)) * 2 + r->inclusive;
    }
    case OT_ENTRY: {
        Entry *e = (Entry *)o;
        return hash_depth(e->key, depth + 1, work) * 31 + hash_depth(e->value, depth + 1, work);
    }
    case OT_BUFFER: {
        Buffer *b = (Buffer *)o;
        return hash_bytes((const char *)b->data, b->len) ^ 0xb0ffu;
    }
    case OT_BOUND: {
        Bound *b = (Bound *)o;
        return hash_depth(b->self, depth + 1, work) * 31 + hash_depth(b->fn, depth + 1, work);
    }
    default: return v_mix64((uint64_t)(uintptr_t)o);
    }
}

/* A value too large to hash whole: its kind and size, which equal values
 * share. */
static uint32_t fallback_hash(Value v) {
    Obj *o = v.as.o;
    uint32_t n = o->type == OT_LIST ? ((List *)o)->count : o->type == OT_MAP ? ((Map *)o)->live : 0;
    return v_mix64(((uint64_t)o->type << 32) | n) ^ (o->type == OT_INSTANCE ? v_mix64((uint64_t)(uintptr_t)o->cls) : 0);
}

uint32_t v_hash(Value v) {
    uint32_t work = 0;
    uint32_t h = hash_depth(v, 0, &work);
    return work > HASH_WORK ? fallback_hash(v) : h;
}

/* ---- ordering ---- */

static int sign_of(int c) { return c < 0 ? -1 : c > 0 ? 1 : 0; }

static bool compare_depth(Value a, Value b, int *result, int depth, SameCache *k);

/* Instances of a script class without compareTo(): field by field, in the
 * order the fields were made (constructor parameters first). */
static bool fields_compare(Map *x, Map *y, int *result, int depth, SameCache *k) {
    for (uint32_t i = 0; i < x->nslots; i++) {
        MapSlot *s = &x->slots[i];
        Value other;
        if (!s->live) continue;
        if (!map_get(y, s->key, &other) || !compare_depth(s->value, other, result, depth + 1, k)) return false;
        if (*result) return true;
    }
    *result = 0;
    return true;
}

static bool compare_depth(Value a, Value b, int *result, int depth, SameCache *k) {
    if (IS_NUM(a) && IS_NUM(b)) {
        if (IS_INT(a) && IS_INT(b)) {
            *result = a.as.i < b.as.i ? -1 : a.as.i > b.as.i ? 1 : 0;
            return true;
        }
        double x = AS_NUM(a), y = AS_NUM(b);
        /* total order as Kotlin's compareTo: NaN above everything */
        if (isnan(x) || isnan(y)) *result = isnan(x) ? (isnan(y) ? 0 : 1) : -1;
        else *result = x < y ? -1 : x > y ? 1 : 0;
        return true;
    }
    if (a.type != b.type) return false;
    switch (a.type) {
    case VT_CHAR: *result = a.as.c < b.as.c ? -1 : a.as.c > b.as.c ? 1 : 0; return true;
    case VT_BOOL: *result = (int)a.as.b - (int)b.as.b; return true;
    case VT_OBJ: break;
    default: return false;
    }
    Obj *x = a.as.o, *y = b.as.o;
    if (x->type != y->type) return false;
    /* past the limit the values are not comparable (callers say so) */
    if (depth >= LYNG_MAX_VALUE_DEPTH && x->type != OT_STRING) return false;
    switch (x->type) {
    case OT_STRING: {
        /* bytewise UTF-8 order is code point order */
        String *s = (String *)x, *t = (String *)y;
        uint32_t n = s->len < t->len ? s->len : t->len;
        int c = memcmp(s->data, t->data, n);
        *result = c ? sign_of(c) : (s->len < t->len ? -1 : s->len > t->len ? 1 : 0);
        return true;
    }
    case OT_LIST: {
        List *l = (List *)x, *m = (List *)y;
        if (known_same(k, x, y)) {
            *result = 0;
            return true;
        }
        uint32_t n = l->count < m->count ? l->count : m->count;
        for (uint32_t i = 0; i < n; i++) {
            int c;
            if (!compare_depth(l->items[i], m->items[i], &c, depth + 1, k)) return false;
            if (c) {
                *result = c;
                return true;
            }
        }
        *result = l->count < m->count ? -1 : l->count > m->count ? 1 : 0;
        if (!*result) note_same(k, x, y);
        return true;
    }
    case OT_BUFFER: {
        Buffer *p = (Buffer *)x, *q = (Buffer *)y;
        uint32_t n = p->len < q->len ? p->len : q->len;
        int c = n ? memcmp(p->data, q->data, n) : 0;
        *result = c ? sign_of(c) : (p->len < q->len ? -1 : p->len > q->len ? 1 : 0);
        return true;
    }
    case OT_INSTANCE: return class_user_compare(x->cls, a, b, result) || (x->cls == y->cls &&
               fields_compare(((Instance *)x)->fields, ((Instance *)y)->fields, result, depth, k));
    default: return false;
    }
}

bool v_compare(Value a, Value b, int *result) {
    if (!IS_OBJ(a) || !IS_OBJ(b) || a.as.o->type == OT_STRING) return compare_depth(a, b, result, 0, NULL);
    SameCache k = {0};
    return compare_depth(a, b, result, 0, &k);
}

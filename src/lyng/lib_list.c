/* lib_list.c - List and Range members, and the operations every builtin
 * iterable (List, Set, Range, Map, Buffer, String) shares through class
 * Iterable.
 * Operations taking a lambda live in the prelude, written in Lyng, so the
 * lambda may suspend; the few here that accept one run it synchronously. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"

#define UNUSED(x) (void)(x)
#define MAX_MATERIALISE 100000000 /* elements a range may expand to */

bool list_index(VM *vm, List *l, int64_t i, uint32_t *out) {
    int64_t k = i < 0 ? i + (int64_t)l->count : i;
    if (k < 0 || k >= (int64_t)l->count) {
        vm_throw(vm, vm->c.index_out_of_bounds, "index %lld is out of bounds for size %u", (long long)i, l->count);
        return false;
    }
    *out = (uint32_t)k;
    return true;
}

/* Number of elements of an Int/Char range; -1 after raising. */
static int64_t range_count(VM *vm, Range *r, int64_t *start) {
    if (IS_NULL(r->start) || IS_NULL(r->end)) {
        vm_throw(vm, vm->c.illegal_argument, "an open range cannot be iterated");
        return -1;
    }
    bool ints = IS_INT(r->start) && IS_INT(r->end), chars = IS_CHAR(r->start) && IS_CHAR(r->end);
    if (!ints && !chars) {
        vm_throw(vm, vm->c.illegal_argument, "a range of %s cannot be iterated", v_type_name(vm, r->start));
        return -1;
    }
    int64_t a = ints ? r->start.as.i : (int64_t)r->start.as.c;
    int64_t b = ints ? r->end.as.i : (int64_t)r->end.as.c;
    *start = a;
    if (b < a || (b == a && !r->inclusive)) return 0;
    /* the difference may not fit in int64: compare before subtracting */
    if ((b > 0 && a < 0 && b - MAX_MATERIALISE > a) || b - a >= MAX_MATERIALISE) return INT64_MAX;
    return b - a + (r->inclusive ? 1 : 0);
}

List *iter_to_list(VM *vm, Value v) {
    if (IS_OT(v, OT_LIST)) return (List *)v.as.o;
    if (!IS_OBJ(v)) goto bad;
    switch (v.as.o->type) {
    case OT_RANGE: {
        Range *r = (Range *)v.as.o;
        int64_t start;
        int64_t n = range_count(vm, r, &start);
        if (n < 0) return NULL;
        if (n > MAX_MATERIALISE) {
            vm_throw(vm, vm->c.illegal_argument, "range has more than %d elements", MAX_MATERIALISE);
            return NULL;
        }
        if (!vm_reserve(vm, (uint64_t)n * sizeof(Value))) return NULL;
        List *l = list_new(vm, (uint32_t)n);
        bool chars = IS_CHAR(r->start);
        for (int64_t i = 0; i < n; i++)
            l->items[l->count++] = chars ? v_char((uint32_t)(start + i)) : v_int(start + i);
        return l;
    }
    case OT_MAP: {
        Map *m = (Map *)v.as.o;
        bool set = (m->h.flags & OF_SET) != 0;
        List *l = list_new(vm, m->live);
        for (uint32_t i = 0; i < m->nslots; i++) {
            MapSlot *s = &m->slots[i];
            if (!s->live) continue;
            list_push(vm, l, set ? s->key : v_obj(entry_new(vm, s->key, s->value)));
        }
        return l;
    }
    case OT_BUFFER: {
        Buffer *b = (Buffer *)v.as.o;
        List *l = list_new(vm, b->len);
        for (uint32_t i = 0; i < b->len; i++) l->items[l->count++] = v_int(b->data[i]);
        return l;
    }
    case OT_STRING: {
        String *s = (String *)v.as.o;
        List *l = list_new(vm, s->nchars);
        size_t i = 0;
        while (i < s->len) list_push(vm, l, v_char(utf8_next(s->data, s->len, &i)));
        return l;
    }
    case OT_INSTANCE: {
        /* a script class that is Iterable gives its elements by toList(),
         * else by iterator() and its hasNext()/next() */
        Value m, r, it, more, x;
        if (!vm_is_instance(vm, v, vm->c.iterable)) break;
        if (vm_find_method(vm, v.as.o->cls, str_intern(vm, "toList", 6), &m) && IS_OT(m, OT_CLOSURE)) {
            if (vm_call_sync(vm, m, v, 0, NULL, &r) != NR_OK) return NULL;
            if (IS_OT(r, OT_LIST)) return (List *)r.as.o;
            vm_throw(vm, vm->c.illegal_argument, "%s.toList() did not return a List", v_type_name(vm, v));
            return NULL;
        }
        if (!vm_find_method(vm, v.as.o->cls, str_intern(vm, "iterator", 8), &m)) break;
        if (vm_call_sync(vm, m, v, 0, NULL, &it) != NR_OK) return NULL;
        Value has_next, next;
        if (!IS_OBJ(it) || !vm_find_method(vm, v_class(vm, it), str_intern(vm, "hasNext", 7), &has_next) ||
            !vm_find_method(vm, v_class(vm, it), str_intern(vm, "next", 4), &next)) {
            vm_throw(vm, vm->c.illegal_argument, "%s.iterator() has no hasNext()/next()", v_type_name(vm, v));
            return NULL;
        }
        List *l = list_new(vm, 0);
        list_push(vm, vm->roots, v_obj(l));
        list_push(vm, vm->roots, it);
        bool ok;
        while ((ok = vm_call_sync(vm, has_next, it, 0, NULL, &more) == NR_OK) && v_truthy(more) &&
               (ok = vm_call_sync(vm, next, it, 0, NULL, &x) == NR_OK)) {
            list_push(vm, l, x);
            /* an iterator that never ends fills memory here, where no
             * safe point of the run loop would notice */
            if (vm->oom && !vm->gc_paused) gc_collect(vm);
            if (vm->oom) {
                vm_throw(vm, vm->c.out_of_memory, "memory limit of %zu MiB exceeded", vm->mem_limit >> 20);
                ok = false;
                break;
            }
        }
        vm->roots->count -= 2;
        return ok ? l : NULL;
    }
    default: break;
    }
bad:
    vm_throw(vm, vm->c.illegal_argument, "%s is not iterable", v_type_name(vm, v));
    return NULL;
}

/* ---- shared helpers ---- */

static bool given(int argc, Value *argv, int i) { return i < argc && !IS_UNSET(argv[i]) && !IS_NULL(argv[i]); }

static bool is_callable(Value v) {
    return IS_OT(v, OT_CLOSURE) || IS_OT(v, OT_NATIVE) || IS_OT(v, OT_BOUND);
}

static bool count_arg(VM *vm, int argc, Value *argv, int i, const char *fn, int64_t *n) {
    if (!arg_int(vm, argv, argc, i, fn, n)) return false;
    if (*n < 0) {
        vm_throw(vm, vm->c.illegal_argument, "requested element count %lld is less than zero", (long long)*n);
        return false;
    }
    return true;
}

static List *slice(VM *vm, List *l, uint32_t from, uint32_t to) {
    List *r = list_new(vm, to > from ? to - from : 0);
    for (uint32_t i = from; i < to; i++) r->items[r->count++] = l->items[i];
    return r;
}

/* Stable merge sort by v_compare; false (after raising) when two elements
 * cannot be compared. */
static bool sort_values(VM *vm, Value *items, uint32_t n, bool descending) {
    if (n < 2) return true;
    Value *tmp = malloc(sizeof(Value) * n);
    if (!tmp) abort();
    bool ok = true;
    Value bad_a = V_VOID, bad_b = V_VOID;
    for (uint32_t width = 1; width < n && ok; width *= 2) {
        for (uint32_t lo = 0; lo < n && ok; lo += 2 * width) {
            uint32_t mid = lo + width < n ? lo + width : n;
            uint32_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            uint32_t a = lo, b = mid, k = lo;
            while (a < mid && b < hi) {
                int c;
                if (!v_compare(items[b], items[a], &c)) {
                    ok = false;
                    bad_a = items[a];
                    bad_b = items[b];
                    break;
                }
                if (descending) c = -c;
                tmp[k++] = c < 0 ? items[b++] : items[a++];
            }
            if (!ok) break;
            while (a < mid) tmp[k++] = items[a++];
            while (b < hi) tmp[k++] = items[b++];
            memcpy(items + lo, tmp + lo, sizeof(Value) * (hi - lo));
        }
    }
    free(tmp);
    if (!ok) vm_throw(vm, vm->c.illegal_argument, "cannot compare %s with %s", v_type_name(vm, bad_a), v_type_name(vm, bad_b));
    return ok;
}

/* Calls a one-argument predicate/transform synchronously. */
static bool call1(VM *vm, Value fn, Value x, Value *out) { return vm_call_sync(vm, fn, V_VOID, 1, &x, out) == NR_OK; }

static NativeResult pred_result(VM *vm, Value r, bool *yes) {
    if (!IS_BOOL(r)) return vm_throw(vm, vm->c.illegal_argument, "a predicate must return a Bool, got %s", v_type_name(vm, r));
    *yes = r.as.b;
    return NR_OK;
}

/* ---- List ---- */

#define SELF_LIST ((List *)self.as.o)

static NativeResult l_size(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    *out = v_int(SELF_LIST->count);
    return NR_OK;
}

static NativeResult l_last_index(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    *out = v_int((int64_t)SELF_LIST->count - 1);
    return NR_OK;
}

static NativeResult l_indices(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    *out = v_obj(range_new(vm, v_int(0), v_int(SELF_LIST->count), false));
    return NR_OK;
}

NativeResult list_add_native(VM *vm, Value self, int argc, Value *argv, Value *out) {
    *out = V_VOID;
    if (argc == 1) { /* the common case: one call, no loop */
        List *l = SELF_LIST;
        /* with room, no call (on wasm list_push stays one) */
        if (l->count < l->cap) l->items[l->count++] = argv[0];
        else list_push_ref(vm, l, argv);
        return NR_OK;
    }
    for (int i = 0; i < argc; i++) list_push_ref(vm, SELF_LIST, &argv[i]);
    return NR_OK;
}

static NativeResult l_add_all(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (arg_count(vm, argc, 1, 1, "addAll") != NR_OK) return NR_ERR;
    List *src = iter_to_list(vm, argv[0]);
    if (!src) return NR_ERR;
    uint32_t n = src->count; /* src may be self */
    for (uint32_t i = 0; i < n; i++) list_push(vm, SELF_LIST, src->items[i]);
    *out = V_VOID;
    return NR_OK;
}

static NativeResult l_insert_at(VM *vm, Value self, int argc, Value *argv, Value *out) {
    List *l = SELF_LIST;
    int64_t i;
    if (!arg_int(vm, argv, argc, 0, "insertAt", &i)) return NR_ERR;
    int64_t k = i < 0 ? i + (int64_t)l->count : i;
    if (k < 0 || k > (int64_t)l->count)
        return vm_throw(vm, vm->c.index_out_of_bounds, "index %lld is out of bounds for size %u", (long long)i, l->count);
    uint32_t n = (uint32_t)(argc - 1);
    for (uint32_t j = 0; j < n; j++) list_push(vm, l, V_VOID); /* grow */
    memmove(l->items + k + n, l->items + k, sizeof(Value) * (l->count - n - (uint32_t)k));
    for (uint32_t j = 0; j < n; j++) l->items[k + j] = argv[1 + j];
    *out = V_VOID;
    return NR_OK;
}

static void remove_span(List *l, uint32_t from, uint32_t to) {
    memmove(l->items + from, l->items + to, sizeof(Value) * (l->count - to));
    l->count -= to - from;
}

static NativeResult l_remove_at(VM *vm, Value self, int argc, Value *argv, Value *out) {
    int64_t i;
    uint32_t k;
    if (arg_count(vm, argc, 1, 1, "removeAt") != NR_OK || !arg_int(vm, argv, argc, 0, "removeAt", &i)) return NR_ERR;
    if (!list_index(vm, SELF_LIST, i, &k)) return NR_ERR;
    remove_span(SELF_LIST, k, k + 1);
    *out = self;
    return NR_OK;
}

static NativeResult remove_end(VM *vm, Value self, int argc, Value *argv, Value *out, bool last) {
    List *l = SELF_LIST;
    const char *fn = last ? "removeLast" : "removeFirst";
    int64_t n = 1;
    if (given(argc, argv, 0) && !count_arg(vm, argc, argv, 0, fn, &n)) return NR_ERR;
    if (l->count == 0 && !given(argc, argv, 0)) return vm_throw(vm, vm->c.no_such_element, "list is empty");
    if (n > (int64_t)l->count)
        return vm_throw(vm, vm->c.index_out_of_bounds, "cannot remove %lld elements from a list of size %u", (long long)n, l->count);
    *out = self;
    if (last) l->count -= (uint32_t)n;
    else remove_span(l, 0, (uint32_t)n);
    return NR_OK;
}

static NativeResult l_remove_last(VM *vm, Value self, int argc, Value *argv, Value *out) {
    return remove_end(vm, self, argc, argv, out, true);
}

static NativeResult l_remove_first(VM *vm, Value self, int argc, Value *argv, Value *out) {
    return remove_end(vm, self, argc, argv, out, false);
}

static NativeResult l_remove_range(VM *vm, Value self, int argc, Value *argv, Value *out) {
    List *l = SELF_LIST;
    if (arg_count(vm, argc, 1, 2, "removeRange") != NR_OK) return NR_ERR;
    int64_t a, b;
    if (argc == 2) { /* removeRange(from, toExclusive), as Kotlin */
        if (!arg_int(vm, argv, argc, 0, "removeRange", &a) || !arg_int(vm, argv, argc, 1, "removeRange", &b)) return NR_ERR;
    } else {
        if (!IS_OT(argv[0], OT_RANGE)) return vm_throw(vm, vm->c.illegal_argument, "removeRange needs a Range, got %s", v_type_name(vm, argv[0]));
        Range *r = (Range *)argv[0].as.o;
        if ((!IS_NULL(r->start) && !IS_INT(r->start)) || (!IS_NULL(r->end) && !IS_INT(r->end)))
            return vm_throw(vm, vm->c.illegal_argument, "removeRange needs an Int range");
        a = IS_NULL(r->start) ? 0 : r->start.as.i;
        if (a < 0) a += l->count;
        b = IS_NULL(r->end) ? l->count : r->end.as.i;
        if (!IS_NULL(r->end)) {
            if (b < 0) b += l->count;
            if (r->inclusive) b++;
        }
    }
    if (a < 0 || b > (int64_t)l->count || a > b)
        return vm_throw(vm, vm->c.index_out_of_bounds, "range %lld..<%lld is out of bounds for size %u", (long long)a, (long long)b, l->count);
    remove_span(l, (uint32_t)a, (uint32_t)b);
    *out = self;
    return NR_OK;
}

/* remove(x): the first element equal to x, giving a Bool; remove(range) and
 * remove(from, toExclusive) remove a span like removeRange. */
static NativeResult l_remove(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (arg_count(vm, argc, 1, 2, "remove") != NR_OK) return NR_ERR;
    if (argc == 2 || IS_OT(argv[0], OT_RANGE)) return l_remove_range(vm, self, argc, argv, out);
    List *l = SELF_LIST;
    *out = V_FALSE;
    for (uint32_t i = 0; i < l->count; i++)
        if (v_equal(l->items[i], argv[0])) {
            remove_span(l, i, i + 1);
            *out = V_TRUE;
            break;
        }
    return NR_OK;
}

static NativeResult l_clear(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    SELF_LIST->count = 0;
    *out = V_VOID;
    return NR_OK;
}

static NativeResult l_sort(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    if (!sort_values(vm, SELF_LIST->items, SELF_LIST->count, false)) return NR_ERR;
    *out = V_VOID;
    return NR_OK;
}

static NativeResult l_reverse(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    List *l = SELF_LIST;
    for (uint32_t i = 0, j = l->count; i + 1 < j; i++, j--) {
        Value t = l->items[i];
        l->items[i] = l->items[j - 1];
        l->items[j - 1] = t;
    }
    *out = V_VOID;
    return NR_OK;
}

/* ---- Iterable ---- */

#define ITEMS()                                  \
    List *items = iter_to_list(vm, self);        \
    if (!items) return NR_ERR

static NativeResult i_size(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    if (IS_OT(self, OT_MAP)) {
        *out = v_int(((Map *)self.as.o)->live);
        return NR_OK;
    }
    if (IS_OT(self, OT_RANGE)) {
        int64_t start, n = range_count(vm, (Range *)self.as.o, &start);
        if (n < 0) return NR_ERR;
        if (n == INT64_MAX) { /* too big to list, not to count */
            Range *r = (Range *)self.as.o;
            n = (int64_t)((uint64_t)r->end.as.i - (uint64_t)r->start.as.i) + (r->inclusive ? 1 : 0);
        }
        *out = v_int(n);
        return NR_OK;
    }
    ITEMS();
    *out = v_int(items->count);
    return NR_OK;
}

static NativeResult i_is_empty(VM *vm, Value self, int argc, Value *argv, Value *out) {
    Value n;
    if (i_size(vm, self, argc, argv, &n) != NR_OK) return NR_ERR;
    *out = v_bool(n.as.i == 0);
    return NR_OK;
}

static NativeResult i_is_not_empty(VM *vm, Value self, int argc, Value *argv, Value *out) {
    Value n;
    if (i_size(vm, self, argc, argv, &n) != NR_OK) return NR_ERR;
    *out = v_bool(n.as.i != 0);
    return NR_OK;
}

/* Is range `in` inside range `out`, taking end-inclusiveness into account? */
static bool range_within(Range *in, Range *out) {
    int c;
    if (!IS_NULL(out->start)) {
        if (IS_NULL(in->start) || !v_compare(in->start, out->start, &c) || c < 0) return false;
    }
    if (IS_NULL(out->end)) return true;
    if (IS_NULL(in->end)) return false;
    if (IS_INT(in->end) && IS_INT(out->end)) { /* compare last members */
        int64_t a = in->end.as.i - (in->inclusive ? 0 : 1), b = out->end.as.i - (out->inclusive ? 0 : 1);
        return a <= b;
    }
    if (!v_compare(in->end, out->end, &c)) return false;
    return c < 0 || (c == 0 && (out->inclusive || !in->inclusive));
}

bool range_contains(Range *r, Value x) {
    if (IS_OT(x, OT_RANGE)) return range_within((Range *)x.as.o, r);
    int c;
    bool in = true;
    if (!IS_NULL(r->start)) in = v_compare(r->start, x, &c) && c <= 0;
    if (in && !IS_NULL(r->end)) in = v_compare(x, r->end, &c) && (r->inclusive ? c <= 0 : c < 0);
    return in;
}

static NativeResult i_contains(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (arg_count(vm, argc, 1, 1, "contains") != NR_OK) return NR_ERR;
    Value x = argv[0];
    if (IS_OT(self, OT_MAP)) {
        *out = v_bool(map_get((Map *)self.as.o, x, NULL));
        return NR_OK;
    }
    if (IS_OT(self, OT_RANGE)) {
        *out = v_bool(range_contains((Range *)self.as.o, x));
        return NR_OK;
    }
    ITEMS();
    *out = V_FALSE;
    for (uint32_t i = 0; i < items->count; i++)
        if (v_equal(items->items[i], x)) {
            *out = V_TRUE;
            break;
        }
    return NR_OK;
}

static NativeResult index_of(VM *vm, Value self, int argc, Value *argv, Value *out, bool last) {
    if (arg_count(vm, argc, 1, 1, last ? "lastIndexOf" : "indexOf") != NR_OK) return NR_ERR;
    ITEMS();
    *out = v_int(-1);
    for (uint32_t k = 0; k < items->count; k++) {
        uint32_t i = last ? items->count - 1 - k : k;
        if (v_equal(items->items[i], argv[0])) {
            *out = v_int(i);
            break;
        }
    }
    return NR_OK;
}

static NativeResult i_index_of(VM *vm, Value self, int argc, Value *argv, Value *out) {
    return index_of(vm, self, argc, argv, out, false);
}

static NativeResult i_last_index_of(VM *vm, Value self, int argc, Value *argv, Value *out) {
    return index_of(vm, self, argc, argv, out, true);
}

/* first / last / firstOrNull / lastOrNull, optionally with a predicate */
static NativeResult pick_end(VM *vm, Value self, int argc, Value *argv, Value *out, bool last, bool or_null) {
    bool pred = argc > 0 && is_callable(argv[0]);
    if (!pred && IS_OT(self, OT_RANGE)) {
        Range *r = (Range *)self.as.o;
        Value end = r->end;
        if (!last && !IS_NULL(r->start)) {
            int c;
            bool empty = !IS_NULL(end) && v_compare(r->start, end, &c) && (r->inclusive ? c > 0 : c >= 0);
            if (!empty) {
                *out = r->start;
                return NR_OK;
            }
        } else if (last && IS_INT(end) && !IS_NULL(r->start)) {
            int64_t e = r->inclusive ? end.as.i : end.as.i - 1;
            if (IS_INT(r->start) && e >= r->start.as.i) {
                *out = v_int(e);
                return NR_OK;
            }
        }
    }
    ITEMS();
    for (uint32_t k = 0; k < items->count; k++) {
        Value x = items->items[last ? items->count - 1 - k : k];
        if (pred) {
            Value r;
            bool yes = false;
            if (!call1(vm, argv[0], x, &r) || pred_result(vm, r, &yes) != NR_OK) return NR_ERR;
            if (!yes) continue;
        }
        *out = x;
        return NR_OK;
    }
    if (or_null) {
        *out = V_NULL;
        return NR_OK;
    }
    if (pred) return vm_throw(vm, vm->c.no_such_element, "no element matches the predicate");
    return vm_throw(vm, vm->c.no_such_element, "%s is empty", v_type_name(vm, self));
}

static NativeResult i_first(VM *vm, Value self, int argc, Value *argv, Value *out) { return pick_end(vm, self, argc, argv, out, false, false); }
static NativeResult i_last(VM *vm, Value self, int argc, Value *argv, Value *out) { return pick_end(vm, self, argc, argv, out, true, false); }
static NativeResult i_first_or_null(VM *vm, Value self, int argc, Value *argv, Value *out) { return pick_end(vm, self, argc, argv, out, false, true); }
static NativeResult i_last_or_null(VM *vm, Value self, int argc, Value *argv, Value *out) { return pick_end(vm, self, argc, argv, out, true, true); }

static NativeResult sorted(VM *vm, Value self, Value *out, bool descending) {
    ITEMS();
    List *r = slice(vm, items, 0, items->count);
    if (!sort_values(vm, r->items, r->count, descending)) return NR_ERR;
    *out = v_obj(r);
    return NR_OK;
}

static NativeResult i_sorted(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    return sorted(vm, self, out, false);
}

static NativeResult i_sorted_descending(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    return sorted(vm, self, out, true);
}

static NativeResult i_reversed(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    ITEMS();
    List *r = list_new(vm, items->count);
    for (uint32_t i = items->count; i > 0; i--) r->items[r->count++] = items->items[i - 1];
    *out = v_obj(r);
    return NR_OK;
}

static NativeResult i_to_list(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    ITEMS();
    *out = v_obj(slice(vm, items, 0, items->count));
    return NR_OK;
}

static NativeResult i_to_set(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    ITEMS();
    Map *s = set_new(vm);
    for (uint32_t i = 0; i < items->count; i++) map_put(vm, s, items->items[i], V_TRUE);
    *out = v_obj(s);
    return NR_OK;
}

/* toMap(): from MapEntries or two-element lists */
static NativeResult i_to_map(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    ITEMS();
    Map *m = map_new(vm);
    for (uint32_t i = 0; i < items->count; i++) {
        Value x = items->items[i];
        if (IS_OT(x, OT_ENTRY)) map_put(vm, m, ((Entry *)x.as.o)->key, ((Entry *)x.as.o)->value);
        else if (IS_OT(x, OT_LIST) && ((List *)x.as.o)->count == 2) map_put(vm, m, ((List *)x.as.o)->items[0], ((List *)x.as.o)->items[1]);
        else return vm_throw(vm, vm->c.illegal_argument, "toMap needs entries (key => value) or pairs [key, value], got %s", v_type_name(vm, x));
    }
    *out = v_obj(m);
    return NR_OK;
}

/* flatten(): the elements of nested iterables, one level deep */
static NativeResult i_flatten(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    ITEMS();
    List *r = list_new(vm, items->count);
    for (uint32_t i = 0; i < items->count; i++) {
        Value x = items->items[i];
        if (IS_OT(x, OT_LIST) || IS_OT(x, OT_RANGE) || (IS_OT(x, OT_MAP) && (x.as.o->flags & OF_SET))) {
            List *inner = iter_to_list(vm, x);
            if (!inner) return NR_ERR;
            for (uint32_t k = 0; k < inner->count; k++) list_push(vm, r, inner->items[k]);
        } else {
            list_push(vm, r, x);
        }
    }
    *out = v_obj(r);
    return NR_OK;
}

static NativeResult i_distinct(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    ITEMS();
    Map *s = set_new(vm);
    List *r = list_new(vm, 0);
    for (uint32_t i = 0; i < items->count; i++) {
        if (map_get(s, items->items[i], NULL)) continue;
        map_put(vm, s, items->items[i], V_TRUE);
        list_push(vm, r, items->items[i]);
    }
    *out = v_obj(r);
    return NR_OK;
}

static NativeResult i_sum(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    ITEMS();
    int64_t si = 0;
    double sr = 0;
    bool real = false;
    for (uint32_t i = 0; i < items->count; i++) {
        Value x = items->items[i];
        if (IS_INT(x)) {
            if (real) sr += (double)x.as.i;
            else si = (int64_t)((uint64_t)si + (uint64_t)x.as.i); /* wraps like Int `+` */
        } else if (IS_REAL(x)) {
            if (!real) {
                real = true;
                sr = (double)si;
            }
            sr += x.as.r;
        } else {
            return vm_throw(vm, vm->c.illegal_argument, "sum needs numbers, got %s", v_type_name(vm, x));
        }
    }
    *out = items->count == 0 ? V_NULL : real ? v_real(sr) : v_int(si);
    return NR_OK;
}

static NativeResult i_average(VM *vm, Value self, int argc, Value *argv, Value *out) {
    Value s;
    if (i_sum(vm, self, argc, argv, &s) != NR_OK) return NR_ERR;
    List *items = iter_to_list(vm, self);
    if (!items) return NR_ERR;
    *out = v_real(items->count ? AS_NUM(s) / items->count : NAN);
    return NR_OK;
}

static NativeResult extreme(VM *vm, Value self, Value *out, bool want_max, bool or_null) {
    ITEMS();
    if (items->count == 0) {
        if (or_null) {
            *out = V_NULL;
            return NR_OK;
        }
        return vm_throw(vm, vm->c.no_such_element, "%s is empty", v_type_name(vm, self));
    }
    Value best = items->items[0];
    for (uint32_t i = 1; i < items->count; i++) {
        int c;
        if (!v_compare(items->items[i], best, &c))
            return vm_throw(vm, vm->c.illegal_argument, "cannot compare %s with %s", v_type_name(vm, items->items[i]), v_type_name(vm, best));
        if (want_max ? c > 0 : c < 0) best = items->items[i];
    }
    *out = best;
    return NR_OK;
}

static NativeResult i_min(VM *vm, Value self, int argc, Value *argv, Value *out) { UNUSED(argc), UNUSED(argv); return extreme(vm, self, out, false, false); }
static NativeResult i_max(VM *vm, Value self, int argc, Value *argv, Value *out) { UNUSED(argc), UNUSED(argv); return extreme(vm, self, out, true, false); }
static NativeResult i_min_or_null(VM *vm, Value self, int argc, Value *argv, Value *out) { UNUSED(argc), UNUSED(argv); return extreme(vm, self, out, false, true); }
static NativeResult i_max_or_null(VM *vm, Value self, int argc, Value *argv, Value *out) { UNUSED(argc), UNUSED(argv); return extreme(vm, self, out, true, true); }

/* joinToString(separator = " ", prefix = "", postfix = "", limit = -1,
 * truncated = "...", transform = null); a callable argument in any position
 * is the transform, so `joinToString { ... }` and `joinToString(" ") { ... }`
 * both work. */
static NativeResult i_join(VM *vm, Value self, int argc, Value *argv, Value *out) {
    ITEMS();
    Value transform = V_NULL;
    Value opt[5];
    int nopt = 0;
    for (int i = 0; i < argc && i < 6; i++) {
        if (is_callable(argv[i]) && i == argc - 1) transform = argv[i];
        else if (nopt < 5) opt[nopt++] = argv[i];
    }
    for (int i = nopt; i < 5; i++) opt[i] = V_UNSET;
    if (argc == 6 && !IS_UNSET(argv[5])) transform = argv[5];
    const char *names[] = {"separator", "prefix", "postfix", "limit", "truncated"};
    for (int i = 0; i < 5; i++) {
        if (IS_UNSET(opt[i]) || IS_NULL(opt[i])) continue;
        if (i == 3 ? !IS_INT(opt[i]) : !IS_OT(opt[i], OT_STRING))
            return vm_throw(vm, vm->c.illegal_argument, "joinToString: %s must be %s, got %s", names[i], i == 3 ? "an Int" : "a String", v_type_name(vm, opt[i]));
    }
#define OPT_STR(i, d) (IS_OT(opt[i], OT_STRING) ? ((String *)opt[i].as.o)->data : (d))
    const char *sep = OPT_STR(0, " "), *prefix = OPT_STR(1, ""), *postfix = OPT_STR(2, ""), *trunc = OPT_STR(4, "...");
    int64_t limit = IS_INT(opt[3]) ? opt[3].as.i : -1;
#undef OPT_STR
    StrBuf sb;
    sb_init(&sb);
    sb_adds(&sb, prefix);
    for (uint32_t i = 0; i < items->count; i++) {
        if (i) sb_adds(&sb, sep);
        if (limit >= 0 && i >= limit) {
            sb_adds(&sb, trunc);
            break;
        }
        Value x = items->items[i];
        if (!IS_NULL(transform) && !call1(vm, transform, x, &x)) {
            sb_free(&sb);
            return NR_ERR;
        }
        v_to_string(vm, &sb, x);
    }
    sb_adds(&sb, postfix);
    *out = v_obj(str_new(vm, sb.data, sb.len));
    sb_free(&sb);
    return NR_OK;
}

void take_drop_bounds(uint32_t count, int64_t n, bool take, bool from_end, uint32_t *from, uint32_t *to) {
    uint32_t k = n > (int64_t)count ? count : (uint32_t)n;
    if (take) {
        *from = from_end ? count - k : 0;
        *to = from_end ? count : k;
    } else {
        *from = from_end ? 0 : k;
        *to = from_end ? count - k : count;
    }
}

static NativeResult take_drop(VM *vm, Value self, int argc, Value *argv, Value *out, const char *fn, bool take, bool from_end) {
    int64_t n;
    if (arg_count(vm, argc, 1, 1, fn) != NR_OK || !count_arg(vm, argc, argv, 0, fn, &n)) return NR_ERR;
    ITEMS();
    uint32_t from, to;
    take_drop_bounds(items->count, n, take, from_end, &from, &to);
    *out = v_obj(slice(vm, items, from, to));
    return NR_OK;
}

static NativeResult i_take(VM *vm, Value self, int argc, Value *argv, Value *out) { return take_drop(vm, self, argc, argv, out, "take", true, false); }
static NativeResult i_drop(VM *vm, Value self, int argc, Value *argv, Value *out) { return take_drop(vm, self, argc, argv, out, "drop", false, false); }
static NativeResult i_take_last(VM *vm, Value self, int argc, Value *argv, Value *out) { return take_drop(vm, self, argc, argv, out, "takeLast", true, true); }
static NativeResult i_drop_last(VM *vm, Value self, int argc, Value *argv, Value *out) { return take_drop(vm, self, argc, argv, out, "dropLast", false, true); }

static NativeResult i_chunked(VM *vm, Value self, int argc, Value *argv, Value *out) {
    int64_t n;
    if (arg_count(vm, argc, 1, 1, "chunked") != NR_OK || !arg_int(vm, argv, argc, 0, "chunked", &n)) return NR_ERR;
    if (n <= 0) return vm_throw(vm, vm->c.illegal_argument, "size %lld must be greater than zero", (long long)n);
    ITEMS();
    List *r = list_new(vm, 0);
    for (uint32_t i = 0; i < items->count; i += (uint32_t)(n < items->count ? n : items->count)) {
        uint32_t to = (uint64_t)i + (uint64_t)n < items->count ? i + (uint32_t)n : items->count;
        list_push(vm, r, v_obj(slice(vm, items, i, to)));
    }
    *out = v_obj(r);
    return NR_OK;
}

/* ---- Range ---- */

#define SELF_RANGE ((Range *)self.as.o)

static NativeResult r_start(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    *out = SELF_RANGE->start;
    return NR_OK;
}

static NativeResult r_end(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    *out = SELF_RANGE->end;
    return NR_OK;
}

static NativeResult r_is_end_inclusive(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    *out = v_bool(SELF_RANGE->inclusive);
    return NR_OK;
}

static NativeResult r_is_open(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    *out = v_bool(IS_NULL(SELF_RANGE->start) || IS_NULL(SELF_RANGE->end));
    return NR_OK;
}

static NativeResult r_is_int_range(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    *out = v_bool(IS_INT(SELF_RANGE->start) && IS_INT(SELF_RANGE->end));
    return NR_OK;
}

void lib_list_init(VM *vm) {
    Class *l = vm->c.list;
    vm_def_property(vm, l, "size", l_size);
    vm_def_property(vm, l, "lastIndex", l_last_index);
    vm_def_property(vm, l, "indices", l_indices);
    vm_def_method(vm, l, "add", list_add_native);
    vm_def_method(vm, l, "addAll", l_add_all);
    vm_def_method(vm, l, "insertAt", l_insert_at);
    vm_def_method(vm, l, "removeAt", l_remove_at);
    vm_def_method(vm, l, "removeLast", l_remove_last);
    vm_def_method(vm, l, "removeFirst", l_remove_first);
    vm_def_method(vm, l, "removeRange", l_remove_range);
    vm_def_method(vm, l, "remove", l_remove);
    vm_def_method(vm, l, "clear", l_clear);
    vm_def_method(vm, l, "sort", l_sort);
    vm_def_method(vm, l, "reverse", l_reverse);

    Class *it = vm->c.iterable;
    vm_def_property(vm, it, "size", i_size);
    vm_def_method(vm, it, "isEmpty", i_is_empty);
    vm_def_method(vm, it, "isNotEmpty", i_is_not_empty);
    vm_def_method(vm, it, "contains", i_contains);
    vm_def_method(vm, it, "indexOf", i_index_of);
    vm_def_method(vm, it, "lastIndexOf", i_last_index_of);
    vm_def_property(vm, it, "first", i_first);
    vm_def_property(vm, it, "last", i_last);
    vm_def_property(vm, it, "firstOrNull", i_first_or_null);
    vm_def_property(vm, it, "lastOrNull", i_last_or_null);
    vm_def_method(vm, it, "sorted", i_sorted);
    vm_def_method(vm, it, "sortedDescending", i_sorted_descending);
    vm_def_method(vm, it, "reversed", i_reversed);
    vm_def_property(vm, it, "toList", i_to_list); /* a property, as upstream: x.toList and x.toList() */
    vm_def_method(vm, it, "toSet", i_to_set);
    vm_def_method(vm, it, "toMap", i_to_map);
    vm_def_method(vm, it, "flatten", i_flatten);
    vm_def_method(vm, it, "distinct", i_distinct);
    vm_def_method(vm, it, "sum", i_sum);
    vm_def_method(vm, it, "average", i_average);
    vm_def_method(vm, it, "min", i_min);
    vm_def_method(vm, it, "max", i_max);
    vm_def_method(vm, it, "minOrNull", i_min_or_null);
    vm_def_method(vm, it, "maxOrNull", i_max_or_null);
    Native *j = vm_def_method(vm, it, "joinToString", i_join);
    j->params = "separator,prefix,postfix,limit,truncated,transform";
    vm_def_method(vm, it, "take", i_take);
    vm_def_method(vm, it, "drop", i_drop);
    vm_def_method(vm, it, "takeLast", i_take_last);
    vm_def_method(vm, it, "dropLast", i_drop_last);
    vm_def_method(vm, it, "chunked", i_chunked);

    Class *r = vm->c.range;
    vm_def_property(vm, r, "start", r_start);
    vm_def_property(vm, r, "end", r_end);
    vm_def_property(vm, r, "isEndInclusive", r_is_end_inclusive);
    vm_def_property(vm, r, "isOpen", r_is_open);
    vm_def_property(vm, r, "isIntRange", r_is_int_range);
}

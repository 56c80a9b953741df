/* object.c - constructors of heap objects, the string intern table and the
 * insertion-ordered hash map used for Map, Set, fields and method tables. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"

/* The common case of a lookup or a push is a few instructions; the rest is
 * a function of its own, so that the short path saves no registers. */
#if defined(__GNUC__) || defined(__clang__)
#define OBJ_OUT_OF_LINE __attribute__((noinline))
#else
#define OBJ_OUT_OF_LINE
#endif

uint32_t hash_bytes(const char *s, size_t len) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)s[i];
        h *= 16777619u;
    }
    return h;
}

/* wasm's size: one copy of each for its callers */
#ifdef __wasm__
#define OBJ_ONE_COPY __attribute__((noinline))
#else
#define OBJ_ONE_COPY
#endif

/* On wasm this file is compiled for speed (Makefile, WASM_SPEED_SRC); the
 * constructors the run loop rarely calls, the map's growth and the lookups
 * by C string are compiled for size all the same: 0.65 KiB less gzip, the
 * benchmarks' CPU time on Node unchanged within the noise. */
#ifdef __wasm__
#define OBJ_COLD __attribute__((minsize))
#else
#define OBJ_COLD
#endif

OBJ_ONE_COPY static String *str_alloc(VM *vm, const char *s, size_t len, uint32_t hash) {
    String *str = vm_alloc(vm, OT_STRING, vm->c.string, sizeof(String) + len + 1);
    str->len = (uint32_t)len;
    str->hash = hash;
    if (len) memcpy(str->data, s, len);
    str->data[len] = 0;
    /* most text is ASCII: eight bytes at a time until a byte >= 0x80 */
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
        if (w & 0x8080808080808080ull) break;
    }
    uint32_t n = (uint32_t)i;
    bool ascii = true;
    for (; i < len; i++) {
        uint8_t b = (uint8_t)s[i];
        if (b >= 0x80) ascii = false;
        if ((b & 0xC0) != 0x80) n++;
    }
    str->nchars = n;
    str->ascii = ascii;
    return str;
}

String *str_new(VM *vm, const char *s, size_t len) { return str_alloc(vm, s, len, hash_bytes(s, len)); }

/* A server's requests repeat their short pieces ("$3", "SET", a header's
 * name): handing out the string made for the same text a moment ago saves
 * the allocation and, more, the collections it would bring. Strings are
 * values, so sharing one is not visible but through ===, which promises
 * nothing for strings built at run time. */

/* The slot of the shared strings' table for some text: its length and its
 * first and last bytes mixed, so that a hit compares the text and never
 * hashes it (FNV-1a over all of it, one multiply per byte); only a new
 * string gets its hash. Texts differing only in their middle share a slot
 * and replace each other. */
static uint32_t shared_slot(const char *s, size_t len) {
    uint64_t a = 0, b = 0;
    if (len >= 8) {
        memcpy(&a, s, 8);
        memcpy(&b, s + len - 8, 8);
    } else if (len >= 4) {
        uint32_t x, y;
        memcpy(&x, s, 4);
        memcpy(&y, s + len - 4, 4);
        a = x;
        b = y;
    } else if (len) {
        a = (uint8_t)s[0] | (uint32_t)(uint8_t)s[len / 2] << 8 | (uint32_t)(uint8_t)s[len - 1] << 16;
    }
    uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ull) ^ len) * 0xFF51AFD7ED558CCDull;
    return (uint32_t)(h ^ h >> 32) & (STR_CACHE_SLOTS - 1); /* the well-mixed high half in */
}

OBJ_ONE_COPY String *str_shared_get(VM *vm, const char *s, size_t len, uint32_t *slot) {
    if (len > STR_SHARED_MAX) {
        *slot = 0; /* not kept by str_shared_put */
        return NULL;
    }
    String *x = vm->scache[*slot = shared_slot(s, len)];
    return x && x->len == len && memcmp(x->data, s, len) == 0 ? x : NULL;
}

OBJ_ONE_COPY String *str_shared_put(VM *vm, const char *s, size_t len, uint32_t slot) {
    String *x = str_alloc(vm, s, len, hash_bytes(s, len));
    if (len <= STR_SHARED_MAX) vm->scache[slot] = x;
    return x;
}

String *str_new_shared(VM *vm, const char *s, size_t len) {
    uint32_t slot;
    String *x = str_shared_get(vm, s, len, &slot);
    return x ? x : str_shared_put(vm, s, len, slot);
}

String *str_cstr(VM *vm, const char *s) { return str_new(vm, s, strlen(s)); }

OBJ_COLD String *str_intern(VM *vm, const char *s, size_t len) {
    uint32_t h = hash_bytes(s, len);
    if (vm->icount * 2 >= vm->icap) {
        uint32_t ncap = vm->icap ? vm->icap * 2 : 256;
        String **nt = calloc(ncap, sizeof(String *));
        if (!nt) abort();
        for (uint32_t i = 0; i < vm->icap; i++) {
            String *x = vm->itab[i];
            if (!x) continue;
            uint32_t j = x->hash & (ncap - 1);
            while (nt[j]) j = (j + 1) & (ncap - 1);
            nt[j] = x;
        }
        free(vm->itab);
        vm->itab = nt;
        vm->icap = ncap;
    }
    uint32_t j = h & (vm->icap - 1);
    while (vm->itab[j]) {
        String *x = vm->itab[j];
        if (x->hash == h && x->len == len && memcmp(x->data, s, len) == 0) return x;
        j = (j + 1) & (vm->icap - 1);
    }
    String *str = str_alloc(vm, s, len, h);
    str->h.flags |= OF_INTERNED;
    vm->itab[j] = str;
    vm->icount++;
    return str;
}

static String *concat_bytes(VM *vm, String *a, const char *b, uint32_t blen, uint32_t bchars, bool bascii) {
    size_t len = (size_t)a->len + blen;
    String *s = vm_alloc(vm, OT_STRING, vm->c.string, sizeof(String) + len + 1);
    memcpy(s->data, a->data, a->len);
    memcpy(s->data + a->len, b, blen);
    s->data[len] = 0;
    s->len = (uint32_t)len;
    s->nchars = a->nchars + bchars;
    s->ascii = a->ascii && bascii;
    s->hash = hash_bytes(s->data, len);
    return s;
}

String *str_concat(VM *vm, String *a, String *b) { return concat_bytes(vm, a, b->data, b->len, b->nchars, b->ascii); }

String *str_concat_ascii(VM *vm, String *a, const char *b, size_t n) {
    return concat_bytes(vm, a, b, (uint32_t)n, (uint32_t)n, true);
}

List *list_new(VM *vm, uint32_t cap) {
    List *l = vm_alloc(vm, OT_LIST, vm->c.list, sizeof(List));
    l->items = NULL;
    l->count = l->cap = 0;
    if (cap) {
        l->items = vm_realloc(vm, NULL, 0, sizeof(Value) * cap);
        l->cap = cap;
    }
    return l;
}

OBJ_OUT_OF_LINE static void list_grow_push(VM *vm, List *l, Value v) {
    uint32_t ncap = l->cap ? l->cap * 2 : 4;
    l->items = vm_realloc(vm, l->items, sizeof(Value) * l->cap, sizeof(Value) * ncap);
    l->cap = ncap;
    l->items[l->count++] = v;
}

void list_push(VM *vm, List *l, Value v) {
    if (l->count == l->cap) {
        list_grow_push(vm, l, v);
        return;
    }
    l->items[l->count++] = v;
}

/* list_push of the value at `v` (not in l's items): on wasm a Value passed
 * by value is a copy in the caller's shadow-stack frame, which List.add
 * then needs no more. */
void list_push_ref(VM *vm, List *l, const Value *v) {
    if (l->count == l->cap) {
        list_grow_push(vm, l, *v);
        return;
    }
    l->items[l->count++] = *v;
}

/* ---- Map ---- */

static Map *map_alloc(VM *vm, Class *cls, uint8_t flags) {
    Map *m = vm_alloc(vm, OT_MAP, cls, sizeof(Map));
    m->h.flags = flags;
    m->slots = NULL;
    m->nslots = m->slot_cap = m->live = 0;
    m->index = NULL;
    m->index_cap = 0;
    return m;
}

Map *map_new(VM *vm) { return map_alloc(vm, vm->c.map, 0); }
Map *set_new(VM *vm) { return map_alloc(vm, vm->c.set, OF_SET); }

/* The same key (the same interned name, the same Int) is found without
 * calling equals(), as Kotlin's maps do; a Real is left to v_equal for NaN. */
static inline bool key_same(Value a, Value b) {
    return a.type == b.type && a.as.i == b.as.i && a.type != VT_REAL;
}

/* Strings, most keys, carry their hash. */
static inline uint32_t key_hash(Value key) {
    if (IS_INT(key)) return v_mix64((uint64_t)key.as.i);
    return IS_OT(key, OT_STRING) ? ((String *)key.as.o)->hash : v_hash(key);
}

/* The Int a key in a direct map's index stands for, or -1: an Int key, or a
 * Real equal to one (1.0 == 1); no other key equals an Int. */
static inline int64_t direct_key(const Map *m, Value key) {
    if (IS_INT(key)) return (uint64_t)key.as.i < m->index_cap ? key.as.i : -1;
    if (IS_REAL(key) && key.as.r >= 0 && key.as.r < (double)m->index_cap && key.as.r == (double)(int64_t)key.as.r)
        return (int64_t)key.as.r;
    return -1;
}

/* v_equal of a slot's key and the key looked up when they are not the same
 * value: two Strings compared here (v_equal's way), anything else by
 * v_equal out of line on wasm, where inlined it gave map_find a 672-byte
 * shadow-stack frame and spills that every lookup paid. */
#ifdef __wasm__
__attribute__((noinline))
#endif
static bool key_equal_other(const Value *a, const Value *b) { return v_equal(*a, *b); }

static inline bool key_equal(const Value *a, const Value *b) {
    if (IS_OT(*a, OT_STRING) && IS_OT(*b, OT_STRING)) {
        const String *x = (const String *)a->as.o, *y = (const String *)b->as.o;
        return x->len == y->len && x->hash == y->hash && memcmp(x->data, y->data, x->len) == 0;
    }
    return key_equal_other(a, b);
}

/* a small map: its few slots are scanned */
static int32_t map_scan(Map *m, Value key, uint32_t h) {
    for (uint32_t i = 0; i < m->nslots; i++) {
        const MapSlot *sl = &m->slots[i];
        if (sl->hash != h || !sl->live) continue;
        if (key_same(sl->key, key) || key_equal(&sl->key, &key)) return (int32_t)i;
    }
    return -1;
}

static int32_t map_probe(Map *m, Value key, uint32_t h) {
    uint32_t mask = m->index_cap - 1;
    for (uint32_t j = h & mask;; j = (j + 1) & mask) {
        int32_t s = m->index[j];
        if (s == -1) return -1;
        if (s < 0) continue;
        const MapSlot *sl = &m->slots[s];
        if (sl->hash != h || !sl->live) continue;
        if (key_same(sl->key, key) || key_equal(&sl->key, &key)) return s;
        /* a user equals() may have changed this map: give up rather than
         * probe a stale index */
        if (m->index_cap - 1 != mask || (m->h.flags & OF_DIRECT)) return -1;
    }
}

static inline int32_t map_find(Map *m, Value key, uint32_t h) {
    if (m->h.flags & OF_DIRECT) {
        int64_t k = direct_key(m, key);
        return k < 0 ? -1 : m->index[k];
    }
    return m->index_cap ? map_probe(m, key, h) : map_scan(m, key, h);
}

/* Builds the index of m's (compacted) slots. Up to MAP_LINEAR slots there is
 * none: a scan of so few is as fast as hashing, and a small map (an
 * instance's fields) is one block less. A map whose keys are all Ints from 0
 * to a few times its size (counts by number, a sparse array) is indexed by
 * the key itself: a lookup is one load, with no hash and no probing. Others
 * get an open-addressing table at load <= 1/2. */
OBJ_COLD static void map_index(VM *vm, Map *m) {
    uint32_t icap = 0;
    bool direct = false;
    if (m->slot_cap > MAP_LINEAR) {
        uint64_t top = 0; /* one past the largest key */
        direct = true;
        for (uint32_t i = 0; i < m->nslots && direct; i++) {
            Value k = m->slots[i].key;
            direct = IS_INT(k) && (uint64_t)k.as.i < (uint64_t)m->slot_cap * 4;
            if (direct && (uint64_t)k.as.i >= top) top = (uint64_t)k.as.i + 1;
        }
        icap = 8;
        while (icap < m->slot_cap * 2 || (direct && icap < top)) icap *= 2;
    }
    if (icap != m->index_cap) {
        m->index = vm_realloc(vm, m->index, sizeof(int32_t) * m->index_cap, sizeof(int32_t) * icap);
        m->index_cap = icap;
    }
    m->h.flags = (uint8_t)(direct ? m->h.flags | OF_DIRECT : m->h.flags & ~OF_DIRECT);
    if (!icap) return;
    memset(m->index, 0xFF, sizeof(int32_t) * icap);
    for (uint32_t i = 0; i < m->nslots; i++) {
        if (direct) {
            m->index[m->slots[i].key.as.i] = (int32_t)i;
            continue;
        }
        uint32_t j = m->slots[i].hash & (icap - 1);
        while (m->index[j] != -1) j = (j + 1) & (icap - 1);
        m->index[j] = (int32_t)i;
    }
}

OBJ_COLD static void map_rehash(VM *vm, Map *m, uint32_t want_slots) {
    /* compact dead slots, grow, then index again */
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->nslots; i++)
        if (m->slots[i].live) m->slots[n++] = m->slots[i];
    m->nslots = n;
    if (want_slots > m->slot_cap) {
        uint32_t ncap = m->slot_cap ? m->slot_cap : 4;
        while (ncap < want_slots) ncap *= 2;
        if (m->h.flags & OF_FIELDS) {
            /* the class's next instances get room for this many at once */
            Class *cls = ((Instance *)((char *)m - offsetof(Instance, fmap)))->h.cls;
            uint32_t need = m->live + 1 < MAP_LINEAR ? m->live + 1 : MAP_LINEAR;
            if (cls->field_hint < need) cls->field_hint = (uint8_t)need;
        }
        if (m->h.flags & OF_INLINE_SLOTS) {
            MapSlot *ns = vm_realloc(vm, NULL, 0, sizeof(MapSlot) * ncap);
            memcpy(ns, m->slots, sizeof(MapSlot) * m->nslots);
            m->slots = ns;
            m->h.flags &= (uint8_t)~OF_INLINE_SLOTS;
        } else {
            m->slots = vm_realloc(vm, m->slots, sizeof(MapSlot) * m->slot_cap, sizeof(MapSlot) * ncap);
        }
        m->slot_cap = ncap;
    }
    map_index(vm, m);
}

int32_t map_slot(Map *m, Value key) { return map_find(m, key, key_hash(key)); }

OBJ_OUT_OF_LINE static bool map_get_any(Map *m, Value key, Value *out) {
    int32_t s = map_find(m, key, key_hash(key));
    if (s < 0) return false;
    if (out) *out = m->slots[s].value;
    return true;
}

bool map_get(Map *m, Value key, Value *out) {
    if ((m->h.flags & OF_DIRECT) && IS_INT(key) && (uint64_t)key.as.i < m->index_cap) {
        int32_t s = m->index[key.as.i]; /* no hash, no probe */
        if (s < 0) return false;
        if (out) *out = m->slots[s].value;
        return true;
    }
    return map_get_any(m, key, out);
}

OBJ_OUT_OF_LINE static void map_put_any(VM *vm, Map *m, Value key, Value value) {
    if (m->h.flags & OF_MEMBERS) vm->member_epoch++;
    uint32_t h = key_hash(key);
    int32_t s = map_find(m, key, h);
    if (s >= 0) {
        m->slots[s].value = value;
        return;
    }
    if (m->nslots == m->slot_cap) {
        /* compact when many slots are dead, else grow */
        uint32_t want = m->live + 1 <= m->slot_cap / 2 ? m->slot_cap : (m->slot_cap ? m->slot_cap * 2 : 4);
        map_rehash(vm, m, want);
    }
    uint32_t i = m->nslots++;
    m->slots[i].key = key;
    m->slots[i].value = value;
    m->slots[i].hash = h;
    m->slots[i].live = true;
    m->live++;
    if (m->h.flags & OF_FIELDS) ((Instance *)((char *)m - offsetof(Instance, fmap)))->h.cls->field_names |= FIELD_BIT(h);
    if (!m->index_cap) return;
    if (m->h.flags & OF_DIRECT) {
        if (IS_INT(key) && (uint64_t)key.as.i < m->index_cap) m->index[key.as.i] = (int32_t)i;
        else map_index(vm, m); /* a wider index, or a hashed one */
        return;
    }
    uint32_t mask = m->index_cap - 1;
    uint32_t j = h & mask;
    while (m->index[j] >= 0) j = (j + 1) & mask;
    m->index[j] = (int32_t)i;
}

void map_put(VM *vm, Map *m, Value key, Value value) {
    if ((m->h.flags & (OF_DIRECT | OF_MEMBERS)) == OF_DIRECT && IS_INT(key) && (uint64_t)key.as.i < m->index_cap) {
        int32_t s = m->index[key.as.i];
        if (s >= 0) {
            m->slots[s].value = value;
            return;
        }
    }
    map_put_any(vm, m, key, value);
}

OBJ_COLD bool map_remove(Map *m, Value key) {
    int32_t s = map_find(m, key, key_hash(key));
    if (s < 0 || (uint32_t)s >= m->nslots || !m->slots[s].live) return false; /* or changed by a user equals() */
    m->slots[s].live = false;
    m->live--;
    if (m->h.flags & OF_DIRECT) {
        m->index[m->slots[s].key.as.i] = -1;
    } else if (m->index_cap) {
        /* a tombstone keeps probe chains intact */
        uint32_t mask = m->index_cap - 1;
        for (uint32_t j = m->slots[s].hash & mask; m->index[j] != -1; j = (j + 1) & mask)
            if (m->index[j] == s) {
                m->index[j] = -2;
                break;
            }
    }
    return true;
}

OBJ_COLD bool map_get_str(Map *m, const char *key, Value *out) {
    /* a temporary String header on the C stack: lookups only read the hash
     * and the bytes */
    size_t len = strlen(key);
    union {
        String s;
        char raw[sizeof(String) + 64];
    } tmp;
    if (len >= 64) return false;
    memset(&tmp, 0, sizeof tmp);
    tmp.s.h.type = OT_STRING;
    tmp.s.len = (uint32_t)len;
    tmp.s.hash = hash_bytes(key, len);
    memcpy(tmp.raw + offsetof(String, data), key, len + 1);
    return map_get(m, v_obj(&tmp.s), out);
}

OBJ_COLD void map_put_str(VM *vm, Map *m, const char *key, Value value) {
    map_put(vm, m, v_obj(str_intern(vm, key, strlen(key))), value);
}

OBJ_COLD Range *range_new(VM *vm, Value start, Value end, bool inclusive) {
    Range *r = vm_alloc(vm, OT_RANGE, vm->c.range, sizeof(Range));
    r->start = start;
    r->end = end;
    r->inclusive = inclusive;
    return r;
}

OBJ_COLD Entry *entry_new(VM *vm, Value key, Value value) {
    Entry *e = vm_alloc(vm, OT_ENTRY, vm->c.entry, sizeof(Entry));
    e->key = key;
    e->value = value;
    return e;
}

OBJ_COLD Buffer *buffer_new(VM *vm, const uint8_t *data, size_t len, bool mutable_) {
    Buffer *b = vm_alloc(vm, OT_BUFFER, mutable_ ? vm->c.mutable_buffer : vm->c.buffer, sizeof(Buffer));
    b->h.flags = mutable_ ? OF_MUTABLE : 0;
    b->len = b->cap = (uint32_t)len;
    b->data = len ? vm_realloc(vm, NULL, 0, len) : NULL;
    if (len && data) memcpy(b->data, data, len);
    else if (len) memset(b->data, 0, len);
    return b;
}

OBJ_COLD Buffer *buffer_new_fixed(VM *vm, const uint8_t *data, size_t len) {
    if (!len) return buffer_new(vm, NULL, 0, false);
    Buffer *b = vm_alloc(vm, OT_BUFFER, vm->c.buffer, sizeof(Buffer) + len);
    b->h.flags = OF_INLINE_DATA;
    b->len = b->cap = (uint32_t)len;
    b->data = (uint8_t *)(b + 1);
    if (data) memcpy(b->data, data, len);
    return b;
}

OBJ_COLD Native *native_new(VM *vm, const char *name, NativeFn fn) {
    Native *n = vm_alloc(vm, OT_NATIVE, vm->c.callable, sizeof(Native));
    n->fn = fn;
    n->name = name;
    n->params = NULL;
    n->property = false;
    n->data = NULL;
    return n;
}

OBJ_COLD Bound *bound_new(VM *vm, Value self, Value fn) {
    Bound *b = vm_alloc(vm, OT_BOUND, vm->c.callable, sizeof(Bound));
    b->self = self;
    b->fn = fn;
    return b;
}

OBJ_COLD Class *class_new(VM *vm, const char *name, Class *super) {
    Class *c = vm_alloc(vm, OT_CLASS, vm->c.class_, sizeof(Class));
    c->name = NULL;
    c->super = super;
    c->mro = NULL;
    c->vm = vm;
    c->methods = NULL;
    c->statics = NULL;
    c->ctor = NULL;
    c->is_exception = super && super->is_exception;
    c->is_abstract = false;
    c->field_hint = 0;
    c->field_names = 0;
    c->body_slot = 0;
    c->has_setters = super && super->has_setters;
    c->has_hidden = super && super->has_hidden;
    c->is_dynamic = super && super->is_dynamic;
    c->name = str_intern(vm, name, strlen(name));
    c->methods = map_new(vm);
    c->methods->h.flags |= OF_MEMBERS;
    c->statics = map_new(vm);
    vm->member_epoch++; /* a class may take the address of a collected one */
    return c;
}

Instance *instance_new(VM *vm, Class *cls) {
    uint32_t n = cls ? cls->field_hint : 0;
    Instance *in = vm_alloc(vm, OT_INSTANCE, cls, sizeof(Instance) + sizeof(MapSlot) * n);
    in->inited = 0;
    in->inited_more = NULL;
    in->inline_slots = n;
    Map *m = &in->fmap;
    m->h.next = NULL;
    m->h.cls = vm->c.map;
    m->h.type = OT_MAP;
    m->h.marked = 0;
    m->h.flags = (uint8_t)(OF_FIELDS | (n ? OF_INLINE_SLOTS : 0));
    m->slots = n ? (MapSlot *)(in + 1) : NULL;
    m->nslots = m->live = 0;
    m->slot_cap = n;
    m->index = NULL;
    m->index_cap = 0;
    in->fields = m;
    return in;
}

OBJ_COLD Handle *handle_new(VM *vm, Class *cls, void *ptr, void (*finalize)(VM *, Handle *)) {
    Handle *h = vm_alloc(vm, OT_HANDLE, cls, sizeof(Handle));
    h->ptr = ptr;
    h->finalize = finalize;
    h->mark = NULL;
    return h;
}

Class *v_class(VM *vm, Value v) {
    switch (v.type) {
    case VT_VOID: return vm->c.void_;
    case VT_NULL: return vm->c.null_;
    case VT_BOOL: return vm->c.bool_;
    case VT_INT: return vm->c.int_;
    case VT_REAL: return vm->c.real;
    case VT_CHAR: return vm->c.char_;
    case VT_OBJ: return v.as.o->cls ? v.as.o->cls : vm->c.any;
    default: return vm->c.any;
    }
}

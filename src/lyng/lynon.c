/* lynon.c - Lynon, the compact binary form of Lyng values
 * (`import lyng.serialization`): Lynon.encode(v) gives a BitBuffer,
 * Lynon.decode(bits) the value back. The format is this project's own; it
 * is a stream of bits, most significant first:
 *
 *   value    = tag:4 payload
 *   tags     0 null, 1 false, 2 true, 3 Int (zigzag uvar), 4 Real (64 raw bits),
 *            5 String (text), 6 back-reference (index:w, w = bits to number
 *            the objects seen so far), 7 List (uvar n, then `typed:1`; typed:
 *            kind:2 and the bare payloads, else n values), 8 Map (uvar n,
 *            n key/value pairs), 9 Set (uvar n, n values), 10 Buffer (uvar n,
 *            n bytes), 11 Char (uvar), 12 enum entry (name, ordinal:w with w
 *            the bits to number the entries), 13 object (name, uvar n, n
 *            name/value pairs), 14 void, 15 more: kind:4 then 0 Range
 *            (start, end, inclusive:1), 1 MapEntry (key, value), 2 Class (name)
 *   uvar     7 bits and a continuation bit per group, low group first
 *   text     uvar byte length, packed:1; packed: uvar packed length and
 *            the LZ form (below), else the UTF-8 bytes
 *   name     a String value: text, or a back-reference to one
 *
 * Strings, lists, maps, sets, buffers and objects are numbered in the order
 * they are first written; writing one again writes a back-reference, so
 * repeated text costs a few bits and shared or cyclic lists and maps come
 * back shared. Typed lists of Ints, Bools, Reals or entries of one enum
 * drop the per-element tag (1000 entries of a 3-entry enum take 2 bits each).
 * Objects are written as serial_fields.c says; decoding a script class calls
 * it with its constructor parameters, so field initialisers and init blocks
 * run again, then restores the other fields. Text of 32 bytes or more is
 * LZ-packed when that is shorter: a control byte c < 128 is followed by
 * c+1 literal bytes, c >= 128 copies (c & 127) + 3 bytes from uvar offset
 * back. Malformed input raises IllegalArgumentException; never reads past
 * the end. */
#include <stdlib.h>
#include <string.h>
#include "lib.h"
#include "limits.h"

#define PACK_MIN 32     /* shorter text is stored as it is */
#define LZ_WINDOW 65535 /* how far back a copy may reach */

enum { T_NULL, T_FALSE, T_TRUE, T_INT, T_REAL, T_STRING, T_REF, T_LIST, T_MAP, T_SET, T_BUFFER, T_CHAR, T_ENUM,
       T_OBJECT, T_VOID, T_MORE };
enum { M_RANGE, M_ENTRY, M_CLASS };
enum { K_INT, K_BOOL, K_REAL, K_ENUM };

/* ---- bits ---- */

typedef struct {
    uint8_t *data;
    size_t nbits, cap;
} BitOut;

static void put_bits(BitOut *o, uint64_t v, int n) {
    for (int i = n - 1; i >= 0; i--) {
        size_t byte = o->nbits >> 3;
        if (byte >= o->cap) {
            o->cap = o->cap ? o->cap * 2 : 64;
            o->data = realloc(o->data, o->cap);
            if (!o->data) abort();
        }
        if ((o->nbits & 7) == 0) o->data[byte] = 0;
        if ((v >> i) & 1) o->data[byte] |= (uint8_t)(0x80 >> (o->nbits & 7));
        o->nbits++;
    }
}

static void put_uvar(BitOut *o, uint64_t v) {
    do {
        put_bits(o, v & 127, 7);
        v >>= 7;
        put_bits(o, v != 0, 1);
    } while (v);
}

/* bits needed to write any of 0..n-1 (at least 1) */
static int width(uint64_t n) {
    int w = 1;
    while (w < 64 && (n - 1) >> w) w++;
    return w;
}

typedef struct {
    VM *vm;
    const uint8_t *data;
    size_t nbits, pos;
    bool bad;
} BitIn;

static bool truncated(BitIn *in) {
    if (!in->bad) vm_throw(in->vm, in->vm->c.illegal_argument, "Lynon.decode: the data ends in the middle of a value");
    in->bad = true;
    return false;
}

static uint64_t get_bits(BitIn *in, int n) {
    if (in->bad || in->nbits - in->pos < (size_t)n) return truncated(in), 0;
    uint64_t v = 0;
    for (int i = 0; i < n; i++, in->pos++) v = v << 1 | ((in->data[in->pos >> 3] >> (7 - (in->pos & 7))) & 1);
    return v;
}

static uint64_t get_uvar(BitIn *in) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && !in->bad; shift += 7) {
        v |= get_bits(in, 7) << shift;
        if (!get_bits(in, 1)) return v;
    }
    if (!in->bad) vm_throw(in->vm, in->vm->c.illegal_argument, "Lynon.decode: a number is too long");
    in->bad = true;
    return 0;
}

static bool corrupt(BitIn *in, const char *what) {
    if (!in->bad) vm_throw(in->vm, in->vm->c.illegal_argument, "Lynon.decode: %s", what);
    in->bad = true;
    return false;
}

/* ---- LZ packing of text ----
 * Tokens until the text's length is reached: `0 uvar3(run-1)` and run
 * characters of 7 bits (all-ASCII text) or 8, or `1 uvar3(len-3)
 * offset:w` copying len bytes from offset back (w numbers the bytes written
 * so far). uvar3 is uvar with 3-bit groups. */

static void put_uvar3(BitOut *o, uint64_t v) {
    do {
        put_bits(o, v & 7, 3);
        v >>= 3;
        put_bits(o, v != 0, 1);
    } while (v);
}

static uint64_t get_uvar3(BitIn *in) {
    uint64_t v = 0;
    for (int shift = 0; shift < 63 && !in->bad; shift += 3) {
        v |= get_bits(in, 3) << shift;
        if (!get_bits(in, 1)) return v;
    }
    in->bad = true;
    return 0;
}

static void lz_literals(BitOut *o, const uint8_t *s, size_t from, size_t to, int cw) {
    if (from == to) return;
    put_bits(o, 0, 1);
    put_uvar3(o, to - from - 1);
    for (size_t i = from; i < to; i++) put_bits(o, s[i], cw);
}

static void lz_pack(const uint8_t *s, size_t n, BitOut *o) {
    enum { HBITS = 12, TRIES = 32 };
    uint32_t *head = calloc(1u << HBITS, sizeof *head); /* position + 1 of the last 3 bytes with that hash */
    uint32_t *prev = malloc(n * sizeof *prev);           /* the one before, for each position */
    if (!head || !prev) abort();
    bool ascii = true;
    for (size_t i = 0; i < n; i++) ascii = ascii && s[i] < 128;
    int cw = ascii ? 7 : 8;
    put_bits(o, ascii, 1);
    size_t lit = 0, i = 0;
    while (i < n) {
        size_t best = 0, off = 0;
        if (i + 3 <= n) {
            uint32_t h = ((uint32_t)s[i] * 2654435761u ^ (uint32_t)s[i + 1] * 40503u ^ s[i + 2]) & ((1u << HBITS) - 1);
            size_t cand = head[h];
            prev[i] = (uint32_t)cand;
            head[h] = (uint32_t)(i + 1);
            for (int t = 0; cand && t < TRIES && i - (cand - 1) <= LZ_WINDOW; t++, cand = prev[cand - 1]) {
                size_t c = cand - 1, len = 0;
                while (i + len < n && s[c + len] == s[i + len]) len++;
                if (len > best) { best = len; off = i - c; }
            }
        }
        /* a copy pays when it replaces more than its own few bits */
        if (best >= 3 && best * (size_t)cw > 8 + (size_t)width(i)) {
            lz_literals(o, s, lit, i, cw);
            put_bits(o, 1, 1);
            put_uvar3(o, best - 3);
            put_bits(o, off - 1, width(i));
            for (size_t k = 1; k < best && i + k + 3 <= n; k++) { /* index the skipped positions too */
                size_t j = i + k;
                uint32_t h = ((uint32_t)s[j] * 2654435761u ^ (uint32_t)s[j + 1] * 40503u ^ s[j + 2]) & ((1u << HBITS) - 1);
                prev[j] = head[h];
                head[h] = (uint32_t)(j + 1);
            }
            i += best;
            lit = i;
        } else {
            i++;
        }
    }
    lz_literals(o, s, lit, n, cw);
    free(head);
    free(prev);
}

/* false when the tokens do not make exactly n bytes */
static bool lz_unpack(BitIn *in, uint8_t *out, size_t n) {
    int cw = get_bits(in, 1) ? 7 : 8;
    size_t o = 0;
    while (o < n && !in->bad) {
        if (!get_bits(in, 1)) {
            uint64_t k = get_uvar3(in) + 1;
            if (in->bad || k > n - o) return false;
            for (uint64_t j = 0; j < k; j++) out[o++] = (uint8_t)get_bits(in, cw);
        } else {
            uint64_t len = get_uvar3(in) + 3;
            if (o == 0) return false;
            uint64_t off = get_bits(in, width(o)) + 1;
            if (in->bad || off > o || len > n - o) return false;
            for (uint64_t k = 0; k < len; k++, o++) out[o] = out[o - off];
        }
    }
    return !in->bad && o == n;
}

/* ---- encoding ---- */

typedef struct {
    VM *vm;
    BitOut out;
    Map *seen;   /* String (by text) or object (by address, an Int) -> its number */
    uint32_t nseen;
    Map *open;   /* objects whose fields are being written (a cycle through one cannot be rebuilt) */
} Enc;

/* the key of an object in `seen`: its text for a String, else its identity */
static Value seen_key(Value v) { return IS_OT(v, OT_STRING) ? v : v_int((int64_t)(intptr_t)v.as.o); }

static bool enc_value(Enc *e, Value v, int depth);

/* writes a back-reference if v was written before */
static bool enc_back(Enc *e, Value v) {
    Value n;
    if (!map_get(e->seen, seen_key(v), &n)) return false;
    put_bits(&e->out, T_REF, 4);
    put_bits(&e->out, (uint64_t)n.as.i, width(e->nseen));
    return true;
}
static void enc_number(Enc *e, Value v) { map_put(e->vm, e->seen, seen_key(v), v_int(e->nseen++)); }
/* a back-reference if v was written before, else numbers it; true when done */
static bool enc_ref(Enc *e, Value v) {
    if (enc_back(e, v)) return true;
    enc_number(e, v);
    return false;
}

static void enc_text(Enc *e, const char *s, size_t n) {
    put_uvar(&e->out, n);
    BitOut packed = {0};
    if (n >= PACK_MIN) lz_pack((const uint8_t *)s, n, &packed);
    bool pack = n >= PACK_MIN && packed.nbits < n * 8;
    put_bits(&e->out, pack, 1);
    if (pack) {
        for (size_t i = 0; i < packed.nbits; i++) put_bits(&e->out, (packed.data[i >> 3] >> (7 - (i & 7))) & 1, 1);
    } else {
        for (size_t i = 0; i < n; i++) put_bits(&e->out, (uint8_t)s[i], 8);
    }
    free(packed.data);
}

/* equal text is written once: repeats become references */
static void enc_string(Enc *e, String *s) {
    if (enc_ref(e, v_obj(s))) return;
    put_bits(&e->out, T_STRING, 4);
    enc_text(e, s->data, s->len);
}

bool serial_enum_entry(VM *vm, Value v, Class **cls, int64_t *ordinal, List **entries) {
    Value ents, ord;
    if (!IS_OT(v, OT_INSTANCE)) return false;
    Class *c = v.as.o->cls;
    if (!map_get_str(c->statics, "entries", &ents) || !IS_OT(ents, OT_LIST) ||
        !map_get_str(((Instance *)v.as.o)->fields, "ordinal", &ord) || !IS_INT(ord))
        return false;
    List *l = (List *)ents.as.o;
    if (ord.as.i < 0 || ord.as.i >= l->count || l->items[ord.as.i].as.o != v.as.o) return false;
    (void)vm;
    if (cls) *cls = c;
    if (ordinal) *ordinal = ord.as.i;
    if (entries) *entries = l;
    return true;
}

static int list_kind(VM *vm, List *l) {
    if (l->count < 2) return -1;
    Class *ec = NULL;
    int kind = IS_INT(l->items[0]) ? K_INT : IS_BOOL(l->items[0]) ? K_BOOL : IS_REAL(l->items[0]) ? K_REAL
             : serial_enum_entry(vm, l->items[0], &ec, NULL, NULL) ? K_ENUM : -1;
    for (uint32_t i = 1; i < l->count && kind >= 0; i++) {
        Value x = l->items[i];
        bool same = kind == K_INT ? IS_INT(x) : kind == K_BOOL ? IS_BOOL(x) : kind == K_REAL ? IS_REAL(x)
                  : IS_OBJ(x) && x.as.o->cls == ec && serial_enum_entry(vm, x, NULL, NULL, NULL);
        if (!same) kind = -1;
    }
    return kind;
}

static uint64_t zigzag(int64_t i) { return ((uint64_t)i << 1) ^ (uint64_t)(i >> 63); }

static void put_real(BitOut *o, double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    put_bits(o, u, 64);
}

static bool enc_list(Enc *e, List *l, int depth) {
    put_uvar(&e->out, l->count);
    int kind = list_kind(e->vm, l);
    put_bits(&e->out, kind >= 0, 1);
    if (kind < 0) {
        for (uint32_t i = 0; i < l->count; i++)
            if (!enc_value(e, l->items[i], depth + 1)) return false;
        return true;
    }
    put_bits(&e->out, (uint64_t)kind, 2);
    List *entries = NULL;
    Class *ec = NULL;
    if (kind == K_ENUM) {
        serial_enum_entry(e->vm, l->items[0], &ec, NULL, &entries);
        enc_string(e, ec->name);
    }
    for (uint32_t i = 0; i < l->count; i++) {
        Value x = l->items[i];
        int64_t ord;
        switch (kind) {
        case K_INT: put_uvar(&e->out, zigzag(x.as.i)); break;
        case K_BOOL: put_bits(&e->out, x.as.b, 1); break;
        case K_REAL: put_real(&e->out, x.as.r); break;
        default:
            serial_enum_entry(e->vm, x, NULL, &ord, NULL);
            put_bits(&e->out, (uint64_t)ord, width(entries->count));
        }
    }
    return true;
}

static bool enc_object(Enc *e, Instance *in, int depth) {
    VM *vm = e->vm;
    if (map_get(e->open, seen_key(v_obj(in)), NULL)) {
        vm_throw(vm, vm->c.illegal_argument, "Lynon.encode: %s refers back to itself through its fields", in->h.cls->name->data);
        return false;
    }
    if (enc_back(e, v_obj(in))) return true;
    if (strcmp(in->h.cls->name->data, "object") == 0) {
        vm_throw(vm, vm->c.illegal_argument, "Lynon.encode: an anonymous object cannot be serialized");
        return false;
    }
    Value body;
    if (!class_body_fn(vm, in->h.cls, &body) && !serial_is_exception(vm, in->h.cls)) {
        vm_throw(vm, vm->c.illegal_argument, "Lynon.encode: %s cannot be serialized", in->h.cls->name->data);
        return false;
    }
    map_put(vm, e->open, seen_key(v_obj(in)), V_TRUE);
    List *names = serial_fields(vm, in);
    put_bits(&e->out, T_OBJECT, 4);
    enc_string(e, in->h.cls->name);
    enc_number(e, v_obj(in)); /* after its name, as the decoder numbers it */
    put_uvar(&e->out, names->count);
    for (uint32_t i = 0; i < names->count; i++) {
        Value x;
        map_get(in->fields, names->items[i], &x);
        enc_string(e, (String *)names->items[i].as.o);
        if (!enc_value(e, x, depth + 1)) return false;
    }
    map_remove(e->open, seen_key(v_obj(in)));
    return true;
}

static bool enc_value(Enc *e, Value v, int depth) {
    VM *vm = e->vm;
    if (depth > LYNG_MAX_VALUE_DEPTH) {
        vm_throw(vm, vm->c.illegal_argument, "Lynon.encode: nested deeper than %d levels", LYNG_MAX_VALUE_DEPTH);
        return false;
    }
    switch (v.type) {
    case VT_NULL: put_bits(&e->out, T_NULL, 4); return true;
    case VT_VOID: case VT_UNSET: put_bits(&e->out, T_VOID, 4); return true;
    case VT_BOOL: put_bits(&e->out, v.as.b ? T_TRUE : T_FALSE, 4); return true;
    case VT_INT: put_bits(&e->out, T_INT, 4); put_uvar(&e->out, zigzag(v.as.i)); return true;
    case VT_REAL: put_bits(&e->out, T_REAL, 4); put_real(&e->out, v.as.r); return true;
    case VT_CHAR: put_bits(&e->out, T_CHAR, 4); put_uvar(&e->out, v.as.c); return true;
    default: break;
    }
    Obj *o = v.as.o;
    switch (o->type) {
    case OT_STRING: enc_string(e, (String *)o); return true;
    case OT_LIST:
        if (enc_ref(e, v)) return true;
        put_bits(&e->out, T_LIST, 4);
        return enc_list(e, (List *)o, depth);
    case OT_MAP: {
        if (enc_ref(e, v)) return true;
        Map *m = (Map *)o;
        bool set = (o->flags & OF_SET) != 0;
        put_bits(&e->out, set ? T_SET : T_MAP, 4);
        put_uvar(&e->out, m->live);
        for (uint32_t i = 0; i < m->nslots; i++) {
            if (!m->slots[i].live) continue;
            if (!enc_value(e, m->slots[i].key, depth + 1)) return false;
            if (!set && !enc_value(e, m->slots[i].value, depth + 1)) return false;
        }
        return true;
    }
    case OT_BUFFER: {
        if (enc_ref(e, v)) return true;
        Buffer *b = (Buffer *)o;
        put_bits(&e->out, T_BUFFER, 4);
        put_uvar(&e->out, b->len);
        for (uint32_t i = 0; i < b->len; i++) put_bits(&e->out, b->data[i], 8);
        return true;
    }
    case OT_RANGE: {
        Range *r = (Range *)o;
        put_bits(&e->out, T_MORE, 4);
        put_bits(&e->out, M_RANGE, 4);
        if (!enc_value(e, r->start, depth + 1) || !enc_value(e, r->end, depth + 1)) return false;
        put_bits(&e->out, r->inclusive, 1);
        return true;
    }
    case OT_ENTRY:
        put_bits(&e->out, T_MORE, 4);
        put_bits(&e->out, M_ENTRY, 4);
        return enc_value(e, ((Entry *)o)->key, depth + 1) && enc_value(e, ((Entry *)o)->value, depth + 1);
    case OT_CLASS:
        put_bits(&e->out, T_MORE, 4);
        put_bits(&e->out, M_CLASS, 4);
        enc_string(e, ((Class *)o)->name);
        return true;
    case OT_INSTANCE: {
        Class *ec;
        int64_t ord;
        List *entries;
        if (serial_enum_entry(vm, v, &ec, &ord, &entries)) {
            put_bits(&e->out, T_ENUM, 4);
            enc_string(e, ec->name);
            put_bits(&e->out, (uint64_t)ord, width(entries->count));
            return true;
        }
        return enc_object(e, (Instance *)o, depth);
    }
    default: break;
    }
    vm_throw(vm, vm->c.illegal_argument, "Lynon.encode: %s cannot be serialized", v_type_name(vm, v));
    return false;
}

/* A BitBuffer is a Buffer of class BitBuffer; flags bits 1..3 hold how many
 * bits of the last byte are not part of it. */
#define PAD_SHIFT 1
static Buffer *bit_buffer(VM *vm, const uint8_t *data, size_t nbits) {
    Buffer *b = buffer_new(vm, data, (nbits + 7) / 8, false);
    b->h.cls = vm->c.bit_buffer;
    b->h.flags = (uint8_t)(((8 - nbits % 8) % 8) << PAD_SHIFT);
    return b;
}
static size_t bit_size(Buffer *b) { return (size_t)b->len * 8 - (size_t)((b->h.flags >> PAD_SHIFT) & 7); }

static NativeResult lynon_encode(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (arg_count(vm, argc, 1, 1, "Lynon.encode") != NR_OK) return NR_ERR;
    Enc e = {.vm = vm, .seen = map_new(vm), .open = map_new(vm)};
    list_push(vm, vm->roots, v_obj(e.seen));
    list_push(vm, vm->roots, v_obj(e.open));
    bool ok = enc_value(&e, argv[0], 0);
    vm->roots->count -= 2;
    if (ok) *out = v_obj(bit_buffer(vm, e.out.data, e.out.nbits));
    free(e.out.data);
    return ok ? NR_OK : NR_ERR;
}

/* ---- decoding ---- */

typedef struct {
    BitIn in;
    List *seen;
} Dec;

static bool dec_value(Dec *d, Value *out, int depth);

static bool dec_text(Dec *d, Value *out) {
    VM *vm = d->in.vm;
    uint64_t n = get_uvar(&d->in);
    bool packed = get_bits(&d->in, 1);
    if (d->in.bad) return false;
    /* a copy token may be long, so packed text is bounded by memory only */
    if ((!packed && n > (d->in.nbits - d->in.pos) / 8) || n > vm->mem_limit)
        return corrupt(&d->in, "a string is longer than the data");
    uint8_t *text = malloc(n + 1);
    if (!text) return corrupt(&d->in, "a string is longer than memory allows");
    bool ok = true;
    if (packed) ok = lz_unpack(&d->in, text, n) || corrupt(&d->in, "packed text is damaged");
    else for (uint64_t i = 0; i < n; i++) text[i] = (uint8_t)get_bits(&d->in, 8);
    size_t nchars;
    if (ok && !utf8_valid((const char *)text, n, &nchars)) ok = corrupt(&d->in, "a string is not valid UTF-8");
    if (ok) {
        String *s = str_new(vm, (const char *)text, n);
        list_push(vm, d->seen, v_obj(s));
        *out = v_obj(s);
    }
    free(text);
    return ok;
}

static bool dec_ref(Dec *d, Value *out) {
    if (d->seen->count == 0) return corrupt(&d->in, "a back-reference before any object");
    uint64_t i = get_bits(&d->in, width(d->seen->count));
    if (d->in.bad) return false;
    if (i >= d->seen->count) return corrupt(&d->in, "a back-reference to an object not yet read");
    *out = d->seen->items[i];
    return true;
}

static bool dec_name(Dec *d, String **out) {
    uint64_t tag = get_bits(&d->in, 4);
    Value v;
    if (d->in.bad) return false;
    if (tag == T_STRING ? !dec_text(d, &v) : tag == T_REF ? !dec_ref(d, &v) : !corrupt(&d->in, "expected a name")) return false;
    if (!IS_OT(v, OT_STRING)) return corrupt(&d->in, "expected a name");
    *out = (String *)v.as.o;
    return true;
}

static bool find_class(Dec *d, String *name, Value *out) {
    VM *vm = d->in.vm;
    Value slot;
    if (map_get(vm->global_names, v_obj(str_intern(vm, name->data, name->len)), &slot) &&
        (vm->gflags[slot.as.i] & GF_DEFINED)) {
        Value v = vm->gvals[slot.as.i];
        /* a singleton `object` is stored under its name as its instance */
        if (IS_OT(v, OT_CLASS) || (IS_OT(v, OT_INSTANCE) && strcmp(v.as.o->cls->name->data, name->data) == 0)) {
            *out = v;
            return true;
        }
    }
    if (!d->in.bad) vm_throw(vm, vm->c.illegal_argument, "Lynon.decode: no class '%s' is defined here", name->data);
    d->in.bad = true;
    return false;
}

static bool dec_enum(Dec *d, Class *cls, Value *out) {
    Value ents;
    if (!map_get_str(cls->statics, "entries", &ents) || !IS_OT(ents, OT_LIST))
        return corrupt(&d->in, "an enum entry of a class that is not an enum");
    List *l = (List *)ents.as.o;
    uint64_t i = get_bits(&d->in, width(l->count));
    if (d->in.bad) return false;
    if (i >= l->count) return corrupt(&d->in, "an enum ordinal out of range");
    *out = l->items[i];
    return true;
}

static bool dec_list(Dec *d, List *l, int depth) {
    VM *vm = d->in.vm;
    uint64_t n = get_uvar(&d->in);
    bool typed = get_bits(&d->in, 1);
    if (d->in.bad) return false;
    if (n > d->in.nbits - d->in.pos) return corrupt(&d->in, "a list is longer than the data");
    if (!typed) {
        for (uint64_t i = 0; i < n; i++) {
            Value x;
            if (!dec_value(d, &x, depth + 1)) return false;
            list_push(vm, l, x);
        }
        return true;
    }
    int kind = (int)get_bits(&d->in, 2);
    Class *ec = NULL;
    if (kind == K_ENUM) {
        String *name;
        Value c;
        if (!dec_name(d, &name) || !find_class(d, name, &c)) return false;
        if (!IS_OT(c, OT_CLASS)) return corrupt(&d->in, "an enum list of a class that is not an enum");
        ec = (Class *)c.as.o;
    }
    for (uint64_t i = 0; i < n && !d->in.bad; i++) {
        Value x;
        switch (kind) {
        case K_INT: { uint64_t z = get_uvar(&d->in); x = v_int((int64_t)(z >> 1) ^ -(int64_t)(z & 1)); break; }
        case K_BOOL: x = v_bool(get_bits(&d->in, 1)); break;
        case K_REAL: { uint64_t u = get_bits(&d->in, 64); double r; memcpy(&r, &u, 8); x = v_real(r); break; }
        default: if (!dec_enum(d, ec, &x)) return false;
        }
        list_push(vm, l, x);
    }
    return !d->in.bad;
}

/* Rebuilds an object: exceptions and classes without a body get their
 * fields as they were; a script class is called with its constructor
 * parameters (transient or missing ones left to their defaults) and then
 * gets the rest of its fields. */
static bool dec_object(Dec *d, Value *out, int depth) {
    VM *vm = d->in.vm;
    String *name;
    Value c;
    if (!dec_name(d, &name) || !find_class(d, name, &c)) return false;
    uint32_t slot = d->seen->count;
    list_push(vm, d->seen, V_NULL); /* numbered now, as the encoder did, filled when made */
    uint64_t n = get_uvar(&d->in);
    if (d->in.bad) return false;
    if (n > (d->in.nbits - d->in.pos) / 5) return corrupt(&d->in, "an object has more fields than the data");
    Map *fields = map_new(vm);
    list_push(vm, vm->roots, v_obj(fields));
    bool ok = true;
    for (uint64_t i = 0; i < n && ok; i++) {
        String *fname;
        Value x;
        ok = dec_name(d, &fname) && dec_value(d, &x, depth + 1);
        if (ok) map_put(vm, fields, v_obj(str_intern(vm, fname->data, fname->len)), x);
    }
    Instance *in = NULL;
    if (ok && IS_OT(c, OT_INSTANCE)) {
        in = (Instance *)c.as.o; /* a singleton object: restore its state */
    } else if (ok) {
        Class *cls = (Class *)c.as.o;
        List *params = serial_ctor_params(vm, cls);
        if (serial_is_exception(vm, cls)) {
            in = instance_new(vm, cls);
        } else if (!params) {
            /* a built-in class's objects are not field maps: never fake one */
            ok = corrupt(&d->in, "an object of a class that is not a script class");
        } else {
            uint32_t np = params->count;
            Value *args = calloc(np ? np : 1, sizeof(Value)), r;
            if (!args) abort();
            for (uint32_t i = 0; i < np; i++) {
                /* a parameter not saved (transient) gets its default, else null */
                if (!map_get(fields, params->items[i], &args[i])) args[i] = serial_param_required(vm, cls, i) ? V_NULL : V_UNSET;
            }
            ok = vm_call_sync(vm, c, V_VOID, (int)np, args, &r) == NR_OK;
            free(args);
            if (ok && !IS_OT(r, OT_INSTANCE)) ok = corrupt(&d->in, "a class did not make an object");
            if (ok) in = (Instance *)r.as.o;
            d->in.bad = !ok;
        }
    }
    if (ok) {
        Class *ic = in->h.cls;
        for (uint32_t i = 0; i < fields->nslots; i++) {
            MapSlot *s = &fields->slots[i];
            if (s->live && !serial_is_transient(vm, ic, (String *)s->key.as.o)) map_put(vm, in->fields, s->key, s->value);
        }
        d->seen->items[slot] = v_obj(in);
        *out = v_obj(in);
    }
    vm->roots->count--;
    return ok;
}

static bool dec_value(Dec *d, Value *out, int depth) {
    VM *vm = d->in.vm;
    if (depth > LYNG_MAX_VALUE_DEPTH) return corrupt(&d->in, "values nested too deep");
    uint64_t tag = get_bits(&d->in, 4);
    if (d->in.bad) return false;
    switch (tag) {
    case T_NULL: *out = V_NULL; return true;
    case T_VOID: *out = V_VOID; return true;
    case T_FALSE: *out = V_FALSE; return true;
    case T_TRUE: *out = V_TRUE; return true;
    case T_INT: { uint64_t z = get_uvar(&d->in); *out = v_int((int64_t)(z >> 1) ^ -(int64_t)(z & 1)); return !d->in.bad; }
    case T_REAL: { uint64_t u = get_bits(&d->in, 64); double r; memcpy(&r, &u, 8); *out = v_real(r); return !d->in.bad; }
    case T_CHAR: {
        uint64_t c = get_uvar(&d->in);
        if (!d->in.bad && c > 0x10FFFF) return corrupt(&d->in, "a Char beyond U+10FFFF");
        *out = v_char((uint32_t)c);
        return !d->in.bad;
    }
    case T_STRING: return dec_text(d, out);
    case T_REF: return dec_ref(d, out);
    case T_LIST: {
        List *l = list_new(vm, 0);
        list_push(vm, d->seen, v_obj(l));
        *out = v_obj(l);
        return dec_list(d, l, depth);
    }
    case T_MAP: case T_SET: {
        Map *m = tag == T_SET ? set_new(vm) : map_new(vm);
        list_push(vm, d->seen, v_obj(m));
        *out = v_obj(m);
        uint64_t n = get_uvar(&d->in);
        if (d->in.bad) return false;
        if (n > d->in.nbits - d->in.pos) return corrupt(&d->in, "a map is longer than the data");
        for (uint64_t i = 0; i < n; i++) {
            Value k, x = V_TRUE;
            if (!dec_value(d, &k, depth + 1) || (tag == T_MAP && !dec_value(d, &x, depth + 1))) return false;
            map_put(vm, m, k, x);
            if (class_hook_failed(vm)) return d->in.bad = true, false;
        }
        return true;
    }
    case T_BUFFER: {
        uint64_t n = get_uvar(&d->in);
        if (d->in.bad) return false;
        if (n > (d->in.nbits - d->in.pos) / 8) return corrupt(&d->in, "a buffer is longer than the data");
        Buffer *b = buffer_new(vm, NULL, (size_t)n, false);
        for (uint64_t i = 0; i < n; i++) b->data[i] = (uint8_t)get_bits(&d->in, 8);
        list_push(vm, d->seen, v_obj(b));
        *out = v_obj(b);
        return true;
    }
    case T_ENUM: {
        String *name;
        Value c;
        if (!dec_name(d, &name) || !find_class(d, name, &c)) return false;
        if (!IS_OT(c, OT_CLASS)) return corrupt(&d->in, "an enum entry of a class that is not an enum");
        return dec_enum(d, (Class *)c.as.o, out);
    }
    case T_OBJECT: return dec_object(d, out, depth);
    default: break;
    }
    uint64_t kind = get_bits(&d->in, 4);
    if (d->in.bad) return false;
    Value a, b;
    String *name;
    switch (kind) {
    case M_RANGE:
        if (!dec_value(d, &a, depth + 1) || !dec_value(d, &b, depth + 1)) return false;
        *out = v_obj(range_new(vm, a, b, get_bits(&d->in, 1)));
        return !d->in.bad;
    case M_ENTRY:
        if (!dec_value(d, &a, depth + 1) || !dec_value(d, &b, depth + 1)) return false;
        *out = v_obj(entry_new(vm, a, b));
        return true;
    case M_CLASS:
        return dec_name(d, &name) && find_class(d, name, out);
    default: return corrupt(&d->in, "an unknown kind of value");
    }
}

static NativeResult lynon_decode(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (arg_count(vm, argc, 1, 1, "Lynon.decode") != NR_OK) return NR_ERR;
    if (!IS_OT(argv[0], OT_BUFFER))
        return vm_throw(vm, vm->c.illegal_argument, "Lynon.decode needs a BitBuffer or a Buffer, got %s", v_type_name(vm, argv[0]));
    Buffer *b = (Buffer *)argv[0].as.o;
    Dec d = {.in = {.vm = vm, .data = b->data, .nbits = b->h.cls == vm->c.bit_buffer ? bit_size(b) : (size_t)b->len * 8},
             .seen = list_new(vm, 0)};
    list_push(vm, vm->roots, v_obj(d.seen));
    list_push(vm, vm->roots, argv[0]);
    bool ok = dec_value(&d, out, 0);
    vm->roots->count -= 2;
    return ok ? NR_OK : NR_ERR;
}

/* ---- BitBuffer and hex dumps ---- */

/* 16 bytes a line: offset, hex, and the printable ASCII */
void buffer_dump(StrBuf *sb, const uint8_t *p, size_t n) {
    for (size_t line = 0; line < n; line += 16) {
        sb_printf(sb, "%04zx ", line);
        for (size_t i = line; i < line + 16; i++) {
            if (i < n) sb_printf(sb, " %02x", p[i]);
            else sb_adds(sb, "   ");
        }
        sb_adds(sb, "  |");
        for (size_t i = line; i < line + 16 && i < n; i++) sb_addc(sb, p[i] >= 32 && p[i] < 127 ? (char)p[i] : '.');
        sb_adds(sb, "|\n");
    }
}

static NativeResult b_to_dump(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argv;
    if (arg_count(vm, argc, 0, 0, "toDump") != NR_OK) return NR_ERR;
    StrBuf sb;
    sb_init(&sb);
    buffer_dump(&sb, ((Buffer *)self.as.o)->data, ((Buffer *)self.as.o)->len);
    *out = v_obj(str_new(vm, sb.data ? sb.data : "", sb.len));
    sb_free(&sb);
    return NR_OK;
}

static NativeResult bb_size(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)vm, (void)argc, (void)argv;
    *out = v_int((int64_t)bit_size((Buffer *)self.as.o));
    return NR_OK;
}

static NativeResult bb_size_bytes(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)vm, (void)argc, (void)argv;
    *out = v_int(((Buffer *)self.as.o)->len);
    return NR_OK;
}

static NativeResult bb_to_buffer(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argv;
    if (arg_count(vm, argc, 0, 0, "toBuffer") != NR_OK) return NR_ERR;
    Buffer *b = (Buffer *)self.as.o;
    *out = v_obj(buffer_new(vm, b->data, b->len, false));
    return NR_OK;
}

static NativeResult b_to_bit_input(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argv;
    if (arg_count(vm, argc, 0, 0, "toBitInput") != NR_OK) return NR_ERR;
    Buffer *b = (Buffer *)self.as.o;
    *out = v_obj(bit_buffer(vm, b->data, (size_t)b->len * 8));
    return NR_OK;
}

static void serialization_init(lyng_vm *vm, void *exports) {
    Class *lynon = class_new(vm, "Lynon", vm->c.any);
    vm_def_static(vm, lynon, "encode", lynon_encode);
    vm_def_static(vm, lynon, "decode", lynon_decode);
    map_put_str(vm, exports, "Lynon", v_obj(lynon));
    map_put_str(vm, exports, "Json", v_obj(json_class(vm)));
}

void lynon_init(VM *vm) {
    Class *bb = vm->c.bit_buffer = vm_def_class(vm, "BitBuffer", vm->c.buffer);
    vm_def_property(vm, bb, "size", bb_size);
    vm_def_property(vm, bb, "sizeInBytes", bb_size_bytes);
    vm_def_method(vm, bb, "toBuffer", bb_to_buffer);
    vm_def_method(vm, vm->c.buffer, "toDump", b_to_dump);
    vm_def_method(vm, vm->c.buffer, "toBitInput", b_to_bit_input);
    json_init(vm);
    serial_fields_init(vm);
    lyng_register_module(vm, "lyng.serialization", serialization_init);
}

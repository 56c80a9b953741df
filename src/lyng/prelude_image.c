/* prelude_image.c - the prelude as bytecode compiled at build time: the
 * writer (run by tools/prelude_image.c on the build machine) and the loader
 * (every VM start), so a VM starts without lexing and compiling the
 * prelude's source.
 *
 * The image holds the prototype tree of the prelude's script function and
 * the names of the globals the compiler had numbered when it was made. The
 * bytecode refers to globals by slot number, so the loader checks that the
 * VM numbered the same globals the same way before the prelude (they are
 * defined by the same C code everywhere) and then numbers the prelude's new
 * ones in the same order. Anything different is a fault of the build, which
 * lyng_new reports at once (the prelude's source is not built in).
 *
 * Encoding: unsigned LEB128 numbers, zigzag for signed ones, a Real as its
 * 8 bytes little-endian, a string as its number in the table of strings
 * that comes first. Line information (one entry per code byte in a Proto)
 * is stored as runs, each with the change of line and of column, and all
 * of it after the prototypes, in their order: apart from the bytecode it
 * compresses better (lyng.wasm's gzip 0.6 KiB less). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "prelude_image.h"

#ifndef LYNG_PRELUDE_IMAGE_NONE
#include "prelude_image_data.h" /* generated: lyng_prelude_image[] */
#else
static const unsigned char lyng_prelude_image[1];
#define LYNG_PRELUDE_IMAGE_LEN 0
#endif

#define IMAGE_MAGIC "LyPI"
#define IMAGE_VERSION 2

/* K_SPLAT: the VM's splat marker (vm->cls_names.splat), known by identity */
enum { K_VOID, K_NULL, K_FALSE, K_TRUE, K_INT, K_REAL, K_CHAR, K_UNSET, K_STR, K_NAME, K_LIST, K_PROTO, K_SPLAT };
enum { PF_IMPLICIT_IT = 1, PF_HAS_DEFAULTS = 2, PF_ABSTRACT_STUB = 4, PF_PARAM_NAMES = 8 };

/* ---------------------------------------------------------------- writer */

/* Strings are written once, in a table ahead of the prototypes, and
 * referred to by number: the same names recur throughout the prelude. */
typedef struct StrTable {
    const char **s;
    uint32_t *len;
    uint32_t n, cap;
    const Obj *splat; /* the VM's splat marker, which is no ordinary string */
} StrTable;

static void put_u(StrBuf *sb, uint64_t v);

static void put_str(StrBuf *sb, StrTable *t, const char *s, uint32_t len) {
    uint32_t i = 0;
    while (i < t->n && !(t->len[i] == len && memcmp(t->s[i], s, len) == 0)) i++;
    if (i == t->n) {
        if (t->n == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 256;
            t->s = realloc(t->s, t->cap * sizeof *t->s);
            t->len = realloc(t->len, t->cap * sizeof *t->len);
            if (!t->s || !t->len) abort();
        }
        t->s[t->n] = s;
        t->len[t->n++] = len;
    }
    put_u(sb, i);
}

static void put_u(StrBuf *sb, uint64_t v) {
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        sb_addc(sb, (char)(b | (v ? 0x80 : 0)));
    } while (v);
}

static void put_s(StrBuf *sb, int64_t v) { put_u(sb, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); }

static void put_bytes(StrBuf *sb, const void *p, size_t n) {
    put_u(sb, n);
    sb_add(sb, p, n);
}

static bool put_value(StrBuf *sb, StrBuf *lines, StrTable *t, Value v, const char **why);

static bool put_proto(StrBuf *sb, StrBuf *lines, StrTable *t, Proto *p, const char **why) {
    put_str(sb, t, p->name->data, p->name->len);
    put_u(sb, p->nparams);
    put_s(sb, p->rest_param);
    put_u(sb, (p->implicit_it ? PF_IMPLICIT_IT : 0) | (p->has_defaults ? PF_HAS_DEFAULTS : 0) |
                  (p->abstract_stub ? PF_ABSTRACT_STUB : 0) | (p->param_names ? PF_PARAM_NAMES : 0));
    put_u(sb, p->max_stack);
    put_bytes(sb, p->code, p->code_len);
    uint32_t runs = 0;
    for (uint32_t i = 0; i < p->code_len; i++)
        if (i == 0 || p->lines[i].line != p->lines[i - 1].line || p->lines[i].col != p->lines[i - 1].col) runs++;
    put_u(lines, runs);
    uint32_t line = 0, col = 0;
    for (uint32_t i = 0; i < p->code_len;) {
        uint32_t j = i;
        while (j < p->code_len && p->lines[j].line == p->lines[i].line && p->lines[j].col == p->lines[i].col) j++;
        put_u(lines, j - i);
        put_s(lines, (int64_t)p->lines[i].line - line); /* lines change by little */
        put_s(lines, (int64_t)p->lines[i].col - col);
        line = p->lines[i].line;
        col = p->lines[i].col;
        i = j;
    }
    put_u(sb, p->nconsts);
    for (uint32_t i = 0; i < p->nconsts; i++)
        if (!put_value(sb, lines, t, p->consts[i], why)) return false;
    if (p->param_names)
        for (uint32_t i = 0; i < p->nparams; i++) {
            if (!(p->param_names[i]->h.flags & OF_INTERNED)) return *why = "a parameter name that is not interned", false;
            put_str(sb, t, p->param_names[i]->data, p->param_names[i]->len);
        }
    put_u(sb, p->nupvals);
    for (uint32_t i = 0; i < p->nupvals; i++) {
        put_u(sb, p->upval_is_local[i]);
        put_u(sb, p->upval_index[i]);
    }
    return true;
}

static bool put_value(StrBuf *sb, StrBuf *lines, StrTable *t, Value v, const char **why) {
    switch (v.type) {
    case VT_VOID: put_u(sb, K_VOID); return true;
    case VT_NULL: put_u(sb, K_NULL); return true;
    case VT_BOOL: put_u(sb, v.as.b ? K_TRUE : K_FALSE); return true;
    case VT_INT: put_u(sb, K_INT); put_s(sb, v.as.i); return true;
    case VT_REAL: {
        uint64_t bits;
        memcpy(&bits, &v.as.r, 8);
        put_u(sb, K_REAL);
        for (int i = 0; i < 8; i++) sb_addc(sb, (char)(bits >> (8 * i)));
        return true;
    }
    case VT_CHAR: put_u(sb, K_CHAR); put_u(sb, v.as.c); return true;
    case VT_UNSET: put_u(sb, K_UNSET); return true;
    default: break;
    }
    Obj *o = v.as.o;
    if (o == t->splat) {
        put_u(sb, K_SPLAT);
        return true;
    }
    if (o->type == OT_STRING) {
        String *s = (String *)o;
        put_u(sb, (o->flags & OF_INTERNED) ? K_NAME : K_STR);
        put_str(sb, t, s->data, s->len);
        return true;
    }
    if (o->type == OT_LIST) {
        List *l = (List *)o;
        put_u(sb, K_LIST);
        put_u(sb, l->count);
        for (uint32_t i = 0; i < l->count; i++)
            if (!put_value(sb, lines, t, l->items[i], why)) return false;
        return true;
    }
    if (o->type == OT_PROTO) {
        put_u(sb, K_PROTO);
        return put_proto(sb, lines, t, (Proto *)o, why);
    }
    *why = "a constant of a kind the image cannot hold";
    return false;
}

/* The globals numbered before the prelude, as one hash of their names. */
static uint32_t globals_hash(VM *vm, uint32_t n) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++) {
        String *g = vm->gnames[i];
        for (uint32_t k = 0; k <= g->len; k++) h = (h ^ (uint8_t)g->data[k]) * 16777619u; /* the NUL too */
    }
    return h;
}

bool prelude_image_write(VM *vm, Proto *p, uint32_t globals_before, StrBuf *out, const char **why) {
    for (uint32_t i = globals_before; i < vm->nglobals; i++)
        if (vm->gflags[i] || !IS_UNSET(vm->gvals[i])) return *why = "compiling defined a global", false;
    StrTable t = {0};
    t.splat = (const Obj *)vm->cls_names.splat;
    StrBuf body, lines;
    sb_init(&body);
    sb_init(&lines);
    put_u(&body, globals_before);
    put_u(&body, globals_hash(vm, globals_before));
    put_u(&body, vm->nglobals);
    for (uint32_t i = globals_before; i < vm->nglobals; i++) put_str(&body, &t, vm->gnames[i]->data, vm->gnames[i]->len);
    bool ok = put_proto(&body, &lines, &t, p, why);
    sb_add(out, IMAGE_MAGIC, 4);
    put_u(out, IMAGE_VERSION);
    put_u(out, t.n);
    for (uint32_t i = 0; i < t.n; i++) put_bytes(out, t.s[i], t.len[i]);
    put_bytes(out, body.data, body.len);
    sb_add(out, lines.data, lines.len);
    sb_free(&body);
    sb_free(&lines);
    free(t.s);
    free(t.len);
    return ok;
}

/* ---------------------------------------------------------------- loader */

typedef struct Reader {
    const uint8_t *p, *end;
    bool bad;
    struct Reader *lines; /* the line information, after the prototypes */
    VM *vm;
    String *source;
    const char **str; /* the string table: text and length */
    uint32_t *len, nstr;
} Reader;

static uint64_t get_u(Reader *r) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) break;
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
    }
    r->bad = true;
    return 0;
}

static int64_t get_s(Reader *r) {
    uint64_t u = get_u(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* A length-prefixed run of bytes inside the image, or NULL. */
static const char *get_bytes(Reader *r, uint32_t *len) {
    uint64_t n = get_u(r);
    if (r->bad || n > (uint64_t)(r->end - r->p)) {
        r->bad = true;
        *len = 0;
        return NULL;
    }
    const char *s = (const char *)r->p;
    r->p += n;
    *len = (uint32_t)n;
    return s;
}

/* A string of the table, by number: its text, or NULL. */
static const char *get_str(Reader *r, uint32_t *len) {
    uint64_t i = get_u(r);
    if (r->bad || i >= r->nstr) {
        r->bad = true;
        return NULL;
    }
    *len = r->len[i];
    return r->str[i];
}

static String *get_name(Reader *r) {
    uint32_t n;
    const char *s = get_str(r, &n);
    return s ? str_intern(r->vm, s, n) : NULL;
}

static Value get_value(Reader *r, int depth);

static Proto *get_proto(Reader *r, int depth) {
    VM *vm = r->vm;
    String *name = get_name(r);
    if (!name || depth > 64) return r->bad = true, NULL;
    Proto *p = vm_alloc(vm, OT_PROTO, vm->c.callable, sizeof(Proto));
    memset((char *)p + sizeof(Obj), 0, sizeof(Proto) - sizeof(Obj));
    p->name = name;
    p->source = r->source;
    p->nparams = (uint16_t)get_u(r);
    p->rest_param = (int32_t)get_s(r);
    uint64_t flags = get_u(r);
    p->implicit_it = flags & PF_IMPLICIT_IT;
    p->has_defaults = flags & PF_HAS_DEFAULTS;
    p->abstract_stub = flags & PF_ABSTRACT_STUB;
    p->max_stack = (uint32_t)get_u(r);
    uint32_t code_len;
    const char *code = get_bytes(r, &code_len);
    if (!code || !code_len) return r->bad = true, NULL;
    p->code = vm_realloc(vm, NULL, 0, code_len);
    memcpy(p->code, code, code_len);
    p->lines = vm_realloc(vm, NULL, 0, sizeof(LineInfo) * code_len);
    p->code_len = p->code_cap = code_len;
    proto_set_checked_entry(p);
    Reader *lr = r->lines;
    uint64_t runs = get_u(lr), at = 0;
    uint32_t line = 0, col = 0;
    for (uint64_t i = 0; i < runs && !lr->bad; i++) {
        uint64_t n = get_u(lr);
        line += (uint32_t)get_s(lr);
        col += (uint32_t)get_s(lr);
        LineInfo li = {line, col};
        if (n > code_len - at) return r->bad = true, NULL;
        for (uint64_t k = 0; k < n; k++) p->lines[at++] = li;
    }
    if (lr->bad || at != code_len) return r->bad = true, NULL;
    uint64_t nconsts = get_u(r);
    if (nconsts > (uint64_t)(r->end - r->p)) return r->bad = true, NULL;
    if (nconsts) p->consts = vm_realloc(vm, NULL, 0, sizeof(Value) * nconsts);
    p->const_cap = (uint32_t)nconsts;
    for (uint64_t i = 0; i < nconsts && !r->bad; i++) p->consts[p->nconsts++] = get_value(r, depth);
    if (flags & PF_PARAM_NAMES) {
        p->param_names = vm_realloc(vm, NULL, 0, sizeof(String *) * (p->nparams ? p->nparams : 1));
        for (uint32_t i = 0; i < p->nparams; i++) {
            String *s = r->bad ? NULL : get_name(r);
            p->param_names[i] = s ? s : vm->s_it; /* never NULL: the collector marks them */
        }
    }
    uint64_t nup = get_u(r);
    if (nup > UINT16_MAX) return r->bad = true, NULL;
    p->nupvals = (uint16_t)nup;
    if (nup) {
        p->upval_is_local = vm_realloc(vm, NULL, 0, (size_t)nup);
        p->upval_index = vm_realloc(vm, NULL, 0, (size_t)nup * sizeof(uint32_t));
        for (uint64_t i = 0; i < nup; i++) {
            p->upval_is_local[i] = (uint8_t)get_u(r);
            p->upval_index[i] = (uint32_t)get_u(r);
        }
    }
    return r->bad ? NULL : p;
}

static Value get_value(Reader *r, int depth) {
    uint64_t kind = get_u(r);
    switch (kind) {
    case K_VOID: return V_VOID;
    case K_NULL: return V_NULL;
    case K_FALSE: return V_FALSE;
    case K_TRUE: return V_TRUE;
    case K_INT: return v_int(get_s(r));
    case K_REAL: {
        if (r->end - r->p < 8) break;
        uint64_t bits = 0;
        for (int i = 0; i < 8; i++) bits |= (uint64_t)r->p[i] << (8 * i);
        r->p += 8;
        double d;
        memcpy(&d, &bits, 8);
        return v_real(d);
    }
    case K_CHAR: return v_char((uint32_t)get_u(r));
    case K_UNSET: return V_UNSET;
    case K_STR: {
        uint32_t n;
        const char *s = get_str(r, &n);
        if (s) return v_obj(str_new(r->vm, s, n));
        break;
    }
    case K_NAME: {
        String *s = get_name(r);
        if (s) return v_obj(s);
        break;
    }
    case K_LIST: {
        uint64_t n = get_u(r);
        if (n > (uint64_t)(r->end - r->p)) break;
        List *l = list_new(r->vm, (uint32_t)n);
        for (uint64_t i = 0; i < n && !r->bad; i++) list_push(r->vm, l, get_value(r, depth + 1));
        return v_obj(l);
    }
    case K_SPLAT: return v_obj(r->vm->cls_names.splat);
    case K_PROTO: {
        Proto *p = get_proto(r, depth + 1);
        if (p) return v_obj(p);
        break;
    }
    default: break;
    }
    r->bad = true;
    return V_VOID;
}

/* The globals the image was made with: the first ones must be the VM's,
 * in order; the prelude's own are numbered now, in order. */
static bool get_globals(Reader *r) {
    VM *vm = r->vm;
    uint64_t before = get_u(r), hash = get_u(r), after = get_u(r);
    if (r->bad || before != vm->nglobals || hash != globals_hash(vm, vm->nglobals) || after < before) return false;
    for (uint64_t i = before; i < after; i++) {
        uint32_t n;
        const char *s = get_str(r, &n);
        if (!s || vm_global_slot(vm, s, n) != i) return false;
    }
    return true;
}

static bool get_table(Reader *r) {
    uint64_t n = get_u(r);
    if (r->bad || n > (uint64_t)(r->end - r->p)) return false;
    r->nstr = (uint32_t)n;
    r->str = malloc((n ? n : 1) * sizeof *r->str);
    r->len = malloc((n ? n : 1) * sizeof *r->len);
    if (!r->str || !r->len) abort();
    for (uint32_t i = 0; i < r->nstr; i++)
        if (!(r->str[i] = get_bytes(r, &r->len[i]))) return false;
    return true;
}

Proto *prelude_image_load(VM *vm, const char *source_name) {
    const uint8_t *end = lyng_prelude_image + LYNG_PRELUDE_IMAGE_LEN;
    Reader lines = {end, end, false, NULL, vm, NULL, NULL, NULL, 0};
    Reader r = {lyng_prelude_image, end, false, &lines, vm, NULL, NULL, NULL, 0};
    if (LYNG_PRELUDE_IMAGE_LEN < 5 || memcmp(r.p, IMAGE_MAGIC, 4) != 0) return NULL;
    r.p += 4;
    Proto *p = NULL;
    uint32_t body_len;
    if (get_u(&r) == IMAGE_VERSION && get_table(&r) && get_bytes(&r, &body_len)) {
        /* the prototypes end where the line information starts */
        lines.p = r.p;
        r.end = r.p;
        r.p -= body_len;
        if (get_globals(&r)) {
            r.source = str_cstr(vm, source_name);
            p = get_proto(&r, 0);
        }
    }
    free(r.str);
    free(r.len);
    return r.bad || lines.bad || r.p != r.end || lines.p != lines.end ? NULL : p;
}

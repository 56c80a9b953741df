/* format.c - how values print: toString() for people, inspect() for the REPL
 * and doc tests, and the growable byte buffer both write into. The rules are
 * the table "How values print" in the language reference. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"
#include "limits.h"

/* ---- StrBuf: always NUL-terminated once anything was added ---- */

void sb_init(StrBuf *sb) {
    sb->data = NULL;
    sb->len = sb->cap = 0;
}

void sb_free(StrBuf *sb) {
    free(sb->data);
    sb_init(sb);
}

static void sb_reserve(StrBuf *sb, size_t extra) {
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap) return;
    size_t ncap = sb->cap ? sb->cap : 32;
    while (ncap < need) ncap *= 2;
    char *p = lyng_mem_realloc(sb->data, ncap);
    sb->data = p;
    sb->cap = ncap;
}

void sb_add(StrBuf *sb, const char *s, size_t n) {
    sb_reserve(sb, n);
    if (n) memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = 0;
}

void sb_adds(StrBuf *sb, const char *s) { sb_add(sb, s, strlen(s)); }

void sb_addc(StrBuf *sb, char c) { sb_add(sb, &c, 1); }

void sb_printf(StrBuf *sb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char small[128];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        sb_add(sb, small, (size_t)n);
        return;
    }
    sb_reserve(sb, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void sb_add_utf8(StrBuf *sb, uint32_t cp) {
    char b[4];
    sb_add(sb, b, utf8_encode(cp, b));
}

/* ---- Real ---- */

void fmt_real(StrBuf *sb, double d) {
    if (isnan(d)) {
        sb_adds(sb, "NaN");
        return;
    }
    if (isinf(d)) {
        sb_adds(sb, d < 0 ? "-Infinity" : "Infinity");
        return;
    }
    if (d == 0) {
        sb_adds(sb, signbit(d) ? "-0.0" : "0.0");
        return;
    }
    /* the fewest significant digits (at least two, as the JVM does) that read
     * back as the same double; trailing zeros are dropped below */
    char buf[40];
    for (int p = 1; p < 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p, d);
        if (strtod(buf, NULL) == d) break;
    }
    const char *s = buf;
    if (*s == '-') {
        sb_addc(sb, '-');
        s++;
    }
    char digits[24];
    int n = 0;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9') digits[n++] = *s;
    while (n > 1 && digits[n - 1] == '0') n--;
    int exp = *s == 'e' ? atoi(s + 1) : 0;
    double a = fabs(d);
    if (a >= 1e-3 && a < 1e7) {
        if (exp >= 0) {
            for (int i = 0; i <= exp; i++) sb_addc(sb, i < n ? digits[i] : '0');
            sb_addc(sb, '.');
            if (n > exp + 1) sb_add(sb, digits + exp + 1, (size_t)(n - exp - 1));
            else sb_addc(sb, '0');
        } else {
            sb_adds(sb, "0.");
            for (int i = 0; i < -exp - 1; i++) sb_addc(sb, '0');
            sb_add(sb, digits, (size_t)n);
        }
        return;
    }
    sb_addc(sb, digits[0]);
    if (n > 1) {
        sb_addc(sb, '.');
        sb_add(sb, digits + 1, (size_t)(n - 1));
    }
    sb_printf(sb, "E%d", exp);
}

/* ---- values ---- */

/* The chain of containers being printed, to cut cycles and deep nesting. */
typedef struct Seen {
    const Obj *o;
    const struct Seen *up;
    int depth;
} Seen;

static void put(VM *vm, StrBuf *sb, Value v, bool inspect, const Seen *seen);

static bool is_seen(const Seen *seen, const Obj *o) {
    for (; seen; seen = seen->up)
        if (seen->o == o) return true;
    return false;
}

static void put_quoted(StrBuf *sb, const char *s, size_t len, char quote) {
    sb_addc(sb, quote);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\n': sb_adds(sb, "\\n"); break;
        case '\t': sb_adds(sb, "\\t"); break;
        case '\r': sb_adds(sb, "\\r"); break;
        case '\\': sb_adds(sb, "\\\\"); break;
        default:
            if (c == (unsigned char)quote) {
                sb_addc(sb, '\\');
                sb_addc(sb, (char)c);
            } else if (c < 0x20 || c == 0x7F) {
                sb_printf(sb, "\\u%04X", c);
            } else {
                sb_addc(sb, (char)c);
            }
        }
    }
    sb_addc(sb, quote);
}

/* Runs a toString() a script class defines (or a native one a module class
 * registers). False when there is none or it failed. `seen` is the chain
 * that ends with v itself: a toString() answering a value that is not a
 * String (itself, or one more object each time) prints that value within
 * the same chain, so it ends as any cycle or deep nesting does. */
static bool custom_to_string(VM *vm, StrBuf *sb, Value v, const Seen *seen) {
    Class *cls = v.as.o->cls;
    if (!cls || !vm->c.any) return false;
    String *name = str_intern(vm, "toString", 8);
    Value fn;
    bool found = false;
    uint32_t i = 0;
    for (Class *c = cls; c && c != vm->c.any && !found; c = class_next(cls, c, &i))
        found = map_get(c->methods, v_obj(name), &fn);
    if (!found) return false;
    Value out = V_VOID;
    NativeResult r;
    if (IS_OT(fn, OT_NATIVE)) r = ((Native *)fn.as.o)->fn(vm, v, 0, NULL, &out);
    else if (IS_OT(fn, OT_CLOSURE)) r = vm_call_sync(vm, fn, v, 0, NULL, &out);
    else return false;
    if (r != NR_OK) {
        vm->pending_exc = V_VOID; /* printing must not fail: fall back to the default form */
        return false;
    }
    if (IS_OT(out, OT_STRING)) sb_add(sb, ((String *)out.as.o)->data, ((String *)out.as.o)->len);
    else put(vm, sb, out, false, seen);
    return true;
}

static void put_instance(VM *vm, StrBuf *sb, Instance *in, const Seen *seen) {
    Value v = v_obj(in);
    if (custom_to_string(vm, sb, v, seen)) return;
    Class *cls = in->h.cls;
    const char *cname = cls && cls->name ? cls->name->data : "Object";
    if (cls && cls->is_exception) {
        Value msg = V_NULL;
        sb_adds(sb, cname);
        if (vm->s_message && map_get(in->fields, v_obj(vm->s_message), &msg) && !IS_NULL(msg)) {
            sb_adds(sb, ": ");
            put(vm, sb, msg, false, seen);
        }
        return;
    }
    sb_adds(sb, cname);
    sb_addc(sb, '(');
    Map *f = in->fields;
    bool first = true;
    for (uint32_t i = 0; f && i < f->nslots; i++) {
        MapSlot *s = &f->slots[i];
        if (!s->live || !IS_OT(s->key, OT_STRING)) continue;
        const char *k = ((String *)s->key.as.o)->data;
        if (k[0] == '_' && k[1] == '_') continue; /* runtime-internal fields */
        if (cls->has_hidden && class_member_hidden(vm, cls, (String *)s->key.as.o)) continue; /* public ones only */
        if (!first) sb_addc(sb, ',');
        first = false;
        sb_adds(sb, k);
        sb_addc(sb, '=');
        put(vm, sb, s->value, false, seen);
    }
    sb_addc(sb, ')');
}

/* By hand: printf costs more than the rest of a `"n=" + n` concatenation. */
size_t fmt_int_decimal(int64_t i, char *buf) {
    char tmp[20];
    uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t len = 0;
    if (i < 0) buf[len++] = '-';
    while (n) buf[len++] = tmp[--n];
    return len;
}

/* An object as name@number, the number in decimal so doc tests can mask it
 * as `@...`. Without printf: lyng_run formats the result of every run, and
 * on wasm printf's code would otherwise be compiled at every start. */
static void put_id(StrBuf *sb, const char *name, const Obj *o) {
    char digits[21];
    sb_adds(sb, name);
    sb_addc(sb, '@');
    sb_add(sb, digits, fmt_int_decimal((int64_t)(((uintptr_t)o) >> 3), digits));
}

static void put(VM *vm, StrBuf *sb, Value v, bool inspect, const Seen *seen) {
    switch (v.type) {
    case VT_VOID: sb_adds(sb, "void"); return;
    case VT_NULL: sb_adds(sb, "null"); return;
    case VT_UNSET: sb_adds(sb, "unset"); return;
    case VT_BOOL: sb_adds(sb, v.as.b ? "true" : "false"); return;
    case VT_INT: {
        char b[24];
        sb_add(sb, b, fmt_int_decimal(v.as.i, b));
        return;
    }
    case VT_REAL: fmt_real(sb, v.as.r); return;
    case VT_CHAR:
        if (inspect) {
            char b[4];
            put_quoted(sb, b, utf8_encode(v.as.c, b), '\'');
        } else {
            sb_add_utf8(sb, v.as.c);
        }
        return;
    default: break;
    }
    Obj *o = v.as.o;
    int depth = seen ? seen->depth + 1 : 0;
    Seen here = {o, seen, depth};
    bool cut = is_seen(seen, o) || depth >= LYNG_MAX_VALUE_DEPTH;
    switch (o->type) {
    case OT_STRING: {
        String *s = (String *)o;
        if (inspect) put_quoted(sb, s->data, s->len, '"');
        else sb_add(sb, s->data, s->len);
        return;
    }
    case OT_LIST: {
        List *l = (List *)o;
        if (cut) {
            sb_adds(sb, "[...]");
            return;
        }
        sb_addc(sb, '[');
        for (uint32_t i = 0; i < l->count; i++) {
            if (i) sb_addc(sb, ',');
            put(vm, sb, l->items[i], false, &here);
        }
        sb_addc(sb, ']');
        return;
    }
    case OT_MAP: {
        Map *m = (Map *)o;
        bool set = (o->flags & OF_SET) != 0;
        sb_adds(sb, set ? "Set(" : "Map(");
        if (cut) {
            sb_adds(sb, "...)");
            return;
        }
        bool first = true;
        for (uint32_t i = 0; i < m->nslots; i++) {
            MapSlot *s = &m->slots[i];
            if (!s->live) continue;
            if (!first) sb_addc(sb, ',');
            first = false;
            put(vm, sb, s->key, true, &here);
            if (!set) {
                sb_adds(sb, " => ");
                put(vm, sb, s->value, false, &here);
            }
        }
        sb_addc(sb, ')');
        return;
    }
    case OT_RANGE: {
        Range *r = (Range *)o;
        if (!IS_NULL(r->start)) put(vm, sb, r->start, false, &here);
        sb_adds(sb, r->inclusive || IS_NULL(r->end) ? ".." : "..<");
        if (!IS_NULL(r->end)) put(vm, sb, r->end, false, &here);
        return;
    }
    case OT_ENTRY: {
        Entry *e = (Entry *)o;
        if (cut) {
            sb_adds(sb, "(...)");
            return;
        }
        sb_addc(sb, '(');
        put(vm, sb, e->key, false, &here);
        sb_adds(sb, " => ");
        put(vm, sb, e->value, false, &here);
        sb_addc(sb, ')');
        return;
    }
    case OT_BUFFER: {
        Buffer *b = (Buffer *)o;
        sb_adds(sb, o->cls && o->cls->name ? o->cls->name->data : "Buffer");
        sb_addc(sb, '(');
        for (uint32_t i = 0; i < b->len; i++) sb_printf(sb, i ? ",%u" : "%u", b->data[i]);
        sb_addc(sb, ')');
        return;
    }
    case OT_CLASS: {
        Class *c = (Class *)o;
        sb_adds(sb, c->name ? c->name->data : "Class");
        return;
    }
    case OT_INSTANCE:
        if (cut) {
            sb_adds(sb, o->cls && o->cls->name ? o->cls->name->data : "Object");
            sb_adds(sb, "(...)");
            return;
        }
        put_instance(vm, sb, (Instance *)o, &here);
        return;
    case OT_CLOSURE:
    case OT_NATIVE:
    case OT_BOUND:
    case OT_PROTO: put_id(sb, "Callable", o); return;
    case OT_HANDLE:
        if (custom_to_string(vm, sb, v, &here)) return;
        break;
    default: break;
    }
    put_id(sb, o->cls && o->cls->name ? o->cls->name->data : "Object", o);
}

void v_to_string(VM *vm, StrBuf *sb, Value v) { put(vm, sb, v, false, NULL); }

void v_inspect(VM *vm, StrBuf *sb, Value v) { put(vm, sb, v, true, NULL); }

String *v_to_String(VM *vm, Value v) {
    if (IS_OT(v, OT_STRING)) return (String *)v.as.o;
    if (IS_INT(v)) {
        char b[24];
        return str_new(vm, b, fmt_int_decimal(v.as.i, b));
    }
    StrBuf sb;
    sb_init(&sb);
    v_to_string(vm, &sb, v);
    String *s = str_new(vm, sb.data ? sb.data : "", sb.len);
    sb_free(&sb);
    return s;
}

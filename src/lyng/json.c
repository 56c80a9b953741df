/* json.c - JSON for scripts: `v.toJsonString()` writes any value (objects
 * by their serialized fields, see serial_fields.c; a class may define its own
 * `toJsonObject()`), `v.toJsonObject()` gives the same as plain Lyng values
 * (Map, List, String, Int, Real, Bool, null) and `Json.parse(text)` reads
 * JSON back into them. Malformed text raises IllegalArgumentException naming
 * the line and column. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lib.h"
#include "limits.h"


/* ---- writing ---- */

static void write_string(StrBuf *sb, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    sb_addc(sb, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': sb_adds(sb, "\\\""); break;
        case '\\': sb_adds(sb, "\\\\"); break;
        case '\n': sb_adds(sb, "\\n"); break;
        case '\r': sb_adds(sb, "\\r"); break;
        case '\t': sb_adds(sb, "\\t"); break;
        case '\b': sb_adds(sb, "\\b"); break;
        case '\f': sb_adds(sb, "\\f"); break;
        default:
            if (c < 0x20) {
                char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                sb_add(sb, u, 6);
            } else {
                sb_addc(sb, (char)c);
            }
        }
    }
    sb_addc(sb, '"');
}

static bool write_value(VM *vm, StrBuf *sb, Value v, int depth);

static bool write_items(VM *vm, StrBuf *sb, List *l, int depth) {
    sb_addc(sb, '[');
    for (uint32_t i = 0; i < l->count; i++) {
        if (i) sb_addc(sb, ',');
        if (!write_value(vm, sb, l->items[i], depth + 1)) return false;
    }
    sb_addc(sb, ']');
    return true;
}

/* an object key: a String as it is, anything else as its toString() */
static void write_key(VM *vm, StrBuf *sb, Value k) {
    if (IS_OT(k, OT_STRING)) {
        write_string(sb, ((String *)k.as.o)->data, ((String *)k.as.o)->len);
        return;
    }
    StrBuf t;
    sb_init(&t);
    v_to_string(vm, &t, k);
    write_string(sb, t.data ? t.data : "", t.len);
    sb_free(&t);
}

static bool write_instance(VM *vm, StrBuf *sb, Instance *in, int depth) {
    Class *cls = in->h.cls;
    Value m;
    String *name;
    if (vm_find_method(vm, cls, str_intern(vm, "toJsonObject", 12), &m) && IS_OT(m, OT_CLOSURE)) {
        Value r;
        if (vm_call_sync(vm, m, v_obj(in), 0, NULL, &r) != NR_OK) return false;
        return write_value(vm, sb, r, depth + 1);
    }
    if (serial_enum_entry(vm, v_obj(in), NULL, NULL, NULL) && map_get(in->fields, v_obj(vm->s_name_prop), &m) &&
        IS_OT(m, OT_STRING)) {
        name = (String *)m.as.o;
        write_string(sb, name->data, name->len);
        return true;
    }
    List *names = serial_fields(vm, in);
    sb_addc(sb, '{');
    for (uint32_t i = 0; i < names->count; i++) {
        if (i) sb_addc(sb, ',');
        write_key(vm, sb, names->items[i]);
        sb_addc(sb, ':');
        map_get(in->fields, names->items[i], &m);
        if (!write_value(vm, sb, m, depth + 1)) return false;
    }
    sb_addc(sb, '}');
    return true;
}

static bool write_value(VM *vm, StrBuf *sb, Value v, int depth) {
    if (depth > LYNG_MAX_VALUE_DEPTH) {
        vm_throw(vm, vm->c.illegal_argument, "toJsonString: nested deeper than %d levels", LYNG_MAX_VALUE_DEPTH);
        return false;
    }
    switch (v.type) {
    case VT_NULL: case VT_VOID: case VT_UNSET: sb_adds(sb, "null"); return true;
    case VT_BOOL: sb_adds(sb, v.as.b ? "true" : "false"); return true;
    case VT_INT: sb_printf(sb, "%lld", (long long)v.as.i); return true;
    case VT_REAL:
        if (!isfinite(v.as.r)) {
            vm_throw(vm, vm->c.illegal_argument, "toJsonString: %s has no JSON form", isnan(v.as.r) ? "NaN" : "an infinite Real");
            return false;
        }
        fmt_real(sb, v.as.r);
        return true;
    case VT_CHAR: {
        StrBuf t;
        sb_init(&t);
        sb_add_utf8(&t, v.as.c);
        write_string(sb, t.data, t.len);
        sb_free(&t);
        return true;
    }
    default: break;
    }
    Obj *o = v.as.o;
    switch (o->type) {
    case OT_STRING: write_string(sb, ((String *)o)->data, ((String *)o)->len); return true;
    case OT_LIST: return write_items(vm, sb, (List *)o, depth);
    case OT_MAP:
        if (o->flags & OF_SET) return write_items(vm, sb, iter_to_list(vm, v), depth);
        {
            Map *m = (Map *)o;
            bool first = true;
            sb_addc(sb, '{');
            for (uint32_t i = 0; i < m->nslots; i++) {
                if (!m->slots[i].live) continue;
                if (!first) sb_addc(sb, ',');
                first = false;
                write_key(vm, sb, m->slots[i].key);
                sb_addc(sb, ':');
                if (!write_value(vm, sb, m->slots[i].value, depth + 1)) return false;
            }
            sb_addc(sb, '}');
            return true;
        }
    case OT_BUFFER: case OT_RANGE: {
        List *l = iter_to_list(vm, v);
        return l && write_items(vm, sb, l, depth);
    }
    case OT_ENTRY: {
        List *l = list_new(vm, 2);
        list_push(vm, l, ((Entry *)o)->key);
        list_push(vm, l, ((Entry *)o)->value);
        return write_items(vm, sb, l, depth);
    }
    case OT_INSTANCE: return write_instance(vm, sb, (Instance *)o, depth);
    default: break;
    }
    vm_throw(vm, vm->c.illegal_argument, "toJsonString: %s has no JSON form", v_type_name(vm, v));
    return false;
}

static NativeResult to_json_string(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argv;
    if (arg_count(vm, argc, 0, 0, "toJsonString") != NR_OK) return NR_ERR;
    StrBuf sb;
    sb_init(&sb);
    bool ok = write_value(vm, &sb, self, 0);
    if (ok) *out = v_obj(str_new(vm, sb.data ? sb.data : "", sb.len));
    sb_free(&sb);
    return ok ? NR_OK : NR_ERR;
}

/* ---- reading ---- */

typedef struct {
    VM *vm;
    const char *s, *end, *start;
} Rd;

static bool fail(Rd *r, const char *what) {
    int line = 1, col = 1;
    for (const char *p = r->start; p < r->s; p++) {
        if (*p == '\n') { line++; col = 1; } else if (((unsigned char)*p & 0xC0) != 0x80) col++;
    }
    if (r->s >= r->end) vm_throw(r->vm, r->vm->c.illegal_argument, "JSON: %s at the end of the text", what);
    else vm_throw(r->vm, r->vm->c.illegal_argument, "JSON: %s at %d:%d", what, line, col);
    return false;
}

static void skip_ws(Rd *r) {
    while (r->s < r->end && (*r->s == ' ' || *r->s == '\t' || *r->s == '\n' || *r->s == '\r')) r->s++;
}

static bool lit(Rd *r, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(r->end - r->s) < n || memcmp(r->s, word, n) != 0) return false;
    r->s += n;
    return true;
}

static bool read_string(Rd *r, Value *out) {
    r->s++; /* the opening quote */
    StrBuf sb;
    sb_init(&sb);
    for (;;) {
        if (r->s >= r->end) { sb_free(&sb); return fail(r, "unterminated string"); }
        unsigned char c = (unsigned char)*r->s;
        if (c == '"') break;
        if (c < 0x20) { sb_free(&sb); return fail(r, "control character in a string"); }
        if (c != '\\') { sb_addc(&sb, (char)c); r->s++; continue; }
        if (r->end - r->s < 2) { sb_free(&sb); return fail(r, "unterminated string"); }
        char e = r->s[1];
        r->s += 2;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) {
            sb_addc(&sb, "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"]);
            continue;
        }
        int cp = e == 'u' && r->end - r->s >= 4 ? utf8_hex4(r->s) : -1;
        if (cp < 0) { r->s -= 2; sb_free(&sb); return fail(r, "bad escape in a string"); }
        r->s += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && r->end - r->s >= 6 && r->s[0] == '\\' && r->s[1] == 'u') {
            int lo = utf8_hex4(r->s + 2);
            if (lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                r->s += 6;
            }
        }
        sb_add_utf8(&sb, (uint32_t)cp);
    }
    r->s++;
    size_t nchars;
    if (!utf8_valid(sb.data ? sb.data : "", sb.len, &nchars)) { sb_free(&sb); return fail(r, "malformed UTF-8 in a string"); }
    *out = v_obj(str_new(r->vm, sb.data ? sb.data : "", sb.len));
    sb_free(&sb);
    return true;
}

static bool read_number(Rd *r, Value *out) {
    const char *p = r->s;
    bool real = false;
    if (p < r->end && *p == '-') p++;
    if (p >= r->end || *p < '0' || *p > '9') return fail(r, "expected a value");
    if (*p == '0') p++;
    else while (p < r->end && *p >= '0' && *p <= '9') p++;
    if (p < r->end && *p == '.') {
        real = true;
        p++;
        if (p >= r->end || *p < '0' || *p > '9') { r->s = p; return fail(r, "expected a digit"); }
        while (p < r->end && *p >= '0' && *p <= '9') p++;
    }
    if (p < r->end && (*p == 'e' || *p == 'E')) {
        real = true;
        p++;
        if (p < r->end && (*p == '+' || *p == '-')) p++;
        if (p >= r->end || *p < '0' || *p > '9') { r->s = p; return fail(r, "expected a digit"); }
        while (p < r->end && *p >= '0' && *p <= '9') p++;
    }
    char buf[64];
    size_t n = (size_t)(p - r->s);
    if (n >= sizeof buf) real = true; /* too long for an Int anyway */
    char *copy = n < sizeof buf ? buf : malloc(n + 1);
    if (!copy) abort();
    memcpy(copy, r->s, n);
    copy[n] = 0;
    if (!real) {
        int64_t i;
        /* an integer beyond Int becomes a Real, as the text asks for a number */
        if (parse_i64(copy, n, &i)) *out = v_int(i);
        else real = true;
    }
    if (real) *out = v_real(strtod(copy, NULL));
    if (copy != buf) free(copy);
    r->s = p;
    return true;
}

static bool read_value(Rd *r, Value *out, int depth) {
    skip_ws(r);
    if (r->s >= r->end) return fail(r, "expected a value");
    if (depth > LYNG_MAX_VALUE_DEPTH) return fail(r, "nested too deep");
    char c = *r->s;
    if (c == '"') return read_string(r, out);
    if (c == '[') {
        r->s++;
        List *l = list_new(r->vm, 0);
        *out = v_obj(l);
        skip_ws(r);
        if (r->s < r->end && *r->s == ']') { r->s++; return true; }
        for (;;) {
            Value x;
            if (!read_value(r, &x, depth + 1)) return false;
            list_push(r->vm, l, x);
            skip_ws(r);
            if (r->s < r->end && *r->s == ',') { r->s++; continue; }
            if (r->s < r->end && *r->s == ']') { r->s++; return true; }
            return fail(r, "expected ',' or ']'");
        }
    }
    if (c == '{') {
        r->s++;
        Map *m = map_new(r->vm);
        *out = v_obj(m);
        skip_ws(r);
        if (r->s < r->end && *r->s == '}') { r->s++; return true; }
        for (;;) {
            Value k, x;
            skip_ws(r);
            if (r->s >= r->end || *r->s != '"') return fail(r, "expected a string key");
            if (!read_string(r, &k)) return false;
            skip_ws(r);
            if (r->s >= r->end || *r->s != ':') return fail(r, "expected ':'");
            r->s++;
            if (!read_value(r, &x, depth + 1)) return false;
            map_put(r->vm, m, k, x);
            skip_ws(r);
            if (r->s < r->end && *r->s == ',') { r->s++; continue; }
            if (r->s < r->end && *r->s == '}') { r->s++; return true; }
            return fail(r, "expected ',' or '}'");
        }
    }
    if (lit(r, "true")) { *out = V_TRUE; return true; }
    if (lit(r, "false")) { *out = V_FALSE; return true; }
    if (lit(r, "null")) { *out = V_NULL; return true; }
    return read_number(r, out);
}

bool json_parse(VM *vm, const char *s, size_t len, Value *out) {
    Rd r = {vm, s, s + len, s};
    if (!read_value(&r, out, 0)) return false;
    skip_ws(&r);
    if (r.s < r.end) return fail(&r, "unexpected text after the value");
    return true;
}

static NativeResult json_parse_fn(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    String *s;
    if (arg_count(vm, argc, 1, 1, "Json.parse") != NR_OK || !arg_str(vm, argv, argc, 0, "Json.parse", &s)) return NR_ERR;
    return json_parse(vm, s->data, s->len, out) ? NR_OK : NR_ERR;
}

/* toJsonObject(): the value as JSON would carry it, in plain Lyng values */
static NativeResult to_json_object(VM *vm, Value self, int argc, Value *argv, Value *out) {
    Value text;
    if (to_json_string(vm, self, argc, argv, &text) != NR_OK) return NR_ERR;
    return json_parse(vm, ((String *)text.as.o)->data, ((String *)text.as.o)->len, out) ? NR_OK : NR_ERR;
}

void json_init(VM *vm) {
    vm_def_method(vm, vm->c.any, "toJsonString", to_json_string);
    vm_def_method(vm, vm->c.any, "toJsonObject", to_json_object);
}

Class *json_class(VM *vm) {
    Class *j = class_new(vm, "Json", vm->c.any);
    vm_def_static(vm, j, "parse", json_parse_fn);
    return j;
}

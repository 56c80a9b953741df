/* lib_string.c - String and Char methods, and the printf-style formatter
 * behind `"%s:%d"(a, b)`. Indexes and lengths count characters (code
 * points); the bytes underneath are UTF-8. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"

#define UNUSED(x) (void)(x)
#define SELF_STR ((String *)self.as.o)

/* ---- character classes and case (ASCII, Latin, Greek, Cyrillic) ---- */

static uint32_t cp_upper(uint32_t c) {
    if (c < 0x80) return c >= 'a' && c <= 'z' ? c - 32 : c;
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
    if (c == 0xFF) return 0x178;
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return c & ~1u;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c : c - 1;
    if (c >= 0x3B1 && c <= 0x3C9) return c == 0x3C2 ? 0x3A3 : c - 32;
    if (c == 0x3AC) return 0x386;
    if (c >= 0x3AD && c <= 0x3AF) return c - 37;
    if (c == 0x3CC) return 0x38C;
    if (c == 0x3CD || c == 0x3CE) return c - 63;
    if (c >= 0x430 && c <= 0x44F) return c - 32;
    if (c >= 0x450 && c <= 0x45F) return c - 80;
    return c;
}

static uint32_t cp_lower(uint32_t c) {
    if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
    if (c == 0x178) return 0xFF;
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return c | 1u;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c + 1 : c;
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    return c;
}

static bool cp_is_digit(uint32_t c) { return c >= '0' && c <= '9'; }

static bool cp_is_letter(uint32_t c) {
    if (c < 0x80) return (c | 32) >= 'a' && (c | 32) <= 'z';
    return c == 0xAA || c == 0xB5 || c == 0xBA || (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) ||
           (c >= 0x370 && c <= 0x3FF && c != 0x37E && c != 0x387) || (c >= 0x400 && c <= 0x52F && !(c >= 0x482 && c <= 0x489)) ||
           (c >= 0x531 && c <= 0x587) || (c >= 0x5D0 && c <= 0x5EA) || (c >= 0x620 && c <= 0x64A) ||
           (c >= 0x1E00 && c <= 0x1FFF) || (c >= 0x3041 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7A3);
}

static bool cp_is_space(uint32_t c) {
    if (c - 0x21u < 0x5Fu) return false; /* printable ASCII, such as a number's digits, in one test */
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

static bool cp_is_upper(uint32_t c) { return cp_lower(c) != c; }
static bool cp_is_lower(uint32_t c) { return cp_upper(c) != c; }

/* ---- helpers ---- */

/* results of the library are never changed in place: short ones are shared */
static String *mk(VM *vm, const char *s, size_t len) { return str_new_shared(vm, len ? s : "", len); }

static String *from_sb(VM *vm, StrBuf *sb) {
    String *s = mk(vm, sb->data, sb->len);
    sb_free(sb);
    return s;
}

/* A String or Char argument as bytes; a Char is encoded into `tmp`. */
static bool text_arg(VM *vm, int argc, Value *argv, int i, const char *fn, const char **p, size_t *n, char tmp[4]) {
    if (i < argc && IS_OT(argv[i], OT_STRING)) {
        *p = ((String *)argv[i].as.o)->data;
        *n = ((String *)argv[i].as.o)->len;
        return true;
    }
    if (i < argc && IS_CHAR(argv[i])) {
        *n = utf8_encode(argv[i].as.c, tmp);
        *p = tmp;
        return true;
    }
    vm_throw(vm, vm->c.illegal_argument, "%s: argument %d must be a String or a Char, got %s", fn, i + 1,
             i < argc ? v_type_name(vm, argv[i]) : "nothing");
    return false;
}

int64_t str_find(const char *hay, size_t hlen, const char *needle, size_t nlen, size_t from) {
    if (nlen == 0) return from <= hlen ? (int64_t)from : -1;
    if (nlen > hlen) return -1;
#ifdef __wasm__
    /* wasi-libc's memchr and memcmp are calls into loops of words and
     * bytes: in text that repeats the needle's first byte every few bytes (a
     * joined list) a search was mostly those calls. Here each position is
     * one 8-byte compare with the needle's head (or its first and last
     * byte, for a needle shorter than 8) before the rest is compared. */
    if (nlen >= 8) {
        uint64_t head, w;
        memcpy(&head, needle, 8);
        for (size_t i = from; i + nlen <= hlen; i++) {
            memcpy(&w, hay + i, 8);
            if (w == head && memcmp(hay + i + 8, needle + 8, nlen - 8) == 0) return (int64_t)i;
        }
        return -1;
    }
    for (size_t i = from; i + nlen <= hlen; i++)
        if (hay[i] == needle[0] && hay[i + nlen - 1] == needle[nlen - 1] && memcmp(hay + i, needle, nlen) == 0)
            return (int64_t)i;
    return -1;
#else
    for (size_t i = from; i + nlen <= hlen; i++) {
        const char *p = memchr(hay + i, needle[0], hlen - nlen + 1 - i);
        if (!p) return -1;
        i = (size_t)(p - hay);
        if (memcmp(p, needle, nlen) == 0) return (int64_t)i;
    }
    return -1;
#endif
}

static int64_t rfind(const char *hay, size_t hlen, const char *needle, size_t nlen) {
    if (nlen > hlen) return -1;
    for (size_t i = hlen - nlen + 1; i > 0; i--)
        if (memcmp(hay + i - 1, needle, nlen) == 0) return (int64_t)(i - 1);
    return -1;
}

static bool count_arg(VM *vm, int argc, Value *argv, int i, const char *fn, int64_t *n) {
    if (!arg_int(vm, argv, argc, i, fn, n)) return false;
    if (*n < 0) {
        vm_throw(vm, vm->c.illegal_argument, "requested character count %lld is less than zero", (long long)*n);
        return false;
    }
    return true;
}

/* substring by character indexes, clamped */
static String *sub_chars(VM *vm, String *s, uint64_t from, uint64_t to) {
    if (to > s->nchars) to = s->nchars;
    if (from > to) from = to;
    size_t a = utf8_offset(s, (uint32_t)from), b = utf8_offset(s, (uint32_t)to);
    return mk(vm, s->data + a, b - a);
}

/* ---- String ---- */

static NativeResult s_length(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    *out = v_int(SELF_STR->nchars);
    return NR_OK;
}

static NativeResult s_is_empty(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    *out = v_bool(SELF_STR->len == 0);
    return NR_OK;
}

static NativeResult s_is_not_empty(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    *out = v_bool(SELF_STR->len != 0);
    return NR_OK;
}

static NativeResult s_is_blank(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    String *s = SELF_STR;
    size_t i = 0;
    *out = V_TRUE;
    while (i < s->len)
        if (!cp_is_space(utf8_next(s->data, s->len, &i))) {
            *out = V_FALSE;
            break;
        }
    return NR_OK;
}

static NativeResult trim(VM *vm, Value self, Value *out, bool start, bool end) {
    String *s = SELF_STR;
    size_t a = 0, b = s->len, i = 0;
    if (start) {
        while (i < s->len) {
            size_t at = i;
            if (!cp_is_space(utf8_next(s->data, s->len, &i))) {
                i = at;
                break;
            }
        }
        a = i;
    }
    if (end) {
        /* scan forward remembering the end of the last non-space char */
        size_t last = a;
        i = a;
        while (i < s->len)
            if (!cp_is_space(utf8_next(s->data, s->len, &i))) last = i;
        b = last;
    }
    *out = (a == 0 && b == s->len) ? self : v_obj(mk(vm, s->data + a, b - a));
    return NR_OK;
}

static NativeResult s_trim(VM *vm, Value self, int argc, Value *argv, Value *out) { UNUSED(argc), UNUSED(argv); return trim(vm, self, out, true, true); }
static NativeResult s_trim_start(VM *vm, Value self, int argc, Value *argv, Value *out) { UNUSED(argc), UNUSED(argv); return trim(vm, self, out, true, false); }
static NativeResult s_trim_end(VM *vm, Value self, int argc, Value *argv, Value *out) { UNUSED(argc), UNUSED(argv); return trim(vm, self, out, false, true); }

static NativeResult map_case(VM *vm, Value self, Value *out, bool upper) {
    String *s = SELF_STR;
    if (s->ascii) {
        /* ASCII maps byte for byte; a string already in that case is itself */
        char lo = upper ? 'a' : 'A';
        size_t i = 0;
        while (i < s->len && !(s->data[i] >= lo && s->data[i] <= lo + 25)) i++;
        if (i == s->len) {
            *out = self;
            return NR_OK;
        }
        String *r = str_new(vm, s->data, s->len);
        for (; i < r->len; i++)
            if (r->data[i] >= lo && r->data[i] <= lo + 25) r->data[i] = (char)(r->data[i] ^ 0x20);
        r->hash = hash_bytes(r->data, r->len);
        *out = v_obj(r);
        return NR_OK;
    }
    StrBuf sb;
    sb_init(&sb);
    size_t i = 0;
    while (i < s->len) {
        uint32_t c = utf8_next(s->data, s->len, &i);
        sb_add_utf8(&sb, upper ? cp_upper(c) : cp_lower(c));
    }
    *out = v_obj(from_sb(vm, &sb));
    return NR_OK;
}

static NativeResult s_upper(VM *vm, Value self, int argc, Value *argv, Value *out) { UNUSED(argc), UNUSED(argv); return map_case(vm, self, out, true); }
static NativeResult s_lower(VM *vm, Value self, int argc, Value *argv, Value *out) { UNUSED(argc), UNUSED(argv); return map_case(vm, self, out, false); }

static NativeResult s_starts_with(VM *vm, Value self, int argc, Value *argv, Value *out) {
    const char *p;
    size_t n;
    char tmp[4];
    if (arg_count(vm, argc, 1, 1, "startsWith") != NR_OK || !text_arg(vm, argc, argv, 0, "startsWith", &p, &n, tmp)) return NR_ERR;
    *out = v_bool(n <= SELF_STR->len && memcmp(SELF_STR->data, p, n) == 0);
    return NR_OK;
}

static NativeResult s_ends_with(VM *vm, Value self, int argc, Value *argv, Value *out) {
    const char *p;
    size_t n;
    char tmp[4];
    if (arg_count(vm, argc, 1, 1, "endsWith") != NR_OK || !text_arg(vm, argc, argv, 0, "endsWith", &p, &n, tmp)) return NR_ERR;
    String *s = SELF_STR;
    *out = v_bool(n <= s->len && memcmp(s->data + s->len - n, p, n) == 0);
    return NR_OK;
}

static NativeResult s_contains(VM *vm, Value self, int argc, Value *argv, Value *out) {
    const char *p;
    size_t n;
    char tmp[4];
    if (arg_count(vm, argc, 1, 1, "contains") != NR_OK || !text_arg(vm, argc, argv, 0, "contains", &p, &n, tmp)) return NR_ERR;
    *out = v_bool(str_find(SELF_STR->data, SELF_STR->len, p, n, 0) >= 0);
    return NR_OK;
}

static NativeResult s_index_of(VM *vm, Value self, int argc, Value *argv, Value *out) {
    const char *p;
    size_t n;
    char tmp[4];
    int64_t from = 0;
    if (arg_count(vm, argc, 1, 2, "indexOf") != NR_OK || !text_arg(vm, argc, argv, 0, "indexOf", &p, &n, tmp)) return NR_ERR;
    if (argc == 2 && !arg_int(vm, argv, argc, 1, "indexOf", &from)) return NR_ERR;
    String *s = SELF_STR;
    if (from < 0) from = 0;
    if (from > s->nchars) {
        *out = v_int(-1);
        return NR_OK;
    }
    int64_t at = str_find(s->data, s->len, p, n, utf8_offset(s, (uint32_t)from));
    *out = v_int(at < 0 ? -1 : (int64_t)utf8_char_index(s, (size_t)at));
    return NR_OK;
}

static NativeResult s_last_index_of(VM *vm, Value self, int argc, Value *argv, Value *out) {
    const char *p;
    size_t n;
    char tmp[4];
    if (arg_count(vm, argc, 1, 1, "lastIndexOf") != NR_OK || !text_arg(vm, argc, argv, 0, "lastIndexOf", &p, &n, tmp)) return NR_ERR;
    int64_t at = rfind(SELF_STR->data, SELF_STR->len, p, n);
    *out = v_int(at < 0 ? -1 : (int64_t)utf8_char_index(SELF_STR, (size_t)at));
    return NR_OK;
}

static NativeResult s_split(VM *vm, Value self, int argc, Value *argv, Value *out) {
    const char *p;
    size_t n;
    char tmp[4];
    if (arg_count(vm, argc, 1, 1, "split") != NR_OK || !text_arg(vm, argc, argv, 0, "split", &p, &n, tmp)) return NR_ERR;
    String *s = SELF_STR;
    List *l = list_new(vm, 0);
    if (n == 0) {
        /* as Kotlin: an empty piece at both ends, then every character */
        list_push(vm, l, v_obj(mk(vm, "", 0)));
        size_t i = 0;
        while (i < s->len) {
            size_t a = i;
            utf8_next(s->data, s->len, &i);
            list_push(vm, l, v_obj(mk(vm, s->data + a, i - a)));
        }
        list_push(vm, l, v_obj(mk(vm, "", 0)));
    } else {
        size_t start = 0;
        for (;;) {
            int64_t at = str_find(s->data, s->len, p, n, start);
            size_t end = at < 0 ? s->len : (size_t)at;
            list_push(vm, l, v_obj(mk(vm, s->data + start, end - start)));
            if (at < 0) break;
            start = end + n;
        }
    }
    *out = v_obj(l);
    return NR_OK;
}

static NativeResult s_lines(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    String *s = SELF_STR;
    List *l = list_new(vm, 0);
    size_t start = 0;
    for (size_t i = 0; i <= s->len; i++) {
        if (i < s->len && s->data[i] != '\n' && s->data[i] != '\r') continue;
        list_push(vm, l, v_obj(mk(vm, s->data + start, i - start)));
        if (i + 1 < s->len && s->data[i] == '\r' && s->data[i + 1] == '\n') i++;
        start = i + 1;
    }
    *out = v_obj(l);
    return NR_OK;
}

static NativeResult s_replace(VM *vm, Value self, int argc, Value *argv, Value *out) {
    const char *a, *b;
    size_t an, bn;
    char ta[4], tb[4];
    if (arg_count(vm, argc, 2, 2, "replace") != NR_OK || !text_arg(vm, argc, argv, 0, "replace", &a, &an, ta) ||
        !text_arg(vm, argc, argv, 1, "replace", &b, &bn, tb))
        return NR_ERR;
    String *s = SELF_STR;
    StrBuf sb;
    sb_init(&sb);
    if (an == 0) {
        /* as Kotlin: the replacement goes between all characters and at both ends */
        size_t i = 0;
        sb_add(&sb, b, bn);
        while (i < s->len) {
            size_t k = i;
            utf8_next(s->data, s->len, &i);
            sb_add(&sb, s->data + k, i - k);
            sb_add(&sb, b, bn);
        }
    } else {
        size_t start = 0;
        for (;;) {
            int64_t at = str_find(s->data, s->len, a, an, start);
            if (at < 0) break;
            sb_add(&sb, s->data + start, (size_t)at - start);
            sb_add(&sb, b, bn);
            start = (size_t)at + an;
        }
        sb_add(&sb, s->data + start, s->len - start);
    }
    *out = v_obj(from_sb(vm, &sb));
    return NR_OK;
}

static NativeResult take_drop(VM *vm, Value self, int argc, Value *argv, Value *out, const char *fn, bool take, bool from_end) {
    int64_t n;
    if (arg_count(vm, argc, 1, 1, fn) != NR_OK || !count_arg(vm, argc, argv, 0, fn, &n)) return NR_ERR;
    String *s = SELF_STR;
    uint32_t from, to;
    take_drop_bounds(s->nchars, n, take, from_end, &from, &to);
    *out = v_obj(sub_chars(vm, s, from, to));
    return NR_OK;
}

static NativeResult s_take(VM *vm, Value self, int argc, Value *argv, Value *out) { return take_drop(vm, self, argc, argv, out, "take", true, false); }
static NativeResult s_drop(VM *vm, Value self, int argc, Value *argv, Value *out) { return take_drop(vm, self, argc, argv, out, "drop", false, false); }
static NativeResult s_take_last(VM *vm, Value self, int argc, Value *argv, Value *out) { return take_drop(vm, self, argc, argv, out, "takeLast", true, true); }
static NativeResult s_drop_last(VM *vm, Value self, int argc, Value *argv, Value *out) { return take_drop(vm, self, argc, argv, out, "dropLast", false, true); }

static NativeResult s_substring(VM *vm, Value self, int argc, Value *argv, Value *out) {
    String *s = SELF_STR;
    int64_t a, b = s->nchars;
    if (arg_count(vm, argc, 1, 2, "substring") != NR_OK || !arg_int(vm, argv, argc, 0, "substring", &a)) return NR_ERR;
    if (argc == 2 && !arg_int(vm, argv, argc, 1, "substring", &b)) return NR_ERR;
    if (a < 0 || b > s->nchars || a > b)
        return vm_throw(vm, vm->c.index_out_of_bounds, "range %lld..<%lld is out of bounds for length %u", (long long)a, (long long)b, s->nchars);
    *out = v_obj(sub_chars(vm, s, (uint64_t)a, (uint64_t)b));
    return NR_OK;
}

static NativeResult end_char(VM *vm, Value self, Value *out, bool last, bool or_null) {
    String *s = SELF_STR;
    if (s->len == 0) {
        if (or_null) {
            *out = V_NULL;
            return NR_OK;
        }
        return vm_throw(vm, vm->c.no_such_element, "string is empty");
    }
    size_t i = last ? utf8_offset(s, s->nchars - 1) : 0;
    *out = v_char(utf8_next(s->data, s->len, &i));
    return NR_OK;
}

static NativeResult s_first(VM *vm, Value self, int argc, Value *argv, Value *out) { UNUSED(argc), UNUSED(argv); return end_char(vm, self, out, false, false); }
static NativeResult s_last(VM *vm, Value self, int argc, Value *argv, Value *out) { UNUSED(argc), UNUSED(argv); return end_char(vm, self, out, true, false); }
static NativeResult s_first_or_null(VM *vm, Value self, int argc, Value *argv, Value *out) { UNUSED(argc), UNUSED(argv); return end_char(vm, self, out, false, true); }
static NativeResult s_last_or_null(VM *vm, Value self, int argc, Value *argv, Value *out) { UNUSED(argc), UNUSED(argv); return end_char(vm, self, out, true, true); }

static NativeResult s_characters(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    List *l = iter_to_list(vm, self);
    if (!l) return NR_ERR;
    *out = v_obj(l);
    return NR_OK;
}

static NativeResult s_reversed(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    String *s = SELF_STR;
    char *buf = malloc(s->len ? s->len : 1);
    if (!buf) abort();
    size_t i = 0;
    while (i < s->len) { /* copy each character's bytes to the mirrored place */
        size_t a = i;
        utf8_next(s->data, s->len, &i);
        memcpy(buf + s->len - i, s->data + a, i - a);
    }
    *out = v_obj(mk(vm, buf, s->len));
    free(buf);
    return NR_OK;
}

static NativeResult s_encode_utf8(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    *out = v_obj(buffer_new_fixed(vm, (const uint8_t *)SELF_STR->data, SELF_STR->len));
    return NR_OK;
}

String *str_repeat(VM *vm, String *s, int64_t n) {
    if (n < 0 || (uint64_t)n * s->len > (1u << 30)) {
        vm_throw(vm, vm->c.illegal_argument, "cannot repeat a string %lld times", (long long)n);
        return NULL;
    }
    size_t len = (size_t)n * s->len;
    if (!vm_reserve(vm, 2 * (uint64_t)len)) return NULL; /* the buffer, then the string */
    char *buf = lyng_mem_realloc(NULL, len + 1);
    /* copy what is there already: twice as much each time */
    if (len) memcpy(buf, s->data, s->len);
    for (size_t have = s->len; have && have < len; have *= 2) memcpy(buf + have, buf, have <= len - have ? have : len - have);
    String *r = str_new(vm, buf, len);
    free(buf);
    return r;
}

static NativeResult s_repeat(VM *vm, Value self, int argc, Value *argv, Value *out) {
    int64_t n;
    if (arg_count(vm, argc, 1, 1, "repeat") != NR_OK || !count_arg(vm, argc, argv, 0, "repeat", &n)) return NR_ERR;
    String *r = str_repeat(vm, SELF_STR, n);
    if (!r) return NR_ERR;
    *out = v_obj(r);
    return NR_OK;
}

static NativeResult pad(VM *vm, Value self, int argc, Value *argv, Value *out, bool start) {
    const char *fn = start ? "padStart" : "padEnd";
    int64_t n;
    uint32_t ch = ' ';
    if (arg_count(vm, argc, 1, 2, fn) != NR_OK || !count_arg(vm, argc, argv, 0, fn, &n)) return NR_ERR;
    if (argc == 2) {
        if (!IS_CHAR(argv[1])) return vm_throw(vm, vm->c.illegal_argument, "%s: argument 2 must be a Char, got %s", fn, v_type_name(vm, argv[1]));
        ch = argv[1].as.c;
    }
    String *s = SELF_STR;
    if (n > (1 << 28)) return vm_throw(vm, vm->c.illegal_argument, "%s: length %lld is too large", fn, (long long)n);
    if (!vm_reserve(vm, 8 * (uint64_t)n)) return NR_ERR; /* up to 4 bytes a character, twice */
    if (n <= s->nchars) {
        *out = self;
        return NR_OK;
    }
    StrBuf sb;
    sb_init(&sb);
    if (!start) sb_add(&sb, s->data, s->len);
    for (int64_t i = s->nchars; i < n; i++) sb_add_utf8(&sb, ch);
    if (start) sb_add(&sb, s->data, s->len);
    *out = v_obj(from_sb(vm, &sb));
    return NR_OK;
}

static NativeResult s_pad_start(VM *vm, Value self, int argc, Value *argv, Value *out) { return pad(vm, self, argc, argv, out, true); }
static NativeResult s_pad_end(VM *vm, Value self, int argc, Value *argv, Value *out) { return pad(vm, self, argc, argv, out, false); }

/* The text without surrounding whitespace, NUL-terminated in `buf`; false
 * when it does not fit. */
static bool trimmed_copy(String *s, char *buf, size_t cap) {
    size_t a = 0, b = s->len;
    while (a < b && cp_is_space((unsigned char)s->data[a])) a++;
    while (b > a && cp_is_space((unsigned char)s->data[b - 1])) b--;
    if (b - a + 1 > cap) return false;
    memcpy(buf, s->data + a, b - a);
    buf[b - a] = 0;
    return true;
}

bool parse_i64(const char *s, size_t len, int64_t *out) {
    size_t a = 0;
    bool neg = a < len && s[a] == '-';
    if (a < len && (s[a] == '+' || s[a] == '-')) a++;
    if (a == len) return false;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    for (size_t i = a; i < len; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9) return false;
        if (v > (limit - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* parse_i64 with blanks around the number allowed */
static bool parse_int(String *s, int64_t *out) {
    size_t a = 0, b = s->len;
    while (a < b && cp_is_space((unsigned char)s->data[a])) a++;
    while (b > a && cp_is_space((unsigned char)s->data[b - 1])) b--;
    return parse_i64(s->data + a, b - a, out);
}

static bool parse_real(String *s, double *out) {
    char buf[400];
    if (!trimmed_copy(s, buf, sizeof buf) || !buf[0]) return false;
    const char *p = buf + (buf[0] == '+' || buf[0] == '-');
    if (strcmp(p, "NaN") == 0 || strcmp(p, "Infinity") == 0) {
        *out = strcmp(p, "NaN") == 0 ? NAN : (buf[0] == '-' ? -INFINITY : INFINITY);
        return true;
    }
    /* only decimal notation: strtod would also take "inf", "nan" and hex */
    for (const char *q = p; *q; q++)
        if (!cp_is_digit((unsigned char)*q) && *q != '.' && *q != 'e' && *q != 'E' && *q != '+' && *q != '-') return false;
    char *end;
    *out = strtod(buf, &end);
    return end != buf && *end == 0;
}

static NativeResult bad_number(VM *vm, Value self, const char *type) {
    StrBuf sb;
    sb_init(&sb);
    v_inspect(vm, &sb, self);
    vm_throw(vm, vm->c.illegal_argument, "%s is not a valid %s", sb.data, type);
    sb_free(&sb);
    return NR_ERR;
}

static NativeResult s_to_int(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    int64_t v;
    if (!parse_int(SELF_STR, &v)) return bad_number(vm, self, "Int");
    *out = v_int(v);
    return NR_OK;
}

static NativeResult s_to_int_or_null(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    int64_t v;
    *out = parse_int(SELF_STR, &v) ? v_int(v) : V_NULL;
    return NR_OK;
}

static NativeResult s_to_real(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    double v;
    if (!parse_real(SELF_STR, &v)) return bad_number(vm, self, "Real");
    *out = v_real(v);
    return NR_OK;
}

static NativeResult s_to_real_or_null(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    double v;
    *out = parse_real(SELF_STR, &v) ? v_real(v) : V_NULL;
    return NR_OK;
}

static NativeResult s_format(VM *vm, Value self, int argc, Value *argv, Value *out) {
    String *r = fmt_printf(vm, SELF_STR, argc, argv);
    if (!r) return NR_ERR;
    *out = v_obj(r);
    return NR_OK;
}

/* ---- Char ---- */

static NativeResult c_code(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    *out = v_int(self.as.c);
    return NR_OK;
}

#define CHAR_TEST(cname, pred)                                                        \
    static NativeResult cname(VM *vm, Value self, int argc, Value *argv, Value *out) { \
        UNUSED(vm), UNUSED(argc), UNUSED(argv);                                       \
        *out = v_bool(pred(self.as.c));                                               \
        return NR_OK;                                                                 \
    }

static bool cp_is_letter_or_digit(uint32_t c) { return cp_is_letter(c) || cp_is_digit(c); }

CHAR_TEST(c_is_digit, cp_is_digit)
CHAR_TEST(c_is_letter, cp_is_letter)
CHAR_TEST(c_is_letter_or_digit, cp_is_letter_or_digit)
CHAR_TEST(c_is_whitespace, cp_is_space)
CHAR_TEST(c_is_upper, cp_is_upper)
CHAR_TEST(c_is_lower, cp_is_lower)

static NativeResult c_upper(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    *out = v_char(cp_upper(self.as.c));
    return NR_OK;
}

static NativeResult c_lower(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(vm), UNUSED(argc), UNUSED(argv);
    *out = v_char(cp_lower(self.as.c));
    return NR_OK;
}

static NativeResult c_digit_to_int(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argc), UNUSED(argv);
    if (!cp_is_digit(self.as.c)) return bad_number(vm, self, "digit");
    *out = v_int(self.as.c - '0');
    return NR_OK;
}

/* ---- printf-style formatting ---- */

static NativeResult bad_spec(VM *vm, const char *spec, size_t n) {
    return vm_throw(vm, vm->c.illegal_argument, "invalid format specifier '%.*s'", (int)n, spec);
}

/* Pads `text` (nchars characters) to `width`: left-aligned with '-'. */
static void put_padded(StrBuf *sb, const char *text, size_t len, size_t nchars, int width, bool left) {
    size_t fill = width > 0 && (size_t)width > nchars ? (size_t)width - nchars : 0;
    if (!left)
        for (size_t i = 0; i < fill; i++) sb_addc(sb, ' ');
    sb_add(sb, text, len);
    if (left)
        for (size_t i = 0; i < fill; i++) sb_addc(sb, ' ');
}

/* ---- %t time conversions: an Instant (UTC) or a DateTime (its own fields) ---- */

static bool int_field(Value v, const char *name, int64_t *out) {
    Value x;
    if (!map_get_str(((Instance *)v.as.o)->fields, name, &x) || !IS_INT(x)) return false;
    *out = x.as.i;
    return true;
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* seconds since the epoch of a local time, and nanoseconds; false if v is neither */
static bool time_of(Value v, int64_t *secs, int64_t *nanos) {
    if (!IS_OT(v, OT_INSTANCE)) return false;
    if (int_field(v, "epochWholeSeconds", secs)) return int_field(v, "nanosecondsOfSecond", nanos);
    int64_t y, m, d, h, mi, sec;
    if (!int_field(v, "year", &y) || !int_field(v, "month", &m) || !int_field(v, "day", &d) || !int_field(v, "hour", &h) ||
        !int_field(v, "minute", &mi) || !int_field(v, "second", &sec))
        return false;
    /* days from civil (proleptic Gregorian) */
    int64_t yy = m <= 2 ? y - 1 : y, era = floor_div(yy, 400), yoe = yy - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1, doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    *secs = (era * 146097 + doe - 719468) * 86400 + h * 3600 + mi * 60 + sec;
    *nanos = 0;
    return true;
}

/* appends the `%t<c>` conversion of a time; false for an unknown c */
static bool put_time(StrBuf *sb, char c, int64_t secs, int64_t nanos) {
    int64_t days = floor_div(secs, 86400), in_day = secs - days * 86400;
    int64_t z = days + 719468, era = floor_div(z, 146097), doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2), H = in_day / 3600, M = in_day % 3600 / 60, S = in_day % 60;
    switch (c) {
    case 's': sb_printf(sb, "%lld", (long long)secs); break;
    case 'Q': sb_printf(sb, "%lld", (long long)(secs * 1000 + nanos / 1000000)); break;
    case 'T': sb_printf(sb, "%02lld:%02lld:%02lld", (long long)H, (long long)M, (long long)S); break;
    case 'R': sb_printf(sb, "%02lld:%02lld", (long long)H, (long long)M); break;
    case 'F': sb_printf(sb, "%04lld-%02lld-%02lld", (long long)y, (long long)m, (long long)d); break;
    case 'D': sb_printf(sb, "%02lld/%02lld/%02lld", (long long)m, (long long)d, (long long)((y % 100 + 100) % 100)); break;
    case 'Y': sb_printf(sb, "%04lld", (long long)y); break;
    case 'm': sb_printf(sb, "%02lld", (long long)m); break;
    case 'd': sb_printf(sb, "%02lld", (long long)d); break;
    case 'H': sb_printf(sb, "%02lld", (long long)H); break;
    case 'M': sb_printf(sb, "%02lld", (long long)M); break;
    case 'S': sb_printf(sb, "%02lld", (long long)S); break;
    case 'L': sb_printf(sb, "%03lld", (long long)(nanos / 1000000)); break;
    case 'N': sb_printf(sb, "%09lld", (long long)nanos); break;
    default: return false;
    }
    return true;
}

String *fmt_printf(VM *vm, String *fmt, int argc, Value *argv) {
    StrBuf sb;
    sb_init(&sb);
    int ai = 0;
    const char *s = fmt->data, *end = s + fmt->len;
    while (s < end) {
        if (*s != '%') {
            const char *p = memchr(s, '%', (size_t)(end - s));
            size_t n = p ? (size_t)(p - s) : (size_t)(end - s);
            sb_add(&sb, s, n);
            s += n;
            continue;
        }
        const char *spec = s++;
        char flags[8];
        int nflags = 0, width = -1, prec = -1;
        while (s < end && strchr("-+ 0#", *s) && *s && nflags < 7) flags[nflags++] = *s++;
        flags[nflags] = 0;
        if (s < end && *s >= '0' && *s <= '9') {
            width = 0;
            while (s < end && *s >= '0' && *s <= '9' && width < 100000) width = width * 10 + (*s++ - '0');
        }
        if (s < end && *s == '.') {
            s++;
            prec = 0;
            if (s >= end || *s < '0' || *s > '9') goto bad;
            while (s < end && *s >= '0' && *s <= '9' && prec < 100000) prec = prec * 10 + (*s++ - '0');
        }
        if (s >= end || width > 10000 || prec > 1000) goto bad;
        char conv = *s++;
        bool left = strchr(flags, '-') != NULL;
        if (conv == '%' || conv == 'n') {
            sb_addc(&sb, conv == '%' ? '%' : '\n');
            continue;
        }
        if (!strchr("sSdixXofFeEgGcbtT", conv)) goto bad;
        if ((conv == 't' || conv == 'T') && (s >= end || !strchr("sQTRFDYmdHMSLN", *s))) goto bad;
        if (ai >= argc) {
            vm_throw(vm, vm->c.illegal_argument, "format specifier '%.*s' has no argument (%d given)", (int)(s - spec), spec, argc);
            sb_free(&sb);
            return NULL;
        }
        Value a = argv[ai++];
        char cspec[48];
        if (conv == 't' || conv == 'T') {
            int64_t secs, nanos;
            if (!time_of(a, &secs, &nanos)) goto bad_arg;
            StrBuf t;
            sb_init(&t);
            put_time(&t, *s++, secs, nanos);
            put_padded(&sb, t.data, t.len, t.len, width, left);
            sb_free(&t);
            continue;
        }
        switch (conv) {
        case 's':
        case 'S': {
            StrBuf t;
            sb_init(&t);
            v_to_string(vm, &t, a);
            size_t len = t.len, nch = 0;
            utf8_valid(t.data ? t.data : "", t.len, &nch);
            if (prec >= 0 && (size_t)prec < nch) { /* precision cuts characters */
                size_t i = 0;
                for (int k = 0; k < prec; k++) utf8_next(t.data, t.len, &i);
                len = i;
                nch = (size_t)prec;
            }
            if (conv == 'S') {
                StrBuf u;
                sb_init(&u);
                size_t i = 0;
                while (i < len) sb_add_utf8(&u, cp_upper(utf8_next(t.data, len, &i)));
                put_padded(&sb, u.data ? u.data : "", u.len, nch, width, left);
                sb_free(&u);
            } else {
                put_padded(&sb, t.data ? t.data : "", len, nch, width, left);
            }
            sb_free(&t);
            break;
        }
        case 'd':
        case 'i':
        case 'x':
        case 'X':
        case 'o': {
            if (!IS_INT(a)) goto bad_arg;
            const char *len_mod = conv == 'd' || conv == 'i' ? PRId64 : conv == 'x' ? PRIx64 : conv == 'X' ? PRIX64 : PRIo64;
            if (width >= 0) snprintf(cspec, sizeof cspec, "%%%s%d%s", flags, width, len_mod);
            else snprintf(cspec, sizeof cspec, "%%%s%s", flags, len_mod);
            sb_printf(&sb, cspec, a.as.i);
            break;
        }
        case 'f':
        case 'F':
        case 'e':
        case 'E':
        case 'g':
        case 'G': {
            if (!IS_NUM(a)) goto bad_arg;
            double d = AS_NUM(a);
            if (isnan(d) || isinf(d)) {
                const char *t = isnan(d) ? "NaN" : d < 0 ? "-Infinity" : (strchr(flags, '+') ? "+Infinity" : "Infinity");
                put_padded(&sb, t, strlen(t), strlen(t), width, left);
                break;
            }
            int n = 0;
            n += snprintf(cspec + n, sizeof cspec - (size_t)n, "%%%s", flags);
            if (width >= 0) n += snprintf(cspec + n, sizeof cspec - (size_t)n, "%d", width);
            if (prec >= 0) n += snprintf(cspec + n, sizeof cspec - (size_t)n, ".%d", prec);
            snprintf(cspec + n, sizeof cspec - (size_t)n, "%c", conv);
            sb_printf(&sb, cspec, d);
            break;
        }
        case 'c': {
            uint32_t c;
            if (IS_CHAR(a)) c = a.as.c;
            else if (IS_INT(a) && a.as.i >= 0 && a.as.i <= 0x10FFFF) c = (uint32_t)a.as.i;
            else goto bad_arg;
            char b[4];
            size_t n = utf8_encode(c, b);
            put_padded(&sb, b, n, 1, width, left);
            break;
        }
        case 'b': {
            bool v = IS_BOOL(a) ? a.as.b : !IS_NULL(a);
            const char *t = v ? "true" : "false";
            put_padded(&sb, t, strlen(t), strlen(t), width, left);
            break;
        }
        }
        continue;
    bad_arg:
        vm_throw(vm, vm->c.illegal_argument, "format specifier '%.*s' does not accept %s", (int)(s - spec), spec, v_type_name(vm, a));
        sb_free(&sb);
        return NULL;
    bad:
        bad_spec(vm, spec, s < end ? (size_t)(s - spec + 1) : (size_t)(end - spec));
        sb_free(&sb);
        return NULL;
    }
    return from_sb(vm, &sb);
}

void lib_string_init(VM *vm) {
    static const struct {
        const char *name;
        NativeFn fn;
        bool prop;
    } sm[] = {
        {"length", s_length, true}, {"size", s_length, true}, {"isEmpty", s_is_empty, false},
        {"isNotEmpty", s_is_not_empty, false}, {"isBlank", s_is_blank, false}, {"trim", s_trim, false},
        {"trimStart", s_trim_start, false}, {"trimEnd", s_trim_end, false}, {"upper", s_upper, false},
        {"lower", s_lower, false}, {"uppercase", s_upper, false}, {"lowercase", s_lower, false},
        {"startsWith", s_starts_with, false}, {"endsWith", s_ends_with, false}, {"contains", s_contains, false},
        {"indexOf", s_index_of, false}, {"lastIndexOf", s_last_index_of, false}, {"split", s_split, false},
        {"lines", s_lines, false}, {"replace", s_replace, false}, {"take", s_take, false}, {"drop", s_drop, false},
        {"takeLast", s_take_last, false}, {"dropLast", s_drop_last, false}, {"substring", s_substring, false},
        {"first", s_first, true}, {"last", s_last, true}, {"firstOrNull", s_first_or_null, true},
        {"lastOrNull", s_last_or_null, true}, {"characters", s_characters, false}, {"reversed", s_reversed, false},
        {"encodeUtf8", s_encode_utf8, false}, {"repeat", s_repeat, false}, {"padStart", s_pad_start, false},
        {"padEnd", s_pad_end, false}, {"toInt", s_to_int, false}, {"toIntOrNull", s_to_int_or_null, false},
        {"toReal", s_to_real, false}, {"toRealOrNull", s_to_real_or_null, false}, {"format", s_format, false},
    };
    for (size_t i = 0; i < sizeof sm / sizeof sm[0]; i++) {
        if (sm[i].prop) vm_def_property(vm, vm->c.string, sm[i].name, sm[i].fn);
        else vm_def_method(vm, vm->c.string, sm[i].name, sm[i].fn);
    }
    static const struct {
        const char *name;
        NativeFn fn;
    } cm[] = {
        {"isDigit", c_is_digit}, {"isLetter", c_is_letter}, {"isLetterOrDigit", c_is_letter_or_digit},
        {"isWhitespace", c_is_whitespace}, {"isUpperCase", c_is_upper}, {"isLowerCase", c_is_lower},
        {"upper", c_upper}, {"lower", c_lower}, {"uppercase", c_upper}, {"lowercase", c_lower},
        {"digitToInt", c_digit_to_int},
    };
    vm_def_property(vm, vm->c.char_, "code", c_code);
    for (size_t i = 0; i < sizeof cm / sizeof cm[0]; i++) vm_def_method(vm, vm->c.char_, cm[i].name, cm[i].fn);
}

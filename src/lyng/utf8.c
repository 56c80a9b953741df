/* utf8.c - strict UTF-8 validation and decoding of the VM's string bytes.
 *
 * Strings are stored as UTF-8; validation rejects overlong forms, surrogates,
 * code points above U+10FFFF and truncated sequences, so every String built
 * from checked input can be indexed by code point without surprises. The
 * four hex digits of a \u escape are read here too, for the compiler's
 * string literals and for JSON. */
#include <string.h>

#include "lib.h"

/* Length of the valid sequence at s[i], or 0 when it is malformed. The code
 * point is stored in *cp. */
static size_t utf8_seq(const unsigned char *s, size_t len, size_t i, uint32_t *cp) {
    unsigned char b = s[i];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t n;
    uint32_t c, min;
    if (b >= 0xC2 && b <= 0xDF) { n = 2; c = b & 0x1F; min = 0x80; }
    else if (b >= 0xE0 && b <= 0xEF) { n = 3; c = b & 0x0F; min = 0x800; }
    else if (b >= 0xF0 && b <= 0xF4) { n = 4; c = b & 0x07; min = 0x10000; }
    else return 0;
    if (len - i < n) return 0;
    for (size_t k = 1; k < n; k++) {
        unsigned char x = s[i + k];
        if ((x & 0xC0) != 0x80) return 0;
        c = (c << 6) | (x & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    *cp = c;
    return n;
}

size_t utf8_check(const char *s, size_t len, size_t *nchars) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, n = 0;
    uint32_t cp;
    while (i < len) {
#ifndef __wasm__ /* ASCII runs eight bytes at a time (wasm keeps the smaller loop) */
        uint64_t w;
        if (i + 8 <= len && (memcpy(&w, u + i, 8), !(w & 0x8080808080808080ull))) {
            i += 8;
            n += 8;
            continue;
        }
#endif
        if (u[i] < 0x80) {
            i++;
            n++;
            continue;
        }
        size_t k = utf8_seq(u, len, i, &cp);
        if (!k) break;
        i += k;
        n++;
    }
    if (nchars) *nchars = n;
    return i;
}

bool utf8_valid(const char *s, size_t len, size_t *nchars) { return utf8_check(s, len, nchars) == len; }

uint32_t utf8_next(const char *s, size_t len, size_t *i) {
    if (*i >= len) return 0xFFFD;
    uint32_t cp;
    size_t k = utf8_seq((const unsigned char *)s, len, *i, &cp);
    if (!k) {
        (*i)++;
        return 0xFFFD;
    }
    *i += k;
    return cp;
}

size_t utf8_offset(const String *s, uint32_t char_index) {
    if (s->ascii) return char_index < s->len ? char_index : s->len;
    if (char_index >= s->nchars) return s->len;
    size_t i = 0;
    uint32_t n = 0;
    /* count lead bytes: continuation bytes never start a character */
    for (; i < s->len; i++) {
        if (((unsigned char)s->data[i] & 0xC0) != 0x80) {
            if (n == char_index) return i;
            n++;
        }
    }
    return s->len;
}

size_t utf8_char_index(const String *s, size_t byte_off) {
    if (s->ascii) return byte_off;
    size_t n = 0;
    for (size_t i = 0; i < byte_off && i < s->len; i++)
        if (((unsigned char)s->data[i] & 0xC0) != 0x80) n++;
    return n;
}

size_t utf8_encode(uint32_t cp, char out[4]) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int32_t utf8_hex4(const char *s) {
    int32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = s[i];
        int d;
        if (ch >= '0' && ch <= '9') d = ch - '0';
        else if ((ch | 32) >= 'a' && (ch | 32) <= 'f') d = (ch | 32) - 'a' + 10;
        else return -1;
        v = v * 16 + d;
    }
    return v;
}

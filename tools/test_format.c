/* test_format.c - standalone checks of Real printing (fmt_real) and the UTF-8
 * helpers. Build: cc -Isrc tools/test_format.c src/lyng/format.c
 * src/lyng/utf8.c -lm. The few VM functions format.c refers to are stubbed
 * here: these tests never reach them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/lyng/lib.h"

String *str_new(VM *vm, const char *s, size_t len) { (void)vm; (void)s; (void)len; abort(); }
String *str_intern(VM *vm, const char *s, size_t len) { (void)vm; (void)s; (void)len; abort(); }
bool map_get(Map *m, Value key, Value *out) { (void)m; (void)key; (void)out; abort(); }
bool class_member_hidden(VM *vm, Class *cls, String *name) { (void)vm; (void)cls; (void)name; abort(); }
NativeResult vm_call_sync(VM *vm, Value fn, Value self, int argc, Value *argv, Value *out) {
    (void)vm; (void)fn; (void)self; (void)argc; (void)argv; (void)out;
    abort();
}

static int passed, failed;

static void check_real(double d, const char *want) {
    StrBuf sb;
    sb_init(&sb);
    fmt_real(&sb, d);
    if (strcmp(sb.data, want) == 0) passed++;
    else {
        failed++;
        printf("FAIL fmt_real(%.17g): got %s, want %s\n", d, sb.data, want);
    }
    sb_free(&sb);
}

static void check_valid(const char *s, size_t len, bool want, size_t want_chars) {
    size_t n = 0;
    bool ok = utf8_valid(s, len, &n);
    if (ok == want && (!ok || n == want_chars)) passed++;
    else {
        failed++;
        printf("FAIL utf8_valid(");
        for (size_t i = 0; i < len; i++) printf("%02X", (unsigned char)s[i]);
        printf("): got %d/%zu, want %d/%zu\n", ok, n, want, want_chars);
    }
}

static void check_next(const char *s, size_t len, uint32_t want_cp, size_t want_i) {
    size_t i = 0;
    uint32_t cp = utf8_next(s, len, &i);
    if (cp == want_cp && i == want_i) passed++;
    else {
        failed++;
        printf("FAIL utf8_next: got U+%04X at %zu, want U+%04X at %zu\n", cp, i, want_cp, want_i);
    }
}

int main(void) {
    check_real(120.0, "120.0");
    check_real(0.4, "0.4");
    check_real(1.0, "1.0");
    check_real(-2.5, "-2.5");
    check_real(0.1 + 0.2, "0.30000000000000004");
    check_real(1e21, "1E21");
    check_real(1.5e-6, "1.5E-6");
    check_real(1e7, "1E7");
    check_real(9999999.0, "9999999.0");
    check_real(1.2345678e7, "1.2345678E7");
    check_real(0.001, "0.001");
    check_real(0.000999, "9.99E-4");
    check_real(123456.789, "123456.789");
    check_real(-0.0, "-0.0");
    check_real(0.0, "0.0");
    check_real(NAN, "NaN");
    check_real(INFINITY, "Infinity");
    check_real(-INFINITY, "-Infinity");
    check_real(1.7976931348623157e308, "1.7976931348623157E308");
    check_real(4.9e-324, "4.9E-324");
    check_real(3.141592653589793, "3.141592653589793");
    check_real(100.0, "100.0");
    check_real(1e-3 * 5, "0.005");
    check_real(2.0 / 3.0, "0.6666666666666666");

    check_valid("hello", 5, true, 5);
    check_valid("\xCF\x80", 2, true, 1);                 /* π */
    check_valid("\xE2\x82\xAC", 3, true, 1);             /* € */
    check_valid("\xF0\x9F\x98\x80", 4, true, 1);         /* emoji */
    check_valid("a\xC0\xAF", 3, false, 0);               /* overlong '/' */
    check_valid("\xE0\x80\xAF", 3, false, 0);            /* overlong 3-byte */
    check_valid("\xF0\x80\x80\xAF", 4, false, 0);        /* overlong 4-byte */
    check_valid("\xED\xA0\x80", 3, false, 0);            /* surrogate D800 */
    check_valid("\xF4\x90\x80\x80", 4, false, 0);        /* > U+10FFFF */
    check_valid("\xE2\x82", 2, false, 0);                /* truncated */
    check_valid("\x80", 1, false, 0);                    /* lone continuation */
    check_valid("\xFF", 1, false, 0);
    check_valid("", 0, true, 0);
    check_next("\xCF\x80x", 3, 0x3C0, 2);
    check_next("\xFFx", 2, 0xFFFD, 1);
    check_next("\xE2\x82", 2, 0xFFFD, 1);
    size_t bad = utf8_check("ab\xE2\x82", 4, NULL);
    if (bad == 2) passed++;
    else {
        failed++;
        printf("FAIL utf8_check: got %zu, want 2\n", bad);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

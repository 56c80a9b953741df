/* fuzz_utf8.c - libFuzzer target: UTF-8 validation and decoding (utf8.c)
 * and the Buffer encodings (lib_buffer.c) on arbitrary bytes.
 *
 * The bytes are checked directly against the decoder's own promises, then
 * handed to a script as hex (so any bytes become a Buffer) and, when they
 * are valid UTF-8, as a String. The script checks the round trips; a failed
 * check is an uncaught exception, which this target turns into a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "lyng/lib.h"

static const char script[] =
    "import lyng.buffer\n"
    "val b = Buffer.decodeHex(HEX)\n"
    "check(b.size * 2 == HEX.length)\n"
    "check(b.hex == HEX)\n"
    "check(Buffer.decodeBase64(b.base64) == b)\n"
    "check(Buffer(b.toList()) == b)\n"
    "val text = try { b.decodeUtf8() } catch (e: IllegalArgumentException) { null }\n"
    "check((text != null) == (VALID == 1))\n"
    "if (text != null) {\n"
    "    check(Buffer(text) == b)\n"
    "    check(text == TEXT)\n"
    "    check(text.length == CHARS)\n"
    "    check(text.reversed().reversed() == text)\n"
    "    check(text.characters().size == CHARS)\n"
    "    try { val d = Buffer.decodeBase64(text); check(Buffer.decodeBase64(d.base64) == d) }\n"
    "    catch (e: IllegalArgumentException) { }\n"
    "    try { check(Buffer.decodeHex(text).hex == text.lower()) } catch (e: IllegalArgumentException) { }\n"
    "}\n";

/* utf8_next over a valid text yields exactly nchars code points, each of
 * which encodes back to the bytes it came from. */
static void check_decoder(const char *s, size_t len, size_t nchars) {
    size_t i = 0, count = 0;
    while (i < len) {
        size_t at = i;
        uint32_t cp = utf8_next(s, len, &i);
        char enc[4];
        size_t n = utf8_encode(cp, enc);
        if (i <= at || n != i - at) abort();
        for (size_t k = 0; k < n; k++)
            if (enc[k] != s[at + k]) abort();
        count++;
    }
    if (count != nchars) abort();
}

static char *to_hex(const uint8_t *data, size_t size) {
    static const char digits[] = "0123456789abcdef";
    char *hex = malloc(size * 2 + 1);
    if (!hex) abort();
    for (size_t i = 0; i < size; i++) {
        hex[2 * i] = digits[data[i] >> 4];
        hex[2 * i + 1] = digits[data[i] & 15];
    }
    hex[size * 2] = 0;
    return hex;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    size_t nchars = 0;
    size_t bad = utf8_check(s, size, &nchars);
    if (bad > size) abort();
    bool valid = bad == size;
    if (valid) check_decoder(s, size, nchars);

    lyng_vm *vm = fuzz_vm_new();
    char *hex = to_hex(data, size);
    lyng_define_string(vm, "HEX", hex, size * 2);
    lyng_define_int(vm, "VALID", valid);
    lyng_define_string(vm, "TEXT", valid ? s : "", valid ? size : 0);
    lyng_define_int(vm, "CHARS", (int64_t)nchars);
    free(hex);
    if (lyng_eval(vm, "fuzz_utf8.lyng", script, sizeof script - 1) == LYNG_COMPILE_ERROR) abort();
    int st;
    while ((st = lyng_run(vm)) == LYNG_WAITING) lyng_host_wait(vm, 0);
    if (st != LYNG_DONE) {
        fprintf(stderr, "%s\n", lyng_result_text(vm));
        abort();
    }
    lyng_free(vm);
    return 0;
}

/* fuzz_decode.c - libFuzzer target for the decoders of lyng.serialization:
 * the input goes to Lynon.decode as bytes and to Json.parse as text. Both
 * must raise a Lyng exception on bad input; only a crash or a sanitizer
 * report is a finding. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_common.h"

static const char defs[] =
    "import lyng.serialization\n"
    "import lyng.buffer\n"
    "fun decodeInput() {\n"
    "    val bytes = Buffer.decodeHex(INPUT)\n"
    "    try { Lynon.decode(bytes) } catch (e) { }\n"
    "    try { Lynon.decode(bytes.toBitInput()) } catch (e) { }\n"
    "    try { Json.parse(bytes.decodeUtf8()) } catch (e) { }\n"
    "}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *hex = malloc(size * 2 + 1);
    if (!hex) return 0;
    for (size_t i = 0; i < size; i++) snprintf(hex + 2 * i, 3, "%02x", data[i]);
    lyng_vm *vm = fuzz_prepared_vm(defs);
    lyng_define_string(vm, "INPUT", hex, size * 2);
    fuzz_prepared_run(vm, "decodeInput()");
    free(hex);
    return 0;
}

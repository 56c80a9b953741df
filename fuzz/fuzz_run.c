/* fuzz_run.c - libFuzzer target: compiles and runs arbitrary source in a VM
 * with a step budget and a small heap (fuzz_common.h), so endless loops and
 * runaway recursion end; only a crash or a sanitizer report is a finding. */
#include <stdint.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    lyng_vm *vm = fuzz_vm_new();
    if (lyng_eval(vm, "fuzz.lyng", (const char *)data, size) != LYNG_COMPILE_ERROR) fuzz_run_to_end(vm);
    (void)lyng_result_text(vm);
    lyng_free(vm);
    return 0;
}

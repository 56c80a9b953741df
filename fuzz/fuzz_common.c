/* fuzz_common.c - the VM setup the fuzz targets share (see fuzz_common.h). */
#include "fuzz_common.h"


static void drop_output(void *ud, int stream, const char *data, size_t len) {
    (void)ud, (void)stream, (void)data, (void)len;
}

lyng_vm *fuzz_vm_new(void) {
    lyng_config cfg = {.write = drop_output, .memory_limit = FUZZ_MEMORY_LIMIT, .step_limit = FUZZ_STEP_LIMIT};
    return lyng_new(&cfg);
}

/* A `delay(10^9)` must not stall the fuzzer: the host is only polled, and a
 * script still waiting after the last round is simply abandoned. */
#define FUZZ_HOST_ROUNDS 64

void fuzz_run_to_end(lyng_vm *vm) {
    for (int round = 0; round < FUZZ_HOST_ROUNDS; round++) {
        if (lyng_run(vm) != LYNG_WAITING) return;
        lyng_host_wait(vm, 0);
    }
}

/* fuzz_common.c - the VM setup the fuzz targets share (see fuzz_common.h). */
#include "fuzz_common.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lyng/vm.h"

/* Each input builds and frees a VM of a few MiB: a quarantine of 32 MiB
 * (not 256) keeps use-after-free reports for what an input frees while
 * reusing memory sooner, and fresh blocks are not filled with a pattern,
 * which together cost about a tenth of an input's time. ASAN_OPTIONS still
 * overrides them. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "quarantine_size_mb=32:max_malloc_fill_size=0"; }

static void drop_output(void *ud, int stream, const char *data, size_t len) {
    (void)ud, (void)stream, (void)data, (void)len;
}

lyng_vm *fuzz_vm_new(void) {
    /* The process keeps the out-of-memory reserve (mem.c) for good: ASan
     * poisons the 4 MiB of it on every free, which otherwise costs each
     * input more than compiling the prelude. */
    static bool reserved;
    if (!reserved) lyng_mem_reserve(), reserved = true;
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

/* the prepared VM and the inputs it has served */
static lyng_vm *prepared;
static unsigned prepared_uses;

lyng_vm *fuzz_prepared_vm(const char *defs) {
    if (prepared && prepared_uses++ < FUZZ_VM_REUSE) return prepared;
    lyng_free(prepared);
    lyng_config cfg = {.write = drop_output, .memory_limit = FUZZ_MEMORY_LIMIT};
    prepared = lyng_new(&cfg);
    prepared_uses = 0;
    int st = lyng_eval(prepared, "fuzz_defs.lyng", defs, strlen(defs));
    if (st != LYNG_COMPILE_ERROR) st = lyng_run(prepared);
    if (st != LYNG_DONE) {
        fprintf(stderr, "fuzz: the target's definitions fail: %s\n", lyng_result_text(prepared));
        abort();
    }
    return prepared;
}

int fuzz_prepared_run(lyng_vm *vm, const char *call) {
    uint32_t task;
    if (lyng_start(vm, "fuzz_call.lyng", call, strlen(call), &task) != LYNG_WAITING) {
        fprintf(stderr, "fuzz: the target's call does not compile: %s\n", lyng_result_text(vm));
        abort();
    }
    lyng_task_set_step_limit(vm, task, FUZZ_STEP_LIMIT);
    int st = LYNG_WAITING;
    for (int round = 0; round < FUZZ_HOST_ROUNDS && st == LYNG_WAITING; round++) {
        int all = lyng_run_tasks(vm);
        st = lyng_task_status(vm, task, 1);
        if (st == LYNG_WAITING && all == LYNG_WAITING) lyng_host_wait(vm, 0);
    }
    if (st == LYNG_WAITING) lyng_task_stop(vm, task, "the fuzz input is abandoned");
    if (st != LYNG_DONE) prepared_uses = FUZZ_VM_REUSE; /* after exit() or an error, start clean */
    lyng_task_free(vm, task);
    return st;
}

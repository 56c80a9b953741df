/* fuzz_common.h - what the fuzz targets share: a VM that prints nothing, has
 * a small heap and a step budget, so arbitrary input ends quickly and
 * cannot exhaust the machine. */
#ifndef LYNG_FUZZ_COMMON_H
#define LYNG_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "lyng.h"

/* Heap and step budget of every fuzzed VM: large enough for real scripts,
 * small enough that one input runs in milliseconds. */
#define FUZZ_MEMORY_LIMIT ((size_t)32 << 20)
#define FUZZ_STEP_LIMIT 200000u

/* A VM whose output is dropped. */
lyng_vm *fuzz_vm_new(void);

/* Runs a script that lyng_eval has started until it ends, stopping after a
 * bounded number of host rounds (timers are polled, never waited for). */
void fuzz_run_to_end(lyng_vm *vm);

#endif

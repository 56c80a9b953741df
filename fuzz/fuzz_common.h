/* fuzz_common.h - what the fuzz targets share: a VM that prints nothing, has
 * a small heap and a step budget, so arbitrary input ends quickly and
 * cannot exhaust the machine. */
#ifndef LYNG_FUZZ_COMMON_H
#define LYNG_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "lyng.h"

/* Heap and step budget of every fuzzed input: large enough for real
 * scripts, small enough that one input runs in milliseconds. A step costs
 * about 0.15 us under the sanitizers, so an endless loop costs the budget,
 * 8 ms: about what building the VM (compiling the prelude) costs. */
#define FUZZ_MEMORY_LIMIT ((size_t)32 << 20)
#define FUZZ_STEP_LIMIT 50000u

/* Inputs one prepared VM (fuzz_prepared_run) serves before it is built
 * anew, so what inputs leave behind cannot pile up. */
#define FUZZ_VM_REUSE 1000

/* A VM whose output is dropped. */
lyng_vm *fuzz_vm_new(void);

/* For the targets that run one fixed script on each input (the decoders,
 * UTF-8) or only compile: a VM on which `defs` (functions reading globals
 * the target defines per input) ran once, built anew every FUZZ_VM_REUSE
 * calls (one an input). Each input then only runs `call` as a task of its
 * own, with the step budget, instead of paying for a new VM: the prelude is
 * compiled once. The definitions must only read their globals, so one
 * input cannot change how the next runs. */
lyng_vm *fuzz_prepared_vm(const char *defs);
/* Runs `call` (a script calling the definitions) on the prepared VM to its
 * end: LYNG_DONE, LYNG_ERROR (lyng_result_text says why) or LYNG_EXIT. */
int fuzz_prepared_run(lyng_vm *vm, const char *call);

/* Runs a script that lyng_eval has started until it ends, stopping after a
 * bounded number of host rounds (timers are polled, never waited for). */
void fuzz_run_to_end(lyng_vm *vm);

#endif

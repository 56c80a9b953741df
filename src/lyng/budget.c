/* budget.c - how many steps (loop back-edges and calls) the VM may take
 * before it must stop and ask. Two limits share one countdown, so the run
 * loop pays a single decrement per step for both: the step limit of
 * lyng_config (untrusted code ends as if by exit(LYNG_STEP_LIMIT_EXIT)) and
 * the slice of lyng_set_slice (lyng_run returns LYNG_YIELDED so a
 * single-threaded host can handle its events). */
#include "vm.h"

#define BUDGET_MAX (1u << 30)

/* Charges the steps taken since the last grant to the step limit. */
static void charge(VM *vm) {
    uint32_t used = vm->budget_grant - vm->budget;
    if (vm->steps_left != UINT64_MAX) vm->steps_left = used < vm->steps_left ? vm->steps_left - used : 0;
    vm->budget_grant = vm->budget = 0;
}

static void grant(VM *vm, uint32_t slice) {
    uint64_t n = slice ? slice : BUDGET_MAX;
    if (vm->steps_left < n) n = vm->steps_left;
    if (n == 0) n = 1; /* a spent limit trips again at the next step */
    vm->budget_grant = vm->budget = (uint32_t)n;
}

void vm_budget_start(VM *vm) {
    charge(vm);
    vm->slice_spent = false;
    grant(vm, vm->slice_steps);
}

int vm_budget_spent(VM *vm) {
    charge(vm);
    if (vm->steps_left == 0) {
        if (!vm->exiting) {
            vm->exiting = true;
            vm->exit_code = LYNG_STEP_LIMIT_EXIT;
        }
        grant(vm, 1);
        return BUDGET_STOP;
    }
    /* a fiber run from C (vm_call_sync) cannot be put aside: it goes on */
    if (vm->slice_steps && !vm->gc_paused) {
        vm->slice_spent = true;
        grant(vm, vm->slice_steps);
        return BUDGET_YIELD;
    }
    grant(vm, vm->slice_steps);
    return BUDGET_GO_ON;
}

bool vm_steps_exhausted(VM *vm) { return vm->steps_left == 0 || (vm->steps_left <= vm->budget_grant - vm->budget); }

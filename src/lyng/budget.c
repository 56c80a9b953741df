/* budget.c - how many steps (loop back-edges and calls) the VM may take
 * before it must stop and ask. Three limits share one countdown, so the run
 * loop pays a single decrement per step for all: the step limit of
 * lyng_config (untrusted code ends as if by exit(LYNG_STEP_LIMIT_EXIT)),
 * the slice of lyng_set_slice (lyng_run returns LYNG_YIELDED so a
 * single-threaded host can handle its events) and the cap of the running
 * fiber's task (task.c: a task with a step limit stops where it runs out). */
#include "vm.h"

#define BUDGET_MAX (1u << 30)

/* Charges the steps taken since the last grant to the step limit. */
static void charge(VM *vm) {
    uint32_t used = vm->budget_grant - vm->budget;
    vm->steps_taken += used;
    if (vm->steps_left != UINT64_MAX) vm->steps_left = used < vm->steps_left ? vm->steps_left - used : 0;
    vm->budget_grant = vm->budget = 0;
}

static bool capped(VM *vm) { return vm->cap_until != UINT64_MAX && vm->steps_taken >= vm->cap_until; }

static void grant(VM *vm, uint64_t n) {
    if (vm->steps_left < n) n = vm->steps_left;
    if (vm->cap_until != UINT64_MAX) {
        uint64_t rem = vm->cap_until > vm->steps_taken ? vm->cap_until - vm->steps_taken : 0;
        if (rem < n) n = rem;
    }
    if (n == 0) n = 1; /* a spent limit trips again at the next step */
    vm->budget_grant = vm->budget = (uint32_t)n;
}

static uint64_t slice_of(VM *vm) { return vm->slice_steps ? vm->slice_steps : BUDGET_MAX; }

void vm_budget_start(VM *vm) {
    charge(vm);
    vm->slice_spent = false;
    grant(vm, slice_of(vm));
}

uint64_t vm_steps_now(VM *vm) { return vm->steps_taken + (vm->budget_grant - vm->budget); }

/* What is left of the current slice stays the slice; only the cap changes. */
void vm_budget_cap(VM *vm, uint64_t steps) {
    uint32_t left = vm->budget;
    charge(vm);
    vm->cap_until = steps == UINT64_MAX ? UINT64_MAX : vm->steps_taken + steps;
    grant(vm, left ? left : 1);
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
    if ((vm->slice_steps || capped(vm)) && !vm->gc_paused) {
        vm->slice_spent = true;
        grant(vm, slice_of(vm));
        return BUDGET_YIELD;
    }
    grant(vm, slice_of(vm));
    return BUDGET_GO_ON;
}

bool vm_steps_exhausted(VM *vm) { return vm->steps_left == 0 || (vm->steps_left <= vm->budget_grant - vm->budget); }

/* task.c - scripts started side by side on one VM (lyng_start): each runs
 * as a fiber of its own beside the others and the coroutines they launched,
 * and is asked about separately. A REPL starts every input as a task (a
 * coroutine launched at the prompt runs on between prompts); an embedder
 * may run several evaluations at once. A task can be stopped from outside
 * (Ctrl-C, a time limit) and can be given a step limit; both end the task
 * and every coroutine it launched, and nothing else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"

/* Ids carry a generation, so a coroutine that outlives its task is never
 * counted against a later task in the same slot. */
#define TASK_INDEX_BITS 16u
#define TASK_INDEX_MASK ((1u << TASK_INDEX_BITS) - 1)

static Task *task_get(VM *vm, uint32_t id) {
    uint32_t i = (id & TASK_INDEX_MASK) - 1;
    if (id == 0 || i >= vm->ntasks || vm->tasks[i].id != id || !vm->tasks[i].main) return NULL;
    return &vm->tasks[i];
}

static Task *task_add(VM *vm) {
    uint32_t i = 0;
    while (i < vm->ntasks && vm->tasks[i].main) i++;
    if (i == vm->ntasks) {
        if (i == TASK_INDEX_MASK) return NULL;
        if (vm->ntasks == vm->tasks_cap) {
            uint32_t ncap = vm->tasks_cap ? vm->tasks_cap * 2 : 8;
            Task *t = realloc(vm->tasks, sizeof(Task) * ncap);
            if (!t) return NULL;
            memset(t + vm->tasks_cap, 0, sizeof(Task) * (ncap - vm->tasks_cap));
            vm->tasks = t;
            vm->tasks_cap = ncap;
        }
        vm->ntasks++;
    }
    Task *t = &vm->tasks[i];
    uint32_t gen = ((t->id >> TASK_INDEX_BITS) + 1) & 0xffffu;
    if (gen == 0) gen = 1;
    t->id = gen << TASK_INDEX_BITS | (i + 1);
    t->steps = t->step_limit = 0;
    t->live = 0;
    t->stopped = V_VOID;
    return t;
}

static void set_text(char **slot, const char *s) {
    free(*slot);
    size_t n = strlen(s) + 1;
    *slot = malloc(n);
    if (!*slot) abort();
    memcpy(*slot, s, n);
}

int lyng_start(lyng_vm *vm, const char *name, const char *src, size_t len, uint32_t *task) {
    *task = 0;
    /* a task is not the main script of lyng_eval: an earlier one's error
     * must not stop the scheduler */
    vm->main = NULL;
    Proto *p = vm_compile_entry(vm, name, src, len);
    if (!p) return vm->compile_incomplete ? LYNG_INCOMPLETE : LYNG_COMPILE_ERROR;
    Value script = vm_script_closure(vm, p);
    Task *t = task_add(vm);
    if (!t) {
        set_text(&vm->result_text, "too many scripts running at once");
        set_text(&vm->err_class, "IllegalStateException");
        set_text(&vm->err_message, "too many scripts running at once");
        return LYNG_ERROR;
    }
    Fiber *saved = vm->current;
    vm->current = NULL;
    t->main = vm_fiber_new(vm, script, 0, NULL);
    vm->current = saved;
    t->main->task = t->id;
    vm_ready(vm, t->main);
    *task = t->id;
    return LYNG_WAITING;
}

int lyng_run_tasks(lyng_vm *vm) {
    vm_budget_start(vm);
    vm_run_ready(vm);
    if (vm->exiting) return LYNG_EXIT;
    if (vm->slice_spent && vm->ready_head) return LYNG_YIELDED;
    if (vm->ready_head || vm->live_ops > 0) return LYNG_WAITING;
    return LYNG_DONE;
}

void vm_task_fiber(VM *vm, Fiber *f, int delta) {
    Task *t = task_get(vm, f->task);
    if (t && t->main != f) t->live += delta;
}

int lyng_task_status(lyng_vm *vm, uint32_t task, int with_coroutines) {
    Task *t = task_get(vm, task);
    if (!t) return LYNG_ERROR;
    if (vm->exiting) return LYNG_EXIT;
    Fiber *f = t->main;
    if (!IS_VOID(t->stopped)) {
        vm_report_error(vm, t->stopped);
        return LYNG_ERROR;
    }
    bool idle = !vm->ready_head && vm->live_ops == 0;
    if (f->state == FS_DONE && !f->failed && with_coroutines && t->live > 0 && !idle) return LYNG_WAITING;
    if (f->state == FS_DONE) {
        if (f->failed) {
            vm_report_error(vm, f->result);
            return LYNG_ERROR;
        }
        StrBuf sb;
        sb_init(&sb);
        v_inspect(vm, &sb, f->result);
        set_text(&vm->result_text, sb.data ? sb.data : "");
        sb_free(&sb);
        return LYNG_DONE;
    }
    if (idle) {
        vm_throw(vm, vm->c.illegal_state, "deadlock: the script waits for a result that nothing will produce");
        vm_report_error(vm, vm_take_exception(vm));
        return LYNG_ERROR;
    }
    return LYNG_WAITING;
}

/* Ends every fiber of the task as if each had raised `exc` where it
 * stands; finally blocks do not run. Fibers are found on the heap: a
 * waiting one is known only to what will wake it. */
static void stop_fibers(VM *vm, uint32_t task, Value exc) {
    for (Obj *o = vm->objects; o; o = o->next) {
        if (o->type != OT_FIBER) continue;
        Fiber *f = (Fiber *)o;
        if (f->task != task || f->state == FS_DONE || f == vm->current) continue;
        f->state = FS_DONE;
        f->result = exc;
        f->failed = !IS_VOID(exc);
        vm_fiber_finished(vm, f);
    }
}

void lyng_task_stop(lyng_vm *vm, uint32_t task, const char *message) {
    Task *t = task_get(vm, task);
    if (!t || !IS_VOID(t->stopped)) return;
    t->stopped = v_obj(vm_make_exception(vm, vm->c.exception, str_cstr(vm, message)));
    stop_fibers(vm, task, t->stopped);
}

void lyng_task_set_step_limit(lyng_vm *vm, uint32_t task, uint64_t steps) {
    Task *t = task_get(vm, task);
    if (t) t->step_limit = steps;
}

uint64_t lyng_task_steps(lyng_vm *vm, uint32_t task) {
    Task *t = task_get(vm, task);
    return t ? t->steps : 0;
}

void lyng_task_free(lyng_vm *vm, uint32_t task) {
    Task *t = task_get(vm, task);
    if (t) t->main = NULL;
}

/* A named function or a class shows what was declared rather than its
 * identity: `fun f() {}` at a prompt echoes "fun f". */
const char *lyng_task_echo(lyng_vm *vm, uint32_t task) {
    Task *t = task_get(vm, task);
    if (!t || t->main->state != FS_DONE || t->main->failed) return NULL;
    Value v = t->main->result;
    if (IS_VOID(v)) return NULL;
    StrBuf sb;
    sb_init(&sb);
    if (IS_OT(v, OT_CLOSURE) && ((Closure *)v.as.o)->proto->name) {
        String *n = ((Closure *)v.as.o)->proto->name;
        if (n->len && n->data[0] != '<' && strcmp(n->data, "lambda") != 0) sb_printf(&sb, "fun %s", n->data);
    } else if (IS_OT(v, OT_CLASS)) {
        sb_printf(&sb, "class %s", ((Class *)v.as.o)->name->data);
    }
    if (!sb.len) v_inspect(vm, &sb, v);
    set_text(&vm->result_text, sb.data ? sb.data : "");
    sb_free(&sb);
    return vm->result_text;
}

void vm_task_before(VM *vm, Fiber *f) {
    Task *t = task_get(vm, f->task);
    if (!t) return;
    vm->task_mark = vm_steps_now(vm);
    if (t->step_limit) vm_budget_cap(vm, t->steps < t->step_limit ? t->step_limit - t->steps : 0);
}

void vm_task_after(VM *vm, Fiber *f) {
    Task *t = task_get(vm, f->task);
    if (!t) return;
    t->steps += vm_steps_now(vm) - vm->task_mark;
    if (!t->step_limit) return;
    vm_budget_cap(vm, UINT64_MAX);
    if (t->steps >= t->step_limit) {
        char msg[96];
        snprintf(msg, sizeof msg, "the step limit of %llu was reached", (unsigned long long)t->step_limit);
        lyng_task_stop(vm, t->id, msg);
    }
}

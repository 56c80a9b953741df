/* js_exports.c - the functions the library's wasm module (lyng.wasm)
 * exports to JavaScript: a thin layer over lyng.h and net.h (VMs as opaque
 * pointers, text as pointer + length in linear memory). Output of embedded
 * VMs goes to the `lyng_host.output` import. The command line adds its own
 * exports in lyng-cli.wasm (src/cli/wasm_exports.c).
 *
 * JS must re-read memory.buffer after any of these calls: each may grow
 * linear memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../include/lyng.h"
#include "../net/net.h"

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(name) __attribute__((import_module("lyng_host"), import_name(name)))

IMPORT("output") void js_output(int stream, const char *data, uint32_t len);
/* A Lyng call of a host function (lyng_define_host_function): JS answers
 * with lyng_wasm_complete_call. */
IMPORT("call") void js_call(lyng_vm *vm, uint32_t op, uint32_t fn, const uint8_t *args, uint32_t len);
/* Asks the embedder's policy function; the answer comes back through
 * lyng_wasm_complete (0 allowed, anything else denied). */
IMPORT("net_ask") void js_net_ask(lyng_vm *vm, uint32_t op, const char *kind, const char *host, int port, int backlog);

/* ---- memory, for strings JS passes in ---- */

EXPORT("lyng_wasm_alloc") void *lyng_wasm_alloc(uint32_t n) { return malloc(n ? n : 1); }
EXPORT("lyng_wasm_free") void lyng_wasm_free(void *p) { free(p); }

/* ---- embedding ---- */

static void write_to_host(void *ud, int stream, const char *data, size_t len) {
    (void)ud;
    js_output(stream, data, (uint32_t)len);
}

static void call_host(void *ud, lyng_vm *vm, uint32_t op, uint32_t fn, const uint8_t *args, size_t len) {
    (void)ud;
    js_call(vm, op, fn, args, (uint32_t)len);
}

EXPORT("lyng_wasm_new") lyng_vm *lyng_wasm_new(void) {
    lyng_config cfg = {.write = write_to_host, .userdata = NULL, .memory_limit = 0};
    lyng_vm *vm = lyng_new(&cfg);
    if (vm) lyng_net_register(vm);
    if (vm) lyng_set_call_hook(vm, call_host, NULL);
    if (vm) lyng_net_set_embedded(vm, true);
    return vm;
}

EXPORT("lyng_wasm_free_vm") void lyng_wasm_free_vm(lyng_vm *vm) { lyng_free(vm); }

/* name and source need not be NUL-terminated. */
EXPORT("lyng_wasm_eval") int lyng_wasm_eval(lyng_vm *vm, const char *name, uint32_t name_len, const char *src,
                                            uint32_t src_len) {
    char *cname = malloc((size_t)name_len + 1);
    if (!cname) return LYNG_ERROR;
    memcpy(cname, name, name_len);
    cname[name_len] = 0;
    int status = lyng_eval(vm, cname, src, src_len);
    free(cname);
    return status;
}

EXPORT("lyng_wasm_run") int lyng_wasm_run(lyng_vm *vm) { return lyng_run(vm); }
EXPORT("lyng_wasm_set_slice") void lyng_wasm_set_slice(lyng_vm *vm, uint32_t steps) { lyng_set_slice(vm, steps); }
EXPORT("lyng_wasm_result") const char *lyng_wasm_result(lyng_vm *vm) { return lyng_result_text(vm); }
EXPORT("lyng_wasm_error_class") const char *lyng_wasm_error_class(lyng_vm *vm) { return lyng_error_class(vm); }
EXPORT("lyng_wasm_error_message") const char *lyng_wasm_error_message(lyng_vm *vm) { return lyng_error_message(vm); }
EXPORT("lyng_wasm_exit_code") int lyng_wasm_exit_code(lyng_vm *vm) { return lyng_exit_code(vm); }

/* ---- tasks (createLyng: evaluations side by side) ---- */

/* *task receives the task's number. */
EXPORT("lyng_wasm_start") int lyng_wasm_start(lyng_vm *vm, const char *name, uint32_t name_len, const char *src,
                                              uint32_t src_len, uint32_t *task) {
    char *cname = malloc((size_t)name_len + 1);
    if (!cname) return LYNG_ERROR;
    memcpy(cname, name, name_len);
    cname[name_len] = 0;
    int status = lyng_start(vm, cname, src, src_len, task);
    free(cname);
    return status;
}

EXPORT("lyng_wasm_run_tasks") int lyng_wasm_run_tasks(lyng_vm *vm) { return lyng_run_tasks(vm); }
EXPORT("lyng_wasm_task_status") int lyng_wasm_task_status(lyng_vm *vm, uint32_t task, int with_coroutines) {
    return lyng_task_status(vm, task, with_coroutines);
}
/* *len receives the length of the encoded value (lyng.h). */
EXPORT("lyng_wasm_task_result") const uint8_t *lyng_wasm_task_result(lyng_vm *vm, uint32_t task, uint32_t *len) {
    size_t n;
    const uint8_t *p = lyng_task_result_bytes(vm, task, &n);
    *len = (uint32_t)n;
    return p;
}
EXPORT("lyng_wasm_task_stop") void lyng_wasm_task_stop(lyng_vm *vm, uint32_t task, const char *message) {
    lyng_task_stop(vm, task, message);
}
/* steps is a double: JS numbers cross without BigInt conversions. */
EXPORT("lyng_wasm_task_set_step_limit") void lyng_wasm_task_set_step_limit(lyng_vm *vm, uint32_t task, double steps) {
    lyng_task_set_step_limit(vm, task, (uint64_t)steps);
}
EXPORT("lyng_wasm_task_free") void lyng_wasm_task_free(lyng_vm *vm, uint32_t task) { lyng_task_free(vm, task); }

/* name is NUL-terminated; data is an encoded value (lyng.h). */
EXPORT("lyng_wasm_define_bytes") int lyng_wasm_define_bytes(lyng_vm *vm, const char *name, const uint8_t *data,
                                                            uint32_t len) {
    return lyng_define_bytes(vm, name, data, len);
}
EXPORT("lyng_wasm_define_host_function") void lyng_wasm_define_host_function(lyng_vm *vm, const char *name,
                                                                            uint32_t fn) {
    lyng_define_host_function(vm, name, fn);
}
EXPORT("lyng_wasm_complete_call") void lyng_wasm_complete_call(lyng_vm *vm, uint32_t op, int ok, const uint8_t *data,
                                                              uint32_t len) {
    lyng_complete_call(vm, op, ok, data, len);
}

/* name is NUL-terminated; the Int arrives as a JS BigInt. */
EXPORT("lyng_wasm_define_int") void lyng_wasm_define_int(lyng_vm *vm, const char *name, int64_t value) {
    lyng_define_int(vm, name, value);
}

EXPORT("lyng_wasm_define_string") void lyng_wasm_define_string(lyng_vm *vm, const char *name, const char *value,
                                                               uint32_t len) {
    lyng_define_string(vm, name, value, len);
}

/* allow/deny are NUL-terminated or 0 (see net.h for the syntax). */
EXPORT("lyng_wasm_set_net_policy") void lyng_wasm_set_net_policy(lyng_vm *vm, const char *allow, const char *deny) {
    lyng_net_set_policy(vm, allow, deny);
}

static void ask_host(void *ud, lyng_vm *vm, uint32_t op, const char *kind, const char *host, int port, int backlog) {
    (void)ud;
    js_net_ask(vm, op, kind, host, port, backlog);
}

/* A JS policy function decides what the lists leave open. */
EXPORT("lyng_wasm_set_net_ask") void lyng_wasm_set_net_ask(lyng_vm *vm, int enabled) {
    lyng_net_set_policy_hook(vm, enabled ? ask_host : NULL, NULL);
}

/* value is a double because every op result fits in 53 bits and JS numbers
 * cross the boundary without BigInt conversions. */
EXPORT("lyng_wasm_complete") void lyng_wasm_complete(lyng_vm *vm, uint32_t op, int32_t status, double value) {
    lyng_complete(vm, op, status, (int64_t)value);
}

/* A batch of completions in one call (js-shim/lyng.mjs drains its queue
 * with it): n records of four doubles, {vm, op, status, value}, which JS
 * wrote in place. A burst of socket events costs one crossing, not one per
 * event. JS does not touch the records while the call runs. The vm and op
 * reached JS as signed i32 (an op id has its top bit set once its slot's
 * generation is high), so they are taken back through int64. */
EXPORT("lyng_wasm_complete_batch") void lyng_wasm_complete_batch(const double *records, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        const double *r = records + 4 * (size_t)i;
        lyng_vm *vm = (lyng_vm *)(uintptr_t)(uint32_t)(int64_t)r[0];
        lyng_complete(vm, (uint32_t)(int64_t)r[1], (int32_t)r[2], (int64_t)r[3]);
    }
}

/* lyng.h - the embedding API of the Lyng runtime.
 *
 * A host creates a VM, defines globals, registers native modules, starts a
 * script and drives it: lyng_run() runs every coroutine that can make progress
 * and reports whether the script still waits on the host (timers, sockets).
 * The native CLI, the wasm exports and embedders all use only this file. */
#ifndef LYNG_H
#define LYNG_H

#include <stddef.h>
#include <stdint.h>

#define LYNG_VERSION "0.1.0"

typedef struct VM lyng_vm;

/* Output goes through one callback so embedders can capture it. stream is 1
 * (stdout) or 2 (stderr). NULL writes to the process's stdout/stderr. */
typedef void (*lyng_write_fn)(void *ud, int stream, const char *data, size_t len);

typedef struct lyng_config {
    lyng_write_fn write;
    void *userdata;
    size_t memory_limit; /* bytes of VM heap; 0 = default (1 GiB) */
    /* Loop iterations and calls the VM may run in all before it stops as if
     * the script had called exit(LYNG_STEP_LIMIT_EXIT); 0 = no limit. For
     * hosts that run untrusted code, such as fuzzers. */
    uint64_t step_limit;
} lyng_config;

#define LYNG_STEP_LIMIT_EXIT 124

/* Status of lyng_run / lyng_eval. */
enum {
    LYNG_DONE = 0,     /* the script and every coroutine finished */
    LYNG_WAITING = 1,  /* waiting on the host: call lyng_run after a completion */
    LYNG_ERROR = 2,    /* the script raised an uncaught exception */
    LYNG_COMPILE_ERROR = 3,
    LYNG_EXIT = 4,     /* the script called exit(code) */
    LYNG_YIELDED = 5   /* the slice of lyng_set_slice ran out: call lyng_run again */
};

lyng_vm *lyng_new(const lyng_config *cfg);
void lyng_free(lyng_vm *vm);

/* Globals: -D NAME=VALUE and ARGV. */
void lyng_define_int(lyng_vm *vm, const char *name, int64_t value);
void lyng_define_string(lyng_vm *vm, const char *name, const char *value, size_t len);
void lyng_define_string_list(lyng_vm *vm, const char *name, int argc, const char *const *argv);

/* A native module, created on its first `import`. The init function defines
 * the module's exports with the VM's internal API (see src/lyng/vm.h). */
typedef void (*lyng_module_init)(lyng_vm *vm, void *exports_map);
void lyng_register_module(lyng_vm *vm, const char *name, lyng_module_init init);
/* Makes `import a.b` of a module not registered otherwise run the file
 * dir/a/b.lyng, looked up when the import runs (once, on the first), whose
 * `package` line, if any, must then say a.b. Files nobody imports are never
 * read. NULL turns the lookup off. */
void lyng_set_module_dir(lyng_vm *vm, const char *dir);
/* Makes `import name` run the Lyng file at `path` (once, on the first
 * import); its top-level declarations become the importer's. -1 if a module
 * of that name exists. */
int lyng_add_source_module(lyng_vm *vm, const char *name, const char *path);

/* Starts a script. Returns LYNG_COMPILE_ERROR (see lyng_result_text) or
 * LYNG_WAITING, after which lyng_run drives it. */
int lyng_eval(lyng_vm *vm, const char *name, const char *src, size_t len);

/* Runs all coroutines that can run. Returns LYNG_WAITING while host
 * operations are pending, else LYNG_DONE, LYNG_ERROR or LYNG_EXIT. */
int lyng_run(lyng_vm *vm);

/* Calls the global function `name` without arguments, to its end, before
 * returning: it must not suspend. For a host's own hooks, such as the
 * command line's atExit handlers. LYNG_DONE, or LYNG_ERROR with the report
 * in lyng_result_text. */
int lyng_call_global(lyng_vm *vm, const char *name);

/* Makes lyng_run return LYNG_YIELDED after about `steps` loop iterations
 * and calls, so a host with one thread (a browser page) can handle events
 * between slices of a long script. 0 (the default) runs without a limit. */
void lyng_set_slice(lyng_vm *vm, uint32_t steps);

/* After LYNG_DONE: inspect() of the script's final value. After LYNG_ERROR
 * or LYNG_COMPILE_ERROR: the error report (class, message, location, stack).
 * Owned by the VM, valid until the next lyng_eval or lyng_free. */
const char *lyng_result_text(lyng_vm *vm);
/* After LYNG_ERROR: the exception's class name and message. */
const char *lyng_error_class(lyng_vm *vm);
const char *lyng_error_message(lyng_vm *vm);
int lyng_exit_code(lyng_vm *vm);

/* The host delivers the completion of an operation it was asked to start. */
void lyng_complete(lyng_vm *vm, uint32_t op, int32_t status, int64_t value);

/* The host backend attached to this VM (src/host/host.h). */
struct host *lyng_host(lyng_vm *vm);

#endif

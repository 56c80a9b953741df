/* lyng.h - the embedding API of the Lyng runtime.
 *
 * A host creates a VM, defines globals, registers native modules, starts a
 * script and drives it: lyng_run() runs every coroutine that can make progress
 * and reports whether the script still waits on the host (timers, sockets).
 * The command line (src/cli), the wasm exports and embedders all use only
 * this file (and src/net/net.h for the network module). */
#ifndef LYNG_H
#define LYNG_H

#include <stddef.h>
#include <stdint.h>

#include "lyng_constants.h"

/* What the library exports. It is built with every other symbol hidden, so
 * liblyng.a offers only names that start with lyng_. */
#if defined(__GNUC__) || defined(__clang__)
#define LYNG_API __attribute__((visibility("default")))
#else
#define LYNG_API
#endif

#define LYNG_VERSION "0.1.0"

typedef struct VM lyng_vm;

/* Output goes through one callback so embedders can capture it. stream is 1
 * (stdout) or 2 (stderr). NULL writes to the process's stdout/stderr. */
typedef void (*lyng_write_fn)(void *ud, int stream, const char *data, size_t len);

typedef struct lyng_config {
    lyng_write_fn write;
    void *userdata;
    size_t memory_limit; /* bytes of VM heap; 0 = default (1 GiB, 512 MiB on wasm) */
    /* Loop iterations and calls the VM may run in all before it stops as if
     * the script had called exit(LYNG_STEP_LIMIT_EXIT); 0 = no limit. For
     * hosts that run untrusted code, such as fuzzers. */
    uint64_t step_limit;
} lyng_config;

#define LYNG_STEP_LIMIT_EXIT 124

/* Status of lyng_run / lyng_eval: LYNG_DONE, LYNG_WAITING, LYNG_ERROR,
 * LYNG_COMPILE_ERROR, LYNG_EXIT, LYNG_YIELDED, LYNG_INCOMPLETE (their
 * values and meanings are listed in lyng_constants.h). */
#define LYNG_STATUS_ENUM(name, value) LYNG_##name = value,
enum { LYNG_STATUS_MAP(LYNG_STATUS_ENUM) };
#undef LYNG_STATUS_ENUM

LYNG_API lyng_vm *lyng_new(const lyng_config *cfg);
LYNG_API void lyng_free(lyng_vm *vm);

/* Globals: -D NAME=VALUE and ARGV. */
LYNG_API void lyng_define_int(lyng_vm *vm, const char *name, int64_t value);
LYNG_API void lyng_define_string(lyng_vm *vm, const char *name, const char *value, size_t len);
LYNG_API void lyng_define_string_list(lyng_vm *vm, const char *name, int argc, const char *const *argv);

/* A native module, created on its first `import`. The init function defines
 * the module's exports with the VM's internal API (see src/lyng/vm.h),
 * which liblyng.a does not export: a native module is compiled into the
 * library, as lyng.io.net (src/net/) is. */
typedef void (*lyng_module_init)(lyng_vm *vm, void *exports_map);
LYNG_API void lyng_register_module(lyng_vm *vm, const char *name, lyng_module_init init);
/* Makes `import a.b` of a module not registered otherwise run the file
 * dir/a/b.lyng, looked up when the import runs (once, on the first), whose
 * `package` line, if any, must then say a.b. Files nobody imports are never
 * read. NULL turns the lookup off. */
LYNG_API void lyng_set_module_dir(lyng_vm *vm, const char *dir);
/* Makes `import name` run the Lyng file at `path` (once, on the first
 * import); its top-level declarations become the importer's. -1 if a module
 * of that name exists. */
LYNG_API int lyng_add_source_module(lyng_vm *vm, const char *name, const char *path);

/* Starts a script. Returns LYNG_COMPILE_ERROR (see lyng_result_text) or
 * LYNG_WAITING, after which lyng_run drives it. */
LYNG_API int lyng_eval(lyng_vm *vm, const char *name, const char *src, size_t len);

/* Runs all coroutines that can run. Returns LYNG_WAITING while host
 * operations are pending, else LYNG_DONE, LYNG_ERROR or LYNG_EXIT. */
LYNG_API int lyng_run(lyng_vm *vm);

/* Calls the global function `name` without arguments, to its end, before
 * returning: it must not suspend. For a host's own hooks, such as the
 * command line's atExit handlers. LYNG_DONE, or LYNG_ERROR with the report
 * in lyng_result_text. */
LYNG_API int lyng_call_global(lyng_vm *vm, const char *name);

/* Makes lyng_run return LYNG_YIELDED after about `steps` loop iterations
 * and calls, so a host with one thread (a browser page) can handle events
 * between slices of a long script. 0 (the default) runs without a limit. */
LYNG_API void lyng_set_slice(lyng_vm *vm, uint32_t steps);

/* After LYNG_DONE: inspect() of the script's final value. After LYNG_ERROR
 * or LYNG_COMPILE_ERROR: the error report (class, message, location, stack).
 * Owned by the VM, valid until the next lyng_eval or lyng_free. */
LYNG_API const char *lyng_result_text(lyng_vm *vm);
/* After LYNG_ERROR: the exception's class name and message. */
LYNG_API const char *lyng_error_class(lyng_vm *vm);
LYNG_API const char *lyng_error_message(lyng_vm *vm);
LYNG_API int lyng_exit_code(lyng_vm *vm);

/* ---- tasks: scripts side by side on one VM ----
 * lyng_start compiles a script and starts it as a coroutine of its own,
 * beside the tasks already running and the coroutines they launched. Tasks
 * are identified by a number (never 0). lyng_run_tasks runs whatever can
 * run; each task is then asked about with lyng_task_status. Declarations
 * at the top level of a task are globals, seen by the later ones. */

/* LYNG_WAITING (started, *task set), LYNG_COMPILE_ERROR, or LYNG_INCOMPLETE
 * when the only error is that the input ended (a REPL then reads on). */
LYNG_API int lyng_start(lyng_vm *vm, const char *name, const char *src, size_t len, uint32_t *task);
/* LYNG_DONE when nothing is left to run, LYNG_WAITING while coroutines wait
 * on the host, LYNG_YIELDED when the slice ran out, LYNG_EXIT after exit(). */
LYNG_API int lyng_run_tasks(lyng_vm *vm);
/* LYNG_WAITING while the task runs, LYNG_DONE (lyng_result_text is the
 * inspect() of its value), LYNG_ERROR (the report; also for a task that
 * waits for what can never happen) or LYNG_EXIT. With with_coroutines, a
 * task runs until the coroutines it launched finished too (as a script
 * does); without, until its own code ends (a REPL's statement). */
LYNG_API int lyng_task_status(lyng_vm *vm, uint32_t task, int with_coroutines);
/* What a REPL shows for the finished task: NULL for no value, "fun f" for
 * a named function, "class C" for a class, else inspect(). */
LYNG_API const char *lyng_task_echo(lyng_vm *vm, uint32_t task);
/* Ends the task and every coroutine it launched with an Exception of that
 * message (Ctrl-C, a time limit). */
LYNG_API void lyng_task_stop(lyng_vm *vm, uint32_t task, const char *message);
/* The task and its coroutines may take `steps` steps in all; then it is
 * stopped as by lyng_task_stop. 0: no limit. */
LYNG_API void lyng_task_set_step_limit(lyng_vm *vm, uint32_t task, uint64_t steps);
LYNG_API uint64_t lyng_task_steps(lyng_vm *vm, uint32_t task);
/* Forgets a task (its coroutines run on). */
LYNG_API void lyng_task_free(lyng_vm *vm, uint32_t task);

/* ---- values as bytes, for hosts in other languages (src/lyng/exchange.c) ----
 * A tag byte (LYNG_VALUE_TAG_MAP in lyng_constants.h), then the payload,
 * little-endian: NULL, VOID, FALSE, TRUE none; INT and REAL 8 bytes;
 * STRING u32 length, UTF-8; LIST and SET u32 count, values; MAP u32 count,
 * key and value each; BUFFER u32 length, bytes; OBJECT u32 count, String
 * key and value each (an instance sends its toJsonObject(), else its
 * public fields; arrives in Lyng as a Map); OTHER a String, its inspect(). */

/* The finished task's value, encoded; owned by the VM until the next call. */
LYNG_API const uint8_t *lyng_task_result_bytes(lyng_vm *vm, uint32_t task, size_t *len);
/* Defines a global from encoded bytes; -1 if they are malformed. */
LYNG_API int lyng_define_bytes(lyng_vm *vm, const char *name, const uint8_t *data, size_t len);
/* A host function: calling `name(args...)` in Lyng suspends the caller and
 * calls the hook with the encoded List of arguments; the host answers, now
 * or later, with lyng_complete_call (ok: the encoded result; otherwise the
 * UTF-8 message of the Exception raised in Lyng). */
typedef void (*lyng_call_fn)(void *ud, lyng_vm *vm, uint32_t op, uint32_t fn, const uint8_t *args, size_t len);
LYNG_API void lyng_set_call_hook(lyng_vm *vm, lyng_call_fn hook, void *ud);
LYNG_API void lyng_define_host_function(lyng_vm *vm, const char *name, uint32_t fn);
LYNG_API void lyng_complete_call(lyng_vm *vm, uint32_t op, int ok, const uint8_t *data, size_t len);

/* The host delivers the completion of an operation it was asked to start:
 * status is 0 or one of the negative codes of LYNG_HOST_ERROR_MAP
 * (lyng_constants.h). */
LYNG_API void lyng_complete(lyng_vm *vm, uint32_t op, int32_t status, int64_t value);

/* ---- waiting for the host (native and WASI builds) ----
 * Where the library owns the event loop (epoll natively, wasi:io on WASI),
 * the embedder waits for it between runs:
 *
 *     int st = lyng_eval(vm, "main.lyng", src, len);
 *     while (st == LYNG_WAITING) {
 *         st = lyng_run(vm);
 *         if (st == LYNG_WAITING) lyng_host_wait(vm, -1);
 *     }
 *
 * lyng_host_wait waits up to timeout_ms (-1: without end) for timers and
 * sockets, delivers their completions and returns how many it delivered.
 * Built for JavaScript, the event loop is JavaScript's and it returns 0. */
LYNG_API int lyng_host_wait(lyng_vm *vm, int timeout_ms);
/* lyng_host_wait that also returns once the descriptor fd is readable,
 * setting *readable to 1 (else 0): a REPL waits for a key and for its
 * coroutines at once. Only the native build watches fd. */
LYNG_API int lyng_host_wait_fd(lyng_vm *vm, int fd, int timeout_ms, int *readable);

#endif

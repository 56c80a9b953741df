/* vm.h - the virtual machine: fibers, frames, the scheduler and the API that
 * native code (standard library, modules) uses to talk to it. */
#ifndef LYNG_VM_H
#define LYNG_VM_H

#include "value.h"
#include "../include/lyng.h"

struct host;

/* entries of the VM's method cache, a power of two */
#define METHOD_CACHE_SIZE 512
/* gc.c keeps freed blocks up to SMALL_MAX bytes for reuse, by multiples of
 * SMALL_GRAIN: 8, as objects are (on wasm a fiber is 104 bytes, a closure
 * with one upvalue 36, a Deferred 40), so none is rounded up by a half-used
 * grain of 16 (an idle server connection's objects: 48 bytes less on wasm) */
#define SMALL_GRAIN 8
#define SMALL_MAX 256
/* gc.c paces blocks of LARGE_MIN bytes or more apart from the rest and keeps
 * up to LARGE_CACHE_SLOTS of those freed by a collection for reuse */
#define LARGE_MIN 4096
/* object.c: str_new_shared hands out again a recent string of up to
 * STR_SHARED_MAX bytes with the same text */
#define STR_CACHE_SLOTS 256
#define STR_SHARED_MAX 32
#define LARGE_CACHE_SLOTS 32

typedef struct Frame {
    Closure *closure;
    uint8_t *ip;
    uint32_t base;       /* slot 0 of this frame in fiber->stack (holds `this`) */
    uint32_t nhandlers;  /* try handlers active when the frame was entered */
} Frame;

typedef struct Handler {
    uint32_t frame;      /* frame index */
    uint8_t *catch_ip;
    uint32_t sp;         /* stack depth to restore */
} Handler;

typedef enum { FS_NEW, FS_READY, FS_RUNNING, FS_WAITING, FS_DONE } FiberState;

struct Fiber {
    Obj h;
    Value *stack;
    uint32_t sp, stack_cap;
    Frame *frames;
    uint32_t nframes, frame_cap;
    Handler *handlers;
    uint32_t nhandlers, handler_cap;
    Upval *open_upvals;
    FiberState state;
    /* What vm_resume delivered, pushed when it runs (UNSET: nothing), or,
     * when resume_throws, the exception to throw there. One Value and a
     * flag rather than two Values, as result and failed below: a server
     * keeps a fiber per idle connection (104 bytes on wasm, not 136). */
    Value resume;
    struct Deferred *deferred; /* completed with the fiber's result */
    Fiber *next_ready;
    Value result;   /* once done: its result, or the exception when failed */
    uint32_t task; /* the task (lyng_start) that started it or its launcher; 0: none */
    bool resume_throws;
    bool failed;
};

/* A script started with lyng_start (task.c): its main fiber, and the steps
 * it and the coroutines it launched took, against its own limit. */
typedef struct Task {
    Fiber *main;      /* NULL: a free slot */
    uint32_t id;      /* generation << TASK_INDEX_BITS | index + 1 */
    uint64_t steps;
    uint64_t step_limit; /* 0: none */
    uint32_t live;    /* coroutines it launched that have not finished */
    Value stopped;    /* the exception of lyng_task_stop, or VOID */
} Task;

typedef struct Deferred {
    Obj h;
    bool done;
    bool failed;
    Value value;       /* result or exception */
    List *waiters;     /* fibers suspended in await() */
    Fiber *fiber;      /* the coroutine computing it, if any */
} Deferred;

/* The state of a `for` loop over a builtin iterable. */
typedef struct Iter {
    Obj h;
    Value src;     /* the List/Map/Buffer/String iterated, or the Range */
    int64_t pos;   /* next index, or next Int/Char of a range */
    int64_t end;   /* exclusive end for ranges */
    uint32_t byte; /* byte offset for strings */
    uint8_t kind;  /* ITER_* in vm.c */
} Iter;

typedef struct Mutex {
    Obj h;
    bool locked;
    List *waiters;
} Mutex;

/* Classes the runtime needs by pointer. */
typedef struct Classes {
    Class *any, *iterable, *number;
    Class *int_, *real, *bool_, *char_, *null_, *void_;
    Class *string, *list, *map, *set, *range, *entry, *buffer, *mutable_buffer;
    Class *callable, *class_, *deferred, *completable, *mutex, *fiber, *iterator;
    Class *regex, *regex_match, *flow, *bit_buffer;
    Class *exception, *illegal_argument, *illegal_state, *illegal_operation,
        *illegal_assignment, *illegal_access, *null_reference, *class_cast,
        *index_out_of_bounds, *no_such_element, *not_found, *not_implemented,
        *symbol_not_defined, *unset, *iteration_end, *assertion_failed, *unknown,
        *arithmetic, *stack_overflow, *out_of_memory;
} Classes;

typedef struct PendingOp {
    Fiber *fiber;   /* waiting fiber, or NULL for a free slot */
    uint32_t gen;
    uint32_t id;    /* the op id the host was given */
    void *data;     /* module-owned context for the completion */
    Obj *keep[2];   /* objects the host is using (socket, buffer): kept alive; NULL: none.
                     * Not Values: a server has a slot per idle connection, 28 bytes
                     * on wasm instead of 56 */
    void (*complete)(VM *vm, struct PendingOp *op, int status, int64_t value);
} PendingOp;

/* A module is native (init fills its exports on first import) or Lyng
 * source in a file (path; its body runs once, on first import, in the
 * importing fiber). */
/* Memory held back for the moment the system refuses an allocation the
 * limit allowed: enough to finish it and unwind to a handler (gc.c). */
#define LYNG_OOM_RESERVE ((size_t)4 << 20)
void lyng_mem_reserve(void);
void lyng_mem_unreserve(void); /* once per lyng_mem_reserve, when a VM ends */
/* realloc that falls back on that reserve, and aborts only past it (mem.c). */
void *lyng_mem_realloc(void *p, size_t size);
/* Whether it fell back since the last call. */
bool lyng_mem_refused(void);
/* On wasm: frees room for a block of `old` bytes to grow to `size` in
 * place, when it is the last block of the heap (mem.c). */
#ifdef __wasm__
void lyng_mem_room(size_t old, size_t size);
#else
#define lyng_mem_room(old, size) ((void)0)
#endif

typedef struct Module {
    char *name;
    lyng_module_init init;
    Map *exports; /* native: filled on first import */
    char *path;   /* source: the file to compile */
    const char *text; /* built-in source module: its Lyng text */
    bool loaded;  /* source: body already started */
    bool found;   /* source: found under module_dir, so its package line must match */
} Module;

struct VM {
    Obj *objects;
    Obj **gray;
    size_t ngray, gray_cap;
    size_t bytes, next_gc, mem_limit; /* gc.c: next_gc moves with large_bytes */
    size_t bytes_live; /* what the last collection kept */
    size_t large_bytes, next_large_gc; /* gc.c: the part of `bytes` in large blocks, and its pace */
    struct LargeFree {
        void *blk;
        size_t cap; /* what malloc made of it */
    } large_free[LARGE_CACHE_SLOTS]; /* gc.c: large blocks the last sweep freed */
    uint32_t nlarge_free;
    size_t large_free_bytes;
    /* a collection is due; the script is ending (exit(), the step limit):
     * a loop's back-edge reads the two as one word, `pending` */
    union {
        struct {
            bool gc_requested;
            bool exiting;
        };
        uint16_t pending;
    };
    bool oom;
    String **itab; /* intern table: open addressing, power-of-two size */
    uint32_t icap, icount;
    Map *global_names; /* String -> Int slot in gvals */
    Value *gvals;
    uint8_t *gflags;   /* GF_* */
    String **gnames;
    uint32_t nglobals, gcap;
    Classes c;
    Fiber *current;
    Fiber *ready_head, *ready_tail;
    Fiber *main;
    struct { /* names and natives of script classes (class.c) */
        String *body, *abstract, *private_set, *own, *hidden, *equals, *compare_to;
        Native *base_init, *any_init;
        String *ops[32]; /* operator method names, CLS_OP_* in lib.h */
        String *splat;   /* key of the Entry that marks `...x` in a spread call's argument list */
        Map *ext;        /* Set of the extension functions, which a later one may replace */
        String *hash_code, *bases;
        Native *skip_init; /* a base already initialised on this instance */
        bool hook_failed;  /* one of them raised: pending_exc holds the exception */
    } cls_names;
    List *roots;   /* extra roots: fibers alive, prelude closures... */
    Value pending_exc; /* set by vm_throw, consumed by the interpreter */
    PendingOp *ops;
    uint32_t nops, ops_cap;
    uint32_t op_free; /* 1 + index of the first free slot, 0 = none (free slots chain through id) */
    uint32_t live_ops;
    Module *modules;
    uint32_t nmodules;
    char *module_dir; /* where `import a.b` finds a/b.lyng (module_files.c), or NULL */
    /* &module_files once the embedder names files (lyng_set_module_dir,
     * lyng_add_source_module), else NULL: reached only through this, the
     * file access (stat, fopen and WASI's preopens) stays out of lyng.wasm,
     * which has no files (2.3 KiB of gzip). */
    const struct ModuleFiles *files;
    Value import_noop; /* what OP_IMPORT pushes for a module with no body to run */
    struct host *host;
    lyng_config cfg;
    int exit_code;
    uint64_t steps_left; /* cfg.step_limit countdown; UINT64_MAX when unlimited */
    bool main_done;
    Value main_result;
    Value main_error;
    char *result_text; /* inspect() of the result, or error report */
    char *err_class, *err_message;
    Handle *handles;   /* not used for ownership; finalizers run in sweep */
    uint32_t max_frames;
    void *net; /* lyng.io.net module state (src/net), NULL until registered */
    /* Set while a module holds output it buffers (the net module's send
     * buffers): called when a fiber parks and when no fiber is left to run,
     * so nothing a fiber waits for stays unsent. */
    void (*io_flush)(VM *vm);
    char *net_allow, *net_deny;
    uint32_t net_policy_gen; /* bumped when the lists change: verdicts sockets kept are stale */
    bool net_embedded; /* denials name createLyng's `net` option, not --allow-net */
    void (*net_ask)(void *ud, lyng_vm *vm, uint32_t op, const char *kind, const char *host, int port, int backlog);
    void *net_ask_ud;
    String *s_this, *s_it, *s_message, *s_stack, *s_name_prop, *s_getter; /* frequently used names */
    int gc_paused; /* >0 while C code runs Lyng synchronously */
    int sync_depth;            /* vm_call_sync levels under way */
    uintptr_t sync_stack_base; /* the C stack where the outermost one began */
    uint32_t slice_steps; /* loop back-edges and calls per lyng_run; 0 = no limit */
    bool slice_spent;     /* the last run stopped because its slice was used up */
    uint32_t budget, budget_grant; /* budget.c: steps left before the next check, of how many */
    Value prelude_result;
    /* vm_find_method's cache: (class, name) -> method, valid while
     * member_epoch is unchanged (any write to a class's methods, a new
     * class, a new base bump it). */
    uint32_t member_epoch;
    void *small_free[SMALL_MAX / SMALL_GRAIN + 1]; /* gc.c: freed small blocks by size class */
    struct MethodCacheEntry {
        Class *cls;
        String *name;
        uint32_t epoch;
        Value method;
    } mcache[METHOD_CACHE_SIZE];
    /* where a field of a class's instances was last found in their field
     * maps (instances of a class add their fields in the same order):
     * (class, name) -> slot, checked against the map before use */
    struct FieldHint {
        Class *cls;
        String *name;
        uint32_t slot;
    } fhint[METHOD_CACHE_SIZE];
    uint32_t uncaught_reported;
    bool compile_incomplete; /* the last compile failed only because the input ended */
    Task *tasks;             /* task.c: by id - 1 */
    uint32_t ntasks, tasks_cap;
    uint64_t steps_taken; /* budget.c: steps charged so far, all fibers */
    uint64_t task_mark;   /* task.c: vm_steps_now when the running fiber started */
    uint64_t cap_until;   /* budget.c: steps_taken at which the running fiber must stop; UINT64_MAX: never */
    Value host_value;     /* exchange.c: a value from the host on its way to a fiber (rooted) */
    void (*host_call)(void *ud, lyng_vm *vm, uint32_t op, uint32_t fn, const uint8_t *args, size_t len);
    void *host_call_ud;
    /* str_new_shared's recent short strings, by hash; emptied by each
     * collection so that it keeps nothing alive (last: the
     * fields before it keep their short offsets in wasm's code) */
    String *scache[STR_CACHE_SLOTS];
    void *small_chunks; /* gc.c: the chunks small blocks are carved from */
};

#define GF_DEFINED 1
#define GF_VAL 2
/* A new module entry (NULL if the name is taken); module_files.c finds the
 * modules under module_dir when they are first imported. */
Module *vm_module_add(VM *vm, const char *name);
typedef struct ModuleFiles {
    Module *(*find)(VM *vm, const char *name); /* under module_dir, or NULL */
    /* m->path's text into *text (sb_init'ed here); false: thrown */
    bool (*read)(VM *vm, Module *m, StrBuf *text);
} ModuleFiles;
extern const ModuleFiles module_files;
bool module_package_ok(VM *vm, Module *m, const char *text, size_t len);
uint32_t vm_global_slot(VM *vm, const char *name, size_t len);

/* ---- exceptions ---- */
/* Raise an exception of class `cls` with a formatted message. Returns NR_ERR so
 * natives can `return vm_throw(...)`. */
NativeResult vm_throw(VM *vm, Class *cls, const char *fmt, ...);
/* Before an allocation whose size the script chose (a repeated or joined
 * string, a list of n elements): false, with an OutOfMemoryException
 * thrown, when it would take the heap past the memory limit. Growth in
 * small steps needs no check: it is caught at the next safe point. */
bool vm_reserve(VM *vm, uint64_t bytes);
NativeResult vm_throw_value(VM *vm, Value exc);
/* Takes the exception a native raised (clearing it), e.g. to deliver it to a
 * parked fiber with vm_resume_throw. */
Value vm_take_exception(VM *vm);
/* budget.c: the countdown the run loop decrements at every step. */
enum { BUDGET_GO_ON, BUDGET_YIELD, BUDGET_STOP };
void vm_budget_start(VM *vm);  /* at the start of lyng_run */
int vm_budget_spent(VM *vm);   /* when the countdown reaches 0 */
bool vm_steps_exhausted(VM *vm);
uint64_t vm_steps_now(VM *vm); /* steps taken so far, the current grant included */
void vm_budget_cap(VM *vm, uint64_t steps); /* the running fiber yields after `steps` more (UINT64_MAX: no cap) */
/* task.c: accounts a fiber's run to its task (sched.c calls these around it) */
void vm_task_before(VM *vm, Fiber *f);
void vm_task_after(VM *vm, Fiber *f);
void vm_task_fiber(VM *vm, Fiber *f, int delta); /* a coroutine of a task began (+1) or ended (-1) */
void vm_report_error(VM *vm, Value exc); /* api.c: result_text, err_class, err_message */
/* api.c: compiles a script to start (lyng_eval, lyng_start) after clearing
 * the last run's state; NULL after a compile error (reported). */
Proto *vm_compile_entry(VM *vm, const char *name, const char *src, size_t len);
/* The closure of a compiled script or module body (no upvalues). */
Value vm_script_closure(VM *vm, Proto *p);
Instance *vm_make_exception(VM *vm, Class *cls, String *message);

/* ---- natives and classes ---- */
Native *vm_def_method(VM *vm, Class *cls, const char *name, NativeFn fn);
Native *vm_def_property(VM *vm, Class *cls, const char *name, NativeFn fn);
Native *vm_def_static(VM *vm, Class *cls, const char *name, NativeFn fn);
Native *vm_def_global_fn(VM *vm, const char *name, NativeFn fn);
void vm_def_global(VM *vm, const char *name, Value v);
Class *vm_def_class(VM *vm, const char *name, Class *super);
bool vm_is_instance(VM *vm, Value v, Class *cls); /* `is` */
bool vm_find_method(VM *vm, Class *cls, String *name, Value *out);

/* Argument checking helpers: raise IllegalArgumentException on mismatch. */
bool arg_str(VM *vm, Value *argv, int argc, int i, const char *fn, String **out);
/* The raise of arg_int and arg_count. */
bool arg_int_fail(VM *vm, Value *argv, int argc, int i, const char *fn);
NativeResult arg_count_fail(VM *vm, int argc, int min, int max, const char *fn);
/* Natively their check is inline: a call of its own from every native cost
 * 10-19 instructions a call. wasm keeps one copy of each (its size), made
 * from these bodies in api.c, which defines VM_ARG_CHECKS_HERE. */
#if defined(__wasm__) && !defined(VM_ARG_CHECKS_HERE)
bool arg_int(VM *vm, Value *argv, int argc, int i, const char *fn, int64_t *out);
NativeResult arg_count(VM *vm, int argc, int min, int max, const char *fn);
#else
#ifdef __wasm__
#define VM_ARG_CHECK
#else
#define VM_ARG_CHECK static inline
#endif
VM_ARG_CHECK bool arg_int(VM *vm, Value *argv, int argc, int i, const char *fn, int64_t *out) {
    if (i >= argc || !IS_INT(argv[i])) return arg_int_fail(vm, argv, argc, i, fn);
    *out = argv[i].as.i;
    return true;
}
VM_ARG_CHECK NativeResult arg_count(VM *vm, int argc, int min, int max, const char *fn) {
    if (argc < min || (max >= 0 && argc > max)) return arg_count_fail(vm, argc, min, max, fn);
    return NR_OK;
}
#endif

/* ---- coroutines ---- */
Fiber *vm_fiber_new(VM *vm, Value callable, int argc, Value *argv);
void vm_ready(VM *vm, Fiber *f);
void vm_ready_first(VM *vm, Fiber *f); /* ahead of the others: a fiber whose slice ran out */
/* Park the current fiber; a native then returns NR_SUSPEND. */
Fiber *vm_park(VM *vm);
void vm_resume(VM *vm, Fiber *f, Value v);
void vm_resume_throw(VM *vm, Fiber *f, Value exc);
Deferred *deferred_new(VM *vm);
void deferred_complete(VM *vm, Deferred *d, Value v, bool failed);

/* Host operations: reserve an op id bound to the current fiber. The host
 * completes it with vm_complete_op, which calls `complete` (or, if NULL,
 * resumes the fiber with Int(value) / an IllegalOperationException). */
uint32_t vm_op_begin(VM *vm, Fiber *f, void *data,
                     void (*complete)(VM *, PendingOp *, int, int64_t));
void vm_op_complete(VM *vm, uint32_t op, int status, int64_t value);
void vm_op_keep(VM *vm, uint32_t op, void *a, void *b);

/* ---- running code ---- */
void vm_run_fiber(VM *vm, Fiber *f);
void vm_fiber_finished(VM *vm, Fiber *f); /* sched.c: deliver its result */
/* Runs ready fibers until none can run; returns false when nothing is left. */
bool vm_run_ready(VM *vm);
/* Compiles and registers a script as a new fiber. Returns NULL and sets
 * *error (malloc'd text) on a compile error. */
Fiber *vm_load(VM *vm, const char *name, const char *src, size_t len, char **error);

/* Calls a callable synchronously from C. Only for callables that do not
 * suspend (used by sort comparators and hashing); a suspension raises. */
NativeResult vm_call_sync(VM *vm, Value fn, Value self, int argc, Value *argv, Value *out);

/* ---- standard library registration (one per lib_*.c) ---- */
void lib_core_init(VM *vm);
void lib_class_init(VM *vm);
void lib_enum_init(VM *vm);
void lib_string_init(VM *vm);
void lib_list_init(VM *vm);
void lib_map_init(VM *vm);
void lib_buffer_init(VM *vm);
void lib_math_init(VM *vm);
void lib_coroutine_init(VM *vm);
void lib_regex_init(VM *vm);
void lib_flow_init(VM *vm);
void ext_local_init(VM *vm); /* ext_local.c: extensions scoped to a block */
void lynon_init(VM *vm);     /* lynon.c: lyng.serialization, BitBuffer, JSON */
/* flow_iter.c: `for (x in flow)` through a producer fiber and a channel */
typedef enum { FLOW_VALUE, FLOW_END, FLOW_WAIT, FLOW_ERROR } FlowStep;
void flow_iter_init(VM *vm);
List *flow_channel_new(VM *vm, Value flow);
FlowStep flow_channel_next(VM *vm, List *ch, Value *out); /* FLOW_WAIT: the fiber is parked */
FlowStep flow_channel_close(VM *vm, List *ch);            /* after break/return: cancel, wait for cleanup */
void flow_channel_abandon(VM *vm, List *ch);              /* an exception left the loop: cancel only */
/* writes script output through the embedder's callback */
void vm_write(VM *vm, int stream, const char *data, size_t len);

/* gc.c */
void gc_collect(VM *vm);
void gc_mark_value(VM *vm, Value v);
void gc_mark_obj(VM *vm, Obj *o);
void gc_free_all(VM *vm);

#endif

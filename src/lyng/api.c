/* api.c - the embedding API (lyng.h): creating a VM with its builtin
 * classes, globals and prelude, starting scripts and reporting results. */
#define VM_ARG_CHECKS_HERE /* wasm's one copy of arg_int and arg_count (vm.h) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../host/host.h"
#include "compiler.h"
#include "prelude.h"
#include "prelude_image.h"
#include "vm.h"

/* ---- globals ---- */

uint32_t vm_global_slot(VM *vm, const char *name, size_t len) {
    String *s = str_intern(vm, name, len);
    Value v;
    if (map_get(vm->global_names, v_obj(s), &v)) return (uint32_t)v.as.i;
    if (vm->nglobals == vm->gcap) {
        uint32_t ncap = vm->gcap ? vm->gcap * 2 : 256;
        vm->gvals = vm_realloc(vm, vm->gvals, sizeof(Value) * vm->gcap, sizeof(Value) * ncap);
        vm->gflags = vm_realloc(vm, vm->gflags, vm->gcap, ncap);
        vm->gnames = vm_realloc(vm, vm->gnames, sizeof(String *) * vm->gcap, sizeof(String *) * ncap);
        vm->gcap = ncap;
    }
    uint32_t slot = vm->nglobals++;
    /* unset until defined: reading a global checks only its value (GET_GLOBAL) */
    vm->gvals[slot] = V_UNSET;
    vm->gflags[slot] = 0;
    vm->gnames[slot] = s;
    map_put(vm, vm->global_names, v_obj(s), v_int(slot));
    return slot;
}

void vm_def_global(VM *vm, const char *name, Value v) {
    uint32_t slot = vm_global_slot(vm, name, strlen(name));
    vm->gvals[slot] = v;
    vm->gflags[slot] = GF_DEFINED | GF_VAL;
}

Native *vm_def_global_fn(VM *vm, const char *name, NativeFn fn) {
    Native *n = native_new(vm, name, fn);
    vm_def_global(vm, name, v_obj(n));
    return n;
}

Native *vm_def_method(VM *vm, Class *cls, const char *name, NativeFn fn) {
    Native *n = native_new(vm, name, fn);
    map_put_str(vm, cls->methods, name, v_obj(n));
    return n;
}

Native *vm_def_property(VM *vm, Class *cls, const char *name, NativeFn fn) {
    Native *n = vm_def_method(vm, cls, name, fn);
    n->property = true;
    return n;
}

Native *vm_def_static(VM *vm, Class *cls, const char *name, NativeFn fn) {
    Native *n = native_new(vm, name, fn);
    map_put_str(vm, cls->statics, name, v_obj(n));
    return n;
}

Class *vm_def_class(VM *vm, const char *name, Class *super) {
    Class *c = class_new(vm, name, super);
    vm_def_global(vm, name, v_obj(c));
    return c;
}

/* ---- argument helpers for natives ---- */

NativeResult arg_count_fail(VM *vm, int argc, int min, int max, const char *fn) {
    if (min == max) return vm_throw(vm, vm->c.illegal_argument, "%s takes %d argument%s, got %d", fn, min, min == 1 ? "" : "s", argc);
    return vm_throw(vm, vm->c.illegal_argument, "%s takes %d to %d arguments, got %d", fn, min, max, argc);
}

bool arg_int_fail(VM *vm, Value *argv, int argc, int i, const char *fn) {
    vm_throw(vm, vm->c.illegal_argument, "%s: argument %d must be an Int, got %s", fn, i + 1,
             i < argc ? v_type_name(vm, argv[i]) : "nothing");
    return false;
}

bool arg_str(VM *vm, Value *argv, int argc, int i, const char *fn, String **out) {
    if (i >= argc || !IS_OT(argv[i], OT_STRING)) {
        vm_throw(vm, vm->c.illegal_argument, "%s: argument %d must be a String, got %s", fn, i + 1,
                 i < argc ? v_type_name(vm, argv[i]) : "nothing");
        return false;
    }
    *out = (String *)argv[i].as.o;
    return true;
}

/* ---- bootstrap ---- */

static NativeResult exception_ctor(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (argc > 1) return vm_throw(vm, vm->c.illegal_argument, "an exception takes at most a message");
    String *msg = NULL;
    if (argc == 1 && !IS_NULL(argv[0])) msg = IS_OT(argv[0], OT_STRING) ? (String *)argv[0].as.o : v_to_String(vm, argv[0]);
    Instance *e = vm_make_exception(vm, (Class *)self.as.o, msg);
    map_put(vm, e->fields, v_obj(vm->s_stack), V_NULL);
    *out = v_obj(e);
    return NR_OK;
}

static void make_classes(VM *vm) {
    Classes *c = &vm->c;
    c->any = class_new(vm, "Any", NULL);
    c->class_ = class_new(vm, "Class", c->any);
    c->string = class_new(vm, "String", c->any);
    c->map = class_new(vm, "Map", c->any);
    /* objects made before their class existed get it now */
    for (Obj *o = vm->objects; o; o = o->next) {
        if (o->cls) continue;
        if (o->type == OT_CLASS) o->cls = c->class_;
        else if (o->type == OT_MAP) o->cls = c->map;
        else if (o->type == OT_STRING) o->cls = c->string;
    }
    c->iterable = class_new(vm, "Iterable", c->any);
    c->string->super = c->iterable;
    c->map->super = c->iterable;
    c->number = class_new(vm, "Number", c->any);
    c->int_ = class_new(vm, "Int", c->number);
    c->real = class_new(vm, "Real", c->number);
    c->bool_ = class_new(vm, "Bool", c->any);
    c->char_ = class_new(vm, "Char", c->any);
    c->null_ = class_new(vm, "Null", c->any);
    c->void_ = class_new(vm, "Void", c->any);
    /* upstream's interfaces: a Collection knows its size, an Array is also
     * indexed; only `is` and method lookup see them */
    Class *collection = class_new(vm, "Collection", c->iterable);
    Class *array = class_new(vm, "Array", collection);
    c->list = class_new(vm, "List", array);
    c->set = class_new(vm, "Set", collection);
    c->range = class_new(vm, "Range", c->iterable);
    c->entry = class_new(vm, "MapEntry", c->any);
    c->buffer = class_new(vm, "Buffer", array);
    c->mutable_buffer = class_new(vm, "MutableBuffer", c->buffer);
    c->callable = class_new(vm, "Callable", c->any);
    c->deferred = class_new(vm, "Deferred", c->any);
    c->completable = class_new(vm, "CompletableDeferred", c->deferred);
    c->mutex = class_new(vm, "Mutex", c->any);
    c->fiber = class_new(vm, "Fiber", c->any);
    c->iterator = class_new(vm, "Iterator", c->any);
    Class *all[] = {c->any, c->class_, c->string, c->map, c->iterable, c->number, c->int_, c->real,
                    c->bool_, c->char_, c->null_, c->void_, c->list, c->set, c->range, c->entry,
                    c->callable, c->deferred, c->completable,
                    c->mutex, c->iterator};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) vm_def_global(vm, all[i]->name->data, v_obj(all[i]));
    vm_def_global(vm, "Collection", v_obj(collection));
    vm_def_global(vm, "Array", v_obj(array));
    vm_def_global(vm, "Object", v_obj(c->any));

    c->exception = vm_def_class(vm, "Exception", c->any);
    c->exception->is_exception = true;
    c->exception->ctor = exception_ctor;
    struct { Class **slot; const char *name; } ex[] = {
        {&c->illegal_argument, "IllegalArgumentException"},
        {&c->illegal_state, "IllegalStateException"},
        {&c->illegal_operation, "IllegalOperationException"},
        {&c->illegal_assignment, "IllegalAssignmentException"},
        {&c->illegal_access, "IllegalAccessException"},
        {&c->null_reference, "NullReferenceException"},
        {&c->class_cast, "ClassCastException"},
        {&c->index_out_of_bounds, "IndexOutOfBoundsException"},
        {&c->no_such_element, "NoSuchElementException"},
        {&c->not_found, "NotFoundException"},
        {&c->not_implemented, "NotImplementedException"},
        {&c->symbol_not_defined, "SymbolNotDefinedException"},
        {&c->unset, "UnsetException"},
        {&c->iteration_end, "IterationEndException"},
        {&c->assertion_failed, "AssertionFailedException"},
        {&c->unknown, "UnknownException"},
        {&c->arithmetic, "ArithmeticException"},
        {&c->stack_overflow, "StackOverflowException"},
        {&c->out_of_memory, "OutOfMemoryException"},
    };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        *ex[i].slot = vm_def_class(vm, ex[i].name, c->exception);
        (*ex[i].slot)->ctor = exception_ctor;
    }
    vm_def_class(vm, "SyntaxError", c->exception)->ctor = exception_ctor;
    /* the older name upstream keeps for scripts that catch it */
    vm_def_global(vm, "SymbolNotFound", v_obj(c->symbol_not_defined));
}

static void report_prelude_error(VM *vm, const char *what) {
    fprintf(stderr, "lyng: internal error in the prelude: %s\n", what);
    (void)vm;
    abort();
}


VM *vm_new_before_prelude(const lyng_config *cfg) {
    VM *vm = calloc(1, sizeof(VM));
    if (!vm) return NULL;
    if (cfg) vm->cfg = *cfg;
#if defined(__wasm__)
    vm->mem_limit = vm->cfg.memory_limit ? vm->cfg.memory_limit : (size_t)512 << 20;
#else
    vm->mem_limit = vm->cfg.memory_limit ? vm->cfg.memory_limit : (size_t)1 << 30;
#endif
    vm->next_gc = 1 << 20;
    vm->next_large_gc = 1 << 20;
    lyng_mem_reserve();
    vm->steps_left = UINT64_MAX; /* the prelude is not the script's to pay for: the limit starts below */
    vm->cap_until = UINT64_MAX;
    vm->host_value = V_VOID;
    vm_budget_start(vm);
    vm->max_frames = 20000;
    vm->pending_exc = V_VOID;
    vm->import_noop = V_VOID;
    vm->main_result = V_VOID;
    vm->main_error = V_VOID;
    vm->prelude_result = V_VOID;
    vm->gc_paused = 1; /* nothing is rooted until the VM is built */
    vm->global_names = map_new(vm);
    make_classes(vm);
    vm->roots = list_new(vm, 0);
    vm->s_this = str_intern(vm, "this", 4);
    vm->s_it = str_intern(vm, "it", 2);
    vm->s_message = str_intern(vm, "message", 7);
    vm->s_stack = str_intern(vm, "stackTrace", 10);
    vm->s_name_prop = str_intern(vm, "name", 4);
    vm->s_getter = str_intern(vm, "get()", 5);
    lib_core_init(vm);
    lib_class_init(vm);
    lib_enum_init(vm);
    lib_string_init(vm);
    lib_list_init(vm);
    lib_map_init(vm);
    lib_buffer_init(vm);
    lib_math_init(vm);
    lib_coroutine_init(vm);
    lib_regex_init(vm);
    lib_flow_init(vm);
    ext_local_init(vm);
    lynon_init(vm);
    Module *time = vm_module_add(vm, "lyng.time");
    time->text = lyng_time_src;
    vm->host = host_new(vm);
    return vm;
}

lyng_vm *lyng_new(const lyng_config *cfg) {
    VM *vm = vm_new_before_prelude(cfg);
    if (!vm) return NULL;
    /* compiled at build time (the source is not built in) */
    Proto *p = prelude_image_load(vm, "prelude.lyng");
    if (!p) report_prelude_error(vm, "its built-in image does not fit this build");
    Closure *cl = vm_alloc(vm, OT_CLOSURE, vm->c.callable, sizeof(Closure));
    cl->proto = p;
    cl->self = V_VOID;
    cl->nupvals = 0;
    Value out;
    if (vm_call_sync(vm, v_obj(cl), V_VOID, 0, NULL, &out) != NR_OK) report_prelude_error(vm, "it raised an exception");
    vm->budget_grant = vm->budget = 0;
    vm->steps_left = vm->cfg.step_limit ? vm->cfg.step_limit : UINT64_MAX;
    vm_budget_start(vm);
    vm->gc_paused = 0;
    return vm;
}

void lyng_free(lyng_vm *vm) {
    if (!vm) return;
    gc_free_all(vm);
    lyng_mem_unreserve();
    if (vm->host) host_free(vm->host);
    free(vm->itab);
    for (uint32_t i = 0; i < vm->nmodules; i++) {
        free(vm->modules[i].name);
        free(vm->modules[i].path);
    }
    free(vm->modules);
    free(vm->module_dir);
    free(vm->result_text);
    free(vm->err_class);
    free(vm->err_message);
    free(vm->net);
    free(vm->net_allow);
    free(vm->net_deny);
    free(vm->tasks);
    free(vm);
}

int lyng_host_wait(lyng_vm *vm, int timeout_ms) { return host_wait(vm->host, timeout_ms); }

int lyng_host_wait_fd(lyng_vm *vm, int fd, int timeout_ms, int *readable) {
    bool ready = false;
    int n = host_wait_fd(vm->host, fd, timeout_ms, &ready);
    *readable = ready;
    return n;
}

void lyng_define_int(lyng_vm *vm, const char *name, int64_t value) {
    uint32_t slot = vm_global_slot(vm, name, strlen(name));
    vm->gvals[slot] = v_int(value);
    vm->gflags[slot] = GF_DEFINED | GF_VAL;
}

void lyng_define_string(lyng_vm *vm, const char *name, const char *value, size_t len) {
    uint32_t slot = vm_global_slot(vm, name, strlen(name));
    vm->gvals[slot] = v_obj(str_new(vm, value, len));
    vm->gflags[slot] = GF_DEFINED | GF_VAL;
}

void lyng_define_string_list(lyng_vm *vm, const char *name, int argc, const char *const *argv) {
    List *l = list_new(vm, (uint32_t)argc);
    for (int i = 0; i < argc; i++) list_push(vm, l, v_obj(str_cstr(vm, argv[i])));
    vm_def_global(vm, name, v_obj(l));
}

static char *dup_text(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (!d) abort();
    return memcpy(d, s, n);
}

Module *vm_module_add(VM *vm, const char *name) {
    for (uint32_t i = 0; i < vm->nmodules; i++)
        if (strcmp(vm->modules[i].name, name) == 0) return NULL;
    vm->modules = realloc(vm->modules, sizeof(Module) * (vm->nmodules + 1));
    if (!vm->modules) abort();
    Module *m = &vm->modules[vm->nmodules++];
    memset(m, 0, sizeof *m);
    m->name = dup_text(name);
    return m;
}

void lyng_register_module(lyng_vm *vm, const char *name, lyng_module_init init) {
    Module *m = vm_module_add(vm, name);
    if (m) m->init = init;
}

void lyng_set_module_dir(lyng_vm *vm, const char *dir) {
    free(vm->module_dir);
    vm->module_dir = dir ? dup_text(dir) : NULL;
    vm->files = &module_files;
}

int lyng_add_source_module(lyng_vm *vm, const char *name, const char *path) {
    Module *m = vm_module_add(vm, name);
    if (!m) return -1;
    m->path = dup_text(path);
    vm->files = &module_files;
    return 0;
}

static void set_text(char **slot, const char *s, size_t len) {
    free(*slot);
    *slot = malloc(len + 1);
    if (!*slot) abort();
    memcpy(*slot, s, len);
    (*slot)[len] = 0;
}

Proto *vm_compile_entry(VM *vm, const char *name, const char *src, size_t len) {
    char *err = NULL;
    free(vm->err_class);
    free(vm->err_message);
    vm->err_class = vm->err_message = NULL;
    vm->main_done = false;
    vm->main_result = V_VOID;
    vm->main_error = V_VOID;
    vm->exiting = false;
    Proto *p = compile_script(vm, name, src, len, &err);
    if (!p) {
        set_text(&vm->result_text, err, strlen(err));
        set_text(&vm->err_class, "SyntaxError", 11);
        set_text(&vm->err_message, err, strlen(err));
        free(err);
    }
    return p;
}

int lyng_eval(lyng_vm *vm, const char *name, const char *src, size_t len) {
    Proto *p = vm_compile_entry(vm, name, src, len);
    if (!p) return LYNG_COMPILE_ERROR;
    vm->main = vm_fiber_new(vm, vm_script_closure(vm, p), 0, NULL);
    vm_ready(vm, vm->main);
    return LYNG_WAITING;
}

void vm_report_error(VM *vm, Value exc) {
    StrBuf sb;
    sb_init(&sb);
    const char *cls = v_type_name(vm, exc);
    Value msg = V_NULL, st = V_NULL;
    if (IS_OT(exc, OT_INSTANCE)) {
        map_get(((Instance *)exc.as.o)->fields, v_obj(vm->s_message), &msg);
        map_get(((Instance *)exc.as.o)->fields, v_obj(vm->s_stack), &st);
    }
    StrBuf m;
    sb_init(&m);
    if (!IS_NULL(msg)) v_to_string(vm, &m, msg);
    sb_adds(&sb, cls);
    if (m.len) {
        sb_adds(&sb, ": ");
        sb_add(&sb, m.data, m.len);
    }
    if (IS_OT(st, OT_LIST)) {
        List *l = (List *)st.as.o;
        for (uint32_t i = 0; i < l->count; i++) {
            sb_adds(&sb, "\n    ");
            v_to_string(vm, &sb, l->items[i]);
        }
    }
    set_text(&vm->result_text, sb.data ? sb.data : "", sb.len);
    set_text(&vm->err_class, cls, strlen(cls));
    set_text(&vm->err_message, m.data ? m.data : "", m.len);
    sb_free(&sb);
    sb_free(&m);
}

int lyng_call_global(lyng_vm *vm, const char *name) {
    uint32_t slot = vm_global_slot(vm, name, strlen(name));
    Value fn = vm->gvals[slot];
    if (!(vm->gflags[slot] & GF_DEFINED) || !(IS_OT(fn, OT_CLOSURE) || IS_OT(fn, OT_NATIVE))) {
        vm_throw(vm, vm->c.not_found, "%s is not a function", name);
        vm_report_error(vm, vm_take_exception(vm));
        return LYNG_ERROR;
    }
    /* after exit() the VM stops every fiber at its next step; this call
     * must run to its end */
    bool exiting = vm->exiting;
    vm->exiting = false;
    Value out;
    NativeResult r = vm_call_sync(vm, fn, V_VOID, 0, NULL, &out);
    vm->exiting = exiting;
    if (r != NR_OK) {
        vm_report_error(vm, vm_take_exception(vm));
        return LYNG_ERROR;
    }
    return LYNG_DONE;
}

void lyng_set_slice(lyng_vm *vm, uint32_t steps) { vm->slice_steps = steps; }

int lyng_run(lyng_vm *vm) {
    vm_budget_start(vm);
    vm_run_ready(vm);
    if (vm->exiting) return LYNG_EXIT;
    if (vm->main_done && !IS_VOID(vm->main_error)) {
        vm_report_error(vm, vm->main_error);
        return LYNG_ERROR;
    }
    if (vm->slice_spent && vm->ready_head) return LYNG_YIELDED;
    if (vm->ready_head || vm->live_ops > 0) return LYNG_WAITING;
    if (!vm->main_done) {
        vm_throw(vm, vm->c.illegal_state, "deadlock: the script waits for a result that nothing will produce");
        Value e = vm_take_exception(vm);
        vm_report_error(vm, e);
        return LYNG_ERROR;
    }
    StrBuf sb;
    sb_init(&sb);
    v_inspect(vm, &sb, vm->main_result);
    set_text(&vm->result_text, sb.data ? sb.data : "", sb.len);
    sb_free(&sb);
    return LYNG_DONE;
}

const char *lyng_result_text(lyng_vm *vm) { return vm->result_text ? vm->result_text : ""; }
const char *lyng_error_class(lyng_vm *vm) { return vm->err_class ? vm->err_class : ""; }
const char *lyng_error_message(lyng_vm *vm) { return vm->err_message ? vm->err_message : ""; }
int lyng_exit_code(lyng_vm *vm) { return vm->exit_code; }

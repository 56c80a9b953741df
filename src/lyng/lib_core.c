/* lib_core.c - global functions (printing, assertions, exit), conversions
 * shared by every value, and the natives the prelude builds on. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"

void vm_write(VM *vm, int stream, const char *data, size_t len) {
    if (vm->cfg.write) {
        vm->cfg.write(vm->cfg.userdata, stream, data, len);
        return;
    }
    FILE *out = stream == 2 ? stderr : stdout;
    fwrite(data, 1, len, out);
    if (stream == 2) fflush(out);
}

static NativeResult print_args(VM *vm, int argc, Value *argv, bool newline) {
    StrBuf sb;
    sb_init(&sb);
    for (int i = 0; i < argc; i++) {
        if (i) sb_addc(&sb, ' ');
        v_to_string(vm, &sb, argv[i]);
    }
    if (newline) sb_addc(&sb, '\n');
    vm_write(vm, 1, sb.data ? sb.data : "", sb.len);
    sb_free(&sb);
    return NR_OK;
}

static NativeResult g_println(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    *out = V_VOID;
    return print_args(vm, argc, argv, true);
}

static NativeResult g_print(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    *out = V_VOID;
    return print_args(vm, argc, argv, false);
}

static String *message_arg(VM *vm, int argc, Value *argv, int i, const char *dflt) {
    if (i < argc && !IS_NULL(argv[i])) return IS_OT(argv[i], OT_STRING) ? (String *)argv[i].as.o : v_to_String(vm, argv[i]);
    return str_cstr(vm, dflt);
}

static NativeResult fail_with(VM *vm, Class *cls, String *msg) {
    return vm_throw_value(vm, v_obj(vm_make_exception(vm, cls, msg)));
}

static NativeResult g_assert(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (arg_count(vm, argc, 1, 2, "assert") != NR_OK) return NR_ERR;
    if (!IS_BOOL(argv[0])) return vm_throw(vm, vm->c.illegal_argument, "assert needs a Bool, got %s", v_type_name(vm, argv[0]));
    *out = V_VOID;
    if (argv[0].as.b) return NR_OK;
    return fail_with(vm, vm->c.assertion_failed, message_arg(vm, argc, argv, 1, "assertion failed"));
}

static NativeResult assert_eq(VM *vm, int argc, Value *argv, bool want_equal) {
    if (arg_count(vm, argc, 2, 3, want_equal ? "assertEquals" : "assertNotEquals") != NR_OK) return NR_ERR;
    if (v_equal(argv[0], argv[1]) == want_equal) return NR_OK;
    StrBuf sb;
    sb_init(&sb);
    if (argc == 3) {
        v_to_string(vm, &sb, argv[2]);
        sb_adds(&sb, ": ");
    }
    if (want_equal) {
        sb_adds(&sb, "expected ");
        v_inspect(vm, &sb, argv[0]);
        sb_adds(&sb, " but got ");
        v_inspect(vm, &sb, argv[1]);
    } else {
        sb_adds(&sb, "expected a value other than ");
        v_inspect(vm, &sb, argv[0]);
    }
    String *m = str_new(vm, sb.data, sb.len);
    sb_free(&sb);
    return fail_with(vm, vm->c.assertion_failed, m);
}

static NativeResult g_assert_equals(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    *out = V_VOID;
    return assert_eq(vm, argc, argv, true);
}

static NativeResult g_assert_not_equals(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    *out = V_VOID;
    return assert_eq(vm, argc, argv, false);
}

static NativeResult precondition(VM *vm, int argc, Value *argv, Class *cls, const char *name, const char *dflt) {
    if (arg_count(vm, argc, 1, 2, name) != NR_OK) return NR_ERR;
    if (!IS_BOOL(argv[0])) return vm_throw(vm, vm->c.illegal_argument, "%s needs a Bool, got %s", name, v_type_name(vm, argv[0]));
    if (argv[0].as.b) return NR_OK;
    return fail_with(vm, cls, message_arg(vm, argc, argv, 1, dflt));
}

static NativeResult g_require(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    *out = V_VOID;
    return precondition(vm, argc, argv, vm->c.illegal_argument, "require", "requirement failed");
}

static NativeResult g_check(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    *out = V_VOID;
    return precondition(vm, argc, argv, vm->c.illegal_state, "check", "check failed");
}

static NativeResult g_exit(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    int64_t code = 0;
    if (argc > 0 && !arg_int(vm, argv, argc, 0, "exit", &code)) return NR_ERR;
    vm->exiting = true;
    /* a process status is one byte, whoever runs the script: exit(-1) is 255 */
    vm->exit_code = (int)(code & 0xFF);
    *out = V_VOID;
    vm_park(vm);
    return NR_SUSPEND;
}

/* ---- conversions on every value ---- */

static NativeResult m_to_string(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argc;
    (void)argv;
    *out = IS_OT(self, OT_STRING) ? self : v_obj(v_to_String(vm, self));
    return NR_OK;
}

static NativeResult m_inspect(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argc;
    (void)argv;
    StrBuf sb;
    sb_init(&sb);
    v_inspect(vm, &sb, self);
    *out = v_obj(str_new(vm, sb.data ? sb.data : "", sb.len));
    sb_free(&sb);
    return NR_OK;
}

static NativeResult m_to_int(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argc;
    (void)argv;
    if (IS_INT(self)) *out = self;
    else if (IS_REAL(self)) {
        double d = self.as.r;
        if (isnan(d)) *out = v_int(0);
        else if (d >= 9.2233720368547758e18) *out = v_int(INT64_MAX);
        else if (d <= -9.2233720368547758e18) *out = v_int(INT64_MIN);
        else *out = v_int((int64_t)d);
    } else if (IS_CHAR(self)) *out = v_int(self.as.c);
    else return vm_throw(vm, vm->c.illegal_argument, "%s cannot be converted to Int", v_type_name(vm, self));
    return NR_OK;
}

static NativeResult m_to_real(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argc;
    (void)argv;
    if (IS_NUM(self)) *out = v_real(AS_NUM(self));
    else return vm_throw(vm, vm->c.illegal_argument, "%s cannot be converted to Real", v_type_name(vm, self));
    return NR_OK;
}

static NativeResult m_hash_code(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)vm;
    (void)argc;
    (void)argv;
    *out = v_int((int32_t)v_hash(self));
    return NR_OK;
}

static NativeResult m_class_name(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)vm;
    (void)argc;
    (void)argv;
    *out = v_obj(((Class *)self.as.o)->name);
    return NR_OK;
}

/* ---- natives the prelude builds on ---- */

/* __method(Class, "name", fn): adds a method written in Lyng to a class. */
static NativeResult p_method(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 3 || !IS_OT(argv[0], OT_CLASS) || !IS_OT(argv[1], OT_STRING))
        return vm_throw(vm, vm->c.illegal_argument, "__method(Class, name, fn)");
    String *n = (String *)argv[1].as.o;
    map_put(vm, ((Class *)argv[0].as.o)->methods, v_obj(str_intern(vm, n->data, n->len)), argv[2]);
    *out = V_VOID;
    return NR_OK;
}

/* __getter(Class, "name", fn): a property computed by a Lyng function. */
static NativeResult p_getter(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (argc != 3 || !IS_OT(argv[2], OT_CLOSURE)) return vm_throw(vm, vm->c.illegal_argument, "__getter(Class, name, fn)");
    ((Closure *)argv[2].as.o)->proto->name = vm->s_getter;
    ((Closure *)argv[2].as.o)->proto->implicit_it = false;
    ((Closure *)argv[2].as.o)->proto->nparams = 0;
    return p_method(vm, self, argc, argv, out);
}

static int cmp_keys(VM *vm, Value a, Value b, bool *ok) {
    int c;
    if (!v_compare(a, b, &c)) {
        *ok = false;
        (void)vm;
        return 0;
    }
    return c;
}

/* __sortByKeys(items, keys): a stable merge sort of items by keys. */
static NativeResult p_sort_by_keys(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    if (argc != 2 || !IS_OT(argv[0], OT_LIST) || !IS_OT(argv[1], OT_LIST))
        return vm_throw(vm, vm->c.illegal_argument, "__sortByKeys(list, keys)");
    List *items = (List *)argv[0].as.o, *keys = (List *)argv[1].as.o;
    uint32_t n = items->count < keys->count ? items->count : keys->count;
    uint32_t *idx = malloc(sizeof(uint32_t) * (n ? n : 1) * 2);
    if (!idx) abort();
    uint32_t *tmp = idx + n;
    for (uint32_t i = 0; i < n; i++) idx[i] = i;
    bool ok = true;
    for (uint32_t width = 1; width < n && ok; width *= 2) {
        for (uint32_t lo = 0; lo < n; lo += 2 * width) {
            uint32_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            uint32_t a = lo, b = mid, k = lo;
            while (a < mid && b < hi) {
                if (cmp_keys(vm, keys->items[idx[b]], keys->items[idx[a]], &ok) < 0) tmp[k++] = idx[b++];
                else tmp[k++] = idx[a++];
            }
            while (a < mid) tmp[k++] = idx[a++];
            while (b < hi) tmp[k++] = idx[b++];
        }
        memcpy(idx, tmp, sizeof(uint32_t) * n);
    }
    if (!ok) {
        free(idx);
        return vm_throw(vm, vm->c.illegal_argument, "sort keys are not comparable");
    }
    List *r = list_new(vm, n);
    for (uint32_t i = 0; i < n; i++) r->items[r->count++] = items->items[idx[i]];
    free(idx);
    *out = v_obj(r);
    return NR_OK;
}

void lib_core_init(VM *vm) {
    vm_def_global_fn(vm, "println", g_println);
    vm_def_global_fn(vm, "print", g_print);
    vm_def_global_fn(vm, "assert", g_assert);
    vm_def_global_fn(vm, "assertEquals", g_assert_equals);
    vm_def_global_fn(vm, "assertNotEquals", g_assert_not_equals);
    vm_def_global_fn(vm, "require", g_require);
    vm_def_global_fn(vm, "check", g_check);
    vm_def_global_fn(vm, "exit", g_exit);
    vm_def_global_fn(vm, "__method", p_method);
    vm_def_global_fn(vm, "__getter", p_getter);
    vm_def_global_fn(vm, "__sortByKeys", p_sort_by_keys);
    Native *cw = vm_def_global_fn(vm, "__callWith", NULL);
    cw->data = (void *)1; /* recognised by the interpreter: see call_value */
    vm_def_method(vm, vm->c.any, "toString", m_to_string);
    vm_def_method(vm, vm->c.any, "inspect", m_inspect);
    vm_def_method(vm, vm->c.any, "hashCode", m_hash_code);
    vm_def_method(vm, vm->c.number, "toInt", m_to_int);
    vm_def_method(vm, vm->c.number, "toReal", m_to_real);
    vm_def_method(vm, vm->c.char_, "toInt", m_to_int);
    vm_def_property(vm, vm->c.class_, "name", m_class_name);
}

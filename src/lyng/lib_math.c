/* lib_math.c - global math functions and constants. Int arguments are
 * accepted everywhere; abs, floor, ceil, round, min and max keep an Int an
 * Int, the rest return Real. */
#include <math.h>
#include <time.h>

#include "lib.h"

#define UNUSED(x) (void)(x)

static bool num_arg(VM *vm, const char *fn, int argc, Value *argv, int i, double *out) {
    if (i >= argc || !IS_NUM(argv[i])) {
        vm_throw(vm, vm->c.illegal_argument, "%s: argument %d must be a number, got %s", fn, i + 1,
                 i < argc ? v_type_name(vm, argv[i]) : "nothing");
        return false;
    }
    *out = AS_NUM(argv[i]);
    return true;
}

typedef double (*Fn1)(double);

static NativeResult unary(VM *vm, const char *name, Fn1 f, int argc, Value *argv, Value *out) {
    double x;
    if (arg_count(vm, argc, 1, 1, name) != NR_OK || !num_arg(vm, name, argc, argv, 0, &x)) return NR_ERR;
    *out = v_real(f(x));
    return NR_OK;
}

static double ln_(double x) { return log(x); }

#define REAL_FN(cname, lname, f)                                                     \
    static NativeResult cname(VM *vm, Value self, int argc, Value *argv, Value *out) { \
        UNUSED(self);                                                                 \
        return unary(vm, lname, f, argc, argv, out);                                  \
    }

REAL_FN(g_sin, "sin", sin)
REAL_FN(g_cos, "cos", cos)
REAL_FN(g_tan, "tan", tan)
REAL_FN(g_asin, "asin", asin)
REAL_FN(g_acos, "acos", acos)
REAL_FN(g_atan, "atan", atan)
REAL_FN(g_sqrt, "sqrt", sqrt)
REAL_FN(g_exp, "exp", exp)
REAL_FN(g_ln, "ln", ln_)
REAL_FN(g_log10, "log10", log10)
REAL_FN(g_log2, "log2", log2)

/* floor/ceil/round: an Int stays an Int, a Real gives a Real */
static NativeResult rounding(VM *vm, const char *name, Fn1 f, int argc, Value *argv, Value *out) {
    double x;
    if (arg_count(vm, argc, 1, 1, name) != NR_OK || !num_arg(vm, name, argc, argv, 0, &x)) return NR_ERR;
    *out = IS_INT(argv[0]) ? argv[0] : v_real(f(x));
    return NR_OK;
}

static NativeResult g_floor(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(self);
    return rounding(vm, "floor", floor, argc, argv, out);
}

static NativeResult g_ceil(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(self);
    return rounding(vm, "ceil", ceil, argc, argv, out);
}

/* ties go to the even neighbour, as Kotlin's round() */
static NativeResult g_round(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(self);
    return rounding(vm, "round", rint, argc, argv, out);
}

/* x.round(), x.floor(), x.ceil(): the global function on the receiver */
static NativeResult m_round(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argv);
    if (arg_count(vm, argc, 0, 0, "round") != NR_OK) return NR_ERR;
    return rounding(vm, "round", rint, 1, &self, out);
}
static NativeResult m_floor(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argv);
    if (arg_count(vm, argc, 0, 0, "floor") != NR_OK) return NR_ERR;
    return rounding(vm, "floor", floor, 1, &self, out);
}
static NativeResult m_ceil(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(argv);
    if (arg_count(vm, argc, 0, 0, "ceil") != NR_OK) return NR_ERR;
    return rounding(vm, "ceil", ceil, 1, &self, out);
}

static NativeResult g_abs(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(self);
    double x;
    if (arg_count(vm, argc, 1, 1, "abs") != NR_OK || !num_arg(vm, "abs", argc, argv, 0, &x)) return NR_ERR;
    if (IS_INT(argv[0])) *out = v_int(argv[0].as.i < 0 ? (int64_t)(0 - (uint64_t)argv[0].as.i) : argv[0].as.i);
    else *out = v_real(fabs(x));
    return NR_OK;
}

static NativeResult g_pow(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(self);
    double x, y;
    if (arg_count(vm, argc, 2, 2, "pow") != NR_OK || !num_arg(vm, "pow", argc, argv, 0, &x) ||
        !num_arg(vm, "pow", argc, argv, 1, &y))
        return NR_ERR;
    *out = v_real(pow(x, y));
    return NR_OK;
}

static NativeResult g_atan2(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(self);
    double y, x;
    if (arg_count(vm, argc, 2, 2, "atan2") != NR_OK || !num_arg(vm, "atan2", argc, argv, 0, &y) ||
        !num_arg(vm, "atan2", argc, argv, 1, &x))
        return NR_ERR;
    *out = v_real(atan2(y, x));
    return NR_OK;
}

/* log(x) is natural, log(x, base) any base */
static NativeResult g_log(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(self);
    double x, b = 0;
    if (arg_count(vm, argc, 1, 2, "log") != NR_OK || !num_arg(vm, "log", argc, argv, 0, &x)) return NR_ERR;
    if (argc == 2 && !num_arg(vm, "log", argc, argv, 1, &b)) return NR_ERR;
    *out = v_real(argc == 2 ? log(x) / log(b) : log(x));
    return NR_OK;
}

/* min/max of the arguments, or of the one List given */
static NativeResult extreme(VM *vm, const char *name, int argc, Value *argv, Value *out, bool want_max) {
    if (argc == 1 && IS_OT(argv[0], OT_LIST)) {
        argc = (int)((List *)argv[0].as.o)->count;
        argv = ((List *)argv[0].as.o)->items;
    }
    if (argc < 1) return vm_throw(vm, vm->c.illegal_argument, "%s needs at least one value", name);
    Value best = argv[0];
    bool all_int = IS_INT(best), all_num = IS_NUM(best);
    for (int i = 1; i < argc; i++) {
        int c;
        if (!v_compare(argv[i], best, &c))
            return vm_throw(vm, vm->c.illegal_argument, "%s: cannot compare %s with %s", name, v_type_name(vm, argv[i]), v_type_name(vm, best));
        all_int = all_int && IS_INT(argv[i]);
        all_num = all_num && IS_NUM(argv[i]);
        if (IS_REAL(argv[i]) && isnan(argv[i].as.r)) {
            best = argv[i]; /* NaN wins, as in Kotlin */
            continue;
        }
        if (IS_REAL(best) && isnan(best.as.r)) continue;
        if (want_max ? c > 0 : c < 0) best = argv[i];
    }
    *out = all_num && !all_int ? v_real(AS_NUM(best)) : best;
    return NR_OK;
}

static NativeResult g_min(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(self);
    return extreme(vm, "min", argc, argv, out, false);
}

static NativeResult g_max(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(self);
    return extreme(vm, "max", argc, argv, out, true);
}

/* clamp(x, range) and x.clamp(range): x limited to the range's bounds */
static NativeResult clamp(VM *vm, Value x, Value rv, Value *out) {
    if (!IS_OT(rv, OT_RANGE)) return vm_throw(vm, vm->c.illegal_argument, "clamp needs a Range, got %s", v_type_name(vm, rv));
    Range *r = (Range *)rv.as.o;
    int c;
    *out = x;
    if (!IS_NULL(r->start)) {
        if (!v_compare(x, r->start, &c)) goto bad;
        if (c < 0) *out = r->start;
    }
    if (!IS_NULL(r->end)) {
        if (!v_compare(x, r->end, &c)) goto bad;
        /* an exclusive Int or Char end clamps to its predecessor */
        if (r->inclusive ? c > 0 : c >= 0)
            *out = r->inclusive ? r->end : IS_INT(r->end) ? v_int(r->end.as.i - 1)
                 : IS_CHAR(r->end) && r->end.as.c > 0 ? v_char(r->end.as.c - 1) : r->end;
    }
    return NR_OK;
bad:
    return vm_throw(vm, vm->c.illegal_argument, "cannot clamp %s to a range of %s", v_type_name(vm, x), v_type_name(vm, r->start));
}

static NativeResult g_clamp(VM *vm, Value self, int argc, Value *argv, Value *out) {
    UNUSED(self);
    if (arg_count(vm, argc, 2, 2, "clamp") != NR_OK) return NR_ERR;
    return clamp(vm, argv[0], argv[1], out);
}

static NativeResult m_clamp(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (arg_count(vm, argc, 1, 1, "clamp") != NR_OK) return NR_ERR;
    return clamp(vm, self, argv[0], out);
}

/* __randomInt(n): 0..n-1 from a xorshift generator (shuffled); not for secrets */
static NativeResult g_random_int(VM *vm, Value self, int argc, Value *argv, Value *out) {
    static uint64_t state;
    UNUSED(self);
    int64_t n;
    if (!arg_int(vm, argv, argc, 0, "__randomInt", &n)) return NR_ERR;
    if (n <= 0) return vm_throw(vm, vm->c.illegal_argument, "__randomInt: bound must be positive");
    if (!state) state = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)vm;
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    *out = v_int((int64_t)((state * 0x2545F4914F6CDD1Dull) % (uint64_t)n));
    return NR_OK;
}

void lib_math_init(VM *vm) {
    static const struct {
        const char *name;
        NativeFn fn;
    } fns[] = {
        {"sin", g_sin}, {"cos", g_cos}, {"tan", g_tan}, {"asin", g_asin}, {"acos", g_acos},
        {"atan", g_atan}, {"atan2", g_atan2}, {"sqrt", g_sqrt}, {"exp", g_exp}, {"ln", g_ln},
        {"log", g_log}, {"log10", g_log10}, {"log2", g_log2}, {"pow", g_pow}, {"abs", g_abs},
        {"floor", g_floor}, {"ceil", g_ceil}, {"round", g_round}, {"min", g_min}, {"max", g_max},
        {"clamp", g_clamp},
    };
    /* each function is global and a static of `Math` too (Math.sqrt(x)) */
    Class *math = vm_def_class(vm, "Math", vm->c.any);
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        map_put_str(vm, math->statics, fns[i].name, v_obj(vm_def_global_fn(vm, fns[i].name, fns[i].fn)));
    vm_def_method(vm, vm->c.number, "clamp", m_clamp);
    vm_def_method(vm, vm->c.char_, "clamp", m_clamp);
    vm_def_method(vm, vm->c.number, "round", m_round);
    vm_def_method(vm, vm->c.number, "floor", m_floor);
    vm_def_method(vm, vm->c.number, "ceil", m_ceil);
    vm_def_global_fn(vm, "__randomInt", g_random_int);
    vm_def_global(vm, "π", v_real(3.141592653589793));
    vm_def_global(vm, "PI", v_real(3.141592653589793));
    map_put_str(vm, math->statics, "PI", v_real(3.141592653589793));
    map_put_str(vm, math->statics, "E", v_real(2.718281828459045));
}

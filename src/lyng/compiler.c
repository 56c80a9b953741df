/* compiler.c - parses Lyng and emits bytecode in one pass (Pratt parser).
 *
 * Every expression leaves exactly one value on the stack; the compiler tracks
 * the stack depth so that block locals get the slot where their initializer
 * was pushed, even in the middle of an expression. Variables captured by
 * closures become upvalues, closed when their scope ends. */
#include "compiler.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"
#include "limits.h"
#include "name_table.h"
#include "vm.h"

/* Rarely used declarations with large frames stay out of the recursive
 * parser functions, whose frames bound how deep brackets may nest. */
#define COLD __attribute__((noinline))

typedef struct Local {
    const char *name;
    uint32_t len;
    uint32_t slot;
    int scope;
    bool captured;
    bool is_val;
    bool delegated; /* `val x by d`: the slot holds the delegate d */
    bool indexed;   /* entered in Fn.names */
    uint32_t stamp; /* tells this local from an earlier one at its index */
    uint32_t cap_fn; /* the function compiled inside that captures it... */
    int cap_up;      /* ...as its upvalue cap_up */
} Local;

typedef struct UpDesc {
    uint32_t index;
    bool is_local;
    bool is_val;
    bool delegated;
    uint32_t cap_fn; /* as Local's: the inner function that captures it again */
    int cap_up;
} UpDesc;

typedef struct JumpList {
    uint32_t *at;
    int n, cap;
} JumpList;

typedef struct TryCtx {
    struct TryCtx *outer;
    bool handler_active; /* a runtime handler is pushed for this try */
    bool has_finally;
    bool in_finally;     /* compiling the finally body: exits don't rerun it */
    Lexer fin_lx;        /* the lexer positioned at the finally block's '{' */
    Token fin_tok;
    int iter_slot;       /* not a try: a for loop's iterator, closed when a
                            break or return leaves the loop (0: none) */
} TryCtx;

typedef struct LoopCtx {
    struct LoopCtx *outer;
    const char *label;
    uint32_t label_len;
    int result_slot;
    int continue_sp;     /* depth to unwind to before continuing */
    JumpList breaks, continues;
    TryCtx *try_outside; /* innermost try that encloses the loop */
    TryCtx *iter_try;    /* a for loop's own iterator entry */
} LoopCtx;

/* What the compiler knows of a class while compiling its body and methods:
 * the member names, so a bare `x` in a method means `this.x`. */
typedef struct ClassCtx {
    struct ClassCtx *next; /* all classes of this compilation, for base lookups */
    const char *name;
    uint32_t len;
    struct ClassBase { const char *s; uint32_t len; } *bases; /* as written after ':' */
    int nbases, base_cap;
    uint32_t visit; /* the last member lookup that walked this class (class_member_owner) */
    struct ClassMember { const char *s; uint32_t len; bool is_static; } *members;
    int nmembers, member_cap;
    NameTable member_index; /* name -> index in members */
    struct Fn *statics; /* static initializers, run once the class is complete */
    bool has_statics;
} ClassCtx;

/* How a constructor parameter was declared: every one is a field (a plain
 * one is a public var), these flags say which kind. */
enum { PK_VAL = 1, PK_VAR = 2, PK_PRIVATE = 4, PK_PROTECTED = 8, PK_TRANSIENT = 16 };

/* `@Transient`: a member serialization leaves out (serial_fields.c) */
static bool is_transient_mark(Token *t) { return t->type == T_AT_LABEL && t->len == 10 && memcmp(t->start, "@Transient", 10) == 0; }

typedef struct Fn {
    struct Fn *enclosing;
    ClassCtx *cls;             /* set for a class body, its methods and accessors */
    bool ext_receiver;         /* an extension function: bare names may be members of `this` */
    bool is_lambda;            /* a lambda: `with`/`apply`/`run` may give it a receiver */
    bool is_statics;           /* a class's static initializers: `this` is the class */
    uint8_t *param_kind;       /* PK_* flags of each parameter (a class's fields) */
    Proto *proto;
    Local *locals;
    int nlocals, local_cap;
    NameTable names; /* name -> latest local, once there are many */
    uint32_t serial; /* identifies this function among all compiled */
    int scope;
    UpDesc *up;
    int nup, up_cap;
    int sp;
    LoopCtx *loop;
    TryCtx *tries;
    bool toplevel;
    /* the last `for` loop whose back-edge stores the body's value
     * (OP_FOR_LOOP_VAL at for_val_at), and where the loop's code ends: a
     * POP right there drops that value, so the back-edge need not store it */
    uint32_t for_val_at, for_end;
    /* where end_scope put its last CLOSE_SCOPE (for_expr drops one that ends a loop body) */
    uint32_t close_at;
    /* the forward JUMPs last patched to one place, jump_to: a RETURN
     * emitted there replaces them (`if (c) a else b` ending a function) */
    uint32_t jump_to, jumps_to[4];
    int njumps_to;
    uint32_t *const_index; /* open addressing: 1 + an index into proto->consts, 0 when free */
    uint32_t const_index_cap;
} Fn;

typedef struct C {
    VM *vm;
    Lexer lx;
    Token prev, cur;
    Fn *fn;
    char *err;
    bool err_at_end; /* the error is that the input ended: more text could complete it */
    const char *name;
    const char *src;
    size_t srclen;
    uintptr_t stack_base; /* the C stack where compiling began */
    uint32_t serial;      /* last stamp given to a function or local */
    int depth;            /* parse_prec and statement calls under way */
    ClassCtx *next_cls; /* class context for the next fn_begin */
    bool next_ext;      /* the next fn_begin starts an extension function */
    ClassCtx *classes;
    NameTable class_index; /* class name -> the latest class of that name, its index in class_at */
    ClassCtx **class_at;
    int nclass_at, class_at_cap;
    uint32_t class_visit; /* stamps the member lookups */
    struct { /* the last `x as T` compiled: for `(x as T).member` */
        Fn *fn;
        uint32_t end; /* code length right after its OP_AS */
        Lexer lx;     /* positioned after T, with cur = T's first token */
        Token cur, prev;
    } last_as;
    /* top-level `val x by d` names of this compilation: the global holds
     * d; the value is 1 for a val, 0 for a var */
    NameTable delegated;
    int nlocal_ext; /* block-scoped extensions declared so far (ext_local.c) */
    Map *top_names; /* names the script declares at its top level (known_global) */
} C;

static const int8_t op_effect[] = {
#define OP(name, n, eff) eff,
#include "opcodes.h"
#undef OP
};

/* ---------------------------------------------------------------- errors */

static void error_at(C *c, Token *t, const char *fmt, ...) {
    if (c->err) return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* locate the source line for the caret */
    const char *p = c->src, *end = c->src + c->srclen;
    for (uint32_t l = 1; l < t->line && p < end; p++)
        if (*p == '\n') l++;
    const char *le = p;
    while (le < end && *le != '\n') le++;
    /* show at most 120 bytes of a long line, around the column */
    uint32_t col = t->col;
    if (col > 80 && (size_t)(le - p) > 120) {
        p += col - 60;
        col = 60;
    }
    if (le - p > 120) le = p + 120;
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "%s:%u:%u: syntax error: %s\n", c->name, t->line, t->col, msg);
    sb_add(&sb, p, (size_t)(le - p));
    sb_addc(&sb, '\n');
    for (uint32_t i = 1; i < col && p + i - 1 < le; i++) sb_addc(&sb, p[i - 1] == '\t' ? '\t' : ' ');
    sb_addc(&sb, '^');
    c->err = sb.data;
    c->err_at_end = t->type == T_EOF || (t->type == T_ERROR && c->lx.cur >= c->lx.end);
    /* stop parsing: every loop of the parser ends at end of input */
    c->cur.type = T_EOF;
}

#define ERROR(...) error_at(c, &c->prev, __VA_ARGS__)
#define ERROR_CUR(...) error_at(c, &c->cur, __VA_ARGS__)

/* ---------------------------------------------------------------- tokens */

static void advance(C *c) {
    c->prev = c->cur;
    if (c->err) {
        c->cur.type = T_EOF;
        return;
    }
    c->cur = lex_next(&c->lx);
    if (c->cur.type == T_ERROR) {
        error_at(c, &c->cur, "%s", c->cur.error);
        c->cur.type = T_EOF;
    }
}

static bool check(C *c, TokenType t) { return c->cur.type == t; }

static bool accept(C *c, TokenType t) {
    if (!check(c, t)) return false;
    advance(c);
    return true;
}

static void expect(C *c, TokenType t, const char *what) {
    if (check(c, t)) {
        advance(c);
        return;
    }
    if (c->cur.type == T_EOF) ERROR_CUR("expected %s but the input ended", what);
    else ERROR_CUR("expected %s but found '%.*s'", what, (int)c->cur.len, c->cur.start);
}

/* The token after the current one, without consuming anything. */
COLD static Token peek2(C *c) {
    Lexer copy = c->lx;
    return lex_next(&copy);
}

/* The type of that token: callers keep no Token copy in their frames. */
COLD static TokenType peek_type(C *c) { return peek2(c).type; }

static bool is_name(TokenType t) { return t == T_IDENT; }

/* an identifier that is a soft keyword here: init, open, object, enum... */
static bool is_word(Token *t, const char *w) {
    size_t n = strlen(w);
    return t->type == T_IDENT && t->len == n && memcmp(t->start, w, n) == 0;
}

/* ---------------------------------------------------------------- emitting */

static Proto *proto_of(C *c) { return c->fn->proto; }

static void emit_byte(C *c, uint8_t b) {
    Proto *p = proto_of(c);
    if (p->code_len == p->code_cap) {
        if (p->code_cap > UINT32_MAX / 2) { /* jump offsets are 32 bits */
            ERROR("function too large");
            return;
        }
        uint32_t ncap = p->code_cap ? p->code_cap * 2 : 64;
        p->code = vm_realloc(c->vm, p->code, p->code_cap, ncap);
        p->lines = vm_realloc(c->vm, p->lines, p->code_cap * sizeof(LineInfo), ncap * sizeof(LineInfo));
        p->code_cap = ncap;
    }
    p->lines[p->code_len].line = c->prev.line;
    p->lines[p->code_len].col = c->prev.col;
    p->code[p->code_len++] = b;
}

static void emit_arg(C *c, uint32_t v) {
    for (int i = 0; i < ARG; i++) emit_byte(c, (uint8_t)(v >> (8 * i)));
}

static uint32_t read_arg(const uint8_t *at) {
    uint32_t v = 0;
    for (int i = 0; i < ARG; i++) v |= (uint32_t)at[i] << (8 * i);
    return v;
}

static void write_arg(uint8_t *at, uint32_t v) {
    for (int i = 0; i < ARG; i++) at[i] = (uint8_t)(v >> (8 * i));
}

static void adjust(C *c, int delta) {
    c->fn->sp += delta;
    if (c->fn->sp > (int)proto_of(c)->max_stack) proto_of(c)->max_stack = (uint32_t)c->fn->sp;
}

/* Takes back the code from `at` on (a peephole rewriting what it just
 * emitted); forgets the positions recorded in what goes. */
static void code_truncate(C *c, uint32_t at) {
    proto_of(c)->code_len = at;
    if (c->fn->for_end > at) c->fn->for_end = 0;
    if (c->fn->close_at >= at) c->fn->close_at = 0;
    if (c->fn->jump_to > at) c->fn->njumps_to = 0;
}

static void emit_op(C *c, OpCode op) {
    Proto *p = proto_of(c);
    if (op == OP_POP && c->fn->for_end && p->code_len == c->fn->for_end && p->code[c->fn->for_val_at] == OP_FOR_LOOP_VAL)
        p->code[c->fn->for_val_at] = OP_FOR_LOOP; /* same operand */
    if (op == OP_RETURN && c->fn->jump_to == p->code_len) {
        /* a jump to a return returns: one dispatch less; its operand
         * becomes filler, so the code still reads instruction by
         * instruction */
        for (int i = 0; i < c->fn->njumps_to; i++) memset(p->code + c->fn->jumps_to[i], OP_RETURN, 1 + ARG);
        c->fn->njumps_to = 0;
    }
    emit_byte(c, (uint8_t)op);
    adjust(c, op_effect[op]);
}

static void emit_op_arg(C *c, OpCode op, uint32_t arg) {
    emit_op(c, op);
    emit_arg(c, arg);
}

/* Constants are shared within a function: the same Int, Real, Char or
 * interned String is stored once, however many constants there are, found
 * through a hash index of the pool. Reals are the same by their bits, so
 * 0.0 and -0.0 stay apart; functions are never shared. */
static uint64_t const_bits(Value v) {
    switch (v.type) {
    case VT_INT: return (uint64_t)v.as.i;
    case VT_REAL: {
        uint64_t bits;
        memcpy(&bits, &v.as.r, sizeof bits);
        return bits;
    }
    case VT_BOOL: return v.as.b;
    case VT_CHAR: return v.as.c;
    case VT_OBJ: return (uint64_t)(uintptr_t)v.as.o;
    default: return 0;
    }
}

static uint32_t const_slot(Value v, uint32_t cap) {
    uint64_t x = const_bits(v) * 0x9e3779b97f4a7c15ULL ^ v.type;
    return (uint32_t)(x ^ (x >> 29)) & (cap - 1);
}

static void const_index_put(Fn *fn, Value v, uint32_t index) {
    uint32_t i = const_slot(v, fn->const_index_cap);
    while (fn->const_index[i]) i = (i + 1) & (fn->const_index_cap - 1);
    fn->const_index[i] = index + 1;
}

static uint32_t add_const(C *c, Value v) {
    Fn *fn = c->fn;
    Proto *p = fn->proto;
    bool shared = !IS_OT(v, OT_PROTO);
    if (shared && fn->const_index_cap) {
        uint64_t bits = const_bits(v);
        for (uint32_t i = const_slot(v, fn->const_index_cap); fn->const_index[i]; i = (i + 1) & (fn->const_index_cap - 1)) {
            Value k = p->consts[fn->const_index[i] - 1];
            if (k.type == v.type && const_bits(k) == bits) return fn->const_index[i] - 1;
        }
    }
    if (p->nconsts == p->const_cap) {
        uint32_t ncap = p->const_cap ? p->const_cap * 2 : 8;
        p->consts = vm_realloc(c->vm, p->consts, p->const_cap * sizeof(Value), ncap * sizeof(Value));
        p->const_cap = ncap;
    }
    p->consts[p->nconsts] = v;
    if (shared) {
        if ((p->nconsts + 1) * 2 > fn->const_index_cap) {
            /* keep it at most half full: rebuild it twice as large */
            free(fn->const_index);
            fn->const_index_cap = fn->const_index_cap ? fn->const_index_cap * 2 : 64;
            fn->const_index = calloc(fn->const_index_cap, sizeof(uint32_t));
            if (!fn->const_index) abort();
            for (uint32_t i = 0; i < p->nconsts; i++)
                if (!IS_OT(p->consts[i], OT_PROTO)) const_index_put(fn, p->consts[i], i);
        }
        const_index_put(fn, v, p->nconsts);
    }
    return p->nconsts++;
}

static uint32_t name_const(C *c, const char *s, size_t len) {
    return add_const(c, v_obj(str_intern(c->vm, s, len)));
}

static void emit_const(C *c, Value v) { emit_op_arg(c, OP_CONST, add_const(c, v)); }

static uint32_t emit_jump(C *c, OpCode op) {
    emit_op(c, op);
    emit_arg(c, ARG_NONE);
    return proto_of(c)->code_len - ARG;
}

static void patch_jump(C *c, uint32_t at) {
    Proto *p = proto_of(c);
    Fn *fn = c->fn;
    write_arg(p->code + at, p->code_len - (at + ARG));
    if (p->code[at - 1] != OP_JUMP) return;
    if (fn->jump_to != p->code_len) fn->njumps_to = 0;
    fn->jump_to = p->code_len;
    if (fn->njumps_to < 4) fn->jumps_to[fn->njumps_to++] = at - 1;
}

static void emit_loop(C *c, uint32_t target) {
    emit_op(c, OP_LOOP);
    emit_arg(c, proto_of(c)->code_len + ARG - target);
}

static void jl_add(JumpList *jl, uint32_t at) {
    if (jl->n == jl->cap) {
        jl->cap = jl->cap ? jl->cap * 2 : 4;
        jl->at = realloc(jl->at, (size_t)jl->cap * sizeof(uint32_t));
        if (!jl->at) abort();
    }
    jl->at[jl->n++] = at;
}

static void jl_patch(C *c, JumpList *jl) {
    for (int i = 0; i < jl->n; i++) patch_jump(c, jl->at[i]);
    free(jl->at);
    jl->at = NULL;
    jl->n = jl->cap = 0;
}

/* ---------------------------------------------------------------- scopes */

static Proto *proto_new(C *c, const char *name, size_t len) {
    Proto *p = vm_alloc(c->vm, OT_PROTO, c->vm->c.callable, sizeof(Proto));
    memset((char *)p + sizeof(Obj), 0, sizeof(Proto) - sizeof(Obj));
    p->name = str_intern(c->vm, name, len);
    p->source = str_cstr(c->vm, c->name);
    p->rest_param = -1;
    return p;
}

static void fn_begin(C *c, Fn *fn, const char *name, size_t len) {
    memset(fn, 0, sizeof *fn);
    fn->enclosing = c->fn;
    fn->cls = c->next_cls;
    fn->ext_receiver = c->next_ext;
    c->next_cls = NULL;
    c->next_ext = false;
    fn->proto = proto_new(c, name, len);
    fn->sp = 1; /* slot 0: this */
    fn->proto->max_stack = 1;
    fn->serial = ++c->serial;
    c->fn = fn;
    /* keep the prototype reachable while it is being built */
    list_push(c->vm, c->vm->roots, v_obj(fn->proto));
}

static Proto *fn_end(C *c) {
    Fn *fn = c->fn;
    Proto *p = fn->proto;
    proto_set_checked_entry(p);
    p->nupvals = (uint16_t)fn->nup;
    if (fn->nup) {
        p->upval_is_local = vm_realloc(c->vm, NULL, 0, (size_t)fn->nup);
        p->upval_index = vm_realloc(c->vm, NULL, 0, (size_t)fn->nup * sizeof(uint32_t));
        for (int i = 0; i < fn->nup; i++) {
            p->upval_is_local[i] = fn->up[i].is_local;
            p->upval_index[i] = fn->up[i].index;
        }
    }
    free(fn->locals);
    name_table_free(&fn->names);
    free(fn->const_index);
    free(fn->up);
    free(fn->param_kind);
    c->fn = fn->enclosing;
    return p;
}

static Local *add_local(C *c, const char *name, uint32_t len, int slot, bool is_val) {
    Fn *fn = c->fn;
    if (fn->nlocals == fn->local_cap) {
        fn->local_cap = fn->local_cap ? fn->local_cap * 2 : 16;
        fn->locals = realloc(fn->locals, (size_t)fn->local_cap * sizeof(Local));
        if (!fn->locals) abort();
    }
    Local *l = &fn->locals[fn->nlocals++];
    l->name = name;
    l->len = len;
    l->slot = (uint32_t)slot;
    l->scope = fn->scope;
    l->captured = false;
    l->is_val = is_val;
    l->delegated = false;
    l->indexed = false;
    l->stamp = ++c->serial;
    l->cap_fn = 0;
    return l;
}

static void begin_scope(C *c) { c->fn->scope++; }

/* Ends a scope whose value is on top of the stack: the value moves down to
 * the scope's first slot. */
static void end_scope(C *c) {
    Fn *fn = c->fn;
    int first = -1;
    while (fn->nlocals > 0 && fn->locals[fn->nlocals - 1].scope == fn->scope) {
        first = fn->locals[fn->nlocals - 1].slot;
        fn->nlocals--;
    }
    fn->scope--;
    if (first >= 0) {
        fn->close_at = proto_of(c)->code_len;
        emit_op_arg(c, OP_CLOSE_SCOPE, (uint32_t)first);
        fn->sp = first + 1;
    }
}

/* Below this many locals a scan finds a name faster than the table. */
#define SCANNED_LOCALS 32

/* The latest local named `name`, or -1. Scopes come and go in a stack, so
 * new locals are a suffix of fn->locals not yet in fn->names; an entry
 * whose local has gone (its stamp differs) falls back to the scan. */
static int resolve_local(Fn *fn, const char *name, uint32_t len) {
    if (fn->nlocals > SCANNED_LOCALS) {
        int i = fn->nlocals;
        while (i > 0 && !fn->locals[i - 1].indexed) i--;
        for (; i < fn->nlocals; i++) {
            name_table_put(&fn->names, fn->locals[i].name, fn->locals[i].len, i, fn->locals[i].stamp);
            fn->locals[i].indexed = true;
        }
        int32_t at;
        uint32_t stamp;
        if (!name_table_get(&fn->names, name, len, &at, &stamp)) return -1;
        if (at < fn->nlocals && fn->locals[at].stamp == stamp) return at;
    }
    for (int i = fn->nlocals - 1; i >= 0; i--)
        if (fn->locals[i].len == len && memcmp(fn->locals[i].name, name, len) == 0) return i;
    return -1;
}

/* The upvalue of `fn` for a local or upvalue of the enclosing function
 * (which notes it in *cap_fn and *cap_up, so a second use finds it at
 * once), made on first use. */
static int add_upval(C *c, Fn *fn, uint32_t index, bool is_local, bool is_val, uint32_t *cap_fn, int *cap_up) {
    if (*cap_fn == fn->serial) return *cap_up;
    if (fn->nup == LYNG_MAX_UPVALUES) {
        ERROR("a function captures more than %d variables", LYNG_MAX_UPVALUES);
        return 0;
    }
    if (fn->nup == fn->up_cap) {
        fn->up_cap = fn->up_cap ? fn->up_cap * 2 : 8;
        fn->up = realloc(fn->up, (size_t)fn->up_cap * sizeof(UpDesc));
        if (!fn->up) abort();
    }
    fn->up[fn->nup] = (UpDesc){index, is_local, is_val, false, 0, 0};
    *cap_fn = fn->serial;
    *cap_up = fn->nup;
    return fn->nup++;
}

static int resolve_upval(C *c, Fn *fn, const char *name, uint32_t len) {
    if (!fn->enclosing) return -1;
    int l = resolve_local(fn->enclosing, name, len);
    if (l >= 0) {
        fn->enclosing->locals[l].captured = true;
        Local *loc = &fn->enclosing->locals[l];
        int i = add_upval(c, fn, loc->slot, true, loc->is_val, &loc->cap_fn, &loc->cap_up);
        fn->up[i].delegated = fn->enclosing->locals[l].delegated;
        return i;
    }
    int u = resolve_upval(c, fn->enclosing, name, len);
    if (u >= 0) {
        UpDesc *ud = &fn->enclosing->up[u];
        int i = add_upval(c, fn, (uint32_t)u, false, ud->is_val, &ud->cap_fn, &ud->cap_up);
        fn->up[i].delegated = fn->enclosing->up[u].delegated;
        return i;
    }
    return -1;
}

static bool at_global_scope(C *c) { return c->fn->toplevel && c->fn->scope == 0; }

/* ---------------------------------------------------------------- grammar */

typedef enum {
    P_NONE, P_ASSIGN, P_TERNARY, P_ELVIS, P_OR, P_AND, P_BOR, P_BXOR, P_BAND,
    P_EQUALITY, P_COMPARE, P_RANGE, P_ENTRY, P_SHIFT, P_TERM, P_FACTOR, P_AS,
    P_UNARY, P_POSTFIX
} Prec;

static void expression(C *c);
/* Not static on wasm: lyng-cli.wasm exports it (Makefile) so that bin/lyng
 * can ask V8 whether the parser runs optimized code (js-shim/code_cache.mjs);
 * lyng.wasm exports nothing of it. */
#ifdef __wasm__
#define PARSER_ENTRY
#else
#define PARSER_ENTRY static
#endif
PARSER_ENTRY void parse_prec(C *c, Prec p);
static void block_expr(C *c);
static void statement(C *c, bool *is_local);
static void function_body(C *c, Fn *fn, bool lambda);
static void lambda(C *c);

static Prec infix_prec(TokenType t) {
    switch (t) {
    case T_QUESTION: return P_TERNARY;
    case T_ELVIS: return P_ELVIS;
    case T_OR: return P_OR;
    case T_AND: return P_AND;
    case T_PIPE: return P_BOR;
    case T_CARET: return P_BXOR;
    case T_AMP: return P_BAND;
    case T_EQ: case T_NE: case T_ID: case T_NID: return P_EQUALITY;
    case T_LT: case T_LE: case T_GT: case T_GE: case T_IN: case T_NOT_IN:
    case T_IS: case T_NOT_IS: case T_MATCH: case T_NOT_MATCH: return P_COMPARE;
    case T_CMP: return P_ENTRY; /* binds tighter than <, as upstream: 0 < a <=> b */
    case T_DOTDOT: case T_DOTDOTLT: return P_RANGE;
    case T_FATARROW: return P_ENTRY;
    case T_SHL: case T_SHR: return P_SHIFT;
    case T_PLUS: case T_MINUS: return P_TERM;
    case T_STAR: case T_SLASH: case T_PERCENT: return P_FACTOR;
    case T_AS: case T_AS_SAFE: return P_AS;
    case T_DOT: case T_SAFE_DOT: case T_LPAREN: case T_LBRACKET: case T_SAFE_LBRACKET:
    case T_SAFE_LPAREN: case T_BANGBANG: case T_COLONCOLON: case T_PLUSPLUS: case T_MINUSMINUS:
        return P_POSTFIX;
    default: return P_NONE;
    }
}

/* Operators that may begin a continuation line. */
static bool continues_line(TokenType t) {
    return t == T_DOT || t == T_SAFE_DOT || t == T_ELVIS || t == T_AND || t == T_OR;
}

static void skip_generic_params(C *c);

static void skip_type(C *c) {
    if (accept(c, T_LPAREN)) {
        int depth = 1;
        while (depth > 0 && !check(c, T_EOF)) {
            if (check(c, T_LPAREN)) depth++;
            if (check(c, T_RPAREN)) depth--;
            advance(c);
        }
        if (accept(c, T_ARROW)) skip_type(c);
        return;
    }
    if (!check(c, T_IDENT) && !check(c, T_NULL) && !check(c, T_VOID)) {
        ERROR_CUR("expected a type");
        return;
    }
    advance(c);
    while (check(c, T_DOT) && peek_type(c) == T_IDENT) { advance(c); advance(c); }
    if (check(c, T_LT) && !c->cur.nl_before) skip_generic_params(c);
    if (check(c, T_QUESTION) && !c->cur.nl_before) advance(c);
}

/* `<T, U : Base>` after a function or class name, or the arguments of a
 * generic type: parsed, not checked. */
static void skip_generic_params(C *c) {
    if (!check(c, T_LT)) return;
    int depth = 0;
    do {
        if (check(c, T_LT)) depth++;
        else if (check(c, T_GT)) depth--;
        else if (check(c, T_SHR)) depth -= 2;
        else if (check(c, T_EOF)) break;
        advance(c);
    } while (depth > 0);
}

/* --- variables --- */

/* The latest class of this compilation named so, other than `not`. */
static ClassCtx *class_named(C *c, const char *name, uint32_t len, ClassCtx *not) {
    int32_t at;
    uint32_t stamp;
    if (!name_table_get(&c->class_index, name, len, &at, &stamp)) return NULL;
    if (c->class_at[at] != not) return c->class_at[at];
    for (ClassCtx *b = c->classes; b; b = b->next)
        if (b != not && b->len == len && memcmp(b->name, name, len) == 0) return b;
    return NULL;
}

/* The class (this one or a base compiled earlier) declaring a member: the
 * bases are walked depth first in the order written, each class once
 * however many paths lead to it. */
static ClassCtx *class_member_owner(C *c, ClassCtx *cx, const char *name, uint32_t len, bool *is_static) {
    uint32_t visit = ++c->class_visit;
    ClassCtx **todo = NULL, *owner = NULL;
    int n = 0, cap = 0;
    for (ClassCtx *k = cx; k && !owner; k = n ? todo[--n] : NULL) {
        if (k->visit == visit) continue;
        k->visit = visit;
        int32_t at;
        uint32_t stamp;
        if (name_table_get(&k->member_index, name, len, &at, &stamp)) {
            *is_static = k->members[at].is_static;
            owner = k;
            break;
        }
        for (int i = k->nbases - 1; i >= 0; i--) {
            ClassCtx *b = class_named(c, k->bases[i].s, k->bases[i].len, k);
            if (!b || b->visit == visit) continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                todo = realloc(todo, (size_t)cap * sizeof *todo);
                if (!todo) abort();
            }
            todo[n++] = b;
        }
    }
    free(todo);
    return owner;
}

static void load_name(C *c, const char *name, uint32_t len);

/* Methods every instance has, so a bare call in any class body (an
 * interface's default method included) means this.name(). */
static bool universal_member(const char *name, uint32_t len) {
    static const char *const names[] = {"toString", "hashCode", "inspect"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0) return true;
    return false;
}

/* A name that is neither local nor captured but a member of the class whose
 * code is being compiled: an instance member is reached through `this`, a
 * static one through the class. Pushes the receiver when it is a member. */
static bool member_receiver(C *c, const char *name, uint32_t len) {
    for (Fn *f = c->fn; f; f = f->enclosing) {
        if (!f->cls) continue;
        bool is_static = false;
        ClassCtx *owner = class_member_owner(c, f->cls, name, len, &is_static);
        if (!owner && universal_member(name, len)) {
            emit_op_arg(c, OP_GET_LOCAL, 0);
            return true;
        }
        if (!owner) return false;
        if (is_static) load_name(c, owner->name, owner->len);
        else emit_op_arg(c, OP_GET_LOCAL, 0);
        return true;
    }
    return false;
}

static bool is_member_name(C *c, const char *name, uint32_t len) {
    for (Fn *f = c->fn; f; f = f->enclosing) {
        bool is_static;
        if (f->cls) return class_member_owner(c, f->cls, name, len, &is_static) != NULL;
    }
    return false;
}

static bool is_plain_name(C *c, const char *name, uint32_t len) {
    return resolve_local(c->fn, name, len) >= 0 || resolve_upval(c, c->fn, name, len) >= 0;
}

/* The VM's record of delegated top-level names (name -> is_val), so that
 * later compilations in the same VM (REPL lines, -x code) read through the
 * delegate too. */
#define DELEGATED_GLOBALS "__delegatedGlobals"

static Map *delegated_globals(C *c, bool create) {
    Value m = c->vm->gvals[vm_global_slot(c->vm, DELEGATED_GLOBALS, sizeof DELEGATED_GLOBALS - 1)];
    if (IS_OT(m, OT_MAP)) return (Map *)m.as.o;
    if (!create) return NULL;
    Map *nm = map_new(c->vm);
    vm_def_global(c->vm, DELEGATED_GLOBALS, v_obj(nm));
    return nm;
}

/* Whether a top-level name is delegated; *is_val tells a val from a var.
 * Names of earlier compilations on this VM (a REPL) are in the map. */
COLD static bool delegated_global(C *c, const char *name, uint32_t len, bool *is_val) {
    int32_t v;
    uint32_t stamp;
    if (name_table_get(&c->delegated, name, len, &v, &stamp)) {
        *is_val = v;
        return true;
    }
    Map *m = delegated_globals(c, false);
    Value found;
    if (!m || !map_get(m, v_obj(str_intern(c->vm, name, len)), &found)) return false;
    *is_val = v_truthy(found);
    return true;
}

static bool is_delegated_global(C *c, const char *name, uint32_t len) {
    bool is_val;
    return delegated_global(c, name, len, &is_val);
}

/* Where a delegated name's delegate is read from: the op and its operand. */
static bool delegate_of(C *c, const char *name, uint32_t len, OpCode *op, uint32_t *arg) {
    Fn *fn = c->fn;
    int l = resolve_local(fn, name, len);
    if (l >= 0) {
        *op = OP_GET_LOCAL, *arg = fn->locals[l].slot;
        return fn->locals[l].delegated;
    }
    int u = resolve_upval(c, fn, name, len);
    if (u >= 0) {
        *op = OP_GET_UPVAL, *arg = (uint32_t)u;
        return fn->up[u].delegated;
    }
    if (!is_delegated_global(c, name, len)) return false;
    *op = OP_GET_GLOBAL, *arg = vm_global_slot(c->vm, name, len);
    return true;
}

static void emit_call(C *c, int argc);
static bool find_local_ext(C *c, const char *name, uint32_t len, const char **full, uint32_t *full_len);
/* how local_ext_access reaches the member (ext_local.c's __extPick modes) */
enum { EXT_READ, EXT_CALL, EXT_BARE_CALL };
static void local_ext_access(C *c, Token m, uint32_t k, const char *full, uint32_t full_len, int mode, bool paren);

/* A delegated `val`: assigning to it fails like any val (the non-delegate
 * path of store_name raises IllegalAssignmentException). */
static bool delegated_val(C *c, const char *name, uint32_t len) {
    Fn *fn = c->fn;
    int l = resolve_local(fn, name, len);
    if (l >= 0) return fn->locals[l].is_val;
    int u = resolve_upval(c, fn, name, len);
    if (u >= 0) return fn->up[u].is_val;
    bool is_val = false;
    return delegated_global(c, name, len, &is_val) && is_val;
}

/* A global that is defined already, or declared at the top level of the
 * script being compiled (scan_top_names). */
static bool known_global(C *c, const char *name, uint32_t len) {
    uint32_t g = vm_global_slot(c->vm, name, len);
    return (c->vm->gflags[g] & GF_DEFINED) || (c->top_names && map_get(c->top_names, v_obj(c->vm->gnames[g]), NULL));
}

/* Whether a bare global name may instead be a member of `this`: in an
 * extension function, in a lambda, which `with(x) { }`, `x.apply { }` and
 * `x.run { }` call with x as its receiver, and in a class's code, where a
 * member another base provides (an interface relying on its siblings) is
 * found at run time. */
static bool receiver_may_have(C *c, const char *name, uint32_t len) {
    for (Fn *f = c->fn; f; f = f->enclosing) {
        if (f->ext_receiver || f->is_lambda) return true;
        /* in a class, a global known here (defined, or declared at the top
         * level of this script) is taken as it is: the common case stays a
         * plain global read */
        if (f->cls) return !known_global(c, name, len);
    }
    return false;
}

static void emit_get_prop(C *c, uint32_t obj_at, uint32_t k);

static void load_name(C *c, const char *name, uint32_t len) {
    Fn *fn = c->fn;
    OpCode dop;
    uint32_t darg;
    if (delegate_of(c, name, len, &dop, &darg)) {
        /* __delegateGet(d, name, null) */
        emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__delegateGet", 13));
        emit_op_arg(c, dop, darg);
        emit_const(c, v_obj(str_new(c->vm, name, len)));
        emit_op(c, OP_NULL);
        emit_call(c, 3);
        return;
    }
    int l = resolve_local(fn, name, len);
    if (l >= 0) {
        emit_op_arg(c, OP_GET_LOCAL, fn->locals[l].slot);
        return;
    }
    int u = resolve_upval(c, fn, name, len);
    if (u >= 0) {
        emit_op_arg(c, OP_GET_UPVAL, (uint32_t)u);
        return;
    }
    uint32_t obj_at = proto_of(c)->code_len;
    if (member_receiver(c, name, len)) {
        emit_get_prop(c, obj_at, name_const(c, name, len));
        return;
    }
    emit_op_arg(c, receiver_may_have(c, name, len) ? OP_GET_RECV_OR_GLOBAL : OP_GET_GLOBAL, vm_global_slot(c->vm, name, len));
}

/* Stores the value on top of the stack into a name (keeping it). */
static void store_name(C *c, const char *name, uint32_t len) {
    Fn *fn = c->fn;
    OpCode dop;
    uint32_t darg;
    if (delegate_of(c, name, len, &dop, &darg) && !delegated_val(c, name, len)) {
        /* __delegateSet(d, name, null, value); the value stays */
        int value = fn->sp - 1;
        emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__delegateSet", 13));
        emit_op_arg(c, dop, darg);
        emit_const(c, v_obj(str_new(c->vm, name, len)));
        emit_op(c, OP_NULL);
        emit_op_arg(c, OP_GET_LOCAL, (uint32_t)value);
        emit_call(c, 4);
        emit_op(c, OP_POP);
        return;
    }
    int l = resolve_local(fn, name, len);
    if (l >= 0) {
        if (fn->locals[l].is_val) emit_op_arg(c, OP_ASSIGN_VAL, name_const(c, name, len));
        else emit_op_arg(c, OP_SET_LOCAL, fn->locals[l].slot);
        return;
    }
    int u = resolve_upval(c, fn, name, len);
    if (u >= 0) {
        if (fn->up[u].is_val) emit_op_arg(c, OP_ASSIGN_VAL, name_const(c, name, len));
        else emit_op_arg(c, OP_SET_UPVAL, (uint32_t)u);
        return;
    }
    if (member_receiver(c, name, len)) {
        emit_op(c, OP_SWAP);
        emit_op_arg(c, OP_SET_PROP, name_const(c, name, len));
        return;
    }
    emit_op_arg(c, receiver_may_have(c, name, len) ? OP_SET_RECV_OR_GLOBAL : OP_SET_GLOBAL, vm_global_slot(c->vm, name, len));
}

/* Where `name op= value` can store with one instruction: a local var
 * (OP_ADD_SET_LOCAL) or a global (OP_ADD_SET_GLOBAL). Returns false for
 * vals, upvalues, members and delegated names, which store the general way. */
static bool plain_store_slot(C *c, const char *name, uint32_t len, OpCode *op, uint32_t *slot) {
    Fn *fn = c->fn;
    OpCode dop;
    uint32_t darg;
    if (delegate_of(c, name, len, &dop, &darg)) return false; /* stores go through setValue */
    int l = resolve_local(fn, name, len);
    if (l >= 0) {
        if (fn->locals[l].is_val) return false;
        *op = OP_ADD_SET_LOCAL;
        *slot = (uint32_t)fn->locals[l].slot;
        return true;
    }
    if (resolve_upval(c, fn, name, len) >= 0 || is_member_name(c, name, len) || receiver_may_have(c, name, len)) return false;
    *op = OP_ADD_SET_GLOBAL;
    *slot = vm_global_slot(c->vm, name, len);
    return true;
}

/* `name += other` where other is a local: when the code since load_at is
 * exactly the load of name and one GET_LOCAL, both become operands of one
 * instruction that adds in place (OP_ADD_LOCAL_TO_LOCAL/_GLOBAL), the
 * accumulating loop's body. */
static bool fuse_add_local(C *c, uint32_t load_at, uint32_t rhs_at, OpCode store, uint32_t slot) {
    Proto *p = proto_of(c);
    if (rhs_at != load_at + 1 + ARG || p->code_len != rhs_at + 1 + ARG || p->code[rhs_at] != OP_GET_LOCAL) return false;
    OpCode load = store == OP_ADD_SET_LOCAL ? OP_GET_LOCAL : OP_GET_GLOBAL;
    if (p->code[load_at] != load || read_arg(p->code + load_at + 1) != slot) return false;
    uint32_t src = read_arg(p->code + rhs_at + 1);
    code_truncate(c, load_at);
    adjust(c, -2);
    emit_op_arg(c, store == OP_ADD_SET_LOCAL ? OP_ADD_LOCAL_TO_LOCAL : OP_ADD_LOCAL_TO_GLOBAL, slot);
    emit_arg(c, src);
    return true;
}

static bool is_assign_op(TokenType t) {
    return t == T_ASSIGN || t == T_PLUS_ASSIGN || t == T_MINUS_ASSIGN || t == T_STAR_ASSIGN ||
           t == T_SLASH_ASSIGN || t == T_PERCENT_ASSIGN || t == T_NULL_ASSIGN;
}

static OpCode compound_op(TokenType t) {
    switch (t) {
    case T_PLUS_ASSIGN: return OP_ADD;
    case T_MINUS_ASSIGN: return OP_SUB;
    case T_STAR_ASSIGN: return OP_MUL;
    case T_SLASH_ASSIGN: return OP_DIV;
    default: return OP_MOD;
    }
}

/* An assignable place: a name, `obj.name` or `obj[index]`. The object and
 * index (if any) are already on the stack. */
typedef enum { PL_NAME, PL_PROP, PL_INDEX } PlaceKind;
typedef struct Place {
    PlaceKind kind;
    const char *name;
    uint32_t len;
    uint32_t name_k;
    bool idx_known; /* the object's code starts at obj_at, a PL_INDEX's index at idx_at */
    uint32_t obj_at, idx_at;
} Place;

/* `obj[index]` read: an index that is one local becomes the operand of
 * GET_INDEX_LOCAL instead of a value pushed for GET_INDEX, and with an
 * object that is one global, GET_GLOBAL_INDEX_LOCAL's. */
static void emit_get_index(C *c, const Place *pl) {
    Proto *p = proto_of(c);
    if (pl->idx_known && p->code_len == pl->idx_at + 1 + ARG && p->code[pl->idx_at] == OP_GET_LOCAL) {
        uint32_t slot = read_arg(p->code + pl->idx_at + 1);
        if (pl->idx_at == pl->obj_at + 1 + ARG && p->code[pl->obj_at] == OP_GET_GLOBAL) {
            /* and an object that is one global: both are operands */
            uint32_t g = read_arg(p->code + pl->obj_at + 1);
            code_truncate(c, pl->obj_at);
            adjust(c, -2);
            emit_op_arg(c, OP_GET_GLOBAL_INDEX_LOCAL, g);
            emit_arg(c, slot);
            return;
        }
        code_truncate(c, pl->idx_at);
        adjust(c, -1);
        emit_op_arg(c, OP_GET_INDEX_LOCAL, slot);
        return;
    }
    emit_op(c, OP_GET_INDEX);
}

/* `obj.name` read, obj's code starting at obj_at: an object that is one
 * local becomes GET_LOCAL_PROP's operand (UINT32_MAX: not known). */
static void emit_get_prop(C *c, uint32_t obj_at, uint32_t k) {
    Proto *p = proto_of(c);
    if (obj_at < p->code_len && p->code_len == obj_at + 1 + ARG && p->code[obj_at] == OP_GET_LOCAL) {
        uint32_t slot = read_arg(p->code + obj_at + 1);
        code_truncate(c, obj_at);
        adjust(c, -1);
        emit_op_arg(c, OP_GET_LOCAL_PROP, slot);
        emit_arg(c, k);
        return;
    }
    emit_op_arg(c, OP_GET_PROP, k);
}

static void place_store(C *c, Place *pl) {
    switch (pl->kind) {
    case PL_NAME: store_name(c, pl->name, pl->len); break;
    case PL_PROP: emit_op_arg(c, OP_SET_PROP, pl->name_k); break;
    case PL_INDEX: emit_op(c, OP_SET_INDEX); break;
    }
}

/* Handles `= e`, `op= e`, `?= e`, `++`, `--` after a place. For index and
 * property places, the needed operands are duplicated with local temps. */
static void assignment(C *c, Place *pl) {
    TokenType op = c->cur.type;
    advance(c);
    uint32_t load_at = proto_of(c)->code_len;
    if (pl->kind == PL_INDEX && op != T_ASSIGN) {
        /* stack: obj idx. Keep copies in temps: obj idx | obj idx value */
        int base = c->fn->sp - 2;
        emit_op_arg(c, OP_GET_LOCAL, (uint32_t)base);
        emit_op_arg(c, OP_GET_LOCAL, (uint32_t)base + 1);
        emit_op(c, OP_GET_INDEX);
    } else if (pl->kind == PL_PROP && op != T_ASSIGN) {
        emit_op(c, OP_DUP);
        emit_op_arg(c, OP_GET_PROP, pl->name_k);
    } else if (op != T_ASSIGN) {
        load_name(c, pl->name, pl->len);
    }
    if (op == T_ASSIGN) {
        expression(c);
    } else if (op == T_NULL_ASSIGN) {
        int sp_kept = c->fn->sp; /* depth on the not-null path: the value stays */
        uint32_t j = emit_jump(c, OP_ELVIS); /* not null: keep current value */
        expression(c);
        /* store only on the null path */
        if (pl->kind == PL_NAME) {
            place_store(c, pl);
        } else {
            place_store(c, pl);
        }
        uint32_t end = emit_jump(c, OP_JUMP);
        patch_jump(c, j);
        c->fn->sp = sp_kept;
        /* not-null path: drop the place operands under the value */
        if (pl->kind != PL_NAME) {
            int keep = c->fn->sp - 1;
            int first = keep - (pl->kind == PL_INDEX ? 2 : 1);
            emit_op_arg(c, OP_CLOSE_SCOPE, (uint32_t)first);
            c->fn->sp = first + 1;
        }
        patch_jump(c, end);
        return;
    } else {
        /* collections grow in place (so `val list` may be appended to), an
         * instance with plusAssign() (minusAssign()...) changes itself;
         * anything else is stored back */
        uint32_t rhs_at = proto_of(c)->code_len;
        expression(c);
        OpCode fused;
        uint32_t slot;
        if (op == T_PLUS_ASSIGN && pl->kind == PL_NAME && plain_store_slot(c, pl->name, pl->len, &fused, &slot)) {
            if (!fuse_add_local(c, load_at, rhs_at, fused, slot)) emit_op_arg(c, fused, slot);
            return;
        }
        uint32_t inplace;
        if (op == T_PLUS_ASSIGN) {
            inplace = emit_jump(c, OP_ADD_INPLACE);
        } else {
            emit_op(c, OP_ARITH_INPLACE);
            emit_byte(c, (uint8_t)compound_op(op));
            emit_arg(c, ARG_NONE);
            inplace = proto_of(c)->code_len - ARG;
        }
        int sp_value = c->fn->sp;
        place_store(c, pl);
        if (pl->kind == PL_NAME) { /* both paths end here with the value on top */
            patch_jump(c, inplace);
            return;
        }
        uint32_t end = emit_jump(c, OP_JUMP);
        patch_jump(c, inplace);
        c->fn->sp = sp_value;
        if (pl->kind != PL_NAME) {
            int first = sp_value - 1 - (pl->kind == PL_INDEX ? 2 : 1);
            emit_op_arg(c, OP_CLOSE_SCOPE, (uint32_t)first);
            c->fn->sp = first + 1;
        }
        patch_jump(c, end);
        return;
    }
    place_store(c, pl);
}

static void incdec(C *c, Place *pl, int delta, bool prefix) {
    /* value before, new value; stores new; leaves old (postfix) or new */
    if (pl->kind == PL_NAME) {
        load_name(c, pl->name, pl->len);
        if (!prefix) emit_op(c, OP_DUP);
        emit_op(c, OP_INC_DEC);
        emit_byte(c, (uint8_t)(int8_t)delta);
        store_name(c, pl->name, pl->len);
        if (!prefix) emit_op(c, OP_POP);
        return;
    }
    int base = c->fn->sp - (pl->kind == PL_INDEX ? 2 : 1);
    /* obj [idx] */
    emit_op_arg(c, OP_GET_LOCAL, (uint32_t)base);
    if (pl->kind == PL_INDEX) {
        emit_op_arg(c, OP_GET_LOCAL, (uint32_t)base + 1);
        emit_op(c, OP_GET_INDEX);
    } else {
        emit_op_arg(c, OP_GET_PROP, pl->name_k);
    }
    /* obj [idx] old */
    int old_slot = c->fn->sp - 1;
    emit_op_arg(c, OP_GET_LOCAL, (uint32_t)base);
    if (pl->kind == PL_INDEX) emit_op_arg(c, OP_GET_LOCAL, (uint32_t)base + 1);
    emit_op_arg(c, OP_GET_LOCAL, (uint32_t)old_slot);
    emit_op(c, OP_INC_DEC);
    emit_byte(c, (uint8_t)(int8_t)delta);
    place_store(c, pl); /* obj [idx] old new */
    if (!prefix) emit_op(c, OP_POP); /* keep old */
    else { emit_op(c, OP_SWAP); emit_op(c, OP_POP); }
    emit_op_arg(c, OP_CLOSE_SCOPE, (uint32_t)base);
    c->fn->sp = base + 1;
}

/* After a place has been parsed: assignment, ++/--, or a plain read. */
static void finish_place(C *c, Place *pl, bool can_assign) {
    if (can_assign && is_assign_op(c->cur.type)) {
        assignment(c, pl);
        return;
    }
    if ((check(c, T_PLUSPLUS) || check(c, T_MINUSMINUS)) && !c->cur.nl_before) {
        int d = check(c, T_PLUSPLUS) ? 1 : -1;
        advance(c);
        incdec(c, pl, d, false);
        return;
    }
    switch (pl->kind) {
    case PL_NAME: load_name(c, pl->name, pl->len); break;
    case PL_PROP: emit_get_prop(c, pl->idx_known ? pl->obj_at : UINT32_MAX, pl->name_k); break;
    case PL_INDEX: emit_get_index(c, pl); break;
    }
}

/* --- literals --- */

/* Decodes one escape at s[*i] (just after the backslash) into sb. */
static void decode_escape(C *c, StrBuf *sb, const char *s, size_t len, size_t *i, char quote) {
    char e = s[*i];
    (*i)++;
    switch (e) {
    case 'n': sb_addc(sb, '\n'); break;
    case 'r': sb_addc(sb, '\r'); break;
    case 't': sb_addc(sb, '\t'); break;
    case '\\': sb_addc(sb, '\\'); break;
    case '"': sb_addc(sb, '"'); break;
    case '\'': sb_addc(sb, '\''); break;
    case '$': sb_addc(sb, '$'); break;
    case 'u': {
        int32_t cp = *i + 4 <= len ? utf8_hex4(s + *i) : -1;
        if (cp < 0) { ERROR("malformed \\u escape"); return; }
        *i += 4;
        sb_add_utf8(sb, (uint32_t)cp);
        break;
    }
    default:
        (void)quote;
        sb_addc(sb, '\\');
        sb_addc(sb, e);
        break;
    }
}

static bool is_blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return false;
    return true;
}

/* Multi-line literals: drop a blank first and last line and the common
 * indentation. Returns a malloc'd copy. */
static char *trim_indent(const char *s, size_t len, size_t *out_len) {
    struct Span { const char *p; size_t len; } *lines = NULL;
    size_t n = 0, cap = 0;
    const char *p = s, *end = s + len;
    while (p <= end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e) e = end;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            lines = realloc(lines, cap * sizeof *lines);
            if (!lines) abort();
        }
        lines[n++] = (struct Span){p, (size_t)(e - p)};
        p = e + 1;
    }
    size_t first = 0, last = n - 1;
#define BLANK(k) is_blank(lines[k].p, lines[k].len)
    if (n > 1 && BLANK(0)) first = 1;
    if (last > first && BLANK(last)) last--;
    size_t indent = (size_t)-1;
    for (size_t k = first; k <= last; k++) {
        if (BLANK(k)) continue;
        size_t q = 0;
        while (q < lines[k].len && (lines[k].p[q] == ' ' || lines[k].p[q] == '\t')) q++;
        if (q < indent) indent = q;
    }
#undef BLANK
    if (indent == (size_t)-1) indent = 0;
    char *out = malloc(len + 1);
    if (!out) abort();
    size_t o = 0;
    for (size_t k = first; k <= last; k++) {
        size_t skip = lines[k].len < indent ? lines[k].len : indent;
        memcpy(out + o, lines[k].p + skip, lines[k].len - skip);
        o += lines[k].len - skip;
        if (k < last) out[o++] = '\n';
    }
    out[o] = 0;
    *out_len = o;
    free(lines);
    return out;
}

static void compile_sub_expression(C *c, const char *s, size_t len, uint32_t line) {
    Lexer saved_lx = c->lx;
    Token saved_prev = c->prev, saved_cur = c->cur;
    lex_init(&c->lx, s, len, line);
    const char *too_deep = lex_nest_in(&c->lx, &saved_lx);
    if (too_deep) ERROR("%s", too_deep);
    advance(c);
    expression(c);
    if (!check(c, T_EOF)) ERROR_CUR("unexpected text in string interpolation");
    c->lx = saved_lx;
    c->prev = saved_prev;
    if (!c->err) c->cur = saved_cur;
}

static bool id_start_ch(unsigned char ch) { return ch == '_' || ((ch | 32) >= 'a' && (ch | 32) <= 'z') || ch >= 0x80; }

static void string_literal(C *c) {
    Token t = c->prev;
    const char *raw = t.start + 1;
    size_t len = t.len - 2;
    char *owned = NULL;
    if (memchr(raw, '\n', len)) raw = owned = trim_indent(raw, len, &len);
    StrBuf sb;
    sb_init(&sb);
    int parts = 0;
    size_t i = 0;
    while (i < len && !c->err) {
        char ch = raw[i];
        if (ch == '\\' && i + 1 < len) {
            i++;
            decode_escape(c, &sb, raw, len, &i, '"');
        } else if (ch == '$' && i + 1 < len && raw[i + 1] == '$') {
            sb_addc(&sb, '$');
            i += 2;
        } else if (ch == '$' && i + 1 < len && (raw[i + 1] == '{' || id_start_ch((unsigned char)raw[i + 1]))) {
            if (sb.len || parts == 0) {
                emit_const(c, v_obj(str_new(c->vm, sb.data ? sb.data : "", sb.len)));
                parts++;
                sb.len = 0;
            }
            if (raw[i + 1] == '{') {
                size_t start = i + 2, j = start;
                int depth = 1;
                while (j < len && depth > 0) {
                    if (raw[j] == '{') depth++;
                    else if (raw[j] == '}') { if (--depth == 0) break; }
                    else if (raw[j] == '"') { j++; while (j < len && raw[j] != '"') { if (raw[j] == '\\') j++; j++; } }
                    j++;
                }
                if (depth != 0) { ERROR("unterminated ${ in string"); break; }
                compile_sub_expression(c, raw + start, j - start, t.line);
                i = j + 1;
            } else {
                size_t start = i + 1, j = start;
                while (j < len && (id_start_ch((unsigned char)raw[j]) || (raw[j] >= '0' && raw[j] <= '9'))) j++;
                load_name(c, raw + start, (uint32_t)(j - start));
                i = j;
            }
            emit_op(c, OP_TOSTR);
            parts++;
        } else {
            sb_addc(&sb, ch);
            i++;
        }
    }
    if (sb.len || parts == 0) {
        emit_const(c, v_obj(str_new(c->vm, sb.data ? sb.data : "", sb.len)));
        parts++;
    }
    if (parts > 1) {
        emit_op_arg(c, OP_CONCAT, (uint32_t)parts);
        adjust(c, -(parts - 1));
    }
    sb_free(&sb);
    free(owned);
}

static void char_literal(C *c) {
    Token t = c->prev;
    const char *raw = t.start + 1;
    size_t len = t.len - 2;
    StrBuf sb;
    sb_init(&sb);
    size_t i = 0;
    if (len == 1 && raw[0] == '\\') { /* '\' (the lexer's backslash) */
        sb_addc(&sb, '\\');
        i = 1;
    } else if (len > 0 && raw[0] == '\\') {
        i = 1;
        decode_escape(c, &sb, raw, len, &i, '\'');
    } else {
        sb_add(&sb, raw, len);
        i = len;
    }
    size_t nchars = 0;
    if (i != len || !utf8_valid(sb.data ? sb.data : "", sb.len, &nchars) || nchars != 1) {
        ERROR("a character literal holds exactly one character");
    } else {
        size_t k = 0;
        emit_const(c, v_char(utf8_next(sb.data, sb.len, &k)));
    }
    sb_free(&sb);
}

/* --- calls --- */

/* Parses `(args) {lambda}` and emits the call. `invoke_k` >= 0 means a
 * method invocation on the receiver below the arguments. */
/* Does the argument list (c->cur is just after '(') have a `...x` argument? */
COLD static bool args_have_splat(C *c) {
    Lexer lx = c->lx;
    Token t = c->cur;
    TokenType prev = T_LPAREN;
    int depth = 0;
    while (t.type != T_EOF && t.type != T_ERROR) {
        if (t.type == T_LPAREN || t.type == T_LBRACKET || t.type == T_LBRACE) depth++;
        else if (t.type == T_RPAREN || t.type == T_RBRACKET || t.type == T_RBRACE) {
            if (depth-- == 0) return false;
        } else if (depth == 0 && t.type == T_ELLIPSIS && (prev == T_LPAREN || prev == T_COMMA)) {
            return true;
        }
        prev = t.type;
        t = lex_next(&lx);
    }
    return false;
}

/* f(a, ...list, ...map): all arguments are collected in one List at run
 * time, each splat as an Entry keyed by the VM's splat marker. */
static void spread_call_args(C *c, int64_t invoke_k) {
    emit_op_arg(c, OP_LIST, 0);
    adjust(c, 1);
    while (!check(c, T_RPAREN) && !check(c, T_EOF)) {
        if (check(c, T_IDENT) && peek_type(c) == T_COLON) {
            ERROR_CUR("named arguments cannot be mixed with '...': put them in a spread map");
            return;
        }
        if (accept(c, T_ELLIPSIS)) {
            emit_const(c, v_obj(c->vm->cls_names.splat));
            expression(c);
            emit_op(c, OP_ENTRY);
        } else {
            expression(c);
        }
        emit_op(c, OP_LIST_APPEND);
        if (!accept(c, T_COMMA)) break;
    }
    expect(c, T_RPAREN, "')' after arguments");
    if (check(c, T_LBRACE) && !c->cur.nl_before) {
        advance(c);
        lambda(c);
        emit_op(c, OP_LIST_APPEND);
    }
    emit_op_arg(c, OP_SPREAD_CALL, invoke_k >= 0 ? (uint32_t)invoke_k : ARG_NONE);
}

static void call_args(C *c, bool had_paren, int64_t invoke_k) {
    if (had_paren && args_have_splat(c)) {
        spread_call_args(c, invoke_k);
        return;
    }
    int argc = 0;
    uint32_t *names = NULL; /* name constants of the named arguments */
    int nnamed = 0;
    if (had_paren) {
        while (!check(c, T_RPAREN) && !check(c, T_EOF)) {
            if (check(c, T_IDENT) && peek_type(c) == T_COLON) {
                advance(c);
                names = realloc(names, (size_t)(nnamed + 2) * sizeof *names);
                if (!names) abort();
                Token arg = c->prev;
                names[nnamed++] = name_const(c, arg.start, arg.len);
                advance(c);
                /* `f(x:)` is short for `f(x: x)` */
                if (check(c, T_COMMA) || check(c, T_RPAREN)) load_name(c, arg.start, arg.len);
                else expression(c);
            } else {
                if (nnamed) ERROR_CUR("positional argument after a named one");
                expression(c);
            }
            argc++;
            if (!accept(c, T_COMMA)) break;
        }
        expect(c, T_RPAREN, "')' after arguments");
    }
    if (check(c, T_LBRACE) && !c->cur.nl_before) {
        advance(c);
        lambda(c);
        argc++;
        /* a trailing lambda is the last parameter, after any defaults the
         * call leaves out and after the named arguments: it is named "" and
         * the VM places it */
        if (!names) names = malloc(sizeof *names);
        if (!names) abort();
        names[nnamed++] = name_const(c, "", 0);
    }
    if (invoke_k >= 0) {
        if (nnamed) {
            List *l = list_new(c->vm, (uint32_t)nnamed);
            for (int i = 0; i < nnamed; i++) list_push(c->vm, l, proto_of(c)->consts[names[i]]);
            uint32_t lk = add_const(c, v_obj(l));
            emit_op(c, OP_INVOKE_NAMED);
            emit_arg(c, (uint32_t)invoke_k);
            emit_arg(c, (uint32_t)argc);
            emit_arg(c, lk);
        } else {
            emit_op(c, OP_INVOKE);
            emit_arg(c, (uint32_t)invoke_k);
            emit_arg(c, (uint32_t)argc);
        }
    } else if (nnamed) {
        List *l = list_new(c->vm, (uint32_t)nnamed);
        for (int i = 0; i < nnamed; i++) list_push(c->vm, l, proto_of(c)->consts[names[i]]);
        uint32_t lk = add_const(c, v_obj(l));
        emit_op(c, OP_CALL_NAMED);
        emit_arg(c, (uint32_t)argc);
        emit_arg(c, lk);
    } else {
        emit_op(c, OP_CALL);
        emit_arg(c, (uint32_t)argc);
    }
    adjust(c, -argc);
    free(names);
}

/* --- functions and lambdas --- */

/* Skips `@Name` or `@Name(args)` (c->cur is the @Name); returns whether
 * it had arguments, args_lx and args_tok then being the lexer at its '('. */
static bool skip_annotation(C *c, Lexer *args_lx, Token *args_tok) {
    advance(c);
    if (!check(c, T_LPAREN) || c->cur.nl_before) return false;
    *args_lx = c->lx;
    *args_tok = c->cur;
    int depth = 0;
    do {
        if (check(c, T_LPAREN)) depth++;
        if (check(c, T_RPAREN)) depth--;
        advance(c);
    } while (depth > 0 && !check(c, T_EOF));
    return true;
}

/* What param_list keeps of each parameter until the prologue is compiled. */
typedef struct ParamInfo {
    String *name;
    bool has_default;
    Lexer dl; /* positioned at the default value */
    Token dt;
} ParamInfo;

/* A constructor parameter's visibility and annotations (`private var x`,
 * `@Transient val y`), before its val/var; the visibility is returned as
 * PK_PRIVATE or PK_PROTECTED. */
static uint8_t param_modifiers(C *c) {
    uint8_t vis = 0;
    for (;;) {
        if (check(c, T_AT_LABEL)) {
            if (is_transient_mark(&c->cur)) vis |= PK_TRANSIENT;
            Lexer lx;
            Token t;
            skip_annotation(c, &lx, &t);
            continue;
        }
        TokenType nx = peek_type(c);
        if (c->cur.type != T_IDENT || (nx != T_VAL && nx != T_VAR && nx != T_IDENT && nx != T_AT_LABEL)) return vis;
        if (is_word(&c->cur, "private")) vis |= PK_PRIVATE;
        else if (is_word(&c->cur, "protected")) vis |= PK_PROTECTED;
        else if (!is_word(&c->cur, "public") && !is_word(&c->cur, "open") && !is_word(&c->cur, "override"))
            return vis;
        advance(c);
    }
}

static void param_list(C *c, Fn *fn, TokenType close) {
    Proto *p = fn->proto;
    ParamInfo *info = NULL;
    int n = 0, cap = 0;
    while (!check(c, close) && !check(c, T_EOF)) {
        uint8_t vis = param_modifiers(c);
        uint8_t kind = (uint8_t)((accept(c, T_VAL) ? PK_VAL : accept(c, T_VAR) ? PK_VAR : 0) | vis);
        if (!is_name(c->cur.type)) { ERROR_CUR("expected a parameter name"); break; }
        if (n == LYNG_MAX_PARAMS) { ERROR_CUR("a function has more than %d parameters", LYNG_MAX_PARAMS); break; }
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            info = realloc(info, (size_t)cap * sizeof *info);
            fn->param_kind = realloc(fn->param_kind, (size_t)cap);
            if (!info || !fn->param_kind) abort();
        }
        fn->param_kind[n] = kind;
        advance(c);
        Token name = c->prev;
        info[n].name = str_intern(c->vm, name.start, name.len);
        add_local(c, name.start, name.len, n + 1, false);
        info[n].has_default = false;
        if (accept(c, T_ELLIPSIS)) {
            if (p->rest_param >= 0) ERROR("only one rest parameter is allowed");
            p->rest_param = n;
        }
        if (accept(c, T_COLON)) skip_type(c);
        if (check(c, T_ASSIGN) || check(c, T_NULL_ASSIGN)) { /* `T?= v` is `T? = v` */
            /* defaults are compiled in the prologue, after all params exist */
            advance(c);
            info[n].has_default = true;
            info[n].dl = c->lx;
            info[n].dt = c->cur;
            int depth = 0;
            while (!check(c, T_EOF)) {
                if (depth == 0 && (check(c, T_COMMA) || check(c, close))) break;
                if (check(c, T_LPAREN) || check(c, T_LBRACKET) || check(c, T_LBRACE)) depth++;
                if (check(c, T_RPAREN) || check(c, T_RBRACKET) || check(c, T_RBRACE)) depth--;
                advance(c);
            }
        }
        n++;
        if (!accept(c, T_COMMA)) break;
    }
    p->nparams = (uint16_t)n;
    fn->sp = n + 1;
    p->max_stack = (uint32_t)n + 1;
    p->param_names = vm_realloc(c->vm, NULL, 0, sizeof(String *) * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) p->param_names[i] = info[i].name;
    if (close == T_RPAREN) expect(c, T_RPAREN, "')' after parameters");
    else expect(c, T_ARROW, "'->' after lambda parameters");
    /* prologue: defaults, then required checks */
    Lexer after_lx = c->lx;
    Token after_prev = c->prev, after_cur = c->cur;
    for (int i = 0; i < n && !c->err; i++) {
        if (i == p->rest_param) continue;
        if (info[i].has_default) {
            p->has_defaults = true;
            emit_op(c, OP_ARG_DEFAULT);
            emit_arg(c, (uint32_t)i + 1);
            emit_arg(c, ARG_NONE);
            uint32_t j = proto_of(c)->code_len - ARG;
            c->lx = info[i].dl;
            c->cur = info[i].dt;
            expression(c);
            emit_op_arg(c, OP_SET_LOCAL, (uint32_t)i + 1);
            emit_op(c, OP_POP);
            patch_jump(c, j);
        } else if (close == T_RPAREN) {
            emit_op_arg(c, OP_ARG_REQUIRED, (uint32_t)i + 1);
        }
    }
    c->lx = after_lx;
    c->prev = after_prev;
    if (!c->err) c->cur = after_cur;
    free(info);
}

/* The statements of a function body up to '}', then RETURN. */
static void body_statements(C *c) {
    bool last_local = false;
    bool any = false;
    while (!check(c, T_RBRACE) && !check(c, T_EOF)) {
        if (accept(c, T_SEMI)) continue;
        if (any && !last_local) emit_op(c, OP_POP);
        int before = c->fn->sp;
        statement(c, &last_local);
        (void)before;
        any = true;
        if (!check(c, T_RBRACE) && !check(c, T_SEMI) && !check(c, T_EOF) && !c->cur.nl_before)
            ERROR_CUR("expected a new line or ';' before '%.*s'", (int)c->cur.len, c->cur.start);
    }
    if (!any) emit_op(c, OP_VOID);
    else if (last_local) emit_op_arg(c, OP_GET_LOCAL, (uint32_t)c->fn->sp - 1);
}

static void emit_closure(C *c, Proto *p, Fn *fn) {
    uint32_t k = add_const(c, v_obj(p));
    emit_op_arg(c, OP_CLOSURE, k);
    (void)fn; /* fn_end has freed its upvalues: they are in p */
    for (uint32_t i = 0; i < p->nupvals; i++) {
        emit_byte(c, p->upval_is_local[i] ? 1 : 0);
        emit_arg(c, p->upval_index[i]);
    }
}

static void function_body(C *c, Fn *fn, bool lambda_body) {
    (void)lambda_body;
    if (accept(c, T_ASSIGN)) {
        expression(c);
    } else {
        expect(c, T_LBRACE, "'{' to start the function body");
        body_statements(c);
        expect(c, T_RBRACE, "'}' after the function body");
    }
    emit_op(c, OP_RETURN);
    (void)fn;
}

/* `fun name(params) body`; leaves the closure on the stack. */
static void function(C *c, const char *name, uint32_t len) {
    Fn fn;
    fn_begin(c, &fn, name, len);
    /* generic parameters: fun <T> f / fun f<T> */
    skip_generic_params(c);
    expect(c, T_LPAREN, "'(' after the function name");
    param_list(c, &fn, T_RPAREN);
    if (accept(c, T_COLON)) skip_type(c);
    function_body(c, &fn, false);
    Proto *p = fn_end(c);
    emit_closure(c, p, &fn);
}

/* Called after '{' in expression position: a lambda or a map literal. */
COLD static bool lambda_has_params(C *c) {
    if (check(c, T_ARROW)) return true;
    if (!check(c, T_IDENT)) return false;
    /* parameters, with types and defaults, up to a '->' at depth 0 */
    Lexer lx = c->lx;
    Token t = c->cur;
    int depth = 0;
    for (;;) {
        switch (t.type) {
        case T_ARROW:
            if (depth == 0) return true;
            break;
        case T_LPAREN: case T_LBRACKET: depth++; break;
        case T_RPAREN: case T_RBRACKET: if (--depth < 0) return false; break;
        case T_LBRACE: case T_RBRACE: case T_EOF: case T_ERROR: case T_SEMI:
            return false;
        default:
            if (t.type >= T_VAL && t.type != T_NULL && t.type != T_TRUE && t.type != T_FALSE) return false;
            if (t.nl_before && depth == 0) return false;
            break;
        }
        t = lex_next(&lx);
    }
}

static void lambda(C *c) {
    Fn fn;
    fn_begin(c, &fn, "lambda", 6);
    fn.is_lambda = true;
    if (lambda_has_params(c)) {
        if (accept(c, T_ARROW)) {
            fn.proto->param_names = vm_realloc(c->vm, NULL, 0, sizeof(String *));
            fn.sp = 1;
        } else {
            param_list(c, &fn, T_ARROW);
        }
    } else {
        fn.proto->implicit_it = true;
        fn.proto->nparams = 1;
        fn.proto->param_names = vm_realloc(c->vm, NULL, 0, sizeof(String *));
        fn.proto->param_names[0] = str_intern(c->vm, "it", 2);
        add_local(c, "it", 2, 1, false);
        fn.sp = 2;
        fn.proto->max_stack = 2;
    }
    body_statements(c);
    expect(c, T_RBRACE, "'}' to close the lambda");
    emit_op(c, OP_RETURN);
    Proto *p = fn_end(c);
    emit_closure(c, p, &fn);
}

/* After '{': `key: value` or `...map` starts a map literal; `x: Type ->`
 * is a lambda's typed parameter. */
static bool looks_like_map(C *c) {
    if (check(c, T_ELLIPSIS)) return true;
    if (!(check(c, T_IDENT) || check(c, T_STRING)) || peek_type(c) != T_COLON) return false;
    return !check(c, T_IDENT) || !lambda_has_params(c);
}

/* The entries since the last spread, made into a map and added to the one
 * below them on the stack when a spread came before. */
static void map_segment(C *c, int n, bool *merging) {
    emit_op_arg(c, OP_MAP, (uint32_t)n);
    adjust(c, 1 - 2 * n);
    if (*merging) emit_op(c, OP_ADD);
    *merging = true;
}

/* `{ key: value, "key": value, key:, ...other }`: later entries win. */
static void map_literal(C *c) {
    int n = 0;
    bool merging = false;
    NameTable keys = {0}; /* the keys written so far, by their text */
    while (!check(c, T_RBRACE) && !check(c, T_EOF)) {
        if (accept(c, T_ELLIPSIS)) {
            map_segment(c, n, &merging);
            n = 0;
            expression(c);
            emit_op(c, OP_ADD);
            if (!accept(c, T_COMMA)) break;
            continue;
        }
        Token key = c->cur;
        if (accept(c, T_IDENT)) {
            emit_const(c, v_obj(str_new(c->vm, key.start, key.len)));
            expect(c, T_COLON, "':' in a map literal");
            if (check(c, T_COMMA) || check(c, T_RBRACE)) load_name(c, key.start, key.len);
            else expression(c);
        } else if (accept(c, T_STRING)) {
            string_literal(c);
            expect(c, T_COLON, "':' in a map literal");
            expression(c);
        } else {
            ERROR_CUR("expected a key in the map literal");
            name_table_free(&keys);
            return;
        }
        /* the same key written twice is a mistake (a spread may repeat one);
         * a plain string key is compared by its text */
        if (key.type == T_STRING) {
            key.start++;
            key.len -= 2;
            if (memchr(key.start, '\\', key.len) || memchr(key.start, '$', key.len)) key.len = 0;
        }
        int32_t seen;
        uint32_t stamp;
        if (key.len && name_table_get(&keys, key.start, key.len, &seen, &stamp))
            ERROR("duplicate key '%.*s' in the map literal", (int)key.len, key.start);
        else if (key.len)
            name_table_put(&keys, key.start, key.len, 0, 0);
        n++;
        if (!accept(c, T_COMMA)) break;
    }
    name_table_free(&keys);
    expect(c, T_RBRACE, "'}' to close the map literal");
    if (n || !merging) map_segment(c, n, &merging);
}

/* --- control flow --- */

static void branch_body(C *c) {
    if (check(c, T_LBRACE)) {
        advance(c);
        block_expr(c);
    } else {
        bool is_local = false;
        statement(c, &is_local);
        if (is_local) ERROR("a declaration cannot be a branch");
    }
}

static void if_expr(C *c) {
    expect(c, T_LPAREN, "'(' after 'if'");
    expression(c);
    expect(c, T_RPAREN, "')' after the condition");
    uint32_t jf = emit_jump(c, OP_JUMP_IF_FALSE);
    branch_body(c);
    uint32_t jend = emit_jump(c, OP_JUMP);
    patch_jump(c, jf);
    adjust(c, -1);
    if (check(c, T_ELSE) || (check(c, T_SEMI) && peek_type(c) == T_ELSE)) {
        accept(c, T_SEMI);
        advance(c);
        branch_body(c);
    } else {
        emit_op(c, OP_VOID);
    }
    patch_jump(c, jend);
}

static void when_expr(C *c) {
    if (!accept(c, T_LPAREN)) {
        ERROR_CUR("'when' needs a subject: when (value) { ... }");
        return;
    }
    expression(c);
    expect(c, T_RPAREN, "')' after the subject");
    int subj = c->fn->sp - 1;
    begin_scope(c);
    add_local(c, "(when)", 6, subj, true);
    expect(c, T_LBRACE, "'{' to start the branches");
    JumpList ends = {0};
    bool has_else = false;
    while (!check(c, T_RBRACE) && !check(c, T_EOF) && !c->err) {
        if (accept(c, T_SEMI)) continue;
        if (accept(c, T_ELSE)) {
            expect(c, T_ARROW, "'->' after 'else'");
            branch_body(c);
            jl_add(&ends, emit_jump(c, OP_JUMP));
            adjust(c, -1);
            has_else = true;
            continue;
        }
        JumpList hits = {0};
        for (;;) {
            emit_op_arg(c, OP_GET_LOCAL, (uint32_t)subj);
            if (accept(c, T_IN)) { parse_prec(c, P_RANGE); emit_op(c, OP_IN); }
            else if (accept(c, T_NOT_IN)) { parse_prec(c, P_RANGE); emit_op(c, OP_IN); emit_op(c, OP_NOT); }
            else if (accept(c, T_IS)) { parse_prec(c, P_RANGE); emit_op(c, OP_IS); if (check(c, T_QUESTION)) advance(c); }
            else if (accept(c, T_NOT_IS)) { parse_prec(c, P_RANGE); emit_op(c, OP_IS); emit_op(c, OP_NOT); }
            else { expression(c); emit_op(c, OP_EQ); }
            jl_add(&hits, emit_jump(c, OP_JUMP_IF_TRUE));
            if (!accept(c, T_COMMA)) break;
        }
        uint32_t next = emit_jump(c, OP_JUMP);
        jl_patch(c, &hits);
        expect(c, T_ARROW, "'->' after the condition");
        branch_body(c);
        jl_add(&ends, emit_jump(c, OP_JUMP));
        adjust(c, -1);
        patch_jump(c, next);
    }
    expect(c, T_RBRACE, "'}' after the branches");
    if (!has_else) emit_op(c, OP_VOID);
    else emit_op(c, OP_VOID); /* unreachable filler keeps the depth right */
    jl_patch(c, &ends);
    end_scope(c);
}

static void push_loop(C *c, LoopCtx *lp, const char *label, uint32_t label_len) {
    memset(lp, 0, sizeof *lp);
    lp->outer = c->fn->loop;
    lp->label = label;
    lp->label_len = label_len;
    lp->try_outside = c->fn->tries;
    c->fn->loop = lp;
    /* the loop's value lives in a slot below everything the loop pushes */
    emit_op(c, OP_VOID);
    lp->result_slot = c->fn->sp - 1;
}

/* loop value slot is on the stack (VOID); body values are stored in it */
static void store_loop_value(C *c, LoopCtx *lp) {
    emit_op_arg(c, OP_SET_LOCAL_POP, (uint32_t)lp->result_slot);
}

static void loop_else(C *c, LoopCtx *lp) {
    if (check(c, T_ELSE) && !c->cur.nl_before) {
        advance(c);
        branch_body(c);
        store_loop_value(c, lp);
    } else if (check(c, T_ELSE)) {
        advance(c);
        branch_body(c);
        store_loop_value(c, lp);
    }
}

/* After the loop exits normally: its `else`, then where `break` lands. */
static void end_loop(C *c, LoopCtx *lp) {
    loop_else(c, lp);
    jl_patch(c, &lp->breaks);
    c->fn->loop = lp->outer;
}

static void while_expr(C *c, const char *label, uint32_t llen) {
    LoopCtx lp;
    push_loop(c, &lp, label, llen);
    lp.continue_sp = c->fn->sp;
    uint32_t top = proto_of(c)->code_len;
    expect(c, T_LPAREN, "'(' after 'while'");
    expression(c);
    expect(c, T_RPAREN, "')' after the condition");
    uint32_t exit = emit_jump(c, OP_JUMP_IF_FALSE);
    branch_body(c);
    store_loop_value(c, &lp);
    jl_patch(c, &lp.continues); /* continue jumps land here, then loop */
    emit_loop(c, top);
    patch_jump(c, exit);
    end_loop(c, &lp);
}

static void do_while_expr(C *c, const char *label, uint32_t llen) {
    LoopCtx lp;
    push_loop(c, &lp, label, llen);
    lp.continue_sp = c->fn->sp;
    uint32_t top = proto_of(c)->code_len;
    expect(c, T_LBRACE, "'{' after 'do'");
    /* the body's scope stays open for the condition */
    begin_scope(c);
    int scope_base = c->fn->sp;
    bool last_local = false, any = false;
    while (!check(c, T_RBRACE) && !check(c, T_EOF)) {
        if (accept(c, T_SEMI)) continue;
        if (any && !last_local) emit_op(c, OP_POP);
        statement(c, &last_local);
        any = true;
    }
    if (!any) emit_op(c, OP_VOID);
    else if (last_local) emit_op_arg(c, OP_GET_LOCAL, (uint32_t)c->fn->sp - 1);
    expect(c, T_RBRACE, "'}' after the loop body");
    store_loop_value(c, &lp);
    jl_patch(c, &lp.continues);
    expect(c, T_WHILE, "'while' after the do block");
    expect(c, T_LPAREN, "'(' after 'while'");
    expression(c);
    expect(c, T_RPAREN, "')' after the condition");
    uint32_t exit = emit_jump(c, OP_JUMP_IF_FALSE);
    emit_op_arg(c, OP_UNWIND, (uint32_t)scope_base);
    int sp_body = c->fn->sp;
    c->fn->sp = scope_base;
    emit_loop(c, top);
    patch_jump(c, exit);
    c->fn->sp = sp_body;
    emit_op_arg(c, OP_UNWIND, (uint32_t)scope_base);
    c->fn->sp = scope_base;
    /* drop the body's locals from the compiler's view */
    while (c->fn->nlocals > 0 && c->fn->locals[c->fn->nlocals - 1].scope == c->fn->scope) c->fn->nlocals--;
    c->fn->scope--;
    end_loop(c, &lp);
}

/* The loop keeps its state in two hidden locals under the variable (see
 * FOR_INIT in opcodes.h). FOR_INIT jumps to FOR_NEXT, which fetches the
 * first element; the end of the body is FOR_LOOP, whose step check resumes
 * at that FOR_NEXT when the slice runs out. */
static void for_expr(C *c, const char *label, uint32_t llen) {
    LoopCtx lp;
    push_loop(c, &lp, label, llen);
    expect(c, T_LPAREN, "'(' after 'for'");
    if (!is_name(c->cur.type)) { ERROR_CUR("expected the loop variable"); return; }
    advance(c);
    Token var = c->prev;
    if (accept(c, T_COLON)) skip_type(c);
    expect(c, T_IN, "'in' after the loop variable");
    expression(c);
    expect(c, T_RPAREN, "')' after the iterable");
    uint32_t init = emit_jump(c, OP_FOR_INIT);
    begin_scope(c);
    add_local(c, "(iter)", 6, c->fn->sp - 2, true);
    add_local(c, "(end)", 5, c->fn->sp - 1, true);
    TryCtx iter_ctx;
    memset(&iter_ctx, 0, sizeof iter_ctx);
    iter_ctx.iter_slot = c->fn->sp - 2;
    iter_ctx.outer = c->fn->tries;
    c->fn->tries = lp.iter_try = &iter_ctx;
    int var_slot = c->fn->sp;
    lp.continue_sp = var_slot;
    uint32_t body = proto_of(c)->code_len;
    adjust(c, 1); /* FOR_NEXT pushed the element */
    begin_scope(c);
    /* assignable, as upstream; the next element replaces it anyway */
    add_local(c, var.start, var.len, var_slot, false);
    branch_body(c);
    /* with no `continue` to land between them, the store of the body's
     * value and the back-edge are one instruction */
    bool fused = lp.continues.n == 0 && lp.result_slot == var_slot - 3;
    Proto *p = proto_of(c);
    if (fused && p->code_len == c->fn->close_at + 1 + ARG && p->code[c->fn->close_at] == OP_CLOSE_SCOPE) {
        /* the body block's CLOSE_SCOPE: the back-edge takes the value from
         * the top and closes upvalues from the loop variable up, so it
         * does that block's work too; a jump to its end lands on the
         * back-edge instead */
        code_truncate(c, c->fn->close_at);
    }
    if (!fused) store_loop_value(c, &lp);
    /* close the loop variable (each iteration has its own) */
    c->fn->nlocals--;
    c->fn->scope--;
    jl_patch(c, &lp.continues);
    uint32_t back_at = proto_of(c)->code_len;
    emit_op_arg(c, fused ? OP_FOR_LOOP_VAL : OP_FOR_LOOP, (uint32_t)var_slot);
    c->fn->sp = var_slot;
    patch_jump(c, init);
    emit_op(c, OP_FOR_NEXT);
    emit_arg(c, proto_of(c)->code_len + ARG - body);
    c->fn->tries = iter_ctx.outer;
    /* pop the loop state */
    c->fn->nlocals -= 2;
    c->fn->scope--;
    emit_op_arg(c, OP_UNWIND, (uint32_t)var_slot - 2);
    c->fn->sp = var_slot - 2;
    end_loop(c, &lp);
    if (fused) {
        c->fn->for_val_at = back_at;
        c->fn->for_end = proto_of(c)->code_len;
    }
}

static void compile_finally(C *c, TryCtx *t) {
    Lexer saved = c->lx;
    Token sp = c->prev, sc = c->cur;
    bool was = t->in_finally;
    t->in_finally = true;
    c->lx = t->fin_lx;
    c->cur = t->fin_tok;
    expect(c, T_LBRACE, "'{' after 'finally'");
    block_expr(c);
    emit_op(c, OP_POP);
    t->in_finally = was;
    c->lx = saved;
    c->prev = sp;
    if (!c->err) c->cur = sc;
}

/* Leaves try blocks between here and `stop` (exclusive): pops their
 * handlers and runs their finally blocks, innermost first. */
static void exit_tries(C *c, TryCtx *stop) {
    for (TryCtx *t = c->fn->tries; t && t != stop; t = t->outer) {
        if (t->iter_slot) {
            emit_op_arg(c, OP_ITER_CLOSE, (uint32_t)t->iter_slot);
            continue;
        }
        if (t->in_finally) continue;
        if (t->handler_active) emit_op(c, OP_END_TRY);
        if (t->has_finally) compile_finally(c, t);
    }
}

static bool can_start_value(C *c) {
    if (c->cur.nl_before) return false;
    switch (c->cur.type) {
    case T_RBRACE: case T_RPAREN: case T_RBRACKET: case T_SEMI: case T_EOF: case T_ELSE:
    case T_COMMA: case T_COLON:
        return false;
    default: return true;
    }
}

static LoopCtx *find_loop(C *c, Token *label) {
    LoopCtx *lp = c->fn->loop;
    if (label) {
        while (lp && !(lp->label && lp->label_len == label->len - 1 &&
                       memcmp(lp->label, label->start + 1, lp->label_len) == 0)) lp = lp->outer;
        if (!lp) ERROR("no loop labelled '%.*s'", (int)label->len - 1, label->start + 1);
    } else if (!lp) {
        ERROR("'%.*s' outside a loop", (int)c->prev.len, c->prev.start);
    }
    return lp;
}

static void break_expr(C *c, bool is_continue) {
    Token kw = c->prev;
    Token label;
    bool has_label = false;
    if (check(c, T_AT_LABEL) && !c->cur.nl_before) {
        advance(c);
        label = c->prev;
        has_label = true;
    }
    (void)kw;
    LoopCtx *lp = find_loop(c, has_label ? &label : NULL);
    if (!lp) return;
    int sp = c->fn->sp;
    if (!is_continue && can_start_value(c)) {
        expression(c);
        store_loop_value(c, lp);
    }
    /* continue keeps its own loop's iterator */
    exit_tries(c, is_continue && lp->iter_try ? lp->iter_try : lp->try_outside);
    if (is_continue) {
        emit_op_arg(c, OP_UNWIND, (uint32_t)lp->continue_sp);
        jl_add(&lp->continues, emit_jump(c, OP_JUMP));
    } else {
        emit_op_arg(c, OP_UNWIND, (uint32_t)lp->result_slot + 1);
        jl_add(&lp->breaks, emit_jump(c, OP_JUMP));
    }
    c->fn->sp = sp + 1; /* unreachable: pretend a value was produced */
}

static void return_expr(C *c) {
    int sp = c->fn->sp;
    if (check(c, T_AT_LABEL) && !c->cur.nl_before) advance(c); /* return@label: innermost */
    if (can_start_value(c)) expression(c);
    else emit_op(c, OP_VOID);
    exit_tries(c, NULL);
    emit_op(c, OP_RETURN);
    c->fn->sp = sp + 1;
}

/* Finds the block after `try { ... } catch ...` that is `finally { ... }`. */
COLD static bool scan_finally(C *c, Lexer *out_lx, Token *out_tok) {
    Lexer lx = c->lx;
    Token t = c->cur;
    for (;;) {
        /* skip an optional (...) then a balanced {...} */
        if (t.type == T_LPAREN) {
            int d = 1;
            while (d > 0) {
                t = lex_next(&lx);
                if (t.type == T_EOF || t.type == T_ERROR) return false;
                if (t.type == T_LPAREN) d++;
                if (t.type == T_RPAREN) d--;
            }
            t = lex_next(&lx);
        }
        if (t.type != T_LBRACE) return false;
        int d = 1;
        while (d > 0) {
            t = lex_next(&lx);
            if (t.type == T_EOF || t.type == T_ERROR) return false;
            if (t.type == T_LBRACE) d++;
            if (t.type == T_RBRACE) d--;
        }
        Lexer before = lx;
        t = lex_next(&lx);
        if (t.type == T_CATCH) {
            t = lex_next(&lx);
            continue;
        }
        if (t.type == T_FINALLY) {
            before = lx;
            *out_tok = lex_next(&lx);
            *out_lx = lx;
            return out_tok->type == T_LBRACE;
        }
        (void)before;
        return false;
    }
}

static void catch_clauses(C *c, TryCtx *t, JumpList *ends) {
    /* the exception is on top of the stack */
    int exc_slot = c->fn->sp - 1;
    while (check(c, T_CATCH) || (check(c, T_SEMI) && peek_type(c) == T_CATCH)) {
        accept(c, T_SEMI);
        advance(c);
        begin_scope(c);
        uint32_t next = 0;
        bool typed = false;
        if (accept(c, T_LPAREN)) {
            if (!is_name(c->cur.type)) { ERROR_CUR("expected the exception variable"); return; }
            advance(c);
            Token var = c->prev;
            add_local(c, var.start, var.len, exc_slot, true);
            if (accept(c, T_COLON)) {
                typed = true;
                JumpList hits = {0};
                do {
                    emit_op_arg(c, OP_GET_LOCAL, (uint32_t)exc_slot);
                    if (!is_name(c->cur.type)) {
                        ERROR_CUR("expected an exception class");
                        free(hits.at);
                        return;
                    }
                    advance(c);
                    Token cls = c->prev;
                    while (accept(c, T_DOT)) { expect(c, T_IDENT, "a name"); cls = c->prev; }
                    load_name(c, cls.start, cls.len);
                    emit_op(c, OP_IS);
                    jl_add(&hits, emit_jump(c, OP_JUMP_IF_TRUE));
                } while (accept(c, T_COMMA));
                next = emit_jump(c, OP_JUMP);
                jl_patch(c, &hits);
            }
            expect(c, T_RPAREN, "')' after the catch clause");
        } else {
            add_local(c, "it", 2, exc_slot, true);
        }
        expect(c, T_LBRACE, "'{' to start the catch block");
        block_expr(c); /* value above the exception */
        /* result replaces the exception slot */
        c->fn->nlocals--;
        c->fn->scope--;
        emit_op_arg(c, OP_CLOSE_SCOPE, (uint32_t)exc_slot);
        c->fn->sp = exc_slot + 1;
        if (t->handler_active) { emit_op(c, OP_END_TRY); }
        if (t->has_finally) compile_finally(c, t);
        jl_add(ends, emit_jump(c, OP_JUMP));
        c->fn->sp = exc_slot + 1;
        if (typed) patch_jump(c, next);
        else return; /* a catch-all ends the clauses */
    }
    /* no clause matched: run finally and rethrow */
    if (t->handler_active) emit_op(c, OP_END_TRY);
    if (t->has_finally) compile_finally(c, t);
    emit_op(c, OP_THROW);
    adjust(c, 1);
}

static void try_expr(C *c) {
    TryCtx t;
    memset(&t, 0, sizeof t);
    t.has_finally = scan_finally(c, &t.fin_lx, &t.fin_tok);
    t.outer = c->fn->tries;
    c->fn->tries = &t;
    int sp0 = c->fn->sp;
    uint32_t handler = emit_jump(c, OP_TRY);
    t.handler_active = true;
    expect(c, T_LBRACE, "'{' after 'try'");
    block_expr(c);
    emit_op(c, OP_END_TRY);
    t.handler_active = false;
    if (t.has_finally) compile_finally(c, &t);
    uint32_t end = emit_jump(c, OP_JUMP);
    JumpList ends = {0};
    patch_jump(c, handler);
    c->fn->sp = sp0 + 1; /* the exception */
    if (t.has_finally) {
        /* exceptions escaping a catch body must still run finally */
        uint32_t h2 = emit_jump(c, OP_TRY);
        t.handler_active = true;
        catch_clauses(c, &t, &ends);
        t.handler_active = false;
        patch_jump(c, h2);
        c->fn->sp = sp0 + 2; /* original exception, then the new one */
        /* an exception thrown by a catch body (or rethrown): finally, rethrow.
         * The exception sits above the original one. */
        compile_finally(c, &t);
        emit_op(c, OP_THROW);
    } else {
        catch_clauses(c, &t, &ends);
    }
    c->fn->tries = t.outer;
    if (!t.has_finally && !check(c, T_FINALLY)) { /* nothing */ }
    if (accept(c, T_FINALLY)) {
        /* already compiled inline on every path; skip its text */
        expect(c, T_LBRACE, "'{' after 'finally'");
        int d = 1;
        while (d > 0 && !check(c, T_EOF)) {
            if (check(c, T_LBRACE)) d++;
            if (check(c, T_RBRACE)) d--;
            advance(c);
        }
    }
    patch_jump(c, end);
    jl_patch(c, &ends);
    c->fn->sp = sp0 + 1;
}

/* --- prefix expressions --- */

static void list_literal(C *c) {
    int n = 0;
    bool spread = false;
    while (!check(c, T_RBRACKET) && !check(c, T_EOF)) {
        if (accept(c, T_ELLIPSIS)) {
            if (!spread) {
                emit_op_arg(c, OP_LIST, (uint32_t)n);
                adjust(c, 1 - n);
                spread = true;
            }
            expression(c);
            emit_op(c, OP_LIST_EXTEND);
        } else {
            expression(c);
            if (spread) emit_op(c, OP_LIST_APPEND);
            else n++;
        }
        if (!accept(c, T_COMMA)) break;
    }
    expect(c, T_RBRACKET, "']' to close the list");
    if (!spread) {
        emit_op_arg(c, OP_LIST, (uint32_t)n);
        adjust(c, 1 - n);
    }
}

/* `[a, b] = expr` (the '[' is consumed): assigns elements to variables.
 * Returns false, consuming nothing, when the brackets are a list literal. */
COLD static bool destructuring_assign(C *c) {
    Lexer lx = c->lx;
    Token t = c->cur;
    int n = 0;
    for (;;) {
        if (t.type != T_IDENT) return false;
        n++;
        t = lex_next(&lx);
        if (t.type == T_RBRACKET) break;
        if (t.type != T_COMMA) return false;
        t = lex_next(&lx);
    }
    t = lex_next(&lx);
    if (t.type != T_ASSIGN) return false;
    Token *names = malloc((size_t)n * sizeof *names);
    if (!names) abort();
    for (int i = 0; i < n; i++) {
        advance(c);
        names[i] = c->prev;
        if (i + 1 < n) advance(c); /* ',' */
    }
    advance(c); /* ']' */
    advance(c); /* '=' */
    expression(c);
    int src = c->fn->sp - 1;
    for (int i = 0; i < n; i++) {
        emit_op_arg(c, OP_GET_LOCAL, (uint32_t)src);
        emit_const(c, v_int(i));
        emit_op(c, OP_GET_INDEX);
        store_name(c, names[i].start, names[i].len);
        emit_op(c, OP_POP);
    }
    free(names);
    return true;
}

static void named_or_call(C *c, Token name, bool can_assign) {
    /* `f(...)` or `f { }` call; else a variable */
    const char *ext;
    uint32_t ext_len;
    if ((check(c, T_LPAREN) || check(c, T_LBRACE)) && !c->cur.nl_before && c->fn->ext_receiver &&
        !is_plain_name(c, name.start, name.len) && find_local_ext(c, name.start, name.len, &ext, &ext_len)) {
        /* in an extension, a bare call may mean a scoped extension of `this` */
        bool paren = accept(c, T_LPAREN);
        emit_op_arg(c, OP_GET_LOCAL, 0);
        local_ext_access(c, name, name_const(c, name.start, name.len), ext, ext_len, EXT_BARE_CALL, paren);
        return;
    }
    if (check(c, T_LBRACE) && !c->cur.nl_before) {
        load_name(c, name.start, name.len);
        call_args(c, false, -1);
        return;
    }
    if (check(c, T_LPAREN) && !c->cur.nl_before && !is_plain_name(c, name.start, name.len) &&
        is_member_name(c, name.start, name.len)) {
        /* a method of this class: invoked on `this` without a bound method */
        advance(c);
        member_receiver(c, name.start, name.len);
        call_args(c, true, name_const(c, name.start, name.len));
        return;
    }
    Place pl = {PL_NAME, name.start, name.len, 0, false, 0, 0};
    finish_place(c, &pl, can_assign);
}

/* `this@Base.name(args)`: Base's own method `name`, called on this (the
 * method an override replaced); `this@Base.name` reads the property as Base
 * has it. */
static void type_operand(C *c);

/* `(x as Base).name` or `.name(args)`, x on the stack already checked by
 * OP_AS: the member is looked up from Base on (__viewMember), as with
 * this@Base. The type operand is compiled a second time from its tokens. */
COLD static void cast_view(C *c) {
    advance(c); /* . */
    if (!accept(c, T_IDENT)) { ERROR_CUR("expected a member name after '.'"); return; }
    Token m = c->prev;
    emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__viewMember", 12));
    emit_op(c, OP_SWAP);
    Lexer lx = c->lx;
    Token cur = c->cur, prev = c->prev;
    c->lx = c->last_as.lx;
    c->cur = c->last_as.cur;
    c->prev = c->last_as.prev;
    type_operand(c);
    c->lx = lx;
    c->cur = cur;
    c->prev = prev;
    emit_const(c, v_obj(str_new(c->vm, m.start, m.len)));
    emit_op(c, OP_CALL);
    emit_arg(c, 3);
    adjust(c, -3);
    if (check(c, T_LPAREN) && !c->cur.nl_before) {
        advance(c);
        call_args(c, true, -1);
    }
}

COLD static void this_at_base(C *c) {
    advance(c);
    Token base = c->prev;
    base.start++;
    base.len--;
    expect(c, T_DOT, "'.' after this@Base");
    if (!accept(c, T_IDENT)) { ERROR_CUR("expected a member name after this@%.*s.", (int)base.len, base.start); return; }
    Token name = c->prev;
    if (!check(c, T_LPAREN) || c->cur.nl_before) {
        /* a property as Base has it */
        emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__viewMember", 12));
        emit_op_arg(c, OP_GET_LOCAL, 0);
        load_name(c, base.start, base.len);
        emit_const(c, v_obj(str_new(c->vm, name.start, name.len)));
        emit_op(c, OP_CALL);
        emit_arg(c, 3);
        adjust(c, -3);
        return;
    }
    advance(c);
    emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__callWith", 10));
    emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__baseMethod", 12));
    load_name(c, base.start, base.len);
    emit_op_arg(c, OP_GET_LOCAL, 0);
    emit_const(c, v_obj(str_new(c->vm, name.start, name.len)));
    emit_op(c, OP_CALL);
    emit_arg(c, 3);
    adjust(c, -3);
    emit_op_arg(c, OP_GET_LOCAL, 0);
    int n = 0;
    while (!check(c, T_RPAREN) && !check(c, T_EOF)) {
        expression(c);
        n++;
        if (!accept(c, T_COMMA)) break;
    }
    expect(c, T_RPAREN, "')' after arguments");
    emit_op(c, OP_CALL);
    emit_arg(c, (uint32_t)(n + 2));
    adjust(c, -(n + 2));
}

static void class_decl(C *c, bool *is_local, bool is_abstract, bool is_object, bool anon);

static void prefix(C *c, bool can_assign) {
    Token t = c->cur;
    advance(c);
    switch (t.type) {
    case T_INT: emit_const(c, v_int(t.ival)); break;
    case T_REAL: emit_const(c, v_real(t.rval)); break;
    case T_STRING: string_literal(c); break;
    case T_CHAR: char_literal(c); break;
    case T_TRUE: emit_op(c, OP_TRUE); break;
    case T_FALSE: emit_op(c, OP_FALSE); break;
    case T_NULL: emit_op(c, OP_NULL); break;
    case T_VOID: emit_op(c, OP_VOID); break;
    case T_THIS:
        if (check(c, T_AT_LABEL) && !c->cur.nl_before && c->cur.len == 7 && memcmp(c->cur.start, "@object", 7) == 0) {
            /* this@object: the anonymous object whose method this is */
            advance(c);
            emit_op_arg(c, OP_GET_LOCAL, 0);
        } else if (check(c, T_AT_LABEL) && !c->cur.nl_before) {
            this_at_base(c);
        } else {
            emit_op_arg(c, OP_GET_LOCAL, 0);
        }
        break;
    case T_IDENT:
        if (is_word(&t, "object") && (check(c, T_COLON) || check(c, T_LBRACE)) && !c->cur.nl_before) {
            bool dummy;
            class_decl(c, &dummy, false, true, true);
            break;
        }
        named_or_call(c, t, can_assign);
        break;
    case T_LPAREN:
        expression(c);
        expect(c, T_RPAREN, "')'");
        if (check(c, T_DOT) && c->last_as.fn == c->fn && c->last_as.end == c->fn->proto->code_len) cast_view(c);
        break;
    case T_LBRACKET:
        if (can_assign && destructuring_assign(c)) break;
        list_literal(c);
        break;
    case T_LBRACE:
        if (looks_like_map(c)) map_literal(c);
        else lambda(c);
        break;
    case T_DOTDOT:
    case T_DOTDOTLT:
        /* `..b`: a range open at the start */
        emit_op(c, OP_NULL);
        parse_prec(c, P_RANGE + 1);
        emit_op(c, OP_RANGE);
        emit_byte(c, t.type == T_DOTDOT ? 1 : 0);
        break;
    case T_MINUS: parse_prec(c, P_UNARY); emit_op(c, OP_NEG); break;
    case T_PLUS: parse_prec(c, P_UNARY); emit_op(c, OP_POS); break;
    case T_BANG: parse_prec(c, P_UNARY); emit_op(c, OP_NOT); break;
    case T_TILDE: parse_prec(c, P_UNARY); emit_op(c, OP_BNOT); break;
    case T_PLUSPLUS:
    case T_MINUSMINUS: {
        int d = t.type == T_PLUSPLUS ? 1 : -1;
        if (!accept(c, T_IDENT)) { ERROR_CUR("'%s' needs a variable", d > 0 ? "++" : "--"); return; }
        Token name = c->prev;
        Place pl = {PL_NAME, name.start, name.len, 0, false, 0, 0};
        /* obj.field / obj[i] after ++ */
        if (check(c, T_DOT) || check(c, T_LBRACKET)) {
            load_name(c, name.start, name.len);
            for (;;) {
                if (accept(c, T_DOT)) {
                    expect(c, T_IDENT, "a member name");
                    Token m = c->prev;
                    if (check(c, T_DOT) || check(c, T_LBRACKET)) { emit_op_arg(c, OP_GET_PROP, name_const(c, m.start, m.len)); continue; }
                    pl.kind = PL_PROP;
                    pl.name_k = name_const(c, m.start, m.len);
                    break;
                } else if (accept(c, T_LBRACKET)) {
                    expression(c);
                    expect(c, T_RBRACKET, "']'");
                    if (check(c, T_DOT) || check(c, T_LBRACKET)) { emit_op(c, OP_GET_INDEX); continue; }
                    pl.kind = PL_INDEX;
                    break;
                } else break;
            }
        }
        incdec(c, &pl, d, true);
        break;
    }
    case T_IF: if_expr(c); break;
    case T_WHEN: when_expr(c); break;
    case T_WHILE: while_expr(c, NULL, 0); break;
    case T_DO: do_while_expr(c, NULL, 0); break;
    case T_FOR: for_expr(c, NULL, 0); break;
    case T_LABEL: {
        const char *label = t.start;
        uint32_t llen = t.len;
        if (accept(c, T_WHILE)) while_expr(c, label, llen);
        else if (accept(c, T_FOR)) for_expr(c, label, llen);
        else if (accept(c, T_DO)) do_while_expr(c, label, llen);
        else ERROR_CUR("a label must precede a loop");
        break;
    }
    case T_TRY: try_expr(c); break;
    case T_BREAK: break_expr(c, false); break;
    case T_CONTINUE: break_expr(c, true); break;
    case T_RETURN: return_expr(c); break;
    case T_THROW: {
        int sp = c->fn->sp;
        expression(c);
        emit_op(c, OP_THROW);
        c->fn->sp = sp + 1;
        break;
    }
    case T_FUN: {
        const char *name = "lambda";
        uint32_t len = 6;
        bool named = accept(c, T_IDENT);
        if (named) { name = c->prev.start; len = c->prev.len; }
        function(c, name, len);
        if (named && at_global_scope(c)) {
            emit_op(c, OP_DUP);
            emit_op(c, OP_DEF_GLOBAL);
            emit_arg(c, vm_global_slot(c->vm, name, len));
            emit_byte(c, 1);
        }
        break;
    }
    default:
        if (t.type == T_EOF) error_at(c, &t, "expected an expression but the input ended");
        else error_at(c, &t, "expected an expression but found '%.*s'", (int)t.len, t.start);
        emit_op(c, OP_NULL);
        break;
    }
}

/* --- infix expressions --- */

static void type_operand(C *c) {
    /* `is T`, `as T`: the type is a name (possibly dotted), evaluated */
    if (!accept(c, T_IDENT)) {
        if (accept(c, T_NULL)) { load_name(c, "Null", 4); return; }
        ERROR_CUR("expected a type name");
        emit_op(c, OP_NULL);
        return;
    }
    Token n = c->prev;
    load_name(c, n.start, n.len);
    while (check(c, T_DOT) && peek_type(c) == T_IDENT) {
        advance(c);
        advance(c);
        emit_op_arg(c, OP_GET_PROP, name_const(c, c->prev.start, c->prev.len));
    }
    if (check(c, T_LT) && !c->cur.nl_before) {
        int d = 0;
        do {
            if (check(c, T_LT)) d++;
            else if (check(c, T_GT)) d--;
            else if (check(c, T_EOF)) break;
            advance(c);
        } while (d > 0);
    }
    if (check(c, T_QUESTION) && !c->cur.nl_before) {
        /* `T?` in a type position; a following expression would make it a ternary */
        Token nx = peek2(c);
        if (nx.type == T_RPAREN || nx.type == T_EOF || nx.nl_before || nx.type == T_RBRACE || nx.type == T_ARROW || nx.type == T_COMMA)
            advance(c);
    }
}

/* Emits a binary operator whose right operand starts at rhs_at. When that
 * operand is a single Int constant, ADD, SUB, MUL, MOD and the ordering
 * comparisons take it as an operand instead (ADD_K, LT_K...); a comparison
 * with a literal null is one instruction (EQ_NULL, NE_NULL). */
static void emit_binary(C *c, OpCode op, uint32_t lhs_at, uint32_t rhs_at) {
    Proto *p = proto_of(c);
    if ((op == OP_EQ || op == OP_NE) && p->code_len == rhs_at + 1 && p->code[rhs_at] == OP_NULL) {
        /* `x == null`, `x != null` */
        code_truncate(c, rhs_at);
        adjust(c, -1);
        emit_op(c, op == OP_EQ ? OP_EQ_NULL : OP_NE_NULL);
        return;
    }
    if (p->code_len == rhs_at + 1 + ARG && p->code[rhs_at] == OP_CONST) {
        uint32_t k = read_arg(p->code + rhs_at + 1);
        OpCode kop = op == OP_ADD ? OP_ADD_K : op == OP_SUB ? OP_SUB_K : op == OP_MUL ? OP_MUL_K : op == OP_MOD ? OP_MOD_K
                   : op == OP_LT ? OP_LT_K : op == OP_LE ? OP_LE_K
                   : op == OP_GT ? OP_GT_K : op == OP_GE ? OP_GE_K : op;
        if (kop != op && IS_INT(p->consts[k])) {
            OpCode lop = kop == OP_ADD_K ? OP_LOCAL_ADD_K : kop == OP_SUB_K ? OP_LOCAL_SUB_K : kop == OP_LT_K ? OP_LOCAL_LT_K : kop;
            if (lop != kop && rhs_at == lhs_at + 1 + ARG && p->code[lhs_at] == OP_GET_LOCAL)
                /* the left side is one local: its GET_LOCAL becomes
                 * LOCAL_SUB_K and the like, the K instruction follows */
                p->code[lhs_at] = (uint8_t)lop;
            code_truncate(c, rhs_at);
            adjust(c, -1);
            emit_op_arg(c, kop, k);
            return;
        }
    }
    emit_op(c, op);
}

static void infix(C *c, bool can_assign, uint32_t lhs_at) {
    Token op = c->cur;
    Prec p = infix_prec(op.type);
    advance(c);
    uint32_t rhs_at = proto_of(c)->code_len;
    switch (op.type) {
    case T_PLUS: parse_prec(c, P_TERM + 1); emit_binary(c, OP_ADD, lhs_at, rhs_at); break;
    case T_MINUS: parse_prec(c, P_TERM + 1); emit_binary(c, OP_SUB, lhs_at, rhs_at); break;
    case T_STAR: parse_prec(c, P_FACTOR + 1); emit_binary(c, OP_MUL, lhs_at, rhs_at); break;
    case T_SLASH: parse_prec(c, P_FACTOR + 1); emit_op(c, OP_DIV); break;
    case T_PERCENT: parse_prec(c, P_FACTOR + 1); emit_binary(c, OP_MOD, lhs_at, rhs_at); break;
    case T_SHL: parse_prec(c, P_SHIFT + 1); emit_op(c, OP_SHL); break;
    case T_SHR: parse_prec(c, P_SHIFT + 1); emit_op(c, OP_SHR); break;
    case T_AMP: parse_prec(c, P_BAND + 1); emit_op(c, OP_BAND); break;
    case T_PIPE: parse_prec(c, P_BOR + 1); emit_op(c, OP_BOR); break;
    case T_CARET: parse_prec(c, P_BXOR + 1); emit_op(c, OP_BXOR); break;
    case T_EQ: parse_prec(c, P_EQUALITY + 1); emit_binary(c, OP_EQ, lhs_at, rhs_at); break;
    case T_NE: parse_prec(c, P_EQUALITY + 1); emit_binary(c, OP_NE, lhs_at, rhs_at); break;
    case T_ID: parse_prec(c, P_EQUALITY + 1); emit_op(c, OP_ID); break;
    case T_NID: parse_prec(c, P_EQUALITY + 1); emit_op(c, OP_NID); break;
    case T_LT: parse_prec(c, P_COMPARE + 1); emit_binary(c, OP_LT, lhs_at, rhs_at); break;
    case T_LE: parse_prec(c, P_COMPARE + 1); emit_binary(c, OP_LE, lhs_at, rhs_at); break;
    case T_GT: parse_prec(c, P_COMPARE + 1); emit_binary(c, OP_GT, lhs_at, rhs_at); break;
    case T_GE: parse_prec(c, P_COMPARE + 1); emit_binary(c, OP_GE, lhs_at, rhs_at); break;
    case T_CMP: parse_prec(c, P_ENTRY + 1); emit_op(c, OP_CMP); break;
    case T_MATCH: parse_prec(c, P_COMPARE + 1); emit_op(c, OP_MATCH); break;
    case T_NOT_MATCH: parse_prec(c, P_COMPARE + 1); emit_op(c, OP_MATCH); emit_op(c, OP_NOT); break;
    case T_IN: parse_prec(c, P_COMPARE + 1); emit_op(c, OP_IN); break;
    case T_NOT_IN: parse_prec(c, P_COMPARE + 1); emit_op(c, OP_IN); emit_op(c, OP_NOT); break;
    case T_IS: type_operand(c); emit_op(c, OP_IS); break;
    case T_NOT_IS: type_operand(c); emit_op(c, OP_IS); emit_op(c, OP_NOT); break;
    case T_AS:
        c->last_as.lx = c->lx;
        c->last_as.cur = c->cur;
        c->last_as.prev = c->prev;
        type_operand(c);
        emit_op(c, OP_AS);
        emit_byte(c, 0);
        c->last_as.fn = c->fn;
        c->last_as.end = c->fn->proto->code_len;
        break;
    case T_AS_SAFE: type_operand(c); emit_op(c, OP_AS); emit_byte(c, 1); break;
    case T_DOTDOT:
    case T_DOTDOTLT:
        if (can_start_value(c) && c->cur.type != T_RPAREN && c->cur.type != T_RBRACKET) parse_prec(c, P_RANGE + 1);
        else emit_op(c, OP_NULL);
        emit_op(c, OP_RANGE);
        emit_byte(c, op.type == T_DOTDOT ? 1 : 0);
        break;
    case T_FATARROW: parse_prec(c, P_ENTRY + 1); emit_op(c, OP_ENTRY); break;
    case T_AND: {
        uint32_t j = emit_jump(c, OP_AND);
        parse_prec(c, P_AND + 1);
        patch_jump(c, j);
        break;
    }
    case T_OR: {
        uint32_t j = emit_jump(c, OP_OR);
        parse_prec(c, P_OR + 1);
        patch_jump(c, j);
        break;
    }
    case T_ELVIS: {
        uint32_t j = emit_jump(c, OP_ELVIS);
        parse_prec(c, P_ELVIS); /* right associative */
        patch_jump(c, j);
        break;
    }
    case T_QUESTION: {
        uint32_t jf = emit_jump(c, OP_JUMP_IF_FALSE);
        parse_prec(c, P_TERNARY);
        uint32_t je = emit_jump(c, OP_JUMP);
        adjust(c, -1);
        patch_jump(c, jf);
        expect(c, T_COLON, "':' in the conditional expression");
        parse_prec(c, P_TERNARY);
        patch_jump(c, je);
        break;
    }
    case T_BANGBANG: emit_op(c, OP_NOT_NULL); break;
    case T_COLONCOLON:
        if (!accept(c, T_CLASS))
            ERROR("expected 'class' after '::'");
        emit_op(c, OP_CLASS_OF);
        break;
    case T_DOT:
    case T_SAFE_DOT: {
        uint32_t jn = 0;
        if (op.type == T_SAFE_DOT) jn = emit_jump(c, OP_JUMP_IF_NULL);
        if (!accept(c, T_IDENT)) {
            ERROR_CUR("expected a member name after '.'");
            break;
        }
        Token m = c->prev;
        uint32_t k = name_const(c, m.start, m.len);
        const char *ext;
        uint32_t ext_len;
        bool call = (check(c, T_LPAREN) || check(c, T_LBRACE)) && !c->cur.nl_before;
        bool store = is_assign_op(c->cur.type) || check(c, T_PLUSPLUS) || check(c, T_MINUSMINUS);
        if (!store && find_local_ext(c, m.start, m.len, &ext, &ext_len)) {
            bool paren = call && accept(c, T_LPAREN);
            local_ext_access(c, m, k, ext, ext_len, call ? EXT_CALL : EXT_READ, paren);
        } else if ((check(c, T_LPAREN) && !c->cur.nl_before)) {
            advance(c);
            call_args(c, true, k);
        } else if (check(c, T_LBRACE) && !c->cur.nl_before) {
            call_args(c, false, k);
        } else {
            /* idx_known: the object's code starts at lhs_at (emit_get_prop) */
            Place pl = {PL_PROP, m.start, m.len, k, op.type == T_DOT, lhs_at, 0};
            finish_place(c, &pl, can_assign);
        }
        if (op.type == T_SAFE_DOT) patch_jump(c, jn);
        break;
    }
    case T_LPAREN: call_args(c, true, -1); break;
    case T_SAFE_LPAREN: {
        uint32_t jn = emit_jump(c, OP_JUMP_IF_NULL);
        call_args(c, true, -1);
        patch_jump(c, jn);
        break;
    }
    case T_LBRACKET:
    case T_SAFE_LBRACKET: {
        uint32_t jn = 0;
        if (op.type == T_SAFE_LBRACKET) jn = emit_jump(c, OP_JUMP_IF_NULL);
        uint32_t idx_at = proto_of(c)->code_len;
        expression(c);
        expect(c, T_RBRACKET, "']' after the index");
        Place pl = {PL_INDEX, NULL, 0, 0, true, lhs_at, idx_at};
        finish_place(c, &pl, can_assign);
        if (op.type == T_SAFE_LBRACKET) patch_jump(c, jn);
        break;
    }
    default:
        (void)p;
        ERROR("unexpected operator");
        break;
    }
}

/* The parser recurses on the C stack. Brackets nest at most
 * LYNG_MAX_NESTING deep (lexer.c), which fits in LYNG_PARSER_STACK; this
 * check stops what nests without brackets (string interpolation inside
 * interpolation, chains of prefix operators) with an error, not a crash.
 * The stack grows down on every target. */
static bool stack_exhausted(C *c) {
    return c->stack_base - (uintptr_t)__builtin_frame_address(0) > LYNG_PARSER_STACK;
}

/* `(x = 11) = 5`, `f() = 1`: the left side's value is an rvalue. As in
 * upstream Lyng this is no syntax error: both sides run, then the
 * assignment throws IllegalAssignmentException (so `assertThrows` can
 * catch it). The operator is the current token. */
static void assign_to_rvalue(C *c) {
    advance(c);
    expression(c);
    emit_op(c, OP_POP);
    emit_op(c, OP_POP);
    emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "IllegalAssignmentException", 26));
    emit_const(c, v_obj(str_cstr(c->vm, "cannot assign to this expression")));
    emit_call(c, 1);
    emit_op(c, OP_THROW);
    emit_op(c, OP_NULL); /* never reached; the expression's one value */
}

PARSER_ENTRY void parse_prec(C *c, Prec prec) {
    if (++c->depth > LYNG_MAX_PARSE_DEPTH || stack_exhausted(c)) {
        ERROR_CUR("expression nested too deeply");
        c->depth--;
        return;
    }
    bool can_assign = prec <= P_ASSIGN;
    uint32_t lhs_at = proto_of(c)->code_len;
    prefix(c, can_assign);
    for (;;) {
        if (c->err) break;
        Prec p = infix_prec(c->cur.type);
        if (p == P_NONE || p < prec) break;
        if (c->cur.nl_before && !continues_line(c->cur.type)) break;
        /* a '(' or '[' on a new line starts a new statement */
        if (p == P_POSTFIX && c->cur.nl_before && c->cur.type != T_DOT && c->cur.type != T_SAFE_DOT) break;
        infix(c, can_assign, lhs_at);
    }
    if (can_assign && is_assign_op(c->cur.type) && !c->err) assign_to_rvalue(c);
    c->depth--;
}

static void expression(C *c) { parse_prec(c, P_ASSIGN); }

/* A `{ ... }` block: the '{' is consumed; leaves its value. */
static void block_expr(C *c) {
    begin_scope(c);
    bool last_local = false, any = false;
    while (!check(c, T_RBRACE) && !check(c, T_EOF)) {
        if (accept(c, T_SEMI)) continue;
        if (any && !last_local) emit_op(c, OP_POP);
        statement(c, &last_local);
        any = true;
        if (!check(c, T_RBRACE) && !check(c, T_SEMI) && !check(c, T_EOF) && !c->cur.nl_before)
            ERROR_CUR("expected a new line or ';' before '%.*s'", (int)c->cur.len, c->cur.start);
    }
    expect(c, T_RBRACE, "'}' to close the block");
    if (!any) emit_op(c, OP_VOID);
    else if (last_local) emit_op_arg(c, OP_GET_LOCAL, (uint32_t)c->fn->sp - 1);
    end_scope(c);
}

/* --- statements --- */

static void declare_value(C *c, Token name, bool is_val, bool *is_local) {
    /* the initial value is on top of the stack */
    if (at_global_scope(c)) {
        emit_op(c, OP_DUP);
        emit_op(c, OP_DEF_GLOBAL);
        emit_arg(c, vm_global_slot(c->vm, name.start, name.len));
        emit_byte(c, is_val ? 1 : 0);
        *is_local = false;
    } else {
        int prev = resolve_local(c->fn, name.start, name.len);
        if (prev >= 0 && c->fn->locals[prev].scope == c->fn->scope)
            error_at(c, &name, "'%.*s' is already declared in this scope", (int)name.len, name.start);
        add_local(c, name.start, name.len, c->fn->sp - 1, is_val);
        *is_local = true;
    }
}

static void class_accessor(C *c, ClassCtx *cx, Token *name);

/* The innermost local extension named `name` in scope (its local is named
 * "Type.name"), in this function or an enclosing one. */
static bool find_local_ext(C *c, const char *name, uint32_t len, const char **full, uint32_t *full_len) {
    if (!c->nlocal_ext) return false;
    for (Fn *f = c->fn; f; f = f->enclosing)
        for (int i = f->nlocals - 1; i >= 0; i--) {
            Local *l = &f->locals[i];
            if (l->len > len + 1 && l->name[l->len - len - 1] == '.' && memcmp(l->name + l->len - len, name, len) == 0 &&
                memchr(l->name, '.', l->len - len - 1) == NULL) {
                *full = l->name;
                *full_len = l->len;
                return true;
            }
        }
    return false;
}

/* `recv.name(args)` or `recv.name` where a local extension `name` is in
 * scope: __extPick chooses between it and the receiver's own member. The
 * receiver is on the stack (`this` for a bare call in an extension). */
static void local_ext_access(C *c, Token m, uint32_t k, const char *full, uint32_t full_len, int mode, bool paren) {
    int r = c->fn->sp - 1;
    emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__extPick", 9));
    load_name(c, full, full_len);
    emit_op_arg(c, OP_GET_LOCAL, (uint32_t)r);
    emit_op_arg(c, OP_CONST, k);
    emit_const(c, v_int(mode));
    emit_call(c, 4);
    if (mode != EXT_READ) {
        call_args(c, paren, -1); /* recv picked args -> recv result */
    } else {
        /* null: no extension applies, read the property as usual */
        uint32_t applies = emit_jump(c, OP_ELVIS);
        emit_op_arg(c, OP_GET_PROP, k);
        uint32_t end = emit_jump(c, OP_JUMP);
        patch_jump(c, applies);
        c->fn->sp = r + 2;
        emit_call(c, 0);
        patch_jump(c, end);
    }
    emit_op_arg(c, OP_CLOSE_SCOPE, (uint32_t)r);
    c->fn->sp = r + 1;
    (void)m;
}

/* `fun Type.name(...)` and `val Type.name get() = ...`. At the top level
 * the extension is added to the class when the declaration runs (a member
 * of the same name wins); inside a function or block it is a local that
 * only the code of that scope sees (local_ext_access). */
COLD static void extension_decl(C *c, Token type, bool is_property, bool *is_local) {
    advance(c); /* '.' */
    if (!accept(c, T_IDENT)) { ERROR_CUR("expected the extension's name after '.'"); return; }
    Token name = c->prev;
    bool scoped = !at_global_scope(c);
    String *full = NULL;
    const char *outer = NULL;
    uint32_t outer_len = 0;
    if (scoped) {
        char buf[300];
        int n = snprintf(buf, sizeof buf, "%.*s.%.*s", (int)type.len, type.start, (int)name.len, name.start);
        if (n >= (int)sizeof buf) { error_at(c, &name, "extension name too long"); return; }
        full = str_intern(c->vm, buf, (size_t)n);
        list_push(c->vm, c->vm->roots, v_obj(full));
        find_local_ext(c, name.start, name.len, &outer, &outer_len);
        int slot = c->fn->sp;
        emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__extLocal", 10));
        if (outer) load_name(c, outer, outer_len);
        else emit_op(c, OP_NULL);
        /* declared before its body (the call leaves the descriptor in this
         * slot), so the extension can call itself */
        add_local(c, full->data, full->len, slot, true);
        c->nlocal_ext++;
    } else {
        emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__extend", 8));
    }
    load_name(c, type.start, type.len);
    emit_const(c, v_obj(str_new(c->vm, name.start, name.len)));
    if (is_property) {
        if (accept(c, T_COLON)) skip_type(c);
        c->next_ext = true;
        if (check(c, T_ASSIGN)) {
            /* `val T.name = expr`: computed from `this` on every read */
            Fn fn;
            fn_begin(c, &fn, name.start, name.len);
            fn.proto->param_names = vm_realloc(c->vm, NULL, 0, sizeof(String *));
            function_body(c, &fn, false);
            Proto *p = fn_end(c);
            emit_closure(c, p, &fn);
        } else if (is_word(&c->cur, "get") && (peek_type(c) == T_LPAREN || peek_type(c) == T_ASSIGN)) {
            class_accessor(c, NULL, &name);
        } else {
            c->next_ext = false;
            ERROR_CUR("an extension property needs a value or a getter: = expr, get() = ...");
            return;
        }
    } else {
        c->next_ext = true;
        function(c, name.start, name.len);
    }
    emit_op(c, is_property ? OP_TRUE : OP_FALSE);
    if (!scoped) {
        emit_call(c, 4);
        if (is_property && is_word(&c->cur, "set") && (peek_type(c) == T_LPAREN || peek_type(c) == T_ASSIGN)) {
            /* `var T.name get() = ... set(v) = ...`: the setter too */
            emit_op(c, OP_POP);
            emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__setter", 8));
            load_name(c, type.start, type.len);
            emit_const(c, v_obj(str_new(c->vm, name.start, name.len)));
            c->next_ext = true;
            class_accessor(c, NULL, &name);
            emit_call(c, 3);
        }
        return;
    }
    emit_call(c, 5);
    *is_local = true;
}

/* A destructuring pattern: names (`rest...` takes a slice) and nested
 * patterns, children of a nested one stored contiguously. */
typedef struct PatItem {
    Token name;
    bool rest;
    int first, n; /* a nested pattern's children; n < 0 for a name */
} PatItem;
typedef struct Pattern {
    PatItem *items;
    int count, cap;
} Pattern;

static PatItem *grow_items(PatItem *items, int *cap, int need) {
    if (need <= *cap) return items;
    while (*cap < need) *cap = *cap ? *cap * 2 : 8;
    items = realloc(items, (size_t)*cap * sizeof *items);
    if (!items) abort();
    return items;
}

/* Parses the pattern after its '['. As many names as memory holds; the
 * nesting is that of the brackets (LYNG_MAX_NESTING, checked by the lexer). */
COLD static void parse_pattern(C *c, Pattern *p, int *first, int *n) {
    PatItem *level = NULL; /* this level's items, copied into p at its end */
    int k = 0, cap = 0;
    *first = 0;
    *n = 0;
    while (!check(c, T_RBRACKET) && !check(c, T_EOF) && !c->err) {
        level = grow_items(level, &cap, k + 1);
        memset(&level[k], 0, sizeof level[k]);
        if (accept(c, T_LBRACKET)) {
            parse_pattern(c, p, &level[k].first, &level[k].n);
        } else {
            expect(c, T_IDENT, "a name in the destructuring list");
            level[k].name = c->prev;
            level[k].n = -1;
            level[k].rest = accept(c, T_ELLIPSIS);
        }
        k++;
        if (!accept(c, T_COMMA)) break;
    }
    expect(c, T_RBRACKET, "']'");
    int rests = 0;
    for (int i = 0; i < k; i++) rests += level[i].rest;
    if (rests > 1) ERROR("only one rest name is allowed in a destructuring list");
    p->items = grow_items(p->items, &p->cap, p->count + k);
    *first = p->count;
    *n = k;
    if (k) memcpy(&p->items[p->count], level, sizeof(PatItem) * (size_t)k);
    p->count += k;
    free(level);
}

/* Declares the pattern's names from the list in stack slot `src`. A nested
 * pattern's list is a hidden local (or a popped temporary at global scope). */
COLD static void emit_pattern(C *c, Pattern *p, int first, int n, int src, bool is_val, bool global) {
    int after_rest = 0, rest_at = -1;
    for (int i = 0; i < n; i++)
        if (p->items[first + i].rest) { after_rest = n - 1 - i; rest_at = i; }
    for (int i = 0; i < n && !c->err; i++) {
        PatItem *it = &p->items[first + i];
        emit_op_arg(c, OP_GET_LOCAL, (uint32_t)src);
        if (it->rest) {
            emit_const(c, v_int(i));
            emit_const(c, v_int(-after_rest - 1));
            emit_op(c, OP_RANGE);
            emit_byte(c, 1);
        } else {
            emit_const(c, v_int(rest_at >= 0 && i > rest_at ? i - n : i));
        }
        emit_op(c, OP_GET_INDEX);
        if (it->n >= 0) {
            int sub = c->fn->sp - 1;
            if (!global) add_local(c, "(destructure)", 13, sub, true);
            emit_pattern(c, p, it->first, it->n, sub, is_val, global);
            if (global) emit_op(c, OP_POP);
        } else {
            bool loc;
            declare_value(c, it->name, is_val, &loc);
            if (global) emit_op(c, OP_POP);
        }
    }
}

/* `val x by d` / `var x by d` outside a class: the variable holds the
 * delegate, and the compiler turns reads and writes of the name into
 * getValue/setValue calls (load_name, store_name). */
/* The delegate after `by`, as its bind(name, access, thisRef) returns it
 * (__bindDelegate): access is "Val", "Var" or "Callable" (DelegateAccess);
 * thisRef is `this` in a class body, null elsewhere. */
static void bound_delegate(C *c, Token *name, const char *access, bool in_class) {
    emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__bindDelegate", 14));
    expression(c);
    emit_const(c, v_obj(str_new(c->vm, name->start, name->len)));
    emit_const(c, v_obj(str_cstr(c->vm, access)));
    if (in_class) emit_op_arg(c, OP_GET_LOCAL, 0);
    else emit_op(c, OP_NULL);
    emit_call(c, 4);
}

/* `fun f by d`: leaves the function __delegateFun makes of the bound d. */
static void delegated_fun(C *c, Token *name, bool in_class) {
    if (!can_start_value(c)) { ERROR_CUR("expected the delegate after 'by'"); return; }
    emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__delegateFun", 13));
    bound_delegate(c, name, "Callable", in_class);
    emit_const(c, v_obj(str_new(c->vm, name->start, name->len)));
    if (in_class) emit_op_arg(c, OP_GET_LOCAL, 0);
    else emit_op(c, OP_NULL);
    emit_call(c, 3);
}

static void delegated_decl(C *c, Token name, bool is_val, bool *is_local) {
    if (!can_start_value(c)) { ERROR_CUR("expected the delegate after 'by'"); return; }
    bound_delegate(c, &name, is_val ? "Val" : "Var", false);
    if (at_global_scope(c)) {
        if (!is_delegated_global(c, name.start, name.len)) name_table_put(&c->delegated, name.start, name.len, is_val, 0);
        map_put(c->vm, delegated_globals(c, true), v_obj(str_intern(c->vm, name.start, name.len)), v_bool(is_val));
        /* the global itself is assigned once: the delegate */
        declare_value(c, name, true, is_local);
    } else {
        declare_value(c, name, is_val, is_local);
        c->fn->locals[c->fn->nlocals - 1].delegated = true;
    }
}

COLD static void var_decl(C *c, bool is_val, bool *is_local) {
    if (check(c, T_IDENT) && peek_type(c) == T_DOT) {
        Token type = c->cur;
        advance(c);
        extension_decl(c, type, true, is_local);
        return;
    }
    if (accept(c, T_LBRACKET)) {
        /* destructuring: val [a, [b, c], rest...] = expr */
        Pattern pat = {0};
        int first, n;
        parse_pattern(c, &pat, &first, &n);
        expect(c, T_ASSIGN, "'=' after the destructuring list");
        expression(c);
        int src = c->fn->sp - 1;
        bool global = at_global_scope(c);
        if (!global) {
            begin_scope(c); /* hide the source from lookups but keep its slot */
            c->fn->scope--;
        }
        int before = c->fn->nlocals;
        emit_pattern(c, &pat, first, n, src, is_val, global);
        free(pat.items);
        n = c->fn->nlocals - before;
        if (global) {
            *is_local = false; /* the source stays as the statement value */
        } else {
            /* the source is an anonymous local below the names */
            add_local(c, "(destructure)", 13, src, true);
            Local tmp = c->fn->locals[c->fn->nlocals - 1];
            /* move it before the named locals so lookups by name are unaffected */
            memmove(&c->fn->locals[c->fn->nlocals - n], &c->fn->locals[c->fn->nlocals - n - 1], sizeof(Local) * (size_t)n);
            c->fn->locals[c->fn->nlocals - n - 1] = tmp;
            *is_local = true;
        }
        return;
    }
    if (!is_name(c->cur.type)) {
        ERROR_CUR("expected a name after '%s'", is_val ? "val" : "var");
        return;
    }
    advance(c);
    Token name = c->prev;
    if (accept(c, T_COLON)) skip_type(c);
    if (is_word(&c->cur, "by")) {
        advance(c);
        delegated_decl(c, name, is_val, is_local);
        return;
    }
    if (accept(c, T_ASSIGN)) {
        expression(c);
    } else if (is_val) {
        error_at(c, &name, "'val %.*s' needs an initial value (= value, or by a delegate such as lazy { })",
                 (int)name.len, name.start);
        return;
    } else {
        emit_op(c, OP_UNSET);
    }
    declare_value(c, name, is_val, is_local);
}

/* ---- classes ----
 *
 * `class Name(params) : Base(args) { members }` compiles to code run where the
 * class is declared: the class object is made and named first (so methods can
 * refer to it), each method and accessor is compiled as a function of the
 * declaring scope and attached to the class, and everything that runs per
 * instance (base constructor call, `val`/`var` parameters, field
 * initializers, `init` blocks, in source order) goes into one body function
 * that is called with `this` = the new instance. */


static void class_add_member(C *c, ClassCtx *cx, const char *s, uint32_t len, bool is_static) {
    (void)c;
    int32_t at;
    uint32_t stamp;
    if (name_table_get(&cx->member_index, s, len, &at, &stamp)) return;
    name_table_put(&cx->member_index, s, len, cx->nmembers, 0);
    if (cx->nmembers == cx->member_cap) {
        cx->member_cap = cx->member_cap ? cx->member_cap * 2 : 16;
        cx->members = realloc(cx->members, (size_t)cx->member_cap * sizeof *cx->members);
        if (!cx->members) abort();
    }
    cx->members[cx->nmembers++] = (struct ClassMember){s, len, is_static};
}

/* Collects the names declared with val/var/fun directly in the class body
 * (c->cur is the token after '{'), so methods can use members declared later. */
COLD static void class_scan_members(C *c, ClassCtx *cx) {
    Lexer lx = c->lx;
    Token t = c->cur;
    TokenType prev = T_LBRACE;
    bool is_static = false; /* `static` seen since the last declaration keyword */
    int depth = 1;
    while (t.type != T_EOF && t.type != T_ERROR) {
        if (t.type == T_LBRACE || t.type == T_LPAREN || t.type == T_LBRACKET) depth++;
        else if (t.type == T_RBRACE || t.type == T_RPAREN || t.type == T_RBRACKET) {
            if (--depth == 0) break;
        } else if (depth == 1 && t.type == T_IDENT && (prev == T_VAL || prev == T_VAR || prev == T_FUN)) {
            Lexer la = lx;
            if (lex_next(&la).type != T_DOT) class_add_member(c, cx, t.start, t.len, is_static);
            is_static = false;
        } else if (depth == 1 && is_word(&t, "static")) {
            is_static = true;
        }
        prev = t.type;
        t = lex_next(&lx);
    }
}


/* Emits `helper(<the class>, args already described by the caller...)` in the
 * declaring function: pushes the helper and the class. */
static void class_helper(C *c, const char *helper, Token *cls_name) {
    emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, helper, strlen(helper)));
    /* an anonymous object's class has no name: it stays in a stack slot */
    if (c->fn->is_statics) emit_op_arg(c, OP_GET_LOCAL, 0);
    else if (cls_name->ival > 0) emit_op_arg(c, OP_GET_LOCAL, (uint32_t)(cls_name->ival - 1));
    else load_name(c, cls_name->start, cls_name->len);
}

static void emit_call(C *c, int argc) {
    emit_op(c, OP_CALL);
    emit_arg(c, (uint32_t)argc);
    adjust(c, -argc);
}

/* `get() body` or `set(v) body`: leaves the accessor function on the stack. */
static void class_accessor(C *c, ClassCtx *cx, Token *name) {
    Fn fn;
    c->next_cls = cx;
    fn_begin(c, &fn, name->start, name->len);
    advance(c); /* get / set */
    if (check(c, T_ASSIGN)) {
        /* `get = expr`: no parentheses */
        fn.proto->param_names = vm_realloc(c->vm, NULL, 0, sizeof(String *));
    } else {
        expect(c, T_LPAREN, "'(' after get or set");
        param_list(c, &fn, T_RPAREN);
        if (accept(c, T_COLON)) skip_type(c);
    }
    function_body(c, &fn, false);
    Proto *p = fn_end(c);
    emit_closure(c, p, &fn);
}

typedef struct Modifiers {
    bool is_static, is_abstract, is_private, is_protected, is_transient;
} Modifiers;

static void class_modifiers(C *c, Modifiers *m) {
    static const char *words[] = {"open", "override", "abstract", "private", "protected", "public", "static", "final", "operator", "closed", "extern"};
    memset(m, 0, sizeof *m);
    for (;;) {
        bool found = false;
        if (is_transient_mark(&c->cur)) {
            m->is_transient = found = true;
            advance(c);
        }
        for (size_t i = 0; i < sizeof words / sizeof *words && !found; i++) {
            if (!is_word(&c->cur, words[i])) continue;
            TokenType nx = peek_type(c);
            if (nx != T_FUN && nx != T_VAL && nx != T_VAR && nx != T_IDENT && nx != T_CLASS) continue;
            found = true;
            if (i == 2) m->is_abstract = true;
            if (i == 3) m->is_private = true;
            if (i == 4) m->is_protected = true;
            if (i == 6) m->is_static = true;
            advance(c);
        }
        if (!found) return;
    }
}

/* A method declared without `=` or `{` after its signature has no body. */
COLD static bool method_has_body(C *c) {
    Lexer lx = c->lx;
    Token t = c->cur;
    int depth = 0;
    bool seen_params = false;
    while (t.type != T_EOF && t.type != T_ERROR) {
        if (t.type == T_LPAREN) { depth++; seen_params = true; }
        else if (t.type == T_RPAREN) depth--;
        else if (depth == 0 && seen_params) {
            if (t.type == T_ASSIGN || t.type == T_LBRACE) return true;
            if (t.nl_before || t.type == T_RBRACE || t.type == T_SEMI) return false;
        }
        t = lex_next(&lx);
    }
    return false;
}

/* After the name of a function declared without a body (an abstract
 * method, an `extern fun`): skips its parameters and result type, and
 * leaves a function taking any arguments that throws
 * NotImplementedException(msg). */
static void not_implemented_fn(C *c, Token *name, const char *msg) {
    skip_generic_params(c);
    expect(c, T_LPAREN, "'(' after the function name");
    int depth = 1;
    while (depth > 0 && !check(c, T_EOF)) {
        if (check(c, T_LPAREN)) depth++;
        if (check(c, T_RPAREN)) depth--;
        advance(c);
    }
    if (accept(c, T_COLON)) skip_type(c);
    Fn fn;
    fn_begin(c, &fn, name->start, name->len);
    fn.proto->nparams = 1;
    fn.proto->rest_param = 0;
    fn.proto->abstract_stub = true;
    fn.proto->param_names = vm_realloc(c->vm, NULL, 0, sizeof(String *));
    fn.proto->param_names[0] = str_intern(c->vm, "args", 4);
    fn.sp = 2;
    fn.proto->max_stack = 2;
    emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "NotImplementedException", 23));
    emit_const(c, v_obj(str_cstr(c->vm, msg)));
    emit_call(c, 1);
    emit_op(c, OP_THROW);
    emit_op(c, OP_NULL);
    emit_op(c, OP_RETURN);
    Proto *p = fn_end(c);
    emit_closure(c, p, &fn);
}

static void class_fun_member(C *c, ClassCtx *cx, Token *cls_name, Modifiers *m, Fn *body) {
    if (!accept(c, T_IDENT)) { ERROR_CUR("expected a method name"); return; }
    Token name = c->prev;
    if (is_word(&c->cur, "by")) {
        /* a delegated method: a per-instance field holding the function */
        advance(c);
        emit_op_arg(c, OP_GET_LOCAL, 0);
        delegated_fun(c, &name, true);
        emit_op_arg(c, OP_SET_PROP, name_const(c, name.start, name.len));
        emit_op(c, OP_POP);
        return;
    }
    if (!m->is_abstract && !method_has_body(c)) m->is_abstract = true;
    if (check(c, T_DOT)) { ERROR_CUR("extension functions cannot be declared in a class body"); return; }
    Fn *decl = c->fn->enclosing;
    c->fn = decl;
    class_helper(c, m->is_static ? "__static" : "__classMethod", cls_name);
    emit_const(c, v_obj(str_new(c->vm, name.start, name.len)));
    if (m->is_abstract) {
        /* no body: a method that reports it was not implemented */
        char msg[200];
        snprintf(msg, sizeof msg, "abstract method %.*s.%.*s is not implemented", (int)cls_name->len, cls_name->start,
                 (int)name.len, name.start);
        not_implemented_fn(c, &name, msg);
    } else {
        c->next_cls = cx;
        function(c, name.start, name.len);
    }
    emit_call(c, 3);
    emit_op(c, OP_POP);
    c->fn = body;
}

/* A val field: only the constructor may assign it. */
static void class_val_field(C *c, Token *cls_name, Fn *body, Token *name) {
    c->fn = body->enclosing;
    class_helper(c, "__privateSet", cls_name);
    emit_const(c, v_obj(str_new(c->vm, name->start, name->len)));
    emit_op(c, OP_TRUE);
    emit_call(c, 3);
    emit_op(c, OP_POP);
    c->fn = body;
}

/* One accessor of a delegated member: get() is
 * __delegateGet(this.<hidden>, name, this), set(v) is __delegateSet(...). */
static void delegated_accessor(C *c, ClassCtx *cx, Token *name, String *hidden, bool setter, bool is_val) {
    Fn fn;
    c->next_cls = cx;
    fn_begin(c, &fn, name->start, name->len);
    if (setter) {
        Proto *p = fn.proto;
        add_local(c, "value", 5, 1, true);
        p->nparams = 1;
        p->param_names = vm_realloc(c->vm, NULL, 0, sizeof(String *));
        p->param_names[0] = str_intern(c->vm, "value", 5);
        fn.sp = 2;
        p->max_stack = 2;
    }
    /* a delegated val gets a setter too, one that refuses */
    const char *helper = !setter ? "__delegateGet" : is_val ? "__delegatedValSet" : "__delegateSet";
    emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, helper, strlen(helper)));
    emit_op_arg(c, OP_GET_LOCAL, 0);
    emit_op_arg(c, OP_GET_PROP, add_const(c, v_obj(hidden)));
    emit_const(c, v_obj(str_new(c->vm, name->start, name->len)));
    emit_op_arg(c, OP_GET_LOCAL, 0);
    if (setter) emit_op_arg(c, OP_GET_LOCAL, 1);
    emit_call(c, setter ? 4 : 3);
    emit_op(c, OP_RETURN);
    Proto *p = fn_end(c);
    emit_closure(c, p, &fn);
}

/* `val x by d` in a class body: d is made per instance (so a lambda in it
 * sees that instance's `this`) and kept in a hidden field; x becomes a
 * property whose accessors go through d. */
static void class_delegated_member(C *c, ClassCtx *cx, Token *cls_name, Modifiers *m, Fn *body, bool is_val,
                                   Token *name) {
    if (m->is_static) { ERROR("a static property cannot be delegated"); return; }
    if (!can_start_value(c)) { ERROR_CUR("expected the delegate after 'by'"); return; }
    char buf[300];
    int n = snprintf(buf, sizeof buf, "__by_%.*s", (int)name->len, name->start);
    String *hidden = str_intern(c->vm, buf, (size_t)n);
    list_push(c->vm, c->vm->roots, v_obj(hidden));
    emit_op_arg(c, OP_GET_LOCAL, 0);
    bound_delegate(c, name, is_val ? "Val" : "Var", true);
    emit_op_arg(c, OP_SET_PROP, add_const(c, v_obj(hidden)));
    emit_op(c, OP_POP);
    for (int setter = 0; setter <= 1; setter++) {
        c->fn = body->enclosing;
        class_helper(c, setter ? "__setter" : "__classGetter", cls_name);
        emit_const(c, v_obj(str_new(c->vm, name->start, name->len)));
        delegated_accessor(c, cx, name, hidden, setter, is_val);
        emit_call(c, 3);
        emit_op(c, OP_POP);
        c->fn = body;
    }
}

static void class_field_member(C *c, ClassCtx *cx, Token *cls_name, Modifiers *m, Fn *body, bool is_val) {
    if (!accept(c, T_IDENT)) { ERROR_CUR("expected a property name"); return; }
    Token name = c->prev;
    uint32_t k = name_const(c, name.start, name.len);
    if (accept(c, T_COLON)) skip_type(c);
    if (is_word(&c->cur, "by")) {
        advance(c);
        class_delegated_member(c, cx, cls_name, m, body, is_val, &name);
        return;
    }
    bool has_value = false, has_getter = false;
    if (accept(c, T_ASSIGN)) {
        has_value = true;
        if (m->is_static) {
            /* run after the class is complete: it may make instances of it */
            c->fn = cx->statics;
            cx->has_statics = true;
            class_helper(c, "__static", cls_name);
            emit_const(c, v_obj(str_new(c->vm, name.start, name.len)));
            expression(c);
            emit_call(c, 3);
            emit_op(c, OP_POP);
            c->fn = body;
        } else {
            emit_op_arg(c, OP_GET_LOCAL, 0);
            expression(c);
            emit_op_arg(c, OP_SET_PROP, k);
            emit_op(c, OP_POP);
        }
    }
    /* accessors, usually on the following lines */
    for (;;) {
        bool priv = (is_word(&c->cur, "private") || is_word(&c->cur, "protected")) && !has_getter;
        if (priv) {
            Lexer la = c->lx;
            Token nx = lex_next(&la);
            if (!is_word(&nx, "set")) break;
            advance(c);
            advance(c);
            if (is_val) ERROR("a val has no setter");
            c->fn = body->enclosing;
            class_helper(c, "__privateSet", cls_name);
            emit_const(c, v_obj(str_new(c->vm, name.start, name.len)));
            emit_op(c, OP_FALSE);
            emit_call(c, 3);
            emit_op(c, OP_POP);
            c->fn = body;
            continue;
        }
        bool get = is_word(&c->cur, "get"), set = is_word(&c->cur, "set");
        if ((!get && !set) || (peek_type(c) != T_LPAREN && peek_type(c) != T_ASSIGN)) break;
        if (set && is_val) { ERROR_CUR("a val cannot have a setter"); return; }
        if (get && has_value) { ERROR_CUR("a property with a getter cannot have an initial value"); return; }
        if (get) has_getter = true;
        c->fn = body->enclosing;
        class_helper(c, get ? "__classGetter" : "__setter", cls_name);
        emit_const(c, v_obj(str_new(c->vm, name.start, name.len)));
        class_accessor(c, cx, &name);
        emit_call(c, 3);
        emit_op(c, OP_POP);
        c->fn = body;
    }
    if (is_val && !has_getter && !m->is_static) class_val_field(c, cls_name, body, &name);
    if (!has_value && !has_getter && !m->is_abstract && !m->is_static) {
        /* declared without a value: a var is null until assigned, a val
         * Unset until its late initialisation; a field a base (or another
         * base, with several) already made keeps its value, as such a
         * declaration in an interface only asks for the member */
        emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__declareField", 14));
        emit_op_arg(c, OP_GET_LOCAL, 0);
        emit_op_arg(c, OP_CONST, k);
        if (is_val) emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "Unset", 5));
        else emit_op(c, OP_NULL);
        emit_call(c, 3);
        emit_op(c, OP_POP);
    }
}

/* private and protected members are registered with the class, which checks
 * every access from outside its code */
/* __transient(cls, name): recorded with the class where it is declared */
static void class_transient(C *c, Token *cls_name, Fn *body, Token *name) {
    c->fn = body->enclosing;
    class_helper(c, "__transient", cls_name);
    emit_const(c, v_obj(str_new(c->vm, name->start, name->len)));
    emit_call(c, 2);
    emit_op(c, OP_POP);
    c->fn = body;
}

static void class_hide(C *c, Token *cls_name, Fn *body, Modifiers *m, Token *name) {
    if (m->is_transient) class_transient(c, cls_name, body, name);
    if (!m->is_private && !m->is_protected) return;
    c->fn = body->enclosing;
    class_helper(c, "__hide", cls_name);
    emit_const(c, v_obj(str_new(c->vm, name->start, name->len)));
    emit_op(c, m->is_protected ? OP_TRUE : OP_FALSE);
    emit_call(c, 3);
    emit_op(c, OP_POP);
    c->fn = body;
}

static void class_body(C *c, ClassCtx *cx, Token *cls_name, Fn *body) {
    class_scan_members(c, cx);
    while (!check(c, T_RBRACE) && !check(c, T_EOF)) {
        if (accept(c, T_SEMI)) continue;
        if (check(c, T_AT_LABEL) && !is_transient_mark(&c->cur)) { /* other member annotations: no effect */
            Lexer lx;
            Token t;
            skip_annotation(c, &lx, &t);
            continue;
        }
        Modifiers m;
        class_modifiers(c, &m);
        if (is_word(&c->cur, "init") && peek_type(c) == T_LBRACE) {
            advance(c);
            advance(c);
            block_expr(c);
            emit_op(c, OP_POP);
        } else if (accept(c, T_FUN)) {
            if (check(c, T_IDENT)) class_hide(c, cls_name, body, &m, &c->cur);
            class_fun_member(c, cx, cls_name, &m, body);
        } else if (check(c, T_VAL) || check(c, T_VAR)) {
            bool is_val = check(c, T_VAL);
            advance(c);
            if (check(c, T_IDENT)) class_hide(c, cls_name, body, &m, &c->cur);
            class_field_member(c, cx, cls_name, &m, body, is_val);
        } else if (check(c, T_IDENT) && !m.is_static && !m.is_private && !m.is_protected && !m.is_abstract) {
            /* another statement (a call...): runs with the initialisers, in order */
            expression(c);
            emit_op(c, OP_POP);
        } else {
            ERROR_CUR("expected a member declaration (fun, val, var or init) in the class body, got '%.*s'",
                      (int)c->cur.len, c->cur.start);
            return;
        }
    }
    expect(c, T_RBRACE, "'}' to close the class body");
}

/* `: Base(args), Other, ...`: each base class is set on the class where it
 * is declared (the runtime computes the C3 order), and the bases'
 * constructors run first in the body function, on the same `this`, in
 * declaration order (an ancestor two bases share runs once). */
static void class_base(C *c, ClassCtx *cx, Token *cls_name, Fn *body) {
    if (!accept(c, T_COLON)) return;
    do {
        if (!accept(c, T_IDENT)) { ERROR_CUR("expected a base class name"); return; }
        Token base = c->prev;
        skip_generic_params(c);
        if (cx->nbases == cx->base_cap) {
            cx->base_cap = cx->base_cap ? cx->base_cap * 2 : 4;
            cx->bases = realloc(cx->bases, (size_t)cx->base_cap * sizeof *cx->bases);
            if (!cx->bases) abort();
        }
        cx->bases[cx->nbases].s = base.start;
        cx->bases[cx->nbases++].len = base.len;
        c->fn = body->enclosing;
        class_helper(c, "__classSetBase", cls_name);
        load_name(c, base.start, base.len);
        emit_call(c, 2);
        emit_op(c, OP_POP);
        c->fn = body;
        emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__callWith", 10));
        emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__superInit", 11));
        emit_op_arg(c, OP_GET_LOCAL, 0);
        emit_const(c, v_int(cx->nbases - 1));
        emit_call(c, 2);
        emit_op_arg(c, OP_GET_LOCAL, 0);
        int n = 0;
        if (check(c, T_LPAREN) && !c->cur.nl_before) {
            advance(c);
            while (!check(c, T_RPAREN) && !check(c, T_EOF)) {
                expression(c);
                n++;
                if (!accept(c, T_COMMA)) break;
            }
            expect(c, T_RPAREN, "')' after the base class arguments");
        }
        emit_call(c, n + 2);
        emit_op(c, OP_POP);
    } while (accept(c, T_COMMA));
}

/* `enum Name { A, B, C }` */
static void enum_decl(C *c, bool *is_local) {
    if (!accept(c, T_IDENT)) { ERROR_CUR("expected an enum name"); return; }
    Token name = c->prev;
    expect(c, T_LBRACE, "'{' after the enum name");
    List *names = list_new(c->vm, 8);
    emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__enum", 6));
    emit_const(c, v_obj(str_new(c->vm, name.start, name.len)));
    uint32_t k = add_const(c, v_obj(names));
    NameTable seen = {0};
    while (check(c, T_IDENT)) {
        advance(c);
        int32_t at;
        uint32_t stamp;
        if (name_table_get(&seen, c->prev.start, c->prev.len, &at, &stamp))
            ERROR("duplicate enum entry '%.*s'", (int)c->prev.len, c->prev.start);
        name_table_put(&seen, c->prev.start, c->prev.len, 0, 0);
        list_push(c->vm, names, v_obj(str_intern(c->vm, c->prev.start, c->prev.len)));
        if (!accept(c, T_COMMA)) break;
    }
    name_table_free(&seen);
    if (!check(c, T_RBRACE)) {
        ERROR_CUR("expected an enum entry name or '}', got '%.*s'", (int)c->cur.len, c->cur.start);
        return;
    }
    advance(c);
    emit_op_arg(c, OP_CONST, k);
    emit_call(c, 2);
    declare_value(c, name, true, is_local);
}

/* Every constructor parameter becomes a field of the same name (a plain one
 * a public var); from here on the body's code reaches it through `this`, so
 * the init blocks and initializers see (and assign) the field, not the
 * argument. */
static void class_param_fields(C *c, Token *cls_name, Fn *body) {
    Proto *p = body->proto;
    for (uint16_t i = 0; i < p->nparams; i++) {
        uint8_t kind = body->param_kind[i];
        Token t = *cls_name;
        t.start = p->param_names[i]->data;
        t.len = p->param_names[i]->len;
        Modifiers m = {.is_private = (kind & PK_PRIVATE) != 0, .is_protected = (kind & PK_PROTECTED) != 0,
                       .is_transient = (kind & PK_TRANSIENT) != 0};
        class_hide(c, cls_name, body, &m, &t);
        if (kind & PK_VAL) class_val_field(c, cls_name, body, &t);
        emit_op_arg(c, OP_GET_LOCAL, 0);
        emit_op_arg(c, OP_GET_LOCAL, (uint32_t)i + 1);
        emit_op_arg(c, OP_SET_PROP, add_const(c, v_obj(p->param_names[i])));
        emit_op(c, OP_POP);
    }
    for (int l = 0; l < body->nlocals; l++)
        if (body->locals[l].slot >= 1 && body->locals[l].slot <= p->nparams) body->locals[l].len = 0;
}

/* Calls the static initializers' function with `this` = the class. */
static void class_statics(C *c, ClassCtx *cx, Token *name) {
    Fn *decl = c->fn, *sf = cx->statics;
    c->fn = sf;
    emit_op(c, OP_VOID);
    emit_op(c, OP_RETURN);
    Proto *p = fn_end(c);
    c->fn = decl;
    cx->statics = NULL;
    if (!cx->has_statics) return;
    emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__callWith", 10));
    emit_closure(c, p, sf);
    if (name->ival > 0) emit_op_arg(c, OP_GET_LOCAL, (uint32_t)(name->ival - 1));
    else load_name(c, name->start, name->len);
    emit_call(c, 2);
    emit_op(c, OP_POP);
}

COLD static void class_decl(C *c, bool *is_local, bool is_abstract, bool is_object, bool anon) {
    Token name = c->prev;
    if (anon) {
        name.start = "object";
        name.len = 6;
    } else if (!accept(c, T_IDENT)) {
        ERROR_CUR("expected a class name");
        return;
    } else {
        name = c->prev;
    }
    name.ival = 0;
    ClassCtx *cx = calloc(1, sizeof *cx);
    if (!cx) abort();
    cx->name = name.start;
    cx->len = name.len;
    cx->next = c->classes;
    c->classes = cx;
    if (c->nclass_at == c->class_at_cap) {
        c->class_at_cap = c->class_at_cap ? c->class_at_cap * 2 : 16;
        c->class_at = realloc(c->class_at, (size_t)c->class_at_cap * sizeof *c->class_at);
        if (!c->class_at) abort();
    }
    c->class_at[c->nclass_at] = cx;
    name_table_put(&c->class_index, cx->name, cx->len, c->nclass_at++, 0);
    emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "__classNew", 10));
    emit_const(c, v_obj(str_new(c->vm, name.start, name.len)));
    emit_op(c, is_abstract ? OP_TRUE : OP_FALSE);
    emit_call(c, 2);
    if (anon) name.ival = c->fn->sp;
    else declare_value(c, name, !is_object, is_local);
    skip_generic_params(c);
    Fn fn, statics;
    c->next_cls = cx; /* the statics see each other by bare name */
    fn_begin(c, &statics, "static", 6);
    statics.is_statics = true;
    cx->statics = &statics;
    c->fn = statics.enclosing;
    c->next_cls = cx;
    fn_begin(c, &fn, name.start, name.len);
    if (accept(c, T_LPAREN)) param_list(c, &fn, T_RPAREN);
    else fn.proto->param_names = vm_realloc(c->vm, NULL, 0, sizeof(String *));
    Proto *p = fn.proto;
    for (uint16_t i = 0; i < p->nparams; i++)
        class_add_member(c, cx, p->param_names[i]->data, p->param_names[i]->len, false);
    class_base(c, cx, &name, &fn);
    class_param_fields(c, &name, &fn);
    if (is_object && p->nparams) ERROR("an object has no constructor parameters");
    if (check(c, T_LBRACE) && !c->cur.nl_before) {
        advance(c);
        class_body(c, cx, &name, &fn);
    }
    emit_op_arg(c, OP_GET_LOCAL, 0);
    emit_op(c, OP_RETURN);
    fn_end(c);
    class_helper(c, "__classBody", &name);
    emit_closure(c, p, &fn);
    emit_call(c, 2);
    emit_op(c, OP_POP);
    class_statics(c, cx, &name);
    if (anon) {
        emit_call(c, 0); /* the class on top of the stack becomes its instance */
    } else if (is_object) {
        /* the single instance replaces the class under its name */
        load_name(c, name.start, name.len);
        emit_call(c, 0);
        store_name(c, name.start, name.len);
        emit_op(c, OP_POP);
    }
}

/* `type Name<T> = Type`: the name is bound to the class the type names, so
 * `x is Name` works; other type forms (unions, function types) are parsed
 * and bound to Any, which every non-null value is. */
COLD static void type_alias(C *c, bool *is_local) {
    advance(c); /* type */
    advance(c);
    Token name = c->prev;
    skip_generic_params(c);
    expect(c, T_ASSIGN, "'=' after the type alias name");
    Token first = c->cur;
    bool simple = check(c, T_IDENT);
    skip_type(c);
    while ((check(c, T_PIPE) || check(c, T_AMP)) && !c->err) {
        simple = false;
        advance(c);
        skip_type(c);
    }
    if (simple) load_name(c, first.start, first.len);
    else emit_op_arg(c, OP_GET_GLOBAL, vm_global_slot(c->vm, "Any", 3));
    declare_value(c, name, true, is_local);
}

/* `@Name fun f() {}` and `@Name(args) fun f() {}`: f is bound to what
 * Name("f", <the function>, args...) returns. An annotation of anything else
 * (a val, var or class) is accepted and does nothing here. */
static void statement_inner(C *c, bool *is_local);

static void annotated_decl(C *c, bool *is_local) {
    Token ann = c->cur;
    Lexer args_lx;
    Token args_tok;
    bool has_args = skip_annotation(c, &args_lx, &args_tok);
    if (!check(c, T_FUN) || peek_type(c) != T_IDENT) {
        statement_inner(c, is_local);
        return;
    }
    advance(c);
    advance(c);
    Token name = c->prev;
    bool global = at_global_scope(c);
    if (!global) add_local(c, name.start, name.len, c->fn->sp, true);
    load_name(c, ann.start + 1, ann.len - 1);
    emit_const(c, v_obj(str_new(c->vm, name.start, name.len)));
    function(c, name.start, name.len);
    int argc = 2;
    if (has_args) {
        /* the annotation's own arguments follow the two */
        Lexer after_lx = c->lx;
        Token after_cur = c->cur, after_prev = c->prev;
        c->lx = args_lx;
        c->cur = args_tok;
        advance(c);
        while (!check(c, T_RPAREN) && !check(c, T_EOF) && !c->err) {
            expression(c);
            if (++argc > 250) { ERROR("too many annotation arguments"); return; }
            if (!accept(c, T_COMMA)) break;
        }
        c->lx = after_lx;
        c->prev = after_prev;
        if (!c->err) c->cur = after_cur;
    }
    emit_call(c, argc);
    if (global) {
        emit_op(c, OP_DUP);
        emit_op(c, OP_DEF_GLOBAL);
        emit_arg(c, vm_global_slot(c->vm, name.start, name.len));
        emit_byte(c, 1);
    } else {
        *is_local = true;
    }
}

static void statement_inner(C *c, bool *is_local) {
    *is_local = false;
    if (check(c, T_AT_LABEL)) { annotated_decl(c, is_local); return; }
    if (is_word(&c->cur, "extern") && peek_type(c) != T_ASSIGN && peek_type(c) != T_LPAREN && peek_type(c) != T_DOT) {
        /* declared for the host to provide: a function without a body
         * throws NotImplementedException when called; the rest is as usual */
        TokenType nx = peek_type(c);
        advance(c);
        Lexer la = c->lx;
        Token after_name = lex_next(&la);
        after_name = lex_next(&la);
        if (nx == T_FUN && peek_type(c) == T_IDENT && after_name.type == T_LPAREN && !method_has_body(c)) {
            advance(c);
            advance(c);
            Token name = c->prev;
            char msg[200];
            snprintf(msg, sizeof msg, "extern function %.*s is not provided by the host", (int)name.len, name.start);
            not_implemented_fn(c, &name, msg);
            declare_value(c, name, true, is_local);
            return;
        }
    }
    if (accept(c, T_VAL)) { var_decl(c, true, is_local); return; }
    if (accept(c, T_VAR)) { var_decl(c, false, is_local); return; }
    if (check(c, T_FUN) && (peek_type(c) == T_IDENT || peek_type(c) == T_LT)) {
        advance(c);
        skip_generic_params(c); /* fun <T> name(...) */
        if (!accept(c, T_IDENT)) { ERROR_CUR("expected a function name"); return; }
        Token name = c->prev;
        if (check(c, T_DOT)) {
            extension_decl(c, name, false, is_local);
            return;
        }
        if (is_word(&c->cur, "by")) {
            /* `fun f by d`: f(args) is d.invoke(null, "f", args...) */
            advance(c);
            delegated_fun(c, &name, false);
            declare_value(c, name, true, is_local);
            return;
        }
        if (at_global_scope(c)) {
            function(c, name.start, name.len);
            emit_op(c, OP_DUP);
            emit_op(c, OP_DEF_GLOBAL);
            emit_arg(c, vm_global_slot(c->vm, name.start, name.len));
            emit_byte(c, 1);
        } else {
            /* declared before its body so it can call itself */
            add_local(c, name.start, name.len, c->fn->sp, true);
            function(c, name.start, name.len);
            *is_local = true;
        }
        return;
    }
    if (is_word(&c->cur, "type") && peek_type(c) == T_IDENT && !peek2(c).nl_before) {
        type_alias(c, is_local);
        return;
    }
    if (accept(c, T_CLASS)) {
        class_decl(c, is_local, false, false, false);
        return;
    }
    if ((is_word(&c->cur, "abstract") || is_word(&c->cur, "open")) && peek_type(c) == T_CLASS) {
        bool abstract = is_word(&c->cur, "abstract");
        advance(c);
        advance(c);
        class_decl(c, is_local, abstract, false, false);
        return;
    }
    if (is_word(&c->cur, "interface") && peek_type(c) == T_IDENT) {
        advance(c);
        class_decl(c, is_local, true, false, false);
        return;
    }
    if (is_word(&c->cur, "object") && peek_type(c) == T_IDENT) {
        advance(c);
        class_decl(c, is_local, false, true, false);
        return;
    }
    if (is_word(&c->cur, "enum") && peek_type(c) == T_IDENT) {
        advance(c);
        enum_decl(c, is_local);
        return;
    }
    if (accept(c, T_IMPORT)) {
        StrBuf sb;
        sb_init(&sb);
        do {
            expect(c, T_IDENT, "a module name");
            sb_add(&sb, c->prev.start, c->prev.len);
            if (check(c, T_DOT)) sb_addc(&sb, '.');
        } while (accept(c, T_DOT));
        uint32_t k = add_const(c, v_obj(str_new(c->vm, sb.data ? sb.data : "", sb.len)));
        sb_free(&sb);
        /* a source module's body runs as an ordinary call, so it may suspend */
        emit_op_arg(c, OP_IMPORT, k);
        emit_op(c, OP_CALL);
        emit_arg(c, 0);
        emit_op(c, OP_POP);
        emit_op(c, OP_VOID);
        return;
    }
    if (accept(c, T_PACKAGE)) {
        do expect(c, T_IDENT, "a package name"); while (accept(c, T_DOT));
        emit_op(c, OP_VOID);
        return;
    }
    /* anything else, `{ ... }` included (a lambda, or a map literal) */
    expression(c);
}

/* Blocks nest through statements: bounded like expressions. */
static void statement(C *c, bool *is_local) {
    *is_local = false;
    if (++c->depth > LYNG_MAX_PARSE_DEPTH || stack_exhausted(c)) {
        ERROR_CUR("blocks nested too deeply");
        c->depth--;
        emit_op(c, OP_VOID);
        return;
    }
    statement_inner(c, is_local);
    c->depth--;
}

/* Top-level `val x by d` / `var x by d` anywhere in the script, found before
 * compiling: functions declared above the declaration read x through the
 * delegate too. A token scan at brace depth 0; the declaration itself is
 * still checked when it is compiled. */
COLD static void scan_delegated_globals(C *c) {
    Lexer lx = c->lx;
    Token t2 = {0}, t1 = {0}, t;
    int depth = 0;
    do {
        t = lex_next(&lx);
        if (t.type == T_LBRACE) depth++;
        else if (t.type == T_RBRACE) depth--;
        else if (depth == 0 && t.type == T_IDENT &&
                 (t1.type == T_VAL || t1.type == T_VAR || t1.type == T_FUN || t1.type == T_CLASS || is_word(&t1, "object") ||
                  is_word(&t1, "enum") || is_word(&t1, "interface"))) {
            if (!c->top_names) {
                c->top_names = map_new(c->vm);
                list_push(c->vm, c->vm->roots, v_obj(c->top_names));
            }
            map_put(c->vm, c->top_names, v_obj(str_intern(c->vm, t.start, t.len)), V_TRUE);
        }
        if (depth == 0 && (t2.type == T_VAL || t2.type == T_VAR) && t1.type == T_IDENT && is_word(&t, "by") &&
                 !is_delegated_global(c, t1.start, t1.len))
            name_table_put(&c->delegated, t1.start, t1.len, t2.type == T_VAL, 0);
        t2 = t1;
        t1 = t;
    } while (t.type != T_EOF && t.type != T_ERROR);
}

Proto *compile_script(VM *vm, const char *name, const char *src, size_t len, char **error) {
    C c;
    memset(&c, 0, sizeof c);
    c.vm = vm;
    c.name = name;
    c.src = src;
    c.srclen = len;
    c.stack_base = (uintptr_t)__builtin_frame_address(0);
    *error = NULL;
    size_t nchars;
    if (!utf8_valid(src, len, &nchars)) {
        StrBuf sb;
        sb_init(&sb);
        sb_printf(&sb, "%s: the source is not valid UTF-8", name);
        *error = sb.data;
        return NULL;
    }
    uint32_t roots_before = vm->roots->count;
    lex_init(&c.lx, src, len, 1);
    scan_delegated_globals(&c);
    Fn fn;
    fn_begin(&c, &fn, "script", 6);
    fn.toplevel = true;
    fn.proto->param_names = vm_realloc(vm, NULL, 0, sizeof(String *));
    advance(&c);
    body_statements(&c);
    if (!c.err && !check(&c, T_EOF)) error_at(&c, &c.cur, "unexpected '%.*s'", (int)c.cur.len, c.cur.start);
    emit_op(&c, OP_RETURN);
    Proto *p = fn_end(&c);
    vm->roots->count = roots_before;
    name_table_free(&c.delegated);
    name_table_free(&c.class_index);
    free(c.class_at);
    while (c.classes) {
        ClassCtx *next = c.classes->next;
        free(c.classes->members);
        free(c.classes->bases);
        name_table_free(&c.classes->member_index);
        free(c.classes);
        c.classes = next;
    }
    vm->compile_incomplete = c.err && c.err_at_end;
    if (c.err) {
        *error = c.err;
        return NULL;
    }
    return p;
}

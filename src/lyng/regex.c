/* regex.c - the regular expression compiler and Pike VM behind regex.h.
 *
 * The parser emits instructions directly. Jumps are relative, so a compiled
 * piece of code can be moved or copied as it is: quantifiers insert a SPLIT in
 * front of their operand and `{m,n}` copies it. The matcher keeps one thread
 * per instruction and position (duplicates are dropped in priority order), so
 * its cost is bounded by program size times input length. */
#include "regex.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "value.h" /* utf8_next */

#define MAX_INST LYNG_MAX_REGEX_PROGRAM
#define MAX_GROUPS LYNG_MAX_REGEX_GROUPS
#define MAX_DEPTH LYNG_MAX_REGEX_NESTING
#define MAX_REPEAT LYNG_MAX_REGEX_REPEAT
#define MAX_THREAD_CELLS LYNG_MAX_REGEX_THREAD_CELLS

enum { I_CHAR, I_ANY, I_CLASS, I_SPLIT, I_JMP, I_SAVE, I_MATCH, I_BOL, I_EOL, I_WORDB, I_NWORDB };

typedef struct {
    uint8_t op;
    int32_t x, y;  /* relative targets of JMP (x) and SPLIT (x first, then y) */
    uint32_t arg;  /* code point, class index or capture slot */
} Inst;

typedef struct {
    uint32_t *r; /* lo, hi pairs */
    int n;
    bool neg;
} CharClass;

struct Regex {
    Inst *code;
    int n, cap;
    CharClass *cls;
    int ncls, clscap;
    int ngroups;
};

typedef struct {
    const char *p;
    size_t len, i;
    Regex *re;
    char *err;
    size_t errlen;
    int depth;
    bool failed;
} Parser;

static int char_pos(Parser *ps, size_t byte) {
    int n = 0;
    for (size_t k = 0; k < byte && k < ps->len; k++)
        if (((unsigned char)ps->p[k] & 0xC0) != 0x80) n++;
    return n;
}

/* A failure of the whole pattern rather than at one position. */
#define WHOLE_PATTERN ((size_t)-1)

static void fail(Parser *ps, size_t at, const char *fmt, ...) {
    if (ps->failed) return;
    ps->failed = true;
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (at == WHOLE_PATTERN)
        snprintf(ps->err, ps->errlen, "%s", msg);
    else
        snprintf(ps->err, ps->errlen, "%s at position %d", msg, char_pos(ps, at));
}

static bool ensure(Parser *ps, int more) {
    Regex *re = ps->re;
    if (re->n + more > MAX_INST) {
        fail(ps, ps->i, "pattern needs more than %d instructions", MAX_INST);
        return false;
    }
    if (re->n + more <= re->cap) return true;
    int ncap = re->cap ? re->cap * 2 : 32;
    while (ncap < re->n + more) ncap *= 2;
    Inst *c = realloc(re->code, (size_t)ncap * sizeof *c);
    if (!c) {
        fail(ps, ps->i, "out of memory compiling the pattern");
        return false;
    }
    re->code = c;
    re->cap = ncap;
    return true;
}

static int emit(Parser *ps, uint8_t op, int32_t x, int32_t y, uint32_t arg) {
    if (!ensure(ps, 1)) return -1;
    Inst *in = &ps->re->code[ps->re->n];
    in->op = op;
    in->x = x;
    in->y = y;
    in->arg = arg;
    return ps->re->n++;
}

/* Inserts an instruction at `at`, moving the code after it up by one. */
static bool insert(Parser *ps, int at, uint8_t op, int32_t x, int32_t y) {
    if (!ensure(ps, 1)) return false;
    Regex *re = ps->re;
    memmove(&re->code[at + 1], &re->code[at], (size_t)(re->n - at) * sizeof(Inst));
    re->code[at] = (Inst){op, x, y, 0};
    re->n++;
    return true;
}

/* ---------------------------------------------------------------- classes */

typedef struct {
    uint32_t *r;
    int n, cap;
} Ranges;

static bool ranges_add(Parser *ps, Ranges *rs, uint32_t lo, uint32_t hi) {
    if (rs->n + 2 > rs->cap) {
        int ncap = rs->cap ? rs->cap * 2 : 16;
        uint32_t *r = realloc(rs->r, (size_t)ncap * sizeof *r);
        if (!r) {
            fail(ps, ps->i, "out of memory compiling the pattern");
            return false;
        }
        rs->r = r;
        rs->cap = ncap;
    }
    rs->r[rs->n++] = lo;
    rs->r[rs->n++] = hi;
    return true;
}

static const uint32_t DIGIT[] = {'0', '9'};
static const uint32_t WORD[] = {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'};
static const uint32_t SPACE[] = {'\t', '\r', ' ', ' '}; /* \t \n \v \f \r */

/* Adds the shorthand class \d \w \s (or, upper case, its complement). */
static bool add_shorthand(Parser *ps, Ranges *rs, char kind) {
    const uint32_t *r;
    int n;
    switch (kind | 0x20) {
    case 'd': r = DIGIT; n = 2; break;
    case 'w': r = WORD; n = 8; break;
    default: r = SPACE; n = 4; break;
    }
    if (kind >= 'a') {
        for (int k = 0; k < n; k += 2)
            if (!ranges_add(ps, rs, r[k], r[k + 1])) return false;
        return true;
    }
    uint32_t next = 0; /* complement of sorted, disjoint ranges */
    for (int k = 0; k < n; k += 2) {
        if (r[k] > next && !ranges_add(ps, rs, next, r[k] - 1)) return false;
        next = r[k + 1] + 1;
    }
    return ranges_add(ps, rs, next, 0x10FFFF);
}

static int add_class(Parser *ps, Ranges *rs, bool neg) {
    Regex *re = ps->re;
    if (re->ncls == re->clscap) {
        int ncap = re->clscap ? re->clscap * 2 : 8;
        CharClass *c = realloc(re->cls, (size_t)ncap * sizeof *c);
        if (!c) {
            fail(ps, ps->i, "out of memory compiling the pattern");
            free(rs->r);
            return -1;
        }
        re->cls = c;
        re->clscap = ncap;
    }
    re->cls[re->ncls] = (CharClass){rs->r, rs->n, neg};
    return re->ncls++;
}

static bool class_has(const CharClass *c, uint32_t cp) {
    bool in = false;
    for (int k = 0; k < c->n && !in; k += 2) in = cp >= c->r[k] && cp <= c->r[k + 1];
    return in != c->neg;
}

/* ---------------------------------------------------------------- parser */

static bool at_end(Parser *ps) { return ps->i >= ps->len; }
static char peek(Parser *ps) { return at_end(ps) ? 0 : ps->p[ps->i]; }

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* After a backslash: a literal code point (returns 0 and sets *cp) or the
 * letter of a class shorthand / assertion (d w s D W S, b B outside classes). */
static char parse_escape(Parser *ps, uint32_t *cp, bool in_class) {
    size_t at = ps->i - 1;
    if (at_end(ps)) {
        fail(ps, at, "trailing backslash");
        return 0;
    }
    char c = ps->p[ps->i++];
    switch (c) {
    case 'd': case 'w': case 's': case 'D': case 'W': case 'S': return c;
    case 'b': case 'B':
        if (in_class) break;
        return c;
    case 'n': *cp = '\n'; return 0;
    case 't': *cp = '\t'; return 0;
    case 'r': *cp = '\r'; return 0;
    case 'f': *cp = '\f'; return 0;
    case 'v': *cp = '\v'; return 0;
    case '0': *cp = 0; return 0;
    case 'x': case 'u': {
        int digits = c == 'x' ? 2 : 4;
        uint32_t v = 0;
        for (int k = 0; k < digits; k++) {
            int h = at_end(ps) ? -1 : hex_digit(ps->p[ps->i]);
            if (h < 0) {
                fail(ps, at, "\\%c needs %d hex digits", c, digits);
                return 0;
            }
            v = v << 4 | (uint32_t)h;
            ps->i++;
        }
        *cp = v;
        return 0;
    }
    default: break;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        fail(ps, at, "unknown escape \\%c", c);
        return 0;
    }
    ps->i--; /* any other character stands for itself (may be multi-byte) */
    *cp = utf8_next(ps->p, ps->len, &ps->i);
    return 0;
}

static void parse_class(Parser *ps) {
    size_t open = ps->i - 1;
    Ranges rs = {NULL, 0, 0};
    bool neg = false;
    if (peek(ps) == '^') {
        neg = true;
        ps->i++;
    }
    bool first = true;
    for (;;) {
        if (at_end(ps)) {
            fail(ps, open, "missing ']'");
            free(rs.r);
            return;
        }
        if (peek(ps) == ']' && !first) {
            ps->i++;
            break;
        }
        first = false;
        size_t item = ps->i;
        uint32_t lo;
        if (peek(ps) == '\\') {
            ps->i++;
            char kind = parse_escape(ps, &lo, true);
            if (ps->failed) break;
            if (kind) {
                if (!add_shorthand(ps, &rs, kind)) break;
                continue;
            }
        } else {
            lo = utf8_next(ps->p, ps->len, &ps->i);
        }
        uint32_t hi = lo;
        if (peek(ps) == '-' && ps->i + 1 < ps->len && ps->p[ps->i + 1] != ']') {
            ps->i++;
            if (peek(ps) == '\\') {
                ps->i++;
                if (parse_escape(ps, &hi, true)) {
                    fail(ps, item, "a class shorthand cannot end a range");
                    break;
                }
                if (ps->failed) break;
            } else {
                hi = utf8_next(ps->p, ps->len, &ps->i);
            }
            if (hi < lo) {
                fail(ps, item, "range out of order in character class");
                break;
            }
        }
        if (!ranges_add(ps, &rs, lo, hi)) break;
    }
    if (ps->failed) {
        free(rs.r);
        return;
    }
    int k = add_class(ps, &rs, neg);
    if (k >= 0) emit(ps, I_CLASS, 0, 0, (uint32_t)k);
}

static void parse_alt(Parser *ps);

static void parse_group(Parser *ps) {
    size_t open = ps->i - 1;
    if (++ps->depth > MAX_DEPTH) {
        fail(ps, open, "groups nested more than %d levels deep", MAX_DEPTH);
        return;
    }
    int group = -1;
    if (peek(ps) == '?') {
        if (ps->i + 1 < ps->len && ps->p[ps->i + 1] == ':') {
            ps->i += 2;
        } else {
            fail(ps, open, "unsupported group syntax '(?'");
            return;
        }
    } else {
        if (ps->re->ngroups > MAX_GROUPS) { /* group 0 is the whole match */
            fail(ps, open, "more than %d capturing groups", MAX_GROUPS);
            return;
        }
        group = ps->re->ngroups++;
        emit(ps, I_SAVE, 0, 0, (uint32_t)(2 * group));
    }
    parse_alt(ps);
    if (ps->failed) return;
    if (peek(ps) != ')') {
        fail(ps, open, "missing ')'");
        return;
    }
    ps->i++;
    if (group >= 0) emit(ps, I_SAVE, 0, 0, (uint32_t)(2 * group + 1));
    ps->depth--;
}

static void parse_atom(Parser *ps) {
    size_t at = ps->i;
    char c = ps->p[ps->i++];
    switch (c) {
    case '(': parse_group(ps); return;
    case '[': parse_class(ps); return;
    case '.': emit(ps, I_ANY, 0, 0, 0); return;
    case '^': emit(ps, I_BOL, 0, 0, 0); return;
    case '$': emit(ps, I_EOL, 0, 0, 0); return;
    case '*': case '+': case '?':
        fail(ps, at, "nothing to repeat before '%c'", c);
        return;
    case '\\': {
        uint32_t cp;
        char kind = parse_escape(ps, &cp, false);
        if (ps->failed) return;
        if (kind == 'b' || kind == 'B') {
            emit(ps, kind == 'b' ? I_WORDB : I_NWORDB, 0, 0, 0);
        } else if (kind) {
            Ranges rs = {NULL, 0, 0};
            if (!add_shorthand(ps, &rs, kind)) {
                free(rs.r);
                return;
            }
            int k = add_class(ps, &rs, false);
            if (k >= 0) emit(ps, I_CLASS, 0, 0, (uint32_t)k);
        } else {
            emit(ps, I_CHAR, 0, 0, cp);
        }
        return;
    }
    default:
        ps->i = at;
        emit(ps, I_CHAR, 0, 0, utf8_next(ps->p, ps->len, &ps->i));
        return;
    }
}

/* `{m}`, `{m,}` or `{m,n}` at ps->i; false (nothing consumed) when the brace
 * does not start a counted repetition, which makes it a literal. */
static bool parse_count(Parser *ps, int *min, int *max) {
    size_t k = ps->i + 1;
    long a = 0, b;
    int digits = 0;
    while (k < ps->len && ps->p[k] >= '0' && ps->p[k] <= '9') {
        if (a <= MAX_REPEAT) a = a * 10 + (ps->p[k] - '0');
        k++;
        digits++;
    }
    if (!digits) return false;
    b = a;
    if (k < ps->len && ps->p[k] == ',') {
        k++;
        b = -1;
        if (k < ps->len && ps->p[k] >= '0' && ps->p[k] <= '9') {
            b = 0;
            while (k < ps->len && ps->p[k] >= '0' && ps->p[k] <= '9') {
                if (b <= MAX_REPEAT) b = b * 10 + (ps->p[k] - '0');
                k++;
            }
        }
    }
    if (k >= ps->len || ps->p[k] != '}') return false;
    if (a > MAX_REPEAT || b > MAX_REPEAT) {
        fail(ps, ps->i, "repetition count above %d", MAX_REPEAT);
        return false;
    }
    if (b >= 0 && b < a) {
        fail(ps, ps->i, "repetition range {%ld,%ld} out of order", a, b);
        return false;
    }
    ps->i = k + 1;
    *min = (int)a;
    *max = (int)b;
    return true;
}

/* Makes the code from `a` to the end optional (`?`) or repeated (`*`). */
static void make_optional(Parser *ps, int a, bool lazy) {
    int len = ps->re->n - a;
    insert(ps, a, I_SPLIT, lazy ? len + 1 : 1, lazy ? 1 : len + 1);
}

static void make_star(Parser *ps, int a, bool lazy) {
    int len = ps->re->n - a;
    if (!insert(ps, a, I_SPLIT, lazy ? len + 2 : 1, lazy ? 1 : len + 2)) return;
    int j = emit(ps, I_JMP, 0, 0, 0);
    if (j >= 0) ps->re->code[j].x = a - j;
}

static void make_plus(Parser *ps, int a, bool lazy) {
    int s = emit(ps, I_SPLIT, 0, 0, 0);
    if (s < 0) return;
    ps->re->code[s].x = lazy ? 1 : a - s;
    ps->re->code[s].y = lazy ? a - s : 1;
}

static void make_count(Parser *ps, size_t at, int a, int min, int max, bool lazy) {
    Regex *re = ps->re;
    int len = re->n - a;
    long total = (long)len * (min + (max < 0 ? 1 : max - min)) + (max < 0 ? 2 : max - min);
    if (total > MAX_INST) {
        fail(ps, at, "pattern needs more than %d instructions", MAX_INST);
        return;
    }
    Inst *body = malloc((size_t)(len ? len : 1) * sizeof *body);
    if (!body) {
        fail(ps, ps->i, "out of memory compiling the pattern");
        return;
    }
    memcpy(body, &re->code[a], (size_t)len * sizeof *body);
    re->n = a;
    int copies = min + (max < 0 ? 1 : max - min);
    for (int k = 0; k < copies && !ps->failed; k++) {
        if (!ensure(ps, len)) break;
        int start = re->n;
        memcpy(&re->code[start], body, (size_t)len * sizeof *body);
        re->n += len;
        if (k >= min) {
            if (max < 0) make_star(ps, start, lazy);
            else make_optional(ps, start, lazy);
        }
    }
    free(body);
}

static void parse_repeat(Parser *ps) {
    int a = ps->re->n;
    parse_atom(ps);
    while (!ps->failed && !at_end(ps)) {
        char q = peek(ps);
        size_t at = ps->i;
        int min = 0, max = 0;
        if (q == '{') {
            if (!parse_count(ps, &min, &max)) return;
        } else if (q == '*' || q == '+' || q == '?') {
            ps->i++;
        } else {
            return;
        }
        bool lazy = false;
        if (peek(ps) == '?') {
            lazy = true;
            ps->i++;
        }
        if (q == '*') make_star(ps, a, lazy);
        else if (q == '+') make_plus(ps, a, lazy);
        else if (q == '?') make_optional(ps, a, lazy);
        else make_count(ps, at, a, min, max, lazy);
    }
}

static void parse_concat(Parser *ps) {
    while (!ps->failed && !at_end(ps) && peek(ps) != '|' && peek(ps) != ')') parse_repeat(ps);
}

/* e1|e2|e3 compiles to: SPLIT(e1, next) e1 JMP(end); SPLIT(e2, next) e2 JMP(end); e3.
 * The JMPs are chained through their x field until the end is known. */
static void parse_alt(Parser *ps) {
    Regex *re = ps->re;
    int start = re->n, chain = -1;
    parse_concat(ps);
    while (!ps->failed && peek(ps) == '|') {
        ps->i++;
        if (!insert(ps, start, I_SPLIT, 1, 0)) return;
        int j = emit(ps, I_JMP, chain, 0, 0);
        if (j < 0) return;
        chain = j;
        re->code[start].y = re->n - start;
        start = re->n;
        parse_concat(ps);
    }
    if (ps->failed) return;
    while (chain >= 0) {
        int prev = re->code[chain].x;
        re->code[chain].x = re->n - chain;
        chain = prev;
    }
}

Regex *regex_compile(const char *pat, size_t len, char *err, size_t errlen) {
    Regex *re = calloc(1, sizeof *re);
    if (!re) {
        snprintf(err, errlen, "out of memory compiling the pattern at position 0");
        return NULL;
    }
    re->ngroups = 1;
    Parser ps = {pat, len, 0, re, err, errlen, 0, false};
    emit(&ps, I_SAVE, 0, 0, 0);
    parse_alt(&ps);
    if (!ps.failed && !at_end(&ps)) fail(&ps, ps.i, "unmatched ')'");
    emit(&ps, I_SAVE, 0, 0, 1);
    emit(&ps, I_MATCH, 0, 0, 0);
    if (!ps.failed && (long)re->n * 2 * re->ngroups > MAX_THREAD_CELLS) fail(&ps, WHOLE_PATTERN, "pattern too large: %d instructions times %d capture slots is more than %ld", re->n, 2 * re->ngroups, (long)MAX_THREAD_CELLS);
    if (ps.failed) {
        regex_free(re);
        return NULL;
    }
    return re;
}

void regex_free(Regex *re) {
    if (!re) return;
    for (int k = 0; k < re->ncls; k++) free(re->cls[k].r);
    free(re->cls);
    free(re->code);
    free(re);
}

int regex_groups(const Regex *re) { return re->ngroups; }

/* ---------------------------------------------------------------- matcher */

typedef struct {
    int n;
    unsigned gen;
    int *pc;
    long *caps; /* nsave per thread */
} Threads;

typedef struct {
    const Regex *re;
    int nsave;
    unsigned *mark; /* generation in which an instruction was last added */
    unsigned gen;
    long *work;     /* captures along the path being followed */
    struct { int pc; int slot; long old; } *stack;
} Machine;

static bool is_word(long cp) {
    return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || cp == '_';
}

/* Follows the non-consuming instructions from pc at byte `pos` (between the
 * characters prev and cur, -1 at the ends) and adds the threads that wait for
 * a character, or match, to `t` in priority order. */
static void add_thread(Machine *m, Threads *t, int pc0, const long *caps, long pos, size_t len, long prev, long cur) {
    const Inst *code = m->re->code;
    memcpy(m->work, caps, (size_t)m->nsave * sizeof(long));
    int sp = 0;
    m->stack[sp].pc = pc0;
    sp++;
    while (sp > 0) {
        sp--;
        int pc = m->stack[sp].pc;
        if (pc < 0) {
            m->work[m->stack[sp].slot] = m->stack[sp].old;
            continue;
        }
        if (m->mark[pc] == t->gen) continue;
        m->mark[pc] = t->gen;
        const Inst *in = &code[pc];
        bool go = false;
        switch (in->op) {
        case I_JMP: m->stack[sp++].pc = pc + in->x; continue;
        case I_SPLIT:
            m->stack[sp++].pc = pc + in->y;
            m->stack[sp++].pc = pc + in->x;
            continue;
        case I_SAVE:
            m->stack[sp].pc = -1;
            m->stack[sp].slot = (int)in->arg;
            m->stack[sp].old = m->work[in->arg];
            sp++;
            m->work[in->arg] = pos;
            m->stack[sp++].pc = pc + 1;
            continue;
        case I_BOL: go = pos == 0; break;
        case I_EOL: go = (size_t)pos == len; break;
        case I_WORDB: go = is_word(prev) != is_word(cur); break;
        case I_NWORDB: go = is_word(prev) == is_word(cur); break;
        default:
            t->pc[t->n] = pc;
            memcpy(&t->caps[(size_t)t->n * m->nsave], m->work, (size_t)m->nsave * sizeof(long));
            t->n++;
            continue;
        }
        if (go) m->stack[sp++].pc = pc + 1;
    }
}

static long decode_at(const char *text, size_t len, size_t pos, size_t *next) {
    if (pos >= len) {
        *next = pos;
        return -1;
    }
    size_t i = pos;
    long cp = (long)utf8_next(text, len, &i);
    *next = i;
    return cp;
}

bool regex_search(const Regex *re, const char *text, size_t len, size_t start, bool whole, long *caps, bool *oom) {
    *oom = false;
    int n = re->n, nsave = 2 * re->ngroups;
    Machine m = {re, nsave, calloc((size_t)n, sizeof(unsigned)), 0, malloc((size_t)nsave * sizeof(long)),
                 malloc((size_t)(2 * n + 2) * sizeof *m.stack)};
    Threads a = {0, 0, malloc((size_t)n * sizeof(int)), malloc((size_t)n * nsave * sizeof(long))};
    Threads b = {0, 0, malloc((size_t)n * sizeof(int)), malloc((size_t)n * nsave * sizeof(long))};
    long *init = malloc((size_t)nsave * sizeof(long));
    bool matched = false;
    if (!m.mark || !m.work || !m.stack || !a.pc || !a.caps || !b.pc || !b.caps || !init) {
        *oom = true;
        goto done;
    }
    for (int k = 0; k < nsave; k++) init[k] = -1;
    Threads *cl = &a, *nl = &b;
    cl->gen = ++m.gen;
    size_t pos = start, next;
    long prev = -1;
    if (start > 0 && start <= len) {
        size_t p = start - 1;
        while (p > 0 && ((unsigned char)text[p] & 0xC0) == 0x80) p--;
        size_t dummy;
        prev = decode_at(text, len, p, &dummy);
    }
    long cur = decode_at(text, len, pos, &next);
    for (;;) {
        if (!matched && (pos == start || !whole))
            add_thread(&m, cl, 0, init, (long)pos, len, prev, cur);
        if (cl->n == 0 && (matched || whole)) break;
        size_t after;
        long following = decode_at(text, len, next, &after);
        nl->n = 0;
        nl->gen = ++m.gen;
        for (int k = 0; k < cl->n; k++) {
            const Inst *in = &re->code[cl->pc[k]];
            const long *tc = &cl->caps[(size_t)k * nsave];
            bool step = false;
            switch (in->op) {
            case I_MATCH:
                if (whole && pos != len) continue;
                matched = true;
                memcpy(caps, tc, (size_t)nsave * sizeof(long));
                k = cl->n; /* lower-priority threads are cut off */
                continue;
            case I_CHAR: step = cur == (long)in->arg; break;
            case I_ANY: step = cur >= 0 && cur != '\n'; break;
            case I_CLASS: step = cur >= 0 && class_has(&re->cls[in->arg], (uint32_t)cur); break;
            default: break;
            }
            if (step) add_thread(&m, nl, cl->pc[k] + 1, tc, (long)next, len, cur, following);
        }
        if (pos >= len) break;
        Threads *t = cl;
        cl = nl;
        nl = t;
        prev = cur;
        cur = following;
        pos = next;
        next = after;
    }
done:
    free(m.mark);
    free(m.work);
    free(m.stack);
    free(a.pc);
    free(a.caps);
    free(b.pc);
    free(b.caps);
    free(init);
    return matched;
}

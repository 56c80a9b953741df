/* fuzz_struct.c - libFuzzer target that reads its input as a series of
 * choices and writes a Lyng program from them: declarations, class bodies
 * with hundreds of members, deep nesting of every bracket, long literals,
 * functions with many locals and parameters. Random bytes rarely get past
 * the parser; these programs do, so the compiler's sizes and limits and the
 * VM behind them are what gets fuzzed. The program is compiled and run with
 * the step budget and small heap of fuzz_common.h. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "lyng/limits.h"

/* Generated programs stay below this many bytes; sizes are chosen past
 * every limit of limits.h but not past the fuzzer's patience. */
#define MAX_PROGRAM (1u << 20)

typedef struct Gen {
    const uint8_t *in;
    size_t len, pos;
    char *out;
    size_t n, cap;
    int names;   /* v0 .. v<names-1> are declared */
    int depth;   /* nesting of the expression or block being written */
    int large;   /* sizes of 255 and more chosen */
    bool huge;   /* a size past 1001 was chosen */
} Gen;

static unsigned take(Gen *g) { return g->pos < g->len ? g->in[g->pos++] : 0; }
static unsigned pick(Gen *g, unsigned n) { return n ? take(g) % n : 0; }
/* a size: usually small, sometimes around or past one of the limits. A
 * program has at most two sizes of 255 or more, of which at most one huge,
 * and that only one time in 32 where a longer input asks for it: such a
 * program takes about a second under the sanitizers, a hundred times what a
 * small one takes */
static unsigned size_of(Gen *g) {
    static const unsigned big[] = {255, 256, 257, 300, 1000, 1001, 4096, 65535, 65536, 70000};
    unsigned c = take(g);
    if (c < 224) return c % 8;
    if (c < 246) return c % 64;
    unsigned n = big[c % (sizeof big / sizeof *big)];
    if (g->large == 2) return c % 64;
    g->large++;
    if (n > 1001) {
        /* asked for by a byte of an input of 64 bytes or more (a program of
         * some size already), never by its end (read as 0s) */
        bool asked = g->len >= 64 && g->pos < g->len && take(g) < 8;
        if (g->huge || !asked) return c % 64;
        g->huge = true;
    }
    return n;
}

static void put(Gen *g, const char *s, size_t k) {
    if (g->n + k + 1 > MAX_PROGRAM) return;
    if (g->n + k + 1 > g->cap) {
        g->cap = (g->n + k + 1) * 2;
        g->out = realloc(g->out, g->cap);
        if (!g->out) abort();
    }
    memcpy(g->out + g->n, s, k);
    g->n += k;
    g->out[g->n] = 0;
}
static void puts_(Gen *g, const char *s) { put(g, s, strlen(s)); }
static void putf(Gen *g, const char *fmt, long a) {
    char b[64];
    int k = snprintf(b, sizeof b, fmt, a);
    put(g, b, (size_t)k);
}
static bool full(Gen *g) { return g->n + 64 > MAX_PROGRAM; }

static void expr(Gen *g);
static void block(Gen *g);

static void name(Gen *g) {
    if (g->names && pick(g, 8)) putf(g, "v%ld", (long)pick(g, (unsigned)g->names));
    else puts_(g, pick(g, 2) ? "it" : "undefinedName");
}

static void nested(Gen *g, const char *open, const char *close) {
    unsigned n = size_of(g);
    if (n > LYNG_MAX_NESTING + 8) n = LYNG_MAX_NESTING + 8;
    for (unsigned i = 0; i < n && !full(g); i++) puts_(g, open);
    expr(g);
    for (unsigned i = 0; i < n; i++) puts_(g, close);
}

static void list(Gen *g, const char *open, const char *close, bool entries) {
    unsigned n = size_of(g);
    puts_(g, open);
    for (unsigned i = 0; i < n && !full(g); i++) {
        if (i) puts_(g, i % 16 ? ", " : ",\n");
        if (entries) putf(g, "\"k%ld\" => ", (long)i);
        if (pick(g, 4)) putf(g, "%ld", (long)i);
        else expr(g);
    }
    puts_(g, close);
}

static void expr(Gen *g) {
    if (full(g) || ++g->depth > 40) {
        g->depth--;
        puts_(g, "1");
        return;
    }
    switch (pick(g, 16)) {
    case 0: putf(g, "%ld", (long)(int8_t)take(g)); break;
    case 1: {
        unsigned n = size_of(g);
        puts_(g, "\"");
        for (unsigned i = 0; i < n && !full(g); i++) puts_(g, pick(g, 8) ? "ab" : "${1}");
        puts_(g, "\"");
        break;
    }
    case 2: name(g); break;
    case 3: expr(g); puts_(g, (const char *[]){" + ", " - ", " * ", " / ", " % ", " == ", " < ", " ?: ", " && ", " .. "}[pick(g, 10)]); expr(g); break;
    case 4: list(g, "[", "]", false); break;
    case 5: list(g, "Map(", ")", true); break;
    case 6: nested(g, "(", ")"); break;
    case 7: nested(g, "[", "]"); break;
    case 8: puts_(g, "{ x -> "); expr(g); puts_(g, " }"); break;
    case 9: puts_(g, "if ("); expr(g); puts_(g, ") "); expr(g); puts_(g, " else "); expr(g); break;
    case 10: name(g); list(g, "(", ")", false); break;
    case 11: expr(g); puts_(g, (const char *[]){".size", ".toString()", "?.length", "[0]", ".map { it }", "!!"}[pick(g, 6)]); break;
    case 12: puts_(g, "run "); block(g); break;
    case 13: puts_(g, "when ("); expr(g); puts_(g, ") { 1 -> "); expr(g); puts_(g, "\n else -> "); expr(g); puts_(g, " }"); break;
    case 14: nested(g, "-(", ")"); break;
    default: puts_(g, "\"${"); expr(g); puts_(g, "}\""); break;
    }
    g->depth--;
}

static void stmt(Gen *g);

static void block(Gen *g) {
    puts_(g, "{\n");
    unsigned n = pick(g, 4);
    for (unsigned i = 0; i < n && !full(g); i++) stmt(g);
    puts_(g, "}");
}

static void class_decl(Gen *g) {
    unsigned params = size_of(g), members = size_of(g);
    putf(g, "class C%ld(", (long)g->names);
    for (unsigned i = 0; i < params && !full(g); i++) putf(g, i ? ", val p%ld" : "val p%ld", (long)i);
    puts_(g, ") {\n");
    for (unsigned i = 0; i < members && !full(g); i++) {
        switch (pick(g, 4)) {
        case 0: putf(g, "  fun m%ld() = ", (long)i); expr(g); break;
        case 1: putf(g, "  var f%ld = ", (long)i); expr(g); break;
        case 2: putf(g, "  val g%ld get() = ", (long)i); expr(g); break;
        default: putf(g, "  static fun s%ld() = 1", (long)i); break;
        }
        puts_(g, "\n");
    }
    puts_(g, "}\n");
    putf(g, "val v%ld = C", (long)g->names);
    putf(g, "%ld(", (long)g->names);
    for (unsigned i = 0; i < params && !full(g); i++) puts_(g, i ? ", 1" : "1");
    puts_(g, ")\n");
    g->names++;
}

static void stmt(Gen *g) {
    if (full(g) || ++g->depth > 60) {
        g->depth--;
        return;
    }
    switch (pick(g, 12)) {
    case 0:
    case 1:
        puts_(g, pick(g, 2) ? "val v" : "var v");
        putf(g, "%ld = ", (long)g->names++);
        expr(g);
        break;
    case 2: {
        unsigned params = size_of(g), locals = size_of(g);
        putf(g, "fun v%ld(", (long)g->names++);
        for (unsigned i = 0; i < params && !full(g); i++) putf(g, i ? ", a%ld" : "a%ld", (long)i);
        puts_(g, ") {\n");
        for (unsigned i = 0; i < locals && !full(g); i++) putf(g, "  val l%ld = 1\n", (long)i);
        stmt(g);
        puts_(g, "\n}");
        break;
    }
    case 3: class_decl(g); break;
    case 4: {
        unsigned n = size_of(g) + 1;
        putf(g, "enum E%ld {", (long)g->names++);
        for (unsigned i = 0; i < n && !full(g); i++) putf(g, i ? ", A%ld" : "A%ld", (long)i);
        puts_(g, "}");
        break;
    }
    case 5: puts_(g, "if ("); expr(g); puts_(g, ") "); block(g); puts_(g, " else "); block(g); break;
    case 6: puts_(g, "for (i in 0..<3) "); block(g); break;
    case 7: puts_(g, "try "); block(g); puts_(g, " catch (e) { }"); break;
    case 8: {
        unsigned n = size_of(g);
        if (n > LYNG_MAX_NESTING + 8) n = LYNG_MAX_NESTING + 8;
        for (unsigned i = 0; i < n && !full(g); i++) puts_(g, "if (true) {\n");
        stmt(g);
        for (unsigned i = 0; i < n; i++) puts_(g, "\n}");
        break;
    }
    case 9: puts_(g, "println("); expr(g); puts_(g, ")"); break;
    case 10: name(g); puts_(g, " = "); expr(g); break;
    default: expr(g); break;
    }
    puts_(g, "\n");
    g->depth--;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Gen g = {.in = data, .len = size};
    puts_(&g, "");
    while (g.pos < g.len && !full(&g)) stmt(&g);
    /* LYNG_FUZZ_SHOW=1 prints the program, to turn a finding into a test */
    static int show = -1;
    if (show < 0) show = getenv("LYNG_FUZZ_SHOW") != NULL;
    if (show) fwrite(g.out, 1, g.n, stdout);
    lyng_vm *vm = fuzz_vm_new();
    if (lyng_eval(vm, "struct.lyng", g.out, g.n) != LYNG_COMPILE_ERROR) fuzz_run_to_end(vm);
    (void)lyng_result_text(vm);
    lyng_free(vm);
    free(g.out);
    return 0;
}

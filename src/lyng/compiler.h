/* compiler.h - single-pass compiler from Lyng source to bytecode. */
#ifndef LYNG_COMPILER_H
#define LYNG_COMPILER_H

#include "value.h"

typedef enum {
#define OP(name, n, eff) OP_##name,
#include "opcodes.h"
#undef OP
    OP__COUNT
} OpCode;

/* Every index, count and jump offset in the bytecode is an operand of ARG
 * bytes, a little-endian u32, so no function is limited by its encoding
 * below what memory allows. ARG_NONE stands for "no constant". */
#define ARG 4
#define ARG_NONE 0xFFFFFFFFu

/* Sets p->checked_entry from its finished code: the prologue's leading run
 * of ARG_REQUIRED checks, one per parameter without a default, is skipped by
 * a call that passes every parameter (each check is then a dispatch that
 * cannot fail: a fifth of those of a small function like fib). */
static inline void proto_set_checked_entry(Proto *p) {
    uint32_t i = 0;
    while (i + ARG < p->code_len && p->code[i] == OP_ARG_REQUIRED) i += 1 + ARG;
    p->checked_entry = i;
}

/* Compiles a whole script into a function prototype. On error returns NULL
 * and sets *error to a malloc'd report: "file:line:col: message", the source
 * line and a caret under the column. */
Proto *compile_script(VM *vm, const char *name, const char *src, size_t len, char **error);

#endif

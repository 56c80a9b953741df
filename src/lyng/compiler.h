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

/* Compiles a whole script into a function prototype. On error returns NULL
 * and sets *error to a malloc'd report: "file:line:col: message", the source
 * line and a caret under the column. */
Proto *compile_script(VM *vm, const char *name, const char *src, size_t len, char **error);

#endif

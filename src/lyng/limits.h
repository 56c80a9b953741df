/* limits.h - the few limits the implementation keeps, each named once.
 *
 * Everything else (constants and code per function, members, fields and
 * bases per class, enum entries, arguments of a call, elements of a literal,
 * names in a destructuring pattern, delegated names) is bounded only by
 * memory: bytecode operands are 32 bits wide (compiler.h). What stays
 * is either an encoding (a count kept in 16 bits of every function
 * prototype) or a guard for the C stack, which the compiler and the printer
 * of nested values recurse on: 8 MiB natively, 1 MiB in the wasm build. */
#ifndef LYNG_LIMITS_H
#define LYNG_LIMITS_H

#include <limits.h>

/* Parameters of one function (Proto.nparams). */
#define LYNG_MAX_PARAMS 65535

/* Variables one function captures from enclosing ones (Proto.nupvals). */
#define LYNG_MAX_UPVALUES 65535

/* Brackets ( [ { nested inside each other in one script. */
#define LYNG_MAX_NESTING 1000

/* Containers nested inside each other in one value (lists of lists, maps
 * of instances...), for what walks a value recursively in C: `==`,
 * ordering, printing, toJsonString/Json.parse and Lynon. A deeper value
 * raises an exception there (printing shows `...`); building it is fine. */
#define LYNG_MAX_VALUE_DEPTH 1000

/* Recursion of the parser (expressions and statements under way): a level
 * of brackets costs at most three. It also bounds what nests without
 * brackets (`a = b = c`, `- - x`), which on wasm runs into V8's own limit on
 * the native stack, whatever our stack holds: about 3,050 assignments on
 * Node 20. */
#define LYNG_MAX_PARSE_DEPTH (3 * LYNG_MAX_NESTING + 10)

/* C stack the parser may use before it reports input as nested too deeply
 * (compiler.c): LYNG_MAX_NESTING levels of any bracket take less, up to
 * about 1 KiB a level. The wasm build has 2 MiB of stack (Makefile), a
 * native thread usually 8 MiB, and the sanitizers' frames are about three
 * times larger. */
#ifdef __wasm__
#define LYNG_PARSER_STACK (1792u * 1024)
#else
#define LYNG_PARSER_STACK (6u * 1024 * 1024)
#endif

/* Native code calling Lyng calling native code... (an equals() that
 * compares a field of its own class with ==, a hashCode() that hashes one)
 * nests the interpreter on the C stack: it may take this much of it, and
 * on wasm at most this many levels, as V8 bounds the native stack of wasm
 * frames itself, below what the wasm stack holds (a level takes about
 * 0.7 KiB natively, 2 KiB on wasm: about 7,600 and 800 levels). */
#ifdef __wasm__
#define LYNG_SYNC_STACK (1536u * 1024)
#define LYNG_MAX_SYNC_DEPTH 1000
#else
#define LYNG_SYNC_STACK (5u * 1024 * 1024)
#define LYNG_MAX_SYNC_DEPTH INT_MAX /* natively the stack alone bounds it */
#endif

/* Regular expressions (regex.c). The matcher is a Pike VM: its time per
 * input character grows with the program's size, and each search holds two
 * thread lists of (instructions x capture slots) positions, so these bound
 * what one search costs rather than any encoding. */
#define LYNG_MAX_REGEX_REPEAT 1000     /* m and n of a{m,n} (as RE2) */
#define LYNG_MAX_REGEX_GROUPS 1000     /* capturing groups in one pattern */
#define LYNG_MAX_REGEX_NESTING 1000    /* groups inside groups */
#define LYNG_MAX_REGEX_PROGRAM 100000  /* instructions, after a{m,n} is expanded */
#define LYNG_MAX_REGEX_THREAD_CELLS 4194304 /* instructions x capture slots: 32 MiB a list */

#endif

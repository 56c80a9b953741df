/* repl.h - the interactive read-eval-print loop of `lyng`, one for every
 * platform: the native binary drives it with libedit and epoll
 * (main_native.c), bin/lyng with Node's readline (through wasm_exports.c,
 * in lyng-cli.wasm).
 * The driver reads lines and hands them over; the REPL decides when input
 * is complete (when the compiler does not stop at the end of the input),
 * runs each input as a task of one VM, and prints results and errors.
 * Coroutines launched at the prompt go on running between prompts: the
 * driver calls repl_step whenever host events arrive. */
#ifndef LYNG_CLI_REPL_H
#define LYNG_CLI_REPL_H

#include <stdbool.h>

#include "cli.h"

typedef struct repl repl;

/* What repl_step says about the VM: REPL_IDLE, REPL_WAIT, REPL_AGAIN,
 * REPL_QUIT (lyng_constants.h says what each means). */
#define REPL_STEP_ENUM(name, value) REPL_##name = value,
enum { LYNG_REPL_STEP_MAP(REPL_STEP_ENUM) };
#undef REPL_STEP_ENUM

/* Prints the banner. */
repl *repl_new(cli *c);
void repl_free(repl *r);
lyng_vm *repl_vm(repl *r);
/* "lyng> ", or "....> " while an input continues over several lines. */
const char *repl_prompt(repl *r);
/* Takes one line (without its newline). Returns REPL_QUIT for :quit, else
 * REPL_AGAIN when a statement started (repl_busy) or REPL_IDLE. */
int repl_feed(repl *r, const char *line);
/* Runs whatever can run; when the statement ends, prints its value or
 * error. */
int repl_step(repl *r);
/* A statement is running: the driver shows no prompt. */
bool repl_busy(repl *r);
/* Ctrl-C: stops the running statement (and the coroutines it launched),
 * or drops a partly typed input. */
void repl_interrupt(repl *r);
int repl_exit_code(repl *r);
/* Called before anything is printed while no statement runs (a background
 * coroutine prints over the prompt: the driver clears the prompt first). */
void repl_set_print_hook(repl *r, void (*hook)(void));

#endif

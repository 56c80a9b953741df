/* cli.h - the `lyng` command line as a step function, shared by the native
 * binary (main_native.c) and the wasm command (driven from JavaScript).
 *
 * cli_step() runs until the script must wait for the host and then returns
 * CLI_WAITING; the caller waits for host events (native and WASI:
 * lyng_host_wait on cli_vm(c); wasm: the JS event loop) and calls it again. With a
 * slice set (cli_set_slice) it may also return CLI_YIELDED: the script can
 * go on, the caller calls again soon. Any other return value (>= 0) is the
 * process exit code. */
#ifndef LYNG_CLI_H
#define LYNG_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "../include/lyng.h"

typedef struct cli cli;

/* CLI_WAITING, CLI_YIELDED (lyng_constants.h) */
#define CLI_STEP_ENUM(name, value) CLI_##name = value,
enum { LYNG_CLI_STEP_MAP(CLI_STEP_ENUM) };
#undef CLI_STEP_ENUM

/* Parses the command line. Usage errors, --help and --version are reported
 * here; the first cli_step then returns their exit code. */
cli *cli_new(int argc, char **argv);
int cli_step(cli *c);
/* The VM running and every VM made afterwards return to the caller of
 * cli_step after `steps` loop back-edges and calls (lyng_set_slice); 0, the
 * default, never. On
 * wasm this lets V8 swap the interpreter loop for its optimized code, which
 * it can only do between two calls of the loop. */
void cli_set_slice(cli *c, uint32_t steps);
/* The VM currently running (NULL before the first step and between doc
 * tests). */
lyng_vm *cli_vm(cli *c);
void cli_free(cli *c);

/* True when no script, code or doc test was given: the native binary then
 * starts the REPL if stdin is a terminal, otherwise cli_step runs stdin. */
bool cli_wants_repl(cli *c);
/* A fresh VM configured like the script's: -D globals, ARGV, the network
 * module and policy. The REPL uses it; the caller frees it. */
lyng_vm *cli_new_vm(cli *c, const lyng_config *cfg);

#endif

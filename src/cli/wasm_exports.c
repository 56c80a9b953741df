/* wasm_exports.c - what the command line adds to the exports of the wasm
 * module (lyng-cli.wasm, which bin/lyng loads; the library's own exports
 * are src/host/js_exports.c): the command line of cli.h and the REPL of
 * repl.h, driven step by step from Node's event loop. The command line
 * writes through WASI stdout/stderr like the native binary.
 *
 * JS must re-read memory.buffer after any of these calls: each may grow
 * linear memory. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "repl.h"

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(name) __attribute__((import_module("lyng_host"), import_name(name)))

/* The REPL is about to print while its prompt is shown. */
IMPORT("repl_print") void js_repl_print(void);

/* argv is an array of argc pointers to NUL-terminated strings, owned by JS
 * until lyng_wasm_cli_free. */
EXPORT("lyng_wasm_cli_new") cli *lyng_wasm_cli_new(int argc, char **argv) { return cli_new(argc, argv); }

/* CLI_WAITING while the script waits on the host, CLI_YIELDED
 * when its slice ran out, else the process exit code. */
EXPORT("lyng_wasm_cli_step") int lyng_wasm_cli_step(cli *c) { return cli_step(c); }
EXPORT("lyng_wasm_cli_set_slice") void lyng_wasm_cli_set_slice(cli *c, uint32_t steps) { cli_set_slice(c, steps); }
EXPORT("lyng_wasm_cli_free") void lyng_wasm_cli_free(cli *c) { cli_free(c); }

/* The REPL of repl.c; JavaScript reads the terminal (asynchronously) and
 * hands over lines. */
EXPORT("lyng_wasm_cli_wants_repl") int lyng_wasm_cli_wants_repl(cli *c) { return cli_wants_repl(c); }

EXPORT("lyng_wasm_repl_new") repl *lyng_wasm_repl_new(cli *c) {
    repl *r = repl_new(c);
    if (r) repl_set_print_hook(r, js_repl_print);
    return r;
}
EXPORT("lyng_wasm_repl_free") void lyng_wasm_repl_free(repl *r) { repl_free(r); }
EXPORT("lyng_wasm_repl_prompt") const char *lyng_wasm_repl_prompt(repl *r) { return repl_prompt(r); }
/* line is NUL-terminated, without its newline. */
EXPORT("lyng_wasm_repl_feed") int lyng_wasm_repl_feed(repl *r, const char *line) { return repl_feed(r, line); }
EXPORT("lyng_wasm_repl_step") int lyng_wasm_repl_step(repl *r) { return repl_step(r); }
EXPORT("lyng_wasm_repl_busy") int lyng_wasm_repl_busy(repl *r) { return repl_busy(r); }
EXPORT("lyng_wasm_repl_interrupt") void lyng_wasm_repl_interrupt(repl *r) { repl_interrupt(r); }
EXPORT("lyng_wasm_repl_exit_code") int lyng_wasm_repl_exit_code(repl *r) { return repl_exit_code(r); }

/* C stdio buffers stdout; JS calls this before the process exits. */
EXPORT("lyng_wasm_flush") void lyng_wasm_flush(void) { fflush(NULL); }

/* WASI has no current directory of its own: the runner preopens "/" and
 * sets the process's directory here, so relative paths (also "../x")
 * resolve as they do natively. Returns 0, or -1 with errno set. */
EXPORT("lyng_wasm_chdir") int lyng_wasm_chdir(const char *path) { return chdir(path); }

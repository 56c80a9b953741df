/* main_wasi.c - the `lyng` command of the WASI 0.2 build: drives the
 * command line state machine (cli.c) with the wasi:io/poll host
 * (src/host/wasi.c). There is no REPL: without a script, stdin is run. */
#define _POSIX_C_SOURCE 200809L /* chdir */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../wasi/abi/cli_exit.h"
#include "../../wasi/abi/clocks_monotonic.h"
#include "../../wasi/abi/io_poll.h"
#include "cli.h"

/* Output is flushed before every wait, as natively: a server that prints
 * "listening" and then waits must be seen by whoever reads its pipe. */
static void wait_for_host(lyng_vm *vm) {
    fflush(stdout);
    lyng_host_wait(vm, -1);
}

int main(int argc, char **argv) {
    /* WASI has no current directory of its own; relative script paths are
     * taken from the one the runner started in, as a shell would. */
    const char *pwd = getenv("PWD");
    if (pwd && pwd[0] == '/') chdir(pwd);
    /* A host may set up its I/O on the first call that needs it (Node's
     * shim starts a worker thread, tens of milliseconds). One throwaway
     * timer does that before the script runs, so the script's first
     * `delay` calls are not set apart by it. */
    wasi_pollable_drop(wasi_monotonic_subscribe_duration(0));
    cli *c = cli_new(argc, argv);
    if (!c) return 70;
    int code;
    while ((code = cli_step(c)) < 0) wait_for_host(cli_vm(c));
    cli_free(c);
    /* Returning a non-zero status from main reaches the host as a bare
     * failure (exit code 1); exit-with-code keeps the number. */
    fflush(NULL);
    code &= 0xff; /* what a POSIX exit status keeps, as natively */
    if (code != 0) wasi_exit_with_code(code);
    return 0;
}

/* cli_exit.h - wasi:cli/exit@0.2.12. exit-with-code keeps the process exit
 * code (exit(result) only knows success and failure); wasmtime provides it
 * with -S cli-exit-with-code. */
#ifndef LYNG_WASI_CLI_EXIT_H
#define LYNG_WASI_CLI_EXIT_H

#include "abi.h"

WASI_IMPORT("wasi:cli/exit", "exit-with-code") _Noreturn void wasi_exit_with_code(int32_t code);

#endif

/* local_modules.h - the modules a script file brings along: every .lyng
 * file under the script's directory, importable by its relative path. */
#ifndef LYNG_CLI_LOCAL_MODULES_H
#define LYNG_CLI_LOCAL_MODULES_H

#include <stdbool.h>

#include "../include/lyng.h"

/* Registers root/a/b.lyng as module `a.b` for every file under the
 * directory of `script` (the script itself excluded). Prints what is wrong
 * and returns false when two files give one module name or a file's
 * `package` line does not match its place. */
bool local_modules_register(lyng_vm *vm, const char *script);

#endif

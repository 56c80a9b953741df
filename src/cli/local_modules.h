/* local_modules.h - the modules a script file brings along: the .lyng files
 * under the script's directory, importable by their relative path. */
#ifndef LYNG_CLI_LOCAL_MODULES_H
#define LYNG_CLI_LOCAL_MODULES_H

#include <stdbool.h>

#include "../include/lyng.h"

/* Makes `import a.b` find a/b.lyng in the directory of `script` when the
 * import runs (lyng_set_module_dir); nothing is read before. Returns true. */
bool local_modules_register(lyng_vm *vm, const char *script);

#endif

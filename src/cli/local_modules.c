/* local_modules.c - the directory holding the script is the root of its
 * modules: root/util/answer.lyng is `import util.answer`. The VM looks a
 * module up there when an import first names it (src/lyng/module_files.c),
 * so files nobody imports are never read. */
#include "local_modules.h"

#include <stdlib.h>
#include <string.h>

bool local_modules_register(lyng_vm *vm, const char *script) {
    const char *slash = strrchr(script, '/');
    if (!slash) {
        lyng_set_module_dir(vm, ".");
    } else if (slash == script) {
        lyng_set_module_dir(vm, "/");
    } else {
        size_t n = (size_t)(slash - script);
        char *root = malloc(n + 1);
        if (!root) abort();
        memcpy(root, script, n);
        root[n] = 0;
        lyng_set_module_dir(vm, root);
        free(root);
    }
    return true;
}

/* editline_native.c - loads libedit for the REPL (see editline.h). */
#include "editline.h"

#include "host/lib_load.h"

editline_fns editline;

static const char *const lib_names[] = {"libedit.so.2", "libedit.so.0", "libedit.3.dylib", "libedit.dylib"};

bool editline_load(void) {
    static int state; /* 0 not tried, 1 loaded, -1 failed */
    if (state) return state > 0;
    state = -1;
    void *h = lib_load_first(lib_names, sizeof lib_names / sizeof lib_names[0]);
    if (!h) return false;
#define EDITLINE_RESOLVE(name)                                           \
    if (!(editline.name = (__typeof__(editline.name))dlsym(h, #name))) \
        return false;
    EDITLINE_FUNCS(EDITLINE_RESOLVE)
    EDITLINE_VARS(EDITLINE_RESOLVE)
#undef EDITLINE_RESOLVE
    state = 1;
    return true;
}

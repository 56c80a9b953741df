/* lib_load.h - opens the first shared library of a list that loads, for the
 * native builds' optional libraries (OpenSSL, libedit), mapped only when a
 * script first needs them so a plain start pays nothing for them. */
#ifndef LYNG_HOST_LIB_LOAD_H
#define LYNG_HOST_LIB_LOAD_H

#include <dlfcn.h>
#include <stddef.h>

/* The handle of the first name dlopen accepts, or NULL when none does. */
static inline void *lib_load_first(const char *const *names, size_t count) {
    void *h = NULL;
    for (size_t i = 0; !h && i < count; i++) h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    return h;
}

#endif

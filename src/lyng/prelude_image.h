/* prelude_image.h - the prelude precompiled at build time (prelude_image.c):
 * written by tools/prelude_image.c, loaded by lyng_new. */
#ifndef LYNG_PRELUDE_IMAGE_H
#define LYNG_PRELUDE_IMAGE_H

#include "vm.h"

/* The prelude's script function from the image built in, with its globals
 * numbered; NULL when there is none (the tool's own build) or it does not
 * fit this VM. Call with the collector paused. */
Proto *prelude_image_load(VM *vm, const char *source_name);

/* Appends the image of `p`, the compiled prelude, to `out`. globals_before:
 * how many globals the VM had before it was compiled. False (with *why)
 * when the compiler left something the image cannot carry. */
bool prelude_image_write(VM *vm, Proto *p, uint32_t globals_before, StrBuf *out, const char **why);

/* api.c: a VM built up to its prelude, for the tool that writes the image. */
VM *vm_new_before_prelude(const lyng_config *cfg);

#endif

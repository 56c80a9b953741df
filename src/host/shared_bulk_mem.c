/* shared_bulk_mem.c - memcpy, memmove and memset of the wasm builds (js
 * and WASI), in place of wasi-libc's. The wasm code is compiled with bulk
 * memory (Makefile), so its own block copies and fills are already
 * memory.copy and memory.fill, which the engine runs natively; these are
 * what wasi-libc's code calls (dlmalloc's realloc copying a List or Map
 * that grew, calloc), and they replace libc's copy and fill loops, which
 * took 1 KiB of the module's gzip size. Native builds keep the C
 * library's. */
#if defined(__wasm__) && defined(__wasm_bulk_memory__)
#include <stddef.h>

/* with bulk memory the builtins are the instructions, not calls back here */
void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
    __builtin_memmove(dst, src, n);
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    __builtin_memmove(dst, src, n);
    return dst;
}

void *memset(void *dst, int c, size_t n) {
    __builtin_memset(dst, c, n);
    return dst;
}
#else
typedef int shared_bulk_mem_unused_; /* an empty file is not C */
#endif

/* mem.c - the one realloc every growing buffer of the runtime uses.
 *
 * Memory is held back for the moment the system refuses an allocation the
 * VM's limit allowed: given back then, so that allocation and the unwinding
 * after it succeed. Every VM of the process shares it; the refusal is noted
 * for the VM allocation that comes next (gc.c), which makes its limit what
 * is in use, so its next safe point throws an OutOfMemoryException. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "vm.h"

static void *reserve;
static bool refused;
static unsigned holders; /* VMs alive; the last one gives the reserve back */

void lyng_mem_reserve(void) {
    holders++;
    if (!reserve) reserve = malloc(LYNG_OOM_RESERVE);
}

void lyng_mem_unreserve(void) {
    if (holders && --holders == 0) {
        free(reserve);
        reserve = NULL;
    }
}

#ifdef __wasm__
__attribute__((noinline)) /* one copy, not one in each caller */
#endif
void *lyng_mem_realloc(void *p, size_t size) {
    void *np = realloc(p, size);
    if (!np && reserve) {
        free(reserve);
        reserve = NULL;
        refused = true;
        np = realloc(p, size);
    }
    if (!np) {
        fprintf(stderr, "lyng: out of memory (%zu bytes requested)\n", size);
        abort();
    }
    return np;
}

#ifdef __wasm__
/* wasi-libc's allocator (dlmalloc) grows a block in place only into free
 * room after it, and extends its heap (sbrk) by only what an allocation
 * needs: a List or Map growing at the top of the heap was copied into
 * fresh memory at every doubling, which faulted in twice the pages
 * (natively, glibc's realloc moves a big block's pages with mremap).
 * Allocating the room and freeing it leaves it free right after such a
 * block, as the heap's top, so the realloc that follows extends the block
 * in place; a block elsewhere is copied as before, and the room stays for
 * the next allocations. Large blocks only (gc.c's large_realloc). */
void lyng_mem_room(size_t old, size_t size) {
    if (size <= old) return;
    void *volatile room = malloc(size - old); /* volatile: kept, not optimized away */
    free(room);
}
#endif

bool lyng_mem_refused(void) {
    bool r = refused;
    refused = false;
    return r;
}

/* fuzz_doctest.c - libFuzzer target: the Markdown doc-test parser, the id
 * masking and the comparison of a block with output and a result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/doctest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *md = (const char *)data;
    doctest_block *blocks = NULL;
    size_t n = 0;
    if (doctest_parse(md, size, &blocks, &n) != 0) return 0;
    for (size_t i = 0; i < n; i++) {
        const doctest_block *b = &blocks[i];
        if (b->nexpected == 0 || b->script[b->script_len] != 0) abort(); /* what doctest.h promises */
        /* compare against text from the block itself, so matches happen too */
        char *diff = NULL;
        const char *result = b->expected[b->nexpected - 1];
        bool same = doctest_compare(b, b->script, b->script_len, result, &diff);
        if (same != (diff == NULL)) abort();
        free(diff);
        char *masked = doctest_mask_ids(b->script, b->script_len);
        free(masked);
    }
    doctest_free(blocks, n);
    char *masked = doctest_mask_ids(md, size);
    free(masked);
    return 0;
}

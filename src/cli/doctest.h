/* doctest.h - doc tests in Markdown: finding the `>>>` blocks and comparing
 * what a block printed and returned with what it expects. Pure text, no VM:
 * the command line runs the scripts (see LANGUAGE.md, "Doc tests"). */
#ifndef LYNG_DOCTEST_H
#define LYNG_DOCTEST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct doctest_block {
    int line;          /* 1-based line of the block's first line in the file */
    char *script;      /* lines before the first `>>> `, de-indented, '\n'-terminated */
    size_t script_len;
    char **expected;   /* text after `>>> ` of each expectation line, in order */
    size_t nexpected;  /* >= 1: the last one is the expected inspect() */
    int bad_line;      /* a line after the first `>>> ` that is not one (0: none);
                          such a block is malformed and fails without running */
} doctest_block;

/* Finds every test block of a Markdown text. Returns 0, or -1 when out of
 * memory. The caller frees the blocks with doctest_free. */
int doctest_parse(const char *md, size_t len, doctest_block **out, size_t *n);
void doctest_free(doctest_block *blocks, size_t n);

/* Copies s with every `@` followed by digits turned into `@...`, so object
 * ids never make a test fail. Returns a malloc'd string (NULL: no memory). */
char *doctest_mask_ids(const char *s, size_t len);

/* Compares a block's expectations with what its script did: `output` is
 * everything it printed, `result` the inspect() of its final value (or the
 * "Class: message" of its error). Returns true when they agree; otherwise,
 * when `diff` is not NULL, stores a malloc'd report of the differing lines
 * ("  - expected" / "  + actual", equal lines with two spaces). */
bool doctest_compare(const doctest_block *b, const char *output, size_t output_len, const char *result,
                     char **diff);

#endif

/* regex.h - a small regular expression engine for UTF-8 text.
 *
 * Patterns compile to a program for a Pike VM: all alternatives advance in
 * lock step over the input, so matching takes O(pattern * input) time and
 * memory bounded by the pattern, whatever the pattern (no backtracking, so no
 * catastrophic cases like `(a*)*b`). Submatch priorities follow Perl/Java:
 * leftmost match, greedy or lazy quantifiers, first alternative first. */
#ifndef LYNG_REGEX_H
#define LYNG_REGEX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct Regex Regex;

/* Compiles `pat`. On a malformed or too large pattern returns NULL and writes
 * a message ending in "at position N" (a character index) to err. */
Regex *regex_compile(const char *pat, size_t len, char *err, size_t errlen);
void regex_free(Regex *re);

/* Number of capture groups, counting the whole match as group 0. */
int regex_groups(const Regex *re);

/* Searches text[start..len) for the leftmost match (with `whole`: only a match
 * spanning all of text[start..len)). On success fills caps[2*g], caps[2*g+1]
 * with the byte range of group g (-1, -1 for a group that did not take part)
 * and returns true. caps has room for 2 * regex_groups(re) entries. Returns
 * false when there is no match, or when memory runs out (*oom set). */
bool regex_search(const Regex *re, const char *text, size_t len, size_t start, bool whole, long *caps, bool *oom);

#endif

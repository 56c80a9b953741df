/* test_regex.c - standalone checks of the regex engine (src/lyng/regex.c):
 * match positions and groups, priorities of greedy/lazy quantifiers and
 * alternatives, error messages, and linear time on hostile patterns.
 * Build: cc -Isrc tools/test_regex.c src/lyng/regex.c src/lyng/utf8.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/lyng/regex.h"

static int passed, failed;

/* Searches `text` for `pat`; `want` is "start,end" of group `g`, or "none". */
static void check(const char *pat, const char *text, bool whole, int g, const char *want) {
    char err[200], got[64];
    Regex *re = regex_compile(pat, strlen(pat), err, sizeof err);
    if (!re) {
        failed++;
        printf("FAIL /%s/: compile error %s\n", pat, err);
        return;
    }
    long caps[200];
    bool oom;
    if (regex_search(re, text, strlen(text), 0, whole, caps, &oom)) snprintf(got, sizeof got, "%ld,%ld", caps[2 * g], caps[2 * g + 1]);
    else snprintf(got, sizeof got, "none");
    regex_free(re);
    if (strcmp(got, want) == 0) passed++;
    else {
        failed++;
        printf("FAIL /%s/ on \"%s\" group %d: got %s, want %s\n", pat, text, g, got, want);
    }
}

static void check_error(const char *pat, const char *want) {
    char err[200];
    Regex *re = regex_compile(pat, strlen(pat), err, sizeof err);
    if (!re && strcmp(err, want) == 0) passed++;
    else {
        failed++;
        printf("FAIL /%s/: want error \"%s\", got %s\n", pat, want, re ? "a regex" : err);
    }
    regex_free(re);
}

static void check_fast(const char *pat, char fill, size_t n, const char *tail) {
    char err[200];
    Regex *re = regex_compile(pat, strlen(pat), err, sizeof err);
    size_t tl = strlen(tail);
    char *text = malloc(n + tl + 1);
    memset(text, fill, n);
    memcpy(text + n, tail, tl + 1);
    clock_t t0 = clock();
    long caps[20];
    bool oom;
    bool m = re && regex_search(re, text, n + tl, 0, false, caps, &oom);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    if (re && !m && secs < 2.0) passed++;
    else {
        failed++;
        printf("FAIL hostile /%s/: %s after %.2fs\n", pat, m ? "matched" : "too slow", secs);
    }
    free(text);
    regex_free(re);
}

int main(void) {
    check("\\d+", "abc123def", false, 0, "3,6");
    check("a|ab", "ab", false, 0, "0,1");
    check("a|ab", "ab", true, 0, "0,2");
    check("(a+)(b*)", "xaaabbc", false, 2, "4,6");
    check("(a+?)", "aaa", false, 1, "0,1");
    check("a.*b", "a1b2b3", false, 0, "0,5");
    check("a.*?b", "a1b2b3", false, 0, "0,3");
    check("^abc$", "abc", false, 0, "0,3");
    check("^abc$", "xabc", false, 0, "none");
    check("\\bfoo\\b", "a foo.", false, 0, "2,5");
    check("\\Bfoo", "afoo foo", false, 0, "1,4");
    check("[a-c]+", "xxbcaz", false, 0, "2,5");
    check("[^a-c ]+", "ab xyz", false, 0, "3,6");
    check("[\\d.]+", "v1.25!", false, 0, "1,5");
    check("x{2,3}", "xxxxx", false, 0, "0,3");
    check("x{2}", "x xx", false, 0, "2,4");
    check("(?:ab){2,}", "abababa", false, 0, "0,6");
    check("a{,}", "a{,}", false, 0, "0,4");
    check("(a)|(b)", "b", false, 2, "0,1");
    check("(a)|(b)", "b", false, 1, "-1,-1");
    check("é+", "caféé!", false, 0, "3,7");
    check(".", "€", true, 0, "0,3");
    check("(a*)*b", "aab", false, 1, "0,2");
    check("", "abc", false, 0, "0,0");
    check("\\s\\S", "a  b", false, 0, "2,4");
    check("\\x41\\u00e9", "Aé", true, 0, "0,3");
    check_error("(ab", "missing ')' at position 0");
    check_error("ab)", "unmatched ')' at position 2");
    check_error("[a-", "missing ']' at position 0");
    check_error("*a", "nothing to repeat before '*' at position 0");
    check_error("a\\q", "unknown escape \\q at position 1");
    check_error("[z-a]", "range out of order in character class at position 1");
    check_error("x{3,1}", "repetition range {3,1} out of order at position 1");
    check_error("é(?<n>x)", "unsupported group syntax '(?' at position 1");
    check_error("a{1000}{1000}", "pattern needs more than 100000 instructions at position 7");
    check_fast("(a*)*b", 'a', 20000, "");
    check_fast("(a|aa)+$", 'a', 20000, "!");
    check_fast("(x+x+)+y", 'x', 20000, "");
    check_fast("(.*a){12}$", 'a', 5000, "!");
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}

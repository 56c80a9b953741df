/* test_doctest.c - unit test of the doc-test parser and comparison
 * (src/cli/doctest.c), independent of the VM. Prints "N passed, N failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/cli/doctest.h"

static int passed, failed;

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (cond) passed++;                                                \
        else {                                                             \
            failed++;                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                  \
    } while (0)

static doctest_block *parse(const char *md, size_t *n) {
    doctest_block *b = NULL;
    CHECK(doctest_parse(md, strlen(md), &b, n) == 0);
    return b;
}

static void test_basic(void) {
    const char *md =
        "# Title\n"
        "\n"
        "Text.\n"
        "\n"
        "    val x = 1\n"
        "\n"
        "    println(x)\n"
        "    >>> 1\n"
        "    >>> void\n"
        "\n"
        "\n"
        "More text.\n";
    size_t n = 0;
    doctest_block *b = parse(md, &n);
    CHECK(n == 1);
    if (n == 1) {
        CHECK(b[0].line == 5);
        CHECK(strcmp(b[0].script, "val x = 1\n\nprintln(x)\n") == 0);
        CHECK(b[0].nexpected == 2);
        CHECK(strcmp(b[0].expected[0], "1") == 0);
        CHECK(strcmp(b[0].expected[1], "void") == 0);
    }
    doctest_free(b, n);
}

static void test_not_tests(void) {
    const char *md =
        "```\n"
        "    1 + 1\n"
        "    >>> 2\n"
        "```\n"
        "\n"
        "    just code\n"
        "    no expectation\n"
        "\n"
        "~~~~\n"
        ">>> 3\n"
        "```\n"
        "    >>> still fenced\n"
        "~~~~\n"
        "\n"
        "    2 + 2\n"
        "    >>>4\n"
        "para\n"
        "\t3 * 3\r\n"
        "\t>>> 9\r\n";
    size_t n = 0;
    doctest_block *b = parse(md, &n);
    CHECK(n == 1);
    if (n == 1) {
        CHECK(b[0].line == 18);
        CHECK(strcmp(b[0].script, "3 * 3\n") == 0);
        CHECK(b[0].nexpected == 1 && strcmp(b[0].expected[0], "9") == 0);
    }
    doctest_free(b, n);
}

static void test_two_blocks_and_deeper_indent(void) {
    const char *md =
        "    if (true) {\n"
        "        1\n"
        "    }\n"
        "    >>>\n"
        "    >>> 1\n"
        "Between.\n"
        "      >>> \"x\"\n";
    size_t n = 0;
    doctest_block *b = parse(md, &n);
    /* the last line has 6 spaces: de-indented it starts with "  >>>", so
     * it is code, not an expectation, and its block is no test */
    CHECK(n == 1);
    if (n == 1) {
        CHECK(b[0].line == 1);
        CHECK(strcmp(b[0].script, "if (true) {\n    1\n}\n") == 0);
        CHECK(b[0].nexpected == 2 && strcmp(b[0].expected[0], "") == 0 && strcmp(b[0].expected[1], "1") == 0);
    }
    doctest_free(b, n);
}

static void test_bad_line(void) {
    const char *md =
        "    1\n"
        "    >>> 1\n"
        "\n"
        "    2\n"
        "    >>> 2\n"
        "\n"
        "    3\n"
        "    >>> 3\n"
        "\n"
        "    >>> 3\n";
    size_t n = 0;
    doctest_block *b = parse(md, &n);
    CHECK(n == 1);
    if (n == 1) {
        CHECK(b[0].bad_line == 4);
        CHECK(b[0].nexpected == 4);
    }
    doctest_free(b, n);
    md = "    1\n    >>> 1\n\n    >>> 1\n";
    b = parse(md, &n);
    CHECK(n == 1 && b[0].bad_line == 0 && b[0].nexpected == 2);
    doctest_free(b, n);
}

static void test_mask(void) {
    char *m = doctest_mask_ids("Callable@123 and a@b and @", 26);
    CHECK(m && strcmp(m, "Callable@... and a@b and @") == 0);
    free(m);
}

static void test_compare(void) {
    const char *md = "    println(\"a\")\n    >>> a\n    >>> Callable@7\n";
    size_t n = 0;
    doctest_block *b = parse(md, &n);
    CHECK(n == 1);
    if (n != 1) return;
    char *diff = NULL;
    CHECK(doctest_compare(&b[0], "a\n", 2, "Callable@42", &diff));
    CHECK(diff == NULL);
    CHECK(doctest_compare(&b[0], "a  \n", 4, "Callable@1", NULL));
    CHECK(!doctest_compare(&b[0], "b\n", 2, "Callable@1", &diff));
    CHECK(diff && strcmp(diff, "  - a\n  + b\n    Callable@...\n") == 0);
    free(diff);
    CHECK(!doctest_compare(&b[0], "", 0, "Callable@1", &diff));
    CHECK(diff && strcmp(diff, "  - a\n    Callable@...\n") == 0);
    free(diff);
    CHECK(!doctest_compare(&b[0], "a\nextra", 7, "Callable@1", &diff));
    CHECK(diff && strcmp(diff, "    a\n  + extra\n    Callable@...\n") == 0);
    free(diff);
    doctest_free(b, n);
}

int main(void) {
    test_basic();
    test_not_tests();
    test_two_blocks_and_deeper_indent();
    test_bad_line();
    test_mask();
    test_compare();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

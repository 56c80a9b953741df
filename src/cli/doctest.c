/* doctest.c - finds the doc-test blocks of a Markdown file and compares a
 * block's expectations with what its script printed and returned.
 *
 * A block is a maximal run of lines indented by 4 or more columns (blank
 * lines inside allowed, trailing ones dropped) with at least one line that
 * starts with `>>> ` once de-indented. Fenced blocks never hold tests: they
 * are how the docs show code that must not run. */
#include "doctest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct span {
    const char *s;
    size_t len;
} span;

static bool is_blank(span l) {
    for (size_t i = 0; i < l.len; i++)
        if (l.s[i] != ' ' && l.s[i] != '\t') return false;
    return true;
}

/* The text after 4 columns of indentation, or false if the line is not
 * indented that far. A tab advances to the next multiple of 4. */
static bool deindent(span l, span *out) {
    size_t i = 0;
    int col = 0;
    while (i < l.len && col < 4) {
        if (l.s[i] == ' ') col++;
        else if (l.s[i] == '\t') col = (col / 4 + 1) * 4;
        else break;
        i++;
    }
    if (col < 4) return false;
    out->s = l.s + i;
    out->len = l.len - i;
    return true;
}

/* A fence opens or closes with 3+ backticks or tildes after at most 3
 * spaces. Returns the fence character and its run length in *count. */
static char fence_of(span l, size_t *count) {
    size_t i = 0;
    while (i < l.len && i < 3 && l.s[i] == ' ') i++;
    if (i >= l.len || (l.s[i] != '`' && l.s[i] != '~')) return 0;
    char c = l.s[i];
    size_t n = 0;
    while (i + n < l.len && l.s[i + n] == c) n++;
    if (n < 3) return 0;
    *count = n;
    return c;
}

static bool is_expect(span l) {
    if (l.len < 3 || memcmp(l.s, ">>>", 3) != 0) return false;
    return l.len == 3 || l.s[3] == ' ';
}

static char *dup_span(const char *s, size_t len) {
    char *d = malloc(len + 1);
    if (!d) return NULL;
    memcpy(d, s, len);
    d[len] = 0;
    return d;
}

typedef struct parser {
    doctest_block *blocks;
    size_t n, cap;
    span *lines; /* de-indented lines of the block being collected */
    size_t nlines, lcap;
    int first_line;
} parser;

static int push_line(parser *p, span l) {
    if (p->nlines == p->lcap) {
        size_t ncap = p->lcap ? p->lcap * 2 : 32;
        span *nl = realloc(p->lines, ncap * sizeof *nl);
        if (!nl) return -1;
        p->lines = nl;
        p->lcap = ncap;
    }
    p->lines[p->nlines++] = l;
    return 0;
}

/* Turns the collected lines into a block if they hold a `>>>` line. */
static int finish_block(parser *p) {
    while (p->nlines && is_blank(p->lines[p->nlines - 1])) p->nlines--;
    size_t first = 0;
    while (first < p->nlines && !is_expect(p->lines[first])) first++;
    if (first == p->nlines) {
        p->nlines = 0;
        return 0;
    }
    if (p->n == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 16;
        doctest_block *nb = realloc(p->blocks, ncap * sizeof *nb);
        if (!nb) return -1;
        p->blocks = nb;
        p->cap = ncap;
    }
    doctest_block *b = &p->blocks[p->n];
    memset(b, 0, sizeof *b);
    b->line = p->first_line;
    size_t slen = 0, nexp = 0;
    for (size_t i = 0; i < first; i++) slen += p->lines[i].len + 1;
    for (size_t i = first; i < p->nlines; i++) nexp += is_expect(p->lines[i]);
    b->script = malloc(slen + 1);
    b->expected = calloc(nexp, sizeof(char *));
    if (!b->script || !b->expected) goto oom;
    p->n++; /* from here doctest_free releases what was built */
    for (size_t i = 0; i < first; i++) {
        memcpy(b->script + b->script_len, p->lines[i].s, p->lines[i].len);
        b->script_len += p->lines[i].len;
        b->script[b->script_len++] = '\n';
    }
    b->script[b->script_len] = 0;
    for (size_t i = first; i < p->nlines; i++) {
        span l = p->lines[i];
        if (!is_expect(l)) {
            /* code after the expectations: most likely two examples with
             * only a blank line between them, which Markdown makes one block */
            if (!is_blank(l) && !b->bad_line) b->bad_line = p->first_line + (int)i;
            continue;
        }
        size_t skip = l.len > 3 ? 4 : 3;
        b->expected[b->nexpected] = dup_span(l.s + skip, l.len - skip);
        if (!b->expected[b->nexpected]) return -1;
        b->nexpected++;
    }
    p->nlines = 0;
    return 0;
oom:
    free(b->script);
    free(b->expected);
    return -1;
}

int doctest_parse(const char *md, size_t len, doctest_block **out, size_t *n) {
    parser p = {0};
    char fence = 0;
    size_t fence_len = 0;
    int lineno = 0;
    size_t pos = 0;
    int rc = 0;
    while (pos < len && rc == 0) {
        const char *nl = memchr(md + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - md) : len;
        span l = {md + pos, end - pos};
        if (l.len && l.s[l.len - 1] == '\r') l.len--;
        pos = end + 1;
        lineno++;
        size_t cnt = 0;
        char f;
        span body;
        if (fence) {
            if (fence_of(l, &cnt) == fence && cnt >= fence_len) fence = 0;
            continue;
        }
        if (deindent(l, &body) && !is_blank(l)) {
            if (p.nlines == 0) p.first_line = lineno;
            rc = push_line(&p, body);
        } else if (is_blank(l)) {
            if (p.nlines) rc = push_line(&p, (span){l.s, 0});
        } else {
            if (p.nlines) rc = finish_block(&p);
            if ((f = fence_of(l, &cnt)) != 0) {
                fence = f;
                fence_len = cnt;
            }
        }
    }
    if (rc == 0 && p.nlines) rc = finish_block(&p);
    free(p.lines);
    if (rc != 0) {
        doctest_free(p.blocks, p.n);
        *out = NULL;
        *n = 0;
        return -1;
    }
    *out = p.blocks;
    *n = p.n;
    return 0;
}

void doctest_free(doctest_block *blocks, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(blocks[i].script);
        if (blocks[i].expected)
            for (size_t j = 0; j < blocks[i].nexpected; j++) free(blocks[i].expected[j]);
        free(blocks[i].expected);
    }
    free(blocks);
}

char *doctest_mask_ids(const char *s, size_t len) {
    /* "@1" -> "@..." grows by at most 2 bytes per '@' */
    size_t extra = 0;
    for (size_t i = 0; i < len; i++) extra += s[i] == '@';
    char *d = malloc(len + extra * 2 + 1);
    if (!d) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        d[o++] = s[i];
        if (s[i] == '@' && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9') {
            while (i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9') i++;
            memcpy(d + o, "...", 3);
            o += 3;
        }
    }
    d[o] = 0;
    return d;
}

/* ---- comparison ---- */

typedef struct lines {
    char **v;
    size_t n;
} lines;

/* Adds a masked copy of s without trailing blanks: editors strip them from
 * the Markdown, so they must not decide a test. */
static bool add_line(lines *ls, const char *s, size_t len) {
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r')) len--;
    char *m = doctest_mask_ids(s, len);
    if (!m) return false;
    ls->v[ls->n++] = m;
    return true;
}

static void free_lines(lines *ls) {
    for (size_t i = 0; i < ls->n; i++) free(ls->v[i]);
    free(ls->v);
}

typedef struct sbuf {
    char *d;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_put(sbuf *b, const char *prefix, const char *s) {
    size_t pl = strlen(prefix), sl = strlen(s);
    if (b->len + pl + sl + 2 > b->cap) {
        size_t ncap = (b->cap + pl + sl + 2) * 2;
        char *nd = realloc(b->d, ncap);
        if (!nd) {
            b->oom = true;
            return;
        }
        b->d = nd;
        b->cap = ncap;
    }
    memcpy(b->d + b->len, prefix, pl);
    memcpy(b->d + b->len + pl, s, sl);
    b->len += pl + sl;
    b->d[b->len++] = '\n';
    b->d[b->len] = 0;
}

/* A line diff by longest common subsequence; blocks are short, so the
 * quadratic table is fine. Beyond a size cap both sides are listed whole. */
static char *make_diff(const lines *e, const lines *a) {
    sbuf b = {0};
    size_t n = e->n, m = a->n;
    uint32_t *t = NULL;
    if (n * m <= 1000000) t = calloc((n + 1) * (m + 1), sizeof *t);
    if (!t) {
        for (size_t i = 0; i < n; i++) sb_put(&b, "  - ", e->v[i]);
        for (size_t j = 0; j < m; j++) sb_put(&b, "  + ", a->v[j]);
    } else {
#define T(i, j) t[(i) * (m + 1) + (j)]
        for (size_t i = n; i-- > 0;)
            for (size_t j = m; j-- > 0;)
                T(i, j) = strcmp(e->v[i], a->v[j]) == 0 ? T(i + 1, j + 1) + 1
                          : T(i + 1, j) >= T(i, j + 1) ? T(i + 1, j)
                                                       : T(i, j + 1);
        size_t i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && strcmp(e->v[i], a->v[j]) == 0) {
                sb_put(&b, "    ", e->v[i]);
                i++, j++;
            } else if (j == m || (i < n && T(i + 1, j) >= T(i, j + 1))) {
                sb_put(&b, "  - ", e->v[i++]);
            } else {
                sb_put(&b, "  + ", a->v[j++]);
            }
        }
#undef T
        free(t);
    }
    if (b.oom) {
        free(b.d);
        return NULL;
    }
    return b.d;
}

bool doctest_compare(const doctest_block *blk, const char *output, size_t output_len, const char *result,
                     char **diff) {
    if (diff) *diff = NULL;
    lines e = {0}, a = {0};
    size_t nout = 0;
    for (size_t i = 0; i < output_len; i++) nout += output[i] == '\n';
    nout += 1; /* an unterminated last line */
    e.v = calloc(blk->nexpected + 1, sizeof(char *));
    a.v = calloc(nout + 1, sizeof(char *));
    bool ok = e.v && a.v;
    for (size_t i = 0; ok && i < blk->nexpected; i++) ok = add_line(&e, blk->expected[i], strlen(blk->expected[i]));
    size_t start = 0;
    for (size_t i = 0; ok && i < output_len; i++) {
        if (output[i] != '\n') continue;
        ok = add_line(&a, output + start, i - start);
        start = i + 1;
    }
    if (ok && start < output_len) ok = add_line(&a, output + start, output_len - start);
    if (ok) ok = add_line(&a, result, strlen(result));
    bool same = ok && e.n == a.n;
    for (size_t i = 0; same && i < e.n; i++) same = strcmp(e.v[i], a.v[i]) == 0;
    if (!same && diff) *diff = ok ? make_diff(&e, &a) : NULL;
    free_lines(&e);
    free_lines(&a);
    return same;
}

/* embed.c - turns a text file into a C header holding it as one string, so
 * the prelude written in Lyng ships inside the binary and the wasm module.
 *
 *   embed NAME INPUT OUTPUT   ->   static const char NAME[] = "...";
 *
 * Indentation and `//` comments are dropped on the way (the
 * wasm module has a size budget), but every newline is kept, so line
 * numbers in the prelude's stack traces stay true. Lines that continue a
 * multi-line string literal are copied as they are.
 *
 * Built with the host compiler; the output is written to a temporary file
 * and renamed, so an interrupted build never leaves half a header. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, const char *path) {
    fprintf(stderr, "embed: cannot %s %s\n", what, path);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: embed NAME INPUT OUTPUT\n");
        return 2;
    }
    const char *name = argv[1], *in_path = argv[2], *out_path = argv[3];
    FILE *in = fopen(in_path, "rb");
    if (!in) return fail("read", in_path);
    size_t tmp_len = strlen(out_path) + 5;
    char *tmp = malloc(tmp_len);
    if (!tmp) return fail("allocate memory for", out_path);
    snprintf(tmp, tmp_len, "%s.tmp", out_path);
    FILE *out = fopen(tmp, "wb");
    if (!out) return fail("write", tmp);

    fprintf(out, "/* Generated from %s by tools/embed.c - do not edit. */\n", in_path);
    fprintf(out, "static const char %s[] =\n    \"", name);
    int c, col = 0;
    bool line_start = true, in_string = false, in_comment = false;
    int prev = 0;
    while ((c = fgetc(in)) != EOF) {
        if (line_start && !in_string && (c == ' ' || c == '\t')) continue;
        if (c == '/' && !in_string && !in_comment) {
            int d = fgetc(in);
            if (d == '/') in_comment = true; /* to the end of the line */
            if (d != EOF) ungetc(d, in);
        }
        line_start = c == '\n';
        if (in_comment && c != '\n') continue;
        in_comment = false;
        /* a `"` starts or ends a string, unless escaped or a char literal */
        if (c == '"' && prev != '\\' && (prev != '\'' || in_string)) in_string = !in_string;
        prev = prev == '\\' ? 0 : c;
        /* Octal escapes are always three digits, so a following digit can
         * never be read as part of them. */
        if (c == '\n') fputs("\\n\"\n    \"", out), col = 0;
        else if (c == '"' || c == '\\') fprintf(out, "\\%c", c), col += 2;
        else if (c == '?') fputs("\\?", out), col += 2; /* no trigraphs */
        else if (c < 0x20 || c == 0x7f) fprintf(out, "\\%03o", c), col += 4;
        else fputc(c, out), col++;
        if (col > 100) fputs("\"\n    \"", out), col = 0;
    }
    fputs("\";\n", out);
    int bad = ferror(in) || ferror(out);
    fclose(in);
    if (fclose(out) != 0 || bad) return fail("write", tmp);
    if (rename(tmp, out_path) != 0) return fail("rename to", out_path);
    free(tmp);
    return 0;
}

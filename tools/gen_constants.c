/* gen_constants.c - writes the JavaScript module of the constants listed in
 * src/include/lyng_constants.h (make builds it into build/js/constants.mjs).
 * Run by the build, so the module always holds what C was compiled with.
 * JavaScript needs the numbers only: the messages are made in C.
 *
 *   gen_constants OUT.mjs */
#include <stdio.h>

#include "lyng_constants.h"

static FILE *out;

static void open_object(const char *doc, const char *name) {
    fprintf(out, "\n// %s\nexport const %s = Object.freeze({\n", doc, name);
}

static void close_object(void) { fputs("});\n", out); }

static void entry(const char *name, int value) { fprintf(out, "  %s: %d,\n", name, value); }

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: gen_constants OUT.mjs\n");
        return 2;
    }
    out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    fputs("// constants.mjs - generated from src/include/lyng_constants.h by tools/gen_constants.c;\n"
          "// do not edit. The numbers the wasm module and its JavaScript hosts share.\n",
          out);

#define NAMED(name, value, ...) entry(#name, value);
    open_object("lyng_run, lyng_start and friends (LYNG_*)", "Status");
    LYNG_STATUS_MAP(NAMED)
    close_object();
    open_object("completion statuses of host operations (HOST_E*)", "HostError");
    LYNG_HOST_ERROR_MAP(NAMED)
    close_object();
    open_object("capability bits (HOST_CAP_*)", "HostCap");
    LYNG_HOST_CAP_MAP(NAMED)
    close_object();
    open_object("first byte of each value in the byte format (lyng.h)", "ValueTag");
    LYNG_VALUE_TAG_MAP(NAMED)
    close_object();
    open_object("answers of the JavaScript host's imports (src/host/js_net.c)", "JsHost");
    LYNG_JS_HOST_MAP(NAMED)
    close_object();
    open_object("cli_step's answers besides an exit code (src/cli/cli.h)", "CliStep");
    LYNG_CLI_STEP_MAP(NAMED)
    close_object();
    open_object("repl_step's answers (src/cli/repl.h)", "ReplStep");
    LYNG_REPL_STEP_MAP(NAMED)
    close_object();
#undef NAMED

    if (fclose(out) != 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}

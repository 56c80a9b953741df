/* cli.c - the `lyng` command line: option parsing and the run of a script,
 * of code given with -x, of stdin, or of the doc tests of Markdown files.
 * Platform-neutral: it only uses the embedding API, so the same state
 * machine drives the native binary and the wasm command. Exit codes: 0 ok,
 * 1 uncaught exception or failed doc test, 2 usage or compile error, or the
 * code the script gave to exit(). */
#include "cli.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../net/net.h"
#include "doctest.h"
#include "local_modules.h"

typedef enum mode { MODE_FILE, MODE_CODE, MODE_STDIN, MODE_DOCTEST, MODE_FINISHED } mode;

typedef struct define {
    char *name;
    const char *value;
} define;

typedef struct outbuf {
    char *data;
    size_t len, cap;
} outbuf;

struct cli {
    mode mode;
    int exit_code;
    bool print_result; /* -p */
    bool repl_ok;      /* nothing to run was named */
    const char *script; /* file name (MODE_FILE) or code (MODE_CODE) */
    char **args;       /* ARGV of the script */
    int nargs;
    define *defines;
    int ndefines;
    char *allow_net, *deny_net;
    lyng_vm *vm;
    uint32_t slice; /* lyng_set_slice of every VM made; 0 = none */
    size_t memory_limit; /* --memory-limit, bytes; 0 = the VM's default */
    char *src; /* the loaded source, kept alive while it runs */

    /* doc tests */
    char **files;
    int nfiles, file_idx;
    char *md;
    doctest_block *blocks;
    size_t nblocks, block_idx;
    int passed, failed;
    outbuf out; /* what the current block printed */
};

static const char usage_text[] =
    "usage: lyng [OPTIONS] [FILE.lyng] [ARGS...]\n"
    "\n"
    "  lyng FILE.lyng [ARGS]           run a script; ARGV holds ARGS\n"
    "  lyng -x|-e|--execute CODE [ARGS] run CODE; ARGV holds ARGS\n"
    "  lyng -- -odd-name.lyng [ARGS]   stop option parsing\n"
    "  lyng --doctest FILE.md...       run the >>> examples of Markdown files\n"
    "  lyng                            interactive REPL (a script from stdin\n"
    "                                  when stdin is not a terminal)\n"
    "\n"
    "options:\n"
    "  -p, --print             print inspect() of the final value at the end\n"
    "  -D NAME=VALUE           define a global (Int if VALUE is one, else String)\n"
    "  --allow-net[=LIST]      allow network access to LIST (host, host:port,\n"
    "                          [v6]:port, *; comma-separated); alone: everything\n"
    "  --deny-net=LIST         deny access to LIST; deny wins over allow\n"
    "  --memory-limit=MIB      heap of the VM in MiB (default 1024, 512 on wasm);\n"
    "                          past it a script gets an OutOfMemoryException\n"
    "  --workers N             run N copies of the script, each with WORKER set\n"
    "                          to 0..N-1, restarting copies that crash\n"
    "  -h, --help              show this help\n"
    "  -v, --version           show the version\n"
    "\n"
    "exit codes: 0 ok, 1 uncaught exception or failed doc test,\n"
    "2 usage or compile error, else the code given to exit()\n";

static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("lyng: out of memory\n", stderr);
        exit(70);
    }
    return q;
}

static char *xstrndup(const char *s, size_t n) {
    char *d = xrealloc(NULL, n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

static void finish(cli *c, int code) {
    fflush(stdout);
    fflush(stderr);
    c->mode = MODE_FINISHED;
    /* a process status is one byte: exit(-1) is 255, as in a shell; this
     * also keeps it apart from the "still running" -1 of cli_step */
    c->exit_code = code & 0xFF;
}

static int usage_error(cli *c, const char *fmt, const char *arg) {
    fputs("lyng: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\ntry 'lyng --help'\n", stderr);
    finish(c, 2);
    return -1;
}

/* ---- option parsing ---- */

static bool is_ident(const char *s, size_t n) {
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
        if (!alpha && !(i > 0 && ch >= '0' && ch <= '9')) return false;
    }
    return true;
}

static int add_define(cli *c, const char *spec) {
    const char *eq = strchr(spec, '=');
    if (!eq || !is_ident(spec, (size_t)(eq - spec))) return usage_error(c, "-D expects NAME=VALUE, got '%s'", spec);
    c->defines = xrealloc(c->defines, sizeof(define) * (size_t)(c->ndefines + 1));
    c->defines[c->ndefines].name = xstrndup(spec, (size_t)(eq - spec));
    c->defines[c->ndefines].value = eq + 1;
    c->ndefines++;
    return 0;
}

/* Adds LIST to a policy list; repeated options accumulate. */
static void add_list(char **slot, const char *list) {
    if (!*slot) {
        *slot = xstrndup(list, strlen(list));
        return;
    }
    size_t a = strlen(*slot), b = strlen(list);
    *slot = xrealloc(*slot, a + b + 2);
    (*slot)[a] = ',';
    memcpy(*slot + a + 1, list, b + 1);
}

static void set_args(cli *c, int argc, char **argv, int from) {
    c->args = argv + from;
    c->nargs = from < argc ? argc - from : 0;
}

static void add_file(cli *c, char *f) {
    c->files = xrealloc(c->files, sizeof(char *) * (size_t)(c->nfiles + 1));
    c->files[c->nfiles++] = f;
}

/* Returns 0, or -1 after reporting a usage error or handling --help. */
static int parse(cli *c, int argc, char **argv) {
    bool doctest = false;
    c->mode = MODE_STDIN;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (doctest && (a[0] != '-' || a[1] == 0)) {
            add_file(c, a);
            continue;
        }
        if (strcmp(a, "--") == 0) {
            if (doctest) {
                for (i++; i < argc; i++) add_file(c, argv[i]);
                break;
            }
            if (i + 1 < argc) {
                c->mode = MODE_FILE;
                c->script = argv[i + 1];
                set_args(c, argc, argv, i + 2);
            }
            break;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            c->mode = strcmp(a, "-") == 0 ? MODE_STDIN : MODE_FILE;
            c->script = a;
            set_args(c, argc, argv, i + 1);
            break;
        }
        if (strcmp(a, "-x") == 0 || strcmp(a, "-e") == 0 || strcmp(a, "--execute") == 0) {
            if (i + 1 >= argc) return usage_error(c, "%s needs the code to run", a);
            c->mode = MODE_CODE;
            c->script = argv[i + 1];
            set_args(c, argc, argv, i + 2);
            break;
        }
        if (strncmp(a, "--execute=", 10) == 0) {
            c->mode = MODE_CODE;
            c->script = a + 10;
            set_args(c, argc, argv, i + 1);
            break;
        }
        if (strcmp(a, "-p") == 0 || strcmp(a, "--print") == 0) {
            c->print_result = true;
        } else if (strcmp(a, "-D") == 0) {
            if (i + 1 >= argc) return usage_error(c, "%s expects NAME=VALUE", a);
            if (add_define(c, argv[++i]) < 0) return -1;
        } else if (strncmp(a, "-D", 2) == 0) {
            if (add_define(c, a + 2) < 0) return -1;
        } else if (strcmp(a, "--doctest") == 0) {
            doctest = true;
        } else if (strcmp(a, "--allow-net") == 0) {
            add_list(&c->allow_net, "*");
        } else if (strncmp(a, "--allow-net=", 12) == 0) {
            add_list(&c->allow_net, a + 12);
        } else if (strncmp(a, "--deny-net=", 11) == 0) {
            add_list(&c->deny_net, a + 11);
        } else if (strcmp(a, "--deny-net") == 0) {
            if (i + 1 >= argc) return usage_error(c, "%s expects a LIST", a);
            add_list(&c->deny_net, argv[++i]);
        } else if (strncmp(a, "--memory-limit=", 15) == 0) {
            char *end;
            unsigned long long mib = strtoull(a + 15, &end, 10);
            if (end == a + 15 || *end || mib == 0 || mib > (SIZE_MAX >> 20))
                return usage_error(c, "--memory-limit expects a number of MiB, got '%s'", a + 15);
            c->memory_limit = (size_t)mib << 20;
        } else if (strcmp(a, "--workers") == 0 || strncmp(a, "--workers=", 10) == 0) {
            /* the native binary and bin/lyng take it before the command line
             * starts (workers_native.c, js-shim/workers.mjs) */
            return usage_error(c, "%s", "--workers is not available on this platform");
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            finish(c, 0);
            return -1;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
            fputs("lyng " LYNG_VERSION "\n", stdout);
            finish(c, 0);
            return -1;
        } else {
            return usage_error(c, "unknown option '%s'", a);
        }
    }
    if (doctest) {
        if (c->mode != MODE_STDIN || c->script) return usage_error(c, "%s", "--doctest takes Markdown files, not a script");
        if (c->nfiles == 0) return usage_error(c, "%s", "--doctest needs at least one FILE.md");
        c->mode = MODE_DOCTEST;
    }
    c->repl_ok = c->mode == MODE_STDIN && !c->script;
    return 0;
}

cli *cli_new(int argc, char **argv) {
    cli *c = xrealloc(NULL, sizeof *c);
    memset(c, 0, sizeof *c);
    parse(c, argc, argv);
    return c;
}

/* ---- VMs ---- */

/* An Int when the whole text is a decimal 64-bit integer, else a String. */
static void define_value(lyng_vm *vm, const char *name, const char *value) {
    const char *p = value;
    if (*p == '-' || *p == '+') p++;
    bool digits = *p != 0;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9') digits = false;
    if (digits) {
        errno = 0;
        char *end;
        long long v = strtoll(value, &end, 10);
        if (errno == 0 && *end == 0) {
            lyng_define_int(vm, name, (int64_t)v);
            return;
        }
    }
    lyng_define_string(vm, name, value, strlen(value));
}

lyng_vm *cli_new_vm(cli *c, const lyng_config *cfg) {
    lyng_config given = {0};
    if (cfg) given = *cfg;
    if (!given.memory_limit) given.memory_limit = c->memory_limit;
    lyng_vm *vm = lyng_new(&given);
    if (!vm) {
        fputs("lyng: cannot create a VM: out of memory\n", stderr);
        return NULL;
    }
    lyng_set_slice(vm, c->slice);
    lyng_net_register(vm);
    lyng_net_set_policy(vm, c->allow_net, c->deny_net);
    for (int i = 0; i < c->ndefines; i++) define_value(vm, c->defines[i].name, c->defines[i].value);
    lyng_define_string_list(vm, "ARGV", c->mode == MODE_DOCTEST ? 0 : c->nargs, (const char *const *)c->args);
    return vm;
}

static void drop_vm(cli *c) {
    lyng_free(c->vm);
    c->vm = NULL;
}

/* ---- loading sources ---- */

/* Reads a whole file ("-" or NULL: stdin). Reports failures itself. */
static char *read_all(const char *path, size_t *len) {
    FILE *f = path ? fopen(path, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "lyng: cannot open '%s': %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 4096) {
            cap = cap ? cap * 2 : 65536;
            buf = xrealloc(buf, cap + 1);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    int err = ferror(f) ? errno : 0;
    if (f != stdin) fclose(f);
    if (err) {
        fprintf(stderr, "lyng: cannot read '%s': %s\n", path ? path : "stdin", strerror(err));
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Skips a UTF-8 byte order mark and blanks a `#!` line, keeping its
 * newline so that line numbers in messages stay right. */
static const char *script_text(const char *src, size_t *len) {
    if (*len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {
        src += 3;
        *len -= 3;
    }
    if (*len >= 2 && src[0] == '#' && src[1] == '!') {
        const char *nl = memchr(src, '\n', *len);
        size_t skip = nl ? (size_t)(nl - src) : *len;
        src += skip;
        *len -= skip;
    }
    return src;
}

/* ---- running a script ---- */

/* atExit(append = true, handler): handlers run, in order, when the script
 * ends in any way - finished, failed or exit(). A failing handler does not
 * stop the next one. Only the command line has it: it is about the process,
 * which an embedder owns. */
static const char at_exit_src[] =
    "var __lyngAtExit = []\n"
    "fun atExit(args...) {\n"
    "    if (args.size == 0 || args.size > 2) throw IllegalArgumentException(\"atExit(append = true, handler)\")\n"
    "    val handler = args.last()\n"
    "    if (args.size == 2 && args[0] == false) __lyngAtExit.insertAt(0, handler) else __lyngAtExit.add(handler)\n"
    "    void\n"
    "}\n"
    "fun __lyngRunAtExit() {\n"
    "    val handlers = __lyngAtExit\n"
    "    __lyngAtExit = []\n"
    "    for (h in handlers) try { h() } catch (e) { }\n"
    "}\n";

static bool define_at_exit(lyng_vm *vm) {
    int st = lyng_eval(vm, "<atExit>", at_exit_src, sizeof at_exit_src - 1);
    while (st == LYNG_WAITING || st == LYNG_YIELDED) st = lyng_run(vm);
    return st == LYNG_DONE;
}

static void run_at_exit(cli *c) {
    if (lyng_call_global(c->vm, "__lyngRunAtExit") != LYNG_DONE) {
        fflush(stdout);
        fprintf(stderr, "%s\n", lyng_result_text(c->vm));
    }
}

static int start_script(cli *c) {
    const char *name;
    const char *text;
    size_t len;
    if (c->mode == MODE_CODE) {
        name = "<execute>";
        text = c->script;
        len = strlen(text);
    } else {
        bool from_stdin = c->mode == MODE_STDIN;
        name = from_stdin ? "<stdin>" : c->script;
        c->src = read_all(from_stdin ? NULL : c->script, &len);
        if (!c->src) {
            finish(c, 2);
            return c->exit_code;
        }
        text = script_text(c->src, &len);
    }
    c->vm = cli_new_vm(c, NULL);
    if (!c->vm || !define_at_exit(c->vm)) {
        finish(c, 70);
        return c->exit_code;
    }
    if (c->mode == MODE_FILE && !local_modules_register(c->vm, c->script)) {
        finish(c, 2);
        return c->exit_code;
    }
    if (lyng_eval(c->vm, name, text, len) == LYNG_COMPILE_ERROR) {
        fflush(stdout);
        fprintf(stderr, "%s\n", lyng_result_text(c->vm));
        finish(c, 2);
        return c->exit_code;
    }
    return -1;
}

static int step_script(cli *c) {
    if (!c->vm && start_script(c) >= 0) return c->exit_code;
    int st = lyng_run(c->vm);
    switch (st) {
    case LYNG_WAITING:
        return CLI_WAITING;
    case LYNG_YIELDED:
        return CLI_YIELDED;
    case LYNG_DONE:
        if (c->print_result) printf("%s\n", lyng_result_text(c->vm));
        run_at_exit(c);
        finish(c, 0);
        break;
    case LYNG_EXIT:
        run_at_exit(c);
        finish(c, lyng_exit_code(c->vm));
        break;
    default: /* LYNG_ERROR */
        fflush(stdout);
        fprintf(stderr, "%s\n", lyng_result_text(c->vm));
        run_at_exit(c);
        finish(c, 1);
        break;
    }
    return c->exit_code;
}

/* ---- doc tests ---- */

static void capture(void *ud, int stream, const char *data, size_t len) {
    cli *c = ud;
    if (stream != 1) {
        fwrite(data, 1, len, stderr);
        return;
    }
    outbuf *o = &c->out;
    if (o->len + len + 1 > o->cap) {
        o->cap = (o->len + len + 1) * 2;
        o->data = xrealloc(o->data, o->cap);
    }
    memcpy(o->data + o->len, data, len);
    o->len += len;
    o->data[o->len] = 0;
}

/* Loads the next file with blocks; false when none is left. */
static bool next_file(cli *c) {
    while (c->block_idx >= c->nblocks) {
        doctest_free(c->blocks, c->nblocks);
        c->blocks = NULL;
        c->nblocks = c->block_idx = 0;
        free(c->md);
        c->md = NULL;
        if (c->file_idx >= c->nfiles) return false;
        const char *path = c->files[c->file_idx++];
        size_t len;
        c->md = read_all(path, &len);
        if (!c->md) {
            c->failed++;
            continue;
        }
        if (doctest_parse(c->md, len, &c->blocks, &c->nblocks) != 0) {
            fprintf(stderr, "lyng: out of memory reading '%s'\n", path);
            c->failed++;
        }
    }
    return true;
}

static const char *current_file(cli *c) { return c->files[c->file_idx - 1]; }

/* Starts the current block; false when it did not compile (already judged). */
static bool start_block(cli *c) {
    doctest_block *b = &c->blocks[c->block_idx];
    lyng_config cfg = {.write = capture, .userdata = c};
    c->out.len = 0;
    c->vm = cli_new_vm(c, &cfg);
    if (!c->vm) {
        finish(c, 70);
        return false;
    }
    /* blank lines in front make messages point into the Markdown file */
    size_t pad = (size_t)(b->line - 1);
    free(c->src);
    c->src = xrealloc(NULL, pad + b->script_len + 1);
    memset(c->src, '\n', pad);
    memcpy(c->src + pad, b->script, b->script_len + 1);
    return lyng_eval(c->vm, current_file(c), c->src, pad + b->script_len) != LYNG_COMPILE_ERROR;
}

/* Compares the finished block (status of its last run) and reports it. */
static void judge_block(cli *c, int status) {
    doctest_block *b = &c->blocks[c->block_idx];
    char *result;
    const char *details = NULL;
    if (status == LYNG_DONE) {
        result = xstrndup(lyng_result_text(c->vm), strlen(lyng_result_text(c->vm)));
    } else if (status == LYNG_EXIT) {
        char tmp[48];
        snprintf(tmp, sizeof tmp, "exit(%d)", lyng_exit_code(c->vm));
        result = xstrndup(tmp, strlen(tmp));
    } else {
        /* the error as one line, compared like a value; the full report
         * (location, stack) follows the diff */
        const char *cls = lyng_error_class(c->vm), *msg = lyng_error_message(c->vm);
        size_t ml = strcspn(msg, "\n");
        result = xrealloc(NULL, strlen(cls) + ml + 3);
        sprintf(result, "%s%s%.*s", cls, ml ? ": " : "", (int)ml, msg);
        details = lyng_result_text(c->vm);
    }
    char *diff = NULL;
    if (doctest_compare(b, c->out.data ? c->out.data : "", c->out.len, result, &diff)) {
        c->passed++;
    } else {
        c->failed++;
        printf("%s:%d: doc test failed\n%s", current_file(c), b->line, diff ? diff : "");
        if (details && strcmp(details, result) != 0) {
            fputs("  error:\n", stdout);
            for (const char *p = details; *p;) {
                size_t n = strcspn(p, "\n");
                printf("    %.*s\n", (int)n, p);
                p += n + (p[n] == '\n');
            }
        }
    }
    free(diff);
    free(result);
    drop_vm(c);
    c->block_idx++;
}

static int step_doctest(cli *c) {
    for (;;) {
        if (!c->vm) {
            if (!next_file(c)) {
                printf("%d passed, %d failed\n", c->passed, c->failed);
                finish(c, c->failed ? 1 : 0);
                return c->exit_code;
            }
            doctest_block *b = &c->blocks[c->block_idx];
            if (b->bad_line) {
                printf("%s:%d: doc test failed\n  line %d follows the expected output but does not start with '>>> '\n",
                       current_file(c), b->line, b->bad_line);
                c->failed++;
                c->block_idx++;
                continue;
            }
            if (!start_block(c)) {
                if (c->mode == MODE_FINISHED) return c->exit_code;
                judge_block(c, LYNG_COMPILE_ERROR);
                continue;
            }
        }
        int st = lyng_run(c->vm);
        if (st == LYNG_WAITING) return CLI_WAITING;
        if (st == LYNG_YIELDED) return CLI_YIELDED;
        judge_block(c, st);
    }
}

/* ---- public ---- */

int cli_step(cli *c) {
    switch (c->mode) {
    case MODE_FINISHED:
        return c->exit_code;
    case MODE_DOCTEST:
        return step_doctest(c);
    default:
        return step_script(c);
    }
}

void cli_set_slice(cli *c, uint32_t steps) {
    c->slice = steps;
    if (c->vm) lyng_set_slice(c->vm, steps);
}

lyng_vm *cli_vm(cli *c) { return c->vm; }
bool cli_wants_repl(cli *c) { return c->repl_ok && c->mode == MODE_STDIN && !c->vm; }
void cli_free(cli *c) {
    if (!c) return;
    drop_vm(c);
    for (int i = 0; i < c->ndefines; i++) free(c->defines[i].name);
    free(c->defines);
    free(c->allow_net);
    free(c->deny_net);
    free(c->src);
    free(c->files);
    free(c->md);
    doctest_free(c->blocks, c->nblocks);
    free(c->out.data);
    free(c);
}

/* repl.c - the read-eval-print loop (see repl.h). Each complete input runs
 * as a task of the session's VM (lyng_start): top-level declarations are
 * globals, so they stay for the next input, and coroutines it launched
 * run on after it ends. */
#include "repl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Steps between two returns to the driver: a few milliseconds, so Ctrl-C
 * and host events are noticed while a long statement runs. */
#define REPL_SLICE_STEPS (1u << 20)

struct repl {
    lyng_vm *vm;
    char *chunk; /* the input so far, lines joined with '\n' */
    size_t len;
    uint32_t task; /* the running statement; 0 between statements */
    int exit_code;
    void (*print_hook)(void);
};

static const char help_text[] =
    "Type Lyng code; it runs when it is complete, so a block may span lines.\n"
    "The value of an expression is printed; declarations stay for later inputs.\n"
    "Coroutines launched here (launch { ... }) run on between prompts.\n"
    "  :help       this text\n"
    "  :quit, :q   leave (or Ctrl-D)\n"
    "  Ctrl-C      stop the running input, or drop the one being typed\n";

static void write_out(void *ud, int stream, const char *data, size_t len) {
    repl *r = ud;
    if (!r->task && r->print_hook) r->print_hook();
    FILE *f = stream == 2 ? stderr : stdout;
    fwrite(data, 1, len, f);
}

repl *repl_new(cli *c) {
    repl *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    lyng_config cfg = {.write = write_out, .userdata = r};
    r->vm = cli_new_vm(c, &cfg);
    if (!r->vm) {
        free(r);
        return NULL;
    }
    lyng_set_slice(r->vm, REPL_SLICE_STEPS);
    printf("Lyng %s. Type :help for help, :quit or Ctrl-D to leave.\n", LYNG_VERSION);
    fflush(stdout);
    return r;
}

void repl_free(repl *r) {
    if (!r) return;
    lyng_free(r->vm);
    free(r->chunk);
    free(r);
}

lyng_vm *repl_vm(repl *r) { return r->vm; }
const char *repl_prompt(repl *r) { return r->len ? "....> " : "lyng> "; }
bool repl_busy(repl *r) { return r->task != 0; }
int repl_exit_code(repl *r) { return r->exit_code; }

void repl_set_print_hook(repl *r, void (*hook)(void)) { r->print_hook = hook; }

static bool is_command(const char *line, const char *cmd) {
    while (*line == ' ' || *line == '\t') line++;
    size_t n = strlen(cmd);
    if (strncmp(line, cmd, n) != 0) return false;
    line += n;
    while (*line == ' ' || *line == '\t' || *line == '\r') line++;
    return *line == 0;
}

static bool blank(const char *s, size_t len) { return strspn(s, " \t\r\n") >= len; }

int repl_feed(repl *r, const char *line) {
    if (!r->len) {
        if (is_command(line, ":quit") || is_command(line, ":q")) return REPL_QUIT;
        if (is_command(line, ":help") || is_command(line, ":h")) {
            fputs(help_text, stdout);
            fflush(stdout);
            return REPL_IDLE;
        }
    }
    size_t n = strlen(line);
    char *grown = realloc(r->chunk, r->len + n + 2);
    if (!grown) {
        fputs("lyng: out of memory\n", stderr);
        return REPL_IDLE;
    }
    r->chunk = grown;
    memcpy(r->chunk + r->len, line, n);
    r->len += n;
    r->chunk[r->len++] = '\n';
    r->chunk[r->len] = 0;
    if (blank(r->chunk, r->len)) {
        r->len = 0;
        return REPL_IDLE;
    }
    int st = lyng_start(r->vm, "<repl>", r->chunk, r->len, &r->task);
    if (st == LYNG_INCOMPLETE) return REPL_IDLE; /* the continuation prompt */
    r->len = 0;
    if (st != LYNG_WAITING) {
        fprintf(stderr, "%s\n", lyng_result_text(r->vm));
        fflush(stderr);
        return REPL_IDLE;
    }
    return REPL_AGAIN;
}

/* The statement ended: its value (or error) is shown. */
static void finish(repl *r, int st) {
    fflush(stdout);
    if (st == LYNG_DONE) {
        const char *echo = lyng_task_echo(r->vm, r->task);
        if (echo) printf("%s\n", echo);
    } else if (st == LYNG_ERROR) {
        fprintf(stderr, "%s\n", lyng_result_text(r->vm));
    }
    lyng_task_free(r->vm, r->task);
    r->task = 0;
    fflush(stdout);
    fflush(stderr);
}

int repl_step(repl *r) {
    int run = lyng_run_tasks(r->vm);
    fflush(stdout);
    if (run == LYNG_EXIT) {
        r->exit_code = lyng_exit_code(r->vm);
        return REPL_QUIT;
    }
    if (r->task) {
        int st = lyng_task_status(r->vm, r->task, 0);
        if (st != LYNG_WAITING) finish(r, st);
    }
    return run == LYNG_YIELDED ? REPL_AGAIN : run == LYNG_WAITING ? REPL_WAIT : REPL_IDLE;
}

void repl_interrupt(repl *r) {
    if (r->task) {
        lyng_task_stop(r->vm, r->task, "interrupted");
    } else if (r->len) {
        r->len = 0;
    }
}

/* main_native.c - the native `lyng` binary: drives the command line state
 * machine (cli.c) with the epoll host, and runs the interactive REPL when
 * no script is named and stdin is a terminal. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../host/host.h"
#include "cli.h"
#include "workers.h"

/* Runs the VM until the script and its coroutines finish; returns the
 * lyng_run status. */
/* Waits for host events. Output printed so far is flushed first: a server
 * that prints "listening" and then waits must be seen by whoever reads a
 * pipe from it. Flushing an empty buffer costs no system call. */
static void wait_for_host(lyng_vm *vm) {
    fflush(stdout);
    host_wait(lyng_host(vm), -1);
}

static int run_to_end(lyng_vm *vm) {
    int st;
    while ((st = lyng_run(vm)) == LYNG_WAITING) wait_for_host(vm);
    return st;
}

/* Bracket depth of a piece of input, ignoring brackets in strings, chars
 * and comments, so that a block typed over several lines is evaluated only
 * once it is closed. */
static int open_depth(const char *s) {
    int depth = 0;
    bool block_comment = false;
    for (const char *p = s; *p; p++) {
        if (block_comment) {
            if (p[0] == '*' && p[1] == '/') block_comment = false, p++;
            continue;
        }
        if (p[0] == '/' && p[1] == '/') {
            while (p[1] && p[1] != '\n') p++;
        } else if (p[0] == '/' && p[1] == '*') {
            block_comment = true;
            p++;
        } else if (*p == '"' || *p == '\'') {
            char q = *p;
            while (p[1] && p[1] != q) p += (p[1] == '\\' && p[2]) ? 2 : 1;
            if (p[1]) p++;
        } else if (*p == '(' || *p == '[' || *p == '{') {
            depth++;
        } else if (*p == ')' || *p == ']' || *p == '}') {
            depth--;
        }
    }
    return block_comment ? depth + 1 : depth;
}

static bool is_quit(const char *line) {
    size_t n = strcspn(line, "\r\n");
    return (n == 5 && strncmp(line, ":quit", 5) == 0) || (n == 2 && strncmp(line, ":q", 2) == 0);
}

/* The read-eval-print loop: one VM for the whole session, so top-level
 * declarations of one input are visible in the next. */
static int repl(cli *c) {
    lyng_vm *vm = cli_new_vm(c, NULL);
    if (!vm) return 70;
    printf("Lyng %s. Type :quit or press Ctrl-D to leave.\n", LYNG_VERSION);
    char *line = NULL, *chunk = NULL;
    size_t line_cap = 0, chunk_len = 0;
    int code = 0;
    for (;;) {
        fputs(chunk_len ? "....> " : "lyng> ", stdout);
        fflush(stdout);
        ssize_t n = getline(&line, &line_cap, stdin);
        if (n < 0) {
            putchar('\n');
            break;
        }
        if (!chunk_len && is_quit(line)) break;
        chunk = realloc(chunk, chunk_len + (size_t)n + 1);
        if (!chunk) {
            fputs("lyng: out of memory\n", stderr);
            code = 70;
            break;
        }
        memcpy(chunk + chunk_len, line, (size_t)n + 1);
        chunk_len += (size_t)n;
        if (open_depth(chunk) > 0) continue;
        size_t len = chunk_len;
        chunk_len = 0;
        if (strspn(chunk, " \t\r\n") == len) continue;
        if (lyng_eval(vm, "<repl>", chunk, len) == LYNG_COMPILE_ERROR) {
            fprintf(stderr, "%s\n", lyng_result_text(vm));
            continue;
        }
        int st = run_to_end(vm);
        fflush(stdout);
        if (st == LYNG_DONE) {
            const char *r = lyng_result_text(vm);
            if (strcmp(r, "void") != 0) printf("%s\n", r);
        } else if (st == LYNG_EXIT) {
            code = lyng_exit_code(vm);
            break;
        } else {
            fprintf(stderr, "%s\n", lyng_result_text(vm));
        }
    }
    free(line);
    free(chunk);
    lyng_free(vm);
    fflush(stdout);
    return code;
}

/* A server holds a descriptor per client, and the default soft limit (often
 * 1024) is far below what the hard limit allows. The limit belongs to the
 * process, so the command line, not the host library, raises it. */
static void raise_fd_limit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv) {
    raise_fd_limit();
    int at = 0, width = 0, workers = workers_option(argc, argv, &at, &width);
    if (workers == 0) return 2;
    if (workers > 0) return workers_run(argc, argv, at, width, workers);
    cli *c = cli_new(argc, argv);
    if (!c) return 70;
    int code;
    if (cli_wants_repl(c) && isatty(STDIN_FILENO)) {
        code = repl(c);
    } else {
        while ((code = cli_step(c)) < 0) wait_for_host(cli_vm(c));
    }
    cli_free(c);
    return code;
}

/* main_native.c - the native `lyng` binary: drives the command line state
 * machine (cli.c) with the epoll host, and the REPL (repl.c) with libedit,
 * loaded then (editline.h), when no script is named and stdin is a
 * terminal. */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#ifdef __GLIBC__
#include <stdio_ext.h> /* __fpending */
#endif
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h> /* mallopt */
#endif
#include <sys/resource.h>
#include <unistd.h>

#define EDITLINE_CALLS /* libedit's functions through `editline`: loaded, not linked */
#include "cli.h"
#include "editline.h"
#include "repl.h"
#include "workers.h"

/* Waits for host events. Output printed so far is flushed first: a server
 * that prints "listening" and then waits must be seen by whoever reads a
 * pipe from it. Flushing an empty buffer costs no system call, but glibc's
 * fflush still takes the stream's lock and syncs (about 65 instructions,
 * once per wait: per round trip of a ping-pong), so where libc says how
 * much is buffered an empty buffer is left alone. */
static void wait_for_host(lyng_vm *vm) {
#ifdef __GLIBC__
    if (__fpending(stdout))
#endif
        fflush(stdout);
    lyng_host_wait(vm, -1);
}

/* ---- the interactive REPL: libedit for line editing and history ---- */

static volatile sig_atomic_t got_sigint;
static void on_sigint(int sig) {
    (void)sig;
    got_sigint = 1;
}

static repl *session;
static bool quit;
static bool prompt_shown;
static bool typed; /* a key was read since the prompt was installed */
static char history_path[4096];
static char *saved_line; /* what was typed when output cleared the prompt */
static int saved_point;

static void on_line(char *line) {
    if (!line) { /* Ctrl-D */
        putchar('\n');
        quit = true;
        return;
    }
    if (*line) {
        add_history(line);
        if (history_path[0]) write_history(history_path);
    }
    if (repl_feed(session, line) == REPL_QUIT) quit = true;
    free(line);
    /* the next prompt may differ ("....> "): it is installed anew */
    rl_callback_handler_remove();
    prompt_shown = false;
}

/* The prompt is shown only while no statement runs: typing ahead during a
 * statement stays in the terminal until the next prompt reads it. */
static void show_prompt(void) {
    if (prompt_shown || quit) return;
    rl_callback_handler_install(repl_prompt(session), on_line);
    prompt_shown = true;
    typed = false;
    if (saved_line) {
        rl_insert_text(saved_line);
        rl_point = saved_point;
        fputs("\r\033[K", stdout);
        rl_forced_update_display();
        free(saved_line);
        saved_line = NULL;
    }
}

static void hide_prompt(void) {
    if (!prompt_shown) return;
    rl_callback_handler_remove();
    prompt_shown = false;
}

/* A coroutine prints while the prompt is shown: the prompt line is cleared
 * (what was typed is kept) and drawn again below the output. */
static void clear_prompt(void) {
    if (!prompt_shown) return;
    free(saved_line);
    /* libedit keeps the accepted line in rl_line_buffer until a key comes */
    saved_line = strdup(typed && rl_line_buffer ? rl_line_buffer : "");
    saved_point = rl_point;
    hide_prompt();
    fputs("\r\033[K", stdout);
}

static int run_repl(cli *c) {
    if (!editline_load()) {
        fprintf(stderr, "lyng: the REPL needs libedit (libedit.so.2), which could not be loaded\n");
        return 70;
    }
    session = repl_new(c);
    if (!session) return 70;
    const char *home = getenv("HOME");
    const char *file = getenv("LYNG_HISTORY");
    if (file) snprintf(history_path, sizeof history_path, "%s", file);
    else if (home) snprintf(history_path, sizeof history_path, "%s/.lyng_history", home);
    using_history();
    stifle_history(1000);
    if (history_path[0]) read_history(history_path);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint; /* no SA_RESTART: a wait returns at once */
    sigaction(SIGINT, &sa, NULL);
    rl_catch_signals = 0;
    repl_set_print_hook(session, clear_prompt);
    lyng_vm *vm = repl_vm(session);
    int st = REPL_IDLE;
    while (!quit && st != REPL_QUIT) {
        if (got_sigint) {
            got_sigint = 0;
            bool busy = repl_busy(session);
            repl_interrupt(session);
            st = REPL_AGAIN; /* the stopped statement ends at the next step */
            if (!busy) {
                free(saved_line);
                saved_line = NULL;
                hide_prompt();
            }
            fputs(busy ? "\n" : "^C\n", stdout);
        }
        if (repl_busy(session)) {
            if (st == REPL_WAIT) lyng_host_wait(vm, -1);
            st = repl_step(session);
            continue;
        }
        show_prompt();
        int readable = 0;
        lyng_host_wait_fd(vm, STDIN_FILENO, st == REPL_AGAIN ? 0 : -1, &readable);
        if (readable) {
            typed = true;
            rl_callback_read_char();
        }
        if (quit) break;
        st = repl_step(session);
    }
    hide_prompt();
    free(saved_line);
    int code = st == REPL_QUIT ? repl_exit_code(session) : 0;
    repl_free(session);
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

/* glibc gives the top of its heap back to the system once 128 KiB of it
 * are free, and the collector frees a cycle's unused large blocks (socket
 * reads) together: a bulk echo shrank and regrew the heap every few
 * collections and faulted the pages in again each time (a 1 GiB echo: 860
 * page faults in the client instead of 110 after its start). Up to 8 MiB
 * free stay in the heap. Like the descriptor limit, this is the process's
 * choice, not the library's. Setting it also fixes the mmap threshold at
 * its default, 128 KiB, which measured the same on the interpreter's
 * benchmarks. */
static void keep_heap_top(void) {
#ifdef __GLIBC__
    mallopt(M_TRIM_THRESHOLD, 8 << 20);
#endif
}

int main(int argc, char **argv) {
    raise_fd_limit();
    keep_heap_top();
    int at = 0, width = 0, workers = workers_option(argc, argv, &at, &width);
    if (workers == 0) return 2;
    if (workers > 0) return workers_run(argc, argv, at, width, workers);
    cli *c = cli_new(argc, argv);
    if (!c) return 70;
    int code;
    if (cli_wants_repl(c) && isatty(STDIN_FILENO)) {
        code = run_repl(c);
    } else {
        while ((code = cli_step(c)) < 0) wait_for_host(cli_vm(c));
    }
    cli_free(c);
    return code;
}

/* workers_native.c - `lyng --workers N SCRIPT`: a supervisor that runs N
 * copies of the command line, copy i with `-D WORKER=i`, each a process of
 * its own (fork and exec of this binary), so a server uses every core.
 *
 * A copy that crashes (killed by a signal, or any exit status but 0 and 2)
 * is started again after a pause that doubles while it keeps crashing soon
 * after its start. Status 0 is a copy that finished, 2 a usage or compile
 * error that a restart would only repeat. SIGINT, SIGTERM and SIGHUP are
 * passed on to every copy and stop the restarts. The supervisor ends when
 * every copy has ended.
 *
 * The supervisor waits with sigtimedwait on blocked signals, so a child's
 * end, a signal to pass on and a restart that falls due are handled in one
 * loop without handlers running at awkward moments. */
#define _GNU_SOURCE

#include "workers.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Back-off of a crashing copy: the first restart after BACKOFF_START_MS,
 * doubling up to BACKOFF_MAX_MS; a copy that ran STABLE_MS before its
 * crash starts again at the shortest pause. */
enum { BACKOFF_START_MS = 100, BACKOFF_MAX_MS = 5000, STABLE_MS = 10000 };

typedef struct worker {
    pid_t pid;          /* 0 = not running */
    int64_t started;    /* ms */
    int64_t restart_at; /* ms; 0 = no restart due */
    int backoff_ms;
    bool done; /* ended for good */
} worker;

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "--workers N" or "--workers=N" among the options before the script; -1
 * when absent, 0 for a bad count (reported). Sets *at and *width to the
 * argv entries it takes. */
int workers_option(int argc, char **argv, int *at, int *width) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *count = NULL;
        if (strcmp(a, "--workers") == 0) {
            if (i + 1 >= argc) {
                fputs("lyng: --workers needs a count\n", stderr);
                return 0;
            }
            count = argv[i + 1];
            *width = 2;
        } else if (strncmp(a, "--workers=", 10) == 0) {
            count = a + 10;
            *width = 1;
        } else if (strcmp(a, "-D") == 0) {
            i++; /* its value */
            continue;
        } else if (a[0] != '-' || strcmp(a, "-") == 0 || strcmp(a, "--") == 0 || strcmp(a, "-x") == 0 ||
                   strcmp(a, "-e") == 0 || strncmp(a, "--execute", 9) == 0) {
            return -1; /* the script and its arguments begin here */
        } else {
            continue;
        }
        char *end;
        long n = strtol(count, &end, 10);
        if (*count == 0 || *end || n < 1 || n > WORKERS_MAX) {
            fprintf(stderr, "lyng: --workers needs a count from 1 to %d, got '%s'\n", WORKERS_MAX, count);
            return 0;
        }
        *at = i;
        return (int)n;
    }
    return -1;
}

typedef struct supervisor {
    int n;
    worker *w;
    char **argv; /* argv of a copy; argv[2] is its "WORKER=i" */
    const sigset_t *orig_mask;
    int stop_signal; /* passed on; no more restarts */
    int exit_code;
} supervisor;

static void start(supervisor *s, int i) {
    char def[32];
    snprintf(def, sizeof def, "WORKER=%d", i);
    s->argv[2] = def;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, s->orig_mask, NULL);
        execv("/proc/self/exe", s->argv);
        fprintf(stderr, "lyng: cannot start worker %d: %s\n", i, strerror(errno));
        _exit(127);
    }
    if (pid < 0) {
        fprintf(stderr, "lyng: cannot start worker %d: %s\n", i, strerror(errno));
        s->w[i].restart_at = now_ms() + BACKOFF_MAX_MS;
        return;
    }
    s->w[i].pid = pid;
    s->w[i].started = now_ms();
    s->w[i].restart_at = 0;
}

static void ended(supervisor *s, int i, int status) {
    worker *w = &s->w[i];
    w->pid = 0;
    bool crashed = WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 2);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (!crashed || s->stop_signal) {
        w->done = true;
        if (code != 0 && !s->stop_signal) s->exit_code = code;
        return;
    }
    int64_t now = now_ms();
    if (now - w->started >= STABLE_MS || w->backoff_ms == 0) w->backoff_ms = BACKOFF_START_MS;
    else w->backoff_ms = w->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : w->backoff_ms * 2;
    if (WIFSIGNALED(status))
        fprintf(stderr, "lyng: worker %d was killed by signal %d; restarting in %d ms\n", i, WTERMSIG(status), w->backoff_ms);
    else
        fprintf(stderr, "lyng: worker %d exited with status %d; restarting in %d ms\n", i, code, w->backoff_ms);
    w->restart_at = now + w->backoff_ms;
}

static void reap(supervisor *s) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        for (int i = 0; i < s->n; i++)
            if (s->w[i].pid == pid) ended(s, i, status);
}

static bool all_done(supervisor *s) {
    for (int i = 0; i < s->n; i++)
        if (!s->w[i].done) return false;
    return true;
}

int workers_run(int argc, char **argv, int at, int width, int n) {
    /* a copy's argv: this binary, -D WORKER=i, then argv without --workers */
    char **cargv = calloc((size_t)argc + 3, sizeof *cargv);
    worker *w = calloc((size_t)n, sizeof *w);
    if (!cargv || !w) {
        fputs("lyng: out of memory\n", stderr);
        return 70;
    }
    int k = 0;
    cargv[k++] = argv[0];
    cargv[k++] = "-D";
    cargv[k++] = NULL; /* WORKER=i, set per start */
    for (int i = 1; i < argc; i++)
        if (i < at || i >= at + width) cargv[k++] = argv[i];
    cargv[k] = NULL;

    sigset_t set, orig;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, &orig);
    supervisor s = {.n = n, .w = w, .argv = cargv, .orig_mask = &orig};
    for (int i = 0; i < n; i++) start(&s, i);

    while (!all_done(&s)) {
        int64_t now = now_ms(), next = -1;
        for (int i = 0; i < n; i++) {
            if (w[i].done || w[i].pid || !w[i].restart_at) continue;
            if (s.stop_signal) w[i].done = true;
            else if (w[i].restart_at <= now) start(&s, i);
            else if (next < 0 || w[i].restart_at < next) next = w[i].restart_at;
        }
        if (all_done(&s)) break;
        int64_t wait = next < 0 ? 1000 : next - now;
        struct timespec ts = {.tv_sec = wait / 1000, .tv_nsec = (wait % 1000) * 1000000};
        siginfo_t info;
        int sig = sigtimedwait(&set, &info, &ts);
        if (sig == SIGCHLD) {
            reap(&s);
        } else if (sig > 0) {
            s.stop_signal = sig;
            for (int i = 0; i < n; i++)
                if (w[i].pid) kill(w[i].pid, sig);
        }
        reap(&s); /* a SIGCHLD merged with another signal */
    }
    sigprocmask(SIG_SETMASK, &orig, NULL);
    free(cargv);
    free(w);
    return s.stop_signal ? 128 + s.stop_signal : s.exit_code;
}

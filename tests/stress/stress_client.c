/* stress_client.c - the client process of the stress test (run.sh).
 *
 *   stress_client PORT SERVER_PID CONNECTIONS CYCLES
 *   stress_client PORT SERVER_PID soak WARMUP CYCLES
 *
 * Phase 1 opens CONNECTIONS sockets to the echo server on 127.0.0.1, sends
 * a line on each and waits for every echo while all stay open, so the
 * server holds them all at once; it then reads the server's descriptor
 * count and memory from /proc, and closes everything. Phase 2 runs CYCLES
 * connect/echo/close cycles one after the other. After each phase the
 * server's descriptor count must come back to where it started, and this
 * process's own count too. A last connection then lets the server (which
 * serves CONNECTIONS + CYCLES + 1) finish. Prints "N passed, N failed" over its checks.
 *
 * The soak runs WARMUP cycles, takes the server's descriptors and its peak
 * resident memory so far as the baseline, runs CYCLES more and checks that both end within
 * 10% of the baseline; a server that keeps something per connection fails
 * it. The server then gets one last connection (it serves WARMUP + CYCLES +
 * 1). */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PHASE_TIMEOUT_MS 120000 /* a phase that takes longer has failed */
#define SETTLE_TIMEOUT_MS 30000 /* how long the server may take to close */
#define SOAK_TIMEOUT_MS 3600000 /* the soak's cycles, on a busy machine */
#define SOAK_MARGIN 0.10        /* descriptors and memory may end this much above the baseline */

static int passed, failed;

static void check(bool ok, const char *what) {
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    fflush(stdout);
    if (ok) passed++;
    else failed++;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int count_fds(const char *pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/fd", pid);
    DIR *d = opendir(path);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n - (strcmp(pid, "self") == 0); /* the directory stream itself */
}

/* A "VmRSS:" style field of /proc/PID/status, in KiB (-1: not found). */
static long status_kib(const char *pid, const char *field) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%s/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long v = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') v = strtol(line + n + 1, NULL, 10);
    fclose(f);
    return v;
}

/* Waits until the server is back to `want` descriptors. */
static int settle_fds(const char *pid, int want) {
    long long end = now_ms() + SETTLE_TIMEOUT_MS;
    int n;
    while ((n = count_fds(pid)) != want && now_ms() < end) usleep(10000);
    return n;
}

typedef struct conn {
    int fd;
    char msg[32];
    size_t mlen, sent, got;
    char in[32];
} conn;

static int connect_to(struct sockaddr_in *sa, bool nonblock) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)sa, sizeof *sa) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends what is left of the message; reads what has come back. Returns 1
 * when the echo is complete, 0 to wait, -1 on error or a wrong echo. */
static int pump(conn *c) {
    while (c->sent < c->mlen) {
        ssize_t n = send(c->fd, c->msg + c->sent, c->mlen - c->sent, MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN || errno == ENOTCONN ? 0 : -1;
        c->sent += (size_t)n;
    }
    while (c->got < c->mlen) {
        ssize_t n = recv(c->fd, c->in + c->got, c->mlen - c->got, 0);
        if (n == 0) return -1;
        if (n < 0) return errno == EAGAIN ? 0 : -1;
        c->got += (size_t)n;
    }
    return memcmp(c->in, c->msg, c->mlen) == 0 ? 1 : -1;
}

/* Phase 1. Returns the number of connections that echoed correctly. */
static int hold_all(struct sockaddr_in *sa, conn *conns, int n) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int opened = 0, echoed = 0, errors = 0;
    for (int i = 0; i < n; i++) {
        conn *c = &conns[i];
        c->fd = connect_to(sa, true);
        if (c->fd < 0) {
            errors++;
            continue;
        }
        opened++;
        c->mlen = (size_t)snprintf(c->msg, sizeof c->msg, "hello %d\n", i);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    }
    long long end = now_ms() + PHASE_TIMEOUT_MS;
    struct epoll_event evs[256];
    while (echoed + errors < n && now_ms() < end) {
        int k = epoll_wait(ep, evs, 256, 100);
        for (int j = 0; j < k; j++) {
            conn *c = &conns[evs[j].data.u32];
            int r = pump(c);
            if (r == 0) {
                /* sent everything: wait for the echo only */
                struct epoll_event ev = {.events = c->sent < c->mlen ? EPOLLIN | EPOLLOUT : EPOLLIN,
                                         .data.u32 = evs[j].data.u32};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                continue;
            }
            epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
            if (r > 0) echoed++;
            else errors++;
        }
    }
    close(ep);
    if (errors || opened < n) fprintf(stderr, "stress_client: %d of %d connections failed\n", errors, n);
    return echoed;
}

/* Phase 2: blocking connect/echo/close cycles. Returns the good ones. */
static int cycle_for(struct sockaddr_in *sa, int cycles, long long timeout_ms) {
    int good = 0;
    long long end = now_ms() + timeout_ms;
    for (int i = 0; i < cycles && now_ms() < end; i++) {
        conn c = {.fd = connect_to(sa, false)};
        if (c.fd < 0) continue;
        struct timeval tv = {.tv_sec = 10};
        setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        c.mlen = (size_t)snprintf(c.msg, sizeof c.msg, "cycle %d\n", i);
        if (pump(&c) == 1) good++;
        close(c.fd);
    }
    return good;
}

static int cycle(struct sockaddr_in *sa, int cycles) { return cycle_for(sa, cycles, PHASE_TIMEOUT_MS); }

/* The soak (see the header). Returns the exit status. */
static int soak(struct sockaddr_in *sa, const char *pid, int warmup, int cycles) {
    char what[200];
    int good = cycle(sa, warmup);
    check(good == warmup, "the warm-up cycles");
    usleep(200000); /* the server closes its side of the last one */
    int fds0 = count_fds(pid);
    /* A garbage-collected server (V8, the VM) breathes: its RSS at one
       instant may sit low in the cycle. The baseline is the peak of the
       warm-up, so only growth beyond what the warm-up already reached counts. */
    long rss0 = status_kib(pid, "VmHWM");
    long long t0 = now_ms();
    good = cycle_for(sa, cycles, SOAK_TIMEOUT_MS);
    long long ms = now_ms() - t0;
    snprintf(what, sizeof what, "%d connect/echo/close cycles (%d good in %lld ms, %.0f a second)", cycles, good, ms,
             ms ? good * 1000.0 / (double)ms : 0.0);
    check(good == cycles, what);
    int fds1 = settle_fds(pid, fds0);
    long rss1 = status_kib(pid, "VmRSS");
    snprintf(what, sizeof what, "the server's descriptors end within 10%% of the baseline (%d, then %d)", fds0, fds1);
    check(fds1 >= 0 && fds1 <= fds0 + (int)(fds0 * SOAK_MARGIN), what);
    snprintf(what, sizeof what, "the server's RSS ends within 10%% of its warm-up peak (%.1f MiB, then %.1f MiB)", rss0 / 1024.0,
             rss1 / 1024.0);
    check(rss1 > 0 && rss1 <= rss0 + (long)(rss0 * SOAK_MARGIN), what);
    check(cycle(sa, 1) == 1, "a last connection lets the server finish");
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[3], "soak") == 0) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
        return soak(&sa, argv[2], atoi(argv[4]), atoi(argv[5]));
    }
    if (argc != 5) {
        fputs("usage: stress_client PORT SERVER_PID CONNECTIONS CYCLES\n"
              "       stress_client PORT SERVER_PID soak WARMUP CYCLES\n", stderr);
        return 2;
    }
    const char *pid = argv[2];
    int n = atoi(argv[3]), cycles = atoi(argv[4]);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < (rlim_t)n + 16) {
        fprintf(stderr, "stress_client: the descriptor limit %ld is below %d connections\n", (long)rl.rlim_cur, n);
        return 1;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    conn *conns = calloc((size_t)n, sizeof *conns);
    if (!conns) return 1;

    int server_fds0 = count_fds(pid), own_fds0 = count_fds("self");
    long rss0 = status_kib(pid, "VmRSS");
    long long t0 = now_ms();
    int echoed = hold_all(&sa, conns, n);
    long long t1 = now_ms();
    int held = count_fds(pid) - server_fds0;
    long rss1 = status_kib(pid, "VmRSS");
    char what[160];
    snprintf(what, sizeof what, "%d connections open at once, each echoed (%d echoed in %lld ms)", n, echoed,
             t1 - t0);
    check(echoed == n, what);
    snprintf(what, sizeof what, "the server holds a descriptor for each (%d more than before)", held);
    check(held >= n, what);
    for (int i = 0; i < n; i++)
        if (conns[i].fd >= 0) close(conns[i].fd);
    int after1 = settle_fds(pid, server_fds0);
    snprintf(what, sizeof what, "after closing them the server is back to %d descriptors (has %d)", server_fds0, after1);
    check(after1 == server_fds0, what);

    long long t2 = now_ms();
    int good = cycles ? cycle(&sa, cycles) : 0;
    long long t3 = now_ms();
    snprintf(what, sizeof what, "%d open/echo/close cycles (%d good in %lld ms)", cycles, good, t3 - t2);
    check(good == cycles, what);
    int after2 = settle_fds(pid, server_fds0);
    snprintf(what, sizeof what, "after the cycles the server is back to %d descriptors (has %d)", server_fds0, after2);
    check(after2 == server_fds0, what);
    int own = count_fds("self");
    snprintf(what, sizeof what, "this client is back to %d descriptors (has %d)", own_fds0, own);
    check(own == own_fds0, what);

    long hwm = status_kib(pid, "VmHWM");
    /* the server ends after one more connection than the phases made */
    check(cycle(&sa, 1) == 1, "a last connection lets the server finish");
    printf("server peak RSS (VmHWM): %.1f MiB\n", hwm / 1024.0);
    printf("server RSS with %d connections held: %.1f MiB (%.1f MiB before)\n", n, rss1 / 1024.0, rss0 / 1024.0);
    if (n > 0)
        printf("memory per connection (RSS delta / connections): %ld bytes\n", (rss1 - rss0) * 1024 / n);
    free(conns);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}

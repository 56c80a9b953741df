/* bench/baseline/echo_client.c - the C client for the TCP benchmarks, one
 * epoll loop, single-threaded. It prints "go" once connected and "done" when
 * the work is finished, so the harness times only the exchange.
 *   echo_client pingpong PORT CONNS SIZE COUNT   COUNT round trips of SIZE
 *                                                bytes, spread over CONNS
 *                                                connections, each one
 *                                                waiting for its echo
 *   echo_client bulk PORT TOTAL CHUNK            send TOTAL bytes in CHUNK
 *                                                writes, read them all back
 *   echo_client idle PORT N                      open N connections, print
 *                                                "connected N", hold them
 *                                                until stdin closes
 * Every wait has a deadline (DEADLINE_MS): a stuck peer is an error, never a
 * hang.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loopback.h"

enum { DEADLINE_MS = 120000, MAX_EVENTS = 256 };

static int connect_to(int port, int nonblock) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (nonblock && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) die("fcntl");
    return fd;
}

static void say(const char *line) {
    puts(line);
    fflush(stdout);
}

static int wait_events(int ep, struct epoll_event *evs) {
    int n;
    do n = epoll_wait(ep, evs, MAX_EVENTS, DEADLINE_MS);
    while (n < 0 && errno == EINTR);
    if (n < 0) die("epoll_wait");
    if (n == 0) { fputs("echo_client: no progress before the deadline\n", stderr); exit(1); }
    return n;
}

/* One message in flight per connection: send SIZE bytes, wait for all SIZE
 * back, repeat. */
typedef struct pp_conn {
    int fd;
    long left;      /* round trips still to start */
    size_t got;     /* bytes of the current echo received */
} pp_conn;

static int pingpong(int port, int conns, size_t size, long count) {
    int ep = epoll_create1(0);
    pp_conn *cs = calloc((size_t)conns, sizeof *cs);
    char *msg = malloc(size), *buf = malloc(size);
    if (!cs || !msg || !buf) die("malloc");
    memset(msg, 'x', size);
    for (int i = 0; i < conns; i++) {
        cs[i].fd = connect_to(port, 1);
        cs[i].left = count / conns + (i < count % conns);
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &cs[i] };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev) < 0) die("epoll_ctl");
    }
    say("go");
    int active = 0;
    for (int i = 0; i < conns; i++) {
        if (cs[i].left == 0) continue;
        if (send(cs[i].fd, msg, size, MSG_NOSIGNAL) != (ssize_t)size) die("send");
        cs[i].left--;
        active++;
    }
    struct epoll_event evs[MAX_EVENTS];
    while (active > 0) {
        int n = wait_events(ep, evs);
        for (int i = 0; i < n; i++) {
            pp_conn *c = evs[i].data.ptr;
            ssize_t r = recv(c->fd, buf, size - c->got, 0);
            if (r < 0 && errno == EAGAIN) continue;
            if (r <= 0) die("recv");
            c->got += (size_t)r;
            if (c->got < size) continue;
            c->got = 0;
            if (c->left == 0) { active--; continue; }
            if (send(c->fd, msg, size, MSG_NOSIGNAL) != (ssize_t)size) die("send");
            c->left--;
        }
    }
    say("done");
    return 0;
}

/* Writes and reads on one connection at once: the writer never gets more
 * than the kernel takes, the reader drains whatever has come back. */
static int bulk(int port, long long total, size_t chunk) {
    int fd = connect_to(port, 1);
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.fd = fd };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
    char *out = malloc(chunk), *in = malloc(65536);
    if (!out || !in) die("malloc");
    memset(out, 'y', chunk);
    long long sent = 0, got = 0;
    size_t chunk_off = 0;
    say("go");
    struct epoll_event evs[MAX_EVENTS];
    while (got < total) {
        wait_events(ep, evs);
        while (sent < total) {
            size_t want = chunk - chunk_off;
            if ((long long)want > total - sent) want = (size_t)(total - sent);
            ssize_t w = send(fd, out + chunk_off, want, MSG_NOSIGNAL);
            if (w < 0 && errno == EAGAIN) break;
            if (w < 0) die("send");
            sent += w;
            chunk_off = (chunk_off + (size_t)w) % chunk;
        }
        for (;;) {
            ssize_t r = recv(fd, in, 65536, 0);
            if (r < 0 && errno == EAGAIN) break;
            if (r <= 0) die("recv");
            got += r;
        }
        if (sent == total && (ev.events & EPOLLOUT)) {
            ev.events = EPOLLIN;
            epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
        }
    }
    say("done");
    return 0;
}

static int idle(int port, int n) {
    int *fds = malloc((size_t)n * sizeof *fds);
    if (!fds) die("malloc");
    for (int i = 0; i < n; i++) fds[i] = connect_to(port, 0);
    printf("connected %d\n", n);
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0) {}
    for (int i = 0; i < n; i++) close(fds[i]);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 6 && strcmp(argv[1], "pingpong") == 0)
        return pingpong(atoi(argv[2]), atoi(argv[3]), (size_t)atol(argv[4]), atol(argv[5]));
    if (argc >= 5 && strcmp(argv[1], "bulk") == 0)
        return bulk(atoi(argv[2]), atoll(argv[3]), (size_t)atol(argv[4]));
    if (argc >= 4 && strcmp(argv[1], "idle") == 0)
        return idle(atoi(argv[2]), atoi(argv[3]));
    fputs("usage: echo_client pingpong PORT CONNS SIZE COUNT | bulk PORT TOTAL CHUNK | idle PORT N\n", stderr);
    return 2;
}

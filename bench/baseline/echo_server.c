/* bench/baseline/echo_server.c - the C baseline for the TCP benchmarks: a
 * single-threaded, non-blocking echo server on one epoll loop, written the
 * plain way a C programmer would (one read buffer, write back at once, queue
 * only what the kernel did not take). It prints "port N" once listening.
 *   echo_server [PORT]      (0 or nothing: a free port on 127.0.0.1)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loopback.h"

enum { READ_SIZE = 65536, MAX_EVENTS = 256 };

/* What one connection still owes its peer when the kernel's send buffer was
 * full; while anything is pending the connection is not read, so a client
 * that never reads cannot make the server buffer without bound. */
typedef struct conn {
    int fd;
    char *pending;
    size_t pending_len, pending_off;
} conn;

static void conn_close(int ep, conn *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->pending);
    free(c);
}

static void watch(int ep, conn *c, unsigned events, int op) {
    struct epoll_event ev = { .events = events, .data.ptr = c };
    if (epoll_ctl(ep, op, c->fd, &ev) < 0) die("epoll_ctl");
}

/* Sends what is pending; returns 0 when all is sent, 1 when the kernel is
 * full again, -1 when the connection failed. */
static int flush_pending(conn *c) {
    while (c->pending_off < c->pending_len) {
        ssize_t n = send(c->fd, c->pending + c->pending_off, c->pending_len - c->pending_off, MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN ? 1 : -1;
        c->pending_off += (size_t)n;
    }
    c->pending_len = c->pending_off = 0;
    return 0;
}

/* Echoes until the socket has nothing more to read or the peer stops taking
 * data. Returns -1 when the connection is over. */
static int echo(int ep, conn *c, char *buf) {
    for (;;) {
        ssize_t n = recv(c->fd, buf, READ_SIZE, 0);
        if (n == 0) return -1;
        if (n < 0) return errno == EAGAIN ? 0 : -1;
        ssize_t sent = send(c->fd, buf, (size_t)n, MSG_NOSIGNAL);
        if (sent < 0 && errno != EAGAIN) return -1;
        if (sent < 0) sent = 0;
        if (sent < n) {
            size_t rest = (size_t)(n - sent);
            c->pending = realloc(c->pending, rest);
            if (!c->pending) die("realloc");
            memcpy(c->pending, buf + sent, rest);
            c->pending_len = rest;
            c->pending_off = 0;
            watch(ep, c, EPOLLOUT, EPOLL_CTL_MOD);
            return 0;
        }
    }
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0, one = 1;
    int bound;
    int lfd = listen_loopback(port, &bound);
    printf("port %d\n", bound);
    fflush(stdout);

    int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");
    conn listener = { .fd = lfd };
    watch(ep, &listener, EPOLLIN, EPOLL_CTL_ADD);
    char *buf = malloc(READ_SIZE);
    if (!buf) die("malloc");
    struct epoll_event evs[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(ep, evs, MAX_EVENTS, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) die("epoll_wait");
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if (c == &listener) {
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn *nc = calloc(1, sizeof *nc);
                    if (!nc) die("calloc");
                    nc->fd = fd;
                    watch(ep, nc, EPOLLIN, EPOLL_CTL_ADD);
                }
                continue;
            }
            int rc = 0;
            if (c->pending_len) {
                rc = flush_pending(c);
                if (rc == 0) watch(ep, c, EPOLLIN, EPOLL_CTL_MOD);
            } else {
                rc = echo(ep, c, buf);
            }
            if (rc < 0) conn_close(ep, c);
        }
    }
}

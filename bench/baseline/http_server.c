/* bench/baseline/http_server.c - the C reference of the wrk rows: the least
 * an HTTP/1.1 keep-alive server can do on one epoll loop, answering every
 * request as examples/http_server.lyng does (the same status line, headers
 * and body). It reads what a connection sent, answers every complete request
 * in it with one send, and keeps nothing else: no request bodies, no queue
 * (a client that does not read its answers is dropped). It shows how far
 * wrk, the kernel's loopback and the shared cores let any server go.
 * Prints "http on 127.0.0.1:PORT" once listening.
 *   http_server [PORT]      (0 or nothing: a free port)
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

enum { IN_SIZE = 16384, OUT_SIZE = 65536, MAX_EVENTS = 256 };

typedef struct conn {
    int fd;
    size_t len; /* bytes of an unfinished request kept in `in` */
    char in[IN_SIZE];
} conn;

/* Appends the answer to the request whose head is req..end (request line
 * "METHOD PATH VERSION"); returns the new length of `out`. */
static size_t answer(char *out, size_t olen, const char *req, const char *end) {
    const char *sp1 = memchr(req, ' ', (size_t)(end - req));
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)) : NULL;
    const char *path = sp2 ? sp1 + 1 : "/";
    int plen = sp2 ? (int)(sp2 - sp1 - 1) : 1;
    char body[IN_SIZE + 32];
    int blen = snprintf(body, sizeof body, "Hello from Lyng: %.*s\n", plen, path);
    int n = snprintf(out + olen, OUT_SIZE - olen, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s",
                     blen, body);
    return n > 0 && (size_t)n < OUT_SIZE - olen ? olen + (size_t)n : olen;
}

/* Serves what the connection has sent; -1 when it is over. */
static int serve(conn *c, char *out) {
    for (;;) {
        ssize_t n = recv(c->fd, c->in + c->len, IN_SIZE - c->len, 0);
        if (n == 0) return -1;
        if (n < 0) return errno == EAGAIN ? 0 : -1;
        c->len += (size_t)n;
        size_t olen = 0, start = 0;
        const char *end;
        while ((end = memmem(c->in + start, c->len - start, "\r\n\r\n", 4))) {
            olen = answer(out, olen, c->in + start, end);
            start = (size_t)(end - c->in) + 4;
        }
        if (start == 0 && c->len == IN_SIZE) return -1; /* a head larger than the buffer */
        memmove(c->in, c->in + start, c->len - start);
        c->len -= start;
        if (olen && send(c->fd, out, olen, MSG_NOSIGNAL) != (ssize_t)olen) return -1;
    }
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0, one = 1;
    int bound;
    int lfd = listen_loopback(port, &bound);
    printf("http on 127.0.0.1:%d\n", bound);
    fflush(stdout);

    int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");
    struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) < 0) die("epoll_ctl");
    char *out = malloc(OUT_SIZE);
    if (!out) die("malloc");
    struct epoll_event evs[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(ep, evs, MAX_EVENTS, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) die("epoll_wait");
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if (!c) { /* the listener */
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn *nc = calloc(1, sizeof *nc);
                    if (!nc) die("calloc");
                    nc->fd = fd;
                    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = nc };
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
                }
            } else if (serve(c, out) < 0) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                free(c);
            }
        }
    }
}

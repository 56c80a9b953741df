/* posix_linger.c - closing a TLS connection without losing what it sent.
 *
 * After our closing alert the peer answers with its own, and a TLS 1.3
 * server may send session tickets late. Bytes that reach a descriptor
 * already closed make the kernel reset the connection and drop whatever of
 * ours it has not sent yet, so the end of a transfer could vanish. A
 * closing TLS connection therefore shuts its sending half and its
 * descriptor lingers here, read and discarded, until the peer closes too or
 * POSIX_LINGER_MS pass. The loop services the list each time it polls; the
 * host's end waits for the rest, within the same bound. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "posix_internal.h"

/* true when fd is done: the peer closed, failed, or its time is up */
static bool drain_done(const posix_linger_fd *l, int64_t now) {
    char sink[4096];
    for (;;) {
        ssize_t n = recv(l->fd, sink, sizeof sink, 0);
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return now >= l->until;
        return true;
    }
}

void posix_linger_add(host_backend *b, int fd) {
    if (b->nlinger == b->linger_cap) {
        int cap = b->linger_cap ? b->linger_cap * 2 : 8;
        posix_linger_fd *l = realloc(b->linger, sizeof *l * (size_t)cap);
        if (!l) {
            close(fd); /* no memory to wait: close as before */
            return;
        }
        b->linger = l;
        b->linger_cap = cap;
    }
    shutdown(fd, SHUT_WR);
    b->linger[b->nlinger++] = (posix_linger_fd){fd, host_backend_now_us() + POSIX_LINGER_MS * 1000};
}

void posix_linger_service(host_backend *b) {
    int64_t now = host_backend_now_us();
    int kept = 0;
    for (int i = 0; i < b->nlinger; i++) {
        if (drain_done(&b->linger[i], now)) close(b->linger[i].fd);
        else b->linger[kept++] = b->linger[i];
    }
    b->nlinger = kept;
}

void posix_linger_finish(host_backend *b) {
    while (b->nlinger > 0) {
        struct pollfd *p = calloc((size_t)b->nlinger, sizeof *p);
        if (!p) break;
        int64_t last = 0;
        for (int i = 0; i < b->nlinger; i++) {
            p[i].fd = b->linger[i].fd;
            p[i].events = POLLIN;
            if (b->linger[i].until > last) last = b->linger[i].until;
        }
        int64_t left_ms = (last - host_backend_now_us() + 999) / 1000;
        if (left_ms > 0) poll(p, (nfds_t)b->nlinger, (int)left_ms);
        free(p);
        posix_linger_service(b);
    }
    for (int i = 0; i < b->nlinger; i++) close(b->linger[i].fd);
    free(b->linger);
    b->linger = NULL;
    b->nlinger = b->linger_cap = 0;
}

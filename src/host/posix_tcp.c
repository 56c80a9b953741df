/* posix_tcp.c - TCP for the native backend: connect (with its deadline and,
 * for TLS, the handshake), listen, accept, and stream reads and writes,
 * plain or through posix_tls.c. */
#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <unistd.h>

#include "posix_compat.h"
#include "posix_internal.h"

/* A TLS connection (t set) completes after its handshake, within the same
 * timeout. */
static void connect_socket(host *h, uint32_t op, const char *ip, int port, int64_t timeout_ms, bool nodelay,
                           const host_tls_opts *t) {
    struct sockaddr_storage ss;
    socklen_t len;
    int fd = posix_open(h, op, ip, port, SOCK_STREAM, &ss, &len);
    if (fd < 0) return;
    tls_conn *tls = NULL;
    int rc = t ? tls_client_conn(&h->backend->tls_clients, fd, t, &tls) : 0;
    if (rc != 0) {
        close(fd);
        host_push_done(h, op, rc, 0);
        return;
    }
    if (nodelay) posix_set_int_opt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    if (connect(fd, (struct sockaddr *)&ss, len) != 0 && errno != EINPROGRESS) {
        int e = errno;
        tls_conn_free(tls);
        close(fd);
        host_push_done(h, op, posix_error(e), 0);
        return;
    }
    /* Even a connection finished at once is reported through the loop, by
     * the writable event it raises. */
    int handle = posix_sock_add(h, fd, HOST_SOCK_TCP);
    sock *s = posix_sock(h, handle);
    s->tls = tls;
    host_start(h, &s->b, HOST_SLOT_CONNECT, op);
    posix_watch(h, handle);
    if (timeout_ms > 0) host_connect_deadline(h, op, handle, timeout_ms);
}

void host_tcp_connect(host *h, uint32_t op, const char *ip, int port, int64_t timeout_ms, bool nodelay) {
    connect_socket(h, op, ip, port, timeout_ms, nodelay, NULL);
}

void host_tls_connect(host *h, uint32_t op, const char *ip, int port, int64_t timeout_ms, bool nodelay,
                      const host_tls_opts *t) {
    connect_socket(h, op, ip, port, timeout_ms, nodelay, t);
}

void host_listen(host *h, uint32_t op, const char *ip, int port, const host_listen_opts *o) {
#ifndef SO_REUSEPORT
    if (o->reuse_port) { /* host_caps says so; the net module asks first */
        host_push_done(h, op, HOST_EUNSUPPORTED, 0);
        return;
    }
#endif
    tls_server *tls = NULL;
    if (o->cert_file && o->key_file) {
        int rc = tls_server_new(o->cert_file, o->key_file, &tls);
        if (rc != 0) {
            host_push_done(h, op, rc, 0);
            return;
        }
    }
    struct sockaddr_storage ss;
    socklen_t len;
    int fd = posix_open(h, op, ip, port, SOCK_STREAM, &ss, &len);
    if (fd < 0) {
        tls_server_free(tls);
        return;
    }
    if (o->reuse_addr) posix_set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
#ifdef SO_REUSEPORT
    if (o->reuse_port) posix_set_int_opt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
#endif
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, o->backlog > 0 ? o->backlog : 128) != 0) {
        int e = errno;
        close(fd);
        tls_server_free(tls);
        host_push_done(h, op, posix_error(e), 0);
        return;
    }
    int handle = posix_sock_add(h, fd, HOST_SOCK_LISTEN);
    posix_sock(h, handle)->tls_server = tls;
    host_push_done(h, op, 0, handle);
}

bool posix_try_accept(host *h, sock *s) {
    int fd = posix_accept(s->fd);
    /* a client that gave up before we accepted it is not this op's failure */
    if (fd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)) return false;
    if (fd < 0) {
        host_finish(h, &s->b, HOST_SLOT_READ, posix_error(errno), 0);
        return true;
    }
    posix_set_int_opt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    tls_conn *tls = s->tls_server ? tls_server_conn(s->tls_server, fd) : NULL;
    if (s->tls_server && !tls) {
        close(fd);
        host_finish(h, &s->b, HOST_SLOT_READ, HOST_EIO, 0);
        return true;
    }
    int handle = posix_sock_add(h, fd, HOST_SOCK_TCP);
    posix_sock(h, handle)->tls = tls;
    host_finish(h, &s->b, HOST_SLOT_READ, 0, handle);
    return true;
}

/* A TLS read or write that must wait says for what; the next try of an op
 * waits for its default again. */
static bool tls_waits(long r, unsigned *want, unsigned dflt) {
    *want = r == TLS_WANT_READ ? POLLER_IN : r == TLS_WANT_WRITE ? POLLER_OUT : dflt;
    return r == TLS_WANT_READ || r == TLS_WANT_WRITE;
}

static bool try_read_tls(host *h, sock *s) {
    long n = tls_recv(s->tls, s->b.rbuf, s->b.rmax);
    if (tls_waits(n, &s->rwant, POLLER_IN)) return false;
    s->drained = n >= 0 && (size_t)n < s->b.rmax && !tls_pending(s->tls);
    host_finish(h, &s->b, HOST_SLOT_READ, n < 0 ? (int)n : 0, n < 0 ? 0 : n);
    return true;
}

bool posix_try_read(host *h, sock *s) {
    if (s->tls) return try_read_tls(h, s);
    ssize_t n = recv(s->fd, s->b.rbuf, s->b.rmax, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
    s->drained = n >= 0 && (size_t)n < s->b.rmax;
    host_finish(h, &s->b, HOST_SLOT_READ, n < 0 ? posix_error(errno) : 0, n < 0 ? 0 : n);
    return true;
}

/* One send of what remains: bytes sent, 0 when the socket must become
 * ready first, or a HOST_E* code. */
static long send_some(sock *s) {
    const uint8_t *p = s->b.wbuf + s->b.woff;
    uint32_t left = s->b.wlen - s->b.woff;
    if (s->tls) {
        long n = tls_send(s->tls, p, left);
        return tls_waits(n, &s->wwant, POLLER_OUT) ? 0 : n;
    }
    for (;;) {
        ssize_t n = posix_send(s->fd, p, left);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : posix_error(errno);
    }
}

/* A plain send that took less than it was given found the kernel's buffer
 * full: trying again at once fails with EAGAIN more often than not (half
 * the sends of a bulk writer were such failures), so the rest waits for the
 * socket to become writable, and so does the next send (see host_write). */
bool posix_try_write(host *h, sock *s) {
    while (s->b.woff < s->b.wlen) {
        uint32_t left = s->b.wlen - s->b.woff;
        long n = send_some(s);
        if (n == 0) {
            s->wfull = !s->tls;
            return false;
        }
        if (n < 0) {
            host_finish(h, &s->b, HOST_SLOT_WRITE, (int)n, 0);
            return true;
        }
        s->b.woff += (uint32_t)n;
        if (!s->tls && (uint32_t)n < left) {
            s->wfull = true;
            return false;
        }
    }
    host_finish(h, &s->b, HOST_SLOT_WRITE, 0, s->b.wlen);
    return true;
}

/* Ends a connect op: status 0 hands over the socket, anything else closes it. */
static void connect_finish(host *h, int handle, int status) {
    sock *s = posix_sock(h, handle);
    host_finish(h, &s->b, HOST_SLOT_CONNECT, status, status ? 0 : handle);
    if (status) host_sock_destroy(h, handle, HOST_ECLOSED);
}

/* One step of a TLS connection's handshake; true when it ended. */
static bool try_handshake(host *h, int handle) {
    sock *s = posix_sock(h, handle);
    int rc = tls_handshake(s->tls);
    if (tls_waits(rc, &s->cwant, POLLER_OUT)) {
        posix_watch(h, handle);
        return false;
    }
    connect_finish(h, handle, rc);
    return true;
}

bool posix_try_connect(host *h, int handle) {
    sock *s = posix_sock(h, handle);
    if (s->shaking) return try_handshake(h, handle);
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err == EINPROGRESS || err == EALREADY) return false;
    if (!err && s->tls) {
        s->shaking = true;
        return try_handshake(h, handle);
    }
    connect_finish(h, handle, err ? posix_error(err) : 0);
    return true;
}

void host_tcp_accept(host *h, uint32_t op, int handle) {
    sock *s = (sock *)host_begin(h, op, handle, HOST_SOCK_LISTEN, HOST_SLOT_READ);
    if (s && !posix_try_accept(h, s)) posix_watch_sock(h, s, handle);
}

void host_read(host *h, uint32_t op, int handle, uint8_t *buf, uint32_t max) {
    sock *s = (sock *)host_begin_read(h, op, handle, HOST_SOCK_TCP, buf, max);
    if (!s) return;
    /* A read that got less than it asked for left the kernel's buffer
     * empty; the next one (in a request/response exchange, asked for right
     * after our reply) fails with EAGAIN more often than not (6 times in 10
     * in a local ping-pong, where trying first cost 3.2 syscalls per round
     * trip instead of 3.0), so it waits for the poller instead. A read that
     * filled its buffer tries at once, as more is likely waiting. */
    if (s->drained || !posix_try_read(h, s)) posix_watch_sock(h, s, handle);
}

void host_write(host *h, uint32_t op, int handle, const uint8_t *buf, uint32_t len) {
    sock *s = (sock *)host_begin_write(h, op, handle, HOST_SOCK_TCP, buf, len);
    if (s && !posix_now_failed(h, s) && (s->wfull || !posix_try_write(h, s))) posix_watch_sock(h, s, handle);
}

bool posix_now_failed(host *h, sock *s) {
    if (!s->now_err) return false;
    int e = s->now_err;
    s->now_err = 0;
    host_finish(h, &s->b, HOST_SLOT_WRITE, e, 0);
    return true;
}

/* With no write pending, the kernel takes what it can at once, and what it
 * took needs no op: a request/response exchange then costs one completion
 * per message instead of two. What it did not take goes through the
 * host_write that follows, which waits for the socket as before, so order
 * and back-pressure are those of the op. A failure is kept for that
 * host_write, as the send it would have tried would have failed the same
 * way (a reset is reported once; the next send says EPIPE). TLS keeps to
 * the op: a send that must wait has to be retried with the same bytes. */
uint32_t host_write_now(host *h, int handle, const uint8_t *buf, uint32_t len) {
    sock *s = posix_sock(h, handle);
    if (!s || s->b.kind != HOST_SOCK_TCP || s->tls || s->now_err || s->wfull || s->b.op[HOST_SLOT_WRITE] ||
        s->b.op[HOST_SLOT_CONNECT])
        return 0;
    uint32_t off = 0;
    while (off < len) {
        ssize_t n = posix_send(s->fd, buf + off, len - off);
        if (n >= 0) {
            off += (uint32_t)n;
            if (off < len) s->wfull = true; /* see posix_try_write */
            break;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) s->wfull = true;
        else s->now_err = posix_error(errno);
        break;
    }
    return off;
}

static int sock_addr(host *h, int handle, bool remote, host_addr *out) {
    sock *s = posix_sock(h, handle);
    if (!s) return HOST_ECLOSED;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int rc = remote ? getpeername(s->fd, (struct sockaddr *)&ss, &len) : getsockname(s->fd, (struct sockaddr *)&ss, &len);
    if (rc != 0) return posix_error(errno);
    posix_to_host_addr((struct sockaddr *)&ss, out);
    return 0;
}

int host_local_addr(host *h, int handle, host_addr *out) { return sock_addr(h, handle, false, out); }
int host_remote_addr(host *h, int handle, host_addr *out) { return sock_addr(h, handle, true, out); }

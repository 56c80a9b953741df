/* wasi_tcp.c - TCP over wasi:sockets/tcp: connect and listen through the
 * start/finish pairs, accept, and reads and writes through the
 * connection's wasi:io streams. Writes honour back-pressure: only what
 * check-write allows is written, and the op waits on the stream's pollable
 * for the rest. */
#include <stdlib.h>
#include <string.h>

#include "../../wasi/abi/io_streams.h"
#include "../../wasi/abi/sockets_tcp.h"
#include "../../wasi/abi/sockets_udp.h"
#include "wasi_internal.h"

/* Creates a socket for the address; on failure completes op and returns 0. */
static int32_t open_tcp(host *h, uint32_t op, const char *ip, int port, wasi_sockaddr *a) {
    int family;
    if (!wasi_parse_ip(ip, port, a, &family)) {
        wasi_push_done(h, op, HOST_EINVAL, 0);
        return 0;
    }
    wasi_ret r;
    wasi_tcp_create(family == 6 ? WASI_IPV6 : WASI_IPV4, &r);
    if (wasi_u8(&r, 0)) {
        wasi_push_done(h, op, wasi_net_error(wasi_u8(&r, 4)), 0);
        return 0;
    }
    return (int32_t)wasi_u32(&r, 4);
}

/* WASI has no TCP_NODELAY; hosts such as wasmtime set it on their own. */
void host_tcp_connect(host *h, uint32_t op, const char *ip, int port, int64_t timeout_ms, bool nodelay) {
    (void)nodelay;
    wasi_sockaddr a;
    int32_t s = open_tcp(h, op, ip, port, &a);
    if (!s) return;
    wasi_ret r;
    wasi_tcp_start_connect(s, wasi_network(h), WASI_SOCKADDR_ARGS(a), &r);
    if (wasi_u8(&r, 0)) {
        wasi_tcp_drop(s);
        wasi_push_done(h, op, wasi_net_error(wasi_u8(&r, 1)), 0);
        return;
    }
    int handle = wasi_sock_add(h, WS_TCP, s, 0, 0);
    wasi_add_waiter(h, op, WK_CONNECT, handle, wasi_tcp_subscribe(s));
    if (timeout_ms > 0) wasi_connect_deadline(h, op, handle, timeout_ms);
}

/* Binding and listening finish at once on the hosts we know; a host that
 * reports would-block is waited for here, boundedly, on the socket's
 * pollable. Returns the error code, or -1 on success. */
static int finish(host *h, int32_t s, void (*fn)(int32_t, wasi_ret *)) {
    (void)h;
    for (int tries = 0; tries < 1000; tries++) {
        wasi_ret r;
        fn(s, &r);
        if (!wasi_u8(&r, 0)) return -1;
        if (wasi_u8(&r, 1) != WASI_NET_WOULD_BLOCK) return wasi_u8(&r, 1);
        int32_t p = wasi_tcp_subscribe(s);
        wasi_poll(&p, 1, &r);
        if (wasi_u32(&r, 4)) free((void *)(uintptr_t)wasi_u32(&r, 0));
        wasi_pollable_drop(p);
    }
    return WASI_NET_TIMEOUT;
}

/* SO_REUSEADDR is not in WASI 0.2: wasmtime and Node set it on listening
 * sockets themselves, which is what reuse_addr asks for. */
static void tcp_listen(host *h, uint32_t op, const char *ip, int port, int backlog, bool reuse_addr) {
    (void)reuse_addr;
    wasi_sockaddr a;
    int32_t s = open_tcp(h, op, ip, port, &a);
    if (!s) return;
    wasi_ret r;
    int err = -1;
    wasi_tcp_start_bind(s, wasi_network(h), WASI_SOCKADDR_ARGS(a), &r);
    if (wasi_u8(&r, 0)) err = wasi_u8(&r, 1);
    if (err < 0) err = finish(h, s, wasi_tcp_finish_bind);
    if (err < 0 && backlog > 0) {
        wasi_tcp_set_backlog(s, backlog, &r); /* advisory: a host may refuse it */
    }
    if (err < 0) {
        wasi_tcp_start_listen(s, &r);
        if (wasi_u8(&r, 0)) err = wasi_u8(&r, 1);
    }
    if (err < 0) err = finish(h, s, wasi_tcp_finish_listen);
    if (err >= 0) {
        wasi_tcp_drop(s);
        wasi_push_done(h, op, wasi_net_error(err), 0);
        return;
    }
    wasi_push_done(h, op, 0, wasi_sock_add(h, WS_LISTEN, s, 0, 0));
}

void host_tcp_accept(host *h, uint32_t op, int handle) {
    wsock *s = wasi_begin(h, op, handle, WS_LISTEN, WK_ACCEPT);
    if (s) wasi_add_waiter(h, op, WK_ACCEPT, handle, wasi_tcp_subscribe(s->sock));
}

void host_read(host *h, uint32_t op, int handle, uint8_t *buf, uint32_t max) {
    wsock *s = wasi_begin(h, op, handle, WS_TCP, WK_READ);
    if (!s) return;
    waiter *w = wasi_add_waiter(h, op, WK_READ, handle, wasi_input_subscribe(s->in));
    w->buf = buf;
    w->len = max;
}

void host_write(host *h, uint32_t op, int handle, const uint8_t *buf, uint32_t len) {
    wsock *s = wasi_begin(h, op, handle, WS_TCP, WK_WRITE);
    if (!s) return;
    waiter *w = wasi_add_waiter(h, op, WK_WRITE, handle, wasi_output_subscribe(s->out));
    w->buf = (uint8_t *)buf; /* only read from */
    w->len = len;
}

int32_t wasi_resubscribe_tcp(host *h, const waiter *w) {
    wsock *s = wasi_sock(h, w->handle);
    switch (w->kind) {
    case WK_READ: return wasi_input_subscribe(s->in);
    case WK_WRITE: return wasi_output_subscribe(s->out);
    default: return wasi_tcp_subscribe(s->sock);
    }
}

static step_result step_connect(host *h, waiter *w) {
    wsock *s = wasi_sock(h, w->handle);
    wasi_ret r;
    wasi_tcp_finish_connect(s->sock, &r);
    if (wasi_u8(&r, 0) && wasi_u8(&r, 4) == WASI_NET_WOULD_BLOCK) return STEP_WAIT;
    uint32_t op = w->op;
    int handle = w->handle;
    wasi_waiter_free(w);
    for (size_t i = 0; i < h->nwaiters; i++) /* the deadline is no longer needed */
        if (h->waiters[i].op == op && h->waiters[i].kind == WK_CONNECT_TIMEOUT) wasi_waiter_free(&h->waiters[i]);
    if (wasi_u8(&r, 0)) {
        wasi_sock_destroy(h, handle, HOST_ECLOSED);
        wasi_push_done(h, op, wasi_net_error(wasi_u8(&r, 4)), 0);
    } else {
        s->in = (int32_t)wasi_u32(&r, 4);
        s->out = (int32_t)wasi_u32(&r, 8);
        wasi_push_done(h, op, 0, handle);
    }
    return STEP_DONE;
}

static step_result step_accept(host *h, waiter *w) {
    wsock *s = wasi_sock(h, w->handle);
    wasi_ret r;
    wasi_tcp_accept(s->sock, &r);
    if (wasi_u8(&r, 0)) {
        int code = wasi_u8(&r, 4);
        /* a client that gave up before we accepted it is not this op's failure */
        if (code == WASI_NET_WOULD_BLOCK || code == WASI_NET_CONNECTION_ABORTED) return STEP_WAIT;
        wasi_push_done(h, w->op, wasi_net_error(code), 0);
        return STEP_DONE;
    }
    int client = wasi_sock_add(h, WS_TCP, (int32_t)wasi_u32(&r, 4), (int32_t)wasi_u32(&r, 8), (int32_t)wasi_u32(&r, 12));
    wasi_push_done(h, w->op, 0, client);
    return STEP_DONE;
}

/* Ends an op whose stream reported an error. The error resource carries
 * only a debug string, so a failed stream is a reset connection. */
static step_result stream_failed(host *h, waiter *w, const wasi_ret *r, int off, int32_t closed_status, int64_t closed_value) {
    if (wasi_u8(r, off) == WASI_STREAM_ERROR_CLOSED) {
        wasi_push_done(h, w->op, closed_status, closed_value);
    } else {
        wasi_error_drop((int32_t)wasi_u32(r, off + 4));
        wasi_push_done(h, w->op, HOST_ECONNRESET, 0);
    }
    return STEP_DONE;
}

static step_result step_read(host *h, waiter *w) {
    wsock *s = wasi_sock(h, w->handle);
    wasi_ret r;
    wasi_input_read(s->in, w->len, &r);
    if (wasi_u8(&r, 0)) return stream_failed(h, w, &r, 4, 0, 0); /* closed: end of stream */
    uint8_t *data = (uint8_t *)(uintptr_t)wasi_u32(&r, 4);
    uint32_t n = wasi_u32(&r, 8);
    if (n == 0) return STEP_WAIT;
    if (n > w->len) n = w->len;
    memcpy(w->buf, data, n);
    free(data);
    wasi_push_done(h, w->op, 0, n);
    return STEP_DONE;
}

static step_result step_write(host *h, waiter *w) {
    wsock *s = wasi_sock(h, w->handle);
    wasi_ret r;
    while (w->off < w->len) {
        wasi_output_check_write(s->out, &r);
        if (wasi_u8(&r, 0)) return stream_failed(h, w, &r, 8, HOST_EPIPE, 0);
        uint64_t room = wasi_u64(&r, 8);
        if (room == 0) return STEP_WAIT;
        uint32_t n = w->len - w->off;
        if (room < n) n = (uint32_t)room;
        wasi_output_write(s->out, w->buf + w->off, (int32_t)n, &r);
        if (wasi_u8(&r, 0)) return stream_failed(h, w, &r, 4, HOST_EPIPE, 0);
        w->off += n;
    }
    /* No flush here: the hosts we run on send what write() accepted without
     * one, and Node's preview2 shim makes flush wait until the kernel has
     * taken every earlier byte, which stalls the whole component (timers and
     * the peer's reader included) while a peer is not reading. */
    wasi_push_done(h, w->op, 0, w->len);
    return STEP_DONE;
}

step_result wasi_step_tcp(host *h, waiter *w) {
    switch (w->kind) {
    case WK_CONNECT: return step_connect(h, w);
    case WK_ACCEPT: return step_accept(h, w);
    case WK_READ: return step_read(h, w);
    default: return step_write(h, w);
    }
}

static int sock_addr(host *h, int handle, bool remote, host_addr *out) {
    wsock *s = wasi_sock(h, handle);
    if (!s) return HOST_ECLOSED;
    wasi_ret r;
    if (s->kind == WS_UDP) {
        if (remote) return HOST_EINVAL;
        wasi_udp_local_address(s->sock, &r);
    } else if (remote) {
        wasi_tcp_remote_address(s->sock, &r);
    } else {
        wasi_tcp_local_address(s->sock, &r);
    }
    if (wasi_u8(&r, 0)) return wasi_net_error(wasi_u8(&r, 4));
    wasi_read_sockaddr(&r.b[4], out);
    return 0;
}

int host_local_addr(host *h, int handle, host_addr *out) { return sock_addr(h, handle, false, out); }
int host_remote_addr(host *h, int handle, host_addr *out) { return sock_addr(h, handle, true, out); }

/* WASI 0.2 has neither SO_REUSEPORT nor TLS (host_caps says so, and the
 * net module asks before it calls): a plain listen is all there is. */
void host_listen(host *h, uint32_t op, const char *ip, int port, const host_listen_opts *o) {
    if (o->reuse_port || o->cert_file) {
        wasi_push_done(h, op, HOST_EUNSUPPORTED, 0);
        return;
    }
    tcp_listen(h, op, ip, port, o->backlog, o->reuse_addr);
}

void host_tls_connect(host *h, uint32_t op, const char *ip, int port, int64_t timeout_ms, bool nodelay,
                      const host_tls_opts *t) {
    (void)ip, (void)port, (void)timeout_ms, (void)nodelay, (void)t;
    wasi_push_done(h, op, HOST_EUNSUPPORTED, 0);
}

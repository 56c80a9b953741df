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
        host_push_done(h, op, HOST_EINVAL, 0);
        return 0;
    }
    wasi_ret r;
    wasi_tcp_create(family == 6 ? WASI_IPV6 : WASI_IPV4, &r);
    if (wasi_u8(&r, 0)) {
        host_push_done(h, op, wasi_net_error(wasi_u8(&r, 4)), 0);
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
        host_push_done(h, op, wasi_net_error(wasi_u8(&r, 1)), 0);
        return;
    }
    int handle = wasi_sock_add(h, HOST_SOCK_TCP, s, 0, 0);
    wsock *ws = wasi_sock(h, handle);
    host_start(h, &ws->b, HOST_SLOT_CONNECT, op);
    host_backend_watch(h, handle, &ws->b);
    if (timeout_ms > 0) host_connect_deadline(h, op, handle, timeout_ms);
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
        host_push_done(h, op, wasi_net_error(err), 0);
        return;
    }
    host_push_done(h, op, 0, wasi_sock_add(h, HOST_SOCK_LISTEN, s, 0, 0));
}

void host_tcp_accept(host *h, uint32_t op, int handle) {
    wsock *s = (wsock *)host_begin(h, op, handle, HOST_SOCK_LISTEN, HOST_SLOT_READ);
    if (s) host_backend_watch(h, handle, &s->b);
}

void host_read(host *h, uint32_t op, int handle, uint8_t *buf, uint32_t max) {
    host_sock *s = host_begin_read(h, op, handle, HOST_SOCK_TCP, buf, max);
    if (s) host_backend_watch(h, handle, s);
}

void host_write(host *h, uint32_t op, int handle, const uint8_t *buf, uint32_t len) {
    host_sock *s = host_begin_write(h, op, handle, HOST_SOCK_TCP, buf, len);
    if (s) host_backend_watch(h, handle, s);
}

/* A write here goes through an op, which the next poll performs. */
uint32_t host_write_now(host *h, int handle, const uint8_t *buf, uint32_t len) {
    (void)h, (void)handle, (void)buf, (void)len;
    return 0;
}

static step_result step_connect(host *h, int handle, wsock *s) {
    wasi_ret r;
    wasi_tcp_finish_connect(s->sock, &r);
    if (wasi_u8(&r, 0) && wasi_u8(&r, 4) == WASI_NET_WOULD_BLOCK) return STEP_WAIT;
    if (wasi_u8(&r, 0)) {
        host_finish(h, &s->b, HOST_SLOT_CONNECT, wasi_net_error(wasi_u8(&r, 4)), 0);
        host_sock_destroy(h, handle, HOST_ECLOSED);
    } else {
        s->in = (int32_t)wasi_u32(&r, 4);
        s->out = (int32_t)wasi_u32(&r, 8);
        host_finish(h, &s->b, HOST_SLOT_CONNECT, 0, handle);
    }
    return STEP_DONE;
}

static step_result step_accept(host *h, wsock *s) {
    wasi_ret r;
    wasi_tcp_accept(s->sock, &r);
    if (wasi_u8(&r, 0)) {
        int code = wasi_u8(&r, 4);
        /* a client that gave up before we accepted it is not this op's failure */
        if (code == WASI_NET_WOULD_BLOCK || code == WASI_NET_CONNECTION_ABORTED) return STEP_WAIT;
        host_finish(h, &s->b, HOST_SLOT_READ, wasi_net_error(code), 0);
        return STEP_DONE;
    }
    int client = wasi_sock_add(h, HOST_SOCK_TCP, (int32_t)wasi_u32(&r, 4), (int32_t)wasi_u32(&r, 8), (int32_t)wasi_u32(&r, 12));
    host_finish(h, &s->b, HOST_SLOT_READ, 0, client);
    return STEP_DONE;
}

/* Ends an op whose stream reported an error. The error resource carries
 * only a debug string, so a failed stream is a reset connection. */
static step_result stream_failed(host *h, wsock *s, host_slot slot, const wasi_ret *r, int off, int32_t closed_status) {
    if (wasi_u8(r, off) == WASI_STREAM_ERROR_CLOSED) {
        host_finish(h, &s->b, slot, closed_status, 0);
    } else {
        wasi_error_drop((int32_t)wasi_u32(r, off + 4));
        host_finish(h, &s->b, slot, HOST_ECONNRESET, 0);
    }
    return STEP_DONE;
}

static step_result step_read(host *h, wsock *s) {
    wasi_ret r;
    wasi_input_read(s->in, s->b.rmax, &r);
    if (wasi_u8(&r, 0)) return stream_failed(h, s, HOST_SLOT_READ, &r, 4, 0); /* closed: end of stream */
    uint8_t *data = (uint8_t *)(uintptr_t)wasi_u32(&r, 4);
    uint32_t n = wasi_u32(&r, 8);
    if (n == 0) return STEP_WAIT;
    if (n > s->b.rmax) n = s->b.rmax;
    memcpy(s->b.rbuf, data, n);
    free(data);
    host_finish(h, &s->b, HOST_SLOT_READ, 0, n);
    return STEP_DONE;
}

static step_result step_write(host *h, wsock *s) {
    wasi_ret r;
    host_sock *b = &s->b;
    while (b->woff < b->wlen) {
        wasi_output_check_write(s->out, &r);
        if (wasi_u8(&r, 0)) return stream_failed(h, s, HOST_SLOT_WRITE, &r, 8, HOST_EPIPE);
        uint64_t room = wasi_u64(&r, 8);
        if (room > s->wcap) s->wcap = room; /* the first check is on the idle stream */
        if (room == 0) return STEP_WAIT;
        uint32_t n = b->wlen - b->woff;
        if (room < n) n = (uint32_t)room;
        wasi_output_write(s->out, b->wbuf + b->woff, (int32_t)n, &r);
        if (wasi_u8(&r, 0)) return stream_failed(h, s, HOST_SLOT_WRITE, &r, 4, HOST_EPIPE);
        b->woff += n;
    }
    /* No flush here: the hosts we run on send what write() accepted without
     * one, and Node's preview2 shim makes flush wait until the kernel has
     * taken every earlier byte, which stalls the whole component (timers and
     * the peer's reader included) while a peer is not reading. */
    host_finish(h, b, HOST_SLOT_WRITE, 0, b->wlen);
    return STEP_DONE;
}

step_result wasi_step_tcp(host *h, int handle, wsock *s, host_slot slot) {
    switch (slot) {
    case HOST_SLOT_CONNECT: return step_connect(h, handle, s);
    case HOST_SLOT_READ: return s->b.kind == HOST_SOCK_LISTEN ? step_accept(h, s) : step_read(h, s);
    default: return step_write(h, s);
    }
}

static int sock_addr(host *h, int handle, bool remote, host_addr *out) {
    wsock *s = wasi_sock(h, handle);
    if (!s) return HOST_ECLOSED;
    wasi_ret r;
    if (s->b.kind == HOST_SOCK_UDP) {
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
        host_push_done(h, op, HOST_EUNSUPPORTED, 0);
        return;
    }
    tcp_listen(h, op, ip, port, o->backlog, o->reuse_addr);
}

void host_tls_connect(host *h, uint32_t op, const char *ip, int port, int64_t timeout_ms, bool nodelay,
                      const host_tls_opts *t) {
    (void)ip, (void)port, (void)timeout_ms, (void)nodelay, (void)t;
    host_push_done(h, op, HOST_EUNSUPPORTED, 0);
}

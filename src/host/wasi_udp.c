/* wasi_udp.c - UDP over wasi:sockets/udp: a bound socket is streamed
 * unconnected at once, so every datagram names its own destination, and
 * sends and receives go through its outgoing/incoming datagram streams. */
#include <stdlib.h>
#include <string.h>

#include "../../wasi/abi/sockets_udp.h"
#include "wasi_internal.h"

/* SO_REUSEADDR is not in WASI 0.2; reuse_addr is accepted and ignored. */
void host_udp_bind(host *h, uint32_t op, const char *ip, int port, bool reuse_addr) {
    (void)reuse_addr;
    wasi_sockaddr a;
    int family;
    if (!wasi_parse_ip(ip, port, &a, &family)) {
        wasi_push_done(h, op, HOST_EINVAL, 0);
        return;
    }
    wasi_ret r;
    wasi_udp_create(family == 6 ? WASI_IPV6 : WASI_IPV4, &r);
    if (wasi_u8(&r, 0)) {
        wasi_push_done(h, op, wasi_net_error(wasi_u8(&r, 4)), 0);
        return;
    }
    int32_t s = (int32_t)wasi_u32(&r, 4);
    wasi_udp_start_bind(s, wasi_network(h), WASI_SOCKADDR_ARGS(a), &r);
    int err = wasi_u8(&r, 0) ? wasi_u8(&r, 1) : -1;
    if (err < 0) {
        wasi_udp_finish_bind(s, &r);
        if (wasi_u8(&r, 0)) err = wasi_u8(&r, 1);
    }
    wasi_sockaddr none = {{0}};
    if (err < 0) {
        wasi_udp_stream(s, 0, WASI_SOCKADDR_ARGS(none), &r);
        if (wasi_u8(&r, 0)) err = wasi_u8(&r, 4);
    }
    if (err >= 0) {
        wasi_udp_drop(s);
        wasi_push_done(h, op, wasi_net_error(err), 0);
        return;
    }
    wasi_push_done(h, op, 0, wasi_sock_add(h, WS_UDP, s, (int32_t)wasi_u32(&r, 4), (int32_t)wasi_u32(&r, 8)));
}

void host_udp_send(host *h, uint32_t op, int handle, const uint8_t *buf, uint32_t len, const char *ip, int port) {
    wsock *s = wasi_begin(h, op, handle, WS_UDP, WK_UDP_SEND);
    if (!s) return;
    wasi_sockaddr dest;
    int family;
    if (!wasi_parse_ip(ip, port, &dest, &family)) {
        wasi_push_done(h, op, HOST_EINVAL, 0);
        return;
    }
    waiter *w = wasi_add_waiter(h, op, WK_UDP_SEND, handle, wasi_udp_out_subscribe(s->out));
    w->buf = (uint8_t *)buf; /* only read from */
    w->len = len;
    w->dest = dest;
}

void host_udp_recv(host *h, uint32_t op, int handle, uint8_t *buf, uint32_t max) {
    wsock *s = wasi_begin(h, op, handle, WS_UDP, WK_UDP_RECV);
    if (!s) return;
    waiter *w = wasi_add_waiter(h, op, WK_UDP_RECV, handle, wasi_udp_in_subscribe(s->in));
    w->buf = buf;
    w->len = max;
}

int host_udp_sender(host *h, uint32_t op, host_addr *out) {
    return addr_results_take(&h->results, op, out, 1) == 1 ? 0 : HOST_EINVAL;
}

static step_result step_send(host *h, waiter *w) {
    wsock *s = wasi_sock(h, w->handle);
    wasi_ret r;
    wasi_udp_check_send(s->out, &r);
    if (wasi_u8(&r, 0)) {
        wasi_push_done(h, w->op, wasi_net_error(wasi_u8(&r, 8)), 0);
        return STEP_DONE;
    }
    if (wasi_u64(&r, 8) == 0) return STEP_WAIT;
    wasi_outgoing_datagram d = {.data = w->buf, .len = w->len, .has_remote = 1};
    wasi_write_sockaddr(&w->dest, d.remote);
    wasi_udp_send(s->out, &d, 1, &r);
    if (wasi_u8(&r, 0)) {
        wasi_push_done(h, w->op, wasi_net_error(wasi_u8(&r, 8)), 0);
        return STEP_DONE;
    }
    if (wasi_u64(&r, 8) == 0) return STEP_WAIT;
    wasi_push_done(h, w->op, 0, w->len);
    return STEP_DONE;
}

static step_result step_recv(host *h, waiter *w) {
    wsock *s = wasi_sock(h, w->handle);
    wasi_ret r;
    wasi_udp_receive(s->in, 1, &r);
    if (wasi_u8(&r, 0)) {
        wasi_push_done(h, w->op, wasi_net_error(wasi_u8(&r, 4)), 0);
        return STEP_DONE;
    }
    uint8_t *list = (uint8_t *)(uintptr_t)wasi_u32(&r, 4);
    uint32_t count = wasi_u32(&r, 8);
    if (count == 0) return STEP_WAIT;
    /* one datagram was asked for; free whatever arrived */
    uint8_t *data = (uint8_t *)(uintptr_t)(*(uint32_t *)(void *)list);
    uint32_t n = *(uint32_t *)(void *)(list + 4);
    host_addr *from = wasi_xrealloc(NULL, sizeof *from);
    wasi_read_sockaddr(list + 8, from);
    uint32_t copy = n < w->len ? n : w->len;
    if (copy) memcpy(w->buf, data, copy);
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *d = list + i * WASI_INCOMING_DATAGRAM_SIZE;
        if (*(uint32_t *)(void *)(d + 4)) free((void *)(uintptr_t)(*(uint32_t *)(void *)d));
    }
    free(list);
    addr_results_add(&h->results, w->op, from, 1);
    wasi_push_done(h, w->op, 0, copy);
    return STEP_DONE;
}

step_result wasi_step_udp(host *h, waiter *w) { return w->kind == WK_UDP_SEND ? step_send(h, w) : step_recv(h, w); }

int32_t wasi_resubscribe_udp(host *h, const waiter *w) {
    wsock *s = wasi_sock(h, w->handle);
    return w->kind == WK_UDP_SEND ? wasi_udp_out_subscribe(s->out) : wasi_udp_in_subscribe(s->in);
}

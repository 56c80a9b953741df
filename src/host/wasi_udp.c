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
        host_push_done(h, op, HOST_EINVAL, 0);
        return;
    }
    wasi_ret r;
    wasi_udp_create(family == 6 ? WASI_IPV6 : WASI_IPV4, &r);
    if (wasi_u8(&r, 0)) {
        host_push_done(h, op, wasi_net_error(wasi_u8(&r, 4)), 0);
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
        host_push_done(h, op, wasi_net_error(err), 0);
        return;
    }
    host_push_done(h, op, 0, wasi_sock_add(h, HOST_SOCK_UDP, s, (int32_t)wasi_u32(&r, 4), (int32_t)wasi_u32(&r, 8)));
}

/* A datagram here goes through an op, which the next poll performs. */
bool host_udp_send_now(host *h, int handle, const uint8_t *buf, uint32_t len, const char *ip, int port) {
    (void)h, (void)handle, (void)buf, (void)len, (void)ip, (void)port;
    return false;
}

void host_udp_send(host *h, uint32_t op, int handle, const uint8_t *buf, uint32_t len, const char *ip, int port) {
    wsock *s = (wsock *)host_begin_write(h, op, handle, HOST_SOCK_UDP, buf, len);
    if (!s) return;
    int family;
    if (!wasi_parse_ip(ip, port, &s->dest, &family)) {
        host_finish(h, &s->b, HOST_SLOT_WRITE, HOST_EINVAL, 0);
        return;
    }
    host_backend_watch(h, handle, &s->b);
}

void host_udp_recv(host *h, uint32_t op, int handle, uint8_t *buf, uint32_t max) {
    host_sock *s = host_begin_read(h, op, handle, HOST_SOCK_UDP, buf, max);
    if (s) host_backend_watch(h, handle, s);
}

static step_result step_send(host *h, wsock *s) {
    wasi_ret r;
    wasi_udp_check_send(s->out, &r);
    if (wasi_u8(&r, 0)) {
        host_finish(h, &s->b, HOST_SLOT_WRITE, wasi_net_error(wasi_u8(&r, 8)), 0);
        return STEP_DONE;
    }
    if (wasi_u64(&r, 8) == 0) return STEP_WAIT;
    /* the data is only read from */
    wasi_outgoing_datagram d = {.data = (uint8_t *)s->b.wbuf, .len = s->b.wlen, .has_remote = 1};
    wasi_write_sockaddr(&s->dest, d.remote);
    wasi_udp_send(s->out, &d, 1, &r);
    if (wasi_u8(&r, 0)) {
        host_finish(h, &s->b, HOST_SLOT_WRITE, wasi_net_error(wasi_u8(&r, 8)), 0);
        return STEP_DONE;
    }
    if (wasi_u64(&r, 8) == 0) return STEP_WAIT;
    host_finish(h, &s->b, HOST_SLOT_WRITE, 0, s->b.wlen);
    return STEP_DONE;
}

static step_result step_recv(host *h, wsock *s) {
    wasi_ret r;
    wasi_udp_receive(s->in, 1, &r);
    if (wasi_u8(&r, 0)) {
        host_finish(h, &s->b, HOST_SLOT_READ, wasi_net_error(wasi_u8(&r, 4)), 0);
        return STEP_DONE;
    }
    uint8_t *list = (uint8_t *)(uintptr_t)wasi_u32(&r, 4);
    uint32_t count = wasi_u32(&r, 8);
    if (count == 0) return STEP_WAIT;
    /* one datagram was asked for; free whatever arrived */
    uint8_t *data = (uint8_t *)(uintptr_t)(*(uint32_t *)(void *)list);
    uint32_t n = *(uint32_t *)(void *)(list + 4);
    host_addr *from = host_xrealloc(NULL, sizeof *from);
    wasi_read_sockaddr(list + 8, from);
    uint32_t copy = n < s->b.rmax ? n : s->b.rmax;
    if (copy) memcpy(s->b.rbuf, data, copy);
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *d = list + i * WASI_INCOMING_DATAGRAM_SIZE;
        if (*(uint32_t *)(void *)(d + 4)) free((void *)(uintptr_t)(*(uint32_t *)(void *)d));
    }
    free(list);
    addr_results_add(&h->results, s->b.op[HOST_SLOT_READ], from, 1);
    host_finish(h, &s->b, HOST_SLOT_READ, 0, copy);
    return STEP_DONE;
}

step_result wasi_step_udp(host *h, wsock *s, host_slot slot) {
    return slot == HOST_SLOT_WRITE ? step_send(h, s) : step_recv(h, s);
}

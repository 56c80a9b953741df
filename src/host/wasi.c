/* wasi.c - the WASI 0.2 host backend on the event core (host_core.c): its
 * state, capabilities and clock, and the pollables of its sockets. The poll
 * step is poll_wasi.c; sockets are in wasi_tcp.c and wasi_udp.c, name
 * lookup in wasi_resolve.c, addresses in wasi_addr.c; wasi_internal.h says
 * how ops wait. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../wasi/abi/clocks_monotonic.h"
#include "../../wasi/abi/io_streams.h"
#include "../../wasi/abi/sockets_ip_name_lookup.h"
#include "../../wasi/abi/sockets_tcp.h"
#include "../../wasi/abi/sockets_udp.h"
#include "wasi_internal.h"

/* The canonical ABI allocates the lists that imports return (read data,
 * datagrams, poll results) through this export. A zero-sized request gets
 * a non-null dummy pointer that is never freed. */
__attribute__((export_name("cabi_realloc"))) void *cabi_realloc(void *ptr, size_t old, size_t align, size_t size) {
    (void)old;
    if (size == 0) return (void *)align;
    return host_xrealloc(ptr, size);
}

int wasi_net_error(int code) {
    switch (code) {
    case WASI_NET_ACCESS_DENIED: return HOST_EACCES;
    case WASI_NET_NOT_SUPPORTED: return HOST_EUNSUPPORTED;
    case WASI_NET_INVALID_ARGUMENT:
    case WASI_NET_INVALID_STATE:
    case WASI_NET_CONCURRENCY_CONFLICT:
    case WASI_NET_NOT_IN_PROGRESS:
    case WASI_NET_DATAGRAM_TOO_LARGE: return HOST_EINVAL;
    case WASI_NET_TIMEOUT: return HOST_ETIMEDOUT;
    case WASI_NET_NEW_SOCKET_LIMIT: return HOST_EMFILE;
    case WASI_NET_ADDRESS_NOT_BINDABLE: return HOST_EADDRNOTAVAIL;
    case WASI_NET_ADDRESS_IN_USE: return HOST_EADDRINUSE;
    case WASI_NET_REMOTE_UNREACHABLE: return HOST_ENETUNREACH;
    case WASI_NET_CONNECTION_REFUSED: return HOST_ECONNREFUSED;
    case WASI_NET_CONNECTION_RESET:
    case WASI_NET_CONNECTION_ABORTED: return HOST_ECONNRESET;
    case WASI_NET_NAME_UNRESOLVABLE:
    case WASI_NET_TEMPORARY_RESOLVER_FAILURE:
    case WASI_NET_PERMANENT_RESOLVER_FAILURE: return HOST_ENOTFOUND;
    default: return HOST_EIO;
    }
}

/* The network capability is asked for once, when first needed: a script
 * that never touches the network never asks. */
int32_t wasi_network(host *h) {
    host_backend *b = h->backend;
    if (!b->network) b->network = wasi_instance_network();
    return b->network;
}

/* ---- lifetime ---- */

host_backend *host_backend_new(host *h) {
    (void)h;
    host_backend *b = calloc(1, sizeof *b);
    if (b) b->caps = -1;
    return b;
}

void host_backend_free(host *h) {
    host_backend *b = h->backend;
    for (size_t i = 0; i < b->nlookups; i++)
        if (b->lookups[i].op) wasi_lookup_end(h, &b->lookups[i]);
    b->nlookups = 0;
    wasi_linger_finish(h); /* polls: no lookup may be stepped then */
    if (b->network) wasi_network_drop(b->network);
    free(b->lookups);
    free(b);
}

/* ---- capabilities ----
 * WASI has no query for what the runtime grants; a runtime without network
 * access refuses at bind, connect or lookup time (access-denied, or
 * not-supported). So each capability is probed once, with an operation
 * that touches nothing outside the process: binding a socket to an
 * ephemeral loopback port, and looking up a numeric address. */

static bool probe_tcp(host *h) {
    wasi_ret r;
    wasi_tcp_create(WASI_IPV4, &r);
    if (wasi_u8(&r, 0)) return false;
    int32_t s = (int32_t)wasi_u32(&r, 4);
    wasi_sockaddr a;
    int fam;
    wasi_parse_ip("127.0.0.1", 0, &a, &fam);
    wasi_tcp_start_bind(s, wasi_network(h), WASI_SOCKADDR_ARGS(a), &r);
    bool ok = wasi_u8(&r, 0) == 0;
    if (ok) wasi_tcp_finish_bind(s, &r), ok = wasi_u8(&r, 0) == 0;
    wasi_tcp_drop(s);
    return ok;
}

static bool probe_udp(host *h) {
    wasi_ret r;
    wasi_udp_create(WASI_IPV4, &r);
    if (wasi_u8(&r, 0)) return false;
    int32_t s = (int32_t)wasi_u32(&r, 4);
    wasi_sockaddr a;
    int fam;
    wasi_parse_ip("127.0.0.1", 0, &a, &fam);
    wasi_udp_start_bind(s, wasi_network(h), WASI_SOCKADDR_ARGS(a), &r);
    bool ok = wasi_u8(&r, 0) == 0;
    if (ok) wasi_udp_finish_bind(s, &r), ok = wasi_u8(&r, 0) == 0;
    wasi_udp_drop(s);
    return ok;
}

static bool probe_resolve(host *h) {
    wasi_ret r;
    wasi_resolve_addresses(wasi_network(h), "127.0.0.1", 9, &r);
    if (wasi_u8(&r, 0)) return false;
    wasi_resolve_drop((int32_t)wasi_u32(&r, 4));
    return true;
}

unsigned host_caps(host *h) {
    host_backend *b = h->backend;
    if (b->caps < 0) {
        unsigned c = 0;
        if (probe_tcp(h)) c |= HOST_CAP_TCP | HOST_CAP_TCP_SERVER;
        if (probe_udp(h)) c |= HOST_CAP_UDP;
        if (probe_resolve(h)) c |= HOST_CAP_RESOLVE;
        b->caps = (int)c;
    }
    return (unsigned)b->caps;
}

/* ---- clock ---- */

int64_t host_backend_now_us(void) { return (int64_t)((uint64_t)wasi_monotonic_now() / 1000u); }

/* ---- sockets and their pollables ---- */

int wasi_sock_add(host *h, host_sock_kind kind, int32_t sock, int32_t in, int32_t out) {
    wsock *s = host_xrealloc(NULL, sizeof *s);
    *s = (wsock){.b = {.kind = kind}, .sock = sock, .in = in, .out = out};
    return host_sock_add(h, &s->b);
}

int32_t wasi_subscribe(wsock *s, host_slot slot) {
    switch (s->b.kind) {
    case HOST_SOCK_UDP: return slot == HOST_SLOT_WRITE ? wasi_udp_out_subscribe(s->out) : wasi_udp_in_subscribe(s->in);
    case HOST_SOCK_TCP:
        if (slot == HOST_SLOT_READ) return wasi_input_subscribe(s->in);
        if (slot == HOST_SLOT_WRITE) return wasi_output_subscribe(s->out);
        return wasi_tcp_subscribe(s->sock);
    default: return wasi_tcp_subscribe(s->sock); /* a listener's accept */
    }
}

/* Each pending op holds a pollable; an ended one's is dropped. */
void host_backend_watch(host *h, int handle, host_sock *hs) {
    (void)h;
    (void)handle;
    wsock *s = (wsock *)hs;
    for (int slot = 0; slot < HOST_NSLOTS; slot++) {
        if (s->b.op[slot] && !s->pollable[slot]) {
            s->pollable[slot] = wasi_subscribe(s, (host_slot)slot);
        } else if (!s->b.op[slot] && s->pollable[slot]) {
            wasi_pollable_drop(s->pollable[slot]);
            s->pollable[slot] = 0;
        }
    }
}

/* Children go before their parents: pollables, then the streams, then the
 * socket. A connection whose written bytes are still queued in the host
 * keeps its output stream and socket until they are out (wasi_linger.c). */
void host_backend_close(host *h, int handle, host_sock *hs) {
    wsock *s = (wsock *)hs;
    host_backend_watch(h, handle, hs); /* its ops have ended: drops their pollables */
    if (s->b.kind == HOST_SOCK_UDP) {
        if (s->in) wasi_udp_in_drop(s->in);
        if (s->out) wasi_udp_out_drop(s->out);
        wasi_udp_drop(s->sock);
    } else {
        if (s->in) wasi_input_drop(s->in);
        if (!s->out || !wasi_linger_add(h, s)) {
            if (s->out) wasi_output_drop(s->out);
            wasi_tcp_drop(s->sock);
        }
    }
    free(s);
}

/* A name lookup is the one op the core does not hold. */
bool host_backend_cancel(host *h, uint32_t op) {
    host_backend *b = h->backend;
    for (size_t i = 0; i < b->nlookups; i++)
        if (b->lookups[i].op == op) {
            wasi_lookup_end(h, &b->lookups[i]);
            host_push_done(h, op, HOST_ECANCELED, 0);
            return true;
        }
    return false;
}

/* wasi.c - the WASI 0.2 host backend: its state, capabilities, timers,
 * cancellation and the event loop over wasi:io/poll. Sockets are in
 * wasi_tcp.c and wasi_udp.c, name lookup in wasi_resolve.c, addresses in
 * wasi_addr.c; wasi_internal.h explains how waiters work. */
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
    return wasi_xrealloc(ptr, size);
}

void *wasi_xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("lyng: out of memory in the host\n", stderr);
        abort();
    }
    return q;
}

void wasi_push_done(host *h, uint32_t op, int32_t status, int64_t value) {
    done_queue_push(&h->done, op, status, value);
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
    if (!h->network) h->network = wasi_instance_network();
    return h->network;
}

/* ---- lifetime ---- */

host *host_new(lyng_vm *vm) {
    host *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->vm = vm;
    h->caps = -1;
    return h;
}

void host_free(host *h) {
    if (!h) return;
    for (int i = 1; i <= h->nsocks; i++) wasi_sock_destroy(h, i, HOST_ECLOSED);
    for (size_t i = 0; i < h->nwaiters; i++)
        if (h->waiters[i].op) wasi_waiter_free(&h->waiters[i]);
    addr_results_free(&h->results);
    if (h->network) wasi_network_drop(h->network);
    free(h->waiters);
    done_queue_free(&h->done);
    free(h->socks);
    free(h);
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
    if (h->caps < 0) {
        unsigned c = 0;
        if (probe_tcp(h)) c |= HOST_CAP_TCP | HOST_CAP_TCP_SERVER;
        if (probe_udp(h)) c |= HOST_CAP_UDP;
        if (probe_resolve(h)) c |= HOST_CAP_RESOLVE;
        h->caps = (int)c;
    }
    return (unsigned)h->caps;
}

/* ---- clock and timers ---- */

int64_t host_now_ms(host *h) {
    (void)h;
    return (int64_t)((uint64_t)wasi_monotonic_now() / 1000000u);
}

static int64_t ms_to_ns(int64_t ms) {
    if (ms < 0) ms = 0;
    if (ms > INT64_MAX / 2000000) ms = INT64_MAX / 2000000; /* "forever" without overflow */
    return ms * 1000000;
}

/* Timers are deadlines kept here, with no pollable of their own: the loop
 * waits on one clock pollable for the earliest. Submitting one calls no
 * import, which matters on hosts where every call crosses to another
 * thread (Node's shim): there, a pollable per timer made timers started
 * together begin tens of milliseconds apart on a loaded machine. */
static int64_t deadline_after(int64_t ms) { return wasi_monotonic_now() + ms_to_ns(ms); }

void host_timer(host *h, uint32_t op, int64_t ms) {
    wasi_add_waiter(h, op, WK_TIMER, 0, 0)->deadline = deadline_after(ms);
}

void wasi_connect_deadline(host *h, uint32_t op, int handle, int64_t ms) {
    wasi_add_waiter(h, op, WK_CONNECT_TIMEOUT, handle, 0)->deadline = deadline_after(ms);
}

/* ---- waiters ---- */

waiter *wasi_add_waiter(host *h, uint32_t op, wait_kind kind, int handle, int32_t pollable) {
    if (h->nwaiters == h->waiters_cap) {
        h->waiters_cap = h->waiters_cap ? h->waiters_cap * 2 : 32;
        h->waiters = wasi_xrealloc(h->waiters, h->waiters_cap * sizeof *h->waiters);
    }
    waiter *w = &h->waiters[h->nwaiters++];
    memset(w, 0, sizeof *w);
    w->op = op;
    w->kind = kind;
    w->handle = handle;
    w->pollable = pollable;
    return w;
}

/* Drops what the waiter owns and marks it ended (op 0); the array is
 * compacted by the loop, so ending never moves other waiters. */
void wasi_waiter_free(waiter *w) {
    if (w->pollable) wasi_pollable_drop(w->pollable);
    if (w->stream) wasi_resolve_drop(w->stream);
    free(w->addrs);
    w->pollable = w->stream = 0;
    w->addrs = NULL;
    w->op = 0;
}

void wasi_end_waiters_on(host *h, int handle, int32_t status) {
    for (size_t i = 0; i < h->nwaiters; i++) {
        waiter *w = &h->waiters[i];
        if (!w->op || w->handle != handle || w->kind == WK_TIMER || w->kind == WK_RESOLVE) continue;
        if (w->kind != WK_CONNECT_TIMEOUT) wasi_push_done(h, w->op, status, 0);
        wasi_waiter_free(w);
    }
}

static void compact(host *h) {
    size_t k = 0;
    for (size_t i = 0; i < h->nwaiters; i++)
        if (h->waiters[i].op) h->waiters[k++] = h->waiters[i];
    h->nwaiters = k;
}

static waiter *find_waiter(host *h, uint32_t op, wait_kind kind) {
    for (size_t i = 0; i < h->nwaiters; i++)
        if (h->waiters[i].op == op && h->waiters[i].kind == kind) return &h->waiters[i];
    return NULL;
}

void host_cancel(host *h, uint32_t op) {
    for (size_t i = 0; i < h->nwaiters; i++) {
        waiter *w = &h->waiters[i];
        if (w->op != op || w->kind == WK_CONNECT_TIMEOUT) continue;
        if (w->kind == WK_CONNECT) {
            wasi_sock_destroy(h, w->handle, HOST_ECANCELED);
        } else {
            wasi_waiter_free(w);
            wasi_push_done(h, op, HOST_ECANCELED, 0);
        }
        return;
    }
    /* not pending here: it already completed, or its completion is queued */
}

/* ---- the loop ---- */

static step_result step(host *h, waiter *w) {
    switch (w->kind) {
    case WK_TIMER:
        wasi_push_done(h, w->op, 0, 0);
        return STEP_DONE;
    case WK_CONNECT_TIMEOUT: {
        uint32_t op = w->op;
        int handle = w->handle;
        wasi_waiter_free(w);
        if (find_waiter(h, op, WK_CONNECT)) {
            wasi_sock_destroy(h, handle, HOST_ETIMEDOUT);
        }
        return STEP_DONE;
    }
    case WK_RESOLVE: return wasi_step_resolve(h, w);
    case WK_UDP_RECV:
    case WK_UDP_SEND: return wasi_step_udp(h, w);
    default: return wasi_step_tcp(h, w);
    }
}

static int32_t resubscribe(host *h, const waiter *w) {
    switch (w->kind) {
    case WK_RESOLVE: return wasi_resolve_subscribe(w->stream);
    case WK_UDP_RECV:
    case WK_UDP_SEND: return wasi_resubscribe_udp(h, w);
    default: return wasi_resubscribe_tcp(h, w);
    }
}

static bool is_timer(const waiter *w) { return w->kind == WK_TIMER || w->kind == WK_CONNECT_TIMEOUT; }

/* Fires the due timers, as natively: by deadline, equal deadlines in
 * submission order (the array order). A selection: few are due at once. */
static void fire_timers(host *h) {
    int64_t now = wasi_monotonic_now();
    for (;;) {
        waiter *first = NULL;
        for (size_t i = 0; i < h->nwaiters; i++) {
            waiter *w = &h->waiters[i];
            if (w->op && is_timer(w) && w->deadline <= now && (!first || w->deadline < first->deadline)) first = w;
        }
        if (!first) return;
        step(h, first);
        if (first->op) wasi_waiter_free(first);
    }
}

int host_wait(host *h, int timeout_ms) {
    compact(h);
    if (h->done.n) return done_queue_deliver(&h->done, h->vm);
    if (h->nwaiters == 0 && timeout_ms < 0) return 0; /* nothing could ever wake us */
    /* the pollables of the waiting ops (index i of the list is waiter
     * at[i]), then one for the earliest of the timers and the wait limit */
    size_t n = 0;
    int32_t *list = wasi_xrealloc(NULL, (h->nwaiters + 1) * sizeof *list);
    size_t *at = wasi_xrealloc(NULL, (h->nwaiters + 1) * sizeof *at);
    bool timed = timeout_ms >= 0;
    int64_t wake = timed ? deadline_after(timeout_ms) : 0;
    for (size_t i = 0; i < h->nwaiters; i++) {
        const waiter *w = &h->waiters[i];
        if (is_timer(w)) {
            if (!timed || w->deadline < wake) wake = w->deadline;
            timed = true;
        } else {
            at[n] = i;
            list[n++] = w->pollable;
        }
    }
    int32_t clock = timed ? wasi_monotonic_subscribe_instant(wake) : 0;
    if (clock) list[n] = clock;
    wasi_ret r;
    wasi_poll(list, (int32_t)(n + (clock ? 1 : 0)), &r);
    uint32_t *ready = (uint32_t *)(uintptr_t)wasi_u32(&r, 0);
    uint32_t nready = wasi_u32(&r, 4);
    /* socket events first, then timers, as natively */
    for (uint32_t i = 0; i < nready; i++) {
        if (ready[i] >= n) continue; /* the clock */
        waiter *w = &h->waiters[at[ready[i]]];
        if (!w->op) continue; /* ended by an earlier step */
        if (step(h, w) == STEP_DONE) {
            if (w->op) wasi_waiter_free(w);
        } else {
            wasi_pollable_drop(w->pollable);
            w->pollable = resubscribe(h, w);
        }
    }
    if (nready) free(ready);
    if (clock) wasi_pollable_drop(clock);
    free(list);
    free(at);
    fire_timers(h);
    compact(h);
    return done_queue_deliver(&h->done, h->vm);
}

/* ---- the socket table ---- */

wsock *wasi_sock(host *h, int handle) {
    if (handle < 1 || handle > h->nsocks) return NULL;
    return h->socks[handle - 1];
}

int wasi_sock_add(host *h, wsock_kind kind, int32_t sock, int32_t in, int32_t out) {
    int i = 0;
    while (i < h->nsocks && h->socks[i]) i++;
    if (i == h->nsocks) {
        if (h->nsocks == h->socks_cap) {
            h->socks_cap = h->socks_cap ? h->socks_cap * 2 : 16;
            h->socks = wasi_xrealloc(h->socks, sizeof(wsock *) * (size_t)h->socks_cap);
        }
        h->nsocks++;
    }
    wsock *s = wasi_xrealloc(NULL, sizeof *s);
    *s = (wsock){kind, sock, in, out};
    h->socks[i] = s;
    return i + 1;
}

wsock *wasi_begin(host *h, uint32_t op, int handle, wsock_kind kind, wait_kind wk) {
    wsock *s = wasi_sock(h, handle);
    if (!s || s->kind != kind) {
        wasi_push_done(h, op, HOST_ECLOSED, 0);
        return NULL;
    }
    for (size_t i = 0; i < h->nwaiters; i++)
        if (h->waiters[i].op && h->waiters[i].handle == handle && h->waiters[i].kind == wk) {
            wasi_push_done(h, op, HOST_EINVAL, 0);
            return NULL;
        }
    return s;
}

/* Children go before their parents: pollables (with the waiters), then
 * the streams, then the socket. */
void wasi_sock_destroy(host *h, int handle, int32_t status) {
    wsock *s = wasi_sock(h, handle);
    if (!s) return;
    wasi_end_waiters_on(h, handle, status);
    if (s->kind == WS_UDP) {
        if (s->in) wasi_udp_in_drop(s->in);
        if (s->out) wasi_udp_out_drop(s->out);
        wasi_udp_drop(s->sock);
    } else {
        if (s->in) wasi_input_drop(s->in);
        if (s->out) wasi_output_drop(s->out);
        wasi_tcp_drop(s->sock);
    }
    free(s);
    h->socks[handle - 1] = NULL;
}

void host_close(host *h, int handle) { wasi_sock_destroy(h, handle, HOST_ECLOSED); }

/* posix.c - the native host backend on the event core (host_core.c): its
 * state and capabilities, the clock, socket watching and closing, and what
 * a ready socket does. The poll step is poll_epoll.c or poll_posix.c; the
 * ops are in posix_tcp.c and posix_udp.c, addresses and name lookup in
 * posix_addr.c, TLS in posix_tls.c. posix_internal.h says how watching
 * works. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "posix_compat.h"
#include "posix_internal.h"

/* No table here is indexed by descriptor, and neither poller has a size
 * limit, so the only ceiling on sockets is the process's RLIMIT_NOFILE; the
 * command line raises it to the hard limit at start (main_native.c). */
host_backend *host_backend_new(host *h) {
    (void)h;
    host_backend *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->poller = poller_new();
    if (!b->poller) {
        free(b);
        return NULL;
    }
    posix_no_sigpipe();
    return b;
}

void host_backend_free(host *h) {
    posix_linger_finish(h->backend);
    tls_clients_free(h->backend->tls_clients);
    poller_free(h->backend->poller);
    free(h->backend);
}

unsigned host_caps(host *h) {
    (void)h;
    unsigned caps = HOST_CAP_TCP | HOST_CAP_TCP_SERVER | HOST_CAP_UDP | HOST_CAP_RESOLVE | HOST_CAP_TLS;
#ifdef SO_REUSEPORT
    caps |= HOST_CAP_REUSE_PORT;
#endif
    return caps;
}

int64_t host_backend_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int posix_error(int e) {
    switch (e) {
    case ECONNREFUSED: return HOST_ECONNREFUSED;
    case ECONNRESET: return HOST_ECONNRESET;
    case ETIMEDOUT: return HOST_ETIMEDOUT;
    case EADDRINUSE: return HOST_EADDRINUSE;
    case EPIPE: return HOST_EPIPE;
    case EACCES:
    case EPERM: return HOST_EACCES;
    case EADDRNOTAVAIL: return HOST_EADDRNOTAVAIL;
    case ENETUNREACH:
    case EHOSTUNREACH: return HOST_ENETUNREACH;
    case EMFILE:
    case ENFILE: return HOST_EMFILE;
    case EINVAL:
    case EAFNOSUPPORT: return HOST_EINVAL;
    case ECANCELED: return HOST_ECANCELED;
    default: return HOST_EIO;
    }
}

void posix_set_int_opt(int fd, int level, int name, int value) {
    setsockopt(fd, level, name, &value, sizeof value);
}

int posix_sock_add(host *h, int fd, host_sock_kind kind) {
    sock *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->b.kind = kind;
    s->fd = fd;
    s->rwant = POLLER_IN;
    s->wwant = s->cwant = POLLER_OUT;
    return host_sock_add(h, &s->b);
}

static void set_watch(host *h, sock *s, int handle, unsigned events) {
    if (events == s->events) return;
    poller_set(h->backend->poller, s->fd, handle, events, s->events);
    s->events = events;
}

/* What the ops pending on the socket wait for. */
static unsigned wanted(const sock *s) {
    unsigned want = 0;
    if (s->b.op[HOST_SLOT_READ]) want |= s->rwant;
    if (s->b.op[HOST_SLOT_WRITE]) want |= s->wwant;
    if (s->b.op[HOST_SLOT_CONNECT]) want |= s->cwant;
    return want;
}

/* Adds what the pending ops need and drops nothing: an op's watch outlives
 * it (see posix_internal.h) until posix_ready finds it unwanted. */
void posix_watch_sock(host *h, sock *s, int handle) { set_watch(h, s, handle, s->events | wanted(s)); }

void posix_watch(host *h, int handle) { posix_watch_sock(h, posix_sock(h, handle), handle); }

void host_backend_watch(host *h, int handle, host_sock *s) {
    (void)s;
    posix_watch(h, handle);
}

void host_backend_close(host *h, int handle, host_sock *hs) {
    sock *s = (sock *)hs;
    set_watch(h, s, handle, 0);
    bool alerted = tls_conn_free(s->tls);
    tls_server_free(s->tls_server);
    posix_udp_free(s);
    if (alerted) posix_linger_add(h->backend, s->fd);
    else close(s->fd);
    free(s);
}

/* Name lookups finish within their call here (posix_addr.c): nothing else
 * can be pending. */
bool host_backend_cancel(host *h, uint32_t op) {
    (void)h;
    (void)op;
    return false;
}

/* Lingering descriptors are not watched: the loop looks at them each time
 * it polls, and polls at least every LINGER_TICK_MS while there are any. */
enum { LINGER_TICK_MS = 50 };

void host_backend_poll(host *h, int timeout_ms, int fd, bool *readable) {
    host_backend *b = h->backend;
    if (b->nlinger) {
        posix_linger_service(b);
        if (b->nlinger && (timeout_ms < 0 || timeout_ms > LINGER_TICK_MS)) timeout_ms = LINGER_TICK_MS;
    }
    poller_wait(b->poller, h, timeout_ms, fd, readable);
}

/* The syscalls themselves report errors and hang-ups, so readiness is all
 * a step needs to know. A direction found ready that no op waited for is
 * no longer watched; one an op waited for stays watched for the op that
 * most likely follows (see posix_internal.h). */
void posix_ready(host *h, int handle, unsigned ready) {
    sock *s = posix_sock(h, handle);
    if (!s) return;
    const uint32_t *op = s->b.op;
    unsigned before = wanted(s);
    if (op[HOST_SLOT_CONNECT]) {
        if (!posix_try_connect(h, handle)) return;
        s = posix_sock(h, handle);
        if (!s) return;
    }
    /* an op is tried only when the socket is ready for what it waits for:
     * a bulk transfer's socket is reported writable and readable in turns,
     * and trying the other op each time fails with EAGAIN */
    if (s->b.op[HOST_SLOT_READ] && (ready & s->rwant)) {
        if (s->b.kind == HOST_SOCK_LISTEN) posix_try_accept(h, s);
        else if (s->b.kind == HOST_SOCK_UDP) posix_try_recvfrom(h, s);
        else posix_try_read(h, s);
    }
    if (ready & POLLER_OUT) s->wfull = false;
    if (s->b.op[HOST_SLOT_WRITE] && (ready & s->wwant)) {
        if (s->b.kind == HOST_SOCK_UDP) posix_try_sendto(h, s);
        else posix_try_write(h, s);
    }
    set_watch(h, s, handle, wanted(s) | (s->events & ~(ready & ~before)));
}

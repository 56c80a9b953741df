/* host_core.c - the event core shared by the native and WASI backends (see
 * host_core.h): lifetime, the socket table and its pending ops, timers,
 * cancellation and the wait loop. */
#include "host_core.h"

#include <stdio.h>
#include <stdlib.h>

void *host_xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("lyng: out of memory in the host\n", stderr);
        abort();
    }
    return q;
}

void host_push_done(host *h, uint32_t op, int32_t status, int64_t value) {
    done_queue_push(&h->done, op, status, value);
}

/* ---- lifetime ---- */

host *host_new(lyng_vm *vm) {
    host *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->vm = vm;
    h->backend = host_backend_new(h);
    if (!h->backend) {
        free(h);
        return NULL;
    }
    return h;
}

void host_free(host *h) {
    if (!h) return;
    for (int i = 1; i <= h->socks.n; i++) host_sock_destroy(h, i, HOST_ECLOSED);
    host_backend_free(h);
    host_handles_free(&h->socks);
    host_timers_free(&h->timers);
    addr_results_free(&h->results);
    done_queue_free(&h->done);
    free(h);
}

/* ---- sockets and their ops ---- */

int host_sock_add(host *h, host_sock *s) { return host_handles_add(&h->socks, s); }


void host_start(host *h, host_sock *s, host_slot slot, uint32_t op) {
    s->op[slot] = op;
    h->npending++;
}

host_sock *host_begin(host *h, uint32_t op, int handle, host_sock_kind kind, host_slot slot) {
    host_sock *s = host_sock_get(h, handle);
    if (!s || s->kind != kind) {
        host_push_done(h, op, HOST_ECLOSED, 0);
        return NULL;
    }
    if (s->op[slot]) {
        host_push_done(h, op, HOST_EINVAL, 0);
        return NULL;
    }
    host_start(h, s, slot, op);
    return s;
}

host_sock *host_begin_read(host *h, uint32_t op, int handle, host_sock_kind kind, uint8_t *buf, uint32_t max) {
    host_sock *s = host_begin(h, op, handle, kind, HOST_SLOT_READ);
    if (s) {
        s->rbuf = buf;
        s->rmax = max;
    }
    return s;
}

host_sock *host_begin_write(host *h, uint32_t op, int handle, host_sock_kind kind, const uint8_t *buf, uint32_t len) {
    host_sock *s = host_begin(h, op, handle, kind, HOST_SLOT_WRITE);
    if (s) {
        s->wbuf = buf;
        s->wlen = len;
        s->woff = 0;
    }
    return s;
}

void host_finish(host *h, host_sock *s, host_slot slot, int32_t status, int64_t value) {
    uint32_t op = s->op[slot];
    s->op[slot] = 0;
    h->npending--;
    if (slot == HOST_SLOT_CONNECT) host_timers_remove(&h->timers, op, HOST_TIMER_CONNECT);
    host_push_done(h, op, status, value);
}

void host_sock_destroy(host *h, int handle, int32_t status) {
    host_sock *s = host_sock_get(h, handle);
    if (!s) return;
    for (int slot = 0; slot < HOST_NSLOTS; slot++)
        if (s->op[slot]) host_finish(h, s, (host_slot)slot, status, 0);
    host_backend_close(h, handle, s);
    host_handles_remove(&h->socks, handle);
}

void host_close(host *h, int handle) { host_sock_destroy(h, handle, HOST_ECLOSED); }

void host_pending_add(host *h, int delta) { h->npending += delta; }

int host_udp_sender(host *h, uint32_t op, host_addr *out) {
    return addr_results_take(&h->results, op, out, 1) == 1 ? 0 : HOST_EINVAL;
}

int host_resolve_take(host *h, uint32_t op, host_addr *out, int max) {
    int n = addr_results_take(&h->results, op, out, max);
    return n < 0 ? 0 : n;
}

/* ---- timers ---- */

int64_t host_now_ms(host *h) {
    (void)h;
    return host_backend_now_us() / 1000;
}

static int64_t deadline_after(int64_t ms) {
    if (ms < 0) ms = 0;
    if (ms > INT64_MAX / 2000) ms = INT64_MAX / 2000; /* "forever" without overflow */
    return host_backend_now_us() + ms * 1000;
}

void host_timer(host *h, uint32_t op, int64_t ms) {
    host_timers_add(&h->timers, deadline_after(ms), op, HOST_TIMER_OP, 0);
    h->npending++;
}

void host_connect_deadline(host *h, uint32_t op, int handle, int64_t ms) {
    host_timers_add(&h->timers, deadline_after(ms), op, HOST_TIMER_CONNECT, handle);
}

static void fire_timers(host *h) {
    if (!h->timers.n) return; /* no clock read for a loop without timers */
    int64_t now = host_backend_now_us();
    host_timer_entry t;
    while (host_timers_pop_due(&h->timers, now, &t)) {
        if (t.kind == HOST_TIMER_OP) {
            h->npending--;
            host_push_done(h, t.op, 0, 0);
            continue;
        }
        host_sock *s = host_sock_get(h, t.handle);
        if (s && s->op[HOST_SLOT_CONNECT] == t.op) {
            host_finish(h, s, HOST_SLOT_CONNECT, HOST_ETIMEDOUT, 0);
            host_sock_destroy(h, t.handle, HOST_ECLOSED);
        }
    }
}

/* ---- cancellation ---- */

void host_cancel(host *h, uint32_t op) {
    if (host_timers_remove(&h->timers, op, HOST_TIMER_OP)) {
        h->npending--;
        host_push_done(h, op, HOST_ECANCELED, 0);
        return;
    }
    for (int handle = 1; handle <= h->socks.n; handle++) {
        host_sock *s = host_sock_get(h, handle);
        if (!s) continue;
        if (s->op[HOST_SLOT_CONNECT] == op) {
            host_sock_destroy(h, handle, HOST_ECANCELED);
            return;
        }
        for (int slot = HOST_SLOT_READ; slot < HOST_NSLOTS; slot++)
            if (s->op[slot] == op) {
                host_finish(h, s, (host_slot)slot, HOST_ECANCELED, 0);
                host_backend_watch(h, handle, s);
                return;
            }
    }
    /* otherwise not pending here: it already completed, or its completion is
     * queued; or the backend keeps it */
    host_backend_cancel(h, op);
}

/* ---- the loop ---- */

/* How many times in a row host_wait may deliver completions that are
 * already queued (an op that finished at once, such as a write the kernel
 * took whole) without polling first: skipping that poll saves one syscall
 * per message, and polling every few rounds keeps sockets that are ready
 * from waiting behind a script that only ever writes. */
enum { MAX_POLLS_SKIPPED = 8 };

static int wait_events(host *h, int timeout_ms, int fd, bool *readable) {
    if (h->done.n && h->polls_skipped < MAX_POLLS_SKIPPED) {
        h->polls_skipped++;
        fire_timers(h);
        return done_queue_deliver(&h->done, h->vm);
    }
    h->polls_skipped = 0;
    int wait = timeout_ms;
    int64_t next;
    if (h->done.n) {
        wait = 0;
    } else if (host_timers_next(&h->timers, &next)) {
        int64_t d = (next - host_backend_now_us() + 999) / 1000; /* round up: never wake early */
        if (d < 0) d = 0;
        if (d > 0x7fffffff) d = 0x7fffffff;
        if (wait < 0 || d < wait) wait = (int)d;
    } else if (h->npending == 0 && wait < 0 && fd < 0) {
        return 0; /* nothing could ever wake us */
    }
    host_backend_poll(h, wait, fd, readable);
    fire_timers(h);
    return done_queue_deliver(&h->done, h->vm);
}

int host_wait(host *h, int timeout_ms) { return wait_events(h, timeout_ms, -1, NULL); }

int host_wait_fd(host *h, int fd, int timeout_ms, bool *readable) {
    *readable = false;
    return wait_events(h, timeout_ms, fd, readable);
}

/* These backends read from the OS straight into the core's buffer, so a
 * read always has one and nothing is ever left to take. */
bool host_read_deferred(host *h) {
    (void)h;
    return false;
}

uint32_t host_read_take(host *h, int handle, uint8_t *buf, uint32_t len) {
    (void)h, (void)handle, (void)buf, (void)len;
    return 0;
}

uint8_t *host_read_block(host *h, int handle, uint32_t len) {
    (void)h, (void)handle, (void)len;
    return NULL;
}

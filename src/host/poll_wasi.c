/* poll_wasi.c - the poll step of the WASI backend: every pending op's
 * pollable, and a clock pollable for the wait limit, go to wasi:io/poll
 * in one call; the ready ops are then stepped (see wasi_internal.h). */
#include <stdlib.h>

#include "../../wasi/abi/clocks_monotonic.h"
#include "../../wasi/abi/sockets_ip_name_lookup.h"
#include "wasi_internal.h"

/* Who waits on entry i of the poll list: a socket's slot, or a lookup
 * (handle 0, slot = its index). The op id tells a stale entry apart. */
typedef struct poll_entry {
    int handle;
    int slot;
    uint32_t op;
} poll_entry;

static void step_socket(host *h, const poll_entry *e) {
    wsock *s = wasi_sock(h, e->handle);
    if (!s || s->b.op[e->slot] != e->op) return; /* ended by an earlier step */
    host_slot slot = (host_slot)e->slot;
    step_result r = s->b.kind == HOST_SOCK_UDP ? wasi_step_udp(h, s, slot) : wasi_step_tcp(h, e->handle, s, slot);
    if (wasi_sock(h, e->handle) != s) return; /* the step closed it */
    if (r == STEP_WAIT) {
        wasi_pollable_drop(s->pollable[slot]);
        s->pollable[slot] = wasi_subscribe(s, slot);
    } else {
        host_backend_watch(h, e->handle, &s->b);
    }
}

static void step_lookup(host *h, const poll_entry *e) {
    wasi_lookup *l = &h->backend->lookups[e->slot];
    if (l->op != e->op) return;
    if (wasi_step_lookup(h, l) == STEP_DONE) {
        wasi_lookup_end(h, l);
    } else {
        wasi_pollable_drop(l->pollable);
        l->pollable = wasi_resolve_subscribe(l->stream);
    }
}

/* Ended lookups leave the array after the loop, so steps never move one. */
static void compact_lookups(host_backend *b) {
    size_t k = 0;
    for (size_t i = 0; i < b->nlookups; i++)
        if (b->lookups[i].op) b->lookups[k++] = b->lookups[i];
    b->nlookups = k;
}

void host_backend_poll(host *h, int timeout_ms, int fd, bool *readable) {
    (void)fd; /* the REPL's key wait is native only */
    (void)readable;
    host_backend *b = h->backend;
    size_t cap = b->nlookups + b->nlinger + 1;
    for (int i = 1; i <= h->socks.n; i++)
        if (host_sock_get(h, i)) cap += HOST_NSLOTS;
    int32_t *list = host_xrealloc(NULL, cap * sizeof *list);
    poll_entry *at = host_xrealloc(NULL, cap * sizeof *at);
    size_t n = 0;
    for (int i = 1; i <= h->socks.n; i++) {
        wsock *s = wasi_sock(h, i);
        if (!s) continue;
        for (int slot = 0; slot < HOST_NSLOTS; slot++)
            if (s->b.op[slot] && s->pollable[slot]) {
                at[n] = (poll_entry){i, slot, s->b.op[slot]};
                list[n++] = s->pollable[slot];
            }
    }
    for (size_t i = 0; i < b->nlookups; i++)
        if (b->lookups[i].op) {
            at[n] = (poll_entry){0, (int)i, b->lookups[i].op};
            list[n++] = b->lookups[i].pollable;
        }
    /* closed connections still sending: after the ops' entries */
    size_t m = n + wasi_linger_pollables(b, list + n, &timeout_ms);
    int32_t clock = timeout_ms >= 0 ? wasi_monotonic_subscribe_duration((int64_t)timeout_ms * 1000000) : 0;
    if (clock) list[m] = clock;
    if (m + (clock ? 1 : 0) > 0) {
        wasi_ret r;
        wasi_poll(list, (int32_t)(m + (clock ? 1 : 0)), &r);
        uint32_t *ready = (uint32_t *)(uintptr_t)wasi_u32(&r, 0);
        uint32_t nready = wasi_u32(&r, 4);
        for (uint32_t i = 0; i < nready; i++) {
            if (ready[i] >= n) continue; /* a lingering connection's, or the clock */
            if (at[ready[i]].handle) step_socket(h, &at[ready[i]]);
            else step_lookup(h, &at[ready[i]]);
        }
        if (nready) free(ready);
    }
    if (clock) wasi_pollable_drop(clock);
    free(list);
    free(at);
    compact_lookups(b);
    wasi_linger_service(b);
}

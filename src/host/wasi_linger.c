/* wasi_linger.c - closing a TCP connection without losing what it wrote.
 *
 * A write completes once the output stream has accepted its bytes, which on
 * Node's preview2 shim means queued in the Node socket, not yet handed to
 * the OS; dropping the socket there calls destroy() (and so does shutdown),
 * which discards that queue, so the end of a stream closed right after a
 * bulk write to a peer whose buffers were full would vanish. A closing
 * connection whose stream is not idle (check-write allows less than it did
 * idle) therefore keeps its output stream and socket here until check-write
 * shows the queue empty: the OS then holds the rest and sends it after the
 * close, as natively. The stream's flush cannot do this wait: on the shim
 * it blocks the whole component until the queue drains, and a reader in the
 * same script could never drain it.
 *
 * The poll step waits on a stream's pollable where the shim signals the
 * drain (check-write said 0), and otherwise looks again after a tick that
 * grows while nothing moves. A connection whose peer stopped reading is let
 * go after LINGER_RUN_MS without progress (what a kernel gives an orphaned
 * connection, roughly), and the end of the run waits for the rest only
 * while they progress, LINGER_EXIT_MS at most without. */
#include <stdlib.h>

#include "../../wasi/abi/io_streams.h"
#include "../../wasi/abi/sockets_tcp.h"
#include "wasi_internal.h"

enum { LINGER_RUN_MS = 60000, LINGER_EXIT_MS = 2000, TICK_MIN_MS = 2, TICK_MAX_MS = 100 };

/* What check-write allows now; false when the stream failed or closed,
 * that is when nothing more will go out. */
static bool room_of(int32_t out, uint64_t *room) {
    wasi_ret r;
    wasi_output_check_write(out, &r);
    if (wasi_u8(&r, 0)) {
        if (wasi_u8(&r, 8) == WASI_STREAM_ERROR_FAILED) wasi_error_drop((int32_t)wasi_u32(&r, 12));
        return false;
    }
    *room = wasi_u64(&r, 8);
    return true;
}

static void release(wasi_linger *l) {
    if (l->pollable) wasi_pollable_drop(l->pollable);
    wasi_output_drop(l->out);
    wasi_tcp_drop(l->sock);
}

bool wasi_linger_add(host *h, wsock *s) {
    uint64_t room;
    if (!s->wcap || !room_of(s->out, &room) || room >= s->wcap) return false;
    host_backend *b = h->backend;
    if (b->nlinger == b->linger_cap) {
        b->linger_cap = b->linger_cap ? b->linger_cap * 2 : 4;
        b->linger = host_xrealloc(b->linger, b->linger_cap * sizeof *b->linger);
    }
    b->linger[b->nlinger++] = (wasi_linger){
        .sock = s->sock, .out = s->out, .cap = s->wcap, .room = room, .moved = host_backend_now_us()};
    b->linger_tick_ms = TICK_MIN_MS;
    return true;
}

size_t wasi_linger_pollables(host_backend *b, int32_t *list, int *timeout_ms) {
    if (!b->nlinger) return 0;
    if (*timeout_ms < 0 || *timeout_ms > b->linger_tick_ms) *timeout_ms = b->linger_tick_ms;
    size_t n = 0;
    for (size_t i = 0; i < b->nlinger; i++) {
        wasi_linger *l = &b->linger[i];
        /* only a full queue has a drain to wait for: otherwise the shim's
         * pollable stays ready and would make the poll spin */
        if (l->room == 0 && !l->pollable) l->pollable = wasi_output_subscribe(l->out);
        if (l->room != 0 && l->pollable) wasi_pollable_drop(l->pollable), l->pollable = 0;
        if (l->pollable) list[n++] = l->pollable;
    }
    return n;
}

void wasi_linger_service(host_backend *b) {
    if (!b->nlinger) return;
    int64_t limit_us = (int64_t)(b->linger_exiting ? LINGER_EXIT_MS : LINGER_RUN_MS) * 1000;
    int64_t now = host_backend_now_us();
    size_t kept = 0;
    bool moved = false;
    for (size_t i = 0; i < b->nlinger; i++) {
        wasi_linger *l = &b->linger[i];
        uint64_t room;
        bool done = !room_of(l->out, &room) || room >= l->cap;
        if (!done && room > l->room) l->moved = now, moved = true; /* the peer reads */
        if (!done) l->room = room;
        if (done || now - l->moved >= limit_us) release(l);
        else b->linger[kept++] = *l;
    }
    b->nlinger = kept;
    if (moved) b->linger_tick_ms = TICK_MIN_MS;
    else b->linger_tick_ms = b->linger_tick_ms * 2 < TICK_MAX_MS ? b->linger_tick_ms * 2 : TICK_MAX_MS;
}

void wasi_linger_finish(host *h) {
    host_backend *b = h->backend;
    b->linger_exiting = true;
    while (b->nlinger) host_backend_poll(h, -1, -1, NULL);
    free(b->linger);
    b->linger = NULL;
    b->linger_cap = 0;
}

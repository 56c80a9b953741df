/* net_write.c - the send buffer of a TCP socket.
 *
 * write() and writeUtf8() copy their bytes into the socket's buffer and
 * return; one host write at a time carries buffered bytes to the OS. The
 * buffer goes out when flush() is called, once it holds
 * NET_WRITE_FLUSH_BYTES, and whenever a fiber is about to wait for anything
 * (the VM calls vm->io_flush from vm_park and before it waits for the host).
 * So a script never waits for an answer to bytes still sitting here, order
 * is kept, and the replies to a pipelined batch of requests leave in one
 * system call instead of one each.
 *
 * Back-pressure: while a host write is in flight, a writer that would take
 * the buffer past the threshold waits for it, so a peer that does not read
 * makes writers wait, and a socket holds at most about two thresholds (plus
 * one oversized write) of unsent bytes.
 *
 * A bulk write (at least the threshold, of bytes that cannot change: a
 * String or an immutable Buffer) is never copied: with nothing buffered it
 * goes to the host as it is (what the kernel takes at once needing no op),
 * and behind a write in flight it waits for that one instead of being
 * appended, so a stream of 64 KiB writes costs no memcpy per write.
 *
 * All of this (NetWrite) is made by the socket's first write: a connection
 * that only waits for bytes (a server's idle clients) holds none of it. */
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

static NetSock *sock_of(Value v) { return (NetSock *)((Handle *)v.as.o)->ptr; }

static void flush_done(VM *vm, PendingOp *op, int status, int64_t value);

static void start_host_write(VM *vm, NetSock *s, Obj *keep, const uint8_t *bytes, uint32_t len) {
    s->w->wop = vm_op_begin(vm, NULL, s, flush_done);
    vm_op_keep(vm, s->w->wop, s->self, keep);
    host_write(vm->host, s->w->wop, s->handle, bytes, len);
}

/* Hands the buffered bytes to the host: what it takes at once needs no op
 * (host_write_now); the rest goes through a host write, for which the
 * buffer in flight and the spare one swap, so a busy socket allocates
 * nothing per write. */
static void submit(VM *vm, NetSock *s) {
    NetWrite *w = s->w;
    uint32_t took = host_write_now(vm->host, s->handle, w->wbuf, w->wlen);
    if (took == w->wlen) {
        w->wlen = 0;
        return;
    }
    uint8_t *b = w->wbuf;
    uint32_t cap = w->wcap, len = w->wlen;
    w->wbuf = w->wspare;
    w->wcap = w->wspare_cap;
    w->wlen = 0;
    w->wspare = b;
    w->wspare_cap = cap;
    start_host_write(vm, s, NULL, b + took, len - took);
}

/* bytes buffered and no host write in flight (none before the first write) */
static bool unsent(const NetSock *s) { return s->w && s->w->wlen && !s->w->wop; }

/* vm->io_flush: sends what every socket written to since the last call
 * holds, unless a host write of that socket is in flight (its completion
 * sends the rest). */
static void flush_all(VM *vm) {
    NetModule *m = vm->net;
    vm->io_flush = NULL;
    for (uint32_t i = 0; i < m->dirty->count; i++) {
        NetSock *s = sock_of(m->dirty->items[i]);
        if (!s) continue;
        s->dirty = false;
        if (unsent(s) && (s->open || s->closing)) submit(vm, s);
    }
    m->dirty->count = 0;
}

static void mark_dirty(VM *vm, NetSock *s) {
    if (s->dirty) return;
    NetModule *m = vm->net;
    s->dirty = true;
    list_push(vm, m->dirty, v_obj(s->self));
    vm->io_flush = flush_all;
}

/* ---- fibers waiting for the write in flight ----
 * Each waits through an op of its own, which keeps the fiber, the socket
 * and the bytes still to be written alive; the op is completed here, by
 * wake(), when the host write finishes. */

static void add_wait(VM *vm, NetSock *s, Fiber *f, Obj *data, void (*done)(VM *, PendingOp *, int, int64_t)) {
    NetWrite *w = s->w;
    if (w->nwaits == w->waits_cap) {
        uint32_t cap = w->waits_cap ? w->waits_cap * 2 : 4;
        uint32_t *nw = realloc(w->waits, sizeof *nw * cap);
        if (!nw) abort();
        w->waits = nw;
        w->waits_cap = cap;
    }
    uint32_t op = vm_op_begin(vm, f, s, done);
    vm_op_keep(vm, op, s->self, data);
    w->waits[w->nwaits++] = op;
}

static void wake(VM *vm, NetSock *s) {
    NetWrite *w = s->w;
    uint32_t n = w->nwaits;
    if (!n) return;
    uint32_t local[8];
    uint32_t *ids = n <= 8 ? local : malloc(sizeof *ids * n);
    if (!ids) abort();
    memcpy(ids, w->waits, sizeof *ids * n);
    w->nwaits = 0; /* a waiter that must wait again adds itself anew */
    for (uint32_t i = 0; i < n; i++) vm_op_complete(vm, ids[i], 0, 0);
    if (ids != local) free(ids);
}

static void flush_done(VM *vm, PendingOp *op, int status, int64_t value) {
    (void)value;
    NetSock *s = op->data;
    s->w->wop = 0;
    if (status != 0) {
        /* what was not sent never will be; a closed socket reports itself */
        s->w->wlen = 0;
        if (status != HOST_ECLOSED && !s->werr) s->werr = status;
        if (s->open || s->closing) host_close(vm->host, s->handle);
        s->open = s->closing = false;
    } else {
        if (s->w->wlen) submit(vm, s); /* written meanwhile: goes out at once */
        if (!s->w->wop && s->closing) {
            s->closing = false;
            host_close(vm->host, s->handle);
        }
    }
    wake(vm, s);
}

/* ---- write ---- */

typedef enum { W_DONE, W_WAIT, W_ERR } WriteStep;

static bool append(NetWrite *w, const uint8_t *bytes, uint32_t len) {
    if (w->wlen + len > w->wcap) {
        uint32_t cap = w->wcap ? w->wcap : 1024;
        while (cap < w->wlen + len) cap = cap > UINT32_MAX / 2 ? UINT32_MAX : cap * 2;
        uint8_t *nb = realloc(w->wbuf, cap);
        if (!nb) return false;
        w->wbuf = nb;
        w->wcap = cap;
    }
    memcpy(w->wbuf + w->wlen, bytes, len);
    w->wlen += len;
    return true;
}

static bool immutable(VM *vm, Value data) {
    return IS_OT(data, OT_STRING) || (IS_OT(data, OT_BUFFER) && data.as.o->cls == vm->c.buffer);
}

static void bytes_of(Value data, const uint8_t **bytes, uint32_t *len) {
    if (IS_OT(data, OT_STRING)) {
        *bytes = (const uint8_t *)((String *)data.as.o)->data;
        *len = ((String *)data.as.o)->len;
    } else {
        *bytes = ((Buffer *)data.as.o)->data;
        *len = ((Buffer *)data.as.o)->len;
    }
}

static void write_wait_done(VM *vm, PendingOp *op, int status, int64_t value);

static WriteStep write_step(VM *vm, NetSock *s, Fiber *f, Value data) {
    const uint8_t *bytes;
    uint32_t len;
    bytes_of(data, &bytes, &len);
    if (s->werr) {
        net_fail(vm, "write", NULL, -1, s->werr);
        return W_ERR;
    }
    if (!s->open) {
        vm_throw(vm, vm->c.illegal_operation, "write failed: the socket is closed");
        return W_ERR;
    }
    if (len == 0) return W_DONE;
    if (!s->w && !(s->w = calloc(1, sizeof *s->w))) goto oom;
    NetWrite *w = s->w;
    bool bulk = len >= NET_WRITE_FLUSH_BYTES && immutable(vm, data);
    if (w->wop) {
        /* a bulk write waits for the write in flight rather than being
         * copied behind it: it then goes out as it is (below) */
        if (bulk || w->wlen + len > NET_WRITE_FLUSH_BYTES) {
            add_wait(vm, s, f, data.as.o, write_wait_done);
            return W_WAIT;
        }
        /* the completion of the write in flight sends it */
        if (!append(w, bytes, len)) goto oom;
        return W_DONE;
    }
    if (w->wlen == 0 && bulk) {
        /* a bulk write goes out as it is, uncopied; what the kernel takes
         * at once needs no op, so a writer the peer keeps up with neither
         * waits for a completion nor parks behind one */
        uint32_t took = host_write_now(vm->host, s->handle, bytes, len);
        if (took < len) start_host_write(vm, s, data.as.o, bytes + took, len - took);
        return W_DONE;
    }
    if (!append(w, bytes, len)) goto oom;
    if (w->wlen >= NET_WRITE_FLUSH_BYTES) submit(vm, s);
    else mark_dirty(vm, s);
    return W_DONE;
oom:
    vm_throw(vm, vm->c.out_of_memory, "write: no memory for the send buffer");
    return W_ERR;
}

static void write_wait_done(VM *vm, PendingOp *op, int status, int64_t value) {
    (void)status;
    (void)value;
    WriteStep st = write_step(vm, op->data, op->fiber, v_obj(op->keep[1]));
    if (st == W_DONE) vm_resume(vm, op->fiber, V_VOID);
    else if (st == W_ERR) vm_resume_throw(vm, op->fiber, vm_take_exception(vm));
}

NativeResult net_write(VM *vm, Value self, Value data, Value *out) {
    *out = V_VOID;
    NetSock *s = sock_of(self);
    if (!s) return vm_throw(vm, vm->c.illegal_operation, "write failed: the socket is closed");
    WriteStep st = write_step(vm, s, vm->current, data);
    if (st == W_ERR) return NR_ERR;
    if (st == W_DONE) return NR_OK;
    vm_park(vm);
    return NR_SUSPEND;
}

/* ---- flush and close ---- */

static void flush_wait_done(VM *vm, PendingOp *op, int status, int64_t value) {
    (void)status;
    (void)value;
    NetSock *s = op->data;
    if (s->werr) net_resume_fail(vm, op->fiber, "flush", NULL, -1, s->werr);
    else if (s->w->wop) add_wait(vm, s, op->fiber, NULL, flush_wait_done);
    else vm_resume(vm, op->fiber, V_VOID);
}

NativeResult net_flush(VM *vm, Value self, Value *out) {
    *out = V_VOID;
    NetSock *s = sock_of(self);
    if (s && s->werr) return net_fail(vm, "flush", NULL, -1, s->werr);
    if (!s || !s->open) return vm_throw(vm, vm->c.illegal_operation, "flush failed: the socket is closed");
    if (unsent(s)) submit(vm, s);
    if (!s->w || !s->w->wop) return NR_OK;
    add_wait(vm, s, vm->current, NULL, flush_wait_done);
    vm_park(vm);
    return NR_SUSPEND;
}

void net_close_stream(VM *vm, NetSock *s) {
    s->open = false;
    if (unsent(s)) submit(vm, s);
    if (s->w && s->w->wop) s->closing = true; /* flush_done closes it */
    else host_close(vm->host, s->handle);
}

void net_write_free(NetSock *s) {
    if (!s->w) return;
    free(s->w->wbuf);
    free(s->w->wspare);
    free(s->w->waits);
    free(s->w);
    s->w = NULL;
}

void net_write_init(VM *vm, NetModule *m) {
    m->dirty = list_new(vm, 0);
    list_push(vm, vm->roots, v_obj(m->dirty));
}

/* net.c - the lyng.io.net module: Net, SocketAddress, IpVersion, TcpSocket,
 * TcpServer, UdpSocket, Datagram and the NetAccessOp policy objects.
 *
 * Every operation is checked against the VM's access policy, then submitted
 * to the host (src/host/host.h); the calling fiber parks until the host
 * completes it. A socket keeps one receive buffer for its whole life, so
 * reads allocate only the Buffer they return. The buffer starts small, as a
 * server may hold thousands of idle connections each with a read pending,
 * and grows while reads keep filling it (bulk transfers). Where the host
 * queues received bytes itself (Node, host_read_deferred), read() holds no
 * buffer while it waits: the bytes go straight into the Buffer returned. */
#include "net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../host/host.h"
#include "../lyng/vm.h"
#include "net_internal.h"

#define RBUF_START 512u
#define RBUF_MAX 65536u
#define LINE_MAX_BYTES (1u << 20)
#define READ_MAX_BYTES (16u << 20)

/* ---------------------------------------------------------------- errors */

NativeResult net_fail(VM *vm, const char *what, const char *host, int port, int status) {
    const char *code = host_error_name(status);
    if (host && port >= 0) {
        bool v6 = strchr(host, ':') != NULL;
        return vm_throw(vm, vm->c.illegal_operation, "%s %s%s%s:%d failed: %s", what, v6 ? "[" : "", host, v6 ? "]" : "", port, code);
    }
    return vm_throw(vm, vm->c.illegal_operation, "%s failed: %s", what, code);
}

/* Resumes `f` with the exception that net_fail would raise. */
void net_resume_fail(VM *vm, Fiber *f, const char *what, const char *host, int port, int status) {
    net_fail(vm, what, host, port, status);
    Value e = vm_take_exception(vm);
    vm_resume_throw(vm, f, e);
}

static NetModule *mod_of(VM *vm) { return (NetModule *)vm->net; }

/* ---------------------------------------------------------------- values */

Value net_address(VM *vm, const host_addr *a, bool resolved) {
    NetModule *m = mod_of(vm);
    Instance *in = instance_new(vm, m->socket_address);
    map_put_str(vm, in->fields, "host", v_obj(str_cstr(vm, a->ip)));
    map_put_str(vm, in->fields, "port", v_int(a->port));
    map_put_str(vm, in->fields, "ipVersion", a->family == 6 ? m->ipv6 : m->ipv4);
    map_put_str(vm, in->fields, "resolved", v_bool(resolved));
    return v_obj(in);
}

static NativeResult sa_to_string(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argc;
    (void)argv;
    Value host = V_NULL, port = V_NULL;
    Instance *in = (Instance *)self.as.o;
    map_get_str(in->fields, "host", &host);
    map_get_str(in->fields, "port", &port);
    StrBuf sb;
    sb_init(&sb);
    bool v6 = IS_OT(host, OT_STRING) && strchr(((String *)host.as.o)->data, ':');
    if (v6) sb_addc(&sb, '[');
    v_to_string(vm, &sb, host);
    if (v6) sb_addc(&sb, ']');
    sb_addc(&sb, ':');
    v_to_string(vm, &sb, port);
    *out = v_obj(str_new(vm, sb.data, sb.len));
    sb_free(&sb);
    return NR_OK;
}

/* SocketAddress is a value: its fields are vals, as upstream declares
 * them, which also lets a UDP socket hand out one SocketAddress per peer. */
#define READ_ONLY(field)                                                                                      \
    static NativeResult sa_set_##field(VM *vm, Value self, int argc, Value *argv, Value *out) {               \
        (void)self, (void)argc, (void)argv, (void)out;                                                        \
        return vm_throw(vm, vm->c.illegal_assignment, "cannot assign to val '" #field "' of SocketAddress"); \
    }
READ_ONLY(host)
READ_ONLY(port)
READ_ONLY(ipVersion)
READ_ONLY(resolved)

static NativeResult named_to_string(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argc;
    (void)argv;
    Value n = V_NULL;
    map_get_str(((Instance *)self.as.o)->fields, "name", &n);
    *out = IS_OT(n, OT_STRING) ? n : v_obj(str_cstr(vm, "?"));
    return NR_OK;
}

/* ---------------------------------------------------------------- sockets */

static void sock_finalize(VM *vm, Handle *h) {
    NetSock *s = h->ptr;
    if (!s) return;
    if (s->open || s->closing) host_close(vm->host, s->handle);
    net_write_free(s);
    free(s->rbuf);
    free(s->udp);
    free(s);
    h->ptr = NULL;
}

static void sock_mark(VM *vm, Handle *h) {
    NetSock *s = h->ptr;
    if (s && s->udp) gc_mark_value(vm, s->udp->from_value);
}

static Value sock_new(VM *vm, Class *cls, int handle, int kind) {
    NetSock *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->handle = handle;
    s->kind = (uint8_t)kind;
    s->open = true;
    if (kind == NET_UDP) {
        s->udp = calloc(1, sizeof *s->udp);
        if (!s->udp) abort();
        s->udp->from_value = V_VOID;
    }
    Handle *h = handle_new(vm, cls, s, sock_finalize);
    h->mark = sock_mark;
    s->self = (Obj *)h;
    return v_obj(h);
}

static NetSock *sock_of(Value self) { return (NetSock *)((Handle *)self.as.o)->ptr; }

static bool ensure_rbuf(NetSock *s, uint32_t cap) {
    if (s->rcap >= cap) return true;
    uint8_t *nb = realloc(s->rbuf, cap);
    if (!nb) return false;
    s->rbuf = nb;
    s->rcap = cap;
    return true;
}

/* The receive buffer's size for the next read: after a read that filled
 * it (a bulk stream, a pipelined batch of requests) four times larger, up
 * to RBUF_MAX, so that the next read takes more at once. */
static uint32_t rbuf_next_cap(const NetSock *s) {
    uint32_t cap = s->rcap ? s->rcap : RBUF_START;
    if (s->filled && cap < RBUF_MAX) cap = cap * 4 < RBUF_MAX ? cap * 4 : RBUF_MAX;
    return cap;
}

static NativeResult check_open(VM *vm, NetSock *s, const char *what) {
    if (!s || !s->open) return vm_throw(vm, vm->c.illegal_operation, "%s failed: the socket is closed", what);
    return NR_OK;
}

static Value take_bytes(VM *vm, NetSock *s, uint32_t max) {
    uint32_t n = s->rend - s->rstart;
    if (n > max) n = max;
    Buffer *b = buffer_new_fixed(vm, s->rbuf + s->rstart, n);
    s->rstart += n;
    if (s->rstart == s->rend) s->rstart = s->rend = 0;
    return v_obj(b);
}

static bool parse_max(VM *vm, int argc, Value *argv, int i, const char *fn, uint32_t *out) {
    int64_t max = 65536;
    if (argc > i && !IS_NULL(argv[i]) && !arg_int(vm, argv, argc, i, fn, &max)) return false;
    if (max <= 0) {
        vm_throw(vm, vm->c.illegal_argument, "%s: maxBytes must be > 0, got %lld", fn, (long long)max);
        return false;
    }
    *out = max > READ_MAX_BYTES ? READ_MAX_BYTES : (uint32_t)max;
    return true;
}

/* -- read -- */

static void read_done(VM *vm, PendingOp *op, int status, int64_t value) {
    NetSock *s = op->data;
    s->reading = false;
    if (status == HOST_ECLOSED || !s->open) {
        net_resume_fail(vm, op->fiber, "read", NULL, -1, HOST_ECLOSED);
        return;
    }
    if (status != 0) {
        if (status == HOST_ECONNRESET || status == HOST_EPIPE) {
            host_close(vm->host, s->handle);
            s->open = false;
        }
        net_resume_fail(vm, op->fiber, "read", NULL, -1, status);
        return;
    }
    if (value == 0) {
        s->eof = true;
        vm_resume(vm, op->fiber, V_NULL);
        return;
    }
    if (host_read_deferred(vm->host)) { /* the bytes wait in the host: copied into the Buffer returned */
        uint32_t n = (uint32_t)value < s->want ? (uint32_t)value : s->want;
        /* received where it stays (a bulk read on Node): that block becomes
         * the Buffer's storage, counted from now; otherwise copied */
        uint8_t *blk = host_read_block(vm->host, s->handle, n);
        Buffer *b = buffer_new_fixed(vm, NULL, blk ? 0 : n);
        if (blk) b->data = vm_realloc(vm, blk, 0, b->cap = n);
        b->len = blk ? n : host_read_take(vm->host, s->handle, b->data, n);
        if (b->len == 0) {
            net_resume_fail(vm, op->fiber, "read", NULL, -1, HOST_ECLOSED);
            return;
        }
        vm_resume(vm, op->fiber, v_obj(b));
        return;
    }
    if (op->keep[1]) { /* read straight into the Buffer returned */
        Buffer *b = (Buffer *)op->keep[1];
        b->len = (uint32_t)value;
        s->filled = b->len == b->cap;
        if (b->len < b->cap / 2) { /* a short read keeps no idle tail */
            b->data = vm_realloc(vm, b->data, b->cap, b->len);
            b->cap = b->len;
        }
        vm_resume(vm, op->fiber, v_obj(b));
        return;
    }
    s->rstart = 0;
    s->rend = (uint32_t)value;
    s->filled = s->rend == s->rcap;
    vm_resume(vm, op->fiber, take_bytes(vm, s, s->want));
}

/* A bulk read: the last read filled the largest receive buffer and the
 * caller takes that much, so the host writes into the Buffer to be returned
 * (one copy fewer per read). The storage is not cleared: only the bytes
 * read become part of the Buffer. */
static Buffer *direct_read_buffer(VM *vm, NetSock *s, uint32_t max) {
    if (!s->filled || s->rcap < RBUF_MAX || max < RBUF_MAX) return NULL;
    uint8_t *data = vm_realloc(vm, NULL, 0, RBUF_MAX);
    Buffer *b = buffer_new(vm, NULL, 0, false);
    b->data = data;
    b->cap = RBUF_MAX;
    return b;
}

static NativeResult tcp_read(VM *vm, Value self, int argc, Value *argv, Value *out) {
    NetSock *s = sock_of(self);
    uint32_t max;
    if (!parse_max(vm, argc, argv, 0, "read", &max)) return NR_ERR;
    if (s && s->rend > s->rstart) {
        *out = take_bytes(vm, s, max);
        return NR_OK;
    }
    if (check_open(vm, s, "read") != NR_OK) return NR_ERR;
    if (s->eof) {
        *out = V_NULL;
        return NR_OK;
    }
    if (s->reading) return vm_throw(vm, vm->c.illegal_state, "read: another read is already pending on this socket");
    s->want = max;
    if (host_read_deferred(vm->host)) { /* no buffer while waiting: see read_done */
        s->reading = true;
        uint32_t op = vm_op_begin(vm, vm_park(vm), s, read_done);
        vm_op_keep(vm, op, self.as.o, NULL);
        host_read(vm->host, op, s->handle, NULL, max);
        return NR_SUSPEND;
    }
    if (!ensure_rbuf(s, rbuf_next_cap(s))) return vm_throw(vm, vm->c.out_of_memory, "read: no memory for the receive buffer");
    s->reading = true;
    uint32_t op = vm_op_begin(vm, vm_park(vm), s, read_done);
    Buffer *direct = direct_read_buffer(vm, s, max);
    vm_op_keep(vm, op, self.as.o, direct);
    if (direct) host_read(vm->host, op, s->handle, direct->data, direct->cap);
    else host_read(vm->host, op, s->handle, s->rbuf, s->rcap);
    return NR_SUSPEND;
}

/* -- readLine -- */

typedef enum { STEP_DONE, STEP_WAIT, STEP_ERROR } Step;

static void readline_done(VM *vm, PendingOp *op, int status, int64_t value);

/* Produces the next line if the buffer holds one, else starts a read. */
static Step readline_step(VM *vm, Fiber *f, Value self, NetSock *s, Value *out) {
    for (;;) {
        uint8_t *start = s->rbuf + s->rstart;
        uint32_t avail = s->rend - s->rstart;
        uint8_t *nl = avail ? memchr(start, '\n', avail) : NULL;
        if (nl || (s->eof && avail)) {
            uint32_t len = nl ? (uint32_t)(nl - start) : avail;
            uint32_t consumed = nl ? len + 1 : len;
            if (len > 0 && start[len - 1] == '\r') len--;
#ifdef __wasm__ /* the smaller code: check, then share */
            String *line = utf8_valid((const char *)start, len, NULL) ? str_new_shared(vm, (const char *)start, len) : NULL;
#else /* a line equal to a shared string needs no check */
            uint32_t slot;
            String *line = str_shared_get(vm, (const char *)start, len, &slot);
            if (!line && utf8_valid((const char *)start, len, NULL)) line = str_shared_put(vm, (const char *)start, len, slot);
#endif
            if (!line) {
                s->rstart += consumed;
                vm_throw(vm, vm->c.illegal_operation, "readLine failed: the line is not valid UTF-8");
                return STEP_ERROR;
            }
            *out = v_obj(line);
            s->rstart += consumed;
            if (s->rstart == s->rend) s->rstart = s->rend = 0;
            return STEP_DONE;
        }
        if (s->eof) {
            *out = V_NULL;
            return STEP_DONE;
        }
        if (!s->open) {
            check_open(vm, s, "readLine");
            return STEP_ERROR;
        }
        /* make room: compact, then grow up to the line limit */
        if (s->rstart > 0) {
            memmove(s->rbuf, s->rbuf + s->rstart, avail);
            s->rstart = 0;
            s->rend = avail;
        }
        if (s->rend == s->rcap) {
            if (s->rcap >= LINE_MAX_BYTES) {
                vm_throw(vm, vm->c.illegal_operation, "readLine failed: line longer than %u bytes", LINE_MAX_BYTES);
                return STEP_ERROR;
            }
            if (!ensure_rbuf(s, s->rcap ? s->rcap * 2 : RBUF_START)) {
                vm_throw(vm, vm->c.out_of_memory, "readLine: no memory for the line buffer");
                return STEP_ERROR;
            }
        } else {
            /* a pipelined batch of requests in one read: their replies
             * leave together instead of in two writes */
            ensure_rbuf(s, rbuf_next_cap(s));
        }
        s->reading = true;
        uint32_t op = vm_op_begin(vm, f, s, readline_done);
        vm_op_keep(vm, op, self.as.o, NULL);
        bool deferred = host_read_deferred(vm->host);
        /* deferred: the host reports how many bytes wait, up to the most the
         * buffer may grow to, and readline_done grows it to take them */
        uint32_t room = deferred && s->rcap < RBUF_MAX ? RBUF_MAX : s->rcap;
        host_read(vm->host, op, s->handle, deferred ? NULL : s->rbuf + s->rend, room - s->rend);
        return STEP_WAIT;
    }
}

static void readline_done(VM *vm, PendingOp *op, int status, int64_t value) {
    NetSock *s = op->data;
    s->reading = false;
    if (status != 0 || !s->open) {
        if (status == HOST_ECONNRESET && s->open) {
            host_close(vm->host, s->handle);
            s->open = false;
        }
        net_resume_fail(vm, op->fiber, "readLine", NULL, -1, status ? status : HOST_ECLOSED);
        return;
    }
    if (value == 0) {
        s->eof = true;
    } else if (host_read_deferred(vm->host)) {
        uint32_t cap = s->rcap;
        while (cap - s->rend < (uint64_t)value && cap < RBUF_MAX) cap *= 2;
        ensure_rbuf(s, cap); /* without memory it takes what fits */
        s->rend += host_read_take(vm->host, s->handle, s->rbuf + s->rend, s->rcap - s->rend);
    } else {
        s->rend += (uint32_t)value;
        s->filled = s->rend == s->rcap;
    }
    Value out;
    Step st = readline_step(vm, op->fiber, v_obj(op->keep[0]), s, &out);
    if (st == STEP_DONE) vm_resume(vm, op->fiber, out);
    else if (st == STEP_ERROR) {
        Value e = vm_take_exception(vm);
        vm_resume_throw(vm, op->fiber, e);
    }
}

static NativeResult tcp_read_line(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argc;
    (void)argv;
    NetSock *s = sock_of(self);
    if (!s) return check_open(vm, s, "readLine");
    if (s->reading) return vm_throw(vm, vm->c.illegal_state, "readLine: another read is already pending on this socket");
    if (!s->rbuf && !ensure_rbuf(s, RBUF_START)) return vm_throw(vm, vm->c.out_of_memory, "readLine: no memory");
    Step st = readline_step(vm, vm->current, self, s, out);
    if (st == STEP_DONE) return NR_OK;
    if (st == STEP_ERROR) return NR_ERR;
    vm_park(vm);
    return NR_SUSPEND;
}

/* -- write, flush, close (the send buffer is net_write.c) -- */

static NativeResult tcp_write(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (argc != 1 || !IS_OT(argv[0], OT_BUFFER))
        return vm_throw(vm, vm->c.illegal_argument, "write needs a Buffer, got %s", argc ? v_type_name(vm, argv[0]) : "nothing");
    return net_write(vm, self, argv[0], out);
}

static NativeResult tcp_write_utf8(VM *vm, Value self, int argc, Value *argv, Value *out) {
    String *s;
    if (!arg_str(vm, argv, argc, 0, "writeUtf8", &s)) return NR_ERR;
    return net_write(vm, self, argv[0], out);
}

static NativeResult tcp_flush(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argc;
    (void)argv;
    return net_flush(vm, self, out);
}

static NativeResult sock_close(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argc;
    (void)argv;
    NetSock *s = sock_of(self);
    *out = V_VOID;
    if (s && s->open) {
        if (s->kind == NET_TCP) {
            net_close_stream(vm, s);
        } else {
            s->open = false;
            host_close(vm->host, s->handle);
        }
    }
    return NR_OK;
}

static NativeResult sock_is_open(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)vm;
    (void)argc;
    (void)argv;
    NetSock *s = sock_of(self);
    *out = v_bool(s && s->open);
    return NR_OK;
}

static NativeResult addr_of(VM *vm, Value self, bool remote, Value *out) {
    NetSock *s = sock_of(self);
    const char *what = remote ? "remoteAddress" : "localAddress";
    if (check_open(vm, s, what) != NR_OK) return NR_ERR;
    host_addr a;
    int st = remote ? host_remote_addr(vm->host, s->handle, &a) : host_local_addr(vm->host, s->handle, &a);
    if (st != 0) return net_fail(vm, what, NULL, -1, st);
    *out = net_address(vm, &a, true);
    return NR_OK;
}

static NativeResult sock_local(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argc;
    (void)argv;
    return addr_of(vm, self, false, out);
}

static NativeResult sock_remote(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argc;
    (void)argv;
    return addr_of(vm, self, true, out);
}

/* -- accept -- */

static void accept_done(VM *vm, PendingOp *op, int status, int64_t value) {
    if (status != 0) {
        net_resume_fail(vm, op->fiber, "accept", NULL, -1, status);
        return;
    }
    vm_resume(vm, op->fiber, sock_new(vm, mod_of(vm)->tcp_socket, (int)value, NET_TCP));
}

static NativeResult server_accept(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)argc;
    (void)argv;
    (void)out;
    NetSock *s = sock_of(self);
    if (check_open(vm, s, "accept") != NR_OK) return NR_ERR;
    uint32_t op = vm_op_begin(vm, vm_park(vm), s, accept_done);
    vm_op_keep(vm, op, self.as.o, NULL);
    host_tcp_accept(vm->host, op, s->handle);
    return NR_SUSPEND;
}

/* -- UDP -- */

static void recv_done(VM *vm, PendingOp *op, int status, int64_t value) {
    NetSock *s = op->data;
    s->reading = false;
    if (status != 0) {
        net_resume_fail(vm, op->fiber, "receive", NULL, -1, status);
        return;
    }
    host_addr from;
    memset(&from, 0, sizeof from);
    host_udp_sender(vm->host, op->id, &from);
    /* a peer exchanging datagrams with us gets one SocketAddress, not one
     * per datagram (its fields are read-only to scripts) */
    NetUdp *u = s->udp;
    if (IS_VOID(u->from_value) || memcmp(&from, &u->from, sizeof from) != 0) {
        u->from = from;
        u->from_value = net_address(vm, &from, true);
    }
    NetModule *m = mod_of(vm);
    Instance *d = instance_new(vm, m->datagram);
    map_put(vm, d->fields, v_obj(m->key_data), v_obj(buffer_new(vm, s->rbuf, (size_t)value, false)));
    map_put(vm, d->fields, v_obj(m->key_address), u->from_value);
    vm_resume(vm, op->fiber, v_obj(d));
}

static NativeResult udp_receive(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)out;
    NetSock *s = sock_of(self);
    uint32_t max;
    if (!parse_max(vm, argc, argv, 0, "receive", &max)) return NR_ERR;
    if (check_open(vm, s, "receive") != NR_OK) return NR_ERR;
    if (s->reading) return vm_throw(vm, vm->c.illegal_state, "receive: another receive is already pending on this socket");
    if (!ensure_rbuf(s, max)) return vm_throw(vm, vm->c.out_of_memory, "receive: no memory for the buffer");
    s->reading = true;
    uint32_t op = vm_op_begin(vm, vm_park(vm), s, recv_done);
    vm_op_keep(vm, op, self.as.o, NULL);
    host_udp_recv(vm->host, op, s->handle, s->rbuf, max);
    return NR_SUSPEND;
}

void net_sockets_init(VM *vm, NetModule *m) {
    vm_def_method(vm, m->tcp_socket, "isOpen", sock_is_open);
    vm_def_method(vm, m->tcp_socket, "localAddress", sock_local);
    vm_def_method(vm, m->tcp_socket, "remoteAddress", sock_remote);
    Native *n = vm_def_method(vm, m->tcp_socket, "read", tcp_read);
    n->params = "maxBytes";
    vm_def_method(vm, m->tcp_socket, "readLine", tcp_read_line);
    vm_def_method(vm, m->tcp_socket, "write", tcp_write);
    vm_def_method(vm, m->tcp_socket, "writeUtf8", tcp_write_utf8);
    vm_def_method(vm, m->tcp_socket, "flush", tcp_flush);
    vm_def_method(vm, m->tcp_socket, "close", sock_close);

    vm_def_method(vm, m->tcp_server, "isOpen", sock_is_open);
    vm_def_method(vm, m->tcp_server, "localAddress", sock_local);
    vm_def_method(vm, m->tcp_server, "accept", server_accept);
    vm_def_method(vm, m->tcp_server, "close", sock_close);

    vm_def_method(vm, m->udp_socket, "isOpen", sock_is_open);
    vm_def_method(vm, m->udp_socket, "localAddress", sock_local);
    n = vm_def_method(vm, m->udp_socket, "receive", udp_receive);
    n->params = "maxBytes";
    vm_def_method(vm, m->udp_socket, "close", sock_close);

    vm_def_method(vm, m->socket_address, "toString", sa_to_string);
    vm_def_method(vm, m->socket_address, "host=", sa_set_host);
    vm_def_method(vm, m->socket_address, "port=", sa_set_port);
    vm_def_method(vm, m->socket_address, "ipVersion=", sa_set_ipVersion);
    vm_def_method(vm, m->socket_address, "resolved=", sa_set_resolved);
    m->socket_address->has_setters = true;
    vm_def_method(vm, m->ip_version, "toString", named_to_string);
}

Value net_sock_new(VM *vm, Class *cls, int handle, int kind) { return sock_new(vm, cls, handle, kind); }
NetSock *net_sock_of(Value v) { return sock_of(v); }

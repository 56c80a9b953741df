/* net_api.c - the `Net` entry points (resolve, tcpConnect, tcpListen,
 * udpBind, and beyond upstream's API tlsConnect, tlsListen and tcpListen's
 * reusePort), UdpSocket.send, and the module's registration. Each entry point
 * validates its arguments, asks the access policy, resolves the host name
 * through the host, then performs the operation on the first address that
 * works. When the embedder's policy hook has to decide, its answer is one
 * more asynchronous step of the same chain. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "net_internal.h"

enum { K_RESOLVE, K_CONNECT, K_LISTEN, K_BIND, K_SEND };

typedef struct NetCtx {
    int kind;
    char host[256];
    int port;
    int64_t timeout_ms;
    bool nodelay, reuse;
    int backlog;
    host_addr addrs[16];
    int naddrs, next;
    int last_status;
    bool resolved;   /* past the name: asks are about addrs[next - 1] */
    bool name_listed; /* the allow list names the host: its addresses are allowed too (unless denied) */
    NetSock *sock; /* UDP send */
    /* TLS connects and listens; the policy sees TcpConnect / TcpListen */
    bool tls, verify, reuse_port;
    char *server_name, *ca_file, *cert_file, *key_file; /* malloc'ed or NULL */
} NetCtx;

static void ctx_free(NetCtx *ctx) {
    free(ctx->server_name);
    free(ctx->ca_file);
    free(ctx->cert_file);
    free(ctx->key_file);
    free(ctx);
}

/* The NetAccessOp each kind is checked as. */
static const char *policy_op(int kind) {
    static const char *ops[] = {"Resolve", "TcpConnect", "TcpListen", "UdpBind", "UdpSend"};
    return ops[kind];
}

static const char *op_name(const NetCtx *ctx) {
    switch (ctx->kind) {
    case K_RESOLVE: return "resolve";
    case K_CONNECT: return ctx->tls ? "tlsConnect" : "tcpConnect";
    case K_LISTEN: return ctx->tls ? "tlsListen" : "tcpListen";
    case K_BIND: return "udpBind";
    default: return "send";
    }
}

static NetModule *mod(VM *vm) { return (NetModule *)vm->net; }

static bool port_arg(VM *vm, Value v, const char *fn, int *out) {
    if (!IS_INT(v)) {
        vm_throw(vm, vm->c.illegal_argument, "%s: port must be an Int, got %s", fn, v_type_name(vm, v));
        return false;
    }
    if (v.as.i < 0 || v.as.i > 65535) {
        vm_throw(vm, vm->c.illegal_argument, "%s: port must be in 0..65535, got %lld", fn, (long long)v.as.i);
        return false;
    }
    *out = (int)v.as.i;
    return true;
}

static bool host_arg(VM *vm, Value v, const char *fn, const char *dflt, char *out) {
    if (IS_NULL(v) || IS_UNSET(v)) {
        strcpy(out, dflt);
        return true;
    }
    if (!IS_OT(v, OT_STRING)) {
        vm_throw(vm, vm->c.illegal_argument, "%s: host must be a String, got %s", fn, v_type_name(vm, v));
        return false;
    }
    String *s = (String *)v.as.o;
    if (s->len == 0 || s->len >= 256) {
        vm_throw(vm, vm->c.illegal_argument, "%s: host must be 1..255 characters", fn);
        return false;
    }
    /* [::1] is accepted as ::1 */
    if (s->data[0] == '[' && s->data[s->len - 1] == ']') {
        memcpy(out, s->data + 1, s->len - 2);
        out[s->len - 2] = 0;
    } else {
        memcpy(out, s->data, s->len + 1);
    }
    return true;
}

static bool bool_arg(VM *vm, Value v, const char *fn, const char *name, bool dflt, bool *out) {
    if (IS_NULL(v) || IS_UNSET(v)) {
        *out = dflt;
        return true;
    }
    if (!IS_BOOL(v)) {
        vm_throw(vm, vm->c.illegal_argument, "%s: %s must be a Bool, got %s", fn, name, v_type_name(vm, v));
        return false;
    }
    *out = v.as.b;
    return true;
}

static Value arg_or(int argc, Value *argv, int i) { return i < argc ? argv[i] : V_NULL; }

/* ---- the operation chain: resolve, then act on each address ---- */

static void resolve_done(VM *vm, PendingOp *op, int status, int64_t value);
static void act_done(VM *vm, PendingOp *op, int status, int64_t value);
static void ask_done(VM *vm, PendingOp *op, int status, int64_t value);

static void ask(VM *vm, Fiber *f, NetCtx *ctx, const char *host, Obj *keep, Obj *keep2) {
    uint32_t op = vm_op_begin(vm, f, ctx, ask_done);
    vm_op_keep(vm, op, keep, keep2);
    vm->net_ask(vm->net_ask_ud, vm, op, policy_op(ctx->kind), host, ctx->port, ctx->kind == K_LISTEN ? ctx->backlog : 0);
}

static void act_next(VM *vm, Fiber *f, NetCtx *ctx, Obj *keep, Obj *keep2);

/* True when `name` is an IP address in the form the resolver would give
 * back (127.0.0.1, ::1), which then is the only address. Any other spelling
 * still goes through the resolver, so the policy also sees the address in
 * its usual form. */
static bool canonical_ip(const char *name, host_addr *out) {
    unsigned char bin[16];
    char text[INET6_ADDRSTRLEN];
    int af = inet_pton(AF_INET, name, bin) == 1 ? AF_INET : inet_pton(AF_INET6, name, bin) == 1 ? AF_INET6 : 0;
    if (!af || !inet_ntop(af, bin, text, sizeof text) || strcmp(text, name) != 0) return false;
    snprintf(out->ip, sizeof out->ip, "%s", text);
    out->family = af == AF_INET ? 4 : 6;
    out->port = 0;
    return true;
}

static void resolve(VM *vm, Fiber *f, NetCtx *ctx, Obj *keep, Obj *keep2) {
    /* an address needs no resolving: acting on it at once saves a round trip
     * through the host per operation (per datagram for UdpSocket.send) */
    if (ctx->kind != K_RESOLVE && canonical_ip(ctx->host, &ctx->addrs[0])) {
        ctx->naddrs = 1;
        ctx->next = 0;
        ctx->resolved = true;
        act_next(vm, f, ctx, keep, keep2);
        return;
    }
    uint32_t op = vm_op_begin(vm, f, ctx, resolve_done);
    vm_op_keep(vm, op, keep, keep2);
    host_resolve(vm->host, op, ctx->host);
}

/* Could `name` be looked up at all? A name that is neither an address
 * literal nor made of valid DNS labels fails here, so no resolver is ever
 * asked about it. */
static bool plausible_host(const char *name) {
    if (strchr(name, ':')) return strspn(name, "0123456789abcdefABCDEF:.%") == strlen(name) ||
                                  strchr(name, '%') != NULL; /* fe80::1%eth0 */
    size_t len = strlen(name), label = 0;
    if (len == 0 || len > 254 || (len == 254 && name[253] != '.')) return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (c == '.') {
            if (label == 0 || name[i - 1] == '-') return false;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                   (c == '-' && label > 0)) {
            if (++label > 63) return false;
        } else {
            return false;
        }
    }
    return name[len - 1] != '-';
}

/* keep/keep2 stay reachable while the chain runs (the Buffer of a send). */
static NativeResult start(VM *vm, NetCtx *ctx, Obj *keep, Obj *keep2) {
    int verdict = net_verdict(vm, policy_op(ctx->kind), ctx->host, ctx->port);
    if (verdict == NET_DENIED) {
        ctx_free(ctx);
        return NR_ERR;
    }
    if (!plausible_host(ctx->host)) {
        net_fail(vm, op_name(ctx), ctx->host, ctx->port, HOST_ENOTFOUND);
        ctx_free(ctx);
        return NR_ERR;
    }
    ctx->name_listed = verdict == NET_ALLOWED && net_allow_lists(vm, ctx->host, ctx->port);
    Fiber *f = vm_park(vm);
    if (verdict == NET_ASK) ask(vm, f, ctx, ctx->host, keep, keep2);
    else resolve(vm, f, ctx, keep, keep2);
    return NR_SUSPEND;
}

static void finish_fail(VM *vm, Fiber *f, NetCtx *ctx, int status) {
    net_resume_fail(vm, f, op_name(ctx), ctx->host, ctx->port, status);
    ctx_free(ctx);
}

static void act_on(VM *vm, Fiber *f, NetCtx *ctx, const host_addr *a, Obj *keep, Obj *keep2) {
    if (ctx->kind == K_SEND) {
        Buffer *b = (Buffer *)keep;
        if (host_udp_send_now(vm->host, ctx->sock->handle, b->data, b->len, a->ip, ctx->port)) {
            ctx_free(ctx); /* sent: the fiber goes on with no host round trip */
            vm_resume(vm, f, V_VOID);
            return;
        }
    }
    uint32_t op = vm_op_begin(vm, f, ctx, act_done);
    vm_op_keep(vm, op, keep, keep2);
    switch (ctx->kind) {
    case K_CONNECT:
        if (ctx->tls)
            host_tls_connect(vm->host, op, a->ip, ctx->port, ctx->timeout_ms, ctx->nodelay,
                             &(host_tls_opts){ctx->server_name, ctx->ca_file, ctx->verify});
        else
            host_tcp_connect(vm->host, op, a->ip, ctx->port, ctx->timeout_ms, ctx->nodelay);
        break;
    case K_LISTEN:
        host_listen(vm->host, op, a->ip, ctx->port,
                    &(host_listen_opts){ctx->backlog, ctx->reuse, ctx->reuse_port, ctx->cert_file, ctx->key_file});
        break;
    case K_BIND: host_udp_bind(vm->host, op, a->ip, ctx->port, ctx->reuse); break;
    default: {
        Buffer *b = (Buffer *)keep;
        host_udp_send(vm->host, op, ctx->sock->handle, b->data, b->len, a->ip, ctx->port);
        break;
    }
    }
}

/* Starts the operation on the next resolved address, or fails. A resolved
 * address must pass the policy too, so a permitted name cannot lead to a
 * forbidden address: a name the allow list gives allows the addresses it
 * resolves to for this operation (as Deno does), and the deny list still
 * wins over them. */
static void act_next(VM *vm, Fiber *f, NetCtx *ctx, Obj *keep, Obj *keep2) {
    if (ctx->next >= ctx->naddrs) {
        finish_fail(vm, f, ctx, ctx->last_status ? ctx->last_status : HOST_ENOTFOUND);
        return;
    }
    host_addr *a = &ctx->addrs[ctx->next++];
    int verdict;
    if (strcmp(a->ip, ctx->host) == 0) verdict = NET_ALLOWED;
    else if (ctx->name_listed)
        verdict = net_deny_matches(vm, policy_op(ctx->kind), a->ip, ctx->port) ? NET_DENIED : NET_ALLOWED;
    else verdict = net_verdict(vm, policy_op(ctx->kind), a->ip, ctx->port);
    if (verdict == NET_DENIED) {
        vm_resume_throw(vm, f, vm_take_exception(vm));
        ctx_free(ctx);
    } else if (verdict == NET_ASK) {
        ask(vm, f, ctx, a->ip, keep, keep2);
    } else {
        act_on(vm, f, ctx, a, keep, keep2);
    }
}

static void ask_done(VM *vm, PendingOp *op, int status, int64_t value) {
    (void)value;
    NetCtx *ctx = op->data;
    const char *asked = ctx->resolved ? ctx->addrs[ctx->next - 1].ip : ctx->host;
    if (status != 0) {
        net_resume_denied(vm, op->fiber, policy_op(ctx->kind), asked, ctx->port);
        ctx_free(ctx);
    } else if (ctx->resolved) {
        act_on(vm, op->fiber, ctx, &ctx->addrs[ctx->next - 1], op->keep[0], op->keep[1]);
    } else {
        resolve(vm, op->fiber, ctx, op->keep[0], op->keep[1]);
    }
}

static void resolve_done(VM *vm, PendingOp *op, int status, int64_t value) {
    NetCtx *ctx = op->data;
    if (status != 0) {
        finish_fail(vm, op->fiber, ctx, status);
        return;
    }
    (void)value;
    ctx->naddrs = host_resolve_take(vm->host, op->id, ctx->addrs, 16);
    if (ctx->naddrs <= 0) {
        finish_fail(vm, op->fiber, ctx, HOST_ENOTFOUND);
        return;
    }
    if (ctx->kind == K_RESOLVE) {
        List *l = list_new(vm, (uint32_t)ctx->naddrs);
        for (int i = 0; i < ctx->naddrs; i++) {
            ctx->addrs[i].port = ctx->port;
            list_push(vm, l, net_address(vm, &ctx->addrs[i], true));
        }
        vm_resume(vm, op->fiber, v_obj(l));
        ctx_free(ctx);
        return;
    }
    ctx->next = 0;
    ctx->resolved = true;
    act_next(vm, op->fiber, ctx, op->keep[0], op->keep[1]);
}

static void act_done(VM *vm, PendingOp *op, int status, int64_t value) {
    NetCtx *ctx = op->data;
    if (status != 0) {
        ctx->last_status = status;
        /* a refused or unreachable address: try the next one (not after a
         * timeout, nor after a TLS failure: the next address would serve
         * the same certificate) */
        if (ctx->kind == K_CONNECT && status != HOST_ETIMEDOUT && status > HOST_ETLS && ctx->next < ctx->naddrs) {
            act_next(vm, op->fiber, ctx, op->keep[0], op->keep[1]);
            return;
        }
        finish_fail(vm, op->fiber, ctx, status);
        return;
    }
    NetModule *m = mod(vm);
    Value result;
    switch (ctx->kind) {
    case K_CONNECT: result = net_sock_new(vm, m->tcp_socket, (int)value, NET_TCP); break;
    case K_LISTEN: result = net_sock_new(vm, m->tcp_server, (int)value, NET_SERVER); break;
    case K_BIND: result = net_sock_new(vm, m->udp_socket, (int)value, NET_UDP); break;
    default: result = V_VOID; break;
    }
    ctx_free(ctx);
    vm_resume(vm, op->fiber, result);
}

static NetCtx *ctx_new(int kind) {
    NetCtx *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->kind = kind;
    return c;
}

/* ---- Net statics ---- */

static NativeResult caps_result(VM *vm, unsigned need, Value *out) {
    *out = v_bool((host_caps(vm->host) & need) == need);
    return NR_OK;
}

static NativeResult n_supported(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self; (void)argc; (void)argv;
    *out = v_bool(host_caps(vm->host) != 0);
    return NR_OK;
}
static NativeResult n_tcp(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self; (void)argc; (void)argv;
    return caps_result(vm, HOST_CAP_TCP, out);
}
static NativeResult n_tcp_server(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self; (void)argc; (void)argv;
    return caps_result(vm, HOST_CAP_TCP_SERVER, out);
}
static NativeResult n_udp(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self; (void)argc; (void)argv;
    return caps_result(vm, HOST_CAP_UDP, out);
}

static NativeResult need(VM *vm, unsigned cap, const char *fn) {
    if ((host_caps(vm->host) & cap) == cap) return NR_OK;
    return vm_throw(vm, vm->c.illegal_operation, "%s failed: raw sockets are not available %s", fn, host_where(vm->host));
}

/* An extension the host may lack (TLS, reusePort): the message says what
 * is missing and, where the host knows, what would provide it. */
static NativeResult need_ext(VM *vm, unsigned cap, const char *fn, const char *what) {
    if ((host_caps(vm->host) & cap) == cap) return NR_OK;
    const char *why = host_missing(vm->host, cap);
    if (why) return vm_throw(vm, vm->c.illegal_operation, "%s failed: %s is not available: %s", fn, what, why);
    return vm_throw(vm, vm->c.illegal_operation, "%s failed: %s is not available %s", fn, what, host_where(vm->host));
}

static NativeResult n_tls(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self; (void)argc; (void)argv;
    return caps_result(vm, HOST_CAP_TLS, out);
}
static NativeResult n_reuse_port(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self; (void)argc; (void)argv;
    return caps_result(vm, HOST_CAP_REUSE_PORT, out);
}

/* An optional String argument, copied (NULL when absent). */
static bool str_arg(VM *vm, Value v, const char *fn, const char *name, bool required, char **out) {
    *out = NULL;
    if (IS_NULL(v) || IS_UNSET(v)) {
        if (required) vm_throw(vm, vm->c.illegal_argument, "%s: %s is required", fn, name);
        return !required;
    }
    if (!IS_OT(v, OT_STRING) || ((String *)v.as.o)->len == 0) {
        vm_throw(vm, vm->c.illegal_argument, "%s: %s must be a non-empty String, got %s", fn, name, v_type_name(vm, v));
        return false;
    }
    String *s = (String *)v.as.o;
    if (memchr(s->data, 0, s->len)) {
        vm_throw(vm, vm->c.illegal_argument, "%s: %s must not contain NUL characters", fn, name);
        return false;
    }
    *out = malloc(s->len + 1);
    if (!*out) abort();
    memcpy(*out, s->data, s->len + 1);
    return true;
}

static NativeResult n_resolve(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    (void)out;
    if (arg_count(vm, argc, 2, 2, "resolve") != NR_OK) return NR_ERR;
    NetCtx *ctx = ctx_new(K_RESOLVE);
    if (!host_arg(vm, argv[0], "resolve", "", ctx->host) || !port_arg(vm, argv[1], "resolve", &ctx->port) ||
        need(vm, HOST_CAP_RESOLVE, "resolve") != NR_OK) {
        ctx_free(ctx);
        return NR_ERR;
    }
    return start(vm, ctx, NULL, NULL);
}

/* host, port, timeoutMillis, noDelay: what tcpConnect and tlsConnect share. */
static bool connect_args(VM *vm, int argc, Value *argv, const char *fn, NetCtx *ctx) {
    Value t = arg_or(argc, argv, 2);
    if (!host_arg(vm, argv[0], fn, "", ctx->host) || !port_arg(vm, argv[1], fn, &ctx->port) ||
        !bool_arg(vm, arg_or(argc, argv, 3), fn, "noDelay", true, &ctx->nodelay))
        return false;
    if (!IS_NULL(t) && !IS_UNSET(t)) {
        if (!IS_INT(t) || t.as.i <= 0) {
            vm_throw(vm, vm->c.illegal_argument, "%s: timeoutMillis must be a positive Int or null", fn);
            return false;
        }
        ctx->timeout_ms = t.as.i;
    }
    return need(vm, HOST_CAP_TCP, fn) == NR_OK;
}

static NativeResult n_connect(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    (void)out;
    if (arg_count(vm, argc, 2, 4, "tcpConnect") != NR_OK) return NR_ERR;
    NetCtx *ctx = ctx_new(K_CONNECT);
    if (!connect_args(vm, argc, argv, "tcpConnect", ctx)) {
        ctx_free(ctx);
        return NR_ERR;
    }
    return start(vm, ctx, NULL, NULL);
}

/* tlsConnect(host, port, timeoutMillis, noDelay, serverName = host,
 * caFile = null, verify = true) */
static NativeResult n_tls_connect(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    (void)out;
    if (arg_count(vm, argc, 2, 7, "tlsConnect") != NR_OK) return NR_ERR;
    NetCtx *ctx = ctx_new(K_CONNECT);
    ctx->tls = true;
    if (!connect_args(vm, argc, argv, "tlsConnect", ctx) ||
        !str_arg(vm, arg_or(argc, argv, 4), "tlsConnect", "serverName", false, &ctx->server_name) ||
        !str_arg(vm, arg_or(argc, argv, 5), "tlsConnect", "caFile", false, &ctx->ca_file) ||
        !bool_arg(vm, arg_or(argc, argv, 6), "tlsConnect", "verify", true, &ctx->verify) ||
        need_ext(vm, HOST_CAP_TLS, "tlsConnect", "TLS") != NR_OK) {
        ctx_free(ctx);
        return NR_ERR;
    }
    if (!ctx->server_name) {
        ctx->server_name = strdup(ctx->host);
        if (!ctx->server_name) abort();
    }
    return start(vm, ctx, NULL, NULL);
}

/* port, host, backlog, reuseAddress, reusePort at the given positions:
 * what tcpListen and tlsListen share. */
static bool listen_args(VM *vm, int argc, Value *argv, const char *fn, const int at[5], NetCtx *ctx) {
    Value b = arg_or(argc, argv, at[2]);
    ctx->backlog = 128;
    if (!port_arg(vm, argv[at[0]], fn, &ctx->port) || !host_arg(vm, arg_or(argc, argv, at[1]), fn, "0.0.0.0", ctx->host) ||
        !bool_arg(vm, arg_or(argc, argv, at[3]), fn, "reuseAddress", true, &ctx->reuse) ||
        !bool_arg(vm, arg_or(argc, argv, at[4]), fn, "reusePort", false, &ctx->reuse_port))
        return false;
    if (!IS_NULL(b) && !IS_UNSET(b)) {
        if (!IS_INT(b) || b.as.i <= 0 || b.as.i > 65535) {
            vm_throw(vm, vm->c.illegal_argument, "%s: backlog must be in 1..65535", fn);
            return false;
        }
        ctx->backlog = (int)b.as.i;
    }
    if (need(vm, HOST_CAP_TCP_SERVER, fn) != NR_OK) return false;
    return !ctx->reuse_port || need_ext(vm, HOST_CAP_REUSE_PORT, fn, "reusePort") == NR_OK;
}

/* tcpListen(port, host, backlog, reuseAddress, reusePort = false) */
static NativeResult n_listen(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    (void)out;
    if (arg_count(vm, argc, 1, 5, "tcpListen") != NR_OK) return NR_ERR;
    NetCtx *ctx = ctx_new(K_LISTEN);
    if (!listen_args(vm, argc, argv, "tcpListen", (const int[5]){0, 1, 2, 3, 4}, ctx)) {
        ctx_free(ctx);
        return NR_ERR;
    }
    return start(vm, ctx, NULL, NULL);
}

/* tlsListen(port, host, certFile, keyFile, backlog, reuseAddress, reusePort) */
static NativeResult n_tls_listen(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    (void)out;
    if (arg_count(vm, argc, 1, 7, "tlsListen") != NR_OK) return NR_ERR;
    NetCtx *ctx = ctx_new(K_LISTEN);
    ctx->tls = true;
    if (!listen_args(vm, argc, argv, "tlsListen", (const int[5]){0, 1, 4, 5, 6}, ctx) ||
        !str_arg(vm, arg_or(argc, argv, 2), "tlsListen", "certFile", true, &ctx->cert_file) ||
        !str_arg(vm, arg_or(argc, argv, 3), "tlsListen", "keyFile", true, &ctx->key_file) ||
        need_ext(vm, HOST_CAP_TLS, "tlsListen", "TLS") != NR_OK) {
        ctx_free(ctx);
        return NR_ERR;
    }
    return start(vm, ctx, NULL, NULL);
}

static NativeResult n_bind(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)self;
    (void)out;
    if (arg_count(vm, argc, 0, 3, "udpBind") != NR_OK) return NR_ERR;
    NetCtx *ctx = ctx_new(K_BIND);
    if (argc > 0 && !IS_NULL(argv[0]) && !port_arg(vm, argv[0], "udpBind", &ctx->port)) goto fail;
    if (!host_arg(vm, arg_or(argc, argv, 1), "udpBind", "0.0.0.0", ctx->host) ||
        !bool_arg(vm, arg_or(argc, argv, 2), "udpBind", "reuseAddress", true, &ctx->reuse))
        goto fail;
    if (need(vm, HOST_CAP_UDP, "udpBind") != NR_OK) goto fail;
    return start(vm, ctx, NULL, NULL);
fail:
    ctx_free(ctx);
    return NR_ERR;
}

enum { SEND_DONE, SEND_FAILED, SEND_CHAIN };

/* A datagram to an address in canonical form that the lists allow goes out
 * at once when the host takes it: the steps the chain would take (start,
 * resolve, act_next, act_on), without its state and without suspending the
 * fiber. SEND_CHAIN leaves everything else to the chain: names, the
 * embedder's hook, a host that wants an op. */
static int send_at_once(VM *vm, NetSock *s, Buffer *b, const char *host, int port) {
    NetUdp *u = s->udp;
    if (!u || strcmp(u->dest, host) != 0) {
        host_addr a;
        if (!canonical_ip(host, &a)) return SEND_CHAIN;
        if (u) {
            memcpy(u->dest, a.ip, sizeof u->dest); /* a.ip is host: canonical */
            u->allowed_port = 0;
        }
    }
    if (!u || u->allowed_port != port + 1 || u->allowed_gen != vm->net_policy_gen) {
        int verdict = net_verdict(vm, policy_op(K_SEND), host, port);
        if (verdict == NET_DENIED) return SEND_FAILED;
        if (verdict != NET_ALLOWED) return SEND_CHAIN;
        if (u) {
            u->allowed_port = port + 1;
            u->allowed_gen = vm->net_policy_gen;
        }
    }
    return host_udp_send_now(vm->host, s->handle, b->data, b->len, host, port) ? SEND_DONE : SEND_CHAIN;
}

static NativeResult udp_send(VM *vm, Value self, int argc, Value *argv, Value *out) {
    if (arg_count(vm, argc, 3, 3, "send") != NR_OK) return NR_ERR;
    if (!IS_OT(argv[0], OT_BUFFER)) return vm_throw(vm, vm->c.illegal_argument, "send: data must be a Buffer, got %s", v_type_name(vm, argv[0]));
    NetSock *s = net_sock_of(self);
    if (!s || !s->open) return vm_throw(vm, vm->c.illegal_operation, "send failed: the socket is closed");
    char host[256];
    int port;
    if (!host_arg(vm, argv[1], "send", "", host) || !port_arg(vm, argv[2], "send", &port)) return NR_ERR;
    Buffer *b = (Buffer *)argv[0].as.o;
    if (b->len > 65507) return vm_throw(vm, vm->c.illegal_argument, "send: a datagram holds at most 65507 bytes");
    switch (send_at_once(vm, s, b, host, port)) {
    case SEND_DONE: *out = V_VOID; return NR_OK;
    case SEND_FAILED: return NR_ERR;
    default: break;
    }
    NetCtx *ctx = ctx_new(K_SEND);
    ctx->sock = s;
    memcpy(ctx->host, host, sizeof host);
    ctx->port = port;
    /* keep the Buffer alive; the socket stays alive through the fiber */
    return start(vm, ctx, argv[0].as.o, self.as.o);
}

/* ---- NetAccessOp values ---- */

static NativeResult access_op_ctor(VM *vm, Value self, int argc, Value *argv, Value *out) {
    Class *cls = (Class *)self.as.o;
    bool listen = strcmp(cls->name->data, "TcpListen") == 0;
    if (arg_count(vm, argc, 2, listen ? 3 : 2, cls->name->data) != NR_OK) return NR_ERR;
    Instance *in = instance_new(vm, cls);
    map_put_str(vm, in->fields, "host", argv[0]);
    map_put_str(vm, in->fields, "port", argv[1]);
    if (listen) map_put_str(vm, in->fields, "backlog", argc > 2 ? argv[2] : v_int(128));
    *out = v_obj(in);
    return NR_OK;
}

static NativeResult permit_all_check(VM *vm, Value self, int argc, Value *argv, Value *out) {
    (void)vm; (void)self; (void)argc; (void)argv;
    *out = V_TRUE;
    return NR_OK;
}

static Class *sub(VM *vm, Map *exports, const char *name, Class *super) {
    Class *c = class_new(vm, name, super);
    map_put_str(vm, exports, name, v_obj(c));
    return c;
}

static Value ip_version(VM *vm, Class *cls, const char *name) {
    Instance *in = instance_new(vm, cls);
    map_put_str(vm, in->fields, "name", v_obj(str_cstr(vm, name)));
    return v_obj(in);
}

static void net_init(lyng_vm *vm, void *exports_map) {
    Map *ex = exports_map;
    NetModule *m = vm->net;
    m->net = sub(vm, ex, "Net", vm->c.any);
    m->socket_address = sub(vm, ex, "SocketAddress", vm->c.any);
    m->ip_version = sub(vm, ex, "IpVersion", vm->c.any);
    m->tcp_socket = sub(vm, ex, "TcpSocket", vm->c.any);
    m->tcp_server = sub(vm, ex, "TcpServer", vm->c.any);
    m->udp_socket = sub(vm, ex, "UdpSocket", vm->c.any);
    m->datagram = sub(vm, ex, "Datagram", vm->c.any);
    m->key_data = str_intern(vm, "data", 4);
    m->key_address = str_intern(vm, "address", 7);
    m->access_op = sub(vm, ex, "NetAccessOp", vm->c.any);
    m->access_policy = sub(vm, ex, "NetAccessPolicy", vm->c.any);
    m->ipv4 = ip_version(vm, m->ip_version, "IPV4");
    m->ipv6 = ip_version(vm, m->ip_version, "IPV6");
    map_put_str(vm, m->ip_version->statics, "IPV4", m->ipv4);
    map_put_str(vm, m->ip_version->statics, "IPV6", m->ipv6);
    /* keep the module's values alive through the class objects */
    vm_def_static(vm, m->net, "isSupported", n_supported);
    vm_def_static(vm, m->net, "isTcpAvailable", n_tcp);
    vm_def_static(vm, m->net, "isTcpServerAvailable", n_tcp_server);
    vm_def_static(vm, m->net, "isUdpAvailable", n_udp);
    vm_def_static(vm, m->net, "resolve", n_resolve)->params = "host,port";
    vm_def_static(vm, m->net, "tcpConnect", n_connect)->params = "host,port,timeoutMillis,noDelay";
    vm_def_static(vm, m->net, "tcpListen", n_listen)->params = "port,host,backlog,reuseAddress,reusePort";
    vm_def_static(vm, m->net, "isTlsAvailable", n_tls);
    vm_def_static(vm, m->net, "isReusePortAvailable", n_reuse_port);
    vm_def_static(vm, m->net, "tlsConnect", n_tls_connect)->params =
        "host,port,timeoutMillis,noDelay,serverName,caFile,verify";
    vm_def_static(vm, m->net, "tlsListen", n_tls_listen)->params =
        "port,host,certFile,keyFile,backlog,reuseAddress,reusePort";
    vm_def_static(vm, m->net, "udpBind", n_bind)->params = "port,host,reuseAddress";
    vm_def_method(vm, m->udp_socket, "send", udp_send)->params = "data,host,port";
    for (int kind = K_RESOLVE; kind <= K_SEND; kind++) {
        Class *c = class_new(vm, policy_op(kind), m->access_op);
        c->ctor = access_op_ctor;
        map_put_str(vm, m->access_op->statics, policy_op(kind), v_obj(c));
    }
    Instance *permit = instance_new(vm, m->access_policy);
    Class *permit_cls = class_new(vm, "PermitAllNetAccessPolicy", m->access_policy);
    permit->h.cls = permit_cls;
    vm_def_method(vm, permit_cls, "check", permit_all_check);
    map_put_str(vm, ex, "PermitAllNetAccessPolicy", v_obj(permit));
    net_sockets_init(vm, m);
    net_write_init(vm, m);
}

void lyng_net_register(lyng_vm *vm) {
    if (!vm->net) {
        vm->net = calloc(1, sizeof(NetModule));
        if (!vm->net) abort();
    }
    lyng_register_module(vm, "lyng.io.net", net_init);
}

/* wasi_resolve.c - host_resolve over wasi:sockets/ip-name-lookup: the
 * lookup's address stream is drained as addresses arrive, and the op
 * completes when the stream ends. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "../../wasi/abi/sockets_ip_name_lookup.h"
#include "wasi_internal.h"

#define MAX_ADDRS 64

void host_resolve(host *h, uint32_t op, const char *name) {
    char buf[256];
    name = host_unbracket(name, buf, sizeof buf);
    size_t n = strlen(name);
    if (n == 0) {
        host_push_done(h, op, HOST_ENOTFOUND, 0);
        return;
    }
    wasi_ret r;
    wasi_resolve_addresses(wasi_network(h), name, (int32_t)n, &r);
    if (wasi_u8(&r, 0)) {
        int code = wasi_u8(&r, 4);
        /* an invalid name is one that does not resolve, as elsewhere */
        host_push_done(h, op, code == WASI_NET_INVALID_ARGUMENT ? HOST_ENOTFOUND : wasi_net_error(code), 0);
        return;
    }
    int32_t stream = (int32_t)wasi_u32(&r, 4);
    host_backend *b = h->backend;
    if (b->nlookups == b->lookups_cap) {
        b->lookups_cap = b->lookups_cap ? b->lookups_cap * 2 : 8;
        b->lookups = host_xrealloc(b->lookups, b->lookups_cap * sizeof *b->lookups);
    }
    b->lookups[b->nlookups++] = (wasi_lookup){.op = op, .stream = stream, .pollable = wasi_resolve_subscribe(stream)};
    host_pending_add(h, 1);
}

void wasi_lookup_end(host *h, wasi_lookup *l) {
    if (l->pollable) wasi_pollable_drop(l->pollable);
    if (l->stream) wasi_resolve_drop(l->stream);
    free(l->addrs);
    *l = (wasi_lookup){0};
    host_pending_add(h, -1);
}

static void add_address(wasi_lookup *w, const wasi_ret *r) {
    if (w->naddrs == MAX_ADDRS) return;
    host_addr a = {.port = 0};
    if (wasi_u8(r, 4) == 0) {
        a.family = 4;
        inet_ntop(AF_INET, &r->b[6], a.ip, sizeof a.ip);
    } else {
        uint8_t v6[16];
        for (int i = 0; i < 8; i++) {
            uint16_t g = wasi_u16(r, 6 + 2 * i);
            v6[2 * i] = (uint8_t)(g >> 8);
            v6[2 * i + 1] = (uint8_t)g;
        }
        a.family = 6;
        inet_ntop(AF_INET6, v6, a.ip, sizeof a.ip);
    }
    w->addrs = host_xrealloc(w->addrs, sizeof(host_addr) * (size_t)(w->naddrs + 1));
    w->addrs[w->naddrs++] = a;
}

step_result wasi_step_lookup(host *h, wasi_lookup *w) {
    for (int i = 0; i < 2 * MAX_ADDRS; i++) {
        wasi_ret r;
        wasi_resolve_next(w->stream, &r);
        if (wasi_u8(&r, 0)) {
            int code = wasi_u8(&r, 2);
            if (code == WASI_NET_WOULD_BLOCK) return STEP_WAIT;
            host_push_done(h, w->op, wasi_net_error(code), 0);
            return STEP_DONE;
        }
        if (wasi_u8(&r, 2) == 0) break; /* none: the stream ended */
        add_address(w, &r);
    }
    if (w->naddrs == 0) {
        host_push_done(h, w->op, HOST_ENOTFOUND, 0);
    } else {
        addr_results_add(&h->results, w->op, w->addrs, w->naddrs);
        host_push_done(h, w->op, 0, w->naddrs);
        w->addrs = NULL;
    }
    return STEP_DONE;
}

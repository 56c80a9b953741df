/* policy.c - the network access policy. Every lyng.io.net operation is
 * checked here before the host sees it. Without an allow list every
 * operation is denied; deny entries win over allow entries. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "net_internal.h"

static char *dup_or_null(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (!d) abort();
    memcpy(d, s, n + 1);
    return d;
}

void lyng_net_set_policy(lyng_vm *vm, const char *allow, const char *deny) {
    free(vm->net_allow);
    free(vm->net_deny);
    vm->net_allow = dup_or_null(allow);
    vm->net_deny = dup_or_null(deny);
    vm->net_policy_gen++;
}

void lyng_net_set_embedded(lyng_vm *vm, bool embedded) { vm->net_embedded = embedded; }

static bool same_host(const char *a, size_t alen, const char *b) {
    if (strlen(b) != alen) return false;
    for (size_t i = 0; i < alen; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) return false;
    return true;
}

/* A port as strtol(p, NULL, 10) reads it, for matching: beyond 99999 it
 * stops growing, as it then matches no port anyway. By hand: strtol cost
 * lyng.wasm 0.2 KiB of gzip. */
static long entry_port(const char *p) {
    while (isspace((unsigned char)*p)) p++;
    bool neg = *p == '-';
    if (*p == '+' || *p == '-') p++;
    long v = 0;
    for (; *p >= '0' && *p <= '9'; p++)
        if (v < 100000) v = v * 10 + (*p - '0');
    return neg ? -v : v;
}

/* Does one entry ("*", "host", "host:port", "[v6]", "[v6]:port") match? */
static bool entry_matches(const char *e, size_t len, const char *host, int port) {
    while (len && isspace((unsigned char)*e)) { e++; len--; }
    while (len && isspace((unsigned char)e[len - 1])) len--;
    if (len == 0) return false;
    if (len == 1 && *e == '*') return true;
    const char *h = e;
    size_t hlen = len;
    long want_port = -1;
    if (*e == '[') {
        const char *close = memchr(e, ']', len);
        if (!close) return false;
        h = e + 1;
        hlen = (size_t)(close - h);
        if ((size_t)(close - e) + 1 < len && close[1] == ':') want_port = entry_port(close + 2);
    } else {
        const char *colon = memchr(e, ':', len);
        /* one colon: host:port; several: a bare IPv6 address */
        if (colon && !memchr(colon + 1, ':', len - (size_t)(colon - e) - 1)) {
            hlen = (size_t)(colon - e);
            want_port = entry_port(colon + 1);
        }
    }
    if (!(hlen == 1 && *h == '*') && !same_host(h, hlen, host)) return false;
    return want_port < 0 || want_port == port;
}

static bool list_matches(const char *list, const char *host, int port) {
    if (!list) return false;
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (entry_matches(p, len, host, port)) return true;
        if (!comma) return false;
        p = comma + 1;
    }
}

void lyng_net_set_policy_hook(lyng_vm *vm, lyng_net_ask_fn ask, void *ud) {
    vm->net_ask = ask;
    vm->net_ask_ud = ud;
}

/* "host" or "[v6]" as messages print it */
#define HOST_FMT "%s%s%s"
#define HOST_ARGS(h) strchr(h, ':') ? "[" : "", h, strchr(h, ':') ? "]" : ""

bool net_deny_matches(VM *vm, const char *op, const char *host, int port);

int net_verdict(VM *vm, const char *op, const char *host, int port) {
    if (net_deny_matches(vm, op, host, port)) return NET_DENIED;
    if (list_matches(vm->net_allow, host, port)) return NET_ALLOWED;
    if (vm->net_ask) return NET_ASK;
    if (vm->net_embedded)
        vm_throw(vm, vm->c.illegal_operation,
                 "network access denied: %s(" HOST_FMT ", %d); allow it with the net option of createLyng, "
                 "e.g. net: ['" HOST_FMT "']",
                 op, HOST_ARGS(host), port, HOST_ARGS(host));
    else
        vm_throw(vm, vm->c.illegal_operation,
                 "network access denied: %s(" HOST_FMT ", %d); run with --allow-net or --allow-net=" HOST_FMT
                 " to allow it",
                 op, HOST_ARGS(host), port, HOST_ARGS(host));
    return NET_DENIED;
}

bool net_deny_matches(VM *vm, const char *op, const char *host, int port) {
    if (!list_matches(vm->net_deny, host, port)) return false;
    vm_throw(vm, vm->c.illegal_operation, "network access denied: %s(" HOST_FMT ", %d) matches %s", op,
             HOST_ARGS(host), port, vm->net_embedded ? "the deny list of the net option" : "--deny-net");
    return true;
}

bool net_allow_lists(VM *vm, const char *host, int port) { return list_matches(vm->net_allow, host, port); }

void net_resume_denied(VM *vm, Fiber *f, const char *op, const char *host, int port) {
    vm_throw(vm, vm->c.illegal_operation, "network access denied: %s(" HOST_FMT ", %d) by the embedder's policy", op,
             HOST_ARGS(host), port);
    vm_resume_throw(vm, f, vm_take_exception(vm));
}

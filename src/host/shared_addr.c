/* shared_addr.c - numeric addresses and per-op address results, shared by
 * the socket backends (see shared.h). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "shared.h"

const char *host_unbracket(const char *s, char *buf, size_t cap) {
    size_t n = strlen(s);
    if (n < 2 || s[0] != '[' || s[n - 1] != ']' || n - 2 >= cap) return s;
    memcpy(buf, s + 1, n - 2);
    buf[n - 2] = 0;
    return buf;
}

bool host_ip_bytes(const char *ip, uint8_t bytes[16], int *family) {
    if (inet_pton(AF_INET, ip, bytes) == 1) {
        *family = 4;
        return true;
    }
    char buf[64];
    if (inet_pton(AF_INET6, host_unbracket(ip, buf, sizeof buf), bytes) != 1) return false;
    *family = 6;
    return true;
}

void addr_results_add(addr_results *r, uint32_t op, host_addr *addrs, int n) {
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 8;
        r->items = realloc(r->items, r->cap * sizeof *r->items);
        if (!r->items) abort();
    }
    r->items[r->n++] = (addr_result){op, n, addrs};
}

int addr_results_take(addr_results *r, uint32_t op, host_addr *out, int max) {
    for (size_t i = 0; i < r->n; i++) {
        addr_result a = r->items[i];
        if (a.op != op) continue;
        r->items[i] = r->items[--r->n];
        int n = a.n < max ? a.n : max;
        if (n > 0) memcpy(out, a.addrs, sizeof(host_addr) * (size_t)n);
        free(a.addrs);
        return n;
    }
    return -1;
}

void addr_results_free(addr_results *r) {
    for (size_t i = 0; i < r->n; i++) free(r->items[i].addrs);
    free(r->items);
    r->items = NULL;
    r->n = r->cap = 0;
}

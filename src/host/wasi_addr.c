/* wasi_addr.c - socket addresses between the text form of host.h
 * ("127.0.0.1", "::1", port) and the ip-socket-address of wasi:sockets.
 * Parsing uses inet_pton from wasi-libc, which needs no system support. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "wasi_internal.h"

bool wasi_parse_ip(const char *ip, int port, wasi_sockaddr *out, int *family) {
    memset(out, 0, sizeof *out);
    uint8_t bytes[16];
    if (port < 0 || port > 65535 || !host_ip_bytes(ip, bytes, family)) return false;
    out->v[1] = port;
    if (*family == 4) {
        out->v[0] = 0;
        for (int i = 0; i < 4; i++) out->v[2 + i] = bytes[i];
    } else {
        out->v[0] = 1;
        out->v[2] = 0; /* flow-info */
        for (int i = 0; i < 8; i++) out->v[3 + i] = bytes[2 * i] << 8 | bytes[2 * i + 1];
        out->v[11] = 0; /* scope-id */
    }
    return true;
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v), put16(p + 2, v >> 16); }

void wasi_read_sockaddr(const uint8_t *mem, host_addr *out) {
    memset(out, 0, sizeof *out);
    out->port = get16(mem + 4);
    if (mem[0] == 0) {
        out->family = 4;
        inet_ntop(AF_INET, mem + 6, out->ip, sizeof out->ip);
    } else {
        uint8_t v6[16];
        for (int i = 0; i < 8; i++) {
            uint16_t g = get16(mem + 12 + 2 * i);
            v6[2 * i] = (uint8_t)(g >> 8);
            v6[2 * i + 1] = (uint8_t)g;
        }
        out->family = 6;
        inet_ntop(AF_INET6, v6, out->ip, sizeof out->ip);
    }
}

void wasi_write_sockaddr(const wasi_sockaddr *a, uint8_t *mem) {
    memset(mem, 0, 32);
    mem[0] = (uint8_t)a->v[0];
    put16(mem + 4, (uint32_t)a->v[1]);
    if (a->v[0] == 0) {
        for (int i = 0; i < 4; i++) mem[6 + i] = (uint8_t)a->v[2 + i];
    } else {
        put32(mem + 8, (uint32_t)a->v[2]);
        for (int i = 0; i < 8; i++) put16(mem + 12 + 2 * i, (uint32_t)a->v[3 + i]);
        put32(mem + 28, (uint32_t)a->v[11]);
    }
}

/* js_net.c - the socket half of the wasm host backend: each host_* socket
 * call forwards to an import of the `lyng_host` module, implemented by
 * js-shim/node_net.mjs over Node's net, dgram and dns (or refused by the
 * browser host). Completions come back through lyng_complete. Addresses
 * cross as short text records "family ip port". */
#include <stdlib.h>
#include <string.h>

#include "host.h"

#define IMPORT(name) __attribute__((import_module("lyng_host"), import_name(name)))

IMPORT("resolve") void js_resolve(void *vm, uint32_t op, const char *name, uint32_t len);
IMPORT("resolve_take") int js_resolve_take(void *vm, uint32_t op, char *out, uint32_t cap);
IMPORT("tcp_connect") void js_tcp_connect(void *vm, uint32_t op, const char *ip, uint32_t len, int port, double timeout_ms, int nodelay);
IMPORT("tcp_listen") void js_tcp_listen(void *vm, uint32_t op, const char *ip, uint32_t len, int port, int backlog, int reuse, int reuse_port);
IMPORT("tls_listen") void js_tls_listen(void *vm, uint32_t op, const char *ip, uint32_t len, int port, int backlog, int reuse, int reuse_port,
                                        const char *cert, uint32_t cert_len, const char *key, uint32_t key_len);
IMPORT("tls_connect") void js_tls_connect(void *vm, uint32_t op, const char *ip, uint32_t len, int port, double timeout_ms, int nodelay,
                                          const char *name, uint32_t name_len, const char *ca, uint32_t ca_len, int verify);
IMPORT("tcp_accept") void js_tcp_accept(void *vm, uint32_t op, int handle);
IMPORT("read") void js_read(void *vm, uint32_t op, int handle, uint8_t *buf, uint32_t max);
IMPORT("read_take") uint32_t js_read_take(void *vm, int handle, uint8_t *buf, uint32_t len);
IMPORT("write") void js_write(void *vm, uint32_t op, int handle, const uint8_t *buf, uint32_t len);
IMPORT("write_now") int js_write_now(void *vm, int handle, const uint8_t *buf, uint32_t len);
IMPORT("close") void js_close(void *vm, int handle);
IMPORT("addr") int js_addr(void *vm, int handle, int remote, char *out, uint32_t cap);
IMPORT("udp_bind") void js_udp_bind(void *vm, uint32_t op, const char *ip, uint32_t len, int port, int reuse);
IMPORT("udp_send") void js_udp_send(void *vm, uint32_t op, int handle, const uint8_t *buf, uint32_t len, const char *ip, uint32_t iplen, int port);
IMPORT("udp_send_now") int js_udp_send_now(void *vm, int handle, const uint8_t *buf, uint32_t len, const char *ip, uint32_t iplen, int port);
IMPORT("udp_recv") void js_udp_recv(void *vm, uint32_t op, int handle, uint8_t *buf, uint32_t max);
IMPORT("udp_sender") int js_udp_sender(void *vm, uint32_t op, char *out, uint32_t cap);

/* the VM pointer identifies the instance's host on the JS side */
lyng_vm *host_vm(host *h);

/* "FAMILY IP PORT" as node_net.mjs's addrText writes it. By hand: sscanf
 * brought 4 KB of scanf into the module for this one line. */
static bool parse_addr(const char *s, host_addr *out) {
    if ((s[0] != '4' && s[0] != '6') || s[1] != ' ') return false;
    const char *ip = s + 2, *end = strchr(ip, ' ');
    if (!end || end == ip || (size_t)(end - ip) >= sizeof out->ip) return false;
    int port = 0;
    const char *p = end + 1;
    if (!*p) return false;
    for (; *p >= '0' && *p <= '9'; p++)
        if ((port = port * 10 + (*p - '0')) > 65535) return false;
    if (*p) return false;
    out->family = s[0] - '0';
    out->port = port;
    memcpy(out->ip, ip, (size_t)(end - ip));
    out->ip[end - ip] = 0;
    return true;
}

void host_resolve(host *h, uint32_t op, const char *name) { js_resolve(host_vm(h), op, name, (uint32_t)strlen(name)); }

int host_resolve_take(host *h, uint32_t op, host_addr *out, int max) {
    char buf[2048];
    int n = js_resolve_take(host_vm(h), op, buf, sizeof buf - 1);
    if (n <= 0) return 0;
    buf[n] = 0;
    int count = 0;
    char *line = buf;
    while (line && *line && count < max) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        if (parse_addr(line, &out[count])) count++;
        line = nl ? nl + 1 : NULL;
    }
    return count;
}

void host_tcp_connect(host *h, uint32_t op, const char *ip, int port, int64_t timeout_ms, bool nodelay) {
    js_tcp_connect(host_vm(h), op, ip, (uint32_t)strlen(ip), port, (double)timeout_ms, nodelay);
}

void host_listen(host *h, uint32_t op, const char *ip, int port, const host_listen_opts *o) {
    if (o->cert_file && o->key_file)
        js_tls_listen(host_vm(h), op, ip, (uint32_t)strlen(ip), port, o->backlog, o->reuse_addr, o->reuse_port, o->cert_file,
                      (uint32_t)strlen(o->cert_file), o->key_file, (uint32_t)strlen(o->key_file));
    else
        js_tcp_listen(host_vm(h), op, ip, (uint32_t)strlen(ip), port, o->backlog, o->reuse_addr, o->reuse_port);
}

void host_tls_connect(host *h, uint32_t op, const char *ip, int port, int64_t timeout_ms, bool nodelay,
                      const host_tls_opts *t) {
    const char *name = t->server_name ? t->server_name : ip;
    js_tls_connect(host_vm(h), op, ip, (uint32_t)strlen(ip), port, (double)timeout_ms, nodelay, name, (uint32_t)strlen(name),
                   t->ca_file, t->ca_file ? (uint32_t)strlen(t->ca_file) : 0, t->verify);
}

void host_tcp_accept(host *h, uint32_t op, int handle) { js_tcp_accept(host_vm(h), op, handle); }
void host_read(host *h, uint32_t op, int handle, uint8_t *buf, uint32_t max) { js_read(host_vm(h), op, handle, buf, max); }
/* Node hands over received bytes as Buffers, which JS queues per socket
 * anyway: a read waits without a buffer and copies once the bytes are
 * there. */
bool host_read_deferred(host *h) {
    (void)h;
    return true;
}
uint32_t host_read_take(host *h, int handle, uint8_t *buf, uint32_t len) {
    return js_read_take(host_vm(h), handle, buf, len);
}
#define JS_HOST_ENUM(name, value) JS_##name = value,
enum { LYNG_JS_HOST_MAP(JS_HOST_ENUM) };
#undef JS_HOST_ENUM

/* read_take with no buffer answers with the block's address, or 0. A
 * smaller read (a request, a message) never has one: no call for it. */
uint8_t *host_read_block(host *h, int handle, uint32_t len) {
    if (len < JS_BLOCK_MIN) return NULL;
    return (uint8_t *)(uintptr_t)js_read_take(host_vm(h), handle, NULL, len);
}
void host_write(host *h, uint32_t op, int handle, const uint8_t *buf, uint32_t len) { js_write(host_vm(h), op, handle, buf, len); }
/* Node copies all of them or none. */
uint32_t host_write_now(host *h, int handle, const uint8_t *buf, uint32_t len) {
    return js_write_now(host_vm(h), handle, buf, len) ? len : 0;
}
void host_close(host *h, int handle) { js_close(host_vm(h), handle); }

static int addr_of(host *h, int handle, int remote, host_addr *out) {
    char buf[128];
    int n = js_addr(host_vm(h), handle, remote, buf, sizeof buf - 1);
    if (n < 0) return n;
    buf[n] = 0;
    return parse_addr(buf, out) ? 0 : HOST_EIO;
}

int host_local_addr(host *h, int handle, host_addr *out) { return addr_of(h, handle, 0, out); }
int host_remote_addr(host *h, int handle, host_addr *out) { return addr_of(h, handle, 1, out); }

void host_udp_bind(host *h, uint32_t op, const char *ip, int port, bool reuse_addr) {
    js_udp_bind(host_vm(h), op, ip, (uint32_t)strlen(ip), port, reuse_addr);
}

void host_udp_send(host *h, uint32_t op, int handle, const uint8_t *buf, uint32_t len, const char *ip, int port) {
    js_udp_send(host_vm(h), op, handle, buf, len, ip, (uint32_t)strlen(ip), port);
}

bool host_udp_send_now(host *h, int handle, const uint8_t *buf, uint32_t len, const char *ip, int port) {
    return js_udp_send_now(host_vm(h), handle, buf, len, ip, (uint32_t)strlen(ip), port) != 0;
}

void host_udp_recv(host *h, uint32_t op, int handle, uint8_t *buf, uint32_t max) { js_udp_recv(host_vm(h), op, handle, buf, max); }

/* The sender the JS side reported last, parsed: it answers JS_SAME_SENDER
 * while datagrams keep coming from that peer, so an exchange with one peer
 * crosses no text per datagram. One per instance, as on the JS side. */
static host_addr last_sender;
static bool have_last_sender;

int host_udp_sender(host *h, uint32_t op, host_addr *out) {
    char buf[128];
    int n = js_udp_sender(host_vm(h), op, buf, sizeof buf - 1);
    if (n == JS_SAME_SENDER && have_last_sender) {
        *out = last_sender;
        return 0;
    }
    if (n <= 0) return HOST_EIO;
    buf[n] = 0;
    if (!parse_addr(buf, out)) return HOST_EIO;
    last_sender = *out;
    have_last_sender = true;
    return 0;
}

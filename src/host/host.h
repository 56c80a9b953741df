/* host.h - the proactor interface between the VM and its platform.
 *
 * The core submits an operation tagged with an op id; the host completes it
 * later, exactly once, by calling lyng_complete(vm, op, status, value) from
 * its event loop - never from inside the submitting call. status is 0 on
 * success or a negative errno-style code (HOST_E*). Handles are small
 * integers owned by the host. One backend is linked per build: posix*.c
 * (native, with the poll step of poll_epoll.c or poll_posix.c), js.c (wasm
 * imports) or wasi*.c (with poll_wasi.c); the native and WASI backends
 * share the event core of host_core.h. */
#ifndef LYNG_HOST_H
#define LYNG_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "../include/lyng.h"

typedef struct host host;

/* Error codes (HOST_OK, HOST_ECANCELED, ...), listed in lyng_constants.h
 * with the text host_error_name gives for each. */
#define HOST_ERROR_ENUM(name, value, text) HOST_##name = value,
enum { HOST_OK = 0, LYNG_HOST_ERROR_MAP(HOST_ERROR_ENUM) };
#undef HOST_ERROR_ENUM
const char *host_error_name(int status);

host *host_new(lyng_vm *vm);
void host_free(host *h);

/* Capabilities, for Net.isSupported() and friends (HOST_CAP_TCP, ...). */
#define HOST_CAP_ENUM(name, value) HOST_CAP_##name = value,
enum { LYNG_HOST_CAP_MAP(HOST_CAP_ENUM) };
#undef HOST_CAP_ENUM
unsigned host_caps(host *h);
/* Why a capability is missing, as the end of a sentence ("... is not
 * available: it needs Node 22.12 or later, this is Node 20.19.0"); NULL
 * when the backend has nothing to add to host_where. */
const char *host_missing(host *h, unsigned cap);
/* Where the VM runs, for messages about missing capabilities: "on this
 * platform" unless the backend knows better ("in the browser"). */
const char *host_where(host *h);

/* Completes `op` with status 0 after `ms` milliseconds. */
void host_timer(host *h, uint32_t op, int64_t ms);
/* Cancels a pending op: it then completes with HOST_ECANCELED (still once). */
void host_cancel(host *h, uint32_t op);

/* Monotonic milliseconds, for timeouts. */
int64_t host_now_ms(host *h);

/* ---- sockets (lyng.io.net) ----
 * Addresses cross the interface as numeric text ("127.0.0.1", "::1").
 * Every op completes exactly once; closing a handle completes its pending
 * ops with HOST_ECLOSED. Buffers passed to read/write/send/recv belong to
 * the core and stay valid until the op completes. */
typedef struct host_addr {
    char ip[64];
    int port;
    int family; /* 4 or 6 */
} host_addr;

/* Resolves `name`; completes with value = number of addresses, which are
 * then taken (once) with host_resolve_take. */
void host_resolve(host *h, uint32_t op, const char *name);
int host_resolve_take(host *h, uint32_t op, host_addr *out, int max);

/* Completes with value = the new handle. timeout_ms <= 0: no timeout. */
void host_tcp_connect(host *h, uint32_t op, const char *ip, int port, int64_t timeout_ms, bool nodelay);

/* Extensions beyond upstream's API: a listener that shares its port with
 * other processes (SO_REUSEPORT), and TLS. A TLS listener (cert_file and
 * key_file set) accepts sockets whose reads and writes go through TLS; their
 * handshake runs within the first read or write. A TLS connection completes
 * once its handshake and the certificate checks are done. */
typedef struct host_listen_opts {
    int backlog;
    bool reuse_addr, reuse_port;
    const char *cert_file, *key_file; /* both NULL: plain TCP */
} host_listen_opts;
void host_listen(host *h, uint32_t op, const char *ip, int port, const host_listen_opts *o);

typedef struct host_tls_opts {
    const char *server_name; /* checked against the certificate, sent as SNI */
    const char *ca_file;     /* NULL: the system's trusted certificates */
    bool verify;
} host_tls_opts;
void host_tls_connect(host *h, uint32_t op, const char *ip, int port, int64_t timeout_ms, bool nodelay,
                      const host_tls_opts *t);

void host_tcp_accept(host *h, uint32_t op, int handle);
/* value = bytes read (>= 1), or 0 at end of stream */
void host_read(host *h, uint32_t op, int handle, uint8_t *buf, uint32_t max);
/* A backend that queues received bytes itself (JS) may take reads with no
 * buffer (buf NULL): the op then completes with value = bytes ready (1 to
 * max) or 0 at end of stream, and the core's completion handler copies them
 * out at once with host_read_take, which returns how many it copied. A
 * server with thousands of idle connections then holds no receive buffer
 * per pending read. Backends that read straight into the core's buffer
 * (native, WASI) answer false and never see a NULL buf. */
bool host_read_deferred(host *h);
uint32_t host_read_take(host *h, int handle, uint8_t *buf, uint32_t len);
/* Or, before that: the block of malloc'ed memory of exactly len bytes that
 * holds the next len bytes, when the backend received them into one (JS,
 * bulk reads); the caller owns it. NULL: none, take them. */
uint8_t *host_read_block(host *h, int handle, uint32_t len);
/* completes when every byte was handed to the OS (value = len) */
void host_write(host *h, uint32_t op, int handle, const uint8_t *buf, uint32_t len);
/* Takes bytes at once, with no op, when no write is pending: returns how
 * many of the first len it took (0 to len); the caller hands the rest to
 * host_write. A backend that can take them without waiting saves the core
 * a completion per message: JS copies all of them below Node's high-water
 * mark (a failure of bytes taken this way reaches the next read or write,
 * as a reset does); native sends what the kernel takes at once (a send
 * that fails takes nothing and the host_write that follows reports the
 * failure); TLS and WASI take none. */
uint32_t host_write_now(host *h, int handle, const uint8_t *buf, uint32_t len);
void host_close(host *h, int handle);
/* 0 on success, else HOST_E* */
int host_local_addr(host *h, int handle, host_addr *out);
int host_remote_addr(host *h, int handle, host_addr *out);

void host_udp_bind(host *h, uint32_t op, const char *ip, int port, bool reuse_addr);
void host_udp_send(host *h, uint32_t op, int handle, const uint8_t *buf, uint32_t len, const char *ip, int port);
/* Sends at once with no op, or not at all (false: use host_udp_send), as
 * host_write_now does for streams. On JS a failure reaches the next send;
 * natively a send that fails is not sent and the host_udp_send that
 * follows reports the failure. WASI answers false. */
bool host_udp_send_now(host *h, int handle, const uint8_t *buf, uint32_t len, const char *ip, int port);
/* value = datagram length (truncated to max); the sender is taken with
 * host_udp_sender right after the completion */
void host_udp_recv(host *h, uint32_t op, int handle, uint8_t *buf, uint32_t max);
int host_udp_sender(host *h, uint32_t op, host_addr *out);

/* Waits up to timeout_ms (-1 = forever) for events and delivers their
 * completions; returns how many it delivered. Embedders reach it through
 * lyng_host_wait (lyng.h). The JS backend returns 0: JavaScript owns the
 * event loop there. */
int host_wait(host *h, int timeout_ms);
/* host_wait that also returns when `fd` is readable (*readable then set):
 * the REPL waits for a key and for its coroutines at once. Only the native
 * backend watches fd (host_core.c); errors.c's default is host_wait. */
int host_wait_fd(host *h, int fd, int timeout_ms, bool *readable);

#endif

/* host.h - the proactor interface between the VM and its platform.
 *
 * The core submits an operation tagged with an op id; the host completes it
 * later, exactly once, by calling lyng_complete(vm, op, status, value) from
 * its event loop - never from inside the submitting call. status is 0 on
 * success or a negative errno-style code (HOST_E*). Handles are small
 * integers owned by the host. One backend is linked per build:
 * posix.c (epoll), js.c (wasm imports), wasi.c. */
#ifndef LYNG_HOST_H
#define LYNG_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "../include/lyng.h"

typedef struct host host;

/* Error codes, shared by all backends so messages are identical everywhere. */
#define HOST_OK 0
#define HOST_ECANCELED (-1)
#define HOST_ECONNREFUSED (-2)
#define HOST_ECONNRESET (-3)
#define HOST_ETIMEDOUT (-4)
#define HOST_EADDRINUSE (-5)
#define HOST_ENOTFOUND (-6)
#define HOST_ECLOSED (-7)
#define HOST_EINVAL (-8)
#define HOST_EUNSUPPORTED (-9)
#define HOST_EPIPE (-10)
#define HOST_EACCES (-11)
#define HOST_EADDRNOTAVAIL (-12)
#define HOST_ENETUNREACH (-13)
#define HOST_EMFILE (-14)
#define HOST_EIO (-15)
/* TLS: the handshake failed, and the certificate reasons worth naming */
#define HOST_ETLS (-16)
#define HOST_ECERT_EXPIRED (-17)
#define HOST_ECERT_ISSUER (-18)
#define HOST_ECERT_NAME (-19)
#define HOST_ECERT_REJECTED (-20)
#define HOST_ECERT_FILES (-21)
const char *host_error_name(int status);

host *host_new(lyng_vm *vm);
void host_free(host *h);

/* Capabilities, for Net.isSupported() and friends. */
#define HOST_CAP_TCP 1
#define HOST_CAP_TCP_SERVER 2
#define HOST_CAP_UDP 4
#define HOST_CAP_RESOLVE 8
#define HOST_CAP_TLS 16
#define HOST_CAP_REUSE_PORT 32
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
void host_tcp_listen(host *h, uint32_t op, const char *ip, int port, int backlog, bool reuse_addr);

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
/* completes when every byte was handed to the OS (value = len) */
void host_write(host *h, uint32_t op, int handle, const uint8_t *buf, uint32_t len);
void host_close(host *h, int handle);
/* 0 on success, else HOST_E* */
int host_local_addr(host *h, int handle, host_addr *out);
int host_remote_addr(host *h, int handle, host_addr *out);

void host_udp_bind(host *h, uint32_t op, const char *ip, int port, bool reuse_addr);
void host_udp_send(host *h, uint32_t op, int handle, const uint8_t *buf, uint32_t len, const char *ip, int port);
/* value = datagram length (truncated to max); the sender is taken with
 * host_udp_sender right after the completion */
void host_udp_recv(host *h, uint32_t op, int handle, uint8_t *buf, uint32_t max);
int host_udp_sender(host *h, uint32_t op, host_addr *out);

/* Native backends only: wait up to timeout_ms (-1 = forever) for events and
 * deliver their completions. Returns the number of completions delivered. */
int host_wait(host *h, int timeout_ms);
/* host_wait that also returns when `fd` is readable (*readable then set):
 * the REPL waits for a key and for its coroutines at once. */
int host_wait_fd(host *h, int fd, int timeout_ms, bool *readable);

#endif

/* wasi_internal.h - what the files of the WASI 0.2 host backend share:
 * the host state, the table of sockets, and the list of waiters that the
 * event loop (wasi.c) polls.
 *
 * Every pending op is a waiter holding one pollable. host_wait hands all
 * of them to wasi:io/poll and steps the ready ones; a step either finishes
 * its op (queueing the completion) or asks to wait again. Completions are
 * delivered only from host_wait, after stepping, so the core is never
 * re-entered from inside a submitting call. */
#ifndef LYNG_HOST_WASI_INTERNAL_H
#define LYNG_HOST_WASI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../wasi/abi/io_poll.h"
#include "../../wasi/abi/sockets_network.h"
#include "host.h"
#include "shared.h"

typedef enum wsock_kind { WS_TCP, WS_LISTEN, WS_UDP } wsock_kind;

/* One socket: the resource handles WASI gave us (0 = none). A TCP
 * connection has its two streams, a UDP socket its datagram streams. */
typedef struct wsock {
    wsock_kind kind;
    int32_t sock;
    int32_t in, out;
} wsock;

typedef enum wait_kind {
    WK_TIMER,
    WK_CONNECT,
    WK_CONNECT_TIMEOUT, /* the deadline of the connect op with the same id */
    WK_ACCEPT,
    WK_READ,
    WK_WRITE,
    WK_UDP_RECV,
    WK_UDP_SEND,
    WK_RESOLVE,
} wait_kind;

typedef struct waiter {
    uint32_t op;
    wait_kind kind;
    int handle;       /* socket ops */
    int32_t pollable; /* owned; dropped when the waiter ends */
    int64_t deadline; /* timers: monotonic ns, to fire ready ones in order */
    uint8_t *buf;     /* read, write, udp */
    uint32_t len, off;
    wasi_sockaddr dest; /* udp send */
    int32_t stream;     /* resolve: the resolve-address-stream */
    host_addr *addrs;   /* resolve: found so far */
    int naddrs;
} waiter;

/* What a step did with its waiter. */
typedef enum step_result { STEP_WAIT, STEP_DONE } step_result;


struct host {
    lyng_vm *vm;
    int32_t network; /* instance-network, 0 until first needed */
    int caps;        /* -1 until probed */
    waiter *waiters;
    size_t nwaiters, waiters_cap;
    done_queue done;
    wsock **socks; /* handle h is socks[h - 1]; NULL = free */
    int nsocks, socks_cap;
    addr_results results; /* addresses of a resolve, the sender of a datagram */
};

void *wasi_xrealloc(void *p, size_t n);
void wasi_push_done(host *h, uint32_t op, int32_t status, int64_t value);
int wasi_net_error(int code);
int32_t wasi_network(host *h);

/* Adds a waiter and returns it (valid until the next add). */
waiter *wasi_add_waiter(host *h, uint32_t op, wait_kind kind, int handle, int32_t pollable);
/* Ends every waiter on `handle`, completing its op with `status`. */
void wasi_end_waiters_on(host *h, int handle, int32_t status);

wsock *wasi_sock(host *h, int handle);
int wasi_sock_add(host *h, wsock_kind kind, int32_t sock, int32_t in, int32_t out);
/* Starts an op of kind wk on a socket of the given kind: a bad handle, or
 * one with the same kind of op already pending, fails it (NULL). */
wsock *wasi_begin(host *h, uint32_t op, int handle, wsock_kind kind, wait_kind wk);
/* Drops the socket's resources and frees the handle (waiters first). */
void wasi_sock_destroy(host *h, int handle, int32_t status);

/* Addresses: text to the flat ABI form, and the memory form to text. */
bool wasi_parse_ip(const char *ip, int port, wasi_sockaddr *out, int *family);
void wasi_read_sockaddr(const uint8_t *mem, host_addr *out);
void wasi_write_sockaddr(const wasi_sockaddr *a, uint8_t *mem);


/* The steps of each waiter kind, run when its pollable is ready, and the
 * fresh pollable for a waiter whose step must wait again. */
step_result wasi_step_tcp(host *h, waiter *w);
step_result wasi_step_udp(host *h, waiter *w);
step_result wasi_step_resolve(host *h, waiter *w);
int32_t wasi_resubscribe_tcp(host *h, const waiter *w);
int32_t wasi_resubscribe_udp(host *h, const waiter *w);
void wasi_waiter_free(waiter *w);
/* A connect with a timeout has a second waiter with the same op id. */
void wasi_connect_deadline(host *h, uint32_t op, int handle, int64_t ms);

#endif

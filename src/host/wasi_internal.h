/* wasi_internal.h - what the files of the WASI 0.2 host backend share: its
 * state, its sockets, and the steps that perform their ops. The backend
 * sits on the event core (host_core.h) as the native one does: the core
 * keeps the handles, the pending ops, the timers and the wait loop.
 *
 * Every pending op holds one pollable (a socket's, per slot; a name
 * lookup's). The poll step (poll_wasi.c) hands all of them to
 * wasi:io/poll and steps the ready ones; a step either finishes its op
 * (host_finish) or asks to wait again on a fresh pollable. */
#ifndef LYNG_HOST_WASI_INTERNAL_H
#define LYNG_HOST_WASI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../wasi/abi/io_poll.h"
#include "../../wasi/abi/sockets_network.h"
#include "host_core.h"

/* One socket: the resource handles WASI gave us (0 = none). A TCP
 * connection has its two streams, a UDP socket its datagram streams. */
typedef struct wsock {
    host_sock b;
    int32_t sock;
    int32_t in, out;
    int32_t pollable[HOST_NSLOTS]; /* what each pending op waits on; 0 = none */
    uint64_t wcap;                 /* the most check-write allowed: the idle stream's room */
    wasi_sockaddr dest;            /* udp send */
} wsock;

/* A closed TCP connection whose output stream still queues bytes in the
 * host (wasi_linger.c). */
typedef struct wasi_linger {
    int32_t sock, out, pollable;
    uint64_t cap, room; /* the idle stream's room; the room seen last */
    int64_t moved;      /* when the room last grew (monotonic us) */
} wasi_linger;

/* A name lookup in flight: its address stream and what it found so far. */
typedef struct wasi_lookup {
    uint32_t op; /* 0 = ended */
    int32_t stream, pollable;
    host_addr *addrs;
    int naddrs;
} wasi_lookup;

struct host_backend {
    int32_t network; /* instance-network, 0 until first needed */
    int caps;        /* -1 until probed */
    wasi_lookup *lookups;
    size_t nlookups, lookups_cap;
    wasi_linger *linger;
    size_t nlinger, linger_cap;
    int linger_tick_ms;  /* how long the poll step waits before looking again */
    bool linger_exiting; /* the run ended: waits less for a stalled peer */
};

/* What a step did with its op. */
typedef enum step_result { STEP_WAIT, STEP_DONE } step_result;

int wasi_net_error(int code);
int32_t wasi_network(host *h);
static inline wsock *wasi_sock(host *h, int handle) { return (wsock *)host_sock_get(h, handle); }
int wasi_sock_add(host *h, host_sock_kind kind, int32_t sock, int32_t in, int32_t out);
/* A fresh pollable for the op pending in the socket's slot. */
int32_t wasi_subscribe(wsock *s, host_slot slot);

/* Addresses: text to the flat ABI form, and the memory form to text. */
bool wasi_parse_ip(const char *ip, int port, wasi_sockaddr *out, int *family);
void wasi_read_sockaddr(const uint8_t *mem, host_addr *out);
void wasi_write_sockaddr(const wasi_sockaddr *a, uint8_t *mem);

/* The steps, run when an op's pollable is ready. A step may close the
 * socket (a failed connect). */
step_result wasi_step_tcp(host *h, int handle, wsock *s, host_slot slot);
step_result wasi_step_udp(host *h, wsock *s, host_slot slot);
step_result wasi_step_lookup(host *h, wasi_lookup *l);
/* Drops what a lookup owns and marks it ended. */
void wasi_lookup_end(host *h, wasi_lookup *l);

/* Closing a TCP connection that still queues written bytes (wasi_linger.c).
 * add: true when it took the socket and its output stream to wait for the
 * queue (the caller drops the rest); pollables: puts the pollables to wait
 * on in list (at most nlinger) and shortens *timeout_ms (-1: none) to the
 * next look; service: releases the connections whose queue drained, failed
 * or stalled too long; finish: waits for all of them, boundedly. */
bool wasi_linger_add(host *h, wsock *s);
size_t wasi_linger_pollables(host_backend *b, int32_t *list, int *timeout_ms);
void wasi_linger_service(host_backend *b);
void wasi_linger_finish(host *h);

#endif

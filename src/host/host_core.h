/* host_core.h - the event core that the native backend (posix*.c, over
 * epoll or poll) and the WASI backend (wasi*.c) share: the host state, the
 * handle table of sockets, the ops pending on each socket, the timers,
 * cancellation, the queue of completions, and the wait loop (sleep until
 * the next timer or event, fire due timers, hand completions to the VM).
 *
 * A backend only creates and closes its sockets, watches them for what
 * their pending ops need, polls, and performs the I/O: the host_backend_*
 * functions below, one set linked per build. Every op a backend finishes
 * goes through host_finish or host_push_done into the queue, which only
 * host_wait drains, so a completion never runs inside the call that
 * submitted or cancelled its op, and no Lyng code runs while a backend
 * holds pointers into these tables. */
#ifndef LYNG_HOST_CORE_H
#define LYNG_HOST_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host.h"
#include "host_handles.h"
#include "host_timers.h"
#include "shared.h"

typedef enum host_sock_kind { HOST_SOCK_TCP, HOST_SOCK_LISTEN, HOST_SOCK_UDP } host_sock_kind;

/* The ops a socket can have pending: at most one of each, which is all the
 * net module ever issues. Accepts and datagram receives use the read slot,
 * datagram sends the write slot. */
typedef enum host_slot { HOST_SLOT_CONNECT, HOST_SLOT_READ, HOST_SLOT_WRITE, HOST_NSLOTS } host_slot;

/* The part of a socket the core knows; a backend's socket struct starts
 * with it and adds its descriptor or resources. */
typedef struct host_sock {
    host_sock_kind kind;
    uint32_t op[HOST_NSLOTS]; /* 0 = none */
    uint8_t *rbuf;            /* read, accept's unused, datagram receive */
    uint32_t rmax;
    const uint8_t *wbuf; /* write, datagram send */
    uint32_t wlen, woff;
} host_sock;

/* The backend's own state (an epoll descriptor, a pollfd array, WASI
 * resources), defined by the backend. */
typedef struct host_backend host_backend;

struct host {
    lyng_vm *vm;
    host_backend *backend;
    host_handles socks; /* handle -> host_sock * */
    host_timers timers;
    done_queue done;
    addr_results results; /* addresses of a resolve, the sender of a datagram */
    int npending;         /* ops pending on sockets or in the backend */
    int polls_skipped;    /* host_wait calls in a row that delivered without polling */
};

/* ---- what each backend provides ---- */

/* The backend's state for a new host; NULL when it cannot start. */
host_backend *host_backend_new(host *h);
/* Frees the backend's state; every socket is closed by then. */
void host_backend_free(host *h);
/* Releases a socket's resources and frees it; its ops were completed. */
void host_backend_close(host *h, int handle, host_sock *s);
/* The ops pending on the socket changed: watch it for what they need. */
void host_backend_watch(host *h, int handle, host_sock *s);
/* Cancels an op that is not a timer or on a socket (a name lookup in
 * flight); false when the backend has no such op. */
bool host_backend_cancel(host *h, uint32_t op);
/* Waits up to timeout_ms (-1: no limit) for the watched sockets, and for
 * descriptor `fd` when it is >= 0 (then sets *readable), and performs the
 * ops that became ready. */
void host_backend_poll(host *h, int timeout_ms, int fd, bool *readable);
/* The monotonic clock, in microseconds. */
int64_t host_backend_now_us(void);

/* ---- what the core offers backends ---- */

/* realloc that aborts when memory is out (the host cannot go on). */
void *host_xrealloc(void *p, size_t n);
/* Queues a completion for the next host_wait. */
void host_push_done(host *h, uint32_t op, int32_t status, int64_t value);
/* Adds a socket the backend allocated (zeroed, kind set); returns its handle. */
int host_sock_add(host *h, host_sock *s);
static inline host_sock *host_sock_get(host *h, int handle) { return host_handles_get(&h->socks, handle); }
/* Starts an op in a slot of a socket of the given kind. A bad handle fails
 * it with HOST_ECLOSED, a busy slot with HOST_EINVAL (both queued); NULL then. */
host_sock *host_begin(host *h, uint32_t op, int handle, host_sock_kind kind, host_slot slot);
/* host_begin for a read (a receive) into buf, or a write (a send) of buf. */
host_sock *host_begin_read(host *h, uint32_t op, int handle, host_sock_kind kind, uint8_t *buf, uint32_t max);
host_sock *host_begin_write(host *h, uint32_t op, int handle, host_sock_kind kind, const uint8_t *buf, uint32_t len);
/* Starts an op on a socket the backend just made (a connect). */
void host_start(host *h, host_sock *s, host_slot slot, uint32_t op);
/* Ends the op in the slot with a completion; a connect's deadline goes too. */
void host_finish(host *h, host_sock *s, host_slot slot, int32_t status, int64_t value);
/* Completes the socket's pending ops with status, closes it, frees the handle. */
void host_sock_destroy(host *h, int handle, int32_t status);
/* A connect that has not finished after ms fails with HOST_ETIMEDOUT. */
void host_connect_deadline(host *h, uint32_t op, int handle, int64_t ms);
/* Counts ops the backend keeps outside sockets (delta +1 or -1), so the
 * loop knows something may still happen. */
void host_pending_add(host *h, int delta);

#endif

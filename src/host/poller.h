/* poller.h - the poll step of the native backend, one implementation per
 * build: poll_epoll.c (Linux) or poll_posix.c (plain POSIX poll, for macOS,
 * the BSDs and any other Unix). posix*.c tells it which descriptors to
 * watch for what; it waits and reports the ready sockets back through
 * posix_ready. Watching is level-triggered: a socket stays reported while
 * it is ready, so a read may leave data in the kernel for the next one. */
#ifndef LYNG_HOST_POLLER_H
#define LYNG_HOST_POLLER_H

#include <stdbool.h>

#include "host.h"

typedef struct poller poller;

/* What a descriptor is watched for. */
enum { POLLER_IN = 1, POLLER_OUT = 2 };

poller *poller_new(void);
void poller_free(poller *p);
/* Watches fd, the socket with that handle, for `events` where it was
 * watched for `was` (0: not watched); events 0 stops watching it. */
void poller_set(poller *p, int fd, int handle, unsigned events, unsigned was);
/* Waits up to timeout_ms (-1: no limit) and calls posix_ready for every
 * ready socket; a ready `fd` (when >= 0, not a socket) sets *readable. */
void poller_wait(poller *p, host *h, int timeout_ms, int fd, bool *readable);

/* Defined by posix.c: performs the pending ops of a socket found ready for
 * `ready` (POLLER_*; an error or hang-up counts as both). */
void posix_ready(host *h, int handle, unsigned ready);

#endif

/* poll_posix.c - the poll step of the native backend anywhere POSIX is:
 * poll() over an array of the watched descriptors (see poller.h), for
 * macOS, the BSDs and other Unixes without epoll.
 *
 * The array holds only watched descriptors and grows as needed, so there is
 * no ceiling like select's FD_SETSIZE. Each socket's place in it is kept by
 * handle, so watching, changing and unwatching are O(1); unwatching moves
 * the last entry into the hole. One wait costs time in the number watched,
 * which epoll avoids: the price of portability. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "host_core.h"
#include "poller.h"

struct poller {
    struct pollfd *fds; /* the watched descriptors, then room for the extra fd */
    int *handle_at;     /* the handle of fds[i] */
    int n, cap;
    int *index_of; /* the place in fds of handle h, at index_of[h]; -1 = none */
    int index_cap;
    int *ready;          /* the handles found ready by one wait */
    unsigned *ready_for; /* and what each was ready for (POLLER_*) */
};

poller *poller_new(void) { return calloc(1, sizeof(poller)); }

void poller_free(poller *p) {
    free(p->fds);
    free(p->handle_at);
    free(p->index_of);
    free(p->ready);
    free(p->ready_for);
    free(p);
}

static short poll_events(unsigned events) {
    return (short)((events & POLLER_IN ? POLLIN : 0) | (events & POLLER_OUT ? POLLOUT : 0));
}

static unsigned poller_events(short ev) {
    unsigned broken = ev & (POLLERR | POLLHUP | POLLNVAL) ? POLLER_IN | POLLER_OUT : 0;
    return broken | (ev & POLLIN ? POLLER_IN : 0) | (ev & POLLOUT ? POLLER_OUT : 0);
}

/* Room for one more entry, plus the extra descriptor of a wait. */
static void grow(poller *p) {
    if (p->n + 1 < p->cap) return;
    p->cap = p->cap ? p->cap * 2 : 64;
    p->fds = host_xrealloc(p->fds, sizeof *p->fds * (size_t)p->cap);
    p->handle_at = host_xrealloc(p->handle_at, sizeof *p->handle_at * (size_t)p->cap);
    p->ready = host_xrealloc(p->ready, sizeof *p->ready * (size_t)p->cap);
    p->ready_for = host_xrealloc(p->ready_for, sizeof *p->ready_for * (size_t)p->cap);
}

static void grow_index(poller *p, int handle) {
    if (handle < p->index_cap) return;
    int cap = p->index_cap ? p->index_cap : 64;
    while (cap <= handle) cap *= 2;
    p->index_of = host_xrealloc(p->index_of, sizeof *p->index_of * (size_t)cap);
    for (int i = p->index_cap; i < cap; i++) p->index_of[i] = -1;
    p->index_cap = cap;
}

void poller_set(poller *p, int fd, int handle, unsigned events, unsigned was) {
    (void)was;
    grow_index(p, handle);
    int i = p->index_of[handle];
    if (events && i >= 0) {
        p->fds[i].events = poll_events(events);
    } else if (events) {
        grow(p);
        i = p->n++;
        p->fds[i] = (struct pollfd){.fd = fd, .events = poll_events(events)};
        p->handle_at[i] = handle;
        p->index_of[handle] = i;
    } else if (i >= 0) {
        int last = --p->n;
        p->fds[i] = p->fds[last];
        p->handle_at[i] = p->handle_at[last];
        p->index_of[p->handle_at[i]] = i;
        p->index_of[handle] = -1;
    }
}

/* The ready handles are collected before any is served: serving one may
 * watch or unwatch others, which reorders the array. A socket closed by an
 * earlier one is skipped by posix_ready. */
void poller_wait(poller *p, host *h, int timeout_ms, int fd, bool *readable) {
    grow(p);
    int nfds = p->n;
    if (fd >= 0) p->fds[nfds++] = (struct pollfd){.fd = fd, .events = POLLIN};
    int rc = poll(p->fds, (nfds_t)nfds, timeout_ms);
    if (rc <= 0) return;
    if (fd >= 0 && p->fds[p->n].revents) *readable = true;
    int nready = 0;
    for (int i = 0; i < p->n; i++)
        if (p->fds[i].revents) {
            p->ready[nready] = p->handle_at[i];
            p->ready_for[nready++] = poller_events(p->fds[i].revents);
        }
    for (int i = 0; i < nready; i++) posix_ready(h, p->ready[i], p->ready_for[i]);
}

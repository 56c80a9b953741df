/* poll_epoll.c - the poll step of the native backend on Linux: one epoll
 * set, level-triggered, whose entries carry the socket's handle (see
 * poller.h). */
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "poller.h"

struct poller {
    int epfd;
};

/* The handle an event of the watched descriptor (host_wait_fd) carries: no
 * socket has it. */
#define WATCHED_FD_EVENT (-1)

/* As many events as one wait reports; more wait for the next. */
enum { MAX_EVENTS = 128 };

poller *poller_new(void) {
    poller *p = malloc(sizeof *p);
    if (!p) return NULL;
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (p->epfd < 0) {
        free(p);
        return NULL;
    }
    return p;
}

void poller_free(poller *p) {
    close(p->epfd);
    free(p);
}

static uint32_t epoll_events(unsigned events) {
    return (events & POLLER_IN ? EPOLLIN : 0) | (events & POLLER_OUT ? EPOLLOUT : 0);
}

static unsigned poller_events(uint32_t ev) {
    unsigned broken = ev & (EPOLLERR | EPOLLHUP) ? POLLER_IN | POLLER_OUT : 0;
    return broken | (ev & (EPOLLIN | EPOLLRDHUP) ? POLLER_IN : 0) | (ev & EPOLLOUT ? POLLER_OUT : 0);
}

void poller_set(poller *p, int fd, int handle, unsigned events, unsigned was) {
    struct epoll_event ev = {.events = epoll_events(events), .data.u64 = (uint64_t)handle};
    if (!events) epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
    else epoll_ctl(p->epfd, was ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
}

void poller_wait(poller *p, host *h, int timeout_ms, int fd, bool *readable) {
    bool added = false;
    if (fd >= 0) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)(int64_t)WATCHED_FD_EVENT};
        added = epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) == 0;
    }
    struct epoll_event evs[MAX_EVENTS];
    int n = epoll_wait(p->epfd, evs, MAX_EVENTS, timeout_ms);
    for (int i = 0; i < n; i++) {
        if ((int)evs[i].data.u64 == WATCHED_FD_EVENT) *readable = true;
        else posix_ready(h, (int)evs[i].data.u64, poller_events(evs[i].events));
    }
    if (added) epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
}

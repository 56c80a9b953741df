/* host_timers.h - the timers of an event backend: a binary min-heap of
 * deadlines, so the loop knows at once how long it may sleep and fires due
 * timers in order (equal deadlines in the order they were set). Two kinds:
 * a timer op (host_timer) and the deadline of a pending connect. */
#ifndef LYNG_HOST_TIMERS_H
#define LYNG_HOST_TIMERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum host_timer_kind { HOST_TIMER_OP, HOST_TIMER_CONNECT } host_timer_kind;

typedef struct host_timer_entry {
    int64_t deadline; /* monotonic microseconds: a ms clock would fire up to 1 ms early */
    uint64_t seq;     /* equal deadlines fire in submission order */
    uint32_t op;
    host_timer_kind kind;
    int handle; /* HOST_TIMER_CONNECT: the connecting socket */
} host_timer_entry;

typedef struct host_timers {
    host_timer_entry *heap;
    size_t n, cap;
    uint64_t seq;
} host_timers;

void host_timers_add(host_timers *t, int64_t deadline, uint32_t op, host_timer_kind kind, int handle);
/* Removes op's timer of that kind; false if there is none. A linear
 * search: cancellation is rare next to setting and firing. */
bool host_timers_remove(host_timers *t, uint32_t op, host_timer_kind kind);
/* Takes the earliest timer into *out if it is due at `now`. */
bool host_timers_pop_due(host_timers *t, int64_t now, host_timer_entry *out);
/* The earliest deadline; false when no timer is set. */
bool host_timers_next(const host_timers *t, int64_t *deadline);
void host_timers_free(host_timers *t);

#endif

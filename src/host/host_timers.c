/* host_timers.c - the timer heap (see host_timers.h). */
#include "host_timers.h"

#include <stdlib.h>

#include "host_core.h"

static bool before(const host_timer_entry *a, const host_timer_entry *b) {
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void swap(host_timers *t, size_t i, size_t j) {
    host_timer_entry e = t->heap[i];
    t->heap[i] = t->heap[j];
    t->heap[j] = e;
}

static void sift_up(host_timers *t, size_t i) {
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&t->heap[i], &t->heap[parent])) break;
        swap(t, i, parent);
        i = parent;
    }
}

static void sift_down(host_timers *t, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < t->n && before(&t->heap[l], &t->heap[m])) m = l;
        if (r < t->n && before(&t->heap[r], &t->heap[m])) m = r;
        if (m == i) return;
        swap(t, i, m);
        i = m;
    }
}

void host_timers_add(host_timers *t, int64_t deadline, uint32_t op, host_timer_kind kind, int handle) {
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->heap = host_xrealloc(t->heap, t->cap * sizeof *t->heap);
    }
    t->heap[t->n++] = (host_timer_entry){deadline, t->seq++, op, kind, handle};
    sift_up(t, t->n - 1);
}

static host_timer_entry remove_at(host_timers *t, size_t i) {
    host_timer_entry e = t->heap[i];
    t->heap[i] = t->heap[--t->n];
    if (i < t->n) {
        sift_up(t, i);
        sift_down(t, i);
    }
    return e;
}

bool host_timers_remove(host_timers *t, uint32_t op, host_timer_kind kind) {
    for (size_t i = 0; i < t->n; i++)
        if (t->heap[i].op == op && t->heap[i].kind == kind) {
            remove_at(t, i);
            return true;
        }
    return false;
}

bool host_timers_pop_due(host_timers *t, int64_t now, host_timer_entry *out) {
    if (!t->n || t->heap[0].deadline > now) return false;
    *out = remove_at(t, 0);
    return true;
}

bool host_timers_next(const host_timers *t, int64_t *deadline) {
    if (!t->n) return false;
    *deadline = t->heap[0].deadline;
    return true;
}

void host_timers_free(host_timers *t) {
    free(t->heap);
    *t = (host_timers){0};
}

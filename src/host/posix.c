/* posix.c - the native host backend: an epoll loop with a timer heap and
 * non-blocking sockets.
 *
 * Every operation completes through one queue of finished ops, which only
 * host_wait drains by calling lyng_complete. So a completion never runs
 * inside the call that submitted or cancelled the op, and no Lyng callback
 * runs while this file holds pointers into its own tables.
 *
 * Epoll is used level-triggered, and a descriptor is registered while an op
 * waits on it (with exactly the events that op needs). A read asks for at
 * most `max` bytes and may leave data in the kernel; level triggering
 * reports it again for the next read without us draining sockets into
 * buffers of our own (which edge triggering would require). One exception:
 * a socket whose read finished stays registered for reading, because a
 * script reading a stream asks again at once, and dropping and re-adding the
 * registration would cost two epoll_ctl calls per message. If that socket
 * becomes readable while nobody reads it, the event drops the registration,
 * so an idle socket with a hung-up peer cannot make epoll_wait spin. */
#define _GNU_SOURCE /* accept4, MSG_NOSIGNAL */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "posix_tls.h"
#include "shared.h"

/* ---- tables ---- */

typedef enum timer_kind { TK_TIMER, TK_CONNECT_TIMEOUT } timer_kind;

typedef struct timer {
    int64_t deadline; /* monotonic microseconds: a ms clock would fire up to 1 ms early */
    uint64_t seq;     /* equal deadlines fire in submission order */
    uint32_t op;
    timer_kind kind;
    int handle; /* TK_CONNECT_TIMEOUT: the connecting socket */
} timer;

typedef enum sock_kind { SK_TCP, SK_LISTEN, SK_UDP } sock_kind;

/* One socket and the ops waiting on it: at most one of each direction,
 * which is all the net module ever issues. op 0 means none. */
typedef struct sock {
    int fd;
    sock_kind kind;
    uint32_t events; /* registered with epoll; 0 = not registered */
    bool waiting;    /* an op waits for an event: counted in nwaiting */
    uint32_t connect_op;
    uint32_t read_op; /* read, accept or udp recv */
    uint8_t *rbuf;
    uint32_t rmax;
    bool drained; /* the last read emptied the kernel's buffer (see host_read) */
    uint32_t write_op; /* write or udp send */
    const uint8_t *wbuf;
    uint32_t wlen, woff;
    struct sockaddr_storage dest; /* udp send */
    socklen_t dest_len;
    /* epoll events each pending op waits for: EPOLLIN for reads and
     * EPOLLOUT for writes and connects, except that TLS may need the other
     * direction (a handshake step, a read that must send first) */
    uint32_t rwant, wwant, cwant;
    tls_conn *tls;          /* a TLS stream (posix_tls.c) */
    tls_server *tls_server; /* a TLS listener: what its accepted sockets use */
    bool shaking;           /* connect_op waits for the TLS handshake */
} sock;


struct host {
    lyng_vm *vm;
    int epfd;
    timer *heap;
    size_t nheap, heap_cap;
    uint64_t seq;
    done_queue done;
    sock **socks; /* handle h is socks[h - 1]; NULL = free slot */
    int nsocks, socks_cap;
    int *free_slots; /* indices of NULL entries, reused last-freed first */
    int nfree;
    int nwaiting; /* sockets an op waits on; none and no timer: nothing can happen */
    int polls_skipped; /* host_wait calls in a row that delivered without polling */
    addr_results results; /* addresses of a resolve, the sender of a datagram */
    tls_clients *tls_clients;
};

static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("lyng: out of memory in the host\n", stderr);
        abort();
    }
    return q;
}

static void push_done(host *h, uint32_t op, int32_t status, int64_t value) {
    done_queue_push(&h->done, op, status, value);
}

static int host_errno(int e) {
    switch (e) {
    case ECONNREFUSED: return HOST_ECONNREFUSED;
    case ECONNRESET: return HOST_ECONNRESET;
    case ETIMEDOUT: return HOST_ETIMEDOUT;
    case EADDRINUSE: return HOST_EADDRINUSE;
    case EPIPE: return HOST_EPIPE;
    case EACCES:
    case EPERM: return HOST_EACCES;
    case EADDRNOTAVAIL: return HOST_EADDRNOTAVAIL;
    case ENETUNREACH:
    case EHOSTUNREACH: return HOST_ENETUNREACH;
    case EMFILE:
    case ENFILE: return HOST_EMFILE;
    case EINVAL:
    case EAFNOSUPPORT: return HOST_EINVAL;
    case ECANCELED: return HOST_ECANCELED;
    default: return HOST_EIO;
    }
}

/* ---- timer heap (binary min-heap on deadline, then seq) ---- */

static bool timer_before(const timer *a, const timer *b) {
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void heap_swap(host *h, size_t i, size_t j) {
    timer t = h->heap[i];
    h->heap[i] = h->heap[j];
    h->heap[j] = t;
}

static void heap_up(host *h, size_t i) {
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!timer_before(&h->heap[i], &h->heap[parent])) break;
        heap_swap(h, i, parent);
        i = parent;
    }
}

static void heap_down(host *h, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->nheap && timer_before(&h->heap[l], &h->heap[m])) m = l;
        if (r < h->nheap && timer_before(&h->heap[r], &h->heap[m])) m = r;
        if (m == i) return;
        heap_swap(h, i, m);
        i = m;
    }
}

static void heap_push(host *h, timer t) {
    if (h->nheap == h->heap_cap) {
        h->heap_cap = h->heap_cap ? h->heap_cap * 2 : 64;
        h->heap = xrealloc(h->heap, h->heap_cap * sizeof *h->heap);
    }
    t.seq = h->seq++;
    h->heap[h->nheap++] = t;
    heap_up(h, h->nheap - 1);
}

static timer heap_remove(host *h, size_t i) {
    timer t = h->heap[i];
    h->heap[i] = h->heap[--h->nheap];
    if (i < h->nheap) {
        heap_up(h, i);
        heap_down(h, i);
    }
    return t;
}

/* A linear search: cancellation is rare next to submission and firing. */
static bool heap_remove_op(host *h, uint32_t op, timer_kind kind) {
    for (size_t i = 0; i < h->nheap; i++)
        if (h->heap[i].op == op && h->heap[i].kind == kind) {
            heap_remove(h, i);
            return true;
        }
    return false;
}

/* ---- lifetime ---- */

/* No table here is indexed by descriptor and epoll has no size limit, so the
 * only ceiling on sockets is the process's RLIMIT_NOFILE; the command line
 * raises it to the hard limit at start (main_native.c). */
host *host_new(lyng_vm *vm) {
    host *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->vm = vm;
    h->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (h->epfd < 0) {
        free(h);
        return NULL;
    }
    return h;
}

void host_free(host *h) {
    if (!h) return;
    for (int i = 0; i < h->nsocks; i++)
        if (h->socks[i]) {
            tls_conn_free(h->socks[i]->tls);
            tls_server_free(h->socks[i]->tls_server);
            close(h->socks[i]->fd);
            free(h->socks[i]);
        }
    addr_results_free(&h->results);
    tls_clients_free(h->tls_clients);
    close(h->epfd);
    free(h->socks);
    free(h->free_slots);
    free(h->heap);
    done_queue_free(&h->done);
    free(h);
}

unsigned host_caps(host *h) {
    (void)h;
    return HOST_CAP_TCP | HOST_CAP_TCP_SERVER | HOST_CAP_UDP | HOST_CAP_RESOLVE | HOST_CAP_TLS | HOST_CAP_REUSE_PORT;
}

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t host_now_ms(host *h) {
    (void)h;
    return now_us() / 1000;
}

static int64_t deadline_after(int64_t ms) {
    if (ms < 0) ms = 0;
    if (ms > INT64_MAX / 2000) ms = INT64_MAX / 2000; /* "forever" without overflow */
    return now_us() + ms * 1000;
}

void host_timer(host *h, uint32_t op, int64_t ms) {
    heap_push(h, (timer){.deadline = deadline_after(ms), .op = op, .kind = TK_TIMER});
}

/* ---- sockets: the handle table and epoll interest ---- */

static sock *sock_of(host *h, int handle) {
    if (handle < 1 || handle > h->nsocks) return NULL;
    return h->socks[handle - 1];
}

static int sock_add(host *h, int fd, sock_kind kind) {
    int i;
    if (h->nfree) {
        i = h->free_slots[--h->nfree];
    } else {
        if (h->nsocks == h->socks_cap) {
            h->socks_cap = h->socks_cap ? h->socks_cap * 2 : 16;
            h->socks = xrealloc(h->socks, sizeof(sock *) * (size_t)h->socks_cap);
            h->free_slots = xrealloc(h->free_slots, sizeof(int) * (size_t)h->socks_cap);
        }
        i = h->nsocks++;
    }
    sock *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->fd = fd;
    s->kind = kind;
    s->rwant = EPOLLIN;
    s->wwant = s->cwant = EPOLLOUT;
    h->socks[i] = s;
    return i + 1;
}

static void sock_register(host *h, sock *s, int handle, uint32_t events) {
    if (events == s->events) return;
    struct epoll_event ev = {.events = events, .data.u64 = (uint64_t)handle};
    if (!events) epoll_ctl(h->epfd, EPOLL_CTL_DEL, s->fd, NULL);
    else epoll_ctl(h->epfd, s->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s->fd, &ev);
    s->events = events;
}

/* Makes the epoll registration match the ops pending on the socket, except
 * that a registration for reading outlives its read (see the top). */
static void sock_update(host *h, int handle) {
    sock *s = sock_of(h, handle);
    uint32_t want = 0;
    if (s->read_op) want |= s->rwant;
    if (s->write_op) want |= s->wwant;
    if (s->connect_op) want |= s->cwant;
    if ((want != 0) != s->waiting) {
        s->waiting = want != 0;
        h->nwaiting += s->waiting ? 1 : -1;
    }
    if (!want && s->events == EPOLLIN) return;
    sock_register(h, s, handle, want);
}

/* Closes the descriptor and completes whatever still waits on it. */
static void sock_destroy(host *h, int handle, int32_t status) {
    sock *s = sock_of(h, handle);
    if (!s) return;
    if (s->events) epoll_ctl(h->epfd, EPOLL_CTL_DEL, s->fd, NULL);
    if (s->waiting) h->nwaiting--;
    tls_conn_free(s->tls);
    tls_server_free(s->tls_server);
    close(s->fd);
    if (s->connect_op) {
        heap_remove_op(h, s->connect_op, TK_CONNECT_TIMEOUT);
        push_done(h, s->connect_op, status, 0);
    }
    if (s->read_op) push_done(h, s->read_op, status, 0);
    if (s->write_op) push_done(h, s->write_op, status, 0);
    free(s);
    h->socks[handle - 1] = NULL;
    h->free_slots[h->nfree++] = handle - 1;
}

/* ---- addresses ---- */

static bool parse_ip(const char *ip, int port, struct sockaddr_storage *ss, socklen_t *len) {
    memset(ss, 0, sizeof *ss);
    uint8_t bytes[16];
    int family;
    if (port < 0 || port > 65535 || !host_ip_bytes(ip, bytes, &family)) return false;
    if (family == 4) {
        struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        memcpy(&v4->sin_addr, bytes, 4);
        *len = sizeof *v4;
    } else {
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        memcpy(&v6->sin6_addr, bytes, 16);
        *len = sizeof *v6;
    }
    return true;
}

static void to_host_addr(const struct sockaddr *sa, host_addr *out) {
    memset(out, 0, sizeof *out);
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &v6->sin6_addr, out->ip, sizeof out->ip);
        out->port = ntohs(v6->sin6_port);
        out->family = 6;
    } else {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &v4->sin_addr, out->ip, sizeof out->ip);
        out->port = ntohs(v4->sin_port);
        out->family = 4;
    }
}

/* Resolution runs getaddrinfo in place: numeric addresses and names from
 * the hosts file answer at once; a slow DNS server would stall the loop,
 * which is acceptable until resolution moves to a helper thread. */
void host_resolve(host *h, uint32_t op, const char *name) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    char buf[256];
    name = host_unbracket(name, buf, sizeof buf);
    int rc = *name ? getaddrinfo(name, NULL, &hints, &res) : EAI_NONAME;
    if (rc != 0) {
        push_done(h, op, rc == EAI_SYSTEM ? host_errno(errno) : HOST_ENOTFOUND, 0);
        return;
    }
    int count = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) count++;
    host_addr *addrs = xrealloc(NULL, sizeof(host_addr) * (size_t)count);
    int k = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next)
        if (a->ai_family == AF_INET || a->ai_family == AF_INET6) to_host_addr(a->ai_addr, &addrs[k++]);
    freeaddrinfo(res);
    if (k == 0) {
        free(addrs);
        push_done(h, op, HOST_ENOTFOUND, 0);
        return;
    }
    addr_results_add(&h->results, op, addrs, k);
    push_done(h, op, 0, k);
}

int host_resolve_take(host *h, uint32_t op, host_addr *out, int max) {
    int n = addr_results_take(&h->results, op, out, max);
    return n < 0 ? 0 : n;
}

/* ---- TCP ---- */

static int new_socket(int family, int type) {
    return socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/* Parses the address and makes a non-blocking socket for it. On failure
 * the op is completed with the error and -1 returned. */
static int open_socket(host *h, uint32_t op, const char *ip, int port, int type, struct sockaddr_storage *ss, socklen_t *len) {
    if (!parse_ip(ip, port, ss, len)) {
        push_done(h, op, HOST_EINVAL, 0);
        return -1;
    }
    int fd = new_socket(ss->ss_family, type);
    if (fd < 0) push_done(h, op, host_errno(errno), 0);
    return fd;
}

static void set_int_opt(int fd, int level, int name, int value) {
    setsockopt(fd, level, name, &value, sizeof value);
}

/* A TLS connection (t set) completes after its handshake, within the same
 * timeout. */
static void connect_socket(host *h, uint32_t op, const char *ip, int port, int64_t timeout_ms, bool nodelay,
                           const host_tls_opts *t) {
    struct sockaddr_storage ss;
    socklen_t len;
    int fd = open_socket(h, op, ip, port, SOCK_STREAM, &ss, &len);
    if (fd < 0) return;
    tls_conn *tls = NULL;
    int rc = t ? tls_client_conn(&h->tls_clients, fd, t, &tls) : 0;
    if (rc != 0) {
        close(fd);
        push_done(h, op, rc, 0);
        return;
    }
    if (nodelay) set_int_opt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    if (connect(fd, (struct sockaddr *)&ss, len) != 0 && errno != EINPROGRESS) {
        int e = errno;
        tls_conn_free(tls);
        close(fd);
        push_done(h, op, host_errno(e), 0);
        return;
    }
    /* Even a connection finished at once is reported through the loop, by
     * the writable event it raises. */
    int handle = sock_add(h, fd, SK_TCP);
    sock_of(h, handle)->connect_op = op;
    sock_of(h, handle)->tls = tls;
    sock_update(h, handle);
    if (timeout_ms > 0)
        heap_push(h, (timer){.deadline = deadline_after(timeout_ms), .op = op, .kind = TK_CONNECT_TIMEOUT,
                             .handle = handle});
}

void host_tcp_connect(host *h, uint32_t op, const char *ip, int port, int64_t timeout_ms, bool nodelay) {
    connect_socket(h, op, ip, port, timeout_ms, nodelay, NULL);
}

void host_tls_connect(host *h, uint32_t op, const char *ip, int port, int64_t timeout_ms, bool nodelay,
                      const host_tls_opts *t) {
    connect_socket(h, op, ip, port, timeout_ms, nodelay, t);
}

void host_listen(host *h, uint32_t op, const char *ip, int port, const host_listen_opts *o) {
    tls_server *tls = NULL;
    if (o->cert_file && o->key_file) {
        int rc = tls_server_new(o->cert_file, o->key_file, &tls);
        if (rc != 0) {
            push_done(h, op, rc, 0);
            return;
        }
    }
    struct sockaddr_storage ss;
    socklen_t len;
    int fd = open_socket(h, op, ip, port, SOCK_STREAM, &ss, &len);
    if (fd < 0) {
        tls_server_free(tls);
        return;
    }
    if (o->reuse_addr) set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (o->reuse_port) set_int_opt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, o->backlog > 0 ? o->backlog : 128) != 0) {
        int e = errno;
        close(fd);
        tls_server_free(tls);
        push_done(h, op, host_errno(e), 0);
        return;
    }
    int handle = sock_add(h, fd, SK_LISTEN);
    sock_of(h, handle)->tls_server = tls;
    push_done(h, op, 0, handle);
}

void host_tcp_listen(host *h, uint32_t op, const char *ip, int port, int backlog, bool reuse_addr) {
    host_listen(h, op, ip, port, &(host_listen_opts){.backlog = backlog, .reuse_addr = reuse_addr});
}

/* The attempts below run once when an op is submitted (most reads of a
 * busy socket find data at once) and again on every readiness event. Each
 * returns true when the op finished and was queued. */

static bool try_accept(host *h, sock *s) {
    int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    /* a client that gave up before we accepted it is not this op's failure */
    if (fd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)) return false;
    uint32_t op = s->read_op;
    s->read_op = 0;
    if (fd < 0) {
        push_done(h, op, host_errno(errno), 0);
    } else {
        set_int_opt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
        tls_conn *tls = s->tls_server ? tls_server_conn(s->tls_server, fd) : NULL;
        if (s->tls_server && !tls) {
            close(fd);
            push_done(h, op, HOST_EIO, 0);
            return true;
        }
        int handle = sock_add(h, fd, SK_TCP); /* moves h->socks, never s */
        sock_of(h, handle)->tls = tls;
        push_done(h, op, 0, handle);
    }
    return true;
}

/* A TLS read or write that must wait says for what; the next try of an op
 * waits for its default again. */
static bool tls_waits(long r, uint32_t *want, uint32_t dflt) {
    *want = r == TLS_WANT_READ ? EPOLLIN : r == TLS_WANT_WRITE ? EPOLLOUT : dflt;
    return r == TLS_WANT_READ || r == TLS_WANT_WRITE;
}

static bool try_read_tls(host *h, sock *s) {
    long n = tls_recv(s->tls, s->rbuf, s->rmax);
    if (tls_waits(n, &s->rwant, EPOLLIN)) return false;
    s->drained = n >= 0 && (size_t)n < s->rmax && !tls_pending(s->tls);
    push_done(h, s->read_op, n < 0 ? (int)n : 0, n < 0 ? 0 : n);
    s->read_op = 0;
    return true;
}

static bool try_read(host *h, sock *s) {
    if (s->tls) return try_read_tls(h, s);
    ssize_t n = recv(s->fd, s->rbuf, s->rmax, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
    s->drained = n >= 0 && (size_t)n < s->rmax;
    push_done(h, s->read_op, n < 0 ? host_errno(errno) : 0, n < 0 ? 0 : n);
    s->read_op = 0;
    return true;
}

/* One send of what remains: bytes sent, 0 when the socket must become
 * ready first, or a HOST_E* code. */
static long send_some(sock *s) {
    if (s->tls) {
        long n = tls_send(s->tls, s->wbuf + s->woff, s->wlen - s->woff);
        return tls_waits(n, &s->wwant, EPOLLOUT) ? 0 : n;
    }
    for (;;) {
        ssize_t n = send(s->fd, s->wbuf + s->woff, s->wlen - s->woff, MSG_NOSIGNAL);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : host_errno(errno);
    }
}

static bool try_write(host *h, sock *s) {
    while (s->woff < s->wlen) {
        long n = send_some(s);
        if (n == 0) return false;
        if (n < 0) {
            push_done(h, s->write_op, (int)n, 0);
            s->write_op = 0;
            return true;
        }
        s->woff += (uint32_t)n;
    }
    push_done(h, s->write_op, 0, s->wlen);
    s->write_op = 0;
    return true;
}

static bool try_recvfrom(host *h, sock *s) {
    struct sockaddr_storage from;
    socklen_t flen = sizeof from;
    ssize_t n = recvfrom(s->fd, s->rbuf, s->rmax, MSG_TRUNC, (struct sockaddr *)&from, &flen);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
    if (n >= 0) {
        host_addr *a = xrealloc(NULL, sizeof *a);
        to_host_addr((struct sockaddr *)&from, a);
        addr_results_add(&h->results, s->read_op, a, 1);
        if ((size_t)n > s->rmax) n = s->rmax;
    }
    push_done(h, s->read_op, n < 0 ? host_errno(errno) : 0, n < 0 ? 0 : n);
    s->read_op = 0;
    return true;
}

static bool try_sendto(host *h, sock *s) {
    ssize_t n = sendto(s->fd, s->wbuf, s->wlen, 0, (struct sockaddr *)&s->dest, s->dest_len);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
    push_done(h, s->write_op, n < 0 ? host_errno(errno) : 0, n < 0 ? 0 : n);
    s->write_op = 0;
    return true;
}

/* Ends a connect op: status 0 hands over the socket, anything else closes it. */
static void connect_finish(host *h, int handle, int status) {
    sock *s = sock_of(h, handle);
    uint32_t op = s->connect_op;
    s->connect_op = 0;
    heap_remove_op(h, op, TK_CONNECT_TIMEOUT);
    if (status) {
        sock_destroy(h, handle, HOST_ECLOSED);
        push_done(h, op, status, 0);
    } else {
        push_done(h, op, 0, handle);
    }
}

/* One step of a TLS connection's handshake; true when it ended. */
static bool try_handshake(host *h, int handle) {
    sock *s = sock_of(h, handle);
    int rc = tls_handshake(s->tls);
    if (tls_waits(rc, &s->cwant, EPOLLOUT)) {
        sock_update(h, handle);
        return false;
    }
    connect_finish(h, handle, rc);
    return true;
}

static bool try_connect_done(host *h, int handle) {
    sock *s = sock_of(h, handle);
    if (s->shaking) return try_handshake(h, handle);
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err == EINPROGRESS || err == EALREADY) return false;
    if (!err && s->tls) {
        s->shaking = true;
        return try_handshake(h, handle);
    }
    connect_finish(h, handle, err ? host_errno(err) : 0);
    return true;
}

/* Starts a read-side op: a bad handle or one already busy fails it. */
static sock *begin_op(host *h, uint32_t op, int handle, sock_kind kind, bool write) {
    sock *s = sock_of(h, handle);
    if (!s || s->kind != kind) {
        push_done(h, op, HOST_ECLOSED, 0);
        return NULL;
    }
    if (write ? s->write_op != 0 : s->read_op != 0) {
        push_done(h, op, HOST_EINVAL, 0);
        return NULL;
    }
    if (write) s->write_op = op;
    else s->read_op = op;
    return s;
}

void host_tcp_accept(host *h, uint32_t op, int handle) {
    sock *s = begin_op(h, op, handle, SK_LISTEN, false);
    if (s && !try_accept(h, s)) sock_update(h, handle);
}

void host_read(host *h, uint32_t op, int handle, uint8_t *buf, uint32_t max) {
    sock *s = begin_op(h, op, handle, SK_TCP, false);
    if (!s) return;
    s->rbuf = buf;
    s->rmax = max;
    /* A read that got less than it asked for left the kernel's buffer
     * empty; the next one (in a request/response exchange, asked for right
     * after our reply) would almost always fail with EAGAIN, so it waits
     * for epoll instead: one syscall fewer per message. A read that filled
     * its buffer tries at once, as more is likely waiting. */
    if (s->drained || !try_read(h, s)) sock_update(h, handle);
}

void host_write(host *h, uint32_t op, int handle, const uint8_t *buf, uint32_t len) {
    sock *s = begin_op(h, op, handle, SK_TCP, true);
    if (!s) return;
    s->wbuf = buf;
    s->wlen = len;
    s->woff = 0;
    if (!try_write(h, s)) sock_update(h, handle);
}

void host_close(host *h, int handle) {
    if (!sock_of(h, handle)) return;
    sock_destroy(h, handle, HOST_ECLOSED);
}

static int sock_addr(host *h, int handle, bool remote, host_addr *out) {
    sock *s = sock_of(h, handle);
    if (!s) return HOST_ECLOSED;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int rc = remote ? getpeername(s->fd, (struct sockaddr *)&ss, &len) : getsockname(s->fd, (struct sockaddr *)&ss, &len);
    if (rc != 0) return host_errno(errno);
    to_host_addr((struct sockaddr *)&ss, out);
    return 0;
}

int host_local_addr(host *h, int handle, host_addr *out) { return sock_addr(h, handle, false, out); }
int host_remote_addr(host *h, int handle, host_addr *out) { return sock_addr(h, handle, true, out); }

/* ---- UDP ---- */

void host_udp_bind(host *h, uint32_t op, const char *ip, int port, bool reuse_addr) {
    struct sockaddr_storage ss;
    socklen_t len;
    int fd = open_socket(h, op, ip, port, SOCK_DGRAM, &ss, &len);
    if (fd < 0) return;
    if (reuse_addr) set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
        int e = errno;
        close(fd);
        push_done(h, op, host_errno(e), 0);
        return;
    }
    push_done(h, op, 0, sock_add(h, fd, SK_UDP));
}

void host_udp_send(host *h, uint32_t op, int handle, const uint8_t *buf, uint32_t len, const char *ip, int port) {
    sock *s = begin_op(h, op, handle, SK_UDP, true);
    if (!s) return;
    if (!parse_ip(ip, port, &s->dest, &s->dest_len)) {
        s->write_op = 0;
        push_done(h, op, HOST_EINVAL, 0);
        return;
    }
    s->wbuf = buf;
    s->wlen = len;
    if (!try_sendto(h, s)) sock_update(h, handle);
}

void host_udp_recv(host *h, uint32_t op, int handle, uint8_t *buf, uint32_t max) {
    sock *s = begin_op(h, op, handle, SK_UDP, false);
    if (!s) return;
    s->rbuf = buf;
    s->rmax = max;
    if (!try_recvfrom(h, s)) sock_update(h, handle);
}

int host_udp_sender(host *h, uint32_t op, host_addr *out) {
    return addr_results_take(&h->results, op, out, 1) == 1 ? 0 : HOST_EINVAL;
}

/* ---- cancellation and the loop ---- */

void host_cancel(host *h, uint32_t op) {
    if (heap_remove_op(h, op, TK_TIMER)) {
        push_done(h, op, HOST_ECANCELED, 0);
        return;
    }
    for (int i = 0; i < h->nsocks; i++) {
        sock *s = h->socks[i];
        if (!s) continue;
        if (s->connect_op == op) {
            sock_destroy(h, i + 1, HOST_ECANCELED);
            return;
        }
        if (s->read_op == op) s->read_op = 0;
        else if (s->write_op == op) s->write_op = 0;
        else continue;
        push_done(h, op, HOST_ECANCELED, 0);
        sock_update(h, i + 1);
        return;
    }
    /* not pending here: it already completed, or its completion is queued */
}

static void on_event(host *h, int handle, uint32_t events) {
    sock *s = sock_of(h, handle);
    if (!s) return;
    (void)events; /* the syscalls themselves report errors and hang-ups */
    if (!s->connect_op && !s->read_op && !s->write_op) {
        sock_register(h, s, handle, 0); /* readable, but nobody reads now */
        return;
    }
    if (s->connect_op) {
        if (!try_connect_done(h, handle)) return;
        s = sock_of(h, handle);
        if (!s) return;
    }
    if (s->read_op) {
        if (s->kind == SK_LISTEN) try_accept(h, s);
        else if (s->kind == SK_UDP) try_recvfrom(h, s);
        else try_read(h, s);
        s = sock_of(h, handle); /* an accept may have grown the table */
    }
    if (s->write_op) {
        if (s->kind == SK_UDP) try_sendto(h, s);
        else try_write(h, s);
    }
    sock_update(h, handle);
}

static void fire_timers(host *h) {
    int64_t now = now_us();
    while (h->nheap && h->heap[0].deadline <= now) {
        timer t = heap_remove(h, 0);
        if (t.kind == TK_TIMER) {
            push_done(h, t.op, 0, 0);
        } else {
            sock *s = sock_of(h, t.handle);
            if (s && s->connect_op == t.op) {
                s->connect_op = 0;
                sock_destroy(h, t.handle, HOST_ECLOSED);
                push_done(h, t.op, HOST_ETIMEDOUT, 0);
            }
        }
    }
}

/* How many times in a row host_wait may deliver completions that are
 * already queued (an op that finished at once, such as a write the kernel
 * took whole) without asking epoll first: skipping that poll saves one
 * syscall per message, and polling every few rounds keeps sockets that are
 * ready from waiting behind a script that only ever writes. */
enum { MAX_POLLS_SKIPPED = 8 };

/* The handle number an event of the watched descriptor (host_wait_fd)
 * carries: no socket has it. */
#define WATCHED_FD_EVENT (-1)

static int wait_events(host *h, int timeout_ms, int fd, bool *readable) {
    int wait = timeout_ms;
    if (h->done.n && h->polls_skipped < MAX_POLLS_SKIPPED) {
        h->polls_skipped++;
        fire_timers(h);
        return done_queue_deliver(&h->done, h->vm);
    }
    h->polls_skipped = 0;
    if (h->done.n) {
        wait = 0;
    } else if (h->nheap) {
        int64_t d = (h->heap[0].deadline - now_us() + 999) / 1000; /* round up: never wake early */
        if (d < 0) d = 0;
        if (d > 0x7fffffff) d = 0x7fffffff;
        if (wait < 0 || d < wait) wait = (int)d;
    } else if (h->nwaiting == 0 && wait < 0 && fd < 0) {
        return 0; /* nothing could ever wake us */
    }
    struct epoll_event evs[128];
    int n = epoll_wait(h->epfd, evs, 128, wait);
    for (int i = 0; i < n; i++) {
        if ((int)evs[i].data.u64 == WATCHED_FD_EVENT) *readable = true;
        else on_event(h, (int)evs[i].data.u64, evs[i].events);
    }
    fire_timers(h);
    return done_queue_deliver(&h->done, h->vm);
}

int host_wait(host *h, int timeout_ms) { return wait_events(h, timeout_ms, -1, NULL); }

int host_wait_fd(host *h, int fd, int timeout_ms, bool *readable) {
    *readable = false;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)(int64_t)WATCHED_FD_EVENT};
    bool added = epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev) == 0;
    int n = wait_events(h, timeout_ms, fd, readable);
    if (added) epoll_ctl(h->epfd, EPOLL_CTL_DEL, fd, NULL);
    return n;
}

/* posix_udp.c - UDP for the native backend: an unconnected socket, so every
 * datagram names its destination, and receives report their sender. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "posix_internal.h"

/* What a UDP socket keeps between datagrams, made by its first send or
 * receive, so a TCP socket carries none of it: the destination of the
 * last send, as text and parsed, and the sender of the last datagram, raw
 * and formatted. A socket exchanging datagrams with one peer parses and
 * formats its address once, not per datagram (inet_ntop's sprintf was 35 %
 * of a UDP echo client's instructions, inet_pton another 6 %). A pending
 * send op sends to `to`: no other send parses while it waits, as
 * host_udp_send_now and host_udp_send both refuse to start then. */
typedef struct posix_udp {
    bool to_cached; /* to_ip and to_port are what `to` was parsed from */
    char to_ip[64];
    int to_port;
    struct sockaddr_storage to;
    socklen_t to_len;
    bool from_known; /* a datagram came: from and from_addr are its sender's */
    struct sockaddr_storage from;
    socklen_t from_len;
    host_addr from_addr;
} posix_udp;

static posix_udp *udp_of(sock *s) {
    if (!s->udp) {
        s->udp = host_xrealloc(NULL, sizeof *s->udp);
        memset(s->udp, 0, sizeof *s->udp);
    }
    return s->udp;
}

void posix_udp_free(sock *s) {
    free(s->udp);
    s->udp = NULL;
}

/* Sets `to` for ip and port (numeric text); false when they are not an
 * address. */
static bool udp_dest(posix_udp *u, const char *ip, int port) {
    if (u->to_cached && u->to_port == port && strcmp(u->to_ip, ip) == 0) return true;
    u->to_cached = false;
    if (!posix_parse_ip(ip, port, &u->to, &u->to_len)) return false;
    size_t n = strlen(ip);
    if (n < sizeof u->to_ip) {
        memcpy(u->to_ip, ip, n + 1);
        u->to_port = port;
        u->to_cached = true;
    }
    return true;
}

/* The sender of a datagram, formatted again only when it is not the last
 * one's. */
static void udp_sender(posix_udp *u, const struct sockaddr_storage *from, socklen_t len, host_addr *out) {
    if (len > sizeof u->from) len = sizeof u->from;
    if (!u->from_known || len != u->from_len || memcmp(from, &u->from, len) != 0) {
        memcpy(&u->from, from, len);
        u->from_len = len;
        u->from_known = true;
        posix_to_host_addr((const struct sockaddr *)from, &u->from_addr);
    }
    *out = u->from_addr;
}

void host_udp_bind(host *h, uint32_t op, const char *ip, int port, bool reuse_addr) {
    struct sockaddr_storage ss;
    socklen_t len;
    int fd = posix_open(h, op, ip, port, SOCK_DGRAM, &ss, &len);
    if (fd < 0) return;
    if (reuse_addr) posix_set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
        int e = errno;
        close(fd);
        host_push_done(h, op, posix_error(e), 0);
        return;
    }
    host_push_done(h, op, 0, posix_sock_add(h, fd, HOST_SOCK_UDP));
}

bool posix_try_recvfrom(host *h, sock *s) {
    struct sockaddr_storage from;
    socklen_t flen = sizeof from;
    ssize_t n = recvfrom(s->fd, s->b.rbuf, s->b.rmax, 0, (struct sockaddr *)&from, &flen);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
    if (n >= 0) {
        host_addr *a = host_xrealloc(NULL, sizeof *a);
        udp_sender(udp_of(s), &from, flen, a);
        addr_results_add(&h->results, s->b.op[HOST_SLOT_READ], a, 1);
    }
    host_finish(h, &s->b, HOST_SLOT_READ, n < 0 ? posix_error(errno) : 0, n < 0 ? 0 : n);
    return true;
}

bool posix_try_sendto(host *h, sock *s) {
    const posix_udp *u = s->udp; /* set by host_udp_send */
    ssize_t n = sendto(s->fd, s->b.wbuf, s->b.wlen, 0, (const struct sockaddr *)&u->to, u->to_len);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
    host_finish(h, &s->b, HOST_SLOT_WRITE, n < 0 ? posix_error(errno) : 0, n < 0 ? 0 : n);
    return true;
}

void host_udp_send(host *h, uint32_t op, int handle, const uint8_t *buf, uint32_t len, const char *ip, int port) {
    sock *s = (sock *)host_begin_write(h, op, handle, HOST_SOCK_UDP, buf, len);
    if (!s || posix_now_failed(h, s)) return;
    if (!udp_dest(udp_of(s), ip, port)) {
        host_finish(h, &s->b, HOST_SLOT_WRITE, HOST_EINVAL, 0);
        return;
    }
    if (!posix_try_sendto(h, s)) posix_watch_sock(h, s, handle);
}

void host_udp_recv(host *h, uint32_t op, int handle, uint8_t *buf, uint32_t max) {
    sock *s = (sock *)host_begin_read(h, op, handle, HOST_SOCK_UDP, buf, max);
    if (s && !posix_try_recvfrom(h, s)) posix_watch_sock(h, s, handle);
}

/* With no send pending, a datagram the kernel takes at once needs no op. A
 * send that must wait goes through the host_udp_send that follows; one
 * that failed leaves its failure for it to report. */
bool host_udp_send_now(host *h, int handle, const uint8_t *buf, uint32_t len, const char *ip, int port) {
    sock *s = posix_sock(h, handle);
    if (!s || s->b.kind != HOST_SOCK_UDP || s->now_err || s->b.op[HOST_SLOT_WRITE]) return false;
    posix_udp *u = udp_of(s);
    if (!udp_dest(u, ip, port)) return false; /* host_udp_send reports it */
    ssize_t n;
    do n = sendto(s->fd, buf, len, 0, (const struct sockaddr *)&u->to, u->to_len);
    while (n < 0 && errno == EINTR);
    if (n >= 0) return true;
    if (errno != EAGAIN && errno != EWOULDBLOCK) s->now_err = posix_error(errno);
    return false;
}

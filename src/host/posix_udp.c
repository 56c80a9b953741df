/* posix_udp.c - UDP for the native backend: an unconnected socket, so every
 * datagram names its destination, and receives report their sender. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "posix_internal.h"

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
        posix_to_host_addr((struct sockaddr *)&from, a);
        addr_results_add(&h->results, s->b.op[HOST_SLOT_READ], a, 1);
    }
    host_finish(h, &s->b, HOST_SLOT_READ, n < 0 ? posix_error(errno) : 0, n < 0 ? 0 : n);
    return true;
}

bool posix_try_sendto(host *h, sock *s) {
    ssize_t n = sendto(s->fd, s->b.wbuf, s->b.wlen, 0, (struct sockaddr *)&s->dest, s->dest_len);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
    host_finish(h, &s->b, HOST_SLOT_WRITE, n < 0 ? posix_error(errno) : 0, n < 0 ? 0 : n);
    return true;
}

void host_udp_send(host *h, uint32_t op, int handle, const uint8_t *buf, uint32_t len, const char *ip, int port) {
    sock *s = (sock *)host_begin_write(h, op, handle, HOST_SOCK_UDP, buf, len);
    if (!s || posix_now_failed(h, s)) return;
    if (!posix_parse_ip(ip, port, &s->dest, &s->dest_len)) {
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
    struct sockaddr_storage dest;
    socklen_t dest_len;
    if (!posix_parse_ip(ip, port, &dest, &dest_len)) return false; /* host_udp_send reports it */
    ssize_t n;
    do n = sendto(s->fd, buf, len, 0, (struct sockaddr *)&dest, dest_len);
    while (n < 0 && errno == EINTR);
    if (n >= 0) return true;
    if (errno != EAGAIN && errno != EWOULDBLOCK) s->now_err = posix_error(errno);
    return false;
}

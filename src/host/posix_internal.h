/* posix_internal.h - what the files of the native backend share: its state,
 * its sockets, and the steps that perform their ops.
 *
 * A socket is watched (poller.h) for what the ops pending on it need, and
 * a watch outlives its op: a script reading a stream asks again at once,
 * and a writer the kernel made wait once (a bulk transfer) is likely to
 * wait again on its next write, so dropping and re-adding the watch would
 * cost two epoll_ctl calls per message. A direction is dropped when the
 * socket is found ready for it while no op waits for it, so an idle socket
 * (a hung-up peer, a send buffer with room) costs at most one wake-up and
 * cannot make the poll spin. The steps (posix_try_*) run once when an op is submitted (most
 * reads of a busy socket find data at once) and again whenever the socket
 * is ready; each returns true when its op finished. */
#ifndef LYNG_HOST_POSIX_INTERNAL_H
#define LYNG_HOST_POSIX_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "host_core.h"
#include "poller.h"
#include "posix_tls.h"

typedef struct sock {
    host_sock b;
    int fd;
    unsigned events; /* watched for (POLLER_*); 0 = not watched */
    bool drained;    /* the last read emptied the kernel's buffer (see host_read) */
    bool wfull;      /* the last send found the kernel's buffer full (see posix_try_write) */
    struct posix_udp *udp; /* UDP sockets only, from their first datagram (posix_udp.c) */
    /* what each pending op waits for: POLLER_IN for reads and POLLER_OUT
     * for writes and connects, except that TLS may need the other
     * direction (a handshake step, a read that must send first) */
    unsigned rwant, wwant, cwant;
    tls_conn *tls;          /* a TLS stream (posix_tls.c) */
    tls_server *tls_server; /* a TLS listener: what its accepted sockets use */
    bool shaking;           /* the connect op waits for the TLS handshake */
    /* the failure of a send tried with no op (host_write_now,
     * host_udp_send_now), which the write op that follows reports */
    int now_err;
} sock;

/* A closed TLS connection's descriptor waiting for its peer (posix_linger.c). */
typedef struct posix_linger_fd {
    int fd;
    int64_t until; /* host_backend_now_us() after which it is closed anyway */
} posix_linger_fd;

/* How long a closed TLS connection may wait for its peer's close. */
#define POSIX_LINGER_MS 2000

struct host_backend {
    poller *poller;
    tls_clients *tls_clients;
    posix_linger_fd *linger;
    int nlinger, linger_cap;
};

/* Shuts fd's sending half and keeps reading it until the peer closes. */
void posix_linger_add(host_backend *b, int fd);
/* Closes the lingering descriptors whose peer closed or whose time is up. */
void posix_linger_service(host_backend *b);
/* Waits for all of them (within their time) and closes them. */
void posix_linger_finish(host_backend *b);

/* Frees what a UDP socket kept between datagrams (posix_udp.c). */
void posix_udp_free(sock *s);

/* errno as a HOST_E* code. */
int posix_error(int e);
/* A new socket for fd; returns its handle. */
int posix_sock_add(host *h, int fd, host_sock_kind kind);
static inline sock *posix_sock(host *h, int handle) { return (sock *)host_sock_get(h, handle); }
/* Makes the watch match the ops pending on the socket (see the top);
 * posix_watch_sock when the caller has the socket already. */
void posix_watch(host *h, int handle);
void posix_watch_sock(host *h, sock *s, int handle);
void posix_set_int_opt(int fd, int level, int name, int value);

/* Addresses (posix_addr.c): text and port to a sockaddr, false when the
 * text is no numeric address; and back. */
bool posix_parse_ip(const char *ip, int port, struct sockaddr_storage *ss, socklen_t *len);
void posix_to_host_addr(const struct sockaddr *sa, host_addr *out);
/* Parses the address and makes a non-blocking socket for it. On failure
 * the op is completed with the error and -1 returned. */
int posix_open(host *h, uint32_t op, const char *ip, int port, int type, struct sockaddr_storage *ss, socklen_t *len);

/* The steps of posix_tcp.c and posix_udp.c. */
bool posix_try_connect(host *h, int handle);
bool posix_try_accept(host *h, sock *s);
bool posix_try_read(host *h, sock *s);
bool posix_try_write(host *h, sock *s);
bool posix_try_recvfrom(host *h, sock *s);
bool posix_try_sendto(host *h, sock *s);
/* Ends a write op just begun with the failure of a send tried with no op;
 * false when there was none. */
bool posix_now_failed(host *h, sock *s);

#endif

/* net_internal.h - state shared by the files of the lyng.io.net module. */
#ifndef LYNG_NET_INTERNAL_H
#define LYNG_NET_INTERNAL_H

#include "../host/host.h"
#include "../lyng/vm.h"

enum { NET_TCP, NET_SERVER, NET_UDP };

/* The send buffer of a TCP socket (net_write.c): bytes written but not yet
 * handed to the host, and the one host write in flight. Made by the
 * socket's first write, so that a server's idle connection, which has
 * written nothing, holds none (its NetSock is 48 bytes on wasm, not 96). */
typedef struct NetWrite {
    uint8_t *wbuf;
    uint32_t wlen, wcap;
    uint8_t *wspare; /* the in-flight buffer, reused once its write is done */
    uint32_t wspare_cap;
    uint32_t wop;    /* the host write in flight, 0 = none */
    uint32_t *waits; /* ops of fibers waiting for that write (flush, back-pressure) */
    uint32_t nwaits, waits_cap;
} NetWrite;

typedef struct NetSock {
    int handle;
    uint8_t kind;
    bool open;
    bool eof;
    bool reading;
    bool filled;   /* the last read filled the receive buffer: grow it */
    bool dirty;    /* in the module's list of sockets to flush */
    bool closing;  /* close() was called with bytes pending: close once they are out */
    uint8_t *rbuf; /* receive buffer, reused for the socket's life */
    uint32_t rstart, rend, rcap;
    uint32_t want; /* maxBytes of the pending read */
    Obj *self;     /* the script's socket object (a Handle), kept alive by ops in flight */
    NetWrite *w;   /* NULL until the first write */
    int werr;      /* a background write failed: raised by the next write/flush */
    struct NetUdp *udp; /* UDP sockets only: a TCP connection does not carry it */
} NetSock;

/* What a UDP socket keeps between datagrams. */
typedef struct NetUdp {
    /* the sender of the last datagram and its SocketAddress, handed out
     * again while datagrams keep coming from the same peer */
    host_addr from;
    Value from_value;
    /* the last destination of send() found to be an address in canonical
     * form, so a socket sending to one peer checks its text once */
    char dest[64];
    /* the lists allowed sending to dest at port allowed_port - 1 (0: not
     * asked) while the VM's net_policy_gen was allowed_gen: a socket
     * sending to one peer matches them once, not per datagram */
    int allowed_port;
    uint32_t allowed_gen;
} NetUdp;

typedef struct NetModule {
    Class *net, *socket_address, *ip_version, *tcp_socket, *tcp_server, *udp_socket,
        *datagram, *access_op, *access_policy;
    Value ipv4, ipv6;
    List *dirty; /* sockets with buffered bytes (rooted through vm->roots) */
    /* a Datagram's field names, interned (so kept) once rather than looked
     * up in the intern table per datagram */
    String *key_data, *key_address;
} NetModule;

NativeResult net_fail(VM *vm, const char *what, const char *host, int port, int status);
void net_resume_fail(VM *vm, Fiber *f, const char *what, const char *host, int port, int status);
Value net_address(VM *vm, const host_addr *a, bool resolved);
Value net_sock_new(VM *vm, Class *cls, int handle, int kind);
NetSock *net_sock_of(Value v);
void net_sockets_init(VM *vm, NetModule *m);

/* net_write.c: the send buffer of a TCP socket. Writes append to it; it goes
 * to the host on flush(), once it holds NET_WRITE_FLUSH_BYTES, and whenever
 * a fiber is about to wait (vm->io_flush), so nothing a script waits for can
 * be stuck in it. */
#define NET_WRITE_FLUSH_BYTES (64u * 1024u)
NativeResult net_write(VM *vm, Value self, Value data, Value *out);
NativeResult net_flush(VM *vm, Value self, Value *out);
/* close(): the descriptor closes once the buffered bytes are out */
void net_close_stream(VM *vm, NetSock *s);
void net_write_free(NetSock *s);
void net_write_init(VM *vm, NetModule *m);

/* policy.c: what the lists say about op(host, port). NET_DENIED has raised
 * the exception; NET_ASK means the embedder's hook must decide. */
enum { NET_ALLOWED, NET_DENIED, NET_ASK };
int net_verdict(VM *vm, const char *op, const char *host, int port);
/* Raises the denial and returns true when the deny list matches. */
bool net_deny_matches(VM *vm, const char *op, const char *host, int port);
/* The allow list names this host (or "*"). */
bool net_allow_lists(VM *vm, const char *host, int port);
/* Resumes `f` with the exception for an op the embedder's hook refused. */
void net_resume_denied(VM *vm, Fiber *f, const char *op, const char *host, int port);

#endif

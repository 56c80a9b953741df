/* net_internal.h - state shared by the files of the lyng.io.net module. */
#ifndef LYNG_NET_INTERNAL_H
#define LYNG_NET_INTERNAL_H

#include "../host/host.h"
#include "../lyng/vm.h"

enum { NET_TCP, NET_SERVER, NET_UDP };

typedef struct NetSock {
    int handle;
    int kind;
    bool open;
    bool eof;
    bool reading;
    bool filled;   /* the last read filled the receive buffer: grow it */
    uint8_t *rbuf; /* receive buffer, reused for the socket's life */
    uint32_t rstart, rend, rcap;
    uint32_t want; /* maxBytes of the pending read */
} NetSock;

typedef struct NetModule {
    Class *net, *socket_address, *ip_version, *tcp_socket, *tcp_server, *udp_socket,
        *datagram, *access_op, *access_policy;
    Value ipv4, ipv6;
} NetModule;

NativeResult net_fail(VM *vm, const char *what, const char *host, int port, int status);
void net_resume_fail(VM *vm, Fiber *f, const char *what, const char *host, int port, int status);
Value net_address(VM *vm, const host_addr *a, bool resolved);
Value net_sock_new(VM *vm, Class *cls, int handle, int kind);
NetSock *net_sock_of(Value v);
void net_sockets_init(VM *vm, NetModule *m);

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

/* posix_tls.h - TLS for the native host (posix*.c), over OpenSSL: contexts
 * for servers and clients, and one connection per TLS socket driven on the
 * socket's non-blocking descriptor. Every call returns at once; a call that
 * must wait for the socket says which readiness it waits for. */
#ifndef LYNG_HOST_POSIX_TLS_H
#define LYNG_HOST_POSIX_TLS_H

#include <stdbool.h>
#include <stdint.h>

#include "host.h"

typedef struct tls_conn tls_conn;
typedef struct tls_server tls_server;
typedef struct tls_clients tls_clients;

/* Returned by the calls below when the socket must become readable
 * (TLS_WANT_READ) or writable (TLS_WANT_WRITE) first. Below every HOST_E*. */
enum { TLS_WANT_READ = -1000, TLS_WANT_WRITE = -1001 };

/* A server context from PEM files; 0 or a HOST_E* code. */
int tls_server_new(const char *cert_file, const char *key_file, tls_server **out);
void tls_server_free(tls_server *s);
/* The server side of an accepted socket; NULL when out of memory. */
tls_conn *tls_server_conn(tls_server *s, int fd);

/* Client contexts, one per CA file, kept for the host's life: loading the
 * trusted certificates costs more than a handshake. */
void tls_clients_free(tls_clients *c);
/* The client side of a connected socket; 0 or a HOST_E* code. */
int tls_client_conn(tls_clients **cache, int fd, const host_tls_opts *o, tls_conn **out);

/* 0 when the handshake is done, TLS_WANT_*, or a HOST_E* code naming why
 * it failed (the certificate reasons included). */
int tls_handshake(tls_conn *c);
/* Bytes read (> 0), 0 at the end of the stream, TLS_WANT_* or HOST_E*. */
long tls_recv(tls_conn *c, uint8_t *buf, uint32_t max);
/* Bytes written (> 0), TLS_WANT_* or HOST_E*. */
long tls_send(tls_conn *c, const uint8_t *buf, uint32_t len);
/* Decrypted or received bytes wait inside the TLS layer, which the poller
 * cannot see. */
bool tls_pending(tls_conn *c);
/* Sends the closing alert if the socket takes it at once, then frees. True when the connection was sound, so
 * its descriptor should linger until the peer closes (posix_linger.c). */
bool tls_conn_free(tls_conn *c);

#endif

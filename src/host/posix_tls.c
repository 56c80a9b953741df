/* posix_tls.c - TLS for the native host with OpenSSL (see posix_tls.h),
 * loaded when the first context is made (posix_tls_lib.h).
 *
 * OpenSSL reads and writes the socket itself, through a BIO of our own:
 * the stock socket BIO writes with write(), which raises SIGPIPE when the
 * peer has gone, and a library must not kill its process for that. Ours
 * sends with posix_send (no SIGPIPE on any Unix) and reads with recv, and
 * leaves errno for the caller.
 *
 * A peer that closes without TLS's closing alert reads as the end of the
 * stream, as a plain TCP close does (many servers close that way). */
#include "posix_tls.h"

#include "posix_compat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#define TLS_LIB_CALLS /* OpenSSL's functions through tls_lib: loaded, not linked */
#include "posix_tls_lib.h"

struct tls_conn {
    SSL *ssl;
    int fd;
    bool client;
    bool failed; /* a fatal error: no closing alert may be sent */
};

struct tls_server {
    SSL_CTX *ctx;
};

struct tls_clients {
    char *ca_file; /* NULL: the system's trusted certificates */
    SSL_CTX *ctx;
    struct tls_clients *next;
};

/* ---- the socket BIO ---- */

static int bio_write(BIO *b, const char *data, int len) {
    BIO_clear_retry_flags(b);
    ssize_t n = posix_send((int)(intptr_t)BIO_get_data(b), data, (size_t)len);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_write(b);
    return (int)n;
}

static int bio_read(BIO *b, char *data, int len) {
    BIO_clear_retry_flags(b);
    ssize_t n = recv((int)(intptr_t)BIO_get_data(b), data, (size_t)len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_read(b);
    return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0; /* nothing is buffered here */
}

/* Made once and never changed afterwards: a constant table, not state. */
static BIO_METHOD *socket_method(void) {
    static BIO_METHOD *m;
    if (!m) {
        m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "lyng socket");
        if (!m) return NULL;
        BIO_meth_set_write(m, bio_write);
        BIO_meth_set_read(m, bio_read);
        BIO_meth_set_ctrl(m, bio_ctrl);
    }
    return m;
}

static tls_conn *conn_new(SSL_CTX *ctx, int fd, bool client) {
    BIO_METHOD *m = socket_method();
    tls_conn *c = calloc(1, sizeof *c);
    SSL *ssl = m && c ? SSL_new(ctx) : NULL;
    BIO *bio = ssl ? BIO_new(m) : NULL;
    if (!bio) {
        SSL_free(ssl);
        free(c);
        return NULL;
    }
    BIO_set_data(bio, (void *)(intptr_t)fd);
    BIO_set_init(bio, 1);
    SSL_set_bio(ssl, bio, bio);
    if (client) SSL_set_connect_state(ssl);
    else SSL_set_accept_state(ssl);
    c->ssl = ssl;
    c->fd = fd;
    c->client = client;
    return c;
}

/* ---- contexts ---- */

static void ctx_defaults(SSL_CTX *ctx) {
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* a write may finish in parts, from a buffer that stays put between
     * retries (the core's), like send() */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_read_ahead(ctx, 1);
}

int tls_server_new(const char *cert_file, const char *key_file, tls_server **out) {
    if (!tls_lib_load()) return HOST_EUNSUPPORTED;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) return HOST_EIO;
    ctx_defaults(ctx);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        ERR_clear_error();
        SSL_CTX_free(ctx);
        return HOST_ECERT_FILES;
    }
    tls_server *s = malloc(sizeof *s);
    if (!s) {
        SSL_CTX_free(ctx);
        return HOST_EIO;
    }
    s->ctx = ctx;
    *out = s;
    return 0;
}

/* Connections hold their own reference to the context (SSL_new), so a
 * listener may close while its sockets live on. */
void tls_server_free(tls_server *s) {
    if (!s) return;
    SSL_CTX_free(s->ctx);
    free(s);
}

tls_conn *tls_server_conn(tls_server *s, int fd) { return conn_new(s->ctx, fd, false); }

static SSL_CTX *client_ctx(tls_clients **cache, const char *ca_file) {
    for (tls_clients *c = *cache; c; c = c->next)
        if (c->ca_file ? ca_file && strcmp(c->ca_file, ca_file) == 0 : !ca_file) return c->ctx;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) return NULL;
    ctx_defaults(ctx);
    int ok = ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL) : SSL_CTX_set_default_verify_paths(ctx);
    tls_clients *e = ok == 1 ? calloc(1, sizeof *e) : NULL;
    if (e && ca_file && !(e->ca_file = strdup(ca_file))) {
        free(e);
        e = NULL;
    }
    if (!e) {
        ERR_clear_error();
        SSL_CTX_free(ctx);
        return NULL;
    }
    e->ctx = ctx;
    e->next = *cache;
    *cache = e;
    return ctx;
}

void tls_clients_free(tls_clients *c) {
    while (c) {
        tls_clients *next = c->next;
        SSL_CTX_free(c->ctx);
        free(c->ca_file);
        free(c);
        c = next;
    }
}

int tls_client_conn(tls_clients **cache, int fd, const host_tls_opts *o, tls_conn **out) {
    if (!tls_lib_load()) return HOST_EUNSUPPORTED;
    SSL_CTX *ctx = client_ctx(cache, o->ca_file);
    if (!ctx) return HOST_ECERT_FILES;
    tls_conn *c = conn_new(ctx, fd, true);
    if (!c) return HOST_EIO;
    const char *name = o->server_name;
    unsigned char ip[16];
    bool is_ip = name && (inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1);
    if (name && *name && !is_ip) SSL_set_tlsext_host_name(c->ssl, name); /* SNI carries names only */
    if (o->verify) {
        SSL_set_verify(c->ssl, SSL_VERIFY_PEER, NULL);
        if (name && *name) {
            if (is_ip) X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), name);
            else SSL_set1_host(c->ssl, name);
        }
    } else {
        SSL_set_verify(c->ssl, SSL_VERIFY_NONE, NULL);
    }
    *out = c;
    return 0;
}

/* ---- the connection ---- */

static int cert_reason(long v) {
    switch (v) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID: return HOST_ECERT_EXPIRED;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: return HOST_ECERT_ISSUER;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: return HOST_ECERT_NAME;
    default: return HOST_ECERT_REJECTED;
    }
}

/* What a call that returned ret <= 0 means. */
static int outcome(tls_conn *c, int ret) {
    int e = SSL_get_error(c->ssl, ret);
    switch (e) {
    case SSL_ERROR_WANT_READ: return TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE: return TLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN: return 0;
    default: break;
    }
    int err = errno;
    /* the stream is unusable: the peer sees its end now, as it would from
     * Node, rather than waiting for the script to close it */
    c->failed = true;
    shutdown(c->fd, SHUT_RDWR);
    long v = SSL_get_verify_result(c->ssl);
    ERR_clear_error();
    if (e == SSL_ERROR_SYSCALL) return err == ECONNRESET ? HOST_ECONNRESET : err == EPIPE ? HOST_EPIPE : HOST_EIO;
    if (c->client && v != X509_V_OK) return cert_reason(v);
    return HOST_ETLS;
}

int tls_handshake(tls_conn *c) {
    int ret = SSL_do_handshake(c->ssl);
    if (ret == 1) return 0;
    int r = outcome(c, ret);
    return r == 0 ? HOST_ETLS : r; /* the peer closed during the handshake */
}

/* A record holds at most 16 KiB: a read takes as many as are there and fit,
 * so a bulk transfer completes one read per socket buffer, as plain TCP
 * does, not one per record. Whatever stops the loop after some bytes (no
 * more data, the end, an error) is seen again by the next read. */
long tls_recv(tls_conn *c, uint8_t *buf, uint32_t max) {
    long total = 0;
    if (max > INT32_MAX) max = INT32_MAX;
    while (total < (long)max) {
        int ret = SSL_read(c->ssl, buf + total, (int)(max - (uint32_t)total));
        if (ret > 0) {
            total += ret;
            continue;
        }
        if (total == 0) return outcome(c, ret);
        ERR_clear_error();
        break;
    }
    return total;
}

long tls_send(tls_conn *c, const uint8_t *buf, uint32_t len) {
    int ret = SSL_write(c->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
    if (ret > 0) return ret;
    int r = outcome(c, ret);
    return r == 0 ? HOST_EPIPE : r;
}

bool tls_pending(tls_conn *c) { return SSL_has_pending(c->ssl) != 0; }

bool tls_conn_free(tls_conn *c) {
    if (!c) return false;
    bool alerted = false;
    if (!c->failed && SSL_is_init_finished(c->ssl)) {
        SSL_shutdown(c->ssl);
        alerted = true;
    }
    ERR_clear_error();
    SSL_free(c->ssl);
    free(c);
    return alerted;
}

/* posix_tls_lib.h - OpenSSL for posix_tls.c, loaded (dlopen) when the first
 * TLS context is made instead of linked: a program that never uses TLS,
 * as most scripts do not, then does not map and relocate libssl and
 * libcrypto at every start (0.8 ms of a native start that took 3.5).
 *
 * Every OpenSSL function posix_tls.c calls is named in TLS_LIB_FUNCS; in
 * posix_tls.c (which defines TLS_LIB_CALLS before including this) the
 * defines at the end make each name a pointer of tls_lib, whose type is
 * OpenSSL's own declaration of it. OpenSSL's macros (SSL_CTX_set_mode...)
 * expand to names of the list, and so go through it too. */
#ifndef LYNG_HOST_POSIX_TLS_LIB_H
#define LYNG_HOST_POSIX_TLS_LIB_H

#include <stdbool.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define TLS_LIB_FUNCS(X)                                                                        \
    X(BIO_clear_flags) X(BIO_get_data) X(BIO_get_new_index) X(BIO_meth_new)                     \
    X(BIO_meth_set_ctrl) X(BIO_meth_set_read) X(BIO_meth_set_write) X(BIO_new)                  \
    X(BIO_set_data) X(BIO_set_flags) X(BIO_set_init) X(ERR_clear_error)                         \
    X(SSL_CTX_check_private_key) X(SSL_CTX_ctrl) X(SSL_CTX_free)                                \
    X(SSL_CTX_load_verify_locations) X(SSL_CTX_new) X(SSL_CTX_set_default_verify_paths)         \
    X(SSL_CTX_set_options) X(SSL_CTX_use_PrivateKey_file) X(SSL_CTX_use_certificate_chain_file) \
    X(SSL_ctrl) X(SSL_do_handshake) X(SSL_free) X(SSL_get0_param) X(SSL_get_error)              \
    X(SSL_get_verify_result) X(SSL_has_pending) X(SSL_is_init_finished) X(SSL_new)              \
    X(SSL_read) X(SSL_set1_host) X(SSL_set_accept_state) X(SSL_set_bio)                         \
    X(SSL_set_connect_state) X(SSL_set_verify) X(SSL_shutdown) X(SSL_write)                     \
    X(TLS_client_method) X(TLS_server_method) X(X509_VERIFY_PARAM_set1_ip_asc)

typedef struct tls_lib_fns {
#define TLS_LIB_FIELD(name) __typeof__(name) *name;
    TLS_LIB_FUNCS(TLS_LIB_FIELD)
#undef TLS_LIB_FIELD
} tls_lib_fns;

extern tls_lib_fns tls_lib;

/* Loads OpenSSL the first time; false, every time, when it cannot be (no
 * libssl of the version the host was built with, or a function missing). */
bool tls_lib_load(void);

#ifdef TLS_LIB_CALLS
#define BIO_clear_flags (tls_lib.BIO_clear_flags)
#define BIO_get_data (tls_lib.BIO_get_data)
#define BIO_get_new_index (tls_lib.BIO_get_new_index)
#define BIO_meth_new (tls_lib.BIO_meth_new)
#define BIO_meth_set_ctrl (tls_lib.BIO_meth_set_ctrl)
#define BIO_meth_set_read (tls_lib.BIO_meth_set_read)
#define BIO_meth_set_write (tls_lib.BIO_meth_set_write)
#define BIO_new (tls_lib.BIO_new)
#define BIO_set_data (tls_lib.BIO_set_data)
#define BIO_set_flags (tls_lib.BIO_set_flags)
#define BIO_set_init (tls_lib.BIO_set_init)
#define ERR_clear_error (tls_lib.ERR_clear_error)
#define SSL_CTX_check_private_key (tls_lib.SSL_CTX_check_private_key)
#define SSL_CTX_ctrl (tls_lib.SSL_CTX_ctrl)
#define SSL_CTX_free (tls_lib.SSL_CTX_free)
#define SSL_CTX_load_verify_locations (tls_lib.SSL_CTX_load_verify_locations)
#define SSL_CTX_new (tls_lib.SSL_CTX_new)
#define SSL_CTX_set_default_verify_paths (tls_lib.SSL_CTX_set_default_verify_paths)
#define SSL_CTX_set_options (tls_lib.SSL_CTX_set_options)
#define SSL_CTX_use_PrivateKey_file (tls_lib.SSL_CTX_use_PrivateKey_file)
#define SSL_CTX_use_certificate_chain_file (tls_lib.SSL_CTX_use_certificate_chain_file)
#define SSL_ctrl (tls_lib.SSL_ctrl)
#define SSL_do_handshake (tls_lib.SSL_do_handshake)
#define SSL_free (tls_lib.SSL_free)
#define SSL_get0_param (tls_lib.SSL_get0_param)
#define SSL_get_error (tls_lib.SSL_get_error)
#define SSL_get_verify_result (tls_lib.SSL_get_verify_result)
#define SSL_has_pending (tls_lib.SSL_has_pending)
#define SSL_is_init_finished (tls_lib.SSL_is_init_finished)
#define SSL_new (tls_lib.SSL_new)
#define SSL_read (tls_lib.SSL_read)
#define SSL_set1_host (tls_lib.SSL_set1_host)
#define SSL_set_accept_state (tls_lib.SSL_set_accept_state)
#define SSL_set_bio (tls_lib.SSL_set_bio)
#define SSL_set_connect_state (tls_lib.SSL_set_connect_state)
#define SSL_set_verify (tls_lib.SSL_set_verify)
#define SSL_shutdown (tls_lib.SSL_shutdown)
#define SSL_write (tls_lib.SSL_write)
#define TLS_client_method (tls_lib.TLS_client_method)
#define TLS_server_method (tls_lib.TLS_server_method)
#define X509_VERIFY_PARAM_set1_ip_asc (tls_lib.X509_VERIFY_PARAM_set1_ip_asc)
#endif

#endif

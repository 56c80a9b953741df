/* lyng_constants.h - every number the C core shares with its hosts, listed
 * once as X-macros: run statuses, the host's error codes with the text
 * messages show, capability bits, the tags of values as bytes, the special
 * answers of the JavaScript host's imports, and the answers of the command
 * line's step functions. C expands the lists into enums and tables (lyng.h,
 * host.h, errors.c, exchange.c, js_net.c, cli.h, repl.h);
 * tools/gen_constants.c expands them into the JavaScript module
 * build/js/constants.mjs that js-shim/, bin/lyng and the playground import,
 * so the two sides cannot disagree. Each X(NAME, VALUE[, TEXT]) entry is
 * spelled without its prefix. */
#ifndef LYNG_CONSTANTS_H
#define LYNG_CONSTANTS_H

/* lyng_eval, lyng_run, lyng_start, lyng_run_tasks, lyng_task_status:
 * LYNG_<NAME> (lyng.h says what each call can return). */
#define LYNG_STATUS_MAP(X)                                                                              \
    X(DONE, 0)        /* the script and every coroutine finished */                                     \
    X(WAITING, 1)     /* waiting on the host: call lyng_run after a completion */                       \
    X(ERROR, 2)       /* the script raised an uncaught exception */                                     \
    X(COMPILE_ERROR, 3)                                                                                 \
    X(EXIT, 4)        /* the script called exit(code) */                                                \
    X(YIELDED, 5)     /* the slice of lyng_set_slice ran out: call lyng_run again */                    \
    X(INCOMPLETE, 6)  /* lyng_start: the input ended inside a statement; more text may complete it */

/* The status of a completion (lyng_complete): 0, or HOST_<NAME>, with the
 * text an IllegalOperationException shows for it ("connect to
 * 127.0.0.1:1 failed: ECONNREFUSED"). Shared by every backend, so a
 * failure reads the same natively, on Node, in a browser and on WASI. */
#define LYNG_HOST_ERROR_MAP(X)                                                                          \
    X(ECANCELED, -1, "ECANCELED")                                                                       \
    X(ECONNREFUSED, -2, "ECONNREFUSED")                                                                 \
    X(ECONNRESET, -3, "ECONNRESET")                                                                     \
    X(ETIMEDOUT, -4, "ETIMEDOUT")                                                                       \
    X(EADDRINUSE, -5, "EADDRINUSE")                                                                     \
    X(ENOTFOUND, -6, "ENOTFOUND")                                                                       \
    X(ECLOSED, -7, "ECLOSED")                                                                           \
    X(EINVAL, -8, "EINVAL")                                                                             \
    X(EUNSUPPORTED, -9, "EUNSUPPORTED")                                                                 \
    X(EPIPE, -10, "EPIPE")                                                                              \
    X(EACCES, -11, "EACCES")                                                                            \
    X(EADDRNOTAVAIL, -12, "EADDRNOTAVAIL")                                                              \
    X(ENETUNREACH, -13, "ENETUNREACH")                                                                  \
    X(EMFILE, -14, "EMFILE")                                                                            \
    X(EIO, -15, "EIO")                                                                                  \
    /* TLS: the handshake failed, and the certificate reasons worth naming; the codes at or below      \
     * ETLS are not worth retrying on another address of the same name (net_api.c) */                   \
    X(ETLS, -16, "TLS handshake failed")                                                                \
    X(ECERT_EXPIRED, -17, "certificate expired or not yet valid")                                       \
    X(ECERT_ISSUER, -18, "certificate from an unknown issuer")                                          \
    X(ECERT_NAME, -19, "certificate name mismatch")                                                     \
    X(ECERT_REJECTED, -20, "certificate rejected")                                                      \
    X(ECERT_FILES, -21,                                                                                 \
      "cannot load the certificate, key or CA file (missing, unreadable, not PEM, or a key that does "  \
      "not match)")

/* What a host can do (host_caps, the `caps` import): HOST_CAP_<NAME>. */
#define LYNG_HOST_CAP_MAP(X)                                                                            \
    X(TCP, 1)                                                                                           \
    X(TCP_SERVER, 2)                                                                                    \
    X(UDP, 4)                                                                                           \
    X(RESOLVE, 8)                                                                                       \
    X(TLS, 16)                                                                                          \
    X(REUSE_PORT, 32)

/* The first byte of each value in the byte format of lyng.h ("values as
 * bytes"), LYNG_TAG_<NAME>. */
#define LYNG_VALUE_TAG_MAP(X)                                                                           \
    X(NULL, 0)                                                                                          \
    X(VOID, 1)                                                                                          \
    X(FALSE, 2)                                                                                         \
    X(TRUE, 3)                                                                                          \
    X(INT, 4)                                                                                           \
    X(REAL, 5)                                                                                          \
    X(STRING, 6)                                                                                        \
    X(LIST, 7)                                                                                          \
    X(MAP, 8)                                                                                           \
    X(BUFFER, 9)                                                                                        \
    X(SET, 10)                                                                                          \
    X(OBJECT, 11)                                                                                       \
    X(OTHER, 12)

/* Answers of the JavaScript host's imports besides a length
 * (src/host/js_net.c): JS_<NAME>. */
#define LYNG_JS_HOST_MAP(X)                                                                             \
    X(SAME_SENDER, -1) /* udp_sender: the datagram came from the sender reported last */                \
    X(BLOCK_MIN, 32768) /* read_take: only a read of this many bytes or more has a block of its own */

/* The command line (src/cli/, not part of the library): cli_step returns
 * an exit code (>= 0) or CLI_<NAME>; repl_step returns REPL_<NAME>. */
#define LYNG_CLI_STEP_MAP(X)                                                                            \
    X(WAITING, -1) /* the script waits on the host: call again after its events */                      \
    X(YIELDED, -2) /* the slice ran out: call again soon */

#define LYNG_REPL_STEP_MAP(X)                                                                           \
    X(IDLE, 0)  /* nothing can run until a line or a host event arrives */                              \
    X(WAIT, 1)  /* coroutines wait on the host: call repl_step after its events */                      \
    X(AGAIN, 2) /* the slice ran out: call repl_step again soon */                                      \
    X(QUIT, 3)  /* :quit, or the script called exit(): see repl_exit_code */

#endif

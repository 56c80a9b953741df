/* errors.c - names of the host error codes (HOST_E* in host.h). Every
 * backend shares this table, so a refused connection reads the same in a
 * native run, in Node and in a browser. Also the default of host_where. */
#include "host.h"

/* Weak, so that a backend which can name its platform (js.c) overrides it
 * and the others need not define it. */
__attribute__((weak)) const char *host_where(host *h) {
    (void)h;
    return "on this platform";
}

/* Weak as well: a backend that can say more about a missing capability
 * (the Node version it needs) overrides it. */
__attribute__((weak)) const char *host_missing(host *h, unsigned cap) {
    (void)h;
    (void)cap;
    return NULL;
}

const char *host_error_name(int status) {
    switch (status) {
    case HOST_OK: return "OK";
    case HOST_ECANCELED: return "ECANCELED";
    case HOST_ECONNREFUSED: return "ECONNREFUSED";
    case HOST_ECONNRESET: return "ECONNRESET";
    case HOST_ETIMEDOUT: return "ETIMEDOUT";
    case HOST_EADDRINUSE: return "EADDRINUSE";
    case HOST_ENOTFOUND: return "ENOTFOUND";
    case HOST_ECLOSED: return "ECLOSED";
    case HOST_EINVAL: return "EINVAL";
    case HOST_EUNSUPPORTED: return "EUNSUPPORTED";
    case HOST_EPIPE: return "EPIPE";
    case HOST_EACCES: return "EACCES";
    case HOST_EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case HOST_ENETUNREACH: return "ENETUNREACH";
    case HOST_EMFILE: return "EMFILE";
    case HOST_EIO: return "EIO";
    case HOST_ETLS: return "TLS handshake failed";
    case HOST_ECERT_EXPIRED: return "certificate expired or not yet valid";
    case HOST_ECERT_ISSUER: return "certificate from an unknown issuer";
    case HOST_ECERT_NAME: return "certificate name mismatch";
    case HOST_ECERT_REJECTED: return "certificate rejected";
    case HOST_ECERT_FILES: return "cannot load the certificate, key or CA file (missing, unreadable, not PEM, or a key that does not match)";
    default: return "EUNKNOWN";
    }
}

/* errors.c - the text of each host error code (lyng_constants.h), which
 * every backend shares, and the defaults of the host functions a backend
 * need not define (host_where, host_missing). */
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

/* Weak as well: only the native backend watches a descriptor; elsewhere
 * this is host_wait. */
__attribute__((weak)) int host_wait_fd(host *h, int fd, int timeout_ms, bool *readable) {
    (void)fd;
    *readable = false;
    return host_wait(h, timeout_ms);
}

const char *host_error_name(int status) {
    switch (status) {
    case HOST_OK: return "OK";
#define HOST_ERROR_CASE(name, value, text) \
    case value: return text;
        LYNG_HOST_ERROR_MAP(HOST_ERROR_CASE)
#undef HOST_ERROR_CASE
    default: return "EUNKNOWN";
    }
}

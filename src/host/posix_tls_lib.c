/* posix_tls_lib.c - loads OpenSSL on first use (see posix_tls_lib.h). */
#include "posix_tls_lib.h"

#include "host/lib_load.h"

tls_lib_fns tls_lib;

/* The libssl of the major version the host was compiled against: its
 * functions have the types of the headers used. libcrypto comes with it
 * (a dependency of libssl), and dlsym on libssl's handle finds its
 * functions too. */
#define TLS_LIB_MAJOR OPENSSL_MSTR(OPENSSL_VERSION_MAJOR)
static const char *const lib_names[] = {"libssl.so." TLS_LIB_MAJOR, "libssl." TLS_LIB_MAJOR ".dylib"};

bool tls_lib_load(void) {
    static int state; /* 0 not tried, 1 loaded, -1 failed */
    if (state) return state > 0;
    state = -1;
    void *h = lib_load_first(lib_names, sizeof lib_names / sizeof lib_names[0]);
    if (!h) return false;
#define TLS_LIB_RESOLVE(name)                                          \
    if (!(tls_lib.name = (__typeof__(tls_lib.name))dlsym(h, #name))) \
        return false;
    TLS_LIB_FUNCS(TLS_LIB_RESOLVE)
#undef TLS_LIB_RESOLVE
    state = 1;
    return true;
}

/* posix_compat.c - Linux's one-call socket forms and their POSIX fallbacks
 * (see posix_compat.h). */
#if defined(__linux__) && !defined(_POSIX_C_SOURCE)
#define _GNU_SOURCE /* accept4, SOCK_NONBLOCK, MSG_NOSIGNAL */
#define POSIX_LINUX_CALLS 1
#endif

#include "posix_compat.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef POSIX_LINUX_CALLS
/* Makes fd non-blocking and close-on-exec; closes it on failure. */
static int setup_fd(int fd) {
    if (fd < 0) return fd;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        close(fd);
        return -1;
    }
#ifdef SO_NOSIGPIPE
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    return fd;
}
#endif

int posix_socket(int family, int type) {
#ifdef POSIX_LINUX_CALLS
    return socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
#else
    return setup_fd(socket(family, type, 0));
#endif
}

int posix_accept(int listener) {
#ifdef POSIX_LINUX_CALLS
    return accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    return setup_fd(accept(listener, NULL, NULL));
#endif
}

ssize_t posix_send(int fd, const void *buf, size_t len) {
#ifdef POSIX_LINUX_CALLS
    return send(fd, buf, len, MSG_NOSIGNAL);
#else
    return send(fd, buf, len, 0);
#endif
}

/* Without MSG_NOSIGNAL or SO_NOSIGPIPE a send to a gone peer raises SIGPIPE,
 * which would end the process; ignored, the send fails with EPIPE. A
 * handler the embedder installed is left alone. */
void posix_no_sigpipe(void) {
#if !defined(POSIX_LINUX_CALLS) && !defined(SO_NOSIGPIPE)
    struct sigaction old;
    if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
        struct sigaction ign = {0};
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        sigaction(SIGPIPE, &ign, NULL);
    }
#endif
}

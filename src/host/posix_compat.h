/* posix_compat.h - the socket calls whose best form differs between Unixes.
 * Linux creates and accepts non-blocking, close-on-exec sockets in one call
 * (SOCK_NONBLOCK, accept4) and sends without raising SIGPIPE per call
 * (MSG_NOSIGNAL); elsewhere POSIX fcntl does the first, and SO_NOSIGPIPE
 * (macOS, the BSDs) or ignoring SIGPIPE the second. A build that defines
 * _POSIX_C_SOURCE itself gets the POSIX forms on Linux too, which is how the
 * poll build proves they work. */
#ifndef LYNG_HOST_POSIX_COMPAT_H
#define LYNG_HOST_POSIX_COMPAT_H

#include <stddef.h>
#include <sys/types.h>

/* A non-blocking, close-on-exec socket; -1 and errno on failure. */
int posix_socket(int family, int type);
/* accept with the same flags; -1 and errno when there is nothing or on error. */
int posix_accept(int listener);
/* send that reports a gone peer as EPIPE instead of raising SIGPIPE. */
ssize_t posix_send(int fd, const void *buf, size_t len);
/* Once per process where sends cannot be told not to raise SIGPIPE. */
void posix_no_sigpipe(void);

#endif

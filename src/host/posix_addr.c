/* posix_addr.c - the native backend's addresses: numeric text to a
 * sockaddr and back, opening a socket for an address, and name lookup. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "posix_compat.h"
#include "posix_internal.h"

bool posix_parse_ip(const char *ip, int port, struct sockaddr_storage *ss, socklen_t *len) {
    memset(ss, 0, sizeof *ss);
    uint8_t bytes[16];
    int family;
    if (port < 0 || port > 65535 || !host_ip_bytes(ip, bytes, &family)) return false;
    if (family == 4) {
        struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        memcpy(&v4->sin_addr, bytes, 4);
        *len = sizeof *v4;
    } else {
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        memcpy(&v6->sin6_addr, bytes, 16);
        *len = sizeof *v6;
    }
    return true;
}

void posix_to_host_addr(const struct sockaddr *sa, host_addr *out) {
    memset(out, 0, sizeof *out);
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &v6->sin6_addr, out->ip, sizeof out->ip);
        out->port = ntohs(v6->sin6_port);
        out->family = 6;
    } else {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &v4->sin_addr, out->ip, sizeof out->ip);
        out->port = ntohs(v4->sin_port);
        out->family = 4;
    }
}

int posix_open(host *h, uint32_t op, const char *ip, int port, int type, struct sockaddr_storage *ss, socklen_t *len) {
    if (!posix_parse_ip(ip, port, ss, len)) {
        host_push_done(h, op, HOST_EINVAL, 0);
        return -1;
    }
    int fd = posix_socket(ss->ss_family, type);
    if (fd < 0) host_push_done(h, op, posix_error(errno), 0);
    return fd;
}

/* Resolution runs getaddrinfo in place: numeric addresses and names from
 * the hosts file answer at once; a slow DNS server would stall the loop,
 * which is acceptable until resolution moves to a helper thread. */
void host_resolve(host *h, uint32_t op, const char *name) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    char buf[256];
    name = host_unbracket(name, buf, sizeof buf);
    int rc = *name ? getaddrinfo(name, NULL, &hints, &res) : EAI_NONAME;
    if (rc != 0) {
        host_push_done(h, op, rc == EAI_SYSTEM ? posix_error(errno) : HOST_ENOTFOUND, 0);
        return;
    }
    int count = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) count++;
    host_addr *addrs = host_xrealloc(NULL, sizeof(host_addr) * (size_t)count);
    int k = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next)
        if (a->ai_family == AF_INET || a->ai_family == AF_INET6) posix_to_host_addr(a->ai_addr, &addrs[k++]);
    freeaddrinfo(res);
    if (k == 0) {
        free(addrs);
        host_push_done(h, op, HOST_ENOTFOUND, 0);
        return;
    }
    addr_results_add(&h->results, op, addrs, k);
    host_push_done(h, op, 0, k);
}

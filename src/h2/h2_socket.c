/*
 * h2_socket: TCP sockets for the HTTP/2 wire (see h2_socket.h).
 *
 * Design
 *   IPv4 only, addresses as numbers ("localhost" is 127.0.0.1): the
 *   tool listens on loopback unless told otherwise, and never resolves
 *   names. Each failure says what it tried and the system's words
 *   (strerror), so "connection refused" and "address already in use"
 *   reach the user as they are.
 *   A tap (for --pcap) is looked up by descriptor in a small table that
 *   is only written while no thread uses the socket (see h2_socket.h),
 *   so reads and writes take no lock for it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "h2/h2_socket.h"

static struct {
    int fd;
    struct h2_socket_tap tap;
} taps[H2_SOCKET_TAPS] = {{-1, {NULL, NULL}}, {-1, {NULL, NULL}},
                          {-1, {NULL, NULL}}, {-1, {NULL, NULL}}};

enum status h2_socket_set_tap(int fd, const struct h2_socket_tap *tap)
{
    int i = 0, free_slot = -1;

    for (i = 0; i < H2_SOCKET_TAPS; i++) {
        if (taps[i].fd == fd && fd >= 0) {
            free_slot = i;
            break;
        }
        if (taps[i].fd < 0 && free_slot < 0)
            free_slot = i;
    }
    if (tap == NULL) {
        if (free_slot >= 0 && taps[free_slot].fd == fd)
            taps[free_slot].fd = -1;
        return STATUS_OK;
    }
    if (free_slot < 0)
        return STATUS_RESOURCE_EXHAUSTED;
    taps[free_slot].tap = *tap;
    taps[free_slot].fd = fd;
    return STATUS_OK;
}

/* Tells fd's tap, if it has one. */
static void tell(int fd, enum h2_socket_event ev, const void *buf, size_t n)
{
    int i = 0;

    for (i = 0; i < H2_SOCKET_TAPS; i++)
        if (taps[i].fd == fd && fd >= 0) {
            taps[i].tap.fn(taps[i].tap.arg, ev, buf, n);
            return;
        }
}

enum status h2_socket_parse_addr(const char *addr, char *host, size_t cap,
                                 uint16_t *port, struct status_detail *why)
{
    const char *colon = strrchr(addr, ':');
    char *end = NULL;
    long p = 0;
    size_t n = 0;

    if (colon == NULL || colon == addr)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "\"%s\" is not HOST:PORT", addr);
    n = (size_t)(colon - addr);
    errno = 0;
    p = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno != 0 || p < 0 ||
        p > 65535)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "\"%s\": the port must be 0 to 65535",
                                 addr);
    if (n >= cap)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "\"%s\": the host is too long", addr);
    memcpy(host, addr, n);
    host[n] = '\0';
    *port = (uint16_t)p;
    return STATUS_OK;
}

/* host:port as a sockaddr; localhost is 127.0.0.1. */
static enum status make_addr(const char *host, uint16_t port,
                             struct sockaddr_in *sa, struct status_detail *why)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "\"%s\" is not an IPv4 address", host);
    return STATUS_OK;
}

static enum status failed(int fd, struct status_detail *why, const char *what,
                          const char *host, uint16_t port)
{
    int err = errno;

    if (fd >= 0)
        close(fd);
    return status_detail_set(why, STATUS_UNAVAILABLE, "%s %s:%u: %s", what,
                             host, (unsigned)port, strerror(err));
}

enum status h2_socket_listen(const char *host, uint16_t port, int *fd,
                             uint16_t *bound_port, struct status_detail *why)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    enum status st = make_addr(host, port, &sa, why);
    int s = -1;

    if (st != STATUS_OK)
        return st;
    s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return failed(s, why, "socket for", host, port);
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) != 0)
        return failed(s, why, "cannot listen on", host, port);
    if (listen(s, 16) != 0 ||
        getsockname(s, (struct sockaddr *)&sa, &len) != 0)
        return failed(s, why, "cannot listen on", host, port);
    *fd = s;
    *bound_port = ntohs(sa.sin_port);
    return STATUS_OK;
}

enum status h2_socket_accept(int lfd, int timeout_ms, int *fd,
                             struct status_detail *why)
{
    struct pollfd p = {lfd, POLLIN, 0};
    int n = 0;
    int s = -1;
    int one = 1;

    do
        n = poll(&p, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    if (n == 0)
        return status_detail_set(why, STATUS_DEADLINE_EXCEEDED,
                                 "nobody connected within %d ms", timeout_ms);
    if (n > 0)
        s = accept(lfd, NULL, NULL);
    if (s < 0)
        return status_detail_set(why, STATUS_UNAVAILABLE, "accept: %s",
                                 strerror(errno));
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *fd = s;
    return STATUS_OK;
}

enum status h2_socket_connect(const char *host, uint16_t port, int *fd,
                              struct status_detail *why)
{
    struct sockaddr_in sa;
    enum status st = make_addr(host, port, &sa, why);
    int s = -1;
    int one = 1;

    if (st != STATUS_OK)
        return st;
    s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return failed(s, why, "socket for", host, port);
    if (connect(s, (struct sockaddr *)&sa, sizeof sa) != 0)
        return failed(s, why, "cannot connect to", host, port);
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *fd = s;
    return STATUS_OK;
}

enum status h2_socket_loopback_pair(int fds[2], struct status_detail *why)
{
    uint16_t port = 0;
    int lfd = -1, c = -1, s = -1;
    enum status st = h2_socket_listen("127.0.0.1", 0, &lfd, &port, why);

    if (st == STATUS_OK)
        st = h2_socket_connect("127.0.0.1", port, &c, why);
    if (st == STATUS_OK)
        st = h2_socket_accept(lfd, 5000, &s, why);
    if (lfd >= 0)
        close(lfd);
    if (st != STATUS_OK) {
        if (c >= 0)
            close(c);
        return st;
    }
    fds[0] = c;
    fds[1] = s;
    return STATUS_OK;
}

enum status h2_socket_read(int fd, void *buf, size_t cap, size_t *got)
{
    ssize_t n = 0;

    do
        n = read(fd, buf, cap);
    while (n < 0 && errno == EINTR);
    if (n == 0) {
        tell(fd, H2_SOCKET_PEER_FIN, NULL, 0);
        return STATUS_EOF;
    }
    if (n < 0) {
        /* SO_RCVTIMEO's timeout (a closing end's linger) is no reset. */
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            tell(fd, H2_SOCKET_PEER_RESET, NULL, 0);
        return STATUS_UNAVAILABLE;
    }
    tell(fd, H2_SOCKET_RECEIVED, buf, (size_t)n);
    *got = (size_t)n;
    return STATUS_OK;
}

enum status h2_socket_write(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;

    tell(fd, H2_SOCKET_SENT, buf, n);
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return STATUS_UNAVAILABLE;
        p += w;
        n -= (size_t)w;
    }
    return STATUS_OK;
}

void h2_socket_shutdown(int fd, int how)
{
    if (how != SHUT_RD)
        tell(fd, H2_SOCKET_FIN, NULL, 0);
    shutdown(fd, how);
}

enum status h2_socket_set_send_timeout(int fd, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

    if (ms < 1 || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
        return STATUS_INVALID_ARGUMENT;
    return STATUS_OK;
}

int h2_socket_send_timeout(int fd)
{
    struct timeval tv = {0, 0};
    socklen_t len = sizeof tv;

    if (getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &len) != 0)
        return 0;
    return (int)(tv.tv_sec * 1000 + tv.tv_usec / 1000);
}

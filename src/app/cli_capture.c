/*
 * cli_capture: --pcap on a real socket (see cli_capture.h).
 *
 * Design
 *   The tap turns the socket's events into the capture's directions:
 *   what this end sent goes c2s from a client and s2c from a server,
 *   what it read the other way. The ports are the socket's own
 *   (getsockname, getpeername), so a filter on the server's port finds
 *   the connection as a capture of the real loopback traffic would.
 */
#include "app/cli_capture.h"

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <time.h>

#include "core/wire_socket.h"
#include "h2/h2_socket.h"
#include "view/pcap.h"

long long cli_capture_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* What a socket did, whichever wire's tap saw it. */
enum seen { SEEN_DATA, SEEN_FIN, SEEN_RESET };

/* Writes what this end (ours 1) or the peer did, now. */
static void record(struct cli_capture *cap, int ours, enum seen what,
                   const uint8_t *buf, size_t n)
{
    int mine = cap->server ? PCAP_S2C : PCAP_C2S;
    int dir = ours ? mine : 1 - mine;
    long long now = cli_capture_now_ns();

    switch (what) {
    case SEEN_DATA: pcap_data(cap->pcap, dir, now, buf, n); break;
    case SEEN_FIN: pcap_fin(cap->pcap, dir, now); break;
    case SEEN_RESET: pcap_reset(cap->pcap, dir, now); break;
    }
}

/* The HTTP/2 wire's tap (h2_socket.h). */
static void tapped(void *arg, enum h2_socket_event ev, const uint8_t *buf,
                   size_t n)
{
    switch (ev) {
    case H2_SOCKET_SENT: record(arg, 1, SEEN_DATA, buf, n); break;
    case H2_SOCKET_RECEIVED: record(arg, 0, SEEN_DATA, buf, n); break;
    case H2_SOCKET_PEER_FIN: record(arg, 0, SEEN_FIN, NULL, 0); break;
    case H2_SOCKET_PEER_RESET: record(arg, 0, SEEN_RESET, NULL, 0); break;
    case H2_SOCKET_FIN: record(arg, 1, SEEN_FIN, NULL, 0); break;
    }
}

/* The raw wire's tap (wire_socket.h). */
static void tapped_raw(void *arg, enum wire_socket_event ev,
                       const uint8_t *buf, size_t n)
{
    switch (ev) {
    case WIRE_SOCKET_SENT: record(arg, 1, SEEN_DATA, buf, n); break;
    case WIRE_SOCKET_RECEIVED: record(arg, 0, SEEN_DATA, buf, n); break;
    case WIRE_SOCKET_PEER_FIN: record(arg, 0, SEEN_FIN, NULL, 0); break;
    case WIRE_SOCKET_PEER_RESET: record(arg, 0, SEEN_RESET, NULL, 0); break;
    case WIRE_SOCKET_FIN: record(arg, 1, SEEN_FIN, NULL, 0); break;
    case WIRE_SOCKET_RESET: record(arg, 1, SEEN_RESET, NULL, 0); break;
    }
}

enum status cli_capture_open(struct cli_capture *cap, const char *path,
                             int server, struct status_detail *why)
{
    cap->pcap = NULL;
    cap->fd = -1;
    cap->server = server;
    if (path == NULL)
        return STATUS_OK;
    return pcap_create(path, &cap->pcap, why);
}

/* fd's port at this end (local 1) or the peer's. */
static uint16_t port_of(int fd, int local)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int rc = local ? getsockname(fd, (struct sockaddr *)&sa, &len)
                   : getpeername(fd, (struct sockaddr *)&sa, &len);

    return rc == 0 ? ntohs(sa.sin_port) : 0;
}

enum status cli_capture_begin(struct cli_capture *cap, int fd)
{
    struct h2_socket_tap tap = {tapped, cap};
    uint16_t client = port_of(fd, !cap->server);
    uint16_t server = port_of(fd, cap->server);

    if (cap->pcap == NULL)
        return STATUS_OK;
    pcap_handshake(cap->pcap, client, server, cli_capture_now_ns());
    if (h2_socket_set_tap(fd, &tap) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    cap->fd = fd;
    return STATUS_OK;
}

struct wire_socket_tap cli_capture_begin_raw(struct cli_capture *cap, int fd)
{
    struct wire_socket_tap tap = {NULL, NULL};

    if (cap->pcap == NULL)
        return tap;
    pcap_handshake(cap->pcap, port_of(fd, !cap->server),
                   port_of(fd, cap->server), cli_capture_now_ns());
    tap.fn = tapped_raw;
    tap.arg = cap;
    return tap;
}

void cli_capture_end(struct cli_capture *cap)
{
    if (cap->pcap == NULL || cap->fd < 0)
        return;
    h2_socket_set_tap(cap->fd, NULL);
    cap->fd = -1;
}

enum status cli_capture_close(struct cli_capture *cap,
                              struct status_detail *why)
{
    enum status st = pcap_close(cap->pcap, why);

    cap->pcap = NULL;
    return st;
}

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

#include "h2/h2_socket.h"
#include "view/pcap.h"

long long cli_capture_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void tapped(void *arg, enum h2_socket_event ev, const uint8_t *buf,
                   size_t n)
{
    struct cli_capture *cap = arg;
    int ours = cap->server ? PCAP_S2C : PCAP_C2S;
    long long now = cli_capture_now_ns();

    switch (ev) {
    case H2_SOCKET_SENT: pcap_data(cap->pcap, ours, now, buf, n); break;
    case H2_SOCKET_RECEIVED:
        pcap_data(cap->pcap, 1 - ours, now, buf, n);
        break;
    case H2_SOCKET_PEER_FIN: pcap_fin(cap->pcap, 1 - ours, now); break;
    case H2_SOCKET_PEER_RESET: pcap_reset(cap->pcap, 1 - ours, now); break;
    case H2_SOCKET_FIN: pcap_fin(cap->pcap, ours, now); break;
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

/*
 * cli_capture: --pcap for `duplex serve` and `duplex call`, a real
 * socket's packets written as they happen (view/pcap.h through
 * h2_socket's tap, or the raw wire's, wire_socket.h).
 *
 * Design
 *   One capture file per command; each connection in it begins with its
 *   handshake when the tap is put on (the connection is made by then) and
 *   gets its FINs and RSTs as the socket saw them: the peer's when a
 *   read returned EOF or failed, this end's when it shut its sending
 *   side. Timestamps are real time (CLOCK_REALTIME), so Wireshark shows
 *   the clock of the run.
 */
#ifndef CLI_CAPTURE_H
#define CLI_CAPTURE_H

#include "core/status.h"
#include "core/wire_socket.h"

struct pcap;

struct cli_capture {
    struct pcap *pcap; /* NULL: no --pcap */
    int fd;            /* the socket tapped now, or -1 */
    int server;        /* this end is the server (its sends are s2c) */
};

/*
 * Opens path for the command's capture (path NULL: no capture, and the
 * other functions do nothing). Returns STATUS_OK, or what pcap_create
 * returns (why says it).
 */
enum status cli_capture_open(struct cli_capture *cap, const char *path,
                             int server, struct status_detail *why);

/*
 * Begins fd's connection in the capture (its handshake, now) and taps
 * fd. Call it before fd goes to a wire. Returns STATUS_OK, or
 * STATUS_RESOURCE_EXHAUSTED when no tap was free (nothing is captured).
 */
enum status cli_capture_begin(struct cli_capture *cap, int fd);

/*
 * The same for the raw wire over TCP: begins fd's connection in the
 * capture and returns the tap to give the wire (wire_socket_peer.tap),
 * which writes into the capture until the wire is destroyed. With no
 * capture, a tap that does nothing (fn NULL).
 */
struct wire_socket_tap cli_capture_begin_raw(struct cli_capture *cap, int fd);

/* Takes the tap off (after the wire is destroyed). */
void cli_capture_end(struct cli_capture *cap);

/* Closes the file. Returns STATUS_OK or STATUS_UNAVAILABLE (why). */
enum status cli_capture_close(struct cli_capture *cap,
                              struct status_detail *why);

/* Now, as ns since 1970 (the capture's clock). */
long long cli_capture_now_ns(void);

#endif /* CLI_CAPTURE_H */

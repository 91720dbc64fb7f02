/*
 * h2_socket: TCP sockets for the HTTP/2 wire, on loopback unless told.
 *
 * The HTTP/2 connection (h2_conn.c) normally runs on a pair of duplex's
 * in-process pipes. With a socket it runs on real TCP instead: the same
 * bytes, written with send(2) and read with read(2). These helpers make
 * the sockets and say clearly what went wrong when they cannot.
 *
 * Design
 *   Plain blocking sockets, as grpc-go's transport reads a net.Conn: a
 *   reader thread blocks in read, a writer thread in send. A socket
 *   blocks a real thread, so sockets are for OS mode only: the simulator
 *   cannot schedule a thread that waits inside the kernel.
 *   Every send uses MSG_NOSIGNAL: a peer that went away is a status
 *   (UNAVAILABLE), never SIGPIPE. A send on a connection to a real peer
 *   waits at most the socket's send timeout (SO_SNDTIMEO), so a peer
 *   that reads nothing cannot hold the writer thread for ever.
 */
#ifndef H2_SOCKET_H
#define H2_SOCKET_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/*
 * Splits "HOST:PORT" (HOST a dotted IPv4 address, or "localhost") into
 * its parts.
 * Returns one of:
 *   STATUS_OK                *host (cap bytes) and *port are set
 *   STATUS_INVALID_ARGUMENT  no ':', an empty host, or a port that is not
 *                            a number from 0 to 65535; outs untouched
 * why (may be NULL) gets the words.
 */
enum status h2_socket_parse_addr(const char *addr, char *host, size_t cap,
                                 uint16_t *port, struct status_detail *why);

/*
 * Listens on host:port (port 0: the kernel picks one; *bound_port says
 * which). Returns one of:
 *   STATUS_OK                  *fd listens, *bound_port is its port
 *   STATUS_INVALID_ARGUMENT    host is not an IPv4 address
 *   STATUS_UNAVAILABLE         the port is in use, or bind/listen failed
 *                              (why says which, with the system's words)
 * Outs untouched on failure.
 */
enum status h2_socket_listen(const char *host, uint16_t port, int *fd,
                             uint16_t *bound_port, struct status_detail *why);

/*
 * Accepts one connection on listener lfd, waiting at most timeout_ms
 * (-1: no limit). Returns one of:
 *   STATUS_OK                 *fd is the connection
 *   STATUS_DEADLINE_EXCEEDED  nobody connected in time
 *   STATUS_UNAVAILABLE        accept failed
 */
enum status h2_socket_accept(int lfd, int timeout_ms, int *fd,
                             struct status_detail *why);

/*
 * Connects to host:port. Returns one of:
 *   STATUS_OK                  *fd is the connection
 *   STATUS_INVALID_ARGUMENT    host is not an IPv4 address
 *   STATUS_UNAVAILABLE         refused, or the connection failed (why
 *                              says "connection refused" and the address)
 */
enum status h2_socket_connect(const char *host, uint16_t port, int *fd,
                              struct status_detail *why);

/*
 * Two connected loopback TCP sockets (a client's, fds[0], and the
 * server's it was accepted as, fds[1]), for one process to run both
 * ends of a connection over real TCP. Returns STATUS_OK or
 * STATUS_UNAVAILABLE (why says what failed); fds untouched on failure.
 */
enum status h2_socket_loopback_pair(int fds[2], struct status_detail *why);

/*
 * Reads what is there (at most cap bytes), blocking while nothing is.
 * Returns STATUS_OK (*got > 0), STATUS_EOF (the peer shut its side) or
 * STATUS_UNAVAILABLE (the connection failed or was reset).
 */
enum status h2_socket_read(int fd, void *buf, size_t cap, size_t *got);

/* Writes all n bytes. Returns STATUS_OK or STATUS_UNAVAILABLE. */
enum status h2_socket_write(int fd, const void *buf, size_t n);

/*
 * How long a send on a connection to a real peer may wait for room in
 * its TCP window (the peer reads nothing) before the connection is given
 * up: h2_peer_wire_create gives a socket this unless it has its own.
 */
#define H2_SOCKET_SEND_TIMEOUT_MS 10000

/*
 * The request headers a server end facing a real peer accepts (names,
 * values and 32 bytes each, as RFC 9113 counts them), said in its
 * SETTINGS_MAX_HEADER_LIST_SIZE: 16 KiB, grpc-core's hard limit. A peer
 * that sends more ends the connection with RESOURCE_EXHAUSTED.
 */
#define H2_SOCKET_MAX_HEADER_LIST 16384

/*
 * Gives fd a send timeout (SO_SNDTIMEO): a send(2) that can put no byte
 * into the socket for ms milliseconds fails, and h2_socket_write returns
 * STATUS_UNAVAILABLE. Returns STATUS_OK, or STATUS_INVALID_ARGUMENT (ms
 * below 1, or fd is not a socket).
 */
enum status h2_socket_set_send_timeout(int fd, int ms);

/* fd's send timeout in milliseconds; 0: none (a send may wait forever). */
int h2_socket_send_timeout(int fd);

/*
 * shutdown(2) of fd (SHUT_WR: this end is done sending, the peer reads
 * EOF, as TCP's FIN), told to fd's tap.
 */
void h2_socket_shutdown(int fd, int how);

/*
 * A tap: what one socket carried, for a capture (view/pcap.h). Its fn
 * is called with the bytes h2_socket_write is about to send (before
 * send(2), so what a peer answers is never seen first), the bytes each
 * h2_socket_read returned, the peer's end (EOF read: its FIN) or reset
 * (a read failed), and this end's shutdown. fn runs on the connection's
 * reader and writer threads, both at once: it must be thread-safe.
 */
enum h2_socket_event {
    H2_SOCKET_SENT,       /* buf, n: about to be sent */
    H2_SOCKET_RECEIVED,   /* buf, n: read */
    H2_SOCKET_PEER_FIN,   /* the peer ended its direction */
    H2_SOCKET_PEER_RESET, /* a read failed: the peer reset it */
    H2_SOCKET_FIN         /* this end shut its sending side */
};
struct h2_socket_tap {
    void (*fn)(void *arg, enum h2_socket_event ev, const uint8_t *buf,
               size_t n);
    void *arg;
};

/* How many sockets may have a tap at once. */
#define H2_SOCKET_TAPS 4

/*
 * Gives fd a tap (tap NULL: takes it away). Set it before fd is handed
 * to a wire (the wire's threads start after, and so see it) and take it
 * away after the wire is destroyed (its threads are joined): the table
 * has no lock of its own. Returns STATUS_OK, or STATUS_RESOURCE_EXHAUSTED
 * when H2_SOCKET_TAPS sockets have one already.
 */
enum status h2_socket_set_tap(int fd, const struct h2_socket_tap *tap);

#endif /* H2_SOCKET_H */

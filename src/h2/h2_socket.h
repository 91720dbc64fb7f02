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
 *   (UNAVAILABLE), never SIGPIPE.
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

#endif /* H2_SOCKET_H */

/*
 * wire_socket: the raw wire over a real TCP connection.
 *
 * The same gRPC frames as the raw wire (wire_raw.h), 5-byte prefix and
 * payload back to back, but on one TCP socket instead of two in-process
 * pipes: this process runs one end of the call (the client's or the
 * server's) and the peer, another process, runs the other. Its half-close
 * is TCP's own: CloseSend is shutdown(fd, SHUT_WR), which sends a FIN
 * after the last byte, and the peer's read returns 0 once it has read
 * everything before it: io.EOF. See wire_socket.c's Design for what a
 * reset and a status become.
 *
 * OS mode only: a socket blocks a real thread in the kernel, which the
 * simulator cannot schedule.
 */
#ifndef WIRE_SOCKET_H
#define WIRE_SOCKET_H

#include <stddef.h>
#include <stdint.h>

#include "core/wire.h"

/* Which end of the call this process runs. */
enum { WIRE_SOCKET_CLIENT = 0, WIRE_SOCKET_SERVER = 1 };

/*
 * A tap sees what goes through the socket, for a capture (`--pcap`): the
 * bytes of each frame just before they are sent, the bytes each read
 * returned, the peer's FIN (a read of 0) or reset (a read or send that
 * failed), and this end's FIN (shutdown) and RST (an abort). fn runs on
 * whichever thread did it, several at once: it must be thread-safe.
 */
enum wire_socket_event {
    WIRE_SOCKET_SENT,       /* buf, n: about to be sent */
    WIRE_SOCKET_RECEIVED,   /* buf, n: read */
    WIRE_SOCKET_PEER_FIN,   /* the peer ended its direction */
    WIRE_SOCKET_PEER_RESET, /* the peer reset the connection */
    WIRE_SOCKET_FIN,        /* this end shut its sending side */
    WIRE_SOCKET_RESET       /* this end reset the connection */
};
struct wire_socket_tap {
    void (*fn)(void *arg, enum wire_socket_event ev, const uint8_t *buf,
               size_t n); /* NULL: no tap */
    void *arg;
};

/* What create takes as its arg: {"raw", wire_socket_create, &peer}. */
struct wire_socket_peer {
    int fd;   /* a connected TCP socket; the wire owns it from create on */
    int side; /* WIRE_SOCKET_CLIENT (sends c2s, reads s2c) or
                 WIRE_SOCKET_SERVER (reads c2s, sends s2c) */
    struct wire_socket_tap tap; /* zero: none */
};

/*
 * Creates a raw wire on peer->fd (arg is a struct wire_socket_peer *).
 * The wire owns the descriptor from here on: it is closed with the wire,
 * or at once when create fails. Use only the stream end that is ours
 * (peer->side); wire_pipe of this wire is NULL, since the bytes wait in
 * the kernel's buffers, not in a pipe. params->capacity, window and
 * conn_window mean nothing here (TCP's own window does their work).
 * Returns one of:
 *   STATUS_OK                   *out is the new wire
 *   STATUS_FAILED_PRECONDITION  in SIM mode
 *   STATUS_RESOURCE_EXHAUSTED   out of memory or descriptors (the wire
 *                               needs a pipe(2) of its own); *out untouched
 * Free it with wire_destroy (it closes the socket: a FIN if nothing
 * unread is left, else, by TCP's rule, an RST).
 */
enum status wire_socket_create(void *arg, const struct wire_params *params,
                               struct wire **out);

/* What the wire did, counted as it happened (for the narration). */
struct wire_socket_stats {
    uint64_t frames_sent;  /* whole frames handed to the kernel */
    uint64_t frames_read;  /* whole frames read */
    uint64_t reads;        /* read calls that returned bytes */
    int fin_sent;          /* close_send called shutdown(SHUT_WR) */
    int fin_read;          /* a read returned 0: the peer's FIN */
    uint64_t read_before_fin; /* frames read before that read */
    int reset_sent;        /* an abort closed with SO_LINGER 0: an RST */
    int reset_read;        /* a read or send failed: the peer reset it */
};

/*
 * Copies w's counters into *out. w must be a wire wire_socket_create
 * made (asserted). Thread-safe.
 */
void wire_socket_get_stats(struct wire *w, struct wire_socket_stats *out);

/* 1 when w is a wire wire_socket_create made, else 0. */
int wire_is_socket(const struct wire *w);

#endif /* WIRE_SOCKET_H */

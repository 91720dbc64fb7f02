/*
 * call: an echo call, the one the echo and ping-pong figures measure: a
 * server thread that sends every message back as it came until the
 * client's half-close, and the client's connection to it, either through
 * a duplex stream or through two pipe(2)s with the same 5-byte framing
 * (ping-pong's reference).
 *
 * Design
 *   There is one echo server (echo_server_main). It reads and writes
 *   through an echo_link: the stream's server end, or the two pipes. The
 *   stream's server finishes the call with OK after the client's EOF, and
 *   cancels it on any error; the pipes' server closes its write end
 *   either way, so the client never waits for an echo that cannot come.
 *   The figures drive the client side and check every echo; call_close
 *   and fd_call_close check what the server and the stream counted.
 */
#ifndef BENCH_CALL_H
#define BENCH_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "conduit.h"
#include "core/frame.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"
#include "harness.h"

/* How the echo server reads and writes (see Design). */
struct echo_link {
    /* Receives one message into *out_data and *out_len, valid until the
     * next recv, or sets *out_eof at a clean end. NULL, or what went
     * wrong. */
    const char *(*recv)(void *conn, const uint8_t **out_data, size_t *out_len,
                        int *out_eof);
    /* Sends one message. NULL, or what went wrong. */
    const char *(*send)(void *conn, const uint8_t *data, size_t len);
    /* After the last message: err is NULL after a clean end, else what
     * went wrong. */
    void (*end)(void *conn, const char *err);
};

struct echo_server {
    const struct echo_link *link;
    void *conn;
    long echoed;       /* messages sent back */
    char err[ERR_MAX]; /* what went wrong, or "" */
};

/* The server thread's function (sched_fn): arg is a struct echo_server. */
enum status echo_server_main(void *arg);

/* ---- through a duplex stream ------------------------------------------- */

struct call {
    struct stream *s;
    struct stream_end *client_end; /* stream_client(s) */
    struct stream_end *server_end; /* stream_server(s) */
    const uint8_t *pattern;
    size_t size; /* bytes per message */
    long msgs;   /* messages the client sends */
    struct echo_server server;
    struct frame_msg server_msg; /* the server's last message */
    struct status_detail server_why;
    char server_text[ERR_MAX]; /* the server's last error, in words */
    char send_err[ERR_MAX];    /* the client's sender's, or "" */
    char recv_err[ERR_MAX];    /* the client's receiver's, or "" */
    double handed[2]; /* set by call_close: the share of each direction's
                         bytes that a writer copied straight into a
                         waiting receiver's buffer (pipe_stats.handed) */
};

/* A stream of CAPACITY bytes per direction, for msgs messages of size
 * bytes from pattern. */
void call_open(struct call *c, const uint8_t *pattern, size_t size, long msgs);

/* The same on wire (stream_options.wire; NULL: the raw wire), e.g.
 * h2_wire_type: the HTTP/2 connection then runs on the CAPACITY pipes. */
void call_open_wire(struct call *c, const uint8_t *pattern, size_t size,
                    long msgs, const struct wire_type *wire);

/* Starts the echo server on thread t, named "server". */
void call_start_server(struct call *c, struct sched_thread *t);

/*
 * After every thread is joined: checks that nobody failed, that the
 * server echoed msgs messages, that the stream counted msgs received each
 * way and that the call ended OK (else a failed check, named what), then
 * destroys the stream.
 */
void call_close(struct call *c, const char *what);

/* ---- through two pipe(2)s ---------------------------------------------- */

struct fd_call {
    struct conduit c2s;
    struct conduit s2c;
    uint8_t *server_buf; /* MAX_SIZE bytes */
    uint8_t *client_buf; /* MAX_SIZE bytes */
    struct echo_server server;
};

void fd_call_open(struct fd_call *f);

/* Starts the echo server on thread t, named "server". */
void fd_call_start_server(struct fd_call *f, struct sched_thread *t);

/* After the server is joined: client_err (NULL: none) and the server's
 * error are a failed check, named what; then frees f. */
void fd_call_close(struct fd_call *f, const char *client_err, const char *what);

#endif /* BENCH_CALL_H */

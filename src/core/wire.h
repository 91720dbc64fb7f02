/*
 * wire: what carries a call's messages between its two ends.
 *
 * The stream API (stream.h) is the same whatever the wire; a wire is how
 * the bytes travel under it. The raw wire (wire_raw.h) is the default:
 * gRPC frames straight on two pipes, one per direction, as on Days
 * 114-120. Another wire (an HTTP/2 connection, in a layer above core)
 * plugs in through a struct wire_type, so core never depends on it.
 *
 * Design
 *   A wire is an object with a table of operations, like a file's
 *   operations in a kernel: struct wire is the first member of each
 *   wire's own struct, and its ops pointer says which wire it is. The
 *   stream calls the operations where the raw stream used to call the
 *   pipe and frame functions:
 *
 *     stream            wire operation     raw wire        HTTP/2
 *     send              send               frame_write     DATA
 *     recv              recv               frame_read      DATA
 *     close_send        close_send(c2s)    close_write     END_STREAM
 *     finish            close_send(s2c),   close_write,    trailers,
 *                       close_recv(c2s)    close_read
 *     teardown          abort(each dir)    close_with_err  RST_STREAM
 *
 *   A direction is 0 (client to server, STREAM_C2S) or 1 (server to
 *   client, STREAM_S2C). Each operation blocks, returns and counts as the
 *   raw wire's does, so the stream's contract holds on every wire. A wire
 *   takes every lock and wait through sched, so the simulator (seeds,
 *   replay, explore, deadlock reports, virtual time) runs it too.
 *
 * A NULL handle is a programmer's mistake: every function here asserts
 * against it. Only wire_destroy takes NULL, as a no-op.
 */
#ifndef WIRE_H
#define WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "core/frame.h"
#include "core/status.h"

struct pipe;
struct trace;
struct wire_type;

/* A wire's own struct begins with this; ops says which wire it is. */
struct wire {
    const struct wire_ops *ops;
};

/* What every wire does. Each is documented at its wire_ function below. */
struct wire_ops {
    const char *name; /* "raw", "h2" */
    enum status (*send)(struct wire *w, int dir, const void *buf, size_t len,
                        uint32_t max_send, struct status_detail *why);
    enum status (*recv)(struct wire *w, int dir,
                        const struct frame_limits *limits,
                        struct frame_msg *msg, struct status_detail *why);
    void (*close_send)(struct wire *w, int dir,
                       const struct status_detail *trailer);
    void (*close_recv)(struct wire *w, int dir);
    size_t (*abort)(struct wire *w, int dir, enum status reason);
    void (*set_deadline)(struct wire *w, int64_t deadline_ns);
    void (*waits)(struct wire *w, int dir, uint64_t *write_waits,
                  uint64_t *read_waits);
    struct pipe *(*pipe)(struct wire *w, int dir);
    void (*destroy)(struct wire *w);
    /* May be NULL: the wire carries no status (the raw wire). */
    int (*trailer)(struct wire *w, struct status_detail *out);
    /* May be NULL: the call's connection carries it alone (raw). */
    enum status (*share)(struct wire *w, int give_back_on_read,
                         struct wire_type *out);
};

/* What a call asks of its wire. */
struct wire_params {
    size_t capacity;     /* bytes per pipe; 0: PIPE_DEFAULT_CAPACITY */
    int64_t timeout_ns;  /* the call's timeout, to announce (HTTP/2's
                            grpc-timeout); 0: none */
    int32_t window;      /* flow-control windows of a wire that has them
                            (HTTP/2: each stream's, and the connection's);
                            0: the wire's default. The raw wire has none:
                            its pipes' capacity plays that part */
    int32_t conn_window;
    struct trace *trace; /* may be NULL */
};

/*
 * A kind of wire, as stream_options names it: create makes one call's
 * wire, with arg (for example the connection the call is to share).
 * create returns one of:
 *   STATUS_OK                  *out is the new wire
 *   STATUS_RESOURCE_EXHAUSTED  out of memory (or the connection is full);
 *                              *out untouched
 */
struct wire_type {
    const char *name;
    enum status (*create)(void *arg, const struct wire_params *params,
                          struct wire **out);
    void *arg;
};

/*
 * Sends one message of len bytes (flag FRAME_FLAG_PLAIN) in direction dir.
 * Blocks while there is no room (backpressure); woken by room, by the
 * peer's close or by an abort, or by the deadline.
 * Returns one of:
 *   STATUS_OK                  the whole message is on the wire
 *   STATUS_RESOURCE_EXHAUSTED  len > max_send; nothing was sent
 *   STATUS_CLOSED              the receiver of dir stopped reading
 *   STATUS_DEADLINE_EXCEEDED   the deadline passed while it waited
 *   the abort's reason         the direction was aborted
 * why (may be NULL) gets the words.
 */
enum status wire_send(struct wire *w, int dir, const void *buf, size_t len,
                      uint32_t max_send, struct status_detail *why);

/*
 * Receives one message in direction dir into *msg (see frame_read).
 * Blocks while nothing has arrived; woken by data, by the sender's close,
 * by an abort, or by the deadline.
 * Returns one of:
 *   STATUS_OK       *msg holds the next message
 *   STATUS_EOF      the sender closed dir and every message was read
 *   STATUS_CLOSED   this end stopped reading (close_recv)
 *   STATUS_INTERNAL, STATUS_RESOURCE_EXHAUSTED  a bad frame (see frame.h)
 *   STATUS_DEADLINE_EXCEEDED, the abort's reason, STATUS_DEADLOCK
 */
enum status wire_recv(struct wire *w, int dir,
                      const struct frame_limits *limits, struct frame_msg *msg,
                      struct status_detail *why);

/*
 * Ends direction dir after what was sent: the receiver reads everything,
 * then EOF. trailer is the server's status when dir is s2c (HTTP/2 sends
 * it as trailers; the raw wire does not carry it), else NULL. Never
 * blocks for long: it waits for no peer.
 */
void wire_close_send(struct wire *w, int dir,
                     const struct status_detail *trailer);

/* The receiver of dir stops reading: a sender then gets STATUS_CLOSED. */
void wire_close_recv(struct wire *w, int dir);

/*
 * Aborts dir with reason (RST_STREAM): both ends of it fail at once with
 * reason, and what was buffered is dropped. Returns the bytes dropped.
 */
size_t wire_abort(struct wire *w, int dir, enum status reason);

/* Every later wait in both directions ends at deadline_ns (sched time). */
void wire_set_deadline(struct wire *w, int64_t deadline_ns);

/* How many times a sender and a receiver of dir found it full or empty. */
void wire_waits(struct wire *w, int dir, uint64_t *write_waits,
                uint64_t *read_waits);

/*
 * The pipe that carries dir's bytes, for tools and tests (see
 * stream_pipe). Owned by the wire.
 */
struct pipe *wire_pipe(struct wire *w, int dir);

/*
 * The server's status as the client's end received it on the wire (HTTP/2
 * trailers): 1 and *out, or 0 (*out untouched) when the wire carries no
 * status (raw: the stream keeps it) or none has arrived. Never blocks.
 */
int wire_trailer(struct wire *w, struct status_detail *out);

/*
 * Lets w's connection carry more calls (HTTP/2: a stream each, on the
 * same connection): *out becomes a wire type whose create opens the next
 * call on it. Call it before w's call sends anything. The calls share
 * the connection's flow-control window: give_back_on_read 1, a receiver
 * gives it back only when its application reads (one call nobody reads
 * starves the others); 0, as the data arrives (grpc-go's). The
 * connection is freed with the last of its calls to be destroyed.
 * Returns one of:
 *   STATUS_OK            *out opens calls on w's connection
 *   STATUS_UNIMPLEMENTED the wire has no connection to share (raw, or a
 *                        connection to a peer in another process);
 *                        *out untouched
 */
enum status wire_share(struct wire *w, int give_back_on_read,
                       struct wire_type *out);

/* "raw", "h2". */
const char *wire_name(const struct wire *w);

/* Frees w. NULL is a no-op. */
void wire_destroy(struct wire *w);

#endif /* WIRE_H */

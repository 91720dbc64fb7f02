/*
 * stream: one bidirectional streaming call, both ends in one process.
 *
 * A stream is what grpc-go gives a bidi handler and its client: two
 * directions (client-to-server "c2s" and server-to-client "s2c"), each a
 * pipe carrying gRPC frames, plus one context for the call.
 *
 *        client end                                 server end
 *   stream_send ---> [ c2s pipe: frames ] ---> stream_recv
 *   stream_recv <--- [ s2c pipe: frames ] <--- stream_send
 *   stream_close_send   (half-close c2s)        stream_finish (status)
 *
 * The contract (grpc-go's):
 *   - One thread sending and another receiving on the same end is safe.
 *     Two threads sending on the same end is a misuse: the frames of the
 *     two can interleave (see frame_write). duplex does not hide it; the
 *     concurrent-senders scenario shows it. Same for two receivers.
 *   - stream_close_send is CloseSend: the server's recv returns every
 *     message sent before it, then STATUS_EOF. It is idempotent. A send
 *     after it fails with STATUS_INTERNAL "SendMsg called after CloseSend".
 *     grpc-go says CloseSend must not be called concurrently with SendMsg;
 *     duplex makes it safe, like libuv's shutdown: a close_send that finds
 *     another thread's send in flight waits for that send, so the
 *     half-close comes after the frame and never cuts one. Each send is
 *     either before the half-close (its frame arrives whole) or after it
 *     (it fails as above), never half of each. This orders a close against
 *     sends only; it does not order two senders against each other.
 *   - The server may keep sending after it saw EOF. It ends the call with
 *     stream_finish(code, text). The client's recv returns every message
 *     the server sent, then STATUS_EOF when code is OK, else that code and
 *     text. That final status is sticky: every later recv returns it too.
 *   - stream_cancel (either end), the call's deadline, or the parent
 *     context being cancelled tear the call down in both directions: every
 *     blocked send and recv, on both ends, wakes, and messages still
 *     buffered are lost (the stats say how many). A recv returns
 *     STATUS_CANCELLED or STATUS_DEADLINE_EXCEEDED. The first final status
 *     sticks: a cancel after the client has read the call's final status
 *     changes nothing, so a client that drains before it cancels loses
 *     nothing.
 *   - A client's send on a call that has ended returns STATUS_EOF,
 *     whatever ended it (the server's status, a cancel, the deadline, a
 *     reset); the status comes from stream_recv. That is grpc-go's
 *     ClientStream.SendMsg ("If the error is io.EOF ... the status can be
 *     discovered using RecvMsg"). It checks, in grpc-go's order, CloseSend
 *     (INTERNAL), then the size (RESOURCE_EXHAUSTED), then the call's end.
 *     The server's send returns the context's error (CANCELLED or
 *     DEADLINE_EXCEEDED), as grpc-go's server transport does.
 *   - The client rejecting a frame ends the call for both sides: its recv
 *     fails with the frame's status (RESOURCE_EXHAUSTED "grpc: received
 *     message larger than max (N vs. M)", or INTERNAL), which becomes the
 *     call's final status, and it resets the call (RST_STREAM CANCEL), so
 *     the server's next recv or send gets CANCELLED "context canceled",
 *     as in grpc-go.
 *   - Order holds within a direction, never across the two.
 *
 * Where duplex differs from grpc-go 1.33, on purpose:
 *   - The server rejecting a frame ends the call at once with the frame's
 *     status, for both ends. grpc-go hands the error to the handler and
 *     the client sees whatever status the handler returns (the same one,
 *     when it returns the error as handlers do). duplex has no handler
 *     between the two, and a call that goes on after a broken frame would
 *     teach nothing.
 *   - A send over max_send fails alone and the call goes on. grpc-go's
 *     client also ends the call with that status (clientStream.finish).
 *     duplex keeps the call so the too-large send can be shown on its own
 *     and retried smaller (the frames lesson).
 *   - close_send waits for a send in flight on another thread instead of
 *     racing it (grpc-go says not to call them concurrently): see above.
 *   - The server's send and recv after its own stream_finish fail with
 *     INTERNAL "... called after the call ended": a grpc-go handler cannot
 *     call them after it has returned.
 *   - One context serves both ends: stream_context is the server's
 *     stream.Context() and also the client's call context, so after the
 *     client's reset both read CANCELLED from it.
 *
 * A NULL handle (the object a function works on, or an out-parameter) is a
 * programmer's mistake: every function here asserts against it. Only the
 * destroy function takes NULL, as a no-op.
 */
#ifndef STREAM_H
#define STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "core/context.h"
#include "core/frame.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/wire.h"

struct pipe;
struct trace;

enum stream_side { STREAM_CLIENT = 0, STREAM_SERVER = 1 };

/* A call lives on the heap (stream_create); its fields are in stream.c. */
struct stream;

/*
 * One end of a call: stream_client(s) or stream_server(s). stream_send and
 * stream_recv act in its directions.
 */
struct stream_end {
    struct stream *stream;
    enum stream_side side;
};

struct stream_options {
    size_t capacity;     /* bytes per pipe; 0: PIPE_DEFAULT_CAPACITY */
    int64_t timeout_ns;  /* deadline relative to creation; 0: none;
                            negative: already passed (as in Go) */
    uint32_t max_recv;   /* 0: FRAME_DEFAULT_MAX_RECV */
    uint32_t max_send;   /* 0: FRAME_DEFAULT_MAX_SEND */
    struct trace *trace; /* NULL: the parent context's (context_trace) */
    const struct wire_type *wire; /* what carries the call (see wire.h);
                                     NULL: the raw wire, frames on pipes */
    int32_t window;      /* the wire's flow-control windows (wire_params); */
    int32_t conn_window; /* 0: the wire's default */
};

/* Counters of a call, per direction (index STREAM_C2S / STREAM_S2C). */
enum { STREAM_C2S = 0, STREAM_S2C = 1 };

struct stream_stats {
    uint64_t sent[2];            /* messages whose frame entered the pipe */
    uint64_t received[2];        /* messages read whole by the peer */
    uint64_t bytes_discarded[2]; /* bytes dropped by the teardown */
    uint64_t write_waits[2];     /* times a sender found its pipe full */
    uint64_t read_waits[2];      /* times a receiver found its pipe empty */
    uint64_t close_send_waits;   /* close_sends that found a client send in
                                    flight and waited for it */
};

/*
 * Creates a call under parent (may be NULL) with options opts (NULL: the
 * defaults). The call's context is a child of parent: cancelling parent
 * cancels the call.
 * Returns one of:
 *   STATUS_OK                  *out is the new stream
 *   STATUS_RESOURCE_EXHAUSTED  out of memory; *out untouched
 * Free it with stream_destroy after every thread using it has finished.
 */
enum status stream_create(struct context *parent,
                          const struct stream_options *opts,
                          struct stream **out);

/* Frees s, its pipes and its context. NULL is a no-op. */
void stream_destroy(struct stream *s);

/*
 * The bytes of a struct stream alone, like pipe_struct_size(). A call also
 * holds two pipes (each pipe_struct_size() plus its capacity) and a
 * context (context_struct_size()). Never blocks.
 */
size_t stream_struct_size(void);

/*
 * Sends one message of len bytes (flag FRAME_FLAG_PLAIN) in e's direction.
 * Blocks while the pipe is full (backpressure); woken by room, by the
 * peer's teardown, by cancel or by the deadline.
 * Returns one of:
 *   STATUS_OK                  the message is in the pipe
 *   STATUS_INTERNAL            client: "SendMsg called after CloseSend";
 *                              server: "SendMsg called after the call ended"
 *   STATUS_RESOURCE_EXHAUSTED  len > max_send; nothing was sent
 *   STATUS_EOF                 client: the call has ended, whatever ended it
 *                              (stream_recv tells the status), as in grpc-go
 *   STATUS_CANCELLED, STATUS_DEADLINE_EXCEEDED, or the status a bad frame
 *                              failed the call with: server, the call is
 *                              over (CANCELLED after the client's reset)
 * The first three are checked in that order, before the call's end.
 * why (may be NULL) gets the words. Thread-safe with one recv in parallel,
 * and with a close_send in parallel (the send is then wholly before the
 * half-close or fails as after it); not with another send on the same end.
 */
enum status stream_send(struct stream_end *e, const void *buf, size_t len,
                        struct status_detail *why);

/*
 * Receives one message in e's direction into *msg (see struct frame_msg).
 * Blocks while nothing has arrived; woken by data, by the peer's half-close
 * or finish, by cancel or by the deadline.
 * Returns one of:
 *   STATUS_OK        *msg holds the next message
 *   STATUS_EOF       server: the client half-closed and everything was read;
 *                    client: the server finished with OK; either end,
 *                    "the call has ended": the call already has its final
 *                    status, OK (a later cancel changes nothing)
 *   STATUS_INTERNAL  server: "RecvMsg called after the call ended" (after
 *                    its own stream_finish)
 *   any gRPC code    client: the server finished with that code; or the
 *                    call was torn down (CANCELLED, DEADLINE_EXCEEDED, or a
 *                    bad frame's INTERNAL / RESOURCE_EXHAUSTED); server:
 *                    the call was torn down (CANCELLED after the client
 *                    rejected a frame and reset the call)
 * why (may be NULL) gets the words. Thread-safe with one send in parallel.
 */
enum status stream_recv(struct stream_end *e, struct frame_msg *msg,
                        struct status_detail *why);

/*
 * Client only: half-closes c2s (CloseSend). Idempotent. From the moment it
 * is called, a send that starts fails (see stream_send). A send already in
 * flight on another thread (a misuse in grpc-go) is not cut: close_send
 * blocks until that send returns, that is until its frame is whole in the
 * pipe (the peer reads it, then EOF), or the call is torn down (cancel,
 * deadline, the server's finish), and half-closes after it.
 * Returns one of:
 *   STATUS_OK                   done (or done before)
 *   STATUS_FAILED_PRECONDITION  called on the server end
 */
enum status stream_close_send(struct stream_end *e);

/*
 * Server only: ends the call with code and text (NULL: none), like a
 * handler returning status.Error(code, text). Closes s2c after the messages
 * already sent, and stops reading c2s.
 * Returns one of:
 *   STATUS_OK                   done
 *   STATUS_FAILED_PRECONDITION  called on the client end, or twice, or code
 *                               is not one of gRPC's codes 0..16 (the call
 *                               goes on as if it had not been called)
 */
enum status stream_finish(struct stream_end *e, enum status code,
                          const char *text);

/* Cancels the call from either end (context's cancel). Thread-safe. */
void stream_cancel(struct stream_end *e);

/*
 * The call's final status, as the client sees it: OK until it has one (the
 * client read the end of s2c, or the call was torn down), then the first
 * one. After the client rejected a frame it is the rejection, while the
 * server's end and stream_context say CANCELLED. A deadline that has
 * passed is a teardown even if no operation has noticed it yet: it is
 * noticed here (and the call torn down) when the call has no final status.
 * why may be NULL.
 */
enum status stream_final_status(struct stream *s, struct status_detail *why);

/* A snapshot of the call's counters. Thread-safe. */
struct stream_stats stream_get_stats(struct stream *s);

/*
 * The client's or the server's end of s, for stream_send and the others.
 * Never blocks. The end lives as long as s. Thread-safe.
 */
struct stream_end *stream_client(struct stream *s);
struct stream_end *stream_server(struct stream *s);

/*
 * The call's context, grpc-go's stream.Context(): a child of the parent
 * given to stream_create, with the call's deadline. A server waits on it
 * (context_wait) to learn that the call is over; stream_cancel cancels
 * it. Never blocks. Owned by s: do not destroy it, and do not
 * use it after stream_destroy. Thread-safe.
 */
struct context *stream_context(struct stream *s);

/*
 * The largest message s sends (max_send) and receives (max_recv), the
 * defaults filled in. Never blocks. Thread-safe: fixed at creation.
 */
uint32_t stream_max_send(struct stream *s);
uint32_t stream_max_recv(struct stream *s);

/*
 * The pipe that carries direction dir (STREAM_C2S or STREAM_S2C, else an
 * assert): the wire under the frames, for tools and tests that look at it
 * (pipe_get_stats, pipe_buffered) or put raw bytes on it. A pipe_read or
 * pipe_write on it bypasses the framing: it takes bytes from, or puts
 * bytes among, the call's frames. Never blocks. Owned by s. Thread-safe.
 */
struct pipe *stream_pipe(struct stream *s, int dir);

/* "client" or "server". */
const char *stream_side_name(enum stream_side side);

/* The name of the call's wire: "raw" unless its options named another. */
const char *stream_wire_name(struct stream *s);

/*
 * The call's wire (see wire.h), for tools and tests that look under the
 * stream, like stream_pipe. Owned by s. Never blocks. Thread-safe.
 */
struct wire *stream_wire(struct stream *s);

#endif /* STREAM_H */

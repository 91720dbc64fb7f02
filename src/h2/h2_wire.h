/*
 * h2_wire: the HTTP/2 wire, a real HTTP/2 connection (nghttp2) under the
 * stream API.
 *
 * A call on this wire is one HTTP/2 stream on a connection that runs on a
 * pair of pipes (c2s, s2c), as grpc-go's transport runs on a TCP socket.
 * h2_wire_type gives each call a connection of its own (stream 1); a
 * connection made by h2_connection_create (or shared by wire_share)
 * carries many calls, streams 1, 3, 5, ..., with a stream window each
 * and the connection's window shared (see h2_window_policy):
 *
 *   stream_send        DATA frames carrying the 5-byte gRPC messages
 *   (call created)     HEADERS: :method POST, :scheme http, :path
 *                      /chat.ChatService/Chat, :authority, content-type
 *                      application/grpc, te trailers, grpc-timeout when
 *                      the call has a deadline
 *   stream_close_send  END_STREAM on the client's last DATA frame
 *   stream_finish      trailers (HEADERS + END_STREAM) with grpc-status
 *                      and grpc-message (percent-encoded), or
 *                      trailers-only when the server sent no message
 *   cancel, deadline   RST_STREAM(CANCEL)
 *   (server ended the  RST_STREAM(NO_ERROR) after the trailers, when the
 *    call first)       client has not ended its side
 *   stream_recv        WINDOW_UPDATE once the message is consumed
 *
 * Each connection end has a reader thread (pipe -> nghttp2_session_mem_recv
 * -> the call's receive buffer) and a writer thread, grpc-go's "loopy
 * writer" (nghttp2_session_mem_send -> pipe). A call's send and recv never
 * touch the pipes: a send queues its frame and returns, and waits first
 * while grpc-go's write quota (H2_WRITE_QUOTA bytes queued and not yet on
 * the wire) is used up, which it stays while the windows are shut; a
 * recv waits for a whole message in the receive buffer. Windows
 * are updated by hand (nghttp2's no_auto_window_update): only what the
 * application has read is given back to a stream's window, so a slow
 * reader closes its window and its peer's writer waits for WINDOW_UPDATE;
 * the connection's window comes back on read too (a one-call wire) or as
 * the data arrives (a shared connection's default, grpc-go's).
 *
 * Every lock and wait goes through sched, so the simulator runs the
 * transport too: seeds, replay, explore, deadlock reports and virtual
 * time work on this wire as on the raw one.
 *
 * Where it differs from grpc-go, and what is not done yet:
 *   - h2_wire_type makes a connection per call (the hub's clients each
 *     get their own), so its stream ids are always 1; grpc-go's
 *     ClientConn shares one, as h2_connection_create's does. A call
 *     beyond SETTINGS_MAX_CONCURRENT_STREAMS is refused at once
 *     (RESOURCE_EXHAUSTED), where grpc-go's waits for a stream to end.
 *   - The client's final status is what its trailers said (grpc-status,
 *     grpc-message percent-decoded), as in grpc-go.
 *   - When the server ends the call while the client still sends, it
 *     resets the stream after its trailers (RST_STREAM NO_ERROR), as
 *     grpc-go does; the client's sends fail (EOF) once that has arrived,
 *     and until then they queue, as in grpc-go.
 *   - A send returns once its frame is queued whole, as grpc-go's does, so
 *     two threads sending on one end never interleave their frames on
 *     this wire: the concurrent-senders scenario does not garble here.
 *   - PING: each end sends grpc-go's BDP PING when the connection's first
 *     DATA reaches it, and ACKs the other's; no keepalive PINGs, and the
 *     BDP estimate grows no window. The timeline shows each frame an
 *     end's writer sends as a note on its lane (type, flags, stream id,
 *     length; a RST_STREAM's or GOAWAY's code, a WINDOW_UPDATE's
 *     increment, "trailers"); the hexdump dissects the pipes' bytes into
 *     frames (h2_dissect.h).
 *   - On a socket (h2_socket_wire_type) both ends still run in this
 *     process, each on its own end of a loopback TCP connection.
 *   - Facing a real peer, h2_peer_wire_create's connection carries one
 *     call; h2_peer_conn.h's carries many (streams 1, 3, 5 opened by
 *     the client; on the server each stream the peer opens is a call,
 *     up to SETTINGS_MAX_CONCURRENT_STREAMS 100, as `duplex serve` and
 *     `duplex call --calls N` use it).
 */
#ifndef H2_WIRE_H
#define H2_WIRE_H

#include <stdint.h>

#include "core/wire.h"

/* The HTTP/2 default window (RFC 9113, SETTINGS_INITIAL_WINDOW_SIZE). */
#define H2_DEFAULT_WINDOW 65535

/*
 * grpc-go's per-stream write quota (defaultWriteQuota, 64 KiB): a send
 * waits while this many of its stream's bytes are queued and not yet on
 * the wire.
 */
#define H2_WRITE_QUOTA 65536

/*
 * When a receiver gives the connection's window back (the stream's is
 * given back when the application reads, whatever the policy):
 *   H2_WINDOW_ON_READ     when the application reads the data too. One
 *                         call that nobody reads then holds the
 *                         connection's window, and every other call on
 *                         the connection starves (the naive policy).
 *   H2_WINDOW_ON_ARRIVAL  as soon as the data arrives, as grpc-go does
 *                         (its trInFlow): a call nobody reads is held at
 *                         its own stream window only.
 *   H2_WINDOW_DEFAULT     H2_WINDOW_ON_ARRIVAL on a connection made by
 *                         h2_connection_create; H2_WINDOW_ON_READ on the
 *                         one-call wire (h2_wire_create), as it always
 *                         was: with one call per connection it is the
 *                         only reader either way, and the lessons quote
 *                         its windows.
 */
enum h2_window_policy {
    H2_WINDOW_DEFAULT = 0,
    H2_WINDOW_ON_READ = 1,
    H2_WINDOW_ON_ARRIVAL = 2
};

/* The calls a shared connection carries at once by default. */
#define H2_MAX_CALLS 100

struct h2_options {
    int32_t window;      /* each stream's receive window; 0: 65,535 */
    int32_t conn_window; /* the connection's receive window; 0: 65,535 */
    enum h2_window_policy policy; /* see above; 0: H2_WINDOW_DEFAULT */
    int32_t max_calls;   /* h2_connection_create: calls at once, its
                            SETTINGS_MAX_CONCURRENT_STREAMS; 0:
                            H2_MAX_CALLS */
};

/*
 * grpc-go's default MaxHeaderListSize (16 MiB): a peer connection's
 * server says it in SETTINGS_MAX_HEADER_LIST_SIZE and resets a request
 * whose header list is larger (see h2_peer_conn.h).
 */
#define H2_MAX_HEADER_LIST (16u * 1024 * 1024)

/*
 * The HTTP/2 wire with the default windows, for stream_options.wire. For
 * other windows make a struct wire_type {"h2", h2_wire_create, &opts}
 * whose opts outlive the calls.
 */
extern const struct wire_type h2_wire_type;

/*
 * The same wire with the connection on a loopback TCP socket (127.0.0.1,
 * a port the kernel picks) instead of the pipes: the same frames, the
 * same stream API, through the kernel's TCP. OS mode only: in SIM mode
 * its create returns STATUS_FAILED_PRECONDITION, and STATUS_UNAVAILABLE
 * when the socket cannot be made. The windows are the call's (params).
 * The pipes still exist and carry nothing.
 */
extern const struct wire_type h2_socket_wire_type;

/*
 * One end of a connection whose other end is a real peer (any HTTP/2
 * gRPC implementation) on a connected TCP socket. This process runs only
 * side's session and threads: H2_PEER_CLIENT dials (the call's client
 * end is ours, stream 1, the server is the peer), H2_PEER_SERVER
 * accepted (the call's server end is ours: the first stream the peer
 * opens; it may open one at a time, SETTINGS_MAX_CONCURRENT_STREAMS 1,
 * and a second is refused with RST_STREAM(REFUSED_STREAM)). Use only
 * the stream end that is ours. OS mode only. A connection to a real
 * peer that carries many calls is h2_peer_conn.h's.
 *
 * For stream_options.wire: {"h2", h2_peer_wire_create, &peer}. The wire
 * owns peer.fd from create on (it is closed with the wire, or at once
 * when create fails).
 */
enum { H2_PEER_CLIENT = 0, H2_PEER_SERVER = 1 };
struct h2_peer {
    int fd;
    int side; /* H2_PEER_CLIENT or H2_PEER_SERVER */
    /* H2_PEER_CLIENT: the request's :path ("": /chat.ChatService/Chat);
       H2_PEER_SERVER: the request's :path, once it came */
    char path[128];
};

/*
 * Returns one of:
 *   STATUS_OK                   *out is the new wire
 *   STATUS_FAILED_PRECONDITION  in SIM mode
 *   STATUS_INVALID_ARGUMENT     a window below 1
 *   STATUS_RESOURCE_EXHAUSTED   out of memory, or a thread did not start
 */
enum status h2_peer_wire_create(void *arg, const struct wire_params *params,
                                struct wire **out);

/*
 * H2_PEER_SERVER: waits (at most until deadline_ns, sched time) until
 * the peer's request HEADERS arrived, and copies its :path into path
 * (cap bytes). Returns STATUS_OK, STATUS_DEADLINE_EXCEEDED, or
 * STATUS_UNAVAILABLE (the peer closed the connection, or sent what is not
 * HTTP/2: why says which).
 */
enum status h2_peer_wire_await_request(struct wire *w, int64_t deadline_ns,
                                       char *path, size_t cap,
                                       struct status_detail *why);

/*
 * H2_PEER_SERVER, once the request arrived: its grpc-timeout in
 * nanoseconds, or SCHED_NO_DEADLINE when it had none (or one that is not
 * a grpc-timeout). Thread-safe.
 */
int64_t h2_peer_wire_request_timeout(struct wire *w);

/*
 * Creates one call's wire: a connection on two pipes of params->capacity
 * bytes, its four threads (client/h2-read, client/h2-write, server/h2-read,
 * server/h2-write), the client's preface and SETTINGS, and the call's
 * request HEADERS. arg is a struct h2_options * (NULL: params->window and
 * params->conn_window); a window of 0 is the default, 65,535.
 * Returns one of:
 *   STATUS_OK                  *out is the new wire
 *   STATUS_INVALID_ARGUMENT    a window below 1 or above 2^31-1
 *   STATUS_RESOURCE_EXHAUSTED  out of memory, or a thread could not start
 *                              (errno says why: EAGAIN at a `ulimit -u`);
 *                              *out untouched
 * Free it with wire_destroy (it sends GOAWAY and joins the threads).
 */
enum status h2_wire_create(void *arg, const struct wire_params *params,
                           struct wire **out);

/* Frames each end has sent, by type (see h2_wire_frame_counts). */
struct h2_frame_counts {
    uint64_t sent[2][10]; /* [0] client, [1] server */
};

/*
 * A connection that carries many calls, one HTTP/2 stream each (ids 1,
 * 3, 5, ...), as grpc-go's ClientConn does: its pipes, its four threads
 * and its two sessions are made once, and each call opens a stream on
 * it. The windows: each call has its own stream windows (opts->window),
 * and all of them share the connection's (opts->conn_window), given back
 * as opts->policy says. The frame log and counts below are the
 * connection's (every call's frames; a record's stream_id says whose),
 * h2_wire_windows a call's stream window and the connection's.
 */
struct h2_conn;

/*
 * Creates a connection on two pipes of capacity bytes (0: the pipes'
 * default), starts its threads and sends the client's preface and
 * SETTINGS; the server's SETTINGS say SETTINGS_MAX_CONCURRENT_STREAMS
 * opts->max_calls. opts NULL: the defaults. trace (may be NULL) gets
 * every call's frames as notes. In SIM mode, call it inside the
 * simulated run, as its threads are simulated too.
 * Returns one of:
 *   STATUS_OK                  *out is the new connection
 *   STATUS_INVALID_ARGUMENT    a window below 1, or max_calls below 0
 *   STATUS_RESOURCE_EXHAUSTED  out of memory, or a thread could not
 *                              start (errno says why); *out untouched
 */
enum status h2_connection_create(const struct h2_options *opts,
                                 size_t capacity, struct trace *trace,
                                 struct h2_conn **out);

/*
 * Opens the next call on conn: its request HEADERS on a new stream, from
 * params only its timeout (the windows, pipes and trace are the
 * connection's). Never blocks for long.
 * Returns one of:
 *   STATUS_OK                  *out is the call's wire
 *   STATUS_RESOURCE_EXHAUSTED  max_calls calls are open on conn (why
 *                              says so: destroy one first), or out of
 *                              memory; *out untouched
 *   STATUS_UNAVAILABLE         the connection is gone (its reader
 *                              stopped)
 * Thread-safe.
 */
enum status h2_connection_open(struct h2_conn *conn,
                               const struct wire_params *params,
                               struct wire **out, struct status_detail *why);

/*
 * The wire type whose create is h2_connection_open on conn (why
 * dropped), for stream_options.wire: each stream_create opens the next
 * call. Owned by conn.
 */
const struct wire_type *h2_connection_wire_type(struct h2_conn *conn);

/* How many calls are open on conn (made, not yet destroyed). */
int h2_connection_calls(struct h2_conn *conn);

/*
 * Ends the connection: GOAWAY from both ends, joins its four threads,
 * frees it. Every call's wire must be destroyed first (asserted). NULL
 * is a no-op.
 */
void h2_connection_destroy(struct h2_conn *conn);

/* h2_wire_frame_counts and h2_wire_frames of the connection itself. */
struct h2_frame_counts h2_connection_frame_counts(struct h2_conn *conn);
struct h2_frame_record;
size_t h2_connection_frames(struct h2_conn *conn,
                            struct h2_frame_record *out, size_t cap);

/*
 * Counters of the frames each end of w's connection has sent, by frame
 * type (index: the HTTP/2 type, 0 DATA .. 9 CONTINUATION), for tests and
 * lessons. A frame is counted when the peer has received it, so it is
 * counted before anything it causes is seen (a trailers HEADERS before
 * the client's EOF). w must be an h2 wire. Thread-safe.
 */
struct h2_frame_counts h2_wire_frame_counts(struct wire *w);

/*
 * One HTTP/2 frame as its receiver got it, for tests and views: who sent
 * it, its header, and the sender's windows just after it (what it may
 * still send on the frame's stream and on the connection).
 */
struct h2_frame_record {
    uint8_t from;          /* 0 the client sent it, 1 the server */
    uint8_t type, flags;   /* NGHTTP2_DATA.., NGHTTP2_FLAG_END_STREAM.. */
    int32_t stream_id;
    uint32_t length;       /* the payload's bytes */
    uint32_t error_code;   /* RST_STREAM and GOAWAY, else 0 */
    int32_t increment;     /* WINDOW_UPDATE's, else 0 */
    int has_windows;       /* the sender still had the stream open */
    int32_t stream_window; /* the sender's, after the frame, as nghttp2
                              reports it (a window made negative by a
                              smaller SETTINGS reads as 0) */
    int32_t conn_window;
};

/* How many frames a connection keeps in its log (the first ones). */
#define H2_FRAME_LOG_MAX 512

/*
 * Copies the first frames of w's connection (at most cap, at most
 * H2_FRAME_LOG_MAX), in the order they were received, into out (on a
 * shared connection every call's: see each record's stream_id). Returns
 * how many were received in all (more than were kept when the log is
 * full). w must be an h2 wire. Thread-safe.
 */
size_t h2_wire_frames(struct wire *w, struct h2_frame_record *out,
                      size_t cap);

/*
 * The flow-control windows now, as nghttp2 keeps them: what the sender of
 * direction dir (0 c2s, 1 s2c) may still send on the call's stream and on
 * the connection (shared with every call on it). w must be an h2 wire. Thread-safe.
 */
void h2_wire_windows(struct wire *w, int dir, int32_t *stream_window,
                     int32_t *conn_window);

/*
 * What the client's end received in the call's trailers: 1 and *out (the
 * grpc-status, and grpc-message percent-decoded) once a HEADERS frame
 * with grpc-status arrived, else 0 and *out untouched. w must be an h2
 * wire. Thread-safe.
 */
int h2_wire_received_trailer(struct wire *w, struct status_detail *out);

#endif /* H2_WIRE_H */

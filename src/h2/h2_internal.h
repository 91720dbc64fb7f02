/*
 * h2_internal: what h2_conn.c, h2_wire.c and h2_headers.c share. Not a
 * contract for anyone else: use h2_wire.h.
 *
 * Locking
 *   One lock, conn->mu, guards everything below: both nghttp2 sessions
 *   and every field of the connection and its call. nghttp2's callbacks
 *   run inside nghttp2_session_mem_recv / mem_send, which are only called
 *   with mu held, so they touch state under it too. No pipe call is made
 *   with mu held (a pipe may block), so a thread blocked on a pipe never
 *   holds it.
 */
#ifndef H2_INTERNAL_H
#define H2_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <nghttp2/nghttp2.h>

#include "core/sched.h"
#include "core/status.h"
#include "core/wire.h"
#include "h2/h2_wire.h"

enum { H2_CLIENT = 0, H2_SERVER = 1 };

/* Bytes in [off, len) of data, cap allocated. */
struct h2_buf {
    uint8_t *data;
    size_t off, len, cap;
};

/* One end of the connection: its session, the pipes, its two threads. */
struct h2_end {
    struct h2_conn *conn;
    int side;                /* H2_CLIENT or H2_SERVER */
    nghttp2_session *session;
    struct pipe *out;        /* what this end writes */
    struct pipe *in;         /* what this end reads */
    int fd;                  /* a TCP socket it uses instead of the
                                pipes (h2_conn_create's socket), or -1 */
    struct sched_cond wants; /* the writer waits for something to send */
    struct sched_thread reader, writer;
    int threads;             /* how many of the two were started */
    enum status reader_end;  /* OK while its reader runs, then why it
                                stopped (EOF, DEADLOCK, INTERNAL,
                                RESOURCE_EXHAUSTED) */
    struct status_detail reader_why; /* its words, when the peer's
                                misbehaviour ended it (a flood, headers
                                over the limit); else code OK */
    size_t header_bytes;     /* facing a peer: the header block so far */
    int lingered;            /* closing: the peer had its linger, and the
                                reader reads no more */
    int bdp_pinged;          /* its BDP PING is out (see on_frame_recv) */
};

/*
 * The call on the connection. Direction d (0 c2s, 1 s2c) is sent by end d
 * and received by end 1 - d.
 */
struct h2_call {
    struct wire base;          /* first: a struct wire * points here */
    struct h2_conn *conn;
    struct h2_call *next;      /* the connection's next call */
    int32_t id;                /* the HTTP/2 stream id */
    struct h2_buf out[2];      /* frames queued by a send, not yet DATA */
    struct h2_buf in[2];       /* DATA received, not yet read */
    size_t consumed[2];        /* bytes at the front of in already given
                                  back to the window (a recv has them) */
    int out_closed[2];         /* close_send: end the direction after out */
    int deferred[2];           /* the data source waits for more to send */
    int in_ended[2];           /* END_STREAM arrived for the direction */
    int recv_closed[2];        /* its receiver stopped reading */
    enum status aborted[2];    /* OK, or the abort's reason */
    int reset_sent;            /* RST_STREAM(CANCEL) was submitted */
    int trailers_sent;         /* the server's END_STREAM is out */
    int reset_after_trailers;  /* the server stopped reading c2s: after
                                  its trailers, RST_STREAM(NO_ERROR) */
    int request_arrived;       /* the server's session has the stream */
    int response_started;      /* the server submitted its HEADERS */
    int closed;                /* nghttp2 closed the stream */
    char path[128];            /* the request's :path (client: "" for
                                  the default) */
    struct trace *trace;       /* on a peer connection (h2_peer_conn):
                                  this call's own, for its frames; NULL:
                                  the connection's */
    int queued;                /* a peer connection's server: the peer
                                  opened it, nobody has taken it yet */
    size_t header_bytes;       /* its request's header list so far
                                  (RFC 9113 6.5.2's size) */
    struct status_detail trailer;     /* what the server finishes with */
    struct status_detail got_trailer; /* what the client received */
    int has_got_trailer;              /* grpc-status arrived */
    uint64_t write_waits[2], read_waits[2];
    int64_t deadline;
    int64_t timeout_ns;        /* grpc-timeout; SCHED_NO_DEADLINE: none */
    struct sched_cond changed; /* any change a recv waits for */
    /*
     * A send waits on quota[d] while its direction's write quota is used
     * up; quota_wait[d] tells the deadlock report which direction it is.
     */
    struct sched_cond quota[2];
    struct h2_quota_wait {
        struct h2_call *call;
        int dir;
    } quota_wait[2];
};

struct h2_conn {
    struct sched_mutex mu;
    struct h2_end ends[2];
    struct pipe *pipes[2];     /* [0] c2s bytes, [1] s2c bytes */
    struct trace *trace;       /* each frame sent is a note; may be NULL */
    struct h2_call *calls;     /* the calls on it, newest first */
    int ncalls;                /* how many */
    int max_calls;             /* at most at once (0: one, the wire's) */
    int shared;                /* carries many calls (h2_connection_create,
                                  or a one-call wire's, shared) */
    int freed_by_calls;        /* shared by wire_share: the last call to
                                  leave frees it */
    struct wire_type type;     /* shared: opens the next call on it */
    struct h2_options opts;    /* policy resolved (never DEFAULT) */
    int peer_mux;              /* h2_peer_conn_create's: one end here,
                                  many calls to a real peer */
    struct sched_cond arrived; /* peer_mux server: a stream was queued,
                                  or the reader stopped */
    int accepted, refused;     /* peer_mux server: streams the peer
                                  opened that became calls, or not */
    uint32_t max_header_list;  /* peer_mux server: its limit */
    int closing;               /* destroy has begun: writers may stop */
    struct h2_frame_counts counts;
    struct h2_frame_record log[H2_FRAME_LOG_MAX]; /* the first frames */
    size_t nlog;               /* frames received in all */
};

/* h2_conn.c */
/* The call on stream id of c, or NULL (0 is the connection's). */
struct h2_call *h2_conn_call(struct h2_conn *c, int32_t id);
/* Wakes every call on c (its reader stopped). Needs mu held. */
void h2_conn_changed_locked(struct h2_conn *c);
/*
 * The receiver of d on call has read n more bytes: gives them back to
 * the stream's window, and to the connection's too under
 * H2_WINDOW_ON_READ (under H2_WINDOW_ON_ARRIVAL on_data did that).
 * Needs mu held.
 */
void h2_give_back_locked(struct h2_call *call, int d, size_t n);
/*
 * Drops what direction d of call has received and not read (an abort, a
 * reset). On a shared connection what was not given back yet is given
 * back, so the other calls do not lose the connection's window with it;
 * a one-call wire's connection ends with its call. Needs mu held.
 */
void h2_drop_in_locked(struct h2_call *call, int d);
enum status h2_conn_create(const struct h2_options *opts, size_t capacity,
                           struct trace *trace, struct h2_conn **out);
/* As h2_conn_create; socket 1: both ends on a loopback TCP connection. */
enum status h2_conn_create_on(const struct h2_options *opts, int socket,
                              size_t capacity, struct trace *trace,
                              struct h2_conn **out);
/* As h2_conn_create for max_calls calls at once (its server says so). */
enum status h2_conn_create_shared(const struct h2_options *opts,
                                  int max_calls, size_t capacity,
                                  struct trace *trace, struct h2_conn **out);
/*
 * One end (side) on a connected socket fd, the other end a real peer;
 * max_calls 0: one call (the server says
 * SETTINGS_MAX_CONCURRENT_STREAMS 1), else a peer connection that
 * carries max_calls at once (h2_peer_conn.c).
 */
enum status h2_conn_create_peer(const struct h2_options *opts, int fd,
                                int side, int max_calls, size_t capacity,
                                struct trace *trace, struct h2_conn **out);
/* The end that runs here and sends or receives d (a peer's: the local). */
struct h2_end *h2_local_end(struct h2_conn *c, int side);
/* h2_wire.c: h2_wire_create, the connection on a socket when socket is 1. */
enum status h2_wire_open(void *arg, int socket,
                         const struct wire_params *params, struct wire **out);
enum status h2_conn_start(struct h2_conn *c);
/* A new call, on no connection yet (NULL: out of memory). */
struct h2_call *h2_call_new(const struct wire_params *params);
/*
 * The client's HEADERS open call's stream on call->conn and link the call
 * to it; on a shared connection only while it has room (else
 * RESOURCE_EXHAUSTED or UNAVAILABLE, why says which).
 */
enum status h2_call_open(struct h2_call *call, struct status_detail *why);
/* Room for one more call on shared c, or why not. Needs mu held. */
enum status h2_conn_room_locked(struct h2_conn *c, struct status_detail *why);
/* call is one of its connection's calls now. Needs mu held. */
void h2_link_call_locked(struct h2_call *call);
/*
 * wire_destroy's: frees the call, and its connection when it is the
 * call's alone, or shared by wire_share and the call was its last.
 */
void h2_call_destroy(struct wire *w);
/* Its recv's waits say, in a deadlock report, which window holds what. */
void h2_call_describe_shared(struct h2_call *call);
/*
 * A send on a shared connection is about to wait: a timeline note with
 * both windows. Needs mu held.
 */
void h2_trace_send_waits(const struct h2_call *call, int d);
/* wire_share's (h2_connection.c). */
enum status h2_call_share(struct wire *w, int give_back_on_read,
                          struct wire_type *out);
void h2_conn_destroy(struct h2_conn *c);
void h2_wake_writer_locked(struct h2_conn *c, int side);
void h2_call_changed_locked(struct h2_call *call);
int h2_buf_append(struct h2_buf *b, const void *p, size_t n);
size_t h2_buf_size(const struct h2_buf *b);
void h2_buf_drop(struct h2_buf *b, size_t n);
void h2_buf_free(struct h2_buf *b);
void h2_respond_locked(struct h2_call *call);
void h2_reset_after_trailers_locked(struct h2_call *call);
ssize_t h2_read_source(nghttp2_session *session, int32_t stream_id,
                       uint8_t *buf, size_t length, uint32_t *flags,
                       nghttp2_data_source *source, void *user_data);

/* h2_peer_conn.c */
/*
 * A peer connection's server: the peer opens stream id; it becomes a
 * call queued for h2_peer_conn_await, or is refused
 * (RST_STREAM(REFUSED_STREAM)) when max_calls are open. Needs mu held.
 */
void h2_peer_conn_begin_locked(struct h2_conn *c, nghttp2_session *session,
                               int32_t id);
/*
 * A header of stream id arrived at a peer connection's server: counts
 * its request's header list, and resets a call that goes past the limit
 * (RST_STREAM(FRAME_SIZE_ERROR), as grpc-go does). 1 if it did. Needs
 * mu held.
 */
int h2_peer_conn_header_locked(struct h2_conn *c, nghttp2_session *session,
                               int32_t id, size_t namelen, size_t valuelen);
/*
 * Where a note about a frame on stream id goes (see h2_peer_conn.h):
 * at most cap traces into out; how many. Needs mu held.
 */
int h2_frame_traces_locked(struct h2_conn *c, int32_t id, struct trace **out,
                           int cap);
/*
 * A call on a peer connection is being destroyed: while what it queued
 * last (its END_STREAM or trailers) is still going out, wait for it (at
 * most H2_PEER_DRAIN_MS), so leaving does not reset it away.
 */
void h2_peer_call_drain(struct h2_call *call);

/* h2_headers.c */
#define H2_MAX_HEADERS 10
struct h2_header_list {
    nghttp2_nv nv[H2_MAX_HEADERS];
    size_t n;
    char timeout[16];               /* grpc-timeout's value */
    char status[8];                 /* grpc-status's value */
    char message[3 * STATUS_TEXT_MAX]; /* grpc-message, percent-encoded */
};
void h2_request_headers(struct h2_header_list *h, int64_t timeout_ns);
/* The same with the request's :path ("": /chat.ChatService/Chat). */
void h2_request_headers_at(struct h2_header_list *h, const char *path,
                           int64_t timeout_ns);
void h2_response_headers(struct h2_header_list *h);
void h2_trailers(struct h2_header_list *h, const struct status_detail *st,
                 int trailers_only);
/* grpc-timeout's value in ns; SCHED_NO_DEADLINE when it is not one. */
int64_t h2_parse_timeout(const uint8_t *value, size_t len);
void h2_percent_encode(char *out, size_t cap, const char *text);
void h2_percent_decode(char *out, size_t cap, const uint8_t *in, size_t len);

#endif /* H2_INTERNAL_H */

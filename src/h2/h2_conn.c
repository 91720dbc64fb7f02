/*
 * h2_conn: an HTTP/2 connection on a pipe pair, both ends in one process.
 *
 * Design
 *   Two nghttp2 sessions, a client's and a server's, talk over two pipes:
 *   the client writes c2s and reads s2c, the server the other way round.
 *   Each end runs two threads, as grpc-go's transport does:
 *     reader  pipe_read (no lock) -> nghttp2_session_mem_recv (under mu),
 *             whose callbacks put DATA into the call's receive buffer,
 *             note END_STREAM, trailers and RST_STREAM, and wake the call;
 *     writer  ("loopy") waits until its session wants to write, takes the
 *             bytes nghttp2_session_mem_send makes (under mu), and writes
 *             them to its pipe with mu released.
 *   A call's own threads never touch the pipes (see h2_wire.c).
 *
 *   Shutdown (h2_conn_destroy): each session is terminated (GOAWAY), the
 *   writers send what is left and stop, the pipes' write ends close, and
 *   the readers, reading EOF, stop. A reader that stops early (the peer
 *   broke the protocol, or the pipe failed) closes its pipe's read end,
 *   so the peer's writer fails at once instead of waiting for room. Every wait is a sched wait, so in SIM
 *   mode a connection whose threads can never run again is a deadlock the
 *   simulator reports, and its waits return STATUS_DEADLOCK to unwind.
 *
 *   On a socket (h2_conn_create_on) each end reads and writes its own end
 *   of a loopback TCP connection instead of the pipes: closing a pipe's
 *   write end becomes shutdown(SHUT_WR) (the peer reads EOF, as TCP's
 *   FIN), and a reader that stops early shuts its socket both ways.
 *
 *   Facing a real peer (h2_conn_create_peer), nothing the peer does may
 *   hold a thread for ever: a flood (nghttp2's NGHTTP2_ERR_FLOODED),
 *   headers over H2_SOCKET_MAX_HEADER_LIST, or a protocol error (once
 *   nghttp2's GOAWAY for it is out) stops the reader, with its words in
 *   reader_why; a send waits at most the socket's send timeout, and a
 *   failed one shuts the socket, so the reader stops too; and a closing
 *   end reads the peer's last bytes for at most H2_LINGER_MS.
 *
 * Locking: see h2_internal.h (one lock, mu; no pipe call under it).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/pipe.h"
#include "core/trace.h"
#include "h2/h2_internal.h"
#include "h2/h2_socket.h"

/* ---- byte buffers --------------------------------------------------- */

size_t h2_buf_size(const struct h2_buf *b)
{
    return b->len - b->off;
}

int h2_buf_append(struct h2_buf *b, const void *p, size_t n)
{
    if (b->off > 0 && b->off == b->len)
        b->off = b->len = 0; /* empty: start again at the front */
    if (b->off > 0 && b->len + n > b->cap && b->off >= b->len - b->off) {
        /* Out of room, and at least half of what is behind data is
         * consumed: move the rest to the front rather than grow, so a
         * queue that never quite drains does not grow with every byte
         * that went through it. Each byte moved paid for one consumed. */
        memmove(b->data, b->data + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        uint8_t *grown = NULL;

        while (cap < b->len + n)
            cap *= 2;
        grown = realloc(b->data, cap);
        if (grown == NULL)
            return -1;
        b->data = grown;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

void h2_buf_drop(struct h2_buf *b, size_t n)
{
    assert(n <= h2_buf_size(b));
    b->off += n;
}

void h2_buf_free(struct h2_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* ---- nghttp2's callbacks (all under mu) ------------------------------ */

static struct h2_call *call_of(struct h2_end *e, int32_t stream_id)
{
    return h2_conn_call(e->conn, stream_id);
}

/*
 * A server facing a real peer takes the first stream the peer opens as
 * its call (the one call, its id still 0); another one is refused (it
 * asked for one at a time), as is a request for a call this process has
 * already destroyed. A peer connection that carries many calls makes
 * each new stream a call of its own (h2_peer_conn.c).
 */
static int on_begin_headers(nghttp2_session *session,
                            const nghttp2_frame *frame, void *user_data)
{
    struct h2_end *e = user_data;
    struct h2_call *waiting = NULL;
    int32_t id = frame->hd.stream_id;

    e->header_bytes = 0; /* a new header block: on_header counts it */
    if (e->side != H2_SERVER || call_of(e, id) != NULL ||
        frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    if (e->conn->peer_mux) {
        h2_peer_conn_begin_locked(e->conn, session, id);
        return 0;
    }
    waiting = e->conn->calls;
    if (waiting != NULL && waiting->id == 0)
        waiting->id = id;
    else
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id,
                                  NGHTTP2_REFUSED_STREAM);
    return 0;
}

/* The direction an end receives: the client receives s2c. */
static int dir_in(const struct h2_end *e)
{
    return e->side == H2_CLIENT ? 1 : 0;
}

void h2_wake_writer_locked(struct h2_conn *c, int side)
{
    sched_cond_broadcast(&c->ends[side].wants);
}

/*
 * Logs a frame that end e received, with its sender's windows after it
 * (both sessions are under mu, so the sender's accounting can be read).
 */
static void log_frame(struct h2_end *e, const nghttp2_frame *frame)
{
    struct h2_conn *c = e->conn;
    nghttp2_session *sender = c->ends[1 - e->side].session;
    struct h2_frame_record *r = NULL;

    if (c->nlog++ >= H2_FRAME_LOG_MAX)
        return;
    r = &c->log[c->nlog - 1];
    memset(r, 0, sizeof *r);
    r->from = (uint8_t)(1 - e->side);
    r->type = frame->hd.type;
    r->flags = frame->hd.flags;
    r->stream_id = frame->hd.stream_id;
    r->length = (uint32_t)frame->hd.length;
    if (frame->hd.type == NGHTTP2_RST_STREAM)
        r->error_code = frame->rst_stream.error_code;
    else if (frame->hd.type == NGHTTP2_GOAWAY)
        r->error_code = frame->goaway.error_code;
    else if (frame->hd.type == NGHTTP2_WINDOW_UPDATE)
        r->increment = frame->window_update.window_size_increment;
    if (sender == NULL) /* a real peer: its windows are its own */
        return;
    r->conn_window = nghttp2_session_get_remote_window_size(sender);
    /* -1: the sender has closed the stream (nghttp2's answer then). */
    r->stream_window = frame->hd.stream_id == 0
                           ? -1
                           : nghttp2_session_get_stream_remote_window_size(
                                 sender, frame->hd.stream_id);
    r->has_windows = r->stream_window != -1;
}

static int on_data(nghttp2_session *session, uint8_t flags, int32_t stream_id,
                   const uint8_t *data, size_t len, void *user_data)
{
    struct h2_end *e = user_data;
    struct h2_call *call = call_of(e, stream_id);
    int d = dir_in(e);
    int on_arrival = e->conn->opts.policy == H2_WINDOW_ON_ARRIVAL;

    (void)flags;
    if (on_arrival) {
        /* grpc-go's trInFlow: the connection's window back at once. */
        nghttp2_session_consume_connection(session, len);
        h2_wake_writer_locked(e->conn, e->side);
    }
    if (call == NULL || call->recv_closed[d] || call->aborted[d] != STATUS_OK) {
        /* Nobody will read it: give the window back at once. */
        if (on_arrival)
            nghttp2_session_consume_stream(session, stream_id, len);
        else
            nghttp2_session_consume(session, stream_id, len);
        h2_wake_writer_locked(e->conn, e->side);
        return 0;
    }
    if (h2_buf_append(&call->in[d], data, len) != 0)
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    h2_call_changed_locked(call);
    return 0;
}

/* The status a RST_STREAM's code means to gRPC (PROTOCOL-HTTP2.md). */
static enum status reset_status(uint32_t code)
{
    switch (code) {
    case NGHTTP2_CANCEL:
        return STATUS_CANCELLED;
    case NGHTTP2_REFUSED_STREAM:
        return STATUS_UNAVAILABLE;
    case NGHTTP2_ENHANCE_YOUR_CALM:
        return STATUS_RESOURCE_EXHAUSTED;
    default:
        return STATUS_INTERNAL;
    }
}

/*
 * The peer reset the call with an error: both directions fail with what
 * its code means, as an abort does (a peer in another process could not
 * abort them itself). NO_ERROR (the server ended the call first) only
 * stops the client's sends (call->closed). Needs mu held.
 */
static void reset_arrived_locked(struct h2_call *call, uint32_t code)
{
    int d = 0;

    if (code == NGHTTP2_NO_ERROR)
        return;
    for (d = 0; d < 2; d++) {
        if (call->aborted[d] != STATUS_OK)
            continue;
        h2_buf_drop(&call->out[d], h2_buf_size(&call->out[d]));
        h2_drop_in_locked(call, d);
        call->aborted[d] = reset_status(code);
    }
    call->reset_sent = 1; /* the stream is closed: never reset it again */
    sched_cond_broadcast(&call->changed);
}

/*
 * grpc-go's BDP estimator: when the first DATA of a connection arrives, the
 * receiver sends a PING (with grpc-go's bdpPing data) and times its ACK to
 * size its windows. duplex sends the PING, so it is on the wire, and
 * keeps its windows as they are set. Needs mu held.
 */
static void bdp_ping_locked(struct h2_end *e, const nghttp2_frame *frame)
{
    static const uint8_t bdp_ping[8] = {2, 4, 16, 16, 9, 14, 7, 7};

    if (e->bdp_pinged || frame->hd.type != NGHTTP2_DATA ||
        frame->hd.length == 0)
        return;
    e->bdp_pinged = 1;
    if (nghttp2_submit_ping(e->session, NGHTTP2_FLAG_NONE, bdp_ping) == 0)
        h2_wake_writer_locked(e->conn, e->side);
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame,
                         void *user_data)
{
    struct h2_end *e = user_data;
    struct h2_call *call = call_of(e, frame->hd.stream_id);

    (void)session;
    /* Counted as the peer sent it, now that it is here (see h2_wire.h). */
    if (frame->hd.type < 10)
        e->conn->counts.sent[1 - e->side][frame->hd.type]++;
    log_frame(e, frame);
    bdp_ping_locked(e, frame);
    if (call == NULL)
        return 0;
    if (e->side == H2_SERVER && frame->hd.type == NGHTTP2_HEADERS &&
        !call->request_arrived) {
        call->request_arrived = 1;
        sched_cond_broadcast(&call->changed);
        h2_respond_locked(call); /* what the server did before it came */
    }
    if (frame->hd.type == NGHTTP2_RST_STREAM)
        reset_arrived_locked(call, frame->rst_stream.error_code);
    if ((frame->hd.type == NGHTTP2_DATA || frame->hd.type == NGHTTP2_HEADERS) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
        call->in_ended[dir_in(e)] = 1;
        h2_call_changed_locked(call);
    }
    return 0;
}

/*
 * Facing a real peer, a header block over H2_SOCKET_MAX_HEADER_LIST
 * (counted as RFC 9113 counts it) ends the connection: 1 when it is
 * over, with the reader's words set. Needs mu held.
 */
static int headers_over_limit_locked(struct h2_end *e, size_t namelen,
                                     size_t valuelen)
{
    if (e->conn->ends[1 - e->side].session != NULL)
        return 0; /* both ends are ours: their headers are small */
    e->header_bytes += namelen + valuelen + 32;
    if (e->header_bytes <= H2_SOCKET_MAX_HEADER_LIST)
        return 0;
    status_detail_set(&e->reader_why, STATUS_RESOURCE_EXHAUSTED,
                      "the peer's headers are over %d bytes "
                      "(SETTINGS_MAX_HEADER_LIST_SIZE)",
                      H2_SOCKET_MAX_HEADER_LIST);
    return 1;
}

/* The client keeps what the trailers say (grpc-status, grpc-message). */
static int on_header(nghttp2_session *session, const nghttp2_frame *frame,
                     const uint8_t *name, size_t namelen,
                     const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user_data)
{
    struct h2_end *e = user_data;
    struct h2_call *call = call_of(e, frame->hd.stream_id);

    (void)flags;
    if (call != NULL && e->conn->peer_mux && e->side == H2_SERVER &&
        h2_peer_conn_header_locked(e->conn, session, frame->hd.stream_id,
                                   namelen, valuelen))
        return 0;
    if (!e->conn->peer_mux && headers_over_limit_locked(e, namelen, valuelen))
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    if (call != NULL && e->side == H2_SERVER && namelen == 5 &&
        memcmp(name, ":path", 5) == 0) {
        size_t n = valuelen < sizeof call->path - 1 ? valuelen
                                                    : sizeof call->path - 1;

        memcpy(call->path, value, n);
        call->path[n] = '\0';
    }
    if (call != NULL && e->side == H2_SERVER && namelen == 12 &&
        memcmp(name, "grpc-timeout", 12) == 0)
        call->timeout_ns = h2_parse_timeout(value, valuelen);
    if (call == NULL || e->side != H2_CLIENT)
        return 0;
    if (namelen == 11 && memcmp(name, "grpc-status", 11) == 0) {
        char digits[12];
        size_t n = valuelen < sizeof digits - 1 ? valuelen : sizeof digits - 1;

        memcpy(digits, value, n); /* value is not NUL-terminated */
        digits[n] = '\0';
        call->got_trailer.code = (enum status)strtol(digits, NULL, 10);
        if (!status_is_grpc(call->got_trailer.code))
            call->got_trailer.code = STATUS_UNKNOWN; /* as grpc-go reads it */
        call->has_got_trailer = 1;
    }
    else if (namelen == 12 && memcmp(name, "grpc-message", 12) == 0)
        h2_percent_decode(call->got_trailer.text,
                          sizeof call->got_trailer.text, value, valuelen);
    return 0;
}

static int on_stream_close(nghttp2_session *session, int32_t stream_id,
                           uint32_t error_code, void *user_data)
{
    struct h2_end *e = user_data;
    struct h2_call *call = call_of(e, stream_id);

    (void)session;
    (void)error_code;
    if (call != NULL) {
        call->closed = 1;
        h2_call_changed_locked(call);
    }
    return 0;
}


/*
 * The server's trailers (or trailers-only) are out: if it stopped reading
 * a client that has not ended c2s, reset the stream now, after them.
 */
/* The words of an HTTP/2 frame type (RFC 9113, 6). */
static const char *frame_type_name(uint8_t type)
{
    static const char *const names[] = {
        "DATA",         "HEADERS", "PRIORITY", "RST_STREAM",    "SETTINGS",
        "PUSH_PROMISE", "PING",    "GOAWAY",   "WINDOW_UPDATE", "CONTINUATION"};

    return type < sizeof names / sizeof names[0] ? names[type] : "UNKNOWN";
}

/* The flags of f in words ("+END_STREAM+END_HEADERS"), or "". */
static void frame_flags(const nghttp2_frame_hd *hd, char *out, size_t cap)
{
    int acks = hd->type == NGHTTP2_SETTINGS || hd->type == NGHTTP2_PING;

    snprintf(out, cap, "%s%s%s%s",
             !acks && (hd->flags & NGHTTP2_FLAG_END_STREAM) ? "+END_STREAM"
                                                            : "",
             acks && (hd->flags & NGHTTP2_FLAG_ACK) ? "+ACK" : "",
             (hd->flags & NGHTTP2_FLAG_END_HEADERS) ? "+END_HEADERS" : "",
             (hd->flags & NGHTTP2_FLAG_PADDED) ? "+PADDED" : "");
}

/*
 * Records the frame end e has just put out as a note on its writer's
 * lane, for the timeline: "HEADERS+END_HEADERS stream 1, 86 B", with a
 * RST_STREAM's or GOAWAY's code and a WINDOW_UPDATE's increment. A
 * server's HEADERS with END_STREAM is its trailers. Needs mu held.
 */
static void trace_frame_sent(const struct h2_end *e, const nghttp2_frame *f)
{
    const nghttp2_frame_hd *hd = &f->hd;
    char flags[64], extra[48] = "";
    struct trace *to[H2_MAX_CALLS + 1];
    int n = h2_frame_traces_locked(e->conn, hd->stream_id, to,
                                   H2_MAX_CALLS + 1);

    if (n == 0)
        return;
    frame_flags(hd, flags, sizeof flags);
    if (hd->type == NGHTTP2_RST_STREAM)
        snprintf(extra, sizeof extra, " (%s)",
                 nghttp2_http2_strerror(f->rst_stream.error_code));
    else if (hd->type == NGHTTP2_GOAWAY)
        snprintf(extra, sizeof extra, " (%s)",
                 nghttp2_http2_strerror(f->goaway.error_code));
    else if (hd->type == NGHTTP2_WINDOW_UPDATE)
        snprintf(extra, sizeof extra, " (+%d)",
                 f->window_update.window_size_increment);
    else if (hd->type == NGHTTP2_HEADERS && e->side == H2_SERVER &&
             (hd->flags & NGHTTP2_FLAG_END_STREAM))
        snprintf(extra, sizeof extra, " (trailers)");
    while (n-- > 0)
        trace_event(to[n], TRACE_NOTE, e->side == H2_CLIENT ? "c2s" : "s2c",
                    0, (uint32_t)hd->length, STATUS_OK,
                    "%s%s stream %d, %zu B%s", frame_type_name(hd->type),
                    flags, hd->stream_id, hd->length, extra);
}

/*
 * nghttp2 ends a session whose real peer broke the protocol with a
 * GOAWAY that names the error, and then drops whatever the peer sends;
 * once that GOAWAY is out, the reader stops (see writer_main), and says
 * why. Needs mu held.
 */
static void goaway_sent_locked(struct h2_end *e, const nghttp2_frame *f)
{
    if (f->hd.type != NGHTTP2_GOAWAY ||
        f->goaway.error_code == NGHTTP2_NO_ERROR ||
        e->conn->ends[1 - e->side].session != NULL ||
        e->reader_why.code != STATUS_OK)
        return;
    status_detail_set(&e->reader_why, STATUS_UNAVAILABLE,
                      "the peer broke the HTTP/2 protocol (GOAWAY %s)",
                      nghttp2_http2_strerror(f->goaway.error_code));
}

static int on_frame_send(nghttp2_session *session, const nghttp2_frame *frame,
                         void *user_data)
{
    struct h2_end *e = user_data;
    struct h2_call *call = call_of(e, frame->hd.stream_id);

    (void)session;
    trace_frame_sent(e, frame);
    if (e->conn->peer_mux && frame->hd.type == NGHTTP2_RST_STREAM &&
        (frame->rst_stream.error_code == NGHTTP2_REFUSED_STREAM ||
         frame->rst_stream.error_code == NGHTTP2_FRAME_SIZE_ERROR))
        e->conn->refused++; /* by nghttp2 or h2_peer_conn.c */
    goaway_sent_locked(e, frame);
    if (call == NULL || e->side != H2_SERVER ||
        frame->hd.type != NGHTTP2_HEADERS ||
        !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
        return 0;
    call->trailers_sent = 1;
    if (e->conn->peer_mux) /* a closing call waits for them */
        h2_call_changed_locked(call);
    h2_reset_after_trailers_locked(call);
    return 0;
}

/*
 * The data source of direction d's DATA frames: the frames a send queued.
 * No more yet: DEFERRED (a send resumes it). Closed and empty: the end of
 * the direction, END_STREAM for the client, trailers for the server.
 */
ssize_t h2_read_source(nghttp2_session *session, int32_t stream_id,
                       uint8_t *buf, size_t length, uint32_t *flags,
                       nghttp2_data_source *source, void *user_data)
{
    struct h2_end *e = user_data;
    /* By id, not source->ptr: a call may be gone while its stream waits. */
    struct h2_call *call = call_of(e, stream_id);
    int d = e->side; /* end d sends direction d */
    size_t n = 0;

    (void)source;
    if (call == NULL) /* destroyed: its RST_STREAM closes the stream */
        return NGHTTP2_ERR_DEFERRED;
    n = h2_buf_size(&call->out[d]);

    if (n > length)
        n = length;
    if (n > 0) {
        memcpy(buf, call->out[d].data + call->out[d].off, n);
        h2_buf_drop(&call->out[d], n);
        h2_call_changed_locked(call); /* a send may queue more */
        return (ssize_t)n;
    }
    if (!call->out_closed[d]) {
        call->deferred[d] = 1;
        return NGHTTP2_ERR_DEFERRED;
    }
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    if (e->side == H2_SERVER) {
        struct h2_header_list h;

        h2_trailers(&h, &call->trailer, 0);
        *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
        if (nghttp2_submit_trailer(session, stream_id, h.nv, h.n) != 0)
            return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    return 0;
}

/* ---- the sessions ----------------------------------------------------- */

/*
 * Makes e's session and submits its SETTINGS: the window, max_streams
 * (0: not said) and header_list, SETTINGS_MAX_HEADER_LIST_SIZE (0: not
 * said).
 */
static enum status make_session(struct h2_end *e, const struct h2_options *o,
                                uint32_t max_streams, uint32_t header_list)
{
    nghttp2_session_callbacks *cbs = NULL;
    nghttp2_option *opt = NULL;
    nghttp2_settings_entry iv[3];
    size_t niv = 1;
    int rv = 0;

    if (nghttp2_session_callbacks_new(&cbs) != 0)
        return STATUS_RESOURCE_EXHAUSTED;
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs,
                                                           on_stream_close);
    nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_frame_send);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs,
                                                            on_begin_headers);
    if (nghttp2_option_new(&opt) != 0) {
        nghttp2_session_callbacks_del(cbs);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    nghttp2_option_set_no_auto_window_update(opt, 1);
    rv = e->side == H2_CLIENT
             ? nghttp2_session_client_new2(&e->session, cbs, e, opt)
             : nghttp2_session_server_new2(&e->session, cbs, e, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cbs);
    if (rv != 0)
        return STATUS_RESOURCE_EXHAUSTED;
    iv[0].settings_id = NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE;
    iv[0].value = (uint32_t)o->window;
    if (max_streams > 0) {
        iv[1].settings_id = NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS;
        iv[1].value = max_streams;
        niv = 2;
    }
    if (header_list > 0) {
        iv[niv].settings_id = NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE;
        iv[niv++].value = header_list;
    }
    rv = nghttp2_submit_settings(e->session, NGHTTP2_FLAG_NONE, iv, niv);
    if (rv == 0 && o->conn_window != H2_DEFAULT_WINDOW)
        rv = nghttp2_session_set_local_window_size(e->session,
                                                   NGHTTP2_FLAG_NONE, 0,
                                                   o->conn_window);
    return rv == 0 ? STATUS_OK : STATUS_RESOURCE_EXHAUSTED;
}

/* ---- the threads ---------------------------------------------------- */

/*
 * The bytes the reader read, into e's session. Returns STATUS_OK, or why
 * the connection ends: RESOURCE_EXHAUSTED (a real peer flooded it with
 * SETTINGS or PING whose ACKs it does not read, as nghttp2 counts them
 * (nghttp2_option_set_max_outbound_ack, 1,000), or sent headers over the
 * limit: reader_why says which), INTERNAL (what is not HTTP/2), or EOF
 * (closing: the peer's linger is over). Needs mu held.
 */
static enum status recv_locked(struct h2_end *e, const uint8_t *buf,
                               size_t n)
{
    ssize_t rv = 0;

    if (e->lingered)
        return STATUS_EOF;
    rv = nghttp2_session_mem_recv(e->session, buf, n);
    if (rv == NGHTTP2_ERR_FLOODED)
        return status_detail_set(
            &e->reader_why, STATUS_RESOURCE_EXHAUSTED,
            "the peer flooded the connection with SETTINGS or PING frames "
            "and did not read their ACKs (nghttp2: %s)",
            nghttp2_strerror((int)rv));
    if (rv < 0)
        return e->reader_why.code != STATUS_OK ? e->reader_why.code
                                               : STATUS_INTERNAL;
    return STATUS_OK;
}

/* The reader: the peer's bytes into the session, until the pipe ends. */
static enum status reader_main(void *arg)
{
    struct h2_end *e = arg;
    struct h2_conn *c = e->conn;
    uint8_t buf[4096];

    for (;;) {
        size_t got = 0;
        enum status st = e->fd >= 0
                             ? h2_socket_read(e->fd, buf, sizeof buf, &got)
                             : pipe_read(e->in, buf, sizeof buf, &got);

        sched_mutex_lock(&c->mu);
        if (st == STATUS_OK)
            st = recv_locked(e, buf, got);
        if (st != STATUS_OK && e->reader_why.code != STATUS_OK)
            st = e->reader_why.code; /* what ended it, in words */
        if (st != STATUS_OK) {
            e->reader_end = st;
            h2_conn_changed_locked(c);
        }
        h2_wake_writer_locked(c, e->side);
        sched_mutex_unlock(&c->mu);
        if (st != STATUS_OK) {
            /* Nobody reads this pipe now: its writer must not wait on it. */
            if (e->fd >= 0)
                h2_socket_shutdown(e->fd, SHUT_RDWR);
            else
                pipe_close_read(e->in);
            return STATUS_OK;
        }
    }
}

/* How long a closing writer waits for a real peer's window (below). */
#define H2_DRAIN_MS 2000

/*
 * Facing a real peer, a closing writer still owes the call's last DATA
 * and trailers while its stream is open; they may be waiting for the
 * peer's WINDOW_UPDATE, so it waits for them (at most H2_DRAIN_MS, set
 * in *until) instead of stopping with them unsent. Needs mu held.
 */
static int owes_peer_locked(struct h2_end *e, int64_t *until)
{
    struct h2_conn *c = e->conn;
    const struct h2_call *call = NULL;
    int open = 0;

    for (call = c->calls; call != NULL && !open; call = call->next)
        open = call->id != 0 && !call->closed;
    if (c->ends[1 - e->side].session != NULL || !open ||
        e->reader_end != STATUS_OK)
        return 0;
    if (*until == 0)
        *until = sched_now_ns() + (int64_t)H2_DRAIN_MS * 1000000;
    return 1;
}

/*
 * The writer ("loopy"): waits until the session has something to send,
 * then writes it. It stops once the connection is closing and nothing is
 * left (see owes_peer_locked), or its pipe fails.
 */
static enum status writer_main(void *arg)
{
    struct h2_end *e = arg;
    struct h2_conn *c = e->conn;
    enum status st = STATUS_OK;
    int64_t until = 0;

    sched_mutex_lock(&c->mu);
    while (st == STATUS_OK) {
        const uint8_t *data = NULL;
        ssize_t n = 0;
        uint8_t *copy = NULL;

        if (nghttp2_session_want_write(e->session))
            n = nghttp2_session_mem_send(e->session, &data);
        if (n < 0)
            break;
        if (n == 0) {
            if (c->closing && !owes_peer_locked(e, &until))
                break;
            st = c->closing ? sched_cond_timedwait(&e->wants, &c->mu, until)
                            : sched_cond_wait(&e->wants, &c->mu);
            continue;
        }
        copy = malloc((size_t)n);
        if (copy == NULL)
            break;
        memcpy(copy, data, (size_t)n);
        sched_mutex_unlock(&c->mu);
        st = e->fd >= 0 ? h2_socket_write(e->fd, copy, (size_t)n)
                        : pipe_write(e->out, copy, (size_t)n, NULL);
        free(copy);
        /*
         * The peer went away, or took nothing for the socket's send
         * timeout: the reader stops too (its read returns), so every
         * call sees the connection gone instead of waiting for room.
         */
        if (st != STATUS_OK && e->fd >= 0)
            h2_socket_shutdown(e->fd, SHUT_RDWR);
        sched_mutex_lock(&c->mu);
        /* Its GOAWAY for a broken protocol is out: the reader stops. */
        if (e->fd >= 0 && e->reader_why.code != STATUS_OK &&
            e->reader_end == STATUS_OK)
            h2_socket_shutdown(e->fd, SHUT_RD);
    }
    sched_mutex_unlock(&c->mu);
    return STATUS_OK;
}

/* ---- creating and destroying ---------------------------------------- */

static enum status conn_create(const struct h2_options *opts, int socket,
                               int max_calls, size_t capacity,
                               struct trace *trace, struct h2_conn **out);

/* Each end on its own end of a loopback TCP connection. */
static enum status open_sockets(struct h2_conn *c)
{
    int fds[2];
    enum status st = h2_socket_loopback_pair(fds, NULL);

    if (st == STATUS_OK) {
        c->ends[H2_CLIENT].fd = fds[0];
        c->ends[H2_SERVER].fd = fds[1];
    }
    return st;
}

/*
 * What a writer waiting on wants waits for, for the deadlock report:
 * a frame its session may send on its pipe (none is queued, or the
 * windows hold back what is). Read while every simulated thread is
 * stopped.
 */
static enum sched_wait_kind describe_wants(const void *obj, char *buf,
                                           size_t cap)
{
    const struct h2_end *e = obj;
    const char *name = e->side == H2_CLIENT ? "c2s" : "s2c";
    const struct h2_call *call = NULL;
    size_t queued = 0;
    int calls = 0;
    int32_t cw = 0;

    for (call = e->conn->calls; call != NULL; call = call->next)
        if (h2_buf_size(&call->out[e->side]) > 0) {
            queued += h2_buf_size(&call->out[e->side]);
            calls++;
        }
    cw = nghttp2_session_get_remote_window_size(e->session);
    if (e->conn->shared && queued > 0 && cw <= 0)
        snprintf(buf, cap,
                 "a frame it may send on %s (connection window 0: %zu "
                 "bytes of %d calls queued behind it)",
                 name, queued, calls);
    else
        snprintf(buf, cap, "a frame it may send on %s", name);
    return SCHED_WAIT_OTHER;
}

/*
 * Creates a connection for max_calls calls at once (its server says so
 * in SETTINGS_MAX_CONCURRENT_STREAMS) on the pipes.
 */
enum status h2_conn_create_shared(const struct h2_options *opts,
                                  int max_calls, size_t capacity,
                                  struct trace *trace, struct h2_conn **out)
{
    return conn_create(opts, 0, max_calls, capacity, trace, out);
}

enum status h2_conn_create(const struct h2_options *opts, size_t capacity,
                           struct trace *trace, struct h2_conn **out)
{
    return h2_conn_create_on(opts, 0, capacity, trace, out);
}

enum status h2_conn_create_on(const struct h2_options *opts, int socket,
                              size_t capacity, struct trace *trace,
                              struct h2_conn **out)
{
    return conn_create(opts, socket, 0, capacity, trace, out);
}

static enum status conn_create(const struct h2_options *opts, int socket,
                               int max_calls, size_t capacity,
                               struct trace *trace, struct h2_conn **out)
{
    static const char *const names[2] = {"c2s", "s2c"};
    struct h2_conn *c = calloc(1, sizeof *c);
    enum status st = STATUS_OK;
    int i = 0;

    if (c == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    c->opts = *opts;
    c->trace = trace;
    c->max_calls = max_calls;
    c->shared = max_calls > 0;
    sched_mutex_init(&c->mu);
    sched_cond_init(&c->arrived);
    c->ends[0].fd = c->ends[1].fd = -1;
    for (i = 0; i < 2 && st == STATUS_OK; i++)
        st = pipe_create(capacity, names[i], trace, &c->pipes[i]);
    if (st == STATUS_OK && socket)
        st = open_sockets(c);
    for (i = 0; i < 2; i++) {
        struct h2_end *e = &c->ends[i];

        e->conn = c;
        e->side = i;
        e->out = c->pipes[i];     /* the client writes c2s */
        e->in = c->pipes[1 - i];  /* and reads s2c */
        sched_cond_init(&e->wants);
        sched_cond_describe(&e->wants, describe_wants, e);
        if (st == STATUS_OK)
            st = make_session(e, &c->opts,
                              i == H2_SERVER ? (uint32_t)max_calls : 0, 0);
    }
    if (st != STATUS_OK) {
        h2_conn_destroy(c);
        return st;
    }
    *out = c;
    return STATUS_OK;
}

enum status h2_conn_create_peer(const struct h2_options *opts, int fd,
                                int side, int max_calls, size_t capacity,
                                struct trace *trace, struct h2_conn **out)
{
    static const char *const names[2] = {"c2s", "s2c"};
    struct h2_conn *c = calloc(1, sizeof *c);
    struct h2_end *e = NULL;
    enum status st = STATUS_OK;
    int i = 0;

    if (c == NULL) {
        close(fd);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    c->opts = *opts;
    c->trace = trace;
    c->max_calls = max_calls;
    c->shared = c->peer_mux = max_calls > 0;
    c->max_header_list = H2_MAX_HEADER_LIST;
    sched_mutex_init(&c->mu);
    sched_cond_init(&c->arrived);
    for (i = 0; i < 2; i++) {
        c->ends[i].conn = c;
        c->ends[i].side = i;
        c->ends[i].fd = -1;
        sched_cond_init(&c->ends[i].wants);
        sched_cond_describe(&c->ends[i].wants, describe_wants, &c->ends[i]);
    }
    for (i = 0; i < 2 && st == STATUS_OK; i++)
        st = pipe_create(capacity, names[i], trace, &c->pipes[i]);
    e = &c->ends[side];
    e->fd = fd;
    /* A peer that reads nothing must not hold a send forever. */
    if (h2_socket_send_timeout(fd) == 0)
        h2_socket_set_send_timeout(fd, H2_SOCKET_SEND_TIMEOUT_MS);
    e->out = c->pipes[side];
    e->in = c->pipes[1 - side];
    if (st == STATUS_OK)
        st = make_session(e, &c->opts,
                          side != H2_SERVER ? 0
                          : max_calls > 0   ? (uint32_t)max_calls
                                            : 1,
                          side != H2_SERVER ? 0
                          : c->peer_mux     ? c->max_header_list
                                            : H2_SOCKET_MAX_HEADER_LIST);
    if (st != STATUS_OK) {
        h2_conn_destroy(c);
        return st;
    }
    *out = c;
    return STATUS_OK;
}

enum status h2_conn_start(struct h2_conn *c)
{
    static const char *const names[2][2] = {
        {"client/h2-read", "client/h2-write"},
        {"server/h2-read", "server/h2-write"}};
    int i = 0;

    for (i = 0; i < 2; i++) {
        struct h2_end *e = &c->ends[i];

        if (e->session == NULL)
            continue; /* the peer's end runs elsewhere */
        if (sched_thread_start(&e->reader, names[i][0], reader_main, e) !=
            STATUS_OK)
            return STATUS_RESOURCE_EXHAUSTED;
        e->threads++;
        if (sched_thread_start(&e->writer, names[i][1], writer_main, e) !=
            STATUS_OK)
            return STATUS_RESOURCE_EXHAUSTED;
        e->threads++;
    }
    return STATUS_OK;
}

/* How long a closing end reads what a real peer still sends. */
#define H2_LINGER_MS 2000

/*
 * Closing end e, facing a real peer, has sent its FIN: its reader reads
 * what the peer still sends until the peer's FIN, for at most
 * H2_LINGER_MS; then it reads no more. shutdown(SHUT_RD) makes a read
 * already waiting return (a timeout set now, SO_RCVTIMEO, would not
 * reach it), so a peer that stays silent, or floods, cannot hold the
 * join below.
 */
static void linger_for_peer(struct h2_end *e)
{
    struct h2_conn *c = e->conn;
    int64_t until = sched_now_ns() + (int64_t)H2_LINGER_MS * 1000000;
    enum status st = STATUS_OK;
    int stop = 0;

    sched_mutex_lock(&c->mu);
    while (e->reader_end == STATUS_OK && st == STATUS_OK)
        st = sched_cond_timedwait(&e->wants, &c->mu, until);
    stop = e->lingered = e->reader_end == STATUS_OK;
    sched_mutex_unlock(&c->mu);
    if (stop)
        h2_socket_shutdown(e->fd, SHUT_RD);
}

/* GOAWAY from both ends, the writers drain and stop, then the readers. */
static void stop_threads(struct h2_conn *c)
{
    int i = 0;

    sched_mutex_lock(&c->mu);
    c->closing = 1;
    for (i = 0; i < 2; i++) {
        if (c->ends[i].session == NULL)
            continue;
        /*
         * Facing a real peer, what is queued (the last DATA, the
         * trailers) still goes out before GOAWAY ends the connection:
         * terminate would drop it. Both ends here: the calls are over.
         */
        if (c->ends[1 - i].session == NULL)
            nghttp2_submit_goaway(
                c->ends[i].session, NGHTTP2_FLAG_NONE,
                nghttp2_session_get_last_proc_stream_id(c->ends[i].session),
                NGHTTP2_NO_ERROR, NULL, 0);
        else
            nghttp2_session_terminate_session(c->ends[i].session,
                                              NGHTTP2_NO_ERROR);
        h2_wake_writer_locked(c, i);
    }
    sched_mutex_unlock(&c->mu);
    for (i = 0; i < 2; i++)
        if (c->ends[i].threads > 1)
            sched_thread_join(&c->ends[i].writer);
    for (i = 0; i < 2; i++) {
        pipe_close_write(c->pipes[i]);
        /*
         * The peer reads EOF (TCP's FIN), and the reader drains what the
         * peer still sends until it closes too; a real peer that never
         * does is given H2_LINGER_MS. Closing with bytes unread would
         * reset the connection and lose what the peer has not yet read.
         */
        if (c->ends[i].fd >= 0) {
            h2_socket_shutdown(c->ends[i].fd, SHUT_WR);
            if (c->ends[1 - i].session == NULL)
                linger_for_peer(&c->ends[i]);
        }
    }
    for (i = 0; i < 2; i++)
        if (c->ends[i].threads > 0)
            sched_thread_join(&c->ends[i].reader);
}

void h2_conn_destroy(struct h2_conn *c)
{
    int i = 0;

    if (c == NULL)
        return;
    stop_threads(c);
    for (i = 0; i < 2; i++) {
        if (c->ends[i].session != NULL)
            nghttp2_session_del(c->ends[i].session);
        sched_cond_destroy(&c->ends[i].wants);
        pipe_destroy(c->pipes[i]);
        if (c->ends[i].fd >= 0)
            close(c->ends[i].fd);
    }
    sched_cond_destroy(&c->arrived);
    sched_mutex_destroy(&c->mu);
    free(c);
}

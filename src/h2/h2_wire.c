/*
 * h2_wire: the wire operations of a call on an HTTP/2 connection.
 *
 * Design
 *   A send checks the size, then queues the frame (5-byte header and
 *   payload) in the call's outgoing buffer for its direction, and wakes
 *   the sending end's writer; nghttp2 takes the bytes from there as DATA
 *   when the flow-control windows allow (h2_read_source). This is grpc-go's
 *   per-stream write quota (defaultWriteQuota, H2_WRITE_QUOTA): a send
 *   waits while that many bytes are queued and not yet on the wire, and
 *   then queues its whole message (the quota may go past its end, as
 *   grpc-go's goes below 0). The quota comes back as the writer takes the
 *   bytes, which it can only do within the windows, so a peer that does
 *   not read makes its sender wait: for WINDOW_UPDATE once the windows
 *   are shut. The send waits on its own condition (quota[d]), which says
 *   so in a deadlock report; a deadline, an abort (cancel) or a reset
 *   wakes it.
 *
 *   A recv waits until the receive buffer holds a whole message, checks
 *   its header as frame_read does (the limit before the payload is
 *   awaited) and takes it out. The bytes a waiting recv has are given
 *   back to the windows as it gets them (nghttp2_session_consume), as
 *   grpc-go's parser reads them: only then may a WINDOW_UPDATE go out, so
 *   bytes nobody reads keep the window shut.
 *
 *   An abort drops what is queued and received in that direction, fails
 *   both of its ends at once (as the raw wire's pipes do), and the client
 *   sends RST_STREAM(CANCEL) for the call.
 *
 * Locking: see h2_internal.h.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/frame.h"
#include "core/pipe.h"
#include "h2/h2_internal.h"

static struct h2_call *call_of(struct wire *w)
{
    return (struct h2_call *)w;
}

/* Waits on the call's changes until its deadline. Needs mu held. */
static enum status wait_locked(struct h2_call *call)
{
    return sched_cond_timedwait(&call->changed, &call->conn->mu,
                                call->deadline);
}

/*
 * Something a send or recv may wait for has changed (data, room in the
 * write quota, an end, an abort, the deadline): wake them all. Needs mu
 * held.
 */
void h2_call_changed_locked(struct h2_call *call)
{
    sched_cond_broadcast(&call->changed);
    sched_cond_broadcast(&call->quota[0]);
    sched_cond_broadcast(&call->quota[1]);
}

/*
 * What a send waiting on quota[d] waits for, for the deadlock report:
 * WINDOW_UPDATE when a window of its direction is shut (the writer cannot
 * put the queued bytes on the wire), else the send quota itself. Called
 * only while every simulated thread is stopped, so it reads unlocked.
 */
static enum sched_wait_kind describe_quota(const void *obj, char *buf,
                                           size_t cap)
{
    const struct h2_quota_wait *q = obj;
    const struct h2_call *call = q->call;
    nghttp2_session *sender = call->conn->ends[q->dir].session;
    int32_t sw =
        nghttp2_session_get_stream_remote_window_size(sender, call->id);
    int32_t cw = nghttp2_session_get_remote_window_size(sender);
    const char *name = q->dir == 0 ? "c2s" : "s2c";
    size_t queued = h2_buf_size(&call->out[q->dir]);

    if (sw <= 0 || cw <= 0)
        snprintf(buf, cap,
                 "WINDOW_UPDATE (%s stream %d window %d, connection window "
                 "%d; its send quota is used up: %zu bytes queued)",
                 name, call->id, sw > 0 ? sw : 0, cw > 0 ? cw : 0, queued);
    else
        snprintf(buf, cap,
                 "send quota on stream %d (%zu bytes of %s queued, %d "
                 "allowed, not yet on the wire)",
                 call->id, queued, name, H2_WRITE_QUOTA);
    return SCHED_WAIT_ROOM;
}

/* More to send in direction d: wake the data source and the writer. */
static void kick_locked(struct h2_call *call, int d)
{
    if (call->deferred[d]) {
        call->deferred[d] = 0;
        nghttp2_session_resume_data(call->conn->ends[d].session, call->id);
    }
    h2_wake_writer_locked(call->conn, d);
}

/*
 * The server has something to say (a message, or its status): its
 * response HEADERS go out first, once its session has the request (a
 * server cannot answer a stream it has not seen; what it said before is
 * kept and said when the request arrives). A status with no message
 * before it is trailers-only: one HEADERS with grpc-status and
 * END_STREAM. Needs mu held.
 */
void h2_respond_locked(struct h2_call *call)
{
    nghttp2_session *server = call->conn->ends[H2_SERVER].session;
    struct h2_header_list h;
    nghttp2_data_provider prd;

    int said = h2_buf_size(&call->out[1]) > 0 || call->out_closed[1];

    if (!call->request_arrived || (!call->response_started && !said))
        return; /* nothing to answer yet, or nobody to answer */
    if (call->response_started) {
        kick_locked(call, 1);
        return;
    }
    call->response_started = 1;
    if (call->out_closed[1] && h2_buf_size(&call->out[1]) == 0) {
        h2_trailers(&h, &call->trailer, 1);
        nghttp2_submit_response(server, call->id, h.nv, h.n, NULL);
    } else {
        h2_response_headers(&h);
        prd.source.ptr = NULL; /* h2_read_source finds the call by its id */
        prd.read_callback = h2_read_source;
        nghttp2_submit_response(server, call->id, h.nv, h.n, &prd);
    }
    h2_wake_writer_locked(call->conn, H2_SERVER);
}

/*
 * What an operation says when the reader that feeds or drains it stopped
 * with st (OK: it runs): in SIM mode a deadlock, else the connection is
 * gone.
 */
static enum status gone(enum status st)
{
    if (st == STATUS_OK || st == STATUS_DEADLOCK)
        return st;
    return STATUS_UNAVAILABLE;
}

/* Why direction d can take no more from its sender, or OK. */
static enum status send_blocked_by(const struct h2_call *call, int d)
{
    if (call->aborted[d] != STATUS_OK)
        return call->aborted[d];
    /*
     * The client learns that the server stopped reading from its
     * RST_STREAM (closed), as in grpc-go; until then its sends queue.
     */
    if ((d == 1 && call->recv_closed[d]) || call->closed)
        return STATUS_CLOSED;
    return gone(h2_local_end(call->conn, 1 - d)->reader_end);
}

static enum status h2_send(struct wire *w, int dir, const void *buf,
                           size_t len, uint32_t max_send,
                           struct status_detail *why)
{
    struct h2_call *call = call_of(w);
    struct h2_conn *c = call->conn;
    size_t quota = H2_WRITE_QUOTA;
    uint8_t hdr[FRAME_HEADER_LEN];
    enum status st = frame_check_send(len, max_send, why);

    if (st != STATUS_OK)
        return st;
    sched_mutex_lock(&c->mu);
    while (st == STATUS_OK) {
        st = send_blocked_by(call, dir);
        if (st != STATUS_OK || h2_buf_size(&call->out[dir]) < quota)
            break;
        call->write_waits[dir]++;
        h2_trace_send_waits(call, dir);
        st = sched_cond_timedwait(&call->quota[dir], &c->mu, call->deadline);
    }
    frame_encode_header(hdr, FRAME_FLAG_PLAIN, (uint32_t)len);
    if (st == STATUS_OK && (h2_buf_append(&call->out[dir], hdr, sizeof hdr) ||
                            h2_buf_append(&call->out[dir], buf, len)))
        st = STATUS_RESOURCE_EXHAUSTED;
    if (st == STATUS_OK && dir == 1)
        h2_respond_locked(call);
    else if (st == STATUS_OK)
        kick_locked(call, dir);
    sched_mutex_unlock(&c->mu);
    if (st != STATUS_OK && st != STATUS_RESOURCE_EXHAUSTED)
        status_detail_set(why, st, "%s", status_name(st));
    return st;
}

/* Copies the n payload bytes at p into *msg. */
static enum status fill_msg(struct frame_msg *msg, uint8_t flag,
                            const uint8_t *p, uint32_t n)
{
    if (n > msg->cap) {
        uint8_t *grown = realloc(msg->data, n);

        if (grown == NULL)
            return STATUS_RESOURCE_EXHAUSTED;
        msg->data = grown;
        msg->cap = n;
    }
    if (n > 0)
        memcpy(msg->data, p, n);
    msg->flag = flag;
    msg->length = n;
    return STATUS_OK;
}

/*
 * The receiver of d has read the first upto bytes of its buffer (into the
 * message it assembles): give what it had not yet given back to the
 * stream's and the connection's windows, so WINDOW_UPDATE may go out.
 * This is byte by byte, as grpc-go's parser reads: a message larger than
 * the window still arrives. Needs mu held.
 */
static void consume_locked(struct h2_call *call, int d, size_t upto)
{
    if (upto <= call->consumed[d])
        return;
    h2_give_back_locked(call, d, upto - call->consumed[d]);
    call->consumed[d] = upto;
}

void h2_give_back_locked(struct h2_call *call, int d, size_t n)
{
    struct h2_conn *c = call->conn;
    nghttp2_session *receiver = c->ends[1 - d].session;

    if (c->opts.policy == H2_WINDOW_ON_ARRIVAL)
        nghttp2_session_consume_stream(receiver, call->id, n);
    else
        nghttp2_session_consume(receiver, call->id, n);
    h2_wake_writer_locked(c, 1 - d);
}

void h2_drop_in_locked(struct h2_call *call, int d)
{
    size_t n = h2_buf_size(&call->in[d]);

    if (call->conn->shared && n > call->consumed[d])
        h2_give_back_locked(call, d, n - call->consumed[d]);
    h2_buf_drop(&call->in[d], n);
    call->consumed[d] = 0;
}

/*
 * One message from direction d's receive buffer, if a whole one is there:
 * OK (taken; *taken says how many bytes), EOF (the direction ended between
 * messages), or a bad header's status; or, with *ready set to 0, nothing
 * yet (wait). Needs mu held.
 */
static enum status take_locked(struct h2_call *call, int d,
                               const struct frame_limits *limits,
                               struct frame_msg *msg, size_t *taken,
                               int *ready, struct status_detail *why)
{
    struct h2_buf *in = &call->in[d];
    size_t have = h2_buf_size(in);
    struct frame_header fh;
    enum status st = STATUS_OK;

    size_t need = FRAME_HEADER_LEN;

    if (have >= FRAME_HEADER_LEN) {
        st = frame_decode_header(in->data + in->off, limits, &fh, why);
        if (st != STATUS_OK)
            return st;
        need += fh.length;
        if (have >= need) {
            st = fill_msg(msg, fh.flag, in->data + in->off + FRAME_HEADER_LEN,
                          fh.length);
            if (st == STATUS_OK) {
                *taken = need;
                consume_locked(call, d, need);
                h2_buf_drop(in, need);
                call->consumed[d] -= need;
            }
            return st;
        }
    }
    consume_locked(call, d, have < need ? have : need);
    if (!call->in_ended[d]) {
        *ready = 0;
        return STATUS_OK;
    }
    if (have == 0)
        return STATUS_EOF;
    return status_detail_set(why, STATUS_INTERNAL, "unexpected EOF");
}

static enum status h2_recv(struct wire *w, int dir,
                           const struct frame_limits *limits,
                           struct frame_msg *msg, struct status_detail *why)
{
    struct h2_call *call = call_of(w);
    struct h2_conn *c = call->conn;
    enum status st = STATUS_OK;
    size_t taken = 0; /* given back by take_locked */
    int ready = 0;    /* st is the answer (else: wait for more) */

    sched_mutex_lock(&c->mu);
    for (;;) {
        ready = 1;
        if (call->aborted[dir] != STATUS_OK)
            st = call->aborted[dir];
        else if (call->recv_closed[dir])
            st = STATUS_CLOSED;
        else
            st = take_locked(call, dir, limits, msg, &taken, &ready, why);
        if (!ready && h2_local_end(c, 1 - dir)->reader_end != STATUS_OK) {
            /* Nothing more comes. */
            st = gone(h2_local_end(c, 1 - dir)->reader_end);
            ready = 1;
        }
        if (ready)
            break;
        call->read_waits[dir]++;
        st = wait_locked(call);
        if (st != STATUS_OK) /* the deadline, or a deadlock (SIM mode) */
            break;
    }
    sched_mutex_unlock(&c->mu);
    if (st == STATUS_DEADLINE_EXCEEDED || st == STATUS_DEADLOCK ||
        st == STATUS_CLOSED || st == STATUS_CANCELLED)
        status_detail_set(why, st, "%s", status_name(st));
    else if (st == STATUS_UNAVAILABLE)
        status_detail_set(why, st, "the connection is gone");
    return st;
}

static void h2_close_send(struct wire *w, int dir,
                          const struct status_detail *trailer)
{
    struct h2_call *call = call_of(w);
    struct h2_conn *c = call->conn;

    sched_mutex_lock(&c->mu);
    if (!call->out_closed[dir]) {
        call->out_closed[dir] = 1;
        if (dir == 1 && trailer != NULL)
            call->trailer = *trailer;
        if (dir == 1)
            h2_respond_locked(call);
        else
            kick_locked(call, dir);
    }
    sched_mutex_unlock(&c->mu);
}

/*
 * grpc-go's server, its status sent while the client still sends, resets
 * the stream with NO_ERROR, so the client stops. Needs mu held.
 */
void h2_reset_after_trailers_locked(struct h2_call *call)
{
    if (!call->reset_after_trailers || !call->trailers_sent ||
        call->in_ended[0] || call->closed || call->reset_sent)
        return;
    call->reset_sent = 1;
    nghttp2_submit_rst_stream(call->conn->ends[H2_SERVER].session,
                              NGHTTP2_FLAG_NONE, call->id, NGHTTP2_NO_ERROR);
    h2_wake_writer_locked(call->conn, H2_SERVER);
}

static void h2_close_recv(struct wire *w, int dir)
{
    struct h2_call *call = call_of(w);
    struct h2_conn *c = call->conn;
    size_t n = 0;

    sched_mutex_lock(&c->mu);
    call->recv_closed[dir] = 1;
    if (dir == 0) {
        call->reset_after_trailers = 1;
        h2_reset_after_trailers_locked(call);
    }
    n = h2_buf_size(&call->in[dir]);
    consume_locked(call, dir, n);
    h2_buf_drop(&call->in[dir], n);
    call->consumed[dir] = 0;
    h2_wake_writer_locked(c, 1 - dir);
    h2_call_changed_locked(call);
    sched_mutex_unlock(&c->mu);
}

static size_t h2_abort(struct wire *w, int dir, enum status reason)
{
    struct h2_call *call = call_of(w);
    struct h2_conn *c = call->conn;
    size_t lost = 0;

    sched_mutex_lock(&c->mu);
    if (call->aborted[dir] == STATUS_OK) {
        lost = h2_buf_size(&call->out[dir]) + h2_buf_size(&call->in[dir]);
        h2_buf_drop(&call->out[dir], h2_buf_size(&call->out[dir]));
        h2_drop_in_locked(call, dir);
        call->aborted[dir] = reason;
    }
    if (!call->reset_sent && !call->closed && call->id != 0) {
        struct h2_end *e = h2_local_end(c, H2_CLIENT);

        call->reset_sent = 1;
        nghttp2_submit_rst_stream(e->session, NGHTTP2_FLAG_NONE, call->id,
                                  NGHTTP2_CANCEL);
        h2_wake_writer_locked(c, e->side);
    }
    h2_call_changed_locked(call);
    sched_mutex_unlock(&c->mu);
    return lost;
}

static void h2_set_deadline(struct wire *w, int64_t deadline_ns)
{
    struct h2_call *call = call_of(w);

    sched_mutex_lock(&call->conn->mu);
    call->deadline = deadline_ns;
    h2_call_changed_locked(call);
    sched_mutex_unlock(&call->conn->mu);
}

static void h2_waits(struct wire *w, int dir, uint64_t *write_waits,
                     uint64_t *read_waits)
{
    struct h2_call *call = call_of(w);

    sched_mutex_lock(&call->conn->mu);
    *write_waits = call->write_waits[dir];
    *read_waits = call->read_waits[dir];
    sched_mutex_unlock(&call->conn->mu);
}

static struct pipe *h2_pipe(struct wire *w, int dir)
{
    return call_of(w)->conn->pipes[dir];
}

/*
 * A call leaves its shared connection: its stream, if still open there,
 * is reset (RST_STREAM(CANCEL), as grpc-go's client resets a stream it
 * is done with), and what it received and did not read goes back to the
 * windows, so the calls that stay lose nothing with it.
 */
static int leave_conn(struct h2_call *call)
{
    int last = 0, open = 0;
    struct h2_conn *c = call->conn;
    struct h2_call **p = &c->calls;
    /* A peer connection's server resets the stream itself. */
    nghttp2_session *local = h2_local_end(c, H2_CLIENT)->session;
    int d = 0;

    sched_mutex_lock(&c->mu);
    while (*p != call)
        p = &(*p)->next;
    *p = call->next;
    c->ncalls--;
    for (d = 0; d < 2; d++)
        h2_drop_in_locked(call, d);
    open = call->id > 0 && nghttp2_session_find_stream(local, call->id);
    if (c->peer_mux) /* a server keeps closed streams: ask the call */
        open = open && !call->closed && !call->trailers_sent &&
               !call->reset_sent;
    if (open)
        nghttp2_submit_rst_stream(local, NGHTTP2_FLAG_NONE, call->id,
                                  NGHTTP2_CANCEL);
    h2_wake_writer_locked(c, H2_CLIENT);
    h2_wake_writer_locked(c, H2_SERVER);
    last = c->calls == NULL;
    sched_mutex_unlock(&c->mu);
    return last;
}

void h2_call_destroy(struct wire *w)
{
    struct h2_call *call = call_of(w);
    struct h2_conn *c = call->conn;
    int d = 0;

    if (c != NULL && c->peer_mux)
        h2_peer_call_drain(call);
    if (c != NULL && !c->shared)
        h2_conn_destroy(c); /* the call's own */
    else if (c != NULL && leave_conn(call) && c->freed_by_calls)
        h2_conn_destroy(c);
    for (d = 0; d < 2; d++) {
        h2_buf_free(&call->out[d]);
        h2_buf_free(&call->in[d]);
    }
    sched_cond_destroy(&call->changed);
    for (d = 0; d < 2; d++)
        sched_cond_destroy(&call->quota[d]);
    free(call);
}

static const struct wire_ops h2_ops = {
    .name = "h2",
    .send = h2_send,
    .recv = h2_recv,
    .close_send = h2_close_send,
    .close_recv = h2_close_recv,
    .abort = h2_abort,
    .set_deadline = h2_set_deadline,
    .waits = h2_waits,
    .pipe = h2_pipe,
    .destroy = h2_call_destroy,
    .trailer = h2_wire_received_trailer,
    .share = h2_call_share,
};

const struct wire_type h2_wire_type = {"h2", h2_wire_create, NULL};

/* The call's windows, on a loopback socket (see h2_wire.h). */
static enum status h2_socket_wire_create(void *arg,
                                         const struct wire_params *params,
                                         struct wire **out)
{
    (void)arg;
    if (sched_simulated())
        return STATUS_FAILED_PRECONDITION;
    return h2_wire_open(NULL, 1, params, out);
}

const struct wire_type h2_socket_wire_type = {"h2", h2_socket_wire_create,
                                              NULL};

static int window_ok(int32_t w)
{
    return w >= 1; /* int32_t: never above 2^31-1 */
}

void h2_link_call_locked(struct h2_call *call)
{
    call->next = call->conn->calls;
    call->conn->calls = call;
    call->conn->ncalls++;
}

/*
 * The client's HEADERS open the call's stream: id 1 on a new connection,
 * then 3, 5, ... on a shared one.
 */
enum status h2_call_open(struct h2_call *call, struct status_detail *why)
{
    struct h2_conn *c = call->conn;
    struct h2_header_list h;
    nghttp2_data_provider prd;
    enum status full = STATUS_OK;
    int32_t id = 0;

    h2_request_headers_at(&h, call->path, call->timeout_ns);
    prd.source.ptr = NULL; /* h2_read_source finds the call by its id */
    prd.read_callback = h2_read_source;
    sched_mutex_lock(&c->mu);
    full = c->shared ? h2_conn_room_locked(c, why) : STATUS_OK;
    if (full != STATUS_OK) {
        sched_mutex_unlock(&c->mu);
        return full;
    }
    id = nghttp2_submit_request(c->ends[H2_CLIENT].session, NULL, h.nv, h.n,
                                &prd, call);
    if (id > 0) {
        call->id = id;
        h2_link_call_locked(call);
        if (c->peer_mux)
            c->trace = NULL; /* its calls have their own now */
        if (c->shared)
            h2_call_describe_shared(call);
        h2_wake_writer_locked(c, H2_CLIENT);
    }
    sched_mutex_unlock(&c->mu);
    if (id <= 0)
        return status_detail_set(why, STATUS_RESOURCE_EXHAUSTED,
                                 "could not open a stream: %s",
                                 nghttp2_strerror(id));
    return STATUS_OK;
}

/* A new call, not yet on a connection. NULL: out of memory. */
struct h2_call *h2_call_new(const struct wire_params *params)
{
    struct h2_call *call = calloc(1, sizeof *call);
    int d = 0;

    if (call == NULL)
        return NULL;
    call->base.ops = &h2_ops;
    call->deadline = SCHED_NO_DEADLINE;
    call->timeout_ns = params->timeout_ns ? params->timeout_ns
                                          : SCHED_NO_DEADLINE;
    sched_cond_init(&call->changed);
    for (d = 0; d < 2; d++) {
        call->quota_wait[d].call = call;
        call->quota_wait[d].dir = d;
        sched_cond_init(&call->quota[d]);
        sched_cond_describe(&call->quota[d], describe_quota,
                            &call->quota_wait[d]);
    }
    return call;
}

/*
 * The call's wire: its connection in this process (on the pipes, or on a
 * loopback socket when socket is 1), or, with peer, one end of a
 * connection to a real peer. Its connection gives the connection's
 * window back on read (H2_WINDOW_DEFAULT is H2_WINDOW_ON_READ here).
 */
static enum status open_wire(void *arg, int socket, const struct h2_peer *peer,
                             const struct wire_params *params,
                             struct wire **out)
{
    struct h2_options o;
    struct h2_call *call = NULL;
    enum status st = STATUS_OK;

    assert(params != NULL && out != NULL);
    memset(&o, 0, sizeof o);
    o.window = params->window;
    o.conn_window = params->conn_window;
    if (arg != NULL) /* the wire type's own windows come first */
        o = *(const struct h2_options *)arg;
    if (o.window == 0)
        o.window = H2_DEFAULT_WINDOW;
    if (o.conn_window == 0)
        o.conn_window = H2_DEFAULT_WINDOW;
    if (o.policy == H2_WINDOW_DEFAULT)
        o.policy = H2_WINDOW_ON_READ;
    if (!window_ok(o.window) || !window_ok(o.conn_window) ||
        (call = h2_call_new(params)) == NULL) {
        if (peer != NULL)
            close(peer->fd);
        return call == NULL && window_ok(o.window) && window_ok(o.conn_window)
                   ? STATUS_RESOURCE_EXHAUSTED
                   : STATUS_INVALID_ARGUMENT;
    }
    if (peer != NULL)
        st = h2_conn_create_peer(&o, peer->fd, peer->side, 0,
                                 params->capacity, params->trace,
                                 &call->conn);
    else
        st = h2_conn_create_on(&o, socket, params->capacity, params->trace,
                               &call->conn);
    if (peer != NULL && peer->side == H2_PEER_CLIENT)
        snprintf(call->path, sizeof call->path, "%s", peer->path);
    if (st == STATUS_OK && peer != NULL && peer->side == H2_SERVER)
        h2_link_call_locked(call); /* its stream: the peer's first (no
                                   thread runs yet: no lock needed) */
    else if (st == STATUS_OK)
        st = h2_call_open(call, NULL);
    if (st == STATUS_OK)
        st = h2_conn_start(call->conn);
    if (st != STATUS_OK) {
        int err = errno; /* a thread's start: why, for the caller */

        h2_call_destroy(&call->base);
        errno = err;
        return st;
    }
    *out = &call->base;
    return STATUS_OK;
}

enum status h2_wire_create(void *arg, const struct wire_params *params,
                           struct wire **out)
{
    return open_wire(arg, 0, NULL, params, out);
}

enum status h2_wire_open(void *arg, int socket,
                         const struct wire_params *params, struct wire **out)
{
    return open_wire(arg, socket, NULL, params, out);
}

enum status h2_peer_wire_create(void *arg, const struct wire_params *params,
                                struct wire **out)
{
    const struct h2_peer *peer = arg;

    assert(peer != NULL && peer->fd >= 0);
    assert(peer->side == H2_PEER_CLIENT || peer->side == H2_PEER_SERVER);
    if (sched_simulated()) {
        close(peer->fd);
        return STATUS_FAILED_PRECONDITION;
    }
    return open_wire(NULL, 0, peer, params, out);
}

enum status h2_peer_wire_await_request(struct wire *w, int64_t deadline_ns,
                                       char *path, size_t cap,
                                       struct status_detail *why)
{
    struct h2_call *call = call_of(w);
    struct h2_conn *c = call->conn;
    struct h2_end *e = &c->ends[H2_SERVER];
    enum status st = STATUS_OK;

    assert(e->session != NULL && cap > 0);
    sched_mutex_lock(&c->mu);
    while (!call->request_arrived && e->reader_end == STATUS_OK &&
           st == STATUS_OK)
        st = sched_cond_timedwait(&call->changed, &c->mu, deadline_ns);
    if (call->request_arrived) {
        snprintf(path, cap, "%s", call->path);
        st = STATUS_OK;
    } else if (st == STATUS_OK && e->reader_why.code != STATUS_OK)
        st = status_detail_set(why, e->reader_why.code, "%s",
                               e->reader_why.text);
    else if (st == STATUS_OK && e->reader_end == STATUS_EOF)
        st = status_detail_set(why, STATUS_UNAVAILABLE,
                               "the peer closed the connection before its "
                               "request");
    else if (st == STATUS_OK)
        st = status_detail_set(why, STATUS_UNAVAILABLE,
                               "the peer sent what is not HTTP/2 (%s)",
                               status_name(e->reader_end));
    else
        status_detail_set(why, st, "no request before the idle timeout");
    sched_mutex_unlock(&c->mu);
    return st;
}

int64_t h2_peer_wire_request_timeout(struct wire *w)
{
    struct h2_call *call = call_of(w);
    int64_t ns = 0;

    sched_mutex_lock(&call->conn->mu);
    ns = call->timeout_ns;
    sched_mutex_unlock(&call->conn->mu);
    return ns;
}

struct h2_frame_counts h2_wire_frame_counts(struct wire *w)
{
    return h2_connection_frame_counts(call_of(w)->conn);
}

void h2_wire_windows(struct wire *w, int dir, int32_t *stream_window,
                     int32_t *conn_window)
{
    struct h2_call *call = call_of(w);
    nghttp2_session *sender = call->conn->ends[dir].session;

    if (sender == NULL) { /* a real peer's: not known here */
        *stream_window = *conn_window = 0;
        return;
    }
    sched_mutex_lock(&call->conn->mu);
    *stream_window =
        nghttp2_session_get_stream_remote_window_size(sender, call->id);
    *conn_window = nghttp2_session_get_remote_window_size(sender);
    sched_mutex_unlock(&call->conn->mu);
}

int h2_wire_received_trailer(struct wire *w, struct status_detail *out)
{
    struct h2_call *call = call_of(w);
    int has = 0;

    assert(out != NULL);
    sched_mutex_lock(&call->conn->mu);
    has = call->has_got_trailer;
    if (has)
        *out = call->got_trailer;
    sched_mutex_unlock(&call->conn->mu);
    return has;
}

size_t h2_wire_frames(struct wire *w, struct h2_frame_record *out,
                      size_t cap)
{
    return h2_connection_frames(call_of(w)->conn, out, cap);
}

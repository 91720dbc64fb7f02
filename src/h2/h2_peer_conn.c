/*
 * h2_peer_conn: one TCP connection to a real peer that carries many calls
 * (see h2_peer_conn.h).
 *
 * Design
 *   Nothing here is a second transport: the connection is h2_conn.c's
 *   peer end (one session, a reader and a writer thread, on a socket),
 *   made shared as h2_connection.c's is, so a call on it is h2_wire.c's
 *   call and every callback finds it by its stream id.
 *
 *   The client opens calls as on any shared connection
 *   (h2_connection_open). The server cannot: the peer opens them. Its
 *   on_begin_headers makes each new stream a call at once, under mu,
 *   and queues it; h2_peer_conn_await waits for the queue, and the wire
 *   type's create takes the oldest. So a burst of requests (a grpc-go or
 *   grpcio channel starting twenty calls at once) is never refused for
 *   want of a thread that was quick enough: only max_calls bounds it.
 *
 *   A server's call that is destroyed while its last DATA and trailers
 *   still wait for the peer's window is not reset away: destroy waits
 *   (at most H2_PEER_DRAIN_MS) until its trailers are out, as the
 *   one-call wire's closing writer does for its connection.
 *
 *   Timelines: a call made with a trace of its own gets its stream's
 *   frames, and the connection's frames (stream 0) while it is open; the
 *   connection's trace, until the first call exists, gets the first
 *   frames (the preface's SETTINGS), so one call on one connection reads
 *   as it always did.
 *
 * Locking: see h2_internal.h (one lock, mu, for the connection and every
 * call on it).
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/trace.h"
#include "h2/h2_internal.h"
#include "h2/h2_peer_conn.h"

/* How long a server's call being destroyed waits for its trailers. */
#define H2_PEER_DRAIN_MS 2000

/* ---- under mu, from h2_conn.c's callbacks ------------------------------ */

void h2_peer_conn_begin_locked(struct h2_conn *c, nghttp2_session *session,
                               int32_t id)
{
    struct wire_params none;
    struct h2_call *call = NULL;

    memset(&none, 0, sizeof none);
    if (c->ncalls < c->max_calls)
        call = h2_call_new(&none);
    if (call == NULL) {
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id,
                                  NGHTTP2_REFUSED_STREAM);
        return;
    }
    call->conn = c;
    call->id = id;
    call->queued = 1;
    h2_link_call_locked(call);
    h2_call_describe_shared(call);
    c->accepted++;
    sched_cond_broadcast(&c->arrived);
}

/* Frees a call nobody has taken (its request was reset). */
static void free_untaken_locked(struct h2_conn *c, struct h2_call *call)
{
    struct h2_call **p = &c->calls;
    int d = 0;

    while (*p != call)
        p = &(*p)->next;
    *p = call->next;
    c->ncalls--;
    for (d = 0; d < 2; d++) {
        h2_buf_free(&call->out[d]);
        h2_buf_free(&call->in[d]);
        sched_cond_destroy(&call->quota[d]);
    }
    sched_cond_destroy(&call->changed);
    free(call);
}

int h2_peer_conn_header_locked(struct h2_conn *c, nghttp2_session *session,
                               int32_t id, size_t namelen, size_t valuelen)
{
    struct h2_call *call = h2_conn_call(c, id);

    if (call == NULL || !call->queued)
        return 0; /* taken: its trailers are the client's business */
    /* RFC 9113 6.5.2: each field's name and value, and 32 bytes. */
    call->header_bytes += namelen + valuelen + 32;
    if (call->header_bytes <= c->max_header_list)
        return 0;
    nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id,
                              NGHTTP2_FRAME_SIZE_ERROR);
    c->accepted--;
    free_untaken_locked(c, call);
    return 1;
}

int h2_frame_traces_locked(struct h2_conn *c, int32_t id, struct trace **out,
                           int cap)
{
    struct h2_call *call = h2_conn_call(c, id);
    int n = 0;

    if (call != NULL && call->trace != NULL && cap > 0) {
        out[0] = call->trace;
        return 1;
    }
    if (c->trace != NULL && cap > 0)
        out[n++] = c->trace;
    if (id != 0)
        return n; /* a stream's frame with no timeline of its own */
    for (call = c->calls; call != NULL && n < cap; call = call->next)
        if (call->trace != NULL && call->trace != c->trace)
            out[n++] = call->trace;
    return n;
}

void h2_peer_call_drain(struct h2_call *call)
{
    struct h2_conn *c = call->conn;
    struct h2_end *e = h2_local_end(c, H2_CLIENT);
    int64_t until = sched_now_ns() + (int64_t)H2_PEER_DRAIN_MS * 1000000;
    enum status st = STATUS_OK;

    if (e->side != H2_SERVER)
        return;
    sched_mutex_lock(&c->mu);
    while (st == STATUS_OK && call->id > 0 && call->out_closed[1] &&
           !call->trailers_sent && !call->closed && !call->reset_sent &&
           call->aborted[1] == STATUS_OK && e->reader_end == STATUS_OK)
        st = sched_cond_timedwait(&call->changed, &c->mu, until);
    sched_mutex_unlock(&c->mu);
}

/* ---- the connection ---------------------------------------------------- */

static enum status open_by_type(void *arg, const struct wire_params *params,
                                struct wire **out)
{
    return h2_connection_open(arg, params, out, NULL);
}

/* The oldest stream the peer opened that nobody has taken. Needs mu. */
static struct h2_call *oldest_queued_locked(struct h2_conn *c)
{
    struct h2_call *call = NULL, *oldest = NULL;

    for (call = c->calls; call != NULL; call = call->next)
        if (call->queued && (oldest == NULL || call->id < oldest->id))
            oldest = call;
    return oldest;
}

/* The server's create: takes the oldest stream the peer opened. */
static enum status take_by_type(void *arg, const struct wire_params *params,
                                struct wire **out)
{
    struct h2_conn *c = arg;
    struct h2_call *call = NULL;

    assert(c->ends[H2_SERVER].session != NULL);
    sched_mutex_lock(&c->mu);
    call = oldest_queued_locked(c);
    if (call != NULL) {
        call->queued = 0;
        call->trace = params->trace;
        c->trace = NULL; /* its calls have their own now */
    }
    sched_mutex_unlock(&c->mu);
    if (call == NULL)
        return STATUS_UNAVAILABLE; /* h2_peer_conn_await first */
    *out = &call->base;
    return STATUS_OK;
}

/* The options a peer connection runs with: every 0 made its default. */
static struct h2_options resolve(const struct h2_options *opts)
{
    struct h2_options o;

    memset(&o, 0, sizeof o);
    if (opts != NULL)
        o = *opts;
    if (o.window == 0)
        o.window = H2_DEFAULT_WINDOW;
    if (o.conn_window == 0)
        o.conn_window = H2_DEFAULT_WINDOW;
    if (o.policy == H2_WINDOW_DEFAULT)
        o.policy = H2_WINDOW_ON_ARRIVAL;
    if (o.max_calls == 0)
        o.max_calls = H2_MAX_CALLS;
    return o;
}

enum status h2_peer_conn_create(const struct h2_options *opts, int fd,
                                int side, struct trace *trace,
                                struct h2_conn **out)
{
    struct h2_options o = resolve(opts);
    struct h2_conn *c = NULL;
    enum status st = STATUS_OK;

    assert(fd >= 0 && out != NULL);
    assert(side == H2_PEER_CLIENT || side == H2_PEER_SERVER);
    if (sched_simulated()) {
        close(fd);
        return STATUS_FAILED_PRECONDITION;
    }
    if (o.window < 1 || o.conn_window < 1 || o.max_calls < 1 ||
        (o.policy != H2_WINDOW_ON_READ && o.policy != H2_WINDOW_ON_ARRIVAL)) {
        close(fd);
        return STATUS_INVALID_ARGUMENT;
    }
    st = h2_conn_create_peer(&o, fd, side, o.max_calls, 0, trace, &c);
    if (st != STATUS_OK)
        return st;
    c->type.name = "h2";
    c->type.create = side == H2_PEER_CLIENT ? open_by_type : take_by_type;
    c->type.arg = c;
    st = h2_conn_start(c);
    if (st != STATUS_OK) {
        int err = errno; /* the thread's start: why, for the caller */

        h2_conn_destroy(c);
        errno = err;
        return st;
    }
    *out = c;
    return STATUS_OK;
}

/*
 * Why an await ended with no stream, when it was the connection: the
 * reader's own words when it stopped for a reason it named (a flood, a
 * protocol error it answered with GOAWAY), else what it read. Needs mu.
 */
static enum status over(struct h2_conn *c, enum status reader_end,
                        struct status_detail *why)
{
    const struct h2_end *e = &c->ends[H2_SERVER];

    if (e->reader_why.code != STATUS_OK)
        return status_detail_set(why, e->reader_why.code, "%s",
                                 e->reader_why.text);
    if (reader_end == STATUS_EOF)
        return status_detail_set(why, STATUS_UNAVAILABLE,
                                 c->accepted == 0
                                     ? "the peer closed the connection "
                                       "before its request"
                                     : "the peer closed the connection");
    return status_detail_set(why, STATUS_UNAVAILABLE,
                             "the peer sent what is not HTTP/2 (%s)",
                             status_name(reader_end));
}

enum status h2_peer_conn_await(struct h2_conn *c, int64_t deadline_ns,
                               struct status_detail *why)
{
    struct h2_end *e = &c->ends[H2_SERVER];
    enum status st = STATUS_OK;

    assert(c->peer_mux && e->session != NULL);
    sched_mutex_lock(&c->mu);
    while (oldest_queued_locked(c) == NULL && e->reader_end == STATUS_OK &&
           st == STATUS_OK)
        st = sched_cond_timedwait(&c->arrived, &c->mu, deadline_ns);
    if (oldest_queued_locked(c) != NULL)
        st = STATUS_OK;
    else if (e->reader_end != STATUS_OK)
        st = over(c, e->reader_end, why);
    else
        status_detail_set(why, st, "no request before the idle timeout");
    sched_mutex_unlock(&c->mu);
    return st;
}

void h2_peer_conn_counts(struct h2_conn *c, int *accepted, int *refused)
{
    sched_mutex_lock(&c->mu);
    *accepted = c->accepted;
    *refused = c->refused;
    sched_mutex_unlock(&c->mu);
}

int32_t h2_wire_stream_id(struct wire *w)
{
    struct h2_call *call = (struct h2_call *)w;
    int32_t id = 0;

    sched_mutex_lock(&call->conn->mu);
    id = call->id;
    sched_mutex_unlock(&call->conn->mu);
    return id;
}

void h2_peer_conn_destroy(struct h2_conn *c)
{
    struct h2_call *call = NULL;

    if (c == NULL)
        return;
    assert(c->peer_mux);
    for (;;) { /* the streams nobody took leave first (each resets) */
        sched_mutex_lock(&c->mu);
        for (call = c->calls; call != NULL && !call->queued;)
            call = call->next;
        if (call != NULL)
            call->queued = 0;
        sched_mutex_unlock(&c->mu);
        if (call == NULL)
            break;
        h2_call_destroy(&call->base);
    }
    sched_mutex_lock(&c->mu);
    assert(c->calls == NULL && "destroy every call's wire first");
    sched_mutex_unlock(&c->mu);
    h2_conn_destroy(c);
}

/*
 * h2_connection: one HTTP/2 connection that carries many calls.
 *
 * Design
 *   The connection is h2_conn.c's (two sessions, two pipes, a reader and
 *   a writer per end) made once, with shared set: a call made on it
 *   (h2_connection_open) is h2_wire.c's call, linked into the
 *   connection's list of calls, whose request HEADERS open the next
 *   stream (nghttp2 numbers them 1, 3, 5, ...). Every callback finds its
 *   call by stream id, so frames of different calls interleave on the
 *   pipes and each lands in its own call's buffers.
 *
 *   What the calls share is the connection's window. Under
 *   H2_WINDOW_ON_READ a receiver gives DATA back to both windows only
 *   when the application reads it, so a call nobody reads holds the
 *   connection's window and the others' DATA cannot go out. Under
 *   H2_WINDOW_ON_ARRIVAL (grpc-go's, the default here) on_data gives the
 *   connection's part back as the DATA arrives, and only the stream's
 *   window waits for the reader.
 *
 *   A call leaves the connection when its wire is destroyed: its stream
 *   is reset if it is still open, and what it received and nobody read
 *   is given back, so the calls that stay lose no window with it. The
 *   connection is destroyed last, after every call (asserted).
 *
 *   wire_share (h2_call_share) makes a one-call wire's connection shared
 *   the same way, for a layer that cannot name h2 (a scenario): its
 *   server then says SETTINGS_MAX_CONCURRENT_STREAMS in a second
 *   SETTINGS, and the last of its calls to be destroyed frees it.
 *
 *   A learner sees which window holds what: a send that waits on a
 *   shared connection puts a note on the timeline with both windows, and
 *   in a deadlock report a recv's wait names its stream and where each
 *   direction's bytes are (queued behind which window, or arrived).
 *
 *   The server says SETTINGS_MAX_CONCURRENT_STREAMS max_calls, and the
 *   connection refuses a call beyond it itself (RESOURCE_EXHAUSTED),
 *   rather than let nghttp2 hold its HEADERS back until a stream closes:
 *   a call that waits forever to start would be a hang with no words.
 *
 * Locking: see h2_internal.h (one lock, mu, for the connection and
 * every call on it).
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/trace.h"
#include "h2/h2_internal.h"

/* ---- the calls on a connection ------------------------------------- */

struct h2_call *h2_conn_call(struct h2_conn *c, int32_t id)
{
    struct h2_call *call = NULL;

    if (id == 0)
        return NULL;
    for (call = c->calls; call != NULL; call = call->next)
        if (call->id == id)
            return call;
    return NULL;
}

void h2_conn_changed_locked(struct h2_conn *c)
{
    struct h2_call *call = NULL;

    for (call = c->calls; call != NULL; call = call->next)
        h2_call_changed_locked(call);
    if (c->peer_mux) /* h2_peer_conn_await waits on it */
        sched_cond_broadcast(&c->arrived);
}

struct h2_end *h2_local_end(struct h2_conn *c, int side)
{
    return c->ends[side].session != NULL ? &c->ends[side]
                                         : &c->ends[1 - side];
}

/*
 * One direction of a call on a shared connection, in words for a
 * deadlock report: what is queued and what arrived, and which window
 * holds the queued bytes back. Reads unlocked (every simulated thread is
 * stopped).
 */
static void say_direction(const struct h2_call *call, int d, char *buf,
                          size_t cap)
{
    nghttp2_session *sender = call->conn->ends[d].session;
    int32_t sw =
        nghttp2_session_get_stream_remote_window_size(sender, call->id);
    int32_t cw = nghttp2_session_get_remote_window_size(sender);
    size_t queued = h2_buf_size(&call->out[d]);
    size_t arrived = h2_buf_size(&call->in[d]);
    const char *name = d == 0 ? "c2s" : "s2c";
    int n = 0;

    if (queued > 0 && (sw <= 0 || cw <= 0))
        n = snprintf(buf, cap, "%s: %zu bytes queued behind the %s window 0",
                     name, queued, cw <= 0 ? "connection" : "stream");
    else if (queued > 0)
        n = snprintf(buf, cap, "%s: %zu bytes queued", name, queued);
    else
        n = snprintf(buf, cap, "%s: none queued", name);
    if (arrived > 0 && n > 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, ", %zu arrived", arrived);
}

/*
 * What a recv waiting on a shared connection's call waits for, for the
 * deadlock report: a message on its stream, and where each direction's
 * bytes are.
 */
static enum sched_wait_kind describe_changed(const void *obj, char *buf,
                                             size_t cap)
{
    const struct h2_call *call = obj;
    char dirs[2][160];
    int d = 0;

    for (d = 0; d < 2; d++)
        say_direction(call, d, dirs[d], sizeof dirs[d]);
    snprintf(buf, cap, "a message on stream %d (%s; %s)", call->id, dirs[0],
             dirs[1]);
    return SCHED_WAIT_DATA;
}

void h2_call_describe_shared(struct h2_call *call)
{
    sched_cond_describe(&call->changed, describe_changed, call);
}

/*
 * A send on a shared connection is about to wait: say so on the
 * timeline, with both windows, so a learner sees which one holds it
 * (stream or connection). Needs mu held.
 */
void h2_trace_send_waits(const struct h2_call *call, int d)
{
    nghttp2_session *sender = call->conn->ends[d].session;

    if (!call->conn->shared || call->conn->peer_mux ||
        call->conn->trace == NULL)
        return; /* a peer connection's timelines are its calls' own */
    trace_event(call->conn->trace, TRACE_NOTE, d == 0 ? "c2s" : "s2c", 0, 0,
                STATUS_OK,
                "stream %d waits to send: %zu bytes queued; stream window "
                "%d, connection window %d",
                call->id, h2_buf_size(&call->out[d]),
                nghttp2_session_get_stream_remote_window_size(sender,
                                                              call->id),
                nghttp2_session_get_remote_window_size(sender));
}

/* ---- the connection ------------------------------------------------- */

static enum status open_by_type(void *arg, const struct wire_params *params,
                                struct wire **out)
{
    return h2_connection_open(arg, params, out, NULL);
}

/* The options a connection runs with: every 0 made its default. */
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

enum status h2_connection_create(const struct h2_options *opts,
                                 size_t capacity, struct trace *trace,
                                 struct h2_conn **out)
{
    struct h2_options o = resolve(opts);
    struct h2_conn *c = NULL;
    enum status st = STATUS_OK;

    assert(out != NULL);
    if (o.window < 1 || o.conn_window < 1 || o.max_calls < 1 ||
        (o.policy != H2_WINDOW_ON_READ && o.policy != H2_WINDOW_ON_ARRIVAL))
        return STATUS_INVALID_ARGUMENT;
    st = h2_conn_create_shared(&o, o.max_calls, capacity, trace, &c);
    if (st != STATUS_OK)
        return st;
    c->type.name = "h2";
    c->type.create = open_by_type;
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

enum status h2_conn_room_locked(struct h2_conn *c,
                                struct status_detail *why)
{
    int i = 0;

    if (c->ncalls >= c->max_calls)
        return status_detail_set(
            why, STATUS_RESOURCE_EXHAUSTED,
            "the connection carries %d calls at once "
            "(SETTINGS_MAX_CONCURRENT_STREAMS %d): end one before the next",
            c->ncalls, c->max_calls);
    for (i = 0; i < 2; i++)
        if (c->ends[i].reader_end != STATUS_OK)
            return status_detail_set(why, STATUS_UNAVAILABLE,
                                     "the connection is gone");
    return STATUS_OK;
}

enum status h2_connection_open(struct h2_conn *conn,
                               const struct wire_params *params,
                               struct wire **out, struct status_detail *why)
{
    struct h2_call *call = NULL;
    enum status st = STATUS_OK;

    assert(conn != NULL && conn->shared && params != NULL && out != NULL);
    call = h2_call_new(params);
    if (call == NULL)
        return status_detail_set(why, STATUS_RESOURCE_EXHAUSTED,
                                 "out of memory");
    call->conn = conn;
    if (conn->peer_mux) /* its frames go to its own timeline */
        call->trace = params->trace;
    st = h2_call_open(call, why); /* checks for room, under mu */
    if (st != STATUS_OK) {
        call->conn = NULL; /* never linked: nothing to leave */
        h2_call_destroy(&call->base);
        return st;
    }
    *out = &call->base;
    return STATUS_OK;
}

enum status h2_call_share(struct wire *w, int give_back_on_read,
                          struct wire_type *out)
{
    struct h2_conn *c = ((struct h2_call *)w)->conn;
    nghttp2_settings_entry iv = {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
                                 H2_MAX_CALLS};

    assert(out != NULL);
    if (c->ends[H2_CLIENT].session == NULL ||
        c->ends[H2_SERVER].session == NULL)
        return STATUS_UNIMPLEMENTED; /* the peer's end is not ours */
    sched_mutex_lock(&c->mu);
    if (!c->shared) {
        c->shared = 1;
        c->freed_by_calls = 1;
        c->max_calls = H2_MAX_CALLS;
        c->type.name = "h2";
        c->type.create = open_by_type;
        c->type.arg = c;
        nghttp2_submit_settings(c->ends[H2_SERVER].session,
                                NGHTTP2_FLAG_NONE, &iv, 1);
        h2_wake_writer_locked(c, H2_SERVER);
        h2_call_describe_shared((struct h2_call *)w);
    }
    c->opts.policy =
        give_back_on_read ? H2_WINDOW_ON_READ : H2_WINDOW_ON_ARRIVAL;
    *out = c->type;
    sched_mutex_unlock(&c->mu);
    return STATUS_OK;
}

const struct wire_type *h2_connection_wire_type(struct h2_conn *conn)
{
    assert(conn != NULL && conn->shared);
    return &conn->type;
}

int h2_connection_calls(struct h2_conn *conn)
{
    int n = 0;

    assert(conn != NULL);
    sched_mutex_lock(&conn->mu);
    n = conn->ncalls;
    sched_mutex_unlock(&conn->mu);
    return n;
}

void h2_connection_destroy(struct h2_conn *conn)
{
    if (conn == NULL)
        return;
    assert(conn->shared && !conn->freed_by_calls);
    sched_mutex_lock(&conn->mu);
    assert(conn->calls == NULL && "destroy every call's wire first");
    sched_mutex_unlock(&conn->mu);
    h2_conn_destroy(conn);
}

struct h2_frame_counts h2_connection_frame_counts(struct h2_conn *conn)
{
    struct h2_frame_counts counts;

    sched_mutex_lock(&conn->mu);
    counts = conn->counts;
    sched_mutex_unlock(&conn->mu);
    return counts;
}

size_t h2_connection_frames(struct h2_conn *conn,
                            struct h2_frame_record *out, size_t cap)
{
    size_t n = 0;

    assert(out != NULL || cap == 0);
    sched_mutex_lock(&conn->mu);
    n = conn->nlog;
    if (cap > H2_FRAME_LOG_MAX)
        cap = H2_FRAME_LOG_MAX;
    if (cap > n)
        cap = n;
    if (cap > 0)
        memcpy(out, conn->log, cap * sizeof *out);
    sched_mutex_unlock(&conn->mu);
    return n;
}

/*
 * stream: a bidirectional call built from a wire and a context.
 *
 * Design
 *   The wire (wire.h) carries the bytes; the stream keeps the call's
 *   state and the contract. The mapping to HTTP/2 and grpc-go, and what
 *   the raw wire (the default: two pipes) does for each:
 *     message          wire_send / wire_recv: one frame on a pipe
 *     CloseSend        wire_close_send(c2s): END_STREAM on the client's DATA
 *     handler returns  wire_close_send(s2c) with the trailer status, also
 *                      kept in the stream, and wire_close_recv(c2s)
 *     cancel/deadline  wire_abort of both directions: RST_STREAM
 *     client rejects   the client's final status is the rejection, then a
 *     a frame          cancel: RST_STREAM(CANCEL), so the server sees
 *                      CANCELLED (client_reset)
 *   The teardown is a context watch (see context.h): whoever cancels, by
 *   stream_cancel, by a deadline noticed in any operation, by a bad frame,
 *   or by cancelling a parent context, runs the same function, which
 *   records the final status once and aborts both pipes, so every blocked
 *   send and recv on both ends wakes up.
 *
 *   The final status is written once, under mu: either the trailer, when
 *   the client's recv reaches the end of s2c, or the teardown's reason.
 *   Whichever comes first sticks.
 *
 *   A frame is two pipe writes (see frame_write), so a close_send on
 *   another thread could land between them and cut the frame: the server
 *   would fail the call with "unexpected EOF". Instead, a client send
 *   counts itself in `sending` before it tests send_closed, until its
 *   frame_write returns; close_send sets send_closed, then waits on
 *   sends_done while sending > 0. Each side writes its own variable, then
 *   reads the other's, sequentially consistent, so at least one of them
 *   sees the other (Dekker's handshake): the send fails as after
 *   CloseSend, or close_send waits for its frame. A send ends on every
 *   path (a teardown aborts the pipes, a finish closes c2s), so the wait
 *   does too. Only a close_send that finds a send in flight takes a lock
 *   the plain paths do not: no schedule of a correct program changes.
 *
 * Locking
 *   Order: context lock (the watch runs under it), then mu, then one pipe
 *   lock at a time. Blocking pipe calls are made with no stream lock held.
 */
#include "core/stream.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pipe.h"
#include "core/trace.h"
#include "core/wire_raw.h"

/*
 * Locking: mu guards the fields after it. Lock order: the context's lock,
 * then mu, then one pipe lock at a time (the watch runs under the context's
 * lock). send_closed, finished and has_final are written under mu with
 * atomic stores and read without it; stats.sent and stats.received are
 * atomic counters; bytes_discarded and close_send_waits are updated
 * under mu. sending and
 * close_waiting are atomic (sequentially consistent, see stream.c): a
 * sender touches them without mu, and takes mu only to wake a close_send
 * that waits on sends_done.
 */
struct stream {
    struct wire *wire;          /* carries both directions */
    struct context *ctx;        /* the call's context */
    struct context_watch watch; /* aborts both pipes when ctx is done */
    struct frame_limits limits; /* what each receiver accepts */
    uint32_t max_send;
    struct trace *trace;
    struct stream_end client;
    struct stream_end server;
    int64_t deadline; /* the call's deadline, fixed at creation */
    struct sched_mutex mu;
    struct sched_cond sends_done; /* a close_send waits for sending == 0 */
    int send_closed;              /* the client called stream_close_send */
    int sending;                  /* client sends in flight (see stream.c) */
    int close_waiting;            /* a close_send waits on sends_done */
    int finished;                 /* the server called stream_finish */
    struct status_detail trailer; /* what the server finished with */
    int has_final;                /* the call has its final status */
    struct status_detail final;   /* the first final status */
    int client_reset;             /* the client rejected a frame and reset
                                     the call: the server sees CANCELLED */
    struct stream_stats stats;
};

static const char *const dir_names[2] = {"c2s", "s2c"};

const char *stream_side_name(enum stream_side side)
{
    return side == STREAM_CLIENT ? "client" : "server";
}

static int dir_out(enum stream_side side)
{
    return side == STREAM_CLIENT ? STREAM_C2S : STREAM_S2C;
}

static int dir_in(enum stream_side side)
{
    return side == STREAM_CLIENT ? STREAM_S2C : STREAM_C2S;
}

/* Records the final status if the call has none yet. Needs mu held. */
static void set_final_locked(struct stream *s, enum status code,
                             const char *text)
{
    if (s->has_final)
        return;
    status_detail_set(&s->final, code, "%s", text != NULL ? text : "");
    __atomic_store_n(&s->has_final, 1, __ATOMIC_RELEASE); /* see flag() */
}

/*
 * Lock-free reads. has_final, send_closed and finished are set under mu
 * with atomic stores (after what they guard, which never changes again),
 * so they are read without it: every send and recv asks, from both ends of
 * the call, and the lock would bounce between cores. Where the lock used
 * to be, sched_sim_point() keeps the simulator's scheduling point, so no
 * schedule changed. (No critical section on mu holds a scheduling point,
 * so that lock never blocked anyone.)
 */
static int flag(const int *f)
{
    return __atomic_load_n(f, __ATOMIC_ACQUIRE);
}

/* Adds one to a counter of s->stats, without the lock as above. */
static void count(uint64_t *counter)
{
    sched_sim_point();
    __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

/*
 * The context watch: the call is torn down (RST_STREAM both ways). The
 * CANCEL event is recorded before the pipes are aborted, since the abort
 * wakes the blocked threads and a cause is recorded before anything it
 * wakes; the bytes the abort dropped are written into it after.
 */
static void teardown(void *arg, enum status reason, const char *text)
{
    struct stream *s = arg;
    size_t mark = TRACE_NO_MARK;
    size_t lost[2];
    int d = 0;

    sched_mutex_lock(&s->mu);
    set_final_locked(s, reason, text);
    sched_mutex_unlock(&s->mu);
    mark = trace_event_begin(s->trace, TRACE_CANCEL, NULL, reason);
    for (d = 0; d < 2; d++)
        lost[d] = wire_abort(s->wire, d, reason);
    sched_mutex_lock(&s->mu);
    for (d = 0; d < 2; d++)
        s->stats.bytes_discarded[d] += lost[d];
    sched_mutex_unlock(&s->mu);
    trace_event_text(s->trace, mark, "%s (dropped c2s %zu B, s2c %zu B)", text,
                     lost[0], lost[1]);
}

/* For a deadlock report: what a close_send waiting on sends_done waits for. */
static enum sched_wait_kind describe_close_send(const void *obj, char *buf,
                                                size_t cap)
{
    const struct stream *s = obj;

    snprintf(buf, cap,
             "the send in flight on c2s to end (%d sending), to half-close "
             "after it",
             __atomic_load_n(&s->sending, __ATOMIC_SEQ_CST));
    return SCHED_WAIT_OTHER;
}

/* Makes the call's wire, of the kind opts names (none: raw). */
static enum status make_wire(struct stream *s,
                             const struct stream_options *opts)
{
    const struct wire_type *type = opts->wire ? opts->wire : &wire_raw_type;
    struct wire_params params;

    params.capacity = opts->capacity;
    params.timeout_ns = opts->timeout_ns;
    params.window = opts->window;
    params.conn_window = opts->conn_window;
    params.trace = s->trace;
    return type->create(type->arg, &params, &s->wire);
}

enum status stream_create(struct context *parent,
                          const struct stream_options *opts,
                          struct stream **out)
{
    static const struct stream_options defaults;
    struct stream *s = NULL;
    int64_t deadline = SCHED_NO_DEADLINE;
    enum status st = STATUS_OK;

    assert(out != NULL);
    if (opts == NULL)
        opts = &defaults;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    /* No trace named: the one the context carries (see context.h). */
    s->trace = opts->trace != NULL ? opts->trace : context_trace(parent);
    s->limits.max_recv =
        opts->max_recv ? opts->max_recv : FRAME_DEFAULT_MAX_RECV;
    s->max_send = opts->max_send ? opts->max_send : FRAME_DEFAULT_MAX_SEND;
    s->client.stream = s;
    s->client.side = STREAM_CLIENT;
    s->server.stream = s;
    s->server.side = STREAM_SERVER;
    sched_mutex_init(&s->mu);
    sched_cond_init(&s->sends_done);
    sched_cond_describe(&s->sends_done, describe_close_send, s);
    if (opts->timeout_ns != 0) { /* negative: already over, as in Go */
        int64_t now = sched_now_ns();

        deadline = opts->timeout_ns < 0 ? now
                   : opts->timeout_ns < SCHED_NO_DEADLINE - now
                       ? now + opts->timeout_ns
                       : SCHED_NO_DEADLINE; /* too far to matter: never */
    }
    st = make_wire(s, opts);
    if (st == STATUS_OK)
        st = context_create_with_deadline(parent, deadline, &s->ctx);
    if (st != STATUS_OK) {
        wire_destroy(s->wire);
        sched_cond_destroy(&s->sends_done);
        sched_mutex_destroy(&s->mu);
        free(s);
        return st;
    }
    deadline = context_deadline(s->ctx);
    s->deadline = deadline;
    wire_set_deadline(s->wire, deadline);
    s->watch.fn = teardown;
    s->watch.arg = s;
    if (context_watch(s->ctx, &s->watch) != STATUS_OK) {
        struct status_detail why;

        /* The parent was already done: the call is over before it starts. */
        context_err(s->ctx, &why);
        teardown(s, why.code, why.text);
    }
    *out = s;
    return STATUS_OK;
}

void stream_destroy(struct stream *s)
{
    if (s == NULL)
        return;
    context_unwatch(s->ctx, &s->watch);
    context_destroy(s->ctx);
    wire_destroy(s->wire);
    sched_cond_destroy(&s->sends_done);
    sched_mutex_destroy(&s->mu);
    free(s);
}

size_t stream_struct_size(void)
{
    return sizeof(struct stream);
}

enum status stream_final_status(struct stream *s, struct status_detail *why)
{
    assert(s != NULL);
    sched_sim_point(); /* see flag() */
    /* A passed deadline nobody noticed: notice it (the teardown sets final). */
    if (!flag(&s->has_final) && s->deadline != SCHED_NO_DEADLINE &&
        sched_now_ns() >= s->deadline)
        context_err(s->ctx, NULL);
    if (!flag(&s->has_final))
        return STATUS_OK;
    if (why != NULL) /* final never changes once has_final is set */
        *why = s->final;
    return s->final.code;
}

static enum status fail_call(struct stream_end *e, enum status code,
                             struct status_detail *why);

/*
 * The call is over: returns its final status as an operation on end e
 * reports it (a final OK reads as EOF, like grpc-go's io.EOF). The final
 * status is the client's; after the client's reset the server sees what
 * its context says, CANCELLED, as a grpc-go handler does.
 *
 * cause is why the wire refused the operation (OK: it did not). If the
 * call has no final status and its context is not done, nobody ended the
 * call but the wire (a connection gone, a peer's reset), so cause ends it
 * (fail_call), never OK. Otherwise it takes the same locks either way,
 * so no simulated schedule depends on cause.
 */
static enum status call_over_or(struct stream_end *e, enum status cause,
                                struct status_detail *why)
{
    struct stream *s = e->stream;
    struct status_detail ctx_why;
    struct status_detail final;
    int reset = 0;

    /* Read the context first: its lock comes before mu. */
    status_detail_clear(&ctx_why);
    context_err(s->ctx, &ctx_why);
    sched_mutex_lock(&s->mu);
    if (!s->has_final && ctx_why.code == STATUS_OK && cause != STATUS_OK) {
        sched_mutex_unlock(&s->mu);
        return fail_call(e, cause, why);
    }
    if (!s->has_final) /* the context is done: its watch is on the way */
        set_final_locked(s, ctx_why.code, ctx_why.text);
    final = s->final;
    reset = s->client_reset;
    sched_mutex_unlock(&s->mu);
    if (e->side == STREAM_SERVER && reset && ctx_why.code != STATUS_OK)
        final = ctx_why;
    if (final.code == STATUS_OK)
        return status_detail_set(why, STATUS_EOF, "the call has ended");
    if (why != NULL)
        *why = final;
    return final.code;
}

/* call_over_or when nothing but the call's end is known. */
static enum status call_over(struct stream_end *e, struct status_detail *why)
{
    return call_over_or(e, STATUS_OK, why);
}

/*
 * What a send on end e says when the call is over (st, from call_over):
 * the client's is EOF whatever ended the call, and its recv tells the
 * status (grpc-go's SendMsg); the server's keeps st, as grpc-go's server
 * transport returns its context's error.
 */
static enum status send_result(struct stream_end *e, enum status st,
                               struct status_detail *why)
{
    if (e->side != STREAM_CLIENT || st == STATUS_EOF)
        return st;
    return status_detail_set(why, STATUS_EOF,
                             "the call has ended; "
                             "stream_recv returns its status");
}

/* An operation saw a failure of its own making: tear the call down. */
static enum status fail_call(struct stream_end *e, enum status code,
                             struct status_detail *why)
{
    /* A bare status name is no explanation: let the context word it. */
    int worded = why != NULL && why->text[0] != '\0' &&
                 strcmp(why->text, status_name(code)) != 0;

    context_cancel(e->stream->ctx, code, worded ? why->text : NULL);
    return call_over(e, why);
}

/*
 * The client's recv rejected a frame (why says how): that is the client's
 * final status, and the client resets the call (RST_STREAM CANCEL), so the
 * server sees CANCELLED "context canceled", as in grpc-go.
 */
static enum status client_reject(struct stream_end *e, enum status code,
                                 struct status_detail *why)
{
    struct stream *s = e->stream;

    sched_mutex_lock(&s->mu);
    set_final_locked(s, code, why->text);
    s->client_reset = 1;
    sched_mutex_unlock(&s->mu);
    context_cancel(s->ctx, STATUS_CANCELLED, NULL);
    return call_over(e, why);
}

/*
 * Checks the ends' state for a send. Returns OK or the misuse status.
 * send_closed is read sequentially consistent: see send_start.
 */
static enum status send_permitted(struct stream_end *e,
                                  struct status_detail *why)
{
    struct stream *s = e->stream;
    int closed = __atomic_load_n(&s->send_closed, __ATOMIC_SEQ_CST);
    int finished = flag(&s->finished);

    if (e->side == STREAM_CLIENT && closed)
        return status_detail_set(why, STATUS_INTERNAL,
                                 "SendMsg called after CloseSend");
    if (e->side == STREAM_SERVER && finished)
        return status_detail_set(why, STATUS_INTERNAL,
                                 "SendMsg called after the call ended");
    return STATUS_OK;
}

/* send_permitted at a scheduling point, as a locked read would be. */
static enum status send_allowed(struct stream_end *e, struct status_detail *why)
{
    sched_sim_point(); /* see flag() */
    return send_permitted(e, why);
}

/*
 * Ends a client send that send_start let in (or refused); wakes a
 * close_send that waits for the last one. Needs no lock: the lock is only
 * for the wake-up, and only taken when somebody waits (see stream.c's
 * Design).
 */
static void send_end(struct stream_end *e)
{
    struct stream *s = e->stream;

    if (e->side != STREAM_CLIENT)
        return;
    if (__atomic_sub_fetch(&s->sending, 1, __ATOMIC_SEQ_CST) == 0 &&
        __atomic_load_n(&s->close_waiting, __ATOMIC_SEQ_CST)) {
        sched_mutex_lock(&s->mu);
        sched_cond_broadcast(&s->sends_done);
        sched_mutex_unlock(&s->mu);
    }
}

/*
 * Starts a send: a client send counts itself in flight, then tests
 * send_closed (close_send does the opposite: sets send_closed, then counts
 * the sends in flight). Returns OK (the send is in flight until send_end)
 * or the misuse status (it is not).
 */
static enum status send_start(struct stream_end *e, struct status_detail *why)
{
    struct stream *s = e->stream;
    enum status st = STATUS_OK;

    sched_sim_point(); /* see flag() */
    if (e->side == STREAM_CLIENT)
        __atomic_add_fetch(&s->sending, 1, __ATOMIC_SEQ_CST);
    st = send_permitted(e, why);
    if (st != STATUS_OK)
        send_end(e);
    return st;
}

/*
 * frame_write failed: returns what stream.h documents, with the words.
 * wired holds the wire's words when why is NULL (a wire's own failure
 * ends the call with them).
 */
static enum status send_failed(struct stream_end *e, enum status st, size_t len,
                               struct status_detail *why,
                               struct status_detail *wired)
{
    struct stream *s = e->stream;
    int d = dir_out(e->side);

    if (st == STATUS_CLOSED) {
        /*
         * An end closed while this send waited. On the server it was its
         * own end (finish on another thread: a misuse): say so as a later
         * send would, never with a bare CLOSED. On the client it was the
         * server, which finished and stopped reading, never our own
         * close_send (that waits for this send, so send_closed may be set
         * without being the cause): EOF, as in grpc-go.
         */
        st = send_allowed(e, why);
        if (st == STATUS_OK || e->side == STREAM_CLIENT)
            st = status_detail_set(why, STATUS_EOF,
                                   "the server ended the call; "
                                   "stream_recv returns its status");
    } else if (st == STATUS_DEADLINE_EXCEEDED) {
        /*
         * frame_write left the pipe's bare status name in why. Clear it, so
         * the teardown uses Go's words ("context deadline exceeded"), and
         * pass why on: the call is over, which a client's send reports as
         * EOF (send_result), like every other way a send can find it over.
         */
        status_detail_clear(why);
        st = send_result(e, fail_call(e, st, why), why);
    } else if (st == STATUS_DEADLOCK) {
        /*
         * The simulator woke this send from a deadlock: the call did not
         * end, it got stuck, and this send is where. It fails the call as
         * a recv does (recv_failed) and says DEADLOCK itself, never EOF:
         * grpc-go's send would block for ever here.
         */
        status_detail_clear(why);
        st = fail_call(e, st, why);
    } else {
        st = send_result(e, call_over_or(e, st, why != NULL ? why : wired),
                         why);
    }
    trace_event(s->trace, TRACE_ERROR, dir_names[d], 0, (uint32_t)len, st,
                "send: %s", why != NULL ? why->text : status_name(st));
    return st;
}

/*
 * A send on a call that is over: grpc-go's SendMsg checks CloseSend, then
 * the size, then the call's end, in that order. Writes nothing, and makes
 * no scheduling point of its own (no send is in flight).
 */
static enum status send_on_ended(struct stream_end *e, size_t len,
                                 struct status_detail *why)
{
    struct stream *s = e->stream;
    enum status st = send_permitted(e, why);

    if (st == STATUS_OK)
        st = frame_check_send(len, s->max_send, why);
    if (st == STATUS_OK)
        return send_result(e, call_over(e, why), why);
    trace_event(s->trace, TRACE_ERROR, dir_names[dir_out(e->side)], 0,
                (uint32_t)len, st, "%s",
                why != NULL ? why->text : status_name(st));
    return st;
}

static enum status send_message(struct stream_end *e, const void *buf,
                                size_t len, struct status_detail *why)
{
    struct status_detail wired; /* the wire's words, when why is NULL */
    struct stream *s = NULL;
    int d = 0;
    enum status st = STATUS_OK;

    assert(e != NULL);
    s = e->stream;
    d = dir_out(e->side);
    assert(buf != NULL || len == 0);
    if (context_err(s->ctx, NULL) != STATUS_OK)
        return send_on_ended(e, len, why);
    st = send_start(e, why);
    if (st == STATUS_OK) {
        st = frame_check_send(len, s->max_send, why);
        if (st != STATUS_OK)
            send_end(e);
    }
    if (st != STATUS_OK) {
        trace_event(s->trace, TRACE_ERROR, dir_names[d], 0, (uint32_t)len, st,
                    "%s", why != NULL ? why->text : status_name(st));
        return st;
    }
    /* Traced before the write, so the SEND always precedes its RECV. */
    trace_frame(s->trace, TRACE_SEND, dir_names[d], FRAME_FLAG_PLAIN, buf,
                (uint32_t)len);
    status_detail_clear(&wired);
    st = wire_send(s->wire, d, buf, len, s->max_send,
                   why != NULL ? why : &wired);
    if (st == STATUS_OK)
        count(&s->stats.sent[d]);
    else
        st = send_failed(e, st, len, why, &wired);
    /*
     * The frame is whole in the pipe, or it failed and what cut it has
     * already ended c2s for good (a teardown, the server's finish): either
     * way a close_send waiting for this send may half-close now.
     */
    send_end(e);
    return st;
}

/* The client reached the end of s2c: the trailer becomes the final status. */
static enum status client_eof(struct stream *s, struct status_detail *why)
{
    struct status_detail final;
    struct status_detail wired;
    int on_wire = wire_trailer(s->wire, &wired); /* before mu: see Locking */

    sched_mutex_lock(&s->mu);
    if (on_wire) /* what the trailers said (HTTP/2) */
        set_final_locked(s, wired.code, wired.text);
    else
        set_final_locked(s, s->trailer.code, s->trailer.text);
    final = s->final;
    sched_mutex_unlock(&s->mu);
    trace_event(s->trace, TRACE_EOF, "s2c", 0, 0, final.code, "%s", final.text);
    if (final.code == STATUS_OK)
        return status_detail_set(why, STATUS_EOF,
                                 "the server finished the call with OK");
    if (why != NULL)
        *why = final;
    return final.code;
}

static enum status recv_failed(struct stream_end *e, enum status st,
                               struct status_detail *why)
{
    struct stream *s = e->stream;
    int d = dir_in(e->side);

    if (st == STATUS_EOF && e->side == STREAM_CLIENT)
        return client_eof(s, why);
    if (st == STATUS_EOF) {
        trace_event(s->trace, TRACE_EOF, dir_names[d], 0, 0, STATUS_EOF,
                    "client half-closed");
        return status_detail_set(why, STATUS_EOF, "client half-closed");
    }
    if (st == STATUS_CLOSED)
        st = status_detail_set(why, STATUS_INTERNAL,
                               "RecvMsg called after the call ended");
    else if (context_err(s->ctx, NULL) != STATUS_OK)
        st = call_over(e, why); /* torn down by somebody else */
    else if (e->side == STREAM_CLIENT &&
             (st == STATUS_INTERNAL || st == STATUS_RESOURCE_EXHAUSTED))
        st = client_reject(e, st, why); /* a bad frame */
    else /* a bad frame, our own deadline, a deadlock (SIM mode) */
        st = fail_call(e, st, why);
    trace_event(s->trace, TRACE_ERROR, dir_names[d], 0, 0, st, "recv: %s",
                why != NULL ? why->text : status_name(st));
    return st;
}

static enum status recv_message(struct stream_end *e, struct frame_msg *msg,
                                struct status_detail *why)
{
    struct stream *s = NULL;
    int d = 0;
    struct status_detail local;
    enum status st = STATUS_OK;

    assert(e != NULL);
    s = e->stream;
    d = dir_in(e->side);
    assert(msg != NULL);
    if (why == NULL)
        why = &local; /* recv_failed wants the words of a bad frame */
    status_detail_clear(why);
    if (e->side == STREAM_CLIENT && stream_final_status(s, NULL) != STATUS_OK)
        return call_over(e, why);
    if (context_err(s->ctx, NULL) != STATUS_OK)
        return call_over(e, why);
    st = wire_recv(s->wire, d, &s->limits, msg, why);
    if (st != STATUS_OK)
        return recv_failed(e, st, why);
    count(&s->stats.received[d]);
    trace_frame(s->trace, TRACE_RECV, dir_names[d], msg->flag, msg->data,
                msg->length);
    return STATUS_OK;
}

/*
 * Waits until no client send is in flight, so that the half-close comes
 * after their frames (see the Design above). Needs mu held.
 */
static void await_sends_locked(struct stream *s)
{
    enum status woke = STATUS_OK;

    __atomic_store_n(&s->close_waiting, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&s->sending, __ATOMIC_SEQ_CST) > 0)
        s->stats.close_send_waits++; /* counted before it waits */
    /* Anything but OK is a deadlock (SIM mode): give up, to unwind. */
    while (woke == STATUS_OK &&
           __atomic_load_n(&s->sending, __ATOMIC_SEQ_CST) > 0)
        woke = sched_cond_wait(&s->sends_done, &s->mu);
    __atomic_store_n(&s->close_waiting, 0, __ATOMIC_SEQ_CST);
}

static enum status close_send(struct stream_end *e)
{
    struct stream *s = NULL;
    int already = 0;

    assert(e != NULL);
    s = e->stream;
    if (e->side != STREAM_CLIENT)
        return STATUS_FAILED_PRECONDITION;
    sched_mutex_lock(&s->mu);
    already = s->send_closed;
    /* Sequentially consistent: see send_start. */
    __atomic_store_n(&s->send_closed, 1, __ATOMIC_SEQ_CST);
    if (!already)
        await_sends_locked(s);
    sched_mutex_unlock(&s->mu);
    if (!already) {
        trace_event(s->trace, TRACE_CLOSE_SEND, "c2s", 0, 0, STATUS_OK,
                    "CloseSend");
        wire_close_send(s->wire, STREAM_C2S, NULL);
    }
    return STATUS_OK;
}

static enum status finish(struct stream_end *e, enum status code,
                          const char *text)
{
    struct stream *s = NULL;
    int already = 0;

    assert(e != NULL);
    s = e->stream;
    if (e->side != STREAM_SERVER || !status_is_grpc(code))
        return STATUS_FAILED_PRECONDITION;
    sched_mutex_lock(&s->mu);
    already = s->finished;
    if (!already) {
        status_detail_set(&s->trailer, code, "%s", text != NULL ? text : "");
        __atomic_store_n(&s->finished, 1, __ATOMIC_RELEASE); /* see flag() */
    }
    sched_mutex_unlock(&s->mu);
    if (already)
        return STATUS_FAILED_PRECONDITION;
    trace_event(s->trace, TRACE_FINISH, "s2c", 0, 0, code, "%s",
                text != NULL ? text : "");
    wire_close_send(s->wire, STREAM_S2C, &s->trailer);
    wire_close_recv(s->wire, STREAM_C2S);
    return STATUS_OK;
}

/*
 * The public calls: each notes what it does for `duplex step` (sched_note,
 * which does nothing unless a simulated run keeps notes), then does it.
 */

enum status stream_send(struct stream_end *e, const void *buf, size_t len,
                        struct status_detail *why)
{
    char preview[TRACE_TEXT_MAX];
    enum status st = STATUS_OK;

    assert(e != NULL);
    assert(buf != NULL || len == 0);
    if (sched_noting()) {
        trace_preview(preview, sizeof preview, buf, (uint32_t)len);
        sched_note("stream_send %s into %s", preview,
                   dir_names[dir_out(e->side)]);
    }
    st = send_message(e, buf, len, why);
    sched_note_end();
    return st;
}

enum status stream_recv(struct stream_end *e, struct frame_msg *msg,
                        struct status_detail *why)
{
    enum status st = STATUS_OK;

    assert(e != NULL);
    sched_note("stream_recv from %s", dir_names[dir_in(e->side)]);
    st = recv_message(e, msg, why);
    sched_note_end();
    return st;
}

enum status stream_close_send(struct stream_end *e)
{
    enum status st = STATUS_OK;

    assert(e != NULL);
    sched_note("stream_close_send (CloseSend on c2s)");
    st = close_send(e);
    sched_note_end();
    return st;
}

enum status stream_finish(struct stream_end *e, enum status code,
                          const char *text)
{
    enum status st = STATUS_OK;

    assert(e != NULL);
    sched_note("stream_finish with %s", status_name(code));
    st = finish(e, code, text);
    sched_note_end();
    return st;
}

void stream_cancel(struct stream_end *e)
{
    assert(e != NULL);
    sched_note("stream_cancel");
    context_cancel(e->stream->ctx, STATUS_CANCELLED, NULL);
    sched_note_end();
}

struct stream_stats stream_get_stats(struct stream *s)
{
    struct stream_stats st;
    int d = 0;

    assert(s != NULL);
    memset(&st, 0, sizeof st);
    sched_mutex_lock(&s->mu);
    for (d = 0; d < 2; d++) { /* sent and received: see count() */
        st.sent[d] = __atomic_load_n(&s->stats.sent[d], __ATOMIC_RELAXED);
        st.received[d] =
            __atomic_load_n(&s->stats.received[d], __ATOMIC_RELAXED);
        st.bytes_discarded[d] = s->stats.bytes_discarded[d];
    }
    st.close_send_waits = s->stats.close_send_waits;
    sched_mutex_unlock(&s->mu);
    for (d = 0; d < 2; d++)
        wire_waits(s->wire, d, &st.write_waits[d], &st.read_waits[d]);
    return st;
}

struct stream_end *stream_client(struct stream *s)
{
    assert(s != NULL);
    return &s->client;
}

struct stream_end *stream_server(struct stream *s)
{
    assert(s != NULL);
    return &s->server;
}

/* ctx, the limits and the pipes never change after stream_create: no lock. */
struct context *stream_context(struct stream *s)
{
    assert(s != NULL);
    return s->ctx;
}

uint32_t stream_max_send(struct stream *s)
{
    assert(s != NULL);
    return s->max_send;
}

uint32_t stream_max_recv(struct stream *s)
{
    assert(s != NULL);
    return s->limits.max_recv;
}

struct pipe *stream_pipe(struct stream *s, int dir)
{
    assert(s != NULL);
    assert(dir == STREAM_C2S || dir == STREAM_S2C);
    return wire_pipe(s->wire, dir);
}

struct wire *stream_wire(struct stream *s)
{
    assert(s != NULL);
    return s->wire;
}

const char *stream_wire_name(struct stream *s)
{
    assert(s != NULL);
    return wire_name(s->wire);
}

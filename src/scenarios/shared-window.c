/*
 * shared-window: several calls on one HTTP/2 connection share its
 * window. Three calls run on one connection (streams 1, 3, 5), both
 * directions hot: calls 2 and 3 each send 16 KiB messages that their
 * servers echo back. Call 1's server reads nothing until calls 2 and 3
 * have ended, while call 1's client sends on. The mistake is the
 * connection's flow-control policy: its receiver gives the connection's
 * window back only when the application reads (the naive policy), so
 * the bytes of call 1 that nobody reads hold the whole connection's
 * window, and the messages of calls 2 and 3 cannot cross it: they
 * starve, call 1's server waits for them to end, a deadlock (or, on real
 * threads, the deadline). --fix gives the connection's window back as
 * the data arrives, as grpc-go does (its trInFlow): call 1 is then held
 * at its own stream window only, calls 2 and 3 end, and call 1 after
 * them.
 *
 * --wire h2 only: the raw wire has no connection window (each call has
 * its own pipes), so there is nothing to share.
 *
 * Design
 *   The first call is made on o->wire; wire_share then makes its
 *   connection carry the others (a wire type that opens the next
 *   stream), with the policy of the run. call1/client sends `trigger`
 *   messages, which it can only do once at least (trigger - 1) * FRAME -
 *   QUOTA of its bytes are on the wire (its send queues while fewer than
 *   grpc-go's write quota of bytes wait). trigger is the first count for
 *   which that leaves less than one message's frame of the connection's
 *   window, so from then on, under the naive policy, no message of
 *   another call fits whatever the schedule: only then do calls 2 and 3
 *   begin (a latch). Every schedule ends the same way: a deadlock under
 *   the naive policy, OK with --fix.
 *
 *   The window needs --window at least --conn-window (a stream window
 *   smaller than the connection's cannot hold all of it), and call 1
 *   sends until its stream window is shut (sw_stuck_messages), so --fix
 *   shows it held there.
 */
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/registry.h"

#include <errno.h>
#include <stdlib.h>

#include "core/wire.h"

#define SW_CALLS 3       /* calls on the connection; call 1 is not read */
#define SW_BYTES 16384   /* each message's payload */
#define SW_FRAME (FRAME_HEADER_LEN + SW_BYTES)

struct sw_call {
    struct stream *s;
    int index;     /* 1, 2, 3 */
    int sent;      /* its client's messages */
    int echoes;    /* echoes its client got back (calls 2 and 3) */
    int read;      /* messages its server read */
    int closed_send;
    enum status client_end, server_end;
    struct status_detail client_why;
    struct sw_run *run;
};

struct sw_run {
    struct sw_call calls[SW_CALLS];
    struct run_thread thread[2 * SW_CALLS];
    struct starts starts;
    struct latch filled;       /* call1/client has sent trigger messages */
    struct latch others_ended; /* calls 2 and 3 have ended */
    struct wire_type shared;   /* opens the next call on the connection */
    int trigger, stuck, others; /* message counts (see the Design) */
    int ended;                  /* calls 2 and 3 that have ended */
    enum status waited;         /* call1/server's wait for them */
    struct scenario_result *r;
};

/* ---- the sizes ---------------------------------------------------------- */

static int32_t sw_window(int32_t w)
{
    return w > 0 ? w : CALL_H2_WINDOW;
}

/* call1/client's sends after which no other call's message fits. */
static int sw_trigger(const struct scenario_options *o)
{
    int64_t cw = sw_window(o->conn_window);

    return (int)((CALL_H2_WRITE_QUOTA + cw - 1) / SW_FRAME) + 1;
}

/* call1/client's messages: one more than its first that must wait. */
static int sw_stuck_messages(const struct scenario_options *o)
{
    int64_t w = sw_window(o->window);
    int first_to_wait = (int)((CALL_H2_WRITE_QUOTA + w - 1) / SW_FRAME) + 2;

    return first_to_wait + 1;
}

/* ---- messages ----------------------------------------------------------- */

/* A 16 KiB payload: "call 2 message 3", a blank, then dots. */
static void sw_text(uint8_t *out, int call, int k)
{
    int len = snprintf((char *)out, SW_BYTES, "call %d message %d ", call, k);

    memset(out + len, '.', SW_BYTES - (size_t)len);
}

/*
 * m is message k of call, whole: its words, then dots. Read in place (no
 * copy to compare with: the echo threads of several calls ask at once).
 */
static int sw_is(const struct frame_msg *m, int call, int k)
{
    char head[40];
    int len = snprintf(head, sizeof head, "call %d message %d ", call, k);
    size_t i = 0;

    if (m->length != SW_BYTES || memcmp(m->data, head, (size_t)len) != 0)
        return 0;
    for (i = (size_t)len; i < SW_BYTES; i++)
        if (m->data[i] != '.')
            return 0;
    return 1;
}

/* ---- the latches' words for a deadlock report --------------------------- */

static enum sched_wait_kind describe_filled(const void *obj, char *buf,
                                            size_t cap)
{
    const struct sw_run *run = obj;

    snprintf(buf, cap, "call1/client to send %d messages (%d sent)",
             run->trigger, run->calls[0].sent);
    return SCHED_WAIT_OTHER;
}

static enum sched_wait_kind describe_ended(const void *obj, char *buf,
                                           size_t cap)
{
    const struct sw_run *run = obj;

    snprintf(buf, cap, "calls 2 and 3 to end (%d of %d ended)", run->ended,
             SW_CALLS - 1);
    return SCHED_WAIT_OTHER;
}

/* ---- call 1: its server reads only after the others ---------------------- */

static enum status sw_stuck_client(void *arg)
{
    struct sw_call *c = arg;
    struct sw_run *run = c->run;
    struct stream_end *e = stream_client(c->s);
    struct frame_msg msg = {0};
    uint8_t *out = malloc(SW_BYTES);
    enum status st = out != NULL ? STATUS_OK : STATUS_RESOURCE_EXHAUSTED;

    while (st == STATUS_OK && c->sent < run->stuck) {
        sw_text(out, 1, c->sent + 1);
        st = stream_send(e, out, SW_BYTES, &c->client_why);
        c->sent += st == STATUS_OK;
        if (c->sent == run->trigger && st == STATUS_OK)
            latch_count_down(&run->filled);
    }
    if (c->sent < run->trigger)
        latch_abort(&run->filled); /* the others would wait for nothing */
    if (st == STATUS_OK)
        st = stream_close_send(e);
    c->closed_send = st == STATUS_OK;
    while (st == STATUS_OK &&
           (st = stream_recv(e, &msg, &c->client_why)) == STATUS_OK)
        c->echoes++;
    c->client_end = st == STATUS_EOF
                        ? stream_final_status(c->s, &c->client_why)
                        : st;
    if (c->client_end != STATUS_OK)
        stream_cancel(e);
    frame_msg_free(&msg);
    free(out);
    return STATUS_OK;
}

static enum status sw_stuck_server(void *arg)
{
    struct sw_call *c = arg;
    struct stream_end *e = stream_server(c->s);
    struct frame_msg msg = {0};
    enum status st = latch_wait(&c->run->others_ended);
    char reply[64];

    c->run->waited = st;
    while (st == STATUS_OK && (st = stream_recv(e, &msg, NULL)) == STATUS_OK) {
        if (!sw_is(&msg, 1, c->read + 1))
            broken(c->run->r, "call 1's server got a message out of order");
        c->read++;
    }
    if (st == STATUS_EOF) {
        int len = snprintf(reply, sizeof reply, "got %d", c->read);

        st = stream_send(e, reply, (size_t)len, NULL);
    }
    if (st == STATUS_OK)
        st = stream_finish(e, STATUS_OK, NULL);
    c->server_end = st;
    frame_msg_free(&msg);
    return STATUS_OK;
}

/* ---- calls 2 and 3: an echo each ------------------------------------------ */

/* Sends each message and reads its echo, then half-closes and reads EOF. */
static enum status sw_echo_calls(struct sw_call *c, uint8_t *out,
                                 struct frame_msg *msg)
{
    struct stream_end *e = stream_client(c->s);
    enum status st = STATUS_OK;

    while (st == STATUS_OK && c->sent < c->run->others) {
        sw_text(out, c->index, c->sent + 1);
        st = stream_send(e, out, SW_BYTES, &c->client_why);
        c->sent += st == STATUS_OK;
        if (st == STATUS_OK)
            st = stream_recv(e, msg, &c->client_why);
        if (st == STATUS_OK && !sw_is(msg, c->index, c->echoes + 1))
            broken(c->run->r, "call %d got an echo out of order", c->index);
        c->echoes += st == STATUS_OK;
    }
    if (st == STATUS_OK)
        st = stream_close_send(e);
    c->closed_send = st == STATUS_OK;
    if (st == STATUS_OK)
        st = stream_recv(e, msg, &c->client_why);
    return st;
}

static enum status sw_other_client(void *arg)
{
    struct sw_call *c = arg;
    struct sw_run *run = c->run;
    struct frame_msg msg = {0};
    uint8_t *out = malloc(SW_BYTES);
    enum status st = out != NULL ? latch_wait(&run->filled)
                                 : STATUS_RESOURCE_EXHAUSTED;

    if (st == STATUS_OK)
        st = sw_echo_calls(c, out, &msg);
    c->client_end = st == STATUS_EOF
                        ? stream_final_status(c->s, &c->client_why)
                        : st;
    if (c->client_end != STATUS_OK)
        stream_cancel(stream_client(c->s));
    sched_mutex_lock(&run->others_ended.mu);
    run->ended++;
    sched_mutex_unlock(&run->others_ended.mu);
    latch_count_down(&run->others_ended);
    frame_msg_free(&msg);
    free(out);
    return STATUS_OK;
}

static enum status sw_other_server(void *arg)
{
    struct sw_call *c = arg;
    struct stream_end *e = stream_server(c->s);
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(e, &msg, NULL)) == STATUS_OK) {
        c->read++;
        st = stream_send(e, msg.data, msg.length, NULL);
        if (st != STATUS_OK)
            break;
    }
    if (st == STATUS_EOF)
        st = stream_finish(e, STATUS_OK, NULL);
    c->server_end = st;
    frame_msg_free(&msg);
    return STATUS_OK;
}

/* ---- the run ------------------------------------------------------------ */

/* A thread could not start: end every call and both latches. */
static void sw_abort(void *arg)
{
    struct sw_run *run = arg;
    int i = 0;

    for (i = 0; i < SW_CALLS; i++)
        if (run->calls[i].s != NULL)
            stream_cancel(stream_client(run->calls[i].s));
    latch_abort(&run->filled);
    latch_abort(&run->others_ended);
}

static void sw_thread(struct sw_run *run, size_t i, int call, const char *who,
                      sched_fn fn)
{
    snprintf(run->thread[i].name, sizeof run->thread[i].name, "call%d/%s",
             call, who);
    run->thread[i].fn = fn;
    run->thread[i].arg = &run->calls[call - 1];
}

/*
 * The connection's threads (the wire's h2-read and h2-write of each end)
 * could not start, as a `ulimit -u` refuses them (EAGAIN): the run says
 * so as it says it of its own threads.
 */
static void sw_thread_failed(struct sw_run *run)
{
    char reason[64];

    if (strerror_r(EAGAIN, reason, sizeof reason) != 0)
        snprintf(reason, sizeof reason, "error %d", EAGAIN);
    status_detail_set(&run->starts.why, STATUS_RESOURCE_EXHAUSTED,
                      "could not start thread h2-read or h2-write of "
                      "call 1's connection: %s",
                      reason);
}

/*
 * The three calls on one connection: the first on o's wire, the others
 * on the type wire_share gives for it.
 */
static enum status sw_open(struct sw_run *run, const struct scenario_options *o,
                           struct status_detail *why)
{
    struct stream_options so;
    enum status st = STATUS_OK;
    int i = 0;

    memset(&so, 0, sizeof so);
    so.wire = o->wire;
    so.window = o->window;
    so.conn_window = o->conn_window;
    so.trace = o->trace;
    so.timeout_ns = o->timeout_ms * 1000000;
    errno = 0;
    st = stream_create(NULL, &so, &run->calls[0].s);
    if (st == STATUS_RESOURCE_EXHAUSTED && errno == EAGAIN)
        sw_thread_failed(run); /* the connection's, as a ulimit refuses */
    if (st == STATUS_OK)
        st = wire_share(stream_wire(run->calls[0].s), !o->fix, &run->shared);
    so.wire = &run->shared;
    for (i = 1; i < SW_CALLS && st == STATUS_OK; i++)
        st = stream_create(NULL, &so, &run->calls[i].s);
    if (st != STATUS_OK)
        status_detail_set(why, st, "could not open call %d on one "
                          "connection: %s", i + 1, status_name(st));
    return st;
}

static void sw_say(struct sw_run *run, const struct scenario_options *o)
{
    struct scenario_result *r = run->r;
    const struct sw_call *c = &run->calls[0];
    int i = 0;

    scenario_say(r, "%d calls on one connection; its receivers give the "
                 "connection's window back %s",
                 SW_CALLS, o->fix ? "as the data arrives (grpc-go's policy)"
                                  : "only when the application reads");
    scenario_say(r,
                 "call 1: its client sent %d of %d messages%s and ended "
                 "with %s; it waited %llu times to send",
                 c->sent, run->stuck, c->closed_send ? ", then CloseSend" : "",
                 status_name(c->client_end),
                 (unsigned long long)stream_get_stats(c->s)
                     .write_waits[STREAM_C2S]);
    if (run->waited == STATUS_OK)
        scenario_say(r, "call 1: its server read %d messages, all after "
                        "calls 2 and 3 had ended",
                     c->read);
    else
        scenario_say(r, "call 1: its server read nothing: its wait for "
                        "calls 2 and 3 to end ended with %s",
                     status_name(run->waited));
    for (i = 1; i < SW_CALLS; i++) {
        c = &run->calls[i];
        scenario_say(r,
                     "call %d: its client sent %d of %d messages and got "
                     "%d echoes back, then %s; its server read %d",
                     c->index, c->sent, run->others, c->echoes,
                     status_name(c->client_end), c->read);
    }
    if (run->calls[1].read + run->calls[2].read == 0)
        scenario_say(r, "no message of calls 2 or 3 reached its server%s",
                     o->os ? "" : " (a deadlock report says which window "
                                  "held them)");
}

/* The run's status: the first call that did not end OK, in call order. */
static enum status sw_status(struct sw_run *run, struct scenario_result *r)
{
    int i = 0;

    for (i = 0; i < SW_CALLS; i++)
        if (run->calls[i].client_end != STATUS_OK) {
            r->why = run->calls[i].client_why;
            return run->calls[i].client_end;
        }
    status_detail_set(&r->why, STATUS_OK, "OK");
    return STATUS_OK;
}

static void sw_close(struct sw_run *run)
{
    int i = 0;

    for (i = SW_CALLS - 1; i >= 0; i--)
        stream_destroy(run->calls[i].s);
    latch_destroy(&run->filled);
    latch_destroy(&run->others_ended);
}

static enum status run_shared_window(const struct scenario *sc,
                                     const struct scenario_options *o,
                                     struct scenario_result *r)
{
    struct sw_run *run = calloc(1, sizeof *run);
    enum status st = STATUS_OK;
    int i = 0;

    (void)sc;
    if (run == NULL)
        return r->status = STATUS_RESOURCE_EXHAUSTED;
    run->r = r;
    run->trigger = sw_trigger(o);
    run->stuck = sw_stuck_messages(o);
    run->others = call_messages(sc, o);
    latch_init(&run->filled, 1);
    latch_init(&run->others_ended, SW_CALLS - 1);
    sched_cond_describe(&run->filled.opened, describe_filled, run);
    sched_cond_describe(&run->others_ended.opened, describe_ended, run);
    starts_init(&run->starts, o);
    for (i = 0; i < SW_CALLS; i++) {
        run->calls[i].index = i + 1;
        run->calls[i].run = run;
    }
    st = sw_open(run, o, &r->why);
    if (st == STATUS_OK) {
        sw_thread(run, 0, 1, "server", sw_stuck_server);
        sw_thread(run, 1, 1, "client", sw_stuck_client);
        for (i = 2; i <= SW_CALLS; i++) {
            sw_thread(run, (size_t)(2 * i - 2), i, "server", sw_other_server);
            sw_thread(run, (size_t)(2 * i - 1), i, "client", sw_other_client);
        }
        run_threads(&run->starts, run->thread, 2 * SW_CALLS, sw_abort, run);
        st = sw_status(run, r);
        r->stats = stream_get_stats(run->calls[0].s);
        if (run->starts.started == 2 * SW_CALLS)
            sw_say(run, o);
    }
    sw_close(run);
    st = starts_finish(&run->starts, r, 2 * SW_CALLS, st);
    r->status = st;
    if (st == STATUS_OK && run->calls[0].read != run->stuck)
        broken(r, "call 1's server read %d of %d messages",
               run->calls[0].read, run->stuck);
    free(run);
    return st;
}

/* --wire h2 only, and windows that let call 1 hold the connection's. */
static enum status sw_check_options(const struct scenario *sc,
                                    const struct scenario_options *o,
                                    struct status_detail *why)
{
    int64_t cw = sw_window(o->conn_window);

    if (o->wire == NULL || strcmp(o->wire->name, "h2") != 0)
        return status_detail_set(
            why, STATUS_INVALID_ARGUMENT,
            "%s needs --wire h2: it is about the HTTP/2 connection's "
            "window, which its calls share; on the raw wire each call has "
            "pipes of its own, and no window to share",
            sc->name);
    if (sw_window(o->window) < cw)
        return status_detail_set(
            why, STATUS_INVALID_ARGUMENT,
            "%s needs --window at least --conn-window (%lld): a smaller "
            "stream window could not hold the whole connection's window",
            sc->name, (long long)cw);
    if ((int64_t)sw_trigger(o) * SW_FRAME == CALL_H2_WRITE_QUOTA + cw)
        return status_detail_set(
            why, STATUS_INVALID_ARGUMENT,
            "%s: with --conn-window %lld a message of another call would "
            "just fit in what call 1 leaves; take one byte more or less",
            sc->name, (long long)cw);
    return STATUS_OK;
}

/* The goals of `duplex step shared-window` (see scenario.h). */
static const struct scenario_challenge sw_challenges[] = {
    {"starve",
     "reach the deadlock: calls 2 and 3 starve at the connection's window "
     "that call 1's unread bytes hold",
     0, challenge_deadlocked},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_shared_window = {
    .name = "shared-window",
    .summary = "--wire h2: calls on one connection; one nobody reads holds "
               "the connection's window and starves the others",
    .fix_summary = "the connection's window is given back as data arrives "
                   "(grpc-go's); only the unread call waits",
    .default_messages = 3,
    .default_capacity = 0,
    .needs_deadline = 1,
    .expected = SCENARIO_EXIT_DEADLOCK,
    .expected_fix = SCENARIO_EXIT_OK,
    .body = run_shared_window,
    .check = sw_check_options,
    .challenges = sw_challenges,
};

/*
 * error-propagation: errgroup's first error wins. The client's receiver
 * fails with INVALID_ARGUMENT at the third echo; the group cancels its
 * context, which wakes the sender blocked on a full c2s (its send returns
 * EOF: the call has ended), and group_wait returns INVALID_ARGUMENT, not a
 * sibling's CANCELLED.
 *
 * Design
 *   echo's server and the standard client sender on the harness, with a
 *   receiver that fails. Small pipes (64 bytes) and many messages keep
 *   the sender blocked when the error comes, so the cancel has someone to
 *   wake; the narration says whom it did wake, from each thread's end.
 *
 *   The receiver checks nothing: every echo it gets is right, and it
 *   rejects the third one on purpose, as an application's own error
 *   would come (a bad value, a failed write). Its words say so, and
 *   never claim a check that was not made. It records its error in the
 *   trace before it returns it, so the timeline shows the cause before
 *   the CANCEL it leads to.
 */
#include "core/trace.h"
#include "scenarios/echo.h"
#include "scenarios/challenge.h"
#include "scenarios/registry.h"

/* Client receiver: rejects the third echo (the last, if fewer) on purpose. */
static enum status failing_receiver(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    struct frame_msg msg = {0};
    int fail_at = c->n < 3 ? c->n : 3;
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_client(c->s), &msg, why)) == STATUS_OK) {
        if (++c->client_got == fail_at) {
            st = status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                   "rejected echo %d on purpose", fail_at);
            trace_event(c->so.trace, TRACE_ERROR, "s2c", 0, 0, st,
                        "rejected echo %d on purpose", fail_at);
            break;
        }
    }
    c->receiver_end = st;
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* Who failed first, whom the cancel reached, and what group_wait said. */
static void say_errors(struct scenario_result *r, const struct call *c,
                       enum status st)
{
    if (st == STATUS_INVALID_ARGUMENT && c->receiver_end == st)
        scenario_say(r, "client/recv failed first: %s: %s",
                     status_name(c->receiver_end), r->why.text);
    else
        scenario_say(r, "the call ended with %s: %s; client/recv with %s",
                     status_name(st), r->why.text,
                     status_name(c->receiver_end));
    if (st == STATUS_INVALID_ARGUMENT && c->server_end == STATUS_CANCELLED)
        scenario_say(r, "the group cancelled its context; the call was torn "
                        "down in both directions");
    scenario_say(r,
                 "client/send had sent %d and ended with %s (blocked "
                 "%llu times on a full c2s)",
                 c->client_sent, status_name(c->sender_end),
                 (unsigned long long)r->stats.write_waits[STREAM_C2S]);
    if (st != STATUS_CANCELLED)
        scenario_say(r,
                     "server ended with %s; group_wait returned the first "
                     "error, %s, not a sibling's CANCELLED",
                     status_name(c->server_end), status_name(st));
    else
        scenario_say(r, "server ended with %s; group_wait returned %s",
                     status_name(c->server_end), status_name(st));
}

static enum status run_error_propagation(const struct scenario *sc,
                                         const struct scenario_options *o,
                                         struct scenario_result *r)
{
    static const struct task tasks[] = {{"client/send", send_then_close},
                                        {"client/recv", failing_receiver}};
    struct call c;
    enum status st = STATUS_OK;

    call_init(&c, sc, o, r, 1);
    st = run_call(&c, echo_server, tasks, 2);
    if (call_short(&c))
        return st;
    if (st != STATUS_INVALID_ARGUMENT && st != STATUS_DEADLINE_EXCEEDED)
        broken(r,
               "group_wait returned %s, not the first error "
               "INVALID_ARGUMENT",
               status_name(st));
    /* A client send on a call that has ended says EOF (grpc-go's SendMsg). */
    if (c.sender_end != STATUS_EOF && c.client_sent < c.n)
        broken(r, "the sender ended with %s, not EOF",
               status_name(c.sender_end));
    say_errors(r, &c, st);
    return st;
}

/* The group cancelled the call before client/send ever found c2s full. */
static int cancelled_before_send_waited(const struct scenario_progress *p)
{
    return challenge_before(challenge_find(p, 0, TRACE_CANCEL, NULL),
                            challenge_find(p, 0, TRACE_BLOCK, "client/send"));
}

/* The goals of `duplex step error-propagation` (see scenario.h). */
static const struct scenario_challenge errors_challenges[] = {
    {"cancel-first",
     "make the group cancel the call before client/send ever waits for "
     "room on c2s",
     0, cancelled_before_send_waited},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_error_propagation = {
    .name = "error-propagation",
    .summary = "errgroup: the receiver fails, the group cancels the "
               "blocked sender",
    .default_messages = 200,
    .default_capacity = 64,
    .expected = SCENARIO_EXIT_STATUS,
    .body = run_error_propagation,
    .challenges = errors_challenges,
};

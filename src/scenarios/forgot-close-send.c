/*
 * forgot-close-send: the echo call whose client never half-closes. The
 * server echoes every message, then waits for an EOF that never comes;
 * the client's receiver waits for the server's status. Simulated, that is
 * a deadlock report; with a deadline, DEADLINE_EXCEEDED. --fix calls
 * stream_close_send after the last message.
 *
 * Design
 *   echo's threads (echo.h) on the harness, with c->forget_close_send set
 *   unless --fix: the standard client sender then returns without
 *   half-closing. The narration tells the deadlock from the deadline
 *   apart by the run's own status, and claims a cause only when the
 *   counts show it.
 */
#include "scenarios/echo.h"
#include "scenarios/challenge.h"
#include "scenarios/registry.h"

/* The fixed run: it half-closed, or what stopped it. */
static void say_fixed(struct scenario_result *r, const struct call *c)
{
    if (c->closed_send && c->server_end == STATUS_OK) {
        scenario_say(r,
                     "client/send called stream_close_send after its %d "
                     "messages: the server saw EOF and finished",
                     c->client_sent);
        return;
    }
    say_client_sent(r, c, "client/send");
    say_server_echoed(r, c);
}

/* How the call ended, when no side half-closed: the deadline, or a hang. */
static void say_stuck(struct scenario_result *r, const struct call *c,
                      enum status st)
{
    int64_t ms = c->so.timeout_ns / 1000000;

    if (st == STATUS_DEADLINE_EXCEEDED && c->server_end == st &&
        c->receiver_end == st)
        scenario_say(r,
                     "nobody could move until the %lld ms deadline: every "
                     "blocked recv woke with DEADLINE_EXCEEDED",
                     (long long)ms);
    else if (st == STATUS_DEADLINE_EXCEEDED)
        scenario_say(r,
                     "the %lld ms deadline ended the call: the server "
                     "ended with %s, client/recv with %s",
                     (long long)ms, status_name(c->server_end),
                     status_name(c->receiver_end));
    else if (st == STATUS_DEADLOCK)
        scenario_say(r, "nobody could ever move: without a deadline that "
                        "is a hang (the simulator reports it as a deadlock)");
    else
        broken(r,
               "the call ended with %s, not a deadlock or "
               "DEADLINE_EXCEEDED",
               status_name(st));
}

/* The broken run: what each side did, how it ended, and the fix. */
static void say_forgot(struct scenario_result *r, const struct call *c,
                       enum status st)
{
    if (c->sender_end == STATUS_OK)
        scenario_say(r,
                     "client/send sent %d messages and returned without "
                     "calling stream_close_send",
                     c->client_sent);
    else
        say_client_sent(r, c, "client/send");
    if ((st == STATUS_DEADLINE_EXCEEDED || st == STATUS_DEADLOCK) &&
        c->server_sent == c->client_sent)
        scenario_say(r,
                     "server echoed all %d, then waited for EOF on c2s; "
                     "client/recv waited for the server's status",
                     c->server_sent);
    else
        say_server_echoed(r, c);
    say_stuck(r, c, st);
    scenario_say(r, "fix: call stream_close_send (CloseSend) after the last "
                    "send; see `duplex run forgot-close-send --fix`");
}

static enum status run_forgot_close_send(const struct scenario *sc,
                                         const struct scenario_options *o,
                                         struct scenario_result *r)
{
    static const struct task tasks[] = {{"client/send", send_then_close},
                                        {"client/recv", echo_receiver}};
    struct call c;
    enum status st = STATUS_OK;

    call_init(&c, sc, o, r, 1);
    c.forget_close_send = !c.fix;
    st = run_call(&c, echo_server, tasks, 2);
    if (call_short(&c))
        return st;
    /* A deadline in mid-flow drops what was in flight: the counts differ. */
    if (r->stats.bytes_discarded[STREAM_C2S] == 0 &&
        r->stats.bytes_discarded[STREAM_S2C] == 0)
        check_echo_counts(&c);
    if (c.fix)
        say_fixed(r, &c);
    else
        say_forgot(r, &c, st);
    return st;
}

/* The goals of `duplex step forgot-close-send` (see scenario.h). */
static const struct scenario_challenge forgot_challenges[] = {
    {"deadlock",
     "reach the deadlock (both sides wait for data nobody will write) in as "
     "few decisions as you can",
     0, challenge_deadlocked},
    {"closed-first",
     "make the client send every message and CloseSend before the server "
     "reads the first one (it still gets them all, then EOF)",
     1, challenge_closed_before_first_read},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_forgot_close_send = {
    .name = "forgot-close-send",
    .summary = "the client never half-closes: deadlock (with --timeout: "
               "DEADLINE_EXCEEDED)",
    .fix_summary = "the client calls stream_close_send after its last "
                   "message",
    .default_messages = 3,
    .needs_deadline = 1,
    .expected = SCENARIO_EXIT_DEADLOCK,
    .expected_fix = SCENARIO_EXIT_OK,
    .body = run_forgot_close_send,
    .challenges = forgot_challenges,
};

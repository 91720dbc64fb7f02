/*
 * sender-fails-first: surfacing the sending thread's error. The client
 * uploads messages it reads from a source, and the source fails halfway
 * (a record it cannot read: DATA_LOSS). The mistake treats that failure
 * as the end of the messages, as a loop that stops on any error does: it
 * half-closes and returns OK. The server sees EOF, takes the short upload
 * for a whole one and finishes OK, client/recv sees EOF, and the caller is
 * told OK: the error is swallowed and EOF wins. --fix returns the
 * source's error from the sending thread: the group's first error, so the
 * group cancels the call, client/recv wakes with CANCELLED, and group_wait
 * gives the caller the sender's DATA_LOSS, not CANCELLED and not EOF.
 *
 * Design
 *   One call on the harness: the client's two threads are the group's
 *   tasks, and the group's context is the call's parent, so the group's
 *   cancel tears the call down (errgroup.WithContext, with the stream made
 *   under its ctx). The server acks each message and finishes OK at EOF.
 *   The source fails at message n / 2 + 1, whatever the schedule, so each
 *   variant ends the same way in every schedule: the mistake OK, the fix
 *   DATA_LOSS. The sender records the source's failure in the trace when
 *   it happens (an ERROR event, as error-propagation's receiver does), so
 *   the timeline shows the cause before whatever it leads to: the
 *   half-close of the mistake, the fix's CANCEL. The narration reads each
 *   thread's end.
 */
#include "core/trace.h"
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/registry.h"

/* The message (1-based) the source fails to give: halfway through. */
static int sff_fail_at(const struct call *c)
{
    return c->n / 2 + 1;
}

/*
 * The source: message i's text into out (its length in *len), or the
 * failure of message sff_fail_at.
 * Returns one of:
 *   STATUS_OK         *len bytes of text are in out
 *   STATUS_DATA_LOSS  the source could not read message i (why says so)
 */
static enum status source_next(const struct call *c, int i, char *out,
                               size_t cap, int *len, struct status_detail *why)
{
    if (i + 1 == sff_fail_at(c))
        return status_detail_set(why, STATUS_DATA_LOSS,
                                 "source: message %d of %d could not be "
                                 "read",
                                 i + 1, c->n);
    *len = message_text(i, out, cap);
    return STATUS_OK;
}

struct sff_call {
    struct call c;               /* first: tasks get a struct call * */
    struct status_detail source; /* what the source's failure said */
    int acks;                    /* acks client/recv read */
};

/*
 * client/send: the source's messages, until it runs out or fails. The
 * mistake half-closes and returns OK either way; the fix returns the
 * failure (and does not half-close: the call is to fail, not to end).
 */
static enum status sff_sender(void *arg, struct status_detail *why)
{
    struct sff_call *sc = arg;
    struct call *c = &sc->c;
    char text[CALL_TEXT_MAX];
    enum status st = STATUS_OK;
    int len = 0;
    int i = 0;

    for (i = 0; i < c->n && st == STATUS_OK; i++) {
        st = source_next(c, i, text, sizeof text, &len, &sc->source);
        if (st == STATUS_DATA_LOSS) {
            trace_event(c->so.trace, TRACE_ERROR, "c2s", 0, 0, st, "%s",
                        sc->source.text);
            break;
        }
        st = stream_send(stream_client(c->s), text, (size_t)len, why);
        c->client_sent += st == STATUS_OK;
    }
    c->sender_end = st;
    if (st == STATUS_DATA_LOSS && c->fix) {
        *why = sc->source;
        return st;
    }
    if (st == STATUS_DATA_LOSS || st == STATUS_OK) { /* the mistake */
        st = stream_close_send(stream_client(c->s));
        c->closed_send = st == STATUS_OK;
        return st;
    }
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* client/recv: reads the acks until the call's end. */
static enum status sff_receiver(void *arg, struct status_detail *why)
{
    struct sff_call *sc = arg;
    struct call *c = &sc->c;
    struct frame_msg msg = {0};
    char want[CALL_TEXT_MAX];
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_client(c->s), &msg, why)) == STATUS_OK) {
        snprintf(want, sizeof want, "ack %d", sc->acks + 1);
        if (!same_text(&msg, want))
            broken(c->r, "reply %d is not \"%s\"", sc->acks + 1, want);
        sc->acks++;
    }
    c->client_got = sc->acks;
    c->receiver_end = st;
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* Server: acks each message ("ack N"); at EOF, finishes OK. */
static enum status sff_server(void *arg)
{
    struct call *c = arg;
    struct stream_end *e = stream_server(c->s);
    struct frame_msg msg = {0};
    char out[CALL_TEXT_MAX];
    enum status st = STATUS_OK;

    while ((st = stream_recv(e, &msg, &c->server_why)) == STATUS_OK) {
        int len = snprintf(out, sizeof out, "ack %d", ++c->server_got);

        st = stream_send(e, out, (size_t)len, &c->server_why);
        if (st != STATUS_OK)
            break;
        c->server_sent++;
    }
    if (st == STATUS_EOF)
        st = stream_finish(e, STATUS_OK, NULL);
    c->server_end = st;
    frame_msg_free(&msg);
    return st;
}

/* The mistake's run: the failure, the half-close it became, the OK. */
static void say_swallowed(struct scenario_result *r, const struct sff_call *sc,
                          enum status st)
{
    const struct call *c = &sc->c;

    if (c->closed_send && c->sender_end == STATUS_DATA_LOSS)
        scenario_say(r,
                     "client/send took the failure for the end of its "
                     "messages: it had sent %d, then CloseSend, and "
                     "returned OK",
                     c->client_sent);
    else
        say_client_sent(r, c, "client/send");
    if (c->server_end == STATUS_OK)
        scenario_say(r,
                     "server acked %d, saw EOF, and finished with OK: a "
                     "short upload looked whole",
                     c->server_sent);
    else
        scenario_say(r, "server acked %d, then ended with %s", c->server_sent,
                     status_name(c->server_end));
    scenario_say(r, "client/recv got %d acks, then %s", sc->acks,
                 status_name(c->receiver_end));
    if (st == STATUS_OK && c->sender_end == STATUS_DATA_LOSS)
        scenario_say(r, "the caller got OK: the source's DATA_LOSS was "
                        "swallowed, and EOF won");
    scenario_say(r, "fix: return the source's error from the sending "
                    "thread; see `duplex run sender-fails-first --fix`");
}

/* The fix's run: who failed first, whom the cancel reached, what won. */
static void say_surfaced(struct scenario_result *r, const struct sff_call *sc,
                         enum status st)
{
    const struct call *c = &sc->c;

    if (c->sender_end == STATUS_DATA_LOSS && !c->closed_send)
        scenario_say(r,
                     "client/send had sent %d and returned the failure, "
                     "without CloseSend",
                     c->client_sent);
    else
        say_client_sent(r, c, "client/send");
    if (st == STATUS_DATA_LOSS && c->receiver_end == STATUS_CANCELLED)
        scenario_say(r,
                     "the group cancelled the call: client/recv ended with "
                     "CANCELLED after %d ack%s, the server with %s after "
                     "reading %d",
                     sc->acks, sc->acks == 1 ? "" : "s",
                     status_name(c->server_end), c->server_got);
    else
        scenario_say(r,
                     "client/recv got %d acks, then %s; the server read "
                     "%d, then %s",
                     sc->acks, status_name(c->receiver_end), c->server_got,
                     status_name(c->server_end));
    if (st == STATUS_DATA_LOSS)
        scenario_say(r, "group_wait returned the first error, the sender's "
                        "DATA_LOSS: not client/recv's CANCELLED, and no EOF");
    else
        scenario_say(r, "group_wait returned %s", status_name(st));
}

static enum status run_sender_fails_first(const struct scenario *scn,
                                          const struct scenario_options *o,
                                          struct scenario_result *r)
{
    static const struct task tasks[] = {{"client/send", sff_sender},
                                        {"client/recv", sff_receiver}};
    struct sff_call sc;
    enum status st = STATUS_OK;
    enum status want = STATUS_OK;

    memset(&sc, 0, sizeof sc);
    call_init(&sc.c, scn, o, r, 1);
    st = run_call(&sc.c, sff_server, tasks, 2);
    if (call_short(&sc.c))
        return st;
    want = sc.c.fix ? STATUS_DATA_LOSS : STATUS_OK;
    if (st != want && st != STATUS_DEADLINE_EXCEEDED)
        broken(r, "the call ended with %s, not %s", status_name(st),
               status_name(want));
    if (sc.c.sender_end == STATUS_DATA_LOSS)
        scenario_say(r, "the source failed at message %d of %d: %s",
                     sff_fail_at(&sc.c), sc.c.n, sc.source.text);
    if (sc.c.fix)
        say_surfaced(r, &sc, st);
    else
        say_swallowed(r, &sc, st);
    return st;
}

/* The server saw the EOF before client/recv had read a single ack. */
static int eof_before_first_ack(const struct scenario_progress *p)
{
    return challenge_before(challenge_find(p, 0, TRACE_EOF, "server"),
                            challenge_find(p, 0, TRACE_RECV, "client/recv"));
}

/* The cancel woke client/recv from its wait on an empty s2c. */
static int cancel_woke_receiver(const struct scenario_progress *p)
{
    long i = -1;

    while ((i = challenge_find(p, (size_t)(i + 1), TRACE_WAKE,
                               "client/recv")) >= 0)
        if (trace_event_at(p->trace, (size_t)i)->status == STATUS_CANCELLED)
            return 1;
    return 0;
}

/* The goals of `duplex step sender-fails-first` (see scenario.h). */
static const struct scenario_challenge sff_challenges[] = {
    {"eof-first",
     "make the server see the EOF before client/recv has read one ack (the "
     "caller still gets OK)",
     0, eof_before_first_ack},
    {"wake",
     "make the group's cancel wake client/recv while it waits on an empty "
     "s2c",
     1, cancel_woke_receiver},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_sender_fails_first = {
    .name = "sender-fails-first",
    .summary = "the sender's source fails; it half-closes as if done: the "
               "caller gets OK",
    .fix_summary = "the sender returns the error: the group cancels, the "
                   "caller gets it",
    .default_messages = 5,
    .min_messages = 2,
    .expected = SCENARIO_EXIT_OK,
    .expected_fix = SCENARIO_EXIT_STATUS,
    .body = run_sender_fails_first,
    .challenges = sff_challenges,
};

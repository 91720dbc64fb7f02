/*
 * cancel-vs-drain: cancelling a call loses what is still buffered. The
 * server sends its updates and finishes OK; the client reads two, then
 * cancels (Go's `defer cancel()`) with the rest buffered in s2c: they are
 * thrown away, as RST_STREAM would. --fix drains to EOF first and loses
 * none.
 *
 * Design
 *   One server thread and one client task. The latch makes the lesson
 *   deterministic: the broken client cancels only after the server has
 *   finished, so every update is buffered by then. For that, s2c must
 *   hold them all, which this scenario's option check makes sure of.
 *   What was lost is measured (sent - received, the stream's counters).
 */
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/registry.h"

#include "core/frame.h"

/* The text of update i of n. */
#define UPDATE_FORMAT "update %d of %d"

/*
 * The room one update's payload may take in s2c: the longest text with
 * --messages at its largest (10000000) is 27 bytes, and 3 more spare.
 */
#define UPDATE_TEXT_ROOM 30

_Static_assert(sizeof "update 10000000 of 10000000" - 1 <= UPDATE_TEXT_ROOM,
               "UPDATE_TEXT_ROOM holds the longest update");

/* Server: send n updates, finish OK, then tell the client it is done. */
static enum status updates_server(void *arg)
{
    struct call *c = arg;
    struct stream_end *e = stream_server(c->s);
    char out[CALL_TEXT_MAX];
    enum status st = STATUS_OK;
    int i = 0;

    for (i = 0; i < c->n && st == STATUS_OK; i++) {
        int len = snprintf(out, sizeof out, UPDATE_FORMAT, i + 1, c->n);

        st = stream_send(e, out, (size_t)len, &c->server_why);
        c->server_sent += st == STATUS_OK;
    }
    if (st == STATUS_OK)
        st = stream_finish(e, STATUS_OK, NULL);
    c->server_end = st;
    latch_count_down(&c->latch);
    return st;
}

/*
 * Client: read two updates; then either cancel at once (every update is
 * buffered by then: the latch says the server finished) or, with --fix,
 * drain to EOF first and cancel after.
 */
static enum status cancel_client(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    struct stream_end *e = stream_client(c->s);
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while (c->client_got < 2 && (st = stream_recv(e, &msg, why)) == STATUS_OK)
        c->client_got++;
    if (c->fix) {
        while ((st = stream_recv(e, &msg, why)) == STATUS_OK)
            c->client_got++;
    } else if (st == STATUS_OK) {
        st = latch_wait(&c->latch);
    }
    stream_cancel(e); /* Go's `defer cancel()` */
    if (st == STATUS_OK)
        st = stream_recv(e, &msg, why);
    c->receiver_end = st;
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* Messages sent in a direction that its receiver never got. */
static uint64_t lost(const struct scenario_result *r, int dir)
{
    return r->stats.sent[dir] - r->stats.received[dir];
}

/* What the client read, and what its cancel threw away. */
static void say_client(struct scenario_result *r, const struct call *c)
{
    if (c->fix && c->receiver_end == STATUS_EOF && lost(r, STREAM_S2C) == 0)
        scenario_say(r,
                     "client read all %d, saw EOF, then cancelled: the "
                     "call had already ended OK, so nothing was lost",
                     c->client_got);
    else if (!c->fix && c->server_end == STATUS_OK &&
             lost(r, STREAM_S2C) > 0) {
        scenario_say(r,
                     "client read %d, then cancelled with %llu updates "
                     "(%llu bytes) still buffered in s2c: lost",
                     c->client_got, (unsigned long long)lost(r, STREAM_S2C),
                     (unsigned long long)r->stats.bytes_discarded[STREAM_S2C]);
        scenario_say(r, "they had arrived; cancel is RST_STREAM and throws "
                        "away what is buffered. Drain to EOF first: --fix");
    } else {
        scenario_say(r,
                     "client read %d and ended with %s; %llu updates "
                     "were lost",
                     c->client_got, status_name(c->receiver_end),
                     (unsigned long long)lost(r, STREAM_S2C));
    }
}

static enum status run_cancel_vs_drain(const struct scenario *sc,
                                       const struct scenario_options *o,
                                       struct scenario_result *r)
{
    static const struct task tasks[] = {{"client", cancel_client}};
    struct call c;
    enum status st = STATUS_OK;

    call_init(&c, sc, o, r, 1);
    st = run_call(&c, updates_server, tasks, 1);
    if (call_short(&c))
        return st;
    if ((uint64_t)c.client_got + lost(r, STREAM_S2C) != (uint64_t)c.server_sent)
        broken(r, "%d updates read + %llu lost != %d sent", c.client_got,
               (unsigned long long)lost(r, STREAM_S2C), c.server_sent);
    if (c.server_end == STATUS_OK)
        scenario_say(r, "server sent %d updates and finished with OK",
                     c.server_sent);
    else
        scenario_say(r, "server sent %d updates, then ended with %s",
                     c.server_sent, status_name(c.server_end));
    say_client(r, &c);
    return st;
}

/* s2c must hold every update, or the client could not cancel with them. */
static enum status check_room(const struct scenario *sc,
                              const struct scenario_options *o,
                              struct status_detail *why)
{
    int n = call_messages(sc, o);
    size_t need = (size_t)n * (FRAME_HEADER_LEN + UPDATE_TEXT_ROOM);

    if (call_capacity(sc, o) < need)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s needs --capacity of at least %zu "
                                 "bytes to buffer %d updates",
                                 sc->name, need, n);
    return STATUS_OK;
}

/* The cancel threw away bytes buffered in s2c (its event says how many). */
static int lost_an_update(const struct scenario_progress *p)
{
    long i = challenge_find(p, 0, TRACE_CANCEL, NULL);
    const char *s2c = NULL;

    if (i < 0)
        return 0;
    s2c = strstr(trace_event_at(p->trace, (size_t)i)->text, "s2c ");
    return s2c != NULL && s2c[4] >= '1' && s2c[4] <= '9';
}

/* The server finished before the client read its first update. */
static int finished_before_first_read(const struct scenario_progress *p)
{
    return challenge_before(challenge_find(p, 0, TRACE_FINISH, NULL),
                            challenge_find(p, 0, TRACE_RECV, "client"));
}

/* The goals of `duplex step cancel-vs-drain` (see scenario.h). */
static const struct scenario_challenge cancel_challenges[] = {
    {"lose",
     "make cancel-vs-drain lose a message (cancel with updates still "
     "buffered) in as few decisions as you can",
     0, lost_an_update},
    {"ahead",
     "make the server send every update and finish before the client "
     "reads the first one",
     0, finished_before_first_read},
    {"ahead",
     "make the server send every update and finish before the client "
     "reads the first one (and still lose none)",
     1, finished_before_first_read},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_cancel_vs_drain = {
    .name = "cancel-vs-drain",
    .summary = "cancel with messages buffered loses them; drain first "
               "loses none",
    .fix_summary = "the client drains to EOF before it cancels",
    .default_messages = 5,
    .min_messages = 3,
    .expected = SCENARIO_EXIT_STATUS,
    .expected_fix = SCENARIO_EXIT_OK,
    .body = run_cancel_vs_drain,
    .check = check_room,
    .challenges = cancel_challenges,
};

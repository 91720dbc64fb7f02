/*
 * backpressure: a slow receiver. The server reads one 24-byte chunk every
 * 2 ms; c2s holds only a few, so the client's sender finds the pipe full
 * and waits, and nothing is lost: the sender slows to the receiver's pace.
 *
 * Design
 *   The standard client sender with chunk_text, a slow server and a
 *   receiver that only counts. The server sleeps to play a slow reader
 *   (the one sleep in the scenarios: it is what the lesson is about). The
 *   narration reports the sender's waits as the stream counted them.
 */
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/registry.h"

/* Server: a slow reader (2 ms a message), then one summary, then OK. */
static enum status slow_server(void *arg)
{
    struct call *c = arg;
    struct stream_end *e = stream_server(c->s);
    struct frame_msg msg = {0};
    char out[CALL_TEXT_MAX];
    enum status st = STATUS_OK;
    int len = 0;

    for (;;) {
        sched_sleep_ns(2000000);
        st = stream_recv(e, &msg, &c->server_why);
        if (st != STATUS_OK)
            break;
        c->server_got++;
    }
    if (st == STATUS_EOF) {
        len = snprintf(out, sizeof out, "got %d chunks", c->server_got);
        st = stream_send(e, out, (size_t)len, &c->server_why);
        if (st == STATUS_OK)
            st = stream_finish(e, STATUS_OK, NULL);
    }
    c->server_end = st;
    frame_msg_free(&msg);
    return st;
}

/* The backpressure scenario's messages: 24-byte chunks. */
static int chunk_text(int i, char *out, size_t cap)
{
    return snprintf(out, cap, "chunk %03d ..............", i + 1);
}

/* Client receiver: count messages until the call's end. */
static enum status count_receiver(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_client(c->s), &msg, why)) == STATUS_OK)
        c->client_got++;
    c->receiver_end = st;
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

static enum status run_backpressure(const struct scenario *sc,
                                    const struct scenario_options *o,
                                    struct scenario_result *r)
{
    static const struct task tasks[] = {{"client/send", send_then_close},
                                        {"client/recv", count_receiver}};
    struct call c;
    enum status st = STATUS_OK;

    call_init(&c, sc, o, r, 1);
    c.text = chunk_text;
    st = run_call(&c, slow_server, tasks, 2);
    if (call_short(&c))
        return st;
    /* A deadline may end the call early, dropping what was in flight. */
    if (st == STATUS_OK &&
        (c.server_got != c.client_sent || c.client_sent != c.n))
        broken(r, "sent %d of %d chunks, server got %d", c.client_sent, c.n,
               c.server_got);
    scenario_say(r,
                 "c2s holds %zu bytes; each chunk is a 5-byte header + "
                 "24-byte payload",
                 c.so.capacity);
    if (r->stats.write_waits[STREAM_C2S] > 0)
        scenario_say(r,
                     "the server reads one chunk every 2 ms; client/send "
                     "found c2s full %llu times and waited each time",
                     (unsigned long long)r->stats.write_waits[STREAM_C2S]);
    else
        scenario_say(r,
                     "c2s never filled up, so client/send never waited: "
                     "try a --capacity smaller than %d chunks",
                     c.n);
    if (st == STATUS_OK && c.server_got == c.client_sent)
        scenario_say(r,
                     "nothing was lost: %d sent, %d received. Backpressure "
                     "slows the sender to the receiver's pace",
                     c.client_sent, c.server_got);
    else
        scenario_say(r, "%d sent, %d received; the call ended with %s",
                     c.client_sent, c.server_got, status_name(st));
    return st;
}

/* client/send found c2s full before client/recv waited for the reply. */
static int send_waited_first(const struct scenario_progress *p)
{
    return challenge_before(challenge_find(p, 0, TRACE_BLOCK, "client/send"),
                            challenge_find(p, 0, TRACE_BLOCK, "client/recv"));
}

/* The goals of `duplex step backpressure` (see scenario.h). */
static const struct scenario_challenge backpressure_challenges[] = {
    {"send-first",
     "make client/send fill c2s and wait for room before client/recv has "
     "started to wait for the server's reply",
     0, send_waited_first},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_backpressure = {
    .name = "backpressure",
    .summary = "a slow receiver: the sender blocks on a full pipe",
    .default_messages = 8,
    .default_capacity = 64,
    .expected = SCENARIO_EXIT_OK,
    .body = run_backpressure,
    .challenges = backpressure_challenges,
};

/*
 * one-thread-client: why a bidi client needs two threads. The client sends
 * every message before it reads any reply, on one thread. The server
 * echoes each message back; its echoes pile up in s2c, since nobody reads
 * them yet. Once s2c is full the server waits in send and stops reading
 * c2s; c2s fills up, and the client waits in send too: neither can move.
 * Simulated, that is a deadlock report; with a deadline, DEADLINE_EXCEEDED.
 * --fix gives the client a thread per direction (the echo's shape).
 *
 * Design
 *   One call on the harness. The messages are 16 KiB each, so that a few
 *   outgrow the default 64 KiB pipes (HTTP/2's default window is 64 KiB
 *   too). Whether the one thread gets stuck is decided by sizes alone, not
 *   by the schedule: the server reads a message whole before it echoes it,
 *   and echoes it whole before it reads the next, so it has read
 *   capacity / frame + 1 messages when its echo finds s2c full, and the
 *   client can send that many plus what c2s holds. otc_needed says how
 *   many messages outgrow that; the option check asks for them, so every
 *   schedule of the mistake ends the same way. It takes pipes of 64 bytes
 *   to 1 MiB: narrower ones cut a hundred messages into more steps than a
 *   simulated run has, wider ones need more messages than a lesson's run.
 *   The narration reads the counters: what each side had done, and what
 *   was left in each pipe (the bytes the teardown dropped).
 *
 *   On --wire h2 a direction takes more than its pipe before its sender
 *   waits: grpc-go's write quota of queued bytes and a window's worth on
 *   the wire (call_holds). The same reasoning over what it holds gives
 *   the messages it needs (18 with the default windows), which are then
 *   the default there; the deadlock report says both senders wait for
 *   WINDOW_UPDATE.
 */
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/registry.h"

#include <stdlib.h>

/* Each message's payload, and its frame on the wire. */
#define OTC_BYTES 16384
#define OTC_FRAME (FRAME_HEADER_LEN + OTC_BYTES)

/*
 * The widest pipes it takes: the mistake needs about twice the capacity
 * in messages, and wider pipes would need more than a lesson's run.
 */
#define OTC_MAX_CAPACITY (1024 * 1024)

/*
 * The narrowest: a pipe of 64 bytes cuts each message into 257 writes. A
 * hundred messages through narrower ones would not fit in a simulated
 * run's budget of steps, and runs of that many are measured by a run of
 * a hundred (cli_fit.h).
 */
#define OTC_MIN_CAPACITY 64

/*
 * The messages that outgrow pipes of cap bytes: the fewest n for which a
 * client that sends all n before it reads cannot finish sending. The
 * server reads held messages before its echo waits for room; c2s holds
 * cap bytes more.
 */
static int otc_needed(size_t cap)
{
    size_t held = cap / OTC_FRAME + 1;

    return (int)((cap + held * OTC_FRAME) / OTC_FRAME + 1);
}

/*
 * The messages a run sends: --messages, else the default, or on a wire
 * that holds more than its pipes (h2: a write quota and a window each
 * way) as many as outgrow what it holds.
 */
static int otc_messages(const struct scenario *sc,
                        const struct scenario_options *o)
{
    int need = otc_needed(call_holds(sc, o, OTC_FRAME));

    if (o->messages > 0 || o->fix || need <= sc->default_messages)
        return call_messages(sc, o);
    return need;
}

/* For explore: the fewest that get the mistake stuck on this wire. */
static int otc_needed_messages(const struct scenario *sc,
                               const struct scenario_options *o)
{
    int need = otc_needed(call_holds(sc, o, OTC_FRAME));

    return o->fix || need < sc->min_messages ? sc->min_messages : need;
}

/* Message i: message_text's words, then a blank and dots to OTC_BYTES. */
static void otc_text(int i, char *out)
{
    int len = message_text(i, out, OTC_BYTES);

    memset(out + len, '.', OTC_BYTES - (size_t)len);
    out[len] = ' ';
}

/* Server: sends each message back as it came, until EOF; then OK. */
static enum status otc_server(void *arg)
{
    struct call *c = arg;
    struct stream_end *e = stream_server(c->s);
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(e, &msg, &c->server_why)) == STATUS_OK) {
        c->server_got++;
        st = stream_send(e, msg.data, msg.length, &c->server_why);
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

/* Sends c->n messages from buf, then half-closes. Sets the sender's part. */
static enum status otc_send_all(struct call *c, char *buf,
                                struct status_detail *why)
{
    enum status st = STATUS_OK;
    int i = 0;

    for (i = 0; i < c->n && st == STATUS_OK; i++) {
        otc_text(i, buf);
        st = stream_send(stream_client(c->s), buf, OTC_BYTES, why);
        c->client_sent += st == STATUS_OK;
    }
    c->sender_end = st;
    if (st == STATUS_OK)
        st = stream_close_send(stream_client(c->s));
    c->closed_send = st == STATUS_OK;
    return st;
}

/* Reads every echo, checking each against buf's message; then the end. */
static enum status otc_read_all(struct call *c, char *buf,
                                struct status_detail *why)
{
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_client(c->s), &msg, why)) == STATUS_OK) {
        otc_text(c->client_got, buf);
        if (msg.length != OTC_BYTES || memcmp(msg.data, buf, OTC_BYTES) != 0)
            broken(c->r, "echo %d is not message %d", c->client_got + 1,
                   c->client_got + 1);
        c->client_got++;
    }
    c->receiver_end = st;
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* The mistake: one thread sends everything, and only then reads. */
static enum status one_thread(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    char *buf = malloc(OTC_BYTES);
    enum status st = STATUS_RESOURCE_EXHAUSTED;

    if (buf == NULL)
        return status_detail_set(why, st, "out of memory");
    st = otc_send_all(c, buf, why);
    /*
     * A send that finds the call over says EOF (grpc-go's SendMsg), and
     * the call's status is what recv says: read it, as a Go client does.
     */
    if (st == STATUS_OK || st == STATUS_EOF)
        st = otc_read_all(c, buf, why);
    free(buf);
    return st;
}

/* The fix, its sending thread. */
static enum status otc_sender(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    char *buf = malloc(OTC_BYTES);
    enum status st = STATUS_RESOURCE_EXHAUSTED;

    if (buf == NULL)
        return status_detail_set(why, st, "out of memory");
    st = otc_send_all(c, buf, why);
    free(buf);
    return st;
}

/* The fix, its receiving thread. */
static enum status otc_receiver(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    char *buf = malloc(OTC_BYTES);
    enum status st = STATUS_RESOURCE_EXHAUSTED;

    if (buf == NULL)
        return status_detail_set(why, st, "out of memory");
    st = otc_read_all(c, buf, why);
    free(buf);
    return st;
}

/* How the client's sending ended: all of them and CloseSend, or where. */
static void say_sent(struct scenario_result *r, const struct call *c,
                     const char *who)
{
    if (c->closed_send)
        scenario_say(r,
                     "%s sent %d messages of %d bytes, then CloseSend; it "
                     "found c2s full %llu times",
                     who, c->client_sent, OTC_BYTES,
                     (unsigned long long)r->stats.write_waits[STREAM_C2S]);
    else
        scenario_say(r,
                     "%s sent %d of %d messages of %d bytes; its next send "
                     "ended with %s",
                     who, c->client_sent, c->n, OTC_BYTES,
                     status_name(c->sender_end));
}

/* What was left in the pipes when the call was torn down. */
static void say_left(struct scenario_result *r, const struct call *c)
{
    if (c->so.wire != NULL && strcmp(c->so.wire->name, "h2") == 0) {
        scenario_say(r,
                     "each direction takes a write quota of %d bytes and "
                     "a window of %d; when the call ended c2s held %llu "
                     "(queued or received, unread) and s2c %llu, and "
                     "nobody was reading either",
                     CALL_H2_WRITE_QUOTA,
                     c->so.window > 0 ? c->so.window : CALL_H2_WINDOW,
                     (unsigned long long)r->stats.bytes_discarded[STREAM_C2S],
                     (unsigned long long)r->stats.bytes_discarded[STREAM_S2C]);
        return;
    }
    scenario_say(r,
                 "each pipe holds %zu bytes; when the call ended c2s held "
                 "%llu and s2c %llu, and nobody was reading either",
                 c->so.capacity,
                 (unsigned long long)r->stats.bytes_discarded[STREAM_C2S],
                 (unsigned long long)r->stats.bytes_discarded[STREAM_S2C]);
}

/* The server's part: echoed all, or where its echo stopped. */
static void say_server(struct scenario_result *r, const struct call *c)
{
    if (c->server_end == STATUS_OK)
        scenario_say(r,
                     "server echoed %d, saw EOF on c2s, and finished with "
                     "OK; it found s2c full %llu times",
                     c->server_sent,
                     (unsigned long long)r->stats.write_waits[STREAM_S2C]);
    else if (c->server_got > c->server_sent)
        scenario_say(r,
                     "server read %d and echoed %d; its echo of message %d "
                     "ended with %s: s2c had no room, and it reads c2s only "
                     "between echoes",
                     c->server_got, c->server_sent, c->server_got,
                     status_name(c->server_end));
    else
        scenario_say(r, "server read %d, echoed %d, then ended with %s",
                     c->server_got, c->server_sent, status_name(c->server_end));
}

/* How the stuck call ended: the deadline, or a hang. */
static void say_stuck(struct scenario_result *r, const struct call *c,
                      enum status st)
{
    if (st == STATUS_DEADLINE_EXCEEDED)
        scenario_say(r,
                     "nobody could move until the %lld ms deadline: the "
                     "server's send woke with %s, the client's with %s, "
                     "and the client's recv then said %s",
                     (long long)(c->so.timeout_ns / 1000000),
                     status_name(c->server_end), status_name(c->sender_end),
                     status_name(c->receiver_end));
    else if (st == STATUS_DEADLOCK)
        scenario_say(r, "nobody could ever move: without a deadline that is "
                        "a hang (the simulator reports it as a deadlock)");
}

static void say_one_thread(struct scenario_result *r, const struct call *c,
                           enum status st)
{
    int stuck = st == STATUS_DEADLOCK || st == STATUS_DEADLINE_EXCEEDED;
    /* The client's send ended because the call got stuck (EOF: it found
     * the call over, grpc-go's word for it). */
    int sender_stuck = c->sender_end == st || c->sender_end == STATUS_EOF;

    say_sent(r, c, "client (one thread)");
    if (stuck && c->client_got == 0 && sender_stuck)
        scenario_say(r, "it had read no echo: it reads s2c only after its "
                        "last send");
    say_server(r, c);
    if (stuck && sender_stuck && c->server_end == st) {
        say_left(r, c);
        say_stuck(r, c, st);
    } else {
        scenario_say(r, "client read %d echoes, then %s", c->client_got,
                     status_name(c->receiver_end));
    }
    scenario_say(r, "fix: one thread per direction, so s2c is read while "
                    "c2s is written; see `duplex run one-thread-client "
                    "--fix`");
}

static void say_two_threads(struct scenario_result *r, const struct call *c)
{
    say_sent(r, c, "client/send");
    say_server(r, c);
    if (c->receiver_end == STATUS_EOF && r->broken[0] == '\0')
        scenario_say(r,
                     "client/recv read s2c all along: %d echoes, in order, "
                     "then EOF on s2c",
                     c->client_got);
    else
        scenario_say(r, "client/recv got %d echoes, then %s", c->client_got,
                     status_name(c->receiver_end));
}

static enum status run_one_thread_client(const struct scenario *sc,
                                         const struct scenario_options *o,
                                         struct scenario_result *r)
{
    static const struct task broken_tasks[] = {{"client", one_thread}};
    static const struct task fixed_tasks[] = {{"client/send", otc_sender},
                                              {"client/recv", otc_receiver}};
    struct call c;
    enum status st = STATUS_OK;

    call_init(&c, sc, o, r, 1);
    c.n = otc_messages(sc, o);
    if (c.fix)
        st = run_call(&c, otc_server, fixed_tasks, 2);
    else
        st = run_call(&c, otc_server, broken_tasks, 1);
    if (call_short(&c))
        return st;
    if (st == STATUS_OK && (c.client_got != c.n || c.server_got != c.n))
        broken(r, "the server got %d and the client %d echoes of %d",
               c.server_got, c.client_got, c.n);
    if (!c.fix && st != STATUS_DEADLOCK && st != STATUS_DEADLINE_EXCEEDED)
        broken(r,
               "one thread sent %d messages that outgrow the pipes, "
               "and the call ended with %s",
               c.n, status_name(st));
    if (c.fix)
        say_two_threads(r, &c);
    else
        say_one_thread(r, &c, st);
    return st;
}

/* The mistake must outgrow the pipes, or it would not show. */
static enum status otc_check(const struct scenario *sc,
                             const struct scenario_options *o,
                             struct status_detail *why)
{
    size_t cap = call_capacity(sc, o);
    int need = otc_needed(call_holds(sc, o, OTC_FRAME));
    if (cap < OTC_MIN_CAPACITY)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s takes pipes of at least %d bytes "
                                 "(--capacity 64): its %d-byte messages "
                                 "through narrower ones take more steps "
                                 "than a simulated run has",
                                 sc->name, OTC_MIN_CAPACITY, OTC_BYTES);
    if (cap > OTC_MAX_CAPACITY)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s takes pipes of at most %d bytes "
                                 "(--capacity 1m): wider ones need more "
                                 "messages to fill than a lesson's run",
                                 sc->name, OTC_MAX_CAPACITY);
    if (o->fix || otc_messages(sc, o) >= need)
        return STATUS_OK;
    if (call_holds(sc, o, OTC_FRAME) != cap)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s needs --messages %d or more on --wire "
                                 "h2 with these windows: fewer (%d bytes "
                                 "each on the wire) fit in c2s's and s2c's "
                                 "write quotas and windows, and it would "
                                 "not get stuck",
                                 sc->name, need, OTC_FRAME);
    return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                             "%s needs --messages %d or more at --capacity "
                             "%zu: fewer (%d bytes each on the wire) fit "
                             "in c2s and s2c, and it would not get stuck",
                             sc->name, need, cap, OTC_FRAME);
}

/* The server found s2c full (the fixed client's receiver drains it). */
static int server_waited_on_s2c(const struct scenario_progress *p)
{
    long i = -1;

    while ((i = challenge_find(p, (size_t)(i + 1), TRACE_BLOCK, "server")) >= 0)
        if (strcmp(trace_event_at(p->trace, (size_t)i)->dir, "s2c") == 0)
            return 1;
    return 0;
}

/* The goals of `duplex step one-thread-client` (see scenario.h). */
static const struct scenario_challenge otc_challenges[] = {
    {"deadlock",
     "reach the deadlock (both pipes full, both sides waiting to send) in "
     "as few decisions as you can",
     0, challenge_deadlocked},
    {"s2c-full",
     "make the server find s2c full (client/recv still drains it, and the "
     "call ends OK)",
     1, server_waited_on_s2c},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_one_thread_client = {
    .name = "one-thread-client",
    .summary = "one client thread sends everything, then reads: both pipes "
               "fill, deadlock",
    .fix_summary = "one client thread sends while another receives",
    .default_messages = 8,
    .min_messages = 8,
    .needs_deadline = 1,
    .expected = SCENARIO_EXIT_DEADLOCK,
    .expected_fix = SCENARIO_EXIT_OK,
    .body = run_one_thread_client,
    .check = otc_check,
    .needed_messages = otc_needed_messages,
    .challenges = otc_challenges,
};

/*
 * send-after-eof: EOF closes one direction, not the call. The client sends
 * its messages and half-closes at once; the server reads to EOF and then
 * still sends two messages, which the client gets before the server's
 * status (its own EOF).
 *
 * Design
 *   One client thread: the standard client sender, then a read to the
 *   end. The server's two late messages are checked by their text.
 */
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/registry.h"

/* Server: read everything, then send two more messages after EOF. */
static enum status after_eof_server(void *arg)
{
    struct call *c = arg;
    struct stream_end *e = stream_server(c->s);
    struct frame_msg msg = {0};
    char out[CALL_TEXT_MAX];
    enum status st = STATUS_OK;
    int len = 0;

    while ((st = stream_recv(e, &msg, &c->server_why)) == STATUS_OK)
        c->server_got++;
    if (st == STATUS_EOF) {
        len = snprintf(out, sizeof out, "you sent %d messages", c->server_got);
        st = stream_send(e, out, (size_t)len, &c->server_why);
        c->server_sent += st == STATUS_OK;
        if (st == STATUS_OK)
            st = stream_send(e, "bye", 3, &c->server_why);
        c->server_sent += st == STATUS_OK;
        if (st == STATUS_OK)
            st = stream_finish(e, STATUS_OK, NULL);
    }
    c->server_end = st;
    frame_msg_free(&msg);
    return st;
}

/* Client, one thread: send all, half-close, then read to the end. */
static enum status after_eof_client(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    struct frame_msg msg = {0};
    char want[CALL_TEXT_MAX];
    enum status st = send_then_close(c, why);

    if (st != STATUS_OK)
        return st;
    snprintf(want, sizeof want, "you sent %d messages", c->client_sent);
    while ((st = stream_recv(stream_client(c->s), &msg, why)) == STATUS_OK) {
        if (!same_text(&msg, c->client_got == 0 ? want : "bye"))
            broken(c->r, "message %d after CloseSend is wrong",
                   c->client_got + 1);
        c->client_got++;
    }
    c->receiver_end = st;
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

static enum status run_send_after_eof(const struct scenario *sc,
                                      const struct scenario_options *o,
                                      struct scenario_result *r)
{
    static const struct task tasks[] = {{"client", after_eof_client}};
    struct call c;
    enum status st = STATUS_OK;

    call_init(&c, sc, o, r, 1);
    st = run_call(&c, after_eof_server, tasks, 1);
    if (call_short(&c))
        return st;
    if (st == STATUS_OK && c.client_got != 2)
        broken(r, "client got %d messages after CloseSend, not 2",
               c.client_got);
    if (c.closed_send)
        scenario_say(r, "client sent %d messages and half-closed at once",
                     c.client_sent);
    else
        say_client_sent(r, &c, "client");
    if (c.server_sent == 2)
        scenario_say(r,
                     "server read %d, saw EOF, and still sent 2 messages: "
                     "EOF closes one direction, not the call",
                     c.server_got);
    else
        scenario_say(r, "server read %d, sent %d, and ended with %s",
                     c.server_got, c.server_sent, status_name(c.server_end));
    if (c.client_got == 2 && c.receiver_end == STATUS_EOF &&
        r->broken[0] == '\0')
        scenario_say(r,
                     "client got both (%d) before its own EOF: the "
                     "server's messages come first, then its status",
                     c.client_got);
    else if (c.closed_send) /* else it never got to reading */
        scenario_say(r, "client got %d of them, then %s", c.client_got,
                     status_name(c.receiver_end));
    return st;
}

/* The client waited on an empty s2c before the server saw its EOF. */
static int client_waited_before_eof(const struct scenario_progress *p)
{
    return challenge_before(challenge_find(p, 0, TRACE_BLOCK, "client"),
                            challenge_find(p, 0, TRACE_EOF, "server"));
}

/* The goals of `duplex step send-after-eof` (see scenario.h). */
static const struct scenario_challenge after_eof_challenges[] = {
    {"early-wait",
     "make the client wait on an empty s2c before the server has seen its "
     "EOF",
     0, client_waited_before_eof},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_send_after_eof = {
    .name = "send-after-eof",
    .summary = "the server sends after the client's EOF; they arrive "
               "before its EOF",
    .default_messages = 3,
    .expected = SCENARIO_EXIT_OK,
    .body = run_send_after_eof,
    .challenges = after_eof_challenges,
};

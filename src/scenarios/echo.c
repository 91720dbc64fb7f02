/*
 * echo: the Day-117 bidirectional echo (`make demo`). The client sends
 * its messages on one thread and reads the echoes on another; the server
 * echoes each one as "echo: <text>" until the client's EOF, then ends the
 * call with OK.
 *
 * Design
 *   One call on the harness (call.h): echo_server, the standard client
 *   sender and echo_receiver. The echo server and receiver are exported
 *   (echo.h) for the scenarios that break this call in one place.
 */
#include "scenarios/echo.h"

#include "scenarios/challenge.h"
#include "scenarios/registry.h"

enum status echo_server(void *arg)
{
    struct call *c = arg;
    struct stream_end *e = stream_server(c->s);
    struct frame_msg msg = {0};
    char out[CALL_TEXT_MAX + 8];
    enum status st = STATUS_OK;

    for (;;) {
        int len = 0;

        st = stream_recv(e, &msg, &c->server_why);
        if (st != STATUS_OK)
            break;
        c->server_got++;
        len = snprintf(out, sizeof out, "echo: %.*s",
                       (int)(msg.length < CALL_TEXT_MAX ? msg.length
                                                        : CALL_TEXT_MAX),
                       (const char *)msg.data);
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

/* Client receiver: every echo, in order, then the call's end. */
enum status echo_receiver(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    struct frame_msg msg = {0};
    char text[CALL_TEXT_MAX];
    char want[CALL_TEXT_MAX + 8];
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_client(c->s), &msg, why)) == STATUS_OK) {
        message_text(c->client_got, text, sizeof text);
        snprintf(want, sizeof want, "echo: %s", text);
        if (!same_text(&msg, want))
            broken(c->r, "echo %d is not \"%s\"", c->client_got + 1, want);
        c->client_got++;
    }
    c->receiver_end = st;
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

void say_server_echoed(struct scenario_result *r, const struct call *c)
{
    if (c->server_end == STATUS_OK)
        scenario_say(r,
                     "server echoed %d, saw EOF on c2s, and finished with OK",
                     c->server_sent);
    else
        scenario_say(r, "server echoed %d, then ended with %s", c->server_sent,
                     status_name(c->server_end));
}

void check_echo_counts(struct call *c)
{
    if (c->client_got != c->server_sent)
        broken(c->r, "client got %d echoes, server sent %d", c->client_got,
               c->server_sent);
    if (c->server_got != c->client_sent)
        broken(c->r, "server got %d messages, client sent %d", c->server_got,
               c->client_sent);
}

static enum status run_echo(const struct scenario *sc,
                            const struct scenario_options *o,
                            struct scenario_result *r)
{
    static const struct task tasks[] = {{"client/send", send_then_close},
                                        {"client/recv", echo_receiver}};
    struct call c;
    enum status st = STATUS_OK;

    call_init(&c, sc, o, r, 1);
    st = run_call(&c, echo_server, tasks, 2);
    if (call_short(&c))
        return st;
    if (st == STATUS_OK) { /* a deadline drops what was in flight */
        check_echo_counts(&c);
        if (c.client_sent != c.n)
            broken(r, "client sent %d of %d messages", c.client_sent, c.n);
    }
    say_client_sent(r, &c, "client/send");
    say_server_echoed(r, &c);
    if (c.receiver_end == STATUS_EOF && r->broken[0] == '\0')
        scenario_say(r, "client/recv got %d echoes in order, then EOF on s2c",
                     c.client_got);
    else
        scenario_say(r, "client/recv got %d echoes, then %s", c.client_got,
                     status_name(c.receiver_end));
    return st;
}

/* client/recv found s2c empty (and waited) four times. */
static int recv_waited_four_times(const struct scenario_progress *p)
{
    return challenge_count(p, TRACE_BLOCK, "client/recv") >= 4;
}

/* The goals of `duplex step echo` (see struct scenario_challenge). */
static const struct scenario_challenge echo_challenges[] = {
    {"closed-first",
     "make the client send every message and CloseSend before the server "
     "reads the first one (it still gets them all, then EOF)",
     0, challenge_closed_before_first_read},
    {"recv-waits", "make client/recv find s2c empty four times", 0,
     recv_waited_four_times},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_echo = {
    .name = "echo",
    .summary = "client sends, server echoes each as \"echo: <text>\" "
               "until EOF",
    .default_messages = 3,
    .expected = SCENARIO_EXIT_OK,
    .body = run_echo,
    .challenges = echo_challenges,
};

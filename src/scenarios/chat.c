/*
 * chat: a session state machine on one stream. The client JOINs and waits
 * for the WELCOME before it sends any TEXT; the server ACKs each TEXT in
 * order while the client keeps sending; CloseSend gets a BYE, then the
 * server's OK.
 *
 * Design
 *   One call on the harness. The latch is the handshake "WELCOME
 *   arrived": the receiver opens it, the sender waits on it after its
 *   JOIN (and the receiver opens it on its way out too, so the sender
 *   never waits for a reply that cannot come). The receiver checks every
 *   reply's text; the narration claims "in order" only when it did.
 */
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/registry.h"

/*
 * Server: a session state machine.
 *   AWAIT_JOIN --JOIN name--> JOINED (reply WELCOME name)
 *   JOINED     --TEXT ...---> JOINED (reply ACK k)
 *   JOINED     --EOF-------->  done  (reply BYE name, finish OK)
 * Anything else ends the call with FAILED_PRECONDITION.
 */
static enum status chat_server(void *arg)
{
    struct call *c = arg;
    struct stream_end *e = stream_server(c->s);
    struct frame_msg msg = {0};
    char name[32] = "";
    char out[CALL_TEXT_MAX];
    enum status st = STATUS_OK;
    int len = 0;

    while ((st = stream_recv(e, &msg, &c->server_why)) == STATUS_OK) {
        int is_join = msg.length > 5 && memcmp(msg.data, "JOIN ", 5) == 0;
        int is_text = msg.length >= 5 && memcmp(msg.data, "TEXT ", 5) == 0;

        c->server_got++;
        if (name[0] == '\0' && is_join) {
            snprintf(name, sizeof name, "%.*s", (int)msg.length - 5,
                     (const char *)msg.data + 5);
            len = snprintf(out, sizeof out, "WELCOME %s", name);
        } else if (name[0] != '\0' && is_text) {
            len = snprintf(out, sizeof out, "ACK %d", c->server_got - 1);
        } else {
            st = stream_finish(e, STATUS_FAILED_PRECONDITION,
                               name[0] ? "already joined" : "JOIN first");
            break;
        }
        st = stream_send(e, out, (size_t)len, &c->server_why);
        if (st != STATUS_OK)
            break;
        c->server_sent++;
    }
    if (st == STATUS_EOF) {
        len = snprintf(out, sizeof out, "BYE %s", name);
        st = stream_send(e, out, (size_t)len, &c->server_why);
        if (st == STATUS_OK)
            st = stream_finish(e, STATUS_OK, NULL);
    }
    c->server_end = st;
    frame_msg_free(&msg);
    return st;
}

/* Client sender: JOIN, wait for WELCOME (the latch), then TEXTs. */
static enum status chat_sender(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    struct stream_end *e = stream_client(c->s);
    char text[CALL_TEXT_MAX];
    enum status st = stream_send(e, "JOIN alice", 10, why);
    int i = 0;

    c->client_sent += st == STATUS_OK;
    if (st == STATUS_OK)
        st = latch_wait(&c->latch);
    for (i = 0; i < c->n && st == STATUS_OK; i++) {
        int len = snprintf(text, sizeof text, "TEXT note %d", i + 1);

        st = stream_send(e, text, (size_t)len, why);
        c->client_sent += st == STATUS_OK;
    }
    c->sender_end = st;
    if (st == STATUS_EOF)
        return STATUS_OK;
    if (st != STATUS_OK)
        return st;
    st = stream_close_send(e);
    c->closed_send = st == STATUS_OK;
    c->sender_end = st;
    return st;
}

/* Client receiver: WELCOME, then ACK 1..n in order, then BYE, then EOF. */
static enum status chat_receiver(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    struct frame_msg msg = {0};
    char want[CALL_TEXT_MAX];
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_client(c->s), &msg, why)) == STATUS_OK) {
        if (c->client_got == 0)
            snprintf(want, sizeof want, "WELCOME alice");
        else if (c->client_got <= c->n)
            snprintf(want, sizeof want, "ACK %d", c->client_got);
        else
            snprintf(want, sizeof want, "BYE alice");
        if (!same_text(&msg, want))
            broken(c->r, "chat reply %d is not \"%s\"", c->client_got + 1,
                   want);
        if (c->client_got++ == 0)
            latch_count_down(&c->latch); /* WELCOME: the sender may go on */
    }
    latch_count_down(&c->latch); /* never leave the sender waiting */
    c->receiver_end = st;
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

static enum status run_chat(const struct scenario *sc,
                            const struct scenario_options *o,
                            struct scenario_result *r)
{
    static const struct task tasks[] = {{"client/send", chat_sender},
                                        {"client/recv", chat_receiver}};
    struct call c;
    enum status st = STATUS_OK;
    int acks = 0;

    call_init(&c, sc, o, r, 1);
    st = run_call(&c, chat_server, tasks, 2);
    if (call_short(&c))
        return st;
    if (st == STATUS_OK && c.client_got != c.n + 2)
        broken(r, "client got %d replies, not %d", c.client_got, c.n + 2);
    if (r->broken[0] != '\0' || c.client_got == 0) {
        scenario_say(r,
                     "client sent %d, got %d replies; the session ended "
                     "with %s",
                     c.client_sent, c.client_got, status_name(st));
        return st;
    }
    /* Every reply was the one expected (chat_receiver checks each). */
    acks = c.client_got - 1 < c.n ? c.client_got - 1 : c.n;
    scenario_say(r, "JOIN -> WELCOME: the sender waits for the welcome "
                    "before it sends any TEXT");
    if (acks == c.n)
        scenario_say(r,
                     "TEXT x%d -> ACK 1..%d, in order, while the sender "
                     "keeps sending",
                     c.client_sent - 1, acks);
    else
        scenario_say(r, "TEXT x%d -> %d ACKs, in order", c.client_sent - 1,
                     acks);
    if (st == STATUS_OK && c.closed_send && c.receiver_end == STATUS_EOF)
        scenario_say(r, "CloseSend -> BYE, then the server's OK: the session "
                        "state machine ended cleanly");
    else
        scenario_say(r, "the session ended with %s", status_name(st));
    return st;
}

/* The client half-closed before the first ACK reached it. */
static int closed_before_first_ack(const struct scenario_progress *p)
{
    long close = challenge_find(p, 0, TRACE_CLOSE_SEND, NULL);
    long i = -1;

    while ((i = challenge_find(p, (size_t)(i + 1), TRACE_RECV, "client")) >= 0)
        if (strncmp(trace_event_at(p->trace, (size_t)i)->text, "\"ACK", 4) == 0)
            break;
    return challenge_before(close, i);
}

/* The goals of `duplex step chat` (see struct scenario_challenge). */
static const struct scenario_challenge chat_challenges[] = {
    {"acks-late",
     "make the client send every TEXT and CloseSend before the first ACK "
     "reaches it",
     0, closed_before_first_ack},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_chat = {
    .name = "chat",
    .summary = "JOIN -> WELCOME -> TEXT -> ACK: a session state machine",
    .default_messages = 3,
    .expected = SCENARIO_EXIT_OK,
    .body = run_chat,
    .challenges = chat_challenges,
};

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
 *
 *   The server's state machine, chat_session_serve, and the client's
 *   texts (chat.h) are shared with `duplex serve`'s
 *   /chat.ChatService/Session and `duplex call HOST:PORT chat`, so the
 *   session over a real wire is this one.
 */
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/chat.h"
#include "scenarios/registry.h"

/* The reply to one message in the session, or 0: not one it takes. */
static int chat_answer(struct chat_session *s, const struct frame_msg *msg,
                       char *out, size_t cap)
{
    int is_join = msg->length > 5 && memcmp(msg->data, "JOIN ", 5) == 0;
    int is_text = msg->length >= 5 && memcmp(msg->data, "TEXT ", 5) == 0;

    if (s->name[0] == '\0' && is_join) {
        snprintf(s->name, sizeof s->name, "%.*s", (int)msg->length - 5,
                 (const char *)msg->data + 5);
        return snprintf(out, cap, "WELCOME %s", s->name);
    }
    if (s->name[0] != '\0' && is_text)
        return snprintf(out, cap, "ACK %d", s->got - 1);
    return 0;
}

/* Counts the reply in out, which went out. */
static void chat_count(struct chat_session *s, const char *out)
{
    if (strncmp(out, "WELCOME ", 8) == 0)
        s->welcomed = 1;
    else
        s->acked++;
}

/* Finishes the call with FAILED_PRECONDITION: the session's rule broke. */
static enum status chat_refuse(struct stream_end *e, struct chat_session *s)
{
    const char *text = s->name[0] ? "already joined" : "JOIN first";

    s->end = STATUS_FAILED_PRECONDITION;
    snprintf(s->why.text, sizeof s->why.text, "%s", text);
    s->why.code = STATUS_FAILED_PRECONDITION;
    return stream_finish(e, STATUS_FAILED_PRECONDITION, text);
}

enum status chat_session_serve(struct stream_end *e, struct chat_session *s)
{
    struct frame_msg msg = {0};
    char out[CALL_TEXT_MAX];
    enum status st = STATUS_OK;
    int len = 0;

    while ((st = stream_recv(e, &msg, &s->why)) == STATUS_OK) {
        s->got++;
        len = chat_answer(s, &msg, out, sizeof out);
        if (len == 0) {
            st = chat_refuse(e, s);
            break;
        }
        st = stream_send(e, out, (size_t)len, &s->why);
        if (st != STATUS_OK)
            break;
        chat_count(s, out);
    }
    if (st == STATUS_EOF) {
        len = snprintf(out, sizeof out, "BYE %s", s->name);
        st = stream_send(e, out, (size_t)len, &s->why);
        s->bye = st == STATUS_OK;
        if (st == STATUS_OK)
            st = stream_finish(e, STATUS_OK, NULL);
    }
    if (s->end == STATUS_OK)
        s->end = st;
    frame_msg_free(&msg);
    return st;
}

int chat_client_text(int i, char *out, size_t cap)
{
    if (i == 0)
        return snprintf(out, cap, "JOIN %s", CHAT_NAME);
    return snprintf(out, cap, "TEXT note %d", i);
}

int chat_reply_text(int k, int n, char *out, size_t cap)
{
    if (k == 0)
        return snprintf(out, cap, "WELCOME %s", CHAT_NAME);
    if (k <= n)
        return snprintf(out, cap, "ACK %d", k);
    return snprintf(out, cap, "BYE %s", CHAT_NAME);
}

/* Server: the session (chat_session_serve) on the call's server end. */
static enum status chat_server(void *arg)
{
    struct call *c = arg;
    struct chat_session s;
    enum status st = STATUS_OK;

    memset(&s, 0, sizeof s);
    st = chat_session_serve(stream_server(c->s), &s);
    c->server_got = s.got;
    c->server_sent = s.welcomed + s.acked;
    c->server_why = s.why;
    c->server_end = st;
    return st;
}

/* Client sender: JOIN, wait for WELCOME (the latch), then TEXTs. */
static enum status chat_sender(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    struct stream_end *e = stream_client(c->s);
    char text[CALL_TEXT_MAX];
    int len = chat_client_text(0, text, sizeof text);
    enum status st = stream_send(e, text, (size_t)len, why);
    int i = 0;

    c->client_sent += st == STATUS_OK;
    if (st == STATUS_OK)
        st = latch_wait(&c->latch);
    for (i = 0; i < c->n && st == STATUS_OK; i++) {
        len = chat_client_text(i + 1, text, sizeof text);
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
        chat_reply_text(c->client_got, c->n, want, sizeof want);
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

/*
 * cli_call_chat: `duplex call HOST:PORT chat`, the chat scenario's
 * client against any gRPC server's /chat.ChatService/Session.
 *
 * Design
 *   One connection, one call, on the HTTP/2 wire's peer end as the echo
 *   (cli_call.c), with the request's :path /chat.ChatService/Session.
 *   The messages and the replies expected are the chat scenario's
 *   (scenarios/chat.h), so the session is the same as `duplex run chat`'s
 *   whoever serves it. client/send sends the JOIN and waits for the first
 *   reply (the WELCOME) before any TEXT, as the scenario's sender waits
 *   on its latch; client/recv opens that wait when the first reply comes,
 *   and on its way out, so client/send never waits for a reply that
 *   cannot come; when that first reply is not the WELCOME, client/send
 *   sends no TEXT, only its CloseSend, so a server that waits for more
 *   still ends the call. client/recv checks every reply against the one
 *   expected and keeps the first that is not. The narration says what this run
 *   counted and checked, nothing it only meant to do.
 */
#include <stdio.h>
#include <string.h>

#include "app/cli_call_chat.h"
#include "core/sched.h"
#include "core/stream.h"
#include "core/trace.h"
#include "h2/h2_wire.h"
#include "scenarios/call.h"
#include "scenarios/chat.h"
#include "view/timeline.h"

#define CHAT_PATH "/chat.ChatService/Session"

struct chat_run {
    struct stream *s;
    int n;               /* TEXTs to send */
    int joined;          /* the JOIN went */
    int texts;           /* TEXTs that went */
    enum status sent_end;
    int closed;          /* CloseSend returned OK */
    struct sched_mutex mu;
    struct sched_cond replied_cond;
    int replied;         /* 1: the first reply came, or client/recv ended */
    int welcomed;        /* 1: the first reply was the WELCOME */
    int got, bad;        /* replies; the first wrong one (1-based), or 0 */
    char bad_text[CALL_TEXT_MAX]; /* what the wrong reply said */
};

/* client/recv lets client/send go on (welcomed: the WELCOME came). */
static void chat_release(struct chat_run *r, int welcomed)
{
    sched_mutex_lock(&r->mu);
    if (!r->replied)
        r->welcomed = welcomed;
    r->replied = 1;
    sched_cond_broadcast(&r->replied_cond);
    sched_mutex_unlock(&r->mu);
}

/*
 * client/send: JOIN, wait for the WELCOME, n TEXTs, CloseSend. When the
 * first reply is not the WELCOME, no TEXT goes: only the CloseSend, so
 * that a server waiting for more can end the call.
 */
static enum status chat_sender(void *arg)
{
    struct chat_run *r = arg;
    struct stream_end *e = stream_client(r->s);
    char text[CALL_TEXT_MAX];
    int len = chat_client_text(0, text, sizeof text), welcomed = 0;

    r->sent_end = stream_send(e, text, (size_t)len, NULL);
    r->joined = r->sent_end == STATUS_OK;
    sched_mutex_lock(&r->mu);
    while (r->joined && !r->replied)
        sched_cond_wait(&r->replied_cond, &r->mu);
    welcomed = r->welcomed;
    sched_mutex_unlock(&r->mu);
    if (!welcomed) { /* no TEXT; CloseSend lets the server end it */
        if (r->joined)
            r->closed = stream_close_send(e) == STATUS_OK;
        return r->sent_end;
    }
    while (r->texts < r->n && r->sent_end == STATUS_OK) {
        len = chat_client_text(r->texts + 1, text, sizeof text);
        r->sent_end = stream_send(e, text, (size_t)len, NULL);
        r->texts += r->sent_end == STATUS_OK;
    }
    if (r->sent_end == STATUS_OK)
        r->closed = stream_close_send(e) == STATUS_OK;
    return r->sent_end;
}

/* One reply, checked against the one expected at its place. */
static void chat_check(struct chat_run *r, const struct frame_msg *msg)
{
    char want[CALL_TEXT_MAX];
    int ok = 0;

    chat_reply_text(r->got, r->n, want, sizeof want);
    ok = same_text(msg, want) && r->got <= r->n + 1;
    if (!ok && r->bad == 0) {
        r->bad = r->got + 1;
        snprintf(r->bad_text, sizeof r->bad_text, "%.*s",
                 msg->length < 64 ? (int)msg->length : 64,
                 (const char *)msg->data);
    }
    if (r->got++ == 0)
        chat_release(r, ok);
}

/* client/recv: every reply until the call ends. */
static enum status chat_receive(struct chat_run *r, struct status_detail *why)
{
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_client(r->s), &msg, why)) == STATUS_OK)
        chat_check(r, &msg);
    frame_msg_free(&msg);
    chat_release(r, 0); /* never leave client/send waiting */
    return st;
}

/* What client/send did. */
static void chat_say_sender(struct cli *c, const struct chat_run *r)
{
    if (!r->joined)
        fprintf(c->out, "client/send: the JOIN did not go: %s\n",
                status_name(r->sent_end));
    else if (!r->welcomed)
        fprintf(c->out, "client/send sent JOIN; no WELCOME came first, so "
                        "no TEXT went%s\n",
                r->closed ? ", only CloseSend" : "");
    else if (r->closed)
        fprintf(c->out, "client/send sent JOIN, waited for the WELCOME, "
                        "then %d TEXTs and CloseSend\n",
                r->texts);
    else
        fprintf(c->out, "client/send sent JOIN and %d TEXTs, then ended "
                        "with %s\n",
                r->texts, status_name(r->sent_end));
}

/* The narration; returns the exit code. */
static int chat_say(struct cli *c, const struct chat_run *r, enum status end,
                    const struct status_detail *why)
{
    char want[CALL_TEXT_MAX];
    int all = r->bad == 0 && r->got == r->n + 2;

    chat_say_sender(c, r);
    if (all)
        fprintf(c->out, "client/recv checked %d replies: WELCOME %s, ACK 1 "
                        "to ACK %d in order, BYE %s\n",
                r->got, CHAT_NAME, r->n, CHAT_NAME);
    else
        fprintf(c->out, "client/recv got %d replies; the session's are "
                        "%d (WELCOME, %d ACKs, BYE)\n",
                r->got, r->n + 2, r->n);
    if (r->bad != 0) {
        chat_reply_text(r->bad - 1, r->n, want, sizeof want);
        fprintf(c->out, "reply %d is \"%s\", not \"%s\"\n", r->bad,
                r->bad_text, r->bad - 1 <= r->n + 1 ? want : "(none)");
    }
    if (end == STATUS_EOF)
        fprintf(c->out, "then EOF: the server finished the session with "
                        "OK\n");
    else
        fprintf(c->out, "the session ended with %s: \"%s\"\n",
                status_name(end), why->text);
    return all && r->closed && end == STATUS_EOF ? 0 : 1;
}

int call_chat(struct cli *c, const char *addr, int n, long long timeout_ms,
              int fd, struct cli_capture *cap)
{
    struct h2_peer peer = {fd, H2_PEER_CLIENT, CHAT_PATH};
    struct wire_type type = {"h2", h2_peer_wire_create, &peer};
    struct stream_options o;
    struct chat_run r;
    struct sched_thread sender;
    struct status_detail why = {STATUS_OK, ""};
    struct trace *t = trace_create();
    enum status st = STATUS_OK;

    memset(&o, 0, sizeof o);
    memset(&r, 0, sizeof r);
    o.wire = &type;
    o.trace = t;
    o.timeout_ns = timeout_ms * 1000000;
    r.n = n;
    if (cli_capture_begin(cap, fd) != STATUS_OK)
        fprintf(c->err, "duplex call: the connection is not captured\n");
    st = stream_create(NULL, &o, &r.s);
    if (st != STATUS_OK) {
        fprintf(c->err, "duplex call: %s\n", status_name(st));
        cli_capture_end(cap);
        trace_destroy(t);
        return 1;
    }
    sched_mutex_init(&r.mu);
    sched_cond_init(&r.replied_cond);
    fprintf(c->out, "duplex call %s chat: %s\n", addr, CHAT_PATH);
    fflush(c->out);
    st = sched_thread_start(&sender, "client/send", chat_sender, &r);
    if (st == STATUS_OK) {
        st = chat_receive(&r, &why);
        sched_thread_join(&sender);
    }
    stream_destroy(r.s);
    cli_capture_end(cap);
    sched_cond_destroy(&r.replied_cond);
    sched_mutex_destroy(&r.mu);
    timeline_print(t, c->out, c->colour);
    trace_destroy(t);
    return chat_say(c, &r, st, &why);
}

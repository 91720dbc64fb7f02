/*
 * scenario.c: the chat exercise as a duplex scenario, ex-chat, so that
 * `duplex run`, `--replay`, `--decisions`, `step` and `--svg` show your
 * state machine answering a client on a real (simulated) stream. You do
 * not edit this file: the exercise runner (exercises/run.sh) links it
 * with your chat.c into build/exercises/chat/duplex.
 *
 * Design
 *   The chat test plays tables of messages against your functions, with
 *   no threads; this scenario puts them on a stream instead. A thread
 *   named "client" sends "JOIN alice" and --messages - 1 texts (default
 *   2), half-closes, then reads every answer; a thread named "server"
 *   answers each message with your ex_chat_reply, ends the call with its
 *   status and words when it fails, and at EOF sends ex_chat_end's
 *   answer (when there is one) and finishes OK. The client checks the
 *   answers: "WELCOME alice", "ACK 1", "ACK 2", .., "BYE alice".
 */
#include <stdio.h>
#include <string.h>

#include "chat.h"
#include "core/sched.h"
#include "core/stream.h"
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/scenario.h"

/* Read by registry.c, built with REGISTRY_EXTRA=scenario_exercise. */
extern const struct scenario scenario_exercise;

#define EX_MAX_MSGS 8
#define EX_REPLY_MAX 64

struct ex_call {
    struct stream *s;
    int n;                  /* messages: the JOIN, then n - 1 texts */
    int answers;            /* answers the client read that were right */
    int wrong;              /* 0, or 1 + the first answer that was not */
    char got[EX_REPLY_MAX]; /* that answer */
    enum status end;        /* how the client's reading ended */
    struct status_detail why;
    enum status server; /* how the server's loop ended */
};

/* Message i of the client: the JOIN, then texts. */
static void ex_message_at(int i, char *out, size_t cap)
{
    if (i == 0)
        snprintf(out, cap, "JOIN alice");
    else
        snprintf(out, cap, "TEXT message %d", i);
}

/* The answer i the client expects: WELCOME, ACKs, then BYE. */
static void ex_answer_at(const struct ex_call *x, int i, char *out, size_t cap)
{
    if (i == 0)
        snprintf(out, cap, "WELCOME alice");
    else if (i < x->n)
        snprintf(out, cap, "ACK %d", i);
    else
        snprintf(out, cap, "BYE alice");
}

static enum status ex_server(void *arg)
{
    struct ex_call *x = arg;
    struct stream_end *e = stream_server(x->s);
    struct ex_chat st = {{0}, 0};
    struct frame_msg msg = {0};
    char text[EX_REPLY_MAX];
    char reply[EX_REPLY_MAX];
    enum status got = STATUS_OK;
    enum status rs = STATUS_OK;

    while ((got = stream_recv(e, &msg, NULL)) == STATUS_OK) {
        snprintf(text, sizeof text, "%.*s", (int)msg.length,
                 (const char *)msg.data);
        rs = ex_chat_reply(&st, text, reply, sizeof reply);
        if (rs != STATUS_OK)
            break;
        got = stream_send(e, reply, strlen(reply), NULL);
        if (got != STATUS_OK)
            break;
    }
    frame_msg_free(&msg);
    if (rs != STATUS_OK)
        x->server = stream_finish(e, rs, reply);
    else if (got == STATUS_EOF) {
        rs = ex_chat_end(&st, reply, sizeof reply);
        if (rs == STATUS_OK && reply[0] != '\0')
            stream_send(e, reply, strlen(reply), NULL);
        x->server = stream_finish(e, rs, rs == STATUS_OK ? NULL : reply);
    } else
        x->server = got;
    return STATUS_OK;
}

static enum status ex_client(void *arg)
{
    struct ex_call *x = arg;
    struct stream_end *e = stream_client(x->s);
    struct frame_msg msg = {0};
    char text[EX_REPLY_MAX];
    char want[EX_REPLY_MAX];
    int i = 0;

    for (i = 0; i < x->n; i++) {
        ex_message_at(i, text, sizeof text);
        if (stream_send(e, text, strlen(text), NULL) != STATUS_OK)
            break;
    }
    stream_close_send(e);
    while ((x->end = stream_recv(e, &msg, &x->why)) == STATUS_OK) {
        ex_answer_at(x, x->answers, want, sizeof want);
        if (x->wrong == 0 && same_text(&msg, want)) {
            x->answers++;
        } else if (x->wrong == 0) {
            x->wrong = x->answers + 1;
            snprintf(x->got, sizeof x->got, "%.*s", (int)msg.length,
                     (const char *)msg.data);
        }
    }
    frame_msg_free(&msg);
    return STATUS_OK;
}

/* The verdict on what x did, as the run's status and words. */
static enum status judge(const struct ex_call *x, struct scenario_result *r)
{
    char want[EX_REPLY_MAX];

    if (x->wrong > 0) {
        ex_answer_at(x, x->wrong - 1, want, sizeof want);
        return status_detail_set(&r->why, STATUS_INTERNAL,
                                 "answer %d is \"%s\" (expected \"%s\")",
                                 x->wrong, x->got, want);
    }
    if (x->end != STATUS_EOF)
        return status_detail_set(&r->why, x->end,
                                 "the server ended the call with %s \"%s\" "
                                 "after %d answer(s)",
                                 status_name(x->end), x->why.text, x->answers);
    if (x->answers != x->n + 1)
        return status_detail_set(&r->why, STATUS_INTERNAL, "%d answer(s) of %d",
                                 x->answers, x->n + 1);
    return STATUS_OK;
}

static enum status run_ex_chat(const struct scenario *sc,
                               const struct scenario_options *o,
                               struct scenario_result *r)
{
    struct ex_call x;
    struct stream_options so;
    struct sched_thread server;
    struct sched_thread client;

    memset(&x, 0, sizeof x);
    x.n = call_messages(sc, o) + 1;
    x.end = x.server = STATUS_UNKNOWN;
    memset(&so, 0, sizeof so);
    so.capacity = call_capacity(sc, o);
    so.trace = o->trace;
    if (stream_create(NULL, &so, &x.s) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    if (sched_thread_start(&server, "server", ex_server, &x) != STATUS_OK) {
        stream_destroy(x.s);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    if (sched_thread_start(&client, "client", ex_client, &x) == STATUS_OK)
        sched_thread_join(&client);
    else
        stream_cancel(stream_client(x.s));
    sched_thread_join(&server);
    r->stats = stream_get_stats(x.s);
    stream_destroy(x.s);
    scenario_say(r, "client sent JOIN and %d text(s), then CloseSend", x.n - 1);
    scenario_say(r, "client read %d right answer(s) of %d, then %s", x.answers,
                 x.n + 1, status_name(x.end));
    return judge(&x, r);
}

static enum status check_ex_chat(const struct scenario *sc,
                                 const struct scenario_options *o,
                                 struct status_detail *why)
{
    if (call_messages(sc, o) + 1 > EX_MAX_MSGS)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s sends at most %d texts", sc->name,
                                 EX_MAX_MSGS - 1);
    return STATUS_OK;
}

/* Every answer was right, and the call ended OK. */
static int session(const struct scenario_progress *p)
{
    return p->result != NULL && p->result->status == STATUS_OK;
}

/* The client half-closed before the server answered the JOIN. */
static int closed_first(const struct scenario_progress *p)
{
    return challenge_closed_before_first_read(p);
}

/* The goals of `duplex step ex-chat`. */
static const struct scenario_challenge ex_challenges[] = {
    {"session", "play a whole session: WELCOME, every ACK, BYE, OK", 0,
     session},
    {"closed-first",
     "make the client send everything and CloseSend before the server "
     "reads the JOIN",
     0, closed_first},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_exercise = {
    .name = "ex-chat",
    .summary = "the chat exercise: your ex_chat_reply answering a client "
               "on a stream",
    .default_messages = 2,
    .expected = SCENARIO_EXIT_OK,
    .body = run_ex_chat,
    .check = check_ex_chat,
    .challenges = ex_challenges,
};

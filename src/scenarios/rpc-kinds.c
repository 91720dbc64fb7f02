/*
 * rpc-kinds: the four kinds of gRPC call on the same stream machinery
 * (--kind unary|server|client|bidi). They differ only in who sends how
 * many messages and who half-closes when:
 *
 *   unary   1 request, 1 reply     the generated client sends and
 *                                  half-closes for you
 *   server  1 request, N replies   the same: CloseSend is in the stub
 *   client  N requests, 1 reply    your code sends; CloseAndRecv
 *                                  half-closes and reads the one reply
 *   bidi    N requests, N replies  your code sends and calls CloseSend
 *
 * There is no mistake to fix: each kind ends OK. The run counts what each
 * side sent and read and who half-closed, so the narration says it.
 *
 * Design
 *   One call on the harness. The three kinds whose client is one call of
 *   a generated stub run one client thread, "client/call": it sends its
 *   requests, half-closes, then reads replies until EOF (one thread is
 *   enough because the server of those kinds never needs the client to
 *   read while it still sends). bidi runs the two threads of echo:
 *   client/send and client/recv. The server of unary and server
 *   streaming reads its one request and replies without waiting for the
 *   EOF (grpc-go hands the handler the request); the server of client
 *   streaming and bidi reads until EOF. Each reply's text is checked by
 *   the client, and each side's counts against the kind's after the run.
 */
#include <string.h>

#include "core/trace.h"
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/registry.h"

enum rpc_kind { KIND_UNARY, KIND_SERVER, KIND_CLIENT, KIND_BIDI };

static const char *const rpc_kind_names[] = {"unary", "server", "client",
                                             "bidi", NULL};

/* What one kind is: its counts, who half-closes, when to use it. */
struct rpc_kind_info {
    int many_requests;  /* the client sends n (else 1) */
    int many_replies;   /* the server sends n (else 1) */
    const char *closer; /* who calls CloseSend, in grpc-go */
    const char *use;    /* the articles' "when to use which" */
};

static const struct rpc_kind_info rpc_kinds[] = {
    [KIND_UNARY] = {0, 0, "the generated client (inside the call)",
                    "use it for: one question, one answer (a lookup, a "
                    "command)"},
    [KIND_SERVER] = {0, 1, "the generated client (right after the request)",
                     "use it for: one question, an answer that arrives in "
                     "parts (a feed, a large result, progress)"},
    [KIND_CLIENT] = {1, 0, "CloseAndRecv, which your code calls",
                     "use it for: many parts, one answer (an upload, a "
                     "batch of measurements)"},
    [KIND_BIDI] = {1, 1, "your code's client/send, when it has sent all",
                   "use it for: both sides talk while the call lasts (chat, "
                   "a control loop, a session)"},
};

struct rpc_call {
    struct call c; /* first: tasks get a struct call * */
    enum rpc_kind kind;
};

/* The kind o names (its first, unary, when it names none). */
static enum rpc_kind rpc_kind_of(const struct scenario_options *o)
{
    int i = 0;

    for (i = 0; o->kind != NULL && rpc_kind_names[i] != NULL; i++)
        if (strcmp(rpc_kind_names[i], o->kind) == 0)
            return (enum rpc_kind)i;
    return KIND_UNARY;
}

static int rpc_requests(const struct rpc_call *rc)
{
    return rpc_kinds[rc->kind].many_requests ? rc->c.n : 1;
}

static int rpc_replies(const struct rpc_call *rc)
{
    return rpc_kinds[rc->kind].many_replies ? rc->c.n : 1;
}

/*
 * The text of reply i (0-based) of rc's kind: unary and bidi answer a
 * request ("echo: TEXT"), server streaming numbers its parts, client
 * streaming sums up what it read.
 */
static int rpc_reply_text(const struct rpc_call *rc, int i, char *out,
                          size_t cap)
{
    char text[CALL_TEXT_MAX];

    if (rc->kind == KIND_SERVER)
        return snprintf(out, cap, "part %d of %d", i + 1, rc->c.n);
    if (rc->kind == KIND_CLIENT)
        return snprintf(out, cap, "got %d messages", rc->c.server_got);
    message_text(i, text, sizeof text);
    return snprintf(out, cap, "echo: %s", text);
}

/* Server: sends reply i. Returns send's status. */
static enum status rpc_reply(struct rpc_call *rc, int i)
{
    struct call *c = &rc->c;
    char out[CALL_TEXT_MAX + 8];
    int len = rpc_reply_text(rc, i, out, sizeof out);
    enum status st =
        stream_send(stream_server(c->s), out, (size_t)len, &c->server_why);

    c->server_sent += st == STATUS_OK;
    return st;
}

/*
 * Server: reads requests (one for unary and server streaming, else until
 * EOF), sends the kind's replies, and finishes OK.
 */
static enum status rpc_server(void *arg)
{
    struct rpc_call *rc = arg;
    struct call *c = &rc->c;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;
    int i = 0;

    while ((st = stream_recv(stream_server(c->s), &msg, &c->server_why)) ==
           STATUS_OK) {
        c->server_got++;
        if (rc->kind == KIND_BIDI &&
            (st = rpc_reply(rc, c->server_got - 1)) != STATUS_OK)
            goto out;
        if (!rpc_kinds[rc->kind].many_requests)
            break;
    }
    if (st != STATUS_OK && st != STATUS_EOF)
        goto out;
    for (i = 0; rc->kind != KIND_BIDI && i < rpc_replies(rc); i++)
        if ((st = rpc_reply(rc, i)) != STATUS_OK)
            goto out;
    st = stream_finish(stream_server(c->s), STATUS_OK, NULL);
out:
    c->server_end = st;
    frame_msg_free(&msg);
    return st;
}

/* Client: reads replies until the call's end, checking each one's text. */
static enum status rpc_read_replies(struct rpc_call *rc,
                                    struct status_detail *why)
{
    struct call *c = &rc->c;
    struct frame_msg msg = {0};
    char want[CALL_TEXT_MAX + 8];
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_client(c->s), &msg, why)) == STATUS_OK) {
        if (rc->kind == KIND_CLIENT)
            snprintf(want, sizeof want, "got %d messages", rpc_requests(rc));
        else
            rpc_reply_text(rc, c->client_got, want, sizeof want);
        if (!same_text(&msg, want))
            broken(c->r, "reply %d is not \"%s\"", c->client_got + 1, want);
        c->client_got++;
    }
    c->receiver_end = st;
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

/*
 * client/call, the one thread of a unary, server- or client-streaming
 * call: sends the requests, half-closes, reads the replies.
 */
static enum status rpc_client_call(void *arg, struct status_detail *why)
{
    struct rpc_call *rc = arg;
    struct call *c = &rc->c;
    char text[CALL_TEXT_MAX];
    enum status st = STATUS_OK;
    int len = 0;

    for (; c->client_sent < rpc_requests(rc); c->client_sent++) {
        len = message_text(c->client_sent, text, sizeof text);
        st = stream_send(stream_client(c->s), text, (size_t)len, why);
        if (st != STATUS_OK)
            break;
    }
    if (st == STATUS_OK) {
        st = stream_close_send(stream_client(c->s));
        c->closed_send = st == STATUS_OK;
    }
    c->sender_end = st;
    if (st != STATUS_OK && st != STATUS_EOF)
        return st;
    return rpc_read_replies(rc, why);
}

/* client/recv of a bidi call. */
static enum status rpc_client_recv(void *arg, struct status_detail *why)
{
    return rpc_read_replies(arg, why);
}

/* The counts the kind promises, checked once every thread is joined. */
static void rpc_check(struct rpc_call *rc)
{
    struct call *c = &rc->c;

    if (c->client_sent != rpc_requests(rc) || c->server_got != c->client_sent)
        broken(c->r,
               "the client sent %d requests and the server read %d, "
               "not %d",
               c->client_sent, c->server_got, rpc_requests(rc));
    if (c->server_sent != rpc_replies(rc) || c->client_got != c->server_sent)
        broken(c->r,
               "the server sent %d replies and the client read %d, "
               "not %d",
               c->server_sent, c->client_got, rpc_replies(rc));
    if (!c->closed_send)
        broken(c->r, "the client did not half-close");
}

static void rpc_say(struct scenario_result *r, const struct rpc_call *rc,
                    int threads)
{
    const struct call *c = &rc->c;
    const struct rpc_kind_info *k = &rpc_kinds[rc->kind];

    scenario_say(r, "%s call: %d request%s, %d repl%s, %d client thread%s",
                 rpc_kind_names[rc->kind], c->client_sent,
                 c->client_sent == 1 ? "" : "s", c->client_got,
                 c->client_got == 1 ? "y" : "ies", threads,
                 threads == 1 ? "" : "s");
    if (c->closed_send)
        scenario_say(r,
                     "the client half-closed after %d request%s: in "
                     "grpc-go, %s",
                     c->client_sent, c->client_sent == 1 ? "" : "s", k->closer);
    else
        scenario_say(r, "the client sent %d, then ended with %s",
                     c->client_sent, status_name(c->sender_end));
    scenario_say(r, "server read %d and sent %d, then ended with %s",
                 c->server_got, c->server_sent, status_name(c->server_end));
    scenario_say(r, "client read %d repl%s, then %s", c->client_got,
                 c->client_got == 1 ? "y" : "ies",
                 status_name(c->receiver_end));
    scenario_say(r, "%s", k->use);
}

static enum status run_rpc_kinds(const struct scenario *scn,
                                 const struct scenario_options *o,
                                 struct scenario_result *r)
{
    static const struct task one[] = {{"client/call", rpc_client_call}};
    static const struct task two[] = {{"client/send", send_then_close},
                                      {"client/recv", rpc_client_recv}};
    struct rpc_call rc;
    enum status st = STATUS_OK;
    size_t ntasks = 0;

    memset(&rc, 0, sizeof rc);
    rc.kind = rpc_kind_of(o);
    call_init(&rc.c, scn, o, r, 1);
    ntasks = rc.kind == KIND_BIDI ? 2 : 1;
    st = run_call(&rc.c, rpc_server, rc.kind == KIND_BIDI ? two : one, ntasks);
    if (call_short(&rc.c))
        return st;
    if (st == STATUS_OK)
        rpc_check(&rc);
    rpc_say(r, &rc, (int)ntasks);
    return st;
}

/* The server sent a reply before the client half-closed. */
static int reply_before_close(const struct scenario_progress *p)
{
    return challenge_before(challenge_find(p, 0, TRACE_SEND, "server"),
                            challenge_find(p, 0, TRACE_CLOSE_SEND, NULL));
}

/* The goals of `duplex step rpc-kinds` (see scenario.h). */
static const struct scenario_challenge rpc_challenges[] = {
    {"reply-first",
     "make the server send a reply before the client half-closes (which "
     "kinds allow it?)",
     0, reply_before_close},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_rpc_kinds = {
    .name = "rpc-kinds",
    .summary = "--kind unary|server|client|bidi: who sends how many, who "
               "half-closes",
    .default_messages = 3,
    .expected = SCENARIO_EXIT_OK,
    .body = run_rpc_kinds,
    .challenges = rpc_challenges,
    .kinds = rpc_kind_names,
};

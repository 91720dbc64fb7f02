/*
 * scenario: the lesson scenarios, on real threads through sched.
 *
 * Design
 *   Every scenario is one call (struct call): a stream, a server thread and
 *   a group of client threads. run_call() starts them, waits for the group
 *   (errgroup: first error wins) and joins the server, so each scenario
 *   only writes its thread bodies and its narration.
 *
 *   Thread bodies never assert: they store what they saw in struct call,
 *   and the scenario checks its invariants after every thread is joined
 *   (a message lost, duplicated, reordered or altered sets r->broken).
 *
 *   Handshakes (struct latch) order threads where a lesson needs a fixed
 *   order, for example "cancel only after every update is buffered"; no
 *   scenario sleeps to order threads. The backpressure scenario sleeps to
 *   play a slow receiver, which is what it is about.
 */
#include "scenario.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "group.h"
#include "pipe.h"
#include "sched.h"
#include "trace.h"

#define TEXT_MAX 128

/* ---- narration ---------------------------------------------------------- */

void scenario_say(struct scenario_result *r, const char *fmt, ...)
{
    size_t room = sizeof r->report - r->report_len;
    va_list ap;
    int n = 0;

    if (room < 2)
        return;
    va_start(ap, fmt);
    n = vsnprintf(r->report + r->report_len, room - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    r->report_len += (size_t)n < room - 1 ? (size_t)n : room - 2;
    r->report[r->report_len++] = '\n';
    r->report[r->report_len] = '\0';
}

/* Records the first broken invariant; later ones add nothing. */
static void broken(struct scenario_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void broken(struct scenario_result *r, const char *fmt, ...)
{
    va_list ap;

    if (r->broken[0] != '\0')
        return;
    va_start(ap, fmt);
    vsnprintf(r->broken, sizeof r->broken, fmt, ap);
    va_end(ap);
}

/* ---- a one-shot or counting handshake ----------------------------------- */

struct latch {
    struct sched_mutex mu;
    struct sched_cond opened;
    int count; /* open when it reaches 0 */
};

static void latch_init(struct latch *l, int count)
{
    sched_mutex_init(&l->mu);
    sched_cond_init(&l->opened);
    l->count = count;
}

static void latch_destroy(struct latch *l)
{
    sched_cond_destroy(&l->opened);
    sched_mutex_destroy(&l->mu);
}

static void latch_count_down(struct latch *l)
{
    sched_mutex_lock(&l->mu);
    if (l->count > 0 && --l->count == 0)
        sched_cond_broadcast(&l->opened);
    sched_mutex_unlock(&l->mu);
}

/* Returns STATUS_OK when open, or STATUS_DEADLOCK (SIM mode) to unwind. */
static enum status latch_wait(struct latch *l)
{
    enum status st = STATUS_OK;

    sched_mutex_lock(&l->mu);
    while (l->count > 0 && st == STATUS_OK)
        st = sched_cond_wait(&l->opened, &l->mu);
    sched_mutex_unlock(&l->mu);
    return st;
}

/* ---- one call ----------------------------------------------------------- */

struct call {
    struct stream *s;
    struct stream_options so;
    struct scenario_result *r;
    int n; /* messages the scenario is about */
    int fix;
    int forget_close_send; /* the bug of forgot-close-send */
    int (*text)(int i, char *out, size_t cap); /* message i's text */
    struct latch latch;                        /* scenario-specific handshake */
    /* the server's view */
    int server_got;
    int server_sent;
    enum status server_end; /* its last operation's status */
    struct status_detail server_why;
    /* the client's view */
    int client_sent;
    int client_got;
    enum status sender_end;
    enum status receiver_end;
};

struct task {
    const char *name;
    group_fn fn;
};

/* The text of message i: a few words, then numbered ones. */
static int message_text(int i, char *out, size_t cap)
{
    static const char *const words[] = {"hello", "how are you?", "bye"};

    if (i < 3)
        return snprintf(out, cap, "%s", words[i]);
    return snprintf(out, cap, "message %d", i + 1);
}

static int same_text(const struct frame_msg *m, const char *text)
{
    size_t len = strlen(text);

    return m->length == len && memcmp(m->data, text, len) == 0;
}

static void call_init(struct call *c, const struct scenario *sc,
                      const struct scenario_options *o,
                      struct scenario_result *r)
{
    memset(c, 0, sizeof *c);
    c->r = r;
    c->fix = o->fix;
    c->n = o->messages > 0 ? o->messages : sc->default_messages;
    c->text = message_text;
    c->so.capacity = o->capacity > 0 ? o->capacity : sc->default_capacity;
    if (c->so.capacity == 0)
        c->so.capacity = PIPE_DEFAULT_CAPACITY;
    c->so.trace = o->trace;
    if (o->timeout_ms > 0)
        c->so.timeout_ns = o->timeout_ms * 1000000;
    c->server_end = STATUS_OK;
    c->sender_end = STATUS_OK;
    c->receiver_end = STATUS_OK;
    latch_init(&c->latch, 1);
}

/*
 * Runs server on a thread named "server" and each task in a group, then
 * waits for all. Returns the group's first error (its words in r->why).
 */
static enum status run_call(struct call *c, sched_fn server,
                            const struct task *tasks, size_t ntasks)
{
    struct group *g = NULL;
    struct sched_thread srv;
    enum status st = STATUS_OK;
    size_t i = 0;

    if (group_create(NULL, &g) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    st = stream_create(group_context(g), &c->so, &c->s);
    if (st == STATUS_OK) {
        st = sched_thread_start(&srv, "server", server, c);
        if (st != STATUS_OK)
            stream_destroy(c->s);
    }
    if (st != STATUS_OK) {
        group_destroy(g);
        return st;
    }
    for (i = 0; i < ntasks; i++)
        group_go(g, tasks[i].name, tasks[i].fn, c);
    st = group_wait(g, &c->r->why);
    sched_thread_join(&srv);
    c->r->stats = stream_get_stats(c->s);
    stream_destroy(c->s);
    c->s = NULL;
    group_destroy(g);
    latch_destroy(&c->latch);
    c->r->status = st;
    return st;
}

/* Messages sent in a direction that its receiver never got. */
static uint64_t lost(const struct scenario_result *r, int dir)
{
    return r->stats.sent[dir] - r->stats.received[dir];
}

/* ---- threads shared by several scenarios -------------------------------- */

/* Server: echo every message as "echo: <text>" until EOF, then finish OK. */
static enum status echo_server(void *arg)
{
    struct call *c = arg;
    struct stream_end *e = &c->s->server;
    struct frame_msg msg = {0};
    char out[TEXT_MAX + 8];
    enum status st = STATUS_OK;

    for (;;) {
        int len = 0;

        st = stream_recv(e, &msg, &c->server_why);
        if (st != STATUS_OK)
            break;
        c->server_got++;
        len = snprintf(out, sizeof out, "echo: %.*s",
                       (int)(msg.length < TEXT_MAX ? msg.length : TEXT_MAX),
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

/*
 * Client sender: send n messages, then half-close (unless the scenario is
 * the one about forgetting to). An EOF from send means the server ended
 * the call: the receiver will read its status, so that is not an error.
 */
static enum status client_sender(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    char text[TEXT_MAX];
    enum status st = STATUS_OK;
    int i = 0;

    for (i = 0; i < c->n && st == STATUS_OK; i++) {
        int len = c->text(i, text, sizeof text);

        st = stream_send(&c->s->client, text, (size_t)len, why);
        if (st == STATUS_OK)
            c->client_sent++;
    }
    c->sender_end = st;
    if (st == STATUS_EOF)
        return STATUS_OK;
    if (st != STATUS_OK || c->forget_close_send)
        return st;
    return stream_close_send(&c->s->client);
}

/* Client receiver: every echo, in order, then the call's end. */
static enum status echo_receiver(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    struct frame_msg msg = {0};
    char text[TEXT_MAX];
    char want[TEXT_MAX + 8];
    enum status st = STATUS_OK;

    while ((st = stream_recv(&c->s->client, &msg, why)) == STATUS_OK) {
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

static void check_echo_counts(struct call *c)
{
    if (c->client_got != c->server_sent)
        broken(c->r, "client got %d echoes, server sent %d", c->client_got,
               c->server_sent);
    if (c->server_got != c->client_sent)
        broken(c->r, "server got %d messages, client sent %d", c->server_got,
               c->client_sent);
}

/* ---- echo --------------------------------------------------------------- */

static enum status run_echo(const struct scenario *sc,
                            const struct scenario_options *o,
                            struct scenario_result *r)
{
    static const struct task tasks[] = {{"client/send", client_sender},
                                        {"client/recv", echo_receiver}};
    struct call c;
    enum status st = STATUS_OK;

    call_init(&c, sc, o, r);
    st = run_call(&c, echo_server, tasks, 2);
    if (st == STATUS_OK) { /* a deadline drops what was in flight */
        check_echo_counts(&c);
        if (c.client_sent != c.n)
            broken(r, "client sent %d of %d messages", c.client_sent, c.n);
    }
    scenario_say(r,
                 "client/send sent %d messages, then CloseSend "
                 "(half-close of c2s)",
                 c.client_sent);
    scenario_say(r, "server echoed %d, saw EOF on c2s, and finished with OK",
                 c.server_sent);
    scenario_say(r, "client/recv got %d echoes in order, then EOF on s2c",
                 c.client_got);
    return st;
}

/* ---- forgot-close-send -------------------------------------------------- */

static enum status run_forgot_close_send(const struct scenario *sc,
                                         const struct scenario_options *o,
                                         struct scenario_result *r)
{
    static const struct task tasks[] = {{"client/send", client_sender},
                                        {"client/recv", echo_receiver}};
    struct call c;
    enum status st = STATUS_OK;
    int64_t ms = 0;

    call_init(&c, sc, o, r);
    c.forget_close_send = !c.fix;
    ms = c.so.timeout_ns / 1000000;
    st = run_call(&c, echo_server, tasks, 2);
    check_echo_counts(&c);
    if (c.fix) {
        scenario_say(r,
                     "client/send called stream_close_send after its %d "
                     "messages: the server saw EOF and finished",
                     c.client_sent);
        return st;
    }
    scenario_say(r,
                 "client/send sent %d messages and returned without "
                 "calling stream_close_send",
                 c.client_sent);
    scenario_say(r,
                 "server echoed all %d, then waited for EOF on c2s; "
                 "client/recv waited for the server's status",
                 c.server_sent);
    if (st == STATUS_DEADLINE_EXCEEDED)
        scenario_say(r,
                     "nobody could move until the %lld ms deadline: every "
                     "blocked recv woke with DEADLINE_EXCEEDED",
                     (long long)ms);
    else if (st == STATUS_DEADLOCK)
        scenario_say(r, "nobody could ever move: without a deadline that "
                        "is a hang (the simulator reports it as a deadlock)");
    else
        broken(r,
               "the call ended with %s, not a deadlock or "
               "DEADLINE_EXCEEDED",
               status_name(st));
    scenario_say(r, "fix: call stream_close_send (CloseSend) after the last "
                    "send; see `duplex run forgot-close-send --fix`");
    return st;
}

/* ---- backpressure ------------------------------------------------------- */

/* Server: a slow reader (2 ms a message), then one summary, then OK. */
static enum status slow_server(void *arg)
{
    struct call *c = arg;
    struct stream_end *e = &c->s->server;
    struct frame_msg msg = {0};
    char out[TEXT_MAX];
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

    while ((st = stream_recv(&c->s->client, &msg, why)) == STATUS_OK)
        c->client_got++;
    c->receiver_end = st;
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

static enum status run_backpressure(const struct scenario *sc,
                                    const struct scenario_options *o,
                                    struct scenario_result *r)
{
    static const struct task tasks[] = {{"client/send", client_sender},
                                        {"client/recv", count_receiver}};
    struct call c;
    enum status st = STATUS_OK;

    call_init(&c, sc, o, r);
    c.text = chunk_text;
    st = run_call(&c, slow_server, tasks, 2);
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
    scenario_say(r,
                 "nothing was lost: %d sent, %d received. Backpressure "
                 "slows the sender to the receiver's pace",
                 c.client_sent, c.server_got);
    return st;
}

/* ---- send-after-eof ----------------------------------------------------- */

/* Server: read everything, then send two more messages after EOF. */
static enum status after_eof_server(void *arg)
{
    struct call *c = arg;
    struct stream_end *e = &c->s->server;
    struct frame_msg msg = {0};
    char out[TEXT_MAX];
    enum status st = STATUS_OK;
    int len = 0;

    while ((st = stream_recv(e, &msg, &c->server_why)) == STATUS_OK)
        c->server_got++;
    if (st == STATUS_EOF) {
        len = snprintf(out, sizeof out, "you sent %d messages", c->server_got);
        st = stream_send(e, out, (size_t)len, &c->server_why);
        if (st == STATUS_OK)
            st = stream_send(e, "bye", 3, &c->server_why);
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
    char want[TEXT_MAX];
    enum status st = client_sender(c, why);

    if (st != STATUS_OK)
        return st;
    snprintf(want, sizeof want, "you sent %d messages", c->client_sent);
    while ((st = stream_recv(&c->s->client, &msg, why)) == STATUS_OK) {
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

    call_init(&c, sc, o, r);
    st = run_call(&c, after_eof_server, tasks, 1);
    if (st == STATUS_OK && c.client_got != 2)
        broken(r, "client got %d messages after CloseSend, not 2",
               c.client_got);
    scenario_say(r, "client sent %d messages and half-closed at once",
                 c.client_sent);
    scenario_say(r,
                 "server read %d, saw EOF, and still sent 2 messages: "
                 "EOF closes one direction, not the call",
                 c.server_got);
    scenario_say(r,
                 "client got both (%d) before its own EOF: the server's "
                 "messages come first, then its status",
                 c.client_got);
    return st;
}

/* ---- cancel-vs-drain ---------------------------------------------------- */

/* Server: send n updates, finish OK, then tell the client it is done. */
static enum status updates_server(void *arg)
{
    struct call *c = arg;
    struct stream_end *e = &c->s->server;
    char out[TEXT_MAX];
    enum status st = STATUS_OK;
    int i = 0;

    for (i = 0; i < c->n && st == STATUS_OK; i++) {
        int len = snprintf(out, sizeof out, "update %d of %d", i + 1, c->n);

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
    struct stream_end *e = &c->s->client;
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

static enum status run_cancel_vs_drain(const struct scenario *sc,
                                       const struct scenario_options *o,
                                       struct scenario_result *r)
{
    static const struct task tasks[] = {{"client", cancel_client}};
    struct call c;
    enum status st = STATUS_OK;

    if (scenario_check(sc, o, &r->why) != STATUS_OK) {
        r->usage_error = 1;
        return STATUS_INVALID_ARGUMENT;
    }
    call_init(&c, sc, o, r);
    st = run_call(&c, updates_server, tasks, 1);
    if ((uint64_t)c.client_got + lost(r, STREAM_S2C) != (uint64_t)c.n)
        broken(r, "%d updates read + %llu lost != %d sent", c.client_got,
               (unsigned long long)lost(r, STREAM_S2C), c.n);
    scenario_say(r, "server sent %d updates and finished with OK",
                 c.server_sent);
    if (c.fix) {
        scenario_say(r,
                     "client read all %d, saw EOF, then cancelled: the "
                     "call had already ended OK, so nothing was lost",
                     c.client_got);
        return st;
    }
    scenario_say(r,
                 "client read %d, then cancelled with %llu updates "
                 "(%llu bytes) still buffered in s2c: lost",
                 c.client_got, (unsigned long long)lost(r, STREAM_S2C),
                 (unsigned long long)r->stats.bytes_discarded[STREAM_S2C]);
    scenario_say(r, "they had arrived; cancel is RST_STREAM and throws "
                    "away what is buffered. Drain to EOF first: --fix");
    return st;
}

/* ---- error-propagation -------------------------------------------------- */

/* Client receiver: rejects the third echo, as a validation failure. */
static enum status failing_receiver(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    struct frame_msg msg = {0};
    int fail_at = c->n < 3 ? c->n : 3;
    enum status st = STATUS_OK;

    while ((st = stream_recv(&c->s->client, &msg, why)) == STATUS_OK) {
        if (++c->client_got == fail_at) {
            st = status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                   "echo %d failed validation", fail_at);
            break;
        }
    }
    c->receiver_end = st;
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

static enum status run_error_propagation(const struct scenario *sc,
                                         const struct scenario_options *o,
                                         struct scenario_result *r)
{
    static const struct task tasks[] = {{"client/send", client_sender},
                                        {"client/recv", failing_receiver}};
    struct call c;
    enum status st = STATUS_OK;

    call_init(&c, sc, o, r);
    st = run_call(&c, echo_server, tasks, 2);
    if (st != STATUS_INVALID_ARGUMENT && st != STATUS_DEADLINE_EXCEEDED)
        broken(r,
               "group_wait returned %s, not the first error "
               "INVALID_ARGUMENT",
               status_name(st));
    if (c.sender_end != STATUS_CANCELLED &&
        c.sender_end != STATUS_DEADLINE_EXCEEDED && c.client_sent < c.n)
        broken(r, "the sender ended with %s, not CANCELLED",
               status_name(c.sender_end));
    scenario_say(r, "client/recv failed first: %s: %s",
                 status_name(c.receiver_end), r->why.text);
    scenario_say(r, "the group cancelled its context; the call was torn "
                    "down in both directions");
    scenario_say(r,
                 "client/send had sent %d and ended with %s (blocked "
                 "%llu times on a full c2s)",
                 c.client_sent, status_name(c.sender_end),
                 (unsigned long long)r->stats.write_waits[STREAM_C2S]);
    scenario_say(r,
                 "server ended with %s; group_wait returned the first "
                 "error, %s, not a sibling's CANCELLED",
                 status_name(c.server_end), status_name(st));
    return st;
}

/* ---- chat --------------------------------------------------------------- */

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
    struct stream_end *e = &c->s->server;
    struct frame_msg msg = {0};
    char name[32] = "";
    char out[TEXT_MAX];
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
    struct stream_end *e = &c->s->client;
    char text[TEXT_MAX];
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
    return stream_close_send(e);
}

/* Client receiver: WELCOME, then ACK 1..n in order, then BYE, then EOF. */
static enum status chat_receiver(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    struct frame_msg msg = {0};
    char want[TEXT_MAX];
    enum status st = STATUS_OK;

    while ((st = stream_recv(&c->s->client, &msg, why)) == STATUS_OK) {
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

    call_init(&c, sc, o, r);
    st = run_call(&c, chat_server, tasks, 2);
    if (st == STATUS_OK && c.client_got != c.n + 2)
        broken(r, "client got %d replies, not %d", c.client_got, c.n + 2);
    scenario_say(r, "JOIN -> WELCOME: the sender waits for the welcome "
                    "before it sends any TEXT");
    scenario_say(r,
                 "TEXT x%d -> ACK 1..%d, in order, while the sender "
                 "keeps sending",
                 c.n, c.n);
    scenario_say(r, "CloseSend -> BYE, then the server's OK: the session "
                    "state machine ended cleanly");
    return st;
}

/* ---- concurrent-senders ------------------------------------------------- */

/* Two producers' messages look like "A:0001 hello" (12 bytes). */
#define CS_LEN 12

struct cs_queue {
    struct sched_mutex mu;
    struct sched_cond changed; /* an item was added or taken, or closed */
    char items[16][CS_LEN + 1];
    int head, count;
    int producers; /* still producing; 0 and empty means done */
};

struct cs_call {
    struct call c;     /* first: tasks get a struct call * */
    struct latch gate; /* both producers start together */
    struct cs_queue q;
    int next_from[2];    /* server: next index expected per sender */
    char first_bad[192]; /* what the server decoded first, if bad */
};

static int cs_text(char out[CS_LEN + 1], int who, int i)
{
    char tmp[32];

    snprintf(tmp, sizeof tmp, "%c:%04u hello", 'A' + who, (unsigned)i % 10000u);
    memcpy(out, tmp, CS_LEN + 1);
    return CS_LEN;
}

/* The producers' bodies, broken or fixed: who is 0 (A) or 1 (B). */
static enum status cs_produce(struct cs_call *cs, int who,
                              struct status_detail *why)
{
    struct call *c = &cs->c;
    char text[CS_LEN + 1];
    enum status st = STATUS_OK;
    int i = 0;

    /* Both start at once, so their sends overlap from the first one. */
    latch_count_down(&cs->gate);
    st = latch_wait(&cs->gate);
    for (i = 1; i <= c->n && st == STATUS_OK; i++) {
        cs_text(text, who, i);
        if (!c->fix) { /* the bug: both threads call stream_send */
            st = stream_send(&c->s->client, text, CS_LEN, why);
            continue;
        }
        sched_mutex_lock(&cs->q.mu);
        while (cs->q.count == 16 && st == STATUS_OK)
            st = sched_cond_wait(&cs->q.changed, &cs->q.mu);
        if (st != STATUS_OK) { /* a deadlock (SIM mode): unwind */
            sched_mutex_unlock(&cs->q.mu);
            break;
        }
        memcpy(cs->q.items[(cs->q.head + cs->q.count++) % 16], text,
               CS_LEN + 1);
        sched_cond_broadcast(&cs->q.changed);
        sched_mutex_unlock(&cs->q.mu);
    }
    if (c->fix) {
        sched_mutex_lock(&cs->q.mu);
        cs->q.producers--;
        sched_cond_broadcast(&cs->q.changed);
        sched_mutex_unlock(&cs->q.mu);
    }
    latch_count_down(&c->latch);
    return st == STATUS_EOF ? STATUS_OK : st;
}

static enum status cs_producer_a(void *arg, struct status_detail *why)
{
    return cs_produce(arg, 0, why);
}

static enum status cs_producer_b(void *arg, struct status_detail *why)
{
    return cs_produce(arg, 1, why);
}

/* The fix: the only thread that calls stream_send. */
static enum status cs_sender(void *arg, struct status_detail *why)
{
    struct cs_call *cs = arg;
    char text[CS_LEN + 1];
    enum status st = STATUS_OK;
    enum status waited = STATUS_OK;

    for (;;) {
        sched_mutex_lock(&cs->q.mu);
        while (cs->q.count == 0 && cs->q.producers > 0 && waited == STATUS_OK)
            waited = sched_cond_wait(&cs->q.changed, &cs->q.mu);
        if (cs->q.count == 0 || waited != STATUS_OK) {
            sched_mutex_unlock(&cs->q.mu);
            break;
        }
        memcpy(text, cs->q.items[cs->q.head], CS_LEN + 1);
        cs->q.head = (cs->q.head + 1) % 16;
        cs->q.count--;
        sched_cond_broadcast(&cs->q.changed);
        sched_mutex_unlock(&cs->q.mu);
        if (st == STATUS_OK) /* after a failure, keep draining the queue */
            st = stream_send(&cs->c.s->client, text, CS_LEN, why);
    }
    if (st == STATUS_OK)
        st = waited != STATUS_OK ? waited : stream_close_send(&cs->c.s->client);
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* Client: once both producers are done, half-close and read the status. */
static enum status cs_closer(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    st = latch_wait(&c->latch);
    if (st == STATUS_OK && !c->fix)
        stream_close_send(&c->s->client);
    while (st == STATUS_OK &&
           (st = stream_recv(&c->s->client, &msg, why)) == STATUS_OK)
        c->client_got++;
    c->receiver_end = st;
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* A printable picture of a message: bytes outside ASCII as \xNN. */
static void picture(char *out, size_t cap, const struct frame_msg *msg)
{
    size_t n = 0;
    uint32_t i = 0;

    out[0] = '\0';
    for (i = 0; i < msg->length && n + 5 < cap; i++) {
        uint8_t b = msg->data[i];

        if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\')
            n += (size_t)snprintf(out + n, cap - n, "%c", b);
        else
            n += (size_t)snprintf(out + n, cap - n, "\\x%02x", b);
    }
}

/* Is msg the next message of A or B? Says why not in cs->first_bad. */
static int cs_accept(struct cs_call *cs, const struct frame_msg *msg)
{
    char want[CS_LEN + 1];
    char seen[40];
    int who = msg->length > 0 ? msg->data[0] - 'A' : -1;

    if (who == 0 || who == 1) {
        cs_text(want, who, cs->next_from[who] + 1);
        if (same_text(msg, want)) {
            cs->next_from[who]++;
            return 1;
        }
    }
    picture(seen, sizeof seen, msg);
    snprintf(cs->first_bad, sizeof cs->first_bad,
             "message %d decoded as %lu bytes \"%s\": not the next message "
             "of A or B",
             cs->c.server_got + 1, (unsigned long)msg->length, seen);
    return 0;
}

/* Server: checks each message, as an unmarshal would. */
static enum status cs_server(void *arg)
{
    struct cs_call *cs = arg;
    struct call *c = &cs->c;
    struct stream_end *e = &c->s->server;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(e, &msg, &c->server_why)) == STATUS_OK) {
        if (!cs_accept(cs, &msg)) {
            st = stream_finish(e, STATUS_INTERNAL,
                               "grpc: failed to unmarshal the received "
                               "message");
            c->server_why.code = STATUS_INTERNAL;
            break;
        }
        c->server_got++;
    }
    if (st == STATUS_EOF)
        st = stream_finish(e, STATUS_OK, NULL);
    else if (st != STATUS_OK && cs->first_bad[0] == '\0')
        snprintf(cs->first_bad, sizeof cs->first_bad,
                 "after %d good messages, a header: %s: %.120s", c->server_got,
                 status_name(st), c->server_why.text);
    c->server_end = st;
    frame_msg_free(&msg);
    return st;
}

static enum status run_concurrent_senders(const struct scenario *sc,
                                          const struct scenario_options *o,
                                          struct scenario_result *r)
{
    static const struct task broken_tasks[] = {{"client/send-a", cs_producer_a},
                                               {"client/send-b", cs_producer_b},
                                               {"client/recv", cs_closer}};
    static const struct task fixed_tasks[] = {{"client/make-a", cs_producer_a},
                                              {"client/make-b", cs_producer_b},
                                              {"client/send", cs_sender},
                                              {"client/recv", cs_closer}};
    struct cs_call cs;
    enum status st = STATUS_OK;

    memset(&cs, 0, sizeof cs);
    call_init(&cs.c, sc, o, r);
    latch_destroy(&cs.c.latch);
    latch_init(&cs.c.latch, 2);
    latch_init(&cs.gate, 2);
    sched_mutex_init(&cs.q.mu);
    sched_cond_init(&cs.q.changed);
    cs.q.producers = 2;
    if (cs.c.fix)
        st = run_call(&cs.c, cs_server, fixed_tasks, 4);
    else
        st = run_call(&cs.c, cs_server, broken_tasks, 3);
    sched_cond_destroy(&cs.q.changed);
    sched_mutex_destroy(&cs.q.mu);
    latch_destroy(&cs.gate);
    r->garbled = cs.first_bad[0] != '\0';
    if (cs.c.fix && r->garbled)
        broken(r, "the fixed variant garbled the stream: %s", cs.first_bad);
    if (!r->garbled && st == STATUS_OK && cs.c.server_got != 2 * cs.c.n)
        broken(r, "server got %d of %d messages", cs.c.server_got, 2 * cs.c.n);
    if (cs.c.fix) {
        scenario_say(r, "client/make-a and client/make-b queue their "
                        "messages; only client/send calls stream_send");
        scenario_say(r,
                     "server decoded all %d messages intact, A's and B's "
                     "each in order",
                     cs.c.server_got);
        return st;
    }
    scenario_say(r, "client/send-a and client/send-b both call "
                    "stream_send: each frame is two writes (header, payload)");
    if (!r->garbled) {
        scenario_say(r,
                     "this run happened to stay clean (%d messages): the "
                     "bug is still there; run it again, or with more "
                     "--messages",
                     cs.c.server_got);
        return st;
    }
    scenario_say(r, "server: %s", cs.first_bad);
    scenario_say(r,
                 "the garbled stream ends the call with %s; see the "
                 "bytes with --trace hexdump",
                 status_name(st));
    scenario_say(r, "no data race here (the pipe is locked): "
                    "ThreadSanitizer stays quiet, the framing still breaks");
    scenario_say(r, "fix: one sender thread; see `duplex run "
                    "concurrent-senders --fix`");
    return st;
}

/* ---- concurrent-senders-quota ------------------------------------------- */

/*
 * grpc-go's send quota (transport's writeQuota), in miniature. The count is
 * under a lock (no data race), but the wake-up is a channel with one slot:
 * replenish puts a token in only when the quota crosses from <= 0 to > 0,
 * and a waiter re-checks the quota only after taking a token. With two
 * senders waiting, one token wakes one; if the quota stays above zero after
 * it, no crossing will ever make another token, and the second sender waits
 * forever although there is quota. The fix re-checks the quota under the
 * lock and wakes every waiter (broadcast).
 */
#define QUOTA_WINDOW 24 /* two 12-byte messages */

struct quota {
    struct sched_mutex mu;
    struct sched_cond wake; /* the token arrived (fixed: quota changed) */
    long bytes;             /* may go below zero, as grpc-go's does */
    int token;              /* the one-slot channel */
    int fixed;
};

static enum sched_wait_kind describe_quota(const void *obj, char *buf,
                                           size_t cap)
{
    const struct quota *q = obj;

    if (q->fixed)
        snprintf(buf, cap, "send quota (%ld bytes)", q->bytes);
    else
        snprintf(buf, cap, "a send-quota wake-up (quota %ld bytes, %s)",
                 q->bytes,
                 q->token ? "a token waiting"
                          : "no token: the other sender took it");
    return SCHED_WAIT_OTHER;
}

/* Waits for quota until the call's deadline (grpc-go: until it is done). */
static enum status quota_get(struct quota *q, long n, int64_t deadline)
{
    enum status st = STATUS_OK;

    sched_mutex_lock(&q->mu);
    if (q->fixed) {
        while (q->bytes <= 0 && st == STATUS_OK)
            st = sched_cond_timedwait(&q->wake, &q->mu, deadline);
    } else {
        while (q->bytes <= 0 && st == STATUS_OK) {
            while (!q->token && st == STATUS_OK)
                st = sched_cond_timedwait(&q->wake, &q->mu, deadline);
            if (st == STATUS_OK)
                q->token = 0; /* taken: nobody else will see it */
        }
    }
    if (st == STATUS_OK)
        q->bytes -= n;
    sched_mutex_unlock(&q->mu);
    return st;
}

static void quota_replenish(struct quota *q, long n)
{
    long before = 0;

    sched_mutex_lock(&q->mu);
    before = q->bytes;
    q->bytes += n;
    if (q->fixed) {
        sched_cond_broadcast(&q->wake);
    } else if (before <= 0 && q->bytes > 0 && !q->token) {
        q->token = 1; /* the channel's one slot */
        sched_cond_signal(&q->wake);
    }
    sched_mutex_unlock(&q->mu);
}

struct quota_call {
    struct call c; /* first: tasks get a struct call * */
    struct quota q;
    struct sched_mutex send_mu; /* one frame at a time: no garbling here */
    int sent[2];
};

static enum status quota_produce(struct quota_call *qc, int who,
                                 struct status_detail *why)
{
    struct call *c = &qc->c;
    char text[CS_LEN + 1];
    enum status st = STATUS_OK;
    int i = 0;

    for (i = 1; i <= c->n && st == STATUS_OK; i++) {
        st = quota_get(&qc->q, CS_LEN, context_deadline(c->s->ctx));
        if (st != STATUS_OK)
            break;
        cs_text(text, who, i);
        sched_mutex_lock(&qc->send_mu);
        st = stream_send(&c->s->client, text, CS_LEN, why);
        sched_mutex_unlock(&qc->send_mu);
        qc->sent[who] += st == STATUS_OK;
    }
    latch_count_down(&c->latch);
    return st == STATUS_EOF ? STATUS_OK : st;
}

static enum status quota_sender_a(void *arg, struct status_detail *why)
{
    return quota_produce(arg, 0, why);
}

static enum status quota_sender_b(void *arg, struct status_detail *why)
{
    return quota_produce(arg, 1, why);
}

/* Server: reads, and gives the quota back two messages at a time. */
static enum status quota_server(void *arg)
{
    struct quota_call *qc = arg;
    struct call *c = &qc->c;
    struct stream_end *e = &c->s->server;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(e, &msg, &c->server_why)) == STATUS_OK) {
        if (++c->server_got % 2 == 0)
            quota_replenish(&qc->q, QUOTA_WINDOW);
    }
    if (st == STATUS_EOF)
        st = stream_finish(e, STATUS_OK, NULL);
    c->server_end = st;
    frame_msg_free(&msg);
    return st;
}

static enum sched_wait_kind describe_latch(const void *obj, char *buf,
                                           size_t cap)
{
    const struct latch *l = obj;

    snprintf(buf, cap, "%d more sender%s to finish", l->count,
             l->count == 1 ? "" : "s");
    return SCHED_WAIT_OTHER;
}

static enum status
run_concurrent_senders_quota(const struct scenario *sc,
                             const struct scenario_options *o,
                             struct scenario_result *r)
{
    static const struct task tasks[] = {{"client/send-a", quota_sender_a},
                                        {"client/send-b", quota_sender_b},
                                        {"client/recv", cs_closer}};
    struct quota_call qc;
    enum status st = STATUS_OK;

    memset(&qc, 0, sizeof qc);
    call_init(&qc.c, sc, o, r);
    latch_destroy(&qc.c.latch);
    latch_init(&qc.c.latch, 2);
    sched_cond_describe(&qc.c.latch.opened, describe_latch, &qc.c.latch);
    sched_mutex_init(&qc.q.mu);
    sched_cond_init(&qc.q.wake);
    sched_cond_describe(&qc.q.wake, describe_quota, &qc.q);
    sched_mutex_init(&qc.send_mu);
    qc.q.bytes = QUOTA_WINDOW;
    qc.q.fixed = qc.c.fix;
    qc.c.fix = 0; /* cs_closer: the client half-closes itself */
    st = run_call(&qc.c, quota_server, tasks, 3);
    sched_mutex_destroy(&qc.send_mu);
    sched_cond_destroy(&qc.q.wake);
    sched_mutex_destroy(&qc.q.mu);
    if (st == STATUS_OK && qc.c.server_got != 2 * qc.c.n)
        broken(r, "server got %d of %d messages", qc.c.server_got, 2 * qc.c.n);
    scenario_say(r,
                 "client/send-a and client/send-b take turns on stream_send "
                 "(a lock: no garbling), and share a %d-byte send quota",
                 QUOTA_WINDOW);
    if (qc.q.fixed) {
        scenario_say(r,
                     "fixed: a waiter re-checks the quota under the lock "
                     "and every waiter is woken: %d + %d messages sent",
                     qc.sent[0], qc.sent[1]);
        return st;
    }
    scenario_say(r, "the quota wakes one waiter, with a one-slot token, only "
                    "when it crosses from <= 0 to > 0 (grpc-go's writeQuota)");
    if (st == STATUS_DEADLOCK || st == STATUS_DEADLINE_EXCEEDED)
        scenario_say(r,
                     "lost wake-up: one sender took the only token, the "
                     "quota stayed above 0, and the other waited %s "
                     "(sent: A %d, B %d)",
                     st == STATUS_DEADLOCK ? "forever" : "until the deadline",
                     qc.sent[0], qc.sent[1]);
    else
        scenario_say(r, "this schedule was lucky: try other seeds, or `duplex "
                        "explore concurrent-senders-quota`");
    scenario_say(r, "fix: re-check the quota under the lock and broadcast; "
                    "see `duplex run concurrent-senders-quota --fix`");
    return st;
}

/* ---- hub ---------------------------------------------------------------- */

/*
 * A chat hub: every client holds one stream to the hub, and the hub sends
 * each client's messages to every other client. Fan-in: one reader thread
 * per stream ("server/read<i>") turns the N streams into one queue, the
 * inbox. Fan-out: one loop ("server/hub") takes each message from the inbox
 * and sends it on every other stream. Each client has a sender and a
 * receiver thread, so a client never waits to receive while it sends.
 *
 * No cycle of waits: the hub loop waits for room on s2c, which only the
 * client's receiver drains; that receiver waits for nothing else.
 * Shutdown: each client half-closes; its reader posts the EOF; once every
 * client is done and the inbox is empty, everything is sent, and the hub
 * ends every stream with OK, so each receiver drains and sees EOF.
 */
#define HUB_INBOX 64 /* queued messages; readers wait when it is full */
#define HUB_TEXT 24  /* "c1000 m10000000" fits */
#define HUB_TRACED 4 /* more clients than this: no timeline */

struct hub_item {
    int from;      /* the client it came from */
    enum status st; /* OK: text is a message; else the stream's end */
    int len;
    char text[HUB_TEXT];
};

struct hub {
    int n; /* clients */
    int m; /* messages each */
    struct stream **s;
    struct scenario_result *r;
    struct sched_mutex mu; /* guards the inbox */
    struct sched_cond readable;
    struct sched_cond writable;
    struct hub_item inbox[HUB_INBOX];
    unsigned head, count;
    uint64_t forwarded;  /* messages the hub loop sent (its thread only) */
    int *next;           /* next[i * n + k]: the m client i expects from k */
    uint64_t *got;       /* messages client i received */
    enum status *client_end; /* what client i's receiver ended with */
};

struct hub_arg {
    struct hub *h;
    int i;
};

static void hub_post(struct hub *h, const struct hub_item *it)
{
    sched_mutex_lock(&h->mu);
    while (h->count == HUB_INBOX)
        if (sched_cond_wait(&h->writable, &h->mu) == STATUS_DEADLOCK)
            break; /* SIM unwinding: the report says why */
    if (h->count < HUB_INBOX) {
        h->inbox[(h->head + h->count) % HUB_INBOX] = *it;
        h->count++;
        sched_cond_signal(&h->readable);
    }
    sched_mutex_unlock(&h->mu);
}

/* Takes everything in the inbox (at least one item) into items. */
static enum status hub_take(struct hub *h, struct hub_item *items,
                            unsigned *n)
{
    enum status st = STATUS_OK;

    *n = 0;
    sched_mutex_lock(&h->mu);
    while (h->count == 0 && st == STATUS_OK)
        st = sched_cond_wait(&h->readable, &h->mu);
    while (h->count > 0) {
        items[(*n)++] = h->inbox[h->head];
        h->head = (h->head + 1) % HUB_INBOX;
        h->count--;
    }
    if (*n > 0) {
        sched_cond_broadcast(&h->writable);
        st = STATUS_OK;
    }
    sched_mutex_unlock(&h->mu);
    return st;
}

/* Fan-in: client i's messages into the inbox, then how its stream ended. */
static enum status hub_reader(void *arg)
{
    struct hub_arg *a = arg;
    struct stream_end *e = &a->h->s[a->i]->server;
    struct frame_msg msg = {0};
    struct hub_item it;
    enum status st = STATUS_OK;

    memset(&it, 0, sizeof it);
    it.from = a->i;
    while ((st = stream_recv(e, &msg, NULL)) == STATUS_OK) {
        if (msg.length >= HUB_TEXT) {
            broken(a->h->r, "hub got a %zu-byte message from client %d",
                   (size_t)msg.length, a->i + 1);
            continue;
        }
        it.len = (int)msg.length;
        memcpy(it.text, msg.data, msg.length);
        hub_post(a->h, &it);
    }
    frame_msg_free(&msg);
    it.st = st;
    it.len = 0;
    hub_post(a->h, &it);
    return STATUS_OK;
}

/*
 * Fan-out: each message to every other client, then end every stream. It
 * takes the whole inbox at once and gives each client all of it in a row:
 * one wake-up of that client's receiver per batch, not per message, and
 * each sender's messages stay in order.
 */
static enum status hub_loop(void *arg)
{
    struct hub *h = arg;
    struct hub_item batch[HUB_INBOX];
    enum status *sent = calloc((size_t)h->n, sizeof *sent);
    unsigned n = 0;
    unsigned k = 0;
    int done = 0;
    int j = 0;

    if (sent == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    while (done < h->n && hub_take(h, batch, &n) == STATUS_OK) {
        for (j = 0; j < h->n; j++) {
            for (k = 0; k < n && sent[j] == STATUS_OK; k++) {
                if (batch[k].st != STATUS_OK || batch[k].from == j)
                    continue;
                sent[j] = stream_send(&h->s[j]->server, batch[k].text,
                                      (size_t)batch[k].len, NULL);
                h->forwarded += sent[j] == STATUS_OK;
            }
        }
        for (k = 0; k < n; k++)
            done += batch[k].st != STATUS_OK; /* client from half-closed */
    }
    for (j = 0; j < h->n; j++)
        stream_finish(&h->s[j]->server, STATUS_OK, NULL);
    free(sent);
    return STATUS_OK;
}

static int hub_text(char *out, size_t cap, int client, int m)
{
    return snprintf(out, cap, "c%d m%d", client + 1, m + 1);
}

static enum status hub_sender(void *arg)
{
    struct hub_arg *a = arg;
    struct stream_end *e = &a->h->s[a->i]->client;
    char text[HUB_TEXT];
    enum status st = STATUS_OK;
    int m = 0;

    for (m = 0; m < a->h->m && st == STATUS_OK; m++) {
        int len = hub_text(text, sizeof text, a->i, m);

        st = stream_send(e, text, (size_t)len, NULL);
    }
    if (st == STATUS_OK)
        st = stream_close_send(e);
    return st;
}

/* Every other client's messages, each sender's in order, exactly once. */
static enum status hub_receiver(void *arg)
{
    struct hub_arg *a = arg;
    struct hub *h = a->h;
    struct stream_end *e = &h->s[a->i]->client;
    int *next = h->next + (size_t)a->i * (size_t)h->n;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(e, &msg, NULL)) == STATUS_OK) {
        char text[HUB_TEXT];
        int k = 0;
        int m = 0;

        snprintf(text, sizeof text, "%.*s",
                 (int)(msg.length < HUB_TEXT ? msg.length : HUB_TEXT - 1),
                 (const char *)msg.data);
        if (sscanf(text, "c%d m%d", &k, &m) != 2 || k < 1 || k > h->n ||
            k - 1 == a->i)
            broken(h->r, "client %d got \"%s\"", a->i + 1, text);
        else if (m != next[k - 1] + 1)
            broken(h->r, "client %d got \"%s\" after c%d m%d", a->i + 1, text,
                   k, next[k - 1]);
        else
            next[k - 1] = m;
        h->got[a->i]++;
    }
    frame_msg_free(&msg);
    h->client_end[a->i] = st;
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* Client i got every other client's m messages. */
static void hub_check(struct hub *h)
{
    int i = 0;
    int k = 0;

    for (i = 0; i < h->n; i++) {
        if (h->client_end[i] != STATUS_EOF)
            continue; /* the status says why */
        for (k = 0; k < h->n; k++)
            if (k != i && h->next[(size_t)i * (size_t)h->n + (size_t)k] != h->m)
                broken(h->r, "client %d got %d of client %d's %d messages",
                       i + 1, h->next[(size_t)i * (size_t)h->n + (size_t)k],
                       k + 1, h->m);
    }
}

static void hub_free(struct hub *h)
{
    int i = 0;

    for (i = 0; h->s != NULL && i < h->n; i++)
        stream_destroy(h->s[i]);
    free(h->s);
    free(h->next);
    free(h->got);
    free(h->client_end);
    sched_cond_destroy(&h->writable);
    sched_cond_destroy(&h->readable);
    sched_mutex_destroy(&h->mu);
}

static long hub_peak_rss_kib(void)
{
    struct rusage ru;

    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

/* Starts the threads: 3 per client and the hub loop; joins those started. */
static enum status hub_threads(struct hub *h, struct hub_arg *args,
                               struct sched_thread *th, int *started)
{
    char name[SCHED_NAME_MAX];
    enum status st = STATUS_OK;
    int i = 0;

    st = sched_thread_start(&th[0], "server/hub", hub_loop, h);
    *started = st == STATUS_OK;
    for (i = 0; i < h->n && st == STATUS_OK; i++) {
        static const sched_fn fns[3] = {hub_reader, hub_receiver, hub_sender};
        static const char *const fmt[3] = {"server/read%d", "client%d/recv",
                                           "client%d/send"};
        int k = 0;

        args[i].h = h;
        args[i].i = i;
        for (k = 0; k < 3 && st == STATUS_OK; k++) {
            snprintf(name, sizeof name, fmt[k], i + 1);
            st = sched_thread_start(&th[*started], name, fns[k], &args[i]);
            *started += st == STATUS_OK;
        }
    }
    return st;
}

static enum status run_hub(const struct scenario *sc,
                           const struct scenario_options *o,
                           struct scenario_result *r)
{
    struct hub h;
    struct stream_options so;
    struct hub_arg *args = NULL;
    struct sched_thread *th = NULL;
    int64_t t0 = sched_now_ns();
    enum status st = STATUS_OK;
    int started = 0;
    int i = 0;

    memset(&h, 0, sizeof h);
    memset(&so, 0, sizeof so);
    h.n = o->clients > 0 ? o->clients : SCENARIO_HUB_CLIENTS;
    h.m = o->messages > 0 ? o->messages : sc->default_messages;
    h.r = r;
    so.capacity = o->capacity > 0 ? o->capacity : sc->default_capacity;
    so.trace = h.n <= HUB_TRACED ? o->trace : NULL;
    sched_mutex_init(&h.mu);
    sched_cond_init(&h.readable);
    sched_cond_init(&h.writable);
    h.s = calloc((size_t)h.n, sizeof *h.s);
    h.next = calloc((size_t)h.n * (size_t)h.n, sizeof *h.next);
    h.got = calloc((size_t)h.n, sizeof *h.got);
    h.client_end = calloc((size_t)h.n, sizeof *h.client_end);
    args = calloc((size_t)h.n, sizeof *args);
    th = calloc((size_t)h.n * 3 + 1, sizeof *th);
    if (h.s == NULL || h.next == NULL || h.got == NULL ||
        h.client_end == NULL || args == NULL || th == NULL)
        st = STATUS_RESOURCE_EXHAUSTED;
    for (i = 0; i < h.n && st == STATUS_OK; i++)
        st = stream_create(NULL, &so, &h.s[i]);
    if (st == STATUS_OK)
        st = hub_threads(&h, args, th, &started);
    if (st != STATUS_OK) { /* end every call: whoever started can finish */
        for (i = 0; h.s != NULL && i < h.n; i++)
            if (h.s[i] != NULL)
                stream_cancel(&h.s[i]->client);
        /* The hub loop waits for every reader's end: post the missing. */
        for (i = 0; started > 0 && i < h.n; i++) {
            struct hub_item end = {.from = i, .st = STATUS_CANCELLED};

            if (1 + 3 * i >= started) /* th[1 + 3i] is client i's reader */
                hub_post(&h, &end);
        }
    }
    for (i = 0; i < started; i++) {
        enum status t = sched_thread_join(&th[i]);

        if (st == STATUS_OK && t != STATUS_OK)
            st = t;
    }
    if (st == STATUS_OK)
        hub_check(&h);
    for (i = 0; h.s != NULL && i < h.n; i++) {
        struct stream_stats one;
        int d = 0;

        if (h.s[i] == NULL)
            continue;
        one = stream_get_stats(h.s[i]);
        for (d = 0; d < 2; d++) {
            r->stats.sent[d] += one.sent[d];
            r->stats.received[d] += one.received[d];
            r->stats.bytes_discarded[d] += one.bytes_discarded[d];
            r->stats.write_waits[d] += one.write_waits[d];
            r->stats.read_waits[d] += one.read_waits[d];
        }
    }
    scenario_say(r, "%d client%s each sent %d message%s on its own stream, "
                    "then CloseSend", h.n, h.n == 1 ? "" : "s", h.m,
                 h.m == 1 ? "" : "s");
    scenario_say(r, "server/hub sent each to the %d other client%s: %llu "
                    "messages delivered (%d x %d x %d)",
                 h.n - 1, h.n == 2 ? "" : "s", (unsigned long long)h.forwarded,
                 h.n, h.m, h.n - 1);
    scenario_say(r, "every client got every other client's messages once, "
                    "each sender's in order, then EOF");
    if (h.n > HUB_TRACED && o->trace != NULL)
        scenario_say(r, "(no timeline with more than %d clients)", HUB_TRACED);
    if (o->os)
        scenario_say(r, "%d threads and %d streams; wall time %.1f ms; "
                        "peak RSS %.1f MiB",
                     3 * h.n + 1, h.n, (double)(sched_now_ns() - t0) / 1e6,
                     (double)hub_peak_rss_kib() / 1024);
    hub_free(&h);
    free(args);
    free(th);
    return st;
}

/* ---- the table ---------------------------------------------------------- */

struct entry {
    struct scenario sc;
    enum status (*body)(const struct scenario *,
                        const struct scenario_options *,
                        struct scenario_result *);
};

static const struct entry table[] = {
    {{.name = "echo",
      .summary = "client sends, server echoes each as \"echo: <text>\" "
                 "until EOF",
      .default_messages = 3,
      .expected = SCENARIO_EXIT_OK},
     run_echo},
    {{.name = "chat",
      .summary = "JOIN -> WELCOME -> TEXT -> ACK: a session state machine",
      .default_messages = 3,
      .expected = SCENARIO_EXIT_OK},
     run_chat},
    {{.name = "forgot-close-send",
      .summary = "the client never half-closes: deadlock (with --timeout: "
                 "DEADLINE_EXCEEDED)",
      .fix_summary = "the client calls stream_close_send after its last "
                     "message",
      .default_messages = 3,
      .needs_deadline = 1,
      .expected = SCENARIO_EXIT_DEADLOCK,
      .expected_fix = SCENARIO_EXIT_OK},
     run_forgot_close_send},
    {{.name = "concurrent-senders",
      .summary = "two threads call stream_send on one stream: garbled frames",
      .fix_summary = "one sender thread; the others hand it their messages",
      .default_messages = 100,
      .default_capacity = 64,
      .expected = SCENARIO_EXIT_GARBLED,
      .expected_fix = SCENARIO_EXIT_OK,
      .racy = 1},
     run_concurrent_senders},
    {{.name = "concurrent-senders-quota",
      .summary = "two senders share grpc-go's send quota: a lost wake-up "
                 "hangs one",
      .fix_summary = "the quota is re-checked under the lock and every "
                     "waiter is woken",
      .default_messages = 2,
      .needs_deadline = 1,
      .expected = SCENARIO_EXIT_DEADLOCK,
      .expected_fix = SCENARIO_EXIT_OK,
      .racy = 1},
     run_concurrent_senders_quota},
    {{.name = "error-propagation",
      .summary = "errgroup: the receiver fails, the group cancels the "
                 "blocked sender",
      .default_messages = 200,
      .default_capacity = 64,
      .expected = SCENARIO_EXIT_STATUS},
     run_error_propagation},
    {{.name = "cancel-vs-drain",
      .summary = "cancel with messages buffered loses them; drain first "
                 "loses none",
      .fix_summary = "the client drains to EOF before it cancels",
      .default_messages = 5,
      .min_messages = 3,
      .expected = SCENARIO_EXIT_STATUS,
      .expected_fix = SCENARIO_EXIT_OK},
     run_cancel_vs_drain},
    {{.name = "backpressure",
      .summary = "a slow receiver: the sender blocks on a full pipe",
      .default_messages = 8,
      .default_capacity = 64,
      .expected = SCENARIO_EXIT_OK},
     run_backpressure},
    {{.name = "send-after-eof",
      .summary = "the server sends after the client's EOF; they arrive "
                 "before its EOF",
      .default_messages = 3,
      .expected = SCENARIO_EXIT_OK},
     run_send_after_eof},
    {{.name = "hub",
      .summary = "a chat hub: N clients, each message to every other client",
      .default_messages = 2,
      .default_capacity = 4096,
      .expected = SCENARIO_EXIT_OK},
     run_hub},
};

#define NSCENARIOS (sizeof table / sizeof table[0])

size_t scenario_count(void)
{
    return NSCENARIOS;
}

const struct scenario *scenario_at(size_t i)
{
    return i < NSCENARIOS ? &table[i].sc : NULL;
}

const struct scenario *scenario_find(const char *name)
{
    size_t i = 0;

    for (i = 0; i < NSCENARIOS; i++)
        if (strcmp(table[i].sc.name, name) == 0)
            return &table[i].sc;
    return NULL;
}

/* The words for a status that came without any (Go's, where Go has them). */
static const char *words_for(enum status st)
{
    switch (st) {
    case STATUS_CANCELLED: return "context canceled";
    case STATUS_DEADLINE_EXCEEDED: return "context deadline exceeded";
    case STATUS_DEADLOCK: return "no thread could ever run again";
    default: return status_name(st);
    }
}

/* What sched_sim_run runs: the scenario's body as the "main" thread. */
struct sim_job {
    const struct entry *e;
    const struct scenario_options *o;
    struct scenario_result *r;
};

static enum status sim_main(void *arg)
{
    struct sim_job *job = arg;

    return job->e->body(&job->e->sc, job->o, job->r);
}

static enum status run_simulated(const struct entry *e,
                                 const struct scenario_options *o,
                                 struct scenario_result *r)
{
    struct sched_sim_options so;
    struct sim_job job = {e, o, r};
    enum status st = STATUS_OK;
    enum status body = STATUS_OK;

    memset(&so, 0, sizeof so);
    so.strategy = o->strategy;
    so.seed = o->seed;
    so.forced = o->forced;
    so.nforced = o->nforced;
    r->simulated = 1;
    st = sched_sim_run(&so, sim_main, &job, &body, &r->sim);
    return st != STATUS_OK ? st : body;
}

enum status scenario_run(const struct scenario *sc,
                         const struct scenario_options *opts,
                         struct scenario_result *r)
{
    const struct entry *e = NULL;
    struct scenario_options o = *opts;
    size_t i = 0;

    memset(r, 0, sizeof *r);
    for (i = 0; i < NSCENARIOS; i++) /* only the table's own, not a copy */
        if (sc == &table[i].sc)
            e = &table[i];
    if (e == NULL || scenario_check(sc, opts, &r->why) != STATUS_OK) {
        if (e == NULL)
            status_detail_set(&r->why, STATUS_INVALID_ARGUMENT,
                              "not one of scenario_at's scenarios");
        r->usage_error = 1;
        r->status = STATUS_INVALID_ARGUMENT;
        return r->status;
    }
    /* On real threads a forgotten CloseSend hangs: bound it. */
    if (o.os && sc->needs_deadline && o.timeout_ms <= 0)
        o.timeout_ms = 200;
    r->status = o.os ? e->body(sc, &o, r) : run_simulated(e, &o, r);
    if (r->status == STATUS_OK)
        status_detail_clear(&r->why);
    else if (r->why.code != r->status || r->why.text[0] == '\0' ||
             strcmp(r->why.text, status_name(r->status)) == 0)
        status_detail_set(&r->why, r->status, "%s", words_for(r->status));
    return r->status;
}

enum status scenario_check(const struct scenario *sc,
                           const struct scenario_options *opts,
                           struct status_detail *why)
{
    int n = opts->messages > 0 ? opts->messages : sc->default_messages;
    size_t cap = opts->capacity > 0 ? opts->capacity : sc->default_capacity;
    /* cancel-vs-drain: "update N of N" frames must all fit in s2c. */
    size_t need = (size_t)n * (FRAME_HEADER_LEN + 30);

    if (cap == 0)
        cap = PIPE_DEFAULT_CAPACITY;
    if (n < sc->min_messages)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s needs --messages %d or more to show "
                                 "its lesson",
                                 sc->name, sc->min_messages);
    if (opts->clients > 0 && strcmp(sc->name, "hub") != 0)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "--clients is for the hub scenario");
    if (strcmp(sc->name, "hub") == 0 && !opts->os &&
        opts->clients > SCENARIO_HUB_SIM_MAX)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "a simulated hub has at most %d clients "
                                 "(3 threads each); use --os for more",
                                 SCENARIO_HUB_SIM_MAX);
    if (strcmp(sc->name, "cancel-vs-drain") == 0 && cap < need)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "cancel-vs-drain needs --capacity of at "
                                 "least %zu bytes to buffer %d updates",
                                 need, n);
    return STATUS_OK;
}

void scenario_result_free(struct scenario_result *r)
{
    if (r != NULL)
        sched_sim_result_free(&r->sim);
}

enum scenario_exit scenario_expected(const struct scenario *sc,
                                     const struct scenario_options *opts)
{
    if (sc->racy && !opts->fix)
        return SCENARIO_EXIT_OK;
    if (opts->fix && sc->fix_summary != NULL)
        return sc->expected_fix;
    if (sc->needs_deadline && (opts->timeout_ms > 0 || opts->os))
        return SCENARIO_EXIT_STATUS;
    return sc->expected;
}

enum scenario_exit scenario_exit_code(const struct scenario_result *r)
{
    if (r->usage_error)
        return SCENARIO_EXIT_USAGE;
    if (r->broken[0] != '\0')
        return SCENARIO_EXIT_BROKEN;
    if (r->simulated && r->sim.deadlocked)
        return SCENARIO_EXIT_DEADLOCK;
    if (r->garbled)
        return SCENARIO_EXIT_GARBLED;
    if (r->status != STATUS_OK)
        return SCENARIO_EXIT_STATUS;
    return SCENARIO_EXIT_OK;
}

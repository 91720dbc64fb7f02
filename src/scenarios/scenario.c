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
 *
 *   No wait outlives its call. A thread waits either in a stream call,
 *   which the call's cancellation wakes, or in a handshake (a latch, a
 *   queue, the send quota) for a sibling that waits the same way, so a
 *   cancel reaches every waiter. The one wait no cancel would end is for
 *   a sibling that never started: when a thread cannot start (a `ulimit
 *   -u`, no memory), the run cancels the call and aborts every handshake
 *   (call_abort), so each waiter leaves with CANCELLED; the run then ends
 *   with RESOURCE_EXHAUSTED "could not start thread NAME: REASON".
 *
 *   Narration is measured: each line reports this run's counters, and a
 *   claim ("finished with OK", "nothing was lost", "in order") is made
 *   only when this run checked it. A run that could not start all its
 *   threads checks nothing and says only what it counted (say_short).
 */
#include "scenarios/scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/group.h"
#include "core/pipe.h"
#include "core/sched.h"
#include "core/trace.h"

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
    int count;   /* open when it reaches 0 */
    int aborted; /* the run gave up (call_abort): waiters leave */
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

/* Wakes every waiter for good: the thread that would open it is gone. */
static void latch_abort(struct latch *l)
{
    sched_mutex_lock(&l->mu);
    l->aborted = 1;
    sched_cond_broadcast(&l->opened);
    sched_mutex_unlock(&l->mu);
}

/*
 * Returns STATUS_OK when open, STATUS_CANCELLED when aborted first, or
 * STATUS_DEADLOCK (SIM mode) to unwind.
 */
static enum status latch_wait(struct latch *l)
{
    enum status st = STATUS_OK;

    sched_mutex_lock(&l->mu);
    while (l->count > 0 && !l->aborted && st == STATUS_OK)
        st = sched_cond_wait(&l->opened, &l->mu);
    if (st == STATUS_OK && l->count > 0)
        st = STATUS_CANCELLED;
    sched_mutex_unlock(&l->mu);
    return st;
}

/* ---- starting threads --------------------------------------------------- */

/* The threads a run starts, and what kept it from starting them all. */
struct starts {
    int refuse;               /* scenario_options.refuse_thread (a test hook) */
    int tried;                /* starts attempted */
    int started;              /* threads that started */
    struct status_detail why; /* the first failure; code OK while none */
};

static void starts_init(struct starts *s, const struct scenario_options *o)
{
    memset(s, 0, sizeof *s);
    s->refuse = o->refuse_thread;
    status_detail_clear(&s->why);
}

/* Counts an attempt: 1 when the test hook refuses it, with errno set. */
static int starts_refused(struct starts *s)
{
    if (++s->tried != s->refuse)
        return 0;
    errno = EAGAIN; /* what pthread_create says at a `ulimit -u` */
    return 1;
}

/*
 * Counts the start of thread name that returned st; on failure keeps the
 * first reason, in errno's words. Returns st.
 */
static enum status starts_note(struct starts *s, enum status st,
                               const char *name)
{
    int err = errno;
    char reason[64];

    if (st == STATUS_OK) {
        s->started++;
        return st;
    }
    if (s->why.code != STATUS_OK)
        return st;
    if (strerror_r(err, reason, sizeof reason) != 0)
        snprintf(reason, sizeof reason, "error %d", err);
    status_detail_set(&s->why, STATUS_RESOURCE_EXHAUSTED,
                      "could not start thread %s: %s", name, reason);
    return st;
}

static enum status start_thread(struct starts *s, struct sched_thread *t,
                                const char *name, sched_fn fn, void *arg)
{
    enum status st = STATUS_RESOURCE_EXHAUSTED;

    if (!starts_refused(s))
        st = sched_thread_start(t, name, fn, arg);
    return starts_note(s, st, name);
}

/*
 * Like start_thread, for a task of g. group_go fails only where
 * sched_thread_start or calloc did, and both set errno; what group_go
 * does after that (a free, a message, a cancel) sets no errno when it
 * succeeds.
 */
static enum status start_task(struct starts *s, struct group *g,
                              const char *name, group_fn fn, void *arg)
{
    enum status st = STATUS_RESOURCE_EXHAUSTED;

    if (!starts_refused(s))
        st = group_go(g, name, fn, arg);
    return starts_note(s, st, name);
}

/*
 * The narration of a run that could not start whole: what it counted, and
 * no more. needed is how many threads a whole run starts.
 */
static void say_short(struct scenario_result *r, const struct starts *s,
                      int needed)
{
    const struct stream_stats *t = &r->stats;

    scenario_say(r, "%d of the %d threads this run needs started, then: %s",
                 s->started, needed, s->why.text);
    if (s->started > 0)
        scenario_say(r,
                     "the run was cancelled and they returned; counted "
                     "until then: c2s %llu sent, %llu received; s2c %llu "
                     "sent, %llu received",
                     (unsigned long long)t->sent[STREAM_C2S],
                     (unsigned long long)t->received[STREAM_C2S],
                     (unsigned long long)t->sent[STREAM_S2C],
                     (unsigned long long)t->received[STREAM_S2C]);
    scenario_say(r, "a run without all its threads checks none of the "
                    "lesson's invariants");
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
    void (*abort)(struct call *c); /* aborts the scenario's other handshakes
                                      (NULL: it has none) */
    struct starts starts;          /* the threads run_call started */
    int threads;                   /* the threads a whole run starts */
    /* the server's view */
    int server_got;
    int server_sent;
    enum status server_end; /* its last operation's status */
    struct status_detail server_why;
    /* the client's view */
    int client_sent;
    int closed_send; /* its stream_close_send returned OK */
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
    starts_init(&c->starts, o);
}

/*
 * A thread could not start: ends the call, so that every thread that did
 * start returns. The cancel wakes each stream call; the handshakes wait
 * for threads, not for the stream, so they are aborted here (a sibling
 * that never started would never open them).
 */
static void call_abort(struct call *c)
{
    stream_cancel(stream_client(c->s));
    latch_abort(&c->latch);
    if (c->abort != NULL)
        c->abort(c);
}

/* 1 when the call could not start all its threads (it checked nothing). */
static int call_short(const struct call *c)
{
    return c->starts.started < c->threads;
}

/*
 * The call is over: frees its handshake and returns its outcome, st, or
 * what kept it from starting whole (then RESOURCE_EXHAUSTED, and said).
 */
static enum status call_finish(struct call *c, enum status st)
{
    latch_destroy(&c->latch);
    if (call_short(c)) {
        if (c->starts.why.code == STATUS_OK) /* before any thread */
            status_detail_set(&c->starts.why, STATUS_RESOURCE_EXHAUSTED,
                              "out of memory");
        c->r->why = c->starts.why;
        st = c->starts.why.code;
        say_short(c->r, &c->starts, c->threads);
    }
    c->r->status = st;
    return st;
}

/*
 * Runs server on a thread named "server" and each task in a group, then
 * waits for all. Returns the group's first error (its words in r->why),
 * or RESOURCE_EXHAUSTED when a thread could not start: the tasks after it
 * are not started, and the call is aborted (call_abort) so that those
 * started return.
 */
static enum status run_call(struct call *c, sched_fn server,
                            const struct task *tasks, size_t ntasks)
{
    struct group *g = NULL;
    struct sched_thread srv;
    enum status st = STATUS_OK;
    size_t i = 0;

    c->threads = 1 + (int)ntasks;
    if (group_create(NULL, &g) != STATUS_OK)
        return call_finish(c, STATUS_RESOURCE_EXHAUSTED);
    st = stream_create(group_context(g), &c->so, &c->s);
    if (st == STATUS_OK) {
        st = start_thread(&c->starts, &srv, "server", server, c);
        if (st != STATUS_OK)
            stream_destroy(c->s);
    }
    if (st != STATUS_OK) {
        group_destroy(g);
        return call_finish(c, st);
    }
    for (i = 0; i < ntasks && st == STATUS_OK; i++)
        st = start_task(&c->starts, g, tasks[i].name, tasks[i].fn, c);
    if (st != STATUS_OK) /* a thread is missing: nobody may wait for it */
        call_abort(c);
    st = group_wait(g, &c->r->why);
    sched_thread_join(&srv);
    c->r->stats = stream_get_stats(c->s);
    stream_destroy(c->s);
    c->s = NULL;
    group_destroy(g);
    return call_finish(c, st);
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
    struct stream_end *e = stream_server(c->s);
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

        st = stream_send(stream_client(c->s), text, (size_t)len, why);
        if (st == STATUS_OK)
            c->client_sent++;
    }
    c->sender_end = st;
    if (st == STATUS_EOF)
        return STATUS_OK;
    if (st != STATUS_OK || c->forget_close_send)
        return st;
    return stream_close_send(stream_client(c->s));
}

/*
 * client_sender as a task, noting whether it half-closed: it calls
 * stream_close_send last, only after sending all n, and returns its status.
 */
static enum status send_then_close(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    enum status st = client_sender(c, why);

    c->closed_send =
        st == STATUS_OK && c->sender_end == STATUS_OK && !c->forget_close_send;
    return st;
}

/* Client receiver: every echo, in order, then the call's end. */
static enum status echo_receiver(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    struct frame_msg msg = {0};
    char text[TEXT_MAX];
    char want[TEXT_MAX + 8];
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

/* How the client's sender ended: its count, and CloseSend if it called it. */
static void say_client_sent(struct scenario_result *r, const struct call *c,
                            const char *who)
{
    if (c->closed_send)
        scenario_say(r,
                     "%s sent %d messages, then CloseSend (half-close of "
                     "c2s)",
                     who, c->client_sent);
    else
        scenario_say(r, "%s sent %d messages, then ended with %s", who,
                     c->client_sent, status_name(c->sender_end));
}

/* How the echo server ended: OK only after EOF (see echo_server). */
static void say_server_echoed(struct scenario_result *r, const struct call *c)
{
    if (c->server_end == STATUS_OK)
        scenario_say(r,
                     "server echoed %d, saw EOF on c2s, and finished with OK",
                     c->server_sent);
    else
        scenario_say(r, "server echoed %d, then ended with %s", c->server_sent,
                     status_name(c->server_end));
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
    static const struct task tasks[] = {{"client/send", send_then_close},
                                        {"client/recv", echo_receiver}};
    struct call c;
    enum status st = STATUS_OK;

    call_init(&c, sc, o, r);
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

/* ---- forgot-close-send -------------------------------------------------- */

static enum status run_forgot_close_send(const struct scenario *sc,
                                         const struct scenario_options *o,
                                         struct scenario_result *r)
{
    static const struct task tasks[] = {{"client/send", send_then_close},
                                        {"client/recv", echo_receiver}};
    struct call c;
    enum status st = STATUS_OK;
    int64_t ms = 0;

    call_init(&c, sc, o, r);
    c.forget_close_send = !c.fix;
    ms = c.so.timeout_ns / 1000000;
    st = run_call(&c, echo_server, tasks, 2);
    if (call_short(&c))
        return st;
    /* A deadline in mid-flow drops what was in flight: the counts differ. */
    if (r->stats.bytes_discarded[STREAM_C2S] == 0 &&
        r->stats.bytes_discarded[STREAM_S2C] == 0)
        check_echo_counts(&c);
    if (c.fix && c.closed_send && c.server_end == STATUS_OK) {
        scenario_say(r,
                     "client/send called stream_close_send after its %d "
                     "messages: the server saw EOF and finished",
                     c.client_sent);
        return st;
    }
    if (c.fix) {
        say_client_sent(r, &c, "client/send");
        say_server_echoed(r, &c);
        return st;
    }
    if (c.sender_end == STATUS_OK)
        scenario_say(r,
                     "client/send sent %d messages and returned without "
                     "calling stream_close_send",
                     c.client_sent);
    else
        say_client_sent(r, &c, "client/send");
    if ((st == STATUS_DEADLINE_EXCEEDED || st == STATUS_DEADLOCK) &&
        c.server_sent == c.client_sent)
        scenario_say(r,
                     "server echoed all %d, then waited for EOF on c2s; "
                     "client/recv waited for the server's status",
                     c.server_sent);
    else
        say_server_echoed(r, &c);
    if (st == STATUS_DEADLINE_EXCEEDED && c.server_end == st &&
        c.receiver_end == st)
        scenario_say(r,
                     "nobody could move until the %lld ms deadline: every "
                     "blocked recv woke with DEADLINE_EXCEEDED",
                     (long long)ms);
    else if (st == STATUS_DEADLINE_EXCEEDED)
        scenario_say(r,
                     "the %lld ms deadline ended the call: the server "
                     "ended with %s, client/recv with %s",
                     (long long)ms, status_name(c.server_end),
                     status_name(c.receiver_end));
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
    struct stream_end *e = stream_server(c->s);
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

    call_init(&c, sc, o, r);
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

/* ---- send-after-eof ----------------------------------------------------- */

/* Server: read everything, then send two more messages after EOF. */
static enum status after_eof_server(void *arg)
{
    struct call *c = arg;
    struct stream_end *e = stream_server(c->s);
    struct frame_msg msg = {0};
    char out[TEXT_MAX];
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
    char want[TEXT_MAX];
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

    call_init(&c, sc, o, r);
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

/* ---- cancel-vs-drain ---------------------------------------------------- */

/* Server: send n updates, finish OK, then tell the client it is done. */
static enum status updates_server(void *arg)
{
    struct call *c = arg;
    struct stream_end *e = stream_server(c->s);
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
    struct stream_end *e = stream_client(c->s);
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
    if (call_short(&c))
        return st;
    if ((uint64_t)c.client_got + lost(r, STREAM_S2C) != (uint64_t)c.server_sent)
        broken(r, "%d updates read + %llu lost != %d sent", c.client_got,
               (unsigned long long)lost(r, STREAM_S2C), c.server_sent);
    if (c.server_end == STATUS_OK)
        scenario_say(r, "server sent %d updates and finished with OK",
                     c.server_sent);
    else
        scenario_say(r, "server sent %d updates, then ended with %s",
                     c.server_sent, status_name(c.server_end));
    if (c.fix && c.receiver_end == STATUS_EOF && lost(r, STREAM_S2C) == 0)
        scenario_say(r,
                     "client read all %d, saw EOF, then cancelled: the "
                     "call had already ended OK, so nothing was lost",
                     c.client_got);
    else if (!c.fix && c.server_end == STATUS_OK && lost(r, STREAM_S2C) > 0) {
        scenario_say(r,
                     "client read %d, then cancelled with %llu updates "
                     "(%llu bytes) still buffered in s2c: lost",
                     c.client_got, (unsigned long long)lost(r, STREAM_S2C),
                     (unsigned long long)r->stats.bytes_discarded[STREAM_S2C]);
        scenario_say(r, "they had arrived; cancel is RST_STREAM and throws "
                        "away what is buffered. Drain to EOF first: --fix");
    } else {
        scenario_say(r,
                     "client read %d and ended with %s; %llu updates "
                     "were lost",
                     c.client_got, status_name(c.receiver_end),
                     (unsigned long long)lost(r, STREAM_S2C));
    }
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

    while ((st = stream_recv(stream_client(c->s), &msg, why)) == STATUS_OK) {
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
    static const struct task tasks[] = {{"client/send", send_then_close},
                                        {"client/recv", failing_receiver}};
    struct call c;
    enum status st = STATUS_OK;

    call_init(&c, sc, o, r);
    st = run_call(&c, echo_server, tasks, 2);
    if (call_short(&c))
        return st;
    if (st != STATUS_INVALID_ARGUMENT && st != STATUS_DEADLINE_EXCEEDED)
        broken(r,
               "group_wait returned %s, not the first error "
               "INVALID_ARGUMENT",
               status_name(st));
    if (c.sender_end != STATUS_CANCELLED &&
        c.sender_end != STATUS_DEADLINE_EXCEEDED && c.client_sent < c.n)
        broken(r, "the sender ended with %s, not CANCELLED",
               status_name(c.sender_end));
    if (st == STATUS_INVALID_ARGUMENT && c.receiver_end == st)
        scenario_say(r, "client/recv failed first: %s: %s",
                     status_name(c.receiver_end), r->why.text);
    else
        scenario_say(r, "the call ended with %s: %s; client/recv with %s",
                     status_name(st), r->why.text, status_name(c.receiver_end));
    if (st == STATUS_INVALID_ARGUMENT &&
        (c.sender_end == STATUS_CANCELLED || c.server_end == STATUS_CANCELLED))
        scenario_say(r, "the group cancelled its context; the call was torn "
                        "down in both directions");
    scenario_say(r,
                 "client/send had sent %d and ended with %s (blocked "
                 "%llu times on a full c2s)",
                 c.client_sent, status_name(c.sender_end),
                 (unsigned long long)r->stats.write_waits[STREAM_C2S]);
    if (st != STATUS_CANCELLED)
        scenario_say(r,
                     "server ended with %s; group_wait returned the first "
                     "error, %s, not a sibling's CANCELLED",
                     status_name(c.server_end), status_name(st));
    else
        scenario_say(r, "server ended with %s; group_wait returned %s",
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
    struct stream_end *e = stream_server(c->s);
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
    struct stream_end *e = stream_client(c->s);
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
    char want[TEXT_MAX];
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

    call_init(&c, sc, o, r);
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

/* ---- concurrent-senders ------------------------------------------------- */

/* Two producers' messages look like "A:0001 hello" (12 bytes). */
#define CS_LEN 12

struct cs_queue {
    struct sched_mutex mu;
    struct sched_cond changed; /* an item was added or taken, or closed */
    char items[16][CS_LEN + 1];
    int head, count;
    int producers; /* still producing; 0 and empty means done */
    int aborted;   /* the run gave up (call_abort): nobody waits */
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
            st = stream_send(stream_client(c->s), text, CS_LEN, why);
            continue;
        }
        sched_mutex_lock(&cs->q.mu);
        while (cs->q.count == 16 && !cs->q.aborted && st == STATUS_OK)
            st = sched_cond_wait(&cs->q.changed, &cs->q.mu);
        if (st == STATUS_OK && cs->q.count == 16)
            st = STATUS_CANCELLED;
        if (st != STATUS_OK) { /* aborted, or a deadlock (SIM mode) */
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

/* call_abort's part for concurrent-senders: the gate and the queue. */
static void cs_abort(struct call *c)
{
    struct cs_call *cs = (struct cs_call *)c;

    latch_abort(&cs->gate);
    sched_mutex_lock(&cs->q.mu);
    cs->q.aborted = 1;
    sched_cond_broadcast(&cs->q.changed);
    sched_mutex_unlock(&cs->q.mu);
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
        while (cs->q.count == 0 && cs->q.producers > 0 && !cs->q.aborted &&
               waited == STATUS_OK)
            waited = sched_cond_wait(&cs->q.changed, &cs->q.mu);
        if (waited == STATUS_OK && cs->q.count == 0 && cs->q.producers > 0)
            waited = STATUS_CANCELLED;
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
            st = stream_send(stream_client(cs->c.s), text, CS_LEN, why);
    }
    if (st == STATUS_OK)
        st = waited != STATUS_OK ? waited
                                 : stream_close_send(stream_client(cs->c.s));
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
        stream_close_send(stream_client(c->s));
    while (st == STATUS_OK &&
           (st = stream_recv(stream_client(c->s), &msg, why)) == STATUS_OK)
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
    struct stream_end *e = stream_server(c->s);
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
    else if (st != STATUS_OK && cs->first_bad[0] == '\0' &&
             st != STATUS_CANCELLED && st != STATUS_DEADLINE_EXCEEDED &&
             st != STATUS_DEADLOCK) /* those end the call from outside */
        snprintf(cs->first_bad, sizeof cs->first_bad,
                 "after %d good messages, a header: %s: %.120s", c->server_got,
                 status_name(st), c->server_why.text);
    c->server_end = st;
    frame_msg_free(&msg);
    return st;
}

/* The end of a run that neither garbled nor finished. */
static void say_cs_ended(struct scenario_result *r, const struct cs_call *cs,
                         enum status st)
{
    scenario_say(r,
                 "server decoded %d messages intact, A's and B's each in "
                 "order, then the call ended with %s",
                 cs->c.server_got, status_name(st));
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
    cs.c.abort = cs_abort;
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
    if (call_short(&cs.c))
        return st;
    r->garbled = cs.first_bad[0] != '\0';
    if (cs.c.fix && r->garbled)
        broken(r, "the fixed variant garbled the stream: %s", cs.first_bad);
    if (!r->garbled && st == STATUS_OK && cs.c.server_got != 2 * cs.c.n)
        broken(r, "server got %d of %d messages", cs.c.server_got, 2 * cs.c.n);
    if (cs.c.fix) {
        scenario_say(r, "client/make-a and client/make-b queue their "
                        "messages; only client/send calls stream_send");
        if (st == STATUS_OK && cs.c.server_got == 2 * cs.c.n)
            scenario_say(r,
                         "server decoded all %d messages intact, A's and "
                         "B's each in order",
                         cs.c.server_got);
        else
            say_cs_ended(r, &cs, st);
        return st;
    }
    scenario_say(r, "client/send-a and client/send-b both call "
                    "stream_send: each frame is two writes (header, payload)");
    if (!r->garbled && st == STATUS_OK) {
        scenario_say(r,
                     "this run happened to stay clean (%d messages): the "
                     "bug is still there; run it again, or with more "
                     "--messages",
                     cs.c.server_got);
        return st;
    }
    if (!r->garbled) {
        say_cs_ended(r, &cs, st);
        return st;
    }
    scenario_say(r, "server: %s", cs.first_bad);
    if (st == STATUS_INTERNAL || st == STATUS_RESOURCE_EXHAUSTED)
        scenario_say(r,
                     "the garbled stream ends the call with %s; see the "
                     "bytes with --trace hexdump",
                     status_name(st));
    else
        scenario_say(r,
                     "the call ended with %s; see the bytes with --trace "
                     "hexdump",
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
    int aborted; /* the run gave up (call_abort): nobody waits */
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

/*
 * Waits for quota until the call's deadline (grpc-go: until it is done),
 * or until the run is aborted (STATUS_CANCELLED, see quota_abort).
 */
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
    if (q->aborted) { /* see quota_abort: pass the token on, and leave */
        q->token = 1;
        sched_cond_broadcast(&q->wake);
        if (st == STATUS_OK)
            st = STATUS_CANCELLED;
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
        st = quota_get(&qc->q, CS_LEN, context_deadline(stream_context(c->s)));
        if (st != STATUS_OK)
            break;
        cs_text(text, who, i);
        sched_mutex_lock(&qc->send_mu);
        st = stream_send(stream_client(c->s), text, CS_LEN, why);
        sched_mutex_unlock(&qc->send_mu);
        qc->sent[who] += st == STATUS_OK;
    }
    latch_count_down(&c->latch);
    return st == STATUS_EOF ? STATUS_OK : st;
}

/*
 * call_abort's part for concurrent-senders-quota. It wakes each waiter
 * the way a replenish would (quota above 0, a token); quota_get then sees
 * aborted, leaves with CANCELLED and puts the token back for the next
 * waiter, so the one-slot channel leaves nobody behind.
 */
static void quota_abort(struct call *c)
{
    struct quota_call *qc = (struct quota_call *)c;

    sched_mutex_lock(&qc->q.mu);
    qc->q.aborted = 1;
    if (qc->q.bytes <= 0)
        qc->q.bytes = 1;
    qc->q.token = 1;
    sched_cond_broadcast(&qc->q.wake);
    sched_mutex_unlock(&qc->q.mu);
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
    struct stream_end *e = stream_server(c->s);
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

/*
 * Whether this run shows the lost wake-up: it ended waiting (a deadlock or
 * the deadline) with quota left, no token, and a sender short.
 */
static int quota_lost_wake_up(const struct quota_call *qc, enum status st)
{
    return (st == STATUS_DEADLOCK || st == STATUS_DEADLINE_EXCEEDED) &&
           qc->q.bytes > 0 && !qc->q.token &&
           (qc->sent[0] < qc->c.n || qc->sent[1] < qc->c.n);
}

static void say_quota_ended(struct scenario_result *r,
                            const struct quota_call *qc, enum status st)
{
    scenario_say(r,
                 "the call ended with %s (sent: A %d, B %d; quota %ld "
                 "bytes)",
                 status_name(st), qc->sent[0], qc->sent[1], qc->q.bytes);
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
    qc.c.abort = quota_abort;
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
    if (call_short(&qc.c))
        return st;
    if (st == STATUS_OK && qc.c.server_got != 2 * qc.c.n)
        broken(r, "server got %d of %d messages", qc.c.server_got, 2 * qc.c.n);
    scenario_say(r,
                 "client/send-a and client/send-b take turns on stream_send "
                 "(a lock: no garbling), and share a %d-byte send quota",
                 QUOTA_WINDOW);
    if (qc.q.fixed) {
        if (st == STATUS_OK)
            scenario_say(r,
                         "fixed: a waiter re-checks the quota under the lock "
                         "and every waiter is woken: %d + %d messages sent",
                         qc.sent[0], qc.sent[1]);
        else
            say_quota_ended(r, &qc, st);
        return st;
    }
    scenario_say(r, "the quota wakes one waiter, with a one-slot token, only "
                    "when it crosses from <= 0 to > 0 (grpc-go's writeQuota)");
    if (quota_lost_wake_up(&qc, st))
        scenario_say(r,
                     "lost wake-up: one sender took the only token, the "
                     "quota stayed above 0, and the other waited %s "
                     "(sent: A %d, B %d)",
                     st == STATUS_DEADLOCK ? "forever" : "until the deadline",
                     qc.sent[0], qc.sent[1]);
    else if (st == STATUS_OK)
        scenario_say(r, "this schedule was lucky: try other seeds, or `duplex "
                        "explore concurrent-senders-quota`");
    else
        say_quota_ended(r, &qc, st);
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
 * A thread that cannot start ends the run: hub_abort cancels every call
 * and wakes every inbox waiter for good, so the threads that did start
 * return.
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
    struct starts starts;  /* the threads run_hub started */
    struct sched_mutex mu; /* guards the inbox and aborted */
    struct sched_cond readable;
    struct sched_cond writable;
    struct hub_item inbox[HUB_INBOX];
    unsigned head, count;
    int aborted;         /* hub_abort ran: nobody waits on the inbox */
    uint64_t forwarded;  /* messages the hub loop sent (its thread only) */
    int *next;           /* next[i * n + k]: the m client i expects from k */
    int *sent;           /* messages client i sent (its sender only) */
    int *closed;         /* client i's CloseSend returned OK */
    uint64_t *got;       /* messages client i received */
    enum status *client_end; /* what client i's receiver ended with */
};

struct hub_arg {
    struct hub *h;
    int i;
};

/*
 * Ends every call and wakes every inbox waiter for good, so that each
 * thread returns: a thread could not start, or the hub loop cannot run.
 */
static void hub_abort(struct hub *h)
{
    int i = 0;

    for (i = 0; h->s != NULL && i < h->n; i++)
        if (h->s[i] != NULL)
            stream_cancel(stream_client(h->s[i]));
    sched_mutex_lock(&h->mu);
    h->aborted = 1;
    sched_cond_broadcast(&h->readable);
    sched_cond_broadcast(&h->writable);
    sched_mutex_unlock(&h->mu);
}

/* Queues it for the hub loop; after hub_abort, drops it rather than wait. */
static void hub_post(struct hub *h, const struct hub_item *it)
{
    sched_mutex_lock(&h->mu);
    while (h->count == HUB_INBOX && !h->aborted)
        if (sched_cond_wait(&h->writable, &h->mu) == STATUS_DEADLOCK)
            break; /* SIM unwinding: the report says why */
    if (h->count < HUB_INBOX) {
        h->inbox[(h->head + h->count) % HUB_INBOX] = *it;
        h->count++;
        sched_cond_signal(&h->readable);
    }
    sched_mutex_unlock(&h->mu);
}

/*
 * Takes everything in the inbox (at least one item) into items.
 * Returns STATUS_OK, STATUS_CANCELLED (aborted and empty), or
 * STATUS_DEADLOCK (SIM mode).
 */
static enum status hub_take(struct hub *h, struct hub_item *items,
                            unsigned *n)
{
    enum status st = STATUS_OK;

    *n = 0;
    sched_mutex_lock(&h->mu);
    while (h->count == 0 && !h->aborted && st == STATUS_OK)
        st = sched_cond_wait(&h->readable, &h->mu);
    while (h->count > 0) {
        items[(*n)++] = h->inbox[h->head];
        h->head = (h->head + 1) % HUB_INBOX;
        h->count--;
    }
    if (*n > 0) {
        sched_cond_broadcast(&h->writable);
        st = STATUS_OK;
    } else if (st == STATUS_OK) {
        st = STATUS_CANCELLED;
    }
    sched_mutex_unlock(&h->mu);
    return st;
}

/* Fan-in: client i's messages into the inbox, then how its stream ended. */
static enum status hub_reader(void *arg)
{
    struct hub_arg *a = arg;
    struct stream_end *e = stream_server(a->h->s[a->i]);
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

    if (sent == NULL) { /* nobody would forward: end the run */
        hub_abort(h);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    while (done < h->n && hub_take(h, batch, &n) == STATUS_OK) {
        for (j = 0; j < h->n; j++) {
            for (k = 0; k < n && sent[j] == STATUS_OK; k++) {
                if (batch[k].st != STATUS_OK || batch[k].from == j)
                    continue;
                sent[j] = stream_send(stream_server(h->s[j]), batch[k].text,
                                      (size_t)batch[k].len, NULL);
                h->forwarded += sent[j] == STATUS_OK;
            }
        }
        for (k = 0; k < n; k++)
            done += batch[k].st != STATUS_OK; /* client from half-closed */
    }
    for (j = 0; j < h->n; j++)
        stream_finish(stream_server(h->s[j]), STATUS_OK, NULL);
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
    struct stream_end *e = stream_client(a->h->s[a->i]);
    char text[HUB_TEXT];
    enum status st = STATUS_OK;
    int m = 0;

    for (m = 0; m < a->h->m && st == STATUS_OK; m++) {
        int len = hub_text(text, sizeof text, a->i, m);

        st = stream_send(e, text, (size_t)len, NULL);
        a->h->sent[a->i] += st == STATUS_OK;
    }
    if (st == STATUS_OK) {
        st = stream_close_send(e);
        a->h->closed[a->i] = st == STATUS_OK;
    }
    return st;
}

/* Every other client's messages, each sender's in order, exactly once. */
static enum status hub_receiver(void *arg)
{
    struct hub_arg *a = arg;
    struct hub *h = a->h;
    struct stream_end *e = stream_client(h->s[a->i]);
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

/*
 * Allocates h's tables and creates its n calls; on failure says so in
 * h->starts.why. Returns STATUS_OK or STATUS_RESOURCE_EXHAUSTED.
 */
static enum status hub_create(struct hub *h, const struct stream_options *so)
{
    size_t n = (size_t)h->n;
    size_t i = 0;

    sched_mutex_init(&h->mu);
    sched_cond_init(&h->readable);
    sched_cond_init(&h->writable);
    h->s = calloc(n, sizeof *h->s);
    h->next = calloc(n * n, sizeof *h->next);
    h->sent = calloc(n, sizeof *h->sent);
    h->closed = calloc(n, sizeof *h->closed);
    h->got = calloc(n, sizeof *h->got);
    h->client_end = calloc(n, sizeof *h->client_end);
    if (h->s == NULL || h->next == NULL || h->sent == NULL ||
        h->closed == NULL || h->got == NULL || h->client_end == NULL)
        goto fail;
    for (i = 0; i < n; i++)
        if (stream_create(NULL, so, &h->s[i]) != STATUS_OK)
            goto fail;
    return STATUS_OK;
fail:
    return status_detail_set(&h->starts.why, STATUS_RESOURCE_EXHAUSTED,
                             "out of memory");
}

static void hub_free(struct hub *h)
{
    int i = 0;

    for (i = 0; h->s != NULL && i < h->n; i++)
        stream_destroy(h->s[i]);
    free(h->s);
    free(h->next);
    free(h->sent);
    free(h->closed);
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

/* Starts the hub loop, then 3 threads per client, until one fails. */
static enum status hub_threads(struct hub *h, struct hub_arg *args,
                               struct sched_thread *th)
{
    static const sched_fn fns[3] = {hub_reader, hub_receiver, hub_sender};
    static const char *const fmt[3] = {"server/read%d", "client%d/recv",
                                       "client%d/send"};
    char name[SCHED_NAME_MAX];
    enum status st = STATUS_OK;
    int i = 0;
    int k = 0;

    st = start_thread(&h->starts, &th[0], "server/hub", hub_loop, h);
    for (i = 0; i < h->n && st == STATUS_OK; i++) {
        args[i].h = h;
        args[i].i = i;
        for (k = 0; k < 3 && st == STATUS_OK; k++) {
            snprintf(name, sizeof name, fmt[k], i + 1);
            st = start_thread(&h->starts, &th[h->starts.started], name, fns[k],
                              &args[i]);
        }
    }
    return st;
}

/* Adds every call's counters into r->stats. */
static void hub_stats(const struct hub *h, struct scenario_result *r)
{
    int i = 0;
    int d = 0;

    for (i = 0; h->s != NULL && i < h->n; i++) {
        struct stream_stats one;

        if (h->s[i] == NULL)
            continue;
        one = stream_get_stats(h->s[i]);
        for (d = 0; d < 2; d++) {
            r->stats.sent[d] += one.sent[d];
            r->stats.received[d] += one.received[d];
            r->stats.bytes_discarded[d] += one.bytes_discarded[d];
            r->stats.write_waits[d] += one.write_waits[d];
            r->stats.read_waits[d] += one.read_waits[d];
        }
    }
}

/* The narration of a run that started every thread: only what it counted. */
static void hub_say(const struct hub *h, struct scenario_result *r,
                    enum status st)
{
    uint64_t want = (uint64_t)h->n * (uint64_t)h->m * (uint64_t)(h->n - 1);
    uint64_t delivered = 0;
    int all_sent = 0;
    int closed = 0;
    int eof = 0;
    int i = 0;

    for (i = 0; i < h->n; i++) {
        all_sent += h->sent[i] == h->m;
        closed += h->closed[i];
        eof += h->client_end[i] == STATUS_EOF;
        delivered += h->got[i];
    }
    if (all_sent == h->n && closed == h->n)
        scenario_say(r,
                     "%d client%s each sent %d message%s on its own "
                     "stream, then CloseSend",
                     h->n, h->n == 1 ? "" : "s", h->m, h->m == 1 ? "" : "s");
    else
        scenario_say(r,
                     "%d of the %d clients sent all %d messages; %d "
                     "called CloseSend",
                     all_sent, h->n, h->m, closed);
    if (h->forwarded == want && delivered == want)
        scenario_say(r,
                     "server/hub sent each to the %d other client%s: %llu "
                     "messages delivered (%d x %d x %d)",
                     h->n - 1, h->n == 2 ? "" : "s",
                     (unsigned long long)h->forwarded, h->n, h->m, h->n - 1);
    else
        scenario_say(r,
                     "server/hub forwarded %llu messages and the clients "
                     "received %llu, of the %llu (%d x %d x %d) a whole "
                     "run delivers",
                     (unsigned long long)h->forwarded,
                     (unsigned long long)delivered, (unsigned long long)want,
                     h->n, h->m, h->n - 1);
    if (st == STATUS_OK && eof == h->n && delivered == want &&
        r->broken[0] == '\0')
        scenario_say(r, "every client got every other client's messages "
                        "once, each sender's in order, then EOF");
    else
        scenario_say(r,
                     "%d of the %d clients got to EOF; the run ended "
                     "with %s",
                     eof, h->n, status_name(st));
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
    int i = 0;

    memset(&h, 0, sizeof h);
    memset(&so, 0, sizeof so);
    h.n = o->clients > 0 ? o->clients : SCENARIO_HUB_CLIENTS;
    h.m = o->messages > 0 ? o->messages : sc->default_messages;
    h.r = r;
    starts_init(&h.starts, o);
    so.capacity = o->capacity > 0 ? o->capacity : sc->default_capacity;
    so.trace = h.n <= HUB_TRACED ? o->trace : NULL;
    args = calloc((size_t)h.n, sizeof *args);
    th = calloc((size_t)h.n * 3 + 1, sizeof *th);
    st = hub_create(&h, &so);
    if (st == STATUS_OK && (args == NULL || th == NULL))
        st = status_detail_set(&h.starts.why, STATUS_RESOURCE_EXHAUSTED,
                               "out of memory");
    if (st == STATUS_OK)
        st = hub_threads(&h, args, th);
    if (st != STATUS_OK)
        hub_abort(&h);
    for (i = 0; i < h.starts.started; i++) {
        enum status t = sched_thread_join(&th[i]);

        if (st == STATUS_OK && t != STATUS_OK)
            st = t;
    }
    hub_stats(&h, r);
    if (h.starts.why.code != STATUS_OK) {
        st = h.starts.why.code;
        r->why = h.starts.why;
        say_short(r, &h.starts, 3 * h.n + 1);
    } else {
        if (st == STATUS_OK)
            hub_check(&h);
        hub_say(&h, r, st);
    }
    if (h.n > HUB_TRACED && o->trace != NULL)
        scenario_say(r, "(no timeline with more than %d clients)", HUB_TRACED);
    if (o->os)
        scenario_say(r,
                     "%d thread%s and %d streams; wall time %.1f ms; "
                     "peak RSS %.1f MiB",
                     h.starts.started, h.starts.started == 1 ? "" : "s", h.n,
                     (double)(sched_now_ns() - t0) / 1e6,
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
    if (r->simulated && r->sim.livelocked)
        return SCENARIO_EXIT_LIVELOCK;
    if (r->simulated && r->sim.deadlocked)
        return SCENARIO_EXIT_DEADLOCK;
    if (r->garbled)
        return SCENARIO_EXIT_GARBLED;
    if (r->status != STATUS_OK)
        return SCENARIO_EXIT_STATUS;
    return SCENARIO_EXIT_OK;
}

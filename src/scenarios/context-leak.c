/*
 * context-leak: which context a stream lives under. A session serves two
 * requests, each of which opens a subscription stream and hands it to a
 * watching thread that outlives the request:
 *
 *   stream 1  bound to request 1's context: when the request returns,
 *             its `defer cancel()` closes the stream under the watcher
 *             ("goroutine escapes, stream closed when ctx times out"):
 *             it gets the first update, then CANCELLED;
 *   stream 2  bound to a context nobody cancels (context.Background()):
 *             when the caller has gone, its watcher and its server still
 *             wait, for ever.
 *
 * At the end the session counts the stream threads still running and
 * the streams whose client has not read their end, and the report prints
 * both. --fix opens both streams under one session context that
 * session_close cancels (and then waits for the session's threads):
 * stream 1 delivers every update, stream 2 ends at the close, and the
 * count is 0 threads, 0 streams.
 *
 * Design
 *   Five threads through run_threads: "session" (the caller, both
 *   requests and the close), and per stream a server ("server1",
 *   "server2") and a watcher ("client1/watch", "client2/watch"). Latches
 *   order what a lesson needs ordered, never sleeps: request 1 returns
 *   once its watcher has the first update, and server 1 sends the rest
 *   only after that; request 2 returns once its watcher has every update.
 *   Each stream thread counts itself live (under mu) from its start to
 *   its return. The count is taken when the session is over: after
 *   stream 1's threads have returned (and, with --fix, after
 *   session_close's wait). Then, in the mistake, the run cancels stream 2
 *   itself, so that its threads return and the run can end: the count
 *   was taken before, and the report says so.
 */
#include "core/context.h"
#include "core/trace.h"
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/registry.h"

/* One subscription: its context (the mistake's own), stream and ends. */
struct leak_sub {
    struct context *ctx; /* the mistake's request or background context */
    struct stream *s;
    int sent, got;          /* updates the server sent, the watcher read */
    enum status server_end; /* the server's last operation */
    enum status watch_end;  /* what ended the watcher's reads */
    struct status_detail watch_why; /* ... in its words */
    int ended;                      /* the watcher read the stream's end */
};

struct leak {
    struct scenario_result *r;
    int fix, n;
    struct context *session; /* --fix: the session's context */
    struct leak_sub sub[2];
    struct latch first;    /* watcher 1 has its first update */
    struct latch returned; /* request 1 has returned */
    struct latch all;      /* watcher 2 has every update */
    struct latch done1;    /* stream 1's two threads have returned */
    struct latch done;     /* all four have returned (--fix's wait) */
    struct sched_mutex mu; /* guards live */
    int live;              /* stream threads running */
    int live_at_end;       /* ... when the session was over */
    int open_at_end;       /* streams not ended then */
    struct starts starts;
    struct run_thread thread[5];
};

/* A stream thread starts (1) or returns (-1). */
static void leak_live(struct leak *l, int delta)
{
    sched_mutex_lock(&l->mu);
    l->live += delta;
    sched_mutex_unlock(&l->mu);
}

/* A stream thread has returned: the latches that wait for it. */
static void leak_exit(struct leak *l, int i)
{
    leak_live(l, -1);
    if (i == 0)
        latch_count_down(&l->done1);
    latch_count_down(&l->done);
}

/* Sends update k of sub i ("update K"). Returns send's status. */
static enum status leak_send(struct leak *l, int i, int k)
{
    struct leak_sub *sub = &l->sub[i];
    char out[32];
    int len = snprintf(out, sizeof out, "update %d", k);
    enum status st = stream_send(stream_server(sub->s), out, (size_t)len, NULL);

    sub->sent += st == STATUS_OK;
    return st;
}

/*
 * server1: the first update, then (once request 1 has returned) the rest,
 * then finishes OK.
 */
static enum status leak_server1(void *arg)
{
    struct leak *l = arg;
    struct leak_sub *sub = &l->sub[0];
    enum status st = STATUS_OK;
    int k = 1;

    leak_live(l, 1);
    st = leak_send(l, 0, k);
    if (st == STATUS_OK)
        st = latch_wait(&l->returned);
    for (k = 2; k <= l->n && st == STATUS_OK; k++)
        st = leak_send(l, 0, k);
    if (st == STATUS_OK)
        st = stream_finish(stream_server(sub->s), STATUS_OK, NULL);
    sub->server_end = st;
    leak_exit(l, 0);
    return STATUS_OK;
}

/*
 * server2: every update, then waits for what the client says next (a
 * subscription ends when its client ends it): the client's EOF finishes
 * it OK, a cancel ends it.
 */
static enum status leak_server2(void *arg)
{
    struct leak *l = arg;
    struct leak_sub *sub = &l->sub[1];
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;
    int k = 0;

    leak_live(l, 1);
    for (k = 1; k <= l->n && st == STATUS_OK; k++)
        st = leak_send(l, 1, k);
    while (st == STATUS_OK)
        st = stream_recv(stream_server(sub->s), &msg, NULL);
    if (st == STATUS_EOF)
        st = stream_finish(stream_server(sub->s), STATUS_OK, NULL);
    sub->server_end = st;
    frame_msg_free(&msg);
    leak_exit(l, 1);
    return STATUS_OK;
}

/* A watcher: reads updates until the stream's end, opening its latch. */
static enum status leak_watch(struct leak *l, int i, struct latch *got,
                              int want)
{
    struct leak_sub *sub = &l->sub[i];
    struct frame_msg msg = {0};
    char text[32];
    enum status st = STATUS_OK;

    leak_live(l, 1);
    while ((st = stream_recv(stream_client(sub->s), &msg, &sub->watch_why)) ==
           STATUS_OK) {
        snprintf(text, sizeof text, "update %d", sub->got + 1);
        if (!same_text(&msg, text))
            broken(l->r, "stream %d's update %d is not \"%s\"", i + 1,
                   sub->got + 1, text);
        if (++sub->got == want)
            latch_count_down(got);
    }
    sub->watch_end = st;
    sub->ended = 1;
    frame_msg_free(&msg);
    leak_exit(l, i);
    return STATUS_OK;
}

static enum status leak_watch1(void *arg)
{
    struct leak *l = arg;

    return leak_watch(l, 0, &l->first, 1);
}

static enum status leak_watch2(void *arg)
{
    struct leak *l = arg;

    return leak_watch(l, 1, &l->all, l->n);
}

/* The count when the session is over: live threads, unended streams. */
static void leak_count(struct leak *l)
{
    sched_mutex_lock(&l->mu);
    l->live_at_end = l->live;
    sched_mutex_unlock(&l->mu);
    l->open_at_end = !l->sub[0].ended + !l->sub[1].ended;
}

/*
 * session: request 1 (returns once its watcher has an update: the
 * mistake's cancel), request 2 (returns once its watcher has every
 * update), then the end: --fix's session_close, the count, and the
 * mistake's teardown of stream 2.
 */
static enum status leak_session(void *arg)
{
    struct leak *l = arg;
    enum status st = latch_wait(&l->first);

    if (st == STATUS_OK && !l->fix)
        context_cancel(l->sub[0].ctx, STATUS_CANCELLED, "request 1 returned");
    latch_count_down(&l->returned);
    if (st == STATUS_OK)
        st = latch_wait(&l->all);
    if (st == STATUS_OK)
        st = latch_wait(&l->done1);
    if (st == STATUS_OK && l->fix) {
        context_cancel(l->session, STATUS_CANCELLED, "session_close");
        st = latch_wait(&l->done);
    }
    if (st == STATUS_OK)
        leak_count(l);
    if (!l->fix)
        context_cancel(l->sub[1].ctx, STATUS_CANCELLED, "the run's end");
    return st;
}

/* Ends a run that could not start every thread: nobody waits for ever. */
static void leak_abort(void *arg)
{
    struct leak *l = arg;
    int i = 0;

    latch_abort(&l->first);
    latch_abort(&l->returned);
    latch_abort(&l->all);
    latch_abort(&l->done1);
    latch_abort(&l->done);
    for (i = 0; i < 2; i++)
        if (l->sub[i].s != NULL)
            stream_cancel(stream_client(l->sub[i].s));
}

/* The streams under their contexts (see the file's comment). */
static enum status leak_open(struct leak *l, const struct scenario *scn,
                             const struct scenario_options *o)
{
    struct stream_options so;
    enum status st = STATUS_OK;
    int i = 0;

    memset(&so, 0, sizeof so);
    so.capacity = call_capacity(scn, o);
    so.trace = o->trace;
    so.wire = o->wire; /* on h2, a connection for each stream */
    so.window = o->window;
    so.conn_window = o->conn_window;
    if (l->fix)
        st = context_create(NULL, &l->session);
    for (i = 0; i < 2 && st == STATUS_OK; i++) {
        if (!l->fix)
            st = context_create(NULL, &l->sub[i].ctx);
        if (st == STATUS_OK)
            st = stream_create(l->fix ? l->session : l->sub[i].ctx, &so,
                               &l->sub[i].s);
    }
    return st;
}

static void leak_init(struct leak *l, const struct scenario *scn,
                      const struct scenario_options *o,
                      struct scenario_result *r)
{
    static const struct {
        const char *name;
        sched_fn fn;
    } threads[] = {{"session", leak_session},
                   {"server1", leak_server1},
                   {"client1/watch", leak_watch1},
                   {"server2", leak_server2},
                   {"client2/watch", leak_watch2}};
    size_t i = 0;

    memset(l, 0, sizeof *l);
    l->r = r;
    l->fix = o->fix;
    l->n = call_messages(scn, o);
    latch_init(&l->first, 1);
    latch_init(&l->returned, 1);
    latch_init(&l->all, 1);
    latch_init(&l->done1, 2);
    latch_init(&l->done, 4);
    sched_mutex_init(&l->mu);
    starts_init(&l->starts, o);
    for (i = 0; i < 5; i++) {
        snprintf(l->thread[i].name, sizeof l->thread[i].name, "%s",
                 threads[i].name);
        l->thread[i].fn = threads[i].fn;
        l->thread[i].arg = l;
    }
}

static void leak_free(struct leak *l)
{
    int i = 0;

    for (i = 0; i < 2; i++) {
        if (l->sub[i].s != NULL)
            stream_destroy(l->sub[i].s);
        if (l->sub[i].ctx != NULL)
            context_destroy(l->sub[i].ctx);
    }
    if (l->session != NULL)
        context_destroy(l->session);
    latch_destroy(&l->first);
    latch_destroy(&l->returned);
    latch_destroy(&l->all);
    latch_destroy(&l->done1);
    latch_destroy(&l->done);
    sched_mutex_destroy(&l->mu);
}

static void leak_say(const struct leak *l, struct scenario_result *r)
{
    const struct leak_sub *a = &l->sub[0];
    const struct leak_sub *b = &l->sub[1];

    scenario_say(r,
                 "stream 1 (%s): server1 sent %d of %d updates and ended "
                 "with %s; client1/watch got %d, then %s",
                 l->fix ? "the session's context" : "request 1's context",
                 a->sent, l->n, status_name(a->server_end), a->got,
                 status_name(a->watch_end));
    scenario_say(r,
                 "stream 2 (%s): client2/watch got %d of %d updates, then "
                 "%s",
                 l->fix ? "the session's context"
                        : "a context never "
                          "cancelled",
                 b->got, l->n, status_name(b->watch_end));
    scenario_say(r,
                 "when the session was over%s: %d stream thread%s still "
                 "running, %d stream%s open",
                 l->fix ? " (session_close cancelled and waited)" : "",
                 l->live_at_end, l->live_at_end == 1 ? "" : "s", l->open_at_end,
                 l->open_at_end == 1 ? "" : "s");
    if (!l->fix && l->live_at_end > 0)
        scenario_say(r, "(the run then cancelled stream 2 itself so that "
                        "it could end; a real process keeps them)");
    if (!l->fix)
        scenario_say(r, "fix: open the streams under a session context "
                        "that session_close cancels; see `duplex run "
                        "context-leak --fix`");
}

static enum status run_context_leak(const struct scenario *scn,
                                    const struct scenario_options *o,
                                    struct scenario_result *r)
{
    struct leak l;
    enum status st = STATUS_OK;

    leak_init(&l, scn, o, r);
    st = leak_open(&l, scn, o);
    if (st == STATUS_OK)
        st = run_threads(&l.starts, l.thread, 5, leak_abort, &l);
    else
        leak_abort(&l);
    r->stats = l.sub[0].s != NULL ? stream_get_stats(l.sub[0].s) : r->stats;
    st = starts_finish(&l.starts, r, 5, st);
    if (l.starts.started == 5) {
        leak_say(&l, r);
        if (l.fix && (l.live_at_end != 0 || l.open_at_end != 0))
            broken(r, "session_close left %d threads and %d streams",
                   l.live_at_end, l.open_at_end);
    }
    /* The caller's outcome: how stream 1, the one it waited on, ended. */
    if (st == STATUS_OK && l.sub[0].watch_end != STATUS_EOF) {
        st = l.sub[0].watch_end;
        r->why = l.sub[0].watch_why;
    }
    leak_free(&l);
    return st;
}

/* client2/watch read an update before client1/watch read its first. */
static int stream2_first(const struct scenario_progress *p)
{
    return challenge_before(challenge_find(p, 0, TRACE_RECV, "client2"),
                            challenge_find(p, 0, TRACE_RECV, "client1"));
}

/* The goals of `duplex step context-leak` (see scenario.h). */
static const struct scenario_challenge leak_challenges[] = {
    {"stream2-first",
     "make client2/watch read an update before client1/watch reads its "
     "first",
     0, stream2_first},
    {"stream2-first",
     "make client2/watch read an update before client1/watch reads its "
     "first",
     1, stream2_first},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_context_leak = {
    .name = "context-leak",
    .summary = "a stream on the request's context dies with it; one on no "
               "context outlives the caller",
    .fix_summary = "both streams on a session context that session_close "
                   "cancels: 0 threads left",
    .default_messages = 3,
    .min_messages = 2,
    .expected = SCENARIO_EXIT_STATUS,
    .expected_fix = SCENARIO_EXIT_OK,
    .body = run_context_leak,
    .challenges = leak_challenges,
};

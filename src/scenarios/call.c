/*
 * call: the harness every scenario runs on (see call.h).
 *
 * Design
 *   Everything here is scheduled through sched, so each lock, wait and
 *   thread start is a scheduling point of the simulator: the order of
 *   these calls is part of every seed's run, and the golden outputs pin
 *   it. A change that adds or drops one changes the schedules.
 *
 *   Starting threads goes through start_thread and start_task, which
 *   count every attempt (struct starts): a test can refuse the Nth start
 *   as a `ulimit -u` would, and the first failure is kept, in errno's
 *   words, for the run's status.
 */
#include "scenarios/call.h"

#include <errno.h>
#include <stdlib.h>

#include "core/pipe.h"

/* ---- a one-shot or counting handshake ----------------------------------- */

void latch_init(struct latch *l, int count)
{
    sched_mutex_init(&l->mu);
    sched_cond_init(&l->opened);
    l->count = count;
    l->aborted = 0;
}

void latch_destroy(struct latch *l)
{
    sched_cond_destroy(&l->opened);
    sched_mutex_destroy(&l->mu);
}

void latch_count_down(struct latch *l)
{
    sched_note("latch_count_down (a handshake)");
    sched_mutex_lock(&l->mu);
    if (l->count > 0 && --l->count == 0)
        sched_cond_broadcast(&l->opened);
    sched_mutex_unlock(&l->mu);
    sched_note_end();
}

void latch_abort(struct latch *l)
{
    sched_mutex_lock(&l->mu);
    l->aborted = 1;
    sched_cond_broadcast(&l->opened);
    sched_mutex_unlock(&l->mu);
}

enum status latch_wait(struct latch *l)
{
    enum status st = STATUS_OK;

    sched_note("latch_wait (a handshake: waits until it opens)");
    sched_mutex_lock(&l->mu);
    while (l->count > 0 && !l->aborted && st == STATUS_OK)
        st = sched_cond_wait(&l->opened, &l->mu);
    if (st == STATUS_OK && l->count > 0)
        st = STATUS_CANCELLED;
    sched_mutex_unlock(&l->mu);
    sched_note_end();
    return st;
}

/* ---- starting threads --------------------------------------------------- */

void starts_init(struct starts *s, const struct scenario_options *o)
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

enum status starts_finish(struct starts *s, struct scenario_result *r,
                          int needed, enum status st)
{
    if (s->started >= needed)
        return st;
    if (s->why.code == STATUS_OK) /* before any thread */
        status_detail_set(&s->why, STATUS_RESOURCE_EXHAUSTED,
                          "out of memory");
    r->why = s->why;
    say_short(r, s, needed);
    return s->why.code;
}

enum status run_threads(struct starts *s, struct run_thread *t, size_t n,
                        void (*abort_run)(void *abort_arg), void *abort_arg)
{
    enum status st = STATUS_OK;
    size_t started = 0;
    size_t i = 0;

    sched_note("run_threads: starts the run's threads, then joins them");
    while (started < n && st == STATUS_OK) {
        st = start_thread(s, &t[started].thread, t[started].name,
                          t[started].fn, t[started].arg);
        started += st == STATUS_OK;
    }
    if (st != STATUS_OK) /* a thread is missing: nobody may wait for it */
        abort_run(abort_arg);
    for (i = 0; i < started; i++) {
        enum status one = sched_thread_join(&t[i].thread);

        if (st == STATUS_OK && one != STATUS_OK)
            st = one;
    }
    return st;
}

/* ---- one call ----------------------------------------------------------- */

int call_messages(const struct scenario *sc, const struct scenario_options *o)
{
    return o->messages > 0 ? o->messages : sc->default_messages;
}

size_t call_capacity(const struct scenario *sc,
                     const struct scenario_options *o)
{
    if (o->capacity > 0)
        return o->capacity;
    return sc->default_capacity > 0 ? sc->default_capacity
                                    : PIPE_DEFAULT_CAPACITY;
}

size_t call_holds(const struct scenario *sc, const struct scenario_options *o,
                  size_t frame)
{
    int32_t w = o->window > 0 ? o->window : CALL_H2_WINDOW;
    int32_t cw = o->conn_window > 0 ? o->conn_window : CALL_H2_WINDOW;

    if (o->wire == NULL || strcmp(o->wire->name, "h2") != 0)
        return call_capacity(sc, o);
    return CALL_H2_WRITE_QUOTA + frame - 1 + (size_t)(w < cw ? w : cw);
}

void call_init(struct call *c, const struct scenario *sc,
               const struct scenario_options *o, struct scenario_result *r,
               int latch)
{
    memset(c, 0, sizeof *c);
    c->r = r;
    c->fix = o->fix;
    c->n = call_messages(sc, o);
    c->text = message_text;
    c->so.capacity = call_capacity(sc, o);
    c->so.trace = o->trace;
    c->so.wire = o->wire;
    c->so.window = o->window;
    c->so.conn_window = o->conn_window;
    if (o->timeout_ms > 0)
        c->so.timeout_ns = o->timeout_ms * 1000000;
    c->server_end = STATUS_OK;
    c->sender_end = STATUS_OK;
    c->receiver_end = STATUS_OK;
    latch_init(&c->latch, latch);
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

int call_short(const struct call *c)
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
    st = starts_finish(&c->starts, c->r, c->threads, st);
    c->r->status = st;
    return st;
}

enum status run_call(struct call *c, sched_fn server, const struct task *tasks,
                     size_t ntasks)
{
    struct group *g = NULL;
    struct sched_thread srv;
    enum status st = STATUS_OK;
    size_t i = 0;

    c->threads = 1 + (int)ntasks;
    sched_note("run_call: starts the threads, then waits for them");
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

/* ---- the standard client sender ----------------------------------------- */

/*
 * Client sender: send n messages, then half-close (unless it is to forget
 * to: c->forget_close_send). An EOF from send means the server ended the
 * call: the receiver will read its status, so that is not an error.
 */
static enum status client_sender(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    char text[CALL_TEXT_MAX];
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
enum status send_then_close(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    enum status st = client_sender(c, why);

    c->closed_send =
        st == STATUS_OK && c->sender_end == STATUS_OK && !c->forget_close_send;
    return st;
}

void say_client_sent(struct scenario_result *r, const struct call *c,
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

/* ---- running a scenario ------------------------------------------------- */

/* What sched_sim_run runs: the scenario's body as the "main" thread. */
struct sim_job {
    const struct scenario *sc;
    const struct scenario_options *o;
    struct scenario_result *r;
};

static enum status sim_main(void *arg)
{
    struct sim_job *job = arg;

    return job->sc->body(job->sc, job->o, job->r);
}

enum status run_body(const struct scenario *sc,
                     const struct scenario_options *o,
                     struct scenario_result *r)
{
    struct sched_sim_options so;
    struct sim_job job = {sc, o, r};
    enum status st = STATUS_OK;
    enum status body = STATUS_OK;

    if (o->os)
        return sc->body(sc, o, r);
    memset(&so, 0, sizeof so);
    so.strategy = o->strategy;
    so.seed = o->seed;
    so.forced = o->forced;
    so.nforced = o->nforced;
    so.custom = o->custom;
    so.notes = o->notes;
    r->simulated = 1;
    st = sched_sim_run(&so, sim_main, &job, &body, &r->sim);
    return st != STATUS_OK ? st : body;
}

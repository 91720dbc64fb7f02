/*
 * test_note: what a simulated run tells a strategy that shows it (`duplex
 * step`): each thread's note (sched_note, note.c), the threads at a
 * decision (strategy_thread_get), the decisions each trace event was
 * recorded after, and the threads' names after the run.
 *
 * How these tests work
 *
 *   One small call runs under the simulator: client/a and client/b each
 *   send two messages on one stream (the two-senders misuse: it is only
 *   watched here), the server reads to EOF, main joins the senders and
 *   half-closes. A custom strategy looks at every thread at every decision
 *   and keeps what it saw as text, for the test to assert on after the
 *   run (nothing asserts inside a simulated thread: see test_sched_sim).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/strategy.h"
#include "core/stream.h"
#include "core/trace.h"

/* ---- the run: two senders and a reader on one stream ------------------- */

struct call2 {
    struct stream *s;
    struct trace *trace;
    int got;    /* messages the server read */
    int noting; /* sched_noting() as main saw it */
};

static enum status send_two(struct call2 *c, const char *who)
{
    char text[24];
    enum status st = STATUS_OK;
    int i = 0;

    for (i = 1; i <= 2 && st == STATUS_OK; i++) {
        snprintf(text, sizeof text, "%s%d", who, i);
        st = stream_send(stream_client(c->s), text, strlen(text), NULL);
    }
    return st;
}

static enum status sender_a(void *arg)
{
    return send_two(arg, "A");
}

static enum status sender_b(void *arg)
{
    return send_two(arg, "B");
}

static enum status reader(void *arg)
{
    struct call2 *c = arg;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_server(c->s), &msg, NULL)) == STATUS_OK)
        c->got++;
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

static enum status call_main(void *arg)
{
    struct call2 *c = arg;
    struct stream_options so;
    struct sched_thread t[3];

    memset(&so, 0, sizeof so);
    so.capacity = 64;
    so.trace = c->trace;
    c->noting = sched_noting();
    if (stream_create(NULL, &so, &c->s) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    sched_thread_start(&t[0], "server", reader, c);
    sched_thread_start(&t[1], "client/a", sender_a, c);
    sched_thread_start(&t[2], "client/b", sender_b, c);
    sched_thread_join(&t[1]);
    sched_thread_join(&t[2]);
    stream_close_send(stream_client(c->s));
    sched_thread_join(&t[0]);
    stream_destroy(c->s);
    return STATUS_OK;
}

/* ---- a strategy that looks at every thread ------------------------------ */

#define SEEN_MAX 256

struct watcher {
    struct strategy base;
    struct strategy_random random; /* it chooses as this seed would */
    const struct trace *trace;
    size_t calls;
    char seen[SEEN_MAX][STRATEGY_DOING_MAX + SCHED_NAME_MAX + 16];
    size_t nseen;
    size_t events_at[SEEN_MAX]; /* trace_length at decision k */
    int bad_count;              /* strategy_thread_count disagreed */
};

static void keep(struct watcher *w, const struct strategy_thread *t)
{
    static const char *const states[] = {"runnable", "blocked", "done"};

    if (w->nseen < SEEN_MAX)
        snprintf(w->seen[w->nseen++], sizeof w->seen[0], "%s %s: %s", t->name,
                 states[t->state], t->doing);
}

static int watch_choose(void *self, uint64_t runnable, int current, size_t k)
{
    struct watcher *w = self;
    struct strategy_thread t;
    int n = strategy_thread_count();
    int i = 0;

    for (i = 0; i < n; i++) {
        strategy_thread_get(i, &t);
        keep(w, &t);
        if ((t.state == STRATEGY_THREAD_RUNNABLE) != (int)(runnable >> i & 1))
            w->bad_count++;
    }
    if (k < SEEN_MAX)
        w->events_at[k] = trace_length(w->trace);
    w->calls++;
    return w->random.base.choose(&w->random, runnable, current, k);
}

static void watcher_init(struct watcher *w, uint64_t seed,
                         const struct trace *t)
{
    memset(w, 0, sizeof *w);
    w->base.choose = watch_choose;
    w->base.self = w;
    w->trace = t;
    strategy_random_init(&w->random, seed);
}

/* Runs the call with o; the test owns *r (sched_sim_result_free). */
static void run_call(const struct sched_sim_options *o, struct call2 *c,
                     struct sched_sim_result *r)
{
    enum status body = STATUS_UNKNOWN;

    assert_int_equal(sched_sim_run(o, call_main, c, &body, r), STATUS_OK);
    assert_int_equal(body, STATUS_OK);
    assert_int_equal(r->deadlocked, 0);
}

/* 1 when some line the watcher saw is exactly want. */
static int saw(const struct watcher *w, const char *want)
{
    size_t i = 0;

    for (i = 0; i < w->nseen; i++)
        if (strcmp(w->seen[i], want) == 0)
            return 1;
    return 0;
}

/* ---- tests -------------------------------------------------------------- */

/*
 * Keeping notes changes no schedule: with notes, and with a strategy that
 * looks at every thread, each seed makes the same decisions, in as many
 * steps, as without.
 */
static void test_note_changes_no_schedule(void **state)
{
    struct sched_sim_options o;
    struct sched_sim_result plain, noted;
    struct watcher *w = calloc(1, sizeof *w);
    struct call2 c;
    uint64_t seed = 0;
    size_t k = 0;

    (void)state;
    assert_non_null(w);
    for (seed = 1; seed <= 8; seed++) {
        memset(&o, 0, sizeof o);
        o.seed = seed;
        memset(&c, 0, sizeof c);
        run_call(&o, &c, &plain);
        assert_int_equal(c.noting, 0);
        watcher_init(w, seed, NULL);
        o.custom = &w->base;
        o.notes = 1;
        memset(&c, 0, sizeof c);
        run_call(&o, &c, &noted);
        assert_int_equal(c.noting, 1);
        assert_int_equal(noted.steps, plain.steps);
        assert_int_equal(noted.ndecisions, plain.ndecisions);
        for (k = 0; k < plain.ndecisions; k++) { /* (not the padding) */
            assert_int_equal(noted.decisions[k].runnable,
                             plain.decisions[k].runnable);
            assert_int_equal(noted.decisions[k].current,
                             plain.decisions[k].current);
            assert_int_equal(noted.decisions[k].chosen,
                             plain.decisions[k].chosen);
        }
        assert_int_equal(w->calls, plain.ndecisions);
        assert_int_equal(w->bad_count, 0);
        sched_sim_result_free(&plain);
        sched_sim_result_free(&noted);
    }
    free(w);
}

/*
 * At a decision a thread reads as the lesson says it: the call it is in,
 * the part of the frame it is at, and the pipe's state at that moment; a
 * blocked one says what it waits for; one not started yet says so.
 */
static void test_note_says_what_each_thread_does(void **state)
{
    struct sched_sim_options o;
    struct sched_sim_result r;
    struct watcher *w = calloc(1, sizeof *w);
    struct call2 c;

    (void)state;
    assert_non_null(w);
    memset(&o, 0, sizeof o);
    watcher_init(w, 1, NULL);
    o.custom = &w->base;
    o.notes = 1;
    memset(&c, 0, sizeof c);
    run_call(&o, &c, &r);
    assert_true(saw(w, "client/b runnable: has not started yet"));
    assert_true(saw(w, "client/a runnable: stream_send \"A1\" into c2s: "
                       "writes the header (5 B); c2s: 0/64 bytes used"));
    assert_true(saw(w, "client/a runnable: stream_send \"A1\" into c2s: "
                       "writes the payload (2 B); c2s: 5/64 bytes used"));
    assert_true(saw(w, "server blocked: waits for data on c2s (empty, "
                       "writer open), in stream_recv from c2s"));
    assert_true(saw(w, "main blocked: waits for client/a to finish"));
    sched_sim_result_free(&r);
    free(w);
}

/* Without notes, and outside a simulation, sched_note* do nothing. */
static void test_note_outside_a_noting_run_is_nothing(void **state)
{
    (void)state;
    assert_int_equal(sched_noting(), 0);
    sched_note("stream_send %s", "x");
    sched_note_detail(NULL, NULL, "part %d", 1);
    sched_note_end();
    assert_int_equal(sched_noting(), 0);
}

/*
 * Each event keeps the decisions made before it: never more than the run
 * made, never fewer than an earlier event's, and an event recorded after
 * the strategy was asked at decision k has at least k + 1.
 */
static void test_note_trace_events_count_decisions(void **state)
{
    struct sched_sim_options o;
    struct sched_sim_result r;
    struct watcher *w = calloc(1, sizeof *w);
    struct call2 c;
    uint32_t last = 0;
    size_t i = 0, k = 0;

    (void)state;
    assert_non_null(w);
    memset(&c, 0, sizeof c);
    c.trace = trace_create();
    assert_non_null(c.trace);
    memset(&o, 0, sizeof o);
    watcher_init(w, 3, c.trace);
    o.custom = &w->base;
    run_call(&o, &c, &r);
    assert_true(r.ndecisions > 2 && r.ndecisions < SEEN_MAX);
    for (i = 0; i < trace_length(c.trace); i++) {
        const struct trace_event *e = trace_event_at(c.trace, i);

        assert_true(e->decisions >= last);
        assert_true(e->decisions <= r.ndecisions);
        last = e->decisions;
    }
    for (k = 0; k < r.ndecisions; k++)
        for (i = w->events_at[k]; i < trace_length(c.trace); i++)
            assert_true(trace_event_at(c.trace, i)->decisions >= k + 1);
    assert_true(last > 0);
    trace_destroy(c.trace);
    sched_sim_result_free(&r);
    free(w);
}

/* After the run, its result names every thread by number. */
static void test_note_result_names_the_threads(void **state)
{
    struct sched_sim_options o;
    struct sched_sim_result r;
    struct call2 c;

    (void)state;
    memset(&o, 0, sizeof o);
    memset(&c, 0, sizeof c);
    run_call(&o, &c, &r);
    assert_int_equal(r.nthreads, 4);
    assert_string_equal(r.thread_names[0], "main");
    assert_string_equal(r.thread_names[1], "server");
    assert_string_equal(r.thread_names[2], "client/a");
    assert_string_equal(r.thread_names[3], "client/b");
    sched_sim_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_note_changes_no_schedule),
        cmocka_unit_test(test_note_says_what_each_thread_does),
        cmocka_unit_test(test_note_outside_a_noting_run_is_nothing),
        cmocka_unit_test(test_note_trace_events_count_decisions),
        cmocka_unit_test(test_note_result_names_the_threads),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

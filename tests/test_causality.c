/*
 * test_causality: a cause is recorded before anything it wakes.
 *
 * A reader of a timeline takes its order for the order of events: an
 * effect printed before its cause ("send WAKE c2s: CANCELLED" above the
 * CANCEL that woke it) tells a story that did not happen. These tests run
 * every scenario, with and without --fix, under many seeds of the
 * simulator (and some on real threads), and check the order the trace
 * kept:
 *   - a WAKE or EOF (or an ERROR CANCELLED) whose status is a teardown's
 *     reason (CANCELLED, INTERNAL, ...: anything but what a thread finds
 *     by itself, OK, EOF, CLOSED, a deadline it saw pass, a deadlock)
 *     comes after a CANCEL with that status, or after the FINISH whose
 *     status it reads;
 *   - in error-propagation, the receiver's own INVALID_ARGUMENT is an
 *     event, and it comes before the CANCEL it leads to;
 *   - the steps (SIM mode) never go down: events are kept in the order
 *     they happened.
 * And at the stream level: a CANCEL event is whole (its dropped bytes
 * written in) and precedes the blocked sender's WAKE on real threads too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sched.h"
#include "core/stream.h"
#include "core/trace.h"
#include "scenarios/scenario.h"

/* Seeds per scenario and variant: schedules enough to vary the order. */
enum { SEEDS = 40 };

/* Whether a thread can find status by itself, with no teardown behind it. */
static int found_alone(enum status st)
{
    return st == STATUS_OK || st == STATUS_EOF || st == STATUS_CLOSED ||
           st == STATUS_DEADLINE_EXCEEDED || st == STATUS_DEADLOCK;
}

/* "step 222: send WAKE c2s: CANCELLED", for a failure message. */
static void describe(const struct trace_event *e, char *buf, size_t cap)
{
    snprintf(buf, cap, "%lld %s %s %s: %s", (long long)e->t_ns, e->thread,
             trace_kind_name(e->kind), e->dir, status_name(e->status));
}

/*
 * Fails when an event of t that a teardown (or the server's finish, for
 * the status the client's recv reads) causes comes before the CANCEL (or
 * FINISH) with its status, or when the steps go down. what names the run.
 */
static void assert_causes_first(const struct trace *t, const char *what)
{
    int cancelled[STATUS_DEADLOCK + 1];
    int64_t last = 0;
    size_t i = 0;
    char buf[160];

    memset(cancelled, 0, sizeof cancelled);
    for (i = 0; i < trace_length(t); i++) {
        const struct trace_event *e = trace_event_at(t, i);
        /* An ERROR may be a cause (a misuse, an app's own error), unless
         * it is a cancel's. */
        int effect = e->kind == TRACE_WAKE || e->kind == TRACE_EOF ||
                     (e->kind == TRACE_ERROR && e->status == STATUS_CANCELLED);

        describe(e, buf, sizeof buf);
        if (trace_in_steps(t) && e->t_ns < last)
            fail_msg("%s: event %zu (%s) goes back from step %lld", what, i,
                     buf, (long long)last);
        last = e->t_ns;
        if ((e->kind == TRACE_CANCEL || e->kind == TRACE_FINISH) &&
            (int)e->status <= STATUS_DEADLOCK)
            cancelled[e->status] = 1;
        if (effect && !found_alone(e->status) &&
            (int)e->status <= STATUS_DEADLOCK && !cancelled[e->status])
            fail_msg("%s: event %zu (%s) comes before the CANCEL (or "
                     "FINISH) that caused it",
                     what, i, buf);
    }
}

/* Runs sc (fix: its --fix) with o, checks the order, returns its status. */
static enum status run_checked(const struct scenario *sc,
                               struct scenario_options o, int fix)
{
    struct scenario_result r;
    struct trace *t = trace_create();
    char what[96];
    enum status st = STATUS_OK;

    assert_non_null(t);
    o.fix = fix;
    o.trace = t;
    scenario_run(sc, &o, &r);
    snprintf(what, sizeof what, "%s%s %s %llu", sc->name, fix ? " --fix" : "",
             o.os ? "os run" : "seed", (unsigned long long)o.seed);
    assert_causes_first(t, what);
    st = r.status;
    scenario_result_free(&r);
    trace_destroy(t);
    return st;
}

static void test_causality_every_scenario_every_seed(void **state)
{
    size_t i = 0;
    uint64_t seed = 0;

    (void)state;
    for (i = 0; i < scenario_count(); i++) {
        const struct scenario *sc = scenario_at(i);
        struct scenario_options o;

        memset(&o, 0, sizeof o);
        for (seed = 1; seed <= SEEDS; seed++) {
            o.seed = seed;
            run_checked(sc, o, 0);
            if (sc->fix_summary != NULL)
                run_checked(sc, o, 1);
        }
    }
}

/* With a deadline, the teardown's reason is DEADLINE_EXCEEDED. */
static void test_causality_with_a_deadline(void **state)
{
    const struct scenario *sc = scenario_find("forgot-close-send");
    struct scenario_options o;
    uint64_t seed = 0;

    (void)state;
    assert_non_null(sc);
    memset(&o, 0, sizeof o);
    o.timeout_ms = 250;
    for (seed = 1; seed <= SEEDS; seed++) {
        o.seed = seed;
        assert_int_equal(run_checked(sc, o, 0), STATUS_DEADLINE_EXCEEDED);
    }
}

/* The index of the first event of kind with status in t, or -1. */
static long find(const struct trace *t, enum trace_kind kind, enum status st)
{
    size_t i = 0;

    for (i = 0; i < trace_length(t); i++) {
        const struct trace_event *e = trace_event_at(t, i);

        if (e->kind == kind && e->status == st)
            return (long)i;
    }
    return -1;
}

/* Runs error-propagation with o; checks its events' order. */
static void check_error_propagation(struct scenario_options o)
{
    const struct scenario *sc = scenario_find("error-propagation");
    struct scenario_result r;
    struct trace *t = trace_create();
    long error = 0, cancel = 0, wake = 0;

    assert_non_null(sc);
    assert_non_null(t);
    o.trace = t;
    scenario_run(sc, &o, &r);
    assert_int_equal(r.status, STATUS_INVALID_ARGUMENT);
    error = find(t, TRACE_ERROR, STATUS_INVALID_ARGUMENT);
    cancel = find(t, TRACE_CANCEL, STATUS_CANCELLED);
    wake = find(t, TRACE_WAKE, STATUS_CANCELLED);
    assert_true(error >= 0);
    assert_string_equal(trace_event_at(t, (size_t)error)->thread,
                        "client/recv");
    assert_string_equal(trace_event_at(t, (size_t)error)->text,
                        "rejected echo 3 on purpose");
    assert_true(cancel > error);
    assert_true(wake == -1 || wake > cancel);
    /* The words say what happened: nothing was checked, so no check failed. */
    assert_string_equal(r.why.text, "rejected echo 3 on purpose");
    assert_null(strstr(r.report, "validation"));
    scenario_result_free(&r);
    trace_destroy(t);
}

static void
test_causality_error_propagation_records_the_first_error(void **state)
{
    struct scenario_options o;
    int i = 0;

    (void)state;
    memset(&o, 0, sizeof o);
    for (o.seed = 1; o.seed <= SEEDS; o.seed++)
        check_error_propagation(o);
    /* On real threads too: the order does not depend on the simulator. */
    memset(&o, 0, sizeof o);
    o.os = 1;
    for (i = 0; i < 20; i++)
        check_error_propagation(o);
}

/* A sender blocked on a full pipe, for the thread that cancels. */
struct blocked {
    struct stream *s;
    enum status st;
};

static enum status send_until_blocked(void *arg)
{
    struct blocked *b = arg;
    static const char text[] = "more than the pipe holds";

    do {
        b->st = stream_send(stream_client(b->s), text, sizeof text, NULL);
    } while (b->st == STATUS_OK);
    return STATUS_OK;
}

static void test_causality_cancel_precedes_the_wake_it_causes(void **state)
{
    int round = 0;

    (void)state;
    for (round = 0; round < 50; round++) {
        struct trace *t = trace_create();
        struct stream_options so;
        struct blocked b;
        struct sched_thread th;
        long block = -1, cancel = -1, wake = -1;

        assert_non_null(t);
        memset(&so, 0, sizeof so);
        so.trace = t;
        so.capacity = 16;
        memset(&b, 0, sizeof b);
        assert_int_equal(stream_create(NULL, &so, &b.s), STATUS_OK);
        assert_int_equal(
            sched_thread_start(&th, "client/send", send_until_blocked, &b),
            STATUS_OK);
        /* Cancel once the sender is blocked: its BLOCK is in the trace. */
        while (trace_count(t, TRACE_BLOCK) == 0)
            sched_yield();
        stream_cancel(stream_server(b.s));
        sched_thread_join(&th);
        assert_int_equal(b.st, STATUS_EOF); /* a client's send: io.EOF */
        block = find(t, TRACE_BLOCK, STATUS_OK);
        cancel = find(t, TRACE_CANCEL, STATUS_CANCELLED);
        wake = find(t, TRACE_WAKE, STATUS_CANCELLED);
        assert_true(block >= 0 && cancel > block && wake > cancel);
        assert_causes_first(t, "a cancel on real threads");
        /* The CANCEL was begun first and still got its dropped bytes. */
        assert_non_null(
            strstr(trace_event_at(t, (size_t)cancel)->text, "(dropped c2s "));
        stream_destroy(b.s);
        trace_destroy(t);
    }
}

/* trace_event_begin keeps the event's place; trace_event_text its words. */
static void test_causality_trace_event_begin_then_text(void **state)
{
    struct trace *t = trace_create();
    size_t mark = 0;

    (void)state;
    assert_non_null(t);
    mark = trace_event_begin(t, TRACE_CANCEL, "c2s", STATUS_CANCELLED);
    assert_int_equal(mark, 0);
    trace_event(t, TRACE_WAKE, "c2s", 0, 0, STATUS_CANCELLED, "woken");
    assert_string_equal(trace_event_at(t, 0)->text, "");
    trace_event_text(t, mark, "context canceled (dropped %d B)", 9);
    assert_int_equal(trace_length(t), 2);
    assert_int_equal(trace_event_at(t, 0)->kind, TRACE_CANCEL);
    assert_int_equal(trace_event_at(t, 0)->status, STATUS_CANCELLED);
    assert_string_equal(trace_event_at(t, 0)->dir, "c2s");
    assert_string_equal(trace_event_at(t, 0)->text,
                        "context canceled (dropped 9 B)");
    assert_string_equal(trace_event_at(t, 1)->text, "woken");
    /* Nothing to write into: no trace, or an event that was not kept. */
    assert_true(trace_event_begin(NULL, TRACE_CANCEL, NULL, STATUS_OK) ==
                TRACE_NO_MARK);
    trace_event_text(NULL, 0, "ignored");
    trace_event_text(t, TRACE_NO_MARK, "ignored");
    assert_string_equal(trace_event_at(t, 1)->text, "woken");
    trace_destroy(t);
}

/* A trace that is full keeps no begun event, and says so with the mark. */
static void test_causality_trace_event_begin_when_full(void **state)
{
    struct trace *t = trace_create();
    size_t i = 0;

    (void)state;
    assert_non_null(t);
    for (i = 0; i < TRACE_MAX_EVENTS; i++)
        trace_event(t, TRACE_NOTE, NULL, 0, 0, STATUS_OK, "%zu", i);
    assert_true(trace_event_begin(t, TRACE_CANCEL, NULL, STATUS_CANCELLED) ==
                TRACE_NO_MARK);
    assert_int_equal(trace_dropped(t), 1);
    trace_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_causality_trace_event_begin_then_text),
        cmocka_unit_test(test_causality_trace_event_begin_when_full),
        cmocka_unit_test(test_causality_cancel_precedes_the_wake_it_causes),
        cmocka_unit_test(
            test_causality_error_propagation_records_the_first_error),
        cmocka_unit_test(test_causality_every_scenario_every_seed),
        cmocka_unit_test(test_causality_with_a_deadline),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

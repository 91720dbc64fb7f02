/*
 * Tests for explore and explore_scenario: the bounded search finds the
 * schedules that break the racy scenarios, replays them exactly, and finds
 * none in the correct ones; random exploration and the schedule limit
 * behave as documented; explore_function searches any function.
 *
 * The runs are kept small (one or two messages, low bounds) so the whole
 * file stays fast, also under the sanitizers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/sched.h"
#include "explore/explore.h"
#include "h2/h2_wire.h"
#include "scenarios/explore_scenario.h"
#include "scenarios/scenario.h"

static struct explore_result *explore_limit(const char *name, int bound,
                                            int messages, int fix,
                                            uint64_t limit)
{
    const struct scenario *sc = scenario_find(name);
    struct explore_options o;
    struct explore_result *r = calloc(1, sizeof *r);

    assert_non_null(sc);
    assert_non_null(r);
    memset(&o, 0, sizeof o);
    o.max_preemptions = bound;
    o.base.messages = messages;
    o.base.fix = fix;
    o.max_schedules = limit;
    assert_int_equal(explore_run(sc, &o, r), STATUS_OK);
    return r;
}

static struct explore_result *explore(const char *name, int bound, int messages,
                                      int fix)
{
    return explore_limit(name, bound, messages, fix, 0);
}

static void done(struct explore_result *r)
{
    explore_result_free(r);
    free(r);
}

static uint64_t sum_by_exit(const struct explore_result *r)
{
    uint64_t sum = 0;
    int i = 0;

    for (i = 0; i <= SCENARIO_EXIT_LIVELOCK; i++)
        sum += r->by_exit[i];
    return sum;
}

/* Replays r's first failing schedule and returns the run's exit code. */
static int replay(const char *name, int messages,
                  const struct explore_result *r)
{
    struct scenario_options o;
    struct scenario_result *run = calloc(1, sizeof *run);
    int8_t *forced = NULL;
    size_t n = 0;
    int code = 0;

    assert_non_null(run);
    assert_int_equal(sched_schedule_parse(r->replay, &forced, &n), STATUS_OK);
    memset(&o, 0, sizeof o);
    o.messages = messages;
    o.strategy = SCHED_IN_ORDER;
    o.forced = forced;
    o.nforced = n;
    scenario_run(scenario_find(name), &o, run);
    assert_int_equal(run->sim.diverged, 0);
    code = (int)scenario_exit_code(run);
    scenario_result_free(run);
    free(run);
    free(forced);
    return code;
}

static void test_explore_finds_the_garbled_schedule(void **state)
{
    struct explore_result *r = explore("concurrent-senders", 1, 1, 0);

    (void)state;
    assert_int_equal(r->complete, 1);
    assert_true(r->schedules > 1);
    assert_true(r->failing > 0);
    assert_true(r->failing < r->schedules);
    assert_int_equal(r->have_failure, 1);
    assert_int_equal(r->first.garbled, 1);
    assert_int_equal(sum_by_exit(r), r->schedules);
    assert_int_equal(r->by_exit[SCENARIO_EXIT_GARBLED], r->failing);
    /* The replay string makes the same run again: garbled, exactly. */
    assert_string_not_equal(r->replay, "-");
    assert_int_equal(replay("concurrent-senders", 1, r), SCENARIO_EXIT_GARBLED);
    done(r);
}

/*
 * Without preemptions, the only switches are where a thread blocks: a
 * sender keeps the pipe between its header and its payload, so none of
 * these schedules garbles.
 */
static void test_explore_bound_zero_never_preempts(void **state)
{
    struct explore_result *r = explore("concurrent-senders", 0, 1, 0);

    (void)state;
    assert_int_equal(r->complete, 1);
    assert_true(r->schedules > 1);
    assert_int_equal(r->failing, 0);
    done(r);
}

static void test_explore_fixed_senders_never_garble(void **state)
{
    /* Four threads and a queue: the first 3,000 schedules of bound 1. */
    struct explore_result *r =
        explore_limit("concurrent-senders", 1, 1, 1, 3000);

    (void)state;
    assert_int_equal(r->schedules, 3000);
    assert_int_equal(r->failing, 0);
    assert_int_equal(r->have_failure, 0);
    done(r);
}

static void test_explore_finds_the_lost_wake_up(void **state)
{
    struct explore_result *r = explore("concurrent-senders-quota", 1, 2, 0);

    (void)state;
    assert_true(r->failing > 0);
    assert_int_equal(r->first.sim.deadlocked, 1);
    assert_non_null(strstr(r->first.sim.report, "send-quota wake-up"));
    assert_int_equal(replay("concurrent-senders-quota", 2, r),
                     SCENARIO_EXIT_DEADLOCK);
    done(r);
}

static void test_explore_fixed_quota_never_deadlocks(void **state)
{
    struct explore_result *r = explore("concurrent-senders-quota", 1, 2, 1);

    (void)state;
    assert_int_equal(r->complete, 1);
    assert_int_equal(r->failing, 0);
    assert_int_equal(r->by_exit[SCENARIO_EXIT_OK], r->schedules);
    done(r);
}

/*
 * The correct scenarios end as documented in every schedule: bound 2 for
 * the small runs, bound 1 for the longer ones (`duplex explore` does bound
 * 2 for all; the README has the counts).
 */
static void test_explore_correct_scenarios_never_fail(void **state)
{
    static const struct {
        const char *name;
        int bound;
        int messages;
    } cases[] = {
        {"echo", 1, 1},
        {"chat", 1, 1},
        {"error-propagation", 1, 1},
        {"cancel-vs-drain", 2, 3},
        {"backpressure", 2, 1},
        {"send-after-eof", 2, 1},
    };
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct explore_result *r =
            explore(cases[i].name, cases[i].bound, cases[i].messages, 0);

        if (r->failing != 0)
            fail_msg("%s: %llu of %llu schedules failed, first %s",
                     cases[i].name, (unsigned long long)r->failing,
                     (unsigned long long)r->schedules, r->replay);
        assert_int_equal(r->complete, 1);
        assert_true(r->schedules > 1);
        done(r);
    }
}

/* forgot-close-send is about a deadlock: every schedule has one. */
static void test_explore_forgot_close_send_deadlocks_always(void **state)
{
    struct explore_result *r = explore("forgot-close-send", 1, 1, 0);

    (void)state;
    assert_int_equal(r->failing, 0);
    assert_int_equal(r->by_exit[SCENARIO_EXIT_DEADLOCK], r->schedules);
    done(r);
}

/*
 * On the h2 wire, one-thread-client with the 18 messages that outgrow
 * the write quotas and windows deadlocks in every schedule explored (1
 * preemption, the first 300), and its fix ends OK in each: the
 * transport's threads are explored too.
 */
static void test_explore_one_thread_client_on_h2(void **state)
{
    const struct scenario *sc = scenario_find("one-thread-client");
    int fix = 0;

    (void)state;
    assert_non_null(sc);
    for (fix = 0; fix <= 1; fix++) {
        struct explore_options o;
        struct explore_result r;

        memset(&o, 0, sizeof o);
        memset(&r, 0, sizeof r);
        o.max_preemptions = 1;
        o.base.wire = &h2_wire_type;
        o.base.messages = 18;
        o.base.fix = fix;
        o.max_schedules = 300;
        assert_int_equal(explore_run(sc, &o, &r), STATUS_OK);
        assert_int_equal(r.failing, 0);
        assert_true(r.schedules > 1);
        assert_int_equal(
            r.by_exit[fix ? SCENARIO_EXIT_OK : SCENARIO_EXIT_DEADLOCK],
            r.schedules);
        explore_result_free(&r);
    }
}

/*
 * both-hot on the h2 wire, with the 3,355 uploads that outgrow it: every
 * schedule explored (1 preemption, the first 20: each is 150,000 steps)
 * makes the cycle.
 */
static void test_explore_both_hot_on_h2(void **state)
{
    const struct scenario *sc = scenario_find("both-hot");
    struct explore_options o;
    struct explore_result r;

    (void)state;
    assert_non_null(sc);
    memset(&o, 0, sizeof o);
    memset(&r, 0, sizeof r);
    o.max_preemptions = 1;
    o.base.wire = &h2_wire_type;
    o.base.messages = 3355;
    o.max_schedules = 20;
    assert_int_equal(explore_run(sc, &o, &r), STATUS_OK);
    assert_int_equal(r.failing, 0);
    assert_true(r.schedules > 1);
    assert_int_equal(r.by_exit[SCENARIO_EXIT_DEADLOCK], r.schedules);
    explore_result_free(&r);
}

/*
 * The issue-13 scenarios end as documented in every schedule explored:
 * one-thread-client and both-hot deadlock whatever the order (sizes
 * decide, not the schedule) and their fixes always end OK;
 * sender-fails-first swallows the error (OK) in every schedule and its
 * fix always surfaces it (exit 3). eof-order (issue 17) fails its OK
 * calls in every schedule (exit 3) and its fix never does; context-leak
 * loses stream 1 to the request's cancel in every schedule (exit 3), its
 * fix never; pause-resume always ends OK, and so do reconcile and
 * collaborate.
 */
static void test_explore_issue_13_scenarios_end_as_documented(void **state)
{
    static const struct {
        const char *name;
        int fix;
        int bound;
        uint64_t limit;
        enum scenario_exit want;
    } cases[] = {
        {"one-thread-client", 0, 1, 0, SCENARIO_EXIT_DEADLOCK},
        {"one-thread-client", 1, 1, 3000, SCENARIO_EXIT_OK},
        {"sender-fails-first", 0, 2, 0, SCENARIO_EXIT_OK},
        {"sender-fails-first", 1, 2, 0, SCENARIO_EXIT_STATUS},
        {"eof-order", 0, 1, 3000, SCENARIO_EXIT_STATUS},
        {"eof-order", 1, 1, 3000, SCENARIO_EXIT_OK},
        {"context-leak", 0, 1, 3000, SCENARIO_EXIT_STATUS},
        {"context-leak", 1, 1, 3000, SCENARIO_EXIT_OK},
        {"pause-resume", 0, 1, 3000, SCENARIO_EXIT_OK},
        {"reconcile", 0, 1, 3000, SCENARIO_EXIT_OK},
        {"collaborate", 0, 1, 3000, SCENARIO_EXIT_OK},
        {"both-hot", 0, 1, 3000, SCENARIO_EXIT_DEADLOCK},
        {"both-hot", 1, 1, 3000, SCENARIO_EXIT_OK},
    };
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct explore_result *r = explore_limit(
            cases[i].name, cases[i].bound, 0, cases[i].fix, cases[i].limit);

        if (r->failing != 0)
            fail_msg("%s%s: %llu of %llu schedules failed, first %s",
                     cases[i].name, cases[i].fix ? " --fix" : "",
                     (unsigned long long)r->failing,
                     (unsigned long long)r->schedules, r->replay);
        assert_true(r->schedules > 1);
        assert_int_equal(r->by_exit[cases[i].want], r->schedules);
        if (cases[i].limit == 0)
            assert_int_equal(r->complete, 1);
        done(r);
    }
}

/*
 * rpc-kinds ends OK with the kind's counts in every schedule explored of
 * every kind (a broken count or text is a failing schedule).
 */
static void test_explore_rpc_kinds_always_ok(void **state)
{
    static const char *const kinds[] = {"unary", "server", "client", "bidi"};
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        struct explore_options o;
        struct explore_result *r = calloc(1, sizeof *r);

        assert_non_null(r);
        memset(&o, 0, sizeof o);
        o.max_preemptions = 1;
        o.max_schedules = 3000;
        o.base.kind = kinds[i];
        assert_int_equal(explore_run(scenario_find("rpc-kinds"), &o, r),
                         STATUS_OK);
        if (r->failing != 0)
            fail_msg("rpc-kinds --kind %s: %llu of %llu schedules failed, "
                     "first %s",
                     kinds[i], (unsigned long long)r->failing,
                     (unsigned long long)r->schedules, r->replay);
        assert_true(r->schedules > 1);
        assert_int_equal(r->by_exit[SCENARIO_EXIT_OK], r->schedules);
        done(r);
    }
}

static void test_explore_random_seeds(void **state)
{
    const struct scenario *sc = scenario_find("concurrent-senders");
    struct explore_options o;
    struct explore_result *r = calloc(1, sizeof *r);

    (void)state;
    assert_non_null(r);
    memset(&o, 0, sizeof o);
    o.seeds = 30;
    o.base.messages = 2;
    assert_int_equal(explore_run(sc, &o, r), STATUS_OK);
    assert_int_equal(r->schedules, 30);
    assert_int_equal(r->complete, 1);
    assert_true(r->failing > 0);
    assert_true(r->failing_seed >= 1 && r->failing_seed <= 30);
    done(r);
}

static void test_explore_stops_at_the_limit(void **state)
{
    const struct scenario *sc = scenario_find("echo");
    struct explore_options o;
    struct explore_result *r = calloc(1, sizeof *r);

    (void)state;
    assert_non_null(r);
    memset(&o, 0, sizeof o);
    o.max_preemptions = 2;
    o.max_schedules = 5;
    o.base.messages = 1;
    assert_int_equal(explore_run(sc, &o, r), STATUS_OK);
    assert_int_equal(r->schedules, 5);
    assert_int_equal(r->complete, 0);
    done(r);
}

static void test_explore_rejects_options_that_do_not_fit(void **state)
{
    const struct scenario *sc = scenario_find("cancel-vs-drain");
    struct explore_options o;
    struct explore_result *r = calloc(1, sizeof *r);

    (void)state;
    assert_non_null(r);
    memset(&o, 0, sizeof o);
    o.base.capacity = 16;
    o.base.messages = 5;
    assert_int_equal(explore_run(sc, &o, r), STATUS_INVALID_ARGUMENT);
    assert_non_null(strstr(r->first.why.text, "--capacity"));
    assert_int_equal(r->schedules, 0);
    done(r);
}

/*
 * explore_function: a lost update. Two threads each read a shared counter
 * under a lock, then write it back plus one under the lock again: a switch
 * between the two loses an increment. One preemption finds it.
 */
struct counter {
    struct sched_mutex mu;
    int value;
};

static enum status add_one(void *arg)
{
    struct counter *c = arg;
    int seen = 0;

    sched_mutex_lock(&c->mu);
    seen = c->value;
    sched_mutex_unlock(&c->mu);
    sched_mutex_lock(&c->mu); /* the bug: the read and write are apart */
    c->value = seen + 1;
    sched_mutex_unlock(&c->mu);
    return STATUS_OK;
}

static enum status two_adders(void *arg)
{
    struct counter *c = arg;
    struct sched_thread a;
    struct sched_thread b;

    c->value = 0; /* every run starts from the same state */
    sched_thread_start(&a, "adder-a", add_one, c);
    sched_thread_start(&b, "adder-b", add_one, c);
    sched_thread_join(&a);
    sched_thread_join(&b);
    return STATUS_OK;
}

static int lost_an_update(void *arg, enum status st,
                          const struct sched_sim_result *sim)
{
    const struct counter *c = arg;

    (void)sim;
    return st != STATUS_OK || c->value != 2;
}

static void test_explore_function_finds_a_lost_update(void **state)
{
    struct counter c;
    struct explore_bounds o;
    struct explore_summary r;

    (void)state;
    sched_mutex_init(&c.mu);
    memset(&o, 0, sizeof o);
    o.max_preemptions = 0;
    assert_int_equal(explore_function(two_adders, &c, lost_an_update, &o, &r),
                     STATUS_OK);
    assert_int_equal(r.failing, 0); /* in order, each adds in one go */
    o.max_preemptions = 1;
    assert_int_equal(explore_function(two_adders, &c, lost_an_update, &o, &r),
                     STATUS_OK);
    assert_int_equal(r.complete, 1);
    assert_true(r.failing > 0);
    assert_string_not_equal(r.replay, "-");
    o.seeds = 50;
    assert_int_equal(explore_function(two_adders, &c, lost_an_update, &o, &r),
                     STATUS_OK);
    assert_int_equal(r.schedules, 50);
    sched_mutex_destroy(&c.mu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_explore_finds_the_garbled_schedule),
        cmocka_unit_test(test_explore_bound_zero_never_preempts),
        cmocka_unit_test(test_explore_fixed_senders_never_garble),
        cmocka_unit_test(test_explore_finds_the_lost_wake_up),
        cmocka_unit_test(test_explore_fixed_quota_never_deadlocks),
        cmocka_unit_test(test_explore_correct_scenarios_never_fail),
        cmocka_unit_test(test_explore_forgot_close_send_deadlocks_always),
        cmocka_unit_test(test_explore_issue_13_scenarios_end_as_documented),
        cmocka_unit_test(test_explore_one_thread_client_on_h2),
        cmocka_unit_test(test_explore_both_hot_on_h2),
        cmocka_unit_test(test_explore_rpc_kinds_always_ok),
        cmocka_unit_test(test_explore_random_seeds),
        cmocka_unit_test(test_explore_stops_at_the_limit),
        cmocka_unit_test(test_explore_rejects_options_that_do_not_fit),
        cmocka_unit_test(test_explore_function_finds_a_lost_update),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

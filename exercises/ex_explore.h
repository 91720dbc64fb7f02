/*
 * ex_explore.h: how the threaded exercise tests run your code under
 * duplex's deterministic scheduler, and what they print when it breaks.
 *
 * Each test hands over the same four things:
 *   fn       one run of the test's scenario, your code included; it starts
 *            from the same state every time (it resets what it uses)
 *   arg      fn's argument: the test's record of the setup and of what
 *            the run did
 *   broken   says whether a run failed (1) or not (0), from arg, fn's
 *            status and the simulator's record (a deadlock, ...)
 *   explain  says what a failed run did, next to what it should have
 *            done; schedule names the run ("in-order schedule", or
 *            "schedule 10:1,12:3, found after 272 schedules")
 *
 * A schedule is written as the places where a run left the in-order one,
 * "k:t" pairs ("at decision k, thread t ran"), or "in order" when it did
 * not leave it at all.
 *
 * Include after <cmocka.h>.
 */
#ifndef EX_EXPLORE_H
#define EX_EXPLORE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ex_check.h"
#include "explore/explore.h"
#include "core/sched.h"

/* Prints what the run recorded in arg did, during the schedule named. */
typedef void (*ex_explain_fn)(void *arg, const struct sched_sim_result *sim,
                              const char *schedule);

/*
 * Runs fn(arg) once, in order (every thread goes on while it can); if
 * broken says the run failed, explains it ("in-order schedule") and
 * fails the test.
 */
static inline void ex_run_in_order(sched_fn fn, void *arg,
                                   explore_check_fn broken,
                                   ex_explain_fn explain)
{
    struct sched_sim_options so;
    struct sched_sim_result sim;
    enum status st = STATUS_OK;
    int failed = 0;

    memset(&so, 0, sizeof so);
    so.strategy = SCHED_IN_ORDER;
    assert_int_equal(sched_sim_run(&so, fn, arg, &st, &sim), STATUS_OK);
    failed = broken(arg, st, &sim);
    if (failed)
        explain(arg, &sim, "in-order schedule");
    sched_sim_result_free(&sim);
    if (failed)
        fail();
}

/* Far more than any exercise needs at bound 2: the search must finish. */
#define EX_MAX_SCHEDULES 5000000

/*
 * Runs the search o describes over fn(arg), stopping at the first schedule
 * broken says failed; that one is run again, to explain it. Then checks
 * that no schedule failed and that the search covered what it was asked
 * to (covered names that), and prints how many schedules it ran.
 */
static inline void ex_explore(sched_fn fn, void *arg, explore_check_fn broken,
                              ex_explain_fn explain, struct explore_bounds *o,
                              const char *covered)
{
    struct explore_summary res;

    o->stop_on_failure = 1;
    assert_int_equal(explore_function(fn, arg, broken, o, &res), STATUS_OK);
    if (res.failing > 0) {
        struct sched_sim_options so;
        struct sched_sim_result sim;
        int8_t *forced = NULL;
        size_t n = 0;
        enum status st = STATUS_OK;
        char schedule[EXPLORE_REPLAY_MAX + 64];

        /* Replay the first failing schedule to say what it did. */
        memset(&so, 0, sizeof so);
        so.strategy = SCHED_IN_ORDER;
        assert_int_equal(sched_schedule_parse(res.replay, &forced, &n),
                         STATUS_OK);
        so.forced = forced;
        so.nforced = n;
        assert_int_equal(sched_sim_run(&so, fn, arg, &st, &sim), STATUS_OK);
        snprintf(schedule, sizeof schedule,
                 "schedule %s, found after %llu schedules",
                 strcmp(res.replay, "-") == 0 ? "in order" : res.replay,
                 (unsigned long long)res.schedules);
        free(forced);
        explain(arg, &sim, schedule);
        sched_sim_result_free(&sim);
    }
    ex_check_int("failing schedules", 0, (long long)res.failing);
    ex_check_int(covered, 1, res.complete);
    print_message("explored %llu schedules\n",
                  (unsigned long long)res.schedules);
}

/* Far more than any exercise needs at bound 2: the search must finish. */
#define EX_MAX_SCHEDULES 5000000

/*
 * Runs fn(arg) under every schedule with at most bound preemptions
 * (explore_function), as ex_explore says: no failing schedule, and the
 * search covered every schedule up to the bound.
 */
static inline void ex_explore_all(sched_fn fn, void *arg,
                                  explore_check_fn broken,
                                  ex_explain_fn explain, int bound)
{
    struct explore_bounds o;
    char covered[80];

    memset(&o, 0, sizeof o);
    o.max_preemptions = bound;
    o.max_schedules = EX_MAX_SCHEDULES;
    snprintf(covered, sizeof covered,
             "the search covered every schedule up to %d preemption%s", bound,
             bound == 1 ? "" : "s");
    ex_explore(fn, arg, broken, explain, &o, covered);
}

/*
 * Runs fn(arg) under the random schedules of seeds 1..seeds, as ex_explore
 * says: for a setup whose every schedule is too many to run. A failing
 * one is named by its replay string, like the others.
 */
static inline void ex_explore_seeds(sched_fn fn, void *arg,
                                    explore_check_fn broken,
                                    ex_explain_fn explain, uint64_t seeds)
{
    struct explore_bounds o;
    char covered[80];

    memset(&o, 0, sizeof o);
    o.seeds = seeds;
    snprintf(covered, sizeof covered, "the search ran all %llu seeds",
             (unsigned long long)seeds);
    ex_explore(fn, arg, broken, explain, &o, covered);
}

#endif /* EX_EXPLORE_H */

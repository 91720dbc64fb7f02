/*
 * explore: run something under many schedules and count the ones that
 * break it.
 *
 * Two ways, as systematic concurrency testers do:
 *   - bounded exhaustive (the default): every schedule with at most K
 *     preemptions, depth first. A preemption is a switch away from a thread
 *     that could have gone on; switches at blocking points are free. Most
 *     concurrency bugs need only one or two (Musuvathi and Qadeer's
 *     iterative context bounding, as in CHESS and loom).
 *   - random: the seeds 1..N of SCHED_RANDOM.
 * Each run is judged by the caller: the first failing one is kept as the
 * replay string that reproduces it.
 *
 * What is explored is a target: any code that makes one simulated run
 * when asked (explore_search), such as a function run as a simulation's
 * main thread (explore_function). The scenarios are explored the same way,
 * a layer up (scenarios/explore_scenario.h).
 */
#ifndef EXPLORE_H
#define EXPLORE_H

#include <stdint.h>

#include "core/sched.h"
#include "core/status.h"

/* How far a search goes. */
struct explore_bounds {
    int max_preemptions;    /* the bound K */
    uint64_t seeds;         /* > 0: random exploration instead */
    int stop_on_failure;    /* stop at the first failing schedule */
    uint64_t max_schedules; /* stop after this many; 0: 100000
                               (random: 0 means all the seeds) */
};

#define EXPLORE_REPLAY_MAX 2048

/* What a search found. */
struct explore_summary {
    uint64_t schedules; /* judged */
    uint64_t failing;
    int complete;   /* every schedule within the bound ran */
    double seconds; /* wall time spent */
    int have_failure;
    char replay[EXPLORE_REPLAY_MAX]; /* first failing schedule, replayable */
    uint64_t failing_seed;           /* random exploration: its seed */
};

/*
 * A target: what the search runs, once per schedule. The search calls run,
 * then judge when the run counts (the bounded search runs some schedules
 * again on its way and judges them once), then keep for the first failing
 * run, then release, before the next run.
 */
struct explore_target {
    /*
     * Makes one simulated run under so and returns its record (decisions
     * and all), valid until release. so sets only strategy, seed and the
     * forced choices, so a target may pass them on through options of its
     * own (a scenario's).
     */
    const struct sched_sim_result *(*run)(void *self,
                                          const struct sched_sim_options *so);
    /* Returns 1 when the run failed, else 0. */
    int (*judge)(void *self);
    /* The run is the first failing one: keeps what the target wants of it. */
    void (*keep)(void *self);
    /* Frees what the run holds. */
    void (*release)(void *self);
    void *self;
};

/*
 * Explores t within o's bounds and fills *r (zeroed first).
 * Returns STATUS_OK. A search that runs out of memory stops early, as at
 * a limit: r->complete stays 0.
 */
enum status explore_search(const struct explore_target *t,
                           const struct explore_bounds *o,
                           struct explore_summary *r);

/*
 * Says whether one simulated run of an explored function failed: arg is
 * the function's argument, st what the function returned (or
 * STATUS_RESOURCE_EXHAUSTED when the simulator could not run it), sim the
 * run's record (deadlocked, steps, ...). Returns 1 for a failing run, else
 * 0.
 */
typedef int (*explore_check_fn)(void *arg, enum status st,
                                const struct sched_sim_result *sim);

/*
 * Explores fn(arg) run as a simulation's main thread, judging each run
 * with check. fn must start from the same state every run: reset what it
 * uses at its start. Returns STATUS_OK (see *r).
 */
enum status explore_function(sched_fn fn, void *arg, explore_check_fn check,
                             const struct explore_bounds *o,
                             struct explore_summary *r);

#endif /* EXPLORE_H */

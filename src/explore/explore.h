/*
 * explore: run a scenario under many schedules and count the ones that
 * break it.
 *
 * Two ways, as systematic concurrency testers do:
 *   - bounded exhaustive (the default): every schedule with at most K
 *     preemptions, depth first. A preemption is a switch away from a thread
 *     that could have gone on; switches at blocking points are free. Most
 *     concurrency bugs need only one or two (Musuvathi and Qadeer's
 *     iterative context bounding, as in CHESS and loom).
 *   - random: the seeds 1..N of SCHED_RANDOM.
 * Each schedule is checked with scenario_expected(): an invariant broken,
 * a garbled stream, a deadlock or a final status the scenario does not
 * document makes it a failing schedule. The first one is kept, with the
 * replay string that reproduces it.
 */
#ifndef EXPLORE_H
#define EXPLORE_H

#include <stdint.h>

#include "scenarios/scenario.h"

/* Messages per scenario when exploring, unless given: keeps runs short. */
#define EXPLORE_DEFAULT_MESSAGES 2

struct explore_options {
    struct scenario_options base; /* messages, capacity, fix, timeout */
    int max_preemptions;          /* the bound K */
    uint64_t seeds;               /* > 0: random exploration instead */
    int stop_on_failure;          /* stop at the first failing schedule */
    uint64_t max_schedules;       /* stop after this many; 0: 100000
                                     (random: 0 means all the seeds) */
};

#define EXPLORE_REPLAY_MAX 2048

struct explore_result {
    uint64_t schedules;
    uint64_t failing;
    int complete;        /* every schedule within the bound ran */
    double seconds;      /* wall time spent */
    uint64_t by_exit[7]; /* schedules per exit code 0..6 */
    int have_failure;
    char replay[EXPLORE_REPLAY_MAX]; /* first failing schedule, replayable */
    uint64_t failing_seed;           /* random exploration: its seed */
    struct scenario_result first;    /* what the first failing run did */
};

/*
 * Explores sc. Returns one of:
 *   STATUS_OK                  explored; see *r
 *   STATUS_RESOURCE_EXHAUSTED  out of memory or threads
 *   STATUS_INVALID_ARGUMENT    the options do not fit the scenario (the
 *                              words are in r->first.why)
 * Free r with explore_result_free.
 */
enum status explore_run(const struct scenario *sc,
                        const struct explore_options *o,
                        struct explore_result *r);

/*
 * Says whether one simulated run of an explored function failed: arg is
 * the function's argument, st what the function returned, sim the run's
 * record (deadlocked, steps, ...). Returns 1 for a failing run, else 0.
 */
typedef int (*explore_check_fn)(void *arg, enum status st,
                                const struct sched_sim_result *sim);

/*
 * Explores fn(arg) run as a simulation's main thread, judging each run
 * with check (o->base is not used; everything else is as for
 * explore_run). fn must start from the same state every run: reset
 * what it uses at its start. r->first and r->by_exit stay empty.
 * Returns STATUS_OK (see *r). Free r with explore_result_free.
 */
enum status explore_function(sched_fn fn, void *arg, explore_check_fn check,
                             const struct explore_options *o,
                             struct explore_result *r);

/* Frees what r holds (the first failing run's record). NULL is a no-op. */
void explore_result_free(struct explore_result *r);

#endif /* EXPLORE_H */

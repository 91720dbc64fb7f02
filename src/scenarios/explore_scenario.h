/*
 * explore_scenario: run a scenario under many schedules (`duplex explore`)
 * and count the ones that break it.
 *
 * The search is explore.h's (bounded exhaustive, or random seeds); this
 * module makes a scenario its target. Each schedule is checked with
 * scenario_expected(): an invariant broken, a garbled stream, a deadlock,
 * a livelock or a final status the scenario does not document makes it a
 * failing schedule. The first one is kept, with the replay string that
 * reproduces it and the scenario's record of the run.
 */
#ifndef EXPLORE_SCENARIO_H
#define EXPLORE_SCENARIO_H

#include <stdint.h>

#include "core/status.h"
#include "explore/explore.h"
#include "scenarios/scenario.h"

/* Messages per scenario when exploring, unless given: keeps runs short. */
#define EXPLORE_DEFAULT_MESSAGES 2

/* struct explore_bounds, with the scenario's options. */
struct explore_options {
    struct scenario_options base; /* messages, capacity, fix, timeout */
    int max_preemptions;          /* the bound K */
    uint64_t seeds;               /* > 0: random exploration instead */
    int stop_on_failure;          /* stop at the first failing schedule */
    uint64_t max_schedules;       /* stop after this many; 0: 100000
                                     (random: 0 means all the seeds) */
};

/* struct explore_summary, with exit codes and the first failing run. */
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
 * Explores sc and fills *r (zeroed first). Returns one of:
 *   STATUS_OK                  explored; see *r
 *   STATUS_RESOURCE_EXHAUSTED  out of memory or threads
 *   STATUS_INVALID_ARGUMENT    the options do not fit the scenario (the
 *                              words are in r->first.why)
 * Free r with explore_result_free.
 */
enum status explore_run(const struct scenario *sc,
                        const struct explore_options *o,
                        struct explore_result *r);

/* Frees what r holds (the first failing run's record). NULL is a no-op. */
void explore_result_free(struct explore_result *r);

#endif /* EXPLORE_SCENARIO_H */

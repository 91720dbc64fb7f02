/*
 * explore_scenario: a scenario as the target of explore's search.
 *
 * Design
 *   The search hands each run its schedule as sched_sim_options; the
 *   target copies strategy, seed and forced choices into the scenario's
 *   own options (the rest, messages, capacity and the like, are the
 *   caller's) and runs it with scenario_run. It judges a run by the
 *   scenario's documented outcome, counts it by exit code, and keeps the
 *   first failing run's record for `duplex explore` to print: it moves
 *   the run into the result, decisions and all, so the run it frees next
 *   holds nothing of it.
 */
#include "scenarios/explore_scenario.h"

#include <stdlib.h>
#include <string.h>

struct scenario_target {
    const struct scenario *sc;
    const struct explore_options *o;
    struct explore_result *r;
    struct scenario_result *run; /* the last run (big: on the heap) */
};

static const struct sched_sim_result *
scenario_target_run(void *self, const struct sched_sim_options *so)
{
    struct scenario_target *t = self;
    struct scenario_options opts = t->o->base;

    opts.strategy = so->strategy;
    opts.seed = so->seed;
    opts.forced = so->forced;
    opts.nforced = so->nforced;
    scenario_run(t->sc, &opts, t->run);
    return &t->run->sim;
}

/*
 * A run fails when its exit code is not the one the scenario documents,
 * or an invariant broke; a run stopped as a livelock never ended, so it
 * fails whatever its scenario expects.
 */
static int scenario_target_judge(void *self)
{
    struct scenario_target *t = self;
    enum scenario_exit code = scenario_exit_code(t->run);
    int failed = code != scenario_expected(t->sc, &t->o->base) ||
                 t->run->broken[0] != '\0' || t->run->sim.livelocked;

    if ((int)code >= 0 && (int)code <= SCENARIO_EXIT_LIVELOCK)
        t->r->by_exit[code]++;
    return failed;
}

static void scenario_target_keep(void *self)
{
    struct scenario_target *t = self;

    t->r->first = *t->run;
    t->run->sim.decisions = NULL; /* r->first owns them now */
    t->run->sim.ndecisions = 0;
}

static void scenario_target_release(void *self)
{
    struct scenario_target *t = self;

    scenario_result_free(t->run);
}

/* Refuses options exploration cannot take; says why in r->first.why. */
static enum status check_options(const struct scenario *sc,
                                 const struct explore_options *o,
                                 struct explore_result *r)
{
    if (o->max_preemptions < 0 || o->base.os) {
        status_detail_set(&r->first.why, STATUS_INVALID_ARGUMENT, "%s",
                          o->base.os ? "exploration is simulated: no os"
                                     : "max_preemptions below 0");
        r->first.usage_error = 1;
        return STATUS_INVALID_ARGUMENT;
    }
    if (scenario_check(sc, &o->base, &r->first.why) != STATUS_OK) {
        r->first.usage_error = 1;
        return STATUS_INVALID_ARGUMENT;
    }
    return STATUS_OK;
}

enum status explore_run(const struct scenario *sc,
                        const struct explore_options *o,
                        struct explore_result *r)
{
    struct scenario_target target = {sc, o, r, NULL};
    struct explore_target t = {scenario_target_run, scenario_target_judge,
                               scenario_target_keep, scenario_target_release,
                               &target};
    struct explore_bounds b = {o->max_preemptions, o->seeds, o->stop_on_failure,
                               o->max_schedules};
    struct explore_summary s;

    memset(r, 0, sizeof *r);
    if (check_options(sc, o, r) != STATUS_OK)
        return STATUS_INVALID_ARGUMENT;
    target.run = calloc(1, sizeof *target.run);
    if (target.run == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    explore_search(&t, &b, &s);
    free(target.run);
    r->schedules = s.schedules;
    r->failing = s.failing;
    r->complete = s.complete;
    r->seconds = s.seconds;
    r->have_failure = s.have_failure;
    memcpy(r->replay, s.replay, sizeof r->replay);
    r->failing_seed = s.failing_seed;
    return STATUS_OK;
}

void explore_result_free(struct explore_result *r)
{
    if (r != NULL)
        scenario_result_free(&r->first);
}

/*
 * explore: depth-first search over schedules with a preemption bound.
 *
 * Design
 *   A schedule is the list of choices a run made at its decision points
 *   (sched.h's struct sched_decision). The search runs the scenario with a
 *   forced prefix and SCHED_IN_ORDER after it, then backtracks: from the
 *   last decision towards the first, it looks for the next choice not yet
 *   tried there whose preemptions, added to those before it, stay within
 *   the bound. Choices are tried in a fixed order (the in-order choice
 *   first, then the other threads by number), so every schedule runs once.
 *
 *   The search keeps nothing but the current prefix, so memory stays flat
 *   however many schedules it visits.
 */
#include "explore/explore.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The in-order choice: go on with current if it can, else the first. */
static int default_choice(const struct sched_decision *d)
{
    int i = 0;

    if (d->current >= 0 && (d->runnable >> d->current & 1))
        return d->current;
    for (i = 0; i < SCHED_SIM_MAX_THREADS; i++)
        if (d->runnable >> i & 1)
            return i;
    return -1;
}

/*
 * The choice tried after `after` at decision d, in the order: the default
 * first, then the others by number. Returns -1 when there is none.
 */
static int next_choice(const struct sched_decision *d, int after)
{
    int def = default_choice(d);
    int i = 0;

    for (i = after == def ? 0 : after + 1; i < SCHED_SIM_MAX_THREADS; i++)
        if ((d->runnable >> i & 1) && i != def)
            return i;
    return -1;
}

static int preempts(const struct sched_decision *d, int choice)
{
    return d->current >= 0 && choice != d->current;
}

/*
 * Turns the last run's decisions into the next prefix to force. Returns the
 * new prefix length, or -1 when the search is over.
 */
static long backtrack(const struct sched_decision *d, size_t n, int bound,
                      int8_t *forced)
{
    int *before = NULL;
    size_t k = 0;
    long found = -1;

    before = malloc((n + 1) * sizeof *before);
    if (before == NULL)
        return -2;
    before[0] = 0;
    for (k = 0; k < n; k++)
        before[k + 1] = before[k] + preempts(&d[k], d[k].chosen);
    for (k = n; k-- > 0 && found < 0;) {
        int alt = d[k].chosen;

        while ((alt = next_choice(&d[k], alt)) >= 0) {
            if (before[k] + preempts(&d[k], alt) <= bound)
                break;
        }
        if (alt < 0)
            continue;
        for (size_t j = 0; j < k; j++)
            forced[j] = d[j].chosen;
        forced[k] = (int8_t)alt;
        found = (long)k + 1;
    }
    free(before);
    return found;
}

/*
 * What is explored: a scenario (with its documented outcome as the check)
 * or any function with a check of its own. One run of it at a time.
 */
struct target {
    const struct explore_options *o;
    const struct scenario *sc;   /* a scenario, or NULL */
    struct scenario_result *run; /* the scenario's last run */
    sched_fn fn;                 /* else: a function, its arg, its check */
    void *arg;
    explore_check_fn check;
    enum status st;              /* the function's last status */
    struct sched_sim_result sim; /* the function's last run */
};

/* Runs one schedule; returns the run's record (decisions and all). */
static struct sched_sim_result *target_run(struct target *t,
                                           const struct sched_sim_options *so)
{
    struct scenario_options opts;

    if (t->sc == NULL) {
        if (sched_sim_run(so, t->fn, t->arg, &t->st, &t->sim) != STATUS_OK)
            t->st = STATUS_RESOURCE_EXHAUSTED;
        return &t->sim;
    }
    opts = t->o->base;
    opts.strategy = so->strategy;
    opts.seed = so->seed;
    opts.forced = so->forced;
    opts.nforced = so->nforced;
    scenario_run(t->sc, &opts, t->run);
    return &t->run->sim;
}

static void target_free(struct target *t)
{
    if (t->sc != NULL)
        scenario_result_free(t->run);
    else
        sched_sim_result_free(&t->sim);
}

/* Counts the last run; keeps the first failure. Returns 1 if it failed. */
static int judge(struct target *t, uint64_t seed, struct explore_result *r)
{
    struct sched_sim_result *sim = t->sc ? &t->run->sim : &t->sim;
    int failed = 0;

    if (t->sc != NULL) {
        enum scenario_exit code = scenario_exit_code(t->run);

        /* A run stopped as a livelock never ended: it fails whatever its
         * scenario expects. */
        failed = code != scenario_expected(t->sc, &t->o->base) ||
                 t->run->broken[0] != '\0' || t->run->sim.livelocked;
        if ((int)code >= 0 && (int)code <= SCENARIO_EXIT_LIVELOCK)
            r->by_exit[code]++;
    } else {
        failed = t->check(t->arg, t->st, sim);
    }
    r->schedules++;
    if (!failed)
        return 0;
    r->failing++;
    if (!r->have_failure) {
        r->have_failure = 1;
        r->failing_seed = seed;
        sched_schedule_format(sim->decisions, sim->ndecisions, r->replay,
                              sizeof r->replay);
        if (t->sc != NULL) {
            r->first = *t->run;
            t->run->sim.decisions = NULL; /* r->first owns them now */
            t->run->sim.ndecisions = 0;
        }
    }
    return 1;
}

static enum status explore_random(struct target *t, struct explore_result *r)
{
    uint64_t limit = t->o->max_schedules ? t->o->max_schedules : UINT64_MAX;
    struct sched_sim_options so;
    uint64_t seed = 0;

    memset(&so, 0, sizeof so);
    so.strategy = SCHED_RANDOM;
    for (seed = 1; seed <= t->o->seeds; seed++) {
        if (r->schedules >= limit)
            return STATUS_OK; /* not complete */
        so.seed = seed;
        target_run(t, &so);
        judge(t, seed, r);
        target_free(t);
        if (t->o->stop_on_failure && r->failing)
            return STATUS_OK; /* not complete */
    }
    r->complete = 1;
    return STATUS_OK;
}

/* The preemptions a forced prefix makes (the in-order tail makes none). */
static int prefix_preemptions(const struct sched_decision *d, size_t n)
{
    int count = 0;
    size_t k = 0;

    for (k = 0; k < n; k++)
        count += preempts(&d[k], d[k].chosen);
    return count;
}

/*
 * One pass of the search: every schedule with at most `bound` preemptions,
 * of which only those with exactly `bound` are judged (the others were in
 * an earlier pass). Returns 0 when the pass ended, 1 at the limit.
 */
static int bounded_pass(struct target *t, int bound, uint64_t limit,
                        struct explore_result *r)
{
    struct sched_sim_options so;
    int8_t *forced = NULL;
    size_t cap = 0;
    long n = 0;
    int stopped = 0;

    memset(&so, 0, sizeof so);
    so.strategy = SCHED_IN_ORDER;
    for (;;) {
        struct sched_sim_result *sim = NULL;

        so.forced = forced;
        so.nforced = (size_t)n;
        sim = target_run(t, &so);
        if (prefix_preemptions(sim->decisions, (size_t)n) == bound)
            judge(t, 0, r);
        if (r->schedules >= limit || (t->o->stop_on_failure && r->failing)) {
            stopped = 1;
            break;
        }
        if (sim->ndecisions > cap) {
            int8_t *grown = realloc(forced, sim->ndecisions);

            if (grown == NULL) {
                stopped = 1;
                break;
            }
            forced = grown;
            cap = sim->ndecisions;
        }
        n = backtrack(sim->decisions, sim->ndecisions, bound, forced);
        target_free(t);
        if (n < 0) {
            stopped = n != -1;
            break;
        }
    }
    target_free(t);
    free(forced);
    return stopped;
}

/*
 * Iterative context bounding: all schedules with 0 preemptions, then with
 * 1, then 2, ... up to the bound, so the bugs that need the fewest
 * preemptions (most of them) show first, even when a limit cuts the search.
 */
static enum status explore_bounded(struct target *t, struct explore_result *r)
{
    uint64_t limit = t->o->max_schedules ? t->o->max_schedules : 100000;
    int bound = 0;

    for (bound = 0; bound <= t->o->max_preemptions; bound++)
        if (bounded_pass(t, bound, limit, r))
            return STATUS_OK;
    r->complete = 1;
    return STATUS_OK;
}

static enum status explore_target(struct target *t, struct explore_result *r)
{
    double start = now_seconds();
    enum status st =
        t->o->seeds > 0 ? explore_random(t, r) : explore_bounded(t, r);

    r->seconds = now_seconds() - start;
    return st;
}

enum status explore_run(const struct scenario *sc,
                        const struct explore_options *o,
                        struct explore_result *r)
{
    struct target t;
    enum status st = STATUS_OK;

    memset(r, 0, sizeof *r);
    memset(&t, 0, sizeof t);
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
    t.o = o;
    t.sc = sc;
    t.run = calloc(1, sizeof *t.run);
    if (t.run == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    st = explore_target(&t, r);
    free(t.run);
    return st;
}

enum status explore_function(sched_fn fn, void *arg, explore_check_fn check,
                             const struct explore_options *o,
                             struct explore_result *r)
{
    struct target t;

    memset(r, 0, sizeof *r);
    memset(&t, 0, sizeof t);
    t.o = o;
    t.fn = fn;
    t.arg = arg;
    t.check = check;
    return explore_target(&t, r);
}

void explore_result_free(struct explore_result *r)
{
    if (r != NULL)
        scenario_result_free(&r->first);
}

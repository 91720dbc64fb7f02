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
#include "explore.h"

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

/* Checks one run; keeps the first failure. Returns 1 if it failed. */
static int judge(const struct scenario *sc, const struct explore_options *o,
                 struct scenario_result *run, uint64_t seed,
                 struct explore_result *r)
{
    enum scenario_exit code = scenario_exit_code(run);
    int failed =
        code != scenario_expected(sc, &o->base) || run->broken[0] != '\0';

    r->schedules++;
    if ((int)code >= 0 && (int)code < 6)
        r->by_exit[code]++;
    if (!failed)
        return 0;
    r->failing++;
    if (!r->have_failure) {
        r->have_failure = 1;
        r->failing_seed = seed;
        sched_schedule_format(run->sim.decisions, run->sim.ndecisions,
                              r->replay, sizeof r->replay);
        r->first = *run;
        run->sim.decisions = NULL; /* r->first owns them now */
        run->sim.ndecisions = 0;
    }
    return 1;
}

static enum status explore_random(const struct scenario *sc,
                                  const struct explore_options *o,
                                  struct scenario_result *run,
                                  struct explore_result *r)
{
    struct scenario_options so = o->base;
    uint64_t limit = o->max_schedules ? o->max_schedules : UINT64_MAX;
    uint64_t seed = 0;

    so.strategy = SCHED_RANDOM;
    for (seed = 1; seed <= o->seeds; seed++) {
        if (r->schedules >= limit)
            return STATUS_OK; /* not complete */
        so.seed = seed;
        scenario_run(sc, &so, run);
        if (run->usage_error)
            return STATUS_INVALID_ARGUMENT;
        judge(sc, o, run, seed, r);
        scenario_result_free(run);
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
static int bounded_pass(const struct scenario *sc,
                        const struct explore_options *o, int bound,
                        uint64_t limit, struct scenario_result *run,
                        struct explore_result *r)
{
    struct scenario_options so = o->base;
    int8_t *forced = NULL;
    size_t cap = 0;
    long n = 0;
    int stopped = 0;

    so.strategy = SCHED_IN_ORDER;
    for (;;) {
        so.forced = forced;
        so.nforced = (size_t)n;
        scenario_run(sc, &so, run);
        if (prefix_preemptions(run->sim.decisions, (size_t)n) == bound)
            judge(sc, o, run, 0, r);
        if (r->schedules >= limit) {
            stopped = 1;
            break;
        }
        if (run->sim.ndecisions > cap) {
            int8_t *grown = realloc(forced, run->sim.ndecisions);

            if (grown == NULL) {
                stopped = 1;
                break;
            }
            forced = grown;
            cap = run->sim.ndecisions;
        }
        n = backtrack(run->sim.decisions, run->sim.ndecisions, bound, forced);
        scenario_result_free(run);
        if (n < 0) {
            stopped = n != -1;
            break;
        }
    }
    scenario_result_free(run);
    free(forced);
    return stopped;
}

/*
 * Iterative context bounding: all schedules with 0 preemptions, then with
 * 1, then 2, ... up to the bound, so the bugs that need the fewest
 * preemptions (most of them) show first, even when a limit cuts the search.
 */
static enum status explore_bounded(const struct scenario *sc,
                                   const struct explore_options *o,
                                   struct scenario_result *run,
                                   struct explore_result *r)
{
    uint64_t limit = o->max_schedules ? o->max_schedules : 100000;
    struct status_detail why;
    int bound = 0;

    if (scenario_check(sc, &o->base, &why) != STATUS_OK) {
        run->why = why;
        run->usage_error = 1;
        return STATUS_INVALID_ARGUMENT;
    }
    for (bound = 0; bound <= o->max_preemptions; bound++)
        if (bounded_pass(sc, o, bound, limit, run, r))
            return STATUS_OK;
    r->complete = 1;
    return STATUS_OK;
}

enum status explore_run(const struct scenario *sc,
                        const struct explore_options *o,
                        struct explore_result *r)
{
    struct scenario_result *run = calloc(1, sizeof *run);
    double start = now_seconds();
    enum status st = STATUS_OK;

    memset(r, 0, sizeof *r);
    if (run == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    st = o->seeds > 0 ? explore_random(sc, o, run, r)
                      : explore_bounded(sc, o, run, r);
    if (st == STATUS_INVALID_ARGUMENT)
        r->first = *run;
    r->seconds = now_seconds() - start;
    free(run);
    return st;
}

void explore_result_free(struct explore_result *r)
{
    if (r != NULL)
        scenario_result_free(&r->first);
}

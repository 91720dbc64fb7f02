/*
 * explore: depth-first search over schedules with a preemption bound, and
 * random search over seeds.
 *
 * Design
 *   A schedule is the list of choices a run made at its decision points
 *   (sched.h's struct sched_decision), and each run's choices are made by
 *   a strategy (core/strategy.h). The random search gives run n the random
 *   strategy with seed n. The bounded search gives each run a prefix: the
 *   choices forced for its first decisions, then in order. After a run it
 *   backtracks: from the last decision towards the first, it looks for the
 *   next choice not yet tried there whose preemptions, added to those
 *   before it, stay within the bound. Choices are tried in a fixed order
 *   (the in-order choice first, then the other threads by number), so
 *   every schedule runs once.
 *
 *   The search keeps nothing but the current prefix, so memory stays flat
 *   however many schedules it visits.
 */
#include "explore/explore.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/strategy.h"

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The choice tried after `after` at decision d, in the order: the in-order
 * choice first, then the others by number. Returns -1 when there is none.
 */
static int next_choice(const struct sched_decision *d, int after)
{
    int def = strategy_in_order(d->runnable, d->current);
    uint64_t rest = d->runnable & ~(UINT64_C(1) << def);
    int i = 0;

    if (after != def) /* only the threads numbered above after are left */
        rest &= ~((UINT64_C(2) << after) - 1);
    if (rest == 0)
        return -1;
    while (!(rest >> i & 1))
        i++;
    return i;
}

static int preempts(const struct sched_decision *d, int choice)
{
    return d->current >= 0 && choice != d->current;
}

/*
 * Turns the last run's decisions into the next prefix to force. Returns the
 * new prefix length, -1 when the search is over, or -2 out of memory.
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

/* Counts the last run; keeps the first failure. Returns 1 if it failed. */
static int judge(const struct explore_target *t,
                 const struct sched_sim_result *sim, uint64_t seed,
                 struct explore_summary *r)
{
    int failed = t->judge(t->self);

    r->schedules++;
    if (!failed)
        return 0;
    r->failing++;
    if (!r->have_failure) {
        r->have_failure = 1;
        r->failing_seed = seed;
        sched_schedule_format(sim->decisions, sim->ndecisions, r->replay,
                              sizeof r->replay);
        t->keep(t->self);
    }
    return 1;
}

static void search_random(const struct explore_target *t,
                          const struct explore_bounds *o,
                          struct explore_summary *r)
{
    uint64_t limit = o->max_schedules ? o->max_schedules : UINT64_MAX;
    struct sched_sim_options so;
    uint64_t seed = 0;

    memset(&so, 0, sizeof so);
    so.strategy = SCHED_RANDOM;
    for (seed = 1; seed <= o->seeds; seed++) {
        if (r->schedules >= limit)
            return; /* not complete */
        so.seed = seed;
        judge(t, t->run(t->self, &so), seed, r);
        t->release(t->self);
        if (o->stop_on_failure && r->failing)
            return; /* not complete */
    }
    r->complete = 1;
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

/* Makes *forced hold at least n choices. Returns 0, or -1 out of memory. */
static int reserve(int8_t **forced, size_t *cap, size_t n)
{
    int8_t *grown = NULL;

    if (n <= *cap)
        return 0;
    grown = realloc(*forced, n);
    if (grown == NULL)
        return -1;
    *forced = grown;
    *cap = n;
    return 0;
}

/*
 * One pass of the search: every schedule with at most `bound` preemptions,
 * of which only those with exactly `bound` are judged (the others were in
 * an earlier pass). Returns 0 when the pass ended, 1 when it stopped (at
 * the limit, the first failure, or out of memory).
 */
static int bounded_pass(const struct explore_target *t,
                        const struct explore_bounds *o, int bound,
                        uint64_t limit, struct explore_summary *r)
{
    struct sched_sim_options so;
    int8_t *forced = NULL;
    size_t cap = 0;
    long n = 0;
    int stopped = 0;

    memset(&so, 0, sizeof so);
    so.strategy = SCHED_IN_ORDER;
    for (;;) {
        const struct sched_sim_result *sim = NULL;

        so.forced = forced;
        so.nforced = (size_t)n;
        sim = t->run(t->self, &so);
        if (prefix_preemptions(sim->decisions, (size_t)n) == bound)
            judge(t, sim, 0, r);
        if (r->schedules >= limit || (o->stop_on_failure && r->failing))
            stopped = 1;
        else if (reserve(&forced, &cap, sim->ndecisions) != 0)
            stopped = 1;
        else
            n = backtrack(sim->decisions, sim->ndecisions, bound, forced);
        t->release(t->self);
        if (stopped || n < 0)
            break;
    }
    free(forced);
    return stopped || n != -1;
}

/*
 * Iterative context bounding: all schedules with 0 preemptions, then with
 * 1, then 2, ... up to the bound, so the bugs that need the fewest
 * preemptions (most of them) show first, even when a limit cuts the search.
 */
static void search_bounded(const struct explore_target *t,
                           const struct explore_bounds *o,
                           struct explore_summary *r)
{
    uint64_t limit = o->max_schedules ? o->max_schedules : 100000;
    int bound = 0;

    for (bound = 0; bound <= o->max_preemptions; bound++)
        if (bounded_pass(t, o, bound, limit, r))
            return;
    r->complete = 1;
}

enum status explore_search(const struct explore_target *t,
                           const struct explore_bounds *o,
                           struct explore_summary *r)
{
    double start = now_seconds();

    memset(r, 0, sizeof *r);
    if (o->seeds > 0)
        search_random(t, o, r);
    else
        search_bounded(t, o, r);
    r->seconds = now_seconds() - start;
    return STATUS_OK;
}

/* ---- exploring a function ----------------------------------------------- */

struct function_target {
    sched_fn fn;
    void *arg;
    explore_check_fn check;
    enum status st;              /* fn's last status */
    struct sched_sim_result sim; /* its last run */
};

static const struct sched_sim_result *
function_run(void *self, const struct sched_sim_options *so)
{
    struct function_target *f = self;

    if (sched_sim_run(so, f->fn, f->arg, &f->st, &f->sim) != STATUS_OK)
        f->st = STATUS_RESOURCE_EXHAUSTED;
    return &f->sim;
}

static int function_judge(void *self)
{
    struct function_target *f = self;

    return f->check(f->arg, f->st, &f->sim);
}

static void function_keep(void *self)
{
    (void)self; /* the replay string is all there is to keep */
}

static void function_release(void *self)
{
    struct function_target *f = self;

    sched_sim_result_free(&f->sim);
}

enum status explore_function(sched_fn fn, void *arg, explore_check_fn check,
                             const struct explore_bounds *o,
                             struct explore_summary *r)
{
    struct function_target f;
    struct explore_target t = {function_run, function_judge, function_keep,
                               function_release, &f};

    memset(&f, 0, sizeof f);
    f.fn = fn;
    f.arg = arg;
    f.check = check;
    return explore_search(&t, o, r);
}

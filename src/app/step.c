/*
 * step: a run taken one decision at a time, by running it again (see
 * step.h).
 *
 * Design
 *   struct step holds the path (the choices made so far) and the last
 *   run: its trace, its result, and the view its strategy wrote down at
 *   the decision after the path. Every change of the path runs the
 *   scenario again (rerun); nothing of a run survives into the next but
 *   the path.
 */
#include "app/step.h"

#include <stdlib.h>
#include <string.h>

struct step {
    const struct scenario *sc;
    struct scenario_options o; /* the learner's; trace, custom, notes ours */
    int8_t *path;              /* the choice at each decision so far */
    size_t npath, cap;
    struct trace *trace;            /* the last run's */
    struct scenario_result *result; /* the last run's */
    struct step_view view;          /* the last run at decision npath */
    struct strategy base;           /* the strategy of every run */
    struct strategy_random random;  /* the seed's choices */
    int seen;                       /* this run has reached decision npath */
    int off_path; /* a choice of the path could not run (a bug) */
};

/* At decision k of a run: writes down the view the learner will see. */
static void look(struct step *s, uint64_t runnable, size_t k, int seed_pick)
{
    struct step_view *v = &s->view;
    int i = 0;

    v->ended = 0;
    v->k = k;
    v->step = sched_sim_step();
    v->nevents = trace_length(s->trace);
    v->runnable = runnable;
    v->seed_pick = seed_pick;
    v->nthreads = strategy_thread_count();
    for (i = 0; i < v->nthreads; i++)
        strategy_thread_get(i, &v->threads[i]);
}

/*
 * The strategy of every run: the path's choices, then the seed's. The
 * seed draws at every decision, so its choices are SCHED_RANDOM's.
 */
static int step_strategy(void *self, uint64_t runnable, int current, size_t k)
{
    struct step *s = self;
    int seed = s->random.base.choose(&s->random, runnable, current, k);

    if (k < s->npath) {
        int t = s->path[k];

        if (t >= 0 && t < SCHED_SIM_MAX_THREADS && (runnable >> t & 1))
            return t;
        s->off_path = 1; /* determinism says never */
        return seed;
    }
    if (!s->seen)
        look(s, runnable, k, seed);
    s->seen = 1;
    return seed;
}

/* The view of a run that ended before decision npath came. */
static void look_at_end(struct step *s)
{
    struct step_view *v = &s->view;

    memset(v, 0, sizeof *v);
    v->ended = 1;
    v->k = s->result->sim.ndecisions;
    v->step = s->result->sim.steps;
    v->nevents = trace_length(s->trace);
    v->seed_pick = -1;
}

/* Runs the scenario again from the start with the path. */
static enum status rerun(struct step *s)
{
    struct trace *t = trace_create();

    if (t == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    trace_destroy(s->trace);
    s->trace = t;
    scenario_result_free(s->result);
    s->o.trace = t;
    strategy_random_init(&s->random, s->o.seed);
    s->seen = 0;
    s->off_path = 0;
    scenario_run(s->sc, &s->o, s->result);
    if (s->result->usage_error)
        return STATUS_INVALID_ARGUMENT;
    if (!s->seen)
        look_at_end(s);
    return s->off_path ? STATUS_INTERNAL : STATUS_OK;
}

enum status step_create(const struct scenario *sc,
                        const struct scenario_options *o, struct step **out)
{
    struct step *s = calloc(1, sizeof *s);
    enum status st = STATUS_RESOURCE_EXHAUSTED;

    if (s == NULL)
        return st;
    s->sc = sc;
    s->o = *o;
    s->o.os = 0;
    s->o.forced = NULL;
    s->o.nforced = 0;
    s->o.custom = &s->base;
    s->o.notes = 1;
    s->base.choose = step_strategy;
    s->base.self = s;
    s->result = calloc(1, sizeof *s->result);
    if (s->result != NULL)
        st = rerun(s);
    if (st != STATUS_OK) {
        step_destroy(s);
        return st;
    }
    *out = s;
    return STATUS_OK;
}

void step_destroy(struct step *s)
{
    if (s == NULL)
        return;
    trace_destroy(s->trace);
    scenario_result_free(s->result);
    free(s->result);
    free(s->path);
    free(s);
}

const struct step_view *step_view(const struct step *s)
{
    return &s->view;
}

enum status step_choose(struct step *s, int t)
{
    if (s->view.ended || t < 0 || t >= SCHED_SIM_MAX_THREADS ||
        !(s->view.runnable >> t & 1))
        return STATUS_INVALID_ARGUMENT;
    if (s->npath == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        int8_t *grown = realloc(s->path, cap);

        if (grown == NULL)
            return STATUS_RESOURCE_EXHAUSTED;
        s->path = grown;
        s->cap = cap;
    }
    s->path[s->npath++] = (int8_t)t;
    return rerun(s);
}

enum status step_undo(struct step *s)
{
    if (s->npath == 0)
        return STATUS_FAILED_PRECONDITION;
    s->npath--;
    return rerun(s);
}

void step_finish(struct step *s)
{
    const struct sched_sim_result *r = &s->result->sim;
    size_t k = 0;

    /* The run already is the seed's from here: its decisions are the path. */
    if (r->ndecisions > s->cap) {
        int8_t *grown = realloc(s->path, r->ndecisions);

        if (grown == NULL)
            return; /* the path stays short; the view is still the end */
        s->path = grown;
        s->cap = r->ndecisions;
    }
    for (k = 0; k < r->ndecisions; k++)
        s->path[k] = r->decisions[k].chosen;
    s->npath = r->ndecisions;
    look_at_end(s);
}

size_t step_path_length(const struct step *s)
{
    return s->npath;
}

const struct trace *step_trace(const struct step *s)
{
    return s->trace;
}

const struct scenario_result *step_result(const struct step *s)
{
    return s->result;
}

size_t step_replay(const struct step *s, char *buf, size_t cap)
{
    return sched_schedule_format(s->result->sim.decisions,
                                 s->result->sim.ndecisions, buf, cap);
}

/* Whether c is reached by the first n events (and the result, if given). */
static int reached(const struct step *s, const struct scenario_challenge *c,
                   size_t n, const struct scenario_result *r)
{
    struct scenario_progress p;

    p.trace = s->trace;
    p.nevents = n;
    p.result = r;
    return c->reached(&p) != 0;
}

long step_reached_at(const struct step *s, const struct scenario_challenge *c)
{
    size_t lo = 0, hi = s->view.nevents;

    if (!reached(s, c, hi, NULL))
        return s->view.ended && reached(s, c, hi, s->result) ? (long)s->view.k
                                                             : -1;
    while (lo < hi) { /* the fewest events that reach it: monotone */
        size_t mid = lo + (hi - lo) / 2;

        if (reached(s, c, mid, NULL))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo == 0 ? 0 : (long)trace_event_at(s->trace, lo - 1)->decisions;
}

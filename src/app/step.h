/*
 * step: a simulated run taken one decision at a time, for `duplex step`.
 *
 * The learner is the scheduler: at each decision (a scheduling point
 * where two or more threads could run) they see what each thread is about
 * to do and choose who runs, or let the seed choose, or undo. This is the
 * engine; cli_step.c is the terminal around it.
 *
 * Design
 *   Re-run, never pause. The simulator runs a scenario to its end in one
 *   call, its threads taking turns on stacks of their own: stopping it
 *   half-way to wait for a key would leave those stacks in mid-call. So
 *   each time the path changes, the scenario runs again from the start,
 *   with the path so far as forced choices and a strategy (struct
 *   step_strategy) that, at the next decision, writes down the threads,
 *   the events so far and the seed's choice (struct step_view), then lets
 *   the seed choose the rest. Determinism makes that exact: the same
 *   choices give the same run, byte for byte. Undo drops the last choice
 *   and runs again. A whole run of a scenario at its default size takes
 *   well under a millisecond (the largest, concurrent-senders --fix with
 *   its 200 messages, about 0.7 ms when measured), so this is instant.
 *
 *   The seed. The strategy draws from seed N's generator at every
 *   decision, forced or not, exactly as SCHED_RANDOM does, so letting the
 *   seed choose every time gives `duplex run S --seed N`, and a run's
 *   rest is what that seed would do from here.
 *
 *   The replay string. A run's decisions, written against the in-order
 *   strategy (sched_schedule_format), replay it with `duplex run S
 *   --replay STRING` and the same options.
 */
#ifndef STEP_H
#define STEP_H

#include <stddef.h>
#include <stdint.h>

#include "core/sched.h"
#include "core/strategy.h"
#include "core/trace.h"
#include "scenarios/scenario.h"

/* The run at the learner's next decision, or at its end. */
struct step_view {
    int ended;         /* no decision is left: the run is over */
    size_t k;          /* the decision's number (decisions made so far);
                          at the end, how many the run made */
    uint64_t step;     /* the simulator's step count there */
    size_t nevents;    /* the events that happened before it */
    uint64_t runnable; /* bit i: thread i could run */
    int seed_pick;     /* the thread the seed would choose */
    int nthreads;
    struct strategy_thread threads[SCHED_SIM_MAX_THREADS];
};

struct step; /* private to step.c */

/*
 * Makes a stepper for sc with o (its seed, --fix, messages, capacity; its
 * trace, strategy and notes are the stepper's) and runs it to its first
 * decision.
 * Returns one of:
 *   STATUS_OK                  *out is the stepper, to step_destroy
 *   STATUS_RESOURCE_EXHAUSTED  no memory, or the simulator could not run
 */
enum status step_create(const struct scenario *sc,
                        const struct scenario_options *o, struct step **out);

/* Frees s. NULL is a no-op. */
void step_destroy(struct step *s);

/* The run at the next decision (or its end). */
const struct step_view *step_view(const struct step *s);

/*
 * Thread t runs at the next decision (t is in the view's runnable set):
 * the run goes on to the decision after, or to its end.
 * Returns one of:
 *   STATUS_OK                  done
 *   STATUS_INVALID_ARGUMENT    t cannot run now, or the run is over
 *   STATUS_RESOURCE_EXHAUSTED  no memory
 */
enum status step_choose(struct step *s, int t);

/*
 * Takes back the last choice: the run is again at the decision before.
 * Returns STATUS_OK, STATUS_FAILED_PRECONDITION when no choice was made
 * (also after step_finish), or STATUS_RESOURCE_EXHAUSTED.
 */
enum status step_undo(struct step *s);

/* The seed makes every choice left: the view is the run's end. */
void step_finish(struct step *s);

/* The choices made so far (the path), and how many were the learner's. */
size_t step_path_length(const struct step *s);

/*
 * The run as it stands: its events (all of them, also those after the
 * view's next decision, which the seed chose) and its result (the
 * outcome if the seed made every choice after the view).
 */
const struct trace *step_trace(const struct step *s);
const struct scenario_result *step_result(const struct step *s);

/*
 * Writes the replay string of the run (see Design) into buf: only
 * meaningful at its end. Returns its length (cut to fit cap).
 */
size_t step_replay(const struct step *s, char *buf, size_t cap);

/*
 * Where c was reached in the run so far, as far as the view shows it (its
 * events before the next decision, and the result once the run is over):
 * the decisions made before the event that reached it, or -1 when it is
 * not reached yet. c->reached must be monotone (see scenario.h).
 */
long step_reached_at(const struct step *s, const struct scenario_challenge *c);

#endif /* STEP_H */

/*
 * strategy: how a simulated run chooses which thread runs next.
 *
 * The simulator (sched_sim_run, see sched.h) asks its strategy at every
 * decision: a scheduling point where more than one thread could run. It
 * is the question shuttle's Scheduler answers with next_task(runnable,
 * current): of the threads that could run, with this one at the point,
 * which runs now? duplex has three:
 *
 *   in order  go on with the current thread while it can, else the
 *             lowest-numbered runnable one (SCHED_IN_ORDER). Replay
 *             strings say only where a run left it.
 *   random    a seeded uniform choice (SCHED_RANDOM), with xorshift64*:
 *             small, fast, and the same on every machine.
 *   prefix    the choices forced for the first decisions, then another
 *             strategy. A replay is a prefix over in order, and so is each
 *             run of explore's bounded search: the search picks the prefix,
 *             in order does the rest.
 *
 * Design
 *   A strategy is a function and the state it works on (self), like a
 *   one-entry vtable: the simulator holds a pointer and never looks inside,
 *   so a new strategy (PCT, round robin) needs no change to it. Threads
 *   are numbered in the order they were started (main is 0), and runnable
 *   is a bit set of those numbers, as in struct sched_decision.
 *   The state lives in the caller's struct: nothing here allocates.
 */
#ifndef STRATEGY_H
#define STRATEGY_H

#include <stddef.h>
#include <stdint.h>

#include "core/sched.h"

struct strategy {
    /*
     * Returns the thread to run at decision k of the run (the first is 0):
     * one of runnable's bits (two or more are set). current is the thread
     * that reached the scheduling point, or -1 when it blocked or exited.
     */
    int (*choose)(void *self, uint64_t runnable, int current, size_t k);
    void *self;
};

/*
 * The in-order choice: current if it is in runnable, else the
 * lowest-numbered thread in runnable; -1 when runnable is empty. Inline:
 * the simulator calls it at every scheduling point.
 */
static inline int strategy_in_order(uint64_t runnable, int current)
{
    int i = 0;

    if (current >= 0 && (runnable >> current & 1))
        return current;
    for (i = 0; i < 64; i++) /* a bit of runnable: below 64 */
        if (runnable >> i & 1)
            return i;
    return -1;
}

/* The in-order strategy: strategy_in_order at every decision. */
const struct strategy *strategy_in_order_get(void);

struct strategy_random {
    struct strategy base; /* choose, and self pointing here */
    uint64_t rng;         /* xorshift64* state, never 0 */
};

/*
 * Makes *r the random strategy for seed (any value, 0 too) and returns it.
 * The same seed gives the same choices.
 */
const struct strategy *strategy_random_init(struct strategy_random *r,
                                            uint64_t seed);

struct strategy_prefix {
    struct strategy base; /* choose, and self pointing here */
    const int8_t *forced; /* forced[k]: the choice at decision k, or
                             -1 for none */
    size_t nforced;
    const struct strategy *then; /* asked where nothing is forced */
    int diverged;                /* a forced choice did not fit */
    size_t diverged_at;          /* ... the first: its decision k */
};

/*
 * Makes *p the strategy that chooses forced[k] at decision k when that
 * thread is runnable, and asks then otherwise, and returns it. A forced
 * choice that is not runnable does not fit the run: p->diverged is set
 * and p->diverged_at keeps the first such k. forced and then must outlive
 * p's use.
 */
const struct strategy *strategy_prefix_init(struct strategy_prefix *p,
                                            const int8_t *forced,
                                            size_t nforced,
                                            const struct strategy *then);

/*
 * For a run that ended after ndecisions decisions: a forced choice at
 * decision ndecisions or later did not fit it either (the run never came
 * to it), so that one diverges too when it is the first.
 */
void strategy_prefix_end(struct strategy_prefix *p, size_t ndecisions);

/* ---- what a strategy may look at ---------------------------------------- */

/*
 * A strategy that shows the run to someone (`duplex step`) may, from its
 * choose, look at every thread of the run: the simulator answers these
 * (sim.c). Call them only from a choose, while the run is at the decision.
 */

/* Room for what a thread is doing, including the NUL. */
#define STRATEGY_DOING_MAX 256

enum strategy_thread_state {
    STRATEGY_THREAD_RUNNABLE, /* could run at this decision */
    STRATEGY_THREAD_BLOCKED,  /* waits (for a lock, a condition, a join,
                                 or virtual time) */
    STRATEGY_THREAD_DONE      /* its function returned */
};

/* One thread of the run, at a decision. */
struct strategy_thread {
    char name[SCHED_NAME_MAX];
    enum strategy_thread_state state;
    /*
     * In words: its note (sched_note), "back from" the last operation
     * noted, or "has not started yet"; a blocked one, what it waits for;
     * a finished one, "finished".
     */
    char doing[STRATEGY_DOING_MAX];
};

/* The threads the run has started so far, main too (their numbers: 0..). */
int strategy_thread_count(void);

/* Fills *out with thread i (0 <= i < strategy_thread_count()). */
void strategy_thread_get(int i, struct strategy_thread *out);

#endif /* STRATEGY_H */

/*
 * fiber: the simulator's stacks and context switches. Private to src/core
 * (sim.c uses it).
 *
 * A context is a place to switch to: saved registers and the stack they
 * run on. There are two kinds:
 *   - a worker's: its own stack, whose code starts at an entry function
 *     and never returns from it (a simulated thread runs on a worker);
 *   - an OS thread's own: the one sched_sim_run was called on, to switch
 *     back to when the run ends.
 * fiber_switch saves the running context and loads another; it returns
 * when someone switches back. ASan, TSan and Valgrind are told about every
 * stack and every switch, so they follow each simulated thread's stack as
 * they would an OS thread's.
 *
 * Workers are kept for the next run in a pool per OS thread: an mmap, its
 * page faults and a TSan fiber cost more than a whole short run.
 */
#ifndef FIBER_H
#define FIBER_H

#include <stddef.h>
#include <ucontext.h>

struct fiber_ctx {
    ucontext_t uc;     /* its registers while it is not running */
    const void *stack; /* its stack's lowest address, for ASan; for an
                          OS thread's own, NULL until the first switch
                          away from it tells */
    size_t stack_size;
    void *asan_fake_stack; /* ASan's bookkeeping across a switch */
    void *tsan_fiber;      /* TSan's record of the context */
};

struct fiber_worker {
    struct fiber_ctx ctx;
    char *base;     /* the mapping: a guard page, then the stack */
    unsigned vg_id; /* Valgrind's name for the stack (0 outside it) */
};

/* Makes *c stand for the calling OS thread's own context. */
void fiber_ctx_init_here(struct fiber_ctx *c);

/*
 * A worker whose context, when first switched to, calls entry on a stack
 * of SCHED_STACK_SIZE bytes above a guard page. entry must never return,
 * and must call fiber_started first. Every worker of an OS thread must be
 * got with the same entry: a parked one is taken from the pool, where it
 * waits inside its entry for its next switch. Returns NULL when there is
 * no memory for another.
 */
struct fiber_worker *fiber_worker_get(void (*entry)(void));

/* Gives a worker back to the pool (or frees it when the pool is full). */
void fiber_worker_put(struct fiber_worker *w);

/*
 * Frees a worker stopped in mid-call, whose stack cannot be used again
 * (its thread was stopped as a livelock).
 */
void fiber_worker_discard(struct fiber_worker *w);

/* Gives w's context a name in TSan's reports. */
void fiber_worker_name(struct fiber_worker *w, const char *name);

/*
 * Saves the running context in *from and switches to *to. Returns when
 * someone switches back to *from.
 */
void fiber_switch(struct fiber_ctx *from, struct fiber_ctx *to);

/* The first call of a worker's entry: the switch to it is over. */
void fiber_started(void);

#endif /* FIBER_H */

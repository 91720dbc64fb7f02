/*
 * sim: the simulator's side of sched's wrappers. Private to src/core
 * (sched.c calls it).
 *
 * When the calling thread is simulated (sched_me() is not NULL), each
 * wrapper of sched.h hands its work to the function here of the same name,
 * with f the calling thread. They keep sched.h's contracts, in SIM mode's
 * terms: each is a scheduling point or a step, as sched.h says, and a wait
 * that would block lets another thread run. The public SIM-mode calls
 * (sched_sim_run and the others in sched.h) are in sim.c as well.
 */
#ifndef SIM_H
#define SIM_H

#include <stdint.h>

#include "core/sched.h"
#include "core/status.h"

/* Takes m, first letting another thread run; aborts if f holds it. */
void sim_mutex_lock(struct sched_fiber *f, struct sched_mutex *m);

/* Lets go of m and makes its waiters runnable; aborts if f does not hold it. */
void sim_mutex_unlock(struct sched_fiber *f, struct sched_mutex *m);

/*
 * sched_cond_timedwait in SIM mode (SCHED_NO_DEADLINE: no deadline).
 * Returns one of:
 *   STATUS_OK                 woken
 *   STATUS_DEADLINE_EXCEEDED  virtual time reached the deadline
 *   STATUS_DEADLOCK           the run found a deadlock
 */
enum status sim_cond_wait(struct sched_fiber *f, struct sched_cond *c,
                          struct sched_mutex *m, int64_t deadline);

/* Wakes c's first waiter, or every waiter when all is 1. */
void sim_cond_wake(struct sched_fiber *f, struct sched_cond *c, int all);

/* Blocks f for ns nanoseconds of virtual time (ns > 0). */
void sim_sleep(struct sched_fiber *f, int64_t ns);

/* The run's virtual time. */
int64_t sim_now(const struct sched_fiber *f);

/*
 * Starts t (its fn, arg and name set) as a simulated thread of f's run.
 * Returns one of:
 *   STATUS_OK                  it is runnable
 *   STATUS_RESOURCE_EXHAUSTED  the run has SCHED_SIM_MAX_THREADS threads,
 *                              or there is no memory for another
 */
enum status sim_thread_start(struct sched_fiber *f, struct sched_thread *t);

/* Blocks f until t is done. */
void sim_thread_join(struct sched_fiber *f, struct sched_thread *t);

struct note;

/*
 * f's note (note.h) when its run keeps notes (sched_sim_options.notes),
 * else NULL.
 */
struct note *sim_note(struct sched_fiber *f);

#endif /* SIM_H */

/*
 * sched_internal: what the files behind sched.h share. Private to
 * src/core: nothing outside sched's own files includes it.
 *
 * sched.h's API is implemented by six files:
 *   sched.c     the wrappers: POSIX threads and CLOCK_MONOTONIC one to
 *               one (OS mode), or a call into the simulator (SIM mode)
 *   sim.c       the simulator: threads, scheduling points, virtual time,
 *               deadlock and livelock reports (its entry points: sim.h)
 *   fiber.c     the simulator's stacks and context switches, and what
 *               ASan, TSan and Valgrind are told about them (fiber.h)
 *   strategy.c  who runs next at a decision (strategy.h)
 *   schedule.c  replay strings
 *   note.c      what each simulated thread is doing (sched_note)
 */
#ifndef SCHED_INTERNAL_H
#define SCHED_INTERNAL_H

#include "core/sched.h"

/*
 * The calling thread's record: set by sched.c for a thread it started on
 * the OS, and by the simulator at every switch; NULL on a thread sched did
 * not start. It is the only per-thread state in duplex (the simulator's
 * pool of stacks aside, see fiber.h).
 */
extern _Thread_local struct sched_thread *sched_self;

/* The calling thread's simulated thread, or NULL in OS mode. */
static inline struct sched_fiber *sched_me(void)
{
    return sched_self != NULL ? sched_self->fiber : NULL;
}

/* Writes "duplex: WHAT failed: REASON" (rc an errno value) and aborts. */
_Noreturn void sched_fail(int rc, const char *what);

/*
 * For calls that cannot fail: returns when rc is 0, else sched_fail. A
 * failed pthread or context call is a bug, not a status to pass up (libuv
 * does the same). Inline: OS mode checks every lock and unlock.
 */
static inline void sched_check(int rc, const char *what)
{
    if (rc != 0)
        sched_fail(rc, what);
}

#endif /* SCHED_INTERNAL_H */

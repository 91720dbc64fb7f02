/*
 * sched: the only module that touches pthreads and clocks.
 *
 * Every lock, condition wait, clock read, sleep and thread in duplex goes
 * through these wrappers, so the same library and scenario code runs in two
 * modes:
 *
 *   OS mode   the wrappers are POSIX threads and CLOCK_MONOTONIC, one to one.
 *   SIM mode  code started by sched_sim_run runs under a deterministic
 *             scheduler: one thread at a time, and at every scheduling point
 *             (lock, wait, sleep, spawn, join, exit) a seeded choice, or a
 *             forced one, decides who runs next. Unlock, signal and
 *             broadcast are steps too, but never switch: with shared state
 *             under locks, a switch there can always be moved to the next
 *             lock, so it would only repeat schedules. The same seed
 *             gives the same run, byte for byte. Time is virtual: it stands
 *             still while threads run and jumps to the earliest deadline when
 *             every thread waits, so a 5 s deadline passes at once, and at
 *             the same step every time. When no thread can ever run again,
 *             that is a deadlock: sched writes a report of who waits for what,
 *             wakes every waiting thread with STATUS_DEADLOCK so the code
 *             unwinds, and the run ends cleanly. When threads go on
 *             forever instead (a livelock), the run's step budget stops it,
 *             and sched reports who kept running.
 *
 * Design
 *   - Wrappers for calls that "cannot fail" abort() when they do: a failed
 *     pthread_mutex_lock is a bug, not a status to pass up (libuv does the
 *     same with uv_mutex_lock).
 *   - Condition variables use CLOCK_MONOTONIC, so a timed wait is not fooled
 *     by someone setting the wall clock. Deadlines are absolute nanoseconds
 *     on that clock (virtual in SIM mode), as returned by sched_now_ns().
 *     SCHED_NO_DEADLINE means "wait forever".
 *   - Threads have names ("client/send", "server"). The trace prints them;
 *     sched_self_name() returns the calling thread's name ("main" for a
 *     thread sched did not start).
 *   - A condition variable can say in words what its waiters wait for
 *     (sched_cond_describe), for the deadlock report.
 *   - SIM mode runs each simulated thread as a user-level context (its own
 *     stack, switched with swapcontext) on the one OS thread that called
 *     sched_sim_run, so only one runs at a time and a switch costs well
 *     under a microsecond: exploration runs about 100,000 short schedules a
 *     second. ThreadSanitizer, AddressSanitizer and Valgrind are told about
 *     every switch, so they follow each simulated thread's stack.
 */
#ifndef SCHED_H
#define SCHED_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* A deadline that never comes. */
#define SCHED_NO_DEADLINE INT64_MAX

/* Longest thread name kept, including the terminating NUL. */
#define SCHED_NAME_MAX 32

/* Stack size for threads started through sched (small: a hub runs 2,000). */
#define SCHED_STACK_SIZE (256 * 1024)

struct sched_fiber; /* a simulated thread (SIM mode), private to sim.c */
struct strategy;    /* who runs next (SIM mode), see strategy.h */

/* What a condition's waiters wait for, for deadlock reports and hints. */
enum sched_wait_kind {
    SCHED_WAIT_OTHER = 0,
    SCHED_WAIT_DATA = 1, /* a reader waiting for bytes */
    SCHED_WAIT_ROOM = 2  /* a writer waiting for space */
};

/* Writes what a waiter waits for ("data on c2s (empty, writer open)"). */
typedef enum sched_wait_kind (*sched_describe_fn)(const void *obj, char *buf,
                                                  size_t cap);

struct sched_mutex {
    pthread_mutex_t mu;
    struct sched_fiber *owner; /* SIM mode: who holds it, or NULL */
    int quiet;                 /* SIM mode: not a scheduling point */
};

struct sched_cond {
    pthread_cond_t cv;
    struct sched_fiber *waiters; /* SIM mode: FIFO of waiting threads */
    sched_describe_fn describe;  /* may be NULL */
    const void *describe_obj;
};

/* The body of a thread. Its return value is what sched_thread_join reports. */
typedef enum status (*sched_fn)(void *arg);

struct sched_thread {
    pthread_t tid;
    sched_fn fn;
    void *arg;
    enum status result; /* fn's return value, valid after join */
    char name[SCHED_NAME_MAX];
    struct sched_fiber *fiber; /* SIM mode, else NULL */
    int joined;                /* sched_thread_join has returned */
};

void sched_mutex_init(struct sched_mutex *m);

/*
 * Like sched_mutex_init, for an observer's lock (the trace's): in SIM mode
 * it is no scheduling point, since only one thread runs at a time there, so
 * watching a run never changes its schedule. Code holding it must not
 * block.
 */
void sched_mutex_init_quiet(struct sched_mutex *m);
void sched_mutex_destroy(struct sched_mutex *m);

/*
 * Locking a mutex the calling thread already holds, or unlocking one it
 * does not hold, is a bug: in SIM mode sched aborts with a message naming
 * the thread (OS mode does not check).
 */
void sched_mutex_lock(struct sched_mutex *m);
void sched_mutex_unlock(struct sched_mutex *m);

void sched_cond_init(struct sched_cond *c);
void sched_cond_destroy(struct sched_cond *c);

/*
 * Gives c a way to say what its waiters wait for: fn(obj, buf, cap) is
 * called, with no lock held, only while every simulated thread is stopped
 * (to write a deadlock report).
 */
void sched_cond_describe(struct sched_cond *c, sched_describe_fn fn,
                         const void *obj);

/*
 * Atomically releases m and waits until c is signalled, then retakes m.
 * Wake-ups can be spurious: always call it in a loop that re-tests the
 * predicate, and leave the loop on anything but STATUS_OK.
 * Returns one of:
 *   STATUS_OK        woken (possibly spuriously)
 *   STATUS_DEADLOCK  SIM mode: no thread could ever have woken this one;
 *                    give up the wait and unwind
 */
enum status sched_cond_wait(struct sched_cond *c, struct sched_mutex *m);

/*
 * Like sched_cond_wait, but gives up at the absolute time deadline_ns
 * (SCHED_NO_DEADLINE waits forever).
 * Returns one of:
 *   STATUS_OK                 woken (possibly spuriously) before the deadline
 *   STATUS_DEADLINE_EXCEEDED  the deadline passed
 *   STATUS_DEADLOCK           SIM mode, as for sched_cond_wait
 */
enum status sched_cond_timedwait(struct sched_cond *c, struct sched_mutex *m,
                                 int64_t deadline_ns);

void sched_cond_signal(struct sched_cond *c);
void sched_cond_broadcast(struct sched_cond *c);

/* Monotonic time in nanoseconds (virtual in SIM mode). */
int64_t sched_now_ns(void);

/* Blocks the calling thread for ns nanoseconds (0 or less returns at once). */
void sched_sleep_ns(int64_t ns);

/*
 * Starts fn(arg) on a new thread named name (truncated to fit), with a
 * SCHED_STACK_SIZE stack; in SIM mode when the caller runs in SIM mode.
 * *t must stay alive until sched_thread_join.
 * Returns one of:
 *   STATUS_OK                  the thread is running
 *   STATUS_RESOURCE_EXHAUSTED  the system refused another thread; in SIM
 *                              mode, also when the run already has
 *                              SCHED_SIM_MAX_THREADS threads (errno is
 *                              EAGAIN then, as pthread_create says it)
 */
enum status sched_thread_start(struct sched_thread *t, const char *name,
                               sched_fn fn, void *arg);

/*
 * Waits for t to finish and returns the status its function returned. A
 * second join returns the same status at once.
 */
enum status sched_thread_join(struct sched_thread *t);

/* The calling thread's name: the one given to sched_thread_start, or "main". */
const char *sched_self_name(void);

/* ---- SIM mode ----------------------------------------------------------- */

/* Most threads one simulated run may start (including its "main"). */
#define SCHED_SIM_MAX_THREADS 64

/*
 * A simulated run's step budget unless its options give one: about a
 * second of simulation. A run still going after that many steps is taken
 * for a livelock and stopped (see sched_sim_run).
 */
#define SCHED_SIM_MAX_STEPS 10000000

/*
 * One decision of a simulated run, at a scheduling point where more than
 * one thread could run. Threads are numbered in the order they were started
 * (main is 0); runnable is a bit set of those numbers.
 */
struct sched_decision {
    uint64_t runnable; /* bit i: thread i could run */
    int8_t current;    /* the thread that reached the point, -1 if it cannot
                          go on (it blocked or exited) */
    int8_t chosen;     /* the thread that ran next */
};

/* The built-in strategies (strategy.h has them, and the interface). */
enum sched_strategy {
    SCHED_RANDOM,  /* a seeded uniform choice at every point */
    SCHED_IN_ORDER /* go on with the current thread while it can, else
                      the lowest-numbered runnable one */
};

struct sched_sim_options {
    enum sched_strategy strategy;
    uint64_t seed;        /* SCHED_RANDOM's seed */
    const int8_t *forced; /* choose forced[k] at decision k (when it is
                             runnable), then follow the strategy */
    size_t nforced;
    uint64_t max_steps;            /* the step budget; 0: SCHED_SIM_MAX_STEPS */
    const struct strategy *custom; /* not NULL: followed instead of
                                      strategy and seed */
    int notes;                     /* keep each thread's note (sched_note),
                                      for a strategy that shows them */
};

#define SCHED_REPORT_MAX 1024

struct sched_sim_result {
    uint64_t steps;                   /* scheduling points passed */
    int64_t now_ns;                   /* virtual time at the end */
    int deadlocked;                   /* the run found a deadlock */
    int livelocked;                   /* it was stopped at its step budget */
    int diverged;                     /* a forced choice did not fit */
    size_t diverged_at;               /* ... the first: its decision k */
    char report[SCHED_REPORT_MAX];    /* the deadlock or livelock report,
                                         or "" */
    struct sched_decision *decisions; /* every decision, in order */
    size_t ndecisions;
    int nthreads; /* threads started, main too */
    char thread_names[SCHED_SIM_MAX_THREADS][SCHED_NAME_MAX]; /* by number */
};

/*
 * Runs fn(arg) as the "main" thread of a simulated run, with every thread
 * it starts, until all have finished. Blocks the caller meanwhile.
 *
 * A run still going when it has taken its budget of steps (o->max_steps)
 * is a livelock: threads that keep running and never finish, such as a
 * loop that polls for something that never comes. (The step in which the
 * last thread exits is always taken: a run that ends is no livelock.) The
 * run is stopped there: r->livelocked is set, r->report names the threads
 * that kept taking steps and what the others wait for, and *out_status is
 * STATUS_ABORTED. Unlike a deadlock's, a livelock's threads cannot be
 * woken to unwind (a thread that never waits cannot be told to stop), so
 * they are left where they were: their stacks are dropped, the locks they
 * hold stay held, and memory they allocated is not freed.
 *
 * Returns one of:
 *   STATUS_OK                  the run ended (or was stopped); fn's status,
 *                              or STATUS_ABORTED, is in *out_status
 *   STATUS_RESOURCE_EXHAUSTED  no memory or no thread for the simulator
 * r (not NULL) receives the run's record; free it with
 * sched_sim_result_free. Not reentrant: one simulated run per process at a
 * time, started from a thread that is not itself simulated.
 */
enum status sched_sim_run(const struct sched_sim_options *o, sched_fn fn,
                          void *arg, enum status *out_status,
                          struct sched_sim_result *r);

/* Frees r's decisions and empties the list. NULL is a no-op. */
void sched_sim_result_free(struct sched_sim_result *r);

/* 1 when the calling thread runs under the simulator, else 0. */
int sched_simulated(void);

/*
 * For a lock-free read of state that is written under a lock: in SIM mode,
 * the scheduling point (and the two steps) that locking and unlocking an
 * uncontended mutex would be, so exploration still switches threads there
 * and every schedule and replay string stays the same; in OS mode, nothing.
 * Use it only where that mutex is never held across a scheduling point, so
 * the lock could never have blocked.
 */
void sched_sim_point(void);

/*
 * The simulated step count (scheduling points so far) of the running
 * simulation, or 0 in OS mode. Traces use it as their clock in SIM mode.
 */
uint64_t sched_sim_step(void);

/*
 * The decisions the running simulation has made so far (the k of its next
 * one), or 0 in OS mode. Traces note it with each event, so a timeline
 * can show where a replay string's decisions fall.
 */
size_t sched_sim_decisions(void);

/* ---- notes: what each simulated thread is doing ------------------------- */

/*
 * A run with sched_sim_options.notes keeps, for each simulated thread, a
 * note of the operation it is in ("stream_send \"bye\" into c2s") and of
 * the part of it it is at ("writes the payload (3 B)"), for a strategy
 * that shows the threads at each decision (`duplex step`, strategy.h's
 * strategy_thread_get). A note is no scheduling point and no step: notes
 * change no schedule. Without notes (every other run, and OS mode) these
 * calls return at once and format nothing.
 */

/* Room for a note, including the NUL. */
#define SCHED_NOTE_MAX 96

/*
 * Adds the state a noted operation works on, when the note is read
 * ("c2s: 60/64 bytes used"). Called while every simulated thread is
 * stopped: it must not lock, block or record.
 */
typedef void (*sched_note_fn)(const void *obj, char *buf, size_t cap);

/*
 * 1 when the calling thread is simulated in a run that keeps notes, else
 * 0: a caller whose note costs work to write (a payload preview) asks
 * first.
 */
int sched_noting(void);

/*
 * Notes the operation the calling thread starts; its detail is cleared.
 * Its arguments are evaluated in every mode, so they may be only what the
 * caller owns (its own arguments and locals), never shared state read
 * without its lock: that would be a data race on real threads. State that
 * changes goes through sched_note_detail's fn, called only in SIM mode.
 */
void sched_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Notes the part of its operation the calling thread is at, and fn(obj)
 * (fn may be NULL) to say the state it works on.
 */
void sched_note_detail(sched_note_fn fn, const void *obj, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The operation noted has returned (the note then reads "back from"). */
void sched_note_end(void);

/*
 * Writes decisions as a replay string: the decisions that differ from
 * SCHED_IN_ORDER, as "k:t" pairs joined by ',' ("3:1,17:0"), "-" when none.
 * Returns the length written (truncated to fit cap).
 */
size_t sched_schedule_format(const struct sched_decision *d, size_t n,
                             char *buf, size_t cap);

/*
 * Parses a replay string into the forced choices for sched_sim_run
 * (*out_forced, malloc'd, length *out_n).
 * Returns one of:
 *   STATUS_OK                *out_forced / *out_n are set
 *   STATUS_INVALID_ARGUMENT  not a replay string (a "k:t,k:t" list with k
 *                            increasing, k < SCHED_SIM_MAX_STEPS and
 *                            t < SCHED_SIM_MAX_THREADS)
 *   STATUS_RESOURCE_EXHAUSTED out of memory
 * *out_forced and *out_n are untouched on failure.
 * A replay string only says where a run left SCHED_IN_ORDER, so replay it
 * with that strategy. A run makes at most one decision a step, so no run
 * within the default budget has a decision SCHED_SIM_MAX_STEPS or later:
 * the bound keeps *out_forced (one byte per decision up to the last k) to
 * what a run can use.
 */
enum status sched_schedule_parse(const char *s, int8_t **out_forced,
                                 size_t *out_n);

#endif /* SCHED_H */

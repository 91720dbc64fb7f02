/*
 * sched: the only module that touches pthreads and clocks.
 *
 * Every lock, condition wait, clock read, sleep and thread in duplex goes
 * through these wrappers. Today they map one to one onto POSIX threads (OS
 * mode). Keeping them in one place is what lets a deterministic scheduler
 * take over later without changing a line of pipe, stream or scenario code.
 *
 * Design
 *   - Wrappers for calls that "cannot fail" abort() when they do: a failed
 *     pthread_mutex_lock is a bug, not a status to pass up (libuv does the
 *     same with uv_mutex_lock).
 *   - Condition variables use CLOCK_MONOTONIC, so a timed wait is not fooled
 *     by someone setting the wall clock. Deadlines are absolute nanoseconds
 *     on that clock, as returned by sched_now_ns(). SCHED_NO_DEADLINE means
 *     "wait forever".
 *   - Threads have names ("client/send", "server"). The trace prints them;
 *     sched_self_name() returns the calling thread's name ("main" for a
 *     thread sched did not start).
 */
#ifndef SCHED_H
#define SCHED_H

#include <pthread.h>
#include <stdint.h>

#include "status.h"

/* A deadline that never comes. */
#define SCHED_NO_DEADLINE INT64_MAX

/* Longest thread name kept, including the terminating NUL. */
#define SCHED_NAME_MAX 32

/* Stack size for threads started through sched (small: a hub runs 2,000). */
#define SCHED_STACK_SIZE (256 * 1024)

struct sched_mutex {
    pthread_mutex_t mu;
};

struct sched_cond {
    pthread_cond_t cv;
};

/* The body of a thread. Its return value is what sched_thread_join reports. */
typedef enum status (*sched_fn)(void *arg);

struct sched_thread {
    pthread_t tid;
    sched_fn fn;
    void *arg;
    enum status result; /* fn's return value, valid after join */
    char name[SCHED_NAME_MAX];
};

void sched_mutex_init(struct sched_mutex *m);
void sched_mutex_destroy(struct sched_mutex *m);
void sched_mutex_lock(struct sched_mutex *m);
void sched_mutex_unlock(struct sched_mutex *m);

void sched_cond_init(struct sched_cond *c);
void sched_cond_destroy(struct sched_cond *c);

/*
 * Atomically releases m and waits until c is signalled, then retakes m.
 * Wake-ups can be spurious: always call it in a loop that re-tests the
 * predicate.
 */
void sched_cond_wait(struct sched_cond *c, struct sched_mutex *m);

/*
 * Like sched_cond_wait, but gives up at the absolute time deadline_ns
 * (CLOCK_MONOTONIC nanoseconds; SCHED_NO_DEADLINE waits forever).
 * Returns one of:
 *   STATUS_OK                 woken (possibly spuriously) before the deadline
 *   STATUS_DEADLINE_EXCEEDED  the deadline passed
 */
enum status sched_cond_timedwait(struct sched_cond *c, struct sched_mutex *m,
                                 int64_t deadline_ns);

void sched_cond_signal(struct sched_cond *c);
void sched_cond_broadcast(struct sched_cond *c);

/* Monotonic time in nanoseconds. Only differences are meaningful. */
int64_t sched_now_ns(void);

/* Blocks the calling thread for ns nanoseconds (0 or less returns at once). */
void sched_sleep_ns(int64_t ns);

/*
 * Starts fn(arg) on a new thread named name (truncated to fit), with a
 * SCHED_STACK_SIZE stack. *t must stay alive until sched_thread_join.
 * Returns one of:
 *   STATUS_OK                  the thread is running
 *   STATUS_RESOURCE_EXHAUSTED  the system refused another thread
 */
enum status sched_thread_start(struct sched_thread *t, const char *name,
                               sched_fn fn, void *arg);

/* Waits for t to finish and returns the status its function returned. */
enum status sched_thread_join(struct sched_thread *t);

/* The calling thread's name: the one given to sched_thread_start, or "main". */
const char *sched_self_name(void);

#endif /* SCHED_H */

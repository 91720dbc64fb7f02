/*
 * sched: the wrappers every lock, wait, clock read, sleep and thread in
 * duplex goes through.
 *
 * Design
 *   OS mode: each wrapper calls one pthread (or clock) function and
 *   aborts if it fails, naming the call (sched_check), so a misuse stops
 *   the program at the line that did it instead of corrupting state.
 *
 *   SIM mode: when the calling thread runs under the simulator
 *   (sched_me() is not NULL), the wrapper hands its work to the simulator
 *   instead (sim.h), which never touches the pthread objects: a simulated
 *   run has only one OS thread, and the simulator keeps its own owner and
 *   waiters in the same structs. The rest of SIM mode is in sim.c
 *   (scheduling, virtual time, reports), fiber.c (stacks and switches),
 *   strategy.c (who runs next) and schedule.c (replay strings).
 *
 *   The thread-local sched_self names the calling thread (OS and SIM):
 *   the trampoline sets it for a thread started on the OS, the simulator
 *   at every switch.
 */
/* glibc's adaptive mutex (see sched_mutex_init) is outside POSIX 2008. */
#define _GNU_SOURCE

#include "core/sched.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/sched_internal.h"
#include "core/sim.h"

_Thread_local struct sched_thread *sched_self;

_Noreturn void sched_fail(int rc, const char *what)
{
    fprintf(stderr, "duplex: %s failed: %s\n", what, strerror(rc));
    abort();
}

/*
 * Where glibc has it, an adaptive mutex: a thread that finds it held spins
 * a little before it sleeps in the kernel. duplex's critical sections are
 * a few loads and a memcpy, so the holder is nearly always about to let go,
 * and sleeping would cost far more than waiting.
 */
void sched_mutex_init(struct sched_mutex *m)
{
    pthread_mutexattr_t attr;

    m->owner = NULL;
    m->quiet = 0;
    sched_check(pthread_mutexattr_init(&attr), "pthread_mutexattr_init");
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
    sched_check(pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP),
                "pthread_mutexattr_settype");
#endif
    sched_check(pthread_mutex_init(&m->mu, &attr), "pthread_mutex_init");
    sched_check(pthread_mutexattr_destroy(&attr), "pthread_mutexattr_destroy");
}

void sched_mutex_init_quiet(struct sched_mutex *m)
{
    sched_mutex_init(m);
    m->quiet = 1;
}

void sched_mutex_destroy(struct sched_mutex *m)
{
    sched_check(pthread_mutex_destroy(&m->mu), "pthread_mutex_destroy");
}

void sched_mutex_lock(struct sched_mutex *m)
{
    struct sched_fiber *f = sched_me();

    if (f != NULL && m->quiet)
        return; /* one thread runs at a time: nothing to exclude */
    if (f != NULL)
        sim_mutex_lock(f, m);
    else
        sched_check(pthread_mutex_lock(&m->mu), "pthread_mutex_lock");
}

void sched_mutex_unlock(struct sched_mutex *m)
{
    struct sched_fiber *f = sched_me();

    if (f != NULL && m->quiet)
        return;
    if (f != NULL)
        sim_mutex_unlock(f, m);
    else
        sched_check(pthread_mutex_unlock(&m->mu), "pthread_mutex_unlock");
}

void sched_cond_init(struct sched_cond *c)
{
    pthread_condattr_t attr;

    c->waiters = NULL;
    c->describe = NULL;
    c->describe_obj = NULL;
    sched_check(pthread_condattr_init(&attr), "pthread_condattr_init");
    sched_check(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC),
                "pthread_condattr_setclock");
    sched_check(pthread_cond_init(&c->cv, &attr), "pthread_cond_init");
    sched_check(pthread_condattr_destroy(&attr), "pthread_condattr_destroy");
}

void sched_cond_destroy(struct sched_cond *c)
{
    sched_check(pthread_cond_destroy(&c->cv), "pthread_cond_destroy");
}

void sched_cond_describe(struct sched_cond *c, sched_describe_fn fn,
                         const void *obj)
{
    c->describe = fn;
    c->describe_obj = obj;
}

enum status sched_cond_wait(struct sched_cond *c, struct sched_mutex *m)
{
    return sched_cond_timedwait(c, m, SCHED_NO_DEADLINE);
}

enum status sched_cond_timedwait(struct sched_cond *c, struct sched_mutex *m,
                                 int64_t deadline_ns)
{
    struct sched_fiber *f = sched_me();
    struct timespec ts;
    int rc = 0;

    if (f != NULL)
        return sim_cond_wait(f, c, m, deadline_ns);
    if (deadline_ns == SCHED_NO_DEADLINE) {
        sched_check(pthread_cond_wait(&c->cv, &m->mu), "pthread_cond_wait");
        return STATUS_OK;
    }
    if (deadline_ns < 0)
        deadline_ns = 0;
    ts.tv_sec = (time_t)(deadline_ns / 1000000000);
    ts.tv_nsec = (long)(deadline_ns % 1000000000);
    rc = pthread_cond_timedwait(&c->cv, &m->mu, &ts);
    if (rc == ETIMEDOUT)
        return STATUS_DEADLINE_EXCEEDED;
    sched_check(rc, "pthread_cond_timedwait");
    return STATUS_OK;
}

void sched_cond_signal(struct sched_cond *c)
{
    struct sched_fiber *f = sched_me();

    if (f != NULL)
        sim_cond_wake(f, c, 0);
    else
        sched_check(pthread_cond_signal(&c->cv), "pthread_cond_signal");
}

void sched_cond_broadcast(struct sched_cond *c)
{
    struct sched_fiber *f = sched_me();

    if (f != NULL)
        sim_cond_wake(f, c, 1);
    else
        sched_check(pthread_cond_broadcast(&c->cv), "pthread_cond_broadcast");
}

int64_t sched_now_ns(void)
{
    struct sched_fiber *f = sched_me();
    struct timespec ts;

    if (f != NULL)
        return sim_now(f);
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        sched_check(errno, "clock_gettime");
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sched_sleep_ns(int64_t ns)
{
    struct sched_fiber *f = sched_me();
    struct timespec ts;

    if (ns <= 0)
        return;
    if (f != NULL) {
        sim_sleep(f, ns);
        return;
    }
    ts.tv_sec = (time_t)(ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    /* Restart after a signal with whatever time was left. */
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void *trampoline(void *arg)
{
    struct sched_thread *t = arg;

    sched_self = t;
    t->result = t->fn(t->arg);
    return NULL;
}

enum status sched_thread_start(struct sched_thread *t, const char *name,
                               sched_fn fn, void *arg)
{
    struct sched_fiber *f = sched_me();
    pthread_attr_t attr;
    int rc = 0;

    t->fn = fn;
    t->arg = arg;
    t->result = STATUS_UNKNOWN;
    t->fiber = NULL;
    t->joined = 0;
    snprintf(t->name, sizeof t->name, "%s", name != NULL ? name : "thread");
    if (f != NULL) {
        enum status st = sim_thread_start(f, t);

        if (st != STATUS_OK) /* in pthread_create's words: no resources */
            errno = EAGAIN;
        return st;
    }
    sched_check(pthread_attr_init(&attr), "pthread_attr_init");
    sched_check(pthread_attr_setstacksize(&attr, SCHED_STACK_SIZE),
                "pthread_attr_setstacksize");
    rc = pthread_create(&t->tid, &attr, trampoline, t);
    sched_check(pthread_attr_destroy(&attr), "pthread_attr_destroy");
    if (rc == EAGAIN) {
        errno = rc; /* the caller's message can say why */
        return STATUS_RESOURCE_EXHAUSTED;
    }
    sched_check(rc, "pthread_create");
    return STATUS_OK;
}

enum status sched_thread_join(struct sched_thread *t)
{
    struct sched_fiber *f = sched_me();

    if (t->joined) /* pthread_join twice is undefined: answer again */
        return t->result;
    if (f != NULL)
        sim_thread_join(f, t);
    else
        sched_check(pthread_join(t->tid, NULL), "pthread_join");
    t->joined = 1;
    return t->result;
}

const char *sched_self_name(void)
{
    return sched_self != NULL ? sched_self->name : "main";
}

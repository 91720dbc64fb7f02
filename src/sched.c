/*
 * sched, OS mode: thin wrappers over POSIX threads and CLOCK_MONOTONIC.
 *
 * Design
 *   Each wrapper calls one pthread function and aborts if it fails, naming
 *   the call, so a misuse (unlocking a mutex you do not hold under an
 *   error-checking build, destroying a busy condition variable) stops the
 *   program at the line that did it instead of corrupting state.
 *
 *   The name of the running thread is kept in a thread-local pointer to its
 *   struct sched_thread. It is the only per-thread state in duplex.
 */
#include "sched.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Thread_local const struct sched_thread *self;

static void check(int rc, const char *what)
{
    if (rc == 0)
        return;
    fprintf(stderr, "duplex: %s failed: %s\n", what, strerror(rc));
    abort();
}

void sched_mutex_init(struct sched_mutex *m)
{
    check(pthread_mutex_init(&m->mu, NULL), "pthread_mutex_init");
}

void sched_mutex_destroy(struct sched_mutex *m)
{
    check(pthread_mutex_destroy(&m->mu), "pthread_mutex_destroy");
}

void sched_mutex_lock(struct sched_mutex *m)
{
    check(pthread_mutex_lock(&m->mu), "pthread_mutex_lock");
}

void sched_mutex_unlock(struct sched_mutex *m)
{
    check(pthread_mutex_unlock(&m->mu), "pthread_mutex_unlock");
}

void sched_cond_init(struct sched_cond *c)
{
    pthread_condattr_t attr;

    check(pthread_condattr_init(&attr), "pthread_condattr_init");
    check(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC),
          "pthread_condattr_setclock");
    check(pthread_cond_init(&c->cv, &attr), "pthread_cond_init");
    check(pthread_condattr_destroy(&attr), "pthread_condattr_destroy");
}

void sched_cond_destroy(struct sched_cond *c)
{
    check(pthread_cond_destroy(&c->cv), "pthread_cond_destroy");
}

void sched_cond_wait(struct sched_cond *c, struct sched_mutex *m)
{
    check(pthread_cond_wait(&c->cv, &m->mu), "pthread_cond_wait");
}

enum status sched_cond_timedwait(struct sched_cond *c, struct sched_mutex *m,
                                 int64_t deadline_ns)
{
    struct timespec ts;
    int rc;

    if (deadline_ns == SCHED_NO_DEADLINE) {
        sched_cond_wait(c, m);
        return STATUS_OK;
    }
    if (deadline_ns < 0)
        deadline_ns = 0;
    ts.tv_sec = (time_t)(deadline_ns / 1000000000);
    ts.tv_nsec = (long)(deadline_ns % 1000000000);
    rc = pthread_cond_timedwait(&c->cv, &m->mu, &ts);
    if (rc == ETIMEDOUT)
        return STATUS_DEADLINE_EXCEEDED;
    check(rc, "pthread_cond_timedwait");
    return STATUS_OK;
}

void sched_cond_signal(struct sched_cond *c)
{
    check(pthread_cond_signal(&c->cv), "pthread_cond_signal");
}

void sched_cond_broadcast(struct sched_cond *c)
{
    check(pthread_cond_broadcast(&c->cv), "pthread_cond_broadcast");
}

int64_t sched_now_ns(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        check(errno, "clock_gettime");
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sched_sleep_ns(int64_t ns)
{
    struct timespec ts;

    if (ns <= 0)
        return;
    ts.tv_sec = (time_t)(ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    /* Restart after a signal with whatever time was left. */
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void *trampoline(void *arg)
{
    struct sched_thread *t = arg;

    self = t;
    t->result = t->fn(t->arg);
    return NULL;
}

enum status sched_thread_start(struct sched_thread *t, const char *name,
                               sched_fn fn, void *arg)
{
    pthread_attr_t attr;
    int rc;

    t->fn = fn;
    t->arg = arg;
    t->result = STATUS_UNKNOWN;
    snprintf(t->name, sizeof t->name, "%s", name);
    check(pthread_attr_init(&attr), "pthread_attr_init");
    check(pthread_attr_setstacksize(&attr, SCHED_STACK_SIZE),
          "pthread_attr_setstacksize");
    rc = pthread_create(&t->tid, &attr, trampoline, t);
    check(pthread_attr_destroy(&attr), "pthread_attr_destroy");
    if (rc == EAGAIN)
        return STATUS_RESOURCE_EXHAUSTED;
    check(rc, "pthread_create");
    return STATUS_OK;
}

enum status sched_thread_join(struct sched_thread *t)
{
    check(pthread_join(t->tid, NULL), "pthread_join");
    return t->result;
}

const char *sched_self_name(void)
{
    return self != NULL ? self->name : "main";
}

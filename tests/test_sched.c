/*
 * test_sched: the pthread and clock wrappers.
 *
 * Threads here never assert: a cmocka assert on a worker kills the binary.
 * Each worker writes what it saw into its struct, the test joins it, then
 * checks. Threads are ordered with handshakes on a mutex and a condition
 * variable, never with a sleep.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/sched.h"

/* A flag guarded by a mutex, with one condition variable for it. */
struct flag {
    struct sched_mutex mu;
    struct sched_cond changed;
    int waiting; /* waiters that have taken mu and are about to wait */
    int up;      /* set by the signalling side */
};

static void flag_init(struct flag *f)
{
    sched_mutex_init(&f->mu);
    sched_cond_init(&f->changed);
    f->waiting = 0;
    f->up = 0;
}

static void flag_destroy(struct flag *f)
{
    sched_cond_destroy(&f->changed);
    sched_mutex_destroy(&f->mu);
}

/* Worker: raises the flag and signals one waiter. */
static enum status raise_flag(void *arg)
{
    struct flag *f = arg;

    sched_mutex_lock(&f->mu);
    f->up = 1;
    sched_cond_signal(&f->changed);
    sched_mutex_unlock(&f->mu);
    return STATUS_OK;
}

/*
 * Worker: announces itself, then waits (untimed) until the flag is up.
 * The announcement is the handshake: the test broadcasts only after every
 * waiter has said it is waiting.
 */
static enum status await_flag(void *arg)
{
    struct flag *f = arg;

    sched_mutex_lock(&f->mu);
    f->waiting++;
    sched_cond_broadcast(&f->changed);
    while (!f->up)
        sched_cond_wait(&f->changed, &f->mu);
    sched_mutex_unlock(&f->mu);
    return STATUS_OK;
}

/* Two threads add to one counter; the mutex keeps every increment. */
struct counter {
    struct sched_mutex mu;
    long value;
};

#define COUNTER_ROUNDS 20000

static enum status count_up(void *arg)
{
    struct counter *c = arg;
    int i = 0;

    for (i = 0; i < COUNTER_ROUNDS; i++) {
        sched_mutex_lock(&c->mu);
        c->value++;
        sched_mutex_unlock(&c->mu);
    }
    return STATUS_OK;
}

static void test_sched_mutex_serialises_increments(void **state)
{
    struct counter c;
    struct sched_thread a;
    struct sched_thread b;

    (void)state;
    sched_mutex_init(&c.mu);
    c.value = 0;
    assert_int_equal(sched_thread_start(&a, "a", count_up, &c), STATUS_OK);
    assert_int_equal(sched_thread_start(&b, "b", count_up, &c), STATUS_OK);
    assert_int_equal(sched_thread_join(&a), STATUS_OK);
    assert_int_equal(sched_thread_join(&b), STATUS_OK);
    assert_int_equal(c.value, 2 * COUNTER_ROUNDS);
    sched_mutex_destroy(&c.mu);
}

static void test_sched_timedwait_past_deadline_times_out(void **state)
{
    struct flag f;
    int64_t past[] = {sched_now_ns() - 1, 0, -1000000000};
    size_t i = 0;

    (void)state;
    flag_init(&f);
    sched_mutex_lock(&f.mu);
    for (i = 0; i < sizeof past / sizeof past[0]; i++)
        assert_int_equal(sched_cond_timedwait(&f.changed, &f.mu, past[i]),
                         STATUS_DEADLINE_EXCEEDED);
    sched_mutex_unlock(&f.mu);
    flag_destroy(&f);
}

/*
 * The test holds mu from before the worker starts until it waits, so the
 * worker can only raise the flag while the test is inside the wait.
 */
static enum status wait_for_signal(int64_t deadline_ns)
{
    struct flag f;
    struct sched_thread t;
    enum status st = STATUS_OK;

    flag_init(&f);
    sched_mutex_lock(&f.mu);
    assert_int_equal(sched_thread_start(&t, "signaller", raise_flag, &f),
                     STATUS_OK);
    while (!f.up && st == STATUS_OK)
        st = sched_cond_timedwait(&f.changed, &f.mu, deadline_ns);
    sched_mutex_unlock(&f.mu);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    flag_destroy(&f);
    return st;
}

static void test_sched_timedwait_signalled_returns_ok(void **state)
{
    int64_t in_a_minute = sched_now_ns() + 60 * (int64_t)1000000000;

    (void)state;
    assert_int_equal(wait_for_signal(in_a_minute), STATUS_OK);
}

static void test_sched_timedwait_no_deadline_waits_for_signal(void **state)
{
    (void)state;
    assert_int_equal(wait_for_signal(SCHED_NO_DEADLINE), STATUS_OK);
}

#define WAITERS 3

/* A broadcast wakes every waiter (a signal would leave two asleep). */
static void test_sched_broadcast_wakes_every_waiter(void **state)
{
    struct flag f;
    struct sched_thread t[WAITERS];
    int i = 0;

    (void)state;
    flag_init(&f);
    for (i = 0; i < WAITERS; i++)
        assert_int_equal(sched_thread_start(&t[i], "waiter", await_flag, &f),
                         STATUS_OK);
    sched_mutex_lock(&f.mu);
    while (f.waiting < WAITERS)
        sched_cond_wait(&f.changed, &f.mu);
    f.up = 1;
    sched_cond_broadcast(&f.changed);
    sched_mutex_unlock(&f.mu);
    for (i = 0; i < WAITERS; i++)
        assert_int_equal(sched_thread_join(&t[i]), STATUS_OK);
    flag_destroy(&f);
}

static void test_sched_no_deadline_is_int64_max(void **state)
{
    (void)state;
    assert_true(SCHED_NO_DEADLINE == INT64_MAX);
}

static void test_sched_now_is_monotonic(void **state)
{
    int64_t prev = sched_now_ns();
    int i = 0;

    (void)state;
    for (i = 0; i < 1000; i++) {
        int64_t now = sched_now_ns();

        assert_true(now >= prev);
        prev = now;
    }
}

/*
 * A sleep never ends early, so the clock moves by at least the time slept.
 * That is a lower bound the kernel guarantees, not a guess about speed.
 */
static void test_sched_sleep_lasts_at_least_its_time(void **state)
{
    int64_t start = sched_now_ns();

    (void)state;
    sched_sleep_ns(2000000);
    assert_true(sched_now_ns() - start >= 2000000);
}

/*
 * Signals that reached the test thread. A signal handler can only talk to
 * the program through a global like this one.
 */
static volatile sig_atomic_t signals_caught;

static void catch_signal(int sig)
{
    (void)sig;
    signals_caught++;
}

/* A worker that keeps signalling the sleeping test thread until told. */
struct pester {
    struct sched_mutex mu;
    pthread_t target;
    int done;  /* set by the test when its sleep is over */
    long sent; /* signals sent */
};

static enum status pester_target(void *arg)
{
    struct pester *ps = arg;

    for (;;) {
        int done = 0;

        sched_mutex_lock(&ps->mu);
        done = ps->done;
        sched_mutex_unlock(&ps->mu);
        if (done)
            break;
        pthread_kill(ps->target, SIGUSR1);
        ps->sent++;
        sched_sleep_ns(1000000); /* pacing only, not ordering */
    }
    return STATUS_OK;
}

#define PESTERED_SLEEP_NS 20000000

/*
 * A signal interrupts nanosleep (EINTR). sched_sleep_ns must go back to
 * sleep for the time that was left, so each sleep still lasts at least what
 * was asked, however many signals arrive. The test sleeps until at least 3
 * signals have come in, keeps the shortest sleep, and checks it once the
 * worker is stopped.
 */
static void test_sched_sleep_survives_signals(void **state)
{
    struct sigaction sa;
    struct sigaction old;
    struct pester ps;
    struct sched_thread t;
    int64_t shortest = INT64_MAX;

    (void)state;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = catch_signal;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
    signals_caught = 0;
    sched_mutex_init(&ps.mu);
    ps.target = pthread_self();
    ps.done = 0;
    ps.sent = 0;
    assert_int_equal(sched_thread_start(&t, "pester", pester_target, &ps),
                     STATUS_OK);
    while (signals_caught < 3) {
        int64_t start = sched_now_ns();
        int64_t slept = 0;

        sched_sleep_ns(PESTERED_SLEEP_NS);
        slept = sched_now_ns() - start;
        if (slept < shortest)
            shortest = slept;
    }
    sched_mutex_lock(&ps.mu);
    ps.done = 1;
    sched_mutex_unlock(&ps.mu);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(sigaction(SIGUSR1, &old, NULL), 0);
    sched_mutex_destroy(&ps.mu);
    assert_true(ps.sent >= 3);
    assert_true(shortest >= PESTERED_SLEEP_NS);
}

static void test_sched_sleep_zero_or_negative_returns(void **state)
{
    (void)state;
    sched_sleep_ns(0);
    sched_sleep_ns(-1);
    sched_sleep_ns(INT64_MIN);
}

static void test_sched_self_name_is_main_on_test_thread(void **state)
{
    (void)state;
    assert_string_equal(sched_self_name(), "main");
}

/* Worker: copies the name it runs under, then returns a chosen status. */
struct namer {
    char seen[2 * SCHED_NAME_MAX];
    enum status result;
};

static enum status record_name(void *arg)
{
    struct namer *n = arg;

    snprintf(n->seen, sizeof n->seen, "%s", sched_self_name());
    return n->result;
}

static void test_sched_thread_runs_under_its_name(void **state)
{
    struct namer n = {"", STATUS_OK};
    struct sched_thread t;

    (void)state;
    assert_int_equal(sched_thread_start(&t, "client/send", record_name, &n),
                     STATUS_OK);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_string_equal(n.seen, "client/send");
    assert_string_equal(t.name, "client/send");
    assert_string_equal(sched_self_name(), "main");
}

static void test_sched_thread_name_truncated_to_fit(void **state)
{
    char longname[2 * SCHED_NAME_MAX];
    struct namer n = {"", STATUS_OK};
    struct sched_thread t;

    (void)state;
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(sched_thread_start(&t, longname, record_name, &n),
                     STATUS_OK);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(strlen(n.seen), SCHED_NAME_MAX - 1);
    assert_memory_equal(n.seen, longname, SCHED_NAME_MAX - 1);
    assert_string_equal(t.name, n.seen);
}

static void test_sched_join_returns_thread_status(void **state)
{
    static const enum status results[] = {STATUS_OK, STATUS_ABORTED, STATUS_EOF,
                                          STATUS_DEADLOCK};
    struct namer n[4];
    struct sched_thread t[4];
    size_t i = 0;

    (void)state;
    for (i = 0; i < 4; i++) {
        n[i].seen[0] = '\0';
        n[i].result = results[i];
        assert_int_equal(
            sched_thread_start(&t[i], "worker", record_name, &n[i]), STATUS_OK);
    }
    for (i = 0; i < 4; i++) {
        assert_int_equal(sched_thread_join(&t[i]), results[i]);
        assert_int_equal(t[i].result, results[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sched_mutex_serialises_increments),
        cmocka_unit_test(test_sched_timedwait_past_deadline_times_out),
        cmocka_unit_test(test_sched_timedwait_signalled_returns_ok),
        cmocka_unit_test(test_sched_timedwait_no_deadline_waits_for_signal),
        cmocka_unit_test(test_sched_broadcast_wakes_every_waiter),
        cmocka_unit_test(test_sched_no_deadline_is_int64_max),
        cmocka_unit_test(test_sched_now_is_monotonic),
        cmocka_unit_test(test_sched_sleep_lasts_at_least_its_time),
        cmocka_unit_test(test_sched_sleep_survives_signals),
        cmocka_unit_test(test_sched_sleep_zero_or_negative_returns),
        cmocka_unit_test(test_sched_self_name_is_main_on_test_thread),
        cmocka_unit_test(test_sched_thread_runs_under_its_name),
        cmocka_unit_test(test_sched_thread_name_truncated_to_fit),
        cmocka_unit_test(test_sched_join_returns_thread_status),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

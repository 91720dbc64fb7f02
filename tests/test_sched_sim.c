/*
 * test_sched_sim: the deterministic scheduler of SIM mode (sim.c, with
 * strategy.c and schedule.c).
 *
 * How these tests work
 *
 *   sched_sim_run runs a body as the "main" thread of a simulated run, on a
 *   stack of its own (fiber.c), and every thread the body starts runs on
 *   another one. None of them may assert: a cmocka assert longjmps into the
 *   test runner, and from another stack that is undefined behaviour. So
 *   every body writes what it saw into a struct, and the test asserts on
 *   that struct after sched_sim_run has returned (every simulated thread
 *   has finished by then, or was stopped, so nothing writes it any more).
 *
 *   Nothing here is put in order by sleeping: the scheduler itself decides
 *   who runs, one thread at a time, and virtual time moves only when every
 *   thread waits. Nothing asserts on real time.
 *
 *   A few tests check that a misuse stops the program (abort()): they run
 *   the simulation in a forked child and read what it printed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/sched.h"
#include "core/status.h"
#include "core/strategy.h"
#include "support.h"

/* Virtual time at the start of every run, and one virtual second. */
#define START_NS INT64_C(1000000000)
#define SEC_NS INT64_C(1000000000)

/* How many seeds the seed loops try. */
#define NSEEDS 8

/* ------------------------------------------------------------------ */
/* Helpers (test thread only: they assert)                            */
/* ------------------------------------------------------------------ */

static struct sched_sim_options random_opts(uint64_t seed)
{
    struct sched_sim_options o;

    memset(&o, 0, sizeof o);
    o.strategy = SCHED_RANDOM;
    o.seed = seed;
    return o;
}

static struct sched_sim_options in_order_opts(void)
{
    struct sched_sim_options o;

    memset(&o, 0, sizeof o);
    o.strategy = SCHED_IN_ORDER;
    return o;
}

/* Runs fn(arg) under o, checks the run itself worked, returns fn's status. */
static enum status run(const struct sched_sim_options *o, sched_fn fn,
                       void *arg, struct sched_sim_result *r)
{
    enum status out = STATUS_UNKNOWN;

    assert_int_equal(sched_sim_run(o, fn, arg, &out, r), STATUS_OK);
    return out;
}

/* Fails the test unless a and b made the same decisions, field by field. */
static void assert_same_decisions(const struct sched_sim_result *a,
                                  const struct sched_sim_result *b)
{
    size_t k = 0;

    assert_int_equal(a->ndecisions, b->ndecisions);
    for (k = 0; k < a->ndecisions; k++) {
        const struct sched_decision *x = &a->decisions[k];
        const struct sched_decision *y = &b->decisions[k];

        if (x->runnable != y->runnable || x->current != y->current ||
            x->chosen != y->chosen)
            fail_msg("decision %zu differs: %#llx/%d/%d vs %#llx/%d/%d", k,
                     (unsigned long long)x->runnable, x->current, x->chosen,
                     (unsigned long long)y->runnable, y->current, y->chosen);
    }
}

/* 1 when a and b made the same decisions, else 0. */
static int same_decisions(const struct sched_sim_result *a,
                          const struct sched_sim_result *b)
{
    size_t k = 0;

    if (a->ndecisions != b->ndecisions)
        return 0;
    for (k = 0; k < a->ndecisions; k++)
        if (a->decisions[k].runnable != b->decisions[k].runnable ||
            a->decisions[k].current != b->decisions[k].current ||
            a->decisions[k].chosen != b->decisions[k].chosen)
            return 0;
    return 1;
}

/* The number of bits set in set. */
static int popcount64(uint64_t set)
{
    int n = 0;

    for (; set != 0; set &= set - 1)
        n++;
    return n;
}

/* The lowest bit set in set (set is not 0). */
static int lowest(uint64_t set)
{
    int i = 0;

    while (!(set >> i & 1))
        i++;
    return i;
}

/*
 * Every decision is one where more than one thread could run; the chosen
 * thread could run; the current one, when not -1, could go on.
 */
static void assert_decisions_sane(const struct sched_sim_result *r)
{
    size_t k = 0;

    for (k = 0; k < r->ndecisions; k++) {
        const struct sched_decision *d = &r->decisions[k];

        if (popcount64(d->runnable) < 2)
            fail_msg("decision %zu: only %#llx runnable", k,
                     (unsigned long long)d->runnable);
        if (d->chosen < 0 || !(d->runnable >> d->chosen & 1))
            fail_msg("decision %zu: chose %d, not in %#llx", k, d->chosen,
                     (unsigned long long)d->runnable);
        if (d->current >= 0 && !(d->runnable >> d->current & 1))
            fail_msg("decision %zu: current %d, not in %#llx", k, d->current,
                     (unsigned long long)d->runnable);
    }
}

/*
 * Runs fn(arg) under o in a forked child whose stderr goes into err.
 * Returns 1 when the child died of SIGABRT, 0 when it ended otherwise.
 */
static int run_in_child(const struct sched_sim_options *o, sched_fn fn,
                        void *arg, char *err, size_t cap)
{
    int fds[2];
    size_t len = 0;
    int wstatus = 0;
    pid_t pid = 0;

    assert_true(cap > 0);
    assert_int_equal(pipe(fds), 0);
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct sched_sim_result r;
        enum status out = STATUS_UNKNOWN;

        close(fds[0]);
        if (dup2(fds[1], 2) < 0)
            _exit(3);
        close(fds[1]);
        sched_sim_run(o, fn, arg, &out, &r);
        _exit(0);
    }
    close(fds[1]);
    for (;;) {
        ssize_t got = 0;

        if (len + 1 < cap)
            got = read(fds[0], err + len, cap - 1 - len);
        else {
            char sink[256];

            got = read(fds[0], sink, sizeof sink);
        }
        if (got <= 0)
            break;
        if (len + 1 < cap)
            len += (size_t)got;
    }
    err[len] = '\0';
    close(fds[0]);
    assert_int_equal(waitpid(pid, &wstatus, 0), pid);
    return WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGABRT;
}

/* ------------------------------------------------------------------ */
/* Basics                                                             */
/* ------------------------------------------------------------------ */

#define LONG_NAME "a-thread-name-much-longer-than-thirty-one-characters"

struct basics {
    struct sched_mutex mu;
    struct sched_thread worker;
    struct sched_thread longname;
    int root_simulated;
    int worker_simulated;
    char root_name[SCHED_NAME_MAX];
    char worker_name[SCHED_NAME_MAX];
    char long_name[SCHED_NAME_MAX];
    uint64_t step0;
    uint64_t step1;
    uint64_t step2;
    int64_t now;
    enum status start_st;
    enum status join_st;
    enum status long_join_st;
};

static enum status basics_worker(void *arg)
{
    struct basics *b = arg;

    b->worker_simulated = sched_simulated();
    snprintf(b->worker_name, sizeof b->worker_name, "%s", sched_self_name());
    return STATUS_NOT_FOUND;
}

static enum status basics_longname(void *arg)
{
    struct basics *b = arg;

    snprintf(b->long_name, sizeof b->long_name, "%s", sched_self_name());
    return STATUS_OK;
}

static enum status basics_root(void *arg)
{
    struct basics *b = arg;

    b->root_simulated = sched_simulated();
    snprintf(b->root_name, sizeof b->root_name, "%s", sched_self_name());
    b->now = sched_now_ns();
    b->step0 = sched_sim_step();
    sched_mutex_lock(&b->mu);
    sched_mutex_unlock(&b->mu);
    b->step1 = sched_sim_step();
    b->start_st = sched_thread_start(&b->worker, "worker", basics_worker, b);
    b->join_st = sched_thread_join(&b->worker);
    if (sched_thread_start(&b->longname, LONG_NAME, basics_longname, b) ==
        STATUS_OK)
        b->long_join_st = sched_thread_join(&b->longname);
    b->step2 = sched_sim_step();
    return STATUS_CANCELLED;
}

static void check_basics(const struct sched_sim_options *o)
{
    struct basics b;
    struct sched_sim_result r;

    memset(&b, 0, sizeof b);
    sched_mutex_init(&b.mu);
    b.long_join_st = STATUS_UNKNOWN;
    assert_int_equal(run(o, basics_root, &b, &r), STATUS_CANCELLED);
    assert_int_equal(b.root_simulated, 1);
    assert_int_equal(b.worker_simulated, 1);
    assert_string_equal(b.root_name, "main");
    assert_string_equal(b.worker_name, "worker");
    assert_int_equal(strlen(b.long_name), SCHED_NAME_MAX - 1);
    assert_memory_equal(b.long_name, LONG_NAME, SCHED_NAME_MAX - 1);
    assert_int_equal(b.start_st, STATUS_OK);
    assert_int_equal(b.join_st, STATUS_NOT_FOUND);
    assert_int_equal(b.worker.result, STATUS_NOT_FOUND);
    assert_int_equal(b.long_join_st, STATUS_OK);
    assert_int_equal(b.now, START_NS);
    assert_true(b.step1 > b.step0);
    assert_true(b.step2 > b.step1);
    assert_true(r.steps > 0);
    assert_true(r.steps >= b.step2);
    assert_int_equal(r.now_ns, START_NS);
    assert_int_equal(r.deadlocked, 0);
    assert_int_equal(r.diverged, 0);
    assert_string_equal(r.report, "");
    assert_decisions_sane(&r);
    sched_sim_result_free(&r);
    sched_mutex_destroy(&b.mu);
}

static void test_sim_basics(void **state)
{
    struct sched_sim_options o = in_order_opts();
    uint64_t seed = 0;

    (void)state;
    assert_int_equal(sched_simulated(), 0);
    assert_int_equal(sched_sim_step(), 0);
    assert_string_equal(sched_self_name(), "main");
    check_basics(&o);
    for (seed = 0; seed < NSEEDS; seed++) {
        o = random_opts(seed);
        check_basics(&o);
    }
    /* Still OS mode out here once the runs are over. */
    assert_int_equal(sched_simulated(), 0);
    assert_int_equal(sched_sim_step(), 0);
    assert_string_equal(sched_self_name(), "main");
}

/*
 * main returns while the thread it started still runs (and sleeps): the
 * run ends only once that thread has finished too.
 */
struct orphan {
    struct sched_thread t;
    int finished;
    int64_t finished_at;
    int main_returned;
};

static enum status orphan_body(void *arg)
{
    struct orphan *o = arg;

    sched_sleep_ns(3 * SEC_NS);
    o->finished = 1;
    o->finished_at = sched_now_ns();
    return STATUS_OK;
}

static enum status orphan_root(void *arg)
{
    struct orphan *o = arg;

    if (sched_thread_start(&o->t, "orphan", orphan_body, o) != STATUS_OK)
        return STATUS_INTERNAL;
    o->main_returned = 1;
    return STATUS_OUT_OF_RANGE;
}

static void test_sim_run_waits_for_unjoined_threads(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 0; seed < NSEEDS; seed++) {
        struct sched_sim_options o = random_opts(seed);
        struct sched_sim_result r;
        struct orphan x;

        memset(&x, 0, sizeof x);
        assert_int_equal(run(&o, orphan_root, &x, &r), STATUS_OUT_OF_RANGE);
        assert_int_equal(x.main_returned, 1);
        assert_int_equal(x.finished, 1);
        assert_int_equal(x.t.result, STATUS_OK);
        assert_int_equal(x.finished_at, START_NS + 3 * SEC_NS);
        assert_int_equal(r.now_ns, START_NS + 3 * SEC_NS);
        assert_int_equal(r.deadlocked, 0);
        sched_sim_result_free(&r);
    }
}

/* A run of "main" alone: no choice to make, so no decision recorded. */
static enum status lonely_root(void *arg)
{
    struct sched_mutex *mu = arg;

    sched_mutex_lock(mu);
    sched_mutex_unlock(mu);
    return STATUS_OK;
}

static void test_sim_single_thread_records_no_decision(void **state)
{
    struct sched_sim_options o = random_opts(3);
    struct sched_sim_result r;
    struct sched_mutex mu;

    (void)state;
    sched_mutex_init(&mu);
    assert_int_equal(run(&o, lonely_root, &mu, &r), STATUS_OK);
    assert_true(r.steps > 0);
    assert_int_equal(r.ndecisions, 0);
    assert_null(r.decisions);
    sched_sim_result_free(&r);
    sched_mutex_destroy(&mu);
}

/* ------------------------------------------------------------------ */
/* Mutual exclusion and counting                                      */
/* ------------------------------------------------------------------ */

#define COUNT_THREADS 4
#define COUNT_ROUNDS 50

struct count {
    struct sched_mutex mu;    /* the counter's lock */
    struct sched_mutex inner; /* a scheduling point inside the section */
    int use_lock;             /* 0: the control, which races */
    long value;
    int inside;
    int max_inside;
    struct sched_thread t[COUNT_THREADS];
    enum status start_st[COUNT_THREADS];
    enum status join_st[COUNT_THREADS];
};

/*
 * Reads the counter, passes a scheduling point, writes it back plus one:
 * without the lock another thread can run in between, and an increment is
 * lost.
 */
static enum status count_body(void *arg)
{
    struct count *c = arg;
    int i = 0;

    for (i = 0; i < COUNT_ROUNDS; i++) {
        long v = 0;

        if (c->use_lock)
            sched_mutex_lock(&c->mu);
        c->inside++;
        if (c->inside > c->max_inside)
            c->max_inside = c->inside;
        v = c->value;
        sched_mutex_lock(&c->inner);
        sched_mutex_unlock(&c->inner);
        c->value = v + 1;
        c->inside--;
        if (c->use_lock)
            sched_mutex_unlock(&c->mu);
    }
    return STATUS_OK;
}

static enum status count_root(void *arg)
{
    struct count *c = arg;
    int i = 0;

    for (i = 0; i < COUNT_THREADS; i++)
        c->start_st[i] = sched_thread_start(&c->t[i], "counter", count_body, c);
    for (i = 0; i < COUNT_THREADS; i++)
        if (c->start_st[i] == STATUS_OK)
            c->join_st[i] = sched_thread_join(&c->t[i]);
    return STATUS_OK;
}

static void count_init(struct count *c, int use_lock)
{
    memset(c, 0, sizeof *c);
    sched_mutex_init(&c->mu);
    sched_mutex_init(&c->inner);
    c->use_lock = use_lock;
}

static void count_destroy(struct count *c)
{
    sched_mutex_destroy(&c->inner);
    sched_mutex_destroy(&c->mu);
}

/* Runs the counting body under o into r; returns the final count. */
static long count_run(const struct sched_sim_options *o, int use_lock,
                      struct sched_sim_result *r, int *max_inside)
{
    struct count c;
    int i = 0;

    count_init(&c, use_lock);
    assert_int_equal(run(o, count_root, &c, r), STATUS_OK);
    for (i = 0; i < COUNT_THREADS; i++) {
        assert_int_equal(c.start_st[i], STATUS_OK);
        assert_int_equal(c.join_st[i], STATUS_OK);
    }
    assert_int_equal(r->deadlocked, 0);
    assert_decisions_sane(r);
    if (max_inside != NULL)
        *max_inside = c.max_inside;
    count_destroy(&c);
    return c.value;
}

static void test_sim_mutex_keeps_every_increment(void **state)
{
    struct sched_sim_options o;
    struct sched_sim_result r;
    uint64_t seed = 0;
    int max_inside = 0;

    (void)state;
    for (seed = 0; seed < NSEEDS; seed++) {
        o = random_opts(seed);
        assert_int_equal(count_run(&o, 1, &r, &max_inside),
                         COUNT_THREADS * COUNT_ROUNDS);
        assert_int_equal(max_inside, 1);
        assert_true(r.ndecisions > 0);
        sched_sim_result_free(&r);
    }
    o = in_order_opts();
    assert_int_equal(count_run(&o, 1, &r, &max_inside),
                     COUNT_THREADS * COUNT_ROUNDS);
    assert_int_equal(max_inside, 1);
    sched_sim_result_free(&r);
}

/* The control: without the lock the same body loses increments. */
static void test_sim_without_mutex_the_count_races(void **state)
{
    struct sched_sim_options o;
    struct sched_sim_result r;
    uint64_t seed = 0;
    int lost = 0;
    int overlapped = 0;

    (void)state;
    for (seed = 0; seed < NSEEDS; seed++) {
        int max_inside = 0;

        o = random_opts(seed);
        lost +=
            count_run(&o, 0, &r, &max_inside) < COUNT_THREADS * COUNT_ROUNDS;
        overlapped += max_inside > 1;
        sched_sim_result_free(&r);
    }
    assert_int_equal(lost, NSEEDS);
    assert_int_equal(overlapped, NSEEDS);
}

/* ------------------------------------------------------------------ */
/* Determinism                                                        */
/* ------------------------------------------------------------------ */

static void test_sim_same_seed_same_run(void **state)
{
    uint64_t seeds[] = {0, 1, 42, UINT64_C(0xdeadbeefcafe)};
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        struct sched_sim_options o = random_opts(seeds[i]);
        struct sched_sim_result a;
        struct sched_sim_result b;

        count_run(&o, 1, &a, NULL);
        count_run(&o, 1, &b, NULL);
        assert_true(a.ndecisions > 0);
        assert_same_decisions(&a, &b);
        assert_int_equal(a.steps, b.steps);
        assert_int_equal(a.now_ns, b.now_ns);
        sched_sim_result_free(&a);
        sched_sim_result_free(&b);
    }
}

static void test_sim_different_seeds_different_runs(void **state)
{
    struct sched_sim_result r[NSEEDS];
    uint64_t seed = 0;
    size_t i = 0;
    size_t j = 0;

    (void)state;
    for (seed = 0; seed < NSEEDS; seed++) {
        struct sched_sim_options o = random_opts(seed);

        count_run(&o, 1, &r[seed], NULL);
    }
    /* Seeds 1 and 2 are enough to tell apart; in fact no two agree. */
    assert_false(same_decisions(&r[1], &r[2]));
    for (i = 0; i < NSEEDS; i++)
        for (j = i + 1; j < NSEEDS; j++)
            if (same_decisions(&r[i], &r[j]))
                fail_msg("seeds %zu and %zu made the same decisions", i, j);
    for (i = 0; i < NSEEDS; i++)
        sched_sim_result_free(&r[i]);
}

/* SCHED_IN_ORDER ignores the seed. */
static void test_sim_in_order_ignores_seed(void **state)
{
    struct sched_sim_options o = in_order_opts();
    struct sched_sim_result a;
    struct sched_sim_result b;

    (void)state;
    o.seed = 1;
    count_run(&o, 1, &a, NULL);
    o.seed = 99;
    count_run(&o, 1, &b, NULL);
    assert_same_decisions(&a, &b);
    assert_int_equal(a.steps, b.steps);
    sched_sim_result_free(&a);
    sched_sim_result_free(&b);
}

/* ------------------------------------------------------------------ */
/* SCHED_IN_ORDER                                                     */
/* ------------------------------------------------------------------ */

/*
 * Thread 1 waits; thread 2 wakes it, then takes a lock ten times: at each
 * of those points thread 1, the lower-numbered one, could run too.
 */
struct relay {
    struct sched_mutex mu;
    struct sched_mutex other;
    struct sched_cond cv;
    struct sched_thread t[2];
    int up;
};

static enum status relay_waiter(void *arg)
{
    struct relay *y = arg;

    sched_mutex_lock(&y->mu);
    while (!y->up)
        if (sched_cond_wait(&y->cv, &y->mu) != STATUS_OK)
            break;
    sched_mutex_unlock(&y->mu);
    return STATUS_OK;
}

static enum status relay_waker(void *arg)
{
    struct relay *y = arg;
    int i = 0;

    sched_mutex_lock(&y->mu);
    y->up = 1;
    sched_cond_signal(&y->cv);
    sched_mutex_unlock(&y->mu);
    for (i = 0; i < 10; i++) {
        sched_mutex_lock(&y->other);
        sched_mutex_unlock(&y->other);
    }
    return STATUS_OK;
}

static enum status relay_root(void *arg)
{
    struct relay *y = arg;

    sched_thread_start(&y->t[0], "waiter", relay_waiter, y);
    sched_thread_start(&y->t[1], "waker", relay_waker, y);
    sched_thread_join(&y->t[0]);
    sched_thread_join(&y->t[1]);
    return STATUS_OK;
}

/*
 * Checks every decision of an in-order run: the current thread goes on
 * while it can, else the lowest-numbered runnable one runs. Adds to
 * *stayed the decisions where going on differs from taking the lowest.
 */
static void check_in_order(const struct sched_sim_result *r, int *stayed,
                           int *moved)
{
    size_t k = 0;

    for (k = 0; k < r->ndecisions; k++) {
        const struct sched_decision *d = &r->decisions[k];

        if (d->current >= 0) {
            if (d->chosen != d->current)
                fail_msg("decision %zu: switched from %d to %d", k, d->current,
                         d->chosen);
            *stayed += d->current != lowest(d->runnable);
        } else {
            if (d->chosen != lowest(d->runnable))
                fail_msg("decision %zu: chose %d, not the lowest of %#llx", k,
                         d->chosen, (unsigned long long)d->runnable);
            (*moved)++;
        }
    }
}

static void test_sim_in_order_never_switches_from_runnable(void **state)
{
    struct sched_sim_options o = in_order_opts();
    struct sched_sim_result r;
    struct relay y;
    int stayed = 0;
    int moved = 0;

    (void)state;
    count_run(&o, 1, &r, NULL);
    assert_true(r.ndecisions > 0);
    check_in_order(&r, &stayed, &moved);
    sched_sim_result_free(&r);

    memset(&y, 0, sizeof y);
    sched_mutex_init(&y.mu);
    sched_mutex_init(&y.other);
    sched_cond_init(&y.cv);
    assert_int_equal(run(&o, relay_root, &y, &r), STATUS_OK);
    assert_int_equal(y.up, 1);
    assert_decisions_sane(&r);
    check_in_order(&r, &stayed, &moved);
    sched_sim_result_free(&r);
    sched_cond_destroy(&y.cv);
    sched_mutex_destroy(&y.other);
    sched_mutex_destroy(&y.mu);
    /*
     * Both kinds of decision were checked, including ones where staying
     * is not the same as taking the lowest-numbered thread.
     */
    assert_true(stayed >= 10);
    assert_true(moved > 0);
}

/* ------------------------------------------------------------------ */
/* Forced choices                                                     */
/* ------------------------------------------------------------------ */

/* The highest thread in set other than skip, or -1. */
static int highest_other(uint64_t set, int skip)
{
    int i = 0;

    for (i = SCHED_SIM_MAX_THREADS - 1; i >= 0; i--)
        if ((set >> i & 1) && i != skip)
            return i;
    return -1;
}

/*
 * Builds a forced list one entry at a time: at each decision k, force a
 * thread other than the one the run with k entries chose there (the
 * highest such runnable one), run again, and check that every forced
 * decision so far went the forced way.
 */
static void check_forced_prefix(enum sched_strategy strategy)
{
    enum { K = 12 };
    int8_t forced[K];
    size_t k = 0;
    size_t j = 0;

    for (k = 0; k < K; k++) {
        struct sched_sim_options o = random_opts(7);
        struct sched_sim_result r;
        const struct sched_decision *d = NULL;
        int t = 0;

        o.strategy = strategy;
        o.forced = forced;
        o.nforced = k;
        assert_int_equal(count_run(&o, 1, &r, NULL),
                         COUNT_THREADS * COUNT_ROUNDS);
        assert_int_equal(r.diverged, 0);
        assert_true(r.ndecisions > k);
        for (j = 0; j < k; j++)
            if (r.decisions[j].chosen != forced[j])
                fail_msg("decision %zu chose %d, forced %d", j,
                         r.decisions[j].chosen, forced[j]);
        d = &r.decisions[k];
        t = highest_other(d->runnable, d->chosen);
        assert_true(t >= 0);
        forced[k] = (int8_t)t;
        sched_sim_result_free(&r);
    }
}

static void test_sim_forced_choices_are_followed(void **state)
{
    (void)state;
    check_forced_prefix(SCHED_IN_ORDER);
    check_forced_prefix(SCHED_RANDOM);
}

/* -1 entries leave a decision to the strategy. */
static void test_sim_forced_minus_one_follows_strategy(void **state)
{
    struct sched_sim_options o = in_order_opts();
    struct sched_sim_result base;
    struct sched_sim_result r;
    int8_t forced[64];
    size_t k = 0;
    size_t at = 0;
    int t = 0;

    (void)state;
    count_run(&o, 1, &base, NULL);
    /* The first decision with an alternative to the in-order choice. */
    for (at = 0; at < base.ndecisions; at++)
        if (highest_other(base.decisions[at].runnable,
                          base.decisions[at].chosen) >= 0)
            break;
    assert_true(at < base.ndecisions && at < sizeof forced);
    t = highest_other(base.decisions[at].runnable, base.decisions[at].chosen);
    memset(forced, -1, sizeof forced);
    forced[at] = (int8_t)t;
    o.forced = forced;
    o.nforced = at + 1;
    count_run(&o, 1, &r, NULL);
    assert_int_equal(r.diverged, 0);
    for (k = 0; k < at; k++) {
        assert_int_equal(r.decisions[k].runnable, base.decisions[k].runnable);
        assert_int_equal(r.decisions[k].chosen, base.decisions[k].chosen);
    }
    assert_int_equal(r.decisions[at].chosen, t);
    assert_int_not_equal(r.decisions[at].chosen, base.decisions[at].chosen);
    sched_sim_result_free(&r);
    sched_sim_result_free(&base);
}

/* Forces thread t at decision at of an in-order counting run. */
static void run_forced_at(size_t at, int8_t t, struct sched_sim_result *r)
{
    struct sched_sim_options o = in_order_opts();
    int8_t forced[256];

    assert_true(at < sizeof forced);
    memset(forced, -1, sizeof forced);
    forced[at] = t;
    o.forced = forced;
    o.nforced = at + 1;
    assert_int_equal(count_run(&o, 1, r, NULL), COUNT_THREADS * COUNT_ROUNDS);
}

static void test_sim_forced_not_runnable_diverges(void **state)
{
    struct sched_sim_options o = in_order_opts();
    struct sched_sim_result base;
    struct sched_sim_result r;
    size_t at = 0;
    int idle = -1;

    (void)state;
    count_run(&o, 1, &base, NULL);
    /*
     * A decision at which a thread that exists (a higher-numbered one was
     * started after it) cannot run: it is blocked, or done.
     */
    for (at = 0; at < base.ndecisions && at < 256 && idle < 0; at++) {
        uint64_t set = base.decisions[at].runnable;
        int top = highest_other(set, -1);
        int i = 0;

        for (i = 0; i < top && idle < 0; i++)
            if (!(set >> i & 1))
                idle = i;
    }
    assert_true(idle >= 0);
    at--;
    run_forced_at(at, (int8_t)idle, &r);
    assert_int_equal(r.diverged, 1);
    /* The strategy chose instead: the run is the unforced one. */
    assert_same_decisions(&r, &base);
    sched_sim_result_free(&r);

    /* A thread the run never started. */
    run_forced_at(0, SCHED_SIM_MAX_THREADS - 1, &r);
    assert_int_equal(r.diverged, 1);
    assert_same_decisions(&r, &base);
    sched_sim_result_free(&r);

    /* A runnable choice does not diverge. */
    run_forced_at(at, base.decisions[at].chosen, &r);
    assert_int_equal(r.diverged, 0);
    assert_same_decisions(&r, &base);
    sched_sim_result_free(&r);
    sched_sim_result_free(&base);
}

/*
 * A forced choice past the last possible thread number (the options take
 * any int8_t) names no thread: it is not runnable, so the run diverges and
 * goes on with the strategy.
 */
static void test_sim_forced_out_of_range_diverges(void **state)
{
    struct sched_sim_options o = in_order_opts();
    struct sched_sim_result base;
    struct sched_sim_result r;
    int8_t bad[] = {SCHED_SIM_MAX_THREADS, SCHED_SIM_MAX_THREADS + 1, 127};
    size_t i = 0;

    (void)state;
    count_run(&o, 1, &base, NULL);
    for (i = 0; i < sizeof bad; i++) {
        run_forced_at(0, bad[i], &r);
        assert_int_equal(r.diverged, 1);
        assert_same_decisions(&r, &base);
        sched_sim_result_free(&r);
    }
    sched_sim_result_free(&base);
}

/*
 * A forced choice past the run's last decision did not fit the run either:
 * it diverges too, but -1 fillers there do not.
 */
static void test_sim_forced_past_last_decision_diverges(void **state)
{
    struct sched_sim_options o = in_order_opts();
    struct sched_sim_result base;
    struct sched_sim_result r;
    int8_t *forced = NULL;
    size_t n = 0;

    (void)state;
    count_run(&o, 1, &base, NULL);
    n = base.ndecisions + 5;
    forced = malloc(n);
    assert_non_null(forced);
    memset(forced, -1, n);
    o.forced = forced;
    o.nforced = n;
    count_run(&o, 1, &r, NULL);
    assert_int_equal(r.diverged, 0);
    assert_same_decisions(&r, &base);
    sched_sim_result_free(&r);

    forced[base.ndecisions] = 0;
    count_run(&o, 1, &r, NULL);
    assert_int_equal(r.diverged, 1);
    assert_same_decisions(&r, &base);
    sched_sim_result_free(&r);

    /* The last decision itself still fits. */
    memset(forced, -1, n);
    forced[base.ndecisions - 1] = base.decisions[base.ndecisions - 1].chosen;
    count_run(&o, 1, &r, NULL);
    assert_int_equal(r.diverged, 0);
    sched_sim_result_free(&r);
    free(forced);
    sched_sim_result_free(&base);
}

/* Formats a run, parses it back, replays it in order: the same run. */
static void test_sim_schedule_round_trip(void **state)
{
    static char buf[1 << 16];
    uint64_t seed = 0;
    int nonempty = 0;

    (void)state;
    for (seed = 0; seed < NSEEDS; seed++) {
        struct sched_sim_options o = random_opts(seed);
        struct sched_sim_result a;
        struct sched_sim_result b;
        int8_t *forced = NULL;
        size_t nforced = 0;
        size_t len = 0;

        count_run(&o, 1, &a, NULL);
        len = sched_schedule_format(a.decisions, a.ndecisions, buf, sizeof buf);
        assert_true(len + 1 < sizeof buf); /* not truncated */
        assert_int_equal(len, strlen(buf));
        nonempty += strcmp(buf, "-") != 0;
        assert_int_equal(sched_schedule_parse(buf, &forced, &nforced),
                         STATUS_OK);
        o = in_order_opts();
        o.forced = forced;
        o.nforced = nforced;
        count_run(&o, 1, &b, NULL);
        assert_int_equal(b.diverged, 0);
        assert_same_decisions(&a, &b);
        assert_int_equal(a.steps, b.steps);
        free(forced);
        sched_sim_result_free(&a);
        sched_sim_result_free(&b);
    }
    assert_int_equal(nonempty, NSEEDS);
}

/* An in-order run has nothing to replay: "-". */
static void test_sim_schedule_of_in_order_run_is_dash(void **state)
{
    struct sched_sim_options o = in_order_opts();
    struct sched_sim_result r;
    char buf[64];
    int8_t *forced = NULL;
    size_t nforced = 99;

    (void)state;
    count_run(&o, 1, &r, NULL);
    assert_true(r.ndecisions > 0);
    assert_int_equal(
        sched_schedule_format(r.decisions, r.ndecisions, buf, sizeof buf), 1);
    assert_string_equal(buf, "-");
    assert_int_equal(sched_schedule_parse(buf, &forced, &nforced), STATUS_OK);
    assert_null(forced);
    assert_int_equal(nforced, 0);
    sched_sim_result_free(&r);
}

/* ------------------------------------------------------------------ */
/* sched_schedule_format on hand-built decisions                      */
/* ------------------------------------------------------------------ */

#define HAND_N 18

/*
 * 18 decisions between threads 0 and 1 (and 2 at 5 and 6), in order but
 * for decision 3 (1 instead of the current 0) and 17 (0 instead of the
 * current 1): "3:1,17:0".
 */
static void hand_built(struct sched_decision d[HAND_N])
{
    int k = 0;

    for (k = 0; k < HAND_N; k++) {
        d[k].runnable = 3;
        d[k].current = 0;
        d[k].chosen = 0;
    }
    d[3].chosen = 1;
    /* Current blocked: the lowest runnable one is in order. */
    d[5].runnable = 6;
    d[5].current = -1;
    d[5].chosen = 1;
    /* Current 2 goes on: in order. */
    d[6].runnable = 7;
    d[6].current = 2;
    d[6].chosen = 2;
    d[17].current = 1;
    d[17].chosen = 0;
}

static void test_sim_format_hand_built(void **state)
{
    struct sched_decision d[HAND_N];
    char buf[64];

    (void)state;
    hand_built(d);
    assert_int_equal(sched_schedule_format(d, HAND_N, buf, sizeof buf), 8);
    assert_string_equal(buf, "3:1,17:0");
    /* Only the first 4 decisions: "3:1". */
    assert_int_equal(sched_schedule_format(d, 4, buf, sizeof buf), 3);
    assert_string_equal(buf, "3:1");
    /* The first 3 are all in order; none at all is "-" too. */
    assert_int_equal(sched_schedule_format(d, 3, buf, sizeof buf), 1);
    assert_string_equal(buf, "-");
    assert_int_equal(sched_schedule_format(d, 0, buf, sizeof buf), 1);
    assert_string_equal(buf, "-");
    /* Current blocked, not the lowest: listed. */
    d[5].chosen = 2;
    assert_int_equal(sched_schedule_format(d, HAND_N, buf, sizeof buf), 12);
    assert_string_equal(buf, "3:1,5:2,17:0");
}

static void test_sim_format_truncates_to_cap(void **state)
{
    const char *full = "3:1,17:0";
    struct sched_decision d[HAND_N];
    char buf[16];
    size_t cap = 0;

    (void)state;
    hand_built(d);
    for (cap = 1; cap <= sizeof buf; cap++) {
        size_t len = 0;

        memset(buf, 'Z', sizeof buf);
        len = sched_schedule_format(d, HAND_N, buf, cap);
        assert_true(len < cap);
        assert_int_equal(len, strlen(buf));
        assert_memory_equal(buf, full, len); /* a prefix of the full one */
        assert_int_equal(len, cap - 1 < 8 ? cap - 1 : 8);
        if (cap < sizeof buf)
            assert_int_equal(buf[cap], 'Z'); /* nothing past cap */
    }
    /* "-" needs 2 bytes too. */
    assert_int_equal(sched_schedule_format(d, 0, buf, 1), 0);
    assert_string_equal(buf, "");
    /* cap 0: nothing written at all. */
    memset(buf, 'Z', sizeof buf);
    assert_int_equal(sched_schedule_format(d, HAND_N, buf, 0), 0);
    assert_int_equal(buf[0], 'Z');
    assert_int_equal(sched_schedule_format(d, 0, buf, 0), 0);
    assert_int_equal(buf[0], 'Z');
}

/* ------------------------------------------------------------------ */
/* sched_schedule_parse                                               */
/* ------------------------------------------------------------------ */

static void test_sim_parse_valid(void **state)
{
    int8_t *forced = NULL;
    size_t n = 0;
    size_t k = 0;

    (void)state;
    assert_int_equal(sched_schedule_parse("3:1,17:0", &forced, &n), STATUS_OK);
    assert_int_equal(n, 18);
    for (k = 0; k < n; k++)
        assert_int_equal(forced[k], k == 3 ? 1 : k == 17 ? 0 : -1);
    free(forced);

    assert_int_equal(sched_schedule_parse("0:0", &forced, &n), STATUS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(forced[0], 0);
    free(forced);

    assert_int_equal(sched_schedule_parse("0:63,1:5,9:2", &forced, &n),
                     STATUS_OK);
    assert_int_equal(n, 10);
    assert_int_equal(forced[0], 63);
    assert_int_equal(forced[1], 5);
    for (k = 2; k < 9; k++)
        assert_int_equal(forced[k], -1);
    assert_int_equal(forced[9], 2);
    free(forced);

    forced = (int8_t *)&n; /* must be overwritten */
    n = 7;
    assert_int_equal(sched_schedule_parse("-", &forced, &n), STATUS_OK);
    assert_null(forced);
    assert_int_equal(n, 0);
}

static void test_sim_parse_invalid(void **state)
{
    const char *bad[] = {
        "",        "x",       "3",        "3:",         "3:x",  "3:1,",
        "3:1,2:0", "3:1,3:0", "3:64",     "3:-1",       "-1:0", "3:1x",
        ",3:1",    "3;1",     "3:1,,4:0", "--",         "3:1-", "3:1,4:99",
        " 3:1",    "+3:1",    "3: 1",     "3:+1",       "-0:0", "3:1, 4:0",
        "3:1 ",    "0x3:1",   "3:0x1",    "100000001:0"};
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int8_t *forced = NULL;
        size_t n = 0;

        if (sched_schedule_parse(bad[i], &forced, &n) !=
            STATUS_INVALID_ARGUMENT)
            fail_msg("\"%s\" was accepted", bad[i]);
    }
}

/* A parsed string replays: forced choices as if built by hand. */
static void test_sim_parse_then_run(void **state)
{
    struct sched_sim_options o = in_order_opts();
    struct sched_sim_result base;
    struct sched_sim_result r;
    char text[32];
    int8_t *forced = NULL;
    size_t n = 0;
    int t = 0;

    (void)state;
    count_run(&o, 1, &base, NULL);
    t = highest_other(base.decisions[0].runnable, base.decisions[0].chosen);
    assert_true(t >= 0);
    snprintf(text, sizeof text, "0:%d", t);
    assert_int_equal(sched_schedule_parse(text, &forced, &n), STATUS_OK);
    o.forced = forced;
    o.nforced = n;
    count_run(&o, 1, &r, NULL);
    assert_int_equal(r.diverged, 0);
    assert_int_equal(r.decisions[0].chosen, t);
    assert_int_equal(
        sched_schedule_format(r.decisions, r.ndecisions, text, sizeof text),
        strlen(text));
    assert_int_equal(strncmp(text, "0:", 2), 0);
    assert_int_equal(atoi(text + 2), t);
    free(forced);
    sched_sim_result_free(&r);
    sched_sim_result_free(&base);
}

/* ------------------------------------------------------------------ */
/* Virtual time                                                       */
/* ------------------------------------------------------------------ */

struct vtime {
    struct sched_mutex mu;
    struct sched_thread sleeper;
    struct sched_thread busy;
    int64_t root_start;
    int64_t root_end;
    int64_t sleep_before;
    int64_t sleep_after;
    int64_t busy_first;
    int busy_changes; /* readings that differed from the first */
    int busy_rounds;
};

static enum status vt_sleeper(void *arg)
{
    struct vtime *v = arg;

    v->sleep_before = sched_now_ns();
    sched_sleep_ns(5 * SEC_NS);
    v->sleep_after = sched_now_ns();
    return STATUS_OK;
}

/* Runs (so time must stand still) while the sleeper sleeps. */
static enum status vt_busy(void *arg)
{
    struct vtime *v = arg;
    int i = 0;

    v->busy_first = sched_now_ns();
    for (i = 0; i < 100; i++) {
        sched_mutex_lock(&v->mu);
        v->busy_rounds++;
        sched_mutex_unlock(&v->mu);
        v->busy_changes += sched_now_ns() != v->busy_first;
    }
    return STATUS_OK;
}

static enum status vt_root(void *arg)
{
    struct vtime *v = arg;

    v->root_start = sched_now_ns();
    sched_thread_start(&v->sleeper, "sleeper", vt_sleeper, v);
    sched_thread_start(&v->busy, "busy", vt_busy, v);
    sched_thread_join(&v->sleeper);
    sched_thread_join(&v->busy);
    v->root_end = sched_now_ns();
    return STATUS_OK;
}

static void check_sleep(const struct sched_sim_options *o)
{
    struct vtime v;
    struct sched_sim_result r;

    memset(&v, 0, sizeof v);
    sched_mutex_init(&v.mu);
    assert_int_equal(run(o, vt_root, &v, &r), STATUS_OK);
    assert_int_equal(v.root_start, START_NS);
    assert_int_equal(v.sleep_before, START_NS);
    assert_int_equal(v.sleep_after, START_NS + 5 * SEC_NS);
    assert_int_equal(v.busy_rounds, 100);
    assert_int_equal(v.busy_first, START_NS);
    assert_int_equal(v.busy_changes, 0);
    assert_int_equal(v.root_end, START_NS + 5 * SEC_NS);
    assert_int_equal(r.now_ns, START_NS + 5 * SEC_NS);
    assert_int_equal(r.deadlocked, 0);
    sched_sim_result_free(&r);
    sched_mutex_destroy(&v.mu);
}

static void test_sim_sleep_moves_virtual_time_only(void **state)
{
    struct sched_sim_options o = in_order_opts();
    uint64_t seed = 0;

    (void)state;
    check_sleep(&o);
    for (seed = 0; seed < NSEEDS; seed++) {
        o = random_opts(seed);
        check_sleep(&o);
    }
}

struct timed {
    struct sched_mutex mu;
    struct sched_cond cv;
    struct sched_thread waiter;
    struct sched_thread signaller;
    int64_t deadline;
    int64_t woke_at;
    enum status st;
    int go;
    int waiting;
};

/* Waits for go, up to the deadline. */
static enum status timed_waiter(void *arg)
{
    struct timed *w = arg;

    sched_mutex_lock(&w->mu);
    w->deadline = sched_now_ns() + 2 * SEC_NS + 500;
    w->waiting = 1;
    sched_cond_broadcast(&w->cv);
    w->st = STATUS_OK;
    while (!w->go && w->st == STATUS_OK)
        w->st = sched_cond_timedwait(&w->cv, &w->mu, w->deadline);
    w->woke_at = sched_now_ns();
    sched_mutex_unlock(&w->mu); /* aborts unless the wait retook mu */
    return w->st;
}

/* Raises go once the waiter waits. */
static enum status timed_signaller(void *arg)
{
    struct timed *w = arg;

    sched_mutex_lock(&w->mu);
    while (!w->waiting)
        sched_cond_wait(&w->cv, &w->mu);
    w->go = 1;
    sched_cond_signal(&w->cv);
    sched_mutex_unlock(&w->mu);
    return STATUS_OK;
}

static enum status timed_root(void *arg)
{
    struct timed *w = arg;

    sched_thread_start(&w->waiter, "waiter", timed_waiter, w);
    sched_thread_join(&w->waiter);
    return STATUS_OK;
}

static enum status timed_root_signalled(void *arg)
{
    struct timed *w = arg;

    sched_thread_start(&w->waiter, "waiter", timed_waiter, w);
    sched_thread_start(&w->signaller, "signaller", timed_signaller, w);
    sched_thread_join(&w->waiter);
    sched_thread_join(&w->signaller);
    return STATUS_OK;
}

static void timed_init(struct timed *w)
{
    memset(w, 0, sizeof *w);
    sched_mutex_init(&w->mu);
    sched_cond_init(&w->cv);
    w->st = STATUS_UNKNOWN;
}

static void timed_destroy(struct timed *w)
{
    sched_cond_destroy(&w->cv);
    sched_mutex_destroy(&w->mu);
}

static void test_sim_timedwait_times_out_at_deadline(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 0; seed < NSEEDS; seed++) {
        struct sched_sim_options o = random_opts(seed);
        struct sched_sim_result r;
        struct timed w;

        timed_init(&w);
        assert_int_equal(run(&o, timed_root, &w, &r), STATUS_OK);
        assert_int_equal(w.st, STATUS_DEADLINE_EXCEEDED);
        assert_int_equal(w.deadline, START_NS + 2 * SEC_NS + 500);
        assert_int_equal(w.woke_at, w.deadline);
        assert_int_equal(r.now_ns, w.deadline);
        assert_int_equal(r.deadlocked, 0);
        sched_sim_result_free(&r);
        timed_destroy(&w);
    }
}

/* Signalled before the deadline: STATUS_OK, and time never moved. */
static void test_sim_timedwait_woken_before_deadline(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 0; seed < NSEEDS; seed++) {
        struct sched_sim_options o = random_opts(seed);
        struct sched_sim_result r;
        struct timed w;

        timed_init(&w);
        assert_int_equal(run(&o, timed_root_signalled, &w, &r), STATUS_OK);
        assert_int_equal(w.st, STATUS_OK);
        assert_int_equal(w.go, 1);
        assert_int_equal(w.woke_at, START_NS);
        assert_int_equal(r.now_ns, START_NS);
        assert_int_equal(r.deadlocked, 0);
        sched_sim_result_free(&r);
        timed_destroy(&w);
    }
}

/*
 * A waiter that times out must retake its mutex before it returns: when
 * another thread holds it (here while sleeping 5 s), the wait returns
 * STATUS_DEADLINE_EXCEEDED only once that thread lets go.
 */
struct retake {
    struct sched_mutex mu;
    struct sched_cond cv;
    struct sched_thread waiter;
    struct sched_thread holder;
    enum status st;
    int64_t returned_at;
    int64_t released_at;
};

static enum status retake_waiter(void *arg)
{
    struct retake *w = arg;

    sched_mutex_lock(&w->mu);
    w->st = sched_cond_timedwait(&w->cv, &w->mu, START_NS + SEC_NS);
    w->returned_at = sched_now_ns();
    sched_mutex_unlock(&w->mu);
    return STATUS_OK;
}

static enum status retake_holder(void *arg)
{
    struct retake *w = arg;

    sched_mutex_lock(&w->mu);
    sched_sleep_ns(5 * SEC_NS);
    w->released_at = sched_now_ns();
    sched_mutex_unlock(&w->mu);
    return STATUS_OK;
}

static enum status retake_root(void *arg)
{
    struct retake *w = arg;

    sched_thread_start(&w->waiter, "waiter", retake_waiter, w);
    sched_thread_start(&w->holder, "holder", retake_holder, w);
    sched_thread_join(&w->waiter);
    sched_thread_join(&w->holder);
    return STATUS_OK;
}

static void test_sim_timed_out_waiter_retakes_mutex(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 0; seed <= NSEEDS; seed++) {
        struct sched_sim_options o =
            seed == NSEEDS ? in_order_opts() : random_opts(seed);
        struct sched_sim_result r;
        struct retake w;

        memset(&w, 0, sizeof w);
        sched_mutex_init(&w.mu);
        sched_cond_init(&w.cv);
        w.st = STATUS_UNKNOWN;
        assert_int_equal(run(&o, retake_root, &w, &r), STATUS_OK);
        assert_int_equal(w.st, STATUS_DEADLINE_EXCEEDED);
        assert_int_equal(w.released_at, START_NS + 5 * SEC_NS);
        assert_int_equal(w.returned_at, START_NS + 5 * SEC_NS);
        assert_int_equal(r.now_ns, START_NS + 5 * SEC_NS);
        assert_int_equal(r.deadlocked, 0);
        sched_sim_result_free(&r);
        sched_cond_destroy(&w.cv);
        sched_mutex_destroy(&w.mu);
    }
}

/*
 * Three waiters on one condition: A until 3 s, B until 1 s, C with no
 * deadline. B times out first and leaves the queue, then A, which raises
 * the flag and signals: the signal must still find C in the queue.
 */
struct queue {
    struct sched_mutex mu;
    struct sched_cond cv;
    struct sched_thread t[3];
    int64_t deadline[3];
    enum status st[3];
    int64_t woke_at[3];
    int flag;
};

static enum status queue_waiter(void *arg)
{
    struct queue *q = arg;
    int i = sched_self_name()[0] - 'A';
    enum status st = STATUS_OK;

    sched_mutex_lock(&q->mu);
    while (!q->flag && st == STATUS_OK)
        st = sched_cond_timedwait(&q->cv, &q->mu, q->deadline[i]);
    q->st[i] = st;
    q->woke_at[i] = sched_now_ns();
    if (i == 0) {
        q->flag = 1;
        sched_cond_signal(&q->cv);
    }
    sched_mutex_unlock(&q->mu);
    return STATUS_OK;
}

static enum status queue_root(void *arg)
{
    struct queue *q = arg;
    const char *names[3] = {"A", "B", "C"};
    int i = 0;

    for (i = 0; i < 3; i++)
        sched_thread_start(&q->t[i], names[i], queue_waiter, q);
    for (i = 0; i < 3; i++)
        sched_thread_join(&q->t[i]);
    return STATUS_OK;
}

static void test_sim_timed_out_waiter_leaves_the_queue(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 0; seed <= NSEEDS; seed++) {
        struct sched_sim_options o =
            seed == NSEEDS ? in_order_opts() : random_opts(seed);
        struct sched_sim_result r;
        struct queue q;

        memset(&q, 0, sizeof q);
        sched_mutex_init(&q.mu);
        sched_cond_init(&q.cv);
        q.deadline[0] = START_NS + 3 * SEC_NS;
        q.deadline[1] = START_NS + 1 * SEC_NS;
        q.deadline[2] = SCHED_NO_DEADLINE;
        assert_int_equal(run(&o, queue_root, &q, &r), STATUS_OK);
        assert_int_equal(r.deadlocked, 0);
        assert_int_equal(q.st[0], STATUS_DEADLINE_EXCEEDED);
        assert_int_equal(q.woke_at[0], START_NS + 3 * SEC_NS);
        assert_int_equal(q.st[1], STATUS_DEADLINE_EXCEEDED);
        assert_int_equal(q.woke_at[1], START_NS + 1 * SEC_NS);
        assert_int_equal(q.st[2], STATUS_OK);
        assert_int_equal(q.woke_at[2], START_NS + 3 * SEC_NS);
        sched_sim_result_free(&r);
        sched_cond_destroy(&q.cv);
        sched_mutex_destroy(&q.mu);
    }
}

struct past {
    struct sched_mutex mu;
    struct sched_cond cv;
    enum status st[3];
    int64_t now_after[3];
    uint64_t steps_before;
    uint64_t steps_after;
    int64_t now_after_sleeps;
};

/* Deadlines already passed, and sleeps of no time: all return at once. */
static enum status past_root(void *arg)
{
    struct past *p = arg;
    int64_t now = sched_now_ns();
    int64_t deadlines[3];
    int i = 0;

    deadlines[0] = now;
    deadlines[1] = now - 1;
    deadlines[2] = INT64_MIN;
    sched_mutex_lock(&p->mu);
    p->steps_before = sched_sim_step();
    for (i = 0; i < 3; i++) {
        p->st[i] = sched_cond_timedwait(&p->cv, &p->mu, deadlines[i]);
        p->now_after[i] = sched_now_ns();
    }
    sched_sleep_ns(0);
    sched_sleep_ns(-SEC_NS);
    p->now_after_sleeps = sched_now_ns();
    p->steps_after = sched_sim_step();
    sched_mutex_unlock(&p->mu);
    return STATUS_OK;
}

static void test_sim_past_deadline_returns_at_once(void **state)
{
    struct sched_sim_options o = random_opts(1);
    struct sched_sim_result r;
    struct past p;
    int i = 0;

    (void)state;
    memset(&p, 0, sizeof p);
    sched_mutex_init(&p.mu);
    sched_cond_init(&p.cv);
    assert_int_equal(run(&o, past_root, &p, &r), STATUS_OK);
    for (i = 0; i < 3; i++) {
        assert_int_equal(p.st[i], STATUS_DEADLINE_EXCEEDED);
        assert_int_equal(p.now_after[i], START_NS);
    }
    assert_int_equal(p.now_after_sleeps, START_NS);
    /* Not even a scheduling point. */
    assert_int_equal(p.steps_after, p.steps_before);
    assert_int_equal(r.now_ns, START_NS);
    assert_int_equal(r.deadlocked, 0);
    sched_sim_result_free(&r);
    sched_cond_destroy(&p.cv);
    sched_mutex_destroy(&p.mu);
}

struct sleepers {
    struct sched_thread t[2];
    int64_t ns[2];
    char order[2][SCHED_NAME_MAX];
    int64_t woke_at[2];
    int nwoke;
};

static enum status sleepy(void *arg)
{
    struct sleepers *s = arg;
    int me = strcmp(sched_self_name(), "long") == 0 ? 0 : 1;

    sched_sleep_ns(s->ns[me]);
    snprintf(s->order[s->nwoke], SCHED_NAME_MAX, "%s", sched_self_name());
    s->woke_at[s->nwoke] = sched_now_ns();
    s->nwoke++;
    return STATUS_OK;
}

static enum status sleepers_root(void *arg)
{
    struct sleepers *s = arg;

    sched_thread_start(&s->t[0], "long", sleepy, s);
    sched_thread_start(&s->t[1], "short", sleepy, s);
    sched_thread_join(&s->t[0]);
    sched_thread_join(&s->t[1]);
    return STATUS_OK;
}

static void test_sim_sleepers_wake_in_deadline_order(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 0; seed <= NSEEDS; seed++) {
        struct sched_sim_options o =
            seed == NSEEDS ? in_order_opts() : random_opts(seed);
        struct sched_sim_result r;
        struct sleepers s;

        memset(&s, 0, sizeof s);
        s.ns[0] = 3 * SEC_NS; /* started first, wakes last */
        s.ns[1] = 1 * SEC_NS;
        assert_int_equal(run(&o, sleepers_root, &s, &r), STATUS_OK);
        assert_int_equal(s.nwoke, 2);
        assert_string_equal(s.order[0], "short");
        assert_string_equal(s.order[1], "long");
        assert_int_equal(s.woke_at[0], START_NS + 1 * SEC_NS);
        assert_int_equal(s.woke_at[1], START_NS + 3 * SEC_NS);
        assert_int_equal(r.now_ns, START_NS + 3 * SEC_NS);
        sched_sim_result_free(&r);
    }
}

/*
 * One thread waits with no deadline while another sleeps, then signals:
 * time jumps to the sleeper's wake-up; that is no deadlock.
 */
struct nap {
    struct sched_mutex mu;
    struct sched_cond cv;
    struct sched_thread waiter;
    struct sched_thread napper;
    int up;
    enum status st;
    int64_t woke_at;
};

static enum status nap_waiter(void *arg)
{
    struct nap *n = arg;

    sched_mutex_lock(&n->mu);
    n->st = STATUS_OK;
    while (!n->up && n->st == STATUS_OK)
        n->st = sched_cond_wait(&n->cv, &n->mu);
    n->woke_at = sched_now_ns();
    sched_mutex_unlock(&n->mu);
    return STATUS_OK;
}

static enum status nap_napper(void *arg)
{
    struct nap *n = arg;

    sched_sleep_ns(2 * SEC_NS);
    sched_mutex_lock(&n->mu);
    n->up = 1;
    sched_cond_signal(&n->cv);
    sched_mutex_unlock(&n->mu);
    return STATUS_OK;
}

static enum status nap_root(void *arg)
{
    struct nap *n = arg;

    sched_thread_start(&n->waiter, "waiter", nap_waiter, n);
    sched_thread_start(&n->napper, "napper", nap_napper, n);
    sched_thread_join(&n->waiter);
    sched_thread_join(&n->napper);
    return STATUS_OK;
}

static void test_sim_sleeper_is_no_deadlock(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 0; seed < NSEEDS; seed++) {
        struct sched_sim_options o = random_opts(seed);
        struct sched_sim_result r;
        struct nap n;

        memset(&n, 0, sizeof n);
        sched_mutex_init(&n.mu);
        sched_cond_init(&n.cv);
        n.st = STATUS_UNKNOWN;
        assert_int_equal(run(&o, nap_root, &n, &r), STATUS_OK);
        assert_int_equal(n.st, STATUS_OK);
        assert_int_equal(n.up, 1);
        assert_int_equal(n.woke_at, START_NS + 2 * SEC_NS);
        assert_int_equal(r.deadlocked, 0);
        assert_string_equal(r.report, "");
        sched_sim_result_free(&r);
        sched_cond_destroy(&n.cv);
        sched_mutex_destroy(&n.mu);
    }
}

/* ------------------------------------------------------------------ */
/* Deadlock                                                           */
/* ------------------------------------------------------------------ */

#define DL_MAX 40

/* What a describe callback writes, and the kind it returns. */
struct what {
    const char *text;
    enum sched_wait_kind kind;
};

static enum sched_wait_kind describe_what(const void *obj, char *buf,
                                          size_t cap)
{
    const struct what *w = obj;

    snprintf(buf, cap, "%s", w->text);
    return w->kind;
}

struct dl;

/* One thread waiting on its own condition, which nobody signals. */
struct dl_side {
    struct dl *d;
    struct sched_cond cv;
    struct sched_thread t;
    char name[SCHED_NAME_MAX];
    struct what what;
    enum status first;       /* what the first wait returned */
    enum status again;       /* a wait after the deadlock */
    enum status timed_again; /* a timed wait after the deadlock */
    uint64_t steps_before;
    uint64_t steps_after;
    int waits;
};

struct dl {
    struct sched_mutex mu;
    struct sched_cond root_cv;
    int never; /* stays 0 */
    int n;
    struct dl_side side[DL_MAX];
    enum status start_st[DL_MAX];
    enum status join_st[DL_MAX];
    enum status root_again;
    int joined;
};

static enum status dl_waiter(void *arg)
{
    struct dl_side *s = arg;
    struct dl *d = s->d;
    enum status st = STATUS_OK;

    sched_mutex_lock(&d->mu);
    while (!d->never) {
        st = sched_cond_wait(&s->cv, &d->mu);
        s->waits++;
        if (st != STATUS_OK)
            break;
    }
    s->first = st;
    s->steps_before = sched_sim_step();
    s->again = sched_cond_wait(&s->cv, &d->mu);
    s->timed_again =
        sched_cond_timedwait(&s->cv, &d->mu, sched_now_ns() + SEC_NS);
    s->steps_after = sched_sim_step();
    sched_mutex_unlock(&d->mu);
    return st;
}

static enum status dl_root(void *arg)
{
    struct dl *d = arg;
    int i = 0;

    for (i = 0; i < d->n; i++)
        d->start_st[i] = sched_thread_start(&d->side[i].t, d->side[i].name,
                                            dl_waiter, &d->side[i]);
    for (i = 0; i < d->n; i++)
        if (d->start_st[i] == STATUS_OK) {
            d->join_st[i] = sched_thread_join(&d->side[i].t);
            d->joined++;
        }
    sched_mutex_lock(&d->mu);
    d->root_again = sched_cond_wait(&d->root_cv, &d->mu);
    sched_mutex_unlock(&d->mu);
    return STATUS_ABORTED;
}

/*
 * Sets up n waiters named A, B, ... (or W0, W1, ... beyond 26); what[i],
 * when its text is not NULL, describes side i's condition.
 */
static void dl_init(struct dl *d, int n, const struct what *what)
{
    int i = 0;

    memset(d, 0, sizeof *d);
    sched_mutex_init(&d->mu);
    sched_cond_init(&d->root_cv);
    d->n = n;
    d->root_again = STATUS_UNKNOWN;
    for (i = 0; i < n; i++) {
        struct dl_side *s = &d->side[i];

        s->d = d;
        s->first = s->again = s->timed_again = STATUS_UNKNOWN;
        if (n <= 26)
            snprintf(s->name, sizeof s->name, "%c", 'A' + i);
        else
            snprintf(s->name, sizeof s->name, "W%d", i);
        sched_cond_init(&s->cv);
        if (what != NULL && what[i].text != NULL) {
            s->what = what[i];
            sched_cond_describe(&s->cv, describe_what, &s->what);
        }
    }
}

static void dl_destroy(struct dl *d)
{
    int i = 0;

    for (i = 0; i < d->n; i++)
        sched_cond_destroy(&d->side[i].cv);
    sched_cond_destroy(&d->root_cv);
    sched_mutex_destroy(&d->mu);
}

/* Runs the deadlock body under o and checks how it unwound. */
static void dl_run(const struct sched_sim_options *o, struct dl *d,
                   struct sched_sim_result *r)
{
    int i = 0;

    assert_int_equal(run(o, dl_root, d, r), STATUS_ABORTED);
    assert_int_equal(r->deadlocked, 1);
    assert_int_equal(d->joined, d->n);
    for (i = 0; i < d->n; i++) {
        const struct dl_side *s = &d->side[i];

        assert_int_equal(d->start_st[i], STATUS_OK);
        assert_int_equal(s->waits, 1);
        assert_int_equal(s->first, STATUS_DEADLOCK);
        assert_int_equal(d->join_st[i], STATUS_DEADLOCK);
        /* Unwinding: every later wait fails at once, with no step. */
        assert_int_equal(s->again, STATUS_DEADLOCK);
        assert_int_equal(s->timed_again, STATUS_DEADLOCK);
        assert_int_equal(s->steps_after, s->steps_before);
    }
    assert_int_equal(d->root_again, STATUS_DEADLOCK);
    assert_int_equal(r->now_ns, START_NS);
    assert_has(r->report, "deadlock: ");
}

static void test_sim_deadlock_two_waiters(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 0; seed <= NSEEDS; seed++) {
        struct sched_sim_options o =
            seed == NSEEDS ? in_order_opts() : random_opts(seed);
        struct sched_sim_result r;
        struct dl d;

        dl_init(&d, 2, NULL);
        dl_run(&o, &d, &r);
        /* main waits in a join: left out, since others wait for more. */
        assert_string_equal(r.report, "deadlock: A waits for a condition "
                                      "variable; B waits for a condition "
                                      "variable.");
        sched_sim_result_free(&r);
        dl_destroy(&d);
    }
}

/* Runs two waiters described by what[0] and what[1]; returns the report. */
static void dl_described(const struct what what[2], char *report, size_t cap)
{
    struct sched_sim_options o = random_opts(5);
    struct sched_sim_result r;
    struct dl d;

    dl_init(&d, 2, what);
    dl_run(&o, &d, &r);
    snprintf(report, cap, "%s", r.report);
    sched_sim_result_free(&r);
    dl_destroy(&d);
}

#define HINT_DATA " Nobody can write: did the client forget stream_close_send?"
#define HINT_ROOM " Nobody reads: is a receiver missing, or blocked itself?"

static void test_sim_deadlock_report_describes_and_hints(void **state)
{
    const struct what data[2] = {{"data on c2s", SCHED_WAIT_DATA},
                                 {"data on s2c", SCHED_WAIT_DATA}};
    const struct what room[2] = {{"room in c2s", SCHED_WAIT_ROOM},
                                 {"room in s2c", SCHED_WAIT_ROOM}};
    const struct what data_plain[2] = {{"data on c2s", SCHED_WAIT_DATA},
                                       {NULL, SCHED_WAIT_OTHER}};
    const struct what data_other[2] = {{"data on c2s", SCHED_WAIT_DATA},
                                       {"the go flag", SCHED_WAIT_OTHER}};
    const struct what data_room[2] = {{"data on c2s", SCHED_WAIT_DATA},
                                      {"room in s2c", SCHED_WAIT_ROOM}};
    char report[SCHED_REPORT_MAX];

    (void)state;
    dl_described(data, report, sizeof report);
    assert_string_equal(report, "deadlock: A waits for data on c2s; B waits "
                                "for data on s2c." HINT_DATA);
    dl_described(room, report, sizeof report);
    assert_string_equal(report, "deadlock: A waits for room in c2s; B waits "
                                "for room in s2c." HINT_ROOM);
    /* Not every waiter waits for data: no hint. */
    dl_described(data_plain, report, sizeof report);
    assert_string_equal(report, "deadlock: A waits for data on c2s; B waits "
                                "for a condition variable.");
    dl_described(data_other, report, sizeof report);
    assert_string_equal(report, "deadlock: A waits for data on c2s; B waits "
                                "for the go flag.");
    dl_described(data_room, report, sizeof report);
    assert_string_equal(report, "deadlock: A waits for data on c2s; B waits "
                                "for room in s2c.");
}

/* Many waiters with long descriptions: the report is cut to fit. */
static void test_sim_deadlock_report_truncated(void **state)
{
    static struct what what[DL_MAX];
    static char text[200];
    struct sched_sim_options o = in_order_opts();
    struct sched_sim_result r;
    static struct dl d;
    int i = 0;

    (void)state;
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    for (i = 0; i < DL_MAX; i++) {
        what[i].text = text;
        what[i].kind = SCHED_WAIT_DATA;
    }
    dl_init(&d, DL_MAX, what);
    dl_run(&o, &d, &r);
    assert_int_equal(strlen(r.report), SCHED_REPORT_MAX - 1);
    assert_has(r.report, "deadlock: W0 waits for xxx");
    assert_has(r.report, "; W1 waits for xxx");
    sched_sim_result_free(&r);
    dl_destroy(&d);
}

/*
 * A holds m1 and waits on a condition (under m2); B blocks locking m1.
 * The report names who holds the lock; once A unwinds, B gets it.
 */
struct held {
    struct sched_mutex m1;
    struct sched_mutex m2;
    struct sched_cond cv;
    struct sched_thread a;
    struct sched_thread b;
    enum status a_st;
    int b_got;
};

static enum status held_a(void *arg)
{
    struct held *h = arg;

    sched_mutex_lock(&h->m1);
    sched_mutex_lock(&h->m2);
    h->a_st = sched_cond_wait(&h->cv, &h->m2);
    sched_mutex_unlock(&h->m2);
    sched_mutex_unlock(&h->m1);
    return h->a_st;
}

static enum status held_b(void *arg)
{
    struct held *h = arg;

    sched_mutex_lock(&h->m1);
    h->b_got = 1;
    sched_mutex_unlock(&h->m1);
    return STATUS_OK;
}

static enum status held_root(void *arg)
{
    struct held *h = arg;

    sched_thread_start(&h->a, "A", held_a, h);
    sched_thread_start(&h->b, "B", held_b, h);
    sched_thread_join(&h->a);
    sched_thread_join(&h->b);
    return STATUS_OK;
}

static void test_sim_deadlock_report_names_lock_holder(void **state)
{
    struct sched_sim_options o = in_order_opts();
    struct sched_sim_result r;
    struct held h;

    (void)state;
    memset(&h, 0, sizeof h);
    sched_mutex_init(&h.m1);
    sched_mutex_init(&h.m2);
    sched_cond_init(&h.cv);
    h.a_st = STATUS_UNKNOWN;
    assert_int_equal(run(&o, held_root, &h, &r), STATUS_OK);
    assert_int_equal(r.deadlocked, 1);
    assert_string_equal(r.report, "deadlock: A waits for a condition "
                                  "variable; B waits for a lock held by A.");
    assert_int_equal(h.a_st, STATUS_DEADLOCK);
    assert_int_equal(h.b_got, 1);
    sched_sim_result_free(&r);
    sched_cond_destroy(&h.cv);
    sched_mutex_destroy(&h.m2);
    sched_mutex_destroy(&h.m1);
}

/*
 * Joins only (A and B join each other): nothing can be woken, so the run
 * cannot unwind and aborts, printing the report, which now lists the joins.
 */
struct cycle {
    struct sched_mutex mu;
    struct sched_thread a;
    struct sched_thread b;
    int lock_in_a;
};

static enum status cycle_b(void *arg)
{
    struct cycle *c = arg;

    if (c->lock_in_a)
        sched_mutex_lock(&c->mu); /* held by A for ever */
    else
        sched_thread_join(&c->a);
    return STATUS_OK;
}

static enum status cycle_a(void *arg)
{
    struct cycle *c = arg;

    if (c->lock_in_a)
        sched_mutex_lock(&c->mu);
    sched_thread_start(&c->b, "B", cycle_b, c);
    sched_thread_join(&c->b);
    return STATUS_OK;
}

static enum status cycle_root(void *arg)
{
    struct cycle *c = arg;

    sched_thread_start(&c->a, "A", cycle_a, c);
    sched_thread_join(&c->a);
    return STATUS_OK;
}

static void test_sim_deadlock_of_joins_aborts_with_report(void **state)
{
    struct sched_sim_options o = in_order_opts();
    struct cycle c;
    char err[2048];

    (void)state;
    memset(&c, 0, sizeof c);
    sched_mutex_init(&c.mu);
    assert_true(run_in_child(&o, cycle_root, &c, err, sizeof err));
    assert_has(err, "duplex: simulated threads are stuck on locks or joins "
                    "after a deadlock: deadlock: main waits for A to finish; "
                    "A waits for B to finish; B waits for A to finish.\n");
    /* A lock is waited for: the joins only follow from it, left out. */
    c.lock_in_a = 1;
    o = random_opts(2);
    assert_true(run_in_child(&o, cycle_root, &c, err, sizeof err));
    assert_has(err, "after a deadlock: deadlock: B waits for a lock held by "
                    "A.\n");
    sched_mutex_destroy(&c.mu);
}

/* ------------------------------------------------------------------ */
/* Signal and broadcast                                               */
/* ------------------------------------------------------------------ */

#define NWAITERS 3

struct fifo;

struct fifo_arg {
    struct fifo *f;
    int id;
};

struct fifo {
    struct sched_mutex mu;
    struct sched_cond go;      /* the waiters wait here */
    struct sched_cond changed; /* arrivals and hand-overs */
    struct sched_thread t[NWAITERS];
    struct fifo_arg args[NWAITERS];
    int tokens;
    int returned; /* returns from sched_cond_wait(go) */
    int arrival[NWAITERS];
    int narrived;
    int woke[NWAITERS];
    int nwoke;
    int returned_after[NWAITERS];
    int bad;
};

static enum status fifo_waiter(void *arg)
{
    struct fifo_arg *a = arg;
    struct fifo *f = a->f;

    sched_mutex_lock(&f->mu);
    f->arrival[f->narrived++] = a->id;
    sched_cond_broadcast(&f->changed);
    while (f->tokens == 0) {
        enum status st = sched_cond_wait(&f->go, &f->mu);

        f->returned++;
        if (st != STATUS_OK) {
            f->bad++;
            break;
        }
    }
    f->tokens--;
    f->woke[f->nwoke++] = a->id;
    sched_cond_broadcast(&f->changed);
    sched_mutex_unlock(&f->mu);
    return STATUS_OK;
}

/* Signals one token at a time, each once the last one was taken. */
static enum status fifo_root(void *arg)
{
    struct fifo *f = arg;
    int i = 0;

    for (i = 0; i < NWAITERS; i++) {
        f->args[i].f = f;
        f->args[i].id = i + 1;
        sched_thread_start(&f->t[i], "waiter", fifo_waiter, &f->args[i]);
    }
    sched_mutex_lock(&f->mu);
    while (f->narrived < NWAITERS)
        if (sched_cond_wait(&f->changed, &f->mu) != STATUS_OK)
            f->bad++;
    for (i = 0; i < NWAITERS; i++) {
        f->tokens = 1;
        sched_cond_signal(&f->go);
        while (f->tokens != 0)
            if (sched_cond_wait(&f->changed, &f->mu) != STATUS_OK)
                f->bad++;
        f->returned_after[i] = f->returned;
    }
    sched_mutex_unlock(&f->mu);
    for (i = 0; i < NWAITERS; i++)
        sched_thread_join(&f->t[i]);
    return STATUS_OK;
}

static void test_sim_signal_wakes_one_in_fifo_order(void **state)
{
    uint64_t seed = 0;
    int shuffled = 0;

    (void)state;
    for (seed = 0; seed <= NSEEDS; seed++) {
        struct sched_sim_options o =
            seed == NSEEDS ? in_order_opts() : random_opts(seed);
        struct sched_sim_result r;
        struct fifo f;
        int i = 0;

        memset(&f, 0, sizeof f);
        sched_mutex_init(&f.mu);
        sched_cond_init(&f.go);
        sched_cond_init(&f.changed);
        assert_int_equal(run(&o, fifo_root, &f, &r), STATUS_OK);
        assert_int_equal(r.deadlocked, 0);
        assert_int_equal(f.bad, 0);
        assert_int_equal(f.nwoke, NWAITERS);
        for (i = 0; i < NWAITERS; i++) {
            /* The i-th signal woke the i-th waiter to arrive, only it. */
            assert_int_equal(f.woke[i], f.arrival[i]);
            assert_int_equal(f.returned_after[i], i + 1);
        }
        shuffled += f.arrival[0] != 1 || f.arrival[1] != 2;
        sched_sim_result_free(&r);
        sched_cond_destroy(&f.changed);
        sched_cond_destroy(&f.go);
        sched_mutex_destroy(&f.mu);
    }
    /* Some seeds made them arrive out of start order. */
    assert_true(shuffled > 0);
}

struct bcast {
    struct sched_mutex mu;
    struct sched_cond cv;
    struct sched_cond arrived_cv;
    struct sched_thread t[NWAITERS];
    int use_broadcast;
    int arrived;
    int go;
    int returned;
    enum status st[NWAITERS];
    int nst;
};

static enum status bcast_waiter(void *arg)
{
    struct bcast *b = arg;
    enum status st = STATUS_OK;

    sched_mutex_lock(&b->mu);
    b->arrived++;
    sched_cond_signal(&b->arrived_cv);
    while (!b->go) {
        st = sched_cond_wait(&b->cv, &b->mu);
        b->returned++;
        if (st != STATUS_OK)
            break;
    }
    b->st[b->nst++] = st;
    sched_mutex_unlock(&b->mu);
    return st;
}

static enum status bcast_root(void *arg)
{
    struct bcast *b = arg;
    int i = 0;

    for (i = 0; i < NWAITERS; i++)
        sched_thread_start(&b->t[i], "waiter", bcast_waiter, b);
    sched_mutex_lock(&b->mu);
    while (b->arrived < NWAITERS)
        sched_cond_wait(&b->arrived_cv, &b->mu);
    b->go = 1;
    if (b->use_broadcast)
        sched_cond_broadcast(&b->cv);
    else
        sched_cond_signal(&b->cv);
    sched_mutex_unlock(&b->mu);
    for (i = 0; i < NWAITERS; i++)
        sched_thread_join(&b->t[i]);
    return STATUS_OK;
}

/* Returns how many waiters left with STATUS_OK; *deadlocked as the run's. */
static int bcast_run(const struct sched_sim_options *o, int use_broadcast,
                     int *deadlocked)
{
    struct sched_sim_result r;
    struct bcast b;
    int ok = 0;
    int i = 0;

    memset(&b, 0, sizeof b);
    sched_mutex_init(&b.mu);
    sched_cond_init(&b.cv);
    sched_cond_init(&b.arrived_cv);
    b.use_broadcast = use_broadcast;
    assert_int_equal(run(o, bcast_root, &b, &r), STATUS_OK);
    assert_int_equal(b.nst, NWAITERS);
    assert_int_equal(b.returned, NWAITERS); /* one return per waiter */
    for (i = 0; i < NWAITERS; i++)
        ok += b.st[i] == STATUS_OK;
    *deadlocked = r.deadlocked;
    sched_sim_result_free(&r);
    sched_cond_destroy(&b.arrived_cv);
    sched_cond_destroy(&b.cv);
    sched_mutex_destroy(&b.mu);
    return ok;
}

static void test_sim_broadcast_wakes_all_signal_one(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 0; seed <= NSEEDS; seed++) {
        struct sched_sim_options o =
            seed == NSEEDS ? in_order_opts() : random_opts(seed);
        int deadlocked = -1;

        assert_int_equal(bcast_run(&o, 1, &deadlocked), NWAITERS);
        assert_int_equal(deadlocked, 0);
        /* One signal wakes one waiter; the others are stuck. */
        assert_int_equal(bcast_run(&o, 0, &deadlocked), 1);
        assert_int_equal(deadlocked, 1);
    }
}

/*
 * Unlock, signal and broadcast are one step each but never switch threads;
 * a lock is a scheduling point where another thread may run.
 */
struct steps {
    struct sched_mutex mu;
    struct sched_mutex own;
    struct sched_cond cv;
    struct sched_thread other;
    int other_ran; /* rounds of the other thread so far */
    uint64_t at[4];
    int ran_before;
    int ran_after;
    int ran_across_locks;
};

static enum status steps_other(void *arg)
{
    struct steps *s = arg;
    int i = 0;

    for (i = 0; i < 50; i++) {
        sched_mutex_lock(&s->own);
        sched_mutex_unlock(&s->own);
        s->other_ran++;
    }
    return STATUS_OK;
}

static enum status steps_root(void *arg)
{
    struct steps *s = arg;
    int i = 0;
    int before = 0;

    sched_thread_start(&s->other, "other", steps_other, s);
    sched_mutex_lock(&s->mu);
    s->ran_before = s->other_ran;
    s->at[0] = sched_sim_step();
    sched_cond_signal(&s->cv);
    s->at[1] = sched_sim_step();
    sched_cond_broadcast(&s->cv);
    s->at[2] = sched_sim_step();
    sched_mutex_unlock(&s->mu);
    s->at[3] = sched_sim_step();
    s->ran_after = s->other_ran;
    /* The control: across ten locks the other thread gets to run. */
    before = s->other_ran;
    for (i = 0; i < 10; i++) {
        sched_mutex_lock(&s->mu);
        sched_mutex_unlock(&s->mu);
    }
    s->ran_across_locks = s->other_ran - before;
    sched_thread_join(&s->other);
    return STATUS_OK;
}

static void test_sim_unlock_and_signal_are_steps_without_switch(void **state)
{
    uint64_t seed = 0;
    int switched = 0;

    (void)state;
    for (seed = 0; seed < NSEEDS; seed++) {
        struct sched_sim_options o = random_opts(seed);
        struct sched_sim_result r;
        struct steps s;
        int i = 0;

        memset(&s, 0, sizeof s);
        sched_mutex_init(&s.mu);
        sched_mutex_init(&s.own);
        sched_cond_init(&s.cv);
        assert_int_equal(run(&o, steps_root, &s, &r), STATUS_OK);
        for (i = 1; i < 4; i++)
            assert_int_equal(s.at[i], s.at[i - 1] + 1);
        assert_int_equal(s.ran_after, s.ran_before);
        assert_int_equal(s.other_ran, 50);
        switched += s.ran_across_locks > 0;
        sched_sim_result_free(&r);
        sched_cond_destroy(&s.cv);
        sched_mutex_destroy(&s.own);
        sched_mutex_destroy(&s.mu);
    }
    assert_true(switched > 0);
}

/* ------------------------------------------------------------------ */
/* Quiet mutexes                                                      */
/* ------------------------------------------------------------------ */

enum extra { EXTRA_NONE, EXTRA_QUIET, EXTRA_LOUD };

struct quiet {
    struct sched_mutex shared;
    struct sched_mutex quiet;
    struct sched_mutex loud;
    struct sched_thread worker;
    enum extra extra;
    int rounds;
};

static enum status quiet_body(void *arg)
{
    struct quiet *q = arg;
    int i = 0;

    for (i = 0; i < 20; i++) {
        sched_mutex_lock(&q->shared);
        q->rounds++;
        sched_mutex_unlock(&q->shared);
        if (q->extra == EXTRA_QUIET) {
            sched_mutex_lock(&q->quiet);
            sched_mutex_unlock(&q->quiet);
        } else if (q->extra == EXTRA_LOUD) {
            sched_mutex_lock(&q->loud);
            sched_mutex_unlock(&q->loud);
        }
    }
    return STATUS_OK;
}

static enum status quiet_root(void *arg)
{
    struct quiet *q = arg;

    sched_thread_start(&q->worker, "worker", quiet_body, q);
    quiet_body(q);
    sched_thread_join(&q->worker);
    return STATUS_OK;
}

static void quiet_run(uint64_t seed, enum extra extra,
                      struct sched_sim_result *r)
{
    struct sched_sim_options o = random_opts(seed);
    struct quiet q;

    memset(&q, 0, sizeof q);
    sched_mutex_init(&q.shared);
    sched_mutex_init_quiet(&q.quiet);
    sched_mutex_init(&q.loud);
    q.extra = extra;
    assert_int_equal(run(&o, quiet_root, &q, r), STATUS_OK);
    assert_int_equal(q.rounds, 40);
    sched_mutex_destroy(&q.loud);
    sched_mutex_destroy(&q.quiet);
    sched_mutex_destroy(&q.shared);
}

static void test_sim_quiet_mutex_is_no_scheduling_point(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 0; seed < NSEEDS; seed++) {
        struct sched_sim_result none;
        struct sched_sim_result quiet;
        struct sched_sim_result loud;

        quiet_run(seed, EXTRA_NONE, &none);
        quiet_run(seed, EXTRA_QUIET, &quiet);
        quiet_run(seed, EXTRA_LOUD, &loud);
        assert_true(none.ndecisions > 0);
        assert_same_decisions(&none, &quiet);
        assert_int_equal(none.steps, quiet.steps);
        /* The control: an ordinary mutex adds points and decisions. */
        assert_true(loud.steps > none.steps);
        assert_true(loud.ndecisions > none.ndecisions);
        sched_sim_result_free(&none);
        sched_sim_result_free(&quiet);
        sched_sim_result_free(&loud);
    }
}

/* Outside a simulation a quiet mutex is an ordinary one. */
static void test_sim_quiet_mutex_in_os_mode(void **state)
{
    struct sched_mutex m;

    (void)state;
    sched_mutex_init_quiet(&m);
    assert_int_equal(m.quiet, 1);
    sched_mutex_lock(&m);
    assert_int_equal(pthread_mutex_trylock(&m.mu), EBUSY);
    sched_mutex_unlock(&m);
    assert_int_equal(pthread_mutex_trylock(&m.mu), 0);
    assert_int_equal(pthread_mutex_unlock(&m.mu), 0);
    sched_mutex_destroy(&m);
}

/* ------------------------------------------------------------------ */
/* Limits                                                             */
/* ------------------------------------------------------------------ */

#define TRY_THREADS (SCHED_SIM_MAX_THREADS + 1)

struct many {
    struct sched_thread t[TRY_THREADS];
    enum status start_st[TRY_THREADS];
    enum status join_st[TRY_THREADS];
    int ran;
};

static enum status many_body(void *arg)
{
    struct many *m = arg;

    m->ran++;
    return STATUS_OK;
}

static enum status many_root(void *arg)
{
    struct many *m = arg;
    int i = 0;

    for (i = 0; i < TRY_THREADS; i++)
        m->start_st[i] = sched_thread_start(&m->t[i], "many", many_body, m);
    for (i = 0; i < TRY_THREADS; i++)
        if (m->start_st[i] == STATUS_OK)
            m->join_st[i] = sched_thread_join(&m->t[i]);
    return STATUS_OK;
}

static void test_sim_thread_limit(void **state)
{
    struct sched_sim_options o = in_order_opts();
    struct sched_sim_result r;
    static struct many m;
    size_t k = 0;
    int saw_last = 0;
    int i = 0;

    (void)state;
    memset(&m, 0, sizeof m);
    assert_int_equal(run(&o, many_root, &m, &r), STATUS_OK);
    for (i = 0; i < SCHED_SIM_MAX_THREADS - 1; i++) {
        assert_int_equal(m.start_st[i], STATUS_OK);
        assert_int_equal(m.join_st[i], STATUS_OK);
    }
    for (; i < TRY_THREADS; i++)
        assert_int_equal(m.start_st[i], STATUS_RESOURCE_EXHAUSTED);
    assert_int_equal(m.ran, SCHED_SIM_MAX_THREADS - 1);
    assert_int_equal(r.deadlocked, 0);
    assert_decisions_sane(&r);
    /* Thread 63, the last one, took part in decisions. */
    for (k = 0; k < r.ndecisions; k++)
        saw_last |=
            (int)(r.decisions[k].runnable >> (SCHED_SIM_MAX_THREADS - 1) & 1);
    assert_true(saw_last);
    sched_sim_result_free(&r);

    /* The same under random choices. */
    memset(&m, 0, sizeof m);
    o = random_opts(11);
    assert_int_equal(run(&o, many_root, &m, &r), STATUS_OK);
    assert_int_equal(m.ran, SCHED_SIM_MAX_THREADS - 1);
    assert_int_equal(m.start_st[SCHED_SIM_MAX_THREADS - 1],
                     STATUS_RESOURCE_EXHAUSTED);
    assert_decisions_sane(&r);
    sched_sim_result_free(&r);
}

/*
 * max_steps is a livelock guard: passing it stops the run as a livelock (no
 * abort), reaching it does not, and neither does the step that ends the run.
 */
static enum status spin_root(void *arg)
{
    struct sched_mutex *mu = arg;
    int i = 0;

    for (i = 0; i < 100; i++) {
        sched_mutex_lock(mu);
        sched_mutex_unlock(mu);
    }
    return STATUS_OK;
}

static void test_sim_max_steps_guard(void **state)
{
    struct sched_sim_options o = in_order_opts();
    struct sched_sim_result r;
    struct sched_mutex mu;
    uint64_t steps = 0;

    (void)state;
    sched_mutex_init(&mu);
    assert_int_equal(run(&o, spin_root, &mu, &r), STATUS_OK);
    steps = r.steps;
    /* A lock and an unlock per round, and main's exit. */
    assert_int_equal(steps, 201);
    sched_sim_result_free(&r);
    o.max_steps = steps;
    assert_int_equal(run(&o, spin_root, &mu, &r), STATUS_OK);
    assert_int_equal(r.steps, steps);
    assert_int_equal(r.livelocked, 0);
    sched_sim_result_free(&r);
    /* Step 201 is main's exit, which ends the run: it is taken. */
    o.max_steps = steps - 1;
    assert_int_equal(run(&o, spin_root, &mu, &r), STATUS_OK);
    assert_int_equal(r.steps, steps);
    assert_int_equal(r.livelocked, 0);
    sched_sim_result_free(&r);
    /* Step 200 is main's last unlock: the run stops before it. */
    sched_mutex_destroy(&mu);
    sched_mutex_init(&mu);
    o.max_steps = steps - 2;
    assert_int_equal(run(&o, spin_root, &mu, &r), STATUS_ABORTED);
    assert_int_equal(r.livelocked, 1);
    assert_int_equal(r.steps, steps - 2);
    assert_string_equal(r.report,
                        "livelock: after 199 steps (the budget), main kept "
                        "running (took steps in the last 19). Does a loop "
                        "poll for something that never comes, or call recv "
                        "again after EOF?");
    sched_sim_result_free(&r);
    sched_mutex_destroy(&mu);
}

/* Locking a mutex one holds, or unlocking one not held, aborts. */
static enum status relock_root(void *arg)
{
    struct sched_mutex *mu = arg;

    sched_mutex_lock(mu);
    sched_mutex_lock(mu);
    return STATUS_OK;
}

static enum status stray_unlock_root(void *arg)
{
    struct sched_mutex *mu = arg;

    sched_mutex_unlock(mu);
    return STATUS_OK;
}

static void test_sim_mutex_misuse_aborts(void **state)
{
    struct sched_sim_options o = in_order_opts();
    struct sched_mutex mu;
    char err[512];

    (void)state;
    sched_mutex_init(&mu);
    assert_true(run_in_child(&o, relock_root, &mu, err, sizeof err));
    assert_has(err, "duplex: main locks a mutex it holds");
    assert_true(run_in_child(&o, stray_unlock_root, &mu, err, sizeof err));
    assert_has(err, "duplex: main unlocks a mutex it does not hold");
    sched_mutex_destroy(&mu);
}

/* ------------------------------------------------------------------ */
/* Strategies (strategy.h)                                            */
/* ------------------------------------------------------------------ */

/*
 * A strategy of the test's own: the highest-numbered runnable thread. It
 * counts its calls and notes a k that is not the number of calls so far.
 */
struct highest {
    struct strategy base;
    size_t calls;
    int wrong_k;
};

static int highest_choose(void *self, uint64_t runnable, int current, size_t k)
{
    struct highest *h = self;

    (void)current;
    h->wrong_k |= k != h->calls;
    h->calls++;
    return highest_other(runnable, -1);
}

static void highest_init(struct highest *h)
{
    memset(h, 0, sizeof *h);
    h->base.choose = highest_choose;
    h->base.self = h;
}

/* A custom strategy makes every decision, in order, instead of the seed. */
static void test_sim_custom_strategy_makes_every_decision(void **state)
{
    struct sched_sim_options o = random_opts(3);
    struct sched_sim_result r;
    struct highest h;
    size_t k = 0;

    (void)state;
    highest_init(&h);
    o.custom = &h.base;
    count_run(&o, 1, &r, NULL);
    assert_true(r.ndecisions > 0);
    assert_int_equal(h.calls, r.ndecisions);
    assert_int_equal(h.wrong_k, 0);
    for (k = 0; k < r.ndecisions; k++)
        assert_int_equal(r.decisions[k].chosen,
                         highest_other(r.decisions[k].runnable, -1));
    sched_sim_result_free(&r);
}

/* Forced choices come first; the custom strategy makes the others. */
static void test_sim_custom_strategy_after_forced(void **state)
{
    struct sched_sim_options o = in_order_opts();
    struct sched_sim_result base;
    struct sched_sim_result r;
    struct highest h;
    int8_t forced[1];

    (void)state;
    highest_init(&h);
    o.custom = &h.base;
    count_run(&o, 1, &base, NULL);
    assert_true(base.decisions[0].chosen != lowest(base.decisions[0].runnable));
    forced[0] = (int8_t)lowest(base.decisions[0].runnable);
    o.forced = forced;
    o.nforced = 1;
    highest_init(&h);
    count_run(&o, 1, &r, NULL);
    assert_int_equal(r.diverged, 0);
    assert_int_equal(r.decisions[0].chosen, forced[0]);
    assert_int_equal(h.calls, r.ndecisions - 1);
    assert_int_equal(h.wrong_k, 1); /* its first call was decision 1 */
    sched_sim_result_free(&base);
    sched_sim_result_free(&r);
}

/* SCHED_RANDOM and SCHED_IN_ORDER are strategy.h's, choice for choice. */
static void test_sim_builtin_strategies_are_strategy_h(void **state)
{
    struct sched_sim_result a;
    struct sched_sim_result b;
    struct strategy_random random;
    struct sched_sim_options o;
    int way = 0;

    (void)state;
    for (way = 0; way < 2; way++) {
        o = way ? random_opts(42) : in_order_opts();
        count_run(&o, 0, &a, NULL);
        o = random_opts(7); /* custom wins over strategy and seed */
        o.custom =
            way ? strategy_random_init(&random, 42) : strategy_in_order_get();
        count_run(&o, 0, &b, NULL);
        assert_true(a.ndecisions > 0);
        assert_same_decisions(&a, &b);
        sched_sim_result_free(&a);
        sched_sim_result_free(&b);
    }
}

static void test_sim_strategy_in_order_rule(void **state)
{
    (void)state;
    assert_int_equal(strategy_in_order(0x6, 2), 2);  /* current goes on */
    assert_int_equal(strategy_in_order(0x6, 0), 1);  /* else the lowest */
    assert_int_equal(strategy_in_order(0x6, -1), 1); /* it blocked */
    assert_int_equal(strategy_in_order(UINT64_C(1) << 63, -1), 63);
    assert_int_equal(strategy_in_order(0, 0), -1);
}

/* A prefix follows what fits, notes the first that does not, asks then. */
static void test_sim_strategy_prefix_diverges_once(void **state)
{
    const int8_t forced[] = {3, -1, 5, 0};
    struct strategy_prefix p;
    const struct strategy *s =
        strategy_prefix_init(&p, forced, 4, strategy_in_order_get());

    (void)state;
    assert_int_equal(s->choose(s->self, 0xa, 1, 0), 3);
    assert_int_equal(s->choose(s->self, 0xa, 1, 1), 1); /* -1: in order */
    assert_int_equal(p.diverged, 0);
    assert_int_equal(s->choose(s->self, 0xa, 1, 2), 1); /* 5 cannot run */
    assert_int_equal(p.diverged, 1);
    assert_int_equal(p.diverged_at, 2);
    assert_int_equal(s->choose(s->self, 0xa, 1, 3), 1); /* nor 0 */
    assert_int_equal(p.diverged_at, 2);
    assert_int_equal(s->choose(s->self, 0xa, -1, 9), 1); /* past the end */
    strategy_prefix_init(&p, forced, 4, strategy_in_order_get());
    strategy_prefix_end(&p, 4);
    assert_int_equal(p.diverged, 0);
    strategy_prefix_end(&p, 3); /* the run ended before forced[3] */
    assert_int_equal(p.diverged, 1);
    assert_int_equal(p.diverged_at, 3);
}

/* A strategy of one's own that chooses a thread that cannot run. */
static int stuck_choose(void *self, uint64_t runnable, int current, size_t k)
{
    (void)self;
    (void)current;
    (void)k;
    return highest_other(~runnable, -1);
}

static void test_sim_strategy_choosing_a_blocked_thread_aborts(void **state)
{
    struct sched_sim_options o = in_order_opts();
    const struct strategy stuck = {stuck_choose, NULL};
    struct count c;
    char err[512];

    (void)state;
    o.custom = &stuck;
    count_init(&c, 1);
    assert_true(run_in_child(&o, count_root, &c, err, sizeof err));
    assert_has(err, "duplex: the strategy chose thread 63, which cannot run");
    count_destroy(&c);
}

/* ------------------------------------------------------------------ */
/* sched_sim_result_free                                              */
/* ------------------------------------------------------------------ */

static void test_sim_result_free(void **state)
{
    struct sched_sim_options o = random_opts(4);
    struct sched_sim_result r;

    (void)state;
    sched_sim_result_free(NULL);
    count_run(&o, 1, &r, NULL);
    assert_non_null(r.decisions);
    assert_true(r.ndecisions > 0);
    sched_sim_result_free(&r);
    assert_null(r.decisions);
    assert_int_equal(r.ndecisions, 0);
    sched_sim_result_free(&r); /* a second free is harmless */
    assert_null(r.decisions);
}

/* A sleep past the end of (virtual) time ends there: no overflow. */
static enum status sleep_forever_root(void *arg)
{
    int64_t *after = arg;

    sched_sleep_ns(INT64_MAX);
    *after = sched_now_ns();
    return STATUS_OK;
}

static void test_sim_sleep_forever_does_not_wrap(void **state)
{
    struct sched_sim_options o;
    struct sched_sim_result r;
    enum status st = STATUS_UNKNOWN;
    int64_t after = 0;

    (void)state;
    memset(&o, 0, sizeof o);
    o.strategy = SCHED_IN_ORDER;
    assert_int_equal(sched_sim_run(&o, sleep_forever_root, &after, &st, &r),
                     STATUS_OK);
    assert_int_equal(st, STATUS_OK);
    assert_true(after > 1000000000);
    assert_int_equal(r.now_ns, after);
    sched_sim_result_free(&r);
}

/* ------------------------------------------------------------------ */
/* Livelocks: the step budget stops the run and says who kept running */
/* ------------------------------------------------------------------ */

struct livelock {
    struct sched_mutex mu;
    struct sched_cond never; /* nobody signals it */
    int stop;                /* nobody sets it */
    int waiter_woke;         /* the waiter came out of its wait */
};

/* Polls a flag under a lock, forever: nobody ever sets it. */
static enum status spin_forever(void *arg)
{
    struct livelock *l = arg;
    int stop = 0;

    while (!stop) {
        sched_mutex_lock(&l->mu);
        stop = l->stop;
        sched_mutex_unlock(&l->mu);
    }
    return STATUS_OK;
}

static enum status wait_forever(void *arg)
{
    struct livelock *l = arg;

    sched_mutex_lock(&l->mu);
    sched_cond_wait(&l->never, &l->mu);
    l->waiter_woke = 1;
    sched_mutex_unlock(&l->mu);
    return STATUS_OK;
}

static enum status livelock_root(void *arg)
{
    struct sched_thread t[3];

    sched_thread_start(&t[0], "spin/1", spin_forever, arg);
    sched_thread_start(&t[1], "spin/2", spin_forever, arg);
    sched_thread_start(&t[2], "waiter", wait_forever, arg);
    sched_thread_join(&t[0]);
    sched_thread_join(&t[1]);
    sched_thread_join(&t[2]);
    return STATUS_OK;
}

/* Runs livelock_root under o with a fresh state; returns main's status. */
static enum status run_livelock(struct sched_sim_options *o,
                                struct sched_sim_result *r)
{
    struct livelock l;
    enum status st = STATUS_OK;

    memset(&l, 0, sizeof l);
    sched_mutex_init(&l.mu);
    sched_cond_init(&l.never);
    o->max_steps = 10000;
    st = run(o, livelock_root, &l, r);
    assert_int_equal(l.waiter_woke, 0);
    /* The stopped threads still hold what they held: nothing reuses l. */
    sched_cond_destroy(&l.never);
    sched_mutex_destroy(&l.mu);
    return st;
}

static void test_sim_livelock_is_reported_not_aborted(void **state)
{
    struct sched_sim_options o = random_opts(3);
    struct sched_sim_result r;
    struct sched_mutex mu;

    (void)state;
    /* Random choices: both spinners keep taking steps to the end. */
    assert_int_equal(run_livelock(&o, &r), STATUS_ABORTED);
    assert_int_equal(r.livelocked, 1);
    assert_int_equal(r.deadlocked, 0);
    assert_int_equal(r.steps, 10000);
    assert_string_equal(r.report,
                        "livelock: after 10000 steps (the budget), spin/1 and "
                        "spin/2 kept running (each took steps in the last "
                        "1000); main waits for spin/1 to finish; waiter "
                        "waits for a condition variable. Does a loop poll "
                        "for something that never comes, or call recv again "
                        "after EOF?");
    assert_decisions_sane(&r);
    sched_sim_result_free(&r);

    /* In order: spin/1 never lets go, and spin/2 never gets a turn. */
    o = in_order_opts();
    assert_int_equal(run_livelock(&o, &r), STATUS_ABORTED);
    assert_int_equal(r.livelocked, 1);
    assert_has(r.report, "livelock: after 10000 steps (the budget), spin/1 "
                         "kept running (took steps in the last 1000); main "
                         "waits for spin/1 to finish; spin/2 could run but "
                         "was not chosen; waiter could run but was not "
                         "chosen.");
    sched_sim_result_free(&r);

    /* The simulator is whole again: the next run runs to its end. */
    o = in_order_opts();
    sched_mutex_init(&mu);
    assert_int_equal(run(&o, spin_root, &mu, &r), STATUS_OK);
    assert_int_equal(r.steps, 201);
    assert_int_equal(r.livelocked, 0);
    assert_string_equal(r.report, "");
    sched_sim_result_free(&r);
    sched_mutex_destroy(&mu);
}

/* A run that ends is no livelock, however many steps it took. */
static void test_sim_budget_not_reached_is_no_livelock(void **state)
{
    struct sched_sim_options o = random_opts(5);
    struct sched_sim_result r;
    struct sched_mutex mu;

    (void)state;
    sched_mutex_init(&mu);
    o.max_steps = 201;
    assert_int_equal(run(&o, spin_root, &mu, &r), STATUS_OK);
    assert_int_equal(r.livelocked, 0);
    assert_int_equal(r.steps, 201);
    sched_sim_result_free(&r);
    sched_mutex_destroy(&mu);
}

/* A diverged run says at which decision the schedule stopped fitting. */
static void test_sim_diverged_at_names_the_decision(void **state)
{
    struct sched_sim_options o = in_order_opts();
    struct sched_sim_result base;
    struct sched_sim_result r;
    int8_t *forced = NULL;
    size_t n = 0;

    (void)state;
    count_run(&o, 1, &base, NULL);
    assert_true(base.ndecisions > 4);
    /* A thread the run never started, at decision 3. */
    run_forced_at(3, SCHED_SIM_MAX_THREADS - 1, &r);
    assert_int_equal(r.diverged, 1);
    assert_int_equal(r.diverged_at, 3);
    sched_sim_result_free(&r);

    /* Past the run's last decision: the first such choice is named. */
    n = base.ndecisions + 5;
    forced = malloc(n);
    assert_non_null(forced);
    memset(forced, -1, n);
    forced[base.ndecisions + 2] = 0;
    forced[base.ndecisions + 4] = 1;
    o.forced = forced;
    o.nforced = n;
    count_run(&o, 1, &r, NULL);
    assert_int_equal(r.diverged, 1);
    assert_int_equal(r.diverged_at, base.ndecisions + 2);
    sched_sim_result_free(&r);

    /* Both: the one inside the run comes first. */
    forced[1] = SCHED_SIM_MAX_THREADS - 1;
    count_run(&o, 1, &r, NULL);
    assert_int_equal(r.diverged_at, 1);
    sched_sim_result_free(&r);
    free(forced);
    sched_sim_result_free(&base);
}

/*
 * No run within the default budget reaches decision SCHED_SIM_MAX_STEPS
 * (one decision a step at most), so a schedule that names it is refused
 * before anything is allocated for it.
 */
static void test_sim_parse_is_bounded_by_the_budget(void **state)
{
    int8_t *forced = NULL;
    size_t n = 0;

    (void)state;
    assert_int_equal(sched_schedule_parse("10000000:1", &forced, &n),
                     STATUS_INVALID_ARGUMENT);
    assert_int_equal(sched_schedule_parse("100000000:1", &forced, &n),
                     STATUS_INVALID_ARGUMENT);
    assert_int_equal(sched_schedule_parse("3:1,10000000:0", &forced, &n),
                     STATUS_INVALID_ARGUMENT);
    assert_null(forced);
    assert_int_equal(sched_schedule_parse("9999999:1", &forced, &n), STATUS_OK);
    assert_int_equal(n, SCHED_SIM_MAX_STEPS);
    assert_int_equal(forced[SCHED_SIM_MAX_STEPS - 1], 1);
    free(forced);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_sleep_forever_does_not_wrap),
        cmocka_unit_test(test_sim_basics),
        cmocka_unit_test(test_sim_run_waits_for_unjoined_threads),
        cmocka_unit_test(test_sim_single_thread_records_no_decision),
        cmocka_unit_test(test_sim_mutex_keeps_every_increment),
        cmocka_unit_test(test_sim_without_mutex_the_count_races),
        cmocka_unit_test(test_sim_same_seed_same_run),
        cmocka_unit_test(test_sim_different_seeds_different_runs),
        cmocka_unit_test(test_sim_in_order_ignores_seed),
        cmocka_unit_test(test_sim_in_order_never_switches_from_runnable),
        cmocka_unit_test(test_sim_forced_choices_are_followed),
        cmocka_unit_test(test_sim_forced_minus_one_follows_strategy),
        cmocka_unit_test(test_sim_forced_not_runnable_diverges),
        cmocka_unit_test(test_sim_forced_out_of_range_diverges),
        cmocka_unit_test(test_sim_forced_past_last_decision_diverges),
        cmocka_unit_test(test_sim_schedule_round_trip),
        cmocka_unit_test(test_sim_schedule_of_in_order_run_is_dash),
        cmocka_unit_test(test_sim_format_hand_built),
        cmocka_unit_test(test_sim_format_truncates_to_cap),
        cmocka_unit_test(test_sim_parse_valid),
        cmocka_unit_test(test_sim_parse_invalid),
        cmocka_unit_test(test_sim_parse_then_run),
        cmocka_unit_test(test_sim_sleep_moves_virtual_time_only),
        cmocka_unit_test(test_sim_timedwait_times_out_at_deadline),
        cmocka_unit_test(test_sim_timedwait_woken_before_deadline),
        cmocka_unit_test(test_sim_timed_out_waiter_retakes_mutex),
        cmocka_unit_test(test_sim_timed_out_waiter_leaves_the_queue),
        cmocka_unit_test(test_sim_past_deadline_returns_at_once),
        cmocka_unit_test(test_sim_sleepers_wake_in_deadline_order),
        cmocka_unit_test(test_sim_sleeper_is_no_deadlock),
        cmocka_unit_test(test_sim_deadlock_two_waiters),
        cmocka_unit_test(test_sim_deadlock_report_describes_and_hints),
        cmocka_unit_test(test_sim_deadlock_report_truncated),
        cmocka_unit_test(test_sim_deadlock_report_names_lock_holder),
        cmocka_unit_test(test_sim_deadlock_of_joins_aborts_with_report),
        cmocka_unit_test(test_sim_signal_wakes_one_in_fifo_order),
        cmocka_unit_test(test_sim_broadcast_wakes_all_signal_one),
        cmocka_unit_test(test_sim_unlock_and_signal_are_steps_without_switch),
        cmocka_unit_test(test_sim_quiet_mutex_is_no_scheduling_point),
        cmocka_unit_test(test_sim_quiet_mutex_in_os_mode),
        cmocka_unit_test(test_sim_thread_limit),
        cmocka_unit_test(test_sim_max_steps_guard),
        cmocka_unit_test(test_sim_mutex_misuse_aborts),
        cmocka_unit_test(test_sim_custom_strategy_makes_every_decision),
        cmocka_unit_test(test_sim_custom_strategy_after_forced),
        cmocka_unit_test(test_sim_builtin_strategies_are_strategy_h),
        cmocka_unit_test(test_sim_strategy_in_order_rule),
        cmocka_unit_test(test_sim_strategy_prefix_diverges_once),
        cmocka_unit_test(test_sim_strategy_choosing_a_blocked_thread_aborts),
        cmocka_unit_test(test_sim_result_free),
        cmocka_unit_test(test_sim_livelock_is_reported_not_aborted),
        cmocka_unit_test(test_sim_budget_not_reached_is_no_livelock),
        cmocka_unit_test(test_sim_diverged_at_names_the_decision),
        cmocka_unit_test(test_sim_parse_is_bounded_by_the_budget),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * sched: POSIX threads and CLOCK_MONOTONIC (OS mode), and the deterministic
 * scheduler (SIM mode).
 *
 * Design, OS mode
 *   Each wrapper calls one pthread function and aborts if it fails, naming
 *   the call, so a misuse stops the program at the line that did it instead
 *   of corrupting state.
 *
 * Design, SIM mode
 *   A simulated run (struct sim) owns its threads (struct sched_fiber). Each
 *   is a user-level context (ucontext: its own stack and saved registers),
 *   and all of them take turns on the one OS thread that called
 *   sched_sim_run. At each scheduling point the running thread calls
 *   schedule(), which picks who runs next (the strategy, or a forced choice)
 *   and switches to it with swapcontext. So the simulated mutexes and
 *   condition variables need no atomics: only one thread ever runs, and a
 *   switch costs about as much as a function call and one system call,
 *   instead of a futex wake-up and a trip through the kernel's scheduler.
 *
 *   A simulated thread runs on a worker: a context with an mmap'ed stack
 *   (a guard page below it) whose loop runs one thread's function, then
 *   parks. Parked workers wait in a per-OS-thread pool for the next thread
 *   to run, since exploration starts tens of thousands of runs a second,
 *   and a worker that parks at the same depth every time keeps the
 *   sanitizers' shadow stacks balanced. ASan, TSan and Valgrind are told
 *   about every stack and every switch, so they follow each thread.
 *
 *   A simulated thread is RUNNABLE, BLOCKED (on a mutex, a condition, a
 *   sleep or a join) or DONE. When nothing is runnable:
 *     - if someone waits with a deadline, virtual time jumps to the earliest
 *       one and those waiters wake (timed out);
 *     - else, if someone is blocked, that is a deadlock: the report is
 *       written, and every condition waiter wakes with STATUS_DEADLOCK; from
 *       then on every condition wait returns STATUS_DEADLOCK at once, so the
 *       code unwinds, joins its threads and ends;
 *     - else everyone is done, and control goes back to sched_sim_run.
 *   Every step counts against the run's budget (max_steps). The step that
 *   would pass it stops the run as a livelock: the report is written and
 *   the running thread switches straight back to sched_sim_run, leaving
 *   every unfinished thread where it is. Their workers are unmapped, not
 *   parked: a stack stopped in mid-call cannot run another thread.
 *
 *   The thread-local pointer self names the running thread (OS and SIM); it
 *   is the only per-thread state in duplex.
 *
 * Locking (SIM mode)
 *   None: a run's state is touched only by the simulated thread that is
 *   running, on the OS thread that called sched_sim_run.
 */
/*
 * MAP_ANONYMOUS and the ucontext calls are outside POSIX 2008, and so is
 * glibc's adaptive mutex (see sched_mutex_init).
 */
#define _GNU_SOURCE

#include "core/sched.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SCHED_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define SCHED_TSAN 1
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCHED_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define SCHED_TSAN 1
#endif
#endif
#ifdef SCHED_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef SCHED_TSAN
#include <sanitizer/tsan_interface.h>
#endif
/* Valgrind follows a switch to another stack only if told where stacks are. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef VALGRIND_STACK_REGISTER
#define VALGRIND_STACK_REGISTER(start, end) 0
#define VALGRIND_STACK_DEREGISTER(id) ((void)(id))
#endif

static _Thread_local struct sched_thread *self;

static void check(int rc, const char *what)
{
    if (rc == 0)
        return;
    fprintf(stderr, "duplex: %s failed: %s\n", what, strerror(rc));
    abort();
}

/* ---- SIM mode: the simulated world ------------------------------------- */

enum fiber_state { FIBER_RUNNABLE, FIBER_BLOCKED, FIBER_DONE };
enum block_kind {
    BLOCK_NONE,
    BLOCK_MUTEX,
    BLOCK_COND,
    BLOCK_SLEEP,
    BLOCK_JOIN
};

struct sim;

/* Where a simulated thread runs: see worker_get. */
struct worker {
    ucontext_t ctx;        /* its registers while it is not running */
    char *base;            /* the guard page; the stack is the rest */
    unsigned vg_id;        /* Valgrind's name for the stack (0 outside it) */
    void *asan_fake_stack; /* ASan's bookkeeping across a switch */
    void *tsan_fiber;      /* TSan's record of the context (costly to make) */
};

struct sched_fiber {
    struct sim *sim;
    struct sched_thread *thread; /* the caller's record: fn, arg, result */
    char name[SCHED_NAME_MAX];
    int id; /* start order; main is 0 */
    enum fiber_state state;
    enum block_kind block;
    struct sched_mutex *mutex;       /* BLOCK_MUTEX: the one it waits for */
    struct sched_cond *cond;         /* BLOCK_COND: the one it waits on */
    struct sched_fiber *target;      /* BLOCK_JOIN: the one it waits for */
    int64_t deadline;                /* BLOCK_COND / BLOCK_SLEEP */
    enum status woke;                /* OK, DEADLINE_EXCEEDED or DEADLOCK */
    struct sched_fiber *next_waiter; /* in cond->waiters */
    struct worker *w;                /* where it runs */
    uint64_t last_step;              /* the run's step count at its last step */
};

struct sim {
    ucontext_t main_ctx;         /* sched_sim_run's, while fibers run */
    const void *main_stack;      /* its stack, for ASan (bottom, size) */
    size_t main_stack_size;
    void *main_fake_stack;
    void *main_tsan_fiber;
    struct sched_thread *caller; /* self in sched_sim_run's context */
    struct sched_fiber *running; /* NULL: sched_sim_run's own context */
    struct sched_fiber *fibers[SCHED_SIM_MAX_THREADS];
    int nfibers;
    const struct sched_sim_options *opts;
    uint64_t rng;
    uint64_t max_steps;
    int64_t now;
    int unwinding;               /* a deadlock was found: waits fail */
    struct sched_fiber *stopper; /* the thread whose step passed max_steps */
    struct sched_sim_result *r;
    size_t decisions_cap;
    int failed; /* out of memory while recording */
};

/* The fiber of the calling thread, or NULL in OS mode. */
static struct sched_fiber *me(void)
{
    return self != NULL ? self->fiber : NULL;
}

int sched_simulated(void)
{
    return me() != NULL;
}

uint64_t sched_sim_step(void)
{
    struct sched_fiber *f = me();

    return f != NULL ? f->sim->r->steps : 0;
}

/* xorshift64*: small, fast, and the same on every machine. */
static uint64_t next_random(struct sim *sim)
{
    sim->rng ^= sim->rng >> 12;
    sim->rng ^= sim->rng << 25;
    sim->rng ^= sim->rng >> 27;
    return sim->rng * 2685821657736338717ULL;
}

/* ---- SIM mode: stacks and switches ------------------------------------- */

/*
 * Workers: a stack of SCHED_STACK_SIZE bytes above one PROT_NONE guard page
 * (an overflow faults at once instead of writing over a neighbour), and the
 * context that runs on it. A worker is used again rather than unmapped: an
 * mmap, its page faults and a TSan fiber cost more than a whole short run.
 * A parked worker is suspended inside worker_main's loop, so its context
 * must stay where it is: the pool holds pointers.
 */
#define STACK_GUARD 4096
#define WORKER_POOL SCHED_SIM_MAX_THREADS

static _Thread_local struct worker *worker_pool[WORKER_POOL];
static _Thread_local int workers_parked;

static void worker_main(void);

#ifdef SCHED_TSAN
/*
 * In the child of a fork, TSan no longer knows the parent's fibers, so the
 * parked workers cannot run there: leave them (only under TSan).
 */
static void forget_workers(void)
{
    workers_parked = 0;
}

static void watch_forks(void)
{
    check(pthread_atfork(NULL, NULL, forget_workers), "pthread_atfork");
}

static pthread_once_t forks_watched = PTHREAD_ONCE_INIT;
#endif

/* Makes *ctx a context that enters worker_main on stack. */
static void make_context(ucontext_t *ctx, char *stack)
{
    /* getcontext returns only once here: nothing is ever switched to it. */
    if (getcontext(ctx) != 0)
        check(errno, "getcontext");
    ctx->uc_stack.ss_sp = stack;
    ctx->uc_stack.ss_size = SCHED_STACK_SIZE;
    ctx->uc_link = NULL; /* worker_main never returns */
    makecontext(ctx, worker_main, 0);
}

static struct worker *worker_get(void)
{
    struct worker *w = NULL;

#ifdef SCHED_TSAN
    check(pthread_once(&forks_watched, watch_forks), "pthread_once");
#endif
    if (workers_parked > 0)
        return worker_pool[--workers_parked];
    w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->base = mmap(NULL, STACK_GUARD + SCHED_STACK_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (w->base == MAP_FAILED) {
        free(w);
        return NULL;
    }
    if (mprotect(w->base, STACK_GUARD, PROT_NONE) != 0)
        check(errno, "mprotect");
    w->vg_id = VALGRIND_STACK_REGISTER(w->base + STACK_GUARD,
                                       w->base + STACK_GUARD + SCHED_STACK_SIZE);
#ifdef SCHED_TSAN
    w->tsan_fiber = __tsan_create_fiber(0);
#endif
    make_context(&w->ctx, w->base + STACK_GUARD);
    return w;
}

static void worker_free(struct worker *w)
{
    VALGRIND_STACK_DEREGISTER(w->vg_id);
#ifdef SCHED_TSAN
    __tsan_destroy_fiber(w->tsan_fiber);
#endif
    if (munmap(w->base, STACK_GUARD + SCHED_STACK_SIZE) != 0)
        check(errno, "munmap");
    free(w);
}

/*
 * Frees the worker of a thread stopped in mid-call (a livelock). Under ASan
 * its stack still holds the poisoned red zones of the calls it was in:
 * unpoison them, or a later mapping at that address would seem to
 * overflow.
 */
static void worker_discard(struct worker *w)
{
#ifdef SCHED_ASAN
    __asan_unpoison_memory_region(w->base + STACK_GUARD, SCHED_STACK_SIZE);
#endif
    worker_free(w);
}

/*
 * The pool goes when its OS thread does: at thread exit (a key's
 * destructor) or, for the thread that calls exit, at exit. So Valgrind
 * and LeakSanitizer find nothing left over.
 */
static void workers_release(void)
{
    while (workers_parked > 0)
        worker_free(worker_pool[--workers_parked]);
}

static void workers_release_key(void *unused)
{
    (void)unused;
    workers_release();
}

static pthread_key_t pool_key;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void pool_setup(void)
{
    check(pthread_key_create(&pool_key, workers_release_key),
          "pthread_key_create");
    if (atexit(workers_release) != 0)
        check(ENOMEM, "atexit");
}

/* Parks w, whose thread is done, for the next run (or unmaps it). */
static void worker_put(struct worker *w)
{
    if (workers_parked == WORKER_POOL) {
        worker_free(w);
        return;
    }
    check(pthread_once(&pool_once, pool_setup), "pthread_once");
    if (workers_parked == 0) /* a non-NULL value makes the destructor run */
        check(pthread_setspecific(pool_key, worker_pool), "pthread_setspecific");
    worker_pool[workers_parked++] = w;
}

/*
 * swapcontext, except under ASan: its interceptor only warns that it cannot
 * follow the switch, and switch_to tells it about every switch itself. So
 * go around it with the two calls it does not intercept: getcontext
 * returns a second time when someone loads save, and then back is 1.
 */
static void swap(ucontext_t *save, const ucontext_t *load)
{
#ifdef SCHED_ASAN
    volatile int back = 0;

    if (getcontext(save) != 0)
        check(errno, "getcontext");
    if (back)
        return;
    back = 1;
    setcontext(load);
    check(errno, "setcontext"); /* setcontext returns only on failure */
#else
    if (swapcontext(save, load) != 0)
        check(errno, "swapcontext");
#endif
}

#ifdef SCHED_ASAN
/*
 * Tells ASan the switch is over. The first switch of a run comes from
 * sched_sim_run's context: that is when its stack becomes known.
 */
static void asan_arrived(struct sim *sim, void *fake_stack)
{
    const void *bottom = NULL;
    size_t size = 0;

    __sanitizer_finish_switch_fiber(fake_stack, &bottom, &size);
    if (sim->main_stack == NULL) {
        sim->main_stack = bottom;
        sim->main_stack_size = size;
    }
}
#endif

/*
 * Switches from the running context (fiber from, or sched_sim_run's when
 * NULL) to fiber to (or sched_sim_run's when NULL). Returns when someone
 * switches back to from's worker: for a thread that is done, when the
 * worker runs its next thread.
 */
static void switch_to(struct sim *sim, struct sched_fiber *from,
                      struct sched_fiber *to)
{
    ucontext_t *save = from != NULL ? &from->w->ctx : &sim->main_ctx;
    ucontext_t *load = to != NULL ? &to->w->ctx : &sim->main_ctx;
#ifdef SCHED_ASAN
    void **fake = from != NULL ? &from->w->asan_fake_stack
                               : &sim->main_fake_stack;
#endif

    sim->running = to;
    self = to != NULL ? to->thread : sim->caller;
#ifdef SCHED_ASAN
    __sanitizer_start_switch_fiber(
        fake, to != NULL ? to->w->base + STACK_GUARD : sim->main_stack,
        to != NULL ? SCHED_STACK_SIZE : sim->main_stack_size);
#endif
#ifdef SCHED_TSAN
    __tsan_switch_to_fiber(to != NULL ? to->w->tsan_fiber
                                      : sim->main_tsan_fiber,
                           0);
#endif
    swap(save, load);
    /*
     * Back, maybe in a later run: a worker resumes here with its next
     * thread, so from and sim may name a run that is over. Only the worker
     * (fake points into it) and self are current.
     */
#ifdef SCHED_ASAN
    asan_arrived(from != NULL ? self->fiber->sim : sim, *fake);
#endif
}

static void make_runnable(struct sched_fiber *f, enum status woke)
{
    f->state = FIBER_RUNNABLE;
    f->block = BLOCK_NONE;
    f->woke = woke;
}

/* Removes f from the waiters of the condition it waits on. */
static void unlink_waiter(struct sched_fiber *f)
{
    struct sched_fiber **pp = &f->cond->waiters;

    while (*pp != NULL && *pp != f)
        pp = &(*pp)->next_waiter;
    if (*pp == f)
        *pp = f->next_waiter;
    f->next_waiter = NULL;
}

/* Wakes the waiters whose deadline has come (virtual time). */
static int wake_expired(struct sim *sim)
{
    int woken = 0;
    int i = 0;

    for (i = 0; i < sim->nfibers; i++) {
        struct sched_fiber *f = sim->fibers[i];
        int timed = f->state == FIBER_BLOCKED &&
                    (f->block == BLOCK_COND || f->block == BLOCK_SLEEP);

        if (!timed || f->deadline > sim->now)
            continue;
        if (f->block == BLOCK_COND)
            unlink_waiter(f);
        make_runnable(f, f->block == BLOCK_COND ? STATUS_DEADLINE_EXCEEDED
                                                : STATUS_OK);
        woken++;
    }
    return woken;
}

/* The earliest deadline of a waiting thread, or SCHED_NO_DEADLINE. */
static int64_t earliest_deadline(const struct sim *sim)
{
    int64_t when = SCHED_NO_DEADLINE;
    int i = 0;

    for (i = 0; i < sim->nfibers; i++) {
        const struct sched_fiber *f = sim->fibers[i];

        if (f->state == FIBER_BLOCKED &&
            (f->block == BLOCK_COND || f->block == BLOCK_SLEEP) &&
            f->deadline < when)
            when = f->deadline;
    }
    return when;
}

/* ---- SIM mode: the deadlock report -------------------------------------- */

static void describe_wait(const struct sched_fiber *f, char *buf, size_t cap,
                          enum sched_wait_kind *kind)
{
    *kind = SCHED_WAIT_OTHER;
    switch (f->block) {
    case BLOCK_COND:
        if (f->cond->describe != NULL)
            *kind = f->cond->describe(f->cond->describe_obj, buf, cap);
        else
            snprintf(buf, cap, "a condition variable");
        break;
    case BLOCK_MUTEX:
        snprintf(buf, cap, "a lock held by %s",
                 f->mutex->owner != NULL ? f->mutex->owner->name : "nobody");
        break;
    case BLOCK_JOIN: snprintf(buf, cap, "%s to finish", f->target->name); break;
    case BLOCK_SLEEP:
    case BLOCK_NONE: snprintf(buf, cap, "nothing"); break;
    }
}

static void append(char *buf, size_t cap, const char *text)
{
    size_t len = strlen(buf);

    if (len + 1 < cap)
        snprintf(buf + len, cap - len, "%s", text);
}

/*
 * Writes "deadlock: A waits for X; B waits for Y." and a hint. Joins are
 * left out when anything else is waited for: they only follow from it.
 */
static void write_report(struct sim *sim)
{
    char *out = sim->r->report;
    char what[192];
    char line[256];
    int counts[3] = {0, 0, 0};
    int listed = 0;
    int pass = 0;
    int i = 0;

    snprintf(out, SCHED_REPORT_MAX, "deadlock: ");
    for (pass = 0; pass < 2 && listed == 0; pass++) {
        for (i = 0; i < sim->nfibers; i++) {
            const struct sched_fiber *f = sim->fibers[i];
            enum sched_wait_kind kind = SCHED_WAIT_OTHER;

            if (f->state != FIBER_BLOCKED ||
                (pass == 0 && f->block == BLOCK_JOIN))
                continue;
            describe_wait(f, what, sizeof what, &kind);
            if (kind != SCHED_WAIT_DATA && kind != SCHED_WAIT_ROOM)
                kind = SCHED_WAIT_OTHER; /* a callback's stray value */
            counts[kind]++;
            snprintf(line, sizeof line, "%s%s waits for %s", listed ? "; " : "",
                     f->name, what);
            append(out, SCHED_REPORT_MAX, line);
            listed++;
        }
    }
    append(out, SCHED_REPORT_MAX, ".");
    if (counts[SCHED_WAIT_DATA] > 0 && counts[SCHED_WAIT_ROOM] == 0 &&
        counts[SCHED_WAIT_OTHER] == 0)
        append(out, SCHED_REPORT_MAX,
               " Nobody can write: did the client forget "
               "stream_close_send?");
    else if (counts[SCHED_WAIT_ROOM] > 0 && counts[SCHED_WAIT_DATA] == 0)
        append(out, SCHED_REPORT_MAX,
               " Nobody reads: is a receiver missing, or blocked itself?");
}

/* Nothing can run and nothing will time out: wake every condition waiter. */
static int break_deadlock(struct sim *sim)
{
    int woken = 0;
    int i = 0;

    if (!sim->unwinding) {
        sim->unwinding = 1;
        sim->r->deadlocked = 1;
        write_report(sim);
    }
    for (i = 0; i < sim->nfibers; i++) {
        struct sched_fiber *f = sim->fibers[i];

        if (f->state == FIBER_BLOCKED && f->block == BLOCK_COND) {
            unlink_waiter(f);
            make_runnable(f, STATUS_DEADLOCK);
            woken++;
        }
    }
    return woken;
}

/* Appends the i-th of n names: "a", "a and b", "a, b and c". */
static void append_name(char *buf, size_t cap, const char *name, int i, int n)
{
    append(buf, cap, i == 0 ? "" : i == n - 1 ? " and " : ", ");
    append(buf, cap, name);
}

/* f has not finished and took a step in the last window steps. */
static int kept_running(const struct sched_fiber *f, uint64_t steps,
                        uint64_t window)
{
    return f->state != FIBER_DONE && f->last_step + window > steps;
}

/*
 * Writes "livelock: after N steps (the budget), A and B kept running (each
 * took steps in the last W); C waits for X." and a hint. A thread kept
 * running when it took a step in the last tenth of the budget.
 */
static void write_livelock_report(struct sim *sim)
{
    char *out = sim->r->report;
    uint64_t steps = sim->r->steps;
    uint64_t window = sim->max_steps >= 10 ? sim->max_steps / 10 : 1;
    enum sched_wait_kind kind = SCHED_WAIT_OTHER;
    char what[192];
    char line[256];
    int running = 0;
    int listed = 0;
    int i = 0;

    for (i = 0; i < sim->nfibers; i++)
        running += kept_running(sim->fibers[i], steps, window);
    snprintf(out, SCHED_REPORT_MAX, "livelock: after %llu steps (the budget), ",
             (unsigned long long)steps);
    for (i = 0; i < sim->nfibers; i++)
        if (kept_running(sim->fibers[i], steps, window))
            append_name(out, SCHED_REPORT_MAX, sim->fibers[i]->name, listed++,
                        running);
    snprintf(line, sizeof line, " kept running (%s steps in the last %llu)",
             running == 1 ? "took" : "each took", (unsigned long long)window);
    append(out, SCHED_REPORT_MAX, line);
    for (i = 0; i < sim->nfibers; i++) {
        const struct sched_fiber *f = sim->fibers[i];

        if (f->state == FIBER_DONE || kept_running(f, steps, window))
            continue;
        if (f->state == FIBER_BLOCKED) {
            describe_wait(f, what, sizeof what, &kind);
            snprintf(line, sizeof line, "; %s waits for %s", f->name, what);
        } else {
            snprintf(line, sizeof line, "; %s could run but was not chosen",
                     f->name);
        }
        append(out, SCHED_REPORT_MAX, line);
    }
    append(out, SCHED_REPORT_MAX,
           ". Does a loop poll for something that never comes, or call "
           "recv again after EOF?");
}

/* ---- SIM mode: choosing who runs next ----------------------------------- */

static void record(struct sim *sim, uint64_t runnable, int current, int chosen)
{
    struct sched_sim_result *r = sim->r;

    if (r->ndecisions == sim->decisions_cap) {
        size_t cap = sim->decisions_cap ? sim->decisions_cap * 2 : 256;
        struct sched_decision *grown =
            realloc(r->decisions, cap * sizeof *grown);

        if (grown == NULL) {
            sim->failed = 1;
            return;
        }
        r->decisions = grown;
        sim->decisions_cap = cap;
    }
    r->decisions[r->ndecisions].runnable = runnable;
    r->decisions[r->ndecisions].current = (int8_t)current;
    r->decisions[r->ndecisions].chosen = (int8_t)chosen;
    r->ndecisions++;
}

/* The in-order choice: the current thread if it can go on, else the first. */
static int in_order(uint64_t runnable, int current)
{
    int i = 0;

    if (current >= 0 && (runnable >> current & 1))
        return current;
    for (i = 0; i < SCHED_SIM_MAX_THREADS; i++)
        if (runnable >> i & 1)
            return i;
    return -1;
}

/* The forced choice at decision k did not fit; the first one is kept. */
static void note_diverged(struct sched_sim_result *r, size_t k)
{
    if (!r->diverged)
        r->diverged_at = k;
    r->diverged = 1;
}

static int pick(struct sim *sim, uint64_t runnable, int current)
{
    size_t k = sim->r->ndecisions;
    const struct sched_sim_options *o = sim->opts;
    int count = 0;
    int n = 0;
    int i = 0;

    if (k < o->nforced && o->forced[k] >= 0) {
        if (o->forced[k] < SCHED_SIM_MAX_THREADS &&
            (runnable >> o->forced[k] & 1))
            return o->forced[k];
        note_diverged(sim->r, k);
    }
    if (o->strategy == SCHED_IN_ORDER)
        return in_order(runnable, current);
    for (i = 0; i < SCHED_SIM_MAX_THREADS; i++)
        count += (int)(runnable >> i & 1);
    n = (int)(next_random(sim) % (uint64_t)count);
    for (i = 0; i < SCHED_SIM_MAX_THREADS; i++)
        if ((runnable >> i & 1) && n-- == 0)
            return i;
    return -1;
}

/*
 * Finds the set of threads that can run, moving virtual time or breaking a
 * deadlock when there are none. Returns 0 when everyone is done.
 */
static uint64_t runnable_set(struct sim *sim)
{
    for (;;) {
        uint64_t set = 0;
        int blocked = 0;
        int i = 0;

        for (i = 0; i < sim->nfibers; i++) {
            set |= (uint64_t)(sim->fibers[i]->state == FIBER_RUNNABLE) << i;
            blocked += sim->fibers[i]->state == FIBER_BLOCKED;
        }
        if (set != 0 || blocked == 0)
            return set;
        if (earliest_deadline(sim) != SCHED_NO_DEADLINE) {
            sim->now = earliest_deadline(sim);
            wake_expired(sim);
        } else if (break_deadlock(sim) == 0) {
            fprintf(stderr,
                    "duplex: simulated threads are stuck on locks "
                    "or joins after a deadlock: %s\n",
                    sim->r->report);
            abort();
        }
    }
}

/* 1 when every thread of the run is done (the last one is exiting). */
static int all_done(const struct sim *sim)
{
    int i = 0;

    for (i = 0; i < sim->nfibers; i++)
        if (sim->fibers[i]->state != FIBER_DONE)
            return 0;
    return 1;
}

/*
 * The run has taken its budget of steps and f wants another: a livelock.
 * Writes the report and goes back to sched_sim_run for good, leaving every
 * unfinished thread (f too) where it is.
 */
static void stop_livelocked(struct sim *sim, struct sched_fiber *f)
{
    f->last_step = sim->r->steps; /* it is running now */
    sim->r->livelocked = 1;
    sim->stopper = f;
    write_livelock_report(sim);
    switch_to(sim, f, NULL);
    /* Nobody switches back to a stopped thread: its worker is unmapped. */
    abort();
}

/*
 * A step that never switches: unlock, signal and broadcast. In code whose
 * shared state is under locks, a switch right after them can always be
 * moved to the next lock, wait or exit, so exploring it there too would
 * only repeat schedules. A step past the budget is not taken: the run
 * stops instead, unless it is the last thread's exit (a run that ends is
 * no livelock).
 */
static void step(struct sched_fiber *f)
{
    struct sim *sim = f->sim;

    if (sim->r->steps >= sim->max_steps && !all_done(sim))
        stop_livelocked(sim, f);
    f->last_step = ++sim->r->steps;
}

/*
 * A scheduling point: the calling thread f (runnable, blocked or done)
 * lets the scheduler choose who runs next, and waits for its turn again
 * unless it is done.
 */
static void schedule(struct sched_fiber *f)
{
    struct sim *sim = f->sim;
    uint64_t set = runnable_set(sim);
    int current = f->state == FIBER_RUNNABLE ? f->id : -1;
    struct sched_fiber *next = NULL;
    int chosen = 0;

    step(f);
    if (set == 0) { /* everyone is done: f is the last, and is DONE */
        switch_to(sim, f, NULL);
        return;
    }
    chosen = (set & (set - 1)) == 0 ? in_order(set, current)
                                    : pick(sim, set, current);
    if ((set & (set - 1)) != 0)
        record(sim, set, current, chosen);
    next = sim->fibers[chosen];
    if (next != f)
        switch_to(sim, f, next);
}

/* Blocks the calling fiber until made runnable; returns why it woke. */
static enum status block(struct sched_fiber *f)
{
    f->state = FIBER_BLOCKED;
    schedule(f);
    return f->woke;
}

/* ---- SIM mode: the primitives ------------------------------------------- */

static void sim_mutex_lock(struct sched_fiber *f, struct sched_mutex *m)
{
    schedule(f);
    while (m->owner != NULL) {
        if (m->owner == f) {
            fprintf(stderr, "duplex: %s locks a mutex it holds\n", f->name);
            abort();
        }
        f->block = BLOCK_MUTEX;
        f->mutex = m;
        block(f);
    }
    m->owner = f;
}

void sched_sim_point(void)
{
    struct sched_fiber *f = me();

    if (f != NULL) { /* sim_mutex_lock and sim_mutex_unlock, with no mutex */
        schedule(f);
        step(f);
    }
}

static void release(struct sim *sim, struct sched_mutex *m)
{
    int i = 0;

    m->owner = NULL;
    for (i = 0; i < sim->nfibers; i++) {
        struct sched_fiber *w = sim->fibers[i];

        if (w->state == FIBER_BLOCKED && w->block == BLOCK_MUTEX &&
            w->mutex == m)
            make_runnable(w, STATUS_OK);
    }
}

static void sim_mutex_unlock(struct sched_fiber *f, struct sched_mutex *m)
{
    if (m->owner != f) {
        fprintf(stderr, "duplex: %s unlocks a mutex it does not hold\n",
                f->name);
        abort();
    }
    release(f->sim, m);
    step(f);
}

static enum status sim_cond_wait(struct sched_fiber *f, struct sched_cond *c,
                                 struct sched_mutex *m, int64_t deadline)
{
    struct sched_fiber **pp = &c->waiters;
    enum status woke = STATUS_OK;

    if (f->sim->unwinding)
        return STATUS_DEADLOCK;
    if (deadline != SCHED_NO_DEADLINE && deadline <= f->sim->now)
        return STATUS_DEADLINE_EXCEEDED;
    release(f->sim, m);
    while (*pp != NULL)
        pp = &(*pp)->next_waiter;
    *pp = f;
    f->next_waiter = NULL;
    f->block = BLOCK_COND;
    f->cond = c;
    f->deadline = deadline;
    woke = block(f);
    while (m->owner != NULL) {
        f->block = BLOCK_MUTEX;
        f->mutex = m;
        block(f);
    }
    m->owner = f;
    return woke;
}

static void sim_cond_wake(struct sched_fiber *f, struct sched_cond *c, int all)
{
    while (c->waiters != NULL) {
        struct sched_fiber *w = c->waiters;

        c->waiters = w->next_waiter;
        w->next_waiter = NULL;
        make_runnable(w, STATUS_OK);
        if (!all)
            break;
    }
    step(f);
}

static void sim_sleep(struct sched_fiber *f, int64_t ns)
{
    f->block = BLOCK_SLEEP;
    /* A sleep past the end of time ends just before it: no overflow. */
    f->deadline = ns < SCHED_NO_DEADLINE - f->sim->now ? f->sim->now + ns
                                                       : SCHED_NO_DEADLINE - 1;
    block(f);
}

/*
 * A worker's loop: run the thread that switch_to has just made self, let
 * everyone else go on, and park, which returns when the worker is given its
 * next thread (in this run's pool or a later run's).
 */
static void worker_main(void)
{
#ifdef SCHED_ASAN
    asan_arrived(self->fiber->sim, NULL); /* later arrivals: in switch_to */
#endif
    for (;;) {
        struct sched_fiber *f = self->fiber;
        struct sim *sim = f->sim;
        int i = 0;

        f->thread->result = f->thread->fn(f->thread->arg);
        f->state = FIBER_DONE;
        for (i = 0; i < sim->nfibers; i++) {
            struct sched_fiber *w = sim->fibers[i];

            if (w->state == FIBER_BLOCKED && w->block == BLOCK_JOIN &&
                w->target == f)
                make_runnable(w, STATUS_OK);
        }
        schedule(f); /* f is done: comes back with the worker's next thread */
    }
}

static enum status new_fiber(struct sim *sim, struct sched_thread *t,
                             struct sched_fiber **out)
{
    struct sched_fiber *f = NULL;

    if (sim->nfibers == SCHED_SIM_MAX_THREADS)
        return STATUS_RESOURCE_EXHAUSTED;
    f = calloc(1, sizeof *f);
    if (f == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    f->w = worker_get();
    if (f->w == NULL) {
        free(f);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    f->sim = sim;
    f->thread = t;
    f->id = sim->nfibers;
    f->state = FIBER_RUNNABLE;
    snprintf(f->name, sizeof f->name, "%s", t->name);
#ifdef SCHED_TSAN
    __tsan_set_fiber_name(f->w->tsan_fiber, f->name);
#endif
    t->fiber = f;
    sim->fibers[sim->nfibers++] = f;
    *out = f;
    return STATUS_OK;
}

static enum status sim_thread_start(struct sched_fiber *f,
                                    struct sched_thread *t)
{
    struct sched_fiber *child = NULL;
    enum status st = new_fiber(f->sim, t, &child);

    if (st != STATUS_OK)
        return st;
    schedule(f);
    return STATUS_OK;
}

static void sim_thread_join(struct sched_fiber *f, struct sched_thread *t)
{
    while (t->fiber->state != FIBER_DONE) {
        f->block = BLOCK_JOIN;
        f->target = t->fiber;
        block(f);
    }
}

/* ---- SIM mode: running a simulation ------------------------------------- */

static void sim_free(struct sim *sim)
{
    int i = 0;

    for (i = 0; i < sim->nfibers; i++) {
        struct sched_fiber *f = sim->fibers[i];

        /* A thread stopped in mid-call (a livelock) leaves no usable stack. */
        if (f->state == FIBER_DONE && f != sim->stopper)
            worker_put(f->w);
        else
            worker_discard(f->w);
        free(f);
    }
}

enum status sched_sim_run(const struct sched_sim_options *o, sched_fn fn,
                          void *arg, enum status *out_status,
                          struct sched_sim_result *r)
{
    struct sim sim;
    struct sched_thread main_thread;
    struct sched_fiber *root = NULL;
    enum status st = STATUS_OK;

    memset(r, 0, sizeof *r);
    memset(&sim, 0, sizeof sim);
    memset(&main_thread, 0, sizeof main_thread);
    sim.opts = o;
    sim.r = r;
    sim.rng = o->seed * 2 + 1; /* xorshift needs a non-zero state */
    sim.max_steps = o->max_steps ? o->max_steps : SCHED_SIM_MAX_STEPS;
    sim.now = 1000000000; /* virtual time starts at 1 s, never at 0 */
    sim.caller = self;
#ifdef SCHED_TSAN
    sim.main_tsan_fiber = __tsan_get_current_fiber();
#endif
    main_thread.fn = fn;
    main_thread.arg = arg;
    snprintf(main_thread.name, sizeof main_thread.name, "main");
    st = new_fiber(&sim, &main_thread, &root);
    if (st == STATUS_OK) {
        /* Comes back when every simulated thread is done, or stopped. */
        switch_to(&sim, NULL, root);
        *out_status = r->livelocked ? STATUS_ABORTED : main_thread.result;
        r->now_ns = sim.now;
        /*
         * Forced choices past the last decision of a run that ended did not
         * fit it (a stopped run might have come to them).
         */
        for (size_t k = r->ndecisions; k < o->nforced && !r->livelocked; k++)
            if (o->forced[k] >= 0) {
                note_diverged(r, k);
                break;
            }
    }
    sim_free(&sim);
    if (st == STATUS_OK && sim.failed)
        st = STATUS_RESOURCE_EXHAUSTED;
    return st;
}

void sched_sim_result_free(struct sched_sim_result *r)
{
    if (r == NULL)
        return;
    free(r->decisions);
    r->decisions = NULL;
    r->ndecisions = 0;
}

size_t sched_schedule_format(const struct sched_decision *d, size_t n,
                             char *buf, size_t cap)
{
    size_t len = 0;
    size_t k = 0;

    if (cap == 0)
        return 0;
    buf[0] = '\0';
    for (k = 0; k < n && len + 1 < cap; k++) {
        if (d[k].chosen == in_order(d[k].runnable, d[k].current))
            continue;
        len += (size_t)snprintf(buf + len, cap - len, "%s%zu:%d",
                                len ? "," : "", k, d[k].chosen);
    }
    if (len == 0)
        len = (size_t)snprintf(buf, cap, "-");
    return len < cap ? len : cap - 1;
}

enum status sched_schedule_parse(const char *s, int8_t **out_forced,
                                 size_t *out_n)
{
    int8_t *forced = NULL;
    size_t n = 0;
    long long last = -1;
    const char *p = s;

    if (strcmp(s, "-") == 0) {
        *out_forced = NULL;
        *out_n = 0;
        return STATUS_OK;
    }
    while (*p != '\0') {
        char *end = NULL;
        long long k = 0;
        long long t = 0;

        /* Digits only: strtoll alone would take blanks and signs too. */
        if (*p < '0' || *p > '9')
            goto bad;
        k = strtoll(p, &end, 10);
        if (*end != ':' || k <= last || k >= SCHED_SIM_MAX_STEPS)
            goto bad;
        p = end + 1;
        if (*p < '0' || *p > '9')
            goto bad;
        t = strtoll(p, &end, 10);
        if (t >= SCHED_SIM_MAX_THREADS || (*end != ',' && *end != '\0'))
            goto bad;
        if ((size_t)k >= n) {
            int8_t *grown = realloc(forced, (size_t)k + 1);

            if (grown == NULL) {
                free(forced);
                return STATUS_RESOURCE_EXHAUSTED;
            }
            memset(grown + n, -1, (size_t)k + 1 - n);
            forced = grown;
            n = (size_t)k + 1;
        }
        forced[k] = (int8_t)t;
        last = k;
        p = *end == ',' ? end + 1 : end;
        if (*end == ',' && *p == '\0')
            goto bad;
    }
    if (n == 0)
        goto bad;
    *out_forced = forced;
    *out_n = n;
    return STATUS_OK;
bad:
    free(forced);
    return STATUS_INVALID_ARGUMENT;
}

/* ---- the wrappers: SIM mode when the caller is simulated, else OS ------- */

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
    check(pthread_mutexattr_init(&attr), "pthread_mutexattr_init");
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
    check(pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP),
          "pthread_mutexattr_settype");
#endif
    check(pthread_mutex_init(&m->mu, &attr), "pthread_mutex_init");
    check(pthread_mutexattr_destroy(&attr), "pthread_mutexattr_destroy");
}

void sched_mutex_init_quiet(struct sched_mutex *m)
{
    sched_mutex_init(m);
    m->quiet = 1;
}

void sched_mutex_destroy(struct sched_mutex *m)
{
    check(pthread_mutex_destroy(&m->mu), "pthread_mutex_destroy");
}

void sched_mutex_lock(struct sched_mutex *m)
{
    struct sched_fiber *f = me();

    if (f != NULL && m->quiet)
        return; /* one thread runs at a time: nothing to exclude */
    if (f != NULL)
        sim_mutex_lock(f, m);
    else
        check(pthread_mutex_lock(&m->mu), "pthread_mutex_lock");
}

void sched_mutex_unlock(struct sched_mutex *m)
{
    struct sched_fiber *f = me();

    if (f != NULL && m->quiet)
        return;
    if (f != NULL)
        sim_mutex_unlock(f, m);
    else
        check(pthread_mutex_unlock(&m->mu), "pthread_mutex_unlock");
}

void sched_cond_init(struct sched_cond *c)
{
    pthread_condattr_t attr;

    c->waiters = NULL;
    c->describe = NULL;
    c->describe_obj = NULL;
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
    struct sched_fiber *f = me();
    struct timespec ts;
    int rc = 0;

    if (f != NULL)
        return sim_cond_wait(f, c, m, deadline_ns);
    if (deadline_ns == SCHED_NO_DEADLINE) {
        check(pthread_cond_wait(&c->cv, &m->mu), "pthread_cond_wait");
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
    struct sched_fiber *f = me();

    if (f != NULL)
        sim_cond_wake(f, c, 0);
    else
        check(pthread_cond_signal(&c->cv), "pthread_cond_signal");
}

void sched_cond_broadcast(struct sched_cond *c)
{
    struct sched_fiber *f = me();

    if (f != NULL)
        sim_cond_wake(f, c, 1);
    else
        check(pthread_cond_broadcast(&c->cv), "pthread_cond_broadcast");
}

int64_t sched_now_ns(void)
{
    struct sched_fiber *f = me();
    struct timespec ts;

    if (f != NULL)
        return f->sim->now;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        check(errno, "clock_gettime");
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sched_sleep_ns(int64_t ns)
{
    struct sched_fiber *f = me();
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

    self = t;
    t->result = t->fn(t->arg);
    return NULL;
}

enum status sched_thread_start(struct sched_thread *t, const char *name,
                               sched_fn fn, void *arg)
{
    struct sched_fiber *f = me();
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
    check(pthread_attr_init(&attr), "pthread_attr_init");
    check(pthread_attr_setstacksize(&attr, SCHED_STACK_SIZE),
          "pthread_attr_setstacksize");
    rc = pthread_create(&t->tid, &attr, trampoline, t);
    check(pthread_attr_destroy(&attr), "pthread_attr_destroy");
    if (rc == EAGAIN) {
        errno = rc; /* the caller's message can say why */
        return STATUS_RESOURCE_EXHAUSTED;
    }
    check(rc, "pthread_create");
    return STATUS_OK;
}

enum status sched_thread_join(struct sched_thread *t)
{
    struct sched_fiber *f = me();

    if (t->joined) /* pthread_join twice is undefined: answer again */
        return t->result;
    if (f != NULL)
        sim_thread_join(f, t);
    else
        check(pthread_join(t->tid, NULL), "pthread_join");
    t->joined = 1;
    return t->result;
}

const char *sched_self_name(void)
{
    return self != NULL ? self->name : "main";
}

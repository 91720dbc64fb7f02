/*
 * sim: the deterministic simulator behind sched's SIM mode.
 *
 * Design
 *   A simulated run (struct sim) owns its threads (struct sched_fiber).
 *   Each runs on a worker of its own (fiber.h: a stack and a context), and
 *   all of them take turns on the one OS thread that called sched_sim_run.
 *   At each scheduling point the running thread calls schedule(), which
 *   asks the run's strategy (strategy.h) who runs next and switches to it.
 *   So the simulated mutexes and condition variables need no atomics: only
 *   one thread ever runs, and a switch costs about as much as a function
 *   call and one system call, instead of a futex wake-up and a trip
 *   through the kernel's scheduler.
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
 *   every unfinished thread where it is. Their workers are discarded, not
 *   parked: a stack stopped in mid-call cannot run another thread.
 *
 * Locking
 *   None: a run's state is touched only by the simulated thread that is
 *   running, on the OS thread that called sched_sim_run.
 */
#include "core/sim.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fiber.h"
#include "core/note.h"
#include "core/sched_internal.h"
#include "core/strategy.h"

enum fiber_state { FIBER_RUNNABLE, FIBER_BLOCKED, FIBER_DONE };
enum block_kind {
    BLOCK_NONE,
    BLOCK_MUTEX,
    BLOCK_COND,
    BLOCK_SLEEP,
    BLOCK_JOIN
};

struct sim;

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
    struct fiber_worker *w;          /* where it runs */
    uint64_t last_step;              /* the run's step count at its last step */
    int ran;                         /* its function has started */
    struct note note; /* what it is doing, when the run keeps notes */
};

struct sim {
    struct fiber_ctx main_ctx;   /* sched_sim_run's, while threads run */
    struct sched_thread *caller; /* sched_self in sched_sim_run's context */
    struct sched_fiber *fibers[SCHED_SIM_MAX_THREADS];
    int nfibers;
    const struct strategy *strategy; /* who runs next, at each decision */
    uint64_t max_steps;
    int64_t now;
    int unwinding;               /* a deadlock was found: waits fail */
    struct sched_fiber *stopper; /* the thread whose step passed max_steps */
    struct sched_sim_result *r;
    size_t decisions_cap;
    int failed; /* out of memory while recording */
    int notes;  /* keep each thread's note (sched_sim_options.notes) */
};

int sched_simulated(void)
{
    return sched_me() != NULL;
}

uint64_t sched_sim_step(void)
{
    struct sched_fiber *f = sched_me();

    return f != NULL ? f->sim->r->steps : 0;
}

size_t sched_sim_decisions(void)
{
    struct sched_fiber *f = sched_me();

    return f != NULL ? f->sim->r->ndecisions : 0;
}

int64_t sim_now(const struct sched_fiber *f)
{
    return f->sim->now;
}

/*
 * Switches from the running thread (from, or sched_sim_run's context when
 * NULL) to to (or sched_sim_run's context when NULL). Returns when someone
 * switches back to from's worker: for a thread that is done, when the
 * worker runs its next thread, maybe in a later run.
 */
static void switch_to(struct sim *sim, struct sched_fiber *from,
                      struct sched_fiber *to)
{
    sched_self = to != NULL ? to->thread : sim->caller;
    fiber_switch(from != NULL ? &from->w->ctx : &sim->main_ctx,
                 to != NULL ? &to->w->ctx : &sim->main_ctx);
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

/* ---- the deadlock and livelock reports ---------------------------------- */

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

/* ---- choosing who runs next --------------------------------------------- */

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

/* A decision: the strategy chooses among two or more runnable threads. */
static int decide(struct sim *sim, uint64_t runnable, int current)
{
    const struct strategy *s = sim->strategy;
    int chosen = s->choose(s->self, runnable, current, sim->r->ndecisions);

    if (chosen < 0 || chosen >= SCHED_SIM_MAX_THREADS ||
        !(runnable >> chosen & 1)) {
        fprintf(stderr,
                "duplex: the strategy chose thread %d, which "
                "cannot run\n",
                chosen);
        abort();
    }
    record(sim, runnable, current, chosen);
    return chosen;
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
    /* Nobody switches back to a stopped thread: its worker is discarded. */
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
 * unless it is done. Only a choice among two or more is a decision.
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
    chosen = (set & (set - 1)) == 0 ? strategy_in_order(set, current)
                                    : decide(sim, set, current);
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

/* ---- the primitives ----------------------------------------------------- */

void sim_mutex_lock(struct sched_fiber *f, struct sched_mutex *m)
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
    struct sched_fiber *f = sched_me();

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

void sim_mutex_unlock(struct sched_fiber *f, struct sched_mutex *m)
{
    if (m->owner != f) {
        fprintf(stderr, "duplex: %s unlocks a mutex it does not hold\n",
                f->name);
        abort();
    }
    release(f->sim, m);
    step(f);
}

enum status sim_cond_wait(struct sched_fiber *f, struct sched_cond *c,
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

void sim_cond_wake(struct sched_fiber *f, struct sched_cond *c, int all)
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

void sim_sleep(struct sched_fiber *f, int64_t ns)
{
    f->block = BLOCK_SLEEP;
    /* A sleep past the end of time ends just before it: no overflow. */
    f->deadline = ns < SCHED_NO_DEADLINE - f->sim->now ? f->sim->now + ns
                                                       : SCHED_NO_DEADLINE - 1;
    block(f);
}

/*
 * A worker's loop: run the thread that switch_to has just made sched_self,
 * let everyone else go on, and park, which returns when the worker is
 * given its next thread (in this run or a later one).
 */
static void worker_main(void)
{
    fiber_started();
    for (;;) {
        struct sched_fiber *f = sched_self->fiber;
        struct sim *sim = f->sim;
        int i = 0;

        f->ran = 1;
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
    f->w = fiber_worker_get(worker_main);
    if (f->w == NULL) {
        free(f);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    f->sim = sim;
    f->thread = t;
    f->id = sim->nfibers;
    f->state = FIBER_RUNNABLE;
    snprintf(f->name, sizeof f->name, "%s", t->name);
    fiber_worker_name(f->w, f->name);
    t->fiber = f;
    sim->fibers[sim->nfibers++] = f;
    *out = f;
    return STATUS_OK;
}

enum status sim_thread_start(struct sched_fiber *f, struct sched_thread *t)
{
    struct sched_fiber *child = NULL;
    enum status st = new_fiber(f->sim, t, &child);

    if (st != STATUS_OK)
        return st;
    schedule(f);
    return STATUS_OK;
}

void sim_thread_join(struct sched_fiber *f, struct sched_thread *t)
{
    while (t->fiber->state != FIBER_DONE) {
        f->block = BLOCK_JOIN;
        f->target = t->fiber;
        block(f);
    }
}

/* ---- notes, and the threads as a strategy sees them -------------------- */

struct note *sim_note(struct sched_fiber *f)
{
    return f->sim->notes ? &f->note : NULL;
}

int strategy_thread_count(void)
{
    struct sched_fiber *f = sched_me();

    assert(f != NULL); /* only from a choose, inside the run */
    return f->sim->nfibers;
}

/* What a blocked thread waits for, and in which operation. */
static void write_blocked(const struct sched_fiber *f, char *buf, size_t cap)
{
    enum sched_wait_kind kind = SCHED_WAIT_OTHER;
    char what[192];

    if (f->block == BLOCK_SLEEP)
        snprintf(what, sizeof what, "virtual time %lld ms (it sleeps)",
                 (long long)((f->deadline - 1000000000) / 1000000));
    else
        describe_wait(f, what, sizeof what, &kind);
    snprintf(buf, cap, "waits for ");
    append(buf, cap, what);
    if (f->note.op[0] != '\0' && !f->note.ended) { /* the call, not its part */
        append(buf, cap, ", in ");
        append(buf, cap, f->note.op);
    }
}

void strategy_thread_get(int i, struct strategy_thread *out)
{
    struct sched_fiber *me = sched_me();
    const struct sched_fiber *f = NULL;

    assert(me != NULL && i >= 0 && i < me->sim->nfibers);
    f = me->sim->fibers[i];
    snprintf(out->name, sizeof out->name, "%s", f->name);
    out->state = f->state == FIBER_RUNNABLE  ? STRATEGY_THREAD_RUNNABLE
                 : f->state == FIBER_BLOCKED ? STRATEGY_THREAD_BLOCKED
                                             : STRATEGY_THREAD_DONE;
    if (f->state == FIBER_DONE)
        snprintf(out->doing, sizeof out->doing, "finished");
    else if (f->state == FIBER_BLOCKED)
        write_blocked(f, out->doing, sizeof out->doing);
    else if (!f->ran)
        snprintf(out->doing, sizeof out->doing, "has not started yet");
    else
        note_write(&f->note, out->doing, sizeof out->doing);
    if (out->doing[0] == '\0')
        snprintf(out->doing, sizeof out->doing, "runs its own code");
}

/* ---- running a simulation ----------------------------------------------- */

static void sim_free(struct sim *sim)
{
    int i = 0;

    for (i = 0; i < sim->nfibers; i++) {
        struct sched_fiber *f = sim->fibers[i];

        /* A thread stopped in mid-call (a livelock) leaves no usable stack. */
        if (f->state == FIBER_DONE && f != sim->stopper)
            fiber_worker_put(f->w);
        else
            fiber_worker_discard(f->w);
        free(f);
    }
}

/* Keeps the threads' names in r, by number, for what is said after the run. */
static void keep_names(const struct sim *sim, struct sched_sim_result *r)
{
    int i = 0;

    r->nthreads = sim->nfibers;
    for (i = 0; i < sim->nfibers; i++)
        memcpy(r->thread_names[i], sim->fibers[i]->name, SCHED_NAME_MAX);
}

/*
 * The run's strategy, from o: its own, or SCHED_IN_ORDER's or
 * SCHED_RANDOM's, under a prefix when choices are forced. The structs
 * that hold their state are the caller's.
 */
static const struct strategy *pick_strategy(const struct sched_sim_options *o,
                                            struct strategy_random *random,
                                            struct strategy_prefix *prefix)
{
    const struct strategy *s = o->custom;

    if (s == NULL && o->strategy == SCHED_IN_ORDER)
        s = strategy_in_order_get();
    else if (s == NULL)
        s = strategy_random_init(random, o->seed);
    if (o->nforced > 0)
        s = strategy_prefix_init(prefix, o->forced, o->nforced, s);
    return s;
}

enum status sched_sim_run(const struct sched_sim_options *o, sched_fn fn,
                          void *arg, enum status *out_status,
                          struct sched_sim_result *r)
{
    struct sim sim;
    struct sched_thread main_thread;
    struct sched_fiber *root = NULL;
    struct strategy_random random;
    struct strategy_prefix prefix;
    enum status st = STATUS_OK;

    memset(r, 0, sizeof *r);
    memset(&sim, 0, sizeof sim);
    memset(&main_thread, 0, sizeof main_thread);
    memset(&prefix, 0, sizeof prefix);
    sim.r = r;
    sim.strategy = pick_strategy(o, &random, &prefix);
    sim.max_steps = o->max_steps ? o->max_steps : SCHED_SIM_MAX_STEPS;
    sim.notes = o->notes;
    sim.now = 1000000000; /* virtual time starts at 1 s, never at 0 */
    sim.caller = sched_self;
    fiber_ctx_init_here(&sim.main_ctx);
    main_thread.fn = fn;
    main_thread.arg = arg;
    snprintf(main_thread.name, sizeof main_thread.name, "main");
    st = new_fiber(&sim, &main_thread, &root);
    if (st == STATUS_OK) {
        /* Comes back when every simulated thread is done, or stopped. */
        switch_to(&sim, NULL, root);
        *out_status = r->livelocked ? STATUS_ABORTED : main_thread.result;
        r->now_ns = sim.now;
        /* A stopped run might have come to the forced choices it did not. */
        if (o->nforced > 0 && !r->livelocked)
            strategy_prefix_end(&prefix, r->ndecisions);
        r->diverged = prefix.diverged;
        r->diverged_at = prefix.diverged_at;
    }
    keep_names(&sim, r);
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

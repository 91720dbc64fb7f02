/*
 * fiber: ucontext stacks for the simulator, a pool of them per OS thread,
 * and the glue that lets ASan, TSan and Valgrind follow a switch.
 *
 * Design
 *   A worker is a stack of SCHED_STACK_SIZE bytes above one PROT_NONE
 *   guard page (an overflow faults at once instead of writing over a
 *   neighbour), and a context that enters the simulator's loop on it. A
 *   worker is used again rather than unmapped. A parked worker is
 *   suspended inside its entry, so its context must stay where it is: the
 *   pool holds pointers. A worker that parks at the same depth every time
 *   keeps the sanitizers' shadow stacks balanced.
 *
 *   The sanitizers are told about each switch around the switch itself:
 *   ASan starts it (which stack comes next) and finishes it on arrival
 *   (which stack we came from); TSan switches its own fiber record;
 *   Valgrind knows every worker's stack from the start.
 *
 *   The pool goes when its OS thread does: at thread exit (a key's
 *   destructor) or, for the thread that calls exit, at exit. So Valgrind
 *   and LeakSanitizer find nothing left over.
 */
/*
 * MAP_ANONYMOUS and the ucontext calls are outside POSIX 2008.
 */
#define _GNU_SOURCE

#include "core/fiber.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "core/sched_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define FIBER_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define FIBER_TSAN 1
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBER_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define FIBER_TSAN 1
#endif
#endif
#ifdef FIBER_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef FIBER_TSAN
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

#define STACK_GUARD 4096
#define WORKER_POOL SCHED_SIM_MAX_THREADS

static _Thread_local struct fiber_worker *worker_pool[WORKER_POOL];
static _Thread_local int workers_parked;

#ifdef FIBER_ASAN
/* The context that switched last: on arrival, its stack may become known. */
static _Thread_local struct fiber_ctx *leaving;
#endif

#ifdef FIBER_TSAN
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
    sched_check(pthread_atfork(NULL, NULL, forget_workers), "pthread_atfork");
}

static pthread_once_t forks_watched = PTHREAD_ONCE_INIT;
#endif

void fiber_ctx_init_here(struct fiber_ctx *c)
{
    c->stack = NULL;
    c->stack_size = 0;
    c->asan_fake_stack = NULL;
    c->tsan_fiber = NULL;
#ifdef FIBER_TSAN
    c->tsan_fiber = __tsan_get_current_fiber();
#endif
}

/* Makes *ctx a context that enters entry on stack. */
static void make_context(ucontext_t *ctx, char *stack, void (*entry)(void))
{
    /* getcontext returns only once here: nothing is ever switched to it. */
    if (getcontext(ctx) != 0)
        sched_check(errno, "getcontext");
    ctx->uc_stack.ss_sp = stack;
    ctx->uc_stack.ss_size = SCHED_STACK_SIZE;
    ctx->uc_link = NULL; /* entry never returns */
    makecontext(ctx, entry, 0);
}

struct fiber_worker *fiber_worker_get(void (*entry)(void))
{
    struct fiber_worker *w = NULL;

#ifdef FIBER_TSAN
    sched_check(pthread_once(&forks_watched, watch_forks), "pthread_once");
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
        sched_check(errno, "mprotect");
    w->vg_id = VALGRIND_STACK_REGISTER(
        w->base + STACK_GUARD, w->base + STACK_GUARD + SCHED_STACK_SIZE);
    w->ctx.stack = w->base + STACK_GUARD;
    w->ctx.stack_size = SCHED_STACK_SIZE;
#ifdef FIBER_TSAN
    w->ctx.tsan_fiber = __tsan_create_fiber(0);
#endif
    make_context(&w->ctx.uc, w->base + STACK_GUARD, entry);
    return w;
}

static void worker_free(struct fiber_worker *w)
{
    VALGRIND_STACK_DEREGISTER(w->vg_id);
#ifdef FIBER_TSAN
    __tsan_destroy_fiber(w->ctx.tsan_fiber);
#endif
    if (munmap(w->base, STACK_GUARD + SCHED_STACK_SIZE) != 0)
        sched_check(errno, "munmap");
    free(w);
}

/*
 * Under ASan a stopped stack still holds the poisoned red zones of the
 * calls it was in: unpoison them, or a later mapping at that address would
 * seem to overflow.
 */
void fiber_worker_discard(struct fiber_worker *w)
{
#ifdef FIBER_ASAN
    __asan_unpoison_memory_region(w->base + STACK_GUARD, SCHED_STACK_SIZE);
#endif
    worker_free(w);
}

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
    sched_check(pthread_key_create(&pool_key, workers_release_key),
                "pthread_key_create");
    if (atexit(workers_release) != 0)
        sched_check(ENOMEM, "atexit");
}

void fiber_worker_put(struct fiber_worker *w)
{
    if (workers_parked == WORKER_POOL) {
        worker_free(w);
        return;
    }
    sched_check(pthread_once(&pool_once, pool_setup), "pthread_once");
    if (workers_parked == 0) /* a non-NULL value makes the destructor run */
        sched_check(pthread_setspecific(pool_key, worker_pool),
                    "pthread_setspecific");
    worker_pool[workers_parked++] = w;
}

void fiber_worker_name(struct fiber_worker *w, const char *name)
{
#ifdef FIBER_TSAN
    __tsan_set_fiber_name(w->ctx.tsan_fiber, name);
#else
    (void)w;
    (void)name;
#endif
}

/*
 * swapcontext, except under ASan: its interceptor only warns that it cannot
 * follow the switch, and fiber_switch tells it about every switch itself.
 * So go around it with the two calls it does not intercept: getcontext
 * returns a second time when someone loads save, and then back is 1.
 */
static void swap(ucontext_t *save, const ucontext_t *load)
{
#ifdef FIBER_ASAN
    volatile int back = 0;

    if (getcontext(save) != 0)
        sched_check(errno, "getcontext");
    if (back)
        return;
    back = 1;
    setcontext(load);
    sched_check(errno, "setcontext"); /* setcontext returns only on failure */
#else
    if (swapcontext(save, load) != 0)
        sched_check(errno, "swapcontext");
#endif
}

#ifdef FIBER_ASAN
/*
 * Tells ASan the switch to here is over. It says which stack we came from:
 * an OS thread's own stack becomes known this way, at the first switch
 * away from it.
 */
static void asan_arrived(void *fake_stack)
{
    const void *bottom = NULL;
    size_t size = 0;

    __sanitizer_finish_switch_fiber(fake_stack, &bottom, &size);
    if (leaving != NULL && leaving->stack == NULL) {
        leaving->stack = bottom;
        leaving->stack_size = size;
    }
}
#endif

void fiber_started(void)
{
#ifdef FIBER_ASAN
    asan_arrived(NULL); /* later arrivals: in fiber_switch */
#endif
}

void fiber_switch(struct fiber_ctx *from, struct fiber_ctx *to)
{
#ifdef FIBER_ASAN
    leaving = from;
    __sanitizer_start_switch_fiber(&from->asan_fake_stack, to->stack,
                                   to->stack_size);
#endif
#ifdef FIBER_TSAN
    __tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
    swap(&from->uc, &to->uc);
    /*
     * Back, maybe in a later run: a worker resumes here with its next
     * thread. from is still this context, and still valid.
     */
#ifdef FIBER_ASAN
    asan_arrived(from->asan_fake_stack);
#endif
}

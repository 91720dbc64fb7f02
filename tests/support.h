/*
 * support.h: the helpers the cmocka tests share.
 *
 * Include it after <cmocka.h> (some helpers assert). It uses only duplex's
 * public headers: sched.h for locks, condition variables, threads and
 * sleeps, pipe.h for a pipe's counters.
 *
 * How the tests deal with threads
 *
 *   Only the test's own thread asserts. A cmocka assert that fails on a
 *   worker thread longjmps into the test runner from the wrong thread's
 *   stack: undefined behaviour, and in practice the binary dies without a
 *   report. So a worker stores what it saw in a struct and returns; the
 *   test joins it, then asserts on the struct.
 *
 *   Threads are put in order with handshakes, never with sleeps. "Sleep
 *   10 ms, by then the worker must be waiting" is a guess about the
 *   scheduler, and a loaded machine, a CI runner or a sanitizer (TSan makes
 *   code 5 to 15 times slower) proves it wrong now and then: the test is
 *   flaky. A handshake makes the order a fact. With a latch, the worker
 *   opens it when it reaches a point and the test waits for that; the test
 *   cannot go on before the worker got there, however slow either is.
 *
 *   A latch tells the test that a worker got *to* a call. Often the test
 *   needs more: that the worker is blocked *inside* it ("the reader is
 *   asleep on the empty pipe; now close the pipe and see the reader wake").
 *   For that the tests poll state the library itself shows: pipe_get_stats()
 * counts in read_waits and write_waits the times a caller found the pipe empty
 * or full and waited. The counter goes up under the pipe's lock just before the
 * wait, so once the test sees it move, the worker is asleep or about to be, and
 * whatever the test does next under that lock (a write, a close, a deadline)
 * must wake it. The short sleep between two polls only paces the loop; no
 * result depends on how long it is.
 *
 *   Every poll gives up after a generous bound (about 20 s) and says so, so
 *   a broken library fails the test instead of hanging it.
 *
 * Helpers marked "test thread only" assert; a worker may call the others.
 * Every helper is static inline: each test binary compiles in what it uses,
 * and a helper it does not use draws no -Wunused-function warning.
 */
#ifndef TESTS_SUPPORT_H
#define TESTS_SUPPORT_H

#ifndef cmocka_unit_test
#error "include <cmocka.h> before support.h"
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pipe.h"
#include "core/sched.h"
#include "core/status.h"

/* ------------------------------------------------------------------ */
/* Handshakes                                                         */
/* ------------------------------------------------------------------ */

/*
 * A one-shot gate: latch_wait blocks until somebody calls latch_open, and
 * returns at once ever after. Any thread may open or wait (neither
 * asserts). The flag is what makes it safe: a latch_open that comes before
 * the latch_wait is not lost, as a bare condition signal would be.
 */
struct latch {
    struct sched_mutex mu;
    struct sched_cond cv;
    int open; /* guarded by mu */
};

static inline void latch_init(struct latch *l)
{
    sched_mutex_init(&l->mu);
    sched_cond_init(&l->cv);
    l->open = 0;
}

/* Once no thread uses the latch any more. */
static inline void latch_destroy(struct latch *l)
{
    sched_cond_destroy(&l->cv);
    sched_mutex_destroy(&l->mu);
}

/* Opens the gate and wakes every thread waiting at it. */
static inline void latch_open(struct latch *l)
{
    sched_mutex_lock(&l->mu);
    l->open = 1;
    sched_cond_broadcast(&l->cv);
    sched_mutex_unlock(&l->mu);
}

/* Blocks until the gate is open (the loop absorbs spurious wake-ups). */
static inline void latch_wait(struct latch *l)
{
    sched_mutex_lock(&l->mu);
    while (!l->open)
        sched_cond_wait(&l->cv, &l->mu);
    sched_mutex_unlock(&l->mu);
}

/* ------------------------------------------------------------------ */
/* Threads                                                            */
/* ------------------------------------------------------------------ */

/*
 * Starts fn(arg) on a new thread named name, and fails the test if it
 * cannot. *t must live until sched_thread_join(t), which returns what fn
 * returned. Test thread only.
 */
static inline void start_thread(struct sched_thread *t, const char *name,
                                sched_fn fn, void *arg)
{
    assert_int_equal(sched_thread_start(t, name, fn, arg), STATUS_OK);
}

/* ------------------------------------------------------------------ */
/* Waiting until a thread is blocked in a pipe                        */
/* ------------------------------------------------------------------ */

/* Time between two looks at a pipe's counters, and how many looks at most. */
#define POLL_NS INT64_C(100000)
#define POLL_TRIES 200000

/* Which of a pipe's wait counters to watch. */
enum pipe_wait { WAIT_READ, WAIT_WRITE };

/*
 * Polls p until its read_waits or write_waits counter reaches n. Returns 1
 * then, or 0 if it never did within POLL_TRIES polls (about 20 s). Does not
 * assert: the caller writes assert_true(await_read_waits(p, 1)).
 */
static inline int await_waits(struct pipe *p, enum pipe_wait kind, uint64_t n)
{
    int polls = 0;

    for (polls = 0; polls < POLL_TRIES; polls++) {
        struct pipe_stats ps = pipe_get_stats(p);

        if ((kind == WAIT_READ ? ps.read_waits : ps.write_waits) >= n)
            return 1;
        sched_sleep_ns(POLL_NS);
    }
    return 0;
}

/*
 * Returns 1 once threads have waited in pipe_read on p n times in all
 * (n = 1: a reader found p empty and is blocked), 0 if that never happens.
 */
static inline int await_read_waits(struct pipe *p, uint64_t n)
{
    return await_waits(p, WAIT_READ, n);
}

/* The same for pipe_write: a writer found p full and is blocked. */
static inline int await_write_waits(struct pipe *p, uint64_t n)
{
    return await_waits(p, WAIT_WRITE, n);
}

/* ------------------------------------------------------------------ */
/* Pipes and test bytes                                               */
/* ------------------------------------------------------------------ */

/* A pipe of cap bytes named "test", without a trace. Test thread only. */
static inline struct pipe *new_pipe(size_t cap)
{
    struct pipe *p = NULL;

    assert_int_equal(pipe_create(cap, "test", NULL, &p), STATUS_OK);
    assert_non_null(p);
    return p;
}

/*
 * The byte at position i of a test stream. The i / 251 term shifts the
 * 256-byte cycle of i * 31 every 251 bytes, so a byte lost, doubled or out
 * of place shows as a mismatch, even one a whole cycle away.
 */
static inline uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 31 + i / 251);
}

/*
 * A new buffer holding pattern(0) .. pattern(len - 1), to free(); NULL when
 * out of memory. It never asserts, so a worker may call it (it allocates 1
 * byte for len 0, so that NULL always means failure).
 */
static inline uint8_t *pattern_bytes(size_t len)
{
    uint8_t *buf = malloc(len > 0 ? len : 1);
    size_t i = 0;

    if (buf != NULL)
        for (i = 0; i < len; i++)
            buf[i] = pattern(i);
    return buf;
}

/* ------------------------------------------------------------------ */
/* Output printed into memory                                         */
/* ------------------------------------------------------------------ */

/*
 * A FILE * whose output lands in memory (open_memstream), for code that
 * prints: sink_open gives the stream, sink_text closes it and gives what
 * was printed (NUL-terminated, len bytes), sink_free frees that text.
 * Test thread only.
 */
struct sink {
    FILE *f;
    char *text;
    size_t len;
};

static inline FILE *sink_open(struct sink *s)
{
    memset(s, 0, sizeof *s);
    s->f = open_memstream(&s->text, &s->len);
    assert_non_null(s->f);
    return s->f;
}

/* Closes the stream; the text stays until sink_free. */
static inline const char *sink_text(struct sink *s)
{
    assert_int_equal(fclose(s->f), 0);
    s->f = NULL;
    return s->text;
}

static inline void sink_free(struct sink *s)
{
    free(s->text);
    s->text = NULL;
}

/* ------------------------------------------------------------------ */
/* Checking text                                                      */
/* ------------------------------------------------------------------ */

/* Fails the test, showing text, unless words occur in it. Test thread only. */
static inline void assert_has(const char *text, const char *words)
{
    if (strstr(text, words) == NULL)
        fail_msg("missing \"%s\" in:\n%s", words, text);
}

/* The number of '\n' in text. */
static inline int count_lines(const char *text)
{
    int n = 0;

    for (; *text != '\0'; text++)
        n += *text == '\n';
    return n;
}

#endif /* TESTS_SUPPORT_H */

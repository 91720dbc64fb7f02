/*
 * test_pipe: the bounded byte pipe, case by case, at several capacities.
 *
 * Most cases run at three capacities: 1 byte (every byte is a hand-off),
 * 3 bytes (smaller than a gRPC frame header) and 64 KiB (nothing blocks
 * unless a test fills it on purpose).
 *
 * Threads
 *   Only the test's own thread asserts. A worker makes one pipe call, stores
 *   what it got in its struct and returns the status; the test joins it and
 *   checks. To know a worker is blocked inside pipe_read or pipe_write, the
 *   test polls the pipe's read_waits or write_waits counter: the counter is
 *   raised under the pipe's lock just before the worker waits, so once the
 *   test sees it, the worker is asleep or about to be, and anything the test
 *   does next under that lock will wake it (await_read_waits and
 *   await_write_waits, in support.h). No test relies on a sleep being long
 *   enough.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/pipe.h"
#include "core/sched.h"
#include "core/status.h"
#include "support.h"
#include "core/trace.h"

static const size_t caps[] = {1, 3, 65536};

#define NCAPS (sizeof caps / sizeof caps[0])

/* Runs check once at each capacity in caps. */
static void for_each_cap(void (*check)(size_t cap))
{
    size_t i = 0;

    for (i = 0; i < NCAPS; i++)
        check(caps[i]);
}

/* What out_n holds before a call, to see whether the call touched it. */
#define UNTOUCHED ((size_t)0x5e5e5e5e)

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* pattern_bytes on the test thread: out of memory fails the test. */
static uint8_t *pattern_alloc(size_t len)
{
    uint8_t *buf = pattern_bytes(len);

    assert_non_null(buf);
    return buf;
}

static int64_t past_deadline(void)
{
    return sched_now_ns() - 1000;
}

static int64_t deadline_in_ms(int64_t ms)
{
    return sched_now_ns() + ms * 1000000;
}

/* Reads exactly len bytes on the test thread, asserting each read is OK. */
static void read_exactly(struct pipe *p, uint8_t *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        size_t n = UNTOUCHED;

        assert_int_equal(pipe_read(p, buf + got, len - got, &n), STATUS_OK);
        assert_in_range(n, 1, len - got);
        got += n;
    }
}

/* One pipe_read or pipe_write, made on a worker thread. */
struct io_job {
    struct pipe *p;
    uint8_t *buf;
    size_t len;
    size_t n; /* the call's out_n; UNTOUCHED until it sets it */
};

static enum status do_read(void *arg)
{
    struct io_job *j = arg;

    return pipe_read(j->p, j->buf, j->len, &j->n);
}

static enum status do_write(void *arg)
{
    struct io_job *j = arg;

    return pipe_write(j->p, j->buf, j->len, &j->n);
}

static void start_job(struct sched_thread *t, sched_fn fn, struct io_job *j,
                      struct pipe *p, uint8_t *buf, size_t len)
{
    j->p = p;
    j->buf = buf;
    j->len = len;
    j->n = UNTOUCHED;
    start_thread(t, "worker", fn, j);
}

/* A writer that sends the test pattern in chunks of varying sizes. */
struct stream_job {
    struct pipe *p;
    const size_t *chunks; /* chunk sizes, used in turn */
    size_t nchunks;
    size_t total;    /* bytes to send */
    int close_write; /* half-close after the last byte */
    size_t sent;     /* bytes that entered the pipe */
};

static enum status send_stream(void *arg)
{
    struct stream_job *j = arg;
    uint8_t *buf = pattern_bytes(j->total);
    enum status st = STATUS_OK;
    size_t i = 0;

    if (buf == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    for (i = 0; j->sent < j->total && st == STATUS_OK; i++) {
        size_t len = min_size(j->chunks[i % j->nchunks], j->total - j->sent);
        size_t n = 0;

        st = pipe_write(j->p, buf + j->sent, len, &n);
        j->sent += n;
    }
    if (j->close_write)
        pipe_close_write(j->p);
    free(buf);
    return st;
}

/* --- creation --------------------------------------------------------- */

static void test_pipe_create_zero_capacity_uses_default(void **state)
{
    struct pipe *p = NULL;

    (void)state;
    assert_int_equal(pipe_create(0, NULL, NULL, &p), STATUS_OK);
    assert_int_equal(pipe_capacity(p), PIPE_DEFAULT_CAPACITY);
    assert_string_equal(pipe_name(p), "pipe");
    assert_int_equal(pipe_buffered(p), 0);
    pipe_destroy(p);
}

static void test_pipe_create_keeps_seven_characters_of_name(void **state)
{
    struct pipe *p = NULL;

    (void)state;
    assert_int_equal(pipe_create(8, "c2s", NULL, &p), STATUS_OK);
    assert_string_equal(pipe_name(p), "c2s");
    pipe_destroy(p);
    assert_int_equal(pipe_create(8, "abcdefghij", NULL, &p), STATUS_OK);
    assert_string_equal(pipe_name(p), "abcdefg");
    pipe_destroy(p);
}

static void test_pipe_destroy_null_is_noop(void **state)
{
    (void)state;
    pipe_destroy(NULL);
}

/* The struct's size is there for memory estimates: it holds a name. */
static void test_pipe_struct_size_is_known(void **state)
{
    (void)state;
    assert_true(pipe_struct_size() > 8);
}

/* Each deadline reads back as last set, and setting one leaves the other. */
static void test_pipe_deadlines_read_back(void **state)
{
    struct pipe *p = new_pipe(8);

    (void)state;
    assert_true(pipe_read_deadline(p) == SCHED_NO_DEADLINE);
    assert_true(pipe_write_deadline(p) == SCHED_NO_DEADLINE);
    pipe_set_read_deadline(p, 1234);
    assert_true(pipe_read_deadline(p) == 1234);
    assert_true(pipe_write_deadline(p) == SCHED_NO_DEADLINE);
    pipe_set_write_deadline(p, 5678);
    assert_true(pipe_read_deadline(p) == 1234);
    assert_true(pipe_write_deadline(p) == 5678);
    pipe_set_read_deadline(p, SCHED_NO_DEADLINE);
    assert_true(pipe_read_deadline(p) == SCHED_NO_DEADLINE);
    assert_true(pipe_write_deadline(p) == 5678);
    pipe_destroy(p);
}

static void test_pipe_atomic_limit_is_min_of_pipe_atomic_and_cap(void **state)
{
    /* {capacity, atomic limit}; capacity 0 is the default, 64 KiB. */
    static const size_t rows[][2] = {
        {1, 1},       {3, 3},        {4095, 4095}, {4096, 4096},
        {4097, 4096}, {65536, 4096}, {0, 4096},
    };
    size_t i = 0;

    (void)state;
    assert_int_equal(PIPE_ATOMIC, 4096);
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct pipe *p = new_pipe(rows[i][0]);

        assert_int_equal(pipe_atomic_limit(p), rows[i][1]);
        pipe_destroy(p);
    }
}

/* --- reading and writing ---------------------------------------------- */

static void check_single_write_read(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    size_t len = min_size(cap, 5);
    uint8_t in[8];
    size_t n = UNTOUCHED;

    memset(in, 0xee, sizeof in);
    assert_int_equal(pipe_write(p, "hello", len, &n), STATUS_OK);
    assert_int_equal(n, len);
    n = UNTOUCHED;
    assert_int_equal(pipe_read(p, in, sizeof in, &n), STATUS_OK);
    assert_int_equal(n, len);
    assert_memory_equal(in, "hello", len);
    assert_int_equal(in[len], 0xee);
    assert_int_equal(pipe_buffered(p), 0);
    pipe_destroy(p);
}

static void test_pipe_single_write_read(void **state)
{
    (void)state;
    for_each_cap(check_single_write_read);
}

static void test_pipe_buffered_and_stats_count_bytes(void **state)
{
    struct pipe *p = new_pipe(64);
    uint8_t in[4];
    struct pipe_stats s;

    (void)state;
    assert_int_equal(pipe_write(p, "abc", 3, NULL), STATUS_OK);
    assert_int_equal(pipe_write(p, "de", 2, NULL), STATUS_OK);
    assert_int_equal(pipe_buffered(p), 5);
    assert_int_equal(pipe_read(p, in, 2, NULL), STATUS_OK);
    assert_memory_equal(in, "ab", 2);
    assert_int_equal(pipe_buffered(p), 3);
    s = pipe_get_stats(p);
    assert_int_equal(s.written, 5);
    assert_int_equal(s.read, 2);
    assert_int_equal(s.discarded, 0);
    assert_int_equal(s.write_waits, 0);
    assert_int_equal(s.read_waits, 0);
    pipe_destroy(p);
}

/* A read returns what is there, up to len: short reads are normal. */
static void check_short_reads(size_t cap)
{
    const char *digits = "12345";
    struct pipe *p = new_pipe(cap);
    size_t len = min_size(cap, 5);
    size_t off = 0;
    uint8_t in[8];

    assert_int_equal(pipe_write(p, digits, len, NULL), STATUS_OK);
    while (off < len) {
        size_t n = UNTOUCHED;

        assert_int_equal(pipe_read(p, in, 2, &n), STATUS_OK);
        assert_int_equal(n, min_size(2, len - off));
        assert_memory_equal(in, digits + off, n);
        off += n;
    }
    /* Asking for more than is buffered returns only what is there. */
    assert_int_equal(pipe_write(p, "z", 1, NULL), STATUS_OK);
    {
        size_t n = UNTOUCHED;

        assert_int_equal(pipe_read(p, in, sizeof in, &n), STATUS_OK);
        assert_int_equal(n, 1);
        assert_int_equal(in[0], 'z');
    }
    pipe_destroy(p);
}

static void test_pipe_short_reads(void **state)
{
    (void)state;
    for_each_cap(check_short_reads);
}

/* Every byte written before the half-close arrives, then EOF, forever. */
static void check_drain_then_eof(size_t cap)
{
    static const size_t chunks[] = {3, 3, 5};
    struct pipe *p = new_pipe(cap);
    struct stream_job job = {p, chunks, 3, 11, 1, 0};
    struct sched_thread t;
    uint8_t in[16];
    size_t got = 0;
    size_t n = UNTOUCHED;
    enum status st = STATUS_OK;
    int i = 0;

    start_thread(&t, "writer", send_stream, &job);
    while (got < sizeof in &&
           (st = pipe_read(p, in + got, sizeof in - got, &n)) == STATUS_OK)
        got += n;
    assert_int_equal(st, STATUS_EOF);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(got, 11);
    for (i = 0; i < 11; i++)
        assert_int_equal(in[i], pattern((size_t)i));
    /* EOF is sticky, and a failed read leaves *out_n alone. */
    for (i = 0; i < 3; i++) {
        n = UNTOUCHED;
        assert_int_equal(pipe_read(p, in, sizeof in, &n), STATUS_EOF);
        assert_int_equal(n, UNTOUCHED);
    }
    assert_int_equal(pipe_get_stats(p).read, 11);
    pipe_destroy(p);
}

static void test_pipe_drain_after_close_write_then_sticky_eof(void **state)
{
    (void)state;
    for_each_cap(check_drain_then_eof);
}

/*
 * Many bytes, written in chunks both below and above the atomic limit and
 * read in chunks of other sizes, arrive complete and in order, across many
 * trips around the ring.
 */
static void check_stream_in_order(size_t cap)
{
    static const size_t wsizes[] = {1, 2, 3, 7, 4096, 5000, 65539};
    static const size_t rsizes[] = {1, 5, 4096, 70000};
    size_t total = cap < 4096 ? 20000 : 4 * cap + 1234;
    struct pipe *p = new_pipe(cap);
    struct stream_job job = {p, wsizes, 7, 0, 1, 0};
    struct sched_thread t;
    uint8_t *in = malloc(total + 1); /* room for one byte too many */
    size_t got = 0;
    size_t i = 0;
    enum status st = STATUS_OK;

    assert_non_null(in);
    job.total = total;
    start_thread(&t, "writer", send_stream, &job);
    for (i = 0; got <= total; i++) {
        size_t n = 0;
        size_t want = min_size(rsizes[i % 4], total + 1 - got);

        st = pipe_read(p, in + got, want, &n);
        if (st != STATUS_OK)
            break;
        got += n;
    }
    assert_int_equal(st, STATUS_EOF);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(got, total);
    for (i = 0; i < total; i++)
        assert_int_equal(in[i], pattern(i));
    free(in);
    pipe_destroy(p);
}

static void test_pipe_stream_arrives_whole_and_in_order(void **state)
{
    (void)state;
    for_each_cap(check_stream_in_order);
}

static void check_blocked_read_woken_by_write(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    struct io_job job;
    struct sched_thread t;
    uint8_t in[4] = {0};

    start_job(&t, do_read, &job, p, in, sizeof in);
    assert_true(await_read_waits(p, 1));
    assert_int_equal(pipe_write(p, "x", 1, NULL), STATUS_OK);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(job.n, 1);
    assert_int_equal(in[0], 'x');
    assert_int_equal(pipe_get_stats(p).read_waits, 1);
    pipe_destroy(p);
}

static void test_pipe_blocked_read_woken_by_write(void **state)
{
    (void)state;
    for_each_cap(check_blocked_read_woken_by_write);
}

/*
 * Backpressure: a write of cap + 1 bytes fills the pipe and waits, exactly
 * once, until the reader makes room; then every byte arrives in order.
 */
static void check_full_writer_waits_for_reader(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    uint8_t *out = pattern_alloc(cap + 1);
    uint8_t *in = malloc(cap + 1);
    struct io_job job;
    struct sched_thread t;

    assert_non_null(in);
    start_job(&t, do_write, &job, p, out, cap + 1);
    assert_true(await_write_waits(p, 1));
    assert_int_equal(pipe_buffered(p), cap);
    read_exactly(p, in, cap + 1);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(job.n, cap + 1);
    assert_memory_equal(in, out, cap + 1);
    assert_int_equal(pipe_get_stats(p).write_waits, 1);
    assert_int_equal(pipe_get_stats(p).written, cap + 1);
    free(in);
    free(out);
    pipe_destroy(p);
}

static void test_pipe_full_writer_waits_for_reader(void **state)
{
    (void)state;
    for_each_cap(check_full_writer_waits_for_reader);
}

/* --- half-close and close_read ---------------------------------------- */

static void check_close_write_wakes_reader(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    struct io_job job;
    struct sched_thread t;
    uint8_t in[4];

    start_job(&t, do_read, &job, p, in, sizeof in);
    assert_true(await_read_waits(p, 1));
    pipe_close_write(p);
    assert_int_equal(sched_thread_join(&t), STATUS_EOF);
    assert_int_equal(job.n, UNTOUCHED);
    pipe_destroy(p);
}

static void test_pipe_close_write_wakes_blocked_reader_with_eof(void **state)
{
    (void)state;
    for_each_cap(check_close_write_wakes_reader);
}

static void check_write_after_close_write(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    size_t n = UNTOUCHED;

    pipe_close_write(p);
    pipe_close_write(p); /* idempotent */
    assert_int_equal(pipe_write(p, "a", 1, &n), STATUS_CLOSED);
    assert_int_equal(n, 0);
    assert_int_equal(pipe_get_stats(p).written, 0);
    pipe_destroy(p);
}

static void test_pipe_write_after_close_write_is_closed(void **state)
{
    (void)state;
    for_each_cap(check_write_after_close_write);
}

/*
 * The reader leaves: what is buffered is dropped, and writing gives
 * STATUS_CLOSED (a status, where a Unix pipe would raise SIGPIPE).
 */
static void check_close_read(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    size_t len = min_size(cap, 3);
    size_t n = UNTOUCHED;
    uint8_t in[4];

    assert_int_equal(pipe_write(p, "abc", len, NULL), STATUS_OK);
    pipe_close_read(p);
    assert_int_equal(pipe_buffered(p), 0);
    assert_int_equal(pipe_get_stats(p).discarded, len);
    assert_int_equal(pipe_write(p, "d", 1, &n), STATUS_CLOSED);
    assert_int_equal(n, 0);
    n = UNTOUCHED;
    assert_int_equal(pipe_read(p, in, sizeof in, &n), STATUS_CLOSED);
    assert_int_equal(n, UNTOUCHED);
    pipe_close_read(p); /* idempotent: nothing more is discarded */
    assert_int_equal(pipe_get_stats(p).discarded, len);
    pipe_destroy(p);
}

static void test_pipe_close_read_discards_and_fails_both_ends(void **state)
{
    (void)state;
    for_each_cap(check_close_read);
}

/*
 * A writer blocked on a full pipe is woken with STATUS_CLOSED, and out_n
 * says how much of its write got in before that: cap of cap + 1 bytes.
 */
static void check_close_read_wakes_writer(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    uint8_t *out = pattern_alloc(cap + 1);
    struct io_job job;
    struct sched_thread t;

    start_job(&t, do_write, &job, p, out, cap + 1);
    assert_true(await_write_waits(p, 1));
    pipe_close_read(p);
    assert_int_equal(sched_thread_join(&t), STATUS_CLOSED);
    assert_int_equal(job.n, cap);
    assert_int_equal(pipe_get_stats(p).written, cap);
    assert_int_equal(pipe_get_stats(p).discarded, cap);
    free(out);
    pipe_destroy(p);
}

static void test_pipe_close_read_wakes_writer_with_partial_count(void **state)
{
    (void)state;
    for_each_cap(check_close_read_wakes_writer);
}

/* --- abort ------------------------------------------------------------ */

static void check_close_with_error(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    size_t len = min_size(cap, 3);
    size_t n = UNTOUCHED;
    uint8_t in[4];

    assert_int_equal(pipe_write(p, "abc", len, NULL), STATUS_OK);
    assert_int_equal(pipe_close_with_error(p, STATUS_ABORTED), len);
    assert_int_equal(pipe_get_stats(p).discarded, len);
    assert_int_equal(pipe_buffered(p), 0);
    assert_int_equal(pipe_read(p, in, sizeof in, &n), STATUS_ABORTED);
    assert_int_equal(n, UNTOUCHED);
    assert_int_equal(pipe_write(p, "d", 1, &n), STATUS_ABORTED);
    assert_int_equal(n, 0);
    pipe_destroy(p);
}

static void test_pipe_close_with_error_fails_both_ends(void **state)
{
    (void)state;
    for_each_cap(check_close_with_error);
}

static void test_pipe_close_with_error_first_reason_wins(void **state)
{
    struct pipe *p = new_pipe(64);
    uint8_t in[4];

    (void)state;
    assert_int_equal(pipe_write(p, "abc", 3, NULL), STATUS_OK);
    assert_int_equal(pipe_close_with_error(p, STATUS_CANCELLED), 3);
    assert_int_equal(pipe_close_with_error(p, STATUS_INTERNAL), 0);
    assert_int_equal(pipe_read(p, in, sizeof in, NULL), STATUS_CANCELLED);
    assert_int_equal(pipe_write(p, "d", 1, NULL), STATUS_CANCELLED);
    assert_int_equal(pipe_get_stats(p).discarded, 3);
    pipe_destroy(p);
}

/* An abort after the half-close still wins over the bytes and the EOF. */
static void test_pipe_close_with_error_after_close_write(void **state)
{
    struct pipe *p = new_pipe(64);
    uint8_t in[4];

    (void)state;
    assert_int_equal(pipe_write(p, "ab", 2, NULL), STATUS_OK);
    pipe_close_write(p);
    assert_int_equal(pipe_close_with_error(p, STATUS_UNAVAILABLE), 2);
    assert_int_equal(pipe_read(p, in, sizeof in, NULL), STATUS_UNAVAILABLE);
    pipe_destroy(p);
}

static void check_close_with_error_wakes_reader(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    struct io_job job;
    struct sched_thread t;
    uint8_t in[4];

    start_job(&t, do_read, &job, p, in, sizeof in);
    assert_true(await_read_waits(p, 1));
    assert_int_equal(pipe_close_with_error(p, STATUS_CANCELLED), 0);
    assert_int_equal(sched_thread_join(&t), STATUS_CANCELLED);
    assert_int_equal(job.n, UNTOUCHED);
    pipe_destroy(p);
}

static void test_pipe_close_with_error_wakes_blocked_reader(void **state)
{
    (void)state;
    for_each_cap(check_close_with_error_wakes_reader);
}

static void check_close_with_error_wakes_writer(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    uint8_t *out = pattern_alloc(cap + 1);
    struct io_job job;
    struct sched_thread t;

    start_job(&t, do_write, &job, p, out, cap + 1);
    assert_true(await_write_waits(p, 1));
    assert_int_equal(pipe_close_with_error(p, STATUS_DEADLOCK), cap);
    assert_int_equal(sched_thread_join(&t), STATUS_DEADLOCK);
    assert_int_equal(job.n, cap);
    assert_int_equal(pipe_get_stats(p).discarded, cap);
    free(out);
    pipe_destroy(p);
}

static void test_pipe_close_with_error_wakes_blocked_writer(void **state)
{
    (void)state;
    for_each_cap(check_close_with_error_wakes_writer);
}

/* --- zero-length calls ------------------------------------------------ */

/* A zero-length write succeeds in every state, so it never reads as EOF. */
static void check_zero_length_write(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    size_t n = UNTOUCHED;

    assert_int_equal(pipe_write(p, NULL, 0, &n), STATUS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(pipe_write(p, "ignored", 0, NULL), STATUS_OK);
    pipe_close_write(p);
    assert_int_equal(pipe_write(p, NULL, 0, NULL), STATUS_OK);
    pipe_close_read(p);
    assert_int_equal(pipe_write(p, NULL, 0, NULL), STATUS_OK);
    pipe_close_with_error(p, STATUS_ABORTED);
    n = UNTOUCHED;
    assert_int_equal(pipe_write(p, NULL, 0, &n), STATUS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(pipe_get_stats(p).written, 0);
    pipe_destroy(p);
}

static void test_pipe_zero_length_write_is_noop(void **state)
{
    (void)state;
    for_each_cap(check_zero_length_write);
}

/* A zero-length read returns at once, even on an empty open pipe. */
static void check_zero_length_read(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    size_t n = UNTOUCHED;
    uint8_t in[1];

    assert_int_equal(pipe_read(p, NULL, 0, &n), STATUS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(pipe_write(p, "a", 1, NULL), STATUS_OK);
    n = UNTOUCHED;
    assert_int_equal(pipe_read(p, in, 0, &n), STATUS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(pipe_buffered(p), 1);
    pipe_close_write(p);
    assert_int_equal(pipe_read(p, in, 1, NULL), STATUS_OK);
    n = UNTOUCHED;
    assert_int_equal(pipe_read(p, NULL, 0, &n), STATUS_OK);
    assert_int_equal(n, 0);
    assert_int_equal(pipe_get_stats(p).read_waits, 0);
    pipe_destroy(p);
}

static void test_pipe_zero_length_read_returns_zero(void **state)
{
    (void)state;
    for_each_cap(check_zero_length_read);
}

/* --- atomicity -------------------------------------------------------- */

#define WRITERS 4

/* A writer that sends count whole records, each in one pipe_write. */
struct record_job {
    struct pipe *p;
    uint8_t id;
    size_t size;  /* bytes per record, at most pipe_atomic_limit */
    size_t count; /* records to send */
};

/* Record seq of writer id: its id, then bytes that depend on both. */
static void make_record(uint8_t *rec, size_t size, uint8_t id, size_t seq)
{
    size_t i = 0;

    rec[0] = id;
    for (i = 1; i < size; i++)
        rec[i] = (uint8_t)(id * 37 + seq * 11 + i);
}

static enum status send_records(void *arg)
{
    struct record_job *j = arg;
    uint8_t rec[PIPE_ATOMIC];
    enum status st = STATUS_OK;
    size_t seq = 0;

    for (seq = 0; seq < j->count && st == STATUS_OK; seq++) {
        make_record(rec, j->size, j->id, seq);
        st = pipe_write(j->p, rec, j->size, NULL);
    }
    return st;
}

/*
 * WRITERS threads write records at the same time; the reader cuts the byte
 * stream into records again. Each must be exactly the next record of the
 * writer named in its first byte: any interleaving breaks one.
 */
/*
 * A write within the atomic limit waits for room for all of it: with 1 of 3
 * bytes free, a 2-byte write puts nothing in before its deadline passes.
 */
static void test_pipe_atomic_write_waits_for_room_for_all(void **state)
{
    struct pipe *p = new_pipe(3);
    size_t n = UNTOUCHED;
    uint8_t in[3];

    (void)state;
    assert_int_equal(pipe_write(p, "ab", 2, NULL), STATUS_OK);
    pipe_set_write_deadline(p, deadline_in_ms(20));
    assert_int_equal(pipe_write(p, "cd", 2, &n), STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(n, 0);
    assert_int_equal(pipe_buffered(p), 2);
    assert_int_equal(pipe_get_stats(p).write_waits, 1);
    read_exactly(p, in, 2);
    assert_memory_equal(in, "ab", 2);
    pipe_destroy(p);
}

static void check_records_never_interleave(size_t cap, size_t size,
                                           size_t count)
{
    struct pipe *p = new_pipe(cap);
    struct record_job jobs[WRITERS];
    struct sched_thread t[WRITERS];
    size_t next_seq[WRITERS] = {0};
    uint8_t got[PIPE_ATOMIC];
    uint8_t want[PIPE_ATOMIC];
    size_t r = 0;
    int i = 0;

    assert_true(size <= pipe_atomic_limit(p));
    for (i = 0; i < WRITERS; i++) {
        jobs[i] = (struct record_job){p, (uint8_t)i, size, count};
        start_thread(&t[i], "writer", send_records, &jobs[i]);
    }
    for (r = 0; r < WRITERS * count; r++) {
        read_exactly(p, got, size);
        assert_in_range(got[0], 0, WRITERS - 1);
        make_record(want, size, got[0], next_seq[got[0]]++);
        assert_memory_equal(got, want, size);
    }
    for (i = 0; i < WRITERS; i++) {
        assert_int_equal(sched_thread_join(&t[i]), STATUS_OK);
        assert_int_equal(next_seq[i], count);
    }
    assert_int_equal(pipe_buffered(p), 0);
    pipe_destroy(p);
}

static void test_pipe_atomic_records_never_interleave(void **state)
{
    (void)state;
    check_records_never_interleave(3, 3, 300);
    check_records_never_interleave(64, 64, 300);
    check_records_never_interleave(64, 10, 300); /* records straddle wrap */
    check_records_never_interleave(5000, 4096, 64);
    check_records_never_interleave(65536, 4096, 64);
}

/* --- deadlines -------------------------------------------------------- */

/* Like net.Conn: a passed read deadline fails reads even with data there. */
static void check_past_read_deadline(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    size_t n = UNTOUCHED;
    uint8_t in[4];

    assert_int_equal(pipe_write(p, "a", 1, NULL), STATUS_OK);
    pipe_set_read_deadline(p, past_deadline());
    assert_int_equal(pipe_read(p, in, sizeof in, &n), STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(pipe_read(p, in, sizeof in, &n), STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(n, UNTOUCHED);
    assert_int_equal(pipe_buffered(p), 1);
    /* Moving the deadline away makes reads work: the pipe is not closed. */
    pipe_set_read_deadline(p, SCHED_NO_DEADLINE);
    assert_int_equal(pipe_read(p, in, sizeof in, &n), STATUS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(in[0], 'a');
    pipe_destroy(p);
}

static void test_pipe_past_read_deadline_fails_even_with_data(void **state)
{
    (void)state;
    for_each_cap(check_past_read_deadline);
}

static void check_past_write_deadline(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    size_t n = UNTOUCHED;
    uint8_t in[1];

    pipe_set_write_deadline(p, past_deadline());
    assert_int_equal(pipe_write(p, "a", 1, &n), STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(n, 0);
    assert_int_equal(pipe_write(p, "a", 1, NULL), STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(pipe_buffered(p), 0);
    pipe_set_write_deadline(p, SCHED_NO_DEADLINE);
    assert_int_equal(pipe_write(p, "b", 1, &n), STATUS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(pipe_read(p, in, 1, NULL), STATUS_OK);
    assert_int_equal(in[0], 'b');
    pipe_destroy(p);
}

static void test_pipe_past_write_deadline_fails_even_with_room(void **state)
{
    (void)state;
    for_each_cap(check_past_write_deadline);
}

/* Nobody writes: only the deadline can end this read. */
static void check_read_deadline_ends_wait(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    size_t n = UNTOUCHED;
    uint8_t in[4];

    pipe_set_read_deadline(p, deadline_in_ms(20));
    assert_int_equal(pipe_read(p, in, sizeof in, &n), STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(n, UNTOUCHED);
    /* The pipe still works once the deadline is moved. */
    assert_int_equal(pipe_write(p, "a", 1, NULL), STATUS_OK);
    pipe_set_read_deadline(p, SCHED_NO_DEADLINE);
    assert_int_equal(pipe_read(p, in, sizeof in, &n), STATUS_OK);
    assert_int_equal(n, 1);
    pipe_destroy(p);
}

static void test_pipe_read_deadline_ends_blocked_read(void **state)
{
    (void)state;
    for_each_cap(check_read_deadline_ends_wait);
}

/*
 * A write one byte over the atomic limit, into a pipe with one free byte,
 * puts that byte in, then waits for room until the deadline: out_n reports
 * the 1 byte accepted. Nobody reads, so only the deadline ends the wait.
 */
static void check_write_deadline_ends_wait(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    size_t len = pipe_atomic_limit(p) + 1;
    uint8_t *fill = pattern_alloc(cap);
    uint8_t *more = malloc(len);
    uint8_t *in = malloc(cap);
    size_t n = UNTOUCHED;

    assert_non_null(more);
    assert_non_null(in);
    memset(more, 'v', len);
    assert_int_equal(pipe_write(p, fill, cap - 1, NULL), STATUS_OK);
    pipe_set_write_deadline(p, deadline_in_ms(20));
    assert_int_equal(pipe_write(p, more, len, &n), STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(n, 1);
    assert_int_equal(pipe_buffered(p), cap);
    read_exactly(p, in, cap);
    assert_memory_equal(in, fill, cap - 1);
    assert_int_equal(in[cap - 1], 'v');
    pipe_set_write_deadline(p, SCHED_NO_DEADLINE);
    assert_int_equal(pipe_write(p, "w", 1, NULL), STATUS_OK);
    free(in);
    free(more);
    free(fill);
    pipe_destroy(p);
}

static void test_pipe_write_deadline_ends_blocked_write(void **state)
{
    (void)state;
    for_each_cap(check_write_deadline_ends_wait);
}

/*
 * The reader waits with no deadline. Setting one that has passed must wake
 * it: were it not woken, it would sleep forever and the test would hang.
 */
static void check_set_read_deadline_wakes_reader(size_t cap, int64_t when)
{
    struct pipe *p = new_pipe(cap);
    struct io_job job;
    struct sched_thread t;
    uint8_t in[4];

    start_job(&t, do_read, &job, p, in, sizeof in);
    assert_true(await_read_waits(p, 1));
    pipe_set_read_deadline(p, when);
    assert_int_equal(sched_thread_join(&t), STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(job.n, UNTOUCHED);
    assert_int_equal(pipe_get_stats(p).read_waits, 1);
    pipe_destroy(p);
}

static void test_pipe_setting_read_deadline_wakes_blocked_reader(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < NCAPS; i++) {
        check_set_read_deadline_wakes_reader(caps[i], past_deadline());
        check_set_read_deadline_wakes_reader(caps[i], deadline_in_ms(20));
    }
}

static void check_set_write_deadline_wakes_writer(size_t cap, int64_t when)
{
    struct pipe *p = new_pipe(cap);
    uint8_t *out = pattern_alloc(cap + 1);
    uint8_t *in = malloc(cap + 1);
    struct io_job job;
    struct sched_thread t;

    assert_non_null(in);
    start_job(&t, do_write, &job, p, out, cap + 1);
    assert_true(await_write_waits(p, 1));
    pipe_set_write_deadline(p, when);
    assert_int_equal(sched_thread_join(&t), STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(job.n, cap);
    /* The deadline did not close the pipe: the reader gets every byte. */
    read_exactly(p, in, cap);
    assert_memory_equal(in, out, cap);
    pipe_set_write_deadline(p, SCHED_NO_DEADLINE);
    assert_int_equal(pipe_write(p, out + cap, 1, NULL), STATUS_OK);
    free(in);
    free(out);
    pipe_destroy(p);
}

static void test_pipe_setting_write_deadline_wakes_blocked_writer(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < NCAPS; i++) {
        check_set_write_deadline_wakes_writer(caps[i], past_deadline());
        check_set_write_deadline_wakes_writer(caps[i], deadline_in_ms(20));
    }
}

/* --- trace ------------------------------------------------------------ */

/*
 * A reader blocks on the empty pipe and a write wakes it; then a writer
 * blocks on the full pipe and a read wakes it: two BLOCK and two WAKE
 * events, and the wire holds the three bytes in the order they went in.
 */
static void test_pipe_trace_records_block_wake_and_bytes(void **state)
{
    struct trace *tr = trace_create();
    struct pipe *p = NULL;
    struct io_job job;
    struct sched_thread t;
    uint8_t in[4] = {0};
    uint8_t c[1] = {'c'};

    (void)state;
    assert_non_null(tr);
    assert_int_equal(pipe_create(1, "c2s", tr, &p), STATUS_OK);
    start_job(&t, do_read, &job, p, in, sizeof in);
    assert_true(await_read_waits(p, 1));
    assert_int_equal(pipe_write(p, "a", 1, NULL), STATUS_OK);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(in[0], 'a');

    assert_int_equal(pipe_write(p, "b", 1, NULL), STATUS_OK);
    start_job(&t, do_write, &job, p, c, 1);
    assert_true(await_write_waits(p, 1));
    assert_int_equal(pipe_read(p, in, 1, NULL), STATUS_OK);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(pipe_read(p, in + 1, 1, NULL), STATUS_OK);
    assert_memory_equal(in, "bc", 2);

    assert_int_equal(trace_count(tr, TRACE_BLOCK), 2);
    assert_int_equal(trace_count(tr, TRACE_WAKE), 2);
    assert_string_equal(trace_wire_at(tr, 0)->name, "c2s");
    assert_int_equal(trace_wire_at(tr, 0)->len, 3);
    assert_int_equal(trace_wire_at(tr, 0)->total, 3);
    assert_memory_equal(trace_wire_at(tr, 0)->bytes, "abc", 3);
    pipe_destroy(p);
    trace_destroy(tr);
}

/* ------------------------------------------------------------------ */
/* Hand-off: a writer copies straight into a waiting reader's buffer  */
/* ------------------------------------------------------------------ */

/*
 * A reader blocked on an empty pipe gets a write's bytes without the ring:
 * the counters say they were handed, and they are the bytes written.
 */
static void test_pipe_handoff_to_blocked_reader(void **state)
{
    struct pipe *p = new_pipe(65536);
    uint8_t *out = pattern_alloc(1000);
    uint8_t in[1000];
    struct io_job job;
    struct sched_thread t;

    (void)state;
    start_job(&t, do_read, &job, p, in, sizeof in);
    assert_true(await_read_waits(p, 1));
    assert_int_equal(pipe_write(p, out, 1000, NULL), STATUS_OK);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(job.n, 1000);
    assert_memory_equal(in, out, 1000);
    assert_int_equal(pipe_get_stats(p).handed, 1000);
    assert_int_equal(pipe_get_stats(p).read, 1000);
    assert_int_equal(pipe_buffered(p), 0);
    free(out);
    pipe_destroy(p);
}

/*
 * A partial read: the blocked reader asked for 10 bytes of a 100-byte
 * write. It gets those 10; the other 90 wait in the ring, in order.
 */
static void test_pipe_handoff_partial_read_leaves_rest_in_ring(void **state)
{
    struct pipe *p = new_pipe(65536);
    uint8_t *out = pattern_alloc(100);
    uint8_t in[100];
    struct io_job job;
    struct sched_thread t;

    (void)state;
    start_job(&t, do_read, &job, p, in, 10);
    assert_true(await_read_waits(p, 1));
    assert_int_equal(pipe_write(p, out, 100, NULL), STATUS_OK);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(job.n, 10);
    assert_int_equal(pipe_buffered(p), 90);
    read_exactly(p, in + 10, 90);
    assert_memory_equal(in, out, 100);
    assert_int_equal(pipe_get_stats(p).handed, 10);
    free(out);
    pipe_destroy(p);
}

/*
 * The capacity stays the window: a reader waiting with room for 100 bytes
 * gets at most cap (8) of a 20-byte write before the writer has to wait.
 */
static void test_pipe_handoff_never_passes_capacity(void **state)
{
    struct pipe *p = new_pipe(8);
    uint8_t *out = pattern_alloc(20);
    uint8_t in[100];
    struct io_job rd;
    struct io_job wr;
    struct sched_thread rt;
    struct sched_thread wt;

    (void)state;
    start_job(&rt, do_read, &rd, p, in, sizeof in);
    assert_true(await_read_waits(p, 1));
    start_job(&wt, do_write, &wr, p, out, 20);
    assert_int_equal(sched_thread_join(&rt), STATUS_OK);
    assert_in_range(rd.n, 1, 8);
    read_exactly(p, in + rd.n, 20 - rd.n);
    assert_int_equal(sched_thread_join(&wt), STATUS_OK);
    assert_int_equal(wr.n, 20);
    assert_memory_equal(in, out, 20);
    free(out);
    pipe_destroy(p);
}

/* What a third thread does to the pipe during a simulated hand-off run. */
enum disturb {
    DISTURB_NONE,
    DISTURB_ABORT,        /* pipe_close_with_error(CANCELLED) */
    DISTURB_CLOSE_READ,   /* the reader is cancelled: pipe_close_read */
    DISTURB_CLOSE_WRITE,  /* the writer half-closes mid-stream */
    DISTURB_DEADLINE,     /* the read deadline is set to now */
    DISTURB_SECOND_READER /* a second reader reads too */
};

/* One reader: what it got, and how its last read ended. */
struct sim_reader {
    struct pipe *p;
    size_t read_len;   /* each read asks for this much */
    uint8_t *got;      /* total + read_len bytes */
    size_t ngot;       /* bytes read */
    enum status st;    /* the status that ended its reads */
    int deadline_hits; /* reads that ended with DEADLINE_EXCEEDED */
};

struct handoff_run {
    struct pipe *p;
    const uint8_t *want; /* the pattern, total bytes */
    enum disturb what;
    struct stream_job w;
    enum status wst;
    struct sim_reader r[2];
    size_t dropped; /* what the abort discarded */
    int start_failed;
};

/* Reads until a read fails with anything but DEADLINE_EXCEEDED. */
static enum status sim_read_all(void *arg)
{
    struct sim_reader *r = arg;

    for (;;) {
        size_t n = 0;
        enum status st = pipe_read(r->p, r->got + r->ngot, r->read_len, &n);

        if (st == STATUS_OK) {
            r->ngot += n;
        } else if (st == STATUS_DEADLINE_EXCEEDED) {
            r->deadline_hits++;
            pipe_set_read_deadline(r->p, SCHED_NO_DEADLINE);
        } else {
            r->st = st;
            return STATUS_OK;
        }
    }
}

static enum status sim_disturb(void *arg)
{
    struct handoff_run *h = arg;

    if (h->what == DISTURB_ABORT)
        h->dropped = pipe_close_with_error(h->p, STATUS_CANCELLED);
    else if (h->what == DISTURB_CLOSE_READ)
        pipe_close_read(h->p);
    else if (h->what == DISTURB_CLOSE_WRITE)
        pipe_close_write(h->p);
    else if (h->what == DISTURB_DEADLINE)
        pipe_set_read_deadline(h->p, sched_now_ns());
    else if (h->what == DISTURB_SECOND_READER)
        return sim_read_all(&h->r[1]);
    return STATUS_OK;
}

static enum status sim_write_all(void *arg)
{
    struct handoff_run *h = arg;

    h->wst = send_stream(&h->w);
    return STATUS_OK;
}

static enum status sim_handoff_root(void *arg)
{
    struct handoff_run *h = arg;
    struct sched_thread t[3];
    int ok = 1;

    ok &= sched_thread_start(&t[0], "writer", sim_write_all, h) == STATUS_OK;
    ok &= sched_thread_start(&t[1], "reader", sim_read_all, &h->r[0]) ==
          STATUS_OK;
    ok &= sched_thread_start(&t[2], "other", sim_disturb, h) == STATUS_OK;
    if (!ok) {
        h->start_failed = 1;
        return STATUS_INTERNAL;
    }
    sched_thread_join(&t[0]);
    sched_thread_join(&t[1]);
    sched_thread_join(&t[2]);
    return STATUS_OK;
}

/* The bytes of both readers, as a histogram, equal those of the pattern. */
static void assert_same_bytes(const struct handoff_run *h, size_t total)
{
    size_t want[256] = {0};
    size_t have[256] = {0};
    size_t i = 0;
    int k = 0;

    for (i = 0; i < total; i++)
        want[pattern(i)]++;
    for (k = 0; k < 2; k++)
        for (i = 0; i < h->r[k].ngot; i++)
            have[h->r[k].got[i]]++;
    assert_memory_equal(want, have, sizeof want);
}

/* What must hold after one run, whatever the schedule. */
static void check_handoff_run(const struct handoff_run *h, size_t total)
{
    struct pipe_stats s = pipe_get_stats(h->p);
    const struct sim_reader *r = &h->r[0];

    assert_false(h->start_failed);
    assert_true(s.handed <= s.read);
    assert_int_equal(s.written, h->w.sent);
    assert_int_equal(s.read + s.discarded, s.written);
    assert_int_equal(s.read, r->ngot + h->r[1].ngot);
    if (h->what != DISTURB_SECOND_READER)
        assert_memory_equal(r->got, h->want, r->ngot);
    switch (h->what) {
    case DISTURB_ABORT:
        assert_int_equal(r->st, STATUS_CANCELLED);
        assert_int_equal(s.discarded, h->dropped);
        break;
    case DISTURB_CLOSE_READ: assert_int_equal(r->st, STATUS_CLOSED); break;
    case DISTURB_CLOSE_WRITE:
        assert_int_equal(r->st, STATUS_EOF);
        assert_int_equal(r->ngot, h->w.sent);
        break;
    case DISTURB_SECOND_READER:
        assert_int_equal(h->r[1].st, STATUS_EOF);
        assert_same_bytes(h, total);
        /* fall through */
    case DISTURB_NONE:
    case DISTURB_DEADLINE:
        assert_int_equal(h->wst, STATUS_OK);
        assert_int_equal(r->st, STATUS_EOF);
        assert_int_equal(s.read, total);
        break;
    }
}

/* How many seeds each simulated hand-off check tries. */
#define HANDOFF_SEEDS 48

/* What the runs of one disturbance did, over the seeds. */
struct handoff_tally {
    int handed_runs;   /* runs in which some bytes were handed */
    int deadline_hits; /* reads ended by the deadline */
};

/* One simulated run under seed; its checks; what it did, into *t. */
static void run_handoff(const struct handoff_run *proto, size_t cap,
                        uint64_t seed, struct handoff_tally *t)
{
    struct handoff_run h = *proto;
    struct sched_sim_options o;
    struct sched_sim_result r;
    enum status st = STATUS_INTERNAL;
    int k = 0;

    memset(&o, 0, sizeof o);
    memset(&r, 0, sizeof r);
    o.strategy = SCHED_RANDOM;
    o.seed = seed;
    h.p = new_pipe(cap);
    h.w.p = h.p;
    for (k = 0; k < 2; k++) {
        h.r[k].p = h.p;
        h.r[k].got = malloc(h.w.total + h.r[k].read_len);
        assert_non_null(h.r[k].got);
    }
    assert_int_equal(sched_sim_run(&o, sim_handoff_root, &h, &st, &r),
                     STATUS_OK);
    assert_int_equal(st, STATUS_OK);
    assert_false(r.deadlocked);
    check_handoff_run(&h, h.w.total);
    t->handed_runs += pipe_get_stats(h.p).handed > 0;
    t->deadline_hits += h.r[0].deadline_hits;
    sched_sim_result_free(&r);
    for (k = 0; k < 2; k++)
        free(h.r[k].got);
    pipe_destroy(h.p);
}

/*
 * Every disturbance under HANDOFF_SEEDS seeds: a writer sends total bytes
 * in chunks, a reader reads read_len at a time, and a third thread aborts,
 * closes either end, passes the read deadline or reads too, at whatever
 * point its schedule puts it.
 */
static void check_handoff_sim(size_t cap, const size_t *chunks, size_t nchunks,
                              size_t read_len, size_t total)
{
    uint8_t *want = pattern_alloc(total);
    struct handoff_tally t[DISTURB_SECOND_READER + 1];
    int what = 0;
    uint64_t seed = 0;

    memset(t, 0, sizeof t);
    for (what = DISTURB_NONE; what <= DISTURB_SECOND_READER; what++) {
        struct handoff_run proto;

        memset(&proto, 0, sizeof proto);
        proto.want = want;
        proto.what = (enum disturb)what;
        proto.w.chunks = chunks;
        proto.w.nchunks = nchunks;
        proto.w.total = total;
        proto.w.close_write = 1;
        proto.r[0].read_len = read_len;
        proto.r[1].read_len = read_len;
        for (seed = 0; seed < HANDOFF_SEEDS; seed++)
            run_handoff(&proto, cap, seed, &t[what]);
    }
    /* The path under test ran: bytes were handed, deadlines cut in. */
    assert_true(t[DISTURB_NONE].handed_runs > 0);
    assert_true(t[DISTURB_DEADLINE].deadline_hits > 0);
    free(want);
}

static void test_pipe_handoff_sim_small_pipe(void **state)
{
    static const size_t chunks[] = {3, 20, 1, 9};

    (void)state;
    check_handoff_sim(16, chunks, 4, 5, 300);
}

static void test_pipe_handoff_sim_large_writes(void **state)
{
    static const size_t chunks[] = {5, 4096, 70000, 1};

    (void)state;
    check_handoff_sim(65536, chunks, 4, 65536, 200000);
}

/*
 * pipe_read_ahead: a reader blocked for a 5-byte header lends the body
 * buffer behind it. The header and the 50 bytes written after it both
 * skip the ring, and the 50 wait in the body, buffered, for the next read.
 */
struct ahead_job {
    struct pipe *p;
    uint8_t hdr[5];
    uint8_t *body;
    size_t body_len;
    size_t n;
    enum status st;
};

static enum status do_read_ahead(void *arg)
{
    struct ahead_job *j = arg;

    j->st = pipe_read_ahead(j->p, j->hdr, sizeof j->hdr, j->body, j->body_len,
                            &j->n);
    return STATUS_OK;
}

/* Starts a reader for a header, lending body; writes 5 + 50 bytes. */
static void start_ahead(struct ahead_job *j, struct pipe *p, uint8_t *body,
                        const uint8_t *out)
{
    struct sched_thread t;

    memset(j, 0, sizeof *j);
    j->p = p;
    j->body = body;
    j->body_len = 100;
    start_thread(&t, "reader", do_read_ahead, j);
    assert_true(await_read_waits(p, 1));
    assert_int_equal(pipe_write(p, out, 5, NULL), STATUS_OK);
    assert_int_equal(pipe_write(p, out + 5, 50, NULL), STATUS_OK);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(j->st, STATUS_OK);
    assert_int_equal(j->n, 5);
    assert_memory_equal(j->hdr, out, 5);
    assert_int_equal(pipe_buffered(p), 50);
}

static void test_pipe_read_ahead_hands_the_next_bytes_to_next(void **state)
{
    struct pipe *p = new_pipe(65536);
    uint8_t *out = pattern_alloc(55);
    uint8_t body[100];
    struct ahead_job j;
    size_t n = 0;

    (void)state;
    start_ahead(&j, p, body, out);
    assert_int_equal(pipe_read(p, body, 50, &n), STATUS_OK);
    assert_int_equal(n, 50);
    assert_memory_equal(body, out + 5, 50);
    assert_int_equal(pipe_get_stats(p).handed, 55);
    assert_int_equal(pipe_buffered(p), 0);
    free(out);
    pipe_destroy(p);
}

/* pipe_unlend puts the lent bytes back in the pipe, in order. */
static void test_pipe_unlend_gives_the_bytes_back(void **state)
{
    struct pipe *p = new_pipe(65536);
    uint8_t *out = pattern_alloc(55);
    uint8_t body[100];
    uint8_t other[50];
    struct ahead_job j;

    (void)state;
    start_ahead(&j, p, body, out);
    pipe_unlend(p, body);
    pipe_unlend(p, body); /* no loan now: a no-op */
    assert_int_equal(pipe_write(p, "xy", 2, NULL), STATUS_OK);
    read_exactly(p, other, 50);
    assert_memory_equal(other, out + 5, 50);
    read_exactly(p, other, 2);
    assert_memory_equal(other, "xy", 2);
    assert_int_equal(pipe_get_stats(p).handed, 5);
    free(out);
    pipe_destroy(p);
}

/*
 * A read into another buffer ends the loan; a read into the lent buffer
 * that asks for less takes that much, and the rest stays in the pipe.
 */
static void test_pipe_read_ahead_other_reads_see_lent_bytes(void **state)
{
    struct pipe *p = new_pipe(65536);
    uint8_t *out = pattern_alloc(55);
    uint8_t body[100];
    uint8_t other[50];
    struct ahead_job j;
    size_t n = 0;

    (void)state;
    start_ahead(&j, p, body, out);
    assert_int_equal(pipe_read(p, body, 20, &n), STATUS_OK);
    assert_int_equal(n, 20);
    assert_memory_equal(body, out + 5, 20);
    read_exactly(p, other, 30);
    assert_memory_equal(other, out + 25, 30);

    start_ahead(&j, p, body, out);
    read_exactly(p, other, 50);
    assert_memory_equal(other, out + 5, 50);
    free(out);
    pipe_destroy(p);
}

/* An abort discards the lent bytes like buffered ones, and says so. */
static void test_pipe_abort_discards_lent_bytes(void **state)
{
    struct pipe *p = new_pipe(65536);
    uint8_t *out = pattern_alloc(55);
    uint8_t body[100];
    struct ahead_job j;
    size_t n = UNTOUCHED;

    (void)state;
    start_ahead(&j, p, body, out);
    assert_int_equal(pipe_close_with_error(p, STATUS_CANCELLED), 50);
    assert_int_equal(pipe_read(p, body, 50, &n), STATUS_CANCELLED);
    assert_int_equal(n, UNTOUCHED);
    pipe_unlend(p, body);
    assert_int_equal(pipe_get_stats(p).discarded, 50);
    assert_int_equal(pipe_get_stats(p).read, 5);
    free(out);
    pipe_destroy(p);
}

/* A half-close while bytes are lent: they come first, then EOF. */
static void test_pipe_close_write_after_lent_bytes_drains_them(void **state)
{
    struct pipe *p = new_pipe(65536);
    uint8_t *out = pattern_alloc(55);
    uint8_t body[100];
    struct ahead_job j;
    size_t n = 0;

    (void)state;
    start_ahead(&j, p, body, out);
    pipe_close_write(p);
    assert_int_equal(pipe_read(p, body, 100, &n), STATUS_OK);
    assert_int_equal(n, 50);
    assert_memory_equal(body, out + 5, 50);
    assert_int_equal(pipe_read(p, body, 100, &n), STATUS_EOF);
    free(out);
    pipe_destroy(p);
}

/*
 * A read ahead that did not wait (its bytes were there) still lends next
 * once it has emptied the pipe: the bytes written after it go there.
 */
static void test_pipe_read_ahead_without_waiting_lends_next(void **state)
{
    struct pipe *p = new_pipe(65536);
    uint8_t *out = pattern_alloc(55);
    uint8_t hdr[5];
    uint8_t body[100];
    size_t n = 0;

    (void)state;
    assert_int_equal(pipe_write(p, out, 5, NULL), STATUS_OK);
    assert_int_equal(pipe_read_ahead(p, hdr, 5, body, sizeof body, &n),
                     STATUS_OK);
    assert_int_equal(n, 5);
    assert_int_equal(pipe_write(p, out + 5, 50, NULL), STATUS_OK);
    assert_int_equal(pipe_buffered(p), 50);
    assert_int_equal(pipe_read(p, body, 50, &n), STATUS_OK);
    assert_memory_equal(body, out + 5, 50);
    assert_int_equal(pipe_get_stats(p).handed, 50);
    free(out);
    pipe_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipe_create_zero_capacity_uses_default),
        cmocka_unit_test(test_pipe_create_keeps_seven_characters_of_name),
        cmocka_unit_test(test_pipe_destroy_null_is_noop),
        cmocka_unit_test(test_pipe_struct_size_is_known),
        cmocka_unit_test(test_pipe_deadlines_read_back),
        cmocka_unit_test(test_pipe_atomic_limit_is_min_of_pipe_atomic_and_cap),
        cmocka_unit_test(test_pipe_single_write_read),
        cmocka_unit_test(test_pipe_buffered_and_stats_count_bytes),
        cmocka_unit_test(test_pipe_short_reads),
        cmocka_unit_test(test_pipe_drain_after_close_write_then_sticky_eof),
        cmocka_unit_test(test_pipe_stream_arrives_whole_and_in_order),
        cmocka_unit_test(test_pipe_blocked_read_woken_by_write),
        cmocka_unit_test(test_pipe_full_writer_waits_for_reader),
        cmocka_unit_test(test_pipe_close_write_wakes_blocked_reader_with_eof),
        cmocka_unit_test(test_pipe_write_after_close_write_is_closed),
        cmocka_unit_test(test_pipe_close_read_discards_and_fails_both_ends),
        cmocka_unit_test(test_pipe_close_read_wakes_writer_with_partial_count),
        cmocka_unit_test(test_pipe_close_with_error_fails_both_ends),
        cmocka_unit_test(test_pipe_close_with_error_first_reason_wins),
        cmocka_unit_test(test_pipe_close_with_error_after_close_write),
        cmocka_unit_test(test_pipe_close_with_error_wakes_blocked_reader),
        cmocka_unit_test(test_pipe_close_with_error_wakes_blocked_writer),
        cmocka_unit_test(test_pipe_zero_length_write_is_noop),
        cmocka_unit_test(test_pipe_zero_length_read_returns_zero),
        cmocka_unit_test(test_pipe_atomic_write_waits_for_room_for_all),
        cmocka_unit_test(test_pipe_atomic_records_never_interleave),
        cmocka_unit_test(test_pipe_past_read_deadline_fails_even_with_data),
        cmocka_unit_test(test_pipe_past_write_deadline_fails_even_with_room),
        cmocka_unit_test(test_pipe_read_deadline_ends_blocked_read),
        cmocka_unit_test(test_pipe_write_deadline_ends_blocked_write),
        cmocka_unit_test(test_pipe_setting_read_deadline_wakes_blocked_reader),
        cmocka_unit_test(test_pipe_setting_write_deadline_wakes_blocked_writer),
        cmocka_unit_test(test_pipe_trace_records_block_wake_and_bytes),
        cmocka_unit_test(test_pipe_handoff_to_blocked_reader),
        cmocka_unit_test(test_pipe_handoff_partial_read_leaves_rest_in_ring),
        cmocka_unit_test(test_pipe_handoff_never_passes_capacity),
        cmocka_unit_test(test_pipe_handoff_sim_small_pipe),
        cmocka_unit_test(test_pipe_handoff_sim_large_writes),
        cmocka_unit_test(test_pipe_read_ahead_hands_the_next_bytes_to_next),
        cmocka_unit_test(test_pipe_unlend_gives_the_bytes_back),
        cmocka_unit_test(test_pipe_read_ahead_without_waiting_lends_next),
        cmocka_unit_test(test_pipe_read_ahead_other_reads_see_lent_bytes),
        cmocka_unit_test(test_pipe_abort_discards_lent_bytes),
        cmocka_unit_test(test_pipe_close_write_after_lent_bytes_drains_them),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_conform_pipe: Go's io.Pipe tests (src/io/pipe_test.go), ported to
 * duplex's pipe.
 *
 * Each test is named after the Go test it ports, and says what it had to
 * change. The changes all come from one difference: Go's io.Pipe is
 * unbuffered (a Write waits until Reads have taken every byte), while a
 * duplex pipe is a ring buffer (a write returns once its bytes are in the
 * ring). So:
 *   - where Go asserts the size of each read, these tests assert the total
 *     and the order of the bytes, unless a handshake or the atomic-write
 *     rule makes the per-read size a fact here too (then they assert it);
 *   - where Go expects a blocked Write to have moved 0 bytes, these tests
 *     make the write block the duplex way: a write of at most
 *     pipe_atomic_limit() bytes waits for room for all of it, so one into a
 *     pipe without that room has put nothing in when it fails;
 *   - EOF comes after the reader has drained what was written before the
 *     close, not at once;
 *   - a failed read leaves *out_n untouched where Go returns n == 0, and
 *     STATUS_EOF / STATUS_CLOSED / an abort status stand for io.EOF /
 *     io.ErrClosedPipe / the CloseWithError error;
 *   - Go's CloseWithError(nil) is Close; pipe_close_with_error takes a
 *     reason that is not STATUS_OK, so a nil error maps to pipe_close_write
 *     (or pipe_close_read for the reading end);
 *   - a zero-length write or read is a no-op that returns STATUS_OK in every
 *     state (pipe.h), where Go's Write(nil) and Read(nil) report a close.
 *
 * Threads: only the test's own thread asserts. Workers store what they got
 * and the test joins them. Go's tests order goroutines with a 1 ms sleep
 * ("delayClose"); these wait until a worker is blocked inside the pipe
 * (await_read_waits / await_write_waits, support.h) or use a latch.
 */
/* cmocka.h needs these four first, in this order: keep them unsorted. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdlib.h>
#include <string.h>

#include "core/pipe.h"
#include "core/sched.h"
#include "core/status.h"
#include "support.h"

/* What out_n holds before a call, to see whether the call touched it. */
#define UNTOUCHED ((size_t)0x5e5e5e5e)

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/* One pipe_write on a worker, optionally followed by the half-close. */
struct write_job {
    struct pipe *p;
    const void *buf;
    size_t len;
    int close_after; /* pipe_close_write once the write returned */
    size_t n;        /* the write's out_n */
    enum status st;  /* the write's status */
};

static enum status write_main(void *arg)
{
    struct write_job *j = arg;

    j->st = pipe_write(j->p, j->buf, j->len, &j->n);
    if (j->close_after)
        pipe_close_write(j->p);
    return STATUS_OK;
}

static void start_write(struct sched_thread *t, struct write_job *j,
                        struct pipe *p, const void *buf, size_t len,
                        int close_after)
{
    memset(j, 0, sizeof *j);
    j->p = p;
    j->buf = buf;
    j->len = len;
    j->close_after = close_after;
    j->n = UNTOUCHED;
    j->st = STATUS_UNKNOWN; /* "never ran" */
    start_thread(t, "writer", write_main, j);
}

/* One pipe_read on a worker. */
struct read_job {
    struct pipe *p;
    uint8_t *buf;
    size_t len;
    size_t n;
    enum status st;
};

static enum status read_main(void *arg)
{
    struct read_job *j = arg;

    j->st = pipe_read(j->p, j->buf, j->len, &j->n);
    return STATUS_OK;
}

static void start_read(struct sched_thread *t, struct read_job *j,
                       struct pipe *p, uint8_t *buf, size_t len)
{
    memset(j, 0, sizeof *j);
    j->p = p;
    j->buf = buf;
    j->len = len;
    j->n = UNTOUCHED;
    j->st = STATUS_UNKNOWN;
    start_thread(t, "reader", read_main, j);
}

/*
 * Reads until the pipe stops giving bytes, on the test thread: every read
 * must be OK with 1..len bytes, and what ends it (EOF, say) is returned.
 * *got is the byte count, at most cap.
 */
static enum status read_to_end(struct pipe *p, uint8_t *buf, size_t cap,
                               size_t chunk, size_t *got)
{
    enum status st = STATUS_OK;

    *got = 0;
    for (;;) {
        size_t want = cap - *got < chunk ? cap - *got : chunk;
        size_t n = UNTOUCHED;

        assert_true(want > 0); /* cap is more than the stream should hold */
        st = pipe_read(p, buf + *got, want, &n);
        if (st != STATUS_OK) {
            assert_int_equal(n, UNTOUCHED);
            return st;
        }
        assert_in_range(n, 1, want);
        *got += n;
    }
}

/*
 * A Go channel of ints, the handshake of TestPipe2: put blocks while
 * full, take while empty. Any thread may use it; neither asserts.
 */
#define MAILBOX_CAP 8

struct mailbox {
    struct sched_mutex mu;
    struct sched_cond changed;
    long v[MAILBOX_CAP]; /* guarded by mu, like the two counters */
    unsigned head;
    unsigned count;
};

static void mailbox_init(struct mailbox *m)
{
    memset(m, 0, sizeof *m);
    sched_mutex_init(&m->mu);
    sched_cond_init(&m->changed);
}

static void mailbox_destroy(struct mailbox *m)
{
    sched_cond_destroy(&m->changed);
    sched_mutex_destroy(&m->mu);
}

static void mailbox_put(struct mailbox *m, long v)
{
    sched_mutex_lock(&m->mu);
    while (m->count == MAILBOX_CAP)
        sched_cond_wait(&m->changed, &m->mu);
    m->v[(m->head + m->count) % MAILBOX_CAP] = v;
    m->count++;
    sched_cond_broadcast(&m->changed);
    sched_mutex_unlock(&m->mu);
}

static long mailbox_take(struct mailbox *m)
{
    long v = 0;

    sched_mutex_lock(&m->mu);
    while (m->count == 0)
        sched_cond_wait(&m->changed, &m->mu);
    v = m->v[m->head];
    m->head = (m->head + 1) % MAILBOX_CAP;
    m->count--;
    sched_cond_broadcast(&m->changed);
    sched_mutex_unlock(&m->mu);
    return v;
}

/* ------------------------------------------------------------------ */
/* TestPipe1, TestPipe2, TestPipe3                                    */
/* ------------------------------------------------------------------ */

/*
 * TestPipe1: one write, one read. Go reads "hello, world" whole in one
 * Read. Here that holds while the 12 bytes are one atomic write (capacity
 * 64); at capacity 3 the write goes in 3-byte pieces, so the test checks
 * the total and the order instead. Go then closes the read end, then the
 * write end; both calls must leave every later call failing with CLOSED.
 */
static void check_pipe1(size_t cap)
{
    static const char msg[] = "hello, world";
    struct pipe *p = new_pipe(cap);
    struct write_job w;
    struct sched_thread t;
    uint8_t buf[64];
    size_t got = 0;
    size_t n = UNTOUCHED;

    memset(buf, 0, sizeof buf);
    start_write(&t, &w, p, msg, 12, 0);
    if (pipe_atomic_limit(p) >= 12) {
        assert_int_equal(pipe_read(p, buf, sizeof buf, &n), STATUS_OK);
        assert_int_equal(n, 12);
        got = n;
    } else {
        while (got < 12) {
            n = UNTOUCHED;
            assert_int_equal(pipe_read(p, buf + got, sizeof buf - got, &n),
                             STATUS_OK);
            assert_in_range(n, 1, cap);
            got += n;
        }
    }
    assert_int_equal(got, 12);
    assert_memory_equal(buf, msg, 12);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(w.st, STATUS_OK);
    assert_int_equal(w.n, 12);

    pipe_close_read(p);
    pipe_close_write(p);
    n = UNTOUCHED;
    assert_int_equal(pipe_read(p, buf, sizeof buf, &n), STATUS_CLOSED);
    assert_int_equal(n, UNTOUCHED);
    assert_int_equal(pipe_write(p, "x", 1, &n), STATUS_CLOSED);
    assert_int_equal(n, 0);
    pipe_destroy(p);
}

static void test_gopipe_TestPipe1_single_write_read(void **state)
{
    (void)state;
    check_pipe1(64);
    check_pipe1(3);
}

/* TestPipe2's reader: reports each read's size, 0 at EOF, -status else. */
struct pipe2_reader {
    struct pipe *p;
    struct mailbox *box;
    uint8_t got[256]; /* every byte read, in order */
    size_t total;
};

static enum status pipe2_reader_main(void *arg)
{
    struct pipe2_reader *r = arg;
    uint8_t buf[64];

    for (;;) {
        size_t n = 0;
        enum status st = pipe_read(r->p, buf, sizeof buf, &n);

        if (st == STATUS_EOF) {
            mailbox_put(r->box, 0);
            return STATUS_OK;
        }
        if (st != STATUS_OK || r->total + n > sizeof r->got) {
            mailbox_put(r->box, -(long)(st != STATUS_OK ? st : 1000));
            return st;
        }
        memcpy(r->got + r->total, buf, n);
        r->total += n;
        mailbox_put(r->box, (long)n);
    }
}

/*
 * TestPipe2: five writes of 5, 15, .., 45 bytes, each answered by the
 * reader before the next; then the close, answered by EOF. Go checks that
 * each read got exactly one write. The same holds here, for a reason of
 * the ring's own: the handshake leaves the pipe empty before each write,
 * and each write (at most 45 bytes, within the atomic limit of both
 * capacities tried) enters the ring in one piece, so the reader's next
 * read takes exactly it. The bytes are checked too, which Go leaves out.
 */
static void check_pipe2(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    uint8_t *out = pattern_bytes(256);
    struct mailbox box;
    struct pipe2_reader r;
    struct sched_thread t;
    size_t sent = 0;
    int i = 0;

    assert_non_null(out);
    mailbox_init(&box);
    memset(&r, 0, sizeof r);
    r.p = p;
    r.box = &box;
    start_thread(&t, "reader", pipe2_reader_main, &r);
    for (i = 0; i < 5; i++) {
        size_t len = 5 + (size_t)i * 10;
        size_t n = UNTOUCHED;

        assert_true(len <= pipe_atomic_limit(p));
        assert_int_equal(pipe_write(p, out + sent, len, &n), STATUS_OK);
        assert_int_equal(n, len);
        assert_int_equal(mailbox_take(&box), (long)len);
        sent += len;
    }
    pipe_close_write(p);
    assert_int_equal(mailbox_take(&box), 0);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(r.total, 125);
    assert_memory_equal(r.got, out, 125);
    mailbox_destroy(&box);
    free(out);
    pipe_destroy(p);
}

static void test_gopipe_TestPipe2_write_sequence_then_close(void **state)
{
    (void)state;
    check_pipe2(64);
    check_pipe2(45); /* the largest write fills the pipe exactly */
}

/*
 * TestPipe3: one 128-byte write (then the close) that takes several reads,
 * the reads asking for 1, 2, 4, .. 256 bytes. Go expects exactly 1, 2, ..
 * 64 bytes, then the 1 left, then 0 bytes and EOF.
 *
 * Concurrently, a ring gives each read what is there, which depends on
 * timing: so each read is checked to give 1..asked bytes, and the whole to
 * be the 128 bytes in order, then EOF, at capacities below and above 128.
 * When the writer has finished first (all 128 bytes buffered), Go's exact
 * sizes hold, and that is checked too.
 */
static void check_pipe3_concurrent(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    uint8_t wdat[128];
    uint8_t rdat[1024];
    struct write_job w;
    struct sched_thread t;
    enum status st = STATUS_OK;
    size_t tot = 0;
    size_t ask = 1;
    size_t i = 0;

    for (i = 0; i < sizeof wdat; i++)
        wdat[i] = (uint8_t)i;
    start_write(&t, &w, p, wdat, sizeof wdat, 1);
    for (;;) {
        size_t n = UNTOUCHED;

        st = pipe_read(p, rdat + tot, ask, &n);
        if (st != STATUS_OK)
            break;
        assert_in_range(n, 1, ask);
        tot += n;
        if (ask < 256)
            ask *= 2;
    }
    assert_int_equal(st, STATUS_EOF);
    assert_int_equal(pipe_read(p, rdat, 1, NULL), STATUS_EOF); /* sticky */
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(w.st, STATUS_OK);
    assert_int_equal(w.n, 128);
    assert_int_equal(tot, 128);
    assert_memory_equal(rdat, wdat, 128);
    pipe_destroy(p);
}

static void check_pipe3_buffered(void)
{
    struct pipe *p = new_pipe(4096);
    uint8_t wdat[128];
    uint8_t rdat[1024];
    struct write_job w;
    struct sched_thread t;
    size_t tot = 0;
    size_t ask = 0;
    size_t i = 0;

    for (i = 0; i < sizeof wdat; i++)
        wdat[i] = (uint8_t)i;
    start_write(&t, &w, p, wdat, sizeof wdat, 1);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(w.st, STATUS_OK);
    assert_int_equal(w.n, 128);
    for (ask = 1; ask <= 256; ask *= 2) {
        size_t n = UNTOUCHED;
        enum status st = pipe_read(p, rdat + tot, ask, &n);

        if (ask == 256) {
            /* Go: 0 bytes and EOF. Here: EOF, *out_n untouched. */
            assert_int_equal(st, STATUS_EOF);
            assert_int_equal(n, UNTOUCHED);
            break;
        }
        assert_int_equal(st, STATUS_OK);
        assert_int_equal(n, ask == 128 ? 1 : ask);
        tot += n;
    }
    assert_int_equal(tot, 128);
    assert_memory_equal(rdat, wdat, 128);
    pipe_destroy(p);
}

static void test_gopipe_TestPipe3_large_write_short_reads(void **state)
{
    (void)state;
    check_pipe3_concurrent(1);
    check_pipe3_concurrent(3);
    check_pipe3_concurrent(64);
    check_pipe3_concurrent(4096);
    check_pipe3_buffered();
}

/* ------------------------------------------------------------------ */
/* Closing: TestPipeReadClose(2), TestPipeWriteClose(2)               */
/* ------------------------------------------------------------------ */

/*
 * Go's pipeTests table: close before the call (sync) or while it waits
 * (async), with Close, CloseWithError(nil) or CloseWithError(ErrShortWrite).
 * ErrShortWrite becomes STATUS_ABORTED here (any reason would do), and
 * STATUS_OK in the row stands for Go's nil error.
 */
struct close_row {
    int async;
    enum status err;
    int close_with_error;
};

static const struct close_row close_rows[] = {
    {1, STATUS_OK, 0}, {1, STATUS_OK, 1}, {1, STATUS_ABORTED, 1},
    {0, STATUS_OK, 0}, {0, STATUS_OK, 1}, {0, STATUS_ABORTED, 1},
};

#define NROWS (sizeof close_rows / sizeof close_rows[0])

/*
 * Closes the writing end as the row says. Close and CloseWithError(nil)
 * are both pipe_close_write: duplex's abort takes no OK reason.
 */
static void close_writer_as(struct pipe *p, const struct close_row *row)
{
    if (row->close_with_error && row->err != STATUS_OK)
        pipe_close_with_error(p, row->err);
    else
        pipe_close_write(p);
}

/* The same for the reading end: Close is pipe_close_read. */
static void close_reader_as(struct pipe *p, const struct close_row *row)
{
    if (row->close_with_error && row->err != STATUS_OK)
        pipe_close_with_error(p, row->err);
    else
        pipe_close_read(p);
}

/*
 * TestPipeReadClose: the writer closes before or during a read. The read
 * gets EOF (or the close's error) and no bytes. Then the reader closes its
 * end, as Go's test does; a read after that gets CLOSED, or still the
 * abort's error, which wins over everything.
 */
static void check_read_close(const struct close_row *row)
{
    struct pipe *p = new_pipe(64);
    enum status want = row->err != STATUS_OK ? row->err : STATUS_EOF;
    uint8_t buf[64];
    struct read_job r;
    struct sched_thread t;
    size_t n = UNTOUCHED;
    enum status st = STATUS_OK;

    if (row->async) {
        start_read(&t, &r, p, buf, sizeof buf);
        assert_true(await_read_waits(p, 1));
        close_writer_as(p, row);
        assert_int_equal(sched_thread_join(&t), STATUS_OK);
        st = r.st;
        n = r.n;
    } else {
        close_writer_as(p, row);
        st = pipe_read(p, buf, sizeof buf, &n);
    }
    assert_int_equal(st, want);
    assert_int_equal(n, UNTOUCHED);

    pipe_close_read(p);
    n = UNTOUCHED;
    assert_int_equal(pipe_read(p, buf, sizeof buf, &n),
                     row->err != STATUS_OK ? row->err : STATUS_CLOSED);
    assert_int_equal(n, UNTOUCHED);
    pipe_destroy(p);
}

static void test_gopipe_TestPipeReadClose_writer_closes_first(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < NROWS; i++)
        check_read_close(&close_rows[i]);
}

/* TestPipeReadClose2: the reading end is closed while a read waits. */
static void test_gopipe_TestPipeReadClose2_close_read_during_read(void **state)
{
    struct pipe *p = new_pipe(64);
    uint8_t buf[64];
    struct read_job r;
    struct sched_thread t;

    (void)state;
    start_read(&t, &r, p, buf, sizeof buf);
    assert_true(await_read_waits(p, 1));
    pipe_close_read(p);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(r.st, STATUS_CLOSED);
    assert_int_equal(r.n, UNTOUCHED);
    pipe_destroy(p);
}

/*
 * A pipe of 16 bytes holding 10, so that a 12-byte write (atomic: it
 * waits for room for all 12) blocks having put nothing in, as Go's Write
 * on an unbuffered pipe does.
 */
#define WC_CAP 16
#define WC_FILL 10

static struct pipe *new_blocking_pipe(void)
{
    struct pipe *p = new_pipe(WC_CAP);

    assert_int_equal(pipe_write(p, "0123456789", WC_FILL, NULL), STATUS_OK);
    assert_true(12 <= pipe_atomic_limit(p));
    return p;
}

/*
 * TestPipeWriteClose: the reader closes before or during a write of
 * "hello, world". The write gets CLOSED (io.ErrClosedPipe) or the close's
 * error, and 0 bytes in. Then the writer closes its end; a write after
 * that gets CLOSED, or still the abort's error.
 */
static void check_write_close(const struct close_row *row)
{
    struct pipe *p = new_blocking_pipe();
    enum status want = row->err != STATUS_OK ? row->err : STATUS_CLOSED;
    struct write_job w;
    struct sched_thread t;
    size_t n = UNTOUCHED;
    enum status st = STATUS_OK;

    if (row->async) {
        start_write(&t, &w, p, "hello, world", 12, 0);
        assert_true(await_write_waits(p, 1));
        close_reader_as(p, row);
        assert_int_equal(sched_thread_join(&t), STATUS_OK);
        st = w.st;
        n = w.n;
    } else {
        close_reader_as(p, row);
        st = pipe_write(p, "hello, world", 12, &n);
    }
    assert_int_equal(st, want);
    assert_int_equal(n, 0);
    /* Either close dropped the 10 bytes nobody will read. */
    assert_int_equal(pipe_buffered(p), 0);
    assert_int_equal(pipe_get_stats(p).discarded, WC_FILL);
    assert_int_equal(pipe_get_stats(p).written, WC_FILL);

    pipe_close_write(p);
    n = UNTOUCHED;
    assert_int_equal(pipe_write(p, "x", 1, &n), want);
    assert_int_equal(n, 0);
    pipe_destroy(p);
}

static void test_gopipe_TestPipeWriteClose_reader_closes_first(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < NROWS; i++)
        check_write_close(&close_rows[i]);
}

/*
 * TestPipeWriteClose2: the writing end is closed while a write waits. The
 * write gets CLOSED with 0 bytes in. Added here: the reader still drains
 * what was written before the close, then gets EOF, and the blocked
 * write's bytes never show.
 */
static void
test_gopipe_TestPipeWriteClose2_close_write_during_write(void **state)
{
    struct pipe *p = new_blocking_pipe();
    struct write_job w;
    struct sched_thread t;
    uint8_t buf[32];
    size_t got = 0;

    (void)state;
    start_write(&t, &w, p, "hello, world", 12, 0);
    assert_true(await_write_waits(p, 1));
    pipe_close_write(p);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(w.st, STATUS_CLOSED);
    assert_int_equal(w.n, 0);
    assert_int_equal(read_to_end(p, buf, sizeof buf, sizeof buf, &got),
                     STATUS_EOF);
    assert_int_equal(got, WC_FILL);
    assert_memory_equal(buf, "0123456789", WC_FILL);
    assert_int_equal(pipe_get_stats(p).written, WC_FILL);
    pipe_destroy(p);
}

/* ------------------------------------------------------------------ */
/* Empty writes, writes after close, close errors                     */
/* ------------------------------------------------------------------ */

/* A writer that makes a zero-length write, waits, then closes. */
struct empty_writer {
    struct pipe *p;
    const void *buf; /* "" or NULL */
    struct latch wrote;
    struct latch may_close;
    size_t n;
    enum status st;
};

static enum status empty_writer_main(void *arg)
{
    struct empty_writer *e = arg;

    e->st = pipe_write(e->p, e->buf, 0, &e->n);
    latch_open(&e->wrote);
    latch_wait(&e->may_close);
    pipe_close_write(e->p);
    return STATUS_OK;
}

/*
 * TestWriteEmpty and TestWriteNil: a zero-length write, then the close;
 * the reader's ReadFull of 2 bytes gets nothing and EOF. In Go the point
 * is that the empty Write returns at all. Here it is that it returns OK at
 * once, puts nothing in, and is not taken for EOF: between the write and
 * the close, a read with a 5 ms deadline times out (it would get EOF at
 * once were the pipe closed); after the close, the read gets EOF.
 */
static void check_write_empty(const void *buf)
{
    struct pipe *p = new_pipe(64);
    struct empty_writer e;
    struct sched_thread t;
    uint8_t b[2];
    size_t n = UNTOUCHED;

    memset(&e, 0, sizeof e);
    e.p = p;
    e.buf = buf;
    e.n = UNTOUCHED;
    e.st = STATUS_UNKNOWN;
    latch_init(&e.wrote);
    latch_init(&e.may_close);
    start_thread(&t, "writer", empty_writer_main, &e);
    latch_wait(&e.wrote);
    assert_int_equal(e.st, STATUS_OK);
    assert_int_equal(e.n, 0);
    assert_int_equal(pipe_buffered(p), 0);
    pipe_set_read_deadline(p, sched_now_ns() + INT64_C(5000000));
    assert_int_equal(pipe_read(p, b, sizeof b, &n), STATUS_DEADLINE_EXCEEDED);
    pipe_set_read_deadline(p, SCHED_NO_DEADLINE);
    latch_open(&e.may_close);
    assert_int_equal(pipe_read(p, b, sizeof b, &n), STATUS_EOF);
    assert_int_equal(n, UNTOUCHED);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(pipe_get_stats(p).written, 0);
    pipe_close_read(p);
    latch_destroy(&e.may_close);
    latch_destroy(&e.wrote);
    pipe_destroy(p);
}

static void test_gopipe_TestWriteEmpty_zero_length_write(void **state)
{
    (void)state;
    check_write_empty("");
}

/* The choice pinned in pipe.h: buf may be NULL when len is 0. */
static void test_gopipe_TestWriteNil_null_zero_length_write(void **state)
{
    (void)state;
    check_write_empty(NULL);
}

/* Writes "hello", closes, writes "world" (Go's goroutine). */
struct hello_writer {
    struct pipe *p;
    enum status st1, st2;
    size_t n1, n2;
};

static enum status hello_writer_main(void *arg)
{
    struct hello_writer *h = arg;

    h->st1 = pipe_write(h->p, "hello", 5, &h->n1);
    pipe_close_write(h->p);
    h->st2 = pipe_write(h->p, "world", 5, &h->n2);
    return STATUS_OK;
}

/*
 * TestWriteAfterWriterClose: "hello", close, "world". The second write
 * gets CLOSED (io.ErrClosedPipe) with nothing in; the reader's ReadFull of
 * 100 bytes gets "hello" and then, where Go says ErrUnexpectedEOF, EOF.
 */
static void test_gopipe_TestWriteAfterWriterClose(void **state)
{
    struct pipe *p = new_pipe(64);
    struct hello_writer h;
    struct sched_thread t;
    uint8_t buf[100];
    size_t got = 0;

    (void)state;
    memset(&h, 0, sizeof h);
    h.p = p;
    h.n2 = UNTOUCHED;
    start_thread(&t, "writer", hello_writer_main, &h);
    assert_int_equal(read_to_end(p, buf, sizeof buf, sizeof buf, &got),
                     STATUS_EOF);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(got, 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(h.st1, STATUS_OK);
    assert_int_equal(h.n1, 5);
    assert_int_equal(h.st2, STATUS_CLOSED);
    assert_int_equal(h.n2, 0);
    assert_int_equal(pipe_get_stats(p).written, 5);
    assert_int_equal(pipe_read(p, buf, sizeof buf, NULL), STATUS_EOF);
    pipe_close_read(p);
    pipe_destroy(p);
}

/*
 * TestPipeCloseError: the first CloseWithError's error is what both ends
 * get; a second one changes nothing. Go observes it with Write(nil) and
 * Read(nil). A zero-length call is a no-op here (pipe.h pins that), so a
 * 1-byte call observes it instead, and the zero-length calls are checked
 * to stay OK. duplex has one abort for both ends, so Go's two halves (the
 * reader aborts, the writer sees it; the writer aborts, the reader sees
 * it) differ only in which end looks. Added: the abort's status also wins
 * over the CLOSED and EOF of closes made before or after it (pipe.h).
 */
static void test_gopipe_TestPipeCloseError_first_error_wins(void **state)
{
    struct pipe *p = new_pipe(64);
    uint8_t b[1];
    size_t n = UNTOUCHED;

    (void)state;
    /* r.CloseWithError(testError1), then testError2: the writer sees 1. */
    assert_int_equal(pipe_close_with_error(p, STATUS_ABORTED), 0);
    assert_int_equal(pipe_write(p, "x", 1, &n), STATUS_ABORTED);
    assert_int_equal(n, 0);
    assert_int_equal(pipe_close_with_error(p, STATUS_UNAVAILABLE), 0);
    assert_int_equal(pipe_write(p, "x", 1, NULL), STATUS_ABORTED);
    n = UNTOUCHED;
    assert_int_equal(pipe_write(p, NULL, 0, &n), STATUS_OK);
    assert_int_equal(n, 0);
    pipe_destroy(p);

    /* w.CloseWithError(testError1), then testError2: the reader sees 1. */
    p = new_pipe(64);
    assert_int_equal(pipe_write(p, "ab", 2, NULL), STATUS_OK);
    assert_int_equal(pipe_close_with_error(p, STATUS_ABORTED), 2);
    n = UNTOUCHED;
    assert_int_equal(pipe_read(p, b, 1, &n), STATUS_ABORTED);
    assert_int_equal(n, UNTOUCHED);
    assert_int_equal(pipe_close_with_error(p, STATUS_UNAVAILABLE), 0);
    assert_int_equal(pipe_read(p, b, 1, NULL), STATUS_ABORTED);
    assert_int_equal(pipe_read(p, NULL, 0, &n), STATUS_OK);
    assert_int_equal(n, 0);
    /* Neither the half-close nor the read-side close replaces it. */
    pipe_close_write(p);
    pipe_close_read(p);
    assert_int_equal(pipe_read(p, b, 1, NULL), STATUS_ABORTED);
    assert_int_equal(pipe_write(p, "x", 1, NULL), STATUS_ABORTED);
    assert_int_equal(pipe_get_stats(p).discarded, 2);
    pipe_destroy(p);

    /* An abort after both ends closed wins over their EOF and CLOSED. */
    p = new_pipe(64);
    assert_int_equal(pipe_write(p, "ab", 2, NULL), STATUS_OK);
    pipe_close_write(p);
    pipe_close_read(p);
    assert_int_equal(pipe_read(p, b, 1, NULL), STATUS_CLOSED);
    assert_int_equal(pipe_close_with_error(p, STATUS_ABORTED), 0);
    assert_int_equal(pipe_read(p, b, 1, NULL), STATUS_ABORTED);
    assert_int_equal(pipe_write(p, "x", 1, NULL), STATUS_ABORTED);
    pipe_destroy(p);
}

/* ------------------------------------------------------------------ */
/* TestPipeConcurrent                                                 */
/* ------------------------------------------------------------------ */

static const char input[] = "0123456789abcdef";

#define INPUT_LEN 16
#define COUNT 8
#define READ_SIZE 2
#define ROUNDS 20

/* A writer that waits at a start gate, then makes one write. */
struct gated_writer {
    struct pipe *p;
    struct latch *go;
    const uint8_t *buf;
    size_t len;
    size_t n;
    enum status st;
};

static enum status gated_writer_main(void *arg)
{
    struct gated_writer *g = arg;

    latch_wait(g->go);
    g->st = pipe_write(g->p, g->buf, g->len, &g->n);
    return STATUS_OK;
}

/*
 * TestPipeConcurrent/Write: COUNT writers each write len bytes at once;
 * the test reads READ_SIZE bytes at a time. Each write is within
 * pipe_atomic_limit, so no write is split by another: cut into len-byte
 * blocks, the bytes read are each writer's buffer, whole, once each.
 * Go's own input ("0123456789abcdef" from every writer) is the first case;
 * larger writes, up to the atomic limit, carry the writer's number in
 * every byte, since identical buffers could hide an interleaving at a
 * 16-byte boundary. Every read gives exactly READ_SIZE bytes, as in Go: the
 * writes are whole and even-sized, so an even count is always buffered.
 * Go sleeps 1 ms in each writer to make the race likelier; here a latch
 * lets them all go at once, and the whole is repeated ROUNDS times.
 */
static void check_concurrent_write(size_t cap, size_t len, int numbered)
{
    struct pipe *p = new_pipe(cap);
    uint8_t *bufs = malloc(COUNT * len);
    uint8_t *got = malloc(COUNT * len);
    struct gated_writer g[COUNT];
    struct sched_thread t[COUNT];
    struct latch go;
    int seen[COUNT];
    size_t i = 0;
    size_t k = 0;

    assert_non_null(bufs);
    assert_non_null(got);
    assert_true(len <= pipe_atomic_limit(p));
    for (k = 0; k < COUNT; k++)
        for (i = 0; i < len; i++)
            bufs[k * len + i] = numbered ? (uint8_t)(k << 4 | (i % 16))
                                         : (uint8_t)input[i % INPUT_LEN];
    latch_init(&go);
    for (k = 0; k < COUNT; k++) {
        memset(&g[k], 0, sizeof g[k]);
        g[k].p = p;
        g[k].go = &go;
        g[k].buf = bufs + k * len;
        g[k].len = len;
        g[k].st = STATUS_UNKNOWN;
        start_thread(&t[k], "writer", gated_writer_main, &g[k]);
    }
    latch_open(&go);
    for (i = 0; i < COUNT * len; i += READ_SIZE) {
        size_t n = UNTOUCHED;

        assert_int_equal(pipe_read(p, got + i, READ_SIZE, &n), STATUS_OK);
        assert_int_equal(n, READ_SIZE);
    }
    memset(seen, 0, sizeof seen);
    for (i = 0; i < COUNT * len; i += len) {
        /* Which writer's buffer is this block? Each must match one whole. */
        for (k = 0; k < COUNT; k++)
            if (memcmp(got + i, bufs + k * len, len) == 0)
                break;
        if (k == COUNT)
            fail_msg("block at %zu of %zu is no writer's whole write "
                     "(capacity %zu, %zu-byte writes)",
                     i, COUNT * len, cap, len);
        seen[k]++;
    }
    for (k = 0; k < COUNT; k++) {
        assert_int_equal(sched_thread_join(&t[k]), STATUS_OK);
        assert_int_equal(g[k].st, STATUS_OK);
        assert_int_equal(g[k].n, len);
        /* Go's identical buffers all match writer 0's. */
        if (numbered)
            assert_int_equal(seen[k], 1);
    }
    if (!numbered)
        assert_int_equal(seen[0], COUNT);
    assert_int_equal(pipe_buffered(p), 0);
    latch_destroy(&go);
    free(got);
    free(bufs);
    pipe_destroy(p);
}

static void test_gopipe_TestPipeConcurrent_Write_never_interleaves(void **state)
{
    int r = 0;

    (void)state;
    for (r = 0; r < ROUNDS; r++) {
        check_concurrent_write(64, INPUT_LEN, 0); /* Go's case */
        check_concurrent_write(16, INPUT_LEN, 0); /* each write fills it */
        check_concurrent_write(16, INPUT_LEN, 1);
    }
    /* Writes at exactly the atomic limit, in a pipe of that size and larger. */
    check_concurrent_write(PIPE_ATOMIC, PIPE_ATOMIC, 1);
    check_concurrent_write(PIPE_DEFAULT_CAPACITY, PIPE_ATOMIC, 1);
}

/* A reader that waits at a start gate, then reads READ_SIZE bytes. */
struct gated_reader {
    struct pipe *p;
    struct latch *go;
    uint8_t buf[READ_SIZE];
    size_t n;
    enum status st;
};

static enum status gated_reader_main(void *arg)
{
    struct gated_reader *g = arg;

    latch_wait(g->go);
    g->st = pipe_read(g->p, g->buf, READ_SIZE, &g->n);
    return STATUS_OK;
}

#define NREADERS (COUNT * INPUT_LEN / READ_SIZE)

/*
 * TestPipeConcurrent/Read: NREADERS readers each read READ_SIZE bytes
 * while the test writes the input COUNT times. Go checks the bytes read
 * are the input's READ_SIZE-byte groups in some order (it sorts them);
 * here each group is counted, and each must come COUNT times. Every read
 * gives exactly READ_SIZE bytes, as in Go: each write puts 16 bytes in
 * whole, and each read takes 2, so an even count is always buffered.
 */
static void check_concurrent_read(size_t cap)
{
    struct pipe *p = new_pipe(cap);
    struct gated_reader *g = calloc(NREADERS, sizeof *g);
    struct sched_thread *t = calloc(NREADERS, sizeof *t);
    int groups[INPUT_LEN / READ_SIZE];
    struct latch go;
    size_t i = 0;
    size_t k = 0;

    assert_non_null(g);
    assert_non_null(t);
    latch_init(&go);
    for (i = 0; i < NREADERS; i++) {
        g[i].p = p;
        g[i].go = &go;
        g[i].n = UNTOUCHED;
        g[i].st = STATUS_UNKNOWN;
        start_thread(&t[i], "reader", gated_reader_main, &g[i]);
    }
    latch_open(&go);
    for (i = 0; i < COUNT; i++) {
        size_t n = UNTOUCHED;

        assert_int_equal(pipe_write(p, input, INPUT_LEN, &n), STATUS_OK);
        assert_int_equal(n, INPUT_LEN);
    }
    memset(groups, 0, sizeof groups);
    for (i = 0; i < NREADERS; i++) {
        assert_int_equal(sched_thread_join(&t[i]), STATUS_OK);
        assert_int_equal(g[i].st, STATUS_OK);
        assert_int_equal(g[i].n, READ_SIZE);
        for (k = 0; k < INPUT_LEN / READ_SIZE; k++)
            if (memcmp(g[i].buf, input + k * READ_SIZE, READ_SIZE) == 0)
                break;
        if (k == INPUT_LEN / READ_SIZE)
            fail_msg("reader %zu got \"%.2s\", no group of the input", i,
                     (const char *)g[i].buf);
        groups[k]++;
    }
    for (k = 0; k < INPUT_LEN / READ_SIZE; k++)
        assert_int_equal(groups[k], COUNT);
    assert_int_equal(pipe_buffered(p), 0);
    assert_int_equal(pipe_get_stats(p).read, COUNT * INPUT_LEN);
    latch_destroy(&go);
    free(t);
    free(g);
    pipe_destroy(p);
}

static void
test_gopipe_TestPipeConcurrent_Read_readers_share_bytes(void **state)
{
    int r = 0;

    (void)state;
    for (r = 0; r < 4; r++) {
        check_concurrent_read(16);
        check_concurrent_read(64);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gopipe_TestPipe1_single_write_read),
        cmocka_unit_test(test_gopipe_TestPipe2_write_sequence_then_close),
        cmocka_unit_test(test_gopipe_TestPipe3_large_write_short_reads),
        cmocka_unit_test(test_gopipe_TestPipeReadClose_writer_closes_first),
        cmocka_unit_test(test_gopipe_TestPipeReadClose2_close_read_during_read),
        cmocka_unit_test(test_gopipe_TestPipeWriteClose_reader_closes_first),
        cmocka_unit_test(
            test_gopipe_TestPipeWriteClose2_close_write_during_write),
        cmocka_unit_test(test_gopipe_TestWriteEmpty_zero_length_write),
        cmocka_unit_test(test_gopipe_TestWriteNil_null_zero_length_write),
        cmocka_unit_test(test_gopipe_TestWriteAfterWriterClose),
        cmocka_unit_test(test_gopipe_TestPipeCloseError_first_error_wins),
        cmocka_unit_test(
            test_gopipe_TestPipeConcurrent_Write_never_interleaves),
        cmocka_unit_test(
            test_gopipe_TestPipeConcurrent_Read_readers_share_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_conform_conn: golang.org/x/net's nettest.TestConn (nettest/
 * conntest.go), run on a stream's two pipes taken as a pair of net.Conns.
 *
 * The pair
 *   A stream has one pipe per direction. Conn c1 (the client's) writes c2s
 *   and reads s2c; conn c2 (the server's) writes s2c and reads c2s. So what
 *   c1 writes, c2 reads, and the other way round, as in nettest's MakePipe.
 *   Only the pipes are used: no frames, no stream_send.
 *
 *   Close(c) is pipe_close_write on c's out pipe plus pipe_close_read on
 *   its in pipe. That gives a net.Conn's (and net.Pipe's) behaviour: c's
 *   own reads and writes fail at once (STATUS_CLOSED, Go's net.ErrClosed);
 *   the peer reads what c wrote before closing, then EOF; the peer's writes
 *   fail with STATUS_CLOSED (Go's io.ErrClosedPipe) and never block on a
 *   reader that is gone. pipe_close_with_error is not used: it would drop
 *   the bytes in flight, and nettest expects them delivered.
 *
 *   SetReadDeadline / SetWriteDeadline are pipe_set_read_deadline /
 *   pipe_set_write_deadline on c's in / out pipe; SetDeadline sets both.
 *   A timeout (Go's net.Error with Timeout() true) is
 *   STATUS_DEADLINE_EXCEEDED. aLongTimeAgo is a time already passed, and
 *   neverTimeout is SCHED_NO_DEADLINE.
 *
 * What changed from Go
 *   - Go's tests order goroutines with sleeps (100 ms in PresentTimeout and
 *     CloseTimeout). Here the test waits until the workers are blocked in
 *     the pipe (await_read_waits / await_write_waits) or have reached a
 *     point (a latch), and deadlines are a few ms to tens of ms.
 *   - Go checks only that calls fail the right way. These tests also count
 *     the bytes: what the workers say they moved must match the pipes'
 *     own counters and what the far side received.
 *   - A write of at most pipe_atomic_limit() bytes that times out has put
 *     nothing in (it waits for room for all of it), so out_n is 0, where
 *     Go allows a partial count.
 *   - Go's RacyRead / RacyWrite look for a data race on the caller's buffer
 *     after a timeout; in C that is ThreadSanitizer's job (make tsan).
 *   - LocalAddr / RemoteAddr have no analogue; ConcurrentMethods calls
 *     pipe_buffered and pipe_get_stats in their place.
 *
 * Threads: only the test's own thread asserts; workers store what they
 * saw and the test joins them first.
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
#include "core/stream.h"
#include "support.h"

#define MS (INT64_C(1000000))

/* What out_n holds before a call, to see whether the call touched it. */
#define UNTOUCHED ((size_t)0x5e5e5e5e)

/* nettest's chunk size (chunkedCopy) and buffer size. */
#define CHUNK 1024

/* ------------------------------------------------------------------ */
/* A conn: one end of a stream's pipe pair                            */
/* ------------------------------------------------------------------ */

struct conn {
    struct pipe *in;  /* what this conn reads */
    struct pipe *out; /* what this conn writes */
};

struct conn_pair {
    struct stream *s;
    struct conn c1; /* the client's end: writes c2s, reads s2c */
    struct conn c2; /* the server's end: writes s2c, reads c2s */
};

/* nettest's MakePipe. capacity 0: PIPE_DEFAULT_CAPACITY. */
static void pair_open(struct conn_pair *cp, size_t capacity)
{
    struct stream_options opts;

    memset(&opts, 0, sizeof opts);
    opts.capacity = capacity;
    memset(cp, 0, sizeof *cp);
    assert_int_equal(stream_create(NULL, &opts, &cp->s), STATUS_OK);
    cp->c1.out = stream_pipe(cp->s, STREAM_C2S);
    cp->c1.in = stream_pipe(cp->s, STREAM_S2C);
    cp->c2.out = stream_pipe(cp->s, STREAM_S2C);
    cp->c2.in = stream_pipe(cp->s, STREAM_C2S);
}

/* nettest's stop: no thread may use the pair any more. */
static void pair_close(struct conn_pair *cp)
{
    stream_destroy(cp->s);
    cp->s = NULL;
}

/* net.Conn's Close (see the top of the file). */
static void conn_close(struct conn *c)
{
    pipe_close_write(c->out);
    pipe_close_read(c->in);
}

static void conn_set_deadline(struct conn *c, int64_t deadline_ns)
{
    pipe_set_read_deadline(c->in, deadline_ns);
    pipe_set_write_deadline(c->out, deadline_ns);
}

/* aLongTimeAgo: a deadline that has passed. */
static int64_t long_ago(void)
{
    return sched_now_ns() - 1000 * MS;
}

static int64_t in_ms(int64_t ms)
{
    return sched_now_ns() + ms * MS;
}

/* A latch's state, without waiting. */
static int latch_is_open(struct latch *l)
{
    int open = 0;

    sched_mutex_lock(&l->mu);
    open = l->open;
    sched_mutex_unlock(&l->mu);
    return open;
}

/*
 * io.ReadFull: reads until len bytes or a failure. Returns OK, or the
 * failure; *got is the bytes read either way. Any thread.
 */
static enum status read_full(struct conn *c, uint8_t *buf, size_t len,
                             size_t *got)
{
    enum status st = STATUS_OK;

    *got = 0;
    while (*got < len && st == STATUS_OK) {
        size_t n = 0;

        st = pipe_read(c->in, buf + *got, len - *got, &n);
        if (st == STATUS_OK)
            *got += n;
    }
    return st;
}

/* A seeded byte source (Go's rand.New(rand.NewSource(0))). */
static uint8_t rand_byte(uint64_t *state)
{
    /* xorshift64*: fine for test bytes, and the same run after run. */
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return (uint8_t)((*state * UINT64_C(2685821657736338717)) >> 56);
}

static void rand_fill(uint64_t *state, uint8_t *buf, size_t len)
{
    size_t i = 0;

    for (i = 0; i < len; i++)
        buf[i] = rand_byte(state);
}

#define SEED UINT64_C(0x9e3779b97f4a7c15)

/* ------------------------------------------------------------------ */
/* Workers: nettest's chunkedCopy in its three uses                   */
/* ------------------------------------------------------------------ */

/*
 * chunkedCopy(c, rand): writes seeded random bytes in CHUNK-byte writes
 * until a write fails, then stores why. With limit > 0, stops after limit
 * bytes and closes c (testBasicIO's first goroutine).
 */
struct source {
    struct conn *c;
    const uint8_t *data; /* the bytes to send, when limit > 0 */
    size_t limit;
    uint64_t sent; /* bytes that entered the pipe */
    enum status st;
};

static enum status source_main(void *arg)
{
    struct source *s = arg;
    uint64_t seed = SEED;
    uint8_t buf[CHUNK];

    s->st = STATUS_OK;
    while (s->st == STATUS_OK && (s->limit == 0 || s->sent < s->limit)) {
        size_t len = CHUNK;
        size_t n = 0;

        if (s->limit > 0 && s->limit - s->sent < len)
            len = (size_t)(s->limit - s->sent);
        if (s->data != NULL)
            memcpy(buf, s->data + s->sent, len);
        else
            rand_fill(&seed, buf, len);
        s->st = pipe_write(s->c->out, buf, len, &n);
        s->sent += n;
    }
    if (s->limit > 0)
        conn_close(s->c);
    return STATUS_OK;
}

/*
 * chunkedCopy(sink, c): reads in CHUNK-byte reads until a read fails,
 * keeping up to cap bytes (none when keep is NULL), then closes c when
 * asked (testBasicIO's second goroutine).
 */
struct sink_job {
    struct conn *c;
    uint8_t *keep;
    size_t cap;
    int close_at_end;
    uint64_t got;
    enum status st;
};

static enum status sink_main(void *arg)
{
    struct sink_job *k = arg;
    uint8_t buf[CHUNK];

    for (;;) {
        size_t n = 0;

        k->st = pipe_read(k->c->in, buf, sizeof buf, &n);
        if (k->st != STATUS_OK)
            break;
        if (k->keep != NULL && k->got + n <= k->cap)
            memcpy(k->keep + k->got, buf, n);
        k->got += n;
    }
    if (k->close_at_end)
        conn_close(k->c);
    return STATUS_OK;
}

/* chunkedCopy(c, c): echoes what c reads back into c, until a failure. */
struct echo_job {
    struct conn *c;
    uint64_t echoed; /* bytes read and written back */
    enum status st;  /* what ended it */
};

static enum status echo_main(void *arg)
{
    struct echo_job *e = arg;
    uint8_t buf[CHUNK];

    for (;;) {
        size_t n = 0;

        e->st = pipe_read(e->c->in, buf, sizeof buf, &n);
        if (e->st != STATUS_OK)
            break;
        e->st = pipe_write(e->c->out, buf, n, NULL);
        if (e->st != STATUS_OK)
            break;
        e->echoed += n;
    }
    return STATUS_OK;
}

static void start_echo(struct sched_thread *t, struct echo_job *e,
                       struct conn *c)
{
    memset(e, 0, sizeof *e);
    e->c = c;
    e->st = STATUS_UNKNOWN;
    start_thread(t, "echo", echo_main, e);
}

/* ------------------------------------------------------------------ */
/* nettest's testRoundtrip and resyncConn (test thread only)          */
/* ------------------------------------------------------------------ */

/* Writes "Hello, world!" into c and reads it back through the echo. */
static void roundtrip(struct conn *c)
{
    static const char s[] = "Hello, world!";
    uint8_t buf[sizeof s - 1];
    size_t got = 0;
    size_t n = UNTOUCHED;

    conn_set_deadline(c, SCHED_NO_DEADLINE);
    assert_int_equal(pipe_write(c->out, s, sizeof s - 1, &n), STATUS_OK);
    assert_int_equal(n, sizeof s - 1);
    assert_int_equal(read_full(c, buf, sizeof buf, &got), STATUS_OK);
    assert_memory_equal(buf, s, sizeof buf);
}

struct one_write {
    struct conn *c;
    uint8_t byte;
    enum status st;
};

static enum status one_write_main(void *arg)
{
    struct one_write *w = arg;

    w->st = pipe_write(w->c->out, &w->byte, 1, NULL);
    return STATUS_OK;
}

/*
 * Writes 0xff into c (on a worker, as Go does) and reads through the echo
 * until a read ends with it: whatever was still in flight is consumed.
 * Everything before it must be zeros (what the tests' writers wrote).
 * Returns the bytes read, the 0xff included.
 */
static uint64_t resync(struct conn *c)
{
    struct one_write w = {c, 0xff, STATUS_UNKNOWN};
    struct sched_thread t;
    uint8_t buf[CHUNK];
    uint64_t total = 0;

    conn_set_deadline(c, SCHED_NO_DEADLINE);
    start_thread(&t, "resync", one_write_main, &w);
    for (;;) {
        size_t n = UNTOUCHED;
        size_t i = 0;

        assert_int_equal(pipe_read(c->in, buf, sizeof buf, &n), STATUS_OK);
        total += n;
        for (i = 0; i + 1 < n; i++)
            assert_int_equal(buf[i], 0);
        if (buf[n - 1] == 0xff)
            break;
        assert_int_equal(buf[n - 1], 0);
    }
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(w.st, STATUS_OK);
    return total;
}

/* ------------------------------------------------------------------ */
/* BasicIO, PingPong                                                  */
/* ------------------------------------------------------------------ */

#define BASIC_LEN ((size_t)1 << 20)

/*
 * testBasicIO: 1 MiB of seeded random bytes written on c1 in 1 KiB
 * chunks, then c1 closed; c2 reads to EOF, then closes. What c2 read must
 * be the 1 MiB, byte for byte. Capacity 1000 makes every chunk wrap the
 * ring and be split (1024 > its atomic limit).
 */
static void check_basic_io(size_t capacity)
{
    struct conn_pair cp;
    uint8_t *want = malloc(BASIC_LEN);
    uint8_t *got = malloc(BASIC_LEN);
    uint64_t seed = SEED;
    struct source src;
    struct sink_job dst;
    struct sched_thread t[2];

    assert_non_null(want);
    assert_non_null(got);
    rand_fill(&seed, want, BASIC_LEN);
    pair_open(&cp, capacity);
    memset(&src, 0, sizeof src);
    src.c = &cp.c1;
    src.data = want;
    src.limit = BASIC_LEN;
    memset(&dst, 0, sizeof dst);
    dst.c = &cp.c2;
    dst.keep = got;
    dst.cap = BASIC_LEN;
    dst.close_at_end = 1;
    start_thread(&t[0], "c1/write", source_main, &src);
    start_thread(&t[1], "c2/read", sink_main, &dst);
    assert_int_equal(sched_thread_join(&t[0]), STATUS_OK);
    assert_int_equal(sched_thread_join(&t[1]), STATUS_OK);
    assert_int_equal(src.st, STATUS_OK);
    assert_int_equal(src.sent, BASIC_LEN);
    assert_int_equal(dst.st, STATUS_EOF);
    assert_int_equal(dst.got, BASIC_LEN);
    assert_memory_equal(got, want, BASIC_LEN);
    pair_close(&cp);
    free(got);
    free(want);
}

static void test_nettest_BasicIO(void **state)
{
    (void)state;
    check_basic_io(0);
    check_basic_io(1000);
}

static uint64_t get_le64(const uint8_t *b)
{
    uint64_t v = 0;
    int i = 0;

    for (i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

static void put_le64(uint8_t *b, uint64_t v)
{
    int i = 0;

    for (i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

/* testPingPong's pingPonger: read v, check it, write v + 1, up to 1000. */
struct ponger {
    struct conn *c;
    uint64_t last;   /* the last value read */
    unsigned reads;  /* values read */
    uint64_t bad;    /* the first value that was not last + 2, or 0 */
    enum status end; /* EOF, or OK when it read 1000 */
    enum status err; /* an unexpected failure, or OK */
};

static enum status ponger_main(void *arg)
{
    struct ponger *p = arg;
    uint8_t buf[8];

    p->end = STATUS_UNKNOWN;
    for (;;) {
        size_t got = 0;
        enum status st = read_full(p->c, buf, sizeof buf, &got);
        uint64_t v = 0;

        if (st == STATUS_EOF && got == 0) {
            p->end = STATUS_EOF;
            break;
        }
        if (st != STATUS_OK) {
            p->err = st;
            break;
        }
        v = get_le64(buf);
        put_le64(buf, v + 1);
        if (p->last != 0 && p->last + 2 != v && p->bad == 0)
            p->bad = v;
        p->last = v;
        p->reads++;
        if (v == 1000) {
            p->end = STATUS_OK;
            break;
        }
        st = pipe_write(p->c->out, buf, sizeof buf, NULL);
        if (st != STATUS_OK) {
            p->err = st;
            break;
        }
    }
    conn_close(p->c);
    return STATUS_OK;
}

/*
 * testPingPong: c1 and c2 bounce a counter, each adding one, until 1000.
 * c2 reads the even values 0..1000 (501 of them) and stops at 1000; c1
 * reads the odd ones 1..999 (500), then EOF when c2 closes.
 */
static void check_ping_pong(size_t capacity)
{
    struct conn_pair cp;
    struct ponger p1;
    struct ponger p2;
    struct sched_thread t[2];
    uint8_t zero[8] = {0};

    pair_open(&cp, capacity);
    memset(&p1, 0, sizeof p1);
    memset(&p2, 0, sizeof p2);
    p1.c = &cp.c1;
    p2.c = &cp.c2;
    start_thread(&t[0], "c1/pong", ponger_main, &p1);
    start_thread(&t[1], "c2/pong", ponger_main, &p2);
    assert_int_equal(pipe_write(cp.c1.out, zero, sizeof zero, NULL), STATUS_OK);
    assert_int_equal(sched_thread_join(&t[0]), STATUS_OK);
    assert_int_equal(sched_thread_join(&t[1]), STATUS_OK);
    assert_int_equal(p1.err, STATUS_OK);
    assert_int_equal(p2.err, STATUS_OK);
    assert_int_equal(p1.bad, 0);
    assert_int_equal(p2.bad, 0);
    assert_int_equal(p2.end, STATUS_OK);
    assert_int_equal(p2.last, 1000);
    assert_int_equal(p2.reads, 501);
    assert_int_equal(p1.end, STATUS_EOF);
    assert_int_equal(p1.last, 999);
    assert_int_equal(p1.reads, 500);
    pair_close(&cp);
}

static void test_nettest_PingPong(void **state)
{
    (void)state;
    check_ping_pong(0);
    check_ping_pong(8); /* one value fills the pipe */
}

/* ------------------------------------------------------------------ */
/* RacyRead, RacyWrite                                                */
/* ------------------------------------------------------------------ */

#define RACERS 10
#define RACES 100

/*
 * One of testRacyRead's / testRacyWrite's goroutines: RACES calls with a
 * 1 ms deadline that is moved on after every timeout; after each call the
 * buffer is overwritten at once (under TSan, a call still touching it
 * would show as a race).
 */
struct racer {
    struct conn *c;
    int writes; /* 0: read, 1: write */
    unsigned ok;
    unsigned timeouts;
    unsigned bad;           /* failures that were not timeouts */
    enum status bad_status; /* the first of them */
    uint64_t bytes;         /* moved, as out_n said */
};

static enum status racer_main(void *arg)
{
    struct racer *r = arg;
    uint8_t b1[CHUNK];
    uint8_t b2[CHUNK];
    int j = 0;

    memset(b1, 0, sizeof b1);
    memset(b2, 0x5a, sizeof b2);
    for (j = 0; j < RACES; j++) {
        size_t n = 0;
        enum status st = r->writes ? pipe_write(r->c->out, b1, CHUNK, &n)
                                   : pipe_read(r->c->in, b1, CHUNK, &n);

        memcpy(b1, b2, sizeof b1); /* mutate b1 to trigger a race */
        if (st == STATUS_OK) {
            r->ok++;
            r->bytes += n;
            continue;
        }
        if (r->writes)
            r->bytes += n; /* a failed write says what got in */
        if (st == STATUS_DEADLINE_EXCEEDED) {
            r->timeouts++;
        } else if (r->bad++ == 0) {
            r->bad_status = st;
        }
        if (r->writes)
            pipe_set_write_deadline(r->c->out, in_ms(1));
        else
            pipe_set_read_deadline(r->c->in, in_ms(1));
    }
    return STATUS_OK;
}

/* Starts RACERS racers on c, joins them, and sums what they saw. */
static void run_racers(struct conn *c, int writes, struct racer *sum)
{
    struct racer r[RACERS];
    struct sched_thread t[RACERS];
    int i = 0;

    memset(sum, 0, sizeof *sum);
    for (i = 0; i < RACERS; i++) {
        memset(&r[i], 0, sizeof r[i]);
        r[i].c = c;
        r[i].writes = writes;
        start_thread(&t[i], writes ? "racy/write" : "racy/read", racer_main,
                     &r[i]);
    }
    for (i = 0; i < RACERS; i++) {
        assert_int_equal(sched_thread_join(&t[i]), STATUS_OK);
        if (r[i].bad > 0)
            fail_msg("racer %d: %u calls failed with %s, not a timeout", i,
                     r[i].bad, status_name(r[i].bad_status));
        sum->ok += r[i].ok;
        sum->timeouts += r[i].timeouts;
        sum->bytes += r[i].bytes;
    }
}

/*
 * testRacyRead: c2 streams random bytes; ten threads read c1 under a 1 ms
 * deadline, moving it on after each timeout. Every call is a success or a
 * timeout, and the bytes they say they read are the bytes that left s2c.
 */
static void test_nettest_RacyRead(void **state)
{
    struct conn_pair cp;
    struct source src;
    struct sched_thread t;
    struct racer sum;

    (void)state;
    pair_open(&cp, 4096);
    memset(&src, 0, sizeof src);
    src.c = &cp.c2;
    start_thread(&t, "c2/write", source_main, &src);
    pipe_set_read_deadline(cp.c1.in, in_ms(1));
    run_racers(&cp.c1, 0, &sum);
    assert_int_equal(sum.ok + sum.timeouts, RACERS * RACES);
    assert_true(sum.ok > 0);
    assert_int_equal(sum.bytes, pipe_get_stats(cp.c1.in).read);
    /* Closing c1 stops the writer: its reader is gone. */
    conn_close(&cp.c1);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(src.st, STATUS_CLOSED);
    assert_int_equal(src.sent, pipe_get_stats(cp.c1.in).written);
    pair_close(&cp);
}

/*
 * testRacyWrite: c2 discards what it reads; ten threads write c1 under a
 * 1 ms deadline. Every call is a success or a timeout, and the bytes the
 * writers say got in are exactly what c2 read before EOF.
 */
static void test_nettest_RacyWrite(void **state)
{
    struct conn_pair cp;
    struct sink_job dst;
    struct sched_thread t;
    struct racer sum;

    (void)state;
    pair_open(&cp, 4096);
    memset(&dst, 0, sizeof dst);
    dst.c = &cp.c2;
    start_thread(&t, "c2/read", sink_main, &dst);
    pipe_set_write_deadline(cp.c1.out, in_ms(1));
    run_racers(&cp.c1, 1, &sum);
    assert_int_equal(sum.ok + sum.timeouts, RACERS * RACES);
    assert_true(sum.ok > 0);
    assert_int_equal(sum.bytes, pipe_get_stats(cp.c1.out).written);
    conn_close(&cp.c1);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(dst.st, STATUS_EOF);
    assert_int_equal(dst.got, sum.bytes);
    pair_close(&cp);
}

/* ------------------------------------------------------------------ */
/* ReadTimeout, WriteTimeout, PastTimeout                             */
/* ------------------------------------------------------------------ */

/*
 * testReadTimeout: a read deadline in the past times out reads only; a
 * write on the same conn still works, and c2 gets its 1024 bytes.
 */
static void test_nettest_ReadTimeout(void **state)
{
    struct conn_pair cp;
    struct sink_job dst;
    struct sched_thread t;
    uint8_t buf[CHUNK];
    size_t n = UNTOUCHED;

    (void)state;
    pair_open(&cp, 0);
    memset(&dst, 0, sizeof dst);
    dst.c = &cp.c2;
    start_thread(&t, "c2/read", sink_main, &dst);
    pipe_set_read_deadline(cp.c1.in, long_ago());
    assert_int_equal(pipe_read(cp.c1.in, buf, sizeof buf, &n),
                     STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(n, UNTOUCHED);
    memset(buf, 0, sizeof buf);
    assert_int_equal(pipe_write(cp.c1.out, buf, sizeof buf, &n), STATUS_OK);
    assert_int_equal(n, sizeof buf);
    conn_close(&cp.c1);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(dst.st, STATUS_EOF);
    assert_int_equal(dst.got, sizeof buf);
    pair_close(&cp);
}

/*
 * testWriteTimeout: a write deadline in the past times out writes only
 * (0 bytes in); a read on the same conn still works and gets the first
 * bytes c2 sent.
 */
static void test_nettest_WriteTimeout(void **state)
{
    struct conn_pair cp;
    struct source src;
    struct sched_thread t;
    uint8_t buf[CHUNK];
    uint8_t want[CHUNK];
    uint64_t seed = SEED;
    size_t n = UNTOUCHED;

    (void)state;
    pair_open(&cp, 0);
    memset(&src, 0, sizeof src);
    src.c = &cp.c2;
    start_thread(&t, "c2/write", source_main, &src);
    pipe_set_write_deadline(cp.c1.out, long_ago());
    memset(buf, 0, sizeof buf);
    assert_int_equal(pipe_write(cp.c1.out, buf, sizeof buf, &n),
                     STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(n, 0);
    assert_int_equal(pipe_get_stats(cp.c1.out).written, 0);
    n = UNTOUCHED;
    assert_int_equal(pipe_read(cp.c1.in, buf, sizeof buf, &n), STATUS_OK);
    assert_in_range(n, 1, sizeof buf);
    rand_fill(&seed, want, sizeof want);
    assert_memory_equal(buf, want, n);
    conn_close(&cp.c1);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(src.st, STATUS_CLOSED);
    pair_close(&cp);
}

/*
 * testPastTimeout: a round trip works; with both deadlines in the past,
 * a write puts 0 bytes in and a read gets none, both timing out; with the
 * deadlines cleared, a round trip works again.
 */
static void test_nettest_PastTimeout(void **state)
{
    struct conn_pair cp;
    struct echo_job e;
    struct sched_thread t;
    uint8_t buf[CHUNK];
    size_t n = UNTOUCHED;

    (void)state;
    pair_open(&cp, 0);
    start_echo(&t, &e, &cp.c2);
    roundtrip(&cp.c1);
    conn_set_deadline(&cp.c1, long_ago());
    memset(buf, 0, sizeof buf);
    assert_int_equal(pipe_write(cp.c1.out, buf, sizeof buf, &n),
                     STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(n, 0);
    n = UNTOUCHED;
    assert_int_equal(pipe_read(cp.c1.in, buf, sizeof buf, &n),
                     STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(n, UNTOUCHED);
    roundtrip(&cp.c1);
    conn_close(&cp.c1);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(e.st, STATUS_EOF);
    assert_int_equal(e.echoed, 26); /* two "Hello, world!"s */
    pair_close(&cp);
}

/* ------------------------------------------------------------------ */
/* PresentTimeout, FutureTimeout                                      */
/* ------------------------------------------------------------------ */

/*
 * A worker that reads once, or writes CHUNK zeros until a write fails,
 * and notes whether the test had announced the deadline by then and when
 * it returned.
 */
struct timed {
    struct conn *c;
    int writes;
    struct latch *deadline_set; /* may be NULL */
    struct latch *done;         /* opened when it returns; may be NULL */
    unsigned ok;                /* successful writes before the failure */
    size_t n;                   /* the failing call's out_n */
    enum status st;             /* the failing call's status */
    int saw_deadline_set;
    int64_t returned_ns;
};

static enum status timed_main(void *arg)
{
    struct timed *w = arg;
    uint8_t buf[CHUNK];

    memset(buf, 0, sizeof buf);
    for (;;) {
        w->n = UNTOUCHED;
        if (w->writes) {
            w->st = pipe_write(w->c->out, buf, sizeof buf, &w->n);
        } else {
            w->st = pipe_read(w->c->in, buf, sizeof buf, &w->n);
            break;
        }
        if (w->st != STATUS_OK)
            break;
        w->ok++;
    }
    w->returned_ns = sched_now_ns();
    if (w->deadline_set != NULL)
        w->saw_deadline_set = latch_is_open(w->deadline_set);
    if (w->done != NULL)
        latch_open(w->done);
    return STATUS_OK;
}

static void start_timed(struct sched_thread *t, struct timed *w, struct conn *c,
                        int writes, struct latch *set, struct latch *done)
{
    memset(w, 0, sizeof *w);
    w->c = c;
    w->writes = writes;
    w->deadline_set = set;
    w->done = done;
    w->st = STATUS_UNKNOWN;
    start_thread(t, writes ? "timed/write" : "timed/read", timed_main, w);
}

/*
 * testPresentTimeout: a read (nothing comes) and writes (nobody reads)
 * wait on c1; a deadline in the past, set while they wait, times both out
 * at once. Neither may time out before the deadline was set: the test
 * opens a latch just before setting it, and each worker reads the latch
 * when its call returns. Go sleeps 100 ms to let them block; here the test
 * waits until both are blocked in their pipes.
 */
static void test_nettest_PresentTimeout(void **state)
{
    struct conn_pair cp;
    struct latch set;
    struct timed r;
    struct timed w;
    struct sched_thread t[2];

    (void)state;
    pair_open(&cp, 4096);
    latch_init(&set);
    start_timed(&t[0], &r, &cp.c1, 0, &set, NULL);
    start_timed(&t[1], &w, &cp.c1, 1, &set, NULL);
    assert_true(await_read_waits(cp.c1.in, 1));
    assert_true(await_write_waits(cp.c1.out, 1));
    latch_open(&set);
    pipe_set_read_deadline(cp.c1.in, long_ago());
    pipe_set_write_deadline(cp.c1.out, long_ago());
    assert_int_equal(sched_thread_join(&t[0]), STATUS_OK);
    assert_int_equal(sched_thread_join(&t[1]), STATUS_OK);
    assert_int_equal(r.st, STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(r.n, UNTOUCHED);
    assert_true(r.saw_deadline_set);
    assert_int_equal(w.st, STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(w.n, 0);
    assert_int_equal(w.ok, 4096 / CHUNK); /* filled the pipe, then waited */
    assert_true(w.saw_deadline_set);
    latch_destroy(&set);
    pair_close(&cp);
}

/*
 * testFutureTimeout: with both deadlines 20 ms ahead, a read and a stream
 * of writes on c1 time out, and not before the deadline. Then, with an
 * echo on c2, the conn resynchronises (the chunks the writer got in come
 * back, then the 0xff marker) and a round trip works.
 */
static void test_nettest_FutureTimeout(void **state)
{
    struct conn_pair cp;
    struct timed r;
    struct timed w;
    struct echo_job e;
    struct sched_thread t[3];
    int64_t deadline = 0;
    uint64_t resynced = 0;

    (void)state;
    pair_open(&cp, 4096);
    deadline = in_ms(20);
    conn_set_deadline(&cp.c1, deadline);
    start_timed(&t[0], &r, &cp.c1, 0, NULL, NULL);
    start_timed(&t[1], &w, &cp.c1, 1, NULL, NULL);
    assert_int_equal(sched_thread_join(&t[0]), STATUS_OK);
    assert_int_equal(sched_thread_join(&t[1]), STATUS_OK);
    assert_int_equal(r.st, STATUS_DEADLINE_EXCEEDED);
    assert_true(r.returned_ns >= deadline);
    assert_int_equal(w.st, STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(w.n, 0);
    assert_true(w.returned_ns >= deadline);
    /* Normally 4 chunks fill the pipe first; a very slow start fits fewer. */
    assert_in_range(w.ok, 0, 4096 / CHUNK);

    start_echo(&t[2], &e, &cp.c2);
    resynced = resync(&cp.c1);
    assert_int_equal(resynced, w.ok * CHUNK + 1);
    roundtrip(&cp.c1);
    conn_close(&cp.c1);
    assert_int_equal(sched_thread_join(&t[2]), STATUS_OK);
    assert_int_equal(e.st, STATUS_EOF);
    assert_int_equal(e.echoed, w.ok * CHUNK + 1 + 13);
    pair_close(&cp);
}

/* ------------------------------------------------------------------ */
/* Deadlines moved while a call waits                                 */
/* ------------------------------------------------------------------ */

/*
 * Runs body(arg) simulated (seed 1) and checks it ended cleanly. The two
 * tests that compare when a call returned with a deadline run this way:
 * time is virtual, so the comparison is exact whatever the machine's load,
 * and body only records, the test asserts afterwards.
 */
static void run_simulated(sched_fn body, void *arg)
{
    struct sched_sim_options o;
    struct sched_sim_result res;
    enum status st = STATUS_UNKNOWN;

    memset(&o, 0, sizeof o);
    o.seed = 1;
    assert_int_equal(sched_sim_run(&o, body, arg, &st, &res), STATUS_OK);
    assert_false(res.deadlocked);
    assert_int_equal(st, STATUS_OK);
    sched_sim_result_free(&res);
}

/* Reads (or writes) c until a call fails; opens moved after the first OK. */
struct looper {
    struct conn *c;
    int writes;
    struct latch *moved;
    uint64_t calls;
    enum status st;
    int64_t returned_ns;
};

/* What a read and a write waiting on c1 saw, and when. */
struct two_waits {
    struct timed r;
    struct timed w;
    struct looper lr;
    struct looper lw;
    int blocked;          /* both were seen waiting in their pipes */
    enum status joined[2];
    int64_t old_deadline;
    int64_t new_deadline;
    enum status drained;  /* CloseTimeout: c2's read_full after the close */
    size_t got;
};

static enum status moved_earlier_body(void *arg)
{
    struct two_waits *m = arg;
    struct conn_pair cp;
    struct sched_thread t[2];

    pair_open(&cp, 4096);
    m->old_deadline = in_ms(10000);
    conn_set_deadline(&cp.c1, m->old_deadline);
    start_timed(&t[0], &m->r, &cp.c1, 0, NULL, NULL);
    start_timed(&t[1], &m->w, &cp.c1, 1, NULL, NULL);
    m->blocked = await_read_waits(cp.c1.in, 1) &&
                 await_write_waits(cp.c1.out, 1);
    m->new_deadline = in_ms(10);
    conn_set_deadline(&cp.c1, m->new_deadline);
    m->joined[0] = sched_thread_join(&t[0]);
    m->joined[1] = sched_thread_join(&t[1]);
    pair_close(&cp);
    return STATUS_OK;
}

/*
 * Not a nettest case of its own (PresentTimeout and ConcurrentMethods
 * touch it): a deadline moved earlier while a read and a write wait ends
 * them at the new deadline, well before the old one.
 */
static void test_nettest_deadline_moved_earlier_ends_waits(void **state)
{
    struct two_waits m;

    (void)state;
    memset(&m, 0, sizeof m);
    run_simulated(moved_earlier_body, &m);
    assert_true(m.blocked);
    assert_int_equal(m.joined[0], STATUS_OK);
    assert_int_equal(m.joined[1], STATUS_OK);
    assert_int_equal(m.r.st, STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(m.w.st, STATUS_DEADLINE_EXCEEDED);
    assert_true(m.r.returned_ns >= m.new_deadline);
    assert_true(m.w.returned_ns >= m.new_deadline);
    assert_true(m.r.returned_ns < m.old_deadline);
    assert_true(m.w.returned_ns < m.old_deadline);
    /* Virtual time: not just before the old one, at the new one exactly. */
    assert_int_equal(m.r.returned_ns, m.new_deadline);
    assert_int_equal(m.w.returned_ns, m.new_deadline);
}

/*
 * One try of "moved later": a read and a write wait on c1 under a deadline
 * window_ms ahead; the test clears it, lets the old deadline pass, then
 * gives the reader a byte and the writer room: both must succeed. Returns
 * 0 when the test itself was too slow to clear the deadline before it
 * passed (the try proves nothing; the caller tries a longer window).
 * The sleep past the old deadline cannot make the test fail when the
 * library is right: were it too short, the test would only prove less.
 */
static int try_deadline_moved_later(int64_t window_ms)
{
    struct conn_pair cp;
    struct timed r;
    struct timed w;
    struct sched_thread t[2];
    struct latch read_done;
    uint8_t buf[CHUNK];
    int64_t old_deadline = 0;
    int64_t cleared_at = 0;
    size_t got = 0;

    pair_open(&cp, 4096);
    latch_init(&read_done);
    old_deadline = in_ms(window_ms);
    conn_set_deadline(&cp.c1, old_deadline);
    start_timed(&t[0], &r, &cp.c1, 0, NULL, &read_done);
    start_timed(&t[1], &w, &cp.c1, 1, NULL, NULL);
    assert_true(await_read_waits(cp.c1.in, 1));
    assert_true(await_write_waits(cp.c1.out, 1));
    conn_set_deadline(&cp.c1, SCHED_NO_DEADLINE);
    cleared_at = sched_now_ns();
    if (cleared_at < old_deadline) {
        sched_sleep_ns(old_deadline - sched_now_ns() + 5 * MS);
        /* The old deadline has passed; the read must still be waiting. */
        assert_false(latch_is_open(&read_done));
        assert_int_equal(pipe_write(cp.c2.out, "z", 1, NULL), STATUS_OK);
        /* Room for one more chunk; the writer's next wait ends the loop. */
        assert_int_equal(read_full(&cp.c2, buf, CHUNK, &got), STATUS_OK);
        assert_true(await_write_waits(cp.c1.out, 2));
    }
    /* Unblock everything: c2 goes away. */
    conn_close(&cp.c2);
    assert_int_equal(sched_thread_join(&t[0]), STATUS_OK);
    assert_int_equal(sched_thread_join(&t[1]), STATUS_OK);
    latch_destroy(&read_done);
    pair_close(&cp);
    if (cleared_at >= old_deadline)
        return 0;
    assert_int_equal(r.st, STATUS_OK);
    assert_int_equal(r.n, 1);
    /* 4 chunks filled the pipe, the 5th went in after c2 read one, then
       the 6th waited until c2 closed. */
    assert_int_equal(w.ok, 4096 / CHUNK + 1);
    assert_int_equal(w.st, STATUS_CLOSED);
    return 1;
}

static void test_nettest_deadline_moved_later_keeps_waiting(void **state)
{
    int64_t window_ms = 20;

    (void)state;
    while (!try_deadline_moved_later(window_ms)) {
        window_ms *= 2;
        if (window_ms > 5000)
            fail_msg("could never clear a deadline before it passed");
    }
}

/* ------------------------------------------------------------------ */
/* CloseTimeout                                                       */
/* ------------------------------------------------------------------ */

static enum status looper_main(void *arg)
{
    struct looper *l = arg;
    uint8_t buf[CHUNK];

    memset(buf, 0, sizeof buf);
    do {
        l->st = l->writes ? pipe_write(l->c->out, buf, sizeof buf, NULL)
                          : pipe_read(l->c->in, buf, sizeof buf, NULL);
        if (l->st == STATUS_OK && l->calls++ == 0 && l->moved != NULL)
            latch_open(l->moved);
    } while (l->st == STATUS_OK);
    l->returned_ns = sched_now_ns();
    return STATUS_OK;
}

static void start_looper(struct sched_thread *t, struct looper *l,
                         struct conn *c, int writes, struct latch *moved)
{
    memset(l, 0, sizeof *l);
    l->c = c;
    l->writes = writes;
    l->moved = moved;
    l->st = STATUS_UNKNOWN;
    start_thread(t, writes ? "loop/write" : "loop/read", looper_main, l);
}

/*
 * testCloseTimeout: with an echo on c2, a reader and a writer loop on c1
 * with no deadline; closing c1 ends both loops, with CLOSED. Go sleeps
 * 100 ms first; here the test waits until data has gone round once (the
 * reader's first read). The echo ends with EOF (c1's half-close) or with
 * CLOSED (c1 no longer reads).
 */
static void test_nettest_CloseTimeout(void **state)
{
    struct conn_pair cp;
    struct echo_job e;
    struct looper r;
    struct looper w;
    struct latch moved;
    struct sched_thread t[3];

    (void)state;
    pair_open(&cp, 4096);
    latch_init(&moved);
    start_echo(&t[0], &e, &cp.c2);
    conn_set_deadline(&cp.c1, SCHED_NO_DEADLINE);
    start_looper(&t[1], &r, &cp.c1, 0, &moved);
    start_looper(&t[2], &w, &cp.c1, 1, NULL);
    latch_wait(&moved);
    conn_close(&cp.c1);
    assert_int_equal(sched_thread_join(&t[1]), STATUS_OK);
    assert_int_equal(sched_thread_join(&t[2]), STATUS_OK);
    assert_int_equal(sched_thread_join(&t[0]), STATUS_OK);
    assert_int_equal(r.st, STATUS_CLOSED);
    assert_int_equal(w.st, STATUS_CLOSED);
    assert_true(r.calls >= 1);
    assert_true(w.calls >= 1);
    assert_true(e.st == STATUS_EOF || e.st == STATUS_CLOSED);
    latch_destroy(&moved);
    pair_close(&cp);
}

/*
 * The same with the two calls surely inside a timed wait: no echo, so the
 * read waits for data and the writes fill the pipe and wait for room,
 * both under a deadline 10 s ahead. Closing c1 wakes both at once with
 * CLOSED, long before the deadline.
 */
static enum status close_timeout_body(void *arg)
{
    struct two_waits *m = arg;
    struct conn_pair cp;
    struct sched_thread t[2];
    uint8_t buf[8192];

    pair_open(&cp, 4096);
    m->old_deadline = in_ms(10000);
    conn_set_deadline(&cp.c1, m->old_deadline);
    start_looper(&t[0], &m->lr, &cp.c1, 0, NULL);
    start_looper(&t[1], &m->lw, &cp.c1, 1, NULL);
    m->blocked = await_read_waits(cp.c1.in, 1) &&
                 await_write_waits(cp.c1.out, 1);
    conn_close(&cp.c1);
    m->joined[0] = sched_thread_join(&t[0]);
    m->joined[1] = sched_thread_join(&t[1]);
    /* c2 still drains what c1 wrote before closing, then gets EOF. */
    m->drained = read_full(&cp.c2, buf, sizeof buf, &m->got);
    pair_close(&cp);
    return STATUS_OK;
}

static void test_nettest_CloseTimeout_wakes_timed_waits(void **state)
{
    struct two_waits m;

    (void)state;
    memset(&m, 0, sizeof m);
    run_simulated(close_timeout_body, &m);
    assert_true(m.blocked);
    assert_int_equal(m.joined[0], STATUS_OK);
    assert_int_equal(m.joined[1], STATUS_OK);
    assert_int_equal(m.lr.st, STATUS_CLOSED);
    assert_int_equal(m.lr.calls, 0);
    assert_int_equal(m.lw.st, STATUS_CLOSED);
    assert_int_equal(m.lw.calls, 4096 / CHUNK);
    assert_true(m.lr.returned_ns < m.old_deadline);
    assert_true(m.lw.returned_ns < m.old_deadline);
    assert_int_equal(m.drained, STATUS_EOF);
    assert_int_equal(m.got, 4096);
}

/* ------------------------------------------------------------------ */
/* ConcurrentMethods                                                  */
/* ------------------------------------------------------------------ */

enum method {
    M_READ,
    M_WRITE,
    M_SET_DEADLINE,
    M_SET_READ_DEADLINE,
    M_SET_WRITE_DEADLINE,
    M_LOCAL_ADDR,
    M_REMOTE_ADDR,
    NMETHODS
};

struct call {
    struct conn *c;
    enum method m;
    size_t n;
    enum status st;
};

static enum status call_main(void *arg)
{
    struct call *k = arg;
    uint8_t buf[CHUNK];

    memset(buf, 0, sizeof buf);
    k->st = STATUS_OK;
    k->n = 0;
    switch (k->m) {
    case M_READ: k->st = pipe_read(k->c->in, buf, sizeof buf, &k->n); break;
    case M_WRITE: k->st = pipe_write(k->c->out, buf, sizeof buf, &k->n); break;
    case M_SET_DEADLINE: conn_set_deadline(k->c, in_ms(10)); break;
    case M_SET_READ_DEADLINE:
        pipe_set_read_deadline(k->c->in, long_ago());
        break;
    case M_SET_WRITE_DEADLINE:
        pipe_set_write_deadline(k->c->out, long_ago());
        break;
    case M_LOCAL_ADDR: (void)pipe_buffered(k->c->in); break;
    case M_REMOTE_ADDR: (void)pipe_get_stats(k->c->out); break;
    case NMETHODS: break;
    }
    return STATUS_OK;
}

#define ITERATIONS 100
#define BATCH 10 /* iterations whose threads run at once */

/*
 * testConcurrentMethods: 100 times, the seven methods each on a thread of
 * its own, all at once, with an echo on c2. Results may be nonsensical,
 * but each read and write ends OK or with a timeout (never hangs: every
 * deadline set is at most 10 ms ahead), TSan sees no race, and the counts
 * add up: the echo read every byte the writes put in, and the test reads
 * back, after resync and a round trip, everything the echo sent. Go starts
 * all 700 goroutines at once; here they run ten iterations at a time.
 */
static void test_nettest_ConcurrentMethods(void **state)
{
    struct conn_pair cp;
    struct echo_job e;
    struct sched_thread et;
    struct call calls[BATCH * NMETHODS];
    struct sched_thread t[BATCH * NMETHODS];
    uint64_t written = 0;
    uint64_t read = 0;
    int b = 0;
    int i = 0;

    (void)state;
    pair_open(&cp, 0);
    start_echo(&et, &e, &cp.c2);
    for (b = 0; b < ITERATIONS / BATCH; b++) {
        for (i = 0; i < BATCH * NMETHODS; i++) {
            calls[i].c = &cp.c1;
            calls[i].m = (enum method)(i % NMETHODS);
            calls[i].st = STATUS_UNKNOWN;
            start_thread(&t[i], "method", call_main, &calls[i]);
        }
        for (i = 0; i < BATCH * NMETHODS; i++) {
            struct call *k = &calls[i];

            assert_int_equal(sched_thread_join(&t[i]), STATUS_OK);
            if (k->m != M_READ && k->m != M_WRITE) {
                assert_int_equal(k->st, STATUS_OK);
                continue;
            }
            if (k->st != STATUS_OK && k->st != STATUS_DEADLINE_EXCEEDED)
                fail_msg("%s ended with %s", k->m == M_READ ? "read" : "write",
                         status_name(k->st));
            if (k->m == M_WRITE) {
                assert_int_equal(k->n, k->st == STATUS_OK ? CHUNK : 0);
                written += k->n;
            } else if (k->st == STATUS_OK) {
                assert_in_range(k->n, 1, CHUNK);
                read += k->n;
            }
        }
    }
    read += resync(&cp.c1);
    roundtrip(&cp.c1);
    read += 13;
    written += 1 + 13;
    conn_close(&cp.c1);
    assert_int_equal(sched_thread_join(&et), STATUS_OK);
    assert_int_equal(e.st, STATUS_EOF);
    assert_int_equal(pipe_get_stats(cp.c1.out).written, written);
    assert_int_equal(e.echoed, written);
    assert_int_equal(pipe_get_stats(cp.c1.in).read, read);
    assert_int_equal(read, written); /* all echoed bytes came back */
    pair_close(&cp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nettest_BasicIO),
        cmocka_unit_test(test_nettest_PingPong),
        cmocka_unit_test(test_nettest_RacyRead),
        cmocka_unit_test(test_nettest_RacyWrite),
        cmocka_unit_test(test_nettest_ReadTimeout),
        cmocka_unit_test(test_nettest_WriteTimeout),
        cmocka_unit_test(test_nettest_PastTimeout),
        cmocka_unit_test(test_nettest_PresentTimeout),
        cmocka_unit_test(test_nettest_FutureTimeout),
        cmocka_unit_test(test_nettest_deadline_moved_earlier_ends_waits),
        cmocka_unit_test(test_nettest_deadline_moved_later_keeps_waiting),
        cmocka_unit_test(test_nettest_CloseTimeout),
        cmocka_unit_test(test_nettest_CloseTimeout_wakes_timed_waits),
        cmocka_unit_test(test_nettest_ConcurrentMethods),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

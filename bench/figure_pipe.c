/*
 * figure 1, pipe: streaming throughput through one pipe, duplex's against
 * pipe(2)'s and socketpair(2)'s, in MB/s (10^6 bytes per second, as the Go
 * peers count it).
 *
 * Design
 *   One writer thread writes chunks of the payload size for
 *   work.pipe_seconds, then half-closes; one reader thread reads up to
 *   READ_BUF bytes at a time until EOF and checks every byte against the
 *   pattern. The figure is the bytes moved over the time from starting the
 *   threads to the reader's EOF, so it includes draining what was still
 *   buffered. The runs are timed rather than counted because duplex and
 *   the kernel differ about tenfold at 16 B.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "table.h"

struct flow {
    struct conduit *c;
    const uint8_t *pattern;
    size_t chunk;      /* bytes per write */
    int64_t stop_ns;   /* the writer stops at its first look after this */
    uint64_t sent;     /* bytes the writer wrote */
    uint8_t *buf;      /* the reader's READ_BUF bytes */
    uint64_t received; /* bytes the reader checked */
    char write_err[ERR_MAX];
    char read_err[ERR_MAX];
};

/* Writes chunks until stop_ns (looking at the clock every 256), then
 * half-closes. */
static enum status flow_writer(void *arg)
{
    struct flow *f = arg;
    long i = 0;

    for (i = 0; i % 256 != 0 || now_ns() < f->stop_ns; i++) {
        const char *e = conduit_write(
            f->c, pattern_message(f->pattern, i, f->chunk), f->chunk);

        if (e != NULL) {
            snprintf(f->write_err, ERR_MAX, "write %ld: %s", i, e);
            break;
        }
        f->sent += f->chunk;
    }
    conduit_close_write(f->c); /* on failure too: the reader must end */
    return f->write_err[0] ? STATUS_INTERNAL : STATUS_OK;
}

/* Reads to EOF and checks that every byte is the one sent, in order. */
static enum status flow_reader(void *arg)
{
    struct flow *f = arg;
    const char *e = NULL;
    size_t n = 0;

    for (;;) {
        const uint8_t *want = pattern_at(f->pattern, f->received);

        e = conduit_read(f->c, f->buf, READ_BUF, &n);
        if (e != NULL || n == 0)
            break;
        if (memcmp(f->buf, want, n) != 0) {
            snprintf(f->read_err, ERR_MAX, "byte %llu is not the one sent",
                     (unsigned long long)(f->received +
                                          first_difference(f->buf, want, n)));
            conduit_close_read(f->c);
            return STATUS_INTERNAL;
        }
        f->received += n;
    }
    if (e != NULL)
        snprintf(f->read_err, ERR_MAX, "read: %s", e);
    return f->read_err[0] ? STATUS_INTERNAL : STATUS_OK;
}

/* Keeps what the kernel made of the buffer asked for, for the table. */
static void note_buffer(struct bench *b, const struct conduit *c)
{
    if (c->via == VIA_PIPE2)
        b->r.pipe2_capacity = c->kernel_buffer;
    else if (c->via == VIA_SOCKETPAIR)
        b->r.sock_sndbuf = c->kernel_buffer;
}

/* After a run: both threads ended well and every byte sent arrived. */
static void flow_check(const struct flow *f, enum via via, int si)
{
    if (f->write_err[0] || f->read_err[0])
        check_failed("pipe %s through %s: %s%s%s", bench_size_names[si],
                     via_names[via], f->read_err,
                     f->read_err[0] && f->write_err[0] ? "; " : "",
                     f->write_err);
    if (f->received != f->sent || f->sent == 0)
        check_failed("pipe %s through %s: EOF after %llu bytes, %llu sent",
                     bench_size_names[si], via_names[via],
                     (unsigned long long)f->received,
                     (unsigned long long)f->sent);
}

/* One run: returns MB/s. */
static double pipe_run(struct bench *b, enum via via, int si)
{
    struct conduit c;
    struct flow f;
    struct sched_thread writer;
    struct sched_thread reader;
    int64_t t0 = 0;
    double secs = 0;

    conduit_open(&c, via);
    note_buffer(b, &c);
    memset(&f, 0, sizeof f);
    f.c = &c;
    f.pattern = b->pattern;
    f.chunk = bench_sizes[si];
    f.buf = b->readbuf;
    t0 = now_ns();
    f.stop_ns = t0 + (int64_t)(b->w->pipe_seconds * 1e9);
    start_thread(&writer, "writer", flow_writer, &f);
    start_thread(&reader, "reader", flow_reader, &f);
    sched_thread_join(&writer);
    sched_thread_join(&reader);
    secs = seconds_since(t0);
    conduit_close(&c);
    flow_check(&f, via, si);
    return (double)f.received / secs / 1e6;
}

static void measure(struct bench *b)
{
    double v[VIA_COUNT][RUNS_MAX];
    int si = 0;
    int run = 0;
    int via = 0;

    for (si = 0; si < NSIZES; si++) {
        progress(b, "pipe throughput, %s writes", bench_size_names[si]);
        for (run = 0; run < b->o.runs; run++) {
            for (via = 0; via < VIA_COUNT; via++) {
                watchdog_arm(&b->dog, "pipe %s through %s",
                             bench_size_names[si], via_names[via]);
                v[via][run] = pipe_run(b, (enum via)via, si);
            }
        }
        for (via = 0; via < VIA_COUNT; via++)
            b->r.pipe[si][via] = summarize(v[via], b->o.runs);
    }
}

static void print(const struct bench *b)
{
    static const int w[6] = {9, 15, 15, 15, 10, 0};
    static const char *const head[6] = {"size",     "duplex",
                                        "pipe(2)",  "socketpair(2)",
                                        "/pipe(2)", "/socketpair(2)"};
    const struct results *r = &b->r;
    char c[5][CELL_MAX];
    int si = 0;
    int via = 0;

    printf("1. Pipe streaming throughput, MB/s (higher is better)\n"
           "   One writer thread, one reader thread: writes of SIZE bytes for "
           "%.1f s, reads of\n"
           "   64 KiB. Buffers: duplex %d KiB, pipe(2) %d KiB (F_SETPIPE_SZ), "
           "socketpair(2)\n"
           "   SO_SNDBUF %d KiB (the kernel doubles what is asked, for its "
           "bookkeeping).\n",
           b->w->pipe_seconds, CAPACITY / 1024, r->pipe2_capacity / 1024,
           r->sock_sndbuf / 1024);
    print_row(6, w, head);
    for (si = 0; si < NSIZES; si++) {
        const struct summary *s = r->pipe[si];
        const char *row[6] = {
            bench_size_names[si], c[0], c[1], c[2], c[3], c[4]};

        for (via = 0; via < VIA_COUNT; via++)
            fmt_cell(c[via], CELL_MAX, &s[via]);
        fmt_ratio(c[3], CELL_MAX, s[0].median, s[1].median);
        fmt_ratio(c[4], CELL_MAX, s[0].median, s[2].median);
        print_row(6, w, row);
    }
    printf("\n");
}

/*
 * Issue #16, target 1: at 64 KiB, twice pipe(2) and at least socketpair(2);
 * 16 B and 1 KiB keep the targets they had.
 */
static void targets(const struct bench *b)
{
    static const double need[NSIZES] = {5, 2, 2};
    const int last = NSIZES - 1;
    char what[80];
    int si = 0;

    for (si = 0; si < NSIZES; si++) {
        snprintf(what, sizeof what, "pipe >= %gx pipe(2) at %s", need[si],
                 bench_size_names[si]);
        ratio_target(b, 1, b->r.pipe[si][VIA_DUPLEX].median,
                     b->r.pipe[si][VIA_PIPE2].median, need[si], 1, what, "-");
    }
    snprintf(what, sizeof what, "pipe >= 1x socketpair(2) at %s",
             bench_size_names[last]);
    ratio_target(b, 1, b->r.pipe[last][VIA_DUPLEX].median,
                 b->r.pipe[last][VIA_SOCKETPAIR].median, 1, 1, what, "-");
}

static void lines(const struct bench *b)
{
    int si = 0;

    for (si = 0; si < NSIZES; si++) {
        const struct summary *s = b->r.pipe[si];
        size_t size = bench_sizes[si];

        bench_line("pipe", size, s[0].median, "MB/s", "pipe2", s[1].median);
        bench_line("pipe", size, s[0].median, "MB/s", "socketpair",
                   s[2].median);
        bench_line("pipe2", size, s[1].median, "MB/s", NULL, 0);
        bench_line("socketpair", size, s[2].median, "MB/s", NULL, 0);
    }
}

const struct figure figure_pipe = {"pipe", measure, print, targets, lines};

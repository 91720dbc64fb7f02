/*
 * figure 3, pingpong: one message, wait for its echo, repeat. The median
 * and the 99th percentile round trip in microseconds, through a duplex
 * stream against two pipe(2)s with the same framing; with the Go peers,
 * against Go's io.Pipe.
 *
 * Design
 *   The client runs on the main thread; the echo server (call.h) on its
 *   own. WARMUP_TRIPS untimed round trips come first, as in the Go peer.
 *   Every round trip is timed on its own, and every echo is checked
 *   outside the timed part. Percentiles are picked as the Go peer picks
 *   them: the element at p/100 * (n - 1) of the sorted times, rounded
 *   down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "call.h"
#include "table.h"

#define WARMUP_TRIPS 100 /* untimed round trips, as the Go peer */

/* Sends msg and waits for its echo: *out_echo, *out_len. NULL or error. */
typedef const char *(*trip_fn)(void *arg, const uint8_t *msg, size_t size,
                               const uint8_t **out_echo, size_t *out_len);

/* The client's loop: the warm-up, then trips timed ones into lat (ns). */
static void ping_loop(const struct bench *b, size_t size, long trips,
                      int64_t *lat, trip_fn trip, void *arg, const char *what)
{
    long i = 0;

    for (i = -WARMUP_TRIPS; i < trips; i++) {
        long k = i + WARMUP_TRIPS;
        const uint8_t *msg = pattern_message(b->pattern, k, size);
        const uint8_t *echo = NULL;
        size_t len = 0;
        int64_t t0 = now_ns();
        const char *e = trip(arg, msg, size, &echo, &len);

        if (i >= 0)
            lat[i] = now_ns() - t0;
        if (e != NULL)
            check_failed("%s: round trip %ld: %s", what, k, e);
        if (len != size || memcmp(echo, msg, size) != 0)
            check_failed("%s: echo %ld is not its message", what, k);
    }
}

/* ---- through a duplex stream ------------------------------------------- */

/* The client of a ping-pong call through a stream: where echoes land. */
struct stream_client {
    struct call *c;
    struct frame_msg m;
};

static const char *stream_trip(void *arg, const uint8_t *msg, size_t size,
                               const uint8_t **out_echo, size_t *out_len)
{
    struct stream_client *sc = arg;
    struct stream_end *e = sc->c->client_end;
    struct status_detail why;
    enum status st = STATUS_OK;

    status_detail_clear(&why);
    st = stream_send(e, msg, size, &why);
    if (st == STATUS_OK)
        st = stream_recv(e, &sc->m, &why);
    if (st != STATUS_OK) {
        stream_cancel(e);
        return status_name(st);
    }
    *out_echo = sc->m.data;
    *out_len = sc->m.length;
    return NULL;
}

/* One run of trips timed round trips through a duplex stream on wire
 * (NULL: raw); the round trips go into lat (ns), call.handed into
 * handed. */
static void ping_stream_run(struct bench *b, int si,
                            const struct wire_type *wire, long trips,
                            int64_t *lat, double handed[2])
{
    const char *what = wire != NULL ? "pingpong through duplex on the h2 wire"
                                    : "pingpong through duplex";
    struct stream_client sc;
    struct sched_thread server;
    struct status_detail why;
    struct call c;
    enum status st = STATUS_OK;

    call_open_wire(&c, b->pattern, bench_sizes[si], trips + WARMUP_TRIPS,
                   wire);
    memset(&sc, 0, sizeof sc);
    sc.c = &c;
    call_start_server(&c, &server);
    ping_loop(b, bench_sizes[si], trips, lat, stream_trip, &sc, what);
    stream_close_send(c.client_end);
    st = stream_recv(c.client_end, &sc.m, &why);
    sched_thread_join(&server);
    frame_msg_free(&sc.m);
    if (st != STATUS_EOF)
        snprintf(c.recv_err, ERR_MAX, "after the last echo: %s %s, want EOF",
                 status_name(st), why.text);
    call_close(&c, what);
    handed[0] = c.handed[0];
    handed[1] = c.handed[1];
}

/* ---- through two pipe(2)s ---------------------------------------------- */

static const char *fd_trip(void *arg, const uint8_t *msg, size_t size,
                           const uint8_t **out_echo, size_t *out_len)
{
    struct fd_call *f = arg;
    int eof = 0;
    const char *e = conduit_frame_send(&f->c2s, msg, size);

    if (e == NULL)
        e = conduit_frame_recv(&f->s2c, f->client_buf, out_len, &eof);
    if (e == NULL && eof)
        e = "EOF instead of the echo";
    *out_echo = f->client_buf;
    return e;
}

static void ping_fd_run(struct bench *b, int si, int64_t *lat)
{
    static const char what[] = "pingpong through pipe(2)";
    struct sched_thread server;
    struct fd_call f;
    const char *e = NULL;
    size_t len = 0;
    int eof = 0;

    fd_call_open(&f);
    fd_call_start_server(&f, &server);
    ping_loop(b, bench_sizes[si], b->w->ping_trips[si], lat, fd_trip, &f, what);
    conduit_close_write(&f.c2s);
    e = conduit_frame_recv(&f.s2c, f.client_buf, &len, &eof);
    sched_thread_join(&server);
    if (e == NULL && !eof)
        e = "a frame after the last echo";
    fd_call_close(&f, e, what);
}

/* ---- the figure --------------------------------------------------------- */

static int cmp_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* The p-th percentile of n sorted latencies, in us (see Design). */
static double percentile_us(const int64_t *sorted, long n, int p)
{
    return (double)sorted[(long)((double)p / 100 * (double)(n - 1))] / 1e3;
}

void pingpong_stream_run(struct bench *b, int si,
                         const struct wire_type *wire, long trips,
                         double out_us[2])
{
    int64_t *lat = xmalloc((size_t)trips * sizeof *lat);
    double handed[2];

    ping_stream_run(b, si, wire, trips, lat, handed);
    qsort(lat, (size_t)trips, sizeof *lat, cmp_int64);
    out_us[0] = percentile_us(lat, trips, 50);
    out_us[1] = percentile_us(lat, trips, 99);
    free(lat);
}

static void measure(struct bench *b)
{
    double v[2][2][RUNS_MAX]; /* [duplex, pipe(2)][median, p99][run] */
    double h[2][RUNS_MAX];    /* call.handed, [c2s, s2c][run] */
    double handed[2] = {0, 0};
    int si = 0;
    int run = 0;
    int via = 0;

    for (si = 0; si < NSIZES; si++) {
        long trips = b->w->ping_trips[si];
        int64_t *lat = xmalloc((size_t)trips * sizeof *lat);

        progress(b, "ping-pong, %s messages", bench_size_names[si]);
        for (run = 0; run < b->o.runs; run++) {
            for (via = 0; via < 2; via++) {
                watchdog_arm(&b->dog, "ping-pong %s through %s",
                             bench_size_names[si], via_names[via]);
                if (via == 0)
                    ping_stream_run(b, si, NULL, trips, lat, handed);
                else
                    ping_fd_run(b, si, lat);
                qsort(lat, (size_t)trips, sizeof *lat, cmp_int64);
                v[via][0][run] = percentile_us(lat, trips, 50);
                v[via][1][run] = percentile_us(lat, trips, 99);
            }
            h[0][run] = handed[0];
            h[1][run] = handed[1];
        }
        for (via = 0; via < 2; via++) {
            b->r.ping[si][via][0] = summarize(v[via][0], b->o.runs);
            b->r.ping[si][via][1] = summarize(v[via][1], b->o.runs);
        }
        b->r.ping_handed[si][0] = summarize(h[0], b->o.runs);
        b->r.ping_handed[si][1] = summarize(h[1], b->o.runs);
        free(lat);
    }
}

static void print(const struct bench *b)
{
    static const int w[7] = {9, 12, 12, 8, 12, 12, 0};
    static const char *const head[7] = {"size", "median",  "pipe(2)", "ratio",
                                        "p99",  "pipe(2)", "ratio"};
    int si = 0;

    printf("3. Ping-pong round trip, microseconds (lower is better)\n"
           "   Send one message, wait for its echo, repeat; a server thread "
           "echoes. pipe(2):\n"
           "   two pipes, the same 5-byte framing. ratio = duplex / "
           "pipe(2).\n");
    print_row(7, w, head);
    for (si = 0; si < NSIZES; si++) {
        const struct summary(*p)[2] = b->r.ping[si];

        /* The medians, then the 99th percentiles. */
        print_versus_row(w, bench_size_names[si], &p[0][0], &p[1][0], &p[0][1],
                         &p[1][1]);
    }
    print_handed(b->r.ping_handed);
    printf("\n");
}

static void targets(const struct bench *b)
{
    const struct results *r = &b->r;
    char what[80];
    int si = 0;

    for (si = 0; si < NSIZES; si++) {
        snprintf(what, sizeof what, "ping-pong median <= Go io.Pipe's at %s",
                 bench_size_names[si]);
        ratio_target(b, r->go.ran, r->ping[si][0][0].median,
                     go_value(&r->go, "pingpong-iopipe", bench_sizes[si], 1), 1,
                     0, what, go_missing(&r->go));
    }
    for (si = 0; si < NSIZES; si++) {
        snprintf(what, sizeof what, "ping-pong median <= 0.1x pipe(2)'s at %s",
                 bench_size_names[si]);
        ratio_target(b, 1, r->ping[si][0][0].median, r->ping[si][1][0].median,
                     0.1, 0, what, "-");
    }
}

static void lines(const struct bench *b)
{
    int si = 0;

    for (si = 0; si < NSIZES; si++) {
        const struct summary(*p)[2] = b->r.ping[si];
        size_t size = bench_sizes[si];
        double go_med = go_value(&b->r.go, "pingpong-iopipe", size, 1);

        bench_line("pingpong", size, p[0][0].median, "us", "pipe2",
                   p[1][0].median);
        if (b->r.go.ran && go_med > 0)
            bench_line("pingpong", size, p[0][0].median, "us",
                       "go-pingpong-pipe", go_med);
        bench_line("pingpong-p99", size, p[0][1].median, "us", "pipe2",
                   p[1][1].median);
        bench_line("pingpong-pipe2", size, p[1][0].median, "us", NULL, 0);
        bench_line("pingpong-pipe2-p99", size, p[1][1].median, "us", NULL, 0);
    }
}

const struct figure figure_pingpong = {"pingpong", measure, print, targets,
                                       lines};

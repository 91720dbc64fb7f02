/*
 * figure 9, h2: the HTTP/2 wire (issue #16, target 2 and the h2 parts of
 * targets 4 and 5). The echo and the ping-pong of figures 2 and 3 through
 * a stream whose wire is h2 (an nghttp2 connection on duplex's pipes, in
 * process), the same echo with the connection on a loopback TCP socket,
 * SIM exploration of the echo scenario on the h2 wire, and what an h2
 * call costs in memory: its fixed cost and the peak RSS of many messages.
 * With the Go peers, section 7 compares the first two with grpc-go over
 * bufconn and over loopback TCP (tests/interop/go/src/grpcloop).
 *
 * Design
 *   - Every run is a call of figures 2 and 3 (call.h, echo_stream_run,
 *     pingpong_stream_run) with stream_options.wire set, so the same
 *     checks hold: every echo compared with its message, EOF, a final
 *     OK, the stream's counters.
 *   - The loopback echo is h2_socket_wire_type: both connection ends in
 *     this process, each on its own end of one loopback TCP connection,
 *     as grpcloop runs grpc-go's client and server in one process.
 *   - The SIM figure explores echo --wire h2, as `duplex explore echo
 *     --wire h2` does. Every schedule must end OK: the scenario's lesson
 *     is a clean echo, so a schedule that fails measured something else.
 *   - The fixed cost is the raw stream's measure (mem_stream_extra) with
 *     the h2 wire: malloc's count beyond the two pipes. The four threads'
 *     stacks are mmap'd by pthread and are not in it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "core/pipe.h"
#include "h2/h2_wire.h"
#include "scenarios/explore_scenario.h"
#include "scenarios/scenario.h"
#include "table.h"

#define H2_SIM_TARGET 10000         /* schedules/s: issue #16, target 4 */
#define RSS_TARGET_MESSAGES 1000000 /* as figure_mem.c */
#define RSS_TARGET_KIB 4096

/* ---- echo, ping-pong and loopback --------------------------------------- */

static void measure_echo(struct bench *b, const struct wire_type *wire,
                         const char *where, struct summary out[NSIZES])
{
    double v[RUNS_MAX];
    double handed[2];
    int si = 0;
    int run = 0;

    for (si = 0; si < NSIZES; si++) {
        progress(b, "h2 echo %s, %s messages", where, bench_size_names[si]);
        for (run = 0; run < b->o.runs; run++) {
            watchdog_arm(&b->dog, "h2 echo %s %s", where, bench_size_names[si]);
            v[run] =
                echo_stream_run(b, si, wire, b->w->h2_echo_msgs[si], handed);
        }
        out[si] = summarize(v, b->o.runs);
    }
}

static void measure_ping(struct bench *b)
{
    double v[2][RUNS_MAX];
    int si = 0;
    int run = 0;

    for (si = 0; si < NSIZES; si++) {
        progress(b, "h2 ping-pong, %s messages", bench_size_names[si]);
        for (run = 0; run < b->o.runs; run++) {
            double us[2];

            watchdog_arm(&b->dog, "h2 ping-pong %s", bench_size_names[si]);
            pingpong_stream_run(b, si, &h2_wire_type, b->w->h2_ping_trips[si],
                                us);
            v[0][run] = us[0];
            v[1][run] = us[1];
        }
        b->r.h2_ping[si][0] = summarize(v[0], b->o.runs);
        b->r.h2_ping[si][1] = summarize(v[1], b->o.runs);
    }
}

/* ---- SIM ---------------------------------------------------------------- */

static void sim_check(enum status st, const struct explore_result *r,
                      const struct explore_options *o)
{
    if (st != STATUS_OK)
        check_failed("h2 sim: explore_run: %s %s", status_name(st),
                     r->first.why.text);
    if (r->schedules == 0 || (!r->complete && r->schedules != o->max_schedules))
        check_failed("h2 sim: explored %llu schedules of at most %llu",
                     (unsigned long long)r->schedules,
                     (unsigned long long)o->max_schedules);
    if (r->by_exit[SCENARIO_EXIT_OK] != r->schedules)
        check_failed(
            "h2 sim: echo --wire h2 must end OK in every schedule: "
            "%llu of %llu did not (first: %s)",
            (unsigned long long)(r->schedules - r->by_exit[SCENARIO_EXIT_OK]),
            (unsigned long long)r->schedules, r->replay);
}

/* One run: returns schedules per second. */
static double sim_run(struct bench *b, const struct scenario *sc)
{
    struct explore_result *r = calloc(1, sizeof *r);
    struct explore_options o;
    enum status st = STATUS_OK;
    int64_t t0 = 0;
    double rate = 0;

    if (r == NULL)
        check_failed("out of memory");
    memset(&o, 0, sizeof o);
    o.base.messages = b->r.h2_sim_messages;
    o.base.wire = &h2_wire_type;
    o.max_preemptions = 2;
    o.max_schedules = (uint64_t)b->w->h2_sim_schedules;
    t0 = now_ns();
    st = explore_run(sc, &o, r);
    rate = (double)r->schedules / seconds_since(t0);
    sim_check(st, r, &o);
    explore_result_free(r);
    free(r);
    return rate;
}

static void measure_sim(struct bench *b)
{
    const struct scenario *sc = scenario_find("echo");
    double v[RUNS_MAX];
    int run = 0;

    if (sc == NULL)
        check_failed("h2 sim: no scenario echo");
    b->r.h2_sim_messages = sc->min_messages > EXPLORE_DEFAULT_MESSAGES
                               ? sc->min_messages
                               : EXPLORE_DEFAULT_MESSAGES;
    progress(b, "SIM exploration of echo --wire h2");
    for (run = 0; run < b->o.runs; run++) {
        watchdog_arm(&b->dog, "SIM exploration of echo --wire h2");
        v[run] = sim_run(b, sc);
    }
    b->r.h2_sim = summarize(v, b->o.runs);
}

/* ---- memory ------------------------------------------------------------- */

static void measure_mem(struct bench *b)
{
    double v[3][RUNS_MAX];
    int run = 0;
    int k = 0;

    if (access(b->o.duplex, X_OK) != 0)
        check_failed("h2 mem: no duplex binary at %s (build it, or give "
                     "--duplex PATH or DUPLEX=PATH)",
                     b->o.duplex);
    progress(b, "peak RSS of duplex run echo --os --wire h2");
    for (run = 0; run < b->o.runs; run++) {
        watchdog_arm(&b->dog, "%s run echo --os --wire h2", b->o.duplex);
        v[0][run] = mem_echo_peak_rss(b->o.duplex, 1, "h2");
        v[1][run] = mem_echo_peak_rss(b->o.duplex, b->w->rss_messages, "h2");
        v[2][run] = v[1][run] - v[0][run];
    }
    for (k = 0; k < 3; k++)
        b->r.h2_rss[k] = summarize(v[k], b->o.runs);
    progress(b, "memory of one call on the h2 wire");
    watchdog_arm(&b->dog, "memory of one call on the h2 wire");
    /* As figure 6: the first probe sets up malloc's arenas. */
    mem_stream_extra(PIPE_DEFAULT_CAPACITY, &h2_wire_type, 0);
    for (run = 0; run < b->o.runs; run++)
        v[0][run] = mem_stream_extra(PIPE_DEFAULT_CAPACITY, &h2_wire_type, 1);
    b->r.h2_extra = summarize(v[0], b->o.runs);
}

static void measure(struct bench *b)
{
    measure_echo(b, &h2_wire_type, "in process", b->r.h2_echo);
    measure_ping(b);
    measure_echo(b, &h2_socket_wire_type, "over loopback TCP", b->r.h2_loop);
    measure_sim(b);
    measure_mem(b);
}

/* ---- the report --------------------------------------------------------- */

static void print_streams(const struct bench *b)
{
    static const int w[6] = {9, 10, 15, 13, 13, 0};
    static const char *const head[6] = {"size",     "messages", "echo",
                                        "ping p50", "ping p99", "loopback"};
    char c[5][CELL_MAX];
    int si = 0;

    printf("9. The HTTP/2 wire (h2): echo messages/s (higher is better), "
           "ping-pong us\n"
           "   (lower is better). echo and ping-pong as in 2 and 3 with "
           "stream_options.wire\n"
           "   = h2 (nghttp2 on duplex's pipes, in process); loopback: the "
           "same echo with\n"
           "   the connection on a loopback TCP socket (both ends in this "
           "process). grpc-go\n"
           "   over bufconn and over loopback, when run, are in 7.\n");
    print_row(6, w, head);
    for (si = 0; si < NSIZES; si++) {
        const char *row[6] = {
            bench_size_names[si], c[0], c[1], c[2], c[3], c[4]};

        snprintf(c[0], CELL_MAX, "%ld", b->w->h2_echo_msgs[si]);
        fmt_cell(c[1], CELL_MAX, &b->r.h2_echo[si]);
        fmt_cell(c[2], CELL_MAX, &b->r.h2_ping[si][0]);
        fmt_cell(c[3], CELL_MAX, &b->r.h2_ping[si][1]);
        fmt_cell(c[4], CELL_MAX, &b->r.h2_loop[si]);
        print_row(6, w, row);
    }
    printf("   ping-pong: %ld, %ld and %ld timed round trips, after 100 "
           "untimed ones\n",
           b->w->h2_ping_trips[0], b->w->h2_ping_trips[1],
           b->w->h2_ping_trips[2]);
}

static void print(const struct bench *b)
{
    static const int w[3] = {16, 18, 0};
    const struct results *r = &b->r;
    char many[CELL_MAX];
    char c[3][CELL_MAX];
    const char *head[3] = {"1 message", many, "difference"};
    const char *row[3] = {c[0], c[1], c[2]};
    int k = 0;

    print_streams(b);
    printf("   SIM: exploring echo --wire h2, bound 2, %d messages, at most "
           "%ld schedules:\n",
           r->h2_sim_messages, b->w->h2_sim_schedules);
    fmt_cell(c[0], CELL_MAX, &r->h2_sim);
    printf("   %s schedules/s\n", c[0]);
    printf("   Peak RSS of `duplex run echo --os --wire h2`, KiB:\n");
    snprintf(many, sizeof many, "%ld messages", b->w->rss_messages);
    for (k = 0; k < 3; k++)
        fmt_cell(c[k], CELL_MAX, &r->h2_rss[k]);
    print_row(3, w, head);
    print_row(3, w, row);
    fmt_cell(c[0], CELL_MAX, &r->h2_extra);
    printf("   One call on the h2 wire (its own connection), in malloc's "
           "count:\n"
           "   2 x capacity + C bytes, with C at 64 KiB: %s B\n"
           "   (the raw stream's C is in 6; the four threads' stacks are "
           "mmap'd, not in it)\n\n",
           c[0]);
}

/* The target is for RSS_TARGET_MESSAGES messages: --quick runs fewer. */
static int full_count(const struct bench *b)
{
    return b->w->rss_messages == RSS_TARGET_MESSAGES;
}

static void targets(const struct bench *b)
{
    const struct go *g = &b->r.go;
    char what[80];
    char got[64];
    int si = 0;

    for (si = 0; si < NSIZES; si++) {
        double need = si == NSIZES - 1 ? 2 : 3;

        snprintf(what, sizeof what, "h2 echo >= %gx grpc-go bufconn at %s",
                 need, bench_size_names[si]);
        ratio_target(b, g->ran, b->r.h2_echo[si].median,
                     go_value(g, "bufconn-echo", bench_sizes[si], 0), need, 1,
                     what, go_missing(g));
    }
    for (si = 0; si < NSIZES; si++) {
        snprintf(what, sizeof what,
                 "h2 ping-pong <= 0.5x grpc-go bufconn at %s",
                 bench_size_names[si]);
        ratio_target(b, g->ran, b->r.h2_ping[si][0].median,
                     go_value(g, "pingpong-bufconn", bench_sizes[si], 1), 0.5,
                     0, what, go_missing(g));
    }
    for (si = 0; si < NSIZES; si++) {
        snprintf(what, sizeof what, "h2 loopback >= 1.5x grpc-go's at %s",
                 bench_size_names[si]);
        ratio_target(b, g->ran, b->r.h2_loop[si].median,
                     go_value(g, "grpc-loopback", bench_sizes[si], 0), 1.5, 1,
                     what, go_missing(g));
    }
    ratio_target(b, 1, b->r.h2_sim.median, H2_SIM_TARGET, 1, 1,
                 "h2 SIM exploration >= 10,000 schedules/s", "-");
    snprintf(got, sizeof got, "%.0f KiB", b->r.h2_rss[2].median);
    if (!full_count(b))
        snprintf(got, sizeof got, "--quick runs %ld messages",
                 b->w->rss_messages);
    print_target(b, full_count(b), b->r.h2_rss[2].median <= RSS_TARGET_KIB,
                 "h2: 1,000,000 msgs peak <= 1 msg + 4 MiB", got);
    snprintf(got, sizeof got, "2 x capacity + %.0f B", b->r.h2_extra.median);
    print_target(b, 1, 1, "h2 connection's fixed cost reported", got);
}

static void lines(const struct bench *b)
{
    const struct go *g = &b->r.go;
    int si = 0;

    for (si = 0; si < NSIZES; si++) {
        size_t size = bench_sizes[si];
        double bufconn = go_value(g, "bufconn-echo", size, 0);
        double ping = go_value(g, "pingpong-bufconn", size, 1);
        double loop = go_value(g, "grpc-loopback", size, 0);

        bench_line("h2-echo", size, b->r.h2_echo[si].median, "msgs/s",
                   bufconn > 0 ? "go-bufconn" : NULL, bufconn);
        bench_line("h2-pingpong", size, b->r.h2_ping[si][0].median, "us",
                   ping > 0 ? "go-pingpong-bufconn" : NULL, ping);
        bench_line("h2-pingpong-p99", size, b->r.h2_ping[si][1].median, "us",
                   NULL, 0);
        bench_line("h2-loopback", size, b->r.h2_loop[si].median, "msgs/s",
                   loop > 0 ? "go-loopback" : NULL, loop);
    }
    bench_line("h2-sim", 0, b->r.h2_sim.median, "schedules/s", "target-10k",
               H2_SIM_TARGET);
    bench_line("h2-mem-rss", 0, b->r.h2_rss[2].median, "KiB",
               full_count(b) ? "target-4MiB" : NULL, RSS_TARGET_KIB);
    bench_line("h2-mem-stream", PIPE_DEFAULT_CAPACITY, b->r.h2_extra.median,
               "B", NULL, 0);
}

const struct figure figure_h2 = {"h2", measure, print, targets, lines};

/*
 * figure 2, echo: framed bidirectional echo through a duplex stream, in
 * messages per second (each one there and back); with the Go peers,
 * against their echoes.
 *
 * Design
 *   Three threads, as a gRPC client and handler would have: a client
 *   sender that sends work.echo_msgs messages and half-closes, a client
 *   receiver that checks every echo against its message and then waits for
 *   the call's OK, and the echo server (call.h). The time runs from
 *   starting the threads to joining the last.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "call.h"
#include "table.h"

static enum status echo_sender(void *arg)
{
    struct call *c = arg;
    struct status_detail why;
    long i = 0;

    status_detail_clear(&why);
    for (i = 0; i < c->msgs; i++) {
        const uint8_t *msg = pattern_message(c->pattern, i, c->size);
        enum status st = stream_send(c->client_end, msg, c->size, &why);

        if (st != STATUS_OK) {
            snprintf(c->send_err, ERR_MAX, "send %ld: %s %s", i,
                     status_name(st), why.text);
            stream_cancel(c->client_end);
            return st;
        }
    }
    return stream_close_send(c->client_end);
}

/* Checks one received echo against message i; what is wrong goes in
 * c->recv_err. */
static void echo_check(struct call *c, long i, const struct frame_msg *m)
{
    const uint8_t *want = pattern_message(c->pattern, i, c->size);

    if (m->length != c->size)
        snprintf(c->recv_err, ERR_MAX, "echo %ld has %lu bytes, want %zu", i,
                 (unsigned long)m->length, c->size);
    else if (memcmp(m->data, want, c->size) != 0)
        snprintf(c->recv_err, ERR_MAX,
                 "echo %ld differs from its message at byte %zu", i,
                 first_difference(m->data, want, c->size));
}

static enum status echo_receiver(void *arg)
{
    struct call *c = arg;
    struct status_detail why;
    struct frame_msg m;
    enum status st = STATUS_OK;
    long i = 0;

    memset(&m, 0, sizeof m);
    status_detail_clear(&why);
    for (i = 0; i < c->msgs && c->recv_err[0] == '\0'; i++) {
        st = stream_recv(c->client_end, &m, &why);
        if (st != STATUS_OK)
            snprintf(c->recv_err, ERR_MAX, "echo %ld: %s %s", i,
                     status_name(st), why.text);
        else
            echo_check(c, i, &m);
    }
    if (c->recv_err[0] == '\0' &&
        (st = stream_recv(c->client_end, &m, &why)) != STATUS_EOF)
        snprintf(c->recv_err, ERR_MAX, "after the last echo: %s %s, want EOF",
                 status_name(st), why.text);
    if (c->recv_err[0] != '\0')
        stream_cancel(c->client_end);
    frame_msg_free(&m);
    return c->recv_err[0] ? STATUS_INTERNAL : STATUS_OK;
}

double echo_stream_run(struct bench *b, int si, const struct wire_type *wire,
                       long msgs, double handed[2])
{
    struct call c;
    struct sched_thread server;
    struct sched_thread sender;
    struct sched_thread receiver;
    char what[64];
    int64_t t0 = 0;
    double secs = 0;

    call_open_wire(&c, b->pattern, bench_sizes[si], msgs, wire);
    t0 = now_ns();
    call_start_server(&c, &server);
    start_thread(&receiver, "client/recv", echo_receiver, &c);
    start_thread(&sender, "client/send", echo_sender, &c);
    sched_thread_join(&sender);
    sched_thread_join(&receiver);
    sched_thread_join(&server);
    secs = seconds_since(t0);
    snprintf(what, sizeof what, "echo %s%s%s", bench_size_names[si],
             wire != NULL ? " on the wire " : "",
             wire != NULL ? wire->name : "");
    call_close(&c, what);
    handed[0] = c.handed[0];
    handed[1] = c.handed[1];
    return (double)c.msgs / secs;
}

static void measure(struct bench *b)
{
    double v[RUNS_MAX];
    double h[2][RUNS_MAX];
    int si = 0;
    int run = 0;

    for (si = 0; si < NSIZES; si++) {
        progress(b, "echo, %s messages", bench_size_names[si]);
        for (run = 0; run < b->o.runs; run++) {
            double handed[2];

            watchdog_arm(&b->dog, "echo %s", bench_size_names[si]);
            v[run] = echo_stream_run(b, si, NULL, b->w->echo_msgs[si], handed);
            h[0][run] = handed[0];
            h[1][run] = handed[1];
        }
        b->r.echo[si] = summarize(v, b->o.runs);
        b->r.echo_handed[si][0] = summarize(h[0], b->o.runs);
        b->r.echo_handed[si][1] = summarize(h[1], b->o.runs);
    }
}

static void print(const struct bench *b)
{
    static const int w[3] = {9, 10, 0};
    static const char *const head[3] = {"size", "messages", "duplex"};
    char c[2][CELL_MAX];
    int si = 0;

    printf("2. Framed echo through a stream, messages/s (higher is better)\n"
           "   A client sender thread, a client receiver thread, a server "
           "thread that echoes\n"
           "   until EOF; %d KiB per direction. The Go peers, when run, are "
           "in 7.\n",
           CAPACITY / 1024);
    print_row(3, w, head);
    for (si = 0; si < NSIZES; si++) {
        const char *row[3] = {bench_size_names[si], c[0], c[1]};

        snprintf(c[0], CELL_MAX, "%ld", b->w->echo_msgs[si]);
        fmt_cell(c[1], CELL_MAX, &b->r.echo[si]);
        print_row(3, w, row);
    }
    print_handed(b->r.echo_handed);
    printf("\n");
}

/*
 * Issue #16, target 1: at 16 B and 1 KiB three times the better Go echo;
 * at 64 KiB one and a half times Go io.Pipe's.
 */
static void targets(const struct bench *b)
{
    const struct go *g = &b->r.go;
    char what[80];
    int si = 0;

    for (si = 0; si < NSIZES; si++) {
        int last = si == NSIZES - 1;
        double ref = last ? go_value(g, "netpipe-echo", bench_sizes[si], 0)
                          : go_best_echo(g, bench_sizes[si]);

        snprintf(what, sizeof what, "echo >= %s at %s",
                 last ? "1.5x Go io.Pipe echo" : "3x the better Go echo",
                 bench_size_names[si]);
        ratio_target(b, g->ran, b->r.echo[si].median, ref, last ? 1.5 : 3, 1,
                     what, go_missing(g));
    }
}

static void lines(const struct bench *b)
{
    const struct go *g = &b->r.go;
    int si = 0;

    for (si = 0; si < NSIZES; si++) {
        size_t size = bench_sizes[si];
        double v = b->r.echo[si].median;
        double io_pipe = go_value(g, "netpipe-echo", size, 0);

        if (!g->ran || io_pipe <= 0) {
            bench_line("echo", size, v, "msgs/s", NULL, 0);
            continue;
        }
        bench_line("echo", size, v, "msgs/s", "go-iopipe", io_pipe);
        bench_line("echo", size, v, "msgs/s", "go-best", go_best_echo(g, size));
    }
}

const struct figure figure_echo = {"echo", measure, print, targets, lines};

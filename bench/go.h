/*
 * go: the Go peers, the learner's Go programs that do the same jobs
 * (echo through io.Pipe and grpc-go's bufconn, ping-pong through
 * io.Pipe). Their script runs once, after the C figures, in the same run;
 * what it prints is kept for the record and its peer= lines are parsed.
 *
 * Design
 *   The script is given the bench's payload sizes as arguments and prints
 *   lines such as
 *     peer=netpipe-echo size=16 msgs_per_s=1234567
 *     peer=pingpong-iopipe size=16 median_us=2.5
 *   Unknown keys and other lines are kept but not parsed. The issue that
 *   introduced the peers calls the io.Pipe ping-pong pingpong-pipe; both
 *   names are taken.
 */
#ifndef BENCH_GO_H
#define BENCH_GO_H

#include <stddef.h>

#define GO_LINES_MAX 64
#define GO_LINE_MAX 256

struct bench;

/* One result line of the Go peers' script. */
struct go_line {
    char peer[32];
    size_t size;
    double msgs_per_s; /* 0 when the line had none */
    double median_us;  /* 0 when the line had none */
};

struct go {
    int ran;    /* the script ran and exited 0 */
    int failed; /* the script was asked for and failed */
    int nraw;
    char raw[GO_LINES_MAX][GO_LINE_MAX]; /* its stdout, for the record */
    int n;
    struct go_line lines[GO_LINES_MAX];
};

/* Runs the script b->o.go_peers once (slowly: it builds its programs)
 * and fills b->r.go. */
void go_run(struct bench *b);

/* Prints section 7 from b->r.go, next to the echo and ping-pong figures
 * that ran. */
void go_print(const struct bench *b);

/* The value of peer at size (msgs_per_s, or median_us when median is
 * set), or 0 if none. */
double go_value(const struct go *g, const char *peer, size_t size, int median);

/* The better of the two Go echoes at size: what duplex must beat 2x. */
double go_best_echo(const struct go *g, size_t size);

/* Why a target on the Go peers has no figure. */
const char *go_missing(const struct go *g);

#endif /* BENCH_GO_H */

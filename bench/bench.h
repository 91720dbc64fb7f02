/*
 * bench.h: what the bench's files share: the run's settings and work, the
 * results of every figure, and the figures themselves.
 *
 * The files:
 *   bench.c            the command line and the order of a run
 *   harness.[ch]       failed checks, clock, threads, watchdog, pattern,
 *                      medians and spreads
 *   table.[ch]         cells, rows and bench= lines
 *   conduit.[ch]       one direction of bytes: duplex, pipe(2),
 *                      socketpair(2)
 *   call.[ch]          the echo server, through a stream or two pipe(2)s
 *   figure_*.c         one file per figure: it measures, prints its
 *                      section of the table, its targets and its bench=
 *                      lines
 *   go.[ch]            the Go peers: run once, parsed, section 7
 *   report.c           the header, the targets and the bench= lines
 *
 * Design
 *   - Every figure is the median of several runs (--runs), and the table
 *     shows how far the farthest run was from it, so a reader can tell a
 *     real difference from noise.
 *   - A reference runs in the same round as duplex (duplex, pipe(2),
 *     socketpair(2), then again), so a neighbour's compile slows them
 *     alike and the ratios stay fair on a busy machine.
 *   - Each figure checks its own result (see harness.h): every byte that
 *     arrives is compared with what was sent, every echo with its message,
 *     the exploration must find the bug it exists to find, and
 *     stream_destroy must give back every byte.
 *   - A figure is a row of struct figure; the run, the targets and the
 *     bench= lines go through the rows in order, so adding a figure is one
 *     file, one row in bench.c (and its name in the usage there), and its
 *     results here.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "conduit.h"
#include "go.h"
#include "harness.h"

struct wire_type;

#define NSIZES 3             /* payload sizes: 16 B, 1 KiB, 64 KiB */
#define READ_BUF (64 * 1024) /* what a reader asks for at once */

extern const size_t bench_sizes[NSIZES];
extern const char *const bench_size_names[NSIZES];

/*
 * The work of one run. The full counts make `make bench` take one to two
 * minutes on two busy cores; --quick does a tenth to a third, for CI.
 */
struct work {
    double pipe_seconds;       /* a pipe run writes for this long: duplex
                                  and the kernel differ tenfold in speed,
                                  so a count would be too short for one or
                                  too long for the other */
    long echo_msgs[NSIZES];    /* messages echoed */
    long ping_trips[NSIZES];   /* timed round trips */
    long codec_frames[NSIZES]; /* frames encoded and decoded */
    long sim_schedules;        /* explore_run's max_schedules */
    long rss_messages;         /* the long echo of the memory figures */
    long h2_echo_msgs[NSIZES]; /* messages echoed on the h2 wire (in
                                  process and over loopback) */
    long h2_ping_trips[NSIZES]; /* timed round trips on the h2 wire */
    long h2_sim_schedules;     /* explore_run's max_schedules, h2 */
};

struct results {
    unsigned ran;                           /* figures measured: bit i is
                                               bench_figures[i] */
    struct summary pipe[NSIZES][VIA_COUNT]; /* MB/s */
    int pipe2_capacity;                     /* F_GETPIPE_SZ */
    int sock_sndbuf;                        /* SO_SNDBUF as the kernel
                                               reports it */
    struct summary echo[NSIZES];            /* messages/s */
    struct summary echo_handed[NSIZES][2];  /* share of bytes handed to a
                                               waiting receiver, c2s, s2c */
    struct summary ping[NSIZES][2][2];      /* [duplex, pipe(2)]
                                               [median, p99], us */
    struct summary ping_handed[NSIZES][2];  /* as echo_handed */
    struct summary codec[NSIZES][2];        /* ns/frame: codec, memcpy */
    struct summary decode[NSIZES][2];       /* ns/frame: decode, memcpy */
    struct summary sim;                     /* schedules/s */
    int sim_messages;
    struct summary rss[3];          /* KiB: 1 message, many,
                                       the difference */
    struct summary stream_extra[2]; /* C bytes at 64 KiB, 1 MiB */
    int hub_scale_ran;              /* the 10,000-client hub ran */
    int hub_scale_clean;            /* ... and exited 0 in time */
    double hub_scale_seconds;       /* its wall time */
    double hub_scale_kib;           /* its peak RSS */
    struct summary hub_rate;        /* deliveries/s, 1,000 clients */
    struct summary hub_fair[2];     /* the others' deliveries/s, without
                                       and with a slow client */
    struct summary h2_echo[NSIZES];    /* messages/s, h2 wire in process */
    struct summary h2_ping[NSIZES][2]; /* us: median, p99 */
    struct summary h2_loop[NSIZES];    /* messages/s, h2 on loopback TCP */
    struct summary h2_sim;             /* schedules/s, echo --wire h2 */
    int h2_sim_messages;
    struct summary h2_rss[3];  /* KiB, as rss, with --wire h2 */
    struct summary h2_extra;   /* C bytes of one h2 call at 64 KiB */
    struct go go;
};

struct options {
    int runs;
    int quick;
    unsigned only;        /* figures to run: bit i is bench_figures[i] */
    const char *go_peers; /* the Go peers' script, or NULL */
    const char *go_loopback; /* with go_peers: grpc-go over loopback TCP
                                (bench/go_loopback.sh), or NULL */
    const char *duplex;   /* the duplex binary, for the RSS figure */
};

struct bench {
    struct options o;
    const struct work *w;
    int color;        /* stdout is a terminal and NO_COLOR is unset */
    int progress;     /* stderr is a terminal */
    uint8_t *pattern; /* see harness.h */
    uint8_t *readbuf; /* READ_BUF bytes */
    struct watchdog dog;
    struct results r;
};

/* One figure: what --only calls it, and what it does at each stage. */
struct figure {
    const char *name;
    void (*measure)(struct bench *b);       /* fills its part of b->r */
    void (*print)(const struct bench *b);   /* its section of the table */
    void (*targets)(const struct bench *b); /* its lines under "targets" */
    void (*lines)(const struct bench *b);   /* its bench= lines */
};

extern const struct figure figure_pipe;
extern const struct figure figure_echo;
extern const struct figure figure_pingpong;
extern const struct figure figure_codec;
extern const struct figure figure_sim;
extern const struct figure figure_mem;
extern const struct figure figure_hub;
extern const struct figure figure_h2;

/* The figures, in the order they run and print (bench.c). */
extern const struct figure *const bench_figures[];
extern const size_t bench_nfigures;

/* The bit of b->r.ran and b->o.only for f. */
unsigned figure_bit(const struct figure *f);

/* 1 when f was measured in this run. */
int figure_ran(const struct bench *b, const struct figure *f);

/*
 * The peak-RSS helper, run as `bench --peak-rss-helper DUPLEX N [WIRE]` by
 * the memory figures (figure_mem.c says why): runs `DUPLEX run echo
 * --messages N --os` (with `--wire WIRE` when wire is not NULL) with
 * stdout to /dev/null and prints the child's peak RSS (KiB) on stdout.
 * Returns the exit status: 0, or 1 (said on stderr).
 */
int mem_peak_rss_helper(const char *duplex, const char *messages,
                        const char *wire);

/* The peak RSS of that run, in KiB, measured through a fresh helper; a
 * run that fails is a failed check. */
double mem_echo_peak_rss(const char *duplex, long messages, const char *wire);

/*
 * C in "2 x capacity + C bytes": what stream_create on wire (NULL: raw)
 * takes in malloc's count beyond its two pipes, measured on a thread of
 * its own. With check set, stream_destroy must give every byte back (a
 * failed check otherwise).
 */
double mem_stream_extra(size_t capacity, const struct wire_type *wire,
                        int check);

/*
 * figure_echo.c: one echo run of msgs messages of bench_sizes[si] through
 * a stream on wire (NULL: raw), every echo checked. Returns messages per
 * second; handed gets call.handed.
 */
double echo_stream_run(struct bench *b, int si, const struct wire_type *wire,
                       long msgs, double handed[2]);

/*
 * figure_pingpong.c: one ping-pong run of trips timed round trips of
 * bench_sizes[si] through a stream on wire (NULL: raw); out_us gets the
 * median and the 99th percentile, in microseconds.
 */
void pingpong_stream_run(struct bench *b, int si,
                         const struct wire_type *wire, long trips,
                         double out_us[2]);

/*
 * One line on stderr saying what is being measured, with the number of
 * runs, when stderr is a terminal: a log file gets the table alone.
 */
void progress(const struct bench *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- report.c ----------------------------------------------------------- */

/* The lines above the first section: runs, machine, load. */
void print_header(const struct bench *b);

/* One target line, "met", "NOT MET" (coloured on a terminal) or "n/a"
 * when have is 0 (the figures it needs were not measured). */
void print_target(const struct bench *b, int have, int met, const char *what,
                  const char *got);

/*
 * A target on a ratio: met when value / ref >= need (at_least) or <= need.
 * Without a value or a reference (or have 0), "n/a" and missing.
 */
void ratio_target(const struct bench *b, int have, double value, double ref,
                  double need, int at_least, const char *what,
                  const char *missing);

/* Section 7: the Go peers, run now, or why not. */
void report_go(struct bench *b);

/*
 * One line under a stream figure: per size, the median share of each
 * direction's bytes handed straight to a waiting receiver (c2s/s2c).
 */
void print_handed(const struct summary s[NSIZES][2]);

/* The targets of every figure measured, under the end's load average. */
void print_targets(const struct bench *b);

/* The bench= lines of every figure measured. */
void print_bench_lines(const struct bench *b);

#endif /* BENCH_BENCH_H */

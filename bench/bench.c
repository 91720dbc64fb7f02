/*
 * bench: how fast duplex is and how much memory it uses, side by side with
 * what the kernel gives for the same job, in one run. This file is the
 * program: its command line, and the order of a run (the header, each
 * figure measured and printed in turn, the Go peers, the targets, the
 * bench= lines). bench.h lists the other files.
 *
 * The figures (README.md says more about each):
 *   pipe      streaming throughput through one pipe: duplex's, pipe(2)'s
 *             and socketpair(2)'s
 *   echo      framed bidirectional echo through a stream, messages/s
 *   pingpong  one message, wait for its echo, repeat: median and p99
 *             round trip, against two pipe(2)s with the same framing
 *   codec     encode and decode one frame in memory, against memcpy
 *   sim       schedules per second of exploring concurrent-senders
 *   mem       peak RSS of a long echo, and the bytes one stream holds
 *   hub       the hub at scale, as child processes
 *   h2        the HTTP/2 wire: echo and ping-pong in process, echo over
 *             loopback TCP, SIM exploration, memory
 * pipe, echo, pingpong, codec and h2 run for payloads of 16 B, 1 KiB and
 * 64 KiB.
 *
 * Design
 *   - The command line follows duplex's: `--name VALUE` or `--name=VALUE`,
 *     one table of options, and one usage_error for every mistake
 *     ("bench: ..." then "Try 'bench --help'.", exit status 2).
 *   - Each section of the table is printed as soon as its figure is
 *     measured, so a slow run shows its progress in a log too.
 *   - The Go peers (--go-peers SCRIPT) run after the C figures, in the
 *     same run, and their result lines are compared with duplex's.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define EXIT_USAGE 2

const size_t bench_sizes[NSIZES] = {16, 1024, 65536};
const char *const bench_size_names[NSIZES] = {"16 B", "1 KiB", "64 KiB"};

const struct figure *const bench_figures[] = {
    &figure_pipe, &figure_echo, &figure_pingpong, &figure_codec,
    &figure_sim,  &figure_mem,  &figure_hub,      &figure_h2};
const size_t bench_nfigures = sizeof bench_figures / sizeof bench_figures[0];

static const struct work full_work = {
    .pipe_seconds = 0.3,
    .echo_msgs = {600000, 400000, 20000},
    .ping_trips = {20000, 20000, 5000},
    .codec_frames = {16000000, 8000000, 80000},
    .sim_schedules = 100000,
    .rss_messages = 1000000,
    .h2_echo_msgs = {200000, 100000, 5000},
    .h2_ping_trips = {5000, 5000, 2000},
    .h2_sim_schedules = 100000,
};

static const struct work quick_work = {
    .pipe_seconds = 0.1,
    .echo_msgs = {60000, 40000, 2000},
    .ping_trips = {2000, 2000, 500},
    .codec_frames = {1600000, 800000, 8000},
    .sim_schedules = 20000,
    .rss_messages = 100000,
    .h2_echo_msgs = {20000, 10000, 500},
    .h2_ping_trips = {500, 500, 200},
    .h2_sim_schedules = 10000,
};

unsigned figure_bit(const struct figure *f)
{
    size_t k = 0;

    while (k < bench_nfigures && bench_figures[k] != f)
        k++;
    return 1u << k;
}

int figure_ran(const struct bench *b, const struct figure *f)
{
    return (b->r.ran & figure_bit(f)) != 0;
}

void progress(const struct bench *b, const char *fmt, ...)
{
    va_list ap;

    if (!b->progress)
        return;
    fputs("bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (%d run%s)\n", b->o.runs, b->o.runs == 1 ? "" : "s");
}

/* ---- the command line --------------------------------------------------- */

static const char usage[] =
    "usage: bench [options]\n"
    "\n"
    "Measures duplex side by side with the kernel's pipes and sockets (and,\n"
    "with --go-peers, the learner's Go programs) in one run. Prints a table,\n"
    "the targets met or not, and one line per figure:\n"
    "  bench=NAME size=N value=X unit=U ref=NAME ratio=R\n"
    "\n"
    "options:\n"
    "  --runs N           runs per figure; the median is shown (1..99, "
    "default 5)\n"
    "  --quick            small counts and 3 runs: a smoke test for CI\n"
    "  --only NAME[,...]  only these figures (may be repeated): pipe, echo,\n"
    "                     pingpong, codec, sim, mem, hub, h2\n"
    "  --go-peers SCRIPT  after the C figures, run the Go peers' bench.sh "
    "once\n"
    "                     and compare (make bench: GO_PEERS=SCRIPT)\n"
    "  --go-loopback SCRIPT  with --go-peers, then this script too: grpc-go\n"
    "                     over loopback TCP (make bench passes\n"
    "                     bench/go_loopback.sh)\n"
    "  --duplex PATH      the duplex binary, for the mem, hub and h2 figures\n"
    "                     (default: $DUPLEX, else build/duplex)\n"
    "  -h, --help         this text\n"
    "\n"
    "exit status: 0 measured (whether or not the targets are met), 1 a\n"
    "benchmark's own check failed (or the Go peers did), 2 usage.\n";

/* Says what is wrong with the command line, as duplex does, and returns
 * the exit status for it. */
static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'bench --help'.\n", stderr);
    return EXIT_USAGE;
}

/* Adds the comma-separated figure names in list to o->only. Returns 0
 * when one is not a figure's, or there is none. */
static int set_only(struct options *o, const char *list)
{
    char buf[128];
    char *save = NULL;
    char *name = NULL;
    unsigned bits = 0;
    size_t k = 0;

    snprintf(buf, sizeof buf, "%s", list);
    for (name = strtok_r(buf, ",", &save); name != NULL;
         name = strtok_r(NULL, ",", &save)) {
        for (k = 0; k < bench_nfigures; k++)
            if (strcmp(name, bench_figures[k]->name) == 0)
                break;
        if (k == bench_nfigures)
            return 0;
        bits |= figure_bit(bench_figures[k]);
    }
    o->only |= bits;
    return bits != 0;
}

/* A whole number from 1 to RUNS_MAX, digits only. */
static int set_runs(struct options *o, const char *v)
{
    char *end = NULL;
    long n = 0;

    if (*v < '0' || *v > '9')
        return 0;
    n = strtol(v, &end, 10);
    if (*end != '\0' || n < 1 || n > RUNS_MAX)
        return 0;
    o->runs = (int)n;
    return 1;
}

static int set_go_peers(struct options *o, const char *v)
{
    o->go_peers = v;
    return 1;
}

static int set_go_loopback(struct options *o, const char *v)
{
    o->go_loopback = v;
    return 1;
}

static int set_duplex(struct options *o, const char *v)
{
    o->duplex = v;
    return 1;
}

/* The options that take a value. set returns 0 when the value is not
 * what the option wants. */
static const struct option_spec {
    const char *name;
    const char *wants;
    int (*set)(struct options *o, const char *value);
} option_specs[] = {
    {"--runs", "a whole number from 1 to 99", set_runs},
    {"--only",
     "figure names, separated by commas: pipe, echo, pingpong, codec, "
     "sim, mem, hub, h2",
     set_only},
    {"--go-peers", "a script", set_go_peers},
    {"--go-loopback", "a script", set_go_loopback},
    {"--duplex", "a path", set_duplex},
};

#define NOPTIONS (sizeof option_specs / sizeof option_specs[0])

/*
 * Matches argv[*i] against --name VALUE or --name=VALUE. Returns 1 with
 * *out_value set, 0 when it is another option, -1 when the value is missing.
 */
static int take_value(int argc, char **argv, int *i, const char *name,
                      const char **out_value)
{
    size_t n = strlen(name);

    if (strncmp(argv[*i], name, n) != 0)
        return 0;
    if (argv[*i][n] == '=') {
        *out_value = argv[*i] + n + 1;
        return 1;
    }
    if (argv[*i][n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *out_value = argv[++*i];
    return 1;
}

/* argv[i] is -h or --help: the usage on stdout, unless something follows
 * it (a usage error, as in duplex). Returns the exit status. */
static int give_help(int argc, char **argv, int i)
{
    if (i + 1 < argc)
        return usage_error("%s takes nothing after it ('%s')", argv[i],
                           argv[i + 1]);
    fputs(usage, stdout);
    return 0;
}

/* Takes the option at argv[*i] (and its value). Returns -1 to go on, else
 * the exit status. */
static int parse_option(int argc, char **argv, int *i, struct options *o)
{
    const char *v = NULL;
    size_t k = 0;
    int m = 0;

    if (strcmp(argv[*i], "-h") == 0 || strcmp(argv[*i], "--help") == 0)
        return give_help(argc, argv, *i);
    if (strcmp(argv[*i], "--quick") == 0) {
        o->quick = 1;
        return -1;
    }
    for (k = 0; k < NOPTIONS; k++)
        if ((m = take_value(argc, argv, i, option_specs[k].name, &v)) != 0)
            break;
    if (k == NOPTIONS)
        return usage_error("%s '%s'",
                           argv[*i][0] == '-' ? "unknown option"
                                              : "unexpected argument",
                           argv[*i]);
    if (m < 0 || !option_specs[k].set(o, v))
        return usage_error("%s wants %s", option_specs[k].name,
                           option_specs[k].wants);
    return -1;
}

/* Fills *o, then its defaults. Returns -1 to go on, else the exit
 * status. */
static int parse_args(int argc, char **argv, struct options *o)
{
    const char *env_duplex = getenv("DUPLEX");
    int code = -1;
    int i = 0;

    o->duplex = env_duplex != NULL && *env_duplex ? env_duplex : "build/duplex";
    for (i = 1; i < argc && code < 0; i++)
        code = parse_option(argc, argv, &i, o);
    if (o->runs == 0)
        o->runs = o->quick ? 3 : 5;
    if (o->only == 0)
        o->only = (1u << bench_nfigures) - 1;
    return code;
}

/* ---- the run ------------------------------------------------------------ */

static void setup(struct bench *b)
{
    const char *no_color = getenv("NO_COLOR");
    struct sigaction sa;

    b->w = b->o.quick ? &quick_work : &full_work;
    b->color = isatty(STDOUT_FILENO) && (no_color == NULL || !*no_color);
    b->progress = isatty(STDERR_FILENO);
    b->pattern = pattern_create();
    b->readbuf = xmalloc(READ_BUF);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN; /* a closed reader is an error, not a signal */
    sigaction(SIGPIPE, &sa, NULL);
    watchdog_start(&b->dog);
}

/* Runs the chosen figures, printing each section as it is done. */
static void run_figures(struct bench *b)
{
    size_t k = 0;

    for (k = 0; k < bench_nfigures; k++) {
        const struct figure *f = bench_figures[k];

        if (!(b->o.only & figure_bit(f)))
            continue;
        f->measure(b);
        watchdog_disarm(&b->dog);
        b->r.ran |= figure_bit(f);
        f->print(b);
        fflush(stdout);
    }
}

int main(int argc, char **argv)
{
    struct bench *b = NULL;
    int code = 0;

    /* Internal: see figure_mem.c. Before anything touches the heap. */
    if ((argc == 4 || argc == 5) &&
        strcmp(argv[1], "--peak-rss-helper") == 0)
        return mem_peak_rss_helper(argv[2], argv[3],
                                   argc == 5 ? argv[4] : NULL);
    b = calloc(1, sizeof *b);
    if (b == NULL)
        return 1;
    code = parse_args(argc, argv, &b->o);
    if (code >= 0)
        goto out;
    setup(b);
    print_header(b);
    fflush(stdout);
    run_figures(b);
    report_go(b);
    print_targets(b);
    print_bench_lines(b);
    code = b->r.go.failed ? 1 : 0;
    if (b->r.go.failed)
        fprintf(stderr,
                "bench: FAILED: the Go peers' script (%s) did not "
                "finish cleanly\n",
                b->o.go_peers);
    watchdog_stop(&b->dog);
    free(b->pattern);
    free(b->readbuf);
out:
    free(b);
    return code;
}

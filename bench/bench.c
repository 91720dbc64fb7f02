/*
 * bench: how fast duplex is and how much memory it uses, side by side with
 * what the kernel gives for the same job, in one run.
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
 * pipe, echo, pingpong and codec run for payloads of 16 B, 1 KiB and
 * 64 KiB.
 *
 * Design
 *   - Every figure is the median of several runs (--runs), and the table
 *     shows how far the farthest run was from it, so a reader can tell a
 *     real difference from noise.
 *   - A reference runs in the same round as duplex (duplex, pipe(2),
 *     socketpair(2), then again), so a neighbour's compile slows them
 *     alike and the ratios stay fair on a busy machine.
 *   - A benchmark that measured a broken run would be worse than none, so
 *     each one checks its own result: every byte that arrives is compared
 *     with what was sent, every echo with its message, the exploration
 *     must find the bug it exists to find, and stream_destroy must give
 *     back every byte. A failed check stops the program with exit status 1.
 *   - The bytes sent come from one pattern, PATTERN_PERIOD bytes long and
 *     repeated, so the reader knows what byte k of the stream must be
 *     without being told. The period is not a multiple of any pipe's
 *     capacity: a ring that handed out stale bytes one lap behind would be
 *     caught.
 *   - Nothing here sets a deadline on a pipe or a stream, since a deadline
 *     adds a clock read to every wait and would change what is measured. A
 *     watchdog thread ends a run that hangs instead, and says which.
 *   - The Go peers (--go-peers SCRIPT) run after the C figures, in the
 *     same run, and their result lines are compared with duplex's.
 */
#define _GNU_SOURCE /* F_SETPIPE_SZ, F_GETPIPE_SZ */

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/context.h"
#include "explore/explore.h"
#include "core/frame.h"
#include "core/pipe.h"
#include "scenarios/scenario.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"

#define NSIZES 3
#define RUNS_MAX 99
#define CAPACITY (1024 * 1024) /* every pipe's buffer, kernel or duplex */
#define READ_BUF (64 * 1024)   /* what a reader asks for at once */
#define MAX_SIZE (64 * 1024)   /* the largest payload */
#define PATTERN_PERIOD (17 * 64 * 1024) /* 1088 KiB: see Design */
#define WARMUP_TRIPS 100     /* untimed round trips, as the Go peer */
#define WATCHDOG_SECONDS 180 /* longest a single run may take */
#define ERR_MAX (STATUS_TEXT_MAX + 128)
#define GO_LINES_MAX 64
#define GO_LINE_MAX 256

static const size_t sizes[NSIZES] = {16, 1024, 65536};
static const char *const size_names[NSIZES] = {"16 B", "1 KiB", "64 KiB"};

enum figure {
    FIG_PIPE = 1 << 0,
    FIG_ECHO = 1 << 1,
    FIG_PINGPONG = 1 << 2,
    FIG_CODEC = 1 << 3,
    FIG_SIM = 1 << 4,
    FIG_MEM = 1 << 5,
    FIG_ALL = (1 << 6) - 1
};

static const struct {
    const char *name;
    unsigned bit;
} figure_names[] = {{"pipe", FIG_PIPE},         {"echo", FIG_ECHO},
                    {"pingpong", FIG_PINGPONG}, {"codec", FIG_CODEC},
                    {"sim", FIG_SIM},           {"mem", FIG_MEM}};

#define NFIGURES (sizeof figure_names / sizeof figure_names[0])

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
    long rss_messages;         /* the long echo of the memory figure */
};

static const struct work full_work = {
    .pipe_seconds = 0.3,
    .echo_msgs = {600000, 400000, 20000},
    .ping_trips = {20000, 20000, 5000},
    .codec_frames = {16000000, 8000000, 80000},
    .sim_schedules = 100000,
    .rss_messages = 1000000,
};

static const struct work quick_work = {
    .pipe_seconds = 0.1,
    .echo_msgs = {60000, 40000, 2000},
    .ping_trips = {2000, 2000, 500},
    .codec_frames = {1600000, 800000, 8000},
    .sim_schedules = 20000,
    .rss_messages = 100000,
};

/* The same pipe benchmark runs through each of these. */
enum via { VIA_DUPLEX, VIA_PIPE2, VIA_SOCKETPAIR, VIA_COUNT };

static const char *const via_names[VIA_COUNT] = {"duplex", "pipe(2)",
                                                 "socketpair(2)"};

/* A figure over several runs: the median and the farthest runs. */
struct summary {
    double median;
    double min;
    double max;
    int n; /* runs; 0: not measured */
};

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

struct results {
    unsigned ran;                           /* FIG_ bits measured */
    struct summary pipe[NSIZES][VIA_COUNT]; /* MB/s */
    int pipe2_capacity;                     /* F_GETPIPE_SZ */
    int sock_sndbuf;                        /* SO_SNDBUF as the kernel
                                               reports it */
    struct summary echo[NSIZES];            /* messages/s */
    struct summary ping[NSIZES][2][2];      /* [duplex, pipe(2)]
                                               [median, p99], us */
    struct summary codec[NSIZES][2];        /* ns/frame: codec, memcpy */
    struct summary decode[NSIZES][2];       /* ns/frame: decode, memcpy */
    struct summary sim;                     /* schedules/s */
    int sim_messages;
    struct summary rss[3];          /* KiB: 1 message, many,
                                       the difference */
    struct summary stream_extra[2]; /* C bytes at 64 KiB, 1 MiB */
    struct go go;
};

/*
 * The watchdog: a thread that ends the program when one run takes longer
 * than WATCHDOG_SECONDS (a hang: a lost wake-up, say), and says which run.
 * Arming it only moves its deadline: it wakes at the old one, sees the new
 * one and sleeps again, so it costs the runs nothing.
 */
struct watchdog {
    struct sched_mutex mu;
    struct sched_cond stopped; /* broadcast when stop is set */
    int64_t deadline;          /* absolute ns, or SCHED_NO_DEADLINE */
    char what[96];             /* the run being watched */
    int stop;
    struct sched_thread thread;
};

struct options {
    int runs;
    int quick;
    unsigned only;        /* FIG_ bits to run */
    const char *go_peers; /* the Go peers' script, or NULL */
    const char *duplex;   /* the duplex binary, for the RSS figure */
};

struct bench {
    struct options o;
    const struct work *w;
    int color;        /* stdout is a terminal and NO_COLOR is unset */
    int progress;     /* stderr is a terminal */
    uint8_t *pattern; /* PATTERN_PERIOD + MAX_SIZE bytes, see Design */
    uint8_t *readbuf; /* READ_BUF bytes */
    struct watchdog dog;
    struct results r;
};

/* ---- small tools -------------------------------------------------------- */

/*
 * Says which check failed and exits with status 1. Any other thread may be
 * blocked for good at this point; exit ends it too.
 */
static void check_failed(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void check_failed(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fputs("bench: FAILED: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n", stderr);
    exit(1);
}

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double seconds_since(int64_t start_ns)
{
    return (double)(now_ns() - start_ns) / 1e9;
}

/* Keeps the compiler from dropping or merging copies whose result it
 * cannot see used: after this, any memory may have been read. */
static inline void barrier(const void *p)
{
    __asm__ __volatile__("" : : "r"(p) : "memory");
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);

    if (p == NULL)
        check_failed("out of memory (%zu bytes)", n);
    return p;
}

/* A page-aligned block of at least n bytes; free it with free. */
static void *xmalloc_pages(size_t n)
{
    void *p = aligned_alloc(4096, (n + 4095) / 4096 * 4096);

    if (p == NULL)
        check_failed("out of memory (%zu bytes)", n);
    return p;
}

/*
 * One line on stderr saying what is being measured, when stderr is a
 * terminal: a log file gets the table alone.
 */
static void progress(const struct bench *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void progress(const struct bench *b, const char *fmt, ...)
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

static void start_thread(struct sched_thread *t, const char *name, sched_fn fn,
                         void *arg)
{
    if (sched_thread_start(t, name, fn, arg) != STATUS_OK)
        check_failed("cannot start thread %s", name);
}

static enum status watchdog_main(void *arg)
{
    struct watchdog *w = arg;

    sched_mutex_lock(&w->mu);
    while (!w->stop) {
        if (w->deadline != SCHED_NO_DEADLINE && sched_now_ns() >= w->deadline) {
            /* stderr only: stdout's lock may be held by a stuck thread. */
            fprintf(stderr,
                    "bench: FAILED: %s took longer than %d s: something "
                    "hangs\n",
                    w->what, WATCHDOG_SECONDS);
            _exit(1);
        }
        sched_cond_timedwait(&w->stopped, &w->mu, w->deadline);
    }
    sched_mutex_unlock(&w->mu);
    return STATUS_OK;
}

static void watchdog_start(struct watchdog *w)
{
    sched_mutex_init(&w->mu);
    sched_cond_init(&w->stopped);
    w->deadline = SCHED_NO_DEADLINE;
    w->stop = 0;
    start_thread(&w->thread, "watchdog", watchdog_main, w);
}

/* Gives the run about to start WATCHDOG_SECONDS; names it for the report. */
static void watchdog_arm(struct watchdog *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void watchdog_arm(struct watchdog *w, const char *fmt, ...)
{
    va_list ap;

    sched_mutex_lock(&w->mu);
    va_start(ap, fmt);
    vsnprintf(w->what, sizeof w->what, fmt, ap);
    va_end(ap);
    w->deadline = now_ns() + (int64_t)WATCHDOG_SECONDS * 1000000000;
    sched_mutex_unlock(&w->mu);
}

static void watchdog_disarm(struct watchdog *w)
{
    sched_mutex_lock(&w->mu);
    w->deadline = SCHED_NO_DEADLINE;
    sched_mutex_unlock(&w->mu);
}

static void watchdog_stop(struct watchdog *w)
{
    sched_mutex_lock(&w->mu);
    w->stop = 1;
    sched_cond_broadcast(&w->stopped);
    sched_mutex_unlock(&w->mu);
    sched_thread_join(&w->thread);
    sched_cond_destroy(&w->stopped);
    sched_mutex_destroy(&w->mu);
}

/* ---- the pattern -------------------------------------------------------- */

/*
 * Byte i of every stream sent: a hash of i modulo the period, so within a
 * period no byte pattern repeats that could hide a misplaced block.
 */
static uint8_t pattern_byte(uint64_t i)
{
    uint64_t x = (i % PATTERN_PERIOD) * 0x9E3779B97F4A7C15ull;

    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    return (uint8_t)(x >> 56);
}

/*
 * The bytes at stream offset off, for up to MAX_SIZE bytes: the pattern
 * runs MAX_SIZE bytes past its period, so every slice is contiguous.
 */
static const uint8_t *pattern_at(const uint8_t *pattern, uint64_t off)
{
    return pattern + off % PATTERN_PERIOD;
}

/* Message i of size bytes: the stream's bytes from i * size. */
static const uint8_t *message(const uint8_t *pattern, long i, size_t size)
{
    return pattern_at(pattern, (uint64_t)i * size);
}

/* The first offset where a and b differ (they are known to). */
static size_t first_difference(const uint8_t *a, const uint8_t *b, size_t n)
{
    size_t i = 0;

    while (i < n && a[i] == b[i])
        i++;
    return i;
}

/* ---- summaries ---------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Sorts v and returns its median and range. */
static struct summary summarize(double *v, int n)
{
    struct summary s;

    qsort(v, (size_t)n, sizeof *v, cmp_double);
    s.n = n;
    s.min = v[0];
    s.max = v[n - 1];
    s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return s;
}

/* The farthest any run was from the median, in percent of it. */
static double spread_percent(const struct summary *s)
{
    double up = s->max - s->median;
    double down = s->median - s->min;

    if (s->median <= 0)
        return 0;
    return 100 * (up > down ? up : down) / s->median;
}

/* ---- formatting --------------------------------------------------------- */

/* A number as the table and the bench= lines print it. */
static const char *fmt_num(char *buf, size_t cap, double v)
{
    if (v >= 100 || v <= -100)
        snprintf(buf, cap, "%.0f", v);
    else
        snprintf(buf, cap, "%.3g", v);
    return buf;
}

/* "312 ±3%": the median and the farthest run from it. */
static const char *fmt_cell(char *buf, size_t cap, const struct summary *s)
{
    char num[32];

    if (s->n == 0)
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%s ±%.0f%%", fmt_num(num, sizeof num, s->median),
                 spread_percent(s));
    return buf;
}

static const char *fmt_ratio(char *buf, size_t cap, double value, double ref)
{
    char num[32];

    if (ref <= 0 || value <= 0)
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%sx", fmt_num(num, sizeof num, value / ref));
    return buf;
}

/* One machine-readable line. ref NULL: none, and no ratio. */
static void bench_line(const char *name, size_t size, double value,
                       const char *unit, const char *ref, double ref_value)
{
    char v[32];
    char r[32];

    if (ref == NULL || ref_value <= 0) {
        ref = "none";
        snprintf(r, sizeof r, "-");
    } else {
        snprintf(r, sizeof r, "%.4g", value / ref_value);
    }
    printf("bench=%s size=%zu value=%s unit=%s ref=%s ratio=%s\n", name, size,
           fmt_num(v, sizeof v, value), unit, ref, r);
}

/* ---- conduits: one direction of bytes, duplex's or the kernel's --------- */

struct conduit {
    enum via via;
    struct pipe *p; /* VIA_DUPLEX */
    int rfd;        /* the others: read end */
    int wfd;        /* ... and write end */
};

static void conduit_open_pipe2(struct conduit *c, struct results *r)
{
    int fds[2];

    if (pipe(fds) != 0)
        check_failed("pipe(2): %s", strerror(errno));
    c->rfd = fds[0];
    c->wfd = fds[1];
    if (fcntl(c->wfd, F_SETPIPE_SZ, CAPACITY) < 0)
        check_failed("fcntl(F_SETPIPE_SZ, %d): %s (see "
                     "/proc/sys/fs/pipe-max-size)",
                     CAPACITY, strerror(errno));
    r->pipe2_capacity = fcntl(c->wfd, F_GETPIPE_SZ);
}

static void conduit_open_socketpair(struct conduit *c, struct results *r)
{
    int sv[2];
    int want = CAPACITY;
    int got = 0;
    socklen_t len = sizeof got;

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        check_failed("socketpair(2): %s", strerror(errno));
    c->rfd = sv[0];
    c->wfd = sv[1];
    /* Unix stream sockets charge queued bytes to the sender's buffer. */
    if (setsockopt(c->wfd, SOL_SOCKET, SO_SNDBUF, &want, sizeof want) != 0 ||
        getsockopt(c->wfd, SOL_SOCKET, SO_SNDBUF, &got, &len) != 0)
        check_failed("SO_SNDBUF: %s", strerror(errno));
    r->sock_sndbuf = got;
}

static void conduit_open(struct conduit *c, enum via via, struct results *r)
{
    memset(c, 0, sizeof *c);
    c->via = via;
    c->rfd = -1;
    c->wfd = -1;
    if (via == VIA_DUPLEX) {
        if (pipe_create(CAPACITY, "bench", NULL, &c->p) != STATUS_OK)
            check_failed("pipe_create: out of memory");
    } else if (via == VIA_PIPE2) {
        conduit_open_pipe2(c, r);
    } else {
        conduit_open_socketpair(c, r);
    }
}

/* Writes all len bytes. Returns NULL, or what went wrong. */
static const char *conduit_write(struct conduit *c, const uint8_t *buf,
                                 size_t len)
{
    size_t done = 0;

    if (c->via == VIA_DUPLEX) {
        enum status st = pipe_write(c->p, buf, len, NULL);

        return st == STATUS_OK ? NULL : status_name(st);
    }
    while (done < len) {
        ssize_t n = write(c->wfd, buf + done, len - done);

        if (n < 0 && errno != EINTR)
            return strerror(errno);
        if (n > 0)
            done += (size_t)n;
    }
    return NULL;
}

/* Reads 1..cap bytes, or 0 at EOF (*out_n). Returns NULL or the error. */
static const char *conduit_read(struct conduit *c, uint8_t *buf, size_t cap,
                                size_t *out_n)
{
    ssize_t n = 0;

    if (c->via == VIA_DUPLEX) {
        enum status st = pipe_read(c->p, buf, cap, out_n);

        if (st == STATUS_EOF)
            *out_n = 0;
        return st == STATUS_OK || st == STATUS_EOF ? NULL : status_name(st);
    }
    do
        n = read(c->rfd, buf, cap);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return strerror(errno);
    *out_n = (size_t)n;
    return NULL;
}

/*
 * Reads exactly len bytes. An EOF before the first byte sets *out_eof when
 * out_eof is not NULL (a clean end between frames); any other EOF is an
 * error.
 */
static const char *conduit_read_full(struct conduit *c, uint8_t *buf,
                                     size_t len, int *out_eof)
{
    size_t got = 0;

    while (got < len) {
        size_t n = 0;
        const char *e = conduit_read(c, buf + got, len - got, &n);

        if (e != NULL)
            return e;
        if (n == 0 && got == 0 && out_eof != NULL) {
            *out_eof = 1;
            return NULL;
        }
        if (n == 0)
            return "unexpected EOF";
        got += n;
    }
    return NULL;
}

/* The half-close: the reader drains what is there, then sees EOF. */
static void conduit_close_write(struct conduit *c)
{
    if (c->via == VIA_DUPLEX) {
        pipe_close_write(c->p);
    } else if (c->via == VIA_PIPE2) {
        close(c->wfd);
        c->wfd = -1;
    } else {
        shutdown(c->wfd, SHUT_WR);
    }
}

/* The reader gave up: a blocked writer must not wait for it forever. */
static void conduit_close_read(struct conduit *c)
{
    if (c->via == VIA_DUPLEX) {
        pipe_close_read(c->p);
        return;
    }
    close(c->rfd); /* the writer's next write fails with EPIPE */
    c->rfd = -1;
}

static void conduit_close(struct conduit *c)
{
    pipe_destroy(c->p);
    if (c->rfd >= 0)
        close(c->rfd);
    if (c->wfd >= 0)
        close(c->wfd);
}

/* ---- 1. pipe streaming throughput --------------------------------------- */

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
        const char *e =
            conduit_write(f->c, message(f->pattern, i, f->chunk), f->chunk);

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

/* One run: returns MB/s (10^6 bytes per second, like the Go peers). */
static double pipe_run(struct bench *b, enum via via, int si)
{
    struct conduit c;
    struct flow f;
    struct sched_thread writer;
    struct sched_thread reader;
    int64_t t0 = 0;
    double secs = 0;

    conduit_open(&c, via, &b->r);
    memset(&f, 0, sizeof f);
    f.c = &c;
    f.pattern = b->pattern;
    f.chunk = sizes[si];
    f.buf = b->readbuf;
    t0 = now_ns();
    f.stop_ns = t0 + (int64_t)(b->w->pipe_seconds * 1e9);
    start_thread(&writer, "writer", flow_writer, &f);
    start_thread(&reader, "reader", flow_reader, &f);
    sched_thread_join(&writer);
    sched_thread_join(&reader);
    secs = seconds_since(t0);
    conduit_close(&c);
    if (f.write_err[0] || f.read_err[0])
        check_failed("pipe %s through %s: %s%s%s", size_names[si],
                     via_names[via], f.read_err,
                     f.read_err[0] && f.write_err[0] ? "; " : "", f.write_err);
    if (f.received != f.sent || f.sent == 0)
        check_failed("pipe %s through %s: EOF after %llu bytes, %llu sent",
                     size_names[si], via_names[via],
                     (unsigned long long)f.received,
                     (unsigned long long)f.sent);
    return (double)f.received / secs / 1e6;
}

static void figure_pipe(struct bench *b)
{
    double v[VIA_COUNT][RUNS_MAX];
    int si = 0;
    int run = 0;
    int via = 0;

    for (si = 0; si < NSIZES; si++) {
        progress(b, "pipe throughput, %s writes", size_names[si]);
        for (run = 0; run < b->o.runs; run++) {
            for (via = 0; via < VIA_COUNT; via++) {
                watchdog_arm(&b->dog, "pipe %s through %s", size_names[si],
                             via_names[via]);
                v[via][run] = pipe_run(b, (enum via)via, si);
            }
        }
        for (via = 0; via < VIA_COUNT; via++)
            b->r.pipe[si][via] = summarize(v[via], b->o.runs);
    }
}

/* ---- 2. framed bidirectional echo through a stream ---------------------- */

/* One call: a client sender, a client receiver and an echo server. */
struct call {
    struct stream *s;
    const uint8_t *pattern;
    size_t size;
    long msgs;
    long echoed; /* the server's count */
    char send_err[ERR_MAX];
    char recv_err[ERR_MAX];
    char server_err[ERR_MAX];
};

static void call_open(struct call *c, const struct bench *b, size_t size,
                      long msgs)
{
    struct stream_options so;

    memset(c, 0, sizeof *c);
    memset(&so, 0, sizeof so);
    so.capacity = CAPACITY;
    if (stream_create(NULL, &so, &c->s) != STATUS_OK)
        check_failed("stream_create: out of memory");
    c->pattern = b->pattern;
    c->size = size;
    c->msgs = msgs;
}

/* The server: stream_recv -> stream_send until EOF, then finish OK. */
static enum status echo_server(void *arg)
{
    struct call *c = arg;
    struct stream_end *e = stream_server(c->s);
    struct status_detail why;
    struct frame_msg m;
    enum status st = STATUS_OK;

    memset(&m, 0, sizeof m);
    status_detail_clear(&why);
    while ((st = stream_recv(e, &m, &why)) == STATUS_OK) {
        st = stream_send(e, m.data, m.length, &why);
        if (st != STATUS_OK) {
            snprintf(c->server_err, ERR_MAX, "send: %s %s", status_name(st),
                     why.text);
            break;
        }
        c->echoed++;
    }
    if (st == STATUS_EOF) {
        st = stream_finish(e, STATUS_OK, NULL);
    } else {
        if (c->server_err[0] == '\0')
            snprintf(c->server_err, ERR_MAX, "recv: %s %s", status_name(st),
                     why.text);
        stream_cancel(e);
    }
    frame_msg_free(&m);
    return st;
}

static enum status echo_sender(void *arg)
{
    struct call *c = arg;
    struct status_detail why;
    long i = 0;

    status_detail_clear(&why);
    for (i = 0; i < c->msgs; i++) {
        enum status st =
            stream_send(stream_client(c->s), message(c->pattern, i, c->size),
                        c->size, &why);

        if (st != STATUS_OK) {
            snprintf(c->send_err, ERR_MAX, "send %ld: %s %s", i,
                     status_name(st), why.text);
            stream_cancel(stream_client(c->s));
            return st;
        }
    }
    return stream_close_send(stream_client(c->s));
}

/*
 * Checks one received echo against message i. Returns NULL, or what is
 * wrong, in err.
 */
static const char *echo_check(const struct call *c, long i,
                              const struct frame_msg *m, char *err)
{
    const uint8_t *want = message(c->pattern, i, c->size);

    if (m->length != c->size)
        snprintf(err, ERR_MAX, "echo %ld has %lu bytes, want %zu", i,
                 (unsigned long)m->length, c->size);
    else if (memcmp(m->data, want, c->size) != 0)
        snprintf(err, ERR_MAX, "echo %ld differs from its message at byte %zu",
                 i, first_difference(m->data, want, c->size));
    else
        return NULL;
    return err;
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
        st = stream_recv(stream_client(c->s), &m, &why);
        if (st != STATUS_OK)
            snprintf(c->recv_err, ERR_MAX, "echo %ld: %s %s", i,
                     status_name(st), why.text);
        else
            echo_check(c, i, &m, c->recv_err);
    }
    if (c->recv_err[0] == '\0' &&
        (st = stream_recv(stream_client(c->s), &m, &why)) != STATUS_EOF)
        snprintf(c->recv_err, ERR_MAX, "after the last echo: %s %s, want EOF",
                 status_name(st), why.text);
    if (c->recv_err[0] != '\0')
        stream_cancel(stream_client(c->s));
    frame_msg_free(&m);
    return c->recv_err[0] ? STATUS_INTERNAL : STATUS_OK;
}

/* Appends "who: err" to buf when err says something. */
static void append_error(char *buf, size_t cap, const char *who,
                         const char *err)
{
    size_t n = strlen(buf);

    if (err[0] != '\0' && n < cap)
        snprintf(buf + n, cap - n, "%s%s: %s", n > 0 ? "; " : "", who, err);
}

/* After the threads are joined: every check, then the stream goes. */
static void call_close(struct call *c, const char *what)
{
    struct stream_stats st = stream_get_stats(c->s);
    enum status final = stream_final_status(c->s, NULL);
    char all[3 * ERR_MAX];

    all[0] = '\0';
    append_error(all, sizeof all, "client/send", c->send_err);
    append_error(all, sizeof all, "client/recv", c->recv_err);
    append_error(all, sizeof all, "server", c->server_err);
    if (all[0] != '\0')
        check_failed("%s: %s", what, all);
    if (c->echoed != c->msgs || final != STATUS_OK ||
        st.received[STREAM_C2S] != (uint64_t)c->msgs ||
        st.received[STREAM_S2C] != (uint64_t)c->msgs)
        check_failed("%s: %ld messages, the server echoed %ld, the stream "
                     "counted %llu and %llu received, final status %s",
                     what, c->msgs, c->echoed,
                     (unsigned long long)st.received[STREAM_C2S],
                     (unsigned long long)st.received[STREAM_S2C],
                     status_name(final));
    stream_destroy(c->s);
}

/* One run: returns messages per second (each one there and back). */
static double echo_run(struct bench *b, int si)
{
    struct call c;
    struct sched_thread server;
    struct sched_thread sender;
    struct sched_thread receiver;
    char what[64];
    int64_t t0 = 0;
    double secs = 0;

    call_open(&c, b, sizes[si], b->w->echo_msgs[si]);
    t0 = now_ns();
    start_thread(&server, "server", echo_server, &c);
    start_thread(&receiver, "client/recv", echo_receiver, &c);
    start_thread(&sender, "client/send", echo_sender, &c);
    sched_thread_join(&sender);
    sched_thread_join(&receiver);
    sched_thread_join(&server);
    secs = seconds_since(t0);
    snprintf(what, sizeof what, "echo %s", size_names[si]);
    call_close(&c, what);
    return (double)c.msgs / secs;
}

static void figure_echo(struct bench *b)
{
    double v[RUNS_MAX];
    int si = 0;
    int run = 0;

    for (si = 0; si < NSIZES; si++) {
        progress(b, "echo, %s messages", size_names[si]);
        for (run = 0; run < b->o.runs; run++) {
            watchdog_arm(&b->dog, "echo %s", size_names[si]);
            v[run] = echo_run(b, si);
        }
        b->r.echo[si] = summarize(v, b->o.runs);
    }
}

/* ---- 3. ping-pong round trip -------------------------------------------- */

/* Sends msg and waits for its echo: *out_echo, *out_len. NULL or error. */
typedef const char *(*trip_fn)(void *arg, const uint8_t *msg, size_t size,
                               const uint8_t **out_echo, size_t *out_len);

/*
 * The client's loop: WARMUP_TRIPS untimed round trips, then trips timed
 * ones into lat (ns). Every echo is checked, outside the timed part.
 */
static void ping_loop(const struct bench *b, size_t size, long trips,
                      int64_t *lat, trip_fn trip, void *arg, const char *what)
{
    long i = 0;

    for (i = -WARMUP_TRIPS; i < trips; i++) {
        long k = i + WARMUP_TRIPS;
        const uint8_t *msg = message(b->pattern, k, size);
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

/* The client of a ping-pong call through a stream: where echoes land. */
struct stream_client {
    struct call *c;
    struct frame_msg m;
};

static const char *stream_trip(void *arg, const uint8_t *msg, size_t size,
                               const uint8_t **out_echo, size_t *out_len)
{
    struct stream_client *sc = arg;
    struct stream_end *e = stream_client(sc->c->s);
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

/* One run through a duplex stream; the round trips go into lat (ns). */
static void ping_stream_run(struct bench *b, int si, int64_t *lat)
{
    static const char what[] = "pingpong through duplex";
    long trips = b->w->ping_trips[si];
    struct stream_client sc;
    struct sched_thread server;
    struct status_detail why;
    struct call c;
    enum status st = STATUS_OK;

    call_open(&c, b, sizes[si], trips + WARMUP_TRIPS);
    memset(&sc, 0, sizeof sc);
    sc.c = &c;
    start_thread(&server, "server", echo_server, &c);
    ping_loop(b, sizes[si], trips, lat, stream_trip, &sc, what);
    stream_close_send(stream_client(c.s));
    st = stream_recv(stream_client(c.s), &sc.m, &why);
    sched_thread_join(&server);
    frame_msg_free(&sc.m);
    if (st != STATUS_EOF)
        snprintf(c.recv_err, ERR_MAX, "after the last echo: %s %s, want EOF",
                 status_name(st), why.text);
    call_close(&c, what);
}

/* The same ping-pong over two pipe(2)s, one per direction. */
struct fd_call {
    struct conduit c2s;
    struct conduit s2c;
    uint8_t *server_buf; /* MAX_SIZE bytes */
    uint8_t *client_buf; /* MAX_SIZE bytes */
    char server_err[ERR_MAX];
};

/* One frame as frame_write sends it: the header, then the payload. */
static const char *fd_frame_send(struct conduit *c, const uint8_t *payload,
                                 size_t len)
{
    uint8_t hdr[FRAME_HEADER_LEN];
    const char *e = NULL;

    frame_encode_header(hdr, FRAME_FLAG_PLAIN, (uint32_t)len);
    e = conduit_write(c, hdr, sizeof hdr);
    return e != NULL ? e : conduit_write(c, payload, len);
}

/* One frame into buf (MAX_SIZE bytes). *out_eof: a clean end instead. */
static const char *fd_frame_recv(struct conduit *c, uint8_t *buf,
                                 size_t *out_len, int *out_eof)
{
    uint8_t raw[FRAME_HEADER_LEN];
    struct frame_header h;
    const char *e = NULL;

    *out_eof = 0;
    e = conduit_read_full(c, raw, sizeof raw, out_eof);
    if (e != NULL || *out_eof)
        return e;
    if (frame_decode_header(raw, NULL, &h, NULL) != STATUS_OK ||
        h.length > MAX_SIZE)
        return "bad frame header";
    *out_len = h.length;
    return conduit_read_full(c, buf, h.length, NULL);
}

static enum status fd_echo_server(void *arg)
{
    struct fd_call *f = arg;
    const char *e = NULL;
    size_t len = 0;
    int eof = 0;

    while ((e = fd_frame_recv(&f->c2s, f->server_buf, &len, &eof)) == NULL &&
           !eof) {
        e = fd_frame_send(&f->s2c, f->server_buf, len);
        if (e != NULL)
            break;
    }
    if (e != NULL)
        snprintf(f->server_err, ERR_MAX, "%s", e);
    conduit_close_write(&f->s2c);
    return e == NULL ? STATUS_OK : STATUS_INTERNAL;
}

static const char *fd_trip(void *arg, const uint8_t *msg, size_t size,
                           const uint8_t **out_echo, size_t *out_len)
{
    struct fd_call *f = arg;
    int eof = 0;
    const char *e = fd_frame_send(&f->c2s, msg, size);

    if (e == NULL)
        e = fd_frame_recv(&f->s2c, f->client_buf, out_len, &eof);
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

    memset(&f, 0, sizeof f);
    conduit_open(&f.c2s, VIA_PIPE2, &b->r);
    conduit_open(&f.s2c, VIA_PIPE2, &b->r);
    f.server_buf = xmalloc(MAX_SIZE);
    f.client_buf = xmalloc(MAX_SIZE);
    start_thread(&server, "server", fd_echo_server, &f);
    ping_loop(b, sizes[si], b->w->ping_trips[si], lat, fd_trip, &f, what);
    conduit_close_write(&f.c2s);
    e = fd_frame_recv(&f.s2c, f.client_buf, &len, &eof);
    sched_thread_join(&server);
    if (e == NULL && !eof)
        e = "a frame after the last echo";
    if (e != NULL || f.server_err[0]) {
        char all[2 * ERR_MAX];

        all[0] = '\0';
        append_error(all, sizeof all, "client", e != NULL ? e : "");
        append_error(all, sizeof all, "server", f.server_err);
        check_failed("%s: %s", what, all);
    }
    free(f.server_buf);
    free(f.client_buf);
    conduit_close(&f.c2s);
    conduit_close(&f.s2c);
}

static int cmp_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* The p-th percentile of n sorted latencies, in us, picked as Go's peer
 * picks it (the element at p/100 * (n - 1), rounded down). */
static double percentile_us(const int64_t *sorted, long n, int p)
{
    return (double)sorted[(long)((double)p / 100 * (double)(n - 1))] / 1e3;
}

static void figure_pingpong(struct bench *b)
{
    double v[2][2][RUNS_MAX]; /* [duplex, pipe(2)][median, p99][run] */
    int si = 0;
    int run = 0;
    int via = 0;

    for (si = 0; si < NSIZES; si++) {
        long trips = b->w->ping_trips[si];
        int64_t *lat = xmalloc((size_t)trips * sizeof *lat);

        progress(b, "ping-pong, %s messages", size_names[si]);
        for (run = 0; run < b->o.runs; run++) {
            for (via = 0; via < 2; via++) {
                watchdog_arm(&b->dog, "ping-pong %s through %s", size_names[si],
                             via_names[via]);
                if (via == 0)
                    ping_stream_run(b, si, lat);
                else
                    ping_fd_run(b, si, lat);
                qsort(lat, (size_t)trips, sizeof *lat, cmp_int64);
                v[via][0][run] = percentile_us(lat, trips, 50);
                v[via][1][run] = percentile_us(lat, trips, 99);
            }
        }
        for (via = 0; via < 2; via++) {
            b->r.ping[si][via][0] = summarize(v[via][0], b->o.runs);
            b->r.ping[si][via][1] = summarize(v[via][1], b->o.runs);
        }
        free(lat);
    }
}

/* ---- 4. frame codec ----------------------------------------------------- */

struct codec_bufs {
    const uint8_t *payload; /* the message */
    size_t size;
    uint8_t *wire; /* FRAME_HEADER_LEN + size bytes: the frame */
    size_t wire_cap;
    uint8_t *msg; /* size bytes: where a receiver keeps the message */
    long frames;
};

static double ns_per_frame(int64_t t0, long frames)
{
    return (double)(now_ns() - t0) / (double)frames;
}

/* What a sender and a receiver do per message: frame_encode, then
 * frame_decode and the copy out of the payload, as frame_read does. */
static double codec_roundtrip(const struct codec_bufs *k)
{
    const uint8_t *payload = NULL;
    struct frame_header h;
    size_t len = 0;
    size_t used = 0;
    int64_t t0 = now_ns();
    long i = 0;

    for (i = 0; i < k->frames; i++) {
        if (frame_encode(FRAME_FLAG_PLAIN, k->payload, k->size, k->wire,
                         k->wire_cap, &len) != STATUS_OK ||
            frame_decode(k->wire, len, NULL, &h, &payload, &used, NULL) !=
                STATUS_OK ||
            h.length != k->size)
            check_failed("codec %zu B: frame %ld did not survive", k->size, i);
        memcpy(k->msg, payload, h.length);
        barrier(k->msg);
    }
    return ns_per_frame(t0, k->frames);
}

/* The same bytes moved the same way, with no header. */
static double memcpy_roundtrip(const struct codec_bufs *k)
{
    int64_t t0 = now_ns();
    long i = 0;

    for (i = 0; i < k->frames; i++) {
        memcpy(k->wire + FRAME_HEADER_LEN, k->payload, k->size);
        memcpy(k->msg, k->wire + FRAME_HEADER_LEN, k->size);
        barrier(k->msg);
    }
    return ns_per_frame(t0, k->frames);
}

/* The receive path alone: frame_decode and the copy out. */
static double codec_decode(const struct codec_bufs *k)
{
    const uint8_t *payload = NULL;
    struct frame_header h;
    size_t used = 0;
    int64_t t0 = now_ns();
    long i = 0;

    for (i = 0; i < k->frames; i++) {
        if (frame_decode(k->wire, FRAME_HEADER_LEN + k->size, NULL, &h,
                         &payload, &used, NULL) != STATUS_OK ||
            h.length != k->size)
            check_failed("decode %zu B: frame %ld did not decode", k->size, i);
        memcpy(k->msg, payload, h.length);
        barrier(k->msg);
    }
    return ns_per_frame(t0, k->frames);
}

static double memcpy_once(const struct codec_bufs *k)
{
    int64_t t0 = now_ns();
    long i = 0;

    for (i = 0; i < k->frames; i++) {
        memcpy(k->msg, k->wire + FRAME_HEADER_LEN, k->size);
        barrier(k->msg);
    }
    return ns_per_frame(t0, k->frames);
}

/* After a run: the message came out whole, and the frame is the frame. */
static void codec_check(const struct codec_bufs *k)
{
    uint8_t hdr[FRAME_HEADER_LEN];

    frame_encode_header(hdr, FRAME_FLAG_PLAIN, (uint32_t)k->size);
    if (memcmp(k->msg, k->payload, k->size) != 0 ||
        memcmp(k->wire, hdr, sizeof hdr) != 0 ||
        memcmp(k->wire + FRAME_HEADER_LEN, k->payload, k->size) != 0)
        check_failed("codec %zu B: the decoded message is not the one sent",
                     k->size);
    memset(k->msg, 0, k->size);
}

static void codec_size(struct bench *b, int si)
{
    double v[4][RUNS_MAX];
    struct codec_bufs k;
    int run = 0;

    /*
     * Placed on purpose: some CPUs (AMD Zen with glibc before 2.39) copy
     * 4 KiB or more up to 20 times slower when the destination is 1 to 63
     * bytes past the source, modulo 4 KiB. Page-aligned buffers and a
     * payload 64 bytes into the pattern keep every copy here out of that
     * case, for the codec and memcpy alike (README.md says more).
     */
    k.payload = pattern_at(b->pattern, 64);
    k.size = sizes[si];
    k.wire_cap = FRAME_HEADER_LEN + k.size;
    k.wire = xmalloc_pages(k.wire_cap);
    k.msg = xmalloc_pages(k.size);
    k.frames = b->w->codec_frames[si];
    for (run = 0; run < b->o.runs; run++) {
        watchdog_arm(&b->dog, "codec %s", size_names[si]);
        v[0][run] = codec_roundtrip(&k);
        codec_check(&k);
        v[1][run] = memcpy_roundtrip(&k);
        codec_check(&k);
        v[2][run] = codec_decode(&k);
        codec_check(&k);
        v[3][run] = memcpy_once(&k);
        codec_check(&k);
    }
    b->r.codec[si][0] = summarize(v[0], b->o.runs);
    b->r.codec[si][1] = summarize(v[1], b->o.runs);
    b->r.decode[si][0] = summarize(v[2], b->o.runs);
    b->r.decode[si][1] = summarize(v[3], b->o.runs);
    free(k.wire);
    free(k.msg);
}

static void figure_codec(struct bench *b)
{
    int si = 0;

    for (si = 0; si < NSIZES; si++) {
        progress(b, "codec, %s frames", size_names[si]);
        codec_size(b, si);
    }
}

/* ---- 5. SIM mode: exploring concurrent-senders -------------------------- */

/*
 * concurrent-senders exists to show garbled frames in some schedules: an
 * exploration that finds none, or finds duplex itself broken, measured
 * something else than it claims.
 */
static void sim_check(enum status st, const struct explore_result *r,
                      const struct explore_options *o)
{
    unsigned long long ok = r->by_exit[SCENARIO_EXIT_OK];
    unsigned long long garbled = r->by_exit[SCENARIO_EXIT_GARBLED];

    if (st != STATUS_OK)
        check_failed("sim: explore_run: %s %s", status_name(st),
                     r->first.why.text);
    if (r->schedules == 0 || (!r->complete && r->schedules != o->max_schedules))
        check_failed("sim: explored %llu schedules of at most %llu",
                     (unsigned long long)r->schedules,
                     (unsigned long long)o->max_schedules);
    if (r->by_exit[SCENARIO_EXIT_BROKEN] > 0)
        check_failed("sim: %llu schedules broke an invariant (first: %s)",
                     (unsigned long long)r->by_exit[SCENARIO_EXIT_BROKEN],
                     r->replay);
    if (ok == 0 || garbled == 0)
        check_failed("sim: concurrent-senders must garble in some schedules "
                     "and not in others: %llu OK, %llu garbled of %llu",
                     ok, garbled, (unsigned long long)r->schedules);
}

/* One run: returns schedules per second. */
static double sim_run(struct bench *b, const struct scenario *sc)
{
    struct explore_result *r = calloc(1, sizeof *r);
    struct explore_options o;
    enum status st = STATUS_OK;
    int64_t t0 = 0;
    double secs = 0;
    double rate = 0;

    if (r == NULL)
        check_failed("out of memory");
    memset(&o, 0, sizeof o);
    o.base.messages = b->r.sim_messages;
    o.max_preemptions = 2;
    o.max_schedules = (uint64_t)b->w->sim_schedules;
    t0 = now_ns();
    st = explore_run(sc, &o, r);
    secs = seconds_since(t0);
    sim_check(st, r, &o);
    rate = (double)r->schedules / secs;
    explore_result_free(r);
    free(r);
    return rate;
}

static void figure_sim(struct bench *b)
{
    const struct scenario *sc = scenario_find("concurrent-senders");
    double v[RUNS_MAX];
    int run = 0;

    if (sc == NULL)
        check_failed("sim: no scenario concurrent-senders");
    /* What `duplex explore` uses: small runs, enough for the lesson. */
    b->r.sim_messages = sc->min_messages > EXPLORE_DEFAULT_MESSAGES
                            ? sc->min_messages
                            : EXPLORE_DEFAULT_MESSAGES;
    progress(b, "SIM exploration of concurrent-senders");
    for (run = 0; run < b->o.runs; run++) {
        watchdog_arm(&b->dog, "SIM exploration");
        v[run] = sim_run(b, sc);
    }
    b->r.sim = summarize(v, b->o.runs);
}

/* ---- 6. memory ---------------------------------------------------------- */

static void default_sigpipe(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &sa, NULL);
}

/*
 * The peak-RSS helper, run as `bench --peak-rss-helper DUPLEX N` by
 * echo_peak_rss: runs `DUPLEX run echo --messages N --os` with stdout to
 * /dev/null, and prints the child's peak RSS (KiB) on stdout.
 *
 * Why a helper: Linux counts in a child's ru_maxrss the part of its
 * parent's heap it was forked with. By the time the memory figure runs,
 * this process's heap has held several 1 MiB pipes, and forking from it
 * would add megabytes to the 1-message run. A freshly started helper has
 * an almost empty heap.
 */
static int peak_rss_helper(const char *duplex, const char *messages)
{
    struct rusage ru;
    int status = 0;
    pid_t pid = fork();

    if (pid < 0) {
        fprintf(stderr, "bench: fork: %s\n", strerror(errno));
        return 1;
    }
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);

        if (fd >= 0)
            dup2(fd, STDOUT_FILENO);
        execl(duplex, duplex, "run", "echo", "--messages", messages, "--os",
              (char *)NULL);
        fprintf(stderr, "bench: cannot run %s: %s\n", duplex, strerror(errno));
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr,
                "bench: `%s run echo --messages %s --os` failed "
                "(wait status %d)\n",
                duplex, messages, status);
        return 1;
    }
    printf("%ld\n", ru.ru_maxrss); /* Linux counts it in KiB */
    return 0;
}

/* Returns the peak RSS of `duplex run echo --messages N --os`, in KiB. */
static double echo_peak_rss(const char *duplex, long messages)
{
    char arg[32];
    char out[64];
    ssize_t n = 0;
    int status = 0;
    int fds[2];
    pid_t pid = 0;

    snprintf(arg, sizeof arg, "%ld", messages);
    if (pipe(fds) != 0)
        check_failed("pipe(2): %s", strerror(errno));
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        check_failed("fork: %s", strerror(errno));
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        default_sigpipe();
        execl("/proc/self/exe", "bench", "--peak-rss-helper", duplex, arg,
              (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    n = read(fds[0], out, sizeof out - 1);
    close(fds[0]);
    waitpid(pid, &status, 0);
    if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        check_failed("mem: could not measure `%s run echo --messages %s "
                     "--os` (see above)",
                     duplex, arg);
    out[n] = '\0';
    return strtod(out, NULL);
}

static void figure_rss(struct bench *b)
{
    double v[3][RUNS_MAX];
    int run = 0;
    int k = 0;

    if (access(b->o.duplex, X_OK) != 0)
        check_failed("mem: no duplex binary at %s (build it, or give "
                     "--duplex PATH or DUPLEX=PATH)",
                     b->o.duplex);
    progress(b, "peak RSS of duplex run echo --os");
    for (run = 0; run < b->o.runs; run++) {
        watchdog_arm(&b->dog, "%s run echo --os", b->o.duplex);
        v[0][run] = echo_peak_rss(b->o.duplex, 1);
        v[1][run] = echo_peak_rss(b->o.duplex, b->w->rss_messages);
        v[2][run] = v[1][run] - v[0][run];
    }
    for (k = 0; k < 3; k++)
        b->r.rss[k] = summarize(v[k], b->o.runs);
}

/* Bytes malloc has handed out and not had back (mmap'd blocks too). */
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();

    return mi.uordblks + mi.hblkhd;
}

/* What one stream holds: measured on a thread of its own (see below). */
struct stream_probe {
    size_t capacity;
    double extra; /* C: bytes beyond 2 x capacity */
};

/*
 * Creates and destroys one stream with pipes of capacity bytes, and
 * records C, what stream_create took beyond 2 x capacity in malloc's own
 * count (its chunk headers and rounding included).
 *
 * Why a thread: glibc keeps a few freed small blocks in a per-thread
 * cache, and mallinfo2 counts those as in use. A new thread's cache starts
 * empty, so every block stream_create takes shows; the block kept in
 * warm stops this thread's first malloc (which sets up its cache) from
 * being counted. The cache goes back to malloc when the thread exits.
 */
static enum status stream_probe_thread(void *arg)
{
    struct stream_probe *m = arg;
    struct stream_options so;
    struct stream *s = NULL;
    void *warm = xmalloc(1);
    size_t before = 0;
    size_t during = 0;

    memset(&so, 0, sizeof so);
    so.capacity = m->capacity;
    before = heap_in_use();
    if (stream_create(NULL, &so, &s) != STATUS_OK)
        check_failed("mem: stream_create: out of memory");
    during = heap_in_use();
    stream_destroy(s);
    free(warm);
    m->extra = (double)during - (double)before - 2.0 * (double)m->capacity;
    return STATUS_OK;
}

/*
 * One probe. With check set, checks that every byte came back. (The first
 * probe of a process cannot: its thread's arena stays, by design.)
 */
static double stream_extra(size_t capacity, int check)
{
    struct stream_probe m;
    struct sched_thread t;
    size_t before = 0;
    size_t after = 0;

    m.capacity = capacity;
    m.extra = 0;
    before = heap_in_use();
    start_thread(&t, "probe", stream_probe_thread, &m);
    sched_thread_join(&t);
    after = heap_in_use();
    if (check && after != before)
        check_failed("mem: after stream_create and stream_destroy, %ld "
                     "bytes more are in use",
                     (long)after - (long)before);
    return m.extra;
}

static void figure_stream_memory(struct bench *b)
{
    static const size_t caps[2] = {PIPE_DEFAULT_CAPACITY, CAPACITY};
    double v[RUNS_MAX];
    int run = 0;
    int k = 0;

    progress(b, "memory of one stream");
    watchdog_arm(&b->dog, "memory of one stream");
    for (k = 0; k < 2; k++) {
        /* The first probe may create the thread's arena and grow malloc's
         * mmap threshold: measure the steady state after it. */
        stream_extra(caps[k], 0);
        for (run = 0; run < b->o.runs; run++)
            v[run] = stream_extra(caps[k], 1);
        b->r.stream_extra[k] = summarize(v, b->o.runs);
    }
}

static void figure_mem(struct bench *b)
{
    figure_rss(b);
    figure_stream_memory(b);
}

/* ---- Go peers ----------------------------------------------------------- */

/* Reads "key=value key=value ..." from a peer= line into g. */
static void go_parse(struct go *g, const char *line)
{
    char buf[GO_LINE_MAX];
    char *save = NULL;
    char *tok = NULL;
    struct go_line l;

    if (strncmp(line, "peer=", 5) != 0 || g->n >= GO_LINES_MAX)
        return;
    memset(&l, 0, sizeof l);
    snprintf(buf, sizeof buf, "%s", line);
    for (tok = strtok_r(buf, " \t", &save); tok != NULL;
         tok = strtok_r(NULL, " \t", &save)) {
        char *v = strchr(tok, '=');

        if (v == NULL)
            continue;
        *v++ = '\0';
        if (strcmp(tok, "peer") == 0)
            snprintf(l.peer, sizeof l.peer, "%s", v);
        else if (strcmp(tok, "size") == 0)
            l.size = (size_t)strtoul(v, NULL, 10);
        else if (strcmp(tok, "msgs_per_s") == 0)
            l.msgs_per_s = strtod(v, NULL);
        else if (strcmp(tok, "median_us") == 0)
            l.median_us = strtod(v, NULL);
    }
    /* The issue calls the io.Pipe ping-pong pingpong-pipe; take both. */
    if (strcmp(l.peer, "pingpong-pipe") == 0)
        snprintf(l.peer, sizeof l.peer, "pingpong-iopipe");
    g->lines[g->n++] = l;
}

/* The value of peer at size (msgs_per_s, or median_us), or 0 if none. */
static double go_value(const struct go *g, const char *peer, size_t size,
                       int median)
{
    double v = 0;
    int i = 0;

    for (i = 0; i < g->n; i++)
        if (strcmp(g->lines[i].peer, peer) == 0 && g->lines[i].size == size)
            v = median ? g->lines[i].median_us : g->lines[i].msgs_per_s;
    return v;
}

/* The better of the two Go echoes at size: what duplex must beat 2x. */
static double go_best_echo(const struct go *g, size_t size)
{
    double a = go_value(g, "netpipe-echo", size, 0);
    double c = go_value(g, "bufconn-echo", size, 0);

    return a > c ? a : c;
}

/* Starts the script with our sizes; its stdout comes back on *out_fd. */
static pid_t go_start(const char *script, int *out_fd)
{
    char args[NSIZES][24];
    int fds[2];
    pid_t pid = 0;
    int i = 0;

    for (i = 0; i < NSIZES; i++)
        snprintf(args[i], sizeof args[i], "%zu", sizes[i]);
    if (pipe(fds) != 0)
        check_failed("pipe(2): %s", strerror(errno));
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        check_failed("fork: %s", strerror(errno));
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        default_sigpipe();
        if (access(script, X_OK) == 0)
            execl(script, script, args[0], args[1], args[2], (char *)NULL);
        else
            execlp("bash", "bash", script, args[0], args[1], args[2],
                   (char *)NULL);
        fprintf(stderr, "bench: cannot run %s: %s\n", script, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    *out_fd = fds[0];
    return pid;
}

/* Runs the Go peers' script once and keeps what it printed. */
static void go_run(struct bench *b)
{
    struct go *g = &b->r.go;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len = 0;
    FILE *in = NULL;
    int status = 0;
    int fd = -1;
    pid_t pid = 0;

    if (b->progress)
        fprintf(stderr,
                "bench: Go peers: %s (slow: it builds and runs four "
                "programs per size)\n",
                b->o.go_peers);
    watchdog_disarm(&b->dog); /* it may install Go first: give it time */
    pid = go_start(b->o.go_peers, &fd);
    in = fdopen(fd, "r");
    if (in == NULL)
        check_failed("fdopen: %s", strerror(errno));
    while ((len = getline(&line, &cap, in)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (g->nraw < GO_LINES_MAX)
            snprintf(g->raw[g->nraw++], GO_LINE_MAX, "%s", line);
        go_parse(g, line);
    }
    free(line);
    fclose(in);
    if (waitpid(pid, &status, 0) != pid)
        check_failed("waitpid: %s", strerror(errno));
    g->ran = WIFEXITED(status) && WEXITSTATUS(status) == 0 && g->n > 0;
    g->failed = !g->ran;
}

/* ---- the table ---------------------------------------------------------- */

static void read_first_line(const char *path, const char *key, char *buf,
                            size_t cap)
{
    FILE *f = fopen(path, "r");
    char line[256];

    snprintf(buf, cap, "?");
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        char *colon = strchr(line, ':');

        if (key != NULL && (strncmp(line, key, strlen(key)) != 0 || !colon))
            continue;
        line[strcspn(line, "\n")] = '\0';
        snprintf(buf, cap, "%.100s", key != NULL ? colon + 2 : line);
        break;
    }
    fclose(f);
}

/* The 1-minute load average: above the CPU count, others were busy. */
static void load_average(char *buf, size_t cap)
{
    read_first_line("/proc/loadavg", NULL, buf, cap);
    buf[strcspn(buf, " ")] = '\0';
}

/* Prints one row: each cell left-aligned in its width (counted in
 * characters, not bytes, so "±" lines up), after a 3-space indent. */
static void print_row(int n, const int *widths, const char *const *cells)
{
    int i = 0;

    fputs("   ", stdout);
    for (i = 0; i < n; i++) {
        const char *s = cells[i];
        int chars = 0;

        for (; *s != '\0'; s++)
            chars += ((unsigned char)*s & 0xC0) != 0x80;
        fputs(cells[i], stdout);
        if (i + 1 < n)
            printf("%*s", widths[i] > chars ? widths[i] - chars : 1, "");
    }
    fputs("\n", stdout);
}

static void print_header(const struct bench *b)
{
    char cpu[128];
    char load[64];

    read_first_line("/proc/cpuinfo", "model name", cpu, sizeof cpu);
    load_average(load, sizeof load);
    printf("duplex bench: %d run%s per figure%s. Each cell is the median of "
           "the runs;\n"
           "±N%% is how far the farthest run was from it.\n",
           b->o.runs, b->o.runs == 1 ? "" : "s",
           b->o.quick ? " (--quick: small counts)" : "");
    printf("machine: %ld CPUs (%s), load average %s at the start\n\n",
           sysconf(_SC_NPROCESSORS_ONLN), cpu, load);
}

static void print_pipe(const struct bench *b)
{
    static const int w[6] = {9, 15, 15, 15, 10, 0};
    static const char *const head[6] = {"size",     "duplex",
                                        "pipe(2)",  "socketpair(2)",
                                        "/pipe(2)", "/socketpair(2)"};
    const struct results *r = &b->r;
    char c[5][40];
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
        const char *row[6] = {size_names[si], c[0], c[1], c[2], c[3], c[4]};

        for (via = 0; via < VIA_COUNT; via++)
            fmt_cell(c[via], sizeof c[via], &s[via]);
        fmt_ratio(c[3], sizeof c[3], s[0].median, s[1].median);
        fmt_ratio(c[4], sizeof c[4], s[0].median, s[2].median);
        print_row(6, w, row);
    }
    printf("\n");
}

static void print_echo(const struct bench *b)
{
    static const int w[3] = {9, 10, 0};
    static const char *const head[3] = {"size", "messages", "duplex"};
    char c[2][40];
    int si = 0;

    printf("2. Framed echo through a stream, messages/s (higher is better)\n"
           "   A client sender thread, a client receiver thread, a server "
           "thread that echoes\n"
           "   until EOF; %d KiB per direction. The Go peers, when run, are "
           "in 7.\n",
           CAPACITY / 1024);
    print_row(3, w, head);
    for (si = 0; si < NSIZES; si++) {
        const char *row[3] = {size_names[si], c[0], c[1]};

        snprintf(c[0], sizeof c[0], "%ld", b->w->echo_msgs[si]);
        fmt_cell(c[1], sizeof c[1], &b->r.echo[si]);
        print_row(3, w, row);
    }
    printf("\n");
}

static void print_pingpong(const struct bench *b)
{
    static const int w[7] = {9, 12, 12, 8, 12, 12, 0};
    static const char *const head[7] = {"size", "median",  "pipe(2)", "ratio",
                                        "p99",  "pipe(2)", "ratio"};
    char c[6][40];
    int si = 0;

    printf("3. Ping-pong round trip, microseconds (lower is better)\n"
           "   Send one message, wait for its echo, repeat; a server thread "
           "echoes. pipe(2):\n"
           "   two pipes, the same 5-byte framing. ratio = duplex / "
           "pipe(2).\n");
    print_row(7, w, head);
    for (si = 0; si < NSIZES; si++) {
        const struct summary(*p)[2] = b->r.ping[si];
        const char *row[7] = {size_names[si], c[0], c[1], c[2],
                              c[3],           c[4], c[5]};

        fmt_cell(c[0], sizeof c[0], &p[0][0]);
        fmt_cell(c[1], sizeof c[1], &p[1][0]);
        fmt_ratio(c[2], sizeof c[2], p[0][0].median, p[1][0].median);
        fmt_cell(c[3], sizeof c[3], &p[0][1]);
        fmt_cell(c[4], sizeof c[4], &p[1][1]);
        fmt_ratio(c[5], sizeof c[5], p[0][1].median, p[1][1].median);
        print_row(7, w, row);
    }
    printf("\n");
}

static void print_codec(const struct bench *b)
{
    static const int w[7] = {9, 15, 12, 8, 12, 12, 0};
    static const char *const head[7] = {"size",  "encode+decode", "2 memcpy",
                                        "ratio", "decode",        "memcpy",
                                        "ratio"};
    char c[6][40];
    int si = 0;

    printf("4. Frame codec in memory, nanoseconds per frame (lower is "
           "better)\n"
           "   encode+decode: frame_encode, frame_decode, copy the payload "
           "out; against the\n"
           "   same two copies by memcpy. decode: frame_decode and the copy; "
           "against one memcpy.\n");
    print_row(7, w, head);
    for (si = 0; si < NSIZES; si++) {
        const struct summary *e = b->r.codec[si];
        const struct summary *d = b->r.decode[si];
        const char *row[7] = {size_names[si], c[0], c[1], c[2],
                              c[3],           c[4], c[5]};

        fmt_cell(c[0], sizeof c[0], &e[0]);
        fmt_cell(c[1], sizeof c[1], &e[1]);
        fmt_ratio(c[2], sizeof c[2], e[0].median, e[1].median);
        fmt_cell(c[3], sizeof c[3], &d[0]);
        fmt_cell(c[4], sizeof c[4], &d[1]);
        fmt_ratio(c[5], sizeof c[5], d[0].median, d[1].median);
        print_row(7, w, row);
    }
    printf("\n");
}

static void print_sim(const struct bench *b)
{
    static const int w[3] = {15, 9, 0};
    static const char *const head[3] = {"duplex", "target", "ratio"};
    char c[2][40];
    const char *row[3] = {c[0], "10000", c[1]};

    printf("5. SIM mode: exploring concurrent-senders, schedules/s (higher is "
           "better)\n"
           "   explore_run, bound 2, %d messages per sender, at most %ld "
           "schedules.\n",
           b->r.sim_messages, b->w->sim_schedules);
    fmt_cell(c[0], sizeof c[0], &b->r.sim);
    fmt_ratio(c[1], sizeof c[1], b->r.sim.median, 10000);
    print_row(3, w, head);
    print_row(3, w, row);
    printf("\n");
}

static void print_mem(const struct bench *b)
{
    static const int w[3] = {16, 18, 0};
    const struct results *r = &b->r;
    char many[40];
    char c[3][40];
    const char *head[3] = {"1 message", many, "difference"};
    const char *row[3] = {c[0], c[1], c[2]};
    int k = 0;

    printf("6. Memory (lower is better)\n"
           "   Peak RSS of `duplex run echo --os`, KiB (wait4's ru_maxrss; "
           "stdout to /dev/null):\n");
    snprintf(many, sizeof many, "%ld messages", b->w->rss_messages);
    for (k = 0; k < 3; k++)
        fmt_cell(c[k], sizeof c[k], &r->rss[k]);
    print_row(3, w, head);
    print_row(3, w, row);
    printf("   One stream, stream_create to stream_destroy, in malloc's "
           "count:\n"
           "   2 x capacity + C bytes, with C:\n");
    for (k = 0; k < 2; k++) {
        const char *cap_row[2] = {k == 0 ? "64 KiB" : "1 MiB", c[k]};

        fmt_cell(c[k], sizeof c[k], &r->stream_extra[k]);
        print_row(2, w, cap_row);
    }
    printf("   (the structs alone are %zu B: a stream, two pipes, a context; "
           "the rest is\n"
           "   malloc's chunk headers and rounding)\n\n",
           stream_struct_size() + 2 * pipe_struct_size() +
               context_struct_size());
}

static void print_go_echo(const struct bench *b)
{
    static const int w[6] = {9, 15, 12, 17, 10, 0};
    static const char *const head[6] = {"size",       "duplex",
                                        "Go io.Pipe", "Go grpc bufconn",
                                        "/best Go",   "/io.Pipe"};
    const struct go *g = &b->r.go;
    char c[5][40];
    int si = 0;

    printf("   Echo, messages/s (higher is better):\n");
    print_row(6, w, head);
    for (si = 0; si < NSIZES; si++) {
        double d = b->r.echo[si].median;
        double io_pipe = go_value(g, "netpipe-echo", sizes[si], 0);
        const char *row[6] = {size_names[si], c[0], c[1], c[2], c[3], c[4]};

        fmt_cell(c[0], sizeof c[0], &b->r.echo[si]);
        fmt_num(c[1], sizeof c[1], io_pipe);
        fmt_num(c[2], sizeof c[2], go_value(g, "bufconn-echo", sizes[si], 0));
        fmt_ratio(c[3], sizeof c[3], d, go_best_echo(g, sizes[si]));
        fmt_ratio(c[4], sizeof c[4], d, io_pipe);
        print_row(6, w, row);
    }
}

static void print_go_pingpong(const struct bench *b)
{
    static const int w[4] = {9, 15, 12, 0};
    static const char *const head[4] = {"size", "duplex", "Go io.Pipe",
                                        "ratio"};
    const struct go *g = &b->r.go;
    char c[3][40];
    int si = 0;

    printf("   Ping-pong median, microseconds (lower is better):\n");
    print_row(4, w, head);
    for (si = 0; si < NSIZES; si++) {
        double go_med = go_value(g, "pingpong-iopipe", sizes[si], 1);
        const char *row[4] = {size_names[si], c[0], c[1], c[2]};

        fmt_cell(c[0], sizeof c[0], &b->r.ping[si][0][0]);
        fmt_num(c[1], sizeof c[1], go_med);
        fmt_ratio(c[2], sizeof c[2], b->r.ping[si][0][0].median, go_med);
        print_row(4, w, row);
    }
}

static void print_go(const struct bench *b)
{
    const struct go *g = &b->r.go;
    int i = 0;

    printf("7. Go peers, same run (%s)\n", b->o.go_peers);
    for (i = 0; i < g->nraw; i++)
        printf("   | %s\n", g->raw[i]);
    if (g->failed) {
        printf("   FAILED: the script did not finish cleanly (its messages "
               "are above, on stderr)\n\n");
        return;
    }
    if (b->r.ran & FIG_ECHO)
        print_go_echo(b);
    if (b->r.ran & FIG_PINGPONG)
        print_go_pingpong(b);
    printf("\n");
}

/* ---- targets ------------------------------------------------------------ */

/* One target line. have: the figures it needs were measured. */
static void print_target(const struct bench *b, int have, int met,
                         const char *what, const char *got)
{
    const char *word = !have ? "n/a" : met ? "met" : "NOT MET";
    const char *on = "";
    const char *off = "";

    if (b->color && have) {
        on = met ? "\033[32m" : "\033[1;31m";
        off = "\033[0m";
    }
    printf("   %s%-7s%s  %-46s %s\n", on, word, off, what, got);
}

/* "at least" targets (ratio >= need) and "at most" ones (ratio <= need). */
static void ratio_target(const struct bench *b, int have, double value,
                         double ref, double need, int at_least,
                         const char *what, const char *missing)
{
    char got[48];
    double ratio = ref > 0 ? value / ref : 0;

    have = have && ref > 0 && value > 0;
    if (have)
        fmt_ratio(got, sizeof got, value, ref);
    else
        snprintf(got, sizeof got, "%s", missing);
    print_target(b, have, at_least ? ratio >= need : ratio <= need, what, got);
}

/* Why a Go target has no figure. */
static const char *go_missing(const struct go *g)
{
    if (g->failed)
        return "the Go peers failed";
    return g->ran ? "no such Go line" : "needs GO_PEERS";
}

static void targets_pipe_echo(const struct bench *b)
{
    static const double pipe_need[NSIZES] = {5, 2, 1.5};
    const struct results *r = &b->r;
    const struct go *g = &r->go;
    char what[80];
    int si = 0;

    for (si = 0; si < NSIZES && (r->ran & FIG_PIPE); si++) {
        snprintf(what, sizeof what, "pipe >= %gx pipe(2) at %s", pipe_need[si],
                 size_names[si]);
        ratio_target(b, 1, r->pipe[si][VIA_DUPLEX].median,
                     r->pipe[si][VIA_PIPE2].median, pipe_need[si], 1, what,
                     "-");
    }
    for (si = 0; si < NSIZES && (r->ran & FIG_ECHO); si++) {
        int last = si == NSIZES - 1;
        double ref = last ? go_value(g, "netpipe-echo", sizes[si], 0)
                          : go_best_echo(g, sizes[si]);

        snprintf(what, sizeof what, "echo >= %s at %s",
                 last ? "1x Go io.Pipe echo" : "2x the better Go echo",
                 size_names[si]);
        ratio_target(b, g->ran, r->echo[si].median, ref, last ? 1 : 2, 1, what,
                     go_missing(g));
    }
}

static void targets_pingpong(const struct bench *b)
{
    const struct results *r = &b->r;
    char what[80];
    int si = 0;

    for (si = 0; si < NSIZES; si++) {
        snprintf(what, sizeof what, "ping-pong median <= Go io.Pipe's at %s",
                 size_names[si]);
        ratio_target(b, r->go.ran, r->ping[si][0][0].median,
                     go_value(&r->go, "pingpong-iopipe", sizes[si], 1), 1, 0,
                     what, go_missing(&r->go));
    }
    for (si = 0; si < NSIZES; si++) {
        snprintf(what, sizeof what, "ping-pong median <= 0.1x pipe(2)'s at %s",
                 size_names[si]);
        ratio_target(b, 1, r->ping[si][0][0].median, r->ping[si][1][0].median,
                     0.1, 0, what, "-");
    }
}

static void targets_rest(const struct bench *b)
{
    const struct results *r = &b->r;
    int full = b->w->rss_messages == 1000000;
    char got[48];

    if (r->ran & FIG_CODEC)
        ratio_target(b, 1, r->decode[1][0].median, r->decode[1][1].median, 1.2,
                     0, "codec decode <= 1.2x memcpy at 1 KiB", "-");
    if (r->ran & FIG_SIM)
        ratio_target(b, 1, r->sim.median, 10000, 1, 1,
                     "SIM exploration >= 10,000 schedules/s", "-");
    if (r->ran & FIG_MEM) {
        snprintf(got, sizeof got, "%.0f KiB", r->rss[2].median);
        if (!full)
            snprintf(got, sizeof got, "--quick runs %ld messages",
                     b->w->rss_messages);
        print_target(b, full, r->rss[2].median <= 4096,
                     "1,000,000 messages peak <= 1 message + 4 MiB", got);
    }
}

static void print_targets(const struct bench *b)
{
    char load[64];

    load_average(load, sizeof load);
    printf("targets (load average %s at the end)\n", load);
    targets_pipe_echo(b);
    if (b->r.ran & FIG_PINGPONG)
        targets_pingpong(b);
    targets_rest(b);
    printf("\n");
}

/* ---- bench= lines ------------------------------------------------------- */

static void lines_pipe(const struct results *r)
{
    int si = 0;

    for (si = 0; si < NSIZES; si++) {
        const struct summary *s = r->pipe[si];

        bench_line("pipe", sizes[si], s[0].median, "MB/s", "pipe2",
                   s[1].median);
        bench_line("pipe", sizes[si], s[0].median, "MB/s", "socketpair",
                   s[2].median);
        bench_line("pipe2", sizes[si], s[1].median, "MB/s", NULL, 0);
        bench_line("socketpair", sizes[si], s[2].median, "MB/s", NULL, 0);
    }
}

static void lines_echo(const struct results *r)
{
    const struct go *g = &r->go;
    int si = 0;

    for (si = 0; si < NSIZES; si++) {
        double v = r->echo[si].median;
        double io_pipe = go_value(g, "netpipe-echo", sizes[si], 0);

        if (!g->ran || io_pipe <= 0) {
            bench_line("echo", sizes[si], v, "msgs/s", NULL, 0);
            continue;
        }
        bench_line("echo", sizes[si], v, "msgs/s", "go-iopipe", io_pipe);
        bench_line("echo", sizes[si], v, "msgs/s", "go-best",
                   go_best_echo(g, sizes[si]));
    }
}

static void lines_pingpong(const struct results *r)
{
    int si = 0;

    for (si = 0; si < NSIZES; si++) {
        const struct summary(*p)[2] = r->ping[si];
        double go_med = go_value(&r->go, "pingpong-iopipe", sizes[si], 1);

        bench_line("pingpong", sizes[si], p[0][0].median, "us", "pipe2",
                   p[1][0].median);
        if (r->go.ran && go_med > 0)
            bench_line("pingpong", sizes[si], p[0][0].median, "us",
                       "go-pingpong-pipe", go_med);
        bench_line("pingpong-p99", sizes[si], p[0][1].median, "us", "pipe2",
                   p[1][1].median);
        bench_line("pingpong-pipe2", sizes[si], p[1][0].median, "us", NULL, 0);
        bench_line("pingpong-pipe2-p99", sizes[si], p[1][1].median, "us", NULL,
                   0);
    }
}

static void lines_rest(const struct bench *b)
{
    const struct results *r = &b->r;
    int si = 0;

    for (si = 0; si < NSIZES && (r->ran & FIG_CODEC); si++) {
        bench_line("codec", sizes[si], r->codec[si][0].median, "ns", "memcpy",
                   r->codec[si][1].median);
        bench_line("codec-decode", sizes[si], r->decode[si][0].median, "ns",
                   "memcpy", r->decode[si][1].median);
    }
    if (r->ran & FIG_SIM)
        bench_line("sim", 0, r->sim.median, "schedules/s", "target-10k", 10000);
    if (r->ran & FIG_MEM) {
        /* The target is for 1,000,000 messages: --quick runs fewer. */
        bench_line("mem-rss", 0, r->rss[2].median, "KiB",
                   b->w->rss_messages == 1000000 ? "target-4MiB" : NULL, 4096);
        bench_line("mem-stream", PIPE_DEFAULT_CAPACITY,
                   r->stream_extra[0].median, "B", NULL, 0);
        bench_line("mem-stream", CAPACITY, r->stream_extra[1].median, "B", NULL,
                   0);
    }
}

static void print_bench_lines(const struct bench *b)
{
    if (b->r.ran & FIG_PIPE)
        lines_pipe(&b->r);
    if (b->r.ran & FIG_ECHO)
        lines_echo(&b->r);
    if (b->r.ran & FIG_PINGPONG)
        lines_pingpong(&b->r);
    lines_rest(b);
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
    "                     pingpong, codec, sim, mem\n"
    "  --go-peers SCRIPT  after the C figures, run the Go peers' bench.sh "
    "once\n"
    "                     and compare (make bench: GO_PEERS=SCRIPT)\n"
    "  --duplex PATH      the duplex binary, for the memory figure\n"
    "                     (default: $DUPLEX, else build/duplex)\n"
    "  -h, --help         this text\n"
    "\n"
    "exit status: 0 measured (whether or not the targets are met), 1 a\n"
    "benchmark's own check failed (or the Go peers did), 2 usage.\n";

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(bench --help shows the options)\n", stderr);
    return 2;
}

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

/* Adds the comma-separated figure names in list to *only. */
static int parse_only(const char *list, unsigned *only)
{
    char buf[128];
    char *save = NULL;
    char *name = NULL;
    size_t k = 0;

    snprintf(buf, sizeof buf, "%s", list);
    for (name = strtok_r(buf, ",", &save); name != NULL;
         name = strtok_r(NULL, ",", &save)) {
        for (k = 0; k < NFIGURES; k++)
            if (strcmp(name, figure_names[k].name) == 0)
                break;
        if (k == NFIGURES)
            return usage_error("--only: no figure '%s' (pipe, echo, "
                               "pingpong, codec, sim, mem)",
                               name);
        *only |= figure_names[k].bit;
    }
    return *only != 0 ? -1 : usage_error("--only wants a figure name");
}

static int parse_runs(const char *v, int *runs)
{
    char *end = NULL;
    long n = strtol(v, &end, 10);

    if (*v == '\0' || *end != '\0' || n < 1 || n > RUNS_MAX)
        return usage_error("--runs wants a whole number from 1 to %d, not "
                           "'%s'",
                           RUNS_MAX, v);
    *runs = (int)n;
    return -1;
}

/* Fills *o. Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct options *o)
{
    const char *v = NULL;
    int code = -1;
    int i = 0;
    int m = 0;

    for (i = 1; i < argc && code < 0; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(argv[i], "--quick") == 0) {
            o->quick = 1;
        } else if ((m = take_value(argc, argv, &i, "--runs", &v)) != 0) {
            code = m < 0 ? usage_error("--runs wants a number")
                         : parse_runs(v, &o->runs);
        } else if ((m = take_value(argc, argv, &i, "--only", &v)) != 0) {
            code = m < 0 ? usage_error("--only wants a figure name")
                         : parse_only(v, &o->only);
        } else if ((m = take_value(argc, argv, &i, "--go-peers", &v)) != 0) {
            code = m < 0 ? usage_error("--go-peers wants a script") : -1;
            o->go_peers = v;
        } else if ((m = take_value(argc, argv, &i, "--duplex", &v)) != 0) {
            code = m < 0 ? usage_error("--duplex wants a path") : -1;
            o->duplex = v;
        } else {
            code = usage_error("unknown argument '%s'", argv[i]);
        }
    }
    return code;
}

/* ---- main --------------------------------------------------------------- */

static void setup(struct bench *b)
{
    const char *no_color = getenv("NO_COLOR");
    struct sigaction sa;
    uint64_t i = 0;

    b->w = b->o.quick ? &quick_work : &full_work;
    b->color = isatty(STDOUT_FILENO) && (no_color == NULL || !*no_color);
    b->progress = isatty(STDERR_FILENO);
    b->pattern = xmalloc(PATTERN_PERIOD + MAX_SIZE);
    b->readbuf = xmalloc(READ_BUF);
    for (i = 0; i < PATTERN_PERIOD + MAX_SIZE; i++)
        b->pattern[i] = pattern_byte(i);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN; /* a closed reader is an error, not a signal */
    sigaction(SIGPIPE, &sa, NULL);
    watchdog_start(&b->dog);
}

/* Runs the chosen figures, printing each section as it is done. */
static void run_figures(struct bench *b)
{
    static const struct {
        unsigned bit;
        void (*measure)(struct bench *);
        void (*print)(const struct bench *);
    } figs[] = {{FIG_PIPE, figure_pipe, print_pipe},
                {FIG_ECHO, figure_echo, print_echo},
                {FIG_PINGPONG, figure_pingpong, print_pingpong},
                {FIG_CODEC, figure_codec, print_codec},
                {FIG_SIM, figure_sim, print_sim},
                {FIG_MEM, figure_mem, print_mem}};
    size_t k = 0;

    for (k = 0; k < sizeof figs / sizeof figs[0]; k++) {
        if (!(b->o.only & figs[k].bit))
            continue;
        figs[k].measure(b);
        watchdog_disarm(&b->dog);
        b->r.ran |= figs[k].bit;
        figs[k].print(b);
        fflush(stdout);
    }
}

static void run_go(struct bench *b)
{
    if (b->o.go_peers == NULL) {
        printf("7. Go peers: not run. To compare with the learner's Go "
               "programs in the same run:\n"
               "   GO_PEERS=/path/to/peers/go/bench.sh make bench\n\n");
        return;
    }
    if (!(b->r.ran & (FIG_ECHO | FIG_PINGPONG))) {
        printf("7. Go peers: not run; they compare with echo and pingpong, "
               "which --only left out.\n\n");
        return;
    }
    go_run(b);
    print_go(b);
}

int main(int argc, char **argv)
{
    struct bench *b = NULL;
    const char *env_duplex = getenv("DUPLEX");
    int code = 0;

    /* Internal: see peak_rss_helper. Before anything touches the heap. */
    if (argc == 4 && strcmp(argv[1], "--peak-rss-helper") == 0)
        return peak_rss_helper(argv[2], argv[3]);
    b = calloc(1, sizeof *b);
    if (b == NULL)
        return 1;
    b->o.duplex =
        env_duplex != NULL && *env_duplex ? env_duplex : "build/duplex";
    code = parse_args(argc, argv, &b->o);
    if (code >= 0)
        goto out;
    if (b->o.runs == 0)
        b->o.runs = b->o.quick ? 3 : 5;
    if (b->o.only == 0)
        b->o.only = FIG_ALL;
    setup(b);
    print_header(b);
    fflush(stdout);
    run_figures(b);
    run_go(b);
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

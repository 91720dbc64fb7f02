/*
 * figure 6, mem: how much memory duplex uses. The peak RSS of `duplex run
 * echo --os` with one message and with many (the difference is what the
 * messages cost), and C in "2 x capacity + C bytes" that one stream holds
 * in malloc's count.
 *
 * Design
 *   - The peak RSS comes from wait4's ru_maxrss of a child, measured by a
 *     freshly started helper (`bench --peak-rss-helper DUPLEX N`): Linux
 *     counts in a child's ru_maxrss the part of its parent's heap it was
 *     forked with, and by the time this figure runs the bench's heap has
 *     held several 1 MiB pipes.
 *   - A stream is measured on a thread of its own: glibc keeps a few freed
 *     small blocks in a per-thread cache, and mallinfo2 counts those as in
 *     use. A new thread's cache starts empty, so every block stream_create
 *     takes shows. stream_destroy must give back every byte.
 */
#define _GNU_SOURCE /* wait4, mallinfo2 */

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "core/context.h"
#include "core/pipe.h"
#include "core/stream.h"
#include "table.h"

#define RSS_TARGET_MESSAGES 1000000 /* the target is for this many */
#define RSS_TARGET_KIB 4096

/* ---- peak RSS ----------------------------------------------------------- */

int mem_peak_rss_helper(const char *duplex, const char *messages,
                        const char *wire)
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
        if (wire != NULL)
            execl(duplex, duplex, "run", "echo", "--messages", messages,
                  "--os", "--wire", wire, (char *)NULL);
        else
            execl(duplex, duplex, "run", "echo", "--messages", messages,
                  "--os", (char *)NULL);
        fprintf(stderr, "bench: cannot run %s: %s\n", duplex, strerror(errno));
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr,
                "bench: `%s run echo --messages %s --os%s%s` failed "
                "(wait status %d)\n",
                duplex, messages, wire != NULL ? " --wire " : "",
                wire != NULL ? wire : "", status);
        return 1;
    }
    printf("%ld\n", ru.ru_maxrss); /* Linux counts it in KiB */
    return 0;
}

double mem_echo_peak_rss(const char *duplex, long messages, const char *wire)
{
    char arg[32];
    char out[64];
    ssize_t n = 0;
    int status = 0;
    char *argv[6] = {"bench", "--peak-rss-helper", (char *)duplex, arg,
                     (char *)wire, NULL};
    int fd = -1;
    pid_t pid = 0;

    snprintf(arg, sizeof arg, "%ld", messages);
    pid = child_start("/proc/self/exe", argv, 0, &fd);
    n = read(fd, out, sizeof out - 1);
    close(fd);
    waitpid(pid, &status, 0);
    if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        check_failed("mem: could not measure `%s run echo --messages %s "
                     "--os%s%s` (see above)",
                     duplex, arg, wire != NULL ? " --wire " : "",
                     wire != NULL ? wire : "");
    out[n] = '\0';
    return strtod(out, NULL);
}

static void measure_rss(struct bench *b)
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
        v[0][run] = mem_echo_peak_rss(b->o.duplex, 1, NULL);
        v[1][run] = mem_echo_peak_rss(b->o.duplex, b->w->rss_messages, NULL);
        v[2][run] = v[1][run] - v[0][run];
    }
    for (k = 0; k < 3; k++)
        b->r.rss[k] = summarize(v[k], b->o.runs);
}

/* ---- one stream --------------------------------------------------------- */

/* Bytes malloc has handed out and not had back (mmap'd blocks too). */
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();

    return mi.uordblks + mi.hblkhd;
}

/* What one stream holds: measured on a thread of its own (see Design). */
struct stream_probe {
    size_t capacity;
    const struct wire_type *wire; /* NULL: the raw wire */
    double extra; /* C: bytes beyond 2 x capacity */
};

/*
 * Creates and destroys one stream with pipes of capacity bytes, and
 * records C, what stream_create took beyond 2 x capacity in malloc's own
 * count (its chunk headers and rounding included). The block kept in warm
 * stops this thread's first malloc (which sets up its cache) from being
 * counted. The cache goes back to malloc when the thread exits.
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
    so.wire = m->wire;
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
double mem_stream_extra(size_t capacity, const struct wire_type *wire,
                        int check)
{
    struct stream_probe m;
    struct sched_thread t;
    size_t before = 0;
    size_t after = 0;

    m.capacity = capacity;
    m.wire = wire;
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

static void measure_stream(struct bench *b)
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
        mem_stream_extra(caps[k], NULL, 0);
        for (run = 0; run < b->o.runs; run++)
            v[run] = mem_stream_extra(caps[k], NULL, 1);
        b->r.stream_extra[k] = summarize(v, b->o.runs);
    }
}

static void measure(struct bench *b)
{
    measure_rss(b);
    measure_stream(b);
}

/* ---- the report --------------------------------------------------------- */

/*
 * The bytes of the structs one stream allocates: a stream, two pipes, a
 * context. The one place that needs their layout: no header says their
 * size.
 */
static size_t stream_structs_bytes(void)
{
    return stream_struct_size() + 2 * pipe_struct_size() +
           context_struct_size();
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

    printf("6. Memory (lower is better)\n"
           "   Peak RSS of `duplex run echo --os`, KiB (wait4's ru_maxrss; "
           "stdout to /dev/null):\n");
    snprintf(many, sizeof many, "%ld messages", b->w->rss_messages);
    for (k = 0; k < 3; k++)
        fmt_cell(c[k], CELL_MAX, &r->rss[k]);
    print_row(3, w, head);
    print_row(3, w, row);
    printf("   One stream, stream_create to stream_destroy, in malloc's "
           "count:\n"
           "   2 x capacity + C bytes, with C:\n");
    for (k = 0; k < 2; k++) {
        const char *cap_row[2] = {k == 0 ? "64 KiB" : "1 MiB", c[k]};

        fmt_cell(c[k], CELL_MAX, &r->stream_extra[k]);
        print_row(2, w, cap_row);
    }
    printf("   (the structs alone are %zu B: a stream, two pipes, a context; "
           "the rest is\n"
           "   malloc's chunk headers and rounding)\n\n",
           stream_structs_bytes());
}

/* The target is for RSS_TARGET_MESSAGES messages: --quick runs fewer. */
static int full_count(const struct bench *b)
{
    return b->w->rss_messages == RSS_TARGET_MESSAGES;
}

static void targets(const struct bench *b)
{
    char got[48];

    snprintf(got, sizeof got, "%.0f KiB", b->r.rss[2].median);
    if (!full_count(b))
        snprintf(got, sizeof got, "--quick runs %ld messages",
                 b->w->rss_messages);
    print_target(b, full_count(b), b->r.rss[2].median <= RSS_TARGET_KIB,
                 "1,000,000 messages peak <= 1 message + 4 MiB", got);
}

static void lines(const struct bench *b)
{
    bench_line("mem-rss", 0, b->r.rss[2].median, "KiB",
               full_count(b) ? "target-4MiB" : NULL, RSS_TARGET_KIB);
    bench_line("mem-stream", PIPE_DEFAULT_CAPACITY, b->r.stream_extra[0].median,
               "B", NULL, 0);
    bench_line("mem-stream", CAPACITY, b->r.stream_extra[1].median, "B", NULL,
               0);
}

const struct figure figure_mem = {"mem", measure, print, targets, lines};

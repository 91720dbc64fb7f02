/*
 * harness: what every figure of the bench measures with. A failed check
 * that ends the program, the clock, memory that cannot fail, threads, the
 * watchdog, the byte pattern every stream carries, and the summary of a
 * figure's runs (median and spread).
 *
 * Design
 *   - A benchmark that measured a broken run would be worse than none, so
 *     a figure that finds its own result wrong calls check_failed, which
 *     says what and exits with status 1. Nothing here returns an error.
 *   - The watchdog is a thread that ends the program when one run takes
 *     longer than WATCHDOG_SECONDS (a hang: a lost wake-up, say) and says
 *     which run. Nothing in the bench sets a deadline on a pipe or a
 *     stream, since a deadline adds a clock read to every wait and would
 *     change what is measured.
 *   - The bytes sent come from one pattern, PATTERN_PERIOD bytes long and
 *     repeated, so a reader knows what byte k of the stream must be
 *     without being told. The period is not a multiple of any pipe's
 *     capacity: a ring that handed out stale bytes one lap behind would be
 *     caught.
 */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/sched.h"
#include "core/status.h"

#define RUNS_MAX 99                     /* runs per figure, at most */
#define WATCHDOG_SECONDS 180            /* longest a single run may take */
#define MAX_SIZE (64 * 1024)            /* the largest payload */
#define PATTERN_PERIOD (17 * 64 * 1024) /* 1088 KiB: see Design */
#define ERR_MAX (STATUS_TEXT_MAX + 128) /* what went wrong, in words */

/* ---- failures, time, memory, threads ----------------------------------- */

/*
 * Says which check failed ("bench: FAILED: ...") and exits with status 1.
 * Any other thread may be blocked for good at this point; exit ends it too.
 */
void check_failed(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* CLOCK_MONOTONIC in nanoseconds, and the seconds since such a time. */
int64_t now_ns(void);
double seconds_since(int64_t start_ns);

/* Keeps the compiler from dropping or merging copies whose result it
 * cannot see used: after this, any memory may have been read. */
static inline void barrier(const void *p)
{
    __asm__ __volatile__("" : : "r"(p) : "memory");
}

/* malloc, and a page-aligned block of at least n bytes: both free with
 * free. Out of memory is a failed check. */
void *xmalloc(size_t n);
void *xmalloc_pages(size_t n);

/* sched_thread_start; a thread that cannot start is a failed check. */
void start_thread(struct sched_thread *t, const char *name, sched_fn fn,
                  void *arg);

/*
 * Starts a child that runs path with argv (NULL-terminated; path is
 * searched in PATH when search is set, as execvp does), with its stdout
 * on a pipe whose read end comes back in *out_fd and SIGPIPE at its
 * default action (the bench ignores it, and exec would keep that). A
 * child that cannot exec says so on stderr and exits with status 127.
 * Failing to fork is a failed check. Returns the child's pid.
 */
pid_t child_start(const char *path, char *const argv[], int search,
                  int *out_fd);

/* Appends "who: err" to buf (after "; " when buf has something) when err
 * says something. */
void append_error(char *buf, size_t cap, const char *who, const char *err);

/* ---- the watchdog ------------------------------------------------------- */

/*
 * Arming it only moves its deadline: the thread wakes at the old one, sees
 * the new one and sleeps again, so it costs the runs nothing.
 */
struct watchdog {
    struct sched_mutex mu;
    struct sched_cond stopped; /* broadcast when stop is set */
    int64_t deadline;          /* absolute ns, or SCHED_NO_DEADLINE */
    char what[96];             /* the run being watched */
    int stop;
    struct sched_thread thread;
};

void watchdog_start(struct watchdog *w);

/* Gives the run about to start WATCHDOG_SECONDS; names it for the report. */
void watchdog_arm(struct watchdog *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* No deadline until the next arm (between figures, and for the Go peers,
 * which may install Go first). */
void watchdog_disarm(struct watchdog *w);

/* Ends the thread and frees what start took. */
void watchdog_stop(struct watchdog *w);

/* ---- the pattern -------------------------------------------------------- */

/*
 * A new pattern: PATTERN_PERIOD + MAX_SIZE bytes, so that every slice of
 * up to MAX_SIZE bytes is contiguous. Free it with free.
 */
uint8_t *pattern_create(void);

/* The bytes at stream offset off, for up to MAX_SIZE bytes. */
const uint8_t *pattern_at(const uint8_t *pattern, uint64_t off);

/* Message i of size bytes: the stream's bytes from i * size. */
const uint8_t *pattern_message(const uint8_t *pattern, long i, size_t size);

/* The first offset where a and b differ (they are known to). */
size_t first_difference(const uint8_t *a, const uint8_t *b, size_t n);

/* ---- summaries ---------------------------------------------------------- */

/* A figure over several runs: the median and the farthest runs. */
struct summary {
    double median;
    double min;
    double max;
    int n; /* runs; 0: not measured */
};

/* Sorts the n values of v (n >= 1) and returns their median and range. */
struct summary summarize(double *v, int n);

/* The farthest any run was from the median, in percent of it. */
double spread_percent(const struct summary *s);

#endif /* BENCH_HARNESS_H */

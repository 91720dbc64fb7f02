/*
 * harness: the tools every figure measures with (see harness.h).
 *
 * Design
 *   The watchdog reports on stderr only, and leaves with _exit: a stuck
 *   thread may hold stdout's lock, and exit would flush it. The pattern is
 *   a hash of the offset modulo the period, so that within a period no
 *   byte pattern repeats that could hide a misplaced block.
 */
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- failures, time, memory, threads ----------------------------------- */

void check_failed(const char *fmt, ...)
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

int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double seconds_since(int64_t start_ns)
{
    return (double)(now_ns() - start_ns) / 1e9;
}

void *xmalloc(size_t n)
{
    void *p = malloc(n);

    if (p == NULL)
        check_failed("out of memory (%zu bytes)", n);
    return p;
}

void *xmalloc_pages(size_t n)
{
    void *p = aligned_alloc(4096, (n + 4095) / 4096 * 4096);

    if (p == NULL)
        check_failed("out of memory (%zu bytes)", n);
    return p;
}

void start_thread(struct sched_thread *t, const char *name, sched_fn fn,
                  void *arg)
{
    if (sched_thread_start(t, name, fn, arg) != STATUS_OK)
        check_failed("cannot start thread %s", name);
}

pid_t child_start(const char *path, char *const argv[], int search, int *out_fd)
{
    struct sigaction sa;
    int fds[2];
    pid_t pid = 0;

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
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sigaction(SIGPIPE, &sa, NULL);
        if (search)
            execvp(path, argv);
        else
            execv(path, argv);
        fprintf(stderr, "bench: cannot run %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    *out_fd = fds[0];
    return pid;
}

void append_error(char *buf, size_t cap, const char *who, const char *err)
{
    size_t n = strlen(buf);

    if (err[0] != '\0' && n < cap)
        snprintf(buf + n, cap - n, "%s%s: %s", n > 0 ? "; " : "", who, err);
}

/* ---- the watchdog ------------------------------------------------------- */

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

void watchdog_start(struct watchdog *w)
{
    sched_mutex_init(&w->mu);
    sched_cond_init(&w->stopped);
    w->deadline = SCHED_NO_DEADLINE;
    w->stop = 0;
    start_thread(&w->thread, "watchdog", watchdog_main, w);
}

void watchdog_arm(struct watchdog *w, const char *fmt, ...)
{
    va_list ap;

    sched_mutex_lock(&w->mu);
    va_start(ap, fmt);
    vsnprintf(w->what, sizeof w->what, fmt, ap);
    va_end(ap);
    w->deadline = now_ns() + (int64_t)WATCHDOG_SECONDS * 1000000000;
    sched_mutex_unlock(&w->mu);
}

void watchdog_disarm(struct watchdog *w)
{
    sched_mutex_lock(&w->mu);
    w->deadline = SCHED_NO_DEADLINE;
    sched_mutex_unlock(&w->mu);
}

void watchdog_stop(struct watchdog *w)
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

/* Byte i of every stream sent (see Design). */
static uint8_t pattern_byte(uint64_t i)
{
    uint64_t x = (i % PATTERN_PERIOD) * 0x9E3779B97F4A7C15ull;

    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    return (uint8_t)(x >> 56);
}

uint8_t *pattern_create(void)
{
    uint8_t *p = xmalloc(PATTERN_PERIOD + MAX_SIZE);
    uint64_t i = 0;

    for (i = 0; i < PATTERN_PERIOD + MAX_SIZE; i++)
        p[i] = pattern_byte(i);
    return p;
}

const uint8_t *pattern_at(const uint8_t *pattern, uint64_t off)
{
    return pattern + off % PATTERN_PERIOD;
}

const uint8_t *pattern_message(const uint8_t *pattern, long i, size_t size)
{
    return pattern_at(pattern, (uint64_t)i * size);
}

size_t first_difference(const uint8_t *a, const uint8_t *b, size_t n)
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

struct summary summarize(double *v, int n)
{
    struct summary s;

    qsort(v, (size_t)n, sizeof *v, cmp_double);
    s.n = n;
    s.min = v[0];
    s.max = v[n - 1];
    s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return s;
}

double spread_percent(const struct summary *s)
{
    double up = s->max - s->median;
    double down = s->median - s->min;

    if (s->median <= 0)
        return 0;
    return 100 * (up > down ? up : down) / s->median;
}

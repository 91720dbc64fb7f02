/*
 * figure 8, hub: the chat hub at scale, issue #16's target 3. Three runs
 * of `duplex run hub --os`, each a child process: 10,000 clients with one
 * message each (its wall time, its peak RSS and whether it ended cleanly),
 * 1,000 clients with two messages each (deliveries a second), and a hub
 * with one client that stops reading (--bad-client slow) against the same
 * hub without it (the other clients' deliveries a second).
 *
 * Design
 *   - Each run is a child of the bench, its stdout to /dev/null; the wall
 *     time is from fork to wait4, the peak RSS wait4's ru_maxrss (which
 *     may include the few MiB of the bench's heap the child was forked
 *     with: figure_mem.c says why). A clean shutdown is exit status 0:
 *     the hub's own checks (every client got every message, every thread
 *     returned) set a non-zero exit when they fail.
 *   - The 10,000-client run takes long, so it runs once, and is killed at
 *     SCALE_LIMIT_S: a killed run is "not clean", with the time it had.
 *     --quick leaves it out.
 *   - The slow client's comparison: both runs have HUB_FAIR_CLIENTS
 *     clients sending HUB_FAIR_MESSAGES each over 4096-byte pipes, and
 *     alternate run by run so that both see the same load. In both, the
 *     other clients receive (clients - 1)^2 x messages (client 1's sends
 *     still arrive: only its reading stops), and a run exits 0 only when
 *     they got them all, so their rate is that count over the wall time.
 */
#define _GNU_SOURCE /* wait4 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "table.h"

#define SCALE_CLIENTS 10000
#define SCALE_LIMIT_S 60.0 /* a run still going then is killed */
#define SCALE_TARGET_S 30.0
#define SCALE_TARGET_KIB (1024.0 * 1024.0) /* 1 GiB */
#define RATE_CLIENTS 1000
#define RATE_MESSAGES 2
#define RATE_TARGET 4995000.0 /* 2 x issue #16's 1,998,000 in 0.8 s */
#define FAIR_CLIENTS 200
#define FAIR_MESSAGES 20
#define FAIR_TARGET 0.9

/* What one child run did. */
struct hub_run {
    double seconds;
    double rss_kib;
    int clean; /* exited with status 0 */
};

/* Waits for pid until limit_s have passed since start; then kills it. */
static int wait_limited(pid_t pid, int64_t start, double limit_s,
                        struct rusage *ru)
{
    struct timespec tick = {0, 10 * 1000 * 1000};
    int status = 0;
    pid_t got = 0;

    while ((got = wait4(pid, &status, WNOHANG, ru)) == 0) {
        if (seconds_since(start) >= limit_s) {
            kill(pid, SIGKILL);
            wait4(pid, &status, 0, ru);
            return -1;
        }
        nanosleep(&tick, NULL);
    }
    if (got != pid)
        check_failed("hub: wait4: %s", strerror(errno));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Runs `DUPLEX run hub ARGS... --os`, stdout to /dev/null. */
static struct hub_run run_hub(const char *duplex, char *const argv[],
                              double limit_s)
{
    struct hub_run r;
    struct rusage ru;
    int64_t start = now_ns();
    pid_t pid = fork();
    int code = 0;

    if (pid < 0)
        check_failed("hub: fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);

        if (fd >= 0)
            dup2(fd, STDOUT_FILENO);
        execv(duplex, argv);
        fprintf(stderr, "bench: cannot run %s: %s\n", duplex, strerror(errno));
        _exit(127);
    }
    memset(&ru, 0, sizeof ru);
    code = wait_limited(pid, start, limit_s, &ru);
    r.seconds = seconds_since(start);
    r.rss_kib = (double)ru.ru_maxrss; /* Linux counts it in KiB */
    r.clean = code == 0;
    return r;
}

static void measure_scale(struct bench *b)
{
    char *argv[] = {"duplex",     "run", "hub",  "--clients", "10000",
                    "--messages", "1",   "--os", NULL};
    struct hub_run r;

    if (b->o.quick)
        return;
    progress(b, "hub, %d clients (once, killed at %.0f s)", SCALE_CLIENTS,
             SCALE_LIMIT_S);
    watchdog_arm(&b->dog, "%s run hub --clients 10000", b->o.duplex);
    r = run_hub(b->o.duplex, argv, SCALE_LIMIT_S);
    b->r.hub_scale_seconds = r.seconds;
    b->r.hub_scale_kib = r.rss_kib;
    b->r.hub_scale_clean = r.clean;
    b->r.hub_scale_ran = 1;
}

static void measure_rate(struct bench *b)
{
    char *argv[] = {"duplex",     "run", "hub",  "--clients", "1000",
                    "--messages", "2",   "--os", NULL};
    double v[RUNS_MAX];
    double deliveries =
        (double)RATE_CLIENTS * RATE_MESSAGES * (RATE_CLIENTS - 1);
    int run = 0;

    progress(b, "hub, %d clients: deliveries/s", RATE_CLIENTS);
    for (run = 0; run < b->o.runs; run++) {
        struct hub_run r;

        watchdog_arm(&b->dog, "%s run hub --clients 1000", b->o.duplex);
        r = run_hub(b->o.duplex, argv, WATCHDOG_SECONDS);
        if (!r.clean)
            check_failed("hub: `%s run hub --clients 1000 --messages 2 --os` "
                         "did not exit 0",
                         b->o.duplex);
        v[run] = deliveries / r.seconds;
    }
    b->r.hub_rate = summarize(v, b->o.runs);
}

static void measure_fair(struct bench *b)
{
    char *argv[] = {"duplex",       "run",  "hub",        "--clients", "200",
                    "--messages",   "20",   "--capacity", "4096",      "--os",
                    "--bad-client", "slow", NULL};
    double v[2][RUNS_MAX];
    double others =
        (double)(FAIR_CLIENTS - 1) * (FAIR_CLIENTS - 1) * FAIR_MESSAGES;
    int run = 0;
    int k = 0;

    progress(b, "hub, %d clients, with and without a slow one", FAIR_CLIENTS);
    for (run = 0; run < b->o.runs; run++) {
        for (k = 0; k < 2; k++) {
            struct hub_run r;

            argv[10] = k == 0 ? NULL : "--bad-client"; /* k 0: without */
            watchdog_arm(&b->dog, "%s run hub --clients 200%s", b->o.duplex,
                         k == 0 ? "" : " --bad-client slow");
            r = run_hub(b->o.duplex, argv, WATCHDOG_SECONDS);
            if (!r.clean)
                check_failed("hub: `%s run hub --clients 200 ...%s` did not "
                             "exit 0",
                             b->o.duplex, k == 0 ? "" : " --bad-client slow");
            v[k][run] = others / r.seconds;
        }
    }
    for (k = 0; k < 2; k++)
        b->r.hub_fair[k] = summarize(v[k], b->o.runs);
}

static void measure(struct bench *b)
{
    if (access(b->o.duplex, X_OK) != 0)
        check_failed("hub: no duplex binary at %s (build it, or give "
                     "--duplex PATH or DUPLEX=PATH)",
                     b->o.duplex);
    measure_rate(b);
    measure_fair(b);
    measure_scale(b);
}

/* ---- the report --------------------------------------------------------- */

static void print(const struct bench *b)
{
    static const int w[3] = {16, 16, 0};
    const struct results *r = &b->r;
    char c[3][CELL_MAX];
    const char *head[3] = {"without", "with", "ratio"};
    const char *row[3] = {c[0], c[1], c[2]};

    printf("8. The hub at scale, `duplex run hub --os` (each run a child)\n");
    if (r->hub_scale_ran)
        printf("   10000 clients, 1 message each: %s after %.1f s, peak RSS "
               "%.0f MiB\n",
               r->hub_scale_clean ? "exit 0" : "not clean (killed or failed)",
               r->hub_scale_seconds, r->hub_scale_kib / 1024);
    else
        printf("   10000 clients, 1 message each: not run (--quick)\n");
    printf("   1000 clients, 2 messages each, deliveries/s (higher is better): "
           "%s\n",
           fmt_cell(c[0], CELL_MAX, &r->hub_rate));
    printf("   200 clients, 20 messages each, 4096-byte pipes: the other "
           "clients'\n"
           "   deliveries/s without and with client 1 not reading "
           "(--bad-client slow):\n");
    fmt_cell(c[0], CELL_MAX, &r->hub_fair[0]);
    fmt_cell(c[1], CELL_MAX, &r->hub_fair[1]);
    fmt_ratio(c[2], CELL_MAX, r->hub_fair[1].median, r->hub_fair[0].median);
    print_row(3, w, head);
    print_row(3, w, row);
    printf("\n");
}

static void targets(const struct bench *b)
{
    const struct results *r = &b->r;
    char got[48];

    snprintf(got, sizeof got, "%s, %.1f s",
             r->hub_scale_clean ? "clean" : "not clean", r->hub_scale_seconds);
    if (!r->hub_scale_ran)
        snprintf(got, sizeof got, "--quick leaves it out");
    print_target(b, r->hub_scale_ran,
                 r->hub_scale_clean && r->hub_scale_seconds <= SCALE_TARGET_S,
                 "hub 10,000 clients: clean shutdown <= 30 s", got);
    snprintf(got, sizeof got, "%.0f MiB%s", r->hub_scale_kib / 1024,
             r->hub_scale_clean ? "" : " (not clean)");
    if (!r->hub_scale_ran)
        snprintf(got, sizeof got, "--quick leaves it out");
    print_target(b, r->hub_scale_ran,
                 r->hub_scale_clean && r->hub_scale_kib <= SCALE_TARGET_KIB,
                 "hub 10,000 clients: peak RSS <= 1 GiB", got);
    ratio_target(b, 1, r->hub_rate.median, RATE_TARGET, 1, 1,
                 "hub 1,000 clients >= 4,995,000 deliveries/s", "no runs");
    ratio_target(b, 1, r->hub_fair[1].median, r->hub_fair[0].median,
                 FAIR_TARGET, 1, "hub with one client not reading >= 90% rate",
                 "no runs");
}

static void lines(const struct bench *b)
{
    const struct results *r = &b->r;

    if (r->hub_scale_ran) {
        bench_line("hub-scale-seconds", 0, r->hub_scale_seconds, "s",
                   "target-30s", SCALE_TARGET_S);
        bench_line("hub-scale-rss", 0, r->hub_scale_kib, "KiB", "target-1GiB",
                   SCALE_TARGET_KIB);
    }
    bench_line("hub-rate", 0, r->hub_rate.median, "deliveries/s",
               "target-4995k", RATE_TARGET);
    bench_line("hub-slow-client", 0, r->hub_fair[1].median, "deliveries/s",
               "hub-no-slow-client", r->hub_fair[0].median);
}

const struct figure figure_hub = {"hub", measure, print, targets, lines};

/*
 * figure 5, sim: schedules per second of SIM mode exploring the
 * concurrent-senders scenario, against a target of 10,000.
 *
 * Design
 *   The exploration is what `duplex explore` runs: a preemption bound of
 *   2, its default messages per sender, at most work.sim_schedules
 *   schedules. concurrent-senders exists to show garbled frames in some
 *   schedules: an exploration that finds none, or finds duplex itself
 *   broken, measured something else than it claims, and is a failed check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "scenarios/explore_scenario.h"
#include "scenarios/scenario.h"
#include "table.h"

#define SIM_TARGET 100000 /* schedules/s: issue #16, target 4 */

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

static void measure(struct bench *b)
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

static void print(const struct bench *b)
{
    static const int w[3] = {15, 9, 0};
    static const char *const head[3] = {"duplex", "target", "ratio"};
    char c[2][CELL_MAX];
    const char *row[3] = {c[0], "10000", c[1]};

    printf("5. SIM mode: exploring concurrent-senders, schedules/s (higher is "
           "better)\n"
           "   explore_run, bound 2, %d messages per sender, at most %ld "
           "schedules.\n",
           b->r.sim_messages, b->w->sim_schedules);
    fmt_cell(c[0], CELL_MAX, &b->r.sim);
    fmt_ratio(c[1], CELL_MAX, b->r.sim.median, SIM_TARGET);
    print_row(3, w, head);
    print_row(3, w, row);
    printf("\n");
}

static void targets(const struct bench *b)
{
    ratio_target(b, 1, b->r.sim.median, SIM_TARGET, 1, 1,
                 "SIM exploration >= 100,000 schedules/s", "-");
}

static void lines(const struct bench *b)
{
    bench_line("sim", 0, b->r.sim.median, "schedules/s", "target-100k",
               SIM_TARGET);
}

const struct figure figure_sim = {"sim", measure, print, targets, lines};

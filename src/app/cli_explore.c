/*
 * cli_explore: `duplex explore SCENARIO`, the scenario under many
 * schedules, and the first one that breaks it with the command that
 * replays it.
 *
 * Design
 *   The search itself is explore_run's; this file reads the options,
 *   keeps the runs small (EXPLORE_DEFAULT_MESSAGES messages unless asked,
 *   but as many as the scenario needs for its lesson), checks that they
 *   fit the simulator's step budget as exploration runs them (in order,
 *   or seeded), and prints the count and the first failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli_command.h"
#include "app/cli_scenario.h"
#include "scenarios/explore_scenario.h"
#include "scenarios/scenario.h"

static const char usage_explore[] =
    "usage: duplex explore SCENARIO [options]\n"
    "\n"
    "Runs SCENARIO under many schedules of the simulator and counts the ones\n"
    "that break it: a garbled or lost message, a deadlock, a livelock or a\n"
    "final status the scenario does not document. By default it tries every\n"
    "schedule with at most K preemptions (a switch away from a thread that\n"
    "could have gone on), depth first; --seeds N tries N random schedules\n"
    "instead. It counts how the schedules ended, the scenario's documented\n"
    "outcome marked (a mistake's scenario may deadlock in every one), and\n"
    "prints the first failing schedule with the command that replays it.\n"
    "Without --messages, runs are small but big enough for the lesson on\n"
    "the wire chosen (one-thread-client needs 18 on --wire h2, and hub\n"
    "--bad-client slow 5 from each other client, more than client 1 holds).\n"
    "\n"
    "options:\n"
    "  --max-preemptions K  the bound (0..8; default 2)\n"
    "  --seeds N            random exploration: seeds 1..N (1..10000000)\n"
    "  --max-schedules N    stop after N schedules (default 100000)\n"
    "  --messages N         messages per sender (default 2: small runs; as\n"
    "                       many as fit in 10000000 steps, measured)\n"
    "  --capacity BYTES     bytes each pipe holds (default: per scenario)\n"
    "  --timeout MS         the call's deadline in virtual milliseconds\n"
    "  --fix                explore the corrected variant\n"
    "  --bad-client KIND    hub only: client 1 is slow, leave or no-close\n"
    "  --wire raw|h2        the wire under the call (default raw)\n"
    "  --window BYTES       h2: each stream's window (default 65535)\n"
    "  --conn-window BYTES  h2: the connection's window (default and\n"
    "                       least 65535)\n"
    "  --kind KIND          rpc-kinds only: unary (default), server, client\n"
    "                       or bidi\n"
    "  -h, --help           this text\n"
    "\n"
    "exit codes: 0 no schedule failed, 1 some schedule failed, 2 usage.\n";

static const enum cli_opt explore_opts[] = {
    OPT_MAX_PREEMPTIONS,
    OPT_SEEDS,
    OPT_MAX_SCHEDULES,
    OPT_EXPLORE_MESSAGES,
    OPT_CAPACITY,
    OPT_TIMEOUT,
    OPT_FIX,
    OPT_BAD_CLIENT,
    OPT_WIRE,
    OPT_WINDOW,
    OPT_CONN_WINDOW,
    OPT_KIND,
    OPT_END,
};

struct explore_args {
    const char *name;
    struct explore_options o;
    int bounded; /* --max-preemptions was given */
};

/* Stores one argument. Returns CLI_CONTINUE, or the usage error's code. */
static int explore_take(struct cli *c, const struct cli_arg *arg,
                        struct explore_args *a)
{
    if (cli_scenario_option(arg, &a->o.base))
        return CLI_CONTINUE;
    switch (arg->opt) {
    case OPT_MAX_PREEMPTIONS:
        a->o.max_preemptions = (int)arg->number;
        a->bounded = 1;
        break;
    case OPT_SEEDS: a->o.seeds = (uint64_t)arg->number; break;
    case OPT_MAX_SCHEDULES: a->o.max_schedules = (uint64_t)arg->number; break;
    default: /* OPT_END: no option of explore's */
        return cli_scenario_word(c, "explore", arg->text, &a->name);
    }
    return CLI_CONTINUE;
}

/*
 * Reads explore's arguments into *a. Returns CLI_CONTINUE when they make
 * an exploration, else the exit code (help or a usage error).
 */
static int parse_explore(struct cli *c, int argc, char **argv,
                         struct explore_args *a)
{
    struct cli_arg arg;
    int code = CLI_CONTINUE;
    int i = 0;

    memset(a, 0, sizeof *a);
    a->o.max_preemptions = 2;
    for (i = 1; i < argc && code == CLI_CONTINUE; i++) {
        code = cli_next_arg(c, &cli_explore_command, argc, argv, &i, &arg);
        if (code == CLI_CONTINUE)
            code = explore_take(c, &arg, a);
    }
    if (code != CLI_CONTINUE)
        return code;
    if (a->name == NULL)
        return cli_usage_error(c, "explore",
                               "which scenario? `duplex list` shows them");
    if (a->o.seeds > 0 && a->bounded)
        return cli_usage_error(c, "explore",
                               "--max-preemptions is for the bounded search; "
                               "--seeds explores at random instead");
    return CLI_CONTINUE;
}

/*
 * Finds the scenario and settles the runs' messages: small ones, but
 * enough for the lesson, and no more than fit. Returns CLI_CONTINUE and
 * sets *out, or the exit code.
 */
static int explore_prepare(struct cli *c, struct explore_args *a,
                           const struct scenario **out)
{
    struct scenario_options pilot;
    const struct scenario *sc = NULL;
    struct status_detail why;
    int code = cli_scenario_find(c, "explore", a->name, a->o.base.fix, &sc);

    if (code != CLI_CONTINUE)
        return code;
    if (a->o.base.messages == 0) { /* small runs, but enough for the lesson */
        int need = sc->needed_messages != NULL
                       ? sc->needed_messages(sc, &a->o.base)
                       : sc->min_messages;

        a->o.base.messages =
            need > EXPLORE_DEFAULT_MESSAGES ? need : EXPLORE_DEFAULT_MESSAGES;
    }
    if (scenario_check(sc, &a->o.base, &why) != STATUS_OK)
        return cli_usage_error(c, "explore", "%s", why.text);
    if ((code = cli_scenario_windows(c, "explore", &a->o.base)) != CLI_CONTINUE)
        return code;
    /* Measured as exploration runs: in order, else seeded. */
    pilot = a->o.base;
    pilot.strategy = a->o.seeds > 0 ? SCHED_RANDOM : SCHED_IN_ORDER;
    pilot.seed = 1;
    code = cli_scenario_fits(c, "explore", sc, &pilot);
    if (code == CLI_CONTINUE)
        *out = sc;
    return code;
}

/* The first line: what is explored, and how. */
static void print_plan(struct cli *c, const struct explore_args *a,
                       const struct scenario *sc)
{
    if (a->o.seeds > 0)
        fprintf(c->out,
                "duplex explore %s%s: %llu random schedules, %d "
                "message%s\n",
                sc->name, a->o.base.fix ? " --fix" : "",
                (unsigned long long)a->o.seeds, a->o.base.messages,
                a->o.base.messages == 1 ? "" : "s");
    else
        fprintf(c->out,
                "duplex explore %s%s: every schedule with at most %d "
                "preemption%s, %d message%s\n",
                sc->name, a->o.base.fix ? " --fix" : "", a->o.max_preemptions,
                a->o.max_preemptions == 1 ? "" : "s", a->o.base.messages,
                a->o.base.messages == 1 ? "" : "s");
}

/* The options a replay needs to build the same run again. */
static void print_run_options(struct cli *c, const struct explore_args *a)
{
    const struct scenario_options *b = &a->o.base;

    fprintf(c->out, " --messages %d", b->messages);
    if (b->capacity > 0)
        fprintf(c->out, " --capacity %zu", b->capacity);
    if (b->timeout_ms > 0)
        fprintf(c->out, " --timeout %lld", (long long)b->timeout_ms);
    if (b->fix)
        fputs(" --fix", c->out);
    if (b->bad_client != NULL)
        fprintf(c->out, " --bad-client %s", b->bad_client);
    if (b->kind != NULL)
        fprintf(c->out, " --kind %s", b->kind);
    if (b->wire != NULL) /* raw is no wire named */
        fprintf(c->out, " --wire %s", b->wire->name);
    if (b->window > 0)
        fprintf(c->out, " --window %ld", (long)b->window);
    if (b->conn_window > 0)
        fprintf(c->out, " --conn-window %ld", (long)b->conn_window);
}

static void print_failure(struct cli *c, const struct explore_args *a,
                          const struct explore_result *r)
{
    const struct scenario_result *f = &r->first;

    if (a->o.seeds > 0) {
        fprintf(c->out, "first failing schedule: seed %llu\n",
                (unsigned long long)r->failing_seed);
        fprintf(c->out, "  replay: duplex run %s", a->name);
        print_run_options(c, a);
        fprintf(c->out, " --seed %llu\n", (unsigned long long)r->failing_seed);
    } else {
        fprintf(c->out, "first failing schedule: %s\n", r->replay);
        fprintf(c->out, "  replay: duplex run %s", a->name);
        print_run_options(c, a);
        fprintf(c->out, " --replay %s\n", r->replay);
    }
    fprintf(c->out, "  what broke: %s", status_name(f->status));
    if (f->status != STATUS_OK && f->why.text[0] != '\0')
        fprintf(c->out, ": %s", f->why.text);
    if (f->garbled)
        fputs(" (the stream was garbled)", c->out);
    fputc('\n', c->out);
    if (f->broken[0] != '\0')
        fprintf(c->out, "  broken: %s\n", f->broken);
    if (f->sim.deadlocked || f->sim.livelocked)
        fprintf(c->out, "  %s\n", f->sim.report);
}

/* What the exploration found: how many schedules, how many failed. */
static void print_count(struct cli *c, const struct explore_result *r)
{
    fprintf(c->out,
            "explored %llu schedules%s: %llu failing (%.1f%%), %.0f "
            "schedules/s\n",
            (unsigned long long)r->schedules,
            r->complete ? "" : " (stopped at the --max-schedules limit)",
            (unsigned long long)r->failing,
            r->schedules ? 100.0 * (double)r->failing / (double)r->schedules
                         : 0.0,
            r->seconds > 0 ? (double)r->schedules / r->seconds : 0.0);
}

/*
 * How the schedules ended, by exit code, the documented one marked: a
 * mistake's scenario may deadlock in every schedule and fail in none.
 */
static void print_outcomes(struct cli *c, const struct explore_args *a,
                           const struct scenario *sc,
                           const struct explore_result *r)
{
    static const char *const names[7] = {
        "OK",      "a check broke", "usage",   "an error status",
        "garbled", "deadlock",      "livelock"};
    enum scenario_exit want = scenario_expected(sc, &a->o.base);
    const char *sep = "";
    int e = 0;

    fputs("how they ended:", c->out);
    for (e = 0; e < 7; e++) {
        if (r->by_exit[e] == 0)
            continue;
        fprintf(c->out, "%s %s %llu%s", sep, names[e],
                (unsigned long long)r->by_exit[e],
                (int)want == e ? " (as documented)" : "");
        sep = ",";
    }
    fputc('\n', c->out);
}

static int explore_main(struct cli *c, int argc, char **argv)
{
    struct explore_args a;
    const struct scenario *sc = NULL;
    struct explore_result *r = NULL;
    int code = parse_explore(c, argc, argv, &a);

    if (code == CLI_CONTINUE)
        code = explore_prepare(c, &a, &sc);
    if (code != CLI_CONTINUE)
        return code;
    r = calloc(1, sizeof *r);
    if (r == NULL) {
        fprintf(c->err, "duplex explore: out of memory\n");
        return 1;
    }
    print_plan(c, &a, sc);
    fflush(c->out);
    if (explore_run(sc, &a.o, r) != STATUS_OK) {
        fprintf(c->err, "duplex explore: %s\n",
                r->first.why.text[0] ? r->first.why.text : "out of memory");
        code = 1;
        goto out;
    }
    print_count(c, r);
    print_outcomes(c, &a, sc, r);
    if (r->have_failure)
        print_failure(c, &a, r);
    code = r->failing > 0 ? 1 : 0;
out:
    explore_result_free(r);
    free(r);
    return code;
}

const struct cli_command cli_explore_command = {"explore", usage_explore,
                                                explore_opts, explore_main};

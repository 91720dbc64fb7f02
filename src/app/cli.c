/*
 * cli: the `duplex` command.
 *
 *   duplex list
 *   duplex run SCENARIO [--messages N] [--capacity BYTES] [--timeout MS]
 *                       [--trace timeline|hexdump|both|none] [--fix]
 *                       [--seed N | --replay SCHEDULE | --os]
 *   duplex explore SCENARIO [--max-preemptions K | --seeds N]
 *                       [--max-schedules N] [--messages N] [--capacity B]
 *                       [--timeout MS] [--fix]
 *   duplex decode [--hex|--raw] [--max-recv BYTES] [--encoding NAME]
 *   duplex recall [--lessons DIR] [--seed N] [--limit N] [--list]
 *
 * Design
 *   cli_main() takes its streams as arguments, so the tests run the real
 *   command in-process and read what it printed. Parsing is by hand (POSIX
 *   getopt has no long options): every option takes "--name value" or
 *   "--name=value", and every bad value is a usage error (exit 2) whose
 *   message says what was expected.
 *
 *   `duplex decode` reads its input as it arrives and judges each header as
 *   soon as its 5 bytes are in, as a receiver does: an oversize length is
 *   reported before any payload byte is awaited. It holds a frame whole
 *   before printing it; running out of memory for one is what a receiver
 *   would fail the call with, RESOURCE_EXHAUSTED (exit 3).
 *
 *   A simulated run is stopped as a livelock once it has taken
 *   SCHED_SIM_MAX_STEPS steps (exit 6), so `run` and `explore` first
 *   measure what a message costs with these options (cli_sim_fit) and
 *   refuse, as a usage error that gives the limit, more messages than fit.
 */
#include "app/cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/explore_scenario.h"
#include "core/frame.h"
#include "app/recall.h"
#include "scenarios/scenario.h"
#include "core/trace.h"
#include "view/dissect.h"
#include "view/hexdump.h"
#include "view/timeline.h"

#define VERSION "0.1.0"

enum { EXIT_USAGE = 2 };

static const char usage_main[] =
    "usage: duplex COMMAND [options]\n"
    "\n"
    "A framing and half-close simulator for gRPC-style bidirectional\n"
    "streaming: in-process pipes stand in for the network, a thread per\n"
    "direction, gRPC's 5-byte frames on the wire.\n"
    "\n"
    "commands:\n"
    "  list              the scenarios, and what each one shows\n"
    "  run SCENARIO      run a scenario (simulated, seed 1; --os for real\n"
    "                    threads) and print its timeline\n"
    "  explore SCENARIO  run it under many schedules, count the failing ones\n"
    "  decode            dissect gRPC frames read from stdin\n"
    "  recall            drill the lessons' active-recall cards\n"
    "  help [COMMAND]    this text, or a command's options\n"
    "\n"
    "exit codes:\n"
    "  0  the call ended OK (decode: the input is whole, valid frames)\n"
    "  1  an invariant did not hold (a bug in duplex), or an I/O error\n"
    "  2  usage error\n"
    "  3  the call ended with a gRPC error status (decode: a receiver\n"
    "     would fail the call)\n"
    "  4  the stream was garbled (frames from two senders interleaved)\n"
    "  5  deadlock: no thread could ever run again (simulated runs)\n"
    "  6  livelock: a simulated run was still going after 10000000 steps;\n"
    "     the report names the threads that kept running\n"
    "  (explore: 0 no schedule failed, 1 some did, 2 usage)\n"
    "\n"
    "Colour is used on a terminal unless NO_COLOR is set.\n"
    "Start with: duplex run echo\n";

static const char usage_run[] =
    "usage: duplex run SCENARIO [options]\n"
    "\n"
    "Runs SCENARIO and prints a two-lane timeline (client | server) of its\n"
    "frames, half-closes and EOFs, then what happened. By default the run is\n"
    "simulated: a deterministic scheduler picks who runs at every lock and\n"
    "wait from a seed, so the same seed prints the same run, time is\n"
    "virtual, and a hang is a deadlock report. `duplex list` shows the\n"
    "scenarios.\n"
    "\n"
    "options:\n"
    "  --messages N       messages to send (1..10000000; default: per\n"
    "                     scenario); simulated, as many as fit in 10000000\n"
    "                     steps (measured on 100 first; it says how many)\n"
    "  --capacity BYTES   bytes each pipe holds (1..1073741824; suffix k, m or\n"
    "                     g allowed; default: per scenario, else 65536)\n"
    "  --clients N        hub only: clients, one stream each (1..10000;\n"
    "                     default 3; at most 20 when simulated)\n"
    "  --timeout MS       the call's deadline in milliseconds (1..3600000;\n"
    "                     default: none; with --os, 200 for the scenarios\n"
    "                     that would hang)\n"
    "  --trace KIND       timeline (default), hexdump, both, or none\n"
    "  --fix              run the corrected variant, where there is one\n"
    "  --seed N           the simulator's seed (default 1)\n"
    "  --replay SCHEDULE  replay a schedule printed by `duplex explore`\n"
    "  --os               real threads and real time instead (one of\n"
    "                     --seed, --replay and --os)\n"
    "  -h, --help         this text\n"
    "\n"
    "exit codes: 0 OK, 1 invariant broken, 2 usage, 3 gRPC error status,\n"
    "4 garbled stream, 5 deadlock. 6 livelock: still going after 10000000\n"
    "steps (simulated). Each scenario's code at seed 1 is in `duplex list`.\n";

static const char usage_decode[] =
    "usage: duplex decode [options] < INPUT\n"
    "\n"
    "Reads bytes from stdin and dissects them as gRPC frames (flag | length\n"
    "| payload), the way a receiver reads them. It stops at the first bad\n"
    "frame and prints the status a receiver would fail the call with; a\n"
    "header is judged as soon as its 5 bytes arrive.\n"
    "\n"
    "Input is raw bytes, or hex text (pairs of hex digits; spaces, newlines\n"
    "and 0x prefixes are ignored). By default the first bytes decide.\n"
    "\n"
    "options:\n"
    "  --hex              the input is hex text\n"
    "  --raw              the input is raw bytes\n"
    "  --max-recv BYTES   largest message accepted (default 4194304)\n"
    "  --encoding NAME    the negotiated compression (allows flag 1)\n"
    "  -h, --help         this text\n"
    "\n"
    "example: printf '\\x00\\x00\\x00\\x00\\x02hi' | duplex decode\n"
    "exit codes: 0 whole valid frames, 2 usage, 3 a receiver would fail\n"
    "(out of memory too: RESOURCE_EXHAUSTED).\n";

struct cli {
    FILE *in, *out, *err;
    int colour;
};

static int usage_error(struct cli *c, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int usage_error(struct cli *c, const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(c->err, "duplex%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(c->err, fmt, ap);
    va_end(ap);
    fprintf(c->err, "\nTry 'duplex %s%s--help'.\n", cmd ? cmd : "",
            cmd ? " " : "");
    return EXIT_USAGE;
}

/*
 * Parses a whole number in [lo, hi], with an optional k/m suffix when
 * suffixes is set. Returns 1 and sets *out, or 0.
 */
static int parse_number(const char *s, long long lo, long long hi, int suffixes,
                        long long *out)
{
    char *end = NULL;
    long long v = 0;

    if (s == NULL || !isdigit((unsigned char)s[0]))
        return 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0)
        return 0;
    if (suffixes && (*end == 'k' || *end == 'K') && v <= hi / 1024) {
        v *= 1024;
        end++;
    } else if (suffixes && (*end == 'm' || *end == 'M') &&
               v <= hi / (1024 * 1024)) {
        v *= 1024 * 1024;
        end++;
    } else if (suffixes && (*end == 'g' || *end == 'G') &&
               v <= hi / (1024 * 1024 * 1024)) {
        v *= 1024 * 1024 * 1024;
        end++;
    }
    if (*end != '\0' || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

/*
 * Matches argv[*i] against --name or --name=value. For options with a
 * value, sets *value (the next argument, or the part after '='). Returns
 * 1 on a match, 0 otherwise, -1 when the value is missing.
 */
static int take_option(int argc, char **argv, int *i, const char *name,
                       const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);

    if (strncmp(a, name, n) != 0)
        return 0;
    if (value == NULL)
        return a[n] == '\0';
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *value = argv[++*i];
    return 1;
}

static int is_help(const char *a)
{
    return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

/*
 * When argv[i] is -h or --help, prints text on out and returns 0, unless
 * something follows it: that is a usage error, as it is after `help
 * COMMAND` and --version. Returns -1 when argv[i] asks for no help.
 */
static int give_help(struct cli *c, const char *cmd, int argc, char **argv,
                     int i, const char *text)
{
    if (!is_help(argv[i]))
        return -1;
    if (i + 1 < argc)
        return usage_error(c, cmd, "%s takes nothing after it ('%s')", argv[i],
                           argv[i + 1]);
    fputs(text, c->out);
    return 0;
}

/* ---- list --------------------------------------------------------------- */

static const char usage_list[] =
    "usage: duplex list\n\nLists the scenarios `duplex run` knows, with the "
    "exit code each one ends\nwith (and with --fix, where it has one).\n";

static int cmd_list(struct cli *c, int argc, char **argv)
{
    size_t i = 0;
    int code = argc > 1 ? give_help(c, "list", argc, argv, 1, usage_list) : -1;

    if (code >= 0)
        return code;
    if (argc > 1)
        return usage_error(c, "list", "unexpected argument '%s'", argv[1]);
    fprintf(c->out, "%-24s %-4s %s\n", "scenario", "exit", "what it shows");
    for (i = 0; i < scenario_count(); i++) {
        const struct scenario *sc = scenario_at(i);

        fprintf(c->out, "%-24s %-4d %s\n", sc->name, (int)sc->expected,
                sc->summary);
        if (sc->fix_summary != NULL)
            fprintf(c->out, "%-24s %-4d %s\n", "  --fix", (int)sc->expected_fix,
                    sc->fix_summary);
    }
    return 0;
}

/* ---- run ---------------------------------------------------------------- */

enum trace_view { VIEW_TIMELINE = 1, VIEW_HEXDUMP = 2 };

struct run_args {
    const char *name;
    struct scenario_options opts;
    int views;
    const char *replay; /* --replay's schedule, or NULL */
    int seeded;         /* --seed was given */
};

static int parse_trace_view(const char *v, int *views)
{
    if (strcmp(v, "timeline") == 0)
        *views = VIEW_TIMELINE;
    else if (strcmp(v, "hexdump") == 0)
        *views = VIEW_HEXDUMP;
    else if (strcmp(v, "both") == 0)
        *views = VIEW_TIMELINE | VIEW_HEXDUMP;
    else if (strcmp(v, "none") == 0)
        *views = 0;
    else
        return 0;
    return 1;
}

/* Returns -1 when parsed, else the exit code (help or usage error). */
static int parse_run(struct cli *c, int argc, char **argv, struct run_args *a)
{
    int i = 0;

    memset(a, 0, sizeof *a);
    a->views = VIEW_TIMELINE;
    for (i = 1; i < argc; i++) {
        const char *v = NULL;
        long long n = 0;
        int m = 0;

        if ((m = give_help(c, "run", argc, argv, i, usage_run)) >= 0)
            return m;
        if ((m = take_option(argc, argv, &i, "--messages", &v)) != 0) {
            if (m < 0 || !parse_number(v, 1, 10000000, 0, &n))
                return usage_error(c, "run",
                                   "--messages wants a whole "
                                   "number from 1 to 10000000");
            a->opts.messages = (int)n;
        } else if ((m = take_option(argc, argv, &i, "--capacity", &v)) != 0) {
            if (m < 0 || !parse_number(v, 1, 1073741824, 1, &n))
                return usage_error(c, "run",
                                   "--capacity wants bytes from 1 "
                                   "to 1073741824 (1g), e.g. 64 "
                                   "or 64k");
            a->opts.capacity = (size_t)n;
        } else if ((m = take_option(argc, argv, &i, "--clients", &v)) != 0) {
            if (m < 0 || !parse_number(v, 1, 10000, 0, &n))
                return usage_error(c, "run",
                                   "--clients wants a whole number "
                                   "from 1 to 10000");
            a->opts.clients = (int)n;
        } else if ((m = take_option(argc, argv, &i, "--timeout", &v)) != 0) {
            if (m < 0 || !parse_number(v, 1, 3600000, 0, &n))
                return usage_error(c, "run",
                                   "--timeout wants milliseconds "
                                   "from 1 to 3600000");
            a->opts.timeout_ms = n;
        } else if ((m = take_option(argc, argv, &i, "--trace", &v)) != 0) {
            if (m < 0 || !parse_trace_view(v, &a->views))
                return usage_error(c, "run",
                                   "--trace wants timeline, "
                                   "hexdump, both or none");
        } else if ((m = take_option(argc, argv, &i, "--seed", &v)) != 0) {
            if (m < 0 || !parse_number(v, 0, 9007199254740991LL, 0, &n))
                return usage_error(c, "run",
                                   "--seed wants a whole number from 0 "
                                   "to 9007199254740991");
            a->opts.seed = (uint64_t)n;
            a->seeded = 1;
        } else if ((m = take_option(argc, argv, &i, "--replay", &v)) != 0) {
            if (m < 0)
                return usage_error(c, "run",
                                   "--replay wants a schedule, as "
                                   "`duplex explore` prints it");
            a->replay = v;
        } else if (take_option(argc, argv, &i, "--os", NULL)) {
            a->opts.os = 1;
        } else if (take_option(argc, argv, &i, "--fix", NULL)) {
            a->opts.fix = 1;
        } else if (argv[i][0] == '-') {
            return usage_error(c, "run", "unknown option '%s'", argv[i]);
        } else if (a->name == NULL) {
            a->name = argv[i];
        } else {
            return usage_error(c, "run",
                               "one scenario at a time ('%s' and "
                               "'%s')",
                               a->name, argv[i]);
        }
    }
    if (a->name == NULL)
        return usage_error(c, "run",
                           "which scenario? `duplex list` shows "
                           "them; start with `duplex run echo`");
    if (a->opts.os + a->seeded + (a->replay != NULL) > 1)
        return usage_error(c, "run",
                           "--os, --seed and --replay choose how to run: "
                           "give one of them");
    if (!a->seeded)
        a->opts.seed = 1;
    return -1;
}

static const char *paint(const struct cli *c, const char *code)
{
    return c->colour ? code : "";
}

static void print_result(struct cli *c, const struct scenario_result *r,
                         int code)
{
    int good = code == SCENARIO_EXIT_OK;

    if (code == SCENARIO_EXIT_LIVELOCK) { /* the call never ended: it has no status */
        fprintf(c->out, "%sresult: livelock: stopped after %llu steps",
                paint(c, "\033[1;31m"), (unsigned long long)r->sim.steps);
        fprintf(c->out, " (exit %d)%s\n", code, paint(c, "\033[0m"));
        return;
    }

    fprintf(c->out, "%sresult: %s",
            paint(c, good ? "\033[1;32m" : "\033[1;31m"),
            status_name(r->status));
    if (r->why.text[0] != '\0' && r->status != STATUS_OK)
        fprintf(c->out, ": %s", r->why.text);
    if (r->garbled)
        fputs(" (the stream was garbled)", c->out);
    fprintf(c->out, " (exit %d)%s\n", code, paint(c, "\033[0m"));
    if (r->broken[0] != '\0')
        fprintf(c->out,
                "BROKEN: %s -- duplex did not behave as its lesson "
                "says; please report it\n",
                r->broken);
}

/* The line under the title: how this run was scheduled. */
static void print_mode(struct cli *c, const struct run_args *a)
{
    if (a->opts.os)
        fputs("real threads (--os): timings and interleavings vary from run "
              "to run\n",
              c->out);
    else if (a->replay != NULL)
        fprintf(c->out, "simulated, replaying schedule %s\n", a->replay);
    else
        fprintf(c->out,
                "simulated with seed %llu (same seed, same run; --os for "
                "real threads)\n",
                (unsigned long long)a->opts.seed);
}

/* Where a replayed schedule stopped fitting the run, and why. */
static void print_divergence(struct cli *c, const struct scenario_options *o,
                             const struct sched_sim_result *s)
{
    size_t k = s->diverged_at;
    int forced = k < o->nforced ? o->forced[k] : -1;
    int listed = 0;
    int i = 0;

    if (k >= s->ndecisions) {
        fprintf(c->out,
                "note: the schedule chooses thread %d at decision %zu, but "
                "this run made only %zu decisions\n",
                forced, k, s->ndecisions);
        return;
    }
    fprintf(c->out,
            "note: the schedule chooses thread %d at decision %zu, where "
            "only threads ",
            forced, k);
    for (i = 0; i < SCHED_SIM_MAX_THREADS; i++) {
        uint64_t later = s->decisions[k].runnable >> i >> 1;
        const char *sep = listed == 0 ? "" : later == 0 ? " and " : ", ";

        if (!(s->decisions[k].runnable >> i & 1))
            continue;
        fprintf(c->out, "%s%d", sep, i);
        listed++;
    }
    fputs(" could run\n", c->out);
}

/* After the narration: the simulator's account of the run. */
static void print_sim(struct cli *c, const struct scenario_options *o,
                      const struct scenario_result *r)
{
    if (!r->simulated)
        return;
    if (r->sim.deadlocked || r->sim.livelocked)
        fprintf(c->out, "%s%s%s\n", paint(c, "\033[31m"), r->sim.report,
                paint(c, "\033[0m"));
    if (r->sim.diverged) {
        print_divergence(c, o, &r->sim);
        fputs("note: the replayed schedule did not fit this run (other "
              "options?); it went on in order\n",
              c->out);
    }
    fprintf(c->out, "simulated: %llu steps, %lld ms of virtual time\n",
            (unsigned long long)r->sim.steps,
            (long long)((r->sim.now_ns - 1000000000) / 1000000));
}

enum status cli_sim_fit(const struct scenario *sc,
                        const struct scenario_options *opts, uint64_t max_steps,
                        struct cli_fit *out)
{
    struct scenario_options pilot = *opts;
    struct scenario_result *r = calloc(1, sizeof *r);
    uint64_t steps = 0;

    if (r == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    pilot.messages = CLI_FIT_PILOT;
    pilot.trace = NULL;
    pilot.os = 0;
    scenario_run(sc, &pilot, r);
    steps = r->sim.steps > 0 ? r->sim.steps : 1;
    out->pilot_messages = CLI_FIT_PILOT;
    out->pilot_steps = r->sim.steps;
    /* Room for 3/2 of the pilot's steps per message. */
    out->max_messages =
        (long long)(max_steps * 2 * CLI_FIT_PILOT / (3 * steps));
    scenario_result_free(r);
    free(r);
    return STATUS_OK;
}

/*
 * A simulated run that is still going after SCHED_SIM_MAX_STEPS steps is
 * stopped as a livelock, so more messages than fit in them are refused
 * before the run (see cli_sim_fit). Returns -1 when o's messages fit, else
 * the exit code.
 */
static int check_fit(struct cli *c, const char *cmd, const struct scenario *sc,
                     const struct scenario_options *o)
{
    int n = o->messages > 0 ? o->messages : sc->default_messages;
    struct cli_fit fit;

    if (o->os || n <= CLI_FIT_PILOT)
        return -1;
    if (cli_sim_fit(sc, o, SCHED_SIM_MAX_STEPS, &fit) != STATUS_OK) {
        fprintf(c->err, "duplex %s: out of memory\n", cmd);
        return 1;
    }
    if (n <= fit.max_messages)
        return -1;
    return usage_error(
        c, cmd,
        "--messages %d does not fit a simulated run of %s "
        "with these options: %d messages took %llu steps, "
        "and a run stops at %d steps, so at most %lld fit%s",
        n, sc->name, fit.pilot_messages, (unsigned long long)fit.pilot_steps,
        SCHED_SIM_MAX_STEPS, fit.max_messages,
        strcmp(cmd, "run") == 0 ? " (--os takes any number)" : "");
}

static int run_scenario(struct cli *c, struct run_args *a,
                        const struct scenario *sc, struct scenario_result *r,
                        struct trace *t)
{
    struct status_detail why;
    int code = 0;

    if (scenario_check(sc, &a->opts, &why) != STATUS_OK)
        return usage_error(c, "run", "%s", why.text);
    if ((code = check_fit(c, "run", sc, &a->opts)) >= 0)
        return code;
    /* Title and seed before the run: a crash still leaves them on screen. */
    fprintf(c->out, "%sduplex run %s%s%s: %s\n", paint(c, "\033[1m"), sc->name,
            a->opts.fix ? " --fix" : "", paint(c, "\033[0m"),
            a->opts.fix ? sc->fix_summary : sc->summary);
    print_mode(c, a);
    fflush(c->out);
    a->opts.trace = t;
    scenario_run(sc, &a->opts, r);
    code = (int)scenario_exit_code(r);
    if (a->views)
        fputc('\n', c->out);
    if (a->views & VIEW_TIMELINE)
        timeline_print(t, c->out, c->colour);
    if (a->views == (VIEW_TIMELINE | VIEW_HEXDUMP))
        fputc('\n', c->out);
    if (a->views & VIEW_HEXDUMP)
        hexdump_print(t, c->out, c->colour);
    fprintf(c->out, "\n%s", r->report);
    print_sim(c, &a->opts, r);
    print_result(c, r, code);
    return code;
}

/*
 * Finds the first decision k of a replay string that no run can reach (one
 * decision a step at most, and SCHED_SIM_MAX_STEPS steps): returns the
 * length of its digits and points *at to them, or returns 0. Only the
 * numbers before each ':' are read; sched_schedule_parse judges the rest.
 */
static int replay_past_the_end(const char *s, const char **at)
{
    const char *p = s;

    while (*p != '\0') {
        const char *digits = p;
        long long k = 0;

        for (; *p >= '0' && *p <= '9'; p++) /* (stops growing past the max) */
            k = k < SCHED_SIM_MAX_STEPS ? k * 10 + (*p - '0') : k;
        if (*p == ':' && k >= SCHED_SIM_MAX_STEPS) {
            *at = digits;
            return (int)(p - digits);
        }
        p = strchr(p, ',');
        if (p == NULL)
            break;
        p++;
    }
    return 0;
}

static int cmd_run(struct cli *c, int argc, char **argv)
{
    struct run_args a;
    const struct scenario *sc = NULL;
    struct scenario_result *r = NULL;
    struct trace *t = NULL;
    int8_t *forced = NULL;
    int code = parse_run(c, argc, argv, &a);

    if (code >= 0)
        return code;
    sc = scenario_find(a.name);
    if (sc == NULL)
        return usage_error(c, "run",
                           "no scenario '%s'; `duplex list` "
                           "shows them",
                           a.name);
    if (a.opts.fix && sc->fix_summary == NULL)
        return usage_error(c, "run", "'%s' has no --fix variant", sc->name);
    if (a.replay != NULL) {
        const char *k = NULL;
        int klen = replay_past_the_end(a.replay, &k);

        if (klen > 0)
            return usage_error(c, "run",
                               "--replay %s: decision %.*s is past the end "
                               "of any simulated run (one decision a step "
                               "at most, and a run stops at %d steps)",
                               a.replay, klen, k, SCHED_SIM_MAX_STEPS);
        if (sched_schedule_parse(a.replay, &forced, &a.opts.nforced) !=
            STATUS_OK)
            return usage_error(c, "run",
                               "--replay wants a schedule like 3:1,17:0 "
                               "(as `duplex explore` prints it), not '%s'",
                               a.replay);
        a.opts.forced = forced;
        a.opts.strategy = SCHED_IN_ORDER;
    }
    r = calloc(1, sizeof *r);
    t = a.views ? trace_create() : NULL;
    if (r == NULL || (a.views && t == NULL)) {
        fprintf(c->err, "duplex run: out of memory\n");
        code = SCENARIO_EXIT_BROKEN;
        goto out;
    }
    code = run_scenario(c, &a, sc, r, t);
out:
    scenario_result_free(r);
    trace_destroy(t);
    free(r);
    free(forced);
    return code;
}

/* ---- explore ------------------------------------------------------------ */

static const char usage_explore[] =
    "usage: duplex explore SCENARIO [options]\n"
    "\n"
    "Runs SCENARIO under many schedules of the simulator and counts the ones\n"
    "that break it: a garbled or lost message, a deadlock, a livelock or a\n"
    "final status the scenario does not document. By default it tries every\n"
    "schedule with at most K preemptions (a switch away from a thread that\n"
    "could have gone on), depth first; --seeds N tries N random schedules\n"
    "instead. It prints the first failing schedule with the command that\n"
    "replays it.\n"
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
    "  -h, --help           this text\n"
    "\n"
    "exit codes: 0 no schedule failed, 1 some schedule failed, 2 usage.\n";

struct explore_args {
    const char *name;
    struct explore_options o;
};

static int parse_explore(struct cli *c, int argc, char **argv,
                         struct explore_args *a)
{
    int bounded = 0;
    int i = 0;

    memset(a, 0, sizeof *a);
    a->o.max_preemptions = 2;
    for (i = 1; i < argc; i++) {
        const char *v = NULL;
        long long n = 0;
        int m = 0;

        if ((m = give_help(c, "explore", argc, argv, i, usage_explore)) >= 0)
            return m;
        if ((m = take_option(argc, argv, &i, "--max-preemptions", &v)) != 0) {
            if (m < 0 || !parse_number(v, 0, 8, 0, &n))
                return usage_error(c, "explore",
                                   "--max-preemptions wants 0 to 8");
            a->o.max_preemptions = (int)n;
            bounded = 1;
        } else if ((m = take_option(argc, argv, &i, "--seeds", &v)) != 0) {
            if (m < 0 || !parse_number(v, 1, 10000000, 0, &n))
                return usage_error(c, "explore", "--seeds wants 1 to 10000000");
            a->o.seeds = (uint64_t)n;
        } else if ((m = take_option(argc, argv, &i, "--max-schedules", &v)) !=
                   0) {
            if (m < 0 || !parse_number(v, 1, 100000000, 0, &n))
                return usage_error(c, "explore",
                                   "--max-schedules wants 1 to 100000000");
            a->o.max_schedules = (uint64_t)n;
        } else if ((m = take_option(argc, argv, &i, "--messages", &v)) != 0) {
            if (m < 0 || !parse_number(v, 1, 10000, 0, &n))
                return usage_error(c, "explore", "--messages wants 1 to 10000");
            a->o.base.messages = (int)n;
        } else if ((m = take_option(argc, argv, &i, "--capacity", &v)) != 0) {
            if (m < 0 || !parse_number(v, 1, 1073741824, 1, &n))
                return usage_error(c, "explore",
                                   "--capacity wants bytes from 1 to "
                                   "1073741824 (1g), e.g. 64 or 64k");
            a->o.base.capacity = (size_t)n;
        } else if ((m = take_option(argc, argv, &i, "--timeout", &v)) != 0) {
            if (m < 0 || !parse_number(v, 1, 3600000, 0, &n))
                return usage_error(c, "explore",
                                   "--timeout wants milliseconds from 1 "
                                   "to 3600000");
            a->o.base.timeout_ms = n;
        } else if (take_option(argc, argv, &i, "--fix", NULL)) {
            a->o.base.fix = 1;
        } else if (argv[i][0] == '-') {
            return usage_error(c, "explore", "unknown option '%s'", argv[i]);
        } else if (a->name == NULL) {
            a->name = argv[i];
        } else {
            return usage_error(c, "explore",
                               "one scenario at a time ('%s' and '%s')",
                               a->name, argv[i]);
        }
    }
    if (a->name == NULL)
        return usage_error(c, "explore",
                           "which scenario? `duplex list` shows them");
    if (a->o.seeds > 0 && bounded)
        return usage_error(c, "explore",
                           "--max-preemptions is for the bounded search; "
                           "--seeds explores at random instead");
    return -1;
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

static int cmd_explore(struct cli *c, int argc, char **argv)
{
    struct explore_args a;
    struct scenario_options pilot;
    const struct scenario *sc = NULL;
    struct explore_result *r = NULL;
    struct status_detail why;
    int code = parse_explore(c, argc, argv, &a);

    if (code >= 0)
        return code;
    sc = scenario_find(a.name);
    if (sc == NULL)
        return usage_error(
            c, "explore", "no scenario '%s'; `duplex list` shows them", a.name);
    if (a.o.base.fix && sc->fix_summary == NULL)
        return usage_error(c, "explore", "'%s' has no --fix variant", sc->name);
    if (a.o.base.messages == 0) /* small runs, but enough for the lesson */
        a.o.base.messages = sc->min_messages > EXPLORE_DEFAULT_MESSAGES
                                ? sc->min_messages
                                : EXPLORE_DEFAULT_MESSAGES;
    if (scenario_check(sc, &a.o.base, &why) != STATUS_OK)
        return usage_error(c, "explore", "%s", why.text);
    /* Measured as exploration runs: in order, else seeded. */
    pilot = a.o.base;
    pilot.strategy = a.o.seeds > 0 ? SCHED_RANDOM : SCHED_IN_ORDER;
    pilot.seed = 1;
    if ((code = check_fit(c, "explore", sc, &pilot)) >= 0)
        return code;
    r = calloc(1, sizeof *r);
    if (r == NULL) {
        fprintf(c->err, "duplex explore: out of memory\n");
        return 1;
    }
    if (a.o.seeds > 0)
        fprintf(c->out,
                "duplex explore %s%s: %llu random schedules, %d "
                "message%s\n",
                sc->name, a.o.base.fix ? " --fix" : "",
                (unsigned long long)a.o.seeds, a.o.base.messages,
                a.o.base.messages == 1 ? "" : "s");
    else
        fprintf(c->out,
                "duplex explore %s%s: every schedule with at most %d "
                "preemption%s, %d message%s\n",
                sc->name, a.o.base.fix ? " --fix" : "", a.o.max_preemptions,
                a.o.max_preemptions == 1 ? "" : "s", a.o.base.messages,
                a.o.base.messages == 1 ? "" : "s");
    fflush(c->out);
    if (explore_run(sc, &a.o, r) != STATUS_OK) {
        fprintf(c->err, "duplex explore: %s\n",
                r->first.why.text[0] ? r->first.why.text : "out of memory");
        code = 1;
        goto out;
    }
    fprintf(c->out,
            "explored %llu schedules%s: %llu failing (%.1f%%), %.0f "
            "schedules/s\n",
            (unsigned long long)r->schedules,
            r->complete ? "" : " (stopped at the --max-schedules limit)",
            (unsigned long long)r->failing,
            r->schedules ? 100.0 * (double)r->failing / (double)r->schedules
                         : 0.0,
            r->seconds > 0 ? (double)r->schedules / r->seconds : 0.0);
    if (r->have_failure)
        print_failure(c, &a, r);
    code = r->failing > 0 ? 1 : 0;
out:
    explore_result_free(r);
    free(r);
    return code;
}

/* ---- decode ------------------------------------------------------------- */

struct decoder {
    struct cli *c;
    struct frame_limits lim;
    int mode;     /* 0: not decided yet, 'h': hex, 'r': raw */
    int nibble;   /* hex: a pending high nibble, or -1 */
    uint8_t *buf; /* bytes not yet dissected */
    size_t len, cap;
    size_t offset; /* stream offset of buf[0] */
    size_t frames;
    int done; /* a bad header was reported */
};

static int hex_value(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = tolower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

static int looks_hex(const uint8_t *p, size_t n)
{
    size_t i = 0;

    for (i = 0; i < n; i++)
        if (hex_value(p[i]) < 0 && !isspace(p[i]) && p[i] != 'x' && p[i] != 'X')
            return 0;
    return n > 0;
}

static int push_byte(struct decoder *d, uint8_t b)
{
    if (d->len == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 4096;
        uint8_t *grown = realloc(d->buf, cap);

        if (grown == NULL)
            return 0;
        d->buf = grown;
        d->cap = cap;
    }
    d->buf[d->len++] = b;
    return 1;
}

/* Says that ch is no hex digit: as itself when printable, else its value. */
static void bad_hex_digit(struct decoder *d, uint8_t ch)
{
    if (isprint(ch))
        fprintf(d->c->err, "duplex decode: '%c' is not a hex digit ", ch);
    else
        fprintf(d->c->err, "duplex decode: byte 0x%02X is not a hex digit ",
                ch);
    fputs("(use --raw for bytes)\n", d->c->err);
}

/*
 * Adds a chunk of input.
 * Returns one of:
 *   STATUS_OK                  taken
 *   STATUS_INVALID_ARGUMENT    hex mode: a byte that is no hex digit (said)
 *   STATUS_RESOURCE_EXHAUSTED  no memory to hold it (not said yet)
 */
static enum status push_input(struct decoder *d, const uint8_t *p, size_t n)
{
    size_t i = 0;

    if (d->mode == 0)
        d->mode = looks_hex(p, n) ? 'h' : 'r';
    for (i = 0; i < n; i++) {
        int v = 0;

        if (d->mode == 'r') {
            if (!push_byte(d, p[i]))
                return STATUS_RESOURCE_EXHAUSTED;
            continue;
        }
        /*
         * Hex: skip blanks and pair up the digits. The '0' of a "0x" prefix
         * was taken for a digit; the 'x' drops it again.
         */
        if (isspace(p[i]))
            continue;
        if ((p[i] == 'x' || p[i] == 'X') && d->nibble == 0) {
            d->nibble = -1;
            continue;
        }
        v = hex_value(p[i]);
        if (v < 0) {
            bad_hex_digit(d, p[i]);
            return STATUS_INVALID_ARGUMENT;
        }
        if (d->nibble < 0) {
            d->nibble = v;
        } else if (!push_byte(d, (uint8_t)(d->nibble << 4 | v))) {
            return STATUS_RESOURCE_EXHAUSTED;
        } else {
            d->nibble = -1;
        }
    }
    return STATUS_OK;
}

/*
 * No memory for the next byte: the frame being read cannot be held, so a
 * receiver would fail the call, and so does decode, with the frame so far.
 */
static enum status decode_out_of_memory(struct decoder *d)
{
    char why[160];

    if (d->len >= FRAME_HEADER_LEN)
        snprintf(why, sizeof why,
                 "out of memory holding a %lu-byte message (%zu bytes of "
                 "it read)",
                 (unsigned long)frame_get_u32(d->buf + 1),
                 d->len - FRAME_HEADER_LEN);
    else
        snprintf(why, sizeof why, "out of memory after %zu bytes of input",
                 d->offset + d->len);
    dissect_print_bad(d->c->out, d->offset, d->buf, d->len,
                      STATUS_RESOURCE_EXHAUSTED, why, d->c->colour);
    fprintf(d->c->err, "duplex decode: %s\n", why);
    d->done = 1;
    return STATUS_RESOURCE_EXHAUSTED;
}

/*
 * Dissects every whole frame in the buffer. Returns STATUS_OK when more
 * input may complete the next frame, or the status of a bad header.
 */
static enum status dissect_ready(struct decoder *d)
{
    size_t off = 0;

    while (d->len - off >= FRAME_HEADER_LEN) {
        struct frame_header h;
        struct status_detail why;
        enum status st = frame_decode_header(d->buf + off, &d->lim, &h, &why);

        if (st != STATUS_OK) {
            dissect_print_bad(d->c->out, d->offset + off, d->buf + off,
                              d->len - off, st, why.text, d->c->colour);
            d->done = 1;
            return st;
        }
        if (d->len - off - FRAME_HEADER_LEN < h.length)
            break;
        dissect_print_frame(d->c->out, d->offset + off, d->buf + off, &h,
                            d->c->colour);
        off += FRAME_HEADER_LEN + h.length;
        d->frames++;
    }
    if (off > 0) /* (buf is NULL while no byte has come) */
        memmove(d->buf, d->buf + off, d->len - off);
    d->len -= off;
    d->offset += off;
    return STATUS_OK;
}

/* The input ended: a clean EOF between frames, or a truncated frame. */
static enum status decode_end(struct decoder *d)
{
    char why[96];

    if (d->mode == 'h' && d->nibble >= 0)
        fprintf(d->c->err, "duplex decode: odd number of hex digits; the "
                           "last one is ignored\n");
    if (d->len == 0) {
        fprintf(d->c->out, "  %6zu  end: %zu frame%s, clean EOF\n", d->offset,
                d->frames, d->frames == 1 ? "" : "s");
        return STATUS_EOF;
    }
    if (d->len < FRAME_HEADER_LEN)
        snprintf(why, sizeof why, "unexpected EOF (header: %zu of 5 bytes)",
                 d->len);
    else
        snprintf(why, sizeof why, "unexpected EOF (payload: %zu of %lu bytes)",
                 d->len - FRAME_HEADER_LEN,
                 (unsigned long)frame_get_u32(d->buf + 1));
    dissect_print_bad(d->c->out, d->offset, d->buf, d->len, STATUS_INTERNAL,
                      why, d->c->colour);
    return STATUS_INTERNAL;
}

static int parse_decode(struct cli *c, int argc, char **argv, struct decoder *d)
{
    int i = 0;

    for (i = 1; i < argc; i++) {
        const char *v = NULL;
        long long n = 0;
        int m = 0;

        if ((m = give_help(c, "decode", argc, argv, i, usage_decode)) >= 0)
            return m;
        if (take_option(argc, argv, &i, "--hex", NULL)) {
            d->mode = 'h';
        } else if (take_option(argc, argv, &i, "--raw", NULL)) {
            d->mode = 'r';
        } else if ((m = take_option(argc, argv, &i, "--max-recv", &v)) != 0) {
            if (m < 0 || !parse_number(v, 0, 4294967295LL, 1, &n))
                return usage_error(c, "decode",
                                   "--max-recv wants bytes "
                                   "from 0 to 4294967295");
            d->lim.max_recv = (uint32_t)n;
        } else if ((m = take_option(argc, argv, &i, "--encoding", &v)) != 0) {
            if (m < 0 || v[0] == '\0')
                return usage_error(c, "decode",
                                   "--encoding wants a name, "
                                   "e.g. gzip");
            d->lim.encoding = v;
        } else {
            return usage_error(c, "decode", "unexpected argument '%s'",
                               argv[i]);
        }
    }
    return -1;
}

static int cmd_decode(struct cli *c, int argc, char **argv)
{
    struct decoder d;
    uint8_t chunk[4096];
    enum status st = STATUS_OK;
    int code = 0;

    memset(&d, 0, sizeof d);
    d.c = c;
    d.lim = frame_default_limits;
    d.nibble = -1;
    code = parse_decode(c, argc, argv, &d);
    if (code >= 0)
        return code;
    fprintf(c->out, "  %6s  %-2s | %-11s | %s\n", "offset", "fl", "length",
            "payload");
    for (;;) {
        /* read(2), not fread: a header is judged as soon as it arrives. */
        ssize_t n = read(fileno(c->in), chunk, sizeof chunk);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(c->err, "duplex decode: reading stdin: %s\n",
                    strerror(errno));
            code = 1;
            goto out;
        }
        if (n == 0)
            break;
        st = push_input(&d, chunk, (size_t)n);
        if (st == STATUS_INVALID_ARGUMENT) {
            code = EXIT_USAGE;
            goto out;
        }
        if (st == STATUS_RESOURCE_EXHAUSTED) {
            st = dissect_ready(&d); /* the frames that did come whole */
            if (!d.done)
                st = decode_out_of_memory(&d);
            break;
        }
        st = dissect_ready(&d);
        if (d.done)
            break;
        fflush(c->out);
    }
    if (!d.done)
        st = decode_end(&d);
    code = st == STATUS_EOF ? 0 : SCENARIO_EXIT_STATUS;
out:
    free(d.buf);
    return code;
}

/* ---- recall ------------------------------------------------------------- */

static const char usage_recall[] =
    "usage: duplex recall [options]\n"
    "\n"
    "Drills the lessons' active-recall cards (each '### Q:' card under\n"
    "'## Active Recall' in lesson/*.md) with Leitner boxes. A card shows its\n"
    "question; answer it in your head, press Enter to see the answer and the\n"
    "test that proves it, then grade yourself:\n"
    "  a  again  back to box 1: tomorrow\n"
    "  h  hard   same box\n"
    "  g  good   next box\n"
    "  e  easy   two boxes up\n"
    "Boxes 1 to 5 come back after 1, 2, 4, 8 and 16 days. Cards due (most\n"
    "overdue first) come before new ones. q quits; every grade is saved at\n"
    "once.\n"
    "\n"
    "options:\n"
    "  --lessons DIR  the lesson pages (default: lesson)\n"
    "  --limit N      at most N cards this session (1..100000)\n"
    "  --seed N       shuffle the cards that tie, the same way for the same N\n"
    "  --list         print every card with its box, due day and proof\n"
    "  -h, --help     this text\n"
    "\n"
    "Progress is kept in recall.state under $DUPLEX_STATE_DIR, else\n"
    "$XDG_STATE_HOME/duplex, else ~/.local/state/duplex. $DUPLEX_TODAY sets\n"
    "today (a day number: days since 1970-01-01).\n"
    "When stdin is not a terminal, each line is one key (an empty line is\n"
    "Enter), so a script can drive the drill; the end of input stops it.\n"
    "\n"
    "exit codes: 0 done (or quit), 1 the progress file cannot be read or\n"
    "written, 2 usage (a bad option or no lesson directory).\n";

/* Returns -1 when parsed, else the exit code (help or usage error). */
static int parse_recall(struct cli *c, int argc, char **argv,
                        struct recall_options *o)
{
    int i = 0;

    memset(o, 0, sizeof *o);
    for (i = 1; i < argc; i++) {
        const char *v = NULL;
        long long n = 0;
        int m = 0;

        if ((m = give_help(c, "recall", argc, argv, i, usage_recall)) >= 0)
            return m;
        if ((m = take_option(argc, argv, &i, "--lessons", &v)) != 0) {
            if (m < 0 || v[0] == '\0')
                return usage_error(c, "recall",
                                   "--lessons wants a directory, e.g. lesson");
            o->lessons = v;
        } else if ((m = take_option(argc, argv, &i, "--limit", &v)) != 0) {
            if (m < 0 || !parse_number(v, 1, 100000, 0, &n))
                return usage_error(c, "recall",
                                   "--limit wants a whole number from 1 to "
                                   "100000");
            o->plan.limit = (size_t)n;
        } else if ((m = take_option(argc, argv, &i, "--seed", &v)) != 0) {
            if (m < 0 || !parse_number(v, 0, 9007199254740991LL, 0, &n))
                return usage_error(c, "recall",
                                   "--seed wants a whole number from 0 "
                                   "to 9007199254740991");
            o->plan.seed = (uint64_t)n;
            o->plan.seeded = 1;
        } else if (take_option(argc, argv, &i, "--list", NULL)) {
            o->list = 1;
        } else if (argv[i][0] == '-') {
            return usage_error(c, "recall", "unknown option '%s'", argv[i]);
        } else {
            return usage_error(c, "recall", "unexpected argument '%s'",
                               argv[i]);
        }
    }
    if (o->list && (o->plan.limit > 0 || o->plan.seeded))
        return usage_error(c, "recall",
                           "--list prints every card; --limit and --seed "
                           "choose a drill's cards");
    return -1;
}

static int cmd_recall(struct cli *c, int argc, char **argv)
{
    struct recall_options o;
    struct recall_io io = {c->in, c->out, c->err, c->colour};
    struct status_detail why;
    enum status st = STATUS_OK;
    int code = parse_recall(c, argc, argv, &o);

    if (code >= 0)
        return code;
    status_detail_clear(&why);
    st = recall_command(&o, &io, &why);
    if (st == STATUS_OK)
        return 0;
    /* No lesson directory, or a bad $DUPLEX_TODAY: the way it was run. */
    if (st == STATUS_NOT_FOUND || st == STATUS_INVALID_ARGUMENT)
        return usage_error(c, "recall", "%s", why.text);
    fprintf(c->err, "duplex recall: %s\n", why.text);
    return 1;
}

/* ---- main --------------------------------------------------------------- */

static int is_command(const char *name)
{
    return strcmp(name, "list") == 0 || strcmp(name, "run") == 0 ||
           strcmp(name, "explore") == 0 || strcmp(name, "decode") == 0 ||
           strcmp(name, "recall") == 0;
}

static int use_colour(FILE *out)
{
    const char *term = getenv("TERM");

    if (getenv("NO_COLOR") != NULL)
        return 0;
    if (term != NULL && strcmp(term, "dumb") == 0)
        return 0;
    return isatty(fileno(out));
}

static int dispatch(struct cli *c, int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, c->err);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "help") == 0 && argc > 2) {
        char *again[] = {argv[0], argv[2], "--help", NULL};

        if (!is_command(argv[2]))
            return usage_error(c, NULL, "no command '%s'", argv[2]);
        if (argc > 3)
            return usage_error(c, NULL, "help takes one command ('%s', "
                                        "then '%s')", argv[2], argv[3]);
        return dispatch(c, 3, again);
    }
    if (strcmp(argv[1], "help") == 0) {
        fputs(usage_main, c->out);
        return 0;
    }
    if (is_help(argv[1]))
        return give_help(c, NULL, argc, argv, 1, usage_main);
    if (strcmp(argv[1], "--version") == 0) {
        if (argc > 2)
            return usage_error(c, NULL, "--version takes nothing after it "
                                        "('%s')", argv[2]);
        fprintf(c->out, "duplex %s\n", VERSION);
        return 0;
    }
    if (strcmp(argv[1], "list") == 0)
        return cmd_list(c, argc - 1, argv + 1);
    if (strcmp(argv[1], "run") == 0)
        return cmd_run(c, argc - 1, argv + 1);
    if (strcmp(argv[1], "explore") == 0)
        return cmd_explore(c, argc - 1, argv + 1);
    if (strcmp(argv[1], "decode") == 0)
        return cmd_decode(c, argc - 1, argv + 1);
    if (strcmp(argv[1], "recall") == 0)
        return cmd_recall(c, argc - 1, argv + 1);
    return usage_error(c, NULL, "no command '%s'", argv[1]);
}

int cli_main(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
    struct cli c;
    int code = 0;

    c.in = in;
    c.out = out;
    c.err = err;
    c.colour = use_colour(out);
    code = dispatch(&c, argc, argv);
    /* Output that could not be written is an I/O error (exit 1), not OK. */
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(err, "duplex: cannot write the output\n");
        code = 1;
    }
    return code;
}

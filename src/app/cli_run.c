/*
 * cli_run: `duplex run SCENARIO`, one run with its timeline and what
 * happened.
 *
 * Design
 *   The title and the way the run is scheduled are printed (and flushed)
 *   before the run, so a crash still leaves them on screen; the trace,
 *   the scenario's narration, the simulator's account and the result come
 *   after it. By default a run is simulated with seed 1; --seed, --replay
 *   and --os choose another way, one of them at most.
 *
 *   A --replay schedule is checked before the run: a decision no run can
 *   reach (one decision a step at most, and SCHED_SIM_MAX_STEPS steps) is
 *   a usage error, not a replay that quietly goes on in order.
 *
 *   --svg FILE draws the run as well (view/svg.h). FILE is opened before
 *   the run, after every usage check, so a path that cannot be written
 *   fails at once (exit 1, an I/O error, as for output that cannot be
 *   written) and a usage error creates no file. "-" is stdout: the
 *   picture goes there alone, and the text that would have gone there
 *   goes to stderr. The picture's title is the command line without
 *   --svg and its file, so the same command draws the same bytes,
 *   whatever the file is called.
 *
 *   --pcap FILE writes the run's bytes as a capture (view/pcap.h), opened
 *   as --svg's file is and written after the run from the trace: one
 *   synthetic TCP connection, 127.0.0.1:49152 to 127.0.0.1:50051, real
 *   time for --os runs and the step count (a microsecond each) for
 *   simulated ones.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli_capture.h"
#include "app/cli_command.h"
#include "app/cli_scenario.h"
#include "core/trace.h"
#include "h2/h2_dissect.h"
#include "h2/h2_wire.h"
#include "view/hexdump.h"
#include "view/pcap.h"
#include "view/svg.h"
#include "view/timeline.h"
#include "scenarios/scenario.h"

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
    "  --capacity BYTES   bytes each pipe holds (1..1073741824; suffix k, m "
    "or\n"
    "                     g allowed; default: per scenario, else 65536)\n"
    "  --clients N        hub only: clients, one stream each (1..10000;\n"
    "                     default 3; at most 20 when simulated)\n"
    "  --bad-client KIND  hub only: client 1 misbehaves: slow (stops\n"
    "                     reading), leave (cancels halfway) or no-close\n"
    "                     (never half-closes); at most 15 clients simulated\n"
    "  --timeout MS       the call's deadline in milliseconds (1..3600000;\n"
    "                     default: none; with --os, 200 for the scenarios\n"
    "                     that would hang)\n"
    "  --wire raw|h2      what carries the call: raw (default) puts the gRPC\n"
    "                     frames straight on the pipes; h2 runs a real\n"
    "                     HTTP/2 connection (nghttp2) on them, one per\n"
    "                     call (the hub's clients share one per 100;\n"
    "                     shared-window's three calls share one)\n"
    "  --window BYTES     h2: each stream's window (1..2147483647; default\n"
    "                     65535)\n"
    "  --conn-window BYTES  h2: the connection's window (65535..2147483647;\n"
    "                     default 65535: it only grows, RFC 9113 6.9.2)\n"
    "  --trace KIND       timeline (default), hexdump, both, or none\n"
    "                     (on --wire h2 the hexdump shows the HTTP/2 frames\n"
    "                     and the gRPC messages in their DATA, as `duplex\n"
    "                     decode --h2` does)\n"
    "  --decisions        number the timeline's events by decision: column\n"
    "                     dec is how many decisions the run had made, so a\n"
    "                     replay's k:t changes what follows the events\n"
    "                     marked k (simulated runs)\n"
    "  --fix              run the corrected variant, where there is one\n"
    "  --kind KIND        rpc-kinds only: unary (default), server, client\n"
    "                     or bidi\n"
    "  --seed N           the simulator's seed (default 1)\n"
    "  --replay SCHEDULE  replay a schedule printed by `duplex explore`\n"
    "  --os               real threads and real time instead (one of\n"
    "                     --seed, --replay and --os)\n"
    "  --svg FILE         also draw the run as an SVG sequence diagram into\n"
    "                     FILE (a lifeline per thread, an arrow per frame,\n"
    "                     what went wrong in red); FILE - means stdout, and\n"
    "                     the text then goes to stderr\n"
    "  --pcap FILE        also write the run's bytes to FILE as packets of\n"
    "                     one TCP connection (127.0.0.1:49152 to :50051;\n"
    "                     the first 64 KiB each way), for `tshark -r FILE\n"
    "                     -d tcp.port==50051,http2` (--wire h2) or\n"
    "                     Wireshark; one call's scenarios\n"
    "  -h, --help         this text\n"
    "\n"
    "exit codes: 0 OK, 1 invariant broken, 2 usage, 3 gRPC error status,\n"
    "4 garbled stream, 5 deadlock. 6 livelock: still going after 10000000\n"
    "steps (simulated). Each scenario's code at seed 1 is in `duplex list`.\n"
    "1 too when the --svg or --pcap FILE cannot be written (an I/O error).\n";

static const enum cli_opt run_opts[] = {
    OPT_MESSAGES, OPT_CAPACITY,   OPT_CLIENTS, OPT_TIMEOUT,   OPT_TRACE,
    OPT_SEED,     OPT_REPLAY,     OPT_OS,      OPT_DECISIONS, OPT_FIX,
    OPT_SVG,      OPT_BAD_CLIENT, OPT_WIRE,    OPT_WINDOW,    OPT_CONN_WINDOW,
    OPT_KIND,     OPT_PCAP,       OPT_END};

enum trace_view { VIEW_TIMELINE = 1, VIEW_HEXDUMP = 2 };

struct run_args {
    const char *name;
    struct scenario_options opts;
    int views;
    const char *replay; /* --replay's schedule, or NULL */
    int seeded;         /* --seed was given */
    const char *svg;    /* --svg's file, "-" for stdout, or NULL */
    FILE *picture;      /* ... opened */
    char title[512];    /* the picture's: the command line without --svg */
    int decisions;      /* --decisions: the timeline's dec column */
    const char *pcap;   /* --pcap's file, or NULL */
    struct pcap *capture; /* ... opened */
    int64_t base_ns;    /* real time when the trace began (--os) */
};

/* The synthetic connection's ports in a --pcap of a run. */
enum { RUN_PCAP_CLIENT_PORT = 49152, RUN_PCAP_SERVER_PORT = 50051 };

/* The exit code of a file that cannot be written: an I/O error. */
enum { RUN_EXIT_IO = 1 };

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

/* Stores one argument. Returns CLI_CONTINUE, or the usage error's code. */
static int run_take(struct cli *c, const struct cli_arg *arg,
                    struct run_args *a)
{
    if (cli_scenario_option(arg, &a->opts))
        return CLI_CONTINUE;
    switch (arg->opt) {
    case OPT_CLIENTS: a->opts.clients = (int)arg->number; break;
    case OPT_TRACE:
        if (!parse_trace_view(arg->text, &a->views))
            return cli_bad_value(c, "run", OPT_TRACE);
        break;
    case OPT_SEED:
        a->opts.seed = (uint64_t)arg->number;
        a->seeded = 1;
        break;
    case OPT_REPLAY: a->replay = arg->text; break;
    case OPT_OS: a->opts.os = 1; break;
    case OPT_SVG: a->svg = arg->text; break;
    case OPT_DECISIONS: a->decisions = 1; break;
    case OPT_PCAP: a->pcap = arg->text; break;
    default: /* OPT_END: no option of run's */
        return cli_scenario_word(c, "run", arg->text, &a->name);
    }
    return CLI_CONTINUE;
}

/* A word a shell reads as it is: no quotes needed in a title. */
static int plain_word(const char *w)
{
    static const char plain[] = "abcdefghijklmnopqrstuvwxyz"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789_.,:=/+-";

    return w[0] != '\0' && strspn(w, plain) == strlen(w);
}

/*
 * The picture's title: "duplex run" and the arguments after it, leaving
 * out --svg and its file; a word with a blank or another character a
 * shell reads in single quotes.
 */
static void make_title(char *out, size_t cap, int argc, char **argv)
{
    size_t n = (size_t)snprintf(out, cap, "duplex run");
    int i = 0;

    for (i = 1; i < argc && n < cap; i++) {
        if (strcmp(argv[i], "--svg") == 0)
            i++; /* and its file */
        else if (strncmp(argv[i], "--svg=", 6) != 0)
            n += (size_t)snprintf(out + n, cap - n,
                                  plain_word(argv[i]) ? " %s" : " '%s'",
                                  argv[i]);
    }
}

/*
 * Reads run's arguments into *a. Returns CLI_CONTINUE when they make a
 * run, else the exit code (help or a usage error).
 */
static int parse_run(struct cli *c, int argc, char **argv, struct run_args *a)
{
    struct cli_arg arg;
    int code = CLI_CONTINUE;
    int i = 0;

    memset(a, 0, sizeof *a);
    a->views = VIEW_TIMELINE;
    for (i = 1; i < argc && code == CLI_CONTINUE; i++) {
        code = cli_next_arg(c, &cli_run_command, argc, argv, &i, &arg);
        if (code == CLI_CONTINUE)
            code = run_take(c, &arg, a);
    }
    if (code != CLI_CONTINUE)
        return code;
    if (a->name == NULL)
        return cli_usage_error(c, "run",
                               "which scenario? `duplex list` shows "
                               "them; start with `duplex run echo`");
    if (a->opts.os + a->seeded + (a->replay != NULL) > 1)
        return cli_usage_error(c, "run",
                               "--os, --seed and --replay choose how to run: "
                               "give one of them");
    if (a->decisions && a->opts.os)
        return cli_usage_error(c, "run",
                               "--decisions numbers a simulated run's "
                               "decisions: --os has none");
    if (a->decisions && !(a->views & VIEW_TIMELINE))
        return cli_usage_error(c, "run",
                               "--decisions is a column of the timeline: "
                               "use it with --trace timeline or both");
    if (!a->seeded)
        a->opts.seed = 1;
    make_title(a->title, sizeof a->title, argc, argv);
    return CLI_CONTINUE;
}

static const char *paint(const struct cli *c, const char *code)
{
    return c->colour ? code : "";
}

/* The result line's words: "result: OK (exit 0)". */
static void result_words(const struct scenario_result *r, int code, char *out,
                         size_t cap)
{
    int has_why = r->why.text[0] != '\0' && r->status != STATUS_OK;

    if (code == SCENARIO_EXIT_LIVELOCK) /* the call never ended: no status */
        snprintf(out, cap,
                 "result: livelock: stopped after %llu steps "
                 "(exit %d)",
                 (unsigned long long)r->sim.steps, code);
    else
        snprintf(out, cap, "result: %s%s%s%s (exit %d)", status_name(r->status),
                 has_why ? ": " : "", has_why ? r->why.text : "",
                 r->garbled ? " (the stream was garbled)" : "", code);
}

static void print_result(struct cli *c, const struct scenario_result *r,
                         int code)
{
    char words[STATUS_TEXT_MAX + 128];

    result_words(r, code, words, sizeof words);
    fprintf(c->out, "%s%s%s\n",
            paint(c, code == SCENARIO_EXIT_OK ? "\033[1;32m" : "\033[1;31m"),
            words, paint(c, "\033[0m"));
    if (code != SCENARIO_EXIT_LIVELOCK && r->broken[0] != '\0')
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

/*
 * What a replay string may name in this run: its threads by number, and
 * its decisions.
 */
static void print_replay_names(struct cli *c, const struct sched_sim_result *s)
{
    int i = 0;

    fputs("note: this run's threads:", c->out);
    for (i = 0; i < s->nthreads; i++)
        fprintf(c->out, "%s %d %s", i == 0 ? "" : ",", i, s->thread_names[i]);
    if (s->ndecisions == 0)
        fputs("; it made no decision (one thread could run at a time)\n",
              c->out);
    else
        fprintf(c->out,
                "; its decisions: 0 to %zu (--decisions shows them on the "
                "timeline)\n",
                s->ndecisions - 1);
}

/* Where a replayed schedule stopped fitting the run, and why. */
static void print_divergence(struct cli *c, const struct scenario_options *o,
                             const struct sched_sim_result *s)
{
    size_t k = s->diverged_at;
    int forced = k < o->nforced ? o->forced[k] : -1;
    int listed = 0;
    int i = 0;

    print_replay_names(c, s);
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

/* The line under the picture's title: how the run was scheduled, and
 * what the simulator counted. */
static void mode_words(const struct run_args *a,
                       const struct scenario_result *r, char *out, size_t cap)
{
    long long ms = (long long)((r->sim.now_ns - 1000000000) / 1000000);

    if (a->opts.os)
        snprintf(out, cap,
                 "real threads (--os): times in microseconds; "
                 "interleavings vary from run to run");
    else if (a->replay != NULL)
        snprintf(out, cap,
                 "simulated, replaying schedule %s: %llu steps, %lld ms of "
                 "virtual time",
                 a->replay, (unsigned long long)r->sim.steps, ms);
    else
        snprintf(out, cap,
                 "simulated with seed %llu: %llu steps, %lld ms of virtual "
                 "time",
                 (unsigned long long)a->opts.seed,
                 (unsigned long long)r->sim.steps, ms);
}

/*
 * Opens --svg's file, if any, into a->picture. Returns CLI_CONTINUE, or
 * RUN_EXIT_IO after saying why it cannot be written.
 */
static int open_picture(struct cli *c, struct run_args *a)
{
    if (a->svg == NULL)
        return CLI_CONTINUE;
    if (strcmp(a->svg, "-") == 0) {
        a->picture = c->out;
        return CLI_CONTINUE;
    }
    a->picture = fopen(a->svg, "w");
    if (a->picture != NULL)
        return CLI_CONTINUE;
    fprintf(c->err, "duplex run: cannot write the picture to %s: %s\n", a->svg,
            strerror(errno));
    return RUN_EXIT_IO;
}

/*
 * Draws the run into a->picture and closes it (not stdout: cli_main
 * checks that). Returns code, or RUN_EXIT_IO when the picture could not
 * be written.
 */
static int draw_picture(struct cli *c, struct run_args *a,
                        const struct scenario *sc,
                        const struct scenario_result *r, const struct trace *t,
                        int code)
{
    char mode[SCHED_REPORT_MAX];
    char outcome[STATUS_TEXT_MAX + 128];
    int stuck = r->simulated && (r->sim.deadlocked || r->sim.livelocked);
    struct svg_caption cap = {a->title,
                              a->opts.fix ? sc->fix_summary : sc->summary,
                              mode,
                              outcome,
                              code != SCENARIO_EXIT_OK,
                              stuck ? r->sim.report : NULL};
    enum status st = STATUS_OK;
    int failed = 0;

    if (a->picture == NULL)
        return code;
    mode_words(a, r, mode, sizeof mode);
    result_words(r, code, outcome, sizeof outcome);
    st = svg_write(a->picture, t, &cap);
    errno = 0;
    failed = ferror(a->picture);
    if (a->picture != c->out && fclose(a->picture) != 0)
        failed = 1;
    a->picture = NULL;
    if (st != STATUS_OK || failed) {
        fprintf(c->err, "duplex run: cannot write the picture to %s: %s\n",
                a->svg,
                st != STATUS_OK ? "out of memory"
                : errno != 0    ? strerror(errno)
                                : "write error");
        return RUN_EXIT_IO;
    }
    return code;
}

/*
 * Opens --pcap's file, if any, into a->capture. Returns CLI_CONTINUE, or
 * RUN_EXIT_IO after saying why it cannot be written.
 */
static int open_capture(struct cli *c, struct run_args *a)
{
    struct status_detail why;

    if (a->pcap == NULL ||
        pcap_create(a->pcap, &a->capture, &why) == STATUS_OK)
        return CLI_CONTINUE;
    fprintf(c->err, "duplex run: %s\n", why.text);
    return RUN_EXIT_IO;
}

/*
 * Writes the run into a->capture and closes it, and says what it wrote.
 * Returns code, or RUN_EXIT_IO when the capture could not be written.
 */
static int write_capture(struct cli *c, struct run_args *a,
                         const struct trace *t, int code)
{
    struct status_detail why;
    uint64_t kept[2], total[2];

    if (a->capture == NULL)
        return code;
    pcap_write_trace(a->capture, t, a->opts.wire == &h2_wire_type,
                     RUN_PCAP_CLIENT_PORT, RUN_PCAP_SERVER_PORT,
                     a->opts.os ? a->base_ns : 0, kept, total);
    if (pcap_close(a->capture, &why) != STATUS_OK) {
        a->capture = NULL;
        fprintf(c->err, "duplex run: %s: %s\n", a->pcap, why.text);
        return RUN_EXIT_IO;
    }
    a->capture = NULL;
    fprintf(c->out, "\nwrote %s: c2s %llu of %llu bytes, s2c %llu of %llu "
                    "(127.0.0.1:%d -> 127.0.0.1:%d)\n",
            a->pcap, (unsigned long long)kept[0],
            (unsigned long long)total[0], (unsigned long long)kept[1],
            (unsigned long long)total[1], RUN_PCAP_CLIENT_PORT,
            RUN_PCAP_SERVER_PORT);
    return code;
}

/* The run and its text: title, trace, narration, the simulator's account
 * and the result. Returns the run's exit code. */
static int run_and_print(struct cli *c, struct run_args *a,
                         const struct scenario *sc, struct scenario_result *r,
                         struct trace *t)
{
    int code = 0;

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
    if (a->views & VIEW_TIMELINE) {
        struct timeline_options to = {c->colour, a->decisions};

        timeline_print_with(t, c->out, &to);
    }
    if (a->views == (VIEW_TIMELINE | VIEW_HEXDUMP))
        fputc('\n', c->out);
    /* On the h2 wire the pipes carry HTTP/2 frames, the messages inside. */
    if ((a->views & VIEW_HEXDUMP) && a->opts.wire == &h2_wire_type)
        h2_dissect_hexdump(t, c->out, c->colour);
    else if (a->views & VIEW_HEXDUMP)
        hexdump_print(t, c->out, c->colour);
    fprintf(c->out, "\n%s", r->report);
    print_sim(c, &a->opts, r);
    print_result(c, r, code);
    return code;
}

static int run_scenario(struct cli *c, struct run_args *a,
                        const struct scenario *sc, struct scenario_result *r,
                        struct trace *t)
{
    struct status_detail why;
    struct cli text = *c; /* where the text goes */
    int code = 0;

    if (scenario_check(sc, &a->opts, &why) != STATUS_OK)
        return cli_usage_error(c, "run", "%s", why.text);
    if ((code = cli_scenario_windows(c, "run", &a->opts)) != CLI_CONTINUE)
        return code;
    if ((code = cli_scenario_fits(c, "run", sc, &a->opts)) != CLI_CONTINUE)
        return code;
    if ((code = open_picture(c, a)) != CLI_CONTINUE)
        return code;
    if ((code = open_capture(c, a)) != CLI_CONTINUE) {
        if (a->picture != NULL && a->picture != c->out)
            fclose(a->picture);
        return code;
    }
    if (a->picture == c->out) { /* --svg -: stdout is the picture's */
        text.out = c->err;
        text.colour = 0;
    }
    code = run_and_print(&text, a, sc, r, t);
    code = write_capture(&text, a, t, code);
    return draw_picture(c, a, sc, r, t, code);
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

/*
 * Reads --replay's schedule into a->opts: the run is forced to take its
 * choices, and goes in order between them. Returns CLI_CONTINUE and sets
 * *forced (to free), or the usage error's code.
 */
static int run_replay(struct cli *c, struct run_args *a, int8_t **forced)
{
    const char *k = NULL;
    int klen = replay_past_the_end(a->replay, &k);

    if (klen > 0)
        return cli_usage_error(c, "run",
                               "--replay %s: decision %.*s is past the end "
                               "of any simulated run (one decision a step "
                               "at most, and a run stops at %d steps)",
                               a->replay, klen, k, SCHED_SIM_MAX_STEPS);
    if (sched_schedule_parse(a->replay, forced, &a->opts.nforced) != STATUS_OK)
        return cli_usage_error(c, "run",
                               "--replay wants a schedule like 3:1,17:0 "
                               "(as `duplex explore` prints it), not '%s'",
                               a->replay);
    a->opts.forced = *forced;
    a->opts.strategy = SCHED_IN_ORDER;
    return CLI_CONTINUE;
}

static int run_main(struct cli *c, int argc, char **argv)
{
    struct run_args a;
    const struct scenario *sc = NULL;
    struct scenario_result *r = NULL;
    struct trace *t = NULL;
    int8_t *forced = NULL;
    int code = parse_run(c, argc, argv, &a);

    if (code == CLI_CONTINUE)
        code = cli_scenario_find(c, "run", a.name, a.opts.fix, &sc);
    if (code == CLI_CONTINUE && a.replay != NULL)
        code = run_replay(c, &a, &forced);
    if (code != CLI_CONTINUE)
        goto out;
    r = calloc(1, sizeof *r);
    t = a.views || a.svg != NULL || a.pcap != NULL ? trace_create() : NULL;
    a.base_ns = cli_capture_now_ns();
    if (r == NULL || ((a.views || a.svg || a.pcap) && t == NULL)) {
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

const struct cli_command cli_run_command = {"run", usage_run, run_opts,
                                            run_main};

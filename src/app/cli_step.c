/*
 * cli_step: `duplex step SCENARIO`, you are the scheduler.
 *
 * Design
 *   A session is a loop over the decisions of one simulated run (the
 *   engine is step.c): show the run at the decision (step_show.c), read
 *   a line of input, act on it. A line is a thread's number (it runs),
 *   nothing (the seed chooses), u (undo), r (the seed chooses the rest),
 *   q (stop here), ? (the keys); the end of the input is r. Anything else
 *   is answered with what was expected, and the decision is asked again.
 *
 *   After every change the goals (the scenario's challenges, or the one
 *   --challenge names) are checked against what the run has shown so
 *   far, and one reached is said at once, with the decisions it took and
 *   the record of the fewest (step_records.c). With --predict, a step
 *   that will show a receive's outcome, or the end, first asks what it
 *   will be (step_predict.c), then shows it and keeps the score.
 *
 *   At the end: the rest of the timeline, the scenario's narration, the
 *   result (as `duplex run` says it), and the replay string, so a path
 *   found by hand can be run again, shared and explored. The exit code
 *   is the run's, as `duplex run` would give it (0 after q). With --svg
 *   FILE, the picture of that run too (step_picture.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli_command.h"
#include "app/cli_scenario.h"
#include "app/step.h"
#include "app/step_predict.h"
#include "app/step_picture.h"
#include "app/step_records.h"
#include "app/step_show.h"
#include "core/wire.h"
#include "view/colour.h"
#include "view/timeline.h"

static const char usage_step[] =
    "usage: duplex step SCENARIO [options]\n"
    "\n"
    "You are the scheduler. Runs SCENARIO simulated, one decision at a\n"
    "time: at each point where two or more threads could run, it shows the\n"
    "timeline so far (column dec: the decisions made before each event),\n"
    "every thread and what it is about to do, and asks who runs next.\n"
    "\n"
    "keys (each followed by Enter):\n"
    "  N        thread N runs (the numbers are in the list)\n"
    "  Enter    the seed chooses (all Enter: the run of `duplex run --seed`)\n"
    "  u        undo the last decision\n"
    "  r        the seed chooses the rest (so does the end of the input)\n"
    "  q        stop here\n"
    "  ?        these keys\n"
    "At the end it prints the outcome and the replay string: `duplex run\n"
    "SCENARIO --replay STRING` runs the same path again.\n"
    "\n"
    "options:\n"
    "  --messages N       messages to send (1..10000; default: per scenario)\n"
    "  --capacity BYTES   bytes each pipe holds (1..1073741824; suffix k, m "
    "or\n"
    "                     g allowed; default: per scenario, else 65536)\n"
    "  --timeout MS       the call's deadline in milliseconds of virtual time\n"
    "                     (1..3600000; default: none)\n"
    "  --fix              the corrected variant, where there is one\n"
    "  --bad-client KIND  hub only: client 1 is slow, leave or no-close\n"
    "  --wire raw|h2      the wire under the call (default raw)\n"
    "  --window BYTES     h2: each stream's window (default 65535)\n"
    "  --conn-window BYTES  h2: the connection's window (default and\n"
    "                       least 65535)\n"
    "  --kind KIND        rpc-kinds only: unary (default), server, client\n"
    "                     or bidi\n"
    "  --seed N           the seed that chooses on Enter (default 1)\n"
    "  --predict          before a receive's outcome or the end is shown, ask\n"
    "                     what it will be (1 to 4), then show it; keeps score\n"
    "  --challenge NAME   aim at one of the scenario's challenges (default:\n"
    "                     every one of its variant); `duplex step SCENARIO`\n"
    "                     lists them\n"
    "  --svg FILE         when the session ends (or after q), draw the run\n"
    "                     its replay string replays as an SVG sequence\n"
    "                     diagram into FILE, as `duplex run --svg` does\n"
    "  -h, --help         this text\n"
    "\n"
    "Challenges: goals such as \"make the two senders garble a frame\",\n"
    "checked as the run goes. One reached is said with the decisions it\n"
    "took; the fewest are kept in step.records, next to the recall drill's\n"
    "progress ($DUPLEX_STATE_DIR, else $XDG_STATE_HOME/duplex, else\n"
    "~/.local/state/duplex; with none of the three, none is kept, and the\n"
    "session says so). Options that change the run have records of their own.\n"
    "\n"
    "On a terminal the screen is redrawn at each decision, in colour; to a\n"
    "file or a pipe (or with NO_COLOR), plain lines, one decision after\n"
    "another. exit codes: the run's, as `duplex run` gives them (0 after\n"
    "q); 1 too when the --svg FILE cannot be written; 2 usage.\n";

static const enum cli_opt step_opts[] = {
    OPT_EXPLORE_MESSAGES, OPT_CAPACITY,  OPT_TIMEOUT,    OPT_FIX,  OPT_SEED,
    OPT_PREDICT,          OPT_CHALLENGE, OPT_BAD_CLIENT, OPT_WIRE, OPT_WINDOW,
    OPT_CONN_WINDOW,      OPT_KIND,      OPT_SVG,        OPT_END};

/* Most challenges one scenario variant has. */
#define GOALS_MAX 8

struct step_args {
    const char *name;
    struct scenario_options opts;
    int predict;
    const char *challenge; /* --challenge, or NULL */
    const char *svg;       /* --svg's file, or NULL */
};

/* One session of `duplex step`. */
struct session {
    struct cli *c;
    const struct scenario *sc;
    const struct step_args *a;
    struct step *st;
    struct step_screen screen;
    const struct scenario_challenge *goals[GOALS_MAX];
    long reached[GOALS_MAX]; /* decisions it took on this path, or -1 */
    int ngoals;
    char *records;    /* the records file, or NULL: none kept */
    int asked, right; /* --predict's score */
    int answered;     /* decisions the learner answered */
    int input_over;   /* the input has ended */
    char head[2048];  /* the title and the goals (terminal) */
    char notice[1024];
};

/* ---- the command line --------------------------------------------------- */

static int step_take(struct cli *c, const struct cli_arg *arg,
                     struct step_args *a)
{
    if (cli_scenario_option(arg, &a->opts))
        return CLI_CONTINUE;
    switch (arg->opt) {
    case OPT_SEED: a->opts.seed = (uint64_t)arg->number; break;
    case OPT_PREDICT: a->predict = 1; break;
    case OPT_CHALLENGE: a->challenge = arg->text; break;
    case OPT_SVG:
        if (strcmp(arg->text, "-") == 0)
            return cli_usage_error(c, "step",
                                   "--svg wants a file: the session is on "
                                   "stdout");
        a->svg = arg->text;
        break;
    default: /* OPT_END: no option of step's */
        return cli_scenario_word(c, "step", arg->text, &a->name);
    }
    return CLI_CONTINUE;
}

static int parse_step(struct cli *c, int argc, char **argv, struct step_args *a)
{
    struct cli_arg arg;
    int code = CLI_CONTINUE;
    int i = 0;

    memset(a, 0, sizeof *a);
    a->opts.seed = 1;
    for (i = 1; i < argc && code == CLI_CONTINUE; i++) {
        code = cli_next_arg(c, &cli_step_command, argc, argv, &i, &arg);
        if (code == CLI_CONTINUE)
            code = step_take(c, &arg, a);
    }
    if (code == CLI_CONTINUE && a->name == NULL)
        code = cli_usage_error(c, "step",
                               "which scenario? `duplex list` shows "
                               "them; start with `duplex step echo`");
    return code;
}

/* 1 when a and b name the same --bad-client, or both none. */
static int same_bad_client(const char *a, const char *b)
{
    return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* The goals of the session: --challenge's, or every one of the variant. */
static int pick_goals(struct session *s)
{
    const struct scenario_challenge *g = s->sc->challenges;
    const char *want = s->a->challenge;
    char names[256] = "";

    for (; g != NULL && g->name != NULL; g++) {
        if (g->fix != (s->a->opts.fix != 0) ||
            !same_bad_client(scenario_challenge_bad_client(s->sc, g),
                             s->a->opts.bad_client))
            continue;
        if (names[0] != '\0')
            strncat(names, ", ", sizeof names - strlen(names) - 1);
        strncat(names, g->name, sizeof names - strlen(names) - 1);
        if ((want == NULL || strcmp(want, g->name) == 0) &&
            s->ngoals < GOALS_MAX)
            s->goals[s->ngoals++] = g;
    }
    if (want != NULL && s->ngoals == 0)
        return cli_usage_error(s->c, "step", "%s%s has no challenge '%s'%s%s",
                               s->sc->name, s->a->opts.fix ? " --fix" : "",
                               want, names[0] ? "; its challenges: " : "",
                               names);
    return CLI_CONTINUE;
}

/* ---- records ------------------------------------------------------------ */

/* --kind, or NULL when none or the scenario's first (the same run). */
static const char *kind_named(const struct session *s)
{
    const char *k = s->a->opts.kind;

    if (k != NULL && s->sc->kinds != NULL && strcmp(k, s->sc->kinds[0]) == 0)
        return NULL;
    return k;
}

/* Appends printf-style to the string key (cap bytes), cut short to fit. */
static void key_add(char *key, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void key_add(char *key, size_t cap, const char *fmt, ...)
{
    size_t n = strlen(key); /* less than cap: there is room for the NUL */
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(key + n, cap - n, fmt, ap);
    va_end(ap);
}

/*
 * The records key of goal g in this session (see step_records.h): the
 * options that change the run are in it, --kind and the wire's last, so
 * that a raw run's key is what it always was.
 */
static void record_key(const struct session *s,
                       const struct scenario_challenge *g, char *key,
                       size_t cap)
{
    const struct scenario_options *o = &s->a->opts;

    snprintf(key, cap, "%s%s:%s", s->sc->name, o->fix ? "--fix" : "",
             g->name);
    if (o->bad_client != NULL)
        key_add(key, cap, ":b=%s", o->bad_client);
    if (o->messages > 0)
        key_add(key, cap, ":m=%d", o->messages);
    if (o->capacity > 0)
        key_add(key, cap, ":c=%zu", o->capacity);
    if (o->timeout_ms > 0)
        key_add(key, cap, ":t=%lld", (long long)o->timeout_ms);
    if (kind_named(s) != NULL)
        key_add(key, cap, ":k=%s", kind_named(s));
    if (o->wire == NULL) /* raw is no wire named, and has no windows */
        return;
    key_add(key, cap, ":w=%s", o->wire->name);
    if (o->window > 0)
        key_add(key, cap, ":win=%ld", (long)o->window);
    if (o->conn_window > 0)
        key_add(key, cap, ":cw=%ld", (long)o->conn_window);
}

/* " (best: N decisions)", or "", for goal g, into buf. */
static void record_words(const struct session *s,
                         const struct scenario_challenge *g, char *buf,
                         size_t cap)
{
    char key[STEP_RECORD_KEY_MAX];
    struct status_detail why;
    long best = -1;

    buf[0] = '\0';
    record_key(s, g, key, sizeof key);
    if (s->records != NULL &&
        step_records_get(s->records, key, &best, NULL, 0, &why) == STATUS_OK &&
        best >= 0)
        snprintf(buf, cap, " (best: %ld decision%s)", best,
                 best == 1 ? "" : "s");
}

/* Appends a line to the notice shown at the next decision (or the end). */
static void notice(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void notice(struct session *s, const char *fmt, ...)
{
    size_t n = strlen(s->notice);
    va_list ap;

    if (n > 0 && n + 1 < sizeof s->notice)
        s->notice[n++] = '\n';
    va_start(ap, fmt);
    vsnprintf(s->notice + n, sizeof s->notice - n, fmt, ap);
    va_end(ap);
}

/*
 * The run's replay string whole, however long: a new string, or NULL when
 * out of memory. A decision is at most 12 characters ("9999999:15,").
 */
static char *replay_text(const struct session *s)
{
    size_t cap = step_result(s->st)->sim.ndecisions * 12 + 2;
    char *replay = malloc(cap);

    if (replay != NULL)
        step_replay(s->st, replay, cap);
    return replay;
}

/* Goal g was reached in at decisions: say so, and keep the record. */
static void reached(struct session *s, const struct scenario_challenge *g,
                    long at)
{
    char key[STEP_RECORD_KEY_MAX];
    char *replay = NULL;
    struct status_detail why;
    long before = -1;

    notice(s, "%schallenge %s reached in %ld decision%s%s",
           step_paint(&s->screen, COLOUR_SEND), g->name, at, at == 1 ? "" : "s",
           step_paint(&s->screen, COLOUR_OFF));
    if (s->records == NULL)
        return;
    record_key(s, g, key, sizeof key);
    replay = replay_text(s);
    if (replay == NULL)
        notice(s, "(the record could not be kept: out of memory)");
    else if (step_records_put(s->records, key, at, replay, &before, &why) !=
             STATUS_OK)
        notice(s, "(the record could not be kept: %s)", why.text);
    else if (before < 0)
        notice(s, "a new record for %s", g->name);
    else if (at < before)
        notice(s, "a new record for %s (it was %ld)", g->name, before);
    else
        notice(s, "your record for %s: %ld decision%s", g->name, before,
               before == 1 ? "" : "s");
    free(replay);
}

/* Checks every goal against what the run has shown so far. */
static void check_goals(struct session *s)
{
    int i = 0;

    for (i = 0; i < s->ngoals; i++) {
        long at = step_reached_at(s->st, s->goals[i]);

        if (at >= 0 && s->reached[i] < 0)
            reached(s, s->goals[i], at);
        s->reached[i] = at;
    }
}

/* ---- input -------------------------------------------------------------- */

/*
 * Reads one line of input into line (without its end or trailing blanks).
 * Plain, the line is echoed after the prompt, so a transcript reads as
 * the session did. Returns 0 at the end of the input.
 */
static int read_line(struct session *s, char *line, size_t cap)
{
    size_t n = 0;
    int ch = 0;

    fflush(s->c->out);
    if (s->input_over || fgets(line, (int)cap, s->c->in) == NULL) {
        s->input_over = 1;
        if (!s->screen.tty)
            fputs("(end of input)\n", s->c->out);
        return 0;
    }
    n = strlen(line);
    if (n > 0 && line[n - 1] != '\n') /* a line too long: drop its rest */
        while ((ch = fgetc(s->c->in)) != EOF && ch != '\n')
            ;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
                     line[n - 1] == ' ' || line[n - 1] == '\t'))
        line[--n] = '\0';
    if (!s->screen.tty)
        fprintf(s->c->out, "%s\n", line);
    return 1;
}

/* Parses line as a whole number from 0 to 999: 1 and *out, or 0. */
static int parse_choice(const char *line, int *out)
{
    int v = 0;
    size_t i = 0;

    for (i = 0; line[i] >= '0' && line[i] <= '9' && i < 3; i++)
        v = v * 10 + (line[i] - '0');
    if (i == 0 || line[i] != '\0')
        return 0;
    *out = v;
    return 1;
}

/*
 * Asks q and keeps the score. An answer that is not 1..N is asked again;
 * the end of the input leaves it unanswered (and unscored).
 */
static void ask(struct session *s, const struct step_question *q)
{
    char line[64];
    int pick = 0;
    int i = 0;

    fprintf(s->c->out, "%spredict:%s %s\n",
            step_paint(&s->screen, COLOUR_CLOSE),
            step_paint(&s->screen, COLOUR_OFF), q->ask);
    for (i = 0; i < q->nchoices; i++)
        fprintf(s->c->out, "  %d) %s\n", i + 1, q->choices[i]);
    for (;;) {
        fprintf(s->c->out, "your answer (1-%d)> ", q->nchoices);
        if (!read_line(s, line, sizeof line))
            return;
        if (parse_choice(line, &pick) && pick >= 1 && pick <= q->nchoices)
            break;
        fprintf(s->c->out,
                "'%s' is not an answer: type a number from 1 to "
                "%d, then Enter\n",
                line, q->nchoices);
    }
    s->asked++;
    s->right += pick - 1 == q->answer;
    notice(s, "%s%s%s: %s (%d of %d right)",
           step_paint(&s->screen,
                      pick - 1 == q->answer ? COLOUR_SEND : COLOUR_ERR),
           pick - 1 == q->answer ? "right" : "not this time",
           step_paint(&s->screen, COLOUR_OFF), q->happened, s->right, s->asked);
    if (pick - 1 != q->answer)
        notice(s, "  (it was %d: %s)", q->answer + 1, q->choices[q->answer]);
}

/* ---- the session -------------------------------------------------------- */

static const char keys_line[] =
    "Keys: a thread's number runs it, Enter lets the seed choose, u undoes, "
    "r runs the rest, q stops, ? shows the keys";

/* The title, the seed and the goals: printed once, or atop every screen. */
static void make_head(struct session *s)
{
    size_t n = 0;
    int i = 0;

    n += (size_t)snprintf(s->head, sizeof s->head,
                          "%sduplex step %s%s%s: %s\nseed %llu chooses on "
                          "Enter. %s",
                          step_paint(&s->screen, "\033[1m"), s->sc->name,
                          s->a->opts.fix ? " --fix" : "",
                          step_paint(&s->screen, COLOUR_OFF),
                          s->a->opts.fix ? s->sc->fix_summary : s->sc->summary,
                          (unsigned long long)s->a->opts.seed, keys_line);
    if (s->ngoals == 0 && n < sizeof s->head)
        snprintf(s->head + n, sizeof s->head - n,
                 "\nno challenge for this variant (`duplex step %s` has "
                 "some)",
                 s->sc->name);
    for (i = 0; i < s->ngoals && n < sizeof s->head; i++) {
        char best[64];

        record_words(s, s->goals[i], best, sizeof best);
        n += (size_t)snprintf(s->head + n, sizeof s->head - n,
                              "\nchallenge %s: %s%s", s->goals[i]->name,
                              s->goals[i]->goal, best);
    }
}

/* Thread t runs at the decision; with --predict, asked about first. */
static enum status take_step(struct session *s, int t)
{
    struct step_view *before = malloc(sizeof *before);
    const struct step_view *after = NULL;
    struct step_question q;
    enum status st = STATUS_RESOURCE_EXHAUSTED;

    if (before == NULL)
        return st;
    *before = *step_view(s->st);
    st = step_choose(s->st, t);
    after = step_view(s->st);
    s->answered++;
    if (st == STATUS_OK && s->a->predict &&
        step_question_recv(before, step_trace(s->st), before->nevents,
                           after->nevents, &q))
        ask(s, &q);
    if (st == STATUS_OK && s->a->predict && after->ended && !s->input_over &&
        step_question_end(step_result(s->st), &q))
        ask(s, &q);
    free(before);
    check_goals(s);
    return st;
}

/* A number typed at the decision: run it, or say why not. */
static enum status take_number(struct session *s, int t)
{
    const struct step_view *v = step_view(s->st);

    if (t < v->nthreads && (v->runnable >> t & 1))
        return take_step(s, t);
    if (t >= v->nthreads)
        notice(s, "there is no thread %d: the numbers are in the list", t);
    else
        notice(s, "thread %d (%s) cannot run now: it %s", t, v->threads[t].name,
               v->threads[t].state == STRATEGY_THREAD_DONE
                   ? "has finished"
                   : v->threads[t].doing);
    return STATUS_OK;
}

/* The seed chooses the rest (r, or the end of the input). */
static void take_rest(struct session *s)
{
    struct step_question q;

    if (s->a->predict && !s->input_over &&
        step_question_end(step_result(s->st), &q))
        ask(s, &q);
    step_finish(s->st);
    check_goals(s);
}

/*
 * Reads and does one line at a decision. Returns 1 to go on, 0 when the
 * run is to end (r, end of input), -1 to stop (q), -2 on an error.
 */
static int one_line(struct session *s)
{
    const struct step_view *v = step_view(s->st);
    char line[64];
    int t = 0;
    enum status st = STATUS_OK;

    fprintf(s->c->out, "decision %zu> ", v->k);
    if (!read_line(s, line, sizeof line) || strcmp(line, "r") == 0)
        return 0;
    if (strcmp(line, "q") == 0)
        return -1;
    if (line[0] == '\0') {
        t = v->seed_pick;
        if (!s->screen.tty)
            fprintf(s->c->out, "the seed runs %d (%s)\n", t,
                    v->threads[t].name);
        st = take_step(s, t);
    } else if (strcmp(line, "u") == 0) {
        st = step_undo(s->st);
        if (st == STATUS_FAILED_PRECONDITION)
            notice(s, "nothing to undo: this is the first decision");
        else
            notice(s, "undone: back at decision %zu", step_view(s->st)->k);
        step_screen_undone(&s->screen, step_view(s->st));
        check_goals(s);
        st = st == STATUS_FAILED_PRECONDITION ? STATUS_OK : st;
    } else if (strcmp(line, "?") == 0) {
        notice(s, "%s", keys_line);
    } else if (parse_choice(line, &t)) {
        st = take_number(s, t);
    } else {
        notice(s, "'%s' is not a key here. %s", line, keys_line);
    }
    return st == STATUS_OK ? 1 : -2;
}

/* ---- the end ------------------------------------------------------------ */

/* The result line, in `duplex run`'s words. */
static void print_result(struct session *s, const struct scenario_result *r,
                         int code)
{
    const struct step_screen *sc = &s->screen;

    if (code == SCENARIO_EXIT_LIVELOCK) {
        fprintf(s->c->out,
                "%sresult: livelock: stopped after %llu steps "
                "(exit %d)%s\n",
                step_paint(sc, COLOUR_ERR), (unsigned long long)r->sim.steps,
                code, step_paint(sc, COLOUR_OFF));
        return;
    }
    fprintf(s->c->out, "%sresult: %s",
            step_paint(sc, code ? COLOUR_ERR : COLOUR_SEND),
            status_name(r->status));
    if (r->why.text[0] != '\0' && r->status != STATUS_OK)
        fprintf(s->c->out, ": %s", r->why.text);
    if (r->garbled)
        fputs(" (the stream was garbled)", s->c->out);
    fprintf(s->c->out, " (exit %d)%s\n", code, step_paint(sc, COLOUR_OFF));
    if (r->broken[0] != '\0')
        fprintf(s->c->out,
                "BROKEN: %s -- duplex did not behave as its lesson "
                "says; please report it\n",
                r->broken);
}

/* "duplex run NAME [options] --replay STRING": this run again. */
static void print_replay(struct session *s, const char *lead)
{
    const struct scenario_options *o = &s->a->opts;
    char *replay = replay_text(s);

    if (replay == NULL)
        return;
    fprintf(s->c->out, "%sduplex run %s%s", lead, s->sc->name,
            o->fix ? " --fix" : "");
    if (o->bad_client != NULL)
        fprintf(s->c->out, " --bad-client %s", o->bad_client);
    if (o->messages > 0)
        fprintf(s->c->out, " --messages %d", o->messages);
    if (o->capacity > 0)
        fprintf(s->c->out, " --capacity %zu", o->capacity);
    if (o->timeout_ms > 0)
        fprintf(s->c->out, " --timeout %lld", (long long)o->timeout_ms);
    if (o->kind != NULL)
        fprintf(s->c->out, " --kind %s", o->kind);
    if (o->wire != NULL) /* raw is no wire named */
        fprintf(s->c->out, " --wire %s", o->wire->name);
    if (o->window > 0)
        fprintf(s->c->out, " --window %ld", (long)o->window);
    if (o->conn_window > 0)
        fprintf(s->c->out, " --conn-window %ld", (long)o->conn_window);
    fprintf(s->c->out, " --replay %s\n", replay);
    free(replay);
}

/* The goals at the end: each reached (in how many decisions), or not. */
static void print_goals(struct session *s)
{
    int i = 0;

    for (i = 0; i < s->ngoals; i++) {
        char best[64];

        record_words(s, s->goals[i], best, sizeof best);
        if (s->reached[i] >= 0)
            fprintf(s->c->out, "challenge %s: reached in %ld decisions%s\n",
                    s->goals[i]->name, s->reached[i], best);
        else
            fprintf(s->c->out, "challenge %s: not reached%s\n",
                    s->goals[i]->name, best);
    }
}

/* The run's end: what it did, its outcome and its replay string. */
static int finish(struct session *s)
{
    const struct scenario_result *r = step_result(s->st);
    const struct step_view *v = step_view(s->st);
    int code = (int)scenario_exit_code(r);

    step_show_end(&s->screen, s->st, s->head, s->notice);
    s->notice[0] = '\0';
    fprintf(s->c->out,
            "\nthe run ended after %zu decisions (you answered %d; the "
            "seed made the rest)\n%s",
            v->k, s->answered, r->report);
    if (r->sim.deadlocked || r->sim.livelocked)
        fprintf(s->c->out, "%s\n", r->sim.report);
    fprintf(s->c->out, "simulated: %llu steps, %lld ms of virtual time\n",
            (unsigned long long)r->sim.steps,
            (long long)((r->sim.now_ns - 1000000000) / 1000000));
    print_result(s, r, code);
    print_replay(s, "replay: ");
    if (s->asked > 0)
        fprintf(s->c->out, "predictions: %d of %d right\n", s->right, s->asked);
    print_goals(s);
    return code;
}

/* q: where the session stopped, and how to run that path again. */
static int stop(struct session *s)
{
    fprintf(s->c->out,
            "stopped at decision %zu. Your %zu choices, then the seed's:\n",
            step_view(s->st)->k, step_path_length(s->st));
    print_replay(s, "  ");
    return 0;
}

/* The loop: one decision after another, until the run ends or q. */
static int session_loop(struct session *s)
{
    int go = 1;

    if (!s->screen.tty) {
        struct timeline_options o = {0, 1};

        fprintf(s->c->out, "%s\n\n", s->head);
        timeline_print_header(step_trace(s->st), s->c->out, &o);
    }
    check_goals(s);
    while (go == 1 && !step_view(s->st)->ended && !s->input_over) {
        step_show_decision(&s->screen, s->st, s->head, s->notice);
        s->notice[0] = '\0';
        go = one_line(s);
    }
    if (go == -2) {
        fprintf(s->c->err, "duplex step: out of memory, or the run did "
                           "not repeat itself (please report it)\n");
        return 1;
    }
    if (go == -1)
        return stop(s);
    if (!step_view(s->st)->ended)
        take_rest(s);
    return finish(s);
}

static int step_session(struct cli *c, const struct step_args *a,
                        const struct scenario *sc, struct step_picture *pic)
{
    struct session *s = calloc(1, sizeof *s);
    struct status_detail why;
    int code = 1;
    int i = 0;

    if (s == NULL)
        return 1;
    s->c = c;
    s->sc = sc;
    s->a = a;
    step_screen_init(&s->screen, c->out, c->colour);
    for (i = 0; i < GOALS_MAX; i++)
        s->reached[i] = -1;
    code = pick_goals(s);
    /* No place for the records: none is kept, and the first screen says so. */
    if (code == CLI_CONTINUE &&
        step_records_path(&s->records, &why) != STATUS_OK && s->ngoals > 0)
        notice(s, "no record is kept: %s", why.text);
    if (code == CLI_CONTINUE &&
        step_create(sc, &a->opts, &s->st) != STATUS_OK) {
        fprintf(c->err, "duplex step: out of memory\n");
        code = 1;
    }
    if (code == CLI_CONTINUE) {
        make_head(s);
        code = session_loop(s);
        code = step_picture_draw(c, pic,
                                 a->opts.fix ? sc->fix_summary : sc->summary,
                                 s->st, s->answered, code);
    }
    step_destroy(s->st);
    free(s->records);
    free(s);
    return code;
}

static int step_main(struct cli *c, int argc, char **argv)
{
    struct step_args a;
    const struct scenario *sc = NULL;
    struct status_detail why;
    struct step_picture pic;
    int code = parse_step(c, argc, argv, &a);

    if (code == CLI_CONTINUE)
        code = cli_scenario_find(c, "step", a.name, a.opts.fix, &sc);
    if (code == CLI_CONTINUE && scenario_check(sc, &a.opts, &why) != STATUS_OK)
        code = cli_usage_error(c, "step", "%s", why.text);
    if (code == CLI_CONTINUE)
        code = cli_scenario_windows(c, "step", &a.opts);
    if (code == CLI_CONTINUE)
        code = cli_scenario_fits(c, "step", sc, &a.opts);
    if (code == CLI_CONTINUE) {
        pic.path = a.svg;
        code = step_picture_open(c, &pic, argc, argv) != 0
                   ? 1
                   : step_session(c, &a, sc, &pic);
        if (pic.out != NULL) /* the session ended before its picture */
            fclose(pic.out);
    }
    return code;
}

const struct cli_command cli_step_command = {"step", usage_step, step_opts,
                                             step_main};

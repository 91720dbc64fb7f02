/*
 * test_step: `duplex step`, you are the scheduler: the engine that takes a
 * run one decision at a time by running it again (app/step.c), the
 * scenarios' challenges, the questions of --predict, the records file,
 * and the command itself, in-process (cli_main with a script of keys as
 * its input; tests/step.sh drives the real binary).
 *
 * The engine is checked against the simulator it replays: letting the
 * seed choose every time is `duplex run --seed N`, an undo gives back the
 * decision exactly as it was, and the replay string of any path found by
 * hand runs that path again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/cli.h"
#include "h2/h2_wire.h"
#include "app/step.h"
#include "app/step_predict.h"
#include "app/step_records.h"
#include "core/strategy.h"
#include "core/trace.h"
#include "scenarios/scenario.h"
#include "support.h"
#include "view/timeline.h"

/* ---- helpers ------------------------------------------------------------ */

/* The timeline of t, as `duplex run` prints it (plain), in sink s. */
static const char *timeline_of(const struct trace *t, struct sink *s)
{
    timeline_print(t, sink_open(s), 0);
    return sink_text(s);
}

/*
 * 1 when sc runs on --wire h2 only (shared-window, whose lesson is the
 * HTTP/2 connection's window): the tests that run every scenario run it
 * there.
 */
static int h2_only(const struct scenario *sc)
{
    struct scenario_options o;
    struct status_detail why;

    memset(&o, 0, sizeof o);
    if (scenario_check(sc, &o, &why) == STATUS_OK)
        return 0;
    o.wire = &h2_wire_type;
    return scenario_check(sc, &o, &why) == STATUS_OK;
}

/* Runs sc with o into a new trace and *r (the test frees both). */
static struct trace *run_traced(const struct scenario *sc,
                                struct scenario_options o,
                                struct scenario_result *r)
{
    struct trace *t = trace_create();

    assert_non_null(t);
    o.trace = t;
    if (o.wire == NULL && h2_only(sc))
        o.wire = &h2_wire_type;
    scenario_run(sc, &o, r);
    return t;
}

static struct step *new_step(const char *name, int fix, uint64_t seed,
                             int messages)
{
    struct scenario_options o;
    struct step *st = NULL;

    memset(&o, 0, sizeof o);
    o.fix = fix;
    o.seed = seed;
    o.messages = messages;
    if (h2_only(scenario_find(name)))
        o.wire = &h2_wire_type;
    assert_int_equal(step_create(scenario_find(name), &o, &st), STATUS_OK);
    return st;
}

/* The highest-numbered thread that can run at the view. */
static int highest(const struct step_view *v)
{
    int i = 0;

    for (i = SCHED_SIM_MAX_THREADS - 1; i > 0; i--)
        if (v->runnable >> i & 1)
            return i;
    return 0;
}

/* What a view shows, as text: the decision, the events, every thread. */
static void view_text(const struct step_view *v, char *buf, size_t cap)
{
    size_t n =
        (size_t)snprintf(buf, cap, "k %zu step %llu events %zu seed %d:", v->k,
                         (unsigned long long)v->step, v->nevents, v->seed_pick);
    int i = 0;

    for (i = 0; i < v->nthreads && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, " [%s %d %s]",
                              v->threads[i].name, v->threads[i].state,
                              v->threads[i].doing);
}

/* ---- the engine --------------------------------------------------------- */

/*
 * Letting the seed choose at every decision is `duplex run --seed N`: the
 * same decisions, the same timeline, the same narration, for every
 * scenario and a few seeds.
 */
static void test_step_seed_all_the_way_is_run_with_the_seed(void **state)
{
    struct scenario_result *r = calloc(1, sizeof *r);
    struct sink a, b;
    size_t i = 0;
    uint64_t seed = 0;

    (void)state;
    assert_non_null(r);
    for (i = 0; i < scenario_count(); i++)
        for (seed = 1; seed <= 3; seed++) {
            const struct scenario *sc = scenario_at(i);
            struct step *st = new_step(sc->name, 0, seed, 0);
            struct scenario_options o;
            struct trace *t = NULL;

            while (!step_view(st)->ended)
                assert_int_equal(step_choose(st, step_view(st)->seed_pick),
                                 STATUS_OK);
            memset(&o, 0, sizeof o);
            o.seed = seed;
            t = run_traced(sc, o, r);
            assert_int_equal(step_result(st)->sim.ndecisions,
                             r->sim.ndecisions);
            assert_int_equal(step_view(st)->k, r->sim.ndecisions);
            assert_string_equal(timeline_of(step_trace(st), &a),
                                timeline_of(t, &b));
            assert_string_equal(step_result(st)->report, r->report);
            assert_int_equal(scenario_exit_code(step_result(st)),
                             scenario_exit_code(r));
            sink_free(&a);
            sink_free(&b);
            trace_destroy(t);
            scenario_result_free(r);
            step_destroy(st);
        }
    free(r);
}

/*
 * The same on the h2 wire, for the scenarios of issues 13 and 17 (each
 * --kind of rpc-kinds, each --fix): stepping with the seed's choices is
 * `duplex run --wire h2 --seed N`, decision for decision.
 */
static void test_step_new_scenarios_on_h2_are_run_with_the_seed(void **state)
{
    static const struct {
        const char *name, *kind;
        int fix;
    } rows[] = {
        {"one-thread-client", NULL, 0}, {"one-thread-client", NULL, 1},
        {"sender-fails-first", NULL, 0}, {"sender-fails-first", NULL, 1},
        {"both-hot", NULL, 1},           {"rpc-kinds", "unary", 0},
        {"rpc-kinds", "server", 0},      {"rpc-kinds", "client", 0},
        {"rpc-kinds", "bidi", 0},        {"eof-order", NULL, 0},
        {"eof-order", NULL, 1},          {"context-leak", NULL, 0},
        {"context-leak", NULL, 1},       {"pause-resume", NULL, 0},
        {"reconcile", NULL, 0},          {"collaborate", NULL, 0},
    };
    struct scenario_result *r = calloc(1, sizeof *r);
    struct sink a, b;
    size_t i = 0;
    uint64_t seed = 0;

    (void)state;
    assert_non_null(r);
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
        for (seed = 1; seed <= 2; seed++) {
            const struct scenario *sc = scenario_find(rows[i].name);
            struct scenario_options o;
            struct step *st = NULL;
            struct trace *t = NULL;

            memset(&o, 0, sizeof o);
            o.wire = &h2_wire_type;
            o.kind = rows[i].kind;
            o.fix = rows[i].fix;
            o.seed = seed;
            assert_int_equal(step_create(sc, &o, &st), STATUS_OK);
            while (!step_view(st)->ended)
                assert_int_equal(step_choose(st, step_view(st)->seed_pick),
                                 STATUS_OK);
            t = run_traced(sc, o, r);
            assert_int_equal(step_result(st)->sim.ndecisions,
                             r->sim.ndecisions);
            assert_string_equal(timeline_of(step_trace(st), &a),
                                timeline_of(t, &b));
            assert_string_equal(step_result(st)->report, r->report);
            assert_int_equal(scenario_exit_code(step_result(st)),
                             scenario_exit_code(r));
            sink_free(&a);
            sink_free(&b);
            trace_destroy(t);
            scenario_result_free(r);
            step_destroy(st);
        }
    free(r);
}

/* An undo gives back the decision before, exactly as it was shown. */
static void test_step_undo_is_exact(void **state)
{
    static char before[16384], after[16384];
    struct step *st = new_step("concurrent-senders", 0, 1, 2);
    struct sink a, b;
    int i = 0;

    (void)state;
    for (i = 0; i < 12; i++)
        assert_int_equal(step_choose(st, highest(step_view(st))), STATUS_OK);
    view_text(step_view(st), before, sizeof before);
    timeline_of(step_trace(st), &a);
    assert_int_equal(step_choose(st, highest(step_view(st))), STATUS_OK);
    assert_int_equal(step_choose(st, step_view(st)->seed_pick), STATUS_OK);
    assert_int_equal(step_undo(st), STATUS_OK);
    assert_int_equal(step_undo(st), STATUS_OK);
    view_text(step_view(st), after, sizeof after);
    assert_string_equal(before, after);
    assert_string_equal(a.text, timeline_of(step_trace(st), &b));
    assert_int_equal(step_path_length(st), 12);
    sink_free(&a);
    sink_free(&b);
    while (step_path_length(st) > 0)
        assert_int_equal(step_undo(st), STATUS_OK);
    assert_int_equal(step_undo(st), STATUS_FAILED_PRECONDITION);
    assert_int_equal(step_view(st)->k, 0);
    step_destroy(st);
}

/*
 * The replay string of a path chosen by hand (here: always the
 * highest-numbered thread) runs the same path with `duplex run --replay`:
 * the same decisions, timeline and outcome.
 */
static void test_step_replay_string_runs_the_path_again(void **state)
{
    static const char *const names[] = {"echo", "concurrent-senders-quota",
                                        "cancel-vs-drain", "hub"};
    struct scenario_result *r = calloc(1, sizeof *r);
    char replay[8192];
    struct sink a, b;
    size_t i = 0;

    (void)state;
    assert_non_null(r);
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct step *st = new_step(names[i], 0, 1, 0);
        struct scenario_options o;
        struct trace *t = NULL;
        int8_t *forced = NULL;

        while (!step_view(st)->ended)
            assert_int_equal(step_choose(st, highest(step_view(st))),
                             STATUS_OK);
        step_replay(st, replay, sizeof replay);
        memset(&o, 0, sizeof o);
        assert_int_equal(sched_schedule_parse(replay, &forced, &o.nforced),
                         STATUS_OK);
        o.forced = forced;
        o.strategy = SCHED_IN_ORDER;
        t = run_traced(scenario_find(names[i]), o, r);
        assert_int_equal(r->sim.diverged, 0);
        assert_string_equal(timeline_of(step_trace(st), &a),
                            timeline_of(t, &b));
        assert_int_equal(scenario_exit_code(step_result(st)),
                         scenario_exit_code(r));
        sink_free(&a);
        sink_free(&b);
        free(forced);
        trace_destroy(t);
        scenario_result_free(r);
        step_destroy(st);
    }
    free(r);
}

/*
 * A thread that cannot run is refused and changes nothing; after the
 * seed ran the rest, the view is the end and the path is the whole run.
 */
static void test_step_refuses_a_thread_that_cannot_run(void **state)
{
    static char before[16384], after[16384];
    struct step *st = new_step("echo", 0, 1, 0);
    const struct step_view *v = step_view(st);
    int i = 0;

    (void)state;
    view_text(v, before, sizeof before);
    for (i = 0; i < SCHED_SIM_MAX_THREADS; i++)
        if (!(v->runnable >> i & 1))
            assert_int_equal(step_choose(st, i), STATUS_INVALID_ARGUMENT);
    assert_int_equal(step_choose(st, -1), STATUS_INVALID_ARGUMENT);
    assert_int_equal(step_choose(st, 64), STATUS_INVALID_ARGUMENT);
    view_text(step_view(st), after, sizeof after);
    assert_string_equal(before, after);
    assert_int_equal(step_path_length(st), 0);
    step_finish(st);
    assert_true(step_view(st)->ended);
    assert_int_equal(step_path_length(st), step_result(st)->sim.ndecisions);
    assert_int_equal(step_choose(st, 0), STATUS_INVALID_ARGUMENT);
    step_destroy(st);
}

/* At a decision each thread says what it is about to do. */
static void test_step_view_says_what_threads_do(void **state)
{
    struct step *st = new_step("concurrent-senders", 0, 1, 2);
    int saw_payload = 0;
    int i = 0;

    (void)state;
    /* Always client/send-a when it can: it reaches its frame's payload. */
    while (!step_view(st)->ended && !saw_payload) {
        const struct step_view *v = step_view(st);
        int pick = v->seed_pick;

        for (i = 0; i < v->nthreads; i++) {
            if (!(v->runnable >> i & 1) ||
                strcmp(v->threads[i].name, "client/send-a") != 0)
                continue;
            pick = i;
            saw_payload = strcmp(v->threads[i].doing,
                                 "stream_send \"A:0001 hello\" into c2s: "
                                 "writes the payload (12 B); c2s: 5/64 bytes "
                                 "used") == 0;
        }
        if (!saw_payload)
            assert_int_equal(step_choose(st, pick), STATUS_OK);
    }
    assert_true(saw_payload);
    step_destroy(st);
}

/* ---- challenges ---------------------------------------------------------- */

/* Every scenario has a challenge for its default variant, with words. */
static void test_step_every_scenario_has_a_challenge(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < scenario_count(); i++) {
        const struct scenario *sc = scenario_at(i);
        const struct scenario_challenge *c = sc->challenges;
        int plain = 0;

        assert_non_null(c);
        for (; c->name != NULL; c++) {
            plain += !c->fix;
            assert_true(strlen(c->goal) > 20);
            assert_true(c->fix == 0 || sc->fix_summary != NULL);
            assert_ptr_equal(scenario_challenge_find(sc, c->name, c->fix), c);
            assert_null(strchr(c->name, ' '));
        }
        if (plain == 0)
            fail_msg("%s has no challenge without --fix", sc->name);
    }
}

/* A strategy that prefers the first runnable thread named so. */
struct prefer {
    struct strategy base;
    const char *name;
};

static int prefer_choose(void *self, uint64_t runnable, int current, size_t k)
{
    const struct prefer *p = self;
    struct strategy_thread t;
    int i = 0;

    (void)k;
    for (i = 0; i < strategy_thread_count(); i++) {
        strategy_thread_get(i, &t);
        if ((runnable >> i & 1) &&
            strncmp(t.name, p->name, strlen(p->name)) == 0)
            return i;
    }
    return strategy_in_order(runnable, current);
}

/* Whether c holds for the first n events of t (and r, when not NULL). */
static int holds(const struct scenario_challenge *c, const struct trace *t,
                 size_t n, const struct scenario_result *r)
{
    struct scenario_progress p = {t, n, r};

    return c->reached(&p) != 0;
}

/*
 * Whether run r (its trace t) reaches c; asserts on the way that c is
 * monotone (never true, then false again, as events are added).
 */
static int reaches(const struct scenario_challenge *c, const struct trace *t,
                   const struct scenario_result *r)
{
    int was = 0;
    size_t n = 0;

    for (n = 0; n <= trace_length(t); n++) {
        int now = holds(c, t, n, NULL);

        if (was && !now)
            fail_msg("challenge %s holds for %zu events, not %zu", c->name,
                     n - 1, n);
        was = now;
    }
    return was || holds(c, t, trace_length(t), r);
}

/*
 * Every challenge can be reached, is monotone, and is reached by a path
 * a learner could find: some seed, or always running one thread first.
 */
static void test_step_every_challenge_is_reachable(void **state)
{
    static const char *const prefer[] = {"client/send", "server", "client/recv",
                                         "client/send-b", "client"};
    struct scenario_result *r = calloc(1, sizeof *r);
    size_t i = 0;

    (void)state;
    assert_non_null(r);
    for (i = 0; i < scenario_count(); i++) {
        const struct scenario *sc = scenario_at(i);
        const struct scenario_challenge *c = sc->challenges;

        for (; c->name != NULL; c++) {
            int found = 0;
            int k = 0;

            for (k = 0; k < 305 && !found; k++) {
                struct scenario_options o;
                struct prefer p = {{prefer_choose, NULL}, NULL};
                struct trace *t = NULL;

                memset(&o, 0, sizeof o);
                o.fix = c->fix;
                o.bad_client = scenario_challenge_bad_client(sc, c);
                o.seed = (uint64_t)k + 1;
                if (k >= 300) { /* then a thread first, each in turn */
                    p.base.self = &p;
                    p.name = prefer[k - 300];
                    o.custom = &p.base;
                    o.notes = 1;
                }
                t = run_traced(sc, o, r);
                found = reaches(c, t, r);
                trace_destroy(t);
                scenario_result_free(r);
            }
            if (!found)
                fail_msg("no run reaches %s's challenge %s", sc->name, c->name);
        }
    }
    free(r);
}

/*
 * step_reached_at finds the decision a challenge was reached in: the
 * decisions made before the first event that reached it, and only once
 * the view shows that event.
 */
static void test_step_reached_at_names_the_decision(void **state)
{
    struct step *st = new_step("concurrent-senders", 0, 1, 2);
    const struct scenario_challenge *g = scenario_challenge_find(
        scenario_find("concurrent-senders"), "garble", 0);
    const struct trace *t = NULL;
    size_t n = 0;
    long at = -1;

    (void)state;
    assert_non_null(g);
    assert_int_equal(step_reached_at(st, g), -1);
    step_finish(st);
    at = step_reached_at(st, g);
    t = step_trace(st);
    for (n = 1; n <= trace_length(t) && !holds(g, t, n, NULL); n++)
        ;
    assert_true(n <= trace_length(t));
    assert_int_equal(at, trace_event_at(t, n - 1)->decisions);
    step_destroy(st);

    /* Stepping: not before the view shows it, then from there on. */
    st = new_step("concurrent-senders", 0, 1, 2);
    while ((size_t)at > step_view(st)->k) {
        assert_int_equal(step_reached_at(st, g), -1);
        assert_int_equal(step_choose(st, step_view(st)->seed_pick), STATUS_OK);
    }
    if (!step_view(st)->ended)
        assert_int_equal(step_choose(st, step_view(st)->seed_pick), STATUS_OK);
    assert_int_equal(step_reached_at(st, g), at);
    step_destroy(st);
}

/* ---- predict ------------------------------------------------------------ */

/*
 * The questions' answers are what the run did: over a whole run of echo,
 * every receive outcome the trace shows is one question, answered by its
 * event; the end's by the exit code.
 */
static void test_step_questions_answer_what_happened(void **state)
{
    struct step *st = new_step("echo", 0, 1, 0);
    struct step_question q;
    const struct trace *t = NULL;
    int seen[STEP_CHOICES] = {0, 0, 0, 0};
    size_t from = 0;

    (void)state;
    step_finish(st);
    t = step_trace(st);
    while (from < trace_length(t) &&
           step_question_recv(step_view(st), t, from, trace_length(t), &q)) {
        const struct trace_event *e = NULL;

        for (; from < trace_length(t); from++) { /* the event it was about */
            struct step_question one;

            if (step_question_recv(step_view(st), t, from, from + 1, &one))
                break;
        }
        e = trace_event_at(t, from);
        assert_int_equal(q.nchoices, STEP_CHOICES);
        assert_true(q.answer >= 0 && q.answer < STEP_CHOICES);
        assert_int_equal(q.answer == 0, e->kind == TRACE_RECV);
        assert_int_equal(q.answer == 3, e->kind == TRACE_BLOCK);
        assert_has(q.happened, e->thread);
        seen[q.answer]++;
        from++;
    }
    assert_int_equal(seen[0], 6); /* 3 messages, 3 echoes */
    assert_int_equal(seen[1], 2); /* EOF on c2s, then on s2c */
    assert_int_equal(seen[2], 0);
    assert_true(seen[3] >= 1);
    assert_int_equal(step_question_end(step_result(st), &q), 1);
    assert_int_equal(q.answer, 0); /* OK */
    step_destroy(st);
    st = new_step("forgot-close-send", 0, 1, 0);
    step_finish(st);
    assert_int_equal(step_question_end(step_result(st), &q), 1);
    assert_int_equal(q.answer, 3); /* deadlock */
    step_destroy(st);
}

/* ---- records ------------------------------------------------------------ */

/* A fresh directory for records, and its file's path. */
static char *records_in(char *dir, size_t cap)
{
    static char path[512];

    snprintf(dir, cap, "%s/duplex-step-XXXXXX",
             getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/deeper/%s", dir, STEP_RECORDS_FILE);
    return path;
}

static void remove_dir(const char *dir)
{
    char cmd[600];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static char *file_text(const char *path)
{
    FILE *f = fopen(path, "r");
    static char text[8192];
    size_t n = 0;

    assert_non_null(f);
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/*
 * A record is kept only when it is fewer decisions; every other line of
 * the file, a bad one too, stays byte for byte, and so do its
 * permissions; a missing directory is made.
 */
static void test_step_records_keep_the_fewest(void **state)
{
    char dir[256];
    const char *path = records_in(dir, sizeof dir);
    struct status_detail why;
    char replay[64];
    long before = 0, best = 0;
    struct stat sb;
    FILE *f = NULL;

    (void)state;
    assert_int_equal(step_records_put(path, "echo:a", 10, "3:1", &before, &why),
                     STATUS_OK);
    assert_int_equal(before, -1);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    f = fopen(path, "a");
    assert_non_null(f);
    fputs("a line that is no record\nhub:x 5 -\n# a comment", f);
    fclose(f);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(step_records_put(path, "echo:a", 12, "9:9", &before, &why),
                     STATUS_OK);
    assert_int_equal(before, 10); /* more: not kept */
    assert_int_equal(
        step_records_put(path, "echo:a", 7, "4:0,8:1", &before, &why),
        STATUS_OK);
    assert_int_equal(before, 10);
    assert_int_equal(step_records_put(path, "echo", 1, "", &before, &why),
                     STATUS_OK);
    assert_int_equal(before, -1); /* a prefix of a key is another key */
    assert_string_equal(file_text(path),
                        "# duplex step: the fewest decisions each challenge "
                        "was reached in.\n# KEY DECISIONS REPLAY; written by "
                        "`duplex step`, safe to edit.\necho:a 7 4:0,8:1\na "
                        "line that is no record\nhub:x 5 -\n# a comment\n"
                        "echo 1 -\n");
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0640);
    assert_int_equal(
        step_records_get(path, "echo:a", &best, replay, sizeof replay, &why),
        STATUS_OK);
    assert_int_equal(best, 7);
    assert_string_equal(replay, "4:0,8:1");
    assert_int_equal(step_records_get(path, "chat:a", &best, NULL, 0, &why),
                     STATUS_OK);
    assert_int_equal(best, -1);
    remove_dir(dir);
}

/* A records file that cannot be read is left alone, and says why. */
static void
test_step_records_never_overwrite_what_they_cannot_read(void **state)
{
    char dir[256];
    const char *path = records_in(dir, sizeof dir);
    struct status_detail why;
    long before = 0, best = 0;

    (void)state;
    assert_int_equal(step_records_put(path, "echo:a", 3, "-", &before, &why),
                     STATUS_OK);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0700), 0); /* a directory where it was */
    assert_int_equal(step_records_put(path, "echo:a", 1, "-", &before, &why),
                     STATUS_UNAVAILABLE);
    assert_has(why.text, STEP_RECORDS_FILE);
    assert_int_equal(step_records_get(path, "echo:a", &best, NULL, 0, &why),
                     STATUS_UNAVAILABLE);
    assert_int_equal(rmdir(path), 0);
    remove_dir(dir);
}

/* Two sessions saving at once lose no record (the lock, the re-read). */
static void test_step_records_two_writers_lose_nothing(void **state)
{
    char dir[256];
    const char *path = records_in(dir, sizeof dir);
    struct status_detail why;
    long before = 0, best = 0;
    pid_t child = 0;
    int status = 0;
    int i = 0;

    (void)state;
    assert_int_equal(step_records_put(path, "start", 1, "-", &before, &why),
                     STATUS_OK);
    child = fork();
    assert_true(child >= 0);
    for (i = 0; i < 40; i++) {
        char key[32];

        snprintf(key, sizeof key, "%s:%d", child == 0 ? "child" : "parent", i);
        if (step_records_put(path, key, 40 - i, "-", &before, &why) !=
                STATUS_OK &&
            child == 0)
            _exit(1);
    }
    if (child == 0)
        _exit(0);
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    for (i = 0; i < 40; i++) {
        char key[32];

        snprintf(key, sizeof key, "child:%d", i);
        assert_int_equal(step_records_get(path, key, &best, NULL, 0, &why),
                         STATUS_OK);
        assert_int_equal(best, 40 - i);
        snprintf(key, sizeof key, "parent:%d", i);
        assert_int_equal(step_records_get(path, key, &best, NULL, 0, &why),
                         STATUS_OK);
        assert_int_equal(best, 40 - i);
    }
    remove_dir(dir);
}

/* ---- the command -------------------------------------------------------- */

/* What one `duplex step ...` printed, and its exit code. */
struct cli_run {
    int code;
    struct sink out, err;
};

/*
 * Runs `duplex args...` (NULL-terminated) with keys as its input and
 * DUPLEX_STATE_DIR in a fresh directory (dir, removed by the caller).
 */
static void step_cli(struct cli_run *r, const char *keys, char *dir, size_t cap,
                     const char *const *args);

/*
 * Runs `duplex args...` (NULL-terminated) with keys as its input and the
 * environment as it is.
 */
static void step_cli_here(struct cli_run *r, const char *keys,
                          const char *const *args)
{
    char *argv[16];
    int argc = 0;
    FILE *in = tmpfile();

    assert_non_null(in);
    fputs(keys, in);
    rewind(in);
    argv[argc++] = "duplex";
    while (*args != NULL && argc < 15)
        argv[argc++] = (char *)*args++;
    argv[argc] = NULL;
    r->code = cli_main(argc, argv, in, sink_open(&r->out), sink_open(&r->err));
    sink_text(&r->out);
    sink_text(&r->err);
    fclose(in);
    if (strchr(r->out.text, '\033') != NULL)
        fail_msg("an escape sequence in output to a file:\n%s", r->out.text);
}

static void step_cli(struct cli_run *r, const char *keys, char *dir, size_t cap,
                     const char *const *args)
{
    records_in(dir, cap);
    assert_int_equal(setenv("DUPLEX_STATE_DIR", dir, 1), 0);
    step_cli_here(r, keys, args);
}

static void cli_done(struct cli_run *r, const char *dir)
{
    sink_free(&r->out);
    sink_free(&r->err);
    remove_dir(dir);
}

/*
 * A session by keys: numbers, Enter, an undo, a bad key, a thread that
 * cannot run, then the end of the input: the seed runs the rest, and the
 * end says what happened and how to replay it, with the run's exit code.
 */
static void test_step_cli_session_by_keys(void **state)
{
    struct cli_run r;
    char dir[256];

    (void)state;
    step_cli(&r, "1\n\nu\nx\n7\n0\n", dir, sizeof dir,
             (const char *[]){"step", "forgot-close-send", NULL});
    assert_int_equal(r.code, 5);
    assert_int_equal(r.err.len, 0);
    assert_has(r.out.text, "duplex step forgot-close-send: the client never "
                           "half-closes");
    assert_has(r.out.text, "decision 0> 1\ndecision 1 (step ");
    assert_has(r.out.text, "decision 1> \nthe seed runs ");
    assert_has(r.out.text, "decision 2> u\nundone: back at decision 1\n");
    assert_has(r.out.text, "decision 1> x\n'x' is not a key here. Keys: ");
    assert_has(r.out.text, "decision 1> 7\nthere is no thread 7: the "
                           "numbers are in the list\n");
    assert_has(r.out.text, "(end of input)\n");
    assert_has(r.out.text, "\nthe run ended after ");
    assert_has(r.out.text, "deadlock: server waits for data on c2s");
    assert_has(r.out.text, "result: DEADLOCK: no thread could ever run again "
                           "(exit 5)\nreplay: duplex run forgot-close-send "
                           "--replay ");
    assert_has(r.out.text, "challenge deadlock: reached in ");
    cli_done(&r, dir);
}

/* q stops at the decision and says how to run that path again. */
static void test_step_cli_q_stops_with_the_path(void **state)
{
    struct cli_run r;
    char dir[256];

    (void)state;
    step_cli(&r, "1\nq\n", dir, sizeof dir,
             (const char *[]){"step", "echo", "--messages", "1", NULL});
    assert_int_equal(r.code, 0);
    assert_has(r.out.text, "decision 1> q\nstopped at decision 1. Your 1 "
                           "choices, then the seed's:\n  duplex run echo "
                           "--messages 1 --replay ");
    cli_done(&r, dir);
}

/*
 * --predict asks before the step shows a receive's outcome or the end,
 * answers what happened, and keeps the score: here every answer is 4
 * ("it waits") and the end's is 1 (OK), so some are right and some not.
 */
static void test_step_cli_predict_keeps_score(void **state)
{
    struct cli_run r;
    char dir[256];
    char keys[4096] = "";
    int i = 0;

    (void)state;
    for (i = 0; i < 200; i++)
        strcat(keys, "\n4\n");
    step_cli(&r, keys, dir, sizeof dir,
             (const char *[]){"step", "echo", "--predict", NULL});
    assert_int_equal(r.code, 0);
    assert_has(r.out.text, "predict: server is in stream_recv from c2s");
    assert_has(r.out.text, "  4) it waits: there is nothing to read yet\n"
                           "your answer (1-4)> 4\n");
    assert_has(r.out.text, "right: server: BLOCK c2s pipe empty");
    assert_has(r.out.text, "not this time: ");
    assert_has(r.out.text, "  (it was 1: it gets a message)");
    assert_has(r.out.text, "your answer (1-4)> \n'' is not an answer: type "
                           "a number from 1 to 4, then Enter\n");
    assert_has(r.out.text, "predict: the run ends with this step. How does "
                           "the call end?");
    assert_has(r.out.text, "\npredictions: ");
    cli_done(&r, dir);
}

/*
 * A challenge reached is said at once, with the decisions it took, and
 * the fewest are kept: a second session says the record.
 */
static void test_step_cli_challenge_is_recorded(void **state)
{
    struct cli_run r;
    char dir[256];
    char path[512];
    struct status_detail why;
    long best = -1;

    (void)state;
    step_cli(&r, "r\n", dir, sizeof dir,
             (const char *[]){"step", "cancel-vs-drain", "--challenge", "lose",
                              NULL});
    assert_int_equal(r.code, 3);
    assert_has(r.out.text, "challenge lose: make cancel-vs-drain lose a "
                           "message");
    assert_null(strstr(r.out.text, "challenge ahead"));
    assert_has(r.out.text, "challenge lose reached in ");
    assert_has(r.out.text, "a new record for lose\n");
    snprintf(path, sizeof path, "%s/%s", dir, STEP_RECORDS_FILE);
    assert_int_equal(
        step_records_get(path, "cancel-vs-drain:lose", &best, NULL, 0, &why),
        STATUS_OK);
    assert_true(best > 0);
    cli_done(&r, dir);
}

/* Writes text as the records file of dir (made by step_cli's records_in). */
static const char *put_records(const char *dir, const char *text)
{
    static char path[512];
    FILE *f = NULL;

    snprintf(path, sizeof path, "%s/%s", dir, STEP_RECORDS_FILE);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    return path;
}

/*
 * A record in the file (one a learner may have written by hand: the file
 * is safe to edit) is shown with its challenge; a run that beats it says
 * so and keeps the new one, a run that does not says the record and leaves
 * the file byte for byte.
 */
static void test_step_cli_a_record_is_beaten_or_kept(void **state)
{
    struct cli_run r;
    char dir[256];
    const char *path = NULL;
    const char *const args[] = {"step", "cancel-vs-drain", "--challenge",
                                "lose", NULL};
    const char one[] = "# mine\ncancel-vs-drain:lose 1 -\n";

    (void)state;
    records_in(dir, sizeof dir);
    assert_int_equal(setenv("DUPLEX_STATE_DIR", dir, 1), 0);
    path = put_records(dir, "cancel-vs-drain:lose 999 -\n");
    step_cli_here(&r, "r\n", args);
    assert_int_equal(r.code, 3);
    assert_has(r.out.text, "in as few decisions as you can (best: 999 "
                           "decisions)\n");
    assert_has(r.out.text, "a new record for lose (it was 999)\n");
    assert_null(strstr(file_text(path), " 999 "));
    assert_has(file_text(path), "cancel-vs-drain:lose ");
    sink_free(&r.out);
    sink_free(&r.err);
    put_records(dir, one);
    step_cli_here(&r, "r\n", args);
    assert_int_equal(r.code, 3);
    assert_has(r.out.text, "in as few decisions as you can (best: 1 "
                           "decision)\n");
    assert_has(r.out.text, "your record for lose: 1 decision\n");
    assert_has(r.out.text, "decisions (best: 1 decision)\n");
    assert_string_equal(file_text(path), one);
    cli_done(&r, dir);
}

/* Sets name to value (NULL: unsets it). */
static void set_env(const char *name, const char *value)
{
    if (value != NULL)
        assert_int_equal(setenv(name, value, 1), 0);
    else
        assert_int_equal(unsetenv(name), 0);
}

/*
 * With no HOME, XDG_STATE_HOME or DUPLEX_STATE_DIR there is no place for
 * the records: the session says so once, at its first decision, and goes
 * on. A variant with no challenge has no record to keep, and says nothing
 * of it.
 */
static void test_step_cli_says_when_no_record_can_be_kept(void **state)
{
    struct cli_run r;
    char *home = getenv("HOME") != NULL ? strdup(getenv("HOME")) : NULL;
    char *xdg = getenv("XDG_STATE_HOME") != NULL
                    ? strdup(getenv("XDG_STATE_HOME"))
                    : NULL;
    const char said[] = "no record is kept: no place for the records file: "
                        "set HOME, XDG_STATE_HOME or DUPLEX_STATE_DIR\n";
    const char *first = NULL;

    (void)state;
    set_env("HOME", NULL);
    set_env("XDG_STATE_HOME", "relative/is/no/place");
    set_env("DUPLEX_STATE_DIR", "");
    step_cli_here(&r, "1\n\n", (const char *[]){"step", "cancel-vs-drain",
                                                 NULL});
    assert_int_equal(r.code, 3);
    assert_int_equal(r.err.len, 0);
    first = strstr(r.out.text, said);
    assert_non_null(first);
    assert_null(strstr(first + 1, said)); /* once */
    assert_true(first < strstr(r.out.text, "decision 0> "));
    assert_has(r.out.text, "challenge lose reached in ");
    assert_null(strstr(r.out.text, "a new record"));
    sink_free(&r.out);
    sink_free(&r.err);
    step_cli_here(&r, "", (const char *[]){"step", "concurrent-senders",
                                           "--fix", NULL});
    assert_int_equal(r.code, 0);
    assert_has(r.out.text, "no challenge for this variant (`duplex step "
                           "concurrent-senders` has some)\n");
    assert_null(strstr(r.out.text, "no record"));
    sink_free(&r.out);
    sink_free(&r.err);
    set_env("HOME", home);
    set_env("XDG_STATE_HOME", xdg);
    free(home);
    free(xdg);
}

/*
 * Keys as a terminal or an editor sends them: blanks and a CR at the end
 * are not part of the key, a line too long is one bad key (its rest is
 * not read as more keys), and undo at the first decision, ?, a number of
 * four digits and a thread that has finished are answered.
 */
static void test_step_cli_keys_as_typed(void **state)
{
    struct cli_run r;
    char dir[256];
    char keys[512];
    char want[200];

    (void)state;
    /* Decision 4: the server waits; decision 24: client/send is done. */
    snprintf(keys, sizeof keys,
             "u\n?\n1234\n%0100d\n 1\n1 \t\r\n\n\n\n1\n%.20s2\nq\n", 7,
             "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n");
    step_cli(&r, keys, dir, sizeof dir,
             (const char *[]){"step", "echo", "--messages", "1", NULL});
    assert_int_equal(r.code, 0);
    assert_has(r.out.text, "decision 0> u\nnothing to undo: this is the "
                           "first decision\n");
    assert_has(r.out.text, "decision 0> ?\nKeys: a thread's number runs it");
    assert_has(r.out.text, "decision 0> 1234\n'1234' is not a key here.");
    snprintf(want, sizeof want, "\n'%063d' is not a key here.", 0);
    assert_has(r.out.text, want);
    assert_has(r.out.text, "decision 0>  1\n' 1' is not a key here.");
    assert_has(r.out.text, "decision 0> 1\ndecision 1 (step ");
    assert_has(r.out.text, "decision 4> 1\nthread 1 (server) cannot run "
                           "now: it waits for data on c2s");
    assert_has(r.out.text, "decision 24> 2\nthread 2 (client/send) cannot "
                           "run now: it has finished\n");
    assert_has(r.out.text, "> q\nstopped at decision ");
    cli_done(&r, dir);
}

/*
 * --predict: r asks how the call ends before the seed runs the rest; an
 * answer out of 1..4 (0, 5, a word) is asked again. The end of the input
 * in the middle of a question leaves it unanswered and unscored.
 */
static void test_step_cli_predict_asks_at_r_and_at_the_end_of_input(
    void **state)
{
    struct cli_run r;
    char dir[256];

    (void)state;
    step_cli(&r, "r\n0\n5\nok\n1\n", dir, sizeof dir,
             (const char *[]){"step", "echo", "--predict", NULL});
    assert_int_equal(r.code, 0);
    assert_has(r.out.text, "decision 0> r\npredict: the run ends with this "
                           "step. How does the call end?\n");
    assert_has(r.out.text, "your answer (1-4)> 0\n'0' is not an answer: "
                           "type a number from 1 to 4, then Enter\n");
    assert_has(r.out.text, "> 5\n'5' is not an answer");
    assert_has(r.out.text, "> ok\n'ok' is not an answer");
    assert_has(r.out.text, "\npredictions: 1 of 1 right\n");
    cli_done(&r, dir);
    step_cli(&r, "\n\n\n\n\n\n\n\n", dir, sizeof dir,
             (const char *[]){"step", "echo", "--predict", NULL});
    assert_int_equal(r.code, 0);
    assert_has(r.out.text, "your answer (1-4)> (end of input)\n");
    assert_null(strstr(r.out.text, "predictions: "));
    assert_has(r.out.text, "result: OK (exit 0)\n");
    cli_done(&r, dir);
}

/*
 * The options that shape the run are in the record's key and in the
 * replay line: --fix, --bad-client, --kind (not its first), the wire.
 * A challenge the variant does not have, where it has none, is a usage
 * error that lists none.
 */
static void test_step_cli_options_in_the_key_and_the_replay(void **state)
{
    struct cli_run r;
    char dir[256];
    char path[512];
    char best[64];
    long n = -1;
    struct status_detail why;

    (void)state;
    /* The server whenever it can: it sends all before the client reads. */
    step_cli(&r, "1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n"
                 "1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n",
             dir, sizeof dir,
             (const char *[]){"step", "cancel-vs-drain", "--fix", "--timeout",
                              "5000", NULL});
    assert_has(r.out.text, "replay: duplex run cancel-vs-drain --fix "
                           "--timeout 5000 --replay ");
    assert_has(r.out.text, "a new record for ahead\n");
    snprintf(path, sizeof path, "%s/%s", dir, STEP_RECORDS_FILE);
    assert_int_equal(step_records_get(path, "cancel-vs-drain--fix:ahead:t=5000",
                                      &n, best, sizeof best, &why),
                     STATUS_OK);
    assert_true(n > 0);
    cli_done(&r, dir);
    step_cli(&r, "q\n", dir, sizeof dir,
             (const char *[]){"step", "rpc-kinds", "--kind", "server", "--wire",
                              "h2", "--window", "100", "--conn-window",
                              "70000", NULL});
    assert_int_equal(r.code, 0);
    assert_has(r.out.text, "  duplex run rpc-kinds --kind server --wire h2 "
                           "--window 100 --conn-window 70000 --replay ");
    cli_done(&r, dir);
    step_cli(&r, "q\n", dir, sizeof dir,
             (const char *[]){"step", "hub", "--bad-client", "slow", NULL});
    assert_int_equal(r.code, 0);
    assert_has(r.out.text, "  duplex run hub --bad-client slow --replay ");
    cli_done(&r, dir);
    step_cli(&r, "", dir, sizeof dir,
             (const char *[]){"step", "concurrent-senders", "--fix",
                              "--challenge", "garble", NULL});
    assert_int_equal(r.code, 2);
    assert_string_equal(r.err.text,
                        "duplex step: concurrent-senders --fix has no "
                        "challenge 'garble'\nTry 'duplex step --help'.\n");
    cli_done(&r, dir);
}

/*
 * --help and bad command lines: the usage on stdout (exit 0), or one line
 * saying what is wrong and where to look (exit 2), and no session.
 */
static void test_step_cli_help_and_bad_flags(void **state)
{
    static const struct {
        const char *args[4];
        const char *err;
    } bad[] = {
        {{"step", "echo", "--seed", "x"},
         "duplex step: --seed wants a whole number from 0 to "},
        {{"step", "echo", "chat", NULL},
         "duplex step: one scenario at a time ('echo' and 'chat')\n"},
        {{"step", "echo", "--challenge", "nope"},
         "duplex step: echo has no challenge 'nope'; its challenges: "
         "closed-first, recv-waits\n"},
        {{"step", "echo", "--kind", "bidi"},
         "duplex step: --kind is for the rpc-kinds scenario\n"},
        {{"step", "rpc-kinds", "--kind", "sideways"},
         "duplex step: rpc-kinds's --kind is unary, server, client or bidi, "
         "not 'sideways'\n"},
        {{"step", "no-such", NULL}, "duplex step: no scenario 'no-such'"},
    };
    struct cli_run r;
    char dir[256];
    size_t i = 0;

    (void)state;
    step_cli(&r, "", dir, sizeof dir,
             (const char *[]){"step", "--help", NULL});
    assert_int_equal(r.code, 0);
    assert_int_equal(r.err.len, 0);
    assert_has(r.out.text, "usage: duplex step SCENARIO [options]\n");
    assert_has(r.out.text, "with none of the three, none is kept, and the\n"
                           "session says so)");
    cli_done(&r, dir);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *args[6] = {NULL};

        memcpy(args, bad[i].args, sizeof bad[i].args);
        step_cli(&r, "", dir, sizeof dir, args);
        assert_int_equal(r.code, 2);
        assert_int_equal(r.out.len, 0);
        assert_has(r.err.text, bad[i].err);
        assert_has(r.err.text, "Try 'duplex step --help'.\n");
        cli_done(&r, dir);
    }
}

/*
 * A record's replay is the run's whole replay string, however long (here
 * over 4096 characters): the one the session prints, so it runs the path
 * again.
 */
static void test_step_cli_a_record_keeps_a_long_replay_whole(void **state)
{
    struct cli_run r;
    char dir[256];
    char path[512];
    static char kept[65536];
    const char *printed = NULL;
    struct status_detail why;
    long best = -1;
    size_t n = 0;

    (void)state;
    step_cli(&r, "r\n", dir, sizeof dir,
             (const char *[]){"step", "echo", "--messages", "200",
                              "--challenge", "recv-waits", NULL});
    assert_int_equal(r.code, 0);
    assert_has(r.out.text, "a new record for recv-waits\n");
    printed = strstr(r.out.text, "\nreplay: duplex run echo --messages 200 "
                                 "--replay ");
    assert_non_null(printed);
    printed = strstr(printed, "--replay ") + strlen("--replay ");
    n = strcspn(printed, "\n");
    assert_true(n > 4096);
    snprintf(path, sizeof path, "%s/%s", dir, STEP_RECORDS_FILE);
    assert_int_equal(step_records_get(path, "echo:recv-waits:m=200", &best,
                                      kept, sizeof kept, &why),
                     STATUS_OK);
    assert_true(best > 0);
    assert_int_equal(strlen(kept), n);
    assert_memory_equal(kept, printed, n);
    cli_done(&r, dir);
}

static void test_step_cli_usage_errors(void **state)
{
    struct cli_run r;
    char dir[256];

    (void)state;
    step_cli(&r, "", dir, sizeof dir, (const char *[]){"step", NULL});
    assert_int_equal(r.code, 2);
    assert_string_equal(r.err.text, "duplex step: which scenario? `duplex "
                                    "list` shows them; start with `duplex "
                                    "step echo`\nTry 'duplex step --help'.\n");
    cli_done(&r, dir);
    step_cli(&r, "", dir, sizeof dir,
             (const char *[]){"step", "cancel-vs-drain", "--fix", "--challenge",
                              "lose", NULL});
    assert_int_equal(r.code, 2);
    assert_string_equal(r.err.text, "duplex step: cancel-vs-drain --fix has "
                                    "no challenge 'lose'; its challenges: "
                                    "ahead\nTry 'duplex step --help'.\n");
    cli_done(&r, dir);
    step_cli(&r, "", dir, sizeof dir,
             (const char *[]){"step", "echo", "--fix", NULL});
    assert_int_equal(r.code, 2);
    assert_has(r.err.text, "'echo' has no --fix variant");
    cli_done(&r, dir);
    step_cli(&r, "", dir, sizeof dir,
             (const char *[]){"help", "step", NULL});
    assert_int_equal(r.code, 0);
    assert_has(r.out.text, "usage: duplex step SCENARIO [options]\n");
    assert_has(r.out.text, "  --predict          before a receive's outcome");
    cli_done(&r, dir);
    step_cli(&r, "", dir, sizeof dir,
             (const char *[]){"step", "echo", "--replay", "1:1", NULL});
    assert_int_equal(r.code, 2);
    assert_has(r.err.text, "duplex step: unknown option '--replay'");
    cli_done(&r, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_seed_all_the_way_is_run_with_the_seed),
        cmocka_unit_test(test_step_new_scenarios_on_h2_are_run_with_the_seed),
        cmocka_unit_test(test_step_undo_is_exact),
        cmocka_unit_test(test_step_replay_string_runs_the_path_again),
        cmocka_unit_test(test_step_refuses_a_thread_that_cannot_run),
        cmocka_unit_test(test_step_view_says_what_threads_do),
        cmocka_unit_test(test_step_every_scenario_has_a_challenge),
        cmocka_unit_test(test_step_every_challenge_is_reachable),
        cmocka_unit_test(test_step_reached_at_names_the_decision),
        cmocka_unit_test(test_step_questions_answer_what_happened),
        cmocka_unit_test(test_step_records_keep_the_fewest),
        cmocka_unit_test(
            test_step_records_never_overwrite_what_they_cannot_read),
        cmocka_unit_test(test_step_records_two_writers_lose_nothing),
        cmocka_unit_test(test_step_cli_session_by_keys),
        cmocka_unit_test(test_step_cli_q_stops_with_the_path),
        cmocka_unit_test(test_step_cli_predict_keeps_score),
        cmocka_unit_test(test_step_cli_challenge_is_recorded),
        cmocka_unit_test(test_step_cli_usage_errors),
        cmocka_unit_test(test_step_cli_a_record_is_beaten_or_kept),
        cmocka_unit_test(test_step_cli_says_when_no_record_can_be_kept),
        cmocka_unit_test(test_step_cli_keys_as_typed),
        cmocka_unit_test(
            test_step_cli_predict_asks_at_r_and_at_the_end_of_input),
        cmocka_unit_test(test_step_cli_options_in_the_key_and_the_replay),
        cmocka_unit_test(test_step_cli_help_and_bad_flags),
        cmocka_unit_test(test_step_cli_a_record_keeps_a_long_replay_whole),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

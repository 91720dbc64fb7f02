/*
 * test_timeline: a trace drawn as two lanes, client | server.
 *
 * The timeline is printed into memory (a sink from support.h, built on
 * open_memstream) and compared line by line. Times differ from run to run,
 * so event lines are compared from column 8 on, after the time column
 * ("%6lld  "); everything else is compared exactly. Lane tests record from
 * threads named through sched ("client/send", "server"), one at a time:
 * each is joined before the next starts, so the order of events is known
 * without any sleep.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sched.h"
#include "core/trace.h"
#include "lines.h"
#include "scenarios/scenario.h"
#include "support.h"
#include "view/timeline.h"

/* Where the lane separator '|' sits: time (6) + 2 blanks + lane (35) + 1. */
#define BAR_COLUMN 44

/* ---- helpers ------------------------------------------------------------ */

/*
 * Checks an event line of the timeline: a right-aligned time, two blanks,
 * then exactly want.
 */
static void assert_event_line(const char *text, int n, const char *want)
{
    char line[512];

    if (!line_at(text, n, line, sizeof line))
        fail_msg("no line %d in:\n%s", n, text);
    assert_true(strlen(line) > 8);
    assert_true(isdigit((unsigned char)line[5]));
    assert_int_equal(line[6], ' ');
    assert_int_equal(line[7], ' ');
    assert_string_equal(line + 8, want);
}

static const char *timeline(struct trace *t, struct sink *s, int colour)
{
    timeline_print(t, sink_open(s), colour);
    return sink_text(s);
}

/* The client lane as print_event draws it: padded, then " |". */
static void client_cell(char *out, size_t cap, const char *cell)
{
    snprintf(out, cap, "%-35s |", cell);
}

/* The server lane: an empty client lane, " | ", then the cell. */
static void server_cell(char *out, size_t cap, const char *cell)
{
    snprintf(out, cap, "%35s | %s", "", cell);
}

/* What a worker saw, read by the test after the join. */
struct worker {
    struct trace *t;
    char name[SCHED_NAME_MAX]; /* sched_self_name() on the worker */
};

static enum status client_records(void *arg)
{
    struct worker *w = arg;

    snprintf(w->name, sizeof w->name, "%s", sched_self_name());
    trace_frame(w->t, TRACE_SEND, "c2s", 0, (const uint8_t *)"hello", 5);
    trace_event(w->t, TRACE_CLOSE_SEND, "c2s", 0, 0, STATUS_OK, "CloseSend");
    return STATUS_OK;
}

static enum status server_records(void *arg)
{
    struct worker *w = arg;

    snprintf(w->name, sizeof w->name, "%s", sched_self_name());
    trace_frame(w->t, TRACE_RECV, "c2s", 0, (const uint8_t *)"hello", 5);
    trace_event(w->t, TRACE_EOF, "c2s", 0, 0, STATUS_EOF, "client half-closed");
    trace_event(w->t, TRACE_FINISH, "s2c", 0, 0, STATUS_OK, NULL);
    return STATUS_OK;
}

/* Runs fn on a thread called name and waits for it. */
static void run_as(const char *name, sched_fn fn, struct worker *w)
{
    struct sched_thread th;

    start_thread(&th, name, fn, w);
    assert_int_equal(sched_thread_join(&th), STATUS_OK);
}

static void test_timeline_puts_each_thread_in_its_lane(void **state)
{
    struct trace *t = trace_create();
    struct worker client = {NULL, ""};
    struct worker server = {NULL, ""};
    struct sink s;
    const char *text = NULL;
    char want[256];

    (void)state;
    assert_non_null(t);
    client.t = t;
    server.t = t;
    run_as("client/send", client_records, &client);
    run_as("server", server_records, &server);
    trace_event(t, TRACE_NOTE, NULL, 0, 0, STATUS_OK, "the call is over");
    text = timeline(t, &s, 0);

    assert_int_equal(count_lines(text), 2 + 6);
    assert_true(line_at(text, 0, want, sizeof want));
    assert_string_equal(want, " t(us)  client                              "
                              "| server");
    assert_true(line_at(text, 1, want, sizeof want));
    assert_string_equal(want, "------  ------------------------------------"
                              "+-----------------------------------");

    client_cell(want, sizeof want, "send SEND 0|5 \"hello\"");
    assert_event_line(text, 2, want);
    client_cell(want, sizeof want, "send CLOSE_SEND c2s: CloseSend");
    assert_event_line(text, 3, want);
    server_cell(want, sizeof want, "RECV 0|5 \"hello\"");
    assert_event_line(text, 4, want);
    server_cell(want, sizeof want, "EOF c2s: client half-closed");
    assert_event_line(text, 5, want);
    server_cell(want, sizeof want, "FINISH OK");
    assert_event_line(text, 6, want);
    /* A thread that is neither client nor server spans both lanes. */
    assert_event_line(text, 7, "[main] the call is over");

    assert_true(line_at(text, 2, want, sizeof want));
    assert_int_equal(want[BAR_COLUMN], '|');
    assert_true(line_at(text, 4, want, sizeof want));
    assert_int_equal(want[BAR_COLUMN], '|');
    assert_no_trailing_blanks(text);
    assert_null(strchr(text, '\033'));
    sink_free(&s);
    trace_destroy(t);
}

static enum status client_records_long(void *arg)
{
    struct worker *w = arg;

    trace_event(w->t, TRACE_BLOCK, "c2s", 0, 64, STATUS_OK,
                "pipe full (64/64 bytes), need 17 more");
    return STATUS_OK;
}

static void test_timeline_wraps_the_client_lane(void **state)
{
    struct trace *t = trace_create();
    struct worker client = {NULL, ""};
    struct worker server = {NULL, ""};
    struct sink s;
    const char *text = NULL;
    char want[256];
    char line[512];

    (void)state;
    assert_non_null(t);
    client.t = t;
    server.t = t;
    /* A client thread without a role after '/' shows no role column. */
    run_as("client", client_records_long, &client);
    run_as("server/x", client_records_long, &server);
    text = timeline(t, &s, 0);

    /*
     * "BLOCK c2s: pipe full (64/64 bytes), need 17 more" is 48 columns:
     * the client lane (35) breaks it at the last blank that fits and goes
     * on, indented, on a line of its own. Nothing is cut.
     */
    assert_event_line(text, 2, "BLOCK c2s: pipe full (64/64 bytes), |");
    assert_true(line_at(text, 3, line, sizeof line));
    assert_string_equal(line, "             need 17 more                   |");
    /* The server lane is last on the line: never cut, never wrapped. */
    server_cell(want, sizeof want,
                "x    BLOCK c2s: pipe full (64/64 bytes), need 17 more");
    assert_event_line(text, 4, want);
    assert_no_trailing_blanks(text);
    sink_free(&s);
    trace_destroy(t);
}

/* The words of each kind of event, as a "main" event shows them. */
struct words_row {
    enum trace_kind kind;
    const char *dir;
    uint8_t flag;
    uint32_t length;
    enum status status;
    const char *text; /* NULL: no text */
    const char *words;
    const char *colour; /* the ANSI code it is painted with */
};

static const struct words_row words_rows[] = {
    {TRACE_SEND, "c2s", 0, 5, STATUS_OK, "\"hello\"", "SEND 0|5 \"hello\"",
     "\033[32m"},
    {TRACE_RECV, "s2c", 1, 3, STATUS_OK, "\"abc\"", "RECV 1|3 \"abc\"",
     "\033[36m"},
    {TRACE_CLOSE_SEND, "c2s", 0, 0, STATUS_OK, "CloseSend",
     "CLOSE_SEND c2s: CloseSend", "\033[33m"},
    {TRACE_CLOSE_SEND, "c2s", 0, 0, STATUS_OK, NULL, "CLOSE_SEND c2s",
     "\033[33m"},
    {TRACE_EOF, "c2s", 0, 0, STATUS_EOF, "client half-closed",
     "EOF c2s: client half-closed", "\033[33m"},
    {TRACE_EOF, "c2s", 0, 0, STATUS_EOF, NULL, "EOF c2s", "\033[33m"},
    {TRACE_EOF, "s2c", 0, 0, STATUS_OK, NULL, "EOF s2c, status OK", "\033[33m"},
    {TRACE_EOF, "s2c", 0, 0, STATUS_CANCELLED, "context canceled",
     "EOF s2c, status CANCELLED: context canceled", "\033[31m"},
    {TRACE_FINISH, "s2c", 0, 0, STATUS_OK, NULL, "FINISH OK", "\033[33m"},
    {TRACE_FINISH, "s2c", 0, 0, STATUS_INTERNAL, "boom",
     "FINISH INTERNAL: boom", "\033[31m"},
    {TRACE_CANCEL, NULL, 0, 0, STATUS_CANCELLED, "cancel: c2s dropped 0 B",
     "CANCEL CANCELLED: cancel: c2s dropped 0 B", "\033[31m"},
    {TRACE_ERROR, "c2s", 0, 5, STATUS_DEADLINE_EXCEEDED, NULL,
     "ERROR DEADLINE_EXCEEDED", "\033[31m"},
    {TRACE_BLOCK, "s2c", 0, 0, STATUS_OK, "pipe empty", "BLOCK s2c: pipe empty",
     "\033[2m"},
    {TRACE_BLOCK, NULL, 0, 0, STATUS_OK, "pipe empty", "BLOCK: pipe empty",
     "\033[2m"},
    {TRACE_WAKE, "s2c", 0, 0, STATUS_OK, "data to read",
     "WAKE s2c: data to read", "\033[2m"},
    {TRACE_WAKE, NULL, 0, 0, STATUS_OK, NULL, "WAKE", "\033[2m"},
    {TRACE_NOTE, NULL, 0, 0, STATUS_OK, "a note", "a note", "\033[2m"},
    {TRACE_NOTE, NULL, 0, 0, STATUS_OK, NULL, "NOTE", "\033[2m"},
};

#define NWORDS (sizeof words_rows / sizeof words_rows[0])

static void record_row(struct trace *t, const struct words_row *w)
{
    if (w->text != NULL)
        trace_event(t, w->kind, w->dir, w->flag, w->length, w->status, "%s",
                    w->text);
    else
        trace_event(t, w->kind, w->dir, w->flag, w->length, w->status, NULL);
}

static void test_timeline_words_for_every_kind(void **state)
{
    struct trace *t = trace_create();
    struct sink s;
    const char *text = NULL;
    char want[256];
    size_t i = 0;

    (void)state;
    assert_non_null(t);
    for (i = 0; i < NWORDS; i++)
        record_row(t, &words_rows[i]);
    text = timeline(t, &s, 0);
    assert_int_equal(count_lines(text), 2 + (int)NWORDS);
    for (i = 0; i < NWORDS; i++) {
        snprintf(want, sizeof want, "[main] %s", words_rows[i].words);
        assert_event_line(text, 2 + (int)i, want);
    }
    assert_no_trailing_blanks(text);
    sink_free(&s);
    trace_destroy(t);
}

static void test_timeline_in_colour_paints_each_kind(void **state)
{
    struct trace *t = NULL;
    struct sink s;
    const char *text = NULL;
    char want[256];
    size_t i = 0;

    (void)state;
    for (i = 0; i < NWORDS; i++) {
        t = trace_create();
        assert_non_null(t);
        record_row(t, &words_rows[i]);
        text = timeline(t, &s, 1);
        /* The cell is wrapped in its colour and a reset. */
        snprintf(want, sizeof want, "%s[main] %s\033[0m\n",
                 words_rows[i].colour, words_rows[i].words);
        assert_has(text, want);
        assert_no_trailing_blanks(text);
        sink_free(&s);
        trace_destroy(t);
    }
}

static void test_timeline_without_colour_has_no_escapes(void **state)
{
    struct trace *t = trace_create();
    struct worker client = {NULL, ""};
    struct worker server = {NULL, ""};
    struct sink s;
    const char *text = NULL;
    char want[256];
    size_t i = 0;

    (void)state;
    assert_non_null(t);
    client.t = t;
    server.t = t;
    run_as("client/send", client_records, &client);
    run_as("server", server_records, &server);
    for (i = 0; i < NWORDS; i++)
        record_row(t, &words_rows[i]);
    text = timeline(t, &s, 0);
    assert_null(strchr(text, '\033'));
    sink_free(&s);

    /* The same trace in colour: the client lane is padded after the reset. */
    text = timeline(t, &s, 1);
    snprintf(want, sizeof want, "\033[32m%s\033[0m%*s |\n",
             "send SEND 0|5 \"hello\"", 35 - 21, "");
    assert_has(text, want);
    assert_has(text, " | \033[36mRECV 0|5 \"hello\"\033[0m\n");
    assert_no_trailing_blanks(text);
    sink_free(&s);
    trace_destroy(t);
}

static void test_timeline_says_how_many_events_were_not_kept(void **state)
{
    struct trace *t = trace_create();
    struct sink s;
    const char *text = NULL;
    char line[256];
    uint32_t i = 0;

    (void)state;
    assert_non_null(t);
    for (i = 0; i < TRACE_MAX_EVENTS + 3; i++)
        trace_event(t, TRACE_NOTE, NULL, 0, i, STATUS_OK, NULL);
    text = timeline(t, &s, 0);
    assert_int_equal(count_lines(text), 2 + TRACE_MAX_EVENTS + 1);
    assert_true(line_at(text, 2 + TRACE_MAX_EVENTS, line, sizeof line));
    assert_string_equal(line, "        ... and 3 more events, not kept (a "
                              "timeline keeps the first 8192; --trace none "
                              "skips it)");
    assert_no_trailing_blanks(text);
    sink_free(&s);
    trace_destroy(t);
}

static enum status record_in_sim(void *arg)
{
    struct trace *t = arg;
    struct worker client = {NULL, ""};

    client.t = t;
    run_as("client/send", client_records, &client);
    return STATUS_OK;
}

static void test_timeline_counts_steps_in_sim_mode(void **state)
{
    struct trace *t = trace_create();
    struct sched_sim_options o;
    struct sched_sim_result r;
    enum status body = STATUS_UNKNOWN;
    struct sink s;
    const char *text = NULL;
    char line[256];
    char want[256];

    (void)state;
    assert_non_null(t);
    memset(&o, 0, sizeof o);
    o.strategy = SCHED_IN_ORDER;
    assert_int_equal(sched_sim_run(&o, record_in_sim, t, &body, &r), STATUS_OK);
    assert_int_equal(body, STATUS_OK);
    text = timeline(t, &s, 0);
    assert_true(line_at(text, 0, line, sizeof line));
    assert_string_equal(line, "  step  client                              "
                              "| server");
    /* The time column holds the step itself, not microseconds. */
    snprintf(want, sizeof want, "%6lld  ",
             (long long)trace_event_at(t, 0)->t_ns);
    assert_true(line_at(text, 2, line, sizeof line));
    assert_int_equal(strncmp(line, want, strlen(want)), 0);
    assert_true(trace_event_at(t, 0)->t_ns <= (int64_t)r.steps);
    client_cell(want, sizeof want, "send SEND 0|5 \"hello\"");
    assert_event_line(text, 2, want);
    sched_sim_result_free(&r);
    sink_free(&s);
    trace_destroy(t);
}

static void test_timeline_of_a_null_trace_prints_nothing(void **state)
{
    struct sink s;

    (void)state;
    assert_string_equal(timeline(NULL, &s, 1), "");
    sink_free(&s);
}

/*
 * The decision column is six columns between the time and the lanes, on
 * every line (wrapped ones too): taken out, each line is the plain
 * timeline's. Its numbers are each event's decisions, never falling.
 */
static void test_timeline_decision_column_is_inserted_whole(void **state)
{
    struct timeline_options o = {0, 0};
    struct scenario_options so;
    struct scenario_result *r = calloc(1, sizeof *r);
    struct trace *t = trace_create();
    struct sink plain, with, same;
    const char *a = NULL, *b = NULL;
    char la[512], lb[512];
    unsigned long last = 0;
    int n = 0;

    (void)state;
    assert_non_null(r);
    assert_non_null(t);
    memset(&so, 0, sizeof so);
    so.messages = 2;
    so.seed = 1;
    so.trace = t;
    scenario_run(scenario_find("concurrent-senders"), &so, r);
    timeline_print_with(t, sink_open(&same), &o);
    a = sink_text(&same);
    assert_string_equal(a, timeline(t, &plain, 0)); /* decisions 0: as ever */
    o.decisions = 1;
    timeline_print_with(t, sink_open(&with), &o);
    b = sink_text(&with);
    for (n = 0; line_at(a, n, la, sizeof la); n++) {
        unsigned long dec = 0;

        assert_true(line_at(b, n, lb, sizeof lb));
        assert_true(strlen(lb) == strlen(la) + 6);
        if (n >= 2 && isdigit((unsigned char)lb[5]) &&
            sscanf(lb + 8, "%lu", &dec) == 1) { /* an event's first line */
            assert_true(dec >= last);
            last = dec;
        }
        memmove(lb + 8, lb + 14, strlen(lb + 14) + 1);
        if (n >= 2) /* the titles and the rule differ by more than blanks */
            assert_string_equal(lb, la);
    }
    assert_false(line_at(b, n, lb, sizeof lb));
    assert_true(n > 12);
    assert_true(last > 0 && last <= r->sim.ndecisions);
    sink_free(&plain);
    sink_free(&same);
    sink_free(&with);
    trace_destroy(t);
    scenario_result_free(r);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeline_puts_each_thread_in_its_lane),
        cmocka_unit_test(test_timeline_wraps_the_client_lane),
        cmocka_unit_test(test_timeline_words_for_every_kind),
        cmocka_unit_test(test_timeline_in_colour_paints_each_kind),
        cmocka_unit_test(test_timeline_without_colour_has_no_escapes),
        cmocka_unit_test(test_timeline_says_how_many_events_were_not_kept),
        cmocka_unit_test(test_timeline_counts_steps_in_sim_mode),
        cmocka_unit_test(test_timeline_of_a_null_trace_prints_nothing),
        cmocka_unit_test(test_timeline_decision_column_is_inserted_whole),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_trace: the event log, the bytes kept per pipe, and the two views a
 * learner reads (the two-lane timeline and the frame hexdump).
 *
 * The views are printed into memory (a sink from support.h, built on
 * open_memstream) and compared line by line. Times differ from run to run, so
 * timeline lines are compared from column 8 on, after the time column ("%6lld
 * "); everything else is compared exactly. Lane tests record from threads named
 * through sched
 * ("client/send", "server"), one at a time: each is joined before the next
 * starts, so the order of events is known without any sleep.
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

#include "core/frame.h"
#include "core/sched.h"
#include "support.h"
#include "core/trace.h"

/* Where the lane separator '|' sits: time (6) + 2 blanks + lane (35) + 1. */
#define BAR_COLUMN 44

/* ---- helpers ------------------------------------------------------------ */

/* Copies line n (from 0, without its '\n') of text into out; 0 if none. */
static int line_at(const char *text, int n, char *out, size_t cap)
{
    const char *end = NULL;
    size_t len = 0;

    while (n-- > 0) {
        text = strchr(text, '\n');
        if (text == NULL)
            return 0;
        text++;
    }
    if (*text == '\0')
        return 0;
    end = strchr(text, '\n');
    len = end != NULL ? (size_t)(end - text) : strlen(text);
    assert_true(len < cap);
    memcpy(out, text, len);
    out[len] = '\0';
    return 1;
}

/* Every line ends in something other than a blank, and text ends in '\n'. */
static void assert_no_trailing_blanks(const char *text)
{
    size_t len = strlen(text);
    size_t i = 0;

    assert_true(len > 0);
    assert_int_equal(text[len - 1], '\n');
    for (i = 1; i < len; i++)
        if (text[i] == '\n' && (text[i - 1] == ' ' || text[i - 1] == '\t'))
            fail_msg("trailing blank before offset %zu in:\n%s", i, text);
}

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
    trace_print_timeline(t, sink_open(s), colour);
    return sink_text(s);
}

static const char *hexdump(struct trace *t, struct sink *s, int colour)
{
    trace_print_hexdump(t, sink_open(s), colour);
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

/* ---- create, record, count ---------------------------------------------- */

static void
test_trace_create_starts_empty_and_destroy_accepts_null(void **state)
{
    struct trace *t = trace_create();
    int i = 0;

    (void)state;
    assert_non_null(t);
    assert_int_equal(t->n, 0);
    for (i = 0; i < TRACE_WIRES; i++) {
        assert_string_equal(t->wires[i].name, "");
        assert_int_equal(t->wires[i].len, 0);
        assert_int_equal(t->wires[i].total, 0);
    }
    assert_int_equal(trace_count(t, TRACE_SEND), 0);
    trace_destroy(t);
    trace_destroy(NULL);
}

static void test_trace_event_records_every_field(void **state)
{
    struct trace *t = trace_create();
    const struct trace_event *e = NULL;

    (void)state;
    assert_non_null(t);
    trace_event(t, TRACE_FINISH, "s2c", 1, 42, STATUS_INTERNAL, "boom %d/%s", 7,
                "x");
    assert_int_equal(t->n, 1);
    e = &t->events[0];
    assert_int_equal(e->kind, TRACE_FINISH);
    assert_string_equal(e->dir, "s2c");
    assert_int_equal(e->flag, 1);
    assert_int_equal(e->length, 42);
    assert_int_equal(e->status, STATUS_INTERNAL);
    assert_string_equal(e->text, "boom 7/x");
    assert_string_equal(e->thread, "main");
    assert_true(e->t_ns >= 0);
    trace_destroy(t);
}

static void test_trace_event_accepts_null_dir_and_null_text(void **state)
{
    struct trace *t = trace_create();

    (void)state;
    assert_non_null(t);
    trace_event(t, TRACE_CANCEL, NULL, 0, 0, STATUS_CANCELLED, NULL);
    assert_int_equal(t->n, 1);
    assert_string_equal(t->events[0].dir, "");
    assert_string_equal(t->events[0].text, "");
    assert_int_equal(t->events[0].status, STATUS_CANCELLED);
    trace_destroy(t);
}

static void test_trace_event_cuts_long_text_to_fit(void **state)
{
    struct trace *t = trace_create();
    char longer[2 * TRACE_TEXT_MAX];

    (void)state;
    assert_non_null(t);
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    trace_event(t, TRACE_NOTE, NULL, 0, 0, STATUS_OK, "%s", longer);
    assert_int_equal(strlen(t->events[0].text), TRACE_TEXT_MAX - 1);
    assert_int_equal(t->events[0].text[0], 'a');
    trace_destroy(t);
}

static void test_trace_events_grow_past_the_first_allocation(void **state)
{
    struct trace *t = trace_create();
    uint32_t i = 0;

    (void)state;
    assert_non_null(t);
    /* 256 slots come first; 1000 events need three reallocations. */
    for (i = 0; i < 1000; i++)
        trace_event(t, TRACE_NOTE, NULL, 0, i, STATUS_OK, "note %u",
                    (unsigned)i);
    assert_int_equal(t->n, 1000);
    assert_int_equal(trace_count(t, TRACE_NOTE), 1000);
    for (i = 0; i < 1000; i++) {
        assert_int_equal(t->events[i].length, i);
        if (i > 0)
            assert_true(t->events[i].t_ns >= t->events[i - 1].t_ns);
    }
    assert_string_equal(t->events[999].text, "note 999");
    trace_destroy(t);
}

static void test_trace_frame_records_a_printable_preview(void **state)
{
    static const uint8_t odd[] = {'a', 0x00, '"', 0x7f, 0x1f, 'z', 0xff};
    static const uint8_t twenty[] = "abcdefghijklmnopqrst";
    struct trace *t = trace_create();

    (void)state;
    assert_non_null(t);
    trace_frame(t, TRACE_SEND, "c2s", 0, (const uint8_t *)"hello", 5);
    trace_frame(t, TRACE_RECV, "s2c", 1, odd, sizeof odd);
    trace_frame(t, TRACE_SEND, "c2s", 0, twenty, 20);
    trace_frame(t, TRACE_SEND, "c2s", 0, twenty, 18);
    trace_frame(t, TRACE_RECV, "c2s", 0, NULL, 0);
    assert_int_equal(t->n, 5);

    assert_int_equal(t->events[0].kind, TRACE_SEND);
    assert_string_equal(t->events[0].dir, "c2s");
    assert_int_equal(t->events[0].flag, 0);
    assert_int_equal(t->events[0].length, 5);
    assert_int_equal(t->events[0].status, STATUS_OK);
    assert_string_equal(t->events[0].text, "\"hello\"");

    /* Control bytes, DEL, bytes above 0x7e and '"' itself become '.'. */
    assert_int_equal(t->events[1].kind, TRACE_RECV);
    assert_int_equal(t->events[1].flag, 1);
    assert_int_equal(t->events[1].length, sizeof odd);
    assert_string_equal(t->events[1].text, "\"a....z.\"");

    /* 18 bytes are shown; a longer payload ends with "...". */
    assert_string_equal(t->events[2].text, "\"abcdefghijklmnopqr\"...");
    assert_int_equal(t->events[2].length, 20);
    assert_string_equal(t->events[3].text, "\"abcdefghijklmnopqr\"");

    /* A zero-length message is a message: an empty preview. */
    assert_string_equal(t->events[4].text, "\"\"");
    assert_int_equal(t->events[4].length, 0);
    trace_destroy(t);
}

static void test_trace_count_counts_one_kind(void **state)
{
    struct trace *t = trace_create();

    (void)state;
    assert_non_null(t);
    trace_frame(t, TRACE_SEND, "c2s", 0, (const uint8_t *)"a", 1);
    trace_frame(t, TRACE_SEND, "c2s", 0, (const uint8_t *)"b", 1);
    trace_frame(t, TRACE_RECV, "c2s", 0, (const uint8_t *)"a", 1);
    trace_event(t, TRACE_CLOSE_SEND, "c2s", 0, 0, STATUS_OK, "CloseSend");
    trace_frame(t, TRACE_SEND, "c2s", 0, (const uint8_t *)"c", 1);
    assert_int_equal(trace_count(t, TRACE_SEND), 3);
    assert_int_equal(trace_count(t, TRACE_RECV), 1);
    assert_int_equal(trace_count(t, TRACE_CLOSE_SEND), 1);
    assert_int_equal(trace_count(t, TRACE_EOF), 0);
    trace_destroy(t);
}

static void test_trace_kind_name_names_every_kind(void **state)
{
    static const struct {
        enum trace_kind kind;
        const char *name;
    } kinds[] = {
        {TRACE_SEND, "SEND"},
        {TRACE_RECV, "RECV"},
        {TRACE_CLOSE_SEND, "CLOSE_SEND"},
        {TRACE_EOF, "EOF"},
        {TRACE_FINISH, "FINISH"},
        {TRACE_CANCEL, "CANCEL"},
        {TRACE_BLOCK, "BLOCK"},
        {TRACE_WAKE, "WAKE"},
        {TRACE_ERROR, "ERROR"},
        {TRACE_NOTE, "NOTE"},
    };
    size_t i = 0;

    (void)state;
    assert_int_equal(sizeof kinds / sizeof kinds[0], TRACE_NOTE + 1);
    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        assert_string_equal(trace_kind_name(kinds[i].kind), kinds[i].name);
    /* A value that is not a kind is a caller's bug: named, not a crash. */
    assert_string_equal(trace_kind_name((enum trace_kind)99), "?");
}

static void test_trace_null_trace_records_nothing(void **state)
{
    (void)state;
    /* Each call must simply return: none may touch the NULL trace. */
    trace_event(NULL, TRACE_NOTE, "c2s", 0, 0, STATUS_OK, "x %d", 1);
    trace_event(NULL, TRACE_NOTE, NULL, 0, 0, STATUS_OK, NULL);
    trace_frame(NULL, TRACE_SEND, "c2s", 0, (const uint8_t *)"hello", 5);
    trace_wire(NULL, "c2s", (const uint8_t *)"hello", 5);
}

/* ---- threads and lanes -------------------------------------------------- */

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

static void test_trace_records_the_calling_threads_name(void **state)
{
    struct trace *t = trace_create();
    struct worker client = {NULL, ""};
    struct worker server = {NULL, ""};

    (void)state;
    assert_non_null(t);
    client.t = t;
    server.t = t;
    run_as("client/send", client_records, &client);
    run_as("server", server_records, &server);
    trace_event(t, TRACE_NOTE, NULL, 0, 0, STATUS_OK, "done");

    assert_string_equal(client.name, "client/send");
    assert_string_equal(server.name, "server");
    assert_int_equal(t->n, 6);
    assert_string_equal(t->events[0].thread, "client/send");
    assert_string_equal(t->events[1].thread, "client/send");
    assert_string_equal(t->events[2].thread, "server");
    assert_string_equal(t->events[4].thread, "server");
    assert_string_equal(t->events[5].thread, "main");
    trace_destroy(t);
}

static void test_trace_timeline_puts_each_thread_in_its_lane(void **state)
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

static void test_trace_timeline_wraps_the_client_lane(void **state)
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

static void test_trace_timeline_words_for_every_kind(void **state)
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

static void test_trace_timeline_in_colour_paints_each_kind(void **state)
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

static void test_trace_timeline_without_colour_has_no_escapes(void **state)
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

/* Two threads record at once; each one's events stay in its own order. */
#define RACE_EVENTS 500

static enum status record_many(void *arg)
{
    struct worker *w = arg;
    uint32_t i = 0;

    for (i = 0; i < RACE_EVENTS; i++)
        trace_event(w->t, TRACE_SEND, "c2s", 0, i, STATUS_OK, NULL);
    return STATUS_OK;
}

static void test_trace_records_from_threads_at_once(void **state)
{
    struct trace *t = trace_create();
    struct worker a = {NULL, ""};
    struct worker b = {NULL, ""};
    struct sched_thread ta;
    struct sched_thread tb;
    uint32_t next_a = 0;
    uint32_t next_b = 0;
    size_t i = 0;

    (void)state;
    assert_non_null(t);
    a.t = t;
    b.t = t;
    start_thread(&ta, "client/a", record_many, &a);
    start_thread(&tb, "server", record_many, &b);
    assert_int_equal(sched_thread_join(&ta), STATUS_OK);
    assert_int_equal(sched_thread_join(&tb), STATUS_OK);

    assert_int_equal(trace_count(t, TRACE_SEND), 2 * RACE_EVENTS);
    for (i = 0; i < t->n; i++) {
        const struct trace_event *e = &t->events[i];

        if (strcmp(e->thread, "client/a") == 0)
            assert_int_equal(e->length, next_a++);
        else if (strcmp(e->thread, "server") == 0)
            assert_int_equal(e->length, next_b++);
        else
            fail_msg("event %zu from thread \"%s\"", i, e->thread);
    }
    assert_int_equal(next_a, RACE_EVENTS);
    assert_int_equal(next_b, RACE_EVENTS);
    trace_destroy(t);
}

/* ---- wire bytes --------------------------------------------------------- */

static const struct trace_wire *wire_named(const struct trace *t,
                                           const char *name)
{
    int i = 0;

    for (i = 0; i < TRACE_WIRES; i++)
        if (strcmp(t->wires[i].name, name) == 0)
            return &t->wires[i];
    return NULL;
}

static void test_trace_wire_keeps_bytes_per_pipe_in_order(void **state)
{
    struct trace *t = trace_create();
    const struct trace_wire *c2s = NULL;
    const struct trace_wire *s2c = NULL;

    (void)state;
    assert_non_null(t);
    trace_wire(t, "c2s", (const uint8_t *)"ab", 2);
    trace_wire(t, "s2c", (const uint8_t *)"XY", 2);
    trace_wire(t, "c2s", (const uint8_t *)"cde", 3);
    trace_wire(t, "c2s", (const uint8_t *)"zzz", 0); /* nothing entered */
    trace_wire(t, "s2c", (const uint8_t *)"Z", 1);

    c2s = wire_named(t, "c2s");
    s2c = wire_named(t, "s2c");
    assert_non_null(c2s);
    assert_non_null(s2c);
    assert_ptr_equal(c2s, &t->wires[0]); /* slots fill in order of use */
    assert_ptr_equal(s2c, &t->wires[1]);
    assert_int_equal(c2s->len, 5);
    assert_int_equal(c2s->total, 5);
    assert_memory_equal(c2s->bytes, "abcde", 5);
    assert_int_equal(s2c->len, 3);
    assert_int_equal(s2c->total, 3);
    assert_memory_equal(s2c->bytes, "XYZ", 3);
    assert_string_equal(t->wires[2].name, "");
    trace_destroy(t);
}

static void test_trace_wire_caps_at_max_and_keeps_counting(void **state)
{
    struct trace *t = trace_create();
    uint8_t *big = malloc(TRACE_WIRE_MAX);
    const struct trace_wire *w = NULL;
    size_t i = 0;

    (void)state;
    assert_non_null(t);
    assert_non_null(big);
    for (i = 0; i < TRACE_WIRE_MAX; i++)
        big[i] = (uint8_t)i;
    trace_wire(t, "c2s", big, TRACE_WIRE_MAX - 3);
    trace_wire(t, "c2s", (const uint8_t *)"ABCDEFGHIJ", 10);
    w = wire_named(t, "c2s");
    assert_non_null(w);
    assert_int_equal(w->len, TRACE_WIRE_MAX);
    assert_int_equal(w->total, TRACE_WIRE_MAX + 7);
    assert_memory_equal(w->bytes, big, TRACE_WIRE_MAX - 3);
    assert_memory_equal(w->bytes + TRACE_WIRE_MAX - 3, "ABC", 3);

    /* Full: bytes are counted, not kept. */
    trace_wire(t, "c2s", big, 100);
    assert_int_equal(w->len, TRACE_WIRE_MAX);
    assert_int_equal(w->total, TRACE_WIRE_MAX + 107);
    assert_memory_equal(w->bytes + TRACE_WIRE_MAX - 3, "ABC", 3);
    free(big);
    trace_destroy(t);
}

static void test_trace_wire_holds_up_to_trace_wires_names(void **state)
{
    static const char *const names[] = {"p0", "p1", "p2", "p3"};
    struct trace *t = trace_create();
    int i = 0;

    (void)state;
    assert_non_null(t);
    assert_int_equal(sizeof names / sizeof names[0], TRACE_WIRES);
    for (i = 0; i < TRACE_WIRES; i++)
        trace_wire(t, names[i], (const uint8_t *)names[i], 2);
    /* One name too many: dropped, and nobody else's bytes change. */
    trace_wire(t, "p4", (const uint8_t *)"p4", 2);
    assert_null(wire_named(t, "p4"));
    for (i = 0; i < TRACE_WIRES; i++)
        trace_wire(t, names[i], (const uint8_t *)"!", 1);
    for (i = 0; i < TRACE_WIRES; i++) {
        assert_string_equal(t->wires[i].name, names[i]);
        assert_int_equal(t->wires[i].len, 3);
        assert_int_equal(t->wires[i].total, 3);
        assert_memory_equal(t->wires[i].bytes, names[i], 2);
        assert_int_equal(t->wires[i].bytes[2], '!');
    }
    trace_destroy(t);
}

static void test_trace_wire_long_names_share_one_slot(void **state)
{
    struct trace *t = trace_create();

    (void)state;
    assert_non_null(t);
    /* A name longer than a slot holds is kept cut, and found again. */
    trace_wire(t, "client-to-server", (const uint8_t *)"ab", 2);
    trace_wire(t, "client-to-server", (const uint8_t *)"cd", 2);
    assert_string_equal(t->wires[0].name, "client-");
    assert_int_equal(t->wires[0].len, 4);
    assert_memory_equal(t->wires[0].bytes, "abcd", 4);
    assert_string_equal(t->wires[1].name, "");
    trace_destroy(t);
}

/* ---- hexdump and dissect ------------------------------------------------ */

static const uint8_t two_frames[] = {
    0x00, 0x00, 0x00, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o', /* "hello" */
    0x00, 0x00, 0x00, 0x00, 0x00,                          /* empty */
};

static const uint8_t bad_flag[] = {0x02, 0x00, 0x00, 0x00, 0x01, 'x'};

static void test_trace_hexdump_shows_each_frame(void **state)
{
    static const char want[] =
        "c2s: 15 bytes\n"
        "  offset  fl | length      | payload\n"
        "       0  00 | 00 00 00 05 | 68 65 6c 6c 6f  flag=0 len=5 "
        "\"hello\"\n"
        "      10  00 | 00 00 00 00 |   flag=0 len=0 \"\"\n"
        "      15  end: 2 frames, clean EOF\n"
        "s2c: 6 bytes\n"
        "  offset  fl | length      | payload\n"
        "       0  02 00 00 00 01 78\n"
        "          INTERNAL: grpc: received unexpected payload format 2\n";
    struct trace *t = trace_create();
    struct sink s;

    (void)state;
    assert_non_null(t);
    /* The bytes arrive in pieces, as frame_write sends them. */
    trace_wire(t, "c2s", two_frames, 5);
    trace_wire(t, "s2c", bad_flag, sizeof bad_flag);
    trace_wire(t, "c2s", two_frames + 5, sizeof two_frames - 5);
    assert_string_equal(hexdump(t, &s, 0), want);
    sink_free(&s);
    trace_destroy(t);
}

static void test_trace_hexdump_of_an_empty_trace_prints_nothing(void **state)
{
    struct trace *t = trace_create();
    struct sink s;

    (void)state;
    assert_non_null(t);
    assert_string_equal(hexdump(t, &s, 0), "");
    sink_free(&s);
    trace_destroy(t);
}

static void test_trace_hexdump_says_when_bytes_were_not_kept(void **state)
{
    struct trace *t = trace_create();
    uint8_t *frame = calloc(1, TRACE_WIRE_MAX);
    struct sink s;
    const char *text = NULL;
    char line[256];

    (void)state;
    assert_non_null(t);
    assert_non_null(frame);
    /* One frame that fills the kept bytes exactly, then 5 more bytes. */
    frame_encode_header(frame, 0, TRACE_WIRE_MAX - FRAME_HEADER_LEN);
    trace_wire(t, "c2s", frame, TRACE_WIRE_MAX);
    trace_wire(t, "c2s", two_frames + 10, 5);
    text = hexdump(t, &s, 0);
    assert_true(line_at(text, 0, line, sizeof line));
    assert_string_equal(line, "c2s: 65541 bytes (first 64 KiB shown)");
    assert_true(line_at(text, 2, line, sizeof line));
    assert_string_equal(line, "       0  00 | 00 00 ff fb | 00 00 00 00 00 "
                              "00 00 00 ..  flag=0 len=65531 "
                              "\"..................\"...");
    assert_true(line_at(text, 3, line, sizeof line));
    assert_string_equal(line, "   65536  end: 1 frame, clean EOF");
    sink_free(&s);
    free(frame);
    trace_destroy(t);
}

static void test_trace_hexdump_in_colour_paints_headers_and_errors(void **state)
{
    struct trace *t = trace_create();
    struct sink s;
    const char *text = NULL;

    (void)state;
    assert_non_null(t);
    trace_wire(t, "c2s", two_frames, 10);
    trace_wire(t, "s2c", bad_flag, sizeof bad_flag);
    text = hexdump(t, &s, 1);
    assert_has(text, "       0  \033[33m00 | 00 00 00 05\033[0m | 68 65 6c 6c "
                     "6f  flag=0 len=5 \"hello\"\n");
    assert_has(text, "\033[31m          INTERNAL: grpc: received unexpected "
                     "payload format 2\n\033[0m");
    sink_free(&s);
    trace_destroy(t);
}

/* One row of the dissect table: bytes in, what a receiver ends with. */
struct dissect_row {
    const char *name;
    const uint8_t *bytes;
    size_t len;
    uint32_t max_recv;    /* 0: the default limits */
    const char *encoding; /* with max_recv only */
    enum status want;
    size_t frames;
    const char *last_lines; /* the output after the frame lines */
};

static const uint8_t one_hello[] = {0, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'};
static const uint8_t hello_then_bad[] = {0,   0,   0, 0, 5, 'h', 'e', 'l',
                                         'l', 'o', 2, 0, 0, 0,   0};
static const uint8_t oversize[] = {0x00, 0xff, 0xff, 0xff, 0xff};
static const uint8_t compressed[] = {1, 0, 0, 0, 1, 'x'};
static const uint8_t short_header[] = {0, 0, 0};
static const uint8_t short_payload[] = {0, 0, 0, 0, 5, 'h', 'e'};
static const uint8_t long_bad[] = {9, 0,  0,  0,  13, 5,  6,  7,  8,
                                   9, 10, 11, 12, 13, 14, 15, 16, 17};

static const struct dissect_row dissect_rows[] = {
    {"nothing", NULL, 0, 0, NULL, STATUS_EOF, 0,
     "       0  end: 0 frames, clean EOF\n"},
    {"one frame", one_hello, sizeof one_hello, 0, NULL, STATUS_EOF, 1,
     "      10  end: 1 frame, clean EOF\n"},
    {"two frames", two_frames, sizeof two_frames, 0, NULL, STATUS_EOF, 2,
     "      15  end: 2 frames, clean EOF\n"},
    {"bad flag", bad_flag, sizeof bad_flag, 0, NULL, STATUS_INTERNAL, 0,
     "       0  02 00 00 00 01 78\n"
     "          INTERNAL: grpc: received unexpected payload format 2\n"},
    {"bad flag after a frame", hello_then_bad, sizeof hello_then_bad, 0, NULL,
     STATUS_INTERNAL, 1,
     "      10  02 00 00 00 00\n"
     "          INTERNAL: grpc: received unexpected payload format 2\n"},
    {"oversize", oversize, sizeof oversize, 0, NULL, STATUS_RESOURCE_EXHAUSTED,
     0,
     "       0  00 ff ff ff ff\n"
     "          RESOURCE_EXHAUSTED: grpc: received message larger than max "
     "(4294967295 vs. 4194304)\n"},
    {"above max_recv", one_hello, sizeof one_hello, 4, NULL,
     STATUS_RESOURCE_EXHAUSTED, 0,
     "       0  00 00 00 00 05 68 65 6c 6c 6f\n"
     "          RESOURCE_EXHAUSTED: grpc: received message larger than max "
     "(5 vs. 4)\n"},
    {"exactly max_recv", one_hello, sizeof one_hello, 5, NULL, STATUS_EOF, 1,
     "      10  end: 1 frame, clean EOF\n"},
    {"compressed, no encoding", compressed, sizeof compressed, 0, NULL,
     STATUS_INTERNAL, 0,
     "       0  01 00 00 00 01 78\n"
     "          INTERNAL: grpc: compressed flag set with identity or empty "
     "encoding\n"},
    {"compressed with gzip", compressed, sizeof compressed,
     FRAME_DEFAULT_MAX_RECV, "gzip", STATUS_EOF, 1,
     "       6  end: 1 frame, clean EOF\n"},
    {"truncated header", short_header, sizeof short_header, 0, NULL,
     STATUS_INTERNAL, 0,
     "       0  00 00 00\n"
     "          INTERNAL: unexpected EOF\n"},
    {"truncated payload", short_payload, sizeof short_payload, 0, NULL,
     STATUS_INTERNAL, 0,
     "       0  00 00 00 00 05 68 65\n"
     "          INTERNAL: unexpected EOF\n"},
    {"long bad bytes", long_bad, sizeof long_bad, 0, NULL, STATUS_INTERNAL, 0,
     "       0  09 00 00 00 0d 05 06 07 08 09 0a 0b 0c 0d 0e 0f ..\n"
     "          INTERNAL: grpc: received unexpected payload format 9\n"},
};

#define NDISSECT (sizeof dissect_rows / sizeof dissect_rows[0])

static void test_trace_dissect_byte_vectors(void **state)
{
    static const char header[] = "  offset  fl | length      | payload\n";
    size_t i = 0;

    (void)state;
    for (i = 0; i < NDISSECT; i++) {
        const struct dissect_row *row = &dissect_rows[i];
        struct frame_limits lim = {row->max_recv, row->encoding};
        struct sink s;
        const char *text = NULL;
        const char *tail = NULL;
        size_t frames = 99;
        enum status st = STATUS_OK;

        st = trace_dissect(row->bytes, row->len,
                           row->max_recv != 0 ? &lim : NULL, sink_open(&s), 0,
                           &frames);
        text = sink_text(&s);
        if (st != row->want || frames != row->frames)
            fail_msg("%s: got %s and %zu frames, want %s and %zu", row->name,
                     status_name(st), frames, status_name(row->want),
                     row->frames);
        /* The header, one line per good frame, then the last lines. */
        assert_int_equal(strncmp(text, header, strlen(header)), 0);
        assert_int_equal(count_lines(text),
                         1 + (int)row->frames + count_lines(row->last_lines));
        tail = text + strlen(text) - strlen(row->last_lines);
        if (strcmp(tail, row->last_lines) != 0)
            fail_msg("%s: output ends\n%s\nwant\n%s", row->name, tail,
                     row->last_lines);
        assert_no_trailing_blanks(text);
        sink_free(&s);
    }
}

static void test_trace_dissect_previews_payloads(void **state)
{
    static const uint8_t frames[] = {
        0,   0,   0,   0,   4,   'a', 0x01, '"', 0xfe, /* unprintable bytes */
        0,   0,   0,   0,   20,  'a', 'b',  'c', 'd',  'e', 'f', 'g', 'h',
        'i', 'j', 'k', 'l', 'm', 'n', 'o',  'p', 'q',  'r', 's', 't', /* long */
    };
    struct sink s;
    const char *text = NULL;
    char line[256];
    size_t n = 0;

    (void)state;
    /* out_frames may be NULL; the status still says how it ended. */
    assert_int_equal(
        trace_dissect(frames, sizeof frames, NULL, sink_open(&s), 0, NULL),
        STATUS_EOF);
    text = sink_text(&s);
    assert_true(line_at(text, 1, line, sizeof line));
    assert_string_equal(line, "       0  00 | 00 00 00 04 | 61 01 22 fe  "
                              "flag=0 len=4 \"a...\"");
    assert_true(line_at(text, 2, line, sizeof line));
    assert_string_equal(line, "       9  00 | 00 00 00 14 | 61 62 63 64 65 "
                              "66 67 68 ..  flag=0 len=20 "
                              "\"abcdefghijklmnopqr\"...");
    sink_free(&s);

    assert_int_equal(
        trace_dissect(frames, sizeof frames, NULL, sink_open(&s), 0, &n),
        STATUS_EOF);
    sink_text(&s);
    sink_free(&s);
    assert_int_equal(n, 2);
}

static void test_trace_print_bad_shows_status_and_text(void **state)
{
    struct sink s;

    (void)state;
    trace_print_bad(sink_open(&s), 7, oversize, sizeof oversize,
                    STATUS_RESOURCE_EXHAUSTED, "too big", 0);
    assert_string_equal(sink_text(&s), "       7  00 ff ff ff ff\n"
                                       "          RESOURCE_EXHAUSTED: too "
                                       "big\n");
    sink_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_trace_create_starts_empty_and_destroy_accepts_null),
        cmocka_unit_test(test_trace_event_records_every_field),
        cmocka_unit_test(test_trace_event_accepts_null_dir_and_null_text),
        cmocka_unit_test(test_trace_event_cuts_long_text_to_fit),
        cmocka_unit_test(test_trace_events_grow_past_the_first_allocation),
        cmocka_unit_test(test_trace_frame_records_a_printable_preview),
        cmocka_unit_test(test_trace_count_counts_one_kind),
        cmocka_unit_test(test_trace_kind_name_names_every_kind),
        cmocka_unit_test(test_trace_null_trace_records_nothing),
        cmocka_unit_test(test_trace_records_the_calling_threads_name),
        cmocka_unit_test(test_trace_timeline_puts_each_thread_in_its_lane),
        cmocka_unit_test(test_trace_timeline_wraps_the_client_lane),
        cmocka_unit_test(test_trace_timeline_words_for_every_kind),
        cmocka_unit_test(test_trace_timeline_in_colour_paints_each_kind),
        cmocka_unit_test(test_trace_timeline_without_colour_has_no_escapes),
        cmocka_unit_test(test_trace_records_from_threads_at_once),
        cmocka_unit_test(test_trace_wire_keeps_bytes_per_pipe_in_order),
        cmocka_unit_test(test_trace_wire_caps_at_max_and_keeps_counting),
        cmocka_unit_test(test_trace_wire_holds_up_to_trace_wires_names),
        cmocka_unit_test(test_trace_wire_long_names_share_one_slot),
        cmocka_unit_test(test_trace_hexdump_shows_each_frame),
        cmocka_unit_test(test_trace_hexdump_of_an_empty_trace_prints_nothing),
        cmocka_unit_test(test_trace_hexdump_says_when_bytes_were_not_kept),
        cmocka_unit_test(
            test_trace_hexdump_in_colour_paints_headers_and_errors),
        cmocka_unit_test(test_trace_dissect_byte_vectors),
        cmocka_unit_test(test_trace_dissect_previews_payloads),
        cmocka_unit_test(test_trace_print_bad_shows_status_and_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

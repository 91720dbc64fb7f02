/*
 * test_svg: a trace drawn as an SVG sequence diagram (view/svg.h), with
 * the parts it reads (view/sequence.h) and its text (view/svg_text.h).
 *
 * A picture is written into memory (a sink from support.h) and read back
 * by what it holds: every element a reader looks for is a group whose
 * class says what it is (lifeline, frame, unread, torn, block, end,
 * cancel, deadlock), so a test counts groups and looks inside them.
 * Events are recorded by threads named through sched ("client/send",
 * "server"), one at a time: each is joined before the next starts, so the
 * order of the events is known without any sleep.
 *
 * Whether a picture is well-formed XML is checked twice: by the rules
 * escaping must keep (ASCII only; every '&' an entity, every '<' a tag),
 * and, where xmllint is installed, by xmllint itself. tests/svg.sh
 * validates every scenario's picture and renders one in a browser.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sched.h"
#include "core/trace.h"
#include "support.h"
#include "view/sequence.h"
#include "view/svg.h"
#include "view/svg_text.h"

/* ---- recording a trace -------------------------------------------------- */

/* One event, recorded by a thread called thread. */
struct step {
    const char *thread;
    enum trace_kind kind;
    const char *dir;
    enum status status;
    const char *text; /* SEND, RECV: the payload; else the text, or NULL */
};

struct recorder {
    struct trace *t;
    const struct step *step;
};

static enum status record_step(void *arg)
{
    const struct recorder *r = arg;
    const struct step *s = r->step;

    if (s->kind == TRACE_SEND || s->kind == TRACE_RECV)
        trace_frame(r->t, s->kind, s->dir, 0, (const uint8_t *)s->text,
                    (uint32_t)strlen(s->text));
    else if (s->text != NULL)
        trace_event(r->t, s->kind, s->dir, 0, 0, s->status, "%s", s->text);
    else
        trace_event(r->t, s->kind, s->dir, 0, 0, s->status, NULL);
    return STATUS_OK;
}

/* Records steps in order, each on a thread of its name. */
static void record(struct trace *t, const struct step *steps, size_t n)
{
    struct recorder r = {t, NULL};
    struct sched_thread th;
    size_t i = 0;

    for (i = 0; i < n; i++) {
        r.step = &steps[i];
        start_thread(&th, steps[i].thread, record_step, &r);
        assert_int_equal(sched_thread_join(&th), STATUS_OK);
    }
}

#define NSTEPS(a) (sizeof(a) / sizeof((a)[0]))

/* An echo of one message, with both half-closes. */
static const struct step echo_steps[] = {
    {"client/send", TRACE_SEND, "c2s", STATUS_OK, "hi"},
    {"server", TRACE_RECV, "c2s", STATUS_OK, "hi"},
    {"server", TRACE_SEND, "s2c", STATUS_OK, "echo: hi"},
    {"client/send", TRACE_CLOSE_SEND, "c2s", STATUS_OK, "CloseSend"},
    {"client/recv", TRACE_RECV, "s2c", STATUS_OK, "echo: hi"},
    {"server", TRACE_EOF, "c2s", STATUS_EOF, "client half-closed"},
    {"server", TRACE_FINISH, "s2c", STATUS_OK, NULL},
    {"client/recv", TRACE_EOF, "s2c", STATUS_OK, NULL},
};

/* ---- reading a picture -------------------------------------------------- */

static const struct svg_caption plain_caption = {
    "duplex run echo",     "an echo", "simulated with seed 1",
    "result: OK (exit 0)", 0,         NULL};

/* Writes t's picture into s and returns its text. */
static const char *picture(const struct trace *t, const struct svg_caption *c,
                           struct sink *s)
{
    assert_int_equal(svg_write(sink_open(s), t, c), STATUS_OK);
    return sink_text(s);
}

/* How many times needle occurs in text. */
static int count(const char *text, const char *needle)
{
    int n = 0;

    for (text = strstr(text, needle); text != NULL;
         text = strstr(text + 1, needle))
        n++;
    return n;
}

/*
 * How many groups opened exactly as open ("<g class=\"frame c2s\">") hold
 * needle before their "</g>" (NULL: any).
 */
static int count_groups(const char *text, const char *open, const char *needle)
{
    int n = 0;

    for (text = strstr(text, open); text != NULL;
         text = strstr(text + 1, open)) {
        const char *end = strstr(text, "</g>");
        const char *hit = needle != NULL ? strstr(text, needle) : text;

        assert_non_null(end);
        n += hit != NULL && hit < end;
    }
    return n;
}

/* The x of the lifeline of the thread called name. */
static int lifeline_x(const char *text, const char *name)
{
    char want[64];
    const char *at = NULL;
    const char *tag = NULL;
    int x = -1;

    snprintf(want, sizeof want, ">%s</text>\n</g>", name);
    at = strstr(text, want);
    if (at == NULL)
        fail_msg("no lifeline for %s", name);
    for (tag = at; tag > text && strncmp(tag, "<text x=\"", 9) != 0; tag--)
        ;
    assert_int_equal(sscanf(tag, "<text x=\"%d\"", &x), 1);
    return x;
}

/* The y of the first text that ends in words ("...>words</text>"). */
static int text_y(const char *text, const char *words)
{
    char want[256];
    const char *at = NULL;
    const char *tag = NULL;
    int x = 0;
    int y = -1;

    snprintf(want, sizeof want, "%s</text>", words);
    at = strstr(text, want);
    if (at == NULL)
        fail_msg("no text \"%s\"", words);
    for (tag = at; tag > text && strncmp(tag, "<text x=\"", 9) != 0; tag--)
        ;
    assert_int_equal(sscanf(tag, "<text x=\"%d\" y=\"%d\"", &x, &y), 2);
    return y;
}

/*
 * The rules that make escaped text well-formed: ASCII only, every '&'
 * starts one of the five entities, every '<' starts a tag, a comment or
 * a declaration. One document: "<?xml" first, "</svg>\n" last.
 */
static void assert_well_formed(const char *svg)
{
    static const char *const entities[] = {"&amp;", "&lt;", "&gt;", "&quot;",
                                           "&#39;"};
    const char *p = NULL;
    size_t k = 0;

    assert_int_equal(strncmp(svg, "<?xml ", 6), 0);
    assert_string_equal(svg + strlen(svg) - 7, "</svg>\n");
    assert_int_equal(count(svg, "<svg "), 1);
    for (p = svg; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;

        if (c != '\n' && (c < 0x20 || c >= 0x7f))
            fail_msg("byte 0x%02x at offset %zu", c, (size_t)(p - svg));
        if (c == '&') {
            for (k = 0; k < 5; k++)
                if (strncmp(p, entities[k], strlen(entities[k])) == 0)
                    break;
            if (k == 5)
                fail_msg("a bare '&' at offset %zu", (size_t)(p - svg));
        }
        if (c == '<' && strchr("abcdefghijklmnopqrstuvwxyz/?!", p[1]) == NULL)
            fail_msg("a bare '<' at offset %zu", (size_t)(p - svg));
    }
}

/* xmllint --noout accepts svg; 0 when xmllint is not installed. */
static int xmllint_accepts(const char *svg)
{
    FILE *lint = NULL;

    if (system("command -v xmllint >/dev/null 2>&1") != 0) {
        printf("# xmllint is not installed: well-formedness checked by "
               "the escaping rules only\n");
        return 0;
    }
    lint = popen("xmllint --noout - 2>&1", "w");
    assert_non_null(lint);
    fputs(svg, lint);
    assert_int_equal(pclose(lint), 0);
    return 1;
}

/* ---- tests -------------------------------------------------------------- */

static void test_svg_draws_a_lifeline_per_thread(void **state)
{
    struct trace *t = trace_create();
    struct sink s;
    const char *svg = NULL;
    int band = -1;

    (void)state;
    assert_non_null(t);
    record(t, echo_steps, NSTEPS(echo_steps));
    svg = picture(t, &plain_caption, &s);

    assert_int_equal(count(svg, "<g class=\"lifeline\">"), 3);
    /* Client threads left of the pipes, in the order first seen; the
     * server right of them. */
    assert_non_null(strstr(svg, "class=\"band\""));
    assert_int_equal(sscanf(strstr(svg, "<g class=\"pipes\"><rect x=\""),
                            "<g class=\"pipes\"><rect x=\"%d\"", &band),
                     1);
    assert_true(lifeline_x(svg, "client/send") <
                lifeline_x(svg, "client/recv"));
    assert_true(lifeline_x(svg, "client/recv") < band);
    assert_true(band < lifeline_x(svg, "server"));
    /* The time column: microseconds on real threads. */
    assert_has(svg, ">t(us)</text>");
    /* Nothing failed: no red lifeline, bar or cross outside the legend. */
    assert_int_equal(count(svg, "class=\"head-red\""), 0);
    assert_int_equal(count(svg, "class=\"bar-red\""), 0);
    assert_int_equal(count(svg, "class=\"x\""), 1);
    sink_free(&s);
    trace_destroy(t);
}

static void test_svg_draws_an_arrow_per_frame(void **state)
{
    static const struct step lost[] = {
        {"client/send", TRACE_SEND, "c2s", STATUS_OK, "never read"},
    };
    struct trace *t = trace_create();
    struct sink s;
    const char *svg = NULL;

    (void)state;
    assert_non_null(t);
    record(t, echo_steps, NSTEPS(echo_steps));
    svg = picture(t, &plain_caption, &s);
    /* Each SEND is one frame group: an arrow with a head to its RECV. */
    assert_int_equal(count(svg, "<g class=\"frame"), 2);
    assert_int_equal(count_groups(svg, "<g class=\"frame c2s\">",
                                  "marker-end=\"url(#head-c2s)\""),
                     1);
    assert_int_equal(count_groups(svg, "<g class=\"frame s2c\">",
                                  "marker-end=\"url(#head-s2c)\""),
                     1);
    /* The payload labels the send; the RECV has no label of its own. */
    assert_int_equal(count(svg, ">0|2 &quot;hi&quot;</text>"), 1);
    assert_int_equal(count(svg, ">0|8 &quot;echo: hi&quot;</text>"), 1);
    /* CloseSend and FINISH: a dashed arrow each, to the EOF they caused. */
    assert_int_equal(
        count_groups(svg, "<g class=\"end\">", "marker-end=\"url(#head-end)\""),
        2);
    sink_free(&s);

    /* A frame nobody read ends in its pipe, without a head. */
    record(t, lost, NSTEPS(lost));
    svg = picture(t, &plain_caption, &s);
    assert_int_equal(count(svg, "<g class=\"frame"), 3);
    assert_int_equal(
        count_groups(svg, "<g class=\"frame c2s unread\">", "class=\"hole\""),
        1);
    assert_int_equal(
        count_groups(svg, "<g class=\"frame c2s unread\">", "marker-end"), 0);
    sink_free(&s);
    trace_destroy(t);
}

static const struct step deadlock_steps[] = {
    {"server", TRACE_BLOCK, "c2s", STATUS_OK, "pipe empty"},
    {"client/recv", TRACE_BLOCK, "s2c", STATUS_OK, "pipe empty"},
    {"server", TRACE_WAKE, "c2s", STATUS_DEADLOCK, "DEADLOCK"},
    {"client/recv", TRACE_WAKE, "s2c", STATUS_DEADLOCK, "DEADLOCK"},
};

static const char deadlock_report[] =
    "deadlock: server waits for data on c2s (empty, writer open); "
    "client/recv waits for data on s2c (empty, writer open); client/send "
    "waits for a send-quota wake-up. Nobody can write: did the client "
    "forget stream_close_send?";

static void test_svg_marks_a_deadlock_in_red(void **state)
{
    struct svg_caption c = plain_caption;
    struct trace *t = trace_create();
    struct sink s;
    const char *svg = NULL;

    (void)state;
    assert_non_null(t);
    record(t, deadlock_steps, NSTEPS(deadlock_steps));
    c.failed = 1;
    c.report = deadlock_report;
    svg = picture(t, &c, &s);

    /* Each wait the simulator ended with DEADLOCK is a red bar. */
    assert_int_equal(
        count_groups(svg, "<g class=\"block deadlock\">", "class=\"bar-red\""),
        2);
    /* Each thread the report names: a red name box, and a row with a
     * cross and what it waits for, even client/send, which recorded
     * nothing. */
    assert_int_equal(count(svg, "<g class=\"lifeline\">"), 3);
    assert_int_equal(count(svg, "class=\"head-red\""), 3);
    assert_int_equal(
        count_groups(svg, "<g class=\"deadlock waiter\">", "class=\"x\""), 3);
    assert_has(svg, ">waits for a send-quota wake-up</text>");
    /* The rows come before the wake-ups the deadlock caused. */
    assert_true(text_y(svg, ">waits for data on s2c (empty, writer open)") <
                text_y(svg, ">WAKE c2s: DEADLOCK"));
    assert_int_equal(count(svg, "<g class=\"deadlock\"><line"), 1);
    /* The report itself, in a red box, and the outcome in red. */
    assert_int_equal(count_groups(svg, "<g class=\"report\">",
                                  ">deadlock: server waits for data on c2s"),
                     1);
    assert_has(svg, "class=\"bad\">result: OK (exit 0)</text>");
    sink_free(&s);

    /* Without the report the bars are still red (the trace says
     * DEADLOCK), but nothing names a waiter. */
    c.report = NULL;
    svg = picture(t, &c, &s);
    assert_int_equal(count(svg, "<g class=\"block deadlock\">"), 2);
    assert_int_equal(count(svg, "waiter"), 0);
    assert_int_equal(count(svg, "class=\"head-red\""), 0);
    assert_int_equal(count(svg, "<g class=\"report\">"), 0);
    sink_free(&s);

    /* A livelock's report is shown, and names no waiter. */
    c.report = "livelock: after 10 steps (the budget), server kept running";
    svg = picture(t, &c, &s);
    assert_int_equal(count(svg, "<g class=\"report\">"), 1);
    assert_int_equal(count(svg, "waiter"), 0);
    sink_free(&s);
    trace_destroy(t);
}

static void test_svg_marks_a_torn_frame_in_red(void **state)
{
    static const struct step steps[] = {
        {"client/send-a", TRACE_SEND, "c2s", STATUS_OK, "A:1"},
        {"client/send-b", TRACE_SEND, "c2s", STATUS_OK, "B:1"},
        {"server", TRACE_RECV, "c2s", STATUS_OK, "...A:"},
        {"server", TRACE_FINISH, "s2c", STATUS_INTERNAL, "grpc: failed"},
        {"client/recv", TRACE_EOF, "s2c", STATUS_INTERNAL, "grpc: failed"},
        {"client/recv", TRACE_CANCEL, NULL, STATUS_CANCELLED, "canceled"},
    };
    struct trace *t = trace_create();
    struct sink s;
    const char *svg = NULL;

    (void)state;
    assert_non_null(t);
    record(t, steps, NSTEPS(steps));
    svg = picture(t, &plain_caption, &s);
    /* The RECV read bytes no SEND wrote as one frame: a red arrow out of
     * the pipe, a red label; neither SEND was read. */
    assert_int_equal(count_groups(svg, "<g class=\"torn\">",
                                  "marker-end=\"url(#head-red)\""),
                     1);
    assert_has(svg, "class=\"lab red\"");
    assert_has(svg, ">torn frame: 0|5 &quot;...A:&quot;</text>");
    assert_int_equal(count(svg, "<g class=\"frame c2s unread\">"), 2);
    /* A FINISH with an error: a red dashed arrow to its EOF. */
    assert_int_equal(count_groups(svg, "<g class=\"end\">", "class=\"l-red\""),
                     1);
    /* A cancel: a red rule across the picture. */
    assert_int_equal(count(svg, "<g class=\"cancel\"><line"), 1);
    sink_free(&s);
    trace_destroy(t);
}

static void test_svg_escapes_every_text(void **state)
{
    static const struct step steps[] = {
        {"client/<&>", TRACE_SEND, "c2s", STATUS_OK, "<b>&'x"},
        {"server", TRACE_NOTE, NULL, STATUS_OK,
         "bell \a, byte \xff, a \\ and \"quotes\""},
    };
    struct svg_caption c = {"duplex run 'a&b'",
                            "<script>alert(1)</script>",
                            NULL,
                            "result: \x01",
                            1,
                            "deadlock: client/<&> waits for \x02 data."};
    struct trace *t = trace_create();
    struct sink s;
    const char *svg = NULL;

    (void)state;
    assert_non_null(t);
    record(t, steps, NSTEPS(steps));
    svg = picture(t, &c, &s);
    assert_well_formed(svg);
    assert_null(strstr(svg, "<script"));
    assert_has(svg, ">0|6 &quot;&lt;b&gt;&amp;&#39;x&quot;</text>");
    assert_has(svg, ">client/&lt;&amp;&gt;</text>");
    assert_has(svg, ">bell \\x07, byte \\xff, a \\\\ and &quot;quotes&quot;<");
    assert_has(svg, "<title>duplex run &#39;a&amp;b&#39;</title>");
    assert_has(svg, ">&lt;script&gt;alert(1)&lt;/script&gt;</text>");
    assert_has(svg, ">result: \\x01</text>");
    assert_has(svg, ">waits for \\x02 data</text>");
    xmllint_accepts(svg);
    sink_free(&s);
    trace_destroy(t);
}

/* What svg_text_escape writes, and the width svg_text_width gives it. */
struct escape_row {
    const char *in;
    const char *out;
    int chars; /* what a reader sees */
};

static const struct escape_row escape_rows[] = {
    {"plain text", "plain text", 10},
    {"<&>\"'", "&lt;&amp;&gt;&quot;&#39;", 5},
    {"a\\b", "a\\\\b", 4},
    {"\x01\x1f\x7f\x80\xff", "\\x01\\x1f\\x7f\\x80\\xff", 20},
    {"tab\there\n", "tab\\x09here\\x0a", 15},
    {"", "", 0},
};

static void test_svg_text_escapes_each_byte(void **state)
{
    struct sink s;
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof escape_rows / sizeof escape_rows[0]; i++) {
        const struct escape_row *r = &escape_rows[i];

        svg_text_escape(sink_open(&s), r->in, strlen(r->in));
        assert_string_equal(sink_text(&s), r->out);
        sink_free(&s);
        /* 7.22 px a character, rounded up. */
        assert_int_equal(svg_text_width(r->in, strlen(r->in)),
                         (r->chars * 722 + 99) / 100);
    }
    /* A NUL inside the bytes is a byte like any other. */
    svg_text_escape(sink_open(&s), "a\0b", 3);
    assert_string_equal(sink_text(&s), "a\\x00b");
    sink_free(&s);
}

static void test_svg_text_breaks_lines_at_blanks(void **state)
{
    int seven = svg_text_width("1234567", 7);

    (void)state;
    assert_int_equal(svg_text_line("aaa bbb ccc", seven), 7);
    assert_int_equal(svg_text_line("aaa bbb", seven), 7);
    assert_int_equal(svg_text_line("aaa", seven), 3);
    assert_int_equal(svg_text_line("", seven), 0);
    /* A word wider than the line is cut where the line ends. */
    assert_int_equal(svg_text_line("abcdefghij klm", seven), 7);
    /* Even a line narrower than one character takes one. */
    assert_int_equal(svg_text_line("abc", 1), 1);
}

static void test_svg_joins_each_recv_to_its_send(void **state)
{
    static const struct step steps[] = {
        {"client/send", TRACE_SEND, "c2s", STATUS_OK, "same"},
        {"client/send", TRACE_SEND, "c2s", STATUS_OK, "same"},
        {"server", TRACE_SEND, "s2c", STATUS_OK, "same"},
        {"server", TRACE_RECV, "c2s", STATUS_OK, "same"},
        {"client/recv", TRACE_RECV, "s2c", STATUS_OK, "same"},
        {"server", TRACE_RECV, "c2s", STATUS_OK, "same"},
        {"server", TRACE_RECV, "c2s", STATUS_OK, "other"},
    };
    struct trace *t = trace_create();
    struct sequence q;

    (void)state;
    assert_non_null(t);
    record(t, steps, NSTEPS(steps));
    assert_int_equal(sequence_read(&q, t, NULL, 100), STATUS_OK);
    /* In each direction, first sent, first read; never across. */
    assert_int_equal(q.peer[3], 0);
    assert_int_equal(q.peer[0], 3);
    assert_int_equal(q.peer[4], 2);
    assert_int_equal(q.peer[5], 1);
    /* Bytes no SEND wrote: joined to nothing (a torn frame). */
    assert_int_equal(q.peer[6], -1);
    assert_int_equal(q.nlanes, 3);
    assert_int_equal(q.lanes[q.lane_of[0]].side, SEQUENCE_CLIENT);
    assert_int_equal(q.lanes[q.lane_of[2]].side, SEQUENCE_SERVER);
    assert_int_equal(sequence_lane_of(&q, "server"), q.lane_of[2]);
    assert_int_equal(sequence_lane_of(&q, "nobody"), -1);
    sequence_free(&q);
    sequence_free(NULL);
    trace_destroy(t);
}

static void test_svg_draws_the_first_events_only(void **state)
{
    struct trace *t = trace_create();
    struct sink s;
    const char *svg = NULL;
    int i = 0;

    (void)state;
    assert_non_null(t);
    for (i = 0; i < SVG_MAX_EVENTS + 5; i++)
        trace_event(t, TRACE_NOTE, NULL, 0, 0, STATUS_OK, "note %d", i);
    svg = picture(t, &plain_caption, &s);
    assert_int_equal(count(svg, "class=\"mark-dim\""), SVG_MAX_EVENTS);
    assert_has(svg, ">note 999</text>");
    assert_null(strstr(svg, ">note 1000</text>"));
    assert_has(svg, ">... and 5 more events, not drawn (a picture draws");
    assert_null(strstr(svg, "not kept"));
    sink_free(&s);

    for (; i < TRACE_MAX_EVENTS + 3; i++)
        trace_event(t, TRACE_NOTE, NULL, 0, 0, STATUS_OK, "note %d", i);
    svg = picture(t, &plain_caption, &s);
    assert_has(svg, ">... and 3 more events, not kept (a trace keeps");
    sink_free(&s);
    trace_destroy(t);
}

static enum status record_in_sim(void *arg)
{
    record(arg, echo_steps, NSTEPS(echo_steps));
    return STATUS_OK;
}

/* The picture of a simulated run of echo_steps, into s. */
static const char *simulated_picture(struct sink *s)
{
    struct trace *t = trace_create();
    struct sched_sim_options o;
    struct sched_sim_result r;
    enum status body = STATUS_UNKNOWN;
    const char *svg = NULL;

    assert_non_null(t);
    memset(&o, 0, sizeof o);
    o.strategy = SCHED_RANDOM;
    o.seed = 7;
    assert_int_equal(sched_sim_run(&o, record_in_sim, t, &body, &r), STATUS_OK);
    assert_int_equal(body, STATUS_OK);
    svg = picture(t, &plain_caption, s);
    sched_sim_result_free(&r);
    trace_destroy(t);
    return svg;
}

static void test_svg_of_a_simulated_run_is_the_same_every_time(void **state)
{
    struct sink a;
    struct sink b;

    (void)state;
    simulated_picture(&a);
    simulated_picture(&b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.text, b.text, a.len);
    /* Its time column counts the simulator's steps. */
    assert_has(a.text, ">step</text>");
    assert_null(strstr(a.text, "t(us)"));
    sink_free(&a);
    sink_free(&b);
}

static void test_svg_of_a_null_trace_is_an_empty_picture(void **state)
{
    struct svg_caption c = {NULL, NULL, NULL, NULL, 0, NULL};
    struct sink s;
    const char *svg = NULL;

    (void)state;
    svg = picture(NULL, &c, &s);
    assert_well_formed(svg);
    assert_int_equal(count(svg, "<g class=\"lifeline\">"), 0);
    assert_int_equal(count(svg, "<g class=\"frame"), 0);
    xmllint_accepts(svg);
    sink_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_svg_draws_a_lifeline_per_thread),
        cmocka_unit_test(test_svg_draws_an_arrow_per_frame),
        cmocka_unit_test(test_svg_marks_a_deadlock_in_red),
        cmocka_unit_test(test_svg_marks_a_torn_frame_in_red),
        cmocka_unit_test(test_svg_escapes_every_text),
        cmocka_unit_test(test_svg_text_escapes_each_byte),
        cmocka_unit_test(test_svg_text_breaks_lines_at_blanks),
        cmocka_unit_test(test_svg_joins_each_recv_to_its_send),
        cmocka_unit_test(test_svg_draws_the_first_events_only),
        cmocka_unit_test(test_svg_of_a_simulated_run_is_the_same_every_time),
        cmocka_unit_test(test_svg_of_a_null_trace_is_an_empty_picture),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

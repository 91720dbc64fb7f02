/*
 * test_trace: the event log and the bytes kept per pipe.
 *
 * The trace only records; what it kept is read back through the accessors
 * of trace.h (trace_length, trace_event_at, trace_wire_at, ...), as the
 * views read it. The views themselves have their own tests (test_timeline,
 * test_hexdump, test_dissect), so this one links the core archive alone.
 * Threads that record are named through sched ("client/send", "server")
 * and run one at a time: each is joined before the next starts, so the
 * order of events is known without any sleep.
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

/* ---- create, record, count ---------------------------------------------- */

static void
test_trace_create_starts_empty_and_destroy_accepts_null(void **state)
{
    struct trace *t = trace_create();
    int i = 0;

    (void)state;
    assert_non_null(t);
    assert_int_equal(trace_length(t), 0);
    for (i = 0; i < TRACE_WIRES; i++) {
        assert_string_equal(trace_wire_at(t, i)->name, "");
        assert_int_equal(trace_wire_at(t, i)->len, 0);
        assert_int_equal(trace_wire_at(t, i)->total, 0);
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
    assert_int_equal(trace_length(t), 1);
    e = trace_event_at(t, 0);
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
    assert_int_equal(trace_length(t), 1);
    assert_string_equal(trace_event_at(t, 0)->dir, "");
    assert_string_equal(trace_event_at(t, 0)->text, "");
    assert_int_equal(trace_event_at(t, 0)->status, STATUS_CANCELLED);
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
    assert_int_equal(strlen(trace_event_at(t, 0)->text), TRACE_TEXT_MAX - 1);
    assert_int_equal(trace_event_at(t, 0)->text[0], 'a');
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
    assert_int_equal(trace_length(t), 1000);
    assert_int_equal(trace_count(t, TRACE_NOTE), 1000);
    for (i = 0; i < 1000; i++) {
        assert_int_equal(trace_event_at(t, i)->length, i);
        if (i > 0)
            assert_true(trace_event_at(t, i)->t_ns >=
                        trace_event_at(t, i - 1)->t_ns);
    }
    assert_string_equal(trace_event_at(t, 999)->text, "note 999");
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
    assert_int_equal(trace_length(t), 5);

    assert_int_equal(trace_event_at(t, 0)->kind, TRACE_SEND);
    assert_string_equal(trace_event_at(t, 0)->dir, "c2s");
    assert_int_equal(trace_event_at(t, 0)->flag, 0);
    assert_int_equal(trace_event_at(t, 0)->length, 5);
    assert_int_equal(trace_event_at(t, 0)->status, STATUS_OK);
    assert_string_equal(trace_event_at(t, 0)->text, "\"hello\"");

    /* Control bytes, DEL, bytes above 0x7e and '"' itself become '.'. */
    assert_int_equal(trace_event_at(t, 1)->kind, TRACE_RECV);
    assert_int_equal(trace_event_at(t, 1)->flag, 1);
    assert_int_equal(trace_event_at(t, 1)->length, sizeof odd);
    assert_string_equal(trace_event_at(t, 1)->text, "\"a....z.\"");

    /* 18 bytes are shown; a longer payload ends with "...". */
    assert_string_equal(trace_event_at(t, 2)->text,
                        "\"abcdefghijklmnopqr\"...");
    assert_int_equal(trace_event_at(t, 2)->length, 20);
    assert_string_equal(trace_event_at(t, 3)->text, "\"abcdefghijklmnopqr\"");

    /* A zero-length message is a message: an empty preview. */
    assert_string_equal(trace_event_at(t, 4)->text, "\"\"");
    assert_int_equal(trace_event_at(t, 4)->length, 0);
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
    assert_int_equal(trace_length(t), 6);
    assert_string_equal(trace_event_at(t, 0)->thread, "client/send");
    assert_string_equal(trace_event_at(t, 1)->thread, "client/send");
    assert_string_equal(trace_event_at(t, 2)->thread, "server");
    assert_string_equal(trace_event_at(t, 4)->thread, "server");
    assert_string_equal(trace_event_at(t, 5)->thread, "main");
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
    for (i = 0; i < trace_length(t); i++) {
        const struct trace_event *e = trace_event_at(t, i);

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
        if (strcmp(trace_wire_at(t, i)->name, name) == 0)
            return trace_wire_at(t, i);
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
    assert_ptr_equal(c2s, trace_wire_at(t, 0)); /* slots fill in order of use */
    assert_ptr_equal(s2c, trace_wire_at(t, 1));
    assert_int_equal(c2s->len, 5);
    assert_int_equal(c2s->total, 5);
    assert_memory_equal(c2s->bytes, "abcde", 5);
    assert_int_equal(s2c->len, 3);
    assert_int_equal(s2c->total, 3);
    assert_memory_equal(s2c->bytes, "XYZ", 3);
    assert_string_equal(trace_wire_at(t, 2)->name, "");
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
        assert_string_equal(trace_wire_at(t, i)->name, names[i]);
        assert_int_equal(trace_wire_at(t, i)->len, 3);
        assert_int_equal(trace_wire_at(t, i)->total, 3);
        assert_memory_equal(trace_wire_at(t, i)->bytes, names[i], 2);
        assert_int_equal(trace_wire_at(t, i)->bytes[2], '!');
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
    assert_string_equal(trace_wire_at(t, 0)->name, "client-");
    assert_int_equal(trace_wire_at(t, 0)->len, 4);
    assert_memory_equal(trace_wire_at(t, 0)->bytes, "abcd", 4);
    assert_string_equal(trace_wire_at(t, 1)->name, "");
    trace_destroy(t);
}

/* ---- previews and read access ------------------------------------------- */

static void test_trace_preview_fits_any_room(void **state)
{
    static const uint8_t hello[] = "hello";
    char out[8];

    (void)state;
    /* The room a frame event has: the whole preview. */
    trace_preview(out, sizeof out, hello, 5);
    assert_string_equal(out, "\"hello\"");
    /* Less room: cut, still a string, never past the end. */
    memset(out, 'x', sizeof out);
    trace_preview(out, 4, hello, 5);
    assert_string_equal(out, "\"h\"");
    assert_int_equal(out[4], 'x');
    trace_preview(out, 2, hello, 5);
    assert_string_equal(out, "\"");
    out[1] = 'x';
    trace_preview(out, 1, hello, 5);
    assert_string_equal(out, "");
    assert_int_equal(out[1], 'x');
}

static void
test_trace_keeps_the_first_max_events_and_counts_the_rest(void **state)
{
    struct trace *t = trace_create();
    uint32_t i = 0;

    (void)state;
    assert_non_null(t);
    for (i = 0; i < TRACE_MAX_EVENTS + 5; i++)
        trace_event(t, TRACE_NOTE, NULL, 0, i, STATUS_OK, NULL);
    assert_int_equal(trace_length(t), TRACE_MAX_EVENTS);
    assert_int_equal(trace_dropped(t), 5);
    assert_int_equal(trace_event_at(t, TRACE_MAX_EVENTS - 1)->length,
                     TRACE_MAX_EVENTS - 1);
    assert_int_equal(trace_count(t, TRACE_NOTE), TRACE_MAX_EVENTS);
    trace_destroy(t);
}

static enum status record_one_note(void *arg)
{
    trace_event(arg, TRACE_NOTE, NULL, 0, 0, STATUS_OK, "simulated");
    return STATUS_OK;
}

static void test_trace_in_steps_only_when_recorded_in_sim_mode(void **state)
{
    struct trace *t = trace_create();
    struct sched_sim_options o;
    struct sched_sim_result r;
    enum status body = STATUS_UNKNOWN;

    (void)state;
    assert_non_null(t);
    trace_event(t, TRACE_NOTE, NULL, 0, 0, STATUS_OK, "real time");
    assert_false(trace_in_steps(t));
    memset(&o, 0, sizeof o);
    o.strategy = SCHED_IN_ORDER;
    assert_int_equal(sched_sim_run(&o, record_one_note, t, &body, &r),
                     STATUS_OK);
    assert_int_equal(body, STATUS_OK);
    assert_true(trace_in_steps(t));
    assert_int_equal(trace_length(t), 2);
    /* A step count, not nanoseconds: no more than the run took. */
    assert_true(trace_event_at(t, 1)->t_ns <= (int64_t)r.steps);
    sched_sim_result_free(&r);
    trace_destroy(t);
}

static void test_trace_null_trace_has_kept_nothing(void **state)
{
    (void)state;
    assert_int_equal(trace_length(NULL), 0);
    assert_int_equal(trace_dropped(NULL), 0);
    assert_false(trace_in_steps(NULL));
    assert_int_equal(trace_count(NULL, TRACE_SEND), 0);
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
        cmocka_unit_test(test_trace_records_from_threads_at_once),
        cmocka_unit_test(test_trace_wire_keeps_bytes_per_pipe_in_order),
        cmocka_unit_test(test_trace_wire_caps_at_max_and_keeps_counting),
        cmocka_unit_test(test_trace_wire_holds_up_to_trace_wires_names),
        cmocka_unit_test(test_trace_wire_long_names_share_one_slot),
        cmocka_unit_test(test_trace_preview_fits_any_room),
        cmocka_unit_test(
            test_trace_keeps_the_first_max_events_and_counts_the_rest),
        cmocka_unit_test(test_trace_in_steps_only_when_recorded_in_sim_mode),
        cmocka_unit_test(test_trace_null_trace_has_kept_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

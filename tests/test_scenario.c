/*
 * Tests for the lesson scenarios: each one ends the way its lesson says,
 * with the counts the lesson quotes, and its invariants hold at the edges
 * (one message, one-byte pipes, many messages).
 *
 * The scenarios run real threads (OS mode). Only concurrent-senders
 * depends on the interleaving: a run may happen to stay clean, so its test
 * runs it until the bug shows (it shows in nearly every run at the default
 * 64-byte pipes) and checks what every run must satisfy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "trace.h"

/* A scenario run with its own trace, freed by done(). */
struct run {
    struct scenario_result r;
    struct trace *t;
    int code;
};

static struct run *run_opts(const char *name, struct scenario_options o)
{
    const struct scenario *sc = scenario_find(name);
    struct run *run = calloc(1, sizeof *run);

    assert_non_null(sc);
    assert_non_null(run);
    run->t = trace_create();
    assert_non_null(run->t);
    o.trace = run->t;
    scenario_run(sc, &o, &run->r);
    run->code = (int)scenario_exit_code(&run->r);
    return run;
}

static struct run *run_plain(const char *name, int fix)
{
    struct scenario_options o;

    memset(&o, 0, sizeof o);
    o.fix = fix;
    return run_opts(name, o);
}

static void done(struct run *run)
{
    trace_destroy(run->t);
    free(run);
}

static void assert_report_has(const struct run *run, const char *words)
{
    if (strstr(run->r.report, words) == NULL)
        fail_msg("report lacks \"%s\":\n%s", words, run->r.report);
}

static void test_scenario_table_names_are_unique_and_found(void **state)
{
    size_t i = 0;
    size_t j = 0;

    (void)state;
    assert_int_equal(scenario_count(), 8);
    for (i = 0; i < scenario_count(); i++) {
        const struct scenario *sc = scenario_at(i);

        assert_non_null(sc);
        assert_ptr_equal(scenario_find(sc->name), sc);
        assert_true(sc->default_messages > 0);
        for (j = 0; j < i; j++)
            assert_string_not_equal(scenario_at(j)->name, sc->name);
    }
    assert_null(scenario_at(scenario_count()));
    assert_null(scenario_find("no-such-scenario"));
    assert_string_equal(scenario_at(0)->name, "echo");
}

static void test_scenario_echo_round_trips_every_message(void **state)
{
    struct run *run = run_plain("echo", 0);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_int_equal(run->r.status, STATUS_OK);
    assert_string_equal(run->r.broken, "");
    assert_int_equal(run->r.stats.sent[STREAM_C2S], 3);
    assert_int_equal(run->r.stats.received[STREAM_C2S], 3);
    assert_int_equal(run->r.stats.sent[STREAM_S2C], 3);
    assert_int_equal(run->r.stats.received[STREAM_S2C], 3);
    /* The timeline a learner sees: 6 frames, 1 half-close, 2 EOFs. */
    assert_int_equal(trace_count(run->t, TRACE_SEND), 6);
    assert_int_equal(trace_count(run->t, TRACE_RECV), 6);
    assert_int_equal(trace_count(run->t, TRACE_CLOSE_SEND), 1);
    assert_int_equal(trace_count(run->t, TRACE_EOF), 2);
    assert_int_equal(trace_count(run->t, TRACE_FINISH), 1);
    assert_int_equal(trace_count(run->t, TRACE_CANCEL), 0);
    assert_report_has(run, "client/recv got 3 echoes in order");
    done(run);
}

/* One-byte pipes: every frame crosses in pieces; nothing may change. */
static void test_scenario_echo_survives_one_byte_pipes(void **state)
{
    struct scenario_options o;
    struct run *run = NULL;

    (void)state;
    memset(&o, 0, sizeof o);
    o.messages = 200;
    o.capacity = 1;
    run = run_opts("echo", o);
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_string_equal(run->r.broken, "");
    assert_int_equal(run->r.stats.received[STREAM_S2C], 200);
    assert_true(run->r.stats.write_waits[STREAM_C2S] > 0);
    done(run);
}

static void test_scenario_echo_single_message(void **state)
{
    struct scenario_options o;
    struct run *run = NULL;

    (void)state;
    memset(&o, 0, sizeof o);
    o.messages = 1;
    run = run_opts("echo", o);
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_int_equal(run->r.stats.received[STREAM_S2C], 1);
    done(run);
}

static void test_scenario_chat_follows_the_state_machine(void **state)
{
    struct run *run = run_plain("chat", 0);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_string_equal(run->r.broken, "");
    /* JOIN + 3 TEXT in; WELCOME + 3 ACK + BYE out. */
    assert_int_equal(run->r.stats.received[STREAM_C2S], 4);
    assert_int_equal(run->r.stats.received[STREAM_S2C], 5);
    done(run);
}

static void test_scenario_forgot_close_send_hits_the_deadline(void **state)
{
    struct scenario_options o;
    struct run *run = NULL;

    (void)state;
    memset(&o, 0, sizeof o);
    o.timeout_ms = 50;
    run = run_opts("forgot-close-send", o);
    assert_int_equal(run->code, SCENARIO_EXIT_STATUS);
    assert_int_equal(run->r.status, STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(run->r.why.text, "context deadline exceeded");
    assert_int_equal(trace_count(run->t, TRACE_CLOSE_SEND), 0);
    /* Every message still made the round trip before the hang. */
    assert_int_equal(run->r.stats.received[STREAM_S2C], 3);
    assert_report_has(run, "stream_close_send");
    assert_report_has(run, "50 ms deadline");
    done(run);
}

static void test_scenario_forgot_close_send_fixed(void **state)
{
    struct run *run = run_plain("forgot-close-send", 1);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_int_equal(trace_count(run->t, TRACE_CLOSE_SEND), 1);
    assert_int_equal(trace_count(run->t, TRACE_CANCEL), 0);
    done(run);
}

static void test_scenario_concurrent_senders_garble(void **state)
{
    struct run *run = NULL;
    int runs = 0;
    int garbled = 0;

    (void)state;
    /* Real threads: run until the interleaving shows (nearly always 1). */
    for (runs = 0; runs < 50 && !garbled; runs++) {
        run = run_plain("concurrent-senders", 0);
        assert_string_equal(run->r.broken, "");
        assert_true(run->code == SCENARIO_EXIT_GARBLED ||
                    run->code == SCENARIO_EXIT_OK);
        garbled = run->code == SCENARIO_EXIT_GARBLED;
        if (garbled) {
            assert_int_equal(run->r.garbled, 1);
            assert_true(run->r.status == STATUS_INTERNAL ||
                        run->r.status == STATUS_RESOURCE_EXHAUSTED);
            assert_report_has(run, "server: ");
            assert_report_has(run, "ThreadSanitizer stays quiet");
        }
        done(run);
    }
    assert_true(garbled);
}

static void test_scenario_concurrent_senders_fixed_is_clean(void **state)
{
    int i = 0;

    (void)state;
    for (i = 0; i < 5; i++) {
        struct run *run = run_plain("concurrent-senders", 1);

        assert_int_equal(run->code, SCENARIO_EXIT_OK);
        assert_int_equal(run->r.garbled, 0);
        assert_int_equal(run->r.stats.received[STREAM_C2S], 200);
        done(run);
    }
}

static void test_scenario_error_propagation_first_error_wins(void **state)
{
    struct run *run = run_plain("error-propagation", 0);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_STATUS);
    assert_int_equal(run->r.status, STATUS_INVALID_ARGUMENT);
    assert_string_equal(run->r.why.text, "echo 3 failed validation");
    assert_string_equal(run->r.broken, "");
    assert_int_equal(trace_count(run->t, TRACE_CANCEL), 1);
    assert_report_has(run, "ended with CANCELLED");
    done(run);
}

static void test_scenario_error_propagation_one_message(void **state)
{
    struct scenario_options o;
    struct run *run = NULL;

    (void)state;
    memset(&o, 0, sizeof o);
    o.messages = 1;
    run = run_opts("error-propagation", o);
    assert_int_equal(run->r.status, STATUS_INVALID_ARGUMENT);
    assert_string_equal(run->r.why.text, "echo 1 failed validation");
    done(run);
}

static void test_scenario_cancel_loses_buffered_messages(void **state)
{
    struct run *run = run_plain("cancel-vs-drain", 0);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_STATUS);
    assert_int_equal(run->r.status, STATUS_CANCELLED);
    assert_int_equal(run->r.stats.sent[STREAM_S2C], 5);
    assert_int_equal(run->r.stats.received[STREAM_S2C], 2);
    /* Three "update N of 5" frames: 3 * (5 + 13) bytes. */
    assert_int_equal(run->r.stats.bytes_discarded[STREAM_S2C], 54);
    assert_report_has(run, "cancelled with 3 updates (54 bytes)");
    done(run);
}

static void test_scenario_drain_then_cancel_loses_nothing(void **state)
{
    struct run *run = run_plain("cancel-vs-drain", 1);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_int_equal(run->r.stats.received[STREAM_S2C], 5);
    assert_int_equal(run->r.stats.bytes_discarded[STREAM_S2C], 0);
    done(run);
}

static void test_scenario_cancel_vs_drain_needs_room(void **state)
{
    struct scenario_options o;
    struct run *run = NULL;

    (void)state;
    memset(&o, 0, sizeof o);
    o.capacity = 16;
    run = run_opts("cancel-vs-drain", o);
    assert_int_equal(run->code, SCENARIO_EXIT_USAGE);
    assert_int_equal(run->r.status, STATUS_INVALID_ARGUMENT);
    assert_non_null(strstr(run->r.why.text, "--capacity"));
    done(run);
}

static void test_scenario_backpressure_blocks_the_sender(void **state)
{
    struct run *run = run_plain("backpressure", 0);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_true(run->r.stats.write_waits[STREAM_C2S] > 0);
    assert_true(trace_count(run->t, TRACE_BLOCK) > 0);
    assert_int_equal(run->r.stats.received[STREAM_C2S], 8);
    done(run);
}

static void test_scenario_send_after_eof_arrives_first(void **state)
{
    struct run *run = run_plain("send-after-eof", 0);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_string_equal(run->r.broken, "");
    assert_int_equal(run->r.stats.received[STREAM_S2C], 2);
    done(run);
}

/* Every scenario ends with the exit code `duplex list` documents. */
static void test_scenario_documented_exit_codes(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < scenario_count(); i++) {
        const struct scenario *sc = scenario_at(i);
        struct run *run = NULL;

        if (strcmp(sc->name, "concurrent-senders") == 0)
            continue; /* interleaving-dependent: tested above */
        run = run_plain(sc->name, 0);
        assert_int_equal(run->code, sc->expected);
        done(run);
        if (sc->fix_summary == NULL)
            continue;
        run = run_plain(sc->name, 1);
        assert_int_equal(run->code, sc->expected_fix);
        done(run);
    }
}

static void test_scenario_exit_code_mapping(void **state)
{
    struct scenario_result r;

    (void)state;
    memset(&r, 0, sizeof r);
    assert_int_equal(scenario_exit_code(&r), SCENARIO_EXIT_OK);
    r.status = STATUS_CANCELLED;
    assert_int_equal(scenario_exit_code(&r), SCENARIO_EXIT_STATUS);
    r.garbled = 1;
    assert_int_equal(scenario_exit_code(&r), SCENARIO_EXIT_GARBLED);
    strcpy(r.broken, "lost a message");
    assert_int_equal(scenario_exit_code(&r), SCENARIO_EXIT_BROKEN);
    r.usage_error = 1;
    assert_int_equal(scenario_exit_code(&r), SCENARIO_EXIT_USAGE);
}

static void test_scenario_say_stops_when_full(void **state)
{
    struct scenario_result *r = calloc(1, sizeof *r);
    int i = 0;

    (void)state;
    assert_non_null(r);
    scenario_say(r, "first %d", 1);
    assert_string_equal(r->report, "first 1\n");
    for (i = 0; i < 1000; i++)
        scenario_say(r, "a line of narration that fills the report");
    assert_true(r->report_len < sizeof r->report);
    assert_int_equal(strlen(r->report), r->report_len);
    assert_int_equal(r->report[r->report_len - 1], '\n');
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenario_table_names_are_unique_and_found),
        cmocka_unit_test(test_scenario_echo_round_trips_every_message),
        cmocka_unit_test(test_scenario_echo_survives_one_byte_pipes),
        cmocka_unit_test(test_scenario_echo_single_message),
        cmocka_unit_test(test_scenario_chat_follows_the_state_machine),
        cmocka_unit_test(test_scenario_forgot_close_send_hits_the_deadline),
        cmocka_unit_test(test_scenario_forgot_close_send_fixed),
        cmocka_unit_test(test_scenario_concurrent_senders_garble),
        cmocka_unit_test(test_scenario_concurrent_senders_fixed_is_clean),
        cmocka_unit_test(test_scenario_error_propagation_first_error_wins),
        cmocka_unit_test(test_scenario_error_propagation_one_message),
        cmocka_unit_test(test_scenario_cancel_loses_buffered_messages),
        cmocka_unit_test(test_scenario_drain_then_cancel_loses_nothing),
        cmocka_unit_test(test_scenario_cancel_vs_drain_needs_room),
        cmocka_unit_test(test_scenario_backpressure_blocks_the_sender),
        cmocka_unit_test(test_scenario_send_after_eof_arrives_first),
        cmocka_unit_test(test_scenario_documented_exit_codes),
        cmocka_unit_test(test_scenario_exit_code_mapping),
        cmocka_unit_test(test_scenario_say_stops_when_full),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

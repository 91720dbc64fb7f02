/*
 * Tests for the lesson scenarios: each one ends the way its lesson says,
 * with the counts the lesson quotes, and its invariants hold at the edges
 * (one message, one-byte pipes, many messages) and under many schedules.
 *
 * Most tests run in SIM mode (the deterministic scheduler: same seed, same
 * run). The _os tests run the same scenarios on real threads; there only
 * concurrent-senders depends on the interleaving, so its test runs it until
 * the bug shows (it shows in nearly every run at the default 64-byte pipes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/scenario.h"
#include "support.h"
#include "core/trace.h"
#include "h2/h2_wire.h"
#include "view/timeline.h"
#include "h2/h2_wire.h"

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
    if (o.wire == NULL && h2_only(sc))
        o.wire = &h2_wire_type;
    scenario_run(sc, &o, &run->r);
    run->code = (int)scenario_exit_code(&run->r);
    return run;
}

/* SIM mode with seed 1, the default of `duplex run`. */
static struct run *run_plain(const char *name, int fix)
{
    struct scenario_options o;

    memset(&o, 0, sizeof o);
    o.fix = fix;
    o.seed = 1;
    return run_opts(name, o);
}

static struct run *run_seed(const char *name, uint64_t seed)
{
    struct scenario_options o;

    memset(&o, 0, sizeof o);
    o.seed = seed;
    return run_opts(name, o);
}

static void done(struct run *run)
{
    scenario_result_free(&run->r);
    trace_destroy(run->t);
    free(run);
}

/* Runs name on real threads. */
static struct run *run_os(const char *name, int fix)
{
    struct scenario_options o;

    memset(&o, 0, sizeof o);
    o.os = 1;
    o.fix = fix;
    return run_opts(name, o);
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
    assert_int_equal(scenario_count(), 20);
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

static void test_scenario_concurrent_senders_garble_os(void **state)
{
    struct run *run = NULL;
    int runs = 0;
    int garbled = 0;

    (void)state;
    /* Real threads: run until the interleaving shows (nearly always 1). */
    for (runs = 0; runs < 50 && !garbled; runs++) {
        run = run_os("concurrent-senders", 0);
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
    assert_string_equal(run->r.why.text, "rejected echo 3 on purpose");
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
    assert_string_equal(run->r.why.text, "rejected echo 1 on purpose");
    done(run);
}

/* ---- issue 13: one-thread-client, sender-fails-first, both-hot ----------- */

/* The index of the first event of kind with status in run's trace, or -1. */
static long first_event(const struct run *run, enum trace_kind kind,
                        enum status st)
{
    size_t i = 0;

    for (i = 0; i < trace_length(run->t); i++) {
        const struct trace_event *e = trace_event_at(run->t, i);

        if (e->kind == kind && e->status == st)
            return (long)i;
    }
    return -1;
}

static struct run *run_timeout(const char *name, int64_t ms)
{
    struct scenario_options o;

    memset(&o, 0, sizeof o);
    o.timeout_ms = ms;
    o.seed = 1;
    return run_opts(name, o);
}

/*
 * One thread sends 8 messages of 16 KiB before it reads: the server reads
 * 4 (the 4th while c2s refills), echoes 3 into s2c's 64 KiB, and waits to
 * echo the 4th; c2s fills with the client's 5th to 7th messages and its
 * 8th send waits. Both pipes are full when the simulator finds nobody can
 * move.
 */
static void test_scenario_one_thread_client_deadlocks(void **state)
{
    struct run *run = run_plain("one-thread-client", 0);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_DEADLOCK);
    assert_int_equal(run->r.status, STATUS_DEADLOCK);
    assert_string_equal(run->r.broken, "");
    assert_int_equal(run->r.stats.sent[STREAM_C2S], 7);
    assert_int_equal(run->r.stats.received[STREAM_C2S], 4);
    assert_int_equal(run->r.stats.sent[STREAM_S2C], 3);
    assert_int_equal(run->r.stats.received[STREAM_S2C], 0);
    assert_int_equal(run->r.stats.bytes_discarded[STREAM_C2S], 65536);
    assert_int_equal(run->r.stats.bytes_discarded[STREAM_S2C], 65536);
    assert_int_equal(trace_count(run->t, TRACE_CLOSE_SEND), 0);
    assert_report_has(run, "client (one thread) sent 7 of 8 messages");
    assert_report_has(run, "server read 4 and echoed 3");
    assert_report_has(run, "c2s held 65536 and s2c 65536");
    assert_report_has(run, "nobody could ever move");
    assert_int_equal(run->r.sim.deadlocked, 1);
    assert_non_null(strstr(run->r.sim.report, "client waits for room on c2s"));
    assert_non_null(strstr(run->r.sim.report, "server waits for room on s2c"));
    done(run);
}

/* With a deadline the same hang ends as DEADLINE_EXCEEDED. */
static void test_scenario_one_thread_client_deadline(void **state)
{
    struct run *run = run_timeout("one-thread-client", 50);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_STATUS);
    assert_int_equal(run->r.status, STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(run->r.broken, "");
    assert_int_equal(run->r.stats.sent[STREAM_C2S], 7);
    assert_int_equal(run->r.stats.received[STREAM_S2C], 0);
    /* grpc-go's contract: the client's send finds the call over (EOF),
     * and its recv tells the status. */
    assert_report_has(run, "50 ms deadline: the server's send woke with "
                           "DEADLINE_EXCEEDED, the client's with EOF, and "
                           "the client's recv then said DEADLINE_EXCEEDED");
    done(run);
}

/* A thread per direction: every echo comes back, in order. */
static void test_scenario_one_thread_client_fixed(void **state)
{
    struct run *run = run_plain("one-thread-client", 1);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_string_equal(run->r.broken, "");
    assert_int_equal(run->r.stats.received[STREAM_C2S], 8);
    assert_int_equal(run->r.stats.received[STREAM_S2C], 8);
    assert_int_equal(trace_count(run->t, TRACE_CLOSE_SEND), 1);
    assert_true(run->r.stats.write_waits[STREAM_C2S] > 0);
    assert_report_has(run, "client/recv read s2c all along: 8 echoes");
    done(run);
}

/*
 * Fewer messages than the pipes hold would not get stuck: refused, with
 * the number that would; so are pipes narrower than 64 bytes or wider
 * than 1 MiB. More messages deadlock the same way, at any pipe size it
 * takes.
 */
static void test_scenario_one_thread_client_sizes(void **state)
{
    struct scenario_options o;
    struct run *run = NULL;

    (void)state;
    memset(&o, 0, sizeof o);
    o.messages = 7;
    run = run_opts("one-thread-client", o);
    assert_int_equal(run->code, SCENARIO_EXIT_USAGE);
    assert_non_null(strstr(run->r.why.text, "needs --messages 8 or more"));
    done(run);
    o.messages = 0;
    o.capacity = 1024 * 1024 + 1;
    run = run_opts("one-thread-client", o);
    assert_int_equal(run->code, SCENARIO_EXIT_USAGE);
    done(run);
    o.capacity = 63;
    run = run_opts("one-thread-client", o);
    assert_int_equal(run->code, SCENARIO_EXIT_USAGE);
    done(run);
    o.capacity = 64;
    run = run_opts("one-thread-client", o);
    assert_int_equal(run->code, SCENARIO_EXIT_DEADLOCK);
    assert_int_equal(run->r.stats.received[STREAM_S2C], 0);
    done(run);
    o.capacity = 1024 * 1024;
    o.messages = 200;
    run = run_opts("one-thread-client", o);
    assert_int_equal(run->code, SCENARIO_EXIT_DEADLOCK);
    assert_string_equal(run->r.broken, "");
    done(run);
}

/* o on the h2 wire, simulated with seed. */
static struct scenario_options on_h2(uint64_t seed, int fix)
{
    struct scenario_options o;

    memset(&o, 0, sizeof o);
    o.wire = &h2_wire_type;
    o.seed = seed;
    o.fix = fix;
    return o;
}

/*
 * On the h2 wire each direction takes a write quota (64 KiB) and a window
 * (65,535) before its sender waits, so the default is the 18 messages
 * that outgrow them; every seed deadlocks the same way, and the report
 * says both senders wait for WINDOW_UPDATE. Fewer messages are refused
 * with the number; a deadline ends the hang; the fix ends OK.
 */
static void test_scenario_one_thread_client_on_h2(void **state)
{
    struct scenario_options o;
    struct run *run = NULL;
    uint64_t seed = 0;

    (void)state;
    for (seed = 1; seed <= 20; seed++) {
        run = run_opts("one-thread-client", on_h2(seed, 0));
        assert_int_equal(run->code, SCENARIO_EXIT_DEADLOCK);
        assert_string_equal(run->r.broken, "");
        assert_int_equal(run->r.stats.received[STREAM_S2C], 0);
        assert_true(run->r.stats.write_waits[STREAM_C2S] > 0);
        assert_report_has(run, "of 18 messages");
        assert_non_null(strstr(run->r.sim.report,
                               "client waits for WINDOW_UPDATE (c2s stream "
                               "1 window 0"));
        assert_non_null(strstr(run->r.sim.report,
                               "server waits for WINDOW_UPDATE (s2c stream "
                               "1 window 0"));
        assert_non_null(strstr(run->r.sim.report,
                               "client/h2-write waits for a frame it may "
                               "send on c2s"));
        done(run);
    }
    o = on_h2(1, 0);
    o.messages = 8;
    run = run_opts("one-thread-client", o);
    assert_int_equal(run->code, SCENARIO_EXIT_USAGE);
    assert_non_null(strstr(run->r.why.text, "needs --messages 18 or more on "
                                            "--wire h2"));
    done(run);
    o = on_h2(1, 0);
    o.timeout_ms = 50;
    run = run_opts("one-thread-client", o);
    assert_int_equal(run->code, SCENARIO_EXIT_STATUS);
    assert_int_equal(run->r.status, STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(run->r.broken, "");
    done(run);
    run = run_opts("one-thread-client", on_h2(1, 1));
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_int_equal(run->r.stats.received[STREAM_S2C], 8);
    done(run);
}

/*
 * both-hot on the h2 wire: its default is the 3,355 uploads that outgrow
 * the write quotas and windows (fewer are refused with the number); every
 * seed makes the same cycle, the server and client/send each waiting for
 * WINDOW_UPDATE and client/recv for the queue; a deadline ends it; the
 * fix ends OK.
 */
static void test_scenario_both_hot_on_h2(void **state)
{
    struct scenario_options o;
    struct run *run = NULL;
    uint64_t seed = 0;

    (void)state;
    for (seed = 1; seed <= 8; seed++) {
        run = run_opts("both-hot", on_h2(seed, 0));
        assert_int_equal(run->code, SCENARIO_EXIT_DEADLOCK);
        assert_string_equal(run->r.broken, "");
        assert_report_has(run, "of 3355 uploads of 100 bytes");
        assert_report_has(run, "a cycle: the server waited for client/recv");
        assert_non_null(strstr(run->r.sim.report,
                               "client/send waits for WINDOW_UPDATE (c2s "
                               "stream 1 window 0"));
        assert_non_null(strstr(run->r.sim.report,
                               "server waits for WINDOW_UPDATE (s2c stream "
                               "1 window 0"));
        assert_non_null(strstr(run->r.sim.report,
                               "client/recv waits for room in client/send's "
                               "queue of confirms"));
        done(run);
    }
    o = on_h2(1, 0);
    o.messages = 8;
    run = run_opts("both-hot", o);
    assert_int_equal(run->code, SCENARIO_EXIT_USAGE);
    assert_non_null(strstr(run->r.why.text, "needs --messages 3355 or more "
                                            "on --wire h2"));
    done(run);
    o = on_h2(1, 0);
    o.timeout_ms = 50;
    run = run_opts("both-hot", o);
    assert_int_equal(run->code, SCENARIO_EXIT_STATUS);
    assert_int_equal(run->r.status, STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(run->r.broken, "");
    done(run);
    run = run_opts("both-hot", on_h2(1, 1));
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_string_equal(run->r.broken, "");
    done(run);
}

/* Whether run's trace has a note by a thread starting with who with text. */
static int has_note(const struct run *run, const char *who, const char *text)
{
    size_t i = 0;

    for (i = 0; i < trace_length(run->t); i++) {
        const struct trace_event *e = trace_event_at(run->t, i);

        if (e->kind == TRACE_NOTE &&
            strncmp(e->thread, who, strlen(who)) == 0 &&
            strstr(e->text, text) != NULL)
            return 1;
    }
    return 0;
}

/*
 * On --wire h2 each frame a connection end's writer sends is a note on
 * its lane (type, flags, stream id, length; codes and increments): the
 * timeline shows the HTTP/2 frames under the messages. The raw wire has
 * none.
 */
static void test_scenario_h2_frames_in_the_trace(void **state)
{
    struct run *run = run_opts("echo", on_h2(1, 0));

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_true(has_note(run, "client/h2-write", "SETTINGS stream 0, 6 B"));
    assert_true(has_note(run, "server/h2-write", "SETTINGS+ACK stream 0"));
    assert_true(
        has_note(run, "client/h2-write", "HEADERS+END_HEADERS stream 1"));
    assert_true(has_note(run, "client/h2-write", "DATA stream 1, 10 B"));
    assert_true(
        has_note(run, "client/h2-write", "DATA+END_STREAM stream 1, 0 B"));
    assert_true(has_note(run, "server/h2-write",
                         "HEADERS+END_STREAM+END_HEADERS stream 1"));
    assert_true(has_note(run, "server/h2-write", "(trailers)"));
    assert_true(
        has_note(run, "server/h2-write", "GOAWAY stream 0, 8 B (NO_ERROR)"));
    done(run);
    run = run_opts("cancel-vs-drain", on_h2(1, 0));
    assert_true(has_note(run, "", "RST_STREAM stream 1, 4 B"));
    done(run);
    run = run_opts("one-thread-client", on_h2(1, 1));
    assert_true(has_note(run, "", "WINDOW_UPDATE stream 1, 4 B (+"));
    assert_true(has_note(run, "", "WINDOW_UPDATE stream 0, 4 B (+"));
    done(run);
    run = run_plain("echo", 0);
    assert_false(has_note(run, "", "stream"));
    done(run);
}

/*
 * The mistake: the source's DATA_LOSS is recorded (an ERROR event), then
 * taken for the end: CloseSend, the server finishes OK at EOF, and the
 * caller gets OK.
 */
static void test_scenario_sender_fails_first_swallowed(void **state)
{
    struct run *run = run_plain("sender-fails-first", 0);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_int_equal(run->r.status, STATUS_OK);
    assert_string_equal(run->r.broken, "");
    assert_int_equal(run->r.stats.received[STREAM_C2S], 2);
    assert_int_equal(run->r.stats.received[STREAM_S2C], 2);
    assert_int_equal(trace_count(run->t, TRACE_ERROR), 1);
    assert_int_equal(trace_count(run->t, TRACE_CLOSE_SEND), 1);
    assert_int_equal(trace_count(run->t, TRACE_CANCEL), 0);
    assert_true(first_event(run, TRACE_ERROR, STATUS_DATA_LOSS) >= 0);
    assert_report_has(run, "the source failed at message 3 of 5");
    assert_report_has(run, "the caller got OK: the source's DATA_LOSS was "
                           "swallowed, and EOF won");
    done(run);
}

/*
 * The fix, in every schedule: the sender's DATA_LOSS is the group's first
 * error, recorded before the CANCEL it causes; client/recv and the server
 * end with CANCELLED, and the caller gets DATA_LOSS.
 */
static void test_scenario_sender_fails_first_surfaced(void **state)
{
    struct scenario_options o;
    uint64_t seed = 0;

    (void)state;
    memset(&o, 0, sizeof o);
    o.fix = 1;
    for (seed = 1; seed <= 50; seed++) {
        struct run *run = NULL;
        long error = 0;

        o.seed = seed;
        run = run_opts("sender-fails-first", o);
        assert_int_equal(run->code, SCENARIO_EXIT_STATUS);
        assert_int_equal(run->r.status, STATUS_DATA_LOSS);
        assert_string_equal(run->r.why.text,
                            "source: message 3 of 5 could not be read");
        assert_string_equal(run->r.broken, "");
        assert_int_equal(trace_count(run->t, TRACE_CLOSE_SEND), 0);
        assert_int_equal(trace_count(run->t, TRACE_CANCEL), 1);
        error = first_event(run, TRACE_ERROR, STATUS_DATA_LOSS);
        assert_true(error >= 0);
        assert_true(error < first_event(run, TRACE_CANCEL, STATUS_CANCELLED));
        assert_report_has(run, "client/recv ended with CANCELLED");
        assert_report_has(run, "the server with CANCELLED");
        assert_report_has(run, "group_wait returned the first error, the "
                               "sender's DATA_LOSS");
        done(run);
    }
}

/* ---- issue 17: rpc-kinds ------------------------------------------------ */

static struct run *run_kind(const char *kind, uint64_t seed)
{
    struct scenario_options o;

    memset(&o, 0, sizeof o);
    o.seed = seed;
    o.kind = kind;
    return run_opts("rpc-kinds", o);
}

/* The index of the first event of kind by a thread named who*, or -1. */
static long first_by(const struct run *run, enum trace_kind kind,
                     const char *who)
{
    size_t i = 0;

    for (i = 0; i < trace_length(run->t); i++) {
        const struct trace_event *e = trace_event_at(run->t, i);

        if (e->kind == kind && strncmp(e->thread, who, strlen(who)) == 0)
            return (long)i;
    }
    return -1;
}

/*
 * Each kind, in 30 schedules: OK, the requests and replies the kind
 * promises (1 or 3 each way), one CloseSend by the thread the kind's
 * client has, one client thread but for bidi's two; and a reply before
 * the CloseSend in some schedule of unary, server streaming and bidi,
 * never in client streaming (its server replies only after the EOF).
 */
static void test_scenario_rpc_kinds_counts(void **state)
{
    static const struct {
        const char *kind;
        int requests, replies, threads;
        const char *closer;
    } kinds[] = {
        {"unary", 1, 1, 1, "client/call"},
        {"server", 1, 3, 1, "client/call"},
        {"client", 3, 1, 1, "client/call"},
        {"bidi", 3, 3, 2, "client/send"},
    };
    char line[128];
    size_t k = 0;
    uint64_t seed = 0;

    (void)state;
    for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        int early = 0;

        for (seed = 1; seed <= 30; seed++) {
            struct run *run = run_kind(kinds[k].kind, seed);
            long close = first_by(run, TRACE_CLOSE_SEND, kinds[k].closer);

            assert_int_equal(run->code, SCENARIO_EXIT_OK);
            assert_string_equal(run->r.broken, "");
            assert_int_equal(run->r.stats.received[STREAM_C2S],
                             kinds[k].requests);
            assert_int_equal(run->r.stats.received[STREAM_S2C],
                             kinds[k].replies);
            assert_int_equal(trace_count(run->t, TRACE_CLOSE_SEND), 1);
            assert_true(close >= 0);
            early += first_by(run, TRACE_SEND, "server") < close;
            snprintf(line, sizeof line,
                     "%s call: %d request%s, %d repl%s, %d client thread%s",
                     kinds[k].kind, kinds[k].requests,
                     kinds[k].requests == 1 ? "" : "s", kinds[k].replies,
                     kinds[k].replies == 1 ? "y" : "ies", kinds[k].threads,
                     kinds[k].threads == 1 ? "" : "s");
            assert_report_has(run, line);
            done(run);
        }
        if (strcmp(kinds[k].kind, "client") == 0)
            assert_int_equal(early, 0);
        else
            assert_true(early > 0);
    }
}

/* No --kind is unary; a --kind it has not, or on another scenario, fails. */
static void test_scenario_rpc_kinds_kind_option(void **state)
{
    struct scenario_options o;
    struct status_detail why;
    struct run *run = run_plain("rpc-kinds", 0);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_report_has(run, "unary call: 1 request, 1 reply");
    done(run);
    memset(&o, 0, sizeof o);
    o.kind = "duplex";
    assert_int_equal(scenario_check(scenario_find("rpc-kinds"), &o, &why),
                     STATUS_INVALID_ARGUMENT);
    assert_string_equal(why.text, "rpc-kinds's --kind is unary, server, "
                                  "client or bidi, not 'duplex'");
    o.kind = "bidi";
    assert_int_equal(scenario_check(scenario_find("echo"), &o, &why),
                     STATUS_INVALID_ARGUMENT);
    assert_string_equal(why.text, "--kind is for the rpc-kinds scenario");
    assert_int_equal(scenario_check(scenario_find("rpc-kinds"), &o, &why),
                     STATUS_OK);
}

/* ---- issue 17: eof-order ------------------------------------------------ */

/* How many events of kind with status st run's trace has. */
static size_t count_with(const struct run *run, enum trace_kind kind,
                         enum status st)
{
    size_t i = 0;
    size_t n = 0;

    for (i = 0; i < trace_length(run->t); i++) {
        const struct trace_event *e = trace_event_at(run->t, i);

        n += e->kind == kind && e->status == st;
    }
    return n;
}

/*
 * The loop that checks for an error before io.EOF, in 30 schedules: each
 * call ends OK on the server (FINISH OK) and client/recv reads EOF after
 * every echo, yet the caller gets UNKNOWN "recv: EOF", retries, and the
 * server handles the same messages twice.
 */
static void test_scenario_eof_order_fails_an_ok_call(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 1; seed <= 30; seed++) {
        struct run *run = run_seed("eof-order", seed);

        assert_int_equal(run->code, SCENARIO_EXIT_STATUS);
        assert_int_equal(run->r.status, STATUS_UNKNOWN);
        assert_string_equal(run->r.why.text, "recv: EOF");
        assert_string_equal(run->r.broken, "");
        assert_int_equal(trace_count(run->t, TRACE_FINISH), 2);
        assert_int_equal(count_with(run, TRACE_FINISH, STATUS_OK), 2);
        assert_int_equal(trace_count(run->t, TRACE_CLOSE_SEND), 2);
        assert_int_equal(trace_count(run->t, TRACE_EOF), 4);
        assert_int_equal(count_with(run, TRACE_RECV, STATUS_OK), 12);
        assert_report_has(run, "call 2: client/recv got 3 echoes, then EOF "
                               "(the call's status: OK), and returned it "
                               "as an error");
        assert_report_has(run, "the server handled the same 3 messages 2 "
                               "times, every call ended OK");
        done(run);
    }
}

/* --fix checks io.EOF first: one call, OK, in 30 schedules. */
static void test_scenario_eof_order_fixed(void **state)
{
    struct scenario_options o;
    uint64_t seed = 0;

    (void)state;
    memset(&o, 0, sizeof o);
    o.fix = 1;
    for (seed = 1; seed <= 30; seed++) {
        struct run *run = NULL;

        o.seed = seed;
        run = run_opts("eof-order", o);
        assert_int_equal(run->code, SCENARIO_EXIT_OK);
        assert_string_equal(run->r.broken, "");
        assert_int_equal(trace_count(run->t, TRACE_FINISH), 1);
        assert_int_equal(trace_count(run->t, TRACE_CLOSE_SEND), 1);
        assert_int_equal(run->r.stats.received[STREAM_S2C], 3);
        assert_report_has(run, "then EOF, which its loop checks first: it "
                               "returned OK");
        assert_report_has(run, "the caller got OK from call 1");
        done(run);
    }
}

/* ---- issue 17: context-leak --------------------------------------------- */

/* How many events of kind recorded by the thread called who. */
static size_t count_by(const struct run *run, enum trace_kind kind,
                       const char *who)
{
    size_t i = 0;
    size_t n = 0;

    for (i = 0; i < trace_length(run->t); i++) {
        const struct trace_event *e = trace_event_at(run->t, i);

        n += e->kind == kind && strcmp(e->thread, who) == 0;
    }
    return n;
}

/*
 * Stream 1 on the request's context, stream 2 on one nobody cancels, in
 * 30 schedules and on real threads: the request's cancel ends stream 1
 * after its first update (the caller gets CANCELLED "request 1 returned"),
 * and when the session is over stream 2's two threads still run and the
 * stream is open.
 */
static void test_scenario_context_leak_leaks(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 1; seed <= 31; seed++) { /* the last on real threads */
        struct run *run = seed == 31 ? run_os("context-leak", 0)
                                     : run_seed("context-leak", seed);

        assert_int_equal(run->code, SCENARIO_EXIT_STATUS);
        assert_int_equal(run->r.status, STATUS_CANCELLED);
        assert_string_equal(run->r.why.text, "request 1 returned");
        assert_string_equal(run->r.broken, "");
        assert_int_equal(count_by(run, TRACE_SEND, "server1"), 1);
        assert_int_equal(count_by(run, TRACE_RECV, "client1/watch"), 1);
        assert_int_equal(count_by(run, TRACE_RECV, "client2/watch"), 3);
        assert_int_equal(trace_count(run->t, TRACE_FINISH), 0);
        assert_report_has(run, "when the session was over: 2 stream "
                               "threads still running, 1 stream open");
        done(run);
    }
}

/*
 * --fix, in 30 schedules and on real threads: stream 1 delivers every
 * update and finishes OK, session_close ends stream 2, and nothing is
 * left: 0 threads, 0 streams.
 */
static void test_scenario_context_leak_fixed(void **state)
{
    struct scenario_options o;
    uint64_t seed = 0;

    (void)state;
    memset(&o, 0, sizeof o);
    o.fix = 1;
    for (seed = 1; seed <= 31; seed++) { /* the last on real threads */
        struct run *run = NULL;

        o.seed = seed;
        o.os = seed == 31;
        run = run_opts("context-leak", o);
        assert_int_equal(run->code, SCENARIO_EXIT_OK);
        assert_string_equal(run->r.broken, "");
        assert_int_equal(count_by(run, TRACE_RECV, "client1/watch"), 3);
        assert_int_equal(count_by(run, TRACE_FINISH, "server1"), 1);
        assert_int_equal(count_with(run, TRACE_FINISH, STATUS_OK), 1);
        assert_report_has(run, "client1/watch got 3, then EOF");
        assert_report_has(run, "0 stream threads still running, 0 streams "
                               "open");
        done(run);
    }
}

/* A thread that cannot start ends the run: no thread waits for ever. */
static void test_scenario_context_leak_refused_thread(void **state)
{
    struct scenario_options o;
    int k = 0;

    (void)state;
    memset(&o, 0, sizeof o);
    o.seed = 1;
    for (k = 1; k <= 5; k++) {
        struct run *run = NULL;

        o.refuse_thread = k;
        o.fix = k % 2;
        run = run_opts("context-leak", o);
        assert_int_equal(run->r.status, STATUS_RESOURCE_EXHAUSTED);
        assert_int_equal(run->code, SCENARIO_EXIT_STATUS);
        assert_false(run->r.simulated && run->r.sim.deadlocked);
        done(run);
    }
}

/* ---- issue 17: pause-resume --------------------------------------------- */

/*
 * In 40 schedules: OK, 12 messages read, 2 PAUSE and 2 RESUME (windows of
 * 4, none after the last), and every hold of client/send in the timeline
 * is one the report counts: its BLOCKs that say PAUSE are the
 * application's, the others the pipe's (the stream's write_waits). Both
 * layers hold it in some schedule.
 */
static void test_scenario_pause_resume_layers(void **state)
{
    uint64_t seed = 0;
    int app = 0;
    int transport = 0;

    (void)state;
    for (seed = 1; seed <= 40; seed++) {
        struct run *run = run_seed("pause-resume", seed);
        size_t blocks = count_by(run, TRACE_BLOCK, "client/send");
        size_t i = 0;
        size_t paused = 0;
        char line[160];

        assert_int_equal(run->code, SCENARIO_EXIT_OK);
        assert_string_equal(run->r.broken, "");
        assert_int_equal(run->r.stats.received[STREAM_C2S], 12);
        assert_int_equal(run->r.stats.received[STREAM_S2C], 4);
        for (i = 0; i < trace_length(run->t); i++) {
            const struct trace_event *e = trace_event_at(run->t, i);

            paused += e->kind == TRACE_BLOCK &&
                      strcmp(e->thread, "client/send") == 0 &&
                      strstr(e->text, "PAUSE") != NULL;
        }
        assert_int_equal(blocks - paused,
                         run->r.stats.write_waits[STREAM_C2S]);
        snprintf(line, sizeof line,
                 "client/send was held %d time%s by PAUSE (the "
                 "application) and %d time%s by a full c2s",
                 (int)paused, paused == 1 ? "" : "s",
                 (int)(blocks - paused), blocks - paused == 1 ? "" : "s");
        assert_report_has(run, line);
        assert_report_has(run, "2 PAUSE and 2 RESUME sent, then OK");
        app += paused > 0;
        transport += blocks > paused;
        done(run);
    }
    assert_true(app > 0);
    assert_true(transport > 0);
}

/* ---- issue 17: reconcile ------------------------------------------------ */

/* The version in a trace event's text ("... \"v2 Running\""); 0: none. */
static int reconcile_version(const struct trace_event *e)
{
    const char *v = strstr(e->text, "\"v");

    return v == NULL ? 0 : atoi(v + 2);
}

/*
 * One run of reconcile with n desired states: OK, and what client/recv
 * read goes only forward: versions never go back, each superseded state
 * says so, the last message is vN Running, and client/send half-closes
 * only after client/recv has read it.
 */
static void check_reconcile(struct run *run, int n)
{
    char line[160];
    long running = -1;
    long closed = -1;
    int last = 0;
    int superseded = 0;
    size_t i = 0;

    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_string_equal(run->r.broken, "");
    assert_int_equal(run->r.stats.received[STREAM_C2S], n);
    /* v1..vN-1 each: its first step and "superseded"; vN: 3 steps. */
    assert_int_equal(run->r.stats.received[STREAM_S2C], 2 * (n - 1) + 3);
    for (i = 0; i < trace_length(run->t); i++) {
        const struct trace_event *e = trace_event_at(run->t, i);
        int v = reconcile_version(e);

        if (e->kind == TRACE_CLOSE_SEND)
            closed = (long)i;
        if (e->kind != TRACE_RECV || strcmp(e->thread, "client/recv") != 0)
            continue;
        assert_true(v >= last);
        last = v;
        superseded += strstr(e->text, "superseded") != NULL;
        if (strstr(e->text, "Running") != NULL) {
            assert_int_equal(v, n);
            running = (long)i;
        }
    }
    assert_int_equal(last, n);
    assert_int_equal(superseded, n - 1);
    assert_true(running >= 0);
    assert_true(closed > running);
    snprintf(line, sizeof line,
             "server: %d superseded mid-way, v%d Running after %d "
             "progress messages, then OK",
             n - 1, n, n - 1 + 3);
    assert_report_has(run, line);
    snprintf(line, sizeof line, "CloseSend after v%d was Running", n);
    assert_report_has(run, line);
}

/* In 40 schedules, with 2 desired states and with 4. */
static void test_scenario_reconcile_supersedes(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 1; seed <= 40; seed++) {
        struct scenario_options o;
        struct run *run = run_seed("reconcile", seed);

        check_reconcile(run, 2);
        done(run);
        memset(&o, 0, sizeof o);
        o.seed = seed;
        o.messages = 4;
        run = run_opts("reconcile", o);
        check_reconcile(run, 4);
        done(run);
    }
}

/* The same outcome on the h2 wire, and on real threads. */
static void test_scenario_reconcile_h2_and_os(void **state)
{
    struct scenario_options o;
    struct run *run = NULL;
    uint64_t seed = 0;

    (void)state;
    for (seed = 1; seed <= 10; seed++) {
        memset(&o, 0, sizeof o);
        o.seed = seed;
        o.wire = &h2_wire_type;
        run = run_opts("reconcile", o);
        check_reconcile(run, 2);
        done(run);
    }
    run = run_os("reconcile", 0);
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_string_equal(run->r.broken, "");
    assert_report_has(run, "CloseSend after v2 was Running");
    done(run);
}

/* ---- issue 17: collaborate ---------------------------------------------- */

/*
 * One run of collaborate (3 operations each): OK; the server reads each
 * client's operations in the order it sent them (A1 A2 A3 on server1's
 * stream); each client reads numbers that only go up; each client's
 * order by number is the server's. Stores the server's order in order.
 */
static void check_collaborate(struct run *run, char *order, size_t cap)
{
    static const char *const want[2][3] = {{"\"A1\"", "\"A2\"", "\"A3\""},
                                           {"\"B1\"", "\"B2\"", "\"B3\""}};
    char line[160];
    const char *at = NULL;
    int next[2] = {0, 0};
    int last[2] = {0, 0};
    size_t i = 0;
    int k = 0;

    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_string_equal(run->r.broken, "");
    assert_int_equal(run->r.stats.received[STREAM_C2S], 6);
    assert_int_equal(run->r.stats.received[STREAM_S2C], 12);
    for (i = 0; i < trace_length(run->t); i++) {
        const struct trace_event *e = trace_event_at(run->t, i);
        const char *n = NULL;

        if (e->kind != TRACE_RECV)
            continue;
        k = e->thread[6] == '2';
        if (strncmp(e->thread, "server", 6) == 0) {
            assert_true(next[k] < 3);
            assert_non_null(strstr(e->text, want[k][next[k]]));
            next[k]++;
        } else if ((n = strchr(e->text, '"')) != NULL &&
                   (n = strchr(n, ' ')) != NULL) {
            int seq = atoi(n + 1); /* "ACK 3" or "OP 3 A1" */

            assert_true(seq > last[k]);
            last[k] = seq;
        }
    }
    assert_int_equal(next[0], 3);
    assert_int_equal(next[1], 3);
    assert_int_equal(last[0], 6);
    assert_int_equal(last[1], 6);
    at = strstr(run->r.report, "server sequenced 6 operations: ");
    assert_non_null(at);
    at += strlen("server sequenced 6 operations: ");
    snprintf(order, cap, "%.*s", (int)strcspn(at, "\n"), at);
    for (k = 1; k <= 2; k++) {
        snprintf(line, sizeof line,
                 "client%d sent 3, read 6 (3 ACKs), then CloseSend; by "
                 "number: %s\n",
                 k, order);
        assert_report_has(run, line);
    }
}

/*
 * In 40 schedules every check holds, and the two clients' operations
 * interleave in more than one way.
 */
static void test_scenario_collaborate_one_order(void **state)
{
    char first[64] = "";
    char order[64];
    int differ = 0;
    uint64_t seed = 0;

    (void)state;
    for (seed = 1; seed <= 40; seed++) {
        struct run *run = run_seed("collaborate", seed);

        check_collaborate(run, order, sizeof order);
        if (seed == 1)
            snprintf(first, sizeof first, "%s", order);
        differ += strcmp(order, first) != 0;
        done(run);
    }
    assert_true(differ > 0);
}

/* The same outcome on the h2 wire, and on real threads. */
static void test_scenario_collaborate_h2_and_os(void **state)
{
    struct scenario_options o;
    struct run *run = NULL;
    char order[64];
    uint64_t seed = 0;

    (void)state;
    for (seed = 1; seed <= 10; seed++) {
        memset(&o, 0, sizeof o);
        o.seed = seed;
        o.wire = &h2_wire_type;
        run = run_opts("collaborate", o);
        check_collaborate(run, order, sizeof order);
        done(run);
    }
    run = run_os("collaborate", 0);
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_string_equal(run->r.broken, "");
    assert_report_has(run, "every client has the server's order");
    done(run);
}

/*
 * The other new scenarios of issues 13 and 17 on the h2 wire, in 10
 * schedules and on real threads: each runs over HTTP/2 (its client's
 * connection writer sends frames on stream 0: SETTINGS, GOAWAY; on real
 * threads a cancel may come before any HEADERS), ends with the exit code
 * it has on the raw wire, and its report makes the same claim.
 */
static void test_scenario_new_scenarios_on_h2(void **state)
{
    static const struct {
        const char *name, *kind;
        int fix;
        enum scenario_exit want;
        const char *claim;
    } rows[] = {
        {"sender-fails-first", NULL, 0, SCENARIO_EXIT_OK,
         "the caller got OK: the source's DATA_LOSS was swallowed, and EOF "
         "won"},
        {"sender-fails-first", NULL, 1, SCENARIO_EXIT_STATUS,
         "group_wait returned the first error, the sender's DATA_LOSS"},
        {"rpc-kinds", "unary", 0, SCENARIO_EXIT_OK,
         "unary call: 1 request, 1 reply, 1 client thread"},
        {"rpc-kinds", "server", 0, SCENARIO_EXIT_OK,
         "server call: 1 request, 3 replies, 1 client thread"},
        {"rpc-kinds", "client", 0, SCENARIO_EXIT_OK,
         "client call: 3 requests, 1 reply, 1 client thread"},
        {"rpc-kinds", "bidi", 0, SCENARIO_EXIT_OK,
         "bidi call: 3 requests, 3 replies, 2 client threads"},
        {"eof-order", NULL, 0, SCENARIO_EXIT_STATUS,
         "the server handled the same 3 messages 2 times, every call ended "
         "OK"},
        {"eof-order", NULL, 1, SCENARIO_EXIT_OK,
         "the caller got OK from call 1"},
        {"context-leak", NULL, 0, SCENARIO_EXIT_STATUS,
         "when the session was over: 2 stream threads still running, 1 "
         "stream open"},
        {"context-leak", NULL, 1, SCENARIO_EXIT_OK,
         "0 stream threads still running, 0 streams open"},
        {"pause-resume", NULL, 0, SCENARIO_EXIT_OK,
         "2 PAUSE and 2 RESUME sent, then OK"},
    };
    size_t i = 0;
    uint64_t seed = 0;

    (void)state;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        for (seed = 1; seed <= 11; seed++) { /* the last on real threads */
            struct scenario_options o = on_h2(seed, rows[i].fix);
            struct run *run = NULL;

            o.kind = rows[i].kind;
            o.os = seed == 11;
            run = run_opts(rows[i].name, o);
            if (run->code != (int)rows[i].want || run->r.broken[0] != '\0')
                fail_msg("%s%s%s seed %llu on h2: exit %d, %s", rows[i].name,
                         rows[i].kind != NULL ? " --kind " : "",
                         rows[i].kind != NULL ? rows[i].kind : "",
                         (unsigned long long)seed, run->code, run->r.broken);
            assert_true(has_note(run, "client/h2-write", "stream 0"));
            assert_report_has(run, rows[i].claim);
            done(run);
        }
    }
}

/*
 * Both directions hot through 64-byte pipes: the server's one loop (ack,
 * then a push after every second upload) waits for s2c, client/recv waits
 * to hand client/send a confirm, client/send waits for c2s: a cycle.
 */
static void test_scenario_both_hot_deadlocks(void **state)
{
    struct run *run = run_plain("both-hot", 0);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_DEADLOCK);
    assert_string_equal(run->r.broken, "");
    /* 6 uploads in; 6 acks and 2 pushes out, all of which were read. */
    assert_int_equal(run->r.stats.received[STREAM_C2S], 6);
    assert_int_equal(run->r.stats.sent[STREAM_S2C], 8);
    assert_int_equal(run->r.stats.received[STREAM_S2C], 6);
    assert_report_has(run, "client/send sent 6 of 8 uploads");
    assert_report_has(run, "server read 6 uploads, sent 6 acks and 2 "
                           "pushes");
    assert_report_has(run, "a cycle: the server waited for client/recv");
    assert_report_has(run, "client/recv got 4 acks and 2 pushes, and "
                           "waited to hand a confirm to client/send");
    assert_non_null(strstr(run->r.sim.report,
                           "client/recv waits for room in client/send's "
                           "queue of confirms"));
    done(run);
}

static void test_scenario_both_hot_deadline(void **state)
{
    struct run *run = run_timeout("both-hot", 50);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_STATUS);
    assert_int_equal(run->r.status, STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(run->r.broken, "");
    done(run);
}

/*
 * A send thread on the server: 8 uploads and 4 confirms in, 8 acks and 4
 * pushes out, through the same 64-byte pipes; the echo's shape (a
 * receiver that only reads) survives them too.
 */
static void test_scenario_both_hot_fixed(void **state)
{
    struct scenario_options o;
    struct run *run = run_plain("both-hot", 1);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_string_equal(run->r.broken, "");
    assert_int_equal(run->r.stats.received[STREAM_C2S], 12);
    assert_int_equal(run->r.stats.received[STREAM_S2C], 12);
    assert_true(run->r.stats.write_waits[STREAM_C2S] > 0);
    assert_true(run->r.stats.write_waits[STREAM_S2C] > 0);
    assert_report_has(run, "server/send sent 8 acks and 4 pushes");
    assert_report_has(run, "client/recv got 8 acks and 4 pushes, then EOF");
    done(run);
    memset(&o, 0, sizeof o);
    o.capacity = 64;
    o.messages = 8;
    o.seed = 1;
    run = run_opts("echo", o);
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_int_equal(run->r.stats.received[STREAM_S2C], 8);
    done(run);
}

/* Pipes that hold a whole push would not show the cycle: refused. */
static void test_scenario_both_hot_sizes(void **state)
{
    struct scenario_options o;
    struct run *run = NULL;

    (void)state;
    memset(&o, 0, sizeof o);
    o.capacity = 105;
    run = run_opts("both-hot", o);
    assert_int_equal(run->code, SCENARIO_EXIT_USAGE);
    done(run);
    o.capacity = 1;
    o.messages = 20;
    run = run_opts("both-hot", o);
    assert_int_equal(run->code, SCENARIO_EXIT_DEADLOCK);
    assert_string_equal(run->r.broken, "");
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

        run = run_seed(sc->name, 1);
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

/* ---- SIM mode: determinism, deadlocks, virtual time, many seeds -------- */

/* The timeline of a run, as text (the caller frees it). */
static char *timeline_of(struct run *run)
{
    struct sink s;
    char *text = NULL;

    timeline_print(run->t, sink_open(&s), 0);
    text = strdup(sink_text(&s));
    sink_free(&s);
    assert_non_null(text);
    return text;
}

static void test_scenario_same_seed_same_run(void **state)
{
    size_t i = 0;
    size_t k = 0;

    (void)state;
    for (i = 0; i < scenario_count(); i++) {
        struct run *a = run_seed(scenario_at(i)->name, 7);
        struct run *b = run_seed(scenario_at(i)->name, 7);
        char *ta = timeline_of(a);
        char *tb = timeline_of(b);

        assert_string_equal(ta, tb);
        assert_string_equal(a->r.report, b->r.report);
        assert_int_equal(a->r.sim.steps, b->r.sim.steps);
        assert_int_equal(a->r.sim.ndecisions, b->r.sim.ndecisions);
        for (k = 0; k < a->r.sim.ndecisions; k++) {
            const struct sched_decision *da = &a->r.sim.decisions[k];
            const struct sched_decision *db = &b->r.sim.decisions[k];

            assert_int_equal(da->runnable, db->runnable);
            assert_int_equal(da->current, db->current);
            assert_int_equal(da->chosen, db->chosen);
        }
        /* The timeline counts steps, not microseconds. */
        assert_non_null(strstr(ta, "  step  client"));
        free(ta);
        free(tb);
        done(a);
        done(b);
    }
}

static void test_scenario_forgot_close_send_deadlocks(void **state)
{
    struct run *run = run_plain("forgot-close-send", 0);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_DEADLOCK);
    assert_int_equal(run->r.status, STATUS_DEADLOCK);
    assert_int_equal(run->r.sim.deadlocked, 1);
    assert_string_equal(run->r.sim.report,
                        "deadlock: server waits for data on c2s (empty, "
                        "writer open); client/recv waits for data on s2c "
                        "(empty, writer open). Nobody can write: did the "
                        "client forget stream_close_send?");
    /* Everything unwound: every echo made it, no time passed. */
    assert_int_equal(run->r.stats.received[STREAM_S2C], 3);
    assert_int_equal(run->r.sim.now_ns, 1000000000);
    done(run);
}

/* A 5 s deadline passes at once, at the same virtual time every run. */
static void test_scenario_deadline_is_virtual_and_exact(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 1; seed <= 40; seed++) {
        struct scenario_options o;
        struct run *run = NULL;

        memset(&o, 0, sizeof o);
        o.seed = seed;
        o.timeout_ms = 5000;
        run = run_opts("forgot-close-send", o);
        assert_int_equal(run->code, SCENARIO_EXIT_STATUS);
        assert_int_equal(run->r.status, STATUS_DEADLINE_EXCEEDED);
        assert_int_equal(run->r.sim.deadlocked, 0);
        assert_int_equal(run->r.sim.now_ns, 1000000000 + 5000000000LL);
        done(run);
    }
}

static void test_scenario_quota_loses_a_wake_up(void **state)
{
    struct run *run = run_plain("concurrent-senders-quota", 0);

    (void)state;
    assert_int_equal(run->code, SCENARIO_EXIT_DEADLOCK);
    assert_non_null(strstr(run->r.sim.report,
                           "waits for a send-quota wake-up (quota 12 bytes, "
                           "no token: the other sender took it)"));
    assert_non_null(strstr(run->r.report, "lost wake-up"));
    assert_string_equal(run->r.broken, "");
    done(run);
}

/* ---- hub --------------------------------------------------------------- */

static struct scenario_options hub_opts(int clients, int messages)
{
    struct scenario_options o;

    memset(&o, 0, sizeof o);
    o.clients = clients;
    o.messages = messages;
    o.seed = 1;
    return o;
}

/* Every message reaches every other client once: the counters agree. */
static void assert_hub_delivered(const struct run *run, int n, int m)
{
    if (run->r.broken[0] != '\0')
        fail_msg("hub: %s", run->r.broken);
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    assert_int_equal(run->r.stats.sent[STREAM_C2S], (uint64_t)(n * m));
    assert_int_equal(run->r.stats.received[STREAM_C2S], (uint64_t)(n * m));
    assert_int_equal(run->r.stats.sent[STREAM_S2C], (uint64_t)(n * m * (n - 1)));
    assert_int_equal(run->r.stats.received[STREAM_S2C],
                     (uint64_t)(n * m * (n - 1)));
}

static void test_scenario_hub_delivers_to_every_other_client(void **state)
{
    struct run *run = run_opts("hub", hub_opts(4, 3));

    (void)state;
    assert_hub_delivered(run, 4, 3);
    assert_report_has(run, "4 clients each sent 3 messages");
    assert_report_has(run, "36 messages delivered (4 x 3 x 3)");
    done(run);
}

/* Each receiver checks each sender's order and that nothing is missing. */
static void test_scenario_hub_many_seeds_keep_order(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 1; seed <= 200; seed++) {
        struct scenario_options o = hub_opts(5, 4);
        struct run *run = NULL;

        o.seed = seed;
        o.capacity = 16; /* two frames at most: the hub waits on full pipes */
        run = run_opts("hub", o);
        assert_hub_delivered(run, 5, 4);
        done(run);
    }
}

static void test_scenario_hub_on_real_threads(void **state)
{
    struct scenario_options o = hub_opts(50, 5);
    struct run *run = NULL;

    (void)state;
    o.os = 1;
    run = run_opts("hub", o);
    assert_hub_delivered(run, 50, 5);
    assert_report_has(run, "151 threads and 50 streams");
    done(run);
}

static void test_scenario_hub_options_are_checked(void **state)
{
    struct scenario_options o = hub_opts(SCENARIO_HUB_SIM_MAX + 1, 1);
    struct status_detail why;

    (void)state;
    assert_int_equal(scenario_check(scenario_find("hub"), &o, &why),
                     STATUS_INVALID_ARGUMENT);
    assert_has(why.text, "use --os for more");
    o.os = 1;
    assert_int_equal(scenario_check(scenario_find("hub"), &o, &why),
                     STATUS_OK);
    o.clients = 2;
    assert_int_equal(scenario_check(scenario_find("echo"), &o, &why),
                     STATUS_INVALID_ARGUMENT);
    assert_has(why.text, "--clients is for the hub scenario");
}

/* Every seed of every scenario keeps its invariants. */
static void test_scenario_many_seeds(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < scenario_count(); i++) {
        const struct scenario *sc = scenario_at(i);
        int fix = 0;

        for (fix = 0; fix <= (sc->fix_summary != NULL); fix++) {
            struct scenario_options o;
            int showed = 0;
            uint64_t seed = 0;

            memset(&o, 0, sizeof o);
            o.fix = fix;
            o.messages = sc->default_messages > 20 ? 20 : 0;
            for (seed = 1; seed <= 300; seed++) {
                struct run *run = NULL;

                o.seed = seed;
                run = run_opts(sc->name, o);
                if (run->r.broken[0] != '\0')
                    fail_msg("%s%s seed %llu: %s", sc->name,
                             fix ? " --fix" : "", (unsigned long long)seed,
                             run->r.broken);
                if (sc->racy && !fix) {
                    /* The bug shows in some schedules, never anything else. */
                    assert_true(run->code == SCENARIO_EXIT_OK ||
                                run->code == (int)sc->expected);
                    showed += run->code == (int)sc->expected;
                } else if (run->code != (int)scenario_expected(sc, &o)) {
                    fail_msg("%s%s seed %llu: exit %d, expected %d", sc->name,
                             fix ? " --fix" : "", (unsigned long long)seed,
                             run->code, (int)scenario_expected(sc, &o));
                }
                done(run);
            }
            if (sc->racy && !fix)
                assert_true(showed > 0);
        }
    }
}

/* ---- OS mode: the same scenarios on real threads ------------------------ */

static void test_scenario_every_scenario_os(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < scenario_count(); i++) {
        const struct scenario *sc = scenario_at(i);
        struct scenario_options o;
        struct run *run = NULL;

        memset(&o, 0, sizeof o);
        o.os = 1;
        if (sc->racy)
            continue; /* interleaving-dependent: see the _os tests */
        run = run_opts(sc->name, o);
        assert_string_equal(run->r.broken, "");
        assert_int_equal(run->r.simulated, 0);
        assert_int_equal(run->code, (int)scenario_expected(sc, &o));
        /* Real time: the timeline counts microseconds. */
        {
            char *text = timeline_of(run);

            assert_non_null(strstr(text, " t(us)  client"));
            free(text);
        }
        done(run);
    }
}

/* On real threads the quota bug hides: every run ends OK or at the
 * 200 ms deadline, never with a broken invariant. */
static void test_scenario_quota_os_is_bounded(void **state)
{
    struct run *run = run_os("concurrent-senders-quota", 0);

    (void)state;
    assert_string_equal(run->r.broken, "");
    assert_true(run->code == SCENARIO_EXIT_OK ||
                run->code == SCENARIO_EXIT_STATUS);
    done(run);
    run = run_os("concurrent-senders-quota", 1);
    assert_int_equal(run->code, SCENARIO_EXIT_OK);
    done(run);
}

/* ---- a thread that cannot start ----------------------------------------- */

/* Runs name (its --fix with fix) with its thread start number k refused. */
static struct run *run_refused(const char *name, int fix, int os, uint64_t seed,
                               int k)
{
    struct scenario_options o;

    memset(&o, 0, sizeof o);
    o.fix = fix;
    o.os = os;
    o.seed = seed;
    o.refuse_thread = k;
    return run_opts(name, o);
}

/* Whether the run's reason is a refused thread start. */
static int cut_short(const struct run *run)
{
    return strstr(run->r.why.text, "could not start thread ") != NULL;
}

/* The "counted until then" line says what the counters say. */
static void assert_counted_line(const struct run *run, const char *line)
{
    const struct stream_stats *t = &run->r.stats;
    char want[256];

    snprintf(want, sizeof want,
             "the run was cancelled and they returned; counted until "
             "then: c2s %llu sent, %llu received; s2c %llu sent, %llu "
             "received\n",
             (unsigned long long)t->sent[STREAM_C2S],
             (unsigned long long)t->received[STREAM_C2S],
             (unsigned long long)t->sent[STREAM_S2C],
             (unsigned long long)t->received[STREAM_S2C]);
    if (strncmp(line, want, strlen(want)) != 0)
        fail_msg("counted line is not \"%s\":\n%s", want, run->r.report);
}

/*
 * Whether line (up to its newline) is one a cut-short run may say: one of
 * say_short's, or the hub's count of its threads.
 */
static int says_only_counts(const char *line, int started)
{
    static const char *const fixed[] = {
        "the run was cancelled and they returned; counted until then: ",
        "a run without all its threads checks none of the lesson's "
        "invariants\n"};
    char threads[64];
    int n = 0;
    int needed = 0;
    size_t i = 0;

    for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (strncmp(line, fixed[i], strlen(fixed[i])) == 0)
            return 1;
    snprintf(threads, sizeof threads, "%d thread%s and ", started,
             started == 1 ? "" : "s");
    return strncmp(line, threads, strlen(threads)) == 0 ||
           sscanf(line, "%d of the %d threads this run needs ", &n, &needed) ==
               2;
}

/* Every line of a cut-short report says what the run counted, and no more. */
static void assert_only_counts(const struct run *run, int started)
{
    const char *line = run->r.report;

    while (*line != '\0') {
        const char *end = strchr(line, '\n');

        assert_non_null(end);
        if (!says_only_counts(line, started))
            fail_msg("a cut-short run claims more than it counted:\n%s",
                     run->r.report);
        if (strncmp(line, "the run was cancelled", 21) == 0)
            assert_counted_line(run, line);
        line = end + 1;
    }
}

/*
 * A run whose thread start number k was refused: exit 3, the thread and
 * the reason in why, no invariant checked, and a report of only what it
 * counted. Returns how many threads the report says a whole run needs.
 */
static int assert_cut_short(const struct run *run, int k)
{
    char reason[STATUS_TEXT_MAX];
    char first[STATUS_TEXT_MAX + 80];
    int needed = 0;

    assert_int_equal(run->code, SCENARIO_EXIT_STATUS);
    assert_int_equal(run->r.status, STATUS_RESOURCE_EXHAUSTED);
    assert_int_equal(run->r.why.code, STATUS_RESOURCE_EXHAUSTED);
    assert_int_equal(strncmp(run->r.why.text, "could not start thread ", 23),
                     0);
    snprintf(reason, sizeof reason, ": %s", strerror(EAGAIN));
    assert_string_equal(
        run->r.why.text + strlen(run->r.why.text) - strlen(reason), reason);
    assert_string_equal(run->r.broken, "");
    assert_int_equal(run->r.garbled, 0);
    assert_int_equal(run->r.sim.deadlocked, 0);
    assert_int_equal(sscanf(run->r.report, "%*d of the %d threads", &needed),
                     1);
    snprintf(first, sizeof first,
             "%d of the %d threads this run needs started, then: %s\n", k - 1,
             needed, run->r.why.text);
    assert_int_equal(strncmp(run->r.report, first, strlen(first)), 0);
    assert_only_counts(run, k - 1);
    return needed;
}

/*
 * Refuses each thread start of every scenario in turn: each run ends at
 * once (no waiter is left for a thread that never started), exit 3, and
 * says only what it counted; one more and the run is whole, and the same
 * as without the refusal.
 */
static void refuse_each_start(const struct scenario *sc, int fix, int os,
                              uint64_t seed)
{
    int needed = -1;
    int k = 0;

    for (k = 1;; k++) {
        struct run *run = run_refused(sc->name, fix, os, seed, k);
        int n = 0;

        if (!cut_short(run)) {
            assert_int_equal(k - 1, needed);
            assert_string_equal(run->r.broken, "");
            done(run);
            return;
        }
        n = assert_cut_short(run, k);
        if (needed < 0)
            needed = n;
        assert_int_equal(n, needed);
        assert_true(k <= needed);
        done(run);
    }
}

static void test_scenario_refused_thread_ends_the_run(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < scenario_count(); i++) {
        const struct scenario *sc = scenario_at(i);
        int fix = 0;
        uint64_t seed = 0;

        for (fix = 0; fix <= (sc->fix_summary != NULL); fix++)
            for (seed = 1; seed <= 10; seed++)
                refuse_each_start(sc, fix, 0, seed);
    }
}

static void test_scenario_refused_thread_ends_the_run_os(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < scenario_count(); i++) {
        const struct scenario *sc = scenario_at(i);
        int fix = 0;

        for (fix = 0; fix <= (sc->fix_summary != NULL); fix++)
            refuse_each_start(sc, fix, 1, 0);
    }
}

/* A refusal past the last thread changes nothing: same run, same words. */
static void test_scenario_refusal_past_the_threads_is_no_refusal(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < scenario_count(); i++) {
        const struct scenario *sc = scenario_at(i);
        struct run *plain = run_plain(sc->name, 0);
        struct run *past = run_refused(sc->name, 0, 0, 1, 99);

        assert_int_equal(past->code, plain->code);
        assert_int_equal(past->code, (int)sc->expected);
        assert_string_equal(past->r.report, plain->r.report);
        assert_int_equal(past->r.sim.steps, plain->r.sim.steps);
        done(plain);
        done(past);
    }
}

/* A hub cut short claims no delivery; a whole one counts its own. */
static void test_scenario_hub_cut_short_claims_nothing(void **state)
{
    struct scenario_options o = hub_opts(4, 3);
    struct run *run = NULL;
    char want[64];
    int k = 0;

    (void)state;
    for (k = 1; k <= 13; k++) { /* the hub loop, then 3 a client */
        o.refuse_thread = k;
        run = run_opts("hub", o);
        assert_int_equal(assert_cut_short(run, k), 13);
        assert_null(strstr(run->r.report, "every client got"));
        assert_null(strstr(run->r.report, "delivered"));
        done(run);
    }
    o.refuse_thread = 0;
    run = run_opts("hub", o);
    snprintf(want, sizeof want, ": %llu messages delivered (4 x 3 x 3)",
             (unsigned long long)run->r.stats.received[STREAM_S2C]);
    assert_report_has(run, want);
    assert_report_has(run, "every client got every other client's");
    done(run);
}

/* After a deadline the narration gives the counts, not "nothing lost". */
static void test_scenario_deadline_narration_is_measured(void **state)
{
    struct scenario_options o;
    struct run *run = NULL;
    char want[128];

    (void)state;
    memset(&o, 0, sizeof o);
    o.seed = 1;
    o.timeout_ms = 5; /* the server reads a chunk every 2 ms */
    run = run_opts("backpressure", o);
    assert_int_equal(run->r.status, STATUS_DEADLINE_EXCEEDED);
    assert_null(strstr(run->r.report, "nothing was lost"));
    snprintf(want, sizeof want,
             "%llu sent, %llu received; the call ended with "
             "DEADLINE_EXCEEDED",
             (unsigned long long)run->r.stats.sent[STREAM_C2S],
             (unsigned long long)run->r.stats.received[STREAM_C2S]);
    assert_report_has(run, want);
    assert_true(run->r.stats.received[STREAM_C2S] <
                run->r.stats.sent[STREAM_C2S]);
    done(run);
}

/*
 * A deadline cuts each call short on real threads (1 ms for
 * thousands of messages). Whatever the moment, the run breaks no invariant
 * and claims no ending it did not have: those lines need the call's OK.
 */
static void test_scenario_deadline_mid_run_claims_no_ending(void **state)
{
    static const char *const endings[] = {
        "then EOF on s2c", "ended cleanly", "nothing was lost",
        "got both",        "decoded all",   "every waiter is woken",
        "every client got"};
    size_t i = 0;
    size_t k = 0;

    (void)state;
    for (i = 0; i < scenario_count(); i++) {
        const struct scenario *sc = scenario_at(i);
        int fix = 0;

        for (fix = 0; fix <= (sc->fix_summary != NULL); fix++) {
            struct scenario_options o;
            struct run *run = NULL;

            memset(&o, 0, sizeof o);
            o.os = 1;
            o.fix = fix;
            o.timeout_ms = 1;
            o.messages = 3000;
            o.capacity = 3000 * 40; /* cancel-vs-drain buffers them all */
            run = run_opts(sc->name, o);
            if (run->r.broken[0] != '\0')
                fail_msg("%s%s: BROKEN %s", sc->name, fix ? " --fix" : "",
                         run->r.broken);
            for (k = 0; run->r.status != STATUS_OK && k < 7; k++)
                if (strstr(run->r.report, endings[k]) != NULL)
                    fail_msg("%s%s ended with %s, yet says \"%s\":\n%s",
                             sc->name, fix ? " --fix" : "",
                             status_name(run->r.status), endings[k],
                             run->r.report);
            done(run);
        }
    }
}

static void test_scenario_check_options(void **state)
{
    struct scenario_options o;
    struct status_detail why;

    (void)state;
    memset(&o, 0, sizeof o);
    assert_int_equal(scenario_check(scenario_find("cancel-vs-drain"), &o, &why),
                     STATUS_OK);
    o.capacity = 16;
    assert_int_equal(scenario_check(scenario_find("cancel-vs-drain"), &o, &why),
                     STATUS_INVALID_ARGUMENT);
    assert_string_equal(why.text, "cancel-vs-drain needs --capacity of at "
                                  "least 175 bytes to buffer 5 updates");
    assert_int_equal(scenario_check(scenario_find("echo"), &o, &why),
                     STATUS_OK);
}

/*
 * A scenario's own option checks go with its row, not its name: a copy
 * under another name keeps them, a copy without its hook has none, and
 * --clients goes to whichever row takes clients.
 */
static void test_scenario_checks_belong_to_the_row(void **state)
{
    struct scenario drain = *scenario_find("cancel-vs-drain");
    struct scenario hub = *scenario_find("hub");
    struct scenario_options o;
    struct status_detail why;

    (void)state;
    memset(&o, 0, sizeof o);
    o.capacity = 16;
    drain.name = "drain-copy";
    assert_int_equal(scenario_check(&drain, &o, &why),
                     STATUS_INVALID_ARGUMENT);
    assert_string_equal(why.text, "drain-copy needs --capacity of at least "
                                  "175 bytes to buffer 5 updates");
    drain.check = NULL;
    assert_int_equal(scenario_check(&drain, &o, &why), STATUS_OK);

    memset(&o, 0, sizeof o);
    o.clients = SCENARIO_HUB_SIM_MAX + 1;
    hub.name = "hub-copy";
    assert_int_equal(scenario_check(&hub, &o, &why), STATUS_INVALID_ARGUMENT);
    assert_has(why.text, "use --os for more");
    hub.takes_clients = 0;
    assert_int_equal(scenario_check(&hub, &o, &why), STATUS_INVALID_ARGUMENT);
    assert_string_equal(why.text, "--clients is for the hub scenario");
}

/*
 * cancel-vs-drain asks s2c for a 5-byte header and 30 bytes of text per
 * update, the longest "update N of N" at the largest --messages with room
 * to spare: exactly that much is enough, a byte less is not.
 */
static void test_scenario_cancel_vs_drain_room_is_exact(void **state)
{
    static const int counts[] = {3, 5, 1000, 10000000};
    const struct scenario *sc = scenario_find("cancel-vs-drain");
    struct scenario_options o;
    struct status_detail why;
    char want[128];
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        memset(&o, 0, sizeof o);
        o.messages = counts[i];
        o.capacity = (size_t)counts[i] * 35;
        assert_int_equal(scenario_check(sc, &o, &why), STATUS_OK);
        o.capacity--;
        assert_int_equal(scenario_check(sc, &o, &why),
                         STATUS_INVALID_ARGUMENT);
        snprintf(want, sizeof want,
                 "cancel-vs-drain needs --capacity of at least %zu bytes "
                 "to buffer %d updates",
                 (size_t)counts[i] * 35, counts[i]);
        assert_string_equal(why.text, want);
    }
}

/* At exactly that room, every update is buffered when the client cancels. */
static void test_scenario_cancel_vs_drain_room_buffers_every_update(
    void **state)
{
    struct scenario_options o;
    struct run *run = NULL;

    (void)state;
    memset(&o, 0, sizeof o);
    o.seed = 1;
    o.messages = 1000;
    o.capacity = 1000 * 35;
    run = run_opts("cancel-vs-drain", o);
    assert_int_equal(run->code, SCENARIO_EXIT_STATUS);
    assert_int_equal(run->r.status, STATUS_CANCELLED);
    assert_int_equal(run->r.stats.sent[STREAM_S2C], 1000);
    assert_int_equal(run->r.stats.received[STREAM_S2C], 2);
    assert_report_has(run, "cancelled with 998 updates");
    done(run);
}

/* Every row of the table runs through its own body. */
static void test_scenario_every_row_has_a_body(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < scenario_count(); i++)
        assert_non_null(scenario_at(i)->body);
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
        cmocka_unit_test(test_scenario_concurrent_senders_garble_os),
        cmocka_unit_test(test_scenario_concurrent_senders_fixed_is_clean),
        cmocka_unit_test(test_scenario_error_propagation_first_error_wins),
        cmocka_unit_test(test_scenario_error_propagation_one_message),
        cmocka_unit_test(test_scenario_one_thread_client_deadlocks),
        cmocka_unit_test(test_scenario_one_thread_client_deadline),
        cmocka_unit_test(test_scenario_one_thread_client_fixed),
        cmocka_unit_test(test_scenario_one_thread_client_sizes),
        cmocka_unit_test(test_scenario_one_thread_client_on_h2),
        cmocka_unit_test(test_scenario_both_hot_on_h2),
        cmocka_unit_test(test_scenario_h2_frames_in_the_trace),
        cmocka_unit_test(test_scenario_sender_fails_first_swallowed),
        cmocka_unit_test(test_scenario_sender_fails_first_surfaced),
        cmocka_unit_test(test_scenario_rpc_kinds_counts),
        cmocka_unit_test(test_scenario_rpc_kinds_kind_option),
        cmocka_unit_test(test_scenario_eof_order_fails_an_ok_call),
        cmocka_unit_test(test_scenario_eof_order_fixed),
        cmocka_unit_test(test_scenario_context_leak_leaks),
        cmocka_unit_test(test_scenario_context_leak_fixed),
        cmocka_unit_test(test_scenario_context_leak_refused_thread),
        cmocka_unit_test(test_scenario_pause_resume_layers),
        cmocka_unit_test(test_scenario_reconcile_supersedes),
        cmocka_unit_test(test_scenario_reconcile_h2_and_os),
        cmocka_unit_test(test_scenario_collaborate_one_order),
        cmocka_unit_test(test_scenario_collaborate_h2_and_os),
        cmocka_unit_test(test_scenario_new_scenarios_on_h2),
        cmocka_unit_test(test_scenario_both_hot_deadlocks),
        cmocka_unit_test(test_scenario_both_hot_deadline),
        cmocka_unit_test(test_scenario_both_hot_fixed),
        cmocka_unit_test(test_scenario_both_hot_sizes),
        cmocka_unit_test(test_scenario_cancel_loses_buffered_messages),
        cmocka_unit_test(test_scenario_drain_then_cancel_loses_nothing),
        cmocka_unit_test(test_scenario_cancel_vs_drain_needs_room),
        cmocka_unit_test(test_scenario_backpressure_blocks_the_sender),
        cmocka_unit_test(test_scenario_send_after_eof_arrives_first),
        cmocka_unit_test(test_scenario_documented_exit_codes),
        cmocka_unit_test(test_scenario_exit_code_mapping),
        cmocka_unit_test(test_scenario_say_stops_when_full),
        cmocka_unit_test(test_scenario_same_seed_same_run),
        cmocka_unit_test(test_scenario_forgot_close_send_deadlocks),
        cmocka_unit_test(test_scenario_deadline_is_virtual_and_exact),
        cmocka_unit_test(test_scenario_quota_loses_a_wake_up),
        cmocka_unit_test(test_scenario_many_seeds),
        cmocka_unit_test(test_scenario_hub_delivers_to_every_other_client),
        cmocka_unit_test(test_scenario_hub_many_seeds_keep_order),
        cmocka_unit_test(test_scenario_hub_on_real_threads),
        cmocka_unit_test(test_scenario_hub_options_are_checked),
        cmocka_unit_test(test_scenario_every_scenario_os),
        cmocka_unit_test(test_scenario_quota_os_is_bounded),
        cmocka_unit_test(test_scenario_check_options),
        cmocka_unit_test(test_scenario_checks_belong_to_the_row),
        cmocka_unit_test(test_scenario_cancel_vs_drain_room_is_exact),
        cmocka_unit_test(test_scenario_cancel_vs_drain_room_buffers_every_update),
        cmocka_unit_test(test_scenario_every_row_has_a_body),
        cmocka_unit_test(test_scenario_refused_thread_ends_the_run),
        cmocka_unit_test(test_scenario_refused_thread_ends_the_run_os),
        cmocka_unit_test(test_scenario_refusal_past_the_threads_is_no_refusal),
        cmocka_unit_test(test_scenario_hub_cut_short_claims_nothing),
        cmocka_unit_test(test_scenario_deadline_narration_is_measured),
        cmocka_unit_test(test_scenario_deadline_mid_run_claims_no_ending),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

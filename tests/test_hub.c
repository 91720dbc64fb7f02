/*
 * test_hub: the hub that survives a bad client (src/scenarios/hub_bad.c,
 * `duplex run hub --bad-client KIND`): what each variant claims, across
 * seeds and on real threads, and that a run leaves nothing behind: the
 * process has as many threads and as much heap in use after it as
 * before, and every thread the run started returned and was joined.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/status.h"
#include "core/trace.h"
#include "h2/h2_wire.h"
#include "scenarios/explore_scenario.h"
#include "scenarios/hub.h"
#include "scenarios/registry.h"
#include "scenarios/scenario.h"
#include "held.h"

static const char *const kinds[] = {"slow", "leave", "no-close"};
static const enum status ends[] = {STATUS_RESOURCE_EXHAUSTED, STATUS_CANCELLED,
                                   STATUS_UNAVAILABLE};

static struct scenario_options bad_opts(const char *kind, int clients)
{
    struct scenario_options o;

    memset(&o, 0, sizeof o);
    o.bad_client = kind;
    o.clients = clients;
    o.seed = 1;
    return o;
}


/* One run of kind; fails the test unless it kept its promise. */
static void run_kind(const char *kind, enum status end,
                     struct scenario_options o, struct scenario_result *r)
{
    char line[96];
    int n = o.clients > 0 ? o.clients : 3;

    assert_int_equal(scenario_run(&scenario_hub, &o, r), STATUS_OK);
    if (r->broken[0] != '\0')
        fail_msg("%s seed %llu: %s", kind, (unsigned long long)o.seed,
                 r->broken);
    assert_int_equal(scenario_exit_code(r), SCENARIO_EXIT_OK);
    snprintf(line, sizeof line, "client 1 ended with %s", status_name(end));
    assert_non_null(strstr(r->report, line));
    /* Simulated, time moves only when nobody can run: nobody else is late. */
    if (!o.os)
        assert_null(strstr(r->report, "also forgot"));
    snprintf(line, sizeof line,
             "%d threads started; %d returned and were "
             "joined",
             4 * n + 1, 4 * n + 1);
    assert_non_null(strstr(r->report, line));
}

/* Each kind, simulated: what it claims, in 50 seeds. */
static void test_hub_bad_client_each_kind_in_many_seeds(void **state)
{
    size_t k = 0;
    uint64_t seed = 0;

    (void)state;
    for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (seed = 1; seed <= 50; seed++) {
            struct scenario_options o = bad_opts(kinds[k], 0);
            struct scenario_result r;

            o.seed = seed;
            run_kind(kinds[k], ends[k], o, &r);
            scenario_result_free(&r);
        }
    }
}

/* The slow client is dropped, counted, and the others told. */
static void test_hub_slow_client_is_dropped_and_counted(void **state)
{
    struct scenario_options o = bad_opts("slow", 4);
    struct scenario_result r;

    (void)state;
    run_kind("slow", STATUS_RESOURCE_EXHAUSTED, o, &r);
    assert_non_null(strstr(r.report, "client 1 read 1 message, then stopped "
                                     "reading"));
    assert_non_null(strstr(r.report, "the hub dropped it with "
                                     "RESOURCE_EXHAUSTED (1 client dropped)"));
    assert_non_null(strstr(r.report, "3 of the other 3 clients were told "
                                     "\"c1 left\"; 3 got to EOF"));
    scenario_result_free(&r);
}

/*
 * On --wire h2 a slow client 1 takes a write quota and a window of the
 * hub's messages before its writer waits, so the default is the messages
 * that outgrow them (6,558 each from the 2 others; fewer are refused with
 * the number), and the hub drops it as on the raw wire, in every seed.
 */
static void test_hub_slow_client_on_h2(void **state)
{
    struct scenario_options o;
    struct status_detail why;
    uint64_t seed = 0;

    (void)state;
    for (seed = 1; seed <= 3; seed++) {
        struct scenario_result r;

        o = bad_opts("slow", 0);
        o.wire = &h2_wire_type;
        o.seed = seed;
        run_kind("slow", STATUS_RESOURCE_EXHAUSTED, o, &r);
        assert_non_null(strstr(r.report, "the hub dropped it with "
                                         "RESOURCE_EXHAUSTED (1 client "
                                         "dropped)"));
        assert_non_null(strstr(r.report, "2 of the other 2 clients were "
                                         "told \"c1 left\"; 2 got to EOF"));
        scenario_result_free(&r);
    }
    o = bad_opts("slow", 0);
    o.wire = &h2_wire_type;
    o.messages = 5;
    assert_int_equal(scenario_check(&scenario_hub, &o, &why),
                     STATUS_INVALID_ARGUMENT);
    assert_non_null(strstr(why.text, "13108 in its write quota and window"));
    assert_non_null(strstr(why.text, "of 13116 or more"));
    o.messages = 6558;
    assert_int_equal(scenario_check(&scenario_hub, &o, &why), STATUS_OK);
}

/*
 * On real threads, on both wires, the slow client 1 is the one dropped,
 * run after run: the others, which read, are never taken for slow ones
 * (on h2 a send can wait for the write quota longer than the simulated
 * limit), they get everything, and every thread returns (a hang fails
 * under hangcheck). Each run must keep the promise, not most of them.
 */
static void test_hub_slow_client_on_real_threads(void **state)
{
    int wire = 0;
    int run = 0;

    (void)state;
    for (wire = 0; wire < 2; wire++) {
        for (run = 0; run < 5; run++) {
            struct scenario_options o = bad_opts("slow", 0);
            struct scenario_result r;

            o.os = 1;
            o.wire = wire == 1 ? &h2_wire_type : NULL;
            run_kind("slow", STATUS_RESOURCE_EXHAUSTED, o, &r);
            if (strstr(r.report, "also forgot") != NULL ||
                strstr(r.report, "the other clients got each other's "
                                 "messages once, in order, then EOF") == NULL)
                fail_msg("%s run %d: %s", wire == 1 ? "h2" : "raw", run + 1,
                         r.report);
            assert_non_null(strstr(r.report, "the hub dropped it with "
                                             "RESOURCE_EXHAUSTED (1 client "
                                             "dropped)"));
            assert_non_null(strstr(r.report, "2 of the other 2 clients were "
                                             "told \"c1 left\"; 2 got to "
                                             "EOF"));
            scenario_result_free(&r);
        }
    }
}

/*
 * A client still behind when the hub ends, and not reading, is cut off
 * rather than left waiting for an OK that flow control holds back: with a
 * slow limit of 0 the hub drops clients that read too, so client 1, which
 * stops reading, is often still served at the end. Every run ends (a hang
 * fails under hangcheck) with every thread joined; client 1 ends with
 * RESOURCE_EXHAUSTED, or UNAVAILABLE when the hub cut it off at the end.
 */
static void test_hub_shutdown_cuts_off_a_client_still_behind(void **state)
{
    int run = 0;

    (void)state;
    hub_slow_os_ms = 0;
    for (run = 0; run < 8; run++) {
        struct scenario_options o = bad_opts("slow", 10);
        struct scenario_result r;

        o.os = 1;
        o.wire = &h2_wire_type;
        assert_int_equal(scenario_run(&scenario_hub, &o, &r), STATUS_OK);
        if (r.broken[0] != '\0' &&
            strcmp(r.broken, "client 1 ended with UNAVAILABLE (want "
                             "RESOURCE_EXHAUSTED)") != 0)
            fail_msg("run %d: %s", run + 1, r.broken);
        assert_non_null(strstr(r.report, "41 threads started; 41 returned "
                                         "and were joined"));
        scenario_result_free(&r);
    }
    hub_slow_os_ms = HUB_SLOW_OS_MS;
}

/*
 * A client that never half-closes is cut off at the shutdown's deadline
 * (100 ms by default, --timeout's otherwise) with UNAVAILABLE, and not
 * before: virtual time shows the wait.
 */
static void test_hub_no_close_client_is_cut_off_at_the_deadline(void **state)
{
    static const int64_t waits[] = {0, 300};
    size_t i = 0;

    (void)state;
    for (i = 0; i < 2; i++) {
        struct scenario_options o = bad_opts("no-close", 0);
        struct scenario_result r;
        int64_t ms = waits[i] > 0 ? waits[i] : 100;
        char line[96];

        o.timeout_ms = waits[i];
        run_kind("no-close", STATUS_UNAVAILABLE, o, &r);
        snprintf(line, sizeof line,
                 "the hub's shutdown waited %lld ms, then "
                 "ended client 1's call with UNAVAILABLE",
                 (long long)ms);
        assert_non_null(strstr(r.report, line));
        assert_non_null(strstr(r.report, "client 1 sent 5 messages and never "
                                         "called CloseSend"));
        assert_non_null(strstr(r.report, "2 of the other 2 clients were told "
                                         "\"c1 left\"; 2 got to EOF"));
        assert_true(r.simulated);
        /* virtual time starts at 1 s; the run waited ms, and no more */
        assert_int_equal((r.sim.now_ns - 1000000000) / 1000000, ms);
        scenario_result_free(&r);
    }
}

/* A client that leaves is forgotten; the others are told, and go on. */
static void test_hub_leaving_client_is_forgotten(void **state)
{
    struct scenario_options o = bad_opts("leave", 4);
    struct scenario_result r;

    (void)state;
    o.messages = 6;
    run_kind("leave", STATUS_CANCELLED, o, &r);
    assert_non_null(strstr(r.report, "client 1 sent 3 of its 6 messages, then "
                                     "cancelled its call"));
    assert_non_null(strstr(r.report, "the hub's reader of client 1 ended with "
                                     "CANCELLED: the hub forgot it"));
    assert_non_null(strstr(r.report, "3 of the other 3 clients were told "
                                     "\"c1 left\"; 3 got to EOF"));
    scenario_result_free(&r);
}

/*
 * Nothing leaks and no thread outlives the run, simulated or on --os; and
 * simulated on --wire h2, the connection's threads and nghttp2's memory
 * included (os 2).
 */
static void test_hub_bad_client_leaves_nothing_behind(void **state)
{
    size_t k = 0;
    int os = 0;

    (void)state;
    for (os = 0; os <= 2; os++) {
        for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            struct scenario_options o = bad_opts(kinds[k], os == 1 ? 10 : 0);
            struct scenario_result r;
            long heap = 0;
            int threads = 0;

            o.os = os == 1;
            o.wire = os == 2 ? &h2_wire_type : NULL;
            run_kind(kinds[k], ends[k], o, &r); /* the first run's costs */
            scenario_result_free(&r);
            run_kind(kinds[k], ends[k], o, &r);
            scenario_result_free(&r);
            threads = held_entries("/proc/self/task");
            heap = held_heap();
            run_kind(kinds[k], ends[k], o, &r);
            scenario_result_free(&r);
            if (held_entries("/proc/self/task") != threads ||
                held_heap() != heap)
                fail_msg("%s%s: %d threads before, %d after; %ld heap "
                         "blocks in use before, %ld after",
                         kinds[k],
                         os == 1 ? " --os" : os == 2 ? " --wire h2" : "",
                         threads, held_entries("/proc/self/task"),
                         heap, held_heap());
        }
    }
}

/* How many of seeds 1..seeds reach challenge name with o. */
static int seeds_reaching(const char *name, struct scenario_options o,
                          uint64_t seeds)
{
    const struct scenario_challenge *g =
        scenario_challenge_find(&scenario_hub, name, 0);
    int reached = 0;

    assert_non_null(g);
    for (o.seed = 1; o.seed <= seeds; o.seed++) {
        struct scenario_result r;
        struct scenario_progress p;
        struct trace *t = trace_create();

        assert_non_null(t);
        o.trace = t;
        scenario_run(&scenario_hub, &o, &r);
        p.trace = t;
        p.nevents = trace_length(t);
        p.result = &r;
        reached += g->reached(&p);
        scenario_result_free(&r);
        trace_destroy(t);
    }
    return reached;
}

/*
 * A leaving client's cancel can lose what it sent: some schedules show it
 * (the challenge lost-on-leave), and a run where nobody leaves never does.
 */
static void test_hub_challenge_lost_on_leave(void **state)
{
    struct scenario_options o = bad_opts("leave", 0);
    struct scenario_options plain = bad_opts(NULL, 0);

    (void)state;
    assert_string_equal(
        scenario_challenge_bad_client(
            &scenario_hub,
            scenario_challenge_find(&scenario_hub, "lost-on-leave", 0)),
        "leave");
    assert_true(seeds_reaching("lost-on-leave", o, 200) > 0);
    assert_int_equal(seeds_reaching("lost-on-leave", plain, 50), 0);
}

/*
 * Exploration judges every schedule of each kind by the hub's promise: 1
 * preemption at most (the first 2,000 schedules), then 300 seeds. None
 * fails.
 */
static void test_hub_bad_client_explored(void **state)
{
    size_t k = 0;
    int random = 0;

    (void)state;
    for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (random = 0; random <= 1; random++) {
            struct explore_options o;
            struct explore_result r;

            memset(&o, 0, sizeof o);
            o.base = bad_opts(kinds[k], 0);
            o.max_preemptions = 1;
            o.max_schedules = 2000;
            o.seeds = random ? 300 : 0;
            assert_int_equal(explore_run(&scenario_hub, &o, &r), STATUS_OK);
            if (r.failing > 0)
                fail_msg("%s: %llu of %llu schedules fail; the first: %s",
                         kinds[k], (unsigned long long)r.failing,
                         (unsigned long long)r.schedules, r.replay);
            assert_true(r.schedules >= (random ? 300u : 2000u));
            explore_result_free(&r);
        }
    }
}

/* The options a bad client needs are checked before a run. */
static void test_hub_bad_client_options_are_checked(void **state)
{
    struct scenario_options o = bad_opts("fast", 0);
    struct status_detail why;

    (void)state;
    assert_int_equal(scenario_check(&scenario_hub, &o, &why),
                     STATUS_INVALID_ARGUMENT);
    assert_non_null(strstr(why.text, "slow, leave or no-close"));
    o = bad_opts("slow", 1);
    assert_int_equal(scenario_check(&scenario_hub, &o, &why),
                     STATUS_INVALID_ARGUMENT);
    assert_non_null(strstr(why.text, "--clients 2 or more"));
    o = bad_opts("slow", 16);
    assert_int_equal(scenario_check(&scenario_hub, &o, &why),
                     STATUS_INVALID_ARGUMENT);
    assert_non_null(strstr(why.text, "at most 15 clients"));
    o.os = 1;
    assert_int_equal(scenario_check(&scenario_hub, &o, &why), STATUS_OK);
    o = bad_opts("slow", 0);
    o.messages = 2;
    assert_int_equal(scenario_check(&scenario_hub, &o, &why),
                     STATUS_INVALID_ARGUMENT);
    assert_non_null(strstr(why.text, "of 9 or more"));
    o = bad_opts("leave", 0);
    o.messages = 1;
    assert_int_equal(scenario_check(&scenario_hub, &o, &why),
                     STATUS_INVALID_ARGUMENT);
    o = bad_opts("slow", 0);
    assert_int_equal(scenario_check(scenario_find("echo"), &o, &why),
                     STATUS_INVALID_ARGUMENT);
    assert_non_null(strstr(why.text, "--bad-client is for the hub"));
}

/*
 * The inbox holds a message and an end for every client, so that at scale
 * the hub loop takes what every client posted in few batches; a hub small
 * enough to simulate keeps HUB_INBOX, and with it every schedule.
 */
static void test_hub_inbox_holds_two_items_a_client(void **state)
{
    int n = 0;

    (void)state;
    for (n = 1; n <= SCENARIO_HUB_SIM_MAX; n++)
        assert_int_equal(hub_inbox_cap(n), HUB_INBOX);
    for (n = 1; n <= 100000; n++)
        assert_true(hub_inbox_cap(n) >= 2 * (unsigned)n);
}

/*
 * A hub larger than a simulation holds gives each outbox HUB_OUTBOX_MANY
 * messages (one hand-off to a writer per message cost the others nine
 * tenths of their rate); a simulated hub keeps HUB_OUTBOX, and the
 * narration says which it had.
 */
static void test_hub_large_hub_has_larger_outboxes(void **state)
{
    struct scenario_options o = bad_opts("slow", 20);
    struct scenario_result r;
    char line[64];

    (void)state;
    assert_int_equal(hub_outbox_cap(3), HUB_OUTBOX);
    o.os = 1;
    run_kind("slow", STATUS_RESOURCE_EXHAUSTED, o, &r);
    snprintf(line, sizeof line, "its queue stayed full (%d messages)",
             HUB_OUTBOX_MANY);
    assert_non_null(strstr(r.report, line));
    scenario_result_free(&r);
}

/* hub_parse reads back what hub_text writes, and nothing else. */
static void test_hub_parse_reads_hub_text_only(void **state)
{
    static const char *const bad[] = {"",       "c",      "c1",     "c1 m",
                                      "c1m1",   "x1 m1",  "c1 m1 ", " c1 m1",
                                      "c m1",   "c1  m1", "c1 n1",  "c-1 m1",
                                      "c1 m1x", "c1234567890 m1"};
    static const int nums[][2] = {{0, 0}, {9, 99}, {9999, 299}, {99999, 65535},
                                  {123456, 99999999}};
    char text[HUB_TEXT];
    size_t i = 0;
    int k = 0;
    int m = 0;

    (void)state;
    for (i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        int len = hub_text(text, sizeof text, nums[i][0], nums[i][1]);

        assert_true(hub_parse((const uint8_t *)text, (size_t)len, &k, &m));
        assert_int_equal(k, nums[i][0] + 1);
        assert_int_equal(m, nums[i][1] + 1);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(hub_parse((const uint8_t *)bad[i], strlen(bad[i]), &k, &m));
}

/*
 * A receiver's table of what it got from each other client takes one byte
 * an entry up to 255 messages each, two up to 65535: a run of 300 each
 * (two bytes) still checks every sender's order, and counts them all.
 */
static void test_hub_many_messages_each_keep_their_order(void **state)
{
    struct scenario_options o;
    struct scenario_result r;

    (void)state;
    memset(&o, 0, sizeof o);
    o.clients = 3;
    o.messages = 300;
    o.os = 1;
    memset(&r, 0, sizeof r);
    assert_int_equal(scenario_run(&scenario_hub, &o, &r), STATUS_OK);
    assert_string_equal(r.broken, "");
    assert_non_null(strstr(r.report, "1800 messages delivered (3 x 300 x 2)"));
    assert_non_null(strstr(r.report, "each sender's in order, then EOF"));
    scenario_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hub_bad_client_each_kind_in_many_seeds),
        cmocka_unit_test(test_hub_slow_client_is_dropped_and_counted),
        cmocka_unit_test(test_hub_slow_client_on_h2),
        cmocka_unit_test(test_hub_slow_client_on_real_threads),
        cmocka_unit_test(test_hub_shutdown_cuts_off_a_client_still_behind),
        cmocka_unit_test(test_hub_no_close_client_is_cut_off_at_the_deadline),
        cmocka_unit_test(test_hub_leaving_client_is_forgotten),
        cmocka_unit_test(test_hub_bad_client_leaves_nothing_behind),
        cmocka_unit_test(test_hub_bad_client_explored),
        cmocka_unit_test(test_hub_bad_client_options_are_checked),
        cmocka_unit_test(test_hub_challenge_lost_on_leave),
        cmocka_unit_test(test_hub_inbox_holds_two_items_a_client),
        cmocka_unit_test(test_hub_large_hub_has_larger_outboxes),
        cmocka_unit_test(test_hub_parse_reads_hub_text_only),
        cmocka_unit_test(test_hub_many_messages_each_keep_their_order),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

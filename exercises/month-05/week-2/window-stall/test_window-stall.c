/*
 * Tests for the window-stall exercise. Each answer of yours is run: a
 * client sends on a real HTTP/2 connection (duplex's h2 wire, nghttp2)
 * to a server that never reads, under the simulator (in order, then seeds
 * 1 and 2), and the test counts the Sends that returned before the
 * sender stopped for good.
 *
 *   ex_sends_before_stall: the count must be your number, for windows
 *   from 1 byte to past the connection's, and three message sizes.
 *   ex_smallest_window: at your window every message gets through; at
 *   one byte less (when there is one) the last Send waits for good. When
 *   you say 0 (no stream window is enough), the largest one must stall.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "ex_check.h"
#include "window-stall-run.h"
#include "window-stall.h"

#define SEEDS 2
#define PLENTY 400 /* more messages than any case can hold */

/* Runs t once: in order (seed 0), else with seed's random schedule. */
static void run_once(struct ex_stall *t, uint64_t seed)
{
    struct sched_sim_options so;
    struct sched_sim_result sim;
    enum status st = STATUS_UNKNOWN;

    memset(&so, 0, sizeof so);
    memset(&sim, 0, sizeof sim);
    t->sent = 0;
    t->send_end = STATUS_UNKNOWN;
    so.strategy = seed == 0 ? SCHED_IN_ORDER : SCHED_RANDOM;
    so.seed = seed;
    assert_int_equal(sched_sim_run(&so, ex_stall_call, t, &st, &sim),
                     STATUS_OK);
    assert_int_equal(st, STATUS_OK);
    assert_int_equal(t->created, STATUS_OK);
    /* A sender that stopped for good is the simulator's deadlock. */
    assert_int_equal(sim.deadlocked, t->send_end == STATUS_DEADLOCK);
    sched_sim_result_free(&sim);
}

static const char *schedule(uint64_t seed, char *buf, size_t cap)
{
    if (seed == 0)
        snprintf(buf, cap, "in-order schedule");
    else
        snprintf(buf, cap, "seed %d", (int)seed);
    return buf;
}

static void check_sends(int32_t window, int32_t conn_window, size_t payload)
{
    int yours = ex_sends_before_stall(window, conn_window, payload);
    uint64_t seed = 0;

    for (seed = 0; seed <= SEEDS; seed++) {
        struct ex_stall t;
        char what[200], where[32];

        memset(&t, 0, sizeof t);
        t.window = window;
        t.conn_window = conn_window;
        t.payload = payload;
        t.messages = PLENTY;
        run_once(&t, seed);
        snprintf(what, sizeof what,
                 "Sends that return with nobody reading: window %d, "
                 "connection window %d, %zu-byte messages (%s; expected: "
                 "the real run, actual: ex_sends_before_stall)",
                 (int)window, (int)conn_window, payload,
                 schedule(seed, where, sizeof where));
        ex_check_int(what, t.sent, yours);
    }
}

static void test_window_stall_default_windows(void **state)
{
    (void)state;
    check_sends(0, 0, 16384);
    check_sends(0, 0, 1000);
}

static void test_window_stall_small_windows(void **state)
{
    (void)state;
    check_sends(1, 0, 1000);
    check_sends(64, 0, 16384);
    check_sends(16389, 0, 16384);
    check_sends(1000, 0, 4000);
}

/* The smaller window rules: a stream window past the connection's. */
static void test_window_stall_connection_window(void **state)
{
    (void)state;
    check_sends(100000, 0, 16384);
    check_sends(100000, 200000, 16384);
    check_sends(300000, 200000, 4000);
}

/* Runs messages at window; 1 when every Send returned (no stall). */
static int all_through(int messages, size_t payload, int32_t window,
                       uint64_t seed, int *sent)
{
    struct ex_stall t;

    memset(&t, 0, sizeof t);
    t.window = window;
    t.payload = payload;
    t.messages = messages;
    run_once(&t, seed);
    *sent = t.sent;
    return t.send_end == STATUS_OK && t.sent == messages;
}

static void check_smallest(int messages, size_t payload)
{
    int32_t yours = ex_smallest_window(messages, payload);
    uint64_t seed = 0;
    char what[200], where[32];
    int sent = 0;

    snprintf(what, sizeof what,
             "ex_smallest_window(%d, %zu) is a window (1..65535) or 0",
             messages, payload);
    ex_check_int(what, 1, yours >= 0 && yours <= EX_DEFAULT_WINDOW);
    for (seed = 0; seed <= SEEDS; seed++) {
        schedule(seed, where, sizeof where);
        if (yours == 0) {
            snprintf(what, sizeof what,
                     "you said no stream window is enough for %d messages "
                     "of %zu bytes: at the largest, 2147483647, a Send "
                     "waits for good (1: it does; %s)",
                     messages, payload, where);
            ex_check_int(
                what, 1,
                !all_through(messages, payload, INT32_MAX, seed, &sent));
            continue;
        }
        snprintf(what, sizeof what,
                 "Sends that return for %d messages of %zu bytes at your "
                 "window, %d (%s)",
                 messages, payload, (int)yours, where);
        all_through(messages, payload, yours, seed, &sent);
        ex_check_int(what, messages, sent);
        if (yours == 1)
            continue;
        snprintf(what, sizeof what,
                 "Sends that return for %d messages of %zu bytes at one "
                 "byte less, %d: the last must wait (%s)",
                 messages, payload, (int)yours - 1, where);
        all_through(messages, payload, yours - 1, seed, &sent);
        ex_check_int(what, messages - 1, sent);
    }
}

static void test_window_stall_smallest_window(void **state)
{
    (void)state;
    check_smallest(8, 16384);
    check_smallest(5, 16384);
    check_smallest(70, 1000);
    check_smallest(3, 1000);
}

/* More than a connection window's worth: no stream window will do. */
static void test_window_stall_no_window_is_enough(void **state)
{
    (void)state;
    check_smallest(12, 16384);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_stall_default_windows),
        cmocka_unit_test(test_window_stall_small_windows),
        cmocka_unit_test(test_window_stall_connection_window),
        cmocka_unit_test(test_window_stall_smallest_window),
        cmocka_unit_test(test_window_stall_no_window_is_enough),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Tests for the h2-frames exercise. Each test is one call (struct
 * ex_call): your ex_predict says what the client and what the server send
 * on the call's HTTP/2 stream, and the test runs that call on a real
 * HTTP/2 connection (duplex's h2 wire, nghttp2) under the simulator, in
 * order and with seeds 1 to 5, and compares your lists with the frames
 * each side really sent (h2-frames-run.h reads them from the connection's
 * frame log). A prediction is right when it matches every run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ex_check.h"
#include "h2-frames-run.h"

#define SEEDS 5

/* Runs call once: in order (seed 0), else with seed's random schedule. */
static void run_once(const struct ex_call *call, uint64_t seed,
                     struct ex_run *r)
{
    struct sched_sim_options so;
    struct sched_sim_result sim;
    enum status st = STATUS_UNKNOWN;

    memset(r, 0, sizeof *r);
    memset(&so, 0, sizeof so);
    memset(&sim, 0, sizeof sim);
    r->call = call;
    so.strategy = seed == 0 ? SCHED_IN_ORDER : SCHED_RANDOM;
    so.seed = seed;
    assert_int_equal(sched_sim_run(&so, ex_run_call, r, &st, &sim), STATUS_OK);
    assert_int_equal(st, STATUS_OK);
    assert_int_equal(sim.deadlocked, 0);
    assert_int_equal(r->created, STATUS_OK);
    sched_sim_result_free(&sim);
}

/* Fails unless your prediction for side is what side sent in r. */
static void check_side(const struct ex_call *call, const struct ex_run *r,
                       int side, uint64_t seed)
{
    enum ex_frame predicted[EX_MAX_FRAMES];
    int yours[EX_MAX_FRAMES], seen[EX_MAX_FRAMES];
    char want[256], got[256], where[32];
    size_t i = 0;

    for (i = 0; i < EX_MAX_FRAMES; i++)
        predicted[i] = EX_NONE;
    ex_predict(call, side, predicted);
    for (i = 0; i < EX_MAX_FRAMES; i++)
        yours[i] = (int)predicted[i];
    yours[EX_MAX_FRAMES - 1] = EX_NONE;
    ex_run_seen(r, side, seen);
    for (i = 0; i < EX_MAX_FRAMES && seen[i] == yours[i]; i++)
        if (seen[i] == EX_NONE)
            return;
    ex_frames_text(seen, want, sizeof want);
    ex_frames_text(yours, got, sizeof got);
    if (seed == 0)
        snprintf(where, sizeof where, "in-order schedule");
    else
        snprintf(where, sizeof where, "seed %d", (int)seed);
    print_error("check: call \"%s\": what the %s sends on the call's stream "
                "(%s)\n  expected: %s (the real run)\n"
                "  actual:   %s (ex_predict)\n",
                call->name, side == EX_CLIENT ? "client" : "server", where,
                want, got);
    fail();
}

/* Runs call in order and with SEEDS seeds; both sides checked in each. */
static void check_call(const struct ex_call *call, enum status client_end)
{
    static struct ex_run r;
    uint64_t seed = 0;

    for (seed = 0; seed <= SEEDS; seed++) {
        run_once(call, seed, &r);
        /* The run did what the call says (else the test is wrong). */
        assert_int_equal(r.client_end, client_end);
        assert_int_equal(r.server_read, call->messages);
        check_side(call, &r, EX_CLIENT, seed);
        check_side(call, &r, EX_SERVER, seed);
    }
}

/* Two messages, CloseSend; an echo of each; OK. */
static void test_h2_frames_echo(void **state)
{
    static const struct ex_call call = {"echo", 2, 5, 1, 0, 1, 0, 0, 0};

    (void)state;
    check_call(&call, STATUS_EOF);
}

/* No message at all, CloseSend; no reply; OK. */
static void test_h2_frames_empty_call(void **state)
{
    static const struct ex_call call = {"empty", 0, 0, 1, 0, 0, 0, 0, 0};

    (void)state;
    check_call(&call, STATUS_EOF);
}

/* One message, CloseSend; no reply; the server fails: INVALID_ARGUMENT. */
static void test_h2_frames_error_after_eof(void **state)
{
    static const struct ex_call call = {
        "error-after-eof", 1, 5, 1, 0, 0, 0, STATUS_INVALID_ARGUMENT, 0};

    (void)state;
    check_call(&call, STATUS_INVALID_ARGUMENT);
}

/* One message, no CloseSend; the server fails at once: NOT_FOUND. */
static void test_h2_frames_server_ends_first(void **state)
{
    static const struct ex_call call = {"server-ends-first", 1, 5, 0, 0, 0, 0,
                                        STATUS_NOT_FOUND,    0};

    (void)state;
    check_call(&call, STATUS_NOT_FOUND);
}

/* One message, then the client cancels. */
static void test_h2_frames_cancel(void **state)
{
    static const struct ex_call call = {"cancel", 1, 5, 0, 1, 0, 0, 0, 0};

    (void)state;
    check_call(&call, STATUS_CANCELLED);
}

/* Three messages of 10 bytes through a 16-byte window; one reply at the
 * end; OK. */
static void test_h2_frames_small_window(void **state)
{
    static const struct ex_call call = {
        "small-window", 3, 10, 1, 0, 0, 1, 0, 16};

    (void)state;
    check_call(&call, STATUS_EOF);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h2_frames_echo),
        cmocka_unit_test(test_h2_frames_empty_call),
        cmocka_unit_test(test_h2_frames_error_after_eof),
        cmocka_unit_test(test_h2_frames_server_ends_first),
        cmocka_unit_test(test_h2_frames_cancel),
        cmocka_unit_test(test_h2_frames_small_window),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

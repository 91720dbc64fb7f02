/*
 * test_h2_mux: many calls on one HTTP/2 connection (h2_connection_*,
 * wire_share) and the shared-window scenario.
 *
 * What is checked:
 *   - calls on one connection are streams 1, 3, 5 in the frame log, and
 *     each call's messages arrive on its own stream, whole;
 *   - the windows: each call has its own stream window, all share the
 *     connection's; under H2_WINDOW_ON_READ bytes nobody reads hold the
 *     connection's window, under H2_WINDOW_ON_ARRIVAL (grpc-go's) only
 *     their stream's; a call that leaves gives its unread bytes back;
 *   - SETTINGS_MAX_CONCURRENT_STREAMS: the 101st call is refused with
 *     RESOURCE_EXHAUSTED and words, and a call that ends makes room;
 *   - wire_share: a one-call wire's connection carries a second call,
 *     and is freed with the last of them, in either order;
 *   - the scenario: the naive policy deadlocks with the connection
 *     window 0 in the report, grpc-go's ends OK, on many seeds, each
 *     seed twice the same; on the raw wire it is a usage error.
 *
 * Threads: the connections' own threads run the wire; a test that needs
 * bytes to have arrived polls the windows with a generous bound, never a
 * fixed sleep.
 */
/* cmocka.h needs these four first, in this order: keep them unsorted. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "core/frame.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"
#include "core/wire.h"
#include "h2/h2_wire.h"
#include "scenarios/scenario.h"
#include "support.h"

static struct stream *new_call(const struct wire_type *type)
{
    struct stream_options o;
    struct stream *s = NULL;

    memset(&o, 0, sizeof o);
    o.wire = type;
    assert_int_equal(stream_create(NULL, &o, &s), STATUS_OK);
    return s;
}

static struct h2_conn *new_conn(enum h2_window_policy policy)
{
    struct h2_options opts;
    struct h2_conn *conn = NULL;

    memset(&opts, 0, sizeof opts);
    opts.policy = policy;
    assert_int_equal(h2_connection_create(&opts, 0, NULL, &conn), STATUS_OK);
    return conn;
}

/* One echo on s: the client's text, the server's reply, OK, EOF. */
static void echo(struct stream *s, const char *text)
{
    struct frame_msg msg = {0};

    assert_int_equal(stream_send(stream_client(s), text, strlen(text), NULL),
                     STATUS_OK);
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    assert_int_equal(stream_recv(stream_server(s), &msg, NULL), STATUS_OK);
    assert_int_equal(stream_send(stream_server(s), msg.data, msg.length, NULL),
                     STATUS_OK);
    assert_int_equal(stream_recv(stream_server(s), &msg, NULL), STATUS_EOF);
    assert_int_equal(stream_finish(stream_server(s), STATUS_OK, NULL),
                     STATUS_OK);
    assert_int_equal(stream_recv(stream_client(s), &msg, NULL), STATUS_OK);
    assert_int_equal(msg.length, strlen(text));
    assert_memory_equal(msg.data, text, msg.length);
    assert_int_equal(stream_recv(stream_client(s), &msg, NULL), STATUS_EOF);
    assert_int_equal(stream_final_status(s, NULL), STATUS_OK);
    frame_msg_free(&msg);
}

/* The stream ids of the client's HEADERS in conn's log, in order. */
static size_t request_ids(struct h2_conn *conn, int32_t *ids, size_t cap)
{
    static struct h2_frame_record log[H2_FRAME_LOG_MAX];
    size_t n = h2_connection_frames(conn, log, H2_FRAME_LOG_MAX);
    size_t i = 0, k = 0;

    for (i = 0; i < n && i < H2_FRAME_LOG_MAX; i++)
        if (log[i].from == 0 && log[i].type == NGHTTP2_HEADERS && k < cap)
            ids[k++] = log[i].stream_id;
    return k;
}

static void test_mux_calls_are_streams_1_3_5(void **state)
{
    static const char *const texts[3] = {"one", "two", "three"};
    struct h2_conn *conn = new_conn(H2_WINDOW_DEFAULT);
    struct stream *s[3];
    int32_t ids[8];
    int i = 0;

    (void)state;
    for (i = 0; i < 3; i++)
        s[i] = new_call(h2_connection_wire_type(conn));
    assert_int_equal(h2_connection_calls(conn), 3);
    for (i = 2; i >= 0; i--) /* the last opened answers first */
        echo(s[i], texts[i]);
    assert_int_equal(request_ids(conn, ids, 8), 3);
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[1], 3);
    assert_int_equal(ids[2], 5);
    for (i = 0; i < 3; i++)
        stream_destroy(s[i]);
    assert_int_equal(h2_connection_calls(conn), 0);
    h2_connection_destroy(conn);
}

/*
 * Polls until dir's connection window of w is at least least; 0 if it
 * never is.
 */
static int await_conn_window(struct wire *w, int dir, int32_t least)
{
    int i = 0;

    for (i = 0; i < 20000; i++) {
        int32_t sw = 0, cw = 0;

        h2_wire_windows(w, dir, &sw, &cw);
        if (cw >= least)
            return 1;
        sched_sleep_ns(1000000);
    }
    return 0;
}

#define UNREAD 40000 /* more than half a window: worth a WINDOW_UPDATE */
#define UNREAD_FRAME (FRAME_HEADER_LEN + UNREAD)

/* The DATA bytes of stream id that conn's server has received. */
static size_t data_arrived(struct h2_conn *conn, int32_t id)
{
    static struct h2_frame_record log[H2_FRAME_LOG_MAX];
    size_t n = h2_connection_frames(conn, log, H2_FRAME_LOG_MAX);
    size_t i = 0, bytes = 0;

    for (i = 0; i < n && i < H2_FRAME_LOG_MAX; i++)
        if (log[i].from == 0 && log[i].type == NGHTTP2_DATA &&
            log[i].stream_id == id)
            bytes += log[i].length;
    return bytes;
}

/*
 * Call a (stream 1 of conn) sends UNREAD bytes its server does not read.
 * Returns once they have all arrived (the server's frame log has them).
 */
static void send_unread(struct h2_conn *conn, struct stream *a)
{
    static uint8_t bytes[UNREAD];
    int i = 0;

    assert_int_equal(stream_send(stream_client(a), bytes, sizeof bytes, NULL),
                     STATUS_OK);
    for (i = 0; i < 20000 && data_arrived(conn, 1) < UNREAD_FRAME; i++)
        sched_sleep_ns(1000000);
    assert_int_equal(data_arrived(conn, 1), UNREAD_FRAME);
}

static void test_mux_naive_policy_holds_the_connection_window(void **state)
{
    struct h2_conn *conn = new_conn(H2_WINDOW_ON_READ);
    struct stream *a = new_call(h2_connection_wire_type(conn));
    struct stream *b = new_call(h2_connection_wire_type(conn));
    int32_t sw = 0, cw = 0;

    (void)state;
    send_unread(conn, a);
    h2_wire_windows(stream_wire(a), 0, &sw, &cw);
    assert_int_equal(cw, H2_DEFAULT_WINDOW - UNREAD_FRAME);
    h2_wire_windows(stream_wire(b), 0, &sw, &cw);
    assert_int_equal(sw, H2_DEFAULT_WINDOW); /* b's own: untouched */
    assert_int_equal(cw, H2_DEFAULT_WINDOW - UNREAD_FRAME); /* shared */
    /* a leaves unread: its bytes go back to the connection's window. */
    stream_destroy(a);
    assert_true(await_conn_window(stream_wire(b), 0, H2_DEFAULT_WINDOW));
    stream_destroy(b);
    h2_connection_destroy(conn);
}

static void test_mux_grpc_go_policy_holds_only_the_stream(void **state)
{
    struct h2_conn *conn = new_conn(H2_WINDOW_DEFAULT); /* grpc-go's */
    struct stream *a = new_call(h2_connection_wire_type(conn));
    struct stream *b = new_call(h2_connection_wire_type(conn));
    int32_t sw = 0, cw = 0;

    (void)state;
    send_unread(conn, a);
    /*
     * The connection's window came back as the bytes arrived, unread (a
     * WINDOW_UPDATE once half of it was used: 32,768 bytes at least).
     */
    assert_true(await_conn_window(stream_wire(a), 0,
                                  H2_DEFAULT_WINDOW - UNREAD_FRAME + 32768));
    h2_wire_windows(stream_wire(a), 0, &sw, &cw);
    assert_int_equal(sw, H2_DEFAULT_WINDOW - UNREAD_FRAME);
    h2_wire_windows(stream_wire(b), 0, &sw, &cw);
    assert_int_equal(sw, H2_DEFAULT_WINDOW);
    echo(b, "b goes on"); /* a's unread bytes do not hold it */
    stream_destroy(a);
    stream_destroy(b);
    h2_connection_destroy(conn);
}

static void test_mux_concurrent_streams_limit(void **state)
{
    static struct wire *w[H2_MAX_CALLS + 1];
    struct h2_conn *conn = new_conn(H2_WINDOW_DEFAULT);
    struct wire_params params;
    struct status_detail why = {0};
    struct stream_options so;
    struct stream *s = NULL;
    int i = 0;

    (void)state;
    memset(&params, 0, sizeof params);
    for (i = 0; i < H2_MAX_CALLS; i++)
        assert_int_equal(h2_connection_open(conn, &params, &w[i], &why),
                         STATUS_OK);
    assert_int_equal(h2_connection_open(conn, &params, &w[i], &why),
                     STATUS_RESOURCE_EXHAUSTED);
    assert_non_null(strstr(why.text, "100 calls at once"));
    assert_non_null(strstr(why.text, "SETTINGS_MAX_CONCURRENT_STREAMS 100"));
    memset(&so, 0, sizeof so); /* the same through stream_create */
    so.wire = h2_connection_wire_type(conn);
    assert_int_equal(stream_create(NULL, &so, &s), STATUS_RESOURCE_EXHAUSTED);
    wire_destroy(w[0]); /* a call that ends makes room */
    assert_int_equal(h2_connection_open(conn, &params, &w[0], &why),
                     STATUS_OK);
    for (i = 0; i < H2_MAX_CALLS; i++)
        wire_destroy(w[i]);
    assert_int_equal(h2_connection_calls(conn), 0);
    h2_connection_destroy(conn);
}

static void test_mux_options_checked(void **state)
{
    struct h2_options opts;
    struct h2_conn *conn = NULL;

    (void)state;
    memset(&opts, 0, sizeof opts);
    opts.max_calls = -1;
    assert_int_equal(h2_connection_create(&opts, 0, NULL, &conn),
                     STATUS_INVALID_ARGUMENT);
    opts.max_calls = 0;
    opts.window = -5;
    assert_int_equal(h2_connection_create(&opts, 0, NULL, &conn),
                     STATUS_INVALID_ARGUMENT);
    assert_null(conn);
}

/* A one-call wire's connection shared: stream 3 on it; any order frees. */
static void share_then_destroy(int first_goes_first)
{
    struct stream *one = new_call(&h2_wire_type);
    struct wire_type more;
    struct stream *two = NULL;
    struct h2_frame_record log[64];
    size_t i = 0, n = 0;
    int saw3 = 0;

    assert_int_equal(wire_share(stream_wire(one), 0, &more), STATUS_OK);
    two = new_call(&more);
    echo(two, "on stream 3");
    echo(one, "on stream 1");
    n = h2_wire_frames(stream_wire(two), log, 64);
    for (i = 0; i < n && i < 64; i++)
        saw3 |= log[i].from == 0 && log[i].type == NGHTTP2_HEADERS &&
                log[i].stream_id == 3;
    assert_true(saw3);
    stream_destroy(first_goes_first ? one : two);
    stream_destroy(first_goes_first ? two : one);
}

static void test_mux_wire_share(void **state)
{
    struct stream *raw = new_call(NULL);
    struct wire_type t;

    (void)state;
    share_then_destroy(1);
    share_then_destroy(0);
    assert_int_equal(wire_share(stream_wire(raw), 0, &t),
                     STATUS_UNIMPLEMENTED);
    stream_destroy(raw);
}

/* ---- the same under the simulator --------------------------------------- */

static enum status sim_three_echoes(void *arg)
{
    struct h2_conn *conn = NULL;
    struct stream *s[3];
    struct frame_msg msg = {0};
    int *ok = arg;
    int i = 0;

    if (h2_connection_create(NULL, 0, NULL, &conn) != STATUS_OK)
        return STATUS_INTERNAL;
    for (i = 0; i < 3; i++) {
        struct stream_options o;

        memset(&o, 0, sizeof o);
        o.wire = h2_connection_wire_type(conn);
        if (stream_create(NULL, &o, &s[i]) != STATUS_OK)
            return STATUS_INTERNAL;
        stream_send(stream_client(s[i]), "hi", 2, NULL);
        stream_close_send(stream_client(s[i]));
    }
    for (i = 0; i < 3; i++) {
        *ok += stream_recv(stream_server(s[i]), &msg, NULL) == STATUS_OK;
        *ok += stream_recv(stream_server(s[i]), &msg, NULL) == STATUS_EOF;
        stream_finish(stream_server(s[i]), STATUS_OK, NULL);
        *ok += stream_recv(stream_client(s[i]), &msg, NULL) == STATUS_EOF;
    }
    for (i = 0; i < 3; i++)
        stream_destroy(s[i]);
    h2_connection_destroy(conn);
    frame_msg_free(&msg);
    return STATUS_OK;
}

static void test_mux_sim_seeds(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 1; seed <= 20; seed++) {
        struct sched_sim_options o;
        struct sched_sim_result res, again;
        enum status out = STATUS_UNKNOWN;
        int ok = 0, ok2 = 0;

        memset(&o, 0, sizeof o);
        o.seed = seed;
        assert_int_equal(sched_sim_run(&o, sim_three_echoes, &ok, &out, &res),
                         STATUS_OK);
        assert_int_equal(out, STATUS_OK);
        assert_int_equal(res.deadlocked, 0);
        assert_int_equal(ok, 9);
        assert_int_equal(
            sched_sim_run(&o, sim_three_echoes, &ok2, &out, &again),
            STATUS_OK);
        assert_true(res.steps == again.steps);
        sched_sim_result_free(&res);
        sched_sim_result_free(&again);
    }
}

/* ---- the scenario ------------------------------------------------------- */

static void run_scenario(int fix, uint64_t seed, const struct wire_type *w,
                         struct scenario_result *r)
{
    const struct scenario *sc = scenario_find("shared-window");
    struct scenario_options o;

    assert_non_null(sc);
    memset(&o, 0, sizeof o);
    o.fix = fix;
    o.seed = seed;
    o.wire = w;
    scenario_run(sc, &o, r);
}

static void test_mux_scenario_naive_starves(void **state)
{
    struct scenario_result r;

    (void)state;
    run_scenario(0, 1, &h2_wire_type, &r);
    assert_int_equal(scenario_exit_code(&r), SCENARIO_EXIT_DEADLOCK);
    assert_string_equal(r.broken, "");
    assert_non_null(strstr(r.sim.report,
                           "call2/server waits for a message on stream 3 "
                           "(c2s: 16389 bytes queued behind the connection "
                           "window 0"));
    assert_non_null(strstr(r.report, "call 2: its client sent 1 of 3 "
                                     "messages and got 0 echoes back"));
    scenario_result_free(&r);
}

static void test_mux_scenario_fix_completes(void **state)
{
    struct scenario_result r;

    (void)state;
    run_scenario(1, 1, &h2_wire_type, &r);
    assert_int_equal(scenario_exit_code(&r), SCENARIO_EXIT_OK);
    assert_string_equal(r.broken, "");
    assert_non_null(strstr(r.report, "call 2: its client sent 3 of 3 "
                                     "messages and got 3 echoes back, then "
                                     "OK"));
    assert_non_null(strstr(r.report, "call 1: its server read 10 messages"));
    scenario_result_free(&r);
}

static void test_mux_scenario_seeds(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 1; seed <= 12; seed++) {
        int fix = 0;

        for (fix = 0; fix < 2; fix++) {
            struct scenario_result r, again;

            run_scenario(fix, seed, &h2_wire_type, &r);
            run_scenario(fix, seed, &h2_wire_type, &again);
            assert_int_equal(scenario_exit_code(&r),
                             fix ? SCENARIO_EXIT_OK : SCENARIO_EXIT_DEADLOCK);
            assert_string_equal(r.broken, "");
            assert_true(r.sim.steps == again.sim.steps);
            scenario_result_free(&r);
            scenario_result_free(&again);
        }
    }
}

static void test_mux_scenario_needs_h2(void **state)
{
    struct scenario_result r;

    (void)state;
    run_scenario(0, 1, NULL, &r);
    assert_int_equal(scenario_exit_code(&r), SCENARIO_EXIT_USAGE);
    assert_non_null(strstr(r.why.text, "needs --wire h2"));
    scenario_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mux_calls_are_streams_1_3_5),
        cmocka_unit_test(test_mux_naive_policy_holds_the_connection_window),
        cmocka_unit_test(test_mux_grpc_go_policy_holds_only_the_stream),
        cmocka_unit_test(test_mux_concurrent_streams_limit),
        cmocka_unit_test(test_mux_options_checked),
        cmocka_unit_test(test_mux_wire_share),
        cmocka_unit_test(test_mux_sim_seeds),
        cmocka_unit_test(test_mux_scenario_naive_starves),
        cmocka_unit_test(test_mux_scenario_fix_completes),
        cmocka_unit_test(test_mux_scenario_seeds),
        cmocka_unit_test(test_mux_scenario_needs_h2),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

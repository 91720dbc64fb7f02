/*
 * test_h2: the HTTP/2 wire (src/h2) under the stream API.
 *
 * What is checked:
 *   - a call on the h2 wire keeps the stream's contract: messages both
 *     ways, CloseSend then EOF, the server's status after its messages;
 *   - what goes on the wire: the client's HEADERS and DATA, the server's
 *     response HEADERS and trailers (grpc-status, grpc-message
 *     percent-encoded, decoded back by the client), trailers-only when
 *     the server sends no message, RST_STREAM when the call is cancelled,
 *     GOAWAY at shutdown;
 *   - flow control: with a small window and nobody reading, the stream
 *     window of c2s closes (0) and the sender waits; reading gives the
 *     window back (WINDOW_UPDATE) and every message arrives;
 *   - the simulator runs the transport: many seeds end the same way with
 *     no deadlock, a seed replays to the same number of steps, and a call
 *     where both sides wait for each other is reported as a deadlock.
 *
 * Threads: the connection's own threads run the wire; the tests' workers
 * store what they saw and the test asserts after joining, as elsewhere.
 * Frames are counted as the writers send them, so a test that needs a
 * frame on the wire polls the counts with a generous bound (support.h's
 * pattern), never a fixed sleep.
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
#include "h2/h2_internal.h"
#include "h2/h2_wire.h"
#include "support.h"

static struct stream *new_h2(const struct wire_type *type, int64_t timeout)
{
    struct stream_options o;
    struct stream *s = NULL;

    memset(&o, 0, sizeof o);
    o.wire = type != NULL ? type : &h2_wire_type;
    o.timeout_ns = timeout;
    assert_int_equal(stream_create(NULL, &o, &s), STATUS_OK);
    assert_string_equal(stream_wire_name(s), "h2");
    return s;
}

static void recv_text(struct stream_end *e, const char *text)
{
    struct frame_msg msg = {0};

    assert_int_equal(stream_recv(e, &msg, NULL), STATUS_OK);
    assert_int_equal(msg.length, strlen(text));
    assert_memory_equal(msg.data, text, msg.length);
    frame_msg_free(&msg);
}

static uint64_t sent(struct stream *s, int side, int type)
{
    return h2_wire_frame_counts(stream_wire(s)).sent[side][type];
}

/* Polls until side has sent n frames of type; 0 if it never does. */
static int await_sent(struct stream *s, int side, int type, uint64_t n)
{
    int i = 0;

    for (i = 0; i < 20000; i++) {
        if (sent(s, side, type) >= n)
            return 1;
        sched_sleep_ns(1000000);
    }
    return 0;
}

/* ---- RFC 9113 and gRPC's PROTOCOL-HTTP2.md, over a frame log ---------- */

/* What one sender has done on one stream so far. */
struct seen {
    int headers, ended, reset;
};

#define MAX_STREAMS 8

/* Checks one frame f against what its sender did before it (*w). */
static const char *check_stream_frame(const struct h2_frame_record *f,
                                      struct seen *w)
{
    int end = (f->flags & NGHTTP2_FLAG_END_STREAM) != 0;

    if (f->stream_id % 2 != 1)
        return "a stream id that no client opened (not odd)";
    if (w->reset)
        return "a frame after the sender's RST_STREAM";
    if (f->type == NGHTTP2_RST_STREAM) {
        w->reset = 1;
        return f->error_code == NGHTTP2_NO_ERROR ||
                       f->error_code == NGHTTP2_CANCEL
                   ? NULL
                   : "RST_STREAM with a code other than NO_ERROR or CANCEL";
    }
    if (f->type != NGHTTP2_DATA && f->type != NGHTTP2_HEADERS)
        return NULL;
    if (w->ended)
        return "DATA or HEADERS after the sender's END_STREAM";
    if (f->type == NGHTTP2_DATA && w->headers == 0)
        return "DATA before the sender's HEADERS";
    if (f->type == NGHTTP2_DATA && end && f->from == H2_SERVER)
        return "the server's END_STREAM on DATA, not on its trailers";
    if (f->type == NGHTTP2_HEADERS && ++w->headers > (f->from ? 2 : 1))
        return f->from ? "a third HEADERS from the server"
                       : "a second HEADERS from the client (gRPC sends no "
                         "request trailers)";
    w->ended = end;
    return NULL;
}

/*
 * The connection windows, counted from the log alone (RFC 9113, 6.9):
 * conn[from] is what that end may still send, 65,535 less the DATA it
 * sent plus the connection WINDOW_UPDATEs it got. DATA is logged when it
 * arrives and an update when its sender learns of it, so the count is
 * never below the sender's own: below 0, or above 2^31-1, is a broken
 * rule whatever the timing.
 */
static const char *account(const struct h2_frame_record *f, int64_t conn[2])
{
    if (f->type == NGHTTP2_DATA)
        conn[f->from] -= f->length;
    else if (f->type == NGHTTP2_WINDOW_UPDATE && f->stream_id == 0)
        conn[1 - f->from] += f->increment;
    if (conn[0] < 0 || conn[1] < 0)
        return "DATA beyond the connection window";
    if (conn[0] > INT32_MAX || conn[1] > INT32_MAX)
        return "a connection window above 2^31-1";
    return NULL;
}

/*
 * Checks n frames of a log. Returns "" (in buf) or what was broken, with
 * the frame's number in the log.
 */
static const char *check_log(const struct h2_frame_record *log, size_t n,
                             char *buf, size_t cap)
{
    struct seen seen[MAX_STREAMS][2];
    int first[2] = {1, 1};
    int64_t conn[2] = {H2_DEFAULT_WINDOW, H2_DEFAULT_WINDOW};
    size_t i = 0;

    memset(seen, 0, sizeof seen);
    buf[0] = '\0';
    for (i = 0; i < n && buf[0] == '\0'; i++) {
        const struct h2_frame_record *f = &log[i];
        const char *bad = NULL;

        if (first[f->from] && f->type != NGHTTP2_SETTINGS)
            bad = "an end's first frame is not SETTINGS";
        first[f->from] = 0;
        if (f->conn_window < 0 || (f->has_windows && f->stream_window < 0))
            bad = "a window below 0 (as nghttp2 keeps it)";
        bad = bad != NULL ? bad : account(f, conn);
        if (bad == NULL && f->stream_id > 0 && f->stream_id / 2 < MAX_STREAMS)
            bad = check_stream_frame(f, &seen[f->stream_id / 2][f->from]);
        if (bad != NULL)
            snprintf(buf, cap, "frame %zu (from the %s, type %u): %s", i,
                     f->from ? "server" : "client", f->type, bad);
    }
    return buf;
}

/* check_log over the frames of s's connection. */
static const char *check_frames(struct stream *s, char *buf, size_t cap)
{
    static struct h2_frame_record log[H2_FRAME_LOG_MAX];
    size_t n = h2_wire_frames(stream_wire(s), log, H2_FRAME_LOG_MAX);

    return check_log(log, n < H2_FRAME_LOG_MAX ? n : H2_FRAME_LOG_MAX, buf,
                     cap);
}

/* The frame log of s passes check_frames (asserted on the test thread). */
static void assert_rfc9113(struct stream *s)
{
    char why[160];

    assert_string_equal(check_frames(s, why, sizeof why), "");
    assert_true(h2_wire_frames(stream_wire(s), NULL, 0) > 0);
}

/* The checker can fail: one broken rule per log, each caught. */
static void test_h2_checker_catches_broken_rules(void **state)
{
    enum { S = NGHTTP2_SETTINGS, H = NGHTTP2_HEADERS, D = NGHTTP2_DATA,
           R = NGHTTP2_RST_STREAM, ES = NGHTTP2_FLAG_END_STREAM };
    /* from, type, flags, stream, length, error code */
    static const struct {
        struct h2_frame_record f[4];
        const char *want;
    } cases[] = {
        {{{0, D, 0, 1, 5, 0, 0, 0, 0, 0}}, "first frame is not SETTINGS"},
        {{{0, S, 0, 0, 0, 0, 0, 0, 0, 0}, {0, D, 0, 1, 5, 0, 0, 0, 0, 0}},
         "DATA before the sender's HEADERS"},
        {{{0, S, 0, 0, 0, 0, 0, 0, 0, 0}, {0, H, ES, 1, 9, 0, 0, 0, 0, 0},
          {0, D, 0, 1, 5, 0, 0, 0, 0, 0}},
         "after the sender's END_STREAM"},
        {{{1, S, 0, 0, 0, 0, 0, 0, 0, 0}, {1, H, 0, 1, 9, 0, 0, 0, 0, 0},
          {1, D, ES, 1, 5, 0, 0, 0, 0, 0}},
         "END_STREAM on DATA"},
        {{{0, S, 0, 0, 0, 0, 0, 0, 0, 0}, {0, R, 0, 1, 4, 1, 0, 0, 0, 0}},
         "other than NO_ERROR or CANCEL"},
        {{{0, S, 0, 0, 0, 0, 0, 0, 0, 0}, {0, H, 0, 2, 9, 0, 0, 0, 0, 0}},
         "not odd"},
        {{{0, S, 0, 0, 0, 0, 0, 0, 0, 0}, {0, H, 0, 1, 9, 0, 0, 0, 0, 0},
          {0, D, 0, 1, 65536, 0, 0, 0, 0, 0}},
         "beyond the connection window"},
    };
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char why[160];
        size_t n = 0;

        while (n < 4 && cases[i].f[n].type + cases[i].f[n].length > 0)
            n++;
        check_log(cases[i].f, n, why, sizeof why);
        if (strstr(why, cases[i].want) == NULL)
            fail_msg("case %zu: \"%s\" does not say \"%s\"", i, why,
                     cases[i].want);
    }
}

static void test_h2_echo_keeps_the_contract(void **state)
{
    struct stream *s = new_h2(NULL, 0);
    struct frame_msg msg = {0};
    struct status_detail why;

    (void)state;
    assert_int_equal(stream_send(stream_client(s), "hello", 5, NULL),
                     STATUS_OK);
    assert_int_equal(stream_send(stream_client(s), "", 0, NULL), STATUS_OK);
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    recv_text(stream_server(s), "hello");
    recv_text(stream_server(s), "");
    assert_int_equal(stream_recv(stream_server(s), &msg, &why), STATUS_EOF);
    assert_string_equal(why.text, "client half-closed");
    assert_int_equal(stream_send(stream_server(s), "echo: hello", 11, NULL),
                     STATUS_OK);
    assert_int_equal(stream_finish(stream_server(s), STATUS_OK, NULL),
                     STATUS_OK);
    recv_text(stream_client(s), "echo: hello");
    assert_int_equal(stream_recv(stream_client(s), &msg, &why), STATUS_EOF);
    assert_string_equal(why.text, "the server finished the call with OK");

    /* The client's EOF is the server's trailers arriving. */
    assert_true(sent(s, H2_CLIENT, NGHTTP2_HEADERS) == 1);
    assert_true(sent(s, H2_CLIENT, NGHTTP2_DATA) >= 1);
    assert_true(sent(s, H2_CLIENT, NGHTTP2_SETTINGS) >= 1);
    assert_true(sent(s, H2_SERVER, NGHTTP2_HEADERS) == 2); /* + trailers */
    assert_int_equal(h2_wire_received_trailer(stream_wire(s), &why), 1);
    assert_int_equal(why.code, STATUS_OK);
    assert_rfc9113(s);
    frame_msg_free(&msg);
    stream_destroy(s);
}

static void test_h2_trailers_carry_the_status(void **state)
{
    static const char text[] = "no room: 100% \"full\"\n";
    struct stream *s = new_h2(NULL, 0);
    struct frame_msg msg = {0};
    struct status_detail got;

    (void)state;
    assert_int_equal(stream_send(stream_server(s), "sorry", 5, NULL),
                     STATUS_OK);
    assert_int_equal(stream_finish(stream_server(s), STATUS_NOT_FOUND, text),
                     STATUS_OK);
    recv_text(stream_client(s), "sorry");
    assert_int_equal(stream_recv(stream_client(s), &msg, &got),
                     STATUS_NOT_FOUND);
    assert_int_equal(h2_wire_received_trailer(stream_wire(s), &got), 1);
    assert_int_equal(got.code, STATUS_NOT_FOUND);
    assert_string_equal(got.text, text); /* percent-encoded, then decoded */
    assert_true(sent(s, H2_SERVER, NGHTTP2_HEADERS) == 2);
    assert_rfc9113(s);
    frame_msg_free(&msg);
    stream_destroy(s);
}

static void test_h2_trailers_only_when_no_message(void **state)
{
    struct stream *s = new_h2(NULL, 0);
    struct frame_msg msg = {0};
    struct status_detail got;

    (void)state;
    assert_int_equal(
        stream_finish(stream_server(s), STATUS_PERMISSION_DENIED, "no"),
        STATUS_OK);
    assert_int_equal(stream_recv(stream_client(s), &msg, NULL),
                     STATUS_PERMISSION_DENIED);
    assert_int_equal(h2_wire_received_trailer(stream_wire(s), &got), 1);
    assert_int_equal(got.code, STATUS_PERMISSION_DENIED);
    assert_string_equal(got.text, "no");
    /* One HEADERS with :status and grpc-status, END_STREAM on it. */
    assert_int_equal(sent(s, H2_SERVER, NGHTTP2_HEADERS), 1);
    assert_true(sent(s, H2_SERVER, NGHTTP2_DATA) == 0);
    assert_rfc9113(s);
    frame_msg_free(&msg);
    stream_destroy(s);
}

static void test_h2_cancel_sends_rst_stream(void **state)
{
    struct stream *s = new_h2(NULL, 0);
    struct frame_msg msg = {0};

    (void)state;
    assert_int_equal(stream_send(stream_client(s), "lost?", 5, NULL),
                     STATUS_OK);
    /*
     * A stream whose HEADERS have not gone out yet is dropped without a
     * word: there is nothing to reset. Cancel once the server has them.
     */
    assert_true(await_sent(s, H2_CLIENT, NGHTTP2_HEADERS, 1));
    stream_cancel(stream_client(s));
    assert_int_equal(stream_recv(stream_server(s), &msg, NULL),
                     STATUS_CANCELLED);
    assert_int_equal(stream_recv(stream_client(s), &msg, NULL),
                     STATUS_CANCELLED);
    assert_int_equal(stream_send(stream_client(s), "x", 1, NULL), STATUS_EOF);
    assert_true(await_sent(s, H2_CLIENT, NGHTTP2_RST_STREAM, 1));
    assert_rfc9113(s);
    frame_msg_free(&msg);
    stream_destroy(s);
}

/*
 * The server ends the call while the client has not ended its side: after
 * its trailers it resets the stream with NO_ERROR (grpc-go), and the
 * client's send, once the reset is there, says EOF.
 */
static void test_h2_finish_resets_a_client_still_sending(void **state)
{
    struct stream *s = new_h2(NULL, 0);
    struct frame_msg msg = {0};
    struct status_detail why;
    struct h2_frame_record log[64];
    size_t n = 0, i = 0;
    int resets = 0;

    (void)state;
    assert_int_equal(stream_send(stream_client(s), "a", 1, NULL), STATUS_OK);
    recv_text(stream_server(s), "a");
    assert_int_equal(stream_finish(stream_server(s), STATUS_OK, NULL),
                     STATUS_OK);
    assert_int_equal(stream_recv(stream_client(s), &msg, NULL), STATUS_EOF);
    assert_true(await_sent(s, H2_SERVER, NGHTTP2_RST_STREAM, 1));
    assert_int_equal(stream_send(stream_client(s), "b", 1, &why), STATUS_EOF);
    n = h2_wire_frames(stream_wire(s), log, 64);
    for (i = 0; i < n && i < 64; i++)
        if (log[i].from == H2_SERVER && log[i].type == NGHTTP2_RST_STREAM) {
            assert_int_equal(log[i].error_code, NGHTTP2_NO_ERROR);
            resets++;
        }
    assert_int_equal(resets, 1);
    assert_rfc9113(s);
    frame_msg_free(&msg);
    stream_destroy(s);
}

/* The client sends n messages of len bytes on a worker thread. */
struct sender {
    struct stream *s;
    int n;
    size_t len;
    int sent;
    enum status st;
};

static enum status sender_main(void *arg)
{
    struct sender *t = arg;
    uint8_t buf[100];
    int i = 0;

    memset(buf, 'x', sizeof buf);
    t->st = STATUS_OK;
    for (i = 0; i < t->n && t->st == STATUS_OK; i++) {
        t->st = stream_send(stream_client(t->s), buf, t->len, NULL);
        t->sent += t->st == STATUS_OK;
    }
    if (t->st == STATUS_OK)
        t->st = stream_close_send(stream_client(t->s));
    return STATUS_OK;
}

/* Polls until the c2s stream window is 0; 0 if it never is. */
static int await_window_closed(struct stream *s)
{
    int i = 0;

    for (i = 0; i < 20000; i++) {
        int32_t sw = -1, cw = -1;

        h2_wire_windows(stream_wire(s), 0, &sw, &cw);
        if (sw == 0)
            return 1;
        sched_sleep_ns(1000000);
    }
    return 0;
}

static void test_h2_window_closes_until_consumed(void **state)
{
    static struct h2_options small = {64, 0, H2_WINDOW_DEFAULT, 0};
    static const struct wire_type type = {"h2", h2_wire_create, &small};
    struct stream *s = new_h2(&type, 0);
    struct sender t = {s, 6, 50, 0, STATUS_UNKNOWN};
    struct sched_thread th;
    struct frame_msg msg = {0};
    int32_t sw = -1, cw = -1;
    int got = 0;

    (void)state;
    /*
     * Until the server's SETTINGS arrive the client may use the default
     * window (RFC 9113, 6.9.2): wait for its ACK of them, which it sends
     * once they have arrived, so the window is 64 from the first byte.
     */
    assert_true(await_sent(s, H2_CLIENT, NGHTTP2_SETTINGS, 2));
    start_thread(&th, "client/send", sender_main, &t);
    /* Nobody reads: 64 bytes of DATA go out, then the window is shut. */
    assert_true(await_window_closed(s));
    h2_wire_windows(stream_wire(s), 0, &sw, &cw);
    assert_int_equal(sw, 0);
    assert_int_equal(cw, H2_DEFAULT_WINDOW - 64);
    /* Reading gives the window back: every message arrives. */
    while (stream_recv(stream_server(s), &msg, NULL) == STATUS_OK)
        got++;
    sched_thread_join(&th);
    assert_int_equal(t.st, STATUS_OK);
    assert_int_equal(got, 6);
    assert_true(sent(s, H2_SERVER, NGHTTP2_WINDOW_UPDATE) >= 1);
    assert_rfc9113(s);
    frame_msg_free(&msg);
    stream_destroy(s);
}

static void test_h2_window_limits(void **state)
{
    static struct h2_options bad = {-1, 0, H2_WINDOW_DEFAULT, 0};
    static const struct wire_type type = {"h2", h2_wire_create, &bad};
    struct stream_options o;
    struct stream *s = NULL;

    (void)state;
    memset(&o, 0, sizeof o);
    o.wire = &type;
    assert_int_equal(stream_create(NULL, &o, &s), STATUS_INVALID_ARGUMENT);
    assert_null(s);
}

/* ---- under the simulator -------------------------------------------- */

struct sim_echo {
    enum status created, server_end, client_end;
    int got;
    int forget_close_send;
    char frames[160]; /* check_frames' verdict */
};

static enum status sim_server(void *arg)
{
    struct stream *s = arg;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_server(s), &msg, NULL)) == STATUS_OK)
        if (stream_send(stream_server(s), msg.data, msg.length, NULL) !=
            STATUS_OK)
            break;
    frame_msg_free(&msg);
    stream_finish(stream_server(s), STATUS_OK, NULL);
    return st;
}

static enum status sim_echo_main(void *arg)
{
    struct sim_echo *e = arg;
    struct stream_options o;
    struct stream *s = NULL;
    struct sched_thread server;
    struct frame_msg msg = {0};
    int i = 0;

    memset(&o, 0, sizeof o);
    o.wire = &h2_wire_type;
    e->created = stream_create(NULL, &o, &s);
    if (e->created != STATUS_OK)
        return e->created;
    sched_thread_start(&server, "server", sim_server, s);
    for (i = 0; i < 3; i++)
        stream_send(stream_client(s), "ping", 4, NULL);
    if (!e->forget_close_send)
        stream_close_send(stream_client(s));
    while ((e->client_end = stream_recv(stream_client(s), &msg, NULL)) ==
           STATUS_OK)
        e->got++;
    sched_thread_join(&server);
    e->server_end = server.result;
    check_frames(s, e->frames, sizeof e->frames);
    frame_msg_free(&msg);
    stream_destroy(s);
    return STATUS_OK;
}

static void run_sim(uint64_t seed, struct sim_echo *e,
                    struct sched_sim_result *res)
{
    struct sched_sim_options o;
    enum status out = STATUS_UNKNOWN;

    memset(&o, 0, sizeof o);
    memset(res, 0, sizeof *res);
    o.strategy = SCHED_RANDOM;
    o.seed = seed;
    assert_int_equal(sched_sim_run(&o, sim_echo_main, e, &out, res),
                     STATUS_OK);
    assert_int_equal(out, STATUS_OK);
}

static void test_h2_sim_seeds_end_alike(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 1; seed <= 30; seed++) {
        struct sim_echo e;
        struct sched_sim_result res, again;
        struct sim_echo e2;

        memset(&e, 0, sizeof e);
        memset(&e2, 0, sizeof e2);
        run_sim(seed, &e, &res);
        assert_int_equal(res.deadlocked, 0);
        assert_int_equal(e.got, 3);
        assert_int_equal(e.client_end, STATUS_EOF);
        assert_int_equal(e.server_end, STATUS_EOF);
        assert_string_equal(e.frames, "");
        run_sim(seed, &e2, &again); /* the same seed: the same run */
        assert_true(res.steps == again.steps);
        sched_sim_result_free(&res);
        sched_sim_result_free(&again);
    }
}

static void test_h2_sim_reports_a_deadlock(void **state)
{
    struct sim_echo e;
    struct sched_sim_result res;

    (void)state;
    memset(&e, 0, sizeof e);
    e.forget_close_send = 1;
    run_sim(1, &e, &res);
    assert_int_equal(res.deadlocked, 1);
    assert_int_equal(e.got, 3); /* the echoes came; then both waited */
    assert_int_equal(e.client_end, STATUS_DEADLOCK);
    assert_int_equal(e.server_end, STATUS_DEADLOCK);
    sched_sim_result_free(&res);
}

/* A window smaller than one message: the client sends 50 bytes with a
 * 4-byte window, the server reads them. */
struct tiny {
    enum status created, got;
    uint32_t length;
};

static enum status tiny_window_main(void *arg)
{
    static struct h2_options four = {4, 4, H2_WINDOW_DEFAULT, 0};
    static const struct wire_type type = {"h2", h2_wire_create, &four};
    static const uint8_t fifty[50];
    struct tiny *t = arg;
    struct stream_options o;
    struct stream *s = NULL;
    struct frame_msg msg = {0};

    memset(&o, 0, sizeof o);
    o.wire = &type;
    t->created = stream_create(NULL, &o, &s);
    if (t->created != STATUS_OK)
        return t->created;
    stream_send(stream_client(s), fifty, sizeof fifty, NULL);
    stream_close_send(stream_client(s));
    t->got = stream_recv(stream_server(s), &msg, NULL);
    t->length = msg.length;
    frame_msg_free(&msg);
    stream_finish(stream_server(s), STATUS_OK, NULL);
    stream_destroy(s);
    return STATUS_OK;
}

/*
 * The receiver gives bytes back as its recv gets them, not only once a
 * whole message is there: else a message larger than the window could
 * never arrive (the sender waits for WINDOW_UPDATE, the receiver for the
 * rest of the message), a deadlock.
 */
static void test_h2_message_larger_than_window(void **state)
{
    struct sched_sim_options o;
    struct sched_sim_result res;
    struct tiny t;
    enum status out = STATUS_UNKNOWN;

    (void)state;
    memset(&o, 0, sizeof o);
    memset(&res, 0, sizeof res);
    memset(&t, 0, sizeof t);
    o.strategy = SCHED_RANDOM;
    o.seed = 3;
    assert_int_equal(sched_sim_run(&o, tiny_window_main, &t, &out, &res),
                     STATUS_OK);
    assert_int_equal(res.deadlocked, 0);
    assert_int_equal(t.created, STATUS_OK);
    assert_int_equal(t.got, STATUS_OK);
    assert_int_equal(t.length, 50);
    sched_sim_result_free(&res);
}

/* ---- grpc-go's write quota -------------------------------------------- */

/*
 * A client sends messages of 16 KiB that nobody reads, under the
 * simulator; how the run ends: a deadlock (how), the deadline (timeout),
 * or main's cancel after 10 ms (cancel).
 */
enum quota_end { QUOTA_DEADLOCK, QUOTA_DEADLINE, QUOTA_CANCEL };

struct quota_run {
    enum quota_end how;
    enum status created, st;
    int sent;
    uint64_t write_waits;
    struct stream *s;
};

#define QUOTA_MSG 16384
#define QUOTA_MSGS 20

static enum status quota_sender(void *arg)
{
    static uint8_t buf[QUOTA_MSG];
    struct quota_run *q = arg;

    q->st = STATUS_OK;
    while (q->sent < QUOTA_MSGS && q->st == STATUS_OK) {
        q->st = stream_send(stream_client(q->s), buf, sizeof buf, NULL);
        q->sent += q->st == STATUS_OK;
    }
    return STATUS_OK;
}

static enum status quota_main(void *arg)
{
    struct quota_run *q = arg;
    struct stream_options o;
    struct sched_thread th;

    memset(&o, 0, sizeof o);
    o.wire = &h2_wire_type;
    o.timeout_ns = q->how == QUOTA_DEADLINE ? 100000000 : 0;
    q->created = stream_create(NULL, &o, &q->s);
    if (q->created != STATUS_OK)
        return q->created;
    sched_thread_start(&th, "client/send", quota_sender, q);
    if (q->how == QUOTA_CANCEL) {
        sched_sleep_ns(10000000);
        stream_cancel(stream_client(q->s));
    }
    sched_thread_join(&th);
    q->write_waits = stream_get_stats(q->s).write_waits[0];
    stream_destroy(q->s);
    return STATUS_OK;
}

static void run_quota(struct quota_run *q, struct sched_sim_result *res)
{
    struct sched_sim_options o;
    enum status out = STATUS_UNKNOWN;

    memset(&o, 0, sizeof o);
    memset(res, 0, sizeof *res);
    o.strategy = SCHED_RANDOM;
    o.seed = 7;
    assert_int_equal(sched_sim_run(&o, quota_main, q, &out, res), STATUS_OK);
    assert_int_equal(out, STATUS_OK);
    assert_int_equal(q->created, STATUS_OK);
}

/*
 * Nobody reads: the window (65,535) and then the write quota (64 KiB
 * queued) are used up, so the sender waits, and the deadlock report says
 * for what: WINDOW_UPDATE on c2s's stream 1, its quota used up.
 */
static void test_h2_quota_waits_for_window_update(void **state)
{
    struct quota_run q;
    struct sched_sim_result res;

    (void)state;
    memset(&q, 0, sizeof q);
    q.how = QUOTA_DEADLOCK;
    run_quota(&q, &res);
    assert_int_equal(res.deadlocked, 1);
    assert_int_equal(q.st, STATUS_DEADLOCK);
    /* A window and a quota of 16,389-byte frames: 8 or 9 sent, not 20. */
    assert_true(q.sent >= 8 && q.sent <= 9);
    assert_true(q.write_waits >= 1);
    assert_non_null(strstr(res.report,
                           "client/send waits for WINDOW_UPDATE (c2s "
                           "stream 1 window 0"));
    assert_non_null(strstr(res.report, "its send quota is used up"));
    sched_sim_result_free(&res);
}

/*
 * The deadline wakes a sender waiting for its quota (in virtual time, at
 * 100 ms): no deadlock.
 */
static void test_h2_quota_wait_ends_at_the_deadline(void **state)
{
    struct quota_run q;
    struct sched_sim_result res;

    (void)state;
    memset(&q, 0, sizeof q);
    q.how = QUOTA_DEADLINE;
    run_quota(&q, &res);
    assert_int_equal(res.deadlocked, 0);
    /* grpc-go's contract: a send on a call that has ended says EOF. */
    assert_int_equal(q.st, STATUS_EOF);
    assert_true(q.sent >= 8 && q.sent <= 9);
    assert_true(res.now_ns >= 100000000);
    sched_sim_result_free(&res);
}

/* A cancel wakes it too; the send then fails as a send after the end. */
static void test_h2_quota_wait_ends_at_a_cancel(void **state)
{
    struct quota_run q;
    struct sched_sim_result res;

    (void)state;
    memset(&q, 0, sizeof q);
    q.how = QUOTA_CANCEL;
    run_quota(&q, &res);
    assert_int_equal(res.deadlocked, 0);
    assert_int_equal(q.st, STATUS_EOF);
    assert_true(q.sent >= 8 && q.sent <= 9);
    sched_sim_result_free(&res);
}

/* ---- the header blocks ---------------------------------------------- */

static void test_h2_percent_encoding(void **state)
{
    char enc[64], dec[64];

    (void)state;
    h2_percent_encode(enc, sizeof enc, "a b%c\n\xc3\xa9");
    assert_string_equal(enc, "a b%25c%0A%C3%A9");
    h2_percent_decode(dec, sizeof dec, (const uint8_t *)enc, strlen(enc));
    assert_string_equal(dec, "a b%c\n\xc3\xa9");
    /* A '%' without two hex digits stays as it is. */
    h2_percent_decode(dec, sizeof dec, (const uint8_t *)"50%", 3);
    assert_string_equal(dec, "50%");
}

static void test_h2_request_headers(void **state)
{
    struct h2_header_list h;

    (void)state;
    h2_request_headers(&h, 5 * 1000000000LL);
    assert_int_equal(h.n, 7);
    assert_memory_equal(h.nv[2].name, ":path", 5);
    assert_memory_equal(h.nv[2].value, "/chat.ChatService/Chat", 22);
    assert_memory_equal(h.nv[5].value, "trailers", 8);
    assert_memory_equal(h.nv[6].name, "grpc-timeout", 12);
    assert_string_equal(h.timeout, "5000m");
    h2_request_headers(&h, SCHED_NO_DEADLINE);
    assert_int_equal(h.n, 6); /* no deadline: no grpc-timeout */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h2_checker_catches_broken_rules),
        cmocka_unit_test(test_h2_echo_keeps_the_contract),
        cmocka_unit_test(test_h2_trailers_carry_the_status),
        cmocka_unit_test(test_h2_trailers_only_when_no_message),
        cmocka_unit_test(test_h2_cancel_sends_rst_stream),
        cmocka_unit_test(test_h2_finish_resets_a_client_still_sending),
        cmocka_unit_test(test_h2_window_closes_until_consumed),
        cmocka_unit_test(test_h2_window_limits),
        cmocka_unit_test(test_h2_sim_seeds_end_alike),
        cmocka_unit_test(test_h2_sim_reports_a_deadlock),
        cmocka_unit_test(test_h2_message_larger_than_window),
        cmocka_unit_test(test_h2_quota_waits_for_window_update),
        cmocka_unit_test(test_h2_quota_wait_ends_at_the_deadline),
        cmocka_unit_test(test_h2_quota_wait_ends_at_a_cancel),
        cmocka_unit_test(test_h2_percent_encoding),
        cmocka_unit_test(test_h2_request_headers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

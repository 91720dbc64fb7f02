/*
 * test_h2_lesson: what Days 127 and 128 teach about the HTTP/2 wire, each
 * claim checked on the frames a real connection (nghttp2) exchanged.
 *
 * What is checked:
 *   - one call's frames, sender by sender, in every one of 20 seeds:
 *     SETTINGS first on each end and each end ACKs the other's; the
 *     client's HEADERS (no END_STREAM), DATA carrying every message's
 *     5-byte header and payload, END_STREAM on its last DATA frame
 *     (CloseSend); the server's HEADERS, DATA, then trailers (HEADERS with
 *     END_STREAM); no RST_STREAM on a call that ended well;
 *   - a cancel and a deadline each put RST_STREAM(CANCEL) on the wire,
 *     and the server sends no trailers after it;
 *   - nobody reads: the receiver sends no WINDOW_UPDATE, and a sender of
 *     F-byte frames gets ceil((Q + W) / F) messages out before it waits
 *     (Q grpc-go's write quota, W the window), whatever the seed; once
 *     the receiver reads, WINDOW_UPDATEs come and every message arrives.
 *
 * Every run is simulated (sched_sim_run), so each is one schedule of a
 * seed and runs the same way every time; a run that waits forever ends
 * as a deadlock report instead of a hang. Only the test thread asserts:
 * the simulated threads store what they saw.
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
#include "h2/h2_wire.h"

enum { CLIENT = 0, SERVER = 1 };

/* Runs fn(arg) as a simulation of seed; the result in *res. */
static void simulate(uint64_t seed, sched_fn fn, void *arg,
                     struct sched_sim_result *res)
{
    struct sched_sim_options o;
    enum status out = STATUS_UNKNOWN;

    memset(&o, 0, sizeof o);
    memset(res, 0, sizeof *res);
    o.strategy = SCHED_RANDOM;
    o.seed = seed;
    assert_int_equal(sched_sim_run(&o, fn, arg, &out, res), STATUS_OK);
    assert_int_equal(out, STATUS_OK);
}

/* Waits (virtual time) until w's log holds a frame of type from from. */
static int await_frame(struct wire *w, int from, int type)
{
    static struct h2_frame_record log[H2_FRAME_LOG_MAX];
    int tries = 0;

    for (tries = 0; tries < 1000; tries++) {
        size_t n = h2_wire_frames(w, log, H2_FRAME_LOG_MAX);
        size_t i = 0;

        for (i = 0; i < n && i < H2_FRAME_LOG_MAX; i++)
            if (log[i].from == from && log[i].type == type)
                return 1;
        sched_sleep_ns(1000000);
    }
    return 0;
}

/* ---- one call's frames -------------------------------------------------- */

/* The frames of one call, as the simulated main thread saw them. */
struct one_call {
    struct h2_frame_record log[H2_FRAME_LOG_MAX];
    size_t n;
    enum status client_end, server_end;
    int echoes;
};

static const char *const two[2] = {"hello", "how are you?"};

/* The echo's server: each message back, then OK at EOF. */
static enum status echo_server(void *arg)
{
    struct stream *s = arg;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_server(s), &msg, NULL)) == STATUS_OK)
        if (stream_send(stream_server(s), msg.data, msg.length, NULL) !=
            STATUS_OK)
            break;
    frame_msg_free(&msg);
    if (st == STATUS_EOF)
        st = stream_finish(stream_server(s), STATUS_OK, NULL);
    return st;
}

static enum status one_call_main(void *arg)
{
    struct one_call *c = arg;
    struct stream_options o;
    struct stream *s = NULL;
    struct sched_thread server;
    struct frame_msg msg = {0};
    int i = 0;

    memset(&o, 0, sizeof o);
    o.wire = &h2_wire_type;
    if (stream_create(NULL, &o, &s) != STATUS_OK)
        return STATUS_INTERNAL;
    sched_thread_start(&server, "server", echo_server, s);
    for (i = 0; i < 2; i++)
        stream_send(stream_client(s), two[i], strlen(two[i]), NULL);
    stream_close_send(stream_client(s));
    while ((c->client_end = stream_recv(stream_client(s), &msg, NULL)) ==
           STATUS_OK)
        c->echoes++;
    sched_thread_join(&server);
    c->server_end = server.result;
    c->n = h2_wire_frames(stream_wire(s), c->log, H2_FRAME_LOG_MAX);
    frame_msg_free(&msg);
    stream_destroy(s);
    return STATUS_OK;
}

/*
 * The frames from one sender, in order, as letters: S SETTINGS, A its
 * ACK, H HEADERS, T trailers (HEADERS + END_STREAM), D DATA, E DATA +
 * END_STREAM, R RST_STREAM, W WINDOW_UPDATE, G GOAWAY, P PING, p its ACK,
 * ? anything else.
 */
static void letters(const struct one_call *c, int from, char *out, size_t cap)
{
    size_t i = 0, k = 0;

    for (i = 0; i < c->n && i < H2_FRAME_LOG_MAX && k + 1 < cap; i++) {
        const struct h2_frame_record *f = &c->log[i];
        int end = (f->flags & NGHTTP2_FLAG_END_STREAM) != 0;
        char l = '?';

        if (f->from != from)
            continue;
        if (f->type == NGHTTP2_SETTINGS)
            l = (f->flags & NGHTTP2_FLAG_ACK) ? 'A' : 'S';
        else if (f->type == NGHTTP2_HEADERS)
            l = end ? 'T' : 'H';
        else if (f->type == NGHTTP2_DATA)
            l = end ? 'E' : 'D';
        else if (f->type == NGHTTP2_RST_STREAM)
            l = 'R';
        else if (f->type == NGHTTP2_WINDOW_UPDATE)
            l = 'W';
        else if (f->type == NGHTTP2_GOAWAY)
            l = 'G';
        else if (f->type == NGHTTP2_PING)
            l = (f->flags & NGHTTP2_FLAG_ACK) ? 'p' : 'P';
        out[k++] = l;
    }
    out[k] = '\0';
}

/* The payload bytes of from's DATA frames. */
static uint32_t data_bytes(const struct one_call *c, int from)
{
    uint32_t sum = 0;
    size_t i = 0;

    for (i = 0; i < c->n && i < H2_FRAME_LOG_MAX; i++)
        if (c->log[i].from == from && c->log[i].type == NGHTTP2_DATA)
            sum += c->log[i].length;
    return sum;
}

/*
 * Fails unless seq (one sender's letters) is SETTINGS, then its frames
 * in the order of pattern: the SETTINGS ACK may come anywhere after the
 * SETTINGS, and the DATA frames are one run of D (at least one). The
 * connection's PINGs may come anywhere too, but exactly one of each kind:
 * the BDP PING this end sent when its first DATA arrived, and the ACK of
 * the other end's.
 */
static void assert_sequence(const char *seq, const char *want, int seed)
{
    char kept[H2_FRAME_LOG_MAX + 1];
    size_t i = 0, k = 0;
    int acks = 0, pings = 0, ping_acks = 0;

    for (i = 0; seq[i] != '\0'; i++) {
        if (seq[i] == 'A') {
            acks++;
            continue;
        }
        if (seq[i] == 'P' || seq[i] == 'p') {
            pings += seq[i] == 'P';
            ping_acks += seq[i] == 'p';
            continue;
        }
        /* Runs of D shrink to one D: how many depends on the schedule. */
        if (seq[i] == 'D' && k > 0 && kept[k - 1] == 'D')
            continue;
        kept[k++] = seq[i];
    }
    kept[k] = '\0';
    if (acks != 1 || pings != 1 || ping_acks != 1 || strcmp(kept, want) != 0)
        fail_msg("seed %d: the frames were %s (%d ACK, %d PING, %d PING "
                 "ACK), want S, one ACK, one PING, one PING ACK, then %s",
                 seed, seq, acks, pings, ping_acks, want);
}

static void test_h2_lesson_one_call_frames_both_ways(void **state)
{
    static struct one_call c;
    int seed = 0;

    (void)state;
    for (seed = 1; seed <= 20; seed++) {
        struct sched_sim_result res;
        char client[H2_FRAME_LOG_MAX + 1], server[H2_FRAME_LOG_MAX + 1];

        memset(&c, 0, sizeof c);
        simulate((uint64_t)seed, one_call_main, &c, &res);
        assert_int_equal(res.deadlocked, 0);
        assert_int_equal(c.echoes, 2);
        assert_int_equal(c.client_end, STATUS_EOF);
        assert_int_equal(c.server_end, STATUS_OK);
        letters(&c, CLIENT, client, sizeof client);
        letters(&c, SERVER, server, sizeof server);
        /*
         * Client: HEADERS without END_STREAM, DATA, and END_STREAM on the
         * last DATA frame (CloseSend). Server: HEADERS, DATA, trailers.
         * No RST_STREAM: the call ended well.
         */
        assert_sequence(client, "SHDE", seed);
        assert_sequence(server, "SHDT", seed);
        /* The DATA carry each message's 5-byte header and its payload. */
        assert_int_equal(data_bytes(&c, CLIENT), 5 + 5 + 5 + 12);
        assert_int_equal(data_bytes(&c, SERVER), 5 + 5 + 5 + 12);
        sched_sim_result_free(&res);
    }
}

/* ---- a cancel and a deadline -------------------------------------------- */

struct ended {
    int deadline; /* 1: the call's deadline ends it; 0: a cancel */
    enum status client_end, server_end;
    uint32_t rst_code;
    int rsts, client_frames_after, trailers;
};

/* The server reads until the call ends, and sends nothing. */
static enum status silent_server(void *arg)
{
    struct stream *s = arg;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_server(s), &msg, NULL)) == STATUS_OK)
        ;
    frame_msg_free(&msg);
    return st;
}

static void count_ending(struct ended *e, struct wire *w)
{
    static struct h2_frame_record log[H2_FRAME_LOG_MAX];
    size_t n = h2_wire_frames(w, log, H2_FRAME_LOG_MAX);
    size_t i = 0;

    for (i = 0; i < n && i < H2_FRAME_LOG_MAX; i++) {
        const struct h2_frame_record *f = &log[i];

        if (f->from == CLIENT && e->rsts > 0 && f->stream_id == 1)
            e->client_frames_after++;
        if (f->from == CLIENT && f->type == NGHTTP2_RST_STREAM) {
            e->rsts++;
            e->rst_code = f->error_code;
        }
        if (f->from == SERVER && f->type == NGHTTP2_HEADERS &&
            (f->flags & NGHTTP2_FLAG_END_STREAM))
            e->trailers++;
    }
}

static enum status ended_main(void *arg)
{
    struct ended *e = arg;
    struct stream_options o;
    struct stream *s = NULL;
    struct sched_thread server;
    struct frame_msg msg = {0};

    memset(&o, 0, sizeof o);
    o.wire = &h2_wire_type;
    o.timeout_ns = e->deadline ? 50000000 : 0;
    if (stream_create(NULL, &o, &s) != STATUS_OK)
        return STATUS_INTERNAL;
    sched_thread_start(&server, "server", silent_server, s);
    stream_send(stream_client(s), "hello", 5, NULL);
    /* A stream the server has not heard of is dropped without a word. */
    await_frame(stream_wire(s), CLIENT, NGHTTP2_HEADERS);
    if (!e->deadline)
        stream_cancel(stream_client(s));
    e->client_end = stream_recv(stream_client(s), &msg, NULL);
    sched_thread_join(&server);
    e->server_end = server.result;
    await_frame(stream_wire(s), CLIENT, NGHTTP2_RST_STREAM);
    count_ending(e, stream_wire(s));
    frame_msg_free(&msg);
    stream_destroy(s);
    return STATUS_OK;
}

static void test_h2_lesson_cancel_and_deadline_reset_the_stream(void **state)
{
    int deadline = 0, seed = 0;

    (void)state;
    for (deadline = 0; deadline <= 1; deadline++)
        for (seed = 1; seed <= 5; seed++) {
            struct ended e;
            struct sched_sim_result res;
            enum status want =
                deadline ? STATUS_DEADLINE_EXCEEDED : STATUS_CANCELLED;

            memset(&e, 0, sizeof e);
            e.deadline = deadline;
            simulate((uint64_t)seed, ended_main, &e, &res);
            assert_int_equal(res.deadlocked, 0);
            assert_int_equal(e.client_end, want);
            assert_int_equal(e.server_end, want);
            assert_int_equal(e.rsts, 1);
            assert_int_equal(e.rst_code, NGHTTP2_CANCEL);
            assert_int_equal(e.client_frames_after, 0);
            assert_int_equal(e.trailers, 0); /* no status from the server */
            sched_sim_result_free(&res);
        }
}

/* ---- the window nobody gives back -------------------------------------- */

#define STALL_MSGS 200

struct stall {
    int32_t window;
    size_t payload;
    int read; /* 1: the server reads everything after the stall */
    int sent; /* messages the client's sender got out */
    enum status send_end;
    uint64_t updates_before; /* the server's WINDOW_UPDATEs, nobody reading */
    uint64_t updates_after;
    int got;
    struct stream *s;
};

static enum status stall_sender(void *arg)
{
    static uint8_t buf[20000];
    struct stall *t = arg;

    t->send_end = STATUS_OK;
    while (t->sent < STALL_MSGS && t->send_end == STATUS_OK) {
        t->send_end = stream_send(stream_client(t->s), buf, t->payload, NULL);
        t->sent += t->send_end == STATUS_OK;
    }
    if (t->send_end == STATUS_OK)
        t->send_end = stream_close_send(stream_client(t->s));
    return STATUS_OK;
}

static enum status stall_main(void *arg)
{
    static struct h2_options opts;
    static const struct wire_type type = {"h2", h2_wire_create, &opts};
    struct stall *t = arg;
    struct stream_options o;
    struct sched_thread th;
    struct frame_msg msg = {0};

    opts.window = t->window;
    opts.conn_window = 0;
    memset(&o, 0, sizeof o);
    o.wire = &type;
    if (stream_create(NULL, &o, &t->s) != STATUS_OK)
        return STATUS_INTERNAL;
    sched_thread_start(&th, "client/send", stall_sender, t);
    if (t->read) {
        /* A long while nobody reads (virtual time), then the reader. */
        sched_sleep_ns(1000000000);
        t->updates_before = h2_wire_frame_counts(stream_wire(t->s))
                                .sent[SERVER][NGHTTP2_WINDOW_UPDATE];
        while (stream_recv(stream_server(t->s), &msg, NULL) == STATUS_OK)
            t->got++;
        t->updates_after = h2_wire_frame_counts(stream_wire(t->s))
                               .sent[SERVER][NGHTTP2_WINDOW_UPDATE];
    }
    sched_thread_join(&th);
    if (!t->read)
        t->updates_before = h2_wire_frame_counts(stream_wire(t->s))
                                .sent[SERVER][NGHTTP2_WINDOW_UPDATE];
    frame_msg_free(&msg);
    stream_destroy(t->s);
    return STATUS_OK;
}

/* ceil((Q + W) / F): the messages out before the sender waits. */
static int stall_expected(int32_t window, size_t payload)
{
    size_t frame = payload + FRAME_HEADER_LEN;

    return (int)((H2_WRITE_QUOTA + (size_t)window + frame - 1) / frame);
}

static void test_h2_lesson_no_reader_no_window_update(void **state)
{
    static const int32_t windows[] = {64, 1000, 16389, H2_DEFAULT_WINDOW};
    static const size_t payloads[] = {1000, 4000, 16384};
    size_t w = 0, p = 0;
    int seed = 0;

    (void)state;
    for (w = 0; w < sizeof windows / sizeof windows[0]; w++)
        for (p = 0; p < sizeof payloads / sizeof payloads[0]; p++)
            for (seed = 1; seed <= 3; seed++) {
                struct stall t;
                struct sched_sim_result res;
                int want = stall_expected(windows[w], payloads[p]);

                memset(&t, 0, sizeof t);
                t.window = windows[w];
                t.payload = payloads[p];
                simulate((uint64_t)seed, stall_main, &t, &res);
                assert_int_equal(res.deadlocked, 1);
                assert_int_equal(t.send_end, STATUS_DEADLOCK);
                assert_true(t.updates_before == 0);
                if (t.sent != want)
                    fail_msg("window %d, %zu-byte messages, seed %d: %d "
                             "sent before the sender waited, want %d",
                             (int)windows[w], payloads[p], seed, t.sent, want);
                assert_non_null(strstr(res.report,
                                       "waits for WINDOW_UPDATE (c2s "
                                       "stream 1 window 0"));
                sched_sim_result_free(&res);
            }
}

static void test_h2_lesson_reading_gives_the_window_back(void **state)
{
    int seed = 0;

    (void)state;
    for (seed = 1; seed <= 3; seed++) {
        struct stall t;
        struct sched_sim_result res;

        memset(&t, 0, sizeof t);
        t.window = 1000;
        t.payload = 100;
        t.read = 1;
        simulate((uint64_t)seed, stall_main, &t, &res);
        assert_int_equal(res.deadlocked, 0);
        /* A second of nobody reading: no WINDOW_UPDATE, the sender stuck. */
        assert_true(t.updates_before == 0);
        assert_int_equal(t.send_end, STATUS_OK);
        assert_int_equal(t.sent, STALL_MSGS);
        assert_int_equal(t.got, STALL_MSGS);
        assert_true(t.updates_after >= 1);
        sched_sim_result_free(&res);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h2_lesson_one_call_frames_both_ways),
        cmocka_unit_test(test_h2_lesson_cancel_and_deadline_reset_the_stream),
        cmocka_unit_test(test_h2_lesson_no_reader_no_window_update),
        cmocka_unit_test(test_h2_lesson_reading_gives_the_window_back),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

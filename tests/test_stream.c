/*
 * test_stream: one bidirectional call, grpc-go's contract (src/core/stream.h).
 *
 * What is checked:
 *   - messages go through, in order within a direction, with one thread per
 *     direction on each end (the supported way to use a stream);
 *   - stream_close_send is CloseSend: the server drains, then gets EOF;
 *     the server may send after it; stream_finish ends the call with a
 *     status the client's recv reports after the last message, for ever;
 *   - a stream_close_send that races with a send on another thread never
 *     cuts its frame: on real threads and in 2,000 simulated schedules,
 *     the server reads every message whole, then EOF;
 *   - misuse gets a status: a send after CloseSend, finishing twice or on
 *     the wrong end;
 *   - a cancel from either end, the deadline, or the parent context wakes
 *     every blocked send and recv on both ends, and buffered messages are
 *     lost (counted); draining first loses nothing and keeps the final OK;
 *   - a deadline that passed unnoticed comes before a later cancel;
 *   - a bad frame or a too-large message fails the call with grpc-go's
 *     exact words;
 *   - the counters and the trace say what happened.
 *
 * Threads: workers never call a cmocka assert. They store what they saw in
 * a struct; the test joins them, then asserts. To know that a worker is
 * blocked inside a pipe, the test polls that pipe's read_waits/write_waits
 * counter (it is raised, under the pipe's lock, just before the wait), with
 * a short sleep between polls: await_read_waits and await_write_waits, in
 * support.h. Deadlines are bounds on how long a blocked
 * call can stay blocked, never something the test times.
 * await_close_waiting polls the call's close_send_waits counter
 * (stream_get_stats) the same way, to know that a close_send waits for a
 * send in flight. Tests that need a
 * deadline behind them at an exact point, or many schedules of a race, run
 * simulated (sched_sim_run: virtual time, seeded schedules).
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

#include "core/context.h"
#include "core/frame.h"
#include "core/pipe.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"
#include "support.h"
#include "core/trace.h"

#define MS (INT64_C(1000000))

/* What a client's send says on a call that has ended (grpc-go's io.EOF). */
#define SEND_ENDED "the call has ended; stream_recv returns its status"

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/* Creates a stream under parent with a pipe capacity and a timeout. */
static struct stream *new_stream(struct context *parent, size_t capacity,
                                 int64_t timeout_ns)
{
    struct stream_options opts;
    struct stream *s = NULL;

    memset(&opts, 0, sizeof opts);
    opts.capacity = capacity;
    opts.timeout_ns = timeout_ns;
    assert_int_equal(stream_create(parent, &opts, &s), STATUS_OK);
    assert_non_null(s);
    return s;
}

/* Sends a NUL-terminated string as one message. */
static enum status send_str(struct stream_end *e, const char *text,
                            struct status_detail *why)
{
    return stream_send(e, text, strlen(text), why);
}

/* Receives one message and checks it is exactly text. */
static void recv_expect(struct stream_end *e, const char *text)
{
    struct frame_msg msg = {0};
    struct status_detail why;

    assert_int_equal(stream_recv(e, &msg, &why), STATUS_OK);
    assert_int_equal(msg.flag, FRAME_FLAG_PLAIN);
    assert_int_equal(msg.length, strlen(text));
    if (msg.length > 0)
        assert_memory_equal(msg.data, text, msg.length);
    frame_msg_free(&msg);
}

/* Receives once and checks the call's answer is code with text. */
static void recv_status(struct stream_end *e, enum status code,
                        const char *text)
{
    struct frame_msg msg = {0};
    struct status_detail why;

    assert_int_equal(stream_recv(e, &msg, &why), code);
    assert_int_equal(why.code, code);
    assert_string_equal(why.text, text);
    frame_msg_free(&msg);
}

/* One blocking operation on a worker thread, and what it returned. */
struct op {
    struct stream_end *e;
    const void *data; /* for a send */
    size_t len;
    enum status st;
    struct status_detail why;
    struct frame_msg msg; /* for a recv */
};

static enum status op_send(void *arg)
{
    struct op *o = arg;

    o->st = stream_send(o->e, o->data, o->len, &o->why);
    return STATUS_OK;
}

static enum status op_recv(void *arg)
{
    struct op *o = arg;

    o->st = stream_recv(o->e, &o->msg, &o->why);
    return STATUS_OK;
}

static void op_init(struct op *o, struct stream_end *e, const void *data,
                    size_t len)
{
    memset(o, 0, sizeof *o);
    o->e = e;
    o->data = data;
    o->len = len;
    o->st = STATUS_UNKNOWN; /* "never ran" */
}

/*
 * Numbered messages: 4 bytes of big-endian sequence number, then i % 13
 * bytes of filler (i & 0xff), so lengths vary and frames split anywhere.
 */
static size_t numbered(uint8_t *buf, uint32_t i)
{
    size_t n = i % 13;

    frame_put_u32(buf, i);
    memset(buf + 4, (int)(i & 0xff), n);
    return 4 + n;
}

static int is_numbered(const struct frame_msg *m, uint32_t i)
{
    uint8_t want[4 + 13];
    size_t n = numbered(want, i);

    return m->length == n && memcmp(m->data, want, n) == 0;
}

/* Sends n numbered messages, then (client) half-closes. */
struct seq_tx {
    struct stream_end *e;
    uint32_t n;
    uint32_t sent;
    enum status st;
};

static enum status seq_tx_main(void *arg)
{
    struct seq_tx *t = arg;
    uint8_t buf[4 + 13];
    uint32_t i = 0;

    t->st = STATUS_OK;
    for (i = 0; i < t->n && t->st == STATUS_OK; i++) {
        t->st = stream_send(t->e, buf, numbered(buf, i), NULL);
        if (t->st == STATUS_OK)
            t->sent++;
    }
    if (t->e->side == STREAM_CLIENT)
        stream_close_send(t->e);
    return STATUS_OK;
}

/* Receives until the end, checking every message is the next number. */
struct seq_rx {
    struct stream_end *e;
    uint32_t got;
    long bad_at; /* first out-of-order message, or -1 */
    enum status end;
    struct status_detail why;
};

static enum status seq_rx_main(void *arg)
{
    struct seq_rx *r = arg;
    struct frame_msg msg = {0};

    r->bad_at = -1;
    while ((r->end = stream_recv(r->e, &msg, &r->why)) == STATUS_OK) {
        if (r->bad_at < 0 && !is_numbered(&msg, r->got))
            r->bad_at = (long)r->got;
        r->got++;
    }
    frame_msg_free(&msg);
    return STATUS_OK;
}

/* ------------------------------------------------------------------ */
/* Creation                                                           */
/* ------------------------------------------------------------------ */

static void test_stream_create_defaults(void **state)
{
    struct stream *s = NULL;

    (void)state;
    assert_int_equal(stream_create(NULL, NULL, &s), STATUS_OK);
    assert_int_equal(stream_max_recv(s), FRAME_DEFAULT_MAX_RECV);
    assert_int_equal(stream_max_send(s), FRAME_DEFAULT_MAX_SEND);
    assert_int_equal(pipe_capacity(stream_pipe(s, STREAM_C2S)),
                     PIPE_DEFAULT_CAPACITY);
    assert_int_equal(pipe_capacity(stream_pipe(s, STREAM_S2C)),
                     PIPE_DEFAULT_CAPACITY);
    assert_true(context_deadline(stream_context(s)) == SCHED_NO_DEADLINE);
    assert_ptr_equal(stream_client(s)->stream, s);
    assert_ptr_equal(stream_server(s)->stream, s);
    assert_int_equal(stream_client(s)->side, STREAM_CLIENT);
    assert_int_equal(stream_server(s)->side, STREAM_SERVER);
    assert_int_equal(stream_final_status(s, NULL), STATUS_OK);
    stream_destroy(s);
}

static void test_stream_create_with_options(void **state)
{
    struct stream_options opts;
    struct stream *s = NULL;
    int64_t before = sched_now_ns();
    int64_t dl = 0;

    (void)state;
    memset(&opts, 0, sizeof opts);
    opts.capacity = 100;
    opts.timeout_ns = 3600 * INT64_C(1000000000);
    opts.max_recv = 10;
    opts.max_send = 20;
    assert_int_equal(stream_create(NULL, &opts, &s), STATUS_OK);
    assert_int_equal(stream_max_recv(s), 10);
    assert_int_equal(stream_max_send(s), 20);
    assert_int_equal(pipe_capacity(stream_pipe(s, STREAM_C2S)), 100);
    assert_int_equal(pipe_capacity(stream_pipe(s, STREAM_S2C)), 100);

    /* The timeout became the context's deadline, and each pipe's. */
    dl = context_deadline(stream_context(s));
    assert_true(dl >= before + opts.timeout_ns);
    assert_true(pipe_read_deadline(stream_pipe(s, STREAM_C2S)) == dl);
    assert_true(pipe_write_deadline(stream_pipe(s, STREAM_C2S)) == dl);
    assert_true(pipe_read_deadline(stream_pipe(s, STREAM_S2C)) == dl);
    assert_true(pipe_write_deadline(stream_pipe(s, STREAM_S2C)) == dl);
    stream_destroy(s);
}

static void test_stream_destroy_null_is_noop(void **state)
{
    (void)state;
    stream_destroy(NULL);
}

/*
 * The accessors name the parts of one call: two ends, a context under the
 * parent, and a pipe per direction with the direction's name.
 */
static void test_stream_accessors_name_the_parts(void **state)
{
    struct context *parent = NULL;
    struct stream *s = NULL;

    (void)state;
    assert_true(stream_struct_size() >= 2 * sizeof(struct stream_end));
    assert_int_equal(context_create(NULL, &parent), STATUS_OK);
    s = new_stream(parent, 0, 0);
    assert_ptr_not_equal(stream_client(s), stream_server(s));
    assert_ptr_equal(context_get_info(stream_context(s)).parent, parent);
    assert_string_equal(pipe_name(stream_pipe(s, STREAM_C2S)), "c2s");
    assert_string_equal(pipe_name(stream_pipe(s, STREAM_S2C)), "s2c");

    /* The parent's cancel reaches the call through that context. */
    context_cancel(parent, STATUS_CANCELLED, NULL);
    assert_int_equal(context_err(stream_context(s), NULL), STATUS_CANCELLED);
    stream_destroy(s);
    context_destroy(parent);
}

static void test_stream_side_name(void **state)
{
    (void)state;
    assert_string_equal(stream_side_name(STREAM_CLIENT), "client");
    assert_string_equal(stream_side_name(STREAM_SERVER), "server");
}

/* ------------------------------------------------------------------ */
/* Messages, half-close, finish                                       */
/* ------------------------------------------------------------------ */

static void test_stream_round_trip_single_thread(void **state)
{
    struct stream *s = new_stream(NULL, 0, 0);
    struct frame_msg msg = {0};
    struct status_detail why;
    struct stream_stats st;

    (void)state;
    /* The pipes hold 64 KiB: nothing here ever blocks. */
    assert_int_equal(send_str(stream_client(s), "ping", &why), STATUS_OK);
    assert_int_equal(stream_send(stream_client(s), "", 0, &why), STATUS_OK);
    recv_expect(stream_server(s), "ping");
    recv_expect(stream_server(s), ""); /* a zero-length message is a message */
    assert_int_equal(send_str(stream_server(s), "pong", NULL), STATUS_OK);
    recv_expect(stream_client(s), "pong");

    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    recv_status(stream_server(s), STATUS_EOF, "client half-closed");
    assert_int_equal(stream_finish(stream_server(s), STATUS_OK, NULL),
                     STATUS_OK);
    recv_status(stream_client(s), STATUS_EOF,
                "the server finished the call with OK");

    /* EOF is sticky, with or without a detail to fill. */
    recv_status(stream_client(s), STATUS_EOF,
                "the server finished the call with OK");
    assert_int_equal(stream_recv(stream_client(s), &msg, NULL), STATUS_EOF);
    assert_int_equal(stream_final_status(s, &why), STATUS_OK);
    assert_int_equal(why.code, STATUS_OK);

    st = stream_get_stats(s);
    assert_int_equal(st.sent[STREAM_C2S], 2);
    assert_int_equal(st.received[STREAM_C2S], 2);
    assert_int_equal(st.sent[STREAM_S2C], 1);
    assert_int_equal(st.received[STREAM_S2C], 1);
    assert_int_equal(st.bytes_discarded[STREAM_C2S], 0);
    assert_int_equal(st.bytes_discarded[STREAM_S2C], 0);
    frame_msg_free(&msg);
    stream_destroy(s);
}

/* The server end of an echo: sends back every message, finishes at EOF. */
struct echo {
    struct stream_end *e;
    uint32_t echoed;
    enum status recv_end; /* what ended the loop: EOF when all went well */
    enum status send_st;
    enum status finish_st;
};

static enum status echo_main(void *arg)
{
    struct echo *x = arg;
    struct frame_msg msg = {0};

    x->send_st = STATUS_OK;
    while ((x->recv_end = stream_recv(x->e, &msg, NULL)) == STATUS_OK) {
        x->send_st = stream_send(x->e, msg.data, msg.length, NULL);
        if (x->send_st != STATUS_OK)
            break;
        x->echoed++;
    }
    x->finish_st = stream_finish(x->e, STATUS_OK, NULL);
    frame_msg_free(&msg);
    return STATUS_OK;
}

static void test_stream_echo_with_three_threads(void **state)
{
    /* 64 bytes per pipe: every thread blocks often, in both directions. */
    struct stream *s = new_stream(NULL, 64, 0);
    struct seq_tx tx = {stream_client(s), 2000, 0, STATUS_UNKNOWN};
    struct seq_rx rx;
    struct echo srv;
    struct sched_thread t_tx, t_rx, t_srv;
    struct stream_stats st;

    (void)state;
    memset(&rx, 0, sizeof rx);
    rx.e = stream_client(s);
    memset(&srv, 0, sizeof srv);
    srv.e = stream_server(s);
    start_thread(&t_srv, "server", echo_main, &srv);
    start_thread(&t_rx, "client/recv", seq_rx_main, &rx);
    start_thread(&t_tx, "client/send", seq_tx_main, &tx);
    sched_thread_join(&t_tx);
    sched_thread_join(&t_srv);
    sched_thread_join(&t_rx);

    assert_int_equal(tx.st, STATUS_OK);
    assert_int_equal(tx.sent, 2000);
    assert_int_equal(srv.recv_end, STATUS_EOF);
    assert_int_equal(srv.send_st, STATUS_OK);
    assert_int_equal(srv.finish_st, STATUS_OK);
    assert_int_equal(srv.echoed, 2000);
    assert_int_equal(rx.end, STATUS_EOF);
    assert_int_equal(rx.got, 2000);
    assert_int_equal(rx.bad_at, -1);

    st = stream_get_stats(s);
    assert_int_equal(st.sent[STREAM_C2S], 2000);
    assert_int_equal(st.received[STREAM_C2S], 2000);
    assert_int_equal(st.sent[STREAM_S2C], 2000);
    assert_int_equal(st.received[STREAM_S2C], 2000);
    assert_int_equal(stream_final_status(s, NULL), STATUS_OK);
    stream_destroy(s);
}

static void test_stream_close_send_drains_then_eof(void **state)
{
    struct stream *s = new_stream(NULL, 0, 0);
    struct status_detail why;

    (void)state;
    assert_int_equal(send_str(stream_client(s), "one", NULL), STATUS_OK);
    assert_int_equal(send_str(stream_client(s), "two", NULL), STATUS_OK);
    assert_int_equal(send_str(stream_client(s), "three", NULL), STATUS_OK);
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    /* Idempotent. */
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);

    /* Sending after CloseSend is a misuse with grpc-go's words. */
    assert_int_equal(send_str(stream_client(s), "four", &why), STATUS_INTERNAL);
    assert_int_equal(why.code, STATUS_INTERNAL);
    assert_string_equal(why.text, "SendMsg called after CloseSend");
    assert_int_equal(send_str(stream_client(s), "four", NULL), STATUS_INTERNAL);

    /* Every message sent before the half-close arrives, then EOF, twice. */
    recv_expect(stream_server(s), "one");
    recv_expect(stream_server(s), "two");
    recv_expect(stream_server(s), "three");
    recv_status(stream_server(s), STATUS_EOF, "client half-closed");
    recv_status(stream_server(s), STATUS_EOF, "client half-closed");

    assert_int_equal(stream_get_stats(s).sent[STREAM_C2S], 3);
    /* No send was in flight: neither close_send waited. */
    assert_int_equal(stream_get_stats(s).close_send_waits, 0);
    /* A misuse does not end the call. */
    assert_int_equal(stream_final_status(s, NULL), STATUS_OK);
    assert_int_equal(context_err(stream_context(s), NULL), STATUS_OK);
    stream_destroy(s);
}

static void test_stream_close_send_on_server_is_refused(void **state)
{
    struct stream *s = new_stream(NULL, 0, 0);

    (void)state;
    assert_int_equal(stream_close_send(stream_server(s)),
                     STATUS_FAILED_PRECONDITION);
    /* Nothing was closed: the client can still send. */
    assert_int_equal(send_str(stream_client(s), "still open", NULL), STATUS_OK);
    recv_expect(stream_server(s), "still open");
    stream_destroy(s);
}

static void test_stream_server_sends_after_eof(void **state)
{
    struct stream *s = new_stream(NULL, 0, 0);

    (void)state;
    assert_int_equal(send_str(stream_client(s), "question", NULL), STATUS_OK);
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    recv_expect(stream_server(s), "question");
    recv_status(stream_server(s), STATUS_EOF, "client half-closed");

    /* Half-closed is one direction only: the server keeps talking. */
    assert_int_equal(send_str(stream_server(s), "answer 1", NULL), STATUS_OK);
    assert_int_equal(send_str(stream_server(s), "answer 2", NULL), STATUS_OK);
    assert_int_equal(stream_finish(stream_server(s), STATUS_OK, "ignored"),
                     STATUS_OK);

    recv_expect(stream_client(s), "answer 1");
    recv_expect(stream_client(s), "answer 2");
    recv_status(stream_client(s), STATUS_EOF,
                "the server finished the call with OK");
    stream_destroy(s);
}

static void test_stream_finish_with_status_after_messages(void **state)
{
    struct stream *s = new_stream(NULL, 0, 0);
    struct status_detail why;

    (void)state;
    assert_int_equal(send_str(stream_server(s), "partial 1", NULL), STATUS_OK);
    assert_int_equal(send_str(stream_server(s), "partial 2", NULL), STATUS_OK);
    assert_int_equal(
        stream_finish(stream_server(s), STATUS_NOT_FOUND, "no such key"),
        STATUS_OK);

    /* Messages first, then the status, and the status for ever after. */
    recv_expect(stream_client(s), "partial 1");
    recv_expect(stream_client(s), "partial 2");
    recv_status(stream_client(s), STATUS_NOT_FOUND, "no such key");
    recv_status(stream_client(s), STATUS_NOT_FOUND, "no such key");

    assert_int_equal(stream_final_status(s, &why), STATUS_NOT_FOUND);
    assert_int_equal(why.code, STATUS_NOT_FOUND);
    assert_string_equal(why.text, "no such key");

    /* The status is final: a cancel afterwards changes nothing. */
    stream_cancel(stream_client(s));
    recv_status(stream_client(s), STATUS_NOT_FOUND, "no such key");
    assert_int_equal(stream_final_status(s, NULL), STATUS_NOT_FOUND);
    stream_destroy(s);
}

static void test_stream_finish_without_text(void **state)
{
    struct stream *s = new_stream(NULL, 0, 0);

    (void)state;
    assert_int_equal(stream_finish(stream_server(s), STATUS_UNAVAILABLE, NULL),
                     STATUS_OK);
    recv_status(stream_client(s), STATUS_UNAVAILABLE, "");
    stream_destroy(s);
}

static void test_stream_finish_misuse(void **state)
{
    struct stream *s = new_stream(NULL, 0, 0);
    struct status_detail why;

    (void)state;
    /* Only the server ends a call, and only with a gRPC code. */
    assert_int_equal(stream_finish(stream_client(s), STATUS_OK, NULL),
                     STATUS_FAILED_PRECONDITION);
    assert_int_equal(stream_finish(stream_server(s), STATUS_EOF, NULL),
                     STATUS_FAILED_PRECONDITION);
    assert_int_equal(stream_finish(stream_server(s), STATUS_CLOSED, NULL),
                     STATUS_FAILED_PRECONDITION);
    /* None of those counted: the first real finish works... */
    assert_int_equal(stream_finish(stream_server(s), STATUS_ABORTED, "first"),
                     STATUS_OK);
    /* ...and a second one is refused and changes nothing. */
    assert_int_equal(stream_finish(stream_server(s), STATUS_OK, "second"),
                     STATUS_FAILED_PRECONDITION);

    /* The server's end is over for sending and for receiving. */
    assert_int_equal(send_str(stream_server(s), "late", &why), STATUS_INTERNAL);
    assert_string_equal(why.text, "SendMsg called after the call ended");
    recv_status(stream_server(s), STATUS_INTERNAL,
                "RecvMsg called after the call ended");

    recv_status(stream_client(s), STATUS_ABORTED, "first");
    stream_destroy(s);
}

static void test_stream_client_send_after_finish_is_eof(void **state)
{
    struct stream *s = new_stream(NULL, 0, 0);
    struct status_detail why;

    (void)state;
    assert_int_equal(stream_finish(stream_server(s), STATUS_OK, NULL),
                     STATUS_OK);

    /* As in grpc-go: the send says EOF; the recv tells the status. */
    assert_int_equal(send_str(stream_client(s), "too late", &why), STATUS_EOF);
    assert_int_equal(why.code, STATUS_EOF);
    assert_int_equal(send_str(stream_client(s), "too late", NULL), STATUS_EOF);
    recv_status(stream_client(s), STATUS_EOF,
                "the server finished the call with OK");
    assert_int_equal(stream_get_stats(s).sent[STREAM_C2S], 0);
    stream_destroy(s);
}

static void test_stream_finish_wakes_blocked_client_send(void **state)
{
    static const uint8_t big[100];
    struct stream *s = new_stream(NULL, 16, 0);
    struct op csend;
    struct sched_thread tc;

    (void)state;
    /* The client is stuck sending: the pipe is full and nobody reads. */
    op_init(&csend, stream_client(s), big, sizeof big);
    start_thread(&tc, "client", op_send, &csend);
    assert_true(await_write_waits(stream_pipe(s, STREAM_C2S), 1));

    /* The server may end the call at any time: the send wakes with EOF. */
    assert_int_equal(stream_finish(stream_server(s), STATUS_OK, NULL),
                     STATUS_OK);
    sched_thread_join(&tc);
    assert_int_equal(csend.st, STATUS_EOF);
    assert_string_equal(csend.why.text, "the server ended the call; "
                                        "stream_recv returns its status");
    recv_status(stream_client(s), STATUS_EOF,
                "the server finished the call with OK");
    assert_int_equal(stream_get_stats(s).sent[STREAM_C2S], 0);
    stream_destroy(s);
}

/* Runs stream_close_send on a worker thread. */
static enum status op_close_send(void *arg)
{
    struct op *o = arg;

    o->st = stream_close_send(o->e);
    return STATUS_OK;
}

/*
 * Polls until a stream_close_send on s waits for a send in flight: 1 then,
 * 0 if that never happens (about 20 s). close_send_waits goes up under the
 * stream's lock just before the wait, as a pipe's wait counters do.
 */
static int await_close_waiting(struct stream *s)
{
    int polls = 0;

    for (polls = 0; polls < POLL_TRIES; polls++) {
        if (stream_get_stats(s).close_send_waits > 0)
            return 1;
        sched_sleep_ns(POLL_NS);
    }
    return 0;
}

/*
 * A misuse in grpc-go (CloseSend concurrently with SendMsg): one client
 * thread is blocked in stream_send, the pipe full, while another calls
 * stream_close_send. The half-close waits for the frame in flight, so the
 * server reads the message whole, then EOF, and the call goes on; a send
 * that starts after the close_send fails as usual.
 */
static void test_stream_close_send_during_blocked_send(void **state)
{
    static const uint8_t big[100] = {1, 2, 3};
    struct stream *s = new_stream(NULL, 16, 0);
    struct op send, close;
    struct sched_thread ts, tc;
    struct frame_msg msg = {0};
    struct status_detail why;

    (void)state;
    op_init(&send, stream_client(s), big, sizeof big);
    start_thread(&ts, "client/send", op_send, &send);
    assert_true(await_write_waits(stream_pipe(s, STREAM_C2S), 1));
    op_init(&close, stream_client(s), NULL, 0);
    start_thread(&tc, "client/close", op_close_send, &close);
    assert_true(await_close_waiting(s)); /* the close waits for the frame */

    /* 16 of the frame's 105 bytes are in the pipe; reading frees the rest. */
    assert_int_equal(stream_recv(stream_server(s), &msg, &why), STATUS_OK);
    assert_int_equal(msg.length, sizeof big);
    assert_memory_equal(msg.data, big, sizeof big);
    recv_status(stream_server(s), STATUS_EOF, "client half-closed");
    sched_thread_join(&ts);
    sched_thread_join(&tc);
    assert_int_equal(send.st, STATUS_OK);
    assert_int_equal(close.st, STATUS_OK);
    assert_int_equal(stream_get_stats(s).close_send_waits, 1);

    assert_int_equal(send_str(stream_client(s), "late", &why), STATUS_INTERNAL);
    assert_string_equal(why.text, "SendMsg called after CloseSend");
    assert_int_equal(stream_get_stats(s).sent[STREAM_C2S], 1);
    assert_int_equal(stream_get_stats(s).received[STREAM_C2S], 1);
    assert_int_equal(stream_final_status(s, NULL), STATUS_OK);
    frame_msg_free(&msg);
    stream_destroy(s);
}

/*
 * A close_send that waits for a send in flight is not stuck with it: when
 * the call is torn down (`how` 0: a cancel) or the server finishes (1),
 * the send ends, and the close_send with it.
 */
static void close_send_waiting_then(int how)
{
    static const uint8_t big[100];
    struct stream *s = new_stream(NULL, 16, 0);
    struct op send, close;
    struct sched_thread ts, tc;

    op_init(&send, stream_client(s), big, sizeof big);
    start_thread(&ts, "client/send", op_send, &send);
    assert_true(await_write_waits(stream_pipe(s, STREAM_C2S), 1));
    op_init(&close, stream_client(s), NULL, 0);
    start_thread(&tc, "client/close", op_close_send, &close);
    assert_true(await_close_waiting(s));

    if (how == 0)
        stream_cancel(stream_server(s));
    else
        assert_int_equal(stream_finish(stream_server(s), STATUS_OK, NULL),
                         STATUS_OK);
    sched_thread_join(&ts);
    sched_thread_join(&tc);
    assert_int_equal(close.st, STATUS_OK);
    assert_int_equal(send.st, STATUS_EOF); /* either way: grpc-go's io.EOF */
    if (how == 0)
        recv_status(stream_client(s), STATUS_CANCELLED, "context canceled");
    else
        recv_status(stream_client(s), STATUS_EOF,
                    "the server finished the call with OK");
    assert_int_equal(stream_get_stats(s).sent[STREAM_C2S], 0);
    stream_destroy(s);
}

static void test_stream_close_send_waiting_ends_on_cancel(void **state)
{
    (void)state;
    close_send_waiting_then(0);
}

static void test_stream_close_send_waiting_ends_on_finish(void **state)
{
    (void)state;
    close_send_waiting_then(1);
}

/* What close_deadline_main saw. */
struct close_deadline {
    enum status created;
    struct op send, close;
    enum status server_recv;
    struct status_detail server_why;
};

/* A send blocked on a full pipe, a close_send waiting for it, a deadline. */
static enum status close_deadline_main(void *arg)
{
    static const uint8_t big[100];
    struct close_deadline *cd = arg;
    struct stream_options opts;
    struct stream *s = NULL;
    struct sched_thread ts, tc;
    struct frame_msg msg = {0};

    memset(&opts, 0, sizeof opts);
    opts.capacity = 16;
    opts.timeout_ns = 50 * MS;
    cd->created = stream_create(NULL, &opts, &s);
    if (cd->created != STATUS_OK)
        return cd->created;
    op_init(&cd->send, stream_client(s), big, sizeof big);
    op_init(&cd->close, stream_client(s), NULL, 0);
    sched_thread_start(&ts, "client/send", op_send, &cd->send);
    sched_thread_start(&tc, "client/close", op_close_send, &cd->close);
    sched_thread_join(&ts);
    sched_thread_join(&tc);
    cd->server_recv = stream_recv(stream_server(s), &msg, &cd->server_why);
    frame_msg_free(&msg);
    stream_destroy(s);
    return STATUS_OK;
}

/*
 * Nobody reads, and the call has a deadline: at the deadline the send
 * fails, the call is torn down, and the close_send waiting for that send
 * returns. The server finds the call over at its deadline, never a frame
 * cut by the half-close. Simulated, in many schedules; in those where the
 * close_send comes first, the send fails as after CloseSend and the
 * server reads a clean EOF.
 */
static void test_stream_close_send_waiting_ends_at_deadline(void **state)
{
    struct sched_sim_options o;
    uint64_t seed = 0;
    int waited = 0; /* schedules where the close_send waited for the send */

    (void)state;
    memset(&o, 0, sizeof o);
    o.strategy = SCHED_RANDOM;
    for (seed = 1; seed <= 200; seed++) {
        struct sched_sim_result res;
        struct close_deadline cd;
        enum status out = STATUS_UNKNOWN;

        memset(&res, 0, sizeof res);
        memset(&cd, 0, sizeof cd);
        o.seed = seed;
        assert_int_equal(
            sched_sim_run(&o, close_deadline_main, &cd, &out, &res), STATUS_OK);
        assert_int_equal(out, STATUS_OK);
        assert_int_equal(res.deadlocked, 0);
        assert_int_equal(cd.close.st, STATUS_OK);
        if (cd.send.st == STATUS_INTERNAL) { /* the close came first */
            assert_string_equal(cd.send.why.text,
                                "SendMsg called after CloseSend");
            assert_int_equal(cd.server_recv, STATUS_EOF);
            assert_string_equal(cd.server_why.text, "client half-closed");
        } else {
            assert_int_equal(cd.send.st, STATUS_EOF);
            assert_string_equal(cd.send.why.text, SEND_ENDED);
            assert_int_equal(cd.server_recv, STATUS_DEADLINE_EXCEEDED);
            assert_string_equal(cd.server_why.text,
                                "context deadline exceeded");
            waited++;
        }
        sched_sim_result_free(&res);
    }
    assert_true(waited > 0);
}

/*
 * Misuse: the server is in stream_send while another server thread calls
 * stream_finish. The send wakes with the status a later send would get,
 * and the client finds the frame cut short ("unexpected EOF") and fails
 * the call. (Unlike close_send, finish does not wait for a send in flight.)
 */
static void test_stream_finish_during_blocked_server_send(void **state)
{
    static const uint8_t big[100];
    struct stream *s = new_stream(NULL, 16, 0);
    struct op send;
    struct sched_thread t;

    (void)state;
    op_init(&send, stream_server(s), big, sizeof big);
    start_thread(&t, "sender", op_send, &send);
    assert_true(await_write_waits(stream_pipe(s, STREAM_S2C), 1));

    assert_int_equal(stream_finish(stream_server(s), STATUS_OK, NULL),
                     STATUS_OK);
    sched_thread_join(&t);

    assert_int_equal(send.st, STATUS_INTERNAL);
    assert_int_equal(send.why.code, STATUS_INTERNAL);
    assert_string_equal(send.why.text, "SendMsg called after the call ended");
    /* 16 of the frame's 105 bytes made it: the peer sees a cut frame. */
    recv_status(stream_client(s), STATUS_INTERNAL, "unexpected EOF");
    assert_int_equal(stream_final_status(s, NULL), STATUS_INTERNAL);
    assert_int_equal(stream_get_stats(s).sent[STREAM_S2C], 0);
    stream_destroy(s);
}

/*
 * The race itself: a client thread sends 1-byte messages while another
 * calls stream_close_send, and the server reads. Whatever the order, each
 * send is wholly before the half-close (the server reads it) or after it
 * (it fails with "SendMsg called after CloseSend"); the server reads every
 * message whole and in order, then EOF, never a cut frame's INTERNAL.
 */
enum { RACE_MSGS = 64 };

struct race {
    struct stream *s;
    uint32_t n;           /* messages to try */
    struct latch first;   /* the closer waits for the first send */
    int use_latch;        /* 0: the closer goes at once (simulated) */
    uint32_t sent;        /* sends that returned OK */
    enum status send_end; /* the first send that failed, or OK */
    struct status_detail send_why;
    enum status close_st;
    uint32_t got; /* messages the server read */
    long bad_at;  /* first message not what was sent, or -1 */
    enum status recv_end;
    struct status_detail recv_why;
};

static enum status race_sender(void *arg)
{
    struct race *r = arg;
    uint32_t i = 0;

    r->send_end = STATUS_OK;
    for (i = 0; i < r->n; i++) {
        uint8_t b = (uint8_t)i;

        r->send_end = stream_send(stream_client(r->s), &b, 1, &r->send_why);
        if (r->send_end != STATUS_OK)
            break;
        r->sent++;
        if (i == 0 && r->use_latch)
            latch_open(&r->first);
    }
    if (i == 0 && r->use_latch)
        latch_open(&r->first); /* never leave the closer waiting */
    return STATUS_OK;
}

static enum status race_closer(void *arg)
{
    struct race *r = arg;

    if (r->use_latch)
        latch_wait(&r->first);
    r->close_st = stream_close_send(stream_client(r->s));
    return STATUS_OK;
}

static enum status race_receiver(void *arg)
{
    struct race *r = arg;
    struct frame_msg msg = {0};

    r->bad_at = -1;
    while ((r->recv_end = stream_recv(stream_server(r->s), &msg,
                                      &r->recv_why)) == STATUS_OK) {
        if (r->bad_at < 0 &&
            (msg.length != 1 || msg.data[0] != (uint8_t)r->got))
            r->bad_at = (long)r->got;
        r->got++;
    }
    frame_msg_free(&msg);
    return STATUS_OK;
}

/* One race on s: three threads, joined. */
static void race_run(struct race *r)
{
    struct sched_thread t[3];

    sched_thread_start(&t[0], "server", race_receiver, r);
    sched_thread_start(&t[1], "client/send", race_sender, r);
    sched_thread_start(&t[2], "client/close", race_closer, r);
    sched_thread_join(&t[2]);
    sched_thread_join(&t[1]);
    sched_thread_join(&t[0]);
}

/* 1 when r ended as the contract says; else writes why into buf. */
static int race_ok(const struct race *r, char *buf, size_t cap)
{
    if (r->close_st != STATUS_OK)
        snprintf(buf, cap, "close_send returned %s", status_name(r->close_st));
    else if (r->recv_end != STATUS_EOF ||
             strcmp(r->recv_why.text, "client half-closed") != 0)
        snprintf(buf, cap, "the server's recv ended with %s \"%s\"",
                 status_name(r->recv_end), r->recv_why.text);
    else if (r->bad_at >= 0)
        snprintf(buf, cap, "message %ld arrived garbled", r->bad_at);
    else if (r->got != r->sent)
        snprintf(buf, cap, "%u sent, %u received", r->sent, r->got);
    else if (r->sent < r->n &&
             (r->send_end != STATUS_INTERNAL ||
              strcmp(r->send_why.text, "SendMsg called after CloseSend") != 0))
        snprintf(buf, cap, "a send failed with %s \"%s\"",
                 status_name(r->send_end), r->send_why.text);
    else if (stream_final_status(r->s, NULL) != STATUS_OK)
        snprintf(buf, cap, "the call ended with %s",
                 status_name(stream_final_status(r->s, NULL)));
    else
        return 1;
    return 0;
}

static void test_stream_close_send_racing_send_threads(void **state)
{
    enum { ROUNDS = 1000 };
    int i = 0;

    (void)state;
    for (i = 0; i < ROUNDS; i++) {
        /* 1 to 7 bytes of pipe: a 6-byte frame often waits half-way. */
        struct stream *s = new_stream(NULL, (size_t)(1 + i % 7), 0);
        struct race r;
        char why[512];

        memset(&r, 0, sizeof r);
        r.s = s;
        r.n = RACE_MSGS;
        r.use_latch = 1;
        latch_init(&r.first);
        race_run(&r);
        if (!race_ok(&r, why, sizeof why))
            fail_msg("round %d (pipe of %d B): %s", i, 1 + i % 7, why);
        latch_destroy(&r.first);
        stream_destroy(s);
    }
}

/* The same race, simulated: one run per seed, a result per run. */
struct race_sim {
    size_t capacity;
    struct race r;
    enum status created;
};

static enum status race_sim_main(void *arg)
{
    struct race_sim *rs = arg;
    struct stream_options opts;

    memset(&opts, 0, sizeof opts);
    opts.capacity = rs->capacity;
    memset(&rs->r, 0, sizeof rs->r);
    rs->r.n = 4;
    rs->created = stream_create(NULL, &opts, &rs->r.s);
    if (rs->created != STATUS_OK)
        return rs->created;
    race_run(&rs->r);
    return STATUS_OK;
}

static void test_stream_close_send_racing_send_sim_seeds(void **state)
{
    enum { SEEDS = 2000 };
    struct sched_sim_options o;
    uint64_t seed = 0;
    int mid_stream = 0; /* runs where the close landed between sends */

    (void)state;
    memset(&o, 0, sizeof o);
    o.strategy = SCHED_RANDOM;
    for (seed = 1; seed <= SEEDS; seed++) {
        struct race_sim rs;
        struct sched_sim_result res;
        enum status out = STATUS_UNKNOWN;
        char why[512];

        memset(&rs, 0, sizeof rs);
        memset(&res, 0, sizeof res);
        rs.capacity = 1 + seed % 7;
        o.seed = seed;
        assert_int_equal(sched_sim_run(&o, race_sim_main, &rs, &out, &res),
                         STATUS_OK);
        assert_int_equal(out, STATUS_OK);
        if (res.deadlocked)
            fail_msg("seed %llu: %s", (unsigned long long)seed, res.report);
        if (!race_ok(&rs.r, why, sizeof why))
            fail_msg("seed %llu (pipe of %zu B): %s", (unsigned long long)seed,
                     rs.capacity, why);
        mid_stream += rs.r.sent > 0 && rs.r.sent < rs.r.n;
        sched_sim_result_free(&res);
        stream_destroy(rs.r.s);
    }
    /* The seeds did put the close between the sends, many times. */
    assert_true(mid_stream > SEEDS / 10);
}

/* What close_deadlock_main saw. */
struct close_deadlock {
    enum status created;
    struct op send, close;
};

static enum status close_deadlock_main(void *arg)
{
    static const uint8_t big[100];
    struct close_deadlock *cd = arg;
    struct stream_options opts;
    struct stream *s = NULL;
    struct sched_thread ts, tc;

    memset(&opts, 0, sizeof opts);
    opts.capacity = 16;
    cd->created = stream_create(NULL, &opts, &s);
    if (cd->created != STATUS_OK)
        return cd->created;
    op_init(&cd->send, stream_client(s), big, sizeof big);
    op_init(&cd->close, stream_client(s), NULL, 0);
    sched_thread_start(&ts, "client/send", op_send, &cd->send);
    sched_thread_start(&tc, "client/close", op_close_send, &cd->close);
    sched_thread_join(&ts);
    sched_thread_join(&tc);
    stream_destroy(s);
    return STATUS_OK;
}

/*
 * Nobody reads, so the send in flight never ends, and neither does the
 * close_send that waits for it: the simulator's deadlock report says what
 * each waits for.
 */
static void test_stream_close_send_waiting_in_deadlock_report(void **state)
{
    struct sched_sim_options o;
    struct sched_sim_result res;
    struct close_deadlock cd;
    enum status out = STATUS_UNKNOWN;

    (void)state;
    memset(&o, 0, sizeof o);
    memset(&res, 0, sizeof res);
    memset(&cd, 0, sizeof cd);
    o.strategy = SCHED_IN_ORDER;
    assert_int_equal(sched_sim_run(&o, close_deadlock_main, &cd, &out, &res),
                     STATUS_OK);
    assert_int_equal(out, STATUS_OK);
    assert_int_equal(res.deadlocked, 1);
    assert_has(res.report, "client/close waits for the send in flight on c2s "
                           "to end (1 sending), to half-close after it");
    assert_has(res.report, "client/send waits for room on c2s");
    assert_int_equal(cd.close.st, STATUS_OK); /* it unwound */
    sched_sim_result_free(&res);
}

struct send_deadlock {
    enum status created;
    struct op send;
    enum status final;
};

static enum status send_deadlock_main(void *arg)
{
    static const uint8_t big[100];
    struct send_deadlock *sd = arg;
    struct stream_options opts;
    struct stream *s = NULL;
    struct sched_thread ts;

    memset(&opts, 0, sizeof opts);
    opts.capacity = 16;
    sd->created = stream_create(NULL, &opts, &s);
    if (sd->created != STATUS_OK)
        return sd->created;
    op_init(&sd->send, stream_client(s), big, sizeof big);
    sched_thread_start(&ts, "client/send", op_send, &sd->send);
    sched_thread_join(&ts);
    sd->final = stream_final_status(s, NULL);
    stream_destroy(s);
    return STATUS_OK;
}

/*
 * A send the simulator wakes from a deadlock (nobody reads its full pipe)
 * fails the call with DEADLOCK, as a recv woken so does: the send returns
 * it, and it is the call's final status, not OK.
 */
static void test_stream_send_woken_from_deadlock_fails_the_call(void **state)
{
    struct sched_sim_options o;
    struct sched_sim_result res;
    struct send_deadlock sd;
    enum status out = STATUS_UNKNOWN;

    (void)state;
    memset(&o, 0, sizeof o);
    memset(&res, 0, sizeof res);
    memset(&sd, 0, sizeof sd);
    o.strategy = SCHED_IN_ORDER;
    assert_int_equal(sched_sim_run(&o, send_deadlock_main, &sd, &out, &res),
                     STATUS_OK);
    assert_int_equal(out, STATUS_OK);
    assert_int_equal(res.deadlocked, 1);
    assert_has(res.report, "client/send waits for room on c2s");
    assert_int_equal(sd.send.st, STATUS_DEADLOCK);
    assert_int_equal(sd.final, STATUS_DEADLOCK);
    sched_sim_result_free(&res);
}

/* ------------------------------------------------------------------ */
/* Cancel                                                             */
/* ------------------------------------------------------------------ */

/* Both ends block in recv (empty pipes); `who` cancels. */
static void cancel_wakes_blocked_recvs(enum stream_side who)
{
    struct stream *s = new_stream(NULL, 0, 0);
    struct op crecv, srecv;
    struct sched_thread tc, ts;

    op_init(&crecv, stream_client(s), NULL, 0);
    op_init(&srecv, stream_server(s), NULL, 0);
    start_thread(&tc, "client", op_recv, &crecv);
    start_thread(&ts, "server", op_recv, &srecv);
    assert_true(await_read_waits(stream_pipe(s, STREAM_S2C), 1));
    assert_true(await_read_waits(stream_pipe(s, STREAM_C2S), 1));

    stream_cancel(who == STREAM_CLIENT ? stream_client(s) : stream_server(s));
    sched_thread_join(&tc);
    sched_thread_join(&ts);

    assert_int_equal(crecv.st, STATUS_CANCELLED);
    assert_string_equal(crecv.why.text, "context canceled");
    assert_int_equal(srecv.st, STATUS_CANCELLED);
    assert_string_equal(srecv.why.text, "context canceled");
    assert_int_equal(stream_final_status(s, NULL), STATUS_CANCELLED);
    frame_msg_free(&crecv.msg);
    frame_msg_free(&srecv.msg);
    stream_destroy(s);
}

static void test_stream_client_cancel_wakes_blocked_recvs(void **state)
{
    (void)state;
    cancel_wakes_blocked_recvs(STREAM_CLIENT);
}

static void test_stream_server_cancel_wakes_blocked_recvs(void **state)
{
    (void)state;
    cancel_wakes_blocked_recvs(STREAM_SERVER);
}

/*
 * Both ends block in send: 16-byte pipes and 100-byte messages that nobody
 * reads. `who` cancels. The 16 bytes in each pipe are lost.
 */
static void cancel_wakes_blocked_senders(enum stream_side who)
{
    static const uint8_t big[100];
    struct stream *s = new_stream(NULL, 16, 0);
    struct op csend, ssend;
    struct sched_thread tc, ts;
    struct stream_stats st;

    op_init(&csend, stream_client(s), big, sizeof big);
    op_init(&ssend, stream_server(s), big, sizeof big);
    start_thread(&tc, "client", op_send, &csend);
    start_thread(&ts, "server", op_send, &ssend);
    assert_true(await_write_waits(stream_pipe(s, STREAM_C2S), 1));
    assert_true(await_write_waits(stream_pipe(s, STREAM_S2C), 1));

    stream_cancel(who == STREAM_CLIENT ? stream_client(s) : stream_server(s));
    sched_thread_join(&tc);
    sched_thread_join(&ts);

    /* The client's send says EOF (grpc-go); the server's, the context's. */
    assert_int_equal(csend.st, STATUS_EOF);
    assert_string_equal(csend.why.text, SEND_ENDED);
    assert_int_equal(ssend.st, STATUS_CANCELLED);
    assert_string_equal(ssend.why.text, "context canceled");

    st = stream_get_stats(s);
    assert_int_equal(st.sent[STREAM_C2S], 0); /* never whole in the pipe */
    assert_int_equal(st.sent[STREAM_S2C], 0);
    assert_int_equal(st.bytes_discarded[STREAM_C2S], 16);
    assert_int_equal(st.bytes_discarded[STREAM_S2C], 16);
    assert_true(st.write_waits[STREAM_C2S] >= 1);
    assert_true(st.write_waits[STREAM_S2C] >= 1);
    stream_destroy(s);
}

static void test_stream_client_cancel_wakes_blocked_senders(void **state)
{
    (void)state;
    cancel_wakes_blocked_senders(STREAM_CLIENT);
}

static void test_stream_server_cancel_wakes_blocked_senders(void **state)
{
    (void)state;
    cancel_wakes_blocked_senders(STREAM_SERVER);
}

static void test_stream_cancel_loses_buffered_messages(void **state)
{
    struct stream *s = new_stream(NULL, 0, 0);
    struct status_detail why;
    struct stream_stats st;

    (void)state;
    /* 3 frames of 5 + 5 bytes to the server, 2 frames of 5 + 2 back. */
    assert_int_equal(send_str(stream_client(s), "hello", NULL), STATUS_OK);
    assert_int_equal(send_str(stream_client(s), "world", NULL), STATUS_OK);
    assert_int_equal(send_str(stream_client(s), "again", NULL), STATUS_OK);
    assert_int_equal(send_str(stream_server(s), "hi", NULL), STATUS_OK);
    assert_int_equal(send_str(stream_server(s), "yo", NULL), STATUS_OK);
    recv_expect(stream_server(s), "hello"); /* only one is read */

    stream_cancel(stream_client(s));

    /* Both ends, both operations: the call is over. */
    recv_status(stream_server(s), STATUS_CANCELLED, "context canceled");
    recv_status(stream_client(s), STATUS_CANCELLED, "context canceled");
    assert_int_equal(send_str(stream_client(s), "x", &why), STATUS_EOF);
    assert_string_equal(why.text, SEND_ENDED);
    assert_int_equal(send_str(stream_server(s), "x", NULL), STATUS_CANCELLED);

    /* What was lost: sent minus received messages, and their bytes. */
    st = stream_get_stats(s);
    assert_int_equal(st.sent[STREAM_C2S] - st.received[STREAM_C2S], 2);
    assert_int_equal(st.sent[STREAM_S2C] - st.received[STREAM_S2C], 2);
    assert_int_equal(st.bytes_discarded[STREAM_C2S], 2 * (5 + 5));
    assert_int_equal(st.bytes_discarded[STREAM_S2C], 2 * (5 + 2));

    assert_int_equal(stream_final_status(s, &why), STATUS_CANCELLED);
    assert_string_equal(why.text, "context canceled");
    stream_destroy(s);
}

static void test_stream_drain_then_cancel_loses_nothing(void **state)
{
    struct stream *s = new_stream(NULL, 0, 0);
    struct status_detail why;
    struct stream_stats st;

    (void)state;
    assert_int_equal(send_str(stream_client(s), "a", NULL), STATUS_OK);
    assert_int_equal(send_str(stream_client(s), "b", NULL), STATUS_OK);
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    recv_expect(stream_server(s), "a");
    recv_expect(stream_server(s), "b");
    recv_status(stream_server(s), STATUS_EOF, "client half-closed");
    assert_int_equal(send_str(stream_server(s), "c", NULL), STATUS_OK);
    assert_int_equal(stream_finish(stream_server(s), STATUS_OK, NULL),
                     STATUS_OK);
    recv_expect(stream_client(s), "c");
    recv_status(stream_client(s), STATUS_EOF,
                "the server finished the call with OK");

    /* The client read the final status: the cancel comes too late to matter. */
    stream_cancel(stream_client(s));
    assert_int_equal(context_err(stream_context(s), NULL), STATUS_CANCELLED);
    assert_int_equal(stream_final_status(s, &why), STATUS_OK);

    st = stream_get_stats(s);
    assert_int_equal(st.sent[STREAM_C2S], st.received[STREAM_C2S]);
    assert_int_equal(st.sent[STREAM_S2C], st.received[STREAM_S2C]);
    assert_int_equal(st.bytes_discarded[STREAM_C2S], 0);
    assert_int_equal(st.bytes_discarded[STREAM_S2C], 0);

    /*
     * Later operations read the call's OK end as EOF; a send after
     * CloseSend says so first, as grpc-go's SendMsg checks that first.
     */
    recv_status(stream_client(s), STATUS_EOF, "the call has ended");
    assert_int_equal(send_str(stream_client(s), "x", &why), STATUS_INTERNAL);
    assert_string_equal(why.text, "SendMsg called after CloseSend");
    stream_destroy(s);
}

/* ------------------------------------------------------------------ */
/* Deadline and parent context                                        */
/* ------------------------------------------------------------------ */

static void test_stream_deadline_wakes_blocked_recvs(void **state)
{
    /* 50 ms: a bound on how long the recvs can block, not a measurement. */
    struct stream *s = new_stream(NULL, 0, 50 * MS);
    struct op crecv, srecv;
    struct sched_thread tc, ts;

    (void)state;
    op_init(&crecv, stream_client(s), NULL, 0);
    op_init(&srecv, stream_server(s), NULL, 0);
    start_thread(&tc, "client", op_recv, &crecv);
    start_thread(&ts, "server", op_recv, &srecv);
    sched_thread_join(&tc);
    sched_thread_join(&ts);

    assert_int_equal(crecv.st, STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(crecv.why.text, "context deadline exceeded");
    assert_int_equal(srecv.st, STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(srecv.why.text, "context deadline exceeded");

    /* The deadline ended the call: later operations say so at once. */
    assert_int_equal(send_str(stream_client(s), "x", NULL), STATUS_EOF);
    recv_status(stream_server(s), STATUS_DEADLINE_EXCEEDED,
                "context deadline exceeded");
    assert_int_equal(stream_final_status(s, NULL), STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(context_err(stream_context(s), NULL),
                     STATUS_DEADLINE_EXCEEDED);
    frame_msg_free(&crecv.msg);
    frame_msg_free(&srecv.msg);
    stream_destroy(s);
}

static void test_stream_deadline_wakes_blocked_senders(void **state)
{
    static const uint8_t big[100];
    struct stream *s = new_stream(NULL, 16, 50 * MS);
    struct op csend, ssend;
    struct sched_thread tc, ts;
    struct status_detail why;

    (void)state;
    op_init(&csend, stream_client(s), big, sizeof big);
    op_init(&ssend, stream_server(s), big, sizeof big);
    start_thread(&tc, "client", op_send, &csend);
    start_thread(&ts, "server", op_send, &ssend);
    sched_thread_join(&tc);
    sched_thread_join(&ts);

    assert_int_equal(csend.st, STATUS_EOF);
    assert_int_equal(csend.why.code, STATUS_EOF);
    assert_string_equal(csend.why.text, SEND_ENDED);
    assert_int_equal(ssend.st, STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(ssend.why.code, STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(ssend.why.text, "context deadline exceeded");

    assert_int_equal(stream_final_status(s, &why), STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(why.text, "context deadline exceeded");
    assert_int_equal(stream_get_stats(s).sent[STREAM_C2S], 0);
    assert_int_equal(stream_get_stats(s).sent[STREAM_S2C], 0);
    stream_destroy(s);
}

static void test_stream_deadline_wakes_sender_without_detail(void **state)
{
    static const uint8_t big[100];
    struct stream *s = new_stream(NULL, 16, 50 * MS);

    (void)state;
    /* Nobody reads: this send blocks until the deadline, on this thread. */
    assert_int_equal(stream_send(stream_client(s), big, sizeof big, NULL),
                     STATUS_EOF);
    assert_int_equal(stream_final_status(s, NULL), STATUS_DEADLINE_EXCEEDED);
    recv_status(stream_server(s), STATUS_DEADLINE_EXCEEDED,
                "context deadline exceeded");
    stream_destroy(s);
}

static void test_stream_parent_cancel_tears_down(void **state)
{
    struct context *parent = NULL;
    struct stream *s = NULL;
    struct op srecv;
    struct sched_thread ts;
    struct status_detail why;

    (void)state;
    assert_int_equal(context_create(NULL, &parent), STATUS_OK);
    s = new_stream(parent, 0, 0);
    assert_int_equal(send_str(stream_server(s), "lost", NULL), STATUS_OK);
    op_init(&srecv, stream_server(s), NULL, 0);
    start_thread(&ts, "server", op_recv, &srecv);
    assert_true(await_read_waits(stream_pipe(s, STREAM_C2S), 1));

    context_cancel(parent, STATUS_CANCELLED, "client went away");
    sched_thread_join(&ts);

    assert_int_equal(srecv.st, STATUS_CANCELLED);
    assert_string_equal(srecv.why.text, "client went away");
    recv_status(stream_client(s), STATUS_CANCELLED, "client went away");
    assert_int_equal(send_str(stream_client(s), "x", NULL), STATUS_EOF);
    assert_int_equal(stream_final_status(s, &why), STATUS_CANCELLED);
    assert_string_equal(why.text, "client went away");
    assert_int_equal(stream_get_stats(s).bytes_discarded[STREAM_S2C], 5 + 4);

    frame_msg_free(&srecv.msg);
    stream_destroy(s); /* the stream's context is the parent's child */
    context_destroy(parent);
}

static void test_stream_under_cancelled_parent_fails_every_op(void **state)
{
    struct context *parent = NULL;
    struct stream *s = NULL;
    struct status_detail why;

    (void)state;
    assert_int_equal(context_create(NULL, &parent), STATUS_OK);
    context_cancel(parent, STATUS_CANCELLED, NULL);
    s = new_stream(parent, 0, 0);

    assert_int_equal(send_str(stream_client(s), "x", &why), STATUS_EOF);
    assert_string_equal(why.text, SEND_ENDED);
    assert_int_equal(send_str(stream_server(s), "x", &why), STATUS_CANCELLED);
    recv_status(stream_client(s), STATUS_CANCELLED, "context canceled");
    recv_status(stream_server(s), STATUS_CANCELLED, "context canceled");
    assert_int_equal(stream_final_status(s, NULL), STATUS_CANCELLED);
    assert_int_equal(stream_get_stats(s).sent[STREAM_C2S], 0);

    stream_destroy(s);
    context_destroy(parent);
}

static void test_stream_inherits_parent_deadline(void **state)
{
    struct context *parent = NULL;
    struct stream *s = NULL;
    int64_t past = sched_now_ns() - 1;

    (void)state;
    /* The parent's deadline has passed, but nobody has noticed it yet. */
    assert_int_equal(context_create_with_deadline(NULL, past, &parent),
                     STATUS_OK);
    s = new_stream(parent, 0, 0);
    assert_true(context_deadline(stream_context(s)) == past);

    assert_int_equal(send_str(stream_client(s), "x", NULL), STATUS_EOF);
    recv_status(stream_server(s), STATUS_DEADLINE_EXCEEDED,
                "context deadline exceeded");
    recv_status(stream_client(s), STATUS_DEADLINE_EXCEEDED,
                "context deadline exceeded");
    stream_destroy(s);
    context_destroy(parent);
}

/*
 * The deadline passes and nothing notices it (no operation is running);
 * then somebody cancels. The deadline came first, so it is the call's
 * final status, as in grpc-go, where a timer ends the call at its
 * deadline. Real time: the test waits until the deadline is behind it.
 */
static void test_stream_cancel_after_deadline_is_deadline_exceeded(void **state)
{
    struct stream *s = new_stream(NULL, 0, 1 * MS);
    struct status_detail why;

    (void)state;
    while (sched_now_ns() < context_deadline(stream_context(s)))
        sched_sleep_ns(MS);
    stream_cancel(stream_client(s));
    assert_int_equal(stream_final_status(s, &why), STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(why.text, "context deadline exceeded");
    recv_status(stream_server(s), STATUS_DEADLINE_EXCEEDED,
                "context deadline exceeded");
    recv_status(stream_client(s), STATUS_DEADLINE_EXCEEDED,
                "context deadline exceeded");
    stream_destroy(s);
}

/* What late_cancel_main saw: [0] cancelled late, [1] only asked. */
struct late_cancel {
    enum status created[2];
    enum status final[2];
    struct status_detail why[2];
    int64_t slept; /* virtual time from creation to the final statuses */
};

/*
 * Issue #10's case, simulated: a 50 ms timeout, 100 ms of (virtual) sleep,
 * then stream_cancel. A second call of the same kind is only asked for its
 * final status.
 */
static enum status late_cancel_main(void *arg)
{
    struct late_cancel *lc = arg;
    struct stream_options opts;
    struct stream *s[2] = {NULL, NULL};
    int i = 0;

    memset(&opts, 0, sizeof opts);
    opts.timeout_ns = 50 * MS;
    lc->slept = sched_now_ns();
    for (i = 0; i < 2; i++)
        lc->created[i] = stream_create(NULL, &opts, &s[i]);
    if (lc->created[0] != STATUS_OK || lc->created[1] != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    sched_sleep_ns(100 * MS);
    stream_cancel(stream_client(s[0]));
    lc->slept = sched_now_ns() - lc->slept;
    for (i = 0; i < 2; i++) {
        lc->final[i] = stream_final_status(s[i], &lc->why[i]);
        stream_destroy(s[i]);
    }
    return STATUS_OK;
}

static void test_stream_deadline_first_in_virtual_time(void **state)
{
    struct sched_sim_options o;
    struct sched_sim_result res;
    struct late_cancel lc;
    enum status out = STATUS_UNKNOWN;
    int i = 0;

    (void)state;
    memset(&o, 0, sizeof o);
    memset(&res, 0, sizeof res);
    memset(&lc, 0, sizeof lc);
    o.strategy = SCHED_IN_ORDER;
    assert_int_equal(sched_sim_run(&o, late_cancel_main, &lc, &out, &res),
                     STATUS_OK);
    assert_int_equal(out, STATUS_OK);
    assert_true(lc.slept == 100 * MS); /* exactly: virtual time */
    for (i = 0; i < 2; i++) {
        assert_int_equal(lc.final[i], STATUS_DEADLINE_EXCEEDED);
        assert_string_equal(lc.why[i].text, "context deadline exceeded");
    }
    sched_sim_result_free(&res);
}

/* A call whose deadline has passed before it starts is over at once. */
static void test_stream_created_past_its_deadline(void **state)
{
    struct stream *s = new_stream(NULL, 0, -1);
    struct status_detail why;

    (void)state;
    assert_int_equal(stream_final_status(s, &why), STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(why.text, "context deadline exceeded");
    stream_cancel(stream_server(s));
    assert_int_equal(stream_final_status(s, NULL), STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(send_str(stream_client(s), "x", NULL), STATUS_EOF);
    recv_status(stream_server(s), STATUS_DEADLINE_EXCEEDED,
                "context deadline exceeded");
    stream_destroy(s);
}

/* ------------------------------------------------------------------ */
/* Bad frames and limits                                              */
/* ------------------------------------------------------------------ */

static void test_stream_bad_frames_fail_the_call(void **state)
{
    static const struct {
        uint8_t bytes[8];
        size_t len;
        int half_close; /* close c2s after the bytes */
        enum status code;
        const char *text;
    } cases[] = {
        /* One case per row reads better than one field per line. */
        /* clang-format off */
        {{7, 0, 0, 0, 1, 'x'}, 6, 0, STATUS_INTERNAL,
         "grpc: received unexpected payload format 7"},
        {{1, 0, 0, 0, 1, 'x'}, 6, 0, STATUS_INTERNAL,
         "grpc: compressed flag set with identity or empty encoding"},
        {{0, 0, 0, 0, 10, 'a', 'b', 'c'}, 8, 1, STATUS_INTERNAL,
         "unexpected EOF"}, /* the payload ends early */
        {{0, 0, 0}, 3, 1, STATUS_INTERNAL,
         "unexpected EOF"}, /* the header ends early */
        /* clang-format on */
    };
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct stream *s = new_stream(NULL, 0, 0);
        struct op crecv;
        struct sched_thread tc;
        struct status_detail why;

        /* The client waits for an answer that will never come. */
        op_init(&crecv, stream_client(s), NULL, 0);
        start_thread(&tc, "client", op_recv, &crecv);
        assert_true(await_read_waits(stream_pipe(s, STREAM_S2C), 1));

        /* Bytes that are not what stream_send would write. */
        assert_int_equal(pipe_write(stream_pipe(s, STREAM_C2S), cases[i].bytes,
                                    cases[i].len, NULL),
                         STATUS_OK);
        if (cases[i].half_close)
            assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
        recv_status(stream_server(s), cases[i].code, cases[i].text);

        /* The receiver failed the call: the client's recv wakes with it. */
        sched_thread_join(&tc);
        assert_int_equal(crecv.st, cases[i].code);
        assert_string_equal(crecv.why.text, cases[i].text);
        recv_status(stream_client(s), cases[i].code, cases[i].text);
        assert_int_equal(send_str(stream_server(s), "x", NULL), cases[i].code);
        assert_int_equal(stream_final_status(s, &why), cases[i].code);
        assert_string_equal(why.text, cases[i].text);
        assert_int_equal(stream_get_stats(s).received[STREAM_C2S], 0);
        frame_msg_free(&crecv.msg);
        stream_destroy(s);
    }
}

static void test_stream_max_recv_is_inclusive_then_fails(void **state)
{
    struct stream_options opts;
    struct stream *s = NULL;

    (void)state;
    memset(&opts, 0, sizeof opts);
    opts.max_recv = 4;
    assert_int_equal(stream_create(NULL, &opts, &s), STATUS_OK);

    /* The send side has no such limit: both go out. */
    assert_int_equal(send_str(stream_client(s), "abcd", NULL), STATUS_OK);
    assert_int_equal(send_str(stream_client(s), "abcde", NULL), STATUS_OK);
    recv_expect(stream_server(s), "abcd"); /* exactly the limit is fine */
    recv_status(stream_server(s), STATUS_RESOURCE_EXHAUSTED,
                "grpc: received message larger than max (5 vs. 4)");
    /* That failed the whole call. */
    recv_status(stream_client(s), STATUS_RESOURCE_EXHAUSTED,
                "grpc: received message larger than max (5 vs. 4)");
    assert_int_equal(stream_final_status(s, NULL), STATUS_RESOURCE_EXHAUSTED);
    stream_destroy(s);
}

static void test_stream_max_recv_on_client(void **state)
{
    struct stream_options opts;
    struct stream *s = NULL;
    struct frame_msg msg = {0};

    (void)state;
    memset(&opts, 0, sizeof opts);
    opts.max_recv = 2;
    assert_int_equal(stream_create(NULL, &opts, &s), STATUS_OK);
    assert_int_equal(send_str(stream_server(s), "big", NULL), STATUS_OK);
    /* No detail asked for: the code alone still comes back. */
    assert_int_equal(stream_recv(stream_client(s), &msg, NULL),
                     STATUS_RESOURCE_EXHAUSTED);
    /* The client reset the call: the server sees a cancel (grpc-go). */
    recv_status(stream_server(s), STATUS_CANCELLED, "context canceled");
    assert_int_equal(stream_final_status(s, NULL), STATUS_RESOURCE_EXHAUSTED);
    stream_destroy(s);
}

static void test_stream_max_send_sends_nothing(void **state)
{
    struct stream_options opts;
    struct stream *s = NULL;
    struct status_detail why;

    (void)state;
    memset(&opts, 0, sizeof opts);
    opts.max_send = 4;
    assert_int_equal(stream_create(NULL, &opts, &s), STATUS_OK);

    assert_int_equal(send_str(stream_client(s), "abcde", &why),
                     STATUS_RESOURCE_EXHAUSTED);
    assert_int_equal(why.code, STATUS_RESOURCE_EXHAUSTED);
    assert_string_equal(why.text,
                        "trying to send message larger than max (5 vs. 4)");
    assert_int_equal(send_str(stream_server(s), "abcdef", NULL),
                     STATUS_RESOURCE_EXHAUSTED);

    /* Not a byte reached either pipe, and the call goes on. */
    assert_int_equal(pipe_buffered(stream_pipe(s, STREAM_C2S)), 0);
    assert_int_equal(pipe_buffered(stream_pipe(s, STREAM_S2C)), 0);
    assert_int_equal(stream_get_stats(s).sent[STREAM_C2S], 0);
    assert_int_equal(stream_final_status(s, NULL), STATUS_OK);
    assert_int_equal(send_str(stream_client(s), "abcd", NULL), STATUS_OK);
    recv_expect(stream_server(s), "abcd");
    stream_destroy(s);
}

/* ------------------------------------------------------------------ */
/* Ordering, counters, trace                                          */
/* ------------------------------------------------------------------ */

static void test_stream_order_holds_in_each_direction(void **state)
{
    enum { N = 10000 };
    struct stream *s = new_stream(NULL, 64, 0);
    struct seq_tx c_tx = {stream_client(s), N, 0, STATUS_UNKNOWN};
    struct seq_tx s_tx = {stream_server(s), N, 0, STATUS_UNKNOWN};
    struct seq_rx c_rx, s_rx;
    struct sched_thread t[4];

    (void)state;
    memset(&c_rx, 0, sizeof c_rx);
    memset(&s_rx, 0, sizeof s_rx);
    c_rx.e = stream_client(s);
    s_rx.e = stream_server(s);
    /* Four threads: a sender and a receiver on each end, all at once. */
    start_thread(&t[0], "client/send", seq_tx_main, &c_tx);
    start_thread(&t[1], "client/recv", seq_rx_main, &c_rx);
    start_thread(&t[2], "server/send", seq_tx_main, &s_tx);
    start_thread(&t[3], "server/recv", seq_rx_main, &s_rx);

    /* The server ends the call once it has sent all and read to EOF. */
    sched_thread_join(&t[2]);
    sched_thread_join(&t[3]);
    assert_int_equal(stream_finish(stream_server(s), STATUS_OK, NULL),
                     STATUS_OK);
    sched_thread_join(&t[0]);
    sched_thread_join(&t[1]);

    assert_int_equal(c_tx.st, STATUS_OK);
    assert_int_equal(s_tx.st, STATUS_OK);
    assert_int_equal(s_rx.end, STATUS_EOF);
    assert_int_equal(s_rx.got, N);
    assert_int_equal(s_rx.bad_at, -1);
    assert_int_equal(c_rx.end, STATUS_EOF);
    assert_int_equal(c_rx.got, N);
    assert_int_equal(c_rx.bad_at, -1);
    stream_destroy(s);
}

struct many {
    struct stream_end *e;
    int n;
    enum status st;
};

static enum status send_many(void *arg)
{
    static const char payload[20] = "twenty bytes exactly";
    struct many *m = arg;
    int i = 0;

    m->st = STATUS_OK;
    for (i = 0; i < m->n && m->st == STATUS_OK; i++)
        m->st = stream_send(m->e, payload, sizeof payload, NULL);
    return STATUS_OK;
}

static void test_stream_stats_count_messages_and_waits(void **state)
{
    /* 8 bytes of pipe for 25-byte frames: every payload must wait. */
    struct stream *s = new_stream(NULL, 8, 0);
    struct many m = {stream_client(s), 10, STATUS_UNKNOWN};
    struct sched_thread t;
    struct frame_msg msg = {0};
    struct stream_stats st;
    int i = 0;

    (void)state;
    start_thread(&t, "client", send_many, &m);
    for (i = 0; i < 10; i++) {
        assert_int_equal(stream_recv(stream_server(s), &msg, NULL), STATUS_OK);
        assert_int_equal(msg.length, 20);
    }
    sched_thread_join(&t);
    assert_int_equal(m.st, STATUS_OK);

    st = stream_get_stats(s);
    assert_int_equal(st.sent[STREAM_C2S], 10);
    assert_int_equal(st.received[STREAM_C2S], 10);
    assert_int_equal(st.sent[STREAM_S2C], 0);
    assert_int_equal(st.received[STREAM_S2C], 0);
    /*
     * A 20-byte payload never fits 8 bytes at once: the writer fills the
     * pipe and then has to wait, at least once per message.
     */
    assert_true(st.write_waits[STREAM_C2S] >= 10);
    assert_int_equal(st.write_waits[STREAM_S2C], 0);
    assert_int_equal(st.read_waits[STREAM_S2C], 0);
    assert_int_equal(st.bytes_discarded[STREAM_C2S], 0);
    frame_msg_free(&msg);
    stream_destroy(s);
}

static const struct trace_event *find_event(struct trace *t,
                                            enum trace_kind kind)
{
    size_t i = 0;

    for (i = 0; i < trace_length(t); i++)
        if (trace_event_at(t, i)->kind == kind)
            return trace_event_at(t, i);
    return NULL;
}

static void test_stream_trace_records_events(void **state)
{
    struct trace *tr = trace_create();
    struct stream_options opts;
    struct stream *s = NULL;
    const struct trace_event *ev = NULL;

    (void)state;
    assert_non_null(tr);
    memset(&opts, 0, sizeof opts);
    opts.trace = tr;
    assert_int_equal(stream_create(NULL, &opts, &s), STATUS_OK);

    assert_int_equal(send_str(stream_client(s), "one", NULL), STATUS_OK);
    assert_int_equal(send_str(stream_client(s), "two", NULL), STATUS_OK);
    recv_expect(stream_server(s), "one");
    recv_expect(stream_server(s), "two");
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    assert_int_equal(send_str(stream_client(s), "late", NULL), STATUS_INTERNAL);
    recv_status(stream_server(s), STATUS_EOF, "client half-closed");
    assert_int_equal(send_str(stream_server(s), "three", NULL), STATUS_OK);
    assert_int_equal(stream_finish(stream_server(s), STATUS_OK, NULL),
                     STATUS_OK);
    recv_expect(stream_client(s), "three");
    recv_status(stream_client(s), STATUS_EOF,
                "the server finished the call with OK");
    stream_cancel(stream_server(s));

    assert_int_equal(trace_count(tr, TRACE_SEND), 3);
    assert_int_equal(trace_count(tr, TRACE_RECV), 3);
    assert_int_equal(trace_count(tr, TRACE_CLOSE_SEND), 1); /* idempotent */
    assert_int_equal(trace_count(tr, TRACE_EOF), 2); /* one per direction */
    assert_int_equal(trace_count(tr, TRACE_FINISH), 1);
    assert_int_equal(trace_count(tr, TRACE_CANCEL), 1);
    assert_int_equal(trace_count(tr, TRACE_ERROR), 1); /* the late send */
    assert_int_equal(trace_count(tr, TRACE_BLOCK), 0); /* 64 KiB pipes */
    assert_int_equal(trace_count(tr, TRACE_WAKE), 0);

    /* The cancel came after the drain: the trace says nothing was lost. */
    ev = find_event(tr, TRACE_CANCEL);
    assert_non_null(ev);
    assert_int_equal(ev->status, STATUS_CANCELLED);
    assert_string_equal(ev->text,
                        "context canceled (dropped c2s 0 B, s2c 0 B)");
    ev = find_event(tr, TRACE_ERROR);
    assert_non_null(ev);
    assert_int_equal(ev->status, STATUS_INTERNAL);
    assert_string_equal(ev->text, "INTERNAL"); /* no detail was passed */

    stream_destroy(s);
    trace_destroy(tr);
}

static void test_stream_trace_counts_lost_bytes(void **state)
{
    struct trace *tr = trace_create();
    struct stream_options opts;
    struct stream *s = NULL;
    const struct trace_event *ev = NULL;

    (void)state;
    assert_non_null(tr);
    memset(&opts, 0, sizeof opts);
    opts.trace = tr;
    assert_int_equal(stream_create(NULL, &opts, &s), STATUS_OK);
    assert_int_equal(send_str(stream_client(s), "lost", NULL), STATUS_OK);
    stream_cancel(stream_client(s));

    ev = find_event(tr, TRACE_CANCEL);
    assert_non_null(ev);
    assert_string_equal(ev->text,
                        "context canceled (dropped c2s 9 B, s2c 0 B)");
    stream_destroy(s);
    trace_destroy(tr);
}

/* ------------------------------------------------------------------ */
/* grpc-go's contract, to the letter (issue #14)                       */
/* ------------------------------------------------------------------ */

/*
 * grpc-go's ClientStream.SendMsg: once the call has ended, whatever ended
 * it, a send returns io.EOF and the status comes from RecvMsg. `how`: 0 the
 * client cancels, 1 the server cancels, 2 the parent context is cancelled.
 * The server's send keeps the context's error, as grpc-go's server
 * transport returns it (ContextErr).
 */
static void client_send_after_teardown_is_eof(int how)
{
    struct context *parent = NULL;
    struct stream *s = NULL;
    struct status_detail why;

    assert_int_equal(context_create(NULL, &parent), STATUS_OK);
    s = new_stream(parent, 0, 0);
    if (how == 0)
        stream_cancel(stream_client(s));
    else if (how == 1)
        stream_cancel(stream_server(s));
    else
        context_cancel(parent, STATUS_CANCELLED, NULL);

    assert_int_equal(send_str(stream_client(s), "x", &why), STATUS_EOF);
    assert_int_equal(why.code, STATUS_EOF);
    assert_string_equal(why.text, SEND_ENDED);
    recv_status(stream_client(s), STATUS_CANCELLED, "context canceled");
    assert_int_equal(send_str(stream_server(s), "x", &why), STATUS_CANCELLED);
    assert_string_equal(why.text, "context canceled");
    assert_int_equal(stream_get_stats(s).sent[STREAM_C2S], 0);
    stream_destroy(s);
    context_destroy(parent);
}

static void test_stream_client_send_after_own_cancel_is_eof(void **state)
{
    (void)state;
    client_send_after_teardown_is_eof(0);
}

static void test_stream_client_send_after_server_cancel_is_eof(void **state)
{
    (void)state;
    client_send_after_teardown_is_eof(1);
}

static void test_stream_client_send_after_parent_cancel_is_eof(void **state)
{
    (void)state;
    client_send_after_teardown_is_eof(2);
}

/* A send blocked on a full pipe when the deadline passes wakes with EOF. */
static void test_stream_client_send_at_deadline_is_eof(void **state)
{
    static const uint8_t big[100];
    struct stream *s = new_stream(NULL, 16, 50 * MS);
    struct status_detail why;

    (void)state;
    /* Nobody reads: this send blocks until the deadline, on this thread. */
    assert_int_equal(stream_send(stream_client(s), big, sizeof big, &why),
                     STATUS_EOF);
    assert_string_equal(why.text, SEND_ENDED);
    assert_int_equal(send_str(stream_client(s), "x", NULL), STATUS_EOF);
    recv_status(stream_client(s), STATUS_DEADLINE_EXCEEDED,
                "context deadline exceeded");
    assert_int_equal(stream_final_status(s, NULL), STATUS_DEADLINE_EXCEEDED);
    stream_destroy(s);
}

/*
 * grpc-go's order of checks in SendMsg: CloseSend, then the size, then the
 * call's end. So a send after CloseSend and an oversized send say so even
 * on a call that has ended.
 */
static void test_stream_client_send_checks_misuse_before_the_end(void **state)
{
    struct stream_options opts;
    struct stream *s = NULL;
    struct status_detail why;

    (void)state;
    memset(&opts, 0, sizeof opts);
    opts.max_send = 4;
    assert_int_equal(stream_create(NULL, &opts, &s), STATUS_OK);
    stream_cancel(stream_server(s));
    assert_int_equal(send_str(stream_client(s), "abcde", &why),
                     STATUS_RESOURCE_EXHAUSTED);
    assert_string_equal(why.text,
                        "trying to send message larger than max (5 vs. 4)");
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    assert_int_equal(send_str(stream_client(s), "x", &why), STATUS_INTERNAL);
    assert_string_equal(why.text, "SendMsg called after CloseSend");
    stream_destroy(s);
}

/*
 * The client rejects an oversized message: its recv fails with
 * RESOURCE_EXHAUSTED and it resets the call (RST_STREAM CANCEL), so the
 * server's next recv gets CANCELLED "context canceled", as in grpc-go. The
 * call's final status (the client's) is the rejection; the client's later
 * send is EOF.
 */
static void test_stream_client_reject_resets_the_call(void **state)
{
    struct stream_options opts;
    struct stream *s = NULL;
    struct status_detail why;

    (void)state;
    memset(&opts, 0, sizeof opts);
    opts.max_recv = 2;
    assert_int_equal(stream_create(NULL, &opts, &s), STATUS_OK);
    assert_int_equal(send_str(stream_server(s), "big", NULL), STATUS_OK);
    recv_status(stream_client(s), STATUS_RESOURCE_EXHAUSTED,
                "grpc: received message larger than max (3 vs. 2)");

    recv_status(stream_server(s), STATUS_CANCELLED, "context canceled");
    assert_int_equal(send_str(stream_server(s), "x", &why), STATUS_CANCELLED);
    assert_string_equal(why.text, "context canceled");
    assert_int_equal(context_err(stream_context(s), NULL), STATUS_CANCELLED);

    recv_status(stream_client(s), STATUS_RESOURCE_EXHAUSTED,
                "grpc: received message larger than max (3 vs. 2)");
    assert_int_equal(send_str(stream_client(s), "x", &why), STATUS_EOF);
    assert_string_equal(why.text, SEND_ENDED);
    assert_int_equal(stream_final_status(s, &why), STATUS_RESOURCE_EXHAUSTED);
    assert_string_equal(why.text,
                        "grpc: received message larger than max (3 vs. 2)");
    stream_destroy(s);
}

/* The same while the server is blocked in recv: the reset wakes it. */
static void test_stream_client_reject_wakes_server_recv(void **state)
{
    struct stream_options opts;
    struct stream *s = NULL;
    struct op srecv;
    struct sched_thread ts;

    (void)state;
    memset(&opts, 0, sizeof opts);
    opts.max_recv = 2;
    assert_int_equal(stream_create(NULL, &opts, &s), STATUS_OK);
    op_init(&srecv, stream_server(s), NULL, 0);
    start_thread(&ts, "server", op_recv, &srecv);
    assert_true(await_read_waits(stream_pipe(s, STREAM_C2S), 1));
    assert_int_equal(send_str(stream_server(s), "big", NULL), STATUS_OK);
    recv_status(stream_client(s), STATUS_RESOURCE_EXHAUSTED,
                "grpc: received message larger than max (3 vs. 2)");
    sched_thread_join(&ts);
    assert_int_equal(srecv.st, STATUS_CANCELLED);
    assert_string_equal(srecv.why.text, "context canceled");
    frame_msg_free(&srecv.msg);
    stream_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_create_defaults),
        cmocka_unit_test(test_stream_create_with_options),
        cmocka_unit_test(test_stream_destroy_null_is_noop),
        cmocka_unit_test(test_stream_accessors_name_the_parts),
        cmocka_unit_test(test_stream_side_name),
        cmocka_unit_test(test_stream_round_trip_single_thread),
        cmocka_unit_test(test_stream_echo_with_three_threads),
        cmocka_unit_test(test_stream_close_send_drains_then_eof),
        cmocka_unit_test(test_stream_close_send_on_server_is_refused),
        cmocka_unit_test(test_stream_server_sends_after_eof),
        cmocka_unit_test(test_stream_finish_with_status_after_messages),
        cmocka_unit_test(test_stream_finish_without_text),
        cmocka_unit_test(test_stream_finish_misuse),
        cmocka_unit_test(test_stream_client_send_after_finish_is_eof),
        cmocka_unit_test(test_stream_finish_wakes_blocked_client_send),
        cmocka_unit_test(test_stream_close_send_during_blocked_send),
        cmocka_unit_test(test_stream_finish_during_blocked_server_send),
        cmocka_unit_test(test_stream_close_send_waiting_ends_on_cancel),
        cmocka_unit_test(test_stream_close_send_waiting_ends_on_finish),
        cmocka_unit_test(test_stream_close_send_waiting_ends_at_deadline),
        cmocka_unit_test(test_stream_close_send_racing_send_threads),
        cmocka_unit_test(test_stream_close_send_racing_send_sim_seeds),
        cmocka_unit_test(test_stream_close_send_waiting_in_deadlock_report),
        cmocka_unit_test(test_stream_send_woken_from_deadlock_fails_the_call),
        cmocka_unit_test(test_stream_client_cancel_wakes_blocked_recvs),
        cmocka_unit_test(test_stream_server_cancel_wakes_blocked_recvs),
        cmocka_unit_test(test_stream_client_cancel_wakes_blocked_senders),
        cmocka_unit_test(test_stream_server_cancel_wakes_blocked_senders),
        cmocka_unit_test(test_stream_cancel_loses_buffered_messages),
        cmocka_unit_test(test_stream_drain_then_cancel_loses_nothing),
        cmocka_unit_test(test_stream_deadline_wakes_blocked_recvs),
        cmocka_unit_test(test_stream_deadline_wakes_blocked_senders),
        cmocka_unit_test(test_stream_deadline_wakes_sender_without_detail),
        cmocka_unit_test(test_stream_parent_cancel_tears_down),
        cmocka_unit_test(test_stream_under_cancelled_parent_fails_every_op),
        cmocka_unit_test(test_stream_inherits_parent_deadline),
        cmocka_unit_test(
            test_stream_cancel_after_deadline_is_deadline_exceeded),
        cmocka_unit_test(test_stream_deadline_first_in_virtual_time),
        cmocka_unit_test(test_stream_created_past_its_deadline),
        cmocka_unit_test(test_stream_bad_frames_fail_the_call),
        cmocka_unit_test(test_stream_max_recv_is_inclusive_then_fails),
        cmocka_unit_test(test_stream_max_recv_on_client),
        cmocka_unit_test(test_stream_max_send_sends_nothing),
        cmocka_unit_test(test_stream_order_holds_in_each_direction),
        cmocka_unit_test(test_stream_stats_count_messages_and_waits),
        cmocka_unit_test(test_stream_trace_records_events),
        cmocka_unit_test(test_stream_trace_counts_lost_bytes),
        cmocka_unit_test(test_stream_client_send_after_own_cancel_is_eof),
        cmocka_unit_test(test_stream_client_send_after_server_cancel_is_eof),
        cmocka_unit_test(test_stream_client_send_after_parent_cancel_is_eof),
        cmocka_unit_test(test_stream_client_send_at_deadline_is_eof),
        cmocka_unit_test(test_stream_client_send_checks_misuse_before_the_end),
        cmocka_unit_test(test_stream_client_reject_resets_the_call),
        cmocka_unit_test(test_stream_client_reject_wakes_server_recv),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

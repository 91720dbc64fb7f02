/*
 * test_conform_interop: gRPC's interop test cases for streams
 * (grpc/grpc doc/interop-test-descriptions.md, and the C++ interop
 * client's half_duplex and slow-consumer cases, test/cpp/interop/
 * interop_client.cc), run on duplex streams.
 *
 * The services
 *   The interop server's methods are handlers here, each run on a server
 *   thread against the stream's server end:
 *     StreamingInputCall   sums the request payload sizes until the client
 *                          half-closes, answers with the sum, finishes OK
 *     StreamingOutputCall  reads one request, sends one response per size
 *                          it lists, finishes OK
 *     FullDuplexCall       answers each request at once (one response per
 *                          size), finishes OK at the client's half-close
 *     HalfDuplexCall       keeps the requests until the half-close, then
 *                          answers them all in order, finishes OK
 *     UnaryCall            one request, one response
 *   and, as the doc's "Echo Status" says, a request that carries a status
 *   makes the server finish the call with it at once and read no further.
 *
 * The messages
 *   test.proto's messages become one byte layout (big-endian, with the
 *   frame module's helpers):
 *
 *     0      2                2+4n   2+4n+1   2+4n+2     ..+m
 *     +------+----------------+------+--------+----------+=========+
 *     |  n   | n response     | code | m      | message  | payload |
 *     |      | sizes, 4 B each|      |        | (m bytes)| (zeros) |
 *     +------+----------------+------+--------+----------+=========+
 *
 *   code 0 means "no response_status". A response is its payload (zeros)
 *   alone; StreamingInputCall's response is the 4-byte aggregated size.
 *   The doc's sizes count payload bodies, so they are the same here.
 *
 * Statuses, as the doc expects them, in duplex's words: a call that
 * succeeded ends the client's recv with STATUS_EOF and has the final
 * status OK; a cancelled one ends with STATUS_CANCELLED ("context
 * canceled"); one past its deadline with STATUS_DEADLINE_EXCEEDED
 * ("context deadline exceeded"); Echo Status with code 2, STATUS_UNKNOWN,
 * and the text "test status message".
 *
 * Most cases run in OS mode, on real threads, some at two pipe capacities
 * (the default 64 KiB, and 1000 bytes so that every large message waits
 * for flow control). timeout_on_sleeping_server also runs in SIM mode,
 * where virtual time makes the 1 ms deadline land at the same point every
 * time, and the slow consumer runs in SIM mode with the C++ client's real
 * numbers (2000 responses, 20 ms per message: 40 s of virtual time).
 *
 * Threads: only the test's own thread asserts. A server thread, and a SIM
 * run's body, store what they saw; the test reads it after the join.
 */
/* cmocka.h needs these four first, in this order: keep them unsorted. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/pipe.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"
#include "support.h"

#define MS (INT64_C(1000000))

/* The sizes the doc and the C++ client use. */
static const uint32_t request_sizes[] = {27182, 8, 1828, 45904};
static const uint32_t response_sizes[] = {31415, 9, 2653, 58979};

#define NSIZES 4
#define AGGREGATED 74922 /* the sum of request_sizes */

/* The C++ client's slow consumer. */
#define SLOW_MESSAGES 2000
#define SLOW_SIZE 1030
#define SLOW_DELAY_NS (20 * MS)

#define MAX_SIZES SLOW_MESSAGES
#define MAX_TEXT 64

static const char test_status_message[] = "test status message";

/* Response payloads are zeros; the largest is 58979 bytes. */
static const uint8_t zeros[65536];

/* ------------------------------------------------------------------ */
/* Requests                                                           */
/* ------------------------------------------------------------------ */

struct request {
    uint16_t nsizes;
    uint32_t sizes[MAX_SIZES]; /* response_parameters' sizes */
    uint8_t code;              /* response_status.code; 0: none */
    char text[MAX_TEXT];       /* response_status.message */
    size_t payload;            /* payload body bytes */
    int payload_zero;          /* every payload byte is 0 */
};

/*
 * Encodes a request into a new buffer (free it); *len gets its size.
 * Returns NULL when out of memory. Any thread.
 */
static uint8_t *request_encode(const uint32_t *sizes, uint16_t nsizes,
                               size_t payload, uint8_t code, const char *text,
                               size_t *len)
{
    size_t m = text != NULL ? strlen(text) : 0;
    size_t head = 2 + 4 * (size_t)nsizes + 2 + m;
    uint8_t *buf = calloc(1, head + payload + 1);
    size_t i = 0;

    if (buf == NULL || m > 255)
        goto fail;
    buf[0] = (uint8_t)(nsizes >> 8);
    buf[1] = (uint8_t)nsizes;
    for (i = 0; i < nsizes; i++)
        frame_put_u32(buf + 2 + 4 * i, sizes[i]);
    buf[2 + 4 * (size_t)nsizes] = code;
    buf[2 + 4 * (size_t)nsizes + 1] = (uint8_t)m;
    if (m > 0)
        memcpy(buf + 2 + 4 * (size_t)nsizes + 2, text, m);
    *len = head + payload;
    return buf;
fail:
    free(buf);
    return NULL;
}

static int all_zero(const uint8_t *p, size_t n)
{
    size_t i = 0;

    for (i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

/* Decodes a request. Returns 1, or 0 when it is malformed. Any thread. */
static int request_decode(const struct frame_msg *msg, struct request *r)
{
    const uint8_t *p = msg->data;
    size_t len = msg->length;
    size_t at = 0;
    size_t m = 0;
    size_t i = 0;

    if (len < 4)
        return 0;
    r->nsizes = (uint16_t)(p[0] << 8 | p[1]);
    at = 2;
    if (r->nsizes > MAX_SIZES || len < at + 4 * (size_t)r->nsizes + 2)
        return 0;
    for (i = 0; i < r->nsizes; i++, at += 4)
        r->sizes[i] = frame_get_u32(p + at);
    r->code = p[at];
    m = p[at + 1];
    at += 2;
    if (m >= MAX_TEXT || len < at + m)
        return 0;
    memcpy(r->text, p + at, m);
    r->text[m] = '\0';
    at += m;
    r->payload = len - at;
    r->payload_zero = all_zero(p + at, r->payload);
    return 1;
}

/* ------------------------------------------------------------------ */
/* The server                                                         */
/* ------------------------------------------------------------------ */

enum method {
    STREAMING_INPUT,
    STREAMING_OUTPUT,
    FULL_DUPLEX,
    HALF_DUPLEX,
    UNARY
};

struct server {
    struct stream_end *e;
    enum method method;
    int64_t sleep_ns; /* the sleeping server: sleeps after each request */

    /* What it saw. */
    unsigned requests;
    uint64_t payload_total; /* request payload bytes */
    int bad_request;        /* malformed, or a payload byte not 0 */
    unsigned responses;     /* responses sent */
    enum status end;        /* the recv that ended its loop, or OK */
    struct status_detail end_why;
    enum status send_st;   /* the first send that failed, or OK */
    enum status finish_st; /* stream_finish's status; UNKNOWN: not called */
    int64_t end_ns;        /* when it returned */

    struct request req;
    uint32_t held[MAX_SIZES]; /* HalfDuplexCall's sizes until the end */
    unsigned nheld;
};

static void server_init(struct server *s, struct stream *st, enum method m)
{
    memset(s, 0, sizeof *s);
    s->e = stream_server(st);
    s->method = m;
    s->end = STATUS_OK;
    s->send_st = STATUS_OK;
    s->finish_st = STATUS_UNKNOWN;
}

/* Sends one response of size zeros. Returns 0 when the send failed. */
static int send_response(struct server *s, uint32_t size)
{
    enum status st = stream_send(s->e, zeros, size, NULL);

    if (st != STATUS_OK) {
        if (s->send_st == STATUS_OK)
            s->send_st = st;
        return 0;
    }
    s->responses++;
    return 1;
}

static int send_all(struct server *s, const uint32_t *sizes, unsigned n)
{
    unsigned i = 0;

    for (i = 0; i < n; i++)
        if (!send_response(s, sizes[i]))
            return 0;
    return 1;
}

/*
 * What one request asks of the running method. Returns 1 to read on, 0
 * when the handler is done (or a send found the call over).
 */
static int serve_request(struct server *s)
{
    struct request *r = &s->req;

    if (r->code != 0) { /* Echo Status: finish with it, read no further */
        s->finish_st = stream_finish(s->e, (enum status)r->code, r->text);
        return 0;
    }
    if (s->sleep_ns > 0)
        sched_sleep_ns(s->sleep_ns);
    switch (s->method) {
    case STREAMING_INPUT: return 1;
    case STREAMING_OUTPUT: send_all(s, r->sizes, r->nsizes); return 0;
    case FULL_DUPLEX: return send_all(s, r->sizes, r->nsizes);
    case HALF_DUPLEX:
        if (s->nheld + r->nsizes > MAX_SIZES)
            return 0;
        memcpy(s->held + s->nheld, r->sizes, r->nsizes * sizeof *r->sizes);
        s->nheld += r->nsizes;
        return 1;
    case UNARY: send_response(s, r->nsizes > 0 ? r->sizes[0] : 0); return 0;
    }
    return 0;
}

/* What the end of the requests (the client's half-close) asks. */
static void serve_end(struct server *s)
{
    uint8_t sum[4];

    if (s->method == STREAMING_INPUT) {
        frame_put_u32(sum, (uint32_t)s->payload_total);
        if (stream_send(s->e, sum, sizeof sum, NULL) == STATUS_OK)
            s->responses++;
    } else if (s->method == HALF_DUPLEX) {
        send_all(s, s->held, s->nheld);
    }
}

static enum status server_main(void *arg)
{
    struct server *s = arg;
    struct frame_msg msg = {0};
    int more = 1;

    while (more) {
        enum status st = stream_recv(s->e, &msg, &s->end_why);

        if (st != STATUS_OK) {
            s->end = st;
            break;
        }
        s->requests++;
        if (!request_decode(&msg, &s->req) || !s->req.payload_zero) {
            s->bad_request = 1;
            s->finish_st = stream_finish(s->e, STATUS_INVALID_ARGUMENT,
                                         "malformed request");
            break;
        }
        s->payload_total += s->req.payload;
        more = serve_request(s);
    }
    if (s->end == STATUS_EOF)
        serve_end(s);
    /*
     * The handler returns OK when it reached the end of its work; not when
     * it already finished (Echo Status, a bad request) or the call is over.
     */
    if (s->finish_st == STATUS_UNKNOWN && s->send_st == STATUS_OK &&
        (s->end == STATUS_EOF || !more))
        s->finish_st = stream_finish(s->e, STATUS_OK, NULL);
    frame_msg_free(&msg);
    s->end_ns = sched_now_ns();
    return STATUS_OK;
}

/* ------------------------------------------------------------------ */
/* The client's side (test thread: these assert)                      */
/* ------------------------------------------------------------------ */

static struct stream *new_stream(size_t capacity, int64_t timeout_ns)
{
    struct stream_options opts;
    struct stream *s = NULL;

    memset(&opts, 0, sizeof opts);
    opts.capacity = capacity;
    opts.timeout_ns = timeout_ns;
    assert_int_equal(stream_create(NULL, &opts, &s), STATUS_OK);
    return s;
}

/* Sends a request; returns stream_send's status. */
static enum status send_request(struct stream *s, const uint32_t *sizes,
                                uint16_t nsizes, size_t payload, uint8_t code,
                                const char *text)
{
    size_t len = 0;
    uint8_t *buf = request_encode(sizes, nsizes, payload, code, text, &len);
    enum status st = STATUS_OK;

    assert_non_null(buf);
    st = stream_send(stream_client(s), buf, len, NULL);
    free(buf);
    return st;
}

/* Receives one response and checks it is size zeros. */
static void expect_response(struct stream *s, uint32_t size)
{
    struct frame_msg msg = {0};
    struct status_detail why;

    assert_int_equal(stream_recv(stream_client(s), &msg, &why), STATUS_OK);
    assert_int_equal(msg.length, size);
    assert_true(all_zero(msg.data, msg.length));
    frame_msg_free(&msg);
}

/* Receives once more and checks the call ended with code and text. */
static void expect_end(struct stream *s, enum status code, const char *text)
{
    struct frame_msg msg = {0};
    struct status_detail why;

    assert_int_equal(stream_recv(stream_client(s), &msg, &why), code);
    assert_int_equal(why.code, code);
    if (text != NULL)
        assert_string_equal(why.text, text);
    frame_msg_free(&msg);
}

/* "call was successful": EOF at the client, final status OK. */
static void expect_success(struct stream *s)
{
    expect_end(s, STATUS_EOF, NULL);
    assert_int_equal(stream_final_status(s, NULL), STATUS_OK);
}

/* The call's final status is code with text. */
static void expect_final(struct stream *s, enum status code, const char *text)
{
    struct status_detail why;

    assert_int_equal(stream_final_status(s, &why), code);
    assert_int_equal(why.code, code);
    assert_string_equal(why.text, text);
}

static void start_server(struct sched_thread *t, struct server *srv,
                         struct stream *s, enum method m)
{
    server_init(srv, s, m);
    start_thread(t, "server", server_main, srv);
}

/* ------------------------------------------------------------------ */
/* ping_pong, empty_stream                                            */
/* ------------------------------------------------------------------ */

/*
 * ping_pong: four request/response rounds on FullDuplexCall, then the
 * half-close. Exactly four responses, sized 31415, 9, 2653, 58979, all
 * zeros, and the call succeeds.
 */
static void check_ping_pong(size_t capacity)
{
    struct stream *s = new_stream(capacity, 0);
    struct server srv;
    struct sched_thread t;
    struct stream_stats ss;
    int i = 0;

    start_server(&t, &srv, s, FULL_DUPLEX);
    for (i = 0; i < NSIZES; i++) {
        assert_int_equal(
            send_request(s, &response_sizes[i], 1, request_sizes[i], 0, NULL),
            STATUS_OK);
        expect_response(s, response_sizes[i]);
    }
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    expect_success(s);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(srv.bad_request, 0);
    assert_int_equal(srv.requests, NSIZES);
    assert_int_equal(srv.payload_total, AGGREGATED);
    assert_int_equal(srv.responses, NSIZES);
    assert_int_equal(srv.end, STATUS_EOF);
    assert_int_equal(srv.send_st, STATUS_OK);
    assert_int_equal(srv.finish_st, STATUS_OK);
    ss = stream_get_stats(s);
    assert_int_equal(ss.received[STREAM_C2S], NSIZES);
    assert_int_equal(ss.received[STREAM_S2C], NSIZES);
    stream_destroy(s);
}

static void test_interop_ping_pong(void **state)
{
    (void)state;
    check_ping_pong(0);
    check_ping_pong(1000);
}

/*
 * empty_stream: FullDuplexCall, then at once the half-close. Exactly zero
 * responses, and the call succeeds.
 */
static void test_interop_empty_stream(void **state)
{
    struct stream *s = new_stream(0, 0);
    struct server srv;
    struct sched_thread t;
    struct stream_stats ss;

    (void)state;
    start_server(&t, &srv, s, FULL_DUPLEX);
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    expect_success(s);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(srv.requests, 0);
    assert_int_equal(srv.responses, 0);
    assert_int_equal(srv.end, STATUS_EOF);
    assert_int_equal(srv.finish_st, STATUS_OK);
    ss = stream_get_stats(s);
    assert_int_equal(ss.sent[STREAM_C2S], 0);
    assert_int_equal(ss.received[STREAM_S2C], 0);
    stream_destroy(s);
}

/* ------------------------------------------------------------------ */
/* client_streaming, server_streaming                                 */
/* ------------------------------------------------------------------ */

/*
 * client_streaming: StreamingInputCall with payloads of 27182, 8, 1828
 * and 45904 zeros, then the half-close. The one response says 74922, and
 * the call succeeds.
 */
static void check_client_streaming(size_t capacity)
{
    struct stream *s = new_stream(capacity, 0);
    struct server srv;
    struct sched_thread t;
    struct frame_msg msg = {0};
    int i = 0;

    start_server(&t, &srv, s, STREAMING_INPUT);
    for (i = 0; i < NSIZES; i++)
        assert_int_equal(send_request(s, NULL, 0, request_sizes[i], 0, NULL),
                         STATUS_OK);
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    assert_int_equal(stream_recv(stream_client(s), &msg, NULL), STATUS_OK);
    assert_int_equal(msg.length, 4);
    assert_int_equal(frame_get_u32(msg.data), AGGREGATED);
    frame_msg_free(&msg);
    expect_success(s);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(srv.bad_request, 0);
    assert_int_equal(srv.requests, NSIZES);
    assert_int_equal(srv.responses, 1);
    assert_int_equal(srv.end, STATUS_EOF);
    assert_int_equal(srv.finish_st, STATUS_OK);
    stream_destroy(s);
}

static void test_interop_client_streaming(void **state)
{
    (void)state;
    check_client_streaming(0);
    check_client_streaming(1000);
}

/*
 * server_streaming: StreamingOutputCall asking for 31415, 9, 2653 and
 * 58979 bytes. Exactly four responses, of those sizes in that order, all
 * zeros, and the call succeeds.
 */
static void check_server_streaming(size_t capacity)
{
    struct stream *s = new_stream(capacity, 0);
    struct server srv;
    struct sched_thread t;
    int i = 0;

    start_server(&t, &srv, s, STREAMING_OUTPUT);
    assert_int_equal(send_request(s, response_sizes, NSIZES, 0, 0, NULL),
                     STATUS_OK);
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    for (i = 0; i < NSIZES; i++)
        expect_response(s, response_sizes[i]);
    expect_success(s);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(srv.bad_request, 0);
    assert_int_equal(srv.requests, 1);
    assert_int_equal(srv.responses, NSIZES);
    assert_int_equal(srv.finish_st, STATUS_OK);
    assert_int_equal(stream_get_stats(s).received[STREAM_S2C], NSIZES);
    stream_destroy(s);
}

static void test_interop_server_streaming(void **state)
{
    (void)state;
    check_server_streaming(0);
    check_server_streaming(1000);
}

/* ------------------------------------------------------------------ */
/* cancel_after_begin, cancel_after_first_response                    */
/* ------------------------------------------------------------------ */

/*
 * cancel_after_begin: StreamingInputCall, cancelled before any request.
 * The call completes with CANCELLED: the client's recv says so, the
 * server's recv (blocked, waiting for the first request) wakes with it,
 * and a send after the cancel returns EOF (grpc-go's SendMsg: the status
 * comes from recv).
 */
static void test_interop_cancel_after_begin(void **state)
{
    struct stream *s = new_stream(0, 0);
    struct server srv;
    struct sched_thread t;

    (void)state;
    start_server(&t, &srv, s, STREAMING_INPUT);
    assert_true(await_read_waits(stream_pipe(s, STREAM_C2S), 1));
    stream_cancel(stream_client(s));
    expect_end(s, STATUS_CANCELLED, "context canceled");
    expect_final(s, STATUS_CANCELLED, "context canceled");
    assert_int_equal(send_request(s, NULL, 0, request_sizes[0], 0, NULL),
                     STATUS_EOF);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(srv.requests, 0);
    assert_int_equal(srv.end, STATUS_CANCELLED);
    assert_int_equal(srv.end_why.code, STATUS_CANCELLED);
    assert_string_equal(srv.end_why.text, "context canceled");
    assert_int_equal(stream_get_stats(s).sent[STREAM_C2S], 0);
    stream_destroy(s);
}

/*
 * cancel_after_first_response: FullDuplexCall, one request (27182 bytes,
 * asking for 31415), its response, then the cancel. The call completes
 * with CANCELLED, the server's next recv wakes with it, and since both
 * pipes had been drained, the cancel lost no byte.
 */
static void test_interop_cancel_after_first_response(void **state)
{
    struct stream *s = new_stream(0, 0);
    struct server srv;
    struct sched_thread t;
    struct stream_stats ss;
    uint32_t size = 31415;

    (void)state;
    start_server(&t, &srv, s, FULL_DUPLEX);
    assert_int_equal(send_request(s, &size, 1, 27182, 0, NULL), STATUS_OK);
    expect_response(s, 31415);
    stream_cancel(stream_client(s));
    expect_end(s, STATUS_CANCELLED, "context canceled");
    expect_final(s, STATUS_CANCELLED, "context canceled");
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(srv.requests, 1);
    assert_int_equal(srv.responses, 1);
    assert_int_equal(srv.end, STATUS_CANCELLED);
    ss = stream_get_stats(s);
    assert_int_equal(ss.bytes_discarded[STREAM_C2S], 0);
    assert_int_equal(ss.bytes_discarded[STREAM_S2C], 0);
    stream_destroy(s);
}

/* ------------------------------------------------------------------ */
/* timeout_on_sleeping_server                                         */
/* ------------------------------------------------------------------ */

#define SLEEPING_NS (50 * MS)

/*
 * timeout_on_sleeping_server, on real threads: FullDuplexCall with a 1 ms
 * timeout and one 27182-byte request, to a server that sleeps 50 ms after
 * each request. The call completes with DEADLINE_EXCEEDED. As in the C++
 * client, the send's own result is not checked: the deadline may already
 * have passed when it runs.
 */
static void test_interop_timeout_on_sleeping_server(void **state)
{
    struct stream *s = new_stream(0, 1 * MS);
    struct server srv;
    struct sched_thread t;
    enum status st = STATUS_OK;

    (void)state;
    server_init(&srv, s, FULL_DUPLEX);
    srv.sleep_ns = SLEEPING_NS;
    start_thread(&t, "server", server_main, &srv);
    st = send_request(s, NULL, 0, 27182, 0, NULL);
    assert_true(st == STATUS_OK || st == STATUS_DEADLINE_EXCEEDED);
    expect_end(s, STATUS_DEADLINE_EXCEEDED, "context deadline exceeded");
    expect_final(s, STATUS_DEADLINE_EXCEEDED, "context deadline exceeded");
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(srv.end, STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(srv.responses, 0);
    stream_destroy(s);
}

/* What a simulated timeout_on_sleeping_server run saw. */
struct sleeping_run {
    enum status setup;
    int64_t start_ns;
    enum status send_st;
    enum status recv_st;
    struct status_detail recv_why;
    int64_t recv_ns;
    struct server srv;
};

static enum status sleeping_body(void *arg)
{
    struct sleeping_run *r = arg;
    struct stream_options opts;
    struct stream *s = NULL;
    struct sched_thread t;
    struct frame_msg msg = {0};
    size_t len = 0;
    uint8_t *req = request_encode(NULL, 0, 27182, 0, NULL, &len);

    memset(&opts, 0, sizeof opts);
    opts.timeout_ns = 1 * MS;
    r->start_ns = sched_now_ns();
    r->setup = req == NULL ? STATUS_RESOURCE_EXHAUSTED
                           : stream_create(NULL, &opts, &s);
    if (r->setup != STATUS_OK)
        goto out;
    server_init(&r->srv, s, FULL_DUPLEX);
    r->srv.sleep_ns = SLEEPING_NS;
    r->setup = sched_thread_start(&t, "server", server_main, &r->srv);
    if (r->setup != STATUS_OK)
        goto out;
    r->send_st = stream_send(stream_client(s), req, len, NULL);
    r->recv_st = stream_recv(stream_client(s), &msg, &r->recv_why);
    r->recv_ns = sched_now_ns();
    sched_thread_join(&t);
out:
    frame_msg_free(&msg);
    stream_destroy(s);
    free(req);
    return STATUS_OK;
}

/*
 * timeout_on_sleeping_server in SIM mode. Virtual time stands still while
 * a thread can run, so the send always gets in, the server always gets
 * the request and goes to sleep, and the client's recv ends exactly at
 * the 1 ms deadline; the server wakes at 50 ms and finds the call over.
 * The same, whatever the seed.
 */
static void test_interop_timeout_on_sleeping_server_sim(void **state)
{
    uint64_t seed = 0;

    (void)state;
    for (seed = 1; seed <= 8; seed++) {
        struct sched_sim_options o;
        struct sched_sim_result res;
        struct sleeping_run r;
        enum status body = STATUS_UNKNOWN;

        memset(&o, 0, sizeof o);
        o.strategy = SCHED_RANDOM;
        o.seed = seed;
        memset(&r, 0, sizeof r);
        assert_int_equal(sched_sim_run(&o, sleeping_body, &r, &body, &res),
                         STATUS_OK);
        assert_int_equal(body, STATUS_OK);
        assert_false(res.deadlocked);
        sched_sim_result_free(&res);
        assert_int_equal(r.setup, STATUS_OK);
        assert_int_equal(r.send_st, STATUS_OK);
        assert_int_equal(r.recv_st, STATUS_DEADLINE_EXCEEDED);
        assert_string_equal(r.recv_why.text, "context deadline exceeded");
        assert_int_equal(r.recv_ns - r.start_ns, 1 * MS);
        assert_int_equal(r.srv.requests, 1);
        assert_int_equal(r.srv.payload_total, 27182);
        assert_int_equal(r.srv.end, STATUS_DEADLINE_EXCEEDED);
        assert_int_equal(r.srv.end_ns - r.start_ns, SLEEPING_NS);
        assert_int_equal(r.srv.responses, 0);
    }
}

/* ------------------------------------------------------------------ */
/* status_code_and_message                                            */
/* ------------------------------------------------------------------ */

/*
 * status_code_and_message: a request carrying code 2 and "test status
 * message", on UnaryCall and then on FullDuplexCall (followed by the
 * half-close). Both calls end with UNKNOWN (code 2) and that message, and
 * the server sends no response.
 */
static void check_status_echo(enum method m)
{
    struct stream *s = new_stream(0, 0);
    struct server srv;
    struct sched_thread t;
    struct frame_msg msg = {0};
    struct status_detail why;
    enum status st = STATUS_OK;
    unsigned responses = 0;

    start_server(&t, &srv, s, m);
    assert_int_equal(STATUS_UNKNOWN, 2);
    assert_int_equal(send_request(s, NULL, 0, 0, 2, test_status_message),
                     STATUS_OK);
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    while ((st = stream_recv(stream_client(s), &msg, &why)) == STATUS_OK)
        responses++;
    assert_int_equal(st, STATUS_UNKNOWN);
    assert_int_equal(why.code, STATUS_UNKNOWN);
    assert_string_equal(why.text, test_status_message);
    assert_int_equal(responses, 0);
    expect_final(s, STATUS_UNKNOWN, test_status_message);
    /* The final status is sticky. */
    expect_end(s, STATUS_UNKNOWN, test_status_message);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(srv.requests, 1);
    assert_int_equal(srv.finish_st, STATUS_OK);
    assert_int_equal(srv.responses, 0);
    frame_msg_free(&msg);
    stream_destroy(s);
}

static void test_interop_status_code_and_message(void **state)
{
    (void)state;
    check_status_echo(UNARY);
    check_status_echo(FULL_DUPLEX);
}

/* ------------------------------------------------------------------ */
/* half_duplex (C++ interop client)                                   */
/* ------------------------------------------------------------------ */

/*
 * half_duplex: HalfDuplexCall with four requests asking for 31415, 9,
 * 2653 and 58979 bytes, then the half-close; only then does the server
 * answer. Four responses, in order, and the call succeeds. Until the
 * half-close nothing can have come back.
 */
static void check_half_duplex(size_t capacity)
{
    struct stream *s = new_stream(capacity, 0);
    struct server srv;
    struct sched_thread t;
    int i = 0;

    start_server(&t, &srv, s, HALF_DUPLEX);
    for (i = 0; i < NSIZES; i++)
        assert_int_equal(send_request(s, &response_sizes[i], 1, 0, 0, NULL),
                         STATUS_OK);
    assert_int_equal(stream_get_stats(s).sent[STREAM_S2C], 0);
    assert_int_equal(pipe_buffered(stream_pipe(s, STREAM_S2C)), 0);
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    for (i = 0; i < NSIZES; i++)
        expect_response(s, response_sizes[i]);
    expect_success(s);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(srv.bad_request, 0);
    assert_int_equal(srv.requests, NSIZES);
    assert_int_equal(srv.responses, NSIZES);
    assert_int_equal(srv.end, STATUS_EOF);
    assert_int_equal(srv.finish_st, STATUS_OK);
    stream_destroy(s);
}

static void test_interop_half_duplex(void **state)
{
    (void)state;
    check_half_duplex(0);
    check_half_duplex(1000);
}

/* ------------------------------------------------------------------ */
/* Slow consumer (C++ interop client)                                 */
/* ------------------------------------------------------------------ */

/* What a slow consumer saw (it may run simulated: it never asserts). */
struct slow_run {
    size_t capacity;
    int64_t delay_ns; /* the consumer's pause after each message */
    enum status setup;
    enum status send_st;
    unsigned received;
    unsigned bad; /* responses of the wrong size or not zeros */
    enum status end;
    enum status final;
    int64_t elapsed_ns;
    struct stream_stats stats;
    struct server srv;
};

static enum status slow_body(void *arg)
{
    struct slow_run *r = arg;
    uint32_t *sizes = malloc(SLOW_MESSAGES * sizeof *sizes);
    struct stream_options opts;
    struct stream *s = NULL;
    struct sched_thread t;
    struct frame_msg msg = {0};
    int64_t start = sched_now_ns();
    size_t len = 0;
    uint8_t *req = NULL;
    unsigned i = 0;

    for (i = 0; sizes != NULL && i < SLOW_MESSAGES; i++)
        sizes[i] = SLOW_SIZE;
    if (sizes != NULL)
        req = request_encode(sizes, SLOW_MESSAGES, 0, 0, NULL, &len);
    memset(&opts, 0, sizeof opts);
    opts.capacity = r->capacity;
    r->setup = req == NULL ? STATUS_RESOURCE_EXHAUSTED
                           : stream_create(NULL, &opts, &s);
    if (r->setup != STATUS_OK)
        goto out;
    server_init(&r->srv, s, STREAMING_OUTPUT);
    r->setup = sched_thread_start(&t, "server", server_main, &r->srv);
    if (r->setup != STATUS_OK)
        goto out;
    r->send_st = stream_send(stream_client(s), req, len, NULL);
    stream_close_send(stream_client(s));
    while ((r->end = stream_recv(stream_client(s), &msg, NULL)) == STATUS_OK) {
        if (msg.length != SLOW_SIZE || !all_zero(msg.data, msg.length))
            r->bad++;
        r->received++;
        sched_sleep_ns(r->delay_ns);
    }
    r->elapsed_ns = sched_now_ns() - start;
    r->final = stream_final_status(s, NULL);
    sched_thread_join(&t);
    r->stats = stream_get_stats(s);
out:
    frame_msg_free(&msg);
    stream_destroy(s);
    free(req);
    free(sizes);
    return STATUS_OK;
}

static void expect_slow_run_ok(const struct slow_run *r)
{
    assert_int_equal(r->setup, STATUS_OK);
    assert_int_equal(r->send_st, STATUS_OK);
    assert_int_equal(r->received, SLOW_MESSAGES);
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->end, STATUS_EOF);
    assert_int_equal(r->final, STATUS_OK);
    assert_int_equal(r->srv.responses, SLOW_MESSAGES);
    assert_int_equal(r->srv.send_st, STATUS_OK);
    assert_int_equal(r->srv.finish_st, STATUS_OK);
    assert_int_equal(r->stats.received[STREAM_S2C], SLOW_MESSAGES);
}

/*
 * The C++ client's DoResponseStreamingWithSlowConsumer, in SIM mode with
 * its own numbers: 2000 responses of 1030 bytes, and the client sleeps
 * 20 ms after each. Every response arrives, whole and in order, and the
 * call succeeds; the server was held back by flow control (it found the
 * 64 KiB pipe full), and the run took exactly 2000 x 20 ms = 40 s of
 * virtual time, since only the consumer's sleeps move the clock.
 */
static void test_interop_slow_consumer_sim(void **state)
{
    struct sched_sim_options o;
    struct sched_sim_result res;
    struct slow_run *r = calloc(1, sizeof *r);
    enum status body = STATUS_UNKNOWN;

    (void)state;
    assert_non_null(r);
    memset(&o, 0, sizeof o);
    o.strategy = SCHED_RANDOM;
    o.seed = 7;
    r->capacity = 0;
    r->delay_ns = SLOW_DELAY_NS;
    assert_int_equal(sched_sim_run(&o, slow_body, r, &body, &res), STATUS_OK);
    assert_int_equal(body, STATUS_OK);
    assert_false(res.deadlocked);
    sched_sim_result_free(&res);
    expect_slow_run_ok(r);
    assert_true(r->stats.write_waits[STREAM_S2C] > 0);
    assert_int_equal(r->elapsed_ns, (int64_t)SLOW_MESSAGES * SLOW_DELAY_NS);
    free(r);
}

/*
 * The same on real threads, scaled to stay fast: the consumer pauses
 * 20 us (not 20 ms) after each message, and the pipe holds 4 KiB (under
 * four responses), so the server keeps catching up with the consumer.
 * The pause is the behaviour under test, not a way to order threads.
 */
static void test_interop_slow_consumer(void **state)
{
    struct slow_run *r = calloc(1, sizeof *r);
    struct sched_thread t;

    (void)state;
    assert_non_null(r);
    r->capacity = 4096;
    r->delay_ns = 20000;
    start_thread(&t, "client", slow_body, r);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    expect_slow_run_ok(r);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interop_ping_pong),
        cmocka_unit_test(test_interop_empty_stream),
        cmocka_unit_test(test_interop_client_streaming),
        cmocka_unit_test(test_interop_server_streaming),
        cmocka_unit_test(test_interop_cancel_after_begin),
        cmocka_unit_test(test_interop_cancel_after_first_response),
        cmocka_unit_test(test_interop_timeout_on_sleeping_server),
        cmocka_unit_test(test_interop_timeout_on_sleeping_server_sim),
        cmocka_unit_test(test_interop_status_code_and_message),
        cmocka_unit_test(test_interop_half_duplex),
        cmocka_unit_test(test_interop_slow_consumer_sim),
        cmocka_unit_test(test_interop_slow_consumer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

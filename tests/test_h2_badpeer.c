/*
 * test_h2_badpeer: duplex's end of an HTTP/2 connection on a loopback
 * socket (src/h2/h2_socket.c, h2_conn.c) against a peer that misbehaves.
 *
 * The peer is this test writing raw bytes on its end of the socket: a
 * preface, frames, or nothing at all. Each case checks three things:
 *   - the status duplex's end reports, and its words;
 *   - that it came within a bound: the call returned at all before the
 *     test's own generous limit (BADPEER_LIMIT_S), run on a thread the
 *     test waits for. How fast it came is never asserted;
 *   - that nothing is left behind once the call is destroyed: threads
 *     (/proc/self/task), descriptors (/proc/self/fd) and heap blocks
 *     (this binary counts every malloc and free, nghttp2's too, as
 *     test_hub.c does) are what they were before, exactly.
 *
 * The peers: garbage instead of the preface (either end), a preface cut
 * off and then silence, a flood of SETTINGS and one of PING (their ACKs
 * never read), a peer that vanishes mid-call (either end), one that never
 * reads what duplex sends (with a deadline, and without), and one whose
 * request headers are over the limit.
 */
/* cmocka.h needs these four first, in this order: keep them unsorted. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/frame.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"
#include "core/wire.h"
#include "h2/h2_socket.h"
#include "h2/h2_wire.h"
#include "held.h"
#include "support.h"

/* The test's own limit on anything it waits for: far above any bound. */
#define BADPEER_LIMIT_S 30

/* The idle timeout the tests give a server end waiting for a request. */
#define BADPEER_IDLE_MS 300

/* ---- what the process holds: threads, descriptors, heap blocks ---- */

struct held {
    int threads, fds;
    long heap;
};

static struct held held_now(void)
{
    struct held h;

    h.threads = held_entries("/proc/self/task");
    h.fds = held_entries("/proc/self/fd");
    h.heap = held_heap();
    return h;
}

/* Everything taken since before is given back. */
static void assert_nothing_left(struct held before)
{
    struct held now = held_now();

    if (now.threads != before.threads || now.fds != before.fds ||
        now.heap != before.heap)
        fail_msg("left behind: threads %d -> %d, descriptors %d -> %d, "
                 "heap blocks %ld -> %ld",
                 before.threads, now.threads, before.fds, now.fds,
                 before.heap, now.heap);
}

/* ---- bounded: a call on a thread, waited for at most the limit ----- */

struct bounded {
    enum status (*fn)(void *arg);
    void *arg;
    struct sched_mutex mu;
    struct sched_cond done_cv;
    int done;
    struct sched_thread t;
};

static enum status bounded_main(void *arg)
{
    struct bounded *b = arg;
    enum status st = b->fn(b->arg);

    sched_mutex_lock(&b->mu);
    b->done = 1;
    sched_cond_broadcast(&b->done_cv);
    sched_mutex_unlock(&b->mu);
    return st;
}

/*
 * Runs fn(arg) on a thread and waits for it at most BADPEER_LIMIT_S:
 * fails the test when it has not returned by then (the thread is left:
 * the test is lost anyway). Returns what fn returned.
 */
static enum status run_bounded(const char *what, enum status (*fn)(void *),
                               void *arg)
{
    struct bounded b;
    int64_t until = sched_now_ns() + (int64_t)BADPEER_LIMIT_S * 1000000000;
    int done = 0;

    memset(&b, 0, sizeof b);
    b.fn = fn;
    b.arg = arg;
    sched_mutex_init(&b.mu);
    sched_cond_init(&b.done_cv);
    assert_int_equal(sched_thread_start(&b.t, "bounded", bounded_main, &b),
                     STATUS_OK);
    sched_mutex_lock(&b.mu);
    while (!b.done && sched_now_ns() < until)
        sched_cond_timedwait(&b.done_cv, &b.mu, until);
    done = b.done;
    sched_mutex_unlock(&b.mu);
    if (!done)
        fail_msg("%s did not return within %d s", what, BADPEER_LIMIT_S);
    sched_thread_join(&b.t); /* returns fn's status: ours below */
    sched_cond_destroy(&b.done_cv);
    sched_mutex_destroy(&b.mu);
    return b.t.result;
}

static enum status destroy_main(void *arg)
{
    stream_destroy(arg);
    return STATUS_OK;
}

/* stream_destroy(s), which must return: every thread joined. */
static void destroy_bounded(struct stream *s)
{
    run_bounded("stream_destroy", destroy_main, s);
}

/* ---- the peer's bytes ------------------------------------------------ */

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum { T_DATA = 0, T_HEADERS = 1, T_SETTINGS = 4, T_PING = 6, T_GOAWAY = 7,
       T_WINDOW_UPDATE = 8, T_CONTINUATION = 9 };
enum { F_END_STREAM = 1, F_END_HEADERS = 4 };

/* A frame's 9-byte header at p. */
static void put_frame_header(uint8_t *p, size_t len, uint8_t type,
                             uint8_t flags, uint32_t stream)
{
    p[0] = (uint8_t)(len >> 16);
    p[1] = (uint8_t)(len >> 8);
    p[2] = (uint8_t)len;
    p[3] = type;
    p[4] = flags;
    p[5] = (uint8_t)(stream >> 24);
    p[6] = (uint8_t)(stream >> 16);
    p[7] = (uint8_t)(stream >> 8);
    p[8] = (uint8_t)stream;
}

/* Writes all n bytes (the peer's end; a failure fails the test). */
static void peer_write(int fd, const void *buf, size_t n)
{
    assert_int_equal(h2_socket_write(fd, buf, n), STATUS_OK);
}

static void peer_frame(int fd, uint8_t type, uint8_t flags, uint32_t stream,
                       const void *payload, size_t len)
{
    uint8_t hdr[9];

    put_frame_header(hdr, len, type, flags, stream);
    peer_write(fd, hdr, sizeof hdr);
    if (len > 0)
        peer_write(fd, payload, len);
}

/* A SETTINGS frame with one setting (id, value). */
static void peer_setting(int fd, uint16_t id, uint32_t value)
{
    uint8_t p[6] = {(uint8_t)(id >> 8),     (uint8_t)id,
                    (uint8_t)(value >> 24), (uint8_t)(value >> 16),
                    (uint8_t)(value >> 8),  (uint8_t)value};

    peer_frame(fd, T_SETTINGS, 0, 0, p, sizeof p);
}

/*
 * One header as HPACK's "literal without indexing, new name" (RFC 7541,
 * 6.2.2), lengths below 127: no table, no Huffman. Returns its bytes.
 */
static size_t hpack_literal(uint8_t *p, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);

    assert_true(nl < 127 && vl < 127);
    p[0] = 0x00;
    p[1] = (uint8_t)nl;
    memcpy(p + 2, name, nl);
    p[2 + nl] = (uint8_t)vl;
    memcpy(p + 3 + nl, value, vl);
    return 3 + nl + vl;
}

/* A gRPC request's header block for /chat.ChatService/Chat. */
static size_t request_block(uint8_t *p)
{
    size_t n = 0;

    n += hpack_literal(p + n, ":method", "POST");
    n += hpack_literal(p + n, ":scheme", "http");
    n += hpack_literal(p + n, ":path", "/chat.ChatService/Chat");
    n += hpack_literal(p + n, ":authority", "badpeer");
    n += hpack_literal(p + n, "content-type", "application/grpc");
    n += hpack_literal(p + n, "te", "trailers");
    return n;
}

/* The client's preface, its SETTINGS, and a request on stream 1. */
static void peer_request(int fd)
{
    uint8_t block[512];
    size_t n = request_block(block);

    peer_write(fd, preface, sizeof preface - 1);
    peer_frame(fd, T_SETTINGS, 0, 0, NULL, 0);
    peer_frame(fd, T_HEADERS, F_END_HEADERS, 1, block, n);
}

/* One gRPC message (5-byte prefix, then text) as DATA on stream 1. */
static void peer_message(int fd, const char *text)
{
    uint8_t p[64];
    size_t n = strlen(text);

    assert_true(n + 5 <= sizeof p);
    p[0] = 0;
    p[1] = p[2] = p[3] = 0;
    p[4] = (uint8_t)n;
    memcpy(p + 5, text, n);
    peer_frame(fd, T_DATA, 0, 1, p, n + 5);
}

/*
 * Reads what duplex sends until it ends the connection (EOF or a reset),
 * waiting at most the limit for each read. Returns the bytes read (at
 * most cap kept in buf).
 */
static size_t peer_read_to_end(int fd, uint8_t *buf, size_t cap)
{
    size_t n = 0;

    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        uint8_t scratch[4096];
        ssize_t got = 0;

        assert_int_equal(poll(&p, 1, BADPEER_LIMIT_S * 1000), 1);
        got = read(fd, scratch, sizeof scratch);
        if (got <= 0)
            return n;
        if (n + (size_t)got <= cap)
            memcpy(buf + n, scratch, (size_t)got);
        n += (size_t)got;
    }
}

/*
 * The code of the first GOAWAY among the frames in buf (n bytes, starting
 * at a frame), or -1 when there is none.
 */
static long goaway_code(const uint8_t *buf, size_t n)
{
    size_t off = 0;

    while (off + 9 <= n) {
        size_t len = ((size_t)buf[off] << 16) | ((size_t)buf[off + 1] << 8) |
                     buf[off + 2];

        if (buf[off + 3] == T_GOAWAY && off + 9 + len <= n && len >= 8)
            return ((long)buf[off + 13] << 24) | (buf[off + 14] << 16) |
                   (buf[off + 15] << 8) | buf[off + 16];
        off += 9 + len;
    }
    return -1;
}

/*
 * Reads the client's preface and frames until its request HEADERS (on
 * stream 1) are in, as a server would before it answers.
 */
static void peer_read_request(int fd)
{
    uint8_t buf[4096];
    size_t n = 0, off = sizeof preface - 1;

    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t got = 0;

        assert_int_equal(poll(&p, 1, BADPEER_LIMIT_S * 1000), 1);
        got = read(fd, buf + n, sizeof buf - n);
        assert_true(got > 0);
        n += (size_t)got;
        while (off + 9 <= n) {
            size_t len = ((size_t)buf[off] << 16) |
                         ((size_t)buf[off + 1] << 8) | buf[off + 2];

            if (buf[off + 3] == T_HEADERS)
                return;
            off += 9 + len;
        }
        assert_true(n < sizeof buf);
    }
}

/* ---- duplex's end ------------------------------------------------------ */

/*
 * A connected loopback pair: *ours goes to duplex's end (side), *peer is
 * the test's.
 */
static void socket_pair(int side, int *ours, int *peer)
{
    int fds[2];

    assert_int_equal(h2_socket_loopback_pair(fds, NULL), STATUS_OK);
    *ours = side == H2_PEER_SERVER ? fds[1] : fds[0];
    *peer = side == H2_PEER_SERVER ? fds[0] : fds[1];
}

/*
 * As socket_pair for duplex's server end, with the buffers of what duplex
 * sends kept small: its send buffer, and the peer's receive buffer, set
 * before the connection is made (a window already offered is never
 * taken back). Loopback's own grow to megabytes, which a peer that reads
 * nothing would take long to fill. (Only that direction: a small receive
 * buffer on duplex's side slows what the peer sends to TCP's zero-window
 * probes.)
 */
static void small_socket_pair(int *ours, int *peer)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int lfd = -1, n = 4096;
    uint16_t port = 0;

    assert_int_equal(h2_socket_listen("127.0.0.1", 0, &lfd, &port, NULL),
                     STATUS_OK);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
    *peer = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(*peer >= 0);
    assert_int_equal(
        setsockopt(*peer, SOL_SOCKET, SO_RCVBUF, &n, sizeof n), 0);
    assert_int_equal(connect(*peer, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(h2_socket_accept(lfd, BADPEER_LIMIT_S * 1000, ours, NULL),
                     STATUS_OK);
    close(lfd);
    assert_int_equal(
        setsockopt(*ours, SOL_SOCKET, SO_SNDBUF, &n, sizeof n), 0);
}

/* duplex's end (side) of a call on fd; the wire owns fd from here. */
static struct stream *our_end(int side, int fd, int64_t timeout_ns)
{
    struct h2_peer p = {fd, side, ""};
    struct wire_type t = {"h2", h2_peer_wire_create, &p};
    struct stream_options o;
    struct stream *s = NULL;

    memset(&o, 0, sizeof o);
    o.wire = &t;
    o.timeout_ns = timeout_ns;
    assert_int_equal(stream_create(NULL, &o, &s), STATUS_OK);
    return s;
}

struct awaited {
    struct stream *s;
    int64_t idle_ms;
    struct status_detail why;
    char path[128];
};

static enum status await_main(void *arg)
{
    struct awaited *a = arg;

    return h2_peer_wire_await_request(stream_wire(a->s),
                                      sched_now_ns() + a->idle_ms * 1000000,
                                      a->path, sizeof a->path, &a->why);
}

/*
 * The server end waits for the peer's request as duplex serve does, with
 * its idle timeout (idle_ms); bounded. Returns what it said.
 */
static enum status await_request(struct stream *s, int64_t idle_ms,
                                 struct awaited *a)
{
    memset(a, 0, sizeof *a);
    a->s = s;
    a->idle_ms = idle_ms;
    return run_bounded("h2_peer_wire_await_request", await_main, a);
}

struct received {
    struct stream_end *e;
    struct frame_msg msg;
    struct status_detail why;
};

static enum status recv_main(void *arg)
{
    struct received *r = arg;

    return stream_recv(r->e, &r->msg, &r->why);
}

/* stream_recv on e, bounded; the message (if any) is freed. */
static enum status recv_bounded(struct stream_end *e, char *text, size_t cap,
                                struct status_detail *why)
{
    struct received r;
    enum status st = STATUS_OK;

    memset(&r, 0, sizeof r);
    r.e = e;
    st = run_bounded("stream_recv", recv_main, &r);
    if (st == STATUS_OK && text != NULL)
        snprintf(text, cap, "%.*s", (int)r.msg.length, (char *)r.msg.data);
    if (why != NULL)
        *why = r.why;
    frame_msg_free(&r.msg);
    return st;
}

/* ---- the cases ------------------------------------------------------- */

static enum status idle_main(void *arg)
{
    latch_wait(arg);
    return STATUS_OK;
}

/*
 * Before the first count: glibc keeps the stacks of ended threads for
 * the next ones, each with its TLS block from malloc, so the first
 * threads of a process leave blocks behind that are no leak. Six at once
 * (no case runs more than four) fill that cache; later threads reuse it.
 */
static int warm_up(void **state)
{
    struct sched_thread t[6];
    struct latch go;
    int i = 0;

    (void)state;
    latch_init(&go);
    for (i = 0; i < 6; i++)
        if (sched_thread_start(&t[i], "warm-up", idle_main, &go) != STATUS_OK)
            return -1;
    latch_open(&go);
    for (i = 0; i < 6; i++)
        sched_thread_join(&t[i]);
    latch_destroy(&go);
    return 0;
}

/*
 * A peer that speaks HTTP/1.1 to the server: UNAVAILABLE, "not HTTP/2",
 * and the connection ends (the peer reads its end).
 */
static void test_h2_badpeer_garbage_to_the_server(void **state)
{
    static const char garbage[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    struct held before = held_now();
    struct awaited a;
    uint8_t buf[4096];
    size_t n = 0;
    int ours = -1, peer = -1;
    struct stream *s = NULL;

    (void)state;
    socket_pair(H2_PEER_SERVER, &ours, &peer);
    s = our_end(H2_PEER_SERVER, ours, 0);
    peer_write(peer, garbage, sizeof garbage - 1);
    assert_int_equal(await_request(s, 20000, &a), STATUS_UNAVAILABLE);
    assert_has(a.why.text, "the peer sent what is not HTTP/2");
    /* Its SETTINGS at most, then the end: nothing else is HTTP/2 to it. */
    n = peer_read_to_end(peer, buf, sizeof buf);
    assert_true(n <= 9 + 6 * 3 && n < sizeof buf);
    assert_int_equal(goaway_code(buf, n), -1);
    destroy_bounded(s);
    close(peer);
    assert_nothing_left(before);
}

/* A server that answers the client's preface with HTTP/1.1. */
static void test_h2_badpeer_garbage_to_the_client(void **state)
{
    static const char garbage[] =
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    struct held before = held_now();
    struct status_detail why;
    int ours = -1, peer = -1;
    struct stream *s = NULL;

    (void)state;
    socket_pair(H2_PEER_CLIENT, &ours, &peer);
    s = our_end(H2_PEER_CLIENT, ours, 0);
    peer_write(peer, garbage, sizeof garbage - 1);
    assert_int_equal(recv_bounded(stream_client(s), NULL, 0, &why),
                     STATUS_UNAVAILABLE);
    assert_has(why.text, "the connection is gone");
    destroy_bounded(s);
    close(peer);
    assert_nothing_left(before);
}

/*
 * A right preface, then a frame HTTP/2 forbids (DATA on stream 0, a
 * connection error), then silence with the socket open: nghttp2 ends its
 * session with GOAWAY(PROTOCOL_ERROR), which the peer gets, and would
 * drop whatever comes; the server stops reading and says UNAVAILABLE at
 * once, not at its idle timeout.
 */
static void test_h2_badpeer_protocol_error_then_silence(void **state)
{
    struct held before = held_now();
    struct awaited a;
    uint8_t buf[4096];
    size_t got = 0;
    int ours = -1, peer = -1;
    struct stream *s = NULL;

    (void)state;
    socket_pair(H2_PEER_SERVER, &ours, &peer);
    s = our_end(H2_PEER_SERVER, ours, 0);
    peer_write(peer, preface, sizeof preface - 1);
    peer_frame(peer, T_SETTINGS, 0, 0, NULL, 0);
    peer_frame(peer, T_DATA, 0, 0, "x", 1);
    assert_int_equal(await_request(s, BADPEER_LIMIT_S * 1000, &a),
                     STATUS_UNAVAILABLE);
    assert_string_equal(a.why.text, "the peer broke the HTTP/2 protocol "
                                    "(GOAWAY PROTOCOL_ERROR)");
    got = peer_read_to_end(peer, buf, sizeof buf);
    assert_true(got < sizeof buf);
    assert_int_equal(goaway_code(buf, got), 0x1); /* PROTOCOL_ERROR */
    destroy_bounded(s);
    close(peer);
    assert_nothing_left(before);
}

/*
 * Half a preface, then silence (the socket stays open): the server's idle
 * timeout ends the wait (DEADLINE_EXCEEDED), and destroying the call
 * still returns although the peer never closes its end.
 */
static void test_h2_badpeer_stops_mid_preface(void **state)
{
    struct held before = held_now();
    struct awaited a;
    int ours = -1, peer = -1;
    struct stream *s = NULL;

    (void)state;
    socket_pair(H2_PEER_SERVER, &ours, &peer);
    s = our_end(H2_PEER_SERVER, ours, 0);
    peer_write(peer, preface, 10);
    assert_int_equal(await_request(s, BADPEER_IDLE_MS, &a),
                     STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(a.why.text, "no request before the idle timeout");
    destroy_bounded(s);
    close(peer);
    assert_nothing_left(before);
}

/*
 * Writes count frames of type (an empty SETTINGS, or a PING) as fast as
 * the socket takes them, never reading the ACKs. Stops early when duplex
 * has ended the connection (the write fails). Most of them may be in
 * duplex's receive buffer, not yet read, when this returns.
 */
static void flood(int fd, uint8_t type, long count)
{
    uint8_t batch[17 * 256];
    size_t one = type == T_PING ? 17 : 9;
    long sent = 0;
    int i = 0;

    memset(batch, 0, sizeof batch);
    for (i = 0; i < 256; i++)
        put_frame_header(batch + (size_t)i * one, one - 9, type, 0, 0);
    while (sent < count) {
        if (h2_socket_write(fd, batch, one * 256) != STATUS_OK)
            break;
        sent += 256;
    }
}

/*
 * 100,000 SETTINGS frames whose ACKs are never read: nghttp2 keeps at
 * most 1,000 ACKs queued (nghttp2_option_set_max_outbound_ack's default)
 * and then calls it a flood. The connection ends; the server says
 * RESOURCE_EXHAUSTED, in words that name the flood.
 */
static void test_h2_badpeer_settings_flood(void **state)
{
    struct held before = held_now();
    struct awaited a;
    int ours = -1, peer = -1;
    struct stream *s = NULL;

    (void)state;
    small_socket_pair(&ours, &peer);
    s = our_end(H2_PEER_SERVER, ours, 0);
    peer_write(peer, preface, sizeof preface - 1);
    flood(peer, T_SETTINGS, 100000);
    assert_int_equal(await_request(s, 20000, &a), STATUS_RESOURCE_EXHAUSTED);
    assert_has(a.why.text, "flood");
    peer_read_to_end(peer, NULL, 0); /* the connection has ended */
    destroy_bounded(s);
    close(peer);
    assert_nothing_left(before);
}

/*
 * 100,000 PINGs in the middle of a call, their ACKs never read: the
 * connection ends, and the handler's recv says UNAVAILABLE.
 */
static void test_h2_badpeer_ping_flood(void **state)
{
    struct held before = held_now();
    struct awaited a;
    struct status_detail why;
    int ours = -1, peer = -1;
    struct stream *s = NULL;

    (void)state;
    small_socket_pair(&ours, &peer);
    s = our_end(H2_PEER_SERVER, ours, 0);
    peer_request(peer);
    assert_int_equal(await_request(s, 20000, &a), STATUS_OK);
    flood(peer, T_PING, 100000);
    assert_int_equal(recv_bounded(stream_server(s), NULL, 0, &why),
                     STATUS_UNAVAILABLE);
    assert_has(why.text, "the connection is gone");
    peer_read_to_end(peer, NULL, 0);
    destroy_bounded(s);
    close(peer);
    assert_nothing_left(before);
}

/*
 * The client sends its request and one message, then closes its socket:
 * the handler gets the message, then UNAVAILABLE.
 */
static void test_h2_badpeer_client_vanishes_mid_call(void **state)
{
    struct held before = held_now();
    struct awaited a;
    struct status_detail why;
    char text[64] = "";
    int ours = -1, peer = -1;
    struct stream *s = NULL;

    (void)state;
    socket_pair(H2_PEER_SERVER, &ours, &peer);
    s = our_end(H2_PEER_SERVER, ours, 0);
    peer_request(peer);
    peer_message(peer, "hello");
    close(peer);
    assert_int_equal(await_request(s, 20000, &a), STATUS_OK);
    assert_string_equal(a.path, "/chat.ChatService/Chat");
    assert_int_equal(recv_bounded(stream_server(s), text, sizeof text, NULL),
                     STATUS_OK);
    assert_string_equal(text, "hello");
    assert_int_equal(recv_bounded(stream_server(s), NULL, 0, &why),
                     STATUS_UNAVAILABLE);
    assert_has(why.text, "the connection is gone");
    destroy_bounded(s);
    assert_nothing_left(before);
}

/*
 * The server answers with its SETTINGS, response HEADERS and one message,
 * then closes its socket: the client gets the message, then UNAVAILABLE.
 */
static void test_h2_badpeer_server_vanishes_mid_call(void **state)
{
    struct held before = held_now();
    struct status_detail why;
    uint8_t block[256];
    size_t n = 0;
    char text[64] = "";
    int ours = -1, peer = -1;
    struct stream *s = NULL;

    (void)state;
    socket_pair(H2_PEER_CLIENT, &ours, &peer);
    s = our_end(H2_PEER_CLIENT, ours, 0);
    peer_read_request(peer);
    n += hpack_literal(block + n, ":status", "200");
    n += hpack_literal(block + n, "content-type", "application/grpc");
    peer_frame(peer, T_SETTINGS, 0, 0, NULL, 0);
    peer_frame(peer, T_HEADERS, F_END_HEADERS, 1, block, n);
    peer_message(peer, "hello");
    close(peer);
    assert_int_equal(recv_bounded(stream_client(s), text, sizeof text, NULL),
                     STATUS_OK);
    assert_string_equal(text, "hello");
    assert_int_equal(recv_bounded(stream_client(s), NULL, 0, &why),
                     STATUS_UNAVAILABLE);
    assert_has(why.text, "the connection is gone");
    destroy_bounded(s);
    assert_nothing_left(before);
}

/* ---- a peer that never reads ----------------------------------------- */

/*
 * A client whose windows are as large as HTTP/2 allows (so flow control
 * never stops duplex: only TCP does), that sends its request and then
 * reads nothing, ever.
 */
static void peer_request_never_reading(int fd)
{
    uint8_t inc[4] = {0x7f, 0xff, 0x00, 0x00}; /* + 2^31 - 65,536 */
    uint8_t block[512];
    size_t n = request_block(block);

    peer_write(fd, preface, sizeof preface - 1);
    peer_setting(fd, 0x4, 0x7fffffff); /* SETTINGS_INITIAL_WINDOW_SIZE */
    peer_frame(fd, T_WINDOW_UPDATE, 0, 0, inc, sizeof inc);
    peer_frame(fd, T_HEADERS, F_END_HEADERS, 1, block, n);
}

struct sender {
    struct stream_end *e;
    struct wire *wire;        /* not NULL: send on it (s2c) directly */
    long sent;                /* messages sent */
    struct status_detail why; /* why the last send failed */
};

/* Sends 1 MiB messages until a send fails (at most 1,000). */
static enum status send_main(void *arg)
{
    struct sender *snd = arg;
    size_t n = 1 << 20;
    uint8_t *big = calloc(1, n);
    enum status st = STATUS_RESOURCE_EXHAUSTED;

    while (big != NULL && snd->sent < 1000) {
        st = snd->wire != NULL
                 ? wire_send(snd->wire, 1, big, n, (uint32_t)n, &snd->why)
                 : stream_send(snd->e, big, n, &snd->why);
        if (st != STATUS_OK)
            break;
        snd->sent++;
    }
    free(big);
    return st;
}

/* How long the tests let a send wait for the peer's TCP window. */
#define BADPEER_SEND_TIMEOUT_MS 300

/*
 * The peer never reads; the handler's call has a deadline (300 ms, well
 * before the socket's send timeout): its send, stuck behind the full TCP
 * window, ends with DEADLINE_EXCEEDED, and destroying the call returns
 * (the writer blocked in send(2) is freed by the send timeout, the
 * reader by the linger's end), every thread joined.
 */
static void test_h2_badpeer_never_reads_deadline(void **state)
{
    struct held before = held_now();
    struct awaited a;
    struct sender snd;
    int ours = -1, peer = -1;
    struct stream *s = NULL;

    (void)state;
    small_socket_pair(&ours, &peer);
    assert_int_equal(h2_socket_set_send_timeout(ours, BADPEER_SEND_TIMEOUT_MS * 10),
                     STATUS_OK);
    s = our_end(H2_PEER_SERVER, ours, 300000000);
    peer_request_never_reading(peer);
    assert_int_equal(await_request(s, 20000, &a), STATUS_OK);
    memset(&snd, 0, sizeof snd);
    snd.e = stream_server(s);
    assert_int_equal(run_bounded("stream_send", send_main, &snd),
                     STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(snd.why.text, "context deadline exceeded");
    assert_true(snd.sent < 1000);
    destroy_bounded(s);
    close(peer);
    assert_nothing_left(before);
}

/*
 * The peer never reads and the call has no deadline: the socket's send
 * timeout ends the connection, and the stuck send says UNAVAILABLE. The
 * wire's send is called here, as the stream's own send words what it
 * gets differently (see notes/real-peers.md).
 */
static void test_h2_badpeer_never_reads_send_timeout(void **state)
{
    struct held before = held_now();
    struct awaited a;
    struct sender snd;
    int ours = -1, peer = -1;
    struct stream *s = NULL;

    (void)state;
    small_socket_pair(&ours, &peer);
    assert_int_equal(h2_socket_set_send_timeout(ours, BADPEER_SEND_TIMEOUT_MS),
                     STATUS_OK);
    s = our_end(H2_PEER_SERVER, ours, 0);
    peer_request_never_reading(peer);
    assert_int_equal(await_request(s, 20000, &a), STATUS_OK);
    memset(&snd, 0, sizeof snd);
    snd.wire = stream_wire(s);
    assert_int_equal(run_bounded("wire_send", send_main, &snd),
                     STATUS_UNAVAILABLE);
    assert_true(snd.sent < 1000);
    destroy_bounded(s);
    close(peer);
    assert_nothing_left(before);
}

/*
 * A socket handed to a wire without a send timeout of its own gets
 * H2_SOCKET_SEND_TIMEOUT_MS: a peer that reads nothing cannot hold a
 * send, and so the teardown's join, for ever.
 */
static void test_h2_badpeer_sockets_get_a_send_timeout(void **state)
{
    struct held before = held_now();
    int ours = -1, peer = -1;
    struct stream *s = NULL;

    (void)state;
    socket_pair(H2_PEER_SERVER, &ours, &peer);
    assert_int_equal(h2_socket_send_timeout(ours), 0);
    s = our_end(H2_PEER_SERVER, ours, 0);
    assert_int_equal(h2_socket_send_timeout(ours), H2_SOCKET_SEND_TIMEOUT_MS);
    close(peer);
    destroy_bounded(s);
    assert_nothing_left(before);
}

/* The value of setting id in the SETTINGS frame at buf (n bytes), or -1. */
static long setting_value(const uint8_t *buf, size_t n, uint16_t id)
{
    size_t len = n >= 9 ? ((size_t)buf[1] << 8) | buf[2] : 0, off = 9;

    if (n < 9 || buf[3] != T_SETTINGS || 9 + len > n)
        return -1;
    for (off = 9; off + 6 <= 9 + len; off += 6)
        if (((buf[off] << 8) | buf[off + 1]) == id)
            return ((long)buf[off + 2] << 24) | (buf[off + 3] << 16) |
                   (buf[off + 4] << 8) | buf[off + 5];
    return -1;
}

/*
 * Request headers over duplex's limit (H2_SOCKET_MAX_HEADER_LIST): one
 * header of 40,000 bytes, in a HEADERS frame and CONTINUATIONs. The
 * server says RESOURCE_EXHAUSTED with the limit in its words, at once.
 */
static void test_h2_badpeer_request_headers_too_large(void **state)
{
    struct held before = held_now();
    struct awaited a;
    size_t vl = 40000, n = 0, off = 0, rest = 0, got = 0;
    uint8_t first[256];
    uint8_t *block = malloc(vl + 600);
    int ours = -1, peer = -1;
    struct stream *s = NULL;

    (void)state;
    assert_non_null(block);
    socket_pair(H2_PEER_SERVER, &ours, &peer);
    s = our_end(H2_PEER_SERVER, ours, 0);
    /* Its SETTINGS, its first frame, says so (0x6) before anything. */
    while (got < 9 + 3 * 6) {
        struct pollfd p = {peer, POLLIN, 0};
        ssize_t r = 0;

        assert_int_equal(poll(&p, 1, BADPEER_LIMIT_S * 1000), 1);
        r = read(peer, first + got, 9 + 3 * 6 - got);
        assert_true(r > 0);
        got += (size_t)r;
    }
    assert_int_equal(setting_value(first, got, 0x6),
                     H2_SOCKET_MAX_HEADER_LIST);
    n = request_block(block);
    /* x-big: a literal whose value length needs HPACK's longer form. */
    block[n++] = 0x00;
    block[n++] = 5;
    memcpy(block + n, "x-big", 5);
    n += 5;
    block[n++] = 0x7f; /* 127, then the rest 7 bits at a time */
    for (rest = vl - 127; rest >= 0x80; rest >>= 7)
        block[n++] = (uint8_t)((rest & 0x7f) | 0x80);
    block[n++] = (uint8_t)rest;
    memset(block + n, 'x', vl);
    n += vl;
    peer_write(peer, preface, sizeof preface - 1);
    peer_frame(peer, T_SETTINGS, 0, 0, NULL, 0);
    while (off < n) {
        size_t len = n - off < 16384 ? n - off : 16384;

        peer_frame(peer, off == 0 ? T_HEADERS : T_CONTINUATION,
                   off + len == n ? F_END_HEADERS : 0, 1, block + off, len);
        off += len;
    }
    free(block);
    assert_int_equal(await_request(s, 20000, &a), STATUS_RESOURCE_EXHAUSTED);
    assert_string_equal(a.why.text, "the peer's headers are over 16384 bytes "
                                    "(SETTINGS_MAX_HEADER_LIST_SIZE)");
    destroy_bounded(s);
    close(peer);
    assert_nothing_left(before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h2_badpeer_garbage_to_the_server),
        cmocka_unit_test(test_h2_badpeer_garbage_to_the_client),
        cmocka_unit_test(test_h2_badpeer_protocol_error_then_silence),
        cmocka_unit_test(test_h2_badpeer_stops_mid_preface),
        cmocka_unit_test(test_h2_badpeer_settings_flood),
        cmocka_unit_test(test_h2_badpeer_ping_flood),
        cmocka_unit_test(test_h2_badpeer_client_vanishes_mid_call),
        cmocka_unit_test(test_h2_badpeer_server_vanishes_mid_call),
        cmocka_unit_test(test_h2_badpeer_never_reads_deadline),
        cmocka_unit_test(test_h2_badpeer_never_reads_send_timeout),
        cmocka_unit_test(test_h2_badpeer_sockets_get_a_send_timeout),
        cmocka_unit_test(test_h2_badpeer_request_headers_too_large),
    };

    /* BADPEER_ONLY='*flood*' runs only the cases whose names match. */
    if (getenv("BADPEER_ONLY") != NULL)
        cmocka_set_test_filter(getenv("BADPEER_ONLY"));
    return cmocka_run_group_tests(tests, warm_up, NULL);
}

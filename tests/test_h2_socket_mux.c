/*
 * test_h2_socket_mux: many calls on one real TCP connection (src/h2/
 * h2_peer_conn.c), each end as a separate process would run it.
 *
 * What is checked:
 *   - a client's peer connection and a server's, on the two ends of one
 *     loopback connection, carry several calls at once: streams 1, 3,
 *     5, ..., each call's messages both ways, its half-close and its
 *     status, and the server takes them in the order they were opened;
 *   - the server refuses the stream beyond SETTINGS_MAX_CONCURRENT_STREAMS
 *     (100) with RST_STREAM(REFUSED_STREAM), and only that one (a raw
 *     nghttp2 client sends 101 requests before it reads the server's
 *     SETTINGS, as a peer in a hurry may);
 *   - a server's call destroyed as soon as it finished, its 300,000-byte
 *     reply still waiting for the client's window, is not reset away:
 *     the client reads the whole reply, then OK;
 *   - a request whose header list is over the server's limit is reset
 *     with RST_STREAM(FRAME_SIZE_ERROR) and is no call; the next is one;
 *   - threads (/proc/self/task) and descriptors (/proc/self/fd) are the
 *     same before and after each.
 */
/* cmocka.h needs these four first, in this order: keep them unsorted. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>

#include "core/frame.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"
#include "h2/h2_internal.h"
#include "h2/h2_peer_conn.h"
#include "h2/h2_socket.h"
#include "h2/h2_wire.h"
#include "support.h"

#define CALLS 5

/* How many entries a /proc/self directory has now. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;

    assert_non_null(d);
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

static int threads_now(void)
{
    return entries("/proc/self/task");
}

static int fds_now(void)
{
    return entries("/proc/self/fd");
}

/* A stream on conn: the client opens one, the server takes one. */
static struct stream *call_on(struct h2_conn *conn)
{
    struct stream_options o;
    struct stream *s = NULL;

    memset(&o, 0, sizeof o);
    o.wire = h2_connection_wire_type(conn);
    assert_int_equal(stream_create(NULL, &o, &s), STATUS_OK);
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

static void test_h2_socket_mux_many_calls_both_ways(void **state)
{
    int threads = threads_now(), fds = fds_now();
    struct stream *client[CALLS], *server[CALLS];
    struct h2_conn *cc = NULL, *sc = NULL;
    struct status_detail why;
    struct frame_msg msg = {0};
    char text[32], echo[40];
    int fd[2], i = 0, accepted = 0, refused = 0;

    (void)state;
    assert_int_equal(h2_socket_loopback_pair(fd, NULL), STATUS_OK);
    assert_int_equal(h2_peer_conn_create(NULL, fd[0], H2_PEER_CLIENT, NULL,
                                         &cc),
                     STATUS_OK);
    assert_int_equal(h2_peer_conn_create(NULL, fd[1], H2_PEER_SERVER, NULL,
                                         &sc),
                     STATUS_OK);
    for (i = 0; i < CALLS; i++) { /* all open at once */
        client[i] = call_on(cc);
        assert_int_equal(h2_wire_stream_id(stream_wire(client[i])),
                         2 * i + 1);
        snprintf(text, sizeof text, "call %d", i);
        assert_int_equal(stream_send(stream_client(client[i]), text,
                                     strlen(text), NULL),
                         STATUS_OK);
    }
    assert_int_equal(h2_connection_calls(cc), CALLS);
    for (i = 0; i < CALLS; i++) {
        assert_int_equal(h2_peer_conn_await(sc,
                                            sched_now_ns() + 20000000000LL,
                                            &why),
                         STATUS_OK);
        server[i] = call_on(sc);
        assert_int_equal(h2_wire_stream_id(stream_wire(server[i])),
                         2 * i + 1);
    }
    for (i = CALLS - 1; i >= 0; i--) { /* answered in another order */
        snprintf(text, sizeof text, "call %d", i);
        snprintf(echo, sizeof echo, "echo: call %d", i);
        recv_text(stream_server(server[i]), text);
        assert_int_equal(stream_close_send(stream_client(client[i])),
                         STATUS_OK);
        assert_int_equal(stream_recv(stream_server(server[i]), &msg, NULL),
                         STATUS_EOF);
        assert_int_equal(stream_send(stream_server(server[i]), echo,
                                     strlen(echo), NULL),
                         STATUS_OK);
        assert_int_equal(stream_finish(stream_server(server[i]),
                                       i == 2 ? STATUS_NOT_FOUND : STATUS_OK,
                                       i == 2 ? "no 2" : NULL),
                         STATUS_OK);
    }
    for (i = 0; i < CALLS; i++) {
        snprintf(echo, sizeof echo, "echo: call %d", i);
        recv_text(stream_client(client[i]), echo);
        assert_int_equal(stream_recv(stream_client(client[i]), &msg, &why),
                         i == 2 ? STATUS_NOT_FOUND : STATUS_EOF);
        if (i == 2)
            assert_string_equal(why.text, "no 2");
    }
    h2_peer_conn_counts(sc, &accepted, &refused);
    assert_int_equal(accepted, CALLS);
    assert_int_equal(refused, 0);
    for (i = 0; i < CALLS; i++) {
        stream_destroy(server[i]);
        stream_destroy(client[i]);
    }
    h2_peer_conn_destroy(cc);
    h2_peer_conn_destroy(sc);
    frame_msg_free(&msg);
    assert_int_equal(threads_now(), threads);
    assert_int_equal(fds_now(), fds);
}

/* The client's reader: the reply's length, then how the call ended. */
struct reader {
    struct stream *s;
    size_t length;
    enum status first, then;
};

static enum status read_reply(void *arg)
{
    struct reader *r = arg;
    struct frame_msg msg = {0};

    r->first = stream_recv(stream_client(r->s), &msg, NULL);
    r->length = msg.length;
    r->then = stream_recv(stream_client(r->s), &msg, NULL);
    frame_msg_free(&msg);
    return STATUS_OK;
}

static void test_h2_socket_mux_server_leaves_after_its_reply(void **state)
{
    int threads = threads_now(), fds = fds_now();
    struct h2_conn *cc = NULL, *sc = NULL;
    struct stream *client = NULL, *server = NULL;
    struct status_detail why;
    struct frame_msg msg = {0};
    size_t n = 300000; /* more than the client's 65,535 windows */
    uint8_t *big = malloc(n);
    struct reader r = {NULL, 0, STATUS_UNKNOWN, STATUS_UNKNOWN};
    struct sched_thread t;
    int fd[2];

    (void)state;
    assert_non_null(big);
    memset(big, 'x', n);
    assert_int_equal(h2_socket_loopback_pair(fd, NULL), STATUS_OK);
    assert_int_equal(h2_peer_conn_create(NULL, fd[0], H2_PEER_CLIENT, NULL,
                                         &cc),
                     STATUS_OK);
    assert_int_equal(h2_peer_conn_create(NULL, fd[1], H2_PEER_SERVER, NULL,
                                         &sc),
                     STATUS_OK);
    client = call_on(cc);
    assert_int_equal(stream_send(stream_client(client), "hello", 5, NULL),
                     STATUS_OK);
    assert_int_equal(stream_close_send(stream_client(client)), STATUS_OK);
    assert_int_equal(h2_peer_conn_await(sc, sched_now_ns() + 20000000000LL,
                                        &why),
                     STATUS_OK);
    server = call_on(sc);
    recv_text(stream_server(server), "hello");
    assert_int_equal(stream_recv(stream_server(server), &msg, NULL),
                     STATUS_EOF);
    assert_int_equal(stream_send(stream_server(server), big, n, NULL),
                     STATUS_OK);
    assert_int_equal(stream_finish(stream_server(server), STATUS_OK, NULL),
                     STATUS_OK);
    r.s = client; /* reads as the windows let the reply through */
    assert_int_equal(sched_thread_start(&t, "client/recv", read_reply, &r),
                     STATUS_OK);
    stream_destroy(server); /* most of the reply is still queued */
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(r.first, STATUS_OK);
    assert_int_equal(r.length, n);
    assert_int_equal(r.then, STATUS_EOF);
    stream_destroy(client);
    h2_peer_conn_destroy(cc);
    h2_peer_conn_destroy(sc);
    frame_msg_free(&msg);
    free(big);
    assert_int_equal(threads_now(), threads);
    assert_int_equal(fds_now(), fds);
}

/* ---- a raw nghttp2 client: sends what it is told, records resets ------ */

struct raw_client {
    nghttp2_session *session;
    int fd;
    int32_t reset_stream[8]; /* the RST_STREAMs it received */
    uint32_t reset_code[8];
    int resets;
};

static int raw_on_frame_recv(nghttp2_session *session,
                             const nghttp2_frame *frame, void *user_data)
{
    struct raw_client *r = user_data;

    (void)session;
    if (frame->hd.type == NGHTTP2_RST_STREAM && r->resets < 8) {
        r->reset_stream[r->resets] = frame->hd.stream_id;
        r->reset_code[r->resets] = frame->rst_stream.error_code;
        r->resets++;
    }
    return 0;
}

static void raw_open(struct raw_client *r, int fd)
{
    nghttp2_session_callbacks *cbs = NULL;
    nghttp2_option *opt = NULL;
    struct timeval tv = {5, 0};

    memset(r, 0, sizeof *r);
    r->fd = fd;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    assert_int_equal(nghttp2_session_callbacks_new(&cbs), 0);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs,
                                                         raw_on_frame_recv);
    /* nghttp2 holds back streams beyond 100 until SETTINGS say more. */
    assert_int_equal(nghttp2_option_new(&opt), 0);
    nghttp2_option_set_peer_max_concurrent_streams(opt, 1000);
    assert_int_equal(nghttp2_session_client_new2(&r->session, cbs, r, opt),
                     0);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cbs);
    assert_int_equal(nghttp2_submit_settings(r->session, NGHTTP2_FLAG_NONE,
                                             NULL, 0),
                     0);
}

#define NV(n, v)                                                           \
    {(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v),            \
     NGHTTP2_NV_FLAG_NONE}

/* Queues a request (HEADERS with END_STREAM); extra: a header's value. */
static int32_t raw_request(struct raw_client *r, const char *extra)
{
    const nghttp2_nv nva[] = {
        NV(":method", "POST"),
        NV(":scheme", "http"),
        NV(":path", "/chat.ChatService/Chat"),
        NV(":authority", "duplex"),
        NV("content-type", "application/grpc"),
        NV("x-extra", extra),
    };

    return nghttp2_submit_request(r->session, NULL, nva,
                                  sizeof nva / sizeof nva[0], NULL, NULL);
}

/* Sends everything queued, in one go. */
static void raw_flush(struct raw_client *r)
{
    const uint8_t *data = NULL;
    ssize_t n = 0;

    while ((n = nghttp2_session_mem_send(r->session, &data)) > 0)
        assert_int_equal(h2_socket_write(r->fd, data, (size_t)n), STATUS_OK);
    assert_true(n == 0);
}

/* Reads until `want` resets arrived (or 5 s of silence). */
static void raw_read_resets(struct raw_client *r, int want)
{
    uint8_t buf[4096];
    size_t got = 0;

    while (r->resets < want &&
           h2_socket_read(r->fd, buf, sizeof buf, &got) == STATUS_OK)
        assert_true(nghttp2_session_mem_recv(r->session, buf, got) >= 0);
}

static void raw_close(struct raw_client *r)
{
    nghttp2_session_del(r->session);
    close(r->fd);
}

static void test_h2_socket_mux_101st_call_refused(void **state)
{
    int threads = threads_now(), fds = fds_now();
    struct h2_conn *sc = NULL;
    struct raw_client r;
    int fd[2], i = 0, accepted = 0, refused = 0;
    int32_t last = 0;

    (void)state;
    assert_int_equal(h2_socket_loopback_pair(fd, NULL), STATUS_OK);
    assert_int_equal(h2_peer_conn_create(NULL, fd[1], H2_PEER_SERVER, NULL,
                                         &sc),
                     STATUS_OK);
    raw_open(&r, fd[0]);
    for (i = 0; i < H2_MAX_CALLS + 1; i++)
        last = raw_request(&r, "x");
    assert_int_equal(last, 2 * H2_MAX_CALLS + 1); /* stream 201 */
    raw_flush(&r);
    raw_read_resets(&r, 1);
    assert_int_equal(r.resets, 1);
    assert_int_equal(r.reset_stream[0], 2 * H2_MAX_CALLS + 1);
    assert_int_equal(r.reset_code[0], NGHTTP2_REFUSED_STREAM);
    h2_peer_conn_counts(sc, &accepted, &refused);
    assert_int_equal(accepted, H2_MAX_CALLS);
    assert_int_equal(refused, 1);
    raw_close(&r);
    h2_peer_conn_destroy(sc); /* the 100 nobody took are reset */
    assert_int_equal(threads_now(), threads);
    assert_int_equal(fds_now(), fds);
}

static void test_h2_socket_mux_header_list_too_large(void **state)
{
    int threads = threads_now(), fds = fds_now();
    struct h2_conn *sc = NULL;
    struct raw_client r;
    struct status_detail why;
    struct stream *s = NULL;
    char big[2048];
    int fd[2], accepted = 0, refused = 0;

    (void)state;
    memset(big, 'h', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(h2_socket_loopback_pair(fd, NULL), STATUS_OK);
    assert_int_equal(h2_peer_conn_create(NULL, fd[1], H2_PEER_SERVER, NULL,
                                         &sc),
                     STATUS_OK);
    /* A smaller limit than 16 MiB, so a test can pass it. */
    sched_mutex_lock(&sc->mu);
    sc->max_header_list = 1024;
    sched_mutex_unlock(&sc->mu);
    raw_open(&r, fd[0]);
    assert_int_equal(raw_request(&r, big), 1);
    assert_int_equal(raw_request(&r, "small"), 3);
    raw_flush(&r);
    raw_read_resets(&r, 1);
    assert_int_equal(r.resets, 1);
    assert_int_equal(r.reset_stream[0], 1);
    assert_int_equal(r.reset_code[0], NGHTTP2_FRAME_SIZE_ERROR);
    assert_int_equal(h2_peer_conn_await(sc, sched_now_ns() + 20000000000LL,
                                        &why),
                     STATUS_OK);
    s = call_on(sc);
    assert_int_equal(h2_wire_stream_id(stream_wire(s)), 3);
    h2_peer_conn_counts(sc, &accepted, &refused);
    assert_int_equal(accepted, 1);
    assert_int_equal(refused, 1);
    stream_destroy(s);
    raw_close(&r);
    h2_peer_conn_destroy(sc);
    assert_int_equal(threads_now(), threads);
    assert_int_equal(fds_now(), fds);
}

static void test_h2_socket_mux_await_says_why(void **state)
{
    struct h2_conn *sc = NULL;
    struct status_detail why;
    int fd[2];

    (void)state;
    assert_int_equal(h2_socket_loopback_pair(fd, NULL), STATUS_OK);
    assert_int_equal(h2_peer_conn_create(NULL, fd[1], H2_PEER_SERVER, NULL,
                                         &sc),
                     STATUS_OK);
    assert_int_equal(h2_peer_conn_await(sc, sched_now_ns() + 1000000, &why),
                     STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(why.text, "no request before the idle timeout");
    shutdown(fd[0], SHUT_WR); /* FIN: a close with unread bytes resets */
    assert_int_equal(h2_peer_conn_await(sc, sched_now_ns() + 20000000000LL,
                                        &why),
                     STATUS_UNAVAILABLE);
    assert_string_equal(why.text,
                        "the peer closed the connection before its request");
    h2_peer_conn_destroy(sc);
    close(fd[0]);
}

static enum status nothing(void *arg)
{
    (void)arg;
    return STATUS_OK;
}

int main(void)
{
    struct sched_thread t;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h2_socket_mux_many_calls_both_ways),
        cmocka_unit_test(test_h2_socket_mux_server_leaves_after_its_reply),
        cmocka_unit_test(test_h2_socket_mux_101st_call_refused),
        cmocka_unit_test(test_h2_socket_mux_header_list_too_large),
        cmocka_unit_test(test_h2_socket_mux_await_says_why),
    };

    /*
     * A sanitizer starts a thread of its own with the process's first
     * thread: start one first, so that the counts see only ours.
     */
    if (sched_thread_start(&t, "warm-up", nothing, NULL) == STATUS_OK)
        sched_thread_join(&t);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

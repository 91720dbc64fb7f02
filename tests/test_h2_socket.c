/*
 * test_h2_socket: the HTTP/2 wire on a loopback TCP socket (src/h2/
 * h2_socket.c, and h2_socket_wire_type).
 *
 * What is checked:
 *   - a call whose connection runs on real TCP keeps the stream's
 *     contract, through the same stream API: messages both ways,
 *     CloseSend then EOF, the server's status and percent-encoded text
 *     exactly, a message larger than every window;
 *   - every socket it opened is closed when the call is destroyed
 *     (descriptors counted in /proc/self/fd);
 *   - one end each, as two processes: echo, a status, a cancel, and a
 *     server that closes at once still delivers what it queued;
 *   - the errors a user meets: a refused connection, a port in use, an
 *     address that is not HOST:PORT, a socket wire in SIM mode.
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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>

#include "core/frame.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"
#include "h2/h2_internal.h"
#include "h2/h2_socket.h"
#include "h2/h2_wire.h"
#include "support.h"

/* How many descriptors this process has open now. */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    assert_non_null(d);
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

static struct stream *new_socket_call(void)
{
    struct stream_options o;
    struct stream *s = NULL;

    memset(&o, 0, sizeof o);
    o.wire = &h2_socket_wire_type;
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

static void test_h2_socket_echo_keeps_the_contract(void **state)
{
    int before = open_fds();
    struct stream *s = new_socket_call();
    struct frame_msg msg = {0};
    struct status_detail why;
    struct h2_conn *c = ((struct h2_call *)stream_wire(s))->conn;

    (void)state;
    /* Two more descriptors: the two ends of one TCP connection. */
    assert_int_equal(open_fds(), before + 2);
    assert_true(c->ends[H2_CLIENT].fd >= 0 && c->ends[H2_SERVER].fd >= 0);
    assert_int_equal(stream_send(stream_client(s), "hello", 5, NULL),
                     STATUS_OK);
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    recv_text(stream_server(s), "hello");
    assert_int_equal(stream_recv(stream_server(s), &msg, &why), STATUS_EOF);
    assert_int_equal(stream_send(stream_server(s), "echo: hello", 11, NULL),
                     STATUS_OK);
    assert_int_equal(stream_finish(stream_server(s), STATUS_OK, NULL),
                     STATUS_OK);
    recv_text(stream_client(s), "echo: hello");
    assert_int_equal(stream_recv(stream_client(s), &msg, &why), STATUS_EOF);
    assert_string_equal(why.text, "the server finished the call with OK");
    /* Nothing went through the pipes: the bytes took the socket. */
    assert_int_equal(pipe_get_stats(stream_pipe(s, STREAM_C2S)).written,
                     0);
    frame_msg_free(&msg);
    stream_destroy(s);
    assert_int_equal(open_fds(), before);
}

static void test_h2_socket_status_text_arrives_exactly(void **state)
{
    static const char text[] = "no room: 100% \"full\"\n";
    struct stream *s = new_socket_call();
    struct frame_msg msg = {0};
    struct status_detail got;

    (void)state;
    assert_int_equal(stream_finish(stream_server(s), STATUS_NOT_FOUND, text),
                     STATUS_OK);
    assert_int_equal(stream_recv(stream_client(s), &msg, &got),
                     STATUS_NOT_FOUND);
    assert_int_equal(h2_wire_received_trailer(stream_wire(s), &got), 1);
    assert_int_equal(got.code, STATUS_NOT_FOUND);
    assert_string_equal(got.text, text);
    frame_msg_free(&msg);
    stream_destroy(s);
}

/* A message of 300,000 bytes, more than every window of 65,535. */
static enum status send_big(void *arg)
{
    struct stream *s = arg;
    size_t n = 300000;
    uint8_t *big = malloc(n);
    enum status st = STATUS_RESOURCE_EXHAUSTED;

    if (big != NULL) {
        memset(big, 'x', n);
        st = stream_send(stream_client(s), big, n, NULL);
        if (st == STATUS_OK)
            st = stream_close_send(stream_client(s));
    }
    free(big);
    return st;
}

static void test_h2_socket_message_larger_than_window(void **state)
{
    struct stream *s = new_socket_call();
    struct sched_thread t;
    struct frame_msg msg = {0};

    (void)state;
    assert_int_equal(sched_thread_start(&t, "client", send_big, s),
                     STATUS_OK);
    assert_int_equal(stream_recv(stream_server(s), &msg, NULL), STATUS_OK);
    assert_int_equal(msg.length, 300000);
    assert_int_equal(msg.data[0], 'x');
    assert_int_equal(msg.data[299999], 'x');
    assert_int_equal(stream_recv(stream_server(s), &msg, NULL), STATUS_EOF);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(t.result, STATUS_OK);
    frame_msg_free(&msg);
    stream_destroy(s);
}

static void test_h2_socket_refused_and_port_in_use(void **state)
{
    struct status_detail why;
    uint16_t port = 0, again = 0;
    int lfd = -1, fd = -1, other = -1;

    (void)state;
    assert_int_equal(h2_socket_listen("127.0.0.1", 0, &lfd, &port, &why),
                     STATUS_OK);
    assert_true(port != 0);
    assert_int_equal(h2_socket_listen("127.0.0.1", port, &other, &again, &why),
                     STATUS_UNAVAILABLE);
    assert_int_equal(other, -1); /* untouched */
    assert_non_null(strstr(why.text, "Address already in use"));
    close(lfd); /* nobody listens there now */
    assert_int_equal(h2_socket_connect("127.0.0.1", port, &fd, &why),
                     STATUS_UNAVAILABLE);
    assert_int_equal(fd, -1);
    assert_non_null(strstr(why.text, "Connection refused"));
    assert_non_null(strstr(why.text, "cannot connect to 127.0.0.1:"));
}

static void test_h2_socket_parse_addr(void **state)
{
    static const struct {
        const char *addr;
        enum status want;
        const char *host;
        unsigned port;
    } cases[] = {
        {"127.0.0.1:50051", STATUS_OK, "127.0.0.1", 50051},
        {"localhost:0", STATUS_OK, "localhost", 0},
        {"127.0.0.1", STATUS_INVALID_ARGUMENT, NULL, 0},
        {":80", STATUS_INVALID_ARGUMENT, NULL, 0},
        {"127.0.0.1:", STATUS_INVALID_ARGUMENT, NULL, 0},
        {"127.0.0.1:65536", STATUS_INVALID_ARGUMENT, NULL, 0},
        {"127.0.0.1:8x", STATUS_INVALID_ARGUMENT, NULL, 0},
    };
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char host[64] = "";
        uint16_t port = 7;

        assert_int_equal(h2_socket_parse_addr(cases[i].addr, host, sizeof host,
                                              &port, NULL),
                         cases[i].want);
        if (cases[i].host == NULL) {
            assert_int_equal(port, 7); /* untouched */
            continue;
        }
        assert_string_equal(host, cases[i].host);
        assert_int_equal(port, cases[i].port);
    }
}

static enum status create_in_sim(void *arg)
{
    struct stream_options o;
    struct stream *s = NULL;
    enum status *got = arg;

    memset(&o, 0, sizeof o);
    o.wire = &h2_socket_wire_type;
    *got = stream_create(NULL, &o, &s);
    stream_destroy(s);
    return STATUS_OK;
}

static void test_h2_socket_refused_in_sim_mode(void **state)
{
    struct sched_sim_options o;
    struct sched_sim_result res;
    enum status out = STATUS_UNKNOWN, got = STATUS_OK;

    (void)state;
    memset(&o, 0, sizeof o);
    memset(&res, 0, sizeof res);
    o.strategy = SCHED_RANDOM;
    o.seed = 1;
    assert_int_equal(sched_sim_run(&o, create_in_sim, &got, &out, &res),
                     STATUS_OK);
    assert_int_equal(got, STATUS_FAILED_PRECONDITION);
    sched_sim_result_free(&res);
}

/* ---- one end each: two connections' ends, as two processes would ---- */

struct peers {
    struct stream *client; /* its client end is ours */
    struct stream *server; /* its server end is ours */
};

static struct stream *peer_stream(struct h2_peer *p, int64_t timeout)
{
    static struct wire_type type = {"h2", h2_peer_wire_create, NULL};
    struct wire_type *t = malloc(sizeof *t);
    struct stream_options o;
    struct stream *s = NULL;

    (void)type;
    assert_non_null(t);
    t->name = "h2";
    t->create = h2_peer_wire_create;
    t->arg = p;
    memset(&o, 0, sizeof o);
    o.wire = t;
    o.timeout_ns = timeout;
    assert_int_equal(stream_create(NULL, &o, &s), STATUS_OK);
    free(t); /* read by create only: the wire keeps nothing of it */
    return s;
}

static void open_peers(struct peers *p, int64_t timeout)
{
    struct h2_peer c = {-1, H2_PEER_CLIENT, ""};
    struct h2_peer sv = {-1, H2_PEER_SERVER, ""};
    uint16_t port = 0;
    int lfd = -1;

    assert_int_equal(h2_socket_listen("127.0.0.1", 0, &lfd, &port, NULL),
                     STATUS_OK);
    assert_int_equal(h2_socket_connect("127.0.0.1", port, &c.fd, NULL),
                     STATUS_OK);
    assert_int_equal(h2_socket_accept(lfd, 20000, &sv.fd, NULL), STATUS_OK);
    close(lfd);
    p->client = peer_stream(&c, timeout);
    p->server = peer_stream(&sv, 0);
}

static void test_h2_socket_peers_echo(void **state)
{
    int before = open_fds();
    struct peers p;
    struct frame_msg msg = {0};
    struct status_detail why;
    char path[128] = "";

    (void)state;
    open_peers(&p, 0);
    assert_int_equal(stream_send(stream_client(p.client), "hello", 5, NULL),
                     STATUS_OK);
    assert_int_equal(stream_close_send(stream_client(p.client)), STATUS_OK);
    assert_int_equal(h2_peer_wire_await_request(stream_wire(p.server),
                                                sched_now_ns() + 20000000000,
                                                path, sizeof path, NULL),
                     STATUS_OK);
    assert_string_equal(path, "/chat.ChatService/Chat");
    recv_text(stream_server(p.server), "hello");
    assert_int_equal(stream_recv(stream_server(p.server), &msg, &why),
                     STATUS_EOF);
    assert_int_equal(
        stream_send(stream_server(p.server), "echo: hello", 11, NULL),
        STATUS_OK);
    assert_int_equal(stream_finish(stream_server(p.server),
                                   STATUS_INVALID_ARGUMENT, "50% off: \"no\""),
                     STATUS_OK);
    recv_text(stream_client(p.client), "echo: hello");
    assert_int_equal(stream_recv(stream_client(p.client), &msg, &why),
                     STATUS_INVALID_ARGUMENT);
    assert_string_equal(why.text, "50% off: \"no\"");
    frame_msg_free(&msg);
    stream_destroy(p.client);
    stream_destroy(p.server);
    assert_int_equal(open_fds(), before);
}

static void test_h2_socket_peer_cancel_resets(void **state)
{
    struct peers p;
    struct frame_msg msg = {0};
    char path[128] = "";

    (void)state;
    open_peers(&p, 0);
    assert_int_equal(stream_send(stream_client(p.client), "hi", 2, NULL),
                     STATUS_OK);
    assert_int_equal(h2_peer_wire_await_request(stream_wire(p.server),
                                                sched_now_ns() + 20000000000,
                                                path, sizeof path, NULL),
                     STATUS_OK);
    recv_text(stream_server(p.server), "hi");
    stream_cancel(stream_client(p.client));
    /* The server's recv ends once RST_STREAM(CANCEL) arrives. */
    assert_int_equal(stream_recv(stream_server(p.server), &msg, NULL),
                     STATUS_CANCELLED);
    assert_true(h2_wire_frame_counts(stream_wire(p.server))
                    .sent[H2_CLIENT][NGHTTP2_RST_STREAM] == 1);
    frame_msg_free(&msg);
    stream_destroy(p.client);
    stream_destroy(p.server);
}

/*
 * The server ends the call and closes its connection before the client
 * has read anything: what it queued (the replies, the trailers) still
 * reaches the client, as duplex serve does after every call.
 */
static void test_h2_socket_peer_closing_sends_what_is_queued(void **state)
{
    struct peers p;
    struct frame_msg msg = {0};
    struct status_detail why;
    char path[128] = "";

    (void)state;
    open_peers(&p, 0);
    assert_int_equal(stream_close_send(stream_client(p.client)), STATUS_OK);
    assert_int_equal(h2_peer_wire_await_request(stream_wire(p.server),
                                                sched_now_ns() + 20000000000,
                                                path, sizeof path, NULL),
                     STATUS_OK);
    assert_int_equal(stream_recv(stream_server(p.server), &msg, NULL),
                     STATUS_EOF);
    assert_int_equal(stream_send(stream_server(p.server), "one", 3, NULL),
                     STATUS_OK);
    assert_int_equal(stream_finish(stream_server(p.server), STATUS_OK, NULL),
                     STATUS_OK);
    stream_destroy(p.server);
    recv_text(stream_client(p.client), "one");
    assert_int_equal(stream_recv(stream_client(p.client), &msg, &why),
                     STATUS_EOF);
    assert_string_equal(why.text, "the server finished the call with OK");
    frame_msg_free(&msg);
    stream_destroy(p.client);
}

/* A peer that speaks HTTP/1.1 to the server: a clear UNAVAILABLE. */
static void test_h2_socket_garbage_from_the_peer(void **state)
{
    static const char garbage[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    int before = open_fds();
    struct h2_peer sv = {-1, H2_PEER_SERVER, ""};
    struct stream *s = NULL;
    struct status_detail why;
    uint16_t port = 0;
    int lfd = -1, c = -1;
    char path[128] = "";

    (void)state;
    assert_int_equal(h2_socket_listen("127.0.0.1", 0, &lfd, &port, NULL),
                     STATUS_OK);
    assert_int_equal(h2_socket_connect("127.0.0.1", port, &c, NULL),
                     STATUS_OK);
    assert_int_equal(h2_socket_accept(lfd, 20000, &sv.fd, NULL), STATUS_OK);
    close(lfd);
    s = peer_stream(&sv, 0);
    assert_int_equal(h2_socket_write(c, garbage, sizeof garbage - 1),
                     STATUS_OK);
    assert_int_equal(h2_peer_wire_await_request(stream_wire(s),
                                                sched_now_ns() + 20000000000,
                                                path, sizeof path, &why),
                     STATUS_UNAVAILABLE);
    assert_non_null(strstr(why.text, "not HTTP/2"));
    stream_destroy(s);
    close(c);
    assert_int_equal(open_fds(), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h2_socket_echo_keeps_the_contract),
        cmocka_unit_test(test_h2_socket_status_text_arrives_exactly),
        cmocka_unit_test(test_h2_socket_message_larger_than_window),
        cmocka_unit_test(test_h2_socket_refused_and_port_in_use),
        cmocka_unit_test(test_h2_socket_parse_addr),
        cmocka_unit_test(test_h2_socket_refused_in_sim_mode),
        cmocka_unit_test(test_h2_socket_peers_echo),
        cmocka_unit_test(test_h2_socket_peer_cancel_resets),
        cmocka_unit_test(test_h2_socket_peer_closing_sends_what_is_queued),
        cmocka_unit_test(test_h2_socket_garbage_from_the_peer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_peer: what `duplex serve` and `duplex call` rely on when the other
 * end is a real peer (issue 15, part 2).
 *
 * What is checked:
 *   - grpc-timeout's values as gRPC spells them (H M S m u n, 1 to 8
 *     digits) and what is not one;
 *   - the server end learns the client's deadline from the request's
 *     grpc-timeout, and a call without one has none;
 *   - a server that ends its call and closes while its last message is
 *     still waiting for the client's window sends it all the same (the
 *     client reads 1 MiB and the OK after the server began to close);
 *   - the capture of an in-process run: sequence numbers that add up,
 *     FIN after each direction's bytes (the file read back by hand).
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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/frame.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"
#include "core/trace.h"
#include "h2/h2_internal.h"
#include "h2/h2_socket.h"
#include "h2/h2_wire.h"
#include "view/pcap.h"

static int64_t timeout_of(const char *text)
{
    return h2_parse_timeout((const uint8_t *)text, strlen(text));
}

static void test_peer_grpc_timeout_values(void **state)
{
    (void)state;
    assert_true(timeout_of("1H") == 3600000000000LL);
    assert_true(timeout_of("2M") == 120000000000LL);
    assert_true(timeout_of("3S") == 3000000000LL);
    assert_true(timeout_of("1500m") == 1500000000LL);
    assert_true(timeout_of("5u") == 5000LL);
    assert_true(timeout_of("99999999n") == 99999999LL);
    assert_true(timeout_of("") == SCHED_NO_DEADLINE);
    assert_true(timeout_of("m") == SCHED_NO_DEADLINE);
    assert_true(timeout_of("100") == SCHED_NO_DEADLINE);
    assert_true(timeout_of("1x") == SCHED_NO_DEADLINE);
    assert_true(timeout_of("-1m") == SCHED_NO_DEADLINE);
    assert_true(timeout_of("123456789m") == SCHED_NO_DEADLINE); /* 9 digits */
}

/* Two ends of one TCP connection, each a peer's (as two processes). */
struct peers {
    struct stream *client, *server;
};

static struct stream *peer_stream(struct h2_peer *p, int64_t timeout)
{
    struct wire_type t = {"h2", h2_peer_wire_create, p};
    struct stream_options o;
    struct stream *s = NULL;

    memset(&o, 0, sizeof o);
    o.wire = &t; /* read by create only */
    o.timeout_ns = timeout;
    assert_int_equal(stream_create(NULL, &o, &s), STATUS_OK);
    return s;
}

static void open_peers(struct peers *p, int64_t timeout)
{
    struct h2_peer c = {-1, H2_PEER_CLIENT, ""};
    struct h2_peer sv = {-1, H2_PEER_SERVER, ""};
    uint16_t port = 0;
    int lfd = -1;
    char path[128];

    assert_int_equal(h2_socket_listen("127.0.0.1", 0, &lfd, &port, NULL),
                     STATUS_OK);
    assert_int_equal(h2_socket_connect("127.0.0.1", port, &c.fd, NULL),
                     STATUS_OK);
    assert_int_equal(h2_socket_accept(lfd, 20000, &sv.fd, NULL), STATUS_OK);
    close(lfd);
    p->client = peer_stream(&c, timeout);
    p->server = peer_stream(&sv, 0);
    assert_int_equal(h2_peer_wire_await_request(stream_wire(p->server),
                                                sched_now_ns() + 20000000000,
                                                path, sizeof path, NULL),
                     STATUS_OK);
}

static void test_peer_server_learns_the_deadline(void **state)
{
    struct peers p;

    (void)state;
    open_peers(&p, 1500000000LL); /* sent as grpc-timeout: 1500m */
    assert_true(h2_peer_wire_request_timeout(stream_wire(p.server)) ==
                1500000000LL);
    stream_destroy(p.client);
    stream_destroy(p.server);
    open_peers(&p, 0);
    assert_true(h2_peer_wire_request_timeout(stream_wire(p.server)) ==
                SCHED_NO_DEADLINE);
    stream_destroy(p.client);
    stream_destroy(p.server);
}

#define BIG (1024 * 1024)

/* server/close: the server's stream destroyed (its connection closed). */
static enum status close_server(void *arg)
{
    stream_destroy(arg);
    return STATUS_OK;
}

static void test_peer_closing_server_waits_for_the_window(void **state)
{
    struct peers p;
    struct sched_thread closer;
    struct frame_msg msg = {0};
    struct status_detail why;
    uint8_t *big = malloc(BIG);

    (void)state;
    assert_non_null(big);
    memset(big, 'x', BIG);
    open_peers(&p, 0);
    assert_int_equal(stream_close_send(stream_client(p.client)), STATUS_OK);
    assert_int_equal(stream_recv(stream_server(p.server), &msg, NULL),
                     STATUS_EOF);
    /* Queued whole, far more than the client's 65,535-byte window. */
    assert_int_equal(stream_send(stream_server(p.server), big, BIG, NULL),
                     STATUS_OK);
    assert_int_equal(stream_finish(stream_server(p.server), STATUS_OK, NULL),
                     STATUS_OK);
    assert_int_equal(
        sched_thread_start(&closer, "server/close", close_server, p.server),
        STATUS_OK);
    assert_int_equal(stream_recv(stream_client(p.client), &msg, &why),
                     STATUS_OK);
    assert_int_equal(msg.length, BIG);
    assert_int_equal(stream_recv(stream_client(p.client), &msg, &why),
                     STATUS_EOF);
    sched_thread_join(&closer);
    frame_msg_free(&msg);
    stream_destroy(p.client);
    free(big);
}

/* Reads a little-endian u32 at b. */
static uint32_t le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
           (uint32_t)b[3];
}

static void test_peer_capture_of_a_trace(void **state)
{
    static const uint8_t c2s[] = {0, 0, 0, 0, 2, 'h', 'i'};
    struct trace *t = trace_create();
    struct pcap *p = NULL;
    char path[] = "/tmp/duplex-test-peer-XXXXXX";
    uint8_t buf[2048];
    uint32_t seq[8], flags[8], len[8];
    size_t n = 0, off = 24;
    int fd = mkstemp(path), i = 0;
    FILE *f = NULL;

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    trace_wire(t, "c2s", c2s, sizeof c2s);
    trace_frame(t, TRACE_SEND, "c2s", 0, c2s + 5, 2);
    trace_event(t, TRACE_CLOSE_SEND, "c2s", 0, 0, STATUS_OK, NULL);
    assert_int_equal(pcap_create(path, &p, NULL), STATUS_OK);
    pcap_write_trace(p, t, 0, 49152, 50051, 0, NULL, NULL);
    assert_int_equal(pcap_close(p, NULL), STATUS_OK);
    f = fopen(path, "rb");
    assert_non_null(f);
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    unlink(path);
    assert_true(le32(buf) == 0xa1b23c4d && le32(buf + 20) == 101);
    /* SYN, SYN+ACK, ACK, the frame, the client's FIN, the server's FIN. */
    for (i = 0; i < 8 && off + 16 <= n; i++) {
        len[i] = le32(buf + off + 8) - 40;
        seq[i] = be32(buf + off + 16 + 24);
        flags[i] = buf[off + 16 + 33];
        off += 16 + 40 + len[i];
    }
    assert_int_equal(i, 6);
    assert_int_equal(off, n);
    assert_true(flags[0] == 0x02 && seq[0] == 1000);
    assert_true(flags[1] == 0x12 && seq[1] == 5000);
    assert_true(flags[3] == 0x18 && seq[3] == 1001 && len[3] == 7);
    assert_true(flags[4] == 0x11 && seq[4] == 1008); /* FIN after 7 bytes */
    assert_true(flags[5] == 0x11 && seq[5] == 5001);
    trace_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peer_grpc_timeout_values),
        cmocka_unit_test(test_peer_server_learns_the_deadline),
        cmocka_unit_test(test_peer_closing_server_waits_for_the_window),
        cmocka_unit_test(test_peer_capture_of_a_trace),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

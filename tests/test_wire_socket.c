/*
 * test_wire_socket: the raw wire over a real TCP connection
 * (wire_socket.h), on loopback.
 *
 * What is checked:
 *   - echo with half-close, through two streams (a client's and a
 *     server's, each on its end of one connection): the server reads
 *     every message, then EOF (read() returned 0 after the last one), and
 *     only then; CloseSend is a FIN sent, the server's finish another;
 *     the trace says both in the thread that did them;
 *   - a frame that arrives in pieces (2 bytes of its prefix, then the
 *     rest) is read whole, over several reads;
 *   - a message larger than the kernel's buffers: the send waits for
 *     room and the message arrives whole; an abort wakes that send;
 *   - a length over max_recv: RESOURCE_EXHAUSTED with frame.h's words,
 *     before the payload;
 *   - a peer that resets (close with SO_LINGER 0): recv says UNAVAILABLE
 *     with the system's words; our own abort wakes a blocked recv with
 *     its reason and resets the connection, and the peer sees UNAVAILABLE;
 *   - a peer that closes mid-frame: INTERNAL "unexpected EOF";
 *   - the call's deadline ends a blocked recv; SIM mode is refused;
 *   - descriptors (/proc/self/fd) and threads (/proc/self/task) are back
 *     to their counts after each test.
 */
/* cmocka.h needs these four first, in this order: keep them unsorted. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/frame.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"
#include "core/trace.h"
#include "core/wire.h"
#include "core/wire_socket.h"
#include "support.h"

/* Entries in a /proc/self directory ("fd": descriptors, "task": threads). */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e = NULL;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - (strcmp(dir, "/proc/self/fd") == 0); /* the DIR's own */
}

/* Two connected loopback TCP sockets: fds[0] dialled, fds[1] accepted. */
static void loopback_pair(int fds[2])
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(lfd >= 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(lfd, 1), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
    fds[0] = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fds[0] >= 0);
    assert_int_equal(connect(fds[0], (struct sockaddr *)&sa, sizeof sa), 0);
    fds[1] = accept(lfd, NULL, NULL);
    assert_true(fds[1] >= 0);
    close(lfd);
}

static struct wire *new_socket_wire(int fd, int side, struct trace *t)
{
    struct wire_socket_peer peer = {fd, side, {NULL, NULL}};
    struct wire_params p;
    struct wire *w = NULL;

    memset(&p, 0, sizeof p);
    p.trace = t;
    assert_int_equal(wire_socket_create(&peer, &p, &w), STATUS_OK);
    assert_true(wire_is_socket(w));
    return w;
}

/* Writes all of buf to a plain socket (the peer that is not a wire). */
static void put(int fd, const void *buf, size_t len)
{
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
}

/* A stream on one end of a connection. */
static struct stream *new_end(int fd, int side, struct wire_socket_peer *peer,
                              struct wire_type *type, struct trace *t)
{
    struct stream_options o;
    struct stream *s = NULL;

    peer->fd = fd;
    peer->side = side;
    peer->tap.fn = NULL;
    peer->tap.arg = NULL;
    type->name = "raw";
    type->create = wire_socket_create;
    type->arg = peer;
    memset(&o, 0, sizeof o);
    o.wire = type;
    o.trace = t;
    assert_int_equal(stream_create(NULL, &o, &s), STATUS_OK);
    return s;
}

static int has_note(struct trace *t, const char *dir, const char *words)
{
    size_t i = 0;

    for (i = 0; i < trace_length(t); i++) {
        const struct trace_event *e = trace_event_at(t, i);

        if (e->kind == TRACE_NOTE && strcmp(e->dir, dir) == 0 &&
            strstr(e->text, words) != NULL)
            return 1;
    }
    return 0;
}

static const char *const words[3] = {"hello", "how are you?", "bye"};

static void test_wire_socket_echo_half_close(void **state)
{
    int fds_before = count_entries("/proc/self/fd");
    int threads_before = count_entries("/proc/self/task");
    struct wire_socket_peer cp, sp;
    struct wire_type ct, st_type;
    struct trace *ctr = trace_create(), *str = trace_create();
    struct wire_socket_stats cs, ss;
    struct frame_msg msg = {0};
    struct stream *client = NULL, *server = NULL;
    char echo[32];
    int fds[2];
    int i = 0;

    (void)state;
    loopback_pair(fds);
    client = new_end(fds[0], WIRE_SOCKET_CLIENT, &cp, &ct, ctr);
    server = new_end(fds[1], WIRE_SOCKET_SERVER, &sp, &st_type, str);
    /* Everything is sent and half-closed before the server reads. */
    for (i = 0; i < 3; i++)
        assert_int_equal(stream_send(stream_client(client), words[i],
                                     strlen(words[i]), NULL),
                         STATUS_OK);
    assert_int_equal(stream_close_send(stream_client(client)), STATUS_OK);
    for (i = 0; i < 3; i++) {
        assert_int_equal(stream_recv(stream_server(server), &msg, NULL),
                         STATUS_OK);
        assert_int_equal(msg.length, strlen(words[i]));
        assert_memory_equal(msg.data, words[i], msg.length);
        snprintf(echo, sizeof echo, "echo: %s", words[i]);
        assert_int_equal(stream_send(stream_server(server), echo,
                                     strlen(echo), NULL),
                         STATUS_OK);
    }
    assert_int_equal(stream_recv(stream_server(server), &msg, NULL),
                     STATUS_EOF);
    assert_int_equal(stream_finish(stream_server(server), STATUS_OK, NULL),
                     STATUS_OK);
    for (i = 0; i < 3; i++) {
        assert_int_equal(stream_recv(stream_client(client), &msg, NULL),
                         STATUS_OK);
        snprintf(echo, sizeof echo, "echo: %s", words[i]);
        assert_int_equal(msg.length, strlen(echo));
        assert_memory_equal(msg.data, echo, msg.length);
    }
    assert_int_equal(stream_recv(stream_client(client), &msg, NULL),
                     STATUS_EOF);
    wire_socket_get_stats(stream_wire(server), &ss);
    wire_socket_get_stats(stream_wire(client), &cs);
    assert_int_equal(ss.fin_read, 1);
    assert_int_equal(ss.read_before_fin, 3);
    assert_int_equal(ss.frames_read, 3);
    assert_int_equal(ss.fin_sent, 1);
    assert_int_equal(cs.fin_sent, 1);
    assert_int_equal(cs.fin_read, 1);
    assert_int_equal(cs.read_before_fin, 3);
    assert_int_equal(cs.reset_sent + cs.reset_read + ss.reset_sent +
                         ss.reset_read,
                     0);
    assert_true(has_note(ctr, "c2s", "shutdown(SHUT_WR)"));
    assert_true(has_note(str, "c2s", "read() returned 0 after 3 messages"));
    assert_true(has_note(ctr, "s2c", "read() returned 0 after 3 messages"));
    assert_int_equal(trace_count(str, TRACE_EOF), 1);
    assert_null(stream_pipe(client, STREAM_C2S));
    frame_msg_free(&msg);
    stream_destroy(client);
    stream_destroy(server);
    trace_destroy(ctr);
    trace_destroy(str);
    assert_int_equal(count_entries("/proc/self/fd"), fds_before);
    assert_int_equal(count_entries("/proc/self/task"), threads_before);
}

/* A receiver on its own thread: what its recv returned. */
struct receiver {
    struct wire *w;
    struct frame_limits limits;
    struct frame_msg msg;
    struct status_detail why;
    enum status got;
};

static enum status receive_one(void *arg)
{
    struct receiver *r = arg;

    r->got = wire_recv(r->w, STREAM_C2S, &r->limits, &r->msg, &r->why);
    return STATUS_OK;
}

/* Polls w's wait counters until a receiver of dir waited n times. */
static int await_socket_reader(struct wire *w, int dir, uint64_t n)
{
    int polls = 0;

    for (polls = 0; polls < POLL_TRIES; polls++) {
        uint64_t ww = 0, rw = 0;

        wire_waits(w, dir, &ww, &rw);
        if (rw >= n)
            return 1;
        sched_sleep_ns(POLL_NS);
    }
    return 0;
}

/* The server's wire on fds[1], and a receiver thread started on it. */
static void start_receiver(struct receiver *r, struct sched_thread *t,
                           int fd)
{
    memset(r, 0, sizeof *r);
    r->w = new_socket_wire(fd, WIRE_SOCKET_SERVER, NULL);
    r->limits = frame_default_limits;
    start_thread(t, "server", receive_one, r);
}

static void test_wire_socket_frame_split_across_reads(void **state)
{
    int fds_before = count_entries("/proc/self/fd");
    int threads_before = count_entries("/proc/self/task");
    const uint8_t frame[] = {0, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'};
    struct wire_socket_stats ss;
    struct receiver r;
    struct sched_thread t;
    int fds[2];

    (void)state;
    loopback_pair(fds);
    start_receiver(&r, &t, fds[1]);
    put(fds[0], frame, 2); /* part of the prefix */
    assert_true(await_socket_reader(r.w, STREAM_C2S, 1));
    put(fds[0], frame + 2, sizeof frame - 2);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(r.got, STATUS_OK);
    assert_int_equal(r.msg.length, 5);
    assert_memory_equal(r.msg.data, "hello", 5);
    wire_socket_get_stats(r.w, &ss);
    assert_true(ss.reads >= 2); /* the 2 bytes, then the rest */
    assert_int_equal(ss.frames_read, 1);
    frame_msg_free(&r.msg);
    wire_destroy(r.w);
    close(fds[0]);
    assert_int_equal(count_entries("/proc/self/fd"), fds_before);
    assert_int_equal(count_entries("/proc/self/task"), threads_before);
}

/* Larger than loopback's buffers on both sides: a send of it must wait. */
#define BIG_LEN ((size_t)32 * 1024 * 1024)

/* A sender on its own thread: what its send of len bytes returned. */
struct sender {
    struct wire *w;
    const uint8_t *buf;
    size_t len;
    enum status got;
};

static enum status send_big(void *arg)
{
    struct sender *sd = arg;

    sd->got = wire_send(sd->w, STREAM_C2S, sd->buf, sd->len, UINT32_MAX,
                        NULL);
    return STATUS_OK;
}

/* Polls w's wait counters until a sender of dir waited n times. */
static int await_socket_writer(struct wire *w, int dir, uint64_t n)
{
    int polls = 0;

    for (polls = 0; polls < POLL_TRIES; polls++) {
        uint64_t ww = 0, rw = 0;

        wire_waits(w, dir, &ww, &rw);
        if (ww >= n)
            return 1;
        sched_sleep_ns(POLL_NS);
    }
    return 0;
}

/*
 * A message bigger than the kernel's buffers: the send waits for room
 * (backpressure: TCP's window), goes out in pieces, and arrives whole,
 * every byte in its place.
 */
static void test_wire_socket_send_waits_for_room(void **state)
{
    struct frame_limits limits = {UINT32_MAX, NULL};
    struct frame_msg msg = {0};
    struct sender sd;
    struct sched_thread t;
    struct wire *server = NULL;
    uint8_t *buf = pattern_bytes(BIG_LEN);
    int fds[2];

    (void)state;
    assert_non_null(buf);
    loopback_pair(fds);
    sd.w = new_socket_wire(fds[0], WIRE_SOCKET_CLIENT, NULL);
    sd.buf = buf;
    sd.len = BIG_LEN;
    server = new_socket_wire(fds[1], WIRE_SOCKET_SERVER, NULL);
    start_thread(&t, "client/send", send_big, &sd);
    assert_true(await_socket_writer(sd.w, STREAM_C2S, 1));
    assert_int_equal(wire_recv(server, STREAM_C2S, &limits, &msg, NULL),
                     STATUS_OK);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(sd.got, STATUS_OK);
    assert_int_equal(msg.length, BIG_LEN);
    assert_memory_equal(msg.data, buf, BIG_LEN);
    frame_msg_free(&msg);
    free(buf);
    wire_destroy(sd.w);
    wire_destroy(server);
}

/* An abort wakes a send that waits for room, and resets the connection. */
static void test_wire_socket_abort_wakes_a_waiting_send(void **state)
{
    struct frame_limits limits = {UINT32_MAX, NULL};
    struct status_detail why = {STATUS_OK, ""};
    struct frame_msg msg = {0};
    struct sender sd;
    struct sched_thread t;
    struct wire *server = NULL;
    uint8_t *buf = calloc(1, BIG_LEN);
    int fds[2];

    (void)state;
    assert_non_null(buf);
    loopback_pair(fds);
    sd.w = new_socket_wire(fds[0], WIRE_SOCKET_CLIENT, NULL);
    sd.buf = buf;
    sd.len = BIG_LEN;
    server = new_socket_wire(fds[1], WIRE_SOCKET_SERVER, NULL);
    start_thread(&t, "client/send", send_big, &sd);
    assert_true(await_socket_writer(sd.w, STREAM_C2S, 1));
    wire_abort(sd.w, STREAM_C2S, STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(sd.got, STATUS_DEADLINE_EXCEEDED);
    /* The receiver had part of the message: the RST tears it. */
    assert_int_equal(wire_recv(server, STREAM_C2S, &limits, &msg, &why),
                     STATUS_UNAVAILABLE);
    frame_msg_free(&msg);
    free(buf);
    wire_destroy(sd.w);
    wire_destroy(server);
}

static void test_wire_socket_oversize_length(void **state)
{
    const uint8_t prefix[] = {0, 0, 0, 0, 17};
    struct frame_limits limits = {16, NULL};
    struct status_detail why = {STATUS_OK, ""};
    struct frame_msg msg = {0};
    struct wire *w = NULL;
    int fds[2];

    (void)state;
    loopback_pair(fds);
    w = new_socket_wire(fds[1], WIRE_SOCKET_SERVER, NULL);
    put(fds[0], prefix, sizeof prefix); /* no payload: none is awaited */
    assert_int_equal(wire_recv(w, STREAM_C2S, &limits, &msg, &why),
                     STATUS_RESOURCE_EXHAUSTED);
    assert_string_equal(why.text,
                        "grpc: received message larger than max (17 vs. 16)");
    assert_null(msg.data);
    wire_destroy(w);
    close(fds[0]);
}

static void test_wire_socket_peer_reset(void **state)
{
    struct linger hard = {1, 0};
    struct status_detail why = {STATUS_OK, ""};
    struct wire_socket_stats ss;
    struct frame_msg msg = {0};
    struct wire *w = NULL;
    int fds[2];

    (void)state;
    loopback_pair(fds);
    w = new_socket_wire(fds[1], WIRE_SOCKET_SERVER, NULL);
    assert_int_equal(
        setsockopt(fds[0], SOL_SOCKET, SO_LINGER, &hard, sizeof hard), 0);
    close(fds[0]); /* an RST */
    assert_int_equal(
        wire_recv(w, STREAM_C2S, &frame_default_limits, &msg, &why),
        STATUS_UNAVAILABLE);
    assert_string_equal(why.text, "Connection reset by peer");
    assert_int_equal(wire_send(w, STREAM_S2C, "x", 1, 100, &why),
                     STATUS_UNAVAILABLE);
    assert_string_equal(why.text, "Connection reset by peer");
    wire_socket_get_stats(w, &ss);
    assert_int_equal(ss.reset_read, 1);
    assert_int_equal(ss.fin_read, 0);
    /* Our abort after it has no connection left to reset. */
    assert_int_equal(wire_abort(w, STREAM_C2S, STATUS_UNAVAILABLE), 0);
    wire_socket_get_stats(w, &ss);
    assert_int_equal(ss.reset_sent, 0);
    wire_destroy(w);
}

/*
 * The kernel tells a reset once: here a send learns it, and the recv
 * after it would read 0, as if the peer had half-closed. It must still
 * say UNAVAILABLE: a reset is no EOF.
 */
static void test_wire_socket_reset_seen_by_send_is_no_eof(void **state)
{
    struct linger hard = {1, 0};
    struct status_detail why = {STATUS_OK, ""};
    struct frame_msg msg = {0};
    struct wire *w = NULL;
    int fds[2];
    int i = 0;
    enum status st = STATUS_OK;

    (void)state;
    loopback_pair(fds);
    w = new_socket_wire(fds[1], WIRE_SOCKET_SERVER, NULL);
    assert_int_equal(
        setsockopt(fds[0], SOL_SOCKET, SO_LINGER, &hard, sizeof hard), 0);
    close(fds[0]); /* an RST */
    /* The RST may still be on its way: a send or two may go first. */
    for (i = 0; i < 1000 && st == STATUS_OK; i++)
        st = wire_send(w, STREAM_S2C, "x", 1, 100, &why);
    assert_int_equal(st, STATUS_UNAVAILABLE);
    assert_int_equal(
        wire_recv(w, STREAM_C2S, &frame_default_limits, &msg, &why),
        STATUS_UNAVAILABLE);
    assert_string_equal(why.text, "Connection reset by peer");
    wire_destroy(w);
}

/*
 * Nobody ended the call but the connection: a reset that a send finds
 * ends the call with UNAVAILABLE, never OK. The server's send says so;
 * a client's send says EOF (grpc-go's SendMsg) and its recv the status.
 */
static void test_wire_socket_reset_ends_the_call_unavailable(void **state)
{
    struct linger hard = {1, 0};
    struct status_detail why = {STATUS_OK, ""};
    struct wire_socket_peer peer;
    struct wire_type type;
    struct frame_msg msg = {0};
    struct stream *s = NULL;
    enum status st = STATUS_OK;
    int fds[2];
    int side = 0;
    int i = 0;

    (void)state;
    for (side = WIRE_SOCKET_CLIENT; side <= WIRE_SOCKET_SERVER; side++) {
        struct stream_end *e = NULL;

        loopback_pair(fds);
        s = new_end(fds[1], side, &peer, &type, NULL);
        e = side == WIRE_SOCKET_SERVER ? stream_server(s) : stream_client(s);
        assert_int_equal(
            setsockopt(fds[0], SOL_SOCKET, SO_LINGER, &hard, sizeof hard), 0);
        close(fds[0]); /* an RST */
        st = STATUS_OK;
        for (i = 0; i < 1000 && st == STATUS_OK; i++)
            st = stream_send(e, "x", 1, &why);
        if (side == WIRE_SOCKET_SERVER) {
            assert_int_equal(st, STATUS_UNAVAILABLE);
            assert_string_equal(why.text, "Connection reset by peer");
        } else {
            assert_int_equal(st, STATUS_EOF);
            assert_int_equal(stream_recv(e, &msg, &why), STATUS_UNAVAILABLE);
            assert_string_equal(why.text, "Connection reset by peer");
        }
        frame_msg_free(&msg);
        stream_destroy(s);
    }
}

/* What a tap counted (see wire_socket_tap). */
struct tapped {
    size_t bytes[2]; /* [0] sent, [1] received */
    int events[WIRE_SOCKET_RESET + 1];
};

static void count_tap(void *arg, enum wire_socket_event ev,
                      const uint8_t *buf, size_t n)
{
    struct tapped *t = arg;

    (void)buf;
    t->events[ev]++;
    if (ev == WIRE_SOCKET_SENT || ev == WIRE_SOCKET_RECEIVED)
        t->bytes[ev == WIRE_SOCKET_RECEIVED] += n;
}

/*
 * The tap (what --pcap writes from) sees every byte each way, this end's
 * FIN and the peer's, once each, and this end's RST on an abort.
 */
static void test_wire_socket_tap_sees_every_byte(void **state)
{
    struct tapped t;
    struct wire_socket_peer peer;
    struct wire_params p;
    struct status_detail why = {STATUS_OK, ""};
    struct frame_msg msg = {0};
    struct wire *w = NULL;
    uint8_t back[7] = {0, 0, 0, 0, 2, 'o', 'k'};
    uint8_t got[64];
    size_t have = 0;
    ssize_t n = 0;
    int fds[2];

    (void)state;
    memset(&t, 0, sizeof t);
    loopback_pair(fds);
    peer.fd = fds[1];
    peer.side = WIRE_SOCKET_CLIENT;
    peer.tap.fn = count_tap;
    peer.tap.arg = &t;
    memset(&p, 0, sizeof p);
    assert_int_equal(wire_socket_create(&peer, &p, &w), STATUS_OK);
    assert_int_equal(wire_send(w, STREAM_C2S, "hello", 5, 100, &why),
                     STATUS_OK);
    wire_close_send(w, STREAM_C2S, NULL);
    while ((n = read(fds[0], got + have, sizeof got - have)) > 0)
        have += (size_t)n; /* until the FIN */
    assert_int_equal(have, 10);
    put(fds[0], back, sizeof back);
    close(fds[0]);
    assert_int_equal(
        wire_recv(w, STREAM_S2C, &frame_default_limits, &msg, &why),
        STATUS_OK);
    assert_int_equal(
        wire_recv(w, STREAM_S2C, &frame_default_limits, &msg, &why),
        STATUS_EOF);
    frame_msg_free(&msg);
    assert_int_equal(t.bytes[0], 10);
    assert_int_equal(t.bytes[1], 7);
    assert_int_equal(t.events[WIRE_SOCKET_FIN], 1);
    assert_int_equal(t.events[WIRE_SOCKET_PEER_FIN], 1);
    assert_int_equal(t.events[WIRE_SOCKET_PEER_RESET], 0);
    wire_abort(w, STREAM_S2C, STATUS_CANCELLED);
    assert_int_equal(t.events[WIRE_SOCKET_RESET], 1);
    wire_destroy(w);
}

static void test_wire_socket_abort_wakes_and_resets(void **state)
{
    int fds_before = count_entries("/proc/self/fd");
    int threads_before = count_entries("/proc/self/task");
    struct status_detail why = {STATUS_OK, ""};
    struct wire_socket_stats ss;
    struct frame_msg msg = {0};
    struct receiver r;
    struct sched_thread t;
    struct wire *client = NULL;
    int fds[2];

    (void)state;
    loopback_pair(fds);
    client = new_socket_wire(fds[0], WIRE_SOCKET_CLIENT, NULL);
    start_receiver(&r, &t, fds[1]);
    assert_true(await_socket_reader(r.w, STREAM_C2S, 1));
    assert_int_equal(wire_abort(r.w, STREAM_C2S, STATUS_CANCELLED), 0);
    assert_int_equal(wire_abort(r.w, STREAM_S2C, STATUS_CANCELLED), 0);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(r.got, STATUS_CANCELLED); /* our end keeps the reason */
    wire_socket_get_stats(r.w, &ss);
    assert_int_equal(ss.reset_sent, 1);
    /* The peer learns only that the connection is gone. */
    assert_int_equal(
        wire_recv(client, STREAM_S2C, &frame_default_limits, &msg, &why),
        STATUS_UNAVAILABLE);
    assert_string_equal(why.text, "Connection reset by peer");
    wire_destroy(r.w);
    wire_destroy(client);
    assert_int_equal(count_entries("/proc/self/fd"), fds_before);
    assert_int_equal(count_entries("/proc/self/task"), threads_before);
}

static void test_wire_socket_torn_frame(void **state)
{
    const uint8_t part[] = {0, 0, 0, 0, 10, 'h', 'a', 'l', 'f'};
    struct status_detail why = {STATUS_OK, ""};
    struct frame_msg msg = {0};
    struct wire *w = NULL;
    int fds[2];

    (void)state;
    loopback_pair(fds);
    w = new_socket_wire(fds[1], WIRE_SOCKET_SERVER, NULL);
    put(fds[0], part, sizeof part);
    close(fds[0]); /* a FIN inside the payload */
    assert_int_equal(
        wire_recv(w, STREAM_C2S, &frame_default_limits, &msg, &why),
        STATUS_INTERNAL);
    assert_string_equal(why.text, "unexpected EOF");
    frame_msg_free(&msg);
    wire_destroy(w);
}

static void test_wire_socket_deadline(void **state)
{
    struct status_detail why = {STATUS_OK, ""};
    struct frame_msg msg = {0};
    struct wire *w = NULL;
    int fds[2];

    (void)state;
    loopback_pair(fds);
    w = new_socket_wire(fds[1], WIRE_SOCKET_SERVER, NULL);
    wire_set_deadline(w, sched_now_ns() + 20 * 1000000);
    assert_int_equal(
        wire_recv(w, STREAM_C2S, &frame_default_limits, &msg, &why),
        STATUS_DEADLINE_EXCEEDED);
    wire_destroy(w);
    close(fds[0]);
}

static enum status create_in_sim(void *arg)
{
    struct wire_socket_peer *peer = arg;
    struct wire_params p;
    struct wire *w = NULL;

    memset(&p, 0, sizeof p);
    return wire_socket_create(peer, &p, &w);
}

static void test_wire_socket_refused_in_sim(void **state)
{
    int fds_before = count_entries("/proc/self/fd");
    struct sched_sim_options o;
    struct sched_sim_result res;
    struct wire_socket_peer peer = {-1, WIRE_SOCKET_CLIENT, {NULL, NULL}};
    enum status out = STATUS_OK;
    int fds[2];

    (void)state;
    loopback_pair(fds);
    peer.fd = fds[0];
    memset(&o, 0, sizeof o);
    memset(&res, 0, sizeof res);
    assert_int_equal(sched_sim_run(&o, create_in_sim, &peer, &out, &res),
                     STATUS_OK);
    assert_int_equal(out, STATUS_FAILED_PRECONDITION);
    sched_sim_result_free(&res);
    close(fds[1]);
    /* The wire owned fds[0] and closed it. */
    assert_int_equal(count_entries("/proc/self/fd"), fds_before);
}

static enum status nothing(void *arg)
{
    (void)arg;
    return STATUS_OK;
}

int main(void)
{
    struct sched_thread warm;

    /*
     * A thread started and joined before any test: ThreadSanitizer starts
     * a thread of its own with the first one, which no test should count.
     */
    if (sched_thread_start(&warm, "warm-up", nothing, NULL) == STATUS_OK)
        sched_thread_join(&warm);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_socket_echo_half_close),
        cmocka_unit_test(test_wire_socket_frame_split_across_reads),
        cmocka_unit_test(test_wire_socket_send_waits_for_room),
        cmocka_unit_test(test_wire_socket_abort_wakes_a_waiting_send),
        cmocka_unit_test(test_wire_socket_oversize_length),
        cmocka_unit_test(test_wire_socket_peer_reset),
        cmocka_unit_test(test_wire_socket_reset_seen_by_send_is_no_eof),
        cmocka_unit_test(test_wire_socket_reset_ends_the_call_unavailable),
        cmocka_unit_test(test_wire_socket_tap_sees_every_byte),
        cmocka_unit_test(test_wire_socket_abort_wakes_and_resets),
        cmocka_unit_test(test_wire_socket_torn_frame),
        cmocka_unit_test(test_wire_socket_deadline),
        cmocka_unit_test(test_wire_socket_refused_in_sim),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

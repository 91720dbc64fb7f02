/*
 * test_wire: the wire interface (wire.h) and the raw wire (wire_raw.h).
 *
 * What is checked:
 *   - the raw wire on its own: a message each way, the half-close (every
 *     message, then EOF), a closed reader (the sender gets CLOSED), an
 *     abort (both ends fail with the reason, the bytes are dropped and
 *     counted), its pipes and their names, the wait counters;
 *   - the stream goes through its wire for everything it puts on the
 *     network: a counting wire (the raw wire with a tally of each
 *     operation) sees the sends, the recvs, CloseSend as close_send(c2s)
 *     with no trailer, the server's finish as close_send(s2c) with its
 *     status and close_recv(c2s), and a cancel as one abort per direction;
 *   - a call with no wire named is on the raw wire.
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
#include "core/status.h"
#include "core/stream.h"
#include "core/wire.h"
#include "core/wire_raw.h"
#include "support.h"

static struct wire *new_raw(size_t capacity)
{
    struct wire_params p;
    struct wire *w = NULL;

    memset(&p, 0, sizeof p);
    p.capacity = capacity;
    assert_int_equal(wire_raw_create(NULL, &p, &w), STATUS_OK);
    assert_non_null(w);
    return w;
}

static void expect_msg(struct wire *w, int dir, const char *text)
{
    struct frame_msg msg = {0};

    assert_int_equal(wire_recv(w, dir, &frame_default_limits, &msg, NULL),
                     STATUS_OK);
    assert_int_equal(msg.length, strlen(text));
    assert_memory_equal(msg.data, text, msg.length);
    frame_msg_free(&msg);
}

static void test_wire_raw_carries_each_direction(void **state)
{
    struct wire *w = new_raw(0);
    struct frame_msg msg = {0};

    (void)state;
    assert_string_equal(wire_name(w), "raw");
    assert_string_equal(pipe_name(wire_pipe(w, STREAM_C2S)), "c2s");
    assert_string_equal(pipe_name(wire_pipe(w, STREAM_S2C)), "s2c");
    assert_int_equal(wire_send(w, STREAM_C2S, "ping", 4, 100, NULL),
                     STATUS_OK);
    assert_int_equal(wire_send(w, STREAM_S2C, "pong", 4, 100, NULL),
                     STATUS_OK);
    /* A frame: 5 header bytes, then the payload, on that direction's pipe. */
    assert_int_equal(pipe_buffered(wire_pipe(w, STREAM_C2S)), 5 + 4);
    expect_msg(w, STREAM_C2S, "ping");
    expect_msg(w, STREAM_S2C, "pong");

    /* The half-close: what was sent, then EOF, sticky. */
    assert_int_equal(wire_send(w, STREAM_C2S, "last", 4, 100, NULL),
                     STATUS_OK);
    wire_close_send(w, STREAM_C2S, NULL);
    expect_msg(w, STREAM_C2S, "last");
    assert_int_equal(wire_recv(w, STREAM_C2S, &frame_default_limits, &msg,
                               NULL),
                     STATUS_EOF);
    assert_int_equal(wire_recv(w, STREAM_C2S, &frame_default_limits, &msg,
                               NULL),
                     STATUS_EOF);
    frame_msg_free(&msg);
    wire_destroy(w);
}

static void test_wire_raw_refuses_too_large_and_closed(void **state)
{
    struct wire *w = new_raw(0);
    struct status_detail why;

    (void)state;
    assert_int_equal(wire_send(w, STREAM_S2C, "abcde", 5, 4, &why),
                     STATUS_RESOURCE_EXHAUSTED);
    assert_string_equal(why.text,
                        "trying to send message larger than max (5 vs. 4)");
    assert_int_equal(pipe_buffered(wire_pipe(w, STREAM_S2C)), 0);
    wire_close_recv(w, STREAM_S2C);
    assert_int_equal(wire_send(w, STREAM_S2C, "x", 1, 4, NULL),
                     STATUS_CLOSED);
    wire_destroy(w);
}

static void test_wire_raw_abort_drops_and_counts(void **state)
{
    struct wire *w = new_raw(0);
    struct frame_msg msg = {0};

    (void)state;
    assert_int_equal(wire_send(w, STREAM_C2S, "abc", 3, 100, NULL),
                     STATUS_OK);
    assert_int_equal(wire_abort(w, STREAM_C2S, STATUS_CANCELLED), 5 + 3);
    assert_int_equal(wire_abort(w, STREAM_S2C, STATUS_CANCELLED), 0);
    assert_int_equal(wire_recv(w, STREAM_C2S, &frame_default_limits, &msg,
                               NULL),
                     STATUS_CANCELLED);
    assert_int_equal(wire_send(w, STREAM_S2C, "x", 1, 100, NULL),
                     STATUS_CANCELLED);
    frame_msg_free(&msg);
    wire_destroy(w);
}

/* A past deadline: a recv on an empty direction fails at once. */
static void test_wire_raw_deadline_and_waits(void **state)
{
    struct wire *w = new_raw(0);
    struct frame_msg msg = {0};
    uint64_t ww = 99, rw = 99;

    (void)state;
    wire_waits(w, STREAM_C2S, &ww, &rw);
    assert_int_equal(ww, 0);
    assert_int_equal(rw, 0);
    wire_set_deadline(w, sched_now_ns() - 1);
    assert_int_equal(wire_recv(w, STREAM_S2C, &frame_default_limits, &msg,
                               NULL),
                     STATUS_DEADLINE_EXCEEDED);
    /* As net.Conn's deadlines: every later call fails too. */
    assert_int_equal(wire_send(w, STREAM_C2S, "x", 1, 100, NULL),
                     STATUS_DEADLINE_EXCEEDED);
    frame_msg_free(&msg);
    wire_destroy(w);
}

static void test_wire_destroy_null_is_noop(void **state)
{
    (void)state;
    wire_destroy(NULL);
}

/* ---- a counting wire: the raw wire with a tally of each operation ---- */

struct tally {
    int sends[2], recvs[2], close_sends[2], close_recvs[2], aborts[2];
    int created, destroyed;
    struct status_detail trailer; /* what close_send(s2c) was given */
    int c2s_trailer;              /* close_send(c2s) was given one */
    struct status_detail wired;   /* what its trailer op says, if code */
};

struct counting {
    struct wire base;
    struct wire *raw;
    struct tally *tally;
};

static struct counting *counting_of(struct wire *w)
{
    return (struct counting *)w;
}

static enum status c_send(struct wire *w, int dir, const void *buf, size_t len,
                          uint32_t max_send, struct status_detail *why)
{
    counting_of(w)->tally->sends[dir]++;
    return wire_send(counting_of(w)->raw, dir, buf, len, max_send, why);
}

static enum status c_recv(struct wire *w, int dir,
                          const struct frame_limits *limits,
                          struct frame_msg *msg, struct status_detail *why)
{
    counting_of(w)->tally->recvs[dir]++;
    return wire_recv(counting_of(w)->raw, dir, limits, msg, why);
}

static void c_close_send(struct wire *w, int dir,
                         const struct status_detail *trailer)
{
    struct tally *t = counting_of(w)->tally;

    t->close_sends[dir]++;
    if (dir == STREAM_S2C && trailer != NULL)
        t->trailer = *trailer;
    if (dir == STREAM_C2S && trailer != NULL)
        t->c2s_trailer = 1;
    wire_close_send(counting_of(w)->raw, dir, trailer);
}

static void c_close_recv(struct wire *w, int dir)
{
    counting_of(w)->tally->close_recvs[dir]++;
    wire_close_recv(counting_of(w)->raw, dir);
}

static size_t c_abort(struct wire *w, int dir, enum status reason)
{
    counting_of(w)->tally->aborts[dir]++;
    return wire_abort(counting_of(w)->raw, dir, reason);
}

static void c_set_deadline(struct wire *w, int64_t deadline_ns)
{
    wire_set_deadline(counting_of(w)->raw, deadline_ns);
}

static void c_waits(struct wire *w, int dir, uint64_t *ww, uint64_t *rw)
{
    wire_waits(counting_of(w)->raw, dir, ww, rw);
}

static struct pipe *c_pipe(struct wire *w, int dir)
{
    return wire_pipe(counting_of(w)->raw, dir);
}

static void c_destroy(struct wire *w)
{
    counting_of(w)->tally->destroyed++;
    wire_destroy(counting_of(w)->raw);
    free(w);
}

/* A status on the wire only when the test put one there. */
static int c_trailer(struct wire *w, struct status_detail *out)
{
    struct tally *t = counting_of(w)->tally;

    if (t->wired.code == STATUS_OK)
        return 0;
    *out = t->wired;
    return 1;
}

static const struct wire_ops counting_ops = {
    "counting", c_send,         c_recv,  c_close_send, c_close_recv,
    c_abort,    c_set_deadline, c_waits, c_pipe,       c_destroy,
    c_trailer,  NULL,
};

static enum status counting_create(void *arg, const struct wire_params *p,
                                   struct wire **out)
{
    struct counting *c = calloc(1, sizeof *c);

    if (c == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    if (wire_raw_create(NULL, p, &c->raw) != STATUS_OK) {
        free(c);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    c->base.ops = &counting_ops;
    c->tally = arg;
    c->tally->created++;
    *out = &c->base;
    return STATUS_OK;
}

static struct stream *new_counted(struct tally *t, struct wire_type *type)
{
    struct stream_options o;
    struct stream *s = NULL;

    memset(t, 0, sizeof *t);
    type->name = "counting";
    type->create = counting_create;
    type->arg = t;
    memset(&o, 0, sizeof o);
    o.wire = type;
    assert_int_equal(stream_create(NULL, &o, &s), STATUS_OK);
    return s;
}

static void test_wire_stream_goes_through_its_wire(void **state)
{
    struct tally t;
    struct wire_type type;
    struct stream *s = new_counted(&t, &type);
    struct frame_msg msg = {0};

    (void)state;
    assert_int_equal(t.created, 1);
    assert_string_equal(stream_wire_name(s), "counting");
    assert_int_equal(stream_send(stream_client(s), "hi", 2, NULL), STATUS_OK);
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    assert_int_equal(stream_recv(stream_server(s), &msg, NULL), STATUS_OK);
    assert_int_equal(stream_recv(stream_server(s), &msg, NULL), STATUS_EOF);
    assert_int_equal(stream_send(stream_server(s), "yo", 2, NULL), STATUS_OK);
    assert_int_equal(
        stream_finish(stream_server(s), STATUS_NOT_FOUND, "no such room"),
        STATUS_OK);
    assert_int_equal(stream_recv(stream_client(s), &msg, NULL), STATUS_OK);
    assert_int_equal(stream_recv(stream_client(s), &msg, NULL),
                     STATUS_NOT_FOUND);

    assert_int_equal(t.sends[STREAM_C2S], 1);
    assert_int_equal(t.sends[STREAM_S2C], 1);
    assert_int_equal(t.recvs[STREAM_C2S], 2);
    assert_int_equal(t.recvs[STREAM_S2C], 2);
    assert_int_equal(t.close_sends[STREAM_C2S], 1); /* CloseSend */
    assert_int_equal(t.c2s_trailer, 0);             /* END_STREAM alone */
    assert_int_equal(t.close_sends[STREAM_S2C], 1); /* the finish */
    assert_int_equal(t.trailer.code, STATUS_NOT_FOUND);
    assert_string_equal(t.trailer.text, "no such room");
    assert_int_equal(t.close_recvs[STREAM_C2S], 1);
    assert_int_equal(t.aborts[0] + t.aborts[1], 0);
    frame_msg_free(&msg);
    stream_destroy(s);
    assert_int_equal(t.destroyed, 1);
}

static void test_wire_stream_cancel_aborts_each_direction(void **state)
{
    struct tally t;
    struct wire_type type;
    struct stream *s = new_counted(&t, &type);

    (void)state;
    assert_int_equal(stream_send(stream_client(s), "lost", 4, NULL),
                     STATUS_OK);
    stream_cancel(stream_server(s));
    assert_int_equal(t.aborts[STREAM_C2S], 1);
    assert_int_equal(t.aborts[STREAM_S2C], 1);
    assert_int_equal(stream_get_stats(s).bytes_discarded[STREAM_C2S], 5 + 4);
    stream_destroy(s);
}

/*
 * A wire that carries the server's status (HTTP/2's trailers) is where
 * the client learns it: the client's final status is the wire's, not
 * what the server's end handed to stream_finish.
 */
static void test_wire_status_comes_from_the_wire(void **state)
{
    struct tally t;
    struct wire_type type;
    struct stream *s = new_counted(&t, &type);
    struct frame_msg msg = {0};
    struct status_detail why;

    (void)state;
    status_detail_set(&t.wired, STATUS_ABORTED, "as the trailers said");
    assert_int_equal(stream_finish(stream_server(s), STATUS_OK, NULL),
                     STATUS_OK);
    assert_int_equal(stream_recv(stream_client(s), &msg, &why),
                     STATUS_ABORTED);
    assert_string_equal(why.text, "as the trailers said");
    assert_int_equal(stream_final_status(s, NULL), STATUS_ABORTED);
    frame_msg_free(&msg);
    stream_destroy(s);
}

static void test_wire_default_is_raw(void **state)
{
    struct stream *s = NULL;
    struct stream_options o;

    (void)state;
    assert_int_equal(stream_create(NULL, NULL, &s), STATUS_OK);
    assert_string_equal(stream_wire_name(s), "raw");
    stream_destroy(s);
    memset(&o, 0, sizeof o);
    o.wire = &wire_raw_type;
    assert_int_equal(stream_create(NULL, &o, &s), STATUS_OK);
    assert_string_equal(stream_wire_name(s), "raw");
    assert_string_equal(pipe_name(stream_pipe(s, STREAM_S2C)), "s2c");
    stream_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_raw_carries_each_direction),
        cmocka_unit_test(test_wire_raw_refuses_too_large_and_closed),
        cmocka_unit_test(test_wire_raw_abort_drops_and_counts),
        cmocka_unit_test(test_wire_raw_deadline_and_waits),
        cmocka_unit_test(test_wire_destroy_null_is_noop),
        cmocka_unit_test(test_wire_stream_goes_through_its_wire),
        cmocka_unit_test(test_wire_stream_cancel_aborts_each_direction),
        cmocka_unit_test(test_wire_status_comes_from_the_wire),
        cmocka_unit_test(test_wire_default_is_raw),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

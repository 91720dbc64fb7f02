/*
 * test_frame: gRPC's 5-byte message header, over buffers and over pipes.
 *
 * The codec is tested the way nghttp2 tests its frames: tables of input
 * bytes with the status, header fields and grpc-go text each must give.
 * Before every call the out-parameters are filled with a sentinel, so a
 * failing call that writes them anyway is caught.
 *
 * The pipe tests run frames through pipes of several capacities. When a
 * frame is larger than the pipe, a writer thread sends it while the test
 * reads; as everywhere, only the test's own thread asserts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/pipe.h"
#include "core/sched.h"
#include "core/status.h"
#include "support.h"

/* Sentinels: what out-parameters hold before a call. */
#define SENTINEL_FLAG 0xaa
#define SENTINEL_LENGTH 0xdeadbeefu
#define SENTINEL_SIZE ((size_t)0x5e5e5e5e)

#define COMPRESSED_TEXT                                                        \
    "grpc: compressed flag set with identity or empty encoding"

static const struct frame_limits lim_gzip = {FRAME_DEFAULT_MAX_RECV, "gzip"};
static const struct frame_limits lim_identity = {FRAME_DEFAULT_MAX_RECV,
                                                 "identity"};
static const struct frame_limits lim_empty = {FRAME_DEFAULT_MAX_RECV, ""};
static const struct frame_limits lim_none = {FRAME_DEFAULT_MAX_RECV, NULL};
static const struct frame_limits lim_four = {4, NULL};
static const struct frame_limits lim_zero = {0, NULL};
static const struct frame_limits lim_all = {UINT32_MAX, NULL};

static struct status_detail sentinel_detail(void)
{
    struct status_detail d = {STATUS_DATA_LOSS, "sentinel"};

    return d;
}

/* --- byte order ------------------------------------------------------- */

static const struct {
    uint32_t value;
    uint8_t bytes[4];
} u32_rows[] = {
    {0x00000000u, {0x00, 0x00, 0x00, 0x00}},
    {0x00000001u, {0x00, 0x00, 0x00, 0x01}},
    {0x000000ffu, {0x00, 0x00, 0x00, 0xff}},
    {0x00000100u, {0x00, 0x00, 0x01, 0x00}},
    {0x00400000u, {0x00, 0x40, 0x00, 0x00}}, /* 4 MiB */
    {0x01020304u, {0x01, 0x02, 0x03, 0x04}},
    {0x80000000u, {0x80, 0x00, 0x00, 0x00}},
    {0xffffffffu, {0xff, 0xff, 0xff, 0xff}},
};

static void test_frame_u32_is_big_endian_both_ways(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof u32_rows / sizeof u32_rows[0]; i++) {
        uint8_t buf[6] = {0xee, 0xee, 0xee, 0xee, 0xee, 0xee};

        frame_put_u32(buf + 1, u32_rows[i].value);
        assert_memory_equal(buf + 1, u32_rows[i].bytes, 4);
        assert_int_equal(buf[0], 0xee); /* nothing written outside */
        assert_int_equal(buf[5], 0xee);
        assert_int_equal(frame_get_u32(u32_rows[i].bytes), u32_rows[i].value);
        assert_int_equal(frame_get_u32(buf + 1), u32_rows[i].value);
    }
}

static void test_frame_encode_header_bytes(void **state)
{
    static const uint8_t want[FRAME_HEADER_LEN] = {0x01, 0x01, 0x02, 0x03,
                                                   0x04};
    uint8_t out[FRAME_HEADER_LEN] = {0};

    (void)state;
    frame_encode_header(out, FRAME_FLAG_COMPRESSED, 0x01020304u);
    assert_memory_equal(out, want, FRAME_HEADER_LEN);
}

/* --- frame_decode_header ---------------------------------------------- */

struct header_row {
    uint8_t in[FRAME_HEADER_LEN];
    const struct frame_limits *lim; /* NULL: the defaults */
    enum status want;
    uint8_t flag;     /* expected when want is OK */
    uint32_t length;  /* expected when want is OK */
    const char *text; /* expected why->text when want is not OK */
};

/* clang-format off */
static const struct header_row header_rows[] = {
    /* Plain messages, including the empty one and the inclusive limit. */
    {{0, 0, 0, 0, 0}, NULL, STATUS_OK, 0, 0, NULL},
    {{0, 0, 0, 0, 5}, NULL, STATUS_OK, 0, 5, NULL},
    {{0, 1, 2, 3, 4}, &lim_all, STATUS_OK, 0, 0x01020304u, NULL},
    {{0, 0xff, 0xff, 0xff, 0xff}, &lim_all, STATUS_OK, 0, 0xffffffffu, NULL},
    {{0, 0, 0x40, 0, 0}, NULL, STATUS_OK, 0, 4194304, NULL},
    {{0, 0, 0, 0, 4}, &lim_four, STATUS_OK, 0, 4, NULL},
    {{0, 0, 0, 0, 0}, &lim_zero, STATUS_OK, 0, 0, NULL},
    /* One byte over the limit. */
    {{0, 0, 0x40, 0, 1}, NULL, STATUS_RESOURCE_EXHAUSTED, 0, 0,
     "grpc: received message larger than max (4194305 vs. 4194304)"},
    {{0, 0xff, 0xff, 0xff, 0xff}, NULL, STATUS_RESOURCE_EXHAUSTED, 0, 0,
     "grpc: received message larger than max (4294967295 vs. 4194304)"},
    {{0, 0, 0, 0, 5}, &lim_four, STATUS_RESOURCE_EXHAUSTED, 0, 0,
     "grpc: received message larger than max (5 vs. 4)"},
    {{0, 0, 0, 0, 1}, &lim_zero, STATUS_RESOURCE_EXHAUSTED, 0, 0,
     "grpc: received message larger than max (1 vs. 0)"},
    /* Compressed: only with a real encoding. */
    {{1, 0, 0, 0, 3}, &lim_gzip, STATUS_OK, 1, 3, NULL},
    {{1, 0, 0, 0, 0}, &lim_gzip, STATUS_OK, 1, 0, NULL},
    {{1, 0, 0, 0, 3}, NULL, STATUS_INTERNAL, 0, 0, COMPRESSED_TEXT},
    {{1, 0, 0, 0, 3}, &lim_none, STATUS_INTERNAL, 0, 0, COMPRESSED_TEXT},
    {{1, 0, 0, 0, 3}, &lim_identity, STATUS_INTERNAL, 0, 0, COMPRESSED_TEXT},
    {{1, 0, 0, 0, 3}, &lim_empty, STATUS_INTERNAL, 0, 0, COMPRESSED_TEXT},
    /* Flags other than 0 and 1, with or without an encoding. */
    {{2, 0, 0, 0, 0}, NULL, STATUS_INTERNAL, 0, 0,
     "grpc: received unexpected payload format 2"},
    {{2, 0, 0, 0, 3}, &lim_gzip, STATUS_INTERNAL, 0, 0,
     "grpc: received unexpected payload format 2"},
    {{0x80, 0, 0, 0, 0}, NULL, STATUS_INTERNAL, 0, 0,
     "grpc: received unexpected payload format 128"},
    {{0xff, 0, 0, 0, 0}, NULL, STATUS_INTERNAL, 0, 0,
     "grpc: received unexpected payload format 255"},
    /* Both wrong: the length is judged first, as grpc-go's parser does. */
    {{2, 0, 0, 0, 5}, &lim_four, STATUS_RESOURCE_EXHAUSTED, 0, 0,
     "grpc: received message larger than max (5 vs. 4)"},
    {{1, 0, 0x40, 0, 1}, NULL, STATUS_RESOURCE_EXHAUSTED, 0, 0,
     "grpc: received message larger than max (4194305 vs. 4194304)"},
};
/* clang-format on */

static void test_frame_decode_header_table(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof header_rows / sizeof header_rows[0]; i++) {
        const struct header_row *r = &header_rows[i];
        struct frame_header h = {SENTINEL_FLAG, SENTINEL_LENGTH};
        struct status_detail why = sentinel_detail();

        assert_int_equal(frame_decode_header(r->in, r->lim, &h, &why), r->want);
        if (r->want == STATUS_OK) {
            assert_int_equal(h.flag, r->flag);
            assert_int_equal(h.length, r->length);
        } else {
            assert_int_equal(h.flag, SENTINEL_FLAG);
            assert_int_equal(h.length, SENTINEL_LENGTH);
            assert_int_equal(why.code, r->want);
            assert_string_equal(why.text, r->text);
        }
        /* why may be NULL: same answer, no text. */
        assert_int_equal(frame_decode_header(r->in, r->lim, &h, NULL), r->want);
    }
}

/* Every flag from 2 to 255 is rejected, with its number in the text. */
static void test_frame_decode_header_rejects_flags_2_to_255(void **state)
{
    unsigned flag = 0;

    (void)state;
    for (flag = 2; flag <= 255; flag++) {
        uint8_t in[FRAME_HEADER_LEN] = {(uint8_t)flag, 0, 0, 0, 1};
        struct frame_header h = {SENTINEL_FLAG, SENTINEL_LENGTH};
        struct status_detail why = sentinel_detail();
        char want[STATUS_TEXT_MAX];

        snprintf(want, sizeof want,
                 "grpc: received unexpected payload format %u", flag);
        assert_int_equal(frame_decode_header(in, &lim_gzip, &h, &why),
                         STATUS_INTERNAL);
        assert_int_equal(why.code, STATUS_INTERNAL);
        assert_string_equal(why.text, want);
        assert_int_equal(h.flag, SENTINEL_FLAG);
        assert_int_equal(h.length, SENTINEL_LENGTH);
    }
}

/* --- frame_decode ----------------------------------------------------- */

struct decode_row {
    uint8_t in[16];
    size_t len;                     /* bytes of in that are input */
    const struct frame_limits *lim; /* NULL: the defaults */
    enum status want;
    uint8_t flag;     /* expected when want is OK */
    uint32_t length;  /* expected when want is OK */
    size_t consumed;  /* expected when want is OK */
    const char *text; /* expected why->text, or NULL */
};

/* clang-format off */
static const struct decode_row decode_rows[] = {
    /* Nothing at all is the clean end between frames. */
    {{0}, 0, NULL, STATUS_EOF, 0, 0, 0, NULL},
    /* The bytes end inside the header. */
    {{0}, 1, NULL, STATUS_INTERNAL, 0, 0, 0, "unexpected EOF"},
    {{0, 0, 0, 0}, 4, NULL, STATUS_INTERNAL, 0, 0, 0, "unexpected EOF"},
    /* Whole frames; a zero-length message is a message. */
    {{0, 0, 0, 0, 0}, 5, NULL, STATUS_OK, 0, 0, 5, NULL},
    {{0, 0, 0, 0, 3, 'a', 'b', 'c'}, 8, NULL, STATUS_OK, 0, 3, 8, NULL},
    {{0, 0, 0, 0, 4, 'a', 'b', 'c', 'd'}, 9, &lim_four, STATUS_OK, 0, 4, 9,
     NULL},
    {{1, 0, 0, 0, 1, 'z'}, 6, &lim_gzip, STATUS_OK, 1, 1, 6, NULL},
    /* Only the first frame is decoded; the rest is left for the next call. */
    {{0, 0, 0, 0, 1, 'a', 0, 0, 0, 0, 0}, 11, NULL, STATUS_OK, 0, 1, 6, NULL},
    /* The bytes end inside the payload. */
    {{0, 0, 0, 0, 3}, 5, NULL, STATUS_INTERNAL, 0, 0, 0, "unexpected EOF"},
    {{0, 0, 0, 0, 3, 'a', 'b'}, 7, NULL, STATUS_INTERNAL, 0, 0, 0,
     "unexpected EOF"},
    /* Bad headers, judged before the missing payload. */
    {{1, 0, 0, 0, 1, 'z'}, 6, NULL, STATUS_INTERNAL, 0, 0, 0,
     COMPRESSED_TEXT},
    {{5, 0, 0, 0, 0}, 5, NULL, STATUS_INTERNAL, 0, 0, 0,
     "grpc: received unexpected payload format 5"},
    {{9, 0, 0, 0, 1}, 5, NULL, STATUS_INTERNAL, 0, 0, 0,
     "grpc: received unexpected payload format 9"},
    {{0, 0, 0, 0, 5, 'a'}, 6, &lim_four, STATUS_RESOURCE_EXHAUSTED, 0, 0, 0,
     "grpc: received message larger than max (5 vs. 4)"},
};
/* clang-format on */

static void test_frame_decode_table(void **state)
{
    static const uint8_t sentinel_byte = 0;
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof decode_rows / sizeof decode_rows[0]; i++) {
        const struct decode_row *r = &decode_rows[i];
        struct frame_header h = {SENTINEL_FLAG, SENTINEL_LENGTH};
        const uint8_t *payload = &sentinel_byte;
        size_t consumed = SENTINEL_SIZE;
        struct status_detail why = sentinel_detail();

        assert_int_equal(
            frame_decode(r->in, r->len, r->lim, &h, &payload, &consumed, &why),
            r->want);
        if (r->want == STATUS_OK) {
            assert_int_equal(h.flag, r->flag);
            assert_int_equal(h.length, r->length);
            assert_ptr_equal(payload, r->in + FRAME_HEADER_LEN);
            assert_int_equal(consumed, r->consumed);
            continue;
        }
        assert_int_equal(h.flag, SENTINEL_FLAG);
        assert_int_equal(h.length, SENTINEL_LENGTH);
        assert_ptr_equal(payload, &sentinel_byte);
        assert_int_equal(consumed, SENTINEL_SIZE);
        if (r->text != NULL) {
            assert_int_equal(why.code, r->want);
            assert_string_equal(why.text, r->text);
        }
        assert_int_equal(
            frame_decode(r->in, r->len, r->lim, &h, &payload, &consumed, NULL),
            r->want);
    }
}

/* A buffer of back-to-back frames decodes one by one, then EOF. */
static void test_frame_decode_walks_back_to_back_frames(void **state)
{
    static const uint8_t wire[] = {0, 0, 0, 0, 2, 'h', 'i', /* "hi" */
                                   0, 0, 0, 0, 0,           /* "" */
                                   0, 0, 0, 0, 3, 'y', 'o', 'u'};
    static const char *const want[] = {"hi", "", "you"};
    size_t off = 0;
    size_t i = 0;

    (void)state;
    for (i = 0; i < 3; i++) {
        struct frame_header h;
        const uint8_t *payload = NULL;
        size_t consumed = 0;

        assert_int_equal(frame_decode(wire + off, sizeof wire - off, NULL, &h,
                                      &payload, &consumed, NULL),
                         STATUS_OK);
        assert_int_equal(h.length, strlen(want[i]));
        assert_memory_equal(payload, want[i], h.length);
        off += consumed;
    }
    assert_int_equal(off, sizeof wire);
    {
        struct frame_header h;
        const uint8_t *payload = NULL;
        size_t consumed = 0;

        assert_int_equal(
            frame_decode(wire + off, 0, NULL, &h, &payload, &consumed, NULL),
            STATUS_EOF);
    }
}

/* --- frame_encode ----------------------------------------------------- */

static void test_frame_encode_exact_fit(void **state)
{
    static const uint8_t want[] = {0, 0, 0, 0, 3, 'a', 'b', 'c'};
    uint8_t out[sizeof want + 1];
    size_t out_len = SENTINEL_SIZE;

    (void)state;
    memset(out, 0xee, sizeof out);
    assert_int_equal(
        frame_encode(FRAME_FLAG_PLAIN, "abc", 3, out, sizeof want, &out_len),
        STATUS_OK);
    assert_int_equal(out_len, sizeof want);
    assert_memory_equal(out, want, sizeof want);
    assert_int_equal(out[sizeof want], 0xee);
}

static void test_frame_encode_empty_and_compressed(void **state)
{
    static const uint8_t empty[] = {0, 0, 0, 0, 0};
    static const uint8_t zipped[] = {1, 0, 0, 0, 2, 0x1f, 0x8b};
    uint8_t out[16];
    size_t out_len = SENTINEL_SIZE;

    (void)state;
    assert_int_equal(frame_encode(FRAME_FLAG_PLAIN, NULL, 0, out,
                                  FRAME_HEADER_LEN, &out_len),
                     STATUS_OK);
    assert_int_equal(out_len, FRAME_HEADER_LEN);
    assert_memory_equal(out, empty, sizeof empty);
    assert_int_equal(frame_encode(FRAME_FLAG_COMPRESSED, zipped + 5, 2, out,
                                  sizeof out, &out_len),
                     STATUS_OK);
    assert_int_equal(out_len, sizeof zipped);
    assert_memory_equal(out, zipped, sizeof zipped);
}

static void test_frame_encode_too_small_leaves_outputs_alone(void **state)
{
    static const struct {
        size_t length;
        size_t out_cap;
    } rows[] = {{0, 0}, {0, 4}, {3, 7}, {3, 5}, {10, 14}};
    uint8_t out[16];
    uint8_t untouched[16];
    size_t i = 0;

    (void)state;
    memset(untouched, 0xee, sizeof untouched);
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t out_len = SENTINEL_SIZE;

        memset(out, 0xee, sizeof out);
        assert_int_equal(frame_encode(FRAME_FLAG_PLAIN, "0123456789",
                                      rows[i].length, out, rows[i].out_cap,
                                      &out_len),
                         STATUS_RESOURCE_EXHAUSTED);
        assert_int_equal(out_len, SENTINEL_SIZE);
        assert_memory_equal(out, untouched, sizeof out);
    }
}

/*
 * A length that does not fit the 32-bit length field is refused before
 * anything is written, whatever out_cap claims.
 */
static void test_frame_encode_refuses_length_over_u32(void **state)
{
#if SIZE_MAX > UINT32_MAX
    uint8_t out[8];
    size_t out_len = SENTINEL_SIZE;

    (void)state;
    memset(out, 0xee, sizeof out);
    assert_int_equal(frame_encode(FRAME_FLAG_PLAIN, "x", (size_t)UINT32_MAX + 1,
                                  out, SIZE_MAX, &out_len),
                     STATUS_RESOURCE_EXHAUSTED);
    assert_int_equal(out_len, SENTINEL_SIZE);
    assert_int_equal(out[0], 0xee);
#else
    (void)state;
    skip();
#endif
}

/* --- frame_check_send ------------------------------------------------- */

static void test_frame_check_send_table(void **state)
{
    static const struct {
        size_t length;
        uint32_t max_send;
        enum status want;
        const char *text;
    } rows[] = {
        {0, 0, STATUS_OK, NULL},
        {4, 4, STATUS_OK, NULL},
        {2147483647u, FRAME_DEFAULT_MAX_SEND, STATUS_OK, NULL},
        {1, 0, STATUS_RESOURCE_EXHAUSTED,
         "trying to send message larger than max (1 vs. 0)"},
        {5, 4, STATUS_RESOURCE_EXHAUSTED,
         "trying to send message larger than max (5 vs. 4)"},
        {2147483648u, FRAME_DEFAULT_MAX_SEND, STATUS_RESOURCE_EXHAUSTED,
         "trying to send message larger than max (2147483648 vs. "
         "2147483647)"},
    };
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct status_detail why = sentinel_detail();

        assert_int_equal(
            frame_check_send(rows[i].length, rows[i].max_send, &why),
            rows[i].want);
        if (rows[i].text != NULL) {
            assert_int_equal(why.code, rows[i].want);
            assert_string_equal(why.text, rows[i].text);
        }
        assert_int_equal(
            frame_check_send(rows[i].length, rows[i].max_send, NULL),
            rows[i].want);
    }
}

/* --- frame_msg -------------------------------------------------------- */

static void test_frame_msg_free_null_is_noop(void **state)
{
    (void)state;
    frame_msg_free(NULL);
}

/* --- over a pipe ------------------------------------------------------ */

static void write_bytes(struct pipe *p, const uint8_t *buf, size_t len)
{
    assert_int_equal(pipe_write(p, buf, len, NULL), STATUS_OK);
}

/*
 * A writer thread: sends one frame of the test pattern, then a 3-byte
 * frame "end" (so the reader sees where the first one stops), then
 * half-closes.
 */
struct send_job {
    struct pipe *p;
    size_t length;
    struct status_detail why;
};

static enum status send_two_frames(void *arg)
{
    struct send_job *j = arg;
    uint8_t *payload = pattern_bytes(j->length);
    enum status st = STATUS_OK;

    if (payload == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    st = frame_write(j->p, FRAME_FLAG_PLAIN, payload, j->length,
                     FRAME_DEFAULT_MAX_SEND, &j->why);
    if (st == STATUS_OK)
        st = frame_write(j->p, FRAME_FLAG_PLAIN, "end", 3,
                         FRAME_DEFAULT_MAX_SEND, &j->why);
    pipe_close_write(j->p);
    free(payload);
    return st;
}

static void check_round_trip(size_t cap, size_t length, struct frame_msg *msg)
{
    struct pipe *p = new_pipe(cap);
    struct send_job job = {p, length, {STATUS_OK, ""}};
    struct sched_thread t;
    struct status_detail why = {STATUS_OK, ""};
    size_t i = 0;

    start_thread(&t, "sender", send_two_frames, &job);
    assert_int_equal(frame_read(p, NULL, msg, &why), STATUS_OK);
    assert_int_equal(msg->flag, FRAME_FLAG_PLAIN);
    assert_int_equal(msg->length, length);
    for (i = 0; i < length; i++)
        assert_int_equal(msg->data[i], pattern(i));
    assert_int_equal(frame_read(p, NULL, msg, &why), STATUS_OK);
    assert_int_equal(msg->length, 3);
    assert_memory_equal(msg->data, "end", 3);
    assert_int_equal(frame_read(p, NULL, msg, &why), STATUS_EOF);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(pipe_get_stats(p).read, 2 * FRAME_HEADER_LEN + length + 3);
    pipe_destroy(p);
}

static void test_frame_round_trip_sizes_and_capacities(void **state)
{
    static const size_t caps[] = {1, 3, 64, 65536};
    static const size_t lengths[] = {0, 1, 5, 1000, 70000};
    struct frame_msg msg = {0};
    size_t c = 0;
    size_t l = 0;

    (void)state;
    for (c = 0; c < sizeof caps / sizeof caps[0]; c++)
        for (l = 0; l < sizeof lengths / sizeof lengths[0]; l++)
            check_round_trip(caps[c], lengths[l], &msg);
    frame_msg_free(&msg);
}

/* A reader thread: one frame_read, and what it got. */
struct recv_job {
    struct pipe *p;
    struct frame_msg msg;
    struct status_detail why;
};

static enum status recv_frame(void *arg)
{
    struct recv_job *j = arg;

    return frame_read(j->p, NULL, &j->msg, &j->why);
}

/*
 * The frame arrives in three pieces: 2 header bytes, the other 3 header
 * bytes with the first payload byte, then the rest. The test waits until
 * the reader has taken each piece and is waiting again before it sends the
 * next, so the header really is split across reads.
 */
static void test_frame_read_header_split_across_reads(void **state)
{
    static const uint8_t piece1[] = {0, 0};
    static const uint8_t piece2[] = {0, 0, 4, 'a'};
    static const uint8_t piece3[] = {'b', 'c', 'd'};
    struct pipe *p = new_pipe(64);
    struct recv_job job = {p, {0}, {STATUS_OK, ""}};
    struct sched_thread t;

    (void)state;
    start_thread(&t, "receiver", recv_frame, &job);
    assert_true(await_read_waits(p, 1));
    write_bytes(p, piece1, sizeof piece1);
    assert_true(await_read_waits(p, 2));
    write_bytes(p, piece2, sizeof piece2);
    assert_true(await_read_waits(p, 3));
    write_bytes(p, piece3, sizeof piece3);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(job.msg.length, 4);
    assert_memory_equal(job.msg.data, "abcd", 4);
    assert_int_equal(pipe_get_stats(p).read_waits, 3);
    assert_int_equal(pipe_buffered(p), 0);
    frame_msg_free(&job.msg);
    pipe_destroy(p);
}

/*
 * In a 7-byte pipe, frames of 0, 1 and 2 payload bytes (5 to 7 bytes)
 * start at every offset of the ring, so headers and payloads are cut by
 * the wrap in every possible place.
 */
static void test_frame_read_across_ring_wrap(void **state)
{
    struct pipe *p = new_pipe(7);
    struct frame_msg msg = {0};
    uint64_t offsets_seen = 0;
    size_t i = 0;

    (void)state;
    for (i = 0; i < 21; i++) {
        uint8_t payload[2] = {(uint8_t)i, (uint8_t)~i};
        size_t length = i % 3;

        offsets_seen |= 1u << (pipe_get_stats(p).written % 7);
        assert_int_equal(frame_write(p, FRAME_FLAG_PLAIN, payload, length,
                                     FRAME_DEFAULT_MAX_SEND, NULL),
                         STATUS_OK);
        assert_int_equal(frame_read(p, NULL, &msg, NULL), STATUS_OK);
        assert_int_equal(msg.length, length);
        assert_memory_equal(msg.data, payload, length);
    }
    assert_int_equal(offsets_seen, 0x7f); /* all 7 start offsets */
    frame_msg_free(&msg);
    pipe_destroy(p);
}

/*
 * Only the 5 header bytes are in the pipe and its write end stays open: a
 * reader that waited for the 4 MiB payload would wait forever. The read
 * deadline is a safety net, far away: a correct frame_read returns long
 * before it, and a wrong one fails with DEADLINE_EXCEEDED instead of
 * hanging the test.
 */
static void test_frame_read_oversize_fails_before_payload(void **state)
{
    static const uint8_t hdr[] = {0, 0x00, 0x40, 0x00, 0x01};
    struct pipe *p = new_pipe(64);
    struct frame_msg msg = {0};
    struct status_detail why = {STATUS_OK, ""};

    (void)state;
    write_bytes(p, hdr, sizeof hdr);
    pipe_set_read_deadline(p, sched_now_ns() + 30 * (int64_t)1000000000);
    assert_int_equal(frame_read(p, NULL, &msg, &why),
                     STATUS_RESOURCE_EXHAUSTED);
    assert_int_equal(why.code, STATUS_RESOURCE_EXHAUSTED);
    assert_string_equal(
        why.text,
        "grpc: received message larger than max (4194305 vs. 4194304)");
    assert_null(msg.data);
    assert_int_equal(msg.cap, 0);
    assert_int_equal(pipe_buffered(p), 0);
    assert_int_equal(pipe_get_stats(p).read_waits, 0);
    pipe_destroy(p);
}

/* What frame_read says about bytes that end (half-close) in each place. */
static void test_frame_read_eof_table(void **state)
{
    static const struct {
        uint8_t in[8];
        size_t len;
        enum status want;
        const char *text;
    } rows[] = {
        {{0}, 0, STATUS_EOF, NULL},
        {{0}, 1, STATUS_INTERNAL, "unexpected EOF"},
        {{0, 0, 0, 0}, 4, STATUS_INTERNAL, "unexpected EOF"},
        {{0, 0, 0, 0, 3}, 5, STATUS_INTERNAL, "unexpected EOF"},
        {{0, 0, 0, 0, 3, 'a', 'b'}, 7, STATUS_INTERNAL, "unexpected EOF"},
    };
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct pipe *p = new_pipe(64);
        struct frame_msg msg = {0};
        struct status_detail why = sentinel_detail();

        write_bytes(p, rows[i].in, rows[i].len);
        pipe_close_write(p);
        assert_int_equal(frame_read(p, NULL, &msg, &why), rows[i].want);
        if (rows[i].text != NULL) {
            assert_int_equal(why.code, rows[i].want);
            assert_string_equal(why.text, rows[i].text);
        }
        frame_msg_free(&msg);
        pipe_destroy(p);
    }
}

/* After whole frames, the half-close reads as a clean EOF, every time. */
static void test_frame_read_eof_on_frame_boundary(void **state)
{
    struct pipe *p = new_pipe(64);
    struct frame_msg msg = {0};

    (void)state;
    assert_int_equal(
        frame_write(p, FRAME_FLAG_PLAIN, "hi", 2, FRAME_DEFAULT_MAX_SEND, NULL),
        STATUS_OK);
    assert_int_equal(
        frame_write(p, FRAME_FLAG_PLAIN, NULL, 0, FRAME_DEFAULT_MAX_SEND, NULL),
        STATUS_OK);
    pipe_close_write(p);
    assert_int_equal(frame_read(p, NULL, &msg, NULL), STATUS_OK);
    assert_int_equal(msg.length, 2);
    assert_memory_equal(msg.data, "hi", 2);
    assert_int_equal(frame_read(p, NULL, &msg, NULL), STATUS_OK);
    assert_int_equal(msg.length, 0);
    assert_int_equal(frame_read(p, NULL, &msg, NULL), STATUS_EOF);
    assert_int_equal(frame_read(p, NULL, &msg, NULL), STATUS_EOF);
    frame_msg_free(&msg);
    pipe_destroy(p);
}

/* frame_read applies the same header checks as frame_decode_header. */
static void test_frame_read_checks_flag_and_encoding(void **state)
{
    static const uint8_t bad_flag[] = {7, 0, 0, 0, 1, 'x'};
    static const uint8_t zipped[] = {1, 0, 0, 0, 1, 'z'};
    struct pipe *p = new_pipe(64);
    struct frame_msg msg = {0};
    struct status_detail why = {STATUS_OK, ""};

    (void)state;
    write_bytes(p, bad_flag, sizeof bad_flag);
    assert_int_equal(frame_read(p, NULL, &msg, &why), STATUS_INTERNAL);
    assert_string_equal(why.text, "grpc: received unexpected payload format 7");
    pipe_destroy(p);

    p = new_pipe(64);
    write_bytes(p, zipped, sizeof zipped);
    assert_int_equal(frame_read(p, &lim_identity, &msg, &why), STATUS_INTERNAL);
    assert_string_equal(why.text, COMPRESSED_TEXT);
    pipe_destroy(p);

    p = new_pipe(64);
    write_bytes(p, zipped, sizeof zipped);
    assert_int_equal(frame_read(p, &lim_gzip, &msg, &why), STATUS_OK);
    assert_int_equal(msg.flag, FRAME_FLAG_COMPRESSED);
    assert_int_equal(msg.length, 1);
    assert_int_equal(msg.data[0], 'z');
    frame_msg_free(&msg);
    pipe_destroy(p);
}

static void test_frame_write_over_max_send_writes_nothing(void **state)
{
    struct pipe *p = new_pipe(64);
    struct status_detail why = {STATUS_OK, ""};

    (void)state;
    assert_int_equal(frame_write(p, FRAME_FLAG_PLAIN, "hello", 5, 4, &why),
                     STATUS_RESOURCE_EXHAUSTED);
    assert_int_equal(why.code, STATUS_RESOURCE_EXHAUSTED);
    assert_string_equal(why.text,
                        "trying to send message larger than max (5 vs. 4)");
    assert_int_equal(pipe_buffered(p), 0);
    assert_int_equal(pipe_get_stats(p).written, 0);
    /* Exactly max_send is allowed. */
    assert_int_equal(frame_write(p, FRAME_FLAG_PLAIN, "hell", 4, 4, &why),
                     STATUS_OK);
    assert_int_equal(pipe_buffered(p), FRAME_HEADER_LEN + 4);
    pipe_destroy(p);
}

static void test_frame_write_and_read_on_aborted_pipe(void **state)
{
    struct pipe *p = new_pipe(64);
    struct frame_msg msg = {0};
    struct status_detail why = {STATUS_OK, ""};

    (void)state;
    pipe_close_with_error(p, STATUS_CANCELLED);
    assert_int_equal(
        frame_write(p, FRAME_FLAG_PLAIN, "hi", 2, FRAME_DEFAULT_MAX_SEND, &why),
        STATUS_CANCELLED);
    assert_int_equal(why.code, STATUS_CANCELLED);
    assert_string_equal(why.text, "CANCELLED");
    assert_int_equal(pipe_get_stats(p).written, 0);
    why = sentinel_detail();
    assert_int_equal(frame_read(p, NULL, &msg, &why), STATUS_CANCELLED);
    assert_int_equal(why.code, STATUS_CANCELLED);
    assert_string_equal(why.text, "CANCELLED");
    assert_null(msg.data);
    pipe_destroy(p);
}

static void test_frame_write_after_close_read_is_closed(void **state)
{
    struct pipe *p = new_pipe(64);
    struct status_detail why = {STATUS_OK, ""};

    (void)state;
    pipe_close_read(p);
    assert_int_equal(
        frame_write(p, FRAME_FLAG_PLAIN, "hi", 2, FRAME_DEFAULT_MAX_SEND, &why),
        STATUS_CLOSED);
    assert_string_equal(why.text, "CLOSED");
    pipe_destroy(p);
}

/* A writer thread: one frame_write of "abc", and the detail it got. */
struct write_job {
    struct pipe *p;
    struct status_detail why;
};

static enum status send_abc(void *arg)
{
    struct write_job *j = arg;

    return frame_write(j->p, FRAME_FLAG_PLAIN, "abc", 3, FRAME_DEFAULT_MAX_SEND,
                       &j->why);
}

/*
 * The header fills a 5-byte pipe and the payload write waits for room; an
 * abort then fails it. Part of the frame (the header) is in the pipe when
 * the abort comes, and is what the abort discards.
 */
static void test_frame_write_aborted_after_header(void **state)
{
    struct pipe *p = new_pipe(FRAME_HEADER_LEN);
    struct write_job job = {p, {STATUS_OK, ""}};
    struct sched_thread t;

    (void)state;
    start_thread(&t, "sender", send_abc, &job);
    assert_true(await_write_waits(p, 1));
    assert_int_equal(pipe_close_with_error(p, STATUS_ABORTED),
                     FRAME_HEADER_LEN);
    assert_int_equal(sched_thread_join(&t), STATUS_ABORTED);
    assert_int_equal(job.why.code, STATUS_ABORTED);
    assert_string_equal(job.why.text, "ABORTED");
    assert_int_equal(pipe_get_stats(p).written, FRAME_HEADER_LEN);
    pipe_destroy(p);
}

/*
 * One frame_msg reused across reads: its buffer grows for a bigger message
 * and is kept, not reallocated, for a smaller one.
 */
static void test_frame_msg_buffer_is_reused(void **state)
{
    static const size_t lengths[] = {10, 3, 20, 0, 20};
    struct pipe *p = new_pipe(256);
    struct frame_msg msg = {0};
    uint8_t payload[20];
    size_t i = 0;

    (void)state;
    memset(payload, 'm', sizeof payload);
    for (i = 0; i < 5; i++)
        assert_int_equal(frame_write(p, FRAME_FLAG_PLAIN, payload, lengths[i],
                                     FRAME_DEFAULT_MAX_SEND, NULL),
                         STATUS_OK);
    for (i = 0; i < 5; i++) {
        size_t cap_before = msg.cap;
        const uint8_t *data_before = msg.data;

        assert_int_equal(frame_read(p, NULL, &msg, NULL), STATUS_OK);
        assert_int_equal(msg.length, lengths[i]);
        assert_memory_equal(msg.data, payload, lengths[i]);
        assert_true(msg.cap >= lengths[i]);
        assert_true(msg.cap >= cap_before);
        if (lengths[i] <= cap_before) {
            assert_int_equal(msg.cap, cap_before);
            assert_ptr_equal(msg.data, data_before);
        }
    }
    frame_msg_free(&msg);
    assert_null(msg.data);
    assert_int_equal(msg.cap, 0);
    assert_int_equal(msg.length, 0);
    assert_int_equal(msg.flag, 0);
    pipe_destroy(p);
}

/*
 * One copy: a receiver blocked for the next frame, whose message buffer
 * is already big enough, gets the header and the payload straight from
 * the writer (the pipe's hand-off), not through the ring.
 */
struct read_job {
    struct pipe *p;
    struct frame_msg msg;
    enum status st;
};

static enum status do_frame_read(void *arg)
{
    struct read_job *j = arg;

    j->st = frame_read(j->p, NULL, &j->msg, NULL);
    return STATUS_OK;
}

static void test_frame_read_payload_skips_the_ring(void **state)
{
    struct pipe *p = new_pipe(65536);
    uint8_t *payload = pattern_bytes(1000);
    struct read_job j = {p, {0}, STATUS_INTERNAL};
    struct sched_thread t;

    (void)state;
    assert_non_null(payload);
    assert_int_equal(frame_write(p, FRAME_FLAG_PLAIN, payload, 1000,
                                 FRAME_DEFAULT_MAX_SEND, NULL),
                     STATUS_OK);
    assert_int_equal(frame_read(p, NULL, &j.msg, NULL), STATUS_OK);
    assert_int_equal(pipe_get_stats(p).handed, 0);
    start_thread(&t, "reader", do_frame_read, &j);
    assert_true(await_read_waits(p, 1));
    payload[0] ^= 0xff;
    assert_int_equal(frame_write(p, FRAME_FLAG_PLAIN, payload, 1000,
                                 FRAME_DEFAULT_MAX_SEND, NULL),
                     STATUS_OK);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(j.st, STATUS_OK);
    assert_int_equal(j.msg.length, 1000);
    assert_memory_equal(j.msg.data, payload, 1000);
    assert_int_equal(pipe_get_stats(p).handed, 1005);
    frame_msg_free(&j.msg);
    free(payload);
    pipe_destroy(p);
}

/*
 * A message with no payload, or a bad header, ends the loan of the
 * message's buffer: bytes written afterwards never land in it.
 */
static void check_loan_ends(const uint8_t hdr[FRAME_HEADER_LEN],
                            enum status want)
{
    struct pipe *p = new_pipe(65536);
    struct read_job j = {p, {0}, STATUS_INTERNAL};
    struct sched_thread t;
    uint8_t in[5];

    assert_int_equal(frame_write(p, FRAME_FLAG_PLAIN, "hello", 5,
                                 FRAME_DEFAULT_MAX_SEND, NULL),
                     STATUS_OK);
    assert_int_equal(frame_read(p, NULL, &j.msg, NULL), STATUS_OK);
    start_thread(&t, "reader", do_frame_read, &j);
    assert_true(await_read_waits(p, 1));
    assert_int_equal(pipe_write(p, hdr, FRAME_HEADER_LEN, NULL), STATUS_OK);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);
    assert_int_equal(j.st, want);
    assert_int_equal(pipe_write(p, "abcde", 5, NULL), STATUS_OK);
    assert_memory_equal(j.msg.data, "hello", 5);
    assert_int_equal(pipe_read(p, in, sizeof in, NULL), STATUS_OK);
    assert_memory_equal(in, "abcde", 5);
    frame_msg_free(&j.msg);
    pipe_destroy(p);
}

static void test_frame_read_ends_the_loan_without_payload(void **state)
{
    static const uint8_t empty[FRAME_HEADER_LEN] = {0, 0, 0, 0, 0};
    static const uint8_t bad_flag[FRAME_HEADER_LEN] = {7, 0, 0, 0, 1};

    (void)state;
    check_loan_ends(empty, STATUS_OK);
    check_loan_ends(bad_flag, STATUS_INTERNAL);
}

/*
 * Frames of every size between two threads, the receiver reusing one
 * message (so its buffer is lent for each next payload), and an abort
 * from a third thread part way in some runs: every frame received is the
 * one sent, and the abort ends both sides. Run under TSan, this is the
 * hand-off in real interleavings.
 */
#define STRESS_FRAMES 3000

struct stress {
    struct pipe *p;
    const uint8_t *payload; /* 70000 pattern bytes */
    int abort_at;           /* frames before the abort; -1: none */
    int sent;
    int received;
    int bad; /* frames received that differ from the ones sent */
    enum status wst;
    enum status rst;
};

static size_t stress_size(int i)
{
    static const size_t sizes[] = {0, 1, 5, 100, 5000, 70000, 3, 65536};

    return sizes[i % 8];
}

static enum status stress_writer(void *arg)
{
    struct stress *s = arg;
    int i = 0;

    for (i = 0; i < STRESS_FRAMES && s->wst == STATUS_OK; i++) {
        if (i == s->abort_at)
            pipe_close_with_error(s->p, STATUS_CANCELLED);
        s->wst = frame_write(s->p, FRAME_FLAG_PLAIN, s->payload + i % 7,
                             stress_size(i), FRAME_DEFAULT_MAX_SEND, NULL);
        s->sent += s->wst == STATUS_OK;
    }
    pipe_close_write(s->p);
    return STATUS_OK;
}

static enum status stress_reader(void *arg)
{
    struct stress *s = arg;
    struct frame_msg msg = {0};
    int i = 0;

    for (i = 0;; i++) {
        s->rst = frame_read(s->p, NULL, &msg, NULL);
        if (s->rst != STATUS_OK)
            break;
        s->received++;
        if (msg.length != stress_size(i) ||
            (msg.length > 0 &&
             memcmp(msg.data, s->payload + i % 7, msg.length) != 0))
            s->bad++;
    }
    frame_msg_free(&msg);
    return STATUS_OK;
}

static void check_stress(int abort_at)
{
    struct stress s;
    struct sched_thread w;
    struct sched_thread r;
    uint8_t *payload = pattern_bytes(70000 + 7);

    assert_non_null(payload);
    memset(&s, 0, sizeof s);
    s.p = new_pipe(65536);
    s.payload = payload;
    s.abort_at = abort_at;
    start_thread(&r, "reader", stress_reader, &s);
    start_thread(&w, "writer", stress_writer, &s);
    assert_int_equal(sched_thread_join(&w), STATUS_OK);
    assert_int_equal(sched_thread_join(&r), STATUS_OK);
    assert_int_equal(s.bad, 0);
    if (abort_at < 0) {
        assert_int_equal(s.wst, STATUS_OK);
        assert_int_equal(s.rst, STATUS_EOF);
        assert_int_equal(s.received, STRESS_FRAMES);
    } else {
        assert_int_equal(s.wst, STATUS_CANCELLED);
        assert_int_equal(s.rst, STATUS_CANCELLED);
        assert_true(s.received <= abort_at);
    }
    pipe_destroy(s.p);
    free(payload);
}

static void test_frame_stress_through_the_hand_off(void **state)
{
    (void)state;
    check_stress(-1);
    check_stress(1234);
    check_stress(7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_u32_is_big_endian_both_ways),
        cmocka_unit_test(test_frame_encode_header_bytes),
        cmocka_unit_test(test_frame_decode_header_table),
        cmocka_unit_test(test_frame_decode_header_rejects_flags_2_to_255),
        cmocka_unit_test(test_frame_decode_table),
        cmocka_unit_test(test_frame_decode_walks_back_to_back_frames),
        cmocka_unit_test(test_frame_encode_exact_fit),
        cmocka_unit_test(test_frame_encode_empty_and_compressed),
        cmocka_unit_test(test_frame_encode_too_small_leaves_outputs_alone),
        cmocka_unit_test(test_frame_encode_refuses_length_over_u32),
        cmocka_unit_test(test_frame_check_send_table),
        cmocka_unit_test(test_frame_msg_free_null_is_noop),
        cmocka_unit_test(test_frame_round_trip_sizes_and_capacities),
        cmocka_unit_test(test_frame_read_header_split_across_reads),
        cmocka_unit_test(test_frame_read_across_ring_wrap),
        cmocka_unit_test(test_frame_read_oversize_fails_before_payload),
        cmocka_unit_test(test_frame_read_eof_table),
        cmocka_unit_test(test_frame_read_eof_on_frame_boundary),
        cmocka_unit_test(test_frame_read_checks_flag_and_encoding),
        cmocka_unit_test(test_frame_write_over_max_send_writes_nothing),
        cmocka_unit_test(test_frame_write_and_read_on_aborted_pipe),
        cmocka_unit_test(test_frame_write_after_close_read_is_closed),
        cmocka_unit_test(test_frame_write_aborted_after_header),
        cmocka_unit_test(test_frame_msg_buffer_is_reused),
        cmocka_unit_test(test_frame_read_payload_skips_the_ring),
        cmocka_unit_test(test_frame_read_ends_the_loan_without_payload),
        cmocka_unit_test(test_frame_stress_through_the_hand_off),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

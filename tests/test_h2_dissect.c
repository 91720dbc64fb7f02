/*
 * test_h2_dissect: bytes read as HTTP/2 frames and the gRPC messages in
 * their DATA, whole or in pieces.
 *
 * The frames are built here byte by byte (put_frame), header blocks with
 * nghttp2's own HPACK encoder, so each test says what is on the wire; one
 * test reads what a real run of echo on the h2 wire put on its pipes. The
 * output is printed into memory (a sink from support.h) and compared line
 * by line. Every error is a row of one table, and every row is dissected
 * whole and a byte at a time, as `duplex decode --h2` reads: both must end
 * the same way, with the same words.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "core/frame.h"
#include "core/status.h"
#include "core/trace.h"
#include "h2/h2_dissect.h"
#include "h2/h2_wire.h"
#include "lines.h"
#include "scenarios/scenario.h"
#include "support.h"

/* A byte stream being built. */
struct bytes {
    uint8_t b[4096];
    size_t n;
};

static void put(struct bytes *w, const void *p, size_t n)
{
    assert_true(w->n + n <= sizeof w->b);
    if (n > 0) /* (p may be NULL then) */
        memcpy(w->b + w->n, p, n);
    w->n += n;
}

/* Appends one HTTP/2 frame: its 9 header bytes, then n payload bytes. */
static void put_frame(struct bytes *w, uint8_t type, uint8_t flags,
                      uint32_t stream, const void *payload, size_t n)
{
    uint8_t h[9] = {(uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n, type,
                    flags};

    frame_put_u32(h + 5, stream);
    put(w, h, sizeof h);
    put(w, payload, n);
}

/* Appends a gRPC message (flag 0) holding text. */
static void put_message(struct bytes *w, const char *text)
{
    uint8_t h[5] = {0};

    frame_put_u32(h + 1, (uint32_t)strlen(text));
    put(w, h, sizeof h);
    put(w, text, strlen(text));
}

/* Encodes n header fields with the encoder def into w (a header block). */
static void put_block(struct bytes *w, nghttp2_hd_deflater *def,
                      const char *const *fields, size_t n)
{
    nghttp2_nv nv[8];
    ssize_t len = 0;
    size_t i = 0;

    assert_true(n <= 8);
    for (i = 0; i < n; i++) {
        nv[i].name = (uint8_t *)(uintptr_t)fields[2 * i];
        nv[i].namelen = strlen(fields[2 * i]);
        nv[i].value = (uint8_t *)(uintptr_t)fields[2 * i + 1];
        nv[i].valuelen = strlen(fields[2 * i + 1]);
        nv[i].flags = NGHTTP2_NV_FLAG_NONE;
    }
    len = nghttp2_hd_deflate_hd(def, w->b + w->n, sizeof w->b - w->n, nv, n);
    assert_true(len > 0);
    w->n += (size_t)len;
}

/* Dissects the whole of w with lim (may be NULL); returns the text, and
 * the status and frames in *out_st and *out_frames. Free with free(). */
static char *dissect(const struct bytes *w, const struct frame_limits *lim,
                     enum status *out_st, size_t *out_frames)
{
    struct sink s;
    char *text = NULL;

    *out_st = h2_dissect_buffer(w->b, w->n, lim, sink_open(&s), 0, out_frames);
    text = strdup(sink_text(&s));
    sink_free(&s);
    assert_non_null(text);
    return text;
}

/* Fails unless text has a line equal to want. */
static void assert_has_line(const char *text, const char *want)
{
    char line[512];
    int i = 0;

    for (i = 0; line_at(text, i, line, sizeof line); i++)
        if (strcmp(line, want) == 0)
            return;
    fail_msg("no line\n%s\nin\n%s", want, text);
}

/* ---- what each frame type shows ---------------------------------------- */

/* Appends the preface and one frame of every type (13 frames) to w. */
static void put_every_type(struct bytes *w)
{
    static const uint8_t settings[] = {0, 3,    0,    0,    0,    100, 0, 4, 0,
                                       0, 0xff, 0xff, 0x12, 0x34, 0,   0, 0, 1};
    static const uint8_t ping[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t inc[4] = {0, 0, 0x10, 0};
    static const uint8_t prio[5] = {0x80, 0, 0, 3, 15};
    static const uint8_t rst[4] = {0, 0, 0, 8};
    static const uint8_t goaway[] = {0, 0, 0, 5, 0, 0, 0, 0x0b, 'b', 'y', 'e'};
    static const uint8_t unknown[2] = {0xaa, 0xbb};
    static const char *const fields[] = {":method", "POST", ":path",
                                         "/chat.ChatService/Chat"};
    nghttp2_hd_deflater *def = NULL;
    struct bytes block = {{0}, 0};
    struct bytes pp = {{0}, 0};
    uint8_t data[32] = {0};

    assert_int_equal(nghttp2_hd_deflate_new(&def, 4096), 0);
    put(w, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    put_frame(w, 4, 0, 0, settings, sizeof settings);
    put_frame(w, 4, 1, 0, NULL, 0);
    put_frame(w, 6, 0, 0, ping, sizeof ping);
    put_frame(w, 6, 1, 0, ping, sizeof ping);
    put_frame(w, 8, 0, 0, inc, sizeof inc);
    put_frame(w, 8, 0, 1, inc, sizeof inc);
    put_frame(w, 2, 0, 5, prio, sizeof prio);
    /* HEADERS with PADDED and PRIORITY: pad length, 5 bytes, block, pad. */
    block.b[0] = 2;
    memcpy(block.b + 1, prio, 5);
    block.n = 6;
    put_block(&block, def, fields, 2);
    put(&block, "\0\0", 2);
    put_frame(w, 1, 0x04 | 0x08 | 0x20, 1, block.b, block.n);
    /* DATA with PADDED: pad length 3, a message, 3 bytes of padding. */
    data[0] = 3;
    memcpy(data + 1, "\0\0\0\0\2hi\0\0\0", 10);
    put_frame(w, 0, 0x08, 1, data, 11);
    put_frame(w, 3, 0, 1, rst, sizeof rst);
    /* PUSH_PROMISE: promised stream 2, an empty block. */
    frame_put_u32(pp.b, 2);
    pp.n = 4;
    put_frame(w, 5, 0x04, 1, pp.b, pp.n);
    put_frame(w, 0x42, 0x80, 0, unknown, sizeof unknown);
    put_frame(w, 7, 0, 0, goaway, sizeof goaway);
    nghttp2_hd_deflate_del(def);
}

static void test_h2_dissect_every_frame_type(void **state)
{
    struct bytes w = {{0}, 0};
    enum status st = STATUS_OK;
    size_t frames = 0;
    char *text = NULL;

    (void)state;
    put_every_type(&w);
    text = dissect(&w, NULL, &st, &frames);
    assert_int_equal(st, STATUS_EOF);
    assert_int_equal(frames, 13);
    assert_has_line(text, "  offset  length   | ty | fl | stream");
    assert_has_line(text, "       0  client preface "
                          "\"PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n\"");
    assert_has_line(text, "      24  00 00 12 | 04 | 00 | 00 00 00 00  "
                          "SETTINGS stream=0 len=18");
    assert_has_line(text, "            MAX_CONCURRENT_STREAMS=100");
    assert_has_line(text, "            INITIAL_WINDOW_SIZE=65535");
    assert_has_line(text, "            setting 0x1234=1 (unknown, ignored)");
    assert_has_line(text, "      51  00 00 00 | 04 | 01 | 00 00 00 00  "
                          "SETTINGS stream=0 len=0 ACK");
    assert_has_line(text, "            opaque data 01 02 03 04 05 06 07 08");
    assert_has_line(text, "      77  00 00 08 | 06 | 01 | 00 00 00 00  "
                          "PING stream=0 len=8 ACK");
    assert_has_line(text, "            connection window +4096");
    assert_has_line(text, "            stream window +4096");
    assert_has_line(text, "            depends on stream 3 (exclusive), "
                          "weight 16");
    assert_has_line(text, "            :method: POST");
    assert_has_line(text, "            :path: /chat.ChatService/Chat");
    assert_has_line(text, "            grpc @0  00 | 00 00 00 02 | 68 69  "
                          "flag=0 len=2 \"hi\"");
    assert_has_line(text, "            error code CANCEL (0x8)");
    assert_has_line(text, "            promised stream 2");
    assert_has_line(text, "            error code ENHANCE_YOUR_CALM (0xb)");
    assert_has_line(text, "            last stream 5");
    assert_has_line(text, "            debug data \"bye\"");
    assert_non_null(strstr(text, "HEADERS stream=1 len="));
    assert_non_null(strstr(text, " END_HEADERS|PADDED|PRIORITY\n"));
    assert_non_null(strstr(text, "DATA stream=1 len=11 PADDED\n"));
    assert_non_null(strstr(text, "unknown type 0x42 (ignored) stream=0 len=2 "
                                 "flags 0x80\n"));
    assert_no_trailing_blanks(text);
    free(text);
}

/* ---- gRPC messages across DATA frames ----------------------------------- */

static void test_h2_dissect_message_split_over_data_frames(void **state)
{
    struct bytes msg = {{0}, 0};
    struct bytes w = {{0}, 0};
    enum status st = STATUS_OK;
    size_t frames = 0;
    char *text = NULL;

    (void)state;
    put_message(&msg, "hello, world"); /* 17 bytes */
    put_frame(&w, 0, 0, 1, msg.b, 3);  /* part of the 5-byte header */
    put_frame(&w, 0, 0, 1, msg.b + 3, 6);
    put_frame(&w, 0, 0x01, 1, msg.b + 9, msg.n - 9);
    text = dissect(&w, NULL, &st, &frames);
    assert_int_equal(st, STATUS_EOF);
    assert_int_equal(frames, 3);
    assert_has_line(text, "            grpc @0  3 of the 5 header bytes so "
                          "far");
    assert_has_line(text, "            grpc @0  4 of 12 payload bytes so far");
    /* The message is printed once, under the frame that completes it. */
    assert_has_line(text, "      27  00 00 08 | 00 | 01 | 00 00 00 01  "
                          "DATA stream=1 len=8 END_STREAM");
    assert_has_line(text, "            grpc @0  00 | 00 00 00 0c | 68 65 6c "
                          "6c 6f 2c 20 77 ..  flag=0 len=12 \"hello, "
                          "world\"");
    assert_int_equal(count_lines(text), 1 + 3 + 3 + 1);
    free(text);
}

static void test_h2_dissect_two_messages_in_one_frame(void **state)
{
    struct bytes msgs = {{0}, 0};
    struct bytes w = {{0}, 0};
    enum status st = STATUS_OK;
    size_t frames = 0;
    char *text = NULL;

    (void)state;
    put_message(&msgs, "one");
    put_message(&msgs, "two!");
    put_message(&msgs, "three"); /* its header only, in this frame */
    put_frame(&w, 0, 0, 3, msgs.b, msgs.n - 5);
    put_frame(&w, 0, 0, 3, msgs.b + msgs.n - 5, 5);
    text = dissect(&w, NULL, &st, &frames);
    assert_int_equal(st, STATUS_EOF);
    assert_has_line(text, "            grpc @0  00 | 00 00 00 03 | 6f 6e 65  "
                          "flag=0 len=3 \"one\"");
    assert_has_line(text, "            grpc @8  00 | 00 00 00 04 | 74 77 6f "
                          "21  flag=0 len=4 \"two!\"");
    assert_has_line(text, "            grpc @17  0 of 5 payload bytes so far");
    assert_has_line(text, "            grpc @17  00 | 00 00 00 05 | 74 68 72 "
                          "65 65  flag=0 len=5 \"three\"");
    free(text);
}

/* Each stream keeps its own messages: offsets count per stream. */
static void test_h2_dissect_streams_apart(void **state)
{
    struct bytes a = {{0}, 0};
    struct bytes b = {{0}, 0};
    struct bytes w = {{0}, 0};
    enum status st = STATUS_OK;
    size_t frames = 0;
    char *text = NULL;

    (void)state;
    put_message(&a, "a1");
    put_message(&b, "b1");
    put_frame(&w, 0, 0, 1, a.b, 4);
    put_frame(&w, 0, 0, 3, b.b, b.n);
    put_frame(&w, 0, 0, 1, a.b + 4, a.n - 4);
    text = dissect(&w, NULL, &st, &frames);
    assert_int_equal(st, STATUS_EOF);
    assert_has_line(text, "            grpc @0  00 | 00 00 00 02 | 62 31  "
                          "flag=0 len=2 \"b1\"");
    assert_has_line(text, "            grpc @0  00 | 00 00 00 02 | 61 31  "
                          "flag=0 len=2 \"a1\"");
    free(text);
}

/* ---- HPACK: one inflater, its dynamic table kept between blocks --------- */

static void test_h2_dissect_hpack_table_across_frames(void **state)
{
    static const char *const fields[] = {"x-duplex", "a value to index",
                                         "grpc-timeout", "5000m"};
    nghttp2_hd_deflater *def = NULL;
    struct bytes first = {{0}, 0};
    struct bytes second = {{0}, 0};
    struct bytes w = {{0}, 0};
    struct bytes alone = {{0}, 0};
    enum status st = STATUS_OK;
    size_t frames = 0;
    char *text = NULL;

    (void)state;
    assert_int_equal(nghttp2_hd_deflate_new(&def, 4096), 0);
    put_block(&first, def, fields, 2);
    put_block(&second, def, fields, 2);
    /* The second block names both fields by their dynamic-table index. */
    assert_int_equal(second.n, 2);
    put_frame(&w, 1, 0x04, 1, first.b, first.n);
    /* ... and comes in two fragments: HEADERS, then CONTINUATION. */
    put_frame(&w, 1, 0x01, 3, second.b, 1);
    put_frame(&w, 9, 0x04, 3, second.b + 1, 1);
    text = dissect(&w, NULL, &st, &frames);
    assert_int_equal(st, STATUS_EOF);
    assert_int_equal(frames, 3);
    assert_has_line(text, "      47  00 00 01 | 01 | 01 | 00 00 00 03  "
                          "HEADERS stream=3 len=1 END_STREAM");
    assert_has_line(text, "      57  00 00 01 | 09 | 04 | 00 00 00 03  "
                          "CONTINUATION stream=3 len=1 END_HEADERS");
    /* Each field twice: once from the literals, once from the table. */
    assert_int_equal(count_lines(text), 1 + 3 + 4 + 1);
    assert_has_line(text, "            x-duplex: a value to index");
    assert_has_line(text, "            grpc-timeout: 5000m");
    free(text);

    /* Without the first block the table is empty: an HPACK error. */
    put_frame(&alone, 1, 0x04, 3, second.b, second.n);
    text = dissect(&alone, NULL, &st, &frames);
    assert_int_equal(st, STATUS_INTERNAL);
    assert_int_equal(frames, 0);
    assert_has_line(text, "          INTERNAL: HEADERS frame at offset 0: "
                          "HPACK: Header compression/decompression error "
                          "(nghttp2) (HTTP/2 COMPRESSION_ERROR)");
    free(text);
    nghttp2_hd_deflate_del(def);
}

/* ---- every error, whole and a byte at a time ---------------------------- */

/* One bad input: how to build it, and how a receiver ends. */
struct bad_row {
    const char *name;
    void (*build)(struct bytes *w);
    uint32_t max_recv; /* 0: the default limits */
    enum status want;
    size_t frames;
    const char *last; /* the last line of the output */
};

static void b_short_header(struct bytes *w)
{
    put(w, "\0\0\4", 3);
}

static void b_short_payload(struct bytes *w)
{
    put_frame(w, 4, 0, 0, "\0\3\0\0\0\1", 6);
    w->n -= 4;
}

static void b_short_preface(struct bytes *w)
{
    put(w, "PRI * HTTP", 10);
}

/* Two connections' bytes in one record: the second starts with a preface. */
static void b_second_preface(struct bytes *w)
{
    put(w, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    put_frame(w, 4, 0, 0, "", 0);
    put(w, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
}

static void b_too_long(struct bytes *w)
{
    put(w, "\0\x40\x01\0\0\0\0\0\1", 9); /* 16385 bytes of DATA */
}

static void b_bad_padding(struct bytes *w)
{
    put_frame(w, 0, 0x08, 1, "\5abc", 4); /* 5 bytes of padding in 3 */
}

static void b_hpack(struct bytes *w)
{
    put_frame(w, 1, 0x04, 1, "\xff\xff\xff\xff\xff\xff", 6);
}

static void b_data_on_zero(struct bytes *w)
{
    put_frame(w, 0, 0, 0, "", 0);
}

static void b_settings_on_one(struct bytes *w)
{
    put_frame(w, 4, 0, 1, "", 0);
}

static void b_settings_odd(struct bytes *w)
{
    put_frame(w, 4, 0, 0, "\0\1\0\0\0", 5);
}

static void b_rst_short(struct bytes *w)
{
    put_frame(w, 3, 0, 1, "\0\0\0", 3);
}

static void b_window_zero(struct bytes *w)
{
    put_frame(w, 8, 0, 0, "\0\0\0\0", 4);
}

static void b_lone_continuation(struct bytes *w)
{
    put_frame(w, 9, 0x04, 1, "\x83", 1);
}

static void b_block_broken_off(struct bytes *w)
{
    put_frame(w, 1, 0, 1, "\x83", 1);
    put_frame(w, 0, 0, 1, "", 0);
}

static void b_eof_in_block(struct bytes *w)
{
    put_frame(w, 1, 0, 1, "\x83", 1);
}

static void b_grpc_bad_flag(struct bytes *w)
{
    put_frame(w, 0, 0, 1, "\2\0\0\0\1x", 6);
}

static void b_grpc_too_big(struct bytes *w)
{
    put_frame(w, 0, 0, 1, "\0\0\0\0\5hello", 10);
}

static void b_stream_ends_inside(struct bytes *w)
{
    put_frame(w, 0, 0, 1, "\0\0\0\0\5he", 7);
    put_frame(w, 1, 0x05, 1, "\x88", 1); /* trailers: ":status: 200" */
}

static const struct bad_row bad_rows[] = {
    {"short header", b_short_header, 0, STATUS_INTERNAL, 0,
     "          INTERNAL: unexpected EOF (header: 3 of 9 bytes)"},
    {"short payload", b_short_payload, 0, STATUS_INTERNAL, 0,
     "          INTERNAL: unexpected EOF (payload: 2 of 6 bytes)"},
    {"short preface", b_short_preface, 0, STATUS_INTERNAL, 0,
     "          INTERNAL: unexpected EOF (preface: 10 of 24 bytes)"},
    {"a second preface", b_second_preface, 0, STATUS_INTERNAL, 1,
     "          INTERNAL: unknown type frame at offset 33: a second client "
     "preface, the start of another connection (as a frame: length 5263945, "
     "above SETTINGS_MAX_FRAME_SIZE 16384) (HTTP/2 FRAME_SIZE_ERROR)"},
    {"over SETTINGS_MAX_FRAME_SIZE", b_too_long, 0, STATUS_INTERNAL, 0,
     "          INTERNAL: DATA frame at offset 0: length 16385 is above "
     "SETTINGS_MAX_FRAME_SIZE 16384 (HTTP/2 FRAME_SIZE_ERROR)"},
    {"bad padding", b_bad_padding, 0, STATUS_INTERNAL, 0,
     "          INTERNAL: DATA frame at offset 0: pad length 5 is more than "
     "the 3 bytes after its fields (HTTP/2 PROTOCOL_ERROR)"},
    {"HPACK error", b_hpack, 0, STATUS_INTERNAL, 0,
     "          INTERNAL: HEADERS frame at offset 0: HPACK: Header "
     "compression/decompression error (nghttp2) (HTTP/2 COMPRESSION_ERROR)"},
    {"DATA on stream 0", b_data_on_zero, 0, STATUS_INTERNAL, 0,
     "          INTERNAL: DATA frame at offset 0: on stream 0, which is the "
     "connection's (HTTP/2 PROTOCOL_ERROR)"},
    {"SETTINGS on stream 1", b_settings_on_one, 0, STATUS_INTERNAL, 0,
     "          INTERNAL: SETTINGS frame at offset 0: on stream 1, not the "
     "connection's stream 0 (HTTP/2 PROTOCOL_ERROR)"},
    {"SETTINGS not in sixes", b_settings_odd, 0, STATUS_INTERNAL, 0,
     "          INTERNAL: SETTINGS frame at offset 0: length 5 is not a "
     "multiple of 6 (HTTP/2 FRAME_SIZE_ERROR)"},
    {"RST_STREAM of 3 bytes", b_rst_short, 0, STATUS_INTERNAL, 0,
     "          INTERNAL: RST_STREAM frame at offset 0: length 3, not 4 "
     "(HTTP/2 FRAME_SIZE_ERROR)"},
    {"WINDOW_UPDATE of 0", b_window_zero, 0, STATUS_INTERNAL, 0,
     "          INTERNAL: WINDOW_UPDATE frame at offset 0: a window "
     "increment of 0 (HTTP/2 PROTOCOL_ERROR)"},
    {"CONTINUATION alone", b_lone_continuation, 0, STATUS_INTERNAL, 0,
     "          INTERNAL: CONTINUATION frame at offset 0: no header block to "
     "continue (HTTP/2 PROTOCOL_ERROR)"},
    {"header block broken off", b_block_broken_off, 0, STATUS_INTERNAL, 1,
     "          INTERNAL: DATA frame at offset 10: the header block of "
     "stream 1 is not finished (CONTINUATION expected) (HTTP/2 "
     "PROTOCOL_ERROR)"},
    {"EOF in a header block", b_eof_in_block, 0, STATUS_INTERNAL, 1,
     "          INTERNAL: unexpected EOF in the header block of stream 1 "
     "(CONTINUATION expected)"},
    {"gRPC flag 2", b_grpc_bad_flag, 0, STATUS_INTERNAL, 0,
     "          INTERNAL: grpc: received unexpected payload format 2"},
    {"gRPC above max_recv", b_grpc_too_big, 4, STATUS_RESOURCE_EXHAUSTED, 0,
     "          RESOURCE_EXHAUSTED: grpc: received message larger than max "
     "(5 vs. 4)"},
    {"stream ends inside a message", b_stream_ends_inside, 0, STATUS_INTERNAL,
     1, "          INTERNAL: unexpected EOF"},
};

#define NBAD (sizeof bad_rows / sizeof bad_rows[0])

/* The last line of text. */
static const char *last_line(const char *text, char *line, size_t cap)
{
    int n = count_lines(text);

    assert_true(n > 0 && line_at(text, n - 1, line, cap));
    return line;
}

/* Dissects w a byte at a time, keeping what was not used, as decode does. */
static enum status dissect_bytewise(const struct bytes *w,
                                    const struct frame_limits *lim, FILE *out)
{
    struct h2_dissect *d = NULL;
    static uint8_t pending[sizeof((struct bytes *)0)->b];
    size_t have = 0, fed = 0;
    enum status st = STATUS_OK;

    assert_int_equal(h2_dissect_create(lim, out, 0, &d), STATUS_OK);
    while (fed < w->n) {
        size_t used = 0;

        pending[have++] = w->b[fed++];
        st = h2_dissect_bytes(d, pending, have, &used);
        if (st != STATUS_OK)
            goto out;
        memmove(pending, pending + used, have - used);
        have -= used;
    }
    st = h2_dissect_end(d, pending, have);
out:
    h2_dissect_destroy(d);
    return st;
}

static void test_h2_dissect_errors(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < NBAD; i++) {
        const struct bad_row *row = &bad_rows[i];
        struct frame_limits lim = {row->max_recv, NULL};
        const struct frame_limits *l = row->max_recv ? &lim : NULL;
        struct bytes w = {{0}, 0};
        struct sink s;
        char line[512];
        enum status st = STATUS_OK;
        size_t frames = 99;
        char *text = NULL;

        row->build(&w);
        text = dissect(&w, l, &st, &frames);
        if (st != row->want || frames != row->frames)
            fail_msg("%s: got %s and %zu frames, want %s and %zu\n%s",
                     row->name, status_name(st), frames, status_name(row->want),
                     row->frames, text);
        if (strcmp(last_line(text, line, sizeof line), row->last) != 0)
            fail_msg("%s: ends\n%s\nwant\n%s", row->name, line, row->last);
        assert_no_trailing_blanks(text);
        /* A byte at a time: the same status and the same words. */
        st = dissect_bytewise(&w, l, sink_open(&s));
        if (st != row->want || strcmp(sink_text(&s), text) != 0)
            fail_msg("%s, a byte at a time: got %s\n%s\nwant\n%s", row->name,
                     status_name(st), s.text, text);
        sink_free(&s);
        free(text);
    }
}

/* A frame too long is judged from its 9 header bytes alone. */
static void test_h2_dissect_judges_a_header_before_its_payload(void **state)
{
    static const uint8_t header[9] = {0, 0x40, 0x01, 0, 0, 0, 0, 0, 1};
    struct h2_dissect *d = NULL;
    struct sink s;
    size_t used = 99;

    (void)state;
    assert_int_equal(h2_dissect_create(NULL, sink_open(&s), 0, &d), STATUS_OK);
    assert_int_equal(h2_dissect_bytes(d, header, 8, &used), STATUS_OK);
    assert_int_equal(used, 0);
    assert_int_equal(h2_dissect_bytes(d, header, 9, &used), STATUS_INTERNAL);
    assert_int_equal(used, 0); /* untouched on failure */
    h2_dissect_destroy(d);
    assert_non_null(strstr(sink_text(&s), "FRAME_SIZE_ERROR"));
    sink_free(&s);
    h2_dissect_destroy(NULL); /* a no-op */
}

/* ---- what a real run puts on the wire ----------------------------------- */

static void test_h2_dissect_reads_a_run_of_echo(void **state)
{
    const struct scenario *sc = scenario_find("echo");
    struct scenario_options o;
    struct scenario_result *r = calloc(1, sizeof *r);
    struct trace *t = trace_create();
    struct sink s;
    const char *text = NULL;
    int i = 0;

    (void)state;
    assert_non_null(sc);
    assert_non_null(r);
    assert_non_null(t);
    memset(&o, 0, sizeof o);
    o.seed = 1;
    o.wire = &h2_wire_type;
    o.trace = t;
    scenario_run(sc, &o, r);
    assert_int_equal(scenario_exit_code(r), SCENARIO_EXIT_OK);
    for (i = 0; i < TRACE_WIRES; i++) {
        const struct trace_wire *w = trace_wire_at(t, i);
        size_t frames = 0;

        if (w->name[0] == '\0')
            continue;
        assert_int_equal(h2_dissect_buffer(w->bytes, w->len, NULL,
                                           sink_open(&s), 0, &frames),
                         STATUS_EOF);
        text = sink_text(&s);
        assert_true(frames >= 5);
        if (strcmp(w->name, "c2s") == 0) {
            assert_has_line(text, "            :path: /chat.ChatService/Chat");
            assert_has_line(text, "            te: trailers");
            assert_non_null(strstr(text, "flag=0 len=5 \"hello\""));
        } else {
            assert_has_line(text, "            grpc-status: 0");
            assert_non_null(strstr(text, "flag=0 len=11 \"echo: hello\""));
        }
        sink_free(&s);
    }
    /* The hexdump of the run is the same dissection, under each pipe. */
    h2_dissect_hexdump(t, sink_open(&s), 0);
    text = sink_text(&s);
    assert_non_null(strstr(text, "c2s: "));
    assert_non_null(strstr(text, "  offset  length   | ty | fl | stream\n"));
    assert_null(strstr(text, "INTERNAL"));
    sink_free(&s);
    h2_dissect_hexdump(NULL, stdout, 0); /* prints nothing */
    scenario_result_free(r);
    free(r);
    trace_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h2_dissect_every_frame_type),
        cmocka_unit_test(test_h2_dissect_message_split_over_data_frames),
        cmocka_unit_test(test_h2_dissect_two_messages_in_one_frame),
        cmocka_unit_test(test_h2_dissect_streams_apart),
        cmocka_unit_test(test_h2_dissect_hpack_table_across_frames),
        cmocka_unit_test(test_h2_dissect_errors),
        cmocka_unit_test(test_h2_dissect_judges_a_header_before_its_payload),
        cmocka_unit_test(test_h2_dissect_reads_a_run_of_echo),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

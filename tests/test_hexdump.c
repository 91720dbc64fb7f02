/*
 * test_hexdump: the bytes each pipe of a trace kept, dissected as frames.
 *
 * The hexdump is printed into memory (a sink from support.h) and compared
 * exactly: it has no times in it. The frame lines themselves are
 * view/dissect's, tested in test_dissect; these tests are about the
 * title line of each pipe and which pipes are shown.
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
#include "core/trace.h"
#include "lines.h"
#include "support.h"
#include "view/hexdump.h"

static const char *hexdump(struct trace *t, struct sink *s, int colour)
{
    hexdump_print(t, sink_open(s), colour);
    return sink_text(s);
}

static const uint8_t two_frames[] = {
    0x00, 0x00, 0x00, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o', /* "hello" */
    0x00, 0x00, 0x00, 0x00, 0x00,                          /* empty */
};

static const uint8_t bad_flag[] = {0x02, 0x00, 0x00, 0x00, 0x01, 'x'};

static void test_hexdump_shows_each_frame(void **state)
{
    static const char want[] =
        "c2s: 15 bytes\n"
        "  offset  fl | length      | payload\n"
        "       0  00 | 00 00 00 05 | 68 65 6c 6c 6f  flag=0 len=5 "
        "\"hello\"\n"
        "      10  00 | 00 00 00 00 |   flag=0 len=0 \"\"\n"
        "      15  end: 2 frames, clean EOF\n"
        "s2c: 6 bytes\n"
        "  offset  fl | length      | payload\n"
        "       0  02 00 00 00 01 78\n"
        "          INTERNAL: grpc: received unexpected payload format 2\n";
    struct trace *t = trace_create();
    struct sink s;

    (void)state;
    assert_non_null(t);
    /* The bytes arrive in pieces, as frame_write sends them. */
    trace_wire(t, "c2s", two_frames, 5);
    trace_wire(t, "s2c", bad_flag, sizeof bad_flag);
    trace_wire(t, "c2s", two_frames + 5, sizeof two_frames - 5);
    assert_string_equal(hexdump(t, &s, 0), want);
    sink_free(&s);
    trace_destroy(t);
}

static void test_hexdump_of_an_empty_trace_prints_nothing(void **state)
{
    struct trace *t = trace_create();
    struct sink s;

    (void)state;
    assert_non_null(t);
    assert_string_equal(hexdump(t, &s, 0), "");
    sink_free(&s);
    trace_destroy(t);
}

static void test_hexdump_says_when_bytes_were_not_kept(void **state)
{
    struct trace *t = trace_create();
    uint8_t *frame = calloc(1, TRACE_WIRE_MAX);
    struct sink s;
    const char *text = NULL;
    char line[256];

    (void)state;
    assert_non_null(t);
    assert_non_null(frame);
    /* One frame that fills the kept bytes exactly, then 5 more bytes. */
    frame_encode_header(frame, 0, TRACE_WIRE_MAX - FRAME_HEADER_LEN);
    trace_wire(t, "c2s", frame, TRACE_WIRE_MAX);
    trace_wire(t, "c2s", two_frames + 10, 5);
    text = hexdump(t, &s, 0);
    assert_true(line_at(text, 0, line, sizeof line));
    assert_string_equal(line, "c2s: 65541 bytes (first 64 KiB shown)");
    assert_true(line_at(text, 2, line, sizeof line));
    assert_string_equal(line, "       0  00 | 00 00 ff fb | 00 00 00 00 00 "
                              "00 00 00 ..  flag=0 len=65531 "
                              "\"..................\"...");
    assert_true(line_at(text, 3, line, sizeof line));
    assert_string_equal(line, "   65536  end: 1 frame, clean EOF");
    sink_free(&s);
    free(frame);
    trace_destroy(t);
}

static void test_hexdump_in_colour_paints_headers_and_errors(void **state)
{
    struct trace *t = trace_create();
    struct sink s;
    const char *text = NULL;

    (void)state;
    assert_non_null(t);
    trace_wire(t, "c2s", two_frames, 10);
    trace_wire(t, "s2c", bad_flag, sizeof bad_flag);
    text = hexdump(t, &s, 1);
    assert_has(text, "       0  \033[33m00 | 00 00 00 05\033[0m | 68 65 6c 6c "
                     "6f  flag=0 len=5 \"hello\"\n");
    assert_has(text, "\033[31m          INTERNAL: grpc: received unexpected "
                     "payload format 2\n\033[0m");
    sink_free(&s);
    trace_destroy(t);
}

static void test_hexdump_of_a_null_trace_prints_nothing(void **state)
{
    struct sink s;

    (void)state;
    assert_string_equal(hexdump(NULL, &s, 1), "");
    sink_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hexdump_shows_each_frame),
        cmocka_unit_test(test_hexdump_of_an_empty_trace_prints_nothing),
        cmocka_unit_test(test_hexdump_says_when_bytes_were_not_kept),
        cmocka_unit_test(test_hexdump_in_colour_paints_headers_and_errors),
        cmocka_unit_test(test_hexdump_of_a_null_trace_prints_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

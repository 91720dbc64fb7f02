/*
 * Tests for the frames exercise: byte-vector tables, as codec tests are
 * written (nghttp2 tests its frames the same way).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ex_check.h"
#include "frames.h"

struct header_row {
    uint8_t flag;
    uint32_t len;
    uint8_t bytes[5];
};

static const struct header_row rows[] = {
    {0, 0, {0x00, 0x00, 0x00, 0x00, 0x00}},
    {0, 2, {0x00, 0x00, 0x00, 0x00, 0x02}},
    {0, 300, {0x00, 0x00, 0x00, 0x01, 0x2c}},
    {1, 0x01020304, {0x01, 0x01, 0x02, 0x03, 0x04}},
    {0, 4194304, {0x00, 0x00, 0x40, 0x00, 0x00}},
};

static void test_frames_header_is_flag_then_big_endian_length(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint8_t out[5] = {0xee, 0xee, 0xee, 0xee, 0xee};
        char what[96];

        ex_put_header(out, rows[i].flag, rows[i].len);
        snprintf(what, sizeof what, "the header of flag %u, length %lu",
                 (unsigned)rows[i].flag, (unsigned long)rows[i].len);
        ex_check_bytes(what, rows[i].bytes, out, 5);
    }
}

static void test_frames_encode_writes_header_then_payload(void **state)
{
    static const uint8_t want[] = {0x00, 0x00, 0x00, 0x00, 0x02, 'h', 'i'};
    uint8_t out[16];

    (void)state;
    memset(out, 0xee, sizeof out);
    ex_check_int("bytes written for \"hi\"", 7,
                 (long long)ex_encode(0, "hi", 2, out, sizeof out));
    ex_check_bytes("the frame of \"hi\"", want, out, sizeof want);
}

static void test_frames_empty_message_is_a_header(void **state)
{
    static const uint8_t want[] = {0x00, 0x00, 0x00, 0x00, 0x00};
    uint8_t out[5] = {0xee, 0xee, 0xee, 0xee, 0xee};

    (void)state;
    ex_check_int("bytes written for an empty message", 5,
                 (long long)ex_encode(0, "", 0, out, sizeof out));
    ex_check_bytes("the frame of an empty message", want, out, 5);
}

static void test_frames_encode_refuses_what_does_not_fit(void **state)
{
    uint8_t out[6];

    (void)state;
    memset(out, 0xee, sizeof out);
    ex_check_int("bytes written for \"hi\" into 6 bytes", 0,
                 (long long)ex_encode(0, "hi", 2, out, sizeof out));
    ex_check_int("the first byte, untouched", 0xee, out[0]);
}

static void test_frames_decode_reads_what_encode_wrote(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint8_t flag = 0xee;
        uint32_t len = 0xeeeeeeee;

        ex_check_status(
            "decoding a good header", STATUS_OK,
            ex_decode_header(rows[i].bytes, 0xffffffffu, &flag, &len));
        ex_check_int("the decoded flag", rows[i].flag, flag);
        ex_check_int("the decoded length", rows[i].len, len);
    }
}

static void test_frames_decode_rejects_bad_headers(void **state)
{
    static const uint8_t flag2[5] = {0x02, 0x00, 0x00, 0x00, 0x01};
    static const uint8_t big[5] = {0x00, 0x00, 0x40, 0x00, 0x01};
    static const uint8_t both[5] = {0x07, 0xff, 0xff, 0xff, 0xff};
    uint8_t flag = 0xee;
    uint32_t len = 0xeeeeeeee;

    (void)state;
    ex_check_status("flag 2 (grpc: received unexpected payload format 2)",
                    STATUS_INTERNAL,
                    ex_decode_header(flag2, 4194304, &flag, &len));
    ex_check_status("4194305 bytes, one over the 4194304 limit",
                    STATUS_RESOURCE_EXHAUSTED,
                    ex_decode_header(big, 4194304, &flag, &len));
    ex_check_status("a bad flag and a huge length: the length is judged "
                    "first",
                    STATUS_RESOURCE_EXHAUSTED,
                    ex_decode_header(both, 4194304, &flag, &len));
    ex_check_int("flag, untouched after failures", 0xee, flag);
    ex_check_int("length, untouched after failures", 0xeeeeeeee, len);
}

static void test_frames_decode_limit_is_inclusive(void **state)
{
    static const uint8_t at[5] = {0x00, 0x00, 0x40, 0x00, 0x00};
    static const uint8_t five[5] = {0x00, 0x00, 0x00, 0x00, 0x05};
    uint8_t flag = 0xee;
    uint32_t len = 0xeeeeeeee;

    (void)state;
    ex_check_status("4194304 bytes, exactly the 4194304 limit", STATUS_OK,
                    ex_decode_header(at, 4194304, &flag, &len));
    ex_check_int("the decoded length at the limit", 4194304, len);
    ex_check_status("5 bytes with a limit of 5", STATUS_OK,
                    ex_decode_header(five, 5, &flag, &len));
    ex_check_status("5 bytes with a limit of 4", STATUS_RESOURCE_EXHAUSTED,
                    ex_decode_header(five, 4, &flag, &len));
    ex_check_int("the length, untouched after the refusal", 5, len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frames_header_is_flag_then_big_endian_length),
        cmocka_unit_test(test_frames_encode_writes_header_then_payload),
        cmocka_unit_test(test_frames_empty_message_is_a_header),
        cmocka_unit_test(test_frames_encode_refuses_what_does_not_fit),
        cmocka_unit_test(test_frames_decode_reads_what_encode_wrote),
        cmocka_unit_test(test_frames_decode_rejects_bad_headers),
        cmocka_unit_test(test_frames_decode_limit_is_inclusive),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

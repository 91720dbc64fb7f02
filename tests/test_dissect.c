/*
 * test_dissect: bytes read as gRPC frames, whole or in pieces.
 *
 * A table of byte vectors (nghttp2's way of testing a codec) goes through
 * dissect_buffer, and the same vectors through dissect_start,
 * dissect_frames and dissect_end a few bytes at a time, as `duplex decode`
 * feeds them: both must end with the same status, the same frames and the
 * same words. The output is printed into memory (a sink from support.h)
 * and compared exactly.
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
#include "core/status.h"
#include "lines.h"
#include "support.h"
#include "view/dissect.h"

static const uint8_t two_frames[] = {
    0x00, 0x00, 0x00, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o', /* "hello" */
    0x00, 0x00, 0x00, 0x00, 0x00,                          /* empty */
};

static const uint8_t bad_flag[] = {0x02, 0x00, 0x00, 0x00, 0x01, 'x'};

/* One row of the dissect table: bytes in, what a receiver ends with. */
struct dissect_row {
    const char *name;
    const uint8_t *bytes;
    size_t len;
    uint32_t max_recv;    /* 0: the default limits */
    const char *encoding; /* with max_recv only */
    enum status want;
    size_t frames;
    const char *last_lines; /* the output after the frame lines */
};

static const uint8_t one_hello[] = {0, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'};
static const uint8_t hello_then_bad[] = {0,   0,   0, 0, 5, 'h', 'e', 'l',
                                         'l', 'o', 2, 0, 0, 0,   0};
static const uint8_t oversize[] = {0x00, 0xff, 0xff, 0xff, 0xff};
static const uint8_t compressed[] = {1, 0, 0, 0, 1, 'x'};
static const uint8_t short_header[] = {0, 0, 0};
static const uint8_t short_payload[] = {0, 0, 0, 0, 5, 'h', 'e'};
static const uint8_t long_bad[] = {9, 0,  0,  0,  13, 5,  6,  7,  8,
                                   9, 10, 11, 12, 13, 14, 15, 16, 17};

static const struct dissect_row dissect_rows[] = {
    {"nothing", NULL, 0, 0, NULL, STATUS_EOF, 0,
     "       0  end: 0 frames, clean EOF\n"},
    {"one frame", one_hello, sizeof one_hello, 0, NULL, STATUS_EOF, 1,
     "      10  end: 1 frame, clean EOF\n"},
    {"two frames", two_frames, sizeof two_frames, 0, NULL, STATUS_EOF, 2,
     "      15  end: 2 frames, clean EOF\n"},
    {"bad flag", bad_flag, sizeof bad_flag, 0, NULL, STATUS_INTERNAL, 0,
     "       0  02 00 00 00 01 78\n"
     "          INTERNAL: grpc: received unexpected payload format 2\n"},
    {"bad flag after a frame", hello_then_bad, sizeof hello_then_bad, 0, NULL,
     STATUS_INTERNAL, 1,
     "      10  02 00 00 00 00\n"
     "          INTERNAL: grpc: received unexpected payload format 2\n"},
    {"oversize", oversize, sizeof oversize, 0, NULL, STATUS_RESOURCE_EXHAUSTED,
     0,
     "       0  00 ff ff ff ff\n"
     "          RESOURCE_EXHAUSTED: grpc: received message larger than max "
     "(4294967295 vs. 4194304)\n"},
    {"above max_recv", one_hello, sizeof one_hello, 4, NULL,
     STATUS_RESOURCE_EXHAUSTED, 0,
     "       0  00 00 00 00 05 68 65 6c 6c 6f\n"
     "          RESOURCE_EXHAUSTED: grpc: received message larger than max "
     "(5 vs. 4)\n"},
    {"exactly max_recv", one_hello, sizeof one_hello, 5, NULL, STATUS_EOF, 1,
     "      10  end: 1 frame, clean EOF\n"},
    {"compressed, no encoding", compressed, sizeof compressed, 0, NULL,
     STATUS_INTERNAL, 0,
     "       0  01 00 00 00 01 78\n"
     "          INTERNAL: grpc: compressed flag set with identity or empty "
     "encoding\n"},
    {"compressed with gzip", compressed, sizeof compressed,
     FRAME_DEFAULT_MAX_RECV, "gzip", STATUS_EOF, 1,
     "       6  end: 1 frame, clean EOF\n"},
    {"truncated header", short_header, sizeof short_header, 0, NULL,
     STATUS_INTERNAL, 0,
     "       0  00 00 00\n"
     "          INTERNAL: unexpected EOF\n"},
    {"truncated payload", short_payload, sizeof short_payload, 0, NULL,
     STATUS_INTERNAL, 0,
     "       0  00 00 00 00 05 68 65\n"
     "          INTERNAL: unexpected EOF\n"},
    {"long bad bytes", long_bad, sizeof long_bad, 0, NULL, STATUS_INTERNAL, 0,
     "       0  09 00 00 00 0d 05 06 07 08 09 0a 0b 0c 0d 0e 0f ..\n"
     "          INTERNAL: grpc: received unexpected payload format 9\n"},
};

#define NDISSECT (sizeof dissect_rows / sizeof dissect_rows[0])

static void test_dissect_byte_vectors(void **state)
{
    static const char header[] = "  offset  fl | length      | payload\n";
    size_t i = 0;

    (void)state;
    for (i = 0; i < NDISSECT; i++) {
        const struct dissect_row *row = &dissect_rows[i];
        struct frame_limits lim = {row->max_recv, row->encoding};
        struct sink s;
        const char *text = NULL;
        const char *tail = NULL;
        size_t frames = 99;
        enum status st = STATUS_OK;

        st = dissect_buffer(row->bytes, row->len,
                            row->max_recv != 0 ? &lim : NULL, sink_open(&s), 0,
                            &frames);
        text = sink_text(&s);
        if (st != row->want || frames != row->frames)
            fail_msg("%s: got %s and %zu frames, want %s and %zu", row->name,
                     status_name(st), frames, status_name(row->want),
                     row->frames);
        /* The header, one line per good frame, then the last lines. */
        assert_int_equal(strncmp(text, header, strlen(header)), 0);
        assert_int_equal(count_lines(text),
                         1 + (int)row->frames + count_lines(row->last_lines));
        tail = text + strlen(text) - strlen(row->last_lines);
        if (strcmp(tail, row->last_lines) != 0)
            fail_msg("%s: output ends\n%s\nwant\n%s", row->name, tail,
                     row->last_lines);
        assert_no_trailing_blanks(text);
        sink_free(&s);
    }
}

static void test_dissect_previews_payloads(void **state)
{
    static const uint8_t frames[] = {
        0,   0,   0,   0,   4,   'a', 0x01, '"', 0xfe, /* unprintable bytes */
        0,   0,   0,   0,   20,  'a', 'b',  'c', 'd',  'e', 'f', 'g', 'h',
        'i', 'j', 'k', 'l', 'm', 'n', 'o',  'p', 'q',  'r', 's', 't', /* long */
    };
    struct sink s;
    const char *text = NULL;
    char line[256];
    size_t n = 0;

    (void)state;
    /* out_frames may be NULL; the status still says how it ended. */
    assert_int_equal(
        dissect_buffer(frames, sizeof frames, NULL, sink_open(&s), 0, NULL),
        STATUS_EOF);
    text = sink_text(&s);
    assert_true(line_at(text, 1, line, sizeof line));
    assert_string_equal(line, "       0  00 | 00 00 00 04 | 61 01 22 fe  "
                              "flag=0 len=4 \"a...\"");
    assert_true(line_at(text, 2, line, sizeof line));
    assert_string_equal(line, "       9  00 | 00 00 00 14 | 61 62 63 64 65 "
                              "66 67 68 ..  flag=0 len=20 "
                              "\"abcdefghijklmnopqr\"...");
    sink_free(&s);

    assert_int_equal(
        dissect_buffer(frames, sizeof frames, NULL, sink_open(&s), 0, &n),
        STATUS_EOF);
    sink_text(&s);
    sink_free(&s);
    assert_int_equal(n, 2);
}

static void test_dissect_print_bad_shows_status_and_text(void **state)
{
    struct sink s;

    (void)state;
    dissect_print_bad(sink_open(&s), 7, oversize, sizeof oversize,
                      STATUS_RESOURCE_EXHAUSTED, "too big", 0);
    assert_string_equal(sink_text(&s), "       7  00 ff ff ff ff\n"
                                       "          RESOURCE_EXHAUSTED: too "
                                       "big\n");
    sink_free(&s);
}

/* ---- in pieces, as decode reads ---------------------------------------- */

/*
 * Dissects bytes as input that comes piece bytes at a time, keeping what
 * dissect_frames has not used, as `duplex decode` does. *out_fed is how
 * many bytes had come when the dissection ended.
 */
static enum status dissect_in_pieces(const uint8_t *bytes, size_t len,
                                     const struct frame_limits *lim,
                                     size_t piece, FILE *out,
                                     size_t *out_frames, size_t *out_fed)
{
    struct dissect d;
    uint8_t pending[64];
    size_t have = 0;
    size_t fed = 0;
    enum status st = STATUS_OK;

    dissect_start(&d, lim, out, 0);
    while (fed < len) {
        size_t n = len - fed < piece ? len - fed : piece;
        size_t used = 0;

        assert_true(have + n <= sizeof pending);
        memcpy(pending + have, bytes + fed, n);
        have += n;
        fed += n;
        st = dissect_frames(&d, pending, have, &used);
        if (st != STATUS_OK)
            goto out;
        memmove(pending, pending + used, have - used);
        have -= used;
    }
    st = dissect_end(&d, pending, have);
out:
    *out_frames = d.frames;
    *out_fed = fed;
    return st;
}

/* Is st what a bad header gives (not an end of input)? */
static int bad_header(enum status st, const char *text)
{
    return st != STATUS_EOF && strstr(text, "unexpected EOF") == NULL;
}

/* The text without its last two lines (a failure's bytes and words). */
static size_t before_failure(const char *text)
{
    size_t len = strlen(text);
    int lines = 0;

    while (len > 0 && lines < 3)
        lines += text[--len] == '\n';
    return len + 1;
}

static void test_dissect_in_pieces_ends_as_the_whole_buffer(void **state)
{
    static const size_t pieces[] = {1, 2, 3, 7, 64};
    size_t i = 0;
    size_t k = 0;

    (void)state;
    for (i = 0; i < NDISSECT; i++) {
        const struct dissect_row *row = &dissect_rows[i];
        struct frame_limits lim = {row->max_recv, row->encoding};
        const struct frame_limits *l = row->max_recv != 0 ? &lim : NULL;
        struct sink whole;
        const char *want = NULL;

        dissect_buffer(row->bytes, row->len, l, sink_open(&whole), 0, NULL);
        want = sink_text(&whole);
        for (k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
            struct sink s;
            const char *text = NULL;
            size_t frames = 99;
            size_t fed = 0;
            size_t cut = 0;
            enum status st =
                dissect_in_pieces(row->bytes, row->len, l, pieces[k],
                                  sink_open(&s), &frames, &fed);

            text = sink_text(&s);
            if (st != row->want || frames != row->frames)
                fail_msg("%s in pieces of %zu: got %s and %zu frames",
                         row->name, pieces[k], status_name(st), frames);
            if (!bad_header(st, want) || pieces[k] >= row->len) {
                assert_string_equal(text, want);
                sink_free(&s);
                continue;
            }
            /*
             * A bad header is judged as soon as its 5 bytes are in, so the
             * failure shows the bytes that had come by then: the same
             * frames before it, the same offset and the same words.
             */
            cut = before_failure(want);
            assert_true(cut + 10 <= strlen(text));
            assert_memory_equal(text, want, cut + 10); /* "  %6zu  " too */
            assert_string_equal(strchr(text + cut, '\n') + 1,
                                strchr(want + cut, '\n') + 1);
            if (pieces[k] == 1)
                assert_int_equal(fed, strtoul(want + cut, NULL, 10) + 5);
            sink_free(&s);
        }
        sink_free(&whole);
    }
}

static void test_dissect_judges_a_header_before_its_payload(void **state)
{
    static const uint8_t header_only[] = {0, 0, 0, 0, 5};
    struct dissect d;
    struct sink s;
    size_t used = 77;

    (void)state;
    /* A good header whose payload has not come: nothing to print yet. */
    dissect_start(&d, NULL, sink_open(&s), 0);
    assert_int_equal(dissect_frames(&d, header_only, sizeof header_only, &used),
                     STATUS_OK);
    assert_int_equal(used, 0);
    assert_int_equal(d.frames, 0);
    assert_int_equal(d.offset, 0);
    assert_string_equal(sink_text(&s),
                        "  offset  fl | length      | payload\n");
    sink_free(&s);

    /* An oversize one fails at once, with not one payload byte in. */
    used = 77;
    dissect_start(&d, NULL, sink_open(&s), 0);
    assert_int_equal(dissect_frames(&d, oversize, sizeof oversize, &used),
                     STATUS_RESOURCE_EXHAUSTED);
    assert_int_equal(used, 77); /* untouched on failure */
    assert_has(sink_text(&s), "RESOURCE_EXHAUSTED: grpc: received message "
                              "larger than max (4294967295 vs. 4194304)\n");
    sink_free(&s);
}

static void test_dissect_offsets_go_on_across_pieces(void **state)
{
    struct dissect d;
    struct sink s;
    size_t used = 0;

    (void)state;
    dissect_start(&d, NULL, sink_open(&s), 0);
    assert_int_equal(dissect_frames(&d, one_hello, sizeof one_hello, &used),
                     STATUS_OK);
    assert_int_equal(used, sizeof one_hello);
    assert_int_equal(dissect_frames(&d, two_frames, 12, &used), STATUS_OK);
    assert_int_equal(used, 10); /* 2 bytes of the next header wait */
    assert_int_equal(d.offset, 20);
    assert_int_equal(d.frames, 2);
    assert_int_equal(dissect_end(&d, two_frames + 10, 2), STATUS_INTERNAL);
    assert_has(sink_text(&s), "      10  00 | 00 00 00 05 | 68 65 6c 6c 6f  "
                              "flag=0 len=5 \"hello\"\n"
                              "      20  00 00\n"
                              "          INTERNAL: unexpected EOF\n");
    sink_free(&s);
}

static void test_dissect_end_says_where_when_asked(void **state)
{
    static const struct {
        const uint8_t *bytes;
        size_t len;
        const char *says;
    } ends[] = {
        {short_header, sizeof short_header,
         "INTERNAL: unexpected EOF (header: 3 of 5 bytes)\n"},
        {short_payload, sizeof short_payload,
         "INTERNAL: unexpected EOF (payload: 2 of 5 bytes)\n"},
        {two_frames, 0, "       0  end: 0 frames, clean EOF\n"},
    };
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        struct dissect d;
        struct sink s;
        size_t used = 0;

        dissect_start(&d, NULL, sink_open(&s), 0);
        d.say_where = 1;
        assert_int_equal(dissect_frames(&d, ends[i].bytes, ends[i].len, &used),
                         STATUS_OK);
        assert_int_equal(used, 0);
        dissect_end(&d, ends[i].bytes, ends[i].len);
        assert_has(sink_text(&s), ends[i].says);
        assert_no_trailing_blanks(s.text);
        sink_free(&s);
    }
}

static void test_dissect_start_copies_the_limits(void **state)
{
    struct frame_limits lim = {5, NULL};
    struct dissect d;
    struct sink s;
    size_t used = 0;

    (void)state;
    dissect_start(&d, &lim, sink_open(&s), 0);
    lim.max_recv = 4; /* too late: the dissection has its own copy */
    assert_int_equal(dissect_frames(&d, one_hello, sizeof one_hello, &used),
                     STATUS_OK);
    assert_int_equal(used, sizeof one_hello);
    sink_text(&s);
    sink_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dissect_byte_vectors),
        cmocka_unit_test(test_dissect_previews_payloads),
        cmocka_unit_test(test_dissect_print_bad_shows_status_and_text),
        cmocka_unit_test(test_dissect_in_pieces_ends_as_the_whole_buffer),
        cmocka_unit_test(test_dissect_judges_a_header_before_its_payload),
        cmocka_unit_test(test_dissect_offsets_go_on_across_pieces),
        cmocka_unit_test(test_dissect_end_says_where_when_asked),
        cmocka_unit_test(test_dissect_start_copies_the_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

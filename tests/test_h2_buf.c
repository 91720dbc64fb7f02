/*
 * test_h2_buf: the byte queue under each HTTP/2 call's send and receive
 * (struct h2_buf, h2_internal.h): what goes in comes out in order, and a
 * queue that is read as fast as it is written, but never quite empties,
 * keeps the memory of what it holds rather than of every byte that went
 * through it (issue #16, target 5: no per-message growth on the h2 wire).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "h2/h2_internal.h"

#define CHUNK 100     /* bytes per append, as a small message's frame */
#define ROUNDS 100000 /* 10 MB through the queue in all */

/* The byte at stream offset k. */
static uint8_t byte_at(uint64_t k)
{
    return (uint8_t)(k * 7 + k / 251);
}

/*
 * Appends CHUNK bytes at a time and consumes all but the last chunk, so
 * the queue is never empty (a busy echo's send queue). Every byte must
 * come out in order, and the buffer stay within a few times what it
 * holds.
 */
static void test_h2_buf_busy_queue_stays_small(void **state)
{
    struct h2_buf b;
    uint8_t chunk[CHUNK];
    uint64_t in = 0;
    uint64_t out = 0;
    size_t biggest = 0;
    long r = 0;
    size_t k = 0;

    (void)state;
    memset(&b, 0, sizeof b);
    for (r = 0; r < ROUNDS; r++) {
        for (k = 0; k < CHUNK; k++)
            chunk[k] = byte_at(in + k);
        assert_int_equal(h2_buf_append(&b, chunk, CHUNK), 0);
        in += CHUNK;
        while (h2_buf_size(&b) > CHUNK) {
            assert_int_equal(b.data[b.off], byte_at(out));
            h2_buf_drop(&b, 1);
            out++;
        }
        if (b.cap > biggest)
            biggest = b.cap;
    }
    assert_int_equal(h2_buf_size(&b), CHUNK);
    for (k = 0; k < CHUNK; k++)
        assert_int_equal(b.data[b.off + k], byte_at(out + k));
    /* It never held more than two chunks: 10 MB went through. */
    assert_true(biggest <= 1024);
    h2_buf_free(&b);
}

/* A queue that fills up while nothing is read keeps every byte. */
static void test_h2_buf_grows_while_unread(void **state)
{
    struct h2_buf b;
    uint8_t chunk[CHUNK];
    uint64_t k = 0;
    int r = 0;

    (void)state;
    memset(&b, 0, sizeof b);
    for (r = 0; r < 1000; r++) {
        for (k = 0; k < CHUNK; k++)
            chunk[k] = byte_at((uint64_t)r * CHUNK + k);
        assert_int_equal(h2_buf_append(&b, chunk, CHUNK), 0);
        if (r == 10)
            h2_buf_drop(&b, 3);
    }
    assert_int_equal(h2_buf_size(&b), 1000 * CHUNK - 3);
    for (k = 0; k < 1000 * CHUNK - 3; k++)
        assert_int_equal(b.data[b.off + k], byte_at(k + 3));
    h2_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h2_buf_busy_queue_stays_small),
        cmocka_unit_test(test_h2_buf_grows_while_unread),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

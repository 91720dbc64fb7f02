/*
 * fuzz_common.h: what the three fuzz harnesses share.
 *
 * Each harness (fuzz_frame.c, fuzz_decode.c, fuzz_stream.c) keeps its logic
 * in int fuzz_<name>_one(data, size), which returns 0 when every invariant
 * held and 1 (after printing which one broke) when one did not. libFuzzer's
 * entry point turns a 1 into abort(), so the input is saved as a crash;
 * tests/test_fuzz_regressions.c includes the same files with FUZZ_NO_MAIN
 * and asserts on the return value instead.
 *
 * Design
 *   The reference model below is written from frame.h's contract, not from
 *   frame.c, so the harnesses compare the codec with an independent reading
 *   of the rules (grpc-go's order: length, then flag, then compression).
 *   Everything is static inline: the regression test compiles all three
 *   harnesses into one file, and a helper one of them does not use draws no
 *   warning.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/frame.h"
#include "core/status.h"

/*
 * Prints "fuzz_<harness>: <what broke>" to stderr and returns 1, so a check
 * reads `return fuzz_fail("frame", "...", ...);`.
 */
static inline int fuzz_fail(const char *harness, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline int fuzz_fail(const char *harness, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "fuzz_%s: invariant broken: ", harness);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

/* xorshift64: the harnesses' only source of "random" choices. */
static inline uint64_t fuzz_rand(uint64_t *state)
{
    uint64_t x = *state != 0 ? *state : 0x9e3779b97f4a7c15ULL;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

/* The big-endian u32 at p, computed here rather than with frame_get_u32. */
static inline uint32_t fuzz_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

/* 1 when enc names a compression (not NULL, "" or "identity"). */
static inline int fuzz_has_encoding(const char *enc)
{
    return enc != NULL && enc[0] != '\0' && strcmp(enc, "identity") != 0;
}

/*
 * The receiver's verdict on 5 header bytes, as frame.h states it. Writes
 * grpc-go's text to text (cap bytes) on failure.
 */
static inline enum status fuzz_ref_header(const uint8_t h[FRAME_HEADER_LEN],
                                          uint32_t max_recv, int encoded,
                                          char *text, size_t cap)
{
    uint32_t len = fuzz_be32(h + 1);

    text[0] = '\0';
    if (len > max_recv) {
        snprintf(text, cap,
                 "grpc: received message larger than max (%lu vs. %lu)",
                 (unsigned long)len, (unsigned long)max_recv);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    if (h[0] > 1) {
        snprintf(text, cap, "grpc: received unexpected payload format %u",
                 (unsigned)h[0]);
        return STATUS_INTERNAL;
    }
    if (h[0] == 1 && !encoded) {
        snprintf(text, cap,
                 "grpc: compressed flag set with identity or empty encoding");
        return STATUS_INTERNAL;
    }
    return STATUS_OK;
}

/*
 * The receiver's verdict on the frame at the start of n bytes: EOF when n is
 * 0, else as fuzz_ref_header, then "unexpected EOF" when the bytes end
 * inside the header or the payload.
 */
static inline enum status fuzz_ref_frame(const uint8_t *p, size_t n,
                                         uint32_t max_recv, int encoded,
                                         char *text, size_t cap)
{
    enum status st = STATUS_OK;

    text[0] = '\0';
    if (n == 0)
        return STATUS_EOF;
    if (n < FRAME_HEADER_LEN) {
        snprintf(text, cap, "unexpected EOF");
        return STATUS_INTERNAL;
    }
    st = fuzz_ref_header(p, max_recv, encoded, text, cap);
    if (st != STATUS_OK)
        return st;
    if (n - FRAME_HEADER_LEN < fuzz_be32(p + 1)) {
        snprintf(text, cap, "unexpected EOF");
        return STATUS_INTERNAL;
    }
    return STATUS_OK;
}

#endif /* FUZZ_COMMON_H */

/*
 * Mutant 01 of frames: the length little-endian.
 *
 * The mistake: ex_put_header writes the length's least significant byte
 * first, as x86 keeps it in memory. A gRPC peer reads bytes 1..4 most
 * significant first: a 2-byte message becomes one of 33554432 bytes.
 * Lesson: lesson/day-114-frames.md, "Topics" and "Notes": a 4-byte
 * big-endian length ("encoded as 4 byte unsigned integer (big endian)").
 * From: exercises/solutions/frames.c; ex_put_header's four shifts are in
 * the other order.
 */
#include "frames.h"

#include <string.h>

void ex_put_header(uint8_t out[5], uint8_t flag, uint32_t len)
{
    out[0] = flag;
    out[1] = (uint8_t)len;
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)(len >> 16);
    out[4] = (uint8_t)(len >> 24);
}

size_t ex_encode(uint8_t flag, const void *payload, uint32_t len, uint8_t *out,
                 size_t cap)
{
    if (cap < 5 || cap - 5 < len)
        return 0;
    ex_put_header(out, flag, len);
    if (len > 0)
        memcpy(out + 5, payload, len);
    return 5 + (size_t)len;
}

enum status ex_decode_header(const uint8_t in[5], uint32_t max, uint8_t *flag,
                             uint32_t *len)
{
    uint32_t n = (uint32_t)in[1] << 24 | (uint32_t)in[2] << 16 |
                 (uint32_t)in[3] << 8 | (uint32_t)in[4];

    if (n > max)
        return STATUS_RESOURCE_EXHAUSTED;
    if (in[0] > 1)
        return STATUS_INTERNAL;
    *flag = in[0];
    *len = n;
    return STATUS_OK;
}

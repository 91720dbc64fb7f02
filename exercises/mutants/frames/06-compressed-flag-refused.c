/*
 * Mutant 06 of frames: the compressed flag refused.
 *
 * The mistake: ex_decode_header takes only flag 0 as valid. Flag 1 says
 * "compressed" and is a legal header; whether the call can decompress is a
 * later question (grpc-go's "compressed flag set with identity or empty
 * encoding"), not the header's.
 * Lesson: lesson/day-114-frames.md, "Notes": the flag is 0 (plain) or 1
 * (compressed); anything else is a broken peer.
 * From: exercises/solutions/frames.c; `in[0] > 1` is `in[0] != 0`.
 */
#include "frames.h"

#include <string.h>

void ex_put_header(uint8_t out[5], uint8_t flag, uint32_t len)
{
    out[0] = flag;
    out[1] = (uint8_t)(len >> 24);
    out[2] = (uint8_t)(len >> 16);
    out[3] = (uint8_t)(len >> 8);
    out[4] = (uint8_t)len;
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
    if (in[0] != 0)
        return STATUS_INTERNAL;
    *flag = in[0];
    *len = n;
    return STATUS_OK;
}

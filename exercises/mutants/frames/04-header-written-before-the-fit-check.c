/*
 * Mutant 04 of frames: the header written before the fit check.
 *
 * The mistake: ex_encode writes the header first and only then finds that
 * the frame does not fit. It returns 0 as it should, but the buffer it
 * promised not to touch now starts with a header.
 * Lesson: README.md of this exercise, "The task", 2: "or 0 when they do not
 * fit (and then write nothing)"; hints.md, hint 2.
 * From: exercises/solutions/frames.c; ex_put_header moved above the check
 * in ex_encode.
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
    ex_put_header(out, flag, len);
    if (cap < 5 || cap - 5 < len)
        return 0;
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

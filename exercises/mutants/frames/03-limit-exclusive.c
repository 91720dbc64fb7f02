/*
 * Mutant 03 of frames: the limit exclusive.
 *
 * The mistake: ex_decode_header refuses a length equal to the limit
 * (`>=` for `>`). The limit is inclusive: a 4194304-byte message is
 * within grpc-go's default 4 MiB.
 * Lesson: lesson/day-120-reading-coverage.md, "Mistakes Made", 2: "the
 * boundary is where bugs live (`>` vs `>=`)"; lesson/day-114-frames.md
 * tests the rule on both sides of it (`--max-recv 5`: 5 is fine).
 * From: exercises/solutions/frames.c; `n > max` is `n >= max`.
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

    if (n >= max)
        return STATUS_RESOURCE_EXHAUSTED;
    if (in[0] > 1)
        return STATUS_INTERNAL;
    *flag = in[0];
    *len = n;
    return STATUS_OK;
}

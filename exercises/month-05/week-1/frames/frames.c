/*
 * Exercise: frames. Fill in the three functions; frames.h says what each
 * must do. Run the tests with `make exercise EX=frames`.
 */
#include "frames.h"

#include <string.h>

void ex_put_header(uint8_t out[5], uint8_t flag, uint32_t len)
{
    /* TODO: out[0] is the flag; out[1..4] hold len, big-endian. */
    (void)out;
    (void)flag;
    (void)len;
}

size_t ex_encode(uint8_t flag, const void *payload, uint32_t len, uint8_t *out,
                 size_t cap)
{
    /* TODO: refuse (return 0) when 5 + len bytes do not fit in cap; else
     * write the header with ex_put_header, copy the payload after it, and
     * return how many bytes you wrote. */
    (void)flag;
    (void)payload;
    (void)len;
    (void)out;
    (void)cap;
    return 0;
}

enum status ex_decode_header(const uint8_t in[5], uint32_t max, uint8_t *flag,
                             uint32_t *len)
{
    /* TODO: rebuild the length from in[1..4] (big-endian); check it against
     * max, then check the flag; set *flag and *len only when all is well. */
    (void)in;
    (void)max;
    (void)flag;
    (void)len;
    return STATUS_UNIMPLEMENTED;
}

/*
 * Mutant 01 of partial-reads: every read into the start of the buffer.
 *
 * The mistake: ex_read_full loops and counts, but each pipe_read writes to
 * buf itself instead of to the part still empty: every short read lands
 * over the one before it.
 * Lesson: lesson/day-114-frames.md and day-115-pipe-as-network.md (short
 * reads are normal); hints.md of this exercise, hint 2: "Each read goes to
 * (uint8_t *)buf + got".
 * From: exercises/solutions/partial-reads.c; `at + got` is `at`.
 */
#include "partial-reads.h"

enum status ex_read_full(struct pipe *p, void *buf, size_t len)
{
    uint8_t *at = buf;
    size_t got = 0;

    while (got < len) {
        size_t n = 0;
        enum status st = pipe_read(p, at, len - got, &n);

        if (st == STATUS_EOF && got > 0)
            return STATUS_INTERNAL; /* half a message: unexpected EOF */
        if (st != STATUS_OK)
            return st;
        got += n;
    }
    return STATUS_OK;
}

enum status ex_read_frame(struct pipe *p, struct ex_frame *out)
{
    uint8_t header[FRAME_HEADER_LEN];
    enum status st = ex_read_full(p, header, sizeof header);

    if (st != STATUS_OK)
        return st; /* EOF here is the clean end between frames */
    out->flag = header[0];
    out->length = frame_get_u32(header + 1);
    if (out->length > EX_FRAME_MAX)
        return STATUS_RESOURCE_EXHAUSTED;
    st = ex_read_full(p, out->payload, out->length);
    /* The header promised a payload: an EOF now is inside the frame. */
    return st == STATUS_EOF ? STATUS_INTERNAL : st;
}

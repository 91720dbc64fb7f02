/*
 * Mutant 02 of partial-reads: the whole length asked for again.
 *
 * The mistake: after a short read, ex_read_full asks for len bytes again,
 * not for the len - got still missing. When the pipe has more, it reads
 * past the message: the bytes of the next one are taken, and lost to its
 * reader.
 * Lesson: hints.md of this exercise, hint 2: each read "asks for
 * len - got bytes"; README.md: ex_read_full reads "exactly len bytes".
 * From: exercises/solutions/partial-reads.c; `len - got` is `len`.
 */
#include "partial-reads.h"

enum status ex_read_full(struct pipe *p, void *buf, size_t len)
{
    uint8_t *at = buf;
    size_t got = 0;

    while (got < len) {
        size_t n = 0;
        enum status st = pipe_read(p, at + got, len, &n);

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

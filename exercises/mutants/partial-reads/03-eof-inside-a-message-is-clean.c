/*
 * Mutant 03 of partial-reads: EOF after some bytes is a clean EOF.
 *
 * The mistake: ex_read_full passes EOF on as it is, also when part of the
 * message had come. Half a message then looks like the clean end of the
 * stream, and the caller never learns that bytes were lost.
 * Lesson: lesson/day-114-frames.md, "Topics" and "Notes": EOF inside a
 * header or payload is INTERNAL "unexpected EOF" (Go's
 * io.ErrUnexpectedEOF); only EOF between frames is clean.
 * From: exercises/solutions/partial-reads.c; the `got > 0` test in
 * ex_read_full is gone.
 */
#include "partial-reads.h"

enum status ex_read_full(struct pipe *p, void *buf, size_t len)
{
    uint8_t *at = buf;
    size_t got = 0;

    while (got < len) {
        size_t n = 0;
        enum status st = pipe_read(p, at + got, len - got, &n);

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

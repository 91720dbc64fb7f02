/*
 * Mutant 06 of partial-reads: every failure inside a message is INTERNAL.
 *
 * The mistake: once some bytes are in, ex_read_full turns any failure of
 * pipe_read into INTERNAL, not only EOF. An abort (RST_STREAM, a cancel, a
 * deadline) then reads as a broken frame, and its own status is lost.
 * Lesson: lesson/day-115-pipe-as-network.md (close with an error aborts
 * both ends with that status); README.md of this exercise: "any other
 * failure of pipe_read is passed on".
 * From: exercises/solutions/partial-reads.c; `st == STATUS_EOF` is
 * `st != STATUS_OK` in ex_read_full.
 */
#include "partial-reads.h"

enum status ex_read_full(struct pipe *p, void *buf, size_t len)
{
    uint8_t *at = buf;
    size_t got = 0;

    while (got < len) {
        size_t n = 0;
        enum status st = pipe_read(p, at + got, len - got, &n);

        if (st != STATUS_OK && got > 0)
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

/*
 * Mutant 04 of partial-reads: EOF right after a header is clean.
 *
 * The mistake: ex_read_frame returns the payload read's status as it is.
 * When the pipe ends right after a header that promised a payload, the
 * payload read sees EOF before its first byte and says EOF: a frame cut
 * short passes for the end of the stream.
 * Lesson: README.md of this exercise, "The task", 2: "an EOF anywhere after
 * it, even right after the header, is STATUS_INTERNAL"; hints.md, hint 3.
 * From: exercises/solutions/partial-reads.c; ex_read_frame's last line
 * returns st.
 */
#include "partial-reads.h"

enum status ex_read_full(struct pipe *p, void *buf, size_t len)
{
    uint8_t *at = buf;
    size_t got = 0;

    while (got < len) {
        size_t n = 0;
        enum status st = pipe_read(p, at + got, len - got, &n);

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
    return st;
}

/*
 * Mutant 05 of partial-reads: the length limit exclusive.
 *
 * The mistake: ex_read_frame refuses a payload of exactly EX_FRAME_MAX
 * bytes (`>=` for `>`). The limit is the largest payload accepted.
 * Lesson: lesson/day-120-reading-coverage.md, "Mistakes Made", 2: "the
 * boundary is where bugs live (`>` vs `>=`)".
 * From: exercises/solutions/partial-reads.c; `> EX_FRAME_MAX` is
 * `>= EX_FRAME_MAX`.
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
    if (out->length >= EX_FRAME_MAX)
        return STATUS_RESOURCE_EXHAUSTED;
    st = ex_read_full(p, out->payload, out->length);
    /* The header promised a payload: an EOF now is inside the frame. */
    return st == STATUS_EOF ? STATUS_INTERNAL : st;
}

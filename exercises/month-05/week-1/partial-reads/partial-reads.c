/*
 * Exercise: partial-reads. ex_read_full has the classic bug: it trusts one
 * read to fill the buffer. That works on a big pipe with everything already
 * written, and breaks on the network. Run the tests with
 * `make exercise EX=partial-reads`.
 */
#include "partial-reads.h"

enum status ex_read_full(struct pipe *p, void *buf, size_t len)
{
    size_t n = 0;

    /* TODO: pipe_read may return fewer than len bytes (n says how many).
     * Keep reading into the rest of buf until all len bytes are in. When
     * the pipe says EOF, tell "nothing yet" (EOF) from "half a message"
     * (INTERNAL, unexpected EOF). */
    return pipe_read(p, buf, len, &n);
}

enum status ex_read_frame(struct pipe *p, struct ex_frame *out)
{
    uint8_t header[FRAME_HEADER_LEN];
    enum status st = ex_read_full(p, header, sizeof header);

    if (st != STATUS_OK)
        return st;
    out->flag = header[0];
    out->length = frame_get_u32(header + 1);
    if (out->length > EX_FRAME_MAX)
        return STATUS_RESOURCE_EXHAUSTED;
    /* TODO: the header promised out->length more bytes. If the pipe ends
     * before the first of them, is that a clean end? */
    return ex_read_full(p, out->payload, out->length);
}

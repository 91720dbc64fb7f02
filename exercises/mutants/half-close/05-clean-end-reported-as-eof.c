/*
 * Mutant 05 of half-close: the clean end reported as EOF.
 *
 * The mistake: ex_count returns what frame_read returned last. At the
 * clean end that is STATUS_EOF, which the counter's contract turns into
 * STATUS_OK: EOF between two frames is how a stream ends well, not a
 * failure.
 * Lesson: lesson/day-116-half-close.md: EOF after the half-close is the
 * normal end (grpc-go's io.EOF from Recv); hints.md, hint 2.
 * From: exercises/solutions/half-close.c; ex_count's last line returns st.
 */
#include "half-close.h"

#include <string.h>

enum status ex_upload(struct pipe *p, const char *const *msgs, int n)
{
    enum status st = STATUS_OK;
    int i = 0;

    for (i = 0; i < n && st == STATUS_OK; i++)
        st = frame_write(p, FRAME_FLAG_PLAIN, msgs[i], strlen(msgs[i]),
                         FRAME_DEFAULT_MAX_SEND, NULL);
    pipe_close_write(p); /* "that was all": the reader gets EOF after it */
    return st;
}

enum status ex_count(struct pipe *p, int *out_count, size_t *out_bytes)
{
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    *out_count = 0;
    *out_bytes = 0;
    while ((st = frame_read(p, NULL, &msg, NULL)) == STATUS_OK) {
        (*out_count)++;
        *out_bytes += msg.length;
    }
    frame_msg_free(&msg);
    /* frame_read says EOF only between frames: the clean end. */
    return st;
}

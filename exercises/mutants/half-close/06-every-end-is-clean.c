/*
 * Mutant 06 of half-close: every end is a clean end.
 *
 * The mistake: ex_count returns STATUS_OK whatever stopped the loop. A
 * stream that ends inside a frame (INTERNAL, "unexpected EOF") then looks
 * like one that ended well, and the lost bytes go unnoticed.
 * Lesson: lesson/day-114-frames.md: only EOF exactly between frames is a
 * clean end; inside a header or payload it is INTERNAL; hints.md of this
 * exercise, hint 3: "so a frame cut short (INTERNAL) or any other failure
 * is still reported".
 * From: exercises/solutions/half-close.c; ex_count returns STATUS_OK.
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
    (void)st;
    return STATUS_OK;
}

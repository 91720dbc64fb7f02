/*
 * Mutant 04 of half-close: the half-close inside the loop.
 *
 * The mistake: pipe_close_write is in the loop, after each frame, instead
 * of after the loop. The first frame goes out and the pipe is closed
 * behind it: the next frame_write fails with CLOSED and the rest is never
 * sent.
 * Lesson: lesson/day-116-half-close.md, "Notes": the half-close comes after
 * the last message; a send after it fails.
 * From: exercises/solutions/half-close.c; the loop's body is a block with
 * pipe_close_write in it.
 */
#include "half-close.h"

#include <string.h>

enum status ex_upload(struct pipe *p, const char *const *msgs, int n)
{
    enum status st = STATUS_OK;
    int i = 0;

    for (i = 0; i < n && st == STATUS_OK; i++) {
        st = frame_write(p, FRAME_FLAG_PLAIN, msgs[i], strlen(msgs[i]),
                         FRAME_DEFAULT_MAX_SEND, NULL);
        pipe_close_write(p); /* "that was all": too early */
    }
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
    return st == STATUS_EOF ? STATUS_OK : st;
}

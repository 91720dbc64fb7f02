/*
 * Mutant 02 of half-close: the wrong direction closed.
 *
 * The mistake: ex_upload closes the pipe's read end (pipe_close_read)
 * where it means "I am done writing". That says "nobody reads any more":
 * the frames still buffered are thrown away, and the counter's next read
 * fails with CLOSED.
 * Lesson: lesson/day-115-pipe-as-network.md and day-116-half-close.md: a
 * half-close ends the writer's direction only (CloseSend, END_STREAM),
 * and the reader drains every byte before its EOF.
 * From: exercises/solutions/half-close.c; pipe_close_write is
 * pipe_close_read.
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
    pipe_close_read(p); /* meant as "that was all" */
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

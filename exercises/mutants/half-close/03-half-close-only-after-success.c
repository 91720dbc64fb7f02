/*
 * Mutant 03 of half-close: the half-close only after success.
 *
 * The mistake: ex_upload half-closes only when every frame went out. When
 * a write fails (a deadline, a reader that hung up), it returns the error
 * and leaves the pipe open, and a reader still reading waits for ever.
 * The half-close belongs on every path, like a deferred CloseWrite in Go.
 * Lesson: README.md of this exercise, "The task", 1: "half-close the pipe,
 * whatever happened before"; hints.md, hint 2: "on every path, also when a
 * write failed".
 * From: exercises/solutions/half-close.c; pipe_close_write under
 * `if (st == STATUS_OK)`.
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
    if (st == STATUS_OK)
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

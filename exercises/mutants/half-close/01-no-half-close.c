/*
 * Mutant 01 of half-close: no half-close.
 *
 * The mistake: ex_upload returns after its last frame without
 * pipe_close_write. The counter cannot tell "no more frames" from "the
 * next one is late", and waits for ever: a deadlock in the simulator, a
 * hang on real threads.
 * Lesson: lesson/day-116-half-close.md, "Mistakes Made", 1: "I forgot
 * stream_close_send" (the same mistake one level up).
 * From: exercises/solutions/half-close.c; ex_upload's pipe_close_write is
 * gone.
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

/*
 * Exercise: half-close. The uploader sends every frame and then simply
 * returns, and the counter does not know what a clean end looks like. On
 * real threads this hangs; the tests run it under duplex's simulator, where
 * the hang is a deadlock report. Run the tests with
 * `make exercise EX=half-close`.
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
    /* TODO: the reader cannot tell "no more frames" from "the next one is
     * late" unless you tell it. */
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
    /* TODO: the loop ends on any status but OK. Which of them is the
     * writer saying "that was all", and what should the counter return
     * then? */
    return st;
}

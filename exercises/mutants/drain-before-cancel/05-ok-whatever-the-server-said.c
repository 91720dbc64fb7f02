/*
 * Mutant 05 of drain-before-cancel: OK whatever the server said.
 *
 * The mistake: the loop ended, so the client returns STATUS_OK. But the
 * loop ends on EOF (the server finished OK) and on the server's error
 * alike: a server that finished with UNAVAILABLE is reported as a
 * success. The call's final status says which.
 * Lesson: lesson/day-118-errors-cancellation-deadlines.md (recv returns
 * EOF for OK, else the call's status; the first final status sticks);
 * hints.md of this exercise, hint 2.
 * From: exercises/solutions/drain-before-cancel.c; the last line returns
 * STATUS_OK.
 */
#include "drain-before-cancel.h"

#include <stdio.h>

enum status ex_read_updates(struct stream *s, char updates[][EX_UPDATE_MAX],
                            int max, int *out_got)
{
    struct frame_msg msg = {0};

    *out_got = 0;
    while (stream_recv(stream_client(s), &msg, NULL) == STATUS_OK) {
        if (*out_got < max)
            snprintf(updates[*out_got], EX_UPDATE_MAX, "%.*s", (int)msg.length,
                     (const char *)msg.data);
        (*out_got)++;
    }
    frame_msg_free(&msg);
    /* The call has its final status now: the cancel only frees. */
    stream_cancel(stream_client(s));
    return STATUS_OK;
}

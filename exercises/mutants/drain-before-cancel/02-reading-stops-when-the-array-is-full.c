/*
 * Mutant 02 of drain-before-cancel: the reading stops when the array is
 * full.
 *
 * The mistake: the loop stops once updates[] is full (max updates) and
 * cancels. The rest had been sent, some had even arrived: the cancel
 * throws them away, and the call ends CANCELLED instead of with the
 * server's status.
 * Lesson: lesson/day-118-errors-cancellation-deadlines.md, "Mistakes
 * Made", 1: "I cancelled as soon as I had what I wanted"; hints.md of this
 * exercise, hint 3 (updates beyond the array are read and counted, not
 * stored).
 * From: exercises/solutions/drain-before-cancel.c; `*out_got < max &&` in
 * the loop's condition.
 */
#include "drain-before-cancel.h"

#include <stdio.h>

enum status ex_read_updates(struct stream *s, char updates[][EX_UPDATE_MAX],
                            int max, int *out_got)
{
    struct frame_msg msg = {0};

    *out_got = 0;
    while (*out_got < max &&
           stream_recv(stream_client(s), &msg, NULL) == STATUS_OK) {
        if (*out_got < max)
            snprintf(updates[*out_got], EX_UPDATE_MAX, "%.*s", (int)msg.length,
                     (const char *)msg.data);
        (*out_got)++;
    }
    frame_msg_free(&msg);
    /* The call has its final status now: the cancel only frees. */
    stream_cancel(stream_client(s));
    return stream_final_status(s, NULL);
}

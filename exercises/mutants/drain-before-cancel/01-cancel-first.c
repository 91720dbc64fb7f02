/*
 * Mutant 01 of drain-before-cancel: cancel first.
 *
 * The mistake: the client cancels the call before it reads, as if cancel
 * meant "I am done sending". A cancel is RST_STREAM: both directions are
 * torn down, what is buffered in s2c is thrown away, and the recv loop
 * gets CANCELLED at once.
 * Lesson: lesson/day-118-errors-cancellation-deadlines.md, "Mistakes
 * Made", 1 (`duplex run cancel-vs-drain`) and notes/contexts-and-deadlines.md
 * ("Drain before you cancel").
 * From: exercises/solutions/drain-before-cancel.c; stream_cancel moved
 * above the loop.
 */
#include "drain-before-cancel.h"

#include <stdio.h>

enum status ex_read_updates(struct stream *s, char updates[][EX_UPDATE_MAX],
                            int max, int *out_got)
{
    struct frame_msg msg = {0};

    *out_got = 0;
    stream_cancel(stream_client(s)); /* too early */
    while (stream_recv(stream_client(s), &msg, NULL) == STATUS_OK) {
        if (*out_got < max)
            snprintf(updates[*out_got], EX_UPDATE_MAX, "%.*s", (int)msg.length,
                     (const char *)msg.data);
        (*out_got)++;
    }
    frame_msg_free(&msg);
    return stream_final_status(s, NULL);
}

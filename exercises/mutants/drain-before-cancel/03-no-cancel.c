/*
 * Mutant 03 of drain-before-cancel: no cancel.
 *
 * The mistake: the client reads everything and returns without
 * stream_cancel. Nothing is lost here, but the call's context is never
 * cancelled: in Go that is the `defer cancel()` left out, which go vet
 * reports because the context's resources leak until its parent ends.
 * Lesson: lesson/day-118-errors-cancellation-deadlines.md, "Mistakes
 * Made", 3 (the `defer cancel()` after a clean EOF changes nothing, and
 * belongs there); drain-before-cancel.h: "Then, and only then, cancels
 * the call".
 * From: exercises/solutions/drain-before-cancel.c; stream_cancel is gone.
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
    return stream_final_status(s, NULL);
}

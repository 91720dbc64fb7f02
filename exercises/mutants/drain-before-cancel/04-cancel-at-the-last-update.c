/*
 * Mutant 04 of drain-before-cancel: cancel at the last update.
 *
 * The mistake: the client reads "update k of N" and stops at k == N: it
 * has every update, so it cancels. But the server's status comes after
 * the last update; a cancel that lands before it ends the call CANCELLED,
 * and the server's finish fails. Only recv's EOF (or error) says the call
 * is over.
 * Lesson: lesson/day-118-errors-cancellation-deadlines.md, "Mistakes
 * Made", 1: "I cancelled as soon as I had what I wanted"; hints.md of this
 * exercise, hint 1: "What tells the client that no update is left?".
 * From: exercises/solutions/drain-before-cancel.c; a break in the loop when
 * the update's k equals its N.
 */
#include "drain-before-cancel.h"

#include <stdio.h>

enum status ex_read_updates(struct stream *s, char updates[][EX_UPDATE_MAX],
                            int max, int *out_got)
{
    struct frame_msg msg = {0};

    *out_got = 0;
    while (stream_recv(stream_client(s), &msg, NULL) == STATUS_OK) {
        char text[EX_UPDATE_MAX];
        int k = 0;
        int last = -1;

        snprintf(text, sizeof text, "%.*s", (int)msg.length,
                 (const char *)msg.data);
        if (*out_got < max)
            snprintf(updates[*out_got], EX_UPDATE_MAX, "%s", text);
        (*out_got)++;
        if (sscanf(text, "update %d of %d", &k, &last) == 2 && k == last)
            break; /* "that was the last one": the status has not come */
    }
    frame_msg_free(&msg);
    /* The call has its final status now: the cancel only frees. */
    stream_cancel(stream_client(s));
    return stream_final_status(s, NULL);
}

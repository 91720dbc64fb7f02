/*
 * Exercise: drain-before-cancel. This client reads the first two updates
 * and cancels: the rest had been sent, some had even arrived, and the
 * cancel threw them away. Run the tests with
 * `make exercise EX=drain-before-cancel`.
 */
#include "drain-before-cancel.h"

#include <stdio.h>

enum status ex_read_updates(struct stream *s, char updates[][EX_UPDATE_MAX],
                            int max, int *out_got)
{
    struct frame_msg msg = {0};

    *out_got = 0;
    /* TODO: two updates are not the end of the call. A cancel is
     * RST_STREAM: updates still on their way, or already waiting in s2c,
     * are thrown away. Read until stream_recv stops returning OK. */
    while (*out_got < 2 &&
           stream_recv(stream_client(s), &msg, NULL) == STATUS_OK) {
        if (*out_got < max)
            snprintf(updates[*out_got], EX_UPDATE_MAX, "%.*s", (int)msg.length,
                     (const char *)msg.data);
        (*out_got)++;
    }
    frame_msg_free(&msg);
    stream_cancel(stream_client(s)); /* Go's `defer cancel()` */
    return stream_final_status(s, NULL);
}

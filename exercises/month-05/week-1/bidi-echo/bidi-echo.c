/*
 * Exercise: bidi-echo. This client does one direction, then the other, on
 * one thread: it sends everything, half-closes, and only then reads. That
 * is fine while everything fits in the pipes, and a deadlock when it does
 * not. Run the tests with `make exercise EX=bidi-echo`.
 */
#include "bidi-echo.h"

#include <stdio.h>
#include <string.h>

#include "core/sched.h"

enum status ex_echo_client(struct stream *s, const char *const *msgs, int n,
                           char echoes[][EX_ECHO_MAX], int *out_got)
{
    struct frame_msg msg = {0};
    enum status sent = STATUS_OK;
    enum status st = STATUS_OK;
    int i = 0;

    /* TODO: this loop blocks when c2s is full, and c2s stays full while
     * the server waits for room on s2c, which nobody reads yet. Move the
     * sending (and the half-close) to a thread of its own, named
     * "client/send" (sched_thread_start), and join it at the end. */
    for (i = 0; i < n && sent == STATUS_OK; i++)
        sent = stream_send(stream_client(s), msgs[i], strlen(msgs[i]), NULL);
    if (sent == STATUS_OK)
        sent = stream_close_send(stream_client(s));

    *out_got = 0;
    while ((st = stream_recv(stream_client(s), &msg, NULL)) == STATUS_OK) {
        if (*out_got < n)
            snprintf(echoes[*out_got], EX_ECHO_MAX, "%.*s", (int)msg.length,
                     (const char *)msg.data);
        (*out_got)++;
    }
    frame_msg_free(&msg);
    if (st != STATUS_EOF)
        return st;
    /* A send's EOF says the server ended the call first; recv said OK. */
    return sent == STATUS_EOF ? STATUS_OK : sent;
}

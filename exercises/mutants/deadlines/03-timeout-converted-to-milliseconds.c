/*
 * Mutant 03 of deadlines: the timeout converted to milliseconds.
 *
 * The mistake: timeout_ns is divided down to milliseconds and stored in a
 * field that counts nanoseconds. 200 ms becomes 200 ns: the call ends with
 * DEADLINE_EXCEEDED almost at once, even against a quick server.
 * Lesson: lesson/day-118-errors-cancellation-deadlines.md, "Notes"
 * (stream_options.timeout_ns; `--timeout 5000` is milliseconds on the
 * command line only); deadlines.h: timeout_ns is nanoseconds.
 * From: exercises/solutions/deadlines.c; `timeout_ns / 1000000`.
 */
#include "deadlines.h"

#include <stdio.h>
#include <string.h>

/* Sends the request, half-closes, reads the reply and the call's end. */
static enum status talk(struct stream *s, const char *request,
                        char reply[EX_REPLY_MAX], struct status_detail *why)
{
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;
    int got = 0;

    /* A send that fails (the call is over) leaves the status to the
     * receive below, as in grpc-go. */
    if (stream_send(stream_client(s), request, strlen(request), NULL) ==
        STATUS_OK)
        stream_close_send(stream_client(s));
    while ((st = stream_recv(stream_client(s), &msg, why)) == STATUS_OK) {
        if (got++ == 0)
            snprintf(reply, EX_REPLY_MAX, "%.*s", (int)msg.length,
                     (const char *)msg.data);
    }
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

enum status ex_call(struct context *parent, int64_t timeout_ns,
                    const struct ex_server *server, const char *request,
                    char reply[EX_REPLY_MAX], struct status_detail *why)
{
    struct stream_options o;
    struct stream *s = NULL;
    struct ex_server_thread srv;
    enum status st = STATUS_OK;

    reply[0] = '\0';
    memset(&o, 0, sizeof o);
    o.timeout_ns = timeout_ns / 1000000; /* "in milliseconds" */
    if (stream_create(parent, &o, &s) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    if (ex_server_start(&srv, server, s) != STATUS_OK) {
        stream_destroy(s);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    st = talk(s, request, reply, why);
    ex_server_join(&srv);
    stream_destroy(s);
    return st;
}

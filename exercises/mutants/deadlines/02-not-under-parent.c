/*
 * Mutant 02 of deadlines: not under parent.
 *
 * The mistake: the call gets its own deadline but is created under no
 * context (NULL). A parent whose deadline comes first, or that is
 * cancelled, no longer ends the call: it runs on to its own deadline.
 * Lesson: lesson/day-118-errors-cancellation-deadlines.md, "Notes": a
 * child's deadline is never later than its parent's; notes/
 * contexts-and-deadlines.md (parent -> child); hints.md of this exercise,
 * hint 2: "pass parent instead of NULL".
 * From: exercises/solutions/deadlines.c; stream_create(NULL, ...).
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
    o.timeout_ns = timeout_ns; /* the deadline: start + timeout_ns */
    (void)parent;
    if (stream_create(NULL, &o, &s) != STATUS_OK)
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

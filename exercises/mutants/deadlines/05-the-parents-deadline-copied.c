/*
 * Mutant 05 of deadlines: the parent's deadline copied, not inherited.
 *
 * The mistake: instead of creating the call under parent, ex_call reads
 * parent's deadline and takes the earlier of it and its own timeout. The
 * deadlines all come out right, but the call is no child of parent:
 * cancelling parent no longer cancels it, and it runs on to its deadline.
 * Lesson: lesson/day-118-errors-cancellation-deadlines.md and notes/
 * contexts-and-deadlines.md: a child inherits its parent's deadline *and*
 * its cancel; hints.md of this exercise, hint 2.
 * From: exercises/solutions/deadlines.c; timeout_ns cut to parent's
 * deadline, and stream_create(NULL, ...).
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
    if (parent != NULL && context_deadline(parent) != SCHED_NO_DEADLINE &&
        context_deadline(parent) - sched_now_ns() < timeout_ns)
        o.timeout_ns = context_deadline(parent) - sched_now_ns();
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

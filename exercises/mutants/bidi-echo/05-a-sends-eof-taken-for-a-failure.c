/*
 * Mutant 05 of bidi-echo: a send's EOF taken for a failure.
 *
 * The mistake: ex_echo_client returns the sender's status as it is. When
 * the server ends the call before reading everything, the sends after that
 * return STATUS_EOF, which says "the call is over, ask recv how": recv
 * said OK, and the client must say OK too.
 * Lesson: lesson/day-118-errors-cancellation-deadlines.md: a send on a
 * call that has ended returns EOF and the status comes from recv
 * (grpc-go's SendMsg contract); bidi-echo.h: "a send's STATUS_EOF is no
 * failure".
 * From: exercises/solutions/bidi-echo.c; the last line returns sent.
 */
#include "bidi-echo.h"

#include <stdio.h>
#include <string.h>

#include "core/sched.h"

struct sender {
    struct stream *s;
    const char *const *msgs;
    int n;
};

/* The c2s direction: every message, then the half-close. */
static enum status send_all(void *arg)
{
    struct sender *c = arg;
    enum status st = STATUS_OK;
    int i = 0;

    for (i = 0; i < c->n && st == STATUS_OK; i++)
        st = stream_send(stream_client(c->s), c->msgs[i], strlen(c->msgs[i]),
                         NULL);
    if (st == STATUS_OK)
        st = stream_close_send(stream_client(c->s));
    return st;
}

enum status ex_echo_client(struct stream *s, const char *const *msgs, int n,
                           char echoes[][EX_ECHO_MAX], int *out_got)
{
    struct sender c = {s, msgs, n};
    struct frame_msg msg = {0};
    struct sched_thread t;
    enum status sent = STATUS_OK;
    enum status st = STATUS_OK;

    *out_got = 0;
    if (sched_thread_start(&t, "client/send", send_all, &c) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    while ((st = stream_recv(stream_client(s), &msg, NULL)) == STATUS_OK) {
        if (*out_got < n)
            snprintf(echoes[*out_got], EX_ECHO_MAX, "%.*s", (int)msg.length,
                     (const char *)msg.data);
        (*out_got)++;
    }
    frame_msg_free(&msg);
    sent = sched_thread_join(&t);
    if (st != STATUS_EOF)
        return st;
    /* A send's EOF says the server ended the call first; recv said OK. */
    return sent;
}

/*
 * Mutant 04 of bidi-echo: the reading stops at n echoes.
 *
 * The mistake: the receive loop stops once it has one echo per message,
 * and never reads the end of the call. The echoes are all there, but the
 * server's final status is not: a server that ends with UNAVAILABLE looks
 * like one that ended with OK.
 * Lesson: lesson/day-118-errors-cancellation-deadlines.md (the status of a
 * call comes from recv: EOF for OK, else the status) and day-116 (EOF
 * ends one direction; the server may still talk); bidi-echo.h: "receives
 * echoes until the call ends".
 * From: exercises/solutions/bidi-echo.c; `*out_got < n &&` in the receive
 * loop's condition.
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
    while (*out_got < n &&
           (st = stream_recv(stream_client(s), &msg, NULL)) == STATUS_OK) {
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
    return sent == STATUS_EOF ? STATUS_OK : sent;
}

/*
 * Mutant 03 of bidi-echo: close_send from the receiving thread.
 *
 * The mistake: the calling thread half-closes as soon as it has started
 * the sender, instead of leaving it to the sender after its last message.
 * stream_close_send waits for a send in flight, but every send after it
 * fails ("SendMsg called after CloseSend"): the later messages are never
 * sent.
 * Lesson: lesson/day-116-half-close.md, "Mistakes Made", 4: "I half-closed
 * from the receiver thread while the sender was blocked in a send"; only
 * the sending thread should call stream_close_send.
 * From: exercises/solutions/bidi-echo.c; a stream_close_send after the
 * sender's start in ex_echo_client.
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
    stream_close_send(stream_client(s)); /* from the wrong thread */
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
    return sent == STATUS_EOF ? STATUS_OK : sent;
}

/*
 * Mutant 02 of bidi-echo: one thread for both directions.
 *
 * The mistake: ex_echo_client calls send_all itself, then receives, on the
 * one calling thread. While it sends, nobody reads s2c: the server, which
 * echoes as it goes, fills s2c and waits for room, stops reading c2s, and
 * the client waits for room on c2s. With pipes smaller than the whole
 * conversation that is a deadlock; with big ones it passes, which is why
 * the test uses 16-byte pipes.
 * Lesson: lesson/day-117-bidi-streaming.md (a thread per direction) and
 * notes/one-thread-per-direction.md; README.md of this exercise.
 * From: exercises/solutions/bidi-echo.c; send_all runs on the calling
 * thread instead of on "client/send".
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
    enum status sent = STATUS_OK;
    enum status st = STATUS_OK;

    *out_got = 0;
    sent = send_all(&c); /* one thread: first every send, then the reads */
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

/*
 * Exercise: concurrent-senders. This code has the bug of the
 * concurrent-senders scenario: both producers call stream_send on the same
 * stream, and a frame is two writes (header, payload), so the frames of A
 * and B can interleave. Make it correct under every schedule. Run the tests
 * with `make exercise EX=concurrent-senders`.
 */
#include "concurrent-senders.h"

#include "core/sched.h"

struct producer {
    struct stream *s;
    int who;
    int n;
};

static enum status produce(void *arg)
{
    struct producer *p = arg;
    enum status st = STATUS_OK;
    char text[7];
    int i = 0;

    for (i = 1; i <= p->n && st == STATUS_OK; i++) {
        ex_message(p->who, i, text);
        /* TODO: two threads get here at once. Make sure one whole frame is
         * in the stream before the other thread's starts. */
        st = stream_send(stream_client(p->s), text, 6, NULL);
    }
    return st;
}

enum status ex_send_both(struct stream *s, int n)
{
    struct producer a = {s, 0, n};
    struct producer b = {s, 1, n};
    struct sched_thread ta;
    struct sched_thread tb;
    enum status sa = STATUS_OK;
    enum status sb = STATUS_OK;

    if (sched_thread_start(&ta, "client/send-a", produce, &a) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    if (sched_thread_start(&tb, "client/send-b", produce, &b) != STATUS_OK) {
        sched_thread_join(&ta);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    sa = sched_thread_join(&ta);
    sb = sched_thread_join(&tb);
    stream_close_send(stream_client(s));
    return sa != STATUS_OK ? sa : sb;
}

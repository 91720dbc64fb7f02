/*
 * Mutant 02 of concurrent-senders: a mutex per producer.
 *
 * The mistake: each producer locks a mutex of its own around stream_send.
 * A lock that only one thread ever takes excludes nobody: A's header and
 * payload can still have B's frame between them, and the stream is
 * garbled, exactly as with no lock at all.
 * Lesson: lesson/day-119-concurrent-senders.md, "Notes": a frame is two
 * pipe writes, and only a lock both senders share makes the pair one
 * unit; hints.md, hint 2: "a struct sched_mutex shared by both producers".
 * From: exercises/solutions/concurrent-senders.c; B gets a struct shared
 * (and so a mutex) of its own in ex_send_both.
 */
#include "concurrent-senders.h"

#include "core/sched.h"

struct shared {
    struct stream *s;
    struct sched_mutex send_mu; /* held for a whole frame */
};

struct producer {
    struct shared *sh;
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
        sched_mutex_lock(&p->sh->send_mu);
        st = stream_send(stream_client(p->sh->s), text, 6, NULL);
        sched_mutex_unlock(&p->sh->send_mu);
    }
    return st;
}

enum status ex_send_both(struct stream *s, int n)
{
    struct shared sh;
    struct shared sh_b; /* B's own mutex: the mistake */
    struct producer a = {&sh, 0, n};
    struct producer b = {&sh_b, 1, n};
    struct sched_thread ta;
    struct sched_thread tb;
    enum status sa = STATUS_OK;
    enum status sb = STATUS_OK;

    sh.s = s;
    sh_b.s = s;
    sched_mutex_init(&sh.send_mu);
    sched_mutex_init(&sh_b.send_mu);
    if (sched_thread_start(&ta, "client/send-a", produce, &a) != STATUS_OK) {
        sched_mutex_destroy(&sh.send_mu);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    if (sched_thread_start(&tb, "client/send-b", produce, &b) != STATUS_OK) {
        sched_thread_join(&ta);
        sched_mutex_destroy(&sh.send_mu);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    sa = sched_thread_join(&ta);
    sb = sched_thread_join(&tb);
    sched_mutex_destroy(&sh.send_mu);
    sched_mutex_destroy(&sh_b.send_mu);
    stream_close_send(stream_client(s));
    return sa != STATUS_OK ? sa : sb;
}

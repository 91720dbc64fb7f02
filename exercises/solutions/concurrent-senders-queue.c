/*
 * A second solution to the concurrent-senders exercise, the fix the lesson
 * teaches: the producers put their messages in a queue, and one sender
 * thread, the only thread that calls stream_send, takes them out in order.
 * (The first solution, concurrent-senders.c, locks around each send.) Yours
 * may differ and be just as right: the tests are the judge.
 *
 * Design
 *   The queue is a ring of EX_QUEUE_ROOM messages under one mutex, with one
 *   condition variable for every change (a message added or taken, a
 *   producer done), always broadcast, so a waiter of either kind re-tests
 *   its own predicate. A producer waits while the queue is full; the sender
 *   waits while it is empty and a producer is still at work, and ends when
 *   it is empty and none is. After a failed send the sender keeps taking
 *   messages, so that no producer waits for room for ever.
 */
#include "concurrent-senders.h"

#include <string.h>

#include "core/sched.h"

struct queue {
    struct sched_mutex mu;
    struct sched_cond changed; /* a message added or taken, a producer done */
    char items[EX_QUEUE_ROOM][7];
    int head;      /* the oldest message */
    int count;     /* messages queued */
    int producers; /* still producing: 0 and empty means done */
};

struct producer {
    struct queue *q;
    int who;
    int n;
};

struct sender {
    struct queue *q;
    struct stream *s;
};

/* Adds text at the tail of q, waiting while q is full. */
static enum status enqueue(struct queue *q, const char *text)
{
    enum status st = STATUS_OK;

    sched_mutex_lock(&q->mu);
    while (q->count == EX_QUEUE_ROOM && st == STATUS_OK)
        st = sched_cond_wait(&q->changed, &q->mu);
    if (st == STATUS_OK) {
        memcpy(q->items[(q->head + q->count) % EX_QUEUE_ROOM], text, 7);
        q->count++;
        sched_cond_broadcast(&q->changed);
    }
    sched_mutex_unlock(&q->mu);
    return st; /* not OK: a deadlock (SIM mode) */
}

/* One producer fewer: the sender ends once none is left and q is empty. */
static void producer_done(struct queue *q)
{
    sched_mutex_lock(&q->mu);
    q->producers--;
    sched_cond_broadcast(&q->changed);
    sched_mutex_unlock(&q->mu);
}

static enum status produce(void *arg)
{
    struct producer *p = arg;
    enum status st = STATUS_OK;
    char text[7];
    int i = 0;

    for (i = 1; i <= p->n && st == STATUS_OK; i++) {
        ex_message(p->who, i, text);
        st = enqueue(p->q, text);
    }
    producer_done(p->q);
    return st;
}

/*
 * Takes the head of q into text, waiting while q is empty and a producer
 * is at work. Returns STATUS_OK with a message, STATUS_EOF when q is empty
 * and every producer is done, or the failed wait's status.
 */
static enum status dequeue(struct queue *q, char text[7])
{
    enum status st = STATUS_OK;

    sched_mutex_lock(&q->mu);
    while (q->count == 0 && q->producers > 0 && st == STATUS_OK)
        st = sched_cond_wait(&q->changed, &q->mu);
    if (st == STATUS_OK && q->count == 0)
        st = STATUS_EOF;
    if (st == STATUS_OK) {
        memcpy(text, q->items[q->head], 7);
        q->head = (q->head + 1) % EX_QUEUE_ROOM;
        q->count--;
        sched_cond_broadcast(&q->changed);
    }
    sched_mutex_unlock(&q->mu);
    return st;
}

/* The only thread that calls stream_send. */
static enum status send_queued(void *arg)
{
    struct sender *c = arg;
    enum status st = STATUS_OK;
    enum status taken = STATUS_OK;
    char text[7];

    while ((taken = dequeue(c->q, text)) == STATUS_OK) {
        if (st == STATUS_OK) /* after a failure, keep emptying the queue */
            st = stream_send(stream_client(c->s), text, 6, NULL);
    }
    if (st == STATUS_OK && taken != STATUS_EOF)
        st = taken;
    return st;
}

/* Starts a producer; one that cannot start is done at once. */
static int start_producer(struct sched_thread *t, const char *name,
                          struct producer *p)
{
    if (sched_thread_start(t, name, produce, p) == STATUS_OK)
        return 1;
    producer_done(p->q);
    return 0;
}

enum status ex_send_both(struct stream *s, int n)
{
    struct queue q;
    struct producer a = {&q, 0, n};
    struct producer b = {&q, 1, n};
    struct sender c = {&q, s};
    struct sched_thread ta;
    struct sched_thread tb;
    struct sched_thread tc;
    enum status sa = STATUS_RESOURCE_EXHAUSTED;
    enum status sb = STATUS_RESOURCE_EXHAUSTED;
    enum status sc = STATUS_RESOURCE_EXHAUSTED;
    int started_a = 0;
    int started_b = 0;

    memset(&q, 0, sizeof q);
    sched_mutex_init(&q.mu);
    sched_cond_init(&q.changed);
    q.producers = 2;
    if (sched_thread_start(&tc, "client/send", send_queued, &c) != STATUS_OK)
        goto out;
    started_a = start_producer(&ta, "client/send-a", &a);
    started_b = start_producer(&tb, "client/send-b", &b);
    if (started_a)
        sa = sched_thread_join(&ta);
    if (started_b)
        sb = sched_thread_join(&tb);
    sc = sched_thread_join(&tc);
    stream_close_send(stream_client(s));
out:
    sched_cond_destroy(&q.changed);
    sched_mutex_destroy(&q.mu);
    return sa != STATUS_OK ? sa : sb != STATUS_OK ? sb : sc;
}

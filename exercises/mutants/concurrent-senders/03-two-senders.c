/*
 * Mutant 03 of concurrent-senders: two sender threads.
 *
 * The mistake: the queue is right, but two sender threads take from it.
 * Each takes a message under the queue's lock and sends it outside the
 * lock, so two threads are in stream_send at once again: frames can
 * interleave, and A's messages can leave in the wrong order.
 * Lesson: lesson/day-119-concurrent-senders.md, "The fixes", 1: producers
 * queue, and only client/send calls stream_send; grpc-go's "it is not safe
 * to call SendMsg on the same stream in different goroutines".
 * From: exercises/solutions/concurrent-senders-queue.c; ex_send_both starts
 * a second send_queued thread.
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
    struct sched_thread td; /* a second sender: the mistake */
    enum status sa = STATUS_RESOURCE_EXHAUSTED;
    enum status sb = STATUS_RESOURCE_EXHAUSTED;
    enum status sc = STATUS_RESOURCE_EXHAUSTED;
    int started_a = 0;
    int started_b = 0;
    int started_d = 0;

    memset(&q, 0, sizeof q);
    sched_mutex_init(&q.mu);
    sched_cond_init(&q.changed);
    q.producers = 2;
    if (sched_thread_start(&tc, "client/send", send_queued, &c) != STATUS_OK)
        goto out;
    started_d =
        sched_thread_start(&td, "client/send-2", send_queued, &c) == STATUS_OK;
    started_a = start_producer(&ta, "client/send-a", &a);
    started_b = start_producer(&tb, "client/send-b", &b);
    if (started_a)
        sa = sched_thread_join(&ta);
    if (started_b)
        sb = sched_thread_join(&tb);
    sc = sched_thread_join(&tc);
    if (started_d)
        sched_thread_join(&td);
    stream_close_send(stream_client(s));
out:
    sched_cond_destroy(&q.changed);
    sched_mutex_destroy(&q.mu);
    return sa != STATUS_OK ? sa : sb != STATUS_OK ? sb : sc;
}

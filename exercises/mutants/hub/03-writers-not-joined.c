/*
 * Mutant 03 of hub: the writer threads are never joined.
 *
 * The mistake: ex_hub_serve joins the readers only (every other thread it
 * started), so the writers may still be running, or be done and never
 * reaped, when it returns: their threads leak, and whoever frees the
 * streams next frees them under a writer's feet.
 * Lesson: lesson/day-119-concurrent-senders.md ("The same rule at scale: a
 * hub that survives a bad client"): "every thread returns and is joined";
 * README.md of this exercise.
 * From: exercises/solutions/hub.c; the join loop steps over the writers.
 */
#include "hub.h"

#include <stdio.h>
#include <string.h>

#define INBOX 64

struct item {
    int from;       /* the client it came from */
    enum status st; /* OK: a message; else how from's stream ended */
    int len;
    char text[EX_HUB_TEXT];
};

/* What the hub has yet to send to one client. */
struct outbox {
    struct item item[EX_HUB_OUTBOX];
    int head, count;
    int closed; /* nothing more will come */
    int finish; /* ... and its writer then ends the call with OK */
};

struct hub {
    struct stream *const *s;
    int n;
    struct ex_hub_stats *stats;
    struct sched_mutex mu; /* guards the inbox and the outboxes */
    struct sched_cond readable, writable; /* the inbox */
    struct sched_cond ready, room;        /* the outboxes */
    struct item inbox[INBOX];
    int head, count;
    struct outbox out[EX_HUB_MAX];
    int forgotten[EX_HUB_MAX]; /* the hub loop's alone */
};

/* What a reader or a writer gets: the hub, and its client. */
struct worker {
    struct hub *h;
    int i;
};

/* ---- fan-in: a reader per client ---------------------------------------- */

static void post(struct hub *h, const struct item *it)
{
    sched_mutex_lock(&h->mu);
    while (h->count == INBOX)
        if (sched_cond_wait(&h->writable, &h->mu) != STATUS_OK)
            break;
    if (h->count < INBOX) {
        h->inbox[(h->head + h->count) % INBOX] = *it;
        h->count++;
        sched_cond_signal(&h->readable);
    }
    sched_mutex_unlock(&h->mu);
}

static enum status reader(void *arg)
{
    struct worker *w = arg;
    struct frame_msg msg = {0};
    struct item it;

    memset(&it, 0, sizeof it);
    it.from = w->i;
    while ((it.st = stream_recv(stream_server(w->h->s[w->i]), &msg, NULL)) ==
           STATUS_OK) {
        it.len = msg.length < EX_HUB_TEXT ? (int)msg.length : EX_HUB_TEXT;
        memcpy(it.text, msg.data, (size_t)it.len);
        post(w->h, &it);
    }
    frame_msg_free(&msg);
    it.len = 0;
    post(w->h, &it);
    return STATUS_OK;
}

/* Takes the next item of the inbox; waits for one. */
static enum status take(struct hub *h, struct item *it)
{
    enum status st = STATUS_OK;

    sched_mutex_lock(&h->mu);
    while (h->count == 0 && st == STATUS_OK)
        st = sched_cond_wait(&h->readable, &h->mu);
    if (h->count > 0) {
        *it = h->inbox[h->head];
        h->head = (h->head + 1) % INBOX;
        h->count--;
        sched_cond_signal(&h->writable);
        st = STATUS_OK;
    }
    sched_mutex_unlock(&h->mu);
    return st;
}

/* ---- fan-out: an outbox and a writer per client ------------------------- */

/* Queues it for client j: 1, or 0 when j's outbox stayed full. */
static int put(struct hub *h, int j, const struct item *it)
{
    struct outbox *ob = &h->out[j];
    int64_t deadline = sched_now_ns() + (int64_t)EX_HUB_SLOW_MS * 1000000;
    enum status st = STATUS_OK;
    int done = 0;

    sched_mutex_lock(&h->mu);
    while (ob->count == EX_HUB_OUTBOX && st == STATUS_OK)
        st = sched_cond_timedwait(&h->room, &h->mu, deadline);
    if (ob->count < EX_HUB_OUTBOX) {
        ob->item[(ob->head + ob->count) % EX_HUB_OUTBOX] = *it;
        ob->count++;
        sched_cond_broadcast(&h->ready);
        done = 1;
    }
    sched_mutex_unlock(&h->mu);
    return done;
}

/* Closes client j's outbox; emptied first unless finish. */
static void close_outbox(struct hub *h, int j, int finish)
{
    sched_mutex_lock(&h->mu);
    if (!finish)
        h->out[j].count = 0;
    h->out[j].closed = 1;
    h->out[j].finish = finish;
    sched_cond_broadcast(&h->ready);
    sched_mutex_unlock(&h->mu);
}

/* The writer's next item: 1, or 0 once its outbox is closed and empty. */
static int next(struct hub *h, struct outbox *ob, struct item *it)
{
    int got = 0;

    sched_mutex_lock(&h->mu);
    while (ob->count == 0 && !ob->closed)
        if (sched_cond_wait(&h->ready, &h->mu) != STATUS_OK)
            break;
    if (ob->count > 0) {
        *it = ob->item[ob->head];
        ob->head = (ob->head + 1) % EX_HUB_OUTBOX;
        ob->count--;
        sched_cond_broadcast(&h->room);
        got = 1;
    }
    sched_mutex_unlock(&h->mu);
    return got;
}

static enum status writer(void *arg)
{
    struct worker *w = arg;
    struct hub *h = w->h;
    struct stream_end *e = stream_server(h->s[w->i]);
    struct item it;
    enum status st = STATUS_OK;

    while (next(h, &h->out[w->i], &it))
        if (st == STATUS_OK) /* after a failure: emptied, not sent */
            st = stream_send(e, it.text, (size_t)it.len, NULL);
    if (st == STATUS_OK && h->out[w->i].finish)
        stream_finish(e, STATUS_OK, NULL);
    return STATUS_OK;
}

/* ---- the hub loop ------------------------------------------------------- */

static void deliver(struct hub *h, int j, const struct item *it);

/* Sends nothing more to client j nor from it; tells the others. */
static void forget(struct hub *h, int j)
{
    struct item it;
    int k = 0;

    if (h->forgotten[j])
        return;
    h->forgotten[j] = 1;
    close_outbox(h, j, 0);
    memset(&it, 0, sizeof it);
    it.from = j;
    it.len = snprintf(it.text, sizeof it.text, "c%d left", j + 1);
    for (k = 0; k < h->n; k++)
        if (k != j)
            deliver(h, k, &it);
}

/* Queues it for client j; drops j when its outbox stays full. */
static void deliver(struct hub *h, int j, const struct item *it)
{
    if (h->forgotten[j] || put(h, j, it))
        return;
    context_cancel(stream_context(h->s[j]), STATUS_RESOURCE_EXHAUSTED,
                   "too slow: its outbox stayed full");
    h->stats->dropped++;
    forget(h, j);
}

static void fan_out(struct hub *h)
{
    struct item it;
    int ended = 0;
    int j = 0;

    while (ended < h->n && take(h, &it) == STATUS_OK) {
        if (it.st != STATUS_OK) {
            ended++;
            if (it.st != STATUS_EOF && !h->forgotten[it.from]) {
                h->stats->left++;
                forget(h, it.from);
            }
            continue;
        }
        for (j = 0; j < h->n && !h->forgotten[it.from]; j++)
            if (j != it.from)
                deliver(h, j, &it);
    }
    for (j = 0; j < h->n; j++)
        if (!h->forgotten[j])
            close_outbox(h, j, 1);
}

/* Starts a reader and a writer per client; 0 when one could not start. */
static int start(struct hub *h, struct worker *w, struct sched_thread *t,
                 int *started)
{
    char name[SCHED_NAME_MAX];
    int i = 0;

    for (i = 0; i < 2 * h->n; i++) {
        w[i / 2].h = h;
        w[i / 2].i = i / 2;
        snprintf(name, sizeof name, "hub/%s%d", i % 2 ? "write" : "read",
                 i / 2 + 1);
        if (ex_hub_thread_start(&t[i], name, i % 2 ? writer : reader,
                                &w[i / 2]) != STATUS_OK)
            return 0;
        ++*started;
    }
    return 1;
}

enum status ex_hub_serve(struct stream *const *streams, int n,
                         struct ex_hub_stats *stats)
{
    struct hub h;
    struct worker w[EX_HUB_MAX];
    struct sched_thread t[2 * EX_HUB_MAX];
    enum status st = STATUS_OK;
    int started = 0;
    int i = 0;

    memset(&h, 0, sizeof h);
    memset(stats, 0, sizeof *stats);
    h.s = streams;
    h.n = n;
    h.stats = stats;
    sched_mutex_init(&h.mu);
    sched_cond_init(&h.readable);
    sched_cond_init(&h.writable);
    sched_cond_init(&h.ready);
    sched_cond_init(&h.room);
    if (start(&h, w, t, &started)) {
        fan_out(&h);
    } else { /* end every call, so that every thread started returns */
        st = STATUS_RESOURCE_EXHAUSTED;
        for (i = 0; i < n; i++)
            stream_cancel(stream_server(streams[i]));
        for (i = 0; i < n; i++)
            close_outbox(&h, i, 0);
    }
    for (i = 0; i < started; i += 2)
        ex_hub_thread_join(&t[i]);
    sched_cond_destroy(&h.room);
    sched_cond_destroy(&h.ready);
    sched_cond_destroy(&h.writable);
    sched_cond_destroy(&h.readable);
    sched_mutex_destroy(&h.mu);
    return st;
}

/*
 * Exercise: hub. This hub works while every client reads: one reader per
 * client fans in to one inbox, and one loop sends each message on every
 * other client's stream itself. A client that stops reading stops that
 * loop (its send waits for room that never comes), and everyone with it;
 * a client that cancels is never forgotten. Run the tests with
 * `make exercise EX=hub`.
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

struct hub {
    struct stream *const *s;
    int n;
    struct ex_hub_stats *stats;
    struct sched_mutex mu; /* guards the inbox */
    struct sched_cond readable, writable;
    struct item inbox[INBOX];
    int head, count;
    /* TODO: an outbox of EX_HUB_OUTBOX items per client, and what the hub
     * loop needs to know of each client (dropped or forgotten). */
};

/* What a reader gets: the hub, and its client. */
struct worker {
    struct hub *h;
    int i;
};

/* ---- fan-in: a reader per client (done) --------------------------------- */

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

/* ---- fan-out: yours ----------------------------------------------------- */

/*
 * TODO: each message to every other client through that client's outbox
 * and writer thread, never with a stream_send of the hub loop's own; a
 * client whose outbox stays full for EX_HUB_SLOW_MS is dropped (its call
 * ended with RESOURCE_EXHAUSTED); a client whose stream ends otherwise
 * than with EOF is forgotten; the others are told "cK left".
 */
static void fan_out(struct hub *h)
{
    struct item it;
    int ended = 0;
    int j = 0;

    while (ended < h->n && take(h, &it) == STATUS_OK) {
        if (it.st != STATUS_OK) {
            ended++;
            continue;
        }
        for (j = 0; j < h->n; j++)
            if (j != it.from)
                stream_send(stream_server(h->s[j]), it.text, (size_t)it.len,
                            NULL);
    }
    for (j = 0; j < h->n; j++)
        stream_finish(stream_server(h->s[j]), STATUS_OK, NULL);
}

enum status ex_hub_serve(struct stream *const *streams, int n,
                         struct ex_hub_stats *stats)
{
    struct hub h;
    struct worker w[EX_HUB_MAX];
    struct sched_thread t[EX_HUB_MAX];
    enum status st = STATUS_OK;
    char name[SCHED_NAME_MAX];
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
    /* TODO: a writer thread per client too, each joined at the end. */
    for (i = 0; i < n && st == STATUS_OK; i++) {
        w[i].h = &h;
        w[i].i = i;
        snprintf(name, sizeof name, "hub/read%d", i + 1);
        st = ex_hub_thread_start(&t[i], name, reader, &w[i]);
        started += st == STATUS_OK;
    }
    if (st == STATUS_OK) {
        fan_out(&h);
    } else { /* end every call, so that every reader started returns */
        st = STATUS_RESOURCE_EXHAUSTED;
        for (i = 0; i < n; i++)
            stream_cancel(stream_server(streams[i]));
    }
    for (i = 0; i < started; i++)
        ex_hub_thread_join(&t[i]);
    sched_cond_destroy(&h.writable);
    sched_cond_destroy(&h.readable);
    sched_mutex_destroy(&h.mu);
    return st;
}

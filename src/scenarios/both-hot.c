/*
 * both-hot: flow control when both directions are hot. The client
 * uploads 100-byte messages while the server pushes 100-byte updates,
 * over pipes smaller than one message. The server acks each upload and
 * pushes an update after every second one; the client confirms each
 * push. The client has a thread per direction, as a bidi client should,
 * and client/recv hands each confirm to client/send (one sender per
 * stream) through a queue that holds one; client/send sends them after
 * its uploads. The mistake is the server's one loop: recv, ack, push.
 * While it waits to send, it reads nothing, so the waits make a cycle:
 * the server waits for room in s2c, which client/recv would make, but
 * client/recv waits for room in the queue, which client/send would make,
 * and client/send waits for room in c2s, which the server would make.
 * Simulated, that is a deadlock report; with a deadline,
 * DEADLINE_EXCEEDED. --fix gives the server a send thread too:
 * server/recv reads c2s all along and queues the acks and pushes for
 * server/send, and never waits for it, so the cycle has a link that does
 * not wait.
 *
 * An echo server couples the directions the same way (it reads nothing
 * while it sends), and survives: a client whose receiver only reads
 * always makes room in s2c. Here the client's receiver sends too (the
 * confirms), so both ends couple the two directions, and a cycle needs
 * no more than that.
 *
 * Design
 *   Not one thread per end but up to two, so not run_call: run_threads
 *   starts the server's threads, then client/send and client/recv, on one
 *   stream, as the hub does. A thread that fails cancels the call with
 *   its status (errgroup's rule, by hand), so its siblings wake; the
 *   queues are closed by the thread that leaves them, so nobody waits on
 *   a queue for a thread that is gone, and aborted when a thread could
 *   not start. The run's status is the call's final status.
 *
 *   Whether the mistake gets stuck does not depend on the schedule: each
 *   thread reads and writes in a fixed order, so how far each gets
 *   depends only on the sizes. With pipes smaller than one push and at
 *   least HOT_MIN uploads, client/recv holds the second push's confirm
 *   while the first waits in the queue, the server's third push cannot
 *   fit in s2c, and client/send's seventh upload cannot fit in c2s. The
 *   option check asks for that; every schedule then ends the same way.
 *
 *   On --wire h2 each direction takes a write quota and a window before
 *   its sender waits (call_holds), whatever the pipes: the same cycle
 *   needs the uploads hot_needed counts (3,355 with the default windows),
 *   which are then the default there, and each sender in it waits for
 *   WINDOW_UPDATE.
 */
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/registry.h"

#include <stdlib.h>

#include "core/context.h"

#define HOT_BYTES 100 /* an upload's payload, and a push's */
#define HOT_FRAME (FRAME_HEADER_LEN + HOT_BYTES)
#define HOT_EVERY 2    /* the server pushes after every second upload */
#define HOT_CONFIRMS 1 /* confirms client/recv's queue holds */
#define HOT_MIN 7      /* uploads the mistake needs to get stuck */
/* The fewest bytes the server sends for two uploads: two acks ("ack 1"),
 * a push. */
#define HOT_PAIR_REPLIES (2 * (FRAME_HEADER_LEN + 5) + HOT_FRAME)

/*
 * The uploads that get the mistake stuck on a wire whose directions each
 * take holds bytes (call_holds), at most: the server sends at least
 * HOT_PAIR_REPLIES bytes for every two uploads until s2c is full (after
 * the 4 uploads whose replies client/recv took), holds one in hand, and
 * c2s then takes holds bytes of uploads before client/send waits.
 */
static int hot_needed(size_t holds)
{
    return (int)(2 * (holds / HOT_PAIR_REPLIES + 1) + 4 + 1 +
                 holds / HOT_FRAME + 1);
}

/* The wire holds more than its pipes (h2: a write quota and a window). */
static int hot_wire_holds_more(const struct scenario *sc,
                               const struct scenario_options *o)
{
    return call_holds(sc, o, HOT_FRAME) != call_capacity(sc, o);
}

/*
 * The uploads of a run: --messages, else the default, or on a wire that
 * holds more than its pipes as many as get the mistake stuck there.
 */
static int hot_uploads(const struct scenario *sc,
                       const struct scenario_options *o)
{
    if (o->messages > 0 || o->fix || !hot_wire_holds_more(sc, o))
        return call_messages(sc, o);
    return hot_needed(call_holds(sc, o, HOT_FRAME));
}

/* For explore: the fewest uploads that get the mistake stuck here. */
static int hot_needed_messages(const struct scenario *sc,
                               const struct scenario_options *o)
{
    if (o->fix || !hot_wire_holds_more(sc, o))
        return sc->min_messages;
    return hot_needed(call_holds(sc, o, HOT_FRAME));
}

/*
 * A queue between the two threads of one end: items are ints (a confirm
 * j; on the server, an ack k > 0 or a push -j). bound 0: it grows, and a
 * put never waits.
 */
struct hot_queue {
    const char *name;
    struct sched_mutex mu;
    struct sched_cond room;  /* an item was taken, or the taker left */
    struct sched_cond items; /* an item was put, or the putter left */
    int *ring;
    int cap, head, count;
    int bound;   /* most it holds; 0: no bound */
    int most;    /* the most it held at once */
    int waits;   /* puts that found it full and waited */
    int closed;  /* the putter is done: no more items */
    int left;    /* the taker is gone: a put waits no more */
    int aborted; /* a thread could not start: nobody waits */
};

struct hot_call {
    struct call c;             /* counters below; c.latch unused */
    struct hot_queue confirms; /* client/recv -> client/send */
    struct hot_queue replies;  /* server/recv -> server/send (--fix) */
    struct run_thread thread[4];
    int pushes; /* the pushes of a whole run: n / HOT_EVERY */
    /* the client's view */
    int uploads_sent, confirms_sent; /* client/send */
    int acks_got, pushes_got;        /* client/recv */
    int handing;                     /* the confirm client/recv was
                                        handing over when it ended, or 0 */
    /* the server's view */
    int uploads_read, confirms_read, acks_sent, pushes_sent;
    int sending; /* what its last send was sending when it ended (an ack
                    k > 0 or a push -j), or 0 */
    enum status reader_end; /* server/recv's end (--fix) */
};

/* ---- the queues --------------------------------------------------------- */

static enum sched_wait_kind describe_room(const void *obj, char *buf,
                                          size_t cap)
{
    const struct hot_queue *q = obj;

    snprintf(buf, cap, "room in %s (%d of %d held)", q->name, q->count,
             q->bound);
    return SCHED_WAIT_OTHER;
}

static enum sched_wait_kind describe_items(const void *obj, char *buf,
                                           size_t cap)
{
    const struct hot_queue *q = obj;

    snprintf(buf, cap, "an item in %s (empty)", q->name);
    return SCHED_WAIT_OTHER;
}

/* For `duplex step`: the queue's state (see sched_note_detail). */
static void note_queue(const void *obj, char *buf, size_t cap)
{
    const struct hot_queue *q = obj;

    if (q->bound > 0)
        snprintf(buf, cap, "%s holds %d of %d", q->name, q->count, q->bound);
    else
        snprintf(buf, cap, "%s holds %d", q->name, q->count);
}

static void hq_init(struct hot_queue *q, const char *name, int bound)
{
    memset(q, 0, sizeof *q);
    q->name = name;
    q->bound = bound;
    sched_mutex_init(&q->mu);
    sched_cond_init(&q->room);
    sched_cond_init(&q->items);
    sched_cond_describe(&q->room, describe_room, q);
    sched_cond_describe(&q->items, describe_items, q);
}

static void hq_destroy(struct hot_queue *q)
{
    sched_cond_destroy(&q->items);
    sched_cond_destroy(&q->room);
    sched_mutex_destroy(&q->mu);
    free(q->ring);
}

/* Room for one more item: grows the ring (doubling) when it is full. */
static enum status hq_grow_locked(struct hot_queue *q)
{
    int cap = q->cap > 0 ? 2 * q->cap : 8;
    int *ring = NULL;
    int i = 0;

    if (q->count < q->cap)
        return STATUS_OK;
    ring = malloc((size_t)cap * sizeof *ring);
    if (ring == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    for (i = 0; i < q->count; i++)
        ring[i] = q->ring[(q->head + i) % q->cap];
    free(q->ring);
    q->ring = ring;
    q->cap = cap;
    q->head = 0;
    return STATUS_OK;
}

/*
 * Puts item, waiting while a bounded queue is full.
 * Returns one of:
 *   STATUS_OK                  it is in
 *   STATUS_CANCELLED           the taker left, or the run was aborted
 *   STATUS_RESOURCE_EXHAUSTED  no memory to grow the queue
 *   STATUS_DEADLOCK            (SIM mode) nothing could ever take one
 */
static enum status hq_put(struct hot_queue *q, int item)
{
    enum status st = STATUS_OK;
    int waited = 0;

    sched_note("hq_put %d", item);
    sched_note_detail(note_queue, q, "waits while the queue is full");
    sched_mutex_lock(&q->mu);
    while (q->bound > 0 && q->count == q->bound && !q->left && !q->aborted &&
           st == STATUS_OK) {
        waited = 1;
        st = sched_cond_wait(&q->room, &q->mu);
    }
    q->waits += waited;
    if (st == STATUS_OK && (q->left || q->aborted))
        st = STATUS_CANCELLED;
    if (st == STATUS_OK)
        st = hq_grow_locked(q);
    if (st == STATUS_OK) {
        q->ring[(q->head + q->count++) % q->cap] = item;
        if (q->count > q->most)
            q->most = q->count;
        sched_cond_broadcast(&q->items);
    }
    sched_mutex_unlock(&q->mu);
    sched_note_end();
    return st;
}

/*
 * Takes the oldest item into *item, waiting while the queue is empty.
 * Returns one of:
 *   STATUS_OK         *item is it
 *   STATUS_EOF        the putter is done and every item was taken
 *   STATUS_CANCELLED  the run was aborted
 *   STATUS_DEADLOCK   (SIM mode) nothing could ever put one
 */
static enum status hq_take(struct hot_queue *q, int *item)
{
    enum status st = STATUS_OK;

    sched_note("hq_take");
    sched_note_detail(note_queue, q, "waits while the queue is empty");
    sched_mutex_lock(&q->mu);
    while (q->count == 0 && !q->closed && !q->aborted && st == STATUS_OK)
        st = sched_cond_wait(&q->items, &q->mu);
    if (st == STATUS_OK && q->aborted)
        st = STATUS_CANCELLED;
    else if (st == STATUS_OK && q->count == 0)
        st = STATUS_EOF;
    if (st == STATUS_OK) {
        *item = q->ring[q->head];
        q->head = (q->head + 1) % q->cap;
        q->count--;
        sched_cond_broadcast(&q->room);
    }
    sched_mutex_unlock(&q->mu);
    sched_note_end();
    return st;
}

/* Sets *flag (closed, left or aborted) and wakes every waiter. */
static void hq_set(struct hot_queue *q, int *flag)
{
    sched_mutex_lock(&q->mu);
    *flag = 1;
    sched_cond_broadcast(&q->room);
    sched_cond_broadcast(&q->items);
    sched_mutex_unlock(&q->mu);
}

/* ---- messages ----------------------------------------------------------- */

/* A 100-byte payload: head (say "upload 3"), a blank, then dots. */
static void hot_text(char out[HOT_BYTES], const char *head, int k)
{
    int len = snprintf(out, HOT_BYTES, "%s %d ", head, k);

    memset(out + len, '.', HOT_BYTES - (size_t)len);
}

/* The number after head in msg ("ack 3" -> 3), or 0 if msg is not one. */
static int hot_number(const struct frame_msg *msg, const char *head)
{
    size_t len = strlen(head);
    char digits[12];
    size_t i = 0;

    if (msg->length <= len + 1 || memcmp(msg->data, head, len) != 0 ||
        msg->data[len] != ' ')
        return 0;
    for (i = 0; i + 1 < sizeof digits && len + 1 + i < msg->length &&
                msg->data[len + 1 + i] >= '0' && msg->data[len + 1 + i] <= '9';
         i++)
        digits[i] = (char)msg->data[len + 1 + i];
    digits[i] = '\0';
    return i > 0 ? atoi(digits) : 0;
}

/* msg is exactly hot_text(head, k). */
static int hot_is(const struct frame_msg *msg, const char *head, int k)
{
    char want[HOT_BYTES];

    hot_text(want, head, k);
    return msg->length == HOT_BYTES && memcmp(msg->data, want, HOT_BYTES) == 0;
}

/* A thread that failed tears the call down, so that its siblings wake. */
static void hot_fail(struct hot_call *h, enum status st)
{
    if (st != STATUS_OK && st != STATUS_EOF)
        context_cancel(stream_context(h->c.s), st, NULL);
}

/* ---- the server --------------------------------------------------------- */

/* Sends what item says (ack k, or push j as -j), noting it while it does. */
static enum status hot_reply(struct hot_call *h, int item)
{
    struct call *c = &h->c;
    char out[HOT_BYTES];
    enum status st = STATUS_OK;
    int len = 0;

    h->sending = item;
    if (item > 0) {
        len = snprintf(out, sizeof out, "ack %d", item);
        st = stream_send(stream_server(c->s), out, (size_t)len, &c->server_why);
        h->acks_sent += st == STATUS_OK;
    } else {
        hot_text(out, "push", -item);
        st = stream_send(stream_server(c->s), out, HOT_BYTES, &c->server_why);
        h->pushes_sent += st == STATUS_OK;
    }
    if (st == STATUS_OK)
        h->sending = 0;
    return st;
}

/*
 * What the server owes for msg, through owe (the reply itself, or the
 * queue): an ack per upload, and a push after every second. A confirm is
 * counted. Returns OK or what owe returned.
 */
static enum status hot_serve(struct hot_call *h, const struct frame_msg *msg,
                             enum status (*owe)(struct hot_call *, int))
{
    int k = hot_number(msg, "upload");
    enum status st = STATUS_OK;

    if (k > 0 && hot_is(msg, "upload", k)) {
        if (k != h->uploads_read + 1)
            broken(h->c.r, "upload %d came after upload %d", k,
                   h->uploads_read);
        h->uploads_read++;
        st = owe(h, k);
        if (st == STATUS_OK && k % HOT_EVERY == 0)
            st = owe(h, -(k / HOT_EVERY));
        return st;
    }
    k = hot_number(msg, "confirm");
    if (k != h->confirms_read + 1)
        broken(h->c.r, "the server got a message it does not expect");
    h->confirms_read++;
    return STATUS_OK;
}

/* The mistake: one server loop reads, acks and pushes. */
static enum status hot_server(void *arg)
{
    struct hot_call *h = arg;
    struct call *c = &h->c;
    struct stream_end *e = stream_server(c->s);
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(e, &msg, &c->server_why)) == STATUS_OK) {
        st = hot_serve(h, &msg, hot_reply);
        if (st != STATUS_OK)
            break;
    }
    if (st == STATUS_EOF)
        st = stream_finish(e, STATUS_OK, NULL);
    c->server_end = st;
    frame_msg_free(&msg);
    hot_fail(h, st);
    return st;
}

/* The fix's server/recv hands what it owes to server/send. */
static enum status hot_queue_reply(struct hot_call *h, int item)
{
    return hq_put(&h->replies, item);
}

/* The fix: server/recv reads all along; it never waits to send. */
static enum status hot_server_reader(void *arg)
{
    struct hot_call *h = arg;
    struct call *c = &h->c;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_server(c->s), &msg, &c->server_why)) ==
           STATUS_OK) {
        st = hot_serve(h, &msg, hot_queue_reply);
        if (st != STATUS_OK)
            break;
    }
    h->reader_end = st;
    hq_set(&h->replies, &h->replies.closed);
    frame_msg_free(&msg);
    hot_fail(h, st);
    return st;
}

/* The fix: server/send sends what server/recv queued; at EOF, OK. */
static enum status hot_server_sender(void *arg)
{
    struct hot_call *h = arg;
    struct call *c = &h->c;
    enum status st = STATUS_OK;
    int item = 0;

    while ((st = hq_take(&h->replies, &item)) == STATUS_OK) {
        st = hot_reply(h, item);
        if (st != STATUS_OK)
            break;
    }
    if (st == STATUS_EOF && h->reader_end == STATUS_EOF)
        st = stream_finish(stream_server(c->s), STATUS_OK, NULL);
    else if (st == STATUS_EOF)
        st = h->reader_end;
    c->server_end = st;
    hq_set(&h->replies, &h->replies.left);
    hot_fail(h, st);
    return st;
}

/* ---- the client --------------------------------------------------------- */

/* client/send: every upload, then every confirm client/recv queued. */
static enum status hot_client_sender(void *arg)
{
    struct hot_call *h = arg;
    struct call *c = &h->c;
    struct stream_end *e = stream_client(c->s);
    struct status_detail why = {0}; /* the words the trace records */
    char out[HOT_BYTES];
    enum status st = STATUS_OK;
    int j = 0;

    while (h->uploads_sent < c->n && st == STATUS_OK) {
        hot_text(out, "upload", h->uploads_sent + 1);
        st = stream_send(e, out, HOT_BYTES, &why);
        h->uploads_sent += st == STATUS_OK;
    }
    while (h->confirms_sent < h->pushes && st == STATUS_OK &&
           (st = hq_take(&h->confirms, &j)) == STATUS_OK) {
        int len = snprintf(out, sizeof out, "confirm %d", j);

        st = stream_send(e, out, (size_t)len, &why);
        h->confirms_sent += st == STATUS_OK;
    }
    c->sender_end = st;
    if (st == STATUS_OK)
        st = stream_close_send(e);
    c->closed_send = st == STATUS_OK;
    hq_set(&h->confirms, &h->confirms.left);
    hot_fail(h, st);
    return st;
}

/* What client/recv does with one message: count an ack, confirm a push. */
static enum status hot_client_got(struct hot_call *h,
                                  const struct frame_msg *msg)
{
    enum status st = STATUS_OK;

    if (hot_number(msg, "ack") == h->acks_got + 1) {
        h->acks_got++;
        return STATUS_OK;
    }
    if (!hot_is(msg, "push", h->pushes_got + 1)) {
        broken(h->c.r, "client/recv got neither ack %d nor push %d",
               h->acks_got + 1, h->pushes_got + 1);
        return STATUS_OK;
    }
    h->pushes_got++;
    h->handing = h->pushes_got;
    st = hq_put(&h->confirms, h->pushes_got);
    if (st == STATUS_OK)
        h->handing = 0;
    return st;
}

/* client/recv: reads every ack and push; hands each push's confirm over. */
static enum status hot_client_receiver(void *arg)
{
    struct hot_call *h = arg;
    struct call *c = &h->c;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_client(c->s), &msg, NULL)) == STATUS_OK) {
        st = hot_client_got(h, &msg);
        if (st != STATUS_OK)
            break;
    }
    c->receiver_end = st;
    hq_set(&h->confirms, &h->confirms.closed);
    frame_msg_free(&msg);
    hot_fail(h, st);
    return st;
}

/* ---- the run ------------------------------------------------------------ */

/* A thread could not start: end the call and every wait on a queue. */
static void hot_abort(void *arg)
{
    struct hot_call *h = arg;

    stream_cancel(stream_client(h->c.s));
    hq_set(&h->confirms, &h->confirms.aborted);
    hq_set(&h->replies, &h->replies.aborted);
}

/* One thread run_threads starts: its name and body. */
static void hot_thread(struct hot_call *h, size_t i, const char *name,
                       sched_fn fn)
{
    snprintf(h->thread[i].name, sizeof h->thread[i].name, "%s", name);
    h->thread[i].fn = fn;
    h->thread[i].arg = h;
}

/* Lists the threads: the server's one (two with --fix), the client's two. */
static size_t hot_threads(struct hot_call *h)
{
    size_t n = 0;

    if (h->c.fix) {
        hot_thread(h, n++, "server/recv", hot_server_reader);
        hot_thread(h, n++, "server/send", hot_server_sender);
    } else {
        hot_thread(h, n++, "server", hot_server);
    }
    hot_thread(h, n++, "client/send", hot_client_sender);
    hot_thread(h, n++, "client/recv", hot_client_receiver);
    return n;
}

/* Each side got what the other sent, when the call ended OK. */
static void hot_check(struct hot_call *h, enum status st)
{
    struct scenario_result *r = h->c.r;

    if (st != STATUS_OK)
        return;
    if (h->uploads_read != h->c.n || h->acks_got != h->c.n)
        broken(r, "%d uploads: the server read %d, the client got %d acks",
               h->c.n, h->uploads_read, h->acks_got);
    if (h->pushes_got != h->pushes || h->confirms_read != h->pushes)
        broken(r, "%d pushes: the client got %d, the server %d confirms",
               h->pushes, h->pushes_got, h->confirms_read);
}

/* What the server was sending when it ended: "ack 3" or "push 2". */
static void hot_item_name(int item, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s %d", item > 0 ? "ack" : "push",
             item > 0 ? item : -item);
}

/* The mistake's run: who waited for what, and the cycle it made. */
static void say_cycle(struct scenario_result *r, const struct hot_call *h,
                      enum status st)
{
    const struct call *c = &h->c;
    int stuck = st == STATUS_DEADLOCK || st == STATUS_DEADLINE_EXCEEDED;
    int send_stuck = stuck && c->sender_end == st && h->uploads_sent < c->n;
    int srv_stuck = stuck && c->server_end == st && h->sending != 0;
    int recv_stuck = stuck && c->receiver_end == st && h->handing != 0;
    char item[32];

    hot_item_name(h->sending, item, sizeof item);
    if (c->so.wire != NULL && strcmp(c->so.wire->name, "h2") == 0)
        scenario_say(r,
                     "client/send sent %d of %d uploads of %d bytes; each "
                     "direction takes a write quota of %d bytes and a "
                     "window of %d%s",
                     h->uploads_sent, c->n, HOT_BYTES, CALL_H2_WRITE_QUOTA,
                     c->so.window > 0 ? c->so.window : CALL_H2_WINDOW,
                     send_stuck ? ", and c2s had no room for the next" : "");
    else
        scenario_say(r,
                     "client/send sent %d of %d uploads of %d bytes; each "
                     "pipe holds %zu%s",
                     h->uploads_sent, c->n, HOT_BYTES, c->so.capacity,
                     send_stuck ? ", and c2s had no room for the next" : "");
    scenario_say(r, "server read %d uploads, sent %d acks and %d pushes%s%s",
                 h->uploads_read, h->acks_sent, h->pushes_sent,
                 srv_stuck ? ", and waited for room in s2c to send " : "",
                 srv_stuck ? item : "");
    scenario_say(r, "client/recv got %d acks and %d pushes%s", h->acks_got,
                 h->pushes_got,
                 recv_stuck ? ", and waited to hand a confirm to client/send: "
                              "its queue was full"
                            : "");
    if (send_stuck && srv_stuck && recv_stuck)
        scenario_say(r, "a cycle: the server waited for client/recv, "
                        "client/recv for client/send, client/send for the "
                        "server; the server reads c2s only between sends");
    if (st == STATUS_DEADLINE_EXCEEDED)
        scenario_say(r, "nobody could move until the %lld ms deadline",
                     (long long)(c->so.timeout_ns / 1000000));
    else if (st == STATUS_DEADLOCK)
        scenario_say(r, "nobody could ever move: without a deadline that is "
                        "a hang (the simulator reports it as a deadlock)");
    scenario_say(r, "fix: a send thread on the server too, so that it reads "
                    "c2s while it waits to send; see `duplex run both-hot "
                    "--fix`");
}

/* The fixed run: the server's reader never waited for its sender. */
static void say_fixed(struct scenario_result *r, const struct hot_call *h,
                      enum status st)
{
    const struct call *c = &h->c;

    scenario_say(r,
                 "server/recv read %d uploads and %d confirms, and queued "
                 "an ack for each upload and a push after every second "
                 "(%d waiting at most); it waited for server/send %d times",
                 h->uploads_read, h->confirms_read, h->replies.most,
                 h->replies.waits);
    scenario_say(r,
                 "server/send sent %d acks and %d pushes and ended with "
                 "%s; it found s2c full %llu times",
                 h->acks_sent, h->pushes_sent, status_name(c->server_end),
                 (unsigned long long)r->stats.write_waits[STREAM_S2C]);
    scenario_say(r,
                 "client/send sent %d uploads and %d confirms%s; it found "
                 "c2s full %llu times",
                 h->uploads_sent, h->confirms_sent,
                 c->closed_send ? ", then CloseSend" : "",
                 (unsigned long long)r->stats.write_waits[STREAM_C2S]);
    scenario_say(r,
                 "client/recv got %d acks and %d pushes, then %s; it "
                 "waited %d times for room to hand a confirm over",
                 h->acks_got, h->pushes_got,
                 st == STATUS_OK ? "EOF on s2c" : status_name(c->receiver_end),
                 h->confirms.waits);
}

static enum status run_both_hot(const struct scenario *sc,
                                const struct scenario_options *o,
                                struct scenario_result *r)
{
    struct hot_call h;
    enum status st = STATUS_OK;
    size_t n = 0;

    memset(&h, 0, sizeof h);
    call_init(&h.c, sc, o, r, 1);
    h.c.n = hot_uploads(sc, o);
    h.pushes = h.c.n / HOT_EVERY;
    hq_init(&h.confirms, "client/send's queue of confirms", HOT_CONFIRMS);
    hq_init(&h.replies, "server/send's queue", 0);
    n = hot_threads(&h);
    h.c.threads = (int)n;
    h.reader_end = STATUS_OK;
    st = stream_create(NULL, &h.c.so, &h.c.s);
    if (st == STATUS_OK) {
        run_threads(&h.c.starts, h.thread, n, hot_abort, &h);
        st = stream_final_status(h.c.s, &r->why);
        r->stats = stream_get_stats(h.c.s);
        stream_destroy(h.c.s);
        h.c.s = NULL;
    }
    hq_destroy(&h.replies);
    hq_destroy(&h.confirms);
    latch_destroy(&h.c.latch);
    st = starts_finish(&h.c.starts, r, h.c.threads, st);
    r->status = st;
    if (call_short(&h.c))
        return st;
    hot_check(&h, st);
    if (!h.c.fix && st != STATUS_DEADLOCK && st != STATUS_DEADLINE_EXCEEDED)
        broken(r, "the one-loop server ended with %s, not stuck",
               status_name(st));
    if (h.c.fix)
        say_fixed(r, &h, st);
    else
        say_cycle(r, &h, st);
    return st;
}

/* The mistake shows with pipes smaller than a push, and enough uploads. */
static enum status hot_check_options(const struct scenario *sc,
                                     const struct scenario_options *o,
                                     struct status_detail *why)
{
    int need = hot_needed(call_holds(sc, o, HOT_FRAME));

    if (!o->fix && hot_wire_holds_more(sc, o)) {
        if (hot_uploads(sc, o) >= need)
            return STATUS_OK;
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s needs --messages %d or more on --wire "
                                 "h2 with these windows: fewer uploads fit "
                                 "in c2s's and s2c's write quotas and "
                                 "windows, and it would not get stuck",
                                 sc->name, need);
    }
    if (o->fix || call_capacity(sc, o) < HOT_FRAME)
        return STATUS_OK;
    return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                             "%s needs pipes smaller than one push to show "
                             "its lesson: --capacity %d or less",
                             sc->name, HOT_FRAME - 1);
}

/* server/send found s2c full while server/recv went on reading. */
static int sender_waited_on_s2c(const struct scenario_progress *p)
{
    long i = -1;

    while ((i = challenge_find(p, (size_t)(i + 1), TRACE_BLOCK,
                               "server/send")) >= 0)
        if (strcmp(trace_event_at(p->trace, (size_t)i)->dir, "s2c") == 0)
            return 1;
    return 0;
}

/* The goals of `duplex step both-hot` (see scenario.h). */
static const struct scenario_challenge hot_challenges[] = {
    {"deadlock",
     "reach the deadlock (the server, client/recv and client/send each "
     "waiting for the next) in as few decisions as you can",
     0, challenge_deadlocked},
    {"s2c-full",
     "make server/send find s2c full (server/recv keeps reading c2s, and "
     "the call ends OK)",
     1, sender_waited_on_s2c},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_both_hot = {
    .name = "both-hot",
    .summary = "both directions hot, small pipes: a server loop that acks "
               "and pushes deadlocks",
    .fix_summary = "the server gets a send thread too; its reader never "
                   "waits to send",
    .default_messages = 8,
    .min_messages = HOT_MIN,
    .default_capacity = 64,
    .needs_deadline = 1,
    .expected = SCENARIO_EXIT_DEADLOCK,
    .expected_fix = SCENARIO_EXIT_OK,
    .body = run_both_hot,
    .check = hot_check_options,
    .needed_messages = hot_needed_messages,
    .challenges = hot_challenges,
};

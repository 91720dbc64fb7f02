/*
 * hub_bad: the hub that survives a bad client (`duplex run hub
 * --bad-client slow|leave|no-close`). Client 1 misbehaves; the others
 * must go on getting their messages, and the run must end with every
 * thread joined and nothing left behind.
 *
 * Design
 *   Fan-out through outboxes. The happy path's hub loop sends on every
 *   stream itself, so one client that stops reading stops it, and with it
 *   everyone. Here each client has an outbox (hub_outbox_cap messages) and a
 *   writer thread ("server/write<i>") that sends them: the hub loop only
 *   queues. A full outbox is a client that is behind.
 *
 *   The policy for a client that is behind: slow means not reading, not
 *   one slow send. The hub waits for room in its outbox; it drops the
 *   client once the outbox has stayed full and the client has taken
 *   nothing for the slow limit (a write deadline), as a real server would:
 *   its call ends with RESOURCE_EXHAUSTED, the hub forgets it and tells
 *   the others "c1 left". What the client took is what its stream says it
 *   read (on HTTP/2, what its WINDOW_UPDATEs give back): each time that
 *   grows, the wait starts again, so a client that reads, however slowly,
 *   is never dropped, and one that does not is dropped after one limit,
 *   which is all the others are held up by. The limit is HUB_SLOW_MS
 *   simulated, HUB_SLOW_OS_MS on real threads, where a client that reads
 *   can still wait that long for a core, or on h2 for its connection's
 *   write quota, behind the other streams. In the simulator time moves
 *   only when no thread can run, so a client that reads is never taken for
 *   a slow one, in any schedule: the simulated hub keeps the one wait.
 *
 *   Forgetting a client (hub_forget): its outbox is emptied and closed (its
 *   writer returns), its later messages are not forwarded, and every other
 *   client gets one "cK left". A client that cancels (leave) is forgotten
 *   when its reader sees the CANCELLED.
 *
 *   Shutdown with a deadline. Once every client's sender has returned,
 *   the last one asks the hub to stop (a stop item in the inbox, as an
 *   operator's GracefulStop). The hub then goes on until every stream
 *   has ended, or nothing has come for HUB_SHUTDOWN_MS (HUB_SHUTDOWN_OS_MS
 *   on real threads, or --timeout): a client that never half-closed is
 *   then cut off: its call ends with UNAVAILABLE. Last, the hub closes the outboxes of the clients it
 *   still serves; each writer sends what is left and ends its call with
 *   OK. A status comes after every message before it, so a client that
 *   is behind then, and does not read, would wait for it for ever (on
 *   HTTP/2 the trailers wait behind DATA that flow control holds back).
 *   So on real threads the hub waits once more for each of them to take
 *   everything, as long as they take something every shutdown's wait, and
 *   cuts off the ones still behind with UNAVAILABLE (a server's Stop after GracefulStop's deadline): every
 *   receiver wakes with a status. The simulated hub does not wait: a
 *   receiver left waiting there would end the run with a deadlock report.
 *
 *   Every thread counts itself when it returns (hub_returns), so the
 *   report says how many returned; run_threads joins each one.
 */
#include "scenarios/hub.h"

#include <stdlib.h>

#include "core/context.h"

enum { HUB_STOP = -1 }; /* hub_item.from of the request to shut down */

/* How often the shutdown looks again at the clients still behind. */
#define HUB_POLL_NS 1000000

/* Client 1 is the bad one. */
static int hub_is_bad(const struct hub *h, int i)
{
    return i == 0 && h->bad != HUB_BAD_NONE;
}

enum status hub_bad_parse(const char *name, enum hub_bad *out)
{
    if (name == NULL)
        *out = HUB_BAD_NONE;
    else if (strcmp(name, "slow") == 0)
        *out = HUB_BAD_SLOW;
    else if (strcmp(name, "leave") == 0)
        *out = HUB_BAD_LEAVE;
    else if (strcmp(name, "no-close") == 0)
        *out = HUB_BAD_NO_CLOSE;
    else
        return STATUS_INVALID_ARGUMENT;
    return STATUS_OK;
}

/* A simulated run has 4 threads a client and the hub loop, in 64. */
#define HUB_BAD_SIM_MAX ((SCHED_SIM_MAX_THREADS - 2) / HUB_BAD_THREADS_EACH)

unsigned hub_outbox_cap(int n)
{
    return n > HUB_BAD_SIM_MAX ? HUB_OUTBOX_MANY : HUB_OUTBOX;
}

/* ... fewer on a wire whose connection has threads of its own. */
static int bad_sim_max(const struct scenario_options *o)
{
    return hub_sim_max(o, HUB_BAD_THREADS_EACH);
}

enum status hub_bad_check(const struct scenario *sc,
                          const struct scenario_options *o,
                          struct status_detail *why)
{
    enum hub_bad bad = HUB_BAD_NONE;
    int n = o->clients > 0 ? o->clients : SCENARIO_HUB_CLIENTS;
    int m = hub_messages(sc, o);
    size_t frames = hub_holds(sc, o) / (FRAME_HEADER_LEN + 5);
    const char *where = hub_holds(sc, o) != hub_capacity(sc, o)
                            ? "its write quota and window"
                            : "its pipe";

    if (hub_bad_parse(o->bad_client, &bad) != STATUS_OK)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "--bad-client wants slow, leave or no-close");
    if (n < 2)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "--bad-client needs --clients 2 or more: "
                                 "someone must see client 1 misbehave");
    if (!o->os && n > bad_sim_max(o))
        return status_detail_set(
            why, STATUS_INVALID_ARGUMENT,
            "a simulated hub with --bad-client has at most %d clients "
            "(4 threads each%s); use --os for more",
            bad_sim_max(o),
            bad_sim_max(o) < HUB_BAD_SIM_MAX ? ", and the connection's 4" : "");
    if (bad == HUB_BAD_SLOW &&
        (size_t)(n - 1) * (size_t)m < hub_outbox_cap(n) + 4 + frames)
        return status_detail_set(
            why, STATUS_INVALID_ARGUMENT,
            "--bad-client slow needs more messages for client 1 than it "
            "can hold (%d queued, 1 read, 1 being sent, %zu in %s): "
            "(clients - 1) x messages of %zu or more",
            (int)hub_outbox_cap(n), frames, where,
            hub_outbox_cap(n) + 4 + frames);
    if (bad == HUB_BAD_LEAVE && m < 2)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "--bad-client leave needs --messages 2 or "
                                 "more: client 1 leaves halfway");
    return STATUS_OK;
}

/* ---- the outboxes -------------------------------------------------------- */

/*
 * The writer's side: takes the next item of ob. Returns STATUS_OK, or
 * STATUS_CANCELLED once ob is closed and empty (*finish: end the call with
 * OK) or the run was aborted.
 */
static enum status outbox_take(struct hub *h, struct hub_outbox *ob,
                               struct hub_item *it, int *finish)
{
    enum status st = STATUS_OK;

    sched_mutex_lock(&h->mu);
    while (ob->count == 0 && !ob->closed && !h->aborted)
        if (sched_cond_wait(&h->outbox_ready, &h->mu) == STATUS_DEADLOCK)
            break; /* SIM unwinding: the report says why */
    if (ob->count > 0) {
        *it = ob->item[ob->head];
        ob->head = (ob->head + 1) % h->outbox_cap;
        ob->count--;
        sched_cond_broadcast(&h->outbox_room);
    } else {
        *finish = ob->closed && ob->finish && !h->aborted;
        st = STATUS_CANCELLED;
    }
    sched_mutex_unlock(&h->mu);
    return st;
}

/* The messages client j has taken from its stream: on HTTP/2 what its
 * WINDOW_UPDATEs give back, on the raw wire the room its reads make. */
static uint64_t client_taken(const struct hub *h, int j)
{
    return stream_get_stats(h->s[j]).received[STREAM_S2C];
}

/*
 * Waits, with h->mu held, while client j's outbox is full. Simulated, for
 * h->slow_ns at most. On real threads, for h->slow_ns since client j last
 * took a message (the wait starts again each time it did): a client that
 * reads is behind, not slow. Returns STATUS_OK or the wait's failure.
 */
static enum status outbox_wait_room(struct hub *h, int j)
{
    struct hub_outbox *ob = &h->out[j];
    int64_t deadline = sched_now_ns() + h->slow_ns;
    enum status st = STATUS_OK;
    uint64_t taken = 0;
    uint64_t now_taken = 0;

    if (h->os) { /* h->mu is never held while a stream's lock is taken */
        sched_mutex_unlock(&h->mu);
        taken = client_taken(h, j);
        sched_mutex_lock(&h->mu);
    }
    while (ob->count == h->outbox_cap && !ob->closed && !h->aborted &&
           st == STATUS_OK) {
        st = sched_cond_timedwait(&h->outbox_room, &h->mu, deadline);
        if (st != STATUS_DEADLINE_EXCEEDED || !h->os)
            continue;
        sched_mutex_unlock(&h->mu);
        now_taken = client_taken(h, j);
        sched_mutex_lock(&h->mu);
        if (now_taken != taken) { /* it read: wait again */
            taken = now_taken;
            deadline = sched_now_ns() + h->slow_ns;
            st = STATUS_OK;
        }
    }
    return st;
}

/*
 * The hub's side: queues it for client j, waiting for room while j is
 * not slow (outbox_wait_room). Returns 1 when queued, 0 when j's outbox
 * stayed full.
 */
static int outbox_put(struct hub *h, int j, const struct hub_item *it)
{
    struct hub_outbox *ob = &h->out[j];
    int put = 0;

    sched_mutex_lock(&h->mu);
    if (ob->count == h->outbox_cap)
        outbox_wait_room(h, j);
    if (ob->count < h->outbox_cap && !ob->closed) {
        ob->item[(ob->head + ob->count) % h->outbox_cap] = *it;
        ob->count++;
        sched_cond_broadcast(&h->outbox_ready);
        put = 1;
    }
    put |= h->aborted; /* nobody to drop: the run is ending */
    sched_mutex_unlock(&h->mu);
    return put;
}

/* Closes j's outbox: its writer sends what is left and, if finish, ends
 * the call with OK; else it is emptied first. */
static void outbox_close(struct hub *h, int j, int finish)
{
    sched_mutex_lock(&h->mu);
    if (!finish)
        h->out[j].count = 0;
    h->out[j].closed = 1;
    h->out[j].finish = finish;
    sched_cond_broadcast(&h->outbox_ready);
    sched_mutex_unlock(&h->mu);
}

/* ---- the hub loop -------------------------------------------------------- */

/*
 * Forgets client j: nothing more to or from it. code is why: the status
 * its call ends with now (text: its words), or, with text NULL, the one
 * its reader saw when the client left of itself.
 */
static void hub_forget(struct hub *h, int j, enum status code, const char *text)
{
    if (h->forgotten[j])
        return;
    h->forgotten[j] = 1;
    h->cut[j] = code;
    outbox_close(h, j, 0);
    if (text != NULL)
        context_cancel(stream_context(h->s[j]), code, text);
    h->announce[h->nannounce++] = j;
}

/* Queues it for client j; drops j when its outbox stays full. */
static void hub_deliver(struct hub *h, int j, const struct hub_item *it)
{
    char text[96];

    if (h->forgotten[j] || outbox_put(h, j, it))
        return;
    snprintf(text, sizeof text,
             "client %d read too slowly: %u messages queued for %lld ms",
             j + 1, h->outbox_cap, (long long)(h->slow_ns / 1000000));
    hub_forget(h, j, STATUS_RESOURCE_EXHAUSTED, text);
}

/* Tells every other client about each client forgotten since last time. */
static void hub_announce(struct hub *h)
{
    struct hub_item it;
    int j = 0;

    memset(&it, 0, sizeof it);
    while (h->nannounced < h->nannounce) {
        it.from = h->announce[h->nannounced++];
        it.len = snprintf(it.text, sizeof it.text, "c%d left", it.from + 1);
        for (j = 0; j < h->n; j++)
            if (j != it.from)
                hub_deliver(h, j, &it);
    }
}

/* One item from the inbox: a message to pass on, or a stream's end. */
static void hub_route(struct hub *h, const struct hub_item *it, int *ended)
{
    int j = 0;

    if (it->st != STATUS_OK) {
        ended[it->from] = 1;
        if (it->st != STATUS_EOF) /* it left (or was cut off before) */
            hub_forget(h, it->from, it->st, NULL);
        return;
    }
    if (h->forgotten[it->from])
        return;
    for (j = 0; j < h->n; j++)
        if (j != it->from)
            hub_deliver(h, j, it);
}

/* The shutdown's deadline passed: cuts off every stream still open. */
static void hub_cut_off(struct hub *h, const int *ended)
{
    char text[96];
    int j = 0;

    for (j = 0; j < h->n; j++) {
        if (ended[j])
            continue;
        snprintf(text, sizeof text,
                 "the hub shut down: client %d had not half-closed in %lld ms",
                 j + 1, (long long)(h->shutdown_ns / 1000000));
        hub_forget(h, j, STATUS_UNAVAILABLE, text);
    }
}

/* How many of ended are set. */
static int hub_count(const int *ended, int n)
{
    int c = 0;
    int i = 0;

    for (i = 0; i < n; i++)
        c += ended[i] != 0;
    return c;
}

/* Whether client j, still served at the end, has yet to take something:
 * its writer has not returned, or it has not read all its writer sent. */
static int client_behind(struct hub *h, int j)
{
    struct stream_stats st;
    int wrote_all = 0;

    sched_mutex_lock(&h->mu);
    wrote_all = h->wrote_all[j];
    sched_mutex_unlock(&h->mu);
    st = stream_get_stats(h->s[j]);
    return !wrote_all || st.received[STREAM_S2C] != st.sent[STREAM_S2C];
}

/* How many clients still served are behind; *taken: what they all took. */
static int hub_behind(struct hub *h, uint64_t *taken)
{
    int behind = 0;
    int j = 0;

    *taken = 0;
    for (j = 0; j < h->n; j++) {
        if (h->forgotten[j])
            continue;
        behind += client_behind(h, j);
        *taken += client_taken(h, j);
    }
    return behind;
}

/*
 * The end of the hub: the clients it still serves get what is left and
 * OK (their outboxes closed). On real threads it then waits for each of
 * them to take every message (its status comes right after), while they
 * take something at least every shutdown's wait; one still behind then
 * would wait for that status for ever (on HTTP/2 it sits behind DATA the
 * client does not read), so the hub cuts it off with UNAVAILABLE. Nobody
 * is left to tell.
 */
static void hub_finish_all(struct hub *h)
{
    int64_t deadline = sched_now_ns() + h->shutdown_ns;
    uint64_t taken = 0;
    uint64_t now_taken = 0;
    char text[112];
    int j = 0;

    for (j = 0; j < h->n; j++)
        if (!h->forgotten[j])
            outbox_close(h, j, 1);
    if (!h->os) /* simulated: a receiver left waiting is a deadlock report */
        return;
    hub_behind(h, &taken);
    while (hub_behind(h, &now_taken) > 0 && sched_now_ns() < deadline) {
        if (now_taken != taken) /* someone read: wait again */
            deadline = sched_now_ns() + h->shutdown_ns;
        taken = now_taken;
        sched_sleep_ns(HUB_POLL_NS);
    }
    for (j = 0; j < h->n; j++) {
        if (h->forgotten[j] || !client_behind(h, j))
            continue;
        snprintf(text, sizeof text,
                 "the hub shut down: client %d took none of its last "
                 "messages for %lld ms",
                 j + 1, (long long)(h->shutdown_ns / 1000000));
        hub_forget(h, j, STATUS_UNAVAILABLE, text);
        h->forgotten[j] = 2;
    }
}

enum status hub_bad_loop(void *arg)
{
    struct hub *h = arg;
    struct hub_item *batch = calloc(h->inbox_cap, sizeof *batch);
    int *ended = calloc((size_t)h->n, sizeof *ended);
    int64_t deadline = SCHED_NO_DEADLINE;
    enum status st = STATUS_OK;
    int stopping = 0; /* the stop came: wait for every stream to end */
    unsigned n = 0;
    unsigned k = 0;

    if (batch == NULL || ended == NULL) { /* nobody would forward */
        free(batch);
        free(ended);
        hub_abort(h);
        hub_returns(h);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    while (hub_count(ended, h->n) < h->n) {
        st = hub_take(h, batch, &n, deadline);
        if (st == STATUS_DEADLINE_EXCEEDED) {
            hub_cut_off(h, ended);
            stopping = 0;
            deadline = SCHED_NO_DEADLINE; /* their readers end now */
        } else if (st != STATUS_OK) {
            break;
        }
        for (k = 0; k < n && st == STATUS_OK; k++) {
            if (batch[k].from == HUB_STOP)
                stopping = 1;
            else
                hub_route(h, &batch[k], ended);
        }
        hub_announce(h);
        if (stopping) /* the wait counts from the last thing that came */
            deadline = sched_now_ns() + h->shutdown_ns;
    }
    hub_finish_all(h);
    free(batch);
    free(ended);
    hub_returns(h);
    return STATUS_OK;
}

/* ---- the threads of each client ------------------------------------------ */

static enum status hub_bad_reader(void *arg)
{
    struct hub_arg *a = arg;

    hub_reader(arg);
    hub_returns(a->h);
    return STATUS_OK;
}

/* Sends client i's outbox on its stream, then ends the call if told to. */
static enum status hub_writer(void *arg)
{
    struct hub_arg *a = arg;
    struct hub *h = a->h;
    struct stream_end *e = stream_server(h->s[a->i]);
    struct hub_item it;
    enum status st = STATUS_OK;
    int finish = 0;

    while (outbox_take(h, &h->out[a->i], &it, &finish) == STATUS_OK) {
        if (st == STATUS_OK) /* after a failure: emptied, not sent */
            st = stream_send(e, it.text, (size_t)it.len, NULL);
        h->written[a->i] += st == STATUS_OK;
    }
    if (finish && st == STATUS_OK)
        stream_finish(e, STATUS_OK, NULL);
    sched_mutex_lock(&h->mu); /* hub_returns, and hub_finish_all's flag */
    h->wrote_all[a->i] = 1;
    h->returned++;
    sched_mutex_unlock(&h->mu);
    return STATUS_OK;
}

/* The last sender to return asks the hub to shut down. */
static void hub_sender_done(struct hub *h)
{
    struct hub_item stop;
    int last = 0;

    sched_mutex_lock(&h->mu);
    last = ++h->senders_done == h->n;
    sched_mutex_unlock(&h->mu);
    if (!last)
        return;
    memset(&stop, 0, sizeof stop);
    stop.from = HUB_STOP;
    hub_post(h, &stop);
}

/*
 * Sends client i's messages, then CloseSend; client 1 may instead leave
 * halfway (cancel) or return without CloseSend.
 */
static enum status hub_bad_sender(void *arg)
{
    struct hub_arg *a = arg;
    struct hub *h = a->h;
    struct stream_end *e = stream_client(h->s[a->i]);
    int leave = hub_is_bad(h, a->i) && h->bad == HUB_BAD_LEAVE;
    int upto = leave ? h->m / 2 : h->m;
    char text[HUB_TEXT];
    enum status st = STATUS_OK;
    int m = 0;

    for (m = 0; m < upto && st == STATUS_OK; m++) {
        int len = hub_text(text, sizeof text, a->i, m);

        st = stream_send(e, text, (size_t)len, NULL);
        h->sent[a->i] += st == STATUS_OK;
    }
    if (leave)
        stream_cancel(e);
    else if (st == STATUS_OK &&
             !(hub_is_bad(h, a->i) && h->bad == HUB_BAD_NO_CLOSE))
        h->closed[a->i] = stream_close_send(e) == STATUS_OK;
    hub_sender_done(h);
    hub_returns(h);
    return STATUS_OK;
}

/* One message client i got: "cK mM" in K's order, or "cK left" once. */
static void hub_bad_note(struct hub *h, int i, const struct frame_msg *msg)
{
    int *left = h->left_seen + (size_t)i * (size_t)h->n;
    char text[HUB_TEXT];
    char word[8] = "";
    int k = 0;
    int m = 0;

    snprintf(text, sizeof text, "%.*s",
             (int)(msg->length < HUB_TEXT ? msg->length : HUB_TEXT - 1),
             (const char *)msg->data);
    if (sscanf(text, "c%d m%d", &k, &m) == 2 && k >= 1 && k <= h->n &&
        k - 1 != i && !left[k - 1] && m == hub_next(h, i, k - 1) + 1)
        hub_set_next(h, i, k - 1, m);
    else if (sscanf(text, "c%d %7s", &k, word) == 2 && k >= 1 && k <= h->n &&
             k - 1 != i && strcmp(word, "left") == 0 && !left[k - 1])
        left[k - 1] = 1;
    else
        broken(h->r, "client %d got \"%s\" (after c%d m%d%s)", i + 1, text, k,
               k >= 1 && k <= h->n ? hub_next(h, i, k - 1) : 0,
               k >= 1 && k <= h->n && left[k - 1] ? ", and it left" : "");
}

/* Receives until the call ends; a slow client 1 stops after one message. */
static enum status hub_bad_receiver(void *arg)
{
    struct hub_arg *a = arg;
    struct hub *h = a->h;
    struct stream_end *e = stream_client(h->s[a->i]);
    int slow = hub_is_bad(h, a->i) && h->bad == HUB_BAD_SLOW;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(e, &msg, NULL)) == STATUS_OK) {
        hub_bad_note(h, a->i, &msg);
        h->got[a->i]++;
        if (slow) /* stops reading: waits for the call to end */
            context_wait(stream_context(h->s[a->i]));
    }
    frame_msg_free(&msg);
    h->client_end[a->i] = st;
    hub_returns(h);
    return STATUS_OK;
}

sched_fn hub_bad_fn(int k)
{
    static const sched_fn fns[HUB_BAD_THREADS_EACH] = {
        hub_bad_reader, hub_writer, hub_bad_receiver, hub_bad_sender};

    return fns[k];
}

/* ---- what a run promises, and what it says ------------------------------- */

/* The status client 1's call ends with, and why the hub forgot it. */
static enum status hub_bad_end(const struct hub *h)
{
    switch (h->bad) {
    case HUB_BAD_SLOW: return STATUS_RESOURCE_EXHAUSTED;
    case HUB_BAD_LEAVE: return STATUS_CANCELLED;
    case HUB_BAD_NO_CLOSE: return STATUS_UNAVAILABLE;
    case HUB_BAD_NONE: break;
    }
    return STATUS_OK;
}

/*
 * Client i, which the hub still served at the end: it ended with EOF, got
 * every message of each client the hub served to the end, and was told
 * of each client the hub forgot (a prefix of whose messages it got: the
 * order check of hub_bad_note).
 */
static void hub_bad_check_client(struct hub *h, int i)
{
    const int *left = h->left_seen + (size_t)i * (size_t)h->n;
    int k = 0;

    if (h->client_end[i] != STATUS_EOF)
        broken(h->r, "client %d ended with %s", i + 1,
               status_name(h->client_end[i]));
    for (k = 0; k < h->n; k++) {
        if (k == i)
            continue;
        if (h->forgotten[k] == 1 && !left[k])
            broken(h->r, "client %d was never told client %d left", i + 1,
                   k + 1);
        else if (h->forgotten[k] != 1 && hub_next(h, i, k) != h->m)
            broken(h->r, "client %d got %d of client %d's %d messages", i + 1,
                   hub_next(h, i, k), k + 1, h->m);
    }
}

/*
 * Client 1 was forgotten for the reason its kind promises; a client the
 * hub cut off (dropped, or at the shutdown's deadline) ended with the
 * status the hub gave it; every other one got everything; every thread
 * returned. Only client 1 misbehaves, but on real threads a client that
 * took nothing for HUB_SLOW_OS_MS (or a shutdown's wait) is cut off by
 * the same policy: the report counts those (hub_bad_say_hub).
 */
void hub_bad_check_run(struct hub *h)
{
    enum status want = hub_bad_end(h);
    int i = 0;

    if (h->client_end[0] != want || !h->forgotten[0])
        broken(h->r, "client 1 ended with %s (want %s)%s",
               status_name(h->client_end[0]), status_name(want),
               h->forgotten[0] ? "" : " and the hub never forgot it");
    for (i = 1; i < h->n; i++) {
        if (!h->forgotten[i])
            hub_bad_check_client(h, i);
        else if (h->client_end[i] != h->cut[i])
            broken(h->r, "client %d, cut off with %s, ended with %s", i + 1,
                   status_name(h->cut[i]), status_name(h->client_end[i]));
    }
    if (h->returned != hub_threads(h))
        broken(h->r, "%d of the %d threads returned", h->returned,
               hub_threads(h));
}

/* What client 1 did, from what it counted. */
static void hub_bad_say_client(const struct hub *h, struct scenario_result *r)
{
    switch (h->bad) {
    case HUB_BAD_SLOW:
        scenario_say(r, "client 1 read %llu message%s, then stopped reading",
                     (unsigned long long)h->got[0], h->got[0] == 1 ? "" : "s");
        break;
    case HUB_BAD_LEAVE:
        scenario_say(r,
                     "client 1 sent %d of its %d messages, then cancelled "
                     "its call",
                     h->sent[0], h->m);
        break;
    case HUB_BAD_NO_CLOSE:
        scenario_say(r, "client 1 sent %d messages and %s", h->sent[0],
                     h->closed[0] ? "called CloseSend"
                                  : "never called CloseSend");
        break;
    case HUB_BAD_NONE: break;
    }
}

/* Why the hub forgot client 1, from what it recorded. */
static void hub_bad_say_hub(const struct hub *h, struct scenario_result *r)
{
    int others = 0;
    int dropped = 0;
    int i = 0;

    for (i = 0; i < h->n; i++) {
        dropped += h->forgotten[i] && h->cut[i] == STATUS_RESOURCE_EXHAUSTED;
        others += i > 0 && h->forgotten[i];
    }
    if (!h->forgotten[0])
        scenario_say(r, "the hub never forgot client 1");
    else if (h->cut[0] == STATUS_RESOURCE_EXHAUSTED)
        scenario_say(r,
                     "its queue stayed full (%u messages) for %d ms: the hub "
                     "dropped it with RESOURCE_EXHAUSTED (%d client%s "
                     "dropped)",
                     h->outbox_cap, (int)(h->slow_ns / 1000000), dropped,
                     dropped == 1 ? "" : "s");
    else if (h->cut[0] == STATUS_UNAVAILABLE)
        scenario_say(r,
                     "the hub's shutdown waited %lld ms, then ended client 1's "
                     "call with UNAVAILABLE",
                     (long long)(h->shutdown_ns / 1000000));
    else
        scenario_say(r,
                     "the hub's reader of client 1 ended with %s: the hub "
                     "forgot it",
                     status_name(h->cut[0]));
    if (others > 0)
        scenario_say(r,
                     "the hub also forgot %d other client%s: dropped, or cut "
                     "off at the shutdown's deadline",
                     others, others == 1 ? "" : "s");
}

void hub_bad_say(const struct hub *h, struct scenario_result *r, enum status st)
{
    uint64_t written = 0;
    int served = 0;
    int told = 0;
    int eof = 0;
    int i = 0;

    hub_bad_say_client(h, r);
    hub_bad_say_hub(h, r);
    for (i = 0; i < h->n; i++) {
        written += h->written[i];
        eof += h->client_end[i] == STATUS_EOF;
        told += i > 0 && h->left_seen[(size_t)i * (size_t)h->n];
        served += !h->forgotten[i];
    }
    scenario_say(r,
                 "%d of the other %d clients were told \"c1 left\"; %d got "
                 "to EOF; the writers sent %llu messages",
                 told, h->n - 1, eof, (unsigned long long)written);
    if (st == STATUS_OK && r->broken[0] == '\0')
        scenario_say(r,
                     "the %s got each other's messages once, in order, "
                     "then EOF; client 1 ended with %s",
                     served == h->n - 1 ? "other clients"
                                        : "clients the hub served to the end",
                     status_name(h->client_end[0]));
    scenario_say(r, "%d threads started; %d returned and were joined",
                 h->starts.started, h->returned);
}

/*
 * hub: a chat hub. Every client holds one stream to the hub, and the hub
 * sends each client's messages to every other client: N streams at once,
 * fan-in and fan-out, and each sender's messages in order.
 *
 * Design
 *   Fan-in: one reader thread per stream ("server/read<i>") turns the N
 *   streams into one queue, the inbox. Fan-out: one loop ("server/hub")
 *   takes each message from the inbox and sends it on every other
 *   stream. Each client has a sender and a receiver thread, so a client
 *   never waits to receive while it sends: 3 threads per client, and the
 *   hub loop.
 *
 *   No cycle of waits: the hub loop waits for room on s2c, which only the
 *   client's receiver drains; that receiver waits for nothing else.
 *   Shutdown: each client half-closes; its reader posts the EOF; once
 *   every client is done and the inbox is empty, everything is sent, and
 *   the hub ends every stream with OK, so each receiver drains and sees
 *   EOF.
 *
 *   Not one call but N, with no group: the harness's run_threads starts
 *   the hub loop, then each client's threads, and joins them all. A
 *   thread that cannot start ends the run: hub_abort cancels every call
 *   and wakes every inbox waiter for good, so the threads that did start
 *   return, and starts_finish says what the run counted.
 *
 *   A bad client (--bad-client slow, leave or no-close) is hub_bad.c's:
 *   the same fan-in, and fan-out through an outbox per client (hub.h).
 */
#include "scenarios/hub.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/trace.h"
#include "core/wire.h"
#include "scenarios/challenge.h"
#include "scenarios/registry.h"

int hub_slow_os_ms = HUB_SLOW_OS_MS;

/* The threads a whole run starts. */
int hub_threads(const struct hub *h)
{
    int each = h->bad != HUB_BAD_NONE ? HUB_BAD_THREADS_EACH : HUB_THREADS_EACH;

    return each * h->n + 1;
}

int hub_next(const struct hub *h, int i, int k)
{
    size_t at = (size_t)i * (size_t)h->n + (size_t)k;

    if (h->next_size == 1)
        return ((const uint8_t *)h->next)[at];
    if (h->next_size == 2)
        return ((const uint16_t *)h->next)[at];
    return ((const int *)h->next)[at];
}

void hub_set_next(struct hub *h, int i, int k, int m)
{
    size_t at = (size_t)i * (size_t)h->n + (size_t)k;

    assert(m >= 0 && m <= h->m);
    if (h->next_size == 1)
        ((uint8_t *)h->next)[at] = (uint8_t)m;
    else if (h->next_size == 2)
        ((uint16_t *)h->next)[at] = (uint16_t)m;
    else
        ((int *)h->next)[at] = m;
}

/* The bytes an entry of h->next takes: the fewest that hold h->m. */
static size_t hub_next_size(int m)
{
    if (m <= UINT8_MAX)
        return 1;
    return m <= UINT16_MAX ? 2 : sizeof(int);
}

unsigned hub_inbox_cap(int n)
{
    return n > HUB_INBOX / 2 ? 2 * (unsigned)n : HUB_INBOX;
}

/*
 * Ends every call and wakes every waiter for good, so that each thread
 * returns: a thread could not start, or the hub loop cannot run.
 */
void hub_abort(struct hub *h)
{
    int i = 0;

    for (i = 0; h->s != NULL && i < h->n; i++)
        if (h->s[i] != NULL)
            stream_cancel(stream_client(h->s[i]));
    sched_mutex_lock(&h->mu);
    h->aborted = 1;
    sched_cond_broadcast(&h->readable);
    sched_cond_broadcast(&h->writable);
    sched_cond_broadcast(&h->outbox_ready);
    sched_cond_broadcast(&h->outbox_room);
    sched_mutex_unlock(&h->mu);
}

void hub_returns(struct hub *h)
{
    sched_mutex_lock(&h->mu);
    h->returned++;
    sched_mutex_unlock(&h->mu);
}

/* hub_abort, as run_threads calls it. */
static void hub_abort_run(void *arg)
{
    hub_abort(arg);
}

void hub_post(struct hub *h, const struct hub_item *it)
{
    sched_mutex_lock(&h->mu);
    while (h->count == h->inbox_cap && !h->aborted)
        if (sched_cond_wait(&h->writable, &h->mu) == STATUS_DEADLOCK)
            break; /* SIM unwinding: the report says why */
    if (h->count < h->inbox_cap) {
        h->inbox[(h->head + h->count) % h->inbox_cap] = *it;
        h->count++;
        sched_cond_signal(&h->readable);
    }
    sched_mutex_unlock(&h->mu);
}

/* The happy path waits with no deadline: its schedules stay as they were. */
enum status hub_take(struct hub *h, struct hub_item *items, unsigned *n,
                     int64_t deadline_ns)
{
    enum status st = STATUS_OK;

    *n = 0;
    sched_mutex_lock(&h->mu);
    while (h->count == 0 && !h->aborted && st == STATUS_OK)
        st = deadline_ns == SCHED_NO_DEADLINE
                 ? sched_cond_wait(&h->readable, &h->mu)
                 : sched_cond_timedwait(&h->readable, &h->mu, deadline_ns);
    while (h->count > 0) {
        items[(*n)++] = h->inbox[h->head];
        h->head = (h->head + 1) % h->inbox_cap;
        h->count--;
    }
    if (*n > 0) {
        sched_cond_broadcast(&h->writable);
        st = STATUS_OK;
    } else if (st == STATUS_OK) {
        st = STATUS_CANCELLED;
    }
    sched_mutex_unlock(&h->mu);
    return st;
}

enum status hub_reader(void *arg)
{
    struct hub_arg *a = arg;
    struct stream_end *e = stream_server(a->h->s[a->i]);
    struct frame_msg msg = {0};
    struct hub_item it;
    enum status st = STATUS_OK;

    memset(&it, 0, sizeof it);
    it.from = a->i;
    while ((st = stream_recv(e, &msg, NULL)) == STATUS_OK) {
        if (msg.length >= HUB_TEXT) {
            broken(a->h->r, "hub got a %zu-byte message from client %d",
                   (size_t)msg.length, a->i + 1);
            continue;
        }
        it.len = (int)msg.length;
        memcpy(it.text, msg.data, msg.length);
        hub_post(a->h, &it);
    }
    frame_msg_free(&msg);
    it.st = st;
    it.len = 0;
    hub_post(a->h, &it);
    return STATUS_OK;
}

/*
 * Fan-out: each message to every other client, then end every stream. It
 * takes the whole inbox at once and gives each client all of it in a row:
 * one wake-up of that client's receiver per batch, not per message, and
 * each sender's messages stay in order.
 */
static enum status hub_loop(void *arg)
{
    struct hub *h = arg;
    struct hub_item *batch = calloc(h->inbox_cap, sizeof *batch);
    enum status *sent = calloc((size_t)h->n, sizeof *sent);
    unsigned n = 0;
    unsigned k = 0;
    int done = 0;
    int j = 0;

    if (batch == NULL || sent == NULL) { /* nobody would forward */
        free(batch);
        free(sent);
        hub_abort(h);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    while (done < h->n &&
           hub_take(h, batch, &n, SCHED_NO_DEADLINE) == STATUS_OK) {
        for (j = 0; j < h->n; j++) {
            for (k = 0; k < n && sent[j] == STATUS_OK; k++) {
                if (batch[k].st != STATUS_OK || batch[k].from == j)
                    continue;
                sent[j] = stream_send(stream_server(h->s[j]), batch[k].text,
                                      (size_t)batch[k].len, NULL);
                h->forwarded += sent[j] == STATUS_OK;
            }
        }
        for (k = 0; k < n; k++)
            done += batch[k].st != STATUS_OK; /* client from half-closed */
    }
    for (j = 0; j < h->n; j++)
        stream_finish(stream_server(h->s[j]), STATUS_OK, NULL);
    free(batch);
    free(sent);
    return STATUS_OK;
}

int hub_text(char *out, size_t cap, int client, int m)
{
    return snprintf(out, cap, "c%d m%d", client + 1, m + 1);
}

static enum status hub_sender(void *arg)
{
    struct hub_arg *a = arg;
    struct stream_end *e = stream_client(a->h->s[a->i]);
    char text[HUB_TEXT];
    enum status st = STATUS_OK;
    int m = 0;

    for (m = 0; m < a->h->m && st == STATUS_OK; m++) {
        int len = hub_text(text, sizeof text, a->i, m);

        st = stream_send(e, text, (size_t)len, NULL);
        a->h->sent[a->i] += st == STATUS_OK;
    }
    if (st == STATUS_OK) {
        st = stream_close_send(e);
        a->h->closed[a->i] = st == STATUS_OK;
    }
    return st;
}

/*
 * Reads a number of up to 9 digits at *at, moving at past it. Returns 0
 * when there is none.
 */
static int hub_parse_number(const uint8_t **at, const uint8_t *end, int *out)
{
    int v = 0;
    int digits = 0;

    while (*at < end && **at >= '0' && **at <= '9' && digits < 9) {
        v = v * 10 + (**at - '0');
        (*at)++;
        digits++;
    }
    *out = v;
    return digits > 0;
}

/* A receiver parses one message per delivery: sscanf's cost counted. */
int hub_parse(const uint8_t *text, size_t len, int *k, int *m)
{
    const uint8_t *at = text;
    const uint8_t *end = text + len;

    if (len == 0 || *at++ != 'c' || !hub_parse_number(&at, end, k))
        return 0;
    if (end - at < 2 || at[0] != ' ' || at[1] != 'm')
        return 0;
    at += 2;
    return hub_parse_number(&at, end, m) && at == end;
}

/* Every other client's messages, each sender's in order, exactly once. */
static enum status hub_receiver(void *arg)
{
    struct hub_arg *a = arg;
    struct hub *h = a->h;
    struct stream_end *e = stream_client(h->s[a->i]);
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(e, &msg, NULL)) == STATUS_OK) {
        int k = 0;
        int m = 0;

        if (!hub_parse(msg.data, msg.length, &k, &m) || k < 1 || k > h->n || k - 1 == a->i ||
            m > h->m)
            broken(h->r, "client %d got \"%.*s\"", a->i + 1,
                   (int)(msg.length < HUB_TEXT ? msg.length : HUB_TEXT - 1),
                   (const char *)msg.data);
        else if (m != hub_next(h, a->i, k - 1) + 1)
            broken(h->r, "client %d got \"c%d m%d\" after c%d m%d", a->i + 1,
                   k, m, k, hub_next(h, a->i, k - 1));
        else
            hub_set_next(h, a->i, k - 1, m);
        h->got[a->i]++;
    }
    frame_msg_free(&msg);
    h->client_end[a->i] = st;
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* Client i got every other client's m messages. */
static void hub_check(struct hub *h)
{
    int i = 0;
    int k = 0;

    for (i = 0; i < h->n; i++) {
        if (h->client_end[i] != STATUS_EOF)
            continue; /* the status says why */
        for (k = 0; k < h->n; k++)
            if (k != i && hub_next(h, i, k) != h->m)
                broken(h->r, "client %d got %d of client %d's %d messages",
                       i + 1, hub_next(h, i, k), k + 1, h->m);
    }
}

/*
 * Lists the threads run_threads starts, in order: the hub loop, then each
 * client's reader, receiver and sender (with a bad client: its reader,
 * writer, receiver and sender).
 */
static void hub_list_threads(struct hub *h)
{
    static const sched_fn fns[HUB_THREADS_EACH] = {hub_reader, hub_receiver,
                                                   hub_sender};
    static const char *const fmt[HUB_BAD_THREADS_EACH] = {
        "server/read%d", "server/write%d", "client%d/recv", "client%d/send"};
    int each = hub_threads(h) / h->n;
    struct run_thread *t = h->thread;
    int i = 0;
    int k = 0;

    snprintf(t->name, sizeof t->name, "server/hub");
    t->fn = h->bad != HUB_BAD_NONE ? hub_bad_loop : hub_loop;
    t->arg = h;
    for (i = 0; i < h->n; i++) {
        h->args[i].h = h;
        h->args[i].i = i;
        for (k = 0; k < each; k++) {
            int f = each == HUB_THREADS_EACH && k > 0 ? k + 1 : k;

            t++;
            snprintf(t->name, sizeof t->name, fmt[f], i + 1);
            t->fn = h->bad != HUB_BAD_NONE ? hub_bad_fn(k) : fns[k];
            t->arg = &h->args[i];
        }
    }
}

size_t hub_holds(const struct scenario *sc, const struct scenario_options *o)
{
    size_t frame = FRAME_HEADER_LEN + 5; /* "c1 m1" */
    size_t holds = call_holds(sc, o, frame);

    return holds != call_capacity(sc, o) ? holds : hub_capacity(sc, o);
}

/*
 * The messages a slow client 1 needs from each of the others: more than
 * it can hold (see hub_bad_check), or HUB_BAD_MESSAGES if that is more.
 */
static int hub_slow_messages(const struct scenario *sc,
                             const struct scenario_options *o)
{
    int n = o->clients > 0 ? o->clients : SCENARIO_HUB_CLIENTS;
    size_t need = HUB_OUTBOX + 4 + hub_holds(sc, o) / (FRAME_HEADER_LEN + 5);
    size_t each = n > 1 ? (need + (size_t)n - 2) / (size_t)(n - 1) : need;

    return each > HUB_BAD_MESSAGES ? (int)each : HUB_BAD_MESSAGES;
}

int hub_messages(const struct scenario *sc, const struct scenario_options *o)
{
    if (o->messages == 0 && o->bad_client != NULL &&
        strcmp(o->bad_client, "slow") == 0)
        return hub_slow_messages(sc, o);
    if (o->messages == 0 && o->bad_client != NULL)
        return HUB_BAD_MESSAGES;
    return call_messages(sc, o);
}

size_t hub_capacity(const struct scenario *sc, const struct scenario_options *o)
{
    if (o->capacity == 0 && o->bad_client != NULL)
        return HUB_BAD_CAPACITY;
    return call_capacity(sc, o);
}

/* The tables only a run with a bad client has. Returns 0 when out of
 * memory. */
static int hub_create_bad(struct hub *h, const struct scenario_options *o)
{
    size_t n = (size_t)h->n;
    size_t i = 0;

    if (h->bad == HUB_BAD_NONE)
        return 1;
    h->os = o->os;
    h->slow_ns = (int64_t)(o->os ? hub_slow_os_ms : HUB_SLOW_MS) * 1000000;
    h->shutdown_ns = (o->timeout_ms > 0   ? o->timeout_ms
                      : o->os ? HUB_SHUTDOWN_OS_MS
                              : HUB_SHUTDOWN_MS) *
                     (int64_t)1000000;
    h->outbox_cap = hub_outbox_cap(h->n);
    h->out = calloc(n, sizeof *h->out);
    h->outbox_items = calloc(n * h->outbox_cap, sizeof *h->outbox_items);
    h->written = calloc(n, sizeof *h->written);
    h->forgotten = calloc(n, sizeof *h->forgotten);
    h->wrote_all = calloc(n, sizeof *h->wrote_all);
    h->cut = calloc(n, sizeof *h->cut);
    h->left_seen = calloc(n * n, sizeof *h->left_seen);
    h->announce = calloc(n, sizeof *h->announce);
    if (h->out == NULL || h->outbox_items == NULL)
        return 0;
    for (i = 0; i < n; i++)
        h->out[i].item = h->outbox_items + i * h->outbox_cap;
    return h->written != NULL && h->forgotten != NULL &&
           h->wrote_all != NULL && h->cut != NULL &&
           h->left_seen != NULL && h->announce != NULL;
}

/*
 * The clients' calls. On a wire with connections (h2), HUB_CALLS_PER_CONN
 * clients' calls share one connection, as a server's clients multiplex
 * their calls: the first call of each group makes the connection, the
 * others open their streams on it (ids 1, 3, 5, ...), with grpc-go's
 * window policy (the connection's window given back as data arrives, so
 * a client that stops reading holds only its own stream's window).
 */
static enum status hub_create_streams(struct hub *h,
                                      const struct stream_options *base)
{
    struct stream_options so = *base;
    struct wire_type shared;
    enum status st = STATUS_OK;
    int i = 0;

    for (i = 0; i < h->n && st == STATUS_OK; i++) {
        if (i % HUB_CALLS_PER_CONN == 0)
            so.wire = base->wire; /* a new connection */
        st = stream_create(NULL, &so, &h->s[i]);
        if (st == STATUS_OK && i % HUB_CALLS_PER_CONN == 0 &&
            wire_share(stream_wire(h->s[i]), 0, &shared) == STATUS_OK) {
            so.wire = &shared; /* the next ones join it */
            h->conns++;
        }
    }
    return st;
}

/*
 * Sets h up for a run of sc with o: its tables, its n calls and its list
 * of threads; on failure says so in h->starts.why. Whatever it did,
 * hub_free undoes. Returns STATUS_OK or STATUS_RESOURCE_EXHAUSTED.
 */
static enum status hub_create(struct hub *h, const struct scenario *sc,
                              const struct scenario_options *o,
                              struct scenario_result *r)
{
    struct stream_options so;
    size_t n = 0;

    memset(h, 0, sizeof *h);
    memset(&so, 0, sizeof so);
    if (hub_bad_parse(o->bad_client, &h->bad) != STATUS_OK)
        h->bad = HUB_BAD_SLOW; /* scenario_check lets no such run through */
    h->n = o->clients > 0 ? o->clients : SCENARIO_HUB_CLIENTS;
    h->m = hub_messages(sc, o);
    h->r = r;
    starts_init(&h->starts, o);
    so.capacity = hub_capacity(sc, o);
    so.trace = h->n <= HUB_TRACED ? o->trace : NULL;
    so.wire = o->wire;
    so.window = o->window;
    so.conn_window = o->conn_window;
    n = (size_t)h->n;
    sched_mutex_init(&h->mu);
    sched_cond_init(&h->readable);
    sched_cond_init(&h->writable);
    sched_cond_init(&h->outbox_ready);
    sched_cond_init(&h->outbox_room);
    if (!hub_create_bad(h, o))
        goto fail;
    h->inbox_cap = hub_inbox_cap(h->n);
    h->inbox = calloc(h->inbox_cap, sizeof *h->inbox);
    h->args = calloc(n, sizeof *h->args);
    h->thread = calloc((size_t)hub_threads(h), sizeof *h->thread);
    h->s = calloc(n, sizeof *h->s);
    h->next_size = hub_next_size(h->m);
    h->next = calloc(n * n, h->next_size);
    h->sent = calloc(n, sizeof *h->sent);
    h->closed = calloc(n, sizeof *h->closed);
    h->got = calloc(n, sizeof *h->got);
    h->client_end = calloc(n, sizeof *h->client_end);
    if (h->inbox == NULL || h->args == NULL || h->thread == NULL ||
        h->s == NULL || h->next == NULL || h->sent == NULL ||
        h->closed == NULL || h->got == NULL || h->client_end == NULL)
        goto fail;
    if (hub_create_streams(h, &so) != STATUS_OK)
        goto fail;
    hub_list_threads(h);
    return STATUS_OK;
fail:
    return status_detail_set(&h->starts.why, STATUS_RESOURCE_EXHAUSTED,
                             "out of memory");
}

static void hub_free(struct hub *h)
{
    int i = 0;

    for (i = 0; h->s != NULL && i < h->n; i++)
        stream_destroy(h->s[i]);
    free(h->s);
    free(h->inbox);
    free(h->next);
    free(h->sent);
    free(h->closed);
    free(h->got);
    free(h->client_end);
    free(h->args);
    free(h->thread);
    free(h->out);
    free(h->outbox_items);
    free(h->written);
    free(h->forgotten);
    free(h->wrote_all);
    free(h->cut);
    free(h->left_seen);
    free(h->announce);
    sched_cond_destroy(&h->outbox_room);
    sched_cond_destroy(&h->outbox_ready);
    sched_cond_destroy(&h->writable);
    sched_cond_destroy(&h->readable);
    sched_mutex_destroy(&h->mu);
}

/* Adds every call's counters into r->stats. */
static void hub_stats(const struct hub *h, struct scenario_result *r)
{
    int i = 0;
    int d = 0;

    for (i = 0; h->s != NULL && i < h->n; i++) {
        struct stream_stats one;

        if (h->s[i] == NULL)
            continue;
        one = stream_get_stats(h->s[i]);
        for (d = 0; d < 2; d++) {
            r->stats.sent[d] += one.sent[d];
            r->stats.received[d] += one.received[d];
            r->stats.bytes_discarded[d] += one.bytes_discarded[d];
            r->stats.write_waits[d] += one.write_waits[d];
            r->stats.read_waits[d] += one.read_waits[d];
        }
    }
}

/* The narration of a run that started every thread: only what it counted. */
static void hub_say(const struct hub *h, struct scenario_result *r,
                    enum status st)
{
    uint64_t want = (uint64_t)h->n * (uint64_t)h->m * (uint64_t)(h->n - 1);
    uint64_t delivered = 0;
    int all_sent = 0;
    int closed = 0;
    int eof = 0;
    int i = 0;

    for (i = 0; i < h->n; i++) {
        all_sent += h->sent[i] == h->m;
        closed += h->closed[i];
        eof += h->client_end[i] == STATUS_EOF;
        delivered += h->got[i];
    }
    if (all_sent == h->n && closed == h->n)
        scenario_say(r,
                     "%d client%s each sent %d message%s on its own "
                     "stream, then CloseSend",
                     h->n, h->n == 1 ? "" : "s", h->m, h->m == 1 ? "" : "s");
    else
        scenario_say(r,
                     "%d of the %d clients sent all %d messages; %d "
                     "called CloseSend",
                     all_sent, h->n, h->m, closed);
    if (h->forwarded == want && delivered == want)
        scenario_say(r,
                     "server/hub sent each to the %d other client%s: %llu "
                     "messages delivered (%d x %d x %d)",
                     h->n - 1, h->n == 2 ? "" : "s",
                     (unsigned long long)h->forwarded, h->n, h->m, h->n - 1);
    else
        scenario_say(r,
                     "server/hub forwarded %llu messages and the clients "
                     "received %llu, of the %llu (%d x %d x %d) a whole "
                     "run delivers",
                     (unsigned long long)h->forwarded,
                     (unsigned long long)delivered, (unsigned long long)want,
                     h->n, h->m, h->n - 1);
    if (st == STATUS_OK && eof == h->n && delivered == want &&
        r->broken[0] == '\0')
        scenario_say(r, "every client got every other client's messages "
                        "once, each sender's in order, then EOF");
    else
        scenario_say(r,
                     "%d of the %d clients got to EOF; the run ended "
                     "with %s",
                     eof, h->n, status_name(st));
}

static long hub_peak_rss_kib(void)
{
    struct rusage ru;

    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

/* What the run left out (the timeline) and, on real threads, its cost. */
static void hub_say_costs(const struct hub *h, const struct scenario_options *o,
                          struct scenario_result *r, int64_t t0)
{
    if (h->n > HUB_TRACED && o->trace != NULL)
        scenario_say(r, "(no timeline with more than %d clients)", HUB_TRACED);
    if (o->os && h->conns > 0)
        scenario_say(r,
                     "%d thread%s and %d streams on %d connection%s (%d "
                     "threads more: a reader and a writer at each end); "
                     "wall time %.1f ms; peak RSS %.1f MiB",
                     h->starts.started, h->starts.started == 1 ? "" : "s", h->n,
                     h->conns, h->conns == 1 ? "" : "s",
                     h->conns * HUB_CONN_THREADS,
                     (double)(sched_now_ns() - t0) / 1e6,
                     (double)hub_peak_rss_kib() / 1024);
    else if (o->os)
        scenario_say(r,
                     "%d thread%s and %d streams; wall time %.1f ms; "
                     "peak RSS %.1f MiB",
                     h->starts.started, h->starts.started == 1 ? "" : "s", h->n,
                     (double)(sched_now_ns() - t0) / 1e6,
                     (double)hub_peak_rss_kib() / 1024);
}

static enum status run_hub(const struct scenario *sc,
                           const struct scenario_options *o,
                           struct scenario_result *r)
{
    struct hub h;
    int64_t t0 = sched_now_ns();
    enum status st = hub_create(&h, sc, o, r);

    if (st == STATUS_OK)
        st = run_threads(&h.starts, h.thread, (size_t)hub_threads(&h),
                         hub_abort_run, &h);
    else
        hub_abort(&h);
    hub_stats(&h, r);
    st = starts_finish(&h.starts, r, hub_threads(&h), st);
    if (h.starts.started == hub_threads(&h) && h.bad != HUB_BAD_NONE) {
        if (st == STATUS_OK)
            hub_bad_check_run(&h);
        hub_bad_say(&h, r, st);
    } else if (h.starts.started == hub_threads(&h)) {
        if (st == STATUS_OK)
            hub_check(&h);
        hub_say(&h, r, st);
    }
    hub_say_costs(&h, o, r, t0);
    hub_free(&h);
    return st;
}

int hub_sim_max(const struct scenario_options *o, int each)
{
    int conn = o->wire != NULL && strcmp(o->wire->name, "raw") != 0
                   ? HUB_CONN_THREADS
                   : 0;

    return (SCHED_SIM_MAX_THREADS - 2 - conn) / each;
}

/*
 * A simulated hub runs its threads as fibers: at most SCENARIO_HUB_SIM_MAX
 * clients, fewer on h2 (the connection's threads) and with a bad client
 * (hub_bad_check).
 */
static enum status check_clients(const struct scenario *sc,
                                 const struct scenario_options *o,
                                 struct status_detail *why)
{
    if (o->bad_client != NULL)
        return hub_bad_check(sc, o, why);
    if (!o->os && o->clients > hub_sim_max(o, HUB_THREADS_EACH))
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "a simulated hub has at most %d clients "
                                 "(3 threads each%s); use --os for more",
                                 hub_sim_max(o, HUB_THREADS_EACH),
                                 hub_sim_max(o, 1) < SCENARIO_HUB_SIM_MAX * 3
                                     ? ", and the connection's 4"
                                     : "");
    return STATUS_OK;
}

/*
 * For explore: a slow client 1 needs more messages than it can hold (as
 * a run's default has); the others need no more than explore's default.
 */
static int hub_needed_messages(const struct scenario *sc,
                               const struct scenario_options *o)
{
    if (o->bad_client != NULL && strcmp(o->bad_client, "slow") == 0)
        return hub_slow_messages(sc, o);
    return sc->min_messages;
}

/* Some client received a message before it sent its own first one. */
static int heard_before_speaking(const struct scenario_progress *p)
{
    char recv[SCHED_NAME_MAX], send[SCHED_NAME_MAX];
    int i = 0;

    for (i = 1; i <= SCENARIO_HUB_SIM_MAX; i++) {
        snprintf(recv, sizeof recv, "client%d/recv", i);
        snprintf(send, sizeof send, "client%d/send", i);
        if (challenge_before(challenge_find(p, 0, TRACE_RECV, recv),
                             challenge_find(p, 0, TRACE_SEND, send)))
            return 1;
    }
    return 0;
}

/* 1 when event e is a message who received that holds text. */
static int received(const struct trace_event *e, const char *who,
                    const char *text)
{
    return e->kind == TRACE_RECV && strcmp(e->thread, who) == 0 &&
           strstr(e->text, text) != NULL;
}

/*
 * Some client heard "c1 left" before any of client 1's messages: client 1
 * cancelled before the hub's reader took what it had sent, and the
 * cancel threw that away.
 */
static int told_left_first(const struct scenario_progress *p)
{
    char who[SCHED_NAME_MAX];
    size_t i = 0;
    int k = 0;

    for (k = 2; k <= SCENARIO_HUB_SIM_MAX; k++) {
        snprintf(who, sizeof who, "client%d/recv", k);
        for (i = 0; i < p->nevents; i++) {
            const struct trace_event *e = trace_event_at(p->trace, i);

            if (received(e, who, "\"c1 m"))
                break;
            if (received(e, who, "\"c1 left"))
                return 1;
        }
    }
    return 0;
}

/* The goals of `duplex step hub` (see scenario.h). */
static const struct scenario_challenge hub_challenges[] = {
    {"heard-first",
     "make a client receive a message before it has sent its own first one", 0,
     heard_before_speaking},
    {"lost-on-leave",
     "make a client hear \"c1 left\" before any of client 1's messages: "
     "its cancel loses what the hub had not read",
     0, told_left_first},
    {NULL, NULL, 0, NULL},
};

/* The --bad-client run each of hub_challenges is a goal of. */
static const char *const hub_challenge_bad_client[] = {NULL, "leave", NULL};

const struct scenario scenario_hub = {
    .name = "hub",
    .summary = "a chat hub: N clients, each message to every other client",
    .default_messages = 2,
    .default_capacity = 4096,
    .expected = SCENARIO_EXIT_OK,
    .takes_clients = 1,
    .body = run_hub,
    .check = check_clients,
    .needed_messages = hub_needed_messages,
    .challenges = hub_challenges,
    .challenge_bad_client = hub_challenge_bad_client,
};

/*
 * collaborate: the collaborative session. Two clients edit one document,
 * each on its own stream to the server. Every operation goes through the
 * server, which gives it the next sequence number, ACKs the sender
 * ("ACK 3") and broadcasts it to the other client ("OP 3 B1"). Client 1's
 * operations are A1..An, client 2's B1..Bn (n: --messages).
 *
 * Order holds per direction: each client's operations reach the server in
 * the order it sent them, and each client receives what the server sends
 * it in sequence order. Across the two clients nothing orders them: how
 * A and B interleave depends on the schedule (the seed). The sequence
 * numbers give every client the same order anyway: each client files its
 * own operations by their ACKs and the others' by their OP numbers, and
 * ends with the server's log.
 *
 * Design
 *   Two streams through run_threads: "server1" and "server2" each read one
 *   client's stream; the sequencer (one mutex) gives the number and sends
 *   the ACK and the broadcast while it holds it, so every stream's s2c
 *   carries numbers in order and no stream has two senders at once.
 *   Each client has "clientK/send" (its operations, then CloseSend once
 *   clientK/recv has everything: the session ends when the client is up
 *   to date) and "clientK/recv" (files each message by its number). A
 *   server thread finishes its stream on EOF: by then its client has read
 *   every operation, so no broadcast is left for that stream. A thread
 *   that cannot start ends the run: collab_abort cancels both streams and
 *   wakes every waiter.
 */
#include <stdlib.h>

#include "core/trace.h"
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/registry.h"

#define CO_CLIENTS 2

/* Room for one operation's name ("A12"). */
#define CO_OP_MAX 16

/* Operations a report lists before it says "...". */
#define CO_SHOW 12

struct co_client {
    struct stream *s;
    /* clientK/recv's view, under mu */
    struct sched_mutex mu;
    struct sched_cond changed;
    int got;          /* messages read (ACKs and OPs) */
    int over;         /* clientK/recv returned */
    int acks;         /* own operations ACKed */
    int out_of_order; /* a number not above the one before */
    int unknown;      /* messages that were neither ACK nor OP */
    int last_seq;
    char (*log)[CO_OP_MAX]; /* by sequence number - 1 */
    /* the ends */
    int sent;
    int closed_send;
    enum status send_end, recv_end, server_end;
    struct status_detail why;
};

struct collab {
    struct scenario_result *r;
    int n;                  /* operations per client */
    struct sched_mutex seq; /* the sequencer: guards what follows */
    int next;               /* numbers given */
    char (*log)[CO_OP_MAX]; /* the server's order */
    struct co_client cl[CO_CLIENTS];
    struct starts starts;
    struct run_thread thread[3 * CO_CLIENTS];
};

/* The name of client k's operation i (from 0): "A1", "B3". */
static void co_op_name(int k, int i, char *out)
{
    snprintf(out, CO_OP_MAX, "%c%d", 'A' + k, i + 1);
}

/* Marks client k's reader returned, waking its sender. */
static void co_recv_over(struct co_client *c)
{
    sched_mutex_lock(&c->mu);
    c->over = 1;
    sched_cond_broadcast(&c->changed);
    sched_mutex_unlock(&c->mu);
}

/* Under the sequencer: the next number, the ACK and the broadcast. */
static enum status co_sequence(struct collab *co, int k,
                               const struct frame_msg *m)
{
    char text[CALL_TEXT_MAX];
    enum status st = STATUS_OK;
    int len = 0;
    int j = 0;
    int seq = 0;

    sched_mutex_lock(&co->seq);
    seq = ++co->next;
    snprintf(co->log[seq - 1], CO_OP_MAX, "%.*s",
             (int)(m->length < CO_OP_MAX - 1 ? m->length : CO_OP_MAX - 1),
             (const char *)m->data);
    for (j = 0; j < CO_CLIENTS && st == STATUS_OK; j++) {
        if (j == k)
            len = snprintf(text, sizeof text, "ACK %d", seq);
        else
            len =
                snprintf(text, sizeof text, "OP %d %s", seq, co->log[seq - 1]);
        st = stream_send(stream_server(co->cl[j].s), text, (size_t)len,
                         &co->cl[k].why);
    }
    sched_mutex_unlock(&co->seq);
    return st;
}

/* serverK: sequences client k's operations, finishes on its EOF. */
static enum status co_server(struct collab *co, int k)
{
    struct co_client *c = &co->cl[k];
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_server(c->s), &msg, &c->why)) ==
           STATUS_OK) {
        st = co_sequence(co, k, &msg);
        if (st != STATUS_OK)
            break;
    }
    if (st == STATUS_EOF)
        st = stream_finish(stream_server(c->s), STATUS_OK, NULL);
    c->server_end = st;
    frame_msg_free(&msg);
    return st;
}

/* clientK/send: its operations, then CloseSend once it is up to date. */
static enum status co_sender(struct collab *co, int k)
{
    struct co_client *c = &co->cl[k];
    struct status_detail why;
    char op[CO_OP_MAX];
    enum status st = STATUS_OK;

    for (; c->sent < co->n && st == STATUS_OK; c->sent++) {
        co_op_name(k, c->sent, op);
        st = stream_send(stream_client(c->s), op, strlen(op), &why);
    }
    if (st == STATUS_OK) {
        sched_mutex_lock(&c->mu);
        while (c->got < CO_CLIENTS * co->n && !c->over)
            sched_cond_wait(&c->changed, &c->mu);
        sched_mutex_unlock(&c->mu);
        st = stream_close_send(stream_client(c->s));
        c->closed_send = st == STATUS_OK;
    }
    c->send_end = st;
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* Files one message of client k's stream by its number. */
static void co_file(struct collab *co, int k, const struct frame_msg *m)
{
    struct co_client *c = &co->cl[k];
    char text[CALL_TEXT_MAX];
    char op[CO_OP_MAX] = "";
    size_t len = m->length < sizeof text - 1 ? m->length : sizeof text - 1;
    int seq = 0;

    memcpy(text, m->data, len);
    text[len] = '\0';
    if (sscanf(text, "ACK %d", &seq) == 1)
        co_op_name(k, c->acks++, op);
    else if (sscanf(text, "OP %d %15s", &seq, op) != 2)
        seq = 0;
    if (seq < 1 || seq > CO_CLIENTS * co->n) {
        c->unknown++;
        return;
    }
    snprintf(c->log[seq - 1], CO_OP_MAX, "%s", op);
    c->out_of_order += seq <= c->last_seq;
    c->last_seq = seq;
}

/* clientK/recv: every ACK and OP, until EOF. */
static enum status co_receiver(struct collab *co, int k)
{
    struct co_client *c = &co->cl[k];
    struct status_detail why;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_client(c->s), &msg, &why)) == STATUS_OK) {
        co_file(co, k, &msg);
        sched_mutex_lock(&c->mu);
        c->got++;
        sched_cond_broadcast(&c->changed);
        sched_mutex_unlock(&c->mu);
    }
    c->recv_end = st;
    co_recv_over(c);
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

static enum status co_server1(void *arg)
{
    return co_server(arg, 0);
}
static enum status co_server2(void *arg)
{
    return co_server(arg, 1);
}
static enum status co_send1(void *arg)
{
    return co_sender(arg, 0);
}
static enum status co_send2(void *arg)
{
    return co_sender(arg, 1);
}
static enum status co_recv1(void *arg)
{
    return co_receiver(arg, 0);
}
static enum status co_recv2(void *arg)
{
    return co_receiver(arg, 1);
}

/* collab_abort, as run_threads calls it: every waiter leaves. */
static void co_abort(void *arg)
{
    struct collab *co = arg;
    int k = 0;

    for (k = 0; k < CO_CLIENTS; k++) {
        stream_cancel(stream_client(co->cl[k].s));
        co_recv_over(&co->cl[k]);
    }
}

/* Sets co up; STATUS_RESOURCE_EXHAUSTED when there is no memory. */
static enum status co_init(struct collab *co, const struct scenario *scn,
                           const struct scenario_options *o,
                           struct scenario_result *r)
{
    static const struct {
        const char *name;
        sched_fn fn;
    } threads[] = {{"server1", co_server1},    {"server2", co_server2},
                   {"client1/recv", co_recv1}, {"client2/recv", co_recv2},
                   {"client1/send", co_send1}, {"client2/send", co_send2}};
    struct stream_options so;
    enum status st = STATUS_OK;
    size_t total = 0;
    int i = 0;

    memset(co, 0, sizeof *co);
    co->r = r;
    co->n = call_messages(scn, o);
    total = (size_t)CO_CLIENTS * (size_t)co->n;
    sched_mutex_init(&co->seq);
    starts_init(&co->starts, o);
    for (i = 0; i < 3 * CO_CLIENTS; i++) {
        snprintf(co->thread[i].name, sizeof co->thread[i].name, "%s",
                 threads[i].name);
        co->thread[i].fn = threads[i].fn;
        co->thread[i].arg = co;
    }
    memset(&so, 0, sizeof so);
    so.capacity = call_capacity(scn, o);
    so.trace = o->trace;
    so.wire = o->wire;
    so.window = o->window;
    so.conn_window = o->conn_window;
    co->log = calloc(total, sizeof *co->log);
    if (co->log == NULL)
        st = STATUS_RESOURCE_EXHAUSTED;
    for (i = 0; i < CO_CLIENTS; i++) {
        sched_mutex_init(&co->cl[i].mu);
        sched_cond_init(&co->cl[i].changed);
        co->cl[i].log = calloc(total, sizeof *co->cl[i].log);
        if (co->cl[i].log == NULL)
            st = STATUS_RESOURCE_EXHAUSTED;
        if (st == STATUS_OK)
            st = stream_create(NULL, &so, &co->cl[i].s);
    }
    return st;
}

static void co_free(struct collab *co)
{
    int i = 0;

    for (i = 0; i < CO_CLIENTS; i++) {
        if (co->cl[i].s != NULL)
            stream_destroy(co->cl[i].s);
        free(co->cl[i].log);
        sched_cond_destroy(&co->cl[i].changed);
        sched_mutex_destroy(&co->cl[i].mu);
    }
    free(co->log);
    sched_mutex_destroy(&co->seq);
}

/* The first CO_SHOW names of log, space-separated, then "..." if more. */
static void co_order(const struct collab *co, char (*log)[CO_OP_MAX], char *out,
                     size_t cap)
{
    int total = CO_CLIENTS * co->n;
    size_t used = 0;
    int i = 0;

    out[0] = '\0';
    for (i = 0; i < total && i < CO_SHOW && used < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s",
                                 i > 0 ? " " : "", log[i]);
    if (total > CO_SHOW && used < cap)
        snprintf(out + used, cap - used, " ...");
}

/* 1 when client k's own operations have increasing numbers in log. */
static int co_in_send_order(const struct collab *co, int k)
{
    char op[CO_OP_MAX];
    int i = 0;
    int next = 0;

    for (i = 0; i < CO_CLIENTS * co->n; i++) {
        co_op_name(k, next, op);
        next += strcmp(co->log[i], op) == 0;
    }
    return next == co->n;
}

static void co_check(struct collab *co, struct scenario_result *r)
{
    size_t bytes = (size_t)CO_CLIENTS * (size_t)co->n * CO_OP_MAX;
    int k = 0;

    if (co->next != CO_CLIENTS * co->n)
        broken(r, "the server sequenced %d operations of %d", co->next,
               CO_CLIENTS * co->n);
    for (k = 0; k < CO_CLIENTS; k++) {
        const struct co_client *c = &co->cl[k];

        if (!co_in_send_order(co, k))
            broken(r, "client%d's operations lost their order", k + 1);
        if (c->unknown > 0)
            broken(r, "client%d/recv read %d messages neither ACK nor OP",
                   k + 1, c->unknown);
        if (c->out_of_order > 0)
            broken(r,
                   "client%d/recv read a number not above the one "
                   "before %d times",
                   k + 1, c->out_of_order);
        if (memcmp(c->log, co->log, bytes) != 0)
            broken(r, "client%d's order differs from the server's", k + 1);
    }
}

static void co_say(struct collab *co, struct scenario_result *r)
{
    char order[CO_SHOW * CO_OP_MAX + 8];
    int k = 0;

    co_order(co, co->log, order, sizeof order);
    scenario_say(r, "server sequenced %d operations: %s", co->next, order);
    for (k = 0; k < CO_CLIENTS; k++) {
        const struct co_client *c = &co->cl[k];

        co_order(co, c->log, order, sizeof order);
        scenario_say(r,
                     "client%d sent %d, read %d (%d ACKs), %s; by number: "
                     "%s",
                     k + 1, c->sent, c->got, c->acks,
                     c->closed_send ? "then CloseSend" : "no CloseSend", order);
    }
    if (r->broken[0] == '\0' && co->next == CO_CLIENTS * co->n)
        scenario_say(r, "each client's operations kept their order; every "
                        "client has the server's order");
}

static enum status run_collaborate(const struct scenario *scn,
                                   const struct scenario_options *o,
                                   struct scenario_result *r)
{
    struct collab co;
    enum status st = STATUS_OK;
    int k = 0;

    st = co_init(&co, scn, o, r);
    if (st == STATUS_OK)
        st = run_threads(&co.starts, co.thread, 3 * CO_CLIENTS, co_abort, &co);
    for (k = 0; k < CO_CLIENTS; k++) {
        struct stream_stats one;
        int d = 0;

        if (co.cl[k].s == NULL)
            continue;
        one = stream_get_stats(co.cl[k].s);
        for (d = 0; d < 2; d++) {
            r->stats.sent[d] += one.sent[d];
            r->stats.received[d] += one.received[d];
            r->stats.write_waits[d] += one.write_waits[d];
            r->stats.read_waits[d] += one.read_waits[d];
        }
    }
    st = starts_finish(&co.starts, r, 3 * CO_CLIENTS, st);
    if (co.starts.started == 3 * CO_CLIENTS) {
        if (st == STATUS_OK)
            co_check(&co, r);
        co_say(&co, r);
    }
    co_free(&co);
    return st;
}

/* Client 2's first operation was sequenced before client 1's. */
static int b_first(const struct scenario_progress *p)
{
    return challenge_before(challenge_find(p, 0, TRACE_RECV, "server2"),
                            challenge_find(p, 0, TRACE_RECV, "server1"));
}

/* The goals of `duplex step collaborate` (see scenario.h). */
static const struct scenario_challenge co_challenges[] = {
    {"b-first",
     "make the server sequence client2's B1 before client1's A1 (number 1 "
     "goes to B1)",
     0, b_first},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_collaborate = {
    .name = "collaborate",
    .summary = "the server numbers every client's operations and "
               "broadcasts them: one order for all",
    .default_messages = 3,
    .min_messages = 2,
    .default_capacity = 256,
    .expected = SCENARIO_EXIT_OK,
    .body = run_collaborate,
    .challenges = co_challenges,
};

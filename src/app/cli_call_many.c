/*
 * cli_call_many: many calls on one connection, and many senders on one
 * call, against a real gRPC server (see cli_call_many.h).
 *
 * Design
 *   --calls N is what a grpc-go ClientConn does: one TCP connection, one
 *   HTTP/2 stream per call (1, 3, 5, ...), all open at once. The
 *   connection is h2_peer_conn's client side; each call is a stream on
 *   it, run by its own thread (client/call) and its own sender
 *   (client/send), so the calls' frames interleave on the one
 *   connection. The calls wait at a start line until all N are open,
 *   so N streams are open at once whatever the timing; the summary
 *   counts how many were, as it saw them. Each call's messages name it
 *   ("call 7: hello"), so a reply that went to the wrong call shows.
 *   No timelines: N of them would bury the result; the lines say what
 *   each call counted.
 *
 *   --senders N is grpc-go's documented misuse, two goroutines calling
 *   SendMsg on one stream, on a real wire: N threads send on the one
 *   call at once. On HTTP/2 a send queues its whole message (the
 *   5-byte header and the payload) under the connection's lock, and
 *   the writer cuts DATA frames from that queue, so no message is torn;
 *   the senders' messages interleave in whatever order the threads ran.
 *   The raw wire (`duplex run concurrent-senders`) writes a frame as two
 *   pipe writes, and there the senders tear each other's frames. The
 *   run reports what came back, and only that: how many replies were
 *   the echo of one whole message, whether each sender's kept its
 *   order, and how often they switched from one sender to another.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli_call_many.h"
#include "core/sched.h"
#include "core/stream.h"
#include "core/trace.h"
#include "h2/h2_peer_conn.h"
#include "h2/h2_wire.h"
#include "scenarios/call.h"
#include "view/timeline.h"

/* ---- --calls N: N calls at once on one connection ---------------------- */

struct many {
    const struct call_many_args *args;
    struct h2_conn *conn;
    struct sched_mutex mu;
    struct sched_cond all_open;
    int arrived;    /* calls at the start line */
    int open, most; /* calls open now, and at most at once */
};

struct one_call {
    struct many *m;
    int no; /* 1..N */
    struct stream *s;
    struct sched_thread thread;
    int32_t id;
    int sent, got, bad;
    enum status end;
    struct status_detail why;
};

/* Message i of call no: "call 7: hello". */
static int call_text(int no, int i, char *out, size_t cap)
{
    char words[CALL_TEXT_MAX];

    message_text(i, words, sizeof words);
    return snprintf(out, cap, "call %d: %s", no, words);
}

static enum status one_send(void *arg)
{
    struct one_call *k = arg;
    char text[CALL_TEXT_MAX + 16];
    enum status st = STATUS_OK;

    for (k->sent = 0; k->sent < k->m->args->n; k->sent++) {
        int len = call_text(k->no, k->sent, text, sizeof text);

        st = stream_send(stream_client(k->s), text, (size_t)len, NULL);
        if (st != STATUS_OK)
            return st;
    }
    return stream_close_send(stream_client(k->s));
}

static void one_receive(struct one_call *k)
{
    struct frame_msg msg = {0};
    char text[CALL_TEXT_MAX + 16], want[CALL_TEXT_MAX + 24];

    while ((k->end = stream_recv(stream_client(k->s), &msg, &k->why)) ==
           STATUS_OK) {
        call_text(k->no, k->got, text, sizeof text);
        snprintf(want, sizeof want, "echo: %s", text);
        if (k->bad == 0 && !same_text(&msg, want))
            k->bad = k->got + 1;
        k->got++;
    }
    frame_msg_free(&msg);
}

/* A call is at the start line (opened, or failed to): wait for all. */
static void many_start_line(struct many *m, int opened)
{
    sched_mutex_lock(&m->mu);
    m->arrived++;
    if (opened && ++m->open > m->most)
        m->most = m->open;
    sched_cond_broadcast(&m->all_open);
    while (m->arrived < m->args->calls)
        sched_cond_wait(&m->all_open, &m->mu);
    sched_mutex_unlock(&m->mu);
}

/* client/call: opens its stream, waits for the others, runs the echo. */
static enum status one_run(void *arg)
{
    struct one_call *k = arg;
    struct stream_options o;
    struct sched_thread sender;
    enum status st = STATUS_OK;

    memset(&o, 0, sizeof o);
    o.wire = h2_connection_wire_type(k->m->conn);
    o.timeout_ns = k->m->args->timeout_ms * 1000000;
    st = stream_create(NULL, &o, &k->s);
    many_start_line(k->m, st == STATUS_OK);
    if (st != STATUS_OK) {
        k->end = status_detail_set(&k->why, st, "the call did not open");
        return STATUS_OK;
    }
    k->id = h2_wire_stream_id(stream_wire(k->s));
    k->end = sched_thread_start(&sender, "client/send", one_send, k);
    if (k->end == STATUS_OK) {
        one_receive(k);
        sched_thread_join(&sender);
    }
    sched_mutex_lock(&k->m->mu);
    k->m->open--;
    sched_mutex_unlock(&k->m->mu);
    stream_destroy(k->s);
    return STATUS_OK;
}

static int one_ok(const struct one_call *k)
{
    return k->end == STATUS_EOF && k->bad == 0 && k->got == k->sent &&
           k->sent == k->m->args->n;
}

/* A call's line: what it sent and got, and how it ended. */
static void one_say(struct cli *c, const struct one_call *k)
{
    fprintf(c->out, "call %d (stream %d): sent %d, got %d replies, then ",
            k->no, (int)k->id, k->sent, k->got);
    if (k->end == STATUS_EOF)
        fprintf(c->out, "EOF: OK");
    else
        fprintf(c->out, "%s: \"%s\"", status_name(k->end), k->why.text);
    if (k->bad != 0)
        fprintf(c->out, "; reply %d is not the echo of its message %d",
                k->bad, k->bad);
    fprintf(c->out, "\n");
}

/* The summary: what every call counted, and the streams they had. */
static int many_say(struct cli *c, struct many *m, struct one_call *k)
{
    int i = 0, ok = 0;
    int32_t first = 0, last = 0;

    for (i = 0; i < m->args->calls; i++) {
        one_say(c, &k[i]);
        ok += one_ok(&k[i]);
        if (k[i].id > 0 && (first == 0 || k[i].id < first))
            first = k[i].id;
        if (k[i].id > last)
            last = k[i].id;
    }
    fprintf(c->out, "%d calls on 1 connection: %d ended OK with every echo "
                    "right, %d did not (streams %d to %d, %d open at "
                    "once)\n",
            m->args->calls, ok, m->args->calls - ok, (int)first, (int)last,
            m->most);
    return ok == m->args->calls ? 0 : 1;
}

int call_many(struct cli *c, const struct call_many_args *a, int fd,
              struct cli_capture *cap)
{
    struct many m;
    struct one_call *k = calloc((size_t)a->calls, sizeof *k);
    enum status st = STATUS_OK;
    int i = 0, started = 0, code = 1;

    memset(&m, 0, sizeof m);
    m.args = a;
    if (cli_capture_begin(cap, fd) != STATUS_OK)
        fprintf(c->err, "duplex call: the connection is not captured\n");
    st = k == NULL ? STATUS_RESOURCE_EXHAUSTED
                   : h2_peer_conn_create(NULL, fd, H2_PEER_CLIENT, NULL,
                                         &m.conn);
    if (k == NULL)
        close(fd);
    if (st != STATUS_OK) {
        fprintf(c->err, "duplex call: %s\n", status_name(st));
        cli_capture_end(cap);
        free(k);
        return 1;
    }
    sched_mutex_init(&m.mu);
    sched_cond_init(&m.all_open);
    fprintf(c->out, "duplex call %s echo --calls %d: /chat.ChatService/Chat\n",
            a->addr, a->calls);
    fflush(c->out);
    for (i = 0; i < a->calls; i++) {
        k[i].m = &m;
        k[i].no = i + 1;
        if (sched_thread_start(&k[i].thread, "client/call", one_run, &k[i]) !=
            STATUS_OK)
            break;
        started++;
    }
    if (started < a->calls) { /* the others would wait for it forever */
        fprintf(c->err, "duplex call: only %d threads started\n", started);
        sched_mutex_lock(&m.mu);
        m.arrived += a->calls - started;
        sched_cond_broadcast(&m.all_open);
        sched_mutex_unlock(&m.mu);
    }
    for (i = 0; i < started; i++)
        sched_thread_join(&k[i].thread);
    h2_peer_conn_destroy(m.conn);
    cli_capture_end(cap);
    if (started == a->calls)
        code = many_say(c, &m, k);
    sched_cond_destroy(&m.all_open);
    sched_mutex_destroy(&m.mu);
    free(k);
    return code;
}

/* ---- --senders N: N threads sending on one call ------------------------ */

struct senders {
    const struct call_many_args *args;
    struct stream *s;
    int sent[CALL_SENDERS_MAX];
    enum status sent_end[CALL_SENDERS_MAX];
    char (*replies)[CALL_TEXT_MAX]; /* what came back, in order */
    int got, cap;
    enum status end;
    struct status_detail why;
    struct sched_mutex mu; /* the senders' start line */
    struct sched_cond go;
    int ready;
};

struct sender {
    struct senders *r;
    int k; /* 1..N */
};

static enum status sender_run(void *arg)
{
    struct sender *me = arg;
    struct senders *r = me->r;
    char text[CALL_TEXT_MAX];
    int i = 0;

    /* All start together, so that they do send at once. */
    sched_mutex_lock(&r->mu);
    r->ready++;
    sched_cond_broadcast(&r->go);
    while (r->ready < r->args->senders)
        sched_cond_wait(&r->go, &r->mu);
    sched_mutex_unlock(&r->mu);
    for (i = 0; i < r->args->n; i++) {
        int len = snprintf(text, sizeof text, "sender %d message %d", me->k,
                           i + 1);

        r->sent_end[me->k - 1] =
            stream_send(stream_client(r->s), text, (size_t)len, NULL);
        if (r->sent_end[me->k - 1] != STATUS_OK)
            break;
        r->sent[me->k - 1]++;
    }
    return STATUS_OK;
}

/* client/recv: keeps every reply (cut to CALL_TEXT_MAX - 1 bytes). */
static enum status senders_receive(void *arg)
{
    struct senders *r = arg;
    struct frame_msg msg = {0};

    while ((r->end = stream_recv(stream_client(r->s), &msg, &r->why)) ==
           STATUS_OK) {
        size_t n = msg.length < CALL_TEXT_MAX - 1 ? msg.length
                                                  : CALL_TEXT_MAX - 1;

        if (r->got < r->cap) {
            memcpy(r->replies[r->got], msg.data, n);
            r->replies[r->got][n] = '\0';
        }
        r->got++;
    }
    frame_msg_free(&msg);
    return STATUS_OK;
}

/*
 * Reply text: the sender (1..N) and message number (1..n) whose whole
 * echo it is, or 0.
 */
static int whole_echo(const struct senders *r, const char *text, int *msg)
{
    char again[CALL_TEXT_MAX];
    int k = 0, i = 0;

    if (sscanf(text, "echo: sender %d message %d", &k, &i) != 2 || k < 1 ||
        k > r->args->senders || i < 1 || i > r->args->n)
        return 0;
    snprintf(again, sizeof again, "echo: sender %d message %d", k, i);
    *msg = i;
    return strcmp(again, text) == 0 ? k : 0;
}

/* What the replies show. 0 when every message came back whole, once. */
static int senders_judge(struct cli *c, const struct senders *r)
{
    int next[CALL_SENDERS_MAX + 1] = {0}; /* each sender's next message */
    int i = 0, whole = 0, in_order = 1, switches = 0, prev = 0, sent = 0;
    const char *torn = NULL;

    for (i = 0; i < r->args->senders; i++)
        sent += r->sent[i];
    for (i = 0; i < r->got && i < r->cap; i++) {
        int msg = 0, k = whole_echo(r, r->replies[i], &msg);

        if (k == 0) {
            torn = torn != NULL ? torn : r->replies[i];
            continue;
        }
        whole++;
        in_order = in_order && msg == next[k] + 1;
        next[k] = msg;
        switches += prev != 0 && prev != k;
        prev = k;
    }
    fprintf(c->out, "%d of %d replies were the echo of one whole message",
            whole, r->got);
    if (torn != NULL)
        fprintf(c->out, "; the first that was not: \"%s\"", torn);
    fprintf(c->out, "\n%s; the replies switched from one sender's messages "
                    "to another's %d time%s\n",
            in_order ? "each sender's came back in the order it sent them"
                     : "a sender's came back out of its order",
            switches, switches == 1 ? "" : "s");
    /* N senders that took turns once each switch N - 1 times. */
    if (torn == NULL && switches >= r->args->senders)
        fprintf(c->out,
                "interleaved, and none torn: on HTTP/2 a send queues its "
                "whole message under the connection's lock (the raw wire "
                "writes a frame as two writes: `duplex run "
                "concurrent-senders`)\n");
    else if (torn == NULL)
        fprintf(c->out, "none torn, and none interleaved this time: each "
                        "sender's messages came back in one run\n");
    return r->end == STATUS_EOF && torn == NULL && in_order &&
                   whole == sent && r->got == sent
               ? 0
               : 1;
}

/* client/send-1.. and the CloseSend once all are done. */
static void senders_run(struct senders *r)
{
    static const char *const names[CALL_SENDERS_MAX] = {
        "client/send-1", "client/send-2", "client/send-3", "client/send-4",
        "client/send-5", "client/send-6", "client/send-7", "client/send-8"};
    struct sender me[CALL_SENDERS_MAX];
    struct sched_thread t[CALL_SENDERS_MAX], recv;
    int i = 0, started = 0, all_sent = 1;

    if (sched_thread_start(&recv, "client/recv", senders_receive, r) !=
        STATUS_OK) {
        r->end = STATUS_RESOURCE_EXHAUSTED;
        return;
    }
    for (i = 0; i < r->args->senders; i++) {
        me[i].r = r;
        me[i].k = i + 1;
        if (sched_thread_start(&t[i], names[i], sender_run, &me[i]) !=
            STATUS_OK)
            break;
        started++;
    }
    sched_mutex_lock(&r->mu); /* one did not start: the others go */
    r->ready += r->args->senders - started;
    sched_cond_broadcast(&r->go);
    sched_mutex_unlock(&r->mu);
    for (i = 0; i < started; i++)
        sched_thread_join(&t[i]);
    for (i = 0; i < r->args->senders; i++)
        all_sent = all_sent && i < started && r->sent_end[i] == STATUS_OK;
    if (all_sent)
        stream_close_send(stream_client(r->s));
    else
        stream_cancel(stream_client(r->s));
    sched_thread_join(&recv);
}

int call_senders(struct cli *c, const struct call_many_args *a, int fd,
                 struct cli_capture *cap)
{
    struct h2_peer peer = {fd, H2_PEER_CLIENT, ""};
    struct wire_type type = {"h2", h2_peer_wire_create, &peer};
    struct stream_options o;
    struct senders r;
    struct trace *t = trace_create();
    int i = 0, code = 1;

    memset(&o, 0, sizeof o);
    memset(&r, 0, sizeof r);
    r.args = a;
    r.cap = a->senders * a->n;
    r.replies = calloc((size_t)r.cap + 1, sizeof *r.replies);
    o.wire = &type;
    o.trace = t;
    o.timeout_ns = a->timeout_ms * 1000000;
    if (cli_capture_begin(cap, fd) != STATUS_OK)
        fprintf(c->err, "duplex call: the connection is not captured\n");
    if (r.replies == NULL || stream_create(NULL, &o, &r.s) != STATUS_OK) {
        fprintf(c->err, "duplex call: the call did not open\n");
        if (r.replies == NULL)
            close(fd);
        cli_capture_end(cap);
        trace_destroy(t);
        free(r.replies);
        return 1;
    }
    fprintf(c->out, "duplex call %s echo --senders %d: one call, %d threads "
                    "sending on it\n",
            a->addr, a->senders, a->senders);
    fflush(c->out);
    sched_mutex_init(&r.mu);
    sched_cond_init(&r.go);
    senders_run(&r);
    sched_cond_destroy(&r.go);
    sched_mutex_destroy(&r.mu);
    stream_destroy(r.s);
    cli_capture_end(cap);
    timeline_print(t, c->out, c->colour);
    for (i = 0; i < a->senders; i++)
        fprintf(c->out, "client/send-%d sent %d messages%s%s\n", i + 1,
                r.sent[i], r.sent_end[i] == STATUS_OK ? "" : ", then ",
                r.sent_end[i] == STATUS_OK ? "" : status_name(r.sent_end[i]));
    if (r.end == STATUS_EOF)
        fprintf(c->out, "client/recv got %d replies, then EOF: the server "
                        "finished the call with OK\n",
                r.got);
    else
        fprintf(c->out, "client/recv got %d replies, then %s: \"%s\"\n",
                r.got, status_name(r.end), r.why.text);
    code = senders_judge(c, &r);
    trace_destroy(t);
    free(r.replies);
    return code;
}

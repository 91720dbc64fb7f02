/*
 * cli_call_raw: `duplex call HOST:PORT echo --wire raw`, the echo's
 * client on the raw wire over TCP (see cli_raw.h), against `duplex serve
 * --wire raw` or any peer that speaks gRPC's frames bare on a socket.
 *
 * Design
 *   One connection is one call. client/send sends the messages ("hello",
 *   "how are you?", "bye", "message 4", ...) and then CloseSend, which on
 *   this wire is shutdown(SHUT_WR): TCP's FIN after the last byte.
 *   client/recv reads the replies until its read returns 0, the server's
 *   FIN: EOF. Both are threads named as in `run --os`, so the timeline
 *   (microseconds) reads the same. The narration says what this run
 *   counted, and says plainly that the raw wire carries no status: an EOF
 *   is all the client learns, whatever the server finished with.
 *
 *   --size, --cancel-after and --timeout work as on h2 (cli_call.c),
 *   except that a cancel or a deadline resets the connection (close with
 *   SO_LINGER 0: an RST), which the server sees as UNAVAILABLE: TCP
 *   carries no reason. Nothing is sent for --timeout (no grpc-timeout).
 *   Exit: 0 when every echo came back right and then EOF, 1 otherwise,
 *   2 for a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli_capture.h"
#include "app/cli_echo.h"
#include "app/cli_raw.h"
#include "core/sched.h"
#include "core/stream.h"
#include "core/trace.h"
#include "core/wire_socket.h"
#include "h2/h2_socket.h"
#include "scenarios/call.h"
#include "view/timeline.h"

/* What the command line asked for. */
struct raw_args {
    const char *addr;
    int n;                  /* messages to send */
    long long timeout_ms;   /* 0: no deadline */
    long long cancel_after; /* -1: never */
    long long size;         /* -1: the words */
    const char *pcap;       /* --pcap's file, or NULL */
};

/* The call as its two threads saw it. */
struct raw_call {
    struct stream *s;
    const struct raw_args *args;
    int sent;              /* client/send's count */
    enum status sent_end;  /* OK, or why a send failed */
    int closed;            /* CloseSend returned OK */
    int got, bad;          /* client/recv's replies; the first wrong one */
    uint32_t last_len;     /* --size: the last reply's length */
    enum status end;       /* how client/recv's last recv ended */
    struct status_detail why;
    /* --cancel-after: client/send keeps its side open until this. */
    struct sched_mutex mu;
    struct sched_cond over_cond;
    int over;
};

/* The thread client/send. */
static enum status raw_sender(void *arg)
{
    struct raw_call *r = arg;

    for (r->sent = 0; r->sent < r->args->n; r->sent++) {
        r->sent_end = cli_echo_send(stream_client(r->s), r->sent,
                                    r->args->size, NULL);
        if (r->sent_end != STATUS_OK)
            return STATUS_OK;
    }
    if (r->args->cancel_after < 0) {
        r->closed = stream_close_send(stream_client(r->s)) == STATUS_OK;
        return STATUS_OK;
    }
    sched_mutex_lock(&r->mu);
    while (!r->over)
        sched_cond_wait(&r->over_cond, &r->mu);
    sched_mutex_unlock(&r->mu);
    return STATUS_OK;
}

/* One reply: r->bad gets the first that is not the right echo. */
static void raw_check(struct raw_call *r, const struct frame_msg *msg)
{
    char text[CALL_TEXT_MAX], want[CALL_TEXT_MAX + 8];

    if (r->args->size >= 0) {
        r->last_len = msg->length;
        return;
    }
    message_text(r->got, text, sizeof text);
    snprintf(want, sizeof want, "echo: %s", text);
    if (r->bad == 0 && !same_text(msg, want))
        r->bad = r->got + 1;
}

/* The thread client/recv: every reply (or --cancel-after, then cancel). */
static enum status raw_receiver(void *arg)
{
    struct raw_call *r = arg;
    struct frame_msg msg = {0};

    while ((r->end = stream_recv(stream_client(r->s), &msg, &r->why)) ==
           STATUS_OK) {
        raw_check(r, &msg);
        r->got++;
        if (r->got == r->args->cancel_after)
            stream_cancel(stream_client(r->s));
    }
    frame_msg_free(&msg);
    sched_mutex_lock(&r->mu);
    r->over = 1;
    sched_cond_broadcast(&r->over_cond);
    sched_mutex_unlock(&r->mu);
    return STATUS_OK;
}

static int raw_call_parse(struct cli *c, int argc, char **argv,
                          struct raw_args *a)
{
    struct cli_arg arg;
    const char *scenario = NULL;
    int i = 0, code = CLI_CONTINUE;

    for (i = 1; i < argc; i++) {
        code = cli_next_arg(c, &cli_call_command, argc, argv, &i, &arg);
        if (code != CLI_CONTINUE)
            return code;
        if (arg.opt == OPT_MESSAGES)
            a->n = (int)arg.number;
        else if (arg.opt == OPT_TIMEOUT)
            a->timeout_ms = arg.number;
        else if (arg.opt == OPT_CANCEL_AFTER)
            a->cancel_after = arg.number;
        else if (arg.opt == OPT_SIZE)
            a->size = arg.number;
        else if (arg.opt == OPT_PCAP)
            a->pcap = arg.text;
        else if (arg.opt == OPT_CALLS || arg.opt == OPT_SENDERS)
            return cli_usage_error(c, "call", "%s works with --wire h2 only",
                                   arg.opt == OPT_CALLS ? "--calls"
                                                        : "--senders");
        else if (arg.opt == OPT_WIRE)
            continue;
        else if (a->addr == NULL)
            a->addr = arg.text;
        else if (scenario == NULL)
            scenario = arg.text;
        else
            return cli_usage_error(c, "call", "unexpected argument '%s'",
                                   arg.text);
    }
    if (a->addr == NULL || scenario == NULL)
        return cli_usage_error(c, "call", "give HOST:PORT and a scenario");
    if (strcmp(scenario, "chat") == 0)
        return cli_usage_error(c, "call",
                               "chat runs on --wire h2 only (its session "
                               "ends with a status, which the raw wire "
                               "cannot carry)");
    if (strcmp(scenario, "echo") != 0)
        return cli_usage_error(c, "call",
                               "'%s': only echo and chat can call a real "
                               "server",
                               scenario);
    return CLI_CONTINUE;
}

/* client/send's part of the narration. */
static void raw_say_sent(struct cli *c, const struct raw_call *r,
                         const struct wire_socket_stats *ws)
{
    if (r->closed && ws->fin_sent)
        fprintf(c->out, "client/send sent %d messages, then CloseSend:\n"
                        "  shutdown(SHUT_WR), TCP's FIN after the last "
                        "byte\n",
                r->sent);
    else if (r->sent_end != STATUS_OK)
        fprintf(c->out, "client/send sent %d messages, then ended with %s\n",
                r->sent, status_name(r->sent_end));
    else
        fprintf(c->out, "client/send sent %d messages and kept its side "
                        "open\n",
                r->sent);
}

/* The narration: what this run counted. Returns the exit code. */
static int raw_call_say(struct cli *c, const struct raw_call *r,
                        const struct wire_socket_stats *ws)
{
    raw_say_sent(c, r, ws);
    if (r->got > 0 && r->args->size >= 0)
        fprintf(c->out, "the last reply was %lu bytes\n",
                (unsigned long)r->last_len);
    if (r->got > 0 && r->got == r->args->cancel_after)
        fprintf(c->out, "client/recv cancelled the call after %d replies\n",
                r->got);
    if (r->end == STATUS_EOF && ws->fin_read)
        fprintf(c->out, "client/recv got %d replies, then EOF: its read "
                        "returned 0 after the last one\n"
                        "  (the server's FIN; the raw wire carries no "
                        "status)\n",
                r->got);
    else
        fprintf(c->out, "client/recv got %d replies, then %s: \"%s\"\n",
                r->got, status_name(r->end), r->why.text);
    if (ws->reset_sent)
        fprintf(c->out, "client reset the connection: close with "
                        "SO_LINGER 0 (TCP RST)\n");
    if (ws->reset_read)
        fprintf(c->out, "the server reset the connection (TCP RST)\n");
    if (r->bad != 0)
        fprintf(c->out, "reply %d is not the echo of message %d\n", r->bad,
                r->bad);
    else if (r->end == STATUS_EOF && r->got != r->sent)
        fprintf(c->out, "%d replies for %d messages\n", r->got, r->sent);
    return r->end == STATUS_EOF && r->bad == 0 && r->got == r->sent ? 0 : 1;
}

/* Runs client/send and client/recv; both joined when it returns. */
static enum status raw_run_threads(struct raw_call *r)
{
    struct sched_thread sender, receiver;
    enum status st = sched_thread_start(&sender, "client/send", raw_sender, r);

    if (st != STATUS_OK)
        return st;
    st = sched_thread_start(&receiver, "client/recv", raw_receiver, r);
    if (st != STATUS_OK) {
        stream_cancel(stream_client(r->s)); /* client/send must not wait */
        raw_receiver(r);
    } else {
        sched_thread_join(&receiver);
    }
    sched_thread_join(&sender);
    return st;
}

/* The call on a connected socket (the wire owns fd). */
static int raw_call_on(struct cli *c, const struct raw_args *a, int fd,
                       struct cli_capture *cap)
{
    struct wire_socket_peer peer = {fd, WIRE_SOCKET_CLIENT,
                                    cli_capture_begin_raw(cap, fd)};
    struct wire_type type = {"raw", wire_socket_create, &peer};
    struct wire_socket_stats ws;
    struct stream_options o;
    struct raw_call r;
    struct trace *t = trace_create();
    enum status st = STATUS_OK;

    memset(&o, 0, sizeof o);
    memset(&r, 0, sizeof r);
    o.wire = &type;
    o.trace = t;
    o.timeout_ns = a->timeout_ms * 1000000;
    r.args = a;
    st = stream_create(NULL, &o, &r.s);
    if (st != STATUS_OK) {
        fprintf(c->err, "duplex call: %s\n", status_name(st));
        trace_destroy(t);
        return 1;
    }
    sched_mutex_init(&r.mu);
    sched_cond_init(&r.over_cond);
    fprintf(c->out, "duplex call %s echo --wire raw: gRPC frames straight "
                    "on TCP\n",
            a->addr);
    fflush(c->out);
    st = raw_run_threads(&r);
    wire_socket_get_stats(stream_wire(r.s), &ws);
    stream_destroy(r.s);
    sched_cond_destroy(&r.over_cond);
    sched_mutex_destroy(&r.mu);
    timeline_print(t, c->out, c->colour);
    trace_destroy(t);
    if (st != STATUS_OK)
        fprintf(c->err, "duplex call: a thread did not start: %s\n",
                status_name(st));
    return raw_call_say(c, &r, &ws) || st != STATUS_OK;
}

int call_raw(struct cli *c, int argc, char **argv)
{
    struct raw_args a = {NULL, 3, 0, -1, -1, NULL};
    struct cli_capture cap;
    struct status_detail why = {STATUS_OK, ""};
    char host[64];
    uint16_t port = 0;
    int fd = -1;
    int code = raw_call_parse(c, argc, argv, &a);
    enum status st = STATUS_OK;

    if (code != CLI_CONTINUE)
        return code;
    st = h2_socket_parse_addr(a.addr, host, sizeof host, &port, &why);
    if (st == STATUS_OK)
        st = h2_socket_connect(host, port, &fd, &why);
    if (st == STATUS_OK) {
        st = cli_capture_open(&cap, a.pcap, 0, &why);
        if (st != STATUS_OK)
            close(fd);
    }
    if (st != STATUS_OK) {
        fprintf(c->err, "duplex call: %s\n", why.text);
        return st == STATUS_INVALID_ARGUMENT ? CLI_EXIT_USAGE : 1;
    }
    code = raw_call_on(c, &a, fd, &cap);
    if (cli_capture_close(&cap, &why) != STATUS_OK) {
        fprintf(c->err, "duplex call: %s: %s\n", a.pcap, why.text);
        code = 1;
    }
    return code;
}

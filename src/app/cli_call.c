/*
 * cli_call: `duplex call HOST:PORT echo|chat`, the echo or the chat
 * scenario's client against any gRPC server (duplex serve, grpcio,
 * grpc-go), over TCP.
 *
 * Design
 *   One connection, one call, /chat.ChatService/Chat with raw-bytes
 *   messages. The client is the echo's: client/send sends the messages
 *   ("hello", "how are you?", "bye", "message 4", ...) and CloseSend;
 *   client/recv reads the replies until the call ends. The call runs on
 *   the HTTP/2 wire's peer end (h2_peer_wire_create), so the stream API
 *   and the trace are the same as a `run --os --wire h2` run's, and so is
 *   the timeline (microseconds). The narration says what this run saw:
 *   how many messages went and came back, each reply's text against
 *   "echo: <text>", and the call's final status with the server's words.
 *   Exit: 0 when the call ended OK with every echo right, 1 otherwise,
 *   2 for a usage error.
 *
 *   --size BYTES sends messages of BYTES bytes ('x's) instead of the
 *   words, and then each reply is only counted and measured (the server
 *   says what it got in its own way), to try gRPC's 4 MiB limit in both
 *   directions. --cancel-after N cancels the call (RST_STREAM(CANCEL))
 *   once N replies have come; client/send then keeps its side open
 *   instead of CloseSend, so the cancel finds the call still running.
 *   --timeout MS is the call's deadline: grpc-timeout on the wire, and
 *   when it passes the call ends with DEADLINE_EXCEEDED "context deadline
 *   exceeded" and the stream is reset (RST_STREAM(CANCEL)).
 *
 *   --calls N (N calls at once on one connection) and --senders N (N
 *   threads sending on one call) run in cli_call_many.c; this file
 *   parses them and hands the connected socket over.
 *
 *   `chat` runs the chat scenario's client on /chat.ChatService/Session
 *   (cli_call_chat.c): JOIN, the WELCOME, --messages TEXTs, CloseSend,
 *   then every ACK in order and the BYE, each reply checked. It takes
 *   --messages, --timeout and --pcap; the echo's own options
 *   (--cancel-after, --size, --calls, --senders) are a usage error with
 *   it rather than something it would quietly ignore.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli_call_chat.h"
#include "app/cli_call_many.h"
#include "app/cli_capture.h"
#include "app/cli_command.h"
#include "app/cli_echo.h"
#include "app/cli_raw.h"
#include "core/sched.h"
#include "core/stream.h"
#include "core/trace.h"
#include "h2/h2_socket.h"
#include "h2/h2_wire.h"
#include "scenarios/call.h"
#include "scenarios/chat.h"
#include "view/timeline.h"

static const char usage_call[] =
    "usage: duplex call HOST:PORT echo [--messages N] [--timeout MS]\n"
    "                  [--cancel-after N] [--size BYTES] [--pcap FILE]\n"
    "                  [--calls N | --senders N] [--wire h2|raw]\n"
    "       duplex call HOST:PORT chat [--messages N] [--timeout MS]\n"
    "                  [--pcap FILE]\n\n"
    "Runs the echo scenario's client against the gRPC server at HOST:PORT\n"
    "(cleartext HTTP/2, /chat.ChatService/Chat, raw-bytes messages) and\n"
    "prints the call's timeline (microseconds) and what each side did.\n"
    "The server may be `duplex serve` or any gRPC implementation.\n\n"
    "chat runs the chat scenario's client on /chat.ChatService/Session\n"
    "instead: \"JOIN alice\", then (once the WELCOME came) N TEXTs and\n"
    "CloseSend; it checks that the replies are \"WELCOME alice\", \"ACK 1\"\n"
    "to \"ACK N\" in order and \"BYE alice\", then OK, and exits 0 only then.\n"
    "--cancel-after, --size, --calls and --senders are the echo's: a usage\n"
    "error with chat.\n\n"
    "  --messages N   messages to send (default 3; chat: TEXTs)\n"
    "  --timeout MS   the call's deadline, sent as grpc-timeout; when it\n"
    "                 passes: DEADLINE_EXCEEDED and RST_STREAM(CANCEL)\n"
    "  --cancel-after N  cancel the call (RST_STREAM(CANCEL)) after N\n"
    "                 replies; the client does not CloseSend before it\n"
    "  --size BYTES   send messages of BYTES bytes (0 to 64m) instead of\n"
    "                 the words; replies are counted, not checked (gRPC's\n"
    "                 limit is 4m = 4194304 bytes each way)\n"
    "  --pcap FILE    write the connection's packets to FILE (pcap, real\n"
    "                 time), for `tshark -r FILE -d tcp.port==PORT,http2`\n"
    "                 (PORT the server's) or Wireshark\n"
    "  --calls N      N echo calls at once (1 to 100) on ONE connection,\n"
    "                 streams 1, 3, 5, ...: a line per call, then \"N calls\n"
    "                 on 1 connection: K ended OK ...\"; exit 0 only if all\n"
    "                 did (no timelines)\n"
    "  --senders N    N threads (up to 8) call send on the ONE call at once,\n"
    "                 --messages each (\"sender K message I\"); says whether\n"
    "                 every reply was one whole message, each sender's\n"
    "                 order, and how often the senders' messages interleaved\n"
    "  --wire raw     gRPC's frames straight on TCP (duplex serve --wire\n"
    "                 raw): CloseSend is shutdown(SHUT_WR), and EOF is a\n"
    "                 read that returns 0; no status, no --calls or\n"
    "                 --senders (default h2)\n";

static const enum cli_opt call_opts[] = {
    OPT_MESSAGES, OPT_TIMEOUT, OPT_CANCEL_AFTER, OPT_SIZE, OPT_PCAP,
    OPT_CALLS,    OPT_SENDERS, OPT_WIRE,         OPT_END};

/* What the command line asked for. */
struct call_args {
    const char *addr;
    int n;                /* messages to send */
    long long timeout_ms; /* 0: no deadline */
    long long cancel_after; /* -1: never */
    long long size;       /* -1: the words */
    const char *pcap;     /* --pcap's file, or NULL */
    long long calls;      /* --calls: calls at once on the connection */
    long long senders;    /* --senders: threads sending on the call */
    int chat;             /* 1: the chat scenario, 0: the echo */
    const char *echo_only; /* the first echo-only option given, or NULL */
};

struct call_run {
    struct stream *s;
    const struct call_args *args;
    int sent;         /* client/send's count */
    enum status sent_end;
    int closed;       /* CloseSend returned OK */
    /* --cancel-after: client/send waits for client/recv's end. */
    struct sched_mutex mu;
    struct sched_cond over_cond;
    int over;
    uint32_t last_len; /* --size: the last reply's length */
};

static enum status call_sender(void *arg)
{
    struct call_run *r = arg;

    for (r->sent = 0; r->sent < r->args->n; r->sent++) {
        r->sent_end = cli_echo_send(stream_client(r->s), r->sent,
                                    r->args->size, NULL);
        if (r->sent_end != STATUS_OK)
            return r->sent_end;
    }
    if (r->args->cancel_after < 0) {
        r->closed = stream_close_send(stream_client(r->s)) == STATUS_OK;
        return STATUS_OK;
    }
    /* Keeps its side open until client/recv is done (the cancel). */
    sched_mutex_lock(&r->mu);
    while (!r->over)
        sched_cond_wait(&r->over_cond, &r->mu);
    sched_mutex_unlock(&r->mu);
    return STATUS_OK;
}

/* One reply: *bad gets the first that is not the right echo. */
static void call_check(struct call_run *r, const struct frame_msg *msg,
                       int got, int *bad)
{
    char text[CALL_TEXT_MAX], want[CALL_TEXT_MAX + 8];

    if (r->args->size >= 0) {
        r->last_len = msg->length;
        return;
    }
    message_text(got, text, sizeof text);
    snprintf(want, sizeof want, "echo: %s", text);
    if (*bad == 0 && !same_text(msg, want))
        *bad = got + 1;
}

/* Reads every reply (or --cancel-after of them, then cancels). */
static enum status call_receive(struct call_run *r, int *got, int *bad,
                                struct status_detail *why)
{
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_client(r->s), &msg, why)) == STATUS_OK) {
        call_check(r, &msg, *got, bad);
        (*got)++;
        if (*got == r->args->cancel_after)
            stream_cancel(stream_client(r->s));
    }
    frame_msg_free(&msg);
    sched_mutex_lock(&r->mu);
    r->over = 1;
    sched_cond_broadcast(&r->over_cond);
    sched_mutex_unlock(&r->mu);
    return st;
}

/* --calls and --senders: each alone, and not with a single call's. */
static int call_check_many(struct cli *c, const struct call_args *a)
{
    if (a->calls > H2_MAX_CALLS)
        return cli_usage_error(c, "call",
                               "--calls %lld: at most %d calls at once on one "
                               "connection (SETTINGS_MAX_CONCURRENT_STREAMS)",
                               a->calls, H2_MAX_CALLS);
    if (a->calls > 1 && a->senders > 1)
        return cli_usage_error(c, "call",
                               "--calls and --senders: one or the other");
    if ((a->calls > 1 || a->senders > 1) &&
        (a->cancel_after >= 0 || a->size >= 0))
        return cli_usage_error(c, "call",
                               "--calls and --senders send the words: not "
                               "with --cancel-after or --size");
    return CLI_CONTINUE;
}

/* The echo's own options (--cancel-after, --size, --calls, --senders):
 * 1 if arg is one, kept in *a. */
static int call_echo_only(struct call_args *a, const struct cli_arg *arg)
{
    static const char *const names[] = {"--cancel-after", "--size",
                                        "--calls", "--senders"};
    long long *const values[] = {&a->cancel_after, &a->size, &a->calls,
                                 &a->senders};
    static const enum cli_opt opts[] = {OPT_CANCEL_AFTER, OPT_SIZE,
                                        OPT_CALLS, OPT_SENDERS};
    size_t i = 0;

    for (i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        if (arg->opt != opts[i])
            continue;
        *values[i] = arg->number;
        if (a->echo_only == NULL)
            a->echo_only = names[i];
        return 1;
    }
    return 0;
}

static int call_parse(struct cli *c, int argc, char **argv,
                      struct call_args *a)
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
        else if (arg.opt == OPT_PCAP)
            a->pcap = arg.text;
        else if (call_echo_only(a, &arg))
            continue;
        else if (arg.opt == OPT_WIRE && strcmp(arg.text, "raw") == 0)
            return call_raw(c, argc, argv); /* cli_call_raw.c */
        else if (arg.opt == OPT_WIRE) /* h2: this file's */
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
    a->chat = strcmp(scenario, "chat") == 0;
    if (!a->chat && strcmp(scenario, "echo") != 0)
        return cli_usage_error(c, "call",
                               "'%s': only echo and chat can call a real "
                               "server so far",
                               scenario);
    if (a->chat && a->echo_only != NULL)
        return cli_usage_error(c, "call",
                               "%s is the echo's: chat takes --messages, "
                               "--timeout and --pcap",
                               a->echo_only);
    return call_check_many(c, a);
}

/* The narration: what this run counted, and how the call ended. */
static int call_say(struct cli *c, const struct call_run *r, int got, int bad,
                    enum status end, const struct status_detail *why)
{
    if (r->closed)
        fprintf(c->out, "client/send sent %d messages, then CloseSend\n",
                r->sent);
    else if (r->sent_end != STATUS_OK)
        fprintf(c->out, "client/send sent %d messages, then ended with %s\n",
                r->sent, status_name(r->sent_end));
    else
        fprintf(c->out, "client/send sent %d messages and kept its side "
                        "open\n",
                r->sent);
    if (got > 0 && r->args->size >= 0)
        fprintf(c->out, "the last reply was %lu bytes\n",
                (unsigned long)r->last_len);
    if (got > 0 && got == r->args->cancel_after)
        fprintf(c->out, "client/recv cancelled the call after %d replies\n",
                got);
    if (end == STATUS_EOF)
        fprintf(c->out, "client/recv got %d replies, then EOF: the server "
                        "finished the call with OK\n",
                got);
    else
        fprintf(c->out, "client/recv got %d replies, then %s: \"%s\"\n", got,
                status_name(end), why->text);
    if (bad != 0)
        fprintf(c->out, "reply %d is not the echo of message %d\n", bad, bad);
    else if (end == STATUS_EOF && got != r->sent)
        fprintf(c->out, "%d replies for %d messages\n", got, r->sent);
    return end == STATUS_EOF && bad == 0 && got == r->sent ? 0 : 1;
}

/* Runs the call on a connected socket: client/send and client/recv. */
static int call_run_on(struct cli *c, const struct call_args *a, int fd,
                       struct cli_capture *cap)
{
    struct h2_peer peer = {fd, H2_PEER_CLIENT, ""};
    struct wire_type type = {"h2", h2_peer_wire_create, &peer};
    struct stream_options o;
    struct call_run r;
    struct sched_thread sender;
    struct status_detail why = {STATUS_OK, ""};
    struct trace *t = trace_create();
    int got = 0, bad = 0;
    enum status st = STATUS_OK;

    memset(&o, 0, sizeof o);
    memset(&r, 0, sizeof r);
    o.wire = &type;
    o.trace = t;
    o.timeout_ns = a->timeout_ms * 1000000;
    r.args = a;
    if (cli_capture_begin(cap, fd) != STATUS_OK)
        fprintf(c->err, "duplex call: the connection is not captured\n");
    st = stream_create(NULL, &o, &r.s);
    if (st != STATUS_OK) {
        fprintf(c->err, "duplex call: %s\n", status_name(st));
        cli_capture_end(cap);
        trace_destroy(t);
        return 1;
    }
    sched_mutex_init(&r.mu);
    sched_cond_init(&r.over_cond);
    fprintf(c->out, "duplex call %s echo: /chat.ChatService/Chat\n", a->addr);
    fflush(c->out);
    st = sched_thread_start(&sender, "client/send", call_sender, &r);
    if (st == STATUS_OK) {
        st = call_receive(&r, &got, &bad, &why);
        sched_thread_join(&sender);
    }
    stream_destroy(r.s);
    cli_capture_end(cap);
    sched_cond_destroy(&r.over_cond);
    sched_mutex_destroy(&r.mu);
    timeline_print(t, c->out, c->colour);
    trace_destroy(t);
    return call_say(c, &r, got, bad, st, &why);
}

static int call_main(struct cli *c, int argc, char **argv)
{
    struct call_args a = {NULL, 3, 0, -1, -1, NULL, 1, 1, 0, NULL};
    struct call_many_args many;
    struct cli_capture cap;
    struct status_detail why = {STATUS_OK, ""};
    char host[64];
    uint16_t port = 0;
    int fd = -1, code = CLI_CONTINUE;
    enum status st = STATUS_OK;

    code = call_parse(c, argc, argv, &a);
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
    many.addr = a.addr;
    many.calls = (int)a.calls;
    many.senders = (int)a.senders;
    many.n = a.n;
    many.timeout_ms = a.timeout_ms;
    if (a.chat)
        code = call_chat(c, a.addr, a.n, a.timeout_ms, fd, &cap);
    else if (a.calls > 1)
        code = call_many(c, &many, fd, &cap);
    else if (a.senders > 1)
        code = call_senders(c, &many, fd, &cap);
    else
        code = call_run_on(c, &a, fd, &cap);
    if (cli_capture_close(&cap, &why) != STATUS_OK) {
        fprintf(c->err, "duplex call: %s: %s\n", a.pcap, why.text);
        code = 1;
    }
    return code;
}

const struct cli_command cli_call_command = {"call", usage_call, call_opts,
                                             call_main};

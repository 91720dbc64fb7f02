/*
 * cli_call: `duplex call HOST:PORT echo`, the echo scenario's client
 * against any gRPC server (duplex serve, grpcio, grpc-go), over TCP.
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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli_command.h"
#include "core/sched.h"
#include "core/stream.h"
#include "core/trace.h"
#include "h2/h2_socket.h"
#include "h2/h2_wire.h"
#include "scenarios/call.h"
#include "view/timeline.h"

static const char usage_call[] =
    "usage: duplex call HOST:PORT echo [--messages N] [--timeout MS]\n\n"
    "Runs the echo scenario's client against the gRPC server at HOST:PORT\n"
    "(cleartext HTTP/2, /chat.ChatService/Chat, raw-bytes messages) and\n"
    "prints the call's timeline (microseconds) and what each side did.\n"
    "The server may be `duplex serve` or any gRPC implementation.\n\n"
    "  --messages N   messages to send (default 3)\n"
    "  --timeout MS   the call's deadline, sent as grpc-timeout\n";

static const enum cli_opt call_opts[] = {OPT_MESSAGES, OPT_TIMEOUT, OPT_END};

struct call_run {
    struct stream *s;
    int n;            /* messages to send */
    int sent;         /* client/send's count */
    enum status sent_end;
    int closed;       /* CloseSend returned OK */
};

static enum status call_sender(void *arg)
{
    struct call_run *r = arg;
    char text[CALL_TEXT_MAX];
    int len = 0;

    for (r->sent = 0; r->sent < r->n; r->sent++) {
        len = message_text(r->sent, text, sizeof text);
        r->sent_end = stream_send(stream_client(r->s), text, (size_t)len,
                                  NULL);
        if (r->sent_end != STATUS_OK)
            return r->sent_end;
    }
    r->closed = stream_close_send(stream_client(r->s)) == STATUS_OK;
    return STATUS_OK;
}

/* Reads every reply; *bad gets the first that is not the right echo. */
static enum status call_receive(struct call_run *r, int *got, int *bad,
                                struct status_detail *why)
{
    struct frame_msg msg = {0};
    char text[CALL_TEXT_MAX], want[CALL_TEXT_MAX + 8];
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_client(r->s), &msg, why)) == STATUS_OK) {
        message_text(*got, text, sizeof text);
        snprintf(want, sizeof want, "echo: %s", text);
        if (*bad == 0 && !same_text(&msg, want))
            *bad = *got + 1;
        (*got)++;
    }
    frame_msg_free(&msg);
    return st;
}

static int call_parse(struct cli *c, int argc, char **argv, const char **addr,
                      int *n, long long *timeout_ms)
{
    struct cli_arg arg;
    const char *scenario = NULL;
    int i = 0, code = CLI_CONTINUE;

    for (i = 1; i < argc; i++) {
        code = cli_next_arg(c, &cli_call_command, argc, argv, &i, &arg);
        if (code != CLI_CONTINUE)
            return code;
        if (arg.opt == OPT_MESSAGES)
            *n = (int)arg.number;
        else if (arg.opt == OPT_TIMEOUT)
            *timeout_ms = arg.number;
        else if (*addr == NULL)
            *addr = arg.text;
        else if (scenario == NULL)
            scenario = arg.text;
        else
            return cli_usage_error(c, "call", "unexpected argument '%s'",
                                   arg.text);
    }
    if (*addr == NULL || scenario == NULL)
        return cli_usage_error(c, "call", "give HOST:PORT and a scenario");
    if (strcmp(scenario, "echo") != 0)
        return cli_usage_error(c, "call",
                               "'%s': only echo can call a real server so far",
                               scenario);
    return CLI_CONTINUE;
}

/* The narration: what this run counted, and how the call ended. */
static int call_say(struct cli *c, const struct call_run *r, int got, int bad,
                    enum status end, const struct status_detail *why)
{
    if (r->closed)
        fprintf(c->out, "client/send sent %d messages, then CloseSend\n",
                r->sent);
    else
        fprintf(c->out, "client/send sent %d messages, then ended with %s\n",
                r->sent, status_name(r->sent_end));
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

static int call_main(struct cli *c, int argc, char **argv)
{
    struct h2_peer peer = {-1, H2_PEER_CLIENT, ""};
    struct wire_type type = {"h2", h2_peer_wire_create, &peer};
    struct stream_options o;
    struct call_run r;
    struct sched_thread sender;
    struct status_detail why = {STATUS_OK, ""};
    struct trace *t = NULL;
    const char *addr = NULL;
    long long timeout_ms = 0;
    char host[64];
    uint16_t port = 0;
    int n = 3, got = 0, bad = 0, code = CLI_CONTINUE;
    enum status st = STATUS_OK;

    code = call_parse(c, argc, argv, &addr, &n, &timeout_ms);
    if (code != CLI_CONTINUE)
        return code;
    st = h2_socket_parse_addr(addr, host, sizeof host, &port, &why);
    if (st == STATUS_OK)
        st = h2_socket_connect(host, port, &peer.fd, &why);
    if (st != STATUS_OK) {
        fprintf(c->err, "duplex call: %s\n", why.text);
        return st == STATUS_INVALID_ARGUMENT ? CLI_EXIT_USAGE : 1;
    }
    t = trace_create();
    memset(&o, 0, sizeof o);
    memset(&r, 0, sizeof r);
    o.wire = &type;
    o.trace = t;
    o.timeout_ns = timeout_ms * 1000000;
    st = stream_create(NULL, &o, &r.s);
    if (st != STATUS_OK) {
        fprintf(c->err, "duplex call: %s\n", status_name(st));
        trace_destroy(t);
        return 1;
    }
    r.n = n;
    fprintf(c->out, "duplex call %s echo: /chat.ChatService/Chat\n", addr);
    fflush(c->out);
    st = sched_thread_start(&sender, "client/send", call_sender, &r);
    if (st == STATUS_OK) {
        st = call_receive(&r, &got, &bad, &why);
        sched_thread_join(&sender);
    }
    stream_destroy(r.s);
    timeline_print(t, c->out, c->colour);
    trace_destroy(t);
    return call_say(c, &r, got, bad, st, &why);
}

const struct cli_command cli_call_command = {"call", usage_call, call_opts,
                                             call_main};

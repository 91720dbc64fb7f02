/*
 * cli_serve_raw: `duplex serve --wire raw`, the echo server on the raw
 * wire over TCP (see cli_raw.h).
 *
 * Design
 *   The same loop as `duplex serve` (cli_serve.c): listen on 127.0.0.1
 *   unless --listen says otherwise, one call per connection, one at a
 *   time, until --calls or --idle. A connection is the call at once:
 *   there is no request, no path and no method, just frames. Its handler
 *   runs on a thread named "server", so the timeline puts it in the
 *   server's lane as a `run --os` does; after the call it prints the
 *   timeline and what the wire counted.
 *
 *   The handler is the echo: "echo: <text>" for each message until the
 *   client's EOF (its read returns 0: the client's shutdown(SHUT_WR)),
 *   then finish with OK, which is this end's shutdown(SHUT_WR). "size:N"
 *   is answered with N bytes and a message longer than CALL_TEXT_MAX
 *   with "echo: N bytes", as on h2. "fail:TEXT" finishes the call with
 *   INVALID_ARGUMENT and TEXT, and serve says so; but the raw wire
 *   carries no status, so the client only reads a FIN (EOF). A message
 *   over gRPC's 4 MiB is rejected by the stream itself (frame.h's words)
 *   and the call is reset (RST).
 *
 *   The raw wire has no grpc-timeout and no request to wait for, so a
 *   peer that connects and goes quiet would hold the server for ever:
 *   each call's deadline is --idle, and when it passes the call is reset.
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

/* What the handler did, and how its call ended. */
struct raw_handled {
    struct stream *s;
    int got, sent;
    enum status end; /* OK: finished after EOF; else why it stopped */
    struct status_detail why;
};

/* "fail:TEXT": finishes with INVALID_ARGUMENT and TEXT. */
static void raw_fail(struct stream_end *e, const struct frame_msg *msg,
                     struct raw_handled *h)
{
    status_detail_set(&h->why, STATUS_INVALID_ARGUMENT, "%.*s",
                      (int)(msg->length - 5), (const char *)msg->data + 5);
    h->end = stream_finish(e, STATUS_INVALID_ARGUMENT, h->why.text);
    if (h->end == STATUS_OK)
        h->end = STATUS_INVALID_ARGUMENT;
}

/* The thread "server": the echo handler on the call's server end. */
static enum status raw_echo(void *arg)
{
    struct raw_handled *h = arg;
    struct stream_end *e = stream_server(h->s);
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(e, &msg, &h->why)) == STATUS_OK) {
        h->got++;
        if (msg.length >= 5 && memcmp(msg.data, "fail:", 5) == 0) {
            raw_fail(e, &msg, h);
            frame_msg_free(&msg);
            return STATUS_OK;
        }
        st = cli_echo_reply(e, &msg, NULL, &h->why);
        if (st == STATUS_EOF) /* the call is over: recv says how (grpc-go) */
            continue;
        if (st != STATUS_OK)
            break;
        h->sent++;
    }
    if (st == STATUS_EOF)
        st = stream_finish(e, STATUS_OK, NULL);
    h->end = st;
    frame_msg_free(&msg);
    return STATUS_OK;
}

/* What happened to the call, from the handler's counts and the wire's. */
static void raw_serve_say(struct cli *c, const struct raw_handled *h,
                          const struct wire_socket_stats *ws)
{
    if (ws->fin_read)
        fprintf(c->out, "server: its read returned 0 after the last "
                        "message (%d read):\n"
                        "  EOF on c2s, the client's shutdown(SHUT_WR)\n",
                (int)ws->read_before_fin);
    if (h->end == STATUS_OK && ws->fin_sent)
        fprintf(c->out, "server echoed %d of %d and finished with OK:\n"
                        "  shutdown(SHUT_WR), its FIN (the raw wire "
                        "carries no status)\n",
                h->sent, h->got);
    else if (h->end == STATUS_INVALID_ARGUMENT && ws->fin_sent)
        fprintf(c->out, "server echoed %d of %d, then finished with "
                        "INVALID_ARGUMENT: \"%s\"\n"
                        "  shutdown(SHUT_WR): the client reads EOF, no "
                        "status (the raw wire carries none)\n",
                h->sent, h->got, h->why.text);
    else
        fprintf(c->out, "server echoed %d of %d, then %s: \"%s\"\n", h->sent,
                h->got, status_name(h->end), h->why.text);
    if (ws->reset_read)
        fprintf(c->out, "the client reset the connection (TCP RST)\n");
    if (ws->reset_sent)
        fprintf(c->out, "server reset the connection: close with "
                        "SO_LINGER 0 (TCP RST)\n");
    fflush(c->out);
}

/* One connection: its call, handled on "server", and its timeline. */
static int raw_serve_one(struct cli *c, int fd, long long idle_ms,
                         struct cli_capture *cap)
{
    struct wire_socket_peer peer = {fd, WIRE_SOCKET_SERVER,
                                    cli_capture_begin_raw(cap, fd)};
    struct wire_type type = {"raw", wire_socket_create, &peer};
    struct wire_socket_stats ws;
    struct stream_options o;
    struct raw_handled h;
    struct sched_thread server;
    struct trace *t = trace_create();
    enum status st = STATUS_OK;

    memset(&o, 0, sizeof o);
    memset(&h, 0, sizeof h);
    o.wire = &type;
    o.trace = t;
    o.timeout_ns = idle_ms * 1000000;
    st = stream_create(NULL, &o, &h.s);
    if (st == STATUS_OK)
        st = sched_thread_start(&server, "server", raw_echo, &h);
    if (st != STATUS_OK) {
        fprintf(c->out, "server: this connection is not served: %s\n",
                status_name(st));
        stream_destroy(h.s);
        trace_destroy(t);
        return 0;
    }
    sched_thread_join(&server);
    wire_socket_get_stats(stream_wire(h.s), &ws);
    stream_destroy(h.s);
    fprintf(c->out, "call on the raw wire: gRPC frames straight on TCP\n");
    timeline_print(t, c->out, c->colour);
    raw_serve_say(c, &h, &ws);
    trace_destroy(t);
    return 1;
}

static int raw_serve_parse(struct cli *c, int argc, char **argv,
                           const char **listen_at, long long *calls,
                           long long *idle_ms, const char **pcap)
{
    struct cli_arg arg;
    int i = 0, code = CLI_CONTINUE;

    for (i = 1; i < argc; i++) {
        code = cli_next_arg(c, &cli_serve_command, argc, argv, &i, &arg);
        if (code != CLI_CONTINUE)
            return code;
        if (arg.opt == OPT_LISTEN)
            *listen_at = arg.text;
        else if (arg.opt == OPT_CALLS)
            *calls = arg.number;
        else if (arg.opt == OPT_IDLE)
            *idle_ms = arg.number;
        else if (arg.opt == OPT_PCAP)
            *pcap = arg.text;
        else if (arg.opt != OPT_WIRE)
            return cli_usage_error(c, "serve", "unexpected argument '%s'",
                                   arg.text);
    }
    return CLI_CONTINUE;
}

/* Accepts and serves until --calls or --idle says stop. */
static enum status raw_serve_loop(struct cli *c, int lfd, long long calls,
                                  long long idle_ms, long long *served,
                                  struct cli_capture *cap,
                                  struct status_detail *why)
{
    enum status st = STATUS_OK;
    int fd = -1;

    while (calls == 0 || *served < calls) {
        st = h2_socket_accept(lfd, (int)idle_ms, &fd, why);
        if (st != STATUS_OK)
            break;
        *served += raw_serve_one(c, fd, idle_ms, cap);
    }
    return st;
}

int serve_raw(struct cli *c, int argc, char **argv)
{
    struct status_detail why = {STATUS_OK, ""};
    const char *listen_at = "127.0.0.1:0";
    const char *pcap = NULL;
    struct cli_capture cap;
    long long calls = 0, idle_ms = 10000, served = 0;
    char host[64];
    uint16_t port = 0, bound = 0;
    int lfd = -1;
    int code =
        raw_serve_parse(c, argc, argv, &listen_at, &calls, &idle_ms, &pcap);
    enum status st = STATUS_OK;

    if (code != CLI_CONTINUE)
        return code;
    st = h2_socket_parse_addr(listen_at, host, sizeof host, &port, &why);
    if (st == STATUS_OK)
        st = cli_capture_open(&cap, pcap, 1, &why);
    if (st == STATUS_OK) {
        st = h2_socket_listen(host, port, &lfd, &bound, &why);
        if (st != STATUS_OK)
            cli_capture_close(&cap, NULL);
    }
    if (st != STATUS_OK) {
        fprintf(c->err, "duplex serve: %s\n", why.text);
        return st == STATUS_INVALID_ARGUMENT ? CLI_EXIT_USAGE : 1;
    }
    fprintf(c->out, "listening on %s:%u\n", host, (unsigned)bound);
    fflush(c->out);
    st = raw_serve_loop(c, lfd, calls, idle_ms, &served, &cap, &why);
    close(lfd);
    if (cli_capture_close(&cap, &why) != STATUS_OK) {
        fprintf(c->err, "duplex serve: %s: %s\n", pcap, why.text);
        return 1;
    }
    if (st == STATUS_DEADLINE_EXCEEDED)
        fprintf(c->out, "served %lld calls; idle for %lld ms, exiting\n",
                served, idle_ms);
    else if (st != STATUS_OK)
        fprintf(c->err, "duplex serve: %s\n", why.text);
    else
        fprintf(c->out, "served %lld calls\n", served);
    return st == STATUS_OK || st == STATUS_DEADLINE_EXCEEDED ? 0 : 1;
}

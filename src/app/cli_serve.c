/*
 * cli_serve: `duplex serve`, a cleartext (h2c, prior knowledge) gRPC
 * server whose handler is the echo scenario's server.
 *
 * Design
 *   It listens on 127.0.0.1 unless --listen names another address (port
 *   0, the default: the kernel picks one, and the first line printed
 *   says which, for a script to read). Calls are served one at a time,
 *   one call per connection: a connection's first stream is its call
 *   (SETTINGS_MAX_CONCURRENT_STREAMS 1; see h2_wire.h). It is bounded:
 *   it exits after --calls N calls, and when nobody connects, or a
 *   connection sends no request, for --idle MS (default 10000).
 *
 *   /chat.ChatService/Chat is the echo: every message comes back as
 *   "echo: <message>" until the client's EOF, then the call ends with OK.
 *   A message that begins "fail:" ends the call at once with
 *   INVALID_ARGUMENT and the rest of the message as its text (sent
 *   percent-encoded, as grpc-message is), so a client can see a handler
 *   error arrive exactly. Any other method ends with UNIMPLEMENTED.
 *   After each call it prints the call's timeline (microseconds), as a
 *   `run --os` does, and what the handler saw.
 *
 *   A peer that is not HTTP/2 (garbage, HTTP/1.1), or that leaves before
 *   its request, is reported and the server goes on to the next.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/cli_command.h"
#include "core/sched.h"
#include "core/stream.h"
#include "core/trace.h"
#include "h2/h2_socket.h"
#include "h2/h2_wire.h"
#include "scenarios/call.h"
#include "view/timeline.h"

static const char usage_serve[] =
    "usage: duplex serve [--listen HOST:PORT] [--calls N] [--idle MS]\n\n"
    "A gRPC server (cleartext HTTP/2) whose /chat.ChatService/Chat is the\n"
    "echo scenario's server: each message comes back as \"echo: <text>\"\n"
    "until the client's EOF; a message \"fail:TEXT\" ends the call with\n"
    "INVALID_ARGUMENT and TEXT. Prints each call's timeline.\n\n"
    "  --listen HOST:PORT  where to listen (default 127.0.0.1:0, any port;\n"
    "                      the first line says which)\n"
    "  --calls N           exit after N calls (default: until idle)\n"
    "  --idle MS           exit when nothing happens for MS (default 10000)\n";

static const enum cli_opt serve_opts[] = {OPT_LISTEN, OPT_CALLS, OPT_IDLE,
                                          OPT_END};

#define SERVE_PATH "/chat.ChatService/Chat"

struct handled {
    int got, sent;
    enum status end;
    struct status_detail why;
};

/* The echo handler on the call's server end. */
static void serve_echo(struct stream_end *e, struct handled *h)
{
    struct frame_msg msg = {0};
    char out[CALL_TEXT_MAX + 8];
    enum status st = STATUS_OK;
    int len = 0;

    while ((st = stream_recv(e, &msg, &h->why)) == STATUS_OK) {
        h->got++;
        if (msg.length >= 5 && memcmp(msg.data, "fail:", 5) == 0) {
            snprintf(out, sizeof out, "%.*s", (int)(msg.length - 5),
                     (const char *)msg.data + 5);
            h->why.code = STATUS_INVALID_ARGUMENT;
            snprintf(h->why.text, sizeof h->why.text, "%s", out);
            st = stream_finish(e, STATUS_INVALID_ARGUMENT, out);
            h->end = st == STATUS_OK ? STATUS_INVALID_ARGUMENT : st;
            frame_msg_free(&msg);
            return;
        }
        len = snprintf(out, sizeof out, "echo: %.*s",
                       (int)(msg.length < CALL_TEXT_MAX ? msg.length
                                                        : CALL_TEXT_MAX),
                       (const char *)msg.data);
        st = stream_send(e, out, (size_t)len, &h->why);
        if (st != STATUS_OK)
            break;
        h->sent++;
    }
    if (st == STATUS_EOF)
        st = stream_finish(e, STATUS_OK, NULL);
    h->end = st;
    frame_msg_free(&msg);
}

static void serve_say(struct cli *c, const char *path, const struct handled *h)
{
    if (strcmp(path, SERVE_PATH) != 0)
        fprintf(c->out, "server: %s is not a method here: UNIMPLEMENTED\n",
                path);
    else if (h->end == STATUS_OK)
        fprintf(c->out, "server echoed %d of %d, saw EOF on c2s, and "
                        "finished with OK\n",
                h->sent, h->got);
    else
        fprintf(c->out, "server echoed %d of %d, then %s: \"%s\"\n", h->sent,
                h->got, status_name(h->end), h->why.text);
    fflush(c->out);
}

/* One connection: its call, handled, and its timeline. 1 if it was one. */
static int serve_one(struct cli *c, int fd, int idle_ms)
{
    struct h2_peer peer = {fd, H2_PEER_SERVER, ""};
    struct wire_type type = {"h2", h2_peer_wire_create, &peer};
    struct stream_options o;
    struct stream *s = NULL;
    struct handled h;
    struct trace *t = trace_create();
    char path[128] = "";
    enum status st = STATUS_OK;

    memset(&o, 0, sizeof o);
    memset(&h, 0, sizeof h);
    o.wire = &type;
    o.trace = t;
    st = stream_create(NULL, &o, &s);
    if (st == STATUS_OK)
        st = h2_peer_wire_await_request(stream_wire(s),
                                        sched_now_ns() +
                                            (int64_t)idle_ms * 1000000,
                                        path, sizeof path, &h.why);
    if (st != STATUS_OK) {
        fprintf(c->out, "server: a connection without a call: %s\n",
                st == STATUS_RESOURCE_EXHAUSTED ? status_name(st)
                                                : h.why.text);
        fflush(c->out);
        stream_destroy(s);
        trace_destroy(t);
        return 0;
    }
    if (strcmp(path, SERVE_PATH) == 0)
        serve_echo(stream_server(s), &h);
    else
        stream_finish(stream_server(s), STATUS_UNIMPLEMENTED,
                      "unknown method");
    stream_destroy(s);
    fprintf(c->out, "call %s\n", path);
    timeline_print(t, c->out, c->colour);
    serve_say(c, path, &h);
    trace_destroy(t);
    return 1;
}

static int serve_parse(struct cli *c, int argc, char **argv,
                       const char **listen_at, long long *calls,
                       long long *idle_ms)
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
        else
            return cli_usage_error(c, "serve", "unexpected argument '%s'",
                                   arg.text);
    }
    return CLI_CONTINUE;
}

static int serve_main(struct cli *c, int argc, char **argv)
{
    struct status_detail why = {STATUS_OK, ""};
    const char *listen_at = "127.0.0.1:0";
    long long calls = 0, idle_ms = 10000, served = 0;
    char host[64];
    uint16_t port = 0, bound = 0;
    int lfd = -1, fd = -1, code = CLI_CONTINUE;
    enum status st = STATUS_OK;

    code = serve_parse(c, argc, argv, &listen_at, &calls, &idle_ms);
    if (code != CLI_CONTINUE)
        return code;
    st = h2_socket_parse_addr(listen_at, host, sizeof host, &port, &why);
    if (st == STATUS_OK)
        st = h2_socket_listen(host, port, &lfd, &bound, &why);
    if (st != STATUS_OK) {
        fprintf(c->err, "duplex serve: %s\n", why.text);
        return st == STATUS_INVALID_ARGUMENT ? CLI_EXIT_USAGE : 1;
    }
    fprintf(c->out, "listening on %s:%u\n", host, (unsigned)bound);
    fflush(c->out);
    while (calls == 0 || served < calls) {
        st = h2_socket_accept(lfd, (int)idle_ms, &fd, &why);
        if (st != STATUS_OK)
            break;
        served += serve_one(c, fd, (int)idle_ms);
    }
    close(lfd);
    if (st == STATUS_DEADLINE_EXCEEDED)
        fprintf(c->out, "served %lld calls; idle for %lld ms, exiting\n",
                served, idle_ms);
    else if (st != STATUS_OK)
        fprintf(c->err, "duplex serve: %s\n", why.text);
    else
        fprintf(c->out, "served %lld calls\n", served);
    return st == STATUS_OK || st == STATUS_DEADLINE_EXCEEDED ? 0 : 1;
}

const struct cli_command cli_serve_command = {"serve", usage_serve,
                                              serve_opts, serve_main};

/*
 * cli_serve: `duplex serve`, a cleartext (h2c, prior knowledge) gRPC
 * server whose handlers are the echo's server and the chat scenario's
 * session.
 *
 * Design
 *   It listens on 127.0.0.1 unless --listen names another address (port
 *   0, the default: the kernel picks one, and the first line printed
 *   says which, for a script to read). Connections are served one at a
 *   time, and each carries as many calls at once as its peer opens, up
 *   to 100 (h2_peer_conn.h: SETTINGS_MAX_CONCURRENT_STREAMS 100 and
 *   SETTINGS_MAX_HEADER_LIST_SIZE 16 MiB, as grpc-go; a stream beyond
 *   is refused with RST_STREAM(REFUSED_STREAM)). Each stream is a call
 *   with a handler thread of its own (server/call), so a handler that
 *   waits never holds up the others; at most 100 run at once, and every
 *   one is joined before the connection ends. It is bounded: it exits
 *   after --calls N calls in all, and when nobody connects, or a
 *   connection sends no request while no call runs, for --idle MS
 *   (default 10000).
 *
 *   /chat.ChatService/Chat is the echo: every message comes back as
 *   "echo: <message>" until the client's EOF, then the call ends with OK.
 *   A message that begins "fail:" ends the call at once with
 *   INVALID_ARGUMENT and the rest of the message as its text (sent
 *   percent-encoded, as grpc-message is), so a client can see a handler
 *   error arrive exactly. A message "size:N" is answered with one
 *   message of N bytes, and a message longer than CALL_TEXT_MAX with
 *   "echo: N bytes", so a client can try gRPC's 4 MiB limit in both
 *   directions. A message over gRPC's limit (4 MiB) ends the call with
 *   RESOURCE_EXHAUSTED and grpc-go's words in the trailers, as a grpc-go
 *   handler that returns its RecvMsg's error does. duplex's stream
 *   resets the call instead when its own max_recv rejects a frame (as
 *   grpc-go's client does), so serve's stream reads up to SERVE_MAX_READ
 *   and the handler applies gRPC's limit itself.
 *
 *   /chat.ChatService/Session is the chat scenario's session, run by the
 *   scenario's own code (chat_session_serve, scenarios/chat.h): JOIN
 *   NAME -> WELCOME NAME, TEXT ... -> ACK k, the client's EOF -> BYE
 *   NAME and OK; anything else FAILED_PRECONDITION ("JOIN first",
 *   "already joined"). What serve says of it comes from the session's
 *   counts ("server: JOIN from alice, WELCOME, 3 TEXT acked, BYE, OK").
 *   It has no 4 MiB check of its own: a TEXT is a TEXT.
 *
 *   Any other method ends with UNIMPLEMENTED. After each call it prints the call's
 *   timeline (microseconds), as a `run --os` does, and what the handler
 *   saw (with the bytes, when a message needed more than one window):
 *   each call has its own trace, which gets its stream's frames and the
 *   connection's own (stream 0) while it runs; the first call also gets
 *   the connection's first SETTINGS. A connection that carried more
 *   than one call says so when it ends ("one connection carried 20
 *   calls (streams 1 to 39), at most 20 at once"), from what it
 *   counted.
 *
 *   The request's grpc-timeout is the handler's deadline, as in grpc-go's
 *   server: a thread, server/deadline, sleeps until then and cancels the
 *   call's parent context with DEADLINE_EXCEEDED; the call's teardown
 *   resets the stream (RST_STREAM(CANCEL)) and the handler's next recv or
 *   send says "context deadline exceeded".
 *
 *   A peer that is not HTTP/2 (garbage, HTTP/1.1), or that leaves before
 *   its request, is reported and the server goes on to the next.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli_capture.h"
#include "app/cli_command.h"
#include "app/cli_echo.h"
#include "app/cli_raw.h"
#include "core/context.h"
#include "core/sched.h"
#include "core/stream.h"
#include "core/trace.h"
#include "h2/h2_peer_conn.h"
#include "h2/h2_socket.h"
#include "h2/h2_wire.h"
#include "scenarios/call.h"
#include "scenarios/chat.h"
#include "view/timeline.h"

static const char usage_serve[] =
    "usage: duplex serve [--listen HOST:PORT] [--calls N] [--idle MS]\n"
    "                    [--pcap FILE] [--wire h2|raw]\n\n"
    "A gRPC server (cleartext HTTP/2) with two methods; messages are raw bytes.\n"
    "\n"
    "/chat.ChatService/Chat is the echo scenario's server: each message comes\n"
    "back as \"echo: <text>\" until the client's EOF; a message \"fail:TEXT\" ends\n"
    "the call with INVALID_ARGUMENT and TEXT; \"size:N\" is answered with N\n"
    "bytes, and a message longer than 128 bytes with \"echo: N bytes\". A\n"
    "message over 4 MiB ends the call with RESOURCE_EXHAUSTED.\n"
    "\n"
    "/chat.ChatService/Session is the chat scenario's session: \"JOIN NAME\"\n"
    "gets \"WELCOME NAME\", each \"TEXT ...\" gets \"ACK 1\", \"ACK 2\", ..., and the\n"
    "client's EOF gets \"BYE NAME\" and OK; anything else ends the call with\n"
    "FAILED_PRECONDITION (\"JOIN first\", \"already joined\"). After each session\n"
    "serve says what it counted (\"server: JOIN from alice, WELCOME, 3 TEXT\n"
    "acked, BYE, OK\"). Any other method: UNIMPLEMENTED.\n"
    "\n"
    "The request's grpc-timeout is the handler's deadline (DEADLINE_EXCEEDED,\n"
    "RST_STREAM). A connection carries up to 100 calls at once (streams 1,\n"
    "3, 5, ...), each on its own handler thread; a stream beyond that is\n"
    "refused (RST_STREAM(REFUSED_STREAM)). Prints each call's timeline when\n"
    "it ends, and \"one connection carried N calls ...\" for a connection\n"
    "with more than one.\n\n"
    "A peer that misbehaves gets a clear status in bounded time, and its\n"
    "connection is closed with nothing left behind. What is not HTTP/2,\n"
    "or breaks its rules: UNAVAILABLE (after a GOAWAY where HTTP/2 sends\n"
    "one). A flood of SETTINGS or PING whose ACKs it does not read:\n"
    "RESOURCE_EXHAUSTED. Request headers over 16 MiB (announced in\n"
    "SETTINGS_MAX_HEADER_LIST_SIZE, grpc-go's default): that stream is\n"
    "reset. A peer that vanishes mid-call: UNAVAILABLE to the handler. One\n"
    "that reads nothing for 10 s: the connection ends.\n\n"
    "  --listen HOST:PORT  where to listen (default 127.0.0.1:0, any port;\n"
    "                      the first line says which)\n"
    "  --calls N           exit after N calls in all (default: until idle)\n"
    "  --idle MS           exit when nothing happens for MS (default 10000)\n"
    "  --pcap FILE         write every connection's packets to FILE (pcap,\n"
    "                      real time), for `tshark -r FILE -d\n"
    "                      tcp.port==PORT,http2` or Wireshark\n"
    "  --wire raw          gRPC's frames straight on TCP, no HTTP/2: the\n"
    "                      client's CloseSend is its shutdown(SHUT_WR), and\n"
    "                      the server's read returns 0 after the last\n"
    "                      message; no status (default: h2)\n";

static const enum cli_opt serve_opts[] = {OPT_LISTEN, OPT_CALLS, OPT_IDLE,
                                          OPT_PCAP, OPT_WIRE, OPT_END};

#define SERVE_PATH "/chat.ChatService/Chat"
#define SESSION_PATH "/chat.ChatService/Session"

/* gRPC's default receive limit, and what serve's stream reads at most. */
#define SERVE_MAX_RECV 4194304u
#define SERVE_MAX_READ (64u * 1024 * 1024)

struct handled {
    int got, sent;
    unsigned long long got_bytes, sent_bytes; /* the messages' payloads */
    enum status end;
    struct status_detail why;
    struct chat_session chat; /* /chat.ChatService/Session's counts */
};

/* The echo handler on the call's server end. */
static void serve_echo(struct stream_end *e, struct handled *h)
{
    struct frame_msg msg = {0};
    char out[CALL_TEXT_MAX + 8];
    enum status st = STATUS_OK;

    while ((st = stream_recv(e, &msg, &h->why)) == STATUS_OK) {
        if (msg.length > SERVE_MAX_RECV) {
            st = status_detail_set(&h->why, STATUS_RESOURCE_EXHAUSTED,
                                   "grpc: received message larger than max "
                                   "(%lu vs. %lu)",
                                   (unsigned long)msg.length,
                                   (unsigned long)SERVE_MAX_RECV);
            break;
        }
        h->got++;
        h->got_bytes += msg.length;
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
        st = cli_echo_reply(e, &msg, &h->sent_bytes, &h->why);
        if (st != STATUS_OK)
            break;
        h->sent++;
    }
    if (st == STATUS_EOF)
        st = stream_finish(e, STATUS_OK, NULL);
    else if (st == STATUS_RESOURCE_EXHAUSTED) /* the handler returns it */
        stream_finish(e, st, h->why.text);
    h->end = st;
    frame_msg_free(&msg);
}

/* What the chat session did, from its counts. */
static void serve_say_session(struct cli *c, const struct chat_session *s)
{
    if (s->name[0] == '\0')
        fprintf(c->out, "server: %d message%s and no JOIN", s->got,
                s->got == 1 ? "" : "s");
    else
        fprintf(c->out, "server: JOIN from %s%s, %d TEXT acked%s", s->name,
                s->welcomed ? ", WELCOME" : "", s->acked,
                s->bye ? ", BYE" : "");
    if (s->end == STATUS_OK)
        fprintf(c->out, ", OK\n");
    else
        fprintf(c->out, ", then %s: \"%s\"\n", status_name(s->end),
                s->why.text);
}

static void serve_say(struct cli *c, const char *path, const struct handled *h)
{
    if (strcmp(path, SESSION_PATH) == 0)
        serve_say_session(c, &h->chat);
    else if (strcmp(path, SERVE_PATH) != 0)
        fprintf(c->out, "server: %s is not a method here: UNIMPLEMENTED\n",
                path);
    else if (h->end == STATUS_OK)
        fprintf(c->out, "server echoed %d of %d, saw EOF on c2s, and "
                        "finished with OK\n",
                h->sent, h->got);
    else
        fprintf(c->out, "server echoed %d of %d, then %s: \"%s\"\n", h->sent,
                h->got, status_name(h->end), h->why.text);
    /* Said when a message took more than one window to cross. */
    if (h->got_bytes > H2_DEFAULT_WINDOW || h->sent_bytes > H2_DEFAULT_WINDOW)
        fprintf(c->out, "server's messages: %llu bytes received, %llu bytes "
                        "sent\n",
                h->got_bytes, h->sent_bytes);
    fflush(c->out);
}

/* server/deadline: cancels parent at deadline unless the handler is done. */
struct serve_timer {
    struct sched_mutex mu;
    struct sched_cond stop;
    int done;
    int64_t deadline;
    struct context *parent;
    struct sched_thread thread;
};

static enum status timer_run(void *arg)
{
    struct serve_timer *tm = arg;
    enum status st = STATUS_OK;
    int fire = 0;

    sched_mutex_lock(&tm->mu);
    while (!tm->done && st == STATUS_OK)
        st = sched_cond_timedwait(&tm->stop, &tm->mu, tm->deadline);
    fire = !tm->done && st == STATUS_DEADLINE_EXCEEDED;
    sched_mutex_unlock(&tm->mu);
    if (fire)
        context_cancel(tm->parent, STATUS_DEADLINE_EXCEEDED, NULL);
    return STATUS_OK;
}

/* Starts the timer when the request had a grpc-timeout. 1 if started. */
static int timer_start(struct serve_timer *tm, struct context *parent,
                       int64_t timeout_ns)
{
    if (timeout_ns == SCHED_NO_DEADLINE)
        return 0;
    sched_mutex_init(&tm->mu);
    sched_cond_init(&tm->stop);
    tm->done = 0;
    tm->deadline = sched_now_ns() + timeout_ns;
    tm->parent = parent;
    if (sched_thread_start(&tm->thread, "server/deadline", timer_run, tm) ==
        STATUS_OK)
        return 1;
    sched_cond_destroy(&tm->stop);
    sched_mutex_destroy(&tm->mu);
    return 0;
}

static void timer_stop(struct serve_timer *tm)
{
    sched_mutex_lock(&tm->mu);
    tm->done = 1;
    sched_cond_signal(&tm->stop);
    sched_mutex_unlock(&tm->mu);
    sched_thread_join(&tm->thread);
    sched_cond_destroy(&tm->stop);
    sched_mutex_destroy(&tm->mu);
}

/* Runs the handler the path names, under the request's deadline. */
static void serve_handle(struct stream *s, struct context *parent,
                         const char *path, struct handled *h)
{
    struct serve_timer tm;
    int timed = timer_start(&tm, parent,
                            h2_peer_wire_request_timeout(stream_wire(s)));

    if (strcmp(path, SERVE_PATH) == 0)
        serve_echo(stream_server(s), h);
    else if (strcmp(path, SESSION_PATH) == 0)
        chat_session_serve(stream_server(s), &h->chat);
    else
        stream_finish(stream_server(s), STATUS_UNIMPLEMENTED,
                      "unknown method");
    if (timed)
        timer_stop(&tm);
}

/*
 * One connection's calls: each stream the peer opens is a call, run by
 * a thread of its own (server/call) that prints the call's timeline when
 * it ends. mu guards the list, the counts and the output.
 */
struct serve_conn {
    struct cli *c;
    struct h2_conn *conn;
    struct sched_mutex mu;
    struct serve_call *calls; /* every call's record, newest first */
    int running, most;        /* handlers running now, and at most */
    int32_t first, last;      /* the stream ids of its first and last */
};

struct serve_call {
    struct serve_conn *sc;
    struct stream *s;
    struct context *parent;
    struct trace *t;
    char path[128];
    int64_t timeout_ns;
    struct handled h;
    struct sched_thread thread;
    int done;                 /* its handler has printed: join it */
    struct serve_call *next;
};

/* server/call: the handler, then the call's timeline and what it saw. */
static enum status serve_call_run(void *arg)
{
    struct serve_call *k = arg;
    struct serve_conn *sc = k->sc;
    struct cli *c = sc->c;

    serve_handle(k->s, k->parent, k->path, &k->h);
    stream_destroy(k->s); /* its last DATA and trailers go out first */
    k->s = NULL;
    sched_mutex_lock(&sc->mu);
    fprintf(c->out, "call %s", k->path);
    if (k->timeout_ns != SCHED_NO_DEADLINE)
        fprintf(c->out, " (grpc-timeout: %.3f ms)", k->timeout_ns / 1e6);
    fprintf(c->out, "\n");
    timeline_print(k->t, c->out, c->colour);
    serve_say(c, k->path, &k->h);
    sc->running--;
    k->done = 1;
    sched_mutex_unlock(&sc->mu);
    return STATUS_OK;
}

/*
 * Takes the stream the peer opened (t: its timeline) and starts its
 * handler. STATUS_OK, or why not (the stream is gone again).
 */
static enum status serve_take(struct serve_conn *sc, struct serve_call *k,
                              int idle_ms)
{
    struct stream_options o;
    enum status st = context_create(NULL, &k->parent);

    memset(&o, 0, sizeof o);
    o.wire = h2_connection_wire_type(sc->conn);
    o.trace = k->t;
    o.max_recv = SERVE_MAX_READ;
    if (st == STATUS_OK)
        st = stream_create(k->parent, &o, &k->s);
    if (st == STATUS_OK)
        st = h2_peer_wire_await_request(
            stream_wire(k->s), sched_now_ns() + (int64_t)idle_ms * 1000000,
            k->path, sizeof k->path, &k->h.why);
    if (st != STATUS_OK)
        return st;
    k->timeout_ns = h2_peer_wire_request_timeout(stream_wire(k->s));
    sched_mutex_lock(&sc->mu);
    if (sc->first == 0)
        sc->first = h2_wire_stream_id(stream_wire(k->s));
    sc->last = h2_wire_stream_id(stream_wire(k->s));
    if (++sc->running > sc->most)
        sc->most = sc->running;
    sched_mutex_unlock(&sc->mu);
    st = sched_thread_start(&k->thread, "server/call", serve_call_run, k);
    if (st != STATUS_OK) {
        sched_mutex_lock(&sc->mu);
        sc->running--;
        sched_mutex_unlock(&sc->mu);
    }
    return st;
}

/* Frees a call's record (its thread, if it ran, joined). */
static void serve_call_free(struct serve_call *k, int ran)
{
    if (ran)
        sched_thread_join(&k->thread);
    stream_destroy(k->s);
    context_destroy(k->parent);
    trace_destroy(k->t);
    free(k);
}

/* Joins and frees the calls whose handlers are done. */
static void serve_reap(struct serve_conn *sc)
{
    struct serve_call **p = &sc->calls, *done = NULL, *k = NULL;

    sched_mutex_lock(&sc->mu);
    while ((k = *p) != NULL) {
        if (k->done) {
            *p = k->next;
            k->next = done;
            done = k;
        } else {
            p = &k->next;
        }
    }
    sched_mutex_unlock(&sc->mu);
    while ((k = done) != NULL) {
        done = k->next;
        serve_call_free(k, 1);
    }
}

/*
 * Waits for the next stream and takes it: 1 if it became a call, 0 if
 * the connection is over (*st says why: *why the words). A long
 * connection keeps no record of the calls that ended.
 */
static int serve_next(struct serve_conn *sc, struct trace **first,
                      int idle_ms, enum status *st,
                      struct status_detail *why)
{
    struct serve_call *k = NULL;

    serve_reap(sc);
    *st = h2_peer_conn_await(sc->conn,
                             sched_now_ns() + (int64_t)idle_ms * 1000000,
                             why);
    if (*st != STATUS_OK)
        return 0;
    k = calloc(1, sizeof *k);
    if (k == NULL) {
        *st = status_detail_set(why, STATUS_RESOURCE_EXHAUSTED,
                                "out of memory");
        return 0;
    }
    k->sc = sc;
    k->t = *first != NULL ? *first : trace_create();
    *first = NULL; /* the connection's first frames are the first call's */
    *st = serve_take(sc, k, idle_ms);
    if (*st != STATUS_OK && k->s == NULL) {
        *first = k->t; /* never taken: still the connection's */
        k->t = NULL;
    }
    if (*st != STATUS_OK) {
        *why = k->h.why;
        serve_call_free(k, 0);
        return 0;
    }
    sched_mutex_lock(&sc->mu);
    k->next = sc->calls;
    sc->calls = k;
    sched_mutex_unlock(&sc->mu);
    return 1;
}

/* 1 while a handler of sc runs. */
static int serve_running(struct serve_conn *sc)
{
    int n = 0;

    sched_mutex_lock(&sc->mu);
    n = sc->running;
    sched_mutex_unlock(&sc->mu);
    return n > 0;
}

/* What the connection carried, when that was more than one call. */
static void serve_conn_say(struct serve_conn *sc, int taken)
{
    int accepted = 0, refused = 0;

    h2_peer_conn_counts(sc->conn, &accepted, &refused);
    if (taken < 2 && refused == 0)
        return; /* one call on one connection: its timeline says it all */
    fprintf(sc->c->out,
            "one connection carried %d calls (streams %d to %d), at most %d "
            "at once",
            taken, (int)sc->first, (int)sc->last, sc->most);
    if (refused > 0)
        fprintf(sc->c->out, "; %d refused with RST_STREAM", refused);
    fprintf(sc->c->out, "\n");
}

/*
 * One connection: every call its peer opens (until --calls in all),
 * each handled on its own thread. How many calls it carried.
 */
static long long serve_conn(struct cli *c, int fd, int idle_ms,
                            long long left, struct cli_capture *cap)
{
    struct serve_conn sc;
    struct serve_call *k = NULL;
    struct status_detail why = {STATUS_OK, ""};
    struct trace *first = trace_create();
    enum status st = STATUS_OK;
    long long taken = 0;

    memset(&sc, 0, sizeof sc);
    sc.c = c;
    sched_mutex_init(&sc.mu);
    if (cli_capture_begin(cap, fd) != STATUS_OK)
        fprintf(c->err, "duplex serve: this connection is not captured\n");
    st = h2_peer_conn_create(NULL, fd, H2_PEER_SERVER, first, &sc.conn);
    while (st == STATUS_OK && (left == 0 || taken < left)) {
        if (serve_next(&sc, &first, idle_ms, &st, &why))
            taken++;
        else if (st == STATUS_DEADLINE_EXCEEDED && serve_running(&sc))
            st = STATUS_OK; /* idle only when no call runs */
    }
    while ((k = sc.calls) != NULL) {
        sc.calls = k->next;
        serve_call_free(k, 1);
    }
    if (taken == 0) {
        fprintf(c->out, "server: a connection without a call: %s\n",
                why.text[0] != '\0' ? why.text : status_name(st));
    }
    if (sc.conn != NULL)
        serve_conn_say(&sc, (int)taken);
    fflush(c->out);
    h2_peer_conn_destroy(sc.conn);
    cli_capture_end(cap);
    trace_destroy(first);
    sched_mutex_destroy(&sc.mu);
    return taken;
}

static int serve_parse(struct cli *c, int argc, char **argv,
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
        else if (arg.opt == OPT_WIRE && strcmp(arg.text, "raw") == 0)
            return serve_raw(c, argc, argv); /* cli_serve_raw.c */
        else if (arg.opt != OPT_WIRE) /* h2: this file's */
            return cli_usage_error(c, "serve", "unexpected argument '%s'",
                                   arg.text);
    }
    return CLI_CONTINUE;
}

/* Accepts and serves until --calls or --idle says stop. */
static enum status serve_loop(struct cli *c, int lfd, long long calls,
                              long long idle_ms, struct cli_capture *cap,
                              long long *served, struct status_detail *why)
{
    enum status st = STATUS_OK;
    int fd = -1;

    while (calls == 0 || *served < calls) {
        st = h2_socket_accept(lfd, (int)idle_ms, &fd, why);
        if (st != STATUS_OK)
            break;
        *served += serve_conn(c, fd, (int)idle_ms,
                              calls == 0 ? 0 : calls - *served, cap);
    }
    return st;
}

static int serve_main(struct cli *c, int argc, char **argv)
{
    struct status_detail why = {STATUS_OK, ""}, pwhy = {STATUS_OK, ""};
    struct cli_capture cap;
    const char *listen_at = "127.0.0.1:0", *pcap = NULL;
    long long calls = 0, idle_ms = 10000, served = 0;
    char host[64];
    uint16_t port = 0, bound = 0;
    int lfd = -1, code = CLI_CONTINUE;
    enum status st = STATUS_OK, pst = STATUS_OK;

    code = serve_parse(c, argc, argv, &listen_at, &calls, &idle_ms, &pcap);
    if (code != CLI_CONTINUE)
        return code;
    st = h2_socket_parse_addr(listen_at, host, sizeof host, &port, &why);
    if (st == STATUS_OK)
        st = h2_socket_listen(host, port, &lfd, &bound, &why);
    if (st == STATUS_OK) {
        st = cli_capture_open(&cap, pcap, 1, &why);
        if (st != STATUS_OK)
            close(lfd);
    }
    if (st != STATUS_OK) {
        fprintf(c->err, "duplex serve: %s\n", why.text);
        return st == STATUS_INVALID_ARGUMENT ? CLI_EXIT_USAGE : 1;
    }
    fprintf(c->out, "listening on %s:%u\n", host, (unsigned)bound);
    fflush(c->out);
    st = serve_loop(c, lfd, calls, idle_ms, &cap, &served, &why);
    close(lfd);
    pst = cli_capture_close(&cap, &pwhy);
    if (st == STATUS_DEADLINE_EXCEEDED)
        fprintf(c->out, "served %lld calls; idle for %lld ms, exiting\n",
                served, idle_ms);
    else if (st != STATUS_OK)
        fprintf(c->err, "duplex serve: %s\n", why.text);
    else
        fprintf(c->out, "served %lld calls\n", served);
    if (pst != STATUS_OK)
        fprintf(c->err, "duplex serve: %s: %s\n", pcap, pwhy.text);
    return (st == STATUS_OK || st == STATUS_DEADLINE_EXCEEDED) &&
                   pst == STATUS_OK
               ? 0
               : 1;
}

const struct cli_command cli_serve_command = {"serve", usage_serve,
                                              serve_opts, serve_main};

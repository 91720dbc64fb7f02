/*
 * fuzz_stream: programs of stream operations from both ends, in SIM mode.
 *
 * The input is a program. An 8-byte header sets up the call, and every
 * further pair of bytes is one operation for one of three threads:
 *
 *     bytes 0-3  the simulator's seed (little-endian): the same input is
 *                the same run, step for step
 *     byte 4     bits 0-3  pipe capacity: default (64 KiB), 1, 2, 3, 4, 5,
 *                          6, 7, 8, 13, 16, 31, 64, 100, 256, 4096
 *                bit  4    layout (below)
 *                bit  5    run the program twice and compare the runs
 *                bit  6    layout 0: the server drains c2s before finishing
 *                bit  7    the deadline is the parent context's
 *     byte 5     bits 0-2  deadline: none (0-3), 1 us, 1 ms, 50 ms, 2 s
 *                bits 3-5  bit t set: thread t ends with a cancel
 *                bit  6    the parent is cancelled before the call starts
 *     byte 6     bits 0-3  max_recv, bits 4-7 max_send: default (0-7),
 *                          1, 4, 8, 16, 64, 100, 1000, 4096
 *     byte 7     the server's final code: OK below 128, else byte % 17
 *     then       (op, arg) pairs: thread op % 3, opcode (op / 3) % 8
 *
 * The two layouts put one role on each thread, so that one thread sends
 * and another receives on an end, as grpc-go allows, and never two send:
 *
 *     layout 0   "server" (recv, send, finish), "client/send" (send,
 *                close_send), "client/recv" (recv): the usual bidi client
 *     layout 1   "client" (send, recv, close_send), "server/recv" (recv),
 *                "server/send" (send, finish)
 *
 * Opcodes: 0 send (of a length picked by arg; a thread that only receives
 * receives), 1 recv (a thread that only sends sends; send and recv pass
 * why = NULL when arg's top bit is set), 2 close_send (client)
 * or finish (server, with arg's code), 3 stream_cancel, 4 sleep (virtual
 * time), 5 a wrong-side call that must fail with FAILED_PRECONDITION,
 * 6 cancel the parent context, 7 look at the counters.
 *
 * Every program ends the same way, so that nobody waits forever unless
 * duplex loses a wake-up: each thread either cancels, or does its part of
 * a graceful end (the client's sender calls close_send, every receiver
 * drains its direction to the end, the server finishes). Then every wait
 * has someone who will end it: a receiver waits for a sender who will send
 * or close, a sender waits for a receiver who keeps draining, and
 * close_send, finish and cancel each end the waits they concern. So a
 * deadlock report is always a bug.
 *
 * What must hold (every message carries its direction and sequence number):
 *   - Within a direction, the messages received are a prefix of those
 *     whose send returned OK: nothing lost in the middle, doubled,
 *     reordered or garbled. Losing the tail needs a teardown or a finish.
 *   - The server's EOF means every client message was received; a client
 *     that reached the server's status received every server message.
 *   - Each call returns only what stream.h documents; a failure that says
 *     "the call is over" says it with the call's final status; nothing
 *     returns CLOSED or DEADLOCK; no send or recv started after a cancel
 *     or past the deadline succeeds; send after close_send or finish fails;
 *     a second finish and every wrong-side call fail with
 *     FAILED_PRECONDITION.
 *   - stream_final_status never changes once set, and after a cancel it is
 *     set. Without any cancel, deadline or oversize message, the call ends
 *     with the server's status.
 *   - The counters match what the threads saw; no run deadlocks; with
 *     bit 5, two runs of the same input are the same run.
 * FUZZ_VERBOSE=1 in the environment prints the program, each call and its
 * result, and the run's two-lane timeline.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#include "core/context.h"
#include "core/frame.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"
#include "core/trace.h"
#include "view/timeline.h"

int fuzz_stream_one(const uint8_t *data, size_t size);

#define FS_HEADER 8
#define FS_THREADS 3
#define FS_MAX_OPS 200               /* per thread; the rest is ignored */
#define FS_MAX_MSGS (FS_MAX_OPS + 2) /* per direction */
#define FS_MAX_LEN 5015              /* the longest message */
#define FS_ROUNDS 4096 /* pipe-fulls a direction may take in all */
#define FS_TRAILER "fuzz trailer"
#define FS_PARENT_TEXT "fuzz parent cancel"

enum fs_role {
    FS_CLIENT,      /* send, recv, close_send */
    FS_CLIENT_SEND, /* send, close_send */
    FS_CLIENT_RECV, /* recv */
    FS_SERVER,      /* send, recv, finish */
    FS_SERVER_SEND, /* send, finish */
    FS_SERVER_RECV  /* recv */
};

enum fs_opcode {
    FS_OP_SEND,
    FS_OP_RECV,
    FS_OP_CLOSE,
    FS_OP_CANCEL,
    FS_OP_SLEEP,
    FS_OP_MISUSE,
    FS_OP_CANCEL_PARENT,
    FS_OP_STATS
};

static const char *const fs_op_names[8] = {"send",          "recv",  "close",
                                           "cancel",        "sleep", "misuse",
                                           "cancel-parent", "stats"};
static const enum fs_role fs_layouts[2][FS_THREADS] = {
    {FS_SERVER, FS_CLIENT_SEND, FS_CLIENT_RECV},
    {FS_CLIENT, FS_SERVER_RECV, FS_SERVER_SEND}};
static const char *const fs_names[2][FS_THREADS] = {
    {"server", "client/send", "client/recv"},
    {"client", "server/recv", "server/send"}};
static const size_t fs_capacities[16] = {0, 1,  2,  3,  4,  5,   6,   7,
                                         8, 13, 16, 31, 64, 100, 256, 4096};
static const int64_t fs_timeouts[8] = {0,    0,       0,        0,
                                       1000, 1000000, 50000000, 2000000000};
static const uint32_t fs_limits[16] = {0, 0, 0, 0,  0,  0,   0,    0,
                                       1, 4, 8, 16, 64, 100, 1000, 4096};
static const uint32_t fs_lengths[16] = {0,  1,  3,  4,   5,   7,    8,    12,
                                        16, 31, 64, 100, 255, 1000, 4096, 5000};
static const int64_t fs_sleeps[8] = {
    0, 1, 1000, 1000000, 5000000, 100000000, 1000000000, 10000000000};

struct fs_op {
    uint8_t code;
    uint8_t arg;
    uint16_t len; /* for a send: the message length */
};

struct fs_program {
    uint64_t seed;
    int layout;
    size_t capacity;
    int twice;
    int drain_first;
    int deadline_on_parent;
    int64_t timeout_ns;
    unsigned cancel_finale; /* bit t: thread t ends with a cancel */
    int born_cancelled;     /* the parent is cancelled before stream_create */
    uint32_t max_recv;      /* 0: the default */
    uint32_t max_send;
    enum status finish_code;
    int may_tear; /* some op, deadline or length can tear the call down */
    struct fs_op ops[FS_THREADS][FS_MAX_OPS];
    size_t nops[FS_THREADS];
};

/* A message as its sender sent it or its receiver got it. */
struct fs_msg {
    uint32_t len;
    uint64_t hash;
};

struct fs_dir {
    uint32_t attempts;               /* sends tried: the next sequence no. */
    struct fs_msg sent[FS_MAX_MSGS]; /* the sends that returned OK */
    size_t nsent;
    struct fs_msg got[FS_MAX_MSGS]; /* what the receiver got, in order */
    size_t ngot;
    int whole; /* the receiver saw the clean end: it got everything */
};

struct fs_run;

struct fs_thread {
    struct fs_run *run;
    int index;
    enum fs_role role;
    struct stream_end *end;
    struct sched_thread t;
    struct frame_msg msg;
    uint8_t buf[FS_MAX_LEN];
};

struct fs_run {
    const struct fs_program *prog;
    struct context *parent;
    struct stream *s;
    struct trace *trace;
    int64_t deadline;
    struct fs_dir dir[2];
    int close_requested;  /* set before the client calls close_send */
    int finish_requested; /* set before the server calls finish */
    int finished;         /* a finish returned OK, with trailer_code */
    enum status trailer_code;
    int torn;       /* a cancel (of the stream or its parent) returned */
    int final_seen; /* the first final status seen, in final */
    struct status_detail final;
    uint64_t outcome; /* every result, folded: the "twice" comparison */
    int verbose;
    int failed;
    char msg[768];
    struct fs_thread threads[FS_THREADS];
};

/* ---- the program ----------------------------------------------------------
 */

static int fs_sends(enum fs_role r)
{
    return r != FS_CLIENT_RECV && r != FS_SERVER_RECV;
}

static int fs_recvs(enum fs_role r)
{
    return r != FS_CLIENT_SEND && r != FS_SERVER_SEND;
}

static int fs_client(enum fs_role r)
{
    return r == FS_CLIENT || r == FS_CLIENT_SEND || r == FS_CLIENT_RECV;
}

/* The role's own end of the call: close_send or finish. */
static int fs_ends_call(enum fs_role r)
{
    return r == FS_CLIENT || r == FS_CLIENT_SEND || r == FS_SERVER ||
           r == FS_SERVER_SEND;
}

/* What an opcode means for a role that cannot do it. */
static enum fs_opcode fs_meaning(enum fs_role r, enum fs_opcode op)
{
    if (op == FS_OP_SEND && !fs_sends(r))
        return FS_OP_RECV;
    if (op == FS_OP_RECV && !fs_recvs(r))
        return FS_OP_SEND;
    if (op == FS_OP_CLOSE && !fs_ends_call(r))
        return FS_OP_RECV;
    return op;
}

static enum status fs_code(uint8_t b)
{
    return b < 128 ? STATUS_OK : (enum status)(b % 17);
}

/*
 * A message length for a send. A direction's messages may take at most
 * FS_ROUNDS pipe-fulls in all (a 1-byte pipe moves a byte per switch), so
 * a run stays short; past that, messages are empty.
 */
static uint16_t fs_length(uint8_t arg, size_t capacity, uint64_t *rounds)
{
    uint32_t len = fs_lengths[arg & 15];
    size_t cap = capacity != 0 ? capacity : 65536;

    if (len >= 64)
        len += arg >> 4;
    *rounds += (len + FRAME_HEADER_LEN + cap - 1) / cap;
    return *rounds > FS_ROUNDS ? 0 : (uint16_t)len;
}

static void fs_parse(const uint8_t *data, size_t size, struct fs_program *p)
{
    uint8_t h[FS_HEADER] = {0, 0, 0, 0, 0, 0, 0, 0};
    uint64_t rounds[FS_THREADS] = {0, 0, 0};
    uint32_t longest = 0;
    uint32_t max_recv = 0;
    size_t i = 0;

    memset(p, 0, sizeof *p);
    if (size > 0)
        memcpy(h, data, size < FS_HEADER ? size : FS_HEADER);
    p->seed = (uint64_t)h[0] | (uint64_t)h[1] << 8 | (uint64_t)h[2] << 16 |
              (uint64_t)h[3] << 24;
    p->capacity = fs_capacities[h[4] & 15];
    p->layout = h[4] >> 4 & 1;
    p->twice = h[4] >> 5 & 1;
    p->drain_first = h[4] >> 6 & 1;
    p->deadline_on_parent = h[4] >> 7 & 1;
    p->timeout_ns = fs_timeouts[h[5] & 7];
    p->cancel_finale = h[5] >> 3 & 7;
    p->born_cancelled = h[5] >> 6 & 1;
    p->max_recv = fs_limits[h[6] & 15];
    p->max_send = fs_limits[h[6] >> 4];
    p->finish_code = fs_code(h[7]);
    for (i = FS_HEADER; i + 1 < size; i += 2) {
        int t = data[i] % FS_THREADS;
        enum fs_role role = fs_layouts[p->layout][t];
        struct fs_op *op = NULL;

        if (p->nops[t] == FS_MAX_OPS)
            continue;
        op = &p->ops[t][p->nops[t]];
        op->code = (uint8_t)fs_meaning(role, (enum fs_opcode)(data[i] / 3 % 8));
        op->arg = data[i + 1];
        if (op->code == FS_OP_SEND)
            op->len = fs_length(op->arg, p->capacity, &rounds[t]);
        if (op->code == FS_OP_SEND && op->len > longest)
            longest = op->len;
        if (op->code == FS_OP_CANCEL || op->code == FS_OP_CANCEL_PARENT)
            p->may_tear = 1;
        p->nops[t]++;
    }
    max_recv = p->max_recv != 0 ? p->max_recv : FRAME_DEFAULT_MAX_RECV;
    if (p->cancel_finale != 0 || p->timeout_ns != 0 || longest > max_recv ||
        p->born_cancelled)
        p->may_tear = 1;
}

/* ---- what the threads see ---------------------------------------------------
 */

static void fs_violation(struct fs_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records the first broken invariant (later ones follow from it). */
static void fs_violation(struct fs_run *run, const char *fmt, ...)
{
    va_list ap;
    size_t n = 0;

    if (run->failed)
        return;
    run->failed = 1;
    n = (size_t)snprintf(run->msg, sizeof run->msg,
                         "%s, step %llu: ", sched_self_name(),
                         (unsigned long long)sched_sim_step());
    va_start(ap, fmt);
    if (n < sizeof run->msg)
        vsnprintf(run->msg + n, sizeof run->msg - n, fmt, ap);
    va_end(ap);
}

/* The bytes of message seq in direction d: its number first, then a pattern. */
static void fs_fill(uint8_t *buf, uint32_t len, int d, uint32_t seq)
{
    uint32_t i = 0;

    for (i = 0; i < len; i++)
        buf[i] =
            i < 4 ? (uint8_t)(seq >> (24 - 8 * i))
                  : (uint8_t)(seq * 131 + i * 31 + (uint32_t)d * 7 + i / 251);
}

/* FNV-1a over the length and the bytes. */
static uint64_t fs_hash(const uint8_t *p, uint32_t len)
{
    uint64_t h = 14695981039346656037ULL ^ len;
    uint32_t i = 0;

    for (i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

/*
 * Reads the call's final status into *out. Returns 1 when it has one. Checks
 * it never changes (or disappears) once seen.
 */
static int fs_final(struct fs_run *run, struct status_detail *out)
{
    struct status_detail w;
    enum status st = STATUS_OK;

    memset(&w, 0, sizeof w);
    w.code = STATUS_UNKNOWN;
    w.text[0] = '\x7f'; /* a text no status has: "not set" */
    st = stream_final_status(run->s, &w);
    if (w.text[0] == '\x7f') {
        if (st != STATUS_OK)
            fs_violation(run, "stream_final_status: %s with no status set",
                         status_name(st));
        if (run->final_seen)
            fs_violation(run, "the final status %s \"%s\" disappeared",
                         status_name(run->final.code), run->final.text);
        return 0;
    }
    if (st != w.code)
        fs_violation(run, "stream_final_status returns %s, why says %s",
                     status_name(st), status_name(w.code));
    if (!run->final_seen) {
        run->final_seen = 1;
        run->final = w;
    } else if (w.code != run->final.code ||
               strcmp(w.text, run->final.text) != 0) {
        fs_violation(run,
                     "the final status changed from %s \"%s\" to %s "
                     "\"%s\"",
                     status_name(run->final.code), run->final.text,
                     status_name(w.code), w.text);
    }
    if (out != NULL)
        *out = w;
    return 1;
}

/* 1 when the call's deadline has passed (virtual time). */
static int fs_late(const struct fs_run *run)
{
    return run->deadline != SCHED_NO_DEADLINE &&
           sched_now_ns() >= run->deadline;
}

static void fs_log(struct fs_thread *th, const char *what, enum status st,
                   const struct status_detail *why)
{
    struct fs_run *run = th->run;

    run->outcome =
        run->outcome * 1000003u + (uint64_t)th->index * 257u + (uint64_t)st;
    if (run->verbose)
        fprintf(stderr, "  step %6llu  t=%lld ns  %-12s %-28s -> %s%s%s\n",
                (unsigned long long)sched_sim_step(),
                (long long)(sched_now_ns() - 1000000000), th->t.name, what,
                status_name(st), why != NULL && why->text[0] ? ": " : "",
                why != NULL ? why->text : "");
}

/*
 * A failure that means "the call is over" must say it with the call's
 * final status (EOF when that status is OK). The server's end may say
 * what its context says instead when the client rejected a frame (its
 * final status) and reset the call: the server sees its context's error,
 * as in grpc-go. That is CANCELLED, or the reason of a cancel or deadline
 * that reached the context first (the client's reject won the race to the
 * final status, the other cancel the race to the context).
 */
static void fs_check_over(struct fs_run *run, int client, const char *call,
                          enum status st)
{
    struct status_detail fin;
    int reset = !client && st != STATUS_OK &&
                context_err(stream_context(run->s), NULL) == st;

    if (!fs_final(run, &fin))
        fs_violation(run, "%s returned %s, but the call has no final status",
                     call, status_name(st));
    else if (reset && (fin.code == STATUS_INTERNAL ||
                       fin.code == STATUS_RESOURCE_EXHAUSTED))
        return;
    else if (st != fin.code && !(st == STATUS_EOF && fin.code == STATUS_OK))
        fs_violation(run, "%s returned %s, but the final status is %s", call,
                     status_name(st), status_name(fin.code));
}

static void fs_send(struct fs_thread *th, uint32_t len, int no_why)
{
    struct fs_run *run = th->run;
    int client = fs_client(th->role);
    struct fs_dir *dir = &run->dir[client ? STREAM_C2S : STREAM_S2C];
    uint32_t max_send =
        run->prog->max_send ? run->prog->max_send : FRAME_DEFAULT_MAX_SEND;
    int own_end = client ? run->close_requested : run->finish_requested;
    int over = run->torn || fs_late(run);
    uint32_t seq = dir->attempts++;
    struct status_detail why;
    struct status_detail fin;
    enum status st = STATUS_OK;
    char what[40];

    fs_fill(th->buf, len, client ? STREAM_C2S : STREAM_S2C, seq);
    status_detail_clear(&why);
    st = stream_send(th->end, th->buf, len, no_why ? NULL : &why);
    snprintf(what, sizeof what, "send #%lu (%lu B)", (unsigned long)seq,
             (unsigned long)len);
    fs_log(th, what, st, &why);
    int has_final = fs_final(run, &fin);
    if (st == STATUS_OK) {
        if (own_end || over || len > max_send)
            fs_violation(run, "%s returned OK after %s", what,
                         own_end ? (client ? "close_send" : "finish")
                         : over  ? "a cancel or the deadline"
                                 : "exceeding max_send");
        if (dir->nsent < FS_MAX_MSGS) {
            dir->sent[dir->nsent].len = len;
            dir->sent[dir->nsent].hash = fs_hash(th->buf, len);
            dir->nsent++;
        }
        return;
    }
    if (st == STATUS_RESOURCE_EXHAUSTED && len > max_send)
        return;
    if (st == STATUS_INTERNAL && own_end)
        return;
    if (st == STATUS_EOF && client && run->finish_requested)
        return;
    /* grpc-go's SendMsg: io.EOF once the call has ended, whatever ended it. */
    if (st == STATUS_EOF && client && has_final)
        return;
    if (st == STATUS_CLOSED || st == STATUS_DEADLOCK ||
        (!has_final && st != STATUS_EOF))
        fs_violation(run, "%s returned %s (\"%s\")", what, status_name(st),
                     why.text);
    else
        fs_check_over(run, client, what, st);
}

/* Checks a recv's result. Returns st. */
static enum status fs_recv(struct fs_thread *th, int no_why)
{
    struct fs_run *run = th->run;
    int client = fs_client(th->role);
    struct fs_dir *dir = &run->dir[client ? STREAM_S2C : STREAM_C2S];
    struct status_detail before;
    int had_final = fs_final(run, &before);
    int over = run->torn || fs_late(run);
    struct status_detail why;
    struct status_detail fin;
    enum status st = STATUS_OK;

    status_detail_clear(&why);
    st = stream_recv(th->end, &th->msg, no_why ? NULL : &why);
    fs_log(th, "recv", st, &why);
    int has_final = fs_final(run, &fin);
    if (st == STATUS_OK) {
        if (over || (client && had_final))
            fs_violation(run, "recv returned a message after %s",
                         over ? "a cancel or the deadline"
                              : "the call's final status");
        if (th->msg.flag != FRAME_FLAG_PLAIN)
            fs_violation(run, "recv: flag %u", (unsigned)th->msg.flag);
        if (dir->ngot < FS_MAX_MSGS) {
            dir->got[dir->ngot].len = th->msg.length;
            dir->got[dir->ngot].hash = fs_hash(th->msg.data, th->msg.length);
            dir->ngot++;
        }
        return st;
    }
    if (st == STATUS_CLOSED || st == STATUS_DEADLOCK) {
        fs_violation(run, "recv returned %s (\"%s\")", status_name(st),
                     why.text);
    } else if (!client && st == STATUS_EOF &&
               !((over || run->finish_requested) && has_final &&
                 fin.code == STATUS_OK)) {
        /*
         * The clean end of c2s. (A call that ended OK and was then torn
         * down also reads as EOF, "the call has ended": a recv started
         * after the cancel, or one made after the server's own finish,
         * which gets the teardown's status once a cancel follows.)
         */
        if (!run->close_requested)
            fs_violation(run, "the server's recv saw EOF before close_send");
        dir->whole = 1;
    } else if (!client && st == STATUS_INTERNAL && run->finish_requested) {
        /* "RecvMsg called after the call ended" */
    } else if (!has_final) {
        fs_violation(run,
                     "recv returned %s (\"%s\") and the call has no "
                     "final status",
                     status_name(st), why.text);
    } else {
        fs_check_over(run, client, "recv", st);
        if (client && strcmp(fin.text, FS_TRAILER) == 0)
            dir->whole = 1; /* the client read s2c to the server's status */
        if (client && had_final && st != STATUS_EOF && !no_why &&
            strcmp(why.text, before.text) != 0)
            fs_violation(run,
                         "recv after the final status says \"%s\", "
                         "not \"%s\"",
                         why.text, before.text);
    }
    return st;
}

/* Receives until the end of the direction (or a failure). */
static void fs_drain(struct fs_thread *th)
{
    int i = 0;

    for (i = 0; i < 2 * FS_MAX_MSGS + 8; i++)
        if (fs_recv(th, 0) != STATUS_OK)
            return;
    fs_violation(th->run, "a drain never reached the end");
}

static void fs_close_send(struct fs_thread *th)
{
    enum status st = STATUS_OK;

    th->run->close_requested = 1;
    st = stream_close_send(th->end);
    fs_log(th, "close_send", st, NULL);
    if (st != STATUS_OK)
        fs_violation(th->run, "close_send returned %s", status_name(st));
}

static void fs_finish(struct fs_thread *th, enum status code)
{
    struct fs_run *run = th->run;
    enum status st = STATUS_OK;
    char what[48];

    run->finish_requested = 1;
    st = stream_finish(th->end, code, FS_TRAILER);
    snprintf(what, sizeof what, "finish %s", status_name(code));
    fs_log(th, what, st, NULL);
    if (st == STATUS_OK && !run->finished) {
        run->finished = 1;
        run->trailer_code = code;
    } else if (st != STATUS_FAILED_PRECONDITION || !run->finished) {
        fs_violation(run, "%s returned %s (finished before: %d)", what,
                     status_name(st), run->finished);
    }
}

static void fs_cancel(struct fs_thread *th, int parent, uint8_t arg)
{
    struct fs_run *run = th->run;
    enum status reason = arg & 1 ? STATUS_DEADLINE_EXCEEDED : STATUS_CANCELLED;

    if (parent)
        context_cancel(run->parent, reason, arg & 2 ? FS_PARENT_TEXT : NULL);
    else
        stream_cancel(th->end);
    run->torn = 1;
    fs_log(th, parent ? "cancel parent" : "cancel", STATUS_OK, NULL);
    if (!fs_final(run, NULL))
        fs_violation(run, "no final status after a cancel returned");
}

/* Calls made on the wrong end, or with a code that is not gRPC's. */
static void fs_misuse(struct fs_thread *th, uint8_t arg)
{
    struct stream *s = th->run->s;
    enum status st = STATUS_OK;

    if (fs_client(th->role))
        st = stream_finish(th->end, STATUS_OK, "wrong side");
    else if (arg & 1)
        st = stream_finish(th->end, STATUS_EOF, "not a gRPC code");
    else
        st = stream_close_send(stream_server(s));
    fs_log(th, "wrong-side call", st, NULL);
    if (st != STATUS_FAILED_PRECONDITION)
        fs_violation(th->run, "a wrong-side call returned %s", status_name(st));
}

/*
 * The counters against what the threads saw. stream_get_stats takes locks
 * (scheduling points), so others move meanwhile: the snapshot lies between
 * the threads' counts before and after it, one message ahead at most (a
 * frame is counted once the write returns or the read ends).
 */
static void fs_stats(struct fs_thread *th)
{
    struct fs_run *run = th->run;
    size_t sent[2], got[2];
    struct stream_stats ss;
    int d = 0;

    for (d = 0; d < 2; d++) {
        sent[d] = run->dir[d].nsent;
        got[d] = run->dir[d].ngot;
    }
    ss = stream_get_stats(run->s);
    for (d = 0; d < 2; d++) {
        const struct fs_dir *dir = &run->dir[d];

        if (ss.sent[d] < sent[d] || ss.sent[d] > dir->nsent + 1 ||
            ss.received[d] < got[d] || ss.received[d] > dir->ngot + 1 ||
            ss.received[d] > ss.sent[d] + 1)
            fs_violation(run,
                         "counters %s: sent %llu received %llu, the "
                         "threads saw %zu..%zu and %zu..%zu",
                         d == STREAM_C2S ? "c2s" : "s2c",
                         (unsigned long long)ss.sent[d],
                         (unsigned long long)ss.received[d], sent[d],
                         dir->nsent, got[d], dir->ngot);
    }
    fs_log(th, "stats", STATUS_OK, NULL);
}

static void fs_do(struct fs_thread *th, const struct fs_op *op)
{
    switch ((enum fs_opcode)op->code) {
    case FS_OP_SEND: fs_send(th, op->len, op->arg >> 7); break;
    case FS_OP_RECV: fs_recv(th, op->arg >> 7); break;
    case FS_OP_CLOSE:
        if (fs_client(th->role))
            fs_close_send(th);
        else
            fs_finish(th, fs_code(op->arg));
        break;
    case FS_OP_CANCEL: fs_cancel(th, 0, op->arg); break;
    case FS_OP_SLEEP:
        sched_sleep_ns(fs_sleeps[op->arg & 7]);
        fs_log(th, "sleep", STATUS_OK, NULL);
        break;
    case FS_OP_MISUSE: fs_misuse(th, op->arg); break;
    case FS_OP_CANCEL_PARENT: fs_cancel(th, 1, op->arg); break;
    case FS_OP_STATS: fs_stats(th); break;
    }
    fs_final(th->run, NULL);
}

/* The end of every program: a cancel, or this role's part of a clean end. */
static void fs_finale(struct fs_thread *th)
{
    const struct fs_program *p = th->run->prog;

    if (p->cancel_finale >> th->index & 1) {
        fs_cancel(th, 0, 0);
        if (fs_recvs(th->role))
            fs_recv(th, 0); /* must return the final status at once */
        return;
    }
    switch (th->role) {
    case FS_CLIENT:
        fs_close_send(th);
        fs_drain(th);
        break;
    case FS_CLIENT_SEND: fs_close_send(th); break;
    case FS_CLIENT_RECV:
    case FS_SERVER_RECV: fs_drain(th); break;
    case FS_SERVER:
        if (p->drain_first)
            fs_drain(th);
        fs_finish(th, p->finish_code);
        break;
    case FS_SERVER_SEND: fs_finish(th, p->finish_code); break;
    }
}

static enum status fs_thread_main(void *arg)
{
    struct fs_thread *th = arg;
    const struct fs_program *p = th->run->prog;
    size_t i = 0;

    for (i = 0; i < p->nops[th->index]; i++)
        fs_do(th, &p->ops[th->index][i]);
    fs_finale(th);
    return STATUS_OK;
}

/* ---- after the run ------------------------------------------------------- */

static void fs_check_dir(struct fs_run *run, int d)
{
    const struct fs_dir *dir = &run->dir[d];
    const char *name = d == STREAM_C2S ? "c2s" : "s2c";
    size_t k = 0;

    if (dir->ngot > dir->nsent)
        fs_violation(run, "%s: %zu messages received, %zu sent", name,
                     dir->ngot, dir->nsent);
    for (k = 0; k < dir->ngot && k < dir->nsent; k++)
        if (dir->got[k].len != dir->sent[k].len ||
            dir->got[k].hash != dir->sent[k].hash)
            fs_violation(run,
                         "%s: message %zu received (%lu B) is not the "
                         "one sent %zu-th (%lu B): lost, doubled, "
                         "reordered or garbled",
                         name, k, (unsigned long)dir->got[k].len, k,
                         (unsigned long)dir->sent[k].len);
    if (dir->whole && dir->ngot != dir->nsent)
        fs_violation(run,
                     "%s: the receiver saw the end after %zu of %zu "
                     "messages",
                     name, dir->ngot, dir->nsent);
}

static void fs_check_end(struct fs_run *run)
{
    const struct fs_program *p = run->prog;
    struct stream_stats ss = stream_get_stats(run->s);
    struct status_detail fin;
    int has_final = fs_final(run, &fin);
    int d = 0;

    for (d = 0; d < 2; d++) {
        fs_check_dir(run, d);
        if (ss.sent[d] != run->dir[d].nsent ||
            ss.received[d] != run->dir[d].ngot)
            fs_violation(run,
                         "counters %s: sent %llu received %llu, the "
                         "threads saw %zu and %zu",
                         d == STREAM_C2S ? "c2s" : "s2c",
                         (unsigned long long)ss.sent[d],
                         (unsigned long long)ss.received[d], run->dir[d].nsent,
                         run->dir[d].ngot);
    }
    if (p->may_tear)
        return;
    /* Nothing could tear the call down: it ends with the server's status. */
    if (!has_final || fin.code != run->trailer_code ||
        strcmp(fin.text, FS_TRAILER) != 0 || !run->dir[STREAM_S2C].whole)
        fs_violation(run,
                     "with no cancel, deadline or oversize message the "
                     "call ended with %s \"%s\", not the server's %s",
                     has_final ? status_name(fin.code) : "no status",
                     has_final ? fin.text : "", status_name(run->trailer_code));
}

static void fs_print_program(const struct fs_program *p)
{
    int t = 0;

    fprintf(
        stderr,
        "fuzz_stream: seed %llu, layout %d, capacity %zu, deadline %lld "
        "ns%s, max_recv %lu, max_send %lu, finish %s, cancel-ends %#x%s%s\n",
        (unsigned long long)p->seed, p->layout, p->capacity,
        (long long)p->timeout_ns, p->deadline_on_parent ? " (parent)" : "",
        (unsigned long)p->max_recv, (unsigned long)p->max_send,
        status_name(p->finish_code), p->cancel_finale,
        p->drain_first ? ", server drains first" : "",
        p->born_cancelled ? ", parent cancelled first" : "");
    for (t = 0; t < FS_THREADS; t++) {
        size_t i = 0;

        fprintf(stderr, "  %-12s:", fs_names[p->layout][t]);
        for (i = 0; i < p->nops[t]; i++) {
            const struct fs_op *op = &p->ops[t][i];

            if (op->code == FS_OP_SEND)
                fprintf(stderr, " send(%u)", (unsigned)op->len);
            else
                fprintf(stderr, " %s", fs_op_names[op->code]);
        }
        fputc('\n', stderr);
    }
}

static enum status fs_main(void *arg)
{
    struct fs_run *run = arg;
    const struct fs_program *p = run->prog;
    struct stream_options o;
    int started = 0;
    int t = 0;

    memset(&o, 0, sizeof o);
    o.capacity = p->capacity;
    o.max_recv = p->max_recv;
    o.max_send = p->max_send;
    o.trace = run->trace;
    if (p->timeout_ns != 0 && p->deadline_on_parent) {
        if (context_create_with_deadline(NULL, sched_now_ns() + p->timeout_ns,
                                         &run->parent) != STATUS_OK)
            return STATUS_RESOURCE_EXHAUSTED;
    } else {
        o.timeout_ns = p->timeout_ns;
        if (context_create(NULL, &run->parent) != STATUS_OK)
            return STATUS_RESOURCE_EXHAUSTED;
    }
    if (p->born_cancelled)
        context_cancel(run->parent, STATUS_CANCELLED, FS_PARENT_TEXT);
    if (stream_create(run->parent, &o, &run->s) != STATUS_OK) {
        context_destroy(run->parent);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    run->deadline = context_deadline(stream_context(run->s));
    run->torn = p->born_cancelled;
    if (p->born_cancelled && !fs_final(run, NULL))
        fs_violation(run, "a call made under a cancelled parent has no "
                          "final status");
    for (t = 0; t < FS_THREADS; t++) {
        struct fs_thread *th = &run->threads[t];

        th->run = run;
        th->index = t;
        th->role = fs_layouts[p->layout][t];
        th->end =
            fs_client(th->role) ? stream_client(run->s) : stream_server(run->s);
        if (sched_thread_start(&th->t, fs_names[p->layout][t], fs_thread_main,
                               th) != STATUS_OK)
            break;
        started++;
    }
    for (t = 0; t < started; t++)
        sched_thread_join(&run->threads[t].t);
    if (started == FS_THREADS)
        fs_check_end(run);
    for (t = 0; t < FS_THREADS; t++)
        frame_msg_free(&run->threads[t].msg);
    stream_destroy(run->s);
    context_destroy(run->parent);
    return started == FS_THREADS ? STATUS_OK : STATUS_RESOURCE_EXHAUSTED;
}

/* ---- one input ----------------------------------------------------------- */

/* What a run left behind, for the report and the "twice" comparison. */
struct fs_result {
    int usable; /* the simulator ran the whole program */
    int failed;
    char msg[1024];
    uint64_t steps;
    uint64_t outcome;
    struct sched_decision *decisions;
    size_t ndecisions;
};

static void fs_simulate(const struct fs_program *p, int verbose,
                        struct fs_result *res)
{
    struct fs_run *run = calloc(1, sizeof *run);
    struct sched_sim_options o;
    struct sched_sim_result r;
    enum status out = STATUS_UNKNOWN;

    memset(res, 0, sizeof *res);
    if (run == NULL)
        return;
    run->prog = p;
    run->verbose = verbose;
    run->trace = verbose ? trace_create() : NULL;
    memset(&o, 0, sizeof o);
    o.strategy = SCHED_RANDOM;
    o.seed = p->seed;
    if (sched_sim_run(&o, fs_main, run, &out, &r) == STATUS_OK) {
        res->usable = out == STATUS_OK || r.deadlocked;
        res->steps = r.steps;
        res->outcome = run->outcome;
        if (r.deadlocked) {
            res->failed = 1;
            snprintf(res->msg, sizeof res->msg,
                     "the run deadlocked: %.500s%s%.400s", r.report,
                     run->failed ? "; before that: " : "",
                     run->failed ? run->msg : "");
        } else if (run->failed && res->usable) {
            res->failed = 1;
            snprintf(res->msg, sizeof res->msg, "%.900s", run->msg);
        }
        if (verbose) {
            char replay[256];

            sched_schedule_format(r.decisions, r.ndecisions, replay,
                                  sizeof replay);
            fprintf(stderr, "fuzz_stream: %llu steps, %s; schedule %s\n",
                    (unsigned long long)r.steps,
                    res->failed ? res->msg : "every invariant held", replay);
            if (run->trace != NULL)
                timeline_print(run->trace, stderr, 0);
        }
        res->decisions = r.decisions; /* owned by res from here */
        res->ndecisions = r.ndecisions;
    } else {
        sched_sim_result_free(&r);
    }
    trace_destroy(run->trace);
    free(run);
}

/* Field by field: the structs' padding is not part of a decision. */
static int fs_same_decisions(const struct fs_result *a,
                             const struct fs_result *b)
{
    size_t k = 0;

    if (a->ndecisions != b->ndecisions)
        return 0;
    for (k = 0; k < a->ndecisions; k++)
        if (a->decisions[k].runnable != b->decisions[k].runnable ||
            a->decisions[k].current != b->decisions[k].current ||
            a->decisions[k].chosen != b->decisions[k].chosen)
            return 0;
    return 1;
}

int fuzz_stream_one(const uint8_t *data, size_t size)
{
    struct fs_program *p = malloc(sizeof *p);
    struct fs_result a, b;
    int verbose = getenv("FUZZ_VERBOSE") != NULL;
    int failed = 0;

    if (p == NULL)
        return 0;
    fs_parse(data, size, p);
    if (verbose)
        fs_print_program(p);
    fs_simulate(p, verbose, &a);
    memset(&b, 0, sizeof b);
    if (a.failed) {
        failed = fuzz_fail("stream",
                           "%s (seed %llu; FUZZ_VERBOSE=1 prints "
                           "the run)",
                           a.msg, (unsigned long long)p->seed);
    } else if (a.usable && p->twice) {
        fs_simulate(p, 0, &b);
        if (b.usable && (b.failed || a.steps != b.steps ||
                         a.outcome != b.outcome || !fs_same_decisions(&a, &b)))
            failed = fuzz_fail("stream",
                               "the same seed (%llu) gave two "
                               "different runs: %llu and %llu "
                               "steps",
                               (unsigned long long)p->seed,
                               (unsigned long long)a.steps,
                               (unsigned long long)b.steps);
    }
    free(a.decisions);
    free(b.decisions);
    free(p);
    return failed;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_stream_one(data, size) != 0)
        abort(); /* libFuzzer saves the input as crash-<sha1> */
    return 0;
}
#endif

/*
 * call: the harness every scenario runs on: one call (a stream, a server
 * thread, a group of client threads), the handshakes between its threads,
 * the starting of threads and what a run that could not start them all
 * may say, the standard client sender, and the wrapper that runs a
 * scenario's body simulated or on real threads.
 *
 * Design
 *   Every scenario but the hub is one call (struct call): a stream, a
 *   server thread and a group of client threads. run_call() starts them,
 *   waits for the group (errgroup: first error wins) and joins the
 *   server, so each scenario only writes its thread bodies and its
 *   narration. A run of several streams (the hub) starts plain threads
 *   with run_threads() instead: the same start, abort and join rules,
 *   without the group.
 *
 *   Thread bodies never assert: they store what they saw in struct call,
 *   and the scenario checks its invariants after every thread is joined
 *   (a message lost, duplicated, reordered or altered: broken() sets
 *   r->broken).
 *
 *   Handshakes (struct latch) order threads where a lesson needs a fixed
 *   order, for example "cancel only after every update is buffered"; no
 *   scenario sleeps to order threads. The backpressure scenario sleeps to
 *   play a slow receiver, which is what it is about.
 *
 *   No wait outlives its call. A thread waits either in a stream call,
 *   which the call's cancellation wakes, or in a handshake (a latch, a
 *   queue, the send quota) for a sibling that waits the same way, so a
 *   cancel reaches every waiter. The one wait no cancel would end is for
 *   a sibling that never started: when a thread cannot start (a `ulimit
 *   -u`, no memory), the run cancels the call and aborts every handshake
 *   (call_abort, and the scenario's own abort hook), so each waiter
 *   leaves with CANCELLED; the run then ends with RESOURCE_EXHAUSTED
 *   "could not start thread NAME: REASON".
 *
 *   Narration is measured: each line reports this run's counters, and a
 *   claim ("finished with OK", "nothing was lost", "in order") is made
 *   only when this run checked it. A run that could not start all its
 *   threads checks nothing and says only what it counted (starts_finish).
 *
 *   Adding a scenario: one file that defines its struct scenario (its
 *   thread bodies, its option check, its narration) on this harness, and
 *   one row in registry.c.
 */
#ifndef CALL_H
#define CALL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/frame.h"
#include "core/group.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"
#include "scenarios/scenario.h"

/* Room for the text of one message a scenario thread writes. */
#define CALL_TEXT_MAX 128

/* ---- a one-shot or counting handshake ----------------------------------- */

struct latch {
    struct sched_mutex mu;
    struct sched_cond opened;
    int count;   /* open when it reaches 0 */
    int aborted; /* the run gave up (call_abort): waiters leave */
};

/* Sets l up closed, to open after count calls of latch_count_down. */
void latch_init(struct latch *l, int count);
void latch_destroy(struct latch *l);

/* One step towards open; the last one wakes every waiter. */
void latch_count_down(struct latch *l);

/* Wakes every waiter for good: the thread that would open it is gone. */
void latch_abort(struct latch *l);

/*
 * Blocks until l is open or aborted.
 * Returns one of:
 *   STATUS_OK         it is open
 *   STATUS_CANCELLED  it was aborted first
 *   STATUS_DEADLOCK   (SIM mode) nothing could ever open it: unwind
 */
enum status latch_wait(struct latch *l);

/* ---- starting threads --------------------------------------------------- */

/* The threads a run starts, and what kept it from starting them all. */
struct starts {
    int refuse;               /* scenario_options.refuse_thread (a test hook) */
    int tried;                /* starts attempted */
    int started;              /* threads that started */
    struct status_detail why; /* the first failure; code OK while none */
};

/* Sets s up for a run with o (o->refuse_thread: the start to refuse). */
void starts_init(struct starts *s, const struct scenario_options *o);

/*
 * The end of a run of needed threads whose outcome is st. When fewer
 * started (or none: the run had no memory to begin), r->why says why,
 * r's report says only what the run counted (r->stats, filled first), and
 * the result is s->why's code, RESOURCE_EXHAUSTED; else it is st.
 */
enum status starts_finish(struct starts *s, struct scenario_result *r,
                          int needed, enum status st);

/* One thread run_threads starts: its name and body, then its handle. */
struct run_thread {
    char name[SCHED_NAME_MAX];
    sched_fn fn;
    void *arg;
    struct sched_thread thread;
};

/*
 * Starts t[0..n) in order until one cannot start (s counts them; after a
 * failure, abort_run(abort_arg) ends the run so that those started
 * return), then joins every thread that started, in order.
 * Returns STATUS_OK, the failed start's status, or else the first
 * status a thread returned that is not OK.
 */
enum status run_threads(struct starts *s, struct run_thread *t, size_t n,
                        void (*abort_run)(void *abort_arg), void *abort_arg);

/* ---- one call ----------------------------------------------------------- */

struct call {
    struct stream *s;
    struct stream_options so;
    struct scenario_result *r;
    int n; /* messages the scenario is about */
    int fix;
    int forget_close_send; /* client_sender returns without half-closing */
    int close_on_latch;    /* client/recv half-closes once latch opens: no
                              sender thread of the client does it */
    int (*text)(int i, char *out, size_t cap); /* message i's text */
    struct latch latch;                        /* scenario-specific handshake */
    void (*abort)(struct call *c); /* aborts the scenario's other handshakes
                                      (NULL: it has none) */
    struct starts starts;          /* the threads run_call started */
    int threads;                   /* the threads a whole run starts */
    /* the server's view */
    int server_got;
    int server_sent;
    enum status server_end; /* its last operation's status */
    struct status_detail server_why;
    /* the client's view */
    int client_sent;
    int closed_send; /* its stream_close_send returned OK */
    int client_got;
    enum status sender_end;
    enum status receiver_end;
};

/* A client thread of the call: a group task's name and body. */
struct task {
    const char *name;
    group_fn fn;
};

/* The messages a run of sc with o is about: o's, else sc's default. */
int call_messages(const struct scenario *sc, const struct scenario_options *o);

/* The bytes each pipe of a run holds: o's, else sc's, else the pipe's. */
size_t call_capacity(const struct scenario *sc,
                     const struct scenario_options *o);

/* grpc-go's per-stream write quota (defaultWriteQuota), as the h2 wire's. */
#define CALL_H2_WRITE_QUOTA 65536

/* HTTP/2's default window, as the h2 wire's. */
#define CALL_H2_WINDOW 65535

/*
 * The bytes one direction of a run takes, in messages of frame bytes on
 * the wire, before its sender waits: on the raw wire its pipe's
 * (call_capacity); on the h2 wire what the smaller of the stream's and
 * the connection's windows lets onto the wire, and the sender's write
 * quota: a send queues its whole message while fewer than
 * CALL_H2_WRITE_QUOTA bytes are queued, so up to frame - 1 more.
 */
size_t call_holds(const struct scenario *sc, const struct scenario_options *o,
                  size_t frame);

/*
 * Sets c up for one run of sc with o, filling r: call_messages and
 * call_capacity, message_text as the text, and c->latch closed until
 * latch calls of latch_count_down (1: a one-shot).
 */
void call_init(struct call *c, const struct scenario *sc,
               const struct scenario_options *o, struct scenario_result *r,
               int latch);

/* 1 when the call could not start all its threads (it checked nothing). */
int call_short(const struct call *c);

/*
 * Runs server on a thread named "server" and each task in a group, then
 * waits for all. Returns the group's first error (its words in r->why),
 * or RESOURCE_EXHAUSTED when a thread could not start: the tasks after it
 * are not started, and the call is aborted (call_abort) so that those
 * started return. Frees the call's stream and latch; r->stats holds the
 * call's counters.
 */
enum status run_call(struct call *c, sched_fn server, const struct task *tasks,
                     size_t ntasks);

/* ---- the standard client sender ----------------------------------------- */

/*
 * A task: sends c->n messages (c->text), then half-closes (unless
 * c->forget_close_send). Sets c->client_sent, c->sender_end and
 * c->closed_send. An EOF from send means the server ended the call: the
 * receiver will read its status, so that is not an error.
 */
enum status send_then_close(void *arg, struct status_detail *why);

/* How the client's sender ended: its count, and CloseSend if it called it. */
void say_client_sent(struct scenario_result *r, const struct call *c,
                     const char *who);

/* ---- running a scenario ------------------------------------------------- */

/*
 * Runs sc->body(sc, o, r): on the calling thread with o->os, else as the
 * main thread of a simulation with o's seed, strategy and forced choices
 * (r->simulated and r->sim say how it went).
 * Returns the body's status, or the simulator's when it could not run.
 */
enum status run_body(const struct scenario *sc,
                     const struct scenario_options *o,
                     struct scenario_result *r);

/* ---- message text ------------------------------------------------------- */

/*
 * Small helpers every scenario file uses. They are static inline, so each
 * file has them under these short names and the archive exports no
 * symbol as common as `broken`.
 */

/* The text of message i: a few words, then numbered ones. */
static inline int message_text(int i, char *out, size_t cap)
{
    static const char *const words[] = {"hello", "how are you?", "bye"};

    if (i < 3)
        return snprintf(out, cap, "%s", words[i]);
    return snprintf(out, cap, "message %d", i + 1);
}

/* 1 when m holds exactly text. */
static inline int same_text(const struct frame_msg *m, const char *text)
{
    size_t len = strlen(text);

    return m->length == len && memcmp(m->data, text, len) == 0;
}

/* Records the first broken invariant in r; later ones add nothing. */
static inline void broken(struct scenario_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline void broken(struct scenario_result *r, const char *fmt, ...)
{
    va_list ap;

    if (r->broken[0] != '\0')
        return;
    va_start(ap, fmt);
    vsnprintf(r->broken, sizeof r->broken, fmt, ap);
    va_end(ap);
}

#endif /* CALL_H */

/*
 * reconcile: the control-plane session. The client declares a desired
 * state ("desired v1"), the server streams its progress towards it
 * ("v1 CreatingPod 33%", "v1 PullImage 66%", "v1 Running"). Each new
 * desired state the client sends mid-way supersedes the one before: the
 * server says "v1 superseded by v2" and starts over on v2. The client
 * sends desired states v1..vN (N: --messages), each once it has read the
 * first progress of the one before, and half-closes (CloseSend) only
 * after it has read that vN is Running: the session ends after
 * convergence.
 *
 * Design
 *   One call on the harness. The server needs to hear a new desired state
 *   while it is busy sending progress, so it has two threads, as the
 *   client has: "server/recv" reads desired states into a slot (the
 *   latest version), and "server" (the reconciler) takes the latest from
 *   the slot, checks it before each step and sends the progress. Each
 *   side's shared state lives under its own mutex with a condition
 *   variable. Whoever reads from the stream marks its side over when it
 *   returns for any reason, and wakes the waiters, so no wait outlives
 *   the call. The reconciler sleeps (virtual time) after each step to
 *   play the work a step takes: it is what the lesson is about.
 */
#include <stdlib.h>

#include "core/trace.h"
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/registry.h"

/* The steps towards a desired state; the last one is convergence. */
static const char *const rc_steps[] = {"CreatingPod 33%", "PullImage 66%",
                                       "Running"};
#define RC_NSTEPS 3

/* Virtual time the server spends on each step. */
#define RC_WORK_NS 1000000

/* One side's shared state: a version, and whether its reader returned. */
struct rc_side {
    struct sched_mutex mu; /* guards what follows */
    struct sched_cond changed;
    int version; /* server: the latest desired state read; client: the
                    latest version whose progress client/recv read */
    int running; /* client: the latest version read as Running */
    int over;    /* this side's reader has returned */
};

struct rc_call {
    struct call c; /* first: tasks get a struct call * */
    struct rc_side srv, cli;
    int desired_read; /* by server/recv */
    enum status srv_recv_end;
    int superseded; /* desired states the server gave up on */
    int steps_sent; /* progress messages the server sent */
    int converged;  /* the version the server reached Running on */
    int went_back;  /* client/recv read an older version after a newer */
};

static void rc_side_init(struct rc_side *sd)
{
    sched_mutex_init(&sd->mu);
    sched_cond_init(&sd->changed);
}

static void rc_side_destroy(struct rc_side *sd)
{
    sched_cond_destroy(&sd->changed);
    sched_mutex_destroy(&sd->mu);
}

/* Marks sd's reader returned and wakes every waiter. */
static void rc_side_end(struct rc_side *sd)
{
    sched_mutex_lock(&sd->mu);
    sd->over = 1;
    sched_cond_broadcast(&sd->changed);
    sched_mutex_unlock(&sd->mu);
}

/* The version in "desired vK" or "vK ..."; 0 when m has none. */
static int rc_version(const struct frame_msg *m)
{
    char text[CALL_TEXT_MAX];
    const char *v = NULL;
    size_t len = m->length < sizeof text - 1 ? m->length : sizeof text - 1;

    memcpy(text, m->data, len);
    text[len] = '\0';
    v = strncmp(text, "desired ", 8) == 0 ? text + 8 : text;
    if (v[0] != 'v')
        return 0;
    return atoi(v + 1);
}

/* server/recv: each desired state into the slot, until EOF. */
static enum status rc_server_recv(void *arg, struct status_detail *why)
{
    struct rc_call *rc = arg;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_server(rc->c.s), &msg, why)) == STATUS_OK) {
        sched_mutex_lock(&rc->srv.mu);
        rc->srv.version = rc_version(&msg);
        rc->desired_read++;
        sched_cond_broadcast(&rc->srv.changed);
        sched_mutex_unlock(&rc->srv.mu);
    }
    rc->srv_recv_end = st;
    rc_side_end(&rc->srv);
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* The latest desired state, 0 when none. */
static int rc_latest(struct rc_call *rc)
{
    int v = 0;

    sched_mutex_lock(&rc->srv.mu);
    v = rc->srv.version;
    sched_mutex_unlock(&rc->srv.mu);
    return v;
}

/* Sends "vK TEXT" on the server's end. */
static enum status rc_say(struct rc_call *rc, int v, const char *what)
{
    char text[CALL_TEXT_MAX];
    int len = snprintf(text, sizeof text, "v%d %s", v, what);

    return stream_send(stream_server(rc->c.s), text, (size_t)len,
                       &rc->c.server_why);
}

/* The steps towards v, until done or a newer desired state arrives. */
static enum status rc_converge(struct rc_call *rc, int v)
{
    char text[CALL_TEXT_MAX];
    enum status st = STATUS_OK;
    int newer = 0;
    int i = 0;

    for (i = 0; i < RC_NSTEPS && st == STATUS_OK; i++) {
        newer = rc_latest(rc);
        if (newer != v) {
            rc->superseded++;
            snprintf(text, sizeof text, "superseded (v%d)", newer);
            return rc_say(rc, v, text);
        }
        st = rc_say(rc, v, rc_steps[i]);
        if (st != STATUS_OK)
            break;
        rc->steps_sent++;
        if (i + 1 < RC_NSTEPS)
            sched_sleep_ns(RC_WORK_NS);
    }
    if (st == STATUS_OK)
        rc->converged = v;
    return st;
}

/* The reconciler: converges on each latest desired state until EOF. */
static enum status rc_server(void *arg)
{
    struct rc_call *rc = arg;
    enum status st = STATUS_OK;
    int started = 0;
    int v = 0;

    for (;;) {
        sched_mutex_lock(&rc->srv.mu);
        while (rc->srv.version == started && !rc->srv.over)
            sched_cond_wait(&rc->srv.changed, &rc->srv.mu);
        v = rc->srv.version;
        sched_mutex_unlock(&rc->srv.mu);
        if (v == started)
            break;
        started = v;
        st = rc_converge(rc, v);
        if (st != STATUS_OK)
            break;
    }
    if (st == STATUS_OK && rc->srv_recv_end == STATUS_EOF)
        st = stream_finish(stream_server(rc->c.s), STATUS_OK, NULL);
    else if (st == STATUS_OK)
        st = rc->srv_recv_end;
    rc->c.server_end = st;
    return st;
}

/* client/send waits until client/recv has read vK's progress (or Running). */
static void rc_wait_client(struct rc_call *rc, int k, int running)
{
    struct rc_side *sd = &rc->cli;

    sched_mutex_lock(&sd->mu);
    while ((running ? sd->running : sd->version) < k && !sd->over)
        sched_cond_wait(&sd->changed, &sd->mu);
    sched_mutex_unlock(&sd->mu);
}

/* client/send: desired v1..vN, each after vK-1's first progress; then
 * CloseSend once vN is Running. */
static enum status rc_sender(void *arg, struct status_detail *why)
{
    struct rc_call *rc = arg;
    struct call *c = &rc->c;
    char text[CALL_TEXT_MAX];
    enum status st = STATUS_OK;
    int len = 0;

    for (; c->client_sent < c->n && st == STATUS_OK; c->client_sent++) {
        if (c->client_sent > 0)
            rc_wait_client(rc, c->client_sent, 0);
        len = snprintf(text, sizeof text, "desired v%d", c->client_sent + 1);
        st = stream_send(stream_client(c->s), text, (size_t)len, why);
        if (st != STATUS_OK)
            break;
    }
    if (st == STATUS_OK) {
        rc_wait_client(rc, c->n, 1);
        st = stream_close_send(stream_client(c->s));
        c->closed_send = st == STATUS_OK;
    }
    c->sender_end = st;
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* client/recv: the progress, telling client/send what it has seen. */
static enum status rc_receiver(void *arg, struct status_detail *why)
{
    struct rc_call *rc = arg;
    struct call *c = &rc->c;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_client(c->s), &msg, why)) == STATUS_OK) {
        int v = rc_version(&msg);
        int running = msg.length >= 7 &&
                      memcmp(msg.data + msg.length - 7, "Running", 7) == 0;

        sched_mutex_lock(&rc->cli.mu);
        rc->went_back += v < rc->cli.version;
        if (v > rc->cli.version)
            rc->cli.version = v;
        if (running && v > rc->cli.running)
            rc->cli.running = v;
        sched_cond_broadcast(&rc->cli.changed);
        sched_mutex_unlock(&rc->cli.mu);
        c->client_got++;
    }
    c->receiver_end = st;
    rc_side_end(&rc->cli);
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* A thread could not start: nobody will end either side's waits. */
static void rc_abort(struct call *c)
{
    struct rc_call *rc = (struct rc_call *)c;

    rc_side_end(&rc->srv);
    rc_side_end(&rc->cli);
}

static void rc_report(struct scenario_result *r, const struct rc_call *rc)
{
    const struct call *c = &rc->c;

    scenario_say(r,
                 "client/send declared %d desired state%s, then %s after "
                 "v%d was Running",
                 c->client_sent, c->client_sent == 1 ? "" : "s",
                 c->closed_send ? "CloseSend" : "no CloseSend",
                 rc->cli.running);
    scenario_say(r, "server/recv read %d desired state%s, then %s",
                 rc->desired_read, rc->desired_read == 1 ? "" : "s",
                 status_name(rc->srv_recv_end));
    scenario_say(r,
                 "server: %d superseded mid-way, v%d Running after %d "
                 "progress messages, then %s",
                 rc->superseded, rc->converged, rc->steps_sent,
                 status_name(c->server_end));
    scenario_say(r,
                 "client/recv read %d messages, never an older version "
                 "after a newer, then %s",
                 c->client_got, status_name(c->receiver_end));
}

/* The invariants of an OK run: every state read, the last one reached. */
static void rc_check(struct scenario_result *r, const struct rc_call *rc)
{
    const struct call *c = &rc->c;

    if (rc->desired_read != c->n || rc->converged != c->n ||
        rc->cli.running != c->n)
        broken(r,
               "server/recv read %d desired states of %d; the server "
               "converged on v%d, client/recv read v%d Running",
               rc->desired_read, c->n, rc->converged, rc->cli.running);
    if (rc->went_back > 0)
        broken(r, "client/recv read an older version after a newer %d times",
               rc->went_back);
}

static enum status run_reconcile(const struct scenario *scn,
                                 const struct scenario_options *o,
                                 struct scenario_result *r)
{
    static const struct task tasks[] = {{"client/send", rc_sender},
                                        {"client/recv", rc_receiver},
                                        {"server/recv", rc_server_recv}};
    struct rc_call rc;
    enum status st = STATUS_OK;

    memset(&rc, 0, sizeof rc);
    call_init(&rc.c, scn, o, r, 1);
    rc.c.abort = rc_abort;
    rc_side_init(&rc.srv);
    rc_side_init(&rc.cli);
    st = run_call(&rc.c, rc_server, tasks, 3);
    if (!call_short(&rc.c)) {
        if (st == STATUS_OK)
            rc_check(r, &rc);
        rc_report(r, &rc);
    }
    rc_side_destroy(&rc.cli);
    rc_side_destroy(&rc.srv);
    return st;
}

/* The first event of kind by thread who whose text has words; -1: none. */
static long rc_find(const struct scenario_progress *p, enum trace_kind kind,
                    const char *who, const char *words)
{
    size_t i = 0;

    for (i = 0; i < p->nevents; i++) {
        const struct trace_event *e = trace_event_at(p->trace, i);

        if (e->kind == kind && strcmp(e->thread, who) == 0 &&
            strstr(e->text, words) != NULL)
            return (long)i;
    }
    return -1;
}

/* The server started on v2 before client/recv read that v1 was dropped. */
static int v2_before_superseded_read(const struct scenario_progress *p)
{
    return challenge_before(
        rc_find(p, TRACE_SEND, "server", "v2 CreatingPod"),
        rc_find(p, TRACE_RECV, "client/recv", "superseded"));
}

/* The goals of `duplex step reconcile` (see scenario.h). */
static const struct scenario_challenge rc_challenges[] = {
    {"ahead",
     "make the server send v2's first step before client/recv has read "
     "that v1 was superseded",
     0, v2_before_superseded_read},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_reconcile = {
    .name = "reconcile",
    .summary = "the client declares a desired state, the server streams "
               "progress; a newer one supersedes it",
    .default_messages = 2,
    .min_messages = 1,
    .expected = SCENARIO_EXIT_OK,
    .body = run_reconcile,
    .challenges = rc_challenges,
};

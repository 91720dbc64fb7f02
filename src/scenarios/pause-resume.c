/*
 * pause-resume: backpressure as messages, next to the transport's own.
 * The client uploads messages; the server takes them in windows of
 * PR_WINDOW: after each full window (but the last) it sends PAUSE (the
 * articles' BackpressureSignal), processes the window (virtual time),
 * then sends RESUME. The client's reader sets or clears a pause flag on
 * each signal, and its sender waits while the flag is set: the
 * application holds it. Messages it sent before the PAUSE arrived still
 * fill c2s, and a sender that finds c2s full waits in the pipe: the
 * transport holds it. The timeline shows each hold as a BLOCK of
 * client/send, "PAUSE" (the application) or "pipe full" (the
 * transport), and the report counts both.
 *
 * Design
 *   One call on the harness: the server, client/send and client/recv.
 *   The pause flag lives under one mutex with a condition variable.
 *   client/recv clears it and wakes the sender on RESUME, and, when it
 *   returns for any reason, marks the call over and wakes the sender too,
 *   so no wait on the flag outlives the call (a cancel or a deadline ends
 *   client/recv's read, then the sender's wait). The server sleeps to
 *   play the time processing takes, as backpressure's slow reader does:
 *   it is what the lesson is about.
 */
#include "core/trace.h"
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/registry.h"

/* Messages the server takes before it asks for a pause. */
#define PR_WINDOW 4

/* Virtual time the server spends on each message of a window. */
#define PR_WORK_NS 1000000

struct pr_call {
    struct call c;         /* first: tasks get a struct call * */
    struct sched_mutex mu; /* guards what follows */
    struct sched_cond changed;
    int paused; /* the last signal client/recv read was PAUSE */
    int over;   /* client/recv has returned: nobody will clear paused */
    int pauses_sent, resumes_sent; /* by the server */
    int pauses_read;               /* by client/recv */
    int app_holds;                 /* client/send waited for a RESUME */
};

/* The server: reads each message, pausing the client after each window. */
static enum status pr_server(void *arg)
{
    struct pr_call *pc = arg;
    struct call *c = &pc->c;
    struct stream_end *e = stream_server(c->s);
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(e, &msg, &c->server_why)) == STATUS_OK) {
        if (++c->server_got % PR_WINDOW != 0 || c->server_got == c->n)
            continue;
        st = stream_send(e, "PAUSE", 5, &c->server_why);
        if (st != STATUS_OK)
            break;
        pc->pauses_sent++;
        sched_sleep_ns((int64_t)PR_WINDOW * PR_WORK_NS);
        st = stream_send(e, "RESUME", 6, &c->server_why);
        if (st != STATUS_OK)
            break;
        pc->resumes_sent++;
    }
    if (st == STATUS_EOF)
        st = stream_finish(e, STATUS_OK, NULL);
    c->server_end = st;
    frame_msg_free(&msg);
    return st;
}

/* client/send waits while paused (the application holds it). */
static void pr_wait_resume(struct pr_call *pc)
{
    struct trace *t = pc->c.so.trace;

    sched_mutex_lock(&pc->mu);
    if (pc->paused && !pc->over) {
        pc->app_holds++;
        trace_event(t, TRACE_BLOCK, "c2s", 0, 0, STATUS_OK,
                    "PAUSE from the server (the application)");
        while (pc->paused && !pc->over)
            sched_cond_wait(&pc->changed, &pc->mu);
        trace_event(t, TRACE_WAKE, "c2s", 0, 0, STATUS_OK, "%s",
                    pc->over ? "the call is over" : "RESUME");
    }
    sched_mutex_unlock(&pc->mu);
}

/* client/send: each message once not paused, then CloseSend. */
static enum status pr_sender(void *arg, struct status_detail *why)
{
    struct pr_call *pc = arg;
    struct call *c = &pc->c;
    char text[CALL_TEXT_MAX];
    enum status st = STATUS_OK;
    int len = 0;

    for (; c->client_sent < c->n && st == STATUS_OK; c->client_sent++) {
        pr_wait_resume(pc);
        len = message_text(c->client_sent, text, sizeof text);
        st = stream_send(stream_client(c->s), text, (size_t)len, why);
        if (st != STATUS_OK)
            break;
    }
    if (st == STATUS_OK) {
        st = stream_close_send(stream_client(c->s));
        c->closed_send = st == STATUS_OK;
    }
    c->sender_end = st;
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* client/recv: sets or clears the pause on each signal. */
static enum status pr_receiver(void *arg, struct status_detail *why)
{
    struct pr_call *pc = arg;
    struct call *c = &pc->c;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_client(c->s), &msg, why)) == STATUS_OK) {
        int pause = same_text(&msg, "PAUSE");

        if (!pause && !same_text(&msg, "RESUME"))
            broken(c->r, "signal %d is neither PAUSE nor RESUME",
                   c->client_got + 1);
        sched_mutex_lock(&pc->mu);
        pc->paused = pause;
        pc->pauses_read += pause;
        sched_cond_broadcast(&pc->changed);
        sched_mutex_unlock(&pc->mu);
        c->client_got++;
    }
    sched_mutex_lock(&pc->mu);
    pc->over = 1;
    sched_cond_broadcast(&pc->changed);
    sched_mutex_unlock(&pc->mu);
    c->receiver_end = st;
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* A thread could not start: nobody waits on the flag any more. */
static void pr_abort(struct call *c)
{
    struct pr_call *pc = (struct pr_call *)c;

    sched_mutex_lock(&pc->mu);
    pc->over = 1;
    sched_cond_broadcast(&pc->changed);
    sched_mutex_unlock(&pc->mu);
}

static void pr_say(struct scenario_result *r, const struct pr_call *pc)
{
    const struct call *c = &pc->c;
    int transport = (int)r->stats.write_waits[STREAM_C2S];

    say_client_sent(r, c, "client/send");
    scenario_say(r,
                 "server read %d in windows of %d: %d PAUSE and %d RESUME "
                 "sent, then %s",
                 c->server_got, PR_WINDOW, pc->pauses_sent, pc->resumes_sent,
                 status_name(c->server_end));
    scenario_say(r, "client/recv read %d PAUSE of %d signals, then %s",
                 pc->pauses_read, c->client_got, status_name(c->receiver_end));
    scenario_say(r,
                 "client/send was held %d time%s by PAUSE (the "
                 "application) and %d time%s by a full c2s (the transport)",
                 pc->app_holds, pc->app_holds == 1 ? "" : "s", transport,
                 transport == 1 ? "" : "s");
}

static enum status run_pause_resume(const struct scenario *scn,
                                    const struct scenario_options *o,
                                    struct scenario_result *r)
{
    static const struct task tasks[] = {{"client/send", pr_sender},
                                        {"client/recv", pr_receiver}};
    struct pr_call pc;
    enum status st = STATUS_OK;

    memset(&pc, 0, sizeof pc);
    call_init(&pc.c, scn, o, r, 1);
    pc.c.abort = pr_abort;
    sched_mutex_init(&pc.mu);
    sched_cond_init(&pc.changed);
    st = run_call(&pc.c, pr_server, tasks, 2);
    if (!call_short(&pc.c)) {
        if (st == STATUS_OK && (pc.c.server_got != pc.c.n ||
                                pc.c.client_got != 2 * pc.pauses_sent))
            broken(r,
                   "the server read %d of %d; client/recv read %d "
                   "signals of %d",
                   pc.c.server_got, pc.c.n, pc.c.client_got,
                   2 * pc.pauses_sent);
        pr_say(r, &pc);
    }
    sched_cond_destroy(&pc.changed);
    sched_mutex_destroy(&pc.mu);
    return st;
}

/* client/send was held by the transport (c2s full) at least once. */
static int held_by_transport(const struct scenario_progress *p)
{
    size_t i = 0;

    for (i = 0; i < p->nevents; i++) {
        const struct trace_event *e = trace_event_at(p->trace, i);

        if (e->kind == TRACE_BLOCK && strcmp(e->thread, "client/send") == 0 &&
            strstr(e->text, "PAUSE") == NULL)
            return 1;
    }
    return 0;
}

/* The goals of `duplex step pause-resume` (see scenario.h). */
static const struct scenario_challenge pr_challenges[] = {
    {"transport",
     "make client/send wait on a full c2s (the transport), not only on a "
     "PAUSE",
     0, held_by_transport},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_pause_resume = {
    .name = "pause-resume",
    .summary = "the server sends PAUSE and RESUME; the timeline shows which "
               "layer holds the sender",
    .default_messages = 12,
    .min_messages = PR_WINDOW + 1,
    .default_capacity = 24,
    .expected = SCENARIO_EXIT_OK,
    .body = run_pause_resume,
    .challenges = pr_challenges,
};

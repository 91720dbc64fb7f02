/*
 * concurrent-senders-quota: two senders share grpc-go's send quota, and a
 * lost wake-up hangs one of them although there is quota left. --fix
 * re-checks the quota under the lock and wakes every waiter.
 *
 * Design
 *   grpc-go's send quota (transport's writeQuota), in miniature. The
 *   count is under a lock (no data race), but the wake-up is a channel
 *   with one slot: replenish puts a token in only when the quota crosses
 *   from <= 0 to > 0, and a waiter re-checks the quota only after taking
 *   a token. With two senders waiting, one token wakes one; if the quota
 *   stays above zero after it, no crossing will ever make another token,
 *   and the second sender waits forever although there is quota. The fix
 *   re-checks the quota under the lock and wakes every waiter
 *   (broadcast).
 *
 *   The senders take turns on stream_send (a lock), so the stream never
 *   garbles here: the only bug is the wake-up. The two senders' text and
 *   client/recv come from concurrent-senders (concurrent-senders.h); the
 *   latch opens when both senders are done, and client/recv then
 *   half-closes. Both waits describe themselves (sched_cond_describe), so
 *   a deadlock report says "no token: the other sender took it".
 */
#include "scenarios/concurrent-senders.h"

#include "core/context.h"
#include "scenarios/challenge.h"
#include "scenarios/registry.h"

#define QUOTA_WINDOW 24 /* two 12-byte messages */

struct quota {
    struct sched_mutex mu;
    struct sched_cond wake; /* the token arrived (fixed: quota changed) */
    long bytes;             /* may go below zero, as grpc-go's does */
    int token;              /* the one-slot channel */
    int fixed;
    int aborted; /* the run gave up (call_abort): nobody waits */
};

static enum sched_wait_kind describe_quota(const void *obj, char *buf,
                                           size_t cap)
{
    const struct quota *q = obj;

    if (q->fixed)
        snprintf(buf, cap, "send quota (%ld bytes)", q->bytes);
    else
        snprintf(buf, cap, "a send-quota wake-up (quota %ld bytes, %s)",
                 q->bytes,
                 q->token ? "a token waiting"
                          : "no token: the other sender took it");
    return SCHED_WAIT_OTHER;
}

/*
 * Waits for quota until the call's deadline (grpc-go: until it is done),
 * or until the run is aborted (STATUS_CANCELLED, see quota_abort).
 */
/* For `duplex step`: the quota's state (see sched_note_detail). */
static void note_quota(const void *obj, char *buf, size_t cap)
{
    const struct quota *q = obj;

    snprintf(buf, cap, "quota %ld bytes%s", q->bytes,
             q->fixed   ? ""
             : q->token ? ", a token waiting"
                        : ", no token");
}

static enum status quota_get(struct quota *q, long n, int64_t deadline)
{
    enum status st = STATUS_OK;

    sched_note("quota_get %ld bytes", n);
    sched_note_detail(note_quota, q, "waits while the quota is 0 or less");
    sched_mutex_lock(&q->mu);
    if (q->fixed) {
        while (q->bytes <= 0 && st == STATUS_OK)
            st = sched_cond_timedwait(&q->wake, &q->mu, deadline);
    } else {
        while (q->bytes <= 0 && st == STATUS_OK) {
            while (!q->token && st == STATUS_OK)
                st = sched_cond_timedwait(&q->wake, &q->mu, deadline);
            if (st == STATUS_OK)
                q->token = 0; /* taken: nobody else will see it */
        }
    }
    if (q->aborted) { /* see quota_abort: pass the token on, and leave */
        q->token = 1;
        sched_cond_broadcast(&q->wake);
        if (st == STATUS_OK)
            st = STATUS_CANCELLED;
    }
    if (st == STATUS_OK)
        q->bytes -= n;
    sched_mutex_unlock(&q->mu);
    sched_note_end();
    return st;
}

static void quota_replenish(struct quota *q, long n)
{
    long before = 0;

    sched_note("quota_replenish %ld bytes", n);
    sched_note_detail(note_quota, q, "gives the quota back");
    sched_mutex_lock(&q->mu);
    before = q->bytes;
    q->bytes += n;
    if (q->fixed) {
        sched_cond_broadcast(&q->wake);
    } else if (before <= 0 && q->bytes > 0 && !q->token) {
        q->token = 1; /* the channel's one slot */
        sched_cond_signal(&q->wake);
    }
    sched_mutex_unlock(&q->mu);
    sched_note_end();
}

struct quota_call {
    struct call c; /* first: tasks get a struct call * */
    struct quota q;
    struct sched_mutex send_mu; /* one frame at a time: no garbling here */
    int sent[2];
};

static enum status quota_produce(struct quota_call *qc, int who,
                                 struct status_detail *why)
{
    struct call *c = &qc->c;
    char text[CS_LEN + 1];
    enum status st = STATUS_OK;
    int i = 0;

    for (i = 1; i <= c->n && st == STATUS_OK; i++) {
        st = quota_get(&qc->q, CS_LEN, context_deadline(stream_context(c->s)));
        if (st != STATUS_OK)
            break;
        cs_text(text, who, i);
        sched_mutex_lock(&qc->send_mu);
        st = stream_send(stream_client(c->s), text, CS_LEN, why);
        sched_mutex_unlock(&qc->send_mu);
        qc->sent[who] += st == STATUS_OK;
    }
    latch_count_down(&c->latch);
    return st == STATUS_EOF ? STATUS_OK : st;
}

/*
 * call_abort's part for concurrent-senders-quota. It wakes each waiter
 * the way a replenish would (quota above 0, a token); quota_get then sees
 * aborted, leaves with CANCELLED and puts the token back for the next
 * waiter, so the one-slot channel leaves nobody behind.
 */
static void quota_abort(struct call *c)
{
    struct quota_call *qc = (struct quota_call *)c;

    sched_mutex_lock(&qc->q.mu);
    qc->q.aborted = 1;
    if (qc->q.bytes <= 0)
        qc->q.bytes = 1;
    qc->q.token = 1;
    sched_cond_broadcast(&qc->q.wake);
    sched_mutex_unlock(&qc->q.mu);
}

static enum status quota_sender_a(void *arg, struct status_detail *why)
{
    return quota_produce(arg, 0, why);
}

static enum status quota_sender_b(void *arg, struct status_detail *why)
{
    return quota_produce(arg, 1, why);
}

/* Server: reads, and gives the quota back two messages at a time. */
static enum status quota_server(void *arg)
{
    struct quota_call *qc = arg;
    struct call *c = &qc->c;
    struct stream_end *e = stream_server(c->s);
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(e, &msg, &c->server_why)) == STATUS_OK) {
        if (++c->server_got % 2 == 0)
            quota_replenish(&qc->q, QUOTA_WINDOW);
    }
    if (st == STATUS_EOF)
        st = stream_finish(e, STATUS_OK, NULL);
    c->server_end = st;
    frame_msg_free(&msg);
    return st;
}

static enum sched_wait_kind describe_latch(const void *obj, char *buf,
                                           size_t cap)
{
    const struct latch *l = obj;

    snprintf(buf, cap, "%d more sender%s to finish", l->count,
             l->count == 1 ? "" : "s");
    return SCHED_WAIT_OTHER;
}

/*
 * Whether this run shows the lost wake-up: it ended waiting (a deadlock or
 * the deadline) with quota left, no token, and a sender short.
 */
static int quota_lost_wake_up(const struct quota_call *qc, enum status st)
{
    return (st == STATUS_DEADLOCK || st == STATUS_DEADLINE_EXCEEDED) &&
           qc->q.bytes > 0 && !qc->q.token &&
           (qc->sent[0] < qc->c.n || qc->sent[1] < qc->c.n);
}

static void say_quota_ended(struct scenario_result *r,
                            const struct quota_call *qc, enum status st)
{
    scenario_say(r,
                 "the call ended with %s (sent: A %d, B %d; quota %ld "
                 "bytes)",
                 status_name(st), qc->sent[0], qc->sent[1], qc->q.bytes);
}

/* What the quota did: every message sent, or the lost wake-up, and why. */
static void say_quota(struct scenario_result *r, const struct quota_call *qc,
                      enum status st)
{
    scenario_say(r,
                 "client/send-a and client/send-b take turns on stream_send "
                 "(a lock: no garbling), and share a %d-byte send quota",
                 QUOTA_WINDOW);
    if (qc->q.fixed) {
        if (st == STATUS_OK)
            scenario_say(r,
                         "fixed: a waiter re-checks the quota under the lock "
                         "and every waiter is woken: %d + %d messages sent",
                         qc->sent[0], qc->sent[1]);
        else
            say_quota_ended(r, qc, st);
        return;
    }
    scenario_say(r, "the quota wakes one waiter, with a one-slot token, only "
                    "when it crosses from <= 0 to > 0 (grpc-go's writeQuota)");
    if (quota_lost_wake_up(qc, st))
        scenario_say(r,
                     "lost wake-up: one sender took the only token, the "
                     "quota stayed above 0, and the other waited %s "
                     "(sent: A %d, B %d)",
                     st == STATUS_DEADLOCK ? "forever" : "until the deadline",
                     qc->sent[0], qc->sent[1]);
    else if (st == STATUS_OK)
        scenario_say(r, "this schedule was lucky: try other seeds, or `duplex "
                        "explore concurrent-senders-quota`");
    else
        say_quota_ended(r, qc, st);
    scenario_say(r, "fix: re-check the quota under the lock and broadcast; "
                    "see `duplex run concurrent-senders-quota --fix`");
}

static enum status
run_concurrent_senders_quota(const struct scenario *sc,
                             const struct scenario_options *o,
                             struct scenario_result *r)
{
    static const struct task tasks[] = {{"client/send-a", quota_sender_a},
                                        {"client/send-b", quota_sender_b},
                                        {"client/recv", cs_closer}};
    struct quota_call qc;
    enum status st = STATUS_OK;

    memset(&qc, 0, sizeof qc);
    call_init(&qc.c, sc, o, r, 2); /* opens when both senders are done */
    qc.c.abort = quota_abort;
    qc.c.close_on_latch = 1; /* no sender thread half-closes */
    sched_cond_describe(&qc.c.latch.opened, describe_latch, &qc.c.latch);
    sched_mutex_init(&qc.q.mu);
    sched_cond_init(&qc.q.wake);
    sched_cond_describe(&qc.q.wake, describe_quota, &qc.q);
    sched_mutex_init(&qc.send_mu);
    qc.q.bytes = QUOTA_WINDOW;
    qc.q.fixed = qc.c.fix;
    st = run_call(&qc.c, quota_server, tasks, 3);
    sched_mutex_destroy(&qc.send_mu);
    sched_cond_destroy(&qc.q.wake);
    sched_mutex_destroy(&qc.q.mu);
    if (call_short(&qc.c))
        return st;
    if (st == STATUS_OK && qc.c.server_got != 2 * qc.c.n)
        broken(r, "server got %d of %d messages", qc.c.server_got, 2 * qc.c.n);
    say_quota(r, &qc, st);
    return st;
}

/* Every message got through: the run ended OK. */
static int ended_ok(const struct scenario_progress *p)
{
    return p->result != NULL &&
           scenario_exit_code(p->result) == SCENARIO_EXIT_OK;
}

/* The goals of `duplex step concurrent-senders-quota` (see scenario.h). */
static const struct scenario_challenge quota_challenges[] = {
    {"lost-wakeup",
     "reach the quota's lost wake-up: a sender waits forever although "
     "there is quota left",
     0, challenge_deadlocked},
    {"lucky",
     "get every message through: a schedule that never loses the wake-up", 0,
     ended_ok},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_concurrent_senders_quota = {
    .name = "concurrent-senders-quota",
    .summary = "two senders share grpc-go's send quota: a lost wake-up "
               "hangs one",
    .fix_summary = "the quota is re-checked under the lock and every "
                   "waiter is woken",
    .default_messages = 2,
    .needs_deadline = 1,
    .expected = SCENARIO_EXIT_DEADLOCK,
    .expected_fix = SCENARIO_EXIT_OK,
    .racy = 1,
    .body = run_concurrent_senders_quota,
    .challenges = quota_challenges,
};

/*
 * scenario.c: the concurrent-senders exercise as a duplex scenario,
 * ex-concurrent-senders, so that `duplex run`, `--replay`, `--decisions`,
 * `step` and `--svg` work on your ex_send_both. You do not edit this
 * file: the exercise runner (exercises/run.sh) links it with your
 * concurrent-senders.c into build/exercises/concurrent-senders/duplex.
 *
 * Design
 *   The body is the test's call (test_concurrent-senders.c's one_call)
 *   and nothing more: the same checking server on a thread named
 *   "server", your ex_send_both on the run's main thread, over a 16-byte
 *   c2s. So a schedule the test prints names the same decisions here.
 *   The test's two setups: --messages 1 (the default; the server reads
 *   from the start), and more messages per producer, where the server
 *   first sleeps (virtual time) until every other thread waits, as the
 *   test's "many" setup does (scenario.setups maps its check to
 *   --messages 4). A frame that is no message of A or B (torn: bytes of
 *   two frames mixed) garbles the run (exit 4); a whole message that is
 *   not its producer's next (lost, repeated, reordered) fails it (exit 3).
 */
#include <stdio.h>
#include <string.h>

#include "concurrent-senders.h"
#include "core/sched.h"
#include "core/stream.h"
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/scenario.h"

/* Read by registry.c, built with REGISTRY_EXTRA=scenario_exercise. */
extern const struct scenario scenario_exercise;

#define EX_NAP_NS 1000000000LL /* the test's nap: 1 s, virtual */
#define EX_MAX_PER_PRODUCER 64

struct ex_call {
    struct stream *s;
    int messages;       /* per producer */
    int nap;            /* the server sleeps before it reads */
    enum status sent;   /* what ex_send_both returned */
    int got[2];         /* whole, in-order messages from A and B */
    int bad;            /* messages that were neither */
    int torn;           /* of those, frames that are no message of A or B
                           (not 6 bytes "A:" or "B:"), or a failed stream */
    char first_bad[64]; /* what the first bad one looked like */
};

/* The test's server: counts whole, in-order messages of A and of B. */
static enum status ex_check_messages(void *arg)
{
    struct ex_call *x = arg;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    if (x->nap)
        sched_sleep_ns(EX_NAP_NS);
    while ((st = stream_recv(stream_server(x->s), &msg, NULL)) == STATUS_OK) {
        char want[7];
        int who = msg.length == 6 ? msg.data[0] - 'A' : -1;

        if (who == 0 || who == 1) {
            ex_message(who, x->got[who] + 1, want);
            if (memcmp(msg.data, want, 6) == 0) {
                x->got[who]++;
                continue;
            }
        } else {
            x->torn++;
        }
        if (x->bad++ == 0)
            snprintf(x->first_bad, sizeof x->first_bad,
                     "%lu bytes starting %02x %02x %02x",
                     (unsigned long)msg.length,
                     msg.length > 0 ? msg.data[0] : 0,
                     msg.length > 1 ? msg.data[1] : 0,
                     msg.length > 2 ? msg.data[2] : 0);
    }
    frame_msg_free(&msg);
    if (st != STATUS_EOF)
        x->torn++;
    if (st != STATUS_EOF && x->bad++ == 0)
        snprintf(x->first_bad, sizeof x->first_bad, "the stream failed: %s",
                 status_name(st));
    return stream_finish(stream_server(x->s), STATUS_OK, NULL);
}

/* The test's verdict on what x did, as the run's status and words. */
static enum status judge(const struct ex_call *x, struct scenario_result *r)
{
    r->garbled = x->torn > 0;
    if (x->bad > 0)
        return status_detail_set(&r->why, STATUS_INTERNAL,
                                 "the server got %d message(s) that were "
                                 "not A's or B's next, the first %s",
                                 x->bad, x->first_bad);
    if (x->sent != STATUS_OK)
        return status_detail_set(&r->why, x->sent,
                                 "ex_send_both returned %s (expected OK)",
                                 status_name(x->sent));
    if (x->got[0] != x->messages || x->got[1] != x->messages)
        return status_detail_set(&r->why, STATUS_INTERNAL,
                                 "the server got A %d, B %d (expected %d "
                                 "each)",
                                 x->got[0], x->got[1], x->messages);
    return STATUS_OK;
}

static enum status run_ex_senders(const struct scenario *sc,
                                  const struct scenario_options *o,
                                  struct scenario_result *r)
{
    struct ex_call x;
    struct stream_options so;
    struct sched_thread t;

    memset(&x, 0, sizeof x);
    x.messages = call_messages(sc, o);
    x.nap = x.messages > 1;
    x.sent = STATUS_UNKNOWN;
    memset(&so, 0, sizeof so);
    so.capacity = call_capacity(sc, o);
    so.trace = o->trace;
    if (stream_create(NULL, &so, &x.s) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    if (sched_thread_start(&t, "server", ex_check_messages, &x) != STATUS_OK) {
        stream_destroy(x.s);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    x.sent = ex_send_both(x.s, x.messages);
    sched_thread_join(&t);
    r->stats = stream_get_stats(x.s);
    stream_destroy(x.s);
    scenario_say(r, "ex_send_both returned %s", status_name(x.sent));
    scenario_say(r,
                 "server got A %d, B %d of %d each, in order; %d other "
                 "message(s), %d of them torn (no message of A or B)%s%s",
                 x.got[0], x.got[1], x.messages, x.bad, x.torn,
                 x.bad ? "; the first: " : "", x.first_bad);
    return judge(&x, r);
}

static enum status check_ex_senders(const struct scenario *sc,
                                    const struct scenario_options *o,
                                    struct status_detail *why)
{
    if (call_messages(sc, o) > EX_MAX_PER_PRODUCER)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s sends at most %d messages per producer",
                                 sc->name, EX_MAX_PER_PRODUCER);
    return STATUS_OK;
}

/* The server got a torn frame: bytes of two senders' frames mixed. */
static int garbled(const struct scenario_progress *p)
{
    return p->result != NULL && p->result->garbled;
}

/* The goals of `duplex step ex-concurrent-senders`. */
static const struct scenario_challenge ex_challenges[] = {
    {"garble",
     "make your two producers garble a frame (a correct ex_send_both "
     "never does)",
     0, garbled},
    {"deadlock", "find a schedule where your senders deadlock", 0,
     challenge_deadlocked},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_exercise = {
    .name = "ex-concurrent-senders",
    .summary = "the concurrent-senders exercise: your ex_send_both against "
               "the test's checking server",
    .default_messages = 1,
    .default_capacity = 16,
    .expected = SCENARIO_EXIT_OK,
    .racy = 1,
    .body = run_ex_senders,
    .check = check_ex_senders,
    .challenges = ex_challenges,
};

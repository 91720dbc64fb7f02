/*
 * Tests for the concurrent-senders exercise. Your ex_send_both runs under
 * duplex's deterministic scheduler: a fix that works "most of the time"
 * fails here, every time, with the schedule that breaks it.
 *
 * Two setups, both over a 16-byte c2s (a frame of "A:0001" is 11 bytes):
 *   few   one message per producer, the server reading from the start,
 *         under every schedule with at most 2 preemptions
 *         (explore_function): the interleaving of two senders' frames.
 *   many  MANY messages per producer, the server asleep (virtual time)
 *         until every other thread waits: the pipe fills, the sender
 *         waits, and a queue of EX_QUEUE_ROOM fills up before a single
 *         byte is read, in every schedule. Every schedule is too many to
 *         run here, so it runs in order, then under SEEDS random
 *         schedules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "concurrent-senders.h"
#include "ex_check.h"
#include "ex_explore.h"
#include "explore/explore.h"
#include "core/sched.h"

#define FEW 1 /* messages per producer, under every schedule */
/*
 * Messages per producer with the server asleep. Before it wakes, c2s takes
 * one frame and the next one's header (16 bytes), the sender waits with
 * that next message in hand, and the queue holds EX_QUEUE_ROOM: that is
 * 2 + EX_QUEUE_ROOM messages, fewer than 2 * MANY, so in every schedule a
 * producer finds the queue full and has to wait.
 */
#define MANY (EX_QUEUE_ROOM + 2)
#define SEEDS 2000
#define NAP_NS 1000000000LL /* the sleeping server's nap: 1 s, virtual */

/* One run: a stream with a small pipe, a checking server, your senders. */
struct run {
    int messages;       /* per producer */
    int nap;            /* the server sleeps before it reads */
    enum status sent;   /* what ex_send_both returned */
    int got[2];         /* whole, in-order messages from A and B */
    int bad;            /* messages that were neither */
    char first_bad[64]; /* what the first bad one looked like */
};

struct server {
    struct stream *s;
    struct run *run;
};

static enum status check_messages(void *arg)
{
    struct server *sv = arg;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    /* Virtual time moves only when every thread waits: the senders have
     * filled what they can by the time the server wakes. */
    if (sv->run->nap)
        sched_sleep_ns(NAP_NS);
    while ((st = stream_recv(stream_server(sv->s), &msg, NULL)) == STATUS_OK) {
        char want[7];
        int who = msg.length == 6 ? msg.data[0] - 'A' : -1;

        if (who == 0 || who == 1) {
            ex_message(who, sv->run->got[who] + 1, want);
            if (memcmp(msg.data, want, 6) == 0) {
                sv->run->got[who]++;
                continue;
            }
        }
        if (sv->run->bad++ == 0)
            snprintf(sv->run->first_bad, sizeof sv->run->first_bad,
                     "%lu bytes starting %02x %02x %02x",
                     (unsigned long)msg.length,
                     msg.length > 0 ? msg.data[0] : 0,
                     msg.length > 1 ? msg.data[1] : 0,
                     msg.length > 2 ? msg.data[2] : 0);
    }
    frame_msg_free(&msg);
    /* A garbled header fails the call: count it as a bad message. */
    if (st != STATUS_EOF && sv->run->bad++ == 0)
        snprintf(sv->run->first_bad, sizeof sv->run->first_bad,
                 "the stream failed: %s", status_name(st));
    return stream_finish(stream_server(sv->s), STATUS_OK, NULL);
}

static enum status one_call(void *arg)
{
    struct run *run = arg;
    struct stream_options o;
    struct stream *s = NULL;
    struct sched_thread t;
    struct server sv;

    /* Every schedule starts afresh. */
    run->sent = STATUS_UNKNOWN;
    run->got[0] = run->got[1] = 0;
    run->bad = 0;
    run->first_bad[0] = '\0';
    memset(&o, 0, sizeof o);
    o.capacity = 16; /* small: senders wait, and waiting is where it breaks */
    if (stream_create(NULL, &o, &s) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    sv.s = s;
    sv.run = run;
    sched_thread_start(&t, "server", check_messages, &sv);
    run->sent = ex_send_both(s, run->messages);
    sched_thread_join(&t);
    stream_destroy(s);
    return STATUS_OK;
}

static int broken(void *arg, enum status st, const struct sched_sim_result *sim)
{
    const struct run *run = arg;

    return st != STATUS_OK || sim->deadlocked || run->sent != STATUS_OK ||
           run->bad != 0 || run->got[0] != run->messages ||
           run->got[1] != run->messages;
}

/* Says what a failing schedule did: what the server got. */
static void explain(void *arg, const struct sched_sim_result *sim,
                    const char *schedule)
{
    const struct run *run = arg;

    print_error(
        "check: %s delivers %d whole message(s) from A and from B, "
        "each in order\n"
        "  expected: 0 failing schedules\n"
        "  actual:   %s:\n"
        "    ex_send_both returned %s; server got A %d, B %d, bad %d%s%s\n"
        "%s%s%s",
        run->nap ? "with the server asleep until the senders wait, each run"
                 : "every schedule up to 2 preemptions",
        run->messages, schedule, status_name(run->sent), run->got[0],
        run->got[1], run->bad, run->bad ? ": " : "", run->first_bad,
        sim->deadlocked ? "    " : "", sim->deadlocked ? sim->report : "",
        sim->deadlocked ? "\n" : "");
}

static void
test_concurrent_senders_every_schedule_delivers_whole_frames(void **state)
{
    struct run run;

    (void)state;
    memset(&run, 0, sizeof run);
    run.messages = FEW;
    ex_explore_all(one_call, &run, broken, explain, 2);
}

static void test_concurrent_senders_a_full_queue_loses_nothing(void **state)
{
    struct run run;

    (void)state;
    memset(&run, 0, sizeof run);
    run.messages = MANY;
    run.nap = 1;
    ex_run_in_order(one_call, &run, broken, explain);
    ex_explore_seeds(one_call, &run, broken, explain, SEEDS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_concurrent_senders_every_schedule_delivers_whole_frames),
        cmocka_unit_test(test_concurrent_senders_a_full_queue_loses_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

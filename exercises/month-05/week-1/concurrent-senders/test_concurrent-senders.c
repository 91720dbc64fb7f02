/*
 * Tests for the concurrent-senders exercise. Your ex_send_both runs under
 * duplex's deterministic scheduler, under every schedule with at most 2
 * preemptions (explore_function): a fix that works "most of the time"
 * fails here, every time, with the schedule that breaks it.
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

#define MESSAGES 1

/* One run: a stream with a small pipe, a checking server, your senders. */
struct run {
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

    memset(run, 0, sizeof *run); /* every schedule starts afresh */
    memset(&o, 0, sizeof o);
    o.capacity = 16; /* small: senders wait, and waiting is where it breaks */
    if (stream_create(NULL, &o, &s) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    sv.s = s;
    sv.run = run;
    sched_thread_start(&t, "server", check_messages, &sv);
    run->sent = ex_send_both(s, MESSAGES);
    sched_thread_join(&t);
    stream_destroy(s);
    return STATUS_OK;
}

static int broken(void *arg, enum status st, const struct sched_sim_result *sim)
{
    const struct run *run = arg;

    return st != STATUS_OK || sim->deadlocked || run->sent != STATUS_OK ||
           run->bad != 0 || run->got[0] != MESSAGES || run->got[1] != MESSAGES;
}

/* Says what a failing schedule did: what the server got. */
static void explain(void *arg, const struct sched_sim_result *sim,
                    const char *schedule)
{
    const struct run *run = arg;

    print_error(
        "check: every schedule up to 2 preemptions delivers %d whole "
        "message(s) from A and from B\n"
        "  expected: 0 failing schedules\n"
        "  actual:   %s:\n"
        "    server got A %d, B %d, bad %d%s%s\n%s%s%s",
        MESSAGES, schedule, run->got[0], run->got[1], run->bad,
        run->bad ? ": " : "", run->first_bad, sim->deadlocked ? "    " : "",
        sim->deadlocked ? sim->report : "", sim->deadlocked ? "\n" : "");
}

static void
test_concurrent_senders_every_schedule_delivers_whole_frames(void **state)
{
    struct run run;

    (void)state;
    ex_explore_all(one_call, &run, broken, explain, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_concurrent_senders_every_schedule_delivers_whole_frames),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Tests for the errgroup exercise. The test plays the server: it echoes
 * each message as "echo: <text>", except that the bad server garbles echo
 * 2 and then stops reading (it waits for the call to end, like a server
 * stuck after a bug). Message 3 needs 36 bytes of room in a 40-byte pipe
 * that still holds its own header, so your sender cannot finish: when
 * your receiver rejects echo 2, the sender is blocked on c2s, or about to
 * be, and only a cancel can wake it (and the server). Your client runs
 * under duplex's deterministic scheduler, once in order, then under every
 * schedule with at most 2 preemptions (explore_function).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "errgroup.h"
#include "ex_check.h"
#include "ex_explore.h"
#include "explore/explore.h"

#define N 3
#define CAPACITY 40
#define WANT_WHY "echo 2 is not \"echo: two\""

static const char *const msgs[N] = {"one", "two",
                                    "three: a message that fills the pipe"};

/* One call: the test's server against your client. */
struct run {
    /* The setup. */
    int garble; /* the echo the server garbles (from 1), or 0 */
    /* What happened; reset at the start of every run. */
    enum status st; /* what ex_checked_echo returned */
    struct status_detail why;
    enum status server; /* how the server's loop ended */
    int server_got;
};

static enum status echo_server(struct stream *s, void *arg)
{
    struct run *r = arg;
    struct stream_end *e = stream_server(s);
    struct frame_msg msg = {0};
    char out[64];
    enum status st = STATUS_OK;

    while ((st = stream_recv(e, &msg, NULL)) == STATUS_OK) {
        int len = 0;

        if (++r->server_got == r->garble)
            len = snprintf(out, sizeof out, "echo: (garbled)");
        else
            len = snprintf(out, sizeof out, "echo: %.*s", (int)msg.length,
                           (const char *)msg.data);
        st = stream_send(e, out, (size_t)len, NULL);
        if (st != STATUS_OK)
            break;
        if (r->server_got == r->garble) {
            /* Stalls: reads nothing more until the call is over. */
            st = context_wait(stream_context(s));
            break;
        }
    }
    if (st == STATUS_EOF)
        st = stream_finish(e, STATUS_OK, NULL);
    frame_msg_free(&msg);
    r->server = st;
    return STATUS_OK;
}

static enum status one_call(void *arg)
{
    struct run *r = arg;
    struct ex_server server = {echo_server, r};

    r->st = r->server = STATUS_UNKNOWN;
    r->server_got = 0;
    status_detail_clear(&r->why);
    r->st = ex_checked_echo(&server, CAPACITY, msgs, N, &r->why);
    return STATUS_OK;
}

/* What a run must end with, for the good server and the bad one. */
static enum status want_status(const struct run *r)
{
    return r->garble ? STATUS_INVALID_ARGUMENT : STATUS_OK;
}

static enum status want_server(const struct run *r)
{
    return r->garble ? STATUS_CANCELLED : STATUS_OK;
}

static int broken(void *arg, enum status st, const struct sched_sim_result *sim)
{
    const struct run *r = arg;

    return st != STATUS_OK || sim->deadlocked || r->st != want_status(r) ||
           r->server != want_server(r) ||
           (r->garble && strcmp(r->why.text, WANT_WHY) != 0);
}

/* Says what the run did, next to what it should have done. */
static void explain(void *arg, const struct sched_sim_result *sim,
                    const char *schedule)
{
    const struct run *r = arg;

    if (r->garble)
        print_error("check: the server garbles echo %d: your receiver's "
                    "INVALID_ARGUMENT cancels the call, and it is the "
                    "error returned (%s)\n"
                    "  expected: INVALID_ARGUMENT (" WANT_WHY "); the "
                    "server woken with CANCELLED\n",
                    r->garble, schedule);
    else
        print_error("check: a good server: every echo checks out (%s)\n"
                    "  expected: OK; the server finishes with OK\n",
                    schedule);
    if (sim->deadlocked) {
        /* Who waited for what is the simulator's to say: it saw them. */
        print_error("  actual:   a deadlock after your receiver returned "
                    "%s\n  simulator: %s\n",
                    status_name(r->st), sim->report);
        return;
    }
    print_error("  actual:   %s (%s); the server ended with %s\n",
                status_name(r->st), r->why.text, status_name(r->server));
}

static void test_errgroup_bad_echo_is_the_first_error(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.garble = 2;
    ex_run_in_order(one_call, &r, broken, explain);
}

static void test_errgroup_every_schedule_returns_the_first_error(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.garble = 2;
    ex_explore_all(one_call, &r, broken, explain, 2);
}

static void test_errgroup_good_echoes_end_ok(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    ex_run_in_order(one_call, &r, broken, explain);
}

static void test_errgroup_every_schedule_of_a_good_call_ends_ok(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    ex_explore_all(one_call, &r, broken, explain, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errgroup_bad_echo_is_the_first_error),
        cmocka_unit_test(test_errgroup_every_schedule_returns_the_first_error),
        cmocka_unit_test(test_errgroup_good_echoes_end_ok),
        cmocka_unit_test(test_errgroup_every_schedule_of_a_good_call_ends_ok),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Tests for the drain-before-cancel exercise. The test plays the server
 * ("server"): it sends "update 1 of 5" .. "update 5 of 5" on a 64-byte
 * s2c (3 updates fit), then finishes the call, with OK or with an error.
 * Your client runs on a thread named "client", under duplex's
 * deterministic scheduler: once in order, then under every schedule with
 * at most 2 preemptions (explore_function). Each run checks what you read,
 * the call's final status, the bytes the cancel threw away (the stream's
 * stats), and that you did cancel at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "drain-before-cancel.h"
#include "ex_check.h"
#include "ex_explore.h"
#include "explore/explore.h"
#include "core/sched.h"

#define UPDATES 5
#define CAPACITY 64

/* One call: the test's server against your client. */
struct run {
    /* The setup. */
    int sends;          /* updates the server sends */
    enum status finish; /* and the status it finishes with */
    int max;            /* the room you get for updates */
    /* What happened; reset at the start of every run. */
    enum status st; /* what ex_read_updates returned */
    int got;
    char updates[UPDATES][EX_UPDATE_MAX];
    enum status server; /* how the server ended */
    enum status final;  /* stream_final_status, after your function */
    enum status ctx;    /* the call's context at the end */
    uint64_t discarded; /* s2c bytes the teardown threw away */
};

struct call {
    struct stream *s;
    struct run *run;
};

static enum status updates_server(void *arg)
{
    struct call *c = arg;
    struct stream_end *e = stream_server(c->s);
    char out[EX_UPDATE_MAX];
    enum status st = STATUS_OK;
    int i = 0;

    for (i = 0; i < c->run->sends && st == STATUS_OK; i++) {
        int len =
            snprintf(out, sizeof out, "update %d of %d", i + 1, c->run->sends);

        st = stream_send(e, out, (size_t)len, NULL);
    }
    if (st == STATUS_OK)
        st = stream_finish(e, c->run->finish,
                           c->run->finish ? "server going away" : NULL);
    c->run->server = st;
    return STATUS_OK;
}

static enum status client(void *arg)
{
    struct call *c = arg;

    c->run->st =
        ex_read_updates(c->s, c->run->updates, c->run->max, &c->run->got);
    return STATUS_OK;
}

static enum status one_call(void *arg)
{
    struct run *r = arg;
    struct stream_options o;
    struct sched_thread srv;
    struct sched_thread cli;
    struct call c;

    r->st = r->server = r->final = r->ctx = STATUS_UNKNOWN;
    r->got = -1;
    r->discarded = 0;
    memset(r->updates, 0, sizeof r->updates);
    memset(&o, 0, sizeof o);
    o.capacity = CAPACITY;
    c.run = r;
    if (stream_create(NULL, &o, &c.s) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    if (sched_thread_start(&srv, "server", updates_server, &c) != STATUS_OK) {
        stream_destroy(c.s);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    if (sched_thread_start(&cli, "client", client, &c) == STATUS_OK)
        sched_thread_join(&cli);
    else
        /* No client: end the server's wait. */
        stream_cancel(stream_client(c.s));
    sched_thread_join(&srv);
    r->final = stream_final_status(c.s, NULL);
    r->ctx = context_err(stream_context(c.s), NULL);
    r->discarded = stream_get_stats(c.s).bytes_discarded[STREAM_S2C];
    stream_destroy(c.s);
    return STATUS_OK;
}

/* The first stored update that is not "update i of N", or -1. */
static int first_wrong_update(const struct run *r)
{
    char want[EX_UPDATE_MAX];
    int i = 0;

    for (i = 0; i < r->sends && i < r->max; i++) {
        snprintf(want, sizeof want, "update %d of %d", i + 1, r->sends);
        if (strcmp(want, r->updates[i]) != 0)
            return i;
    }
    return -1;
}

static int broken(void *arg, enum status st, const struct sched_sim_result *sim)
{
    const struct run *r = arg;

    return st != STATUS_OK || sim->deadlocked || r->st != r->finish ||
           r->final != r->finish || r->got != r->sends ||
           first_wrong_update(r) >= 0 || r->discarded != 0 ||
           r->server != STATUS_OK || r->ctx != STATUS_CANCELLED;
}

/* Says what the run did, next to what it should have done. */
static void explain(void *arg, const struct sched_sim_result *sim,
                    const char *schedule)
{
    const struct run *r = arg;
    int wrong = first_wrong_update(r);

    print_error("check: the server sends %d updates and finishes with %s; "
                "ex_read_updates reads them all, then cancels (%s)\n"
                "  expected: returns %s, %d updates read, 0 bytes thrown "
                "away, the call cancelled at the end\n",
                r->sends, status_name(r->finish), schedule,
                status_name(r->finish), r->sends);
    if (sim->deadlocked) {
        print_error("  actual:   a deadlock\n  simulator: %s\n", sim->report);
        return;
    }
    print_error("  actual:   returns %s, %d updates read, %llu bytes thrown "
                "away, the call's context %s at the end\n",
                status_name(r->st), r->got, (unsigned long long)r->discarded,
                r->ctx == STATUS_CANCELLED ? "cancelled"
                : r->ctx == STATUS_OK      ? "never cancelled"
                                           : status_name(r->ctx));
    if (r->final != r->st)
        print_error("  the call's final status is %s, not what you "
                    "returned\n",
                    status_name(r->final));
    if (r->discarded > 0)
        print_error("  the cancel came while updates were still in s2c: "
                    "it threw them away (RST_STREAM)\n");
    if (r->server != STATUS_OK)
        print_error("  the server was cut off before it could finish (its "
                    "send returned %s)\n",
                    status_name(r->server));
    if (wrong >= 0)
        print_error("  update %d: got \"%s\"\n", wrong + 1, r->updates[wrong]);
}

static void setup(struct run *r, int sends, enum status finish, int max)
{
    memset(r, 0, sizeof *r);
    r->sends = sends;
    r->finish = finish;
    r->max = max;
}

static void test_drain_before_cancel_reads_every_update(void **state)
{
    struct run r;

    (void)state;
    setup(&r, UPDATES, STATUS_OK, UPDATES);
    ex_run_in_order(one_call, &r, broken, explain);
}

static void test_drain_before_cancel_every_schedule_loses_nothing(void **state)
{
    struct run r;

    (void)state;
    setup(&r, UPDATES, STATUS_OK, UPDATES);
    ex_explore_all(one_call, &r, broken, explain, 2);
}

static void test_drain_before_cancel_keeps_the_servers_error(void **state)
{
    struct run r;

    (void)state;
    setup(&r, 3, STATUS_UNAVAILABLE, UPDATES);
    ex_run_in_order(one_call, &r, broken, explain);
}

static void test_drain_before_cancel_reads_past_a_full_array(void **state)
{
    struct run r;

    (void)state;
    setup(&r, UPDATES, STATUS_OK, 1); /* room for 1, still read all 5 */
    ex_run_in_order(one_call, &r, broken, explain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drain_before_cancel_reads_every_update),
        cmocka_unit_test(test_drain_before_cancel_every_schedule_loses_nothing),
        cmocka_unit_test(test_drain_before_cancel_keeps_the_servers_error),
        cmocka_unit_test(test_drain_before_cancel_reads_past_a_full_array),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

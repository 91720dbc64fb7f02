/*
 * Tests for the bidi-echo exercise. The test is the echo server ("server":
 * each message back as "echo: <text>", then OK at EOF), on 16-byte pipes,
 * so neither direction can hold the whole conversation. Your client runs
 * on a thread named "client", under duplex's deterministic scheduler: once
 * in order, then under every schedule with at most 2 preemptions
 * (explore_function; 478,406 schedules).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "bidi-echo.h"
#include "ex_check.h"
#include "ex_explore.h"
#include "explore/explore.h"
#include "core/sched.h"

#define MAX_MSGS 4
#define SMALL 16 /* bytes per pipe: less than a third of either direction */

static const char *const four[MAX_MSGS] = {"one", "two", "three", "four"};

/* One call: the test's echo server against your client. */
struct run {
    /* The setup. */
    const char *const *msgs;
    int n;
    size_t capacity;
    int stop_after;     /* > 0: the server ends the call after this many */
    enum status finish; /* the status the server finishes with */
    /* What happened; reset at the start of every run. */
    enum status st; /* what ex_echo_client returned */
    int got;
    char echoes[MAX_MSGS][EX_ECHO_MAX];
    enum status server; /* how the server's loop ended */
    int server_got;
};

struct server {
    struct stream *s;
    struct run *run;
};

static enum status echo_server(void *arg)
{
    struct server *sv = arg;
    struct stream_end *e = stream_server(sv->s);
    struct frame_msg msg = {0};
    char out[64];
    enum status st = STATUS_OK;

    while ((st = stream_recv(e, &msg, NULL)) == STATUS_OK) {
        int len = snprintf(out, sizeof out, "echo: %.*s", (int)msg.length,
                           (const char *)msg.data);

        sv->run->server_got++;
        st = stream_send(e, out, (size_t)len, NULL);
        if (st != STATUS_OK)
            break;
        if (sv->run->server_got == sv->run->stop_after) {
            st = STATUS_EOF; /* done early: the rest is never read */
            break;
        }
    }
    if (st == STATUS_EOF)
        st = stream_finish(e, sv->run->finish,
                           sv->run->finish ? "server going away" : NULL);
    frame_msg_free(&msg);
    sv->run->server = st;
    return STATUS_OK;
}

static enum status client(void *arg)
{
    struct server *sv = arg; /* the same stream and run */
    struct run *r = sv->run;

    r->st = ex_echo_client(sv->s, r->msgs, r->n, r->echoes, &r->got);
    return STATUS_OK;
}

static enum status one_call(void *arg)
{
    struct run *r = arg;
    struct stream_options o;
    struct stream *s = NULL;
    struct sched_thread t;
    struct sched_thread c;
    struct server sv;

    r->st = r->server = STATUS_UNKNOWN;
    r->got = -1;
    r->server_got = 0;
    memset(r->echoes, 0, sizeof r->echoes);
    memset(&o, 0, sizeof o);
    o.capacity = r->capacity;
    if (stream_create(NULL, &o, &s) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    sv.s = s;
    sv.run = r;
    if (sched_thread_start(&t, "server", echo_server, &sv) != STATUS_OK) {
        stream_destroy(s);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    if (sched_thread_start(&c, "client", client, &sv) == STATUS_OK)
        sched_thread_join(&c);
    else
        stream_cancel(stream_client(s)); /* no client: end the server's wait */
    sched_thread_join(&t);
    stream_destroy(s);
    return STATUS_OK;
}

/* The echoes the client must get: one per message the server read. */
static int want_echoes(const struct run *r)
{
    return r->stop_after > 0 && r->stop_after < r->n ? r->stop_after : r->n;
}

/* The first echo that is not "echo: " + its message, or -1. */
static int first_wrong_echo(const struct run *r)
{
    char want[EX_ECHO_MAX];
    int i = 0;

    for (i = 0; i < want_echoes(r); i++) {
        snprintf(want, sizeof want, "echo: %s", r->msgs[i]);
        if (strcmp(want, r->echoes[i]) != 0)
            return i;
    }
    return -1;
}

static int broken(void *arg, enum status st, const struct sched_sim_result *sim)
{
    const struct run *r = arg;

    return st != STATUS_OK || sim->deadlocked || r->st != r->finish ||
           r->got != want_echoes(r) || first_wrong_echo(r) >= 0 ||
           r->server != STATUS_OK;
}

/* Says what the run did, next to what it should have done. */
static void explain(void *arg, const struct sched_sim_result *sim,
                    const char *schedule)
{
    const struct run *r = arg;
    int wrong = first_wrong_echo(r);

    if (r->stop_after > 0 || r->finish != STATUS_OK)
        print_error("check: the server reads %d message(s), echoes them and "
                    "ends the call with %s: ex_echo_client reads to the end "
                    "and returns the call's status (%s)\n"
                    "  expected: %s, %d echoes; the server ends with OK\n",
                    want_echoes(r), status_name(r->finish), schedule,
                    status_name(r->finish), want_echoes(r));
    else
        print_error("check: ex_echo_client gets all %d echoes, in order, with "
                    "%zu-byte pipes (%s)\n"
                    "  expected: OK, %d echoes; the server ends with OK\n",
                    r->n, r->capacity, schedule, r->n);
    /* What the threads wait for is the simulator's to say: it saw them. */
    if (sim->deadlocked) {
        print_error("  actual:   a deadlock after the server read %d "
                    "message(s)\n  simulator: %s\n",
                    r->server_got, sim->report);
        return;
    }
    print_error("  actual:   %s, %d echoes; the server ends with %s\n",
                status_name(r->st), r->got, status_name(r->server));
    if (wrong >= 0)
        print_error("  echo %d: expected \"echo: %s\", got \"%s\"\n", wrong + 1,
                    r->msgs[wrong], r->echoes[wrong]);
}

static void test_bidi_echo_all_echoes_arrive_in_order(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.msgs = four;
    r.n = 4;
    r.capacity = SMALL;
    ex_run_in_order(one_call, &r, broken, explain);
}

static void test_bidi_echo_every_schedule_gets_every_echo(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.msgs = four;
    r.n = 4;
    r.capacity = SMALL;
    ex_explore_all(one_call, &r, broken, explain, 2);
}

static void test_bidi_echo_works_with_big_pipes(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.msgs = four;
    r.n = 4;
    r.capacity = 0; /* 64 KiB: everything fits, any client works */
    ex_run_in_order(one_call, &r, broken, explain);
}

static void test_bidi_echo_no_messages_no_echoes(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.msgs = four;
    r.n = 0;
    r.capacity = SMALL;
    ex_run_in_order(one_call, &r, broken, explain);
}

static void test_bidi_echo_returns_the_servers_error(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.msgs = four;
    r.n = 4;
    r.capacity = SMALL;
    r.finish = STATUS_UNAVAILABLE; /* after every echo, at EOF */
    ex_run_in_order(one_call, &r, broken, explain);
}

static void test_bidi_echo_a_server_that_ends_early_is_ok(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.msgs = four;
    r.n = 4;
    r.capacity = SMALL;
    r.stop_after = 1; /* then OK: later sends get EOF, no failure */
    ex_run_in_order(one_call, &r, broken, explain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bidi_echo_all_echoes_arrive_in_order),
        cmocka_unit_test(test_bidi_echo_works_with_big_pipes),
        cmocka_unit_test(test_bidi_echo_no_messages_no_echoes),
        cmocka_unit_test(test_bidi_echo_returns_the_servers_error),
        cmocka_unit_test(test_bidi_echo_a_server_that_ends_early_is_ok),
        cmocka_unit_test(test_bidi_echo_every_schedule_gets_every_echo),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

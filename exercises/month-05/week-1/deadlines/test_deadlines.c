/*
 * Tests for the deadlines exercise. The test plays the server: the silent
 * one reads the request and then never answers (it waits for the call to
 * end); the quick one answers "pong" at once. Every call runs under
 * duplex's deterministic scheduler, where time is virtual: it stands still
 * while threads run and jumps to the next deadline when all of them wait.
 * So a 200 ms deadline costs no real time, and the clock after the call
 * reads exactly start + 200 ms, in every schedule. Without a deadline the
 * silent server is a deadlock: nobody could ever move again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "deadlines.h"
#include "ex_check.h"
#include "ex_explore.h"
#include "explore/explore.h"

#define MS 1000000LL /* nanoseconds */

/* One call: the test's server, your ex_call, maybe a parent context. */
struct run {
    /* The setup. */
    int quick;               /* the server answers "pong" at once */
    int64_t timeout_ns;      /* passed to ex_call */
    int64_t parent_deadline; /* > 0: the parent's deadline, from start */
    int64_t parent_cancel;   /* > 0: a thread cancels the parent then */
    int64_t start_late;      /* > 0: the client sleeps this long first */
    /* What happened; reset at the start of every run. */
    enum status st; /* what ex_call returned */
    struct status_detail why;
    char reply[EX_REPLY_MAX];
    int64_t elapsed;    /* virtual ns from ex_call's start to return */
    char request[16];   /* what the server read */
    enum status server; /* how the server ended */
};

static enum status test_server(struct stream *s, void *arg)
{
    struct run *r = arg;
    struct stream_end *e = stream_server(s);
    struct frame_msg msg = {0};
    enum status st = stream_recv(e, &msg, NULL);

    if (st == STATUS_OK)
        snprintf(r->request, sizeof r->request, "%.*s", (int)msg.length,
                 (const char *)msg.data);
    frame_msg_free(&msg);
    if (st == STATUS_OK && r->quick) {
        st = stream_send(e, "pong", 4, NULL);
        if (st == STATUS_OK)
            st = stream_finish(e, STATUS_OK, NULL);
    } else if (st == STATUS_OK) {
        /* Never answers: waits for the end. */
        st = context_wait(stream_context(s));
    }
    r->server = st;
    return STATUS_OK;
}

struct canceller {
    struct context *parent;
    int64_t after;
};

static enum status cancel_later(void *arg)
{
    struct canceller *c = arg;

    sched_sleep_ns(c->after);
    context_cancel(c->parent, STATUS_CANCELLED, NULL);
    return STATUS_OK;
}

struct client {
    struct run *run;
    struct context *parent;
};

static enum status client(void *arg)
{
    struct client *c = arg;
    struct run *r = c->run;
    struct ex_server server = {test_server, r};
    int64_t start = 0;

    if (r->start_late > 0)
        sched_sleep_ns(r->start_late);
    start = sched_now_ns();

    r->st =
        ex_call(c->parent, r->timeout_ns, &server, "ping", r->reply, &r->why);
    r->elapsed = sched_now_ns() - start;
    return STATUS_OK;
}

static enum status one_call(void *arg)
{
    struct run *r = arg;
    struct client cl = {r, NULL};
    struct canceller c;
    struct sched_thread tc;
    struct sched_thread t;
    int cancelling = 0;

    r->st = r->server = STATUS_UNKNOWN;
    status_detail_clear(&r->why);
    memset(r->reply, 0, sizeof r->reply);
    memset(r->request, 0, sizeof r->request);
    r->elapsed = -1;
    if (r->parent_deadline > 0 || r->parent_cancel > 0) {
        int64_t deadline = r->parent_deadline > 0
                               ? sched_now_ns() + r->parent_deadline
                               : SCHED_NO_DEADLINE;

        if (context_create_with_deadline(NULL, deadline, &cl.parent) !=
            STATUS_OK)
            return STATUS_RESOURCE_EXHAUSTED;
    }
    if (r->parent_cancel > 0) {
        c.parent = cl.parent;
        c.after = r->parent_cancel;
        cancelling =
            sched_thread_start(&tc, "canceller", cancel_later, &c) == STATUS_OK;
    }
    if (sched_thread_start(&t, "client", client, &cl) == STATUS_OK)
        sched_thread_join(&t);
    if (cancelling)
        sched_thread_join(&tc);
    context_destroy(cl.parent);
    return STATUS_OK;
}

/* What a run must end with. */
struct want {
    enum status st;
    const char *why; /* NULL: not checked */
    const char *reply;
    int64_t elapsed;
};

static struct want want_of(const struct run *r)
{
    struct want w = {STATUS_OK, NULL, "pong", 0};

    if (r->quick)
        return w;
    w.reply = "";
    if (r->parent_cancel > 0) {
        w.st = STATUS_CANCELLED;
        w.why = "context canceled";
        w.elapsed = r->parent_cancel;
        return w;
    }
    w.st = STATUS_DEADLINE_EXCEEDED;
    w.why = "context deadline exceeded";
    w.elapsed = r->timeout_ns;
    if (r->parent_deadline > 0 && r->parent_deadline < r->timeout_ns)
        w.elapsed = r->parent_deadline;
    return w;
}

static int broken(void *arg, enum status st, const struct sched_sim_result *sim)
{
    const struct run *r = arg;
    struct want w = want_of(r);

    return st != STATUS_OK || sim->deadlocked || r->st != w.st ||
           (w.why != NULL && strcmp(r->why.text, w.why) != 0) ||
           strcmp(r->reply, w.reply) != 0 || r->elapsed != w.elapsed ||
           strcmp(r->request, "ping") != 0;
}

static const char *describe(const struct run *r, char *buf, size_t cap)
{
    size_t n = 0;

    snprintf(buf, cap, "a %s server, timeout %lld ms",
             r->quick ? "quick" : "silent", (long long)(r->timeout_ns / MS));
    n = strlen(buf);
    if (r->parent_deadline > 0)
        snprintf(buf + n, cap - n, ", the parent's deadline %lld ms",
                 (long long)(r->parent_deadline / MS));
    n = strlen(buf);
    if (r->parent_cancel > 0)
        snprintf(buf + n, cap - n, ", the parent cancelled at %lld ms",
                 (long long)(r->parent_cancel / MS));
    n = strlen(buf);
    if (r->start_late > 0)
        snprintf(buf + n, cap - n, ", the call made at %lld ms",
                 (long long)(r->start_late / MS));
    return buf;
}

/* Says what the run did, next to what it should have done. */
static void explain(void *arg, const struct sched_sim_result *sim,
                    const char *schedule)
{
    const struct run *r = arg;
    struct want w = want_of(r);
    char setup[160];

    print_error("check: ex_call against %s (%s)\n"
                "  expected: %s%s%s%s, reply \"%s\", after %lld ms of "
                "virtual time\n",
                describe(r, setup, sizeof setup), schedule, status_name(w.st),
                w.why ? " (" : "", w.why ? w.why : "", w.why ? ")" : "",
                w.reply, (long long)(w.elapsed / MS));
    if (sim->deadlocked) {
        /* Who waited for what is the simulator's to say: it saw them. */
        print_error("  actual:   a deadlock\n  simulator: %s\n", sim->report);
        return;
    }
    print_error("  actual:   %s (%s), reply \"%s\", after %lld ms%s; the "
                "server read \"%s\"\n",
                status_name(r->st), r->why.text, r->reply,
                (long long)(r->elapsed / MS),
                r->elapsed % MS != 0 ? " and some" : "", r->request);
}

static void test_deadlines_silent_server_ends_at_the_deadline(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.timeout_ns = 200 * MS;
    ex_run_in_order(one_call, &r, broken, explain);
}

static void test_deadlines_every_schedule_ends_at_the_deadline(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.timeout_ns = 200 * MS;
    ex_explore_all(one_call, &r, broken, explain, 2);
}

static void test_deadlines_quick_server_answers_in_time(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.quick = 1;
    r.timeout_ns = 200 * MS;
    ex_run_in_order(one_call, &r, broken, explain);
}

static void test_deadlines_parent_deadline_comes_first(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.timeout_ns = 200 * MS;
    r.parent_deadline = 50 * MS;
    ex_run_in_order(one_call, &r, broken, explain);
}

static void test_deadlines_own_deadline_comes_first(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.timeout_ns = 80 * MS;
    r.parent_deadline = 5000 * MS;
    ex_run_in_order(one_call, &r, broken, explain);
}

static void test_deadlines_parent_cancel_ends_the_call(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.timeout_ns = 200 * MS;
    r.parent_cancel = 30 * MS;
    ex_run_in_order(one_call, &r, broken, explain);
}

static void test_deadlines_a_late_call_gets_its_whole_timeout(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.timeout_ns = 200 * MS;
    r.start_late = 1000 * MS; /* the timeout counts from the call's start */
    ex_run_in_order(one_call, &r, broken, explain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deadlines_silent_server_ends_at_the_deadline),
        cmocka_unit_test(test_deadlines_every_schedule_ends_at_the_deadline),
        cmocka_unit_test(test_deadlines_quick_server_answers_in_time),
        cmocka_unit_test(test_deadlines_parent_deadline_comes_first),
        cmocka_unit_test(test_deadlines_own_deadline_comes_first),
        cmocka_unit_test(test_deadlines_parent_cancel_ends_the_call),
        cmocka_unit_test(test_deadlines_a_late_call_gets_its_whole_timeout),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

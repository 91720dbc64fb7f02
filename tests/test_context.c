/*
 * test_context: cancellation and deadlines (src/core/context.h).
 *
 * What is checked, in the order of the header:
 *   - a context is live until it is done, and done exactly once: the first
 *     reason (and its text) wins, with Go's wording by default;
 *   - a cancel walks down the tree with the same reason; a child made under
 *     a done parent is done at once; a child's deadline is never later than
 *     its parent's;
 *   - context_err notices a passed deadline; context_wait returns when
 *     another thread cancels, or when the deadline passes;
 *   - a deadline that has passed is the first reason even if nobody has
 *     noticed it yet: a later cancel (of the context, or of its parent),
 *     context_watch and context_wait all find the context done with
 *     DEADLINE_EXCEEDED;
 *   - watches (Go's AfterFunc) run exactly once, and can be removed.
 *
 * Threads: a worker never calls a cmocka assert (an assert on a worker thread
 * kills the binary silently). It stores what it saw in a struct; the test
 * joins it, then asserts. Threads are ordered with a latch (support.h says
 * why), never a sleep.
 *
 * Where a deadline must pass between two steps of a test, the steps run
 * simulated (simulate() below): virtual time stands still while the body
 * runs and moves only when it sleeps, so "before the deadline" and "after
 * it" are facts, not guesses about a loaded machine. A simulated body does
 * not assert either; it records, and the test asserts afterwards.
 */
/* cmocka.h needs these four first, in this order: keep them unsorted. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <string.h>

#include "core/context.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"
#include "core/trace.h"
#include "support.h"

#define MS (INT64_C(1000000))

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/* What a watch saw: how often it ran, and with which reason and text. */
struct watch_log {
    int calls;
    enum status reason;
    char text[STATUS_TEXT_MAX];
};

static void watch_record(void *arg, enum status reason, const char *text)
{
    struct watch_log *log = arg;

    log->calls++;
    log->reason = reason;
    strncpy(log->text, text, sizeof log->text - 1);
    log->text[sizeof log->text - 1] = '\0';
}

/* Sets w up to record into log, emptied first. */
static void watch_init(struct context_watch *w, struct watch_log *log)
{
    memset(log, 0, sizeof *log);
    w->fn = watch_record;
    w->arg = log;
    w->next = NULL;
}

/* Runs fn(arg) as a simulated run's main thread; fn must return OK. */
static void simulate(sched_fn fn, void *arg)
{
    struct sched_sim_options o;
    struct sched_sim_result r;
    enum status out = STATUS_UNKNOWN;

    memset(&o, 0, sizeof o);
    memset(&r, 0, sizeof r);
    o.strategy = SCHED_IN_ORDER;
    assert_int_equal(sched_sim_run(&o, fn, arg, &out, &r), STATUS_OK);
    assert_int_equal(r.deadlocked, 0);
    sched_sim_result_free(&r);
    assert_int_equal(out, STATUS_OK);
}

/* ------------------------------------------------------------------ */
/* Create and destroy                                                 */
/* ------------------------------------------------------------------ */

static void test_context_create_destroy_root_and_child(void **state)
{
    struct context *root = NULL;
    struct context *child = NULL;
    struct status_detail d;

    (void)state;
    assert_int_equal(context_create(NULL, &root), STATUS_OK);
    assert_non_null(root);
    assert_int_equal(context_create(root, &child), STATUS_OK);
    assert_non_null(child);

    /* Both start live, with no deadline. */
    assert_int_equal(context_err(root, &d), STATUS_OK);
    assert_int_equal(context_err(child, &d), STATUS_OK);
    assert_true(context_deadline(root) == SCHED_NO_DEADLINE);
    assert_true(context_deadline(child) == SCHED_NO_DEADLINE);

    /* The child is linked under its parent. */
    assert_ptr_equal(context_get_info(child).parent, root);
    assert_int_equal(context_get_info(root).children, 1);

    /* Children first: destroying the child unlinks it from the parent. */
    context_destroy(child);
    assert_int_equal(context_get_info(root).children, 0);
    context_destroy(root);
}

static void test_context_destroy_null_is_noop(void **state)
{
    (void)state;
    context_destroy(NULL);
}

/*
 * context_get_info follows the tree and the watches as they change: the
 * parent, how many children and watches, and the reason once there is one.
 */
static void test_context_get_info_follows_tree_and_watches(void **state)
{
    struct context *root = NULL;
    struct context *kids[2] = {NULL, NULL};
    struct watch_log log;
    struct context_watch w;
    struct context_info info;

    (void)state;
    assert_true(context_struct_size() > sizeof w);
    assert_int_equal(context_create(NULL, &root), STATUS_OK);
    info = context_get_info(root);
    assert_null(info.parent);
    assert_int_equal(info.children, 0);
    assert_int_equal(info.watches, 0);
    assert_int_equal(info.err, STATUS_OK);

    assert_int_equal(context_create(root, &kids[0]), STATUS_OK);
    assert_int_equal(context_create(root, &kids[1]), STATUS_OK);
    watch_init(&w, &log);
    assert_int_equal(context_watch(root, &w), STATUS_OK);
    info = context_get_info(root);
    assert_int_equal(info.children, 2);
    assert_int_equal(info.watches, 1);
    assert_ptr_equal(context_get_info(kids[1]).parent, root);

    /* A cancel runs the watch (it is no longer held) and records why. */
    assert_int_equal(context_cancel(root, STATUS_ABORTED, "stop"), 1);
    info = context_get_info(root);
    assert_int_equal(info.watches, 0);
    assert_int_equal(info.err, STATUS_ABORTED);
    assert_int_equal(context_get_info(kids[0]).err, STATUS_ABORTED);
    assert_int_equal(log.calls, 1);

    context_destroy(kids[0]);
    assert_int_equal(context_get_info(root).children, 1);
    context_destroy(kids[1]);
    context_destroy(root);
}

static void test_context_destroy_middle_child_keeps_siblings(void **state)
{
    struct context *root = NULL;
    struct context *kids[3] = {NULL, NULL, NULL};
    struct watch_log logs[3];
    struct context_watch w[3];
    int i = 0;

    (void)state;
    memset(logs, 0, sizeof logs);
    assert_int_equal(context_create(NULL, &root), STATUS_OK);
    for (i = 0; i < 3; i++) {
        assert_int_equal(context_create(root, &kids[i]), STATUS_OK);
        w[i].fn = watch_record;
        w[i].arg = &logs[i];
        w[i].next = NULL;
        assert_int_equal(context_watch(kids[i], &w[i]), STATUS_OK);
    }

    /* Remove the middle child (neither first nor last in the list). */
    context_unwatch(kids[1], &w[1]);
    context_destroy(kids[1]);

    /* A cancel still reaches both remaining children. */
    assert_int_equal(context_cancel(root, STATUS_CANCELLED, NULL), 1);
    assert_int_equal(logs[0].calls, 1);
    assert_int_equal(logs[1].calls, 0);
    assert_int_equal(logs[2].calls, 1);

    context_destroy(kids[0]);
    context_destroy(kids[2]);
    assert_int_equal(context_get_info(root).children, 0);
    context_destroy(root);
}

/* ------------------------------------------------------------------ */
/* Cancel                                                             */
/* ------------------------------------------------------------------ */

static void test_context_cancel_default_texts(void **state)
{
    static const struct {
        enum status reason;
        const char *text; /* passed to context_cancel; may be NULL */
        const char *want; /* what context_err reports */
    } cases[] = {
        {STATUS_CANCELLED, NULL, "context canceled"},
        {STATUS_DEADLINE_EXCEEDED, NULL, "context deadline exceeded"},
        {STATUS_ABORTED, NULL, "ABORTED"}, /* no Go wording: the name */
        {STATUS_CANCELLED, "client went away", "client went away"},
        {STATUS_UNAVAILABLE, "backend down", "backend down"},
    };
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct context *c = NULL;
        struct status_detail d;

        assert_int_equal(context_create(NULL, &c), STATUS_OK);
        assert_int_equal(context_cancel(c, cases[i].reason, cases[i].text), 1);
        assert_int_equal(context_err(c, &d), cases[i].reason);
        assert_int_equal(d.code, cases[i].reason);
        assert_string_equal(d.text, cases[i].want);
        /* NULL detail: only the code. */
        assert_int_equal(context_err(c, NULL), cases[i].reason);
        context_destroy(c);
    }
}

static void test_context_cancel_long_text_is_truncated(void **state)
{
    struct context *c = NULL;
    struct status_detail d;
    char text[400];

    (void)state;
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    assert_int_equal(context_create(NULL, &c), STATUS_OK);
    context_cancel(c, STATUS_CANCELLED, text);
    assert_int_equal(context_err(c, &d), STATUS_CANCELLED);
    assert_int_equal(strlen(d.text), STATUS_TEXT_MAX - 1);
    assert_memory_equal(d.text, text, STATUS_TEXT_MAX - 1);
    context_destroy(c);
}

static void test_context_cancel_first_reason_wins(void **state)
{
    struct context *c = NULL;
    struct status_detail d;

    (void)state;
    assert_int_equal(context_create(NULL, &c), STATUS_OK);
    assert_int_equal(context_cancel(c, STATUS_ABORTED, "first"), 1);
    /* Later cancels change nothing and say so. */
    assert_int_equal(context_cancel(c, STATUS_CANCELLED, "second"), 0);
    assert_int_equal(context_cancel(c, STATUS_DEADLINE_EXCEEDED, NULL), 0);
    assert_int_equal(context_err(c, &d), STATUS_ABORTED);
    assert_string_equal(d.text, "first");
    context_destroy(c);
}

static void test_context_cancel_propagates_to_descendants(void **state)
{
    struct context *root = NULL;
    struct context *child = NULL;
    struct context *grandchild = NULL;
    struct context *sibling = NULL;
    struct status_detail d;

    (void)state;
    assert_int_equal(context_create(NULL, &root), STATUS_OK);
    assert_int_equal(context_create(root, &child), STATUS_OK);
    assert_int_equal(context_create(child, &grandchild), STATUS_OK);
    assert_int_equal(context_create(root, &sibling), STATUS_OK);

    /* Cancelling the middle of the tree reaches down, never up or across. */
    assert_int_equal(context_cancel(child, STATUS_ABORTED, "stop"), 1);
    assert_int_equal(context_err(child, &d), STATUS_ABORTED);
    assert_string_equal(d.text, "stop");
    assert_int_equal(context_err(grandchild, &d), STATUS_ABORTED);
    assert_string_equal(d.text, "stop");
    assert_int_equal(context_err(root, NULL), STATUS_OK);
    assert_int_equal(context_err(sibling, NULL), STATUS_OK);

    /* Cancelling the root reaches the sibling; the child keeps its reason. */
    assert_int_equal(context_cancel(root, STATUS_CANCELLED, NULL), 1);
    assert_int_equal(context_err(sibling, &d), STATUS_CANCELLED);
    assert_string_equal(d.text, "context canceled");
    assert_int_equal(context_err(child, &d), STATUS_ABORTED);
    assert_string_equal(d.text, "stop");
    assert_int_equal(context_err(grandchild, &d), STATUS_ABORTED);

    context_destroy(grandchild);
    context_destroy(child);
    context_destroy(sibling);
    context_destroy(root);
}

static void test_context_child_of_done_parent_is_done_at_once(void **state)
{
    struct context *parent = NULL;
    struct context *child = NULL;
    struct context_watch w = {watch_record, NULL, NULL};
    struct watch_log log;
    struct status_detail d;

    (void)state;
    memset(&log, 0, sizeof log);
    w.arg = &log;
    assert_int_equal(context_create(NULL, &parent), STATUS_OK);
    context_cancel(parent, STATUS_PERMISSION_DENIED, "no entry");
    assert_int_equal(context_create(parent, &child), STATUS_OK);

    assert_int_equal(context_err(child, &d), STATUS_PERMISSION_DENIED);
    assert_string_equal(d.text, "no entry");
    /* Done means done: waiting returns at once, watching is refused. */
    assert_int_equal(context_wait(child), STATUS_PERMISSION_DENIED);
    assert_int_equal(context_watch(child, &w), STATUS_PERMISSION_DENIED);
    assert_int_equal(context_cancel(child, STATUS_CANCELLED, NULL), 0);
    assert_int_equal(log.calls, 0);

    context_destroy(child);
    context_destroy(parent);
}

/* ------------------------------------------------------------------ */
/* Deadlines                                                          */
/* ------------------------------------------------------------------ */

static void test_context_child_deadline_is_the_earlier(void **state)
{
    int64_t now = sched_now_ns();
    int64_t parent_dl = now + 10 * INT64_C(1000000000);
    struct context *parent = NULL;
    struct context *later = NULL;
    struct context *earlier = NULL;
    struct context *none = NULL;

    (void)state;
    assert_int_equal(context_create_with_deadline(NULL, parent_dl, &parent),
                     STATUS_OK);
    assert_true(context_deadline(parent) == parent_dl);

    /* Asking for a later deadline than the parent's gets the parent's. */
    assert_int_equal(
        context_create_with_deadline(parent, parent_dl + 1000000000, &later),
        STATUS_OK);
    assert_true(context_deadline(later) == parent_dl);

    /* An earlier one is kept. */
    assert_int_equal(context_create_with_deadline(parent, now + 5000, &earlier),
                     STATUS_OK);
    assert_true(context_deadline(earlier) == now + 5000);

    /* No deadline of its own: it inherits the parent's. */
    assert_int_equal(context_create(parent, &none), STATUS_OK);
    assert_true(context_deadline(none) == parent_dl);

    context_destroy(none);
    context_destroy(earlier);
    context_destroy(later);
    context_destroy(parent);
}

/* What notice_main saw, in its order. */
struct notice {
    enum status watched; /* context_watch on the child, before the deadline */
    enum status field;   /* c->err after the deadline, before anyone looked */
    enum status err;     /* context_err(c) */
    struct status_detail d;
    struct watch_log log; /* the child's watch */
    int cancelled;        /* context_cancel(c) afterwards */
};

static enum status notice_main(void *arg)
{
    struct notice *n = arg;
    struct context *c = NULL;
    struct context *child = NULL;
    struct context_watch w;

    watch_init(&w, &n->log);
    if (context_create_with_deadline(NULL, sched_now_ns() + MS, &c) !=
            STATUS_OK ||
        context_create(c, &child) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    n->watched = context_watch(child, &w);
    sched_sleep_ns(2 * MS); /* virtual time: now the deadline has passed */
    n->field = context_get_info(c).err;
    n->err = context_err(c, &n->d);
    n->cancelled = context_cancel(c, STATUS_CANCELLED, NULL);
    context_destroy(child);
    context_destroy(c);
    return STATUS_OK;
}

static void test_context_err_notices_passed_deadline(void **state)
{
    struct notice n;

    (void)state;
    memset(&n, 0, sizeof n);
    simulate(notice_main, &n);
    assert_int_equal(n.watched, STATUS_OK);

    /* Nobody noticed yet: the fields still say live. */
    assert_int_equal(n.field, STATUS_OK);

    assert_int_equal(n.err, STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(n.d.code, STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(n.d.text, "context deadline exceeded");

    /* Noticing it cancelled c like any cancel: the child's watch ran. */
    assert_int_equal(n.log.calls, 1);
    assert_int_equal(n.log.reason, STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(n.log.text, "context deadline exceeded");
    assert_int_equal(n.cancelled, 0);
}

/*
 * The deadline has passed and nobody noticed: a cancel comes second. It
 * finds c done with DEADLINE_EXCEEDED, and says it changed nothing.
 */
static void test_context_cancel_after_passed_deadline(void **state)
{
    struct context *c = NULL;
    struct status_detail d;

    (void)state;
    /* A deadline already in the past: no waiting, no timing. */
    assert_int_equal(context_create_with_deadline(NULL, sched_now_ns() - 1, &c),
                     STATUS_OK);
    assert_int_equal(context_get_info(c).err, STATUS_OK); /* not noticed yet */

    assert_int_equal(context_cancel(c, STATUS_CANCELLED, NULL), 0);
    /* The cancel saw it. */
    assert_int_equal(context_get_info(c).err, STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(context_err(c, &d), STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(d.text, "context deadline exceeded");
    /* Whatever the reason and text given. */
    assert_int_equal(context_cancel(c, STATUS_ABORTED, "later"), 0);
    assert_int_equal(context_err(c, &d), STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(d.text, "context deadline exceeded");
    context_destroy(c);
}

/* A child under a parent whose deadline has passed has passed it too. */
static void test_context_child_cancel_after_parent_deadline(void **state)
{
    struct context *parent = NULL;
    struct context *child = NULL;
    struct status_detail d;

    (void)state;
    assert_int_equal(
        context_create_with_deadline(NULL, sched_now_ns() - 1, &parent),
        STATUS_OK);
    assert_int_equal(context_create(parent, &child), STATUS_OK);
    /* Nobody noticed. */
    assert_int_equal(context_get_info(parent).err, STATUS_OK);
    assert_int_equal(context_get_info(child).err, STATUS_OK);

    assert_int_equal(context_cancel(child, STATUS_ABORTED, "stop"), 0);
    assert_int_equal(context_err(child, &d), STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(d.text, "context deadline exceeded");
    assert_int_equal(context_cancel(parent, STATUS_CANCELLED, NULL), 0);
    assert_int_equal(context_err(parent, &d), STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(d.text, "context deadline exceeded");
    context_destroy(child);
    context_destroy(parent);
}

/* What after_deadline_main saw: one watch per context of a small tree. */
struct late {
    int cancelled;           /* context_cancel(root) */
    struct watch_log log[3]; /* root, child (earlier deadline), grandchild */
    enum status watched;     /* context_watch(child) after its deadline */
    struct watch_log refused;
    enum status waited; /* context_wait(child) after its deadline */
};

/*
 * root (no deadline) > child (deadline 1 ms) > grandchild. The child's
 * deadline passes unnoticed; then root is cancelled.
 */
static enum status after_deadline_main(void *arg)
{
    struct late *l = arg;
    struct context *ctx[3] = {NULL, NULL, NULL};
    struct context_watch w[3];
    struct context_watch extra;
    int i = 0;

    if (context_create(NULL, &ctx[0]) != STATUS_OK ||
        context_create_with_deadline(ctx[0], sched_now_ns() + MS, &ctx[1]) !=
            STATUS_OK ||
        context_create(ctx[1], &ctx[2]) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    for (i = 0; i < 3; i++) {
        watch_init(&w[i], &l->log[i]);
        if (context_watch(ctx[i], &w[i]) != STATUS_OK)
            return STATUS_INTERNAL;
    }
    sched_sleep_ns(2 * MS); /* the child's deadline passes, unnoticed */
    l->cancelled = context_cancel(ctx[0], STATUS_CANCELLED, NULL);
    watch_init(&extra, &l->refused);
    l->watched = context_watch(ctx[1], &extra);
    l->waited = context_wait(ctx[1]);
    context_unwatch(ctx[1], &extra); /* still registered: a bug */
    for (i = 2; i >= 0; i--)
        context_destroy(ctx[i]);
    return STATUS_OK;
}

static void test_context_parent_cancel_after_child_deadline(void **state)
{
    struct late l;

    (void)state;
    memset(&l, 0, sizeof l);
    simulate(after_deadline_main, &l);
    assert_int_equal(l.cancelled, 1);
    assert_int_equal(l.log[0].calls, 1);
    assert_int_equal(l.log[0].reason, STATUS_CANCELLED);
    /* The child's own deadline came first: it, and what is under it. */
    assert_int_equal(l.log[1].calls, 1);
    assert_int_equal(l.log[1].reason, STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(l.log[1].text, "context deadline exceeded");
    assert_int_equal(l.log[2].calls, 1);
    assert_int_equal(l.log[2].reason, STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(l.log[2].text, "context deadline exceeded");
    /* Done is done: a later watch is refused, a wait returns at once. */
    assert_int_equal(l.watched, STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(l.refused.calls, 0);
    assert_int_equal(l.waited, STATUS_DEADLINE_EXCEEDED);
}

/* What watch_late_main saw. */
struct watch_late {
    enum status first;  /* context_watch before the deadline */
    enum status second; /* context_watch after it, nobody having looked */
    struct watch_log log[2];
    int registered;     /* watches still registered afterwards */
    enum status waited; /* context_wait on a second such context */
    struct watch_log wait_log;
};

static enum status watch_late_main(void *arg)
{
    struct watch_late *wl = arg;
    struct context *c = NULL;
    struct context *d = NULL;
    struct context_watch w[2];
    struct context_watch wd;

    if (context_create_with_deadline(NULL, sched_now_ns() + MS, &c) !=
            STATUS_OK ||
        context_create_with_deadline(NULL, sched_now_ns() + MS, &d) !=
            STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    watch_init(&w[0], &wl->log[0]);
    watch_init(&w[1], &wl->log[1]);
    watch_init(&wd, &wl->wait_log);
    wl->first = context_watch(c, &w[0]);
    if (context_watch(d, &wd) != STATUS_OK)
        return STATUS_INTERNAL;
    sched_sleep_ns(2 * MS);
    wl->second = context_watch(c, &w[1]);
    wl->registered = (int)context_get_info(c).watches;
    wl->waited = context_wait(d);
    /* In case they are still registered (a bug): destroy asserts. */
    context_unwatch(c, &w[0]);
    context_unwatch(c, &w[1]);
    context_destroy(d);
    context_destroy(c);
    return STATUS_OK;
}

/*
 * context_watch on a context whose deadline has passed, nobody having
 * looked: the context is done, so the watch is refused, and the watches
 * registered before it run with DEADLINE_EXCEEDED, then and there.
 * context_wait on such a context returns at once and runs them too.
 */
static void test_context_watch_after_passed_deadline_is_refused(void **state)
{
    struct watch_late wl;

    (void)state;
    memset(&wl, 0, sizeof wl);
    simulate(watch_late_main, &wl);
    assert_int_equal(wl.first, STATUS_OK);
    assert_int_equal(wl.second, STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(wl.registered, 0);
    assert_int_equal(wl.log[0].calls, 1);
    assert_int_equal(wl.log[0].reason, STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(wl.log[1].calls, 0); /* refused: never runs */
    assert_int_equal(wl.waited, STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(wl.wait_log.calls, 1);
    assert_int_equal(wl.wait_log.reason, STATUS_DEADLINE_EXCEEDED);
}

static void test_context_err_leaves_detail_alone_while_live(void **state)
{
    struct context *c = NULL;
    struct status_detail d;

    (void)state;
    /* A deadline far away is not "passed". */
    assert_int_equal(context_create_with_deadline(
                         NULL, sched_now_ns() + 3600 * INT64_C(1000000000), &c),
                     STATUS_OK);
    status_detail_set(&d, STATUS_INTERNAL, "untouched");
    assert_int_equal(context_err(c, &d), STATUS_OK);
    assert_int_equal(d.code, STATUS_INTERNAL);
    assert_string_equal(d.text, "untouched");
    context_destroy(c);
}

/* ------------------------------------------------------------------ */
/* Waiting                                                            */
/* ------------------------------------------------------------------ */

struct waiter {
    struct context *c;
    struct latch started; /* opened just before context_wait */
    enum status got;      /* what context_wait returned */
    struct status_detail why;
};

static enum status waiter_main(void *arg)
{
    struct waiter *w = arg;

    latch_open(&w->started);
    w->got = context_wait(w->c);
    context_err(w->c, &w->why);
    return STATUS_OK;
}

static void test_context_wait_returns_when_another_thread_cancels(void **state)
{
    struct context *c = NULL;
    struct sched_thread t;
    struct waiter w;

    (void)state;
    assert_int_equal(context_create(NULL, &c), STATUS_OK);
    memset(&w, 0, sizeof w);
    w.c = c;
    w.got = STATUS_OK;
    latch_init(&w.started);
    start_thread(&t, "waiter", waiter_main, &w);

    /* Handshake: the waiter is at (or in) context_wait. Then cancel. */
    latch_wait(&w.started);
    assert_int_equal(context_cancel(c, STATUS_UNAVAILABLE, "shutting down"), 1);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);

    assert_int_equal(w.got, STATUS_UNAVAILABLE);
    assert_int_equal(w.why.code, STATUS_UNAVAILABLE);
    assert_string_equal(w.why.text, "shutting down");
    latch_destroy(&w.started);
    context_destroy(c);
}

static void test_context_wait_wakes_through_parent_cancel(void **state)
{
    struct context *parent = NULL;
    struct context *child = NULL;
    struct sched_thread t;
    struct waiter w;

    (void)state;
    assert_int_equal(context_create(NULL, &parent), STATUS_OK);
    assert_int_equal(context_create(parent, &child), STATUS_OK);
    memset(&w, 0, sizeof w);
    w.c = child;
    latch_init(&w.started);
    start_thread(&t, "waiter", waiter_main, &w);

    latch_wait(&w.started);
    context_cancel(parent, STATUS_CANCELLED, NULL);
    assert_int_equal(sched_thread_join(&t), STATUS_OK);

    assert_int_equal(w.got, STATUS_CANCELLED);
    assert_string_equal(w.why.text, "context canceled");
    latch_destroy(&w.started);
    context_destroy(child);
    context_destroy(parent);
}

static void test_context_wait_returns_at_deadline(void **state)
{
    struct context *c = NULL;
    struct status_detail d;

    (void)state;
    /*
     * 20 ms from now. The test only needs context_wait to return, and to
     * say why; how long it took is not checked.
     */
    assert_int_equal(context_create_with_deadline(
                         NULL, sched_now_ns() + 20 * INT64_C(1000000), &c),
                     STATUS_OK);
    assert_int_equal(context_wait(c), STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(context_err(c, &d), STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(d.text, "context deadline exceeded");
    /* Sticky: waiting again returns at once with the same reason. */
    assert_int_equal(context_wait(c), STATUS_DEADLINE_EXCEEDED);
    context_destroy(c);
}

static void test_context_wait_on_done_context_returns_at_once(void **state)
{
    struct context *c = NULL;

    (void)state;
    assert_int_equal(context_create(NULL, &c), STATUS_OK);
    context_cancel(c, STATUS_INTERNAL, "boom");
    assert_int_equal(context_wait(c), STATUS_INTERNAL);
    context_destroy(c);
}

/* ------------------------------------------------------------------ */
/* Watches                                                            */
/* ------------------------------------------------------------------ */

static void test_context_watch_runs_once_with_reason(void **state)
{
    struct context *c = NULL;
    struct context *child = NULL;
    struct watch_log logs[3];
    struct context_watch w[3];
    int i = 0;

    (void)state;
    memset(logs, 0, sizeof logs);
    assert_int_equal(context_create(NULL, &c), STATUS_OK);
    assert_int_equal(context_create(c, &child), STATUS_OK);
    for (i = 0; i < 3; i++) {
        w[i].fn = watch_record;
        w[i].arg = &logs[i];
        w[i].next = NULL;
    }
    assert_int_equal(context_watch(c, &w[0]), STATUS_OK);
    assert_int_equal(context_watch(c, &w[1]), STATUS_OK);
    assert_int_equal(context_watch(child, &w[2]), STATUS_OK);
    for (i = 0; i < 3; i++)
        assert_int_equal(logs[i].calls, 0);

    context_cancel(c, STATUS_UNAVAILABLE, "gone");
    /* A second cancel, and one of the child, must not run them again. */
    context_cancel(c, STATUS_CANCELLED, NULL);
    context_cancel(child, STATUS_CANCELLED, NULL);

    for (i = 0; i < 3; i++) {
        assert_int_equal(logs[i].calls, 1);
        assert_int_equal(logs[i].reason, STATUS_UNAVAILABLE);
        assert_string_equal(logs[i].text, "gone");
    }
    /* The watches were handed back: nothing is registered any more. */
    assert_int_equal(context_get_info(c).watches, 0);
    assert_int_equal(context_get_info(child).watches, 0);
    context_destroy(child);
    context_destroy(c);
}

static void test_context_watch_on_done_context_is_refused(void **state)
{
    struct context *c = NULL;
    struct watch_log log;
    struct context_watch w = {watch_record, NULL, NULL};

    (void)state;
    memset(&log, 0, sizeof log);
    w.arg = &log;
    assert_int_equal(context_create(NULL, &c), STATUS_OK);
    context_cancel(c, STATUS_DEADLINE_EXCEEDED, NULL);

    assert_int_equal(context_watch(c, &w), STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(context_get_info(c).watches, 0); /* not registered */
    assert_int_equal(log.calls, 0); /* and not run either */
    context_destroy(c);
}

static void test_context_unwatch_removes_the_watch(void **state)
{
    struct context *c = NULL;
    struct watch_log logs[3];
    struct context_watch w[3];
    int i = 0;

    (void)state;
    memset(logs, 0, sizeof logs);
    assert_int_equal(context_create(NULL, &c), STATUS_OK);
    for (i = 0; i < 3; i++) {
        w[i].fn = watch_record;
        w[i].arg = &logs[i];
        w[i].next = NULL;
        assert_int_equal(context_watch(c, &w[i]), STATUS_OK);
    }

    /* Remove the one in the middle of the list, then again: a no-op. */
    context_unwatch(c, &w[1]);
    context_unwatch(c, &w[1]);

    context_cancel(c, STATUS_CANCELLED, NULL);
    assert_int_equal(logs[0].calls, 1);
    assert_int_equal(logs[1].calls, 0); /* never runs */
    assert_int_equal(logs[2].calls, 1);

    /* After the cancel the list is empty: unwatching is still harmless. */
    context_unwatch(c, &w[0]);
    assert_int_equal(context_get_info(c).watches, 0);
    context_destroy(c);
}

/*
 * A context carries a trace: a child inherits its parent's, a root the
 * background's, and a stream created under either, with no trace in its
 * options, records into it (its send is a SEND event there). This is
 * how an exercise's harness traces the stream your code creates.
 */
static void test_context_trace_reaches_a_stream_created_under_it(void **state)
{
    struct trace *t = trace_create();
    struct trace *other = trace_create();
    struct stream_options o;
    struct context *root = NULL;
    struct context *child = NULL;
    struct stream *s = NULL;

    (void)state;
    assert_non_null(t);
    assert_non_null(other);
    memset(&o, 0, sizeof o);
    assert_null(context_trace(NULL));
    context_set_trace(NULL, t);
    assert_ptr_equal(context_trace(NULL), t);
    assert_int_equal(context_create(NULL, &root), STATUS_OK);
    context_set_trace(NULL, NULL); /* the harness puts NULL back */
    assert_ptr_equal(context_trace(root), t);
    assert_int_equal(context_create(root, &child), STATUS_OK);
    assert_ptr_equal(context_trace(child), t);

    assert_int_equal(stream_create(child, &o, &s), STATUS_OK);
    assert_int_equal(stream_send(stream_client(s), "hi", 2, NULL), STATUS_OK);
    assert_int_equal(trace_count(t, TRACE_SEND), 1);
    stream_destroy(s);

    /* A trace in the options wins; a context set later keeps its own. */
    o.trace = other;
    assert_int_equal(stream_create(child, &o, &s), STATUS_OK);
    assert_int_equal(stream_send(stream_client(s), "hi", 2, NULL), STATUS_OK);
    assert_int_equal(trace_count(other, TRACE_SEND), 1);
    assert_int_equal(trace_count(t, TRACE_SEND), 1);
    stream_destroy(s);
    context_set_trace(root, NULL);
    assert_null(context_trace(root));
    assert_ptr_equal(context_trace(child), t);

    context_destroy(child);
    context_destroy(root);
    trace_destroy(other);
    trace_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_context_create_destroy_root_and_child),
        cmocka_unit_test(test_context_destroy_null_is_noop),
        cmocka_unit_test(test_context_get_info_follows_tree_and_watches),
        cmocka_unit_test(test_context_destroy_middle_child_keeps_siblings),
        cmocka_unit_test(test_context_cancel_default_texts),
        cmocka_unit_test(test_context_cancel_long_text_is_truncated),
        cmocka_unit_test(test_context_cancel_first_reason_wins),
        cmocka_unit_test(test_context_cancel_propagates_to_descendants),
        cmocka_unit_test(test_context_child_of_done_parent_is_done_at_once),
        cmocka_unit_test(test_context_child_deadline_is_the_earlier),
        cmocka_unit_test(test_context_err_notices_passed_deadline),
        cmocka_unit_test(test_context_cancel_after_passed_deadline),
        cmocka_unit_test(test_context_child_cancel_after_parent_deadline),
        cmocka_unit_test(test_context_parent_cancel_after_child_deadline),
        cmocka_unit_test(test_context_watch_after_passed_deadline_is_refused),
        cmocka_unit_test(test_context_err_leaves_detail_alone_while_live),
        cmocka_unit_test(test_context_wait_returns_when_another_thread_cancels),
        cmocka_unit_test(test_context_wait_wakes_through_parent_cancel),
        cmocka_unit_test(test_context_wait_returns_at_deadline),
        cmocka_unit_test(test_context_wait_on_done_context_returns_at_once),
        cmocka_unit_test(test_context_watch_runs_once_with_reason),
        cmocka_unit_test(test_context_watch_on_done_context_is_refused),
        cmocka_unit_test(test_context_unwatch_removes_the_watch),
        cmocka_unit_test(test_context_trace_reaches_a_stream_created_under_it),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

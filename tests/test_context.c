/*
 * test_context: cancellation and deadlines (src/context.h).
 *
 * What is checked, in the order of the header:
 *   - a context is live until it is done, and done exactly once: the first
 *     reason (and its text) wins, with Go's wording by default;
 *   - a cancel walks down the tree with the same reason; a child made under
 *     a done parent is done at once; a child's deadline is never later than
 *     its parent's;
 *   - context_err notices a passed deadline; context_wait returns when
 *     another thread cancels, or when the deadline passes;
 *   - watches (Go's AfterFunc) run exactly once, and can be removed.
 *
 * Threads: a worker never calls a cmocka assert (an assert on a worker thread
 * kills the binary silently). It stores what it saw in a struct; the test
 * joins it, then asserts. Threads are ordered with a latch (support.h says
 * why), never a sleep.
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

#include "context.h"
#include "sched.h"
#include "status.h"
#include "support.h"

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
    assert_ptr_equal(child->parent, root);
    assert_ptr_equal(root->children, child);

    /* Children first: destroying the child unlinks it from the parent. */
    context_destroy(child);
    assert_null(root->children);
    context_destroy(root);
}

static void test_context_destroy_null_is_noop(void **state)
{
    (void)state;
    context_destroy(NULL);
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
    assert_null(root->children);
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

static void test_context_err_notices_passed_deadline(void **state)
{
    struct context *c = NULL;
    struct context *child = NULL;
    struct context_watch w = {watch_record, NULL, NULL};
    struct watch_log log;
    struct status_detail d;

    (void)state;
    memset(&log, 0, sizeof log);
    w.arg = &log;
    /* A deadline already in the past: no waiting, no timing. */
    assert_int_equal(context_create_with_deadline(NULL, sched_now_ns() - 1, &c),
                     STATUS_OK);
    assert_int_equal(context_create(c, &child), STATUS_OK);
    assert_int_equal(context_watch(child, &w), STATUS_OK);

    /* Nobody noticed yet: the fields still say live. */
    assert_int_equal(c->err, STATUS_OK);

    assert_int_equal(context_err(c, &d), STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(d.code, STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(d.text, "context deadline exceeded");

    /* Noticing it cancelled c like any cancel: the child's watch ran. */
    assert_int_equal(log.calls, 1);
    assert_int_equal(log.reason, STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(log.text, "context deadline exceeded");
    assert_int_equal(context_cancel(c, STATUS_CANCELLED, NULL), 0);

    context_destroy(child);
    context_destroy(c);
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
    assert_null(c->watches);
    assert_null(child->watches);
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
    assert_null(c->watches);        /* not registered */
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
    assert_null(c->watches);
    context_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_context_create_destroy_root_and_child),
        cmocka_unit_test(test_context_destroy_null_is_noop),
        cmocka_unit_test(test_context_destroy_middle_child_keeps_siblings),
        cmocka_unit_test(test_context_cancel_default_texts),
        cmocka_unit_test(test_context_cancel_long_text_is_truncated),
        cmocka_unit_test(test_context_cancel_first_reason_wins),
        cmocka_unit_test(test_context_cancel_propagates_to_descendants),
        cmocka_unit_test(test_context_child_of_done_parent_is_done_at_once),
        cmocka_unit_test(test_context_child_deadline_is_the_earlier),
        cmocka_unit_test(test_context_err_notices_passed_deadline),
        cmocka_unit_test(test_context_err_leaves_detail_alone_while_live),
        cmocka_unit_test(test_context_wait_returns_when_another_thread_cancels),
        cmocka_unit_test(test_context_wait_wakes_through_parent_cancel),
        cmocka_unit_test(test_context_wait_returns_at_deadline),
        cmocka_unit_test(test_context_wait_on_done_context_returns_at_once),
        cmocka_unit_test(test_context_watch_runs_once_with_reason),
        cmocka_unit_test(test_context_watch_on_done_context_is_refused),
        cmocka_unit_test(test_context_unwatch_removes_the_watch),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

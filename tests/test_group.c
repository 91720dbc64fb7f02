/*
 * test_group: errgroup for threads (src/core/group.h).
 *
 * What is checked, after golang.org/x/sync/errgroup:
 *   - group_wait joins every task; when all succeed it returns OK and
 *     clears the detail;
 *   - the first error wins, with its words; it cancels the group's
 *     context, so siblings blocked on that context (directly, or in a
 *     stream created under it) wake with CANCELLED, and their CANCELLED
 *     never replaces the first error;
 *   - with several failures exactly one error is kept;
 *   - a cancelled group still runs a task started afterwards.
 *
 * Which error is "first" is forced, never left to luck: the siblings that
 * fail too only return after they saw the group's context cancelled, and
 * the group cancels it only after it has kept the first error.
 *
 * Threads: tasks never call a cmocka assert. They store what they saw in a
 * struct; the test calls group_wait (which joins them), then asserts.
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
#include "core/frame.h"
#include "core/group.h"
#include "core/pipe.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"
#include "support.h"

/* ------------------------------------------------------------------ */
/* Tasks                                                              */
/* ------------------------------------------------------------------ */

/* Succeeds, after noting that it ran, on which thread, and the context. */
struct ok_task {
    struct group *g;
    int ran;
    char thread[SCHED_NAME_MAX];
    enum status ctx_err;
    struct status_detail ctx_why;
};

static enum status ok_main(void *arg, struct status_detail *why)
{
    struct ok_task *t = arg;

    (void)why;
    t->ran = 1;
    strcpy(t->thread, sched_self_name());
    status_detail_clear(&t->ctx_why);
    t->ctx_err = context_err(group_context(t->g), &t->ctx_why);
    return STATUS_OK;
}

/* Fails at once with code and text (text NULL: no words). */
struct fail_task {
    enum status code;
    const char *text;
};

static enum status fail_main(void *arg, struct status_detail *why)
{
    struct fail_task *t = arg;

    if (t->text != NULL)
        status_detail_set(why, t->code, "%s", t->text);
    return t->code;
}

/*
 * Blocks until the group's context is done, then returns `ret` with `text`
 * (ret STATUS_UNKNOWN: returns what the wait returned, as a task that
 * passes its cancellation up would).
 */
struct sibling_task {
    struct group *g;
    enum status ret;
    const char *text;
    enum status woke; /* what context_wait returned */
};

static enum status sibling_main(void *arg, struct status_detail *why)
{
    struct sibling_task *t = arg;

    t->woke = context_wait(group_context(t->g));
    if (t->ret == STATUS_UNKNOWN) {
        context_err(group_context(t->g), why);
        return t->woke;
    }
    return status_detail_set(why, t->ret, "%s", t->text);
}

/* The server end of a call: one recv, whose status the task returns. */
struct recv_task {
    struct stream *s;
    enum status got;
    struct status_detail got_why;
};

static enum status recv_main(void *arg, struct status_detail *why)
{
    struct recv_task *t = arg;
    struct frame_msg msg = {0};

    t->got = stream_recv(stream_server(t->s), &msg, &t->got_why);
    frame_msg_free(&msg);
    *why = t->got_why;
    return t->got;
}

/* ------------------------------------------------------------------ */
/* Tests                                                              */
/* ------------------------------------------------------------------ */

static void test_group_destroy_null_is_noop(void **state)
{
    (void)state;
    group_destroy(NULL);
}

static void test_group_wait_without_tasks_is_ok(void **state)
{
    struct group *g = NULL;
    struct status_detail why;

    (void)state;
    assert_int_equal(group_create(NULL, &g), STATUS_OK);
    assert_non_null(group_context(g));
    status_detail_set(&why, STATUS_INTERNAL, "stale");
    assert_int_equal(group_wait(g, &why), STATUS_OK);
    assert_int_equal(why.code, STATUS_OK);
    assert_string_equal(why.text, "");
    assert_int_equal(group_wait(g, NULL), STATUS_OK);
    group_destroy(g);
}

static void test_group_all_ok_returns_ok_and_clears_detail(void **state)
{
    static const char *const names[3] = {"worker-0", "worker-1", "worker-2"};
    struct group *g = NULL;
    struct ok_task tasks[3];
    struct status_detail why;
    int i = 0;

    (void)state;
    memset(tasks, 0, sizeof tasks);
    assert_int_equal(group_create(NULL, &g), STATUS_OK);
    for (i = 0; i < 3; i++) {
        tasks[i].g = g;
        assert_int_equal(group_go(g, names[i], ok_main, &tasks[i]), STATUS_OK);
    }

    status_detail_set(&why, STATUS_INTERNAL, "stale");
    assert_int_equal(group_wait(g, &why), STATUS_OK);
    assert_int_equal(why.code, STATUS_OK);
    assert_string_equal(why.text, "");

    /* Every task ran, on its own named thread, under a live context. */
    for (i = 0; i < 3; i++) {
        assert_int_equal(tasks[i].ran, 1);
        assert_string_equal(tasks[i].thread, names[i]);
        assert_int_equal(tasks[i].ctx_err, STATUS_OK);
    }
    /* Success does not cancel the group's context. */
    assert_int_equal(context_err(group_context(g), NULL), STATUS_OK);
    group_destroy(g);
}

static void test_group_first_error_wins_over_sibling_cancel(void **state)
{
    struct group *g = NULL;
    struct sibling_task sib;
    struct fail_task fail = {STATUS_NOT_FOUND, "no row 7"};
    struct status_detail why;

    (void)state;
    assert_int_equal(group_create(NULL, &g), STATUS_OK);
    memset(&sib, 0, sizeof sib);
    sib.g = g;
    sib.ret = STATUS_UNKNOWN; /* return the CANCELLED it wakes with */

    /*
     * The sibling starts first, but it can only return after the context
     * is cancelled, which happens only after the group kept NOT_FOUND.
     */
    assert_int_equal(group_go(g, "sibling", sibling_main, &sib), STATUS_OK);
    assert_int_equal(group_go(g, "failing", fail_main, &fail), STATUS_OK);

    assert_int_equal(group_wait(g, &why), STATUS_NOT_FOUND);
    assert_int_equal(why.code, STATUS_NOT_FOUND);
    assert_string_equal(why.text, "no row 7");
    assert_int_equal(sib.woke, STATUS_CANCELLED);

    /* The group's context was cancelled with Go's wording. */
    assert_int_equal(context_err(group_context(g), &why), STATUS_CANCELLED);
    assert_string_equal(why.text, "context canceled");
    /* Waiting again changes nothing; no detail is needed. */
    assert_int_equal(group_wait(g, NULL), STATUS_NOT_FOUND);
    group_destroy(g);
}

static void test_group_error_wakes_sibling_in_stream_recv(void **state)
{
    struct group *g = NULL;
    struct stream *s = NULL;
    struct recv_task rt;
    struct fail_task fail = {STATUS_UNAVAILABLE, "backend down"};
    struct status_detail why;

    (void)state;
    assert_int_equal(group_create(NULL, &g), STATUS_OK);
    assert_int_equal(stream_create(group_context(g), NULL, &s), STATUS_OK);
    memset(&rt, 0, sizeof rt);
    rt.s = s;

    /* The server blocks in recv: nobody will ever send to it. */
    assert_int_equal(group_go(g, "server", recv_main, &rt), STATUS_OK);
    assert_true(await_read_waits(stream_pipe(s, STREAM_C2S), 1));

    /* Another task fails: that cancels the group, and so the call. */
    assert_int_equal(group_go(g, "client", fail_main, &fail), STATUS_OK);

    assert_int_equal(group_wait(g, &why), STATUS_UNAVAILABLE);
    assert_string_equal(why.text, "backend down");
    assert_int_equal(rt.got, STATUS_CANCELLED);
    assert_string_equal(rt.got_why.text, "context canceled");
    assert_int_equal(stream_final_status(s, NULL), STATUS_CANCELLED);

    stream_destroy(s); /* before the group: its context is the parent */
    group_destroy(g);
}

static void test_group_keeps_exactly_one_of_several_errors(void **state)
{
    struct group *g = NULL;
    struct sibling_task sibs[3];
    static const enum status codes[3] = {STATUS_DATA_LOSS, STATUS_INTERNAL,
                                         STATUS_UNAVAILABLE};
    static const char *const texts[3] = {"sibling 0", "sibling 1", "sibling 2"};
    struct fail_task fail = {STATUS_ABORTED, "the first"};
    struct status_detail why;
    int i = 0;

    (void)state;
    assert_int_equal(group_create(NULL, &g), STATUS_OK);
    /*
     * Three siblings fail too, with errors of their own (not CANCELLED),
     * but only once the context is cancelled: after ABORTED was kept.
     */
    for (i = 0; i < 3; i++) {
        memset(&sibs[i], 0, sizeof sibs[i]);
        sibs[i].g = g;
        sibs[i].ret = codes[i];
        sibs[i].text = texts[i];
        assert_int_equal(group_go(g, "sibling", sibling_main, &sibs[i]),
                         STATUS_OK);
    }
    assert_int_equal(group_go(g, "failing", fail_main, &fail), STATUS_OK);

    assert_int_equal(group_wait(g, &why), STATUS_ABORTED);
    assert_int_equal(why.code, STATUS_ABORTED);
    assert_string_equal(why.text, "the first");
    for (i = 0; i < 3; i++)
        assert_int_equal(sibs[i].woke, STATUS_CANCELLED);
    group_destroy(g);
}

static void test_group_error_without_words_keeps_its_code(void **state)
{
    struct group *g = NULL;
    struct fail_task fail = {STATUS_PERMISSION_DENIED, NULL};
    struct status_detail why;

    (void)state;
    assert_int_equal(group_create(NULL, &g), STATUS_OK);
    assert_int_equal(group_go(g, "silent", fail_main, &fail), STATUS_OK);
    assert_int_equal(group_wait(g, &why), STATUS_PERMISSION_DENIED);
    assert_int_equal(why.code, STATUS_PERMISSION_DENIED);
    assert_string_equal(why.text, "");
    group_destroy(g);
}

static void test_group_eof_counts_as_error(void **state)
{
    struct group *g = NULL;
    struct fail_task eof = {STATUS_EOF, "peer half-closed"};
    struct status_detail why;

    (void)state;
    /* Only OK is success: a task that treats EOF as normal returns OK. */
    assert_int_equal(group_create(NULL, &g), STATUS_OK);
    assert_int_equal(group_go(g, "reader", fail_main, &eof), STATUS_OK);
    assert_int_equal(group_wait(g, &why), STATUS_EOF);
    assert_string_equal(why.text, "peer half-closed");
    assert_int_equal(context_err(group_context(g), NULL), STATUS_CANCELLED);
    group_destroy(g);
}

static void test_group_go_after_error_still_runs_task(void **state)
{
    struct group *g = NULL;
    struct fail_task fail = {STATUS_INTERNAL, "broken"};
    struct ok_task late;
    struct status_detail why;

    (void)state;
    memset(&late, 0, sizeof late);
    assert_int_equal(group_create(NULL, &g), STATUS_OK);
    assert_int_equal(group_go(g, "failing", fail_main, &fail), STATUS_OK);
    assert_int_equal(group_wait(g, &why), STATUS_INTERNAL);

    /* The group is cancelled now; a new task still runs, and sees it. */
    late.g = g;
    assert_int_equal(group_go(g, "late", ok_main, &late), STATUS_OK);
    assert_int_equal(group_wait(g, &why), STATUS_INTERNAL); /* still first */
    assert_string_equal(why.text, "broken");
    assert_int_equal(late.ran, 1);
    assert_int_equal(late.ctx_err, STATUS_CANCELLED);
    assert_string_equal(late.ctx_why.text, "context canceled");
    group_destroy(g);
}

static void test_group_under_cancelled_parent_still_runs_task(void **state)
{
    struct context *parent = NULL;
    struct group *g = NULL;
    struct ok_task t;
    struct status_detail why;

    (void)state;
    memset(&t, 0, sizeof t);
    assert_int_equal(context_create(NULL, &parent), STATUS_OK);
    assert_int_equal(group_create(parent, &g), STATUS_OK);
    context_cancel(parent, STATUS_CANCELLED, "shutting down");

    t.g = g;
    assert_int_equal(group_go(g, "task", ok_main, &t), STATUS_OK);
    /* A cancelled context is not a task's error: the group is OK. */
    assert_int_equal(group_wait(g, &why), STATUS_OK);
    assert_int_equal(t.ran, 1);
    assert_int_equal(t.ctx_err, STATUS_CANCELLED);
    assert_string_equal(t.ctx_why.text, "shutting down");
    group_destroy(g);
    context_destroy(parent);
}

static void test_group_parent_cancel_wakes_tasks(void **state)
{
    struct context *parent = NULL;
    struct group *g = NULL;
    struct sibling_task sib;
    struct status_detail why;

    (void)state;
    memset(&sib, 0, sizeof sib);
    assert_int_equal(context_create(NULL, &parent), STATUS_OK);
    assert_int_equal(group_create(parent, &g), STATUS_OK);
    sib.g = g;
    sib.ret = STATUS_UNKNOWN; /* returns the reason it woke with */
    assert_int_equal(group_go(g, "waiter", sibling_main, &sib), STATUS_OK);

    /* The group's context is a child of parent: the cancel reaches it. */
    context_cancel(parent, STATUS_DEADLINE_EXCEEDED, NULL);
    assert_int_equal(group_wait(g, &why), STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(why.text, "context deadline exceeded");
    assert_int_equal(sib.woke, STATUS_DEADLINE_EXCEEDED);
    group_destroy(g);
    context_destroy(parent);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_destroy_null_is_noop),
        cmocka_unit_test(test_group_wait_without_tasks_is_ok),
        cmocka_unit_test(test_group_all_ok_returns_ok_and_clears_detail),
        cmocka_unit_test(test_group_first_error_wins_over_sibling_cancel),
        cmocka_unit_test(test_group_error_wakes_sibling_in_stream_recv),
        cmocka_unit_test(test_group_keeps_exactly_one_of_several_errors),
        cmocka_unit_test(test_group_error_without_words_keeps_its_code),
        cmocka_unit_test(test_group_eof_counts_as_error),
        cmocka_unit_test(test_group_go_after_error_still_runs_task),
        cmocka_unit_test(test_group_under_cancelled_parent_still_runs_task),
        cmocka_unit_test(test_group_parent_cancel_wakes_tasks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

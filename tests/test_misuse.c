/*
 * test_misuse: what each public function does with bad input.
 *
 * STYLE.md gives a caller's mistake one of two answers, and these tests
 * pin down which one each function gives:
 *   - input a caller or a peer controls (a length, a code, a call made in
 *     the wrong state, such as a send after CloseSend) gets a status, the
 *     one its header lists, and where there are words, the words;
 *   - a bug (a NULL pipe, an abort "with" STATUS_OK, destroying a context
 *     that still has children) stops the program with an assert. Those
 *     calls run in a forked child, as test_sched_sim.c runs the
 *     simulator's aborts, and the child must die of SIGABRT saying why.
 * Every destroy or free function takes NULL as a no-op, and that is
 * tested here too.
 *
 * Nothing here needs a second thread except one group task, and no test
 * sleeps: the whole file runs in well under a second.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/cli.h"
#include "core/context.h"
#include "scenarios/explore_scenario.h"
#include "core/frame.h"
#include "core/group.h"
#include "core/pipe.h"
#include "app/recall.h"
#include "scenarios/scenario.h"
#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"
#include "core/trace.h"
#include "view/dissect.h"
#include "view/hexdump.h"
#include "view/timeline.h"
#include "support.h"

/* ------------------------------------------------------------------ */
/* Asserts: a forked child must die of SIGABRT                        */
/* ------------------------------------------------------------------ */

/*
 * Runs fn in a forked child whose stderr goes into err (cap bytes, NUL
 * terminated). Returns 1 when the child died of SIGABRT, 0 when it ended
 * any other way (fn returned, or another signal). Test thread only.
 */
static int dies_of_abort(void (*fn)(void), char *err, size_t cap)
{
    int fds[2];
    size_t len = 0;
    int wstatus = 0;
    pid_t pid = 0;

    assert_true(cap > 0);
    assert_int_equal(pipe(fds), 0);
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        if (dup2(fds[1], 2) < 0)
            _exit(3);
        close(fds[1]);
        fn();
        _exit(0);
    }
    close(fds[1]);
    for (;;) {
        char sink[256];
        ssize_t got = 0;

        if (len + 1 < cap)
            got = read(fds[0], err + len, cap - 1 - len);
        else
            got = read(fds[0], sink, sizeof sink);
        if (got <= 0)
            break;
        if (len + 1 < cap)
            len += (size_t)got;
    }
    err[len] = '\0';
    close(fds[0]);
    assert_int_equal(waitpid(pid, &wstatus, 0), pid);
    return WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGABRT;
}

/* The children's bodies: each makes its own objects and misuses one. */
static void write_to_null_pipe(void)
{
    pipe_write(NULL, "x", 1, NULL);
}

static void read_into_null_buffer(void)
{
    struct pipe *p = NULL;

    if (pipe_create(8, "t", NULL, &p) == STATUS_OK)
        pipe_read(p, NULL, 1, NULL);
}

static void write_from_null_buffer(void)
{
    struct pipe *p = NULL;

    if (pipe_create(8, "t", NULL, &p) == STATUS_OK)
        pipe_write(p, NULL, 1, NULL);
}

static void abort_pipe_with_ok(void)
{
    struct pipe *p = NULL;

    if (pipe_create(8, "t", NULL, &p) == STATUS_OK)
        pipe_close_with_error(p, STATUS_OK);
}

static void cancel_context_with_ok(void)
{
    struct context *c = NULL;

    if (context_create(NULL, &c) == STATUS_OK)
        context_cancel(c, STATUS_OK, NULL);
}

static void destroy_context_with_child(void)
{
    struct context *root = NULL;
    struct context *child = NULL;

    if (context_create(NULL, &root) == STATUS_OK &&
        context_create(root, &child) == STATUS_OK)
        context_destroy(root);
}

static void no_op_watch(void *arg, enum status reason, const char *text)
{
    (void)arg;
    (void)reason;
    (void)text;
}

static void destroy_context_with_watch(void)
{
    static struct context_watch w = {no_op_watch, NULL, NULL};
    struct context *c = NULL;

    if (context_create(NULL, &c) == STATUS_OK &&
        context_watch(c, &w) == STATUS_OK)
        context_destroy(c);
}

static void destroy_group_before_its_stream(void)
{
    struct group *g = NULL;
    struct stream *s = NULL;

    if (group_create(NULL, &g) == STATUS_OK &&
        stream_create(group_context(g), NULL, &s) == STATUS_OK) {
        group_wait(g, NULL);
        group_destroy(g);
    }
}

static void abort_pipe_with_eof(void)
{
    struct pipe *p = NULL;

    if (pipe_create(8, "t", NULL, &p) == STATUS_OK)
        pipe_close_with_error(p, STATUS_EOF); /* would look like a half-close */
}

static void watch_twice(void)
{
    static struct context_watch w = {no_op_watch, NULL, NULL};
    struct context *c = NULL;

    if (context_create(NULL, &c) == STATUS_OK &&
        context_watch(c, &w) == STATUS_OK)
        context_watch(c, &w);
}

static enum status waiter_task(void *arg, struct status_detail *why)
{
    (void)why;
    return context_wait(arg); /* never cancelled: still running */
}

static void destroy_group_not_waited(void)
{
    struct group *g = NULL;

    if (group_create(NULL, &g) == STATUS_OK &&
        group_go(g, "waiter", waiter_task, group_context(g)) == STATUS_OK)
        group_destroy(g);
}

static void send_on_null_end(void)
{
    stream_send(NULL, "x", 1, NULL);
}

static void ask_null_context(void)
{
    context_err(NULL, NULL);
}

static void wait_on_null_group(void)
{
    group_wait(NULL, NULL);
}

static void end_of_null_stream(void)
{
    stream_client(NULL);
}

static void pipe_of_no_direction(void)
{
    struct stream *s = NULL;

    if (stream_create(NULL, NULL, &s) == STATUS_OK)
        stream_pipe(s, 2);
}

static void info_of_null_context(void)
{
    context_get_info(NULL);
}

static void capacity_of_null_pipe(void)
{
    pipe_capacity(NULL);
}

static void test_misuse_asserts_stop_the_program(void **state)
{
    static const struct {
        const char *name;
        void (*fn)(void);
        const char *says; /* in the assert's message */
    } cases[] = {
        {"pipe_write(NULL, ...)", write_to_null_pipe, "p != NULL"},
        {"pipe_read(p, NULL, 1, ...)", read_into_null_buffer,
         "buf != NULL || len == 0"},
        {"pipe_write(p, NULL, 1, ...)", write_from_null_buffer,
         "buf != NULL || len == 0"},
        {"pipe_close_with_error(p, STATUS_OK)", abort_pipe_with_ok,
         "reason != STATUS_OK"},
        {"context_cancel(c, STATUS_OK, ...)", cancel_context_with_ok,
         "reason != STATUS_OK"},
        {"context_destroy(parent of a live child)", destroy_context_with_child,
         "destroy the children first"},
        {"context_destroy(c with a watch)", destroy_context_with_watch,
         "unwatch before destroying"},
        {"group_destroy(g) before a stream under it",
         destroy_group_before_its_stream, "destroy the children first"},
        {"pipe_close_with_error(p, STATUS_EOF)", abort_pipe_with_eof,
         "status_is_grpc(reason)"},
        {"context_watch(c, w) twice", watch_twice, "on != w"},
        {"stream_send(NULL, ...)", send_on_null_end, "e != NULL"},
        {"context_err(NULL, ...)", ask_null_context, "c != NULL"},
        {"group_wait(NULL, ...)", wait_on_null_group, "g != NULL"},
        {"stream_client(NULL)", end_of_null_stream, "s != NULL"},
        {"stream_pipe(s, 2)", pipe_of_no_direction,
         "dir == STREAM_C2S || dir == STREAM_S2C"},
        {"context_get_info(NULL)", info_of_null_context, "c != NULL"},
        {"pipe_capacity(NULL)", capacity_of_null_pipe, "p != NULL"},
        {"group_destroy(g) without group_wait", destroy_group_not_waited,
         "g->tasks == NULL"},
    };
    char err[1024];
    size_t i = 0;

    (void)state;
#ifdef NDEBUG
    skip(); /* asserts are compiled out */
#endif
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (!dies_of_abort(cases[i].fn, err, sizeof err))
            fail_msg("%s did not abort; stderr:\n%s", cases[i].name, err);
        assert_has(err, cases[i].says);
    }
}

/* ------------------------------------------------------------------ */
/* NULL is a no-op for every destroy and free function                */
/* ------------------------------------------------------------------ */

static void test_misuse_destroy_null_is_noop(void **state)
{
    struct frame_msg msg = {0};
    struct recall_plan plan;
    struct sched_sim_result sim;

    (void)state;
    pipe_destroy(NULL);
    frame_msg_free(NULL);
    context_destroy(NULL);
    stream_destroy(NULL);
    group_destroy(NULL);
    trace_destroy(NULL);
    sched_sim_result_free(NULL);
    scenario_result_free(NULL);
    explore_result_free(NULL);
    recall_deck_destroy(NULL);
    recall_state_destroy(NULL);
    recall_plan_free(NULL);
    /* The ones that zero what they free may be called twice. */
    frame_msg_free(&msg);
    frame_msg_free(&msg);
    memset(&plan, 0, sizeof plan);
    recall_plan_free(&plan);
    recall_plan_free(&plan);
    memset(&sim, 0, sizeof sim);
    sched_sim_result_free(&sim);
    sched_sim_result_free(&sim);
    assert_null(msg.data);
    assert_null(plan.order);
    assert_null(sim.decisions);
}

/* ------------------------------------------------------------------ */
/* sched                                                              */
/* ------------------------------------------------------------------ */

static void test_sched_misuse_bad_replay_strings(void **state)
{
    static const char *const bad[] = {
        "",                       /* nothing: "-" is the empty schedule */
        ",",                      /* a separator alone */
        "1",                      /* no thread */
        "1:",                     /* no thread after the colon */
        ":1",                     /* no decision */
        "1:0,",                   /* a trailing comma */
        "1:0,,2:0",               /* an empty pair */
        "2:0,1:0",                /* decisions out of order */
        "1:0,1:1",                /* a decision twice */
        "-1:0",                   /* a sign */
        "+1:0",                   /* a sign */
        " 1:0",                   /* a blank */
        "1: 0",                   /* a blank */
        "1:0 ",                   /* a blank */
        "1:64",                   /* t >= SCHED_SIM_MAX_THREADS */
        "1:-1",                   /* a negative thread */
        "1:0x",                   /* junk after the thread */
        "1;0",                    /* the wrong separator */
        "100000001:0",            /* k past the limit */
        "99999999999999999999:0", /* k overflows */
        "1:99999999999999999999", /* t overflows */
    };
    int8_t sentinel = 42;
    int8_t *forced = &sentinel;
    size_t n = 7;
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (sched_schedule_parse(bad[i], &forced, &n) !=
            STATUS_INVALID_ARGUMENT)
            fail_msg("\"%s\" was accepted", bad[i]);
        /* Out-parameters are untouched on failure. */
        assert_ptr_equal(forced, &sentinel);
        assert_int_equal(n, 7);
    }
    /* The edges that are fine. */
    assert_int_equal(sched_schedule_parse("-", &forced, &n), STATUS_OK);
    assert_null(forced);
    assert_int_equal(n, 0);
    assert_int_equal(sched_schedule_parse("0:63", &forced, &n), STATUS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(forced[0], 63);
    free(forced);
}

static void test_sched_misuse_format_small_buffers(void **state)
{
    struct sched_decision d[2] = {{3, 0, 1}, {3, 1, 0}};
    char buf[8];

    (void)state;
    /* cap 0: nothing is written, not even a NUL. */
    memset(buf, 'x', sizeof buf);
    assert_int_equal(sched_schedule_format(d, 2, buf, 0), 0);
    assert_int_equal(buf[0], 'x');
    /* cap 1: room for the NUL only. */
    assert_int_equal(sched_schedule_format(d, 2, buf, 1), 0);
    assert_string_equal(buf, "");
    /* No decisions (d may then be NULL): "-". */
    assert_int_equal(sched_schedule_format(NULL, 0, buf, sizeof buf), 1);
    assert_string_equal(buf, "-");
    /* Truncated to fit, and the length says what was kept. */
    assert_int_equal(sched_schedule_format(d, 2, buf, 4), 3);
    assert_string_equal(buf, "0:1");
}

static void test_sched_misuse_sleep_not_positive_returns_at_once(void **state)
{
    int64_t t0 = sched_now_ns();

    (void)state;
    sched_sleep_ns(0);
    sched_sleep_ns(-1);
    sched_sleep_ns(INT64_MIN);
    assert_true(sched_now_ns() - t0 < INT64_C(1000000000));
}

/* SIM mode: a run holds at most SCHED_SIM_MAX_THREADS threads, main too. */
struct limit {
    struct sched_thread t[SCHED_SIM_MAX_THREADS];
    enum status st[SCHED_SIM_MAX_THREADS];
};

static enum status quick(void *arg)
{
    (void)arg;
    return STATUS_OK;
}

static enum status start_too_many(void *arg)
{
    struct limit *l = arg;
    int i = 0;

    for (i = 0; i < SCHED_SIM_MAX_THREADS; i++)
        l->st[i] = sched_thread_start(&l->t[i], "t", quick, NULL);
    for (i = 0; i < SCHED_SIM_MAX_THREADS; i++)
        if (l->st[i] == STATUS_OK)
            sched_thread_join(&l->t[i]);
    return STATUS_OK;
}

static void test_sched_misuse_too_many_simulated_threads(void **state)
{
    static struct limit l;
    struct sched_sim_options o;
    struct sched_sim_result r;
    enum status body = STATUS_UNKNOWN;

    (void)state;
    memset(&o, 0, sizeof o);
    o.strategy = SCHED_IN_ORDER;
    assert_int_equal(sched_sim_run(&o, start_too_many, &l, &body, &r),
                     STATUS_OK);
    sched_sim_result_free(&r);
    assert_int_equal(body, STATUS_OK);
    assert_int_equal(l.st[SCHED_SIM_MAX_THREADS - 2], STATUS_OK);
    assert_int_equal(l.st[SCHED_SIM_MAX_THREADS - 1],
                     STATUS_RESOURCE_EXHAUSTED);
}

/* ------------------------------------------------------------------ */
/* pipe                                                               */
/* ------------------------------------------------------------------ */

static void close_write(struct pipe *p)
{
    pipe_close_write(p);
}

static void close_read(struct pipe *p)
{
    pipe_close_read(p);
}

static void close_both(struct pipe *p)
{
    pipe_close_write(p);
    pipe_close_read(p);
}

static void abort_cancelled(struct pipe *p)
{
    pipe_close_with_error(p, STATUS_CANCELLED);
}

static void abort_after_close_write(struct pipe *p)
{
    pipe_close_write(p);
    pipe_close_with_error(p, STATUS_INTERNAL);
    pipe_close_with_error(p, STATUS_CANCELLED); /* the first reason wins */
}

static void deadlines_passed(struct pipe *p)
{
    pipe_set_read_deadline(p, sched_now_ns());
    pipe_set_write_deadline(p, sched_now_ns());
}

static void test_pipe_misuse_calls_after_the_end(void **state)
{
    static const struct {
        const char *name;
        void (*setup)(struct pipe *p);
        enum status write, read;
    } cases[] = {
        {"after close_write", close_write, STATUS_CLOSED, STATUS_EOF},
        {"after close_read", close_read, STATUS_CLOSED, STATUS_CLOSED},
        {"after both closes", close_both, STATUS_CLOSED, STATUS_CLOSED},
        {"after an abort", abort_cancelled, STATUS_CANCELLED, STATUS_CANCELLED},
        {"abort after close_write", abort_after_close_write, STATUS_INTERNAL,
         STATUS_INTERNAL},
        {"deadlines passed", deadlines_passed, STATUS_DEADLINE_EXCEEDED,
         STATUS_DEADLINE_EXCEEDED},
    };
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pipe *p = new_pipe(16);
        uint8_t buf[4];
        size_t n = 77;
        int k = 0;

        cases[i].setup(p);
        for (k = 0; k < 2; k++) { /* every one of them is sticky */
            n = 77;
            if (pipe_write(p, "abc", 3, &n) != cases[i].write)
                fail_msg("%s: write", cases[i].name);
            assert_int_equal(n, 0); /* nothing entered */
            n = 77;
            if (pipe_read(p, buf, sizeof buf, &n) != cases[i].read)
                fail_msg("%s: read", cases[i].name);
            assert_int_equal(n, 77); /* untouched on failure */
        }
        /* Zero-length calls are no-ops that succeed in every state. */
        n = 77;
        assert_int_equal(pipe_write(p, NULL, 0, &n), STATUS_OK);
        assert_int_equal(n, 0);
        n = 77;
        assert_int_equal(pipe_read(p, NULL, 0, &n), STATUS_OK);
        assert_int_equal(n, 0);
        assert_int_equal(pipe_buffered(p), 0);
        pipe_destroy(p);
    }
}

static void test_pipe_misuse_closes_and_aborts_twice(void **state)
{
    struct pipe *p = new_pipe(16);

    (void)state;
    assert_int_equal(pipe_write(p, "abcde", 5, NULL), STATUS_OK);
    pipe_close_write(p);
    pipe_close_write(p); /* idempotent */
    assert_int_equal(pipe_close_with_error(p, STATUS_ABORTED), 5);
    assert_int_equal(pipe_close_with_error(p, STATUS_CANCELLED), 0);
    pipe_close_read(p);
    pipe_close_read(p); /* idempotent */
    assert_int_equal(pipe_read(p, (uint8_t[1]){0}, 1, NULL), STATUS_ABORTED);
    assert_int_equal(pipe_get_stats(p).discarded, 5);
    pipe_destroy(p);
}

static void test_pipe_misuse_capacity_and_name_edges(void **state)
{
    struct pipe *p = NULL;

    (void)state;
    /* Capacity 0 is the default; a NULL name is "pipe"; long names cut. */
    assert_int_equal(pipe_create(0, NULL, NULL, &p), STATUS_OK);
    assert_int_equal(pipe_capacity(p), PIPE_DEFAULT_CAPACITY);
    assert_string_equal(pipe_name(p), "pipe");
    assert_int_equal(pipe_atomic_limit(p), PIPE_ATOMIC);
    pipe_destroy(p);
    assert_int_equal(pipe_create(1, "a-long-name", NULL, &p), STATUS_OK);
    assert_string_equal(pipe_name(p), "a-long-");
    assert_int_equal(pipe_atomic_limit(p), 1);
    pipe_destroy(p);
}

/* ------------------------------------------------------------------ */
/* frame                                                              */
/* ------------------------------------------------------------------ */

static void test_frame_misuse_bad_headers(void **state)
{
    static const struct frame_limits none = {FRAME_DEFAULT_MAX_RECV, NULL};
    static const struct frame_limits identity = {FRAME_DEFAULT_MAX_RECV,
                                                 "identity"};
    static const struct frame_limits empty = {FRAME_DEFAULT_MAX_RECV, ""};
    static const struct frame_limits gzip = {FRAME_DEFAULT_MAX_RECV, "gzip"};
    static const struct frame_limits two = {2, NULL};
    static const struct {
        uint8_t in[FRAME_HEADER_LEN];
        const struct frame_limits *lim;
        enum status want;
        const char *text;
    } cases[] = {
        {{0, 0, 0, 0, 0}, NULL, STATUS_OK, ""},
        {{2, 0, 0, 0, 1},
         NULL,
         STATUS_INTERNAL,
         "grpc: received unexpected payload format 2"},
        {{255, 0, 0, 0, 1},
         &none,
         STATUS_INTERNAL,
         "grpc: received unexpected payload format 255"},
        {{1, 0, 0, 0, 1},
         NULL,
         STATUS_INTERNAL,
         "grpc: compressed flag set with identity or empty encoding"},
        {{1, 0, 0, 0, 1},
         &identity,
         STATUS_INTERNAL,
         "grpc: compressed flag set with identity or empty encoding"},
        {{1, 0, 0, 0, 1},
         &empty,
         STATUS_INTERNAL,
         "grpc: compressed flag set with identity or empty encoding"},
        {{1, 0, 0, 0, 1}, &gzip, STATUS_OK, ""},
        {{0, 0, 0x40, 0, 1},
         NULL,
         STATUS_RESOURCE_EXHAUSTED,
         "grpc: received message larger than max (4194305 vs. 4194304)"},
        {{0, 0xff, 0xff, 0xff, 0xff},
         NULL,
         STATUS_RESOURCE_EXHAUSTED,
         "grpc: received message larger than max (4294967295 vs. 4194304)"},
        {{0, 0, 0, 0, 2}, &two, STATUS_OK, ""}, /* the limit is inclusive */
        {{0, 0, 0, 0, 3},
         &two,
         STATUS_RESOURCE_EXHAUSTED,
         "grpc: received message larger than max (3 vs. 2)"},
        /* The length is judged before the flag, as grpc-go does. */
        {{2, 0, 0, 0, 3},
         &two,
         STATUS_RESOURCE_EXHAUSTED,
         "grpc: received message larger than max (3 vs. 2)"},
    };
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct frame_header h = {9, 99};
        struct status_detail why;

        status_detail_clear(&why);
        if (frame_decode_header(cases[i].in, cases[i].lim, &h, &why) !=
            cases[i].want)
            fail_msg("case %zu: not %s", i, status_name(cases[i].want));
        assert_string_equal(why.text, cases[i].text);
        if (cases[i].want != STATUS_OK) { /* *out untouched on failure */
            assert_int_equal(h.flag, 9);
            assert_int_equal(h.length, 99);
        }
        /* why may be NULL. */
        assert_int_equal(
            frame_decode_header(cases[i].in, cases[i].lim, &h, NULL),
            cases[i].want);
    }
}

static void test_frame_misuse_encode_into_small_buffers(void **state)
{
    static const struct {
        size_t length, out_cap;
        enum status want;
    } cases[] = {
        {0, 0, STATUS_RESOURCE_EXHAUSTED},
        {0, FRAME_HEADER_LEN - 1, STATUS_RESOURCE_EXHAUSTED},
        {0, FRAME_HEADER_LEN, STATUS_OK},
        {3, FRAME_HEADER_LEN + 2, STATUS_RESOURCE_EXHAUSTED},
        {3, FRAME_HEADER_LEN + 3, STATUS_OK},
    };
    uint8_t out[16];
    size_t len = 0;
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        len = 77;

        if (frame_encode(FRAME_FLAG_PLAIN, "abc", cases[i].length, out,
                         cases[i].out_cap, &len) != cases[i].want)
            fail_msg("case %zu: not %s", i, status_name(cases[i].want));
        assert_int_equal(len, cases[i].want == STATUS_OK
                                  ? FRAME_HEADER_LEN + cases[i].length
                                  : 77);
    }
    /* A NULL payload is fine when it is empty. */
    assert_int_equal(
        frame_encode(FRAME_FLAG_PLAIN, NULL, 0, out, sizeof out, &len),
        STATUS_OK);
    assert_int_equal(len, FRAME_HEADER_LEN);
}

static void test_frame_misuse_decode_truncated_bytes(void **state)
{
    static const struct {
        const char *bytes;
        size_t len;
        enum status want;
    } cases[] = {
        {"", 0, STATUS_EOF},
        {"\0", 1, STATUS_INTERNAL},
        {"\0\0\0\0", 4, STATUS_INTERNAL},
        {"\0\0\0\0\3ab", 7, STATUS_INTERNAL},
        {"\0\0\0\0\3abc", 8, STATUS_OK},
    };
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct frame_header h = {9, 99};
        const uint8_t *payload = NULL;
        size_t used = 77;
        struct status_detail why;

        status_detail_clear(&why);
        if (frame_decode((const uint8_t *)cases[i].bytes, cases[i].len, NULL,
                         &h, &payload, &used, &why) != cases[i].want)
            fail_msg("case %zu: not %s", i, status_name(cases[i].want));
        if (cases[i].want == STATUS_INTERNAL)
            assert_string_equal(why.text, "unexpected EOF");
        if (cases[i].want != STATUS_OK) {
            assert_int_equal(h.length, 99);
            assert_null(payload);
            assert_int_equal(used, 77);
        }
    }
}

static void test_frame_misuse_write_over_max_send_writes_nothing(void **state)
{
    struct pipe *p = new_pipe(64);
    struct status_detail why;

    (void)state;
    status_detail_clear(&why);
    assert_int_equal(frame_write(p, FRAME_FLAG_PLAIN, "a", 1, 0, &why),
                     STATUS_RESOURCE_EXHAUSTED);
    assert_string_equal(why.text,
                        "trying to send message larger than max (1 vs. 0)");
    assert_int_equal(pipe_buffered(p), 0);
    /* An empty message fits any limit. */
    assert_int_equal(frame_write(p, FRAME_FLAG_PLAIN, NULL, 0, 0, NULL),
                     STATUS_OK);
    assert_int_equal(pipe_buffered(p), FRAME_HEADER_LEN);
    /* A pipe that is gone: its status, in words. */
    pipe_close_read(p);
    assert_int_equal(
        frame_write(p, FRAME_FLAG_PLAIN, "a", 1, FRAME_DEFAULT_MAX_SEND, &why),
        STATUS_CLOSED);
    assert_string_equal(why.text, "CLOSED");
    pipe_destroy(p);
}

static void test_frame_misuse_read_bad_streams(void **state)
{
    static const struct frame_limits two = {2, NULL};
    static const struct {
        const char *bytes;
        size_t len;
        const struct frame_limits *lim;
        enum status want;
        const char *text;
    } cases[] = {
        {"", 0, NULL, STATUS_EOF, "EOF"},
        {"\0\0", 2, NULL, STATUS_INTERNAL, "unexpected EOF"},
        {"\0\0\0\0\3ab", 7, NULL, STATUS_INTERNAL, "unexpected EOF"},
        {"\2\0\0\0\0", 5, NULL, STATUS_INTERNAL,
         "grpc: received unexpected payload format 2"},
        {"\0\0\0\0\3abc", 8, &two, STATUS_RESOURCE_EXHAUSTED,
         "grpc: received message larger than max (3 vs. 2)"},
    };
    struct frame_msg msg = {0};
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pipe *p = new_pipe(64);
        struct status_detail why;

        status_detail_clear(&why);
        assert_int_equal(pipe_write(p, cases[i].bytes, cases[i].len, NULL),
                         STATUS_OK);
        pipe_close_write(p);
        if (frame_read(p, cases[i].lim, &msg, &why) != cases[i].want)
            fail_msg("case %zu: not %s", i, status_name(cases[i].want));
        assert_string_equal(why.text, cases[i].text);
        pipe_destroy(p);
    }
    /* A pipe that failed gives its own status. */
    {
        struct pipe *p = new_pipe(64);

        pipe_close_with_error(p, STATUS_CANCELLED);
        assert_int_equal(frame_read(p, NULL, &msg, NULL), STATUS_CANCELLED);
        pipe_destroy(p);
        p = new_pipe(64);
        pipe_close_read(p);
        assert_int_equal(frame_read(p, NULL, &msg, NULL), STATUS_CLOSED);
        pipe_destroy(p);
    }
    frame_msg_free(&msg);
}

/* ------------------------------------------------------------------ */
/* context                                                            */
/* ------------------------------------------------------------------ */

static void count_runs(void *arg, enum status reason, const char *text)
{
    (void)reason;
    (void)text;
    (*(int *)arg)++;
}

static void test_context_misuse_cancel_twice_keeps_the_first(void **state)
{
    struct context *c = NULL;
    struct status_detail why;

    (void)state;
    assert_int_equal(context_create(NULL, &c), STATUS_OK);
    assert_int_equal(context_cancel(c, STATUS_CANCELLED, NULL), 1);
    assert_int_equal(context_cancel(c, STATUS_ABORTED, "later"), 0);
    assert_int_equal(context_err(c, &why), STATUS_CANCELLED);
    assert_string_equal(why.text, "context canceled");
    assert_int_equal(context_wait(c), STATUS_CANCELLED);
    context_destroy(c);
}

static void test_context_misuse_watch_after_done_and_stray_unwatch(void **state)
{
    struct context *c = NULL;
    int runs = 0;
    struct context_watch w = {count_runs, &runs, NULL};

    (void)state;
    assert_int_equal(context_create(NULL, &c), STATUS_OK);
    /* Unwatching a watch that was never registered changes nothing. */
    context_unwatch(c, &w);
    assert_int_equal(context_cancel(c, STATUS_DEADLINE_EXCEEDED, NULL), 1);
    assert_int_equal(runs, 0);
    /* A done context registers nothing and says why. */
    assert_int_equal(context_watch(c, &w), STATUS_DEADLINE_EXCEEDED);
    assert_int_equal(context_get_info(c).watches, 0);
    context_unwatch(c, &w);
    assert_int_equal(runs, 0);
    context_destroy(c); /* no watch left: no assert */
}

static void test_context_misuse_deadline_in_the_past(void **state)
{
    struct context *c = NULL;
    struct context *child = NULL;
    struct status_detail why;

    (void)state;
    assert_int_equal(context_create_with_deadline(NULL, 0, &c), STATUS_OK);
    assert_int_equal(context_err(c, &why), STATUS_DEADLINE_EXCEEDED);
    assert_string_equal(why.text, "context deadline exceeded");
    assert_int_equal(context_wait(c), STATUS_DEADLINE_EXCEEDED);
    /* A child of a done context is done at once. */
    assert_int_equal(context_create(c, &child), STATUS_OK);
    assert_int_equal(context_err(child, NULL), STATUS_DEADLINE_EXCEEDED);
    context_destroy(child);
    context_destroy(c);
}

/* ------------------------------------------------------------------ */
/* stream                                                             */
/* ------------------------------------------------------------------ */

static void nothing(struct stream *s)
{
    (void)s;
}

static void close_send(struct stream *s)
{
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
}

static void finish_ok(struct stream *s)
{
    assert_int_equal(stream_finish(stream_server(s), STATUS_OK, NULL),
                     STATUS_OK);
}

static void finish_invalid(struct stream *s)
{
    assert_int_equal(
        stream_finish(stream_server(s), STATUS_INVALID_ARGUMENT, "bad name"),
        STATUS_OK);
}

static void cancel(struct stream *s)
{
    stream_cancel(stream_client(s));
}

/* One client message of 3 bytes, over a max_recv of 2 (see the table). */
static void oversize_message(struct stream *s)
{
    assert_int_equal(stream_send(stream_client(s), "abc", 3, NULL), STATUS_OK);
}

struct stream_case {
    const char *name;
    uint32_t max_send, max_recv; /* 0: the defaults */
    void (*setup)(struct stream *s);
    enum stream_side side; /* the end that calls */
    enum status want;
    const char *text;
};

static struct stream *new_stream(const struct stream_case *c)
{
    struct stream_options o;
    struct stream *s = NULL;

    memset(&o, 0, sizeof o);
    o.capacity = 256;
    o.max_send = c->max_send;
    o.max_recv = c->max_recv;
    assert_int_equal(stream_create(NULL, &o, &s), STATUS_OK);
    c->setup(s);
    return s;
}

static struct stream_end *end_of(struct stream *s, enum stream_side side)
{
    return side == STREAM_CLIENT ? stream_client(s) : stream_server(s);
}

static void test_stream_misuse_send_in_the_wrong_state(void **state)
{
    static const struct stream_case cases[] = {
        {"client after CloseSend", 0, 0, close_send, STREAM_CLIENT,
         STATUS_INTERNAL, "SendMsg called after CloseSend"},
        {"server after finish", 0, 0, finish_ok, STREAM_SERVER, STATUS_INTERNAL,
         "SendMsg called after the call ended"},
        {"client after the server finished", 0, 0, finish_ok, STREAM_CLIENT,
         STATUS_EOF,
         "the server ended the call; stream_recv returns its "
         "status"},
        {"client after cancel", 0, 0, cancel, STREAM_CLIENT, STATUS_EOF,
         "the call has ended; stream_recv returns its status"},
        {"server after cancel", 0, 0, cancel, STREAM_SERVER, STATUS_CANCELLED,
         "context canceled"},
        {"over max_send", 2, 0, nothing, STREAM_CLIENT,
         STATUS_RESOURCE_EXHAUSTED,
         "trying to send message larger than max (3 vs. 2)"},
    };
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct stream *s = new_stream(&cases[i]);
        struct status_detail why;

        status_detail_clear(&why);
        if (stream_send(end_of(s, cases[i].side), "abc", 3, &why) !=
            cases[i].want)
            fail_msg("%s: not %s", cases[i].name, status_name(cases[i].want));
        assert_string_equal(why.text, cases[i].text);
        /* why may be NULL. */
        assert_int_equal(stream_send(end_of(s, cases[i].side), "abc", 3, NULL),
                         cases[i].want);
        stream_destroy(s);
    }
}

static void test_stream_misuse_recv_in_the_wrong_state(void **state)
{
    static const struct stream_case cases[] = {
        {"server after CloseSend", 0, 0, close_send, STREAM_SERVER, STATUS_EOF,
         "client half-closed"},
        {"server after its own finish", 0, 0, finish_ok, STREAM_SERVER,
         STATUS_INTERNAL, "RecvMsg called after the call ended"},
        {"client after finish OK", 0, 0, finish_ok, STREAM_CLIENT, STATUS_EOF,
         "the server finished the call with OK"},
        {"client after finish with a code", 0, 0, finish_invalid, STREAM_CLIENT,
         STATUS_INVALID_ARGUMENT, "bad name"},
        {"client after cancel", 0, 0, cancel, STREAM_CLIENT, STATUS_CANCELLED,
         "context canceled"},
        {"server after cancel", 0, 0, cancel, STREAM_SERVER, STATUS_CANCELLED,
         "context canceled"},
        {"server, over max_recv", 0, 2, oversize_message, STREAM_SERVER,
         STATUS_RESOURCE_EXHAUSTED,
         "grpc: received message larger than max (3 vs. 2)"},
    };
    struct frame_msg msg = {0};
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct stream *s = new_stream(&cases[i]);
        int k = 0;

        for (k = 0; k < 2; k++) { /* and again: the answer is sticky */
            struct status_detail why;

            status_detail_clear(&why);
            if (stream_recv(end_of(s, cases[i].side), &msg, &why) !=
                cases[i].want)
                fail_msg("%s (call %d): not %s", cases[i].name, k + 1,
                         status_name(cases[i].want));
            assert_string_equal(why.text, cases[i].text);
        }
        stream_destroy(s);
    }
    frame_msg_free(&msg);
}

static void
test_stream_misuse_close_send_and_finish_on_the_wrong_end(void **state)
{
    static const enum status not_grpc[] = {STATUS_EOF, STATUS_CLOSED,
                                           STATUS_DEADLOCK, (enum status)17,
                                           (enum status)99};
    struct stream_case c = {"", 0, 0, nothing, STREAM_CLIENT, STATUS_OK, ""};
    struct stream *s = new_stream(&c);
    size_t i = 0;

    (void)state;
    assert_int_equal(stream_close_send(stream_server(s)),
                     STATUS_FAILED_PRECONDITION);
    assert_int_equal(stream_finish(stream_client(s), STATUS_OK, NULL),
                     STATUS_FAILED_PRECONDITION);
    for (i = 0; i < sizeof not_grpc / sizeof not_grpc[0]; i++)
        if (stream_finish(stream_server(s), not_grpc[i], "x") !=
            STATUS_FAILED_PRECONDITION)
            fail_msg("stream_finish took code %d", (int)not_grpc[i]);
    /* None of those ended the call: the server can still send and finish. */
    assert_int_equal(stream_send(stream_server(s), "a", 1, NULL), STATUS_OK);
    assert_int_equal(stream_finish(stream_server(s), STATUS_OK, NULL),
                     STATUS_OK);
    assert_int_equal(stream_finish(stream_server(s), STATUS_OK, NULL),
                     STATUS_FAILED_PRECONDITION);
    /* CloseSend is idempotent, even after the call ended. */
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    assert_int_equal(stream_close_send(stream_client(s)), STATUS_OK);
    stream_destroy(s);
}

static void test_stream_misuse_parent_already_done(void **state)
{
    struct context *parent = NULL;
    struct stream *s = NULL;
    struct status_detail why;

    (void)state;
    assert_int_equal(context_create(NULL, &parent), STATUS_OK);
    context_cancel(parent, STATUS_CANCELLED, NULL);
    /* The call is created, and over before it starts. */
    assert_int_equal(stream_create(parent, NULL, &s), STATUS_OK);
    assert_int_equal(stream_send(stream_client(s), "a", 1, &why), STATUS_EOF);
    assert_string_equal(why.text,
                        "the call has ended; stream_recv returns its status");
    assert_int_equal(stream_final_status(s, NULL), STATUS_CANCELLED);
    stream_destroy(s);
    context_destroy(parent);
}

/* ------------------------------------------------------------------ */
/* group                                                              */
/* ------------------------------------------------------------------ */

static enum status fail_task(void *arg, struct status_detail *why)
{
    (void)arg;
    return status_detail_set(why, STATUS_DATA_LOSS, "lost it");
}

static void test_group_misuse_wait_twice_and_without_tasks(void **state)
{
    struct group *g = NULL;
    struct status_detail why;

    (void)state;
    assert_int_equal(group_create(NULL, &g), STATUS_OK);
    status_detail_set(&why, STATUS_UNKNOWN, "stale");
    assert_int_equal(group_wait(g, &why), STATUS_OK);
    assert_int_equal(why.code, STATUS_OK);
    assert_string_equal(why.text, "");
    assert_int_equal(group_go(g, "task", fail_task, NULL), STATUS_OK);
    assert_int_equal(group_wait(g, &why), STATUS_DATA_LOSS);
    assert_int_equal(group_wait(g, &why), STATUS_DATA_LOSS); /* sticky */
    assert_string_equal(why.text, "lost it");
    assert_int_equal(group_wait(g, NULL), STATUS_DATA_LOSS);
    group_destroy(g);
}

/* ------------------------------------------------------------------ */
/* trace                                                              */
/* ------------------------------------------------------------------ */

static void test_trace_misuse_null_trace_and_unknown_kind(void **state)
{
    (void)state;
    trace_event(NULL, TRACE_NOTE, NULL, 0, 0, STATUS_OK, "%s", "x");
    trace_frame(NULL, TRACE_SEND, "c2s", 0, (const uint8_t *)"ab", 2);
    trace_wire(NULL, "c2s", (const uint8_t *)"ab", 2);
    assert_string_equal(trace_kind_name((enum trace_kind)99), "?");
}

static void test_trace_misuse_dissect_bad_bytes(void **state)
{
    static const struct {
        const char *bytes;
        size_t len;
        enum status want;
        size_t frames;
        const char *says;
    } cases[] = {
        {"", 0, STATUS_EOF, 0, "clean EOF"},
        {"\0\0\0\0\1x", 6, STATUS_EOF, 1, "clean EOF"},
        {"\0\0\0", 3, STATUS_INTERNAL, 0, "INTERNAL: unexpected EOF"},
        {"\0\0\0\0\1x\2\0\0\0\0", 11, STATUS_INTERNAL, 1,
         "unexpected payload format 2"},
        {"\0\0\x40\0\1", 5, STATUS_RESOURCE_EXHAUSTED, 0,
         "larger than max (4194305 vs. 4194304)"},
    };
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sink out;
        size_t frames = 77;

        if (dissect_buffer((const uint8_t *)cases[i].bytes, cases[i].len, NULL,
                           sink_open(&out), 0, &frames) != cases[i].want)
            fail_msg("case %zu: not %s", i, status_name(cases[i].want));
        assert_int_equal(frames, cases[i].frames);
        assert_has(sink_text(&out), cases[i].says);
        sink_free(&out);
    }
}

/* ------------------------------------------------------------------ */
/* scenario and explore                                               */
/* ------------------------------------------------------------------ */

static void test_scenario_misuse_lookups_out_of_range(void **state)
{
    (void)state;
    assert_null(scenario_at(scenario_count()));
    assert_null(scenario_at((size_t)-1));
    assert_null(scenario_find("no-such-scenario"));
    assert_null(scenario_find(""));
}

static void test_scenario_misuse_options_that_do_not_fit(void **state)
{
    static const struct {
        const char *name;
        int messages, clients;
        size_t capacity;
        int os;
        const char *says; /* NULL: the options fit */
    } cases[] = {
        {"echo", 0, 0, 0, 0, NULL},
        {"cancel-vs-drain", 2, 0, 0, 0, "needs --messages 3 or more"},
        {"cancel-vs-drain", 0, 0, 64, 0, "needs --capacity of at least 175"},
        {"echo", 0, 2, 0, 0, "--clients is for the hub scenario"},
        {"hub", 0, SCENARIO_HUB_SIM_MAX + 1, 0, 0, "at most 20 clients"},
        {"hub", 0, SCENARIO_HUB_SIM_MAX + 1, 0, 1, NULL},
    };
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct scenario_options o;
        struct status_detail why;
        enum status st = STATUS_OK;

        memset(&o, 0, sizeof o);
        o.messages = cases[i].messages;
        o.clients = cases[i].clients;
        o.capacity = cases[i].capacity;
        o.os = cases[i].os;
        status_detail_clear(&why);
        st = scenario_check(scenario_find(cases[i].name), &o, &why);
        if (cases[i].says == NULL) {
            assert_int_equal(st, STATUS_OK);
            continue;
        }
        assert_int_equal(st, STATUS_INVALID_ARGUMENT);
        assert_int_equal(why.code, STATUS_INVALID_ARGUMENT);
        assert_has(why.text, cases[i].says);
    }
}

static void test_scenario_misuse_run_with_options_that_do_not_fit(void **state)
{
    struct scenario_options o;
    struct scenario_result r;

    (void)state;
    memset(&o, 0, sizeof o);
    o.messages = 1;
    assert_int_equal(scenario_run(scenario_find("cancel-vs-drain"), &o, &r),
                     STATUS_INVALID_ARGUMENT);
    assert_true(r.usage_error);
    assert_int_equal(scenario_exit_code(&r), SCENARIO_EXIT_USAGE);
    assert_has(r.why.text, "needs --messages 3 or more");
    scenario_result_free(&r);
}

static void test_scenario_misuse_say_past_a_full_report(void **state)
{
    static struct scenario_result r;
    int i = 0;

    (void)state;
    memset(&r, 0, sizeof r);
    for (i = 0; i < 1000; i++)
        scenario_say(&r, "line %d of a report that is far too long", i);
    assert_true(r.report_len < sizeof r.report);
    assert_int_equal(strlen(r.report), r.report_len);
    assert_int_equal(r.report[r.report_len - 1], '\n');
}

static void test_explore_misuse_options_that_do_not_fit(void **state)
{
    struct explore_options o;
    struct explore_result r;

    (void)state;
    memset(&o, 0, sizeof o);
    o.base.messages = 1;
    assert_int_equal(explore_run(scenario_find("cancel-vs-drain"), &o, &r),
                     STATUS_INVALID_ARGUMENT);
    assert_true(r.first.usage_error);
    assert_has(r.first.why.text, "needs --messages 3 or more");
    assert_int_equal(r.schedules, 0);
    explore_result_free(&r);
}

/* ------------------------------------------------------------------ */
/* recall                                                             */
/* ------------------------------------------------------------------ */

static void test_recall_misuse_grades_and_boxes(void **state)
{
    static const char *const bad[] = {"",    " ",      "x",   "5",
                                      "0",   "aa",     "goo", "good!",
                                      "g g", "again1", "q",   "easy easy"};
    static const struct {
        int box, days;
    } boxes[] = {{-7, 1}, {0, 1}, {1, 1}, {3, 4}, {5, 16}, {6, 16}, {99, 16}};
    enum recall_grade g = RECALL_HARD;
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (recall_grade_parse(bad[i], &g) != STATUS_INVALID_ARGUMENT)
            fail_msg("\"%s\" was taken as a grade", bad[i]);
        assert_int_equal(g, RECALL_HARD); /* untouched */
    }
    assert_int_equal(recall_grade_parse(" EaSy \n", &g), STATUS_OK);
    assert_int_equal(g, RECALL_EASY);
    assert_string_equal(recall_grade_name((enum recall_grade)9), "?");
    for (i = 0; i < sizeof boxes / sizeof boxes[0]; i++)
        assert_int_equal(recall_box_days(boxes[i].box), boxes[i].days);
}

/* A copy of an environment variable, to put back (NULL: it was unset). */
static char *env_save(const char *name)
{
    const char *v = getenv(name);
    char *copy = v != NULL ? strdup(v) : NULL;

    assert_true(v == NULL || copy != NULL);
    return copy;
}

static void env_restore(const char *name, char *value)
{
    if (value != NULL)
        setenv(name, value, 1);
    else
        unsetenv(name);
    free(value);
}

static void test_recall_misuse_bad_environment(void **state)
{
    static const char *const bad_days[] = {
        "x",  "-1",  "+5",        " 5",
        "5 ", "1e3", "100000001", "99999999999999999999"};
    char *today = env_save("DUPLEX_TODAY");
    char *dir = env_save("DUPLEX_STATE_DIR");
    char *xdg = env_save("XDG_STATE_HOME");
    char *home = env_save("HOME");
    struct status_detail why;
    int64_t day = 77;
    char *path = NULL;
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof bad_days / sizeof bad_days[0]; i++) {
        assert_int_equal(setenv("DUPLEX_TODAY", bad_days[i], 1), 0);
        status_detail_clear(&why);
        if (recall_today(&day, &why) != STATUS_INVALID_ARGUMENT)
            fail_msg("DUPLEX_TODAY=\"%s\" was taken", bad_days[i]);
        assert_has(why.text, "DUPLEX_TODAY wants a day number");
        assert_int_equal(day, 77);
    }
    /* No place for the state file: empty and relative values count as
     * unset. */
    assert_int_equal(setenv("DUPLEX_STATE_DIR", "", 1), 0);
    assert_int_equal(setenv("XDG_STATE_HOME", "relative/dir", 1), 0);
    assert_int_equal(setenv("HOME", "", 1), 0);
    assert_int_equal(recall_state_path(&path, &why),
                     STATUS_FAILED_PRECONDITION);
    assert_null(path);
    assert_has(why.text, "no place for the progress file");
    env_restore("DUPLEX_TODAY", today);
    env_restore("DUPLEX_STATE_DIR", dir);
    env_restore("XDG_STATE_HOME", xdg);
    env_restore("HOME", home);
}

/* A temporary directory holding a regular file "file" and a directory
 * "sub". */
struct scratch {
    char root[256];
    char file[300];
    char sub[300];
    char under_file[320]; /* root/file/recall.state */
};

static void scratch_make(struct scratch *s)
{
    const char *tmp = getenv("TMPDIR");
    FILE *f = NULL;

    snprintf(s->root, sizeof s->root, "%s/duplex-misuse-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    assert_non_null(mkdtemp(s->root));
    snprintf(s->file, sizeof s->file, "%s/file", s->root);
    snprintf(s->sub, sizeof s->sub, "%s/sub", s->root);
    snprintf(s->under_file, sizeof s->under_file, "%s/recall.state", s->file);
    f = fopen(s->file, "w");
    assert_non_null(f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(mkdir(s->sub, 0700), 0);
}

/* Removes what scratch_make made; fails if anything else was left. */
static void scratch_remove(struct scratch *s)
{
    assert_int_equal(unlink(s->file), 0);
    assert_int_equal(rmdir(s->sub), 0);
    assert_int_equal(rmdir(s->root), 0);
}

static void
test_recall_misuse_paths_that_are_not_what_they_should_be(void **state)
{
    struct scratch sc;
    struct status_detail why;
    struct recall_deck *deck = NULL;
    struct recall_state *st = NULL;
    char missing[320];

    (void)state;
    scratch_make(&sc);
    snprintf(missing, sizeof missing, "%s/missing", sc.root);
    /* Lessons: a directory that is not there, or is a file. */
    assert_int_equal(recall_deck_load(missing, NULL, &deck, &why),
                     STATUS_NOT_FOUND);
    assert_int_equal(recall_deck_load(sc.file, NULL, &deck, &why),
                     STATUS_NOT_FOUND);
    assert_null(deck);
    /* State: a missing file is an empty state; a directory cannot be read. */
    assert_int_equal(recall_state_load(missing, NULL, &st, &why), STATUS_OK);
    assert_int_equal(st->count, 0);
    assert_null(recall_state_find(st, "day-1#00000000"));
    assert_int_equal(recall_state_save(st, sc.sub, &why), STATUS_UNAVAILABLE);
    assert_int_equal(recall_state_save(st, sc.under_file, &why),
                     STATUS_UNAVAILABLE);
    assert_int_equal(recall_state_prepare(sc.under_file, &why),
                     STATUS_UNAVAILABLE);
    recall_state_destroy(st);
    st = NULL;
    assert_int_equal(recall_state_load(sc.sub, NULL, &st, &why),
                     STATUS_UNAVAILABLE);
    assert_null(st);
    scratch_remove(&sc); /* and no temporary file was left behind */
}

/* ------------------------------------------------------------------ */
/* cli                                                                */
/* ------------------------------------------------------------------ */

static void test_cli_misuse_no_or_unknown_command(void **state)
{
    char *none[] = {"duplex", NULL};
    char *unknown[] = {"duplex", "frobnicate", NULL};
    struct sink out, err;

    (void)state;
    assert_int_equal(cli_main(1, none, stdin, sink_open(&out), sink_open(&err)),
                     SCENARIO_EXIT_USAGE);
    assert_string_equal(sink_text(&out), "");
    assert_has(sink_text(&err), "duplex");
    sink_free(&out);
    sink_free(&err);
    assert_int_equal(
        cli_main(2, unknown, stdin, sink_open(&out), sink_open(&err)),
        SCENARIO_EXIT_USAGE);
    assert_string_equal(sink_text(&out), "");
    assert_has(sink_text(&err), "frobnicate");
    sink_free(&out);
    sink_free(&err);
}

/* ---- inputs the audit found mishandled, now given a clear answer -------- */

static void test_misuse_stream_timeouts_past_and_far(void **state)
{
    struct stream_options o;
    struct stream *s = NULL;
    struct status_detail why;

    (void)state;
    memset(&o, 0, sizeof o);
    o.timeout_ns = INT64_MAX; /* "forever": no overflow, no deadline */
    assert_int_equal(stream_create(NULL, &o, &s), STATUS_OK);
    assert_int_equal(stream_send(stream_client(s), "x", 1, NULL), STATUS_OK);
    stream_destroy(s);
    o.timeout_ns = -1; /* a remaining time that went negative: over */
    assert_int_equal(stream_create(NULL, &o, &s), STATUS_OK);
    assert_int_equal(stream_send(stream_client(s), "x", 1, &why), STATUS_EOF);
    assert_int_equal(stream_final_status(s, NULL), STATUS_DEADLINE_EXCEEDED);
    stream_destroy(s);
}

static void test_misuse_explore_bound_below_zero_and_os(void **state)
{
    struct explore_options o;
    struct explore_result r;

    (void)state;
    memset(&o, 0, sizeof o);
    o.max_preemptions = -1;
    assert_int_equal(explore_run(scenario_find("echo"), &o, &r),
                     STATUS_INVALID_ARGUMENT);
    assert_true(r.first.usage_error);
    explore_result_free(&r);
    o.max_preemptions = 1;
    o.base.os = 1;
    assert_int_equal(explore_run(scenario_find("echo"), &o, &r),
                     STATUS_INVALID_ARGUMENT);
    assert_has(r.first.why.text, "simulated");
    explore_result_free(&r);
}

static void test_misuse_scenario_copy_and_big_simulated_hub(void **state)
{
    struct scenario copy = *scenario_find("echo");
    struct scenario_options o;
    struct scenario_result r;

    (void)state;
    memset(&o, 0, sizeof o);
    assert_int_equal(scenario_run(&copy, &o, &r), STATUS_INVALID_ARGUMENT);
    assert_int_equal(scenario_exit_code(&r), SCENARIO_EXIT_USAGE);
    scenario_result_free(&r);
    o.clients = SCENARIO_HUB_SIM_MAX + 10;
    assert_int_equal(scenario_run(scenario_find("hub"), &o, &r),
                     STATUS_INVALID_ARGUMENT);
    assert_int_equal(scenario_exit_code(&r), SCENARIO_EXIT_USAGE);
    assert_has(r.why.text, "use --os for more");
    assert_int_equal(r.report_len, 0); /* no claim about a run not run */
    scenario_result_free(&r);
}

static enum status returns_aborted(void *arg)
{
    (void)arg;
    return STATUS_ABORTED;
}

static enum status join_twice_sim(void *arg)
{
    struct sched_thread t;

    (void)arg;
    assert_int_equal(sched_thread_start(&t, "once", returns_aborted, NULL),
                     STATUS_OK);
    assert_int_equal(sched_thread_join(&t), STATUS_ABORTED);
    assert_int_equal(sched_thread_join(&t), STATUS_ABORTED);
    return STATUS_OK;
}

static void test_misuse_join_twice_answers_again(void **state)
{
    struct sched_sim_options o;
    struct sched_sim_result r;
    struct sched_thread t;
    enum status st = STATUS_UNKNOWN;

    (void)state;
    assert_int_equal(sched_thread_start(&t, NULL, returns_aborted, NULL),
                     STATUS_OK);
    assert_string_equal(t.name, "thread"); /* NULL name: a plain one */
    assert_int_equal(sched_thread_join(&t), STATUS_ABORTED);
    assert_int_equal(sched_thread_join(&t), STATUS_ABORTED);
    memset(&o, 0, sizeof o);
    assert_int_equal(sched_sim_run(&o, join_twice_sim, NULL, &st, &r),
                     STATUS_OK);
    assert_int_equal(st, STATUS_OK);
    sched_sim_result_free(&r);
}

static void test_misuse_null_trace_and_odd_boxes(void **state)
{
    (void)state;
    assert_int_equal(trace_count(NULL, TRACE_SEND), 0);
    timeline_print(NULL, stdout, 0); /* prints nothing, no crash */
    hexdump_print(NULL, stdout, 0);
    assert_int_equal(recall_box_after(0, RECALL_HARD), RECALL_BOX_MIN);
    assert_int_equal(recall_box_after(-3, RECALL_GOOD), RECALL_BOX_MIN + 1);
    assert_int_equal(recall_box_after(RECALL_BOX_MAX + 4, RECALL_HARD),
                     RECALL_BOX_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_misuse_asserts_stop_the_program),
        cmocka_unit_test(test_misuse_destroy_null_is_noop),
        cmocka_unit_test(test_sched_misuse_bad_replay_strings),
        cmocka_unit_test(test_sched_misuse_format_small_buffers),
        cmocka_unit_test(test_sched_misuse_sleep_not_positive_returns_at_once),
        cmocka_unit_test(test_sched_misuse_too_many_simulated_threads),
        cmocka_unit_test(test_pipe_misuse_calls_after_the_end),
        cmocka_unit_test(test_pipe_misuse_closes_and_aborts_twice),
        cmocka_unit_test(test_pipe_misuse_capacity_and_name_edges),
        cmocka_unit_test(test_frame_misuse_bad_headers),
        cmocka_unit_test(test_frame_misuse_encode_into_small_buffers),
        cmocka_unit_test(test_frame_misuse_decode_truncated_bytes),
        cmocka_unit_test(test_frame_misuse_write_over_max_send_writes_nothing),
        cmocka_unit_test(test_frame_misuse_read_bad_streams),
        cmocka_unit_test(test_context_misuse_cancel_twice_keeps_the_first),
        cmocka_unit_test(
            test_context_misuse_watch_after_done_and_stray_unwatch),
        cmocka_unit_test(test_context_misuse_deadline_in_the_past),
        cmocka_unit_test(test_stream_misuse_send_in_the_wrong_state),
        cmocka_unit_test(test_stream_misuse_recv_in_the_wrong_state),
        cmocka_unit_test(
            test_stream_misuse_close_send_and_finish_on_the_wrong_end),
        cmocka_unit_test(test_stream_misuse_parent_already_done),
        cmocka_unit_test(test_group_misuse_wait_twice_and_without_tasks),
        cmocka_unit_test(test_trace_misuse_null_trace_and_unknown_kind),
        cmocka_unit_test(test_trace_misuse_dissect_bad_bytes),
        cmocka_unit_test(test_scenario_misuse_lookups_out_of_range),
        cmocka_unit_test(test_scenario_misuse_options_that_do_not_fit),
        cmocka_unit_test(test_scenario_misuse_run_with_options_that_do_not_fit),
        cmocka_unit_test(test_scenario_misuse_say_past_a_full_report),
        cmocka_unit_test(test_explore_misuse_options_that_do_not_fit),
        cmocka_unit_test(test_recall_misuse_grades_and_boxes),
        cmocka_unit_test(test_recall_misuse_bad_environment),
        cmocka_unit_test(
            test_recall_misuse_paths_that_are_not_what_they_should_be),
        cmocka_unit_test(test_cli_misuse_no_or_unknown_command),
        cmocka_unit_test(test_misuse_stream_timeouts_past_and_far),
        cmocka_unit_test(test_misuse_explore_bound_below_zero_and_os),
        cmocka_unit_test(test_misuse_scenario_copy_and_big_simulated_hub),
        cmocka_unit_test(test_misuse_null_trace_and_odd_boxes),
        cmocka_unit_test(test_misuse_join_twice_answers_again),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

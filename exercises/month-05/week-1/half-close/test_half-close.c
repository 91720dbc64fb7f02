/*
 * Tests for the half-close exercise. The uploader runs on a thread
 * ("client"), the counter on another ("server"), over a 16-byte pipe,
 * under duplex's deterministic scheduler (SIM mode). On real threads a
 * missing half-close hangs for ever; here it is a deadlock: the simulator
 * sees that nobody can ever run again, wakes everyone with STATUS_DEADLOCK,
 * and reports who waited for what.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ex_check.h"
#include "ex_explore.h"
#include "explore/explore.h"
#include "half-close.h"
#include "core/sched.h"

#define CAPACITY 16

static const char *const three[] = {"alpha", "bravo", "charlie"};

/* One run: your uploader on "client", your counter (or not) on "server". */
struct run {
    /* The setup. */
    const char *const *msgs;
    int n;
    int hang_up; /* the server reads one frame, then closes its end */
    /* What happened; reset at the start of every run. */
    struct pipe *p;
    enum status upload;
    enum status count;
    int frames;
    size_t bytes;
};

static enum status uploader(void *arg)
{
    struct run *r = arg;

    r->upload = ex_upload(r->p, r->msgs, r->n);
    return STATUS_OK;
}

static enum status counter(void *arg)
{
    struct run *r = arg;
    struct frame_msg msg = {0};

    if (!r->hang_up) {
        r->count = ex_count(r->p, &r->frames, &r->bytes);
        return STATUS_OK;
    }
    r->count = frame_read(r->p, NULL, &msg, NULL);
    pipe_close_read(r->p);
    frame_msg_free(&msg);
    return STATUS_OK;
}

static enum status one_upload(void *arg)
{
    struct run *r = arg;
    struct sched_thread client;
    struct sched_thread server;

    r->upload = r->count = STATUS_UNKNOWN;
    r->frames = -1;
    r->bytes = 0;
    if (pipe_create(CAPACITY, "c2s", NULL, &r->p) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    if (sched_thread_start(&client, "client", uploader, r) != STATUS_OK) {
        pipe_destroy(r->p);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    if (sched_thread_start(&server, "server", counter, r) != STATUS_OK) {
        sched_thread_join(&client);
        pipe_destroy(r->p);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    sched_thread_join(&client);
    sched_thread_join(&server);
    pipe_destroy(r->p);
    r->p = NULL;
    return STATUS_OK;
}

static size_t total_bytes(const char *const *msgs, int n)
{
    size_t sum = 0;
    int i = 0;

    for (i = 0; i < n; i++)
        sum += strlen(msgs[i]);
    return sum;
}

static int broken(void *arg, enum status st, const struct sched_sim_result *sim)
{
    const struct run *r = arg;

    return st != STATUS_OK || sim->deadlocked || r->upload != STATUS_OK ||
           r->count != STATUS_OK || r->frames != r->n ||
           r->bytes != total_bytes(r->msgs, r->n);
}

/* Says what the run did, next to what it should have done. */
static void explain(void *arg, const struct sched_sim_result *sim,
                    const char *schedule)
{
    const struct run *r = arg;

    print_error("check: ex_upload sends %d frame(s) and half-closes; "
                "ex_count counts them and ends at the clean EOF (%s)\n"
                "  expected: ex_upload OK, ex_count OK, %d frame(s), %zu "
                "bytes\n"
                "  actual:   ex_upload %s, ex_count %s, %d frame(s), %zu "
                "bytes\n",
                r->n, schedule, r->n, total_bytes(r->msgs, r->n),
                status_name(r->upload), status_name(r->count), r->frames,
                r->bytes);
    /* Who waited for what is the simulator's to say: it saw them. */
    if (sim->deadlocked)
        print_error("  simulator: %s\n", sim->report);
}

static void test_half_close_upload_then_count_ends_cleanly(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.msgs = three;
    r.n = 3;
    ex_run_in_order(one_upload, &r, broken, explain);
}

static void test_half_close_every_schedule_ends_cleanly(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.msgs = three;
    r.n = 3;
    ex_explore_all(one_upload, &r, broken, explain, 2);
}

static void test_half_close_nothing_to_upload_still_ends(void **state)
{
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.msgs = three;
    r.n = 0;
    ex_run_in_order(one_upload, &r, broken, explain);
}

static void test_half_close_empty_messages_are_frames(void **state)
{
    static const char *const msgs[] = {"", "x", ""};
    struct run r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.msgs = msgs;
    r.n = 3;
    ex_run_in_order(one_upload, &r, broken, explain);
}

/* The counter alone, on bytes the test wrote and half-closed itself. */
struct counted {
    const uint8_t *bytes;
    size_t len;
    enum status st;
    int frames;
    size_t total;
    enum status after; /* how reading after ex_upload ended */
};

static enum status count_prepared(void *arg)
{
    struct counted *c = arg;
    struct pipe *p = NULL;

    c->st = STATUS_UNKNOWN;
    c->frames = -1;
    c->total = 0;
    if (pipe_create(0, "c2s", NULL, &p) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    pipe_write(p, c->bytes, c->len, NULL);
    pipe_close_write(p);
    c->st = ex_count(p, &c->frames, &c->total);
    pipe_destroy(p);
    return STATUS_OK;
}

static void count(struct counted *c)
{
    struct sched_sim_options so;
    struct sched_sim_result sim;
    enum status st = STATUS_OK;

    memset(&so, 0, sizeof so);
    so.strategy = SCHED_IN_ORDER;
    assert_int_equal(sched_sim_run(&so, count_prepared, c, &st, &sim),
                     STATUS_OK);
    if (sim.deadlocked)
        print_error("note: ex_count deadlocked on a half-closed pipe\n"
                    "  simulator: %s\n",
                    sim.report);
    sched_sim_result_free(&sim);
}

static void test_half_close_counter_returns_ok_at_eof(void **state)
{
    static const uint8_t two[] = {0x00, 0x00, 0x00, 0x00, 0x02, 'h', 'i', 0x00,
                                  0x00, 0x00, 0x00, 0x03, 'y',  'o', 'u'};
    struct counted c;

    (void)state;
    memset(&c, 0, sizeof c);
    c.bytes = two;
    c.len = sizeof two;
    count(&c);
    ex_check_status("ex_count over 2 frames, then EOF: EOF between frames "
                    "is the clean end",
                    STATUS_OK, c.st);
    ex_check_int("frames counted", 2, c.frames);
    ex_check_int("payload bytes counted", 5, (long long)c.total);
}

static void test_half_close_counter_reports_a_frame_cut_short(void **state)
{
    static const uint8_t cut[] = {0x00, 0x00, 0x00, 0x00, 0x02,
                                  'h',  'i',  0x00, 0x00, 0x00};
    struct counted c;

    (void)state;
    memset(&c, 0, sizeof c);
    c.bytes = cut;
    c.len = sizeof cut;
    count(&c);
    ex_check_status("ex_count over 1 frame and 3 bytes of a header, then "
                    "EOF (unexpected EOF)",
                    STATUS_INTERNAL, c.st);
    ex_check_int("whole frames counted", 1, c.frames);
}

static void test_half_close_uploader_stops_when_reader_hangs_up(void **state)
{
    static const char *const four[] = {"message1", "message2", "message3",
                                       "message4"};
    struct run r;
    struct sched_sim_options so;
    struct sched_sim_result sim;
    enum status st = STATUS_OK;

    (void)state;
    memset(&r, 0, sizeof r);
    r.msgs = four;
    r.n = 4;
    r.hang_up = 1;
    memset(&so, 0, sizeof so);
    so.strategy = SCHED_IN_ORDER;
    assert_int_equal(sched_sim_run(&so, one_upload, &r, &st, &sim), STATUS_OK);
    if (sim.deadlocked)
        print_error("note: this run deadlocked: %s\n", sim.report);
    sched_sim_result_free(&sim);
    ex_check_status("the reader read one frame of 4", STATUS_OK, r.count);
    ex_check_status("ex_upload after the reader closed its end (the 52 "
                    "bytes cannot all fit in a 16-byte pipe)",
                    STATUS_CLOSED, r.upload);
}

/* ex_upload on a pipe nobody reads yet, with a write deadline. */
static enum status upload_until_the_deadline(void *arg)
{
    struct counted *c = arg;
    static const char *const two[] = {"message1", "message2"};
    struct frame_msg msg = {0};
    struct pipe *p = NULL;
    enum status st = STATUS_OK;

    if (pipe_create(CAPACITY, "c2s", NULL, &p) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    /* Frame 1 fits (13 bytes); frame 2's header waits for room until the
     * deadline (virtual time jumps there: nobody else can run). */
    pipe_set_write_deadline(p, sched_now_ns() + 1000000);
    c->st = ex_upload(p, two, 2);
    c->frames = 0;
    while ((st = frame_read(p, NULL, &msg, NULL)) == STATUS_OK)
        c->frames++;
    c->after = st;
    frame_msg_free(&msg);
    pipe_destroy(p);
    return STATUS_OK;
}

static void test_half_close_uploader_half_closes_after_a_failure(void **state)
{
    struct counted c;
    struct sched_sim_options so;
    struct sched_sim_result sim;
    enum status st = STATUS_OK;

    (void)state;
    memset(&c, 0, sizeof c);
    memset(&so, 0, sizeof so);
    so.strategy = SCHED_IN_ORDER;
    assert_int_equal(
        sched_sim_run(&so, upload_until_the_deadline, &c, &st, &sim),
        STATUS_OK);
    if (sim.deadlocked)
        print_error("note: the reader waited for ever after ex_upload "
                    "returned: no half-close after the failed write?\n  %s\n",
                    sim.report);
    sched_sim_result_free(&sim);
    ex_check_status("ex_upload when frame 2 cannot get room before the write "
                    "deadline",
                    STATUS_DEADLINE_EXCEEDED, c.st);
    ex_check_int("whole frames read after it", 1, c.frames);
    ex_check_status("reading after that frame: the half-close ex_upload "
                    "makes whatever happened",
                    STATUS_EOF, c.after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_half_close_upload_then_count_ends_cleanly),
        cmocka_unit_test(test_half_close_every_schedule_ends_cleanly),
        cmocka_unit_test(test_half_close_nothing_to_upload_still_ends),
        cmocka_unit_test(test_half_close_empty_messages_are_frames),
        cmocka_unit_test(test_half_close_counter_returns_ok_at_eof),
        cmocka_unit_test(test_half_close_counter_reports_a_frame_cut_short),
        cmocka_unit_test(test_half_close_uploader_stops_when_reader_hangs_up),
        cmocka_unit_test(test_half_close_uploader_half_closes_after_a_failure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

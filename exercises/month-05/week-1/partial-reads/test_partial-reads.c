/*
 * Tests for the partial-reads exercise. A writer thread pushes bytes
 * through a pipe of capacity 1 or 3, so every read your code makes is
 * short. Each case runs under duplex's deterministic scheduler (SIM mode):
 * the in-order schedule, then seeds 1..5, each the same on every run and
 * every machine. A read that would wait for ever is a deadlock there, and
 * the check shows it as STATUS_DEADLOCK.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ex_check.h"
#include "partial-reads.h"
#include "core/sched.h"

#define MAX_READS 4
#define SCHEDULES 6 /* the in-order one, then seeds 1..5 */

/* One run: a writer feeds a small pipe; your code reads on the main thread. */
struct run {
    /* The setup. */
    size_t capacity;
    const uint8_t *bytes;
    size_t len;
    int close;         /* the writer half-closes after its bytes */
    enum status abort; /* not OK: the writer aborts the pipe instead */
    int frames;        /* 1: call ex_read_frame; 0: ex_read_full */
    size_t ask;        /* ex_read_full: bytes asked for per call */
    int reads;         /* calls to make, stopping at the first failure */
    /* What happened; reset at the start of every run. */
    struct pipe *p;
    int made;
    enum status st[MAX_READS];
    uint8_t buf[MAX_READS][EX_FRAME_MAX];
    struct ex_frame frame[MAX_READS];
};

static enum status feed(void *arg)
{
    struct run *r = arg;
    enum status st = pipe_write(r->p, r->bytes, r->len, NULL);

    if (r->abort != STATUS_OK)
        pipe_close_with_error(r->p, r->abort);
    else if (r->close)
        pipe_close_write(r->p);
    return st;
}

static enum status reader_main(void *arg)
{
    struct run *r = arg;
    struct sched_thread t;
    int i = 0;

    r->made = 0;
    memset(r->st, 0, sizeof r->st);
    memset(r->buf, 0xee, sizeof r->buf);
    memset(r->frame, 0xee, sizeof r->frame);
    if (pipe_create(r->capacity, "c2s", NULL, &r->p) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    if (sched_thread_start(&t, "writer", feed, r) != STATUS_OK) {
        pipe_destroy(r->p);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    for (i = 0; i < r->reads; i++) {
        r->st[i] = r->frames ? ex_read_frame(r->p, &r->frame[i])
                             : ex_read_full(r->p, r->buf[i], r->ask);
        r->made++;
        if (r->st[i] != STATUS_OK)
            break;
    }
    pipe_close_read(r->p); /* a writer still waiting for room ends */
    sched_thread_join(&t);
    pipe_destroy(r->p);
    r->p = NULL;
    return STATUS_OK;
}

/* Runs r under schedule k (0: in order, else seed k); names it in where. */
static void run(struct run *r, int k, char *where, size_t cap)
{
    struct sched_sim_options so;
    struct sched_sim_result sim;
    enum status st = STATUS_OK;

    memset(&so, 0, sizeof so);
    so.strategy = k == 0 ? SCHED_IN_ORDER : SCHED_RANDOM;
    so.seed = (uint64_t)k;
    assert_int_equal(sched_sim_run(&so, reader_main, r, &st, &sim), STATUS_OK);
    assert_int_equal(st, STATUS_OK);
    if (k == 0)
        snprintf(where, cap, "pipe capacity %zu, in-order schedule",
                 r->capacity);
    else
        snprintf(where, cap, "pipe capacity %zu, schedule seed %d", r->capacity,
                 k);
    if (sim.deadlocked)
        print_error("note: this run deadlocked (%s)\n  simulator: %s\n", where,
                    sim.report);
    sched_sim_result_free(&sim);
}

/* Checks call i of ex_read_full: its status and, when OK, its bytes. */
static void check_full(const struct run *r, int i, enum status want,
                       const char *bytes, const char *where)
{
    char what[256];

    snprintf(what, sizeof what, "call %d of ex_read_full(p, buf, %zu) (%s)",
             i + 1, r->ask, where);
    ex_check_status(what, want, r->st[i]);
    if (want != STATUS_OK)
        return;
    if (memcmp(bytes, r->buf[i], r->ask) != 0)
        print_error("note: ee marks bytes of buf nothing was read into\n");
    ex_check_bytes(what, bytes, r->buf[i], r->ask);
}

/* Checks call i of ex_read_frame: its status and, when OK, the frame. */
static void check_frame(const struct run *r, int i, enum status want,
                        uint8_t flag, const char *payload, const char *where)
{
    char what[256];

    snprintf(what, sizeof what, "frame %d from ex_read_frame (%s)", i + 1,
             where);
    ex_check_status(what, want, r->st[i]);
    if (want != STATUS_OK)
        return;
    ex_check_int("the frame's flag", flag, r->frame[i].flag);
    ex_check_int("the frame's length", (long long)strlen(payload),
                 r->frame[i].length);
    ex_check_bytes(what, payload, r->frame[i].payload, strlen(payload));
}

static void full_hello(size_t capacity)
{
    static const char text[] = "hello, world";
    struct run r;
    char where[96];
    int k = 0;

    memset(&r, 0, sizeof r);
    r.capacity = capacity;
    r.bytes = (const uint8_t *)text;
    r.len = 12;
    r.close = 1;
    r.ask = 12;
    r.reads = 2;
    for (k = 0; k < SCHEDULES; k++) {
        run(&r, k, where, sizeof where);
        check_full(&r, 0, STATUS_OK, text, where);
        check_full(&r, 1, STATUS_EOF, NULL, where);
    }
}

static void test_partial_reads_full_gathers_one_byte_reads(void **state)
{
    (void)state;
    full_hello(1);
}

static void test_partial_reads_full_gathers_short_reads(void **state)
{
    (void)state;
    full_hello(3);
}

static void test_partial_reads_full_reads_only_what_was_asked(void **state)
{
    struct run r;
    char where[96];
    int k = 0;

    (void)state;
    memset(&r, 0, sizeof r);
    r.capacity = 3;
    r.bytes = (const uint8_t *)"abcdefgh";
    r.len = 8;
    r.close = 1;
    r.ask = 4;
    r.reads = 3;
    for (k = 0; k < SCHEDULES; k++) {
        run(&r, k, where, sizeof where);
        check_full(&r, 0, STATUS_OK, "abcd", where);
        check_full(&r, 1, STATUS_OK, "efgh", where);
        check_full(&r, 2, STATUS_EOF, NULL, where);
    }
}

static void test_partial_reads_eof_before_any_byte_is_eof(void **state)
{
    struct run r;
    char where[96];
    int k = 0;

    (void)state;
    memset(&r, 0, sizeof r);
    r.capacity = 3;
    r.close = 1;
    r.ask = 5;
    r.reads = 1;
    for (k = 0; k < SCHEDULES; k++) {
        run(&r, k, where, sizeof where);
        check_full(&r, 0, STATUS_EOF, NULL, where);
    }
}

static void test_partial_reads_eof_after_some_bytes_is_unexpected(void **state)
{
    size_t cap = 0;
    struct run r;
    char where[96];
    int k = 0;

    (void)state;
    for (cap = 1; cap <= 3; cap += 2) {
        memset(&r, 0, sizeof r);
        r.capacity = cap;
        r.bytes = (const uint8_t *)"abc";
        r.len = 3;
        r.close = 1;
        r.ask = 5;
        r.reads = 1;
        for (k = 0; k < SCHEDULES; k++) {
            run(&r, k, where, sizeof where);
            check_full(&r, 0, STATUS_INTERNAL, NULL, where);
        }
    }
}

/* "hi" (flag 0), an empty message, "gRPC!" (flag 1), then EOF. */
static const uint8_t three_frames[] = {
    0x00, 0x00, 0x00, 0x00, 0x02, 'h', 'i',                 /* frame 1 */
    0x00, 0x00, 0x00, 0x00, 0x00,                           /* frame 2 */
    0x01, 0x00, 0x00, 0x00, 0x05, 'g', 'R', 'P', 'C', '!'}; /* frame 3 */

static void test_partial_reads_frames_over_tiny_pipes(void **state)
{
    size_t cap = 0;
    struct run r;
    char where[96];
    int k = 0;

    (void)state;
    for (cap = 1; cap <= 3; cap += 2) {
        memset(&r, 0, sizeof r);
        r.capacity = cap;
        r.bytes = three_frames;
        r.len = sizeof three_frames;
        r.close = 1;
        r.frames = 1;
        r.reads = 4;
        for (k = 0; k < SCHEDULES; k++) {
            run(&r, k, where, sizeof where);
            check_frame(&r, 0, STATUS_OK, 0, "hi", where);
            check_frame(&r, 1, STATUS_OK, 0, "", where);
            check_frame(&r, 2, STATUS_OK, 1, "gRPC!", where);
            check_frame(&r, 3, STATUS_EOF, 0, NULL, where);
        }
    }
}

/* Bytes that end somewhere, then the writer half-closes. */
struct cut_row {
    const char *what;
    size_t len;
    enum status want;
};

static const uint8_t four_byte_frame[] = {0x00, 0x00, 0x00, 0x00, 0x04,
                                          'a',  'b',  'c',  'd'};

static const struct cut_row cuts[] = {
    {"no bytes at all: a clean end", 0, STATUS_EOF},
    {"3 of the 5 header bytes", 3, STATUS_INTERNAL},
    {"a header promising 4 bytes, then nothing", 5, STATUS_INTERNAL},
    {"a header promising 4 bytes, then 2 of them", 7, STATUS_INTERNAL},
};

static void test_partial_reads_frame_cut_short_is_unexpected(void **state)
{
    size_t i = 0;
    struct run r;
    char where[160];
    int k = 0;

    (void)state;
    for (i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        memset(&r, 0, sizeof r);
        r.capacity = 3;
        r.bytes = four_byte_frame;
        r.len = cuts[i].len;
        r.close = 1;
        r.frames = 1;
        r.reads = 1;
        for (k = 0; k < SCHEDULES; k++) {
            char label[96];

            run(&r, k, label, sizeof label);
            snprintf(where, sizeof where, "%s; %s", cuts[i].what, label);
            check_frame(&r, 0, cuts[i].want, 0, NULL, where);
        }
    }
}

static void test_partial_reads_length_is_judged_from_the_header(void **state)
{
    /* 65 bytes promised; the writer sends the header only and stays open. */
    static const uint8_t header[] = {0x00, 0x00, 0x00, 0x00, 0x41};
    size_t cap = 0;
    struct run r;
    char where[160];
    int k = 0;

    (void)state;
    for (cap = 1; cap <= 3; cap += 2) {
        memset(&r, 0, sizeof r);
        r.capacity = cap;
        r.bytes = header;
        r.len = sizeof header;
        r.frames = 1;
        r.reads = 1;
        for (k = 0; k < SCHEDULES; k++) {
            char label[96];

            run(&r, k, label, sizeof label);
            snprintf(where, sizeof where,
                     "a header for 65 bytes (max %d), no payload; %s",
                     EX_FRAME_MAX, label);
            check_frame(&r, 0, STATUS_RESOURCE_EXHAUSTED, 0, NULL, where);
        }
    }
}

/* A header for EX_FRAME_MAX bytes, then as many, then EOF. */
static void test_partial_reads_a_frame_at_the_limit_is_read(void **state)
{
    uint8_t bytes[FRAME_HEADER_LEN + EX_FRAME_MAX];
    char payload[EX_FRAME_MAX + 1];
    struct run r;
    char where[160];
    int k = 0;

    (void)state;
    memset(bytes, 0, FRAME_HEADER_LEN);
    bytes[4] = EX_FRAME_MAX;
    memset(bytes + FRAME_HEADER_LEN, 'x', EX_FRAME_MAX);
    memset(payload, 'x', EX_FRAME_MAX);
    payload[EX_FRAME_MAX] = '\0';
    memset(&r, 0, sizeof r);
    r.capacity = 3;
    r.bytes = bytes;
    r.len = sizeof bytes;
    r.close = 1;
    r.frames = 1;
    r.reads = 2;
    for (k = 0; k < SCHEDULES; k++) {
        char label[96];

        run(&r, k, label, sizeof label);
        snprintf(where, sizeof where, "a frame of %d bytes, the limit; %s",
                 EX_FRAME_MAX, label);
        check_frame(&r, 0, STATUS_OK, 0, payload, where);
        check_frame(&r, 1, STATUS_EOF, 0, NULL, where);
    }
}

/* The writer sends some bytes, then aborts the pipe (RST_STREAM). */
static void test_partial_reads_an_abort_is_passed_on(void **state)
{
    size_t cap = 0;
    struct run r;
    char where[160];
    int k = 0;

    (void)state;
    for (cap = 1; cap <= 3; cap += 2) {
        memset(&r, 0, sizeof r);
        r.capacity = cap;
        r.bytes = four_byte_frame;
        r.len = 7; /* the header and 2 of its 4 payload bytes */
        r.abort = STATUS_UNAVAILABLE;
        r.reads = 1;
        r.ask = 8;
        for (k = 0; k < SCHEDULES; k++) {
            char label[96];

            run(&r, k, label, sizeof label);
            snprintf(where, sizeof where,
                     "7 bytes, then an abort (UNAVAILABLE), passed on as "
                     "it is; %s",
                     label);
            check_full(&r, 0, STATUS_UNAVAILABLE, NULL, where);
            r.frames = 1;
            run(&r, k, label, sizeof label);
            check_frame(&r, 0, STATUS_UNAVAILABLE, 0, NULL, where);
            r.frames = 0;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partial_reads_full_gathers_one_byte_reads),
        cmocka_unit_test(test_partial_reads_full_gathers_short_reads),
        cmocka_unit_test(test_partial_reads_full_reads_only_what_was_asked),
        cmocka_unit_test(test_partial_reads_eof_before_any_byte_is_eof),
        cmocka_unit_test(test_partial_reads_eof_after_some_bytes_is_unexpected),
        cmocka_unit_test(test_partial_reads_frames_over_tiny_pipes),
        cmocka_unit_test(test_partial_reads_frame_cut_short_is_unexpected),
        cmocka_unit_test(test_partial_reads_length_is_judged_from_the_header),
        cmocka_unit_test(test_partial_reads_a_frame_at_the_limit_is_read),
        cmocka_unit_test(test_partial_reads_an_abort_is_passed_on),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

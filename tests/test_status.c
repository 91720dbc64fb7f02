/*
 * test_status: the result codes, their names, and the detail helper.
 *
 * The codes 0..16 must be gRPC's, number for number and name for name, so
 * the table below is written out from gRPC's codes.proto rather than
 * generated from the enum: a renumbered or renamed code fails here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/status.h"

struct code_row {
    enum status code;
    int number;       /* the number gRPC (or duplex) gives it */
    const char *name; /* status_name's answer */
    int grpc;         /* status_is_grpc's answer */
};

static const struct code_row codes[] = {
    {STATUS_OK, 0, "OK", 1},
    {STATUS_CANCELLED, 1, "CANCELLED", 1},
    {STATUS_UNKNOWN, 2, "UNKNOWN", 1},
    {STATUS_INVALID_ARGUMENT, 3, "INVALID_ARGUMENT", 1},
    {STATUS_DEADLINE_EXCEEDED, 4, "DEADLINE_EXCEEDED", 1},
    {STATUS_NOT_FOUND, 5, "NOT_FOUND", 1},
    {STATUS_ALREADY_EXISTS, 6, "ALREADY_EXISTS", 1},
    {STATUS_PERMISSION_DENIED, 7, "PERMISSION_DENIED", 1},
    {STATUS_RESOURCE_EXHAUSTED, 8, "RESOURCE_EXHAUSTED", 1},
    {STATUS_FAILED_PRECONDITION, 9, "FAILED_PRECONDITION", 1},
    {STATUS_ABORTED, 10, "ABORTED", 1},
    {STATUS_OUT_OF_RANGE, 11, "OUT_OF_RANGE", 1},
    {STATUS_UNIMPLEMENTED, 12, "UNIMPLEMENTED", 1},
    {STATUS_INTERNAL, 13, "INTERNAL", 1},
    {STATUS_UNAVAILABLE, 14, "UNAVAILABLE", 1},
    {STATUS_DATA_LOSS, 15, "DATA_LOSS", 1},
    {STATUS_UNAUTHENTICATED, 16, "UNAUTHENTICATED", 1},
    {STATUS_EOF, 100, "EOF", 0},
    {STATUS_CLOSED, 101, "CLOSED", 0},
    {STATUS_DEADLOCK, 102, "DEADLOCK", 0},
};

#define NCODES (sizeof codes / sizeof codes[0])

/* Values that are not an enum status: just outside each range. */
static const int not_codes[] = {-1, 17, 99, 103, 1000};

#define NNOT_CODES (sizeof not_codes / sizeof not_codes[0])

static void test_status_numbers_match_grpc(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < NCODES; i++)
        assert_int_equal((int)codes[i].code, codes[i].number);
}

static void test_status_name_of_every_code(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < NCODES; i++)
        assert_string_equal(status_name(codes[i].code), codes[i].name);
}

static void test_status_name_of_unknown_value_is_question_mark(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < NNOT_CODES; i++)
        assert_string_equal(status_name((enum status)not_codes[i]), "?");
}

static void test_status_is_grpc_only_for_0_to_16(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < NCODES; i++)
        assert_int_equal(status_is_grpc(codes[i].code), codes[i].grpc);
    for (i = 0; i < NNOT_CODES; i++)
        assert_int_equal(status_is_grpc((enum status)not_codes[i]), 0);
}

static void test_status_detail_set_formats_and_returns_code(void **state)
{
    struct status_detail d = {STATUS_OK, ""};
    enum status st = STATUS_OK;

    (void)state;
    st = status_detail_set(&d, STATUS_RESOURCE_EXHAUSTED,
                           "grpc: received message larger than max "
                           "(%d vs. %d)",
                           5, 4);
    assert_int_equal(st, STATUS_RESOURCE_EXHAUSTED);
    assert_int_equal(d.code, STATUS_RESOURCE_EXHAUSTED);
    assert_string_equal(d.text,
                        "grpc: received message larger than max (5 vs. 4)");
}

static void test_status_detail_set_null_detail_returns_code(void **state)
{
    (void)state;
    assert_int_equal(status_detail_set(NULL, STATUS_INTERNAL, "%s", "x"),
                     STATUS_INTERNAL);
    assert_int_equal(status_detail_set(NULL, STATUS_OK, "ok"), STATUS_OK);
}

/* A text of exactly STATUS_TEXT_MAX - 1 characters still fits whole. */
static void test_status_detail_set_keeps_longest_text(void **state)
{
    char text[STATUS_TEXT_MAX];
    struct status_detail d = {STATUS_OK, ""};

    (void)state;
    memset(text, 'a', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    status_detail_set(&d, STATUS_UNKNOWN, "%s", text);
    assert_int_equal(strlen(d.text), STATUS_TEXT_MAX - 1);
    assert_string_equal(d.text, text);
}

/* A longer text is cut to its first STATUS_TEXT_MAX - 1 characters. */
static void test_status_detail_set_truncates_long_text(void **state)
{
    char text[2 * STATUS_TEXT_MAX];
    struct status_detail d = {STATUS_OK, ""};
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof text - 1; i++)
        text[i] = (char)('a' + i % 26);
    text[sizeof text - 1] = '\0';
    assert_int_equal(status_detail_set(&d, STATUS_DATA_LOSS, "%s", text),
                     STATUS_DATA_LOSS);
    assert_int_equal(d.code, STATUS_DATA_LOSS);
    assert_int_equal(strlen(d.text), STATUS_TEXT_MAX - 1);
    assert_memory_equal(d.text, text, STATUS_TEXT_MAX - 1);
}

static void test_status_detail_clear_resets_code_and_text(void **state)
{
    struct status_detail d = {STATUS_OK, ""};

    (void)state;
    status_detail_set(&d, STATUS_ABORTED, "aborted by %s", "peer");
    status_detail_clear(&d);
    assert_int_equal(d.code, STATUS_OK);
    assert_string_equal(d.text, "");
}

static void test_status_detail_clear_null_is_noop(void **state)
{
    (void)state;
    status_detail_clear(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_numbers_match_grpc),
        cmocka_unit_test(test_status_name_of_every_code),
        cmocka_unit_test(test_status_name_of_unknown_value_is_question_mark),
        cmocka_unit_test(test_status_is_grpc_only_for_0_to_16),
        cmocka_unit_test(test_status_detail_set_formats_and_returns_code),
        cmocka_unit_test(test_status_detail_set_null_detail_returns_code),
        cmocka_unit_test(test_status_detail_set_keeps_longest_text),
        cmocka_unit_test(test_status_detail_set_truncates_long_text),
        cmocka_unit_test(test_status_detail_clear_resets_code_and_text),
        cmocka_unit_test(test_status_detail_clear_null_is_noop),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

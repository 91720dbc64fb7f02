/*
 * Tests for the chat exercise: tables of sessions, each a list of steps
 * (a message in, the status and the answer expected out), played from a
 * zeroed state. A step with no message is the EOF: ex_chat_end. No
 * threads: the state machine is a pure function, so a table says it all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "chat.h"
#include "ex_check.h"

#define EOF_STEP NULL /* a step's msg: the client half-closed */
#define MAX_STEPS 8

struct step {
    const char *msg; /* EOF_STEP: call ex_chat_end */
    enum status want;
    const char *reply;
};

struct session {
    const char *what;
    struct step steps[MAX_STEPS]; /* ends at the first {0} step */
};

/* Fails unless the answer is want and want_reply, showing both. */
static void check_answer(const char *what, enum status want,
                         const char *want_reply, enum status got,
                         const char *reply)
{
    if (want == got && strcmp(want_reply, reply) == 0)
        return;
    print_error("check: %s\n  expected: %s \"%s\"\n  actual:   %s \"%s\"\n",
                what, status_name(want), want_reply, status_name(got), reply);
    fail();
}

/* Plays one session; on the first difference, says which step it was. */
static void play(const struct session *s)
{
    struct ex_chat st;
    size_t i = 0;

    memset(&st, 0, sizeof st);
    for (i = 0; i < MAX_STEPS && s->steps[i].reply != NULL; i++) {
        const struct step *step = &s->steps[i];
        struct ex_chat before = st;
        char reply[64];
        char what[192];
        enum status got = STATUS_OK;

        memset(reply, 0, sizeof reply);
        if (step->msg == EOF_STEP) {
            got = ex_chat_end(&st, reply, sizeof reply);
            snprintf(what, sizeof what, "session \"%s\", step %zu: EOF",
                     s->what, i + 1);
        } else {
            got = ex_chat_reply(&st, step->msg, reply, sizeof reply);
            snprintf(what, sizeof what, "session \"%s\", step %zu: \"%s\"",
                     s->what, i + 1, step->msg);
        }
        check_answer(what, step->want, step->reply, got, reply);
        if (step->want != STATUS_OK)
            ex_check_bytes("the state is untouched by a refusal", &before, &st,
                           sizeof st);
    }
}

static const struct session sessions[] = {
    {"a whole session",
     {{"JOIN alice", STATUS_OK, "WELCOME alice"},
      {"TEXT hi", STATUS_OK, "ACK 1"},
      {"TEXT how are you?", STATUS_OK, "ACK 2"},
      {"TEXT bye", STATUS_OK, "ACK 3"},
      {EOF_STEP, STATUS_OK, "BYE alice"}}},
    {"TEXT before JOIN",
     {{"TEXT hi", STATUS_FAILED_PRECONDITION, "JOIN first"},
      {"JOIN bob", STATUS_OK, "WELCOME bob"},
      {"TEXT hi", STATUS_OK, "ACK 1"},
      {EOF_STEP, STATUS_OK, "BYE bob"}}},
    {"a second JOIN",
     {{"JOIN alice", STATUS_OK, "WELCOME alice"},
      {"JOIN mallory", STATUS_FAILED_PRECONDITION, "already joined"},
      {"JOIN alice", STATUS_FAILED_PRECONDITION, "already joined"},
      {"TEXT still me", STATUS_OK, "ACK 1"},
      {EOF_STEP, STATUS_OK, "BYE alice"}}},
    {"unknown messages",
     {{"HELLO", STATUS_INVALID_ARGUMENT, "unknown message"},
      {"join alice", STATUS_INVALID_ARGUMENT, "unknown message"},
      {"JOIN", STATUS_INVALID_ARGUMENT, "unknown message"},
      {"TEXT", STATUS_INVALID_ARGUMENT, "unknown message"},
      {"", STATUS_INVALID_ARGUMENT, "unknown message"},
      {"JOIN carol", STATUS_OK, "WELCOME carol"},
      {"ACK 1", STATUS_INVALID_ARGUMENT, "unknown message"},
      {"TEXT ok", STATUS_OK, "ACK 1"}}},
    {"names",
     {{"JOIN ", STATUS_INVALID_ARGUMENT, "JOIN needs a name"},
      {"JOIN abcdefghijklmnop", STATUS_INVALID_ARGUMENT, "name too long"},
      {"JOIN abcdefghijklmno", STATUS_OK, "WELCOME abcdefghijklmno"},
      {EOF_STEP, STATUS_OK, "BYE abcdefghijklmno"}}},
    {"an empty text is a text",
     {{"JOIN dave", STATUS_OK, "WELCOME dave"},
      {"TEXT ", STATUS_OK, "ACK 1"},
      {"TEXT ", STATUS_OK, "ACK 2"}}},
    {"EOF before JOIN", {{EOF_STEP, STATUS_OK, ""}}},
    {"a refused JOIN does not join",
     {{"JOIN ", STATUS_INVALID_ARGUMENT, "JOIN needs a name"},
      {"TEXT hi", STATUS_FAILED_PRECONDITION, "JOIN first"},
      {EOF_STEP, STATUS_OK, ""}}},
};

static void test_chat_a_whole_session(void **state)
{
    (void)state;
    play(&sessions[0]);
}

static void test_chat_text_before_join_is_refused(void **state)
{
    (void)state;
    play(&sessions[1]);
}

static void test_chat_a_second_join_is_refused(void **state)
{
    (void)state;
    play(&sessions[2]);
}

static void test_chat_unknown_messages_are_invalid(void **state)
{
    (void)state;
    play(&sessions[3]);
}

static void test_chat_names_are_1_to_15_bytes(void **state)
{
    (void)state;
    play(&sessions[4]);
}

static void test_chat_every_session_of_the_table(void **state)
{
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof sessions / sizeof sessions[0]; i++)
        play(&sessions[i]);
}

static void test_chat_an_answer_that_does_not_fit(void **state)
{
    struct ex_chat st;
    struct ex_chat before;
    char reply[16];

    (void)state;
    memset(&st, 0, sizeof st);
    memset(reply, 'x', sizeof reply);
    ex_check_status("\"JOIN alice\" into 13 bytes (\"WELCOME alice\" needs 14)",
                    STATUS_RESOURCE_EXHAUSTED,
                    ex_chat_reply(&st, "JOIN alice", reply, 13));
    ex_check_text("the reply after RESOURCE_EXHAUSTED", "", reply);
    ex_check_text("the name after a JOIN that failed", "", st.name);
    ex_check_status("\"JOIN alice\" into 14 bytes", STATUS_OK,
                    ex_chat_reply(&st, "JOIN alice", reply, 14));
    ex_check_text("the reply in 14 bytes", "WELCOME alice", reply);
    before = st;
    ex_check_status("\"TEXT hi\" into 5 bytes (\"ACK 1\" needs 6)",
                    STATUS_RESOURCE_EXHAUSTED,
                    ex_chat_reply(&st, "TEXT hi", reply, 5));
    ex_check_bytes("the state after a TEXT that failed", &before, &st,
                   sizeof st);
    ex_check_status("\"TEXT hi\" into 6 bytes", STATUS_OK,
                    ex_chat_reply(&st, "TEXT hi", reply, 6));
    ex_check_text("the reply in 6 bytes", "ACK 1", reply);
    ex_check_status("EOF into 9 bytes (\"BYE alice\" needs 10)",
                    STATUS_RESOURCE_EXHAUSTED, ex_chat_end(&st, reply, 9));
    ex_check_text("the reply after RESOURCE_EXHAUSTED", "", reply);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chat_text_before_join_is_refused),
        cmocka_unit_test(test_chat_a_second_join_is_refused),
        cmocka_unit_test(test_chat_a_whole_session),
        cmocka_unit_test(test_chat_unknown_messages_are_invalid),
        cmocka_unit_test(test_chat_names_are_1_to_15_bytes),
        cmocka_unit_test(test_chat_every_session_of_the_table),
        cmocka_unit_test(test_chat_an_answer_that_does_not_fit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_chat_session: the chat session's server (chat_session_serve in
 * src/scenarios/chat.c), which `duplex run chat` and `duplex serve`'s
 * /chat.ChatService/Session both run: the replies a client gets, the
 * status the call ends with, and what the session counted, for a
 * session that follows the rules and for each way to break them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"
#include "scenarios/chat.h"

#define MAX_REPLIES 8

struct session_run {
    struct stream *s;
    struct chat_session session;
    char replies[MAX_REPLIES][40];
    int n;                     /* replies the client got */
    enum status end;           /* the client's last recv */
    struct status_detail why;  /* its words */
};

static enum status serve_thread(void *arg)
{
    struct session_run *r = arg;

    chat_session_serve(stream_server(r->s), &r->session);
    return STATUS_OK;
}

/* Sends msgs (then CloseSend if close), and reads every reply. */
static void run_session(struct session_run *r, const char *const *msgs,
                        int n, int close)
{
    struct sched_thread server;
    struct frame_msg msg = {0};
    int i = 0;

    memset(r, 0, sizeof *r);
    assert_int_equal(stream_create(NULL, NULL, &r->s), STATUS_OK);
    assert_int_equal(sched_thread_start(&server, "server", serve_thread, r),
                     STATUS_OK);
    for (i = 0; i < n; i++)
        assert_int_equal(stream_send(stream_client(r->s), msgs[i],
                                     strlen(msgs[i]), NULL),
                         STATUS_OK);
    if (close)
        assert_int_equal(stream_close_send(stream_client(r->s)), STATUS_OK);
    while ((r->end = stream_recv(stream_client(r->s), &msg, &r->why)) ==
               STATUS_OK &&
           r->n < MAX_REPLIES)
        snprintf(r->replies[r->n++], sizeof r->replies[0], "%.*s",
                 (int)msg.length, (const char *)msg.data);
    frame_msg_free(&msg);
    sched_thread_join(&server);
    stream_destroy(r->s);
}

static void test_session_welcome_acks_bye_ok(void **state)
{
    static const char *const msgs[] = {"JOIN bob", "TEXT a", "TEXT b"};
    struct session_run r;

    (void)state;
    run_session(&r, msgs, 3, 1);
    assert_int_equal(r.n, 4);
    assert_string_equal(r.replies[0], "WELCOME bob");
    assert_string_equal(r.replies[1], "ACK 1");
    assert_string_equal(r.replies[2], "ACK 2");
    assert_string_equal(r.replies[3], "BYE bob");
    assert_int_equal(r.end, STATUS_EOF);
    assert_string_equal(r.session.name, "bob");
    assert_int_equal(r.session.got, 3);
    assert_int_equal(r.session.welcomed, 1);
    assert_int_equal(r.session.acked, 2);
    assert_int_equal(r.session.bye, 1);
    assert_int_equal(r.session.end, STATUS_OK);
}

static void test_session_text_before_join(void **state)
{
    static const char *const msgs[] = {"TEXT hi"};
    struct session_run r;

    (void)state;
    run_session(&r, msgs, 1, 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.end, STATUS_FAILED_PRECONDITION);
    assert_string_equal(r.why.text, "JOIN first");
    assert_string_equal(r.session.name, "");
    assert_int_equal(r.session.got, 1);
    assert_int_equal(r.session.welcomed, 0);
    assert_int_equal(r.session.bye, 0);
    assert_int_equal(r.session.end, STATUS_FAILED_PRECONDITION);
    assert_string_equal(r.session.why.text, "JOIN first");
}

static void test_session_second_join(void **state)
{
    static const char *const msgs[] = {"JOIN bob", "JOIN eve"};
    struct session_run r;

    (void)state;
    run_session(&r, msgs, 2, 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.replies[0], "WELCOME bob");
    assert_int_equal(r.end, STATUS_FAILED_PRECONDITION);
    assert_string_equal(r.why.text, "already joined");
    assert_int_equal(r.session.welcomed, 1);
    assert_int_equal(r.session.acked, 0);
    assert_int_equal(r.session.end, STATUS_FAILED_PRECONDITION);
}

/* EOF before any JOIN: the state machine as the scenario has it, a BYE
 * to nobody and OK (kept as it is; see chat_session_serve). */
static void test_session_eof_before_join(void **state)
{
    struct session_run r;

    (void)state;
    run_session(&r, NULL, 0, 1);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.replies[0], "BYE ");
    assert_int_equal(r.end, STATUS_EOF);
    assert_int_equal(r.session.got, 0);
    assert_int_equal(r.session.bye, 1);
    assert_int_equal(r.session.end, STATUS_OK);
}

static void test_session_client_texts(void **state)
{
    char out[32];

    (void)state;
    assert_int_equal(chat_client_text(0, out, sizeof out), 10);
    assert_string_equal(out, "JOIN alice");
    chat_client_text(2, out, sizeof out);
    assert_string_equal(out, "TEXT note 2");
    chat_reply_text(0, 2, out, sizeof out);
    assert_string_equal(out, "WELCOME alice");
    chat_reply_text(2, 2, out, sizeof out);
    assert_string_equal(out, "ACK 2");
    chat_reply_text(3, 2, out, sizeof out);
    assert_string_equal(out, "BYE alice");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_welcome_acks_bye_ok),
        cmocka_unit_test(test_session_text_before_join),
        cmocka_unit_test(test_session_second_join),
        cmocka_unit_test(test_session_eof_before_join),
        cmocka_unit_test(test_session_client_texts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

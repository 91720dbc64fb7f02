/*
 * eof-order: the receive loop that checks err != nil before err ==
 * io.EOF. The call is an echo that ends OK: the client sends its
 * messages and half-closes, the server echoes each and finishes with OK,
 * and client/recv reads every echo and then EOF. But its loop reads
 *
 *   if err != nil { return fmt.Errorf("recv: %w", err) }
 *   if err == io.EOF { break }            // never reached
 *
 * so the clean end is returned as a failure: the caller sees an error
 * (UNKNOWN "recv: EOF", as grpc-go's status.Code names an error that is
 * not a status) on a call that ended OK, and retries it: the server
 * handles the same messages again. --fix checks io.EOF first.
 *
 * Design
 *   The caller makes up to EOF_ATTEMPTS calls, each one call on the
 *   harness (echo's server, the standard sender, this file's receiver),
 *   retrying on any error, as a caller with a retry policy does. Each
 *   attempt's counts are kept, so the narration says what each call did
 *   and how it ended on each side: the server's finish and the status
 *   client/recv read with its EOF (OK) against what the loop returned.
 *   Every schedule ends the same way, since the loop's order, not the
 *   interleaving, decides.
 */
#include "core/trace.h"
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/echo.h"
#include "scenarios/registry.h"

/* The calls the caller makes at most: the first and one retry. */
#define EOF_ATTEMPTS 2

/* What one attempt did, for the narration. */
struct eof_attempt {
    int sent, server_got, server_sent, got;
    enum status server_end;   /* the server's finish */
    enum status receiver_end; /* what client/recv's last recv returned */
    enum status loop;         /* what its loop returned */
};

/*
 * client/recv: reads every echo (checking each one's text), then the
 * call's end. The mistake checks for any error first, so the EOF is
 * returned as one; the fix checks for the EOF first.
 */
static enum status eof_receiver(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    struct frame_msg msg = {0};
    char text[CALL_TEXT_MAX];
    char want[CALL_TEXT_MAX + 8];
    enum status st = STATUS_OK;

    for (;;) {
        st = stream_recv(stream_client(c->s), &msg, why);
        if (c->fix && st == STATUS_EOF)
            break;
        if (st != STATUS_OK) {
            c->receiver_end = st;
            frame_msg_free(&msg);
            if (st != STATUS_EOF)
                return st;
            return status_detail_set(why, STATUS_UNKNOWN, "recv: %s",
                                     status_name(st));
        }
        message_text(c->client_got, text, sizeof text);
        snprintf(want, sizeof want, "echo: %s", text);
        if (!same_text(&msg, want))
            broken(c->r, "echo %d is not \"%s\"", c->client_got + 1, want);
        c->client_got++;
    }
    c->receiver_end = st;
    frame_msg_free(&msg);
    return STATUS_OK;
}

/* One call: its outcome as the caller sees it; a records what it did. */
static enum status eof_call(const struct scenario *scn,
                            const struct scenario_options *o,
                            struct scenario_result *r, struct call *c,
                            struct eof_attempt *a)
{
    static const struct task tasks[] = {{"client/send", send_then_close},
                                        {"client/recv", eof_receiver}};
    enum status st = STATUS_OK;

    call_init(c, scn, o, r, 1);
    st = run_call(c, echo_server, tasks, 2);
    a->sent = c->client_sent;
    a->server_got = c->server_got;
    a->server_sent = c->server_sent;
    a->got = c->client_got;
    a->server_end = c->server_end;
    a->receiver_end = c->receiver_end;
    a->loop = st;
    return st;
}

static void eof_say_attempt(struct scenario_result *r, int i,
                            const struct eof_attempt *a)
{
    scenario_say(r,
                 "call %d: client/send sent %d; the server read %d, echoed "
                 "%d and finished with %s",
                 i + 1, a->sent, a->server_got, a->server_sent,
                 status_name(a->server_end));
    if (a->receiver_end == STATUS_EOF && a->loop == STATUS_UNKNOWN &&
        a->server_end == STATUS_OK)
        scenario_say(r,
                     "call %d: client/recv got %d echoes, then EOF (the "
                     "call's status: OK), and returned it as an error: "
                     "UNKNOWN \"recv: EOF\"",
                     i + 1, a->got);
    else if (a->receiver_end == STATUS_EOF)
        scenario_say(r,
                     "call %d: client/recv got %d echoes, then EOF, which "
                     "its loop checks first: it returned OK",
                     i + 1, a->got);
    else
        scenario_say(r, "call %d: client/recv got %d echoes, then %s", i + 1,
                     a->got, status_name(a->receiver_end));
}

static enum status run_eof_order(const struct scenario *scn,
                                 const struct scenario_options *o,
                                 struct scenario_result *r)
{
    struct eof_attempt a[EOF_ATTEMPTS];
    struct call c;
    enum status st = STATUS_OK;
    int n = 0;
    int i = 0;

    memset(a, 0, sizeof a);
    do {
        st = eof_call(scn, o, r, &c, &a[n++]);
        if (call_short(&c))
            return st;
        if (st == STATUS_OK || st == STATUS_UNKNOWN)
            check_echo_counts(&c);
    } while (st != STATUS_OK && n < EOF_ATTEMPTS);
    for (i = 0; i < n; i++)
        eof_say_attempt(r, i, &a[i]);
    if (st == STATUS_UNKNOWN && n > 1)
        scenario_say(r,
                     "the caller retried each error: the server handled "
                     "the same %d messages %d times, every call ended OK, "
                     "and the caller gave up with UNKNOWN \"recv: EOF\"",
                     a[0].server_got, n);
    else if (st == STATUS_OK)
        scenario_say(r, "the caller got OK from call %d", n);
    if (!o->fix)
        scenario_say(r, "fix: check io.EOF before any other error; see "
                        "`duplex run eof-order --fix`");
    return st;
}

/* The server finished the first call before client/recv read an echo. */
static int finished_before_first_read(const struct scenario_progress *p)
{
    return challenge_before(challenge_find(p, 0, TRACE_FINISH, "server"),
                            challenge_find(p, 0, TRACE_RECV, "client/recv"));
}

/* The goals of `duplex step eof-order` (see scenario.h). */
static const struct scenario_challenge eof_challenges[] = {
    {"finished-first",
     "make the server finish the first call with OK before client/recv "
     "reads one echo (the caller still gets an error)",
     0, finished_before_first_read},
    {"closed-first",
     "make the client send every message and CloseSend before the server "
     "reads the first one (the caller still gets OK)",
     1, challenge_closed_before_first_read},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_eof_order = {
    .name = "eof-order",
    .summary = "the receive loop checks err != nil before io.EOF: an OK call "
               "fails, and is retried",
    .fix_summary = "the loop checks io.EOF first: one call, and the caller "
                   "gets OK",
    .default_messages = 3,
    .expected = SCENARIO_EXIT_STATUS,
    .expected_fix = SCENARIO_EXIT_OK,
    .body = run_eof_order,
    .challenges = eof_challenges,
};

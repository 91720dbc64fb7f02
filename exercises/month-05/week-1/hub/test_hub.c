/*
 * Tests for the hub exercise. The test plays the clients: CLIENTS of them,
 * each with a stream to your hub (16-byte pipes: one frame of "c1 m1"
 * each), a sender thread (MESSAGES messages, "cK mM", then CloseSend) and
 * a receiver thread. Your ex_hub_serve runs on the test's main thread.
 *
 * Three setups, each run in order, then under SEEDS random schedules:
 *   good   every client reads everything: each gets every other client's
 *          messages in order, then EOF; nobody dropped, nobody left;
 *   slow   client 1 reads one message, then stops reading (it waits for
 *          its call to end): it must be dropped with RESOURCE_EXHAUSTED,
 *          and the others must get each other's messages and "c1 left";
 *   leave  client 1 sends one message, then cancels its call: the hub
 *          must forget it, and the others get "c1 left".
 * In each, every thread your hub started must have been joined when
 * ex_hub_serve returns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "hub.h"
#include "ex_check.h"
#include "ex_explore.h"
#include "explore/explore.h"

#define CLIENTS 3
#define MESSAGES 6 /* client 1 is sent 12: more than a slow one can hold */
#define CAPACITY 16
#define SEEDS 2000

int ex_hub_started, ex_hub_joined;

enum bad { GOOD, SLOW, LEAVE };

struct run;

struct client {
    struct run *run;
    int i;
    struct stream *s;
    int next[CLIENTS]; /* the last m received from each client */
    int told_left;     /* "c1 left" received */
    int wrong;         /* messages out of order, or unknown */
    char first_wrong[EX_HUB_TEXT + 1];
    enum status end; /* how its receiver ended */
};

struct run {
    enum bad bad;
    enum status st; /* what ex_hub_serve returned */
    struct ex_hub_stats stats;
    int started, joined; /* hub threads, when ex_hub_serve returned */
    struct client c[CLIENTS];
};

static int is_bad(const struct client *c)
{
    return c->i == 0 && c->run->bad != GOOD;
}

static enum status client_send(void *arg)
{
    struct client *c = arg;
    struct stream_end *e = stream_client(c->s);
    char text[EX_HUB_TEXT];
    int upto = is_bad(c) && c->run->bad == LEAVE ? 1 : MESSAGES;
    enum status st = STATUS_OK;
    int m = 0;

    for (m = 0; m < upto && st == STATUS_OK; m++) {
        int len = snprintf(text, sizeof text, "c%d m%d", c->i + 1, m + 1);

        st = stream_send(e, text, (size_t)len, NULL);
    }
    if (is_bad(c) && c->run->bad == LEAVE)
        stream_cancel(e);
    else if (st == STATUS_OK)
        stream_close_send(e);
    return STATUS_OK;
}

/* One message received: "cK mM" in K's order, or "c1 left" once. */
static void note(struct client *c, const struct frame_msg *msg)
{
    char text[EX_HUB_TEXT + 1];
    int k = 0;
    int m = 0;

    snprintf(text, sizeof text, "%.*s",
             (int)(msg->length < EX_HUB_TEXT ? msg->length : EX_HUB_TEXT),
             (const char *)msg->data);
    if (strcmp(text, "c1 left") == 0 && c->i != 0 && !c->told_left) {
        c->told_left = 1;
        return;
    }
    if (sscanf(text, "c%d m%d", &k, &m) == 2 && k >= 1 && k <= CLIENTS &&
        k - 1 != c->i && m == c->next[k - 1] + 1 && !(k == 1 && c->told_left)) {
        c->next[k - 1] = m;
        return;
    }
    if (c->wrong++ == 0)
        snprintf(c->first_wrong, sizeof c->first_wrong, "%s", text);
}

static enum status client_recv(void *arg)
{
    struct client *c = arg;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(stream_client(c->s), &msg, NULL)) == STATUS_OK) {
        note(c, &msg);
        if (is_bad(c) && c->run->bad == SLOW) /* stops reading */
            context_wait(stream_context(c->s));
    }
    frame_msg_free(&msg);
    c->end = st;
    return STATUS_OK;
}

static enum status one_call(void *arg)
{
    struct run *r = arg;
    struct stream *s[CLIENTS] = {NULL};
    struct sched_thread t[2 * CLIENTS];
    struct stream_options o;
    int i = 0;

    memset(&o, 0, sizeof o);
    o.capacity = CAPACITY;
    memset(r->c, 0, sizeof r->c);
    memset(&r->stats, 0, sizeof r->stats);
    r->st = STATUS_UNKNOWN;
    ex_hub_started = ex_hub_joined = 0;
    for (i = 0; i < CLIENTS; i++)
        if (stream_create(NULL, &o, &s[i]) != STATUS_OK)
            return STATUS_RESOURCE_EXHAUSTED;
    for (i = 0; i < CLIENTS; i++) {
        r->c[i].run = r;
        r->c[i].i = i;
        r->c[i].s = s[i];
        r->c[i].end = STATUS_UNKNOWN;
        if (sched_thread_start(&t[2 * i], "client/send", client_send,
                               &r->c[i]) != STATUS_OK ||
            sched_thread_start(&t[2 * i + 1], "client/recv", client_recv,
                               &r->c[i]) != STATUS_OK)
            return STATUS_RESOURCE_EXHAUSTED; /* the test cannot run */
    }
    r->st = ex_hub_serve(s, CLIENTS, &r->stats);
    r->started = ex_hub_started;
    r->joined = ex_hub_joined;
    /* A hub that never ended a call leaves its client waiting: a deadlock. */
    for (i = 0; i < 2 * CLIENTS; i++)
        sched_thread_join(&t[i]);
    for (i = 0; i < CLIENTS; i++)
        stream_destroy(s[i]);
    return STATUS_OK;
}

/* How client 1's receiver must end. */
static enum status want_end(const struct run *r, int i)
{
    if (i > 0 || r->bad == GOOD)
        return STATUS_EOF;
    return r->bad == SLOW ? STATUS_RESOURCE_EXHAUSTED : STATUS_CANCELLED;
}

/* What client i must have got from client k. */
static int want_from(const struct run *r, int i, int k)
{
    return k == i || (k == 0 && r->bad != GOOD) ? -1 : MESSAGES;
}

static int client_broken(const struct run *r, int i)
{
    const struct client *c = &r->c[i];
    int k = 0;

    if (c->end != want_end(r, i) || c->wrong > 0)
        return 1;
    if (is_bad(c)) /* what it got before it went: any number */
        return 0;
    if (c->told_left != (r->bad != GOOD))
        return 1;
    for (k = 0; k < CLIENTS; k++)
        if (want_from(r, i, k) >= 0 && c->next[k] != want_from(r, i, k))
            return 1;
    return 0;
}

static int broken(void *arg, enum status st, const struct sched_sim_result *sim)
{
    const struct run *r = arg;
    int i = 0;

    if (st != STATUS_OK || sim->deadlocked || r->st != STATUS_OK ||
        r->joined != r->started || r->stats.dropped != (r->bad == SLOW) ||
        r->stats.left != (r->bad == LEAVE))
        return 1;
    for (i = 0; i < CLIENTS; i++)
        if (client_broken(r, i))
            return 1;
    return 0;
}

static const char *const setups[] = {
    "every client reads everything",
    "client 1 stops reading after one message: it is dropped with "
    "RESOURCE_EXHAUSTED, and the others go on",
    "client 1 sends one message, then cancels: the hub forgets it, and the "
    "others go on"};

static void explain_client(const struct run *r, int i)
{
    const struct client *c = &r->c[i];
    int k = 0;

    print_error("  client %d: ended with %s (expected %s); got", i + 1,
                status_name(c->end), status_name(want_end(r, i)));
    for (k = 0; k < CLIENTS; k++)
        if (k != i)
            print_error(" %d of client %d's messages%s", c->next[k], k + 1,
                        want_from(r, i, k) >= 0 ? "" : " (any number)");
    print_error("%s", i > 0 && r->bad != GOOD
                          ? (c->told_left ? "; told \"c1 left\""
                                          : "; never told \"c1 left\"")
                          : "");
    if (c->wrong > 0)
        print_error("; %d out of place, the first \"%s\"", c->wrong,
                    c->first_wrong);
    print_error("\n");
}

static void explain(void *arg, const struct sched_sim_result *sim,
                    const char *schedule)
{
    const struct run *r = arg;
    int i = 0;

    print_error("check: %s (%s)\n"
                "  expected: OK; %d dropped, %d left; every thread the hub "
                "started joined; the other clients get each other's %d "
                "messages in order%s, then EOF\n",
                setups[r->bad], schedule, r->bad == SLOW, r->bad == LEAVE,
                MESSAGES, r->bad != GOOD ? " and \"c1 left\" once" : "");
    if (sim->deadlocked) {
        print_error("  actual:   a deadlock: nobody could ever run again. Is "
                    "something waiting on a client that does not read, "
                    "with no deadline?\n  simulator: %s\n",
                    sim->report);
        return;
    }
    print_error("  actual:   %s; %d dropped, %d left; %d threads started, "
                "%d joined\n",
                status_name(r->st), r->stats.dropped, r->stats.left, r->started,
                r->joined);
    for (i = 0; i < CLIENTS; i++)
        explain_client(r, i);
}

static void check_setup(enum bad bad)
{
    struct run r;

    memset(&r, 0, sizeof r);
    r.bad = bad;
    ex_run_in_order(one_call, &r, broken, explain);
    ex_explore_seeds(one_call, &r, broken, explain, SEEDS);
}

static void test_hub_good_clients_get_everything(void **state)
{
    (void)state;
    check_setup(GOOD);
}

static void test_hub_slow_client_is_dropped(void **state)
{
    (void)state;
    check_setup(SLOW);
}

static void test_hub_leaving_client_is_forgotten(void **state)
{
    (void)state;
    check_setup(LEAVE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hub_good_clients_get_everything),
        cmocka_unit_test(test_hub_slow_client_is_dropped),
        cmocka_unit_test(test_hub_leaving_client_is_forgotten),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * scenario.c: the drain-before-cancel exercise as a duplex scenario,
 * ex-drain-before-cancel, so that `duplex run`, `--replay`,
 * `--decisions`, `step` and `--svg` work on your ex_read_updates. You do
 * not edit this file: the exercise runner (exercises/run.sh) links it
 * with your drain-before-cancel.c into
 * build/exercises/drain-before-cancel/duplex.
 *
 * Design
 *   The body is the test's call (test_drain-before-cancel.c's one_call)
 *   and nothing more: the same server, sending "update i of N" then
 *   finishing OK, on a thread named "server", your client on a thread
 *   named "client", over a 64-byte s2c. So a schedule the test prints
 *   names the same decisions here. --messages is how many updates the
 *   server sends (default 5), each stored; the test's setups with a
 *   server error or a smaller array are not this scenario's.
 */
#include <stdio.h>
#include <string.h>

#include "core/context.h"
#include "core/sched.h"
#include "core/stream.h"
#include "drain-before-cancel.h"
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/scenario.h"

/* Read by registry.c, built with REGISTRY_EXTRA=scenario_exercise. */
extern const struct scenario scenario_exercise;

#define EX_MAX_UPDATES 8

struct ex_call {
    struct stream *s;
    int sends;      /* updates the server sends */
    enum status st; /* what ex_read_updates returned */
    int got;
    char updates[EX_MAX_UPDATES][EX_UPDATE_MAX];
    enum status server; /* how the server ended */
    enum status final;  /* stream_final_status, after your function */
    enum status ctx;    /* the call's context at the end */
    uint64_t discarded; /* s2c bytes the teardown threw away */
};

static enum status ex_updates_server(void *arg)
{
    struct ex_call *x = arg;
    struct stream_end *e = stream_server(x->s);
    char out[EX_UPDATE_MAX];
    enum status st = STATUS_OK;
    int i = 0;

    for (i = 0; i < x->sends && st == STATUS_OK; i++) {
        int len = snprintf(out, sizeof out, "update %d of %d", i + 1, x->sends);

        st = stream_send(e, out, (size_t)len, NULL);
    }
    if (st == STATUS_OK)
        st = stream_finish(e, STATUS_OK, NULL);
    x->server = st;
    return STATUS_OK;
}

static enum status ex_client(void *arg)
{
    struct ex_call *x = arg;

    x->st = ex_read_updates(x->s, x->updates, x->sends, &x->got);
    return STATUS_OK;
}

/* The first stored update that is not "update i of N", or -1. */
static int first_wrong_update(const struct ex_call *x)
{
    char want[EX_UPDATE_MAX];
    int i = 0;

    for (i = 0; i < x->sends && i < x->got; i++) {
        snprintf(want, sizeof want, "update %d of %d", i + 1, x->sends);
        if (strcmp(want, x->updates[i]) != 0)
            return i;
    }
    return -1;
}

/* The test's verdict on what x did, as the run's status and words. */
static enum status judge(const struct ex_call *x, struct scenario_result *r)
{
    int wrong = first_wrong_update(x);

    if (x->discarded > 0)
        return status_detail_set(&r->why, STATUS_INTERNAL,
                                 "the cancel threw away %llu bytes of s2c "
                                 "(expected 0)",
                                 (unsigned long long)x->discarded);
    if (x->st != STATUS_OK || x->final != STATUS_OK)
        return status_detail_set(&r->why, x->st != STATUS_OK ? x->st : x->final,
                                 "ex_read_updates returned %s, the call "
                                 "ended %s (expected OK, OK)",
                                 status_name(x->st), status_name(x->final));
    if (x->got != x->sends || wrong >= 0)
        return status_detail_set(&r->why, STATUS_INTERNAL,
                                 "ex_read_updates read %d updates%s "
                                 "(expected %d, each \"update i of %d\")",
                                 x->got, wrong >= 0 ? ", one wrong" : "",
                                 x->sends, x->sends);
    if (x->ctx != STATUS_CANCELLED)
        return status_detail_set(&r->why, STATUS_INTERNAL,
                                 "the call's context is %s at the end "
                                 "(expected CANCELLED: cancel when done)",
                                 status_name(x->ctx));
    return STATUS_OK;
}

static enum status run_ex_drain(const struct scenario *sc,
                                const struct scenario_options *o,
                                struct scenario_result *r)
{
    struct ex_call x;
    struct stream_options so;
    struct sched_thread srv;
    struct sched_thread cli;

    memset(&x, 0, sizeof x);
    x.sends = call_messages(sc, o);
    x.st = x.server = x.final = x.ctx = STATUS_UNKNOWN;
    x.got = -1;
    memset(&so, 0, sizeof so);
    so.capacity = call_capacity(sc, o);
    so.trace = o->trace;
    if (stream_create(NULL, &so, &x.s) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    if (sched_thread_start(&srv, "server", ex_updates_server, &x) !=
        STATUS_OK) {
        stream_destroy(x.s);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    if (sched_thread_start(&cli, "client", ex_client, &x) == STATUS_OK)
        sched_thread_join(&cli);
    else
        stream_cancel(stream_client(x.s));
    sched_thread_join(&srv);
    x.final = stream_final_status(x.s, NULL);
    x.ctx = context_err(stream_context(x.s), NULL);
    r->stats = stream_get_stats(x.s);
    x.discarded = r->stats.bytes_discarded[STREAM_S2C];
    stream_destroy(x.s);
    scenario_say(r, "server sent %d updates, ended with %s", x.sends,
                 status_name(x.server));
    scenario_say(r,
                 "ex_read_updates returned %s after %d update(s); the "
                 "cancel threw away %llu bytes of s2c; the context is %s",
                 status_name(x.st), x.got, (unsigned long long)x.discarded,
                 status_name(x.ctx));
    return judge(&x, r);
}

static enum status check_ex_drain(const struct scenario *sc,
                                  const struct scenario_options *o,
                                  struct status_detail *why)
{
    if (call_messages(sc, o) > EX_MAX_UPDATES)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s sends at most %d updates", sc->name,
                                 EX_MAX_UPDATES);
    return STATUS_OK;
}

/* The call ended OK, every update read, nothing thrown away. */
static int drained(const struct scenario_progress *p)
{
    return p->result != NULL && p->result->status == STATUS_OK;
}

/* A cancel threw away bytes still in s2c. */
static int lost(const struct scenario_progress *p)
{
    return p->result != NULL &&
           p->result->stats.bytes_discarded[STREAM_S2C] > 0;
}

/* The goals of `duplex step ex-drain-before-cancel`. */
static const struct scenario_challenge ex_challenges[] = {
    {"drain", "read every update and cancel with nothing lost", 0, drained},
    {"lose",
     "make your client's cancel throw away an update (a correct one never "
     "does)",
     0, lost},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_exercise = {
    .name = "ex-drain-before-cancel",
    .summary = "the drain-before-cancel exercise: your ex_read_updates "
               "against the test's server",
    .default_messages = 5,
    .default_capacity = 64,
    .expected = SCENARIO_EXIT_OK,
    .body = run_ex_drain,
    .check = check_ex_drain,
    .challenges = ex_challenges,
};

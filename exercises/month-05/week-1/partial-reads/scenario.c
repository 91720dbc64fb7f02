/*
 * scenario.c: the partial-reads exercise as a duplex scenario,
 * ex-partial-reads, so that `duplex run` (with its hexdump), `--replay`,
 * `--decisions`, `step` and `--svg` show your ex_read_frame reading
 * frames through a pipe that hands out a few bytes at a time. You do not
 * edit this file: the exercise runner (exercises/run.sh) links it with
 * your partial-reads.c into build/exercises/partial-reads/duplex.
 *
 * Design
 *   A thread named "client" writes three frames ("hello", an empty one,
 *   "how are you?", as duplex's frame_write makes them) into a pipe, c2s,
 *   of 3 bytes by default (--capacity 1: one byte at a time), then
 *   half-closes it; a thread named "server" calls your ex_read_frame
 *   until it stops returning OK. Every frame must come back whole, then a
 *   clean EOF. --messages is how many of the frames are written (default
 *   3). The test's other setups (ex_read_full alone, cut frames, aborts)
 *   are not this scenario's.
 */
#include <stdio.h>
#include <string.h>

#include "core/frame.h"
#include "core/pipe.h"
#include "core/sched.h"
#include "partial-reads.h"
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/scenario.h"

/* Read by registry.c, built with REGISTRY_EXTRA=scenario_exercise. */
extern const struct scenario scenario_exercise;

#define EX_MAX_MSGS 3

static const char *const msgs[EX_MAX_MSGS] = {"hello", "", "how are you?"};

struct ex_run {
    struct pipe *p;
    int n;
    enum status wrote; /* the client's last frame_write */
    int written;       /* frames the client wrote whole */
    enum status read;  /* what ex_read_frame returned last */
    int got;           /* frames read whole and right */
    int wrong;         /* 0, or 1 + the first frame read but altered */
};

static enum status ex_client(void *arg)
{
    struct ex_run *x = arg;
    int i = 0;

    x->wrote = STATUS_OK;
    for (i = 0; i < x->n && x->wrote == STATUS_OK; i++) {
        x->wrote = frame_write(x->p, 0, msgs[i], strlen(msgs[i]),
                               FRAME_DEFAULT_MAX_SEND, NULL);
        x->written += x->wrote == STATUS_OK;
    }
    pipe_close_write(x->p);
    return STATUS_OK;
}

static enum status ex_server(void *arg)
{
    struct ex_run *x = arg;
    struct ex_frame f;

    while ((x->read = ex_read_frame(x->p, &f)) == STATUS_OK) {
        const char *want = x->got < x->n ? msgs[x->got] : NULL;

        if (want != NULL && f.flag == 0 && f.length == strlen(want) &&
            memcmp(f.payload, want, f.length) == 0)
            x->got++;
        else if (x->wrong == 0)
            x->wrong = x->got + 1;
        if (x->wrong)
            break;
    }
    /* Whatever ended the reading, the client's writes end too. */
    pipe_close_read(x->p);
    return STATUS_OK;
}

/* The verdict on what x did, as the run's status and words. */
static enum status judge(const struct ex_run *x, struct scenario_result *r)
{
    if (x->wrong > 0)
        return status_detail_set(&r->why, STATUS_INTERNAL,
                                 "frame %d from ex_read_frame is not "
                                 "\"%s\" as it was sent",
                                 x->wrong, msgs[x->wrong - 1]);
    if (x->read != STATUS_EOF)
        return status_detail_set(&r->why, x->read,
                                 "ex_read_frame returned %s after %d whole "
                                 "frame(s) (expected EOF after %d)",
                                 status_name(x->read), x->got, x->n);
    if (x->got != x->n)
        return status_detail_set(&r->why, STATUS_INTERNAL,
                                 "ex_read_frame read %d frame(s) of %d", x->got,
                                 x->n);
    return STATUS_OK;
}

static enum status run_ex_partial_reads(const struct scenario *sc,
                                        const struct scenario_options *o,
                                        struct scenario_result *r)
{
    struct ex_run x;
    struct sched_thread client;
    struct sched_thread server;

    memset(&x, 0, sizeof x);
    x.n = call_messages(sc, o);
    x.read = STATUS_UNKNOWN;
    if (pipe_create(call_capacity(sc, o), "c2s", o->trace, &x.p) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    if (sched_thread_start(&client, "client", ex_client, &x) != STATUS_OK) {
        pipe_destroy(x.p);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    if (sched_thread_start(&server, "server", ex_server, &x) != STATUS_OK)
        pipe_close_read(x.p); /* no reader: the client's writes end */
    else
        sched_thread_join(&server);
    sched_thread_join(&client);
    pipe_destroy(x.p);
    scenario_say(r, "client wrote %d frame(s) of %d (%s), then half-closed c2s",
                 x.written, x.n, status_name(x.wrote));
    scenario_say(r,
                 "server: ex_read_frame read %d whole frame(s), then "
                 "returned %s",
                 x.got, status_name(x.read));
    return judge(&x, r);
}

static enum status check_ex_partial_reads(const struct scenario *sc,
                                          const struct scenario_options *o,
                                          struct status_detail *why)
{
    if (call_messages(sc, o) > EX_MAX_MSGS)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s writes at most %d frames", sc->name,
                                 EX_MAX_MSGS);
    return STATUS_OK;
}

/* Every frame came back whole, then the clean EOF. */
static int all_read(const struct scenario_progress *p)
{
    return p->result != NULL && p->result->status == STATUS_OK;
}

/* The reader found the pipe empty (and waited) four times. */
static int waited_four_times(const struct scenario_progress *p)
{
    return challenge_count(p, TRACE_BLOCK, "server") >= 4;
}

/* The goals of `duplex step ex-partial-reads`. */
static const struct scenario_challenge ex_challenges[] = {
    {"all-read", "read every frame whole, then the clean EOF", 0, all_read},
    {"short-reads",
     "make your reader find the pipe empty four times (short reads)", 0,
     waited_four_times},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_exercise = {
    .name = "ex-partial-reads",
    .summary = "the partial-reads exercise: your ex_read_frame reading "
               "frames from a pipe of a few bytes",
    .default_messages = 3,
    .default_capacity = 3,
    .expected = SCENARIO_EXIT_OK,
    .body = run_ex_partial_reads,
    .check = check_ex_partial_reads,
    .challenges = ex_challenges,
};

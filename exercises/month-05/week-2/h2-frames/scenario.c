/*
 * scenario.c: the h2-frames exercise as a duplex scenario, ex-h2-frames,
 * so that `duplex run` (its timeline shows the HTTP/2 frames), `--replay`
 * and `step` show the call your prediction is about. You do not edit
 * this file: the exercise runner (exercises/run.sh) links it with your
 * h2-frames.c into build/exercises/h2-frames/duplex.
 *
 * Design
 *   The body is the test's "echo" call (h2-frames-run.h's ex_run_call:
 *   threads named "server" and "client") on the h2 wire whatever --wire
 *   says, with --messages
 *   messages (default 2, at most 8). After the run it compares your
 *   ex_predict for both sides with the frames each really sent, says
 *   both lists, and fails the run with INTERNAL when one differs.
 */
#include <stdio.h>
#include <string.h>

#include "h2-frames-run.h"
#include "scenarios/call.h"
#include "scenarios/challenge.h"
#include "scenarios/scenario.h"

/* Read by registry.c, built with REGISTRY_EXTRA=scenario_exercise. */
extern const struct scenario scenario_exercise;

#define EX_MAX_MSGS 8

/* Says side's lists; 1 when yours matches the run's. */
static int judge_side(const struct ex_call *call, const struct ex_run *r,
                      int side, struct scenario_result *res)
{
    enum ex_frame predicted[EX_MAX_FRAMES];
    int yours[EX_MAX_FRAMES], seen[EX_MAX_FRAMES];
    char want[256], got[256];
    size_t i = 0;
    const char *who = side == EX_CLIENT ? "client" : "server";

    for (i = 0; i < EX_MAX_FRAMES; i++)
        predicted[i] = EX_NONE;
    ex_predict(call, side, predicted);
    for (i = 0; i < EX_MAX_FRAMES; i++)
        yours[i] = (int)predicted[i];
    yours[EX_MAX_FRAMES - 1] = EX_NONE;
    ex_run_seen(r, side, seen);
    ex_frames_text(seen, want, sizeof want);
    ex_frames_text(yours, got, sizeof got);
    scenario_say(res, "%s sent on stream 1: %s", who, want);
    scenario_say(res, "ex_predict said:      %s", got);
    for (i = 0; i < EX_MAX_FRAMES && seen[i] == yours[i]; i++)
        if (seen[i] == EX_NONE)
            return 1;
    return 0;
}

static enum status run_ex_h2_frames(const struct scenario *sc,
                                    const struct scenario_options *o,
                                    struct scenario_result *res)
{
    static struct ex_run r;
    struct ex_call call = {"echo", 2, 5, 1, 0, 1, 0, 0, 0};
    int client_ok = 0, server_ok = 0;
    enum status st = STATUS_OK;

    memset(&r, 0, sizeof r);
    call.messages = call_messages(sc, o);
    r.call = &call;
    r.trace = o->trace;
    st = ex_run_call(&r);
    if (st != STATUS_OK)
        return st;
    client_ok = judge_side(&call, &r, EX_CLIENT, res);
    server_ok = judge_side(&call, &r, EX_SERVER, res);
    if (!client_ok || !server_ok)
        return status_detail_set(&res->why, STATUS_INTERNAL,
                                 "ex_predict's %s frames are not the run's",
                                 !client_ok ? "client's" : "server's");
    return STATUS_OK;
}

static enum status check_ex_h2_frames(const struct scenario *sc,
                                      const struct scenario_options *o,
                                      struct status_detail *why)
{
    if (call_messages(sc, o) > EX_MAX_MSGS)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s sends at most %d messages", sc->name,
                                 EX_MAX_MSGS);
    return STATUS_OK;
}

/* The run ended OK: your prediction matched both sides. */
static int predicted(const struct scenario_progress *p)
{
    return p->result != NULL && p->result->status == STATUS_OK;
}

/* The goals of `duplex step ex-h2-frames`. */
static const struct scenario_challenge ex_challenges[] = {
    {"predicted",
     "run the echo call to its end; it ends OK when ex_predict said both "
     "sides' frames",
     0, predicted},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_exercise = {
    .name = "ex-h2-frames",
    .summary = "the h2-frames exercise: an echo call on the h2 wire, and "
               "ex_predict's frames judged against it",
    .default_messages = 2,
    .expected = SCENARIO_EXIT_OK,
    .body = run_ex_h2_frames,
    .check = check_ex_h2_frames,
    .challenges = ex_challenges,
};

/*
 * challenge: checks over a run's events (see challenge.h).
 *
 * Design
 *   Linear scans of the events shown so far: a run has at most
 *   TRACE_MAX_EVENTS, and a check runs once per decision shown.
 */
#include "scenarios/challenge.h"

#include <string.h>

/* 1 when e was recorded by a thread whose name starts with who. */
static int by(const struct trace_event *e, const char *who)
{
    return who == NULL || strncmp(e->thread, who, strlen(who)) == 0;
}

long challenge_find(const struct scenario_progress *p, size_t from,
                    enum trace_kind kind, const char *who)
{
    size_t i = 0;

    for (i = from; i < p->nevents; i++) {
        const struct trace_event *e = trace_event_at(p->trace, i);

        if (e->kind == kind && by(e, who))
            return (long)i;
    }
    return -1;
}

size_t challenge_count(const struct scenario_progress *p, enum trace_kind kind,
                       const char *who)
{
    size_t n = 0;
    long i = -1;

    while ((i = challenge_find(p, (size_t)(i + 1), kind, who)) >= 0)
        n++;
    return n;
}

int challenge_before(long a, long b)
{
    return a >= 0 && (b < 0 || a < b);
}

int challenge_deadlocked(const struct scenario_progress *p)
{
    size_t i = 0;

    if (p->result != NULL && p->result->simulated && p->result->sim.deadlocked)
        return 1;
    for (i = 0; i < p->nevents; i++)
        if (trace_event_at(p->trace, i)->status == STATUS_DEADLOCK)
            return 1;
    return 0;
}

int challenge_closed_before_first_read(const struct scenario_progress *p)
{
    return challenge_before(challenge_find(p, 0, TRACE_CLOSE_SEND, NULL),
                            challenge_find(p, 0, TRACE_RECV, "server"));
}

/*
 * challenge: the checks the scenarios' challenges are made of (see struct
 * scenario_challenge in scenario.h), over the events a run has shown so
 * far.
 *
 * Design
 *   A challenge must be monotone: once reached, it stays reached as more
 *   events happen and when the run ends, so `duplex step` can search for
 *   the decision that reached it. The checks here keep that: each asks
 *   whether some event, or some order of events, has happened (never that
 *   one has not, except before another that has), or looks at the result
 *   only once the run is over.
 */
#ifndef CHALLENGE_H
#define CHALLENGE_H

#include <stddef.h>

#include "core/trace.h"
#include "scenarios/scenario.h"

/*
 * The first of p's events at index from or later, of kind, recorded by a
 * thread whose name starts with who (NULL: any thread); -1 when none.
 */
long challenge_find(const struct scenario_progress *p, size_t from,
                    enum trace_kind kind, const char *who);

/* How many of p's events are of kind, by a thread whose name starts so. */
size_t challenge_count(const struct scenario_progress *p, enum trace_kind kind,
                       const char *who);

/* 1 when event a happened and event b had not before it (b may be -1). */
int challenge_before(long a, long b);

/*
 * The run has deadlocked: an event says so (the waiters woken with
 * STATUS_DEADLOCK), or the ended run found one.
 */
int challenge_deadlocked(const struct scenario_progress *p);

/*
 * The client half-closed before the server read its first message
 * (echo-like scenarios: the half-close overtakes nothing, every message
 * still arrives before the EOF).
 */
int challenge_closed_before_first_read(const struct scenario_progress *p);

#endif /* CHALLENGE_H */

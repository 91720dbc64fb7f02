/*
 * timeline: a trace drawn as two lanes, client | server.
 *
 *      t(us)  client                              | server
 *     ------  ------------------------------------+-----------------------
 *         12  send SEND 0|5 "hello"               |
 *         20                                      | RECV 0|5 "hello"
 *         31  [main] the call is over
 *
 * Design
 *   A lane is chosen by the recording thread's name: names starting with
 *   "client" go left, names starting with "server" go right, anything else
 *   spans both (for example "main"). Within a lane, the part of the name
 *   after "client/" says which thread it was ("send", "recv"). The time
 *   column is microseconds since the trace began, or in SIM mode the
 *   simulator's step, so the same seed prints the same timeline.
 */
#ifndef VIEW_TIMELINE_H
#define VIEW_TIMELINE_H

#include <stddef.h>
#include <stdio.h>

#include "core/trace.h"

/*
 * Prints the two-lane timeline of every event t kept to out, then, when
 * events were dropped, how many. Paints each event with ANSI colours when
 * colour is non-zero. A NULL t prints nothing. Call it after every thread
 * that records into t has been joined (see trace_length).
 */
void timeline_print(const struct trace *t, FILE *out, int colour);

/* How to draw a timeline (timeline_print_with). */
struct timeline_options {
    int colour; /* paint with ANSI colours */
    /*
     * A column "dec" after the time: the decisions the simulated run had
     * made when the event was recorded (trace_event.decisions), which is
     * the number of the next decision. A replay string's "k:t" changes
     * what happens from the first event marked k on. Meant for SIM mode
     * (elsewhere every event reads 0).
     */
    int decisions;
};

/* timeline_print with options (o->colour, o->decisions). */
void timeline_print_with(const struct trace *t, FILE *out,
                         const struct timeline_options *o);

/* Parts of it, for a view that draws a run a piece at a time (step). */

/* The column titles and the rule under them. t not NULL. */
void timeline_print_header(const struct trace *t, FILE *out,
                           const struct timeline_options *o);

/*
 * The lines of events from .. to - 1 (to is cut to trace_length). t not
 * NULL. In SIM mode this may be called from a strategy's choose (see
 * trace_length).
 */
void timeline_print_events(const struct trace *t, size_t from, size_t to,
                           FILE *out, const struct timeline_options *o);

#endif /* VIEW_TIMELINE_H */

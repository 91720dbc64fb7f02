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

#include <stdio.h>

#include "core/trace.h"

/*
 * Prints the two-lane timeline of every event t kept to out, then, when
 * events were dropped, how many. Paints each event with ANSI colours when
 * colour is non-zero. A NULL t prints nothing. Call it after every thread
 * that records into t has been joined (see trace_length).
 */
void timeline_print(const struct trace *t, FILE *out, int colour);

#endif /* VIEW_TIMELINE_H */

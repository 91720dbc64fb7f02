/*
 * svg: a trace drawn as a picture, an SVG sequence diagram (see
 * lesson/pictures/ for some: `duplex run echo --svg echo.svg`).
 *
 * At the top, the caption: the command, what it shows, how it was
 * scheduled, how it ended; then a legend. Below, time runs down and
 * there is one lifeline per thread, client threads on the left and
 * server threads on the right, with the two pipes of the call (c2s, s2c)
 * between them. Each frame is an arrow from its send to the recv that read it,
 * labelled with its flag, length and payload preview; a thread's wait for a
 * full or empty pipe is a bar from its BLOCK to its WAKE; CloseSend and FINISH
 * are dashed arrows to the EOF they cause; CANCEL is a red line across
 * the picture. What went wrong is red: a torn frame (a recv that read
 * bytes no send wrote as one frame), a wait the simulator ended with
 * DEADLOCK, each thread its deadlock report names, and the report itself.
 *
 * Design
 *   One row per event, in the order the trace kept them, with its time at
 *   the left: in SIM mode the simulator's step, so the same seed draws
 *   the same picture byte for byte (golden pictures work); in OS mode
 *   microseconds. Rows keep the picture readable however close two
 *   events are in time, and match the rows of the timeline (view/
 *   timeline.h) one to one. A deadlock adds a row for each waiting thread
 *   the report names, just before the simulator woke them.
 *
 *   Which RECV read which SEND, and which EOF came of which CloseSend or
 *   FINISH, view/sequence.h decides: exactly, for one stream. A RECV no
 *   SEND wrote is a torn frame; a SEND no RECV read is an arrow that ends
 *   in its pipe (still buffered, or dropped by a cancel).
 *
 *   The output is ASCII only, every text in it escaped (view/svg_text.h),
 *   so any payload makes well-formed XML. Marks are paths, not glyphs, so
 *   they need no font. Coordinates are whole pixels: no floating point,
 *   no locale.
 *
 *   A picture draws the first SVG_MAX_EVENTS events; it says how many
 *   more the trace kept, and how many it dropped.
 */
#ifndef VIEW_SVG_H
#define VIEW_SVG_H

#include <stdio.h>

#include "core/status.h"
#include "core/trace.h"

/* Events a picture draws (a row each); the rest are counted in it. */
#define SVG_MAX_EVENTS 1000

/* What the picture says about the run, besides its trace. */
struct svg_caption {
    const char *title;   /* the first line: the command, "duplex run echo" */
    const char *summary; /* what the run shows, or NULL */
    const char *mode;    /* how it was scheduled: "simulated with seed 1",
                            or NULL */
    const char *outcome; /* how it ended: "result: OK (exit 0)", or NULL */
    int failed;          /* the outcome is drawn red, not green */
    const char *report;  /* the simulator's deadlock or livelock report
                            (sched_sim_result.report), or NULL or "" */
};

/*
 * Writes the picture of t (see above) to out as one SVG document, with
 * the caption's lines as its title. A NULL t draws no events. Call it
 * after every thread that records into t has been joined (see
 * trace_length). Write errors are left in out's error flag: check
 * ferror(out) or fclose's result.
 * Returns one of:
 *   STATUS_OK                  the picture was written
 *   STATUS_RESOURCE_EXHAUSTED  no memory for its layout; nothing written
 * Thread-safe: it reads t and cap and keeps nothing.
 */
enum status svg_write(FILE *out, const struct trace *t,
                      const struct svg_caption *cap);

#endif /* VIEW_SVG_H */

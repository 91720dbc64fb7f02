/*
 * step_show: how `duplex step` draws a run at a decision, on a terminal
 * or as plain lines.
 *
 * Design
 *   Two ways, one content: the timeline so far (with its decision column,
 *   see view/timeline.h), the threads and what each is about to do, and
 *   the seed's choice.
 *     terminal  the screen is cleared and drawn again at every decision,
 *               in colour: the last events that fit, then the threads.
 *     plain     (output to a file or a pipe, NO_COLOR, TERM=dumb) lines
 *               are only ever added: the events since the last decision,
 *               then the threads, so a script of keys gives a transcript
 *               a test can read.
 */
#ifndef STEP_SHOW_H
#define STEP_SHOW_H

#include <stddef.h>
#include <stdio.h>

#include "app/step.h"

struct step_screen {
    FILE *out;
    int tty;      /* a terminal: redraw, in colour */
    int rows;     /* its height */
    size_t shown; /* plain: the events printed so far */
};

/* Sets s up to draw on out; tty as above. */
void step_screen_init(struct step_screen *s, FILE *out, int tty);

/*
 * Draws the run at its next decision: on a terminal the whole screen,
 * head first (the title and the goals, several lines); plain, the events
 * since the last call. Then notice (may be "") and the threads.
 */
void step_show_decision(struct step_screen *s, const struct step *st,
                        const char *head, const char *notice);

/*
 * The run has ended: plain, the events not printed yet; on a terminal,
 * the whole timeline, after head. Then notice (may be "").
 */
void step_show_end(struct step_screen *s, const struct step *st,
                   const char *head, const char *notice);

/* After an undo: the events past the view's are gone (plain). */
void step_screen_undone(struct step_screen *s, const struct step_view *v);

/* Paints text with code on a terminal: code, or "" (for printf). */
const char *step_paint(const struct step_screen *s, const char *code);

#endif /* STEP_SHOW_H */

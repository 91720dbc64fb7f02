/*
 * step_picture: `duplex step --svg FILE`, the picture of the path taken.
 *
 * Design
 *   The file is opened before the session's first decision, so a file
 *   that cannot be written is said at once (exit 1, as `duplex run
 *   --svg` says it), before any key is asked for. The picture is drawn
 *   when the session ends, by the end of the run or by q, from the run
 *   the session's replay string replays: the choices made, then the
 *   seed's (step.h: the stepper's trace holds the whole run). So
 *   `duplex run ... --replay STRING --svg FILE` draws the same events.
 *   The caption's first line is the command without --svg and its file;
 *   the next ones say how many decisions were the learner's and how the
 *   run ended (view/svg.h draws it).
 */
#ifndef STEP_PICTURE_H
#define STEP_PICTURE_H

#include <stdio.h>

#include "app/cli_command.h"
#include "app/step.h"

/* Room for the caption's first line: the command. */
#define STEP_PICTURE_TITLE_MAX 512

/* --svg's file, open until step_picture_draw. */
struct step_picture {
    const char *path; /* --svg's file, "-" for stdout, or NULL: none */
    FILE *out;
    char title[STEP_PICTURE_TITLE_MAX];
};

/*
 * Opens p->path, if any, for writing, and makes the title from argv (the
 * command line) without --svg and its file.
 * Returns 0, or 1 after saying on c->err why the file cannot be written.
 */
int step_picture_open(struct cli *c, struct step_picture *p, int argc,
                      char **argv);

/*
 * Draws the run of st (see Design) into p's file and closes it (not
 * stdout): summary is what the scenario's variant shows, answered how
 * many decisions were the learner's, code the exit code the session
 * ends with (the caption says the run's own). A p with no file is a
 * no-op.
 * Returns code, or 1 after saying on c->err that the picture could not be
 * written.
 */
int step_picture_draw(struct cli *c, struct step_picture *p,
                      const char *summary, const struct step *st, int answered,
                      int code);

#endif /* STEP_PICTURE_H */

/*
 * recall: the lessons' active-recall cards, drilled with Leitner boxes.
 *
 * Every lesson page (lesson/day-*.md) ends with an "## Active Recall"
 * section of cards, each a question, its answer and the test that proves
 * the answer true:
 *
 *   ### Q: What does the server's stream_recv return after CloseSend?
 *   A: Every message the client sent before the half-close, in order,
 *   and then STATUS_EOF, every time it is called again.
 *   Proof: `test_stream_recv_after_close_send` in `tests/test_stream.c`
 *
 * The lessons are the only copy of the cards. What duplex keeps is each
 * card's progress: its Leitner box and the day it is due again.
 *
 * Design
 *   This header is recall's public face: it includes its parts, in
 *   src/app/recall/, each reading only what the ones before it made:
 *     boxes.h  Leitner boxes, grades, and the days they count in;
 *     cards.h  lessons -> deck: the cards, read from the lesson pages;
 *     state.h  state file -> state: each card's progress, and its file;
 *     plan.h   deck + state -> plan: today's cards, in order;
 *     show.h   how cards and progress are printed (--list, the drill);
 *     drill.h  plan -> drill: question, Enter, answer and proof, grade,
 *              save.
 *   recall_command below puts them together for `duplex recall`.
 *   Problems in the lessons or the state file are reported line by line
 *   ("FILE:LINE: ...") and skipped, so one typo never hides the rest of the
 *   cards or loses a learner's progress. Only what stops everything (no
 *   lesson directory, a state file that cannot be read or written) is a
 *   failing status.
 *
 * Running out of memory aborts (with a message): there is nothing a
 * learner could do about it mid-drill, and it keeps every other path
 * testable. Reading the state file is the exception: a file too big for
 * memory is a failing status, and the file is left as it is. Nothing here
 * is shared between threads; the one global is the terminal a signal
 * handler puts back.
 */
#ifndef RECALL_H
#define RECALL_H

#include "app/recall/boxes.h"
#include "app/recall/cards.h"
#include "app/recall/drill.h"
#include "app/recall/plan.h"
#include "app/recall/show.h"
#include "app/recall/state.h"
#include "core/status.h"

/* The recall command's choices: `duplex recall [options]`. */
struct recall_options {
    const char *lessons; /* directory of lesson pages; NULL: "lesson" */
    int list;            /* print every card instead of drilling */
    struct recall_plan_options plan;
    size_t new_per_day; /* a drill's new cards a day (recall_plan_cap) */
    long day;           /* drill day's pages of lessons alone; -1: all */
    const char *page;   /* drill this lesson page alone; NULL: lessons */
};

/*
 * The whole `duplex recall` command: finds today and the state file,
 * loads the lessons (all of o->lessons, o->day's pages, or o->page) and
 * the state (problems in them go to io->err), then lists the cards or
 * drills today's session, at most o->new_per_day new cards a day.
 * Returns STATUS_OK, or the first failure of recall_today,
 * recall_state_path, recall_deck_load (_day, _page), recall_state_load,
 * recall_state_prepare or recall_drill, with the reason in why.
 */
enum status recall_command(const struct recall_options *o,
                           const struct recall_io *io,
                           struct status_detail *why);

#endif /* RECALL_H */

/*
 * drill: the terminal drill, one card at a time: its question, Enter, its
 * answer and proof, a grade, saved at once.
 *
 * Design
 *   Keys. On a terminal the drill switches off line editing and echo, so
 *   a single key grades (and prints its own echo: the same transcript as
 *   a scripted run). ISIG is off too, so Ctrl-C arrives as a key and quits
 *   through the same path as q. A signal sent from outside (SIGTERM from
 *   kill, SIGHUP from a closed terminal window) cannot take that path: a
 *   handler puts the terminal back and lets the signal end the process.
 *   When in is not a terminal, each line is one key, so a script can
 *   drive the drill.
 */
#ifndef RECALL_DRILL_H
#define RECALL_DRILL_H

#include <stdint.h>

#include "app/recall/cards.h"
#include "app/recall/plan.h"
#include "app/recall/show.h"
#include "app/recall/state.h"
#include "core/status.h"

/*
 * Drills the cards of plan: shows each question, waits for Enter, shows
 * the answer and its proof, asks for a grade and saves s to path after
 * every grade (saying so on io->out when the save kept a .bak). q (or
 * Ctrl-C, Ctrl-D on a terminal) quits; the end of input stops the same
 * way. What was graded is saved either way. Blocks reading io->in. A
 * terminal is put in non-canonical mode without echo for the drill and
 * always restored: also when SIGHUP, SIGINT, SIGQUIT or SIGTERM ends the
 * process mid-drill (a handler puts the terminal back, then the signal
 * does what it would have done; one that is ignored stays ignored). One
 * that comes while a grade is being saved waits for the save to end.
 * Returns one of:
 *   STATUS_OK     the session ended (all cards done, quit, or end of input)
 *   what recall_state_save returns, when a save fails (the drill stops)
 *   STATUS_UNAVAILABLE  reading io->in failed
 */
enum status recall_drill(const struct recall_deck *deck, struct recall_state *s,
                         const char *path, const struct recall_plan *plan,
                         int64_t today, const struct recall_io *io,
                         struct status_detail *why);

#endif /* RECALL_DRILL_H */

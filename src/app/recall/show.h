/*
 * show: how recall prints cards and their progress, for the drill and for
 * `duplex recall --list`.
 *
 * Design
 *   Where recall talks is one struct, recall_io: the drill reads keys from
 *   in, and everything is printed on out, coloured only when colour is
 *   set. Questions and answers are wrapped at 76 columns, their later
 *   lines indented under the first.
 */
#ifndef RECALL_SHOW_H
#define RECALL_SHOW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "app/recall/cards.h"
#include "app/recall/plan.h"
#include "app/recall/state.h"

/*
 * Where the recall command talks. It reads keys from in; when in is a
 * terminal it reads one key at a time (no Enter needed for a grade),
 * otherwise one line per key, so a script can drive it.
 */
struct recall_io {
    FILE *in, *out, *err;
    int colour; /* out is a terminal that wants colour */
};

/* code (an ANSI escape) when io wants colour, else "". */
const char *recall_paint(const struct recall_io *io, const char *code);

/*
 * Prints text from column indent on, wrapped at 76 columns, its later
 * lines indented to the same column. No newline at the end.
 */
void recall_print_wrapped(FILE *out, size_t indent, const char *text);

/* Writes "box 2, due 3 days ago" to buf, or "new" when e is NULL. */
void recall_describe_entry(const struct recall_entry *e, int64_t today,
                           char *buf, size_t size);

/*
 * Prints when the next cards of deck are due, and how many: "next: 3
 * cards due tomorrow (day 20001)". New cards are due today while the cap
 * of plan p (recall_plan_cap; p NULL: none) leaves room, then as many a
 * day as it allows.
 */
void recall_print_next(const struct recall_deck *deck,
                       const struct recall_state *s, int64_t today,
                       const struct recall_plan *p, FILE *out);

/*
 * Prints every card of deck, in the lessons' order, with its box, the day
 * it is due and its proof.
 */
void recall_list(const struct recall_deck *deck, const struct recall_state *s,
                 int64_t today, const struct recall_io *io);

#endif /* RECALL_SHOW_H */

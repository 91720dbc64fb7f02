/*
 * boxes: the Leitner boxes a card moves through, the grades that move it,
 * and the days they count in.
 *
 * Design
 *   Leitner boxes. A card is in box 1..5 and comes back after 1, 2, 4, 8
 *   or 16 days. Grading moves it: again to box 1, hard stays, good one box
 *   up, easy two boxes up (never past 5). A new card grades as if it were
 *   in box 1.
 *
 *   Days. A day is a whole number of days since 1970-01-01 in local time.
 *   Today comes from the clock, or from $DUPLEX_TODAY (a day number) so
 *   that tests and demos can travel in time.
 */
#ifndef RECALL_BOXES_H
#define RECALL_BOXES_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define RECALL_BOX_MIN 1
#define RECALL_BOX_MAX 5

/* The last day number accepted (a day in the year 275,000 or so). */
#define RECALL_DAY_MAX INT64_C(100000000)

enum recall_grade { RECALL_AGAIN, RECALL_HARD, RECALL_GOOD, RECALL_EASY };

/* Days until a card in box comes back: 1, 2, 4, 8, 16 (box is clamped). */
int recall_box_days(int box);

/*
 * The box a card in box moves to when graded g: again 1, hard box, good
 * box + 1, easy box + 2, at most RECALL_BOX_MAX. A new card is box 1. A
 * box outside 1..RECALL_BOX_MAX counts as the nearest one.
 */
int recall_box_after(int box, enum recall_grade g);

/* "again", "hard", "good" or "easy"; "?" for a value that is none. */
const char *recall_grade_name(enum recall_grade g);

/*
 * Reads a grade typed by the learner: a, h, g, e; 1, 2, 3, 4; or the
 * whole word, in any case, with blanks around it.
 * Returns one of:
 *   STATUS_OK                *out_grade is set
 *   STATUS_INVALID_ARGUMENT  text is none of those (*out_grade untouched)
 */
enum status recall_grade_parse(const char *text, enum recall_grade *out_grade);

/*
 * Today's day number: $DUPLEX_TODAY when set, else the local date.
 * Returns one of:
 *   STATUS_OK                *out_day is set
 *   STATUS_INVALID_ARGUMENT  $DUPLEX_TODAY is not 0..RECALL_DAY_MAX
 *   STATUS_UNAVAILABLE       the clock cannot be read
 * with the reason in why.
 */
enum status recall_today(int64_t *out_day, struct status_detail *why);

/* Writes day's date as "YYYY-MM-DD" to buf (11 bytes at least). */
void recall_day_date(int64_t day, char *buf, size_t size);

#endif /* RECALL_BOXES_H */

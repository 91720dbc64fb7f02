/*
 * plan: which cards a session drills, and in what order.
 *
 * Design
 *   Order. A session holds the cards due today or earlier, most overdue
 *   first, then lower box first, then the new cards. Ties keep the
 *   lessons' order (file name, then line) unless a seed is given, which
 *   shuffles them the same way every time.
 *
 *   New cards a day. A capped plan holds at most new_per_day new cards a
 *   day, less the cards already first graded today (recall_state_new_on,
 *   by any drill, of any page): so the first day is not every card at
 *   once, and running the drill again the same day brings no more new
 *   ones. The cards held back come on the next days, in the same order.
 *   The count is the state's, so a drill that runs beside another sees
 *   its new cards after each save (recall_drill checks again).
 */
#ifndef RECALL_PLAN_H
#define RECALL_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "app/recall/cards.h"
#include "app/recall/state.h"

/* The new cards a day when nothing says otherwise (Anki's is 20). */
#define RECALL_NEW_PER_DAY 10

/* How to choose a session. */
struct recall_plan_options {
    size_t limit; /* at most this many cards; 0: no limit */
    int seeded;   /* shuffle ties with seed */
    uint64_t seed;
};

/* A session: deck indices in the order they are drilled. */
struct recall_plan {
    size_t *order;
    size_t count;       /* cards in this session (after the limit) */
    size_t due;         /* cards due today or earlier, in the whole deck */
    size_t fresh;       /* cards never graded that the session holds
                           (before the limit): all, unless capped */
    size_t held;        /* cards never graded that the cap left for later */
    size_t later;       /* cards due after today */
    size_t new_today;   /* cards first graded today already (capped) */
    int capped;         /* recall_plan_cap cut it */
    size_t new_per_day; /* capped: at most this many new cards a day */
};

/*
 * Chooses today's session from deck and s (see Order above) and fills
 * *out_plan; free it with recall_plan_free.
 */
void recall_plan_make(const struct recall_deck *deck,
                      const struct recall_state *s, int64_t today,
                      const struct recall_plan_options *o,
                      struct recall_plan *out_plan);

/*
 * Caps plan p, made by recall_plan_make from s on day today, at
 * new_per_day new cards a day (see New cards a day): the new cards past
 * what is left of today's are cut from its end (p->count), counted in
 * p->held instead of p->fresh. 0 leaves the due cards alone.
 */
void recall_plan_cap(struct recall_plan *p, const struct recall_state *s,
                     int64_t today, size_t new_per_day);

/*
 * How many new cards may still be drilled on day today, as s is now, in a
 * session planned as p: SIZE_MAX when p is not capped, else
 * p->new_per_day less recall_state_new_on(s, today) (0 when that many or
 * more were).
 */
size_t recall_plan_new_left(const struct recall_plan *p,
                            const struct recall_state *s, int64_t today);

/* Frees a plan's order and zeroes it. NULL is a no-op. */
void recall_plan_free(struct recall_plan *plan);

#endif /* RECALL_PLAN_H */

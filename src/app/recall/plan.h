/*
 * plan: which cards a session drills, and in what order.
 *
 * Design
 *   Order. A session holds the cards due today or earlier, most overdue
 *   first, then lower box first, then the new cards. Ties keep the
 *   lessons' order (file name, then line) unless a seed is given, which
 *   shuffles them the same way every time.
 */
#ifndef RECALL_PLAN_H
#define RECALL_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "app/recall/cards.h"
#include "app/recall/state.h"

/* How to choose a session. */
struct recall_plan_options {
    size_t limit; /* at most this many cards; 0: no limit */
    int seeded;   /* shuffle ties with seed */
    uint64_t seed;
};

/* A session: deck indices in the order they are drilled. */
struct recall_plan {
    size_t *order;
    size_t count; /* cards in this session (after the limit) */
    size_t due;   /* cards due today or earlier, in the whole deck */
    size_t fresh; /* cards never graded */
    size_t later; /* cards due after today */
};

/*
 * Chooses today's session from deck and s (see Order above) and fills
 * *out_plan; free it with recall_plan_free.
 */
void recall_plan_make(const struct recall_deck *deck,
                      const struct recall_state *s, int64_t today,
                      const struct recall_plan_options *o,
                      struct recall_plan *out_plan);

/* Frees a plan's order and zeroes it. NULL is a no-op. */
void recall_plan_free(struct recall_plan *plan);

#endif /* RECALL_PLAN_H */

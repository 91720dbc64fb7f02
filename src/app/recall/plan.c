/*
 * plan: today's session (see plan.h).
 *
 * Design
 *   Every card not due later gets a key (struct plan_key) and the keys
 *   are sorted; the last part of a key is the card's place in the deck,
 *   so no two keys are equal. A seeded tie-breaker mixes the seed with the
 *   card's id alone, so a card's value does not change when other cards
 *   come and go.
 */
#include "app/recall/plan.h"

#include <stdlib.h>
#include <string.h>

#include "app/recall/support.h"

/* splitmix64's finaliser: a seed and an id mixed into a tie-breaker. */
static uint64_t mix(uint64_t x)
{
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* What orders a card in a session, smallest first. */
struct plan_key {
    int fresh;    /* 0: due, 1: never graded */
    int64_t due;  /* most overdue first */
    int box;      /* then the lower box */
    uint64_t tie; /* then a seeded shuffle (0 without a seed) */
    size_t index; /* then the lessons' order */
};

static int compare_keys(const void *a, const void *b)
{
    const struct plan_key *x = a;
    const struct plan_key *y = b;

    if (x->fresh != y->fresh)
        return x->fresh - y->fresh;
    if (x->due != y->due)
        return x->due < y->due ? -1 : 1;
    if (x->box != y->box)
        return x->box - y->box;
    if (x->tie != y->tie)
        return x->tie < y->tie ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

size_t recall_plan_new_left(const struct recall_plan *p,
                            const struct recall_state *s, int64_t today)
{
    size_t done = 0;

    if (!p->capped)
        return SIZE_MAX;
    done = recall_state_new_on(s, today);
    return done < p->new_per_day ? p->new_per_day - done : 0;
}

void recall_plan_cap(struct recall_plan *p, const struct recall_state *s,
                     int64_t today, size_t new_per_day)
{
    size_t left = 0, due_in = 0, new_in = 0;

    p->capped = 1;
    p->new_per_day = new_per_day;
    p->new_today = recall_state_new_on(s, today);
    left = recall_plan_new_left(p, s, today);
    if (p->fresh > left) {
        p->held += p->fresh - left;
        p->fresh = left;
    }
    /* The new cards sort last: cut the ones past what is left. */
    due_in = p->count < p->due ? p->count : p->due;
    new_in = p->count - due_in;
    if (new_in > left)
        p->count = due_in + left;
}

void recall_plan_make(const struct recall_deck *deck,
                      const struct recall_state *s, int64_t today,
                      const struct recall_plan_options *o,
                      struct recall_plan *out_plan)
{
    struct recall_plan p;
    struct plan_key *keys = recall_must(calloc(deck->count + 1, sizeof *keys));
    size_t n = 0, i = 0;

    memset(&p, 0, sizeof p);
    for (i = 0; i < deck->count; i++) {
        const char *id = deck->cards[i].id;
        const struct recall_entry *e = recall_state_find(s, id);

        if (e != NULL && e->due > today) {
            p.later++;
            continue;
        }
        keys[n].fresh = e == NULL;
        keys[n].due = e != NULL ? e->due : today;
        keys[n].box = e != NULL ? e->box : RECALL_BOX_MIN;
        keys[n].tie = o->seeded ? mix(o->seed ^ recall_hash(id)) : 0;
        keys[n++].index = i;
        if (e != NULL)
            p.due++;
        else
            p.fresh++;
    }
    qsort(keys, n, sizeof *keys, compare_keys);
    p.count = o->limit > 0 && o->limit < n ? o->limit : n;
    p.order = recall_must(calloc(p.count + 1, sizeof *p.order));
    for (i = 0; i < p.count; i++)
        p.order[i] = keys[i].index;
    free(keys);
    *out_plan = p;
}

void recall_plan_free(struct recall_plan *plan)
{
    if (plan == NULL)
        return;
    free(plan->order);
    memset(plan, 0, sizeof *plan);
}

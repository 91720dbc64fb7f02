/*
 * strategy: in order, random and prefix, the three ways a simulated run
 * chooses who runs next.
 *
 * Design
 *   Each strategy is a choose function over its own struct. The random one
 *   counts the runnable threads and takes the n-th, with n from the
 *   generator: one draw per decision, so a seed's run depends only on the
 *   decisions it meets. A prefix draws nothing from the strategy under it
 *   while a forced choice fits, so a replay of a random run would not
 *   match: replay strings are written against in order, and replayed with
 *   it.
 */
#include "core/strategy.h"

#include "core/sched.h"

static int in_order_choose(void *self, uint64_t runnable, int current, size_t k)
{
    (void)self;
    (void)k;
    return strategy_in_order(runnable, current);
}

const struct strategy *strategy_in_order_get(void)
{
    static const struct strategy in_order = {in_order_choose, NULL};

    return &in_order;
}

/* xorshift64*: small, fast, and the same on every machine. */
static uint64_t next_random(struct strategy_random *r)
{
    r->rng ^= r->rng >> 12;
    r->rng ^= r->rng << 25;
    r->rng ^= r->rng >> 27;
    return r->rng * 2685821657736338717ULL;
}

/* The index of the lowest bit set in set (set is not 0). */
static int lowest_bit(uint64_t set)
{
    int i = 0;

    while (!(set >> i & 1))
        i++;
    return i;
}

/* The n-th runnable thread (from 0, lowest first), n drawn uniformly. */
static int random_choose(void *self, uint64_t runnable, int current, size_t k)
{
    struct strategy_random *r = self;
    uint64_t rest = runnable;
    uint64_t count = 0;
    uint64_t n = 0;

    (void)current;
    (void)k;
    for (; rest != 0; rest &= rest - 1) /* each pass clears the lowest bit */
        count++;
    n = next_random(r) % count;
    for (rest = runnable; n > 0; n--)
        rest &= rest - 1;
    return lowest_bit(rest);
}

const struct strategy *strategy_random_init(struct strategy_random *r,
                                            uint64_t seed)
{
    r->base.choose = random_choose;
    r->base.self = r;
    r->rng = seed * 2 + 1; /* xorshift needs a non-zero state */
    return &r->base;
}

/* The forced choice at decision k did not fit; the first one is kept. */
static void note_diverged(struct strategy_prefix *p, size_t k)
{
    if (!p->diverged)
        p->diverged_at = k;
    p->diverged = 1;
}

static int prefix_choose(void *self, uint64_t runnable, int current, size_t k)
{
    struct strategy_prefix *p = self;

    if (k < p->nforced && p->forced[k] >= 0) {
        if (p->forced[k] < SCHED_SIM_MAX_THREADS &&
            (runnable >> p->forced[k] & 1))
            return p->forced[k];
        note_diverged(p, k);
    }
    return p->then->choose(p->then->self, runnable, current, k);
}

const struct strategy *strategy_prefix_init(struct strategy_prefix *p,
                                            const int8_t *forced,
                                            size_t nforced,
                                            const struct strategy *then)
{
    p->base.choose = prefix_choose;
    p->base.self = p;
    p->forced = forced;
    p->nforced = nforced;
    p->then = then;
    p->diverged = 0;
    p->diverged_at = 0;
    return &p->base;
}

void strategy_prefix_end(struct strategy_prefix *p, size_t ndecisions)
{
    size_t k = 0;

    for (k = ndecisions; k < p->nforced; k++)
        if (p->forced[k] >= 0) {
            note_diverged(p, k);
            return;
        }
}

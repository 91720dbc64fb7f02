/* hub: a fan-out server that survives a bad client. See README.md. */
#ifndef EX_HUB_H
#define EX_HUB_H

#include <stddef.h>

#include "core/context.h"
#include "core/sched.h"
#include "core/stream.h"

#define EX_HUB_MAX 8      /* clients at most */
#define EX_HUB_TEXT 24    /* a message's bytes at most */
#define EX_HUB_OUTBOX 4   /* messages queued for one client at most */
#define EX_HUB_SLOW_MS 50 /* how long the hub waits for room in an outbox */

/* What the hub did, for the tests. */
struct ex_hub_stats {
    int dropped; /* clients dropped: their outbox stayed full */
    int left;    /* clients forgotten: their stream ended, not with EOF */
};

/*
 * The threads the hub starts, counted: start and join every one of yours
 * with these, so that the tests can see that each was joined before
 * ex_hub_serve returned. (The tests define the two counters.)
 */
extern int ex_hub_started, ex_hub_joined;

static inline enum status ex_hub_thread_start(struct sched_thread *t,
                                              const char *name, sched_fn fn,
                                              void *arg)
{
    enum status st = sched_thread_start(t, name, fn, arg);

    ex_hub_started += st == STATUS_OK;
    return st;
}

static inline enum status ex_hub_thread_join(struct sched_thread *t)
{
    enum status st = sched_thread_join(t);

    ex_hub_joined++;
    return st;
}

/*
 * Serves n clients (1 <= n <= EX_HUB_MAX), client i on the server end of
 * streams[i], until every client's stream has ended: every message a
 * client sends (at most EX_HUB_TEXT bytes) goes to every other client,
 * each sender's messages in order.
 *
 * One client must never hold up the others. Each client has an outbox of
 * EX_HUB_OUTBOX messages and a thread of its own that sends them; the hub
 * only queues. When a client's outbox stays full for EX_HUB_SLOW_MS, the
 * hub drops that client: its call ends with STATUS_RESOURCE_EXHAUSTED
 * (cancel its context with that status), and stats->dropped counts it.
 * When a client's stream ends otherwise than with EOF (it cancelled), the
 * hub forgets it, and stats->left counts it. A client dropped or forgotten
 * is sent nothing more, its messages still queued are not passed on, and
 * every other client is sent "cK left" (K: its number, from 1) once.
 *
 * When every client's stream has ended, the hub sends each client it
 * still serves what is left in its outbox, then ends its call with OK
 * (stream_finish). It joins every thread it started (ex_hub_thread_start
 * and ex_hub_thread_join) before it returns.
 * Returns one of:
 *   STATUS_OK                  served until the end
 *   STATUS_RESOURCE_EXHAUSTED  no memory or no thread (every stream is
 *                              cancelled, and every thread started joined)
 */
enum status ex_hub_serve(struct stream *const *streams, int n,
                         struct ex_hub_stats *stats);

#endif /* EX_HUB_H */

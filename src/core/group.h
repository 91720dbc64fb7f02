/*
 * group: errgroup for threads. Run tasks, wait for all, get the first error.
 *
 * The contract, after golang.org/x/sync/errgroup:
 *   - group_go starts a task on its own thread. A task returns STATUS_OK or
 *     an error (any other status, EOF included: a task that treats EOF as
 *     normal returns OK).
 *   - The first task to fail cancels the group's context, so tasks blocked
 *     in a stream created under it wake with STATUS_CANCELLED.
 *   - group_wait joins every task and returns the first error. A sibling's
 *     CANCELLED, caused by that first error, never replaces it.
 *
 * A NULL handle (the object a function works on, or an out-parameter) is a
 * programmer's mistake: every function here asserts against it. Only the
 * destroy function takes NULL, as a no-op.
 */
#ifndef GROUP_H
#define GROUP_H

#include "core/context.h"
#include "core/sched.h"
#include "core/status.h"

struct group;

/* A task: returns its outcome; may explain a failure in *why. */
typedef enum status (*group_fn)(void *arg, struct status_detail *why);

struct group_task {
    struct group *group;
    group_fn fn;
    void *arg;
    struct status_detail why;
    struct sched_thread thread;
    struct group_task *next;
};

/* Locking: mu guards first and tasks. It is taken before the context's. */
struct group {
    struct context *ctx; /* cancelled by the first error */
    struct sched_mutex mu;
    enum status first; /* STATUS_OK until a task fails */
    struct status_detail first_why;
    struct group_task *tasks; /* newest first */
};

/*
 * Creates a group whose context is a child of parent (may be NULL).
 * Returns STATUS_OK, or STATUS_RESOURCE_EXHAUSTED (out of memory).
 */
enum status group_create(struct context *parent, struct group **out);

/* The group's context: create streams under it. */
struct context *group_context(struct group *g);

/*
 * Starts fn(arg, why) on a thread named name.
 * Returns one of:
 *   STATUS_OK                  started
 *   STATUS_RESOURCE_EXHAUSTED  no memory or no thread; counts as the
 *                              group's error (the context is cancelled)
 * Call it from the thread that will call group_wait (not from a task).
 */
enum status group_go(struct group *g, const char *name, group_fn fn, void *arg);

/*
 * Joins every task started so far, then returns the first error
 * (STATUS_OK if none) and its words in why (may be NULL).
 */
enum status group_wait(struct group *g, struct status_detail *why);

/*
 * Frees g and its context. NULL is a no-op. Call group_wait first (a task
 * not waited for is an assert), and destroy every stream and context made
 * under group_context(g) first too: the group's context must have no
 * children left (assert).
 */
void group_destroy(struct group *g);

#endif /* GROUP_H */

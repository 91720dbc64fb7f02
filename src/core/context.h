/*
 * context: cancellation and deadlines, after Go's context package.
 *
 * A context is either live or done. It becomes done exactly once: when
 * somebody cancels it, when its parent becomes done, or when its deadline
 * passes. The first reason wins and sticks, as in Go ("context canceled",
 * "context deadline exceeded"). A deadline that has passed is the first
 * reason even if nobody has noticed it yet: a cancel that comes after it,
 * from any path, finds the context done with DEADLINE_EXCEEDED, as it would
 * in Go, where a timer ends the context at its deadline.
 *
 * Design
 *   - Contexts form a tree. Cancelling a context cancels all its children,
 *     with the same reason, before context_cancel returns.
 *   - A watch is a function the context calls once, when it becomes done
 *     (Go's context.AfterFunc). A stream registers one that aborts both of
 *     its pipes: that is how a cancel wakes every send and recv blocked on
 *     the stream, on both sides.
 *   - Deadlines are checked where time matters: context_err() notices a
 *     passed deadline and cancels then; context_wait() sleeps until it; a
 *     stream also gives the deadline to its pipes, so a send or recv blocked
 *     on a pipe wakes up at the deadline by itself. No timer thread runs.
 *     A child's deadline is never later than its parent's.
 *   - A context can carry a trace (a value, like a tracer in a Go
 *     context's values): a child inherits its parent's when it is created,
 *     a root the background's (Go's context.Background(), the parent that
 *     NULL stands for), and a stream created under it records into it when
 *     its options name no trace. So a harness can trace a call that code
 *     it does not control creates, under a context the harness gave it or
 *     under a root.
 *   - So that nobody can tell that no timer runs, every function that looks
 *     at a context or ends it (context_cancel, a parent's cancel reaching a
 *     child, context_err, context_wait, context_watch) first ends it with
 *     DEADLINE_EXCEEDED if its deadline has passed. Only the fields
 *     themselves may still say "live" until then.
 *
 * Locking
 *   Each context has its own mu. Locks are taken parent first, then child,
 *   then whatever a watch function takes (a stream's watch takes its
 *   stream's lock, then pipe locks, one at a time). A watch function must not
 *   touch any context. Nothing takes these locks in the other order.
 *
 * A NULL handle (the object a function works on, or an out-parameter) is a
 * programmer's mistake: every function here asserts against it. Only the
 * destroy function takes NULL, as a no-op, and the two trace functions,
 * where NULL is the background, as a parent NULL is in context_create.
 */
#ifndef CONTEXT_H
#define CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "core/sched.h"
#include "core/status.h"

struct trace;

/* A context lives on the heap (context_create); its fields are in context.c. */
struct context;

/* A function to call once when a context becomes done. See context_watch. */
struct context_watch {
    void (*fn)(void *arg, enum status reason, const char *text);
    void *arg;
    struct context_watch *next; /* owned by the context while registered */
};

/*
 * Creates a context under parent (NULL: a root that is never cancelled by
 * anyone else). It inherits the parent's deadline, and is done at once if
 * the parent is (a parent whose deadline has passed hands the child that
 * deadline, so the child reads as done too).
 * Returns one of:
 *   STATUS_OK                  *out is the new context
 *   STATUS_RESOURCE_EXHAUSTED  out of memory; *out untouched
 * Thread-safe with respect to the parent.
 */
enum status context_create(struct context *parent, struct context **out);

/*
 * Like context_create, with a deadline (absolute sched_now_ns() time). The
 * effective deadline is the earlier of this one and the parent's.
 */
enum status context_create_with_deadline(struct context *parent,
                                         int64_t deadline_ns,
                                         struct context **out);

/*
 * Frees c. NULL is a no-op. c must have no children and no watches left,
 * and no thread may be waiting on it (an assert checks the first two).
 */
void context_destroy(struct context *c);

/* The bytes of a struct context, like pipe_struct_size(). Never blocks. */
size_t context_struct_size(void);

/*
 * Makes c done with reason and text (may be NULL: then Go's wording for
 * CANCELLED and DEADLINE_EXCEEDED, else the status name). reason must be
 * a gRPC error code (1..16) or STATUS_DEADLOCK, never OK, EOF or CLOSED
 * (assert).
 * Cancels every child with the same reason (a child whose own, earlier
 * deadline has passed ends with DEADLINE_EXCEEDED instead), runs every watch
 * once, wakes every context_wait. Does nothing if c is already done. If c's
 * deadline has passed, c was done first by its deadline: it ends (if
 * nobody had noticed yet) with DEADLINE_EXCEEDED, not with reason.
 * Returns 1 if this call made c done with reason, 0 if it already was done
 * (its deadline included). Thread-safe.
 */
int context_cancel(struct context *c, enum status reason, const char *text);

/*
 * Returns STATUS_OK while c is live, else the reason it is done. Notices a
 * passed deadline (and cancels c with STATUS_DEADLINE_EXCEEDED). When why is
 * not NULL and c is done, copies the reason's text there. Thread-safe.
 */
enum status context_err(struct context *c, struct status_detail *why);

/*
 * Blocks until c is done (cancelled, parent done, or deadline passed), like
 * `<-ctx.Done()`; returns at once if it is, or if its deadline has passed.
 * Returns the reason. Thread-safe.
 */
enum status context_wait(struct context *c);

/*
 * Sets the trace that c carries (NULL: none) for the children created
 * under c from now on; c NULL: the background's, which every root created
 * from now on inherits (a harness sets it around one run and puts NULL
 * back). Children already created keep theirs. Never blocks. Thread-safe.
 */
void context_set_trace(struct context *c, struct trace *t);

/*
 * The trace c carries, or NULL; c NULL: the background's (what a root
 * created now inherits). Never blocks. Thread-safe.
 */
struct trace *context_trace(struct context *c);

/* c's effective deadline, or SCHED_NO_DEADLINE. */
int64_t context_deadline(struct context *c);

/*
 * Registers w: w->fn(w->arg, reason, text) will run once when c becomes
 * done, on the thread that cancels it. If c is already done, or its deadline
 * has passed (then this call ends c, running the other watches), nothing is
 * registered and the reason is returned; else STATUS_OK. w must stay alive
 * until context_unwatch or until it has run. Thread-safe.
 */
enum status context_watch(struct context *c, struct context_watch *w);

/* Removes w if still registered. Thread-safe. */
void context_unwatch(struct context *c, struct context_watch *w);

/*
 * What context_get_info reports: c's place in its tree and what it holds,
 * for tests, lessons, and a check before context_destroy (which wants no
 * children and no watches).
 */
struct context_info {
    struct context *parent; /* as given at creation; NULL for a root */
    size_t children;        /* children created and not yet destroyed */
    size_t watches;         /* registered, and not yet run nor removed */
    enum status err;        /* the reason as recorded: STATUS_OK until
                               something ends c, even past its deadline
                               while nobody has looked (no timer runs: see
                               Design). Callers want context_err, which
                               notices the deadline. */
};

/*
 * A snapshot of c (see struct context_info). Takes c's lock, briefly; it
 * notices nothing, so a passed deadline stays unnoticed. Thread-safe.
 */
struct context_info context_get_info(struct context *c);

#endif /* CONTEXT_H */

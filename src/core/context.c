/*
 * context: a tree of cancellable scopes with deadlines.
 *
 * Design
 *   Cancelling walks down the tree: a context's children and watches are
 *   handled while its own lock is held, so a child cannot be destroyed (or a
 *   watch removed) half-way through a cancel. Go's context package does the
 *   same. The lock order is therefore parent, child, then the watch's own
 *   locks; see context.h.
 *
 *   Children and watches are intrusive singly-linked lists: the context owns
 *   no memory but itself.
 *
 *   No timer thread ends a context at its deadline, so a context can sit
 *   past its deadline with err still OK until somebody looks. Every
 *   function that looks at a context or ends it first settles that
 *   (expire_locked), so what anybody sees is what a timer would have done:
 *   a cancel that comes after the deadline finds the context already done
 *   with DEADLINE_EXCEEDED. A child's deadline is never later than its
 *   parent's, so a child needs to look only at its own.
 */
#include "core/context.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * mu guards every field below it (lock order: see Locking in context.h).
 * err is also read without it, atomically (see context_err); deadline is
 * fixed at creation.
 */
struct context {
    struct sched_mutex mu;
    struct sched_cond done;   /* broadcast when err becomes non-OK */
    struct context *parent;   /* NULL for a root */
    struct context *children; /* first child; linked through next */
    struct context *next;     /* next sibling in parent->children */
    struct context_watch *watches;
    enum status err;            /* STATUS_OK while live */
    char text[STATUS_TEXT_MAX]; /* the reason, in words */
    int64_t deadline;           /* absolute ns, or SCHED_NO_DEADLINE */
    struct trace *trace;        /* inherited; atomic, see context_trace */
};

/* The trace a root created now inherits: the background's (see .h). */
static struct trace *background_trace;

static const char *default_text(enum status reason)
{
    switch (reason) {
    case STATUS_CANCELLED: return "context canceled";
    case STATUS_DEADLINE_EXCEEDED: return "context deadline exceeded";
    case STATUS_DEADLOCK: return "no thread could ever run again";
    default: return status_name(reason);
    }
}

static int cancel_locked(struct context *c, enum status reason,
                         const char *text);

/* Makes the live c done and walks down. Needs c->mu held. */
static void end_locked(struct context *c, enum status reason, const char *text)
{
    struct context *child = NULL;
    struct context_watch *w = NULL;

    snprintf(c->text, sizeof c->text, "%s", text);
    /* Atomic, and after text: context_err may read err without the lock. */
    __atomic_store_n(&c->err, reason, __ATOMIC_RELEASE);
    for (child = c->children; child != NULL; child = child->next) {
        sched_mutex_lock(&child->mu);
        cancel_locked(child, reason, text);
        sched_mutex_unlock(&child->mu);
    }
    /* Each watch runs once: the list is emptied before the calls. */
    w = c->watches;
    c->watches = NULL;
    while (w != NULL) {
        struct context_watch *next = w->next;

        w->next = NULL;
        w->fn(w->arg, reason, c->text);
        w = next;
    }
    sched_cond_broadcast(&c->done);
}

/*
 * A deadline is a reason from the moment it passes, whether anybody looked
 * or not: if c is live and its deadline has passed, makes c done with
 * DEADLINE_EXCEEDED now. Every path that looks at c or ends it calls this
 * first, so a later reason never overtakes the deadline. Returns 1 if it
 * ended c. Needs c->mu held.
 */
static int expire_locked(struct context *c)
{
    if (c->err != STATUS_OK || c->deadline == SCHED_NO_DEADLINE ||
        sched_now_ns() < c->deadline)
        return 0;
    end_locked(c, STATUS_DEADLINE_EXCEEDED,
               default_text(STATUS_DEADLINE_EXCEEDED));
    return 1;
}

/*
 * Makes c done with reason, unless it is done already or its deadline has
 * passed (then the deadline is the reason). Returns 1 if c ended with
 * reason. Needs c->mu held.
 */
static int cancel_locked(struct context *c, enum status reason,
                         const char *text)
{
    if (c->err != STATUS_OK || expire_locked(c))
        return 0;
    end_locked(c, reason, text);
    return 1;
}

enum status context_create_with_deadline(struct context *parent,
                                         int64_t deadline_ns,
                                         struct context **out)
{
    struct context *c = NULL;

    assert(out != NULL);
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    sched_mutex_init(&c->mu);
    sched_cond_init(&c->done);
    c->err = STATUS_OK;
    c->deadline = deadline_ns;
    c->parent = parent;
    c->trace = context_trace(parent);
    if (parent != NULL) {
        sched_mutex_lock(&parent->mu);
        if (parent->deadline < c->deadline)
            c->deadline = parent->deadline;
        c->next = parent->children;
        parent->children = c;
        if (parent->err != STATUS_OK) {
            c->err = parent->err;
            memcpy(c->text, parent->text, sizeof c->text);
        }
        sched_mutex_unlock(&parent->mu);
    }
    *out = c;
    return STATUS_OK;
}

void context_set_trace(struct context *c, struct trace *t)
{
    __atomic_store_n(c != NULL ? &c->trace : &background_trace, t,
                     __ATOMIC_RELEASE);
}

struct trace *context_trace(struct context *c)
{
    return __atomic_load_n(c != NULL ? &c->trace : &background_trace,
                           __ATOMIC_ACQUIRE);
}

enum status context_create(struct context *parent, struct context **out)
{
    return context_create_with_deadline(parent, SCHED_NO_DEADLINE, out);
}

static void unlink_child(struct context *parent, struct context *c)
{
    struct context **pp = NULL;

    sched_mutex_lock(&parent->mu);
    for (pp = &parent->children; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    sched_mutex_unlock(&parent->mu);
}

void context_destroy(struct context *c)
{
    if (c == NULL)
        return;
    assert(c->children == NULL && "destroy the children first");
    assert(c->watches == NULL && "unwatch before destroying");
    if (c->parent != NULL)
        unlink_child(c->parent, c);
    sched_cond_destroy(&c->done);
    sched_mutex_destroy(&c->mu);
    free(c);
}

size_t context_struct_size(void)
{
    return sizeof(struct context);
}

int context_cancel(struct context *c, enum status reason, const char *text)
{
    int did = 0;

    assert(c != NULL);
    assert((reason != STATUS_OK && status_is_grpc(reason)) ||
           reason == STATUS_DEADLOCK);
    sched_mutex_lock(&c->mu);
    did = cancel_locked(c, reason, text != NULL ? text : default_text(reason));
    sched_mutex_unlock(&c->mu);
    return did;
}

enum status context_err(struct context *c, struct status_detail *why)
{
    enum status st = STATUS_OK;

    assert(c != NULL);
    /*
     * OS mode, the common case without the lock: live, with no deadline to
     * test. Every send and recv asks, from both ends of a call, so the lock
     * would bounce between cores. The simulator takes the lock: cancel
     * holds it across scheduling points (it locks children and runs the
     * watches), so unlike the stream's flags (sched_sim_point) a reader
     * here may have to wait, and exploration should see that.
     */
    if (!sched_simulated() && c->deadline == SCHED_NO_DEADLINE &&
        __atomic_load_n(&c->err, __ATOMIC_ACQUIRE) == STATUS_OK)
        return STATUS_OK;
    sched_mutex_lock(&c->mu);
    expire_locked(c);
    st = c->err;
    if (st != STATUS_OK)
        status_detail_set(why, st, "%s", c->text);
    sched_mutex_unlock(&c->mu);
    return st;
}

enum status context_wait(struct context *c)
{
    enum status st = STATUS_OK;

    assert(c != NULL);
    sched_mutex_lock(&c->mu);
    expire_locked(c);
    while (c->err == STATUS_OK) {
        enum status woke = sched_cond_timedwait(&c->done, &c->mu, c->deadline);

        /*
         * The deadline passed, or a deadlock (SIM mode) ends the wait like
         * a cancel, to unwind; a deadline that passed wins either way.
         */
        if (woke != STATUS_OK)
            cancel_locked(c, woke, default_text(woke));
    }
    st = c->err;
    sched_mutex_unlock(&c->mu);
    return st;
}

int64_t context_deadline(struct context *c)
{
    int64_t d = 0;

    assert(c != NULL);
    sched_mutex_lock(&c->mu);
    d = c->deadline;
    sched_mutex_unlock(&c->mu);
    return d;
}

enum status context_watch(struct context *c, struct context_watch *w)
{
    enum status st = STATUS_OK;
    const struct context_watch *on = NULL;

    assert(c != NULL && w != NULL);
    sched_mutex_lock(&c->mu);
    for (on = c->watches; on != NULL; on = on->next)
        assert(on != w); /* registered twice: it would run twice */
    expire_locked(c);    /* a passed deadline refuses it, like a cancel */
    st = c->err;
    if (st == STATUS_OK) {
        w->next = c->watches;
        c->watches = w;
    }
    sched_mutex_unlock(&c->mu);
    return st;
}

void context_unwatch(struct context *c, struct context_watch *w)
{
    struct context_watch **pp = NULL;

    assert(c != NULL && w != NULL);
    sched_mutex_lock(&c->mu);
    for (pp = &c->watches; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            w->next = NULL;
            break;
        }
    }
    sched_mutex_unlock(&c->mu);
}

struct context_info context_get_info(struct context *c)
{
    struct context_info info;
    const struct context *child = NULL;
    const struct context_watch *w = NULL;

    assert(c != NULL);
    memset(&info, 0, sizeof info);
    sched_mutex_lock(&c->mu);
    info.parent = c->parent;
    for (child = c->children; child != NULL; child = child->next)
        info.children++;
    for (w = c->watches; w != NULL; w = w->next)
        info.watches++;
    info.err = c->err;
    sched_mutex_unlock(&c->mu);
    return info;
}

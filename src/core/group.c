/*
 * group: tasks on threads with first-error-wins and cancel-on-error.
 *
 * Design
 *   Each task is a small heap record holding its thread, so the records
 *   never move while their threads run. A task's thread runs run_task,
 *   which calls the task and, if it failed, offers its error to the group.
 *   Only the first offer is kept; the first also cancels the context, after
 *   the group's lock is released (the cancel runs watches).
 */
#include "core/group.h"

#include <assert.h>
#include <stdlib.h>

enum status group_create(struct context *parent, struct group **out)
{
    struct group *g = NULL;

    assert(out != NULL);
    g = calloc(1, sizeof *g);
    if (g == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    if (context_create(parent, &g->ctx) != STATUS_OK) {
        free(g);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    sched_mutex_init(&g->mu);
    g->first = STATUS_OK;
    *out = g;
    return STATUS_OK;
}

struct context *group_context(struct group *g)
{
    assert(g != NULL);
    return g->ctx;
}

/* Keeps err if it is the first; the first also cancels the context. */
static void offer_error(struct group *g, enum status err,
                        const struct status_detail *why)
{
    int first = 0;

    sched_mutex_lock(&g->mu);
    if (g->first == STATUS_OK) {
        first = 1;
        g->first = err;
        g->first_why = *why;
        g->first_why.code = err;
    }
    sched_mutex_unlock(&g->mu);
    if (first)
        context_cancel(g->ctx, STATUS_CANCELLED, "context canceled");
}

static enum status run_task(void *arg)
{
    struct group_task *t = arg;
    enum status st = t->fn(t->arg, &t->why);

    if (st != STATUS_OK)
        offer_error(t->group, st, &t->why);
    return st;
}

enum status group_go(struct group *g, const char *name, group_fn fn, void *arg)
{
    struct group_task *t = calloc(1, sizeof *t);
    struct status_detail why;

    assert(g != NULL && fn != NULL);
    if (t == NULL) {
        status_detail_set(&why, STATUS_RESOURCE_EXHAUSTED, "out of memory");
        offer_error(g, STATUS_RESOURCE_EXHAUSTED, &why);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    t->group = g;
    t->fn = fn;
    t->arg = arg;
    if (sched_thread_start(&t->thread, name, run_task, t) != STATUS_OK) {
        free(t);
        status_detail_set(&why, STATUS_RESOURCE_EXHAUSTED,
                          "cannot start thread %s", name != NULL ? name : "thread");
        offer_error(g, STATUS_RESOURCE_EXHAUSTED, &why);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    sched_mutex_lock(&g->mu);
    t->next = g->tasks;
    g->tasks = t;
    sched_mutex_unlock(&g->mu);
    return STATUS_OK;
}

enum status group_wait(struct group *g, struct status_detail *why)
{
    struct group_task *t = NULL;
    enum status st = STATUS_OK;

    assert(g != NULL);
    sched_mutex_lock(&g->mu);
    t = g->tasks;
    g->tasks = NULL;
    sched_mutex_unlock(&g->mu);
    while (t != NULL) {
        struct group_task *next = t->next;

        sched_thread_join(&t->thread);
        free(t);
        t = next;
    }
    sched_mutex_lock(&g->mu);
    st = g->first;
    if (why != NULL) {
        if (st != STATUS_OK)
            *why = g->first_why;
        else
            status_detail_clear(why);
    }
    sched_mutex_unlock(&g->mu);
    return st;
}

void group_destroy(struct group *g)
{
    if (g == NULL)
        return;
    assert(g->tasks == NULL); /* group_wait first: its threads still run */
    context_destroy(g->ctx);
    sched_mutex_destroy(&g->mu);
    free(g);
}

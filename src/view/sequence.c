/*
 * sequence: lanes, joins and a deadlock's waiters, read from a trace.
 *
 * Design
 *   One pass over the shown events finds the lanes and where a deadlock's
 *   rows go; the report adds its waiters; one pass over every kept event
 *   joins them (join_all). A join scans back from the first event still
 *   open, so the joins of a run whose frames all arrive cost a step each;
 *   a garbled run, whose unread sends stay open, scans further.
 */
#include "view/sequence.h"

#include <stdlib.h>
#include <string.h>

int sequence_is_end(const struct trace_event *e)
{
    return e->kind == TRACE_CLOSE_SEND || e->kind == TRACE_FINISH;
}

static enum sequence_side side_of(const char *name)
{
    if (strncmp(name, "client", 6) == 0)
        return SEQUENCE_CLIENT;
    return strncmp(name, "server", 6) == 0 ? SEQUENCE_SERVER : SEQUENCE_OTHER;
}

/* The lane of the thread called name (len bytes, cut to fit), added if
 * new. */
static int lane_for(struct sequence *s, const char *name, size_t len)
{
    struct sequence_lane *l = NULL;
    int i = 0;

    if (len >= SCHED_NAME_MAX)
        len = SCHED_NAME_MAX - 1;
    for (i = 0; i < s->nlanes; i++)
        if (strncmp(s->lanes[i].name, name, len) == 0 &&
            s->lanes[i].name[len] == '\0')
            return i;
    l = &s->lanes[s->nlanes];
    memcpy(l->name, name, len);
    l->name[len] = '\0';
    l->side = side_of(l->name);
    l->waits = 0;
    return s->nlanes++;
}

int sequence_lane_of(const struct sequence *s, const char *name)
{
    int i = 0;

    for (i = 0; i < s->nlanes; i++)
        if (strcmp(s->lanes[i].name, name) == 0)
            return i;
    return -1;
}

/* Where a report's clause that starts at p ends: at "; ", ". " or the
 * final '.'. */
static const char *clause_end(const char *p)
{
    for (; *p != '\0'; p++)
        if ((p[0] == ';' || p[0] == '.') && (p[1] == ' ' || p[1] == '\0'))
            return p;
    return p;
}

/* The waiting threads of a deadlock report, a lane each. */
static void find_waiters(struct sequence *s, const char *report)
{
    static const char head[] = "deadlock: ";
    static const char waits[] = " waits for ";
    const char *p = report != NULL ? report : "";

    if (strncmp(p, head, sizeof head - 1) != 0)
        return;
    p += sizeof head - 1;
    while (s->nwaiters < SEQUENCE_MAX_WAITERS) {
        const char *blank = strchr(p, ' ');
        struct sequence_waiter *w = &s->waiters[s->nwaiters];
        const char *end = NULL;

        if (blank == NULL || strncmp(blank, waits, sizeof waits - 1) != 0)
            break;
        w->what = blank + sizeof waits - 1;
        end = clause_end(w->what);
        w->len = (int)(end - w->what);
        w->lane = lane_for(s, p, (size_t)(blank - p));
        s->lanes[w->lane].waits = 1;
        s->nwaiters++;
        if (end[0] != ';')
            break;
        p = end + 2;
    }
}

/* The lanes of the shown events, and where a deadlock's rows go. */
static void find_lanes(struct sequence *s)
{
    size_t i = 0;

    s->waiters_at = s->shown;
    for (i = 0; i < s->shown; i++) {
        const struct trace_event *e = trace_event_at(s->t, i);

        s->lane_of[i] = lane_for(s, e->thread, strlen(e->thread));
        if (e->status == STATUS_DEADLOCK && s->waiters_at == s->shown)
            s->waiters_at = i;
    }
}

/* b, a RECV or an EOF, can be what a (before it) caused. */
static int joins(const struct trace_event *a, const struct trace_event *b)
{
    if (strcmp(a->dir, b->dir) != 0)
        return 0;
    if (b->kind == TRACE_EOF)
        return sequence_is_end(a);
    return a->kind == TRACE_SEND && a->flag == b->flag &&
           a->length == b->length && strcmp(a->text, b->text) == 0;
}

/* An event that is, or may yet be, joined to a later one. */
static int open_source(const struct sequence *s, size_t i)
{
    const struct trace_event *e = trace_event_at(s->t, i);

    return s->peer[i] < 0 && (e->kind == TRACE_SEND || sequence_is_end(e));
}

/* Joins every RECV and EOF to what caused it (see sequence.h). */
static void join_all(struct sequence *s)
{
    size_t first_open = 0;
    size_t i = 0;
    size_t j = 0;

    for (i = 0; i < s->n; i++)
        s->peer[i] = -1;
    for (i = 0; i < s->n; i++) {
        const struct trace_event *b = trace_event_at(s->t, i);

        if (b->kind != TRACE_RECV && b->kind != TRACE_EOF)
            continue;
        while (first_open < i && !open_source(s, first_open))
            first_open++;
        for (j = first_open; j < i; j++)
            if (open_source(s, j) && joins(trace_event_at(s->t, j), b)) {
                s->peer[j] = (long)i;
                s->peer[i] = (long)j;
                break;
            }
    }
}

enum status sequence_read(struct sequence *s, const struct trace *t,
                          const char *report, size_t max_events)
{
    struct sequence q;

    memset(&q, 0, sizeof q);
    q.t = t;
    q.n = trace_length(t);
    q.shown = q.n < max_events ? q.n : max_events;
    q.lane_of = calloc(q.shown + 1, sizeof *q.lane_of);
    q.peer = calloc(q.n + 1, sizeof *q.peer);
    q.lanes = calloc(q.shown + SEQUENCE_MAX_WAITERS + 1, sizeof *q.lanes);
    if (q.lane_of == NULL || q.peer == NULL || q.lanes == NULL) {
        sequence_free(&q);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    find_lanes(&q);
    find_waiters(&q, report);
    join_all(&q);
    *s = q;
    return STATUS_OK;
}

void sequence_free(struct sequence *s)
{
    if (s == NULL)
        return;
    free(s->lane_of);
    free(s->peer);
    free(s->lanes);
    s->lane_of = NULL;
    s->peer = NULL;
    s->lanes = NULL;
}

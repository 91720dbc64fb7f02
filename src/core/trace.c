/*
 * trace: record events and wire bytes under a leaf lock.
 *
 * Design
 *   Recording is append-only into a growable array, capped at
 *   TRACE_MAX_EVENTS (the rest are counted), and into one fixed slot of
 *   bytes per pipe name, capped at TRACE_WIRE_MAX (the rest are counted
 *   too). Each record is whole or absent: the slot is taken, filled and
 *   counted under the lock. The one exception is an event begun now and
 *   given its text later (trace_event_begin, trace_event_text): its slot
 *   and time are taken when it happens, so that it precedes what it
 *   causes, and only its text is written afterwards, still during the
 *   run, so the views (which read after it) see it whole.
 *   Nothing here prints: the views in src/view read the events and the
 *   wires after the run, through the accessors at the end of this file,
 *   when no thread records any more.
 */
#include "core/trace.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct trace {
    struct sched_mutex mu; /* guards everything below; a leaf lock */
    struct trace_event *events;
    size_t n, cap;
    uint64_t dropped; /* events past TRACE_MAX_EVENTS, not kept */
    int64_t t0_ns;
    int steps; /* recorded in SIM mode: t_ns holds steps */
    struct trace_wire wires[TRACE_WIRES];
};

struct trace *trace_create(void)
{
    struct trace *t = calloc(1, sizeof *t);

    if (t == NULL)
        return NULL;
    sched_mutex_init_quiet(&t->mu);
    t->t0_ns = sched_now_ns();
    return t;
}

void trace_destroy(struct trace *t)
{
    int i = 0;

    if (t == NULL)
        return;
    for (i = 0; i < TRACE_WIRES; i++)
        free(t->wires[i].bytes);
    free(t->events);
    sched_mutex_destroy(&t->mu);
    free(t);
}

/* Returns a fresh slot for an event, or NULL if memory ran out. */
static struct trace_event *append_locked(struct trace *t)
{
    if (t->n == TRACE_MAX_EVENTS) {
        t->dropped++;
        return NULL;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        struct trace_event *grown = realloc(t->events, cap * sizeof *grown);

        if (grown == NULL)
            return NULL;
        t->events = grown;
        t->cap = cap;
    }
    return &t->events[t->n++];
}

/*
 * Appends one event by the calling thread; returns its index, or
 * TRACE_NO_MARK when it was not kept.
 */
static size_t record(struct trace *t, enum trace_kind kind, const char *dir,
                     uint8_t flag, uint32_t length, enum status status,
                     const char *text)
{
    struct trace_event *e = NULL;
    size_t mark = TRACE_NO_MARK;

    sched_mutex_lock(&t->mu);
    e = append_locked(t);
    if (e != NULL) {
        mark = (size_t)(e - t->events);
        /* SIM mode: the step count, so the same seed prints the same. */
        if (sched_simulated()) {
            e->t_ns = (int64_t)sched_sim_step();
            e->decisions = (uint32_t)sched_sim_decisions();
            t->steps = 1;
        } else {
            e->t_ns = sched_now_ns() - t->t0_ns;
            e->decisions = 0;
        }
        e->kind = kind;
        snprintf(e->thread, sizeof e->thread, "%s", sched_self_name());
        snprintf(e->dir, sizeof e->dir, "%s", dir != NULL ? dir : "");
        e->flag = flag;
        e->length = length;
        e->status = status;
        snprintf(e->text, sizeof e->text, "%s", text);
    }
    sched_mutex_unlock(&t->mu);
    return mark;
}

void trace_event(struct trace *t, enum trace_kind kind, const char *dir,
                 uint8_t flag, uint32_t length, enum status status,
                 const char *fmt, ...)
{
    char text[TRACE_TEXT_MAX] = "";
    va_list ap;

    if (t == NULL)
        return;
    if (fmt != NULL) {
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
    }
    record(t, kind, dir, flag, length, status, text);
}

size_t trace_event_begin(struct trace *t, enum trace_kind kind, const char *dir,
                         enum status status)
{
    if (t == NULL)
        return TRACE_NO_MARK;
    return record(t, kind, dir, 0, 0, status, "");
}

void trace_event_text(struct trace *t, size_t mark, const char *fmt, ...)
{
    char text[TRACE_TEXT_MAX] = "";
    va_list ap;

    if (t == NULL || mark == TRACE_NO_MARK)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    sched_mutex_lock(&t->mu);
    assert(mark < t->n);
    memcpy(t->events[mark].text, text, sizeof text);
    sched_mutex_unlock(&t->mu);
}

void trace_preview(char *out, size_t cap, const uint8_t *p, uint32_t len)
{
    size_t n = 0;
    uint32_t i = 0;

    assert(cap > 0);
    n += (size_t)snprintf(out, cap, "\"");
    for (i = 0; i < len && i < TRACE_PREVIEW_BYTES && n + 2 < cap; i++)
        out[n++] =
            (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"') ? (char)p[i] : '.';
    if (n >= cap)
        return; /* cap 1: "" */
    out[n] = '\0';
    snprintf(out + n, cap - n, "%s",
             len > TRACE_PREVIEW_BYTES ? "\"..." : "\"");
}

void trace_frame(struct trace *t, enum trace_kind kind, const char *dir,
                 uint8_t flag, const uint8_t *payload, uint32_t length)
{
    char text[TRACE_TEXT_MAX];

    if (t == NULL)
        return;
    trace_preview(text, sizeof text, payload, length);
    record(t, kind, dir, flag, length, STATUS_OK, text);
}

static struct trace_wire *wire_for_locked(struct trace *t, const char *name)
{
    char key[sizeof t->wires[0].name];
    int i = 0;

    /* Slots keep names cut to fit; look a name up the same way. */
    snprintf(key, sizeof key, "%s", name);
    for (i = 0; i < TRACE_WIRES; i++) {
        struct trace_wire *w = &t->wires[i];

        if (strcmp(w->name, key) == 0)
            return w;
        if (w->name[0] == '\0') {
            memcpy(w->name, key, sizeof key);
            return w;
        }
    }
    return NULL;
}

void trace_wire(struct trace *t, const char *name, const uint8_t *buf,
                size_t len)
{
    struct trace_wire *w = NULL;

    if (t == NULL || len == 0)
        return;
    sched_mutex_lock(&t->mu);
    w = wire_for_locked(t, name);
    if (w != NULL && w->bytes == NULL)
        w->bytes = malloc(TRACE_WIRE_MAX);
    if (w != NULL && w->bytes != NULL && w->len < TRACE_WIRE_MAX) {
        size_t n =
            TRACE_WIRE_MAX - w->len < len ? TRACE_WIRE_MAX - w->len : len;
        memcpy(w->bytes + w->len, buf, n);
        w->len += n;
    }
    if (w != NULL)
        w->total += len;
    sched_mutex_unlock(&t->mu);
}

size_t trace_count(struct trace *t, enum trace_kind kind)
{
    size_t i = 0;
    size_t n = 0;

    if (t == NULL)
        return 0;
    sched_mutex_lock(&t->mu);
    for (i = 0; i < t->n; i++)
        n += t->events[i].kind == kind;
    sched_mutex_unlock(&t->mu);
    return n;
}

const char *trace_kind_name(enum trace_kind kind)
{
    switch (kind) {
    case TRACE_SEND: return "SEND";
    case TRACE_RECV: return "RECV";
    case TRACE_CLOSE_SEND: return "CLOSE_SEND";
    case TRACE_EOF: return "EOF";
    case TRACE_FINISH: return "FINISH";
    case TRACE_CANCEL: return "CANCEL";
    case TRACE_BLOCK: return "BLOCK";
    case TRACE_WAKE: return "WAKE";
    case TRACE_ERROR: return "ERROR";
    case TRACE_NOTE: return "NOTE";
    }
    return "?";
}

/* ---- read access, after the run ----------------------------------------- */

size_t trace_length(const struct trace *t)
{
    return t != NULL ? t->n : 0;
}

const struct trace_event *trace_event_at(const struct trace *t, size_t i)
{
    assert(t != NULL && i < t->n);
    return &t->events[i];
}

uint64_t trace_dropped(const struct trace *t)
{
    return t != NULL ? t->dropped : 0;
}

int trace_in_steps(const struct trace *t)
{
    return t != NULL && t->steps;
}

const struct trace_wire *trace_wire_at(const struct trace *t, int i)
{
    assert(t != NULL && i >= 0 && i < TRACE_WIRES);
    return &t->wires[i];
}

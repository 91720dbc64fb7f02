/*
 * note: a simulated thread's note (see note.h).
 *
 * Design
 *   sched.h's sched_note calls land here: the calling thread's note, when
 *   its run keeps notes (sim_note), else nothing at all. Plain strings, filled
 * with vsnprintf and cut to fit: a note is for a reader, and a cut one still
 * says what the thread was doing.
 */
#include "core/note.h"

#include <stdio.h>
#include <string.h>

#include "core/sched_internal.h"
#include "core/sim.h"

/* The calling thread's note, when its run keeps notes; else NULL. */
static struct note *my_note(void)
{
    struct sched_fiber *f = sched_me();

    return f != NULL ? sim_note(f) : NULL;
}

int sched_noting(void)
{
    return my_note() != NULL;
}

void sched_note(const char *fmt, ...)
{
    struct note *n = my_note();
    va_list ap;

    if (n == NULL)
        return;
    va_start(ap, fmt);
    note_op(n, fmt, ap);
    va_end(ap);
}

void sched_note_detail(sched_note_fn fn, const void *obj, const char *fmt, ...)
{
    struct note *n = my_note();
    va_list ap;

    if (n == NULL)
        return;
    va_start(ap, fmt);
    note_detail(n, fn, obj, fmt, ap);
    va_end(ap);
}

void sched_note_end(void)
{
    struct note *n = my_note();

    if (n != NULL)
        note_end(n);
}

void note_op(struct note *n, const char *fmt, va_list ap)
{
    vsnprintf(n->op, sizeof n->op, fmt, ap);
    n->detail[0] = '\0';
    n->fn = NULL;
    n->obj = NULL;
    n->ended = 0;
}

void note_detail(struct note *n, sched_note_fn fn, const void *obj,
                 const char *fmt, va_list ap)
{
    vsnprintf(n->detail, sizeof n->detail, fmt, ap);
    n->fn = fn;
    n->obj = obj;
}

void note_end(struct note *n)
{
    n->ended = 1;
    n->fn = NULL;
    n->obj = NULL;
}

void note_write(const struct note *n, char *buf, size_t cap)
{
    char state[SCHED_NOTE_MAX] = "";
    size_t len = 0;

    buf[0] = '\0';
    if (n->op[0] == '\0')
        return;
    if (n->ended) {
        snprintf(buf, cap, "back from %s", n->op);
        return;
    }
    snprintf(buf, cap, "%s", n->op);
    len = strlen(buf);
    if (n->detail[0] != '\0' && len < cap)
        snprintf(buf + len, cap - len, ": %s", n->detail);
    len = strlen(buf);
    if (n->fn != NULL && len < cap) {
        n->fn(n->obj, state, sizeof state);
        snprintf(buf + len, cap - len, "; %s", state);
    }
}

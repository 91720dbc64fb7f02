/*
 * note: what one simulated thread is doing, in words, for `duplex step`.
 * Private to src/core: sim.c keeps one per thread and fills it from
 * sched_note and sched_note_detail (sched.h).
 *
 * Design
 *   A note has two levels: the operation the thread is in, set when a
 *   library call starts ("stream_send \"bye\" into c2s"), and the part of
 *   it the thread is at, set by the calls under it ("writes the payload
 *   (3 B)"), with a function that says, when the note is read, the state
 *   that part works on ("c2s: 5/64 bytes used"). The state is read only
 *   then, so it is the state at that decision, not at the call's start.
 */
#ifndef NOTE_H
#define NOTE_H

#include <stdarg.h>
#include <stddef.h>

#include "core/sched.h"

struct note {
    char op[SCHED_NOTE_MAX];     /* the operation, or "" */
    char detail[SCHED_NOTE_MAX]; /* the part of it, or "" */
    sched_note_fn fn;            /* the state it works on, or NULL */
    const void *obj;
    int ended; /* the operation has returned */
};

/* Sets the operation (printf-style fmt and ap); clears the detail. */
void note_op(struct note *n, const char *fmt, va_list ap);

/* Sets the part of the operation, and fn(obj) for its state. */
void note_detail(struct note *n, sched_note_fn fn, const void *obj,
                 const char *fmt, va_list ap);

/* The operation returned. */
void note_end(struct note *n);

/*
 * Writes what the note says into buf (cap bytes, at least 1): "OP: DETAIL;
 * STATE" while the operation runs, "back from OP" after it, "" when there
 * is none. Call it only while every simulated thread is stopped.
 */
void note_write(const struct note *n, char *buf, size_t cap);

#endif /* NOTE_H */

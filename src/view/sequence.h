/*
 * sequence: a trace read as the parts of a sequence diagram: a lane per
 * thread, which RECV read which SEND (and which EOF came of which
 * CloseSend or FINISH), and the threads a deadlock report names. It draws
 * nothing: view/svg.h draws it.
 *
 * Design
 *   Lanes come in the order their threads first recorded, each on the
 *   client side, the server side, or neither (by its name, as the
 *   timeline's lanes: "client..." and "server..."). The threads the
 *   simulator's deadlock report names ("deadlock: A waits for X; B waits
 *   for Y." — sched.h) get a lane too, even those that recorded nothing,
 *   and a row each, before the first event the deadlock caused (the first
 *   with status DEADLOCK: the simulator reports, then wakes the waits).
 *
 *   Joins. A RECV is joined to the earliest SEND before it in the same
 *   direction with the same flag, length and payload preview that is not
 *   joined yet; an EOF to the earliest CloseSend or FINISH before it in
 *   its direction. With one stream each direction is one pipe and a pipe
 *   keeps order, so that is exactly the send that wrote it. A RECV joined
 *   to nothing read bytes no SEND wrote as one frame: a torn frame. A
 *   SEND joined to nothing was never read. With several streams (the
 *   hub), whose pipes share the names c2s and s2c, two frames with the
 *   same bytes are joined in the order they were sent; the trace does not
 *   say which pipe each went into.
 *
 *   Joins are made over every event the trace kept; lanes and rows only
 *   for the first max_events shown, so a picture stays a size a reader
 *   can scroll.
 */
#ifndef VIEW_SEQUENCE_H
#define VIEW_SEQUENCE_H

#include <stddef.h>

#include "core/sched.h"
#include "core/status.h"
#include "core/trace.h"

/* Waiting threads a sequence reads out of a deadlock report, at most. */
#define SEQUENCE_MAX_WAITERS 64

enum sequence_side {
    SEQUENCE_CLIENT = -1, /* "client...": left of the pipes */
    SEQUENCE_OTHER = 0,   /* anything else ("main") */
    SEQUENCE_SERVER = 1   /* "server...": right of the pipes */
};

struct sequence_lane {
    char name[SCHED_NAME_MAX]; /* the thread's name */
    enum sequence_side side;
    int waits; /* the deadlock report names it */
};

/* A thread the deadlock report names, and what it waits for. */
struct sequence_waiter {
    int lane;
    const char *what; /* in the report: "data on c2s (empty, writer
                         open)", not NUL-terminated */
    int len;          /* ... its length */
};

struct sequence {
    const struct trace *t;
    size_t n;     /* events the trace kept */
    size_t shown; /* the first events shown: at most max_events */
    int *lane_of; /* per shown event: its thread's lane */
    long *peer;   /* per kept event: the event it is joined to, or -1 */
    struct sequence_lane *lanes; /* in the order first seen */
    int nlanes;
    struct sequence_waiter waiters[SEQUENCE_MAX_WAITERS];
    int nwaiters;
    size_t waiters_at; /* the shown event the waiters' rows go before;
                          shown when they come after every one */
};

/*
 * Reads t (NULL: no events) and report (the simulator's deadlock or
 * livelock report, or NULL or ""; only a deadlock's names waiters) into
 * *s, showing the first max_events events. Call it after every thread
 * that records into t has been joined (see trace_length). s keeps
 * pointers into t and report: they must outlive it.
 * Returns one of:
 *   STATUS_OK                  *s is filled; free it with sequence_free
 *   STATUS_RESOURCE_EXHAUSTED  out of memory; *s is untouched
 */
enum status sequence_read(struct sequence *s, const struct trace *t,
                          const char *report, size_t max_events);

/* Frees what s holds. NULL is a no-op. */
void sequence_free(struct sequence *s);

/* The lane of the thread called name, or -1 when it has none. */
int sequence_lane_of(const struct sequence *s, const char *name);

/*
 * Returns 1 when e ends its direction (a CloseSend or a FINISH): the
 * events an EOF is joined to; else 0.
 */
int sequence_is_end(const struct trace_event *e);

#endif /* VIEW_SEQUENCE_H */

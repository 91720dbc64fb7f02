/*
 * trace: the event log of a run.
 *
 * Streams and pipes record what happens (a frame sent, a frame received, a
 * half-close, an EOF, a cancel, a thread blocking on a full or empty pipe and
 * waking again) together with the bytes that entered each pipe. The trace
 * only records: the views in src/view draw it after the run (view/timeline.h
 * the two-lane picture, view/hexdump.h each pipe's bytes as gRPC frames),
 * through the read access at the end of this header.
 *
 * Design
 *   A trace is passed in wherever it is wanted (NULL means "do not record");
 *   there is no global log. Recording takes the trace's own lock, which is a
 *   leaf: callers may hold a pipe lock while recording, and the trace never
 *   calls out while holding its lock.
 *   The trace is a leaf of the library in a second sense: it knows sched and
 *   status and nothing else, so every module may record into it (pipe,
 *   frame and stream do) without the trace needing any of them.
 *   Times are nanoseconds since trace_create; in SIM mode they are the
 *   simulator's step count, so the same seed records the same times, and
 *   each event also keeps how many decisions the run had made (the k of a
 *   replay string's "k:t"), so a timeline can show where they fall.
 */
#ifndef TRACE_H
#define TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "core/sched.h"
#include "core/status.h"

enum trace_kind {
    TRACE_SEND,       /* a frame was written: flag, length */
    TRACE_RECV,       /* a frame was read: flag, length */
    TRACE_CLOSE_SEND, /* the client half-closed its direction */
    TRACE_EOF,        /* a recv saw the clean end of its direction */
    TRACE_FINISH,     /* the server ended the call with a status */
    TRACE_CANCEL,     /* the call was cancelled or its deadline passed */
    TRACE_BLOCK,      /* a thread waits: pipe full (send) or empty (recv) */
    TRACE_WAKE,       /* ... and may go on */
    TRACE_ERROR,      /* an operation failed with status */
    TRACE_NOTE        /* free text from a scenario */
};

/* Payload preview and note text kept per event, including the NUL. */
#define TRACE_TEXT_MAX 96

/* Payload bytes a preview shows before it ends in "...". */
#define TRACE_PREVIEW_BYTES 18

struct trace_event {
    int64_t t_ns; /* since trace_create, or SIM steps (trace_in_steps) */
    enum trace_kind kind;
    char thread[SCHED_NAME_MAX];
    char dir[8];        /* "c2s", "s2c" or "" */
    uint8_t flag;       /* frame flag, for SEND/RECV */
    uint32_t length;    /* frame payload length, or byte count */
    enum status status; /* outcome, for EOF/FINISH/CANCEL/ERROR */
    char text[TRACE_TEXT_MAX];
    uint32_t decisions; /* SIM: the decisions the run had made when it was
                           recorded (sched_sim_decisions); else 0 */
};

/* The first bytes written into each pipe, for the hexdump. */
#define TRACE_WIRE_MAX (64 * 1024)
#define TRACE_WIRES 4

struct trace_wire {
    char name[8];   /* pipe name, "" when the slot is free */
    uint8_t *bytes; /* the first TRACE_WIRE_MAX bytes, in ring order */
    size_t len;     /* bytes kept */
    uint64_t total; /* bytes seen, kept or not */
};

/*
 * Events kept: a run of a million messages would otherwise hold gigabytes
 * of timeline nobody reads. The rest are counted, and the timeline says so.
 */
#define TRACE_MAX_EVENTS 8192

struct trace; /* private to trace.c */

/*
 * Returns a new, empty trace, or NULL when out of memory.
 * Free it with trace_destroy (NULL is a no-op).
 */
struct trace *trace_create(void);
void trace_destroy(struct trace *t);

/*
 * Records one event by the calling thread. t may be NULL (nothing happens).
 * dir may be NULL; text is a printf format and may be NULL. Events beyond
 * what memory allows are dropped, never half-written. Thread-safe.
 */
void trace_event(struct trace *t, enum trace_kind kind, const char *dir,
                 uint8_t flag, uint32_t length, enum status status,
                 const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* What trace_event_begin returns for an event it did not keep. */
#define TRACE_NO_MARK ((size_t)-1)

/*
 * Records an event now whose text is known only later, such as a cancel's
 * count of the bytes it dropped. Its place in the trace and its time are
 * taken now, so that it comes before everything it causes (a cause is
 * recorded before anything it wakes); its text is "" until
 * trace_event_text writes it. Returns the event's mark for
 * trace_event_text, or TRACE_NO_MARK when t is NULL or the event was not
 * kept. Thread-safe.
 */
size_t trace_event_begin(struct trace *t, enum trace_kind kind, const char *dir,
                         enum status status);

/*
 * Writes the text (a printf format) of the event that trace_event_begin
 * returned mark for. A NULL t or TRACE_NO_MARK does nothing. Thread-safe.
 */
void trace_event_text(struct trace *t, size_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Records a frame event (SEND or RECV) with a printable preview of the
 * payload (see trace_preview). Thread-safe; t may be NULL.
 */
void trace_frame(struct trace *t, enum trace_kind kind, const char *dir,
                 uint8_t flag, const uint8_t *payload, uint32_t length);

/*
 * Appends bytes that entered the pipe called name, in the order they entered
 * it. Keeps the first TRACE_WIRE_MAX bytes per pipe. Thread-safe; t may be
 * NULL.
 */
void trace_wire(struct trace *t, const char *name, const uint8_t *buf,
                size_t len);

/* Counts events of a kind (for tests and summaries). Thread-safe; a NULL
 * t has none. */
size_t trace_count(struct trace *t, enum trace_kind kind);

/*
 * Returns the upper-case name of an event kind ("SEND", "CLOSE_SEND"), or
 * "?" for a value that is not an enum trace_kind.
 */
const char *trace_kind_name(enum trace_kind kind);

/*
 * Writes the preview a frame event keeps into out (cap bytes, at least 1):
 * the payload's first TRACE_PREVIEW_BYTES bytes in double quotes, each
 * byte that is not printable ASCII, and '"' itself, as '.', and "..." after
 * the closing quote when the payload is longer. "\"\"" for an empty one.
 * The views show payloads the same way.
 */
void trace_preview(char *out, size_t cap, const uint8_t *payload,
                   uint32_t length);

/*
 * Read access, for the views (src/view). These take no lock: call them once
 * every thread that records into t has been joined (the join orders their
 * records before these reads, and no event can move under a reader), or,
 * in SIM mode, from a strategy's choose (strategy.h): there every
 * simulated thread is stopped, and none holds the trace's lock, which is
 * quiet and held across no scheduling point.
 * trace_length, trace_dropped and trace_in_steps take a NULL t, which has
 * kept nothing; the two _at functions want an index that exists.
 */

/* Returns how many events were kept (at most TRACE_MAX_EVENTS). */
size_t trace_length(const struct trace *t);

/* Returns event i, 0 <= i < trace_length(t), in the order recorded. */
const struct trace_event *trace_event_at(const struct trace *t, size_t i);

/* Returns how many events came after TRACE_MAX_EVENTS and were not kept. */
uint64_t trace_dropped(const struct trace *t);

/* Returns non-zero when the events' t_ns hold SIM steps, not nanoseconds. */
int trace_in_steps(const struct trace *t);

/*
 * Returns wire slot i, 0 <= i < TRACE_WIRES, in the order the pipes were
 * first seen; a slot not used has the name "" and no bytes.
 */
const struct trace_wire *trace_wire_at(const struct trace *t, int i);

#endif /* TRACE_H */

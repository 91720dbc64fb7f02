/*
 * trace: the event log of a run, and the two views a learner reads.
 *
 * Streams and pipes record what happens (a frame sent, a frame received, a
 * half-close, an EOF, a cancel, a thread blocking on a full or empty pipe and
 * waking again) together with the bytes that entered each pipe. After the
 * run, trace_print_timeline() draws a two-lane picture (client | server) and
 * trace_print_hexdump() dissects each pipe's bytes as gRPC frames
 * (flag | length | payload).
 *
 * Design
 *   A trace is passed in wherever it is wanted (NULL means "do not record");
 *   there is no global log. Recording takes the trace's own lock, which is a
 *   leaf: callers may hold a pipe lock while recording, and the trace never
 *   calls out while holding its lock.
 *   Which lane an event belongs to follows from the thread's name: names
 *   starting with "client" go left, names starting with "server" go right,
 *   anything else spans the middle (for example "main").
 *   Times are nanoseconds since trace_create, printed as microseconds; in
 *   SIM mode they are the simulator's step count, so the same seed prints
 *   the same timeline.
 */
#ifndef TRACE_H
#define TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

struct trace_event {
    int64_t t_ns; /* since trace_create */
    enum trace_kind kind;
    char thread[SCHED_NAME_MAX];
    char dir[8];        /* "c2s", "s2c" or "" */
    uint8_t flag;       /* frame flag, for SEND/RECV */
    uint32_t length;    /* frame payload length, or byte count */
    enum status status; /* outcome, for EOF/FINISH/CANCEL/ERROR */
    char text[TRACE_TEXT_MAX];
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

struct trace {
    struct sched_mutex mu; /* guards everything below; a leaf lock */
    struct trace_event *events;
    size_t n, cap;
    uint64_t dropped; /* events past TRACE_MAX_EVENTS, not kept */
    int64_t t0_ns;
    int steps; /* recorded in SIM mode: t_ns holds steps */
    struct trace_wire wires[TRACE_WIRES];
};

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

/*
 * Records a frame event (SEND or RECV) with a printable preview of the
 * payload. Thread-safe; t may be NULL.
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
 * t has none, and the print functions below print nothing for it. */
size_t trace_count(struct trace *t, enum trace_kind kind);

/*
 * Returns the upper-case name of an event kind ("SEND", "CLOSE_SEND"), or
 * "?" for a value that is not an enum trace_kind.
 */
const char *trace_kind_name(enum trace_kind kind);

/*
 * Prints the two-lane timeline (client | server) of every event to out,
 * with ANSI colours when colour is non-zero. Call it after the threads that
 * record have been joined.
 */
void trace_print_timeline(struct trace *t, FILE *out, int colour);

/*
 * Prints each pipe's bytes as frames: offset, flag, length, payload, and
 * where the bytes stop making sense as frames, why. Call after the run.
 */
void trace_print_hexdump(struct trace *t, FILE *out, int colour);

struct frame_limits;
struct frame_header;

/*
 * Prints one frame found at offset: its header bytes, flag, length and a
 * payload preview (frame points at the header; h is its decoded header).
 */
void trace_print_frame(FILE *out, size_t offset, const uint8_t *frame,
                       const struct frame_header *h, int colour);

/*
 * Prints where bytes stop being frames: up to 16 of the n bytes at offset,
 * then the status a receiver gets and its text.
 */
void trace_print_bad(FILE *out, size_t offset, const uint8_t *rest, size_t n,
                     enum status st, const char *text, int colour);

/*
 * Dissects len bytes as a receiver would read them: each frame's offset,
 * header bytes, flag, length and payload, then the status a receiver gets
 * at the end (EOF for a clean end between frames, or the status of the
 * first bad frame, after which it stops, as a receiver fails the call).
 * lim may be NULL (the defaults). Returns that final status (STATUS_EOF
 * when every byte formed whole, valid frames) and sets *out_frames (may be
 * NULL) to the number of good frames.
 */
enum status trace_dissect(const uint8_t *buf, size_t len,
                          const struct frame_limits *lim, FILE *out, int colour,
                          size_t *out_frames);

#endif /* TRACE_H */

/*
 * pipe: a bounded in-process byte pipe that stands in for the network.
 *
 * One direction of a stream is one pipe. A writer puts bytes in, a reader
 * takes them out, in order. The capacity is fixed at creation and plays the
 * part of HTTP/2's flow-control window: when the pipe is full, the writer
 * waits (backpressure).
 *
 * The contract, in Go's words where Go has them:
 *   - It is safe to call read and write in parallel, and to call read or
 *     write from several threads (each call is serialised on the pipe's lock;
 *     see atomicity below for what several writers see).
 *   - A read blocks while the pipe is empty and returns what is there, up to
 *     len bytes. Short reads are normal.
 *   - A write blocks until every byte is in the pipe (or the pipe fails).
 *   - pipe_close_write is the half-close: the reader still gets every byte
 *     written before it, then STATUS_EOF, and EOF is sticky.
 *   - pipe_close_with_error aborts (HTTP/2's RST_STREAM): both ends fail at
 *     once with that status and buffered bytes are discarded. The first
 *     close error wins, and it wins over STATUS_CLOSED and STATUS_EOF,
 *     whichever close came first.
 *   - Writing after the read end is gone gives STATUS_CLOSED, never a signal.
 *   - A zero-length write is a no-op that returns STATUS_OK in every
 *     state, even after a close or an abort: it never looks like EOF. A
 *     zero-length read returns STATUS_OK at once, in every state, too.
 *   - Atomicity follows POSIX PIPE_BUF: a write of at most
 *     pipe_atomic_limit() bytes enters the pipe in one piece, never
 *     interleaved with another writer's bytes. A larger write may be.
 *   - A reader waiting on an empty pipe lends it the buffer it reads into,
 *     and a writer copies straight into that buffer: one copy instead of
 *     two. Nothing above changes: those bytes count as buffered (and
 *     against the capacity) until the read returns them, and an abort or
 *     a read-side close discards them like any buffered byte.
 *   - Deadlines, like net.Conn's: pipe_set_read_deadline and
 *     pipe_set_write_deadline take an absolute sched_now_ns() time; a
 *     read or write that would still be waiting then returns
 *     STATUS_DEADLINE_EXCEEDED, and so does every later one until the
 *     deadline is moved. Setting a deadline wakes the calls already waiting
 *     so they see it. A deadline does not close the pipe.
 *
 * A NULL handle (the object a function works on, or an out-parameter) is a
 * programmer's mistake: every function here asserts against it. Only the
 * destroy function takes NULL, as a no-op.
 */
#ifndef PIPE_H
#define PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "core/sched.h"
#include "core/status.h"

struct trace;

/* Writes of at most this many bytes are atomic (Linux's PIPE_BUF). */
#define PIPE_ATOMIC 4096

/* How long a reader or writer watches for the other side (OS mode) before
 * it sleeps: checks of the counters, a sched_yield every 64. */
#ifndef PIPE_SPINS
#define PIPE_SPINS 2048
#endif
#ifndef PIPE_YIELD_EVERY
#define PIPE_YIELD_EVERY 64
#endif

/* Capacity used when a caller passes 0. */
#define PIPE_DEFAULT_CAPACITY (64 * 1024)

/* Counters kept by a pipe, for traces, tests and the lessons. */
struct pipe_stats {
    uint64_t written;     /* bytes that entered the pipe */
    uint64_t read;        /* bytes that left it through pipe_read */
    uint64_t discarded;   /* bytes dropped by an abort or a read-side close */
    uint64_t write_waits; /* times a writer found the pipe full and waited */
    uint64_t read_waits;  /* times a reader found the pipe empty and waited */
    uint64_t handed;      /* of read, bytes a writer copied straight into
                             the waiting reader's buffer (no ring) */
};

/* A pipe lives on the heap (pipe_create); its fields are in pipe.c. */
struct pipe;

/*
 * Creates a pipe holding up to capacity bytes (0 means
 * PIPE_DEFAULT_CAPACITY). name labels it in traces and reports (up to 7
 * characters; may be NULL), trace receives its block/wake events and bytes
 * (may be NULL).
 * Returns one of:
 *   STATUS_OK                  *out is the new pipe
 *   STATUS_RESOURCE_EXHAUSTED  out of memory; *out untouched
 * Free it with pipe_destroy once no thread uses it.
 */
enum status pipe_create(size_t capacity, const char *name, struct trace *trace,
                        struct pipe **out);

/* Frees p and its buffer. NULL is a no-op. No thread may be using p. */
void pipe_destroy(struct pipe *p);

/*
 * The bytes of a struct pipe, without its buffer (capacity bytes), like
 * libuv's uv_loop_size(): for a memory estimate without knowing the layout.
 * Never blocks.
 */
size_t pipe_struct_size(void);

/* The size of the largest write that is atomic on p: min(PIPE_ATOMIC, cap). */
size_t pipe_atomic_limit(const struct pipe *p);

/*
 * The bytes p holds: the capacity given to pipe_create (PIPE_DEFAULT_CAPACITY
 * for 0). Never blocks. Thread-safe: fixed at creation.
 */
size_t pipe_capacity(const struct pipe *p);

/*
 * p's name, as given to pipe_create (cut to 7 characters; "pipe" for NULL).
 * Never blocks. The string lives as long as p. Thread-safe: fixed at
 * creation.
 */
const char *pipe_name(const struct pipe *p);

/*
 * Writes len bytes from buf. Blocks while the pipe is full; woken when a
 * reader makes room, when the read end closes, on abort, or when the write
 * deadline passes. p must not be NULL, and buf may be NULL only when len
 * is 0 (assert).
 * *out_n (may be NULL) receives how many bytes entered the pipe, on success
 * (len) and on failure (the part accepted before it failed), like Go's Write.
 * Returns one of:
 *   STATUS_OK                 all len bytes are in the pipe
 *   STATUS_CLOSED             the read end is closed, or the write end was
 *                             already closed by pipe_close_write
 *   STATUS_DEADLINE_EXCEEDED  the write deadline passed
 *   STATUS_DEADLOCK           SIM mode: no thread could ever make room
 *   any status                the pipe was aborted with that status
 * Thread-safe.
 */
enum status pipe_write(struct pipe *p, const void *buf, size_t len,
                       size_t *out_n);

/*
 * Reads up to len bytes into buf. Blocks while the pipe is empty and the
 * write end is open; woken by data, by the half-close, by abort, or by the
 * read deadline. Returns as soon as at least one byte is there. p must
 * not be NULL, and buf may be NULL only when len is 0 (assert).
 * Returns one of:
 *   STATUS_OK                 *out_n (1..len, or 0 when len is 0) bytes read
 *   STATUS_EOF                the writer half-closed and every byte was read
 *   STATUS_CLOSED             the read end was closed by pipe_close_read
 *   STATUS_DEADLINE_EXCEEDED  the read deadline passed
 *   STATUS_DEADLOCK           SIM mode: no thread could ever write
 *   any status                the pipe was aborted with that status
 * *out_n is untouched on failure. Thread-safe.
 */
enum status pipe_read(struct pipe *p, void *buf, size_t len, size_t *out_n);

/*
 * pipe_read, and then, when it leaves the pipe empty, lends next (next_len
 * bytes) for what comes after: a writer may copy the next bytes straight
 * into it, as into a waiting reader's buffer. The reader's next pipe_read
 * or pipe_read_ahead into next takes them; pipe_unlend(p, next) ends the
 * loan otherwise, and must, before next is freed, moved or written. The
 * bytes lent count as buffered, as always. While this read waits, next
 * is lent too, behind buf. This is for a reader that knows where the next
 * bytes will go (frame_read: the header, then the payload into the
 * message's buffer). The simulator lends nothing ahead. next may be NULL
 * only when next_len is 0 (then this is pipe_read).
 * Returns what pipe_read returns. Thread-safe, but only one reader may
 * hold a loan: another reader's read ends it.
 */
enum status pipe_read_ahead(struct pipe *p, void *buf, size_t len, void *next,
                            size_t next_len, size_t *out_n);

/*
 * Ends a loan of buf made by pipe_read_ahead: bytes handed to it go back to
 * the pipe, in order. Without a loan of buf it is a no-op that takes no
 * lock (buf may be NULL). Call it from the thread that lent buf.
 */
void pipe_unlend(struct pipe *p, void *buf);

/*
 * Half-closes the pipe: no more writes; the reader drains what is buffered
 * and then gets STATUS_EOF. Wakes waiting readers and writers. Idempotent.
 * Thread-safe.
 */
void pipe_close_write(struct pipe *p);

/*
 * The reader is gone: buffered bytes are discarded, waiting and later
 * writers get STATUS_CLOSED. Later reads get STATUS_CLOSED too, even after
 * the writer's half-close. Idempotent. Thread-safe.
 */
void pipe_close_read(struct pipe *p);

/*
 * Aborts the pipe with reason: both ends fail at once with reason, and
 * buffered bytes are discarded. reason must be a gRPC error code (1..16)
 * or STATUS_DEADLOCK: an abort with EOF would look like a half-close
 * (assert).
 * The first reason wins: a later call changes nothing. Wakes every waiting
 * reader and writer.
 * Returns the number of bytes this call discarded. Thread-safe.
 */
size_t pipe_close_with_error(struct pipe *p, enum status reason);

/* Sets the read or write deadline (see the contract above). Thread-safe. */
void pipe_set_read_deadline(struct pipe *p, int64_t deadline_ns);
void pipe_set_write_deadline(struct pipe *p, int64_t deadline_ns);

/*
 * The read or write deadline as last set (absolute sched_now_ns() time), or
 * SCHED_NO_DEADLINE. Never blocks for long (takes p's lock). Thread-safe
 * (a snapshot).
 */
int64_t pipe_read_deadline(struct pipe *p);
int64_t pipe_write_deadline(struct pipe *p);

/* Bytes buffered right now. Thread-safe (a snapshot). */
size_t pipe_buffered(struct pipe *p);

/* A snapshot of p's counters. Thread-safe. */
struct pipe_stats pipe_get_stats(struct pipe *p);

/*
 * A sched_note_fn (sched.h) for a noted operation on the pipe obj: writes
 * its state into buf ("c2s: 5/64 bytes used", and ", writer closed",
 * ", reader closed" or ", aborted: CANCELLED" when so). It takes no lock:
 * the simulator calls it only while every simulated thread is stopped.
 */
void pipe_note_state(const void *obj, char *buf, size_t cap);

#endif /* PIPE_H */

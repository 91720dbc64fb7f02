/*
 * conduit: one direction of bytes between two threads, through duplex's
 * pipe or through what the kernel offers for the same job (pipe(2),
 * socketpair(2)), behind one interface, so that a figure runs the same
 * code through each. Frames go over a conduit as frame_write sends them.
 *
 * Design
 *   Every buffer, kernel or duplex, is asked for CAPACITY bytes. A conduit
 *   half-closes as its transport does: pipe_close_write, close(2) of the
 *   write end, shutdown(SHUT_WR). Errors come back as words (a status name
 *   or strerror), NULL when there is none: the figures put them in their
 *   failure messages. The program ignores SIGPIPE, so a write to a closed
 *   reader is an error, not a signal.
 */
#ifndef BENCH_CONDUIT_H
#define BENCH_CONDUIT_H

#include <stddef.h>
#include <stdint.h>

struct pipe;

#define CAPACITY (1024 * 1024) /* every pipe's buffer, kernel or duplex */

/* The same benchmark runs through each of these. */
enum via { VIA_DUPLEX, VIA_PIPE2, VIA_SOCKETPAIR, VIA_COUNT };

/* "duplex", "pipe(2)", "socketpair(2)". */
extern const char *const via_names[VIA_COUNT];

struct conduit {
    enum via via;
    struct pipe *p;    /* VIA_DUPLEX */
    int rfd;           /* the others: read end */
    int wfd;           /* ... and write end */
    int kernel_buffer; /* bytes: F_GETPIPE_SZ, or SO_SNDBUF as the kernel
                          reports it (it doubles what is asked); 0 for
                          duplex */
};

/* Opens c through via. Failing is a failed check (check_failed). */
void conduit_open(struct conduit *c, enum via via);

/* Writes all len bytes. Returns NULL, or what went wrong. */
const char *conduit_write(struct conduit *c, const uint8_t *buf, size_t len);

/* Reads 1..cap bytes, or 0 at EOF (*out_n). Returns NULL, or what went
 * wrong. */
const char *conduit_read(struct conduit *c, uint8_t *buf, size_t cap,
                         size_t *out_n);

/* The half-close: the reader drains what is there, then sees EOF. */
void conduit_close_write(struct conduit *c);

/* The reader gave up: a blocked writer must not wait for it forever. */
void conduit_close_read(struct conduit *c);

/* Frees what open took and closes what is still open. */
void conduit_close(struct conduit *c);

/* One frame as frame_write sends it: the 5-byte header, then the payload.
 * Returns NULL, or what went wrong. */
const char *conduit_frame_send(struct conduit *c, const uint8_t *payload,
                               size_t len);

/*
 * One frame into buf (MAX_SIZE bytes): its payload's length in *out_len,
 * or *out_eof set when the conduit ended cleanly before a header. Returns
 * NULL, or what went wrong (an EOF inside a frame, a bad header).
 */
const char *conduit_frame_recv(struct conduit *c, uint8_t *buf, size_t *out_len,
                               int *out_eof);

#endif /* BENCH_CONDUIT_H */

/* drain-before-cancel: read to the end, then cancel. See README.md. */
#ifndef EX_DRAIN_BEFORE_CANCEL_H
#define EX_DRAIN_BEFORE_CANCEL_H

#include "core/stream.h"

/* Room for one update, including its terminating NUL. */
#define EX_UPDATE_MAX 32

/*
 * The client of a server-streaming call on s: the server sends updates,
 * then finishes the call with a status.
 *
 * Reads updates on stream_client(s), in order, until stream_recv stops
 * returning OK (EOF when the server finished OK, else the call's status);
 * update i goes to updates[i] while i < max (NUL-terminated, cut to
 * EX_UPDATE_MAX - 1 bytes), and *out_got counts every update read. Then,
 * and only then, cancels the call (stream_cancel, Go's `defer cancel()`):
 * by that time the call has its final status, so the cancel frees what is
 * left and changes nothing else.
 * Returns the call's final status after the cancel (stream_final_status):
 *   STATUS_OK          the server finished OK and every update was read
 *   the server's code  the server finished with an error, after the
 *                      updates it sent (all of them read too)
 *   STATUS_CANCELLED   the call was cancelled before it ended: whatever was
 *                      still in s2c was lost
 */
enum status ex_read_updates(struct stream *s, char updates[][EX_UPDATE_MAX],
                            int max, int *out_got);

#endif /* EX_DRAIN_BEFORE_CANCEL_H */

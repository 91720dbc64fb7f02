/* bidi-echo: one thread per direction on a client. See README.md. */
#ifndef EX_BIDI_ECHO_H
#define EX_BIDI_ECHO_H

#include "core/stream.h"

/* Room for one echo, including its terminating NUL. */
#define EX_ECHO_MAX 32

/*
 * The client of an echo call on s (the server echoes each message as
 * "echo: <text>" and finishes with OK at EOF).
 *
 * Sends msgs[0..n-1] on stream_client(s), in order (each string's bytes
 * without its NUL), from a sender thread of its own named "client/send", then
 * half-closes (stream_close_send). Meanwhile, on the calling thread,
 * receives echoes until the call ends: the i-th goes to echoes[i]
 * (NUL-terminated, cut to EX_ECHO_MAX - 1 bytes) while i < n, and
 * *out_got counts every echo received. Joins the sender before it returns.
 *
 * Must work for any pipe capacity: the server echoes while the client is
 * still sending, and stops reading when s2c is full, so somebody has to
 * keep reading s2c while the sender waits for room on c2s.
 * Returns one of:
 *   STATUS_OK   the server finished OK (recv returned EOF) and every send
 *               went through
 *   any status  the first failure: the receiver's, else the sender's (a
 *               send's STATUS_EOF is no failure: it says the server ended
 *               the call first, and recv tells how)
 */
enum status ex_echo_client(struct stream *s, const char *const *msgs, int n,
                           char echoes[][EX_ECHO_MAX], int *out_got);

#endif /* EX_BIDI_ECHO_H */

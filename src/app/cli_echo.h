/*
 * cli_echo: the echo's messages over a real socket, shared by `duplex
 * serve` and `duplex call` on both wires (HTTP/2 and --wire raw).
 *
 * Design
 *   A client's message i is the echo scenario's words ("hello", "how are
 *   you?", "bye", "message 4", ...) or, with --size, that many 'x's. The
 *   server answers "echo: <text>", "echo: N bytes" for a message longer
 *   than CALL_TEXT_MAX, and N 'x's for "size:N", so a client can try
 *   gRPC's 4 MiB limit in both directions.
 */
#ifndef CLI_ECHO_H
#define CLI_ECHO_H

#include "core/frame.h"
#include "core/stream.h"

/*
 * Sends message i on e: the words when size < 0, else size bytes of 'x'.
 * Returns what stream_send returns, or STATUS_RESOURCE_EXHAUSTED when
 * there is no memory for the message (why says so).
 */
enum status cli_echo_send(struct stream_end *e, int i, long long size,
                          struct status_detail *why);

/* N when msg is "size:N" (N of up to 10 digits), else -1. */
long cli_echo_size_asked(const struct frame_msg *msg);

/*
 * Sends the server's reply to msg on e (see Design). *sent (may be NULL)
 * gets the reply's payload bytes when it went, else is left alone.
 * Returns what cli_echo_send or stream_send returns.
 */
enum status cli_echo_reply(struct stream_end *e, const struct frame_msg *msg,
                           unsigned long long *sent,
                           struct status_detail *why);

#endif /* CLI_ECHO_H */

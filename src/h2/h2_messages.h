/*
 * h2_messages: the gRPC messages in each HTTP/2 stream's DATA, for
 * h2_dissect.
 *
 *     39  00 00 04 | 00 | 00 | 00 00 00 01  DATA stream=1 len=4
 *           grpc @0  4 of the 5 header bytes so far
 *     52  00 00 06 | 00 | 01 | 00 00 00 01  DATA stream=1 len=6 END_STREAM
 *           grpc @0  00 | 00 00 00 05 | 68 65 6c 6c 6f  flag=0 len=5 ...
 *
 * Design
 *   Each stream's DATA bytes are one gRPC byte stream of their own: a
 *   message may span DATA frames, and a DATA frame may hold several. So
 *   each stream keeps the bytes that do not make a whole message yet,
 *   and its offset among that stream's DATA bytes ("@N"). A message is
 *   printed in view/dissect.h's line format under the DATA frame that
 *   completes it; a frame that leaves part of one says how much has come.
 *   The checks are frame_decode_header's, with grpc-go's texts, as
 *   `duplex decode` gives them for gRPC frames on the raw wire; a stream
 *   that ends (END_STREAM) inside a message is "unexpected EOF", what a
 *   receiver's recv fails with.
 */
#ifndef H2_MESSAGES_H
#define H2_MESSAGES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/frame.h"
#include "core/status.h"

/* The streams of one direction (heap-only: see h2_messages_create). */
struct h2_messages;

/*
 * Starts with no stream, judging messages against *lim (copied; its
 * encoding string is borrowed) and printing to out, with ANSI colours
 * when colour is non-zero.
 * Returns one of:
 *   STATUS_OK                  *out_m is it (free it with
 *                              h2_messages_destroy)
 *   STATUS_RESOURCE_EXHAUSTED  no memory; *out_m untouched
 */
enum status h2_messages_create(const struct frame_limits *lim, FILE *out,
                               int colour, struct h2_messages **out_m);

/* Frees m and every stream's bytes. A NULL m is a no-op. */
void h2_messages_destroy(struct h2_messages *m);

/*
 * Takes the n bytes of a DATA frame's content on stream (padding left
 * out), prints every message they complete and, unless end_stream, how
 * much of the next has come; end_stream: the frame had END_STREAM (see
 * h2_messages_end_stream).
 * Returns one of:
 *   STATUS_OK                  printed
 *   STATUS_INTERNAL            a message with a bad flag, or compressed
 *                              with no encoding; or the stream ended
 *                              inside a message
 *   STATUS_RESOURCE_EXHAUSTED  a message longer than lim.max_recv, or no
 *                              memory to hold the stream's bytes
 * On failure the message's bytes (up to 16) and the status with its text
 * are printed: the dissection is over.
 */
enum status h2_messages_data(struct h2_messages *m, uint32_t stream,
                             const uint8_t *p, size_t n, int end_stream);

/*
 * The stream ended (END_STREAM on its DATA or trailers).
 * Returns one of:
 *   STATUS_OK        it ended between two messages
 *   STATUS_INTERNAL  it ended inside one: prints its bytes and
 *                    "INTERNAL: unexpected EOF"
 */
enum status h2_messages_end_stream(struct h2_messages *m, uint32_t stream);

#endif /* H2_MESSAGES_H */

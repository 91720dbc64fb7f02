/*
 * Mutant 01 of h2-frames: END_STREAM on the request's HEADERS.
 *
 * The mistake: a client with no message to send puts END_STREAM on its
 * request HEADERS, as an HTTP GET does. gRPC's request always has a body
 * to come: the HEADERS never end the stream, and CloseSend is END_STREAM
 * on an (empty) DATA frame, even when there was no message.
 * Lesson: lesson/day-127-h2-wire.md, "Mistakes Made" (END_STREAM on the
 * request HEADERS); notes/http2-frames.md's table.
 * From: exercises/solutions/h2-frames.c; the client's first entry is EX_TRAILERS (HEADERS + END_STREAM) and no
 * EX_END_STREAM follows when it sends no message.
 */
#include "h2-frames.h"

#include <stddef.h>

/* The client: HEADERS, its messages, then CloseSend or a cancel. */
static size_t client_frames(const struct ex_call *call, enum ex_frame *out)
{
    size_t n = 0;

    if (call->messages == 0 && call->close_send)
        out[n++] = EX_TRAILERS; /* nothing to send: END_STREAM at once */
    else
        out[n++] = EX_HEADERS;
    if (call->messages > 0)
        out[n++] = EX_DATA;
    if (call->close_send && call->messages > 0)
        out[n++] = EX_END_STREAM; /* on an empty DATA frame */
    else if (call->cancel)
        out[n++] = EX_RST_CANCEL;
    return n;
}

/* The server: the window back, its reply, then its status. */
static size_t server_frames(const struct ex_call *call, enum ex_frame *out)
{
    int window = call->window > 0 ? call->window : 65535;
    int replies =
        call->messages * call->replies_per_message + call->replies_at_end;
    size_t n = 0;

    /* Its reader consumed half the window while more could come. */
    if (call->messages * (call->message_bytes + 5) >= window / 2)
        out[n++] = EX_WINDOW_UPDATE;
    if (replies > 0) {
        out[n++] = EX_HEADERS;
        out[n++] = EX_DATA;
    }
    if (call->cancel)
        return n; /* a reset call has no status on the wire */
    out[n++] = EX_TRAILERS; /* trailers-only when there was no reply */
    if (!call->close_send)
        out[n++] = EX_RST_NO_ERROR; /* the client's side is still open */
    return n;
}

void ex_predict(const struct ex_call *call, int side,
                enum ex_frame out[EX_MAX_FRAMES])
{
    size_t n = side == EX_CLIENT ? client_frames(call, out)
                                 : server_frames(call, out);

    out[n] = EX_NONE;
}

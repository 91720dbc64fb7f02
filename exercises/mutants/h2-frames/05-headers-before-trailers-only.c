/*
 * Mutant 05 of h2-frames: response HEADERS with no reply.
 *
 * The mistake: the server sends its response HEADERS even when it
 * replies nothing, then its trailers. A server that sends no message
 * answers trailers-only: one HEADERS frame, with END_STREAM and the
 * status.
 * Lesson: lesson/day-127-h2-wire.md, "Topics" and the trailers-only
 * card.
 * From: exercises/solutions/h2-frames.c; EX_HEADERS is written whatever the replies.
 */
#include "h2-frames.h"

#include <stddef.h>

/* The client: HEADERS, its messages, then CloseSend or a cancel. */
static size_t client_frames(const struct ex_call *call, enum ex_frame *out)
{
    size_t n = 0;

    out[n++] = EX_HEADERS; /* never END_STREAM: a body always follows */
    if (call->messages > 0)
        out[n++] = EX_DATA;
    if (call->close_send)
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
    out[n++] = EX_HEADERS;
    if (replies > 0)
        out[n++] = EX_DATA;
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

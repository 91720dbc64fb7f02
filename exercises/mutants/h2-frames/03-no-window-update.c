/*
 * Mutant 03 of h2-frames: no WINDOW_UPDATE.
 *
 * The mistake: the server never gives the window back. A receiver must
 * send WINDOW_UPDATE once its application read the bytes, or a sender
 * with more than a window to send waits for ever; three 15-byte frames
 * through a 16-byte window need it.
 * Lesson: lesson/day-128-flow-control-hot.md, "Notes"; notes/
 * flow-control-windows.md, "When the window comes back".
 * From: exercises/solutions/h2-frames.c; the EX_WINDOW_UPDATE line is gone.
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

    (void)window;
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

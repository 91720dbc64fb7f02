/*
 * Mutant 02 of window-stall: the gRPC header forgotten.
 *
 * The mistake: a message takes its payload on the wire, not payload
 * + 5: the 5-byte gRPC header (flag, length) is forgotten, so the
 * frames are counted too small.
 * Lesson: lesson/day-114-frames.md; lesson/day-127-h2-wire.md ("DATA
 * carry each message's 5-byte header and its payload").
 * From: exercises/solutions/window-stall.c; frame_of returns the payload alone.
 */
#include "window-stall.h"

/* What a frame of payload bytes takes on the wire: the gRPC header too. */
static int64_t frame_of(size_t payload)
{
    return (int64_t)payload;
}

int ex_sends_before_stall(int32_t window, int32_t conn_window,
                          size_t payload)
{
    int64_t w = window > 0 ? window : EX_DEFAULT_WINDOW;
    int64_t cw = conn_window > 0 ? conn_window : EX_DEFAULT_WINDOW;
    int64_t holds = EX_WRITE_QUOTA + (w < cw ? w : cw);
    int64_t f = frame_of(payload);

    /* The window's bytes on the wire, the quota's queued; the last
     * message may take the queue past the quota. */
    return (int)((holds + f - 1) / f);
}

int32_t ex_smallest_window(int messages, size_t payload)
{
    /* Send number messages passes while fewer than the quota are queued:
     * (messages - 1) frames - window < quota. */
    int64_t w = (int64_t)(messages - 1) * frame_of(payload) - EX_WRITE_QUOTA +
                1;

    if (w < 1)
        return 1;
    return w > EX_DEFAULT_WINDOW ? 0 : (int32_t)w;
}

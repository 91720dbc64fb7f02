/*
 * Mutant 01 of window-stall: the write quota forgotten.
 *
 * The mistake: only the window counts; grpc-go's write quota is
 * left out. Send returns while fewer than 64 KiB are queued, so a
 * sender gets a quota's worth of messages ahead of the window.
 * Lesson: lesson/day-128-flow-control-hot.md, "Notes" and "Mistakes
 * Made" (Send returns until 64 KiB more are queued).
 * From: exercises/solutions/window-stall.c; holds is the window alone.
 */
#include "window-stall.h"

/* What a frame of payload bytes takes on the wire: the gRPC header too. */
static int64_t frame_of(size_t payload)
{
    return (int64_t)payload + 5;
}

int ex_sends_before_stall(int32_t window, int32_t conn_window,
                          size_t payload)
{
    int64_t w = window > 0 ? window : EX_DEFAULT_WINDOW;
    int64_t cw = conn_window > 0 ? conn_window : EX_DEFAULT_WINDOW;
    int64_t holds = w < cw ? w : cw;
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

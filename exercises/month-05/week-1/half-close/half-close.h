/* half-close: an uploader that says "that was all". See README.md. */
#ifndef EX_HALF_CLOSE_H
#define EX_HALF_CLOSE_H

#include <stddef.h>

#include "core/frame.h"
#include "core/pipe.h"
#include "core/status.h"

/*
 * The uploader: writes msgs[0..n-1] to p, in order, each as one frame
 * (frame_write, flag FRAME_FLAG_PLAIN, the string's bytes without its NUL,
 * max_send FRAME_DEFAULT_MAX_SEND), then half-closes p (pipe_close_write)
 * so the reader, after the last frame, sees EOF. The half-close is done
 * whatever happened, like a deferred CloseWrite in Go. Blocks while p is
 * full.
 * Returns one of:
 *   STATUS_OK   every frame is in the pipe, and the pipe is half-closed
 *   any status  the first frame_write that failed (STATUS_CLOSED: the
 *               reader hung up); no later frame is written
 */
enum status ex_upload(struct pipe *p, const char *const *msgs, int n);

/*
 * The counter: reads frames from p (frame_read, default limits) until the
 * writer half-closes, counting the frames and their payload bytes. Blocks
 * while p is empty and its writer open.
 * Returns one of:
 *   STATUS_OK                  a clean end: EOF between two frames
 *   STATUS_INTERNAL            the pipe ended inside a frame ("unexpected
 *                              EOF"), or a bad header
 *   STATUS_RESOURCE_EXHAUSTED  a frame over the default limit
 *   any other status frame_read returned
 * *out_count and *out_bytes hold the whole frames read, also on failure.
 */
enum status ex_count(struct pipe *p, int *out_count, size_t *out_bytes);

#endif /* EX_HALF_CLOSE_H */

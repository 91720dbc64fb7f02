/* partial-reads: whole frames from a pipe of short reads. See README.md. */
#ifndef EX_PARTIAL_READS_H
#define EX_PARTIAL_READS_H

#include <stddef.h>
#include <stdint.h>

#include "core/frame.h"
#include "core/pipe.h"
#include "core/status.h"

/* The largest payload ex_read_frame accepts: this receiver's max_recv. */
#define EX_FRAME_MAX 64

/* One frame as ex_read_frame returns it. */
struct ex_frame {
    uint8_t flag;    /* byte 0 of the header, as it came */
    uint32_t length; /* payload bytes, at most EX_FRAME_MAX */
    uint8_t payload[EX_FRAME_MAX];
};

/*
 * Reads exactly len bytes from p into buf, however the pipe hands them out.
 * pipe_read returns as soon as at least one byte is there, so one call can
 * return fewer bytes than asked for (a short read): this keeps reading
 * until len are in, like Go's io.ReadFull. Blocks while p is empty.
 * Returns one of:
 *   STATUS_OK        all len bytes are in buf (len 0: at once)
 *   STATUS_EOF       the writer half-closed before the first byte came
 *   STATUS_INTERNAL  the writer half-closed after some bytes but before
 *                    len (Go's io.ErrUnexpectedEOF, grpc's "unexpected EOF")
 *   any other status pipe_read returned, passed on as it is
 * buf holds what was read so far on failure.
 */
enum status ex_read_full(struct pipe *p, void *buf, size_t len);

/*
 * Reads one gRPC frame from p: the 5-byte header, then its payload, with
 * ex_read_full. The length is judged from the header alone, before any
 * payload byte is awaited.
 * Returns one of:
 *   STATUS_OK                  *out holds the frame
 *   STATUS_EOF                 a clean end: the pipe ended exactly between
 *                              two frames
 *   STATUS_INTERNAL            the pipe ended inside the header or inside
 *                              the payload ("unexpected EOF"), also right
 *                              after a header that promised a payload
 *   STATUS_RESOURCE_EXHAUSTED  the header's length is over EX_FRAME_MAX
 *   any other status pipe_read returned
 * *out is unspecified on failure.
 */
enum status ex_read_frame(struct pipe *p, struct ex_frame *out);

#endif /* EX_PARTIAL_READS_H */

/*
 * dissect: bytes read as gRPC frames, the way a receiver reads them.
 *
 *     offset  fl | length      | payload
 *          0  00 | 00 00 00 05 | 68 65 6c 6c 6f  flag=0 len=5 "hello"
 *         10  02 00 00 00 01 78
 *             INTERNAL: grpc: received unexpected payload format 2
 *
 * Each frame is a line: its offset in the stream, the flag byte, the four
 * length bytes, the first payload bytes, then flag, length and a preview
 * of the payload. Where the bytes stop being frames, the dissection says
 * what a receiver would get: "end: N frames, clean EOF" when they end
 * between two frames, or the bytes from the bad place on and the status
 * with grpc-go's text (frame.h lists them): a bad flag, a length above the
 * limit, or "unexpected EOF" inside a header or a payload.
 *
 * Design
 *   One dissector for both readers of frames: the hexdump of a trace
 *   (view/hexdump.h), which has every byte at once (dissect_buffer), and
 *   `duplex decode`, which reads its input as it arrives and judges each
 *   header as soon as its 5 bytes are in, before any payload byte is
 *   awaited (dissect_start, dissect_frames for each piece, dissect_end).
 *   The header checks are frame_decode_header's, so the dissector, the
 *   codec and the streams cannot disagree about what is a bad frame.
 *   An input that ends inside a frame gets the receiver's text,
 *   "unexpected EOF", as frame_read returns it; decode, whose reader wants
 *   to know how much of the frame came, also asks for where it stopped
 *   (say_where).
 *   The caller keeps the bytes: struct dissect holds only where the stream
 *   is and what to print, so dissect_frames says how many bytes it is done
 *   with and the caller keeps the rest for the next call.
 */
#ifndef VIEW_DISSECT_H
#define VIEW_DISSECT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/frame.h"
#include "core/status.h"

/* One dissection in progress. Fill it with dissect_start. */
struct dissect {
    struct frame_limits lim; /* what the receiver accepts */
    FILE *out;               /* where the lines go */
    int colour;              /* paint headers and failures (ANSI) */
    int say_where;           /* an unexpected EOF says where: see dissect_end */
    size_t offset;           /* stream offset of the next byte to dissect */
    size_t frames;           /* whole, valid frames printed so far */
};

/*
 * Starts a dissection that prints to out, judging headers against lim
 * (NULL: frame_default_limits; its encoding string is borrowed, not
 * copied), with ANSI colours when colour is non-zero. Prints the column
 * heads. say_where starts at 0; set it after this call for decode's texts.
 */
void dissect_start(struct dissect *d, const struct frame_limits *lim, FILE *out,
                   int colour);

/*
 * Dissects buf, the next len bytes of the stream: prints every whole frame
 * at its start, and judges each header as soon as its 5 bytes are in,
 * whether or not its payload has come.
 * Returns one of:
 *   STATUS_OK                  *out_used bytes were whole, valid frames,
 *                              now printed; the rest (less than a frame)
 *                              waits for more input: pass it again with
 *                              what follows, or to dissect_end
 *   STATUS_INTERNAL            a header with a bad flag, or compressed with
 *                              no encoding
 *   STATUS_RESOURCE_EXHAUSTED  a header whose length is above lim.max_recv
 * On failure the bad header's bytes (up to 16 from it on) and the status
 * with grpc-go's text are printed, *out_used is untouched, and the
 * dissection is over (a receiver fails the call there): call nothing more.
 */
enum status dissect_frames(struct dissect *d, const uint8_t *buf, size_t len,
                           size_t *out_used);

/*
 * Ends the dissection at the end of the input; rest is the len bytes that
 * dissect_frames left.
 * Returns one of:
 *   STATUS_EOF       len is 0: prints "end: N frames, clean EOF"
 *   STATUS_INTERNAL  the input ended inside a frame: prints its bytes and
 *                    "INTERNAL: unexpected EOF", the text a receiver gets;
 *                    with say_where, followed by where the frame stopped,
 *                    "(header: 3 of 5 bytes)" or "(payload: 2 of 5 bytes)"
 */
enum status dissect_end(struct dissect *d, const uint8_t *rest, size_t len);

/*
 * The two kinds of line a dissection is made of, for a caller that prints
 * one itself: decode, out of memory for a frame, ends with a failure of
 * its own at d->offset.
 *
 * dissect_print_frame prints the good frame found at offset: frame points
 * at its header, h is that header decoded, and the payload follows it.
 * dissect_print_bad prints where bytes stop being frames: up to 16 of the
 * n bytes at rest (which start at offset), then st and its text.
 * Both paint with ANSI colours when colour is non-zero.
 */
void dissect_print_frame(FILE *out, size_t offset, const uint8_t *frame,
                         const struct frame_header *h, int colour);
void dissect_print_bad(FILE *out, size_t offset, const uint8_t *rest, size_t n,
                       enum status st, const char *text, int colour);

/*
 * Dissects a whole buffer: dissect_start, dissect_frames and, unless a
 * header was bad, dissect_end. lim may be NULL (the defaults).
 * Returns the status a receiver ends with: STATUS_EOF when every byte
 * formed whole, valid frames, else the status of the first bad frame (see
 * dissect_frames and dissect_end). Sets *out_frames (may be NULL) to the
 * number of good frames, whatever the status.
 */
enum status dissect_buffer(const uint8_t *buf, size_t len,
                           const struct frame_limits *lim, FILE *out,
                           int colour, size_t *out_frames);

#endif /* VIEW_DISSECT_H */

/*
 * h2_dissect: bytes read as HTTP/2 frames, and the gRPC messages inside
 * their DATA, the way a receiver reads them.
 *
 * offset  length   | ty | fl | stream
 *      0  client preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
 *     24  00 00 06 | 04 | 00 | 00 00 00 00  SETTINGS stream=0 len=6
 *           MAX_CONCURRENT_STREAMS=100
 *     39  00 00 0a | 00 | 01 | 00 00 00 01  DATA stream=1 len=10 END_STREAM
 *           grpc @0  00 | 00 00 00 05 | 68 65 6c 6c 6f  flag=0 len=5 "hello"
 *     58  end: 2 frames, clean EOF
 *
 * Each frame is a line: its offset in the byte stream, its 9 header bytes
 * (length, type, flags, stream id), then its type, stream and length by
 * name and its flags by name. The lines under it say what it carries:
 * SETTINGS by name, a WINDOW_UPDATE's increment, RST_STREAM and GOAWAY
 * codes by name, the header fields of HEADERS, PUSH_PROMISE and
 * CONTINUATION decoded with HPACK, and the gRPC messages of each stream's
 * DATA, in the line format of view/dissect.h with "@N" for the message's
 * offset among its stream's DATA bytes.
 *
 * Design
 *   One dissection reads one direction of one connection: one HPACK
 *   inflater (nghttp2_hd_inflate_*), so the dynamic table a HEADERS fills
 *   is there for the next one, and one gRPC byte stream per HTTP/2
 *   stream, so a message may span DATA frames and a DATA frame may hold
 *   several messages. A message is printed under the DATA frame that
 *   completes it; a DATA frame that leaves part of one says how much has
 *   come. The gRPC checks are frame_decode_header's, with its texts, as
 *   `duplex decode` without --h2 gives them.
 *   A frame header is judged as soon as its 9 bytes are in (a length
 *   above SETTINGS_MAX_FRAME_SIZE, 16384, is a FRAME_SIZE_ERROR before any
 *   payload byte is awaited); the rest of a frame when it is whole.
 *   What is wrong is said as the HTTP/2 error a receiver would answer it
 *   with (PROTOCOL_ERROR, FRAME_SIZE_ERROR, COMPRESSION_ERROR), naming the
 *   frame and its offset, with nghttp2's own text where nghttp2 found it
 *   (an HPACK error); its status is INTERNAL, as grpc-go fails a call on
 *   a connection error.
 *   The caller keeps the bytes, as with view/dissect.h: h2_dissect_bytes
 *   says how many it is done with.
 */
#ifndef H2_DISSECT_H
#define H2_DISSECT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/frame.h"
#include "core/status.h"
#include "core/trace.h"

/* The largest frame a receiver takes: SETTINGS_MAX_FRAME_SIZE's default. */
#define H2_DISSECT_MAX_FRAME 16384
/* An HTTP/2 frame header: length (3), type, flags, stream id (4). */
#define H2_DISSECT_HEADER_LEN 9
/* The client connection preface, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n". */
#define H2_DISSECT_PREFACE_LEN 24

/* One dissection in progress (heap-only: see h2_dissect_create). */
struct h2_dissect;

/*
 * Starts a dissection that prints to out, judging gRPC messages against
 * lim (NULL: frame_default_limits; its encoding string is borrowed), with
 * ANSI colours when colour is non-zero. Prints the column heads.
 * Returns one of:
 *   STATUS_OK                  *out_d is the dissection (free it with
 *                              h2_dissect_destroy)
 *   STATUS_RESOURCE_EXHAUSTED  no memory (for it or its HPACK inflater);
 *                              *out_d untouched, nothing printed
 */
enum status h2_dissect_create(const struct frame_limits *lim, FILE *out,
                              int colour, struct h2_dissect **out_d);

/* Frees d and everything it holds. A NULL d is a no-op. */
void h2_dissect_destroy(struct h2_dissect *d);

/*
 * Dissects buf, the next len bytes of the stream: the client preface if
 * the stream starts with it, then every whole frame, with what it
 * carries. A frame header is judged as soon as its 9 bytes are in.
 * Returns one of:
 *   STATUS_OK                  *out_used bytes were the preface or whole,
 *                              valid frames, now printed; the rest (less
 *                              than a frame) waits for more input: pass it
 *                              again with what follows, or to
 *                              h2_dissect_end
 *   STATUS_INTERNAL            bad HTTP/2 (a frame too long or of the
 *                              wrong length for its type, bad padding, a
 *                              frame on the wrong stream, an HPACK error,
 *                              a header block broken off), or a gRPC
 *                              message with a bad flag or compressed with
 *                              no encoding, or a stream that ended inside
 *                              a gRPC message
 *   STATUS_RESOURCE_EXHAUSTED  a gRPC message longer than lim.max_recv, or
 *                              no memory to hold a stream's message
 * On failure the bad frame's bytes (up to 16 from it on) and the status
 * with its text are printed, *out_used is untouched, and the dissection
 * is over (a receiver fails there): call nothing more but destroy.
 */
enum status h2_dissect_bytes(struct h2_dissect *d, const uint8_t *buf,
                             size_t len, size_t *out_used);

/*
 * Ends the dissection at the end of the input; rest is the len bytes that
 * h2_dissect_bytes left.
 * Returns one of:
 *   STATUS_EOF       len is 0 and no header block is broken off: prints
 *                    "end: N frames, clean EOF"
 *   STATUS_INTERNAL  the input ended inside a frame (or the preface):
 *                    prints its bytes and "unexpected EOF (header: 3 of 9
 *                    bytes)" or "(payload: 2 of 6 bytes)"; or it ended
 *                    inside a header block (CONTINUATION expected)
 */
enum status h2_dissect_end(struct h2_dissect *d, const uint8_t *rest,
                           size_t len);

/* The number of whole, valid frames printed so far. */
size_t h2_dissect_frames(const struct h2_dissect *d);

/*
 * Dissects a whole buffer: create, bytes and, unless they failed, end.
 * lim may be NULL (the defaults).
 * Returns STATUS_EOF when every byte formed whole, valid frames, else the
 * status of the first bad one (see h2_dissect_bytes and h2_dissect_end),
 * or STATUS_RESOURCE_EXHAUSTED with nothing printed when there is no
 * memory to start. Sets *out_frames (may be NULL) to the number of good
 * frames, whatever the status.
 */
enum status h2_dissect_buffer(const uint8_t *buf, size_t len,
                              const struct frame_limits *lim, FILE *out,
                              int colour, size_t *out_frames);

/*
 * The hexdump of a run on the h2 wire: each pipe's bytes in t as HTTP/2
 * frames, under a line with the pipe's name and byte count ("(first 64
 * KiB shown)" when not every byte was kept), as view/hexdump.h prints the
 * raw wire's. A NULL t prints nothing. Call it after every thread that
 * records into t has been joined.
 */
void h2_dissect_hexdump(const struct trace *t, FILE *out, int colour);

#endif /* H2_DISSECT_H */

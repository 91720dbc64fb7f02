/*
 * frame: gRPC's length-prefixed message framing.
 *
 * On the wire, every gRPC message is a 5-byte header and a payload:
 *
 *     byte 0      bytes 1..4                      bytes 5..
 *   +--------+--------+--------+--------+--------+=================+
 *   |  flag  |     length (unsigned, big-endian)  |  payload        |
 *   +--------+--------+--------+--------+--------+=================+
 *     0 = plain, 1 = compressed                      length bytes
 *
 * This module packs and unpacks that header, over a byte buffer (for
 * `duplex decode` and the codec tests) and over a pipe (for streams).
 *
 * The receiver's checks, in grpc-go's order, with its exact texts:
 *   - length > max_recv:    STATUS_RESOURCE_EXHAUSTED
 *       "grpc: received message larger than max (N vs. M)"
 *     decided from the header alone, before allocating or waiting for the
 *     payload. The limit is inclusive: a message of exactly max_recv bytes
 *     is fine.
 *   - flag not 0 or 1:      STATUS_INTERNAL
 *       "grpc: received unexpected payload format N"
 *   - flag 1, no encoding:  STATUS_INTERNAL
 *       "grpc: compressed flag set with identity or empty encoding"
 *     also judged from the header (grpc-go reads the payload first; the
 *     status is the same).
 *   - the bytes end inside a header or a payload: STATUS_INTERNAL
 *       "unexpected EOF"
 *     while ending exactly between two frames is a clean STATUS_EOF.
 * The sender's check: a payload longer than max_send gives
 * STATUS_RESOURCE_EXHAUSTED "trying to send message larger than max
 * (N vs. M)" and nothing is written.
 *
 * A zero-length message is a message: a 5-byte header and no payload.
 */
#ifndef FRAME_H
#define FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

struct pipe;

#define FRAME_HEADER_LEN 5
#define FRAME_FLAG_PLAIN 0
#define FRAME_FLAG_COMPRESSED 1

/* grpc-go's defaults: 4 MiB to receive, MaxInt32 to send. */
#define FRAME_DEFAULT_MAX_RECV 4194304u
#define FRAME_DEFAULT_MAX_SEND 2147483647u

struct frame_header {
    uint8_t flag;    /* FRAME_FLAG_PLAIN or FRAME_FLAG_COMPRESSED */
    uint32_t length; /* payload bytes that follow the header */
};

/* What the receiver accepts. */
struct frame_limits {
    uint32_t max_recv;    /* largest payload accepted, inclusive */
    const char *encoding; /* negotiated compression; NULL or "identity": none */
};

/* The defaults: FRAME_DEFAULT_MAX_RECV and no compression. */
extern const struct frame_limits frame_default_limits;

/*
 * A received message. Reuse one across reads: its buffer only grows, so a
 * steady stream allocates nothing. Start it zeroed ({0}); free it with
 * frame_msg_free.
 */
struct frame_msg {
    uint8_t flag;
    uint8_t *data; /* length bytes, owned by the struct */
    uint32_t length;
    size_t cap; /* bytes allocated at data */
};

/* Frees m's buffer and zeroes it. NULL is a no-op. */
void frame_msg_free(struct frame_msg *m);

/* Big-endian helpers, used by everything that touches the header. */
uint32_t frame_get_u32(const uint8_t *p);
void frame_put_u32(uint8_t *p, uint32_t v);

/* Writes the 5 header bytes for a payload of length bytes. */
void frame_encode_header(uint8_t out[FRAME_HEADER_LEN], uint8_t flag,
                         uint32_t length);

/*
 * Checks and unpacks 5 header bytes against lim (NULL: the defaults).
 * Returns one of:
 *   STATUS_OK                  *out is the header
 *   STATUS_INTERNAL            bad flag, or compressed without an encoding
 *   STATUS_RESOURCE_EXHAUSTED  length above lim->max_recv
 * *out is untouched on failure; why (may be NULL) gets grpc-go's text.
 */
enum status frame_decode_header(const uint8_t in[FRAME_HEADER_LEN],
                                const struct frame_limits *lim,
                                struct frame_header *out,
                                struct status_detail *why);

/*
 * The sender's check, shared by frame_write and the stream.
 * Returns one of:
 *   STATUS_OK                  length fits max_send
 *   STATUS_RESOURCE_EXHAUSTED  "trying to send message larger than max
 *                              (N vs. M)" (in why, which may be NULL)
 */
enum status frame_check_send(size_t length, uint32_t max_send,
                             struct status_detail *why);

/*
 * Encodes one frame into out (out_cap bytes).
 * Returns one of:
 *   STATUS_OK                  *out_len = FRAME_HEADER_LEN + length
 *   STATUS_RESOURCE_EXHAUSTED  out is too small, or length > UINT32_MAX
 * *out_len is untouched on failure.
 */
enum status frame_encode(uint8_t flag, const void *payload, size_t length,
                         uint8_t *out, size_t out_cap, size_t *out_len);

/*
 * Decodes the frame at the start of buf (len bytes).
 * Returns one of:
 *   STATUS_OK        *hdr, *payload (points into buf) and *consumed are set
 *   STATUS_EOF       len is 0: a clean end between frames
 *   STATUS_INTERNAL  bad header, or "unexpected EOF" (buf ends mid-frame)
 *   STATUS_RESOURCE_EXHAUSTED  length above the limit
 * Out-parameters are untouched on failure; why (may be NULL) gets the text.
 */
enum status frame_decode(const uint8_t *buf, size_t len,
                         const struct frame_limits *lim,
                         struct frame_header *hdr, const uint8_t **payload,
                         size_t *consumed, struct status_detail *why);

/*
 * Writes one frame to p as two pipe writes: the header, then the payload.
 * That split is deliberate: it is what the network does too, and it is why
 * two threads sending on one stream without a lock garble it at every
 * message size. Blocks while p is full (see pipe_write).
 * Returns one of:
 *   STATUS_OK                  the whole frame is in the pipe
 *   STATUS_RESOURCE_EXHAUSTED  length > max_send; nothing was written
 *   any status of pipe_write   the pipe failed (part of the frame may be in)
 * Thread-safe in the pipe's sense only: see above.
 */
enum status frame_write(struct pipe *p, uint8_t flag, const void *payload,
                        size_t length, uint32_t max_send,
                        struct status_detail *why);

/*
 * Reads one frame from p into *msg, whatever way the bytes are chunked.
 * The header is checked before any payload byte is awaited or any memory
 * allocated. Blocks while p is empty (see pipe_read).
 * Returns one of:
 *   STATUS_OK                  *msg holds the message
 *   STATUS_EOF                 the writer half-closed between frames
 *   STATUS_INTERNAL            bad header, or EOF inside a frame
 *   STATUS_RESOURCE_EXHAUSTED  length above lim->max_recv, or out of memory
 *   any status of pipe_read    the pipe failed
 * *msg keeps its buffer but is otherwise unspecified on failure.
 */
enum status frame_read(struct pipe *p, const struct frame_limits *lim,
                       struct frame_msg *msg, struct status_detail *why);

#endif /* FRAME_H */

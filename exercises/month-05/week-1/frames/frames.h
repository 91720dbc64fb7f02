/* frames: gRPC's 5-byte message header, by hand. See README.md. */
#ifndef EX_FRAMES_H
#define EX_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/*
 * Writes the 5-byte header of a message of len bytes into out:
 * byte 0 is flag, bytes 1..4 are len, big-endian (most significant first).
 */
void ex_put_header(uint8_t out[5], uint8_t flag, uint32_t len);

/*
 * Writes header and payload into out (cap bytes). Returns the bytes
 * written (5 + len), or 0 when they do not fit (then nothing is written).
 */
size_t ex_encode(uint8_t flag, const void *payload, uint32_t len,
                 uint8_t *out, size_t cap);

/*
 * Reads a header, as a gRPC receiver does. Returns one of:
 *   STATUS_OK                  *flag and *len are set
 *   STATUS_RESOURCE_EXHAUSTED  len > max (checked first, like grpc-go)
 *   STATUS_INTERNAL            flag is not 0 or 1
 * *flag and *len are untouched on failure.
 */
enum status ex_decode_header(const uint8_t in[5], uint32_t max,
                             uint8_t *flag, uint32_t *len);

#endif /* EX_FRAMES_H */

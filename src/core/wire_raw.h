/*
 * wire_raw: the raw wire, gRPC frames straight on two pipes.
 *
 * One pipe per direction ("c2s", "s2c"), each carrying 5-byte framed
 * messages back to back, as on Days 114-120: the pipe's capacity plays
 * the flow-control window, close_write is END_STREAM, close_with_error
 * is RST_STREAM. It is the default wire of every call (a stream_options
 * with no wire), and what every golden output shows.
 */
#ifndef WIRE_RAW_H
#define WIRE_RAW_H

#include "core/wire.h"

/*
 * The raw wire as a kind of wire (its arg is unused): what a call uses
 * when its options name none.
 */
extern const struct wire_type wire_raw_type;

/*
 * Creates a raw wire: two pipes of params->capacity bytes (0:
 * PIPE_DEFAULT_CAPACITY) named "c2s" and "s2c", traced to params->trace.
 * arg is unused (wire_type's create).
 * Returns one of:
 *   STATUS_OK                  *out is the new wire
 *   STATUS_RESOURCE_EXHAUSTED  out of memory; *out untouched
 * Free it with wire_destroy.
 */
enum status wire_raw_create(void *arg, const struct wire_params *params,
                            struct wire **out);

#endif /* WIRE_RAW_H */

/*
 * hexdump: the bytes that entered each pipe of a run, read as gRPC frames.
 *
 *     c2s: 15 bytes
 *       offset  fl | length      | payload
 *            0  00 | 00 00 00 05 | 68 65 6c 6c 6f  flag=0 len=5 "hello"
 *           10  00 | 00 00 00 00 |   flag=0 len=0 ""
 *           15  end: 2 frames, clean EOF
 *
 * Design
 *   The trace keeps the first TRACE_WIRE_MAX bytes of each pipe, in the
 *   order they entered it; this prints each pipe's count, then dissects
 *   what was kept (view/dissect.h) with the default limits. Two senders
 *   that garbled a stream show here as the place where the bytes stop
 *   being frames.
 */
#ifndef VIEW_HEXDUMP_H
#define VIEW_HEXDUMP_H

#include <stdio.h>

#include "core/trace.h"

/*
 * Prints each pipe's bytes in t as frames: a line with the pipe's name and
 * byte count (and "(first 64 KiB shown)" when not every byte was kept),
 * then the dissection. With ANSI colours when colour is non-zero. A NULL t
 * prints nothing. Call it after every thread that records into t has been
 * joined (see trace_length).
 */
void hexdump_print(const struct trace *t, FILE *out, int colour);

#endif /* VIEW_HEXDUMP_H */

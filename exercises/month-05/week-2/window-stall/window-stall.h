/* window-stall: where a sender with nobody reading stops. See README.md. */
#ifndef EX_WINDOW_STALL_H
#define EX_WINDOW_STALL_H

#include <stddef.h>
#include <stdint.h>

/* grpc-go's per-stream write quota (defaultWriteQuota): a Send queues
 * its whole message while fewer than this many bytes of its stream are
 * queued and not yet on the wire, and waits otherwise. */
#define EX_WRITE_QUOTA 65536

/* HTTP/2's default windows, the stream's and the connection's. */
#define EX_DEFAULT_WINDOW 65535

/*
 * A client sends messages of payload bytes each (5 more on the wire: the
 * gRPC header) on a call whose server never reads. The server's stream
 * window is window and its connection window conn_window (0: 65,535;
 * never below 65,535 here). Returns how many Sends return before one
 * waits for good.
 */
int ex_sends_before_stall(int32_t window, int32_t conn_window, size_t payload);

/*
 * The smallest stream window (the connection window at its default,
 * 65,535) at which the client gets all of its messages messages of
 * payload bytes through Send, nobody reading; at least 1. Returns 0 when
 * no stream window is enough.
 */
int32_t ex_smallest_window(int messages, size_t payload);

#endif /* EX_WINDOW_STALL_H */

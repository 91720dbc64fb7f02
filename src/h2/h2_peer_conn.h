/*
 * h2_peer_conn: one TCP connection to a real gRPC peer that carries many
 * calls, as a grpc-go ClientConn's transport (the client side) or a
 * grpc-go server's transport (the server side) does.
 *
 * The connection is h2_connection's (see h2_wire.h: streams 1, 3, 5,
 * ..., a stream window each, the connection's window shared and given
 * back as the data arrives, grpc-go's way), with only this process's end
 * of it: one session, a reader and a writer thread, on a connected
 * socket. Each call is a stream_create on h2_connection_wire_type(conn):
 *   client  opens the next stream (its request HEADERS);
 *   server  takes the oldest stream the peer has opened and nobody has
 *           taken yet: wait for one with h2_peer_conn_await first.
 * The server says SETTINGS_MAX_CONCURRENT_STREAMS opts->max_calls (100
 * by default) and SETTINGS_MAX_HEADER_LIST_SIZE H2_MAX_HEADER_LIST
 * (16 MiB, grpc-go's default); a stream beyond max_calls open calls
 * (taken or waiting) is refused with RST_STREAM(REFUSED_STREAM), and a
 * request whose header list is larger is reset with
 * RST_STREAM(FRAME_SIZE_ERROR), as grpc-go does. (nghttp2 refuses a
 * stream beyond the limit itself once the peer has acknowledged it, and
 * then as a connection error: a peer that ignores the SETTINGS it
 * acknowledged loses the connection.)
 *
 * Each call may have its own trace (stream_options.trace): the frames
 * of its stream are noted there, and frames of no call's stream (stream
 * 0: SETTINGS, PING, WINDOW_UPDATE, GOAWAY) in every open call's, so
 * each call's timeline reads as a one-call connection's does.
 *
 * OS mode only: a socket blocks a real thread.
 */
#ifndef H2_PEER_CONN_H
#define H2_PEER_CONN_H

#include <stdint.h>

#include "core/status.h"
#include "core/wire.h"
#include "h2/h2_wire.h"

struct trace;

/*
 * Makes this process's end (side: H2_PEER_CLIENT or H2_PEER_SERVER) of
 * a connection on the connected socket fd and starts its two threads
 * (the client's preface and SETTINGS, or the server's SETTINGS, go out
 * at once). opts NULL: the defaults (windows 65,535, H2_WINDOW_ON_ARRIVAL,
 * H2_MAX_CALLS, H2_MAX_HEADER_LIST). trace (may be NULL) gets the frames
 * sent before the first call exists: give it the trace the first call
 * will be made with (it must outlive that call).
 * Returns one of:
 *   STATUS_OK                   *out is the connection
 *   STATUS_FAILED_PRECONDITION  in SIM mode
 *   STATUS_INVALID_ARGUMENT     a window or max_calls below 1
 *   STATUS_RESOURCE_EXHAUSTED   out of memory, or a thread did not start
 * The connection owns fd from the call on (closed with it, or at once
 * on failure); *out untouched on failure.
 */
enum status h2_peer_conn_create(const struct h2_options *opts, int fd,
                                int side, struct trace *trace,
                                struct h2_conn **out);

/*
 * The server side: waits (at most until deadline_ns, sched time) until
 * the peer has opened a stream that nobody has taken yet.
 * Returns one of:
 *   STATUS_OK                 one is waiting: stream_create takes it
 *   STATUS_DEADLINE_EXCEEDED  none came in time (why: "no request before
 *                             the idle timeout")
 *   STATUS_UNAVAILABLE        the connection is over: the peer closed it
 *                             (why: "the peer closed the connection",
 *                             "... before its request" when it opened
 *                             none), or sent what is not HTTP/2
 * Thread-safe.
 */
enum status h2_peer_conn_await(struct h2_conn *conn, int64_t deadline_ns,
                               struct status_detail *why);

/*
 * The server side: streams the peer opened that became calls, and that
 * were refused (beyond max_calls, or a header list too large).
 * Thread-safe.
 */
void h2_peer_conn_counts(struct h2_conn *conn, int *accepted, int *refused);

/* The HTTP/2 stream id of an h2 wire's call (0: none yet). Thread-safe. */
int32_t h2_wire_stream_id(struct wire *w);

/*
 * Ends the connection: GOAWAY, what is queued goes out, joins its
 * threads, closes the socket, frees it. Every call taken or opened must
 * be destroyed first (asserted); streams the peer opened that nobody
 * took are reset (RST_STREAM(CANCEL)). NULL is a no-op.
 */
void h2_peer_conn_destroy(struct h2_conn *conn);

#endif /* H2_PEER_CONN_H */

/*
 * cli_raw: `duplex serve --wire raw` and `duplex call HOST:PORT echo
 * --wire raw`, the echo on the raw wire over a real TCP connection
 * (core/wire_socket.h): gRPC's 5-byte frames straight on the socket, and
 * TCP's own half-close (shutdown(SHUT_WR), a read that returns 0).
 *
 * Design
 *   cli_serve.c and cli_call.c parse their options as always; when one
 *   of them is --wire raw they hand the whole command line to these,
 *   which parse it again with the same option table (so every option
 *   means the same and every bad value gets the same usage error) and
 *   run the command on the raw wire instead of HTTP/2.
 */
#ifndef CLI_RAW_H
#define CLI_RAW_H

#include "app/cli_command.h"

/*
 * `duplex serve ... --wire raw`: argv as serve got it. Returns the exit
 * code: 0, 1 (the server could not listen, or failed), CLI_EXIT_USAGE.
 */
int serve_raw(struct cli *c, int argc, char **argv);

/*
 * `duplex call HOST:PORT echo ... --wire raw`: argv as call got it.
 * Returns the exit code: 0 (every echo came back, then EOF), 1,
 * CLI_EXIT_USAGE.
 */
int call_raw(struct cli *c, int argc, char **argv);

#endif /* CLI_RAW_H */

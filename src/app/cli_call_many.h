/*
 * cli_call_many: `duplex call HOST:PORT echo --calls N` (N calls at once
 * on one connection) and `--senders N` (N threads sending on one call),
 * for cli_call.c.
 */
#ifndef CLI_CALL_MANY_H
#define CLI_CALL_MANY_H

#include "app/cli_capture.h"
#include "app/cli_command.h"

/* The most threads --senders starts on one call. */
#define CALL_SENDERS_MAX 8

/* What the command line asked for (cli_call.c's parse). */
struct call_many_args {
    const char *addr;
    int calls;            /* --calls: calls at once (1: one) */
    int senders;          /* --senders: threads sending on the call */
    int n;                /* --messages: each call's, or each sender's */
    long long timeout_ms; /* --timeout: each call's deadline; 0: none */
};

/*
 * Runs a->calls echo calls at once on one connection to the server on
 * the connected socket fd (closed before it returns), each from its own
 * thread (client/call) with its own client/send: every call is opened
 * before any sends, so all are open at once. Prints a line per call
 * and one for all ("N calls on 1 connection: ..."). Returns the exit
 * code: 0 when every call ended OK with every echo right, else 1.
 */
int call_many(struct cli *c, const struct call_many_args *a, int fd,
              struct cli_capture *cap);

/*
 * Runs one echo call on the connected socket fd (closed before it
 * returns) on which a->senders threads (client/send-1, client/send-2,
 * ...) each send a->n messages ("sender K message I") at once, and
 * client/recv reads the replies; CloseSend once every sender is done.
 * Prints the call's timeline and what the replies show: whether each
 * was the echo of one whole message, each sender's order, and how often
 * the replies switched from one sender's messages to another's. Returns
 * 0 when the call ended OK and every message came back whole, once,
 * else 1.
 */
int call_senders(struct cli *c, const struct call_many_args *a, int fd,
                 struct cli_capture *cap);

#endif /* CLI_CALL_MANY_H */

/*
 * concurrent-senders: the message text and the closing thread of the
 * two-sender call, which concurrent-senders-quota (the same two senders,
 * sharing a send quota) reuses.
 */
#ifndef CONCURRENT_SENDERS_H
#define CONCURRENT_SENDERS_H

#include "scenarios/call.h"

/* Two producers' messages look like "A:0001 hello" (12 bytes). */
#define CS_LEN 12

/* Writes message i of sender who (0: A, 1: B) into out. Returns CS_LEN. */
int cs_text(char out[CS_LEN + 1], int who, int i);

/*
 * A client task ("client/recv"): waits until c->latch opens (every sender
 * is done), half-closes if c->close_on_latch, then reads to the call's
 * end. Sets c->client_got and c->receiver_end.
 */
enum status cs_closer(void *arg, struct status_detail *why);

#endif /* CONCURRENT_SENDERS_H */

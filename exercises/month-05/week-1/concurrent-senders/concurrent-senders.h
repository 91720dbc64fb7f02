/* concurrent-senders: two producers, one stream. See README.md. */
#ifndef EX_CONCURRENT_SENDERS_H
#define EX_CONCURRENT_SENDERS_H

#include <stdio.h>

#include "core/stream.h"

/*
 * If your fix hands the messages to one sender thread through a queue (the
 * fix the lesson teaches), give the queue room for EX_QUEUE_ROOM messages.
 * Each producer sends more than that, so the queue fills up and the wait
 * for room is part of every test.
 */
#define EX_QUEUE_ROOM 2

/* Producer who's (0: A, 1: B) message i (from 1): 6 bytes, "A:0001". */
static inline void ex_message(int who, int i, char out[7])
{
    snprintf(out, 7, "%c:%04u", 'A' + who, (unsigned)i % 10000u);
}

/*
 * Starts two producer threads, A and B, that each send n messages
 * (ex_message(who, 1..n)) on the client end of s, in that order; when both
 * are done, half-closes (stream_close_send). Returns STATUS_OK, or the
 * first error a send returned. Must hold under every schedule.
 */
enum status ex_send_both(struct stream *s, int n);

#endif /* EX_CONCURRENT_SENDERS_H */

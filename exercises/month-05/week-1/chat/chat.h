/* chat: a chat session's server side, as a state machine. See README.md. */
#ifndef EX_CHAT_H
#define EX_CHAT_H

#include <stddef.h>

#include "core/status.h"

/* Room for a name, including its terminating NUL: names are 1..15 bytes. */
#define EX_CHAT_NAME_MAX 16

/*
 * A session's state. It starts zeroed (struct ex_chat st = {0};): not
 * joined yet, no texts.
 */
struct ex_chat {
    char name[EX_CHAT_NAME_MAX]; /* "" until a JOIN */
    int texts;                   /* TEXT messages acknowledged so far */
};

/*
 * The server's answer to one message of the session in state *st:
 *   "JOIN <name>"   before any JOIN: "WELCOME <name>"; joined from now on
 *   "TEXT <words>"  after JOIN: "ACK <n>", n counting the texts (1, 2, ..)
 * Verbs are upper case and followed by one space; <words> may be empty.
 * Returns one of:
 *   STATUS_OK                   reply holds the answer; *st moved on
 *   STATUS_FAILED_PRECONDITION  the message is fine but not now: a TEXT
 *                               before JOIN ("JOIN first"), a second JOIN
 *                               ("already joined")
 *   STATUS_INVALID_ARGUMENT     any other message ("unknown message"), a
 *                               JOIN with no name ("JOIN needs a name") or
 *                               a longer one than 15 bytes ("name too long")
 *   STATUS_RESOURCE_EXHAUSTED   the answer and its NUL do not fit in cap
 *                               bytes: reply is "" (when cap > 0)
 * On failure *st is untouched, and reply holds the words in quotes above,
 * cut to fit: what the server would end the call with,
 * stream_finish(code, reply). A pure function: no I/O, no threads, no
 * globals; the server's loop calls it for each message it receives.
 */
enum status ex_chat_reply(struct ex_chat *st, const char *msg, char *reply,
                          size_t cap);

/*
 * The answer at EOF, when the client has half-closed: "BYE <name>" for a
 * joined session, "" (nothing to say) for one that never joined.
 * Returns one of:
 *   STATUS_OK                  reply holds the answer
 *   STATUS_RESOURCE_EXHAUSTED  it does not fit in cap bytes: reply is ""
 *                              (when cap > 0)
 */
enum status ex_chat_end(const struct ex_chat *st, char *reply, size_t cap);

#endif /* EX_CHAT_H */

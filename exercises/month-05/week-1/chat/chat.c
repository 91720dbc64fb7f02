/*
 * Exercise: chat. The server's side of a chat session, without the stream:
 * one message in, one answer out. This version answers every JOIN and
 * every TEXT, in any order, and knows nothing of goodbyes. Run the tests
 * with `make exercise EX=chat`.
 */
#include "chat.h"

#include <stdio.h>
#include <string.h>

enum status ex_chat_reply(struct ex_chat *st, const char *msg, char *reply,
                          size_t cap)
{
    /* TODO: the session's rules (chat.h): a TEXT needs a JOIN first, a
     * second JOIN is refused, a name is 1..15 bytes, an answer that does
     * not fit is RESOURCE_EXHAUSTED, and *st changes only on success. */
    if (strncmp(msg, "JOIN ", 5) == 0) {
        snprintf(st->name, sizeof st->name, "%s", msg + 5);
        snprintf(reply, cap, "WELCOME %s", st->name);
        return STATUS_OK;
    }
    if (strncmp(msg, "TEXT ", 5) == 0) {
        st->texts++;
        snprintf(reply, cap, "ACK %d", st->texts);
        return STATUS_OK;
    }
    snprintf(reply, cap, "unknown message");
    return STATUS_INVALID_ARGUMENT;
}

enum status ex_chat_end(const struct ex_chat *st, char *reply, size_t cap)
{
    /* TODO: "BYE <name>" for a joined session, "" for one that never
     * joined, RESOURCE_EXHAUSTED when it does not fit. */
    (void)st;
    if (cap > 0)
        reply[0] = '\0';
    return STATUS_UNIMPLEMENTED;
}

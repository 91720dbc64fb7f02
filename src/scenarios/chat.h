/*
 * chat: the session state machine of the chat scenario, shared with
 * `duplex serve` (its /chat.ChatService/Session) and `duplex call ...
 * chat` (the client's messages and the replies it expects).
 */
#ifndef CHAT_H
#define CHAT_H

#include <stddef.h>

#include "core/status.h"
#include "core/stream.h"

/* The name the chat client JOINs with. */
#define CHAT_NAME "alice"

/* What one session's server did, counted as it went. */
struct chat_session {
    char name[32];   /* the JOIN's name ("" until a JOIN came) */
    int got;         /* messages received */
    int welcomed;    /* 1 once WELCOME went out */
    int acked;       /* TEXTs answered with an ACK */
    int bye;         /* 1 once BYE went out */
    enum status end; /* OK: finished OK; else how the session ended */
    struct status_detail why; /* end's words */
};

/*
 * Runs the server's side of one session on e until the call ends:
 *   AWAIT_JOIN --JOIN name--> JOINED (reply WELCOME name)
 *   JOINED     --TEXT ...---> JOINED (reply ACK k, k = 1, 2, ...)
 *   JOINED     --EOF-------->  done  (reply BYE name, finish OK)
 * Anything else finishes the call with FAILED_PRECONDITION, "JOIN first"
 * before a JOIN, "already joined" after one. *s (zeroed by the caller)
 * gets the counts, the session's end and its words.
 *
 * Returns the status of its last stream operation, one of:
 *   STATUS_OK      the call was finished (OK, or FAILED_PRECONDITION)
 *   any status stream_recv, stream_send or stream_finish returns
 *                  (CANCELLED, DEADLINE_EXCEEDED, UNAVAILABLE, ...)
 */
enum status chat_session_serve(struct stream_end *e, struct chat_session *s);

/*
 * The client's message i into out (cap bytes): "JOIN alice" for i = 0,
 * then "TEXT note i". Returns its length.
 */
int chat_client_text(int i, char *out, size_t cap);

/*
 * The reply k (from 0) a client that sends n TEXTs expects: "WELCOME
 * alice", then "ACK 1" .. "ACK n", then "BYE alice". Returns its length.
 */
int chat_reply_text(int k, int n, char *out, size_t cap);

#endif /* CHAT_H */

/*
 * cli_call_chat: `duplex call HOST:PORT chat`, the chat scenario's
 * client against a real gRPC server's /chat.ChatService/Session, for
 * cli_call.c.
 */
#ifndef CLI_CALL_CHAT_H
#define CLI_CALL_CHAT_H

#include "app/cli_capture.h"
#include "app/cli_command.h"

/*
 * Runs one chat session on the connected socket fd (closed before it
 * returns): client/send sends "JOIN alice", waits for the first reply,
 * sends n TEXTs and CloseSend; client/recv reads every reply and checks
 * each against chat_reply_text (WELCOME, ACK 1..n, BYE). timeout_ms is
 * the call's deadline (0: none). addr is only printed. Prints the
 * session's timeline and what was checked. Returns the exit code: 0 when
 * every reply was the one expected, in order, and the call ended OK
 * after the BYE; else 1.
 */
int call_chat(struct cli *c, const char *addr, int n, long long timeout_ms,
              int fd, struct cli_capture *cap);

#endif /* CLI_CALL_CHAT_H */

/*
 * echo: the threads and narration of the Day-117 echo call, which
 * forgot-close-send (the same call, the client never half-closes) and
 * error-propagation (the same call, the client's receiver fails) reuse.
 */
#ifndef ECHO_H
#define ECHO_H

#include "scenarios/call.h"

/*
 * The server thread: echoes every message as "echo: <text>" until EOF,
 * then finishes OK. Sets c->server_got, c->server_sent, c->server_end.
 */
enum status echo_server(void *arg);

/*
 * A client task: reads every echo, checks each is "echo: " and
 * message_text's next text (broken() if not), then the call's end. Sets
 * c->client_got and c->receiver_end.
 */
enum status echo_receiver(void *arg, struct status_detail *why);

/* How the echo server ended: OK only after EOF (see echo_server). */
void say_server_echoed(struct scenario_result *r, const struct call *c);

/* Each side got what the other sent (broken() if not). */
void check_echo_counts(struct call *c);

#endif /* ECHO_H */

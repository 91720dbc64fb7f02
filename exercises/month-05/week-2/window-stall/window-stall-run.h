/*
 * window-stall-run.h: one call of the window-stall exercise on a real
 * HTTP/2 connection (duplex's h2 wire): a client that sends and a server
 * that never reads. The test and scenario.c run it; you do not edit this
 * file.
 *
 * Design
 *   ex_stall_call is the body of one simulated run: a thread named
 *   "client/send" sends up to `messages` messages of `payload` bytes of
 *   'x', then half-closes; the server reads nothing. When the sender
 *   stops for good the simulator reports a deadlock and every wait
 *   returns DEADLOCK; `sent` counts the Sends that returned OK.
 */
#ifndef EX_WINDOW_STALL_RUN_H
#define EX_WINDOW_STALL_RUN_H

#include <stdlib.h>
#include <string.h>

#include "core/sched.h"
#include "core/stream.h"
#include "h2/h2_wire.h"

struct ex_stall {
    /* The setup. */
    int32_t window, conn_window;
    size_t payload;
    int messages;
    struct trace *trace; /* the timeline's, in scenario.c; else NULL */
    /* What happened. */
    enum status created, send_end;
    int sent;
    struct stream *s;
};

static enum status ex_stall_sender(void *arg)
{
    struct ex_stall *t = arg;
    char *buf = calloc(1, t->payload + 1);

    t->send_end = buf == NULL ? STATUS_RESOURCE_EXHAUSTED : STATUS_OK;
    if (buf != NULL)
        memset(buf, 'x', t->payload);
    while (t->sent < t->messages && t->send_end == STATUS_OK) {
        t->send_end = stream_send(stream_client(t->s), buf, t->payload, NULL);
        t->sent += t->send_end == STATUS_OK;
    }
    if (t->send_end == STATUS_OK)
        t->send_end = stream_close_send(stream_client(t->s));
    free(buf);
    return STATUS_OK;
}

static enum status ex_stall_call(void *arg)
{
    struct ex_stall *t = arg;
    struct stream_options o;
    struct sched_thread th;

    memset(&o, 0, sizeof o);
    o.wire = &h2_wire_type;
    o.window = t->window;
    o.conn_window = t->conn_window;
    o.trace = t->trace;
    t->created = stream_create(NULL, &o, &t->s);
    if (t->created != STATUS_OK)
        return t->created;
    if (sched_thread_start(&th, "client/send", ex_stall_sender, t) == STATUS_OK)
        sched_thread_join(&th);
    stream_destroy(t->s);
    t->s = NULL;
    return STATUS_OK;
}

#endif /* EX_WINDOW_STALL_RUN_H */

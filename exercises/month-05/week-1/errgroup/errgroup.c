/*
 * Exercise: errgroup. The client's sender and receiver run on two plain
 * threads. When the receiver rejects an echo it returns, and nobody tells
 * the sender, which waits for room on c2s for ever (and the server, which
 * waits for room on s2c, with it). Run the tests with
 * `make exercise EX=errgroup`.
 */
#include "errgroup.h"

#include <stdio.h>
#include <string.h>

struct client {
    struct stream *s;
    const char *const *msgs;
    int n;
    struct status_detail send_why; /* the plain threads' words */
    struct status_detail recv_why;
};

/* The sender task: every message in order, then the half-close. */
static enum status send_all(void *arg, struct status_detail *why)
{
    struct client *c = arg;
    enum status st = STATUS_OK;
    int i = 0;

    for (i = 0; i < c->n && st == STATUS_OK; i++)
        st = stream_send(stream_client(c->s), c->msgs[i], strlen(c->msgs[i]),
                         why);
    if (st == STATUS_OK)
        st = stream_close_send(stream_client(c->s));
    /* EOF: the server ended the call first; the receiver reports how. */
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* The receiver task: echo i must be "echo: " + message i. */
static enum status check_echoes(void *arg, struct status_detail *why)
{
    struct client *c = arg;
    struct frame_msg msg = {0};
    char want[64];
    enum status st = STATUS_OK;
    int got = 0;

    while ((st = stream_recv(stream_client(c->s), &msg, why)) == STATUS_OK) {
        if (got == c->n) {
            st = status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                   "echo %d: only %d messages were sent",
                                   got + 1, c->n);
            break;
        }
        snprintf(want, sizeof want, "echo: %s", c->msgs[got]);
        if (msg.length != strlen(want) ||
            memcmp(msg.data, want, msg.length) != 0) {
            st = status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                   "echo %d is not \"%s\"", got + 1, want);
            break;
        }
        got++;
    }
    frame_msg_free(&msg);
    if (st == STATUS_EOF && got != c->n)
        st = status_detail_set(why, STATUS_INVALID_ARGUMENT,
                               "%d echoes for %d messages", got, c->n);
    return st == STATUS_EOF ? STATUS_OK : st;
}

static enum status send_thread(void *arg)
{
    struct client *c = arg;

    return send_all(c, &c->send_why);
}

static enum status recv_thread(void *arg)
{
    struct client *c = arg;

    return check_echoes(c, &c->recv_why);
}

enum status ex_checked_echo(const struct ex_server *server, size_t capacity,
                            const char *const *msgs, int n,
                            struct status_detail *why)
{
    struct stream_options o;
    struct stream *s = NULL;
    struct ex_server_thread srv;
    struct sched_thread ts;
    struct sched_thread tr;
    struct client c;
    enum status sent = STATUS_OK;
    enum status received = STATUS_OK;

    memset(&o, 0, sizeof o);
    o.capacity = capacity;
    /* TODO: create a group first (group_create), and the stream under the
     * group's context (group_context), so the group's cancel reaches it. */
    if (stream_create(NULL, &o, &s) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    if (ex_server_start(&srv, server, s) != STATUS_OK) {
        stream_destroy(s);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    memset(&c, 0, sizeof c);
    c.s = s;
    c.msgs = msgs;
    c.n = n;
    /* TODO: run send_all and check_echoes as the group's tasks (group_go,
     * then group_wait for the first error) instead of two plain threads
     * that know nothing of each other. */
    if (sched_thread_start(&ts, "client/send", send_thread, &c) != STATUS_OK) {
        stream_cancel(stream_client(s));
        ex_server_join(&srv);
        stream_destroy(s);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    if (sched_thread_start(&tr, "client/recv", recv_thread, &c) != STATUS_OK) {
        stream_cancel(stream_client(s));
        received = STATUS_RESOURCE_EXHAUSTED;
    } else {
        received = sched_thread_join(&tr);
    }
    sent = sched_thread_join(&ts);
    ex_server_join(&srv);
    stream_destroy(s);
    if (received != STATUS_OK) {
        if (why != NULL)
            *why = c.recv_why;
        return received;
    }
    if (why != NULL)
        *why = c.send_why;
    return sent;
}

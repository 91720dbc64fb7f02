/*
 * Mutant 01 of errgroup: the stream not created under the group's context.
 *
 * The mistake: the tasks run in a group, but the stream is created under
 * no context (NULL). When the receiver fails, the group cancels its own
 * context, and the call does not feel it: the sender stays blocked on a
 * full c2s, the server waits for the call to end, and group_wait waits for
 * the sender. A deadlock.
 * Lesson: lesson/day-118-errors-cancellation-deadlines.md and
 * notes/errgroup.md: "the call lives under the group's ctx"; hints.md of
 * this exercise, hint 1: "only calls created under that context feel it".
 * From: exercises/solutions/errgroup.c; stream_create(NULL, ...).
 */
#include "errgroup.h"

#include <stdio.h>
#include <string.h>

struct client {
    struct stream *s;
    const char *const *msgs;
    int n;
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

enum status ex_checked_echo(const struct ex_server *server, size_t capacity,
                            const char *const *msgs, int n,
                            struct status_detail *why)
{
    struct stream_options o;
    struct group *g = NULL;
    struct stream *s = NULL;
    struct ex_server_thread srv;
    struct client c;
    enum status st = STATUS_OK;

    if (group_create(NULL, &g) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    memset(&o, 0, sizeof o);
    o.capacity = capacity;
    if (stream_create(NULL, &o, &s) != STATUS_OK) {
        group_destroy(g);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    if (ex_server_start(&srv, server, s) != STATUS_OK) {
        stream_destroy(s);
        group_destroy(g);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    c.s = s;
    c.msgs = msgs;
    c.n = n;
    /* A task that cannot start is the group's error: it cancels the rest. */
    group_go(g, "client/send", send_all, &c);
    group_go(g, "client/recv", check_echoes, &c);
    st = group_wait(g, why);
    ex_server_join(&srv);
    stream_destroy(s); /* before the group: its context is the parent */
    group_destroy(g);
    return st;
}

/*
 * Mutant 03 of errgroup: the receiver outside the group.
 *
 * The mistake: only the sender is a task of the group; the receiver runs on
 * the calling thread. When it rejects echo 2 its error goes nowhere: the
 * group never hears of it, cancels nothing, and group_wait waits for a
 * sender blocked on a full c2s. A deadlock. Only a task's error cancels
 * the group.
 * Lesson: notes/errgroup.md: "The first function to return an error
 * cancels ctx" (a function started with Go); README.md of this exercise:
 * "group_go for each task".
 * From: exercises/solutions/errgroup.c; check_echoes is called directly,
 * not through group_go.
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
    enum status received = STATUS_OK;

    if (group_create(NULL, &g) != STATUS_OK)
        return STATUS_RESOURCE_EXHAUSTED;
    memset(&o, 0, sizeof o);
    o.capacity = capacity;
    /* Under the group's context: the group's first error cancels the call. */
    if (stream_create(group_context(g), &o, &s) != STATUS_OK) {
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
    received = check_echoes(&c, why); /* on this thread, outside the group */
    st = group_wait(g, why);
    if (received != STATUS_OK)
        st = received;
    ex_server_join(&srv);
    stream_destroy(s); /* before the group: its context is the parent */
    group_destroy(g);
    return st;
}

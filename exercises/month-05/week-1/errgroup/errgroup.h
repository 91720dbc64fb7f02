/* errgroup: the first error wins, and cancels the rest. See README.md. */
#ifndef EX_ERRGROUP_H
#define EX_ERRGROUP_H

#include <stddef.h>

#include "core/group.h"
#include "core/sched.h"
#include "core/stream.h"

/*
 * The other side of the call, supplied by the tests: serve(s, arg) plays
 * the server on stream_server(s), on a thread of its own, for the whole
 * call.
 */
struct ex_server {
    enum status (*serve)(struct stream *s, void *arg);
    void *arg;
};

/* A running server; see ex_server_start. */
struct ex_server_thread {
    struct sched_thread thread;
    const struct ex_server *server;
    struct stream *s;
};

static inline enum status ex_server_main(void *arg)
{
    struct ex_server_thread *t = arg;

    return t->server->serve(t->s, t->server->arg);
}

/*
 * Starts server->serve(s, server->arg) on a thread named "server". *t must
 * stay alive until ex_server_join. Returns STATUS_OK, or
 * STATUS_RESOURCE_EXHAUSTED when no thread could be started.
 */
static inline enum status ex_server_start(struct ex_server_thread *t,
                                          const struct ex_server *server,
                                          struct stream *s)
{
    t->server = server;
    t->s = s;
    return sched_thread_start(&t->thread, "server", ex_server_main, t);
}

/* Waits for the server to return; returns what serve returned. */
static inline enum status ex_server_join(struct ex_server_thread *t)
{
    return sched_thread_join(&t->thread);
}

/*
 * Makes one echo call and checks every echo. Creates a stream (capacity
 * bytes per pipe) and starts server on it; the client is two tasks, a
 * sender ("client/send": msgs[0..n-1] in order, then stream_close_send)
 * and a receiver ("client/recv": echo i must be "echo: " + msgs[i], else
 * STATUS_INVALID_ARGUMENT "echo <i+1> is not \"echo: <msg>\""; at EOF, n
 * echoes must have come). When one task fails, the other must not stay
 * blocked: the call is cancelled, its blocked send or recv wakes with
 * STATUS_CANCELLED, and the first error is the one returned. Joins the
 * tasks and the server, and frees everything, before it returns.
 * Returns one of:
 *   STATUS_OK                every echo came back right, and the server
 *                            finished OK
 *   STATUS_INVALID_ARGUMENT  an echo was wrong (the first error: never the
 *                            CANCELLED the other task got from it)
 *   any status               the first error a task returned
 *   STATUS_RESOURCE_EXHAUSTED  no memory or no thread
 * why (may be NULL) gets the first error's words.
 */
enum status ex_checked_echo(const struct ex_server *server, size_t capacity,
                            const char *const *msgs, int n,
                            struct status_detail *why);

#endif /* EX_ERRGROUP_H */

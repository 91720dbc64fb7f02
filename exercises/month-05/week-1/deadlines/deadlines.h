/* deadlines: a call that cannot wait for ever. See README.md. */
#ifndef EX_DEADLINES_H
#define EX_DEADLINES_H

#include <stdint.h>

#include "core/context.h"
#include "core/sched.h"
#include "core/stream.h"

/* Room for the reply, including its terminating NUL. */
#define EX_REPLY_MAX 32

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
 * Makes one call and waits for its reply, but never longer than
 * timeout_ns (> 0) from the call's start, nor past parent's own deadline.
 * The call is created under parent (may be NULL), so cancelling parent
 * cancels it, with timeout_ns as its deadline (stream_options.timeout_ns).
 * Starts server on it, sends request, half-closes, then reads until
 * stream_recv stops returning OK: the first message goes to reply
 * (NUL-terminated, cut to EX_REPLY_MAX - 1 bytes; "" when none came).
 * Joins the server and frees the call before it returns. Blocks until the
 * server finishes, the deadline passes, or parent is done: in SIM mode the
 * virtual clock then reads exactly start + timeout_ns (or parent's end).
 * Returns one of:
 *   STATUS_OK                  the server finished OK
 *   STATUS_DEADLINE_EXCEEDED   the deadline (the call's or parent's) passed
 *                              first: "context deadline exceeded"
 *   STATUS_CANCELLED           parent was cancelled: "context canceled"
 *   the server's code          it finished with an error
 *   STATUS_RESOURCE_EXHAUSTED  no memory or no thread
 * why (may be NULL) gets the words.
 */
enum status ex_call(struct context *parent, int64_t timeout_ns,
                    const struct ex_server *server, const char *request,
                    char reply[EX_REPLY_MAX], struct status_detail *why);

#endif /* EX_DEADLINES_H */

/*
 * wire: the calls of wire.h, each passed to the wire's own operation.
 *
 * Design
 *   Nothing but dispatch: a wire's behaviour is in its own file
 *   (wire_raw.c; the HTTP/2 wire in its layer). Keeping the wire_
 *   functions here gives every caller one name per operation, and one
 *   place that checks the handles.
 */
#include "core/wire.h"

#include <assert.h>
#include <stddef.h>

static void check(const struct wire *w, int dir)
{
    assert(w != NULL && w->ops != NULL);
    assert(dir == 0 || dir == 1);
}

enum status wire_send(struct wire *w, int dir, const void *buf, size_t len,
                      uint32_t max_send, struct status_detail *why)
{
    check(w, dir);
    return w->ops->send(w, dir, buf, len, max_send, why);
}

enum status wire_recv(struct wire *w, int dir,
                      const struct frame_limits *limits, struct frame_msg *msg,
                      struct status_detail *why)
{
    check(w, dir);
    return w->ops->recv(w, dir, limits, msg, why);
}

void wire_close_send(struct wire *w, int dir,
                     const struct status_detail *trailer)
{
    check(w, dir);
    w->ops->close_send(w, dir, trailer);
}

void wire_close_recv(struct wire *w, int dir)
{
    check(w, dir);
    w->ops->close_recv(w, dir);
}

size_t wire_abort(struct wire *w, int dir, enum status reason)
{
    check(w, dir);
    return w->ops->abort(w, dir, reason);
}

void wire_set_deadline(struct wire *w, int64_t deadline_ns)
{
    check(w, 0);
    w->ops->set_deadline(w, deadline_ns);
}

void wire_waits(struct wire *w, int dir, uint64_t *write_waits,
                uint64_t *read_waits)
{
    check(w, dir);
    assert(write_waits != NULL && read_waits != NULL);
    w->ops->waits(w, dir, write_waits, read_waits);
}

struct pipe *wire_pipe(struct wire *w, int dir)
{
    check(w, dir);
    return w->ops->pipe(w, dir);
}

int wire_trailer(struct wire *w, struct status_detail *out)
{
    check(w, 0);
    assert(out != NULL);
    return w->ops->trailer != NULL ? w->ops->trailer(w, out) : 0;
}

enum status wire_share(struct wire *w, int give_back_on_read,
                       struct wire_type *out)
{
    assert(w != NULL && out != NULL);
    if (w->ops->share == NULL)
        return STATUS_UNIMPLEMENTED;
    return w->ops->share(w, give_back_on_read, out);
}

const char *wire_name(const struct wire *w)
{
    check(w, 0);
    return w->ops->name;
}

void wire_destroy(struct wire *w)
{
    if (w == NULL)
        return;
    assert(w->ops != NULL);
    w->ops->destroy(w);
}

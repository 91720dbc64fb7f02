/*
 * wire_raw: gRPC frames straight on a pipe per direction.
 *
 * Design
 *   Each operation is the pipe or frame call the stream made before it
 *   had wires, in the same order, so a call on the raw wire takes the
 *   same locks at the same points: every schedule, and so every golden
 *   output, is what it was. The wire keeps no state of its own besides
 *   the two pipes; each pipe has its own lock (see pipe.h).
 */
#include "core/wire_raw.h"

#include <assert.h>
#include <stdlib.h>

#include "core/pipe.h"

struct wire_raw {
    struct wire base;       /* first: a struct wire * points here */
    struct pipe *pipes[2];  /* [STREAM_C2S], [STREAM_S2C] */
};

static const char *const raw_dir_names[2] = {"c2s", "s2c"};

static struct wire_raw *raw_of(struct wire *w)
{
    return (struct wire_raw *)w;
}

static enum status raw_send(struct wire *w, int dir, const void *buf,
                            size_t len, uint32_t max_send,
                            struct status_detail *why)
{
    return frame_write(raw_of(w)->pipes[dir], FRAME_FLAG_PLAIN, buf, len,
                       max_send, why);
}

static enum status raw_recv(struct wire *w, int dir,
                            const struct frame_limits *limits,
                            struct frame_msg *msg, struct status_detail *why)
{
    return frame_read(raw_of(w)->pipes[dir], limits, msg, why);
}

/* The raw wire carries no trailer: the stream keeps the server's status. */
static void raw_close_send(struct wire *w, int dir,
                           const struct status_detail *trailer)
{
    (void)trailer;
    pipe_close_write(raw_of(w)->pipes[dir]);
}

static void raw_close_recv(struct wire *w, int dir)
{
    pipe_close_read(raw_of(w)->pipes[dir]);
}

static size_t raw_abort(struct wire *w, int dir, enum status reason)
{
    return pipe_close_with_error(raw_of(w)->pipes[dir], reason);
}

static void raw_set_deadline(struct wire *w, int64_t deadline_ns)
{
    int d = 0;

    for (d = 0; d < 2; d++) {
        pipe_set_read_deadline(raw_of(w)->pipes[d], deadline_ns);
        pipe_set_write_deadline(raw_of(w)->pipes[d], deadline_ns);
    }
}

static void raw_waits(struct wire *w, int dir, uint64_t *write_waits,
                      uint64_t *read_waits)
{
    struct pipe_stats ps = pipe_get_stats(raw_of(w)->pipes[dir]);

    *write_waits = ps.write_waits;
    *read_waits = ps.read_waits;
}

static struct pipe *raw_pipe(struct wire *w, int dir)
{
    return raw_of(w)->pipes[dir];
}

static void raw_destroy(struct wire *w)
{
    struct wire_raw *r = raw_of(w);

    pipe_destroy(r->pipes[0]);
    pipe_destroy(r->pipes[1]);
    free(r);
}

static const struct wire_ops raw_ops = {
    .name = "raw",
    .send = raw_send,
    .recv = raw_recv,
    .close_send = raw_close_send,
    .close_recv = raw_close_recv,
    .abort = raw_abort,
    .set_deadline = raw_set_deadline,
    .waits = raw_waits,
    .pipe = raw_pipe,
    .destroy = raw_destroy,
};

const struct wire_type wire_raw_type = {"raw", wire_raw_create, NULL};

enum status wire_raw_create(void *arg, const struct wire_params *params,
                            struct wire **out)
{
    struct wire_raw *r = NULL;
    int d = 0;

    (void)arg;
    assert(params != NULL);
    assert(out != NULL);
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    r->base.ops = &raw_ops;
    for (d = 0; d < 2; d++) {
        if (pipe_create(params->capacity, raw_dir_names[d], params->trace,
                        &r->pipes[d]) != STATUS_OK) {
            raw_destroy(&r->base);
            return STATUS_RESOURCE_EXHAUSTED;
        }
    }
    *out = &r->base;
    return STATUS_OK;
}

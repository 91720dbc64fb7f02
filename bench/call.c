/*
 * call: the echo server, and the echo call through a duplex stream or two
 * pipe(2)s (see call.h).
 *
 * Design
 *   The two links adapt each transport to echo_link: the stream's keeps
 *   the last message in the call (frame_msg reuses its buffer) and puts
 *   the status and its words in server_text; the pipes' reads each frame
 *   into server_buf. call_open keeps the stream's two ends
 *   (stream_client, stream_server), so nothing here reads inside struct
 *   stream.
 */
#include "call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pipe.h"

enum status echo_server_main(void *arg)
{
    struct echo_server *s = arg;
    const uint8_t *data = NULL;
    const char *e = NULL;
    size_t len = 0;
    int eof = 0;

    while ((e = s->link->recv(s->conn, &data, &len, &eof)) == NULL && !eof) {
        e = s->link->send(s->conn, data, len);
        if (e != NULL)
            break;
        s->echoed++;
    }
    if (e != NULL)
        snprintf(s->err, ERR_MAX, "%s", e);
    s->link->end(s->conn, e);
    return e == NULL ? STATUS_OK : STATUS_INTERNAL;
}

/* ---- through a duplex stream ------------------------------------------- */

/* What went wrong on the server's end, as "OP: STATUS words". */
static const char *stream_failed(struct call *c, const char *op, enum status st)
{
    snprintf(c->server_text, ERR_MAX, "%s: %s %s", op, status_name(st),
             c->server_why.text);
    return c->server_text;
}

static const char *stream_link_recv(void *conn, const uint8_t **out_data,
                                    size_t *out_len, int *out_eof)
{
    struct call *c = conn;
    enum status st =
        stream_recv(c->server_end, &c->server_msg, &c->server_why);

    if (st == STATUS_EOF) {
        *out_eof = 1;
        return NULL;
    }
    if (st != STATUS_OK)
        return stream_failed(c, "recv", st);
    *out_data = c->server_msg.data;
    *out_len = c->server_msg.length;
    return NULL;
}

static const char *stream_link_send(void *conn, const uint8_t *data, size_t len)
{
    struct call *c = conn;
    enum status st = stream_send(c->server_end, data, len, &c->server_why);

    return st == STATUS_OK ? NULL : stream_failed(c, "send", st);
}

/* After EOF the call ends OK; after an error it is torn down. */
static void stream_link_end(void *conn, const char *err)
{
    struct call *c = conn;

    if (err == NULL)
        stream_finish(c->server_end, STATUS_OK, NULL);
    else
        stream_cancel(c->server_end);
    frame_msg_free(&c->server_msg);
}

static const struct echo_link stream_link = {stream_link_recv, stream_link_send,
                                             stream_link_end};

void call_open(struct call *c, const uint8_t *pattern, size_t size, long msgs)
{
    call_open_wire(c, pattern, size, msgs, NULL);
}

void call_open_wire(struct call *c, const uint8_t *pattern, size_t size,
                    long msgs, const struct wire_type *wire)
{
    struct stream_options so;
    enum status st = STATUS_OK;

    memset(c, 0, sizeof *c);
    memset(&so, 0, sizeof so);
    so.capacity = CAPACITY;
    so.wire = wire;
    st = stream_create(NULL, &so, &c->s);
    if (st != STATUS_OK)
        check_failed("stream_create on the %s wire: %s",
                     wire != NULL ? wire->name : "raw", status_name(st));
    c->client_end = stream_client(c->s);
    c->server_end = stream_server(c->s);
    c->pattern = pattern;
    c->size = size;
    c->msgs = msgs;
    c->server.link = &stream_link;
    c->server.conn = c;
    status_detail_clear(&c->server_why);
}

void call_start_server(struct call *c, struct sched_thread *t)
{
    start_thread(t, "server", echo_server_main, &c->server);
}

void call_close(struct call *c, const char *what)
{
    struct stream_stats st = stream_get_stats(c->s);
    enum status final = stream_final_status(c->s, NULL);
    char all[3 * ERR_MAX];
    int dir = 0;

    for (dir = 0; dir < 2; dir++) {
        struct pipe_stats ps = pipe_get_stats(stream_pipe(c->s, dir));

        c->handed[dir] = ps.read > 0 ? (double)ps.handed / ps.read : 0;
    }
    all[0] = '\0';
    append_error(all, sizeof all, "client/send", c->send_err);
    append_error(all, sizeof all, "client/recv", c->recv_err);
    append_error(all, sizeof all, "server", c->server.err);
    if (all[0] != '\0')
        check_failed("%s: %s", what, all);
    if (c->server.echoed != c->msgs || final != STATUS_OK ||
        st.received[STREAM_C2S] != (uint64_t)c->msgs ||
        st.received[STREAM_S2C] != (uint64_t)c->msgs)
        check_failed("%s: %ld messages, the server echoed %ld, the stream "
                     "counted %llu and %llu received, final status %s",
                     what, c->msgs, c->server.echoed,
                     (unsigned long long)st.received[STREAM_C2S],
                     (unsigned long long)st.received[STREAM_S2C],
                     status_name(final));
    stream_destroy(c->s);
}

/* ---- through two pipe(2)s ---------------------------------------------- */

static const char *fd_link_recv(void *conn, const uint8_t **out_data,
                                size_t *out_len, int *out_eof)
{
    struct fd_call *f = conn;

    *out_data = f->server_buf;
    return conduit_frame_recv(&f->c2s, f->server_buf, out_len, out_eof);
}

static const char *fd_link_send(void *conn, const uint8_t *data, size_t len)
{
    struct fd_call *f = conn;

    return conduit_frame_send(&f->s2c, data, len);
}

/* Either way the client must see the end of s2c. */
static void fd_link_end(void *conn, const char *err)
{
    struct fd_call *f = conn;

    (void)err;
    conduit_close_write(&f->s2c);
}

static const struct echo_link fd_link = {fd_link_recv, fd_link_send,
                                         fd_link_end};

void fd_call_open(struct fd_call *f)
{
    memset(f, 0, sizeof *f);
    conduit_open(&f->c2s, VIA_PIPE2);
    conduit_open(&f->s2c, VIA_PIPE2);
    f->server_buf = xmalloc(MAX_SIZE);
    f->client_buf = xmalloc(MAX_SIZE);
    f->server.link = &fd_link;
    f->server.conn = f;
}

void fd_call_start_server(struct fd_call *f, struct sched_thread *t)
{
    start_thread(t, "server", echo_server_main, &f->server);
}

void fd_call_close(struct fd_call *f, const char *client_err, const char *what)
{
    if (client_err != NULL || f->server.err[0]) {
        char all[2 * ERR_MAX];

        all[0] = '\0';
        append_error(all, sizeof all, "client",
                     client_err != NULL ? client_err : "");
        append_error(all, sizeof all, "server", f->server.err);
        check_failed("%s: %s", what, all);
    }
    free(f->server_buf);
    free(f->client_buf);
    conduit_close(&f->c2s);
    conduit_close(&f->s2c);
}

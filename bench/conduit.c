/*
 * conduit: one direction of bytes through duplex, pipe(2) or
 * socketpair(2), and frames over it (see conduit.h).
 *
 * Design
 *   The kernel's conduits are grown to CAPACITY as far as the kernel
 *   allows: F_SETPIPE_SZ for a pipe (it fails above
 *   /proc/sys/fs/pipe-max-size), SO_SNDBUF for a Unix stream socket, which
 *   charges queued bytes to the sender's buffer. Reads and writes retry on
 *   EINTR; a write loops until every byte is in.
 */
#define _GNU_SOURCE /* F_SETPIPE_SZ, F_GETPIPE_SZ */

#include "conduit.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/frame.h"
#include "core/pipe.h"
#include "core/status.h"
#include "harness.h"

const char *const via_names[VIA_COUNT] = {"duplex", "pipe(2)", "socketpair(2)"};

static void open_pipe2(struct conduit *c)
{
    int fds[2];

    if (pipe(fds) != 0)
        check_failed("pipe(2): %s", strerror(errno));
    c->rfd = fds[0];
    c->wfd = fds[1];
    if (fcntl(c->wfd, F_SETPIPE_SZ, CAPACITY) < 0)
        check_failed("fcntl(F_SETPIPE_SZ, %d): %s (see "
                     "/proc/sys/fs/pipe-max-size)",
                     CAPACITY, strerror(errno));
    c->kernel_buffer = fcntl(c->wfd, F_GETPIPE_SZ);
}

static void open_socketpair(struct conduit *c)
{
    int sv[2];
    int want = CAPACITY;
    int got = 0;
    socklen_t len = sizeof got;

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        check_failed("socketpair(2): %s", strerror(errno));
    c->rfd = sv[0];
    c->wfd = sv[1];
    if (setsockopt(c->wfd, SOL_SOCKET, SO_SNDBUF, &want, sizeof want) != 0 ||
        getsockopt(c->wfd, SOL_SOCKET, SO_SNDBUF, &got, &len) != 0)
        check_failed("SO_SNDBUF: %s", strerror(errno));
    c->kernel_buffer = got;
}

void conduit_open(struct conduit *c, enum via via)
{
    memset(c, 0, sizeof *c);
    c->via = via;
    c->rfd = -1;
    c->wfd = -1;
    if (via == VIA_DUPLEX) {
        if (pipe_create(CAPACITY, "bench", NULL, &c->p) != STATUS_OK)
            check_failed("pipe_create: out of memory");
    } else if (via == VIA_PIPE2) {
        open_pipe2(c);
    } else {
        open_socketpair(c);
    }
}

const char *conduit_write(struct conduit *c, const uint8_t *buf, size_t len)
{
    size_t done = 0;

    if (c->via == VIA_DUPLEX) {
        enum status st = pipe_write(c->p, buf, len, NULL);

        return st == STATUS_OK ? NULL : status_name(st);
    }
    while (done < len) {
        ssize_t n = write(c->wfd, buf + done, len - done);

        if (n < 0 && errno != EINTR)
            return strerror(errno);
        if (n > 0)
            done += (size_t)n;
    }
    return NULL;
}

const char *conduit_read(struct conduit *c, uint8_t *buf, size_t cap,
                         size_t *out_n)
{
    ssize_t n = 0;

    if (c->via == VIA_DUPLEX) {
        enum status st = pipe_read(c->p, buf, cap, out_n);

        if (st == STATUS_EOF)
            *out_n = 0;
        return st == STATUS_OK || st == STATUS_EOF ? NULL : status_name(st);
    }
    do
        n = read(c->rfd, buf, cap);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return strerror(errno);
    *out_n = (size_t)n;
    return NULL;
}

/*
 * Reads exactly len bytes. An EOF before the first byte sets *out_eof when
 * out_eof is not NULL (a clean end between frames); any other EOF is an
 * error.
 */
static const char *read_full(struct conduit *c, uint8_t *buf, size_t len,
                             int *out_eof)
{
    size_t got = 0;

    while (got < len) {
        size_t n = 0;
        const char *e = conduit_read(c, buf + got, len - got, &n);

        if (e != NULL)
            return e;
        if (n == 0 && got == 0 && out_eof != NULL) {
            *out_eof = 1;
            return NULL;
        }
        if (n == 0)
            return "unexpected EOF";
        got += n;
    }
    return NULL;
}

void conduit_close_write(struct conduit *c)
{
    if (c->via == VIA_DUPLEX) {
        pipe_close_write(c->p);
    } else if (c->via == VIA_PIPE2) {
        close(c->wfd);
        c->wfd = -1;
    } else {
        shutdown(c->wfd, SHUT_WR);
    }
}

void conduit_close_read(struct conduit *c)
{
    if (c->via == VIA_DUPLEX) {
        pipe_close_read(c->p);
        return;
    }
    close(c->rfd); /* the writer's next write fails with EPIPE */
    c->rfd = -1;
}

void conduit_close(struct conduit *c)
{
    pipe_destroy(c->p);
    if (c->rfd >= 0)
        close(c->rfd);
    if (c->wfd >= 0)
        close(c->wfd);
}

const char *conduit_frame_send(struct conduit *c, const uint8_t *payload,
                               size_t len)
{
    uint8_t hdr[FRAME_HEADER_LEN];
    const char *e = NULL;

    frame_encode_header(hdr, FRAME_FLAG_PLAIN, (uint32_t)len);
    e = conduit_write(c, hdr, sizeof hdr);
    return e != NULL ? e : conduit_write(c, payload, len);
}

const char *conduit_frame_recv(struct conduit *c, uint8_t *buf, size_t *out_len,
                               int *out_eof)
{
    uint8_t raw[FRAME_HEADER_LEN];
    struct frame_header h;
    const char *e = NULL;

    *out_eof = 0;
    e = read_full(c, raw, sizeof raw, out_eof);
    if (e != NULL || *out_eof)
        return e;
    if (frame_decode_header(raw, NULL, &h, NULL) != STATUS_OK ||
        h.length > MAX_SIZE)
        return "bad frame header";
    *out_len = h.length;
    return read_full(c, buf, h.length, NULL);
}

/*
 * wire_socket: gRPC frames straight on a TCP socket (see wire_socket.h).
 *
 * Design
 *   One connection carries both directions; this process sends one and
 *   reads the other. Each operation is the raw wire's, made of socket
 *   calls:
 *
 *     wire op      raw wire (pipes)         this wire (TCP)
 *     send         frame_write              sendmsg(prefix, payload),
 *                                           MSG_NOSIGNAL, until all went
 *     recv         frame_read               read the 5-byte prefix, then
 *                                           the payload, however the
 *                                           kernel splits them
 *     close_send   pipe_close_write         shutdown(SHUT_WR): a FIN
 *     (peer)       read: EOF after data     read() == 0 after the data
 *     abort        pipe_close_with_error    close with SO_LINGER 0: RST
 *
 *   A frame over the receiver's max_recv is RESOURCE_EXHAUSTED from its
 *   prefix alone, and a read that returns 0 inside a frame is INTERNAL
 *   "unexpected EOF", both with frame.h's words, as on the pipes (grpc-go
 *   maps io.ErrUnexpectedEOF to Internal too).
 *
 *   A reset reaches the peer as UNAVAILABLE, never as the abort's reason.
 *   An RST says only that the connection is gone; TCP carries no code,
 *   so the peer cannot tell a cancel from a deadline or a crash, and
 *   gRPC calls a transport that broke Unavailable. (In process, both ends
 *   share one pipe, so the raw wire hands the peer the reason itself;
 *   HTTP/2's RST_STREAM carries CANCEL.) Our own end keeps the reason.
 *   A send that finds the connection reset says UNAVAILABLE: nobody
 *   ended the call but the connection, so the stream ends it with that
 *   (a client's send then says EOF, and its recv tells the status).
 *
 *   No trailers: the raw wire carries no status. In process the client
 *   reads the server's from the stream they share (wire_raw has no
 *   trailer operation); across processes there is nothing to share, so
 *   whatever status the server finishes with, its end of the wire sends
 *   a FIN, and the client's stream reads EOF and ends its call as OK.
 *   Only the server knows its status; `duplex call --wire raw` says so.
 *
 *   The socket is non-blocking and every wait is a poll(2) on it and on
 *   a pipe of the wire's own (wake): abort writes a byte there, so every
 *   send and recv blocked in poll wakes at once, on any thread, and none
 *   can miss it (the byte stays). The socket is closed only when no
 *   operation is using it (users == 0): the last one out of an aborted
 *   wire closes it, so a descriptor is never closed under a thread that
 *   still polls it (and then reused by another open). Waits end at the
 *   call's deadline (poll's timeout, from sched's clock).
 *   Every send uses MSG_NOSIGNAL: a peer that left is a status, never
 *   SIGPIPE. Sends hold send_mu for a whole frame, so frames from two
 *   threads never interleave on the stream of bytes.
 *
 *   The trace gets what the pipes would record: each direction's bytes
 *   (trace_wire, for the hexdump), BLOCK and WAKE when an operation has
 *   to wait, and a NOTE for the FIN sent, the FIN read and the RST, in
 *   the thread that made them.
 *
 * Locking
 *   send_mu (one sender at a time), then io_mu (one non-blocking read or
 *   sendmsg at a time, with what it failed with recorded: see read_once),
 *   then mu (the state below it). None is held across a wait (poll) but
 *   send_mu; the trace's lock is a leaf.
 */
#include "core/wire_socket.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/sched.h"
#include "core/trace.h"

struct wire_socket {
    struct wire base;           /* first: a struct wire * points here */
    int side;                   /* WIRE_SOCKET_CLIENT or _SERVER */
    int wake[2];                /* abort writes wake[1]; polls watch wake[0] */
    struct trace *trace;
    struct sched_mutex send_mu; /* held for one whole frame */
    struct sched_mutex io_mu;   /* held for one read or sendmsg call */
    struct sched_mutex mu;      /* guards the fields below */
    int fd;                     /* the connection; -1 once closed */
    int users;                  /* operations using fd right now */
    enum status aborted;        /* OK, or the first abort's reason */
    int recv_closed;            /* close_recv: recv says CLOSED */
    int broken_err;             /* the first failure's errno, or 0 */
    int64_t deadline;           /* sched time; SCHED_NO_DEADLINE */
    uint64_t waits[2][2];       /* [dir][0: sender, 1: receiver] */
    struct wire_socket_stats stats;
    struct wire_socket_tap tap; /* fn NULL: none */
};

static const char *const dir_names[2] = {"c2s", "s2c"};

static const struct wire_ops socket_ops;

static struct wire_socket *socket_of(struct wire *w)
{
    assert(w != NULL && w->ops == &socket_ops);
    return (struct wire_socket *)w;
}

/* Tells the tap, if there is one (see wire_socket_tap). */
static void tap(const struct wire_socket *ws, enum wire_socket_event ev,
                const void *buf, size_t n)
{
    if (ws->tap.fn != NULL)
        ws->tap.fn(ws->tap.arg, ev, buf, n);
}

/* The direction this end sends: the client's is c2s (0), the server's s2c. */
static int send_dir(const struct wire_socket *ws)
{
    return ws->side == WIRE_SOCKET_CLIENT ? 0 : 1;
}

/*
 * Closes the socket with an RST (SO_LINGER 0), unless the peer reset it
 * first: then there is no connection left to reset, and it only closes.
 * Needs mu, and users == 0.
 */
static void reset_locked(struct wire_socket *ws)
{
    struct linger hard = {1, 0};

    if (ws->fd < 0)
        return;
    if (ws->stats.reset_read) {
        close(ws->fd);
        ws->fd = -1;
        return;
    }
    setsockopt(ws->fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    close(ws->fd);
    ws->fd = -1;
    ws->stats.reset_sent = 1;
    tap(ws, WIRE_SOCKET_RESET, NULL, 0);
    trace_event(ws->trace, TRACE_NOTE, dir_names[send_dir(ws)], 0, 0,
                ws->aborted, "close with SO_LINGER 0: RST");
}

/* Starts an operation on the socket: OK and *fd, or the abort's reason. */
static enum status enter(struct wire_socket *ws, int *fd)
{
    enum status st = STATUS_OK;

    sched_mutex_lock(&ws->mu);
    if (ws->aborted != STATUS_OK)
        st = ws->aborted;
    else
        ws->users++;
    *fd = ws->fd;
    sched_mutex_unlock(&ws->mu);
    return st;
}

/* Ends it; the last one out of an aborted wire sends the RST. */
static void leave(struct wire_socket *ws)
{
    sched_mutex_lock(&ws->mu);
    ws->users--;
    if (ws->aborted != STATUS_OK && ws->users == 0)
        reset_locked(ws);
    sched_mutex_unlock(&ws->mu);
}

/* What an operation waits with: its direction and whether it waited. */
struct waiting {
    int dir;
    int who; /* 0: a sender, 1: a receiver */
    int waited;
};

/* poll's timeout until the deadline, rounded up; -1: none. */
static int timeout_ms(struct wire_socket *ws, int *passed)
{
    int64_t deadline = SCHED_NO_DEADLINE, left = 0;

    sched_mutex_lock(&ws->mu);
    deadline = ws->deadline;
    sched_mutex_unlock(&ws->mu);
    *passed = 0;
    if (deadline == SCHED_NO_DEADLINE)
        return -1;
    left = deadline - sched_now_ns();
    if (left <= 0) {
        *passed = 1;
        return 0;
    }
    left = (left + 999999) / 1000000;
    return left > INT_MAX ? INT_MAX : (int)left; /* INT_MAX: poll again */
}

/* Records the first wait of an operation, as the pipes do. */
static void note_block(struct wire_socket *ws, struct waiting *w)
{
    if (w->waited)
        return;
    w->waited = 1;
    sched_mutex_lock(&ws->mu);
    ws->waits[w->dir][w->who]++;
    sched_mutex_unlock(&ws->mu);
    trace_event(ws->trace, TRACE_BLOCK, dir_names[w->dir], 0, 0, STATUS_OK,
                "%s", w->who ? "socket empty" : "socket buffer full");
}

/*
 * Waits until fd is ready for events, the wire is aborted, or the
 * deadline passes. Returns OK, the abort's reason or DEADLINE_EXCEEDED.
 */
static enum status wait_ready(struct wire_socket *ws, int fd, short events,
                              struct waiting *w)
{
    struct pollfd p[2] = {{fd, events, 0}, {ws->wake[0], POLLIN, 0}};
    enum status st = STATUS_OK;
    int passed = 0, n = 0;

    note_block(ws, w);
    n = poll(p, 2, timeout_ms(ws, &passed));
    if (n < 0 && errno != EINTR)
        abort(); /* EFAULT, EINVAL: a bug here, not the peer's doing */
    sched_mutex_lock(&ws->mu);
    st = ws->aborted;
    sched_mutex_unlock(&ws->mu);
    if (st == STATUS_OK && n == 0 && passed)
        st = STATUS_DEADLINE_EXCEEDED;
    return st;
}

/* Records the end of an operation's wait, as the pipes do. */
static void note_wake(struct wire_socket *ws, const struct waiting *w,
                      enum status st)
{
    if (w->waited)
        trace_event(ws->trace, TRACE_WAKE, dir_names[w->dir], 0, 0, st, "%s",
                    st != STATUS_OK ? status_name(st)
                    : w->who        ? "data to read"
                                    : "room to write");
}

/*
 * The connection failed (errno err): UNAVAILABLE, with the system's words
 * for the first failure seen. The kernel reports a reset once: whoever
 * reads the error clears it, and the next read returns 0 as if the peer
 * had half-closed. So the wire keeps it, and every later read says it
 * again (see has_broken), as a reset is no EOF.
 */
static enum status broken(struct wire_socket *ws, int err,
                          struct status_detail *why)
{
    int first = 0;

    sched_mutex_lock(&ws->mu);
    ws->stats.reset_read = 1;
    first = ws->broken_err == 0;
    if (first)
        ws->broken_err = err;
    err = ws->broken_err;
    sched_mutex_unlock(&ws->mu);
    if (first)
        tap(ws, WIRE_SOCKET_PEER_RESET, NULL, 0);
    return status_detail_set(why, STATUS_UNAVAILABLE, "%s", strerror(err));
}

/* The errno of a failure seen before (see broken), or 0. */
static int has_broken(struct wire_socket *ws)
{
    int err = 0;

    sched_mutex_lock(&ws->mu);
    err = ws->broken_err;
    sched_mutex_unlock(&ws->mu);
    return err;
}

/* errno values that mean "try again", not "the connection failed". */
static int transient(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/*
 * One non-blocking read, under io_mu with its failure recorded (broken)
 * before io_mu is let go: so a read of 0 can tell a reset that a send on
 * another thread just took from the kernel from the peer's FIN. Returns
 * read's result; *err is its errno (or a recorded one when it returns -1
 * for a 0 that was a reset).
 */
static ssize_t read_once(struct wire_socket *ws, int fd, uint8_t *buf,
                         size_t len, int *err)
{
    ssize_t n = 0;

    sched_mutex_lock(&ws->io_mu);
    n = read(fd, buf, len);
    *err = n < 0 ? errno : 0;
    if (n > 0)
        tap(ws, WIRE_SOCKET_RECEIVED, buf, (size_t)n);
    if (n < 0 && !transient(*err))
        broken(ws, *err, NULL);
    if (n == 0 && (*err = has_broken(ws)) != 0)
        n = -1;
    sched_mutex_unlock(&ws->io_mu);
    return n;
}

/*
 * Reads what is there (at most len bytes), waiting while nothing is.
 * Returns OK (*got > 0), EOF (read returned 0), UNAVAILABLE, the abort's
 * reason or DEADLINE_EXCEEDED.
 */
static enum status read_some(struct wire_socket *ws, int fd, uint8_t *buf,
                             size_t len, size_t *got, struct waiting *w,
                             struct status_detail *why)
{
    ssize_t n = 0;
    int err = 0;
    enum status st = STATUS_OK;

    while ((n = read_once(ws, fd, buf, len, &err)) < 0 && transient(err)) {
        if (err == EINTR)
            continue;
        st = wait_ready(ws, fd, POLLIN, w);
        if (st != STATUS_OK)
            return status_detail_set(why, st, "%s", status_name(st));
    }
    if (n < 0)
        return broken(ws, err, why);
    if (n == 0)
        return STATUS_EOF;
    sched_mutex_lock(&ws->mu);
    ws->stats.reads++;
    sched_mutex_unlock(&ws->mu);
    *got = (size_t)n;
    return STATUS_OK;
}

/* The peer's FIN, read at a frame boundary: counted and told. */
static void fin_read(struct wire_socket *ws, int dir)
{
    uint64_t before = 0;

    int first = 0;

    sched_mutex_lock(&ws->mu);
    first = !ws->stats.fin_read;
    ws->stats.fin_read = 1;
    ws->stats.read_before_fin = before = ws->stats.frames_read;
    sched_mutex_unlock(&ws->mu);
    if (first)
        tap(ws, WIRE_SOCKET_PEER_FIN, NULL, 0);
    trace_event(ws->trace, TRACE_NOTE, dir_names[dir], 0, 0, STATUS_EOF,
                "read() returned 0 after %llu messages: the peer's FIN",
                (unsigned long long)before);
}

/*
 * Reads exactly len bytes. A read of 0 before the first byte is EOF when
 * eof_ok (a frame boundary), else INTERNAL "unexpected EOF".
 */
static enum status read_full(struct wire_socket *ws, int fd, uint8_t *buf,
                             size_t len, int eof_ok, struct waiting *w,
                             struct status_detail *why)
{
    size_t got = 0, n = 0;
    enum status st = STATUS_OK;

    while (got < len && st == STATUS_OK) {
        st = read_some(ws, fd, buf + got, len - got, &n, w, why);
        if (st == STATUS_OK)
            got += n;
    }
    if (st == STATUS_EOF && (got > 0 || !eof_ok))
        return status_detail_set(why, STATUS_INTERNAL, "unexpected EOF");
    if (st == STATUS_EOF)
        fin_read(ws, w->dir);
    return st;
}

static enum status reserve(struct frame_msg *msg, size_t need)
{
    uint8_t *grown = NULL;

    if (need <= msg->cap)
        return STATUS_OK;
    grown = realloc(msg->data, need);
    if (grown == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    msg->data = grown;
    msg->cap = need;
    return STATUS_OK;
}

/* One frame: its prefix, judged by limits, then its payload. */
static enum status read_frame(struct wire_socket *ws, int fd,
                              const struct frame_limits *limits,
                              struct frame_msg *msg, struct waiting *w,
                              struct status_detail *why)
{
    uint8_t raw[FRAME_HEADER_LEN];
    struct frame_header h;
    enum status st = read_full(ws, fd, raw, sizeof raw, 1, w, why);

    if (st == STATUS_OK)
        st = frame_decode_header(raw, limits, &h, why);
    if (st != STATUS_OK)
        return st;
    if (reserve(msg, h.length) != STATUS_OK)
        return status_detail_set(why, STATUS_RESOURCE_EXHAUSTED,
                                 "out of memory for a %lu-byte message",
                                 (unsigned long)h.length);
    st = read_full(ws, fd, msg->data, h.length, 0, w, why);
    if (st != STATUS_OK)
        return st;
    trace_wire(ws->trace, dir_names[w->dir], raw, sizeof raw);
    trace_wire(ws->trace, dir_names[w->dir], msg->data, h.length);
    msg->flag = h.flag;
    msg->length = h.length;
    return STATUS_OK;
}

static enum status socket_recv(struct wire *w, int dir,
                               const struct frame_limits *limits,
                               struct frame_msg *msg, struct status_detail *why)
{
    struct wire_socket *ws = socket_of(w);
    struct waiting wait = {dir, 1, 0};
    int fd = -1, closed = 0;
    enum status st = STATUS_OK;

    assert(dir != send_dir(ws)); /* the peer reads that one */
    sched_mutex_lock(&ws->mu);
    closed = ws->recv_closed;
    sched_mutex_unlock(&ws->mu);
    if (closed)
        return status_detail_set(why, STATUS_CLOSED, "%s",
                                 status_name(STATUS_CLOSED));
    st = enter(ws, &fd);
    if (st != STATUS_OK)
        return status_detail_set(why, st, "%s", status_name(st));
    st = read_frame(ws, fd, limits, msg, &wait, why);
    note_wake(ws, &wait, st == STATUS_EOF ? STATUS_OK : st);
    if (st == STATUS_OK) {
        sched_mutex_lock(&ws->mu);
        ws->stats.frames_read++;
        sched_mutex_unlock(&ws->mu);
    }
    leave(ws);
    return st;
}

/*
 * Sends every byte of iov[0..1], waiting while the kernel's buffer is
 * full. Returns OK, UNAVAILABLE (the peer reset the connection), the abort's
 * reason or DEADLINE_EXCEEDED.
 */
static enum status send_all(struct wire_socket *ws, int fd, struct iovec *iov,
                            struct waiting *w, struct status_detail *why)
{
    struct msghdr m;
    ssize_t n = 0;
    int err = 0, i = 0;
    enum status st = STATUS_OK;

    memset(&m, 0, sizeof m);
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    while (iov[0].iov_len + iov[1].iov_len > 0) {
        sched_mutex_lock(&ws->io_mu); /* see read_once */
        n = sendmsg(fd, &m, MSG_NOSIGNAL);
        err = n < 0 ? errno : 0;
        if (n < 0 && !transient(err))
            broken(ws, err, why);
        sched_mutex_unlock(&ws->io_mu);
        if (n < 0 && err == EINTR)
            continue;
        if (n < 0 && transient(err)) {
            st = wait_ready(ws, fd, POLLOUT, w);
            if (st != STATUS_OK)
                return status_detail_set(why, st, "%s", status_name(st));
            continue;
        }
        if (n < 0)
            return STATUS_UNAVAILABLE; /* broken() worded why */
        for (i = 0; i < 2; i++) { /* step past what went */
            size_t k = (size_t)n < iov[i].iov_len ? (size_t)n : iov[i].iov_len;

            iov[i].iov_base = (uint8_t *)iov[i].iov_base + k;
            iov[i].iov_len -= k;
            n -= (ssize_t)k;
        }
    }
    return STATUS_OK;
}

static enum status socket_send(struct wire *w, int dir, const void *buf,
                               size_t len, uint32_t max_send,
                               struct status_detail *why)
{
    struct wire_socket *ws = socket_of(w);
    struct waiting wait = {dir, 0, 0};
    struct status_detail local;
    uint8_t hdr[FRAME_HEADER_LEN];
    struct iovec iov[2];
    int fd = -1;
    enum status st = frame_check_send(len, max_send, why);

    assert(dir == send_dir(ws)); /* we read the other one */
    if (st != STATUS_OK)
        return st;
    if (why == NULL)
        why = &local; /* send_all words a reset from the system's */
    frame_encode_header(hdr, FRAME_FLAG_PLAIN, (uint32_t)len);
    iov[0].iov_base = hdr;
    iov[0].iov_len = sizeof hdr;
    iov[1].iov_base = (void *)(uintptr_t)buf; /* sendmsg does not write */
    iov[1].iov_len = len;
    sched_mutex_lock(&ws->send_mu);
    st = enter(ws, &fd);
    if (st != STATUS_OK) {
        sched_mutex_unlock(&ws->send_mu);
        return status_detail_set(why, st, "%s", status_name(st));
    }
    trace_wire(ws->trace, dir_names[dir], hdr, sizeof hdr);
    trace_wire(ws->trace, dir_names[dir], buf, len);
    tap(ws, WIRE_SOCKET_SENT, hdr, sizeof hdr);
    tap(ws, WIRE_SOCKET_SENT, buf, len);
    st = send_all(ws, fd, iov, &wait, why);
    note_wake(ws, &wait, st);
    if (st == STATUS_OK) {
        sched_mutex_lock(&ws->mu);
        ws->stats.frames_sent++;
        sched_mutex_unlock(&ws->mu);
    }
    leave(ws);
    sched_mutex_unlock(&ws->send_mu);
    return st;
}

/*
 * shutdown(SHUT_WR): TCP's FIN goes after the last byte sent. The raw
 * wire carries no status: the trailer stays with the stream (Design).
 */
static void socket_close_send(struct wire *w, int dir,
                              const struct status_detail *trailer)
{
    struct wire_socket *ws = socket_of(w);
    int fd = -1, first = 0;

    (void)trailer;
    if (dir != send_dir(ws) || enter(ws, &fd) != STATUS_OK)
        return; /* nothing of ours to end, or an RST ended it all */
    sched_mutex_lock(&ws->mu);
    first = !ws->stats.fin_sent;
    ws->stats.fin_sent = 1;
    sched_mutex_unlock(&ws->mu);
    if (first) {
        trace_event(ws->trace, TRACE_NOTE, dir_names[dir], 0, 0, STATUS_OK,
                    "shutdown(SHUT_WR): FIN after the last byte");
        tap(ws, WIRE_SOCKET_FIN, NULL, 0);
        shutdown(fd, SHUT_WR);
    }
    leave(ws);
}

/*
 * This end stops reading dir: its recv says CLOSED. Nothing goes on the
 * wire (TCP has no "stop sending"); what the peer sends after it is
 * answered by the kernel with an RST once the socket is closed.
 */
static void socket_close_recv(struct wire *w, int dir)
{
    struct wire_socket *ws = socket_of(w);

    if (dir == send_dir(ws))
        return;
    sched_mutex_lock(&ws->mu);
    ws->recv_closed = 1;
    sched_mutex_unlock(&ws->mu);
}

/*
 * The first abort (of either direction: one connection carries both)
 * records its reason, wakes every waiting operation and resets the
 * connection; it returns the bytes that arrived and will never be read.
 */
static size_t socket_abort(struct wire *w, int dir, enum status reason)
{
    struct wire_socket *ws = socket_of(w);
    int unread = 0;

    (void)dir;
    assert(reason != STATUS_OK);
    sched_mutex_lock(&ws->mu);
    if (ws->aborted == STATUS_OK) {
        ws->aborted = reason;
        if (ws->fd >= 0 && ioctl(ws->fd, FIONREAD, &unread) != 0)
            unread = 0;
        if (write(ws->wake[1], "!", 1) != 1)
            abort(); /* a fresh pipe with room for a byte: cannot fail */
        if (ws->users == 0)
            reset_locked(ws);
    }
    sched_mutex_unlock(&ws->mu);
    return unread > 0 ? (size_t)unread : 0;
}

static void socket_set_deadline(struct wire *w, int64_t deadline_ns)
{
    struct wire_socket *ws = socket_of(w);

    sched_mutex_lock(&ws->mu);
    ws->deadline = deadline_ns;
    sched_mutex_unlock(&ws->mu);
}

static void socket_waits(struct wire *w, int dir, uint64_t *write_waits,
                         uint64_t *read_waits)
{
    struct wire_socket *ws = socket_of(w);

    sched_mutex_lock(&ws->mu);
    *write_waits = ws->waits[dir][0];
    *read_waits = ws->waits[dir][1];
    sched_mutex_unlock(&ws->mu);
}

/* No pipe carries this wire's bytes: they wait in the kernel's buffers. */
static struct pipe *socket_pipe(struct wire *w, int dir)
{
    (void)socket_of(w);
    (void)dir;
    return NULL;
}

static void socket_destroy(struct wire *w)
{
    struct wire_socket *ws = socket_of(w);

    assert(ws->users == 0);
    if (ws->fd >= 0)
        close(ws->fd);
    close(ws->wake[0]);
    close(ws->wake[1]);
    sched_mutex_destroy(&ws->mu);
    sched_mutex_destroy(&ws->io_mu);
    sched_mutex_destroy(&ws->send_mu);
    free(ws);
}

static const struct wire_ops socket_ops = {
    .name = "raw",
    .send = socket_send,
    .recv = socket_recv,
    .close_send = socket_close_send,
    .close_recv = socket_close_recv,
    .abort = socket_abort,
    .set_deadline = socket_set_deadline,
    .waits = socket_waits,
    .pipe = socket_pipe,
    .destroy = socket_destroy,
};

/* Makes the socket non-blocking, so that every wait is wait_ready's. */
static int nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

enum status wire_socket_create(void *arg, const struct wire_params *params,
                               struct wire **out)
{
    const struct wire_socket_peer *peer = arg;
    struct wire_socket *ws = NULL;

    assert(peer != NULL && peer->fd >= 0);
    assert(peer->side == WIRE_SOCKET_CLIENT ||
           peer->side == WIRE_SOCKET_SERVER);
    assert(params != NULL && out != NULL);
    if (sched_simulated()) {
        close(peer->fd);
        return STATUS_FAILED_PRECONDITION;
    }
    ws = calloc(1, sizeof *ws);
    if (ws == NULL || pipe(ws->wake) != 0 || !nonblocking(peer->fd)) {
        if (ws != NULL && ws->wake[1] > 0) {
            close(ws->wake[0]);
            close(ws->wake[1]);
        }
        free(ws);
        close(peer->fd);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    ws->base.ops = &socket_ops;
    ws->side = peer->side;
    ws->tap = peer->tap;
    ws->trace = params->trace;
    ws->fd = peer->fd;
    ws->deadline = SCHED_NO_DEADLINE;
    sched_mutex_init(&ws->send_mu);
    sched_mutex_init(&ws->io_mu);
    sched_mutex_init(&ws->mu);
    *out = &ws->base;
    return STATUS_OK;
}

void wire_socket_get_stats(struct wire *w, struct wire_socket_stats *out)
{
    struct wire_socket *ws = socket_of(w);

    assert(out != NULL);
    sched_mutex_lock(&ws->mu);
    *out = ws->stats;
    sched_mutex_unlock(&ws->mu);
}

int wire_is_socket(const struct wire *w)
{
    return w != NULL && w->ops == &socket_ops;
}

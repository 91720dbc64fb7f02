/*
 * pipe: a bounded ring buffer with a blocking reader and writer.
 *
 * Design
 *   The buffer is a ring of cap bytes addressed by two free-running 64-bit
 *   counters, as in xv6's pipe.c: nwrite counts bytes ever put in, nread
 *   bytes ever taken out. The pipe is empty when they are equal and full
 *   when nwrite - nread == cap; byte i lives at buf[i % cap]. Nothing ever
 *   wraps the counters in practice (2^64 bytes), so no "full or empty?"
 *   ambiguity needs a spare slot.
 *
 *   Every wait is a loop that tests the data, the other end's state, the
 *   abort status and the deadline together, so a wake-up for any reason
 *   (including a spurious one) is handled by the same code.
 *
 *   Readers and writers count themselves in readers_waiting and
 *   writers_waiting while they wait, so the other side only pays for a
 *   wake-up when somebody is actually asleep.
 *
 *   A hand-off skips the ring when a reader is already waiting. A reader
 *   that finds the pipe empty, and is the only reader in pipe_read, lends
 *   the pipe its own buffer (lent, lent_len); a writer that finds the ring
 *   empty and a buffer lent copies its bytes straight into it (handed), so
 *   they are copied once instead of into the ring and out again. Handed
 *   bytes count as buffered until the reader takes them: they take room
 *   from the capacity, an abort or a read-side close discards them, and a
 *   reader that leaves without them (its deadline passed) puts them back
 *   at the front of the ring, as do the hand-offs of a reader that a
 *   second reader finds waiting (unlend_locked). So every reader and
 *   writer sees what it would see if the bytes had gone through the ring,
 *   in the same order, after the same scheduling points. Handed bytes keep
 *   their places in the counters: they are the first handed of the
 *   buffered bytes, and the ring's bytes, behind them, stay at buf[i % cap].
 *
 *   Spin, then sleep (OS mode only). Going to sleep on a condition and
 *   being woken costs two system calls and a trip through the kernel's
 *   scheduler: tens of microseconds on a busy machine, far more than the
 *   other thread usually needs to write the next message. So a reader that
 *   finds the pipe empty (or a writer that finds it full) first lets go of
 *   the lock and watches the counters for a moment (spin_for_change), and
 *   only sleeps if nothing moved. The counters, and the epoch that close,
 *   abort and deadline changes bump, are written under mu but with atomic
 *   stores, so the watcher may read them without it. The simulator never
 *   spins: there only one thread runs, and a lock is a scheduling point.
 *
 * Locking
 *   mu guards the whole struct. The trace lock may be taken while mu is
 *   held (trace is a leaf). No other lock is ever taken under mu.
 */
#include "core/pipe.h"

#include <assert.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"

/* mu guards every field below it (see Locking above). */
struct pipe {
    struct sched_mutex mu;
    struct sched_cond readable; /* data arrived, writer closed, or abort */
    struct sched_cond writable; /* room appeared, reader closed, or abort */
    uint8_t *buf;
    size_t cap;               /* bytes buf holds */
    uint64_t nread;           /* bytes taken out, free-running */
    uint64_t nwrite;          /* bytes put in, free-running */
    int readopen;             /* read end still open */
    int writeopen;            /* write end still open */
    enum status err;          /* abort reason; STATUS_OK while none */
    int64_t read_deadline;    /* absolute ns, or SCHED_NO_DEADLINE */
    int64_t write_deadline;   /* absolute ns, or SCHED_NO_DEADLINE */
    unsigned readers_waiting; /* threads waiting on readable */
    unsigned writers_waiting; /* threads waiting on writable */
    uint64_t epoch;           /* bumped by close, abort and deadline changes */
    unsigned readers_in;      /* threads inside pipe_read's wait */
    uint8_t *lent;            /* a reader's buffer lent to the pipe, or NULL;
                                 written with atomic stores (pipe_unlend) */
    size_t lent_len;          /* its size */
    uint8_t *ahead;           /* where hand-offs go once lent is full, or
                                 NULL (pipe_read_ahead) */
    size_t ahead_len;         /* its size */
    size_t handed;            /* bytes copied into lent, then ahead, not yet
                                 taken */
    struct pipe_stats stats;
    struct trace *trace; /* may be NULL */
    char name[8];        /* "c2s", "s2c": used in the trace */
};

/*
 * What a blocked reader or writer waits for, in the words of a deadlock
 * report. Called only while every simulated thread is stopped.
 */
static enum sched_wait_kind describe_reader(const void *obj, char *buf,
                                            size_t cap)
{
    const struct pipe *p = obj;

    snprintf(buf, cap, "data on %s (%s, writer %s)", p->name,
             p->nwrite == p->nread ? "empty" : "not empty",
             p->writeopen ? "open" : "closed");
    return SCHED_WAIT_DATA;
}

static enum sched_wait_kind describe_writer(const void *obj, char *buf,
                                            size_t cap)
{
    const struct pipe *p = obj;

    snprintf(buf, cap, "room on %s (%llu of %zu bytes used, reader %s)",
             p->name, (unsigned long long)(p->nwrite - p->nread), p->cap,
             p->readopen ? "open" : "closed");
    return SCHED_WAIT_ROOM;
}

void pipe_note_state(const void *obj, char *buf, size_t cap)
{
    const struct pipe *p = obj;

    snprintf(buf, cap, "%s: %llu/%zu bytes used%s%s%s%s", p->name,
             (unsigned long long)(p->nwrite - p->nread), p->cap,
             p->writeopen ? "" : ", writer closed",
             p->readopen ? "" : ", reader closed",
             p->err != STATUS_OK ? ", aborted: " : "",
             p->err != STATUS_OK ? status_name(p->err) : "");
}

enum status pipe_create(size_t capacity, const char *name, struct trace *trace,
                        struct pipe **out)
{
    struct pipe *p = NULL;

    if (capacity == 0)
        capacity = PIPE_DEFAULT_CAPACITY;
    p = calloc(1, sizeof *p);
    if (p == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    p->buf = malloc(capacity);
    if (p->buf == NULL) {
        free(p);
        return STATUS_RESOURCE_EXHAUSTED;
    }
    p->cap = capacity;
    p->readopen = 1;
    p->writeopen = 1;
    p->err = STATUS_OK;
    p->read_deadline = SCHED_NO_DEADLINE;
    p->write_deadline = SCHED_NO_DEADLINE;
    p->trace = trace;
    snprintf(p->name, sizeof p->name, "%s", name != NULL ? name : "pipe");
    sched_mutex_init(&p->mu);
    sched_cond_init(&p->readable);
    sched_cond_init(&p->writable);
    sched_cond_describe(&p->readable, describe_reader, p);
    sched_cond_describe(&p->writable, describe_writer, p);
    *out = p;
    return STATUS_OK;
}

void pipe_destroy(struct pipe *p)
{
    if (p == NULL)
        return;
    sched_cond_destroy(&p->writable);
    sched_cond_destroy(&p->readable);
    sched_mutex_destroy(&p->mu);
    free(p->buf);
    free(p);
}

size_t pipe_struct_size(void)
{
    return sizeof(struct pipe);
}

size_t pipe_atomic_limit(const struct pipe *p)
{
    return p->cap < PIPE_ATOMIC ? p->cap : PIPE_ATOMIC;
}

/* cap and name never change after pipe_create: no lock. */
size_t pipe_capacity(const struct pipe *p)
{
    assert(p != NULL);
    return p->cap;
}

const char *pipe_name(const struct pipe *p)
{
    assert(p != NULL);
    return p->name;
}

/* Bytes in the pipe: the ones handed to a waiting reader, then the ring's. */
static size_t buffered_locked(const struct pipe *p)
{
    return (size_t)(p->nwrite - p->nread);
}

/* Bytes in the ring alone. */
static size_t ring_locked(const struct pipe *p)
{
    return buffered_locked(p) - p->handed;
}

/* Atomic reads and writes of the fields a spinning thread watches. */
static uint64_t load(const uint64_t *v)
{
    return __atomic_load_n(v, __ATOMIC_ACQUIRE);
}

/* Needs mu held: only holders of mu write these. */
static void advance(uint64_t *v, uint64_t by)
{
    __atomic_store_n(v, *v + by, __ATOMIC_RELEASE);
}

/*
 * OS mode: watches *counter and the epoch until one moves, for a while,
 * without the lock. Needs mu held; lets go of it meanwhile, so the caller
 * must test every condition again, moved or not: a change just after the
 * last look is not seen here, and its wake-up went to nobody.
 */
static void spin_for_change(struct pipe *p, const uint64_t *counter)
{
    uint64_t was = *counter;
    uint64_t epoch = p->epoch;
    int moved = 0;
    int i = 0;

    if (sched_simulated())
        return;
    sched_mutex_unlock(&p->mu);
    for (i = 0; i < PIPE_SPINS && !moved; i++) {
        moved = load(counter) != was || load(&p->epoch) != epoch;
        if (!moved && i % PIPE_YIELD_EVERY == PIPE_YIELD_EVERY - 1)
            sched_yield(); /* two cores, three threads: let the peer in */
    }
    sched_mutex_lock(&p->mu);
}

static int deadline_passed(int64_t deadline_ns)
{
    return deadline_ns != SCHED_NO_DEADLINE && sched_now_ns() >= deadline_ns;
}

/* Copies n bytes into the ring, byte at index from first. Needs mu held. */
static void ring_put_locked(struct pipe *p, uint64_t from, const uint8_t *src,
                            size_t n)
{
    size_t at = (size_t)(from % p->cap);
    size_t first = n < p->cap - at ? n : p->cap - at;

    memcpy(p->buf + at, src, first);
    memcpy(p->buf, src + first, n - first);
}

/* Copies n bytes out of the ring, from its front. Needs mu held. */
static void ring_get_locked(struct pipe *p, uint8_t *dst, size_t n)
{
    size_t at = (size_t)((p->nread + p->handed) % p->cap);
    size_t first = n < p->cap - at ? n : p->cap - at;

    memcpy(dst, p->buf + at, first);
    memcpy(dst + first, p->buf, n - first);
}

/* Sets the loan (see pipe_unlend for why the store is atomic). */
static void set_lent_locked(struct pipe *p, uint8_t *buf, size_t len)
{
    __atomic_store_n(&p->lent, buf, __ATOMIC_RELEASE);
    p->lent_len = len;
    p->ahead = NULL;
    p->ahead_len = 0;
    p->handed = 0;
}

/*
 * Copies what fits of n bytes into the lent buffer, then into ahead, if
 * the ring is empty (else they would overtake its bytes). Needs mu held.
 * Returns how many.
 */
static size_t hand_locked(struct pipe *p, const uint8_t *src, size_t n)
{
    size_t done = 0;
    size_t k = 0;

    if (p->lent == NULL || ring_locked(p) > 0)
        return 0;
    if (p->handed < p->lent_len) {
        done = n < p->lent_len - p->handed ? n : p->lent_len - p->handed;
        memcpy(p->lent + p->handed, src, done);
        p->handed += done;
    }
    if (p->ahead != NULL && done < n) {
        k = p->ahead_len - (p->handed - p->lent_len);
        k = n - done < k ? n - done : k;
        memcpy(p->ahead + (p->handed - p->lent_len), src + done, k);
        p->handed += k;
        done += k;
    }
    return done;
}

/*
 * Puts n bytes (n <= free room) into the pipe: straight into a lent buffer
 * while the ring is empty, as much as it holds, and the rest into the ring
 * behind them. Needs mu held.
 */
static void copy_in_locked(struct pipe *p, const uint8_t *src, size_t n)
{
    size_t direct = hand_locked(p, src, n);

    ring_put_locked(p, p->nwrite + direct, src + direct, n - direct);
    trace_wire(p->trace, p->name, src, n);
    advance(&p->nwrite, n);
    p->stats.written += n;
    if (p->readers_waiting > 0)
        sched_cond_broadcast(&p->readable);
}

/*
 * Ends the loan of a reader's buffer but for its first keep handed bytes
 * (the reader takes those). The others go into the ring at their own
 * places, the front, where they would be had there been no hand-off.
 * Needs mu held.
 */
static void unlend_locked(struct pipe *p, size_t keep)
{
    size_t in_lent = p->handed < p->lent_len ? p->handed : p->lent_len;

    if (keep < in_lent)
        ring_put_locked(p, p->nread + keep, p->lent + keep, in_lent - keep);
    if (p->handed > in_lent)
        ring_put_locked(p, p->nread + in_lent, p->ahead, p->handed - in_lent);
    set_lent_locked(p, NULL, 0);
}

/*
 * Gives a reader up to len bytes: handed (already in dst, by a hand-off,
 * and no longer lent), then the ring's behind them. Needs mu held.
 * Returns how many.
 */
static size_t copy_out_locked(struct pipe *p, uint8_t *dst, size_t len,
                              size_t handed)
{
    size_t more = 0;

    advance(&p->nread, handed);
    more = len - handed < ring_locked(p) ? len - handed : ring_locked(p);
    ring_get_locked(p, dst + handed, more);
    advance(&p->nread, more);
    p->stats.read += handed + more;
    p->stats.handed += handed;
    if (p->writers_waiting > 0)
        sched_cond_broadcast(&p->writable);
    return handed + more;
}

/*
 * Waits until need bytes of room are free. Needs mu held.
 * Returns OK, CLOSED, DEADLINE_EXCEEDED or the abort status.
 */
static enum status wait_room_locked(struct pipe *p, size_t need)
{
    int spun = 0;
    int waited = 0;
    enum status st = STATUS_OK;

    for (;;) {
        if (p->err != STATUS_OK) {
            st = p->err;
            break;
        }
        if (!p->writeopen || !p->readopen) {
            st = STATUS_CLOSED;
            break;
        }
        if (deadline_passed(p->write_deadline)) {
            st = STATUS_DEADLINE_EXCEEDED;
            break;
        }
        if (p->cap - buffered_locked(p) >= need)
            break;
        if (!waited) {
            waited = 1;
            p->stats.write_waits++;
            trace_event(p->trace, TRACE_BLOCK, p->name, 0, (uint32_t)need,
                        STATUS_OK, "pipe full (%zu/%zu bytes)",
                        buffered_locked(p), p->cap);
        }
        if (!spun) {
            /* The lock was let go: whatever happened meanwhile (even a
             * wake-up nobody sent, as nobody slept), test it all again. */
            spin_for_change(p, &p->nread);
            spun = 1;
            continue;
        }
        p->writers_waiting++;
        st = sched_cond_timedwait(&p->writable, &p->mu, p->write_deadline);
        p->writers_waiting--;
        if (st == STATUS_DEADLOCK)
            break;
        st = STATUS_OK; /* a timeout is judged by the deadline test above */
    }
    if (waited)
        trace_event(p->trace, TRACE_WAKE, p->name, 0, 0, st, "%s",
                    st == STATUS_OK ? "room to write" : status_name(st));
    return st;
}

enum status pipe_write(struct pipe *p, const void *buf, size_t len,
                       size_t *out_n)
{
    const uint8_t *src = buf;
    size_t done = 0;
    enum status st = STATUS_OK;

    assert(p != NULL);
    assert(buf != NULL || len == 0);
    if (len == 0)
        goto out;
    sched_mutex_lock(&p->mu);
    while (done < len) {
        /*
         * A write that fits the atomic limit waits for room for all of it,
         * so it enters the ring in one piece. A larger one takes whatever
         * room there is, and another writer may get in between pieces.
         */
        size_t need = len <= pipe_atomic_limit(p) ? len : 1;
        size_t room = 0;
        size_t n = 0;

        st = wait_room_locked(p, need);
        if (st != STATUS_OK)
            break;
        room = p->cap - buffered_locked(p);
        n = len - done < room ? len - done : room;
        copy_in_locked(p, src + done, n);
        done += n;
    }
    sched_mutex_unlock(&p->mu);
out:
    if (out_n != NULL)
        *out_n = done;
    return st;
}

/* What a reader lends while it waits: buf, then next (may be NULL). */
struct loan {
    uint8_t *buf;
    size_t len;
    uint8_t *next;
    size_t next_len;
};

/*
 * A reader enters pipe_read's wait. A loan that is not its own (or that it
 * no longer has alone) ends: handed bytes go back to the ring, where this
 * reader may take them, as it could have without the hand-off. Its own
 * loan, kept from pipe_read_ahead, stays, cut to what it asks for now.
 * Needs mu held.
 */
static void enter_locked(struct pipe *p, const struct loan *l)
{
    p->readers_in++;
    if (p->lent == NULL)
        return;
    if (p->lent != l->buf || p->readers_in > 1 || p->ahead != NULL)
        unlend_locked(p, 0);
    else if (p->handed <= l->len)
        p->lent_len = l->len;
}

/* A reader about to wait lends its buffers, if it is alone. Needs mu. */
static void lend_locked(struct pipe *p, const struct loan *l)
{
    if (p->readers_in == 1 && p->lent == NULL) {
        set_lent_locked(p, l->buf, l->len);
        p->ahead = l->next;
        p->ahead_len = l->next_len;
    }
}

/*
 * A reader leaves the wait with st. Only a reader alone in it can hold the
 * loan. Returns the bytes handed to its buffer when st is OK (at most
 * l->len). Bytes handed to next stay lent (pipe_read_ahead); any other
 * handed byte goes back to the ring. Needs mu held.
 */
static size_t leave_locked(struct pipe *p, enum status st, const struct loan *l)
{
    size_t taken = 0;

    if (p->readers_in-- != 1 || p->lent == NULL)
        return 0;
    if (st == STATUS_OK)
        taken = p->handed < l->len ? p->handed : l->len;
    if (st == STATUS_OK && p->ahead != NULL && taken == p->lent_len) {
        size_t rest = p->handed - taken;

        set_lent_locked(p, p->ahead, p->ahead_len);
        p->handed = rest;
        return taken;
    }
    unlend_locked(p, taken);
    return taken;
}

/*
 * Waits until there is a byte to read, lending l meanwhile. Needs mu held.
 * *handed receives the bytes a writer put straight into l->buf.
 * Returns OK, EOF, CLOSED, DEADLINE_EXCEEDED or the abort status.
 */
static enum status wait_data_locked(struct pipe *p, const struct loan *l,
                                    size_t *handed)
{
    int spun = 0;
    int waited = 0;
    enum status st = STATUS_OK;

    enter_locked(p, l);
    for (;;) {
        if (p->err != STATUS_OK) {
            st = p->err;
            break;
        }
        if (!p->readopen) {
            st = STATUS_CLOSED;
            break;
        }
        if (deadline_passed(p->read_deadline)) {
            st = STATUS_DEADLINE_EXCEEDED;
            break;
        }
        if (buffered_locked(p) > 0)
            break;
        if (!p->writeopen) {
            st = STATUS_EOF;
            break;
        }
        lend_locked(p, l);
        if (!waited) {
            waited = 1;
            p->stats.read_waits++;
            trace_event(p->trace, TRACE_BLOCK, p->name, 0, 0, STATUS_OK,
                        "pipe empty");
        }
        if (!spun) {
            spin_for_change(p, &p->nwrite); /* as in wait_room_locked */
            spun = 1;
            continue;
        }
        p->readers_waiting++;
        st = sched_cond_timedwait(&p->readable, &p->mu, p->read_deadline);
        p->readers_waiting--;
        if (st == STATUS_DEADLOCK)
            break;
        st = STATUS_OK; /* a timeout is judged by the deadline test above */
    }
    *handed = leave_locked(p, st, l);
    if (waited)
        trace_event(p->trace, TRACE_WAKE, p->name, 0, 0, st, "%s",
                    st == STATUS_OK ? "data to read" : status_name(st));
    return st;
}

/*
 * After a read that asked to lend next: if the pipe is empty and the
 * reader alone, next is lent until the reader's next read into it (or
 * pipe_unlend). Needs mu held.
 */
static void lend_ahead_locked(struct pipe *p, const struct loan *l)
{
    if (l->next != NULL && p->lent == NULL && p->readers_in == 0 &&
        buffered_locked(p) == 0 && p->err == STATUS_OK && p->readopen &&
        p->writeopen)
        set_lent_locked(p, l->next, l->next_len);
}

/* pipe_read and pipe_read_ahead. */
static enum status read_lending(struct pipe *p, const struct loan *l,
                                size_t *out_n)
{
    enum status st = STATUS_OK;
    size_t handed = 0;
    size_t n = 0;

    if (l->len == 0)
        goto out;
    sched_mutex_lock(&p->mu);
    st = wait_data_locked(p, l, &handed);
    if (st == STATUS_OK) {
        n = copy_out_locked(p, l->buf, l->len, handed);
        lend_ahead_locked(p, l);
    }
    sched_mutex_unlock(&p->mu);
    if (st != STATUS_OK)
        return st;
out:
    if (out_n != NULL)
        *out_n = n;
    return STATUS_OK;
}

enum status pipe_read(struct pipe *p, void *buf, size_t len, size_t *out_n)
{
    struct loan l = {buf, len, NULL, 0};

    assert(p != NULL);
    assert(buf != NULL || len == 0);
    return read_lending(p, &l, out_n);
}

/*
 * The simulator never lends ahead: ending such a loan (pipe_unlend) takes
 * the lock, a scheduling point the ring would not have had.
 */
enum status pipe_read_ahead(struct pipe *p, void *buf, size_t len, void *next,
                            size_t next_len, size_t *out_n)
{
    struct loan l = {buf, len, next, next_len};

    assert(p != NULL);
    assert(buf != NULL || len == 0);
    assert(next != NULL || next_len == 0);
    if (next_len == 0 || sched_simulated())
        l.next = NULL;
    return read_lending(p, &l, out_n);
}

/*
 * Only the reader that lent buf sets p->lent to buf, so a look without the
 * lock that finds something else there is sure: nothing of buf's is lent.
 */
void pipe_unlend(struct pipe *p, void *buf)
{
    assert(p != NULL);
    if (buf == NULL || __atomic_load_n(&p->lent, __ATOMIC_ACQUIRE) != buf)
        return;
    sched_mutex_lock(&p->mu);
    if (p->lent == buf && p->readers_in == 0)
        unlend_locked(p, 0);
    sched_mutex_unlock(&p->mu);
}

/*
 * Wakes everybody: the state changed in a way every waiter must see. A
 * close or an abort that discarded the buffered bytes discarded the handed
 * ones among them.
 */
static void wake_all_locked(struct pipe *p)
{
    if (buffered_locked(p) == 0)
        p->handed = 0;
    advance(&p->epoch, 1);
    sched_cond_broadcast(&p->readable);
    sched_cond_broadcast(&p->writable);
}

void pipe_close_write(struct pipe *p)
{
    assert(p != NULL);
    sched_mutex_lock(&p->mu);
    p->writeopen = 0;
    wake_all_locked(p);
    sched_mutex_unlock(&p->mu);
}

void pipe_close_read(struct pipe *p)
{
    assert(p != NULL);
    sched_mutex_lock(&p->mu);
    if (p->readopen) {
        p->readopen = 0;
        p->stats.discarded += buffered_locked(p);
        advance(&p->nread, buffered_locked(p));
    }
    wake_all_locked(p);
    sched_mutex_unlock(&p->mu);
}

size_t pipe_close_with_error(struct pipe *p, enum status reason)
{
    size_t dropped = 0;

    assert(p != NULL);
    assert((reason != STATUS_OK && status_is_grpc(reason)) ||
           reason == STATUS_DEADLOCK);
    sched_mutex_lock(&p->mu);
    if (p->err == STATUS_OK) {
        p->err = reason;
        dropped = buffered_locked(p);
        p->stats.discarded += dropped;
        advance(&p->nread, dropped);
        wake_all_locked(p);
    }
    sched_mutex_unlock(&p->mu);
    return dropped;
}

void pipe_set_read_deadline(struct pipe *p, int64_t deadline_ns)
{
    assert(p != NULL);
    sched_mutex_lock(&p->mu);
    p->read_deadline = deadline_ns;
    advance(&p->epoch, 1);
    sched_cond_broadcast(&p->readable);
    sched_mutex_unlock(&p->mu);
}

void pipe_set_write_deadline(struct pipe *p, int64_t deadline_ns)
{
    assert(p != NULL);
    sched_mutex_lock(&p->mu);
    p->write_deadline = deadline_ns;
    advance(&p->epoch, 1);
    sched_cond_broadcast(&p->writable);
    sched_mutex_unlock(&p->mu);
}

int64_t pipe_read_deadline(struct pipe *p)
{
    int64_t d = 0;

    assert(p != NULL);
    sched_mutex_lock(&p->mu);
    d = p->read_deadline;
    sched_mutex_unlock(&p->mu);
    return d;
}

int64_t pipe_write_deadline(struct pipe *p)
{
    int64_t d = 0;

    assert(p != NULL);
    sched_mutex_lock(&p->mu);
    d = p->write_deadline;
    sched_mutex_unlock(&p->mu);
    return d;
}

size_t pipe_buffered(struct pipe *p)
{
    size_t n = 0;

    assert(p != NULL);
    sched_mutex_lock(&p->mu);
    n = buffered_locked(p);
    sched_mutex_unlock(&p->mu);
    return n;
}

struct pipe_stats pipe_get_stats(struct pipe *p)
{
    struct pipe_stats s;

    assert(p != NULL);
    sched_mutex_lock(&p->mu);
    s = p->stats;
    sched_mutex_unlock(&p->mu);
    return s;
}

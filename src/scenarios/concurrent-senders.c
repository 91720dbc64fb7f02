/*
 * concurrent-senders: two threads call stream_send on one stream. Each
 * frame is two pipe writes (header, then payload), so the two senders'
 * writes interleave and the server decodes a header out of someone's
 * payload: the stream is garbled. There is no data race (the pipe is
 * locked), so ThreadSanitizer stays quiet. --fix gives the stream one
 * sender thread; the producers hand it their messages through a queue.
 *
 * Design
 *   The producers start together (the gate, a latch of 2) so that their
 *   sends overlap from the first one. The latch of the call opens when
 *   both are done; then client/recv half-closes (broken variant) and
 *   reads the status. The server checks each message as an unmarshal
 *   would and keeps the first bad one, in printable form, for the
 *   narration. Whether a run garbles depends on the schedule: the
 *   scenario is racy, and exploration counts the schedules that do.
 */
#include "scenarios/concurrent-senders.h"

#include <string.h>

#include "scenarios/challenge.h"
#include "scenarios/registry.h"

#define CS_QUEUE 16 /* messages the fixed variant's queue holds */

struct cs_queue {
    struct sched_mutex mu;
    struct sched_cond changed; /* an item was added or taken, or closed */
    char items[CS_QUEUE][CS_LEN + 1];
    int head, count;
    int producers; /* still producing; 0 and empty means done */
    int aborted;   /* the run gave up (call_abort): nobody waits */
};

struct cs_call {
    struct call c;     /* first: tasks get a struct call * */
    struct latch gate; /* both producers start together */
    struct cs_queue q;
    int next_from[2];    /* server: next index expected per sender */
    char first_bad[192]; /* what the server decoded first, if bad */
};

int cs_text(char out[CS_LEN + 1], int who, int i)
{
    char tmp[32];

    snprintf(tmp, sizeof tmp, "%c:%04u hello", 'A' + who, (unsigned)i % 10000u);
    memcpy(out, tmp, CS_LEN + 1);
    return CS_LEN;
}

/* For `duplex step`: the queue's state (see sched_note_detail). */
static void note_queue(const void *obj, char *buf, size_t cap)
{
    const struct cs_queue *q = obj;

    snprintf(buf, cap, "the queue holds %d of %d", q->count, CS_QUEUE);
}

/* The fix: queues text for client/send, waiting while the queue is full. */
static enum status cs_enqueue(struct cs_queue *q, const char *text)
{
    enum status st = STATUS_OK;

    sched_note("cs_enqueue \"%s\"", text);
    sched_note_detail(note_queue, q, "waits while the queue is full");
    sched_mutex_lock(&q->mu);
    while (q->count == CS_QUEUE && !q->aborted && st == STATUS_OK)
        st = sched_cond_wait(&q->changed, &q->mu);
    if (st == STATUS_OK && q->count == CS_QUEUE)
        st = STATUS_CANCELLED;
    if (st == STATUS_OK) {
        memcpy(q->items[(q->head + q->count++) % CS_QUEUE], text,
               CS_LEN + 1);
        sched_cond_broadcast(&q->changed);
    }
    sched_mutex_unlock(&q->mu);
    sched_note_end();
    return st; /* not OK: aborted, or a deadlock (SIM mode) */
}

/* The producers' bodies, broken or fixed: who is 0 (A) or 1 (B). */
static enum status cs_produce(struct cs_call *cs, int who,
                              struct status_detail *why)
{
    struct call *c = &cs->c;
    char text[CS_LEN + 1];
    enum status st = STATUS_OK;
    int i = 0;

    /* Both start at once, so their sends overlap from the first one. */
    latch_count_down(&cs->gate);
    st = latch_wait(&cs->gate);
    for (i = 1; i <= c->n && st == STATUS_OK; i++) {
        cs_text(text, who, i);
        if (!c->fix) { /* the bug: both threads call stream_send */
            st = stream_send(stream_client(c->s), text, CS_LEN, why);
            continue;
        }
        st = cs_enqueue(&cs->q, text);
    }
    if (c->fix) {
        sched_mutex_lock(&cs->q.mu);
        cs->q.producers--;
        sched_cond_broadcast(&cs->q.changed);
        sched_mutex_unlock(&cs->q.mu);
    }
    latch_count_down(&c->latch);
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* call_abort's part for concurrent-senders: the gate and the queue. */
static void cs_abort(struct call *c)
{
    struct cs_call *cs = (struct cs_call *)c;

    latch_abort(&cs->gate);
    sched_mutex_lock(&cs->q.mu);
    cs->q.aborted = 1;
    sched_cond_broadcast(&cs->q.changed);
    sched_mutex_unlock(&cs->q.mu);
}

static enum status cs_producer_a(void *arg, struct status_detail *why)
{
    return cs_produce(arg, 0, why);
}

static enum status cs_producer_b(void *arg, struct status_detail *why)
{
    return cs_produce(arg, 1, why);
}

/* The fix: the only thread that calls stream_send. */
static enum status cs_sender(void *arg, struct status_detail *why)
{
    struct cs_call *cs = arg;
    char text[CS_LEN + 1];
    enum status st = STATUS_OK;
    enum status waited = STATUS_OK;

    for (;;) {
        sched_note("takes the next message from the queue");
        sched_note_detail(note_queue, &cs->q, "waits while it is empty");
        sched_mutex_lock(&cs->q.mu);
        while (cs->q.count == 0 && cs->q.producers > 0 && !cs->q.aborted &&
               waited == STATUS_OK)
            waited = sched_cond_wait(&cs->q.changed, &cs->q.mu);
        if (waited == STATUS_OK && cs->q.count == 0 && cs->q.producers > 0)
            waited = STATUS_CANCELLED;
        if (cs->q.count == 0 || waited != STATUS_OK) {
            sched_mutex_unlock(&cs->q.mu);
            break;
        }
        memcpy(text, cs->q.items[cs->q.head], CS_LEN + 1);
        cs->q.head = (cs->q.head + 1) % CS_QUEUE;
        cs->q.count--;
        sched_cond_broadcast(&cs->q.changed);
        sched_mutex_unlock(&cs->q.mu);
        if (st == STATUS_OK) /* after a failure, keep draining the queue */
            st = stream_send(stream_client(cs->c.s), text, CS_LEN, why);
    }
    if (st == STATUS_OK)
        st = waited != STATUS_OK ? waited : stream_close_send(stream_client(cs->c.s));
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* Client: once both producers are done, half-close and read the status. */
enum status cs_closer(void *arg, struct status_detail *why)
{
    struct call *c = arg;
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    st = latch_wait(&c->latch);
    if (st == STATUS_OK && c->close_on_latch)
        stream_close_send(stream_client(c->s));
    while (st == STATUS_OK &&
           (st = stream_recv(stream_client(c->s), &msg, why)) == STATUS_OK)
        c->client_got++;
    c->receiver_end = st;
    frame_msg_free(&msg);
    return st == STATUS_EOF ? STATUS_OK : st;
}

/* A printable picture of a message: bytes outside ASCII as \xNN. */
static void picture(char *out, size_t cap, const struct frame_msg *msg)
{
    size_t n = 0;
    uint32_t i = 0;

    out[0] = '\0';
    for (i = 0; i < msg->length && n + 5 < cap; i++) {
        uint8_t b = msg->data[i];

        if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\')
            n += (size_t)snprintf(out + n, cap - n, "%c", b);
        else
            n += (size_t)snprintf(out + n, cap - n, "\\x%02x", b);
    }
}

/* Is msg the next message of A or B? Says why not in cs->first_bad. */
static int cs_accept(struct cs_call *cs, const struct frame_msg *msg)
{
    char want[CS_LEN + 1];
    char seen[40];
    int who = msg->length > 0 ? msg->data[0] - 'A' : -1;

    if (who == 0 || who == 1) {
        cs_text(want, who, cs->next_from[who] + 1);
        if (same_text(msg, want)) {
            cs->next_from[who]++;
            return 1;
        }
    }
    picture(seen, sizeof seen, msg);
    snprintf(cs->first_bad, sizeof cs->first_bad,
             "message %d decoded as %lu bytes \"%s\": not the next message "
             "of A or B",
             cs->c.server_got + 1, (unsigned long)msg->length, seen);
    return 0;
}

/* Server: checks each message, as an unmarshal would. */
static enum status cs_server(void *arg)
{
    struct cs_call *cs = arg;
    struct call *c = &cs->c;
    struct stream_end *e = stream_server(c->s);
    struct frame_msg msg = {0};
    enum status st = STATUS_OK;

    while ((st = stream_recv(e, &msg, &c->server_why)) == STATUS_OK) {
        if (!cs_accept(cs, &msg)) {
            st = stream_finish(e, STATUS_INTERNAL,
                               "grpc: failed to unmarshal the received "
                               "message");
            c->server_why.code = STATUS_INTERNAL;
            break;
        }
        c->server_got++;
    }
    if (st == STATUS_EOF)
        st = stream_finish(e, STATUS_OK, NULL);
    else if (st != STATUS_OK && cs->first_bad[0] == '\0' &&
             st != STATUS_CANCELLED && st != STATUS_DEADLINE_EXCEEDED &&
             st != STATUS_DEADLOCK) /* those end the call from outside */
        snprintf(cs->first_bad, sizeof cs->first_bad,
                 "after %d good messages, a header: %s: %.120s", c->server_got,
                 status_name(st), c->server_why.text);
    c->server_end = st;
    frame_msg_free(&msg);
    return st;
}

/* The end of a run that neither garbled nor finished. */
static void say_cs_ended(struct scenario_result *r, const struct cs_call *cs,
                         enum status st)
{
    scenario_say(r,
                 "server decoded %d messages intact, A's and B's each in "
                 "order, then the call ended with %s",
                 cs->c.server_got, status_name(st));
}

/* The fixed run: one sender, and whether every message arrived intact. */
static void say_fixed(struct scenario_result *r, const struct cs_call *cs,
                      enum status st)
{
    scenario_say(r, "client/make-a and client/make-b queue their "
                    "messages; only client/send calls stream_send");
    if (st == STATUS_OK && cs->c.server_got == 2 * cs->c.n)
        scenario_say(r,
                     "server decoded all %d messages intact, A's and "
                     "B's each in order",
                     cs->c.server_got);
    else
        say_cs_ended(r, cs, st);
}

/*
 * The broken run on the h2 wire: a send queues its whole message at once,
 * as grpc-go's transport does, so two senders cannot interleave bytes
 * there; what the run saw is said, and where the garbling can be seen.
 */
static void say_h2_senders(struct scenario_result *r, const struct cs_call *cs,
                           enum status st)
{
    scenario_say(r, "client/send-a and client/send-b both call "
                    "stream_send: on the h2 wire each send queues its whole "
                    "message at once (as grpc-go's transport does)");
    if (r->garbled) { /* never expected on this wire: say it as it is */
        scenario_say(r, "server: %s", cs->first_bad);
        return;
    }
    if (st != STATUS_OK) {
        say_cs_ended(r, cs, st);
        return;
    }
    scenario_say(r,
                 "server decoded all %d messages intact: on this wire two "
                 "senders do not garble the bytes",
                 cs->c.server_got);
    scenario_say(r, "grpc-go still says SendMsg is not safe from two "
                    "goroutines; the raw wire shows what two writers do to "
                    "frames (`duplex run concurrent-senders`), and --fix is "
                    "the pattern for both");
}

/* The broken run: clean by luck, or what the server decoded first. */
static void say_garbled(struct scenario_result *r, const struct cs_call *cs,
                        enum status st)
{
    const struct wire_type *wire = cs->c.so.wire;

    if (wire != NULL && strcmp(wire->name, "h2") == 0) {
        say_h2_senders(r, cs, st);
        return;
    }
    scenario_say(r, "client/send-a and client/send-b both call "
                    "stream_send: each frame is two writes (header, payload)");
    if (!r->garbled && st == STATUS_OK) {
        scenario_say(r,
                     "this run happened to stay clean (%d messages): the "
                     "bug is still there; run it again, or with more "
                     "--messages",
                     cs->c.server_got);
        return;
    }
    if (!r->garbled) {
        say_cs_ended(r, cs, st);
        return;
    }
    scenario_say(r, "server: %s", cs->first_bad);
    if (st == STATUS_INTERNAL || st == STATUS_RESOURCE_EXHAUSTED)
        scenario_say(r,
                     "the garbled stream ends the call with %s; see the "
                     "bytes with --trace hexdump",
                     status_name(st));
    else
        scenario_say(r,
                     "the call ended with %s; see the bytes with --trace "
                     "hexdump",
                     status_name(st));
    scenario_say(r, "no data race here (the pipe is locked): "
                    "ThreadSanitizer stays quiet, the framing still breaks");
    scenario_say(r, "fix: one sender thread; see `duplex run "
                    "concurrent-senders --fix`");
}

static enum status run_concurrent_senders(const struct scenario *sc,
                                          const struct scenario_options *o,
                                          struct scenario_result *r)
{
    static const struct task broken_tasks[] = {{"client/send-a", cs_producer_a},
                                               {"client/send-b", cs_producer_b},
                                               {"client/recv", cs_closer}};
    static const struct task fixed_tasks[] = {{"client/make-a", cs_producer_a},
                                              {"client/make-b", cs_producer_b},
                                              {"client/send", cs_sender},
                                              {"client/recv", cs_closer}};
    struct cs_call cs;
    enum status st = STATUS_OK;

    memset(&cs, 0, sizeof cs);
    call_init(&cs.c, sc, o, r, 2); /* opens when both producers are done */
    cs.c.abort = cs_abort;
    cs.c.close_on_latch = !cs.c.fix; /* fixed: client/send half-closes */
    latch_init(&cs.gate, 2);
    sched_mutex_init(&cs.q.mu);
    sched_cond_init(&cs.q.changed);
    cs.q.producers = 2;
    if (cs.c.fix)
        st = run_call(&cs.c, cs_server, fixed_tasks, 4);
    else
        st = run_call(&cs.c, cs_server, broken_tasks, 3);
    sched_cond_destroy(&cs.q.changed);
    sched_mutex_destroy(&cs.q.mu);
    latch_destroy(&cs.gate);
    if (call_short(&cs.c))
        return st;
    r->garbled = cs.first_bad[0] != '\0';
    if (cs.c.fix && r->garbled)
        broken(r, "the fixed variant garbled the stream: %s", cs.first_bad);
    if (!r->garbled && st == STATUS_OK && cs.c.server_got != 2 * cs.c.n)
        broken(r, "server got %d of %d messages", cs.c.server_got, 2 * cs.c.n);
    if (cs.c.fix)
        say_fixed(r, &cs, st);
    else
        say_garbled(r, &cs, st);
    return st;
}

/*
 * The server saw the garbling: its recv failed, or it ended the call with
 * an error status (an unmarshal failure); or the ended run says so.
 */
static int garbled(const struct scenario_progress *p)
{
    size_t i = 0;

    if (p->result != NULL && p->result->garbled)
        return 1;
    for (i = 0; i < p->nevents; i++) {
        const struct trace_event *e = trace_event_at(p->trace, i);

        if (strcmp(e->thread, "server") == 0 &&
            (e->kind == TRACE_ERROR ||
             (e->kind == TRACE_FINISH && e->status != STATUS_OK)))
            return 1;
    }
    return 0;
}

/*
 * The garbling showed before the server had read any message intact (one
 * of A's or B's, whole).
 */
static int garbled_first(const struct scenario_progress *p)
{
    struct scenario_progress upto = *p;
    long i = -1;

    while ((i = challenge_find(p, (size_t)(i + 1), TRACE_RECV, "server")) >=
           0) {
        const char *text = trace_event_at(p->trace, (size_t)i)->text;

        if (strncmp(text, "\"A:", 3) == 0 || strncmp(text, "\"B:", 3) == 0)
            break; /* an intact message (a garbled one starts otherwise) */
    }
    if (i >= 0) { /* only what happened before that message counts */
        upto.nevents = (size_t)i;
        upto.result = NULL;
    }
    return garbled(&upto);
}

/* The goals of `duplex step concurrent-senders` (see scenario.h). */
static const struct scenario_challenge cs_challenges[] = {
    {"garble",
     "make the two senders garble a frame: one sender's bytes between the "
     "other's header and payload",
     0, garbled},
    {"garble-first",
     "garble the very first frame, before the server reads any message "
     "intact",
     0, garbled_first},
    {NULL, NULL, 0, NULL},
};

const struct scenario scenario_concurrent_senders = {
    .name = "concurrent-senders",
    .summary = "two threads call stream_send on one stream: garbled frames",
    .fix_summary = "one sender thread; the others hand it their messages",
    .default_messages = 100,
    .default_capacity = 64,
    .expected = SCENARIO_EXIT_GARBLED,
    .expected_fix = SCENARIO_EXIT_OK,
    .racy = 1,
    .body = run_concurrent_senders,
    .challenges = cs_challenges,
};

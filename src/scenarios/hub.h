/*
 * hub (private to hub.c and hub_bad.c): the chat hub's state, shared by
 * the happy path (hub.c) and the hub that survives a bad client
 * (hub_bad.c, `duplex run hub --bad-client KIND`).
 *
 * Design
 *   hub.c sets a run up (hub_create: the tables, the N calls, the list of
 *   threads), runs it and says what it counted; fan-in is the same in
 *   both: one reader per stream posts into one inbox (hub_post), and one
 *   hub loop takes it (hub_take). What a bad client changes is fan-out:
 *   hub_bad.c gives every client an outbox (hub_outbox_cap) and a
 *   writer thread, so the hub loop never sends on a stream itself.
 *
 * Locking
 *   h->mu guards the inbox, every outbox, aborted and senders_done. The
 *   hub loop never holds it while it sends, cancels or finishes a call.
 */
#ifndef HUB_H
#define HUB_H

#include "scenarios/call.h"

/* Items the inbox holds at least (hub_inbox_cap: two a client when that
 * is more); a reader waits while it is full. */
#define HUB_INBOX 64
#define HUB_TEXT 24            /* "c1000 m10000000" fits */
#define HUB_TRACED 4           /* more clients than this: no timeline */
#define HUB_THREADS_EACH 3     /* per client: server/read, recv, send */
#define HUB_BAD_THREADS_EACH 4 /* ... and server/write, with a bad client */
#define HUB_BAD_MESSAGES 5  /* messages each, by default, with a bad client */
#define HUB_BAD_CAPACITY 16 /* bytes each pipe holds, by default, ditto */
#define HUB_OUTBOX 4 /* with a bad client: messages queued for each client */
/* ... in a hub with more clients than a simulated run holds
 * (hub_outbox_cap) */
#define HUB_OUTBOX_MANY 64
/* On a wire with connections (h2): clients' calls on one connection, at
   most SETTINGS_MAX_CONCURRENT_STREAMS (100, src/h2) */
#define HUB_CALLS_PER_CONN 100
/* The threads a connection of such a wire runs (reader and writer, each
   end); a simulated run counts them among its SCHED_SIM_MAX_THREADS */
#define HUB_CONN_THREADS 4
#define HUB_SLOW_MS 50 /* how long a full outbox's client may take nothing */
#define HUB_SHUTDOWN_MS                                                        \
    100 /* how long the hub's shutdown waits for a                             \
           stream to end, unless --timeout says */
/* ... on real threads (--os), where a client that reads can still be
   unscheduled, or behind its connection's other streams, for a while */
#define HUB_SLOW_OS_MS 500
#define HUB_SHUTDOWN_OS_MS 1000

/* The slow limit of the runs on real threads that start from now on:
 * HUB_SLOW_OS_MS, unless a test sets another (0: a full outbox drops its
 * client at once, readers too, so that a run ends with a client behind). */
extern int hub_slow_os_ms;

/* The client that misbehaves (client 1), and how. */
enum hub_bad {
    HUB_BAD_NONE = 0,
    HUB_BAD_SLOW,    /* reads one message, then stops reading */
    HUB_BAD_LEAVE,   /* cancels its call halfway through its messages */
    HUB_BAD_NO_CLOSE /* sends its messages, never calls CloseSend */
};

struct hub_item {
    int from;       /* the client it came from */
    enum status st; /* OK: text is a message; else the stream's end */
    int len;
    char text[HUB_TEXT];
};

/* With a bad client: what the hub has yet to send to one client. */
struct hub_outbox {
    struct hub_item *item; /* hub->outbox_cap of them */
    unsigned head, count;
    int closed; /* the hub sends it nothing more */
    int finish; /* ... and its writer then ends the call with OK */
};

struct hub;

/* What a client's threads get: the hub, and which client they are. */
struct hub_arg {
    struct hub *h;
    int i;
};

struct hub {
    int n; /* clients */
    int m; /* messages each */
    enum hub_bad bad;
    int os;              /* real threads (--os) */
    int64_t slow_ns;     /* how long a client with a full outbox may take
                            nothing before the hub drops it */
    int64_t shutdown_ns; /* how long its shutdown waits for a stream */
    struct stream **s;
    struct scenario_result *r;
    struct starts starts;  /* the threads run_hub started */
    struct sched_mutex mu; /* guards the inbox, the outboxes, aborted and
                              senders_done */
    struct sched_cond readable;
    struct sched_cond writable;
    struct sched_cond outbox_ready; /* an outbox got an item or closed */
    struct sched_cond outbox_room;  /* an outbox has room again */
    struct hub_item *inbox;         /* inbox_cap items: hub_inbox_cap */
    unsigned inbox_cap, head, count;
    int aborted;        /* hub_abort ran: nobody waits on the inbox */
    int senders_done;   /* client senders that have returned */
    int conns;          /* connections the clients' calls share (h2) */
    uint64_t forwarded; /* messages sent on to clients (hub loop, or the
                           writers' sum at the end) */
    void *next;         /* entry i * n + k: the last m client i got from k
                           (hub_next); n * n of them, so each takes the
                           fewest bytes that hold m (next_size) */
    size_t next_size;   /* 1, 2 or 4 */
    int *sent;          /* messages client i sent (its sender only) */
    int *closed;        /* client i's CloseSend returned OK */
    uint64_t *got;      /* messages client i received */
    enum status *client_end;   /* what client i's receiver ended with */
    struct hub_arg *args;      /* client i's threads' argument */
    struct run_thread *thread; /* the hub loop, then 3 (4) per client */
    /* with a bad client only */
    struct hub_outbox *out;        /* out[i]: for client i */
    unsigned outbox_cap;           /* hub_outbox_cap */
    struct hub_item *outbox_items; /* every outbox's items, in one block */
    uint64_t *written;             /* messages client i's writer sent */
    int *forgotten;                /* the hub sends client i nothing more
                                      (hub loop only): 1, or 2 when it was
                                      cut off after the hub stopped
                                      forwarding (nobody left to tell) */
    int *wrote_all;                /* client i's writer returned (under mu) */
    enum status *cut;              /* why the hub forgot client i: what its
                                      reader saw when it left of itself, or
                                      RESOURCE_EXHAUSTED (dropped), UNAVAILABLE
                                      (the shutdown's deadline) */
    int *left_seen;                /* left_seen[i * n + k]: i was told k left */
    int *announce;                 /* clients forgotten, in order (hub loop) */
    int nannounce, nannounced;
    int returned; /* threads that have returned (under mu) */
};

/*
 * The most clients a simulated run of o takes, each with `each` threads,
 * besides the hub's own 2 and, on a wire with connections, one
 * connection's HUB_CONN_THREADS.
 */
int hub_sim_max(const struct scenario_options *o, int each);

/* The threads a whole run starts. */
int hub_threads(const struct hub *h);

/* The last message number client i got from client k (0: none yet). */
int hub_next(const struct hub *h, int i, int k);

/* Records that client i got message m (at most h->m) from client k. */
void hub_set_next(struct hub *h, int i, int k, int m);

/*
 * The items the inbox of a hub of n clients holds: HUB_INBOX, or two per
 * client (a message and its end) when that is more, so that the hub loop
 * takes as much as it can at once however many clients post.
 */
unsigned hub_inbox_cap(int n);

/* Ends every call and wakes every waiter for good (a thread could not
 * start, or the hub loop cannot run). */
void hub_abort(struct hub *h);

/* Queues it for the hub loop; after hub_abort, drops it rather than wait. */
void hub_post(struct hub *h, const struct hub_item *it);

/*
 * Takes everything in the inbox (at least one item) into items (room for
 * h->inbox_cap), waiting
 * until deadline_ns at most (SCHED_NO_DEADLINE: no limit).
 * Returns STATUS_OK, STATUS_CANCELLED (aborted and empty),
 * STATUS_DEADLINE_EXCEEDED (empty at the deadline) or STATUS_DEADLOCK
 * (SIM mode).
 */
enum status hub_take(struct hub *h, struct hub_item *items, unsigned *n,
                     int64_t deadline_ns);

/* Fan-in: client i's messages into the inbox, then how its stream ended. */
enum status hub_reader(void *arg);

/* Counts a thread of h that returns (tests: every one did). */
void hub_returns(struct hub *h);

/* The text of client's message m: "c1 m1". */
int hub_text(char *out, size_t cap, int client, int m);

/*
 * Reads a message's text of len bytes, "cK mM" as hub_text writes it
 * (numbers of 1 to 9 digits, nothing before, between or after but the
 * one space), into *k and *m. Returns 1, or 0 when text is not of that
 * form (then *k and *m may have changed).
 */
int hub_parse(const uint8_t *text, size_t len, int *k, int *m);

/*
 * The messages each client sends: o's, else 2 (with a bad client, 5; with
 * a slow one on --wire h2, as many as outgrow what client 1's direction
 * holds there, hub_holds).
 */
int hub_messages(const struct scenario *sc, const struct scenario_options *o);

/* The bytes each pipe holds: o's, else 4096 (with a bad client, 16: one
 * frame, so that a client that stops reading is soon behind). */
size_t hub_capacity(const struct scenario *sc,
                    const struct scenario_options *o);

/*
 * The bytes of the hub's shortest messages ("c1 m1") one client's s2c
 * takes before its writer waits: its pipe's (hub_capacity), or on --wire
 * h2 a write quota and a window (call_holds).
 */
size_t hub_holds(const struct scenario *sc, const struct scenario_options *o);

/* ---- hub_bad.c ---------------------------------------------------------- */

/*
 * The bad client called name ("slow", "leave", "no-close"; NULL: none).
 * Returns STATUS_OK and sets *out, or STATUS_INVALID_ARGUMENT.
 */
enum status hub_bad_parse(const char *name, enum hub_bad *out);

/*
 * The messages each client's outbox holds in a hub of n clients with a
 * bad client: HUB_OUTBOX in any hub the simulator can run (its schedules
 * and its narration stay as they are), HUB_OUTBOX_MANY in a larger one,
 * where a hand-off to each writer per message would cost the others most
 * of their rate.
 */
unsigned hub_outbox_cap(int n);

/* Whether o fits a hub with a bad client; why says what to change. */
enum status hub_bad_check(const struct scenario *sc,
                          const struct scenario_options *o,
                          struct status_detail *why);

/* The thread bodies of a run with a bad client, by kind: 0 reader,
 * 1 writer, 2 receiver, 3 sender. */
sched_fn hub_bad_fn(int k);

/* The hub loop of a run with a bad client. */
enum status hub_bad_loop(void *arg);

/* Checks what a whole run with a bad client promises. */
void hub_bad_check_run(struct hub *h);

/* The narration of a run with a bad client that started every thread. */
void hub_bad_say(const struct hub *h, struct scenario_result *r,
                 enum status st);

#endif /* HUB_H */

/*
 * scenario: the named lesson scenarios, which tests and lessons reuse, each
 * in its own file: src/scenarios/NAME.c (concurrent-senders-quota is
 * quota.c).
 *
 *   echo                 the Day-117 bidirectional echo (the demo)
 *   chat                 JOIN -> WELCOME -> TEXT -> ACK session state machine
 *   one-thread-client    one client thread sends everything, then reads:
 *                        both pipes fill, a deadlock (SIM) or
 *                        DEADLINE_EXCEEDED with a deadline
 *   both-hot             both directions hot through small pipes: a server
 *                        loop that acks and pushes closes a cycle of waits
 *   forgot-close-send    the client never half-closes: a deadlock (SIM),
 *                        or DEADLINE_EXCEEDED with a deadline
 *   concurrent-senders   two threads send on one stream: garbled frames
 *   concurrent-senders-quota  two senders share grpc-go's send quota: a
 *                        lost wake-up hangs one
 *   error-propagation    errgroup: first error wins, cancels the sender
 *   sender-fails-first   the sender's source fails: swallowed (OK), or
 *                        returned, so the caller gets it, not CANCELLED
 *   rpc-kinds            unary, server, client or bidi streaming (--kind)
 *                        on one stream: who sends how many, who half-closes
 *   eof-order            the receive loop checks err != nil before io.EOF:
 *                        a call that ended OK fails, and is retried
 *   context-leak         a stream on a request's context dies with it; one
 *                        on a context nobody cancels outlives the caller
 *   pause-resume         the server sends PAUSE and RESUME: backpressure
 *                        by message next to the pipe's own
 *   reconcile            the client declares a desired state, the server
 *                        streams progress; a newer one supersedes it
 *   collaborate          the server numbers and broadcasts every client's
 *                        operations: one order for all
 *   cancel-vs-drain      cancel with messages buffered loses them
 *   backpressure         a slow receiver makes the sender block
 *   hub                  N clients, one stream each, to a hub that sends
 *                        every message to every other client
 *                        (with --bad-client slow, leave or no-close: the
 *                        hub that survives client 1, hub_bad.c)
 *   send-after-eof       the server sends after it saw the client's EOF
 *   shared-window        (--wire h2) three calls on one connection, one
 *                        nobody reads: the connection's window starves
 *                        the others unless it comes back on arrival
 *
 * A scenario runs real threads through sched, records into a trace, checks
 * its own invariants (every message arrived once, in order, intact) and
 * fills a result: the outcome the client saw, whether the framing broke,
 * the call's counters, and a few lines of narration that say what happened
 * and why, in a learner's terms.
 *
 * A scenario's file defines its struct scenario: what `duplex list` says of it, its defaults,
 * its documented outcome, and its hooks, body (its threads, the invariants
 * it checks, its narration) and check (the options it cannot run with).
 * registry.c lists them in lesson order; scenario.c (what every scenario
 * goes through) and call.c (the harness they share) name none of them.
 *
 * Exit codes (what `duplex run` returns, from scenario_exit_code):
 *   0  the call ended OK
 *   1  an invariant did not hold: duplex itself is wrong (please report)
 *   2  usage error (the command line; never from a scenario)
 *   3  the call ended with a gRPC error status (printed)
 *   4  the stream was garbled: frames from two senders interleaved
 *   5  deadlock: no thread could ever run again (SIM mode's report says
 *      who waited for what)
 *   6  livelock: a simulated run was still going at its step budget
 *      (SIM mode's report says who kept running); the call never ended
 *
 * Modes: by default a scenario runs under the deterministic scheduler
 * (SIM mode, see sched.h) with a seed, so the same seed gives the same run
 * byte for byte, time is virtual, and a hang is a deadlock report. With
 * os set, it runs on real threads and real time.
 */
#ifndef SCENARIO_H
#define SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "core/sched.h"
#include "core/status.h"
#include "core/stream.h"

struct trace;

enum scenario_exit {
    SCENARIO_EXIT_OK = 0,
    SCENARIO_EXIT_BROKEN = 1,
    SCENARIO_EXIT_USAGE = 2,
    SCENARIO_EXIT_STATUS = 3,
    SCENARIO_EXIT_GARBLED = 4,
    SCENARIO_EXIT_DEADLOCK = 5,
    SCENARIO_EXIT_LIVELOCK = 6
};

struct scenario_options {
    int messages;        /* 0: the scenario's default */
    int clients;         /* where the scenario takes_clients: how many
                            (0: SCENARIO_HUB_CLIENTS) */
    const char *bad_client; /* where the scenario takes_clients: one client
                               that misbehaves ("slow", "leave" or
                               "no-close"); NULL: none */
    size_t capacity;     /* bytes per pipe; 0: the scenario's default */
    int64_t timeout_ms;  /* the call's deadline; 0: the scenario's default */
    int fix;             /* run the corrected variant (where there is one) */
    struct trace *trace; /* may be NULL */
    int os;              /* real threads and time, not the simulator */
    uint64_t seed;       /* SIM: the seed of SCHED_RANDOM */
    enum sched_strategy strategy; /* SIM: how to choose (default random) */
    const int8_t *forced; /* SIM: forced choices (replay, exploration) */
    size_t nforced;
    int refuse_thread; /* tests: the run's thread start number refuse_thread
                          (1: its first) fails as a `ulimit -u` would make
                          it fail (EAGAIN); 0: none */
    const struct strategy *custom; /* SIM: chooses instead of strategy and
                                      seed (see sched_sim_options) */
    int notes; /* SIM: keep what each thread is doing (sched_note), for a
                  custom strategy that shows it (`duplex step`) */
    const struct wire_type *wire; /* what carries each call; NULL: raw */
    int32_t window, conn_window;  /* its windows (h2); 0: the defaults */
    const char *kind; /* --kind: the variant to run, one of the scenario's
                         kinds (NULL: its first) */
};

#define SCENARIO_REPORT_MAX 4096

/* The hub's clients by default, and at most in SIM mode (3 threads each). */
#define SCENARIO_HUB_CLIENTS 3
#define SCENARIO_HUB_SIM_MAX ((SCHED_SIM_MAX_THREADS - 2) / 3)

struct scenario_result {
    enum status status;               /* the outcome, as the client saw it */
    struct status_detail why;         /* its words */
    int garbled;                      /* the framing broke */
    int usage_error;                  /* the options do not fit the scenario */
    struct stream_stats stats;        /* the call's counters */
    char broken[256];                 /* the invariant that failed, or "" */
    char report[SCENARIO_REPORT_MAX]; /* narration, one line each */
    size_t report_len;
    int simulated;               /* ran in SIM mode: sim is valid */
    struct sched_sim_result sim; /* steps, virtual time, deadlock
                                    report, decisions */
};

struct scenario;

/*
 * What a challenge looks at: the events of a run so far, and its result
 * once it has ended.
 */
struct scenario_progress {
    const struct trace *trace; /* the run's events (not NULL) */
    size_t nevents;            /* how many have happened so far (at most
                                  trace_length) */
    const struct scenario_result *result; /* the run's result once it has
                                             ended, else NULL */
};

/*
 * A challenge, as in The Deadlock Empire: a goal a learner reaches by
 * choosing who runs at each decision (`duplex step`), with the fewest
 * decisions as the score. reached says whether p shows it; it must be
 * monotone (once true for some events, true for more of them and for the
 * result), so the decision that reached it can be searched for. Checks
 * over the events go in scenarios/challenge.h.
 */
struct scenario_challenge {
    const char *name; /* one word, for --challenge: "garble" */
    const char *goal; /* a sentence: "make the two senders garble a frame" */
    int fix;          /* 1: a goal of the --fix variant, 0: of the other */
    int (*reached)(const struct scenario_progress *p);
};

/*
 * A scenario's body: runs it with o (defaults filled in from sc where o
 * has none) and fills r: its status, counters, invariants and narration.
 * Returns r->status. scenario_run calls it after every check.
 */
typedef enum status (*scenario_body_fn)(const struct scenario *sc,
                                        const struct scenario_options *o,
                                        struct scenario_result *r);

/*
 * A scenario's own option check, after the ones every scenario has.
 * Returns STATUS_OK, or STATUS_INVALID_ARGUMENT with why saying what to
 * change.
 */
typedef enum status (*scenario_check_fn)(const struct scenario *sc,
                                         const struct scenario_options *o,
                                         struct status_detail *why);

struct scenario {
    const char *name;
    const char *summary;     /* one line, for `duplex list` */
    const char *fix_summary; /* what --fix changes; NULL: no --fix */
    int default_messages;
    int min_messages; /* fewer would not show the lesson; 0: 1 */
    size_t default_capacity;
    int needs_deadline;              /* hangs without one on real threads */
    enum scenario_exit expected;     /* the documented exit code (SIM,
                                        default seed and options) */
    enum scenario_exit expected_fix; /* ... with --fix */
    int racy;                        /* its bug shows in some schedules
                                        only: exploration counts those */
    int takes_clients;               /* --clients: one stream per client */
    scenario_body_fn body;           /* runs it */
    scenario_check_fn check;         /* its own option check; NULL: none */
    /*
     * The fewest messages that show its lesson with these options (a wire
     * that holds more than the pipes needs more); NULL: min_messages.
     * explore runs no fewer when --messages is not given.
     */
    int (*needed_messages)(const struct scenario *sc,
                           const struct scenario_options *o);
    const struct scenario_challenge *challenges; /* its goals for `duplex
                                    step`, up to a row whose name is NULL */
    const char *const *challenge_bad_client; /* the hub's: challenges[i] is
                                    a goal of the runs with --bad-client
                                    this (NULL: of those without); NULL:
                                    every one is of the runs without */
    const char *const *kinds; /* what --kind takes, up to a NULL, the
                                 first the default; NULL: no --kind */
};

/*
 * The scenarios, in lesson order. scenario_at(i) is NULL when i is
 * scenario_count() or more.
 */
size_t scenario_count(void);
const struct scenario *scenario_at(size_t i);

/* The scenario called name, or NULL. */
const struct scenario *scenario_find(const char *name);

/*
 * Runs sc with opts and fills *r (zeroed first).
 * Returns r->status: STATUS_OK, or the gRPC status the call ended with, or
 * STATUS_RESOURCE_EXHAUSTED when a thread or memory could not be had, or
 * STATUS_INVALID_ARGUMENT when sc is not one of scenario_at's or opts fail
 * scenario_check (r->usage_error is set and r->why says what to change).
 * A thread that cannot start stops the run: the threads that did start are
 * cancelled and joined (no wait in a scenario outlives its call), r->why
 * says "could not start thread NAME: REASON", no invariant is checked, and
 * the report says only what the run counted. Exit code 3.
 */
enum status scenario_run(const struct scenario *sc,
                         const struct scenario_options *opts,
                         struct scenario_result *r);

/*
 * Checks that opts fit sc before a run: the checks every scenario has
 * (enough messages for its lesson, --clients only where it takes them,
 * --kind only where it takes one, and one of its kinds), then sc's own
 * (sc->check; for example, cancel-vs-drain needs room in s2c for every
 * update).
 * Returns one of:
 *   STATUS_OK                the options fit
 *   STATUS_INVALID_ARGUMENT  they do not; why (not NULL) says what to change
 */
enum status scenario_check(const struct scenario *sc,
                           const struct scenario_options *opts,
                           struct status_detail *why);

/*
 * The challenge of sc called name, for its --fix variant when fix is set,
 * or NULL when it has none of that name.
 */
const struct scenario_challenge *
scenario_challenge_find(const struct scenario *sc, const char *name, int fix);

/*
 * The --bad-client value of the runs challenge c of sc is a goal of, or
 * NULL for the runs without (see challenge_bad_client).
 */
const char *scenario_challenge_bad_client(const struct scenario *sc,
                                          const struct scenario_challenge *c);

/* Frees what a result holds (the SIM decisions). NULL is a no-op. */
void scenario_result_free(struct scenario_result *r);

/*
 * What exploration expects of every schedule of sc with opts: the exit
 * code of a correct run (racy scenarios: 0, the bug must not show), or the
 * documented outcome of a scenario about a mistake (forgot-close-send: a
 * deadlock, or DEADLINE_EXCEEDED with a timeout).
 */
enum scenario_exit scenario_expected(const struct scenario *sc,
                                     const struct scenario_options *opts);

/* Maps a result to the exit codes above. */
enum scenario_exit scenario_exit_code(const struct scenario_result *r);

/* Appends one line of narration to r (truncated if the report is full). */
void scenario_say(struct scenario_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* SCENARIO_H */

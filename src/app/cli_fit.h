/*
 * cli_fit: how many messages a simulated run can send before the
 * simulator's step budget stops it.
 *
 * Design
 *   A simulated run still going after SCHED_SIM_MAX_STEPS steps is stopped
 *   as a livelock (exit 6). `duplex run` and `duplex explore` would rather
 *   refuse, before the run, more messages than fit: so they measure what a
 *   message costs with the options given (a pilot run) and scale it.
 */
#ifndef CLI_FIT_H
#define CLI_FIT_H

#include <stdint.h>

#include "scenarios/scenario.h"

/* The messages of a pilot run (see cli_sim_fit). */
#define CLI_FIT_PILOT 100

/* What a pilot run measured (see cli_sim_fit). */
struct cli_fit {
    int pilot_messages;     /* CLI_FIT_PILOT */
    uint64_t pilot_steps;   /* the steps the pilot took */
    long long max_messages; /* the most messages that fit */
};

/*
 * Says how many messages a simulated run of sc with opts (its messages
 * aside) may send and still end within max_steps steps, the budget after
 * which sched stops a run as a livelock. A message's cost in steps depends
 * on the scenario and its options (a small pipe cuts every frame into many
 * writes, a hub sends each message to every other client), so it is
 * measured: a pilot run of CLI_FIT_PILOT messages with the same options,
 * untraced, and room for half as many steps again per message (later
 * messages have longer numbers, so longer frames). `duplex run` and
 * `duplex explore` refuse more messages than that, before the run. Runs of
 * at most CLI_FIT_PILOT messages need no pilot: the costliest (a 20-client
 * hub through 1-byte pipes, in order) takes about 3,400,000 steps.
 * Returns one of:
 *   STATUS_OK                  *out is set
 *   STATUS_RESOURCE_EXHAUSTED  no memory for the pilot's result
 * Not thread-safe (it runs a simulation: one at a time per process).
 */
enum status cli_sim_fit(const struct scenario *sc,
                        const struct scenario_options *opts, uint64_t max_steps,
                        struct cli_fit *out);

#endif /* CLI_FIT_H */

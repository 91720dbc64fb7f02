/*
 * cli: the `duplex` command line, as a function.
 *
 * main() in duplex.c only calls cli_main with the process's streams; tests
 * call it with their own, so every command, option and message is tested
 * in-process.
 */
#ifndef CLI_H
#define CLI_H

#include <stdint.h>
#include <stdio.h>

#include "scenarios/scenario.h"

/*
 * Runs `duplex argv[1] ...`, reading in (for decode) and printing to out
 * and err. Returns the exit code (see `duplex --help`): no command (argc
 * below 2) or an unknown one prints the usage to err and returns 2.
 */
int cli_main(int argc, char **argv, FILE *in, FILE *out, FILE *err);

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

#endif /* CLI_H */

/*
 * cli_scenario: what `duplex run` and `duplex explore` (and `duplex
 * step`) share: a scenario named on the command line, the options they
 * all take, and the check that the messages asked for fit a simulated
 * run.
 *
 * Design
 *   Both commands name one scenario and take --messages, --capacity,
 *   --timeout and --fix, which mean the same in both: one parser stores
 *   them (cli_scenario_option) and one judges the words that are no
 *   option (cli_scenario_word), so the two commands cannot drift apart.
 *   Each function that can fail prints its usage error and returns the
 *   exit code, else CLI_CONTINUE.
 */
#ifndef CLI_SCENARIO_H
#define CLI_SCENARIO_H

#include "app/cli_command.h"
#include "scenarios/scenario.h"

/*
 * Stores arg in o when it is one of the options run and explore share:
 * --messages (either command's row), --capacity, --timeout, --fix,
 * --wire, --window or --conn-window.
 * Returns 1 when it was, else 0 (o untouched).
 */
int cli_scenario_option(const struct cli_arg *arg, struct scenario_options *o);

/*
 * Judges word, an argument of cmd that is no option of it: an unknown
 * option when it starts with '-', else the scenario's name, unless *name
 * was set already (one scenario at a time). Returns CLI_CONTINUE (and
 * sets *name), or CLI_EXIT_USAGE.
 */
int cli_scenario_word(struct cli *c, const char *cmd, const char *word,
                      const char **name);

/*
 * Finds the scenario called name; with fix, it must have a --fix variant.
 * Returns CLI_CONTINUE and sets *out, or CLI_EXIT_USAGE.
 */
int cli_scenario_find(struct cli *c, const char *cmd, const char *name, int fix,
                      const struct scenario **out);

/*
 * --window and --conn-window are the HTTP/2 wire's: on the raw wire they
 * would be ignored, so they are a usage error there. Returns CLI_CONTINUE
 * or CLI_EXIT_USAGE (the message says to add --wire h2).
 */
int cli_scenario_windows(struct cli *c, const char *cmd,
                         const struct scenario_options *o);

/*
 * A simulated run that is still going after SCHED_SIM_MAX_STEPS steps is
 * stopped as a livelock, so more messages than fit in them are refused
 * before the run (see cli_sim_fit). Returns CLI_CONTINUE when o's messages
 * fit (and always with --os), else the exit code: CLI_EXIT_USAGE, or 1
 * when there is no memory to measure.
 */
int cli_scenario_fits(struct cli *c, const char *cmd, const struct scenario *sc,
                      const struct scenario_options *o);

#endif /* CLI_SCENARIO_H */

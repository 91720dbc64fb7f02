/*
 * cli_fit: a pilot run measures what a message costs (see cli_fit.h).
 *
 * Design
 *   The pilot runs the same scenario with the same options, but
 *   CLI_FIT_PILOT messages, no trace and always simulated: its steps per
 *   message, with half as many again for the longer frames of later
 *   messages, divide the budget.
 */
#include "app/cli_fit.h"

#include <stdlib.h>

enum status cli_sim_fit(const struct scenario *sc,
                        const struct scenario_options *opts, uint64_t max_steps,
                        struct cli_fit *out)
{
    struct scenario_options pilot = *opts;
    struct scenario_result *r = calloc(1, sizeof *r);
    uint64_t steps = 0;

    if (r == NULL)
        return STATUS_RESOURCE_EXHAUSTED;
    pilot.messages = CLI_FIT_PILOT;
    pilot.trace = NULL;
    pilot.os = 0;
    scenario_run(sc, &pilot, r);
    steps = r->sim.steps > 0 ? r->sim.steps : 1;
    out->pilot_messages = CLI_FIT_PILOT;
    out->pilot_steps = r->sim.steps;
    /* Room for 3/2 of the pilot's steps per message. */
    out->max_messages =
        (long long)(max_steps * 2 * CLI_FIT_PILOT / (3 * steps));
    scenario_result_free(r);
    free(r);
    return STATUS_OK;
}

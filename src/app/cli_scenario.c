/*
 * cli_scenario: the scenario and the shared options of `duplex run` and
 * `duplex explore` (see cli_scenario.h).
 *
 * Design
 *   The messages' fit is measured only for runs of more than CLI_FIT_PILOT
 *   messages: fewer always fit, and a pilot would cost as much as the run.
 */
#include "app/cli_scenario.h"

#include <string.h>

#include "app/cli_fit.h"
#include "h2/h2_wire.h"

int cli_scenario_option(const struct cli_arg *arg, struct scenario_options *o)
{
    switch (arg->opt) {
    case OPT_MESSAGES:
    case OPT_EXPLORE_MESSAGES: o->messages = (int)arg->number; return 1;
    case OPT_CAPACITY: o->capacity = (size_t)arg->number; return 1;
    case OPT_TIMEOUT: o->timeout_ms = arg->number; return 1;
    case OPT_FIX: o->fix = 1; return 1;
    case OPT_BAD_CLIENT: o->bad_client = arg->text; return 1;
    /* raw is no wire named: every raw run is what it always was. */
    case OPT_WIRE:
        o->wire = strcmp(arg->text, "h2") == 0 ? &h2_wire_type : NULL;
        return 1;
    case OPT_WINDOW: o->window = (int32_t)arg->number; return 1;
    case OPT_CONN_WINDOW: o->conn_window = (int32_t)arg->number; return 1;
    case OPT_KIND: o->kind = arg->text; return 1;
    default: return 0;
    }
}

int cli_scenario_word(struct cli *c, const char *cmd, const char *word,
                      const char **name)
{
    if (word[0] == '-')
        return cli_usage_error(c, cmd, "unknown option '%s'", word);
    if (*name != NULL)
        return cli_usage_error(c, cmd, "one scenario at a time ('%s' and '%s')",
                               *name, word);
    *name = word;
    return CLI_CONTINUE;
}

int cli_scenario_find(struct cli *c, const char *cmd, const char *name, int fix,
                      const struct scenario **out)
{
    const struct scenario *sc = scenario_find(name);

    if (sc == NULL)
        return cli_usage_error(
            c, cmd, "no scenario '%s'; `duplex list` shows them", name);
    if (fix && sc->fix_summary == NULL)
        return cli_usage_error(c, cmd, "'%s' has no --fix variant", sc->name);
    *out = sc;
    return CLI_CONTINUE;
}

int cli_scenario_windows(struct cli *c, const char *cmd,
                         const struct scenario_options *o)
{
    if (o->wire != NULL || (o->window == 0 && o->conn_window == 0))
        return CLI_CONTINUE;
    return cli_usage_error(
        c, cmd,
        "%s is the HTTP/2 wire's flow-control window: add --wire h2 "
        "(on the raw wire, the pipes' --capacity is the window)",
        o->window > 0 ? "--window" : "--conn-window");
}

int cli_scenario_fits(struct cli *c, const char *cmd, const struct scenario *sc,
                      const struct scenario_options *o)
{
    int n = o->messages > 0 ? o->messages : sc->default_messages;
    struct cli_fit fit;

    if (o->os || n <= CLI_FIT_PILOT)
        return CLI_CONTINUE;
    if (cli_sim_fit(sc, o, SCHED_SIM_MAX_STEPS, &fit) != STATUS_OK) {
        fprintf(c->err, "duplex %s: out of memory\n", cmd);
        return 1;
    }
    if (n <= fit.max_messages)
        return CLI_CONTINUE;
    return cli_usage_error(
        c, cmd,
        "--messages %d does not fit a simulated run of %s "
        "with these options: %d messages took %llu steps, "
        "and a run stops at %d steps, so at most %lld fit%s",
        n, sc->name, fit.pilot_messages, (unsigned long long)fit.pilot_steps,
        SCHED_SIM_MAX_STEPS, fit.max_messages,
        strcmp(cmd, "run") == 0 ? " (--os takes any number)" : "");
}

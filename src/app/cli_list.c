/*
 * cli_list: `duplex list`, the scenarios with the exit code each ends with.
 *
 * Design
 *   The rows come from the scenario table (scenario_at), so a new scenario
 *   shows up here with no change to this file.
 */
#include <stdio.h>

#include "app/cli_command.h"
#include "scenarios/scenario.h"

static const char usage_list[] =
    "usage: duplex list\n\nLists the scenarios `duplex run` knows, with the "
    "exit code each one ends\nwith (and with --fix, where it has one).\n";

static const enum cli_opt list_opts[] = {OPT_END};

static int list_main(struct cli *c, int argc, char **argv)
{
    struct cli_arg arg;
    size_t k = 0;
    int i = 1;
    int code = CLI_CONTINUE;

    if (argc > 1)
        code = cli_next_arg(c, &cli_list_command, argc, argv, &i, &arg);
    if (code != CLI_CONTINUE)
        return code;
    if (argc > 1) /* list takes no option: arg is the argument */
        return cli_usage_error(c, "list", "unexpected argument '%s'", arg.text);
    fprintf(c->out, "%-24s %-4s %s\n", "scenario", "exit", "what it shows");
    for (k = 0; k < scenario_count(); k++) {
        const struct scenario *sc = scenario_at(k);

        fprintf(c->out, "%-24s %-4d %s\n", sc->name, (int)sc->expected,
                sc->summary);
        if (sc->fix_summary != NULL)
            fprintf(c->out, "%-24s %-4d %s\n", "  --fix", (int)sc->expected_fix,
                    sc->fix_summary);
    }
    return 0;
}

const struct cli_command cli_list_command = {"list", usage_list, list_opts,
                                             list_main};

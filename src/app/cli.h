/*
 * cli: the `duplex` command line, as a function.
 *
 * main() in duplex.c only calls cli_main with the process's streams; tests
 * call it with their own, so every command, option and message is tested
 * in-process. cli_sim_fit, how many messages fit a simulated run, is in
 * app/cli_fit.h, included here.
 */
#ifndef CLI_H
#define CLI_H

#include <stdio.h>

#include "app/cli_fit.h"

/*
 * Runs `duplex argv[1] ...`, reading in (for decode and recall) and
 * printing to out and err. Returns the exit code (see `duplex --help`): no
 * command (argc below 2) or an unknown one prints the usage to err and
 * returns 2.
 */
int cli_main(int argc, char **argv, FILE *in, FILE *out, FILE *err);

#endif /* CLI_H */

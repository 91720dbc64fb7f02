/*
 * cli: the `duplex` command.
 *
 *   duplex list
 *   duplex run SCENARIO [--messages N] [--capacity BYTES] [--timeout MS]
 *                       [--trace timeline|hexdump|both|none] [--fix]
 *                       [--seed N | --replay SCHEDULE | --os]
 *   duplex explore SCENARIO [--max-preemptions K | --seeds N]
 *                       [--max-schedules N] [--messages N] [--capacity B]
 *                       [--timeout MS] [--fix]
 *   duplex step SCENARIO [--fix] [--messages N] [--capacity B] [--seed N]
 *                       [--predict] [--challenge NAME]
 *   duplex decode [--hex|--raw] [--max-recv BYTES] [--encoding NAME]
 *   duplex recall [--lessons DIR] [--seed N] [--limit N] [--list]
 *
 * Design
 *   cli_main() takes its streams as arguments, so the tests run the real
 *   command in-process and read what it printed. This file is the table
 *   of commands and what comes before one: `duplex help`, --help,
 *   --version, and whether to paint. Each command is its own file
 *   (cli_run.c, cli_explore.c, cli_step.c, cli_decode.c, cli_recall.c,
 *   cli_list.c), and every option of every command is a row of one
 *   table, read by one parser (cli_command.c): every bad value is a usage
 *   error (exit 2) whose message says what was expected.
 *
 *   Output that could not be written (a full disk, a closed pipe) is an
 *   I/O error, exit 1, whatever the command would have returned.
 */
#include "app/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli_command.h"

#define VERSION "0.1.0"

static const char usage_main[] =
    "usage: duplex COMMAND [options]\n"
    "\n"
    "A framing and half-close simulator for gRPC-style bidirectional\n"
    "streaming: in-process pipes stand in for the network, a thread per\n"
    "direction, gRPC's 5-byte frames on the wire.\n"
    "\n"
    "commands:\n"
    "  list              the scenarios, and what each one shows\n"
    "  run SCENARIO      run a scenario (simulated, seed 1; --os for real\n"
    "                    threads) and print its timeline\n"
    "  explore SCENARIO  run it under many schedules, count the failing ones\n"
    "  step SCENARIO     be the scheduler: choose who runs at each decision\n"
    "  decode            dissect gRPC frames read from stdin\n"
    "  recall            drill the lessons' active-recall cards\n"
    "  serve             a gRPC server over TCP: the echo's server and the\n"
    "                    chat session\n"
    "  call HOST:PORT echo|chat  the echo's or the chat's client against a\n"
    "                    gRPC server\n"
    "  help [COMMAND]    this text, or a command's options\n"
    "\n"
    "exit codes:\n"
    "  0  the call ended OK (decode: the input is whole, valid frames)\n"
    "  1  an invariant did not hold (a bug in duplex), or an I/O error\n"
    "  2  usage error\n"
    "  3  the call ended with a gRPC error status (decode: a receiver\n"
    "     would fail the call)\n"
    "  4  the stream was garbled (frames from two senders interleaved)\n"
    "  5  deadlock: no thread could ever run again (simulated runs)\n"
    "  6  livelock: a simulated run was still going after 10000000 steps;\n"
    "     the report names the threads that kept running\n"
    "  (explore: 0 no schedule failed, 1 some did, 2 usage)\n"
    "\n"
    "Colour is used on a terminal unless NO_COLOR is set.\n"
    "Start with: duplex run echo\n";

/* The commands, in the order `duplex --help` gives them. */
static const struct cli_command *const commands[] = {
    &cli_list_command, &cli_run_command,    &cli_explore_command,
    &cli_step_command, &cli_decode_command, &cli_recall_command,
    &cli_serve_command, &cli_call_command,
};

/* The command called name, or NULL. */
static const struct cli_command *find_command(const char *name)
{
    size_t i = 0;

    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

static int use_colour(FILE *out)
{
    const char *term = getenv("TERM");

    if (getenv("NO_COLOR") != NULL)
        return 0;
    if (term != NULL && strcmp(term, "dumb") == 0)
        return 0;
    return isatty(fileno(out));
}

/* `duplex help COMMAND`: the same as `duplex COMMAND --help`. */
static int help_command(struct cli *c, int argc, char **argv)
{
    const struct cli_command *cmd = find_command(argv[2]);

    if (cmd == NULL)
        return cli_usage_error(c, NULL, "no command '%s'", argv[2]);
    if (argc > 3)
        return cli_usage_error(c, NULL,
                               "help takes one command ('%s', then '%s')",
                               argv[2], argv[3]);
    fputs(cmd->usage, c->out);
    return 0;
}

static int dispatch(struct cli *c, int argc, char **argv)
{
    const struct cli_command *cmd = NULL;

    if (argc < 2) {
        fputs(usage_main, c->err);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "help") == 0 && argc > 2)
        return help_command(c, argc, argv);
    if (strcmp(argv[1], "help") == 0) {
        fputs(usage_main, c->out);
        return 0;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
        return cli_help(c, NULL, argc, argv, 1, usage_main);
    if (strcmp(argv[1], "--version") == 0) {
        if (argc > 2)
            return cli_usage_error(
                c, NULL, "--version takes nothing after it ('%s')", argv[2]);
        fprintf(c->out, "duplex %s\n", VERSION);
        return 0;
    }
    cmd = find_command(argv[1]);
    if (cmd == NULL)
        return cli_usage_error(c, NULL, "no command '%s'", argv[1]);
    return cmd->main(c, argc - 1, argv + 1);
}

int cli_main(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
    struct cli c;
    int code = 0;

    c.in = in;
    c.out = out;
    c.err = err;
    c.colour = use_colour(out);
    code = dispatch(&c, argc, argv);
    /* Output that could not be written is an I/O error (exit 1), not OK. */
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(err, "duplex: cannot write the output\n");
        code = 1;
    }
    return code;
}

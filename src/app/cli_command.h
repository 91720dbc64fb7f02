/*
 * cli_command: what every `duplex` command shares: the streams it talks
 * on, its options (one table, one parser), its help and its usage errors.
 *
 * Design
 *   A command is one file, cli_NAME.c, that defines a struct cli_command:
 *   its name, its --help text, the options it takes and its main. cli.c
 *   keeps the table of commands and calls the main with argv from the
 *   command's name on (argv[0] is "run").
 *
 *   Options. Every option of every command is one row of one table, in
 *   cli_command.c: its name, the value it takes, a number's range, and
 *   what its usage error says it wants. A command lists the rows it takes,
 *   and cli_next_arg reads them all the same way (POSIX getopt has no long
 *   options): "--name value" or "--name=value", and a missing or bad value
 *   is the usage error "duplex CMD: NAME wants WHAT" (exit 2). An option
 *   that several commands take is one row, so it means the same and says
 *   the same in each; where two commands need different ranges, the table
 *   has a row for each and says why.
 *
 *   The command then stores what cli_next_arg read, and judges the rest
 *   (a word that is no option, options that do not go together).
 */
#ifndef CLI_COMMAND_H
#define CLI_COMMAND_H

#include <stdio.h>

/* The exit code of a usage error (see `duplex --help`). */
enum { CLI_EXIT_USAGE = 2 };

/*
 * What a parser returns when there is nothing to exit with yet: the exit
 * codes are 0 and up.
 */
enum { CLI_CONTINUE = -1 };

/* Where one run of the command line talks. */
struct cli {
    FILE *in, *out, *err;
    int colour; /* out is a terminal that wants colour */
};

/* Every option of every command: one row each of the table. */
enum cli_opt {
    OPT_END, /* ends a command's list; not an option (see cli_next_arg) */
    /* run, explore and step */
    OPT_MESSAGES,
    OPT_EXPLORE_MESSAGES,
    OPT_CAPACITY,
    OPT_TIMEOUT,
    OPT_FIX,
    OPT_BAD_CLIENT,
    OPT_WIRE,
    OPT_WINDOW,
    OPT_CONN_WINDOW,
    OPT_KIND,
    /* run */
    OPT_CLIENTS,
    OPT_TRACE,
    OPT_SEED, /* and recall */
    OPT_REPLAY,
    OPT_OS,
    OPT_SVG,
    OPT_DECISIONS,
    /* explore */
    OPT_MAX_PREEMPTIONS,
    OPT_SEEDS,
    OPT_MAX_SCHEDULES,
    /* step */
    OPT_PREDICT,
    OPT_CHALLENGE,
    /* decode */
    OPT_HEX,
    OPT_RAW,
    OPT_MAX_RECV,
    OPT_ENCODING,
    OPT_H2,
    /* recall */
    OPT_LESSONS,
    OPT_LIMIT,
    OPT_LIST,
    OPT_NEW,
    OPT_DAY,
    OPT_LESSON,
    /* serve */
    OPT_LISTEN,
    OPT_CALLS,
    OPT_IDLE,
    /* call */
    OPT_CANCEL_AFTER,
    OPT_SIZE,
    OPT_SENDERS,
    /* serve, call and run */
    OPT_PCAP
};

/* A command: its name, its help, the options it takes, what it does. */
struct cli_command {
    const char *name;            /* "run" */
    const char *usage;           /* what --help prints */
    const enum cli_opt *options; /* the options it takes, OPT_END last */
    /* Runs it, argv from the command's name on; returns the exit code. */
    int (*main)(struct cli *c, int argc, char **argv);
};

/* The commands, each in its own file (cli_list.c, cli_run.c, ...). */
extern const struct cli_command cli_list_command;
extern const struct cli_command cli_run_command;
extern const struct cli_command cli_explore_command;
extern const struct cli_command cli_step_command;
extern const struct cli_command cli_decode_command;
extern const struct cli_command cli_recall_command;
extern const struct cli_command cli_serve_command;
extern const struct cli_command cli_call_command;

/* One argument, as cli_next_arg read it. */
struct cli_arg {
    enum cli_opt opt; /* OPT_END: not one of the command's options */
    long long number; /* a number's value */
    const char *text; /* a text's value; for OPT_END, the argument */
};

/*
 * Reads argv[*i], an argument of cmd, into *arg. -h or --help prints
 * cmd's usage on c->out, when nothing follows it. One of cmd's options is
 * read with its value, from "--name=value" or from the next argument (and
 * then *i moves on to it). Anything else is left to the command: arg->opt
 * is OPT_END and arg->text the argument.
 * Returns CLI_CONTINUE when *arg is set, else the exit code: 0 after the
 * help, CLI_EXIT_USAGE after a usage error it printed (a missing or bad
 * value, or an argument after --help).
 */
int cli_next_arg(struct cli *c, const struct cli_command *cmd, int argc,
                 char **argv, int *i, struct cli_arg *arg);

/*
 * The usage error of option opt given a value it does not take ("duplex
 * CMD: NAME wants WHAT"), for a value only the command can judge. Returns
 * CLI_EXIT_USAGE.
 */
int cli_bad_value(struct cli *c, const char *cmd, enum cli_opt opt);

/*
 * When argv[i] is -h or --help, prints text on c->out and returns 0,
 * unless something follows it: that is a usage error, as it is after
 * `help COMMAND` and --version. Returns CLI_CONTINUE when argv[i] asks for
 * no help.
 */
int cli_help(struct cli *c, const char *cmd, int argc, char **argv, int i,
             const char *text);

/*
 * Prints a usage error on c->err, "duplex CMD: " and the message, then
 * where to find the usage (cmd is NULL for the command line as a whole).
 * Returns CLI_EXIT_USAGE.
 */
int cli_usage_error(struct cli *c, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* CLI_COMMAND_H */

/*
 * cli_command: the table of every command's options, the one parser that
 * reads them, help and usage errors.
 *
 * Design
 *   The table (options[] below) is the one place an option's range and
 *   its usage error are written. An error's text is a printf format given
 *   the row's range (lo, then hi), so the range the message states is the
 *   range that is checked. The --help texts, written out in each
 *   command's file for a reader, say the same ranges again; tests/
 *   cli_flags.sh tries every bound of every numeric option.
 */
#include "app/cli_command.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* What follows an option. */
enum cli_value {
    CLI_FLAG,   /* nothing: "--fix" */
    CLI_NUMBER, /* a whole number in [lo, hi] */
    CLI_BYTES,  /* the same, with a k, m or g suffix allowed */
    CLI_TEXT,   /* any text, even an empty one (the command judges it) */
    CLI_NAME,   /* text that is not empty */
    CLI_WORD    /* one of the row's words */
};

struct cli_option {
    const char *name;     /* "--capacity" */
    enum cli_value value; /* what follows it */
    long long lo, hi;     /* CLI_NUMBER, CLI_BYTES: the range */
    const char *wants;    /* the usage error after "NAME wants ": a printf
                             format given lo and hi */
    const char *words;    /* CLI_WORD: the values it takes, space-separated */
};

static const struct cli_option options[] = {
    [OPT_END] = {"", CLI_FLAG, 0, 0, ""},

    /* run and explore (see cli_scenario_option) */
    [OPT_MESSAGES] = {"--messages", CLI_NUMBER, 1, 10000000,
                      "a whole number from %lld to %lld"},
    /*
     * explore runs the scenario once for every schedule it tries (up to
     * --max-schedules, 100000 by default), and step once for every
     * decision the learner makes, so their runs are kept small: fewer
     * messages than one `duplex run` may send.
     */
    [OPT_EXPLORE_MESSAGES] = {"--messages", CLI_NUMBER, 1, 10000,
                              "%lld to %lld"},
    [OPT_CAPACITY] = {"--capacity", CLI_BYTES, 1, 1073741824,
                      "bytes from %lld to %lld (1g), e.g. 64 or 64k"},
    [OPT_TIMEOUT] = {"--timeout", CLI_NUMBER, 1, 3600000,
                     "milliseconds from %lld to %lld"},
    [OPT_FIX] = {"--fix", CLI_FLAG, 0, 0, ""},
    [OPT_BAD_CLIENT] = {"--bad-client", CLI_NAME, 0, 0,
                        "slow, leave or no-close"},
    [OPT_WIRE] = {"--wire", CLI_WORD, 0, 0, "raw or h2",
                  "raw h2"}, /* also serve and call (raw: over TCP) */
    [OPT_WINDOW] = {"--window", CLI_BYTES, 1, 2147483647,
                    "bytes from %lld to %lld (2^31-1), e.g. 65535 or 16k"},
    /* The connection's window starts at 65,535 whatever SETTINGS say
       (RFC 9113 6.9.2): WINDOW_UPDATE can only make it larger. */
    [OPT_CONN_WINDOW] = {"--conn-window", CLI_BYTES, 65535, 2147483647,
                         "bytes from %lld to %lld (2^31-1), e.g. 1m: it "
                         "starts at 65535 and only grows (RFC 9113 6.9.2)"},
    [OPT_KIND] = {"--kind", CLI_NAME, 0, 0,
                  "a kind of call, e.g. unary (the scenario says which)"},

    /* run */
    [OPT_CLIENTS] = {"--clients", CLI_NUMBER, 1, 10000,
                     "a whole number from %lld to %lld"},
    [OPT_TRACE] = {"--trace", CLI_TEXT, 0, 0,
                   "timeline, hexdump, both or none"},
    [OPT_SEED] = {"--seed", CLI_NUMBER, 0, 9007199254740991LL,
                  "a whole number from %lld to %lld"}, /* and recall */
    [OPT_REPLAY] = {"--replay", CLI_TEXT, 0, 0,
                    "a schedule, as `duplex explore` prints it"},
    [OPT_OS] = {"--os", CLI_FLAG, 0, 0, ""},
    [OPT_SVG] = {"--svg", CLI_NAME, 0, 0,
                 "a file to write the picture to (- for stdout)"},
    [OPT_DECISIONS] = {"--decisions", CLI_FLAG, 0, 0, ""},

    /* explore */
    [OPT_MAX_PREEMPTIONS] = {"--max-preemptions", CLI_NUMBER, 0, 8,
                             "%lld to %lld"},
    [OPT_SEEDS] = {"--seeds", CLI_NUMBER, 1, 10000000, "%lld to %lld"},
    [OPT_MAX_SCHEDULES] = {"--max-schedules", CLI_NUMBER, 1, 100000000,
                           "%lld to %lld"},

    /* step */
    [OPT_PREDICT] = {"--predict", CLI_FLAG, 0, 0, ""},
    [OPT_CHALLENGE] = {"--challenge", CLI_NAME, 0, 0,
                       "a challenge's name, e.g. garble"},

    /* decode */
    [OPT_HEX] = {"--hex", CLI_FLAG, 0, 0, ""},
    [OPT_RAW] = {"--raw", CLI_FLAG, 0, 0, ""},
    [OPT_MAX_RECV] = {"--max-recv", CLI_BYTES, 0, 4294967295LL,
                      "bytes from %lld to %lld"},
    [OPT_ENCODING] = {"--encoding", CLI_NAME, 0, 0, "a name, e.g. gzip"},
    [OPT_H2] = {"--h2", CLI_FLAG, 0, 0, ""},

    /* recall */
    [OPT_LESSONS] = {"--lessons", CLI_NAME, 0, 0, "a directory, e.g. lesson"},
    [OPT_LIMIT] = {"--limit", CLI_NUMBER, 1, 100000,
                   "a whole number from %lld to %lld"},
    [OPT_LIST] = {"--list", CLI_FLAG, 0, 0, ""},
    [OPT_NEW] = {"--new", CLI_NUMBER, 0, 100000,
                 "a whole number from %lld to %lld"},
    [OPT_DAY] = {"--day", CLI_NUMBER, 0, 100000,
                 "a day number from %lld to %lld, e.g. 117"},
    [OPT_LESSON] = {"--lesson", CLI_NAME, 0, 0,
                    "a lesson page, e.g. lesson/day-117-bidi-streaming.md"},

    /* serve (and call: --calls) */
    [OPT_LISTEN] = {"--listen", CLI_NAME, 0, 0,
                    "HOST:PORT, e.g. 127.0.0.1:50051 (port 0: any free one)"},
    [OPT_CALLS] = {"--calls", CLI_NUMBER, 1, 1000000,
                   "a whole number from %lld to %lld"},
    [OPT_IDLE] = {"--idle", CLI_NUMBER, 1, 3600000,
                  "milliseconds from %lld to %lld"},

    /* call */
    [OPT_CANCEL_AFTER] = {"--cancel-after", CLI_NUMBER, 0, 10000000,
                          "a number of replies from %lld to %lld"},
    [OPT_SIZE] = {"--size", CLI_BYTES, 0, 67108864,
                  "bytes from %lld to %lld (64m), e.g. 4m or 4194305"},
    [OPT_SENDERS] = {"--senders", CLI_NUMBER, 1, 8,
                     "a number of threads from %lld to %lld"},

    /* serve, call and run */
    [OPT_PCAP] = {"--pcap", CLI_NAME, 0, 0,
                  "a file to write the connection's packets to"},
};

int cli_usage_error(struct cli *c, const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(c->err, "duplex%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(c->err, fmt, ap);
    va_end(ap);
    fprintf(c->err, "\nTry 'duplex %s%s--help'.\n", cmd ? cmd : "",
            cmd ? " " : "");
    return CLI_EXIT_USAGE;
}

int cli_bad_value(struct cli *c, const char *cmd, enum cli_opt opt)
{
    const struct cli_option *o = &options[opt];
    char wants[128];

    snprintf(wants, sizeof wants, o->wants, o->lo, o->hi);
    return cli_usage_error(c, cmd, "%s wants %s", o->name, wants);
}

static int is_help(const char *a)
{
    return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

int cli_help(struct cli *c, const char *cmd, int argc, char **argv, int i,
             const char *text)
{
    if (!is_help(argv[i]))
        return CLI_CONTINUE;
    if (i + 1 < argc)
        return cli_usage_error(c, cmd, "%s takes nothing after it ('%s')",
                               argv[i], argv[i + 1]);
    fputs(text, c->out);
    return 0;
}

/*
 * Parses a whole number in [lo, hi], with an optional k/m/g suffix when
 * suffixes is set. Returns 1 and sets *out, or 0.
 */
static int parse_number(const char *s, long long lo, long long hi, int suffixes,
                        long long *out)
{
    char *end = NULL;
    long long v = 0;

    if (s == NULL || !isdigit((unsigned char)s[0]))
        return 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0)
        return 0;
    if (suffixes && (*end == 'k' || *end == 'K') && v <= hi / 1024) {
        v *= 1024;
        end++;
    } else if (suffixes && (*end == 'm' || *end == 'M') &&
               v <= hi / (1024 * 1024)) {
        v *= 1024 * 1024;
        end++;
    } else if (suffixes && (*end == 'g' || *end == 'G') &&
               v <= hi / (1024 * 1024 * 1024)) {
        v *= 1024 * 1024 * 1024;
        end++;
    }
    if (*end != '\0' || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

/*
 * Matches argv[*i] against --name or --name=value. For options with a
 * value, sets *value (the next argument, or the part after '='). Returns
 * 1 on a match, 0 otherwise, -1 when the value is missing.
 */
static int take_option(int argc, char **argv, int *i, const char *name,
                       const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);

    if (strncmp(a, name, n) != 0)
        return 0;
    if (value == NULL)
        return a[n] == '\0';
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *value = argv[++*i];
    return 1;
}

/* Whether v is one of words (space-separated). */
static int is_word(const char *words, const char *v)
{
    size_t n = strlen(v);

    while (n > 0 && *words != '\0') {
        size_t len = strcspn(words, " ");

        if (len == n && strncmp(words, v, n) == 0)
            return 1;
        words += len;
        words += *words == ' ';
    }
    return 0;
}

/*
 * Reads the value v of option opt into *arg. Returns 1, or 0 when v is
 * not a value opt takes.
 */
static int take_value(enum cli_opt opt, const char *v, struct cli_arg *arg)
{
    const struct cli_option *o = &options[opt];

    switch (o->value) {
    case CLI_FLAG: return 1;
    case CLI_NUMBER:
    case CLI_BYTES:
        return parse_number(v, o->lo, o->hi, o->value == CLI_BYTES,
                            &arg->number);
    case CLI_TEXT: arg->text = v; return 1;
    case CLI_NAME: arg->text = v; return v[0] != '\0';
    case CLI_WORD: arg->text = v; return is_word(o->words, v);
    }
    return 0;
}

int cli_next_arg(struct cli *c, const struct cli_command *cmd, int argc,
                 char **argv, int *i, struct cli_arg *arg)
{
    const enum cli_opt *opt = NULL;
    int code = cli_help(c, cmd->name, argc, argv, *i, cmd->usage);

    if (code != CLI_CONTINUE)
        return code;
    memset(arg, 0, sizeof *arg);
    for (opt = cmd->options; *opt != OPT_END; opt++) {
        const struct cli_option *o = &options[*opt];
        const char *v = NULL;
        int m = take_option(argc, argv, i, o->name,
                            o->value == CLI_FLAG ? NULL : &v);

        if (m == 0)
            continue;
        if (m < 0 || !take_value(*opt, v, arg))
            return cli_bad_value(c, cmd->name, *opt);
        arg->opt = *opt;
        return CLI_CONTINUE;
    }
    arg->opt = OPT_END;
    arg->text = argv[*i];
    return CLI_CONTINUE;
}

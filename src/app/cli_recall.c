/*
 * cli_recall: `duplex recall`, the lessons' active-recall drill.
 *
 * Design
 *   The drill itself is recall_command's (app/recall.h); this file reads
 *   the options and turns recall's statuses into exit codes: no lesson
 *   directory (no page for --day, no --lesson file) or a bad
 *   $DUPLEX_TODAY is the way it was run (a usage error, exit 2), a
 *   progress file that cannot be read or written is exit 1.
 */
#include <stdio.h>
#include <string.h>

#include "app/cli_command.h"
#include "app/recall.h"

static const char usage_recall[] =
    "usage: duplex recall [options]\n"
    "\n"
    "Drills the lessons' active-recall cards (each '### Q:' card under\n"
    "'## Active Recall' in lesson/*.md) with Leitner boxes. A card shows its\n"
    "question; answer it in your head, press Enter to see the answer and the\n"
    "test that proves it, then grade yourself:\n"
    "  a  again  back to box 1: tomorrow\n"
    "  h  hard   same box\n"
    "  g  good   next box\n"
    "  e  easy   two boxes up\n"
    "Boxes 1 to 5 come back after 1, 2, 4, 8 and 16 days. Cards due (most\n"
    "overdue first) come before new ones. q quits; every grade is saved at\n"
    "once.\n"
    "\n"
    "New cards: at most 10 a day (--new N), whatever the pages, so the\n"
    "first day is not every card at once; the others come on the next\n"
    "days. A card counts as new on the day it is first graded, also by\n"
    "another drill running at the same time.\n"
    "\n"
    "options:\n"
    "  --lessons DIR  the lesson pages (default: lesson)\n"
    "  --day N        only day N's pages (lesson/day-N-*.md; 0..100000),\n"
    "                 e.g. --day 117\n"
    "  --lesson FILE  only this page, e.g. lesson/day-117-bidi-streaming.md\n"
    "  --new N        at most N new cards a day (0..100000; default 10;\n"
    "                 0: only the cards due)\n"
    "  --limit N      at most N cards this session (1..100000)\n"
    "  --seed N       shuffle the cards that tie, the same way for the same N\n"
    "  --list         print every card with its box, due day and proof\n"
    "  -h, --help     this text\n"
    "\n"
    "Progress is kept in recall.state under $DUPLEX_STATE_DIR, else\n"
    "$XDG_STATE_HOME/duplex, else ~/.local/state/duplex, and the cards\n"
    "first graded on the latest day in recall.state.new beside it.\n"
    "$DUPLEX_TODAY sets today (a day number: days since 1970-01-01).\n"
    "When stdin is not a terminal, each line is one key (an empty line is\n"
    "Enter), so a script can drive the drill; the end of input stops it.\n"
    "\n"
    "exit codes: 0 done (or quit), 1 the progress file cannot be read or\n"
    "written, 2 usage (a bad option, no lesson directory, no such page).\n";

static const enum cli_opt recall_opts[] = {OPT_LESSONS, OPT_DAY,   OPT_LESSON,
                                           OPT_NEW,     OPT_LIMIT, OPT_SEED,
                                           OPT_LIST,    OPT_END};

/*
 * Stores one argument (*new_given is set by --new). Returns CLI_CONTINUE,
 * or the usage error's code.
 */
static int recall_take(struct cli *c, const struct cli_arg *arg,
                       struct recall_options *o, int *new_given)
{
    switch (arg->opt) {
    case OPT_LESSONS: o->lessons = arg->text; break;
    case OPT_DAY: o->day = (long)arg->number; break;
    case OPT_LESSON: o->page = arg->text; break;
    case OPT_NEW:
        o->new_per_day = (size_t)arg->number;
        *new_given = 1;
        break;
    case OPT_LIMIT: o->plan.limit = (size_t)arg->number; break;
    case OPT_SEED:
        o->plan.seed = (uint64_t)arg->number;
        o->plan.seeded = 1;
        break;
    case OPT_LIST: o->list = 1; break;
    default: /* OPT_END: recall takes no other argument */
        if (arg->text[0] == '-')
            return cli_usage_error(c, "recall", "unknown option '%s'",
                                   arg->text);
        return cli_usage_error(c, "recall", "unexpected argument '%s'",
                               arg->text);
    }
    return CLI_CONTINUE;
}

/*
 * Reads recall's arguments into *o. Returns CLI_CONTINUE when parsed,
 * else the exit code (help or a usage error).
 */
static int parse_recall(struct cli *c, int argc, char **argv,
                        struct recall_options *o)
{
    struct cli_arg arg;
    int code = CLI_CONTINUE;
    int new_given = 0;
    int i = 0;

    memset(o, 0, sizeof *o);
    o->new_per_day = RECALL_NEW_PER_DAY;
    o->day = -1;
    for (i = 1; i < argc && code == CLI_CONTINUE; i++) {
        code = cli_next_arg(c, &cli_recall_command, argc, argv, &i, &arg);
        if (code == CLI_CONTINUE)
            code = recall_take(c, &arg, o, &new_given);
    }
    if (code != CLI_CONTINUE)
        return code;
    if (o->list && (o->plan.limit > 0 || o->plan.seeded))
        return cli_usage_error(c, "recall",
                               "--list prints every card; --limit and --seed "
                               "choose a drill's cards");
    if (o->list && new_given)
        return cli_usage_error(c, "recall",
                               "--list prints every card; --new chooses a "
                               "drill's new cards");
    if (o->page != NULL && (o->day >= 0 || o->lessons != NULL))
        return cli_usage_error(c, "recall",
                               "--lesson names one page; --day and "
                               "--lessons choose pages of a directory");
    return CLI_CONTINUE;
}

static int recall_main(struct cli *c, int argc, char **argv)
{
    struct recall_options o;
    struct recall_io io = {c->in, c->out, c->err, c->colour};
    struct status_detail why;
    enum status st = STATUS_OK;
    int code = parse_recall(c, argc, argv, &o);

    if (code != CLI_CONTINUE)
        return code;
    status_detail_clear(&why);
    st = recall_command(&o, &io, &why);
    if (st == STATUS_OK)
        return 0;
    /* No lesson directory, or a bad $DUPLEX_TODAY: the way it was run. */
    if (st == STATUS_NOT_FOUND || st == STATUS_INVALID_ARGUMENT)
        return cli_usage_error(c, "recall", "%s", why.text);
    fprintf(c->err, "duplex recall: %s\n", why.text);
    return 1;
}

const struct cli_command cli_recall_command = {"recall", usage_recall,
                                               recall_opts, recall_main};

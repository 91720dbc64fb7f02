/*
 * step_picture: `duplex step --svg FILE` (see step_picture.h).
 *
 * Design
 *   As `duplex run --svg` (cli_run.c): the file opened first, the
 *   picture written after the run from its trace, write errors read from
 *   the stream's error flag. The caption's words come from the run's
 *   result and the session's count of answers, nothing else.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/step_picture.h"
#include "core/sched.h"
#include "core/status.h"
#include "view/svg.h"

/* A word a shell reads as it is: no quotes needed in a title. */
static int plain_word(const char *w)
{
    static const char plain[] = "abcdefghijklmnopqrstuvwxyz"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789_.,:=/+-";

    return w[0] != '\0' && strspn(w, plain) == strlen(w);
}

/* "duplex step" and the arguments after it, without --svg and its file. */
static void make_title(char *out, size_t cap, int argc, char **argv)
{
    size_t n = (size_t)snprintf(out, cap, "duplex step");
    int i = 0;

    for (i = 1; i < argc && n < cap; i++) {
        if (strcmp(argv[i], "--svg") == 0)
            i++; /* and its file */
        else if (strncmp(argv[i], "--svg=", 6) != 0)
            n += (size_t)snprintf(out + n, cap - n,
                                  plain_word(argv[i]) ? " %s" : " '%s'",
                                  argv[i]);
    }
}

int step_picture_open(struct cli *c, struct step_picture *p, int argc,
                      char **argv)
{
    make_title(p->title, sizeof p->title, argc, argv);
    p->out = NULL;
    if (p->path == NULL)
        return 0;
    p->out = strcmp(p->path, "-") == 0 ? c->out : fopen(p->path, "w");
    if (p->out != NULL)
        return 0;
    fprintf(c->err, "duplex step: cannot write the picture to %s: %s\n",
            p->path, strerror(errno));
    return 1;
}

/*
 * The caption's lines under the title: who chose, and how the run ended
 * (its exit code, as `duplex run` gives it: also after q).
 */
static void caption_words(const struct scenario_result *r, int answered,
                          int code, char *mode, size_t mcap, char *outcome,
                          size_t ocap)
{
    snprintf(mode, mcap,
             "simulated, stepped: %d of its %zu decisions chosen by hand, "
             "the rest by the seed: %llu steps",
             answered, r->sim.ndecisions, (unsigned long long)r->sim.steps);
    if (code == SCENARIO_EXIT_LIVELOCK)
        snprintf(outcome, ocap, "result: livelock (exit %d)", code);
    else
        snprintf(outcome, ocap, "result: %s%s%s (exit %d)",
                 status_name(r->status),
                 r->status != STATUS_OK && r->why.text[0] != '\0' ? ": " : "",
                 r->status != STATUS_OK ? r->why.text : "", code);
}

int step_picture_draw(struct cli *c, struct step_picture *p,
                      const char *summary, const struct step *st, int answered,
                      int code)
{
    const struct scenario_result *r = step_result(st);
    int run_code = (int)scenario_exit_code(r);
    char mode[256];
    char outcome[STATUS_TEXT_MAX + 64];
    int stuck = r->sim.deadlocked || r->sim.livelocked;
    struct svg_caption cap = {p->title,      summary,
                              mode,          outcome,
                              run_code != 0, stuck ? r->sim.report : NULL};
    enum status s = STATUS_OK;
    int failed = 0;

    if (p->out == NULL)
        return code;
    caption_words(r, answered, run_code, mode, sizeof mode, outcome,
                  sizeof outcome);
    s = svg_write(p->out, step_trace(st), &cap);
    errno = 0;
    failed = ferror(p->out);
    if (p->out != c->out && fclose(p->out) != 0)
        failed = 1;
    p->out = NULL;
    if (s == STATUS_OK && !failed)
        return code;
    fprintf(c->err, "duplex step: cannot write the picture to %s: %s\n",
            p->path,
            s != STATUS_OK ? "out of memory"
            : errno != 0   ? strerror(errno)
                           : "write error");
    return 1;
}

/*
 * step_show: drawing a run at a decision (see step_show.h).
 *
 * Design
 *   The threads are listed runnable first, by number (the keys that run
 *   them), then the waiting ones, marked '-'; finished ones are left out.
 *   The seed's choice is marked '*'. What each is doing comes from the
 *   simulator's notes (strategy_thread_get), in the library's own words.
 */
#include "app/step_show.h"

#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "view/colour.h"
#include "view/timeline.h"

#define BOLD "\033[1m"
#define CLEAR "\033[H\033[2J"

/* Lines a screen keeps for anything but events. */
#define SCREEN_FIXED 12

void step_screen_init(struct step_screen *s, FILE *out, int tty)
{
    struct winsize ws;

    memset(s, 0, sizeof *s);
    s->out = out;
    s->tty = tty;
    s->rows = 24;
    if (tty && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
        s->rows = ws.ws_row;
}

const char *step_paint(const struct step_screen *s, const char *code)
{
    return s->tty ? code : "";
}

static void print_thread(struct step_screen *s, const struct step_view *v,
                         int i)
{
    const struct strategy_thread *t = &v->threads[i];
    int runnable = t->state == STRATEGY_THREAD_RUNNABLE;
    int pick = i == v->seed_pick;

    fprintf(s->out, "%s%c%s ", step_paint(s, COLOUR_CLOSE), pick ? '*' : ' ',
            step_paint(s, COLOUR_OFF));
    if (runnable)
        fprintf(s->out, "%s%2d%s", step_paint(s, BOLD), i,
                step_paint(s, COLOUR_OFF));
    else
        fputs(" -", s->out);
    fprintf(s->out, "  %-15s %s%s%s\n", t->name,
            step_paint(s, runnable ? "" : COLOUR_DIM), t->doing,
            step_paint(s, runnable ? "" : COLOUR_OFF));
}

/* The threads at the decision, and what the seed would choose. */
static void print_threads(struct step_screen *s, const struct step_view *v)
{
    int pass = 0;
    int i = 0;

    fprintf(s->out, "%sdecision %zu%s (step %llu): who runs next?\n",
            step_paint(s, BOLD), v->k, step_paint(s, COLOUR_OFF),
            (unsigned long long)v->step);
    for (pass = 0; pass < 2; pass++)
        for (i = 0; i < v->nthreads; i++) {
            enum strategy_thread_state want =
                pass == 0 ? STRATEGY_THREAD_RUNNABLE : STRATEGY_THREAD_BLOCKED;

            if (v->threads[i].state == want)
                print_thread(s, v, i);
        }
    fprintf(s->out, "the seed would run %d (%s)\n", v->seed_pick,
            v->threads[v->seed_pick].name);
}

/* Terminal: the title, then the last events that fit under it. */
static void redraw(struct step_screen *s, const struct step *st,
                   const char *head, size_t upto, size_t keep)
{
    struct timeline_options o = {1, 1};
    const struct trace *t = step_trace(st);

    fprintf(s->out, "%s%s\n", CLEAR, head);
    timeline_print_header(t, s->out, &o);
    timeline_print_events(t, upto > keep ? upto - keep : 0, upto, s->out, &o);
}

/* Plain: the events from s->shown to upto. */
static void print_new(struct step_screen *s, const struct step *st, size_t upto)
{
    struct timeline_options o = {0, 1};

    if (upto > s->shown)
        timeline_print_events(step_trace(st), s->shown, upto, s->out, &o);
    if (upto > s->shown)
        s->shown = upto;
}

void step_show_decision(struct step_screen *s, const struct step *st,
                        const char *head, const char *notice)
{
    const struct step_view *v = step_view(st);
    int room = s->rows - SCREEN_FIXED - v->nthreads;

    if (s->tty)
        redraw(s, st, head, v->nevents, room > 3 ? (size_t)room : 3);
    else
        print_new(s, st, v->nevents);
    if (notice[0] != '\0')
        fprintf(s->out, "%s\n", notice);
    print_threads(s, v);
}

void step_show_end(struct step_screen *s, const struct step *st,
                   const char *head, const char *notice)
{
    size_t n = trace_length(step_trace(st));

    if (s->tty)
        redraw(s, st, head, n, n);
    else
        print_new(s, st, n);
    if (notice[0] != '\0')
        fprintf(s->out, "%s\n", notice);
}

void step_screen_undone(struct step_screen *s, const struct step_view *v)
{
    if (s->shown > v->nevents)
        s->shown = v->nevents;
}

/*
 * recall: the `duplex recall` command, its parts put together (see
 * recall.h).
 *
 * Design
 *   Each step runs only when the ones before it worked: today, the state
 *   file's path, the deck, the state; then the list, or the drill. A drill
 *   first checks that the state file's directory can be written, so it
 *   fails before the first card rather than after a learner answered it.
 */
#include "app/recall.h"

#include <stdio.h>
#include <stdlib.h>

#include "app/recall/support.h"

/* The first lines of a drill: what is in it and how it works. */
static void print_intro(const struct recall_plan *p, const char *lessons,
                        const char *path, const struct recall_io *io)
{
    fprintf(io->out, "%sduplex recall%s: ", recall_paint(io, "\033[1m"),
            recall_paint(io, "\033[0m"));
    if (p->count < p->due + p->fresh)
        fprintf(io->out, "%zu of ", p->count);
    fprintf(io->out, "%zu card%s for today (%zu due, %zu new) from %s\n",
            p->due + p->fresh, p->due + p->fresh == 1 ? "" : "s", p->due,
            p->fresh, lessons);
    fprintf(io->out, "progress: %s\n", path);
    fputs("Answer each question in your head, press Enter to see the answer,\n"
          "then grade yourself: a again, h hard, g good, e easy. q quits.\n",
          io->out);
}

/* Today's session, once the lessons and the state are loaded. */
static enum status command_drill(const struct recall_options *o,
                                 const struct recall_deck *deck,
                                 struct recall_state *s, const char *path,
                                 int64_t today, const struct recall_io *io,
                                 struct status_detail *why)
{
    const char *lessons = o->lessons != NULL ? o->lessons : "lesson";
    struct recall_plan p;
    enum status st = STATUS_OK;

    if (deck->count == 0) {
        fprintf(io->out,
                "duplex recall: no cards in %s%s*.md (a card is a '### Q:' "
                "heading under '## Active Recall')\n",
                lessons, recall_slash(lessons));
        return STATUS_OK;
    }
    recall_plan_make(deck, s, today, &o->plan, &p);
    if (p.count == 0) {
        fprintf(io->out, "duplex recall: nothing due today (%zu card%s)\n",
                deck->count, deck->count == 1 ? "" : "s");
        recall_print_next(deck, s, today, io->out);
    } else if ((st = recall_state_prepare(path, why)) == STATUS_OK) {
        print_intro(&p, lessons, path, io);
        st = recall_drill(deck, s, path, &p, today, io, why);
    }
    recall_plan_free(&p);
    return st;
}

enum status recall_command(const struct recall_options *o,
                           const struct recall_io *io,
                           struct status_detail *why)
{
    const char *lessons = o->lessons != NULL ? o->lessons : "lesson";
    struct recall_deck *deck = NULL;
    struct recall_state *s = NULL;
    char *path = NULL;
    int64_t today = 0;
    enum status st = recall_today(&today, why);

    if (st == STATUS_OK)
        st = recall_state_path(&path, why);
    if (st == STATUS_OK)
        st = recall_deck_load(lessons, io->err, &deck, why);
    if (st == STATUS_OK)
        st = recall_state_load(path, io->err, &s, why);
    if (st == STATUS_OK && o->list)
        recall_list(deck, s, today, io);
    else if (st == STATUS_OK)
        st = command_drill(o, deck, s, path, today, io, why);
    recall_state_destroy(s);
    recall_deck_destroy(deck);
    free(path);
    return st;
}

/*
 * recall: the `duplex recall` command, its parts put together (see
 * recall.h).
 *
 * Design
 *   Each step runs only when the ones before it worked: today, the state
 *   file's path, the deck (every page, one day's, or one page), the state;
 *   then the list, or the drill. A drill first checks that the state
 *   file's directory can be written, so it fails before the first card
 *   rather than after a learner answered it. A drill's plan is capped at
 *   o->new_per_day new cards a day; the list shows every card.
 */
#include "app/recall.h"

#include <stdio.h>
#include <stdlib.h>

#include "app/recall/support.h"

/*
 * The pages a run reads, for what it prints: day 117's pages of lesson
 * ("lesson/day-117-" then "*.md"), the page, or the directory (with
 * "*.md" after it when glob is set).
 */
static char *pages_of(const struct recall_options *o, int glob)
{
    const char *lessons = o->lessons != NULL ? o->lessons : "lesson";

    if (o->page != NULL)
        return recall_copy(o->page);
    if (o->day >= 0)
        return recall_format("%s%sday-%ld-*.md", lessons, recall_slash(lessons),
                             o->day);
    if (glob)
        return recall_format("%s%s*.md", lessons, recall_slash(lessons));
    return recall_copy(lessons);
}

/* The first lines of a drill: what is in it and how it works. */
static void print_intro(const struct recall_plan *p, const char *pages,
                        const char *path, const struct recall_io *io)
{
    fprintf(io->out, "%sduplex recall%s: ", recall_paint(io, "\033[1m"),
            recall_paint(io, "\033[0m"));
    if (p->count < p->due + p->fresh)
        fprintf(io->out, "%zu of ", p->count);
    fprintf(io->out, "%zu card%s for today (%zu due, %zu new) from %s\n",
            p->due + p->fresh, p->due + p->fresh == 1 ? "" : "s", p->due,
            p->fresh, pages);
    if (p->held > 0 && p->new_today > 0)
        fprintf(io->out,
                "%zu new card%s wait for later days: at most %zu new a day "
                "(--new N), %zu drilled today already\n",
                p->held, p->held == 1 ? "" : "s", p->new_per_day, p->new_today);
    else if (p->held > 0)
        fprintf(io->out,
                "%zu new card%s wait for later days: at most %zu new a day "
                "(--new N)\n",
                p->held, p->held == 1 ? "" : "s", p->new_per_day);
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
    char *pages = pages_of(o, deck->count == 0);
    struct recall_plan p;
    enum status st = STATUS_OK;

    if (deck->count == 0) {
        fprintf(io->out,
                "duplex recall: no cards in %s (a card is a '### Q:' "
                "heading under '## Active Recall')\n",
                pages);
        free(pages);
        return STATUS_OK;
    }
    recall_plan_make(deck, s, today, &o->plan, &p);
    recall_plan_cap(&p, s, today, o->new_per_day);
    if (p.count == 0) {
        fprintf(io->out, "duplex recall: nothing due today (%zu card%s)\n",
                deck->count, deck->count == 1 ? "" : "s");
        if (p.held > 0)
            fprintf(io->out,
                    "today's new cards are done: %zu drilled, at most %zu "
                    "a day (--new N)\n",
                    p.new_today, p.new_per_day);
        recall_print_next(deck, s, today, &p, io->out);
    } else if ((st = recall_state_prepare(path, why)) == STATUS_OK) {
        print_intro(&p, pages, path, io);
        st = recall_drill(deck, s, path, &p, today, io, why);
    }
    recall_plan_free(&p);
    free(pages);
    return st;
}

/* The cards of the pages o names. Returns what the loader returned. */
static enum status load_deck(const struct recall_options *o, FILE *warn,
                             struct recall_deck **out_deck,
                             struct status_detail *why)
{
    const char *lessons = o->lessons != NULL ? o->lessons : "lesson";

    if (o->page != NULL)
        return recall_deck_load_page(o->page, warn, out_deck, why);
    if (o->day >= 0)
        return recall_deck_load_day(lessons, o->day, warn, out_deck, why);
    return recall_deck_load(lessons, warn, out_deck, why);
}

enum status recall_command(const struct recall_options *o,
                           const struct recall_io *io,
                           struct status_detail *why)
{
    struct recall_deck *deck = NULL;
    struct recall_state *s = NULL;
    char *path = NULL;
    int64_t today = 0;
    enum status st = recall_today(&today, why);

    if (st == STATUS_OK)
        st = recall_state_path(&path, why);
    if (st == STATUS_OK)
        st = load_deck(o, io->err, &deck, why);
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

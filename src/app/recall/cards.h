/*
 * cards: the lessons' active-recall cards, read from the lesson pages.
 *
 * Design
 *   Cards. A card runs from its "### Q:" heading to the next heading. The
 *   first non-blank line after the question must start with "A:"; the
 *   answer goes on over the following lines until a blank line or the
 *   "Proof:" line, and is kept as one paragraph (lines joined by a space).
 *   A card without its answer or its proof is reported as FILE:LINE and
 *   left out; the other cards still load. Headings inside ``` fences do not
 *   count, so a "# comment" in a shell example ends nothing.
 *
 *   Ids. A card's id is its file's name without ".md" and a hash of its
 *   question: "day-116-half-close#3f2a9c1e". Adding, removing or moving
 *   cards keeps every other card's progress; rewording a question makes it
 *   a new card, which is what a new question is.
 */
#ifndef RECALL_CARDS_H
#define RECALL_CARDS_H

#include <stddef.h>
#include <stdio.h>

#include "core/status.h"

/* One card, as the lesson wrote it. Every string is owned by the deck. */
struct recall_card {
    char *id;         /* "day-116-half-close#3f2a9c1e" */
    char *question;   /* the text after "### Q:" */
    char *answer;     /* one paragraph, its lines joined by spaces */
    char *proof_test; /* "test_stream_recv_after_close_send" */
    char *proof_file; /* "tests/test_stream.c" */
    char *source;     /* the lesson file, as opened: "lesson/day-115.md" */
    int line;         /* line of the "### Q:" heading, from 1 */
};

/* Every well-formed card of a directory of lessons. */
struct recall_deck {
    struct recall_card *cards; /* by file name, then by line */
    size_t count;
    size_t skipped; /* malformed cards and unreadable files, each reported */
};

/*
 * Loads every card of the *.md files in dir (in file-name order; other
 * files are ignored). A malformed card, or a file that cannot be read, is
 * reported on warn (when not NULL) as "FILE:LINE: what is wrong; card
 * skipped", counted in skipped, and left out.
 * Returns one of:
 *   STATUS_OK          *out_deck is a new deck (maybe with no cards)
 *   STATUS_NOT_FOUND   dir does not exist or is not a directory
 *   STATUS_PERMISSION_DENIED  dir cannot be listed
 *   STATUS_UNAVAILABLE another error listing dir
 * with the reason in why. The caller owns the deck: recall_deck_destroy.
 */
enum status recall_deck_load(const char *dir, FILE *warn,
                             struct recall_deck **out_deck,
                             struct status_detail *why);

/*
 * Like recall_deck_load, for day's pages of dir alone: the *.md files
 * named "day-DAY.md" or "day-DAY-*.md" (day 117: day-117-bidi-streaming.md).
 * Their cards have the ids they have in the whole deck. day must not be
 * negative (assert).
 * Returns what recall_deck_load returns, and STATUS_NOT_FOUND too when dir
 * has no page for day.
 */
enum status recall_deck_load_day(const char *dir, long day, FILE *warn,
                                 struct recall_deck **out_deck,
                                 struct status_detail *why);

/*
 * Loads the cards of one lesson page, the file at path, with the ids they
 * have in the deck of its directory (its name without ".md", then the
 * question's hash). A malformed card, or a read error, is reported on
 * warn as recall_deck_load reports it.
 * Returns one of:
 *   STATUS_OK          *out_deck is a new deck (maybe with no cards)
 *   STATUS_NOT_FOUND   path does not exist, is a directory, or its name
 *                      does not end in ".md"
 *   STATUS_PERMISSION_DENIED, STATUS_UNAVAILABLE  it cannot be looked at
 * with the reason in why. The caller owns the deck: recall_deck_destroy.
 */
enum status recall_deck_load_page(const char *path, FILE *warn,
                                  struct recall_deck **out_deck,
                                  struct status_detail *why);

/* Frees a deck and its cards. NULL is a no-op. */
void recall_deck_destroy(struct recall_deck *deck);

#endif /* RECALL_CARDS_H */

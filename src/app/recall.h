/*
 * recall: the lessons' active-recall cards, drilled with Leitner boxes.
 *
 * Every lesson page (lesson/day-*.md) ends with an "## Active Recall"
 * section of cards, each a question, its answer and the test that proves
 * the answer true:
 *
 *   ### Q: What does the server's stream_recv return after CloseSend?
 *   A: Every message the client sent before the half-close, in order,
 *   and then STATUS_EOF, every time it is called again.
 *   Proof: `test_stream_recv_after_close_send` in `tests/test_stream.c`
 *
 * The lessons are the only copy of the cards. What duplex keeps is each
 * card's progress: its Leitner box and the day it is due again.
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
 *
 *   Leitner boxes. A card is in box 1..5 and comes back after 1, 2, 4, 8
 *   or 16 days. Grading moves it: again to box 1, hard stays, good one box
 *   up, easy two boxes up (never past 5). A new card grades as if it were
 *   in box 1.
 *
 *   Days. A day is a whole number of days since 1970-01-01 in local time.
 *   Today comes from the clock, or from $DUPLEX_TODAY (a day number) so
 *   that tests and demos can travel in time.
 *
 *   State file. One line per card: "ID BOX DUE-DAY", plus '#' comments. It
 *   lives in $DUPLEX_STATE_DIR, else $XDG_STATE_HOME/duplex, else
 *   $HOME/.local/state/duplex, as recall.state. A bad line is reported as
 *   FILE:LINE and skipped; the good lines are kept, and so are the lines of
 *   cards that no lesson has any more (a lesson being edited, another
 *   --lessons directory). A file that cannot be read to its end (a read
 *   error, not memory enough) is an error, never half a state: saving half
 *   would lose the rest.
 *
 *   Saving. Every grade is saved at once. A save takes a lock (an fcntl
 *   lock on recall.state.lock, dropped by the kernel if the drill dies),
 *   reads the file again, puts in the cards graded since the last save and
 *   writes the whole to a temporary file in the same directory, renamed
 *   over the old one: a crash leaves either the old file or the new one,
 *   never half of one, and two drills at once lose no grade (a card graded
 *   in both keeps the later grade). The new file keeps the old one's
 *   permissions. A file that had bad lines is first kept as
 *   recall.state.bak, since the lines skipped are not written again.
 *
 *   Order. A session holds the cards due today or earlier, most overdue
 *   first, then lower box first, then the new cards. Ties keep the
 *   lessons' order (file name, then line) unless a seed is given, which
 *   shuffles them the same way every time.
 *
 * Running out of memory aborts (with a message): there is nothing a
 * learner could do about it mid-drill, and it keeps every other path
 * testable. Reading the state file is the exception: a file too big for
 * memory is a failing status, and the file is left as it is. Nothing here
 * is shared between threads; the one global is the terminal a signal
 * handler puts back.
 */
#ifndef RECALL_H
#define RECALL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/status.h"

#define RECALL_BOX_MIN 1
#define RECALL_BOX_MAX 5

/* The last day number accepted (a day in the year 275,000 or so). */
#define RECALL_DAY_MAX INT64_C(100000000)

/* The state file's name inside the state directory. */
#define RECALL_STATE_FILE "recall.state"

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

/* The suffix of the copy kept of a state file that had bad lines. */
#define RECALL_BACKUP_SUFFIX ".bak"

/* A card's progress. */
struct recall_entry {
    char *id;
    int box;     /* RECALL_BOX_MIN..RECALL_BOX_MAX */
    int64_t due; /* the day it comes back, 0..RECALL_DAY_MAX */
    int unsaved; /* graded since the state was loaded or last saved */
};

/* Every card's progress, as the state file holds it. */
struct recall_state {
    struct recall_entry *entries; /* in file order, then as graded */
    size_t count;
    size_t cap;
    size_t skipped;   /* bad lines left out, each reported */
    size_t backed_up; /* the last save kept the file it replaced as
                         PATH.bak: the bad lines it had, else 0 */
    size_t *slots;    /* the index by id: entries index + 1, 0 when free */
    size_t nslots;    /* a power of two, more than twice count (or 0) */
    size_t probes;    /* slots looked at by loads, grades and saves: the
                         work of finding ids, which tests see is linear */
};

enum recall_grade { RECALL_AGAIN, RECALL_HARD, RECALL_GOOD, RECALL_EASY };

/* How to choose a session. */
struct recall_plan_options {
    size_t limit; /* at most this many cards; 0: no limit */
    int seeded;   /* shuffle ties with seed */
    uint64_t seed;
};

/* A session: deck indices in the order they are drilled. */
struct recall_plan {
    size_t *order;
    size_t count; /* cards in this session (after the limit) */
    size_t due;   /* cards due today or earlier, in the whole deck */
    size_t fresh; /* cards never graded */
    size_t later; /* cards due after today */
};

/* The recall command's choices: `duplex recall [options]`. */
struct recall_options {
    const char *lessons; /* directory of lesson pages; NULL: "lesson" */
    int list;            /* print every card instead of drilling */
    struct recall_plan_options plan;
};

/*
 * Where the recall command talks. It reads keys from in; when in is a
 * terminal it reads one key at a time (no Enter needed for a grade),
 * otherwise one line per key, so a script can drive it.
 */
struct recall_io {
    FILE *in, *out, *err;
    int colour; /* out is a terminal that wants colour */
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

/* Frees a deck and its cards. NULL is a no-op. */
void recall_deck_destroy(struct recall_deck *deck);

/* Days until a card in box comes back: 1, 2, 4, 8, 16 (box is clamped). */
int recall_box_days(int box);

/*
 * The box a card in box moves to when graded g: again 1, hard box, good
 * box + 1, easy box + 2, at most RECALL_BOX_MAX. A new card is box 1. A
 * box outside 1..RECALL_BOX_MAX counts as the nearest one.
 */
int recall_box_after(int box, enum recall_grade g);

/* "again", "hard", "good" or "easy"; "?" for a value that is none. */
const char *recall_grade_name(enum recall_grade g);

/*
 * Reads a grade typed by the learner: a, h, g, e; 1, 2, 3, 4; or the
 * whole word, in any case, with blanks around it.
 * Returns one of:
 *   STATUS_OK                *out_grade is set
 *   STATUS_INVALID_ARGUMENT  text is none of those (*out_grade untouched)
 */
enum status recall_grade_parse(const char *text, enum recall_grade *out_grade);

/*
 * Today's day number: $DUPLEX_TODAY when set, else the local date.
 * Returns one of:
 *   STATUS_OK                *out_day is set
 *   STATUS_INVALID_ARGUMENT  $DUPLEX_TODAY is not 0..RECALL_DAY_MAX
 *   STATUS_UNAVAILABLE       the clock cannot be read
 * with the reason in why.
 */
enum status recall_today(int64_t *out_day, struct status_detail *why);

/* Writes day's date as "YYYY-MM-DD" to buf (11 bytes at least). */
void recall_day_date(int64_t day, char *buf, size_t size);

/*
 * The state file's path: $DUPLEX_STATE_DIR/recall.state, else
 * $XDG_STATE_HOME/duplex/recall.state (an absolute $XDG_STATE_HOME only,
 * as the XDG spec asks), else $HOME/.local/state/duplex/recall.state.
 * Nothing is created. Empty variables count as unset.
 * Returns one of:
 *   STATUS_OK                   *out_path is a new string, to free()
 *   STATUS_FAILED_PRECONDITION  none of the three variables is set
 */
enum status recall_state_path(char **out_path, struct status_detail *why);

/*
 * Reads the state file at path, in time linear in its size. A missing file
 * is an empty state. A bad line is reported on warn (when not NULL) as
 * "FILE:LINE: what is wrong; line skipped", with the bytes a terminal would
 * act on shown as \xNN, counted in skipped, and left out; the good lines
 * are kept. A file read only in part is a failure, never a shorter state.
 * Returns one of:
 *   STATUS_OK                  *out_state is a new state
 *   STATUS_PERMISSION_DENIED   the file exists but may not be read
 *   STATUS_RESOURCE_EXHAUSTED  there is not memory enough to read it whole
 *   STATUS_UNAVAILABLE         it cannot be read for another reason
 * with the reason in why. The caller owns the state: recall_state_destroy.
 */
enum status recall_state_load(const char *path, FILE *warn,
                              struct recall_state **out_state,
                              struct status_detail *why);

/*
 * Saves s to path (see Saving above). Under the lock path.lock (removed
 * after), it reads path again (a missing file counts as empty), puts in
 * the entries of s that are unsaved, and writes the result atomically: to
 * a temporary file in the same directory, flushed to disk, with the old
 * file's permissions (0600 for a new file), then renamed over path. Lines
 * are sorted by id. If path had bad lines, it is first kept, bytes and
 * permissions, as path.bak (replacing an older one) and s->backed_up says
 * how many; else s->backed_up is 0. The directories on the way are
 * created (mode 0700) when missing. Blocks while another save holds the
 * lock.
 * On success s holds what was written: the entries another drill saved
 * are in it, none is unsaved, and pointers to its entries from before are
 * no longer valid. On failure s and the old file are untouched (a .bak
 * may have been written) and no temporary file is left.
 * Returns one of:
 *   STATUS_OK                  path holds s
 *   STATUS_PERMISSION_DENIED   a directory or the file may not be written
 *   STATUS_RESOURCE_EXHAUSTED  path cannot be read again whole for lack of
 *                              memory (it is left as it is)
 *   STATUS_UNAVAILABLE         another error (disk full, path is a
 *                              directory, path cannot be read whole)
 * with the reason in why.
 */
enum status recall_state_save(struct recall_state *s, const char *path,
                              struct status_detail *why);

/*
 * Creates the directory that will hold path (and its parents, mode 0700)
 * and checks that it may be written, so a drill fails before the first
 * card rather than after it. Returns what recall_state_save returns.
 */
enum status recall_state_prepare(const char *path, struct status_detail *why);

/* Frees a state. NULL is a no-op. */
void recall_state_destroy(struct recall_state *s);

/* The progress of card id, or NULL for a card never graded. */
const struct recall_entry *recall_state_find(const struct recall_state *s,
                                             const char *id);

/*
 * Grades card id on day today: moves it to its next box (recall_box_after)
 * and makes it due recall_box_days(box) days later, but never after
 * RECALL_DAY_MAX, the last day a state file holds (nor before day 0). A
 * card not in s is added. The entry is unsaved until recall_state_save.
 * Returns the card's progress, which lives in s until the next save.
 */
const struct recall_entry *recall_state_grade(struct recall_state *s,
                                              const char *id,
                                              enum recall_grade g,
                                              int64_t today);

/*
 * Chooses today's session from deck and s (see Order above) and fills
 * *out_plan; free it with recall_plan_free.
 */
void recall_plan_make(const struct recall_deck *deck,
                      const struct recall_state *s, int64_t today,
                      const struct recall_plan_options *o,
                      struct recall_plan *out_plan);

/* Frees a plan's order and zeroes it. NULL is a no-op. */
void recall_plan_free(struct recall_plan *plan);

/*
 * Prints every card of deck, in the lessons' order, with its box, the day
 * it is due and its proof.
 */
void recall_list(const struct recall_deck *deck, const struct recall_state *s,
                 int64_t today, const struct recall_io *io);

/*
 * Drills the cards of plan: shows each question, waits for Enter, shows
 * the answer and its proof, asks for a grade and saves s to path after
 * every grade (saying so on io->out when the save kept a .bak). q (or
 * Ctrl-C, Ctrl-D on a terminal) quits; the end of input stops the same
 * way. What was graded is saved either way. Blocks reading io->in. A
 * terminal is put in non-canonical mode without echo for the drill and
 * always restored: also when SIGHUP, SIGINT, SIGQUIT or SIGTERM ends the
 * process mid-drill (a handler puts the terminal back, then the signal
 * does what it would have done; one that is ignored stays ignored). One
 * that comes while a grade is being saved waits for the save to end.
 * Returns one of:
 *   STATUS_OK     the session ended (all cards done, quit, or end of input)
 *   what recall_state_save returns, when a save fails (the drill stops)
 *   STATUS_UNAVAILABLE  reading io->in failed
 */
enum status recall_drill(const struct recall_deck *deck, struct recall_state *s,
                         const char *path, const struct recall_plan *plan,
                         int64_t today, const struct recall_io *io,
                         struct status_detail *why);

/*
 * The whole `duplex recall` command: finds today and the state file,
 * loads the lessons and the state (problems in them go to io->err), then
 * lists the cards or drills today's session.
 * Returns STATUS_OK, or the first failure of recall_today,
 * recall_state_path, recall_deck_load, recall_state_load,
 * recall_state_prepare or recall_drill, with the reason in why.
 */
enum status recall_command(const struct recall_options *o,
                           const struct recall_io *io,
                           struct status_detail *why);

#endif /* RECALL_H */

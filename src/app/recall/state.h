/*
 * state: every card's progress (its Leitner box and the day it is due
 * again), and the file that keeps it.
 *
 * Design
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
 *   New cards. A drill shows at most so many new cards a day (plan.h), so
 *   the state knows which cards a drill first graded on which day. That is
 *   kept beside the state file, in recall.state.new: one line "DAY ID" per
 *   card first graded on the latest day a drill did so (older days no
 *   longer count, so they are not kept). It is written by the same save,
 *   under the same lock, read whole again first, with the state file's
 *   permissions, and before the state file: a line whose card the state
 *   file does not hold counts for nothing, so a crash between the two
 *   writes, or a card's line deleted by hand, never counts a card as new
 *   today that is not in the state. A bad line is reported and left out
 *   (it is not kept in a .bak: at worst a new card more that day). The
 *   state file's lines stay "ID BOX DUE-DAY", so an older duplex reads
 *   it as before.
 */
#ifndef RECALL_STATE_H
#define RECALL_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "app/recall/boxes.h"
#include "core/status.h"

/* The state file's name inside the state directory. */
#define RECALL_STATE_FILE "recall.state"

/* The suffix of the copy kept of a state file that had bad lines. */
#define RECALL_BACKUP_SUFFIX ".bak"

/* The suffix of the file of the cards first graded on the latest day. */
#define RECALL_NEW_SUFFIX ".new"

/* A first day nobody recorded (a card graded before it was kept). */
#define RECALL_FIRST_UNKNOWN INT64_C(-1)

/* A card's progress. */
struct recall_entry {
    char *id;
    int box;       /* RECALL_BOX_MIN..RECALL_BOX_MAX */
    int64_t due;   /* the day it comes back, 0..RECALL_DAY_MAX */
    int64_t first; /* the day a drill first graded it, when it was the
                      latest such day of PATH.new; else
                      RECALL_FIRST_UNKNOWN */
    int unsaved;   /* graded since the state was loaded or last saved */
    int marked;    /* recall_state_mark_new since then: first is to save */
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
 * Reads the state file at path, and PATH.new beside it (see New cards),
 * in time linear in their sizes. A missing file is an empty state. A bad
 * line is reported on warn (when not NULL) as "FILE:LINE: what is wrong;
 * line skipped", with the bytes a terminal would act on shown as \xNN,
 * counted in skipped, and left out; the good lines are kept. A line of
 * PATH.new is "DAY ID"; one for a card the state file does not hold counts
 * for nothing. A file read only in part is a failure, never a shorter
 * state.
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
 * created (mode 0700) when missing. PATH.new is read again too, and when
 * an entry of s is marked (recall_state_mark_new) it is written first,
 * the same way: the cards of the latest day marked, those another drill
 * marked that day too, and only cards the state holds. Blocks while
 * another save holds the lock.
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
 *                              directory, path or PATH.new cannot be
 *                              read whole)
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
 * Records that card id, just graded for the first time, was new on day
 * today: it counts in recall_state_new_on(s, today) and goes to PATH.new
 * at the next save. A card not in s is left alone.
 */
void recall_state_mark_new(struct recall_state *s, const char *id,
                           int64_t today);

/* How many cards of s a drill first graded on day (see New cards). */
size_t recall_state_new_on(const struct recall_state *s, int64_t day);

#endif /* RECALL_STATE_H */

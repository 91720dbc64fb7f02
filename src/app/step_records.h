/*
 * step_records: the fewest decisions each `duplex step` challenge was
 * reached in, kept from one session to the next.
 *
 * Design
 *   The file. One line per challenge: "KEY DECISIONS REPLAY", where KEY
 *   names the scenario, its variant, the challenge and the options that
 *   change the run ("concurrent-senders:garble",
 *   "cancel-vs-drain--fix:ahead:m=3:c=64:t=5", for --messages, --capacity
 *   and --timeout; then k= for a --kind that is not the first, w=, win=
 *   and cw= for --wire h2, --window and --conn-window), and REPLAY is the
 *   replay string of the run that set the record. '#' lines are comments. It
 *   lives next to the recall drill's progress: $DUPLEX_STATE_DIR, else
 *   $XDG_STATE_HOME/duplex, else $HOME/.local/state/duplex, as
 *   step.records.
 *
 *   Never lose, never corrupt. A save takes an fcntl lock on
 *   step.records.lock (made if missing and left in place; the kernel
 *   drops the lock if the process dies), reads the file again, changes
 *   only the line of its key (every other line, a bad one too, is kept
 *   byte for byte), and writes the whole to a temporary file in the same
 *   directory, flushed to disk and renamed over the old one, with the old
 *   one's permissions (0600 for a new file). A crash leaves the old file
 *   or the new one, and two sessions at once lose no record. A file that
 *   cannot be read whole, or that holds a NUL byte (no line after it
 *   could be kept), is left alone: nothing is saved over it.
 */
#ifndef STEP_RECORDS_H
#define STEP_RECORDS_H

#include <stddef.h>

#include "core/status.h"

/* The records file's name inside the state directory. */
#define STEP_RECORDS_FILE "step.records"

/* Room for a key ("NAME--fix:CHALLENGE:b=..:m=..:c=..:t=..:k=..:w=.."
   ":win=..:cw=.."), with the NUL. */
#define STEP_RECORD_KEY_MAX 256

/*
 * The records file's path (see Design). Nothing is created.
 * Returns one of:
 *   STATUS_OK                   *out_path is a new string, to free()
 *   STATUS_FAILED_PRECONDITION  none of the three variables is set
 */
enum status step_records_path(char **out_path, struct status_detail *why);

/*
 * The record of key in the file at path: *out_best gets its decisions and
 * replay (cap bytes) its replay string, or *out_best gets -1 when it has
 * none (a missing file has none).
 * Returns one of:
 *   STATUS_OK                  *out_best is set
 *   STATUS_UNAVAILABLE         the file cannot be read (why says why)
 */
enum status step_records_get(const char *path, const char *key, long *out_best,
                             char *replay, size_t cap,
                             struct status_detail *why);

/*
 * Saves decisions (and replay) as key's record when it has none or one of
 * more decisions (see Design); *out_before gets the record there was (-1
 * for none), so decisions < *out_before, or -1, means it was saved.
 * Returns one of:
 *   STATUS_OK                  the file holds the better of the two
 *   STATUS_UNAVAILABLE         it could not be read or written (why says
 *                              why); it is as it was
 */
enum status step_records_put(const char *path, const char *key, long decisions,
                             const char *replay, long *out_before,
                             struct status_detail *why);

#endif /* STEP_RECORDS_H */

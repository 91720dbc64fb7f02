/*
 * state: cards' progress and its file (see state.h).
 *
 * Design
 *   The state file is read whole into memory, then split into lines, so
 *   that running out of memory is an error and not an early end of file,
 *   and so that its bytes are at hand for the .bak copy. An index by id
 *   (open addressing, linear probing) keeps loading and merging linear.
 *
 *   A save (struct save) goes through its steps in order, each only when
 *   the one before it worked: make the directories, take the lock, read
 *   the file and PATH.new again, write PATH.new (when a card was marked
 *   new), the .bak and the new file, and the state takes what was
 *   written. The lock is let go whatever happened.
 *
 *   Both files are read by one line reader (parse_lines) and written by
 *   one writer (file_text), sorted by id.
 */
#include "app/recall/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/recall/support.h"

/* Where the state file lives when nothing says otherwise. */
#define STATE_SUBDIR "/.local/state/duplex"

/* The first lines of every state file written. */
static const char state_header[] =
    "# duplex recall progress: CARD-ID BOX DUE-DAY (days since 1970-01-01).\n"
    "# Written by `duplex recall`; safe to edit or delete.\n";

/* The first lines of every PATH.new written. */
static const char new_header[] =
    "# duplex recall: the cards first graded on the latest day a drill\n"
    "# graded one: DAY CARD-ID. They count toward that day's new cards.\n";

enum status recall_state_path(char **out_path, struct status_detail *why)
{
    const char *dir = getenv("DUPLEX_STATE_DIR");
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");

    if (dir != NULL && dir[0] != '\0')
        *out_path = recall_format("%s/%s", dir, RECALL_STATE_FILE);
    else if (xdg != NULL && xdg[0] == '/')
        *out_path = recall_format("%s/duplex/%s", xdg, RECALL_STATE_FILE);
    else if (home != NULL && home[0] != '\0')
        *out_path =
            recall_format("%s%s/%s", home, STATE_SUBDIR, RECALL_STATE_FILE);
    else
        return status_detail_set(why, STATUS_FAILED_PRECONDITION,
                                 "no place for the progress file: set "
                                 "HOME, XDG_STATE_HOME or DUPLEX_STATE_DIR");
    return STATUS_OK;
}

/* The first and last days a state file holds. */
static int64_t day_clamp(int64_t day)
{
    return day < 0 ? 0 : day > RECALL_DAY_MAX ? RECALL_DAY_MAX : day;
}

/*
 * The slot of id in s's index: the one that holds it, or the free one
 * where it would go, counting in *probes the slots looked at. There is a
 * free slot: s->nslots is a power of two, more than twice s->count.
 */
static size_t index_slot(const struct recall_state *s, const char *id,
                         size_t *probes)
{
    size_t mask = s->nslots - 1;
    size_t i = (size_t)recall_hash(id) & mask;

    for (;; i = (i + 1) & mask) {
        size_t k = s->slots[i];

        (*probes)++;
        if (k == 0 || strcmp(s->entries[k - 1].id, id) == 0)
            return i;
    }
}

/* Makes room in s's index for one more entry (doubling it, rehashing). */
static void index_reserve(struct recall_state *s)
{
    size_t i = 0;

    if (2 * (s->count + 1) < s->nslots)
        return;
    free(s->slots);
    s->nslots = s->nslots > 0 ? 2 * s->nslots : 64;
    s->slots = recall_must(calloc(s->nslots, sizeof *s->slots));
    for (i = 0; i < s->count; i++)
        s->slots[index_slot(s, s->entries[i].id, &s->probes)] = i + 1;
}

/* The entry of id in s, or NULL, counting the work in *probes. */
static struct recall_entry *state_lookup(const struct recall_state *s,
                                         const char *id, size_t *probes)
{
    size_t k = 0;

    if (s->nslots == 0)
        return NULL;
    k = s->slots[index_slot(s, id, probes)];
    return k > 0 ? &s->entries[k - 1] : NULL;
}

/* For readers, who keep no count of the work. */
const struct recall_entry *recall_state_find(const struct recall_state *s,
                                             const char *id)
{
    size_t probes = 0;

    return state_lookup(s, id, &probes);
}

/*
 * Adds an entry for id, a new string that s owns from then on. Returns it,
 * or NULL when s has id already (and then the caller keeps the string).
 */
static struct recall_entry *state_add(struct recall_state *s, char *id, int box,
                                      int64_t due)
{
    struct recall_entry *e = NULL;
    size_t slot = 0;

    index_reserve(s);
    slot = index_slot(s, id, &s->probes);
    if (s->slots[slot] != 0)
        return NULL;
    s->entries = recall_grow(s->entries, sizeof *s->entries, s->count, &s->cap);
    e = &s->entries[s->count++];
    memset(e, 0, sizeof *e);
    e->id = id;
    e->box = box;
    e->due = due;
    e->first = RECALL_FIRST_UNKNOWN;
    s->slots[slot] = s->count;
    return e;
}

/* Splits s at blanks: up to 4 fields' starts and lengths; returns how many. */
static int split_fields(const char *s, const char **start, size_t *len)
{
    int n = 0;

    for (s = recall_skip_blanks(s); *s != '\0' && n < 4;
         s = recall_skip_blanks(s)) {
        start[n] = s;
        len[n] = strcspn(s, " \t");
        s += len[n++];
    }
    return n;
}

/* One line of a state file: "ID BOX DUE-DAY", a comment, or blank. */
static enum status state_line(struct recall_state *s, const char *path,
                              int lineno, const char *text,
                              struct status_detail *why)
{
    const char *f[4];
    size_t n[4];
    int64_t box = 0, due = 0;
    char *id = NULL;
    int fields = split_fields(text, f, n);

    if (fields == 0 || f[0][0] == '#')
        return STATUS_OK;
    if (fields != 3)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s:%d: a line reads 'CARD-ID BOX DUE-DAY', "
                                 "not '%.60s'",
                                 path, lineno, text);
    if (!recall_parse_digits(f[1], n[1], RECALL_BOX_MAX, &box) ||
        box < RECALL_BOX_MIN)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s:%d: the box is 1 to 5, not '%.*s'", path,
                                 lineno, (int)(n[1] > 20 ? 20 : n[1]), f[1]);
    if (!recall_parse_digits(f[2], n[2], RECALL_DAY_MAX, &due))
        return status_detail_set(
            why, STATUS_INVALID_ARGUMENT,
            "%s:%d: the due day is a day number (0 to %lld), not '%.*s'", path,
            lineno, (long long)RECALL_DAY_MAX, (int)(n[2] > 20 ? 20 : n[2]),
            f[2]);
    id = recall_copy_n(f[0], n[0]);
    if (state_add(s, id, (int)box, due) == NULL) {
        status_detail_set(why, STATUS_INVALID_ARGUMENT,
                          "%s:%d: a second line for %.100s (the first one "
                          "counts)",
                          path, lineno, id);
        free(id);
        return STATUS_INVALID_ARGUMENT;
    }
    return STATUS_OK;
}

/* What reads one line of a file into s (state_line, new_line). */
typedef enum status (*line_fn)(struct recall_state *s, const char *path,
                               int lineno, const char *text,
                               struct status_detail *why);

/*
 * Reads the lines of a file's text into s with fn; a line fn refuses is
 * reported on warn. Returns how many it refused.
 */
static size_t parse_lines(struct recall_state *s, char *text, size_t len,
                          const char *path, FILE *warn, line_fn fn)
{
    struct status_detail why;
    char *line = text;
    char *end = text + len;
    size_t refused = 0;
    int lineno = 0;

    while (line < end) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        char *stop = nl != NULL ? nl : end;
        char was = 0;

        while (stop > line && stop[-1] == '\r')
            stop--;
        /* The line as a string for a moment; text stays as it was read. */
        was = *stop;
        *stop = '\0';
        if (fn(s, path, ++lineno, line, &why) != STATUS_OK) {
            recall_report(warn, &why, "line skipped");
            refused++;
        }
        *stop = was;
        line = nl != NULL ? nl + 1 : end;
    }
    return refused;
}

/* Reads the lines of a state file's text into s; bad lines go to warn. */
static void state_parse(struct recall_state *s, char *text, size_t len,
                        const char *path, FILE *warn)
{
    s->skipped += parse_lines(s, text, len, path, warn, state_line);
}

/*
 * One line of PATH.new: "DAY ID", a comment, or blank. A card s does not
 * hold is no error: it counts for nothing (see New cards in state.h).
 */
static enum status new_line(struct recall_state *s, const char *path,
                            int lineno, const char *text,
                            struct status_detail *why)
{
    const char *f[4];
    size_t n[4];
    int64_t day = 0;
    char *id = NULL;
    struct recall_entry *e = NULL;
    int fields = split_fields(text, f, n);

    if (fields == 0 || f[0][0] == '#')
        return STATUS_OK;
    if (fields != 2 || !recall_parse_digits(f[0], n[0], RECALL_DAY_MAX, &day))
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s:%d: a line reads 'DAY CARD-ID', not "
                                 "'%.60s'",
                                 path, lineno, text);
    id = recall_copy_n(f[1], n[1]);
    e = state_lookup(s, id, &s->probes);
    if (e != NULL && e->first == RECALL_FIRST_UNKNOWN)
        e->first = day;
    free(id);
    return STATUS_OK;
}

/* A file's bytes, as file_read found them. */
struct file_bytes {
    char *text; /* len bytes and a NUL; NULL when there is no file */
    size_t len;
    mode_t mode; /* its permission bits */
};

/* Doubles the room of *text. 0, or ENOMEM (and *text is as it was). */
static int more_room(char **text, size_t *cap)
{
    char *more = *cap <= SIZE_MAX / 2 ? realloc(*text, 2 * *cap) : NULL;

    if (more == NULL)
        return ENOMEM;
    *text = more;
    *cap *= 2;
    return 0;
}

/*
 * Reads fd to its end into a new string, starting with cap bytes of room.
 * Returns 0, or an errno value: ENOMEM when it does not fit in memory,
 * which is a failure here and not an abort (see recall.h).
 */
static int read_all(int fd, size_t cap, char **out_text, size_t *out_len)
{
    char *text = malloc(cap);
    size_t len = 0;
    int e = text == NULL ? ENOMEM : 0;

    while (e == 0) {
        ssize_t n = 0;

        if (len + 1 == cap && (e = more_room(&text, &cap)) != 0)
            break;
        n = read(fd, text + len, cap - len - 1);
        if (n == 0)
            break;
        if (n > 0)
            len += (size_t)n;
        else if (errno != EINTR)
            e = errno;
    }
    if (e != 0) {
        free(text);
        return e;
    }
    text[len] = '\0';
    *out_text = text;
    *out_len = len;
    return 0;
}

/*
 * Reads the whole file at path into *out (text NULL when there is no
 * file). Returns 0 or an errno value, with *out_partial set when the file
 * opened but could not be read whole.
 */
static int file_read(const char *path, struct file_bytes *out, int *out_partial)
{
    struct file_bytes b = {NULL, 0, 0};
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int e = fd < 0 ? errno : 0;

    *out_partial = fd >= 0;
    if (fd >= 0 && fstat(fd, &sb) != 0)
        e = errno;
    if (fd >= 0 && e == 0) {
        /* Room for the bytes, the NUL, and one more to find the end in. */
        b.mode = sb.st_mode & 0777;
        e = read_all(fd, sb.st_size > 0 ? (size_t)sb.st_size + 2 : 4096,
                     &b.text, &b.len);
    }
    if (fd >= 0)
        close(fd);
    if (e == ENOENT && fd < 0)
        e = 0; /* no file: nothing to read */
    if (e == 0)
        *out = b;
    return e;
}

/*
 * Reads the whole file at path into *out (text NULL: no file), or says
 * why it cannot in why.
 */
static enum status load_bytes(const char *path, struct file_bytes *out,
                              struct status_detail *why)
{
    int partial = 0;
    int e = file_read(path, out, &partial);

    /* Keeping half a file would lose the rest at the next save. */
    if (e != 0 && partial)
        return status_detail_set(why, recall_errno_status(e),
                                 "cannot read all of %s: %s; it is left as "
                                 "it is",
                                 path, strerror(e));
    if (e != 0)
        return status_detail_set(why, recall_errno_status(e),
                                 "cannot read %s: %s", path, strerror(e));
    return STATUS_OK;
}

enum status recall_state_load(const char *path, FILE *warn,
                              struct recall_state **out_state,
                              struct status_detail *why)
{
    char *new_path = recall_format("%s%s", path, RECALL_NEW_SUFFIX);
    struct file_bytes b = {NULL, 0, 0}, n = {NULL, 0, 0};
    struct recall_state *s = NULL;
    enum status st = load_bytes(path, &b, why);

    if (st == STATUS_OK)
        st = load_bytes(new_path, &n, why);
    if (st == STATUS_OK) {
        s = recall_must(calloc(1, sizeof *s));
        if (b.text != NULL)
            state_parse(s, b.text, b.len, path, warn);
        /* After the state: its lines name the cards PATH.new may count. */
        if (n.text != NULL)
            parse_lines(s, n.text, n.len, new_path, warn, new_line);
        *out_state = s;
    }
    free(b.text);
    free(n.text);
    free(new_path);
    return st;
}

void recall_state_destroy(struct recall_state *s)
{
    size_t i = 0;

    if (s == NULL)
        return;
    for (i = 0; i < s->count; i++)
        free(s->entries[i].id);
    free(s->entries);
    free(s->slots);
    free(s);
}

/* The directory part of path ("." when there is none). */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        return recall_copy(".");
    return recall_copy_n(path, slash == path ? 1 : (size_t)(slash - path));
}

/* mkdir -p dir, mode 0700 for what it creates. */
static enum status make_dirs(const char *dir, struct status_detail *why)
{
    char *p = recall_copy(dir);
    char *s = p;
    struct stat sb;
    enum status st = STATUS_OK;

    for (;;) {
        s = strchr(s + 1, '/');
        if (s != NULL)
            *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            st = status_detail_set(why, recall_errno_status(errno),
                                   "cannot create %s: %s", p, strerror(errno));
            break;
        }
        if (s == NULL)
            break;
        *s = '/';
    }
    if (st == STATUS_OK && stat(dir, &sb) != 0)
        st = status_detail_set(why, recall_errno_status(errno),
                               "cannot create %s: %s", dir, strerror(errno));
    else if (st == STATUS_OK && !S_ISDIR(sb.st_mode))
        st = status_detail_set(why, STATUS_UNAVAILABLE, "cannot create %s: %s",
                               dir, strerror(ENOTDIR));
    free(p);
    return st;
}

enum status recall_state_prepare(const char *path, struct status_detail *why)
{
    char *dir = dir_of(path);
    enum status st = make_dirs(dir, why);

    if (st == STATUS_OK && access(dir, W_OK) != 0)
        st = status_detail_set(why, recall_errno_status(errno),
                               "cannot write in %s: %s", dir, strerror(errno));
    free(dir);
    return st;
}

static int compare_entries(const void *a, const void *b)
{
    const struct recall_entry *x = *(const struct recall_entry *const *)a;
    const struct recall_entry *y = *(const struct recall_entry *const *)b;

    return strcmp(x->id, y->id);
}

/*
 * A file's text, its lines sorted by id: the state file's when day is
 * RECALL_FIRST_UNKNOWN (every entry, "ID BOX DUE-DAY"), else PATH.new's
 * (the entries first graded on day, "DAY ID"). A new string, its length
 * in *len.
 */
static char *file_text(const struct recall_state *s, int64_t day, size_t *len)
{
    int all = day == RECALL_FIRST_UNKNOWN;
    const struct recall_entry **sorted = NULL;
    char *text = NULL;
    FILE *f = recall_must(open_memstream(&text, len));
    size_t i = 0, n = 0;

    sorted = recall_must(calloc(s->count + 1, sizeof *sorted));
    for (i = 0; i < s->count; i++)
        if (all || s->entries[i].first == day)
            sorted[n++] = &s->entries[i];
    qsort(sorted, n, sizeof *sorted, compare_entries);
    fputs(all ? state_header : new_header, f);
    for (i = 0; i < n; i++)
        if (all)
            fprintf(f, "%s %d %lld\n", sorted[i]->id, sorted[i]->box,
                    (long long)sorted[i]->due);
        else
            fprintf(f, "%lld %s\n", (long long)day, sorted[i]->id);
    fclose(f);
    free(sorted);
    return recall_must(text);
}

/* Writes len bytes to fd and flushes them to disk. 0 with errno on error. */
static int write_synced(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return 0;
        p += n;
        len -= (size_t)n;
    }
    return fsync(fd) == 0;
}

/*
 * Writes len bytes of text to path atomically, with permissions mode: to
 * a temporary file in dir (path's directory), flushed to disk, renamed
 * over path. On failure path is untouched and the temporary file removed.
 */
static enum status file_replace(const char *path, const char *dir,
                                const char *text, size_t len, mode_t mode,
                                struct status_detail *why)
{
    char *tmp = recall_format("%s.XXXXXX", path);
    enum status st = STATUS_OK;
    int fd = mkstemp(tmp);

    if (fd < 0) {
        st = status_detail_set(why, recall_errno_status(errno),
                               "cannot write in %s: %s", dir, strerror(errno));
    } else {
        int ok = fchmod(fd, mode) == 0 && write_synced(fd, text, len);
        int e = errno;

        if (close(fd) != 0 && ok) {
            ok = 0;
            e = errno;
        }
        if (ok && rename(tmp, path) != 0) {
            ok = 0;
            e = errno;
        }
        if (!ok) {
            unlink(tmp);
            st = status_detail_set(why, recall_errno_status(e),
                                   "cannot save %s: %s", path, strerror(e));
        }
    }
    free(tmp);
    return st;
}

/* A save in progress (recall_state_save). */
struct save {
    char *dir;                 /* the state file's directory */
    char *lock;                /* path.lock */
    char *new_path;            /* path.new */
    int lock_fd;               /* -1 until the lock is held */
    struct file_bytes old;     /* the file as it is (text NULL: none) */
    struct recall_state *disk; /* what it holds, then what is written */
};

/* Waits for an fcntl lock on fd. 0, or -1 with errno. */
static int lock_wait(int fd)
{
    struct flock fl;

    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    while (fcntl(fd, F_SETLKW, &fl) != 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

/*
 * Takes the save lock: an fcntl write lock on v->lock, made if missing.
 * Its holder removes the file before letting go, so a save that waited on
 * a removed file tries again on the one now there. fcntl locks belong to
 * processes: this orders drills, and a drill that dies lets go (the file
 * it leaves is harmless: the next save locks it, then removes it).
 */
static enum status lock_take(struct save *v, struct status_detail *why)
{
    struct stat held, now;

    for (;;) {
        int fd = open(v->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        int e = 0;

        if (fd < 0 || lock_wait(fd) != 0 || fstat(fd, &held) != 0) {
            e = errno;
            if (fd >= 0)
                close(fd);
            return status_detail_set(why, recall_errno_status(e),
                                     "cannot lock %s: %s", v->lock,
                                     strerror(e));
        }
        if (stat(v->lock, &now) == 0 && now.st_dev == held.st_dev &&
            now.st_ino == held.st_ino) {
            v->lock_fd = fd;
            return STATUS_OK;
        }
        close(fd);
    }
}

/*
 * Reads path and path.new again, under the lock: what another drill saved
 * is in them.
 */
static enum status save_reread(struct save *v, const char *path,
                               struct status_detail *why)
{
    struct file_bytes n = {NULL, 0, 0};
    const char *failed = path;
    int partial = 0;
    int e = file_read(path, &v->old, &partial);

    if (e == 0 && (e = file_read(v->new_path, &n, &partial)) != 0)
        failed = v->new_path;
    if (e != 0)
        return status_detail_set(why, recall_errno_status(e),
                                 "cannot save %s: %s%s", failed, strerror(e),
                                 partial ? " (it cannot be read again whole, "
                                           "so it is left as it is)"
                                         : "");
    v->disk = recall_must(calloc(1, sizeof *v->disk));
    if (v->old.text != NULL)
        state_parse(v->disk, v->old.text, v->old.len, path, NULL);
    if (n.text != NULL)
        parse_lines(v->disk, n.text, n.len, v->new_path, NULL, new_line);
    free(n.text);
    return STATUS_OK;
}

/* Sets the entry of e->id in s to e's box and due day (and first day). */
static void state_put(struct recall_state *s, const struct recall_entry *e)
{
    struct recall_entry *to = state_lookup(s, e->id, &s->probes);

    if (to == NULL)
        to = state_add(s, recall_copy(e->id), e->box, e->due);
    to->box = e->box;
    to->due = e->due;
    if (e->marked)
        to->first = e->first;
}

/* The latest day s marked a card new (RECALL_FIRST_UNKNOWN: none). */
static int64_t marked_day(const struct recall_state *s)
{
    int64_t day = RECALL_FIRST_UNKNOWN;
    size_t i = 0;

    for (i = 0; i < s->count; i++)
        if (s->entries[i].marked && s->entries[i].first > day)
            day = s->entries[i].first;
    return day;
}

/*
 * Puts the unsaved grades of s in v->disk and writes it over path, after
 * keeping the old file as path.bak if it had lines that were skipped.
 */
static enum status save_write(struct save *v, const struct recall_state *s,
                              const char *path, struct status_detail *why)
{
    mode_t mode = v->old.text != NULL ? v->old.mode : 0600;
    enum status st = STATUS_OK;
    char *text = NULL;
    size_t len = 0, i = 0;

    for (i = 0; i < s->count; i++)
        if (s->entries[i].unsaved)
            state_put(v->disk, &s->entries[i]);
    /* PATH.new first: a card it names counts only once the state has it. */
    if (marked_day(s) != RECALL_FIRST_UNKNOWN) {
        text = file_text(v->disk, marked_day(s), &len);
        st = file_replace(v->new_path, v->dir, text, len, mode, why);
        free(text);
        text = NULL;
    }
    if (st == STATUS_OK && v->disk->skipped > 0) {
        char *bak = recall_format("%s%s", path, RECALL_BACKUP_SUFFIX);

        st = file_replace(bak, v->dir, v->old.text, v->old.len, mode, why);
        free(bak);
    }
    if (st == STATUS_OK) {
        text = file_text(v->disk, RECALL_FIRST_UNKNOWN, &len);
        st = file_replace(path, v->dir, text, len, mode, why);
    }
    free(text);
    return st;
}

/* s becomes from, what a save wrote; from gets what s had, to destroy. */
static void state_take(struct recall_state *s, struct recall_state *from)
{
    struct recall_state was = *s;

    *s = *from;
    s->skipped = was.skipped;
    s->backed_up = from->skipped;
    s->probes = was.probes + from->probes;
    *from = was;
}

enum status recall_state_save(struct recall_state *s, const char *path,
                              struct status_detail *why)
{
    struct save v;
    enum status st = STATUS_OK;

    memset(&v, 0, sizeof v);
    v.dir = dir_of(path);
    v.lock = recall_format("%s.lock", path);
    v.new_path = recall_format("%s%s", path, RECALL_NEW_SUFFIX);
    v.lock_fd = -1;
    st = make_dirs(v.dir, why);
    if (st == STATUS_OK)
        st = lock_take(&v, why);
    if (st == STATUS_OK)
        st = save_reread(&v, path, why);
    if (st == STATUS_OK)
        st = save_write(&v, s, path, why);
    if (st == STATUS_OK)
        state_take(s, v.disk);
    if (v.lock_fd >= 0) {
        unlink(v.lock); /* before letting go: see lock_take */
        close(v.lock_fd);
    }
    recall_state_destroy(v.disk);
    free(v.old.text);
    free(v.new_path);
    free(v.lock);
    free(v.dir);
    return st;
}

const struct recall_entry *recall_state_grade(struct recall_state *s,
                                              const char *id,
                                              enum recall_grade g,
                                              int64_t today)
{
    struct recall_entry *e = state_lookup(s, id, &s->probes);

    if (e == NULL)
        e = state_add(s, recall_copy(id), RECALL_BOX_MIN, 0);
    e->box = recall_box_after(e->box, g);
    /* Never a day the next load would reject. */
    e->due = day_clamp(day_clamp(today) + recall_box_days(e->box));
    e->unsaved = 1;
    return e;
}

void recall_state_mark_new(struct recall_state *s, const char *id,
                           int64_t today)
{
    struct recall_entry *e = state_lookup(s, id, &s->probes);

    if (e == NULL)
        return;
    e->first = day_clamp(today);
    e->marked = 1;
    e->unsaved = 1;
}

size_t recall_state_new_on(const struct recall_state *s, int64_t day)
{
    size_t n = 0, i = 0;

    for (i = 0; i < s->count; i++)
        n += s->entries[i].first == day;
    return n;
}

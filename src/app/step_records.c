/*
 * step_records: the challenge records file (see step_records.h).
 *
 * Design
 *   The file is small (a line per challenge tried), so a save reads it
 *   whole, builds the new text in memory with one line changed, and
 *   replaces the file at once. A save goes through its steps in order,
 *   each only when the one before worked: make the directories, take the
 *   lock, read the file, write the new one. The lock is let go whatever
 *   happened.
 */
#include "app/step_records.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a records file starts with when this file makes it. */
static const char records_header[] =
    "# duplex step: the fewest decisions each challenge was reached in.\n"
    "# KEY DECISIONS REPLAY; written by `duplex step`, safe to edit.\n";

/* A file's bytes (text NULL: there is no file) and its permissions. */
struct file_text {
    char *text;
    size_t len;
    mode_t mode;
};

/* A new string: dir + tail. NULL when out of memory. */
static char *joined(const char *dir, const char *tail)
{
    size_t n = strlen(dir) + strlen(tail) + 1;
    char *s = malloc(n);

    if (s != NULL)
        snprintf(s, n, "%s%s", dir, tail);
    return s;
}

enum status step_records_path(char **out_path, struct status_detail *why)
{
    const char *dir = getenv("DUPLEX_STATE_DIR");
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char *path = NULL;

    if (dir != NULL && dir[0] != '\0')
        path = joined(dir, "/" STEP_RECORDS_FILE);
    else if (xdg != NULL && xdg[0] == '/')
        path = joined(xdg, "/duplex/" STEP_RECORDS_FILE);
    else if (home != NULL && home[0] != '\0')
        path = joined(home, "/.local/state/duplex/" STEP_RECORDS_FILE);
    else
        return status_detail_set(why, STATUS_FAILED_PRECONDITION,
                                 "no place for the records file: set "
                                 "HOME, XDG_STATE_HOME or DUPLEX_STATE_DIR");
    if (path == NULL)
        return status_detail_set(why, STATUS_FAILED_PRECONDITION,
                                 "out of memory");
    *out_path = path;
    return STATUS_OK;
}

/*
 * f, read from path, holds a NUL byte: no line after it could be seen or
 * kept, so the file is treated as one that cannot be read.
 */
static enum status not_text(const char *path, struct file_text *f,
                            struct status_detail *why)
{
    size_t at = strlen(f->text);

    free(f->text);
    f->text = NULL;
    return status_detail_set(why, STATUS_UNAVAILABLE,
                             "cannot read %s: byte %zu is a NUL, so it is "
                             "no text file (it is left as it is)",
                             path, at);
}

/*
 * Reads the file at path whole. A missing one leaves f->text NULL; one
 * with a NUL byte is an error.
 */
static enum status read_text(const char *path, struct file_text *f,
                             struct status_detail *why)
{
    struct stat sb;
    ssize_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    memset(f, 0, sizeof *f);
    f->mode = 0600;
    if (fd < 0 && errno == ENOENT)
        return STATUS_OK;
    if (fd < 0 || fstat(fd, &sb) != 0)
        goto fail;
    f->mode = sb.st_mode & 07777;
    f->text = malloc((size_t)sb.st_size + 1);
    if (f->text == NULL) {
        errno = ENOMEM;
        goto fail;
    }
    while ((n = read(fd, f->text + f->len, (size_t)sb.st_size - f->len)) > 0)
        f->len += (size_t)n;
    if (n < 0 || f->len != (size_t)sb.st_size)
        goto fail; /* an error, or the file changed under the lock */
    f->text[f->len] = '\0';
    close(fd);
    return strlen(f->text) == f->len ? STATUS_OK : not_text(path, f, why);
fail:
    status_detail_set(why, STATUS_UNAVAILABLE, "cannot read %s: %s", path,
                      n < 0 || fd < 0 || f->text == NULL ? strerror(errno)
                                                         : "it changed");
    if (fd >= 0)
        close(fd);
    free(f->text);
    f->text = NULL;
    return STATUS_UNAVAILABLE;
}

/*
 * The line of key in text: its start (*at, *len including the '\n') and
 * its decisions (*best, -1 when the number is bad) and replay; 0 if none.
 */
static int find_line(const char *text, const char *key, size_t *at, size_t *len,
                     long *best, char *replay, size_t cap)
{
    size_t klen = strlen(key);
    const char *p = text;

    for (; p != NULL && *p != '\0'; p = strchr(p, '\n'), p += p != NULL) {
        const char *end = strchr(p, '\n');
        char *stop = NULL;
        size_t n = 0;

        if (strncmp(p, key, klen) != 0 || p[klen] != ' ')
            continue;
        *at = (size_t)(p - text);
        *len = end != NULL ? (size_t)(end - p) + 1 : strlen(p);
        *best = strtol(p + klen + 1, &stop, 10);
        if (stop == p + klen + 1 || *best < 0)
            *best = -1;
        if (replay != NULL && cap > 0) {
            stop += strspn(stop, " ");
            n = strcspn(stop, " \n");
            n = n < cap - 1 ? n : cap - 1;
            memcpy(replay, stop, n);
            replay[n] = '\0';
        }
        return 1;
    }
    return 0;
}

enum status step_records_get(const char *path, const char *key, long *out_best,
                             char *replay, size_t cap,
                             struct status_detail *why)
{
    struct file_text f;
    size_t at = 0, len = 0;
    long best = -1;

    if (read_text(path, &f, why) != STATUS_OK)
        return STATUS_UNAVAILABLE;
    if (f.text == NULL ||
        !find_line(f.text, key, &at, &len, &best, replay, cap))
        best = -1;
    free(f.text);
    *out_best = best;
    return STATUS_OK;
}

/* Makes dir and its parents (mode 0700) where missing. */
static enum status make_dirs(const char *path, struct status_detail *why)
{
    char *dir = joined(path, "");
    char *p = dir;
    enum status st = STATUS_OK;

    if (dir == NULL)
        return status_detail_set(why, STATUS_UNAVAILABLE, "out of memory");
    *strrchr(dir, '/') = '\0'; /* path has a '/': see step_records_path */
    while (st == STATUS_OK && (p = strchr(p + 1, '/')) != NULL) {
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            st = status_detail_set(why, STATUS_UNAVAILABLE,
                                   "cannot make %s: %s", dir, strerror(errno));
        *p = '/';
    }
    if (st == STATUS_OK && dir[0] != '\0' && mkdir(dir, 0700) != 0 &&
        errno != EEXIST)
        st = status_detail_set(why, STATUS_UNAVAILABLE, "cannot make %s: %s",
                               dir, strerror(errno));
    free(dir);
    return st;
}

/* Takes the lock on path.lock: its descriptor, or -1 (why says why). */
static int lock_take(const char *path, struct status_detail *why)
{
    char *lock = joined(path, ".lock");
    struct flock fl;
    int fd = lock != NULL ? open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600) : -1;
    int rc = -1;

    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fd >= 0)
        while ((rc = fcntl(fd, F_SETLKW, &fl)) != 0 && errno == EINTR)
            ;
    if (rc == 0) {
        free(lock);
        return fd;
    }
    status_detail_set(why, STATUS_UNAVAILABLE, "cannot lock %s: %s",
                      lock != NULL ? lock : path, strerror(errno));
    if (fd >= 0)
        close(fd);
    free(lock);
    return -1;
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

/* Replaces path with text, atomically (see Design). */
static enum status replace(const char *path, const char *text, size_t len,
                           mode_t mode, struct status_detail *why)
{
    char *tmp = joined(path, ".XXXXXX");
    int fd = tmp != NULL ? mkstemp(tmp) : -1;
    int ok = fd >= 0 && fchmod(fd, mode) == 0 && write_synced(fd, text, len);
    int e = errno;

    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        e = errno;
    }
    if (!ok && fd >= 0)
        unlink(tmp);
    free(tmp);
    if (!ok)
        return status_detail_set(why, STATUS_UNAVAILABLE, "cannot save %s: %s",
                                 path, strerror(e));
    return STATUS_OK;
}

/*
 * The new text: f's with key's line replaced (or added) by "key decisions
 * replay". A new string, or NULL when out of memory.
 */
static char *with_record(const struct file_text *f, const char *key,
                         long decisions, const char *replay, long *before,
                         size_t *out_len)
{
    const char *old = f->text != NULL ? f->text : records_header;
    const char *shown = replay[0] != '\0' ? replay : "-";
    size_t at = strlen(old), len = 0;
    int n = snprintf(NULL, 0, "%s %ld %s\n", key, decisions, shown);
    char *text = NULL;

    *before = -1;
    if (!find_line(old, key, &at, &len, before, NULL, 0))
        *before = -1;
    /* Room for all, and for a '\n' ending a last line that had none. */
    text = n < 0 ? NULL : malloc(strlen(old) - len + (size_t)n + 2);
    if (text == NULL)
        return NULL;
    memcpy(text, old, at);
    *out_len = at;
    if (at > 0 && text[at - 1] != '\n' && len == 0)
        text[(*out_len)++] = '\n';
    snprintf(text + *out_len, (size_t)n + 1, "%s %ld %s\n", key, decisions,
             shown);
    *out_len += (size_t)n;
    memcpy(text + *out_len, old + at + len, strlen(old + at + len));
    *out_len += strlen(old + at + len);
    text[*out_len] = '\0';
    return text;
}

enum status step_records_put(const char *path, const char *key, long decisions,
                             const char *replay, long *out_before,
                             struct status_detail *why)
{
    struct file_text f;
    enum status st = make_dirs(path, why);
    int lock = st == STATUS_OK ? lock_take(path, why) : -1;
    long before = -1;
    char *text = NULL;
    size_t len = 0;

    memset(&f, 0, sizeof f);
    if (lock < 0)
        return STATUS_UNAVAILABLE;
    st = read_text(path, &f, why);
    if (st == STATUS_OK) {
        text = with_record(&f, key, decisions, replay, &before, &len);
        if (text == NULL)
            st = status_detail_set(why, STATUS_UNAVAILABLE, "out of memory");
    }
    if (st == STATUS_OK && (before < 0 || decisions < before))
        st = replace(path, text, len, f.mode, why);
    if (st == STATUS_OK)
        *out_before = before;
    free(text);
    free(f.text);
    close(lock);
    return st;
}

/*
 * recall: the lessons' active-recall cards, drilled with Leitner boxes.
 *
 * Design
 *   Four parts, each reading only what the one before it made:
 *     lessons -> deck     a line-by-line reader per lesson file (struct
 *                         lesson) that follows one card at a time through
 *                         the phases question, answer, proof;
 *     state file -> state one "ID BOX DUE-DAY" line per card;
 *     deck + state -> plan today's cards, in order;
 *     plan -> drill       one card at a time: question, Enter, answer and
 *                         proof, grade, save.
 *   Problems in the lessons or the state file are reported line by line
 *   ("FILE:LINE: ...") and skipped, so one typo never hides the rest of the
 *   cards or loses a learner's progress. Only what stops everything (no
 *   lesson directory, a state file that cannot be read or written) is a
 *   failing status.
 *
 *   Keys: on a terminal the drill switches off line editing and echo, so
 *   a single key grades (and prints its own echo: the same transcript as
 *   a scripted run). ISIG is off too, so Ctrl-C arrives as a key and quits
 *   through the same path as q. A signal sent from outside (SIGTERM from
 *   kill, SIGHUP from a closed terminal window) cannot take that path: a
 *   handler puts the terminal back and lets the signal end the process.
 *   The terminal it restores is this file's one global, since a handler
 *   can reach nothing else.
 *
 *   The state file is read whole into memory, then split into lines, so
 *   that running out of memory is an error and not an early end of file,
 *   and so that its bytes are at hand for the .bak copy. An index by id
 *   (open addressing, linear probing) keeps loading and merging linear.
 */
#include "app/recall.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Where the state file lives when nothing says otherwise. */
#define STATE_SUBDIR "/.local/state/duplex"

/* The first lines of every state file written. */
static const char state_header[] =
    "# duplex recall progress: CARD-ID BOX DUE-DAY (days since 1970-01-01).\n"
    "# Written by `duplex recall`; safe to edit or delete.\n";

/* The width the answers are wrapped to. */
enum { WRAP_COLUMNS = 76 };

/* ---- small helpers ------------------------------------------------------ */

/* Returns p, or aborts when an allocation failed (see recall.h). */
static void *must(void *p)
{
    if (p == NULL) {
        fputs("duplex recall: out of memory\n", stderr);
        abort();
    }
    return p;
}

static char *copy_n(const char *s, size_t n)
{
    char *p = must(malloc(n + 1));

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static char *copy(const char *s)
{
    return copy_n(s, strlen(s));
}

/* A new string, printf-style. */
static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *format(const char *fmt, ...)
{
    va_list ap;
    char *p = NULL;
    int n = 0;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    p = must(malloc((size_t)n + 1));
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/*
 * Returns items (an array of *cap elements of size bytes, count in use)
 * with room for one more, reallocated and *cap doubled when it was full.
 */
static void *grow(void *items, size_t size, size_t count, size_t *cap)
{
    if (count < *cap)
        return items;
    *cap = *cap ? *cap * 2 : 16;
    return must(realloc(items, *cap * size));
}

static const char *skip_blanks(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* The length of s without its trailing blanks. */
static size_t trimmed_len(const char *s)
{
    size_t n = strlen(s);

    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return n;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "/" to put between dir and a name in it, "" when dir ends with one. */
static const char *slash(const char *dir)
{
    size_t n = strlen(dir);

    return n > 0 && dir[n - 1] == '/' ? "" : "/";
}

/*
 * The length of the character at p if a terminal only shows it: 1 for a
 * tab or printable ASCII, 2 to 4 for well-formed UTF-8 that is not a C1
 * control (U+0080..U+009F); 0 for a control byte, DEL or broken UTF-8.
 */
static size_t printable_len(const unsigned char *p)
{
    size_t n = 0, i = 0;

    if (*p == '\t' || (*p >= 0x20 && *p < 0x7f))
        return 1;
    if (*p >= 0xc2 && *p <= 0xdf)
        n = 2;
    else if (*p >= 0xe0 && *p <= 0xef)
        n = 3;
    else if (*p >= 0xf0 && *p <= 0xf4)
        n = 4;
    else
        return 0;
    for (i = 1; i < n; i++) /* stops at the NUL, a non-continuation byte */
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((p[0] == 0xc2 && p[1] < 0xa0) || (p[0] == 0xe0 && p[1] < 0xa0) ||
        (p[0] == 0xed && p[1] > 0x9f) || (p[0] == 0xf0 && p[1] < 0x90) ||
        (p[0] == 0xf4 && p[1] > 0x8f))
        return 0; /* C1, overlong, surrogate, or past U+10FFFF */
    return n;
}

/*
 * Prints text to f with every byte a terminal would act on (ESC, BEL,
 * backspace, a C1 control...) shown as \xNN: what is quoted from a file
 * may hold anything, and must not move the cursor or recolour the screen.
 */
static void print_escaped(FILE *f, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;

    while (*p != '\0') {
        size_t n = printable_len(p);

        if (n == 0) {
            fprintf(f, "\\x%02x", *p);
            n = 1;
        } else {
            fwrite(p, 1, n, f);
        }
        p += n;
    }
}

/* Prints a problem and what was done about it to warn (NULL: nowhere). */
static void report(FILE *warn, const struct status_detail *why,
                   const char *what)
{
    if (warn == NULL)
        return;
    print_escaped(warn, why->text);
    fprintf(warn, "; %s\n", what);
}

/* 64-bit FNV-1a: ids and seeded ties, the same on every machine. */
static uint64_t hash(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037);

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

/* splitmix64's finaliser: a seed and an id mixed into a tie-breaker. */
static uint64_t mix(uint64_t x)
{
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* Parses n digits of s as a number in [0, hi]. Returns 1 and sets *out. */
static int parse_day(const char *s, size_t n, int64_t hi, int64_t *out)
{
    int64_t v = 0;
    size_t i = 0;

    if (n == 0 || n > 18)
        return 0;
    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    if (v > hi)
        return 0;
    *out = v;
    return 1;
}

/* Read, write, create and rename errors, as statuses. */
static enum status errno_status(int e)
{
    if (e == EACCES || e == EPERM || e == EROFS)
        return STATUS_PERMISSION_DENIED;
    if (e == ENOMEM)
        return STATUS_RESOURCE_EXHAUSTED;
    return STATUS_UNAVAILABLE;
}

/* ---- days --------------------------------------------------------------- */

/*
 * Days since 1970-01-01 of a date in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil), for years from 1970 on: eras of 400
 * years, years that start in March so the leap day comes last.
 */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era = 0;
    int64_t yoe = 0;
    int64_t doy = 0;

    y -= m <= 2;
    era = y / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

void recall_day_date(int64_t day, char *buf, size_t size)
{
    int64_t z = day + 719468;
    int64_t era = z / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;

    snprintf(buf, size, "%04lld-%02lld-%02lld",
             (long long)(yoe + era * 400 + (m <= 2)), (long long)m,
             (long long)d);
}

enum status recall_today(int64_t *out_day, struct status_detail *why)
{
    const char *env = getenv("DUPLEX_TODAY");
    time_t now = 0;
    struct tm tm;
    int64_t day = 0;

    if (env != NULL && env[0] != '\0') {
        if (!parse_day(env, strlen(env), RECALL_DAY_MAX, &day))
            return status_detail_set(
                why, STATUS_INVALID_ARGUMENT,
                "DUPLEX_TODAY wants a day number from 0 to %lld (days "
                "since 1970-01-01), not '%.40s'",
                (long long)RECALL_DAY_MAX, env);
        *out_day = day;
        return STATUS_OK;
    }
    now = time(NULL);
    if (now == (time_t)-1 || localtime_r(&now, &tm) == NULL)
        return status_detail_set(why, STATUS_UNAVAILABLE,
                                 "cannot read the clock: %s", strerror(errno));
    *out_day = days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return STATUS_OK;
}

/* "today", "tomorrow", "3 days ago", "in 4 days". */
static void describe_day(int64_t day, int64_t today, char *buf, size_t size)
{
    int64_t n = day > today ? day - today : today - day;

    if (n == 0)
        snprintf(buf, size, "today");
    else if (n == 1)
        snprintf(buf, size, day > today ? "tomorrow" : "yesterday");
    else if (day > today)
        snprintf(buf, size, "in %lld days", (long long)n);
    else
        snprintf(buf, size, "%lld days ago", (long long)n);
}

/* ---- Leitner boxes ------------------------------------------------------ */

int recall_box_days(int box)
{
    if (box < RECALL_BOX_MIN)
        box = RECALL_BOX_MIN;
    if (box > RECALL_BOX_MAX)
        box = RECALL_BOX_MAX;
    return 1 << (box - 1);
}

int recall_box_after(int box, enum recall_grade g)
{
    int next = 0;

    if (box < RECALL_BOX_MIN) /* a box that is not one: start over */
        box = RECALL_BOX_MIN;
    if (box > RECALL_BOX_MAX)
        box = RECALL_BOX_MAX;
    next = box;

    if (g == RECALL_AGAIN)
        next = RECALL_BOX_MIN;
    else if (g == RECALL_GOOD)
        next = box + 1;
    else if (g == RECALL_EASY)
        next = box + 2;
    return next > RECALL_BOX_MAX ? RECALL_BOX_MAX : next;
}

const char *recall_grade_name(enum recall_grade g)
{
    switch (g) {
    case RECALL_AGAIN: return "again";
    case RECALL_HARD: return "hard";
    case RECALL_GOOD: return "good";
    case RECALL_EASY: return "easy";
    }
    return "?";
}

enum status recall_grade_parse(const char *text, enum recall_grade *out_grade)
{
    static const char keys[] = "ahge";
    const char *s = skip_blanks(text);
    size_t n = trimmed_len(s);
    int g = 0;

    for (g = RECALL_AGAIN; g <= RECALL_EASY; g++) {
        const char *name = recall_grade_name((enum recall_grade)g);
        int one = n == 1 &&
                  (tolower((unsigned char)s[0]) == keys[g] || s[0] == '1' + g);

        if (one || (n == strlen(name) && strncasecmp(s, name, n) == 0)) {
            *out_grade = (enum recall_grade)g;
            return STATUS_OK;
        }
    }
    return STATUS_INVALID_ARGUMENT;
}

/* ---- lessons -> deck ---------------------------------------------------- */

/* Where the card being read is. */
enum phase {
    NO_CARD,     /* outside a card (or past one's proof) */
    WANT_ANSWER, /* after "### Q:", before "A:" */
    IN_ANSWER,   /* reading the answer's lines */
    WANT_PROOF,  /* after a blank line that ended the answer */
    SKIPPING     /* a bad card, until the next heading */
};

/* One lesson file being read. */
struct lesson {
    struct recall_deck *deck;
    size_t cap; /* cards the deck has room for */
    FILE *warn;
    const char *path;
    const char *stem; /* the file's name without ".md": the ids' prefix */
    int lineno;
    int in_section; /* under "## Active Recall" */
    int in_fence;   /* inside a ``` or ~~~ block */
    enum phase phase;
    struct recall_card card; /* the card being read */
};

static void card_free(struct recall_card *c)
{
    free(c->id);
    free(c->question);
    free(c->answer);
    free(c->proof_test);
    free(c->proof_file);
    free(c->source);
    memset(c, 0, sizeof *c);
}

/* 1..6 for an ATX heading ("## Title"), else 0. */
static int heading_level(const char *s)
{
    int n = 0;

    while (s[n] == '#' && n < 7)
        n++;
    if (n == 0 || n > 6 || (s[n] != ' ' && s[n] != '\0'))
        return 0;
    return n;
}

static int is_fence(const char *s)
{
    s = skip_blanks(s);
    return starts_with(s, "```") || starts_with(s, "~~~");
}

/* Appends text (trimmed) to *answer, a space between lines. */
static void answer_append(char **answer, const char *text)
{
    const char *s = skip_blanks(text);
    size_t n = trimmed_len(s);
    size_t had = *answer ? strlen(*answer) : 0;
    char *p = NULL;

    if (n == 0)
        return;
    p = must(realloc(*answer, had + n + 2));
    if (had > 0)
        p[had++] = ' ';
    memcpy(p + had, s, n);
    p[had + n] = '\0';
    *answer = p;
}

/*
 * Takes one word of a Proof line at *s: `in backticks`, or up to the next
 * blank. Sets *start and *len and moves *s past it; returns 0 if empty.
 */
static int proof_word(const char **s, const char **start, size_t *len)
{
    const char *p = skip_blanks(*s);
    const char *end = NULL;

    if (*p == '`') {
        end = strchr(p + 1, '`');
        if (end == NULL)
            return 0;
        *start = p + 1;
        *s = end + 1;
    } else {
        end = p + strcspn(p, " \t");
        *start = p;
        *s = end;
    }
    *len = (size_t)(end - *start);
    return *len > 0;
}

static int is_test_name(const char *s, size_t n)
{
    size_t i = 0;

    if (isdigit((unsigned char)s[0]))
        return 0;
    for (i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return 0;
    return 1;
}

/* "tests/NAME.c", NAME of letters, digits, '_', '-' and '.'. */
static int is_test_file(const char *s, size_t n)
{
    size_t i = 0;

    if (n <= 8 || strncmp(s, "tests/", 6) != 0 || strncmp(s + n - 2, ".c", 2))
        return 0;
    for (i = 6; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && strchr("_-.", s[i]) == NULL)
            return 0;
    return 1;
}

/* Parses "Proof: `test_x` in `tests/x.c`" into the card. */
static enum status card_proof(struct lesson *l, const char *s,
                              struct status_detail *why)
{
    const char *p = s + strlen("Proof:");
    const char *test = NULL;
    const char *file = NULL;
    const char *in = NULL;
    size_t ntest = 0, nfile = 0, nin = 0;

    if (!proof_word(&p, &test, &ntest) || !proof_word(&p, &in, &nin) ||
        nin != 2 || strncmp(in, "in", 2) != 0 ||
        !proof_word(&p, &file, &nfile) || *skip_blanks(p) != '\0' ||
        !is_test_name(test, ntest) || !is_test_file(file, nfile))
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s:%d: a proof reads 'Proof: `test_name` in "
                                 "`tests/file.c`', not '%.60s'",
                                 l->path, l->lineno, s);
    l->card.proof_test = copy_n(test, ntest);
    l->card.proof_file = copy_n(file, nfile);
    return STATUS_OK;
}

/* The card's proof is in: checks it as a whole and adds it to the deck. */
static enum status card_add(struct lesson *l, struct status_detail *why)
{
    struct recall_deck *d = l->deck;
    struct recall_card *c = &l->card;
    size_t i = 0;

    if (c->answer == NULL)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s:%d: the answer is empty", l->path,
                                 c->line);
    c->id = format("%s#%08lx", l->stem,
                   (unsigned long)(hash(c->question) & 0xffffffffu));
    for (i = 0; i < d->count; i++)
        if (strcmp(d->cards[i].id, c->id) == 0)
            return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                     "%s:%d: the same question as %s:%d",
                                     l->path, c->line, d->cards[i].source,
                                     d->cards[i].line);
    c->source = copy(l->path);
    d->cards = grow(d->cards, sizeof *d->cards, d->count, &l->cap);
    d->cards[d->count++] = *c;
    memset(c, 0, sizeof *c);
    l->phase = NO_CARD;
    return STATUS_OK;
}

/* Drops the card being read, and says why. */
static void card_reject(struct lesson *l, const struct status_detail *why)
{
    report(l->warn, why, "card skipped");
    l->deck->skipped++;
    card_free(&l->card);
    l->phase = SKIPPING;
}

/* A heading or the end of the file ends the card being read. */
static void card_end(struct lesson *l)
{
    struct status_detail why;

    status_detail_set(&why, STATUS_INVALID_ARGUMENT,
                      "%s:%d: no '%s' line after the %s", l->path, l->card.line,
                      l->phase == WANT_ANSWER ? "A:" : "Proof:",
                      l->phase == WANT_ANSWER ? "question" : "answer");
    if (l->phase == WANT_ANSWER || l->phase == IN_ANSWER ||
        l->phase == WANT_PROOF)
        card_reject(l, &why);
    l->phase = NO_CARD;
}

/* A "### Q:" heading: a new card, if it is where cards belong. */
static enum status card_start(struct lesson *l, const char *text,
                              struct status_detail *why)
{
    const char *q = skip_blanks(text + strlen("### Q:"));
    size_t n = trimmed_len(q);

    l->phase = WANT_ANSWER;
    l->card.line = l->lineno;
    if (!l->in_section)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s:%d: a card outside the '## Active "
                                 "Recall' section",
                                 l->path, l->lineno);
    if (n == 0)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s:%d: the question is empty", l->path,
                                 l->lineno);
    l->card.question = copy_n(q, n);
    return STATUS_OK;
}

/* One line inside a card: its answer, its proof, or blank. */
static enum status card_line(struct lesson *l, const char *text,
                             struct status_detail *why)
{
    const char *s = skip_blanks(text);

    if (l->phase == NO_CARD || l->phase == SKIPPING)
        return STATUS_OK;
    if (*s == '\0') {
        if (l->phase == IN_ANSWER)
            l->phase = WANT_PROOF;
        return STATUS_OK;
    }
    if (l->phase == WANT_ANSWER) {
        if (!starts_with(s, "A:"))
            return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                     "%s:%d: the line after a question "
                                     "starts with 'A:', not '%.40s'",
                                     l->path, l->lineno, s);
        answer_append(&l->card.answer, s + 2);
        l->phase = IN_ANSWER;
        return STATUS_OK;
    }
    if (starts_with(s, "Proof:")) {
        enum status st = card_proof(l, s, why);

        return st == STATUS_OK ? card_add(l, why) : st;
    }
    if (l->phase == WANT_PROOF)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s:%d: after the answer comes 'Proof: "
                                 "`test_name` in `tests/file.c`', not '%.40s'",
                                 l->path, l->lineno, s);
    answer_append(&l->card.answer, s);
    return STATUS_OK;
}

/* One line of a lesson file (without its newline). */
static void lesson_line(struct lesson *l, const char *text)
{
    struct status_detail why;
    enum status st = STATUS_OK;
    int level = 0;

    if (is_fence(text))
        l->in_fence = !l->in_fence;
    else if (!l->in_fence)
        level = heading_level(text);
    if (level == 0) {
        st = card_line(l, text, &why);
    } else {
        card_end(l);
        if (level <= 2)
            l->in_section = strncasecmp(skip_blanks(text + level),
                                        "active recall", 13) == 0;
        if (starts_with(text, "### Q:"))
            st = card_start(l, text, &why);
    }
    if (st != STATUS_OK)
        card_reject(l, &why);
}

/* The ids' prefix for a lesson file: its name without ".md", one word. */
static char *id_stem(const char *name)
{
    char *stem = copy_n(name, strlen(name) - strlen(".md"));
    char *p = NULL;

    for (p = stem; *p != '\0'; p++)
        if (isspace((unsigned char)*p) || *p == '#')
            *p = '-';
    return stem;
}

/* Reads the lesson file dir/name into d; problems go to warn. */
static void lesson_read(struct recall_deck *d, size_t *cap, const char *dir,
                        const char *name, FILE *warn)
{
    struct lesson l;
    struct status_detail why;
    char *path = format("%s%s%s", dir, slash(dir), name);
    char *stem = id_stem(name);
    char *line = NULL;
    size_t linecap = 0;
    ssize_t n = 0;
    FILE *f = fopen(path, "r");

    memset(&l, 0, sizeof l);
    l.deck = d;
    l.cap = *cap;
    l.warn = warn;
    l.path = path;
    l.stem = stem;
    errno = f == NULL ? errno : 0;
    while (f != NULL && (n = getline(&line, &linecap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        l.lineno++;
        lesson_line(&l, line);
    }
    if (f == NULL || ferror(f)) {
        status_detail_set(&why, errno_status(errno), "%s: cannot read: %s",
                          path, strerror(errno));
        report(warn, &why, "file skipped");
        d->skipped++;
    }
    card_end(&l);
    card_free(&l.card);
    *cap = l.cap;
    if (f != NULL)
        fclose(f);
    free(line);
    free(stem);
    free(path);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of dir's *.md files, sorted. */
static enum status lesson_names(const char *dir, char ***out_names,
                                size_t *out_count, struct status_detail *why)
{
    DIR *dp = opendir(dir);
    struct dirent *e = NULL;
    char **names = NULL;
    size_t count = 0, cap = 0;

    if (dp == NULL)
        return status_detail_set(
            why,
            errno == ENOENT || errno == ENOTDIR ? STATUS_NOT_FOUND
                                                : errno_status(errno),
            "cannot read the lesson directory '%s': %s", dir, strerror(errno));
    while ((e = readdir(dp)) != NULL) {
        size_t n = strlen(e->d_name);

        if (e->d_name[0] == '.' || n < 4 || strcmp(e->d_name + n - 3, ".md"))
            continue;
        names = grow(names, sizeof *names, count, &cap);
        names[count++] = copy(e->d_name);
    }
    closedir(dp);
    if (count > 0)
        qsort(names, count, sizeof *names, compare_names);
    *out_names = names;
    *out_count = count;
    return STATUS_OK;
}

enum status recall_deck_load(const char *dir, FILE *warn,
                             struct recall_deck **out_deck,
                             struct status_detail *why)
{
    struct recall_deck *d = NULL;
    char **names = NULL;
    size_t count = 0, cap = 0, i = 0;
    enum status st = lesson_names(dir, &names, &count, why);

    if (st != STATUS_OK)
        return st;
    d = must(calloc(1, sizeof *d));
    for (i = 0; i < count; i++) {
        lesson_read(d, &cap, dir, names[i], warn);
        free(names[i]);
    }
    free(names);
    *out_deck = d;
    return STATUS_OK;
}

void recall_deck_destroy(struct recall_deck *deck)
{
    size_t i = 0;

    if (deck == NULL)
        return;
    for (i = 0; i < deck->count; i++)
        card_free(&deck->cards[i]);
    free(deck->cards);
    free(deck);
}

/* ---- the state file ----------------------------------------------------- */

enum status recall_state_path(char **out_path, struct status_detail *why)
{
    const char *dir = getenv("DUPLEX_STATE_DIR");
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");

    if (dir != NULL && dir[0] != '\0')
        *out_path = format("%s/%s", dir, RECALL_STATE_FILE);
    else if (xdg != NULL && xdg[0] == '/')
        *out_path = format("%s/duplex/%s", xdg, RECALL_STATE_FILE);
    else if (home != NULL && home[0] != '\0')
        *out_path = format("%s%s/%s", home, STATE_SUBDIR, RECALL_STATE_FILE);
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
    size_t i = (size_t)hash(id) & mask;

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
    s->slots = must(calloc(s->nslots, sizeof *s->slots));
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

/* The entry of id in s, or NULL: for readers, who keep no count. */
static struct recall_entry *state_entry(const struct recall_state *s,
                                        const char *id)
{
    size_t probes = 0;

    return state_lookup(s, id, &probes);
}

const struct recall_entry *recall_state_find(const struct recall_state *s,
                                             const char *id)
{
    return state_entry(s, id);
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
    s->entries = grow(s->entries, sizeof *s->entries, s->count, &s->cap);
    e = &s->entries[s->count++];
    memset(e, 0, sizeof *e);
    e->id = id;
    e->box = box;
    e->due = due;
    s->slots[slot] = s->count;
    return e;
}

/* Splits s at blanks: up to 4 fields' starts and lengths; returns how many. */
static int split_fields(const char *s, const char **start, size_t *len)
{
    int n = 0;

    for (s = skip_blanks(s); *s != '\0' && n < 4; s = skip_blanks(s)) {
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
    if (!parse_day(f[1], n[1], RECALL_BOX_MAX, &box) || box < RECALL_BOX_MIN)
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s:%d: the box is 1 to 5, not '%.*s'", path,
                                 lineno, (int)(n[1] > 20 ? 20 : n[1]), f[1]);
    if (!parse_day(f[2], n[2], RECALL_DAY_MAX, &due))
        return status_detail_set(
            why, STATUS_INVALID_ARGUMENT,
            "%s:%d: the due day is a day number (0 to %lld), not '%.*s'", path,
            lineno, (long long)RECALL_DAY_MAX, (int)(n[2] > 20 ? 20 : n[2]),
            f[2]);
    id = copy_n(f[0], n[0]);
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

/* Reads the lines of a state file's text into s; bad lines go to warn. */
static void state_parse(struct recall_state *s, char *text, size_t len,
                        const char *path, FILE *warn)
{
    struct status_detail why;
    char *line = text;
    char *end = text + len;
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
        if (state_line(s, path, ++lineno, line, &why) != STATUS_OK) {
            report(warn, &why, "line skipped");
            s->skipped++;
        }
        *stop = was;
        line = nl != NULL ? nl + 1 : end;
    }
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

enum status recall_state_load(const char *path, FILE *warn,
                              struct recall_state **out_state,
                              struct status_detail *why)
{
    struct file_bytes b;
    struct recall_state *s = NULL;
    int partial = 0;
    int e = file_read(path, &b, &partial);

    /* Keeping half a file would lose the rest at the next save. */
    if (e != 0 && partial)
        return status_detail_set(why, errno_status(e),
                                 "cannot read all of %s: %s; it is left as "
                                 "it is",
                                 path, strerror(e));
    if (e != 0)
        return status_detail_set(why, errno_status(e), "cannot read %s: %s",
                                 path, strerror(e));
    s = must(calloc(1, sizeof *s));
    if (b.text != NULL)
        state_parse(s, b.text, b.len, path, warn);
    free(b.text);
    *out_state = s;
    return STATUS_OK;
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
        return copy(".");
    return copy_n(path, slash == path ? 1 : (size_t)(slash - path));
}

/* mkdir -p dir, mode 0700 for what it creates. */
static enum status make_dirs(const char *dir, struct status_detail *why)
{
    char *p = copy(dir);
    char *s = p;
    struct stat sb;
    enum status st = STATUS_OK;

    for (;;) {
        s = strchr(s + 1, '/');
        if (s != NULL)
            *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            st = status_detail_set(why, errno_status(errno),
                                   "cannot create %s: %s", p, strerror(errno));
            break;
        }
        if (s == NULL)
            break;
        *s = '/';
    }
    if (st == STATUS_OK && stat(dir, &sb) != 0)
        st = status_detail_set(why, errno_status(errno), "cannot create %s: %s",
                               dir, strerror(errno));
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
        st = status_detail_set(why, errno_status(errno),
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

/* The whole file's text, sorted by id: a new string, its length in *len. */
static char *state_text(const struct recall_state *s, size_t *len)
{
    const struct recall_entry **sorted = NULL;
    char *text = NULL;
    FILE *f = must(open_memstream(&text, len));
    size_t i = 0;

    sorted = must(calloc(s->count + 1, sizeof *sorted));
    for (i = 0; i < s->count; i++)
        sorted[i] = &s->entries[i];
    qsort(sorted, s->count, sizeof *sorted, compare_entries);
    fputs(state_header, f);
    for (i = 0; i < s->count; i++)
        fprintf(f, "%s %d %lld\n", sorted[i]->id, sorted[i]->box,
                (long long)sorted[i]->due);
    fclose(f);
    free(sorted);
    return must(text);
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
    char *tmp = format("%s.XXXXXX", path);
    enum status st = STATUS_OK;
    int fd = mkstemp(tmp);

    if (fd < 0) {
        st = status_detail_set(why, errno_status(errno),
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
            st = status_detail_set(why, errno_status(e), "cannot save %s: %s",
                                   path, strerror(e));
        }
    }
    free(tmp);
    return st;
}

/* A save in progress (recall_state_save). */
struct save {
    char *dir;                 /* the state file's directory */
    char *lock;                /* path.lock */
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
            return status_detail_set(why, errno_status(e),
                                     "cannot write in %s: %s", v->dir,
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

/* Reads path again, under the lock: what another drill saved is in it. */
static enum status save_reread(struct save *v, const char *path,
                               struct status_detail *why)
{
    int partial = 0;
    int e = file_read(path, &v->old, &partial);

    if (e != 0)
        return status_detail_set(why, errno_status(e), "cannot save %s: %s%s",
                                 path, strerror(e),
                                 partial ? " (it cannot be read again whole, "
                                           "so it is left as it is)"
                                         : "");
    v->disk = must(calloc(1, sizeof *v->disk));
    if (v->old.text != NULL)
        state_parse(v->disk, v->old.text, v->old.len, path, NULL);
    return STATUS_OK;
}

/* Sets the entry of e->id in s to e's box and due day. */
static void state_put(struct recall_state *s, const struct recall_entry *e)
{
    struct recall_entry *to = state_lookup(s, e->id, &s->probes);

    if (to == NULL)
        to = state_add(s, copy(e->id), e->box, e->due);
    to->box = e->box;
    to->due = e->due;
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
    if (v->disk->skipped > 0) {
        char *bak = format("%s%s", path, RECALL_BACKUP_SUFFIX);

        st = file_replace(bak, v->dir, v->old.text, v->old.len, mode, why);
        free(bak);
    }
    if (st == STATUS_OK) {
        text = state_text(v->disk, &len);
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
    v.lock = format("%s.lock", path);
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
        e = state_add(s, copy(id), RECALL_BOX_MIN, 0);
    e->box = recall_box_after(e->box, g);
    /* Never a day the next load would reject. */
    e->due = day_clamp(day_clamp(today) + recall_box_days(e->box));
    e->unsaved = 1;
    return e;
}

/* ---- the plan ----------------------------------------------------------- */

/* What orders a card in a session, smallest first. */
struct plan_key {
    int fresh;    /* 0: due, 1: never graded */
    int64_t due;  /* most overdue first */
    int box;      /* then the lower box */
    uint64_t tie; /* then a seeded shuffle (0 without a seed) */
    size_t index; /* then the lessons' order */
};

static int compare_keys(const void *a, const void *b)
{
    const struct plan_key *x = a;
    const struct plan_key *y = b;

    if (x->fresh != y->fresh)
        return x->fresh - y->fresh;
    if (x->due != y->due)
        return x->due < y->due ? -1 : 1;
    if (x->box != y->box)
        return x->box - y->box;
    if (x->tie != y->tie)
        return x->tie < y->tie ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

void recall_plan_make(const struct recall_deck *deck,
                      const struct recall_state *s, int64_t today,
                      const struct recall_plan_options *o,
                      struct recall_plan *out_plan)
{
    struct recall_plan p;
    struct plan_key *keys = must(calloc(deck->count + 1, sizeof *keys));
    size_t n = 0, i = 0;

    memset(&p, 0, sizeof p);
    for (i = 0; i < deck->count; i++) {
        const char *id = deck->cards[i].id;
        const struct recall_entry *e = state_entry(s, id);

        if (e != NULL && e->due > today) {
            p.later++;
            continue;
        }
        keys[n].fresh = e == NULL;
        keys[n].due = e != NULL ? e->due : today;
        keys[n].box = e != NULL ? e->box : RECALL_BOX_MIN;
        keys[n].tie = o->seeded ? mix(o->seed ^ hash(id)) : 0;
        keys[n++].index = i;
        if (e != NULL)
            p.due++;
        else
            p.fresh++;
    }
    qsort(keys, n, sizeof *keys, compare_keys);
    p.count = o->limit > 0 && o->limit < n ? o->limit : n;
    p.order = must(calloc(p.count + 1, sizeof *p.order));
    for (i = 0; i < p.count; i++)
        p.order[i] = keys[i].index;
    free(keys);
    *out_plan = p;
}

void recall_plan_free(struct recall_plan *plan)
{
    if (plan == NULL)
        return;
    free(plan->order);
    memset(plan, 0, sizeof *plan);
}

/* ---- printing ----------------------------------------------------------- */

static const char *paint(const struct recall_io *io, const char *code)
{
    return io->colour ? code : "";
}

/*
 * Prints text from column indent on, wrapped at WRAP_COLUMNS, its later
 * lines indented to the same column. No newline at the end.
 */
static void print_wrapped(FILE *out, size_t indent, const char *text)
{
    size_t col = indent;
    const char *s = skip_blanks(text);

    while (*s != '\0') {
        size_t n = strcspn(s, " \t");

        if (col > indent && col + 1 + n > WRAP_COLUMNS) {
            fprintf(out, "\n%*s", (int)indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', out);
            col++;
        }
        fwrite(s, 1, n, out);
        col += n;
        s = skip_blanks(s + n);
    }
}

/* "box 2, due 3 days ago" or "new". */
static void describe_entry(const struct recall_entry *e, int64_t today,
                           char *buf, size_t size)
{
    char when[32];

    if (e == NULL) {
        snprintf(buf, size, "new");
        return;
    }
    describe_day(e->due, today, when, sizeof when);
    snprintf(buf, size, "box %d, due %s", e->box, when);
}

void recall_list(const struct recall_deck *deck, const struct recall_state *s,
                 int64_t today, const struct recall_io *io)
{
    struct recall_plan_options all = {0, 0, 0};
    struct recall_plan p;
    char date[16];
    size_t i = 0;

    recall_plan_make(deck, s, today, &all, &p);
    recall_day_date(today, date, sizeof date);
    fprintf(io->out,
            "%zu card%s: %zu due, %zu new, %zu later (today is day %lld, "
            "%s)\n",
            deck->count, deck->count == 1 ? "" : "s", p.due, p.fresh, p.later,
            (long long)today, date);
    for (i = 0; i < deck->count; i++) {
        const struct recall_card *c = &deck->cards[i];
        const struct recall_entry *e = state_entry(s, c->id);
        char what[64];

        describe_entry(e, today, what, sizeof what);
        if (e != NULL) {
            recall_day_date(e->due, date, sizeof date);
            fprintf(io->out, "\n%s:%d  %s (day %lld, %s)\n", c->source, c->line,
                    what, (long long)e->due, date);
        } else {
            fprintf(io->out, "\n%s:%d  %s\n", c->source, c->line, what);
        }
        fprintf(io->out, "  Q: %s", paint(io, "\033[1m"));
        print_wrapped(io->out, strlen("  Q: "), c->question);
        fprintf(io->out, "%s\n", paint(io, "\033[0m"));
        fprintf(io->out, "  proof: %s in %s\n", c->proof_test, c->proof_file);
    }
    recall_plan_free(&p);
}

/* ---- the drill ---------------------------------------------------------- */

/* The signals sent from outside that end a drill (their default action). */
static const int drill_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM};

enum { DRILL_SIGNALS = sizeof drill_signals / sizeof drill_signals[0] };

/*
 * The terminal that drill_on_signal puts back: the one global here (see
 * Keys above). Written before the handlers go in, then only read.
 */
static struct {
    int fd;
    struct termios saved;
} tty_to_restore;

/* A drill in progress. */
struct drill {
    const struct recall_deck *deck;
    struct recall_state *state;
    const char *path;
    int64_t today;
    const struct recall_io *io;
    int tty;              /* io->in is a terminal, in non-canonical mode */
    struct termios saved; /* the terminal's settings before the drill */
    struct sigaction before[DRILL_SIGNALS]; /* the handlers drill_raw hid */
    int caught[DRILL_SIGNALS]; /* drill_raw put drill_on_signal there */
    sigset_t held;             /* drill_signals: held during a save */
    char *line;                /* getline's buffer, when reading lines */
    size_t linecap;
    size_t graded[RECALL_EASY + 1]; /* cards graded, per grade */
};

/*
 * Puts the terminal back and lets the signal do what it came to do: its
 * default action is back (SA_RESETHAND), and it is delivered again as the
 * handler returns. Only async-signal-safe calls.
 */
static void drill_on_signal(int sig)
{
    tcsetattr(tty_to_restore.fd, TCSANOW, &tty_to_restore.saved);
    raise(sig);
}

/* Catches drill_signals while the terminal is raw; an ignored one stays. */
static void drill_catch(struct drill *d, int fd)
{
    struct sigaction sa;
    size_t i = 0;

    tty_to_restore.fd = fd;
    tty_to_restore.saved = d->saved;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = drill_on_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < DRILL_SIGNALS; i++) {
        sigaction(drill_signals[i], NULL, &d->before[i]);
        d->caught[i] = d->before[i].sa_handler != SIG_IGN &&
                       sigaction(drill_signals[i], &sa, NULL) == 0;
    }
}

/* Puts a terminal in non-canonical mode without echo or signals. */
static void drill_raw(struct drill *d)
{
    int fd = fileno(d->io->in);
    struct termios raw;
    size_t i = 0;

    sigemptyset(&d->held);
    for (i = 0; i < DRILL_SIGNALS; i++)
        sigaddset(&d->held, drill_signals[i]);
    d->tty = fd >= 0 && isatty(fd) && tcgetattr(fd, &d->saved) == 0;
    if (!d->tty)
        return;
    drill_catch(d, fd);
    raw = d->saved;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    tcsetattr(fd, TCSANOW, &raw);
}

/* The terminal first, then the handlers: a signal between finds it done. */
static void drill_restore(struct drill *d)
{
    size_t i = 0;

    if (d->tty)
        tcsetattr(fileno(d->io->in), TCSANOW, &d->saved);
    for (i = 0; i < DRILL_SIGNALS; i++)
        if (d->caught[i])
            sigaction(drill_signals[i], &d->before[i], NULL);
    free(d->line);
}

/*
 * Reads one key: on a terminal one byte (Ctrl-C and Ctrl-D read as q,
 * Return as '\n'), otherwise one line ("" is '\n'; "good" is 'g'; "quit"
 * is 'q'; anything longer that is no grade is '?').
 * Returns STATUS_OK and sets *out_key, STATUS_EOF at the end of the input,
 * or STATUS_UNAVAILABLE when reading fails.
 */
static enum status read_key(struct drill *d, int *out_key,
                            struct status_detail *why)
{
    enum recall_grade g = RECALL_AGAIN;
    const char *s = NULL;
    size_t n = 0;
    int ch = 0;

    fflush(d->io->out);
    if (d->tty) {
        ch = getc(d->io->in);
        if (ch == 3 || ch == 4)
            ch = 'q';
        *out_key = ch == '\r' ? '\n' : tolower(ch);
    } else if (getline(&d->line, &d->linecap, d->io->in) >= 0) {
        s = skip_blanks(d->line);
        n = trimmed_len(s);
        if (recall_grade_parse(s, &g) == STATUS_OK)
            *out_key = "ahge"[g];
        else if (n == 0 || n == 1 || (n == 4 && !strncasecmp(s, "quit", 4)))
            *out_key = n == 0 ? '\n' : tolower((unsigned char)s[0]);
        else
            *out_key = '?';
        ch = 0;
    } else {
        ch = EOF;
    }
    if (ch != EOF)
        return STATUS_OK;
    if (ferror(d->io->in))
        return status_detail_set(why, STATUS_UNAVAILABLE,
                                 "cannot read the keys: %s", strerror(errno));
    return STATUS_EOF;
}

/*
 * The question's prompt: waits for Enter (a line, or Return or space on a
 * terminal). Returns STATUS_OK to go on, STATUS_CANCELLED for q, or what
 * read_key returned.
 */
static enum status wait_enter(struct drill *d, struct status_detail *why)
{
    const struct recall_io *io = d->io;
    enum status st = STATUS_OK;
    int key = 0;

    fprintf(io->out, "%s(Enter: answer, q: quit)%s ", paint(io, "\033[2m"),
            paint(io, "\033[0m"));
    do {
        st = read_key(d, &key, why);
    } while (st == STATUS_OK && d->tty && key != '\n' && key != ' ' &&
             key != 'q');
    fputc('\n', io->out);
    if (st == STATUS_OK && key == 'q')
        return STATUS_CANCELLED;
    return st;
}

/*
 * The grade's prompt: asks until a grade or q comes. Returns STATUS_OK and
 * sets *out_grade, STATUS_CANCELLED for q, or what read_key returned.
 */
static enum status ask_grade(struct drill *d, enum recall_grade *out_grade,
                             struct status_detail *why)
{
    const struct recall_io *io = d->io;
    char key[2] = {0, 0};
    int k = 0;

    for (;;) {
        enum status st = STATUS_OK;

        fprintf(io->out, "again/hard/good/easy [a/h/g/e] ");
        st = read_key(d, &k, why);
        if (st != STATUS_OK) {
            fputc('\n', io->out);
            return st;
        }
        key[0] = (char)k;
        if (recall_grade_parse(key, out_grade) == STATUS_OK)
            return STATUS_OK;
        if (k == 'q') {
            fputs("quit\n", io->out);
            return STATUS_CANCELLED;
        }
        fputs("?\n  a again (box 1), h hard (same box), g good (next box), "
              "e easy (two up);\n  q quits\n",
              io->out);
    }
}

/*
 * Saves the grade just given, holding drill_signals meanwhile: one that
 * comes then ends the drill after the save, not in the middle of it.
 */
static enum status drill_save(struct drill *d, struct status_detail *why)
{
    struct recall_state *s = d->state;
    sigset_t was;
    enum status st = STATUS_OK;

    sigprocmask(SIG_BLOCK, &d->held, &was);
    st = recall_state_save(s, d->path, why);
    if (st == STATUS_OK && s->backed_up > 0)
        fprintf(d->io->out,
                "%s had %zu line%s that could not be read: it is kept as "
                "%s%s\n",
                d->path, s->backed_up, s->backed_up == 1 ? "" : "s", d->path,
                RECALL_BACKUP_SUFFIX);
    fflush(d->io->out);
    sigprocmask(SIG_SETMASK, &was, NULL);
    return st;
}

/* Shows card k of the plan and grades it. Returns STATUS_OK to go on. */
static enum status drill_card(struct drill *d, const struct recall_card *c,
                              size_t k, size_t n, struct status_detail *why)
{
    const struct recall_io *io = d->io;
    const struct recall_entry *e = state_entry(d->state, c->id);
    enum recall_grade g = RECALL_AGAIN;
    enum status st = STATUS_OK;
    char what[64];

    describe_entry(e, d->today, what, sizeof what);
    fprintf(io->out, "\n%scard %zu/%zu%s (%s)  %s:%d\n", paint(io, "\033[1m"),
            k + 1, n, paint(io, "\033[0m"), what, c->source, c->line);
    fprintf(io->out, "%sQ: ", paint(io, "\033[1m"));
    print_wrapped(io->out, strlen("Q: "), c->question);
    fprintf(io->out, "%s\n", paint(io, "\033[0m"));
    if ((st = wait_enter(d, why)) != STATUS_OK)
        return st;
    fputs("A: ", io->out);
    print_wrapped(io->out, strlen("A: "), c->answer);
    fputc('\n', io->out);
    fprintf(io->out, "%sproof: %s in %s%s\n", paint(io, "\033[32m"),
            c->proof_test, c->proof_file, paint(io, "\033[0m"));
    if ((st = ask_grade(d, &g, why)) != STATUS_OK)
        return st;
    e = recall_state_grade(d->state, c->id, g, d->today);
    describe_entry(e, d->today, what, sizeof what);
    fprintf(io->out, "%s -> %s%s%s\n", recall_grade_name(g),
            paint(io, "\033[36m"), what, paint(io, "\033[0m"));
    d->graded[g]++;
    return drill_save(d, why);
}

/* When the next cards of deck are due (new cards are due today). */
static void print_next(const struct recall_deck *deck,
                       const struct recall_state *s, int64_t today, FILE *out)
{
    int64_t next = RECALL_DAY_MAX + 1;
    size_t count = 0, i = 0;
    char when[32];

    for (i = 0; i < deck->count; i++) {
        const struct recall_entry *e = state_entry(s, deck->cards[i].id);
        int64_t due = e != NULL && e->due > today ? e->due : today;

        if (due < next)
            count = 0;
        if (due <= next)
            next = due;
        count += due == next;
    }
    if (count == 0)
        return;
    if (next <= today) {
        fprintf(out, "still due today: %zu card%s (run it again for more)\n",
                count, count == 1 ? "" : "s");
        return;
    }
    describe_day(next, today, when, sizeof when);
    fprintf(out, "next: %zu card%s due %s (day %lld)\n", count,
            count == 1 ? "" : "s", when, (long long)next);
}

/* How the session ended, and what was saved. */
static void print_end(const struct drill *d, enum status how, size_t k,
                      size_t n)
{
    size_t graded = d->graded[0] + d->graded[1] + d->graded[2] + d->graded[3];

    fputc('\n', d->io->out);
    if (how == STATUS_CANCELLED)
        fprintf(d->io->out, "quit at card %zu/%zu: ", k + 1, n);
    else if (how == STATUS_EOF)
        fprintf(d->io->out, "end of input at card %zu/%zu: ", k + 1, n);
    else
        fprintf(d->io->out, "done: ");
    if (graded == 0)
        fputs("nothing graded\n", d->io->out);
    else
        fprintf(d->io->out,
                "%zu graded (again %zu, hard %zu, good %zu, easy %zu)\n"
                "progress saved in %s\n",
                graded, d->graded[RECALL_AGAIN], d->graded[RECALL_HARD],
                d->graded[RECALL_GOOD], d->graded[RECALL_EASY], d->path);
    print_next(d->deck, d->state, d->today, d->io->out);
}

enum status recall_drill(const struct recall_deck *deck, struct recall_state *s,
                         const char *path, const struct recall_plan *plan,
                         int64_t today, const struct recall_io *io,
                         struct status_detail *why)
{
    struct drill d;
    enum status st = STATUS_OK;
    size_t k = 0;

    memset(&d, 0, sizeof d);
    d.deck = deck;
    d.state = s;
    d.path = path;
    d.today = today;
    d.io = io;
    drill_raw(&d);
    for (k = 0; k < plan->count; k++) {
        st = drill_card(&d, &deck->cards[plan->order[k]], k, plan->count, why);
        if (st != STATUS_OK)
            break;
    }
    drill_restore(&d);
    if (st == STATUS_OK || st == STATUS_CANCELLED || st == STATUS_EOF) {
        print_end(&d, st, k, plan->count);
        st = STATUS_OK;
    }
    return st;
}

/* ---- the command -------------------------------------------------------- */

/* The first lines of a drill: what is in it and how it works. */
static void print_intro(const struct recall_plan *p, const char *lessons,
                        const char *path, const struct recall_io *io)
{
    fprintf(io->out, "%sduplex recall%s: ", paint(io, "\033[1m"),
            paint(io, "\033[0m"));
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
                lessons, slash(lessons));
        return STATUS_OK;
    }
    recall_plan_make(deck, s, today, &o->plan, &p);
    if (p.count == 0) {
        fprintf(io->out, "duplex recall: nothing due today (%zu card%s)\n",
                deck->count, deck->count == 1 ? "" : "s");
        print_next(deck, s, today, io->out);
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

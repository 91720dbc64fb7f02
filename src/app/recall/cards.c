/*
 * cards: a deck of cards read from a directory of lessons (see cards.h).
 *
 * Design
 *   Each lesson file is read line by line by a small reader (struct
 *   lesson) that follows one card at a time through the phases question,
 *   answer, proof. A problem in a card is reported as "FILE:LINE: ..." and
 *   that card skipped, so one typo never hides the rest of the cards.
 *   Only a lesson directory that cannot be listed is a failing status.
 */
#include "app/recall/cards.h"

#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "app/recall/support.h"

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
    s = recall_skip_blanks(s);
    return recall_starts_with(s, "```") || recall_starts_with(s, "~~~");
}

/* Appends text (trimmed) to *answer, a space between lines. */
static void answer_append(char **answer, const char *text)
{
    const char *s = recall_skip_blanks(text);
    size_t n = recall_trimmed_len(s);
    size_t had = *answer ? strlen(*answer) : 0;
    char *p = NULL;

    if (n == 0)
        return;
    p = recall_must(realloc(*answer, had + n + 2));
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
    const char *p = recall_skip_blanks(*s);
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
        !proof_word(&p, &file, &nfile) || *recall_skip_blanks(p) != '\0' ||
        !is_test_name(test, ntest) || !is_test_file(file, nfile))
        return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                 "%s:%d: a proof reads 'Proof: `test_name` in "
                                 "`tests/file.c`', not '%.60s'",
                                 l->path, l->lineno, s);
    l->card.proof_test = recall_copy_n(test, ntest);
    l->card.proof_file = recall_copy_n(file, nfile);
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
    c->id =
        recall_format("%s#%08lx", l->stem,
                      (unsigned long)(recall_hash(c->question) & 0xffffffffu));
    for (i = 0; i < d->count; i++)
        if (strcmp(d->cards[i].id, c->id) == 0)
            return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                     "%s:%d: the same question as %s:%d",
                                     l->path, c->line, d->cards[i].source,
                                     d->cards[i].line);
    c->source = recall_copy(l->path);
    d->cards = recall_grow(d->cards, sizeof *d->cards, d->count, &l->cap);
    d->cards[d->count++] = *c;
    memset(c, 0, sizeof *c);
    l->phase = NO_CARD;
    return STATUS_OK;
}

/* Drops the card being read, and says why. */
static void card_reject(struct lesson *l, const struct status_detail *why)
{
    recall_report(l->warn, why, "card skipped");
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
    const char *q = recall_skip_blanks(text + strlen("### Q:"));
    size_t n = recall_trimmed_len(q);

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
    l->card.question = recall_copy_n(q, n);
    return STATUS_OK;
}

/* One line inside a card: its answer, its proof, or blank. */
static enum status card_line(struct lesson *l, const char *text,
                             struct status_detail *why)
{
    const char *s = recall_skip_blanks(text);

    if (l->phase == NO_CARD || l->phase == SKIPPING)
        return STATUS_OK;
    if (*s == '\0') {
        if (l->phase == IN_ANSWER)
            l->phase = WANT_PROOF;
        return STATUS_OK;
    }
    if (l->phase == WANT_ANSWER) {
        if (!recall_starts_with(s, "A:"))
            return status_detail_set(why, STATUS_INVALID_ARGUMENT,
                                     "%s:%d: the line after a question "
                                     "starts with 'A:', not '%.40s'",
                                     l->path, l->lineno, s);
        answer_append(&l->card.answer, s + 2);
        l->phase = IN_ANSWER;
        return STATUS_OK;
    }
    if (recall_starts_with(s, "Proof:")) {
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
            l->in_section = strncasecmp(recall_skip_blanks(text + level),
                                        "active recall", 13) == 0;
        if (recall_starts_with(text, "### Q:"))
            st = card_start(l, text, &why);
    }
    if (st != STATUS_OK)
        card_reject(l, &why);
}

/* The ids' prefix for a lesson file: its name without ".md", one word. */
static char *id_stem(const char *name)
{
    char *stem = recall_copy_n(name, strlen(name) - strlen(".md"));
    char *p = NULL;

    for (p = stem; *p != '\0'; p++)
        if (isspace((unsigned char)*p) || *p == '#')
            *p = '-';
    return stem;
}

/*
 * Reads the lesson file at path, whose file name is name, into d;
 * problems go to warn.
 */
static void lesson_read(struct recall_deck *d, size_t *cap, const char *path,
                        const char *name, FILE *warn)
{
    struct lesson l;
    struct status_detail why;
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
        status_detail_set(&why, recall_errno_status(errno),
                          "%s: cannot read: %s", path, strerror(errno));
        recall_report(warn, &why, "file skipped");
        d->skipped++;
    }
    card_end(&l);
    card_free(&l.card);
    *cap = l.cap;
    if (f != NULL)
        fclose(f);
    free(line);
    free(stem);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether name is day's page: "day-DAY.md" or "day-DAY-....md". */
static int is_day_page(const char *name, long day)
{
    char prefix[32];
    size_t n = (size_t)snprintf(prefix, sizeof prefix, "day-%ld", day);

    return strncmp(name, prefix, n) == 0 &&
           (name[n] == '-' || strcmp(name + n, ".md") == 0);
}

/* The names of dir's *.md files (day's pages only, unless day < 0), sorted. */
static enum status lesson_names(const char *dir, long day, char ***out_names,
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
                                                : recall_errno_status(errno),
            "cannot read the lesson directory '%s': %s", dir, strerror(errno));
    while ((e = readdir(dp)) != NULL) {
        size_t n = strlen(e->d_name);

        if (e->d_name[0] == '.' || n < 4 || strcmp(e->d_name + n - 3, ".md"))
            continue;
        if (day >= 0 && !is_day_page(e->d_name, day))
            continue;
        names = recall_grow(names, sizeof *names, count, &cap);
        names[count++] = recall_copy(e->d_name);
    }
    closedir(dp);
    if (count > 0)
        qsort(names, count, sizeof *names, compare_names);
    *out_names = names;
    *out_count = count;
    return STATUS_OK;
}

/* Loads dir's pages (day's only, unless day < 0) into a new deck. */
static enum status deck_load(const char *dir, long day, FILE *warn,
                             struct recall_deck **out_deck,
                             struct status_detail *why)
{
    struct recall_deck *d = NULL;
    char **names = NULL;
    size_t count = 0, cap = 0, i = 0;
    enum status st = lesson_names(dir, day, &names, &count, why);

    if (st != STATUS_OK)
        return st;
    if (day >= 0 && count == 0) {
        free(names);
        return status_detail_set(why, STATUS_NOT_FOUND,
                                 "no page for day %ld in '%s' (a page "
                                 "named day-%ld-*.md)",
                                 day, dir, day);
    }
    d = recall_must(calloc(1, sizeof *d));
    for (i = 0; i < count; i++) {
        char *path = recall_format("%s%s%s", dir, recall_slash(dir), names[i]);

        lesson_read(d, &cap, path, names[i], warn);
        free(path);
        free(names[i]);
    }
    free(names);
    *out_deck = d;
    return STATUS_OK;
}

enum status recall_deck_load(const char *dir, FILE *warn,
                             struct recall_deck **out_deck,
                             struct status_detail *why)
{
    return deck_load(dir, -1, warn, out_deck, why);
}

enum status recall_deck_load_day(const char *dir, long day, FILE *warn,
                                 struct recall_deck **out_deck,
                                 struct status_detail *why)
{
    assert(day >= 0);
    return deck_load(dir, day, warn, out_deck, why);
}

enum status recall_deck_load_page(const char *path, FILE *warn,
                                  struct recall_deck **out_deck,
                                  struct status_detail *why)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash != NULL ? slash + 1 : path;
    size_t n = strlen(name);
    struct recall_deck *d = NULL;
    struct stat sb;
    size_t cap = 0;

    if (stat(path, &sb) != 0)
        return status_detail_set(
            why,
            errno == ENOENT || errno == ENOTDIR ? STATUS_NOT_FOUND
                                                : recall_errno_status(errno),
            "cannot read the lesson page '%s': %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return status_detail_set(why, STATUS_NOT_FOUND,
                                 "'%s' is a directory: --lesson names one "
                                 "page (--lessons a directory)",
                                 path);
    if (n < 4 || strcmp(name + n - 3, ".md") != 0)
        return status_detail_set(why, STATUS_NOT_FOUND,
                                 "'%s' is no lesson page: a page is a .md "
                                 "file",
                                 path);
    d = recall_must(calloc(1, sizeof *d));
    lesson_read(d, &cap, path, name, warn);
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

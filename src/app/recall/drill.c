/*
 * drill: the terminal drill (see drill.h).
 *
 * Design
 *   The terminal the drill changed is this file's one global
 *   (tty_to_restore), since a signal handler can reach nothing else. The
 *   drill's other state is one struct drill, on recall_drill's stack.
 *
 *   A grade is saved with the drill's signals held, so one that comes then
 *   ends the process after the save, never in the middle of it.
 */
#include "app/recall/drill.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "app/recall/boxes.h"
#include "app/recall/support.h"

/* The signals sent from outside that end a drill (their default action). */
static const int drill_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM};

enum { DRILL_SIGNALS = sizeof drill_signals / sizeof drill_signals[0] };

/*
 * The terminal that drill_on_signal puts back: the one global here (see
 * Keys in drill.h). Written before the handlers go in, then only read.
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
    const struct recall_plan *plan; /* the session's cards and cap */
    size_t cut;                     /* new cards the cap stopped at */
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
        s = recall_skip_blanks(d->line);
        n = recall_trimmed_len(s);
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

    fprintf(io->out, "%s(Enter: answer, q: quit)%s ",
            recall_paint(io, "\033[2m"), recall_paint(io, "\033[0m"));
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
    const struct recall_entry *e = recall_state_find(d->state, c->id);
    int was_new = e == NULL;
    enum recall_grade g = RECALL_AGAIN;
    enum status st = STATUS_OK;
    char what[64];

    recall_describe_entry(e, d->today, what, sizeof what);
    fprintf(io->out, "\n%scard %zu/%zu%s (%s)  %s:%d\n",
            recall_paint(io, "\033[1m"), k + 1, n, recall_paint(io, "\033[0m"),
            what, c->source, c->line);
    fprintf(io->out, "%sQ: ", recall_paint(io, "\033[1m"));
    recall_print_wrapped(io->out, strlen("Q: "), c->question);
    fprintf(io->out, "%s\n", recall_paint(io, "\033[0m"));
    if ((st = wait_enter(d, why)) != STATUS_OK)
        return st;
    fputs("A: ", io->out);
    recall_print_wrapped(io->out, strlen("A: "), c->answer);
    fputc('\n', io->out);
    fprintf(io->out, "%sproof: %s in %s%s\n", recall_paint(io, "\033[32m"),
            c->proof_test, c->proof_file, recall_paint(io, "\033[0m"));
    if ((st = ask_grade(d, &g, why)) != STATUS_OK)
        return st;
    e = recall_state_grade(d->state, c->id, g, d->today);
    if (was_new) /* it counts toward today's new cards */
        recall_state_mark_new(d->state, c->id, d->today);
    recall_describe_entry(e, d->today, what, sizeof what);
    fprintf(io->out, "%s -> %s%s%s\n", recall_grade_name(g),
            recall_paint(io, "\033[36m"), what, recall_paint(io, "\033[0m"));
    d->graded[g]++;
    return drill_save(d, why);
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
    if (d->cut > 0)
        fprintf(d->io->out,
                "%zu new cards were drilled today (some by another drill), "
                "at most %zu a day (--new N): %zu more wait for later days\n",
                recall_state_new_on(d->state, d->today), d->plan->new_per_day,
                d->cut);
    recall_print_next(d->deck, d->state, d->today, d->plan, d->io->out);
}

/*
 * Whether card c, new, must wait for another day: since this session was
 * planned, drills that ran beside it (whose new cards each save brings in)
 * drilled today's share of new cards.
 */
static int drill_over_cap(const struct drill *d, const struct recall_card *c)
{
    return recall_state_find(d->state, c->id) == NULL &&
           recall_plan_new_left(d->plan, d->state, d->today) == 0;
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
    d.plan = plan;
    drill_raw(&d);
    for (k = 0; k < plan->count; k++) {
        const struct recall_card *c = &deck->cards[plan->order[k]];

        /* The new cards come last: the rest of the session is new too. */
        if (drill_over_cap(&d, c)) {
            d.cut = plan->count - k;
            break;
        }
        st = drill_card(&d, c, k, plan->count, why);
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

/*
 * show: cards and their progress, printed (see show.h).
 *
 * Design
 *   Days are said the way a learner counts them ("tomorrow", "3 days
 *   ago"), with the day number beside them where a file or a test needs
 *   the exact day.
 */
#include "app/recall/show.h"

#include <string.h>

#include "app/recall/boxes.h"
#include "app/recall/plan.h"
#include "app/recall/support.h"

/* The width the answers are wrapped to. */
enum { WRAP_COLUMNS = 76 };

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

const char *recall_paint(const struct recall_io *io, const char *code)
{
    return io->colour ? code : "";
}

/*
 * Prints text from column indent on, wrapped at WRAP_COLUMNS, its later
 * lines indented to the same column. No newline at the end.
 */
void recall_print_wrapped(FILE *out, size_t indent, const char *text)
{
    size_t col = indent;
    const char *s = recall_skip_blanks(text);

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
        s = recall_skip_blanks(s + n);
    }
}

/* "box 2, due 3 days ago" or "new". */
void recall_describe_entry(const struct recall_entry *e, int64_t today,
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

/* Moves the next day to day with n cards, or adds n when it is that day. */
static void next_add(int64_t *next, size_t *count, int64_t day, size_t n)
{
    if (n == 0 || day > *next)
        return;
    if (day < *next)
        *count = 0;
    *next = day;
    *count += n;
}

/*
 * When the next cards of deck are due: a card graded, on its due day; a
 * new card today, while p's cap leaves room, then per_day of them a day.
 */
void recall_print_next(const struct recall_deck *deck,
                       const struct recall_state *s, int64_t today,
                       const struct recall_plan *p, FILE *out)
{
    size_t left = p != NULL ? recall_plan_new_left(p, s, today) : SIZE_MAX;
    int64_t next = RECALL_DAY_MAX + 1;
    size_t count = 0, fresh = 0, i = 0;
    char when[32];

    for (i = 0; i < deck->count; i++) {
        const struct recall_entry *e = recall_state_find(s, deck->cards[i].id);

        if (e == NULL)
            fresh++;
        else
            next_add(&next, &count, e->due > today ? e->due : today, 1);
    }
    next_add(&next, &count, today, fresh < left ? fresh : left);
    if (fresh > left && p != NULL)
        next_add(&next, &count, today + 1,
                 fresh - left < p->new_per_day ? fresh - left : p->new_per_day);
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
        const struct recall_entry *e = recall_state_find(s, c->id);
        char what[64];

        recall_describe_entry(e, today, what, sizeof what);
        if (e != NULL) {
            recall_day_date(e->due, date, sizeof date);
            fprintf(io->out, "\n%s:%d  %s (day %lld, %s)\n", c->source, c->line,
                    what, (long long)e->due, date);
        } else {
            fprintf(io->out, "\n%s:%d  %s\n", c->source, c->line, what);
        }
        fprintf(io->out, "  Q: %s", recall_paint(io, "\033[1m"));
        recall_print_wrapped(io->out, strlen("  Q: "), c->question);
        fprintf(io->out, "%s\n", recall_paint(io, "\033[0m"));
        fprintf(io->out, "  proof: %s in %s\n", c->proof_test, c->proof_file);
    }
    recall_plan_free(&p);
}

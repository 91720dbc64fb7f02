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

/* When the next cards of deck are due (new cards are due today). */
void recall_print_next(const struct recall_deck *deck,
                       const struct recall_state *s, int64_t today, FILE *out)
{
    int64_t next = RECALL_DAY_MAX + 1;
    size_t count = 0, i = 0;
    char when[32];

    for (i = 0; i < deck->count; i++) {
        const struct recall_entry *e = recall_state_find(s, deck->cards[i].id);
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

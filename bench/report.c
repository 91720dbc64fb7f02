/*
 * report: the parts of the bench's output that are not one figure's: the
 * header, section 7 (the Go peers, or why they did not run), the targets
 * and the bench= lines, each figure's in the figures' order.
 *
 * Design
 *   Every line says what this run measured: the machine and its load
 *   average are read from /proc at the start and at the end, and a target
 *   whose figures were not measured says "n/a" and why. Colour is used
 *   only on a terminal, and never with NO_COLOR (b->color).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "table.h"

/* The first line of path that starts with key (then the part after ": "),
 * or its first line when key is NULL; "?" when there is none. */
static void read_first_line(const char *path, const char *key, char *buf,
                            size_t cap)
{
    FILE *f = fopen(path, "r");
    char line[256];

    snprintf(buf, cap, "?");
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        char *colon = strchr(line, ':');

        if (key != NULL && (strncmp(line, key, strlen(key)) != 0 || !colon))
            continue;
        line[strcspn(line, "\n")] = '\0';
        snprintf(buf, cap, "%.100s", key != NULL ? colon + 2 : line);
        break;
    }
    fclose(f);
}

/* The 1-minute load average: above the CPU count, others were busy. */
static void load_average(char *buf, size_t cap)
{
    read_first_line("/proc/loadavg", NULL, buf, cap);
    buf[strcspn(buf, " ")] = '\0';
}

void print_header(const struct bench *b)
{
    char cpu[128];
    char load[64];

    read_first_line("/proc/cpuinfo", "model name", cpu, sizeof cpu);
    load_average(load, sizeof load);
    printf("duplex bench: %d run%s per figure%s. Each cell is the median of "
           "the runs;\n"
           "±N%% is how far the farthest run was from it.\n",
           b->o.runs, b->o.runs == 1 ? "" : "s",
           b->o.quick ? " (--quick: small counts)" : "");
    printf("machine: %ld CPUs (%s), load average %s at the start\n\n",
           sysconf(_SC_NPROCESSORS_ONLN), cpu, load);
}

void report_go(struct bench *b)
{
    if (b->o.go_peers == NULL) {
        printf("7. Go peers: not run. To compare with the learner's Go "
               "programs in the same run:\n"
               "   GO_PEERS=/path/to/peers/go/bench.sh make bench\n\n");
        return;
    }
    if (!figure_ran(b, &figure_echo) && !figure_ran(b, &figure_pingpong) &&
        !figure_ran(b, &figure_h2)) {
        printf("7. Go peers: not run; they compare with echo, pingpong and "
               "h2, which --only\n"
               "   left out.\n\n");
        return;
    }
    go_run(b);
    go_print(b);
}

void print_handed(const struct summary s[NSIZES][2])
{
    int si = 0;

    printf("   bytes handed straight to a waiting receiver, c2s/s2c:");
    for (si = 0; si < NSIZES; si++)
        printf("%s %s %.0f%%/%.0f%%", si > 0 ? "," : "", bench_size_names[si],
               100 * s[si][0].median, 100 * s[si][1].median);
    printf("\n");
}

/* ---- targets ------------------------------------------------------------ */

void print_target(const struct bench *b, int have, int met, const char *what,
                  const char *got)
{
    const char *word = !have ? "n/a" : met ? "met" : "NOT MET";
    const char *on = "";
    const char *off = "";

    if (b->color && have) {
        on = met ? "\033[32m" : "\033[1;31m";
        off = "\033[0m";
    }
    printf("   %s%-7s%s  %-46s %s\n", on, word, off, what, got);
}

void ratio_target(const struct bench *b, int have, double value, double ref,
                  double need, int at_least, const char *what,
                  const char *missing)
{
    char got[48];
    double ratio = ref > 0 ? value / ref : 0;

    have = have && ref > 0 && value > 0;
    if (have)
        fmt_ratio(got, sizeof got, value, ref);
    else
        snprintf(got, sizeof got, "%s", missing);
    print_target(b, have, at_least ? ratio >= need : ratio <= need, what, got);
}

void print_targets(const struct bench *b)
{
    char load[64];
    size_t k = 0;

    load_average(load, sizeof load);
    printf("targets (load average %s at the end)\n", load);
    for (k = 0; k < bench_nfigures; k++)
        if (figure_ran(b, bench_figures[k]))
            bench_figures[k]->targets(b);
    printf("\n");
}

/* ---- bench= lines ------------------------------------------------------- */

void print_bench_lines(const struct bench *b)
{
    size_t k = 0;

    for (k = 0; k < bench_nfigures; k++)
        if (figure_ran(b, bench_figures[k]))
            bench_figures[k]->lines(b);
}

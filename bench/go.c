/*
 * go: running the Go peers' script, reading its lines, and section 7 of
 * the table (see go.h).
 *
 * Design
 *   The script runs as a child with its stdout on a pipe: an executable
 *   file is run as it is, anything else through bash. The watchdog is off
 *   while it runs, since the script may install Go first.
 */
#include "go.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "table.h"

/* Reads "key=value key=value ..." from a peer= line into g. */
static void go_parse(struct go *g, const char *line)
{
    char buf[GO_LINE_MAX];
    char *save = NULL;
    char *tok = NULL;
    struct go_line l;

    if (strncmp(line, "peer=", 5) != 0 || g->n >= GO_LINES_MAX)
        return;
    memset(&l, 0, sizeof l);
    snprintf(buf, sizeof buf, "%s", line);
    for (tok = strtok_r(buf, " \t", &save); tok != NULL;
         tok = strtok_r(NULL, " \t", &save)) {
        char *v = strchr(tok, '=');

        if (v == NULL)
            continue;
        *v++ = '\0';
        if (strcmp(tok, "peer") == 0)
            snprintf(l.peer, sizeof l.peer, "%s", v);
        else if (strcmp(tok, "size") == 0)
            l.size = (size_t)strtoul(v, NULL, 10);
        else if (strcmp(tok, "msgs_per_s") == 0)
            l.msgs_per_s = strtod(v, NULL);
        else if (strcmp(tok, "median_us") == 0)
            l.median_us = strtod(v, NULL);
    }
    if (strcmp(l.peer, "pingpong-pipe") == 0)
        snprintf(l.peer, sizeof l.peer, "pingpong-iopipe");
    g->lines[g->n++] = l;
}

double go_value(const struct go *g, const char *peer, size_t size, int median)
{
    double v = 0;
    int i = 0;

    for (i = 0; i < g->n; i++)
        if (strcmp(g->lines[i].peer, peer) == 0 && g->lines[i].size == size)
            v = median ? g->lines[i].median_us : g->lines[i].msgs_per_s;
    return v;
}

double go_best_echo(const struct go *g, size_t size)
{
    double a = go_value(g, "netpipe-echo", size, 0);
    double c = go_value(g, "bufconn-echo", size, 0);

    return a > c ? a : c;
}

const char *go_missing(const struct go *g)
{
    if (g->failed)
        return "the Go peers failed";
    return g->ran ? "no such Go line" : "needs GO_PEERS";
}

/* Starts the script with our sizes; its stdout comes back on *out_fd. An
 * executable file runs as it is, anything else through bash. */
static pid_t go_start(const char *script, int *out_fd)
{
    char args[NSIZES][24];
    char *argv[NSIZES + 3];
    int bash = access(script, X_OK) != 0;
    int n = 0;
    int i = 0;

    if (bash)
        argv[n++] = "bash";
    argv[n++] = (char *)script;
    for (i = 0; i < NSIZES; i++) {
        snprintf(args[i], sizeof args[i], "%zu", bench_sizes[i]);
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    return child_start(argv[0], argv, bash, out_fd);
}

/* Keeps every line of in (without its line ending) and parses it. */
static void go_read(struct go *g, FILE *in)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len = 0;

    while ((len = getline(&line, &cap, in)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (g->nraw < GO_LINES_MAX)
            snprintf(g->raw[g->nraw++], GO_LINE_MAX, "%s", line);
        go_parse(g, line);
    }
    free(line);
}

/* Runs script once with our sizes and keeps its lines in g. Returns 1
 * when it exited 0. */
static int go_run_script(struct go *g, const char *script)
{
    FILE *in = NULL;
    int status = 0;
    int fd = -1;
    pid_t pid = go_start(script, &fd);

    in = fdopen(fd, "r");
    if (in == NULL)
        check_failed("fdopen: %s", strerror(errno));
    go_read(g, in);
    fclose(in);
    if (waitpid(pid, &status, 0) != pid)
        check_failed("waitpid: %s", strerror(errno));
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void go_run(struct bench *b)
{
    struct go *g = &b->r.go;
    int ok = 0;

    if (b->progress)
        fprintf(stderr,
                "bench: Go peers: %s (slow: it builds and runs four "
                "programs per size)\n",
                b->o.go_peers);
    watchdog_disarm(&b->dog); /* it may install Go first: give it time */
    ok = go_run_script(g, b->o.go_peers);
    if (ok && b->o.go_loopback != NULL) {
        if (b->progress)
            fprintf(stderr, "bench: grpc-go over loopback TCP: %s\n",
                    b->o.go_loopback);
        ok = go_run_script(g, b->o.go_loopback);
    }
    g->ran = ok && g->n > 0;
    g->failed = !g->ran;
}

/* ---- section 7 ---------------------------------------------------------- */

static void print_go_echo(const struct bench *b)
{
    static const int w[6] = {9, 15, 12, 17, 10, 0};
    static const char *const head[6] = {"size",       "duplex",
                                        "Go io.Pipe", "Go grpc bufconn",
                                        "/best Go",   "/io.Pipe"};
    const struct go *g = &b->r.go;
    char c[5][CELL_MAX];
    int si = 0;

    printf("   Echo, messages/s (higher is better):\n");
    print_row(6, w, head);
    for (si = 0; si < NSIZES; si++) {
        size_t size = bench_sizes[si];
        double d = b->r.echo[si].median;
        double io_pipe = go_value(g, "netpipe-echo", size, 0);
        const char *row[6] = {
            bench_size_names[si], c[0], c[1], c[2], c[3], c[4]};

        fmt_cell(c[0], CELL_MAX, &b->r.echo[si]);
        fmt_num(c[1], CELL_MAX, io_pipe);
        fmt_num(c[2], CELL_MAX, go_value(g, "bufconn-echo", size, 0));
        fmt_ratio(c[3], CELL_MAX, d, go_best_echo(g, size));
        fmt_ratio(c[4], CELL_MAX, d, io_pipe);
        print_row(6, w, row);
    }
}

static void print_go_pingpong(const struct bench *b)
{
    static const int w[4] = {9, 15, 12, 0};
    static const char *const head[4] = {"size", "duplex", "Go io.Pipe",
                                        "ratio"};
    const struct go *g = &b->r.go;
    char c[3][CELL_MAX];
    int si = 0;

    printf("   Ping-pong median, microseconds (lower is better):\n");
    print_row(4, w, head);
    for (si = 0; si < NSIZES; si++) {
        const struct summary *duplex = &b->r.ping[si][0][0];
        double go_med = go_value(g, "pingpong-iopipe", bench_sizes[si], 1);
        const char *row[4] = {bench_size_names[si], c[0], c[1], c[2]};

        fmt_cell(c[0], CELL_MAX, duplex);
        fmt_num(c[1], CELL_MAX, go_med);
        fmt_ratio(c[2], CELL_MAX, duplex->median, go_med);
        print_row(4, w, row);
    }
}

/* One row of the h2 comparison: duplex's cell, grpc-go's, the ratio. */
static void print_go_h2_row(const int w[4], const char *name,
                            const struct summary *duplex, double go)
{
    char c[3][CELL_MAX];
    const char *row[4] = {name, c[0], c[1], c[2]};

    fmt_cell(c[0], CELL_MAX, duplex);
    fmt_num(c[1], CELL_MAX, go);
    fmt_ratio(c[2], CELL_MAX, duplex->median, go);
    print_row(4, w, row);
}

/* Figure 9 against grpc-go: over bufconn (the shared peers) and over
 * loopback TCP (grpcloop). */
static void print_go_h2(const struct bench *b)
{
    static const int w[4] = {30, 15, 12, 0};
    static const char *const head[4] = {"h2 wire", "duplex", "grpc-go",
                                        "ratio"};
    const struct go *g = &b->r.go;
    char name[48];
    int si = 0;

    printf("   The HTTP/2 wire (9) against grpc-go: echo messages/s (higher "
           "is better),\n"
           "   ping-pong median us (lower is better):\n");
    print_row(4, w, head);
    for (si = 0; si < NSIZES; si++) {
        size_t size = bench_sizes[si];

        snprintf(name, sizeof name, "echo %s / bufconn",
                 bench_size_names[si]);
        print_go_h2_row(w, name, &b->r.h2_echo[si],
                        go_value(g, "bufconn-echo", size, 0));
        snprintf(name, sizeof name, "ping-pong %s / bufconn",
                 bench_size_names[si]);
        print_go_h2_row(w, name, &b->r.h2_ping[si][0],
                        go_value(g, "pingpong-bufconn", size, 1));
        snprintf(name, sizeof name, "loopback echo %s / TCP",
                 bench_size_names[si]);
        print_go_h2_row(w, name, &b->r.h2_loop[si],
                        go_value(g, "grpc-loopback", size, 0));
    }
}

void go_print(const struct bench *b)
{
    const struct go *g = &b->r.go;
    int i = 0;

    printf("7. Go peers, same run (%s)\n", b->o.go_peers);
    for (i = 0; i < g->nraw; i++)
        printf("   | %s\n", g->raw[i]);
    if (g->failed) {
        printf("   FAILED: the script did not finish cleanly (its messages "
               "are above, on stderr)\n\n");
        return;
    }
    if (figure_ran(b, &figure_echo))
        print_go_echo(b);
    if (figure_ran(b, &figure_pingpong))
        print_go_pingpong(b);
    if (figure_ran(b, &figure_h2))
        print_go_h2(b);
    printf("\n");
}

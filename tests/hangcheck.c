/*
 * hangcheck: run a command and kill it only when it hangs, never because
 * the machine is busy.
 *
 *   hangcheck [--idle SECONDS] [--max SECONDS] [--] COMMAND [ARG...]
 *
 * timeout(1) kills a command after a fixed time, so on a loaded machine a
 * slow but healthy test fails like a deadlocked one. hangcheck asks a
 * different question: is the command still doing anything? A deadlocked
 * test sleeps in the kernel and uses no CPU; a slow one keeps using CPU,
 * however little it gets. So hangcheck watches the CPU time of the
 * command's whole process group and kills the group when, for --idle
 * seconds (default 60), it used less than 0.2% of one core. --max (default
 * 0: none) is a last resort against a livelock, which spins and never
 * idles, and for Valgrind, whose scheduler polls (about 4% of a core)
 * even when every thread of the program is blocked.
 *
 * Design
 *   - The command runs in its own process group, so the CPU sum covers
 *     everything it starts (a shell script's children too) and one kill
 *     reaches all of them. SIGINT, SIGTERM and SIGHUP sent to hangcheck
 *     are passed on to the group, so Ctrl-C still stops a test.
 *   - CPU time comes from /proc/PID/stat: utime + stime of every member,
 *     plus cutime + cstime (children a member already reaped). A member
 *     that exits can make the sum drop; any change bigger than the
 *     threshold counts as progress.
 *   - The wait is sigtimedwait on SIGCHLD with a one-second timeout, so a
 *     command that finishes is noticed at once, not at the next tick.
 *
 * Exit status: the command's own; 124 when it was killed for a hang (as
 * timeout(1) does); 125 for hangcheck's own usage errors; 126/127 when the
 * command could not be run.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HANGCHECK_KILLED 124
#define HANGCHECK_USAGE 125

struct watch {
    pid_t pgid;
    long idle_s;  /* no progress for this long is a hang */
    long max_s;   /* 0: no limit */
    long hz;      /* clock ticks per second */
    char *const *argv;
};

static int usage(const char *why)
{
    if (why != NULL)
        fprintf(stderr, "hangcheck: %s\n", why);
    fprintf(stderr, "usage: hangcheck [--idle SECONDS] [--max SECONDS] "
                    "[--] COMMAND [ARG...]\n");
    return HANGCHECK_USAGE;
}

static int parse_seconds(const char *s, long *out)
{
    char *end = NULL;
    long v = 0;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 86400)
        return -1;
    *out = v;
    return 0;
}

/* CPU ticks used by process group pgid: its members and what they reaped. */
static unsigned long long group_ticks(pid_t pgid)
{
    unsigned long long sum = 0;
    struct dirent *e = NULL;
    DIR *d = opendir("/proc");

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char path[300], buf[1024];
        unsigned long long ut = 0, st = 0, cut = 0, cst = 0;
        long pgrp = 0;
        const char *p = NULL;
        FILE *f = NULL;
        size_t n = 0;

        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        f = fopen(path, "r");
        if (f == NULL)
            continue; /* it exited meanwhile */
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        /* The name is in parentheses and may hold spaces: skip past it. */
        p = strrchr(buf, ')');
        if (p == NULL)
            continue;
        /* state ppid pgrp session tty tpgid flags minflt cminflt majflt
           cmajflt utime stime cutime cstime */
        if (sscanf(p + 1,
                   " %*c %*d %ld %*d %*d %*d %*u %*u %*u %*u %*u "
                   "%llu %llu %llu %llu",
                   &pgrp, &ut, &st, &cut, &cst) != 5)
            continue;
        if (pgrp == (long)pgid)
            sum += ut + st + cut + cst;
    }
    closedir(d);
    return sum;
}

/* Says why, and asks the group to stop (SIGKILL follows if it does not). */
static void kill_group(pid_t pgid, const char *why, char *const *argv)
{
    int i = 0;

    fprintf(stderr, "hangcheck: %s: killed", why);
    for (i = 0; argv[i] != NULL && i < 4; i++)
        fprintf(stderr, " %s", argv[i]);
    fprintf(stderr, "%s\n", argv[i] != NULL ? " ..." : "");
    kill(-pgid, SIGTERM);
}

static int exit_code(int wstatus)
{
    if (WIFEXITED(wstatus))
        return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus))
        return 128 + WTERMSIG(wstatus);
    return 1;
}

/*
 * Waits for the command, watching its group. Returns its exit code, or
 * HANGCHECK_KILLED after a kill.
 */
static int watch(const struct watch *w, pid_t child, const sigset_t *sigs)
{
    unsigned long long base = group_ticks(w->pgid);
    /*
     * Progress: more than 0.2% of one core over the idle window. A
     * deadlocked process uses none; a niced one on a loaded machine still
     * gets more than that.
     */
    unsigned long long threshold = (unsigned long long)(w->idle_s * w->hz) / 500;
    long idle = 0, total = 0;
    int wstatus = 0, killed = 0;

    for (;;) {
        struct timespec one = {1, 0};
        unsigned long long now = 0;
        int sig = sigtimedwait(sigs, NULL, &one);
        pid_t r = waitpid(child, &wstatus, WNOHANG);

        if (r == child && killed)
            kill(-w->pgid, SIGKILL); /* whatever it left behind */
        if (r == child)
            return killed ? HANGCHECK_KILLED : exit_code(wstatus);
        if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
            kill(-w->pgid, sig);
            continue;
        }
        if (sig != -1)
            continue; /* SIGCHLD from a grandchild */
        if (killed && ++killed > 2) {
            kill(-w->pgid, SIGKILL); /* two seconds after SIGTERM */
            continue;
        }
        if (killed)
            continue;
        total++;
        now = group_ticks(w->pgid);
        if (now > base + threshold || now < base) {
            base = now;
            idle = 0;
        } else if (++idle >= w->idle_s) {
            char why[96];
            snprintf(why, sizeof why, "no progress for %ld s (under 0.2%% CPU)",
                     w->idle_s);
            kill_group(w->pgid, why, w->argv);
            killed = 1;
        }
        if (!killed && w->max_s > 0 && total >= w->max_s) {
            char why[96];
            snprintf(why, sizeof why, "still running after %ld s (--max)",
                     w->max_s);
            kill_group(w->pgid, why, w->argv);
            killed = 1;
        }
    }
}

int main(int argc, char **argv)
{
    struct watch w = {0, 60, 0, 100, NULL};
    sigset_t sigs, old;
    pid_t child = 0;
    int i = 1;

    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "--help") == 0) {
            usage(NULL);
            return 0;
        }
        if (i + 1 >= argc)
            return usage("an option needs a value");
        if (strcmp(argv[i], "--idle") == 0 &&
            parse_seconds(argv[i + 1], &w.idle_s) == 0 && w.idle_s > 0)
            i++;
        else if (strcmp(argv[i], "--max") == 0 &&
                 parse_seconds(argv[i + 1], &w.max_s) == 0)
            i++;
        else
            return usage("--idle wants 1..86400 seconds, --max 0..86400");
    }
    if (i >= argc)
        return usage("no command");
    w.argv = argv + i;
    w.hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;

    sigemptyset(&sigs);
    sigaddset(&sigs, SIGCHLD);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    sigprocmask(SIG_BLOCK, &sigs, &old);
    child = fork();
    if (child < 0) {
        perror("hangcheck: fork");
        return 126;
    }
    if (child == 0) {
        setpgid(0, 0);
        sigprocmask(SIG_SETMASK, &old, NULL);
        execvp(w.argv[0], w.argv);
        fprintf(stderr, "hangcheck: %s: %s\n", w.argv[0], strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
    }
    setpgid(child, child); /* also here: no race with the first sample */
    w.pgid = child;
    return watch(&w, child, &sigs);
}

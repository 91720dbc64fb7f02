/*
 * test_recall: the active-recall cards, their Leitner boxes, the state
 * file, the session's order and the `duplex recall` drill.
 *
 * Every test gets its own temporary directory (mkdtemp) with a lesson/
 * folder for fixture lessons, and DUPLEX_STATE_DIR pointing inside it, so
 * no test reads or writes the real ~/.local/state. DUPLEX_TODAY is day
 * 20000 (2024-10-04) unless a test travels in time.
 *
 * The drill is run through cli_main, as a learner runs it, with a
 * tmpfile() as stdin: not a terminal, so each line is one key. Some tests
 * give it a pseudo-terminal instead, to see single keys work and the
 * terminal come back as it was, also when a signal ends the drill (in a
 * child process, which the signal kills). Another child process stands
 * for a second drill saving at the same time. posix_openpt and nftw are
 * X/Open functions, hence _XOPEN_SOURCE.
 */
#define _XOPEN_SOURCE 700

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "app/cli.h"
#include "app/recall.h"
#include "support.h"

/* ---- fixtures ----------------------------------------------------------- */

/* Two cards, one with an answer over two lines and a blank before Proof. */
static const char day1[] =
    "# Day 1: half-close\n"
    "\n"
    "## Objective\n"
    "\n"
    "```sh\n"
    "# a comment in a fence is no heading\n"
    "make demo\n"
    "```\n"
    "\n"
    "## Active Recall\n"
    "\n"
    "### Q: What does CloseSend do?\n"
    "A: It half-closes the client's direction:\n"
    "   the server reads every message, then EOF.\n"
    "Proof: `test_close_send_then_eof` in `tests/test_stream.c`\n"
    "\n"
    "### Q: What may the server do after EOF?\n"
    "A: Send more, then end the call with a status.\n"
    "\n"
    "Proof: `test_send_after_eof` in `tests/test_stream.c`\n"
    "\n"
    "## Feynman\n"
    "\n"
    "### Q: Not a card: outside the section, reported.\n";

/* One card, with a bare (no backticks) proof. */
static const char day2[] =
    "## Active recall (5 minutes)\n"
    "### Q: How long is a frame header?\n"
    "A: Five bytes.\n"
    "Proof: test_frame_header_len in tests/test_frame.c\n";

/*
 * What reading day1.md reports: its last card is outside the section. In
 * expected texts, {} stands for the lesson directory (see subst).
 */
static const char day1_warning[] =
    "{}/day-1.md:24: a card outside the '## Active Recall' section; card "
    "skipped\n";

struct fx {
    char root[256];      /* the test's temporary directory */
    char lessons[300];   /* root/lesson */
    char state_dir[300]; /* root/state: DUPLEX_STATE_DIR */
    char state[320];     /* root/state/recall.state */
    char cwd[1024];      /* the working directory, put back by teardown */
    char *home;          /* $HOME (a copy), put back by teardown */
};

static int setup(void **state)
{
    const char *tmp = getenv("TMPDIR");
    const char *home = getenv("HOME");
    struct fx *f = calloc(1, sizeof *f);

    assert_non_null(f);
    assert_non_null(getcwd(f->cwd, sizeof f->cwd));
    f->home = home != NULL ? strdup(home) : NULL;
    snprintf(f->root, sizeof f->root, "%s/duplex-recall-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->lessons, sizeof f->lessons, "%s/lesson", f->root);
    assert_int_equal(mkdir(f->lessons, 0700), 0);
    snprintf(f->state_dir, sizeof f->state_dir, "%s/state", f->root);
    snprintf(f->state, sizeof f->state, "%s/recall.state", f->state_dir);
    assert_int_equal(setenv("DUPLEX_STATE_DIR", f->state_dir, 1), 0);
    assert_int_equal(setenv("DUPLEX_TODAY", "20000", 1), 0);
    *state = f;
    return 0;
}

static int remove_one(const char *path, const struct stat *sb, int flag,
                      struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    struct fx *f = *state;

    assert_int_equal(chdir(f->cwd), 0);
    nftw(f->root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    if (f->home != NULL)
        setenv("HOME", f->home, 1);
    free(f->home);
    free(f);
    unsetenv("DUPLEX_STATE_DIR");
    unsetenv("DUPLEX_TODAY");
    return 0;
}

/* Writes text to dir/name. */
static void put(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *fp = NULL;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

/* The whole of a file, to free(); NULL when it cannot be read. */
static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "r");
    char *text = NULL;
    size_t len = 0;
    FILE *mem = NULL;
    int ch = 0;

    if (fp == NULL)
        return NULL;
    mem = open_memstream(&text, &len);
    assert_non_null(mem);
    while ((ch = getc(fp)) != EOF)
        fputc(ch, mem);
    fclose(fp);
    fclose(mem);
    return text;
}

/* Loads dir; what was reported lands in *warnings (to free). */
static struct recall_deck *load(const char *dir, char **warnings)
{
    struct recall_deck *d = NULL;
    struct status_detail why;
    struct sink w;

    sink_open(&w);
    assert_int_equal(recall_deck_load(dir, w.f, &d, &why), STATUS_OK);
    sink_text(&w);
    *warnings = w.text;
    assert_non_null(d);
    return d;
}

/* A new string: text with every "{}" replaced by value. */
static char *subst(const char *text, const char *value)
{
    char *out = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&out, &len);
    const char *p = NULL;

    assert_non_null(mem);
    while ((p = strstr(text, "{}")) != NULL) {
        fprintf(mem, "%.*s%s", (int)(p - text), text, value);
        text = p + 2;
    }
    fputs(text, mem);
    fclose(mem);
    return out;
}

/* Fails unless text is want with "{}" standing for value. */
static void assert_text(const char *text, const char *want, const char *value)
{
    char *expected = subst(want, value);

    assert_string_equal(text, expected);
    free(expected);
}

/* Loads dir, which must report exactly want ("{}" for dir). */
static struct recall_deck *load_expecting(const char *dir, const char *want)
{
    char *warnings = NULL;
    struct recall_deck *d = load(dir, &warnings);

    assert_text(warnings, want, dir);
    free(warnings);
    return d;
}

/* Loads the single lesson text, expecting the warnings want. */
static struct recall_deck *load_text(struct fx *f, const char *text,
                                     const char *want)
{
    put(f->lessons, "x.md", text);
    return load_expecting(f->lessons, want);
}

static void assert_card(const struct recall_card *c, const char *question,
                        const char *answer, const char *test, const char *file,
                        int line)
{
    assert_string_equal(c->question, question);
    assert_string_equal(c->answer, answer);
    assert_string_equal(c->proof_test, test);
    assert_string_equal(c->proof_file, file);
    assert_int_equal(c->line, line);
}

/* A state holding the lines given, as if loaded. */
static struct recall_state *state_of(struct fx *f, const char *text)
{
    struct recall_state *s = NULL;
    struct status_detail why;

    assert_int_equal(recall_state_prepare(f->state, &why), STATUS_OK);
    put(f->root, "state/recall.state", text);
    assert_int_equal(recall_state_load(f->state, NULL, &s, &why), STATUS_OK);
    return s;
}

/* What one `duplex recall ...` printed, and its exit code. */
struct run {
    int code;
    const char *out;
    const char *err;
    struct sink out_sink, err_sink;
};

/* Runs `duplex recall args...` (args ends with NULL) with keys as stdin. */
static void recall(struct run *r, const char *keys, const char *const *args)
{
    char *argv[16];
    int argc = 0;
    FILE *in = tmpfile();

    assert_non_null(in);
    fputs(keys, in);
    rewind(in);
    memset(r, 0, sizeof *r);
    argv[argc++] = "duplex";
    argv[argc++] = "recall";
    while (*args != NULL) {
        assert_true(argc < 15);
        argv[argc++] = (char *)*args++;
    }
    argv[argc] = NULL;
    r->code = cli_main(argc, argv, in, sink_open(&r->out_sink),
                       sink_open(&r->err_sink));
    fclose(in);
    r->out = sink_text(&r->out_sink);
    r->err = sink_text(&r->err_sink);
    /* Neither stream is a terminal: never a colour. */
    if (strchr(r->out, '\033') != NULL || strchr(r->err, '\033') != NULL)
        fail_msg("an escape sequence in output to a file:\n%s%s", r->out,
                 r->err);
}

static void run_free(struct run *r)
{
    sink_free(&r->out_sink);
    sink_free(&r->err_sink);
}

/* The drill of f's lessons with keys, which must end with exit code 0. */
static void drill(struct fx *f, struct run *r, const char *keys)
{
    recall(r, keys, (const char *[]){"--lessons", f->lessons, NULL});
    if (r->code != 0)
        fail_msg("exit %d:\n%s%s", r->code, r->out, r->err);
}

/* Fails unless the state file holds exactly these card lines. */
static void assert_state(struct fx *f, const char *lines)
{
    char *text = slurp(f->state);
    const char *header =
        "# duplex recall progress: CARD-ID BOX DUE-DAY (days since "
        "1970-01-01).\n# Written by `duplex recall`; safe to edit or "
        "delete.\n";

    assert_non_null(text);
    assert_int_equal(strncmp(text, header, strlen(header)), 0);
    assert_string_equal(text + strlen(header), lines);
    free(text);
}

/* The ids of the fixture cards (pinned: state files depend on them). */
#define ID_CLOSE "day-1#83b9fb7c"
#define ID_AFTER "day-1#0e17e536"
#define ID_FRAME "day-2#ddc85337"

/* ---- the lessons -------------------------------------------------------- */

static void test_recall_deck_loads_good_cards(void **state)
{
    struct fx *f = *state;
    struct recall_deck *d = NULL;
    char path[400];

    put(f->lessons, "day-1.md", day1);
    d = load_expecting(f->lessons, day1_warning);
    assert_int_equal(d->count, 2);
    assert_int_equal(d->skipped, 1);
    assert_card(&d->cards[0], "What does CloseSend do?",
                "It half-closes the client's direction: the server reads "
                "every message, then EOF.",
                "test_close_send_then_eof", "tests/test_stream.c", 12);
    assert_card(&d->cards[1], "What may the server do after EOF?",
                "Send more, then end the call with a status.",
                "test_send_after_eof", "tests/test_stream.c", 17);
    snprintf(path, sizeof path, "%s/day-1.md", f->lessons);
    assert_string_equal(d->cards[0].source, path);
    assert_string_equal(d->cards[0].id, ID_CLOSE);
    assert_string_equal(d->cards[1].id, ID_AFTER);
    recall_deck_destroy(d);
}

static void test_recall_deck_joins_answer_lines_and_crlf(void **state)
{
    struct fx *f = *state;
    struct recall_deck *d =
        load_text(f,
                  "## Active Recall\r\n"
                  "### Q:   Spaces around a question   \r\n"
                  "\r\n"
                  "A:\r\n"
                  "\tfirst line,\r\n"
                  "  second line,   \r\n"
                  "third.\r\n"
                  "   Proof:   `test_a`   in   `tests/test_a-b.c`   \r\n"
                  "Text after the proof is the lesson's business.\r\n",
                  "");

    assert_int_equal(d->count, 1);
    assert_card(&d->cards[0], "Spaces around a question",
                "first line, second line, third.", "test_a", "tests/test_a-b.c",
                2);
    recall_deck_destroy(d);
}

static void test_recall_deck_reports_a_missing_answer(void **state)
{
    struct fx *f = *state;
    struct recall_deck *d =
        load_text(f,
                  "## Active Recall\n"
                  "### Q: Heading before the answer?\n"
                  "\n"
                  "### Q: Text instead of the answer?\n"
                  "Proof: `test_a` in `tests/test_a.c`\n"
                  "A: too late\n"
                  "### Q: A good card between bad ones\n"
                  "A: Kept.\n"
                  "Proof: `test_a` in `tests/test_a.c`\n"
                  "### Q: The file ends before the answer?\n",
                  "{}/x.md:2: no 'A:' line after the question; card "
                  "skipped\n"
                  "{}/x.md:5: the line after a question starts with 'A:', "
                  "not 'Proof: `test_a` in `tests/test_a.c`'; card skipped\n"
                  "{}/x.md:10: no 'A:' line after the question; card "
                  "skipped\n");

    assert_int_equal(d->count, 1);
    assert_int_equal(d->skipped, 3);
    assert_string_equal(d->cards[0].question, "A good card between bad ones");
    recall_deck_destroy(d);
}

static void test_recall_deck_reports_a_missing_proof(void **state)
{
    struct fx *f = *state;
    struct recall_deck *d =
        load_text(f,
                  "## Active Recall\n"
                  "### Q: A heading comes first?\n"
                  "A: yes\n"
                  "#### Notes\n"
                  "### Q: A second paragraph instead of the proof?\n"
                  "A: yes\n"
                  "\n"
                  "More text.\n"
                  "Proof: `test_a` in `tests/test_a.c`\n"
                  "## Next section\n"
                  "### Q: The file ends first?\n"
                  "A: yes\n",
                  "{}/x.md:2: no 'Proof:' line after the answer; card "
                  "skipped\n"
                  "{}/x.md:8: after the answer comes 'Proof: `test_name` in "
                  "`tests/file.c`', not 'More text.'; card skipped\n"
                  "{}/x.md:11: a card outside the '## Active Recall' "
                  "section; card skipped\n");

    assert_int_equal(d->count, 0);
    assert_int_equal(d->skipped, 3);
    recall_deck_destroy(d);
    d = load_text(f, "## Active Recall\n### Q: q\nA: yes\n",
                  "{}/x.md:2: no 'Proof:' line after the answer; card "
                  "skipped\n");
    recall_deck_destroy(d);
}

static void test_recall_deck_reports_malformed_proofs(void **state)
{
    static const char *const bad[] = {
        "Proof:",
        "Proof: `test_a`",
        "Proof: `test_a` on `tests/test_a.c`",
        "Proof: `test_a` in",
        "Proof: `test_a` in `tests/test_a.c` and more",
        "Proof: `test a` in `tests/test_a.c`",
        "Proof: `1test` in `tests/test_a.c`",
        "Proof: `test_a` in `src/core/pipe.c`",
        "Proof: `test_a` in `tests/test_a.h`",
        "Proof: `test_a` in `tests/.c`",
        "Proof: `test_a` in `tests/sub/test_a.c`",
        "Proof: `test_a in `tests/test_a.c`",
        "Proof: `test_a` in `tests/test_a.c",
        "Proof: `` in `tests/test_a.c`",
    };
    struct fx *f = *state;
    size_t i = 0;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256], want[512];
        struct recall_deck *d = NULL;

        snprintf(text, sizeof text, "## Active Recall\n### Q: q\nA: a\n%s\n",
                 bad[i]);
        snprintf(want, sizeof want,
                 "{}/x.md:4: a proof reads 'Proof: `test_name` in "
                 "`tests/file.c`', not '%.60s'; card skipped\n",
                 bad[i]);
        d = load_text(f, text, want);
        assert_int_equal(d->count, 0);
        recall_deck_destroy(d);
    }
}

static void test_recall_deck_reports_empty_question_and_answer(void **state)
{
    struct fx *f = *state;
    struct recall_deck *d =
        load_text(f,
                  "## Active Recall\n"
                  "### Q:   \n"
                  "A: a\n"
                  "Proof: `test_a` in `tests/test_a.c`\n"
                  "### Q: Empty answer\n"
                  "A:\n"
                  "Proof: `test_a` in `tests/test_a.c`\n",
                  "{}/x.md:2: the question is empty; card skipped\n"
                  "{}/x.md:5: the answer is empty; card skipped\n");

    assert_int_equal(d->count, 0);
    assert_int_equal(d->skipped, 2);
    recall_deck_destroy(d);
}

static void test_recall_deck_reads_only_the_active_recall_section(void **state)
{
    struct fx *f = *state;
    struct recall_deck *d =
        load_text(f,
                  "# Day\n"
                  "### Q: Before the section\n"
                  "## ACTIVE RECALL\n"
                  "```\n"
                  "## Feynman (inside a fence: no heading)\n"
                  "```\n"
                  "### Q: In it\n"
                  "A: yes\n"
                  "~~~\n"
                  "# still the answer\n"
                  "~~~\n"
                  "Proof: `test_a` in `tests/test_a.c`\n"
                  "###Q: not a heading (no blank)\n"
                  "####### not a heading (seven)\n"
                  "# Another page heading ends the section\n"
                  "### Q: After it\n",
                  "{}/x.md:2: a card outside the '## Active Recall' "
                  "section; card skipped\n"
                  "{}/x.md:16: a card outside the '## Active Recall' "
                  "section; card skipped\n");

    assert_int_equal(d->count, 1);
    assert_string_equal(d->cards[0].answer, "yes ~~~ # still the answer ~~~");
    recall_deck_destroy(d);
}

static void test_recall_deck_reads_several_files_in_name_order(void **state)
{
    struct fx *f = *state;
    struct recall_deck *d = NULL;
    char sub[400];

    put(f->lessons, "day-2.md", day2);
    put(f->lessons, "day-1.md", day1);
    put(f->lessons, "notes.txt", day2);
    put(f->lessons, ".hidden.md", day2);
    put(f->lessons, "empty.md", "");
    snprintf(sub, sizeof sub, "%s/sub", f->lessons);
    assert_int_equal(mkdir(sub, 0700), 0);
    put(sub, "day-3.md", day2);
    d = load_expecting(f->lessons, day1_warning);
    assert_int_equal(d->count, 3);
    assert_string_equal(d->cards[0].id, ID_CLOSE);
    assert_string_equal(d->cards[1].id, ID_AFTER);
    assert_string_equal(d->cards[2].id, ID_FRAME);
    assert_card(&d->cards[2], "How long is a frame header?", "Five bytes.",
                "test_frame_header_len", "tests/test_frame.c", 2);
    recall_deck_destroy(d);
}

static void test_recall_deck_ids_are_stable(void **state)
{
    struct fx *f = *state;
    struct recall_deck *d = NULL;
    char *warnings = NULL;

    /* A card added before another keeps the other's id. */
    put(f->lessons, "day-2.md",
        "## Active Recall\n"
        "### Q: A new card first\n"
        "A: a\n"
        "Proof: `test_a` in `tests/test_a.c`\n"
        "### Q: How long is a frame header?\n"
        "A: Changed answers keep the id.\n"
        "Proof: `test_a` in `tests/test_a.c`\n");
    put(f->lessons, "my day#3.md", day2);
    d = load(f->lessons, &warnings);
    assert_string_equal(warnings, "");
    assert_int_equal(d->count, 3);
    assert_string_equal(d->cards[1].id, ID_FRAME);
    assert_int_equal(strncmp(d->cards[0].id, "day-2#", 6), 0);
    assert_int_equal(strlen(d->cards[0].id), 14);
    assert_string_not_equal(d->cards[0].id, ID_FRAME);
    /* Blanks and '#' in a file name do not reach the id. */
    assert_string_equal(d->cards[2].id, "my-day-3#ddc85337");
    recall_deck_destroy(d);
    free(warnings);
}

static void test_recall_deck_reports_a_repeated_question(void **state)
{
    struct fx *f = *state;
    struct recall_deck *d = load_text(f,
                                      "## Active Recall\n"
                                      "### Q: Twice\n"
                                      "A: a\n"
                                      "Proof: `test_a` in `tests/test_a.c`\n"
                                      "### Q: Twice\n"
                                      "A: b\n"
                                      "Proof: `test_b` in `tests/test_b.c`\n",
                                      "{}/x.md:5: the same question as "
                                      "{}/x.md:2; card skipped\n");

    assert_int_equal(d->count, 1);
    assert_string_equal(d->cards[0].answer, "a");
    recall_deck_destroy(d);
}

static void test_recall_deck_without_the_directory_fails(void **state)
{
    struct fx *f = *state;
    /* A sentinel: a failing load must leave the out-parameter alone. */
    struct recall_deck *d = (struct recall_deck *)&d;
    struct status_detail why;
    char path[400];

    snprintf(path, sizeof path, "%s/nope", f->root);
    assert_int_equal(recall_deck_load(path, NULL, &d, &why), STATUS_NOT_FOUND);
    assert_ptr_equal(d, &d);
    assert_has(why.text, "cannot read the lesson directory '");
    assert_has(why.text, "/nope': No such file or directory");
    put(f->root, "file", "");
    snprintf(path, sizeof path, "%s/file", f->root);
    assert_int_equal(recall_deck_load(path, NULL, &d, &why), STATUS_NOT_FOUND);
    assert_ptr_equal(d, &d);
    assert_has(why.text, "/file': Not a directory");
    recall_deck_destroy(NULL);
}

static void test_recall_deck_skips_unreadable_files(void **state)
{
    struct fx *f = *state;
    struct recall_deck *d = NULL;
    char path[400];

    put(f->lessons, "day-2.md", day2);
    /* A directory named like a lesson: it opens, but reading fails. */
    snprintf(path, sizeof path, "%s/a-dir.md", f->lessons);
    assert_int_equal(mkdir(path, 0700), 0);
    /* A link to nowhere: it does not even open. */
    snprintf(path, sizeof path, "%s/b-gone.md", f->lessons);
    assert_int_equal(symlink("/nonexistent/duplex", path), 0);
    d = load_expecting(f->lessons,
                       "{}/a-dir.md: cannot read: Is a directory; file "
                       "skipped\n"
                       "{}/b-gone.md: cannot read: No such file or directory; "
                       "file skipped\n");
    assert_int_equal(d->count, 1);
    assert_int_equal(d->skipped, 2);
    recall_deck_destroy(d);
}

static void test_recall_deck_of_an_empty_directory(void **state)
{
    struct fx *f = *state;
    struct recall_deck *d = NULL;
    struct status_detail why;
    char dir[400];

    assert_int_equal(recall_deck_load(f->lessons, NULL, &d, &why), STATUS_OK);
    assert_int_equal(d->count, 0);
    assert_int_equal(d->skipped, 0);
    recall_deck_destroy(d);
    /* No warn stream: problems are only counted. */
    put(f->lessons, "x.md", "## Active Recall\n### Q: q\n");
    assert_int_equal(recall_deck_load(f->lessons, NULL, &d, &why), STATUS_OK);
    assert_int_equal(d->count, 0);
    assert_int_equal(d->skipped, 1);
    recall_deck_destroy(d);
    /* "lesson/" is "lesson": no doubled slash in the cards' places. */
    snprintf(dir, sizeof dir, "%s/", f->lessons);
    put(f->lessons, "x.md", day2);
    assert_int_equal(recall_deck_load(dir, NULL, &d, &why), STATUS_OK);
    assert_int_equal(d->count, 1);
    snprintf(dir, sizeof dir, "%s/x.md", f->lessons);
    assert_string_equal(d->cards[0].source, dir);
    recall_deck_destroy(d);
}

/* ---- Leitner boxes ------------------------------------------------------ */

static void test_recall_box_days_double_per_box(void **state)
{
    (void)state;
    assert_int_equal(recall_box_days(1), 1);
    assert_int_equal(recall_box_days(2), 2);
    assert_int_equal(recall_box_days(3), 4);
    assert_int_equal(recall_box_days(4), 8);
    assert_int_equal(recall_box_days(5), 16);
    /* Out of range is clamped, never a shift by a negative amount. */
    assert_int_equal(recall_box_days(0), 1);
    assert_int_equal(recall_box_days(9), 16);
}

static void test_recall_box_after_every_grade(void **state)
{
    /* Rows: box 1..5; columns: again, hard, good, easy. */
    static const int want[5][4] = {
        {1, 1, 2, 3}, {1, 2, 3, 4}, {1, 3, 4, 5}, {1, 4, 5, 5}, {1, 5, 5, 5},
    };
    int box = 0, g = 0;

    (void)state;
    for (box = 1; box <= 5; box++)
        for (g = RECALL_AGAIN; g <= RECALL_EASY; g++)
            assert_int_equal(recall_box_after(box, (enum recall_grade)g),
                             want[box - 1][g]);
}

static void test_recall_grade_parse_keys_digits_and_words(void **state)
{
    static const struct {
        const char *text;
        enum recall_grade grade;
    } good[] = {
        {"a", RECALL_AGAIN},     {"A", RECALL_AGAIN}, {"1", RECALL_AGAIN},
        {"again", RECALL_AGAIN}, {"h", RECALL_HARD},  {"2", RECALL_HARD},
        {" Hard ", RECALL_HARD}, {"g", RECALL_GOOD},  {"3", RECALL_GOOD},
        {"GOOD\n", RECALL_GOOD}, {"e", RECALL_EASY},  {"4", RECALL_EASY},
        {"\teasy", RECALL_EASY},
    };
    static const char *const bad[] = {"",   " ",     "x", "5",         "0",
                                      "ag", "goods", "q", "easy peasy"};
    enum recall_grade g = RECALL_AGAIN;
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        g = (enum recall_grade)99;
        assert_int_equal(recall_grade_parse(good[i].text, &g), STATUS_OK);
        assert_int_equal(g, good[i].grade);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        g = (enum recall_grade)99;
        assert_int_equal(recall_grade_parse(bad[i], &g),
                         STATUS_INVALID_ARGUMENT);
        assert_int_equal(g, 99);
    }
    assert_string_equal(recall_grade_name(RECALL_AGAIN), "again");
    assert_string_equal(recall_grade_name(RECALL_HARD), "hard");
    assert_string_equal(recall_grade_name(RECALL_GOOD), "good");
    assert_string_equal(recall_grade_name(RECALL_EASY), "easy");
    assert_string_equal(recall_grade_name((enum recall_grade)7), "?");
}

static void test_recall_state_grade_moves_boxes_and_due_days(void **state)
{
    struct recall_state *s = calloc(1, sizeof *s);
    const struct recall_entry *e = NULL;

    (void)state;
    assert_non_null(s);
    /* A new card grades from box 1. */
    e = recall_state_grade(s, "n#1", RECALL_GOOD, 100);
    assert_int_equal(e->box, 2);
    assert_int_equal(e->due, 102);
    e = recall_state_grade(s, "n#2", RECALL_HARD, 100);
    assert_int_equal(e->box, 1);
    assert_int_equal(e->due, 101);
    e = recall_state_grade(s, "n#3", RECALL_EASY, 100);
    assert_int_equal(e->box, 3);
    assert_int_equal(e->due, 104);
    e = recall_state_grade(s, "n#4", RECALL_AGAIN, 100);
    assert_int_equal(e->box, 1);
    assert_int_equal(e->due, 101);
    /* Up to box 5, then it stays there, every 16 days. */
    e = recall_state_grade(s, "n#3", RECALL_EASY, 104);
    assert_int_equal(e->box, 5);
    assert_int_equal(e->due, 120);
    e = recall_state_grade(s, "n#3", RECALL_GOOD, 120);
    assert_int_equal(e->box, 5);
    assert_int_equal(e->due, 136);
    e = recall_state_grade(s, "n#3", RECALL_HARD, 140);
    assert_int_equal(e->box, 5);
    assert_int_equal(e->due, 156);
    /* Again: back to box 1, tomorrow. */
    e = recall_state_grade(s, "n#3", RECALL_AGAIN, 141);
    assert_int_equal(e->box, 1);
    assert_int_equal(e->due, 142);
    assert_int_equal(s->count, 4);
    assert_ptr_equal(recall_state_find(s, "n#3"), e);
    assert_null(recall_state_find(s, "n#9"));
    recall_state_destroy(s);
    recall_state_destroy(NULL);
}

/* ---- days --------------------------------------------------------------- */

static void test_recall_today_comes_from_duplex_today(void **state)
{
    static const char *const bad[] = {
        "-1", "x", "12x", "100000001", "99999999999999999999", " 5"};
    struct status_detail why;
    int64_t day = 7;
    size_t i = 0;

    (void)state;
    assert_int_equal(recall_today(&day, &why), STATUS_OK);
    assert_int_equal(day, 20000);
    assert_int_equal(setenv("DUPLEX_TODAY", "0", 1), 0);
    assert_int_equal(recall_today(&day, &why), STATUS_OK);
    assert_int_equal(day, 0);
    assert_int_equal(setenv("DUPLEX_TODAY", "100000000", 1), 0);
    assert_int_equal(recall_today(&day, &why), STATUS_OK);
    assert_int_equal(day, 100000000);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        day = 7;
        assert_int_equal(setenv("DUPLEX_TODAY", bad[i], 1), 0);
        assert_int_equal(recall_today(&day, &why), STATUS_INVALID_ARGUMENT);
        assert_int_equal(day, 7);
        assert_has(why.text, "DUPLEX_TODAY wants a day number from 0 to "
                             "100000000 (days since 1970-01-01), not '");
    }
}

static void test_recall_today_comes_from_the_clock(void **state)
{
    struct status_detail why;
    int64_t day = 0;
    int64_t utc = (int64_t)time(NULL) / 86400;

    (void)state;
    assert_int_equal(setenv("DUPLEX_TODAY", "", 1), 0);
    assert_int_equal(recall_today(&day, &why), STATUS_OK);
    /* The local date is the UTC date give or take a day. */
    assert_in_range(day, utc - 1, utc + 1);
    unsetenv("DUPLEX_TODAY");
    assert_int_equal(recall_today(&day, &why), STATUS_OK);
    assert_in_range(day, utc - 1, utc + 1);
}

static void test_recall_day_date_is_the_calendar(void **state)
{
    static const struct {
        int64_t day;
        const char *date;
    } days[] = {
        {0, "1970-01-01"},     {59, "1970-03-01"},    {10956, "1999-12-31"},
        {11016, "2000-02-29"}, {11017, "2000-03-01"}, {19782, "2024-02-29"},
        {20000, "2024-10-04"}, {47540, "2100-02-28"}, {47541, "2100-03-01"},
    };
    char buf[16];
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof days / sizeof days[0]; i++) {
        recall_day_date(days[i].day, buf, sizeof buf);
        assert_string_equal(buf, days[i].date);
    }
}

/* ---- the state file ----------------------------------------------------- */

static void test_recall_state_path_follows_the_environment(void **state)
{
    struct status_detail why;
    char *path = NULL;

    (void)state;
    assert_int_equal(setenv("DUPLEX_STATE_DIR", "/s", 1), 0);
    assert_int_equal(setenv("XDG_STATE_HOME", "/x", 1), 0);
    assert_int_equal(setenv("HOME", "/h", 1), 0);
    assert_int_equal(recall_state_path(&path, &why), STATUS_OK);
    assert_string_equal(path, "/s/recall.state");
    free(path);
    assert_int_equal(setenv("DUPLEX_STATE_DIR", "", 1), 0);
    assert_int_equal(recall_state_path(&path, &why), STATUS_OK);
    assert_string_equal(path, "/x/duplex/recall.state");
    free(path);
    /* A relative XDG_STATE_HOME is ignored, as the XDG spec says. */
    assert_int_equal(setenv("XDG_STATE_HOME", "rel", 1), 0);
    assert_int_equal(recall_state_path(&path, &why), STATUS_OK);
    assert_string_equal(path, "/h/.local/state/duplex/recall.state");
    free(path);
    unsetenv("XDG_STATE_HOME");
    unsetenv("DUPLEX_STATE_DIR");
    assert_int_equal(recall_state_path(&path, &why), STATUS_OK);
    assert_string_equal(path, "/h/.local/state/duplex/recall.state");
    free(path);
    path = (char *)&path; /* a sentinel, as above */
    assert_int_equal(setenv("HOME", "", 1), 0);
    assert_int_equal(recall_state_path(&path, &why),
                     STATUS_FAILED_PRECONDITION);
    assert_ptr_equal(path, &path);
    assert_string_equal(why.text, "no place for the progress file: set HOME, "
                                  "XDG_STATE_HOME or DUPLEX_STATE_DIR");
}

static void test_recall_state_round_trip(void **state)
{
    struct fx *f = *state;
    struct recall_state *s = calloc(1, sizeof *s);
    struct recall_state *back = NULL;
    struct status_detail why;
    size_t i = 0;

    assert_non_null(s);
    recall_state_grade(s, "b#2", RECALL_GOOD, 20000);
    recall_state_grade(s, "a#1", RECALL_EASY, 20000);
    recall_state_grade(s, "c#3", RECALL_AGAIN, 20000);
    assert_int_equal(recall_state_save(s, f->state, &why), STATUS_OK);
    /* Sorted by id, whatever the order of grading. */
    assert_state(f, "a#1 3 20004\nb#2 2 20002\nc#3 1 20001\n");
    assert_int_equal(recall_state_load(f->state, NULL, &back, &why), STATUS_OK);
    assert_int_equal(back->count, 3);
    assert_int_equal(back->skipped, 0);
    for (i = 0; i < s->count; i++) {
        const struct recall_entry *e =
            recall_state_find(back, s->entries[i].id);

        assert_non_null(e);
        assert_int_equal(e->box, s->entries[i].box);
        assert_int_equal(e->due, s->entries[i].due);
    }
    /* Saving what was loaded writes the same bytes. */
    assert_int_equal(recall_state_save(back, f->state, &why), STATUS_OK);
    assert_state(f, "a#1 3 20004\nb#2 2 20002\nc#3 1 20001\n");
    recall_state_destroy(back);
    recall_state_destroy(s);
}

static void test_recall_state_missing_file_is_empty(void **state)
{
    struct fx *f = *state;
    struct recall_state *s = NULL;
    struct status_detail why;

    assert_int_equal(recall_state_load(f->state, NULL, &s, &why), STATUS_OK);
    assert_int_equal(s->count, 0);
    recall_state_destroy(s);
    /* Loading created nothing. */
    assert_int_equal(access(f->state, F_OK), -1);
}

static void test_recall_state_skips_and_reports_bad_lines(void **state)
{
    struct fx *f = *state;
    struct recall_state *s = NULL;
    struct status_detail why;
    struct sink w;

    assert_int_equal(recall_state_prepare(f->state, &why), STATUS_OK);
    put(f->root, "state/recall.state",
        "# a comment\n"
        "\n"
        "good#1 2 20001\r\n"
        "too 3\n"
        "too#many 1 2 3\n"
        "lonely\n"
        "box#0 0 20001\n"
        "box#6 6 20001\n"
        "box#x x 20001\n"
        "due#neg 1 -5\n"
        "due#big 1 100000001\n"
        "due#long 1 12345678901234567890123\n"
        "good#1 5 1\n"
        "   good#2\t 5\t19999   \n"
        "last#line 1 7");
    sink_open(&w);
    assert_int_equal(recall_state_load(f->state, w.f, &s, &why), STATUS_OK);
    sink_text(&w);
    assert_text(w.text,
                "{}:4: a line reads 'CARD-ID BOX DUE-DAY', not 'too 3'; "
                "line skipped\n"
                "{}:5: a line reads 'CARD-ID BOX DUE-DAY', not 'too#many 1 2 "
                "3'; line skipped\n"
                "{}:6: a line reads 'CARD-ID BOX DUE-DAY', not 'lonely'; "
                "line skipped\n"
                "{}:7: the box is 1 to 5, not '0'; line skipped\n"
                "{}:8: the box is 1 to 5, not '6'; line skipped\n"
                "{}:9: the box is 1 to 5, not 'x'; line skipped\n"
                "{}:10: the due day is a day number (0 to 100000000), not "
                "'-5'; line skipped\n"
                "{}:11: the due day is a day number (0 to 100000000), not "
                "'100000001'; line skipped\n"
                "{}:12: the due day is a day number (0 to 100000000), not "
                "'12345678901234567890'; line skipped\n"
                "{}:13: a second line for good#1 (the first one counts); "
                "line skipped\n",
                f->state);
    sink_free(&w);
    assert_int_equal(s->skipped, 10);
    assert_int_equal(s->count, 3);
    assert_int_equal(recall_state_find(s, "good#1")->box, 2);
    assert_int_equal(recall_state_find(s, "good#1")->due, 20001);
    assert_int_equal(recall_state_find(s, "good#2")->due, 19999);
    assert_int_equal(recall_state_find(s, "last#line")->due, 7);
    /* The good lines survive the next save; the bad ones are not copied. */
    assert_int_equal(recall_state_save(s, f->state, &why), STATUS_OK);
    assert_state(f, "good#1 2 20001\ngood#2 5 19999\nlast#line 1 7\n");
    recall_state_destroy(s);
}

static void test_recall_state_unreadable_file_fails(void **state)
{
    struct fx *f = *state;
    /* A sentinel: a failing load must leave the out-parameter alone. */
    struct recall_state *s = (struct recall_state *)&s;
    struct status_detail why;
    char path[400];

    /* The state file is a directory: it opens, but cannot be read. */
    assert_int_equal(recall_state_prepare(f->state, &why), STATUS_OK);
    assert_int_equal(mkdir(f->state, 0700), 0);
    assert_int_equal(recall_state_load(f->state, NULL, &s, &why),
                     STATUS_UNAVAILABLE);
    assert_ptr_equal(s, &s);
    assert_has(why.text, "recall.state: Is a directory");
    assert_int_equal(rmdir(f->state), 0);
    /* A path through a file cannot be opened at all. */
    put(f->root, "state/recall.state", "a#1 1 1\n");
    snprintf(path, sizeof path, "%s/x", f->state);
    assert_int_equal(recall_state_load(path, NULL, &s, &why),
                     STATUS_UNAVAILABLE);
    assert_ptr_equal(s, &s);
    assert_has(why.text, "recall.state/x: Not a directory");
}

static void test_recall_state_save_creates_directories(void **state)
{
    struct fx *f = *state;
    struct recall_state *s = calloc(1, sizeof *s);
    struct status_detail why;
    struct stat sb;
    char path[512];

    assert_non_null(s);
    snprintf(path, sizeof path, "%s/a/b/c/recall.state", f->root);
    assert_int_equal(recall_state_save(s, path, &why), STATUS_OK);
    snprintf(path, sizeof path, "%s/a/b", f->root);
    assert_int_equal(stat(path, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    assert_int_equal(sb.st_mode & 0777, 0700);
    /* A relative path, in the current directory. */
    assert_int_equal(chdir(f->root), 0);
    assert_int_equal(recall_state_save(s, "plain.state", &why), STATUS_OK);
    assert_int_equal(access("plain.state", R_OK), 0);
    recall_state_destroy(s);
}

/* The names in dir, one per line, sorted: to see stray temporary files. */
static char *names_in(const char *dir)
{
    struct dirent **list = NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    int n = scandir(dir, &list, NULL, alphasort);
    int i = 0;

    assert_non_null(mem);
    assert_true(n >= 0);
    for (i = 0; i < n; i++) {
        if (list[i]->d_name[0] != '.')
            fprintf(mem, "%s\n", list[i]->d_name);
        free(list[i]);
    }
    free(list);
    fclose(mem);
    return text;
}

static void test_recall_state_save_is_atomic(void **state)
{
    struct fx *f = *state;
    struct recall_state *s = state_of(f, "old#1 1 5\n");
    struct status_detail why;
    char path[700], dir[400], longname[251];
    char *names = NULL;

    snprintf(dir, sizeof dir, "%s/state", f->root);
    recall_state_grade(s, "new#1", RECALL_GOOD, 10);
    /* Renaming onto a directory fails: nothing changes, nothing is left. */
    snprintf(path, sizeof path, "%s/busy", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    put(path, "inside", "");
    assert_int_equal(recall_state_save(s, path, &why), STATUS_UNAVAILABLE);
    assert_has(why.text, "cannot save ");
    assert_has(why.text, "/busy: Is a directory");
    names = names_in(dir);
    assert_string_equal(names, "busy\nrecall.state\n");
    free(names);
    /* A temporary name too long for the file system: the same. */
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    snprintf(path, sizeof path, "%s/%s", dir, longname);
    assert_int_equal(recall_state_save(s, path, &why), STATUS_UNAVAILABLE);
    assert_has(why.text, "cannot write in ");
    assert_has(why.text, "File name too long");
    /* A directory that cannot be made: a file is in the way. */
    snprintf(path, sizeof path, "%s/recall.state/sub/recall.state", dir);
    assert_int_equal(recall_state_save(s, path, &why), STATUS_UNAVAILABLE);
    assert_has(why.text, "/recall.state/sub: Not a directory");
    assert_int_equal(recall_state_prepare(path, &why), STATUS_UNAVAILABLE);
    snprintf(path, sizeof path, "%s/recall.state/recall.state", dir);
    assert_int_equal(recall_state_prepare(path, &why), STATUS_UNAVAILABLE);
    assert_has(why.text, "/state/recall.state: Not a directory");
    names = names_in(dir);
    assert_string_equal(names, "busy\nrecall.state\n");
    free(names);
    names = slurp(f->state);
    assert_string_equal(names, "old#1 1 5\n");
    free(names);
    /* And a save that works replaces the file whole. */
    assert_int_equal(recall_state_save(s, f->state, &why), STATUS_OK);
    assert_state(f, "new#1 2 12\nold#1 1 5\n");
    names = names_in(dir);
    assert_string_equal(names, "busy\nrecall.state\n");
    free(names);
    recall_state_destroy(s);
}

static void test_recall_state_escapes_what_a_terminal_would_act_on(void **state)
{
    struct fx *f = *state;
    struct recall_state *s = NULL;
    struct recall_deck *d = NULL;
    struct status_detail why;
    struct sink w;

    /*
     * ESC sequences (clear the screen, set the window title), BEL,
     * backspace, a C1 CSI in UTF-8, a lone byte and a cut sequence go out
     * as \xNN; a tab and well-formed UTF-8 (é, an emoji) as they are.
     */
    assert_int_equal(recall_state_prepare(f->state, &why), STATUS_OK);
    put(f->root, "state/recall.state",
        "\033[2J\033]0;pwned\007\b \xc2\x9b"
        "31m caf\xc3\xa9\t\xf0\x9f\x99\x82\n"
        "\xff \xe2\x82 x\n");
    sink_open(&w);
    assert_int_equal(recall_state_load(f->state, w.f, &s, &why), STATUS_OK);
    sink_text(&w);
    assert_text(w.text,
                "{}:1: a line reads 'CARD-ID BOX DUE-DAY', not "
                "'\\x1b[2J\\x1b]0;pwned\\x07\\x08 \\xc2\\x9b31m caf\xc3\xa9\t"
                "\xf0\x9f\x99\x82'; line skipped\n"
                "{}:2: the box is 1 to 5, not '\\xe2\\x82'; line skipped\n",
                f->state);
    sink_free(&w);
    recall_state_destroy(s);
    /* The lessons' warnings go through the same door. */
    d = load_text(f,
                  "## Active Recall\n"
                  "### Q: A question\n"
                  "A: An answer.\n"
                  "Proof: \033[8m`test_a` in `tests/test_a.c`\n",
                  "{}/x.md:4: a proof reads 'Proof: `test_name` in "
                  "`tests/file.c`', not 'Proof: \\x1b[8m`test_a` in "
                  "`tests/test_a.c`'; card skipped\n");
    recall_deck_destroy(d);
}

static void test_recall_state_loads_in_linear_work(void **state)
{
    enum { LINES = 100000 };
    struct fx *f = *state;
    struct recall_state *s = NULL;
    struct status_detail why;
    FILE *fp = NULL;
    size_t before = 0;
    char id[32];
    int i = 0;

    assert_int_equal(recall_state_prepare(f->state, &why), STATUS_OK);
    fp = fopen(f->state, "w");
    assert_non_null(fp);
    for (i = 0; i < LINES; i++)
        fprintf(fp, "day-%03d#%08x %d %d\n", i % 1000,
                (unsigned)i * 2654435761u, 1 + i % 5, 20000 + i % 16);
    fprintf(fp, "day-000#00000000 1 1\n"); /* a second line for line 1 */
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(recall_state_load(f->state, NULL, &s, &why), STATUS_OK);
    assert_int_equal(s->count, LINES);
    assert_int_equal(s->skipped, 1);
    /*
     * Finding each id among those before it, one by one, looks at
     * LINES * LINES / 2 = 5,000,000,000 ids. The index looks at a slot or
     * two per id, and at each id again when it doubles: a few per line.
     */
    if (s->probes > 5 * LINES)
        fail_msg("%zu slots looked at to load %d lines", s->probes, LINES);
    snprintf(id, sizeof id, "day-%03d#%08x", (LINES - 1) % 1000,
             (unsigned)(LINES - 1) * 2654435761u);
    assert_int_equal(recall_state_find(s, id)->due, 20000 + (LINES - 1) % 16);
    /* A save reads the file again: linear too. */
    before = s->probes;
    recall_state_grade(s, "day-000#00000000", RECALL_GOOD, 20000);
    assert_int_equal(recall_state_save(s, f->state, &why), STATUS_OK);
    if (s->probes - before > 5 * LINES)
        fail_msg("%zu slots looked at to save %d lines", s->probes - before,
                 LINES);
    assert_int_equal(s->count, LINES);
    assert_int_equal(recall_state_find(s, "day-000#00000000")->box, 2);
    recall_state_destroy(s);
}

static void test_recall_state_save_merges_what_another_drill_saved(void **state)
{
    struct fx *f = *state;
    struct recall_state *a = state_of(f, "old#1 1 5\n");
    struct recall_state *b = NULL;
    struct status_detail why;

    /* Two drills load the same file. */
    assert_int_equal(recall_state_load(f->state, NULL, &b, &why), STATUS_OK);
    recall_state_grade(a, "x#1", RECALL_GOOD, 20000);
    assert_int_equal(recall_state_save(a, f->state, &why), STATUS_OK);
    assert_int_equal(a->entries[0].unsaved + a->entries[1].unsaved, 0);
    recall_state_grade(b, "y#1", RECALL_EASY, 20000);
    assert_int_equal(recall_state_save(b, f->state, &why), STATUS_OK);
    /* The second save keeps the first one's grade, and now holds it. */
    assert_state(f, "old#1 1 5\nx#1 2 20002\ny#1 3 20004\n");
    assert_int_equal(b->count, 3);
    assert_int_equal(recall_state_find(b, "x#1")->due, 20002);
    /*
     * A card graded in both keeps the later grade: b's earlier grade of
     * y#1 was saved, so b's next save does not bring it back.
     */
    recall_state_grade(a, "y#1", RECALL_AGAIN, 20001);
    assert_int_equal(recall_state_save(a, f->state, &why), STATUS_OK);
    recall_state_grade(b, "old#1", RECALL_GOOD, 20001);
    assert_int_equal(recall_state_save(b, f->state, &why), STATUS_OK);
    assert_state(f, "old#1 2 20003\nx#1 2 20002\ny#1 1 20002\n");
    /* A failed save changes nothing: the grade stays to be saved... */
    recall_state_grade(a, "z#1", RECALL_HARD, 20001);
    assert_int_equal(recall_state_save(a, f->lessons, &why),
                     STATUS_UNAVAILABLE);
    assert_int_equal(a->count, 4);
    assert_int_equal(recall_state_find(a, "old#1")->box, 1);
    assert_int_equal(recall_state_find(a, "z#1")->unsaved, 1);
    /* ...by the next save that works. */
    assert_int_equal(recall_state_save(a, f->state, &why), STATUS_OK);
    assert_state(f, "old#1 2 20003\nx#1 2 20002\ny#1 1 20002\nz#1 1 20002\n");
    recall_state_destroy(b);
    recall_state_destroy(a);
}

/* Sleeps ms milliseconds: the pace of a poll, never what a result hangs on. */
static void pause_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};

    nanosleep(&ts, NULL);
}

/* 1 when /proc/locks shows process pid waiting for a POSIX lock. */
static int waits_for_a_lock(pid_t pid)
{
    FILE *fp = fopen("/proc/locks", "r");
    char line[256];
    int found = 0;

    while (fp != NULL && !found && fgets(line, sizeof line, fp) != NULL) {
        int who = 0;

        found = sscanf(line, "%*d: -> %*s %*s %*s %d", &who) == 1 &&
                who == (int)pid;
    }
    if (fp != NULL)
        fclose(fp);
    return found;
}

static void test_recall_state_save_waits_for_another_save(void **state)
{
    struct fx *f = *state;
    struct recall_state *s = state_of(f, "old#1 1 5\n");
    struct flock fl;
    char lock[400];
    int fd = -1, status = 0, waiting = 0, i = 0;
    pid_t pid = 0;

    if (access("/proc/locks", R_OK) != 0) {
        print_message("no /proc/locks to see a save wait for the lock\n");
        recall_state_destroy(s);
        skip();
    }
    /* This test holds the lock, as a save in another drill would. */
    snprintf(lock, sizeof lock, "%s.lock", f->state);
    fd = open(lock, O_RDWR | O_CREAT, 0600);
    assert_true(fd >= 0);
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    assert_int_equal(fcntl(fd, F_SETLK, &fl), 0);
    recall_state_grade(s, "mine#1", RECALL_GOOD, 20000);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(recall_state_save(s, f->state, NULL) == STATUS_OK ? 0 : 1);
    /* Until the child waits for the lock (about 20 s at most). */
    for (i = 0; i < 2000 && !waiting; i++) {
        waiting = waits_for_a_lock(pid);
        if (!waiting && waitpid(pid, &status, WNOHANG) == pid)
            fail_msg("the save did not wait for the lock (status %d)", status);
        if (!waiting)
            pause_ms(10);
    }
    if (!waiting)
        kill(pid, SIGKILL);
    assert_true(waiting);
    /* The other drill saves its grade, then lets go as a save does. */
    put(f->state_dir, "recall.state", "old#1 1 5\nother#1 3 20004\n");
    assert_int_equal(unlink(lock), 0);
    assert_int_equal(close(fd), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_state(f, "mine#1 2 20002\nold#1 1 5\nother#1 3 20004\n");
    /* And the lock file went with the lock. */
    assert_int_equal(access(lock, F_OK), -1);
    recall_state_destroy(s);
}

/* ---- the plan ----------------------------------------------------------- */

/* A deck of n cards "c0".."c<n-1>" in lesson x.md, without a file. */
static struct recall_deck *deck_of(size_t n)
{
    struct recall_deck *d = calloc(1, sizeof *d);
    size_t i = 0;

    assert_non_null(d);
    d->cards = calloc(n + 1, sizeof *d->cards);
    assert_non_null(d->cards);
    for (i = 0; i < n; i++) {
        char id[32];

        snprintf(id, sizeof id, "c%zu", i);
        d->cards[i].id = strdup(id);
        d->cards[i].question = strdup(id);
        d->cards[i].answer = strdup("answer");
        d->cards[i].proof_test = strdup("test_a");
        d->cards[i].proof_file = strdup("tests/test_a.c");
        d->cards[i].source = strdup("x.md");
        d->cards[i].line = (int)i + 1;
    }
    d->count = n;
    return d;
}

/* The plan's order as "c3 c1 ..." in buf. */
static const char *order_text(const struct recall_deck *d,
                              const struct recall_plan *p, char *buf,
                              size_t size)
{
    size_t i = 0, len = 0;

    buf[0] = '\0';
    for (i = 0; i < p->count; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? " " : "",
                                d->cards[p->order[i]].id);
    return buf;
}

static void test_recall_plan_orders_due_then_new(void **state)
{
    struct fx *f = *state;
    struct recall_deck *d = deck_of(8);
    struct recall_state *s = state_of(f, "c0 3 20001\n" /* later */
                                         "c1 1 20000\n" /* due today, box 1 */
                                         "c2 2 19990\n" /* most overdue */
                                         "c3 4 20000\n" /* due today, box 4 */
                                         "c5 1 19995\n" /* overdue */
                                         "c6 1 20000\n" /* ties with c1 */
                                         "gone 1 1\n"); /* no such card */
    struct recall_plan_options o = {0, 0, 0};
    struct recall_plan p;
    char buf[128];

    recall_plan_make(d, s, 20000, &o, &p);
    assert_string_equal(order_text(d, &p, buf, sizeof buf),
                        "c2 c5 c1 c6 c3 c4 c7");
    assert_int_equal(p.due, 5);
    assert_int_equal(p.fresh, 2);
    assert_int_equal(p.later, 1);
    recall_plan_free(&p);
    o.limit = 3;
    recall_plan_make(d, s, 20000, &o, &p);
    assert_string_equal(order_text(d, &p, buf, sizeof buf), "c2 c5 c1");
    assert_int_equal(p.due, 5);
    recall_plan_free(&p);
    /* The day after, c0 is due too, and the most overdue stay first. */
    o.limit = 100;
    recall_plan_make(d, s, 20001, &o, &p);
    assert_string_equal(order_text(d, &p, buf, sizeof buf),
                        "c2 c5 c1 c6 c3 c0 c4 c7");
    recall_plan_free(&p);
    recall_plan_free(NULL);
    recall_state_destroy(s);
    recall_deck_destroy(d);
}

static void test_recall_plan_seed_shuffles_ties_reproducibly(void **state)
{
    struct fx *f = *state;
    struct recall_deck *d = deck_of(10);
    struct recall_state *s = state_of(f, "c9 1 19000\nc8 1 19001\n");
    struct recall_plan_options o = {0, 1, 0};
    struct recall_plan p;
    char plain[128], first[128], again[128];
    uint64_t seed = 0;
    int differs = 0;

    o.seeded = 0;
    recall_plan_make(d, s, 20000, &o, &p);
    order_text(d, &p, plain, sizeof plain);
    recall_plan_free(&p);
    assert_string_equal(plain, "c9 c8 c0 c1 c2 c3 c4 c5 c6 c7");
    o.seeded = 1;
    for (seed = 1; seed <= 5; seed++) {
        o.seed = seed;
        recall_plan_make(d, s, 20000, &o, &p);
        order_text(d, &p, first, sizeof first);
        recall_plan_free(&p);
        recall_plan_make(d, s, 20000, &o, &p);
        order_text(d, &p, again, sizeof again);
        recall_plan_free(&p);
        /* The same seed, the same order; due cards keep their places. */
        assert_string_equal(first, again);
        assert_int_equal(strncmp(first, "c9 c8 ", 6), 0);
        differs += strcmp(first, plain) != 0;
    }
    assert_true(differs >= 4);
    recall_state_destroy(s);
    recall_deck_destroy(d);
}

/* ---- the drill ---------------------------------------------------------- */

static void test_recall_cli_drill_transcript(void **state)
{
    struct fx *f = *state;
    struct run r;
    char want[4096];

    put(f->lessons, "day-2.md", day2);
    drill(f, &r, "\ng\n");
    snprintf(want, sizeof want,
             "duplex recall: 1 card for today (0 due, 1 new) from {}\n"
             "progress: %s\n"
             "Answer each question in your head, press Enter to see the "
             "answer,\n"
             "then grade yourself: a again, h hard, g good, e easy. q quits.\n"
             "\n"
             "card 1/1 (new)  {}/day-2.md:2\n"
             "Q: How long is a frame header?\n"
             "(Enter: answer, q: quit) \n"
             "A: Five bytes.\n"
             "proof: test_frame_header_len in tests/test_frame.c\n"
             "again/hard/good/easy [a/h/g/e] good -> box 2, due in 2 days\n"
             "\n"
             "done: 1 graded (again 0, hard 0, good 1, easy 0)\n"
             "progress saved in %s\n"
             "next: 1 card due in 2 days (day 20002)\n",
             f->state, f->state);
    assert_text(r.out, want, f->lessons);
    assert_string_equal(r.err, "");
    assert_state(f, ID_FRAME " 2 20002\n");
    run_free(&r);
}

static void test_recall_cli_drill_grades_and_saves_each_card(void **state)
{
    struct fx *f = *state;
    struct run r;

    put(f->lessons, "day-1.md", day1);
    put(f->lessons, "day-2.md", day2);
    drill(f, &r, "\ng\n\ne\n\na\n");
    assert_has(r.out, "duplex recall: 3 cards for today (0 due, 3 new)");
    assert_has(r.out, "card 1/3 (new)");
    assert_has(r.out, "Q: What does CloseSend do?\n");
    assert_has(r.out, "A: It half-closes the client's direction: the server "
                      "reads every message,\n   then EOF.\n");
    assert_has(r.out, "proof: test_close_send_then_eof in "
                      "tests/test_stream.c\n");
    assert_has(r.out, "good -> box 2, due in 2 days\n");
    assert_has(r.out, "card 2/3 (new)");
    assert_has(r.out, "easy -> box 3, due in 4 days\n");
    assert_has(r.out, "card 3/3 (new)");
    assert_has(r.out, "again -> box 1, due tomorrow\n");
    assert_has(r.out, "done: 3 graded (again 1, hard 0, good 1, easy 1)");
    assert_has(r.out, "next: 1 card due tomorrow (day 20001)\n");
    /* The lesson's problem is reported once, on stderr. */
    assert_has(r.err, "day-1.md:24: a card outside the '## Active Recall' "
                      "section; card skipped\n");
    assert_int_equal(count_lines(r.err), 1);
    assert_state(f, ID_AFTER " 3 20004\n" ID_CLOSE " 2 20002\n" ID_FRAME
                             " 1 20001\n");
    run_free(&r);
    /* The next day: only the card graded again is due, in box 1. */
    assert_int_equal(setenv("DUPLEX_TODAY", "20001", 1), 0);
    drill(f, &r, "\nh\n");
    assert_has(r.out, "1 card for today (1 due, 0 new)");
    assert_has(r.out, "card 1/1 (box 1, due today)");
    assert_has(r.out, "hard -> box 1, due tomorrow\n");
    assert_has(r.out, "next: 2 cards due tomorrow (day 20002)\n");
    run_free(&r);
    /* Days later: every card is due, the most overdue and lowest first. */
    assert_int_equal(setenv("DUPLEX_TODAY", "20010", 1), 0);
    drill(f, &r, "\ne\n\ne\n\ne\n");
    assert_has(r.out, "card 1/3 (box 1, due 8 days ago)  ");
    assert_has(r.out, "/day-2.md:2\nQ: How long is a frame header?\n");
    assert_has(r.out, "card 2/3 (box 2, due 8 days ago)");
    assert_has(r.out, "card 3/3 (box 3, due 6 days ago)");
    assert_has(r.out, "next: 1 card due in 4 days (day 20014)\n");
    run_free(&r);
}

static void test_recall_cli_quit_keeps_what_was_graded(void **state)
{
    struct fx *f = *state;
    struct run r;

    put(f->lessons, "day-1.md", day1);
    put(f->lessons, "day-2.md", day2);
    drill(f, &r, "\ng\nq\n");
    assert_has(r.out, "(Enter: answer, q: quit) \n\nquit at card 2/3: 1 "
                      "graded (again 0, hard 0, good 1, easy 0)");
    assert_has(r.out, "still due today: 2 cards (run it again for more)\n");
    assert_state(f, ID_CLOSE " 2 20002\n");
    run_free(&r);
    /* q at the grade: the card stays as it was. */
    drill(f, &r, "\nquit\n");
    assert_has(r.out, "again/hard/good/easy [a/h/g/e] quit\n\nquit at card "
                      "1/2: nothing graded\n");
    assert_state(f, ID_CLOSE " 2 20002\n");
    run_free(&r);
}

static void test_recall_cli_end_of_input_stops_cleanly(void **state)
{
    struct fx *f = *state;
    struct run r;

    put(f->lessons, "day-1.md", day1);
    /* Input ends at the second card's grade. */
    drill(f, &r, "\ne\n\n");
    assert_has(r.out, "again/hard/good/easy [a/h/g/e] \n\nend of input at card "
                      "2/2: 1 graded (again 0, hard 0, good 0, easy 1)");
    assert_state(f, ID_CLOSE " 3 20004\n");
    run_free(&r);
    /* And at once: nothing graded, nothing written. */
    drill(f, &r, "");
    assert_has(r.out, "end of input at card 1/1: nothing graded\n");
    run_free(&r);
}

static void test_recall_cli_asks_again_after_a_wrong_key(void **state)
{
    struct fx *f = *state;
    struct run r;

    put(f->lessons, "day-2.md", day2);
    drill(f, &r, "anything reveals\nx\n\nmaybe\nGood\n");
    assert_has(r.out, "again/hard/good/easy [a/h/g/e] ?\n  a again (box 1), "
                      "h hard (same box), g good (next box), e easy (two "
                      "up);\n  q quits\nagain/hard/good/easy [a/h/g/e] ?\n");
    assert_has(r.out, "again/hard/good/easy [a/h/g/e] good -> box 2");
    run_free(&r);
}

static void test_recall_cli_nothing_due(void **state)
{
    struct fx *f = *state;
    struct run r;

    put(f->lessons, "day-2.md", day2);
    drill(f, &r, "\ne\n");
    run_free(&r);
    drill(f, &r, "");
    assert_string_equal(r.out, "duplex recall: nothing due today (1 card)\n"
                               "next: 1 card due in 4 days (day 20004)\n");
    run_free(&r);
    put(f->lessons, "day-1.md", day1);
    assert_int_equal(setenv("DUPLEX_TODAY", "20002", 1), 0);
    drill(f, &r, "\ne\n\ne\n");
    run_free(&r);
    drill(f, &r, "");
    assert_string_equal(r.out, "duplex recall: nothing due today (3 cards)\n"
                               "next: 1 card due in 2 days (day 20004)\n");
    run_free(&r);
}

static void test_recall_cli_wraps_long_questions(void **state)
{
    struct fx *f = *state;
    struct run r;

    put(f->lessons, "x.md",
        "## Active Recall\n"
        "### Q: A question much longer than one line of a terminal, so that "
        "it has to be wrapped at a word boundary like the answers are?\n"
        "A: Yes.\n"
        "Proof: `test_a` in `tests/test_a.c`\n");
    drill(f, &r, "");
    assert_has(r.out, "\nQ: A question much longer than one line of a "
                      "terminal, so that it has to be\n   wrapped at a word "
                      "boundary like the answers are?\n(Enter");
    run_free(&r);
    recall(&r, "", (const char *[]){"--list", "--lessons", f->lessons, NULL});
    assert_has(r.out, "\n  Q: A question much longer than one line of a "
                      "terminal, so that it has to\n     be wrapped at a "
                      "word boundary like the answers are?\n  proof:");
    run_free(&r);
}

static void test_recall_cli_without_cards(void **state)
{
    struct fx *f = *state;
    struct run r;
    char want[512];

    drill(f, &r, "");
    snprintf(want, sizeof want,
             "duplex recall: no cards in %s/*.md (a card is a '### Q:' "
             "heading under '## Active Recall')\n",
             f->lessons);
    assert_string_equal(r.out, want);
    assert_int_equal(access(f->state, F_OK), -1);
    run_free(&r);
}

static void test_recall_cli_list(void **state)
{
    struct fx *f = *state;
    struct run r;
    char want[2048];

    put(f->lessons, "day-1.md", day1);
    put(f->lessons, "day-2.md", day2);
    assert_int_equal(setenv("DUPLEX_TODAY", "19998", 1), 0);
    drill(f, &r, "\ng\n\na\n");
    run_free(&r);
    assert_int_equal(setenv("DUPLEX_TODAY", "20000", 1), 0);
    recall(&r, "", (const char *[]){"--list", "--lessons", f->lessons, NULL});
    assert_int_equal(r.code, 0);
    snprintf(want, sizeof want,
             "3 cards: 2 due, 1 new, 0 later (today is day 20000, "
             "2024-10-04)\n"
             "\n"
             "{}/day-1.md:12  box 2, due today (day 20000, 2024-10-04)\n"
             "  Q: What does CloseSend do?\n"
             "  proof: test_close_send_then_eof in tests/test_stream.c\n"
             "\n"
             "{}/day-1.md:17  box 1, due yesterday (day 19999, "
             "2024-10-03)\n"
             "  Q: What may the server do after EOF?\n"
             "  proof: test_send_after_eof in tests/test_stream.c\n"
             "\n"
             "{}/day-2.md:2  new\n"
             "  Q: How long is a frame header?\n"
             "  proof: test_frame_header_len in tests/test_frame.c\n");
    assert_text(r.out, want, f->lessons);
    run_free(&r);
    assert_int_equal(setenv("DUPLEX_TODAY", "19990", 1), 0);
    recall(&r, "", (const char *[]){"--list", "--lessons", f->lessons, NULL});
    assert_has(r.out, "3 cards: 0 due, 1 new, 2 later");
    assert_has(r.out, "box 2, due in 10 days (day 20000, 2024-10-04)\n");
    run_free(&r);
}

static void test_recall_cli_seed_and_limit(void **state)
{
    struct fx *f = *state;
    char text[4096];
    size_t len = 0;
    int i = 0;
    struct run a, b, plain;

    len = (size_t)snprintf(text, sizeof text, "## Active Recall\n");
    for (i = 0; i < 12; i++)
        len += (size_t)snprintf(text + len, sizeof text - len,
                                "### Q: Question %02d\nA: a\nProof: "
                                "`test_a` in `tests/test_a.c`\n",
                                i);
    put(f->lessons, "x.md", text);
    recall(&plain, "", (const char *[]){"--lessons", f->lessons, NULL});
    recall(&a, "",
           (const char *[]){"--lessons", f->lessons, "--seed", "7", NULL});
    recall(&b, "", (const char *[]){"--lessons", f->lessons, "--seed=7", NULL});
    assert_string_equal(a.out, b.out);
    assert_has(plain.out, "Q: Question 00\n");
    assert_string_not_equal(a.out, plain.out);
    run_free(&a);
    run_free(&b);
    run_free(&plain);
    /* 12 new cards: more than the default 10 a day (--new). */
    recall(&a, "\ng\n\ng\n\ng\n",
           (const char *[]){"--lessons", f->lessons, "--limit", "2", "--new",
                            "12", NULL});
    assert_int_equal(a.code, 0);
    assert_has(a.out, "duplex recall: 2 of 12 cards for today (0 due, 12 new)");
    assert_has(a.out, "card 2/2 (new)");
    assert_has(a.out, "done: 2 graded");
    assert_has(a.out, "still due today: 10 cards (run it again for more)\n");
    run_free(&a);
}

static void test_recall_cli_uses_lesson_in_the_current_directory(void **state)
{
    struct fx *f = *state;
    struct run r;

    put(f->lessons, "day-2.md", day2);
    assert_int_equal(chdir(f->root), 0);
    recall(&r, "", (const char *[]){"--list", NULL});
    assert_int_equal(r.code, 0);
    assert_has(r.out, "lesson/day-2.md:2  new\n");
    run_free(&r);
    /* Where there is no lesson/ directory. */
    assert_int_equal(chdir(f->lessons), 0);
    recall(&r, "", (const char *[]){NULL});
    assert_int_equal(r.code, 2);
    assert_string_equal(r.err, "duplex recall: cannot read the lesson "
                               "directory 'lesson': No such file or "
                               "directory\nTry 'duplex recall --help'.\n");
    run_free(&r);
}

static void test_recall_cli_bad_flags(void **state)
{
    static const struct {
        const char *args[5];
        const char *message;
    } bad[] = {
        {{"--limit", "0"}, "--limit wants a whole number from 1 to 100000"},
        {{"--limit=x"}, "--limit wants a whole number from 1 to 100000"},
        {{"--limit", "100001"},
         "--limit wants a whole number from 1 to 100000"},
        {{"--limit"}, "--limit wants a whole number from 1 to 100000"},
        {{"--seed", "-1"},
         "--seed wants a whole number from 0 to 9007199254740991"},
        {{"--seed"}, "--seed wants a whole number from 0 to 9007199254740991"},
        {{"--lessons"}, "--lessons wants a directory, e.g. lesson"},
        {{"--lessons="}, "--lessons wants a directory, e.g. lesson"},
        {{"--bogus"}, "unknown option '--bogus'"},
        {{"--listing"}, "unknown option '--listing'"},
        {{"cards"}, "unexpected argument 'cards'"},
        {{"--list", "--limit", "3"},
         "--list prints every card; --limit and --seed choose a drill's "
         "cards"},
        {{"--seed", "1", "--list"},
         "--list prints every card; --limit and --seed choose a drill's "
         "cards"},
    };
    struct fx *f = *state;
    size_t i = 0;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct run r;
        char want[256];

        recall(&r, "", bad[i].args);
        snprintf(want, sizeof want,
                 "duplex recall: %s\nTry 'duplex recall --help'.\n",
                 bad[i].message);
        assert_int_equal(r.code, 2);
        assert_string_equal(r.err, want);
        assert_string_equal(r.out, "");
        run_free(&r);
    }
    assert_int_equal(access(f->state, F_OK), -1);
}

static void test_recall_cli_help(void **state)
{
    struct run r;
    char *argv[] = {"duplex", "help", "recall", NULL};
    struct sink out, err;

    (void)state;
    recall(&r, "", (const char *[]){"--help", NULL});
    assert_int_equal(r.code, 0);
    assert_has(r.out, "usage: duplex recall [options]\n");
    assert_has(r.out, "  --limit N ");
    run_free(&r);
    assert_int_equal(cli_main(3, argv, stdin, sink_open(&out), sink_open(&err)),
                     0);
    assert_has(sink_text(&out), "usage: duplex recall [options]\n");
    sink_text(&err);
    sink_free(&out);
    sink_free(&err);
    argv[1] = "--help";
    argv[2] = NULL;
    assert_int_equal(cli_main(2, argv, stdin, sink_open(&out), sink_open(&err)),
                     0);
    assert_has(sink_text(&out), "  recall            drill the lessons' "
                                "active-recall cards\n");
    sink_text(&err);
    sink_free(&out);
    sink_free(&err);
}

static void test_recall_cli_bad_environment(void **state)
{
    struct fx *f = *state;
    struct run r;
    char dir[400];

    put(f->lessons, "day-2.md", day2);
    assert_int_equal(setenv("DUPLEX_TODAY", "tomorrow", 1), 0);
    recall(&r, "", (const char *[]){"--lessons", f->lessons, NULL});
    assert_int_equal(r.code, 2);
    assert_string_equal(r.err, "duplex recall: DUPLEX_TODAY wants a day number "
                               "from 0 to 100000000 (days since 1970-01-01), "
                               "not 'tomorrow'\nTry 'duplex recall --help'.\n");
    run_free(&r);
    assert_int_equal(setenv("DUPLEX_TODAY", "20000", 1), 0);
    /* The state directory cannot be made: a file is in the way. */
    put(f->root, "file", "");
    snprintf(dir, sizeof dir, "%s/file/state", f->root);
    assert_int_equal(setenv("DUPLEX_STATE_DIR", dir, 1), 0);
    recall(&r, "\ng\n", (const char *[]){"--lessons", f->lessons, NULL});
    assert_int_equal(r.code, 1);
    assert_has(r.err, "duplex recall: cannot read ");
    assert_has(r.err, "/file/state/recall.state: Not a directory\n");
    run_free(&r);
    /* No HOME and no other hint: nowhere to keep progress. */
    unsetenv("DUPLEX_STATE_DIR");
    unsetenv("XDG_STATE_HOME");
    assert_int_equal(setenv("HOME", "", 1), 0);
    recall(&r, "", (const char *[]){"--lessons", f->lessons, NULL});
    assert_int_equal(r.code, 1);
    assert_string_equal(r.err, "duplex recall: no place for the progress "
                               "file: set HOME, XDG_STATE_HOME or "
                               "DUPLEX_STATE_DIR\n");
    run_free(&r);
}

static void test_recall_cli_state_directory_is_checked_first(void **state)
{
    struct fx *f = *state;
    struct run r;

    put(f->lessons, "day-2.md", day2);
    /*
     * The state directory is a link to nowhere: there is no state to load,
     * and no directory can be made there. The drill says so before the
     * first card, not after it.
     */
    assert_int_equal(symlink("/nonexistent/duplex", f->state_dir), 0);
    recall(&r, "\ng\n", (const char *[]){"--lessons", f->lessons, NULL});
    assert_int_equal(r.code, 1);
    assert_string_equal(r.out, "");
    assert_text(r.err,
                "duplex recall: cannot create {}: No such file or "
                "directory\n",
                f->state_dir);
    run_free(&r);
    /* Listing needs no directory. */
    recall(&r, "", (const char *[]){"--list", "--lessons", f->lessons, NULL});
    assert_int_equal(r.code, 0);
    run_free(&r);
}

static void test_recall_cli_reports_a_bad_state_and_keeps_the_rest(void **state)
{
    struct fx *f = *state;
    struct run r;
    char want[1024];

    put(f->lessons, "day-1.md", day1);
    assert_int_equal(recall_state_prepare(f->state, NULL), STATUS_OK);
    put(f->root, "state/recall.state",
        ID_CLOSE " 9 20000\n" ID_AFTER " 4 19999\nother#1 1 5\n");
    drill(f, &r, "\ng\n");
    snprintf(want, sizeof want,
             "%s/day-1.md:24: a card outside the '## Active Recall' section; "
             "card skipped\n"
             "%s:1: the box is 1 to 5, not '9'; line skipped\n",
             f->lessons, f->state);
    assert_string_equal(r.err, want);
    /* The skipped card is new again; the other lines are kept. */
    assert_has(r.out, "2 cards for today (1 due, 1 new)");
    assert_state(f, ID_AFTER " 5 20016\nother#1 1 5\n");
    run_free(&r);
}

static void test_recall_cli_keeps_a_file_with_bad_lines_as_bak(void **state)
{
    struct fx *f = *state;
    struct run r;
    struct stat sb;
    static const char text[] = "# mine\n" ID_CLOSE " 9 20000\nother#1 1 5\n"
                               "not a line\n";
    char bak[400], want[1024];
    char *old = NULL;
    const char *said = NULL;

    put(f->lessons, "day-1.md", day1);
    assert_int_equal(recall_state_prepare(f->state, NULL), STATUS_OK);
    put(f->root, "state/recall.state", text);
    assert_int_equal(chmod(f->state, 0640), 0);
    drill(f, &r, "\ng\n\ng\n");
    /* The first save keeps the file as it was, and says where. */
    snprintf(bak, sizeof bak, "%s.bak", f->state);
    snprintf(want, sizeof want,
             "good -> box 2, due in 2 days\n"
             "%s had 2 lines that could not be read: it is kept as %s\n",
             f->state, bak);
    assert_has(r.out, want);
    said = strstr(r.out, "could not be read");
    assert_null(strstr(said + 1, "could not be read"));
    old = slurp(bak);
    assert_non_null(old);
    assert_string_equal(old, text);
    free(old);
    assert_int_equal(stat(bak, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0640);
    assert_state(f, ID_AFTER " 2 20002\n" ID_CLOSE " 2 20002\nother#1 1 5\n");
    run_free(&r);
    /* A file with no bad lines is replaced with no copy. */
    assert_int_equal(unlink(bak), 0);
    assert_int_equal(setenv("DUPLEX_TODAY", "20002", 1), 0);
    drill(f, &r, "\ng\n");
    assert_int_equal(access(bak, F_OK), -1);
    assert_null(strstr(r.out, "could not be read"));
    run_free(&r);
}

static void test_recall_cli_grades_on_the_last_day(void **state)
{
    struct fx *f = *state;
    struct recall_state *s = calloc(1, sizeof *s);
    struct run r;

    /* No due day past the last one a state file holds. */
    assert_non_null(s);
    assert_int_equal(
        recall_state_grade(s, "x#1", RECALL_EASY, RECALL_DAY_MAX)->due,
        RECALL_DAY_MAX);
    assert_int_equal(
        recall_state_grade(s, "x#2", RECALL_GOOD, RECALL_DAY_MAX - 1)->due,
        RECALL_DAY_MAX);
    assert_int_equal(recall_state_grade(s, "x#3", RECALL_HARD, -9)->due, 1);
    recall_state_destroy(s);
    /* The drill on that day writes what the next run reads. */
    put(f->lessons, "day-2.md", day2);
    assert_int_equal(setenv("DUPLEX_TODAY", "100000000", 1), 0);
    drill(f, &r, "\ne\n");
    assert_has(r.out, "easy -> box 3, due today\n");
    assert_state(f, ID_FRAME " 3 100000000\n");
    run_free(&r);
    recall(&r, "", (const char *[]){"--list", "--lessons", f->lessons, NULL});
    assert_int_equal(r.code, 0);
    assert_string_equal(r.err, "");
    assert_has(r.out, "box 3, due today (day 100000000, ");
    run_free(&r);
}

static void test_recall_cli_keeps_the_state_file_mode(void **state)
{
    struct fx *f = *state;
    struct recall_state *s = NULL;
    struct status_detail why;
    struct run r;
    struct stat sb;

    put(f->lessons, "day-2.md", day2);
    s = state_of(f, "other#1 1 5\n");
    /* A file made read-only stays read-only. */
    assert_int_equal(chmod(f->state, 0444), 0);
    drill(f, &r, "\ng\n");
    assert_int_equal(stat(f->state, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0444);
    assert_state(f, ID_FRAME " 2 20002\nother#1 1 5\n");
    run_free(&r);
    /* A file shared with a group stays shared. */
    assert_int_equal(chmod(f->state, 0640), 0);
    recall_state_grade(s, "mine#1", RECALL_GOOD, 20000);
    assert_int_equal(recall_state_save(s, f->state, &why), STATUS_OK);
    assert_int_equal(stat(f->state, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0640);
    assert_state(f, ID_FRAME " 2 20002\nmine#1 2 20002\nother#1 1 5\n");
    recall_state_destroy(s);
    /* A new file is the learner's own. */
    assert_int_equal(unlink(f->state), 0);
    drill(f, &r, "\ng\n");
    assert_int_equal(stat(f->state, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    run_free(&r);
}

/* ---- the drill, through the library ------------------------------------- */

/* The deck and state of a test that calls recall_drill itself. */
struct api {
    struct recall_deck *deck;
    struct recall_state *state;
    struct recall_plan plan;
    struct recall_plan_options o;
};

static void api_open(struct fx *f, struct api *a)
{
    char *warnings = NULL;

    memset(a, 0, sizeof *a);
    put(f->lessons, "day-2.md", day2);
    a->deck = load(f->lessons, &warnings);
    free(warnings);
    a->state = state_of(f, "");
    recall_plan_make(a->deck, a->state, 20000, &a->o, &a->plan);
}

static void api_close(struct api *a)
{
    recall_plan_free(&a->plan);
    recall_state_destroy(a->state);
    recall_deck_destroy(a->deck);
}

static void test_recall_drill_in_colour(void **state)
{
    struct fx *f = *state;
    struct api a;
    struct status_detail why;
    struct sink out;
    char keys[] = "\ne\n";
    FILE *in = fmemopen(keys, strlen(keys), "r");
    struct recall_io io = {in, NULL, stderr, 1};

    api_open(f, &a);
    assert_non_null(in);
    io.out = sink_open(&out);
    assert_int_equal(
        recall_drill(a.deck, a.state, f->state, &a.plan, 20000, &io, &why),
        STATUS_OK);
    assert_has(sink_text(&out),
               "\033[1mQ: How long is a frame header?\033[0m\n");
    assert_has(out.text, "\033[32mproof: test_frame_header_len");
    assert_has(out.text, "easy -> \033[36mbox 3, due in 4 days\033[0m\n");
    sink_free(&out);
    fclose(in);
    io.out = sink_open(&out);
    recall_list(a.deck, a.state, 20000, &io);
    assert_has(sink_text(&out),
               "  Q: \033[1mHow long is a frame header?\033[0m");
    sink_free(&out);
    api_close(&a);
}

static void test_recall_drill_stops_when_saving_fails(void **state)
{
    struct fx *f = *state;
    struct api a;
    struct status_detail why;
    struct sink out;
    char path[400];
    FILE *in = tmpfile();
    struct recall_io io = {in, NULL, stderr, 0};

    api_open(f, &a);
    assert_non_null(in);
    fputs("\ng\n", in);
    rewind(in);
    snprintf(path, sizeof path, "%s/lesson", f->root);
    io.out = sink_open(&out);
    assert_int_equal(
        recall_drill(a.deck, a.state, path, &a.plan, 20000, &io, &why),
        STATUS_UNAVAILABLE);
    assert_has(why.text, "/lesson: Is a directory");
    assert_has(sink_text(&out), "good -> box 2");
    sink_free(&out);
    fclose(in);
    api_close(&a);
}

static void test_recall_drill_reports_unreadable_keys(void **state)
{
    struct fx *f = *state;
    struct api a;
    struct status_detail why;
    struct sink out;
    char path[400];
    FILE *in = NULL;
    struct recall_io io = {NULL, NULL, stderr, 0};

    api_open(f, &a);
    snprintf(path, sizeof path, "%s/keys", f->root);
    in = fopen(path, "w"); /* write-only: every read fails */
    assert_non_null(in);
    io.in = in;
    io.out = sink_open(&out);
    assert_int_equal(
        recall_drill(a.deck, a.state, f->state, &a.plan, 20000, &io, &why),
        STATUS_UNAVAILABLE);
    assert_string_equal(why.text, "cannot read the keys: Bad file descriptor");
    sink_text(&out);
    sink_free(&out);
    fclose(in);
    api_close(&a);
}

/* ---- on a terminal ------------------------------------------------------ */

static void test_recall_drill_on_a_terminal(void **state)
{
    struct fx *f = *state;
    struct api a;
    struct status_detail why;
    struct sink out;
    struct termios before, after, quiet;
    const char *name = NULL;
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    int fd = -1;
    FILE *tty = NULL;
    /* Ignored, space reveals, a wrong key, a grade; Return, Ctrl-C. */
    static const char keys[] = "x zg\r\003";

    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0 ||
        (name = ptsname(master)) == NULL ||
        (fd = open(name, O_RDWR | O_NOCTTY)) < 0) {
        if (master >= 0)
            close(master);
        skip();
    }
    /*
     * Line editing off before the keys are typed, so they wait in the
     * terminal's queue as keys, not as an unfinished line.
     */
    assert_int_equal(tcgetattr(fd, &before), 0);
    quiet = before;
    quiet.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);
    quiet.c_cc[VMIN] = 1;
    quiet.c_cc[VTIME] = 0;
    assert_int_equal(tcsetattr(fd, TCSANOW, &quiet), 0);
    assert_int_equal(write(master, keys, strlen(keys)), (ssize_t)strlen(keys));
    tty = fdopen(fd, "r");
    assert_non_null(tty);
    put(f->lessons, "day-1.md", day1);
    api_open(f, &a);
    {
        struct recall_io io = {tty, sink_open(&out), stderr, 0};

        assert_int_equal(
            recall_drill(a.deck, a.state, f->state, &a.plan, 20000, &io, &why),
            STATUS_OK);
    }
    sink_text(&out);
    assert_has(out.text, "(Enter: answer, q: quit) \nA: It half-closes");
    assert_has(out.text, "again/hard/good/easy [a/h/g/e] ?\n");
    assert_has(out.text, "again/hard/good/easy [a/h/g/e] good -> box 2");
    assert_has(out.text, "again/hard/good/easy [a/h/g/e] quit\n\nquit at "
                         "card 2/3: 1 graded");
    sink_free(&out);
    assert_state(f, ID_CLOSE " 2 20002\n");
    /* The terminal is as the drill found it. */
    assert_int_equal(tcgetattr(fd, &after), 0);
    assert_int_equal(after.c_lflag, quiet.c_lflag);
    assert_int_equal(after.c_cc[VMIN], quiet.c_cc[VMIN]);
    tcsetattr(fd, TCSANOW, &before);
    fclose(tty);
    close(master);
    api_close(&a);
}

/*
 * Opens a pseudo-terminal: its master in *master, its other end in *tty.
 * Returns 0 when there is none to open, having said why.
 */
static int pty_open(int *master, int *tty)
{
    const char *name = NULL;

    *tty = -1;
    *master = posix_openpt(O_RDWR | O_NOCTTY);
    if (*master >= 0 && grantpt(*master) == 0 && unlockpt(*master) == 0 &&
        (name = ptsname(*master)) != NULL)
        *tty = open(name, O_RDWR | O_NOCTTY);
    if (*tty >= 0)
        return 1;
    print_message("no pseudo-terminal to drill on\n");
    if (*master >= 0)
        close(*master);
    return 0;
}

/* The child's side: a drill on the terminal tty, until a signal ends it. */
static void drill_until_killed(struct fx *f, struct api *a, int tty, int sig)
{
    FILE *in = fdopen(tty, "r");
    FILE *out = fopen("/dev/null", "w");
    struct recall_io io = {in, out, out, 0};
    sigset_t set;

    /* Whatever the test runner was given (nohup ignores SIGHUP). */
    signal(sig, SIG_DFL);
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    if (in != NULL && out != NULL)
        recall_drill(a->deck, a->state, f->state, &a->plan, 20000, &io, NULL);
    _exit(3);
}

/*
 * A drill on a pseudo-terminal, in a child process, gets sig from outside
 * once it made the terminal raw. It must die of sig, as a program that
 * does not handle it would, and leave the terminal as it found it.
 */
static void drill_killed_by(struct fx *f, int sig)
{
    struct api a;
    struct termios before, now;
    tcflag_t modes = ICANON | ECHO | ISIG;
    int master = -1, tty = -1, status = 0, raw = 0, i = 0;
    pid_t pid = 0;

    if (!pty_open(&master, &tty))
        skip();
    assert_int_equal(tcgetattr(tty, &before), 0);
    before.c_lflag |= modes;
    assert_int_equal(tcsetattr(tty, TCSANOW, &before), 0);
    api_open(f, &a);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        drill_until_killed(f, &a, tty, sig);
    /* Until the drill made the terminal raw (about 20 s at most). */
    for (i = 0; i < 2000 && !raw; i++) {
        assert_int_equal(tcgetattr(tty, &now), 0);
        raw = (now.c_lflag & ICANON) == 0;
        if (!raw && waitpid(pid, &status, WNOHANG) == pid)
            fail_msg("the drill ended by itself (status %d)", status);
        if (!raw)
            pause_ms(10);
    }
    assert_int_equal(kill(pid, raw ? sig : SIGKILL), 0);
    assert_true(raw);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), sig);
    assert_int_equal(tcgetattr(tty, &now), 0);
    tcsetattr(tty, TCSANOW, &before);
    assert_int_equal(now.c_lflag & modes, modes);
    assert_int_equal(now.c_cc[VMIN], before.c_cc[VMIN]);
    close(tty);
    close(master);
    api_close(&a);
}

static void test_recall_drill_restores_the_terminal_on_sigterm(void **state)
{
    drill_killed_by(*state, SIGTERM);
}

static void test_recall_drill_restores_the_terminal_on_sighup(void **state)
{
    drill_killed_by(*state, SIGHUP);
}

/* ---- one day's pages, one page ------------------------------------------- */

/* The ids of deck d as "id id ...", in its order, in buf. */
static const char *ids_of(const struct recall_deck *d, char *buf, size_t size)
{
    size_t i = 0, len = 0;

    buf[0] = '\0';
    for (i = 0; i < d->count; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? " " : "",
                                d->cards[i].id);
    return buf;
}

static void test_recall_deck_load_day_takes_that_day_alone(void **state)
{
    struct fx *f = *state;
    struct recall_deck *all = NULL, *d = NULL;
    struct status_detail why;
    char want[512], got[512], *warnings = NULL;

    put(f->lessons, "day-1-close.md", day1);
    put(f->lessons, "day-11-frames.md", day2);
    put(f->lessons, "day-1.md", day2);
    all = load(f->lessons, &warnings);
    free(warnings);
    /* day-1.md and day-1-close.md are day 1's; day-11-... is not. */
    assert_int_equal(recall_deck_load_day(f->lessons, 1, NULL, &d, &why),
                     STATUS_OK);
    assert_int_equal(d->count, 3);
    assert_string_equal(d->cards[0].source + strlen(f->lessons),
                        "/day-1-close.md");
    assert_string_equal(d->cards[2].source + strlen(f->lessons), "/day-1.md");
    /* The same ids as in the whole deck, so progress is shared. */
    snprintf(want, sizeof want, "%s %s %s", all->cards[0].id, all->cards[1].id,
             all->cards[2].id);
    assert_string_equal(ids_of(d, got, sizeof got), want);
    recall_deck_destroy(d);
    assert_int_equal(recall_deck_load_day(f->lessons, 11, NULL, &d, &why),
                     STATUS_OK);
    assert_int_equal(d->count, 1);
    assert_string_equal(d->cards[0].id, all->cards[3].id);
    recall_deck_destroy(d);
    d = (struct recall_deck *)&d;
    assert_int_equal(recall_deck_load_day(f->lessons, 2, NULL, &d, &why),
                     STATUS_NOT_FOUND);
    assert_ptr_equal(d, (struct recall_deck *)&d);
    snprintf(want, sizeof want,
             "no page for day 2 in '%s' (a page named day-2-*.md)", f->lessons);
    assert_string_equal(why.text, want);
    assert_int_equal(
        recall_deck_load_day("/nonexistent/lessons", 1, NULL, &d, &why),
        STATUS_NOT_FOUND);
    recall_deck_destroy(all);
}

static void test_recall_deck_load_page_takes_that_page_alone(void **state)
{
    struct fx *f = *state;
    struct recall_deck *all = NULL, *d = NULL;
    struct status_detail why;
    char path[400], *warnings = NULL;

    put(f->lessons, "day-1-close.md", day1);
    put(f->lessons, "day-2-frames.md", day2);
    put(f->lessons, "notes.txt", day2);
    all = load(f->lessons, &warnings);
    free(warnings);
    snprintf(path, sizeof path, "%s/day-2-frames.md", f->lessons);
    assert_int_equal(recall_deck_load_page(path, NULL, &d, &why), STATUS_OK);
    assert_int_equal(d->count, 1);
    assert_string_equal(d->cards[0].id, all->cards[2].id);
    assert_string_equal(d->cards[0].source, path);
    recall_deck_destroy(d);
    /* A page named without a directory: its own name is its source. */
    assert_int_equal(chdir(f->lessons), 0);
    assert_int_equal(recall_deck_load_page("day-1-close.md", NULL, &d, &why),
                     STATUS_OK);
    assert_int_equal(d->count, 2);
    assert_string_equal(d->cards[1].id, all->cards[1].id);
    assert_string_equal(d->cards[1].source, "day-1-close.md");
    recall_deck_destroy(d);
    /* No such page, a directory, a file that is no page. */
    d = (struct recall_deck *)&d;
    assert_int_equal(recall_deck_load_page("missing.md", NULL, &d, &why),
                     STATUS_NOT_FOUND);
    assert_has(why.text, "cannot read the lesson page 'missing.md'");
    assert_int_equal(recall_deck_load_page(".", NULL, &d, &why),
                     STATUS_NOT_FOUND);
    assert_has(why.text, "'.' is a directory: --lesson names one page");
    assert_int_equal(recall_deck_load_page("notes.txt", NULL, &d, &why),
                     STATUS_NOT_FOUND);
    assert_has(why.text, "'notes.txt' is no lesson page");
    assert_ptr_equal(d, (struct recall_deck *)&d);
    recall_deck_destroy(all);
}

static void test_recall_cli_day_and_lesson_drill_one_page(void **state)
{
    struct fx *f = *state;
    struct run r;
    char path[400], want[600];

    put(f->lessons, "day-1-close.md", day1);
    put(f->lessons, "day-2.md", day2);
    recall(&r, "\ng\nq\n",
           (const char *[]){"--lessons", f->lessons, "--day", "2", NULL});
    assert_int_equal(r.code, 0);
    snprintf(want, sizeof want,
             "duplex recall: 1 card for today (0 due, 1 new) from "
             "%s/day-2-*.md\n",
             f->lessons);
    assert_has(r.out, want);
    assert_has(r.out, "Q: How long is a frame header?");
    assert_null(strstr(r.out, "CloseSend"));
    assert_state(f, ID_FRAME " 2 20002\n");
    run_free(&r);
    snprintf(path, sizeof path, "%s/day-1-close.md", f->lessons);
    recall(&r, "\ng\n\ng\n", (const char *[]){"--lesson", path, NULL});
    assert_int_equal(r.code, 0);
    snprintf(want, sizeof want,
             "duplex recall: 2 cards for today (0 due, 2 new) from %s\n", path);
    assert_has(r.out, want);
    assert_has(r.out, "card 2/2 (new)");
    assert_null(strstr(r.out, "frame header"));
    run_free(&r);
    /* The whole deck shares their progress: nothing is due today. */
    recall(&r, "", (const char *[]){"--lessons", f->lessons, NULL});
    assert_has(r.out, "duplex recall: nothing due today (3 cards)\n");
    run_free(&r);
    /* --day 2 and the listing of one page. */
    recall(
        &r, "",
        (const char *[]){"--lessons", f->lessons, "--day=1", "--list", NULL});
    assert_int_equal(r.code, 0);
    assert_has(r.out, "2 cards: 0 due, 0 new, 2 later");
    run_free(&r);
}

static void test_recall_cli_day_and_lesson_usage_errors(void **state)
{
    static const struct {
        const char *args[6];
        const char *message;
    } bad[] = {
        {{"--day", "-1"},
         "--day wants a day number from 0 to 100000, e.g. 117"},
        {{"--day", "100001"},
         "--day wants a day number from 0 to 100000, e.g. 117"},
        {{"--day"}, "--day wants a day number from 0 to 100000, e.g. 117"},
        {{"--lesson"},
         "--lesson wants a lesson page, e.g. lesson/day-117-bidi-streaming.md"},
        {{"--lesson="},
         "--lesson wants a lesson page, e.g. lesson/day-117-bidi-streaming.md"},
        {{"--lesson", "x.md", "--day", "1"},
         "--lesson names one page; --day and --lessons choose pages of a "
         "directory"},
        {{"--lessons", "lesson", "--lesson", "x.md"},
         "--lesson names one page; --day and --lessons choose pages of a "
         "directory"},
        {{"--new", "-1"}, "--new wants a whole number from 0 to 100000"},
        {{"--new", "100001"}, "--new wants a whole number from 0 to 100000"},
        {{"--new=ten"}, "--new wants a whole number from 0 to 100000"},
        {{"--list", "--new", "3"},
         "--list prints every card; --new chooses a drill's new cards"},
        {{"--day", "9999"},
         "no page for day 9999 in 'lesson' (a page named day-9999-*.md)"},
        {{"--lesson", "no-such-page.md"},
         "cannot read the lesson page 'no-such-page.md': No such file or "
         "directory"},
    };
    struct fx *f = *state;
    size_t i = 0;

    /* root/lesson is the default "lesson" there. */
    assert_int_equal(chdir(f->root), 0);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct run r;
        char want[256];

        recall(&r, "", bad[i].args);
        snprintf(want, sizeof want,
                 "duplex recall: %s\nTry 'duplex recall --help'.\n",
                 bad[i].message);
        assert_int_equal(r.code, 2);
        assert_string_equal(r.err, want);
        assert_string_equal(r.out, "");
        run_free(&r);
    }
    assert_int_equal(access(f->state, F_OK), -1);
}

/* ---- new cards a day ----------------------------------------------------- */

static void test_recall_plan_cap_holds_new_cards_back(void **state)
{
    struct fx *f = *state;
    struct recall_deck *d = deck_of(7);
    struct recall_state *s = state_of(f, "c0 1 20000\nc1 2 19999\n");
    struct recall_plan_options o = {0, 0, 0};
    struct recall_plan p;
    char buf[128];

    /* Uncapped: every new card. */
    recall_plan_make(d, s, 20000, &o, &p);
    assert_int_equal(p.count, 7);
    assert_int_equal(p.capped, 0);
    assert_true(recall_plan_new_left(&p, s, 20000) == SIZE_MAX);
    recall_plan_free(&p);
    /* At most 2 new a day: the due cards, then the first 2 new ones. */
    recall_plan_make(d, s, 20000, &o, &p);
    recall_plan_cap(&p, s, 20000, 2);
    assert_string_equal(order_text(d, &p, buf, sizeof buf), "c1 c0 c2 c3");
    assert_int_equal(p.due, 2);
    assert_int_equal(p.fresh, 2);
    assert_int_equal(p.held, 3);
    assert_int_equal(p.new_today, 0);
    assert_int_equal(recall_plan_new_left(&p, s, 20000), 2);
    recall_plan_free(&p);
    /* With a limit: the limit first, the cap after; both hold. */
    o.limit = 3;
    recall_plan_make(d, s, 20000, &o, &p);
    recall_plan_cap(&p, s, 20000, 2);
    assert_string_equal(order_text(d, &p, buf, sizeof buf), "c1 c0 c2");
    recall_plan_free(&p);
    o.limit = 0;
    /* One new card graded today already: one more today. */
    recall_state_grade(s, "c2", RECALL_GOOD, 20000);
    recall_state_mark_new(s, "c2", 20000);
    assert_int_equal(recall_state_new_on(s, 20000), 1);
    recall_plan_make(d, s, 20000, &o, &p);
    recall_plan_cap(&p, s, 20000, 2);
    assert_string_equal(order_text(d, &p, buf, sizeof buf), "c1 c0 c3");
    assert_int_equal(p.fresh, 1);
    assert_int_equal(p.held, 3);
    assert_int_equal(p.new_today, 1);
    recall_plan_free(&p);
    /* 0 new a day: the due cards alone. */
    recall_plan_make(d, s, 20000, &o, &p);
    recall_plan_cap(&p, s, 20000, 0);
    assert_string_equal(order_text(d, &p, buf, sizeof buf), "c1 c0");
    assert_int_equal(recall_plan_new_left(&p, s, 20000), 0);
    recall_plan_free(&p);
    /* The next day the count starts again. */
    recall_plan_make(d, s, 20001, &o, &p);
    recall_plan_cap(&p, s, 20001, 2);
    assert_string_equal(order_text(d, &p, buf, sizeof buf), "c1 c0 c3 c4");
    recall_plan_free(&p);
    recall_state_destroy(s);
    recall_deck_destroy(d);
}

/* Fails unless state's PATH.new holds exactly these lines after its header. */
static void assert_new_file(struct fx *f, const char *lines)
{
    char path[400];
    char *text = NULL;
    const char *header =
        "# duplex recall: the cards first graded on the latest day a drill\n"
        "# graded one: DAY CARD-ID. They count toward that day's new cards.\n";

    snprintf(path, sizeof path, "%s.new", f->state);
    text = slurp(path);
    assert_non_null(text);
    assert_int_equal(strncmp(text, header, strlen(header)), 0);
    assert_string_equal(text + strlen(header), lines);
    free(text);
}

static void test_recall_state_keeps_new_cards_beside_the_state(void **state)
{
    struct fx *f = *state;
    struct recall_state *s = state_of(f, "old#1 1 5\n");
    struct recall_state *back = NULL;
    struct status_detail why;
    struct stat sb;
    char path[400];

    snprintf(path, sizeof path, "%s.new", f->state);
    assert_int_equal(chmod(f->state, 0640), 0);
    recall_state_grade(s, "b#1", RECALL_GOOD, 100);
    recall_state_grade(s, "a#1", RECALL_AGAIN, 100);
    recall_state_grade(s, "old#1", RECALL_GOOD, 100);
    recall_state_mark_new(s, "b#1", 100);
    recall_state_mark_new(s, "a#1", 100);
    recall_state_mark_new(s, "not#graded", 100); /* not in s: nothing */
    assert_int_equal(recall_state_new_on(s, 100), 2);
    assert_int_equal(recall_state_save(s, f->state, &why), STATUS_OK);
    /* The state file's lines are as before; the new cards beside them. */
    assert_state(f, "a#1 1 101\nb#1 2 102\nold#1 2 102\n");
    assert_new_file(f, "100 a#1\n100 b#1\n");
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0640);
    assert_int_equal(recall_state_new_on(s, 100), 2);
    /* What a drill loads counts them again. */
    assert_int_equal(recall_state_load(f->state, NULL, &back, &why), STATUS_OK);
    assert_int_equal(recall_state_new_on(back, 100), 2);
    assert_int_equal(recall_state_new_on(back, 99), 0);
    assert_int_equal(recall_state_find(back, "old#1")->first,
                     RECALL_FIRST_UNKNOWN);
    recall_state_destroy(back);
    /* A save without a new card leaves the file alone... */
    recall_state_grade(s, "old#1", RECALL_GOOD, 101);
    assert_int_equal(recall_state_save(s, f->state, &why), STATUS_OK);
    assert_new_file(f, "100 a#1\n100 b#1\n");
    /* ...and the next day's first new card starts it again. */
    recall_state_grade(s, "c#1", RECALL_EASY, 101);
    recall_state_mark_new(s, "c#1", 101);
    assert_int_equal(recall_state_save(s, f->state, &why), STATUS_OK);
    assert_new_file(f, "101 c#1\n");
    assert_int_equal(recall_state_load(f->state, NULL, &back, &why), STATUS_OK);
    assert_int_equal(recall_state_new_on(back, 100), 0);
    assert_int_equal(recall_state_new_on(back, 101), 1);
    recall_state_destroy(back);
    recall_state_destroy(s);
}

static void
test_recall_state_new_file_counts_only_what_the_state_holds(void **state)
{
    struct fx *f = *state;
    struct recall_state *s = NULL;
    struct status_detail why;
    struct sink w;
    char want[1024];

    assert_int_equal(recall_state_prepare(f->state, &why), STATUS_OK);
    put(f->root, "state/recall.state", "a#1 1 20001\nb#1 2 20002\n");
    put(f->root, "state/recall.state.new",
        "# a comment\n"
        "20000 a#1\n"
        "20000 gone#1\n" /* its line was deleted from the state */
        "20000\n"
        "day a#1\n"
        "20000 b#1\r\n"
        "20000 a#1\n"); /* twice: once */
    sink_open(&w);
    assert_int_equal(recall_state_load(f->state, w.f, &s, &why), STATUS_OK);
    snprintf(want, sizeof want,
             "%s.new:4: a line reads 'DAY CARD-ID', not '20000'; line "
             "skipped\n"
             "%s.new:5: a line reads 'DAY CARD-ID', not 'day a#1'; line "
             "skipped\n",
             f->state, f->state);
    assert_string_equal(sink_text(&w), want);
    sink_free(&w);
    assert_int_equal(recall_state_new_on(s, 20000), 2);
    assert_int_equal(s->count, 2);
    assert_int_equal(s->skipped, 0); /* the state file's lines were good */
    recall_state_destroy(s);
}

static void test_recall_state_new_file_merges_two_drills(void **state)
{
    struct fx *f = *state;
    struct recall_state *a = state_of(f, "");
    struct recall_state *b = NULL;
    struct status_detail why;

    assert_int_equal(recall_state_load(f->state, NULL, &b, &why), STATUS_OK);
    recall_state_grade(a, "x#1", RECALL_GOOD, 20000);
    recall_state_mark_new(a, "x#1", 20000);
    assert_int_equal(recall_state_save(a, f->state, &why), STATUS_OK);
    recall_state_grade(b, "y#1", RECALL_GOOD, 20000);
    recall_state_mark_new(b, "y#1", 20000);
    assert_int_equal(recall_state_new_on(b, 20000), 1);
    assert_int_equal(recall_state_save(b, f->state, &why), STATUS_OK);
    /* b's save brought a's new card in: two new cards today. */
    assert_int_equal(recall_state_new_on(b, 20000), 2);
    assert_new_file(f, "20000 x#1\n20000 y#1\n");
    assert_state(f, "x#1 2 20002\ny#1 2 20002\n");
    /* a sees b's at its next save, even one without a new card. */
    recall_state_grade(a, "x#1", RECALL_GOOD, 20000);
    assert_int_equal(recall_state_save(a, f->state, &why), STATUS_OK);
    assert_int_equal(recall_state_new_on(a, 20000), 2);
    recall_state_destroy(b);
    recall_state_destroy(a);
}

static void test_recall_state_unreadable_new_file_fails(void **state)
{
    struct fx *f = *state;
    struct recall_state *s = state_of(f, "a#1 1 5\n");
    struct recall_state *t = (struct recall_state *)&t;
    struct status_detail why;
    char path[400], *text = NULL;

    snprintf(path, sizeof path, "%s.new", f->state);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(recall_state_load(f->state, NULL, &t, &why),
                     STATUS_UNAVAILABLE);
    assert_ptr_equal(t, (struct recall_state *)&t);
    assert_has(why.text, "recall.state.new: Is a directory");
    /* A save cannot read it again: nothing is saved. */
    recall_state_grade(s, "b#1", RECALL_GOOD, 20000);
    recall_state_mark_new(s, "b#1", 20000);
    assert_int_equal(recall_state_save(s, f->state, &why), STATUS_UNAVAILABLE);
    assert_has(why.text, "recall.state.new: Is a directory");
    text = slurp(f->state);
    assert_string_equal(text, "a#1 1 5\n");
    free(text);
    recall_state_destroy(s);
}

/*
 * A save that cannot keep the .bak of a file with bad lines saves nothing:
 * the drill says why and exits 1, and the file keeps every line it had,
 * the bad ones too, byte for byte.
 */
static void test_recall_cli_a_bak_that_cannot_be_kept_saves_nothing(
    void **state)
{
    struct fx *f = *state;
    struct run r;
    static const char text[] = "# mine\nnot a line\n";
    char bak[400], want[1024];
    char *now = NULL;

    put(f->lessons, "day-2.md", day2);
    assert_int_equal(recall_state_prepare(f->state, NULL), STATUS_OK);
    put(f->root, "state/recall.state", text);
    snprintf(bak, sizeof bak, "%s.bak", f->state);
    assert_int_equal(mkdir(bak, 0700), 0);
    recall(&r, "\ng\n", (const char *[]){"--lessons", f->lessons, NULL});
    assert_int_equal(r.code, 1);
    snprintf(want, sizeof want,
             "duplex recall: cannot save %s: Is a directory\n", bak);
    assert_has(r.err, want);
    now = slurp(f->state);
    assert_string_equal(now, text);
    free(now);
    run_free(&r);
}

/*
 * A lock file that cannot be taken (here a directory in its place) is
 * named in what the drill says, and nothing is saved.
 */
static void test_recall_cli_a_lock_that_cannot_be_taken_is_named(void **state)
{
    struct fx *f = *state;
    struct run r;
    char lock[400], want[1024];
    char *now = NULL;

    put(f->lessons, "day-2.md", day2);
    assert_int_equal(recall_state_prepare(f->state, NULL), STATUS_OK);
    put(f->root, "state/recall.state", "a#1 1 5\n");
    snprintf(lock, sizeof lock, "%s.lock", f->state);
    assert_int_equal(mkdir(lock, 0700), 0);
    recall(&r, "\ng\n", (const char *[]){"--lessons", f->lessons, NULL});
    assert_int_equal(r.code, 1);
    snprintf(want, sizeof want,
             "duplex recall: cannot lock %s: Is a directory\n", lock);
    assert_has(r.err, want);
    now = slurp(f->state);
    assert_string_equal(now, "a#1 1 5\n");
    free(now);
    run_free(&r);
}

/*
 * More lines a learner's edit can leave: a box of many digits (quoted cut
 * short), and in PATH.new blank lines and a card's second line (the first
 * counts); none of them stops the load.
 */
static void test_recall_state_reports_more_edited_lines(void **state)
{
    struct fx *f = *state;
    struct recall_state *s = NULL;
    struct status_detail why;
    struct sink w;

    assert_int_equal(recall_state_prepare(f->state, &why), STATUS_OK);
    put(f->root, "state/recall.state",
        "box#long 123456789012345678901234 5\n"
        "box#9 9 5\n"
        "a#1 1 20001\n");
    put(f->root, "state/recall.state.new",
        "\n"
        "   \n"
        "20000 a#1\n"
        "19999 a#1\n");
    sink_open(&w);
    assert_int_equal(recall_state_load(f->state, w.f, &s, &why), STATUS_OK);
    sink_text(&w);
    assert_text(w.text,
                "{}:1: the box is 1 to 5, not '12345678901234567890'; line "
                "skipped\n"
                "{}:2: the box is 1 to 5, not '9'; line skipped\n",
                f->state);
    sink_free(&w);
    assert_int_equal(s->count, 1);
    assert_int_equal(recall_state_find(s, "a#1")->first, 20000);
    assert_int_equal(recall_state_new_on(s, 20000), 1);
    assert_int_equal(recall_state_new_on(s, 19999), 0);
    recall_state_destroy(s);
}

/*
 * UTF-8 that a terminal shows goes out as it is (3 and 4 bytes, the last
 * code points before the surrogates and U+10FFFF); what is not UTF-8 goes
 * out as \xNN: C1 controls, overlong forms, surrogates, past U+10FFFF, a
 * byte no character starts with.
 */
static void test_recall_state_escapes_all_but_well_formed_utf8(void **state)
{
    struct fx *f = *state;
    struct recall_state *s = NULL;
    struct status_detail why;
    struct sink w;

    assert_int_equal(recall_state_prepare(f->state, &why), STATUS_OK);
    put(f->root, "state/recall.state",
        "ok \xe2\x82\xac\xed\x9f\xbf\xf4\x8f\xbf\xbf\xf0\x90\x80\x80\n"
        "c1 \xc2\x80\n"
        "long3 \xe0\x80\xaf\n"
        "surrogate \xed\xa0\x80\n"
        "long4 \xf0\x80\x80\xaf\n"
        "past \xf4\x90\x80\x80\n"
        "lead \xf5\x80\n");
    sink_open(&w);
    assert_int_equal(recall_state_load(f->state, w.f, &s, &why), STATUS_OK);
    sink_text(&w);
    assert_text(w.text,
                "{}:1: a line reads 'CARD-ID BOX DUE-DAY', not 'ok "
                "\xe2\x82\xac\xed\x9f\xbf\xf4\x8f\xbf\xbf\xf0\x90\x80\x80'; "
                "line skipped\n"
                "{}:2: a line reads 'CARD-ID BOX DUE-DAY', not 'c1 "
                "\\xc2\\x80'; line skipped\n"
                "{}:3: a line reads 'CARD-ID BOX DUE-DAY', not 'long3 "
                "\\xe0\\x80\\xaf'; line skipped\n"
                "{}:4: a line reads 'CARD-ID BOX DUE-DAY', not 'surrogate "
                "\\xed\\xa0\\x80'; line skipped\n"
                "{}:5: a line reads 'CARD-ID BOX DUE-DAY', not 'long4 "
                "\\xf0\\x80\\x80\\xaf'; line skipped\n"
                "{}:6: a line reads 'CARD-ID BOX DUE-DAY', not 'past "
                "\\xf4\\x90\\x80\\x80'; line skipped\n"
                "{}:7: a line reads 'CARD-ID BOX DUE-DAY', not 'lead "
                "\\xf5\\x80'; line skipped\n",
                f->state);
    sink_free(&w);
    recall_state_destroy(s);
}

/* No HOME at all (not even empty) and no other hint: nowhere to keep it. */
static void test_recall_cli_without_home_says_where_to_point(void **state)
{
    struct fx *f = *state;
    struct run r;

    put(f->lessons, "day-2.md", day2);
    unsetenv("DUPLEX_STATE_DIR");
    unsetenv("XDG_STATE_HOME");
    unsetenv("HOME");
    recall(&r, "", (const char *[]){"--lessons", f->lessons, NULL});
    assert_int_equal(r.code, 1);
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, "duplex recall: no place for the progress "
                               "file: set HOME, XDG_STATE_HOME or "
                               "DUPLEX_STATE_DIR\n");
    run_free(&r);
}

/* A lesson directory named with a '/' at its end: paths get no second one. */
static void test_recall_deck_of_a_directory_ending_in_a_slash(void **state)
{
    struct fx *f = *state;
    struct recall_deck *d = NULL;
    char dir[400];

    put(f->lessons, "day-1.md", day1);
    snprintf(dir, sizeof dir, "%s/", f->lessons);
    d = load_expecting(dir, "{}day-1.md:24: a card outside the '## Active "
                            "Recall' section; card skipped\n");
    assert_int_equal(d->count, 2);
    recall_deck_destroy(d);
}

/*
 * PATH.new broken after the load (a link to itself: it cannot even be
 * opened): the save says so, saves nothing, and does not claim the file
 * was half read.
 */
static void test_recall_state_save_stops_at_a_new_file_it_cannot_open(
    void **state)
{
    struct fx *f = *state;
    struct recall_state *s = state_of(f, "a#1 1 5\n");
    struct status_detail why;
    char path[400], *text = NULL;

    snprintf(path, sizeof path, "%s.new", f->state);
    assert_int_equal(symlink(path, path), 0);
    recall_state_grade(s, "b#1", RECALL_GOOD, 20000);
    assert_int_equal(recall_state_save(s, f->state, &why), STATUS_UNAVAILABLE);
    assert_has(why.text, "cannot save ");
    assert_has(why.text, "recall.state.new: Too many levels of symbolic "
                         "links");
    assert_null(strstr(why.text, "read again whole"));
    text = slurp(f->state);
    assert_string_equal(text, "a#1 1 5\n");
    free(text);
    recall_state_destroy(s);
}

/* A lesson of n cards "Question 00".."Question <n-1>" in dir/x.md. */
static void put_questions(const char *dir, int n)
{
    char text[8192];
    size_t len = (size_t)snprintf(text, sizeof text, "## Active Recall\n");
    int i = 0;

    for (i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, sizeof text - len,
                                "### Q: Question %02d\nA: a\nProof: "
                                "`test_a` in `tests/test_a.c`\n",
                                i);
    put(dir, "x.md", text);
}

static void test_recall_cli_new_cards_a_day(void **state)
{
    struct fx *f = *state;
    struct run r;
    char keys[256] = "";
    int i = 0;

    put_questions(f->lessons, 12);
    for (i = 0; i < 10; i++)
        strcat(keys, "\ng\n");
    drill(f, &r, keys);
    assert_has(r.out, "duplex recall: 10 cards for today (0 due, 10 new)");
    assert_has(r.out, "2 new cards wait for later days: at most 10 new a day "
                      "(--new N)\n");
    assert_has(r.out, "card 10/10 (new)");
    assert_null(strstr(r.out, "Question 10"));
    assert_has(r.out, "done: 10 graded");
    /* The two left come tomorrow, not "still due today". */
    assert_has(r.out, "next: 2 cards due tomorrow (day 20001)\n");
    run_free(&r);
    /* The same day again: no more new cards. */
    drill(f, &r, "");
    assert_string_equal(r.out,
                        "duplex recall: nothing due today (12 cards)\n"
                        "today's new cards are done: 10 drilled, at most 10 a "
                        "day (--new N)\n"
                        "next: 2 cards due tomorrow (day 20001)\n");
    run_free(&r);
    /* --new raises it for today. */
    recall(&r, "\ng\nq\n",
           (const char *[]){"--lessons", f->lessons, "--new", "11", NULL});
    assert_has(r.out, "duplex recall: 1 card for today (0 due, 1 new)");
    assert_has(r.out, "1 new card wait for later days: at most 11 new a day "
                      "(--new N), 10 drilled today already\n");
    assert_has(r.out, "Q: Question 10");
    run_free(&r);
    /* The next day: the last new one (and none of the reviews, due later). */
    assert_int_equal(setenv("DUPLEX_TODAY", "20001", 1), 0);
    drill(f, &r, "q\n");
    assert_has(r.out, "duplex recall: 1 card for today (0 due, 1 new)");
    assert_has(r.out, "Q: Question 11");
    run_free(&r);
    /* --new 0: the cards due, and no new one. */
    assert_int_equal(setenv("DUPLEX_TODAY", "20002", 1), 0);
    recall(&r, "q\n",
           (const char *[]){"--lessons", f->lessons, "--new", "0", NULL});
    assert_int_equal(r.code, 0);
    assert_has(r.out, "duplex recall: 11 cards for today (11 due, 0 new)");
    assert_has(r.out, "1 new card wait for later days: at most 0 new a day");
    run_free(&r);
}

static void test_recall_cli_help_states_the_new_cards_a_day(void **state)
{
    struct run r;
    char want[64];

    (void)state;
    recall(&r, "", (const char *[]){"--help", NULL});
    assert_int_equal(r.code, 0);
    snprintf(want, sizeof want, "New cards: at most %d a day (--new N)",
             RECALL_NEW_PER_DAY);
    assert_has(r.out, want);
    assert_has(r.out, "default 10;");
    assert_int_equal(RECALL_NEW_PER_DAY, 10);
    assert_has(r.out, "  --day N ");
    assert_has(r.out, "  --lesson FILE ");
    run_free(&r);
}

/*
 * A drill that runs beside another: the other's new cards count as soon as
 * a save brings them in, and a drill stops at the cap even when its plan,
 * made before, had room.
 */
static void
test_recall_drill_stops_at_the_cap_another_drill_reached(void **state)
{
    struct fx *f = *state;
    struct recall_deck *d = NULL;
    struct recall_state *s = NULL;
    struct recall_plan_options o = {0, 0, 0};
    struct recall_plan p;
    struct status_detail why;
    struct sink out;
    char keys[] = "\ng\n\ng\n\ng\n";
    FILE *in = fmemopen(keys, strlen(keys), "r");
    struct recall_io io = {in, NULL, stderr, 0};
    char *warnings = NULL;

    assert_non_null(in);
    put_questions(f->lessons, 4);
    d = load(f->lessons, &warnings);
    free(warnings);
    s = state_of(f, "");
    recall_plan_make(d, s, 20000, &o, &p);
    recall_plan_cap(&p, s, 20000, 3);
    assert_int_equal(p.count, 3);
    /* Another drill, meanwhile, drilled two new cards (the last two). */
    recall_state_grade(s, d->cards[3].id, RECALL_GOOD, 20000);
    recall_state_mark_new(s, d->cards[3].id, 20000);
    recall_state_grade(s, d->cards[2].id, RECALL_GOOD, 20000);
    recall_state_mark_new(s, d->cards[2].id, 20000);
    io.out = sink_open(&out);
    assert_int_equal(recall_drill(d, s, f->state, &p, 20000, &io, &why),
                     STATUS_OK);
    sink_text(&out);
    assert_has(out.text, "card 1/3 (new)");
    assert_null(strstr(out.text, "card 2/3"));
    assert_has(out.text, "done: 1 graded");
    assert_has(out.text, "3 new cards were drilled today (some by another "
                         "drill), at most 3 a day (--new N): 2 more wait "
                         "for later days\n");
    assert_int_equal(recall_state_new_on(s, 20000), 3);
    sink_free(&out);
    fclose(in);
    recall_plan_free(&p);
    recall_state_destroy(s);
    recall_deck_destroy(d);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_recall_deck_loads_good_cards),
        T(test_recall_deck_joins_answer_lines_and_crlf),
        T(test_recall_deck_reports_a_missing_answer),
        T(test_recall_deck_reports_a_missing_proof),
        T(test_recall_deck_reports_malformed_proofs),
        T(test_recall_deck_reports_empty_question_and_answer),
        T(test_recall_deck_reads_only_the_active_recall_section),
        T(test_recall_deck_reads_several_files_in_name_order),
        T(test_recall_deck_ids_are_stable),
        T(test_recall_deck_reports_a_repeated_question),
        T(test_recall_deck_without_the_directory_fails),
        T(test_recall_deck_skips_unreadable_files),
        T(test_recall_deck_of_an_empty_directory),
        T(test_recall_box_days_double_per_box),
        T(test_recall_box_after_every_grade),
        T(test_recall_grade_parse_keys_digits_and_words),
        T(test_recall_state_grade_moves_boxes_and_due_days),
        T(test_recall_today_comes_from_duplex_today),
        T(test_recall_today_comes_from_the_clock),
        T(test_recall_day_date_is_the_calendar),
        T(test_recall_state_path_follows_the_environment),
        T(test_recall_state_round_trip),
        T(test_recall_state_missing_file_is_empty),
        T(test_recall_state_skips_and_reports_bad_lines),
        T(test_recall_state_unreadable_file_fails),
        T(test_recall_state_save_creates_directories),
        T(test_recall_state_save_is_atomic),
        T(test_recall_state_escapes_what_a_terminal_would_act_on),
        T(test_recall_state_loads_in_linear_work),
        T(test_recall_state_save_merges_what_another_drill_saved),
        T(test_recall_state_save_waits_for_another_save),
        T(test_recall_plan_orders_due_then_new),
        T(test_recall_plan_seed_shuffles_ties_reproducibly),
        T(test_recall_cli_drill_transcript),
        T(test_recall_cli_drill_grades_and_saves_each_card),
        T(test_recall_cli_quit_keeps_what_was_graded),
        T(test_recall_cli_end_of_input_stops_cleanly),
        T(test_recall_cli_asks_again_after_a_wrong_key),
        T(test_recall_cli_nothing_due),
        T(test_recall_cli_wraps_long_questions),
        T(test_recall_cli_without_cards),
        T(test_recall_cli_list),
        T(test_recall_cli_seed_and_limit),
        T(test_recall_cli_uses_lesson_in_the_current_directory),
        T(test_recall_cli_bad_flags),
        T(test_recall_cli_help),
        T(test_recall_cli_bad_environment),
        T(test_recall_cli_state_directory_is_checked_first),
        T(test_recall_cli_reports_a_bad_state_and_keeps_the_rest),
        T(test_recall_cli_keeps_a_file_with_bad_lines_as_bak),
        T(test_recall_cli_grades_on_the_last_day),
        T(test_recall_cli_keeps_the_state_file_mode),
        T(test_recall_drill_in_colour),
        T(test_recall_drill_stops_when_saving_fails),
        T(test_recall_drill_reports_unreadable_keys),
        T(test_recall_drill_on_a_terminal),
        T(test_recall_drill_restores_the_terminal_on_sigterm),
        T(test_recall_drill_restores_the_terminal_on_sighup),
        T(test_recall_deck_load_day_takes_that_day_alone),
        T(test_recall_deck_load_page_takes_that_page_alone),
        T(test_recall_cli_day_and_lesson_drill_one_page),
        T(test_recall_cli_day_and_lesson_usage_errors),
        T(test_recall_plan_cap_holds_new_cards_back),
        T(test_recall_state_keeps_new_cards_beside_the_state),
        T(test_recall_state_new_file_counts_only_what_the_state_holds),
        T(test_recall_state_new_file_merges_two_drills),
        T(test_recall_state_unreadable_new_file_fails),
        T(test_recall_cli_new_cards_a_day),
        T(test_recall_cli_help_states_the_new_cards_a_day),
        T(test_recall_drill_stops_at_the_cap_another_drill_reached),
        T(test_recall_cli_a_bak_that_cannot_be_kept_saves_nothing),
        T(test_recall_cli_a_lock_that_cannot_be_taken_is_named),
        T(test_recall_state_reports_more_edited_lines),
        T(test_recall_state_escapes_all_but_well_formed_utf8),
        T(test_recall_cli_without_home_says_where_to_point),
        T(test_recall_deck_of_a_directory_ending_in_a_slash),
        T(test_recall_state_save_stops_at_a_new_file_it_cannot_open),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}

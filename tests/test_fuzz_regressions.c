/*
 * test_fuzz_regressions: every saved fuzz input, replayed.
 *
 * The fuzz harnesses (tests/fuzz/fuzz_*.c) are compiled in here without
 * libFuzzer's entry point (FUZZ_NO_MAIN), and each file of
 *   tests/fuzz/corpus/<harness>/       the committed seeds
 *   tests/fuzz/regressions/<harness>/  inputs that once broke something
 * goes through the matching fuzz_<harness>_one, which must return 0: every
 * invariant held. So a crash `make fuzz` found keeps failing here, under
 * gcc and without sanitizers too, until it is fixed, and stays fixed.
 *
 * Paths are relative to the repository root, where `make check` runs.
 */
#define FUZZ_NO_MAIN 1
#include "fuzz/fuzz_decode.c"
#include "fuzz/fuzz_frame.c"
#include "fuzz/fuzz_h2.c"
#include "fuzz/fuzz_h2_decode.c"
#include "fuzz/fuzz_stream.c"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

typedef int (*fuzz_one_fn)(const uint8_t *data, size_t size);

/* Up to this many inputs per directory are replayed (all, in practice). */
#define MAX_INPUTS 4096

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Reads the whole file at path into a new buffer (*out, at least 1 byte
 * allocated, so an empty file is a valid input). Returns 0, or errno.
 */
static int read_input(const char *path, uint8_t **out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;

    if (f == NULL)
        return errno;
    for (;;) {
        size_t n = 0;

        if (len == cap) {
            uint8_t *grown = realloc(buf, cap ? cap * 2 : 4096);

            if (grown == NULL) {
                rc = ENOMEM;
                break;
            }
            buf = grown;
            cap = cap ? cap * 2 : 4096;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            rc = ferror(f) ? EIO : 0;
            break;
        }
    }
    fclose(f);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

/* The names of the files in dir, sorted; dot files are left out. */
static size_t list_inputs(DIR *d, char **names)
{
    struct dirent *e = NULL;
    size_t n = 0;

    while ((e = readdir(d)) != NULL && n < MAX_INPUTS) {
        if (e->d_name[0] == '.')
            continue;
        names[n] = strdup(e->d_name);
        assert_non_null(names[n]);
        n++;
    }
    qsort(names, n, sizeof *names, by_name);
    return n;
}

/*
 * Replays every file in dir through one. Returns how many there were; each
 * that fails is named on stderr and counted in *failures.
 */
static size_t replay_dir(const char *dir, fuzz_one_fn one, int *failures)
{
    char **names = calloc(MAX_INPUTS, sizeof *names);
    DIR *d = opendir(dir);
    size_t n = 0;
    size_t i = 0;

    assert_non_null(names);
    if (d == NULL) {
        free(names);
        return 0;
    }
    n = list_inputs(d, names);
    closedir(d);
    for (i = 0; i < n; i++) {
        char path[1024];
        uint8_t *data = NULL;
        size_t len = 0;
        int rc = 0;

        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        rc = read_input(path, &data, &len);
        if (rc != 0)
            fail_msg("cannot read %s: %s", path, strerror(rc));
        if (one(data, len) != 0) {
            fprintf(stderr, "FAILED: %s (replay: build/fuzz/%s %s)\n", path,
                    strstr(dir, "frame")       ? "fuzz_frame"
                    : strstr(dir, "h2_decode") ? "fuzz_h2_decode"
                    : strstr(dir, "decode")    ? "fuzz_decode"
                    : strstr(dir, "h2")        ? "fuzz_h2"
                                               : "fuzz_stream",
                    path);
            (*failures)++;
        }
        free(data);
        free(names[i]);
    }
    free(names);
    return n;
}

/* The committed seeds of harness must exist, and every one must pass. */
static void replay_corpus(const char *harness, fuzz_one_fn one)
{
    char dir[256];
    DIR *d = NULL;
    int failures = 0;
    size_t n = 0;

    snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", harness);
    d = opendir(dir);
    if (d == NULL)
        fail_msg("%s is missing (%s): run the tests from the repository "
                 "root, as `make check` does",
                 dir, strerror(errno));
    closedir(d);
    n = replay_dir(dir, one, &failures);
    if (n == 0)
        fail_msg("%s holds no inputs", dir);
    if (failures > 0)
        fail_msg("%d of %zu inputs in %s broke an invariant (see above)",
                 failures, n, dir);
}

/* Saved crashes: the directory may not exist (nothing found yet). */
static void replay_regressions(const char *harness, fuzz_one_fn one)
{
    char dir[256];
    int failures = 0;
    size_t n = 0;

    snprintf(dir, sizeof dir, "tests/fuzz/regressions/%s", harness);
    n = replay_dir(dir, one, &failures);
    if (failures > 0)
        fail_msg("%d of %zu saved inputs in %s still break an invariant "
                 "(see above)",
                 failures, n, dir);
}

static void test_fuzz_regressions_frame_corpus(void **state)
{
    (void)state;
    replay_corpus("frame", fuzz_frame_one);
}

static void test_fuzz_regressions_frame_saved(void **state)
{
    (void)state;
    replay_regressions("frame", fuzz_frame_one);
}

static void test_fuzz_regressions_decode_corpus(void **state)
{
    (void)state;
    replay_corpus("decode", fuzz_decode_one);
}

static void test_fuzz_regressions_decode_saved(void **state)
{
    (void)state;
    replay_regressions("decode", fuzz_decode_one);
}

static void test_fuzz_regressions_stream_corpus(void **state)
{
    (void)state;
    replay_corpus("stream", fuzz_stream_one);
}

static void test_fuzz_regressions_stream_saved(void **state)
{
    (void)state;
    replay_regressions("stream", fuzz_stream_one);
}

/* Empty and one-byte inputs are inputs too: nothing may break on them. */
static void test_fuzz_regressions_h2_corpus(void **state)
{
    (void)state;
    replay_corpus("h2", fuzz_h2_one);
}

static void test_fuzz_regressions_h2_saved(void **state)
{
    (void)state;
    replay_regressions("h2", fuzz_h2_one);
}

static void test_fuzz_regressions_h2_decode_corpus(void **state)
{
    (void)state;
    replay_corpus("h2_decode", fuzz_h2_decode_one);
}

static void test_fuzz_regressions_h2_decode_saved(void **state)
{
    (void)state;
    replay_regressions("h2_decode", fuzz_h2_decode_one);
}

static void test_fuzz_regressions_tiny_inputs(void **state)
{
    static const uint8_t bytes[] = {0x00, 0x01, 0x07, 0x20, 0x7f, 0xff};
    size_t i = 0;

    (void)state;
    assert_int_equal(fuzz_frame_one(bytes, 0), 0);
    assert_int_equal(fuzz_decode_one(bytes, 0), 0);
    assert_int_equal(fuzz_stream_one(bytes, 0), 0);
    assert_int_equal(fuzz_h2_decode_one(bytes, 0), 0);
    for (i = 0; i < sizeof bytes; i++) {
        assert_int_equal(fuzz_frame_one(bytes + i, 1), 0);
        assert_int_equal(fuzz_decode_one(bytes + i, 1), 0);
        assert_int_equal(fuzz_stream_one(bytes + i, 1), 0);
        assert_int_equal(fuzz_h2_decode_one(bytes + i, 1), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz_regressions_frame_corpus),
        cmocka_unit_test(test_fuzz_regressions_frame_saved),
        cmocka_unit_test(test_fuzz_regressions_decode_corpus),
        cmocka_unit_test(test_fuzz_regressions_decode_saved),
        cmocka_unit_test(test_fuzz_regressions_stream_corpus),
        cmocka_unit_test(test_fuzz_regressions_stream_saved),
        cmocka_unit_test(test_fuzz_regressions_h2_corpus),
        cmocka_unit_test(test_fuzz_regressions_h2_saved),
        cmocka_unit_test(test_fuzz_regressions_h2_decode_corpus),
        cmocka_unit_test(test_fuzz_regressions_h2_decode_saved),
        cmocka_unit_test(test_fuzz_regressions_tiny_inputs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

#!/bin/sh
# tests/mutants.sh: the graders cannot be fooled by any shipped mutant.
#
#   BUILD=build sh tests/mutants.sh
#   BUILD=build/asan SAN='-fsanitize=...' sh tests/mutants.sh
#
# SAN: the sanitizer flags BUILD's archives were built with (make check
# passes its own); the exercises' code is compiled with them too.
# Runs `PLAIN=1 exercises/run.sh verify` in a scratch copy (so a learner's
# files, exercises/.progress and build/verify are never touched), with
# BUILD's archives and the real hang checker. PLAIN=1 leaves out verify's
# own ASan+UBSan and TSan builds (make verify, in CI, runs them); every
# mutant is judged as make verify judges it. Checks:
#   - verify passes: every exercise's line is "ok - verify NAME: ...;
#     N mutants, N caught", N the number of files in exercises/mutants/NAME/
#     and at least 5, each mutant with its "caught ID" line;
#   - the last lines are "T mutants, T caught" over every exercise, and
#     "E passed, 0 failed" for the E exercises of both weeks;
#   - a mutant that is its solution unchanged is not caught, and verify
#     says so: "not caught ID", "N mutants, N-1 caught", exit 1.
# Design: one run of verify, one exercise at a time (JOBS=1: make check
# runs other suites beside it), then one exercise again for the failure.
# Each check prints "ok - ..." or "not ok - ..."; the last line is
# "N passed, M failed"; the exit status is 1 when anything failed.

cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
build=${BUILD:-build}
tap_name=mutants tap_out=40 tap_err=10
. tests/tap.sh

if ! command -v bash >/dev/null 2>&1; then
    echo "ok - # SKIP exercises/run.sh needs bash"
    echo "$passed passed, $failed failed"
    exit 0
fi

weeks="exercises/month-05/week-1 exercises/month-05/week-2"
[ -x "$build/hangcheck" ] || make -s "$build/hangcheck" BUILD="$build" >/dev/null ||
    exit 1

# copy: a scratch tree with the runner, the exercises' headers, both weeks,
# the solutions, the mutants, src/ and BUILD's archives; its Makefile's
# libs are there already.
copy=$tmp/copy
mkdir -p "$copy/exercises" "$copy/build" || exit 1
cp exercises/run.sh exercises/ex_check.h exercises/ex_explore.h "$copy/exercises/"
cp -R exercises/solutions exercises/mutants "$copy/exercises/"
for w in $weeks; do
    mkdir -p "$copy/$w"
    cp -R "$w"/. "$copy/$w/"
done
ln -s "$root/src" "$copy/src"
for a in "$build"/libduplex*.a "$build/hangcheck"; do
    ln -s "$root/$a" "$copy/build/$(basename "$a")"
done
printf 'libs:\n\t@:\n' >"$copy/Makefile"
export CC="${CC:-cc}${SAN:+ $SAN}"

# verify OUT [NAME]: PLAIN=1 run.sh verify [NAME] in the copy into OUT;
# the status in $rc.
verify() {
    out=$1
    shift
    NO_COLOR=1 PLAIN=1 JOBS=1 within 300 bash "$copy/exercises/run.sh" \
        verify "$@" >"$out" 2>&1 </dev/null
    rc=$?
}

# ---- every exercise, every mutant ------------------------------------------

verify "$tmp/all"
cp "$tmp/all" "$tmp/out"
if [ "$rc" = 0 ]; then
    ok "PLAIN=1 run.sh verify: exit 0"
else
    not_ok "PLAIN=1 run.sh verify: exit 0" "exit $rc"
fi

total=0 exercises=0
for w in $weeks; do
    for dir in "$w"/*/; do
        n=$(basename "$dir")
        [ -f "$dir/README.md" ] || continue
        exercises=$((exercises + 1))
        m=$(find "exercises/mutants/$n" -name '*.c' 2>/dev/null | wc -l)
        total=$((total + m))
        line=$(grep "^ok - verify $n: " "$tmp/all")
        missed=""
        for f in "exercises/mutants/$n"/*.c; do
            [ -f "$f" ] || continue
            id=$(basename "$f" .c)
            grep -q "^  caught $id (" "$tmp/all" || missed="$missed $id"
        done
        if [ "$m" -lt 5 ]; then
            not_ok "verify $n: at least 5 mutants" "$m in exercises/mutants/$n/"
        elif [ -n "$missed" ]; then
            not_ok "verify $n: every mutant caught" "no \"caught\" line for:$missed"
        else
            case $line in
            *"; $m mutants, $m caught ("*)
                ok "verify $n: $m mutants, $m caught" ;;
            *) not_ok "verify $n: $m mutants, $m caught" "its line: ${line:-none}" ;;
            esac
        fi
    done
done
if grep -q "^$total mutants, $total caught (" "$tmp/all" &&
    grep -qx "$exercises passed, 0 failed" "$tmp/all"; then
    ok "verify ends with $total mutants, $total caught; $exercises passed, 0 failed"
else
    not_ok "verify ends with $total mutants, $total caught; $exercises passed, 0 failed" \
        "$(tail -n 2 "$tmp/all")"
fi

# ---- a mutant that is no mistake is not caught, and said -------------------

ex=frames
id=99-the-solution-unchanged
mutants=$(find "exercises/mutants/$ex" -name '*.c' | wc -l)
{
    printf '/*\n * The mistake: none (a test of verify itself).\n'
    printf ' * From: exercises/solutions/%s.c, unchanged.\n */\n' "$ex"
    cat "exercises/solutions/$ex.c"
} >"$copy/exercises/mutants/$ex/$id.c"
verify "$tmp/one" "$ex"
cp "$tmp/one" "$tmp/out"
if [ "$rc" = 1 ] && grep -q "^  not caught $id: it passes every test" "$tmp/one" &&
    grep -q "^not ok - verify $ex: not caught: $id; $((mutants + 1)) mutants, $mutants caught (" \
        "$tmp/one" &&
    grep -q "^$((mutants + 1)) mutants, $mutants caught (" "$tmp/one"; then
    ok "verify $ex with its solution as a mutant: not caught, said, exit 1"
else
    not_ok "verify $ex with its solution as a mutant: not caught, said, exit 1" "exit $rc"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

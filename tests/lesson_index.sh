#!/bin/sh
# tests/lesson_index.sh: lesson/README.md's index says the truth about the
# pages, and no page or README promises a make target that is already
# there (or names one that is not).
#
#   sh tests/lesson_index.sh
#
# Checked:
#   - "Days A-B" in the index's first lines is the range of the pages'
#     numbers (lesson/day-N-*.md);
#   - each row of the pages table, "| N | [Title](day-M-....md) |", has
#     N = M;
#   - each row of "Where each scenario is taught", "| NAME | N, M | ...",
#     names days whose pages exist and mention NAME;
#   - each "(Day N)" or "(Days N, M)" of the statuses table names pages
#     that exist and mention the status (CANCELLED for STATUS_CANCELLED);
#   - every `make TARGET` quoted in lesson/*.md and README.md is a target
#     of the Makefile (or a file under build/), and no line that quotes one says it "is being
#     added" or "will be added".
#
# Prints "ok - ..." or "not ok - ..." per check, then "N passed, M failed";
# exits 1 if any failed.

cd "$(dirname "$0")/.." || exit 2
index=lesson/README.md
passed=0
failed=0

ok() {
    passed=$((passed + 1))
    printf 'ok - %s\n' "$1"
}

not_ok() {
    failed=$((failed + 1))
    printf 'not ok - %s\n' "$1"
    [ -z "${2:-}" ] || printf '#   %s\n' "$2"
}

# page N: the lesson page of day N, or nothing.
page() {
    for f in lesson/day-"$1"-*.md; do
        [ -f "$f" ] && printf '%s\n' "$f" && return 0
    done
    return 1
}

# The pages' day numbers, sorted.
days=$(ls lesson/day-*.md | sed 's,^lesson/day-\([0-9]*\)-.*,\1,' | sort -n)
first=$(printf '%s\n' "$days" | head -n 1)
last=$(printf '%s\n' "$days" | tail -n 1)

# ---- the range ------------------------------------------------------------

range=$(sed -n 's/.*Days \([0-9]*-[0-9]*\) of.*/\1/p' "$index" | head -n 1)
if [ "$range" = "$first-$last" ]; then
    ok "$index: Days $range are the pages' days"
else
    not_ok "$index: the days in its first lines" \
        "it says Days $range; the pages are days $first-$last"
fi

# ---- the pages table ------------------------------------------------------

rows=$(grep -E '^\| [0-9]+ \| \[[^]]*\]\(day-[0-9]+-' "$index")
[ -n "$rows" ] || not_ok "$index: the pages table" "no row found"
printf '%s\n' "$rows" | while IFS= read -r row; do
    n=$(printf '%s\n' "$row" | sed 's/^| \([0-9]*\) .*/\1/')
    m=$(printf '%s\n' "$row" | sed 's/.*](day-\([0-9]*\)-.*/\1/')
    if [ "$n" = "$m" ]; then
        echo "ok - $index: day $n is day-$m-*.md"
    else
        echo "not ok - $index: the row of day $n links day-$m-*.md"
    fi
done >"${TMPDIR:-/tmp}/lesson_index.$$"

# ---- days named in the scenario and status tables -------------------------

# mentions DAYS WORD WHAT: each day of DAYS ("116, 118") has a page that
# mentions WORD.
mentions() {
    for d in $(printf '%s\n' "$1" | tr ',' ' '); do
        f=$(page "$d") || {
            echo "not ok - $index: $3 names day $d, which has no page"
            continue
        }
        if grep -q -F -- "$2" "$f"; then
            echo "ok - $index: $3 is on day $d ($f)"
        else
            echo "not ok - $index: $3 names day $d, but $f never mentions $2"
        fi
    done
}

sed -n '/^## Where each scenario is taught/,/^## /p' "$index" |
    grep -E '^\| [a-z][a-z-]* \| [0-9]' | while IFS='|' read -r _ name d _; do
    name=$(echo $name)
    mentions "$d" "$name" "scenario $name"
done >>"${TMPDIR:-/tmp}/lesson_index.$$"

grep -E '^\| `STATUS_[A-Z_]+` .*\(Days? [0-9]' "$index" | while IFS= read -r row; do
    st=$(printf '%s\n' "$row" | sed 's/^| `STATUS_\([A-Z_]*\)`.*/\1/')
    d=$(printf '%s\n' "$row" | sed 's/.*(Days* \([0-9, ]*\)).*/\1/')
    mentions "$d" "$st" "STATUS_$st"
done >>"${TMPDIR:-/tmp}/lesson_index.$$"

# ---- make targets ---------------------------------------------------------

targets=$(sed -n 's/^\([a-z][a-z-]*\):.*/\1/p' Makefile | sort -u)
grep -n -o -E '`make [a-z][a-z/._-]*[^`]*`' lesson/*.md README.md |
    while IFS= read -r hit; do
        where=${hit%%:\`*}
        target=$(printf '%s\n' "$hit" |
            sed 's/.*`make \([a-z][a-z/._-]*\).*/\1/')
        if [ "${target#build/}" != "$target" ]; then
            echo "ok - $where: make $target is a file under build/"
        elif printf '%s\n' "$targets" | grep -q -x -- "$target"; then
            echo "ok - $where: make $target is a target"
        else
            echo "not ok - $where: make $target is no target of the Makefile"
        fi
    done >>"${TMPDIR:-/tmp}/lesson_index.$$"

grep -n -E '`make [^`]*`.*(is being added|will be added)' lesson/*.md \
    README.md >"${TMPDIR:-/tmp}/lesson_index.$$.soon"
if [ -s "${TMPDIR:-/tmp}/lesson_index.$$.soon" ]; then
    while IFS= read -r hit; do
        not_ok "${hit%%:*}: a make target said to be coming" "$hit"
    done <"${TMPDIR:-/tmp}/lesson_index.$$.soon"
else
    ok "no page says a make target is being added"
fi
rm -f "${TMPDIR:-/tmp}/lesson_index.$$.soon"

# The results of the loops above (run in subshells), counted here.
while IFS= read -r line; do
    case $line in
    "ok - "*) ok "${line#ok - }" ;;
    "not ok - "*) not_ok "${line#not ok - }" ;;
    esac
done <"${TMPDIR:-/tmp}/lesson_index.$$"
rm -f "${TMPDIR:-/tmp}/lesson_index.$$"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

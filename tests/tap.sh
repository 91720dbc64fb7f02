# shellcheck shell=sh
# tap.sh: what the shell checks share (stress.sh, valgrind.sh,
# cli_flags.sh). Sourced from the repository's root, not run. Set first:
#   tap_name   names the scratch directory $tmp (removed on exit)
#   tap_out, tap_err   how many lines of $tmp/out and $tmp/err not_ok
#              shows under a failure (default 0: none)
# Gives: passed, failed, $tmp, within SECONDS CMD..., ok NAME,
# not_ok NAME WHY, and green, red, plain (empty unless a colour terminal
# without NO_COLOR).

passed=0
failed=0

tmp=${TMPDIR:-/tmp}/duplex-${tap_name:?set tap_name first}.$$
rm -rf "$tmp"
mkdir "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT PIPE TERM

# within SECONDS CMD...: runs CMD, killed (status 124) when it hangs, so a
# hang fails instead of stalling CI. With $HANGCHECK (make sets it), a hang
# is SECONDS without using CPU, so a busy machine never fails a check;
# else SECONDS of wall time. --foreground keeps CMD in the terminal's
# process group: Ctrl-C still stops it.
# HANGCHECK_MAX (seconds, default none) bounds a command that never idles.
if [ -x "${HANGCHECK:-}" ]; then
    within() {
        t=$1
        shift
        "$HANGCHECK" --idle "$t" --max "${HANGCHECK_MAX:-0}" "$@"
    }
elif timeout --foreground 5 true 2>/dev/null; then
    within() { t=$1; shift; timeout --foreground "$t" "$@"; }
elif command -v timeout >/dev/null 2>&1; then
    within() { t=$1; shift; timeout "$t" "$@"; }
else
    within() { shift; "$@"; }
fi

if [ -t 1 ] && [ -z "${NO_COLOR+set}" ] && [ "${TERM:-}" != dumb ]; then
    green=$(printf '\033[32m')
    red=$(printf '\033[31m')
    plain=$(printf '\033[0m')
else
    green=""
    red=""
    plain=""
fi

ok() {
    passed=$((passed + 1))
    printf '%s\n' "${green}ok${plain} - $1"
}

# not_ok NAME WHY: WHY, then what the command printed, behind "#". Names
# go out with printf: echo would turn a decode input's "\000" into a byte.
not_ok() {
    failed=$((failed + 1))
    printf '%s\n' "${red}not ok${plain} - $1"
    printf '%s\n' "$2" | sed 's/^/#   /'
    if [ "${tap_out:-0}" -gt 0 ] && [ -s "$tmp/out" ]; then
        echo "#   stdout:"
        head -n "$tap_out" "$tmp/out" | sed 's/^/#     /'
    fi
    if [ "${tap_err:-0}" -gt 0 ] && [ -s "$tmp/err" ]; then
        echo "#   stderr:"
        head -n "$tap_err" "$tmp/err" | sed 's/^/#     /'
    fi
}

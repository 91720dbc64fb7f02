#!/bin/sh
# Lesson checks: the journal pages in lesson/ quote duplex's output, its
# source and its tests; this script makes sure every quote is still true.
#
#   sh tests/lessons.sh                  check every lesson/*.md
#   sh tests/lessons.sh FILE.md ...      check only these pages
#   DUPLEX=path/to/duplex sh tests/lessons.sh
#
# What a page may contain, and what is checked:
#
#   <!-- output: CMD -->           the next line opens a ```text block that
#   ```text                        holds exactly the stdout of CMD, run with
#   ...                            `sh -c` from the repository's root, with
#   ```                            NO_COLOR=1 and `duplex` meaning $DUPLEX
#                                  (default build/duplex)
#   <!-- output-lines: CMD -->     the same, but every line of the block must
#                                  appear in the output in that order (for
#                                  output with a line that varies, such as
#                                  explore's schedules/s)
#   <!-- excerpt: src/FILE ... --> the next line opens a fenced block whose
#                                  lines appear, exactly and together, in
#                                  src/FILE
#   Proof: `test_x` in `tests/test_y.c`
#                                  test_x is a test function defined in that
#                                  file and registered with cmocka
#   [[name]]                       notes/name.md exists
#   [text](relative/path)          the file or folder exists (from the page)
#
# Day pages (lesson/day-*.md) must also have the journal's 13 sections, in
# order and nothing else at that level, and 4 to 8 active-recall cards, each
# "### Q: ..." then "A: ..." then "Proof: ...".
#
# Prints "ok - PAGE:LINE WHAT" or "not ok - PAGE:LINE WHAT" (with a short
# diff) per check, then "N passed, M failed"; exits 1 if any failed.

here=$(pwd)
root=$(cd "$(dirname "$0")/.." && pwd) || exit 2

absolute() { # absolute PATH: PATH made absolute against the starting dir
    case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$here/$1" ;;
    esac
}

DUPLEX=$(absolute "${DUPLEX:-$root/build/duplex}")
export DUPLEX
if [ ! -x "$DUPLEX" ]; then
    printf 'not ok - %s is not an executable: run make build/duplex\n' "$DUPLEX"
    printf '0 passed, 1 failed\n'
    exit 1
fi

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
tab=$(printf '\t')
passed=0
failed=0

ok() {
    printf 'ok - %s\n' "$1"
    passed=$((passed + 1))
}

not_ok() {
    printf 'not ok - %s\n' "$1"
    failed=$((failed + 1))
}

# Reads one page and writes $tmp/plan (one check per line, tab-separated:
# KIND, LINE, then fields) and the quoted blocks ($tmp/N.txt).
plan_page() {
    awk -v dir="$tmp" '
    function fail(line, msg) { printf "BAD\t%d\t%s\n", line, msg }
    function start_block(line, kind, arg) {
        blocks++
        file = dir "/" blocks ".txt"
        printf "" > file
        capture = 1
        cap_kind = kind
        cap_line = line
        cap_arg = arg
    }
    function end_block() {
        close(file)
        capture = 0
        if (cap_kind == "EXCERPT")
            printf "EXCERPT\t%d\t%s\t%s\n", cap_line, blocks, cap_arg
        else
            printf "%s\t%d\t%s\t%s\n", cap_kind, cap_line, blocks, cap_arg
    }
    function end_card() {
        if (card_line && !card_proof)
            fail(card_line, "card has no \"Proof: `test_...` in `tests/....c`\" line")
        card_line = 0
    }
    BEGIN { fence = 0; capture = 0; pending = ""; blocks = 0; cards = 0 }
    {
        sub(/\r$/, "")
    }
    pending != "" {
        # The line right after an output/excerpt comment must open a block.
        if ((pending_kind == "EXCERPT" && $0 ~ /^```[a-z]*$/ && $0 != "```") ||
            (pending_kind != "EXCERPT" && $0 == "```text")) {
            start_block(pending_line, pending_kind, pending)
            pending = ""
            next
        }
        fail(pending_line, "the comment is not followed by a fenced block: " pending)
        pending = ""
    }
    capture {
        if ($0 ~ /^```[ \t]*$/) { end_block(); next }
        print > file
        next
    }
    /^```/ { fence = !fence; next }
    fence { next }
    {
        rest = $0
        while (match(rest, /\[\[[^]]+\]\]/)) {
            printf "WIKI\t%d\t%s\n", FNR, substr(rest, RSTART + 2, RLENGTH - 4)
            rest = substr(rest, RSTART + RLENGTH)
        }
        rest = $0
        while (match(rest, /\]\([^) ]+\)/)) {
            printf "LINK\t%d\t%s\n", FNR, substr(rest, RSTART + 2, RLENGTH - 3)
            rest = substr(rest, RSTART + RLENGTH)
        }
    }
    /^<!-- output: .* -->$/ || /^<!-- output-lines: .* -->$/ {
        pending_kind = ($0 ~ /^<!-- output:/) ? "OUT" : "LINES"
        pending = $0
        sub(/^<!-- output(-lines)?: /, "", pending)
        sub(/ -->$/, "", pending)
        pending_line = FNR
        next
    }
    /^<!-- excerpt: .* -->$/ {
        pending_kind = "EXCERPT"
        pending = $0
        sub(/^<!-- excerpt: /, "", pending)
        sub(/ -->$/, "", pending)
        pending_line = FNR
        next
    }
    /^[ \t]+<!-- *(output|output-lines|excerpt) *:/ {
        fail(FNR, "a check comment must start its line (not indented): " $0)
        next
    }
    /^<!-- *(output|output-lines|excerpt) *:/ {
        fail(FNR, "not a check comment (want <!-- output: CMD -->): " $0)
        next
    }
    /^## / {
        heads = heads (heads == "" ? "" : "|") substr($0, 4)
        next
    }
    /^### Q: / {
        end_card()
        cards++
        card_line = FNR
        card_proof = 0
        card_state = "Q"
        next
    }
    card_line && card_state == "Q" {
        if ($0 !~ /^A: ./)
            fail(card_line, "the line after \"### Q:\" must start with \"A: \"")
        card_state = "A"
        next
    }
    card_line && card_state == "A" {
        if ($0 ~ /^Proof:/) {
            card_proof = 1
            card_state = "P"
            if (match($0, /^Proof: `[A-Za-z_0-9]+` in `tests\/[A-Za-z_0-9]+\.c`$/)) {
                name = $0
                sub(/^Proof: `/, "", name)
                sub(/`.*/, "", name)
                where = $0
                sub(/^[^`]*`[^`]*` in `/, "", where)
                sub(/`$/, "", where)
                printf "PROOF\t%d\t%s\t%s\n", FNR, name, where
            } else {
                fail(FNR, "want Proof: `test_name` in `tests/file.c`, got: " $0)
            }
            end_card()
        } else if ($0 ~ /^[ \t]*$/) {
            fail(card_line, "blank line inside the answer, before its Proof line")
            card_line = 0
        }
        next
    }
    END {
        if (pending != "")
            fail(pending_line, "the comment is not followed by a fenced block: " pending)
        if (capture)
            fail(cap_line, "the fenced block never ends")
        end_card()
        printf "HEADINGS\t%d\t%s\n", NR, heads
        printf "CARDS\t%d\t%d\n", NR, cards
    }
    ' "$1" >"$tmp/plan"
}

# Is every line of $1 in $2, in that order? Prints the first missing one.
lines_in_order() {
    awk '
    NR == FNR { want[++n] = $0; next }
    i < n && $0 == want[i + 1] { i++ }
    END {
        if (i < n) {
            printf "#   missing, after %d of %d lines matched: %s\n", i, n, want[i + 1]
            exit 1
        }
    }
    ' "$1" "$2"
}

# Do the lines of block $1 appear, together and in order, in file $2?
excerpt_in() {
    awk '
    NR == FNR { want = want $0 "\n"; next }
    { have = have $0 "\n" }
    END { exit !(want != "" && index(have, want) > 0) }
    ' "$1" "$2"
}

# Runs CMD as the page quotes it: from the root, `duplex` is $DUPLEX, and
# stdin is empty (never the plan being read). What duplex keeps between
# runs (recall's progress, step's records) goes to $tmp/state, never into
# the user's home.
run_quoted() { # run_quoted CMD OUT ERR
    if [ -x "${HANGCHECK:-}" ]; then
        limit="$HANGCHECK --idle 60"
    elif command -v timeout >/dev/null 2>&1; then
        limit="timeout 300"
    else
        limit=""
    fi
    # shellcheck disable=SC2016 # $DUPLEX and $@ belong to the inner shell
    (cd "$root" && NO_COLOR=1 DUPLEX_STATE_DIR="$tmp/state" $limit \
        sh -c 'duplex() { "$DUPLEX" "$@"; }
'"$1") </dev/null >"$2" 2>"$3"
}

check_output() { # check_output PAGE LINE KIND N CMD
    exp="$tmp/$4.txt"
    act="$tmp/actual"
    err="$tmp/stderr"
    run_quoted "$5" "$act" "$err"
    if [ "$3" = OUT ]; then
        if cmp -s "$exp" "$act"; then
            ok "$1:$2 $5"
        else
            not_ok "$1:$2 $5"
            diff -u "$exp" "$act" | sed -n '3,24s/^/#   /p'
            if [ -s "$err" ]; then
                sed -n '1,3s/^/#   stderr: /p' "$err"
            fi
        fi
    elif lines_in_order "$exp" "$act" >"$tmp/why"; then
        ok "$1:$2 $5"
    else
        not_ok "$1:$2 $5"
        cat "$tmp/why"
        sed -n '1,10s/^/#   output: /p' "$act"
    fi
}

check_proof() { # check_proof PAGE LINE NAME FILE
    what="proof $3 in $4"
    if [ ! -f "$root/$4" ]; then
        not_ok "$1:$2 $what (no such file)"
    elif ! grep -Eq "^(static[[:space:]]+void[[:space:]]+)?$3[[:space:]]*\\(" "$root/$4"; then
        not_ok "$1:$2 $what (no such test function)"
    elif ! grep -Eq "(cmocka_unit_test\\(|^[[:space:]]+)$3[[:space:]]*\\)" "$root/$4"; then
        not_ok "$1:$2 $what (defined but not registered with cmocka_unit_test)"
    else
        ok "$1:$2 $what"
    fi
}

check_excerpt() { # check_excerpt PAGE LINE N "src/FILE [what]"
    src=${4%% *}
    if [ ! -f "$root/$src" ]; then
        not_ok "$1:$2 excerpt of $4 (no such file)"
    elif excerpt_in "$tmp/$3.txt" "$root/$src"; then
        ok "$1:$2 excerpt of $4"
    else
        not_ok "$1:$2 excerpt of $4 (not in $src as written)"
        sed -n '1,3s/^/#   block starts: /p' "$tmp/$3.txt"
    fi
}

want_heads="Learning Objective|Topics|Reading / Sources|Notes|Code Examples|Exercises|Mistakes Made|Open Questions|Active Recall|Feynman Reflection|Knowledge Gaps|Summary|Next Steps"

check_page() { # check_page LABEL PATH
    plan_page "$2"
    day=0
    case ${2##*/} in day-*) day=1 ;; esac
    dir=$(dirname "$2")
    wikis=0
    links=0
    : >"$tmp/missing"
    while IFS="$tab" read -r kind line a b; do
        case $kind in
        BAD) not_ok "$1:$line $a" ;;
        WIKI)
            wikis=$((wikis + 1))
            [ -f "$root/notes/$a.md" ] ||
                printf '#   %s:%s [[%s]]: no notes/%s.md\n' "$1" "$line" "$a" "$a" >>"$tmp/missing"
            ;;
        LINK)
            case $a in http:* | https:* | mailto:* | '#'*) continue ;; esac
            links=$((links + 1))
            [ -e "$dir/${a%%#*}" ] ||
                printf '#   %s:%s (%s): no such file or folder\n' "$1" "$line" "$a" >>"$tmp/missing"
            ;;
        OUT | LINES) check_output "$1" "$line" "$kind" "$a" "$b" ;;
        PROOF) check_proof "$1" "$line" "$a" "$b" ;;
        EXCERPT) check_excerpt "$1" "$line" "$a" "$b" ;;
        HEADINGS)
            [ "$day" = 1 ] || continue
            if [ "$a" = "$want_heads" ]; then
                ok "$1 has the 13 journal sections in order"
            else
                not_ok "$1 sections are not the journal's 13, in order"
                printf '#   want: %s\n#   have: %s\n' "$want_heads" "$a"
            fi
            ;;
        CARDS)
            [ "$day" = 1 ] || continue
            if [ "$a" -ge 4 ] && [ "$a" -le 8 ]; then
                ok "$1 has $a active-recall cards"
            else
                not_ok "$1 has $a active-recall cards (want 4 to 8)"
            fi
            ;;
        esac
    done <"$tmp/plan"
    what="$1 has $wikis [[wikilinks]] (all in notes/) and $links relative links (all there)"
    if [ -s "$tmp/missing" ]; then
        not_ok "$1 has a dangling [[wikilink]] or relative link"
        cat "$tmp/missing"
    elif [ $((wikis + links)) -gt 0 ]; then
        ok "$what"
    fi
}

if [ $# -eq 0 ]; then
    set -- "$root"/lesson/*.md
    [ -f "$1" ] || {
        not_ok "no lesson pages in $root/lesson"
        printf '%d passed, %d failed\n' "$passed" "$failed"
        exit 1
    }
    for page in "$@"; do
        check_page "lesson/${page##*/}" "$page"
    done
else
    for page in "$@"; do
        if [ -f "$page" ]; then
            check_page "$page" "$(absolute "$page")"
        else
            not_ok "$page: no such file"
        fi
    done
fi

printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" = 0 ]

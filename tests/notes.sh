#!/bin/sh
# tests/notes.sh: the concept notes' [[wikilinks]], checked or drawn.
#
#   sh tests/notes.sh [check]      check the links of every notes/*.md
#   sh tests/notes.sh graph [OUT]  write build/notes.dot; with Graphviz,
#                                  render OUT too (default build/notes.svg)
#
# A link is [[target]], [[target|shown text]] or [[target#heading]], as in
# Obsidian; it names notes/target.md. Links inside fenced code blocks and
# `code spans` are not links.
#
# check prints one line per note, "ok - notes/X.md: N links" (N: the other
# notes it links to) or "not ok - notes/X.md: REASON[; REASON...]", where a
# note fails when
#   - a link names no note ("dangling [[y]]"),
#   - notes/index.md does not link to it ("not linked from index.md"),
#   - no other note links to it ("no incoming link"),
#   - it links to fewer than two other notes.
# The last line is "N passed, M failed"; the exit status is 1 when anything
# failed, 2 on a usage error.
#
# graph draws one node per note, in a box per "## " heading of index.md
# (the heading the note is listed under), and one arrow per link; two notes
# linking to each other get one arrow with two heads. index.md and the links
# to it are left out (its headings are the boxes). A dangling link is drawn
# in red. OUT's extension picks the format (svg, png or pdf; else svg).
#
# NOTES_DIR and BUILD_DIR override notes/ and build/ (default: next to this
# script's tests/ directory), e.g. to check a copy of the notes. POSIX sh and
# awk only.

set -u

root=$(cd "$(dirname "$0")/.." && pwd) || exit 2
notes=${NOTES_DIR:-$root/notes}
build=${BUILD_DIR:-$root/build}
shown=${notes%/}
shown=${shown##*/} # "notes", as the notes are shown in messages

usage() {
    echo "usage: sh tests/notes.sh [check | graph [OUT]]" >&2
    exit 2
}

tmp=${TMPDIR:-/tmp}/duplex-notes.$$
rm -rf "$tmp"
mkdir "$tmp" || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM

# The notes, one name (without .md) a line, sorted.
for f in "$notes"/*.md; do
    [ -f "$f" ] || continue
    n=${f##*/}
    printf '%s\n' "${n%.md}"
done >"$tmp/names"

# Every link, as "source<TAB>target<TAB>heading": heading is the "## "
# heading the link is under in its source note ("" before the first one).
extract_links() {
    set --
    while IFS= read -r n; do
        set -- "$@" "$notes/$n.md"
    done <"$tmp/names"
    [ $# -gt 0 ] || return 0
    awk '
    FNR == 1 {
        fence = ""; heading = ""
        src = FILENAME; sub(/^.*\//, "", src); sub(/\.md$/, "", src)
    }
    {
        line = $0
        if (match(line, /^[ \t]*(```|~~~)/)) {
            c = substr(line, RSTART + RLENGTH - 1, 1)
            if (fence == "") fence = c
            else if (c == fence) fence = ""
            next
        }
        if (fence != "") next
        if (line ~ /^## /) { heading = substr(line, 4); sub(/[ \t]+$/, "", heading) }
        gsub(/`[^`]*`/, "", line)
        while (match(line, /\[\[[^]]*\]\]/)) {
            t = substr(line, RSTART + 2, RLENGTH - 4)
            line = substr(line, RSTART + RLENGTH)
            sub(/\|.*/, "", t); sub(/#.*/, "", t); sub(/\\$/, "", t)
            sub(/^[ \t]+/, "", t); sub(/[ \t]+$/, "", t)
            printf "%s\t%s\t%s\n", src, t, heading
        }
    }' "$@"
}

check() {
    if [ ! -f "$notes/index.md" ]; then
        echo "not ok - $shown/index.md: missing (it must link to every note)"
        echo "0 passed, 1 failed"
        return 1
    fi
    extract_links >"$tmp/links" || return 2
    awk -F '\t' -v shown="$shown" '
    FILENAME == ARGV[1] { order[++n] = $1; exists[$1] = 1; next }
    {
        src = $1; t = $2
        if (t == src) next                       # a self-link counts for nothing
        key = src SUBSEP t
        if (key in seen) next
        seen[key] = 1
        if (!(t in exists)) { bad[src] = bad[src] "; dangling [[" t "]]"; next }
        out[src]++
        into[t]++
        if (src == "index") listed[t] = 1
    }
    END {
        for (i = 1; i <= n; i++) {
            x = order[i]; why = bad[x]
            if (x != "index" && !(x in listed)) why = why "; not linked from index.md"
            if (!(x in into)) why = why "; no incoming link"
            if (out[x] + 0 < 2) why = why "; links to fewer than 2 other notes"
            if (why == "") {
                printf "ok - %s/%s.md: %d links\n", shown, x, out[x]
                passed++
            } else {
                printf "not ok - %s/%s.md: %s\n", shown, x, substr(why, 3)
                failed++
            }
        }
        printf "%d passed, %d failed\n", passed, failed
        exit (failed > 0 ? 1 : 0)
    }' "$tmp/names" "$tmp/links"
}

# Writes the DOT text of the links to stdout.
dot_text() {
    extract_links >"$tmp/links" || return 2
    awk -F '\t' '
    function q(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
    FILENAME == ARGV[1] { order[++n] = $1; exists[$1] = 1; next }
    {
        src = $1; t = $2
        if (src == "index") {
            if ((t in exists) && !(t in group) && $3 != "") {
                if (!($3 in gnum)) { gnum[$3] = ++ng; gname[ng] = $3 }
                group[t] = gnum[$3]
            }
            next
        }
        if (t == src || t == "index") next
        if ((src SUBSEP t) in edge) next
        edge[src SUBSEP t] = 1
        pairs[++ne] = src SUBSEP t
        if (!(t in exists)) missing[t] = 1
    }
    END {
        split("#dbeafe #dcfce7 #fef3c7 #fce7f3 #ede9fe #e0f2fe", fill, " ")
        print "digraph notes {"
        print "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, nodesep=0.45, ranksep=0.9,"
        print "         labelloc=t, label=\"duplex notes: [[wikilinks]] between notes/*.md\"];"
        print "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f4f4f5\", fontname=\"Helvetica\", fontsize=11];"
        print "  edge [color=\"#52525b\", arrowsize=0.6];"
        for (g = 1; g <= ng; g++) {
            printf "  subgraph cluster_%d {\n", g
            printf "    label=%s; style=\"rounded,filled\"; color=\"#a1a1aa\"; fillcolor=\"%s\";\n", q(gname[g]), fill[(g - 1) % 6 + 1]
            for (i = 1; i <= n; i++)
                if (group[order[i]] == g) printf "    %s [fillcolor=\"white\"];\n", q(order[i])
            print "  }"
        }
        for (i = 1; i <= n; i++)
            if (order[i] != "index" && !(order[i] in group)) printf "  %s;\n", q(order[i])
        for (t in missing)
            printf "  %s [color=red, fontcolor=red, style=\"rounded,dashed\", label=%s];\n", q(t), q(t " (missing)")
        for (k = 1; k <= ne; k++) {
            split(pairs[k], p, SUBSEP)
            a = p[1]; b = p[2]
            back = (b SUBSEP a) in edge
            if (back && a > b) continue           # drawn once, from the other end
            attr = back ? " [dir=both]" : ""
            if (b in missing) attr = " [color=red, style=dashed]"
            printf "  %s -> %s%s;\n", q(a), q(b), attr
        }
        print "}"
    }' "$tmp/names" "$tmp/links"
}

# A path under the repository, shown from its top ("build/notes.svg").
relative() {
    case $1 in
    "$root"/*) printf '%s\n' "${1#"$root"/}" ;;
    *) printf '%s\n' "$1" ;;
    esac
}

graph() {
    out=${1:-$build/notes.svg}
    mkdir -p "$build" || return 2
    dot_text >"$build/notes.dot" || return 2
    echo "wrote $(relative "$build/notes.dot")"
    if ! command -v dot >/dev/null 2>&1; then
        echo "Graphviz is not installed (no 'dot'): not rendering $(relative "$out");"
        echo "install it (apt-get install graphviz) and run this again"
        return 0
    fi
    case $out in
    *.png) format=png ;;
    *.pdf) format=pdf ;;
    *) format=svg ;;
    esac
    dot -T"$format" "$build/notes.dot" -o "$out" || return 1
    echo "wrote $(relative "$out") (dot -T$format)"
}

case ${1:-check} in
check)
    [ $# -le 1 ] || usage
    check
    ;;
graph)
    [ $# -le 2 ] || usage
    graph "${2:-}"
    ;;
-h | --help | help)
    sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'
    ;;
*) usage ;;
esac

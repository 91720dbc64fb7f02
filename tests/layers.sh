#!/bin/sh
# tests/layers.sh: the layers of src/ depend one way, and no header of
# ours stands in for a system header.
#
#   BUILD=build sh tests/layers.sh       (make check runs it)
#
# The layers, lowest first (src/README.md): core, then h2 (the HTTP/2
# wire, on core and nghttp2), view and explore (each on core only), then
# scenarios, then app. It checks:
#   1. every #include "..." in src/ names its folder ("core/pipe.h"), and
#      that folder is the file's own layer or one it may use;
#   2. each layer's archive links with only the archives below it: every
#      object of the layer is pulled in (--whole-archive) and nothing it
#      needs may be missing, so a core test that links libduplex.a alone
#      is no accident;
#   3. core/trace is a leaf (nothing of pipe, frame, stream...), so the
#      core has no cycle (pipe records into trace; frame reads pipes);
#   4. a learner's file that includes <pthread.h> and <sched.h> first,
#      then duplex's headers, compiles with the flags the exercises use
#      (-Isrc): src/ has no sched.h of its own to shadow the system's.

cd "$(dirname "$0")/.." || exit 1

BUILD=${BUILD:-build}
CC=${CC:-cc}
tap_name=layers tap_err=10
. tests/tap.sh

# may LAYER: the folders a file of LAYER may include from.
may() {
    case $1 in
    core) echo "core" ;;
    h2) echo "core h2" ;;
    view) echo "core view" ;;
    explore) echo "core explore" ;;
    scenarios) echo "core view explore scenarios" ;;
    app) echo "core h2 view explore scenarios app" ;;
    *) echo "" ;;
    esac
}

# 1. Includes.
for dir in src/*/; do
    layer=$(basename "$dir")
    allowed=$(may "$layer")
    if [ -z "$allowed" ]; then
        not_ok "src/$layer is a known layer" "add it to tests/layers.sh and src/README.md"
        continue
    fi
    bad=""
    for f in $(find "src/$layer" -name '*.[ch]' | sort); do
        grep -n '^#include "' "$f" | while IFS= read -r line; do
            inc=$(printf '%s' "$line" | sed 's/.*#include "\([^"]*\)".*/\1/')
            case $inc in
            */*) top=${inc%%/*} ;;
            *) echo "$f:${line%%:*}: \"$inc\" does not name its folder"; continue ;;
            esac
            case " $allowed " in
            *" $top "*) ;;
            *) echo "$f:${line%%:*}: $layer may not include \"$inc\"" ;;
            esac
        done
    done >"$tmp/bad"
    if [ -s "$tmp/bad" ]; then
        not_ok "src/$layer includes only from: $allowed" "$(cat "$tmp/bad")"
    else
        ok "src/$layer includes only from: $allowed"
    fi
done

# 2. Links. archive LAYER: its archive's path.
archive() {
    case $1 in
    core) echo "$BUILD/libduplex.a" ;;
    *) echo "$BUILD/libduplex-$1.a" ;;
    esac
}
printf 'int main(void) { return 0; }\n' >"$tmp/main.c"
for layer in core h2 view explore scenarios app; do
    a=$(archive "$layer")
    if [ ! -f "$a" ]; then
        not_ok "$a exists" "make $a first"
        continue
    fi
    below=""
    for l in $(may "$layer"); do
        [ "$l" = "$layer" ] || below="$(archive "$l") $below"
    done
    # shellcheck disable=SC2086 # $below is a list of paths
    if $CC -pthread ${SAN:-} "$tmp/main.c" -Wl,--whole-archive "$a" \
        -Wl,--no-whole-archive $below -lnghttp2 -o "$tmp/linked" 2>"$tmp/err"; then
        ok "$layer links with only: $(may "$layer")"
    else
        not_ok "$layer links with only: $(may "$layer")" \
            "$(grep -o "undefined reference to \`[^']*'" "$tmp/err" | sort -u | head -10)"
    fi
done

# The trace is a leaf: it records, and renders or decodes nothing, so the
# pipe (which records into it) does not need the frame codec (which reads
# pipes): no cycle inside the core.
if [ -f "$BUILD/src/core/trace.o" ]; then
    uses=$(nm -u "$BUILD/src/core/trace.o" |
        grep -oE '\b(pipe|frame|context|stream|group)_[a-z_]+' | sort -u)
    if [ -z "$uses" ]; then
        ok "core/trace uses no other module of the core but sched and status"
    else
        not_ok "core/trace uses no other module of the core but sched and status" "$uses"
    fi
else
    not_ok "$BUILD/src/core/trace.o exists" "make all first"
fi

# 3. A learner's file with the system's thread headers first.
cat >"$tmp/learner.c" <<'EOF'
#include <pthread.h>
#include <sched.h>

#include "core/group.h"
#include "core/stream.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

int learner_yield(void);
int learner_yield(void)
{
    int r = 0;

    pthread_mutex_lock(&mu);
    r = sched_yield();
    pthread_mutex_unlock(&mu);
    return r + (int)STATUS_OK + (int)sizeof(struct stream_options);
}
EOF
if $CC -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -pthread \
    -Isrc -Iexercises -c "$tmp/learner.c" -o "$tmp/learner.o" 2>"$tmp/err"; then
    ok "a file that includes <pthread.h> and <sched.h> first compiles with -Isrc"
else
    not_ok "a file that includes <pthread.h> and <sched.h> first compiles with -Isrc" \
        "$(head -5 "$tmp/err")"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

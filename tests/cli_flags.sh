#!/bin/sh
# tests/cli_flags.sh: every option of every `duplex` command, given bad
# values and good ones.
#
#   DUPLEX=build/duplex sh tests/cli_flags.sh
#
# A table drives it. A usage row says: this command line is a usage error,
# so it exits 2, prints nothing on stdout, and says so on stderr in one
# line, "duplex COMMAND: PROBLEM", which names what was wrong (the option,
# the scenario, the argument), followed at most by "Try 'duplex COMMAND
# --help'.". A good row says: this command line works and exits with the
# documented code. No row may end by a signal (exit 128 or more).
#
# The numeric options get the same battery each: no value, an empty one,
# words, signs, blanks, hex, fractions, trailing garbage, 0 where 1 is the
# least, one past the largest, and a number too big for any integer; then
# the least and (where a run is cheap) the largest value, as
# "--name value" and as "--name=value".
#
# Each check prints "ok - COMMAND LINE: exit N, FIRST LINE OF STDERR" or
# "not ok - ..." with what went wrong behind "#"; the last line is
# "N passed, M failed". The exit status is 1 when anything failed.

cd "$(dirname "$0")/.." || exit 1

DUPLEX=${DUPLEX:-build/duplex}
tap_name=cli-flags tap_out=5 tap_err=5
. tests/tap.sh

# `duplex recall` keeps its boxes here, not in the user's home.
DUPLEX_STATE_DIR=$tmp/state
export DUPLEX_STATE_DIR
unset DUPLEX_TODAY

[ -x "$DUPLEX" ] || {
    not_ok "$DUPLEX is an executable" "make build/duplex first"
    echo "$passed passed, $failed failed"
    exit 1
}

# shown ARGS...: the command line as a reader would type it.
shown() {
    line="duplex"
    for a in "$@"; do
        case $a in
        '' | *[!A-Za-z0-9_.,:=/+-]*) line="$line '$a'" ;;
        *) line="$line $a" ;;
        esac
    done
    printf '%s' "$line"
}

# run INPUT ARGS...: runs duplex ARGS with INPUT (a printf format) on
# stdin; sets $rc, $name, $first (stderr's first line), $nerr (its lines).
run() {
    # shellcheck disable=SC2059 # the escapes are the point
    printf "$1" >"$tmp/in"
    shift
    name=$(shown "$@")
    within 30 "$DUPLEX" "$@" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    first=$(sed -n 1p "$tmp/err")
    nerr=$(wc -l <"$tmp/err" | tr -d ' ')
}

# signalled: whether the last run died of a signal or hung.
signalled() {
    if [ "$rc" = 124 ]; then
        not_ok "$name" "hung: killed after 30 s"
    elif [ "$rc" -ge 128 ]; then
        not_ok "$name" "killed by signal $((rc - 128)) (exit $rc)"
    else
        return 1
    fi
}

# usage CMD MENTION INPUT ARGS...: a usage error of command CMD ("" for
# duplex itself) whose message contains MENTION. With streamed=yes, stdout
# may hold what came before the error.
usage() {
    cmd=$1
    mention=$2
    shift 2
    run "$@"
    prefix="duplex${cmd:+ $cmd}: "
    try="Try 'duplex ${cmd:+$cmd }--help'."
    second=$(sed -n 2p "$tmp/err")
    if signalled; then
        :
    elif [ "$rc" != 2 ]; then
        not_ok "$name" "exit $rc, want 2 (usage error)"
    elif [ -s "$tmp/out" ] && [ "$streamed" != yes ]; then
        not_ok "$name" "exit 2, but it printed on stdout"
    elif [ "${first#"$prefix"}" = "$first" ]; then
        not_ok "$name" "stderr does not start with '$prefix'"
    elif [ "${first#*"$mention"}" = "$first" ]; then
        not_ok "$name" "the message does not name '$mention'"
    elif [ "$nerr" -gt 2 ] || { [ "$nerr" = 2 ] && [ "$second" != "$try" ]; }
    then
        not_ok "$name" "more than one line (besides the pointer to --help)"
    else
        ok "$name: exit 2, $first"
    fi
}

# good WANT INPUT ARGS...: a command line that works and exits WANT.
good() {
    want=$1
    shift
    run "$@"
    if signalled; then
        :
    elif [ "$rc" != "$want" ]; then
        not_ok "$name" "exit $rc, want $want"
    elif [ "$want" = 0 ] && [ -s "$tmp/err" ]; then
        not_ok "$name" "exit 0, but it printed on stderr"
    else
        ok "$name: exit $rc"
    fi
}

# ---- the table ---------------------------------------------------------------

# Each row: KIND|A|B|INPUT|ARGS, where ARGS is shell words (quotes work:
# '' is an empty argument) and INPUT a printf format for stdin.
#   usage|CMD|MENTION|INPUT|ARGS   a usage error (see usage above)
#   input|CMD|MENTION|INPUT|ARGS   bad input: exit 2 and a message as for
#                                  a usage error, but what was decoded
#                                  before it may be on stdout
#   good|WANT||INPUT|ARGS          exits WANT

# numeric CMD PREFIX NAME LEAST LARGEST ONE-PAST K-PAST [CHEAP]: the battery
# for one numeric option. PREFIX goes before the option ("" or the
# scenario). K-PAST is the first too-large count of k (suffixes k and m
# allowed), or - when the option takes no suffix. Good rows use the least
# value, and the largest one too when CHEAP is yes (a quick run).
numeric() {
    cmd=$1 pre=$2 opt=$3 lo=$4 hi=$5 over=$6 overk=$7 cheap=${8:-no}
    for v in "''" abc -1 +1 "' 1'" "'1 '" 0x10 1.5 1e3 12x \
        99999999999999999999 "$over" -- --fix; do
        echo "usage|$cmd|$opt||$cmd $pre $opt $v"
    done
    echo "usage|$cmd|$opt||$cmd $pre $opt"
    echo "usage|$cmd|$opt||$cmd $pre $opt="
    echo "usage|$cmd|$opt||$cmd $pre $opt=abc"
    if [ "$lo" != 0 ]; then
        echo "usage|$cmd|$opt||$cmd $pre $opt 0"
    fi
    if [ "$overk" = - ]; then
        echo "usage|$cmd|$opt||$cmd $pre $opt 5k"
    else
        for v in k 64kb 1t "${overk}k"; do
            echo "usage|$cmd|$opt||$cmd $pre $opt $v"
        done
        if [ "$lo" != 0 ]; then
            echo "usage|$cmd|$opt||$cmd $pre $opt 0k"
        fi
    fi
    echo "good|0|||$cmd $pre $opt $lo"
    echo "good|0|||$cmd $pre $opt=$lo"
    if [ "$cheap" = yes ]; then
        echo "good|0|||$cmd $pre $opt $hi"
    fi
}

table() {
    numeric run echo --messages 1 10000000 10000001 -
    numeric run echo --capacity 1 1073741824 1073741825 1048577 yes
    numeric run echo --timeout 1 3600000 3600001 - yes
    numeric run echo --seed 0 9007199254740991 9007199254740992 - yes
    numeric explore "echo --max-schedules 50" --max-preemptions 0 8 9 -
    numeric explore "echo --max-schedules 50" --seeds 1 10000000 10000001 -
    numeric explore "echo --max-schedules 50" --max-schedules 1 100000000 100000001 - yes
    numeric explore "echo --max-schedules 50" --messages 1 10000 10001 -
    numeric explore "echo --max-schedules 50" --capacity 1 1073741824 1073741825 1048577
    numeric explore "echo --max-schedules 50" --timeout 1 3600000 3600001 - yes
    numeric step echo --messages 1 10000 10001 -
    numeric step echo --capacity 1 1073741824 1073741825 1048577
    numeric step echo --timeout 1 3600000 3600001 - yes
    numeric step echo --seed 0 9007199254740991 9007199254740992 - yes
    numeric run "echo --wire h2" --window 1 2147483647 2147483648 2097152 yes
    numeric run "echo --wire h2" --conn-window 65535 2147483647 2147483648 2097152 yes
    numeric explore "echo --wire h2 --max-schedules 5" --window 1 2147483647 2147483648 2097152
    numeric decode "" --max-recv 0 4294967295 4294967296 4194304 yes
    numeric recall "" --limit 1 100000 100001 - yes
    numeric recall "" --seed 0 9007199254740991 9007199254740992 - yes

    cat <<'EOF'
usage|run|--trace||run echo --trace
usage|run|--trace||run echo --trace ''
usage|run|--trace||run echo --trace=
usage|run|--trace||run echo --trace bogus
usage|run|--trace||run echo --trace TIMELINE
usage|run|--bad-client||run hub --bad-client
usage|run|--bad-client||run hub --bad-client ''
usage|run|--bad-client||run hub --bad-client fast
usage|run|--bad-client||run echo --bad-client slow
usage|run|--bad-client||run hub --bad-client slow --clients 1
usage|run|--bad-client||run hub --bad-client slow --clients 16
usage|explore|--bad-client||explore hub --bad-client slow --messages 2
usage|explore|--bad-client||explore hub --bad-client=
usage|step|--bad-client||step hub --bad-client leave --messages 1
usage|run|--trace||run echo --trace timeline,hexdump
usage|run|--trace||run echo --trace 'none '
usage|run|--replay||run echo --replay
usage|run|--replay||run echo --replay ''
usage|run|--replay||run echo --replay=
usage|run|--replay||run echo --replay x
usage|run|--replay||run echo --replay 3
usage|run|--replay||run echo --replay 3:
usage|run|--replay||run echo --replay :1
usage|run|--replay||run echo --replay 3:x
usage|run|--replay||run echo --replay 3:1,
usage|run|--replay||run echo --replay ,3:1
usage|run|--replay||run echo --replay 3:1,,4:0
usage|run|--replay||run echo --replay 5:0,3:1
usage|run|--replay||run echo --replay 3:1,3:0
usage|run|--replay||run echo --replay 3:99
usage|run|--replay||run echo --replay 3:-1
usage|run|--replay||run echo --replay -1:0
usage|run|--replay||run echo --replay +3:1
usage|run|--replay||run echo --replay ' 3:1'
usage|run|--replay||run echo --replay '3:1 '
usage|run|--replay||run echo --replay '3:1, 4:0'
usage|run|--replay||run echo --replay '3;1'
usage|run|--replay||run echo --replay 3:1:2
usage|run|--replay||run echo --replay 3:1,x
usage|run|--replay||run echo --replay 99999999999999999999:0
usage|run|--replay||run echo --replay 100000001:0
usage|run|--replay||run echo --replay 3:99999999999999999999
usage|run|--replay||run echo --replay --
usage|step|--challenge||step echo --challenge
usage|step|--challenge||step echo --challenge ''
usage|step|--challenge||step echo --challenge=
usage|step|bogus||step echo --challenge bogus
usage|step|lose||step cancel-vs-drain --fix --challenge lose
usage|step|--predict=1||step echo --predict=1
usage|step|which scenario||step
usage|step|one scenario||step echo chat
usage|step|nosuch||step nosuch
usage|step|--fix||step echo --fix
usage|step|--messages 3 or more||step cancel-vs-drain --messages 1
usage|step|--os||step echo --os
usage|step|--replay||step echo --replay 3:1
usage|step|--trace||step echo --trace none
usage|step|--clients||step hub --clients 2
usage|step|--decisions||step echo --decisions
usage|run|--kind||run rpc-kinds --kind
usage|run|--kind||run rpc-kinds --kind ''
usage|run|--kind||run rpc-kinds --kind=
usage|run|not 'duplex'||run rpc-kinds --kind duplex
usage|run|--kind is for the rpc-kinds scenario||run echo --kind bidi
usage|explore|not 'Unary'||explore rpc-kinds --kind Unary
usage|step|--kind is for the rpc-kinds scenario||step echo --kind unary
usage|run|--predict||run echo --predict
usage|run|--challenge||run echo --challenge garble
usage|decode|--encoding||decode --encoding
usage|decode|--encoding||decode --encoding ''
usage|decode|--encoding||decode --encoding=
usage|recall|--lessons||recall --lessons
usage|recall|--lessons||recall --lessons ''
usage|recall|--lessons||recall --lessons=
usage|recall|/nonexistent/lessons||recall --lessons /nonexistent/lessons
usage|run|--os=1||run echo --os=1
usage|run|--fix=yes||run forgot-close-send --fix=yes
usage|decode|--hex=1||decode --hex=1
usage|decode|--raw=1||decode --raw=1
usage|recall|--list=yes||recall --list=yes
usage|run|--bogus||run echo --bogus
usage|run|-x||run echo -x
usage|run|--||run echo --
usage|run|--messagesX||run echo --messagesX 3
usage|run|--MESSAGES||run echo --MESSAGES 3
usage|explore|--bogus||explore echo --bogus
usage|decode|--bogus||decode --bogus
usage|recall|--bogus||recall --bogus
usage|list|--bogus||list --bogus
usage||--bogus||--bogus
usage||nosuch||nosuch
usage||nosuch||help nosuch
usage|run|--seeds||run echo --seeds 5
usage|run|--max-preemptions||run echo --max-preemptions 1
usage|run|--max-schedules||run echo --max-schedules 5
usage|run|--hex||run echo --hex
usage|run|--max-recv||run echo --max-recv 5
usage|run|--encoding||run echo --encoding gzip
usage|run|--lessons||run echo --lessons lesson
usage|run|--list||run echo --list
usage|run|--limit||run echo --limit 1
usage|explore|--seed||explore echo --seed 1
usage|explore|--os||explore echo --os
usage|explore|--replay||explore echo --replay 3:1
usage|explore|--trace||explore echo --trace none
usage|explore|--list||explore echo --list
usage|decode|--messages||decode --messages 3
usage|decode|--os||decode --os
usage|decode|--seed||decode --seed 1
usage|decode|--fix||decode --fix
usage|recall|--os||recall --os
usage|recall|--messages||recall --messages 3
usage|recall|--max-recv||recall --max-recv 4
usage|recall|--hex||recall --hex
usage|list|--messages||list --messages 3
usage|list|--os||list --os
usage|run|--os||run echo --os --seed 1
usage|run|--os||run echo --seed 1 --os
usage|run|--os||run echo --os --replay 3:1
usage|run|--os||run echo --seed 1 --replay 3:1
usage|run|--os||run echo --os --seed 1 --replay 3:1
usage|explore|--max-preemptions||explore echo --seeds 5 --max-preemptions 1
usage|explore|--max-preemptions||explore echo --max-preemptions 1 --seeds 5
usage|recall|--list||recall --list --limit 3
usage|recall|--list||recall --list --seed 3
usage|run|nosuch||run nosuch
usage|run|ECHO||run ECHO
usage|run|''||run ''
usage|run|nosuch||run nosuch --os
usage|explore|nosuch||explore nosuch
usage|explore|nosuch||explore nosuch --seeds 5
usage|run|which scenario||run
usage|run|which scenario||run --os
usage|run|which scenario||run --messages 3
usage|explore|which scenario||explore
usage|explore|which scenario||explore --seeds 5
usage|run|chat||run echo chat
usage|run|chat||run echo --os chat
usage|explore|chat||explore echo chat
usage|decode|extra||decode extra
usage|recall|extra||recall extra
usage|list|extra||list extra
usage||extra||help run extra
usage||extra||--version extra
usage|run|--fix||run echo --fix
usage|run|--fix||run --fix chat
usage|explore|--fix||explore echo --fix
usage|run|cancel-vs-drain||run cancel-vs-drain --messages 2
usage|run|cancel-vs-drain||run cancel-vs-drain --capacity 16
usage|run|cancel-vs-drain||run cancel-vs-drain --os --capacity 16
usage|explore|cancel-vs-drain||explore cancel-vs-drain --messages 2
usage|explore|cancel-vs-drain||explore cancel-vs-drain --capacity 16
input|decode|not a hex digit|zz|decode --hex
input|decode|not a hex digit|00 00 00 00 00 zz|decode --hex
input|decode|byte 0x00 is not a hex digit|00\000|decode --hex
input|decode|byte 0xC3 is not a hex digit|00 \303\251|decode --hex
usage|list|--help takes nothing after it||list --help extra
usage|list|-h takes nothing after it||list -h extra
usage|run|--help takes nothing after it||run --help extra
usage|run|-h takes nothing after it||run echo -h extra
usage|run|--help takes nothing after it||run echo --help --os
usage|explore|--help takes nothing after it||explore --help extra
usage|explore|--help takes nothing after it||explore echo --help extra
usage|decode|--help takes nothing after it||decode --help extra
usage|decode|--help takes nothing after it||decode --help --hex
usage|recall|--help takes nothing after it||recall --help extra
usage||--help takes nothing after it||--help extra
usage||-h takes nothing after it||-h extra
usage|run|--messages 10000000 does not fit||run echo --messages 10000000
usage|run|--messages 10000000 does not fit||run hub --messages 10000000 --clients 20
usage|explore|--messages 10000 does not fit||explore hub --messages 10000 --capacity 1
usage|run|decision 100000000 is past the end||run echo --replay 100000000:1
usage|run|decision 10000000 is past the end||run echo --replay 3:1,10000000:0
good|0|||--help
good|0|||help
good|0|||--version
good|0|||list
good|0|||list --help
good|0|||help run
good|0|||help explore
good|0|||help decode
good|0|||help recall
good|0|||help list
good|0|||run --help
good|0|||run echo -h
good|0|||explore --help
good|0|||decode --help
good|0|||recall --help
good|0|||run echo --messages 3 --capacity 64k --timeout 5000 --trace both --seed 7
good|0|||run echo --capacity 1
good|0|||run echo --wire raw
good|5|||run one-thread-client --wire h2 --trace none
good|5|||run both-hot --wire h2 --trace none
usage|explore|--messages 3355||explore both-hot --wire h2 --messages 3354
good|0|||explore both-hot --wire h2 --messages 3355 --max-schedules 2
good|0|||explore both-hot --wire h2 --max-schedules 2
good|0|||explore one-thread-client --wire h2 --max-schedules 3
good|0|||run hub --bad-client slow --wire h2 --trace none
good|0|||run hub --wire h2 --clients 19 --trace none
usage|run|at most 19 clients (3 threads each, and the connection's 4)||run hub --wire h2 --clients 20
usage|run|at most 14 clients (4 threads each, and the connection's 4)||run hub --wire h2 --bad-client leave --clients 15
good|0|||run hub --wire h2 --os --clients 250 --messages 1 --trace none
usage|run|write quota and window||run hub --bad-client slow --wire h2 --messages 5
good|0|||run one-thread-client --fix --wire h2 --trace none
good|0|||run hub --bad-client leave --wire h2 --trace none
good|0|||run echo --wire h2
good|0|||run echo --wire=h2 --window 16 --conn-window 65535 --trace none
usage|run|it starts at 65535 and only grows (RFC 9113 6.9.2)||run one-thread-client --wire h2 --conn-window 1000
usage|run|--window is the HTTP/2 wire's flow-control window: add --wire h2||run echo --window 100
usage|step|--window is the HTTP/2 wire's flow-control window: add --wire h2||step echo --window 100
usage|explore|--conn-window is the HTTP/2 wire's flow-control window: add --wire h2||explore echo --conn-window 70000
usage|run|add --wire h2||run echo --wire raw --os --window 16
good|0|||run echo --wire h2 --os --trace none
good|5|||run forgot-close-send --wire h2
good|3|||run forgot-close-send --wire h2 --timeout 200
good|0|||explore echo --wire h2 --max-schedules 5
usage|run|--wire||run echo --wire tcp
usage|run|--wire||run echo --wire
usage|run|--wire||run echo --wire ''
usage|run|--wire||run echo --wire H2
usage|explore|--wire||explore echo --wire h3
usage|step|--wire||step echo --wire raw2
good|0|||run echo --capacity 1m
good|0|||run rpc-kinds --kind bidi --trace none
good|0|||run rpc-kinds --kind=client --os
good|0|||explore rpc-kinds --kind server --max-schedules 50
good|0|||run echo --capacity 2K
good|0|||run echo --capacity=1M
good|0|||run echo --trace timeline
good|0|||run echo --trace hexdump
good|0|||run echo --trace both
good|0|||run echo --trace none
good|0|||run echo --trace=none
good|0|||run echo --os
good|0|||run echo --os --trace none
good|0|||run --os echo
good|0|||run echo --replay -
good|0|||run echo --replay 3:1
good|0|||run echo --replay=3:1,17:0
good|4|||run concurrent-senders --messages 2 --replay 25:1
good|4|||run concurrent-senders --seed 1
good|5|||run forgot-close-send
good|3|||run forgot-close-send --timeout 3600000
good|3|||run forgot-close-send --os
good|0|||run forgot-close-send --fix
good|0|||run forgot-close-send --fix --os
good|0|||run hub --bad-client slow
good|0|||run hub --bad-client=leave --os
good|0|||run hub --bad-client no-close --clients 15
good|0|||run hub --bad-client slow --clients 16 --os
good|0|||explore hub --bad-client leave --seeds 20
good|0|||explore hub --bad-client slow --messages 5 --max-preemptions 1 --max-schedules 50
good|3|||run cancel-vs-drain --messages 3
good|0|||run cancel-vs-drain --fix --capacity 175
good|3|||run backpressure --timeout 1
good|0|||explore echo --max-preemptions 1 --messages 1
good|0|||explore echo --seeds 100 --max-schedules 10
good|0|||explore echo --messages 10000 --max-schedules 1
good|1|||explore concurrent-senders --max-preemptions 1
good|1|||explore concurrent-senders --seeds 100
good|0|||explore concurrent-senders --fix --seeds 100
good|0|||explore forgot-close-send --seeds 100
good|0|||explore forgot-close-send --timeout 100 --seeds 100
good|0|||decode
good|0||\000\000\000\000\002hi|decode
good|0||\000\000\000\000\002hi|decode --raw
good|0||00 00 00 00 02 68 69|decode
good|0||00 00 00 00 02 68 69|decode --hex
good|0||0x00 0x00 0x00 0x00 0x02 0x68 0x69\n|decode --hex
good|3||\002\000\000\000\001x|decode
good|3||\001\000\000\000\001x|decode
good|0||\001\000\000\000\001x|decode --encoding gzip
good|0||\001\000\000\000\001x|decode --encoding=gzip
good|0||\000\000\000\000\000|decode --max-recv 0
good|3||\000\000\000\000\001x|decode --max-recv 0
good|3||\000\000\000\000\005hello|decode --max-recv 4
good|0||\000\000\000\000\005hello|decode --max-recv 5
good|0||\000\000\000\000\005hello|decode --max-recv 4k
good|3||\000\000\000|decode --raw
good|3||00 00 00 00 00 zz|decode
good|3||000|decode --hex
good|3||\377\377\377\377\377\377|decode
good|3||\000\377\377\377\377|decode --raw
good|0|||recall --list
good|0|||recall --lessons lesson --list
good|0|||recall --lessons=lesson --list
good|0|||recall --limit 1 --seed 0
EOF
}

table >"$tmp/table"
while IFS='|' read -r kind a b input args; do
    eval "set -- $args"
    case $kind in
    usage) streamed=no; usage "$a" "$b" "$input" "$@" ;;
    input) streamed=yes; usage "$a" "$b" "$input" "$@" ;;
    good) good "$a" "$input" "$@" ;;
    esac
done <"$tmp/table"

# An option that the environment sets.
name="DUPLEX_TODAY=abc duplex recall --list"
DUPLEX_TODAY=abc within 30 "$DUPLEX" recall --list </dev/null \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
first=$(sed -n 1p "$tmp/err")
if [ "$rc" = 2 ] && [ ! -s "$tmp/out" ] &&
    [ "${first#duplex recall: *DUPLEX_TODAY}" != "$first" ]; then
    ok "$name: exit 2, $first"
else
    not_ok "$name" "exit $rc, want 2 and a message naming DUPLEX_TODAY"
fi

# "1g" is how the message writes the largest capacity; typed back, it must
# work, or the message must not offer it.
run "" run echo --capacity 1g --trace none
if signalled; then
    :
elif [ "$rc" = 0 ]; then
    ok "$name: exit 0"
elif [ "$rc" = 2 ] && [ "${first#*1g}" = "$first" ]; then
    ok "$name: exit 2, $first"
else
    not_ok "$name" "exit $rc: the message offers 1g, which is refused"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

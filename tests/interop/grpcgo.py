#!/usr/bin/python3
"""make interop, second half: duplex against grpc-go (Debian's
golang-google-grpc-dev, built by tests/interop/go/build.sh), on loopback,
both directions, each case asserting what both sides saw.

  grpc-go client -> duplex serve   echo with half-close; a handler error
                                   with characters that need
                                   percent-encoding; a cancel mid-stream;
                                   a deadline; 4 MiB and 4 MiB + 1 each
                                   way; messages larger than the windows;
                                   20 calls at once on one connection; two
                                   goroutines calling SendMsg on one call
  duplex call -> grpc-go server    the same cases the other way round
  the chat session, both ways      grpc-go's session client -> serve's
                                   /chat.ChatService/Session (and a TEXT
                                   before the JOIN); call chat -> grpc-go's
                                   Session

The peer is tests/interop/go/src/grpcpeer: `grpcpeer serve MODE` prints
one JSON line per call (what its handler saw), `grpcpeer call ADDR` one
JSON line (the replies and the call's status). Every wait has a timeout.
Run as: tests/interop/grpcgo.py DUPLEX GRPCPEER
"""
import json
import subprocess
import sys

from interop import start_serve  # duplex serve, its output read as it comes

WORDS = ["hello", "how are you?", "bye"]
# Needs percent-encoding in grpc-message: '%', a quote, non-ASCII.
ERROR_TEXT = '50% off: "no" \u00e9t\u00e9'
WAIT = 30  # seconds, for every wait
MIB = 1024 * 1024
MIB4 = 4 * MIB  # gRPC's default receive limit
TOO_BIG = f"grpc: received message larger than max ({MIB4 + 1} vs. {MIB4})"
failures = []
checked = [0]


def check(case, what, got, want):
    ok = got == want
    checked[0] += 1
    print(f"{'ok  ' if ok else 'FAIL'} {case}: {what}: {got!r}"
          + ("" if ok else f" (want {want!r})"))
    if not ok:
        failures.append(f"{case}: {what}")


def run(argv):
    return subprocess.run(argv, capture_output=True, text=True,
                          encoding="utf-8", timeout=WAIT)


# ---- grpc-go client -> duplex serve ---------------------------------------

def against_serve(duplex, peer, calls):
    """Runs `duplex serve` for len(calls) calls, one grpcpeer call per
    option list in calls; returns serve's output and each call's JSON.
    serve's output is read as it comes (interop.py's Serve): a long
    timeline must never fill the pipe and stop serve mid-write."""
    p, addr = start_serve(duplex, len(calls))
    results = []
    for options in calls:
        r = run([peer, "call", addr, *options])
        try:
            results.append(json.loads(r.stdout))
        except ValueError:
            results.append({"replies": [], "code": "no answer",
                            "message": r.stderr.strip()})
    out, _ = p.communicate(timeout=WAIT)
    return p.returncode, out, results


def grpcgo_client_cases(duplex, peer):
    rc, out, res = against_serve(duplex, peer, [
        [], ["-request", "fail:" + ERROR_TEXT],
        ["-cancel-after", "1", "-linger"],
        ["-request", "hello", "-no-close", "-timeout", "500"]])
    case = "grpc-go->serve"
    check(case, "serve's exit", rc, 0)
    check(case + " echo", "client got", (res[0]["replies"], res[0]["code"]),
          (["echo: " + w for w in WORDS], "OK"))
    check(case + " echo", "server saw", "server echoed 3 of 3, saw EOF on "
          "c2s, and finished with OK" in out, True)
    check(case + " error", "client got", (res[1]["code"], res[1]["message"]),
          ("InvalidArgument", ERROR_TEXT))
    check(case + " error", "server saw", f'server echoed 0 of 1, then '
          f'INVALID_ARGUMENT: "{ERROR_TEXT}"' in out, True)
    check(case + " cancel", "client got", (res[2]["replies"][:1],
          res[2]["code"], res[2]["message"]),
          (["echo: hello"], "Canceled", "context canceled"))
    check(case + " cancel", "server saw", "then CANCELLED" in out, True)
    check(case + " cancel", "serve's timeline shows the cancel",
          "CANCEL CANCELLED: context canceled" in out, True)
    check(case + " deadline", "client got", res[3]["code"],
          "DeadlineExceeded")
    check(case + " deadline", "serve got a grpc-timeout",
          "(grpc-timeout: " in out, True)
    # grpc-go resets the stream at its deadline; serve's own deadline,
    # counted from the request's arrival, is a little later: what serve
    # says is whichever came first.
    check(case + " deadline", "server saw", 'then DEADLINE_EXCEEDED: '
          '"context deadline exceeded"' in out or 'then CANCELLED: '
          '"context canceled"' in out, True)


def grpcgo_client_sizes(duplex, peer):
    rc, out, res = against_serve(duplex, peer, [
        ["-n", "1", "-size", str(MIB4)],
        ["-n", "1", "-size", str(MIB4 + 1)],
        ["-request", f"size:{MIB4}"],
        ["-request", f"size:{MIB4 + 1}"],
        ["-n", "3", "-size", str(MIB)]])
    case = "grpc-go->serve"
    check(case + " c2s 4194304 B", "client got",
          (res[0]["replies"], res[0]["code"]),
          ([f"echo: {MIB4} bytes"], "OK"))
    check(case + " c2s 4194305 B", "client got",
          (res[1]["code"], res[1]["message"]), ("ResourceExhausted", TOO_BIG))
    check(case + " c2s 4194305 B", "server saw", f'server echoed 0 of 0, '
          f'then RESOURCE_EXHAUSTED: "{TOO_BIG}"' in out, True)
    check(case + " s2c 4194304 B", "client got",
          (res[2]["replies"], res[2]["code"]), ([MIB4], "OK"))
    # grpc-go's client refuses in its own words, which are the server's.
    check(case + " s2c 4194305 B", "client got",
          (res[3]["code"], res[3]["message"]), ("ResourceExhausted", TOO_BIG))
    check(case + " 3 x 1 MiB (16 x the window)", "client got",
          (res[4]["replies"], res[4]["code"]),
          ([f"echo: {MIB} bytes"] * 3, "OK"))
    check(case, "serve's exit", rc, 0)


def in_order(texts, senders, n):
    """Every text is one whole "sender K message I" (after any "echo: "),
    each sender's n in the order sent."""
    seen = {k: [] for k in range(1, senders + 1)}
    for t in texts:
        words = t.replace("echo: ", "", 1).split()
        if len(words) != 4 or words[0] != "sender" or words[2] != "message":
            return False
        seen.setdefault(int(words[1]), []).append(int(words[3]))
    return all(v == list(range(1, n + 1)) for v in seen.values()) and \
        len(seen) == senders


def grpcgo_client_many(duplex, peer):
    """20 calls at once on one grpc-go ClientConn; two goroutines calling
    SendMsg on one stream (grpc-go says that is not safe: its transport
    still writes each message whole, as one DATA frame run)."""
    p, addr = start_serve(duplex, 20)
    r = run([peer, "call", addr, "-calls", "20"])
    out, _ = p.communicate(timeout=WAIT)
    results = [json.loads(line) for line in r.stdout.splitlines()]
    case = "grpc-go->serve 20 calls, 1 connection"
    check(case, "client's calls ended OK with every echo",
          sum(x["code"] == "OK" and x["replies"] == ["echo: " + w
              for w in WORDS] for x in results), 20)
    check(case, "serve saw one connection",
          "one connection carried 20 calls (streams 1 to 39)" in out, True)
    rc, out, res = against_serve(duplex, peer,
                                 [["-senders", "2", "-n", "10"]])
    case = "grpc-go (2 goroutines, 1 call)->serve"
    check(case, "client got 20 whole echoes, each sender's in order",
          (len(res[0]["replies"]), in_order(res[0]["replies"], 2, 10),
           res[0]["code"]), (20, True, "OK"))
    check(case, "server saw", "server echoed 20 of 20, saw EOF on c2s, and "
          "finished with OK" in out, True)


# ---- duplex call -> grpc-go server ----------------------------------------

def against_peer(duplex, peer, mode, *options, text=None, scenario="echo"):
    """One `duplex call ... scenario` with options against `grpcpeer
    serve mode`; returns duplex's result and what the peer's handler
    saw."""
    argv = [peer, "serve", mode] + (["-text", text] if text else [])
    p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, encoding="utf-8")
    first = p.stdout.readline()
    if not first.startswith("listening on 127.0.0.1:"):
        p.kill()
        raise SystemExit(f"grpcpeer said {first!r}")
    r = run([duplex, "call", first.split()[-1], scenario, *options])
    out, err = p.communicate(timeout=WAIT)
    try:
        seen = json.loads(out.splitlines()[0])
    except (ValueError, IndexError):
        seen = {"got": None, "eof": None, "ctx": None,
                "deadline_ms": None, "peer": err.strip()}
    return r, seen


def duplex_client_cases(duplex, peer):
    case = "call->grpc-go"
    r, seen = against_peer(duplex, peer, "echo")
    check(case + " echo", "duplex saw", (r.returncode, "client/recv got 3 "
          "replies, then EOF: the server finished the call with OK"
          in r.stdout), (0, True))
    check(case + " echo", "server saw", (seen["got"], seen["eof"]),
          (WORDS, True))
    r, seen = against_peer(duplex, peer, "error", text=ERROR_TEXT)
    check(case + " error", "duplex saw", (r.returncode,
          f'then INVALID_ARGUMENT: "{ERROR_TEXT}"' in r.stdout), (1, True))
    check(case + " error", "server saw", seen["got"], WORDS[:1])
    r, seen = against_peer(duplex, peer, "echo", "--messages", "5",
                           "--cancel-after", "2")
    check(case + " cancel", "duplex saw", (r.returncode, 'client/recv got 2 '
          'replies, then CANCELLED: "context canceled"' in r.stdout),
          (1, True))
    check(case + " cancel", "server saw", (seen["eof"], seen["ctx"]),
          (False, "context canceled"))
    r, seen = against_peer(duplex, peer, "stall", "--timeout", "300")
    check(case + " deadline", "duplex saw", (r.returncode,
          "client/recv got 0 replies, then DEADLINE_EXCEEDED" in r.stdout),
          (1, True))
    check(case + " deadline", "server's deadline came as grpc-timeout",
          seen["deadline_ms"] is not None and 0 < seen["deadline_ms"] <= 300,
          True)
    # Both ends keep the deadline; either may notice it first.
    check(case + " deadline", "server's context ended", seen["ctx"] in
          ("context deadline exceeded", "context canceled"), True)


def chat_cases(duplex, peer):
    """The chat session both ways: grpc-go's session client against
    serve's /chat.ChatService/Session, and `duplex call ... chat` against
    grpc-go's Session (grpcpeer's chat.go), each side's view checked."""
    rc, out, res = against_serve(duplex, peer, [
        ["-chat", "3"],
        ["-method", "/chat.ChatService/Session", "-request", "TEXT hi"]])
    case = "grpc-go->serve chat"
    check(case, "serve's exit", rc, 0)
    check(case, "client got", (res[0]["replies"], res[0]["code"]),
          (["WELCOME bob", "ACK 1", "ACK 2", "ACK 3", "BYE bob"], "OK"))
    check(case, "server saw", "server: JOIN from bob, WELCOME, 3 TEXT "
          "acked, BYE, OK" in out, True)
    check(case + " TEXT before JOIN", "client got",
          (res[1]["code"], res[1]["message"]),
          ("FailedPrecondition", "JOIN first"))
    check(case + " TEXT before JOIN", "server saw", 'server: 1 message and '
          'no JOIN, then FAILED_PRECONDITION: "JOIN first"' in out, True)
    case = "call chat->grpc-go"
    r, seen = against_peer(duplex, peer, "echo", "--messages", "3",
                           scenario="chat")
    check(case, "duplex saw", (r.returncode, "client/recv checked 5 replies: "
          "WELCOME alice, ACK 1 to ACK 3 in order, BYE alice" in r.stdout,
          "then EOF: the server finished the session with OK" in r.stdout),
          (0, True, True))
    check(case, "server saw", (seen["got"], seen["eof"]),
          (["JOIN alice", "TEXT note 1", "TEXT note 2", "TEXT note 3"],
           True))


def duplex_client_many(duplex, peer):
    case = "call --calls 20->grpc-go"
    p = subprocess.Popen([peer, "serve", "echo", "-calls", "20"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, encoding="utf-8")
    addr = p.stdout.readline().split()[-1]
    r = run([duplex, "call", addr, "echo", "--calls", "20"])
    out, _ = p.communicate(timeout=WAIT)
    calls = [json.loads(line) for line in out.splitlines()]
    check(case, "duplex saw", (r.returncode, "20 calls on 1 connection: 20 "
          "ended OK with every echo right" in r.stdout), (0, True))
    # Call K sends "call K: hello" and so on: each call's own words.
    check(case, "server saw 20 calls, each whole, from one peer address",
          (len(calls), sorted(x["got"][0] for x in calls if x["eof"] and
                              len(x["got"]) == 3),
           len({x["peer"] for x in calls})),
          (20, sorted(f"call {k}: hello" for k in range(1, 21)), 1))
    case = "call --senders 2->grpc-go"
    r, seen = against_peer(duplex, peer, "echo", "--senders", "2",
                           "--messages", "10")
    check(case, "duplex saw", (r.returncode, "20 of 20 replies were the "
          "echo of one whole message" in r.stdout), (0, True))
    check(case, "server got 20 whole messages, each sender's in order",
          (len(seen["got"]), in_order(seen["got"], 2, 10)), (20, True))


def duplex_client_sizes(duplex, peer):
    case = "call->grpc-go"
    r, seen = against_peer(duplex, peer, "count", "--messages", "1",
                           "--size", str(MIB4))
    check(case + " c2s 4194304 B", "duplex saw, server got",
          (r.returncode, seen["got"]), (0, [MIB4]))
    r, seen = against_peer(duplex, peer, "count", "--messages", "1",
                           "--size", str(MIB4 + 1))
    check(case + " c2s 4194305 B", "duplex saw", (r.returncode,
          f'then RESOURCE_EXHAUSTED: "{TOO_BIG}"' in r.stdout), (1, True))
    check(case + " c2s 4194305 B", "server returned", seen.get("returned"),
          "rpc error: code = ResourceExhausted desc = " + TOO_BIG)
    r, seen = against_peer(duplex, peer, "mirror", "--messages", "1",
                           "--size", str(MIB4))
    check(case + " s2c 4194304 B", "duplex saw", (r.returncode,
          f"the last reply was {MIB4} bytes" in r.stdout), (0, True))
    r, seen = against_peer(duplex, peer, "mirror", "--messages", "1",
                           "--size", str(MIB4 + 1))
    check(case + " s2c 4194305 B", "duplex saw", (r.returncode,
          f'then RESOURCE_EXHAUSTED: "{TOO_BIG}"' in r.stdout), (1, True))
    # grpc-go's SendMsg returned once the reply was queued, and the
    # client's half-close (sent before the reply) ended the handler with
    # OK before the client refused the reply: a send that returned is not
    # a message delivered.
    check(case + " s2c 4194305 B", "server got, saw EOF, returned",
          (seen["got"], seen["eof"], seen["returned"]),
          ([MIB4 + 1], True, ""))
    r, seen = against_peer(duplex, peer, "count", "--messages", "3",
                           "--size", str(MIB))
    check(case + " 3 x 1 MiB (16 x the window)", "duplex saw, server got",
          (r.returncode, seen["got"]), (0, [MIB] * 3))


def main():
    duplex, peer = sys.argv[1], sys.argv[2]
    grpcgo_client_cases(duplex, peer)
    grpcgo_client_sizes(duplex, peer)
    duplex_client_cases(duplex, peer)
    duplex_client_sizes(duplex, peer)
    grpcgo_client_many(duplex, peer)
    duplex_client_many(duplex, peer)
    chat_cases(duplex, peer)
    print(f"interop with grpc-go: {checked[0] - len(failures)} passed, "
          f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

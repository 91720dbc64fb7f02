#!/usr/bin/python3
"""make interop: duplex against Python's grpcio (Debian's python3-grpcio),
on loopback, both directions, each case asserting what both sides saw.

  grpcio client -> duplex serve   echo with half-close; a handler error;
                                  the client cancels mid-stream; a
                                  deadline; 4 MiB and 4 MiB + 1 messages
                                  each way
  raw HTTP/2    -> duplex serve   serve's own deadline (a client that
                                  never cancels): RST_STREAM(CANCEL)
  duplex call   -> grpcio server  echo with half-close; a handler error;
                                  --cancel-after; --timeout against a
                                  server that stalls; 4 MiB and 4 MiB + 1
                                  messages each way
  errors                          a refused connection, a port in use, a
                                  peer that speaks HTTP/1.1
  many calls, one connection      20 grpcio calls at once on one channel
                                  -> serve; call --calls 20 -> grpcio
  larger than the windows         1 MiB and 4 MiB each way with 65,535
                                  windows (no BDP probing): both count
  two senders, one call           call --senders 2 -> grpcio; a grpcio
                                  client whose two threads feed one call
                                  (through a queue) -> serve
  the chat session                grpcio sessions -> serve's
                                  /chat.ChatService/Session; call chat ->
                                  a grpcio Session (interop_chat.py)

No protoc: the method is /chat.ChatService/Chat with raw-bytes messages
(identity serializers, a generic handler). Every wait has a timeout, so a
case that hangs fails instead. Run as: tests/interop/interop.py DUPLEX
"""
import concurrent.futures
import queue
import re
import socket
import struct
import subprocess
import sys
import threading

import grpc

import interop_chat

METHOD = "/chat.ChatService/Chat"
WORDS = [b"hello", b"how are you?", b"bye"]
# Needs percent-encoding in grpc-message: '%', a quote, non-ASCII.
ERROR_TEXT = '50% off: "no" \u00e9t\u00e9'
WAIT = 20  # seconds, for every wait
MIB4 = 4 * 1024 * 1024  # gRPC's default receive limit
failures = []
checked = [0]


def check(case, what, got, want):
    ok = got == want
    checked[0] += 1
    print(f"{'ok  ' if ok else 'FAIL'} {case}: {what}: {got!r}"
          + ("" if ok else f" (want {want!r})"))
    if not ok:
        failures.append(f"{case}: {what}")


# ---- a grpcio client against duplex serve ---------------------------------

class Serve:
    """duplex serve in the background. Its output is read as it comes, so
    that a long timeline (a 4 MiB message is hundreds of frames) never
    fills the pipe and stops serve in the middle of a write; communicate
    and returncode as subprocess.Popen's."""

    def __init__(self, duplex, calls):
        self.p = subprocess.Popen([duplex, "serve", "--calls", str(calls),
                                   "--idle", str(WAIT * 1000)],
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE,
                                  text=True, encoding="utf-8")
        self.first = self.p.stdout.readline()  # "listening on ..."
        self.out, self.err = [], []
        self.readers = [threading.Thread(target=self._read, daemon=True,
                                         args=(f, to)) for f, to in
                        ((self.p.stdout, self.out), (self.p.stderr,
                                                     self.err))]
        for t in self.readers:
            t.start()

    @staticmethod
    def _read(f, to):
        for line in f:
            to.append(line)

    def communicate(self, timeout=None):
        self.p.wait(timeout=timeout)  # TimeoutExpired, as Popen's
        for t in self.readers:
            t.join(WAIT)
        return "".join(self.out), "".join(self.err)

    def kill(self):
        self.p.kill()

    @property
    def returncode(self):
        return self.p.returncode


def start_serve(duplex, calls):
    p = Serve(duplex, calls)
    if not p.first.startswith("listening on 127.0.0.1:"):
        p.kill()
        raise SystemExit(f"duplex serve said {p.first!r}")
    return p, p.first.split()[-1]


def grpcio_client_cases(duplex):
    p, addr = start_serve(duplex, 2)
    with grpc.insecure_channel(addr) as ch:
        chat = ch.stream_stream(METHOD, request_serializer=None,
                                response_deserializer=None)
        replies = list(chat(iter(WORDS), timeout=WAIT))
        check("grpcio->serve echo", "client got", replies,
              [b"echo: " + w for w in WORDS])
    with grpc.insecure_channel(addr) as ch:
        chat = ch.stream_stream(METHOD)
        code, details = None, None
        try:
            list(chat(iter([b"fail:" + ERROR_TEXT.encode()]), timeout=WAIT))
        except grpc.RpcError as e:
            code, details = e.code(), e.details()
        check("grpcio->serve error", "client's code", code,
              grpc.StatusCode.INVALID_ARGUMENT)
        check("grpcio->serve error", "client's details", details, ERROR_TEXT)
    out, _ = p.communicate(timeout=WAIT)
    check("grpcio->serve", "serve's exit", p.returncode, 0)
    check("grpcio->serve echo", "server saw",
          "server echoed 3 of 3, saw EOF on c2s, and finished with OK" in out,
          True)
    check("grpcio->serve error", "server saw",
          f'server echoed 0 of 1, then INVALID_ARGUMENT: "{ERROR_TEXT}"'
          in out, True)


def grpcio_client_cancel(duplex):
    """The client cancels mid-stream: RST_STREAM(CANCEL) on the wire."""
    p, addr = start_serve(duplex, 1)
    gate = threading.Event()

    def requests():
        yield b"hello"
        gate.wait(WAIT)  # the stream stays open until the cancel

    code = None
    with grpc.insecure_channel(addr) as ch:
        replies = ch.stream_stream(METHOD)(requests(), timeout=WAIT)
        first = next(replies)
        replies.cancel()
        gate.set()
        try:
            list(replies)
        except grpc.RpcError as e:
            code = e.code()
    out, _ = p.communicate(timeout=WAIT)
    check("grpcio->serve cancel", "client got, then", (first, code),
          (b"echo: hello", grpc.StatusCode.CANCELLED))
    check("grpcio->serve cancel", "server saw",
          "server echoed 1 of 1, then CANCELLED" in out, True)
    check("grpcio->serve cancel", "serve's timeline shows the cancel",
          "CANCEL CANCELLED: context canceled" in out, True)


# ---- duplex call against a grpcio server ----------------------------------

class Seen:
    def __init__(self):
        self.got, self.eof, self.done = [], False, threading.Event()
        self.active = None     # context.is_active() when the handler ended
        self.remaining = None  # context.time_remaining() at the start
        self.peers = []        # context.peer() of every call


def grpcio_server(mode, seen, workers=4, options=()):
    """mode: echo, error, stall (waits for the end of the call), count
    (replies "got N bytes"), mirror (replies N bytes; no receive limit)."""
    def chat(requests, context):
        seen.remaining = context.time_remaining()
        seen.peers.append(context.peer())
        over = threading.Event()
        context.add_callback(over.set)
        try:
            for m in requests:
                seen.got.append(m)
                if mode == "error":
                    seen.done.set()
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                                  ERROR_TEXT)
                if mode == "stall":
                    over.wait(WAIT)
                    return
                if mode == "count":
                    yield b"got %d bytes" % len(m)
                elif mode == "mirror":
                    yield b"y" * len(m)
                else:
                    yield b"echo: " + m
            seen.eof = True  # the iterator ended: the client's half-close
        finally:
            seen.active = context.is_active()
            seen.done.set()

    handler = grpc.method_handlers_generic_handler("chat.ChatService", {
        "Chat": grpc.stream_stream_rpc_method_handler(chat)})
    options = list(options) + ([("grpc.max_receive_message_length", -1)]
                               if mode == "mirror" else [])
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(workers),
                         options=options)
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, f"127.0.0.1:{port}"


def call(duplex, addr, *options):
    return subprocess.run([duplex, "call", addr, "echo", *options],
                          capture_output=True, text=True, encoding="utf-8",
                          timeout=WAIT)


def call_against(duplex, mode, *options, workers=4, server_options=()):
    """duplex call with options against a grpcio server in mode."""
    seen = Seen()
    server, addr = grpcio_server(mode, seen, workers, server_options)
    r = call(duplex, addr, *options)
    seen.done.wait(WAIT)
    server.stop(None).wait(WAIT)
    return r, seen


def duplex_client_cases(duplex):
    seen = Seen()
    server, addr = grpcio_server("echo", seen)
    r = call(duplex, addr)
    seen.done.wait(WAIT)
    server.stop(None).wait(WAIT)
    check("call->grpcio echo", "duplex's exit", r.returncode, 0)
    check("call->grpcio echo", "duplex saw",
          "client/recv got 3 replies, then EOF: the server finished the "
          "call with OK" in r.stdout, True)
    check("call->grpcio echo", "server got", seen.got, WORDS)
    check("call->grpcio echo", "server saw the half-close", seen.eof, True)

    seen = Seen()
    server, addr = grpcio_server("error", seen)
    r = call(duplex, addr)
    seen.done.wait(WAIT)
    server.stop(None).wait(WAIT)
    check("call->grpcio error", "duplex's exit", r.returncode, 1)
    check("call->grpcio error", "duplex saw",
          f'then INVALID_ARGUMENT: "{ERROR_TEXT}"' in r.stdout, True)
    check("call->grpcio error", "server got", seen.got[:1], WORDS[:1])


# ---- deadlines, cancel and the 4 MiB limit: duplex call -> grpcio -------

def duplex_client_deadline(duplex):
    """--timeout against a server that stalls: grpc-timeout on the wire,
    DEADLINE_EXCEEDED on both sides. Both ends keep the deadline and the
    first to notice it ends the call: duplex's ("context deadline
    exceeded", then RST_STREAM(CANCEL)) or grpcio's (trailers with
    grpc-status 4, "Deadline Exceeded"). raw_h2_server_deadline checks
    duplex's alone."""
    r, seen = call_against(duplex, "stall", "--timeout", "300")
    case = "call->grpcio deadline"
    ours = 'client/recv got 0 replies, then DEADLINE_EXCEEDED: "context ' \
        'deadline exceeded"' in r.stdout
    theirs = 'client/recv got 0 replies, then DEADLINE_EXCEEDED: ' \
        '"Deadline Exceeded"' in r.stdout
    check(case, "duplex's exit", r.returncode, 1)
    # Which deadline wins is a race between two clocks, and so is whether
    # duplex's reset goes out before the server's trailers close the
    # stream: both texts and both ways are right (raw_h2_server_deadline
    # checks duplex's own deadline and its reset alone).
    check(case, "duplex saw DEADLINE_EXCEEDED (its own or the server's)",
          ours or theirs, True)
    check(case, "server had a grpc-timeout of at most 300 ms",
          seen.remaining is not None and 0 < seen.remaining <= 0.3, True)
    check(case, "server's context ended early (not active)", seen.active,
          False)


def raw_h2_server_deadline(duplex):
    """duplex call's own deadline: a hand-made HTTP/2 server answers the
    preface with SETTINGS and then nothing, so only duplex's deadline can
    end the call: DEADLINE_EXCEEDED "context deadline exceeded" there, and
    RST_STREAM(CANCEL) for stream 1 here."""
    lis = socket.socket()
    lis.bind(("127.0.0.1", 0))
    lis.listen(1)
    lis.settimeout(WAIT)
    addr = "127.0.0.1:%d" % lis.getsockname()[1]
    out = {}

    def run():
        out["r"] = call(duplex, addr, "--messages", "1", "--timeout", "200")

    t = threading.Thread(target=run)
    t.start()
    resets = []
    conn, _ = lis.accept()
    with conn:
        conn.settimeout(WAIT)
        conn.sendall(h2_frame(4, 0, 0, b""))
        resets = read_resets(conn)
    lis.close()
    t.join(WAIT)
    r = out["r"]
    case = "call->raw h2 deadline"
    check(case, "duplex saw", 'client/recv got 0 replies, then '
          'DEADLINE_EXCEEDED: "context deadline exceeded"' in r.stdout, True)
    check(case, "server received", resets, [(1, 8)])  # stream 1, CANCEL


def duplex_client_cancel(duplex):
    r, seen = call_against(duplex, "echo", "--messages", "5",
                           "--cancel-after", "2")
    case = "call->grpcio cancel"
    check(case, "duplex's exit", r.returncode, 1)
    check(case, "duplex saw", 'client/recv got 2 replies, then CANCELLED: '
          '"context canceled"' in r.stdout, True)
    check(case, "duplex kept its side open",
          "client/send sent 5 messages and kept its side open" in r.stdout,
          True)
    check(case, "the timeline has the cancel",
          "h2-write RST_STREAM stream 1, 4 B" in r.stdout, True)
    check(case, "server saw no half-close", seen.eof, False)
    check(case, "server's context was cancelled (not active)", seen.active,
          False)


def duplex_client_sizes(duplex):
    """4 MiB is accepted each way; 4 MiB + 1 is refused by the receiver
    with RESOURCE_EXHAUSTED and its own implementation's words."""
    for size in (MIB4, MIB4 + 1):
        r, seen = call_against(duplex, "count", "--messages", "1",
                               "--size", str(size))
        case = f"call->grpcio c2s {size} B"
        if size == MIB4:
            check(case, "duplex saw", (r.returncode, "client/recv got 1 "
                  "replies, then EOF" in r.stdout), (0, True))
            check(case, "server got", [len(m) for m in seen.got], [size])
        else:
            check(case, "duplex saw", (r.returncode, 'client/recv got 0 '
                  'replies, then RESOURCE_EXHAUSTED: "Received message '
                  f'larger than max ({size} vs. {MIB4})"' in r.stdout),
                  (1, True))
            check(case, "server got", seen.got, [])
    for size in (MIB4, MIB4 + 1):
        r, seen = call_against(duplex, "mirror", "--messages", "1",
                               "--size", str(size))
        case = f"call->grpcio s2c {size} B"
        check(case, "server got", [len(m) for m in seen.got], [size])
        if size == MIB4:
            check(case, "duplex saw", (r.returncode,
                  f"the last reply was {size} bytes" in r.stdout),
                  (0, True))
        else:
            check(case, "duplex saw", (r.returncode, 'then RESOURCE_EXHAUSTED:'
                  ' "grpc: received message larger than max '
                  f'({size} vs. {MIB4})"' in r.stdout), (1, True))
            check(case, "duplex reset the stream",
                  "h2-write RST_STREAM stream 1, 4 B" in r.stdout,
                  True)
            check(case, "server's context ended early (not active)",
                  seen.active, False)


# ---- deadlines and the 4 MiB limit: grpcio client -> duplex serve -------

def grpcio_client_deadline(duplex):
    """The client's deadline passes while serve's handler waits in recv.
    grpcio resets the stream at its own deadline; serve's deadline (from
    grpc-timeout, counted from when the request came) is a little later,
    so serve's handler usually learns of it from the reset (CANCELLED):
    what it says is what happened first."""
    p, addr = start_serve(duplex, 1)
    gate = threading.Event()

    def requests():
        yield b"hello"
        gate.wait(WAIT)

    code = None
    with grpc.insecure_channel(addr) as ch:
        try:
            list(ch.stream_stream(METHOD)(requests(), timeout=0.5))
        except grpc.RpcError as e:
            code = e.code()
    gate.set()
    out, _ = p.communicate(timeout=WAIT)
    case = "grpcio->serve deadline"
    check(case, "client's code", code, grpc.StatusCode.DEADLINE_EXCEEDED)
    check(case, "serve got a grpc-timeout", "(grpc-timeout: " in out, True)
    check(case, "server saw", 'server echoed 1 of 1, then '
          'DEADLINE_EXCEEDED: "context deadline exceeded"' in out or
          'server echoed 1 of 1, then CANCELLED: "context canceled"' in out,
          True)


def h2_frame(kind, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + \
        struct.pack(">I", stream) + payload


def hpack_literal(name, value):
    """A header as "literal without indexing, new name" (RFC 7541 6.2.2)."""
    return bytes([0, len(name)]) + name + bytes([len(value)]) + value


def read_resets(sock):
    """Reads frames until a RST_STREAM or EOF: [(stream, error code)]. A
    client's preface, if any, is skipped."""
    data, resets = b"", []
    for _ in range(1000):  # bounded: reads until the reset or EOF
        if data.startswith(b"PRI * HTTP/2.0"):
            data = data[24:]
        while len(data) >= 9 and len(data) >= 9 + \
                int.from_bytes(data[:3], "big"):
            n = int.from_bytes(data[:3], "big")
            if data[3] == 3:  # RST_STREAM
                resets.append((int.from_bytes(data[5:9], "big"),
                               int.from_bytes(data[9:13], "big")))
            data = data[9 + n:]
        if resets:
            break
        try:
            chunk = sock.recv(65536)
        except OSError:  # a timeout, or the peer reset the connection
            break
        if not chunk:
            break
        data += chunk
    return resets


def raw_h2_deadline(duplex):
    """serve's own deadline: a hand-made HTTP/2 client sends grpc-timeout
    200m and one message, then neither ends nor cancels its stream. serve
    must end the call itself: its handler sees DEADLINE_EXCEEDED and the
    client receives RST_STREAM(CANCEL) for stream 1."""
    p, addr = start_serve(duplex, 1)
    host, port = addr.split(":")
    headers = b"".join(hpack_literal(n, v) for n, v in [
        (b":method", b"POST"), (b":scheme", b"http"),
        (b":path", METHOD.encode()), (b":authority", b"duplex"),
        (b"content-type", b"application/grpc"), (b"te", b"trailers"),
        (b"grpc-timeout", b"200m")])
    resets = []
    with socket.create_connection((host, int(port)), timeout=WAIT) as g:
        g.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" +
                  h2_frame(4, 0, 0, b"") +
                  h2_frame(1, 4, 1, headers) +
                  h2_frame(0, 0, 1, b"\0" + struct.pack(">I", 5) + b"hello"))
        resets = read_resets(g)
    out, _ = p.communicate(timeout=WAIT)
    case = "raw h2->serve deadline"
    check(case, "serve got grpc-timeout", "(grpc-timeout: 200.000 ms)" in out,
          True)
    check(case, "client received", resets, [(1, 8)])  # stream 1, CANCEL
    check(case, "server saw", 'server echoed 1 of 1, then DEADLINE_EXCEEDED: '
          '"context deadline exceeded"' in out, True)


def grpcio_client_sizes(duplex):
    p, addr = start_serve(duplex, 4)
    results = []
    # No BDP probing: the client's window stays 64 KiB, so serve's 4 MiB
    # is still queued when its handler ends, and must still go out.
    small_window = [("grpc.http2.bdp_probe", 0)]
    for request in (b"x" * MIB4, b"x" * (MIB4 + 1),
                    b"size:%d" % MIB4, b"size:%d" % (MIB4 + 1)):
        with grpc.insecure_channel(addr, options=small_window) as ch:
            try:
                replies = list(ch.stream_stream(METHOD)(iter([request]),
                                                        timeout=WAIT))
                results.append(("OK", [len(m) if len(m) > 64 else m
                                       for m in replies]))
            except grpc.RpcError as e:
                results.append((e.code().name, e.details()))
    out, _ = p.communicate(timeout=WAIT)
    check("grpcio->serve c2s 4194304 B", "client got", results[0],
          ("OK", [b"echo: 4194304 bytes"]))
    check("grpcio->serve c2s 4194305 B", "client got", results[1],
          ("RESOURCE_EXHAUSTED", "grpc: received message larger than max "
           "(4194305 vs. 4194304)"))
    check("grpcio->serve c2s 4194305 B", "server saw",
          'server echoed 0 of 0, then RESOURCE_EXHAUSTED: "grpc: received '
          'message larger than max (4194305 vs. 4194304)"' in out, True)
    check("grpcio->serve s2c 4194304 B", "client got", results[2],
          ("OK", [MIB4]))
    check("grpcio->serve s2c 4194305 B", "client got", results[3],
          ("RESOURCE_EXHAUSTED", "Received message larger than max "
           "(4194305 vs. 4194304)"))
    # serve's send returned once the message was queued, and its handler
    # finished before the client refused the message: a send that
    # returned is not a message delivered.
    check("grpcio->serve s2c 4194305 B", "server saw",
          "server echoed 1 of 1, saw EOF on c2s, and finished with OK"
          in out, True)


# ---- what a user sees when the peer is not there, or not gRPC -------------

def error_cases(duplex):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nobody listens there now
    r = call(duplex, f"127.0.0.1:{port}")
    check("errors", "call, refused: exit", r.returncode, 1)
    check("errors", "call, refused: says", r.stderr.strip(),
          f"duplex call: cannot connect to 127.0.0.1:{port}: "
          "Connection refused")
    r = subprocess.run([duplex, "call", "nowhere", "echo"],
                       capture_output=True, text=True, timeout=WAIT)
    check("errors", "call, not HOST:PORT: exit", r.returncode, 2)
    p, addr = start_serve(duplex, 1)
    r = subprocess.run([duplex, "serve", "--listen", addr, "--calls", "1"],
                       capture_output=True, text=True, timeout=WAIT)
    check("errors", "serve, port in use: exit", r.returncode, 1)
    check("errors", "serve, port in use: says", r.stderr.strip(),
          f"duplex serve: cannot listen on {addr}: Address already in use")
    host, port = addr.split(":")
    with socket.create_connection((host, int(port)), timeout=WAIT) as g:
        g.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        g.settimeout(WAIT)
        try:
            while g.recv(4096):  # the GOAWAY, then the close
                pass
        except OSError:
            pass
    # A SETTINGS flood whose ACKs are never read (bounded: 200,000 frames
    # at most, and serve closes the connection long before).
    settings = h2_frame(4, 0, 0, b"")
    with socket.create_connection((host, int(port)), timeout=WAIT) as g:
        try:
            g.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
            for _ in range(20000):
                g.sendall(settings * 10)
        except OSError:
            pass  # serve closed it: what the case is about
    with grpc.insecure_channel(addr) as ch:  # serve goes on to the next
        replies = list(ch.stream_stream(METHOD)(iter(WORDS[:1]),
                                                timeout=WAIT))
    out, _ = p.communicate(timeout=WAIT)
    check("errors", "serve, HTTP/1.1 garbage: says",
          "server: a connection without a call: the peer sent what is not "
          "HTTP/2 (INTERNAL)" in out, True)
    check("errors", "serve, a SETTINGS flood: says",
          "server: a connection without a call: the peer flooded the "
          "connection with SETTINGS or PING frames and did not read their "
          "ACKs" in out, True)
    check("errors", "serve, after the garbage: next call", replies,
          [b"echo: hello"])
    check("errors", "serve, after the garbage: exit", p.returncode, 0)


# ---- many calls on one connection ----------------------------------------

def finish(p):
    """serve's output once it exits; a serve that does not (it waits for
    calls that never came) is killed, and its exit is then not 0."""
    try:
        out, _ = p.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    return out


MANY = 20


def many_usage_cases(duplex):
    """--calls and --senders: what a user is told before any connection."""
    for options, says in (
            (["--calls", "101"], "duplex call: --calls 101: at most 100 "
             "calls at once on one connection "
             "(SETTINGS_MAX_CONCURRENT_STREAMS)"),
            (["--calls", "2", "--senders", "2"],
             "duplex call: --calls and --senders: one or the other"),
            (["--senders", "2", "--size", "10"], "duplex call: --calls and "
             "--senders send the words: not with --cancel-after or --size"),
            (["--senders", "9"], "duplex call: --senders wants a number of "
             "threads from 1 to 8")):
        r = call(duplex, "127.0.0.1:1", *options)
        case = "errors, call " + " ".join(options)
        check(case, "exit, and the first line", (r.returncode,
              r.stderr.splitlines()[0] if r.stderr else ""), (2, says))


def grpcio_client_many(duplex):
    """20 calls at once on one grpcio channel (one HTTP/2 connection):
    each sends a message, waits until all 20 have sent theirs (so all are
    open at once), then sends another and half-closes."""
    p, addr = start_serve(duplex, MANY)
    everyone = threading.Barrier(MANY, timeout=WAIT)

    def one(ch, i):
        def requests():
            yield b"call %d: hello" % i
            everyone.wait()
            yield b"call %d: bye" % i
        try:
            return list(ch.stream_stream(METHOD)(requests(), timeout=WAIT))
        except grpc.RpcError as e:
            everyone.abort()  # the others stop waiting for this one
            return e.code().name

    with grpc.insecure_channel(addr) as ch:
        with concurrent.futures.ThreadPoolExecutor(MANY) as pool:
            replies = list(pool.map(lambda i: one(ch, i), range(MANY)))
    out = finish(p)
    case = "grpcio->serve 20 calls"
    check(case, "client got every echo, each on its own call", replies,
          [[b"echo: call %d: hello" % i, b"echo: call %d: bye" % i]
           for i in range(MANY)])
    check(case, "server finished each with OK",
          out.count("server echoed 2 of 2, saw EOF on c2s, and finished "
                    "with OK"), MANY)
    check(case, "server saw them on one connection",
          "one connection carried 20 calls (streams 1 to 39)" in out, True)
    # How many handlers ran at once depends on how fast serve took each
    # stream; each call waits for all 20 to have sent, so more than one.
    most = re.search(r"one connection carried 20 calls \(streams 1 to 39\), "
                     r"at most (\d+) at once", out)
    check(case, "server ran more than one handler at once",
          most is not None and int(most.group(1)) > 1, True)
    check(case, "serve's exit", p.returncode, 0)


def duplex_client_many(duplex):
    """duplex call --calls 20: 20 calls at once on one connection."""
    r, seen = call_against(duplex, "echo", "--calls", str(MANY),
                           workers=MANY)
    case = "call --calls 20->grpcio"
    check(case, "duplex's exit", r.returncode, 0)
    check(case, "duplex saw", "20 calls on 1 connection: 20 ended OK with "
          "every echo right, 0 did not (streams 1 to 39, 20 open at once)"
          in r.stdout, True)
    check(case, "server's handler counted calls", len(seen.peers), MANY)
    check(case, "server saw one peer address (one connection)",
          len(set(seen.peers)), 1)
    check(case, "server got each call's messages",
          sorted(seen.got), sorted(b"call %d: %s" % (i, w)
                                   for i in range(1, MANY + 1)
                                   for w in WORDS))


# ---- messages larger than the windows -----------------------------------

NO_BDP = [("grpc.http2.bdp_probe", 0)]  # windows stay 65,535
MIB1 = 1024 * 1024


def grpcio_client_large(duplex):
    """1 MiB and 4 MiB each way between a grpcio client and serve, with
    the default windows on both sides (65,535 bytes): each message takes
    many WINDOW_UPDATEs to cross. Both sides count the bytes."""
    p, addr = start_serve(duplex, 4)
    got = []
    for request in (b"x" * MIB1, b"x" * MIB4, b"size:%d" % MIB1,
                    b"size:%d" % MIB4):
        with grpc.insecure_channel(addr, options=NO_BDP) as ch:
            try:
                got.append([len(m) if len(m) > 64 else m for m in
                            ch.stream_stream(METHOD)(iter([request]),
                                                     timeout=WAIT)])
            except grpc.RpcError as e:
                got.append([e.code().name.encode()])
    out = finish(p)
    for size, reply in ((MIB1, got[0]), (MIB4, got[1])):
        case = f"grpcio->serve c2s {size} B, 65535 windows"
        check(case, "client got", reply, [b"echo: %d bytes" % size])
        check(case, "server counted", f"server's messages: {size} bytes "
              f"received, {len(reply[0])} bytes sent" in out, True)
    for size, reply in ((MIB1, got[2]), (MIB4, got[3])):
        case = f"grpcio->serve s2c {size} B, 65535 windows"
        check(case, "client counted", reply, [size])
        check(case, "server counted", f"server's messages: "
              f"{len(b'size:%d' % size)} bytes received, {size} bytes sent"
              in out, True)


def duplex_client_large(duplex):
    """duplex call --size 1m and 4m against a grpcio server that mirrors
    (replies as many bytes), BDP probing off: 65,535 windows both ways."""
    for size in (MIB1, MIB4):
        r, seen = call_against(duplex, "mirror", "--messages", "1",
                               "--size", str(size), server_options=NO_BDP)
        case = f"call->grpcio {size} B each way, 65535 windows"
        check(case, "duplex counted", (r.returncode,
              f"the last reply was {size} bytes" in r.stdout), (0, True))
        check(case, "server counted", [len(m) for m in seen.got], [size])


# ---- two threads sending on one call ------------------------------------

EACH = 10  # messages per sender


def sent_by_two():
    return [b"sender %d message %d" % (k, i) for k in (1, 2)
            for i in range(1, EACH + 1)]


def in_order(texts):
    """Each sender's messages, in the order they came: 1, 2, 3, ..."""
    return all([m for m in texts if m.startswith(b"sender %d " % k)] ==
               [b"sender %d message %d" % (k, i) for i in range(1, EACH + 1)]
               for k in (1, 2))


def duplex_client_senders(duplex):
    """duplex call --senders 2: two threads call send on one call. On
    HTTP/2 each message is queued whole under the connection's lock, so
    the server receives every message whole (the raw wire's frames tear:
    duplex run concurrent-senders)."""
    r, seen = call_against(duplex, "echo", "--senders", "2", "--messages",
                           str(EACH))
    case = "call --senders 2->grpcio"
    check(case, "duplex's exit", r.returncode, 0)
    check(case, "duplex saw every reply whole",
          f"{2 * EACH} of {2 * EACH} replies were the echo of one whole "
          "message" in r.stdout, True)
    check(case, "server received every message whole, once",
          sorted(seen.got), sorted(sent_by_two()))
    check(case, "server got each sender's in its order", in_order(seen.got),
          True)
    check(case, "server saw the half-close", seen.eof, True)


def grpcio_client_senders(duplex):
    """Two grpcio client threads feed ONE call. grpcio takes a call's
    requests from one iterator and writes them itself, so two threads can
    only reach one call through a queue: the iterator hands grpcio one
    message at a time, whichever thread put it there. serve must echo
    all 20, each whole."""
    p, addr = start_serve(duplex, 1)
    q = queue.Queue()

    def feed(k):
        for i in range(1, EACH + 1):
            q.put(b"sender %d message %d" % (k, i))

    def requests():
        for _ in range(2 * EACH):
            yield q.get(timeout=WAIT)

    feeders = [threading.Thread(target=feed, args=(k,)) for k in (1, 2)]
    with grpc.insecure_channel(addr) as ch:
        replies = ch.stream_stream(METHOD)(requests(), timeout=WAIT)
        for t in feeders:
            t.start()
        try:
            got = list(replies)
        except grpc.RpcError as e:
            got = [e.code().name.encode()]
    for t in feeders:
        t.join(WAIT)
    out = finish(p)
    case = "grpcio 2 threads, 1 call->serve"
    check(case, "client got every echo whole, once", sorted(got),
          sorted(b"echo: " + m for m in sent_by_two()))
    check(case, "client got each sender's in its order",
          in_order([m[len(b"echo: "):] for m in got]), True)
    check(case, "server saw", f"server echoed {2 * EACH} of {2 * EACH}, saw "
          "EOF on c2s, and finished with OK" in out, True)


def main():
    duplex = sys.argv[1]
    grpcio_client_cases(duplex)
    grpcio_client_cancel(duplex)
    grpcio_client_deadline(duplex)
    raw_h2_deadline(duplex)
    grpcio_client_sizes(duplex)
    duplex_client_cases(duplex)
    duplex_client_deadline(duplex)
    raw_h2_server_deadline(duplex)
    duplex_client_cancel(duplex)
    duplex_client_sizes(duplex)
    error_cases(duplex)
    many_usage_cases(duplex)
    grpcio_client_many(duplex)
    duplex_client_many(duplex)
    grpcio_client_large(duplex)
    duplex_client_large(duplex)
    duplex_client_senders(duplex)
    grpcio_client_senders(duplex)
    interop_chat.run(duplex, check, start_serve, WAIT)
    print(f"interop: {checked[0] - len(failures)} passed, "
          f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""The chat session over a real wire, for tests/interop/interop.py (make
interop): the chat scenario's state machine (JOIN -> WELCOME, TEXT -> ACK
k, CloseSend -> BYE and OK; anything else FAILED_PRECONDITION) is
/chat.ChatService/Session on duplex serve, and `duplex call HOST:PORT
chat` is its client.

  grpcio client -> duplex serve   a session that waits for the WELCOME
                                  before its TEXTs; a TEXT before the
                                  JOIN ("JOIN first"); a second JOIN
                                  ("already joined"); a method serve does
                                  not have (UNIMPLEMENTED)
  duplex call chat -> grpcio      a grpcio Session with the same state
                                  machine; one whose ACKs are wrong; one
                                  that refuses the JOIN; one whose first
                                  reply is not the WELCOME

run(duplex, check, start_serve, wait) runs them with interop.py's check
and start_serve, so every check counts in its one tally.
"""
import concurrent.futures
import subprocess
import threading

import grpc

SESSION = "/chat.ChatService/Session"


def _session(ch, first, texts, wait, welcome_first=True):
    """One session from a grpcio client: sends first, then (after the
    first reply, when welcome_first) each of texts, then half-closes.
    Returns (replies, code, details)."""
    got_first = threading.Event()

    def requests():
        yield first
        if welcome_first:
            got_first.wait(wait)
        yield from texts

    replies, code, details = [], grpc.StatusCode.OK, None
    call = ch.stream_stream(SESSION)(requests(), timeout=wait)
    try:
        for m in call:
            replies.append(m)
            got_first.set()
    except grpc.RpcError as e:
        code, details = e.code(), e.details()
    got_first.set()
    return replies, code, details


def grpcio_client_sessions(duplex, check, start_serve, wait):
    p, addr = start_serve(duplex, 4)
    case = "grpcio->serve chat"
    with grpc.insecure_channel(addr) as ch:
        replies, code, _ = _session(ch, b"JOIN bob",
                                    [b"TEXT a", b"TEXT b", b"TEXT c"], wait)
        check(case, "client got", (replies, code),
              ([b"WELCOME bob", b"ACK 1", b"ACK 2", b"ACK 3", b"BYE bob"],
               grpc.StatusCode.OK))
        replies, code, details = _session(ch, b"TEXT hi", [], wait,
                                          welcome_first=False)
        check(case + " TEXT before JOIN", "client got",
              (replies, code, details),
              ([], grpc.StatusCode.FAILED_PRECONDITION, "JOIN first"))
        replies, code, details = _session(ch, b"JOIN bob", [b"JOIN eve"],
                                          wait)
        check(case + " second JOIN", "client got", (replies, code, details),
              ([b"WELCOME bob"], grpc.StatusCode.FAILED_PRECONDITION,
               "already joined"))
        code = None
        try:
            list(ch.stream_stream("/chat.ChatService/Nope")(
                iter([b"x"]), timeout=wait))
        except grpc.RpcError as e:
            code = e.code()
        check(case + " unknown method", "client's code", code,
              grpc.StatusCode.UNIMPLEMENTED)
    out, _ = p.communicate(timeout=wait)
    check(case, "serve's exit", p.returncode, 0)
    check(case, "server saw",
          "server: JOIN from bob, WELCOME, 3 TEXT acked, BYE, OK" in out,
          True)
    check(case + " TEXT before JOIN", "server saw",
          'server: 1 message and no JOIN, then FAILED_PRECONDITION: '
          '"JOIN first"' in out, True)
    check(case + " second JOIN", "server saw",
          'server: JOIN from bob, WELCOME, 0 TEXT acked, then '
          'FAILED_PRECONDITION: "already joined"' in out, True)
    check(case + " unknown method", "server saw",
          "server: /chat.ChatService/Nope is not a method here: "
          "UNIMPLEMENTED" in out, True)


class SessionServer:
    """A grpcio server whose /chat.ChatService/Session is the chat state
    machine. mode: right; skew (its ACKs count from 0); refuse (the JOIN
    gets FAILED_PRECONDITION); stranger (answers the JOIN with "HELLO",
    then waits for the client's half-close). got: what it received; eof:
    the client half-closed."""

    def __init__(self, mode, wait):
        self.mode, self.got, self.eof = mode, [], False
        self.done = threading.Event()
        handler = grpc.method_handlers_generic_handler("chat.ChatService", {
            "Session": grpc.stream_stream_rpc_method_handler(self.session)})
        self.server = grpc.server(concurrent.futures.ThreadPoolExecutor(2))
        self.server.add_generic_rpc_handlers((handler,))
        self.addr = "127.0.0.1:%d" % self.server.add_insecure_port(
            "127.0.0.1:0")
        self.server.start()
        self.wait = wait

    def session(self, requests, context):
        name = None
        try:
            for m in requests:
                self.got.append(m)
                if self.mode == "refuse":
                    context.abort(grpc.StatusCode.FAILED_PRECONDITION,
                                  "no sessions today")
                if self.mode == "stranger":
                    name = b"?"
                    yield b"HELLO"
                    continue
                if name is None and m.startswith(b"JOIN "):
                    name = m[5:]
                    yield b"WELCOME " + name
                elif name is not None and m.startswith(b"TEXT "):
                    k = len(self.got) - (2 if self.mode == "skew" else 1)
                    yield b"ACK %d" % k
                else:
                    context.abort(grpc.StatusCode.FAILED_PRECONDITION,
                                  "already joined" if name else "JOIN first")
            self.eof = True
            yield b"BYE " + name
        finally:
            self.done.set()

    def stop(self):
        self.done.wait(self.wait)
        self.server.stop(None).wait(self.wait)


def _call_chat(duplex, mode, wait, *options):
    s = SessionServer(mode, wait)
    r = subprocess.run([duplex, "call", s.addr, "chat", *options],
                       capture_output=True, text=True, encoding="utf-8",
                       timeout=wait)
    s.stop()
    return r, s


def duplex_client_sessions(duplex, check, wait):
    case = "call chat->grpcio"
    r, s = _call_chat(duplex, "right", wait, "--messages", "3")
    check(case, "duplex's exit", r.returncode, 0)
    check(case, "duplex saw",
          ["client/send sent JOIN, waited for the WELCOME, then 3 TEXTs "
           "and CloseSend" in r.stdout,
           "client/recv checked 5 replies: WELCOME alice, ACK 1 to ACK 3 "
           "in order, BYE alice" in r.stdout,
           "then EOF: the server finished the session with OK" in r.stdout],
          [True, True, True])
    check(case, "server got", s.got,
          [b"JOIN alice", b"TEXT note 1", b"TEXT note 2", b"TEXT note 3"])
    check(case, "server saw the half-close", s.eof, True)

    r, s = _call_chat(duplex, "skew", wait, "--messages", "2")
    check(case + " wrong ACKs", "duplex's exit", r.returncode, 1)
    check(case + " wrong ACKs", "duplex saw",
          'reply 2 is "ACK 0", not "ACK 1"' in r.stdout, True)
    check(case + " wrong ACKs", "server saw the half-close", s.eof, True)

    r, s = _call_chat(duplex, "refuse", wait)
    check(case + " refused", "duplex's exit", r.returncode, 1)
    check(case + " refused", "duplex saw",
          ["client/send sent JOIN; no WELCOME came first, so no TEXT went"
           in r.stdout,
           'the session ended with FAILED_PRECONDITION: "no sessions today"'
           in r.stdout], [True, True])
    check(case + " refused", "server got", s.got, [b"JOIN alice"])

    # The first reply is not the WELCOME: no TEXT, and the CloseSend
    # that lets this server end the call (it waits for it).
    r, s = _call_chat(duplex, "stranger", wait, "--timeout", "5000")
    check(case + " no WELCOME", "duplex's exit", r.returncode, 1)
    check(case + " no WELCOME", "duplex saw",
          ["client/send sent JOIN; no WELCOME came first, so no TEXT went, "
           "only CloseSend" in r.stdout,
           'reply 1 is "HELLO", not "WELCOME alice"' in r.stdout,
           "then EOF: the server finished the session with OK" in r.stdout],
          [True, True, True])
    check(case + " no WELCOME", "server got, then the half-close",
          (s.got, s.eof), ([b"JOIN alice"], True))


def run(duplex, check, start_serve, wait):
    grpcio_client_sessions(duplex, check, start_serve, wait)
    duplex_client_sessions(duplex, check, wait)

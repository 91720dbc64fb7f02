#!/usr/bin/python3
"""make interop: duplex against Python's grpcio (Debian's python3-grpcio),
on loopback, both directions, each case asserting what both sides saw.

  grpcio client -> duplex serve   echo with half-close; a handler error;
                                  the client cancels mid-stream
  duplex call   -> grpcio server  echo with half-close; a handler error
  errors                          a refused connection, a port in use, a
                                  peer that speaks HTTP/1.1

No protoc: the method is /chat.ChatService/Chat with raw-bytes messages
(identity serializers, a generic handler). Every wait has a timeout, so a
case that hangs fails instead. Run as: tests/interop/interop.py DUPLEX
"""
import concurrent.futures
import subprocess
import sys
import threading

import grpc

METHOD = "/chat.ChatService/Chat"
WORDS = [b"hello", b"how are you?", b"bye"]
# Needs percent-encoding in grpc-message: '%', a quote, non-ASCII.
ERROR_TEXT = '50% off: "no" \u00e9t\u00e9'
WAIT = 20  # seconds, for every wait
failures = []


def check(case, what, got, want):
    ok = got == want
    print(f"{'ok  ' if ok else 'FAIL'} {case}: {what}: {got!r}"
          + ("" if ok else f" (want {want!r})"))
    if not ok:
        failures.append(f"{case}: {what}")


# ---- a grpcio client against duplex serve ---------------------------------

def start_serve(duplex, calls):
    p = subprocess.Popen([duplex, "serve", "--calls", str(calls),
                          "--idle", str(WAIT * 1000)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, encoding="utf-8")
    first = p.stdout.readline()  # "listening on 127.0.0.1:PORT"
    if not first.startswith("listening on 127.0.0.1:"):
        p.kill()
        raise SystemExit(f"duplex serve said {first!r}")
    return p, first.split()[-1]


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


# ---- duplex call against a grpcio server ----------------------------------

class Seen:
    def __init__(self):
        self.got, self.eof, self.done = [], False, threading.Event()


def grpcio_server(mode, seen):
    def chat(requests, context):
        for m in requests:
            seen.got.append(m)
            if mode == "error":
                seen.done.set()
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, ERROR_TEXT)
            yield b"echo: " + m
        seen.eof = True  # the iterator ended: the client's half-close
        seen.done.set()

    handler = grpc.method_handlers_generic_handler("chat.ChatService", {
        "Chat": grpc.stream_stream_rpc_method_handler(chat)})
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(4))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, f"127.0.0.1:{port}"


def call(duplex, addr):
    return subprocess.run([duplex, "call", addr, "echo"], capture_output=True,
                          text=True, encoding="utf-8", timeout=WAIT)


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
    with grpc.insecure_channel(addr) as ch:  # serve goes on to the next
        replies = list(ch.stream_stream(METHOD)(iter(WORDS[:1]),
                                                timeout=WAIT))
    out, _ = p.communicate(timeout=WAIT)
    check("errors", "serve, HTTP/1.1 garbage: says",
          "server: a connection without a call: the peer sent what is not "
          "HTTP/2 (INTERNAL)" in out, True)
    check("errors", "serve, after the garbage: next call", replies,
          [b"echo: hello"])
    check("errors", "serve, after the garbage: exit", p.returncode, 0)


def main():
    duplex = sys.argv[1]
    grpcio_client_cases(duplex)
    grpcio_client_cancel(duplex)
    duplex_client_cases(duplex)
    error_cases(duplex)
    print(f"interop: {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""A real HTTP receiver on 127.0.0.1 for alert tests (webhook ``json://`` URLs of Apprise)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TIMEOUT = 5  # seconds: the receiver thread, the test's waits


@dataclass
class Receiver:
    """What the loopback receiver got; ``statuses`` are the codes it answers with, in turn."""

    port: int
    statuses: list[int]
    bodies: list[dict] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook") -> str:
        return f"json://127.0.0.1:{self.port}{path}?cto=2&rto=2"


@contextmanager
def receiver(*statuses: int) -> Iterator[Receiver]:
    """A ThreadingHTTPServer on 127.0.0.1, port 0, answering ``statuses`` then 200."""
    state = Receiver(port=0, statuses=list(statuses))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(n)
            with state.lock:
                state.paths.append(self.path)
                state.bodies.append(json.loads(body))
                code = state.statuses.pop(0) if state.statuses else 200
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = TIMEOUT
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

"""A tiny threaded HTTP/1.1 server for fake AI providers, told per request how to misbehave.

Each test queues behaviours (`fake.queue("429", "ok")`); a request pops the next one, or
uses `default` when the queue is empty. Every request is recorded for assertions.
"""

from __future__ import annotations

import collections
import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# ok | 429 | 500 | 503 | 401 | 400 | hang | malformed | cut | truncate | blocked
Behaviour = str


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fake = self.server.fake
        behaviour = fake.record(Recorded("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        try:
            fake.handle(self, behaviour, body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a timeout, or a stopped reply): expected, and counted.
            with fake._lock:
                fake.disconnects += 1

    # Helpers for subclasses -------------------------------------------------------------

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self.send_raw(status, json.dumps(payload).encode(), "application/json", headers)

    def send_raw(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def start_chunked(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def end_chunked(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def abort(self) -> None:
        """Drops the connection mid-body: what a crashed upstream looks like."""
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeServer


class FakeServer:
    """Runs on 127.0.0.1, a free port, in a background thread."""

    def __init__(self) -> None:
        self.behaviours: collections.deque[Behaviour] = collections.deque()
        self.default: Behaviour = "ok"
        self.requests: list[Recorded] = []
        self.hang_s = 10.0
        self.disconnects = 0  # responses the client hung up on before their end
        self.chunk_delay_s = 0.01  # the pause between two streamed chunks
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, name=type(self).__name__, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()  # ends hanging handlers
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.behaviours.clear()
            self.requests.clear()
            self.disconnects = 0
            self.chunk_delay_s = 0.01
            self.default = "ok"

    def queue(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self.behaviours.extend(behaviours)

    def record(self, request: Recorded) -> Behaviour:
        with self._lock:
            self.requests.append(request)
            return self.behaviours.popleft() if self.behaviours else self.default

    def calls(self, fragment: str = "") -> int:
        with self._lock:
            return sum(1 for r in self.requests if fragment in r.path)

    def hang(self) -> None:
        self._released.wait(self.hang_s)

    def handle(self, handler: Handler, behaviour: Behaviour, body: bytes) -> None:
        raise NotImplementedError

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def sleep_briefly() -> None:
    """A pause between streamed chunks, so clients really see a stream."""
    time.sleep(0.01)

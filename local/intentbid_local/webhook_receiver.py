"""A real local webhook receiver (loopback HTTP) for tests and local runs: it records every request and
answers from a per-path script - a status, extra headers and an optional delay per request, then a default.

    with Receiver() as rx:
        rx.script("/hook", (503, {"Retry-After": "1"}), 200)
        url = rx.url("/hook")
        ...
        rx.wait_for(lambda got: len(got) >= 2, timeout=10)

``respond`` (optional) answers instead of the scripts: called with each request as it arrives, it returns the
answer (``make listen``: 200 to a verified delivery, 400 to one whose signature fails; the chaos receiver: a
seeded fate per ``webhook-id``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = int | tuple[int, dict[str, str]] | tuple[int, dict[str, str], float]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)


def _normal(answer: Answer) -> tuple[int, dict[str, str], float]:
    if isinstance(answer, int):
        return answer, {}, 0.0
    if len(answer) == 2:
        return answer[0], dict(answer[1]), 0.0
    return answer[0], dict(answer[1]), float(answer[2])  # type: ignore[misc]


class Receiver:
    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, respond: Callable[[Received], Answer] | None = None
    ) -> None:
        self.requests: list[Received] = []
        self._scripts: dict[str, list[Answer]] = {}
        self._defaults: dict[str, Answer] = {}
        self._lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                got = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                if respond is not None:
                    status, headers, delay = _normal(respond(got))
                else:
                    status, headers, delay = receiver._answer(self.path)
                with receiver._lock:  # recorded on arrival (a slow answer's time is when it came)
                    receiver.requests.append(got)
                    receiver._lock.notify_all()
                if delay:
                    time.sleep(delay)
                payload = b"ok" if 200 <= status < 300 else b"no"
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the sender gave up (its deadline): nothing to answer

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True)

    def _answer(self, path: str) -> tuple[int, dict[str, str], float]:
        with self._lock:
            queue = self._scripts.get(path)
            answer: Answer = queue.pop(0) if queue else self._defaults.get(path, 200)
        return _normal(answer)

    def script(self, path: str, *answers: Answer, then: Answer = 200) -> None:
        """Answer the next requests to ``path`` with ``answers`` in order, then ``then``."""
        with self._lock:
            self._scripts[path] = list(answers)
            self._defaults[path] = then

    def url(self, path: str = "/hook") -> str:
        host, port = self.server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{name}:{port}{path}"

    def to(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def wait_for(self, done: Callable[[list[Received]], bool], timeout: float = 10.0) -> list[Received]:
        """Block until ``done(requests)`` holds (or raise TimeoutError after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not done(list(self.requests)):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"the receiver saw {len(self.requests)} request(s), not what was awaited")
                self._lock.wait(left)
            return list(self.requests)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

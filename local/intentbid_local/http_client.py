"""An HTTP client for tests, bench and demo against a runtime over real HTTP (loopback): keep-alive
connections, a pool of them, a barrier to fire requests at once, and a one-shot request.

Every answer is a :class:`Response`: status, headers (case-insensitive, as ``http.client`` gives them), the body
parsed when it is JSON (problem+json too) else bytes, and when it was sent and received (this host's clock,
which a loopback runtime shares). No answer at all raises :class:`TransportError`.

Inside :func:`client_retries` every connection behaves like a careful client under faults: each POST carries its
own ``Idempotency-Key``; a retryable answer (503 and 409 ``idempotency_in_flight``: nothing was done) is re-sent
after its ``Retry-After``; an answer of unknown outcome (502/504, no answer) only when re-sending is safe (a GET,
or a POST with its same ``Idempotency-Key``). The final answer keeps the first attempt's ``sent_at`` and lists
the retried ones in ``history``.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import urlsplit


class TransportError(OSError):
    """No HTTP answer: the connection failed, was reset or timed out."""


@dataclass
class Response:
    status: int
    headers: Message  # case-insensitive names
    body: Any
    sent_at: float  # epoch seconds
    received_at: float
    latency_ms: float
    history: list[tuple[int, str | None]] = field(default_factory=list)  # retried answers (client_retries)

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None

    @property
    def fields(self) -> tuple[tuple[str, str], ...]:
        """A 400's ``errors`` as ``(field, code)`` pairs, in order."""
        errs = self.body.get("errors") if isinstance(self.body, dict) else None
        return tuple((str(e.get("field")), str(e.get("code"))) for e in errs or [])


def request_headers(json_body: Any, key: str | None, headers: dict[str, str] | None) -> tuple[bytes | None, dict]:
    """(body bytes, headers) of a request: ``Accept: application/json``, a JSON body, a bearer key."""
    hdrs = {"Accept": "application/json", **(headers or {})}
    data = None
    if json_body is not None:
        data = json.dumps(json_body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    if key is not None:
        hdrs["Authorization"] = f"Bearer {key}"
    return data, hdrs


def parse_body(raw: bytes, content_type: str) -> Any:
    """The body parsed when it is JSON (and parses), else the bytes."""
    if raw and "json" in content_type:
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


class Connection:
    """One HTTP/1.1 keep-alive connection (``http.client``). Reconnects only before a request, when the
    connection was closed by the server or sat idle for longer than the gateway keeps idle connections."""

    IDLE_S = 45.0  # the local gateway ends idle keep-alive connections after 60 s

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self._last = 0.0

    def connect(self) -> Connection:
        self.close()
        self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self._conn.connect()
        except OSError as exc:
            self._conn = None
            raise TransportError(f"connect: {type(exc).__name__}: {exc}") from None
        self._last = time.monotonic()
        return self

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(
        self,
        method: str,
        path: str,
        json_body: Any = None,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Response:
        """Send one request (``json_body`` JSON-encoded, or raw ``body``); ``key`` as a bearer token. Inside
        :func:`client_retries`, retried as a careful client does (see the module's docstring)."""
        policy = _retries
        if policy is None:
            return self._send(method, path, json_body, key, headers, body)
        return policy.send(lambda h: self._send(method, path, json_body, key, h, body), method, headers)

    def _send(
        self,
        method: str,
        path: str,
        json_body: Any,
        key: str | None,
        headers: dict[str, str] | None,
        body: bytes | None,
    ) -> Response:
        if self._conn is None or time.monotonic() - self._last > self.IDLE_S:
            self.connect()
        assert self._conn is not None
        data, hdrs = request_headers(json_body, key, headers)
        if data is None:
            data = body
        sent, started = time.time(), time.perf_counter()
        try:
            self._conn.request(method, path, body=data, headers=hdrs)
            resp = self._conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise TransportError(f"{method} {path}: {type(exc).__name__}: {exc}") from None
        latency = (time.perf_counter() - started) * 1000
        received = time.time()
        self._last = time.monotonic()
        if resp.will_close:
            self.close()
        parsed = parse_body(raw, resp.headers.get("Content-Type") or "")
        return Response(resp.status, resp.headers, parsed, sent, received, latency)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 12
    max_wait_s: float = 2.0

    def send(
        self, send: Callable[[dict[str, str] | None], Response], method: str, headers: dict[str, str] | None
    ) -> Response:
        hdrs = dict(headers or {})
        if method == "POST" and not any(k.lower() == "idempotency-key" for k in hdrs):
            hdrs["Idempotency-Key"] = str(uuid.uuid4())
        safe = method in ("GET", "HEAD") or any(k.lower() == "idempotency-key" for k in hdrs)
        history: list[tuple[int, str | None]] = []
        first_sent: float | None = None
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                resp = send(hdrs)
            except TransportError:
                if not safe or last:
                    raise
                history.append((0, "transport_error"))
                time.sleep(0.2 * attempt)
                continue
            first_sent = resp.sent_at if first_sent is None else first_sent
            nothing_done = resp.status == 503 or (resp.status == 409 and resp.code == "idempotency_in_flight")
            unknown = resp.status in (502, 504)
            if last or not (nothing_done or (unknown and safe)):
                resp.sent_at, resp.history = first_sent, history
                return resp
            history.append((resp.status, resp.code))
            time.sleep(min(self.max_wait_s, _retry_after(resp, 0.2 * attempt)))
        raise AssertionError("unreachable")


def _retry_after(resp: Response, default: float) -> float:
    value = resp.headers.get("Retry-After") or ""
    return float(value) if value.isdigit() else default


_retries: RetryPolicy | None = None


@contextmanager
def client_retries(policy: RetryPolicy | None = None) -> Iterator[RetryPolicy]:
    """Within this block every request of this process is retried as a careful client does (module docstring)."""
    global _retries
    previous, _retries = _retries, policy or RetryPolicy()
    try:
        yield _retries
    finally:
        _retries = previous


class Pool:
    """A thread-safe pool of keep-alive connections, opened one after another up front (simultaneous new
    connections overflow the local gateway's listen backlog: see bench/README.md)."""

    def __init__(self, url: str, size: int) -> None:
        self.url = url
        self._free: list[Connection] = connections(url, size)
        self._cv = threading.Condition()

    def request(self, method: str, path: str, json_body: Any = None, **kw: Any) -> Response:
        with self._cv:
            self._cv.wait_for(lambda: bool(self._free))
            conn = self._free.pop()
        try:
            return conn.request(method, path, json_body, **kw)
        finally:
            with self._cv:
                self._free.append(conn)
                self._cv.notify()

    def close(self) -> None:
        with self._cv:
            for c in self._free:
                c.close()


def connections(url: str, n: int) -> list[Connection]:
    """``n`` open connections, opened one after another."""
    return [Connection(url).connect() for _ in range(n)]


def request(url: str, method: str, path: str, json_body: Any = None, timeout: float = 30, **kw: Any) -> Response:
    """One request on a connection of its own (closed after the answer)."""
    conn = Connection(url, timeout)
    try:
        return conn.request(method, path, json_body, **kw)
    finally:
        conn.close()


def race(conns: list[Connection], calls: list[Callable[[Connection], Response]]) -> list[Response | str]:
    """Run ``calls[i]`` on ``conns[i]``, all released at once by a barrier; transport errors as strings."""
    out: list[Response | str] = [""] * len(calls)
    barrier = threading.Barrier(len(calls))

    def go(i: int) -> None:
        barrier.wait()
        try:
            out[i] = calls[i](conns[i])
        except TransportError as exc:
            out[i] = f"transport error: {exc}"

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out


def answers(url: str, timeout: float = 2) -> bool:
    """Whether a runtime answers ``GET /v1/health`` with 200 at ``url``."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/v1/health", timeout=timeout) as resp:
            return bool(resp.status == 200)
    except (OSError, ValueError):
        return False

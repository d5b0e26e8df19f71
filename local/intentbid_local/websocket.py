"""The local stand-in for API Gateway's WebSocket API: ``ws://<gateway host>/realtime?ticket=…`` on the local
gateway's own port, and the Management API (``POST|GET|DELETE /@connections/{id}``) it answers too, so the
realtime worker runs unchanged with ``AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI`` pointing here.

As deployed: the ``$connect`` authorizer (``realtime_authorize``) gets a REQUEST authorizer event with the
``ticket`` query parameter (none -> 401 without calling it, as an identity source does); an ``Unauthorized``
-> 401, a failure -> 500; then ``$connect`` (``realtime_connect``) gets the connection id and the authorizer's
context; only its 200 completes the handshake. Closing (either side, or the runtime stopping) invokes
``$disconnect``. Client frames are ignored (the API has no ``$default`` route): the channel is push-only.

The protocol is RFC 6455's minimum (handshake, text/binary/close/ping/pong frames, client masking) written on
the standard library: the ``websockets`` package is not installed in this environment (README "Realtime").
:class:`Client` is the matching minimal client for tests and tools.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from intentbid.workers import REALTIME_AUTHORIZER, WEBSOCKET_ROUTES
from intentbid_local.gateway_responses import HttpResponse
from intentbid_local.lambda_context import ACCOUNT_ID, REGION, context_for

PATH = "/realtime"
MANAGEMENT_PREFIX = "/@connections/"
API_ID = "local-ws"
STAGE = "local"
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_FRAME_BYTES = 128 * 1024  # API Gateway's WebSocket frame limit is 32 KB; the message limit 128 KB
IDLE_TIMEOUT_S = 600  # API Gateway's idle timeout (10 min)
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
log = logging.getLogger("intentbid_local.websocket")


def accept_key(key: str) -> str:
    return base64.b64encode(hashlib.sha1((key + GUID).encode("ascii")).digest()).decode("ascii")  # noqa: S324 - RFC 6455


def encode_frame(opcode: int, payload: bytes, *, mask: bool = False) -> bytes:
    head = bytes([0x80 | opcode])
    n = len(payload)
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 1 << 16:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class Closed(Exception):
    """The peer closed the connection (or it broke)."""


def _read_exact(read: Any, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = read(n - len(data))
        if not chunk:
            raise Closed("connection closed")
        data += chunk
    return data


def read_frame(read: Any) -> tuple[int, bytes]:
    """One frame from ``read(n)``: (opcode, payload), unmasked."""
    b0, b1 = _read_exact(read, 2)
    opcode, masked, n = b0 & 0x0F, bool(b1 & 0x80), b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", _read_exact(read, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", _read_exact(read, 8))[0]
    if n > MAX_FRAME_BYTES:
        raise Closed(f"frame of {n} bytes refused")
    key = _read_exact(read, 4) if masked else b""
    payload = _read_exact(read, n)
    if masked:
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return opcode, payload


# -- API Gateway WebSocket events


def _request_context(route_key: str, connection_id: str, host: str, **extra: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route_key, "MESSAGE")
    return {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": str(uuid.uuid4()),
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "messageDirection": "IN",
        "stage": STAGE,
        "connectedAt": int(now.timestamp() * 1000),
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "identity": {"sourceIp": "127.0.0.1"},
        "requestId": str(uuid.uuid4()),
        "domainName": host,
        "connectionId": connection_id,
        "apiId": API_ID,
        **extra,
    }


def authorizer_event(connection_id: str, host: str, query: dict[str, str], headers: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "REQUEST",
        "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{STAGE}/$connect",
        "headers": headers,
        "queryStringParameters": query,
        "stageVariables": None,
        "requestContext": _request_context("$connect", connection_id, host),
    }


def connect_event(
    connection_id: str, host: str, query: dict[str, str], headers: dict[str, str], authorizer: dict[str, Any]
) -> dict[str, Any]:
    return {
        "headers": headers,
        "queryStringParameters": query,
        "isBase64Encoded": False,
        "requestContext": _request_context("$connect", connection_id, host, authorizer=authorizer),
    }


def disconnect_event(connection_id: str, host: str, reason: str = "") -> dict[str, Any]:
    return {
        "headers": {"Host": host},
        "isBase64Encoded": False,
        "requestContext": _request_context(
            "$disconnect", connection_id, host, disconnectStatusCode=1000, disconnectReason=reason
        ),
    }


# -- the server side


@dataclass
class Connection:
    id: str
    sock: socket.socket
    host: str
    connected_at: float = field(default_factory=time.time)
    lock: threading.Lock = field(default_factory=threading.Lock)
    open: bool = True

    def send(self, opcode: int, payload: bytes) -> None:
        with self.lock:
            self.sock.sendall(encode_frame(opcode, payload))


class Hub:
    """The open WebSockets of the local gateway, by connection id."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.connections: dict[str, Connection] = {}
        self._lock = threading.Lock()

    # -- handshake and read loop, on the HTTP handler's own thread
    def serve(self, handler: Any) -> None:
        """Upgrade the request of ``handler`` (a ``BaseHTTPRequestHandler``) to a WebSocket and keep it until it
        closes."""
        query = dict(parse_qsl(urlsplit(handler.path).query))
        headers = dict(handler.headers.items())
        host = headers.get("Host") or "127.0.0.1"
        key = handler.headers.get("Sec-WebSocket-Key")
        if not key or (handler.headers.get("Sec-WebSocket-Version") or "") != "13":
            return _refuse(handler, 400, "Bad Request")
        connection_id = base64.urlsafe_b64encode(os.urandom(12)).decode().rstrip("=")
        status = self._connect(connection_id, host, query, headers)
        if status != 200:
            return _refuse(handler, status, "Unauthorized" if status == 401 else "Internal server error")
        handler.send_response(101, "Switching Protocols")
        handler.send_header("Upgrade", "websocket")
        handler.send_header("Connection", "Upgrade")
        handler.send_header("Sec-WebSocket-Accept", accept_key(key))
        handler.end_headers()
        handler.wfile.flush()
        sock: socket.socket = handler.connection
        sock.settimeout(IDLE_TIMEOUT_S)
        conn = Connection(connection_id, sock, host)
        with self._lock:
            self.connections[connection_id] = conn
        log.info("websocket %s connected", connection_id)
        reason = "Client closed"
        try:
            self._read_loop(conn, handler.rfile.read)
        except (Closed, OSError) as exc:
            reason = f"Going away ({type(exc).__name__})"
        finally:
            self._forget(conn, reason)

    def _connect(self, connection_id: str, host: str, query: dict[str, str], headers: dict[str, str]) -> int:
        if not query.get("ticket"):
            return 401  # the identity source is missing: API Gateway refuses without calling the authorizer
        try:
            authorize = self.loader.get(REALTIME_AUTHORIZER)
            assert authorize is not None, REALTIME_AUTHORIZER
            decision = authorize(
                authorizer_event(connection_id, host, query, headers), context_for(REALTIME_AUTHORIZER, 5)
            )
        except Exception as exc:
            if str(exc) == "Unauthorized":
                return 401
            log.exception("realtime authorizer failed")
            return 500
        statements = (decision.get("policyDocument") or {}).get("Statement") or []
        if not any(s.get("Effect") == "Allow" for s in statements):
            return 403
        authorizer = {**(decision.get("context") or {}), "principalId": decision.get("principalId")}
        try:
            result = self._invoke("$connect", connect_event(connection_id, host, query, headers, authorizer))
        except Exception:
            log.exception("realtime $connect failed")
            return 500
        return int((result or {}).get("statusCode") or 200)

    def _invoke(self, route_key: str, event: dict[str, Any]) -> Any:
        name = WEBSOCKET_ROUTES[route_key]
        fn = self.loader.get(name)
        if fn is None:
            raise RuntimeError(f"functions/{name}/app.py does not exist")
        return fn(event, context_for(name, 10))

    @staticmethod
    def _read_loop(conn: Connection, read: Any) -> None:
        while conn.open:
            opcode, payload = read_frame(read)
            if opcode == OP_CLOSE:
                with contextlib.suppress(OSError):
                    conn.send(OP_CLOSE, payload[:2])
                return
            if opcode == OP_PING:
                conn.send(OP_PONG, payload)
            # data frames: no $default route (push-only channel); pongs and continuations: nothing to do

    def _forget(self, conn: Connection, reason: str) -> None:
        with self._lock:
            known = self.connections.pop(conn.id, None) is not None
        conn.open = False
        with contextlib.suppress(OSError):
            conn.sock.close()
        if known:
            try:
                self._invoke("$disconnect", disconnect_event(conn.id, conn.host, reason))
            except Exception:
                log.exception("realtime $disconnect failed")
        log.info("websocket %s disconnected (%s)", conn.id, reason)

    # -- the Management API
    def management(self, method: str, path: str, body: bytes) -> HttpResponse:
        connection_id = path[len(MANAGEMENT_PREFIX) :].strip("/")
        with self._lock:
            conn = self.connections.get(connection_id)
        if conn is None or not conn.open:
            return _mgmt_error(410, "GoneException")
        if method == "POST":
            try:
                conn.send(OP_TEXT, body)
            except OSError:
                return _mgmt_error(410, "GoneException")
            return HttpResponse(200, [("Content-Type", "application/json")], b"")
        if method == "GET":
            at = datetime.fromtimestamp(conn.connected_at, UTC).isoformat().replace("+00:00", "Z")
            info = {"connectedAt": at, "identity": {"sourceIp": "127.0.0.1"}, "lastActiveAt": at}
            return HttpResponse(200, [("Content-Type", "application/json")], json.dumps(info).encode())
        if method == "DELETE":
            self.close(connection_id)
            return HttpResponse(204, [], b"")
        return _mgmt_error(405, "MethodNotAllowed")

    def close(self, connection_id: str) -> None:
        """Close one connection from the server side (the Management API's DELETE; the runtime stopping)."""
        with self._lock:
            conn = self.connections.get(connection_id)
        if conn is None:
            return
        with contextlib.suppress(OSError):
            conn.send(OP_CLOSE, struct.pack("!H", 1001))
        with contextlib.suppress(OSError):
            conn.sock.shutdown(socket.SHUT_RDWR)  # the read loop ends and runs $disconnect

    def close_all(self) -> None:
        for connection_id in list(self.connections):
            self.close(connection_id)


def _mgmt_error(status: int, code: str) -> HttpResponse:
    body = json.dumps({"message": code}).encode()
    return HttpResponse(status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)], body)


def _refuse(handler: Any, status: int, message: str) -> None:
    body = json.dumps({"message": message}).encode()
    handler.close_connection = True
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body)


# -- a minimal client (tests, tools)


class HandshakeRefused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"WebSocket handshake refused: HTTP {status}")
        self.status = status


class Client:
    """``Client(url)`` opens a WebSocket (``ws://`` only); :meth:`recv` returns the next text message."""

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme != "ws" or parts.hostname is None:
            raise ValueError(f"only ws:// URLs: {url!r}")
        self.sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout_s)
        self._buf = b""
        key = base64.b64encode(os.urandom(16)).decode()
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        self.sock.sendall(
            (
                f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        while b"\r\n\r\n" not in self._buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                self.close()
                raise HandshakeRefused(0)
            self._buf += chunk
        head, _, self._buf = self._buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        words = lines[0].split()
        status = int(words[1]) if len(words) > 1 and words[1].isdigit() else 0
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        if status != 101 or headers.get("sec-websocket-accept") != accept_key(key):
            self.close()
            raise HandshakeRefused(status)

    def _read(self, n: int) -> bytes:
        if self._buf:
            out, self._buf = self._buf[:n], self._buf[n:]
            return out
        return self.sock.recv(n)

    def recv(self, timeout_s: float = 10.0) -> str:
        """The next text message; ``TimeoutError`` when none comes in time, :class:`Closed` when closed."""
        self.sock.settimeout(timeout_s)
        while True:
            opcode, payload = read_frame(self._read)
            if opcode in (OP_TEXT, OP_BINARY):
                return payload.decode("utf-8")
            if opcode == OP_CLOSE:
                raise Closed("closed by the server")
            if opcode == OP_PING:
                self.sock.sendall(encode_frame(OP_PONG, payload, mask=True))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.sendall(encode_frame(OP_CLOSE, struct.pack("!H", 1000), mask=True))
        with contextlib.suppress(OSError):
            self.sock.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""The local stand-in for API Gateway's WebSocket API: ``ws://<gateway host>/realtime?ticket=…`` on the local
gateway's own port, and the Management API (``POST|GET|DELETE /@connections/{id}``) it answers too, so the
realtime worker runs unchanged with ``AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI`` pointing here.

As deployed: the ``$connect`` authorizer (``realtime_authorize``) gets a REQUEST authorizer event with the
``ticket`` query parameter (none -> 401 without calling it, as an identity source does); an ``Unauthorized``
-> 401, a failure -> 500; then ``$connect`` (``realtime_connect``) gets the connection id and the authorizer's
context; only its 200 completes the handshake. Closing (either side, or the runtime stopping) invokes
``$disconnect``. Client messages are ignored (the API has no ``$default`` route): the channel is push-only.

The protocol is python-hyper's sans-IO ``wsproto``: the gateway's HTTP handler has parsed the upgrade request,
``WSConnection.initiate_upgrade_connection`` validates it and writes the 101 (or the refusal, an HTTP
response), and the socket's bytes go through it both ways (framing, masking, ping/pong, the close handshake).
Tests and tools connect with the ``websockets`` package's client (``websockets.sync.client.connect``).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import h11
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Message,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)
from wsproto.frame_protocol import CloseReason
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

from intentbid.workers import REALTIME_AUTHORIZER, WEBSOCKET_ROUTES
from intentbid_local.gateway_responses import HttpResponse
from intentbid_local.lambda_context import ACCOUNT_ID, REGION, context_for

PATH = "/realtime"
MANAGEMENT_PREFIX = "/@connections/"
API_ID = "local-ws"
STAGE = "local"
MAX_MESSAGE_BYTES = 128 * 1024  # API Gateway's WebSocket message limit (frames: 32 KB)
IDLE_TIMEOUT_S = 600  # API Gateway's idle timeout (10 min)
READ_CHUNK = 64 * 1024
log = logging.getLogger("intentbid_local.websocket")


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
    """One open WebSocket: its socket and its ``wsproto`` state, shared by the read loop (the HTTP handler's
    thread) and the Management API's callers under ``lock``."""

    id: str
    sock: socket.socket
    host: str
    ws: WSConnection
    connected_at: float = field(default_factory=time.time)
    lock: threading.Lock = field(default_factory=threading.Lock)
    open: bool = True

    def send(self, event: Event) -> None:
        """``LocalProtocolError`` once the WebSocket is closing, ``OSError`` when the socket broke."""
        with self.lock:
            self.sock.sendall(self.ws.send(event))


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
        ws = WSConnection(ConnectionType.SERVER)
        try:
            raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in handler.headers.items()]
            ws.initiate_upgrade_connection(raw, handler.path)
            requests = [e for e in ws.events() if isinstance(e, Request)]
            assert requests, "wsproto parsed no upgrade request"
        except RemoteProtocolError as exc:  # not a valid WebSocket upgrade: wsproto's status (400, 426)
            hint = exc.event_hint if isinstance(exc.event_hint, RejectConnection) else RejectConnection()
            return _refuse(handler, ws, hint.status_code, "Bad Request", list(hint.headers))
        except h11.ProtocolError:  # e.g. no Host header: h11 will not even frame the request
            return _refuse(handler, None, 400, "Bad Request", [])
        connection_id = base64.urlsafe_b64encode(os.urandom(12)).decode().rstrip("=")
        status = self._connect(connection_id, host, query, headers)
        if status != 200:
            message = {401: "Unauthorized", 403: "Forbidden"}.get(status, "Internal server error")
            return _refuse(handler, ws, status, message, [])
        sock: socket.socket = handler.connection
        sock.settimeout(IDLE_TIMEOUT_S)
        conn = Connection(connection_id, sock, host, ws)
        reason = "Going away"
        try:
            with conn.lock:  # known to the Management API from the 101 on ($connect stored it), not a frame before
                with self._lock:
                    self.connections[connection_id] = conn
                handler.wfile.write(ws.send(AcceptConnection()))  # no subprotocol, no extensions: as API Gateway
                handler.wfile.flush()
            log.info("websocket %s connected", connection_id)
            reason = self._read_loop(conn, handler.rfile.read1)
        except (OSError, LocalProtocolError) as exc:
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
    def _read_loop(conn: Connection, read1: Any) -> str:
        """Feed the socket's bytes to wsproto until the WebSocket closes; the reason for ``$disconnect``."""
        message_bytes = 0
        while True:
            data = read1(READ_CHUNK)
            with conn.lock:
                conn.ws.receive_data(data or None)  # None: the TCP connection ended (close code 1006)
                for event in conn.ws.events():
                    if isinstance(event, CloseConnection):
                        if conn.ws.state is ConnectionState.REMOTE_CLOSING:  # the client's close: echo it
                            conn.sock.sendall(conn.ws.send(event.response()))
                        elif conn.ws.state is ConnectionState.OPEN:  # a protocol error wsproto found
                            conn.sock.sendall(conn.ws.send(CloseConnection(event.code, event.reason)))
                        return "Client closed" if data else "Going away (connection lost)"
                    if isinstance(event, Ping):
                        conn.sock.sendall(conn.ws.send(event.response()))
                    elif isinstance(event, Message):  # no $default route (push-only): counted, then dropped
                        message_bytes += len(event.data)
                        if message_bytes > MAX_MESSAGE_BYTES:
                            conn.sock.sendall(conn.ws.send(CloseConnection(CloseReason.MESSAGE_TOO_BIG)))
                            return "Message too big"
                        if event.message_finished:
                            message_bytes = 0
            if not data:
                return "Going away (connection lost)"

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
                conn.send(_message(body))
            except (OSError, LocalProtocolError):
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
        with contextlib.suppress(OSError, LocalProtocolError):
            conn.send(CloseConnection(CloseReason.GOING_AWAY))
        with contextlib.suppress(OSError):
            conn.sock.shutdown(socket.SHUT_RDWR)  # the read loop ends and runs $disconnect

    def close_all(self) -> None:
        for connection_id in list(self.connections):
            self.close(connection_id)


def _message(body: bytes) -> Message[Any]:
    """The Management API's ``Data`` as a text frame (the envelopes are JSON), binary if it is not UTF-8."""
    try:
        return TextMessage(body.decode("utf-8"))
    except UnicodeDecodeError:
        return BytesMessage(body)


def _mgmt_error(status: int, code: str) -> HttpResponse:
    body = json.dumps({"message": code}).encode()
    return HttpResponse(status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)], body)


def _refuse(handler: Any, ws: WSConnection | None, status: int, message: str, extra: list[tuple[bytes, bytes]]) -> None:
    """An HTTP response instead of the upgrade (the client sees the status): wsproto's (h11's) rejection, or the
    HTTP handler's own response when h11 could not even take the request in (``ws`` None)."""
    body = json.dumps({"message": message}).encode()
    handler.close_connection = True
    head = [
        (b"Content-Type", b"application/json"),
        (b"Content-Length", str(len(body)).encode()),
        (b"Connection", b"close"),
        *extra,
    ]
    if ws is None:
        handler.send_response(status)
        for name, value in head:
            handler.send_header(name.decode("latin-1"), value.decode("latin-1"))
        handler.end_headers()
        handler.wfile.write(body)
        return
    handler.wfile.write(ws.send(RejectConnection(status_code=status, headers=head, has_body=True)))
    handler.wfile.write(ws.send(RejectData(body)))

"""The local WebSocket's behaviour on a real socket, without the runtime (unit tests run with sockets off): the
server is ``Hub.serve`` (wsproto) behind a stdlib HTTP server, the client the ``websockets`` package's, the handlers
stubs that record their events. No ticket -> 401 without calling the authorizer; a refused ticket -> 401 (an HTTP
response, not an upgrade); a bad upgrade -> 400/426; pushes arrive, client messages are ignored, pings are
answered; closing from either side runs ``$disconnect`` once and the connection is then ``GoneException`` to the
Management API."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from intentbid.workers import REALTIME_AUTHORIZER, WEBSOCKET_ROUTES
from intentbid_local import websocket as ws

WAIT_S = 10  # upper bound on a loaded CI box; each wait ends as soon as its condition holds


class Handlers:
    """Stub authorizer / $connect / $disconnect: ticket ``good`` is allowed, anything else ``Unauthorized``."""

    def __init__(self) -> None:
        self.authorized: list[dict[str, Any]] = []
        self.connected: list[dict[str, Any]] = []
        self.disconnected: list[dict[str, Any]] = []
        self.gone = threading.Event()

    def get(self, name: str) -> Callable[..., Any] | None:
        return {
            REALTIME_AUTHORIZER: self.authorize,
            WEBSOCKET_ROUTES["$connect"]: self.connect,
            WEBSOCKET_ROUTES["$disconnect"]: self.disconnect,
        }.get(name)

    def authorize(self, event: dict[str, Any], _ctx: Any) -> dict[str, Any]:
        self.authorized.append(event)
        if event["queryStringParameters"].get("ticket") != "good":
            raise Exception("Unauthorized")
        allow = {"Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}
        return {"principalId": "vnd_1", "policyDocument": allow, "context": {"kind": "vendor"}}

    def connect(self, event: dict[str, Any], _ctx: Any) -> dict[str, Any]:
        self.connected.append(event)
        return {"statusCode": 200}

    def disconnect(self, event: dict[str, Any], _ctx: Any) -> dict[str, Any]:
        self.disconnected.append(event)
        self.gone.set()
        return {"statusCode": 200}


class Server:
    def __init__(self) -> None:
        self.handlers = Handlers()
        self.hub = ws.Hub(self.handlers)
        hub = self.hub

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self.close_connection = True
                hub.serve(self)

            def log_message(self, *_: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.port = self.http.server_address[1]
        self.thread = threading.Thread(target=self.http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, ticket: str | None = "good") -> str:
        return f"ws://127.0.0.1:{self.port}{ws.PATH}" + (f"?ticket={ticket}" if ticket else "")

    def open(self, ticket: str | None = "good") -> ClientConnection:
        return connect(self.url(ticket), proxy=None, compression=None, open_timeout=WAIT_S)

    def connection_id(self) -> str:
        return str(self.handlers.connected[-1]["requestContext"]["connectionId"])


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.hub.close_all()
    s.http.shutdown()
    s.http.server_close()


def refused_status(server: Server, ticket: str | None) -> int:
    with pytest.raises(InvalidStatus) as refused, server.open(ticket):
        pass
    return int(refused.value.response.status_code)


def test_no_ticket_is_401_without_the_authorizer_and_a_refused_one_is_401(server: Server) -> None:
    assert refused_status(server, None) == 401
    assert server.handlers.authorized == []  # the identity source is missing: API Gateway never calls it
    assert refused_status(server, "used") == 401
    assert len(server.handlers.authorized) == 1 and server.handlers.connected == []
    assert server.hub.connections == {}


def test_a_request_that_is_no_websocket_upgrade_is_refused(server: Server) -> None:
    key = {"Connection": "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}

    def status_of(headers: dict[str, str], *, host: bool = True) -> int:
        http_conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT_S)
        try:
            http_conn.putrequest("GET", f"{ws.PATH}?ticket=good", skip_host=not host)
            for name, value in {"Upgrade": "websocket", **headers}.items():
                http_conn.putheader(name, value)
            http_conn.endheaders()
            return http_conn.getresponse().status
        finally:
            http_conn.close()

    assert status_of({"Connection": "Upgrade", "Sec-WebSocket-Version": "13"}) == 400  # no Sec-WebSocket-Key
    assert status_of({**key, "Sec-WebSocket-Version": "8"}) == 426  # wsproto speaks version 13 only
    assert status_of({**key, "Sec-WebSocket-Version": "13"}, host=False) == 400  # h11 needs a Host
    assert server.handlers.authorized == []


def test_pushes_arrive_client_messages_are_ignored_and_pings_answered(server: Server) -> None:
    with server.open() as client:
        cid = server.connection_id()
        auth = server.handlers.authorized[0]
        assert auth["type"] == "REQUEST" and auth["requestContext"]["connectionId"] == cid
        assert server.handlers.connected[0]["requestContext"]["authorizer"]["principalId"] == "vnd_1"
        client.send("hello")  # no $default route: dropped
        assert client.ping().wait(WAIT_S)  # the pong came back, after the message was read
        assert server.hub.management("POST", f"{ws.MANAGEMENT_PREFIX}{cid}", b'{"id":"evt_1"}').status == 200
        assert client.recv(timeout=WAIT_S) == '{"id":"evt_1"}'
        info = server.hub.management("GET", f"{ws.MANAGEMENT_PREFIX}{cid}", b"")
        assert info.status == 200 and b"connectedAt" in info.body
    assert server.handlers.gone.wait(WAIT_S)
    assert [e["requestContext"]["connectionId"] for e in server.handlers.disconnected] == [cid]
    gone = server.hub.management("POST", f"{ws.MANAGEMENT_PREFIX}{cid}", b"{}")
    assert gone.status == 410 and gone.header("x-amzn-ErrorType") == "GoneException"


def test_the_management_apis_delete_closes_the_socket_and_runs_disconnect(server: Server) -> None:
    with server.open() as client:
        cid = server.connection_id()
        assert server.hub.management("DELETE", f"{ws.MANAGEMENT_PREFIX}{cid}", b"").status == 204
        with pytest.raises(ConnectionClosed):
            client.recv(timeout=WAIT_S)
    assert server.handlers.gone.wait(WAIT_S)
    assert len(server.handlers.disconnected) == 1 and cid not in server.hub.connections


def test_a_message_over_api_gateways_limit_closes_the_socket(server: Server) -> None:
    with server.open() as client:
        client.send("x" * (ws.MAX_MESSAGE_BYTES + 1))
        with pytest.raises(ConnectionClosed) as closed:
            client.recv(timeout=WAIT_S)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert server.handlers.gone.wait(WAIT_S)

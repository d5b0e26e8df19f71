"""The local WebSocket's socket-free parts: the Management API's GoneException shape botocore parses, and API
Gateway-shaped WebSocket events. Its behaviour on a real socket (wsproto server, websockets client) is
tests/integration/test_local_websocket_server.py; the protocol itself is wsproto's and websockets' own."""

from __future__ import annotations

from intentbid_local import websocket as ws


def test_an_unknown_connection_is_gone_for_the_management_api() -> None:
    hub = ws.Hub(loader=None)
    resp = hub.management("POST", "/@connections/nope", b"{}")
    assert resp.status == 410 and resp.header("x-amzn-ErrorType") == "GoneException"


def test_events_have_api_gateways_websocket_shape() -> None:
    auth = ws.authorizer_event("c1", "h", {"ticket": "t"}, {})
    assert auth["type"] == "REQUEST" and auth["methodArn"].endswith("/$connect")
    assert auth["requestContext"]["connectionId"] == "c1" and auth["requestContext"]["eventType"] == "CONNECT"
    gone = ws.disconnect_event("c1", "h")
    assert gone["requestContext"]["routeKey"] == "$disconnect"
    assert gone["requestContext"]["eventType"] == "DISCONNECT"

"""The local WebSocket's RFC 6455 framing (socket-free): the handshake's accept key, frames of every length class
masked and not, oversized frames refused, and the Management API's GoneException shape botocore parses."""

from __future__ import annotations

import io

import pytest

from intentbid_local import websocket as ws


def test_the_accept_key_is_rfc_6455s_example() -> None:
    assert ws.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536])
@pytest.mark.parametrize("mask", [False, True])
def test_frames_round_trip(size: int, mask: bool) -> None:
    payload = bytes(i % 251 for i in range(size))
    frame = ws.encode_frame(ws.OP_TEXT, payload, mask=mask)
    assert bool(frame[1] & 0x80) is mask
    assert ws.read_frame(io.BytesIO(frame).read) == (ws.OP_TEXT, payload)


def test_an_oversized_frame_and_a_cut_stream_close_the_connection() -> None:
    with pytest.raises(ws.Closed):
        ws.read_frame(io.BytesIO(ws.encode_frame(ws.OP_TEXT, b"x" * (ws.MAX_FRAME_BYTES + 1))).read)
    with pytest.raises(ws.Closed):
        ws.read_frame(io.BytesIO(ws.encode_frame(ws.OP_TEXT, b"hello")[:4]).read)


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

"""The realtime channel end to end on the local runtime (``make dev``'s), over a real WebSocket: a ticket, a
connection, an RFO posted by a buyer arriving at a connected vendor as ``rfo.created`` within seconds; a reused
ticket refused (401); a closed socket gone from the Management API the worker uses (botocore's own client). The
client is the ``websockets`` package's (the server is wsproto's), so neither end of the protocol is ours."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from intentbid_local.testdata import offer_body, rfo_body

ARRIVAL_TIMEOUT_S = 15  # "within a few seconds" on a loaded 2-core CI box: typically well under one second


def register(rt: Any, kind: str, name: str, sandbox: bool = False) -> dict[str, Any]:
    body_in = {"name": name, "email": f"{name}@realtime.example", "sandbox": sandbox}
    status, _, body = rt.request("POST", f"/v1/{kind}s/register", body_in)
    assert status == 201, body
    return {"id": body[kind]["id"], "key": body["api_key"]}


def ticket(rt: Any, who: dict[str, Any]) -> dict[str, Any]:
    status, _, body = rt.request("POST", "/v1/realtime/tickets", key=who["key"])
    assert status == 201, body
    assert body["url"].startswith("ws://") and body["expires_in"] == 60
    return dict(body)


def socket_url(t: dict[str, Any]) -> str:
    return f"{t['url']}?ticket={t['ticket']}"


def open_socket(url: str) -> ClientConnection:
    """A WebSocket to the local gateway: no proxy from the environment, no compression (API Gateway offers none)."""
    return connect(url, proxy=None, compression=None, open_timeout=ARRIVAL_TIMEOUT_S)


def refused_status(url: str) -> int:
    with pytest.raises(InvalidStatus) as refused, open_socket(url):
        pass
    return int(refused.value.response.status_code)


def next_event(ws: ClientConnection, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The first event on ``ws`` that ``wanted`` accepts (the session's runtime carries other tests' events)."""
    deadline = time.monotonic() + ARRIVAL_TIMEOUT_S
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no matching event within {ARRIVAL_TIMEOUT_S}s")
        event = json.loads(ws.recv(timeout=left))
        if wanted(event):
            return dict(event)


def test_a_connected_vendor_receives_rfo_created_and_a_ticket_works_once(runtime: Any) -> None:
    buyer, vendor = register(runtime, "buyer", "rt-buyer"), register(runtime, "vendor", "rt-vendor")
    t = ticket(runtime, vendor)
    with open_socket(socket_url(t)) as ws:
        status, _, rfo = runtime.request("POST", "/v1/rfos", rfo_body(), key=buyer["key"])
        assert status == 201, rfo
        started = time.monotonic()
        event = next_event(ws, lambda e: e["type"] == "rfo.created" and e["data"]["object"]["id"] == rfo["id"])
        assert time.monotonic() - started < ARRIVAL_TIMEOUT_S
        assert event["livemode"] is True and event["id"].startswith("evt_")
        assert "buyer_id" not in event["data"]["object"] or event["data"]["object"]["buyer_id"] is None

        assert refused_status(socket_url(t)) == 401  # the same ticket again
    assert refused_status(t["url"]) == 401  # no ticket at all
    assert refused_status(t["url"] + "?ticket=rtk_unknown") == 401


def test_the_buyer_sees_offers_and_a_closed_socket_is_gone_for_the_management_api(runtime: Any) -> None:
    buyer, vendor = register(runtime, "buyer", "rt-buyer2"), register(runtime, "vendor", "rt-vendor2")
    status, _, rfo = runtime.request("POST", "/v1/rfos", rfo_body(), key=buyer["key"])
    assert status == 201, rfo
    api = boto3.session.Session().client(
        "apigatewaymanagementapi",
        endpoint_url=runtime.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with open_socket(socket_url(ticket(runtime, buyer))) as ws:
        status, _, offer = runtime.request("POST", f"/v1/rfos/{rfo['id']}/offers", offer_body(), key=vendor["key"])
        assert status == 201, offer
        event = next_event(ws, lambda e: e["type"] == "offer.submitted" and e["data"]["object"]["id"] == offer["id"])
        assert event["data"]["object"]["rfo_id"] == rfo["id"]
        ids = connections_of(runtime, buyer["id"])
        assert len(ids) == 1
        assert "ConnectedAt" in api.get_connection(ConnectionId=ids[0])
    until(lambda: not connections_of(runtime, buyer["id"]))  # $disconnect removed it
    with pytest.raises(api.exceptions.GoneException):
        api.post_to_connection(ConnectionId=ids[0], Data=b"{}")


def connections_of(rt: Any, owner_id: str) -> list[str]:
    got = rt.aws("dynamodb").query(
        TableName="intentbid-local-realtime",
        IndexName="by_owner",
        KeyConditionExpression="owner_key = :k",
        ExpressionAttributeValues={":k": {"S": f"live#{owner_id}"}},
    )
    return [i["id"]["S"] for i in got["Items"]]


def until(check: Callable[[], Any], timeout: float = ARRIVAL_TIMEOUT_S) -> Any:
    deadline = time.monotonic() + timeout
    while not (got := check()):
        if time.monotonic() > deadline:
            raise AssertionError("not reached in time")
        time.sleep(0.05)
    return got

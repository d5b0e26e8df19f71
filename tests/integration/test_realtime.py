"""The realtime channel on moto with the real handlers: tickets (one-time, expiring, bound to the principal and
its environment), the ``$connect`` authorizer and route, ``$disconnect``, the fan-out seam queueing one message
per event, and the push worker posting each recipient's envelope to its connections only (a vendor never gets
another vendor's offer events; sandbox to sandbox), deleting gone connections."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from helpers import create_rfo, register, submit
from lambda_harness import call, invoke, stream_inserts

from intentbid.domain import clock
from intentbid.services import fanout, realtime
from intentbid.store import realtime as rt_store
from intentbid_local import websocket
from intentbid_local.lambda_events import sqs_event
from intentbid_local.timefmt import later

pytestmark = pytest.mark.usefixtures("aws")
WS_URL = "wss://ws.example.test/dev"


class FakeManagementApi:
    """The Management API as the worker sees it: records posts; ids in ``gone`` answer ``GoneException``."""

    class exceptions:
        class GoneException(Exception):
            pass

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.gone: set[str] = set()

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:
        if ConnectionId in self.gone:
            raise self.exceptions.GoneException(ConnectionId)
        self.posts.append((ConnectionId, json.loads(Data)))

    def got(self, connection_id: str) -> list[str]:
        return [p["type"] for cid, p in self.posts if cid == connection_id]


@pytest.fixture
def channel(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    realtime._sqs.cache_clear()
    fanout._sqs.cache_clear()
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="intentbid-test-realtime")["QueueUrl"]
    monkeypatch.setenv("QUEUE_URL_REALTIME", url)
    monkeypatch.setenv("REALTIME_URL", WS_URL)
    api = FakeManagementApi()
    monkeypatch.setattr(realtime, "management_client", lambda: api)
    yield {"url": url, "api": api}
    realtime._sqs.cache_clear()


def ticket_for(who: dict[str, Any]) -> str:
    status, _, out = invoke("realtime_ticket", principal=who)
    assert status == 201, out
    assert out["url"] == WS_URL and out["expires_in"] == 60
    return str(out["ticket"])


def authorize(ticket: str | None, connection_id: str = "c1") -> dict[str, Any] | None:
    """The authorizer's context, or None when it refused (``Unauthorized``: API Gateway's 401)."""
    query = {"ticket": ticket} if ticket is not None else {}
    try:
        result = call("realtime_authorize", websocket.authorizer_event(connection_id, "h", query, {}))
    except Exception as exc:
        assert str(exc) == "Unauthorized"
        return None
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    return dict(result["context"])


def connect(who: dict[str, Any], connection_id: str) -> None:
    context = authorize(ticket_for(who), connection_id)
    assert context is not None
    result = call("realtime_connect", websocket.connect_event(connection_id, "h", {}, {}, context))
    assert result == {"statusCode": 200}


_dispatched: set[str] = set()


def dispatch_and_push(channel: dict[str, Any]) -> list[str]:
    """Every new outbox event through the dispatcher, then every realtime message through the push worker."""
    ddb = boto3.client("dynamodb")
    items = sorted(ddb.scan(TableName="intentbid-test-outbox")["Items"], key=lambda i: i["id"]["S"])
    fresh = [i for i in items if i["id"]["S"] not in _dispatched]
    if fresh:
        assert call("outbox_dispatch", stream_inserts(*fresh)) == {"batchItemFailures": []}
    _dispatched.update(i["id"]["S"] for i in fresh)
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(QueueUrl=channel["url"], MaxNumberOfMessages=10).get("Messages", [])
    if messages:
        arn = "arn:aws:sqs:us-east-1:123456789012:intentbid-test-realtime"
        assert call("realtime_push", sqs_event(messages, arn)) == {"batchItemFailures": []}
        for m in messages:
            sqs.delete_message(QueueUrl=channel["url"], ReceiptHandle=m["ReceiptHandle"])
    return [json.loads(m["Body"])["event_type"] for m in messages]


def test_a_ticket_is_stored_as_its_hash_bound_to_the_principal_and_works_once(channel: dict[str, Any]) -> None:
    vendor = register("vendor")
    ticket = ticket_for(vendor)
    assert ticket.startswith("rtk_")
    items = boto3.client("dynamodb").scan(TableName="intentbid-test-realtime")["Items"]
    assert [i["id"]["S"] for i in items] == ["tkt#" + hashlib.sha256(ticket.encode()).hexdigest()]
    assert ticket not in json.dumps(items)
    context = authorize(ticket)
    assert context == {
        "owner_kind": "vendor",
        "owner_id": vendor["id"],
        "environment": "live",
        "key_id": vendor["key_id"],
    }
    assert authorize(ticket) is None  # used: 401
    assert authorize("rtk_" + "x" * 43) is None  # unknown: 401
    assert authorize(None) is None and authorize("") is None


def test_an_expired_ticket_is_refused(channel: dict[str, Any]) -> None:
    ticket = ticket_for(register("buyer"))
    later(61)  # the product's clock, however an earlier test left it (set_clock overrides any offset)
    try:
        assert authorize(ticket) is None
    finally:
        clock.set_clock(None)


def test_a_sandbox_key_gets_a_sandbox_ticket_and_admins_none(channel: dict[str, Any]) -> None:
    sandbox = register("buyer", "Sand", sandbox=True)
    context = authorize(ticket_for(sandbox))
    assert context is not None and context["environment"] == "test" and context["owner_kind"] == "buyer"
    status, _, out = invoke("realtime_ticket", principal={"kind": "admin", "id": "adm_x", "scopes": ["admin"]})
    assert status == 403, out


def test_connect_and_disconnect_keep_the_connection_under_its_principal(channel: dict[str, Any]) -> None:
    vendor = register("vendor")
    connect(vendor, "conn-v")
    assert rt_store.connections_of("live", vendor["id"]) == ["conn-v"]
    assert rt_store.connections_of_audience("live", "vendor") == ["conn-v"]
    assert rt_store.connections_of_audience("test", "vendor") == []
    # the connect route never trusts anything but the authorizer's context
    assert call("realtime_connect", websocket.connect_event("conn-x", "h", {}, {}, {})) == {"statusCode": 401}
    assert call("realtime_disconnect", websocket.disconnect_event("conn-v", "h")) == {"statusCode": 200}
    assert rt_store.connections_of("live", vendor["id"]) == []
    assert call("realtime_disconnect", websocket.disconnect_event("conn-v", "h")) == {"statusCode": 200}


def test_events_reach_only_their_recipients_connections(channel: dict[str, Any]) -> None:
    _dispatched.clear()
    api: FakeManagementApi = channel["api"]
    buyer, other_buyer = register("buyer"), register("buyer", "Other")
    v1, v2 = register("vendor", "V1"), register("vendor", "V2")
    sandbox_vendor = register("vendor", "V3", sandbox=True)
    for who, cid in ((buyer, "b"), (other_buyer, "ob"), (v1, "v1"), (v2, "v2"), (sandbox_vendor, "v3")):
        connect(who, cid)
    dispatch_and_push(channel)  # the registrations' key.created
    api.posts.clear()

    rfo = create_rfo(buyer)
    assert dispatch_and_push(channel) == ["rfo.created"]
    assert sorted(cid for cid, _ in api.posts) == ["b", "v1", "v2"]  # not the sandbox vendor, not another buyer
    bodies = dict(api.posts)
    assert bodies["b"]["data"]["object"]["buyer_id"] == buyer["id"]
    assert bodies["v1"]["data"]["object"].get("buyer_id") is None  # the vendor's view, as its webhooks get
    assert bodies["v1"]["id"] == bodies["b"]["id"] and bodies["v1"]["id"].startswith("evt_")
    api.posts.clear()

    status, offer = submit(v1, rfo["id"])
    assert status == 201, offer
    assert dispatch_and_push(channel) == ["offer.submitted"]
    assert [(cid, p["type"]) for cid, p in api.posts] == [("b", "offer.submitted")]  # never another vendor
    assert api.got("v2") == [] and api.got("v1") == []
    api.posts.clear()

    sandbox_buyer = register("buyer", "SandB", sandbox=True)
    dispatch_and_push(channel)
    api.posts.clear()
    create_rfo(sandbox_buyer)
    assert dispatch_and_push(channel) == ["rfo.created"]
    assert [cid for cid, _ in api.posts] == ["v3"]  # sandbox to sandbox only


def test_a_gone_connection_is_deleted_and_the_others_still_get_the_event(channel: dict[str, Any]) -> None:
    _dispatched.clear()
    api: FakeManagementApi = channel["api"]
    buyer, vendor = register("buyer"), register("vendor")
    connect(vendor, "alive")
    connect(vendor, "dead")
    api.gone.add("dead")
    dispatch_and_push(channel)
    api.posts.clear()
    create_rfo(buyer)
    assert dispatch_and_push(channel) == ["rfo.created"]
    assert api.got("alive") == ["rfo.created"]
    assert rt_store.connections_of("live", vendor["id"]) == ["alive"]


def test_without_a_realtime_queue_nothing_is_queued_and_without_a_url_no_ticket(
    channel: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REALTIME_URL")
    status, _, out = invoke("realtime_ticket", principal=register("vendor"))
    assert status == 503 and out["code"] == "service_unavailable", out

"""The event log on moto with the real handlers: outbox stream -> dispatcher -> the log -> ``GET /v1/events``.

Who sees what (own events, the vendors' audience partition for ``rfo.created``, never another vendor's offer),
sandbox and live apart, newest first with a cursor over both partitions, the ``type`` and ``since`` filters, a
redelivered stream record logging nothing twice, the TTL attribute, and every logged envelope byte-for-byte the
one its webhooks carry and valid against the type's schema in the OpenAPI document's ``webhooks`` section."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from helpers import create_rfo, register, submit
from jsonschema import Draft202012Validator
from lambda_harness import call, invoke, stream_inserts

from intentbid.domain import clock, event_log
from intentbid.openapi import build, event_schema
from intentbid.services import fanout

pytestmark = pytest.mark.usefixtures("aws")

TABLE = "intentbid-test-events"


class Outbox:
    """Feeds the outbox's new events to outbox_dispatch, as the stream would (each once, unless replayed), and
    keeps what the webhook channel was handed for each event (its recipients' envelopes, as they are signed)."""

    def __init__(self) -> None:
        self.done: set[str] = set()
        self.images: dict[str, dict[str, Any]] = {}
        self.to_webhooks: dict[str, fanout.Event] = {}

    def webhook_bodies(self, who: dict[str, Any], event_id: str) -> list[dict[str, Any]]:
        ev = self.to_webhooks[event_id]
        return [json.loads(r.body) for r in ev.recipients if r.owner_id in (who["id"], "*") and r.kind == who["kind"]]

    def dispatch(self) -> list[str]:
        items = boto3.client("dynamodb").scan(TableName="intentbid-test-outbox")["Items"]
        fresh = sorted((i for i in items if i["id"]["S"] not in self.done), key=lambda i: i["id"]["S"])
        if fresh:
            assert call("outbox_dispatch", stream_inserts(*fresh)) == {"batchItemFailures": []}
        for i in fresh:
            self.done.add(i["id"]["S"])
            self.images[i["id"]["S"]] = i
        return [i["type"]["S"] for i in fresh]

    def replay(self, event_id: str) -> None:
        assert call("outbox_dispatch", stream_inserts(self.images[event_id])) == {"batchItemFailures": []}


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch) -> Outbox:
    box = Outbox()
    webhooks = fanout._webhooks

    def spy(ev: fanout.Event) -> int:
        box.to_webhooks[ev.id] = ev
        return webhooks(ev)

    monkeypatch.setattr(fanout, "_webhooks", spy)
    return box


def events_of(who: dict[str, Any], **query: Any) -> list[dict[str, Any]]:
    """Every event of ``who`` (following the cursor), newest first."""
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        q = {**{k: str(v) for k, v in query.items()}, **({"cursor": cursor} if cursor else {})}
        status, _, body = invoke("event_list", principal=who, query=q)
        assert status == 200, body
        out += body["data"]
        cursor = body["next_cursor"]
        if cursor is None:
            return out


def types(evts: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in evts]


def _validator(event_type: str) -> Draft202012Validator:
    doc = build()
    return Draft202012Validator({**event_schema(event_type), "components": doc["components"]})


def assert_valid(evt: dict[str, Any]) -> None:
    errors = sorted(_validator(evt["type"]).iter_errors(evt), key=str)
    assert not errors, (evt["type"], [e.message for e in errors[:3]])


def test_each_account_reads_its_own_events_and_never_another_vendors(outbox: Outbox) -> None:
    buyer, other_buyer = register("buyer"), register("buyer", "Other")
    v1, v2, v3 = register("vendor", "V1"), register("vendor", "V2"), register("vendor", "V3")
    outbox.dispatch()
    rfo = create_rfo(buyer)
    status, offer = submit(v1, rfo["id"])
    assert status == 201, offer
    status, offer2 = submit(v2, rfo["id"], unit_price=2_900)
    assert status == 201, offer2
    status, _, out = invoke("rfo_award", principal=buyer, path={"rfo_id": rfo["id"]}, body={"offer_id": offer["id"]})
    assert status == 200, out
    outbox.dispatch()
    outbox.dispatch()  # the award's losers sweep writes nothing more (every loser was marked in the award)

    mine = events_of(buyer)
    assert types(mine) == ["rfo.awarded", "offer.submitted", "offer.submitted", "rfo.created", "key.created"]
    assert {e["data"]["object"]["id"] for e in mine if e["type"] == "offer.submitted"} == {offer["id"], offer2["id"]}
    assert mine[-2]["data"]["object"]["buyer_id"] == buyer["id"]  # the buyer's view of its RFO
    # a vendor: the audience's rfo.created (its view: no buyer), the award of an RFO it bid on, its own outcome
    # (the award's events share its instant: their order among themselves is the event ids')
    assert sorted(types(events_of(v1))[:2]) == ["offer.won", "rfo.awarded"]
    assert types(events_of(v1))[2:] == ["rfo.created", "key.created"]
    seen_by_v2 = events_of(v2)
    assert sorted(types(seen_by_v2)[:2]) == ["offer.lost", "rfo.awarded"]
    assert types(seen_by_v2)[2:] == ["rfo.created", "key.created"]
    (lost,) = [e for e in seen_by_v2 if e["type"] == "offer.lost"]
    assert lost["data"]["object"]["id"] == offer2["id"]
    assert all(offer["id"] not in json.dumps(e) for e in seen_by_v2)  # never v1's offer, in any event
    assert seen_by_v2[2]["data"]["object"].get("buyer_id") is None  # the vendor's view of the RFO
    assert types(events_of(v3)) == ["rfo.created", "key.created"]  # bid on nothing
    assert types(events_of(other_buyer)) == ["key.created"]

    # newest first, each the envelope its webhooks carry (the same bytes), valid against its published schema
    for who in (buyer, v1, v2):
        evts = events_of(who)
        assert [e["created_at"] for e in evts] == sorted((e["created_at"] for e in evts), reverse=True)
        for e in evts:
            assert_valid(e)
            assert e in outbox.webhook_bodies(who, e["id"])


def _image(outbox: Outbox, event_id: str) -> dict[str, Any]:
    """The outbox item as the stream's NEW_IMAGE deserialises it."""
    from boto3.dynamodb.types import TypeDeserializer

    raw = outbox.images[event_id]
    return {k: TypeDeserializer().deserialize(v) for k, v in raw.items()}


def test_an_audience_event_is_stored_once_not_once_per_vendor(outbox: Outbox) -> None:
    buyer = register("buyer")
    vendors = [register("vendor", f"V{i}") for i in range(5)]
    outbox.dispatch()
    rfo = create_rfo(buyer)
    assert outbox.dispatch() == ["rfo.created"]
    items = boto3.client("dynamodb").scan(TableName=TABLE)["Items"]
    logged = sorted(i["partition"]["S"] for i in items if i["type"]["S"] == "rfo.created")
    assert logged == [event_log.audience_partition("live", "vendor"), event_log.own_partition("live", buyer["id"])]
    for v in vendors:
        assert [e["data"]["object"]["id"] for e in events_of(v, type="rfo.created")] == [rfo["id"]]


def test_sandbox_and_live_never_mix(outbox: Outbox) -> None:
    live_buyer, live_vendor = register("buyer"), register("vendor")
    sand_buyer, sand_vendor = register("buyer", "Sand", sandbox=True), register("vendor", "SandV", sandbox=True)
    outbox.dispatch()
    live_rfo, sand_rfo = create_rfo(live_buyer), create_rfo(sand_buyer)
    outbox.dispatch()
    live_seen = events_of(live_vendor, type="rfo.created")
    sand_seen = events_of(sand_vendor, type="rfo.created")
    assert [e["data"]["object"]["id"] for e in live_seen] == [live_rfo["id"]]
    assert [e["data"]["object"]["id"] for e in sand_seen] == [sand_rfo["id"]]
    assert all(e["livemode"] is True for e in events_of(live_buyer) + events_of(live_vendor))
    assert all(e["livemode"] is False for e in events_of(sand_buyer) + events_of(sand_vendor))
    # the same account with a key of the other environment sees only that environment's events: none of its
    # own live ones, the sandbox's rfo.created (every sandbox vendor's, as sandbox webhooks get it)
    as_sandbox = events_of({**live_vendor, "environment": "test"})
    assert [(e["type"], e["data"]["object"]["id"], e["livemode"]) for e in as_sandbox] == [
        ("rfo.created", sand_rfo["id"], False)
    ]
    assert events_of({**sand_buyer, "environment": "live"}) == []


def _own_and_audience(outbox: Outbox) -> tuple[dict[str, Any], list[str]]:
    """A vendor with interleaved own events (key.created) and audience events (rfo.created): the ids, newest
    first, as one unpaged read lists them."""
    buyer, vendor = register("buyer"), register("vendor")
    for i in range(4):
        create_rfo(buyer, title=f"RFO {i}")
        outbox.dispatch()
        status, _, _ = invoke(
            "vendor_key_create", principal=vendor, path={"vendor_id": vendor["id"]}, body={"name": f"k{i}"}
        )
        assert status == 201
        outbox.dispatch()
    create_rfo(buyer, title="last")
    outbox.dispatch()
    everything = events_of(vendor, limit=100)
    assert types(everything).count("rfo.created") == 5 and types(everything).count("key.created") == 5
    return vendor, [e["id"] for e in everything]


def test_pages_merge_both_partitions_in_order_without_gaps_or_repeats(outbox: Outbox) -> None:
    vendor, ids = _own_and_audience(outbox)
    for limit in (1, 2, 3, 7, 10):
        pages: list[list[str]] = []
        cursor = None
        while True:
            q = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
            status, _, body = invoke("event_list", principal=vendor, query=q)
            assert status == 200, body
            pages.append([e["id"] for e in body["data"]])
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert [i for p in pages for i in p] == ids, limit
        assert all(len(p) == limit for p in pages[:-1]) and 1 <= len(pages[-1]) <= limit, (limit, pages)
        assert len(pages) == -(-len(ids) // limit), limit  # no empty last page


def test_type_and_since_filters(outbox: Outbox) -> None:
    vendor, _ = _own_and_audience(outbox)
    everything = events_of(vendor)
    created = events_of(vendor, type="rfo.created", limit=2)
    assert [e["id"] for e in created] == [e["id"] for e in everything if e["type"] == "rfo.created"]
    assert types(events_of(vendor, type="key.created", limit=1)) == ["key.created"] * 5
    # since: at or after that event's time, through both partitions, with the type filter too
    pivot = everything[4]
    later = events_of(vendor, since=pivot["created_at"], limit=2)
    assert [e["id"] for e in later] == [e["id"] for e in everything if e["created_at"] >= pivot["created_at"]]
    assert pivot["id"] in [e["id"] for e in later]
    typed = events_of(vendor, since=pivot["created_at"], type="rfo.created")
    assert [e["id"] for e in typed] == [
        e["id"] for e in everything if e["created_at"] >= pivot["created_at"] and e["type"] == "rfo.created"
    ]
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert events_of(vendor, since=future) == []


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"type": "offer.submitted"}, "event_not_available"),  # a buyer's type, never a vendor's
        ({"type": "rfo.deleted"}, "unknown_event_type"),
        ({"since": "yesterday"}, "validation_failed"),
        ({"cursor": "eyJvd24iOnsiUyI6Ii0ifSwiYXVkIjp7IlMiOiItIn19"}, "invalid_cursor"),  # both exhausted: never written
        ({"cursor": "eyJvd24iOnsiUyI6IngifSwiYXVkIjp7IlMiOiIifX0"}, "invalid_cursor"),  # a position that is no key
        ({"cursor": "eyJpZCI6eyJTIjoieCJ9fQ"}, "invalid_cursor"),  # another listing's cursor
        ({"limit": "0"}, "validation_failed"),
    ],
)
def test_bad_queries_are_400(query: dict[str, str], code: str) -> None:
    vendor = register("vendor")
    status, _, body = invoke("event_list", principal=vendor, query=query)
    assert status == 400, body
    assert code in (body["code"], *(e["code"] for e in body.get("errors", []))), body


def test_a_redelivered_stream_record_logs_nothing_twice(outbox: Outbox) -> None:
    buyer, vendor = register("buyer"), register("vendor")
    outbox.dispatch()
    create_rfo(buyer)
    outbox.dispatch()
    (rfo_event,) = [e for e in events_of(vendor) if e["type"] == "rfo.created"]
    before = boto3.client("dynamodb").scan(TableName=TABLE)["Items"]
    outbox.replay(rfo_event["id"])
    outbox.replay(rfo_event["id"])
    after = boto3.client("dynamodb").scan(TableName=TABLE)["Items"]
    assert sorted(map(json.dumps, after)) == sorted(map(json.dumps, before))
    assert types(events_of(vendor)).count("rfo.created") == 1
    assert types(events_of(buyer)).count("rfo.created") == 1
    ev = fanout.event_of(_image(outbox, rfo_event["id"]))
    assert ev is not None
    from intentbid.services import event_log as channel

    assert channel.record(ev) == 0


def test_entries_expire_after_thirty_days_by_ttl(outbox: Outbox) -> None:
    ddb = boto3.client("dynamodb")
    ttl = ddb.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expire_at"}
    register("vendor")
    outbox.dispatch()
    (item,) = ddb.scan(TableName=TABLE)["Items"]
    (evt,) = events_of({"kind": "vendor", "id": item["partition"]["S"].split("#")[2], "scopes": ["webhooks:manage"]})
    created = clock.parse_rfc3339(evt["created_at"])
    assert int(item["expire_at"]["N"]) == int(created.timestamp()) + 30 * 86_400

"""The event log's pure parts: keys, partitions, the two-partition merge and its positions, the entries an event
makes (an audience once), and the OpenAPI ``webhooks`` section (one entry per catalog type, each envelope's
``data.object`` the object the API returns)."""

from __future__ import annotations

import json
import random

import pytest
from jsonschema import Draft202012Validator

from intentbid.domain import event_log
from intentbid.domain.event_log import DONE, START, Entry
from intentbid.domain.events import CATALOG
from intentbid.openapi import build, event_schema, resolve
from intentbid.schemas.events import OBJECT_SCHEMAS
from intentbid.services import event_log as channel
from intentbid.services.fanout import Event, Recipient

EVT = "evt_01M8TFJ7A2D4QK8V6S1W3YB5N"


def _entries(name: str, times: list[int]) -> list[Entry]:
    return [Entry(event_log.sort_key(t, f"{EVT}{i % 10}"), f"{name}{t}") for i, t in enumerate(times)]


def test_sort_keys_sort_by_time_and_since_bounds_them() -> None:
    a, b = event_log.sort_key(999, EVT + "Z"), event_log.sort_key(1_000, EVT + "0")
    assert a < b and event_log.SORT_KEY.fullmatch(a)
    assert event_log.since_key(1_000) <= b and event_log.since_key(1_001) > b
    assert event_log.since_key(999) <= a  # at or after: the same millisecond counts


def test_millis_is_exact() -> None:
    from datetime import UTC, datetime

    assert event_log.millis(datetime(2026, 12, 3, 10, 0, 0, 123_999, tzinfo=UTC)) == 1_796_292_000_123


def test_partitions_keep_environments_and_kinds_apart() -> None:
    assert event_log.partition_of("live", "ven_1", "vendor") == "own#live#ven_1"
    assert event_log.partition_of("live", "*", "vendor") == "aud#live#vendor"
    assert event_log.partitions_read("test", "ven_1", "vendor") == {"own": "own#test#ven_1", "aud": "aud#test#vendor"}
    assert event_log.partition_of("test", "*", "vendor") != event_log.partition_of("live", "*", "vendor")


def _walk(own: list[Entry], aud: list[Entry], limit: int) -> list[list[str]]:
    """Page through two sources as the store does: each fetch is up to limit + 1 entries below the position."""

    def below(entries: list[Entry], pos: str) -> list[Entry]:
        if pos == DONE:
            return []
        return [e for e in entries if not pos or e.sk < pos][: limit + 1]

    positions = {"own": START, "aud": START}
    pages = []
    while True:
        fetched = {"own": below(own, positions["own"]), "aud": below(aud, positions["aud"])}
        page, positions = event_log.merge(fetched, positions, limit)
        pages.append([e.body for e in page])
        if event_log.finished(positions):
            return pages


@pytest.mark.parametrize("seed", range(20))
def test_merge_pages_are_newest_first_without_gaps_repeats_or_empty_pages(seed: int) -> None:
    rnd = random.Random(seed)
    own = sorted(_entries("o", rnd.sample(range(10_000), rnd.randint(0, 12))), key=lambda e: e.sk, reverse=True)
    aud = sorted(_entries("a", rnd.sample(range(10_000), rnd.randint(0, 12))), key=lambda e: e.sk, reverse=True)
    every = [e.body for e in sorted(own + aud, key=lambda e: e.sk, reverse=True)]
    limit = rnd.randint(1, 6)
    pages = _walk(own, aud, limit)
    assert [b for p in pages for b in p] == every
    assert all(len(p) == limit for p in pages[:-1])
    assert len(pages) == max(1, -(-len(every) // limit))


def test_a_source_not_taken_from_keeps_its_position_and_an_emptied_one_is_done() -> None:
    own = _entries("o", [9, 8, 7])
    page, after = event_log.merge({"own": own, "aud": []}, {"own": START, "aud": START}, 2)
    assert [e.body for e in page] == ["o9", "o8"] and after == {"own": own[1].sk, "aud": DONE}
    page, after = event_log.merge({"own": [], "aud": _entries("a", [5])}, {"own": DONE, "aud": START}, 2)
    assert [e.body for e in page] == ["a5"] and event_log.finished(after)
    newer = _entries("a", [20, 19, 18])
    page, after = event_log.merge({"own": own, "aud": newer}, {"own": START, "aud": START}, 2)
    assert after["own"] == START  # none of its entries taken: read again from the newest next time


@pytest.mark.parametrize("value", ["", "-", event_log.sort_key(1, EVT + "0")])
def test_valid_positions(value: str) -> None:
    assert event_log.valid_position(value)


@pytest.mark.parametrize("value", ["x", "1#evt_1", event_log.sort_key(1, EVT + "0") + " ", "--"])
def test_invalid_positions(value: str) -> None:
    assert not event_log.valid_position(value)


def _event(*recipients: Recipient) -> Event:
    return Event(EVT + "0", "rfo.created", "live", "2026-12-03T10:00:00.123000Z", None, recipients)


def test_an_event_makes_one_entry_per_partition_and_an_audience_one() -> None:
    ev = _event(
        Recipient("buy_1", "buyer", "buyer", b'{"b":1}'),
        Recipient("*", "vendor", "vendor", b'{"v":1}'),
        Recipient("buy_1", "buyer", "buyer", b'{"b":2}'),  # the same partition again: the first wins
        Recipient("adm_1", "admin", "admin", b"{}"),  # ops: not a reader of GET /v1/events
    )
    sk = event_log.sort_key(1_796_292_000_123, EVT + "0")
    assert channel.entries(ev) == [
        ("own#live#buy_1", sk, '{"b":1}'),
        ("aud#live#vendor", sk, '{"v":1}'),
    ]
    assert channel.entries(_event()) == []


def test_every_catalog_type_has_a_webhooks_entry_and_an_object_schema() -> None:
    doc = build()
    assert set(OBJECT_SCHEMAS) == set(CATALOG)
    assert list(doc["webhooks"]) == list(CATALOG)
    for event_type, entry in doc["webhooks"].items():
        schema = entry["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert schema == event_schema(event_type)
        assert schema["properties"]["type"]["const"] == event_type
        ref = OBJECT_SCHEMAS[event_type]
        obj = schema["properties"]["data"]["anyOf"][0]["properties"]["object"]
        if ref:
            name = resolve(ref).__name__
            assert obj == {"$ref": f"#/components/schemas/{name}"} and name in doc["components"]["schemas"]
        Draft202012Validator.check_schema(schema)
        assert entry["post"]["operationId"] == "event_" + event_type.replace(".", "_")


def test_an_example_event_validates_and_a_wrong_object_does_not() -> None:
    doc = build()
    media = doc["paths"]["/v1/events"]["get"]["responses"]["200"]["content"]["application/json"]
    (example,) = media["examples"].values()
    for evt in example["value"]["data"]:
        v = Draft202012Validator({**event_schema(evt["type"]), "components": doc["components"]})
        assert list(v.iter_errors(evt)) == []
        wrong = json.loads(json.dumps(evt))
        wrong["data"]["object"] = {"id": "x"}
        assert list(v.iter_errors(wrong)) != []
        assert list(v.iter_errors({**evt, "type": "offer.lost" if evt["type"] != "offer.lost" else "x"})) != []
    thin = {**example["value"]["data"][0], "data": {"object": {"id": "off_1", "object": "offer"}, "url": None}}
    assert (
        list(Draft202012Validator({**event_schema(thin["type"]), "components": doc["components"]}).iter_errors(thin))
        == []
    )

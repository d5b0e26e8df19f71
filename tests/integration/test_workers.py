"""Event-source workers on moto: rfo_expire (SQS, partial batch failures) and outbox_dispatch (stream)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from helpers import create_rfo, register, submit
from lambda_harness import call, invoke, sqs_messages, stream_inserts

from intentbid.domain import clock, ids
from intentbid_local.timefmt import later, rfc3339

pytestmark = pytest.mark.usefixtures("aws")


def outbox_events() -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName="intentbid-test-outbox")["Items"]
    return sorted(({k: next(iter(v.values())) for k, v in i.items()} for i in items), key=lambda e: e["id"])


@pytest.fixture(autouse=True)
def _real_clock_after() -> Any:
    yield
    clock.set_clock(None)


def test_expiry_worker_expires_due_rfos_once_and_ignores_stale_messages() -> None:
    buyer = register("buyer")
    rfo = create_rfo(buyer, expires_at=rfc3339(datetime.now(UTC) + timedelta(seconds=600)))
    msg = {"rfo_id": rfo["id"], "expires_at": rfo["expires_at"], "deadline_version": 1}
    with pytest.raises(BatchProcessingError):  # not due yet, and the whole batch failed: SQS redelivers it
        call("rfo_expire", sqs_messages(msg))
    filler = {**msg, "rfo_id": "rfo_01ARZ3NDEKTSV4RRFFQ69G5FAV"}
    early = call("rfo_expire", sqs_messages(msg, filler))
    assert early == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    later(700)  # the clock jumps past the deadline: no real waiting, no race with a loaded machine
    stale = {**msg, "deadline_version": 0}
    unknown = {**msg, "rfo_id": "rfo_01ARZ3NDEKTSV4RRFFQ69G5FAV"}
    assert call("rfo_expire", sqs_messages(msg, stale, unknown)) == {"batchItemFailures": []}
    assert invoke("rfo_get", principal=buyer, path={"rfo_id": rfo["id"]})[2]["status"] == "EXPIRED"
    assert call("rfo_expire", sqs_messages(msg)) == {"batchItemFailures": []}  # idempotent
    expired = [e for e in outbox_events() if e["type"] == "rfo.expired"]
    assert len(expired) == 1 and json.loads(expired[0]["payload"])["rfo_id"] == rfo["id"]


def test_a_malformed_message_fails_alone() -> None:
    event = sqs_messages({"nothing": True}, {"rfo_id": "rfo_x", "deadline_version": 1})
    assert call("rfo_expire", event) == {"batchItemFailures": [{"itemIdentifier": "m0"}]}


def test_outbox_dispatch_handles_stream_inserts_and_reports_bad_records(capsys: pytest.CaptureFixture[str]) -> None:
    buyer = register("buyer")
    create_rfo(buyer)
    events = outbox_events()
    assert [e["type"] for e in events] == ["key.created", "rfo.created"]
    ddb = boto3.client("dynamodb")
    images = [ddb.get_item(TableName="intentbid-test-outbox", Key={"id": {"S": e["id"]}})["Item"] for e in events]
    event = stream_inserts(*images)
    event["Records"] += stream_inserts({"id": {"S": "evt_bad"}}, first_sequence=999)["Records"]
    capsys.readouterr()
    result = call("outbox_dispatch", event)
    assert result == {"batchItemFailures": [{"itemIdentifier": "999"}]}
    out = capsys.readouterr().out
    assert '"event_type":"rfo.created"' in out and '"event_type":"key.created"' in out


def _dispatch_pending(done: set[str]) -> int:
    """Feed every ``rfo.losers_pending`` event not yet dispatched to outbox_dispatch (as its stream would)."""
    ddb = boto3.client("dynamodb")
    pending = [e for e in outbox_events() if e["type"] == "rfo.losers_pending" and e["id"] not in done]
    for e in pending:
        image = ddb.get_item(TableName="intentbid-test-outbox", Key={"id": {"S": e["id"]}})["Item"]
        assert call("outbox_dispatch", stream_inserts(image)) == {"batchItemFailures": []}
        done.add(e["id"])
    return len(pending)


def test_an_award_of_150_offers_ends_every_offer_won_or_lost_with_one_event_each() -> None:
    from intentbid.store.models.offers import OfferModel

    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    status, winner = submit(vendor, rfo["id"])
    assert status == 201, winner
    template = OfferModel.get(rfo["id"], winner["id"], consistent_read=True).attribute_values
    fields = {k: v for k, v in template.items() if k not in ("rfo_id", "id")}
    with OfferModel.batch_write() as batch:  # more offers than one transaction holds (one vendor's limits aside)
        for _ in range(149):
            batch.save(OfferModel(rfo["id"], ids.new_id("off"), **fields))
    other = register("vendor", "Other")
    _, withdrawn = submit(other, rfo["id"])
    assert invoke("offer_withdraw", principal=other, path={"offer_id": withdrawn["id"]})[0] == 200
    body = {"offer_id": winner["id"]}
    status, _, awarded = invoke("rfo_award", principal=buyer, path={"rfo_id": rfo["id"]}, body=body)
    assert status == 200 and awarded["status"] == "AWARDED"

    def stored() -> dict[str, str]:
        return {o.id: o.status for o in OfferModel.query(rfo["id"], consistent_read=True)}

    assert list(stored().values()).count("active") == 149 - 47  # the transaction held 47 losers
    done: set[str] = set()
    rounds = 0
    while _dispatch_pending(done):
        rounds += 1
    statuses = stored()
    assert len(statuses) == 151 and statuses[winner["id"]] == "won" and statuses[withdrawn["id"]] == "withdrawn"
    assert sorted(statuses.values()).count("lost") == 149
    assert rounds == 3  # the award's sweep event, then one continuation per full batch of 49
    lost = [json.loads(e["payload"])["offer_id"] for e in outbox_events() if e["type"] == "offer.lost"]
    assert sorted(lost) == sorted(k for k, v in statuses.items() if v == "lost")  # exactly one event each
    assert [e["subject_id"] for e in outbox_events() if e["type"] == "offer.won"] == [winner["id"]]

    # redelivery (at-least-once streams): every sweep event again writes nothing more
    redelivered = [e for e in outbox_events() if e["type"] == "rfo.losers_pending"]
    assert _dispatch_pending(set()) == len(redelivered)
    assert len([e for e in outbox_events() if e["type"] == "offer.lost"]) == len(lost)

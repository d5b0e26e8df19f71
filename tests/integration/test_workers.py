"""Event-source workers on moto: rfo_expire (SQS, partial batch failures) and outbox_dispatch (stream)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from helpers import create_rfo, register
from lambda_harness import call, invoke, sqs_messages, stream_inserts

from intentbid.domain import clock
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

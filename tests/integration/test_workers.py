"""Event-source workers on moto: rfo_expire (SQS, partial batch failures) and outbox_dispatch (stream)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from helpers import create_rfo, iso, register
from lambda_harness import Context, invoke, load_function

from intentbid.domain import clock

pytestmark = pytest.mark.usefixtures("aws")


def sqs_event(*bodies: dict[str, Any]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": f"r{i}",
                "body": json.dumps(b),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "0",
                    "SenderId": "x",
                    "ApproximateFirstReceiveTimestamp": "0",
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:intentbid-test-rfo-expiry",
                "awsRegion": "us-east-1",
            }
            for i, b in enumerate(bodies)
        ]
    }


def outbox_events() -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName="intentbid-test-outbox")["Items"]
    return sorted(({k: next(iter(v.values())) for k, v in i.items()} for i in items), key=lambda e: e["id"])


def later(seconds: float) -> None:
    clock.set_clock(lambda: datetime.now(UTC).timestamp() + seconds)


@pytest.fixture(autouse=True)
def _real_clock_after() -> Any:
    yield
    clock.set_clock(None)


def test_expiry_worker_expires_due_rfos_once_and_ignores_stale_messages() -> None:
    buyer = register("buyer")
    rfo = create_rfo(buyer, expires_at=iso(datetime.now(UTC) + timedelta(seconds=600)))
    worker = load_function("rfo_expire")
    msg = {"rfo_id": rfo["id"], "expires_at": rfo["expires_at"], "deadline_version": 1}
    with pytest.raises(BatchProcessingError):  # not due yet, and the whole batch failed: SQS redelivers it
        worker.handler(sqs_event(msg), Context())
    filler = {**msg, "rfo_id": "rfo_01ARZ3NDEKTSV4RRFFQ69G5FAV"}
    early = worker.handler(sqs_event(msg, filler), Context())
    assert early == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    later(700)  # the clock jumps past the deadline: no real waiting, no race with a loaded machine
    stale = {**msg, "deadline_version": 0}
    unknown = {**msg, "rfo_id": "rfo_01ARZ3NDEKTSV4RRFFQ69G5FAV"}
    assert worker.handler(sqs_event(msg, stale, unknown), Context()) == {"batchItemFailures": []}
    assert invoke("rfo_get", principal=buyer, path={"rfo_id": rfo["id"]})[2]["status"] == "EXPIRED"
    assert worker.handler(sqs_event(msg), Context()) == {"batchItemFailures": []}  # idempotent
    expired = [e for e in outbox_events() if e["type"] == "rfo.expired"]
    assert len(expired) == 1 and json.loads(expired[0]["payload"])["rfo_id"] == rfo["id"]


def test_a_malformed_message_fails_alone() -> None:
    worker = load_function("rfo_expire")
    event = sqs_event({"nothing": True})
    event["Records"].append(sqs_event({"rfo_id": "rfo_x", "deadline_version": 1})["Records"][0] | {"messageId": "ok"})
    assert worker.handler(event, Context()) == {"batchItemFailures": [{"itemIdentifier": "m0"}]}


def test_outbox_dispatch_handles_stream_inserts_and_reports_bad_records(capsys: pytest.CaptureFixture[str]) -> None:
    buyer = register("buyer")
    create_rfo(buyer)
    events = outbox_events()
    assert [e["type"] for e in events] == ["key.created", "rfo.created"]
    ddb = boto3.client("dynamodb")
    records = []
    for n, e in enumerate(events):
        item = ddb.get_item(TableName="intentbid-test-outbox", Key={"id": {"S": e["id"]}})["Item"]
        records.append(
            {
                "eventID": str(n),
                "eventName": "INSERT",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": {
                    "Keys": {"id": item["id"]},
                    "NewImage": item,
                    "SequenceNumber": str(100 + n),
                    "SizeBytes": 1,
                    "StreamViewType": "NEW_IMAGE",
                },
            }
        )
    records.append(
        {
            "eventID": "bad",
            "eventName": "INSERT",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": {
                "Keys": {"id": {"S": "evt_bad"}},
                "NewImage": {"id": {"S": "evt_bad"}},
                "SequenceNumber": "999",
                "SizeBytes": 1,
                "StreamViewType": "NEW_IMAGE",
            },
        }
    )
    capsys.readouterr()
    result = load_function("outbox_dispatch").handler({"Records": records}, Context())
    assert result == {"batchItemFailures": [{"itemIdentifier": "999"}]}
    out = capsys.readouterr().out
    assert '"event_type":"rfo.created"' in out and '"event_type":"key.created"' in out

"""The email channel on moto with the real handlers: account settings (PATCH, defaults, validation) -> outbox
stream -> dispatcher -> the email queue (opted-in live accounts only) -> the email worker -> SES (moto): one
MIME message with plain text and HTML, the correlation id header, sent once however often it is redelivered."""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from email import policy
from typing import Any

import boto3
import pytest
from helpers import create_rfo, register, submit
from lambda_harness import call, invoke, stream_inserts

from intentbid.services import email_channel, fanout
from intentbid.store import emails
from intentbid_local import mail_view
from intentbid_local.lambda_events import sqs_event

pytestmark = pytest.mark.usefixtures("aws")

SENDER = mail_view.SENDER


def _clear() -> None:
    for cached in (fanout._sqs, email_channel._sqs, email_channel._ses):
        cached.cache_clear()


@pytest.fixture
def mail(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    _clear()
    sqs = boto3.client("sqs")
    sqs.create_queue(QueueName="intentbid-test-email-dlq")
    url = sqs.create_queue(QueueName="intentbid-test-email", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    mail_view.verify_sender(boto3.client("sesv2"))
    monkeypatch.setenv("QUEUE_URL_EMAIL", url)
    monkeypatch.setenv("EMAIL_FROM", SENDER)
    yield url
    _clear()


_dispatched: set[str] = set()


def dispatch_all() -> list[str]:
    """Feed every outbox event not yet dispatched to outbox_dispatch, as the stream would; their types."""
    items = sorted(
        boto3.client("dynamodb").scan(TableName="intentbid-test-outbox")["Items"], key=lambda i: i["id"]["S"]
    )
    fresh = [i for i in items if i["id"]["S"] not in _dispatched]
    if fresh:
        assert call("outbox_dispatch", stream_inserts(*fresh)) == {"batchItemFailures": []}
    _dispatched.update(i["id"]["S"] for i in fresh)
    return [i["type"]["S"] for i in fresh]


def receive(url: str) -> list[dict[str, Any]]:
    sqs, out = boto3.client("sqs"), []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", []):
        out += got
    return out


def queued(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((json.loads(m["Body"])["event_type"], json.loads(m["Body"])["owner_id"]) for m in messages)


def work(url: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    arn = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return call("email_send", sqs_event(messages, arn))  # type: ignore[no-any-return]


def sent() -> list[dict[str, Any]]:
    return mail_view.sent()


def patch(who: dict[str, Any], body: dict[str, Any], path_id: str | None = None) -> tuple[int, Any]:
    kind = who["kind"]
    status, _, out = invoke(f"{kind}_patch", principal=who, path={f"{kind}_id": path_id or who["id"]}, body=body)
    return status, out


def award(buyer: dict[str, Any], rfo_id: str, offer_id: str, corr: str | None = None) -> None:
    headers = {"X-Correlation-Id": corr} if corr else {}
    status, _, out = invoke(
        "rfo_award", principal=buyer, path={"rfo_id": rfo_id}, body={"offer_id": offer_id}, headers=headers
    )
    assert status == 200, out


def test_settings_default_patch_and_show_in_me_and_registration() -> None:
    vendor, buyer = register("vendor", "Vee"), register("buyer", "Bee")
    status, _, me = invoke("me", principal=vendor)
    assert status == 200
    assert me["notify_email"] == "vee@example.com"
    assert me["email_events"] == ["offer.won", "webhook.disabled", "billing.payment_failed"]
    assert invoke("me", principal=buyer)[2]["email_events"] == ["webhook.disabled"]

    status, out = patch(vendor, {"notify_email": "Ops@Vee.example", "email_events": ["offer.lost", "offer.won"]})
    assert status == 200, out
    assert out["id"] == vendor["id"] and out["object"] == "vendor"
    assert out["notify_email"] == "ops@vee.example" and out["email_events"] == ["offer.won", "offer.lost"]
    assert invoke("me", principal=vendor)[2]["notify_email"] == "ops@vee.example"
    status, out = patch(vendor, {"email_events": []})  # none: the address stays, nothing is sent
    assert status == 200 and out["email_events"] == [] and out["notify_email"] == "ops@vee.example"


def test_patch_refuses_what_is_never_emailed_and_other_accounts() -> None:
    vendor, other, buyer = register("vendor"), register("vendor", "Other"), register("buyer")
    status, out = patch(vendor, {"email_events": ["rfo.created", "nope", "offer.won", "*"]})
    assert status == 400, out
    by_field = {e["field"]: e for e in out["errors"]}
    assert by_field["email_events[0]"]["code"] == "event_not_emailed"
    assert "webhook" in by_field["email_events[0]"]["message"]  # where to get rfo.created instead
    assert by_field["email_events[1]"]["code"] == "unknown_event_type"
    assert by_field["email_events[3]"]["code"] == "event_not_emailed"
    assert "email_events[2]" not in by_field
    status, out = patch(buyer, {"email_events": ["offer.won"]})
    assert status == 400 and out["errors"][0]["code"] == "event_not_available"  # a vendor's event
    assert patch(vendor, {"notify_email": "not-an-address"})[0] == 400
    assert patch(vendor, {})[0] == 400
    assert patch(vendor, {"email_events": ["offer.won"]}, path_id=other["id"])[0] == 404  # never another's
    assert patch(vendor, {"email_events": ["offer.won"]}, path_id="ven_nope")[0] == 404


def test_award_emails_the_winner_once_text_and_html_and_opted_out_get_none(mail: str) -> None:
    _dispatched.clear()
    buyer = register("buyer")
    winner, loser, quiet = register("vendor", "Win"), register("vendor", "Lose"), register("vendor", "Quiet")
    assert patch(loser, {"email_events": ["offer.won", "offer.lost"]})[0] == 200
    assert patch(quiet, {"email_events": []})[0] == 200
    rfo, rfo2 = create_rfo(buyer), create_rfo(buyer)
    status, won = submit(winner, rfo["id"])
    assert status == 201, won
    assert submit(loser, rfo["id"], unit_price=2_900)[0] == 201
    status, quiet_offer = submit(quiet, rfo2["id"])
    assert status == 201
    dispatch_all()
    assert receive(mail) == []  # key.created, rfo.created, offer.submitted: nobody asked for them by email
    award(buyer, rfo["id"], won["id"], corr="corr-email-1")
    award(buyer, rfo2["id"], quiet_offer["id"])
    dispatch_all()
    got = receive(mail)
    # the winner (defaults), the loser (opted in to offer.lost); quiet won but opted out of everything
    assert queued(got) == sorted([("offer.won", winner["id"]), ("offer.lost", loser["id"])])

    assert work(mail, got) == {"batchItemFailures": []}
    out = sent()
    assert sorted(m["to"] for m in out) == ["lose@example.com", "win@example.com"]
    mine = next(m for m in out if m["to"] == "win@example.com")
    assert mine["from"] == SENDER
    assert rfo["id"] in mine["subject"] and "won" in mine["subject"]
    assert won["id"] in mine["text"] and rfo["id"] in mine["text"]
    assert mine["html"].startswith("<!doctype html>") and won["id"] in mine["html"]
    assert mine["headers"]["X-Correlation-Id"] == "corr-email-1"
    assert mine["headers"]["X-IntentBid-Event-Type"] == "offer.won"
    raw = next(m for m in mail_view._backend().sent_messages if "win@example.com" in m.raw_data).raw_data
    parsed = email.message_from_string(raw, policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert "ib_live_" not in raw and "whsec_" not in raw  # no secret ever

    # redelivered (the worker crashed after SES, or SQS delivered twice): nothing is sent again
    assert work(mail, got) == {"batchItemFailures": []}
    assert len(sent()) == 2
    record = emails.get(json.loads(got[0]["Body"])["event_id"], json.loads(got[0]["Body"])["owner_id"])
    assert record is not None and record.status == "sent" and record.ses_message_id


def test_sandbox_events_are_not_emailed(mail: str) -> None:
    _dispatched.clear()
    buyer, vendor = register("buyer", "SB", sandbox=True), register("vendor", "SV", sandbox=True)
    rfo = create_rfo(buyer)
    status, offer = submit(vendor, rfo["id"])
    assert status == 201
    award(buyer, rfo["id"], offer["id"])
    assert "offer.won" in dispatch_all()
    assert receive(mail) == []


def _disabled_image(owner: dict[str, Any], event_id: str = "evt_01disabledtest00000000000") -> dict[str, Any]:
    webhook = {"id": "wh_x", "object": "webhook_endpoint", "url": "https://hooks.example.com/in", "status": "disabled"}
    webhook["disabled_reason"] = "gone"
    return {
        "id": event_id,
        "type": "webhook.disabled",
        "environment": "live",
        "subject_id": "wh_x",
        "created_at": "2026-12-03T12:00:00Z",
        "correlation_id": "corr-disabled",
        "payload": json.dumps(
            {"owner_id": owner["id"], "owner_kind": owner["kind"], "webhook_id": "wh_x", "webhook": webhook}
        ),
    }


def test_webhook_disabled_emails_the_owner_and_ses_failures_come_back(mail: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    buyer = register("buyer", "Hooked")
    # SES refuses an unverified sender: the message is reported failed (it comes back), the claim is released
    monkeypatch.setenv("EMAIL_FROM", "nobody@unverified.example")
    fanout.fan_out(_disabled_image(buyer))
    got = receive(mail)
    assert queued(got) == [("webhook.disabled", buyer["id"])]
    assert work(mail, got) == {"batchItemFailures": [{"itemIdentifier": got[0]["MessageId"]}]}
    assert sent() == []
    monkeypatch.setenv("EMAIL_FROM", SENDER)
    assert work(mail, got) == {"batchItemFailures": []}  # the retry sends at once (claim given back)
    (msg,) = sent()
    assert msg["to"] == "hooked@example.com" and "disabled" in msg["subject"]
    assert "410" in msg["text"] and "https://hooks.example.com/in" in msg["html"]
    assert msg["headers"]["X-Correlation-Id"] == "corr-disabled"


def test_aws_calls_per_email_three_sent_one_duplicate(mail: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted, never timed: a sent email is the claim (PutItem), SES SendEmail and the record (UpdateItem); a
    redelivered one only the refused claim."""
    import botocore.client

    buyer = register("buyer", "Counted")
    fanout.fan_out(_disabled_image(buyer, "evt_01countedcalls0000000000"))
    (msg,) = [json.loads(m["Body"]) for m in receive(mail)]
    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def record(self: Any, operation: str, params: Any) -> Any:
        calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    assert email_channel.deliver(msg) == "sent"
    assert calls == ["PutItem", "SendEmail", "UpdateItem"]
    calls.clear()
    assert email_channel.deliver(msg) == "duplicate"
    assert calls == ["PutItem"]

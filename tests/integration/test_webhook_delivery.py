"""The webhook pipeline on moto with the real handlers: outbox stream -> dispatcher -> the webhook queue (who
receives what: sandbox vs live, subscriptions, disabled endpoints, internal events never) -> the delivery
worker -> a real local receiver (signatures verified with the ``standardwebhooks`` library, a retry after a
503 with the same webhook-id, a 410 disabling, a spent schedule dead in the DLQ, every attempt recorded)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from helpers import create_rfo, register, submit
from lambda_harness import call, invoke, stream_inserts
from standardwebhooks.webhooks import Webhook as Verifier

from intentbid.adapters import expiry_scheduler, outbound
from intentbid.services import deliveries, fanout
from intentbid.store.deliveries import delivery_store
from intentbid.store.port import webhook_store
from intentbid_local.lambda_events import sqs_event
from intentbid_local.webhook_receiver import Receiver

pytestmark = pytest.mark.usefixtures("aws")

PUBLIC = {"hooks.example.com": ["93.184.215.14"]}


def _nx(host: str) -> list[str]:
    raise OSError("no such name")


@pytest.fixture
def queues(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    for cached in (fanout._sqs, deliveries._sqs, expiry_scheduler._sqs, expiry_scheduler._queue_url):
        cached.cache_clear()
    deliveries._opened.clear()
    sqs = boto3.client("sqs")
    dlq = sqs.create_queue(QueueName="intentbid-test-webhook-dlq")["QueueUrl"]
    url = sqs.create_queue(QueueName="intentbid-test-webhook", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    monkeypatch.setenv("QUEUE_URL_WEBHOOK", url)
    monkeypatch.setenv("QUEUE_URL_WEBHOOK_DLQ", dlq)
    monkeypatch.setenv("INTENTBID_WEBHOOK_ALLOW_LOCAL", "true")
    monkeypatch.setenv("INTENTBID_WEBHOOK_CONNECT_TIMEOUT_S", "1")
    monkeypatch.setenv("INTENTBID_WEBHOOK_TIMEOUT_S", "2")
    monkeypatch.setenv("INTENTBID_WEBHOOK_RETRY_SCHEDULE", "0,0,0")
    monkeypatch.setenv("INTENTBID_WEBHOOK_RETRY_JITTER_PCT", "0")
    names = dict(PUBLIC)
    with outbound.use_resolver(lambda host, port: list(names[host]) if host in names else _nx(host)):
        yield {"url": url, "dlq": dlq}
    for cached in (fanout._sqs, deliveries._sqs, expiry_scheduler._sqs, expiry_scheduler._queue_url):
        cached.cache_clear()


def hook(
    who: dict[str, Any], url: str = "https://hooks.example.com/in", events: list[str] | None = None
) -> dict[str, Any]:
    status, _, out = invoke("webhook_create", principal=who, body={"url": url, "events": events or ["*"]})
    assert status == 201, out
    return {"id": out["webhook"]["id"], "secret": out["secret"], "owner": who["id"]}


_dispatched: set[str] = set()


def dispatch_all() -> list[str]:
    """Feed every outbox event not yet dispatched to outbox_dispatch, as the stream would; their types."""
    ddb = boto3.client("dynamodb")
    items = sorted(ddb.scan(TableName="intentbid-test-outbox")["Items"], key=lambda i: i["id"]["S"])
    fresh = [i for i in items if i["id"]["S"] not in _dispatched]
    if fresh:
        assert call("outbox_dispatch", stream_inserts(*fresh)) == {"batchItemFailures": []}
    _dispatched.update(i["id"]["S"] for i in fresh)
    return [i["type"]["S"] for i in fresh]


def receive(queue_url: str, wait_s: float = 0) -> list[dict[str, Any]]:
    """Every message visible now (or within ``wait_s``)."""
    sqs = boto3.client("sqs")
    out: list[dict[str, Any]] = []
    deadline = time.monotonic() + wait_s
    while True:
        got = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"], WaitTimeSeconds=0
        ).get("Messages", [])
        out += got
        if not got and (out or time.monotonic() >= deadline):
            return out
        if not got:
            time.sleep(0.05)


def deliveries_in(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((json.loads(m["Body"])["event_type"], json.loads(m["Body"])["owner_id"]) for m in messages)


def test_fan_out_follows_who_receives_what(queues: dict[str, str]) -> None:
    _dispatched.clear()
    buyer, other_buyer = register("buyer"), register("buyer", "Other")
    v1, v2, v3, v4 = (
        register("vendor", "V1"),
        register("vendor", "V2"),
        register("vendor", "V3", sandbox=True),
        register("vendor", "V4"),
    )
    hooks = {
        "buyer": hook(buyer),
        "other_buyer": hook(other_buyer),
        "v1": hook(v1),
        "v2": hook(v2, events=["offer.won", "offer.lost"]),
        "v3": hook(v3),
        "v4": hook(v4),
    }
    assert (
        invoke("webhook_patch", principal=v4, path={"webhook_id": hooks["v4"]["id"]}, body={"status": "disabled"})[0]
        == 200
    )
    dispatch_all()  # the registrations' key.created (before the endpoints existed: to nobody)
    receive(queues["url"])
    rfo = create_rfo(buyer)
    assert dispatch_all() == ["rfo.created"]
    got = receive(queues["url"])
    # the buyer and every live vendor subscribed to it: not v2 (filter), v3 (sandbox), v4 (disabled)
    assert deliveries_in(got) == sorted([("rfo.created", buyer["id"]), ("rfo.created", v1["id"])])
    bodies = {json.loads(m["Body"])["owner_id"]: json.loads(json.loads(m["Body"])["body"]) for m in got}
    assert bodies[buyer["id"]]["data"]["object"]["buyer_id"] == buyer["id"]
    assert bodies[v1["id"]]["data"]["object"].get("buyer_id") is None  # the vendor's view of the RFO
    assert bodies[v1["id"]]["livemode"] is True and bodies[v1["id"]]["id"].startswith("evt_")

    status, offer = submit(v1, rfo["id"])
    assert status == 201, offer
    assert submit(v2, rfo["id"], unit_price=2_900)[0] == 201
    assert dispatch_all() == ["offer.submitted", "offer.submitted"]
    got = receive(queues["url"])
    assert deliveries_in(got) == [("offer.submitted", buyer["id"])] * 2  # never another vendor
    status, _, out = invoke("rfo_award", principal=buyer, path={"rfo_id": rfo["id"]}, body={"offer_id": offer["id"]})
    assert status == 200, out
    types = dispatch_all()
    assert "rfo.losers_pending" in types and "rfo.awarded" in types
    got = receive(queues["url"])
    assert deliveries_in(got) == sorted(
        [
            ("rfo.awarded", buyer["id"]),
            ("rfo.awarded", v1["id"]),  # v1 bid; v2 bid but is not subscribed to rfo.awarded
            ("offer.won", v1["id"]),
            ("offer.lost", v2["id"]),
        ]
    )
    assert all(json.loads(m["Body"])["event_type"] != "rfo.losers_pending" for m in got)

    # sandbox to sandbox only
    sandbox_buyer = register("buyer", "Sand", sandbox=True)
    dispatch_all()
    create_rfo(sandbox_buyer)
    dispatch_all()
    assert deliveries_in(receive(queues["url"])) == [("rfo.created", v3["id"])]


def worker(queue_url: str, wait_s: float = 0) -> dict[str, Any]:
    messages = receive(queue_url, wait_s)
    assert messages, "no delivery message"
    arn = boto3.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    result = call("webhook_deliver", sqs_event(messages, arn))
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    sqs = boto3.client("sqs")
    for m in messages:  # as the event source mapping does: delete what succeeded
        if m["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
    return result


def test_signed_delivery_retried_after_a_503_with_the_same_id_and_recorded(queues: dict[str, str]) -> None:
    _dispatched.clear()
    buyer, vendor = register("buyer"), register("vendor")
    with Receiver() as rx:
        rx.script("/v", (503, {"Retry-After": "0"}), then=200)
        h = hook(vendor, rx.url("/v"), ["rfo.created"])
        status, _, rotated = invoke("webhook_rotate", principal=vendor, path={"webhook_id": h["id"]}, body={})
        assert status == 201
        dispatch_all()
        receive(queues["url"])
        status, _, rfo = invoke(
            "rfo_create",
            principal=buyer,
            body=__import__("helpers").rfo_body(),
            headers={"X-Correlation-Id": "corr-123"},
        )
        assert status == 201, rfo
        dispatch_all()
        first = worker(queues["url"])
        assert len(first["batchItemFailures"]) == 1  # 503: back on the queue (visibility = Retry-After: 0)
        second = worker(queues["url"], wait_s=5)
        assert second == {"batchItemFailures": []}
        got = rx.to("/v")
    assert len(got) == 2
    assert got[0].headers["webhook-id"] == got[1].headers["webhook-id"]
    assert got[0].body == got[1].body
    for r in got:  # both secrets sign during the grace: either one verifies
        for secret in (h["secret"], rotated["secret"]):
            payload = Verifier(secret).verify(r.body, r.headers)
            assert payload["type"] == "rfo.created" and payload["data"]["object"]["id"] == rfo["id"]
        assert r.headers["x-correlation-id"] == "corr-123"
        assert r.headers["user-agent"] == "IntentBid-Webhooks/1"
        assert r.headers["webhook-id"] == json.loads(r.body)["id"]
    (d,) = delivery_store().deliveries_of(h["id"], limit=10, cursor=None)[0]
    assert d.status == "succeeded" and int(d.attempt_count) == 2
    assert [a["response_status"] for a in d.attempts] == [503, 200]
    assert [a["error"] for a in d.attempts] == ["http_status", None]
    assert rotated["secret"] not in json.dumps(d.attempts) and h["secret"] not in d.body


def test_410_disables_and_a_spent_schedule_is_dead_in_the_dlq(queues: dict[str, str]) -> None:
    _dispatched.clear()
    buyer, gone, failing = register("buyer"), register("vendor", "Gone"), register("vendor", "Failing")
    with Receiver() as rx:
        rx.script("/gone", then=410)
        rx.script("/fail", then=500)
        hg = hook(gone, rx.url("/gone"), ["rfo.created"])
        hf = hook(failing, rx.url("/fail"), ["rfo.created"])
        dispatch_all()
        receive(queues["url"])
        create_rfo(buyer)
        dispatch_all()
        for _ in range(3):  # the schedule 0,0,0: three attempts, the last one dead
            worker(queues["url"], wait_s=5)
        assert len(rx.to("/gone")) == 1 and len(rx.to("/fail")) == 3
    w = webhook_store().get_webhook(gone["id"], hg["id"])
    assert w is not None and w.status == "disabled" and w.disabled_reason == "gone"
    assert "webhook.disabled" in dispatch_all()
    (dead,) = delivery_store().deliveries_of(hf["id"], limit=10, cursor=None)[0]
    assert dead.status == "dead" and int(dead.attempt_count) == 3
    in_dlq = receive(queues["dlq"], wait_s=2)
    assert [json.loads(m["Body"])["delivery_id"] for m in in_dlq] == [dead.id]
    assert receive(queues["url"]) == []  # nothing left to try
    f = webhook_store().get_webhook(failing["id"], hf["id"])
    assert f is not None and f.status == "enabled" and f.failing_since is not None


def test_a_slow_receiver_does_not_delay_another_in_the_same_batch(queues: dict[str, str]) -> None:
    _dispatched.clear()
    buyer, slow, fast = register("buyer"), register("vendor", "Slow"), register("vendor", "Fast")
    with Receiver() as rx:
        rx.script("/slow", then=(200, {}, 5.0))  # answers after the 2 s deadline
        rx.script("/fast", then=200)
        hook(slow, rx.url("/slow"), ["rfo.created"])
        hook(fast, rx.url("/fast"), ["rfo.created"])
        dispatch_all()
        receive(queues["url"])
        create_rfo(buyer)
        dispatch_all()
        messages = receive(queues["url"], wait_s=2)
        while len(messages) < 2:
            messages += receive(queues["url"], wait_s=2)
        arn = boto3.client("sqs").get_queue_attributes(QueueUrl=queues["url"], AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        started = time.monotonic()
        result = call("webhook_deliver", sqs_event(messages, arn))
        fast_at = rx.wait_for(lambda got: any(r.path == "/fast" for r in got), timeout=5)
        fast_seen = next(r.at for r in fast_at if r.path == "/fast")
        assert fast_seen - started < 1.5  # not behind the slow one
        assert time.monotonic() - started < 4.5  # the slow one ended at the guard's deadline
    assert len(result["batchItemFailures"]) == 1  # the slow one timed out: it comes back


def test_deliveries_api_test_event_retry_recover_and_tenancy(queues: dict[str, str]) -> None:
    _dispatched.clear()
    buyer, vendor, other = register("buyer"), register("vendor"), register("vendor", "Other")
    with Receiver() as rx:
        rx.script("/d", 500, 500, then=200)
        h = hook(vendor, rx.url("/d"), ["rfo.created"])
        dispatch_all()
        receive(queues["url"])
        rfo = create_rfo(buyer)
        dispatch_all()
        for _ in range(3):  # 500, 500, then 200 on the third attempt (the schedule 0,0,0)
            result = worker(queues["url"], wait_s=5)
            if not result["batchItemFailures"]:
                break
        status, _, page = invoke("webhook_deliveries", principal=vendor, path={"webhook_id": h["id"]})
        assert status == 200, page
        (d,) = page["data"]
        assert d["event_type"] == "rfo.created" and d["status"] == "succeeded" and d["attempt"] == 3
        assert d["response_status"] == 200 and d["attempts"] is None
        path = {"webhook_id": h["id"], "delivery_id": d["id"]}
        status, _, one = invoke("webhook_delivery_get", principal=vendor, path=path)
        assert status == 200 and [a["response_status"] for a in one["attempts"]] == [500, 500, 200]
        assert [a["error"] for a in one["attempts"]] == ["http_status", "http_status", None]
        status, _, page = invoke(
            "webhook_deliveries", principal=vendor, path={"webhook_id": h["id"]}, query={"status": "dead"}
        )
        assert status == 200 and page["data"] == []
        # another tenant: 404 for the endpoint, the delivery, the retry
        assert invoke("webhook_delivery_get", principal=other, path=path)[0] == 404
        assert invoke("webhook_delivery_retry", principal=other, path=path)[0] == 404
        assert invoke("webhook_deliveries", principal=other, path={"webhook_id": h["id"]})[0] == 404
        bogus = {"webhook_id": h["id"], "delivery_id": "dlv_nope"}
        assert invoke("webhook_delivery_get", principal=vendor, path=bogus)[0] == 404

        # a manual retry: one more attempt, same webhook-id
        status, _, queued = invoke("webhook_delivery_retry", principal=vendor, path=path)
        assert status == 202 and queued["delivery"]["status"] == "pending"
        assert worker(queues["url"], wait_s=5) == {"batchItemFailures": []}
        got = rx.to("/d")
        assert len(got) == 4 and len({r.headers["webhook-id"] for r in got}) == 1
        assert json.loads(got[0].body)["data"]["object"]["id"] == rfo["id"]

        # a test event: a real signed delivery whose object is the endpoint
        status, _, queued = invoke("webhook_test", principal=vendor, path={"webhook_id": h["id"]}, body={})
        assert status == 202 and queued["delivery"]["event_type"] == "webhook.test"
        assert worker(queues["url"], wait_s=5) == {"batchItemFailures": []}
        test_req = rx.to("/d")[-1]
        payload = Verifier(h["secret"]).verify(test_req.body, test_req.headers)
        assert payload["type"] == "webhook.test" and payload["data"]["object"]["id"] == h["id"]

        # recover: a failed delivery in the window is queued again, a succeeded one is not
        rx.script("/d", then=500)
        create_rfo(buyer)
        dispatch_all()
        assert worker(queues["url"], wait_s=5)["batchItemFailures"]  # failed, a retry is due
        body = {"since": "2020-01-01T00:00:00Z"}
        status, _, out = invoke("webhook_recover", principal=vendor, path={"webhook_id": h["id"]}, body=body)
        assert status == 202 and out["queued"] == 1, out
        bad = {"since": "2030-01-01T00:00:00Z", "until": "2020-01-01T00:00:00Z"}
        assert invoke("webhook_recover", principal=vendor, path={"webhook_id": h["id"]}, body=bad)[0] == 400


def test_five_days_of_continuous_failure_disable_the_endpoint(
    queues: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from intentbid.domain import clock
    from intentbid_local.timefmt import later

    _dispatched.clear()
    monkeypatch.setenv("INTENTBID_WEBHOOK_RETRY_SCHEDULE", "0,0,0,0")
    buyer, vendor = register("buyer"), register("vendor")
    try:
        with Receiver() as rx:
            rx.script("/down", then=500)
            h = hook(vendor, rx.url("/down"), ["rfo.created"])
            dispatch_all()
            receive(queues["url"])
            create_rfo(buyer)
            dispatch_all()
            worker(queues["url"], wait_s=5)  # the first failure starts the streak
            w = webhook_store().get_webhook(vendor["id"], h["id"])
            assert w is not None and w.status == "enabled" and w.failing_since is not None
            later(5 * 86_400 + 60)  # the clock jumps: no real waiting
            worker(queues["url"], wait_s=5)
    finally:
        clock.set_clock(None)
    w = webhook_store().get_webhook(vendor["id"], h["id"])
    assert w is not None and w.status == "disabled" and w.disabled_reason == "failing"
    assert "webhook.disabled" in dispatch_all()
    status, _, got = invoke("webhook_get", principal=vendor, path={"webhook_id": h["id"]})
    assert status == 200 and got["disabled_reason"] == "failing"

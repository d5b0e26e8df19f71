"""Webhook delivery: one attempt per SQS message (one message per event and endpoint), and the decisions
after it.

An attempt: the endpoint (strongly consistent: a deleted or disabled one gets nothing), its signing secrets
(both during a rotation's grace), the Standard Webhooks headers (``webhook-id`` = the event id, the same on
every retry; a fresh ``webhook-timestamp``), ``x-correlation-id`` of the originating request, then one POST
through the outbound guard (:func:`intentbid.adapters.outbound.post`: pinned address, no redirects, 1 KB read,
one deadline). The attempt is appended to the delivery record, then:

- a 2xx: ``succeeded`` (and the endpoint's failing streak, if any, ends);
- a 410: ``failed``, and the endpoint is disabled at once (``gone``, a ``webhook.disabled`` event);
- anything else: ``failed`` with ``next_attempt_at`` - the message's visibility becomes the next wait of the
  schedule (or the receiver's ``Retry-After`` on 429/503) and the worker reports it failed, so SQS hands it
  back then (:class:`RetryLater`); after the last attempt ``dead``, and the message moves to the DLQ
  (redrivable: a redriven message gets one more attempt);
- the endpoint failing continuously for ``webhook_disable_after_s`` (5 days): disabled (``failing``).

A manual retry or recovery (``single``) is one attempt without a schedule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from intentbid import observability as obs
from intentbid.adapters import outbound
from intentbid.config import settings
from intentbid.domain import clock, ids, webhook_delivery
from intentbid.domain.errors import FieldError, NotFound, ValidationFailed
from intentbid.domain.principal import Principal
from intentbid.schemas.webhooks import (
    Delivery,
    DeliveryPage,
    DeliveryQuery,
    DeliveryQueued,
    Recovered,
    WebhookRecover,
    WebhookTest,
)
from intentbid.services.views.webhooks import delivery_view
from intentbid.store.deliveries import delivery_store
from intentbid.store.port import Actor, Change, ConditionFailed, Target, WebhookEndpoint, webhook_store


class RetryLater(Exception):
    """The attempt failed and another is due in ``seconds``: the message's visibility is set to it."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"next attempt in {seconds}s")
        self.seconds = seconds


@dataclass(frozen=True, slots=True)
class Result:
    status: str  # succeeded | failed | dead | skipped
    attempt: int
    outcome: outbound.Outcome | None = None
    next_wait_s: int | None = None


_opened: dict[tuple[str, str | None], tuple[str, ...]] = {}


def signing_secrets(w: WebhookEndpoint, now: datetime) -> list[str]:
    from intentbid.services.webhooks import signing_secrets as open_secrets

    grace = w.previous_secret_expires_at
    in_grace = bool(w.previous_secret_sealed and grace is not None and grace > now)
    key = (str(w.secret_sealed), w.previous_secret_sealed if in_grace else None)
    if key not in _opened:
        if len(_opened) > 1000:
            _opened.clear()
        _opened[key] = tuple(open_secrets(w, now))
    return list(_opened[key])


def _attempt_record(outcome: outbound.Outcome | None, at: datetime, error: str | None = None) -> dict[str, Any]:
    return {
        "at": clock.to_rfc3339(at),
        "outcome": "succeeded" if outcome is not None and outcome.ok else "failed",
        "response_status": outcome.status if outcome is not None else None,
        "response_ms": outcome.elapsed_ms if outcome is not None else 0,
        "response_excerpt": outcome.excerpt if outcome is not None else "",
        "error": error or (outcome.error if outcome is not None else None),
    }


def _disable(w: WebhookEndpoint, reason: str, now: datetime, correlation_id: str | None) -> bool:
    """Disable ``w`` (by the pipeline) with its audit entry and the ``webhook.disabled`` event; False when it
    changed meanwhile (deleted, disabled or rotated: nothing to do, or the next failure decides again)."""
    from intentbid.services.views.webhooks import webhook_view

    view = webhook_view(w, now).model_dump(mode="json")
    view.update(status="disabled", disabled_reason=reason)
    change = Change(
        Actor.system(correlation_id),
        Target("webhook", w.id, w.environment),
        "webhook_disable",
        "webhook.disabled",
        {"reason": reason},
        now,
        from_status=w.status,
        to_status="disabled",
        reason=reason,
        event_data={"owner_id": w.owner_id, "owner_kind": w.owner_kind, "webhook_id": w.id, "webhook": view},
    )
    try:
        webhook_store().update_webhook(
            w, {"status": "disabled", "disabled_reason": reason, "failing_since": None}, change
        )
    except ConditionFailed:
        return False
    obs.count("WebhooksDisabled", reason=reason)
    obs.logger.warning("webhook endpoint disabled", extra={"webhook_id": w.id, "reason": reason})
    return True


@cache
def _sqs() -> Any:
    import boto3

    return boto3.client("sqs", region_name=settings().deployment.region)


def _to_dlq(msg: dict[str, Any]) -> None:
    url = settings().deployment.queue_url_webhook_dlq
    if not url:
        obs.logger.warning("no webhook DLQ configured: a dead delivery stays only in its record")
        return
    _sqs().send_message(QueueUrl=url, MessageBody=json.dumps(msg, separators=(",", ":")))


def deliver(msg: dict[str, Any]) -> Result:
    """One attempt of the delivery ``msg`` describes (see the module docstring). Raises :class:`RetryLater`
    when another attempt is due."""
    policy = settings().webhooks
    now = clock.now()
    fields = {**msg, "event_created_at": clock.parse_rfc3339(str(msg["event_created_at"]))}
    w = webhook_store().get_webhook(str(msg["owner_id"]), str(msg["webhook_id"]))
    if w is None or w.status == "deleted":
        obs.logger.info("delivery to a deleted endpoint dropped", extra={"webhook_id": msg["webhook_id"]})
        return Result("skipped", 0)
    if w.status != "enabled":
        n = delivery_store().record_attempt(
            fields, _attempt_record(None, now, "endpoint_disabled"), "failed", None, now
        )
        return Result("failed", n)
    body = str(msg["body"]).encode()
    headers = webhook_delivery.request_headers(
        str(msg["event_id"]), int(now.timestamp()), body, signing_secrets(w, now), msg.get("correlation_id")
    )
    outcome = outbound.post(w.url, body, headers, policy=policy)
    at = clock.now()
    obs.timing_ms("WebhookAttemptMs", outcome.elapsed_ms)
    if outcome.ok:
        n = delivery_store().record_attempt(fields, _attempt_record(outcome, at), "succeeded", None, at)
        if w.failing_since is not None:
            webhook_store().set_failing_since(w, None)
        obs.count("WebhookDeliveriesSucceeded")
        return Result("succeeded", n, outcome)
    return _failed(w, msg, fields, outcome, at)


def _failed(
    w: WebhookEndpoint, msg: dict[str, Any], fields: dict[str, Any], outcome: outbound.Outcome, at: datetime
) -> Result:
    """After a failed attempt: disable (410, or failing too long), end (a single attempt), schedule the next
    (:class:`RetryLater`) or declare the delivery dead (DLQ)."""
    policy = settings().webhooks
    obs.count("WebhookAttemptsFailed", error=str(outcome.error))
    if outcome.status == webhook_delivery.GONE:
        n = delivery_store().record_attempt(fields, _attempt_record(outcome, at), "failed", None, at)
        _disable(w, "gone", at, msg.get("correlation_id"))
        return Result("failed", n, outcome)
    # the first failure starts the endpoint's failing streak; one that has lasted long enough disables it
    since = w.failing_since
    if since is None:
        webhook_store().set_failing_since(w, at)
    elif policy.webhook_disable_after_s and (at - since).total_seconds() >= policy.webhook_disable_after_s:
        n = delivery_store().record_attempt(fields, _attempt_record(outcome, at), "failed", None, at)
        _disable(w, "failing", at, msg.get("correlation_id"))
        return Result("failed", n, outcome)
    if msg.get("single"):
        n = delivery_store().record_attempt(fields, _attempt_record(outcome, at), "failed", None, at)
        return Result("failed", n, outcome)
    # the attempt number comes from the record (the first write tells); the wait from the schedule
    n = delivery_store().record_attempt(fields, _attempt_record(outcome, at), "failed", None, at)
    wait = webhook_delivery.next_wait(
        n,
        policy.retry_schedule_s,
        status=outcome.status,
        retry_after=outcome.retry_after,
        jitter_pct=policy.webhook_retry_jitter_pct,
        now=at,
    )
    if wait is None:
        delivery_store().set_status(w.id, str(msg["delivery_id"]), "dead", None)
        _to_dlq(msg)
        obs.count("WebhookDeliveriesDead")
        obs.logger.warning("webhook delivery dead", extra={"webhook_id": w.id, "delivery_id": msg["delivery_id"]})
        return Result("dead", n, outcome)
    delivery_store().set_status(w.id, str(msg["delivery_id"]), "failed", at + timedelta(seconds=wait))
    raise RetryLater(wait)


# --- the owner's API: deliveries, one delivery, retry, test, recover -------------------------------------

RECOVER_MAX = 1000  # deliveries one recovery queues at most (ask again with a later ``since`` for more)


def _own_delivery(p: Principal, webhook_id: str, delivery_id: str) -> tuple[WebhookEndpoint, Any]:
    from intentbid.services.webhooks import _find

    w = _find(p, webhook_id)
    d = delivery_store().get_delivery(w.id, delivery_id) if ids.is_id(delivery_id, "dlv") else None
    if d is None:
        raise NotFound("No such delivery.")
    return w, d


def _fields_of(d: Any) -> dict[str, Any]:
    return {
        "delivery_id": d.id,
        "webhook_id": d.webhook_id,
        "owner_id": d.owner_id,
        "environment": d.environment,
        "event_id": d.event_id,
        "event_type": d.event_type,
        "event_created_at": d.event_created_at,
        "correlation_id": d.correlation_id,
        "body": d.body,
    }


def _requeue(fields: dict[str, Any], now: datetime, correlation_id: str | None = None) -> None:
    from intentbid.services import fanout

    delivery_store().put_pending(fields, now)
    msg = {
        **fields,
        "event_created_at": clock.to_rfc3339(fields["event_created_at"]),
        "correlation_id": correlation_id or fields.get("correlation_id"),
        "single": True,
    }
    fanout.send([msg])  # no queue configured (tests of other parts): recorded pending, logged, not sent


def list_(p: Principal, webhook_id: str, q: DeliveryQuery) -> DeliveryPage:
    from intentbid.services.webhooks import _find

    w = _find(p, webhook_id)
    items, cursor = delivery_store().deliveries_of(w.id, limit=q.limit, cursor=q.cursor, status=q.status)
    return DeliveryPage(data=[delivery_view(d) for d in items], next_cursor=cursor)


def get(p: Principal, webhook_id: str, delivery_id: str) -> Delivery:
    return delivery_view(_own_delivery(p, webhook_id, delivery_id)[1], with_attempts=True)


def retry(p: Principal, webhook_id: str, delivery_id: str) -> DeliveryQueued:
    """One more attempt of a delivery, now (the same body and webhook-id), whatever its status."""
    w, d = _own_delivery(p, webhook_id, delivery_id)
    _requeue(_fields_of(d), clock.now(), _correlation())
    obs.count("WebhookRetriesRequested")
    return DeliveryQueued(delivery=delivery_view(delivery_store().get_delivery(w.id, d.id)))


def test(p: Principal, webhook_id: str, body: WebhookTest) -> DeliveryQueued:
    """A real signed delivery of a ``webhook.test`` event whose object is the endpoint itself."""
    from intentbid.services.views.webhooks import webhook_view
    from intentbid.services.webhooks import _find

    w = _find(p, webhook_id)
    now = clock.now()
    event_id = ids.new_id("evt", at_ms=int(now.timestamp() * 1000))
    obj = webhook_view(w, now).model_dump(mode="json")
    created = clock.to_rfc3339(now)
    payload = webhook_delivery.envelope(event_id, body.type, created, w.environment == "live", obj)
    fields = {
        "delivery_id": webhook_delivery.delivery_id(event_id, w.id, int(now.timestamp() * 1000)),
        "webhook_id": w.id,
        "owner_id": w.owner_id,
        "environment": w.environment,
        "event_id": event_id,
        "event_type": body.type,
        "event_created_at": clock.parse_rfc3339(created),
        "correlation_id": _correlation(),
        "body": payload.decode(),
    }
    _requeue(fields, now)
    obs.count("WebhookTestsSent")
    return DeliveryQueued(delivery=delivery_view(delivery_store().get_delivery(w.id, str(fields["delivery_id"]))))


def recover(p: Principal, webhook_id: str, body: WebhookRecover) -> Recovered:
    """Queue again every failed or dead delivery of the endpoint whose event lies in [since, until]."""
    from intentbid.services.webhooks import _find

    w = _find(p, webhook_id)
    now = clock.now()
    until = body.until or now
    if until < body.since:
        raise ValidationFailed(
            "until is before since.", errors=[FieldError("until", "out_of_range", "until must not be before since")]
        )
    lo = webhook_delivery.delivery_id_bound(int(body.since.timestamp() * 1000), low=True)
    hi = webhook_delivery.delivery_id_bound(int(until.timestamp() * 1000), low=False)
    failed = [d for d in delivery_store().deliveries_between(w.id, lo, hi) if d.status in ("failed", "dead")]
    corr = _correlation()
    for d in failed[:RECOVER_MAX]:
        _requeue(_fields_of(d), now, corr)
    obs.count("WebhookRecoveries")
    return Recovered(queued=min(len(failed), RECOVER_MAX))


def _correlation() -> str | None:
    return obs.request_fields().get("correlation_id")

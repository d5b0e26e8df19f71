"""Webhook fan-out: one outbox event -> one SQS message per (event, subscribed endpoint) on the webhook queue.

Who receives what (API.md "Who receives what"):

- ``rfo.created``: the RFO's buyer, and every vendor of its environment (until profiles narrow it);
- ``rfo.updated|closed|reopened|awarded|expired``: the buyer, and each vendor with an offer on the RFO;
- ``offer.submitted|revised|withdrawn``: the buyer of the offer's RFO only (never another vendor);
- ``offer.won|lost``: the offer's vendor;
- ``key.*``, ``webhook.disabled``, ``billing.*``: the account they are about.

Only types of the event catalog (:mod:`intentbid.domain.events`) for the recipient's kind are ever sent, so an
internal event (``rfo.losers_pending``), an ops-only one (``vendor.flagged``) or one outside the catalog
(``key.updated``, ``rfo.deleted``) reaches nobody. An endpoint receives an event when it is enabled, of the
event's environment (sandbox to sandbox, live to live) and subscribed to the type (or ``*``). The body is the
object the recipient reads through the API (a vendor's view of an RFO hides its buyer), rendered once per
recipient kind; each message carries the signed-to-be body, so every retry sends the same bytes.

One message per endpoint: a slow or dead receiver holds only its own messages, never another's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from intentbid import observability as obs
from intentbid.config import settings
from intentbid.domain import clock, events, webhook_delivery
from intentbid.domain.principal import Principal
from intentbid.services import email_channel, event_log, realtime
from intentbid.store.port import WebhookEndpoint, store, webhook_store

RFO_LIFECYCLE = frozenset({"rfo.updated", "rfo.closed", "rfo.reopened", "rfo.awarded", "rfo.expired"})
TO_BUYER = frozenset({"offer.submitted", "offer.revised", "offer.withdrawn"})
TO_VENDOR = frozenset({"offer.won", "offer.lost"})
TO_ACCOUNT = frozenset({"key.created", "key.revoked", "webhook.disabled"})


@dataclass(frozen=True, slots=True)
class Work:
    """One delivery to queue: the endpoint and the body it gets."""

    endpoint: WebhookEndpoint
    body: bytes


def _viewer(kind: str, owner_id: str, environment: str) -> Principal:
    return Principal(kind, owner_id, "", frozenset(), environment)


def _subscribed(w: WebhookEndpoint, event_type: str, environment: str) -> bool:
    wanted = [str(e) for e in w.events]
    return (
        w.status == "enabled"
        and w.environment == environment
        and w.owner_kind in events.CATALOG.get(event_type, ())
        and (events.WILDCARD in wanted or event_type in wanted)
    )


def _dump(model: Any) -> dict[str, Any]:
    return dict(model.model_dump(mode="json"))


def _rfo_objects(rfo: Any, now: datetime) -> dict[str, dict[str, Any]]:
    from intentbid.services.views.marketplace import rfo_view

    return {kind: _dump(rfo_view(rfo, _viewer(kind, "", rfo.environment), now)) for kind in ("buyer", "vendor")}


def _plan(
    event_type: str, environment: str, subject_id: str, data: Mapping[str, Any]
) -> Iterable[tuple[str, str, dict[str, Any] | None, str]]:
    """(owner_id or "*", kind, object, kind of audience) per recipient; owner ``*``: every endpoint of that kind
    in the environment. ``object`` None: nothing to send (the subject is gone)."""
    now = clock.now()
    if event_type == "rfo.created" or event_type in RFO_LIFECYCLE:
        rfo = store().get_rfo(str(data.get("rfo_id") or subject_id))
        if rfo is None or rfo.deleted_at is not None:
            return
        objects = _rfo_objects(rfo, now)
        yield rfo.buyer_id, "buyer", objects["buyer"], "buyer"
        if event_type == "rfo.created":
            yield "*", "vendor", objects["vendor"], "vendor"
        else:
            bidders = sorted({o.vendor_id for o in store().offers_of_rfo(rfo.id)})
            for vendor_id in bidders:
                yield vendor_id, "vendor", objects["vendor"], "vendor"
    elif event_type in TO_BUYER or event_type in TO_VENDOR:
        from intentbid.services.views.marketplace import offer_view

        offer = store().find_offer(str(data.get("offer_id") or subject_id))
        if offer is None:
            return
        rfo = store().get_rfo(offer.rfo_id)
        obj = _dump(offer_view(offer, rfo))
        if event_type in TO_BUYER:
            if rfo is not None:
                yield rfo.buyer_id, "buyer", obj, "buyer"
        else:
            yield offer.vendor_id, "vendor", obj, "vendor"
    elif event_type in TO_ACCOUNT or event_type.startswith("billing."):
        owner_id = str(data.get("owner_id") or data.get("vendor_id") or "")
        kind = str(data.get("owner_kind") or ("vendor" if owner_id.startswith("ven_") else "buyer"))
        if not owner_id:
            return
        yield owner_id, kind, _account_object(event_type, owner_id, subject_id, data), kind


def _account_object(event_type: str, owner_id: str, subject_id: str, data: Mapping[str, Any]) -> dict[str, Any] | None:
    if event_type.startswith("key."):
        from intentbid.services.views.accounts import key_view
        from intentbid.store import api_keys

        key = api_keys.find_for_owner(owner_id, str(data.get("key_id") or subject_id))
        return _dump(key_view(key)) if key is not None else None
    if event_type == "webhook.disabled":
        return dict(data.get("webhook") or {})
    return dict(data)  # billing.*: their data is their object (the billing issue's)


def event_time(raw: Any) -> datetime:
    """An outbox item's ``created_at`` as stored (PynamoDB's ``...+0000``) or RFC 3339; now when absent."""
    if isinstance(raw, datetime):
        return raw.astimezone(UTC)
    if not raw:
        return clock.now()
    return clock.parse_rfc3339(str(raw))  # PynamoDB's "+0000" offset reads as RFC 3339's too


@dataclass(frozen=True, slots=True)
class Recipient:
    """One audience of an event: an account (``owner_id``), or every account of ``kind`` in the event's
    environment (``owner_id == "*"``), and the envelope it gets (only the object it may read through the API)."""

    owner_id: str
    kind: str
    audience: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Event:
    """A catalog event as every channel (webhooks, the event log, email, realtime) sees it."""

    id: str
    type: str
    environment: str
    created_at: str
    correlation_id: str | None
    recipients: tuple[Recipient, ...]


def event_of(image: Mapping[str, Any]) -> Event | None:
    """The event an outbox item (a stream NEW_IMAGE) announces, with its recipients per the rules above; None for
    internal types (``rfo.losers_pending``) and any type outside the catalog: those reach no channel."""
    event_type = str(image.get("type", ""))
    if event_type not in events.CATALOG:
        return None
    environment = str(image.get("environment", ""))
    event_id = str(image["id"])
    data = json.loads(str(image.get("payload") or "{}"))
    created_at = clock.to_rfc3339(event_time(image.get("created_at")))
    recipients = tuple(
        Recipient(
            owner_id,
            kind,
            audience,
            webhook_delivery.envelope(event_id, event_type, created_at, environment == "live", obj),
        )
        for owner_id, kind, obj, audience in _plan(event_type, environment, str(image.get("subject_id", "")), data)
        if obj is not None
    )
    corr = str(image.get("correlation_id") or "") or None
    return Event(event_id, event_type, environment, created_at, corr, recipients)


def work_for(image: Mapping[str, Any]) -> list[Work]:
    """Every webhook delivery an outbox event makes: one per enabled, subscribed endpoint of each recipient."""
    ev = event_of(image)
    return [] if ev is None else _work(ev)


def _work(ev: Event) -> list[Work]:
    out: list[Work] = []
    seen: set[str] = set()
    for r in ev.recipients:
        if r.owner_id == "*":
            endpoints = webhook_store().endpoints_of_audience(ev.environment, r.audience)
        else:
            endpoints = webhook_store().endpoints_of(r.owner_id, ev.environment)
        for w in endpoints:
            if w.id in seen or w.owner_kind != r.kind or not _subscribed(w, ev.type, ev.environment):
                continue
            seen.add(w.id)
            out.append(Work(w, r.body))
    return out


def message(
    w: WebhookEndpoint,
    event_id: str,
    event_type: str,
    created_at: str,
    body: bytes,
    correlation_id: str | None,
    *,
    single: bool = False,
) -> dict[str, Any]:
    """The SQS message of one delivery (what the delivery worker reads)."""
    when = event_time(created_at)
    return {
        "delivery_id": webhook_delivery.delivery_id(event_id, w.id, int(when.timestamp() * 1000)),
        "webhook_id": w.id,
        "owner_id": w.owner_id,
        "environment": w.environment,
        "event_id": event_id,
        "event_type": event_type,
        "event_created_at": clock.to_rfc3339(when.astimezone(UTC)),
        "correlation_id": correlation_id,
        "body": body.decode(),
        "single": single,  # a manual retry or recovery: one attempt, no schedule
    }


@cache
def _sqs() -> Any:
    import boto3

    return boto3.client("sqs", region_name=settings().deployment.region)


def send(messages: list[dict[str, Any]], delay_s: int = 0) -> int:
    """Queue delivery messages (10 per call); the number sent. No queue configured: none (logged)."""
    url = settings().deployment.queue_url_webhook
    if not messages:
        return 0
    if not url:
        obs.logger.warning("no webhook queue configured: deliveries not queued", extra={"count": len(messages)})
        return 0
    sent = 0
    for i in range(0, len(messages), 10):
        chunk = messages[i : i + 10]
        entries = []
        for n, m in enumerate(chunk):
            entry: dict[str, Any] = {"Id": str(n), "MessageBody": json.dumps(m, separators=(",", ":"))}
            if delay_s:
                entry["DelaySeconds"] = min(delay_s, 900)
            if m.get("correlation_id"):
                entry["MessageAttributes"] = {
                    "correlation_id": {"DataType": "String", "StringValue": str(m["correlation_id"])}
                }
            entries.append(entry)
        resp = _sqs().send_message_batch(QueueUrl=url, Entries=entries)
        if resp.get("Failed"):
            raise RuntimeError(f"{len(resp['Failed'])} webhook message(s) not queued: {resp['Failed'][0].get('Code')}")
        sent += len(chunk)
    return sent


def fan_out(image: Mapping[str, Any]) -> int:
    """Hand one outbox event to every channel; the number of webhook deliveries queued. Idempotent on the event
    id: a redelivered stream record queues the same deliveries again (same delivery ids, same ``webhook-id``)."""
    ev = event_of(image)
    if ev is None:
        return 0
    event_log.record(ev)  # GET /v1/events: one entry per recipient (an audience once), idempotent per event
    realtime.publish(ev)
    email_channel.queue(ev)
    return _webhooks(ev)


def _webhooks(ev: Event) -> int:
    if not settings().deployment.queue_url_webhook:
        return 0
    work = _work(ev)
    if not work:
        return 0
    sent = send([message(w.endpoint, ev.id, ev.type, ev.created_at, w.body, ev.correlation_id) for w in work])
    obs.count("WebhookDeliveriesQueued", sent, event_type=ev.type)
    return sent

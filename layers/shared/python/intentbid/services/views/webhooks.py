"""Webhook endpoints as their owners see them: never a secret, sealed or not."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from intentbid.domain import clock
from intentbid.schemas.webhooks import Delivery, DeliveryAttempt, LastDelivery, Webhook
from intentbid.store.port import WebhookEndpoint


def webhook_view(w: WebhookEndpoint, now: datetime) -> Webhook:
    grace = w.previous_secret_expires_at
    return Webhook(
        id=w.id,
        url=w.url,
        events=[str(e) for e in w.events],
        status="enabled" if w.status == "enabled" else "disabled",
        description=w.description,
        environment=w.environment,  # type: ignore[arg-type]
        created_at=w.created_at,
        updated_at=w.updated_at,
        disabled_reason=w.disabled_reason if w.status != "enabled" else None,
        secret_rotated_at=w.secret_rotated_at,
        previous_secret_expires_at=grace if w.previous_secret_sealed and grace and grace > now else None,
    )


def delivery_view(d: Any, with_attempts: bool = False) -> Delivery:
    """A delivery record (:class:`intentbid.store.models.deliveries.DeliveryModel`) as its endpoint's owner
    sees it: the last attempt's outcome and, for one delivery, every attempt."""
    attempts = [
        DeliveryAttempt(
            attempt=i + 1,
            at=clock.parse_rfc3339(str(a["at"])),
            status="succeeded" if a.get("outcome") == "succeeded" else "failed",
            response_status=int(a["response_status"]) if a.get("response_status") is not None else None,
            response_ms=int(a.get("response_ms") or 0),
            response_excerpt=str(a.get("response_excerpt") or ""),
            error=a.get("error"),
        )
        for i, a in enumerate(list(d.attempts or []))
    ]
    last = attempts[-1] if attempts else None
    return Delivery(
        id=d.id,
        webhook_id=d.webhook_id,
        event_id=d.event_id,
        event_type=d.event_type,
        status=d.status,
        attempt=int(d.attempt_count or 0),
        response_status=last.response_status if last else None,
        response_ms=last.response_ms if last else None,
        response_excerpt=last.response_excerpt if last else None,
        error=last.error if last else None,
        next_attempt_at=d.next_attempt_at,
        at=d.updated_at,
        event_created_at=d.event_created_at,
        attempts=attempts if with_attempts else None,
    )


def last_delivery_view(d: Any) -> LastDelivery:
    full = delivery_view(d)
    return LastDelivery(
        id=full.id,
        event_type=full.event_type,
        status=full.status,
        attempt=full.attempt,
        response_status=full.response_status,
        response_ms=full.response_ms,
        error=full.error,
        at=full.at,
    )

"""Webhook endpoints as their owners see them: never a secret, sealed or not."""

from __future__ import annotations

from datetime import datetime

from intentbid.schemas.webhooks import Webhook
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

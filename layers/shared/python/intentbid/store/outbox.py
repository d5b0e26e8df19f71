"""Outbox events: written inside the same transaction as the change they describe."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from intentbid.domain import ids
from intentbid.store.models.outbox import OutboxModel

RETENTION_S = 7 * 24 * 3600


def event(type_: str, subject_id: str, environment: str, data: dict[str, Any], now: datetime) -> OutboxModel:
    from intentbid import observability as obs

    return OutboxModel(
        ids.new_id("evt"),
        type=type_,
        subject_id=subject_id,
        environment=environment,
        payload=json.dumps(data, separators=(",", ":"), default=str),
        created_at=now,
        expire_at=int(now.timestamp()) + RETENTION_S,
        correlation_id=obs.request_fields().get("correlation_id") or None,
    )

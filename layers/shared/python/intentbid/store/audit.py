"""The audit log: entries are built here and written inside the transaction of the change they record."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from intentbid.domain import ids
from intentbid.observability import redact
from intentbid.store import paging
from intentbid.store.models.audit import AuditModel
from intentbid.store.port import Actor

__all__ = ["APPEND_ONLY", "Actor", "entry", "for_actor", "for_day", "for_target"]


def entry(
    actor: Actor,
    *,
    action: str,
    target_id: str,
    target_type: str,
    environment: str,
    now: datetime,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditModel:
    return AuditModel(
        target_id,
        ids.new_id("aud"),
        target_type=target_type,
        action=action,
        actor_kind=actor.kind,
        actor_id=actor.id,
        key_id=actor.key_id,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        payload=json.dumps(redact(payload or {}), separators=(",", ":"), default=str),
        request_id=actor.request_id,
        source_ip=actor.source_ip,
        environment=environment,
        day=now.strftime("%Y-%m-%d"),
        created_at=now,
    )


APPEND_ONLY = AuditModel.id.does_not_exist()


def for_target(target_id: str, *, limit: int, cursor: str | None) -> tuple[list[AuditModel], str | None]:
    return paging.page(
        lambda start: AuditModel.query(target_id, consistent_read=True, last_evaluated_key=start, page_size=limit),
        cursor,
        {"target_id", "id"},
        limit,
    )


def for_actor(actor_id: str, *, limit: int, cursor: str | None) -> tuple[list[AuditModel], str | None]:
    return paging.page(
        lambda start: AuditModel.by_actor.query(
            actor_id, scan_index_forward=False, last_evaluated_key=start, page_size=limit
        ),
        cursor,
        {"target_id", "id", "actor_id"},
        limit,
    )


def for_day(day: str, *, limit: int, cursor: str | None) -> tuple[list[AuditModel], str | None]:
    return paging.page(
        lambda start: AuditModel.by_day.query(day, scan_index_forward=False, last_evaluated_key=start, page_size=limit),
        cursor,
        {"target_id", "id", "day"},
        limit,
    )

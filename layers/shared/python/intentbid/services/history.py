"""Reading the audit trail: an RFO's history (its buyer, admins) and ops' audit search."""

from __future__ import annotations

import json
from typing import Any

from intentbid.domain import clock
from intentbid.domain.errors import FieldError, ValidationFailed
from intentbid.domain.principal import Principal
from intentbid.schemas.audit import ActorOut, AuditEntry, AuditPage, AuditQuery, HistoryEntry, HistoryPage
from intentbid.schemas.common import PageQuery
from intentbid.services import ownership
from intentbid.store import audit as store
from intentbid.store.port import AuditRecord


def _actor(a: AuditRecord) -> ActorOut:
    return ActorOut(kind=a.actor_kind, id=a.actor_id, key_id=a.key_id)  # type: ignore[arg-type]


def _entry(a: AuditRecord) -> dict[str, Any]:
    return {
        "id": a.id,
        "action": a.action,
        "actor": _actor(a),
        "from_status": a.from_status,
        "to_status": a.to_status,
        "reason": a.reason,
        "payload": json.loads(a.payload or "{}"),
        "at": a.created_at,
    }


def rfo_history(p: Principal, rfo_id: str, q: PageQuery) -> HistoryPage:
    """Status changes and actions on one RFO, oldest first."""
    rfo = ownership.own_rfo(p, rfo_id)
    items, cursor = store.for_target(rfo.id, limit=q.limit, cursor=q.cursor)
    return HistoryPage(data=[HistoryEntry(**_entry(a)) for a in items], next_cursor=cursor)


def search(p: Principal, q: AuditQuery) -> AuditPage:
    """Ops: by target (oldest first), by actor or by UTC day (newest first)."""
    if q.target and q.actor:
        raise ValidationFailed(
            "Filter by target or by actor, not both.",
            errors=[FieldError("actor", "conflicting_filters", "give target or actor, not both")],
        )
    if q.target:
        items, cursor = store.for_target(q.target, limit=q.limit, cursor=q.cursor)
    elif q.actor:
        items, cursor = store.for_actor(q.actor, limit=q.limit, cursor=q.cursor)
    else:
        items, cursor = store.for_day(q.day or clock.now().strftime("%Y-%m-%d"), limit=q.limit, cursor=q.cursor)
    return AuditPage(
        data=[
            AuditEntry(
                **_entry(a),
                target_id=a.target_id,
                target_type=a.target_type,
                request_id=a.request_id,
                source_ip=a.source_ip,
                environment=a.environment,
            )
            for a in items
        ],
        next_cursor=cursor,
    )

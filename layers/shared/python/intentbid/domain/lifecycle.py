"""The RFO state machine: the transition table is data, here and only here.

Handlers, the expiry worker, the dashboard (through ``allowed_actions`` in API responses) and the tests read
it; none re-implements it. Deadlines are part of the state: an OPEN or CLOSED RFO past ``expires_at`` *is*
EXPIRED for every reader and writer, before the expiry worker has run.

    OPEN   --close-->  CLOSED        OPEN|CLOSED --award--> AWARDED   (award from OPEN closes and awards)
    CLOSED --reopen--> OPEN          OPEN|CLOSED --expire--> EXPIRED  (at the deadline; system actor)
    OPEN|CLOSED|EXPIRED --delete--> (soft-deleted: 404 everywhere; never once AWARDED)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from intentbid.domain.errors import Conflict

OPEN, CLOSED, AWARDED, EXPIRED = "OPEN", "CLOSED", "AWARDED", "EXPIRED"
STATUSES = (OPEN, CLOSED, AWARDED, EXPIRED)
FINAL = frozenset({AWARDED, EXPIRED})
DELETED = "DELETED"  # not a status: the soft delete's target in audit entries


@dataclass(frozen=True, slots=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    event: str  # outbox / webhook event type
    actor_kinds: frozenset[str]  # who may take it (admin acts for ops; system is the expiry worker)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("close", frozenset({OPEN}), CLOSED, "rfo.closed", frozenset({"buyer", "admin"})),
        Transition("award", frozenset({OPEN, CLOSED}), AWARDED, "rfo.awarded", frozenset({"buyer"})),
        Transition("reopen", frozenset({CLOSED}), OPEN, "rfo.reopened", frozenset({"buyer"})),
        Transition("expire", frozenset({OPEN, CLOSED}), EXPIRED, "rfo.expired", frozenset({"system"})),
        Transition("delete", frozenset({OPEN, CLOSED, EXPIRED}), DELETED, "rfo.deleted", frozenset({"buyer", "admin"})),
    )
}


def effective_status(status: str, expires_at: datetime, now: datetime) -> str:
    if status in (OPEN, CLOSED) and expires_at <= now:
        return EXPIRED
    return status


def allowed_actions(status: str) -> list[str]:
    """Actions a buyer could take now (for API responses and the dashboard)."""
    return [a for a, t in TRANSITIONS.items() if status in t.sources and "buyer" in t.actor_kinds]


def transition(action: str, status: str) -> Transition:
    """The transition for ``action`` from ``status``, or 409 ``invalid_transition`` naming what is allowed."""
    t = TRANSITIONS[action]
    if status not in t.sources:
        allowed = allowed_actions(status)
        raise Conflict(
            f"Cannot {action} an RFO that is {status}; allowed now: {', '.join(allowed) or 'nothing (final)'}.",
            code="invalid_transition",
            extra={"rfo_status": status, "allowed_actions": allowed},
        )
    return t

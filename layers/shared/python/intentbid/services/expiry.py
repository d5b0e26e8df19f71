"""Expiring RFOs at their deadline (the rfo_expire worker's use case)."""

from __future__ import annotations

from intentbid import observability as obs
from intentbid.domain import clock
from intentbid.domain.lifecycle import CLOSED, OPEN
from intentbid.store import outbox
from intentbid.store import rfos as store


class NotDueYet(Exception):
    """The message arrived before the deadline (clock skew): let SQS redeliver it."""


def expire(rfo_id: str, deadline_version: int) -> str:
    """Expire the RFO if it is still OPEN/CLOSED under the same deadline version and its deadline passed.
    Idempotent: a stale execution (the RFO was reopened, awarded or already expired) is a no-op."""
    now = clock.now()
    rfo = store.get(rfo_id)
    if rfo is None or rfo.deleted_at is not None:
        return "missing"
    if rfo.status not in (OPEN, CLOSED) or int(rfo.deadline_version) != deadline_version:
        return "stale"
    if rfo.expires_at > now:
        raise NotDueYet(rfo_id)
    event = outbox.event("rfo.expired", rfo.id, rfo.environment, {"rfo_id": rfo.id, "from": rfo.status}, now)
    outcome = store.expire(rfo, deadline_version, event, now)
    if outcome == "expired":
        obs.logger.info("rfo expired", extra={"rfo_id": rfo_id})
        obs.count("RfosExpired")
    return outcome

"""Expiring RFOs at their deadline (the rfo_expire worker's use case)."""

from __future__ import annotations

import math

from intentbid import observability as obs
from intentbid.domain import clock
from intentbid.domain.lifecycle import CLOSED, EXPIRED, OPEN, TRANSITIONS
from intentbid.services import retry_on_conflict
from intentbid.store import dynamo  # noqa: F401 - the real store loads at cold start (init), not on the first request
from intentbid.store.port import Actor, Change, ConditionFailed, Target, TransactionConflict, store


class NotDueYet(Exception):
    """The message arrived before the deadline (clock skew, sub-second Wait): redeliver it when due."""

    def __init__(self, rfo_id: str, seconds_left: int) -> None:
        super().__init__(rfo_id)
        self.seconds_left = seconds_left


@retry_on_conflict()
def expire(rfo_id: str, deadline_version: int, request_id: str | None = None) -> str:
    """Expire the RFO if it is still OPEN/CLOSED under the same deadline version and its deadline passed.
    Idempotent: a stale execution (the RFO was reopened, awarded or already expired) is a no-op."""
    now = clock.now()
    rfo = store().get_rfo(rfo_id)
    if rfo is None or rfo.deleted_at is not None:
        return "missing"
    if rfo.status not in (OPEN, CLOSED) or int(rfo.deadline_version) != deadline_version:
        return "stale"
    if rfo.expires_at > now:
        raise NotDueYet(rfo_id, math.ceil((rfo.expires_at - now).total_seconds()))
    t = TRANSITIONS["expire"]
    reason = "deadline passed"
    change = Change(
        Actor.system(request_id),
        Target("rfo", rfo.id, rfo.environment),
        "expire",
        t.event,
        {"deadline_version": deadline_version},
        now,
        from_status=rfo.status,
        to_status=EXPIRED,
        reason=reason,
        event_data={"rfo_id": rfo.id, "from": rfo.status, "to": EXPIRED, "reason": reason},
    )
    try:
        store().expire_rfo(rfo, deadline_version, reason, change)
    except ConditionFailed:
        fresh = store().get_rfo(rfo_id)
        if fresh is not None and fresh.status in (OPEN, CLOSED) and int(fresh.deadline_version) == deadline_version:
            raise TransactionConflict() from None  # changed in another way (e.g. weights): decide again
        return "stale"
    obs.logger.info("rfo expired", extra={"rfo_id": rfo_id})
    obs.count("RfosExpired")
    return "expired"

"""Expiring RFOs at their deadline (the rfo_expire worker's use case)."""

from __future__ import annotations

import math

from intentbid import observability as obs
from intentbid.domain import clock
from intentbid.domain.lifecycle import CLOSED, EXPIRED, OPEN, TRANSITIONS
from intentbid.services import retry_on_conflict
from intentbid.store import audit, outbox
from intentbid.store import rfos as store
from intentbid.store.models.rfos import RfoModel
from intentbid.store.tx import ConditionFailed, TransactionConflict


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
    rfo = store.get(rfo_id)
    if rfo is None or rfo.deleted_at is not None:
        return "missing"
    if rfo.status not in (OPEN, CLOSED) or int(rfo.deadline_version) != deadline_version:
        return "stale"
    if rfo.expires_at > now:
        raise NotDueYet(rfo_id, math.ceil((rfo.expires_at - now).total_seconds()))
    t = TRANSITIONS["expire"]
    reason = "deadline passed"
    actions = [
        RfoModel.status.set(EXPIRED),
        RfoModel.list_key.set(store.list_key(rfo.environment, EXPIRED)),
        RfoModel.status_reason.set(reason),
        RfoModel.updated_at.set(now),
    ]
    condition = RfoModel.status.is_in(OPEN, CLOSED) & (RfoModel.deadline_version == deadline_version)
    data = {"rfo_id": rfo.id, "from": rfo.status, "to": EXPIRED, "reason": reason}
    try:
        store.transition(
            rfo,
            actions,
            condition,
            audit.entry(
                audit.Actor.system(request_id),
                action="expire",
                target_id=rfo.id,
                target_type="rfo",
                environment=rfo.environment,
                now=now,
                from_status=rfo.status,
                to_status=EXPIRED,
                reason=reason,
                payload={"deadline_version": deadline_version},
            ),
            outbox.event(t.event, rfo.id, rfo.environment, data, now),
        )
    except ConditionFailed:
        fresh = store.get(rfo_id)
        if fresh is not None and fresh.status in (OPEN, CLOSED) and int(fresh.deadline_version) == deadline_version:
            raise TransactionConflict() from None  # changed in another way (e.g. weights): decide again
        return "stale"
    obs.logger.info("rfo expired", extra={"rfo_id": rfo_id})
    obs.count("RfosExpired")
    return "expired"

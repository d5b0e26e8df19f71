"""RFO use cases: create, read, list, and the lifecycle transitions (close, award, reopen, delete, expire).

Every change is one transaction (RFO + offers + audit entry + outbox event) guarded by the RFO's status,
deadline and version, so concurrent close/award/expire/submissions resolve to exactly one outcome.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from intentbid import observability as obs
from intentbid.domain import clock, etags, ids, rfo_rules
from intentbid.domain.errors import Conflict, NotFound
from intentbid.domain.lifecycle import OPEN, effective_status, transition
from intentbid.domain.principal import Principal
from intentbid.domain.scoring import fmt
from intentbid.schemas.common import utc
from intentbid.schemas.rfos import Award, Reason, Reopen, Rfo, RfoCreate, RfoListQuery, RfoPage
from intentbid.services import ownership, retry_on_conflict
from intentbid.services.views.marketplace import rfo_view
from intentbid.store.port import Actor, Change, ConditionFailed, Offer, Target, TransactionConflict, store
from intentbid.store.port import Rfo as RfoRecord


def _check_dates(expires_at: datetime, need_by: datetime | None, now: datetime) -> None:
    rfo_rules.check_dates(expires_at, need_by, now)


def create(p: Principal, body: RfoCreate) -> Rfo:
    """Post an RFO. The deadline must be in the future and delivery no earlier than the deadline; weights
    are validated against the pinned scoring version and normalised to sum 1."""
    now = clock.now()
    expires_at, need_by = utc(body.expires_at), utc(body.need_by)
    version, weights = rfo_rules.check_create(
        expires_at, need_by, body.weights, body.profile, body.scoring_version, body.category, now
    )
    rfo_id = ids.new_id("rfo")
    fields = {
        "id": rfo_id,
        "buyer_id": p.id,
        "environment": p.environment,
        "status": OPEN,
        "title": body.title,
        "description": body.description,
        "category": body.category,
        "quantity": body.quantity,
        "unit": body.unit,
        "budget_max": body.budget_max,
        "currency": body.currency,
        "delivery_region": body.delivery_region,
        "need_by": need_by,
        "expires_at": expires_at,
        "scoring_version": version.version,
        "weights": {k: fmt(v) for k, v in weights.items()},
        "disclosure": body.disclosure,
        "created_at": now,
        "updated_at": now,
        "deadline_version": 1,
        "weights_generation": 1,  # stored scores (services.scores): offers are scored under it at write time
        "ranking_status": "current",
    }
    data = {"rfo_id": rfo_id, "category": body.category, "expires_at": clock.to_rfc3339(expires_at)}
    target = Target("rfo", rfo_id, p.environment)
    rfo = store().create_rfo(fields, Change(Actor.of(p), target, "create", "rfo.created", data, now, to_status=OPEN))
    from intentbid.adapters import expiry_scheduler  # lazy: only the routes that start an expiry load it

    expiry_scheduler.schedule(rfo.id, expires_at, 1)
    obs.logger.info("rfo created", extra={"rfo_id": rfo.id})
    obs.count("RfosCreated")
    return rfo_view(rfo, p, now)


def get(p: Principal, rfo_id: str) -> Rfo:
    return rfo_view(ownership.rfo_for(p, rfo_id), p, clock.now())


def list_(p: Principal, q: RfoListQuery) -> RfoPage:
    """A buyer lists its own RFOs (optionally by status); a vendor lists the OPEN RFOs of its environment
    it may bid on (optionally by category and region); an admin lists by status (default OPEN)."""
    now = clock.now()
    if p.kind == "buyer":
        items, cursor = store().rfos_of_buyer(p.id, limit=q.limit, cursor=q.cursor, status=q.status, now=now)
    elif p.kind == "vendor":
        items, cursor = store().open_rfos(
            p.environment, limit=q.limit, cursor=q.cursor, now=now, category=q.category, region=q.delivery_region
        )
    else:
        items, cursor = store().rfos_by_status(
            limit=q.limit, cursor=q.cursor, environment=p.environment, status=q.status or OPEN
        )
    return RfoPage(data=[rfo_view(r, p, now) for r in items], next_cursor=cursor)


# --- lifecycle -------------------------------------------------------------------------------------------


def _lost_race(p: Principal, rfo_id: str, action: str) -> Conflict:
    """After a failed guarded write: re-read and explain why in the table's terms. If the action is still
    allowed (e.g. an award that lost to a close: awarding from CLOSED is allowed), decide again from the fresh
    state instead (``retry_on_conflict`` reruns the use case)."""
    fresh = ownership.own_rfo(p, rfo_id)
    status = effective_status(fresh.status, fresh.expires_at, clock.now())
    try:
        transition(action, status)
    except Conflict as exc:
        return exc
    raise TransactionConflict()


def _change(
    p: Principal,
    rfo: RfoRecord,
    action: str,
    from_status: str,
    to_status: str,
    reason: str | None,
    now: datetime,
    event: str,
    data: dict[str, Any],
) -> Change:
    """A lifecycle transition as recorded: the audit entry carries ``data``; the event also says from, to and
    why."""
    return Change(
        Actor.of(p),
        Target("rfo", rfo.id, rfo.environment),
        action,
        event,
        data,
        now,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        event_data={"rfo_id": rfo.id, "from": from_status, "to": to_status, "reason": reason, **data},
    )


@retry_on_conflict()
def close(p: Principal, rfo_id: str, body: Reason) -> Rfo:
    """OPEN -> CLOSED: bidding stops; the buyer may still award or reopen before the deadline."""
    now = clock.now()
    rfo = ownership.own_rfo(p, rfo_id)
    current = effective_status(rfo.status, rfo.expires_at, now)
    t = transition("close", current)
    try:
        closed = store().transition_rfo(
            rfo, t.target, body.reason, _change(p, rfo, "close", current, t.target, body.reason, now, t.event, {})
        )
    except ConditionFailed:
        raise _lost_race(p, rfo_id, "close") from None
    obs.count("RfosClosed")
    return rfo_view(closed, p, now)


@retry_on_conflict()
def reopen(p: Principal, rfo_id: str, body: Reopen) -> Rfo:
    """CLOSED -> OPEN with a new deadline, only before the original deadline has expired the RFO.
    The new deadline starts a new expiry execution (deadline version + 1); the old one becomes a no-op."""
    now = clock.now()
    rfo = ownership.own_rfo(p, rfo_id)
    current = effective_status(rfo.status, rfo.expires_at, now)
    t = transition("reopen", current)
    new_deadline = utc(body.expires_at)
    _check_dates(new_deadline, rfo.need_by, now)
    version = int(rfo.deadline_version) + 1
    data = {"expires_at": clock.to_rfc3339(new_deadline), "deadline_version": version}
    try:
        reopened = store().transition_rfo(
            rfo,
            t.target,
            body.reason,
            _change(p, rfo, "reopen", current, t.target, body.reason, now, t.event, data),
            expires_at=new_deadline,
            deadline_version=version,
        )
    except ConditionFailed:
        raise _lost_race(p, rfo_id, "reopen") from None
    from intentbid.adapters import expiry_scheduler  # lazy: only the routes that start an expiry load it

    expiry_scheduler.schedule(rfo.id, new_deadline, version)
    obs.count("RfosReopened")
    return rfo_view(reopened, p, now)


def _pinned_revision(winner: Offer, body: Award, if_match: str | None) -> int | None:
    """The revision the buyer decided on: ``offer_revision`` and/or ``If-Match`` (the offer's ETag). 409
    ``offer_changed`` at once when either names another revision than the current one; None when unpinned."""
    current = int(winner.revision)
    tags = etags.if_match_tags(if_match)
    stale = body.offer_revision is not None and body.offer_revision != current
    if tags is not None and not etags.matches(tags, etags.offer_etag(winner.id, current)):
        stale = True
    if stale:
        raise _offer_changed(winner)
    return current if body.offer_revision is not None or (tags is not None and tags != ["*"]) else None


def _offer_changed(offer: Offer) -> Conflict:
    revision = int(offer.revision)
    return Conflict(
        f"The offer changed since you saw it: it is now at revision {revision} (unit_price {int(offer.unit_price)}"
        f" {offer.currency}). Review the ranking or the offer again and award with offer_revision {revision} "
        "if you still want it.",
        code="offer_changed",
        extra={
            "offer_id": offer.id,
            "current_revision": revision,
            "current_etag": etags.offer_etag(offer.id, revision),
        },
    )


@retry_on_conflict()
def award(p: Principal, rfo_id: str, body: Award, if_match: str | None = None) -> Rfo:
    """OPEN|CLOSED -> AWARDED: the chosen offer is won and the other active offers lost, atomically with
    the RFO as far as one transaction holds; the rest are marked by the sweep its ``rfo.losers_pending``
    event starts (:mod:`intentbid.services.losers`), each with its ``offer.lost`` event. The offer must be
    active, on this RFO, and still valid. The winner is written only at the revision read here (so the
    audit's price is the price awarded); a buyer who pinned a revision (``offer_revision`` or ``If-Match``)
    gets 409 ``offer_changed`` when the offer moved, also when it moves
    between this read and the transaction."""
    now = clock.now()
    rfo = ownership.own_rfo(p, rfo_id)
    current = effective_status(rfo.status, rfo.expires_at, now)
    t = transition("award", current)
    offers = list(store().offers_of_rfo(rfo.id))
    winner = next((o for o in offers if o.id == body.offer_id), None)
    if winner is None:
        raise NotFound("No such offer on this RFO.")
    if winner.status != "active":
        raise Conflict(f"The offer is {winner.status}.", code="offer_not_active")
    if winner.valid_until <= now:
        raise Conflict("The offer's validity has ended.", code="offer_not_active")
    pinned = _pinned_revision(winner, body, if_match)
    losers = [o for o in offers if o.status == "active" and o.id != winner.id]
    revision = int(winner.revision)
    unit_price = int(winner.unit_price)
    data = {
        "offer_id": winner.id,
        "vendor_id": winner.vendor_id,
        "offer_revision": revision,
        "pinned": pinned is not None,
        "unit_price": unit_price,
        "total_price": unit_price * min(int(rfo.quantity), int(winner.quantity_available)),
        "currency": winner.currency,
        "lost_offer_ids": [o.id for o in losers],
    }
    try:
        awarded = store().award_rfo(
            rfo,
            winner,
            losers,
            body.reason,
            _change(p, rfo, "award", current, t.target, body.reason, now, t.event, data),
        )
    except ConditionFailed as exc:
        if exc.failed_on("rfos"):
            raise _lost_race(p, rfo_id, "award") from None
        raise _offer_lost_race(winner, pinned) from None
    obs.logger.info("rfo awarded", extra={"rfo_id": rfo.id, "offer_id": winner.id})
    obs.count("RfosAwarded")
    return rfo_view(awarded, p, now)


def _offer_lost_race(winner: Offer, pinned: int | None) -> Exception:
    """An offer of the award changed between the read and the transaction: re-read the winner. Pinned and
    revised: 409 ``offer_changed``; no longer active: 409 ``offer_not_active``; otherwise (revised but
    unpinned, or a loser was withdrawn) decide again on the fresh state."""
    fresh = store().get_offer(winner.rfo_id, winner.id)
    if fresh is None or fresh.status != "active":
        status = fresh.status if fresh is not None else "gone"
        return Conflict(f"The offer is {status}.", code="offer_not_active")
    if pinned is not None and int(fresh.revision) != pinned:
        return _offer_changed(fresh)
    return TransactionConflict()


@retry_on_conflict()
def delete(p: Principal, rfo_id: str, body: Reason | None = None) -> None:
    """Soft delete (``deleted_at``): then 404 everywhere. Not allowed once AWARDED."""
    now = clock.now()
    rfo = ownership.own_rfo(p, rfo_id)
    current = effective_status(rfo.status, rfo.expires_at, now)
    t = transition("delete", current)
    reason = body.reason if body else None
    try:
        store().delete_rfo(rfo, _change(p, rfo, "delete", current, t.target, reason, now, t.event, {}))
    except ConditionFailed:
        raise _lost_race(p, rfo_id, "delete") from None
    obs.count("RfosDeleted")

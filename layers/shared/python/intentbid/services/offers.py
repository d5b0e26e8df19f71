"""Offer use cases: submit, revise, withdraw, read. Each change is one transaction with its audit entry and
outbox event, guarded by the RFO being OPEN before its deadline (checked on read, enforced in the write)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any, Literal

from intentbid import config
from intentbid import observability as obs
from intentbid.domain import clock, ids, limits
from intentbid.domain.errors import Conflict, DomainError, FieldError, NotFound
from intentbid.domain.lifecycle import EXPIRED, OPEN, effective_status
from intentbid.domain.offer_rules import (
    OfferTerms,
    RfoBounds,
    check,
    check_revision,
    delivery_field,
    delivery_from,
    violations_of,
)
from intentbid.domain.principal import Principal
from intentbid.schemas.common import PageQuery, utc
from intentbid.schemas.offers import Offer, OfferCreate, OfferPage, OfferRevise
from intentbid.services import antigaming, ownership, retry_on_conflict, scores
from intentbid.services.antigaming import records_rejections
from intentbid.services.views.marketplace import offer_view
from intentbid.store.port import (
    Actor,
    Change,
    ConditionFailed,
    OfferRevision,
    Rfo,
    Target,
    TransactionConflict,
    store,
)
from intentbid.store.port import (
    Offer as OfferRecord,
)


def _require_open(r: Rfo, now: datetime) -> None:
    status = effective_status(r.status, r.expires_at, now)
    if status == EXPIRED:
        raise Conflict("The RFO's deadline has passed.", code="rfo_expired", extra={"rfo_status": status})
    if status != OPEN:
        raise Conflict(
            f"The RFO is {status}; offers are accepted only while it is OPEN.",
            code="rfo_not_open",
            extra={"rfo_status": status},
        )


def _rfo_lost_race(rfo_id: str, now: datetime, generation: int | str | None = "any") -> Exception:
    """Why the RFO's guard refused a write (``generation``: the weights generation the write was scored under;
    "any": a write that stores no score)."""
    r = store().get_rfo(rfo_id)
    if r is not None:
        try:
            _require_open(r, clock.now())
        except Conflict as exc:
            return exc
        if generation != "any" and r.deleted_at is None and scores.generation_of(r) != generation:
            return TransactionConflict()  # the weights changed meanwhile: score it again under the new ones
    return Conflict("The RFO stopped accepting offers.", code="rfo_not_open")


def _ref(o: OfferRecord) -> dict[str, Any]:
    return {"id": o.id, "rfo_id": o.rfo_id, "vendor_id": o.vendor_id, "environment": o.environment}


def _change(
    p: Principal,
    offer: Mapping[str, Any],
    action: str,
    event: str,
    now: datetime,
    data: dict[str, Any],
    from_status: str | None = None,
    to_status: str | None = None,
) -> Change:
    """An offer's change as recorded: the audit entry and the event both name the offer, its RFO and its
    vendor (``offer``: the new offer's fields, or :func:`_ref` of a stored one)."""
    payload = {"offer_id": offer["id"], "rfo_id": offer["rfo_id"], "vendor_id": offer["vendor_id"], **data}
    target = Target("offer", offer["id"], offer["environment"])
    return Change(Actor.of(p), target, action, event, payload, now, from_status=from_status, to_status=to_status)


def _stored_score(rfo: Rfo, offer: Mapping[str, Any]) -> dict[str, Any] | None:
    """The stored-score fields of an offer with these terms (services.scores; None: none stored)."""
    return scores.fields_for(rfo, scores.input_of(SimpleNamespace(**offer)))


def _bounds(rfo: Rfo) -> RfoBounds:
    return RfoBounds(int(rfo.quantity), int(rfo.budget_max), rfo.need_by)


@records_rejections("submit")
@retry_on_conflict()
def submit(p: Principal, rfo_id: str, body: OfferCreate) -> Offer:
    """Submit an offer: only on an OPEN RFO before its deadline, valid against the RFO (price band, currency,
    quantity, delivery by need_by, availability confirmed), within the vendor's limits and not during a
    cooldown. Two DynamoDB calls: GetItem(RFO) + one transaction (RFO, cooldown and limit guards, offer,
    audit, outbox) — the guards make the limits exact under concurrency."""
    now = clock.now()
    settings = config.settings()
    rfo = ownership.rfo_for(p, rfo_id)
    _require_open(rfo, now)
    delivery = utc(delivery_from(body.eta_days, body.delivery_date, now))
    terms = OfferTerms(
        body.unit_price,
        body.currency,
        body.quantity_available,
        delivery,
        utc(body.valid_until),
        body.availability_confirmed,
        notes=body.notes,
        delivery_field=delivery_field(body.eta_days, body.delivery_date),
    )
    check(terms, rfo_currency=rfo.currency, now=now, rfo=_bounds(rfo), policy=settings.offers)
    counted = limits.submission_limits(p.id, rfo.id, now, settings.limits, environment=p.environment)
    fields: dict[str, Any] = {
        "rfo_id": rfo.id,
        "id": ids.new_id("off"),
        "vendor_id": p.id,
        "environment": rfo.environment,
        "status": "active",
        "unit_price": terms.unit_price,
        "currency": terms.currency,
        "quantity_available": terms.quantity_available,
        "delivery_date": delivery,
        "availability_confirmed": True,
        "valid_until": terms.valid_until,
        "notes": body.notes,
        "revision": 1,
        "submitted_at": now,
        "updated_at": now,
    }
    fields.update(_stored_score(rfo, fields) or {})  # the score under the RFO's weights, in the same transaction
    data = {"unit_price": terms.unit_price, "quantity_available": terms.quantity_available}
    try:
        offer = store().submit_offer(
            fields,
            counted,
            _change(p, fields, "submit", "offer.submitted", now, data, to_status="active"),
            generation=scores.generation_of(rfo),
        )
    except ConditionFailed as exc:
        raise _guard_refused(exc, rfo, p.id, now, counted, p.environment) from None
    obs.logger.debug("offer submitted", extra={"offer_id": offer.id, "rfo_id": rfo.id})  # audit + event record it
    obs.count("OffersSubmitted")
    return offer_view(offer, rfo)


def _guard_refused(
    exc: ConditionFailed, rfo: Rfo, vendor_id: str, now: datetime, counted: list[limits.CounterLimit], env: str
) -> Exception:
    """Which guard of the submission transaction refused, as the precise answer (a weights change: retry)."""
    if exc.failed_on("rfos"):
        return _rfo_lost_race(rfo.id, now, scores.generation_of(rfo))
    if exc.failed_on("accounts"):
        return antigaming.cooldown_conflict(vendor_id, now, env)
    for limit in counted:
        if exc.failed_on("rate-limits", limit.key):
            return limit.exceeded(now)
    return Conflict("The submission collided with another change; retry.", code="conflict")


def _own_active_offer(p: Principal, offer_id: str) -> OfferRecord:
    offer, _ = ownership.offer_for(p, offer_id)
    if offer.vendor_id != p.id:
        raise NotFound("No such offer.")
    if offer.status != "active":
        raise Conflict(f"The offer is {offer.status}.", code="offer_not_active")
    return offer


@records_rejections("revise")
@retry_on_conflict()
def revise(p: Principal, offer_id: str, body: OfferRevise) -> Offer:
    """Revise an active offer while its RFO is OPEN: within the revision limit and interval, optionally by a
    minimum improvement, valid like a submission. The revision counter (``revision = :expected``) makes the
    limit and the interval exact under concurrent revisions."""
    now = clock.now()
    settings = config.settings()
    offer = _own_active_offer(p, offer_id)
    rfo = store().get_rfo(offer.rfo_id)
    if rfo is None:
        raise NotFound("No such offer.")
    _require_open(rfo, now)
    limits.check_revision(int(offer.revision) - 1, offer.updated_at, now, settings.limits)
    fields = body.model_fields_set
    delivery = offer.delivery_date
    if "delivery_date" in fields or "eta_days" in fields:
        delivery = utc(delivery_from(body.eta_days, body.delivery_date, now))
    terms = OfferTerms(
        body.unit_price if body.unit_price is not None else int(offer.unit_price),
        offer.currency,
        body.quantity_available if body.quantity_available is not None else int(offer.quantity_available),
        delivery,
        utc(body.valid_until) if body.valid_until is not None else offer.valid_until,
        True,
        notes=body.notes,
        delivery_field=delivery_field(body.eta_days, body.delivery_date),
    )
    check_revision(
        terms,
        current_unit_price=int(offer.unit_price),
        allow_price_increase=settings.limits.allow_price_increase,
        rfo_currency=rfo.currency,
        now=now,
        rfo=_bounds(rfo),
        policy=settings.offers,
    )
    limits.check_improvement(
        int(offer.unit_price), terms.unit_price, offer.delivery_date, terms.delivery_date, settings.limits
    )
    revised = {
        "id": offer.id,
        "vendor_id": offer.vendor_id,
        "unit_price": terms.unit_price,
        "quantity_available": terms.quantity_available,
        "delivery_date": terms.delivery_date,
        "submitted_at": offer.submitted_at,
        "valid_until": terms.valid_until,
    }
    revision = OfferRevision(
        terms.unit_price,
        terms.quantity_available,
        terms.delivery_date,
        terms.valid_until,
        set_notes="notes" in fields,
        notes=body.notes,
        score=_stored_score(rfo, revised),
    )
    data = {"revision": int(offer.revision) + 1, "unit_price": terms.unit_price}
    try:
        offer = store().revise_offer(
            offer,
            revision,
            _change(p, _ref(offer), "revise", "offer.revised", now, data),
            generation=scores.generation_of(rfo),
        )
    except ConditionFailed as exc:
        if exc.failed_on("rfos"):
            raise _rfo_lost_race(offer.rfo_id, now, scores.generation_of(rfo)) from None
        if exc.failed_on("accounts"):
            raise antigaming.cooldown_conflict(p.id, now, p.environment) from None
        raise TransactionConflict() from None  # another change won: decide again on the fresh offer
    obs.count("OffersRevised")
    return offer_view(offer, rfo)


@retry_on_conflict()
def withdraw(p: Principal, offer_id: str) -> Offer:
    """Withdraw an active offer while its RFO is OPEN."""
    now = clock.now()
    offer = _own_active_offer(p, offer_id)
    change = _change(p, _ref(offer), "withdraw", "offer.withdrawn", now, {}, "active", "withdrawn")
    try:
        offer = store().withdraw_offer(offer, change)
    except ConditionFailed as exc:
        if exc.failed_on("rfos"):
            raise _rfo_lost_race(offer.rfo_id, now) from None
        raise TransactionConflict() from None  # revised or withdrawn meanwhile: decide again
    obs.count("OffersWithdrawn")
    return offer_view(offer)


RankHidden = Literal["sealed", "not_ranked"]


def _rank_hidden_reason(p: Principal, offer: OfferRecord, rfo: Rfo | None) -> RankHidden | None:
    """Why an offer's ``rank`` is not shown to ``p`` (None: it is): the one disclosure rule of every offer read."""
    if rfo is None or offer.status != "active":
        return "not_ranked"  # withdrawn, or already decided: only active offers stand in the ranking
    if p.kind != "buyer" and rfo.disclosure != "own_rank":
        return "sealed"  # the RFO's disclosure shows a rank to its buyer only
    return None


def _with_standing(p: Principal, offer: OfferRecord, rfo: Rfo | None, ranks: dict[str, int] | None) -> Offer:
    """The offer's view with its rank (or why it is hidden); ``ranks`` is its RFO's standing, computed once."""
    from intentbid.services.ranking import standing_ranks

    view = offer_view(offer, rfo)
    reason: RankHidden | None = _rank_hidden_reason(p, offer, rfo)
    if reason is None and rfo is not None:
        view.rank = (ranks if ranks is not None else standing_ranks(rfo)).get(offer.id)
        reason = None if view.rank is not None else "not_ranked"
    view.rank_hidden_reason = reason
    return view


def get(p: Principal, offer_id: str) -> Offer:
    """An offer; its ``rank`` is disclosed to the buyer, and to its vendor only when the RFO is ``own_rank``
    (never another vendor's price or identity); ``rank_hidden_reason`` says why it is null."""
    offer, rfo = ownership.offer_for(p, offer_id)
    rfo = rfo or store().get_rfo(offer.rfo_id)
    return _with_standing(p, offer, rfo, None)


def list_for_rfo(p: Principal, rfo_id: str, q: PageQuery) -> OfferPage:
    """The RFO's buyer (and admins) see every offer; a vendor sees only its own."""
    rfo = ownership.rfo_for(p, rfo_id)
    vendor = p.id if p.kind == "vendor" else None
    items, cursor = store().offers_page_of_rfo(rfo.id, limit=q.limit, cursor=q.cursor, vendor_id=vendor)
    return OfferPage(data=[offer_view(o, rfo) for o in items], next_cursor=cursor)


def list_for_vendor(p: Principal, vendor_id: str, q: PageQuery) -> OfferPage:
    """A vendor's offers and their standing, exactly as ``GET /v1/offers/{id}`` gives each: per distinct RFO on
    the page one GetItem (its status and disclosure) and, where a rank is disclosed, one ranking Query — so at
    most ``2 x limit`` reads after the page's own Query (see README, "Scoring")."""
    from intentbid.services.ranking import standing_ranks

    if not ids.is_id(vendor_id, "ven") or (p.kind == "vendor" and vendor_id != p.id):
        raise NotFound("No such vendor.")
    items, cursor = store().offers_page_of_vendor(vendor_id, limit=q.limit, cursor=q.cursor)
    if not p.is_admin:
        items = [o for o in items if o.environment == p.environment]
    rfos: dict[str, Rfo | None] = {}
    ranks: dict[str, dict[str, int]] = {}
    data = []
    for o in items:
        if o.rfo_id not in rfos:
            rfos[o.rfo_id] = store().get_rfo(o.rfo_id)
        rfo = rfos[o.rfo_id]
        if rfo is not None and _rank_hidden_reason(p, o, rfo) is None and rfo.id not in ranks:
            ranks[rfo.id] = standing_ranks(rfo)
        data.append(_with_standing(p, o, rfo, ranks.get(o.rfo_id, {})))
    return OfferPage(data=data, next_cursor=cursor)


def rule_errors(p: Principal, fields: Mapping[str, Any], *, rfo_id: str = "", offer_id: str = "") -> list[FieldError]:
    """The offer rules over the fields of a submission (``rfo_id``) or revision (``offer_id``) the schema refused,
    so the 400 lists them with the schema's errors. No answer of its own: an RFO or offer the caller cannot use
    adds nothing (the request's real answer then comes once the body is valid)."""
    settings = config.settings()
    current: int | None = None
    try:
        if offer_id:
            offer = _own_active_offer(p, offer_id)
            rfo, current = store().get_rfo(offer.rfo_id), int(offer.unit_price)
        else:
            rfo = ownership.rfo_for(p, rfo_id)
    except DomainError:
        return []
    if rfo is None:
        return []
    return violations_of(
        fields,
        rfo_currency=rfo.currency,
        now=clock.now(),
        rfo=_bounds(rfo),
        policy=settings.offers,
        current_unit_price=current,
        allow_price_increase=settings.limits.allow_price_increase,
    )

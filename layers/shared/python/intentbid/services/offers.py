from __future__ import annotations

from datetime import datetime
from typing import Any

from intentbid import observability as obs
from intentbid.domain import clock, ids
from intentbid.domain.errors import Conflict, NotFound
from intentbid.domain.lifecycle import EXPIRED, OPEN, effective_status
from intentbid.domain.offer_rules import OfferTerms, check, delivery_from
from intentbid.domain.principal import Principal
from intentbid.schemas.common import PageQuery, utc
from intentbid.schemas.offers import Offer, OfferCreate, OfferPage, OfferRevise
from intentbid.services import access
from intentbid.services.views import offer_view
from intentbid.store import offers as store
from intentbid.store import outbox
from intentbid.store import rfos as rfo_store
from intentbid.store.models.offers import OfferModel
from intentbid.store.models.rfos import RfoModel
from intentbid.store.tx import ConditionFailed


def _require_open(r: RfoModel, now: datetime) -> None:
    status = effective_status(r.status, r.expires_at, now)
    if status == EXPIRED:
        raise Conflict("The RFO's deadline has passed.", code="rfo_expired", extra={"rfo_status": status})
    if status != OPEN:
        raise Conflict(
            f"The RFO is {status}; offers are accepted only while it is OPEN.",
            code="rfo_not_open",
            extra={"rfo_status": status},
        )


def _rfo_lost_race(rfo_id: str, now: datetime) -> Conflict:
    r = rfo_store.get(rfo_id)
    if r is not None:
        try:
            _require_open(r, now)
        except Conflict as exc:
            return exc
    return Conflict("The RFO stopped accepting offers.", code="rfo_not_open")


def submit(p: Principal, rfo_id: str, body: OfferCreate) -> Offer:
    """Submit an offer: only on an OPEN RFO before its deadline (checked on read and again inside the write
    transaction), in the RFO's currency, with availability confirmed. Two DynamoDB calls."""
    now = clock.now()
    rfo = access.rfo_for(p, rfo_id)
    _require_open(rfo, now)
    delivery = utc(delivery_from(body.eta_days, body.delivery_date, now))
    terms = OfferTerms(
        body.unit_price,
        body.currency,
        body.quantity_available,
        delivery,
        utc(body.valid_until),
        body.availability_confirmed,
    )
    check(terms, rfo_currency=rfo.currency, now=now)
    offer = OfferModel(
        rfo.id,
        ids.new_id("off"),
        vendor_id=p.id,
        environment=rfo.environment,
        status="active",
        unit_price=terms.unit_price,
        currency=terms.currency,
        quantity_available=terms.quantity_available,
        delivery_date=delivery,
        availability_confirmed=True,
        valid_until=terms.valid_until,
        notes=body.notes,
        revision=1,
        submitted_at=now,
        updated_at=now,
    )
    event = outbox.event(
        "offer.submitted", offer.id, rfo.environment, {"offer_id": offer.id, "rfo_id": rfo.id, "vendor_id": p.id}, now
    )
    try:
        store.submit(offer, event, now)
    except ConditionFailed:
        raise _rfo_lost_race(rfo.id, now) from None
    obs.logger.info("offer submitted", extra={"offer_id": offer.id, "rfo_id": rfo.id})
    obs.count("OffersSubmitted")
    return offer_view(offer, int(rfo.quantity))


def _own_active_offer(p: Principal, offer_id: str) -> OfferModel:
    offer, _ = access.offer_for(p, offer_id)
    if offer.vendor_id != p.id:
        raise NotFound("No such offer.")
    if offer.status != "active":
        raise Conflict(f"The offer is {offer.status}.", code="offer_not_active")
    return offer


def revise(p: Principal, offer_id: str, body: OfferRevise) -> Offer:
    """Revise an active offer while its RFO is OPEN; the revision counter guards concurrent revisions."""
    now = clock.now()
    offer = _own_active_offer(p, offer_id)
    rfo = rfo_store.get(offer.rfo_id)
    if rfo is None:
        raise NotFound("No such offer.")
    _require_open(rfo, now)
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
    )
    check(terms, rfo_currency=rfo.currency, now=now)
    changes: dict[str, Any] = {
        "unit_price": terms.unit_price,
        "quantity_available": terms.quantity_available,
        "delivery_date": terms.delivery_date,
        "valid_until": terms.valid_until,
        "updated_at": now,
        "revision": int(offer.revision) + 1,
    }
    if "notes" in fields:
        changes["notes"] = body.notes
    actions = [getattr(OfferModel, k).set(v) for k, v in changes.items() if v is not None]
    if "notes" in fields and body.notes is None:
        actions.append(OfferModel.notes.remove())
    event = outbox.event(
        "offer.revised",
        offer.id,
        offer.environment,
        {"offer_id": offer.id, "rfo_id": offer.rfo_id, "revision": changes["revision"]},
        now,
    )
    try:
        store.update(offer, actions, int(offer.revision), event, now)
    except ConditionFailed as exc:
        if exc.item_failed(0):
            raise _rfo_lost_race(offer.rfo_id, now) from None
        raise Conflict("The offer changed concurrently; fetch it and retry.", code="offer_not_active") from None
    for k, v in changes.items():
        setattr(offer, k, v)
    obs.count("OffersRevised")
    return offer_view(offer, int(rfo.quantity))


def withdraw(p: Principal, offer_id: str) -> Offer:
    """Withdraw an active offer while its RFO is OPEN."""
    now = clock.now()
    offer = _own_active_offer(p, offer_id)
    event = outbox.event(
        "offer.withdrawn", offer.id, offer.environment, {"offer_id": offer.id, "rfo_id": offer.rfo_id}, now
    )
    try:
        store.update(
            offer, [OfferModel.status.set("withdrawn"), OfferModel.updated_at.set(now)], int(offer.revision), event, now
        )
    except ConditionFailed as exc:
        if exc.item_failed(0):
            raise _rfo_lost_race(offer.rfo_id, now) from None
        raise Conflict("The offer changed concurrently; fetch it and retry.", code="offer_not_active") from None
    offer.status, offer.updated_at = "withdrawn", now
    obs.count("OffersWithdrawn")
    return offer_view(offer)


def get(p: Principal, offer_id: str) -> Offer:
    offer, rfo = access.offer_for(p, offer_id)
    return offer_view(offer, int(rfo.quantity) if rfo is not None else None)


def list_for_rfo(p: Principal, rfo_id: str, q: PageQuery) -> OfferPage:
    """The RFO's buyer (and admins) see every offer; a vendor sees only its own."""
    rfo = access.rfo_for(p, rfo_id)
    vendor = p.id if p.kind == "vendor" else None
    items, cursor = store.page_for_rfo(rfo.id, limit=q.limit, cursor=q.cursor, vendor_id=vendor)
    return OfferPage(data=[offer_view(o, int(rfo.quantity)) for o in items], next_cursor=cursor)


def list_for_vendor(p: Principal, vendor_id: str, q: PageQuery) -> OfferPage:
    if not ids.is_id(vendor_id, "ven") or (p.kind == "vendor" and vendor_id != p.id):
        raise NotFound("No such vendor.")
    items, cursor = store.page_for_vendor(vendor_id, limit=q.limit, cursor=q.cursor)
    if not p.is_admin:
        items = [o for o in items if o.environment == p.environment]
    return OfferPage(data=[offer_view(o) for o in items], next_cursor=cursor)

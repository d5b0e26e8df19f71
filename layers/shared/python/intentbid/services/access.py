"""Ownership and visibility: another tenant's object is a 404, never a 403 (no existence oracle)."""

from __future__ import annotations

from datetime import datetime

from intentbid.domain import ids
from intentbid.domain.errors import NotFound
from intentbid.domain.principal import Principal
from intentbid.store import offers as offer_store
from intentbid.store import rfos as rfo_store
from intentbid.store.models.offers import OfferModel
from intentbid.store.models.rfos import RfoModel


def _not_found(kind: str) -> NotFound:
    return NotFound(f"No such {kind}.")


def can_see_rfo(p: Principal, r: RfoModel) -> bool:
    if r.deleted_at is not None:
        return False
    if p.is_admin:
        return True
    if r.environment != p.environment:
        return False  # live keys never see sandbox data and vice versa
    if p.kind == "buyer":
        return r.buyer_id == p.id
    return p.kind == "vendor"


def rfo_for(p: Principal, rfo_id: str) -> RfoModel:
    if not ids.is_id(rfo_id, "rfo"):
        raise _not_found("RFO")
    r = rfo_store.get(rfo_id)
    if r is None or not can_see_rfo(p, r):
        raise _not_found("RFO")
    return r


def own_rfo(p: Principal, rfo_id: str) -> RfoModel:
    """The buyer's own RFO (admins may read any)."""
    r = rfo_for(p, rfo_id)
    if p.kind == "vendor":
        raise _not_found("RFO")
    return r


def offer_for(p: Principal, offer_id: str, *, now: datetime | None = None) -> tuple[OfferModel, RfoModel | None]:
    """An offer its vendor, the RFO's buyer or an admin may see; anyone else gets 404."""
    if not ids.is_id(offer_id, "off"):
        raise _not_found("offer")
    o = offer_store.get_by_id(offer_id)
    if o is None:
        raise _not_found("offer")
    if p.is_admin:
        return o, None
    if o.environment != p.environment:
        raise _not_found("offer")
    if p.kind == "vendor":
        if o.vendor_id != p.id:
            raise _not_found("offer")
        return o, None
    r = rfo_store.get(o.rfo_id)
    if r is None or not can_see_rfo(p, r):
        raise _not_found("offer")
    return o, r

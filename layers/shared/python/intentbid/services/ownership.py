"""Ownership and visibility: another tenant's object is a 404, never a 403 (no existence oracle)."""

from __future__ import annotations

from datetime import datetime

from intentbid.domain import ids
from intentbid.domain.errors import NotFound
from intentbid.domain.principal import Principal
from intentbid.store import dynamo  # noqa: F401 - the real store loads at cold start (init), not on the first request
from intentbid.store.port import Offer, Rfo, store


def _not_found(kind: str) -> NotFound:
    return NotFound(f"No such {kind}.")


def can_see_rfo(p: Principal, r: Rfo) -> bool:
    if r.deleted_at is not None:
        return False
    if p.is_admin:
        return True
    if r.environment != p.environment:
        return False  # live keys never see sandbox data and vice versa
    if p.kind == "buyer":
        return r.buyer_id == p.id
    return p.kind == "vendor"


def rfo_for(p: Principal, rfo_id: str) -> Rfo:
    if not ids.is_id(rfo_id, "rfo"):
        raise _not_found("RFO")
    r = store().get_rfo(rfo_id)
    if r is None or not can_see_rfo(p, r):
        raise _not_found("RFO")
    return r


def own_rfo(p: Principal, rfo_id: str) -> Rfo:
    """The buyer's own RFO (admins may read any)."""
    r = rfo_for(p, rfo_id)
    if p.kind == "vendor":
        raise _not_found("RFO")
    return r


def offer_for(p: Principal, offer_id: str, *, now: datetime | None = None) -> tuple[Offer, Rfo | None]:
    """An offer its vendor, the RFO's buyer or an admin may see; anyone else gets 404."""
    if not ids.is_id(offer_id, "off"):
        raise _not_found("offer")
    o = store().find_offer(offer_id)
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
    r = store().get_rfo(o.rfo_id)
    if r is None or not can_see_rfo(p, r):
        raise _not_found("offer")
    return o, r

"""RFOs and offers as each viewer may see them (disclosure, standing, allowed actions, awardability)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from intentbid.domain.lifecycle import AWARDED, allowed_actions, effective_status
from intentbid.domain.principal import Principal
from intentbid.domain.scoring import fmt
from intentbid.schemas.offers import Offer
from intentbid.schemas.rfos import Rfo
from intentbid.store.port import Offer as OfferRecord
from intentbid.store.port import Rfo as RfoRecord


def rfo_view(r: RfoRecord, viewer: Principal, now: datetime) -> Rfo:
    status = effective_status(r.status, r.expires_at, now)
    return Rfo(
        id=r.id,
        buyer_id=r.buyer_id if viewer.kind != "vendor" else None,
        status=status,  # type: ignore[arg-type]
        status_reason=r.status_reason,
        title=r.title,
        description=r.description,
        category=r.category,
        quantity=int(r.quantity),
        unit=r.unit,
        budget_max=int(r.budget_max),
        currency=r.currency,
        delivery_region=r.delivery_region,
        need_by=r.need_by,
        expires_at=r.expires_at,
        scoring_version=r.scoring_version,
        weights={k: fmt(v) for k, v in weights_of(r).items()},
        disclosure=r.disclosure,
        ranking_status=getattr(r, "ranking_status", None) or "current",  # type: ignore[arg-type]
        livemode=r.environment == "live",  # type: ignore[arg-type]
        awarded_offer_id=r.awarded_offer_id if viewer.kind != "vendor" else None,
        allowed_actions=allowed_actions(status) if viewer.kind == "buyer" else [],
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def weights_of(r: RfoRecord) -> dict[str, Decimal]:
    raw = r.weights.as_dict() if hasattr(r.weights, "as_dict") else dict(r.weights or {})
    return {k: Decimal(str(v)) for k, v in raw.items()}


def offer_status(o: OfferRecord, rfo: RfoRecord | None) -> str:
    """The stored status, except that an active offer on an awarded RFO is lost even when the award's
    transaction could not mark it (more offers than one transaction holds)."""
    if rfo is not None and o.status == "active" and rfo.status == AWARDED and rfo.awarded_offer_id != o.id:
        return "lost"
    return o.status


def offer_view(o: OfferRecord, rfo: RfoRecord | None = None) -> Offer:
    qty = int(o.quantity_available) if rfo is None else min(int(o.quantity_available), int(rfo.quantity))
    return Offer(
        id=o.id,
        rfo_id=o.rfo_id,
        vendor_id=o.vendor_id,
        status=offer_status(o, rfo),  # type: ignore[arg-type]
        unit_price=int(o.unit_price),
        currency=o.currency,
        quantity_available=int(o.quantity_available),
        total_price=int(o.unit_price) * qty,
        delivery_date=o.delivery_date,
        availability_confirmed=o.availability_confirmed,
        valid_until=o.valid_until,
        notes=o.notes,
        revision=int(o.revision),
        livemode=o.environment == "live",
        submitted_at=o.submitted_at,
        updated_at=o.updated_at,
    )

from __future__ import annotations

from intentbid import observability as obs
from intentbid.domain import clock, ids
from intentbid.domain.errors import FieldError, ValidationFailed
from intentbid.domain.lifecycle import OPEN
from intentbid.domain.principal import Principal
from intentbid.domain.scoring import fmt, get_version, normalise_weights
from intentbid.schemas.common import utc
from intentbid.schemas.rfos import Rfo, RfoCreate, RfoListQuery, RfoPage
from intentbid.services import access
from intentbid.services.views import rfo_view
from intentbid.store import expiry, outbox
from intentbid.store import rfos as store
from intentbid.store.models.rfos import RfoModel


def create(p: Principal, body: RfoCreate) -> Rfo:
    """Post an RFO. The deadline must be in the future and delivery no earlier than the deadline; weights
    are validated against the pinned scoring version and normalised to sum 1."""
    now = clock.now()
    expires_at, need_by = utc(body.expires_at), utc(body.need_by)
    errs = []
    if expires_at <= now:
        errs.append(FieldError("expires_at", "in_past", "the bidding deadline must be in the future"))
    if need_by < expires_at:
        errs.append(FieldError("need_by", "need_by_before_deadline", "need_by must not be before expires_at"))
    if errs:
        raise ValidationFailed("The RFO's dates are not valid.", errors=errs)
    version = get_version(body.scoring_version)
    weights = normalise_weights(version, body.weights)
    rfo = RfoModel(
        ids.new_id("rfo"),
        buyer_id=p.id,
        environment=p.environment,
        status=OPEN,
        list_key=store.list_key(p.environment, OPEN),
        title=body.title,
        description=body.description,
        category=body.category,
        quantity=body.quantity,
        unit=body.unit,
        budget_max=body.budget_max,
        currency=body.currency,
        delivery_region=body.delivery_region,
        need_by=need_by,
        expires_at=expires_at,
        scoring_version=version.version,
        weights={k: fmt(v) for k, v in weights.items()},
        disclosure=body.disclosure,
        created_at=now,
        updated_at=now,
        deadline_version=1,
    )
    event = outbox.event(
        "rfo.created",
        rfo.id,
        p.environment,
        {"rfo_id": rfo.id, "category": rfo.category, "expires_at": clock.to_rfc3339(expires_at)},
        now,
    )
    store.create(rfo, event)
    expiry.schedule(rfo.id, expires_at, 1)
    obs.logger.info("rfo created", extra={"rfo_id": rfo.id})
    obs.count("RfosCreated")
    return rfo_view(rfo, p, now)


def get(p: Principal, rfo_id: str) -> Rfo:
    return rfo_view(access.rfo_for(p, rfo_id), p, clock.now())


def list_(p: Principal, q: RfoListQuery) -> RfoPage:
    """A buyer lists its own RFOs (optionally by status); a vendor lists the OPEN RFOs of its environment
    it may bid on (optionally by category and region); an admin lists by status (default OPEN)."""
    now = clock.now()
    if p.kind == "buyer":
        items, cursor = store.page_for_buyer(p.id, limit=q.limit, cursor=q.cursor, status=q.status, now=now)
    elif p.kind == "vendor":
        items, cursor = store.page_open(
            p.environment, limit=q.limit, cursor=q.cursor, now=now, category=q.category, region=q.delivery_region
        )
    else:
        items, cursor = store.page_all(
            limit=q.limit, cursor=q.cursor, environment=p.environment, status=q.status or OPEN
        )
    return RfoPage(data=[rfo_view(r, p, now) for r in items], next_cursor=cursor)

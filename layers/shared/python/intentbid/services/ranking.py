"""Ranking use cases: the buyer's ranking and its explanation, weights changes, the scoring catalog, and a
vendor's own rank where the RFO discloses it. Scores are recomputed from the stored offers on every read under
the RFO's pinned version and weights (pure functions: the same inputs give the same bytes)."""

from __future__ import annotations

from intentbid import observability as obs
from intentbid.domain import clock, scoring, scoring_profiles
from intentbid.domain.errors import Conflict, FieldError, ValidationFailed
from intentbid.domain.lifecycle import CLOSED, EXPIRED, OPEN, effective_status
from intentbid.domain.principal import Principal
from intentbid.domain.scoring_profiles import choose_weights
from intentbid.schemas.ranking import (
    Explain,
    ProfileInfo,
    Ranking,
    RankingRow,
    ScoringCatalog,
    VersionInfo,
    WeightsUpdate,
)
from intentbid.schemas.rfos import Rfo
from intentbid.services import ownership, retry_on_conflict
from intentbid.services.views.antigaming import flag_view
from intentbid.services.views.marketplace import offer_status, rfo_view, weights_of
from intentbid.store import accounts as account_store
from intentbid.store import flags as flag_store
from intentbid.store.port import Actor, Change, ConditionFailed, Target, store
from intentbid.store.port import Offer as OfferRecord
from intentbid.store.port import Rfo as RfoRecord

RANKED_STATUSES = frozenset({"active", "won", "lost"})


def terms_of(r: RfoRecord) -> scoring.RfoTerms:
    return scoring.RfoTerms(r.id, int(r.quantity), int(r.budget_max), r.need_by, r.created_at, expires_at=r.expires_at)


def input_of(o: OfferRecord) -> scoring.OfferInput:
    # Vendor reliability is neutral (no delivery outcomes are recorded yet): see README, "Scoring".
    return scoring.OfferInput(
        o.id,
        o.vendor_id,
        int(o.unit_price),
        int(o.quantity_available),
        o.delivery_date,
        o.submitted_at,
        valid_until=o.valid_until,
    )


def _ranked_offers(rfo: RfoRecord) -> list[OfferRecord]:
    return [o for o in store().offers_of_rfo(rfo.id) if o.status in RANKED_STATUSES]


def _reasons(rfo: RfoRecord, offers: list[OfferRecord]) -> dict[str, str | None]:
    """offer id -> why it can no longer be awarded (None: it can), from the status the buyer sees."""
    now = clock.now()
    expired = effective_status(rfo.status, rfo.expires_at, now) == EXPIRED
    return {
        o.id: scoring.not_awardable_reason(offer_status(o, rfo), o.valid_until, now, rfo_expired=expired)
        for o in offers
    }


def _standing(rfo: RfoRecord) -> tuple[list[tuple[scoring.Scored, str | None]], dict[str, OfferRecord]]:
    """The RFO's offers in ranking order (awardable first, each group by score) with their reasons."""
    offers = _ranked_offers(rfo)
    version = scoring.get_version(rfo.scoring_version)
    ranked = scoring.rank(version, terms_of(rfo), [input_of(o) for o in offers], weights_of(rfo))
    return scoring.awardable_first(ranked, _reasons(rfo, offers)), {o.id: o for o in offers}


def rank(p: Principal, rfo_id: str) -> Ranking:
    """The buyer's full ranking under the RFO's pinned scoring version and weights; offers that can no longer be
    awarded (expired, already decided) are marked and follow every awardable one."""
    rfo = ownership.own_rfo(p, rfo_id)
    version = scoring.get_version(rfo.scoring_version)
    weights = weights_of(rfo)
    standing, models = _standing(rfo)
    names = account_store.names([s.offer.vendor_id for s, _ in standing])  # who each vendor is, for the buyer
    qty = int(rfo.quantity)
    rows = [
        RankingRow(
            rank=i,
            offer_id=s.offer.offer_id,
            vendor_id=s.offer.vendor_id,
            vendor_name=names.get(s.offer.vendor_id),
            score=scoring.fmt(s.score),
            components={k: scoring.fmt(v) for k, v in s.components.items()},
            penalties={k: scoring.fmt(v) for k, v in s.penalties.items()},
            unit_price=s.offer.unit_price,
            total_price=s.offer.unit_price * min(qty, s.offer.quantity_available),
            delivery_date=s.offer.delivery_date,
            valid_until=models[s.offer.offer_id].valid_until,
            revision=int(models[s.offer.offer_id].revision),
            awardable=reason is None,
            not_awardable_reason=reason,  # type: ignore[arg-type]
        )
        for i, (s, reason) in enumerate(standing, start=1)
    ]
    return Ranking(
        rfo_id=rfo.id,
        scoring_version=version.version,
        weights={k: scoring.fmt(v) for k, v in weights.items()},
        data=rows,
    )


def explain(p: Principal, rfo_id: str) -> Explain:
    """Why each offer ranks where it does, plus the formula and any suspicious-activity flags on the RFO. The
    entries follow the ranking's order (awardable first) and say why an offer can no longer be awarded."""
    rfo = ownership.own_rfo(p, rfo_id)
    offers = _ranked_offers(rfo)
    payload = scoring.explain_payload(
        rfo.scoring_version, terms_of(rfo), [input_of(o) for o in offers], weights_of(rfo)
    )
    reasons, models = _reasons(rfo, offers), {o.id: o for o in offers}
    entries = sorted(payload["data"], key=lambda e: reasons[e["offer_id"]] is not None)  # stable: score order
    for i, e in enumerate(entries, start=1):
        reason = reasons[e["offer_id"]]
        e.update(
            rank=i,
            revision=int(models[e["offer_id"]].revision),
            awardable=reason is None,
            not_awardable_reason=reason,
            not_awardable_detail=scoring.NOT_AWARDABLE[reason] if reason else None,
        )
    payload["data"] = entries
    return Explain(
        **payload,
        penalties=payload["penalty_caps"],  # the deprecated alias (README, "Scoring")
        awardability=scoring.AWARDABILITY,
        flags=[flag_view(f) for f in flag_store.for_rfo(rfo.id)],
    )


def standing_ranks(rfo: RfoRecord) -> dict[str, int]:
    """offer id -> its current rank on the RFO, as the buyer's ranking shows it (one paginated Query)."""
    standing, _ = _standing(rfo)
    return {s.offer.offer_id: i for i, (s, _reason) in enumerate(standing, start=1)}


@retry_on_conflict()
def set_weights(p: Principal, rfo_id: str, body: WeightsUpdate) -> Rfo:
    """Change how offers are weighed (and optionally the version), only while the RFO is OPEN or CLOSED.
    Audited; the ranking re-ranks at once (it is computed on read)."""
    now = clock.now()
    rfo = ownership.own_rfo(p, rfo_id)
    status = effective_status(rfo.status, rfo.expires_at, now)
    if status not in (OPEN, CLOSED):
        raise Conflict(
            f"Weights can change only while the RFO is OPEN or CLOSED; it is {status}.",
            code="rfo_not_open",
            extra={"rfo_status": status},
        )
    version = scoring.get_version(body.scoring_version or rfo.scoring_version)
    if body.weights is None and body.profile is None and body.scoring_version is None:
        raise ValidationFailed(
            "Give weights, a profile or a scoring_version.",
            errors=[FieldError("weights", "required", "nothing to change: give weights, profile or scoring_version")],
        )
    weights = (
        choose_weights(version, body.weights, body.profile, rfo.category)
        if (body.weights is not None or body.profile is not None or version.version != rfo.scoring_version)
        else weights_of(rfo)
    )
    before = {k: scoring.fmt(v) for k, v in weights_of(rfo).items()}
    after = {k: scoring.fmt(v) for k, v in weights.items()}
    data = {
        "scoring_version": version.version,
        "weights": after,
        "previous_weights": before,
        "previous_version": rfo.scoring_version,
    }
    change = Change(
        Actor.of(p),
        Target("rfo", rfo.id, rfo.environment),
        "weights",
        "rfo.updated",
        data,
        now,
        event_data={"rfo_id": rfo.id, **data},
    )
    try:
        updated = store().set_rfo_weights(rfo, after, version.version, change)
    except ConditionFailed:
        raise Conflict(
            "The RFO changed while the weights were set; fetch it and retry.", code="invalid_transition"
        ) from None
    obs.count("WeightsChanged")
    return rfo_view(updated, p, now)


def catalog() -> ScoringCatalog:
    versions = []
    for v in scoring.VERSIONS.values():
        lo, hi = v.bounds
        versions.append(
            VersionInfo(
                version=v.version,
                components=list(v.components),
                penalty_caps=(caps := {k: scoring.fmt(m) for k, m in v.penalties.items()}),
                penalties=caps,  # the deprecated alias
                default_weights={k: scoring.fmt(w) for k, w in scoring.normalise_weights(v, None).items()},
                bounds=[scoring.fmt(lo), scoring.fmt(hi)],
                relative=v.relative,
                formula=v.formula,
            )
        )
    profiles = [
        ProfileInfo(
            name=name,
            description=scoring_profiles.PROFILE_DESCRIPTIONS[name],
            weights={
                vid: {k: scoring.fmt(w) for k, w in scoring_profiles.profile_weights(name, v).items()}
                for vid, v in scoring.VERSIONS.items()
            },
        )
        for name in scoring_profiles.PROFILES
    ]
    return ScoringCatalog(
        default_version=scoring.LATEST,
        versions=versions,
        profiles=profiles,
        category_profiles=dict(scoring_profiles.CATEGORY_PROFILES),
    )

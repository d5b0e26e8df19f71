"""Ranking use cases: the buyer's ranking and its explanation, weights changes, the scoring catalog, and a
vendor's own rank where the RFO discloses it. Scores are recomputed from the stored offers on every read under
the RFO's pinned version and weights (pure functions: the same inputs give the same bytes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from intentbid import observability as obs
from intentbid.domain import clock, scoring, scoring_profiles
from intentbid.domain.errors import Conflict, FieldError, ValidationFailed
from intentbid.domain.lifecycle import AWARDED, CLOSED, EXPIRED, OPEN, effective_status
from intentbid.domain.principal import Principal
from intentbid.domain.scoring_profiles import choose_weights
from intentbid.schemas.ranking import (
    Explain,
    ProfileInfo,
    Ranking,
    RankingQuery,
    RankingRow,
    ScoringCatalog,
    VersionInfo,
    WeightsUpdate,
)
from intentbid.schemas.rfos import Rfo
from intentbid.services import ownership, retry_on_conflict, scores
from intentbid.services.views.antigaming import flag_view
from intentbid.services.views.marketplace import offer_status, rfo_view, weights_of
from intentbid.store import accounts as account_store
from intentbid.store import flags as flag_store
from intentbid.store import paging
from intentbid.store.port import Actor, Change, ConditionFailed, RankedOffer, Target, store
from intentbid.store.port import Offer as OfferRecord
from intentbid.store.port import Rfo as RfoRecord

RANKED_STATUSES = frozenset({"active", "won", "lost"})
terms_of, input_of = scores.terms_of, scores.input_of
_CURSOR_KEYS = {"rfo_id", "id", "rank_key", "phase", "rank"}
# phase of a page read: "a" awardable offers (valid_until ahead), "b" the others, "all" every offer (an awarded
# or expired RFO: none is awardable), "full" a page of the full computation (offset "rank")
_PHASES = ("a", "b", "all", "full")


def _ranked_offers(rfo: RfoRecord) -> list[OfferRecord]:
    return [o for o in store().offers_of_rfo(rfo.id) if o.status in RANKED_STATUSES]


def _expired(rfo: RfoRecord, now: datetime) -> bool:
    return effective_status(rfo.status, rfo.expires_at, now) == EXPIRED


def _reason(rfo: RfoRecord, o: RankedOffer, now: datetime, expired: bool) -> str | None:
    status = offer_status(o, rfo)  # type: ignore[arg-type]  # reads only status and id
    return scoring.not_awardable_reason(status, o.valid_until, now, rfo_expired=expired)


def _reasons(rfo: RfoRecord, offers: list[OfferRecord]) -> dict[str, str | None]:
    """offer id -> why it can no longer be awarded (None: it can), from the status the buyer sees."""
    now = clock.now()
    expired = _expired(rfo, now)
    return {o.id: _reason(rfo, o, now, expired) for o in offers}


def _standing(rfo: RfoRecord) -> tuple[list[tuple[scoring.Scored, str | None]], dict[str, OfferRecord]]:
    """The RFO's offers in ranking order (awardable first, each group by score) with their reasons."""
    offers = _ranked_offers(rfo)
    version = scoring.get_version(rfo.scoring_version)
    ranked = scoring.rank(version, terms_of(rfo), [input_of(o) for o in offers], weights_of(rfo))
    return scoring.awardable_first(ranked, _reasons(rfo, offers)), {o.id: o for o in offers}


# --- one page -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Page:
    """One page of the ranking: (offer, why not awardable) in ranking order, the rank of the first, the next
    cursor, and the Scored of each row when the page was fully computed (None: read from stored scores)."""

    rows: list[tuple[RankedOffer, str | None]]
    first_rank: int
    next_cursor: str | None
    computed: dict[str, scoring.Scored] | None


class _NotStored(Exception):
    """A page met an offer without the current stored score: the page is computed instead."""


def _cursor(rfo_id: str, phase: str, rank: int, last: RankedOffer | None = None) -> str | None:
    key = {"rfo_id": rfo_id, "id": last.id if last else "", "rank_key": (last.rank_key or "") if last else ""}
    return paging.encode({k: {"S": v} for k, v in {**key, "phase": phase, "rank": str(rank)}.items()})


def _decode(rfo_id: str, cursor: str | None) -> tuple[str | None, dict[str, Any] | None, int]:
    """(phase, the index's start key or None, the rank of the last row served) of a cursor of this RFO."""
    raw = paging.decode(cursor, _CURSOR_KEYS)
    if raw is None:
        return None, None, 0
    v = {k: a["S"] for k, a in raw.items()}
    if v["rfo_id"] != rfo_id or v["phase"] not in _PHASES or not v["rank"].isdigit() or len(v["rank"]) > 7:
        raise paging.invalid_cursor()
    start = {k: {"S": v[k]} for k in ("rfo_id", "id", "rank_key")} if v["id"] and v["rank_key"] else None
    return v["phase"], start, int(v["rank"])


def _stored_page(rfo: RfoRecord, limit: int, phase: str | None, start: dict[str, Any] | None, rank: int) -> _Page:
    """A page from the by_rank index (stored scores): one strongly consistent Query of ``limit + 1`` items when
    the offers' validity does not interfere. Awardability depends on the time (an offer whose ``valid_until``
    passed follows every awardable one), so while the RFO is OPEN or CLOSED phase "a" keeps the awardable offers
    and phase "b" then the others, each in index order; a page reads past the offers its phase skips, and the
    page where phase "a" ends starts phase "b" (from the offers already read when the whole index was, else one
    more Query)."""
    now = clock.now()
    expired = _expired(rfo, now)
    phase = phase or ("all" if expired or rfo.status == AWARDED else "a")
    rows: list[tuple[RankedOffer, str | None]] = []
    skipped: list[tuple[RankedOffer, str | None]] = []  # phase a: the not-awardable ones passed over

    def read(which: str, from_key: dict[str, Any] | None) -> bool:
        """Fill ``rows`` from the index in phase ``which``; True when the index may hold more for the phase."""
        for o in store().ranking_page(rfo.id, from_key, limit + 1):
            if not scores.is_current(o, rfo):
                raise _NotStored
            r = _reason(rfo, o, now, expired)
            if which == "a" and r is not None:
                skipped.append((o, r))
                continue
            if which == "b" and r is None:
                continue
            if len(rows) == limit:
                return True  # one more of the phase exists
            rows.append((o, r))
        return False

    more = read(phase, start)
    if more:
        return _Page(rows, rank + 1, _cursor(rfo.id, phase, rank + len(rows), rows[-1][0]), None)
    if phase != "a":
        return _Page(rows, rank + 1, None, None)
    # phase a is over: the not-awardable offers follow, from the first
    taken = len(rows)
    if start is None:  # the whole index was read: every not-awardable offer is in ``skipped``, in order
        rows += skipped[: limit - taken]
        more = len(skipped) > limit - taken
    else:
        more = read("b", None)
    if not more:
        return _Page(rows, rank + 1, None, None)
    last_b = rows[-1][0] if len(rows) > taken else None  # None: phase b starts at the first offer
    return _Page(rows, rank + 1, _cursor(rfo.id, "b", rank + len(rows), last_b), None)


def _computed_page(rfo: RfoRecord, limit: int | None, offset: int) -> _Page:
    """A page of the full computation (v2-relative, a recompute under way, an RFO from before stored scores)."""
    standing, models = _standing(rfo)
    chosen = standing[offset : offset + limit] if limit is not None else standing[offset:]
    more = limit is not None and offset + limit < len(standing)
    return _Page(
        [(models[s.offer.offer_id], r) for s, r in chosen],
        offset + 1,
        _cursor(rfo.id, "full", offset + len(chosen)) if more else None,
        {s.offer.offer_id: s for s, _ in chosen},
    )


def _page(rfo: RfoRecord, limit: int | None, cursor: str | None) -> _Page:
    """The page asked for: from the stored scores when the RFO reads them and a limit is given, else computed."""
    phase, start, rank = _decode(rfo.id, cursor)
    if limit is not None and phase != "full" and scores.reads_stored(rfo):
        try:
            return _stored_page(rfo, limit, phase, start, rank)
        except _NotStored:
            obs.logger.warning("offer without its current stored score: ranking computed", extra={"rfo_id": rfo.id})
    return _computed_page(rfo, limit, rank)


def _row_numbers(page: _Page, o: RankedOffer) -> tuple[str, dict[str, str], dict[str, str]]:
    """(score, components, penalties) of a row: the stored ones, or the page's computation."""
    if page.computed is None:
        detail = scores.detail_of(o)
        return str(o.score), detail.get("components", {}), detail.get("penalties", {})
    s = page.computed[o.id]
    fmt = scoring.fmt
    return fmt(s.score), {k: fmt(v) for k, v in s.components.items()}, {k: fmt(v) for k, v in s.penalties.items()}


def rank(p: Principal, rfo_id: str, q: RankingQuery | None = None) -> Ranking:
    """The buyer's ranking under the RFO's pinned scoring version and weights; offers that can no longer be
    awarded (expired, already decided) are marked and follow every awardable one. With ``limit``, one page
    (read from the stored scores: services.scores); without, every offer (computed)."""
    q = q or RankingQuery()
    rfo = ownership.own_rfo(p, rfo_id)
    version = scoring.get_version(rfo.scoring_version)
    weights = weights_of(rfo)
    page = _page(rfo, q.limit, q.cursor)
    names = _names(rfo, [o for o, _ in page.rows])
    qty = int(rfo.quantity)
    rows = []
    for i, (o, reason) in enumerate(page.rows, start=page.first_rank):
        score, components, penalties = _row_numbers(page, o)
        rows.append(
            RankingRow(
                rank=i,
                offer_id=o.id,
                vendor_id=o.vendor_id,
                vendor_name=names.get(o.vendor_id),
                score=score,
                components=components,
                penalties=penalties,
                unit_price=int(o.unit_price),
                total_price=int(o.unit_price) * min(qty, int(o.quantity_available)),
                delivery_date=o.delivery_date,
                valid_until=o.valid_until,
                revision=int(o.revision),
                awardable=reason is None,
                not_awardable_reason=reason,  # type: ignore[arg-type]
            )
        )
    return Ranking(
        rfo_id=rfo.id,
        scoring_version=version.version,
        weights={k: scoring.fmt(v) for k, v in weights.items()},
        ranking_status=scores.status_of(rfo),  # type: ignore[arg-type]
        data=rows,
        next_cursor=page.next_cursor,
    )


def _names(rfo: RfoRecord, offers: list[RankedOffer]) -> dict[str, str]:
    """Who each vendor is, for the buyer: the name stored on the offer, else one BatchGetItem for the rest."""
    known = {o.vendor_id: str(o.vendor_name) for o in offers if o.vendor_name}
    missing = [o.vendor_id for o in offers if o.vendor_id not in known]
    return {**known, **(account_store.names(missing) if missing else {})}


def explain(p: Principal, rfo_id: str, q: RankingQuery | None = None) -> Explain:
    """Why each offer ranks where it does, plus the formula and any suspicious-activity flags on the RFO. The
    entries follow the ranking's order (awardable first) and say why an offer can no longer be awarded. With
    ``limit``, the entries of that page of the ranking (the same page and cursor as the ranking's)."""
    q = q or RankingQuery()
    rfo = ownership.own_rfo(p, rfo_id)
    page = _page(rfo, q.limit, q.cursor)
    offers = [o for o, _ in page.rows]
    # offer-independent versions explain each offer alone; a relative one against the whole field (computed)
    field = _ranked_offers(rfo) if scoring.get_version(rfo.scoring_version).relative else offers
    payload = scoring.explain_payload(rfo.scoring_version, terms_of(rfo), [input_of(o) for o in field], weights_of(rfo))
    by_id = {e["offer_id"]: e for e in payload["data"]}
    entries = []
    for i, (o, reason) in enumerate(page.rows, start=page.first_rank):
        e = by_id[o.id]
        e.update(
            rank=i,
            revision=int(o.revision),
            awardable=reason is None,
            not_awardable_reason=reason,
            not_awardable_detail=scoring.NOT_AWARDABLE[reason] if reason else None,
        )
        entries.append(e)
    payload["data"] = entries
    return Explain(
        **payload,
        penalties=payload["penalty_caps"],  # the deprecated alias (README, "Scoring")
        awardability=scoring.AWARDABILITY,
        flags=[flag_view(f) for f in flag_store.for_rfo(rfo.id)],
        ranking_status=scores.status_of(rfo),  # type: ignore[arg-type]
        next_cursor=page.next_cursor,
    )


def standing_ranks(rfo: RfoRecord) -> dict[str, int]:
    """offer id -> its current rank on the RFO, as the buyer's ranking shows it (one paginated Query)."""
    standing, _ = _standing(rfo)
    return {s.offer.offer_id: i for i, (s, _reason) in enumerate(standing, start=1)}


@retry_on_conflict()
def set_weights(p: Principal, rfo_id: str, body: WeightsUpdate) -> Rfo:
    """Change how offers are weighed (and optionally the version), only while the RFO is OPEN or CLOSED.
    Audited; the ranking re-ranks at once: the stored scores are recomputed in the background (the RFO's
    ``ranking_status`` is ``recomputing`` meanwhile, and the ranking is computed on read until it is done)."""
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
        updated = store().set_rfo_weights(rfo, after, version.version, change, recompute=scoring.stores_scores(version))
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

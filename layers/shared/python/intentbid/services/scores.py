"""Stored scores: an offer-independent version's (v1, v2) score is computed when the offer is written and stored
with it, so a ranking read is one page of the by_rank index (services.ranking), whatever the number of offers.

- Submit and revise store the offer's score under the RFO's ``weights_generation``, in the offer's transaction,
  whose RFO guard also requires that generation: a weights change racing the write makes it retry under the
  new weights, so no stale score is ever committed.
- A weights change bumps the generation, sets ``ranking_status = "recomputing"`` and writes the internal
  ``rfo.ranking_pending`` event; the outbox dispatcher runs :func:`recompute` once per such event: the next batch
  of offers whose stored score is older than the generation, past the event's ``after`` (the checkpoint), all in
  one transaction with the next ``rfo.ranking_pending`` (or, for the last batch, ``ranking_status = "current"``).
  Each invocation is bounded; a crash or redelivery resumes at the last committed batch; every write is
  conditioned on the offer's revision and on having no newer score, so a newer generation always wins.
- While ``recomputing`` (and for ``v2-relative``, and for an RFO from before stored scores) the ranking is the
  full computation under the RFO's current weights: correct, never a mix of two generations.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from intentbid import observability as obs
from intentbid.domain import clock, scoring
from intentbid.services import retry_on_conflict
from intentbid.services.views.marketplace import weights_of
from intentbid.store.port import ConditionFailed, RankedOffer, TransactionConflict, store
from intentbid.store.port import Offer as OfferRecord
from intentbid.store.port import Rfo as RfoRecord

# A transaction holds 100 items: the RFO's check (or its update), the continuation event, then one per offer.
BATCH = 100 - 2
CURRENT, RECOMPUTING = "current", "recomputing"


def generation_of(rfo: RfoRecord) -> int | None:
    g = getattr(rfo, "weights_generation", None)
    return int(g) if g is not None else None


def status_of(rfo: RfoRecord) -> str:
    """The RFO's ranking status as served: an RFO from before stored scores is ``current`` (fully computed)."""
    return str(getattr(rfo, "ranking_status", None) or CURRENT)


def reads_stored(rfo: RfoRecord) -> bool:
    """Whether the ranking can be read from the stored scores: an offer-independent version, a generation and
    no recompute under way."""
    return generation_of(rfo) is not None and status_of(rfo) == CURRENT and scoring.stores_scores(rfo.scoring_version)


def terms_of(r: RfoRecord) -> scoring.RfoTerms:
    return scoring.RfoTerms(r.id, int(r.quantity), int(r.budget_max), r.need_by, r.created_at, expires_at=r.expires_at)


def input_of(o: Any) -> scoring.OfferInput:
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


def fields_for(rfo: RfoRecord, offer: scoring.OfferInput) -> dict[str, Any] | None:
    """The stored-score fields of ``offer`` under the RFO's weights and generation; None when nothing is stored
    (a relative version, or an RFO from before stored scores)."""
    generation = generation_of(rfo)
    version = scoring.get_version(rfo.scoring_version)
    if generation is None or not scoring.stores_scores(version):
        return None
    s = scoring.score_offer(version, terms_of(rfo), offer, weights_of(rfo))
    return {
        "score": scoring.fmt(s.score),
        "score_detail": json.dumps(scoring.stored_detail(s), separators=(",", ":"), sort_keys=True),
        "score_generation": generation,
        "rank_key": scoring.rank_key(s),
    }


def detail_of(o: RankedOffer) -> dict[str, dict[str, str]]:
    """An offer's stored components, contributions and penalties."""
    return dict(json.loads(o.score_detail or "{}"))


def is_current(o: RankedOffer, rfo: RfoRecord) -> bool:
    """The offer's stored score is the one for the RFO's current weights."""
    g = o.score_generation
    return g is not None and int(g) == generation_of(rfo) and o.rank_key is not None


@retry_on_conflict(attempts=6)
def recompute(data: dict[str, Any]) -> int:
    """One batch for a ``rfo.ranking_pending`` event's data; the number of offers rescored."""
    rfo_id, generation, after = str(data["rfo_id"]), int(data["generation"]), data.get("after")
    rfo = store().get_rfo(rfo_id)
    if rfo is None or generation_of(rfo) != generation:
        obs.logger.info("ranking recompute superseded", extra={"rfo_id": rfo_id, "generation": generation})
        return 0  # deleted, or a newer weights change took over (its own event recomputes)
    if not scoring.stores_scores(rfo.scoring_version):
        store().write_scores(rfo, generation, [], None, clock.now())  # nothing stored: ranking is computed
        return 0
    found = store().offers_to_rescore(rfo_id, generation, after, BATCH + 1)
    batch, more = found[:BATCH], len(found) > BATCH
    rows: list[tuple[OfferRecord, dict[str, Any]]] = []
    for o in batch:
        fields = fields_for(rfo, input_of(o))
        assert fields is not None
        rows.append((o, fields))
    now: datetime = clock.now()
    try:
        store().write_scores(rfo, generation, rows, batch[-1].id if more else None, now)
    except ConditionFailed:
        raise TransactionConflict() from None  # an offer moved (revised, withdrawn) or a newer change: again
    obs.count("OffersRescored", len(rows))
    return len(rows)


def stamp_vendor_name(rfo_id: str, offer_id: str, vendor_id: str) -> bool:
    """After a submission (its outbox event): the vendor's name on the offer, so a ranking page reads no account
    (until it is stamped, the page reads the missing names with one BatchGetItem)."""
    from intentbid.store import accounts as account_store

    account = account_store.get(vendor_id)
    return account is not None and store().stamp_vendor_name(rfo_id, offer_id, account.name)

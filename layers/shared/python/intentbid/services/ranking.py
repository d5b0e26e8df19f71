from __future__ import annotations

from intentbid.domain import scoring
from intentbid.domain.principal import Principal
from intentbid.schemas.ranking import Ranking, RankingRow
from intentbid.services import access
from intentbid.services.views import weights_of
from intentbid.store import offers as store
from intentbid.store.models.offers import OfferModel
from intentbid.store.models.rfos import RfoModel

RANKED_STATUSES = frozenset({"active", "won", "lost"})


def terms_of(r: RfoModel) -> scoring.RfoTerms:
    return scoring.RfoTerms(r.id, int(r.quantity), int(r.budget_max), r.need_by, r.created_at)


def input_of(o: OfferModel) -> scoring.OfferInput:
    return scoring.OfferInput(
        o.id, o.vendor_id, int(o.unit_price), int(o.quantity_available), o.delivery_date, o.submitted_at
    )


def rank(p: Principal, rfo_id: str) -> Ranking:
    """The buyer's full ranking under the RFO's pinned scoring version and weights."""
    rfo = access.own_rfo(p, rfo_id)
    version = scoring.get_version(rfo.scoring_version)
    weights = weights_of(rfo)
    offers = [input_of(o) for o in store.all_for_rfo(rfo.id) if o.status in RANKED_STATUSES]
    ranked = scoring.rank(version, terms_of(rfo), offers, weights)
    qty = int(rfo.quantity)
    rows = [
        RankingRow(
            rank=i,
            offer_id=s.offer.offer_id,
            vendor_id=s.offer.vendor_id,
            score=scoring.fmt(s.score),
            components={k: scoring.fmt(v) for k, v in s.components.items()},
            penalties={k: scoring.fmt(v) for k, v in s.penalties.items()},
            unit_price=s.offer.unit_price,
            total_price=s.offer.unit_price * min(qty, s.offer.quantity_available),
            delivery_date=s.offer.delivery_date,
        )
        for i, s in enumerate(ranked, start=1)
    ]
    return Ranking(
        rfo_id=rfo.id,
        scoring_version=version.version,
        weights={k: scoring.fmt(v) for k, v in weights.items()},
        data=rows,
    )

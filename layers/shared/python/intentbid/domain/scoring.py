"""Scoring versions: pure functions registered under a version string.

A released version never changes its results (golden vectors in ``tests/unit/golden`` pin them). Scores are
fixed-point decimals (6 places, ROUND_HALF_EVEN), never floats: equal inputs give identical output, byte for byte.
Normalisation is against the RFO's own anchors (budget, need_by, creation time), never against the other
offers, so adding or withdrawing an offer cannot change how two others compare (no rank reversal).

v1 (the first honest scoring):
    price    = clamp((budget_max - unit_price * quantity) / budget_max, 0, 1)
    delivery = clamp((need_by - delivery_date) / (need_by - rfo_created_at), 0, 1)
    score    = sum(quantize(weight_c * component_c))  with weights normalised to sum 1
    order    = score desc, unit_price asc, delivery_date asc, submitted_at asc, sha256(rfo_id:offer_id) asc
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from intentbid.domain.errors import FieldError, ValidationFailed

Q = Decimal("0.000001")
ZERO, ONE = Decimal(0), Decimal(1)


def q(value: Decimal) -> Decimal:
    return value.quantize(Q, rounding=ROUND_HALF_EVEN)


def clamp01(value: Decimal) -> Decimal:
    return min(ONE, max(ZERO, value))


@dataclass(frozen=True, slots=True)
class RfoTerms:
    rfo_id: str
    quantity: int
    budget_max: int
    need_by: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OfferInput:
    offer_id: str
    vendor_id: str
    unit_price: int
    quantity_available: int
    delivery_date: datetime
    submitted_at: datetime


@dataclass(frozen=True, slots=True)
class Scored:
    offer: OfferInput
    score: Decimal
    components: dict[str, Decimal]  # normalised values in [0, 1]
    contributions: dict[str, Decimal]  # weight * component, quantized; sum - penalties = score
    penalties: dict[str, Decimal]
    tie_break: str

    def order_key(self) -> tuple[Decimal, int, datetime, datetime, str]:
        o = self.offer
        return (-self.score, o.unit_price, o.delivery_date, o.submitted_at, self.tie_break)


@dataclass(frozen=True, slots=True)
class ScoringVersion:
    version: str
    components: tuple[str, ...]
    default_weights: Mapping[str, Decimal]
    formula: str
    component_fn: Callable[[RfoTerms, OfferInput], dict[str, Decimal]]
    penalty_fn: Callable[[RfoTerms, OfferInput], dict[str, Decimal]] = field(default=lambda r, o: {})


def _v1_components(rfo: RfoTerms, offer: OfferInput) -> dict[str, Decimal]:
    budget = Decimal(rfo.budget_max)
    price = clamp01((budget - Decimal(offer.unit_price) * rfo.quantity) / budget)
    horizon = Decimal(int((rfo.need_by - rfo.created_at).total_seconds()))
    slack = Decimal(int((rfo.need_by - offer.delivery_date).total_seconds()))
    delivery = clamp01(slack / horizon) if horizon > 0 else ONE if slack >= 0 else ZERO
    return {"price": q(price), "delivery": q(delivery)}


VERSIONS: dict[str, ScoringVersion] = {
    "v1": ScoringVersion(
        version="v1",
        components=("price", "delivery"),
        default_weights={"price": Decimal("0.6"), "delivery": Decimal("0.4")},
        formula=(__doc__ or "").split("v1 (the first honest scoring):", 1)[1].strip(),
        component_fn=_v1_components,
    ),
}
DEFAULT_VERSION = "v1"


def get_version(version: str | None) -> ScoringVersion:
    v = VERSIONS.get(version or DEFAULT_VERSION)
    if v is None:
        raise ValidationFailed(
            f"Unknown scoring_version; known: {', '.join(sorted(VERSIONS))}.",
            errors=[FieldError("scoring_version", "unknown_scoring_version", "unknown scoring version")],
        )
    return v


def normalise_weights(
    version: ScoringVersion, weights: Mapping[str, float | Decimal | str] | None, field_name: str = "weights"
) -> dict[str, Decimal]:
    """Validate and normalise weights to sum exactly 1 (6 places). Unknown components, negative or
    non-finite weights, and an all-zero set are refused with one error per field."""
    if weights is None:
        weights = dict(version.default_weights)
    errs: list[FieldError] = []
    parsed: dict[str, Decimal] = {}
    for name, raw in weights.items():
        try:
            w = Decimal(str(raw))
        except ArithmeticError:
            w = Decimal("NaN")
        if name not in version.components:
            errs.append(
                FieldError(
                    f"{field_name}.{name}",
                    "unknown_component",
                    f"{version.version} has components: {', '.join(version.components)}",
                )
            )
        elif not w.is_finite() or w < 0 or w > 1000:
            errs.append(FieldError(f"{field_name}.{name}", "out_of_range", "weight must be between 0 and 1000"))
        else:
            parsed[name] = w
    if not errs and sum(parsed.values(), ZERO) <= 0:
        errs.append(FieldError(field_name, "weights_all_zero", "at least one weight must be positive"))
    if errs:
        raise ValidationFailed("The weights are not valid for this scoring version.", errors=errs)
    total = sum(parsed.values(), ZERO)
    out = {c: q(parsed.get(c, ZERO) / total) for c in version.components}
    # Give the rounding remainder to the heaviest component so the weights sum to exactly 1.
    heaviest = max(version.components, key=lambda c: (out[c], c))
    out[heaviest] += ONE - sum(out.values(), ZERO)
    return out


def tie_break_key(rfo_id: str, offer_id: str) -> str:
    return hashlib.sha256(f"{rfo_id}:{offer_id}".encode()).hexdigest()


def score_offer(version: ScoringVersion, rfo: RfoTerms, offer: OfferInput, weights: Mapping[str, Decimal]) -> Scored:
    comps = version.component_fn(rfo, offer)
    contributions = {c: q(weights.get(c, ZERO) * comps[c]) for c in version.components}
    penalties = {k: q(v) for k, v in version.penalty_fn(rfo, offer).items()}
    score = sum(contributions.values(), ZERO) - sum(penalties.values(), ZERO)
    return Scored(offer, score, comps, contributions, penalties, tie_break_key(rfo.rfo_id, offer.offer_id))


def rank(
    version: ScoringVersion, rfo: RfoTerms, offers: Iterable[OfferInput], weights: Mapping[str, Decimal]
) -> list[Scored]:
    """Score every offer and return them in the total, replayable order."""
    return sorted((score_offer(version, rfo, o, weights) for o in offers), key=Scored.order_key)


def fmt(value: Decimal) -> str:
    return f"{q(value):f}"

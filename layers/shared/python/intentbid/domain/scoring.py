"""Scoring versions: pure functions registered under a version string.

A released version never changes its results (golden vectors in ``tests/unit/golden`` pin them). Scores are
fixed-point decimals (6 places, ROUND_HALF_EVEN), never floats: equal inputs give identical output, byte for byte.
Normalisation is against the RFO's own anchors (budget, need_by, creation time, deadline), never against the other
offers, so adding or withdrawing an offer cannot change how two others compare (no rank reversal) - except in a
version flagged ``relative`` (opt-in, documented in its formula).

Every version orders offers totally and replayably:
    score desc, unit_price asc, delivery_date asc, submitted_at asc, sha256(rfo_id:offer_id) asc

Every version's result satisfies, exactly:  sum(contributions) - sum(penalties) = score, where each
contribution is quantize(weight_c * component_c) and each penalty is quantized before the sum.

Versions: ``v1`` (released; price and delivery) and ``v2`` (``LATEST``; price, delivery, availability,
reliability, three capped penalties). ``v2-relative`` is the opt-in, NOT rank-reversal-safe variant of v2. The
formula text of each is :func:`formula` (served by the explain endpoint); :func:`explain` shows every number.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from operator import itemgetter
from typing import Any

from intentbid.domain.errors import FieldError, ValidationFailed

Q = Decimal("0.000001")
ZERO, ONE = Decimal(0), Decimal(1)


def q(value: Decimal) -> Decimal:
    return value.quantize(Q, rounding=ROUND_HALF_EVEN)


def clamp01(value: Decimal) -> Decimal:
    return min(ONE, max(ZERO, value))


@dataclass(frozen=True, slots=True)
class VendorStats:
    """A vendor's history as of the ranking (snapshot it with the offer to keep a ranking replayable).

    ``offers`` and ``awarded`` are context (shown by explain); v2's reliability uses the resolved awards:
    ``delivered_on_time``, ``delivered_late`` and ``defaulted`` (awarded, never delivered). Expected, not
    enforced: ``delivered_on_time + delivered_late + defaulted <= awarded <= offers``. Counts must be >= 0.
    """

    offers: int = 0
    awarded: int = 0
    delivered_on_time: int = 0
    delivered_late: int = 0
    defaulted: int = 0

    def __post_init__(self) -> None:
        for name in ("offers", "awarded", "delivered_on_time", "delivered_late", "defaulted"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"VendorStats.{name} must be a non-negative int, got {value!r}")

    def as_dict(self) -> dict[str, int]:
        return {
            "offers": self.offers,
            "awarded": self.awarded,
            "delivered_on_time": self.delivered_on_time,
            "delivered_late": self.delivered_late,
            "defaulted": self.defaulted,
        }


@dataclass(frozen=True, slots=True)
class RfoTerms:
    rfo_id: str
    quantity: int
    budget_max: int
    need_by: datetime
    created_at: datetime
    expires_at: datetime | None = None  # the RFO's deadline; None: no offer-expiry penalty


@dataclass(frozen=True, slots=True)
class OfferInput:
    offer_id: str
    vendor_id: str
    unit_price: int
    quantity_available: int
    delivery_date: datetime
    submitted_at: datetime
    valid_until: datetime | None = None  # None: no offer-expiry penalty
    vendor_stats: VendorStats | None = None  # None: a new vendor (neutral reliability)


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


# A kernel scores a batch exactly: ``kernel(rfo, field_offers, offers, weights)`` returns the anchors it normalised
# against (shown by explain) and, unsorted, each offer's (order key, Scored). ``field_offers`` matters only to a
# relative version (the offers it normalises against); an offer-independent version ignores it.
OrderKey = tuple[int, int, datetime, datetime, str]  # (-score in millionths, price, eta, submitted, sha256)
Kernel = Callable[
    [RfoTerms, Sequence[OfferInput], Sequence[OfferInput], Mapping[str, Decimal]],
    tuple[dict[str, Any], list[tuple[OrderKey, Scored]]],
]


@dataclass(frozen=True, slots=True)
class ScoringVersion:
    version: str
    components: tuple[str, ...]
    default_weights: Mapping[str, Decimal]
    formula: str
    component_fn: Callable[[RfoTerms, OfferInput], dict[str, Decimal]]
    penalty_fn: Callable[[RfoTerms, OfferInput], dict[str, Decimal]] = field(default=lambda r, o: {})
    penalties: Mapping[str, Decimal] = field(default_factory=dict)  # name -> maximum, in reporting order
    relative: bool = False  # True: normalised against the offer set; NOT rank-reversal-safe (opt-in only)
    kernel: Kernel | None = None  # batch fast path; None: component_fn/penalty_fn per offer (v1)

    @property
    def max_penalty(self) -> Decimal:
        return sum(self.penalties.values(), ZERO)

    @property
    def bounds(self) -> tuple[Decimal, Decimal]:
        """Documented score range: [-max_penalty, 1] (contributions sum to at most 1 with normalised weights)."""
        return (q(-self.max_penalty), q(ONE))


def _v1_components(rfo: RfoTerms, offer: OfferInput) -> dict[str, Decimal]:
    budget = Decimal(rfo.budget_max)
    price = clamp01((budget - Decimal(offer.unit_price) * rfo.quantity) / budget)
    horizon = Decimal(int((rfo.need_by - rfo.created_at).total_seconds()))
    slack = Decimal(int((rfo.need_by - offer.delivery_date).total_seconds()))
    delivery = clamp01(slack / horizon) if horizon > 0 else ONE if slack >= 0 else ZERO
    return {"price": q(price), "delivery": q(delivery)}


# Released text of v1, served by explain; byte-identical forever (golden/v1.json pins it).
V1_FORMULA = (
    "price    = clamp((budget_max - unit_price * quantity) / budget_max, 0, 1)\n"
    "    delivery = clamp((need_by - delivery_date) / (need_by - rfo_created_at), 0, 1)\n"
    "    score    = sum(quantize(weight_c * component_c))  with weights normalised to sum 1\n"
    "    order    = score desc, unit_price asc, delivery_date asc, submitted_at asc, sha256(rfo_id:offer_id) asc"
)

# ---------------------------------------------------------------------------------------------------------------
# v2: exact integer arithmetic in millionths (every ratio is an exact rational, rounded once, half to even).

M = 1_000_000  # one, in millionths
_US = timedelta(microseconds=1)
_D6 = Decimal("1E-6")
_CTX = Context(prec=40, rounding=ROUND_HALF_EVEN)  # wide enough that every conversion below is exact

RELIABILITY_PRIOR = 8  # pseudo-awards at 0.5: a new vendor scores 0.5; one event moves it by at most 1/18
LATE_MAX = 500_000  # 0.5
PARTIAL_MAX = 250_000  # 0.25
EXPIRY_MAX = 250_000  # 0.25

V2_FORMULA = """\
v2 - every value is normalised against the RFO's own anchors, never against other offers (no rank reversal).
  anchors: Q = quantity, B = budget_max (for all Q units), H = need_by - created_at,
           W = expires_at - created_at (the bidding window); times in microseconds
  components (each in [0, 1], rounded to 6 places, half to even):
    price        = clamp(1 - unit_price * Q / B, 0, 1)          (unit price against the budget per unit, B / Q)
    delivery     = clamp((need_by - delivery_date) / H, 0, 1)   (H <= 0: 1 if on time, else 0)
    availability = min(max(quantity_available, 0), Q) / Q
    reliability  = (on_time + late / 2 + 4) / (on_time + late + defaulted + 8)
                   from the vendor's resolved awards; Bayesian (Beta(4, 4) prior): a new vendor scores 0.5,
                   one event moves it by at most 1/18
  penalties (rounded to 6 places):
    late     = min(0.5, (delivery_date - need_by) / H)       when delivered after need_by (H <= 0: 0.5)
    partial  = 0.25 * (Q - min(quantity_available, Q)) / Q   when less than the quantity is offered
    expiry   = min(0.25, 0.25 * (expires_at - valid_until) / W)
               when the offer expires before the RFO's deadline (W <= 0: 0.25; unknown dates: 0)
  score = sum(quantize(weight_c * component_c)) - sum(penalties), weights normalised to sum exactly 1
  bounds: each contribution in [0, weight_c]; score in [-1, 1]
  order = score desc, unit_price asc, delivery_date asc, submitted_at asc, sha256(rfo_id:offer_id) asc"""

V2_RELATIVE_FORMULA = """\
v2-relative - OPT-IN, NOT rank-reversal-safe: price is normalised against the offers being ranked, so adding or
withdrawing one offer CAN swap two others, and a vendor can move its rivals with sock-puppet offers at extreme
prices. Use v2 unless the buyer explicitly wants a spread-relative price score.
  price = (max_unit_price - unit_price) / (max_unit_price - min_unit_price) over the ranked offers
          (1 when all prices are equal)
  everything else (delivery, availability, reliability, penalties, score, bounds, order) exactly as v2:
""" + "\n".join(V2_FORMULA.splitlines()[1:])


def _rdiv(n: int, d: int) -> int:
    """n / d rounded to the nearest integer, ties to even (d > 0). Exact for any ints."""
    qt, r = divmod(n, d)
    r2 = r + r
    if r2 > d or (r2 == d and qt & 1):
        qt += 1
    return qt


def _micro(td: timedelta) -> int:
    return td // _US


def _rfo_anchors(rfo: RfoTerms) -> dict[str, Any]:
    horizon = _micro(rfo.need_by - rfo.created_at)
    window = _micro(rfo.expires_at - rfo.created_at) if rfo.expires_at is not None else None
    return {
        "quantity": rfo.quantity,
        "budget_max": rfo.budget_max,
        "need_by": rfo.need_by,
        "created_at": rfo.created_at,
        "expires_at": rfo.expires_at,
        "horizon_us": horizon,
        "window_us": window,
    }


class _Micros(dict[int, Decimal]):
    """int millionths -> Decimal with exponent -6, memoised per batch (many values repeat: 0, 1, 0.5, ...)."""

    def __missing__(self, n: int) -> Decimal:
        d = self[n] = _D6 * n  # exact: coefficient n, exponent -6 (n has far fewer digits than the precision)
        return d


# Scored's slot setters, in field order: the kernel fills a Scored without the frozen dataclass's per-field
# object.__setattr__ (a tenth of the per-offer cost). The same object: Scored has no __post_init__.
_PUT_OFFER, _PUT_SCORE, _PUT_COMPONENTS, _PUT_CONTRIBUTIONS, _PUT_PENALTIES, _PUT_TIE_BREAK = (
    getattr(Scored, f).__set__ for f in ("offer", "score", "components", "contributions", "penalties", "tie_break")
)
assert Scored.__slots__ == ("offer", "score", "components", "contributions", "penalties", "tie_break")


def _v2_kernel(  # noqa: PLR0912, PLR0915 - one flat loop (see the docstring)
    rfo: RfoTerms,
    field_offers: Sequence[OfferInput],
    offers: Sequence[OfferInput],
    weights: Mapping[str, Decimal],
    *,
    relative: bool = False,
) -> tuple[dict[str, Any], list[tuple[OrderKey, Scored]]]:
    """v2 (and v2-relative) for a batch, in exact integer millionths: every component and penalty is an exact
    rational rounded once (half to even); each contribution is round(weight * component) exactly; the score is
    their integer sum; Decimals (exponent -6) are made last. Only a relative version looks at ``field_offers``.

    One flat loop on purpose, with the half-even rounding of the always-computed values written out and no
    min()/max() calls: a function call per value would cost more than the ranking budget (5 us per offer)."""
    anc = _rfo_anchors(rfo)
    qty, budget, need_by, deadline = rfo.quantity, rfo.budget_max, rfo.need_by, rfo.expires_at
    horizon: int = anc["horizon_us"]
    window: int = anc["window_us"] or 0
    pmin = pmax = 0
    if relative:
        prices = [o.unit_price for o in field_offers]
        pmin, pmax = (min(prices), max(prices)) if prices else (0, 0)
        anc["price_min"], anc["price_max"] = pmin, pmax
    # price = (top - p * scale) / span, clamped: absolute (budget - p * Q) / budget; relative (max - p) / spread
    top, scale, span = (pmax, 1, pmax - pmin) if relative else (budget, qty, budget)
    prior = 2 * RELIABILITY_PRIOR  # counted in half-events: (2 * on_time + late + 8) / (2 * resolved + 16)
    neutral = _rdiv(RELIABILITY_PRIOR * M, prior)
    # weight = n / d exactly; contribution (millionths) = round(n * component / d), ties to even
    (np_, dp), (nd, dd), (na, da), (nr, dr) = (
        Decimal(weights.get(c, ZERO)).as_integer_ratio() for c in ("price", "delivery", "availability", "reliability")
    )
    rdiv, sha256, prefix, us = _rdiv, hashlib.sha256, f"{rfo.rfo_id}:".encode(), _US
    new, put_o, put_s, put_c = object.__new__, _PUT_OFFER, _PUT_SCORE, _PUT_COMPONENTS
    put_k, put_p, put_t = _PUT_CONTRIBUTIONS, _PUT_PENALTIES, _PUT_TIE_BREAK
    dec = _Micros()
    out: list[tuple[OrderKey, Scored]] = []
    with localcontext(_CTX):
        for o in offers:
            p = o.unit_price
            x = top - p * scale
            if span <= 0:  # a field of one price (relative), or a budget never valid (<= 0)
                price = M if x >= 0 else 0
            elif x <= 0:
                price = 0
            elif x >= span:
                price = M
            else:
                price, r = divmod(x * M, span)
                if r + r > span or (r + r == span and price & 1):
                    price += 1
            lateness = (o.delivery_date - need_by) // us
            if lateness > 0:
                delivery = 0
                late = LATE_MAX if horizon <= 0 or lateness + lateness >= horizon else rdiv(lateness * M, horizon)
            elif horizon <= 0 or -lateness >= horizon:
                delivery, late = M, 0
            else:
                late = 0
                delivery, r = divmod(-lateness * M, horizon)
                if r + r > horizon or (r + r == horizon and delivery & 1):
                    delivery += 1
            have = o.quantity_available
            if have >= qty or qty <= 0:  # (qty <= 0 is never valid: full coverage)
                avail, partial = M, 0
            else:
                have = have if have > 0 else 0
                avail, partial = rdiv(have * M, qty), rdiv((qty - have) * PARTIAL_MAX, qty)
            st = o.vendor_stats
            if st is None:
                rel = neutral
            else:
                ok, lt = st.delivered_on_time, st.delivered_late
                rel = rdiv((ok + ok + lt + RELIABILITY_PRIOR) * M, 2 * (ok + lt + st.defaulted) + prior)
            expiry = 0
            valid_until = o.valid_until
            if deadline is not None and valid_until is not None and valid_until < deadline:
                gap = (deadline - valid_until) // us
                expiry = EXPIRY_MAX if window <= 0 or gap >= window else rdiv(gap * EXPIRY_MAX, window)
            kp, r = divmod(np_ * price, dp)
            if r + r > dp or (r + r == dp and kp & 1):
                kp += 1
            kd, r = divmod(nd * delivery, dd)
            if r + r > dd or (r + r == dd and kd & 1):
                kd += 1
            ka, r = divmod(na * avail, da)
            if r + r > da or (r + r == da and ka & 1):
                ka += 1
            kr, r = divmod(nr * rel, dr)
            if r + r > dr or (r + r == dr and kr & 1):
                kr += 1
            score = kp + kd + ka + kr - late - partial - expiry
            tb = sha256(prefix + o.offer_id.encode()).hexdigest()
            s = new(Scored)
            put_o(s, o)
            put_s(s, dec[score])
            put_c(
                s, {"price": dec[price], "delivery": dec[delivery], "availability": dec[avail], "reliability": dec[rel]}
            )
            put_k(s, {"price": dec[kp], "delivery": dec[kd], "availability": dec[ka], "reliability": dec[kr]})
            put_p(s, {"late": dec[late], "partial": dec[partial], "expiry": dec[expiry]})
            put_t(s, tb)
            out.append(((-score, p, o.delivery_date, o.submitted_at, tb), s))
    return anc, out


def _v2_relative_kernel(
    rfo: RfoTerms, field_offers: Sequence[OfferInput], offers: Sequence[OfferInput], weights: Mapping[str, Decimal]
) -> tuple[dict[str, Any], list[tuple[OrderKey, Scored]]]:
    return _v2_kernel(rfo, field_offers, offers, weights, relative=True)


def _kernel_version(
    version: str,
    kernel: Kernel,
    formula_text: str,
    default_weights: Mapping[str, Decimal],
    penalties: Mapping[str, Decimal],
    *,
    relative: bool = False,
) -> ScoringVersion:
    """A version scored by a batch kernel; its component_fn/penalty_fn score one offer alone (a field of one)."""

    def component_fn(rfo: RfoTerms, offer: OfferInput) -> dict[str, Decimal]:
        return kernel(rfo, (offer,), (offer,), default_weights)[1][0][1].components

    def penalty_fn(rfo: RfoTerms, offer: OfferInput) -> dict[str, Decimal]:
        return kernel(rfo, (offer,), (offer,), default_weights)[1][0][1].penalties

    return ScoringVersion(
        version=version,
        components=tuple(default_weights),
        default_weights=default_weights,
        formula=formula_text,
        component_fn=component_fn,
        penalty_fn=penalty_fn,
        penalties=penalties,
        relative=relative,
        kernel=kernel,
    )


_V2_WEIGHTS = {
    "price": Decimal("0.45"),
    "delivery": Decimal("0.25"),
    "availability": Decimal("0.15"),
    "reliability": Decimal("0.15"),
}
_V2_PENALTIES = {"late": Decimal("0.5"), "partial": Decimal("0.25"), "expiry": Decimal("0.25")}

VERSIONS: dict[str, ScoringVersion] = {
    "v1": ScoringVersion(
        version="v1",
        components=("price", "delivery"),
        default_weights={"price": Decimal("0.6"), "delivery": Decimal("0.4")},
        formula=V1_FORMULA,
        component_fn=_v1_components,
    ),
    "v2": _kernel_version("v2", _v2_kernel, V2_FORMULA, _V2_WEIGHTS, _V2_PENALTIES),
    "v2-relative": _kernel_version(
        "v2-relative", _v2_relative_kernel, V2_RELATIVE_FORMULA, _V2_WEIGHTS, _V2_PENALTIES, relative=True
    ),
}
DEFAULT_VERSION = "v1"
LATEST = "v2"  # the version new RFOs should pin (DEFAULT_VERSION is switched by the service owner)


def get_version(version: str | None) -> ScoringVersion:
    v = VERSIONS.get(version or DEFAULT_VERSION)
    if v is None:
        raise ValidationFailed(
            f"Unknown scoring_version; known: {', '.join(sorted(VERSIONS))}.",
            errors=[
                FieldError(
                    "scoring_version",
                    "unknown_scoring_version",
                    f"scoring_version must be one of: {', '.join(sorted(VERSIONS))}",
                    {"allowed": sorted(VERSIONS)},
                )
            ],
        )
    return v


def _as_version(version: ScoringVersion | str | None) -> ScoringVersion:
    return version if isinstance(version, ScoringVersion) else get_version(version)


def formula(version: ScoringVersion | str | None) -> str:
    """The human-readable formula of a version (what the explain endpoint serves)."""
    return _as_version(version).formula


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
                    f"{field_name} may name only the components of {version.version}: {', '.join(version.components)}",
                    {"allowed": list(version.components)},
                )
            )
        elif not w.is_finite() or w < 0 or w > 1000:
            errs.append(
                FieldError(
                    f"{field_name}.{name}",
                    "out_of_range",
                    f"{field_name}.{name} must be a number between 0 and 1000",
                    {"minimum": 0, "maximum": 1000},
                )
            )
        else:
            parsed[name] = w
    if not errs and sum(parsed.values(), ZERO) <= 0:
        errs.append(FieldError(field_name, "weights_all_zero", f"{field_name}: at least one weight must be above 0"))
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


_FIRST = itemgetter(0)


def score_offer(
    version: ScoringVersion,
    rfo: RfoTerms,
    offer: OfferInput,
    weights: Mapping[str, Decimal],
    *,
    field_offers: Sequence[OfferInput] | None = None,
) -> Scored:
    """Score one offer. ``field_offers`` (the offers ranked with it) matters only to a relative version; without
    it a relative version sees a field of this one offer."""
    if version.kernel is not None:
        return version.kernel(rfo, field_offers or (offer,), (offer,), weights)[1][0][1]
    comps = version.component_fn(rfo, offer)
    contributions = {c: q(weights.get(c, ZERO) * comps[c]) for c in version.components}
    penalties = {k: q(v) for k, v in version.penalty_fn(rfo, offer).items()}
    score = sum(contributions.values(), ZERO) - sum(penalties.values(), ZERO)
    return Scored(offer, score, comps, contributions, penalties, tie_break_key(rfo.rfo_id, offer.offer_id))


def rank(
    version: ScoringVersion, rfo: RfoTerms, offers: Iterable[OfferInput], weights: Mapping[str, Decimal]
) -> list[Scored]:
    """Score every offer and return them in the total, replayable order. ``weights`` should come from
    :func:`normalise_weights` (they are used as given)."""
    if version.kernel is not None:
        offers = tuple(offers)
        rows = version.kernel(rfo, offers, offers, weights)[1]
        rows.sort(key=_FIRST)
        return [s for _, s in rows]
    return sorted((score_offer(version, rfo, o, weights) for o in offers), key=Scored.order_key)


def fmt(value: Decimal) -> str:
    return f"{q(value):f}"


# ---------------------------------------------------------------------------------------------------------------
# Explain


def iso(dt: datetime | None) -> str | None:
    """RFC 3339 UTC with microseconds and ``Z`` (naive datetimes are taken as UTC): one spelling per instant."""
    if dt is None:
        return None
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, VendorStats):
        return value.as_dict()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why one offer ranks where it does. Exactly: sum(contributions) - sum(penalties) == score."""

    rank: int
    offer_id: str
    vendor_id: str
    inputs: dict[str, Any]  # the offer's raw inputs (prices in minor units, datetimes, vendor stats or None)
    anchors: dict[str, Any]  # the RFO's anchors the values were normalised against (relative: also the field's)
    components: dict[str, Decimal]  # normalised values in [0, 1]
    weights: dict[str, Decimal]
    contributions: dict[str, Decimal]  # quantize(weight * component)
    penalties: dict[str, Decimal]
    score: Decimal
    tie_break_key: tuple[str, int, str, str, str]  # the ascending order key: (-score, price, eta, submitted, sha256)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: decimals as fixed 6-place strings, datetimes as RFC 3339 UTC with microseconds."""
        return {
            "rank": self.rank,
            "offer_id": self.offer_id,
            "vendor_id": self.vendor_id,
            "inputs": _jsonable(self.inputs),
            "anchors": _jsonable(self.anchors),
            "components": _jsonable(self.components),
            "weights": _jsonable(self.weights),
            "contributions": _jsonable(self.contributions),
            "penalties": _jsonable(self.penalties),
            "score": fmt(self.score),
            "tie_break_key": list(self.tie_break_key),
        }


def _inputs(o: OfferInput) -> dict[str, Any]:
    return {
        "unit_price": o.unit_price,
        "quantity_available": o.quantity_available,
        "delivery_date": o.delivery_date,
        "submitted_at": o.submitted_at,
        "valid_until": o.valid_until,
        "vendor_stats": o.vendor_stats,
    }


def anchors(version: ScoringVersion | str | None, rfo: RfoTerms, offers: Iterable[OfferInput] = ()) -> dict[str, Any]:
    """The anchors a version normalises against for this RFO (and, for a relative version, these offers)."""
    v = _as_version(version)
    if v.kernel is not None:
        return v.kernel(rfo, tuple(offers), (), v.default_weights)[0]
    return {
        "quantity": rfo.quantity,
        "budget_max": rfo.budget_max,
        "need_by": rfo.need_by,
        "created_at": rfo.created_at,
        "horizon_s": int((rfo.need_by - rfo.created_at).total_seconds()),
    }


def explain(
    version: ScoringVersion | str | None,
    rfo: RfoTerms,
    offers: Iterable[OfferInput],
    weights: Mapping[str, Decimal] | None = None,
) -> list[Explanation]:
    """Per offer, in rank order: raw inputs, anchors, normalised values, weights, contributions, penalties,
    score, rank and tie-break key. Same numbers as :func:`rank` (it is computed by it). ``weights`` None: the
    version's defaults, normalised."""
    v = _as_version(version)
    offers = tuple(offers)
    w = normalise_weights(v, None) if weights is None else {c: Decimal(weights.get(c, ZERO)) for c in v.components}
    ranked = rank(v, rfo, offers, w)
    common = anchors(v, rfo, offers)
    out = []
    for i, s in enumerate(ranked, start=1):
        o = s.offer
        key = (fmt(-s.score), o.unit_price, iso(o.delivery_date) or "", iso(o.submitted_at) or "", s.tie_break)
        out.append(
            Explanation(
                rank=i,
                offer_id=o.offer_id,
                vendor_id=o.vendor_id,
                inputs=_inputs(o),
                anchors=common,
                components=dict(s.components),
                weights=dict(w),
                contributions=dict(s.contributions),
                penalties=dict(s.penalties),
                score=s.score,
                tie_break_key=key,
            )
        )
    return out


def explain_payload(
    version: ScoringVersion | str | None,
    rfo: RfoTerms,
    offers: Iterable[OfferInput],
    weights: Mapping[str, Decimal] | None = None,
) -> dict[str, Any]:
    """The whole explain document, JSON-ready and byte-stable under ``json.dumps(..., sort_keys=True)``."""
    v = _as_version(version)
    exps = explain(v, rfo, offers, weights)
    w = normalise_weights(v, None) if weights is None else {c: Decimal(weights.get(c, ZERO)) for c in v.components}
    lo, hi = v.bounds
    return {
        "rfo_id": rfo.rfo_id,
        "scoring_version": v.version,
        "relative": v.relative,
        "formula": v.formula,
        "components": list(v.components),
        # the version's maximum per penalty; what each offer was charged is its own ``penalties`` in ``data``
        "penalty_caps": {k: fmt(m) for k, m in v.penalties.items()},
        "bounds": [fmt(lo), fmt(hi)],
        "weights": {k: fmt(x) for k, x in w.items()},
        "order": [
            "score desc",
            "unit_price asc",
            "delivery_date asc",
            "submitted_at asc",
            "sha256(rfo_id:offer_id) asc",
        ],
        "data": [e.as_dict() for e in exps],
    }


# ---------------------------------------------------------------------------------------------------------------
# Awardability: an ordering layer on top of every version's order. It never changes a score, a component or the
# order within a group (golden vectors are untouched): offers that can no longer be awarded follow every offer
# that can, each group in the version's order.

NOT_AWARDABLE: dict[str, str] = {
    "offer_won": "the offer already won this RFO",
    "offer_lost": "the RFO was awarded to another offer",
    "offer_expired": "the offer's valid_until has passed: it can no longer be awarded (409 offer_not_active)",
    "rfo_expired": "the RFO's deadline has passed: nothing on it can be awarded any more",
}
AWARDABILITY = (
    "awardable first: offers that can no longer be awarded (awardable: false, with not_awardable_reason) follow "
    "every awardable offer; within each group the order above applies, and scores are unchanged"
)


def not_awardable_reason(status: str, valid_until: datetime | None, now: datetime, *, rfo_expired: bool) -> str | None:
    """Why an offer of this ``status`` (as the viewer sees it: won, lost or active) cannot be awarded at ``now``,
    as a code of :data:`NOT_AWARDABLE`; None when it can (as far as the offer and the deadline tell)."""
    if status == "won":
        return "offer_won"
    if status == "lost":
        return "offer_lost"
    if valid_until is not None and valid_until <= now:
        return "offer_expired"
    if rfo_expired:
        return "rfo_expired"
    return None


def awardable_first(ranked: Sequence[Scored], reasons: Mapping[str, str | None]) -> list[tuple[Scored, str | None]]:
    """``ranked`` (a version's order) with every offer whose ``reasons[offer_id]`` is set moved after every offer
    without one; a stable partition, so each group keeps the version's order."""
    pairs = [(s, reasons.get(s.offer.offer_id)) for s in ranked]
    return [p for p in pairs if p[1] is None] + [p for p in pairs if p[1] is not None]


# ---------------------------------------------------------------------------------------------------------------
# Stored scores: an offer-independent version's score is a function of the offer and its RFO's terms and weights
# alone, so it is computed when the offer is written and stored with the key the ranking index sorts on.

_SCORE_OFFSET = 10**13  # scores are within [-1, 1]: millionths in [-10**6, 10**6], so the offset keeps them > 0
_PRICE_DIGITS = 19


def stores_scores(version: ScoringVersion | str | None) -> bool:
    """Whether a version's scores can be stored at write time (offer-independent: not ``relative``)."""
    return not _as_version(version).relative


def rank_key(s: Scored) -> str:
    """A string whose ascending byte order is the version's total order (score desc, unit_price asc,
    delivery_date asc, submitted_at asc, sha256(rfo_id:offer_id) asc): fixed-width fields joined by ``#``
    (``#`` sorts below every digit and letter used, so a shorter field never reorders).

    score: 10**13 - millionths, 14 digits; unit_price: 19 digits; the two instants as RFC 3339 UTC with
    microseconds (fixed width for years 1000-9999); the tie-break: 64 hex digits."""
    o = s.offer
    millionths = int(q(s.score).scaleb(6))
    if not (0 <= o.unit_price < 10**_PRICE_DIGITS) or abs(millionths) >= _SCORE_OFFSET:
        raise ValueError(f"cannot encode a rank key for {o.offer_id}: price or score out of range")
    return "#".join(
        (
            f"{_SCORE_OFFSET - millionths:014d}",
            f"{o.unit_price:0{_PRICE_DIGITS}d}",
            iso(o.delivery_date) or "",
            iso(o.submitted_at) or "",
            s.tie_break,
        )
    )


def stored_detail(s: Scored) -> dict[str, dict[str, str]]:
    """What is stored with an offer's score besides it: its components, contributions and penalties, as the
    fixed 6-place strings the ranking and explain show."""
    return {
        "components": {k: fmt(v) for k, v in s.components.items()},
        "contributions": {k: fmt(v) for k, v in s.contributions.items()},
        "penalties": {k: fmt(v) for k, v in s.penalties.items()},
    }

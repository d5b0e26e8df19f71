"""Scoring v2 (and v2-relative, and the invariants every version keeps): hand-checked values, an independent exact
reference, and property tests - permutation invariance, no rank reversal under v2, explain sums exactly, bounds,
identical offers, byte-for-byte determinism, reliability smoothing, monotonicity, weights validation."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from intentbid.domain import scoring
from intentbid.domain.errors import ValidationFailed

V1, V2, REL = (scoring.get_version(v) for v in ("v1", "v2", "v2-relative"))
ALL = [scoring.get_version(v) for v in sorted(scoring.VERSIONS)]
T0 = datetime(2026, 3, 1, tzinfo=UTC)
RFO = scoring.RfoTerms(
    "rfo_01JGOLDEN000000000000000001", 100, 1_000_000, T0 + timedelta(days=20), T0, T0 + timedelta(days=5)
)
W2 = scoring.normalise_weights(V2, None)
D = Decimal


def offer(
    oid: str,
    price: int = 5_000,
    qty: int = 100,
    days: float = 10,
    sub_h: float = 1,
    valid_days: float | None = 10,
    stats: scoring.VendorStats | None = None,
    vendor: str | None = None,
) -> scoring.OfferInput:
    return scoring.OfferInput(
        oid,
        vendor or f"ven_{oid}",
        price,
        qty,
        T0 + timedelta(days=days),
        T0 + timedelta(hours=sub_h),
        None if valid_days is None else T0 + timedelta(days=valid_days),
        stats,
    )


# --- hand-checked (these are the offers reviewed by hand in golden/v2.json, case 1) ----------------------------


def test_v2_hand_checked_values() -> None:
    # A: half the budget per unit, half the horizon early, full quantity, valid past the deadline, new vendor.
    #   price 1 - 5000*100/1e6 = 0.5; delivery (20-10)/20 = 0.5; availability 1; reliability 4/8 = 0.5
    #   contributions .45*.5=.225 + .25*.5=.125 + .15*1=.15 + .15*.5=.075 = 0.575; no penalties.
    a = scoring.score_offer(V2, RFO, offer("off_A"), W2)
    assert a.components == {"price": D("0.5"), "delivery": D("0.5"), "availability": D(1), "reliability": D("0.5")}
    assert a.contributions == {
        "price": D("0.225"),
        "delivery": D("0.125"),
        "availability": D("0.15"),
        "reliability": D("0.075"),
    }
    assert a.penalties == {"late": 0, "partial": 0, "expiry": 0}
    assert str(a.score) == "0.575000"
    # B: 4000/unit -> 0.6; delivers day 15 -> 5/20 = 0.25; 60 of 100 -> 0.6 and partial .25*.4 = 0.1;
    #   valid until day 4, deadline day 5, window 5 days -> expiry .25 * 1/5 = 0.05;
    #   history 9 on time, 1 late, 0 defaulted -> (9 + .5 + 4) / (10 + 8) = 0.75.
    #   .27 + .0625 + .09 + .1125 = 0.535; - 0.15 = 0.385
    b_stats = scoring.VendorStats(offers=40, awarded=10, delivered_on_time=9, delivered_late=1)
    b = scoring.score_offer(V2, RFO, offer("off_B", 4_000, 60, 15, 2, 4, b_stats), W2)
    assert b.components == {
        "price": D("0.6"),
        "delivery": D("0.25"),
        "availability": D("0.6"),
        "reliability": D("0.75"),
    }
    assert b.penalties == {"late": 0, "partial": D("0.1"), "expiry": D("0.05")}
    assert str(b.score) == "0.385000"
    # C: over budget -> price 0; 5 days late of a 20-day horizon -> delivery 0, late min(.5, 5/20) = 0.25;
    #   3 defaults -> 4/11 = 0.363636(36) -> 0.363636, contribution .15 * .363636 = 0.0545454 -> 0.054545.
    #   0.15 + 0.054545 - 0.25 = -0.045455
    c_stats = scoring.VendorStats(offers=5, awarded=3, defaulted=3)
    c = scoring.score_offer(V2, RFO, offer("off_C", 12_000, 100, 25, 3, 30, c_stats), W2)
    assert c.components["reliability"] == D("0.363636") and c.contributions["reliability"] == D("0.054545")
    assert c.penalties == {"late": D("0.25"), "partial": 0, "expiry": 0}
    assert str(c.score) == "-0.045455"
    # F: 4500/unit -> 0.55 (+0.0225), delivers day 11.8 -> 8.2/20 = 0.41 (-0.0225): A's score, a lower price,
    # so F ranks above A; E is A submitted earlier (above A); D is A's twin: sha256(rfo_id:offer_id) decides.
    f = offer("off_F", 4_500, 100, 11.8, 4)
    e, d = offer("off_E", sub_h=0.5), offer("off_D")
    ranked = [s.offer.offer_id for s in scoring.rank(V2, RFO, [a.offer, d, e, f, b.offer, c.offer], W2)]
    ad = sorted(["off_A", "off_D"], key=lambda i: scoring.tie_break_key(RFO.rfo_id, i))
    assert ranked == ["off_F", "off_E", *ad, "off_B", "off_C"]


def test_v2_metadata_and_bounds() -> None:
    assert scoring.LATEST == "v2" and scoring.DEFAULT_VERSION == "v1"
    assert V2.components == ("price", "delivery", "availability", "reliability")
    assert dict(V2.penalties) == {"late": D("0.5"), "partial": D("0.25"), "expiry": D("0.25")}
    assert V2.bounds == (D("-1.000000"), D("1.000000")) and V1.bounds == (D("0.000000"), D("1.000000"))
    assert sum(V2.default_weights.values()) == 1
    assert not V2.relative and REL.relative and not V1.relative
    assert "NOT rank-reversal-safe" in scoring.formula("v2-relative")
    assert scoring.formula("v2") == V2.formula and scoring.formula(V1) == scoring.V1_FORMULA


def test_v1_callers_still_construct_inputs_positionally() -> None:
    o = scoring.OfferInput("off_1", "ven_1", 1, 1, T0, T0)
    r = scoring.RfoTerms("rfo_1", 1, 10, T0 + timedelta(days=1), T0)
    assert o.valid_until is None and o.vendor_stats is None and r.expires_at is None
    assert scoring.score_offer(V2, r, o, W2).penalties == {"late": 0, "partial": 0, "expiry": 0}


def test_vendor_stats_are_validated() -> None:
    with pytest.raises(ValueError, match="defaulted"):
        scoring.VendorStats(defaulted=-1)
    with pytest.raises(ValueError, match="offers"):
        scoring.VendorStats(offers=1.5)  # type: ignore[arg-type]


def test_reliability_is_neutral_for_a_new_vendor_and_smoothed() -> None:
    def rel(stats: scoring.VendorStats | None) -> Decimal:
        return scoring.score_offer(V2, RFO, offer("off_R", stats=stats), W2).components["reliability"]

    assert rel(None) == rel(scoring.VendorStats()) == rel(scoring.VendorStats(offers=50, awarded=2)) == D("0.5")
    assert rel(scoring.VendorStats(awarded=1, delivered_on_time=1)) == D("0.555556")  # 5/9: one event, +1/18
    assert rel(scoring.VendorStats(awarded=1, defaulted=1)) == D("0.444444")  # 4/9
    assert rel(scoring.VendorStats(awarded=1, delivered_late=1)) == D("0.5")  # half credit
    assert rel(scoring.VendorStats(awarded=100, delivered_on_time=100)) == D("0.962963")  # 104/108


# --- an independent exact reference of v2 (Fractions, round half even once) ------------------------------------


def _r6(x: Fraction) -> Fraction:
    return Fraction(round(x * 1_000_000), 1_000_000)  # round() of a Fraction is half to even


def _us(td: timedelta) -> int:
    return (td.days * 86_400 + td.seconds) * 1_000_000 + td.microseconds


def reference(
    rfo: scoring.RfoTerms, o: scoring.OfferInput, weights: dict[str, Decimal], field: list | None = None
) -> tuple[dict[str, Fraction], dict[str, Fraction], dict[str, Fraction], Fraction]:
    def clamp(x: Fraction) -> Fraction:
        return min(Fraction(1), max(Fraction(0), x))

    q, b = rfo.quantity, rfo.budget_max
    price = clamp(1 - Fraction(o.unit_price * q, b))
    h = _us(rfo.need_by - rfo.created_at)
    slack = _us(rfo.need_by - o.delivery_date)
    delivery = (Fraction(1) if slack >= 0 else Fraction(0)) if h <= 0 else clamp(Fraction(slack, h))
    late = Fraction(0) if slack >= 0 else (Fraction(1, 2) if h <= 0 else min(Fraction(1, 2), Fraction(-slack, h)))
    have = min(max(o.quantity_available, 0), q)
    availability = Fraction(have, q)
    partial = Fraction(1, 4) * Fraction(q - have, q)
    s = o.vendor_stats or scoring.VendorStats()
    n = s.delivered_on_time + s.delivered_late + s.defaulted
    reliability = (s.delivered_on_time + Fraction(s.delivered_late, 2) + 4) / (n + 8)
    expiry = Fraction(0)
    if rfo.expires_at is not None and o.valid_until is not None and o.valid_until < rfo.expires_at:
        w = _us(rfo.expires_at - rfo.created_at)
        gap = _us(rfo.expires_at - o.valid_until)
        expiry = Fraction(1, 4) if w <= 0 else min(Fraction(1, 4), Fraction(1, 4) * Fraction(gap, w))
    if field is not None:  # v2-relative: the price against the field's spread
        lo, hi = min(x.unit_price for x in field), max(x.unit_price for x in field)
        price = Fraction(1) if hi == lo else clamp(Fraction(hi - o.unit_price, hi - lo))
    comps = {"price": price, "delivery": delivery, "availability": availability, "reliability": reliability}
    comps = {k: _r6(v) for k, v in comps.items()}
    contribs = {k: _r6(Fraction(weights[k]) * v) for k, v in comps.items()}
    pens = {"late": _r6(late), "partial": _r6(partial), "expiry": _r6(expiry)}
    return comps, contribs, pens, sum(contribs.values(), Fraction(0)) - sum(pens.values(), Fraction(0))


# --- strategies ----------------------------------------------------------------------------------------------

micros = st.integers(0, 999_999)
stats_st = st.one_of(
    st.none(),
    st.builds(
        scoring.VendorStats,
        offers=st.integers(0, 500),
        awarded=st.integers(0, 200),
        delivered_on_time=st.integers(0, 150),
        delivered_late=st.integers(0, 30),
        defaulted=st.integers(0, 30),
    ),
)


@st.composite
def rfo_st(draw: st.DrawFn) -> scoring.RfoTerms:
    qty = draw(st.integers(1, 5_000))
    budget = draw(st.integers(1, 10**10))
    horizon = draw(st.one_of(st.just(0), st.integers(1, 90 * 86_400)))
    window = draw(st.one_of(st.none(), st.just(0), st.integers(1, 90 * 86_400)))
    created = T0 + timedelta(microseconds=draw(micros))
    return scoring.RfoTerms(
        f"rfo_{draw(st.integers(0, 10**6)):08d}",
        qty,
        budget,
        created + timedelta(seconds=horizon),
        created,
        None if window is None else created + timedelta(seconds=window),
    )


@st.composite
def offers_st(draw: st.DrawFn, rfo: scoring.RfoTerms, min_size: int = 1, max_size: int = 10) -> list:
    n = draw(st.integers(min_size, max_size))
    per_unit = max(1, rfo.budget_max // rfo.quantity)
    out = []
    for i in range(n):
        out.append(
            scoring.OfferInput(
                f"off_{i:03d}",
                f"ven_{draw(st.integers(0, 3))}",
                draw(st.integers(0, 2 * per_unit)),
                draw(st.integers(0, 2 * rfo.quantity)),
                rfo.created_at + timedelta(seconds=draw(st.integers(-86_400, 120 * 86_400)), microseconds=draw(micros)),
                rfo.created_at + timedelta(seconds=draw(st.integers(0, 50))),
                draw(
                    st.one_of(
                        st.none(), st.integers(0, 120 * 86_400).map(lambda s: rfo.created_at + timedelta(seconds=s))
                    )
                ),
                draw(stats_st),
            )
        )
    return out


weights_st = st.fixed_dictionaries(
    {c: st.integers(0, 100) for c in ("price", "delivery", "availability", "reliability")}
).filter(lambda w: sum(w.values()) > 0)


def _weights(version: scoring.ScoringVersion, raw: dict[str, int]) -> dict[str, Decimal]:
    mine = {k: v for k, v in raw.items() if k in version.components}
    return scoring.normalise_weights(version, mine if sum(mine.values()) else None)


@st.composite
def scenario(draw: st.DrawFn, min_size: int = 1) -> tuple:
    rfo = draw(rfo_st())
    return rfo, draw(offers_st(rfo, min_size=min_size)), draw(weights_st)


def _key(ranked: list[scoring.Scored]) -> str:
    return json.dumps(
        [
            [s.offer.offer_id, str(s.score), {k: str(v) for k, v in {**s.contributions, **s.penalties}.items()}]
            for s in ranked
        ]
    )


# --- properties ----------------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(scenario())
def test_v2_matches_the_exact_reference(sc: tuple) -> None:
    rfo, offers, raw = sc
    for version in (V2, REL):
        w = _weights(version, raw)
        for s in scoring.rank(version, rfo, offers, w):
            comps, contribs, pens, score = reference(rfo, s.offer, w, offers if version.relative else None)
            assert {k: Fraction(v) for k, v in s.components.items()} == comps
            assert {k: Fraction(v) for k, v in s.contributions.items()} == contribs
            assert {k: Fraction(v) for k, v in s.penalties.items()} == pens
            assert Fraction(s.score) == score


@settings(max_examples=150, deadline=None)
@given(scenario(), st.randoms(use_true_random=False))
def test_permuting_the_input_never_changes_the_ranking(sc: tuple, rnd: random.Random) -> None:
    rfo, offers, raw = sc
    for version in ALL:
        w = _weights(version, raw)
        shuffled = offers[:]
        rnd.shuffle(shuffled)
        a, b = scoring.rank(version, rfo, offers, w), scoring.rank(version, rfo, shuffled, w)
        assert a == b and _key(a) == _key(b)


@settings(max_examples=150, deadline=None)
@given(scenario(min_size=2))
def test_v2_adding_or_removing_an_offer_never_swaps_two_others(sc: tuple) -> None:
    rfo, offers, raw = sc
    version = scoring.get_version(scoring.LATEST)
    w = _weights(version, raw)
    full = scoring.rank(version, rfo, offers, w)
    for removed in offers:
        rest = scoring.rank(version, rfo, [o for o in offers if o is not removed], w)
        # the same Scored objects' values, in the same relative order: nobody moved, nobody's score changed
        assert rest == [s for s in full if s.offer is not removed]


@settings(max_examples=100, deadline=None)
@given(scenario(), st.lists(st.integers(0, 10**7), min_size=1, max_size=5))
def test_v2_sybil_offers_cannot_move_rivals(sc: tuple, sybil_prices: list[int]) -> None:
    rfo, offers, raw = sc
    w = _weights(V2, raw)
    sybils = [
        replace(offers[0], offer_id=f"off_sybil_{i}", vendor_id="ven_sybil", unit_price=p)
        for i, p in enumerate(sybil_prices)
    ]
    with_sybils = [s for s in scoring.rank(V2, rfo, offers + sybils, w) if s.offer.vendor_id != "ven_sybil"]
    assert with_sybils == scoring.rank(V2, rfo, offers, w)


def test_v2_relative_is_not_rank_reversal_safe_and_v2_is() -> None:
    # X: cheap, slow. Y: a little dearer, fast. Weights: price 0.8, delivery 0.2.
    w = {"price": 4, "delivery": 1, "availability": 0, "reliability": 0}
    x = offer("off_X", price=100, days=18)  # delivery 0.1
    y = offer("off_Y", price=200, days=2)  # delivery 0.9
    z = offer("off_Z", price=10_000, days=19)  # a sock puppet at an extreme price
    rel_w = scoring.normalise_weights(REL, w)
    before = [s.offer.offer_id for s in scoring.rank(REL, RFO, [x, y], rel_w)]
    after = [s.offer.offer_id for s in scoring.rank(REL, RFO, [x, y, z], rel_w) if s.offer is not z]
    assert before == ["off_X", "off_Y"] and after == ["off_Y", "off_X"]  # Z swapped X and Y: rank reversal
    v2_w = scoring.normalise_weights(V2, w)
    before = [s.offer.offer_id for s in scoring.rank(V2, RFO, [x, y], v2_w)]
    after = [s.offer.offer_id for s in scoring.rank(V2, RFO, [x, y, z], v2_w) if s.offer is not z]
    assert before == after


@settings(max_examples=150, deadline=None)
@given(scenario())
def test_explain_sums_exactly_matches_rank_and_scores_are_within_bounds(sc: tuple) -> None:
    rfo, offers, raw = sc
    for version in ALL:
        w = _weights(version, raw)
        lo, hi = version.bounds
        ranked = scoring.rank(version, rfo, offers, w)
        explained = scoring.explain(version, rfo, offers, w)
        assert [e.offer_id for e in explained] == [s.offer.offer_id for s in ranked]
        assert [e.rank for e in explained] == list(range(1, len(offers) + 1))
        for e, s in zip(explained, ranked, strict=True):
            assert sum(e.contributions.values(), D(0)) - sum(e.penalties.values(), D(0)) == e.score == s.score
            assert e.components == s.components and e.penalties == s.penalties and e.weights == w
            assert lo <= e.score <= hi
            assert e.score.as_tuple().exponent == -6
            for c, v in e.components.items():
                assert D(0) <= v <= D(1) and v.as_tuple().exponent == -6
                assert D(0) <= e.contributions[c] <= w[c]
            for p, v in e.penalties.items():
                assert D(0) <= v <= version.penalties[p] and v.as_tuple().exponent == -6
            assert e.tie_break_key == (
                scoring.fmt(-s.score),
                s.offer.unit_price,
                scoring.iso(s.offer.delivery_date),
                scoring.iso(s.offer.submitted_at),
                scoring.tie_break_key(rfo.rfo_id, s.offer.offer_id),
            )
        assert ranked == sorted(ranked, key=scoring.Scored.order_key)


@settings(max_examples=100, deadline=None)
@given(scenario(), st.randoms(use_true_random=False))
def test_explain_is_byte_for_byte_replayable(sc: tuple, rnd: random.Random) -> None:
    rfo, offers, raw = sc
    for version in ALL:
        w = _weights(version, raw)
        shuffled = offers[:]
        rnd.shuffle(shuffled)
        a = json.dumps(scoring.explain_payload(version, rfo, offers, w), sort_keys=True)
        b = json.dumps(scoring.explain_payload(version.version, rfo, shuffled, w), sort_keys=True)
        assert a == b


@settings(max_examples=100, deadline=None)
@given(scenario(), st.randoms(use_true_random=False))
def test_identical_offers_from_two_vendors_get_identical_scores_and_a_fixed_tie_break(
    sc: tuple, rnd: random.Random
) -> None:
    rfo, offers, raw = sc
    base = offers[0]
    twins = [replace(base, offer_id=f"off_twin_{i}", vendor_id=f"ven_twin_{i}") for i in range(3)]
    for version in ALL:
        w = _weights(version, raw)
        field = offers + twins
        rnd.shuffle(field)
        ranked = [s for s in scoring.rank(version, rfo, field, w) if s.offer.offer_id.startswith("off_twin_")]
        assert len({(s.score, tuple(s.components.items()), tuple(s.penalties.items())) for s in ranked}) == 1
        assert [s.offer.offer_id for s in ranked] == sorted(
            (t.offer_id for t in twins), key=lambda i: scoring.tie_break_key(rfo.rfo_id, i)
        )


@settings(max_examples=150, deadline=None)
@given(scenario(), st.integers(1, 10**6), st.integers(1, 30 * 86_400), st.integers(1, 1_000))
def test_v2_is_monotone_in_each_input(sc: tuple, cheaper: int, earlier_s: int, more: int) -> None:
    rfo, offers, raw = sc
    w = _weights(V2, raw)
    o = offers[0]
    s = scoring.score_offer(V2, rfo, o, w).score
    better = [
        replace(o, unit_price=max(0, o.unit_price - cheaper)),
        replace(o, delivery_date=o.delivery_date - timedelta(seconds=earlier_s)),
        replace(o, quantity_available=o.quantity_available + more),
        replace(o, valid_until=None if o.valid_until is None else o.valid_until + timedelta(seconds=earlier_s)),
    ]
    if o.vendor_stats is not None:
        better.append(
            replace(o, vendor_stats=replace(o.vendor_stats, delivered_on_time=o.vendor_stats.delivered_on_time + 1))
        )
    for b in better:
        assert scoring.score_offer(V2, rfo, b, w).score >= s


@settings(max_examples=150, deadline=None)
@given(stats_st.filter(lambda s: s is not None), st.sampled_from(["delivered_on_time", "delivered_late", "defaulted"]))
def test_one_event_moves_reliability_by_at_most_one_eighteenth(stats: scoring.VendorStats, event: str) -> None:
    def rel(s: scoring.VendorStats) -> Decimal:
        return scoring.score_offer(V2, RFO, offer("off_R", stats=s), W2).components["reliability"]

    after = replace(stats, **{event: getattr(stats, event) + 1})
    assert abs(rel(after) - rel(stats)) <= D(1) / 18 + D("0.000001")


def test_score_offer_component_fn_and_rank_agree() -> None:
    o = offer("off_B", 4_000, 60, 15, 2, 4, scoring.VendorStats(awarded=2, delivered_on_time=2))
    s = scoring.score_offer(V2, RFO, o, W2)
    assert scoring.rank(V2, RFO, [o], W2) == [s]
    assert V2.component_fn(RFO, o) == s.components and V2.penalty_fn(RFO, o) == s.penalties
    regular = scoring.Scored(s.offer, s.score, s.components, s.contributions, s.penalties, s.tie_break)
    assert regular == s and hash(regular.offer) == hash(s.offer) and repr(regular) == repr(s)
    # a relative version alone sees a field of one offer; given the field it agrees with rank
    others = [o, offer("off_Z", 9_000)]
    assert scoring.score_offer(REL, RFO, o, W2, field_offers=others) == scoring.rank(REL, RFO, others, W2)[0]


def test_explain_defaults_document_and_version_names() -> None:
    offers = [offer("off_A"), offer("off_B", 4_000, 60, 15)]
    doc = scoring.explain_payload("v2", RFO, offers)
    assert doc["scoring_version"] == "v2" and doc["formula"] == V2.formula and doc["relative"] is False
    assert doc["weights"] == {k: scoring.fmt(v) for k, v in W2.items()} and doc["bounds"] == ["-1.000000", "1.000000"]
    row = doc["data"][0]
    assert set(row) == {
        "rank",
        "offer_id",
        "vendor_id",
        "inputs",
        "anchors",
        "components",
        "weights",
        "contributions",
        "penalties",
        "score",
        "tie_break_key",
    }
    assert row["inputs"]["delivery_date"] == "2026-03-11T00:00:00.000000Z" and row["inputs"]["vendor_stats"] is None
    assert row["anchors"]["horizon_us"] == 20 * 86_400 * 10**6
    json.dumps(doc)  # JSON-ready as it is
    assert scoring.explain("v2", RFO, []) == [] and scoring.explain_payload(V1, RFO, [])["data"] == []
    with pytest.raises(ValidationFailed):
        scoring.explain("v9", RFO, offers)


# --- weights validation (v2) ---------------------------------------------------------------------------------


def test_v2_weights_validation_one_error_per_bad_field() -> None:
    with pytest.raises(ValidationFailed) as exc:
        scoring.normalise_weights(
            V2, {"price": -1, "delivery": "NaN", "availability": "inf", "speed": 1, "reliability": "x"}
        )
    errors = {(e.field, e.code) for e in exc.value.errors}
    assert errors == {
        ("weights.price", "out_of_range"),
        ("weights.delivery", "out_of_range"),
        ("weights.availability", "out_of_range"),
        ("weights.reliability", "out_of_range"),
        ("weights.speed", "unknown_component"),
    }
    with pytest.raises(ValidationFailed) as exc:
        scoring.normalise_weights(V2, {"price": 0, "reliability": "0.0"})
    assert [(e.field, e.code) for e in exc.value.errors] == [("weights", "weights_all_zero")]
    with pytest.raises(ValidationFailed) as exc:  # a v2 component is unknown to v1
        scoring.normalise_weights(V1, {"price": 1, "reliability": 1})
    assert [(e.field, e.code) for e in exc.value.errors] == [("weights.reliability", "unknown_component")]


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            c: st.one_of(st.integers(0, 1000), st.decimals(0, 1000, places=4).map(str))
            for c in ("price", "delivery", "availability", "reliability")
        },
    )
)
def test_v2_weights_normalise_to_exactly_one(raw: dict) -> None:
    assume(any(D(str(v)) > 0 for v in raw.values()))
    w = scoring.normalise_weights(V2, raw)
    assert set(w) == set(V2.components) and sum(w.values()) == D(1)
    assert all(D(0) <= v <= D(1) and v == v.quantize(scoring.Q) for v in w.values())
    assert scoring.normalise_weights(V2, w) == w  # idempotent: stored weights replay unchanged

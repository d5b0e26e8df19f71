"""Scoring v1: bounds, exact sums, deterministic total order, offer-independence (property tests)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intentbid.domain import scoring
from intentbid.domain.errors import ValidationFailed

V1 = scoring.get_version("v1")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
RFO = scoring.RfoTerms("rfo_X", quantity=10, budget_max=100_000, need_by=T0 + timedelta(days=10), created_at=T0)
W = scoring.normalise_weights(V1, None)


def offer(i: int, price: int, days: float, submitted_s: int = 0, vendor: str | None = None) -> scoring.OfferInput:
    return scoring.OfferInput(
        f"off_{i:026d}", vendor or f"ven_{i}", price, 10, T0 + timedelta(days=days), T0 + timedelta(seconds=submitted_s)
    )


def test_v1_components_against_the_rfo_anchors() -> None:
    s = scoring.score_offer(V1, RFO, offer(1, 5_000, 5), W)
    assert s.components == {"price": Decimal("0.500000"), "delivery": Decimal("0.500000")}
    assert s.score == Decimal("0.500000")
    over_budget_and_late = scoring.score_offer(V1, RFO, offer(2, 20_000, 11), W)
    assert over_budget_and_late.score == Decimal("0")


def test_weights_are_validated_and_normalised_to_exactly_one() -> None:
    w = scoring.normalise_weights(V1, {"price": 1, "delivery": 2})
    assert sum(w.values()) == Decimal(1)
    with pytest.raises(ValidationFailed) as exc:
        scoring.normalise_weights(V1, {"price": -1, "speed": 1})
    assert {e.field for e in exc.value.errors} == {"weights.price", "weights.speed"}
    with pytest.raises(ValidationFailed):
        scoring.normalise_weights(V1, {"price": 0, "delivery": 0})
    with pytest.raises(ValidationFailed):
        scoring.get_version("v999")


def test_ties_break_by_price_then_eta_then_submission_then_hash() -> None:
    a = offer(1, 5_000, 5, submitted_s=10)
    b = offer(2, 5_000, 5, submitted_s=5)
    ranked = scoring.rank(V1, RFO, [a, b], W)
    assert [s.offer.offer_id for s in ranked] == [b.offer_id, a.offer_id]
    same_time = [offer(3, 5_000, 5), offer(4, 5_000, 5)]
    ranked = scoring.rank(V1, RFO, same_time, W)
    expected = sorted(same_time, key=lambda o: scoring.tie_break_key(RFO.rfo_id, o.offer_id))
    assert [s.offer for s in ranked] == expected


offers_st = st.lists(
    st.builds(
        offer, st.integers(0, 10_000), st.integers(1, 30_000), st.floats(0, 15, allow_nan=False), st.integers(0, 1000)
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda o: o.offer_id,
)
weights_st = st.fixed_dictionaries({"price": st.integers(0, 100), "delivery": st.integers(1, 100)})


@settings(max_examples=150, deadline=None)
@given(offers_st, weights_st, st.randoms())
def test_order_is_independent_of_input_order(
    offers: list[scoring.OfferInput], weights: dict[str, int], rnd: random.Random
) -> None:
    w = scoring.normalise_weights(V1, weights)
    shuffled = offers[:]
    rnd.shuffle(shuffled)
    assert scoring.rank(V1, RFO, offers, w) == scoring.rank(V1, RFO, shuffled, w)


@settings(max_examples=150, deadline=None)
@given(offers_st, weights_st)
def test_removing_an_offer_never_swaps_two_others(offers: list[scoring.OfferInput], weights: dict[str, int]) -> None:
    w = scoring.normalise_weights(V1, weights)
    full = [s.offer.offer_id for s in scoring.rank(V1, RFO, offers, w)]
    for removed in offers:
        rest = [s.offer.offer_id for s in scoring.rank(V1, RFO, [o for o in offers if o is not removed], w)]
        assert rest == [i for i in full if i != removed.offer_id]


@settings(max_examples=150, deadline=None)
@given(offers_st, weights_st)
def test_scores_are_bounded_and_contributions_sum_exactly(
    offers: list[scoring.OfferInput], weights: dict[str, int]
) -> None:
    w = scoring.normalise_weights(V1, weights)
    for s in scoring.rank(V1, RFO, offers, w):
        assert Decimal(0) <= s.score <= Decimal(1)
        assert sum(s.contributions.values()) - sum(s.penalties.values()) == s.score
        assert s.score == s.score.quantize(scoring.Q)


def test_identical_offers_from_two_vendors_score_identically() -> None:
    a, b = offer(1, 7_000, 3, vendor="ven_a"), offer(2, 7_000, 3, vendor="ven_b")
    sa, sb = (scoring.score_offer(V1, RFO, o, W) for o in (a, b))
    assert sa.score == sb.score and sa.components == sb.components

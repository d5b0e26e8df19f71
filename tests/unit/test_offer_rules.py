"""Offer validation with reasons: one test per rule (code and field), several failures together, knobs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intentbid.config import OfferPolicy
from intentbid.domain.errors import ValidationFailed
from intentbid.domain.offer_rules import (
    OfferTerms,
    RfoBounds,
    check,
    delivery_field,
    delivery_from,
    unit_price_band,
    violations,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
# 100 units, budget 500 000 minor units: the default band is 250..7 500 per unit (0.05x..1.5x of the budget).
RFO = RfoBounds(quantity=100, budget_max=500_000, need_by=NOW + timedelta(days=10))
GOOD = OfferTerms(
    unit_price=3_000,
    currency="USD",
    quantity_available=100,
    delivery_date=NOW + timedelta(days=3),
    valid_until=NOW + timedelta(days=5),
    availability_confirmed=True,
)


def failure(terms: OfferTerms, policy: OfferPolicy | None = None, rfo: RfoBounds | None = RFO) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as exc:
        check(terms, rfo_currency="USD", now=NOW, rfo=rfo, policy=policy or OfferPolicy())
    return exc.value


def single(terms: OfferTerms, code: str, field: str, policy: OfferPolicy | None = None) -> None:
    err = failure(terms, policy)
    assert err.code == code, err.errors
    assert [(e.field, e.code) for e in err.errors] == [(field, code)]
    assert err.errors[0].message


def test_a_good_offer_passes() -> None:
    check(GOOD, rfo_currency="USD", now=NOW, rfo=RFO)
    assert violations(GOOD, rfo_currency="USD", now=NOW, rfo=RFO) == []


# --- one test per rule ----------------------------------------------------------------------------------------


def test_price_must_be_positive() -> None:
    single(replace(GOOD, unit_price=0), "price_out_of_range", "unit_price")


def test_price_below_the_band() -> None:
    single(replace(GOOD, unit_price=249), "price_out_of_range", "unit_price")


def test_price_above_the_band() -> None:
    single(replace(GOOD, unit_price=7_501), "price_out_of_range", "unit_price")


def test_the_band_is_inclusive_and_its_message_names_it() -> None:
    assert unit_price_band(RFO) == (250, 7_500)
    for price in (250, 7_500):
        check(replace(GOOD, unit_price=price), rfo_currency="USD", now=NOW, rfo=RFO)
    assert "between 250 and 7500" in failure(replace(GOOD, unit_price=1)).errors[0].message


def test_currency_mismatch() -> None:
    single(replace(GOOD, currency="EUR"), "currency_mismatch", "currency")


def test_quantity_below_one() -> None:
    single(replace(GOOD, quantity_available=0), "quantity_out_of_range", "quantity_available")


def test_quantity_above_the_over_ratio() -> None:
    check(replace(GOOD, quantity_available=1_000), rfo_currency="USD", now=NOW, rfo=RFO)
    single(replace(GOOD, quantity_available=1_001), "quantity_out_of_range", "quantity_available")


def test_delivery_date_in_the_past() -> None:
    single(replace(GOOD, delivery_date=NOW - timedelta(minutes=2)), "in_past", "delivery_date")


def test_delivery_in_the_past_names_eta_days_when_the_client_sent_it() -> None:
    terms = replace(GOOD, delivery_date=NOW - timedelta(days=1), delivery_field="eta_days")
    single(terms, "in_past", "eta_days")


def test_delivery_date_after_need_by() -> None:
    single(replace(GOOD, delivery_date=RFO.need_by + timedelta(seconds=1)), "eta_after_need_by", "delivery_date")


def test_eta_days_after_need_by_names_eta_days() -> None:
    eta = 11
    terms = replace(
        GOOD,
        delivery_date=delivery_from(eta, None, NOW),
        delivery_field=delivery_field(eta, None),
    )
    single(terms, "eta_after_need_by", "eta_days")


def test_valid_until_in_the_past() -> None:
    single(replace(GOOD, valid_until=NOW), "in_past", "valid_until")


def test_availability_not_confirmed() -> None:
    single(replace(GOOD, availability_confirmed=False), "availability_not_confirmed", "availability_confirmed")


def test_notes_too_long() -> None:
    check(replace(GOOD, notes="x" * 2000), rfo_currency="USD", now=NOW, rfo=RFO)
    single(replace(GOOD, notes="x" * 2001), "too_long", "notes")


# --- reporting ------------------------------------------------------------------------------------------------


def test_several_failures_are_reported_together_in_request_order() -> None:
    bad = replace(GOOD, unit_price=10_000, currency="EUR", availability_confirmed=False, valid_until=NOW)
    err = failure(bad)
    assert err.code == "validation_failed"
    assert [(e.field, e.code) for e in err.errors] == [
        ("unit_price", "price_out_of_range"),
        ("currency", "currency_mismatch"),
        ("availability_confirmed", "availability_not_confirmed"),
        ("valid_until", "in_past"),
    ]


def test_without_rfo_figures_the_foundation_rules_alone_apply() -> None:
    """``check(terms, rfo_currency=..., now=...)`` behaves as before: no band, quantity cap or need-by."""
    far = replace(GOOD, unit_price=10**9, quantity_available=10**8, delivery_date=NOW + timedelta(days=900))
    check(far, rfo_currency="USD", now=NOW)
    with pytest.raises(ValidationFailed) as exc:
        check(replace(GOOD, currency="EUR", availability_confirmed=False), rfo_currency="USD", now=NOW)
    assert exc.value.code == "validation_failed"
    assert {e.code for e in exc.value.errors} == {"currency_mismatch", "availability_not_confirmed"}
    # The one-minute clock-skew grace on the delivery date is kept.
    check(replace(GOOD, delivery_date=NOW - timedelta(seconds=59)), rfo_currency="USD", now=NOW)


def test_delivery_from_and_delivery_field() -> None:
    assert delivery_from(3, None, NOW) == NOW + timedelta(days=3)
    assert delivery_from(None, NOW, NOW + timedelta(days=1)) == NOW
    assert delivery_field(3, None) == "eta_days"
    assert delivery_field(None, NOW) == "delivery_date"
    assert delivery_field(None, None) == "delivery_date"


# --- knobs ----------------------------------------------------------------------------------------------------


def test_need_by_rule_can_be_switched_off_or_given_grace() -> None:
    late = replace(GOOD, delivery_date=RFO.need_by + timedelta(hours=1))
    check(late, rfo_currency="USD", now=NOW, rfo=RFO, policy=OfferPolicy(enforce_need_by=False))
    check(late, rfo_currency="USD", now=NOW, rfo=RFO, policy=OfferPolicy(need_by_grace_s=3600))
    single(late, "eta_after_need_by", "delivery_date", OfferPolicy(need_by_grace_s=3599))


def test_band_bounds_can_be_disabled_with_zero() -> None:
    no_band = OfferPolicy(price_min_ratio=Decimal(0), price_max_ratio=Decimal(0))
    assert unit_price_band(RFO, no_band) == (1, None)
    for price in (1, 10**9):
        check(replace(GOOD, unit_price=price), rfo_currency="USD", now=NOW, rfo=RFO, policy=no_band)
    single(replace(GOOD, unit_price=0), "price_out_of_range", "unit_price", no_band)
    only_floor = OfferPolicy(price_max_ratio=Decimal(0))
    assert "at least 250" in failure(replace(GOOD, unit_price=1), only_floor).errors[0].message


def test_custom_band_and_quantity_ratio() -> None:
    tight = OfferPolicy(price_min_ratio=Decimal("0.5"), price_max_ratio=Decimal(1), quantity_max_over_ratio=Decimal(2))
    assert unit_price_band(RFO, tight) == (2_500, 5_000)
    single(replace(GOOD, unit_price=5_001), "price_out_of_range", "unit_price", tight)
    single(replace(GOOD, quantity_available=201), "quantity_out_of_range", "quantity_available", tight)
    unlimited = OfferPolicy(quantity_max_over_ratio=Decimal(0))
    check(replace(GOOD, quantity_available=10**9), rfo_currency="USD", now=NOW, rfo=RFO, policy=unlimited)


def test_notes_limit_can_be_lowered_or_disabled() -> None:
    single(replace(GOOD, notes="x" * 11), "too_long", "notes", OfferPolicy(notes_max_chars=10))
    check(replace(GOOD, notes="x" * 5000), rfo_currency="USD", now=NOW, rfo=RFO, policy=OfferPolicy(notes_max_chars=0))


@given(
    quantity=st.integers(1, 10_000),
    budget=st.integers(1_000, 10**12),
    price=st.integers(1, 10**10),
)
def test_band_membership_matches_the_advertised_unit_price_range(quantity: int, budget: int, price: int) -> None:
    rfo = RfoBounds(quantity=quantity, budget_max=budget, need_by=RFO.need_by)
    low, high = unit_price_band(rfo)
    assert high is not None
    errs = violations(
        replace(GOOD, unit_price=price, quantity_available=quantity), rfo_currency="USD", now=NOW, rfo=rfo
    )
    assert (low <= price <= high) == (errs == [])

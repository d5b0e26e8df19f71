"""Suspicious flags: a flag per signal on seeded data, none on clean data (including property tests)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from intentbid.config import FlagPolicy
from intentbid.domain import flags as F

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RFO = F.RfoWindow("rfo_1", opened_at=T0, deadline=T0 + timedelta(days=1))
DELIVERY = T0 + timedelta(days=7)


def offer(
    i: int,
    price: int,
    *,
    vendor: str | None = None,
    qty: int = 100,
    delivery_min: int | None = None,
    rfo: str = "rfo_1",
) -> F.OfferSample:
    """Offer ``i``; its delivery is ``i`` days after DELIVERY unless ``delivery_min`` minutes is given."""
    delivery = DELIVERY + (timedelta(minutes=delivery_min) if delivery_min is not None else timedelta(days=i))
    return F.OfferSample(
        offer_id=f"off_{i}",
        vendor_id=vendor or f"ven_{i}",
        rfo_id=rfo,
        unit_price=price,
        quantity_available=qty,
        delivery_date=delivery,
        submitted_at=T0 + timedelta(hours=1),
    )


def clean_field(n: int = 8) -> list[F.OfferSample]:
    """Offers spread in price (±10 %), with distinct deliveries: nothing to flag."""
    return [offer(i, 1_000 + 25 * (i - n // 2)) for i in range(n)]


def codes(flags: list[F.Flag]) -> list[tuple[str, str, str | None]]:
    return [(f.code, f.vendor_id, f.rfo_id) for f in flags]


def assert_storable(flag: F.Flag) -> None:
    """Evidence holds only str/int/bool and lists/dicts of them (JSON- and DynamoDB-safe)."""

    def walk(x: object) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                assert isinstance(k, str)
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        else:
            assert isinstance(x, str | int | bool) or x is None, type(x)

    walk(flag.evidence)
    json.dumps(flag.as_dict())
    assert flag.reason and flag.key == f"{flag.code}#{flag.rfo_id or '-'}#{flag.vendor_id}"


def test_clean_data_raises_no_flag() -> None:
    offers = clean_field()
    revisions = [F.RevisionEvent("ven_1", "rfo_1", "off_1", T0 + timedelta(hours=h)) for h in range(5)]
    rejections = [
        F.RejectionEvent("ven_2", "rfo_1", "price_out_of_range", T0 + timedelta(minutes=10 * k)) for k in range(9)
    ]
    assert F.evaluate(RFO, offers, revisions, rejections) == []


# --- price outlier --------------------------------------------------------------------------------------------


def test_price_outlier_by_modified_z_score() -> None:
    offers = [*clean_field(), offer(99, 200, vendor="ven_cheap"), offer(98, 5_000, vendor="ven_dear")]
    flags = F.price_outliers(offers)
    assert codes(flags) == [("price_outlier", "ven_cheap", "rfo_1"), ("price_outlier", "ven_dear", "rfo_1")]
    low = flags[0].evidence
    assert low["method"] == "mad" and low["offer_count"] == 10
    assert low["offers"][0]["offer_id"] == "off_99" and low["offers"][0]["direction"] == "low"
    assert Decimal(low["offers"][0]["z"]) < -Decimal("3.5")
    assert flags[1].evidence["offers"][0]["direction"] == "high"
    for f in flags:
        assert_storable(f)


def test_modified_z_score_formula() -> None:
    zs, med, mad, method = F.modified_z_scores([10, 12, 14, 16, 100]) or ([], 0, 0, "")
    assert (med, mad, method) == (14, 2, "mad")
    assert zs[-1] == Decimal("0.6745") * 86 / 2


def test_mad_zero_falls_back_to_mean_absolute_deviation() -> None:
    offers = [offer(i, 1_000) for i in range(4)] + [offer(9, 2_000, vendor="ven_odd")]
    flags = F.price_outliers(offers)
    assert codes(flags) == [("price_outlier", "ven_odd", "rfo_1")]
    assert flags[0].evidence["method"] == "meanad"


def test_all_equal_prices_and_small_fields_have_no_outlier() -> None:
    assert F.price_outliers([offer(i, 1_000) for i in range(10)]) == []
    assert F.price_outliers([offer(i, p) for i, p in enumerate([100, 100, 100, 10_000])]) == []  # < 5 offers


def test_a_tiny_relative_deviation_is_no_outlier_even_with_a_huge_z() -> None:
    offers = [offer(i, 1_000) for i in range(4)] + [offer(9, 1_050)]  # MAD 0, z big, but only 5 % off
    assert F.price_outliers(offers) == []
    assert F.price_outliers(offers, FlagPolicy(flag_outlier_min_rel_deviation=Decimal("0.01"))) != []


def test_outliers_are_judged_per_rfo() -> None:
    other = [offer(20 + i, 50_000, rfo="rfo_2") for i in range(5)]
    assert F.price_outliers([*clean_field(), *other]) == []


@settings(max_examples=200)
@given(
    base=st.integers(100, 10**8),
    spreads=st.lists(st.integers(-400, 400), min_size=5, max_size=40),
)
def test_property_prices_within_a_tight_band_raise_no_outlier(base: int, spreads: list[int]) -> None:
    """Any offers within ±4 % of a common price: never an outlier, whatever their MAD."""
    offers = [offer(i, base + base * s // 10_000) for i, s in enumerate(spreads)]
    assert F.price_outliers(offers) == []


@settings(max_examples=100)
@given(
    base=st.integers(1_000, 10**7),
    spreads=st.lists(st.integers(-1000, 1000), min_size=5, max_size=30, unique=True),
    factor=st.integers(3, 50),
)
def test_property_a_far_away_price_is_always_an_outlier(base: int, spreads: list[int], factor: int) -> None:
    offers = [offer(i, base + base * s // 10_000) for i, s in enumerate(spreads)]
    offers.append(offer(999, base * factor, vendor="ven_far"))
    assert "ven_far" in {f.vendor_id for f in F.price_outliers(offers)}


# --- revision burst -------------------------------------------------------------------------------------------


def test_revision_burst() -> None:
    burst = [F.RevisionEvent("ven_1", "rfo_1", "off_1", T0 + timedelta(minutes=2 * k)) for k in range(5)]
    flags = F.revision_bursts(burst)
    assert codes(flags) == [("revision_burst", "ven_1", "rfo_1")]
    assert flags[0].evidence["revisions"] == 5 and flags[0].evidence["offer_ids"] == ["off_1"]
    assert_storable(flags[0])


def test_revisions_spread_out_or_across_rfos_are_no_burst() -> None:
    spread = [F.RevisionEvent("ven_1", "rfo_1", "off_1", T0 + timedelta(minutes=3 * k)) for k in range(10)]
    assert F.revision_bursts(spread) == []  # 4 within any 10 minutes
    across = [F.RevisionEvent("ven_1", f"rfo_{k}", f"off_{k}", T0 + timedelta(seconds=k)) for k in range(10)]
    assert F.revision_bursts(across) == []
    assert F.revision_bursts(spread, FlagPolicy(flag_burst_revisions=4)) != []


# --- near-identical offers ------------------------------------------------------------------------------------


def test_near_identical_offers_flag_every_vendor_involved() -> None:
    twins = [
        offer(1, 10_000, vendor="ven_a", delivery_min=0),
        offer(2, 10_010, vendor="ven_b", delivery_min=59),  # 0.1 % apart, deliveries within the hour
        offer(3, 9_995, vendor="ven_c", delivery_min=30),
    ]
    flags = F.near_identical_offers([*clean_field(), *twins])
    assert codes(flags) == [(F.NEAR_IDENTICAL, v, "rfo_1") for v in ("ven_a", "ven_b", "ven_c")]
    assert flags[0].evidence["other_vendor_ids"] == ["ven_b", "ven_c"]
    assert flags[0].evidence["offer_ids"] == ["off_1", "off_2", "off_3"]
    for f in flags:
        assert_storable(f)


def test_similar_but_not_identical_offers_are_not_flagged() -> None:
    a = offer(1, 10_000, vendor="ven_a", delivery_min=0)
    assert F.near_identical_offers([a, offer(2, 10_011, vendor="ven_b", delivery_min=0)]) == []  # > 0.1 %
    assert F.near_identical_offers([a, offer(2, 10_000, vendor="ven_b", qty=99, delivery_min=0)]) == []
    far = F.OfferSample("off_2", "ven_b", "rfo_1", 10_000, 100, a.delivery_date + timedelta(minutes=61), T0)
    assert F.near_identical_offers([a, far]) == []
    same_vendor = offer(2, 10_000, vendor="ven_a", delivery_min=0)
    assert F.near_identical_offers([a, same_vendor]) == []
    other_rfo = offer(2, 10_000, vendor="ven_b", delivery_min=0, rfo="rfo_2")
    assert F.near_identical_offers([a, other_rfo]) == []


def test_near_identical_minimum_vendors() -> None:
    pair = [offer(1, 10_000, vendor="ven_a", delivery_min=0), offer(2, 10_000, vendor="ven_b", delivery_min=0)]
    assert F.near_identical_offers(pair, FlagPolicy(flag_identical_min_vendors=3)) == []
    assert F.near_identical_offers(pair, FlagPolicy(flag_identical_min_vendors=0)) == []
    assert len(F.near_identical_offers(pair)) == 2


@settings(max_examples=100)
@given(st.lists(st.tuples(st.integers(1, 10**6), st.integers(1, 50), st.integers(0, 500)), min_size=2, max_size=25))
def test_property_near_identical_matches_the_pairwise_definition(rows: list[tuple[int, int, int]]) -> None:
    offers = [
        F.OfferSample(f"off_{i}", f"ven_{i}", "rfo_1", p, q, DELIVERY + timedelta(minutes=10 * d), T0)
        for i, (p, q, d) in enumerate(rows)
    ]

    def similar(a: F.OfferSample, b: F.OfferSample) -> bool:
        return (
            a.quantity_available == b.quantity_available
            and abs(a.unit_price - b.unit_price) * 1000 <= max(a.unit_price, b.unit_price)
            and abs(a.delivery_date - b.delivery_date) <= timedelta(hours=1)
        )

    expected = {a.vendor_id for a in offers for b in offers if a is not b and similar(a, b)}
    assert {f.vendor_id for f in F.near_identical_offers(offers)} == expected


# --- repeated rejections --------------------------------------------------------------------------------------


def test_repeated_rejections() -> None:
    events = [
        F.RejectionEvent("ven_1", "rfo_1", "price_out_of_range" if k % 2 else "rate_limited", T0 + timedelta(minutes=k))
        for k in range(10)
    ]
    flags = F.repeated_rejections(events)
    assert codes(flags) == [("repeated_rejections", "ven_1", "rfo_1")]
    assert flags[0].evidence["codes"] == {"price_out_of_range": 5, "rate_limited": 5}
    assert_storable(flags[0])
    across = [F.RejectionEvent("ven_2", f"rfo_{k % 2}", "in_past", T0 + timedelta(minutes=k)) for k in range(10)]
    (flag,) = F.repeated_rejections(across)
    assert flag.rfo_id is None and flag.evidence["rfo_ids"] == ["rfo_0", "rfo_1"]


def test_rejections_spread_out_are_not_flagged() -> None:
    events = [F.RejectionEvent("ven_1", "rfo_1", "in_past", T0 + timedelta(minutes=7 * k)) for k in range(20)]
    assert F.repeated_rejections(events) == []  # 9 per hour at most
    assert F.repeated_rejections(events, FlagPolicy(flag_rejections_threshold=0)) == []


# --- last-second submissions ----------------------------------------------------------------------------------


def test_last_second_submission_and_revision() -> None:
    sniper = F.OfferSample("off_s", "ven_s", "rfo_1", 1_000, 100, DELIVERY, RFO.deadline - timedelta(seconds=30))
    reviser = F.RevisionEvent("ven_r", "rfo_1", "off_r", RFO.deadline - timedelta(minutes=20))  # in the last 2 %
    flags = F.last_second_submissions(RFO, [*clean_field(), sniper], [reviser])
    assert codes(flags) == [(F.LAST_SECOND, "ven_r", "rfo_1"), (F.LAST_SECOND, "ven_s", "rfo_1")]
    assert flags[0].evidence["events"] == [
        {"offer_id": "off_r", "action": "revised", "at": "2026-03-02T11:40:00Z", "seconds_before_deadline": 1200}
    ]
    assert flags[1].evidence["events"][0]["seconds_before_deadline"] == 30
    for f in flags:
        assert_storable(f)


def test_last_second_criteria_are_configurable() -> None:
    late = F.OfferSample("off_l", "ven_l", "rfo_1", 1_000, 100, DELIVERY, RFO.deadline - timedelta(minutes=20))
    assert F.last_second_submissions(RFO, [late], policy=FlagPolicy(flag_last_second_fraction=Decimal(0))) == []
    assert F.last_second_submissions(RFO, [late], policy=FlagPolicy(flag_last_second_fraction=Decimal("0.01"))) == []
    off = FlagPolicy(flag_last_second_fraction=Decimal(0), flag_last_second_s=0)
    sniper = F.OfferSample("off_s", "ven_s", "rfo_1", 1_000, 100, DELIVERY, RFO.deadline - timedelta(seconds=1))
    assert F.last_second_submissions(RFO, [sniper], policy=off) == []
    assert len(F.last_second_submissions(RFO, [sniper], policy=FlagPolicy(flag_last_second_fraction=Decimal(0)))) == 1


# --- everything together --------------------------------------------------------------------------------------


def test_evaluate_reports_each_signal_once_in_a_stable_order() -> None:
    offers = [
        *clean_field(),
        offer(50, 100, vendor="ven_cheap"),
        offer(51, 1_000, vendor="ven_a", delivery_min=0),
        offer(52, 1_000, vendor="ven_b", delivery_min=0),
        F.OfferSample(
            "off_s", "ven_s", "rfo_1", 1_010, 100, DELIVERY + timedelta(days=30), RFO.deadline - timedelta(seconds=5)
        ),
    ]
    revisions = [F.RevisionEvent("ven_x", "rfo_1", "off_x", T0 + timedelta(seconds=k)) for k in range(6)]
    rejections = [F.RejectionEvent("ven_y", "rfo_1", "currency_mismatch", T0 + timedelta(seconds=k)) for k in range(10)]
    flags = F.evaluate(RFO, offers, revisions, rejections)
    assert [f.code for f in flags] == [
        F.PRICE_OUTLIER,
        F.REVISION_BURST,
        F.NEAR_IDENTICAL,
        F.NEAR_IDENTICAL,
        F.REPEATED_REJECTIONS,
        F.LAST_SECOND,
    ]
    assert len({f.key for f in flags}) == len(flags)
    assert F.evaluate(RFO, offers, revisions, rejections) == flags
    assert F.evaluate(None, offers)[-1].code == F.NEAR_IDENTICAL


@settings(max_examples=200, deadline=None)
@given(
    gaps=st.lists(st.integers(min_value=0, max_value=900), min_size=1, max_size=40),
    threshold=st.integers(min_value=1, max_value=6),
)
def test_the_bounded_window_raises_repeated_rejections_exactly_when_the_full_history_does(
    gaps: list[int], threshold: int
) -> None:
    """Issue 9, finding 6: the O(threshold) window kept on the vendor item decides like the full-history scan
    after every rejection (the scan re-read the whole last hour on each refusal)."""
    policy = FlagPolicy(flag_rejections_threshold=threshold, flag_rejections_window_s=1800)
    history: list[F.RejectionEvent] = []
    window: tuple[F.RejectionEvent, ...] = ()
    at = T0
    for gap in gaps:
        at += timedelta(seconds=gap)
        event = F.RejectionEvent("ven_1", "rfo_1", "in_past", at)
        history.append(event)
        window = F.recent_rejections(window, event, policy)
        assert len(window) <= threshold
        recent_history = [e for e in history if at - e.at <= timedelta(seconds=1800)]
        assert bool(F.repeated_rejections(window, policy)) == bool(F.repeated_rejections(recent_history, policy))
    assert F.recent_rejections(window, history[-1], FlagPolicy(flag_rejections_threshold=0)) == ()

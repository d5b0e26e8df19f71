"""Limits per vendor and per RFO: one test per limit (code, Retry-After), the counter descriptions the store
enforces atomically, and the switches (0 disables)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intentbid.config import Limits
from intentbid.domain import limits as L
from intentbid.domain.errors import TooManyRequests, ValidationFailed

NOW = datetime(2026, 3, 1, 12, 20, 15, 250_000, tzinfo=UTC)  # 20 min 15.25 s into the hour
HOUR_START = int(datetime(2026, 3, 1, 12, tzinfo=UTC).timestamp())


def limited(fn: Callable[..., object], *args: object) -> TooManyRequests:
    with pytest.raises(TooManyRequests) as exc:
        fn(*args)
    return exc.value


# --- one test per limit ---------------------------------------------------------------------------------------


def test_offers_per_vendor_per_rfo() -> None:
    L.check_offers_per_rfo(2)
    err = limited(L.check_offers_per_rfo, 3)
    assert (err.code, err.retry_after) == ("offer_limit_reached", None)
    assert err.extra == {"limit": 3}


def test_revisions_per_offer() -> None:
    L.check_revisions(9)
    err = limited(L.check_revisions, 10)
    assert (err.code, err.retry_after) == ("offer_limit_reached", None)


def test_revision_interval_gives_the_seconds_left_rounded_up() -> None:
    L.check_revision_interval(NOW - timedelta(seconds=30), NOW)
    err = limited(L.check_revision_interval, NOW - timedelta(seconds=10, milliseconds=500), NOW)
    assert (err.code, err.retry_after) == ("revision_cooldown", 20)
    err = limited(L.check_revision_interval, NOW - timedelta(seconds=29, milliseconds=999), NOW)
    assert err.retry_after == 1
    assert L.revision_not_before(NOW) == NOW + timedelta(seconds=30)


def test_offers_per_vendor_per_hour_gives_the_seconds_to_the_next_hour() -> None:
    L.check_hourly_rate(59, NOW)
    err = limited(L.check_hourly_rate, 60, NOW)
    assert err.code == "rate_limited"
    assert err.retry_after == 2385  # 39 min 44.75 s, rounded up


def test_minimum_improvement_is_off_by_default() -> None:
    L.check_improvement(1_000, 1_000, NOW, NOW + timedelta(days=1))


def test_minimum_improvement_when_on() -> None:
    half_pct = Limits(min_improvement_pct=Decimal("0.5"))
    day = NOW + timedelta(days=5)
    L.check_improvement(10_000, 9_950, day, day, half_pct)  # exactly 0.5 % cheaper
    L.check_improvement(10_000, 10_000, day, day - timedelta(hours=1), half_pct)  # an hour earlier
    with pytest.raises(ValidationFailed) as exc:
        L.check_improvement(10_000, 9_951, day, day - timedelta(minutes=59), half_pct)
    assert exc.value.code == "insufficient_improvement"
    assert [(e.field, e.code) for e in exc.value.errors] == [("unit_price", "insufficient_improvement")]
    with pytest.raises(ValidationFailed):
        L.check_improvement(10_000, 10_100, day, day + timedelta(days=1), half_pct)  # worse on both
    any_earlier = Limits(min_improvement_pct=Decimal("0.5"), delivery_improvement_min_s=0)
    L.check_improvement(10_000, 10_000, day, day - timedelta(seconds=1), any_earlier)
    with pytest.raises(ValidationFailed):
        L.check_improvement(10_000, 10_000, day, day, any_earlier)


def test_combined_checks_order_the_non_retryable_limit_first() -> None:
    assert limited(L.check_submission, 3, 60, NOW).code == "offer_limit_reached"
    assert limited(L.check_submission, 0, 60, NOW).code == "rate_limited"
    L.check_submission(2, 59, NOW)
    assert limited(L.check_revision, 10, NOW, NOW).code == "offer_limit_reached"
    assert limited(L.check_revision, 1, NOW, NOW).code == "revision_cooldown"
    L.check_revision(1, NOW - timedelta(minutes=1), NOW)


# --- counter descriptions for the store -----------------------------------------------------------------------


def test_submission_counters() -> None:
    per_rfo, per_hour = L.submission_limits("ven_1", "rfo_1", NOW, environment="live")
    assert per_rfo == L.CounterLimit("lim#offers_per_rfo#ven_1#live#rfo_1", 0, 0, 3, "offer_limit_reached")
    assert per_hour == L.CounterLimit(
        f"lim#offers_per_hour#ven_1#live#{HOUR_START}", HOUR_START, 3600, 60, "rate_limited"
    )
    assert per_rfo.window_end_epoch is None and per_rfo.expires_at_epoch() is None
    assert per_rfo.retry_after(NOW) is None
    assert per_hour.window_end_epoch == HOUR_START + 3600
    assert per_hour.expires_at_epoch() == HOUR_START + 7200
    assert per_hour.retry_after(NOW) == 2385
    assert per_hour.name == "offers_per_hour"


def test_submission_counters_are_per_vendor_and_environment() -> None:
    """A vendor's sandbox submissions never use up its live allowance (issue 9, finding 4): other counters."""
    live = L.submission_limits("ven_1", "rfo_1", NOW, environment="live")
    sandbox = L.submission_limits("ven_1", "rfo_1", NOW, environment="test")
    assert [c.name for c in live] == [c.name for c in sandbox] == ["offers_per_rfo", "offers_per_hour"]
    assert {c.key for c in live}.isdisjoint({c.key for c in sandbox})
    assert all("#test#" in c.key for c in sandbox)


def test_revision_counters() -> None:
    (rev,) = L.revision_limits("off_1")
    assert rev == L.CounterLimit("lim#revisions#off_1", 0, 0, 10, "offer_limit_reached")
    assert L.max_revision_number() == 11


def test_counter_errors_match_the_pure_checks() -> None:
    per_rfo, per_hour = L.submission_limits("ven_1", "rfo_1", NOW, environment="live")
    per_rfo.check(2, NOW)
    a, b = limited(per_rfo.check, 3, NOW), limited(L.check_offers_per_rfo, 3)
    assert (a.code, a.retry_after, a.detail) == (b.code, b.retry_after, b.detail)
    a, b = limited(per_hour.check, 60, NOW), limited(L.check_hourly_rate, 60, NOW)
    assert (a.code, a.retry_after, a.detail) == (b.code, b.retry_after, b.detail)


def test_a_new_hour_is_a_new_counter() -> None:
    later = NOW + timedelta(hours=1)
    (_, this_hour), (_, next_hour) = (L.submission_limits("v", "r", t, environment="live") for t in (NOW, later))
    assert this_hour.key != next_hour.key
    assert next_hour.window_start_epoch == this_hour.window_start_epoch + 3600


def test_zero_disables_each_limit() -> None:
    off = Limits(
        max_offers_per_vendor_per_rfo=0,
        max_revisions_per_offer=0,
        revision_min_interval_s=0,
        max_offers_per_vendor_per_hour=0,
    )
    L.check_submission(10**6, 10**6, NOW, off)
    L.check_revision(10**6, NOW, NOW, off)
    assert L.submission_limits("v", "r", NOW, off, environment="live") == []
    assert L.revision_limits("o", off) == []
    assert L.max_revision_number(off) is None
    assert L.revision_not_before(NOW, off) is None


def test_custom_values() -> None:
    lim = Limits(max_offers_per_vendor_per_rfo=1, max_offers_per_vendor_per_hour=5, revision_min_interval_s=120)
    assert limited(L.check_offers_per_rfo, 1, lim).extra == {"limit": 1}
    L.check_hourly_rate(4, NOW, lim)
    assert limited(L.check_hourly_rate, 5, NOW, lim).code == "rate_limited"
    assert limited(L.check_revision_interval, NOW - timedelta(seconds=100), NOW, lim).retry_after == 20


@given(st.integers(0, 10**10), st.sampled_from([1, 60, 3600, 86400]))
def test_window_start_contains_now(epoch: int, window: int) -> None:
    now = datetime.fromtimestamp(epoch, tz=UTC)
    start = L.window_start(now, window)
    assert start % window == 0 and start <= epoch < start + window


class ConditionalCounters:
    """What the store does per CounterLimit: ADD 1 if the count is below max, atomically (one lock stands in
    for DynamoDB serialising conditional updates on one item)."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}
        self.lock = threading.Lock()

    def take(self, limits: list[L.CounterLimit], now: datetime) -> None:
        with self.lock:  # a transaction: all counters or none
            for limit in limits:
                limit.check(self.values.get(limit.key, 0), now)
            for limit in limits:
                self.values[limit.key] = self.values.get(limit.key, 0) + 1


def test_conditional_counters_never_overshoot_under_concurrency() -> None:
    store = ConditionalCounters()
    outcomes: list[str] = []
    out_lock = threading.Lock()

    def vendor(vendor_id: str) -> None:
        for i in range(20):
            rfo_id = f"rfo_{i % 4}"
            try:
                store.take(L.submission_limits(vendor_id, rfo_id, NOW, environment="live"), NOW)
                result = "ok"
            except TooManyRequests as exc:
                result = exc.code
            with out_lock:
                outcomes.append(result)

    threads = [threading.Thread(target=vendor, args=(f"ven_{v % 3}",)) for v in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 3 vendors x 4 RFOs x 3 offers = 36 accepted, whatever the interleaving; the hour cap (60) is not reached.
    assert outcomes.count("ok") == 36
    assert set(outcomes) == {"ok", "offer_limit_reached"}
    assert all(v <= 3 for k, v in store.values.items() if "offers_per_rfo" in k)

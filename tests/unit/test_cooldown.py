"""Cooldowns on a controllable clock: growth (1, 2, 4 … minutes, capped), expiry, decay, manual validation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intentbid.config import CooldownPolicy
from intentbid.domain import clock
from intentbid.domain import cooldown as C
from intentbid.domain.errors import TooManyRequests, ValidationFailed

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.t = start.timestamp()

    def advance(self, seconds: float) -> None:
        self.t += seconds

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def frozen() -> Iterator[Clock]:
    c = Clock(T0)
    clock.set_clock(c)
    try:
        yield c
    finally:
        clock.set_clock(None)


class Vendor:
    """A vendor as the store would keep it: its cooldown state, updated on each violation."""

    def __init__(self, policy: CooldownPolicy = C.DEFAULT_POLICY) -> None:
        self.state = C.CooldownState()
        self.policy = policy

    def violate(self) -> None:
        self.state = C.on_violation(self.state, clock.now(), self.policy)

    def flood(self, n: int | None = None) -> None:
        for _ in range(n or self.policy.cooldown_violation_threshold):
            self.violate()

    def retry_after(self) -> int | None:
        return C.is_cooling_down(self.state.cooldown_until, clock.now())


def test_growth_doubles_per_strike_and_is_capped() -> None:
    minutes = [C.cooldown_length(s).total_seconds() / 60 for s in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert C.next_cooldown(3, T0) == T0 + timedelta(minutes=4)
    assert C.cooldown_length(10**6) == timedelta(hours=1)
    with pytest.raises(ValueError, match="strike"):
        C.cooldown_length(0)


def test_threshold_violations_in_the_window_start_a_cooldown_that_expires(frozen: Clock) -> None:
    v = Vendor()
    v.flood(4)
    assert v.state.strikes == 0 and len(v.state.recent_violations) == 4 and v.retry_after() is None
    v.violate()
    assert v.state.strikes == 1 and v.state.recent_violations == ()
    assert v.state.cooldown_until == clock.now() + timedelta(minutes=1)
    assert v.retry_after() == 60
    frozen.advance(59.5)
    assert v.retry_after() == 1
    with pytest.raises(TooManyRequests) as exc:
        C.ensure_not_cooling_down(v.state.cooldown_until, clock.now())
    assert (exc.value.code, exc.value.retry_after) == ("vendor_cooldown", 1)
    assert exc.value.extra == {"cooldown_until": "2026-03-01T12:01:00Z"}
    frozen.advance(0.5)
    assert v.retry_after() is None
    C.ensure_not_cooling_down(v.state.cooldown_until, clock.now())


def test_repeated_floods_grow_the_cooldown(frozen: Clock) -> None:
    v = Vendor()
    lengths = []
    for _ in range(4):
        v.flood()
        retry = v.retry_after()
        assert retry is not None
        lengths.append(retry)
        frozen.advance(retry)  # wait it out, then offend again
    assert lengths == [60, 120, 240, 480]
    assert v.state.strikes == 4


def test_violations_spread_beyond_the_window_earn_no_strike(frozen: Clock) -> None:
    v = Vendor()
    for _ in range(20):
        v.violate()
        frozen.advance(150)  # a 600 s window holds 4 of them at most
    assert v.state.strikes == 0 and v.retry_after() is None
    assert len(v.state.recent_violations) == 4


def test_one_flood_is_one_strike(frozen: Clock) -> None:
    v = Vendor()
    v.flood(9)  # the 5th strikes; the 4 after it are not yet the next 5
    assert v.state.strikes == 1
    v.violate()  # the 5th after the strike
    assert v.state.strikes == 2


def test_strikes_decay_after_a_quiet_period(frozen: Clock) -> None:
    v = Vendor()
    for _ in range(3):
        v.flood()
        frozen.advance(v.retry_after() or 0)
    assert v.state.strikes == 3
    frozen.advance(2 * 3600)  # two quiet hours forgive two strikes
    assert C.decayed_strikes(v.state.strikes, v.state.last_strike_at, clock.now()) == 1
    v.flood()
    assert v.state.strikes == 2 and v.retry_after() == 120
    frozen.advance(10 * 3600)
    v.flood()
    assert v.state.strikes == 1 and v.retry_after() == 60


def test_decay_can_be_disabled_and_never_goes_negative() -> None:
    never = CooldownPolicy(cooldown_strike_decay_s=0)
    assert C.decayed_strikes(3, T0, T0 + timedelta(days=365), never) == 3
    assert C.decayed_strikes(3, T0, T0 + timedelta(days=365)) == 0
    assert C.decayed_strikes(0, None, T0) == 0


def test_an_automatic_cooldown_never_shortens_a_longer_one(frozen: Clock) -> None:
    v = Vendor()
    manual_until = clock.now() + timedelta(days=2)
    v.state = C.CooldownState(cooldown_until=manual_until)
    v.flood()
    assert v.state.strikes == 1 and v.state.cooldown_until == manual_until


def test_automatic_cooldowns_can_be_disabled(frozen: Clock) -> None:
    v = Vendor(CooldownPolicy(cooldown_violation_threshold=0))
    v.flood(50)
    assert v.state == C.CooldownState()


def test_custom_policy(frozen: Clock) -> None:
    policy = CooldownPolicy(
        cooldown_violation_threshold=2, cooldown_violation_window_s=60, cooldown_base_s=10, cooldown_max_s=25
    )
    v = Vendor(policy)
    lengths = []
    for _ in range(3):
        v.flood()
        lengths.append(v.retry_after())
        frozen.advance(v.retry_after() or 0)
    assert lengths == [10, 20, 25]


def test_violation_codes_exclude_the_cooldown_itself() -> None:
    assert "vendor_cooldown" not in C.VIOLATION_CODES
    assert {"offer_limit_reached", "revision_cooldown", "rate_limited"} <= C.VIOLATION_CODES


def test_window_counting_is_sliding() -> None:
    times = [T0 + timedelta(seconds=s) for s in (0, 100, 200, 300, 601)]
    assert C.violations_in_window(times, T0 + timedelta(seconds=601)) == 4  # t=0 left the window
    assert C.violations_in_window(times, T0 + timedelta(seconds=700)) == 3


def test_ops_can_lift_a_cooldown(frozen: Clock) -> None:
    v = Vendor()
    v.flood()
    v.state = C.lift(v.state)
    assert v.retry_after() is None and v.state.strikes == 1


@given(st.integers(1, 200), st.integers(1, 3600), st.integers(1, 86400))
def test_cooldown_length_is_monotonic_and_bounded(strike: int, base: int, extra: int) -> None:
    policy = CooldownPolicy(cooldown_base_s=base, cooldown_max_s=base + extra)
    a, b = C.cooldown_length(strike, policy), C.cooldown_length(strike + 1, policy)
    assert timedelta(seconds=base) <= a <= b <= timedelta(seconds=base + extra)


# --- manual cooldowns -----------------------------------------------------------------------------------------


def manual_errors(until: datetime, reason: str | None) -> tuple[str, list[tuple[str, str]]]:
    with pytest.raises(ValidationFailed) as exc:
        C.validate_manual(until, reason, T0)
    return exc.value.code, [(e.field, e.code) for e in exc.value.errors]


def test_manual_cooldown_is_validated() -> None:
    ok = C.validate_manual(T0 + timedelta(days=30), "  spamming revisions  ", T0)
    assert ok == C.ManualCooldown(T0 + timedelta(days=30), "spamming revisions")
    assert manual_errors(T0, "x") == ("in_past", [("until", "in_past")])
    assert manual_errors(T0 + timedelta(days=30, seconds=1), "x") == ("out_of_range", [("until", "out_of_range")])
    assert manual_errors(T0 + timedelta(hours=1), None) == ("required", [("reason", "required")])
    assert manual_errors(T0 + timedelta(hours=1), "   ") == ("required", [("reason", "required")])
    C.validate_manual(T0 + timedelta(hours=1), "x" * 500, T0)
    assert manual_errors(T0 + timedelta(hours=1), "x" * 501) == ("too_long", [("reason", "too_long")])
    assert manual_errors(T0 - timedelta(days=1), "") == (
        "validation_failed",
        [("until", "in_past"), ("reason", "required")],
    )


def test_manual_cooldown_maximum_is_configurable() -> None:
    week = CooldownPolicy(cooldown_manual_max_s=7 * 86400)
    C.validate_manual(T0 + timedelta(days=7), "r", T0, week)
    with pytest.raises(ValidationFailed) as exc:
        C.validate_manual(T0 + timedelta(days=8), "r", T0, week)
    assert "7 days" in exc.value.errors[0].message


def test_refusals_during_a_cooldown_are_counted_and_only_the_first_is_logged() -> None:
    """Issue 9, finding 6: a vendor hammering its cooldown cannot grow its rejections log without bound."""
    state = C.CooldownState(cooldown_until=T0 + timedelta(minutes=5))
    logged = []
    for _ in range(4):
        state, log = C.on_refusal(state)
        logged.append(log)
    assert logged == [True, False, False, False] and state.refusals == 4
    lifted = C.lift(state)
    assert lifted.cooldown_until is None and lifted.refusals == 4  # kept for the ops view until the next one
    manual = C.validate_manual(T0 + timedelta(hours=1), "flood", T0)
    again = C.set_manual(lifted, manual)
    assert (again.refusals, again.logged_until) == (0, None)
    again, log = C.on_refusal(again)
    assert log and again.refusals == 1  # a new cooldown logs its first refusal
    restarted = C.on_violation(
        C.CooldownState(refusals=7, logged_until=T0), T0, CooldownPolicy(cooldown_violation_threshold=1)
    )
    assert restarted.refusals == 0 and restarted.logged_until is None

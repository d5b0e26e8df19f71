"""Vendor cooldowns: automatic (growing after repeated violations, capped, decaying) and manual (ops).

While ``cooldown_until`` lies in the future, the vendor's submissions and revisions get 429 ``vendor_cooldown``
with ``Retry-After`` (:func:`ensure_not_cooling_down`).

Automatic cooldowns: each limit violation (a rejection whose code is in :data:`VIOLATION_CODES`) is recorded
with its time. When ``cooldown_violation_threshold`` violations fall within the sliding
``cooldown_violation_window_s``, the vendor gets a strike, its recent violations are cleared (one flood earns one
strike) and it cools down for ``base x 2^(strike-1)`` seconds, capped at ``cooldown_max_s``: 1, 2, 4, 8 … minutes
by default. One strike is forgiven per ``cooldown_strike_decay_s`` without a new strike.

The vendor's whole state is a :class:`CooldownState`, kept **per environment** on the vendor item (a sandbox
key's violations never cool down the live vendor); the violation list holds at most ``threshold`` timestamps;
:func:`on_violation` is the whole transition.

Refusals during a cooldown (``vendor_cooldown``) are counted, not each logged: :func:`on_refusal` says whether
this refusal is the cooldown's first (logged in the rejections log) and counts every one in ``refusals``, so a
vendor hammering during its cooldown cannot grow its rejection log without bound.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from intentbid.config import CooldownPolicy
from intentbid.domain.clock import to_rfc3339
from intentbid.domain.errors import FieldError, TooManyRequests, ValidationFailed

DEFAULT_POLICY = CooldownPolicy()

VENDOR_COOLDOWN = "vendor_cooldown"
# Rejections that count as violations towards an automatic cooldown. ``vendor_cooldown`` itself does not count
# (retrying during a cooldown must not lengthen it exponentially), nor do plain validation errors.
VIOLATION_CODES = frozenset({"offer_limit_reached", "revision_cooldown", "rate_limited", "insufficient_improvement"})
REASON_MAX_CHARS = 500
_MAX_DOUBLINGS = 40  # 2**40 x base is far past any cap; avoids huge integers for absurd strike counts


@dataclass(frozen=True, slots=True)
class CooldownState:
    """What the store keeps on the vendor: strikes so far, when the last one fell, the cooldown's end, and the
    times of the violations since the last strike (at most ``cooldown_violation_threshold`` of them); and the
    ``vendor_cooldown`` refusals the current cooldown has seen (``logged_until``: the cooldown whose first refusal
    was logged)."""

    strikes: int = 0
    last_strike_at: datetime | None = None
    cooldown_until: datetime | None = None
    recent_violations: tuple[datetime, ...] = ()
    refusals: int = 0
    logged_until: datetime | None = None


def cooldown_length(strike: int, policy: CooldownPolicy = DEFAULT_POLICY) -> timedelta:
    """The cooldown of the ``strike``-th strike (1-based): base doubled per further strike, capped."""
    if strike < 1:
        raise ValueError("strike counts from 1")
    seconds = policy.cooldown_base_s * 2 ** min(strike - 1, _MAX_DOUBLINGS)
    return timedelta(seconds=min(seconds, policy.cooldown_max_s))


def next_cooldown(strikes: int, now: datetime, policy: CooldownPolicy = DEFAULT_POLICY) -> datetime:
    """``cooldown_until`` for a vendor that now has ``strikes`` strikes (this one included)."""
    return now + cooldown_length(strikes, policy)


def decayed_strikes(
    strikes: int, last_strike_at: datetime | None, now: datetime, policy: CooldownPolicy = DEFAULT_POLICY
) -> int:
    """Strikes left after forgiving one per full ``cooldown_strike_decay_s`` since the last strike."""
    if strikes <= 0 or last_strike_at is None or not policy.cooldown_strike_decay_s:
        return max(0, strikes)
    quiet = (now - last_strike_at).total_seconds()
    return max(0, strikes - max(0, math.floor(quiet / policy.cooldown_strike_decay_s)))


def violations_in_window(times: Iterable[datetime], now: datetime, policy: CooldownPolicy = DEFAULT_POLICY) -> int:
    """Violations in the sliding window ``(now - window, now]``."""
    start = now - timedelta(seconds=policy.cooldown_violation_window_s)
    return sum(1 for t in times if start < t <= now)


def on_violation(state: CooldownState, now: datetime, policy: CooldownPolicy = DEFAULT_POLICY) -> CooldownState:
    """The vendor's state after a violation at ``now``: the violation is remembered (keeping only those still in
    the window, at most ``threshold``); when they reach the threshold, one more (decayed) strike, the violations
    are cleared and ``cooldown_until`` moves out (never shortening a cooldown already running, e.g. a manual
    one). With automatic cooldowns off the state is returned unchanged."""
    threshold = policy.cooldown_violation_threshold
    if not threshold:
        return state
    start = now - timedelta(seconds=policy.cooldown_violation_window_s)
    recent = tuple(t for t in (*state.recent_violations, now) if start < t <= now)[-threshold:]
    if len(recent) < threshold:
        return replace(state, recent_violations=recent)
    strikes = decayed_strikes(state.strikes, state.last_strike_at, now, policy) + 1
    until = next_cooldown(strikes, now, policy)
    if state.cooldown_until is not None and state.cooldown_until > until:
        until = state.cooldown_until
    return CooldownState(strikes=strikes, last_strike_at=now, cooldown_until=until, recent_violations=())


def lift(state: CooldownState) -> CooldownState:
    """Ops lift a cooldown: it ends now; strikes stay (they decay on their own), and so does the count of its
    refusals (until the next cooldown starts)."""
    return replace(state, cooldown_until=None, recent_violations=())


def set_manual(state: CooldownState, manual: ManualCooldown) -> CooldownState:
    """Ops put the vendor on cooldown until ``manual.until`` (a new cooldown: its refusals count from 0)."""
    return replace(state, cooldown_until=manual.until, recent_violations=(), refusals=0, logged_until=None)


def on_refusal(state: CooldownState) -> tuple[CooldownState, bool]:
    """A ``vendor_cooldown`` refusal: counted in ``refusals`` (per cooldown); True when it is the first refusal of
    this cooldown (the one the rejections log keeps), False for the rest (counted only)."""
    if state.cooldown_until is None or state.logged_until != state.cooldown_until:
        return replace(state, refusals=1, logged_until=state.cooldown_until), True
    return replace(state, refusals=state.refusals + 1), False


def is_cooling_down(until: datetime | None, now: datetime) -> int | None:
    """Seconds left (ceil, >= 1) while ``until`` lies in the future, else None."""
    if until is None or until <= now:
        return None
    return max(1, math.ceil((until - now).total_seconds()))


def ensure_not_cooling_down(until: datetime | None, now: datetime) -> None:
    """429 ``vendor_cooldown`` with ``retry_after`` while the vendor is cooling down."""
    left = is_cooling_down(until, now)
    if left is not None:
        raise TooManyRequests(
            f"This vendor is cooling down after repeated violations; retry in {left} s.",
            code=VENDOR_COOLDOWN,
            retry_after=left,
            extra={"cooldown_until": to_rfc3339(until)} if until is not None else None,
        )


@dataclass(frozen=True, slots=True)
class ManualCooldown:
    until: datetime
    reason: str


def manual_errors(
    until: datetime | None, reason: str | None, now: datetime, policy: CooldownPolicy = DEFAULT_POLICY
) -> list[FieldError]:
    """The checks of :func:`validate_manual` (None: not judged), also run over the fields of a request the schema
    refused so they come back with its errors."""
    errs: list[FieldError] = []
    if until is not None and until <= now:
        errs.append(FieldError("until", "in_past", "until must be in the future"))
    elif until is not None and until > now + timedelta(seconds=policy.cooldown_manual_max_s):
        days = policy.cooldown_manual_max_s / 86400
        latest = to_rfc3339(now + timedelta(seconds=policy.cooldown_manual_max_s))
        errs.append(
            FieldError("until", "out_of_range", f"until must be at most {days:g} days away", {"maximum": latest})
        )
    text = None if reason is None else reason.strip()
    if text is not None and not text:
        errs.append(FieldError("reason", "required", f"reason is required (1 to {REASON_MAX_CHARS} characters)"))
    elif text is not None and len(text) > REASON_MAX_CHARS:
        errs.append(
            FieldError(
                "reason",
                "too_long",
                f"reason must have at most {REASON_MAX_CHARS} characters",
                {"maxLength": REASON_MAX_CHARS},
            )
        )
    return errs


def validate_manual(
    until: datetime, reason: str | None, now: datetime, policy: CooldownPolicy = DEFAULT_POLICY
) -> ManualCooldown:
    """Validate an ops cooldown: ``until`` in the future and at most ``cooldown_manual_max_s`` away, ``reason``
    1..500 characters (after trimming). 400 naming every failure (``in_past``, ``out_of_range``, ``required``,
    ``too_long``; one failure's code is the top-level code)."""
    errs = manual_errors(until, reason or "", now, policy)
    if errs:
        code = errs[0].code if len(errs) == 1 else "validation_failed"
        raise ValidationFailed("The cooldown is not valid.", code=code, errors=errs)
    text = (reason or "").strip()
    return ManualCooldown(until=until, reason=text)

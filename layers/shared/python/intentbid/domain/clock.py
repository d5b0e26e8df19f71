"""Time: one clock for the whole system, RFC 3339 UTC on the wire.

The clock can be shifted (:func:`set_offset`: every function's cold start applies ``INTENTBID_CLOCK_OFFSET_S``
from the settings) or frozen by tests with :func:`set_clock`, so grace periods, deadlines and cooldowns are
testable without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

_clock: Callable[[], float] | None = None
_offset_s = 0.0


def set_clock(fn: Callable[[], float] | None) -> None:
    """Install a clock returning epoch seconds (``None`` restores the real one)."""
    global _clock
    _clock = fn


def set_offset(seconds: float) -> None:
    """Shift the real clock by ``seconds`` (either way); :func:`set_clock` overrides it."""
    global _offset_s
    _offset_s = seconds


def now_s() -> float:
    if _clock is not None:
        return _clock()
    return time.time() + _offset_s


def now() -> datetime:
    return datetime.fromtimestamp(now_s(), tz=UTC)


def to_rfc3339(dt: datetime) -> str:
    """UTC, second precision unless sub-second is present, with ``Z``."""
    dt = dt.astimezone(UTC)
    if dt.microsecond:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(value: str) -> datetime:
    """Parse an RFC 3339 timestamp with an explicit offset; naive times are refused."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError("timestamp must carry a UTC offset (e.g. 'Z')")
    return dt.astimezone(UTC)

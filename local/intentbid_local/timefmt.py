"""Time helpers for tests, bench and demo: the one RFC 3339 spelling the API writes, and instants relative to now.

The wire format is the product's own (:func:`intentbid.domain.clock.to_rfc3339`: UTC, ``Z``, microseconds only
when present), so what a test sends is spelled like what the API answers. Nothing here reads the product's
(shiftable) clock: "now" is this host's clock unless a caller passes one; :func:`later` is the one helper that
shifts it (in-process tests).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from intentbid.domain import clock
from intentbid.domain.clock import parse_rfc3339, to_rfc3339

Instant = datetime | float  # an aware datetime, or epoch seconds

__all__ = ["Instant", "at", "epoch", "later", "parse_rfc3339", "rfc3339"]


def _datetime(when: Instant) -> datetime:
    return when if isinstance(when, datetime) else datetime.fromtimestamp(when, UTC)


def rfc3339(when: Instant) -> str:
    """``when`` (an aware datetime or epoch seconds) as the API spells timestamps."""
    return to_rfc3339(_datetime(when))


def at(now: Instant | None = None, **delta: float) -> str:
    """RFC 3339 of ``now`` (default: this host's clock) shifted by ``timedelta(**delta)``:
    ``at(hours=2)``, ``at(now, days=-1)``."""
    base = _datetime(time.time() if now is None else now)
    return rfc3339(base + timedelta(**delta))


def epoch(value: str) -> float:
    """Epoch seconds of an RFC 3339 timestamp (as the API writes them)."""
    return parse_rfc3339(value).timestamp()


def later(seconds: float) -> None:
    """Run the product's clock ``seconds`` ahead of this host's (in-process tests; undo with
    ``clock.set_clock(None)``)."""
    clock.set_clock(lambda: time.time() + seconds)

"""RFO lifecycle facts that hold before any worker runs (the full transition table lands with the
lifecycle issue): an OPEN or CLOSED RFO past its deadline *is* EXPIRED for every reader and writer."""

from __future__ import annotations

from datetime import datetime

OPEN, CLOSED, AWARDED, EXPIRED = "OPEN", "CLOSED", "AWARDED", "EXPIRED"
FINAL = frozenset({AWARDED, EXPIRED})


def effective_status(status: str, expires_at: datetime, now: datetime) -> str:
    if status in (OPEN, CLOSED) and expires_at <= now:
        return EXPIRED
    return status

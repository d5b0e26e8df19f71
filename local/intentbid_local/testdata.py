"""Request bodies for tests, bench and demo: one builder per body, a scenario states only what differs.

Defaults are a plain valid request (the integration tests' RFO: 100 boxes, budget 5,000.00 USD, need_by in 10
days, bidding for 2 hours; an offer at 30.00 USD per box that fits it). Timestamps are relative to ``now``
(an aware datetime or epoch seconds; default: this host's clock); keyword fields override or add fields
(``None`` is a value, JSON ``null``: drop a field with :func:`without`).
"""

from __future__ import annotations

import time
from typing import Any

from intentbid_local.timefmt import Instant, at

DAY_S = 86_400.0

# The demo's marketplace round (also the AWS-calls bench's): 500 office chairs for at most 125,000.00 USD.
CHAIRS: dict[str, Any] = {
    "title": "500 ergonomic office chairs",
    "description": "Mesh back, adjustable arms, 5-year warranty",
    "category": "office-furniture",
    "quantity": 500,
    "unit": "pcs",
    "budget_max": 12_500_000,
    "delivery_region": "us-east",
}
CHAIR_OFFER: dict[str, Any] = {"unit_price": 21_900, "quantity_available": 500, "eta_days": 14}
# The over-HTTP suites' RFO (load bench, races, access matrix): 10 boxes for at most 1,000.00 USD, so the default
# price band is 500..15000 per box.
TEN_BOXES: dict[str, Any] = {"quantity": 10, "budget_max": 100_000}


def _now(now: Instant | None) -> Instant:
    return time.time() if now is None else now


def rfo_body(
    now: Instant | None = None, *, expires_in_s: float = 2 * 3600, need_by_in_s: float = 10 * DAY_S, **fields: Any
) -> dict[str, Any]:
    """A valid ``POST /v1/rfos`` body; ``expires_at``/``need_by`` are ``now`` + the given seconds."""
    t = _now(now)
    body: dict[str, Any] = {
        "title": "Printer paper",
        "category": "office-supplies",
        "quantity": 100,
        "unit": "box",
        "budget_max": 500_000,
        "currency": "USD",
        "delivery_region": "eu-west",
        "need_by": at(t, seconds=need_by_in_s),
        "expires_at": at(t, seconds=expires_in_s),
    }
    return body | fields


def offer_body(now: Instant | None = None, *, valid_for_s: float = 5 * DAY_S, **fields: Any) -> dict[str, Any]:
    """A valid ``POST /v1/rfos/{rfo_id}/offers`` body for :func:`rfo_body`'s RFO; ``valid_until`` is ``now`` +
    ``valid_for_s``."""
    body: dict[str, Any] = {
        "unit_price": 3_000,
        "currency": "USD",
        "quantity_available": 100,
        "eta_days": 3,
        "availability_confirmed": True,
        "valid_until": at(_now(now), seconds=valid_for_s),
    }
    return body | fields


def without(body: dict[str, Any], *names: str) -> dict[str, Any]:
    """``body`` minus the named fields (e.g. an offer giving ``delivery_date`` instead of ``eta_days``)."""
    return {k: v for k, v in body.items() if k not in names}

"""The rule model of the load test: what the product's rules say one vendor's next request must get.

Each vendor's requests are sequential, so a model per vendor (offers per RFO, revisions and last change per
offer, violations, strikes, cooldown) gives the expected status and code - and the fields of a 400 - before
each request. Only time can make two answers legal (the server's clock at the request lies between sending
and receiving): then both are expected, and checked exactly afterwards from the server's timestamps.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from intentbid_local.http_client import Response
from intentbid_local.timefmt import epoch, rfc3339


@dataclass(frozen=True)
class Rules:
    """The rule settings the expectations are computed from; ``env()`` configures a runtime accordingly.
    Defaults are the product's (intentbid.config), except a 3 s revision interval and 3 revisions per offer,
    so that admitted revisions, too-fast ones and one-too-many all happen within a short run."""

    max_offers_per_rfo: int = 3
    max_revisions: int = 3
    revision_interval_s: int = 3
    max_offers_per_hour: int = 60
    price_min_ratio: Decimal = Decimal("0.05")
    price_max_ratio: Decimal = Decimal("1.5")
    quantity_max_over_ratio: int = 10
    delivery_past_grace_s: int = 60
    cooldown_threshold: int = 5
    cooldown_window_s: int = 600
    cooldown_base_s: int = 60
    cooldown_max_s: int = 3600
    vendor_quota_per_min: int = 120  # INTENTBID_RATE_LIMIT_VENDOR (per key)

    def env(self) -> dict[str, str]:
        return {
            "INTENTBID_MAX_OFFERS_PER_VENDOR_PER_RFO": str(self.max_offers_per_rfo),
            "INTENTBID_MAX_REVISIONS_PER_OFFER": str(self.max_revisions),
            "INTENTBID_REVISION_MIN_INTERVAL_S": str(self.revision_interval_s),
            "INTENTBID_MAX_OFFERS_PER_VENDOR_PER_HOUR": str(self.max_offers_per_hour),
            "INTENTBID_MIN_IMPROVEMENT_PCT": "0",
            "INTENTBID_PRICE_MIN_RATIO": str(self.price_min_ratio),
            "INTENTBID_PRICE_MAX_RATIO": str(self.price_max_ratio),
            "INTENTBID_QUANTITY_MAX_OVER_RATIO": str(self.quantity_max_over_ratio),
            "INTENTBID_ENFORCE_NEED_BY": "true",
            "INTENTBID_NEED_BY_GRACE_S": "0",
            "INTENTBID_DELIVERY_PAST_GRACE_S": str(self.delivery_past_grace_s),
            "INTENTBID_COOLDOWN_VIOLATION_THRESHOLD": str(self.cooldown_threshold),
            "INTENTBID_COOLDOWN_VIOLATION_WINDOW_S": str(self.cooldown_window_s),
            "INTENTBID_COOLDOWN_BASE_S": str(self.cooldown_base_s),
            "INTENTBID_COOLDOWN_MAX_S": str(self.cooldown_max_s),
            "INTENTBID_RATE_LIMIT_VENDOR": f"{self.vendor_quota_per_min}/60",
        }

    def band(self, rfo: RfoInfo) -> tuple[int, int]:
        low = max(1, math.ceil(Decimal(rfo.budget_max) * self.price_min_ratio / rfo.quantity))
        return low, math.floor(Decimal(rfo.budget_max) * self.price_max_ratio / rfo.quantity)

    def cooldown_length(self, strike: int) -> int:
        return min(self.cooldown_base_s * 2 ** min(strike - 1, 40), self.cooldown_max_s)


# Rejections that count towards an automatic cooldown (intentbid.domain.cooldown.VIOLATION_CODES).
VIOLATIONS = frozenset({"offer_limit_reached", "revision_cooldown", "rate_limited", "insufficient_improvement"})
RETRY_AFTER_CODES = frozenset({"revision_cooldown", "vendor_cooldown", "rate_limited"})


@dataclass
class RfoInfo:
    """What the rules need to know of an RFO."""

    id: str
    state: str  # open | closed | expired
    quantity: int
    budget_max: int
    currency: str
    need_by: float  # epoch


Outcome = tuple[int, str | None, tuple[tuple[str, str], ...] | None]  # status, code, 400 fields (None: unchecked)


@dataclass
class OfferState:
    id: str
    rfo_id: str
    unit_price: int
    updated_at: float
    revisions: int = 0


def either(certain_true: bool, certain_false: bool) -> tuple[bool, ...]:
    if certain_true:
        return (True,)
    if certain_false:
        return (False,)
    return (True, False)


@dataclass
class VendorModel:
    """What the rules say about one vendor, updated from each answer (requests of one vendor are sequential)."""

    rules: Rules
    offers: dict[str, OfferState] = field(default_factory=dict)
    per_rfo: Counter[str] = field(default_factory=Counter)
    per_hour: Counter[int] = field(default_factory=Counter)
    violations: int = 0
    strikes: int = 0
    cooldown: tuple[float, float] | None = None  # bounds of cooldown_until (exact once an answer names it)

    # -- time-dependent facts: the server's clock at the request lies in [t0, t1]

    def cooling(self, t0: float, t1: float) -> tuple[bool, ...]:
        if self.cooldown is None:
            return (False,)
        lo, hi = self.cooldown
        return either(t1 < lo, t0 >= hi)

    def interval_passed(self, offer: OfferState, t0: float, t1: float) -> tuple[bool, ...]:
        not_before = offer.updated_at + self.rules.revision_interval_s
        return either(t0 >= not_before, t1 < not_before)

    def hour_full(self, t0: float, t1: float) -> tuple[bool, ...]:
        if not self.rules.max_offers_per_hour:
            return (False,)
        return tuple({self.per_hour[int(t // 3600)] >= self.rules.max_offers_per_hour for t in (t0, t1)})

    # -- expectations

    def submit_rules(self, rfo: RfoInfo, body: dict[str, Any], now: float) -> list[tuple[str, str]]:
        """The 400 field errors, in the product's order (intentbid.domain.offer_rules.violations)."""
        errs: list[tuple[str, str]] = []
        low, high = self.rules.band(rfo)
        if not low <= body["unit_price"] <= high:
            errs.append(("unit_price", "price_out_of_range"))
        if body["currency"] != rfo.currency:
            errs.append(("currency", "currency_mismatch"))
        if body["quantity_available"] > rfo.quantity * self.rules.quantity_max_over_ratio:
            errs.append(("quantity_available", "quantity_out_of_range"))
        where = "eta_days" if "eta_days" in body else "delivery_date"
        delivery = now + body["eta_days"] * 86400 if where == "eta_days" else epoch(body["delivery_date"])
        if delivery < now - self.rules.delivery_past_grace_s:
            errs.append((where, "in_past"))
        elif delivery > rfo.need_by:
            errs.append((where, "eta_after_need_by"))
        if body["availability_confirmed"] is not True:
            errs.append(("availability_confirmed", "availability_not_confirmed"))
        if epoch(body["valid_until"]) <= now:
            errs.append(("valid_until", "in_past"))
        return errs

    def expect_submit(self, rfo: RfoInfo | None, body: Any, t0: float, t1: float) -> set[Outcome]:  # noqa: PLR0911
        if body is None:
            return {(400, "invalid_json", None)}
        if body.get("unit_price") == 0:
            return {(400, "validation_failed", (("unit_price", "out_of_range"),))}
        if len(body.get("notes") or "") > 2000:
            return {(400, "validation_failed", (("notes", "too_long"),))}
        if rfo is None:
            return {(404, "not_found", None)}
        if rfo.state == "closed":
            return {(409, "rfo_not_open", None)}
        if rfo.state == "expired":
            return {(409, "rfo_expired", None)}
        errs = self.submit_rules(rfo, body, t0)
        if errs:
            return {(400, errs[0][1] if len(errs) == 1 else "validation_failed", tuple(errs))}
        out: set[Outcome] = set()
        for cooling in self.cooling(t0, t1):
            if cooling:
                out.add((429, "vendor_cooldown", None))
            elif self.per_rfo[rfo.id] >= self.rules.max_offers_per_rfo:
                out.add((429, "offer_limit_reached", None))
            else:
                out |= {(429, "rate_limited", None) if full else (201, None, None) for full in self.hour_full(t0, t1)}
        return out

    def expect_revise(
        self, offer: OfferState | None, rfo: RfoInfo | None, body: dict[str, Any], t0: float, t1: float
    ) -> set[Outcome]:
        if not body:
            return {(400, "validation_failed", (("$", "at_least_one_of"),))}
        if offer is None or rfo is None:
            return {(404, "not_found", None)}
        if self.rules.max_revisions and offer.revisions >= self.rules.max_revisions:
            return {(429, "offer_limit_reached", None)}
        out: set[Outcome] = set()
        low, high = self.rules.band(rfo)
        for passed in self.interval_passed(offer, t0, t1):
            if not passed:
                out.add((429, "revision_cooldown", None))
            elif not low <= body["unit_price"] <= high:
                out.add((400, "price_out_of_range", (("unit_price", "price_out_of_range"),)))
            else:
                out |= {(429, "vendor_cooldown", None) if c else (200, None, None) for c in self.cooling(t0, t1)}
        return out

    # -- what an answer changes

    def violation(self, t0: float, t1: float) -> None:
        if not self.rules.cooldown_threshold:
            return
        self.violations += 1
        if self.violations < self.rules.cooldown_threshold:
            return
        self.strikes += 1
        length = self.rules.cooldown_length(self.strikes)
        lo, hi = t0 + length, t1 + length
        if self.cooldown is not None:  # a running cooldown is never shortened
            lo, hi = max(lo, self.cooldown[0]), max(hi, self.cooldown[1])
        self.cooldown, self.violations = (lo, hi), 0

    def apply(self, resp: Response, offer: OfferState | None, rfo: RfoInfo | None, kind: str) -> None:
        body = resp.body if isinstance(resp.body, dict) else {}
        if kind == "submit" and resp.status == 201 and rfo is not None:
            o = OfferState(body["id"], rfo.id, int(body["unit_price"]), epoch(body["updated_at"]))
            self.offers[o.id] = o
            self.per_rfo[rfo.id] += 1
            self.per_hour[int(epoch(body["submitted_at"]) // 3600)] += 1
        elif kind == "revise" and resp.status == 200 and offer is not None:
            offer.revisions += 1
            offer.unit_price = int(body["unit_price"])
            offer.updated_at = epoch(body["updated_at"])
        elif resp.status == 429 and resp.code in VIOLATIONS:
            self.violation(resp.sent_at, resp.received_at)
        elif resp.status == 429 and resp.code == "vendor_cooldown" and body.get("cooldown_until"):
            until = epoch(body["cooldown_until"])
            self.cooldown = (until, until)


def fmt_outcome(o: Outcome) -> str:
    status, code, fields = o
    return " ".join(x for x in (str(status), code or "", str(list(fields)) if fields else "") if x)


def timing_evidence(resp: Response, code: str | None, model: VendorModel, offer: OfferState | None) -> str | None:
    """A time-based refusal must agree with the server's clock, which lies in [sent_at, received_at]: a
    revision_cooldown means now < not_before and Retry-After = ceil(not_before - now); a vendor_cooldown
    means now < cooldown_until (the answer names it)."""
    t0, t1 = resp.sent_at, resp.received_at
    body = resp.body if isinstance(resp.body, dict) else {}
    if code == "revision_cooldown" and offer is not None:
        not_before = offer.updated_at + model.rules.revision_interval_s
        retry = int(resp.headers["retry-after"])
        if not (t0 < not_before and not_before - retry <= t1 + 0.001):
            return f"revision_cooldown with Retry-After {retry} does not fit not_before {rfc3339(not_before)}"
    if code == "vendor_cooldown":
        until = body.get("cooldown_until")
        if not until or epoch(until) <= t0:
            return f"vendor_cooldown that ended ({until}) before the request was sent"
    return None


def check_answer(  # noqa: PLR0911
    resp: Response, outcomes: set[Outcome], model: VendorModel, offer: OfferState | None, sent: dict[str, Any] | None
) -> str | None:
    """None when the answer is one of the expected outcomes (and its details hold), else what is wrong."""
    code = resp.code if resp.status >= 400 else None
    match = [o for o in outcomes if o[0] == resp.status and o[1] == code and (o[2] is None or o[2] == resp.fields)]
    if not match:
        wanted = " or ".join(sorted(fmt_outcome(o) for o in outcomes))
        return f"expected {wanted}, got {fmt_outcome((resp.status, code, resp.fields or None))}"
    if resp.status >= 400:
        if resp.headers.get("content-type") != "application/problem+json":
            return f"a {resp.status} without application/problem+json"
        has_retry = "retry-after" in resp.headers
        if code in RETRY_AFTER_CODES and not (has_retry and int(resp.headers["retry-after"]) >= 1):
            return f"429 {code} without a Retry-After >= 1"
        if code == "offer_limit_reached" and has_retry:
            return "429 offer_limit_reached carries a Retry-After (waiting does not help)"
        return timing_evidence(resp, code, model, offer)
    body = resp.body if isinstance(resp.body, dict) else {}
    if sent and "unit_price" in sent and body.get("unit_price") != sent["unit_price"]:
        return f"unit_price {body.get('unit_price')} != sent {sent['unit_price']}"
    if resp.status == 201 and (body.get("status") != "active" or body.get("revision") != 1):
        return f"a new offer that is {body.get('status')} at revision {body.get('revision')}"
    if resp.status == 200 and offer is not None:
        if body.get("revision") != offer.revisions + 2:
            return f"revision {body.get('revision')} after {offer.revisions + 1}"
        if epoch(body["updated_at"]) < offer.updated_at + model.rules.revision_interval_s:
            return "a revision admitted before the interval had passed (by the server's own timestamps)"
    return None

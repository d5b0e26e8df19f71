"""Per-vendor and per-RFO limits as pure decisions over counts the store supplies.

Two ways to use them:

- ``check_*`` functions decide from counts already read (tests, and the friendly early answer).
- :func:`submission_limits` / :func:`revision_limits` describe each counted limit as a :class:`CounterLimit`
  (counter key, window, max, code) so the store can enforce it **atomically**: in the same transaction as the
  write, ``UpdateItem`` on the counter item with ``ADD n :one`` under the condition
  ``attribute_not_exists(n) OR n < :max``. A failed condition means the limit is reached: raise
  ``limit.exceeded(now)``. Concurrent requests cannot overshoot, because DynamoDB serialises the conditional
  updates on one item. Windowed counters carry their window start in the key, so a new window is a new item
  (expire old ones with a TTL of :meth:`CounterLimit.expires_at_epoch`). Every counter is per (vendor,
environment): ``lim#<name>#<vendor>#<environment>#…`` (revisions: per offer, which lives in one environment).

The revision interval is not a counter: it is the condition ``updated_at <= :not_before`` on the offer itself
(see :func:`revision_not_before`), and the offer's existing ``revision = :expected`` condition already makes a
pre-read check exact.

A limit set to 0 in :class:`~intentbid.config.Limits` is disabled and produces no counter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from intentbid.config import Limits
from intentbid.domain.errors import FieldError, TooManyRequests, ValidationFailed

DEFAULT_LIMITS = Limits()

OFFER_LIMIT_REACHED = "offer_limit_reached"
REVISION_COOLDOWN = "revision_cooldown"
RATE_LIMITED = "rate_limited"
INSUFFICIENT_IMPROVEMENT = "insufficient_improvement"

HOUR_S = 3600


def _ceil_seconds(delta: timedelta) -> int:
    """Whole seconds to wait (ceil), at least 1."""
    return max(1, math.ceil(delta.total_seconds()))


def window_start(now: datetime, window_seconds: int) -> int:
    """Epoch second at which the fixed window containing ``now`` began."""
    epoch = math.floor(now.timestamp())
    return epoch - epoch % window_seconds


@dataclass(frozen=True, slots=True)
class CounterLimit:
    """One counted limit: at most ``max`` increments of the counter ``key``.

    ``window_seconds == 0`` means a lifetime counter (``window_start_epoch`` is then 0)."""

    key: str
    window_start_epoch: int
    window_seconds: int
    max: int
    code: str

    @property
    def window_end_epoch(self) -> int | None:
        return self.window_start_epoch + self.window_seconds if self.window_seconds else None

    def expires_at_epoch(self) -> int | None:
        """A TTL for the counter item: a window after the window ends (None: keep it, a lifetime counter)."""
        end = self.window_end_epoch
        return None if end is None else end + self.window_seconds

    def retry_after(self, now: datetime) -> int | None:
        """Seconds until the window resets (ceil, >= 1); None for a lifetime counter."""
        end = self.window_end_epoch
        if end is None:
            return None
        return max(1, math.ceil(end - now.timestamp()))

    def allows(self, current: int) -> bool:
        """Whether one more increment fits (``current`` is the count before this request)."""
        return current < self.max

    @property
    def name(self) -> str:
        """The limit's name: the second part of the key (``offers_per_rfo``, ``offers_per_hour``, ``revisions``)."""
        return self.key.split("#")[1]

    def exceeded(self, now: datetime | None = None) -> TooManyRequests:
        """The 429 to raise when the counter is full (``now`` is needed for a windowed counter's Retry-After)."""
        retry = self.retry_after(now) if now is not None else None
        what = _DESCRIBE.get(self.name, self.name)
        hint = f"; retry in {retry} s" if retry is not None else _HINT.get(self.name, "")
        return TooManyRequests(
            f"At most {self.max} {what}{hint}.",
            code=self.code,
            retry_after=retry,
            extra={"limit": self.max},
        )

    def check(self, current: int, now: datetime) -> None:
        """Raise :meth:`exceeded` unless one more increment fits (``current``: the count before this request)."""
        if not self.allows(current):
            raise self.exceeded(now)


_DESCRIBE = {
    "offers_per_rfo": "offers per vendor on one RFO",
    "offers_per_hour": "offers per vendor per hour",
    "revisions": "revisions per offer",
}
_HINT = {"offers_per_rfo": "; revise an existing offer instead"}


def offers_per_rfo_limit(
    vendor_id: str, rfo_id: str, limits: Limits = DEFAULT_LIMITS, *, environment: str = "live"
) -> CounterLimit | None:
    if not limits.max_offers_per_vendor_per_rfo:
        return None
    return CounterLimit(
        f"lim#offers_per_rfo#{vendor_id}#{environment}#{rfo_id}",
        0,
        0,
        limits.max_offers_per_vendor_per_rfo,
        OFFER_LIMIT_REACHED,
    )


def hourly_rate_limit(
    vendor_id: str, now: datetime, limits: Limits = DEFAULT_LIMITS, *, environment: str = "live"
) -> CounterLimit | None:
    if not limits.max_offers_per_vendor_per_hour:
        return None
    start = window_start(now, HOUR_S)
    return CounterLimit(
        f"lim#offers_per_hour#{vendor_id}#{environment}#{start}",
        start,
        HOUR_S,
        limits.max_offers_per_vendor_per_hour,
        RATE_LIMITED,
    )


def revisions_limit(offer_id: str, limits: Limits = DEFAULT_LIMITS) -> CounterLimit | None:
    """Per offer (an offer lives in one environment, so this is per (vendor, environment) already)."""
    if not limits.max_revisions_per_offer:
        return None
    return CounterLimit(f"lim#revisions#{offer_id}", 0, 0, limits.max_revisions_per_offer, OFFER_LIMIT_REACHED)


def submission_limits(
    vendor_id: str, rfo_id: str, now: datetime, limits: Limits = DEFAULT_LIMITS, *, environment: str
) -> list[CounterLimit]:
    """The counters one submission increments: offers per vendor per RFO, then offers per vendor per hour, both
    per (vendor, environment): a vendor's sandbox traffic never uses up its live allowance."""
    found = (
        offers_per_rfo_limit(vendor_id, rfo_id, limits, environment=environment),
        hourly_rate_limit(vendor_id, now, limits, environment=environment),
    )
    return [c for c in found if c is not None]


def revision_limits(offer_id: str, limits: Limits = DEFAULT_LIMITS) -> list[CounterLimit]:
    """The counters one revision increments: revisions per offer (it equals the offer's ``revision - 1``, so the
    store may instead condition the offer update on ``revision <= :max``, see :func:`max_revision_number`)."""
    found = revisions_limit(offer_id, limits)
    return [found] if found is not None else []


def max_revision_number(limits: Limits = DEFAULT_LIMITS) -> int | None:
    """The highest ``revision`` an offer may reach (1 is the submission); None when revisions are unlimited."""
    return limits.max_revisions_per_offer + 1 if limits.max_revisions_per_offer else None


# --- pure checks over counts -------------------------------------------------------------------------------


def check_offers_per_rfo(submitted: int, limits: Limits = DEFAULT_LIMITS) -> None:
    """``submitted``: offers this vendor already submitted on this RFO (withdrawn ones included).
    429 ``offer_limit_reached`` (no Retry-After: waiting does not help)."""
    limit = offers_per_rfo_limit("-", "-", limits)
    if limit is not None and not limit.allows(submitted):
        raise limit.exceeded()


def check_revisions(revisions_done: int, limits: Limits = DEFAULT_LIMITS) -> None:
    """``revisions_done``: revisions the offer already had (its ``revision - 1``). 429 ``offer_limit_reached``."""
    limit = revisions_limit("-", limits)
    if limit is not None and not limit.allows(revisions_done):
        raise limit.exceeded()


def revision_not_before(last_change_at: datetime, limits: Limits = DEFAULT_LIMITS) -> datetime | None:
    """The earliest time of the next revision (None when the interval is off)."""
    if not limits.revision_min_interval_s:
        return None
    return last_change_at + timedelta(seconds=limits.revision_min_interval_s)


def check_revision_interval(last_change_at: datetime, now: datetime, limits: Limits = DEFAULT_LIMITS) -> None:
    """``last_change_at``: the offer's last change (its ``updated_at``: submission or previous revision).
    429 ``revision_cooldown`` with ``retry_after`` = the seconds left, rounded up."""
    not_before = revision_not_before(last_change_at, limits)
    if not_before is not None and now < not_before:
        wait = _ceil_seconds(not_before - now)
        raise TooManyRequests(
            f"Revisions of one offer must be {limits.revision_min_interval_s} s apart; retry in {wait} s.",
            code=REVISION_COOLDOWN,
            retry_after=wait,
        )


def check_hourly_rate(submitted_this_hour: int, now: datetime, limits: Limits = DEFAULT_LIMITS) -> None:
    """``submitted_this_hour``: this vendor's submissions (all RFOs) in the current clock hour.
    429 ``rate_limited`` with ``retry_after`` = seconds until the next hour."""
    limit = hourly_rate_limit("-", now, limits)
    if limit is not None:
        limit.check(submitted_this_hour, now)


def check_submission(
    submitted_on_rfo: int, submitted_this_hour: int, now: datetime, limits: Limits = DEFAULT_LIMITS
) -> None:
    """Both submission limits, the per-RFO one first (it is not retryable)."""
    check_offers_per_rfo(submitted_on_rfo, limits)
    check_hourly_rate(submitted_this_hour, now, limits)


def check_revision(
    revisions_done: int, last_change_at: datetime, now: datetime, limits: Limits = DEFAULT_LIMITS
) -> None:
    """Both revision limits: the count first (not retryable), then the interval."""
    check_revisions(revisions_done, limits)
    check_revision_interval(last_change_at, now, limits)


def improvement_errors(
    old_unit_price: int,
    new_unit_price: int,
    old_delivery: datetime,
    new_delivery: datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> list[FieldError]:
    """With ``min_improvement_pct`` on, a revision must cut the unit price by at least that percentage or bring
    the delivery forward by at least ``delivery_improvement_min_s`` (any earlier when 0)."""
    if not limits.min_improvement_pct:
        return []
    cut = Decimal(old_unit_price - new_unit_price) * 100
    if old_unit_price > 0 and cut >= limits.min_improvement_pct * old_unit_price:
        return []
    earlier = (old_delivery - new_delivery).total_seconds()
    if earlier > 0 and earlier >= limits.delivery_improvement_min_s:
        return []
    return [
        FieldError(
            "unit_price",
            INSUFFICIENT_IMPROVEMENT,
            f"a revision must cut unit_price by at least {limits.min_improvement_pct}% (to at most "
            f"{math.floor(old_unit_price * (100 - limits.min_improvement_pct) / 100)}, minor units) or bring the "
            "delivery forward"
            + (f" by at least {limits.delivery_improvement_min_s} s" if limits.delivery_improvement_min_s else ""),
        )
    ]


def check_improvement(
    old_unit_price: int,
    new_unit_price: int,
    old_delivery: datetime,
    new_delivery: datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> None:
    """400 ``insufficient_improvement`` (field ``unit_price``) when the revision does not improve enough."""
    errs = improvement_errors(old_unit_price, new_unit_price, old_delivery, new_delivery, limits)
    if errs:
        raise ValidationFailed("The revision does not improve the offer enough.", code=errs[0].code, errors=errs)

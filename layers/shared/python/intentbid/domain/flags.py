"""Suspicious-activity signals. They never change a score: they are stored, shown to ops and in the buyer's
explain, and emit ``vendor.flagged``.

Each detector is a pure function over plain input records and returns :class:`Flag` values, each with a stable
``code``, the vendor (and RFO when it concerns one), a human ``reason`` and an ``evidence`` dict holding only
strings, integers and lists/dicts of them (JSON- and DynamoDB-safe: no floats). ``Flag.key`` is a stable
identity (code, RFO, vendor) so storing flags can be idempotent.

Signals (thresholds in :class:`~intentbid.config.FlagPolicy`):

- ``price_outlier``: modified z-score ``0.6745 (x - median) / MAD`` of the unit prices of one RFO's offers beyond
  the threshold (needs enough offers; when MAD is 0 the mean absolute deviation is used, ``z = (x - median) /
  (1.2533 x MeanAD)``; all-equal prices have no outlier), and the price differs from the median by a minimum
  fraction.
- ``revision_burst``: many revisions by one vendor on one RFO within a window.
- ``near_identical_offers``: offers by different vendors on one RFO with the same quantity, unit prices within a
  relative tolerance and delivery dates within a window (possible sock puppets or collusion): every vendor
  involved is flagged.
- ``repeated_rejections``: many rejected submissions by one vendor within a window.
- ``last_second_submission``: submissions or revisions in the last seconds (or last fraction) of the RFO's
  bidding window.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from intentbid.config import FlagPolicy
from intentbid.domain.clock import to_rfc3339

DEFAULT_POLICY = FlagPolicy()

PRICE_OUTLIER = "price_outlier"
REVISION_BURST = "revision_burst"
NEAR_IDENTICAL = "near_identical_offers"
REPEATED_REJECTIONS = "repeated_rejections"
LAST_SECOND = "last_second_submission"
CODES = (PRICE_OUTLIER, REVISION_BURST, NEAR_IDENTICAL, REPEATED_REJECTIONS, LAST_SECOND)

_MAD_K = Decimal("0.6745")
_MEANAD_K = Decimal("1.253314")  # sqrt(pi/2): MeanAD -> sigma for a normal distribution
_Q4 = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class OfferSample:
    """An offer as the detectors see it (its current terms)."""

    offer_id: str
    vendor_id: str
    rfo_id: str
    unit_price: int
    quantity_available: int
    delivery_date: datetime
    submitted_at: datetime


@dataclass(frozen=True, slots=True)
class RfoWindow:
    """An RFO's bidding window: opened (created or last reopened) and the deadline (``expires_at``)."""

    rfo_id: str
    opened_at: datetime
    deadline: datetime


@dataclass(frozen=True, slots=True)
class RevisionEvent:
    vendor_id: str
    rfo_id: str
    offer_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class RejectionEvent:
    """A rejected submission or revision (any 400/409/429 with its code)."""

    vendor_id: str
    rfo_id: str | None
    code: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    vendor_id: str
    rfo_id: str | None
    evidence: dict[str, Any] = field(hash=False)
    reason: str

    @property
    def key(self) -> str:
        """Stable identity for idempotent storage: one flag per (code, RFO, vendor)."""
        return f"{self.code}#{self.rfo_id or '-'}#{self.vendor_id}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "vendor_id": self.vendor_id,
            "rfo_id": self.rfo_id,
            "reason": self.reason,
            "evidence": self.evidence,
        }


def _median(values: Sequence[Decimal]) -> Decimal:
    s = sorted(values)
    n = len(s)
    mid = n // 2
    return s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2


def _num(d: Decimal) -> str:
    """A decimal for evidence: exact when integral, else 4 places."""
    return str(d.to_integral_value()) if d == d.to_integral_value() else str(d.quantize(_Q4))


def _by_rfo(offers: Iterable[OfferSample]) -> dict[str, list[OfferSample]]:
    groups: dict[str, list[OfferSample]] = defaultdict(list)
    for o in offers:
        groups[o.rfo_id].append(o)
    return groups


def modified_z_scores(prices: Sequence[int]) -> tuple[list[Decimal], Decimal, Decimal, str] | None:
    """(z per price, median, scale, method) or None when every price is the same. ``method`` is ``mad`` or
    ``meanad`` (the MAD = 0 fallback)."""
    values = [Decimal(p) for p in prices]
    med = _median(values)
    devs = [abs(v - med) for v in values]
    mad = _median(devs)
    if mad > 0:
        return [_MAD_K * (v - med) / mad for v in values], med, mad, "mad"
    mean_ad = sum(devs, Decimal(0)) / len(devs)
    if mean_ad == 0:
        return None
    return [(v - med) / (_MEANAD_K * mean_ad) for v in values], med, mean_ad, "meanad"


def price_outliers(offers: Iterable[OfferSample], policy: FlagPolicy = DEFAULT_POLICY) -> list[Flag]:
    """``price_outlier`` per vendor with an outlying unit price among its RFO's offers (one flag per vendor and
    RFO, listing its outlying offers)."""
    if not policy.flag_outlier_min_offers:
        return []
    flags: list[Flag] = []
    for rfo_id, group in _by_rfo(offers).items():
        if len(group) < policy.flag_outlier_min_offers:
            continue
        scored = modified_z_scores([o.unit_price for o in group])
        if scored is None:
            continue
        zs, med, scale, method = scored
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for o, z in zip(group, zs, strict=True):
            rel = abs(o.unit_price - med) / med
            if abs(z) <= policy.flag_outlier_z or rel < policy.flag_outlier_min_rel_deviation:
                continue
            found[o.vendor_id].append(
                {
                    "offer_id": o.offer_id,
                    "unit_price": o.unit_price,
                    "z": _num(z),
                    "relative_deviation": _num(rel),
                    "direction": "low" if z < 0 else "high",
                }
            )
        for vendor_id, items in sorted(found.items()):
            first = items[0]
            flags.append(
                Flag(
                    PRICE_OUTLIER,
                    vendor_id,
                    rfo_id,
                    {
                        "offers": items,
                        "median": _num(med),
                        "method": method,
                        "scale": _num(scale),
                        "threshold": str(policy.flag_outlier_z),
                        "offer_count": len(group),
                    },
                    f"unit price {first['unit_price']} is an outlier ({first['direction']}) among {len(group)} "
                    f"offers: modified z-score {first['z']} beyond {policy.flag_outlier_z}",
                )
            )
    return flags


def _densest(times: Sequence[datetime], window: timedelta) -> tuple[int, int, int]:
    """(count, first index, last index) of the most events within any ``window`` (inclusive), ``times`` sorted."""
    best, bi, bj, i = 0, 0, 0, 0
    for j, t in enumerate(times):
        while t - times[i] > window:
            i += 1
        if j - i + 1 > best:
            best, bi, bj = j - i + 1, i, j
    return best, bi, bj


def revision_bursts(events: Iterable[RevisionEvent], policy: FlagPolicy = DEFAULT_POLICY) -> list[Flag]:
    """``revision_burst`` per (vendor, RFO) with at least ``flag_burst_revisions`` revisions in the window."""
    if not policy.flag_burst_revisions:
        return []
    groups: dict[tuple[str, str], list[RevisionEvent]] = defaultdict(list)
    for e in events:
        groups[(e.vendor_id, e.rfo_id)].append(e)
    window = timedelta(seconds=policy.flag_burst_window_s)
    flags: list[Flag] = []
    for (vendor_id, rfo_id), evs in groups.items():
        evs.sort(key=lambda e: e.at)
        count, i, j = _densest([e.at for e in evs], window)
        if count < policy.flag_burst_revisions:
            continue
        burst = evs[i : j + 1]
        flags.append(
            Flag(
                REVISION_BURST,
                vendor_id,
                rfo_id,
                {
                    "revisions": count,
                    "window_s": policy.flag_burst_window_s,
                    "first_at": to_rfc3339(burst[0].at),
                    "last_at": to_rfc3339(burst[-1].at),
                    "offer_ids": sorted({e.offer_id for e in burst}),
                },
                f"{count} revisions within {policy.flag_burst_window_s} s on one RFO",
            )
        )
    return flags


def _similar(a: OfferSample, b: OfferSample, policy: FlagPolicy) -> bool:
    if a.vendor_id == b.vendor_id or a.quantity_available != b.quantity_available:
        return False
    if abs(a.unit_price - b.unit_price) > policy.flag_identical_price_tolerance * max(a.unit_price, b.unit_price):
        return False
    return abs((a.delivery_date - b.delivery_date).total_seconds()) <= policy.flag_identical_delivery_window_s


def near_identical_offers(offers: Iterable[OfferSample], policy: FlagPolicy = DEFAULT_POLICY) -> list[Flag]:
    """``near_identical_offers`` for every vendor whose offer matches offers of at least
    ``flag_identical_min_vendors - 1`` other vendors on the same RFO."""
    if not policy.flag_identical_min_vendors:
        return []
    tol = policy.flag_identical_price_tolerance
    flags: list[Flag] = []
    for rfo_id, group in _by_rfo(offers).items():
        group.sort(key=lambda o: (o.unit_price, o.offer_id))
        peers: dict[str, set[str]] = defaultdict(set)
        offer_ids: dict[str, set[str]] = defaultdict(set)
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                # Sorted by price: once b is too far above a, every later one is too.
                if b.unit_price - a.unit_price > tol * b.unit_price:
                    break
                if _similar(a, b, policy):
                    peers[a.vendor_id].add(b.vendor_id)
                    peers[b.vendor_id].add(a.vendor_id)
                    offer_ids[a.vendor_id].update((a.offer_id, b.offer_id))
                    offer_ids[b.vendor_id].update((a.offer_id, b.offer_id))
        by_id = {o.offer_id: o for o in group}
        for vendor_id, others in sorted(peers.items()):
            if len(others) + 1 < policy.flag_identical_min_vendors:
                continue
            matched = sorted(offer_ids[vendor_id])
            flags.append(
                Flag(
                    NEAR_IDENTICAL,
                    vendor_id,
                    rfo_id,
                    {
                        "other_vendor_ids": sorted(others),
                        "offer_ids": matched,
                        "unit_prices": sorted({by_id[i].unit_price for i in matched}),
                        "quantity_available": by_id[matched[0]].quantity_available,
                        "price_tolerance": str(tol),
                        "delivery_window_s": policy.flag_identical_delivery_window_s,
                    },
                    f"offer nearly identical to offers of {len(others)} other vendor(s) on this RFO "
                    "(same quantity, price and delivery): possible sock puppets or collusion",
                )
            )
    return flags


def repeated_rejections(events: Iterable[RejectionEvent], policy: FlagPolicy = DEFAULT_POLICY) -> list[Flag]:
    """``repeated_rejections`` per vendor with at least ``flag_rejections_threshold`` rejections in the window
    (across RFOs; ``rfo_id`` is set when they all concern one RFO)."""
    if not policy.flag_rejections_threshold:
        return []
    groups: dict[str, list[RejectionEvent]] = defaultdict(list)
    for e in events:
        groups[e.vendor_id].append(e)
    window = timedelta(seconds=policy.flag_rejections_window_s)
    flags: list[Flag] = []
    for vendor_id, evs in groups.items():
        evs.sort(key=lambda e: e.at)
        count, i, j = _densest([e.at for e in evs], window)
        if count < policy.flag_rejections_threshold:
            continue
        burst = evs[i : j + 1]
        rfos = sorted({e.rfo_id for e in burst if e.rfo_id})
        flags.append(
            Flag(
                REPEATED_REJECTIONS,
                vendor_id,
                rfos[0] if len(rfos) == 1 and all(e.rfo_id for e in burst) else None,
                {
                    "rejections": count,
                    "window_s": policy.flag_rejections_window_s,
                    "first_at": to_rfc3339(burst[0].at),
                    "last_at": to_rfc3339(burst[-1].at),
                    "codes": dict(sorted(Counter(e.code for e in burst).items())),
                    "rfo_ids": rfos,
                },
                f"{count} rejected submissions within {policy.flag_rejections_window_s} s",
            )
        )
    return flags


def recent_rejections(
    recent: Iterable[RejectionEvent], event: RejectionEvent, policy: FlagPolicy = DEFAULT_POLICY
) -> tuple[RejectionEvent, ...]:
    """The bounded window :func:`repeated_rejections` needs, after ``event``: the vendor's rejections at most
    ``flag_rejections_window_s`` before it, the newest ``flag_rejections_threshold`` of them (empty when the
    signal is off). A window of ``threshold`` rejections exists iff it exists ending at some rejection, so
    judging these after each rejection raises the flag exactly when the full history would, in O(threshold)
    instead of re-reading every rejection of the window."""
    threshold = policy.flag_rejections_threshold
    if not threshold:
        return ()
    window = timedelta(seconds=policy.flag_rejections_window_s)
    kept = sorted((e for e in (*recent, event) if event.at - e.at <= window), key=lambda e: e.at)
    return tuple(kept[-threshold:])


def last_second_submissions(
    rfo: RfoWindow,
    offers: Iterable[OfferSample],
    revisions: Iterable[RevisionEvent] = (),
    policy: FlagPolicy = DEFAULT_POLICY,
) -> list[Flag]:
    """``last_second_submission`` per vendor that submitted or revised an offer on ``rfo`` within the last
    ``flag_last_second_s`` seconds or the last ``flag_last_second_fraction`` of its bidding window."""
    if not policy.flag_last_second_s and not policy.flag_last_second_fraction:
        return []
    length = max(0.0, (rfo.deadline - rfo.opened_at).total_seconds())
    limit = 0.0
    if policy.flag_last_second_s:
        limit = float(policy.flag_last_second_s)
    if policy.flag_last_second_fraction:
        limit = max(limit, float(policy.flag_last_second_fraction) * length)
    hits: dict[str, list[dict[str, Any]]] = defaultdict(list)
    moments = [(o.vendor_id, o.offer_id, "submitted", o.submitted_at) for o in offers if o.rfo_id == rfo.rfo_id]
    moments += [(e.vendor_id, e.offer_id, "revised", e.at) for e in revisions if e.rfo_id == rfo.rfo_id]
    for vendor_id, offer_id, kind, at in sorted(moments, key=lambda m: (m[3], m[1])):
        before = (rfo.deadline - at).total_seconds()
        if 0 <= before <= limit and at >= rfo.opened_at:
            hits[vendor_id].append(
                {"offer_id": offer_id, "action": kind, "at": to_rfc3339(at), "seconds_before_deadline": int(before)}
            )
    return [
        Flag(
            LAST_SECOND,
            vendor_id,
            rfo.rfo_id,
            {
                "events": items,
                "deadline": to_rfc3339(rfo.deadline),
                "last_second_s": policy.flag_last_second_s,
                "last_second_fraction": str(policy.flag_last_second_fraction),
                "window_s": int(length),
            },
            f"{len(items)} submission(s)/revision(s) within {int(limit)} s of the deadline",
        )
        for vendor_id, items in sorted(hits.items())
    ]


def evaluate(
    rfo: RfoWindow | None,
    offers: Iterable[OfferSample],
    revisions: Iterable[RevisionEvent] = (),
    rejections: Iterable[RejectionEvent] = (),
    policy: FlagPolicy = DEFAULT_POLICY,
) -> list[Flag]:
    """Every signal over one RFO's offers and events (``rfo`` None skips the last-second signal), sorted by
    (code, RFO, vendor)."""
    offer_list, revision_list = list(offers), list(revisions)
    flags = price_outliers(offer_list, policy)
    flags += revision_bursts(revision_list, policy)
    flags += near_identical_offers(offer_list, policy)
    flags += repeated_rejections(rejections, policy)
    if rfo is not None:
        flags += last_second_submissions(rfo, offer_list, revision_list, policy)
    return sorted(flags, key=lambda f: (CODES.index(f.code), f.rfo_id or "", f.vendor_id, f.key))

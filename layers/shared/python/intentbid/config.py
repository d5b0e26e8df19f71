"""Typed configuration for offer validation, limits, cooldowns and suspicious-activity flags.

Every knob is an environment variable ``INTENTBID_<FIELD NAME IN UPPER CASE>``, read once at cold start by
:func:`settings` (cached) or on demand by :func:`load`. Bad values raise ``ValueError`` naming the variable, so a
misconfigured function fails at its first invocation instead of enforcing the wrong rule. An unset or empty
variable keeps the default. Numbers are whole numbers unless marked *decimal* (e.g. ``0.05``); booleans accept
``true/false``, ``1/0``, ``yes/no``, ``on/off``. Setting a limit to ``0`` disables it.

Each group's docstring documents its knobs (variable, default, meaning); :func:`markdown_table` renders them
all as the README's table, and a unit test keeps docstrings and defaults in step.

The domain modules take these dataclasses as arguments (``policy=...``) and default to the built-in defaults,
so they stay pure; the services pass ``settings().offers``, ``settings().limits`` and so on.
"""

from __future__ import annotations

import os
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

PREFIX = "INTENTBID_"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})

# Bounds beyond "not negative" (field name -> (lowest, highest or None)).
_BOUNDS: dict[str, tuple[int | Decimal, int | Decimal | None]] = {
    "min_improvement_pct": (0, Decimal(100)),
    "cooldown_manual_max_s": (1, None),
    "flag_outlier_z": (Decimal("0.1"), None),
    "flag_outlier_min_rel_deviation": (0, Decimal(1)),
    "flag_identical_price_tolerance": (0, Decimal("0.5")),
    "flag_last_second_fraction": (0, Decimal(1)),
    # the windows of these live on the vendor item (bounded state, read on every rejection)
    "cooldown_violation_threshold": (0, 1000),
    "flag_rejections_threshold": (0, 1000),
}


def env_name(name: str) -> str:
    """The environment variable of a settings field."""
    return PREFIX + name.upper()


def _validate_fields(obj: Any) -> None:
    hints = typing.get_type_hints(type(obj))
    for f in fields(obj):
        value = getattr(obj, f.name)
        kind = hints[f.name]
        var = env_name(f.name)
        if kind is bool:
            if not isinstance(value, bool):
                raise ValueError(f"{var}: expected a boolean, got {value!r}")
            continue
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(f"{var}: expected a whole number, got {value!r}")
        if kind is Decimal and (not isinstance(value, Decimal) or not value.is_finite()):
            raise ValueError(f"{var}: expected a finite decimal, got {value!r}")
        lo, hi = _BOUNDS.get(f.name, (0, None))
        if value < lo:
            raise ValueError(f"{var}: must be >= {lo}, got {value}")
        if hi is not None and value > hi:
            raise ValueError(f"{var}: must be <= {hi}, got {value}")


def _require(ok: bool, name: str, message: str) -> None:
    if not ok:
        raise ValueError(f"{env_name(name)}: {message}")


@dataclass(frozen=True, slots=True)
class OfferPolicy:
    """Offer validation (400s): the price band, quantity range, need-by and text rules.

    ``INTENTBID_PRICE_MIN_RATIO`` = ``0.05`` (decimal)
        ``unit_price x RFO quantity`` must be >= ``budget_max x`` this, else 400 ``price_out_of_range``
        (field ``unit_price``). 0 disables the lower bound (the price must still be > 0).
    ``INTENTBID_PRICE_MAX_RATIO`` = ``1.5`` (decimal)
        ``unit_price x RFO quantity`` must be <= ``budget_max x`` this, else 400 ``price_out_of_range``.
        0 disables the upper bound.
    ``INTENTBID_QUANTITY_MAX_OVER_RATIO`` = ``10`` (decimal)
        ``quantity_available`` must be <= RFO quantity x this, else 400 ``quantity_out_of_range``.
        0 disables the upper bound (at least 1 is always required).
    ``INTENTBID_ENFORCE_NEED_BY`` = ``true`` (boolean)
        Refuse a delivery after the RFO's ``need_by``: 400 ``eta_after_need_by`` on ``delivery_date`` or
        ``eta_days``, whichever the client sent.
    ``INTENTBID_NEED_BY_GRACE_S`` = ``0``
        Seconds a delivery may fall after ``need_by`` and still pass.
    ``INTENTBID_DELIVERY_PAST_GRACE_S`` = ``60``
        Seconds a delivery may lie in the past (clock skew) before 400 ``in_past``.
    ``INTENTBID_NOTES_MAX_CHARS`` = ``2000``
        Longest ``notes``, else 400 ``too_long`` (the request schema caps notes at 2000 anyway). 0 disables.
    """

    price_min_ratio: Decimal = Decimal("0.05")
    price_max_ratio: Decimal = Decimal("1.5")
    quantity_max_over_ratio: Decimal = Decimal(10)
    enforce_need_by: bool = True
    need_by_grace_s: int = 0
    delivery_past_grace_s: int = 60
    notes_max_chars: int = 2000

    def __post_init__(self) -> None:
        _validate_fields(self)
        if self.price_min_ratio and self.price_max_ratio:
            _require(
                self.price_min_ratio < self.price_max_ratio,
                "price_min_ratio",
                f"must be below INTENTBID_PRICE_MAX_RATIO ({self.price_max_ratio}), got {self.price_min_ratio}",
            )


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-vendor and per-RFO limits (429s) and the optional minimum improvement per revision (400).

    ``INTENTBID_MAX_OFFERS_PER_VENDOR_PER_RFO`` = ``3``
        Offers one vendor may submit on one RFO, withdrawn ones included: 429 ``offer_limit_reached``
        (no Retry-After). 0 disables.
    ``INTENTBID_MAX_REVISIONS_PER_OFFER`` = ``10``
        Revisions of one offer: 429 ``offer_limit_reached`` (no Retry-After). 0 disables.
    ``INTENTBID_REVISION_MIN_INTERVAL_S`` = ``30``
        Seconds between two changes of one offer (its submission counts as the first): 429
        ``revision_cooldown`` with ``Retry-After`` = the seconds left, rounded up. 0 disables.
    ``INTENTBID_MIN_IMPROVEMENT_PCT`` = ``0`` (decimal)
        A revision must cut the unit price by at least this percentage (e.g. ``0.5``) or bring the delivery
        forward, else 400 ``insufficient_improvement`` (field ``unit_price``). 0 disables.
    ``INTENTBID_DELIVERY_IMPROVEMENT_MIN_S`` = ``3600``
        With the minimum improvement on: how many seconds earlier a delivery must be to count as an
        improvement (0: any earlier delivery counts).
    ``INTENTBID_MAX_OFFERS_PER_VENDOR_PER_HOUR`` = ``60``
        Submissions per vendor per clock hour, across RFOs: 429 ``rate_limited`` with ``Retry-After`` = the
        seconds to the next hour. 0 disables.
    ``INTENTBID_ALLOW_PRICE_INCREASE`` = ``false`` (boolean)
        Whether a revision may raise the unit price. Off: while the RFO is OPEN (the only time an offer can be
        revised) a higher unit price is 400 ``price_increase_not_allowed`` (field ``unit_price``): raising
        the price after being ranked is the bait-and-switch move; a vendor may withdraw and submit anew.
    """

    max_offers_per_vendor_per_rfo: int = 3
    max_revisions_per_offer: int = 10
    revision_min_interval_s: int = 30
    min_improvement_pct: Decimal = Decimal(0)
    delivery_improvement_min_s: int = 3600
    max_offers_per_vendor_per_hour: int = 60
    allow_price_increase: bool = False

    def __post_init__(self) -> None:
        _validate_fields(self)


@dataclass(frozen=True, slots=True)
class CooldownPolicy:
    """Automatic cooldowns after repeated violations (growing, capped, decaying) and manual ones by ops.

    ``INTENTBID_COOLDOWN_VIOLATION_THRESHOLD`` = ``5``
        Limit violations within the window that earn a strike and an automatic cooldown (429
        ``vendor_cooldown`` with ``Retry-After`` while it lasts), per environment; at most 1000. 0 disables
        automatic cooldowns.
    ``INTENTBID_COOLDOWN_VIOLATION_WINDOW_S`` = ``600``
        Sliding window, in seconds, in which violations are counted.
    ``INTENTBID_COOLDOWN_BASE_S`` = ``60``
        The first strike's cooldown; each further strike doubles it (60, 120, 240, ... seconds).
    ``INTENTBID_COOLDOWN_MAX_S`` = ``3600``
        Cap of an automatic cooldown.
    ``INTENTBID_COOLDOWN_STRIKE_DECAY_S`` = ``3600``
        One strike is forgiven per this many seconds without a new strike. 0: strikes never decay.
    ``INTENTBID_COOLDOWN_MANUAL_MAX_S`` = ``2592000``
        Longest manual cooldown ops may set (30 days).
    """

    cooldown_violation_threshold: int = 5
    cooldown_violation_window_s: int = 600
    cooldown_base_s: int = 60
    cooldown_max_s: int = 3600
    cooldown_strike_decay_s: int = 3600
    cooldown_manual_max_s: int = 30 * 86400

    def __post_init__(self) -> None:
        _validate_fields(self)
        if self.cooldown_violation_threshold:
            _require(self.cooldown_violation_window_s > 0, "cooldown_violation_window_s", "must be > 0")
            _require(self.cooldown_base_s > 0, "cooldown_base_s", "must be > 0")
            _require(
                self.cooldown_max_s >= self.cooldown_base_s,
                "cooldown_max_s",
                f"must be >= INTENTBID_COOLDOWN_BASE_S ({self.cooldown_base_s}), got {self.cooldown_max_s}",
            )


@dataclass(frozen=True, slots=True)
class FlagPolicy:
    """Suspicious-activity signals: reported to ops and buyers, never changing a score.

    ``INTENTBID_FLAG_OUTLIER_Z`` = ``3.5`` (decimal)
        ``price_outlier`` when the modified z-score ``0.6745 (x - median) / MAD`` exceeds this in magnitude.
    ``INTENTBID_FLAG_OUTLIER_MIN_OFFERS`` = ``5``
        Offers an RFO needs before outliers are judged. 0 disables the signal.
    ``INTENTBID_FLAG_OUTLIER_MIN_REL_DEVIATION`` = ``0.10`` (decimal)
        An outlier must also differ from the median by at least this fraction of it (guards tight fields).
    ``INTENTBID_FLAG_BURST_REVISIONS`` = ``5``
        ``revision_burst`` when one vendor revises on one RFO this many times within the window. 0 disables.
    ``INTENTBID_FLAG_BURST_WINDOW_S`` = ``600``
        Window of the revision burst signal, in seconds.
    ``INTENTBID_FLAG_IDENTICAL_PRICE_TOLERANCE`` = ``0.001`` (decimal)
        Relative unit-price difference under which two offers count as identical (0.1 %).
    ``INTENTBID_FLAG_IDENTICAL_DELIVERY_WINDOW_S`` = ``3600``
        Delivery dates this close (seconds) count as identical.
    ``INTENTBID_FLAG_IDENTICAL_MIN_VENDORS`` = ``2``
        ``near_identical_offers`` when this many distinct vendors made near-identical offers (same quantity)
        on one RFO; every vendor involved is flagged. 0 disables.
    ``INTENTBID_FLAG_REJECTIONS_THRESHOLD`` = ``10``
        ``repeated_rejections`` when one vendor's submissions are rejected this many times within the
        window (per environment; at most 1000). 0 disables.
    ``INTENTBID_FLAG_REJECTIONS_WINDOW_S`` = ``3600``
        Window of the repeated rejections signal, in seconds.
    ``INTENTBID_FLAG_LAST_SECOND_FRACTION`` = ``0.02`` (decimal)
        ``last_second_submission`` when an offer is submitted or revised in the last this-fraction of the
        RFO's bidding window. 0 disables this criterion.
    ``INTENTBID_FLAG_LAST_SECOND_S`` = ``60``
        ``last_second_submission`` when an offer is submitted or revised this many seconds or fewer before
        the deadline. 0 disables this criterion.
    """

    flag_outlier_z: Decimal = Decimal("3.5")
    flag_outlier_min_offers: int = 5
    flag_outlier_min_rel_deviation: Decimal = Decimal("0.10")
    flag_burst_revisions: int = 5
    flag_burst_window_s: int = 600
    flag_identical_price_tolerance: Decimal = Decimal("0.001")
    flag_identical_delivery_window_s: int = 3600
    flag_identical_min_vendors: int = 2
    flag_rejections_threshold: int = 10
    flag_rejections_window_s: int = 3600
    flag_last_second_fraction: Decimal = Decimal("0.02")
    flag_last_second_s: int = 60

    def __post_init__(self) -> None:
        _validate_fields(self)
        if self.flag_outlier_min_offers:
            _require(self.flag_outlier_min_offers >= 3, "flag_outlier_min_offers", "must be 0 (off) or >= 3")
        if self.flag_burst_revisions:
            _require(self.flag_burst_window_s > 0, "flag_burst_window_s", "must be > 0")
        if self.flag_rejections_threshold:
            _require(self.flag_rejections_window_s > 0, "flag_rejections_window_s", "must be > 0")
        if self.flag_identical_min_vendors:
            _require(self.flag_identical_min_vendors >= 2, "flag_identical_min_vendors", "must be 0 (off) or >= 2")


@dataclass(frozen=True, slots=True)
class KeyPolicy:
    """API keys per account.

    ``INTENTBID_MAX_ACTIVE_KEYS_PER_ACCOUNT`` = ``25``
        Working (active, unexpired) keys one account may hold per environment (live and sandbox count
        apart): creating one more is 409 ``key_limit_reached``. A rotation may go one key over while its
        grace period runs (it replaces a key). 0 disables.
    """

    max_active_keys_per_account: int = 25

    def __post_init__(self) -> None:
        _validate_fields(self)


@dataclass(frozen=True, slots=True)
class Settings:
    offers: OfferPolicy = field(default_factory=OfferPolicy)
    limits: Limits = field(default_factory=Limits)
    cooldown: CooldownPolicy = field(default_factory=CooldownPolicy)
    flags: FlagPolicy = field(default_factory=FlagPolicy)
    keys: KeyPolicy = field(default_factory=KeyPolicy)


GROUPS: dict[str, type[Any]] = {
    "offers": OfferPolicy,
    "limits": Limits,
    "cooldown": CooldownPolicy,
    "flags": FlagPolicy,
    "keys": KeyPolicy,
}


def _parse(var: str, raw: str, kind: Any) -> Any:
    text = raw.strip()
    if kind is bool:
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(f"{var}: expected true/false (or 1/0, yes/no, on/off), got {raw!r}")
    if kind is int:
        try:
            return int(text, 10)
        except ValueError:
            raise ValueError(f"{var}: expected a whole number, got {raw!r}") from None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{var}: expected a decimal number, got {raw!r}") from None
    if not value.is_finite():
        raise ValueError(f"{var}: expected a finite decimal number, got {raw!r}")
    return value


def _load_group(cls: type[Any], environ: Mapping[str, str]) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        var = env_name(f.name)
        raw = environ.get(var)
        if raw is None or not raw.strip():
            continue
        kwargs[f.name] = _parse(var, raw, hints[f.name])
    return cls(**kwargs)


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from ``environ`` (default: ``os.environ``); raises ``ValueError`` naming the bad
    variable. Unknown ``INTENTBID_*`` variables are ignored (other modules own some)."""
    env = os.environ if environ is None else environ
    return Settings(**{name: _load_group(cls, env) for name, cls in GROUPS.items()})


@cache
def settings() -> Settings:
    """The process-wide settings, loaded once (cold start). Tests call ``settings.cache_clear()``."""
    return load()


@dataclass(frozen=True, slots=True)
class Knob:
    variable: str
    default: str
    kind: str
    doc: str


_DOC_ENTRY = re.compile(r"^ {4}``(INTENTBID_\w+)`` = ``([^`]*)``(?: \((\w+)\))?\n((?: {8}.*\n?)+)", re.MULTILINE)


def knobs() -> list[Knob]:
    """Every knob as documented in its group's docstring, in declaration order."""
    out: list[Knob] = []
    for cls in GROUPS.values():
        for m in _DOC_ENTRY.finditer(cls.__doc__ or ""):
            doc = " ".join(line.strip() for line in m.group(4).splitlines() if line.strip())
            out.append(Knob(m.group(1), m.group(2), m.group(3) or "integer", doc))
    return out


def markdown_table() -> str:
    """The README's table of knobs."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for k in knobs():
        kind = f" ({k.kind})" if k.kind != "integer" else ""
        rows.append(f"| `{k.variable}` | `{k.default}`{kind} | {k.doc.replace('``', '`')} |")
    return "\n".join(rows)


__all__ = [
    "PREFIX",
    "CooldownPolicy",
    "FlagPolicy",
    "KeyPolicy",
    "Knob",
    "Limits",
    "OfferPolicy",
    "Settings",
    "env_name",
    "knobs",
    "load",
    "markdown_table",
    "settings",
]

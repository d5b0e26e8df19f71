"""The one settings object: every ``INTENTBID_*`` knob and every deployment variable, parsed and validated once.

:func:`settings` builds it from the environment once per process (cached) and every entry point calls
:func:`cold_start` at import (the HTTP adapter, the authorizer, the workers), so a bad value fails the cold start
with a ``ValueError`` naming the variable and what it allows, instead of enforcing the wrong rule. Nothing else in
the Lambda code reads the environment: the domain takes these dataclasses (or plain values) as arguments and
the services, the HTTP adapter and the store pass ``settings().offers``, ``settings().rate_limits`` and so on.

A knob of an ``INTENTBID_*`` group is the variable ``INTENTBID_<FIELD NAME IN UPPER CASE>``; the deployment
group's variables carry no prefix (``TABLE_PREFIX``, ``AWS_REGION``, ...: CDK and the local runtime set them).
An unset or empty variable keeps the default. Numbers are whole numbers unless marked *decimal* (e.g. ``0.05``);
booleans accept ``true/false``, ``1/0``, ``yes/no``, ``on/off``; a *rate* is ``<quota>/<window_s>`` (``0``
disables). Setting a limit to ``0`` disables it. An unknown ``INTENTBID_RATE_LIMIT_*`` variable is refused (a
typo would silently keep the default); other unknown ``INTENTBID_*`` variables belong to the local runtime and
the tests and are ignored.

Each group's docstring documents its knobs (variable, default, meaning); :mod:`intentbid.settings_doc` renders
them as the README's configuration tables (a unit test keeps docstrings, defaults and the README in step).
Tests that change the environment call :func:`reload` (``tests/conftest.py``'s ``monkeypatch`` does it on every
``setenv``/``delenv``), and so does :func:`intentbid.store.base.bind`.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, ClassVar

PREFIX = "INTENTBID_"
RATE_LIMIT_PREFIX = PREFIX + "RATE_LIMIT_"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})

# Bounds beyond "not negative" (field name -> (lowest or None, highest or None)).
_BOUNDS: dict[str, tuple[int | Decimal | None, int | Decimal | None]] = {
    "min_improvement_pct": (0, Decimal(100)),
    "cooldown_manual_max_s": (1, None),
    "flag_outlier_z": (Decimal("0.1"), None),
    "flag_outlier_min_rel_deviation": (0, Decimal(1)),
    "flag_identical_price_tolerance": (0, Decimal("0.5")),
    "flag_last_second_fraction": (0, Decimal(1)),
    # the windows of these live on the vendor item (bounded state, read on every rejection)
    "cooldown_violation_threshold": (0, 1000),
    "flag_rejections_threshold": (0, 1000),
    "clock_offset_s": (None, None),  # the clock may be shifted either way
}

# Closed sets of values (field name -> allowed values); compared case-insensitively, stored as listed.
CHOICES: dict[str, tuple[str, ...]] = {
    "log_level": ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
}


@dataclass(frozen=True, slots=True)
class Rate:
    """A rate limit: ``quota`` requests per ``window_s`` seconds (``0``: off)."""

    quota: int
    window_s: int

    @property
    def enabled(self) -> bool:
        return self.quota > 0 and self.window_s > 0

    def __str__(self) -> str:
        return "0" if (self.quota, self.window_s) == (0, 0) else f"{self.quota}/{self.window_s}"


OFF = Rate(0, 0)


def env_name(name: str) -> str:
    """The environment variable of an ``INTENTBID_*`` settings field."""
    return PREFIX + name.upper()


def variable(cls: type[Any], name: str) -> str:
    """The environment variable of field ``name`` of settings group ``cls``."""
    return getattr(cls, "ENV_PREFIX", PREFIX) + name.upper()


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    """A group's field types: the annotations are evaluated once per group, not per load."""
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _validate_fields(obj: Any) -> None:
    hints = _hints(type(obj))
    for f in fields(obj):
        value = getattr(obj, f.name)
        kind = hints[f.name]
        var = variable(type(obj), f.name)
        if kind is bool:
            if not isinstance(value, bool):
                raise ValueError(f"{var}: expected a boolean, got {value!r}")
            continue
        if kind is str:
            if not isinstance(value, str):
                raise ValueError(f"{var}: expected text, got {value!r}")
            allowed = CHOICES.get(f.name)
            if allowed is not None and value not in allowed:
                raise ValueError(f"{var}: expected one of {', '.join(allowed)}, got {value!r}")
            continue
        if kind is Rate:
            if (
                not isinstance(value, Rate)
                or value.quota < 0
                or value.window_s < 0
                or (value.quota and not value.window_s)
            ):
                raise ValueError(f"{var}: expected <quota>/<window_s> with window_s > 0 (or 0: off), got {value}")
            continue
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(f"{var}: expected a whole number, got {value!r}")
        if kind is Decimal and (not isinstance(value, Decimal) or not value.is_finite()):
            raise ValueError(f"{var}: expected a finite decimal, got {value!r}")
        lo, hi = _BOUNDS.get(f.name, (0, None))
        if lo is not None and value < lo:
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
class RateLimits:
    """Request rate limits (429 ``rate_limited`` with ``Retry-After`` and the IETF ``RateLimit`` headers).

    ``INTENTBID_RATE_LIMIT_VENDOR`` = ``120/60`` (rate)
        Requests per key of a vendor, per window (the ``"default"`` policy of ``RateLimit-Policy``).
    ``INTENTBID_RATE_LIMIT_BUYER`` = ``120/60`` (rate)
        Requests per key of a buyer, per window.
    ``INTENTBID_RATE_LIMIT_ADMIN`` = ``600/60`` (rate)
        Requests per key of an admin, per window.
    ``INTENTBID_RATE_LIMIT_VENDOR_ACCOUNT`` = ``240/60`` (rate)
        Requests per vendor account and environment, all its keys together (the ``"account"`` policy), so fresh
        keys never add budget; same window as ``INTENTBID_RATE_LIMIT_VENDOR`` (both count on one item).
    ``INTENTBID_RATE_LIMIT_BUYER_ACCOUNT`` = ``240/60`` (rate)
        The same per buyer account; same window as ``INTENTBID_RATE_LIMIT_BUYER``.
    ``INTENTBID_RATE_LIMIT_ADMIN_ACCOUNT`` = ``1200/60`` (rate)
        The same per admin account; same window as ``INTENTBID_RATE_LIMIT_ADMIN``.
    ``INTENTBID_RATE_LIMIT_REGISTER`` = ``10/3600`` (rate)
        Registrations per source IP. ``make dev`` answers ``1000/3600``: the local runtime raises it
        (``intentbid_local/environment.LOCAL_DEFAULTS``; an explicit setting wins) because every local client
        (browser, ``make demo``, tests) is 127.0.0.1, so demos and tests can register freely; its start banner
        says so, and its ``RateLimit-Policy`` reads ``q=1000``.
    ``INTENTBID_RATE_LIMIT_PUBLIC`` = ``60/60`` (rate)
        Public RFO views and readiness checks per source IP.
    """

    rate_limit_vendor: Rate = Rate(120, 60)
    rate_limit_buyer: Rate = Rate(120, 60)
    rate_limit_admin: Rate = Rate(600, 60)
    rate_limit_vendor_account: Rate = Rate(240, 60)
    rate_limit_buyer_account: Rate = Rate(240, 60)
    rate_limit_admin_account: Rate = Rate(1200, 60)
    rate_limit_register: Rate = Rate(10, 3600)
    rate_limit_public: Rate = Rate(60, 60)

    def __post_init__(self) -> None:
        _validate_fields(self)
        for kind in ("vendor", "buyer", "admin"):
            per_key: Rate = getattr(self, f"rate_limit_{kind}")
            account: Rate = getattr(self, f"rate_limit_{kind}_account")
            _require(
                not (per_key.enabled and account.enabled) or per_key.window_s == account.window_s,
                f"rate_limit_{kind}_account",
                f"must use the window of {env_name('rate_limit_' + kind)} ({per_key.window_s} s), "
                f"got {account.window_s} s",
            )


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    """The authorizer.

    ``INTENTBID_AUTH_FAILURES_PER_MINUTE`` = ``30``
        Unknown keys per source IP per minute before the authorizer sheds that IP (429
        ``too_many_failed_keys`` until the minute ends; per authorizer instance). 0 disables.
    """

    auth_failures_per_minute: int = 30

    def __post_init__(self) -> None:
        _validate_fields(self)


@dataclass(frozen=True, slots=True)
class ClockSettings:
    """The system clock.

    ``INTENTBID_CLOCK_OFFSET_S`` = ``0`` (decimal)
        Seconds added to the real clock in every function (may be negative): a test or demo hook for deadlines,
        grace periods and cooldowns. Leave unset in AWS.
    """

    clock_offset_s: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _validate_fields(self)


@dataclass(frozen=True, slots=True)
class WebhookPolicy:
    """Webhook endpoints and every outbound call (``intentbid.adapters.outbound``: the one guard).

    ``INTENTBID_WEBHOOK_ALLOW_LOCAL`` = ``false`` (boolean)
        Allow endpoints on loopback addresses (``127.0.0.0/8``, ``::1``, ``localhost``), over ``http`` or
        ``https``, so a receiver on the developer's machine works. The local runtime turns it on (``make dev``);
        a deployed stage never may: the settings refuse it when ``STAGE`` is other than ``local`` or unset.
    ``INTENTBID_WEBHOOK_CONNECT_TIMEOUT_S`` = ``5``
        Seconds to resolve, connect and finish TLS to a receiver (also the bound on the courtesy resolution at
        create and patch).
    ``INTENTBID_WEBHOOK_TIMEOUT_S`` = ``15``
        Seconds a whole delivery may take, from resolution to the last byte read; later is a ``timeout``.
    ``INTENTBID_WEBHOOK_RESPONSE_KEEP_BYTES`` = ``1024``
        Bytes of a receiver's answer read and kept (the excerpt); the rest is never read.
    ``INTENTBID_WEBHOOK_MAX_ENDPOINTS_PER_ACCOUNT`` = ``20``
        Endpoints one account may hold per environment (the plan limit of billing comes on top): one more is
        409 ``webhook_limit_reached``. 0 disables.
    ``INTENTBID_SECRETS_LOCAL_KEY_FILE`` = (unset)
        Where the local runtime keeps its 32-byte master key for webhook secrets (created 0600 on first use;
        ``make dev``: ``.local/secrets.key``). Unset and no ``WEBHOOK_SECRETS_KEY_ARN``: a key per process
        (tests). Never used when ``WEBHOOK_SECRETS_KEY_ARN`` is set.
    ``INTENTBID_WEBHOOK_RETRY_SCHEDULE`` = ``0,5,300,1800,7200,18000,36000,36000``
        Seconds before each attempt of a delivery (Svix's schedule: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
        10 h); after the last entry's attempt fails, the delivery is ``dead`` (DLQ). Each entry at most 43200
        (SQS's longest visibility). Tests and ``make dev`` compress it (e.g. ``0,1,2``).
    ``INTENTBID_WEBHOOK_RETRY_JITTER_PCT`` = ``20``
        Each wait of the schedule moves by up to this percentage either way (0..50).
    ``INTENTBID_WEBHOOK_DISABLE_AFTER_S`` = ``432000``
        An endpoint whose deliveries have failed continuously for this long (5 days) is disabled
        (``disabled_reason`` ``failing``, a ``webhook.disabled`` event). 0 never disables.
    """

    webhook_allow_local: bool = False
    webhook_connect_timeout_s: int = 5
    webhook_timeout_s: int = 15
    webhook_response_keep_bytes: int = 1024
    webhook_max_endpoints_per_account: int = 20
    secrets_local_key_file: str = ""
    webhook_retry_schedule: str = "0,5,300,1800,7200,18000,36000,36000"
    webhook_retry_jitter_pct: int = 20
    webhook_disable_after_s: int = 432_000

    @property
    def retry_schedule_s(self) -> tuple[int, ...]:
        from intentbid.domain.webhook_delivery import parse_schedule

        return parse_schedule(self.webhook_retry_schedule)

    def __post_init__(self) -> None:
        _validate_fields(self)
        try:
            self.retry_schedule_s  # noqa: B018 - parsed here so a bad value fails the cold start
        except ValueError as exc:
            raise ValueError(f"{variable(type(self), 'webhook_retry_schedule')}: {exc}") from None
        _require(self.webhook_retry_jitter_pct <= 50, "webhook_retry_jitter_pct", "must be <= 50")
        _require(self.webhook_connect_timeout_s >= 1, "webhook_connect_timeout_s", "must be >= 1")
        _require(
            self.webhook_timeout_s >= self.webhook_connect_timeout_s,
            "webhook_timeout_s",
            f"must be >= INTENTBID_WEBHOOK_CONNECT_TIMEOUT_S ({self.webhook_connect_timeout_s})",
        )
        _require(self.webhook_response_keep_bytes <= 65536, "webhook_response_keep_bytes", "must be <= 65536")


@dataclass(frozen=True, slots=True)
class RealtimePolicy:
    """The realtime channel (a WebSocket per principal: API.md "Realtime").

    ``INTENTBID_REALTIME_TICKET_TTL_S`` = ``60``
        Seconds a ticket of ``POST /v1/realtime/tickets`` stays usable (once); later, or used, the WebSocket's
        ``$connect`` answers 401. At most 300.
    ``INTENTBID_REALTIME_CONNECTION_TTL_S`` = ``7500``
        Seconds a connection's item outlives its ``$connect`` (its TTL): API Gateway ends a WebSocket after 2 h,
        so an item whose ``$disconnect`` was lost is removed by the table's TTL (or by the first push that finds
        the connection gone).
    """

    realtime_ticket_ttl_s: int = 60
    realtime_connection_ttl_s: int = 7500

    def __post_init__(self) -> None:
        _validate_fields(self)
        _require(1 <= self.realtime_ticket_ttl_s <= 300, "realtime_ticket_ttl_s", "must be within 1..300")
        _require(self.realtime_connection_ttl_s >= 60, "realtime_connection_ttl_s", "must be >= 60")


# Stages where loopback receivers may be allowed: the local runtime's, and none (tests, scripts).
LOCAL_STAGES = ("", "local")


@dataclass(frozen=True, slots=True)
class Deployment:
    """Deployment variables, set per stage by CDK (``infra/``) and by the local runtime (``intentbid_local``).

    ``TABLE_PREFIX`` = ``intentbid-local-``
        Physical table names per stage: ``<prefix><logical name>`` (e.g. ``intentbid-prod-rfos``).
    ``AWS_REGION`` = (unset)
        The region of the tables and the Step Functions client (Lambda sets it).
    ``AWS_DEFAULT_REGION`` = (unset)
        The region when ``AWS_REGION`` is unset; ``us-east-1`` when both are.
    ``STAGE`` = (unset)
        The stage's name (``dev``, ``staging``, ``prod``; ``local`` for ``make dev``).
    ``POWERTOOLS_SERVICE_NAME`` = ``intentbid``
        The ``service`` of every log line and metric.
    ``POWERTOOLS_METRICS_NAMESPACE`` = ``IntentBid``
        The CloudWatch namespace of the custom metrics (the dashboard reads it).
    ``LOG_LEVEL`` = ``INFO`` (choice)
        One of ``DEBUG``, ``INFO``, ``WARNING``, ``ERROR``, ``CRITICAL`` (any case); the JSON logger applies it
        (``POWERTOOLS_LOG_LEVEL`` and Lambda's ``AWS_LAMBDA_LOG_LEVEL`` take precedence, as in Powertools).
    ``EXPIRY_STATE_MACHINE_ARN`` = (unset)
        The RFO expiry state machine (an ``arn:``), set for the functions that start it; unset: no expiry
        execution is started (reads and writes still treat a past deadline as expired).
    ``PUBLIC_BASE_URL`` = (unset)
        ``http(s)://`` origin that prefixes a public RFO link (``url`` of a public token); unset: a
        path-only link.
    ``WEBHOOK_SECRETS_KEY_ARN`` = (unset)
        The KMS key (an ``arn:``) that wraps each webhook secret's data key, set by CDK for the functions that
        seal or open secrets; unset: the local master key (``INTENTBID_SECRETS_LOCAL_KEY_FILE``), which a
        deployed stage refuses to use.
    ``QUEUE_URL_WEBHOOK`` = (unset)
        The webhook delivery queue, set for the functions that send to it (the dispatcher, the webhook routes
        that queue a test, a retry or a recovery); unset: no delivery is queued (tests of other parts).
    ``QUEUE_URL_WEBHOOK_DLQ`` = (unset)
        Its dead-letter queue: the delivery worker moves a delivery there after its last attempt.
    ``QUEUE_URL_REALTIME`` = (unset)
        The realtime queue (one message per event, its recipients in it), set for the dispatcher; unset: no
        event is pushed to WebSockets.
    ``REALTIME_URL`` = (unset)
        The WebSocket URL a ticket is for (``wss://<api>.execute-api.<region>.amazonaws.com/<stage>``; locally
        ``ws://127.0.0.1:<port>/realtime``), set for the ticket route.
    ``AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI`` = (unset)
        The WebSocket API's management endpoint (``https://<api>.execute-api.<region>.amazonaws.com/<stage>``;
        locally the local gateway, which answers ``POST /@connections/{id}``), set for the realtime worker.
    ``QUEUE_URL_EMAIL`` = (unset)
        The notification email queue, set for the dispatcher (one message per event and opted-in account);
        unset: no email is queued.
    ``EMAIL_FROM`` = (unset)
        The sender of notification emails (``Name <address>`` or an address), an address of the SES identity the
        email worker may send as (CDK: the stage's ``email_identity``; ``make dev``: a verified moto identity);
        unset: the email worker sends nothing (each message is dropped, logged).
    """

    ENV_PREFIX: ClassVar[str] = ""

    table_prefix: str = "intentbid-local-"
    aws_region: str = ""
    aws_default_region: str = ""
    stage: str = ""
    powertools_service_name: str = "intentbid"
    powertools_metrics_namespace: str = "IntentBid"
    log_level: str = "INFO"
    expiry_state_machine_arn: str = ""
    public_base_url: str = ""
    webhook_secrets_key_arn: str = ""
    queue_url_webhook: str = ""
    queue_url_webhook_dlq: str = ""
    queue_url_realtime: str = ""
    realtime_url: str = ""
    aws_endpoint_url_apigatewaymanagementapi: str = ""
    queue_url_email: str = ""
    email_from: str = ""

    def __post_init__(self) -> None:
        _validate_fields(self)
        arn, url = self.expiry_state_machine_arn, self.public_base_url
        if arn and not arn.startswith("arn:"):
            raise ValueError(f"EXPIRY_STATE_MACHINE_ARN: expected an ARN (arn:...), got {arn!r}")
        key = self.webhook_secrets_key_arn
        if key and not key.startswith("arn:"):
            raise ValueError(f"WEBHOOK_SECRETS_KEY_ARN: expected an ARN (arn:...), got {key!r}")
        if url and not url.startswith(("https://", "http://")):
            raise ValueError(f"PUBLIC_BASE_URL: expected an http(s):// URL, got {url!r}")
        if self.realtime_url and not self.realtime_url.startswith(("wss://", "ws://")):
            raise ValueError(f"REALTIME_URL: expected a ws(s):// URL, got {self.realtime_url!r}")

    @property
    def region(self) -> str:
        return self.aws_region or self.aws_default_region or "us-east-1"


@dataclass(frozen=True, slots=True)
class Settings:
    offers: OfferPolicy = field(default_factory=OfferPolicy)
    limits: Limits = field(default_factory=Limits)
    cooldown: CooldownPolicy = field(default_factory=CooldownPolicy)
    flags: FlagPolicy = field(default_factory=FlagPolicy)
    keys: KeyPolicy = field(default_factory=KeyPolicy)
    rate_limits: RateLimits = field(default_factory=RateLimits)
    auth: AuthPolicy = field(default_factory=AuthPolicy)
    clock: ClockSettings = field(default_factory=ClockSettings)
    webhooks: WebhookPolicy = field(default_factory=WebhookPolicy)
    realtime: RealtimePolicy = field(default_factory=RealtimePolicy)
    deployment: Deployment = field(default_factory=Deployment)

    def __post_init__(self) -> None:
        stage = self.deployment.stage
        if self.webhooks.webhook_allow_local and stage not in LOCAL_STAGES:
            raise ValueError(
                f"{env_name('webhook_allow_local')}: loopback receivers are for the local runtime only "
                f"(STAGE local or unset), not stage {stage!r}"
            )


GROUPS: dict[str, type[Any]] = {
    "offers": OfferPolicy,
    "limits": Limits,
    "cooldown": CooldownPolicy,
    "flags": FlagPolicy,
    "keys": KeyPolicy,
    "rate_limits": RateLimits,
    "auth": AuthPolicy,
    "clock": ClockSettings,
    "webhooks": WebhookPolicy,
    "realtime": RealtimePolicy,
    "deployment": Deployment,
}


def _parse_text(var: str, text: str, name: str) -> str:
    allowed = CHOICES.get(name)
    if allowed is None:
        return text
    for choice in allowed:
        if text.upper() == choice:
            return choice
    raise ValueError(f"{var}: expected one of {', '.join(allowed)}, got {text!r}")


def _parse_bool(var: str, text: str, name: str) -> bool:
    low = text.lower()
    if low in _TRUE or low in _FALSE:
        return low in _TRUE
    raise ValueError(f"{var}: expected true/false (or 1/0, yes/no, on/off), got {text!r}")


def _parse_rate(var: str, text: str, name: str) -> Rate:
    if text == "0":
        return OFF
    quota, slash, window = text.partition("/")
    try:
        rate = Rate(int(quota, 10), int(window, 10))
    except ValueError:
        rate = None
    if not slash or rate is None or rate.quota < 0 or rate.window_s <= 0:
        raise ValueError(f"{var}: expected <quota>/<window_s> (e.g. 120/60, window_s > 0) or 0 (off), got {text!r}")
    return rate


def _parse_int(var: str, text: str, name: str) -> int:
    try:
        return int(text, 10)
    except ValueError:
        raise ValueError(f"{var}: expected a whole number, got {text!r}") from None


def _parse_decimal(var: str, text: str, name: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{var}: expected a decimal number, got {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"{var}: expected a finite decimal number, got {text!r}")
    return value


_PARSERS: dict[Any, Callable[[str, str, str], Any]] = {
    str: _parse_text,
    bool: _parse_bool,
    Rate: _parse_rate,
    int: _parse_int,
    Decimal: _parse_decimal,
}


def _load_group(cls: type[Any], environ: Mapping[str, str]) -> Any:
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        var = variable(cls, f.name)
        raw = environ.get(var)
        if raw is None or not raw.strip():
            continue
        kwargs[f.name] = _PARSERS[hints[f.name]](var, raw.strip(), f.name)
    return cls(**kwargs)


def _refuse_unknown_rate_limits(environ: Mapping[str, str]) -> None:
    known = {env_name(f.name) for f in fields(RateLimits)}
    for var in environ:
        if var.startswith(RATE_LIMIT_PREFIX) and var not in known:
            names = ", ".join(sorted(v.removeprefix(RATE_LIMIT_PREFIX) for v in known))
            raise ValueError(f"{var}: unknown rate limit; known: {RATE_LIMIT_PREFIX}{{{names}}}")


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from ``environ`` (default: ``os.environ``); raises ``ValueError`` naming the bad
    variable and what it allows."""
    env = os.environ if environ is None else environ
    _refuse_unknown_rate_limits(env)
    return Settings(**{name: _load_group(cls, env) for name, cls in GROUPS.items()})


@cache
def settings() -> Settings:
    """The process-wide settings, loaded once (cold start)."""
    return load()


def reload() -> None:
    """Forget the loaded settings: the next :func:`settings` reads the environment again (tests, the local
    runtime and :func:`intentbid.store.base.bind`, after they change the environment)."""
    settings.cache_clear()


def cold_start() -> Settings:
    """Every function's entry point calls this at import: load and validate the settings (a bad value fails the
    cold start, naming the variable) and apply the process-wide ones (the clock's offset)."""
    from intentbid.domain import clock  # stdlib only; here so that config stays the bottom of the import graph

    s = settings()
    clock.set_offset(float(s.clock.clock_offset_s))
    return s


__all__ = [
    "CHOICES",
    "GROUPS",
    "OFF",
    "PREFIX",
    "AuthPolicy",
    "ClockSettings",
    "CooldownPolicy",
    "Deployment",
    "FlagPolicy",
    "KeyPolicy",
    "Limits",
    "OfferPolicy",
    "Rate",
    "RateLimits",
    "RealtimePolicy",
    "Settings",
    "WebhookPolicy",
    "cold_start",
    "env_name",
    "load",
    "reload",
    "settings",
    "variable",
]

"""Load test: many vendors submit and revise offers concurrently against the local runtime over real HTTP
(loopback only), and every single answer is checked against the rules.

    python bench/load.py [--vendors 50] [--requests 40] [--seed 1] [--url http://127.0.0.1:8080]

Without ``--url`` it starts its own runtime (``python -m intentbid_local.run``) with the rule settings below
in its environment, and stops it at the end. With ``--url`` the runtime must run with the same settings:
``python bench/load.py --print-env`` prints them (``env $(python bench/load.py --print-env) make dev``).

What it does, bounded in count (``--vendors x --requests``) and time (``--max-seconds``):

1. Setup: one buyer posts ``--rfos`` OPEN RFOs (USD, quantity 10, budget 100000, need_by in 10 days), one
   CLOSED and one EXPIRED RFO; a separate vendor makes one offer (the "foreign" offer for the 404 probe);
   the vendors register. Each vendor has its own API key and its own keep-alive connection.
2. Mixed load: every vendor runs its own seeded plan (``--seed``; per vendor ``Random(f"{seed}:{i}")``) of
   ``--requests`` offers and revisions: valid ones, invalid ones (price below and above the band, currency,
   quantity, delivery after need_by, delivery in the past, valid_until in the past, availability not
   confirmed, several rules at once, two schema errors, malformed JSON, unknown RFO, CLOSED RFO, EXPIRED
   RFO - in one rotation across the run, so every rule is hit once there are 15 invalid submissions - plus
   someone else's offer and an empty revision) and over-limit ones (a 4th offer on an RFO, revisions faster
   than the interval, more revisions than allowed). About one vendor in five is a "spammer" whose plan leans
   on over-limit requests, so automatic cooldowns happen too. Requests are sequential within a vendor and
   concurrent across vendors (all start at one barrier).
3. Expectations: before each request the vendor's model of the rules (its offers per RFO, revisions and last
   change per offer, violations, strikes and cooldown) gives the EXPECTED status and code (and the fields of
   a 400); the answer must be exactly that. Only time can make two answers legal: when the server's clock at
   the request (somewhere between sending and receiving) may fall either side of a revision interval, a
   cooldown end or an hour boundary, both answers are allowed, checked exactly afterwards from the server's
   timestamps where the answer carries them, and counted as "timing-ambiguous" in the table.
4. Races: several vendors, each with several connections, submit at once on one fresh RFO (each vendor must
   get exactly ``max_offers_per_rfo`` admitted); several connections of one vendor revise one offer at once
   (exactly one revision admitted).
5. Verification through the API: each vendor's offers (``GET /v1/vendors/{id}/offers``) are exactly the
   accepted ones, and every accepted offer is in the buyer's ranking of its RFO with its last accepted price
   (nothing lost, nothing extra).

Checks: zero 5xx, zero transport errors, every answer as expected, accepted offers == what the rules allow
(no overshoot under concurrency), nothing lost. Prints a table: requests, duration, throughput, p50/p95/p99
latency, counts by status/code and by intent. Exits 1 when a check fails.

Per-key rate limits stay at the product default (120 requests/min per key): each vendor key sends at most
``--requests`` + 2 requests in the run, and ``--requests`` is refused above 110 unless the runtime is ours
(then ``INTENTBID_RATE_LIMIT_VENDOR`` is raised to fit and the table says so).

Connections: every vendor keeps one HTTP/1.1 connection alive, and connections are opened one after another
before the barrier. The local gateway listens with a backlog of 5 (``socketserver``'s default), so a burst
of simultaneous new connections overflows it and some are reset by the kernel before the gateway reads
them; a real SDK keeps connections alive anyway. See bench/README.md.

Importable: ``run(url, LoadConfig(...), Rules(...))`` returns a :class:`LoadReport` (``problems`` is empty
when every check passed; ``table()`` is the printout). ``tests/e2e/test_load.py`` runs a reduced size.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]

# --- HTTP: keep-alive connections ------------------------------------------------------------------------


class TransportError(Exception):
    """No HTTP answer: the connection failed, was reset or timed out."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: Any
    sent_at: float  # epoch seconds (this host's clock, which the loopback runtime shares)
    received_at: float
    latency_ms: float

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None

    @property
    def fields(self) -> tuple[tuple[str, str], ...]:
        errs = self.body.get("errors") if isinstance(self.body, dict) else None
        return tuple((str(e.get("field")), str(e.get("code"))) for e in errs or [])


class Connection:
    """One HTTP/1.1 keep-alive connection (``http.client``). Reconnects only before a request, when the
    connection was closed by the server or sat idle for longer than the gateway keeps idle connections."""

    IDLE_S = 45.0  # the local gateway ends idle keep-alive connections after 60 s

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self._last = 0.0

    def connect(self) -> Connection:
        self.close()
        self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self._conn.connect()
        except OSError as exc:
            self._conn = None
            raise TransportError(f"connect: {type(exc).__name__}: {exc}") from None
        self._last = time.monotonic()
        return self

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(
        self,
        method: str,
        path: str,
        json_body: Any = None,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Response:
        if self._conn is None or time.monotonic() - self._last > self.IDLE_S:
            self.connect()
        assert self._conn is not None
        hdrs = {"Accept": "application/json", **(headers or {})}
        data = body
        if json_body is not None:
            data = json.dumps(json_body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        if key is not None:
            hdrs["Authorization"] = f"Bearer {key}"
        sent, started = time.time(), time.perf_counter()
        try:
            self._conn.request(method, path, body=data, headers=hdrs)
            resp = self._conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise TransportError(f"{method} {path}: {type(exc).__name__}: {exc}") from None
        latency = (time.perf_counter() - started) * 1000
        received = time.time()
        self._last = time.monotonic()
        resp_headers = {k.lower(): v for k, v in resp.getheaders()}
        if resp.will_close:
            self.close()
        parsed: Any = raw
        if raw and "json" in resp_headers.get("content-type", ""):
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw
        return Response(resp.status, resp_headers, parsed, sent, received, latency)


class Pool:
    """A thread-safe pool of keep-alive connections, opened one after another up front (see the module
    docstring: simultaneous new connections overflow the local gateway's listen backlog)."""

    def __init__(self, url: str, size: int) -> None:
        self.url = url
        self._free: list[Connection] = [Connection(url).connect() for _ in range(size)]
        self._cv = threading.Condition()

    def request(self, method: str, path: str, json_body: Any = None, **kw: Any) -> Response:
        with self._cv:
            self._cv.wait_for(lambda: bool(self._free))
            conn = self._free.pop()
        try:
            return conn.request(method, path, json_body, **kw)
        finally:
            with self._cv:
                self._free.append(conn)
                self._cv.notify()

    def close(self) -> None:
        with self._cv:
            for c in self._free:
                c.close()


def connections(url: str, n: int) -> list[Connection]:
    """``n`` open connections, opened one after another."""
    return [Connection(url).connect() for _ in range(n)]


# --- the rules ---------------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class LoadConfig:
    vendors: int = 50
    requests: int = 40  # per vendor
    rfos: int = 4
    seed: int = 1
    max_seconds: float = 300.0  # the mixed phase stops issuing requests after this
    spammer_share: float = 0.2
    race_vendors: int = 5
    race_threads: int = 8  # connections per race vendor (and racing revisions)

    def validate(self, rules: Rules) -> None:
        if self.requests + 2 > rules.vendor_quota_per_min:
            raise ValueError(
                f"{self.requests} requests per vendor key exceed the per-key limit of {rules.vendor_quota_per_min}/min "
                "(rate_limited answers are not modelled): raise INTENTBID_RATE_LIMIT_VENDOR and pass --vendor-quota"
            )
        if self.max_seconds >= rules.cooldown_window_s:
            raise ValueError("--max-seconds must stay below the cooldown violation window (violations are all in it)")
        if self.vendors < 1 or self.requests < 1 or self.rfos < 1:
            raise ValueError("--vendors, --requests and --rfos must be >= 1")


# --- the world ---------------------------------------------------------------------------------------------

QUANTITY, BUDGET, CURRENCY, NEED_BY_DAYS = 10, 100_000, "USD", 10


@dataclass
class RfoInfo:
    id: str
    state: str  # open | closed | expired
    quantity: int = QUANTITY
    budget_max: int = BUDGET
    currency: str = CURRENCY
    need_by: float = 0.0  # epoch


@dataclass
class Account:
    kind: str
    id: str
    key: str


@dataclass
class World:
    url: str
    buyer: Account
    open_rfos: list[RfoInfo]
    closed_rfo: RfoInfo
    expired_rfo: RfoInfo
    foreign_offer: dict[str, Any]
    vendors: list[Account]
    setup_requests: int = 0
    invalid_rotation: Iterator[int] = field(default_factory=itertools.count)  # next() is atomic in CPython


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def epoch(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class SetupError(RuntimeError):
    pass


def _ok(resp: Response, status: int, what: str) -> Any:
    if resp.status != status:
        raise SetupError(f"{what}: expected {status}, got {resp.status}: {resp.body!r}")
    return resp.body


def register(pool: Pool, kind: str, tag: str) -> Account:
    u = uuid.uuid4().hex[:10]
    body = _ok(
        pool.request("POST", f"/v1/{kind}s/register", {"name": f"load {tag} {u}", "email": f"{kind}-{u}@load.example"}),
        201,
        f"register a {kind}",
    )
    return Account(kind, body[kind]["id"], body["api_key"])


def rfo_body(expires_at: float, title: str = "load") -> dict[str, Any]:
    now = time.time()
    return {
        "title": title,
        "category": "office-supplies",
        "quantity": QUANTITY,
        "unit": "box",
        "budget_max": BUDGET,
        "currency": CURRENCY,
        "delivery_region": "eu-west",
        "need_by": iso(now + NEED_BY_DAYS * 86400),
        "expires_at": iso(expires_at),
    }


def create_rfo(pool: Pool, buyer: Account, expires_in: float, title: str = "load") -> RfoInfo:
    body = _ok(pool.request("POST", "/v1/rfos", rfo_body(time.time() + expires_in, title), key=buyer.key), 201, "RFO")
    return RfoInfo(body["id"], "open", need_by=epoch(body["need_by"]))


def valid_offer(rng: random.Random, rules: Rules, rfo: RfoInfo) -> dict[str, Any]:
    low, high = rules.band(rfo)
    return {
        "unit_price": rng.randint(low * 4, high // 2),
        "currency": rfo.currency,
        "quantity_available": rng.randint(1, rfo.quantity * 2),
        "eta_days": rng.randint(1, NEED_BY_DAYS - 2),
        "availability_confirmed": True,
        "valid_until": iso(time.time() + 5 * 86400),
    }


def setup(url: str, config: LoadConfig, rules: Rules, log: Callable[[str], None]) -> World:
    pool = Pool(url, 4)
    n0 = 0
    try:
        buyer = register(pool, "buyer", "buyer")
        expired = create_rfo(pool, buyer, 1.5, "load expired")
        expired_at = time.time() + 1.5
        open_rfos = [create_rfo(pool, buyer, 2 * 3600, f"load {i}") for i in range(config.rfos)]
        closed = create_rfo(pool, buyer, 2 * 3600, "load closed")
        _ok(pool.request("POST", f"/v1/rfos/{closed.id}/close", {"reason": "load"}, key=buyer.key), 200, "close")
        closed.state = "closed"
        outsider = register(pool, "vendor", "outsider")
        foreign = _ok(
            pool.request(
                "POST",
                f"/v1/rfos/{open_rfos[0].id}/offers",
                valid_offer(random.Random(config.seed), rules, open_rfos[0]),
                key=outsider.key,
            ),
            201,
            "the foreign offer",
        )
        results: list[Account | None] = [None] * config.vendors
        errors: list[BaseException] = []

        def reg(i: int) -> None:
            try:
                results[i] = register(pool, "vendor", f"v{i}")
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=reg, args=(i,)) for i in range(config.vendors)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        time.sleep(max(0.0, expired_at + 0.3 - time.time()))
        expired.state = "expired"
        n0 = 4 + config.rfos + config.vendors
        log(f"setup: 1 buyer, {config.rfos} open + 1 closed + 1 expired RFOs, {config.vendors} vendors")
        return World(url, buyer, open_rfos, closed, expired, foreign, [a for a in results if a], n0)
    finally:
        pool.close()


# --- the model of one vendor -------------------------------------------------------------------------------

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
            return {(400, "validation_failed", (("$", "value_error"),))}
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
            return f"revision_cooldown with Retry-After {retry} does not fit not_before {iso(not_before)}"
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


# --- a vendor's plan ---------------------------------------------------------------------------------------

INVALID_SUBMISSIONS = (
    "price_low",
    "price_high",
    "currency",
    "quantity_high",
    "eta_after_need_by",
    "delivery_past",
    "valid_until_past",
    "not_confirmed",
    "several_rules",
    "schema_price_zero",
    "schema_notes_too_long",
    "invalid_json",
    "unknown_rfo",
    "closed_rfo",
    "expired_rfo",
)
NORMAL = {
    "submit_valid": 34,
    "submit_over_limit": 3,
    "submit_invalid": 26,
    "revise_valid": 20,
    "revise_fast": 4,
    "revise_invalid": 4,
    "revise_over_limit": 2,
    "revise_empty": 2,
    "revise_foreign": 5,
}
SPAMMER = {
    "submit_valid": 20,
    "submit_over_limit": 25,
    "submit_invalid": 15,
    "revise_valid": 10,
    "revise_fast": 22,
    "revise_invalid": 2,
    "revise_over_limit": 4,
    "revise_empty": 1,
    "revise_foreign": 1,
}


@dataclass
class Record:
    vendor: int
    index: int
    intent: str
    method: str
    path: str
    outcomes: set[Outcome]
    response: Response | None = None
    error: str | None = None  # transport error
    mismatch: str | None = None

    @property
    def ambiguous(self) -> bool:
        return len(self.outcomes) > 1

    def describe(self) -> str:
        answer = ""
        if self.response is not None:
            body = self.response.body
            shown = json.dumps(body)[:300] if isinstance(body, dict) else repr(body)[:100]
            answer = f" -> {self.response.status} {shown}"
        head = f"vendor {self.vendor} #{self.index} {self.intent}: {self.method} {self.path}"
        return f"{head}: {self.mismatch or ''}{answer}"


class VendorRun:
    """One vendor's sequential plan: pick an intent (seeded), resolve it against the vendor's state, compute
    the expected outcomes, send, check, update the model."""

    def __init__(self, index: int, account: Account, world: World, config: LoadConfig, rules: Rules) -> None:
        self.index, self.account, self.world, self.config, self.rules = index, account, world, config, rules
        self.rng = random.Random(f"{config.seed}:{index}")
        self.spammer = self.rng.random() < config.spammer_share
        self.weights = SPAMMER if self.spammer else NORMAL
        self.model = VendorModel(rules)
        self.records: list[Record] = []
        self.last_invalid = ""
        self.rfos = {r.id: r for r in [*world.open_rfos, world.closed_rfo, world.expired_rfo]}

    # -- target choices (deterministic given the seed and the vendor's state)

    def _room(self) -> list[RfoInfo]:
        return [r for r in self.world.open_rfos if self.model.per_rfo[r.id] < self.rules.max_offers_per_rfo]

    def _revisable(self) -> list[OfferState]:
        return [o for o in self.model.offers.values() if o.revisions < self.rules.max_revisions]

    def _oldest(self, offers: list[OfferState]) -> OfferState:
        return min(offers, key=lambda o: o.updated_at)

    def resolve(self, intent: str) -> str:
        """Degrade an intent that has no target yet (e.g. a revision before any offer) to one that has."""
        if intent in ("revise_valid", "revise_invalid") and not self._revisable():
            return "submit_valid" if self._room() or not self.model.offers else "revise_over_limit"
        if intent in ("revise_fast", "revise_over_limit") and not self.model.offers:
            return "submit_valid"
        if intent == "submit_valid" and not self._room() and self._revisable():
            return "revise_valid"
        return intent

    def submission(self, intent: str) -> tuple[RfoInfo | None, str, Any, bytes | None]:  # noqa: PLR0912
        """(rfo, path, json body or None, raw body)."""
        rng, rules = self.rng, self.rules
        if intent == "submit_over_limit":
            full = [r for r in self.world.open_rfos if self.model.per_rfo[r.id] >= rules.max_offers_per_rfo]
            most = max(self.model.per_rfo[r.id] for r in self.world.open_rfos)
            rfo = rng.choice(full or [r for r in self.world.open_rfos if self.model.per_rfo[r.id] == most])
            return rfo, f"/v1/rfos/{rfo.id}/offers", valid_offer(rng, rules, rfo), None
        if intent == "submit_valid":
            rfo = rng.choice(self._room() or self.world.open_rfos)
            return rfo, f"/v1/rfos/{rfo.id}/offers", valid_offer(rng, rules, rfo), None
        # Invalid kinds in one rotation across the run, so that every rule is exercised once the run has made as
        # many invalid submissions as there are rules (which vendor sends which kind depends on scheduling).
        kind = INVALID_SUBMISSIONS[next(self.world.invalid_rotation) % len(INVALID_SUBMISSIONS)]
        self.last_invalid = kind
        rfo = rng.choice(self.world.open_rfos)
        body = valid_offer(rng, rules, rfo)
        low, high = rules.band(rfo)
        now = time.time()
        raw = None
        match kind:
            case "price_low":
                body["unit_price"] = rng.randint(1, low - 1)
            case "price_high":
                body["unit_price"] = rng.randint(high + 1, high * 3)
            case "currency":
                body["currency"] = "EUR"
            case "quantity_high":
                body["quantity_available"] = rfo.quantity * rules.quantity_max_over_ratio + rng.randint(1, 50)
            case "eta_after_need_by":
                body["eta_days"] = NEED_BY_DAYS + rng.randint(2, 30)
            case "delivery_past":
                del body["eta_days"]
                body["delivery_date"] = iso(now - rng.randint(2, 30) * 3600)
            case "valid_until_past":
                body["valid_until"] = iso(now - rng.randint(2, 30) * 3600)
            case "not_confirmed":
                body["availability_confirmed"] = False
            case "several_rules":
                body["unit_price"], body["currency"], body["availability_confirmed"] = high + 1, "EUR", False
            case "schema_price_zero":
                body["unit_price"] = 0
            case "schema_notes_too_long":
                body["notes"] = "n" * 2001
            case "invalid_json":
                body, raw = None, b'{"unit_price": 1000, "currency": '
            case "unknown_rfo":
                return None, "/v1/rfos/rfo_01LOAD0000000000000000UNKNWN/offers", body, None
            case "closed_rfo":
                rfo = self.world.closed_rfo
            case "expired_rfo":
                rfo = self.world.expired_rfo
        return rfo, f"/v1/rfos/{rfo.id}/offers", body, raw

    def revision(self, intent: str) -> tuple[OfferState | None, str, dict[str, Any]]:
        """(own offer or None for the foreign one, offer id, body); waits for the interval where the intent is
        an admissible revision."""
        rng, rules = self.rng, self.rules
        if intent == "revise_foreign":
            return None, self.world.foreign_offer["id"], {"unit_price": self.world.foreign_offer["unit_price"] - 1}
        offers = list(self.model.offers.values())
        if intent == "revise_empty":
            offer = rng.choice(offers) if offers else None
            return offer, offer.id if offer else self.world.foreign_offer["id"], {}
        if intent == "revise_fast":
            offer = max(offers, key=lambda o: o.updated_at)
        elif intent == "revise_over_limit":
            at_max = [o for o in offers if o.revisions >= rules.max_revisions]
            offer = rng.choice(at_max) if at_max else self._oldest(offers)
        else:
            offer = self._oldest(self._revisable())
            wait = offer.updated_at + rules.revision_interval_s + 0.05 - time.time()
            if wait > 0:
                time.sleep(wait)
        rfo = self.rfos[offer.rfo_id]
        low, high = rules.band(rfo)
        if intent == "revise_invalid":
            price = rng.choice([rng.randint(1, low - 1), rng.randint(high + 1, high * 2)])
        else:
            price = max(low, offer.unit_price - rng.randint(1, max(1, offer.unit_price // 30)))
        return offer, offer.id, {"unit_price": price}

    # -- the loop

    def run(self, conn: Connection, start: threading.Barrier, deadline: float) -> None:
        start.wait()
        for i in range(self.config.requests):
            if time.monotonic() > deadline:
                break
            intent = self.resolve(self.rng.choices(list(self.weights), weights=list(self.weights.values()))[0])
            self.records.append(self.step(conn, i, intent))

    def step(self, conn: Connection, i: int, intent: str) -> Record:
        key = self.account.key
        if intent.startswith("submit"):
            rfo, path, body, raw = self.submission(intent)
            offer, kind, method = None, "submit", "POST"
        else:
            offer, offer_id, body = self.revision(intent)
            rfo = self.rfos.get(offer.rfo_id) if offer else None
            path, raw, kind, method = f"/v1/offers/{offer_id}", None, "revise", "PATCH"
        if intent == "submit_invalid":
            intent = f"submit_invalid:{self.last_invalid}"
        rec = Record(self.index, i, intent, method, path, set())
        try:
            if raw is not None:
                resp = conn.request(method, path, key=key, body=raw, headers={"Content-Type": "application/json"})
            else:
                resp = conn.request(method, path, body, key=key)
        except TransportError as exc:
            rec.error = str(exc)
            return rec
        t0, t1 = resp.sent_at, resp.received_at
        if kind == "submit":
            rec.outcomes = self.model.expect_submit(rfo, body if raw is None else None, t0, t1)
        else:
            rec.outcomes = self.model.expect_revise(offer, rfo, body, t0, t1)
        rec.response = resp
        rec.mismatch = check_answer(resp, rec.outcomes, self.model, offer, body if isinstance(body, dict) else None)
        self.model.apply(resp, offer, rfo, kind)
        return rec


# --- races -------------------------------------------------------------------------------------------------


@dataclass
class RaceResult:
    name: str
    answers: Counter[tuple[int, str | None]]
    problems: list[str]


def race(conns: list[Connection], calls: list[Callable[[Connection], Response]]) -> list[Response | str]:
    """Run ``calls[i]`` on ``conns[i]``, all released at once by a barrier; transport errors as strings."""
    out: list[Response | str] = [""] * len(calls)
    barrier = threading.Barrier(len(calls))

    def go(i: int) -> None:
        barrier.wait()
        try:
            out[i] = calls[i](conns[i])
        except TransportError as exc:
            out[i] = f"transport error: {exc}"

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out


def tally(results: Iterable[Response | str]) -> Counter[tuple[int, str | None]]:
    return Counter((r.status, r.code) if isinstance(r, Response) else (0, r[:60]) for r in results)


def same_vendor_submission_race(world: World, config: LoadConfig, rules: Rules) -> RaceResult:
    """Several connections of each of several vendors submit at once on one fresh RFO: every vendor must
    get exactly ``max_offers_per_rfo`` offers admitted, the rest 429."""
    pool = Pool(world.url, 2)
    problems: list[str] = []
    try:
        rfo = create_rfo(pool, world.buyer, 3600, "load race")
        racers = [register(pool, "vendor", f"racer{i}") for i in range(config.race_vendors)]
    finally:
        pool.close()
    n = config.race_threads
    conns = connections(world.url, len(racers) * n)
    rng = random.Random(f"{config.seed}:race")
    bodies = [valid_offer(rng, rules, rfo) for _ in conns]
    calls = [
        (lambda c, a=racers[i // n], b=bodies[i]: c.request("POST", f"/v1/rfos/{rfo.id}/offers", b, key=a.key))
        for i in range(len(conns))
    ]
    results = race(conns, calls)
    admitted_ids: set[str] = set()
    for v, racer in enumerate(racers):
        mine = results[v * n : (v + 1) * n]
        ok = [r for r in mine if isinstance(r, Response) and r.status == 201]
        refused = [r for r in mine if isinstance(r, Response) and r.status == 429]
        admitted_ids |= {r.body["id"] for r in ok}
        want = min(n, rules.max_offers_per_rfo)
        if len(ok) != want:
            problems.append(f"race vendor {racer.id}: {len(ok)} admitted of {n} simultaneous submissions, want {want}")
        bad = [r for r in refused if r.code not in ("offer_limit_reached", "vendor_cooldown")]
        if len(ok) + len(refused) != n or bad:
            problems.append(f"race vendor {racer.id}: answers {dict(tally(mine))}")
    ranking = pool_request(world, "GET", f"/v1/rfos/{rfo.id}/ranking", world.buyer.key)
    ranked = {row["offer_id"] for row in ranking.body.get("data", [])} if ranking.status == 200 else set()
    if ranked != admitted_ids:
        problems.append(f"race RFO ranking holds {len(ranked)} offers, {len(admitted_ids)} were admitted")
    for c in conns:
        c.close()
    return RaceResult(f"{len(racers)} vendors x {n} simultaneous submissions, one RFO", tally(results), problems)


def revision_race(world: World, config: LoadConfig, rules: Rules) -> RaceResult:
    """Several connections of one vendor revise the same offer at once, after the interval: exactly one
    revision is admitted; the others are refused (429 revision_cooldown, or 409 when they lost the
    conditional write to the winner)."""
    pool = Pool(world.url, 1)
    try:
        vendor = register(pool, "vendor", "reviser")
        rfo = create_rfo(pool, world.buyer, 3600, "load revision race")
        offer = _ok(
            pool.request(
                "POST", f"/v1/rfos/{rfo.id}/offers", valid_offer(random.Random(0), rules, rfo), key=vendor.key
            ),
            201,
            "the revision race's offer",
        )
    finally:
        pool.close()
    time.sleep(max(0.0, epoch(offer["updated_at"]) + rules.revision_interval_s + 0.1 - time.time()))
    n = config.race_threads
    conns = connections(world.url, n)
    calls = [
        (
            lambda c, p=offer["unit_price"] - 1 - i: c.request(
                "PATCH", f"/v1/offers/{offer['id']}", {"unit_price": p}, key=vendor.key
            )
        )
        for i in range(n)
    ]
    results = race(conns, calls)
    for c in conns:
        c.close()
    problems = []
    answers = tally(results)
    ok = [r for r in results if isinstance(r, Response) and r.status == 200]
    allowed = {(429, "revision_cooldown"), (409, "offer_not_active")}
    if len(ok) != 1 or any(k not in allowed for k in answers if k[0] != 200):
        problems.append(f"revision race: want exactly one 200, the rest {sorted(allowed)}; got {dict(answers)}")
    final = pool_request(world, "GET", f"/v1/offers/{offer['id']}", vendor.key)
    if ok and (final.body.get("revision") != 2 or final.body.get("unit_price") != ok[0].body.get("unit_price")):
        problems.append(f"revision race: the offer ended at {final.body!r}, the admitted revision was {ok[0].body!r}")
    return RaceResult(f"{n} simultaneous revisions of one offer", answers, problems)


def pool_request(world: World, method: str, path: str, key: str) -> Response:
    conn = Connection(world.url).connect()
    try:
        return conn.request(method, path, key=key)
    finally:
        conn.close()


# --- verification through the API --------------------------------------------------------------------------


def paged(conn: Connection, path: str, key: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        sep = "&" if "?" in path else "?"
        resp = conn.request("GET", f"{path}{sep}limit=100" + (f"&cursor={cursor}" if cursor else ""), key=key)
        if resp.status != 200:
            raise SetupError(f"GET {path}: {resp.status} {resp.body!r}")
        out += resp.body["data"]
        cursor = resp.body.get("next_cursor")
        if not cursor:
            return out


def verify(world: World, runs: list[VendorRun]) -> tuple[list[str], dict[str, int]]:
    """Each vendor's offers are exactly its accepted ones; every accepted offer is in its RFO's ranking with
    its last accepted price; no vendor holds more than the limit on an RFO."""
    problems: list[str] = []
    conn = Connection(world.url).connect()
    expected_prices: dict[str, int] = {world.foreign_offer["id"]: world.foreign_offer["unit_price"]}
    by_rfo: defaultdict[str, set[str]] = defaultdict(set)
    by_rfo[world.foreign_offer["rfo_id"]].add(world.foreign_offer["id"])
    listed_total = 1  # the foreign offer
    for run in runs:
        mine = {o.id for o in run.model.offers.values()}
        listed = paged(conn, f"/v1/vendors/{run.account.id}/offers", run.account.key)
        listed_ids = {o["id"] for o in listed}
        listed_total += len(listed_ids)
        if listed_ids != mine:
            problems.append(
                f"vendor {run.index}: the API lists {len(listed_ids)} offers, {len(mine)} were accepted "
                f"(missing {sorted(mine - listed_ids)[:3]}, extra {sorted(listed_ids - mine)[:3]})"
            )
        for rfo_id, n in Counter(o["rfo_id"] for o in listed).items():
            if n > run.rules.max_offers_per_rfo:
                problems.append(f"vendor {run.index}: {n} offers on {rfo_id}, over the limit")
        for o in run.model.offers.values():
            expected_prices[o.id] = o.unit_price
            by_rfo[o.rfo_id].add(o.id)
    ranked_total = 0
    for rfo in world.open_rfos:
        ranking = conn.request("GET", f"/v1/rfos/{rfo.id}/ranking", key=world.buyer.key)
        rows = {row["offer_id"]: row for row in ranking.body.get("data", [])} if ranking.status == 200 else {}
        ranked_total += len(rows)
        lost = by_rfo[rfo.id] - rows.keys()
        extra = rows.keys() - by_rfo[rfo.id]
        if lost or extra:
            problems.append(f"ranking of {rfo.id}: {len(lost)} accepted offers missing, {len(extra)} unknown ones")
        stale = [oid for oid in rows.keys() & by_rfo[rfo.id] if rows[oid]["unit_price"] != expected_prices[oid]]
        if stale:
            problems.append(f"ranking of {rfo.id}: {len(stale)} offers not at their last accepted price")
    conn.close()
    return problems, {"listed": listed_total, "ranked": ranked_total}


# --- the run -----------------------------------------------------------------------------------------------


@dataclass
class LoadReport:
    config: LoadConfig
    rules: Rules
    records: list[Record]
    duration_s: float
    races: list[RaceResult]
    counts: dict[str, int]
    problems: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def answered(self) -> list[Record]:
        return [r for r in self.records if r.response is not None]

    def latencies(self) -> list[float]:
        return sorted(r.response.latency_ms for r in self.answered if r.response)

    def by_status(self) -> Counter[str]:
        return Counter(f"{r.response.status} {r.response.code or ''}".strip() for r in self.answered if r.response)

    def table(self) -> str:
        return format_table(self)


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(p / 100 * len(sorted_values)) - 1))]


def run(url: str, config: LoadConfig, rules: Rules, log: Callable[[str], None] = print) -> LoadReport:
    config.validate(rules)
    world = setup(url, config, rules, log)
    runs = [VendorRun(i, a, world, config, rules) for i, a in enumerate(world.vendors)]
    conns = connections(url, len(runs))
    barrier = threading.Barrier(len(runs) + 1)
    deadline = time.monotonic() + config.max_seconds
    errors: list[str] = []

    def guarded(vr: VendorRun, conn: Connection) -> None:
        try:
            vr.run(conn, barrier, deadline)
        except Exception as exc:  # a bug in the bench itself must not look like a pass
            errors.append(f"vendor {vr.index} crashed: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=guarded, args=(vr, c)) for vr, c in zip(runs, conns, strict=True)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    duration = time.perf_counter() - started
    for c in conns:
        c.close()
    log(f"mixed load done in {duration:.1f}s; races and verification follow")
    records = [rec for vr in runs for rec in vr.records]
    races = [same_vendor_submission_race(world, config, rules), revision_race(world, config, rules)]
    verified, counts = verify(world, runs)
    problems = list(errors)
    planned = config.vendors * config.requests
    if len(records) != planned:
        problems.append(f"only {len(records)} of {planned} requests were sent within --max-seconds")
    problems += [f"5xx: {r.describe()}" for r in records if r.response and r.response.status >= 500]
    problems += [
        f"transport error: vendor {r.vendor} #{r.index} {r.method} {r.path}: {r.error}" for r in records if r.error
    ]
    problems += [
        f"unexpected: {r.describe()}" for r in records if r.mismatch and not (r.response and r.response.status >= 500)
    ]
    for race_result in races:
        problems += race_result.problems
    problems += verified
    accepted = sum(1 for r in records if r.response and r.response.status == 201) + 1  # + the foreign offer
    if counts["listed"] != accepted or counts["ranked"] != accepted:
        problems.append(
            f"{accepted} offers were admitted (201), the vendors' lists hold {counts['listed']}, "
            f"the rankings {counts['ranked']}"
        )
    counts |= {"accepted": accepted, "setup_requests": world.setup_requests}
    return LoadReport(config, rules, records, duration, races, counts, problems)


def format_table(rep: LoadReport) -> str:
    lat = rep.latencies()
    n = len(rep.records)
    answered = len(rep.answered)
    five = sum(1 for r in rep.answered if r.response and r.response.status >= 500)
    cooled = {r.vendor for r in rep.answered if r.response and r.response.code == "vendor_cooldown"}
    lines = [
        f"IntentBid load: {rep.config.vendors} vendors x {rep.config.requests} requests, seed {rep.config.seed}, "
        f"{rep.config.rfos} open RFOs; rules: {rep.rules.max_offers_per_rfo} offers/vendor/RFO, "
        f"{rep.rules.max_revisions} revisions/offer, {rep.rules.revision_interval_s} s between revisions, "
        f"cooldown after {rep.rules.cooldown_threshold} violations, per-key limit {rep.rules.vendor_quota_per_min}/min",
        "",
        f"  {'requests (mixed phase)':<34}{n:>10}",
        f"  {'answered':<34}{answered:>10}",
        f"  {'duration s':<34}{rep.duration_s:>10.2f}",
        f"  {'throughput req/s':<34}{(answered / rep.duration_s if rep.duration_s else 0):>10.1f}",
        f"  {'latency ms p50':<34}{percentile(lat, 50):>10.1f}",
        f"  {'latency ms p95':<34}{percentile(lat, 95):>10.1f}",
        f"  {'latency ms p99':<34}{percentile(lat, 99):>10.1f}",
        f"  {'latency ms max':<34}{(lat[-1] if lat else float('nan')):>10.1f}",
        f"  {'5xx':<34}{five:>10}",
        f"  {'transport errors':<34}{sum(1 for r in rep.records if r.error):>10}",
        f"  {'answers not as expected':<34}{sum(1 for r in rep.records if r.mismatch):>10}",
        f"  {'timing-ambiguous (both legal)':<34}{sum(1 for r in rep.answered if r.ambiguous):>10}",
        f"  {'offers admitted (201, + 1 setup)':<34}{rep.counts['accepted']:>10}",
        f"  {'  held in the vendors lists':<34}{rep.counts['listed']:>10}",
        f"  {'  in the buyer rankings':<34}{rep.counts['ranked']:>10}",
        f"  {'vendors cooling down (429 answers)':<34}{len(cooled):>10}",
        "",
        "  by status and code",
    ]
    for key, count in sorted(rep.by_status().items()):
        lines.append(f"    {key:<32}{count:>10}")
    lines += ["", "  by intent (answers)"]
    intents: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for r in rep.answered:
        if r.response:
            intents[r.intent][f"{r.response.status} {r.response.code or ''}".strip()] += 1
    for intent in sorted(intents):
        detail = ", ".join(f"{k} x{v}" for k, v in sorted(intents[intent].items()))
        lines.append(f"    {intent:<20}{sum(intents[intent].values()):>6}  {detail}")
    lines += ["", "  races"]
    for race_result in rep.races:
        detail = ", ".join(f"{s} {c or ''}".strip() + f" x{v}" for (s, c), v in sorted(race_result.answers.items()))
        lines.append(f"    {race_result.name}: {detail}  {'OK' if not race_result.problems else 'FAILED'}")
    for note in rep.notes:
        lines.append(f"  note: {note}")
    lines += ["", f"  checks: {'all passed' if not rep.problems else f'{len(rep.problems)} FAILED'}"]
    lines += [f"    - {p}" for p in rep.problems[:40]]
    if len(rep.problems) > 40:
        lines.append(f"    ... and {len(rep.problems) - 40} more")
    return "\n".join(lines)


# --- our own runtime ---------------------------------------------------------------------------------------


class OwnRuntime:
    """``python -m intentbid_local.run`` in a subprocess, on a free port, with ``env`` added."""

    def __init__(self, env: dict[str, str]) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="intentbid-load-"))
        state_file, self.log_path = self.dir / "runtime.json", self.dir / "runtime.log"
        cmd = [sys.executable, "-m", "intentbid_local.run", "--port", "0", "--quiet", "--state-file", str(state_file)]
        child_env = {**os.environ, "PYTHONUNBUFFERED": "1", "TZ": "UTC", **env}
        child_env.pop("AWS_ENDPOINT_URL", None)
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=child_env, cwd=self.dir)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SetupError(f"the runtime exited:\n{self.log_path.read_text()[-3000:]}")
            if state_file.exists():
                self.url = json.loads(state_file.read_text())["url"]
                try:
                    with urllib.request.urlopen(self.url + "/v1/health", timeout=2) as resp:
                        if resp.status == 200:
                            return
                except OSError:
                    pass
            time.sleep(0.2)
        self.stop()
        raise SetupError("the runtime did not start in 90 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--url", help="a running runtime (default: start one)")
    p.add_argument("--vendors", type=int, default=50)
    p.add_argument("--requests", type=int, default=40, help="per vendor")
    p.add_argument("--rfos", type=int, default=4, help="open RFOs")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-seconds", type=float, default=300.0)
    p.add_argument("--race-vendors", type=int, default=5)
    p.add_argument("--race-threads", type=int, default=8)
    p.add_argument("--revision-interval", type=int, default=Rules.revision_interval_s)
    p.add_argument("--max-revisions", type=int, default=Rules.max_revisions)
    p.add_argument("--vendor-quota", type=int, default=Rules.vendor_quota_per_min, help="per-key requests/min")
    p.add_argument("--print-env", action="store_true", help="print the runtime settings the rules assume")
    args = p.parse_args(argv)
    rules = Rules(
        revision_interval_s=args.revision_interval,
        max_revisions=args.max_revisions,
        vendor_quota_per_min=args.vendor_quota,
    )
    notes = []
    if args.url is None and args.requests + 2 > rules.vendor_quota_per_min:
        rules = Rules(
            revision_interval_s=args.revision_interval,
            max_revisions=args.max_revisions,
            vendor_quota_per_min=args.requests * 2,
        )
        notes.append(f"INTENTBID_RATE_LIMIT_VENDOR raised to {rules.vendor_quota_per_min}/60 for this run")
    if args.print_env:
        print("\n".join(f"{k}={v}" for k, v in rules.env().items()))
        return 0
    config = LoadConfig(
        vendors=args.vendors,
        requests=args.requests,
        rfos=args.rfos,
        seed=args.seed,
        max_seconds=args.max_seconds,
        race_vendors=args.race_vendors,
        race_threads=args.race_threads,
    )
    config.validate(rules)
    own = None
    url = args.url
    if url is None:
        print("starting a local runtime ...", flush=True)
        own = OwnRuntime(rules.env())
        url = own.url
    elif urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        print("loopback only: --url must point at 127.0.0.1", file=sys.stderr)
        return 2
    try:
        report = run(url, config, rules, log=lambda s: print(s, flush=True))
    finally:
        if own is not None:
            own.stop()
    started = f" (started by this run; its log: {own.log_path})" if own else ""
    report.notes += [*notes, f"runtime {url}{started}"]
    print()
    print(report.table())
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())

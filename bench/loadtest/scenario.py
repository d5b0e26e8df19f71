"""The load test's scenario: the world it sets up (a buyer, open/closed/expired RFOs, a foreign offer, the
vendors) and each vendor's seeded plan of valid, invalid and over-limit offers and revisions, sent and checked
against the rule model (:mod:`loadtest.model`)."""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from intentbid_local.http_client import Connection, Pool, Response, TransportError
from intentbid_local.testdata import DAY_S, offer_body, rfo_body
from intentbid_local.timefmt import epoch, rfc3339
from loadtest.model import OfferState, Outcome, RfoInfo, Rules, VendorModel, check_answer


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


# The RFOs' terms: 10 boxes for at most 1,000.00 USD, needed in 10 days.
QUANTITY, BUDGET, CURRENCY, NEED_BY_DAYS = 10, 100_000, "USD", 10


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


class SetupError(RuntimeError):
    pass


def expect(resp: Response, status: int, what: str) -> Any:
    if resp.status != status:
        raise SetupError(f"{what}: expected {status}, got {resp.status}: {resp.body!r}")
    return resp.body


def register(pool: Pool, kind: str, tag: str) -> Account:
    u = uuid.uuid4().hex[:10]
    body = expect(
        pool.request("POST", f"/v1/{kind}s/register", {"name": f"load {tag} {u}", "email": f"{kind}-{u}@load.example"}),
        201,
        f"register a {kind}",
    )
    return Account(kind, body[kind]["id"], body["api_key"])


EXPIRED_WINDOW_S = 15.0  # the "expired" RFO's bidding window


def create_rfo(pool: Pool, buyer: Account, expires_in: float, title: str = "load") -> RfoInfo:
    terms = {"quantity": QUANTITY, "budget_max": BUDGET, "currency": CURRENCY}
    body = rfo_body(expires_in_s=expires_in, need_by_in_s=NEED_BY_DAYS * DAY_S, title=title, **terms)
    body = expect(pool.request("POST", "/v1/rfos", body, key=buyer.key), 201, "RFO")
    return RfoInfo(body["id"], "open", QUANTITY, BUDGET, CURRENCY, epoch(body["need_by"]))


def valid_offer(rng: random.Random, rules: Rules, rfo: RfoInfo) -> dict[str, Any]:
    low, high = rules.band(rfo)
    return offer_body(
        unit_price=rng.randint(low * 4, high // 2),
        currency=rfo.currency,
        quantity_available=rng.randint(1, rfo.quantity * 2),
        eta_days=rng.randint(1, NEED_BY_DAYS - 2),
    )


def setup(url: str, config: LoadConfig, rules: Rules, log: Callable[[str], None]) -> World:
    pool = Pool(url, 4)
    n0 = 0
    try:
        buyer = register(pool, "buyer", "buyer")
        open_rfos = [create_rfo(pool, buyer, 2 * 3600, f"load {i}") for i in range(config.rfos)]
        # After the first RFOs. Its bidding window must outlive a careful client's retries of its create (503s
        # under throttling, a crashed attempt's 10 s in-flight window): a retry past the deadline is rightly a
        # 400 in_past (seen under the store faults at 1.5 s).
        expired = create_rfo(pool, buyer, EXPIRED_WINDOW_S, "load expired")
        expired_at = time.time() + EXPIRED_WINDOW_S
        closed = create_rfo(pool, buyer, 2 * 3600, "load closed")
        expect(pool.request("POST", f"/v1/rfos/{closed.id}/close", {"reason": "load"}, key=buyer.key), 200, "close")
        closed.state = "closed"
        outsider = register(pool, "vendor", "outsider")
        foreign = expect(
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
                body["delivery_date"] = rfc3339(now - rng.randint(2, 30) * 3600)
            case "valid_until_past":
                body["valid_until"] = rfc3339(now - rng.randint(2, 30) * 3600)
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

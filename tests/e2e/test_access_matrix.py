"""The access matrix: every route of the route table x principal (anonymous, vendor, buyer, admin) x scope set
x owner / not owner, over real HTTP against the local runtime. Expected statuses come from the route table
(``intentbid.routes``) and the ownership rules (each route's ``ownership``), never from the running system:

- a public route answers its success status to anyone (never 401/403);
- anonymous on any other route: 401 ``unauthenticated``;
- a principal kind the route does not list: 403 ``forbidden``;
- a key without one of the route's scopes: 403 ``insufficient_scope`` (the authorizer decides before any
  object is looked at, so a missing scope is a 403 on another tenant's object too);
- another tenant's object (or another principal named in the path): 404 ``not_found``, never 403;
- otherwise the route's success status, with a valid body (so a 400 would be a failure here too).

Scope sets per kind: ``full`` (every scope of the kind: the registration key), ``required`` (a key narrowed
to exactly the route's scopes, via ``POST /v1/{vendors|buyers}/{id}/keys``) and ``minus:<scope>`` (every
scope of the kind but one the route requires). Admins hold the single scope ``admin``; admin keys are not
made through the API, so admins have only ``full``. Owner / not owner applies where the object belongs to a
tenant of the caller's kind: ``self`` routes (the path names an account), a buyer's RFOs and the offers on
them, a vendor's offers. Routes whose object cannot be owned by the caller's kind (e.g. a vendor reading an
RFO) have one cell, ``-``.

All cells run concurrently on pre-opened keep-alive connections (``intentbid_local.http_client``) once per module;
each parametrized test asserts one cell, so a failure names its cell. Denied cells on changing routes aim at
"victim" objects that must be unchanged afterwards; each allowed cell on a changing route gets a fresh object.

The matrix runs on its own runtime (``runtime_factory``) with the revision interval off, so that an allowed
revision is a 200 and not a 429 ``revision_cooldown``; rate limits stay at their defaults (every key sends
well under 120 requests a minute: the setup uses keys of its own).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from intentbid.domain.principal import KIND_SCOPES
from intentbid.routes import ROUTES, Route
from intentbid_local import http_client
from intentbid_local.testdata import TEN_BOXES, offer_body, rfo_body
from intentbid_local.timefmt import at

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e"), pytest.mark.xdist_group("matrix")]

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("vendor", "buyer", "admin")
PRINCIPALS = ("anonymous", *KINDS)
# Routes that change their object: each allowed cell gets a fresh one (two changes of one RFO at once may
# rightly conflict), and the denied cells aim at a victim that must stay unchanged.
CHANGING = (
    "rfo_close",
    "rfo_award",
    "rfo_reopen",
    "rfo_delete",
    "rfo_weights",
    "public_token_create",
    "public_token_revoke",
    "offer_revise",
    "offer_withdraw",
    "webhook_patch",
    "webhook_delete",
    "webhook_rotate",
)
WEBHOOK_URL = "https://hooks.matrix.example/intentbid"
RUNTIME_ENV = {"INTENTBID_REVISION_MIN_INTERVAL_S": "0", "INTENTBID_AUTH_FAILURES_PER_MINUTE": "0"}
WORKERS = 8


# --- the cells (computed from the route table alone, at collection time) ------------------------------------


def owned_kinds(route: Route) -> frozenset[str]:
    """Kinds for which this route's object can be the caller's own (so "not owner" is a cell)."""
    path = route.path
    if route.ownership == "self":
        return frozenset({"vendor"} if "{vendor_id}" in path else {"buyer"})
    if "{offer_id}" in path or "{webhook_id}" in path:
        return frozenset({"vendor", "buyer"}) & frozenset(route.kinds)
    if "{rfo_id}" in path and route.function != "offer_submit":  # a vendor bids on any OPEN RFO
        return frozenset({"buyer"}) & frozenset(route.kinds)
    return frozenset()


def scope_sets(route: Route, kind: str) -> list[str]:
    if kind == "admin":
        return ["full"]
    full, required = KIND_SCOPES[kind], frozenset(route.scopes)
    sets = ["full"]
    if required and required <= full and required != full:
        sets.append("required")
    sets += [f"minus:{s}" for s in route.scopes if s in full]
    return sets


def held_scopes(kind: str, scope_set: str, route: Route) -> frozenset[str]:
    if scope_set == "full":
        return KIND_SCOPES[kind]
    if scope_set == "required":
        return frozenset(route.scopes)
    return KIND_SCOPES[kind] - {scope_set.removeprefix("minus:")}


@dataclass(frozen=True)
class Cell:
    route: Route
    principal: str
    scopes: str = "-"
    owner: str = "-"

    @property
    def id(self) -> str:
        """e.g. ``rfo_close/buyer/minus(rfos:write)/other``; ``health/anonymous``."""
        scopes = f"minus({self.scopes.removeprefix('minus:')})" if self.scopes.startswith("minus:") else self.scopes
        return "/".join(p for p in (self.route.function, self.principal, scopes, self.owner) if p != "-")

    @property
    def key_scopes(self) -> frozenset[str] | None:
        """The scopes of the caller's key (None: anonymous)."""
        if self.principal == "anonymous":
            return None
        return held_scopes(self.principal, self.scopes, self.route)

    def expected(self) -> tuple[int, str | None]:
        r = self.route
        if r.public:
            return r.status, None
        if self.principal == "anonymous":
            return 401, "unauthenticated"
        if self.principal not in r.kinds:
            return 403, "forbidden"
        held = self.key_scopes or frozenset()
        if not r.allows(self.principal, held):
            return 403, "insufficient_scope"
        if self.owner == "other":
            return 404, "not_found"
        return r.status, None

    @property
    def succeeds(self) -> bool:
        return self.expected()[0] < 400


def all_cells() -> list[Cell]:
    cells: list[Cell] = []
    for route in ROUTES:
        if route.public:
            cells += [Cell(route, p) for p in PRINCIPALS]
            continue
        cells.append(Cell(route, "anonymous"))
        for kind in KINDS:
            owners = ["owner", "other"] if kind in owned_kinds(route) else ["-"]
            cells += [Cell(route, kind, s, o) for s in scope_sets(route, kind) for o in owners]
    return cells


CELLS = all_cells()
BY_ID = {c.id: c for c in CELLS}
assert len(BY_ID) == len(CELLS), "cell ids must be unique"


# --- the world the cells act on -------------------------------------------------------------------------------


@dataclass
class Account:
    kind: str
    id: str
    key: str  # the registration key: every scope of the kind (the "full" cells use it)
    setup_key: str = ""  # a second full key, for the setup (keeps the cell keys' rate-limit budget)
    keys: dict[frozenset[str], str] = field(default_factory=dict)  # narrowed scopes -> secret
    spare: dict[str, str] = field(default_factory=dict)  # key op -> key_id of a throwaway key


@dataclass
class World:
    pool: Any
    buyer: Account  # the caller "A" (owner)
    other_buyer: Account  # "B"
    vendor: Account  # "V" (owner)
    other_vendor: Account  # "W"
    cooling: Account  # the admin cooldown cells' target vendor
    admin_key: str
    rfo: dict[str, Any]  # A's RFO, OPEN: V's and W's offers on it
    other_rfo: dict[str, Any]  # B's RFO, OPEN, W's offer on it
    submit_rfo: dict[str, Any]  # A's RFO for the offer_submit cells
    public_token: str
    offer: dict[str, Any]  # V's offer on A's RFO
    other_offer: dict[str, Any]  # W's offer on A's RFO
    other_rfo_offer: dict[str, Any]  # W's offer on B's RFO
    victims: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (function, a|b) -> object
    victim_offers: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # award victims' offers
    fresh: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # function -> objects for allowed cells
    fresh_award_offers: dict[str, dict[str, Any]] = field(default_factory=dict)  # rfo id -> its offer
    victim_tokens: dict[str, str] = field(default_factory=dict)  # a|b -> the public_token_revoke victims' tokens
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)  # kind -> the owner's endpoint
    other_webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)  # kind -> the other tenant's endpoint
    deliveries: dict[str, str] = field(default_factory=dict)  # kind -> a delivery id of the owner's endpoint
    other_deliveries: dict[str, str] = field(default_factory=dict)  # kind -> one of the other tenant's endpoint


def matrix_offer(price: int = 5000) -> dict[str, Any]:
    return offer_body(unit_price=price, quantity_available=10)  # on a TEN_BOXES RFO


def ok(resp: Any, status: int, what: str) -> Any:
    assert resp.status == status, f"setup: {what}: {resp.status} {resp.body!r}"
    return resp.body


def register(pool: Any, kind: str) -> Account:
    tag = uuid.uuid4().hex[:10]
    body = ok(
        pool.request(
            "POST", f"/v1/{kind}s/register", {"name": f"matrix {tag}", "email": f"{kind}-{tag}@matrix.example"}
        ),
        201,
        f"register {kind}",
    )
    acct = Account(kind, body[kind]["id"], body["api_key"])
    acct.setup_key = ok(
        pool.request("POST", f"/v1/{kind}s/{acct.id}/keys", {"name": "setup"}, key=acct.key), 201, "setup key"
    )["api_key"]
    return acct


def new_key(pool: Any, acct: Account, name: str, scopes: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name}
    if scopes is not None:
        body["scopes"] = sorted(scopes)
    return ok(pool.request("POST", f"/v1/{acct.kind}s/{acct.id}/keys", body, key=acct.setup_key), 201, f"key {name}")


def new_webhook(pool: Any, acct: Account) -> dict[str, Any]:
    body = {"url": WEBHOOK_URL, "events": ["rfo.created"], "description": "matrix"}
    return ok(pool.request("POST", "/v1/webhooks", body, key=acct.setup_key), 201, "webhook")["webhook"]


def new_rfo(pool: Any, buyer: Account, hours: float = 2.0) -> dict[str, Any]:
    return ok(
        pool.request(
            "POST", "/v1/rfos", rfo_body(expires_in_s=hours * 3600, title="matrix", **TEN_BOXES), key=buyer.setup_key
        ),
        201,
        "RFO",
    )


def new_offer(pool: Any, vendor: Account, rfo: dict[str, Any], price: int = 5000) -> dict[str, Any]:
    return ok(
        pool.request("POST", f"/v1/rfos/{rfo['id']}/offers", matrix_offer(price), key=vendor.setup_key), 201, "offer"
    )


def close(pool: Any, buyer: Account, rfo: dict[str, Any]) -> dict[str, Any]:
    return ok(pool.request("POST", f"/v1/rfos/{rfo['id']}/close", {}, key=buyer.setup_key), 200, "close")


def parallel(fns: list[Callable[[], Any]]) -> list[Any]:
    with ThreadPoolExecutor(WORKERS) as ex:
        return list(ex.map(lambda f: f(), fns))


def build_world(pool: Any, admin_key: str) -> World:
    a, b, v, w, x = parallel([lambda k=k: register(pool, k) for k in ("buyer", "buyer", "vendor", "vendor", "vendor")])
    # Narrowed keys: one per set of scopes a cell holds.
    wanted = {
        (c.principal, c.key_scopes)
        for c in CELLS
        if c.principal in ("vendor", "buyer") and c.scopes not in ("full", "-") and c.key_scopes is not None
    }
    owners = {"vendor": v, "buyer": a}
    jobs = []
    for kind, scopes in sorted(wanted, key=lambda ks: (ks[0], sorted(ks[1]))):

        def make(acct: Account = owners[kind], sc: frozenset[str] = scopes) -> None:
            acct.keys[sc] = new_key(pool, acct, f"matrix {len(sc)} scopes", sorted(sc))["api_key"]

        jobs.append(make)
    # Throwaway keys for the key operations, for the owners and the others (targets of "not owner" cells). They
    # hold only keys:manage: a key rotates or patches only keys within its scopes, and the "required" cells'
    # keys hold just keys:manage (a full target would rightly be 403 insufficient_scope).
    for acct in (a, b, v, w):
        for op in ("revoke", "rotate", "patch"):
            jobs.append(
                lambda acct=acct, op=op: acct.spare.__setitem__(
                    op, new_key(pool, acct, f"spare {op}", ["keys:manage"])["key"]["key_id"]
                )
            )
    # A key has one successor: every rotation meant to succeed rotates a key of its own.
    for cell in CELLS:
        if cell.route.function.endswith("_key_rotate") and cell.succeeds and cell.owner != "other":
            acct = owners[cell.route.function.split("_")[0]]
            jobs.append(
                lambda acct=acct, op=f"rotate {cell.id}": acct.spare.__setitem__(
                    op, new_key(pool, acct, f"spare {op}", ["keys:manage"])["key"]["key_id"]
                )
            )
    rfos = parallel(
        [lambda: new_rfo(pool, a), lambda: new_rfo(pool, b), lambda: new_rfo(pool, a), lambda: new_rfo(pool, a)]
    )
    parallel(jobs)
    rfo, other_rfo, submit_rfo, public_rfo = rfos
    offer, other_offer, other_rfo_offer = parallel(
        [lambda: new_offer(pool, v, rfo), lambda: new_offer(pool, w, rfo), lambda: new_offer(pool, w, other_rfo)]
    )
    token = ok(
        pool.request("POST", f"/v1/rfos/{public_rfo['id']}/public-token", {}, key=a.setup_key), 201, "public token"
    )["token"]
    world = World(
        pool, a, b, v, w, x, admin_key, rfo, other_rfo, submit_rfo, token, offer, other_offer, other_rfo_offer
    )
    hooks = parallel([lambda acct=acct: new_webhook(pool, acct) for acct in (v, a, w, b)])
    world.webhooks = {"vendor": hooks[0], "buyer": hooks[1]}
    world.other_webhooks = {"vendor": hooks[2], "buyer": hooks[3]}
    tests = parallel(
        [
            lambda acct=acct, h=h: ok(
                pool.request("POST", f"/v1/webhooks/{h['id']}/test", {}, key=acct.setup_key), 202, "test"
            )
            for acct, h in zip((v, a, w, b), hooks, strict=True)
        ]
    )
    world.deliveries = {"vendor": tests[0]["delivery"]["id"], "buyer": tests[1]["delivery"]["id"]}
    world.other_deliveries = {"vendor": tests[2]["delivery"]["id"], "buyer": tests[3]["delivery"]["id"]}
    prepare_objects(world)
    return world


def prepare_objects(world: World) -> None:
    """Victims for the denied cells of changing routes (A's and B's), fresh objects for the allowed ones."""
    pool, a, b, v, w = world.pool, world.buyer, world.other_buyer, world.vendor, world.other_vendor

    def rfo_in_state(function: str, buyer: Account, vendor: Account) -> Callable[[], tuple[Any, Any]]:
        def make() -> tuple[Any, Any]:
            r = new_rfo(pool, buyer)
            extra = new_offer(pool, vendor, r) if function == "rfo_award" else None
            if function == "rfo_reopen":
                r = close(pool, buyer, r)
            if function == "public_token_revoke":
                made = pool.request("POST", f"/v1/rfos/{r['id']}/public-token", {}, key=buyer.setup_key)
                extra = ok(made, 201, "public token")
            return r, extra

        return make

    def offers_for(function: str, n: int) -> list[Callable[[], tuple[Any, Any]]]:
        # Per RFO a vendor may make 3 offers: one RFO per two offers.
        out: list[Callable[[], tuple[Any, Any]]] = []
        for _ in range(0, n, 2):
            r = new_rfo(pool, a)
            out += [lambda r=r: (new_offer(pool, v, r), None)] * min(2, n)
        return out[:n]

    def webhook_of(acct: Account) -> Callable[[], tuple[Any, Any]]:
        return lambda: (new_webhook(pool, acct), None)

    jobs: list[tuple[str, str, Callable[[], tuple[Any, Any]]]] = []
    for function in CHANGING:
        allowed = sum(1 for c in CELLS if c.route.function == function and c.succeeds)
        if function.startswith("webhook_"):
            # Per kind: the owner's victim (denied scopes), the other tenant's (not owner), fresh for the allowed.
            for kind, mine, theirs in (("vendor", v, w), ("buyer", a, b)):
                jobs += [(function, f"{kind}:a", webhook_of(mine)), (function, f"{kind}:b", webhook_of(theirs))]
                mine_allowed = sum(
                    1 for c in CELLS if c.route.function == function and c.succeeds and c.principal == kind
                )
                jobs += [(function, f"fresh:{kind}", webhook_of(mine)) for _ in range(mine_allowed)]
        elif not function.startswith("offer_"):
            jobs += [(function, "a", rfo_in_state(function, a, v)), (function, "b", rfo_in_state(function, b, w))]
            jobs += [(function, "fresh", rfo_in_state(function, a, v)) for _ in range(allowed)]
        else:
            victim_rfo = new_rfo(pool, a)
            jobs.append((function, "a", lambda r=victim_rfo: (new_offer(pool, v, r), None)))
            jobs += [(function, "fresh", f) for f in offers_for(function, allowed)]
    results = parallel([job for _, _, job in jobs])
    for (function, which, _), (obj, extra) in zip(jobs, results, strict=True):
        if which.startswith("fresh:"):  # webhooks: fresh per kind
            world.fresh.setdefault(f"{function}:{which.removeprefix('fresh:')}", []).append(obj)
        elif which == "fresh":
            world.fresh.setdefault(function, []).append(obj)
            if function == "rfo_award":
                world.fresh_award_offers[obj["id"]] = extra
        else:
            world.victims[(function, which)] = obj
            if function == "rfo_award":
                world.victim_offers[(function, which)] = extra
            if function == "public_token_revoke":
                world.victim_tokens[which] = extra["token"]


# --- one cell's request ----------------------------------------------------------------------------------------


def caller_key(world: World, cell: Cell) -> str | None:
    if cell.principal == "anonymous":
        return None
    if cell.principal == "admin":
        return world.admin_key
    acct = world.vendor if cell.principal == "vendor" else world.buyer
    if cell.scopes in ("full", "-"):
        return acct.key
    assert cell.key_scopes is not None
    return acct.keys[cell.key_scopes]


def path_and_body(world: World, cell: Cell, fresh: dict[str, Iterator[dict[str, Any]]]) -> tuple[str, Any]:  # noqa: PLR0912
    route, f, other = cell.route, cell.route.function, cell.owner == "other"
    p: dict[str, str] = {}
    body: Any = None
    changing_target: dict[str, Any] | None = None
    if f in CHANGING and f.startswith("webhook_"):
        kind = cell.principal if cell.principal in ("vendor", "buyer") else "vendor"
        if cell.succeeds:
            changing_target = next(fresh[f"{f}:{kind}"])
        else:
            changing_target = world.victims[(f, f"{kind}:{'b' if other else 'a'}")]
    elif f in CHANGING:
        changing_target = next(fresh[f]) if cell.succeeds else world.victims.get((f, "b" if other else "a"))
    if "{vendor_id}" in route.path:
        p["vendor_id"] = (world.other_vendor if other else world.cooling if f.startswith("admin_") else world.vendor).id
    if "{buyer_id}" in route.path:
        p["buyer_id"] = (world.other_buyer if other else world.buyer).id
    if "{key_id}" in route.path:
        acct = world.other_buyer if other else world.buyer
        if "{vendor_id}" in route.path:
            acct = world.other_vendor if other else world.vendor
        op = f.rsplit("_", 1)[1]
        p["key_id"] = acct.spare.get(f"{op} {cell.id}") or acct.spare[op]
    if "{rfo_id}" in route.path:
        rfo = world.other_rfo if other else world.rfo
        if f == "offer_submit":
            rfo = world.submit_rfo
        p["rfo_id"] = (changing_target or rfo)["id"]
    if "{offer_id}" in route.path:
        if changing_target is not None:
            p["offer_id"] = changing_target["id"]
        elif other:
            p["offer_id"] = (world.other_rfo_offer if cell.principal == "buyer" else world.other_offer)["id"]
        else:
            p["offer_id"] = world.offer["id"]
    if "{webhook_id}" in route.path:
        if changing_target is not None:
            p["webhook_id"] = changing_target["id"]
        else:
            kind = cell.principal if cell.principal in ("vendor", "buyer") else "vendor"
            p["webhook_id"] = (world.other_webhooks if other else world.webhooks)[kind]["id"]
    if "{delivery_id}" in route.path:
        kind = cell.principal if cell.principal in ("vendor", "buyer") else "vendor"
        p["delivery_id"] = (world.other_deliveries if other else world.deliveries)[kind]
    if "{token}" in route.path:
        p["token"] = world.public_token
    if "{code}" in route.path:
        p["code"] = "validation_failed"  # an error catalog page
    tag = uuid.uuid4().hex[:10]
    match f:
        case "vendor_register" | "buyer_register":
            body = {"name": f"matrix cell {tag}", "email": f"cell-{tag}@matrix.example"}
        case "vendor_key_create" | "buyer_key_create":
            body = {"name": f"matrix cell {tag}"}
        case "vendor_key_rotate" | "buyer_key_rotate":
            body = {"grace_seconds": 60}
        case "vendor_key_patch" | "buyer_key_patch":
            body = {"name": "matrix renamed"}
        case "vendor_patch" | "buyer_patch":
            body = {"email_events": ["webhook.disabled"]}
        case "rfo_create":
            body = rfo_body(title="matrix", **TEN_BOXES)
        case "rfo_close":
            body = {"reason": "matrix"}
        case "rfo_award":
            target = p["rfo_id"]
            offer = world.fresh_award_offers.get(target) or next(
                (o for k, o in world.victim_offers.items() if k[0] == f and o["rfo_id"] == target), world.offer
            )
            body = {"offer_id": offer["id"], "reason": "matrix"}
        case "rfo_reopen":
            body = {"expires_at": at(hours=3), "reason": "matrix"}
        case "public_token_create":
            body = {}
        case "rfo_weights":
            body = {"profile": "cheapest"}
        case "offer_submit":
            body = matrix_offer(4000)
        case "offer_revise":
            body = {"unit_price": 4500}
        case "webhook_create":
            body = {"url": WEBHOOK_URL, "events": ["rfo.created"]}
        case "webhook_patch":
            body = {"description": "matrix renamed"}
        case "webhook_rotate":
            body = {"grace_seconds": 60}
        case "webhook_test":
            body = {}
        case "webhook_recover":
            body = {"since": at(hours=-1)}
        case "admin_cooldown_set":
            body = {"until": at(seconds=600), "reason": "matrix"}
    path = route.path
    for name, value in p.items():
        path = path.replace("{" + name + "}", value)
    return path, body


@dataclass
class Result:
    cell: Cell
    method: str
    path: str
    body: Any
    response: Any

    def describe(self) -> str:
        r = self.response
        return f"{self.method} {self.path} body={self.body!r} -> {r.status} {r.body!r:.400}"


@pytest.fixture(scope="module")
def matrix_runtime(runtime_factory: Callable[..., Any]) -> Any:
    return runtime_factory(env=RUNTIME_ENV)


@pytest.fixture(scope="module")
def world(matrix_runtime: Any) -> Iterator[World]:
    pool = http_client.Pool(matrix_runtime.url, WORKERS)
    yield build_world(pool, matrix_runtime.admin_key)
    pool.close()


@pytest.fixture(scope="module")
def results(world: World) -> dict[str, Result]:
    fresh = {f: iter(objs) for f, objs in world.fresh.items()}
    planned = [(cell, *path_and_body(world, cell, fresh)) for cell in CELLS]

    def fire(item: tuple[Cell, str, Any]) -> Result:
        cell, path, body = item
        headers = {"Accept": "text/html"} if cell.route.content_type == "text/html" else None
        resp = world.pool.request(cell.route.method, path, body, key=caller_key(world, cell), headers=headers)
        return Result(cell, cell.route.method, path, body, resp)

    started = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as ex:
        out = {r.cell.id: r for r in ex.map(fire, planned)}
    print(f"\naccess matrix: {len(CELLS)} cells in {time.perf_counter() - started:.1f}s")
    return out


# --- the cells ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell_id", [c.id for c in CELLS])
def test_cell(results: dict[str, Result], cell_id: str) -> None:
    res = results[cell_id]
    status, code = res.cell.expected()
    got = res.response
    assert got.status == status, f"{cell_id}: expected {status} {code or ''}, got: {res.describe()}"
    if code is not None:
        assert got.code == code, f"{cell_id}: expected code {code}: {res.describe()}"
        assert got.headers.get("content-type") == "application/problem+json"
    if res.cell.route.public:
        assert got.status not in (401, 403)


def test_the_matrix_covers_every_route_principal_scope_set_and_owner() -> None:
    assert {c.route.function for c in CELLS} == {r.function for r in ROUTES}
    for route in ROUTES:
        mine = [c for c in CELLS if c.route is route]
        assert {c.principal for c in mine} == set(PRINCIPALS), route.function
        for kind in KINDS if not route.public else ():
            sets = {c.scopes for c in mine if c.principal == kind}
            assert "full" in sets
            if kind != "admin":
                assert {f"minus:{s}" for s in route.scopes if s in KIND_SCOPES[kind]} <= sets
    owned = [c for c in CELLS if c.owner == "other"]
    assert {c.route.function for c in owned} >= {r.function for r in ROUTES if r.ownership in ("own", "self")}


# --- nothing outside the policy is reachable ---------------------------------------------------------------------


def reached(res: Result) -> bool:
    return res.response.status not in (401, 403)


def test_nothing_outside_the_policy_is_reachable(results: dict[str, Result]) -> None:
    """A key reaches a non-public route only if its kind is listed and it holds every scope (admins: 'admin');
    anonymous reaches no such route; every public route is reachable by everyone."""
    wrong = []
    for res in results.values():
        cell = res.cell
        if cell.route.public:
            allowed = True
        elif cell.principal == "anonymous":
            allowed = False
        else:
            allowed = cell.route.allows(cell.principal, cell.key_scopes or frozenset())
        if reached(res) != allowed:
            wrong.append(f"{cell.id}: {'reached' if reached(res) else 'denied'}: {res.describe()}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("kind", KINDS)
def test_a_full_key_of_each_kind_reaches_exactly_the_routes_that_list_its_kind(
    results: dict[str, Result], kind: str
) -> None:
    """E.g. an admin key reaches a non-public route only if 'admin' is in its kinds; the admin routes list
    only 'admin'."""
    reached_by = {
        res.cell.route.function
        for res in results.values()
        if res.cell.principal == kind and res.cell.scopes == "full" and not res.cell.route.public and reached(res)
    }
    assert reached_by == {r.function for r in ROUTES if not r.public and kind in r.kinds}
    assert all(r.kinds == ("admin",) for r in ROUTES if r.path.startswith("/v1/admin/"))


def test_methods_and_paths_outside_the_route_table_are_refused(world: World) -> None:
    """Every method the table does not list on a known path is 405 (with Allow), for every kind of key;
    made-up paths are 404. Never a 2xx."""
    concrete = {
        "vendor_id": world.vendor.id,
        "buyer_id": world.buyer.id,
        "key_id": world.vendor.spare["patch"],
        "rfo_id": world.rfo["id"],
        "offer_id": world.offer["id"],
        "webhook_id": world.webhooks["vendor"]["id"],
        "delivery_id": world.deliveries["vendor"],
        "token": world.public_token,
        "code": "validation_failed",
    }
    keys = [None, world.admin_key]  # a wrong method is refused before any key is looked at
    by_path: dict[str, set[str]] = {}
    for route in ROUTES:
        by_path.setdefault(route.path, set()).add(route.method)
    probes = [
        (method, re.sub(r"{(\w+)}", lambda m: concrete[m.group(1)], path), key, methods)
        for path, methods in by_path.items()
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - methods)
        for key in keys
    ]

    def probe(item: tuple[str, str, str | None, set[str]]) -> str | None:
        method, real, key, methods = item
        resp = world.pool.request(method, real, {} if method in ("POST", "PUT", "PATCH") else None, key=key)
        allow = {m.strip() for m in resp.headers.get("allow", "").split(",") if m.strip()}
        if resp.status != 405 or allow != methods:
            return f"{method} {real} ({'no key' if key is None else 'admin key'}): {resp.status} {allow}"
        return None

    with ThreadPoolExecutor(WORKERS) as ex:
        wrong = [w for w in ex.map(probe, probes) if w]
    for path in ("/v1/admin/keys", f"/v1/vendors/{world.vendor.id}/secrets", "/v1/rfos/x/y/z", "/v2/rfos"):
        resp = world.pool.request("GET", path, key=world.admin_key)
        if resp.status != 404:
            wrong.append(f"GET {path}: {resp.status}")
    assert not wrong, "\n".join(wrong)


def test_denied_and_not_owner_cells_changed_nothing(world: World, results: dict[str, Result]) -> None:
    """The victims of the denied cells and the other tenants' objects are as they were."""
    pool, admin = world.pool, world.admin_key
    for (function, which), victim in world.victims.items():
        if function in ("offer_revise", "offer_withdraw"):
            continue  # offers: below
        if function.startswith("webhook_"):
            kind, side = which.split(":")
            owner = {("vendor", "a"): world.vendor, ("vendor", "b"): world.other_vendor}.get(
                (kind, side), world.buyer if side == "a" else world.other_buyer
            )
            resp = pool.request("GET", f"/v1/webhooks/{victim['id']}", key=owner.setup_key)
            assert resp.status == 200, f"{function} victim {which} is gone: {resp.body!r}"
            got = {k: resp.body[k] for k in ("url", "description", "status", "secret_rotated_at")}
            assert got == {k: victim[k] for k in got}, f"{function} victim {which}: {resp.body!r}"
            continue
        resp = pool.request("GET", f"/v1/rfos/{victim['id']}", key=admin)
        assert resp.status == 200, f"{function} victim {which} is gone: {resp.body!r}"
        want = "CLOSED" if function == "rfo_reopen" else "OPEN"
        assert resp.body["status"] == want, f"{function} victim {which}: {resp.body!r}"
        assert resp.body["weights"] == victim["weights"], f"{function} victim {which}: {resp.body!r}"
    offers = [world.offer, world.other_offer, world.other_rfo_offer] + [
        o for (f, _), o in world.victims.items() if f in ("offer_revise", "offer_withdraw")
    ]
    for offer in offers:
        resp = pool.request("GET", f"/v1/offers/{offer['id']}", key=admin)
        assert (resp.body["status"], resp.body["revision"]) == ("active", 1), resp.body
    for which, token in world.victim_tokens.items():
        resp = pool.request("GET", f"/v1/public/rfos/{token}")
        assert resp.status == 200, f"the public_token_revoke victim {which}'s token stopped working: {resp.body!r}"
    for acct in (world.other_vendor, world.other_buyer):
        listed = pool.request("GET", f"/v1/{acct.kind}s/{acct.id}/keys", key=admin)
        keys = {k["key_id"]: k for k in listed.body["data"]}
        for op, key_id in acct.spare.items():
            k = keys[key_id]
            assert (k["status"], k["expires_at"], k["name"]) == ("active", None, f"spare {op}"), (op, k)


def test_what_each_principal_gets_back(world: World, results: dict[str, Result]) -> None:
    """Spot checks of what the policy says is returned (ACCESS_POLICY.md, "gets" columns)."""
    v, w = world.vendor.id, world.other_vendor.id
    vendor_rfo = results["rfo_get/vendor/full"].response.body
    assert vendor_rfo.get("buyer_id") is None and vendor_rfo.get("awarded_offer_id") is None, vendor_rfo
    vendor_offers = results["offer_list/vendor/full"].response.body["data"]
    assert {o["vendor_id"] for o in vendor_offers} == {v}, "a vendor sees only its own offers on an RFO"
    assert world.other_offer["id"] not in {o["id"] for o in vendor_offers}
    buyer_offers = results["offer_list/buyer/full/owner"].response.body["data"]
    assert {world.offer["id"], world.other_offer["id"]} <= {o["id"] for o in buyer_offers}
    ranking = results["ranking/buyer/full/owner"].response.body["data"]
    assert {(r["offer_id"], r["vendor_id"]) for r in ranking} >= {(world.offer["id"], v), (world.other_offer["id"], w)}
    for listing in ("rfo_list/vendor/full", "rfo_list/buyer/full"):
        for rfo in results[listing].response.body["data"]:
            if listing.startswith("rfo_list/vendor"):
                assert rfo.get("buyer_id") is None, rfo
            else:
                assert rfo["buyer_id"] == world.buyer.id, rfo
    for cell_id in ("vendor_key_list/vendor/full/owner", "buyer_key_list/admin/full"):
        for key in results[cell_id].response.body["data"]:
            assert "api_key" not in key and "secret" not in key and key["prefix"].startswith("ib_"), key
    public = results["public_rfo/anonymous"].response.body
    assert world.buyer.id not in str(public) and "ven_" not in str(public), public


# --- the document agrees with the matrix ---------------------------------------------------------------------------

DOC = ROOT / "docs" / "ACCESS_POLICY.md"
ROW = re.compile(r"^\| `(?P<method>[A-Z]+) (?P<path>[^`]+)` \| (?P<cells>.*) \|$")


def doc_rows() -> dict[tuple[str, str], list[str]]:
    rows = {}
    for line in DOC.read_text().splitlines():
        m = ROW.match(line)
        if m:
            rows[(m["method"], m["path"])] = [c.strip() for c in m["cells"].split(" | ")]
    return rows


def test_the_access_policy_document_lists_every_route_as_the_table_does() -> None:
    rows = doc_rows()
    assert set(rows) == {(r.method, r.path) for r in ROUTES}
    for route in ROUTES:
        principals, scopes, *_ = rows[(route.method, route.path)]
        if route.public:
            assert principals == "public"
            continue
        assert [p.strip() for p in principals.split(",")] == list(route.kinds), route.function
        assert re.findall(r"`([^`]+)`", scopes) == list(route.scopes), route.function


def test_the_running_system_agrees_with_the_access_policy_document(results: dict[str, Result]) -> None:
    """Cells marked 403 in the document are 403 in the run; described cells are reached with the success status;
    'not owner: 404' is a 404 in the run; public rows answer anonymous callers."""
    wrong = []
    for (method, path), (principals, _, *gets) in doc_rows().items():
        route = next(r for r in ROUTES if (r.method, r.path) == (method, path))
        if principals == "public":
            res = results[Cell(route, "anonymous").id]
            if res.response.status in (401, 403) or res.response.status != route.status:
                wrong.append(f"{method} {path} is public in the document: {res.describe()}")
            continue
        buyer_gets, vendor_gets, admin_gets, not_owner = gets
        for kind, text in (("buyer", buyer_gets), ("vendor", vendor_gets), ("admin", admin_gets)):
            owner = "owner" if kind in owned_kinds(route) else "-"
            res = results[Cell(route, kind, "full", owner).id]
            if text == "403" and res.response.status != 403:
                wrong.append(f"{method} {path}: the document says 403 for a {kind}: {res.describe()}")
            if text != "403" and res.response.status != route.status:
                wrong.append(f"{method} {path}: the document says a {kind} gets '{text}': {res.describe()}")
        if "404" in not_owner:
            for kind in sorted(owned_kinds(route)):
                res = results[Cell(route, kind, "full", "other").id]
                if res.response.status != 404:
                    wrong.append(f"{method} {path}: not owner is 404 in the document: {res.describe()}")
    assert not wrong, "\n".join(wrong)


def test_every_tenant_scoped_route_has_an_ownership_rule() -> None:
    scoped = {
        r.function
        for r in ROUTES
        if not r.public
        and r.kinds != ("admin",)
        and r.function != "offer_submit"
        and re.search(r"{(rfo|offer|vendor|buyer|webhook)_id}", r.path)
    }
    assert scoped - {r.function for r in ROUTES if r.ownership != "none"} == set()

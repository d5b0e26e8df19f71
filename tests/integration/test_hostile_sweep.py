"""Every route in the route table, swept with hostile input: timestamps at the edges of the calendar in every
datetime field of its request and query models, and forged cursors in every cursor parameter, sent with a valid
key of each kind the route admits. Nothing may answer 5xx; every refusal is problem+json with its stable code.

The routes, their fields and their cursor parameters are derived from ``routes.ROUTES`` and the schemas, so a new
route or field is swept without touching this file (a new request model with a timestamp needs a valid sample
body in ``SAMPLES``: the test says so).
"""

from __future__ import annotations

import base64
import json
from itertools import combinations
from typing import Any

import pytest
from helpers import create_rfo, offer_body, register, rfo_body, submit
from lambda_harness import invoke

from intentbid.http.api import query_parameters
from intentbid.openapi import resolve
from intentbid.routes import ROUTES, Route

pytestmark = pytest.mark.usefixtures("aws")

ADMIN = {"kind": "admin", "id": "adm_ops", "scopes": ["admin"], "key_id": "key_admin"}

EDGES = (
    "9999-12-31T23:59:59-12:00",  # year 10000 in UTC: overflowed in utc() (500)
    "0001-01-01T00:00:00+14:00",  # year 0 in UTC: the same
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "2100-01-01T00:00:01Z",
    "2100-01-01T11:59:59-12:00",
    "1969-12-31T23:59:59Z",
    "1970-01-01T13:59:59+14:00",
)

# A valid body for each request model that carries a timestamp (the sweep overrides one timestamp at a time).
SAMPLES: dict[str, Any] = {
    "KeyCreate": lambda: {"name": "sweep"},
    "OfferCreate": offer_body,
    "OfferRevise": lambda: {"notes": "sweep"},
    "CooldownSet": lambda: {"reason": "sweep", "until": "2030-01-01T00:00:00Z"},
    "RfoCreate": rfo_body,
    "Reopen": lambda: {"reason": "sweep"},
    "WebhookCreate": lambda: {"url": "https://93.184.215.14/intentbid", "events": ["*"]},  # a literal: no lookup
    "WebhookRecover": lambda: {"since": "2020-01-01T00:00:00Z"},
}

# Every key attribute name a cursor of ours may carry (tables and indexes): a single one is never a whole key.
KEY_ATTRIBUTES = ("id", "buyer_id", "list_key", "rfo_id", "vendor_id", "target_id", "actor_id", "day", "key")
KEY_ATTRIBUTES += ("created_at", "key_hash", "owner_id", "key_id")


def b64(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(cursor: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return value


GARBAGE_CURSORS = (
    "not-a-cursor!",
    "%%%%",
    b64(b"\xff\xfe not json"),
    b64([]),
    b64(1),
    b64(None),
    b64({}),
    b64({"id": "x"}),
    b64({"id": {"N": "1"}}),
    b64({"id": {"S": "x" * 300}}),
    b64({"id": {"S": "a", "N": "1"}}),
    *(b64({a: {"S": "x"}}) for a in KEY_ATTRIBUTES),  # missing key attributes: a 500 on six list endpoints
    *(b64({a: {"S": "x"}, b: {"N": "1"}}) for a, b in combinations(KEY_ATTRIBUTES[:6], 2)),
    b64({a: {"S": "x"} for a in KEY_ATTRIBUTES}),  # extra attributes
)


def datetime_fields(model_ref: str | None) -> list[str]:
    """Top-level fields of the model whose JSON Schema is (or may be) a date-time; nested ones fail loudly."""
    if model_ref is None:
        return []
    schema = resolve(model_ref).model_json_schema()
    assert "date-time" not in json.dumps(schema.get("$defs", {})), f"{model_ref}: nested timestamps: sweep them"
    return [name for name, prop in schema.get("properties", {}).items() if "date-time" in json.dumps(prop)]


def has_cursor(route: Route) -> bool:
    return route.query is not None and "cursor" in resolve(route.query).model_fields


class World:
    """One of everything, so every path parameter names a real object the caller owns."""

    def __init__(self) -> None:
        self.buyer, self.vendor, self.vendor2 = register("buyer"), register("vendor"), register("vendor", "Beta")
        self.rfo = create_rfo(self.buyer)
        self.rfo2 = create_rfo(self.buyer, title="Toner")
        status, offer = submit(self.vendor, self.rfo["id"])
        assert status == 201, offer
        self.offer = offer
        assert submit(self.vendor, self.rfo2["id"])[0] == 201
        assert submit(self.vendor2, self.rfo["id"])[0] == 201
        for _ in range(2):  # two rejections (over budget), so the rejections list has a second page
            assert submit(self.vendor, self.rfo["id"], unit_price=10**8)[0] >= 400
        for who in (self.buyer, self.vendor):  # a second key each, so a paginated key list has a second page
            path = {f"{who['kind']}_id": who["id"]}
            assert invoke(f"{who['kind']}_key_create", principal=who, path=path, body={"name": "second"})[0] == 201
        self.webhooks = {}
        for who in (self.buyer, self.vendor):  # two endpoints each, so the webhook list has a second page
            for _ in range(2):
                status, _, hook = invoke("webhook_create", principal=who, body=SAMPLES["WebhookCreate"]())
                assert status == 201, hook
                self.webhooks[who["kind"]] = hook["webhook"]["id"]
        self.deliveries = {}
        for who in (self.buyer, self.vendor):  # two test deliveries each (no queue here: recorded, pending)
            path = {"webhook_id": self.webhooks[who["kind"]]}
            for _ in range(2):  # so the deliveries list has a second page
                status, _, queued = invoke("webhook_test", principal=who, path=path, body={})
                assert status == 202, queued
                self.deliveries[who["kind"]] = queued["delivery"]["id"]
        status, _, token = invoke("public_token_create", principal=self.buyer, path={"rfo_id": self.rfo["id"]})
        assert status == 201, token
        self.token = token["token"]

    def principals(self, route: Route) -> list[dict[str, Any] | None]:
        if route.public:
            return [None]
        by_kind = {"buyer": self.buyer, "vendor": self.vendor, "admin": ADMIN}
        return [by_kind[k] for k in route.kinds]

    def path(self, route: Route, principal: dict[str, Any] | None) -> dict[str, str]:
        own = principal if principal is not None and principal["kind"] != "admin" else None
        values = {
            "rfo_id": self.rfo["id"],
            "offer_id": self.offer["id"],
            "token": self.token,
            "vendor_id": own["id"] if own and own["kind"] == "vendor" else self.vendor["id"],
            "buyer_id": own["id"] if own and own["kind"] == "buyer" else self.buyer["id"],
            "key_id": (own or self.buyer)["key_id"] if route.path.startswith("/v1/buyers") else self.vendor["key_id"],
            "code": "validation_failed",
            "webhook_id": self.webhooks[own["kind"] if own else "vendor"],
            "delivery_id": self.deliveries[own["kind"] if own else "vendor"],
        }
        if own is not None and "{key_id}" in route.path:
            values["key_id"] = own["key_id"]
        return {p: values[p] for p in route.path_params}

    def query_variants(self, route: Route) -> list[dict[str, str]]:
        extra = {
            "admin_audit": [{"target": self.rfo["id"]}, {"actor": self.buyer["id"]}],
            "admin_flags": [{"vendor_id": self.vendor["id"]}],
        }
        return [{}, *extra.get(route.function, [])]


def assert_refused(result: tuple[int, dict[str, str], Any], code: str, what: str) -> dict[str, Any]:
    status, headers, body = result
    assert status < 500, f"{what}: {status} {body}"
    assert status == 400, f"{what}: {status} {body}"
    assert headers["Content-Type"] == "application/problem+json", what
    assert body["code"] == code, f"{what}: {body}"
    assert body["instance"] == headers["X-Request-Id"]
    return dict(body)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> World:
    for kind in ("VENDOR", "BUYER", "ADMIN", "PUBLIC", "REGISTER", "VENDOR_ACCOUNT", "BUYER_ACCOUNT", "ADMIN_ACCOUNT"):
        monkeypatch.setenv(f"INTENTBID_RATE_LIMIT_{kind}", "0")  # thousands of requests from one key
    return World()


def test_every_route_refuses_calendar_edge_timestamps_with_out_of_range(world: World) -> None:
    swept = 0
    for route in ROUTES:
        for field in datetime_fields(route.request):
            model = route.request.partition(":")[2]  # type: ignore[union-attr]
            assert model in SAMPLES, f"{route.function}: add a valid {model} body to SAMPLES"
            for principal in world.principals(route):
                for edge in EDGES:
                    body = {**SAMPLES[model](), field: edge}
                    what = f"{route.function} {field}={edge} as {principal and principal['kind']}"
                    result = invoke(route.function, principal=principal, path=world.path(route, principal), body=body)
                    problem = assert_refused(result, "validation_failed", what)
                    assert {"field": field, "code": "out_of_range"} in [
                        {"field": e["field"], "code": e["code"]} for e in problem["errors"]
                    ], what
                    swept += 1
        for field in datetime_fields(route.query):
            for principal in world.principals(route):
                for edge in EDGES:
                    what = f"{route.function} ?{field}={edge}"
                    result = invoke(
                        route.function, principal=principal, path=world.path(route, principal), query={field: edge}
                    )
                    assert_refused(result, "validation_failed", what)
                    swept += 1
    # RfoCreate x2, Reopen, OfferCreate x2, OfferRevise x2, KeyCreate x2 (vendor and buyer), CooldownSet
    assert swept >= 10 * len(EDGES)


def test_the_edges_of_the_window_are_accepted(world: World) -> None:
    """The window is inclusive: a cooldown (at most 30 days away) aside, the type lets both ends through."""
    from intentbid.schemas.accounts import KeyCreate

    assert KeyCreate.model_validate_json('{"name": "k", "expires_at": "2100-01-01T00:00:00Z"}').expires_at
    assert KeyCreate.model_validate_json('{"name": "k", "expires_at": "1970-01-01T14:00:00+14:00"}').expires_at


def test_every_list_route_refuses_forged_cursors_with_invalid_cursor(world: World) -> None:
    cursor_routes = [r for r in ROUTES if has_cursor(r)]
    assert len(cursor_routes) >= 6
    real_cursor_from: set[str] = set()
    for route in cursor_routes:
        for principal in world.principals(route):
            path = world.path(route, principal)
            for query in world.query_variants(route):
                what = f"{route.function} {query} as {principal and principal['kind']}"
                for cursor in GARBAGE_CURSORS:
                    assert_refused(
                        invoke(route.function, principal=principal, path=path, query={**query, "cursor": cursor}),
                        "invalid_cursor",
                        f"{what} cursor={cursor}",
                    )
                status, _, page = invoke(route.function, principal=principal, path=path, query={**query, "limit": "1"})
                assert status == 200, f"{what}: {page}"
                if not page["next_cursor"]:
                    continue
                real_cursor_from.add(route.function)
                real = unb64(page["next_cursor"])
                forged = [{k: v for k, v in real.items() if k != drop} for drop in real]  # one key attribute missing
                forged += [{**real, "zzz": {"S": "x"}}]  # one too many
                forged += [{**real, k: {"N": "1"}} for k in real]  # wrong type
                forged += [{**real, k: {"S": "x" * 300}} for k in real]  # absurd value
                for cursor in map(b64, forged):
                    assert_refused(
                        invoke(route.function, principal=principal, path=path, query={**query, "cursor": cursor}),
                        "invalid_cursor",
                        f"{what} cursor={unb64(cursor)}",
                    )
                for k in real:  # the right shape, other values (another partition): never a 5xx
                    cursor = b64({**real, k: {"S": "other"}})
                    status, _, answer = invoke(
                        route.function, principal=principal, path=path, query={**query, "cursor": cursor}
                    )
                    assert status == 200 or (status == 400 and answer["code"] == "invalid_cursor"), f"{what}: {answer}"
                status, _, page = invoke(
                    route.function, principal=principal, path=path, query={**query, "cursor": page["next_cursor"]}
                )
                assert status == 200, f"{what}: the real cursor: {page}"
    # The world gives every list endpoint a second page but the flags (no suspicious activity here) and the event
    # log (no outbox dispatch here: tests/integration/test_event_log_api.py pages it and forges its cursors).
    assert real_cursor_from >= {r.function for r in cursor_routes} - {"admin_flags", "event_list"}, real_cursor_from


def test_every_route_survives_the_sweep_without_a_5xx(world: World) -> None:
    """The rest of the table: each route with each admitted kind, hostile timestamps and cursors in the query."""
    hostile_query = {"cursor": GARBAGE_CURSORS[11], "day": "9999-99-99", "limit": "1"}
    for route in ROUTES:
        if route.method == "DELETE" or route.function in {"rfo_close", "rfo_award", "offer_withdraw"}:
            continue  # state-changing without a timestamp: covered by their own tests
        for principal in world.principals(route):
            body = None
            if route.request is not None:
                model = route.request.partition(":")[2]
                sample = SAMPLES.get(model, lambda: {})()
                body = {**sample, **dict.fromkeys(datetime_fields(route.request), EDGES[0])}
            status, headers, answer = invoke(
                route.function,
                principal=principal,
                path=world.path(route, principal),
                query={k: v for k, v in hostile_query.items() if k in query_parameters(route)},  # else: 400
                body=body,
            )
            assert status < 500, f"{route.function}: {status} {answer}"
            assert status in {route.status, *route.errors}, f"{route.function}: undeclared {status} {answer}"
            if status >= 400:
                assert headers["Content-Type"] == "application/problem+json", route.function

"""A route's error statuses (``Route.errors``: derived from its fields plus ``extra_errors``) are exactly what its
handler can answer, on the real handlers over moto:

- every declared status is reachable: each derived one is provoked the way its field implies (no key, a key of
  another kind or without the scope, an undeclared query parameter, a malformed or oversized body, unknown path
  parameters, the same Idempotency-Key in flight or with another request, a spent rate limit), each extra one by
  a scenario named in ``EXTRA``;
- nothing else is answered: a one-dimension-at-a-time sweep of every route (principals, auth failures, paths,
  bodies, queries, Idempotency-Keys) sees only the route's success status and its declared errors.

Beyond the contract: a body sent to a route that takes none is still read and size-checked (a 413 there is
not declared), so the sweep sends bodies only to routes with a request model or an Idempotency-Key.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from helpers import create_rfo, submit
from lambda_harness import api_event, context, handler, invoke
from test_hostile_sweep import ADMIN, SAMPLES, World, world  # noqa: F401 - the fixture is used by name

from intentbid import config
from intentbid.http import api, idempotency
from intentbid.http.api import query_parameters
from intentbid.routes import ROUTES, Route
from intentbid.services import health
from intentbid.store import base
from intentbid_local.timefmt import rfc3339 as iso

pytestmark = pytest.mark.usefixtures("aws")

Result = tuple[int, dict[str, str], Any]
HUGE = json.dumps({"notes": "x" * (api.MAX_BODY_BYTES + 1)})


def valid_body(route: Route, w: World) -> Any:
    """A body the route's request model accepts (None for a route without one)."""
    if route.request is None:
        return None
    model = route.request.partition(":")[2]
    more: dict[str, Callable[[], Any]] = {
        "RegisterRequest": lambda: {"name": "Zed", "email": "zed@example.com"},
        "KeyRotate": dict,
        "KeyPatch": lambda: {"name": "renamed"},
        "AccountPatch": lambda: {"email_events": ["webhook.disabled"]},
        "Reason": lambda: {"reason": "errors"},
        "Award": lambda: {"offer_id": w.offer["id"]},
        "Reopen": lambda: {"expires_at": iso(datetime.now(UTC) + timedelta(hours=3))},
        "PublicTokenCreate": dict,
        "WeightsUpdate": lambda: {"weights": {"price": 1.0}},
        "WebhookPatch": lambda: {"description": "renamed"},
        "WebhookRotate": dict,
        "WebhookTest": dict,
    }
    return {**SAMPLES, **more}[model]()


def owner(route: Route, w: World) -> dict[str, Any] | None:
    """The caller a route is meant for: its first kind (the owner of the world's objects), or nobody."""
    return w.principals(route)[0]


def unknown_path(route: Route) -> dict[str, str]:
    """Well-formed values that name nothing."""
    values = {
        "rfo_id": "rfo_01J00000000000000000000000",
        "offer_id": "off_01J00000000000000000000000",
        "vendor_id": "ven_01J00000000000000000000000",
        "buyer_id": "buy_01J00000000000000000000000",
        "key_id": "key_01J00000000000000000000000",
        "token": "pub_" + "A" * 43,
        "code": "no_such_code",
        "webhook_id": "whk_01J00000000000000000000000",
        "delivery_id": "dlv_01J00000000000000000000000",
    }
    return {p: values[p] for p in route.path_params}


def call(route: Route, w: World, **overrides: Any) -> Result:
    """Invoke ``route`` as its owner on the world's objects with a valid body; ``overrides`` change one thing."""
    kwargs: dict[str, Any] = {"principal": owner(route, w)}
    kwargs["path"] = w.path(route, kwargs["principal"])
    kwargs["body"] = valid_body(route, w)
    kwargs.update(overrides)
    if "raw_body" in overrides:
        kwargs.pop("body")
    return invoke(route.function, **kwargs)


def forbidden_principal(route: Route, w: World) -> dict[str, Any]:
    """A key of a kind the route does not admit, else (every kind admitted) an admin key without ``admin``."""
    by_kind = {"buyer": w.buyer, "vendor": w.vendor, "admin": ADMIN}
    for kind, principal in by_kind.items():
        if kind not in route.kinds:
            return principal
    return {**ADMIN, "scopes": []}


def nested_same_key(route: Route, w: World) -> tuple[Result, Result]:
    """While a request with an Idempotency-Key runs, the same key again: with the same request (409 in flight),
    then with another body (422). The second and third calls are made from inside the first one's run."""
    principal = owner(route, w)
    path = w.path(route, principal)
    event = api_event(
        route.function,
        principal=principal,
        path=path,
        body=valid_body(route, w),
        headers={"Idempotency-Key": f"nested-{route.function}"},
    )
    run = handler(route.function)
    seen: list[Result] = []
    real = idempotency.run_once

    def run_once(**kwargs: Any) -> Any:
        produce = kwargs["produce"]

        def produce_after_the_nested_calls() -> Any:
            if not seen:
                same, other = copy.deepcopy(event), copy.deepcopy(event)
                other["body"] = (other["body"] or "") + " "  # the same JSON, another request
                for nested in (same, other):
                    result = run(nested, context(route.function))
                    seen.append((result["statusCode"], result["headers"], json.loads(result["body"])))
            return produce()

        return real(**{**kwargs, "produce": produce_after_the_nested_calls})

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(idempotency, "run_once", run_once)
        run(event, context(route.function))
    assert len(seen) == 2, f"{route.function}: the request never reached its idempotent run"
    return seen[0], seen[1]


def awarded_rfo(w: World) -> tuple[dict[str, Any], dict[str, Any]]:
    rfo = create_rfo(w.buyer, title="Awarded")
    status, offer = submit(w.vendor, rfo["id"])
    assert status == 201, offer
    status, _, body = invoke("rfo_award", principal=w.buyer, path={"rfo_id": rfo["id"]}, body={"offer_id": offer["id"]})
    assert status == 200, body
    return rfo, offer


def store_unreachable(w: World) -> Result:
    health.reset()
    base.bind("intentbid-nowhere-")
    try:
        return invoke("ready")
    finally:
        base.bind("intentbid-test-")
        health.reset()


def withdrawn_offer_revised(w: World) -> Result:
    rfo = create_rfo(w.buyer, title="Withdrawn")
    status, offer = submit(w.vendor, rfo["id"])
    assert status == 201, offer
    assert invoke("offer_withdraw", principal=w.vendor, path={"offer_id": offer["id"]})[0] == 200
    return invoke("offer_revise", principal=w.vendor, path={"offer_id": offer["id"]}, body={"notes": "again"})


def realtime_unconfigured(w: World) -> Result:
    """A stage without the WebSocket URL (``REALTIME_URL`` unset) cannot issue tickets: 503."""
    saved = os.environ.pop("REALTIME_URL", None)
    config.reload()
    try:
        return invoke("realtime_ticket", principal=w.vendor)
    finally:
        if saved is not None:
            os.environ["REALTIME_URL"] = saved
        config.reload()


# How each extra status is reached: (function, status) -> the scenario.
EXTRA: dict[tuple[str, int], Callable[[World], Result]] = {
    ("ready", 503): store_unreachable,
    (
        "rfo_delete",
        409,
    ): lambda w: invoke("rfo_delete", principal=w.buyer, path={"rfo_id": awarded_rfo(w)[0]["id"]}),
    ("rfo_weights", 409): lambda w: invoke(
        "rfo_weights", principal=w.buyer, path={"rfo_id": awarded_rfo(w)[0]["id"]}, body={"weights": {"price": 1.0}}
    ),
    ("offer_revise", 409): withdrawn_offer_revised,
    ("realtime_ticket", 503): realtime_unconfigured,
}


def test_every_extra_error_has_a_scenario() -> None:
    declared = {(r.function, s) for r in ROUTES for s in r.extra_errors}
    assert declared == set(EXTRA), "each extra_errors status needs a scenario in EXTRA that reaches it"


def reachable(route: Route, w: World) -> Iterator[tuple[int, str, Result]]:
    """(status, how, result) for every derived status but 429 (which spends the key's budget: its own test)."""
    yield 400, "an undeclared query parameter", call(route, w, query={"zz_unknown": "1"})
    if route.request:
        yield 400, "a body that is not JSON", call(route, w, raw_body="{")
    if route.request or route.idempotent:
        yield 413, "a body over the limit", call(route, w, raw_body=HUGE)
    if route.idempotent:
        yield 400, "a malformed Idempotency-Key", call(route, w, headers={"Idempotency-Key": "\x01"})
        same, other = nested_same_key(route, w)
        yield 409, "the same Idempotency-Key in flight", same
        yield 422, "the same Idempotency-Key with another request", other
    if not route.public:
        yield 401, "no key", call(route, w, principal=None)
        yield 403, "a key of another kind or without the scope", call(route, w, principal=forbidden_principal(route, w))
    if route.path_params:
        yield 404, "unknown path parameters", call(route, w, path=unknown_path(route))


def test_every_derived_status_is_reachable_and_each_extra_by_its_scenario(world: World) -> None:  # noqa: F811
    wrong: list[str] = []
    reached: dict[str, set[int]] = {r.function: set() for r in ROUTES}
    for route in ROUTES:
        for expected, how, (status, headers, body) in reachable(route, world):
            reached[route.function].add(status)
            if status != expected or headers["Content-Type"] != "application/problem+json":
                wrong.append(f"{route.function}: {how}: {expected} expected, got {status} {body}")
    for (function, expected), scenario in EXTRA.items():
        status, _, body = scenario(world)
        reached[function].add(status)
        if status != expected:
            wrong.append(f"{function}: its extra {expected}: got {status} {body}")
    assert not wrong, "\n".join(wrong)
    unproven = {f: sorted(set(r.errors) - {429} - reached[f]) for f, r in ((r.function, r) for r in ROUTES)}
    assert {f: s for f, s in unproven.items() if s} == {}


@pytest.mark.parametrize("limit", ["key", "ip"])
def test_a_spent_rate_limit_is_429_on_every_route_that_declares_it(
    world: World,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    limit: str,
) -> None:
    """Keyed routes count per key (one request a minute here); ``ip_rate`` routes per source IP."""
    routes = [r for r in ROUTES if 429 in r.errors and (not r.public if limit == "key" else r.ip_rate)]
    assert routes
    wrong = []
    for n, route in enumerate(routes):
        if limit == "key":
            kind = route.kinds[0]
            principal = {**(owner(route, world) or {}), "key_id": f"key_budget_{n}"}  # a fresh budget per route
            monkeypatch.setenv(f"INTENTBID_RATE_LIMIT_{kind.upper()}", "1/60")
            kwargs: dict[str, Any] = {"principal": principal}
        else:
            monkeypatch.setenv(f"INTENTBID_RATE_LIMIT_{str(route.ip_rate).upper()}", "1/3600")
            kwargs = {"principal": None, "source_ip": f"198.51.100.{n + 1}"}
        statuses = []
        for _ in range(2):
            status, headers, body = call(route, world, query={"zz_unknown": "1"}, **kwargs)  # 400 after the count
            statuses.append(status)
        if statuses[1] != 429 or body["code"] != "rate_limited" or "Retry-After" not in headers:
            wrong.append(f"{route.function}: {statuses} {body}")
    assert not wrong, "\n".join(wrong)


def sweep(route: Route, w: World) -> Iterator[tuple[str, dict[str, Any]]]:
    """(what, overrides of :func:`call`): one dimension varied at a time around the owner's valid request."""
    yield "as meant", {}
    principals: dict[str, Any] = {"nobody": None, "admin without admin": {**ADMIN, "scopes": []}}
    principals |= {"buyer": w.buyer, "vendor": w.vendor, "admin": ADMIN}
    principals |= {f"{k} without scopes": {**p, "scopes": []} for k, p in (("buyer", w.buyer), ("vendor", w.vendor))}
    for error in ("key_revoked", "key_expired", "garbage"):
        principals[error] = {**w.buyer, "auth_error": error}
    for name, principal in principals.items():
        yield f"as {name}", {"principal": principal, "path": w.path(route, principal)}
    if route.path_params:
        yield "unknown path", {"path": unknown_path(route)}
        yield "malformed path", {"path": dict.fromkeys(route.path_params, "..%2F")}
        others = {"rfo_id": w.rfo2["id"], "vendor_id": w.vendor2["id"], "buyer_id": "buy_01J00000000000000000000000"}
        yield (
            "another's path",
            {"path": {**w.path(route, owner(route, w)), **{p: v for p, v in others.items() if p in route.path_params}}},
        )
    if route.request or route.idempotent:
        for raw in ("", " ", "{", "[]", "null", "1", '"x"', "{}", '{"zz": 1}', HUGE, '{"a":' * 2000 + "1" + "}" * 2000):
            yield f"body {raw[:20]!r}", {"raw_body": raw}
        sample = valid_body(route, w) or {}
        for field in sample:
            for value in (None, {}, [], "", 10**30, -1, "x" * 10_000):
                yield f"{field}={str(value)[:20]}", {"body": {**sample, field: value}}
    yield "unknown query", {"query": {"zz_unknown": "1"}}
    for name in query_parameters(route):
        for value in ("", "!!", "0", "-1", "10000000000", "9999-99-99", "x" * 2000):
            yield f"?{name}={value[:20]}", {"query": {name: value}}
    if route.idempotent:
        for key in ("\x01", " ", "k" * 300, "sweep-key"):
            yield f"Idempotency-Key {key[:10]!r}", {"headers": {"Idempotency-Key": key}}
        yield "the same key, another body", {"headers": {"Idempotency-Key": "sweep-key"}, "raw_body": '{"zz": 2}'}


def test_nothing_outside_the_declared_statuses_is_ever_answered(world: World) -> None:  # noqa: F811
    wrong = []
    calls = 0
    for route in ROUTES:
        allowed = {route.status, *route.errors}
        for what, overrides in sweep(route, world):
            status, headers, body = call(route, world, **overrides)
            calls += 1
            if status not in allowed:
                wrong.append(f"{route.function} {what}: {status} {str(body)[:200]}")
            elif status >= 400 and headers["Content-Type"] != "application/problem+json":
                wrong.append(f"{route.function} {what}: {status} is not problem+json")
    assert not wrong, "\n".join(wrong)
    assert calls > 20 * len(ROUTES)

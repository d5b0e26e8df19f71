"""Contract tests: the running local runtime against its own OpenAPI document (schemathesis).

Every operation of ``intentbid.openapi.build()`` is fuzzed over real HTTP through the local API Gateway
(authorizer, IAM policy, handlers, moto), positive and negative inputs alike, under **every** schemathesis check
(as ``schemathesis run --checks all`` does): never a 5xx, documented statuses, content types, headers and
schemas, schema-valid requests accepted (``positive_data_acceptance``) and invalid ones refused
(``negative_data_rejection``), missing headers and keys refused (``ignored_auth``), undeclared methods answered
405 with ``Allow``. The repository's ``schemathesis.toml`` (the one the CLI reads) is loaded: it names the two
world-dependent 400s a schema cannot express (an unknown cursor, a timestamp that must be in the future).

Then the stateful phase (``test_stateful_*``): schemathesis' state machine chains operations through the
document's links (create an RFO, read it, list it, ...) once with a buyer key and once with a vendor key.

Authenticated operations are exercised for real: a buyer and a vendor register at session start (plus the
runtime's bootstrap admin), and each operation runs once per principal kind - the kinds its route allows
(``intentbid.routes.BY_FUNCTION[operation].kinds``) must reach its success status, the others must never
succeed. Path parameters are usually the ids of real objects made for the purpose (a separate RFO for each
lifecycle transition, a separate key for each key operation), and the few body fields that depend on the
world (the clock, the RFO's currency and budget) are made plausible, so the happy paths are reached - not
only 404s and 400s. ``test_zz_every_operation_was_really_exercised`` checks that they were.

The fuzzing runs on its own runtime (``runtime_factory``): it creates hundreds of accounts and objects, and it
must neither trip nor be tripped by other tests' rate limits on the shared one. Its rate limits, the revision
cooldown and the authorizer's per-IP failure shedding are lifted so the happy paths are reachable; they have
tests of their own.

Bounded and reproducible: a fixed seed, derandomized Hypothesis, ``MAX_EXAMPLES`` per operation and caller,
``STATEFUL_EXAMPLES`` scenarios of at most ``STATEFUL_STEPS`` calls per key (sized for ``make test``'s budget).
"""

from __future__ import annotations

import copy
import tomllib
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from intentbid.openapi import build
from intentbid.routes import BY_FUNCTION, ROUTES, Route
from intentbid.schemas.examples import EXAMPLES
from intentbid_local.testdata import DAY_S, offer_body, rfo_body
from intentbid_local.timefmt import at

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

MAX_EXAMPLES = 15
SEED = 20_240_601
UNLIMITED = "1000000/60"
RUNTIME_ENV = {
    "INTENTBID_RATE_LIMIT_VENDOR": UNLIMITED,
    "INTENTBID_RATE_LIMIT_BUYER": UNLIMITED,
    "INTENTBID_RATE_LIMIT_ADMIN": UNLIMITED,
    "INTENTBID_RATE_LIMIT_VENDOR_ACCOUNT": UNLIMITED,
    "INTENTBID_RATE_LIMIT_BUYER_ACCOUNT": UNLIMITED,
    "INTENTBID_RATE_LIMIT_ADMIN_ACCOUNT": UNLIMITED,
    "INTENTBID_RATE_LIMIT_REGISTER": UNLIMITED,
    "INTENTBID_RATE_LIMIT_PUBLIC": UNLIMITED,
    "INTENTBID_REVISION_MIN_INTERVAL_S": "0",
    "INTENTBID_MAX_REVISIONS_PER_OFFER": "0",  # the coverage phase revises the one offer far more than 10 times
    # Generated submissions hit the per-RFO offer limit again and again; each is a violation, and the automatic
    # cooldown would then answer every revision 429 vendor_cooldown (offer_revise would never reach a 2xx).
    "INTENTBID_COOLDOWN_VIOLATION_THRESHOLD": "0",
    # Negative cases and the auth probes send hundreds of requests without a valid key from 127.0.0.1; the
    # authorizer's per-IP failure shedding would then refuse the valid keys too (401) for the rest of the minute.
    "INTENTBID_AUTH_FAILURES_PER_MINUTE": "0",
}

STATEFUL_EXAMPLES, STATEFUL_STEPS = 12, 8
PROJECT_CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"
PROJECT = tomllib.loads(PROJECT_CONFIG.read_text())
# The generated cases (fuzzing); the document's own request examples run in test_the_documented_request_examples_*
# (schemathesis cannot combine them with a test that draws data of its own).
CONFIG = schemathesis.Config.from_dict(
    {
        **PROJECT,
        "seed": SEED,
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
        "phases": {"examples": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_dict(copy.deepcopy(build()), config=CONFIG)  # it annotates what it gets
EXAMPLES_CONFIG = schemathesis.Config.from_dict(
    {
        **PROJECT,
        "seed": SEED,
        "phases": {"examples": {"enabled": True}, "fuzzing": {"enabled": False}, "coverage": {"enabled": False}},
    }
)
WITH_BODY = {r.function for r in ROUTES if r.request}
# Operations without a body run too where schemathesis finds path parameters in the success examples' links;
# those with nothing to send from examples (no body, no such parameter) are left out rather than skipped.
examples_schema = schemathesis.openapi.from_dict(copy.deepcopy(build()), config=EXAMPLES_CONFIG)
examples_schema = examples_schema.exclude(
    operation_id=[
        result.ok().definition.raw["operationId"]
        for result in examples_schema.get_all_operations()
        if not list(result.ok().get_strategies_from_examples())
    ]
)
EXAMPLE_STATUSES: dict[str, int] = {}
CALLERS = ("buyer", "vendor", "admin")
# (function, caller) -> status -> count, over this session's generated requests
STATUSES: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
FAILED: set[str] = set()

WEBHOOK_URL = "https://hooks.ct.example/intentbid"
# The main RFO's terms: plausible offers are priced and sized against them.
QUANTITY, BUDGET_MAX, NEED_BY_DAYS = 100, 500_000, 30


def _ok(expected: int, result: tuple[int, Any, Any]) -> Any:
    status, _, body = result
    assert status == expected, body
    return body


@pytest.fixture(scope="session")
def api(runtime_factory: Any) -> Any:
    """A runtime of its own for the fuzzing (see the module docstring)."""
    return runtime_factory(env=RUNTIME_ENV)


@pytest.fixture(scope="session")
def world(api: Any) -> dict[str, Any]:
    """Keys per principal kind and real objects to aim at, made through the public API."""
    now = datetime.now(UTC)
    vendor = _ok(201, api.request("POST", "/v1/vendors/register", json={"name": "CT Vendor", "email": "v@ct.example"}))
    buyer = _ok(201, api.request("POST", "/v1/buyers/register", json={"name": "CT Buyer", "email": "b@ct.example"}))
    vkey, bkey = vendor["api_key"], buyer["api_key"]
    vendor_id, buyer_id = vendor["vendor"]["id"], buyer["buyer"]["id"]

    def rfo() -> str:
        terms = {"title": "Contract-test RFO", "quantity": QUANTITY, "budget_max": BUDGET_MAX}
        body = rfo_body(now, expires_in_s=7 * DAY_S, need_by_in_s=NEED_BY_DAYS * DAY_S, **terms)
        return str(_ok(201, api.request("POST", "/v1/rfos", json=body, key=bkey))["id"])

    def offer(rfo_id: str) -> str:
        body = offer_body(now, valid_for_s=10 * DAY_S, unit_price=4_000, quantity_available=QUANTITY, eta_days=5)
        return str(_ok(201, api.request("POST", f"/v1/rfos/{rfo_id}/offers", json=body, key=vkey))["id"])

    def key(kind: str, owner: str, secret: str, purpose: str) -> str:
        created = api.request("POST", f"/v1/{kind}s/{owner}/keys", json={"name": f"ct-{purpose}"}, key=secret)
        return str(_ok(201, created)["key"]["key_id"])

    def public_token(rfo_id: str) -> str:
        made = api.request("POST", f"/v1/rfos/{rfo_id}/public-token", json={"show_prices": True}, key=bkey)
        return str(_ok(201, made)["token"])

    main_rfo = rfo()
    award_rfo, reopen_rfo, withdraw_rfo, revoke_token_rfo = rfo(), rfo(), rfo(), rfo()
    _ok(200, api.request("POST", f"/v1/rfos/{reopen_rfo}/close", json={}, key=bkey))
    public_token(revoke_token_rfo)
    ids = {
        "rfo_id": main_rfo,
        "offer_id": offer(main_rfo),
        "vendor_id": vendor_id,
        "buyer_id": buyer_id,
        "token": public_token(main_rfo),
    }
    award_offer = offer(award_rfo)
    # One object per destructive operation, so no operation's happy path depends on another's order.
    per_function: dict[str, dict[str, str]] = {
        "rfo_close": {"rfo_id": rfo()},
        "rfo_award": {"rfo_id": award_rfo},
        "rfo_reopen": {"rfo_id": reopen_rfo},
        "rfo_delete": {"rfo_id": rfo()},
        "public_token_create": {"rfo_id": rfo()},
        "public_token_revoke": {"rfo_id": revoke_token_rfo},
        "offer_withdraw": {"offer_id": offer(withdraw_rfo)},
    }
    spare_vendor = _ok(
        201, api.request("POST", "/v1/vendors/register", json={"name": "CT Spare", "email": "s@ct.example"})
    )["vendor"]["id"]
    per_function["admin_cooldown_set"] = per_function["admin_cooldown_lift"] = {"vendor_id": spare_vendor}
    for kind, owner, secret in (("vendor", vendor_id, vkey), ("buyer", buyer_id, bkey)):
        for action in ("revoke", "rotate", "patch"):
            per_function[f"{kind}_key_{action}"] = {"key_id": key(kind, owner, secret, action)}

    def webhook() -> str:  # a name that resolves nowhere: accepted (the connection would decide)
        made = api.request("POST", "/v1/webhooks", json={"url": WEBHOOK_URL, "events": ["*"]}, key=vkey)
        return str(_ok(201, made)["webhook"]["id"])

    ids["webhook_id"] = webhook()
    tested = api.request("POST", f"/v1/webhooks/{ids['webhook_id']}/test", json={}, key=vkey)
    ids["delivery_id"] = str(_ok(202, tested)["delivery"]["id"])  # a real delivery for the deliveries routes
    per_function["webhook_delete"] = {"webhook_id": webhook()}
    keys = {"vendor": vkey, "buyer": bkey}
    if api.admin_key:
        keys["admin"] = api.admin_key
    return {"keys": keys, "ids": ids, "per_function": per_function, "award_offer": award_offer}


def route_of(case: schemathesis.Case) -> Route:
    return BY_FUNCTION[case.operation.definition.raw["operationId"]]


INTEGER_FIELDS = {"quantity", "budget_max", "unit_price", "quantity_available", "eta_days", "grace_seconds"}
# Hypothesis favours the first element: real ids and plausible bodies three times in four.
MOSTLY = st.sampled_from((True, True, True, False))


def _offer_terms(body: dict[str, Any], later: dict[int, str], submit: bool) -> dict[str, Any]:
    """Price, size and dates within the main RFO's band (a revision only repairs the fields it changes)."""
    if submit or body.get("unit_price") is not None:
        body["unit_price"] = 1_000 + int(body.get("unit_price") or 0) % 5_000
    if submit or body.get("quantity_available") is not None:
        body["quantity_available"] = 1 + int(body.get("quantity_available") or 0) % (QUANTITY * 10)
    if submit or body.get("valid_until") is not None:
        body["valid_until"] = later[10]
    if body.get("eta_days") is not None:
        body["eta_days"] = int(body["eta_days"]) % (NEED_BY_DAYS - 1)
        body.pop("delivery_date", None)
    elif submit or body.get("delivery_date") is not None:
        body["delivery_date"] = later[5]
        body.pop("eta_days", None)
    if submit:
        body.update(currency="USD", availability_confirmed=True)
    return body or {"unit_price": 3_900}


def _patch_body(function: str, body: dict[str, Any]) -> dict[str, Any]:
    """A key's patch renames it; an account's sets the catalog's emailable types (and any address generated)."""
    if function.endswith("_key_patch"):
        return {"name": body.get("name") or "renamed"}
    out = {k: v for k, v in body.items() if k == "notify_email" and isinstance(v, str)}
    return {**out, "email_events": ["webhook.disabled"]}


def plausible(function: str, body: Any, now: datetime, world: dict[str, Any]) -> Any:
    """Repair the fields of a generated (schema-valid) body that depend on the world - the clock, the RFO's
    currency, budget, quantity and need-by date, the objects that exist - so the request can succeed; every
    other field stays as generated.

    Integers written as ``566.0`` (valid JSON Schema integers) are also turned into ``566``: the API refuses
    them today, which ``test_an_integral_json_number_is_an_integer`` pins on its own."""
    if not isinstance(body, dict):
        return body
    integral = {k for k, v in body.items() if k in INTEGER_FIELDS and isinstance(v, float) and v.is_integer()}
    body = {k: int(v) if k in integral else v for k, v in body.items()}
    later = {days: at(now, days=days) for days in (1, 2, 5, 10, 30)}
    if function == "rfo_create":
        body.update(currency="USD", expires_at=later[1], need_by=later[30])
        body.pop("weights", None)
        body.pop("scoring_version", None)
    elif function in ("offer_submit", "offer_revise"):
        body = _offer_terms(body, later, submit=function == "offer_submit")
    elif function == "rfo_reopen":
        body["expires_at"] = later[2]
    elif function == "rfo_award":
        body["offer_id"] = world["award_offer"]
    elif function.endswith("_key_create"):
        body = {k: v for k, v in body.items() if k not in ("scopes", "ip_allowlist", "environment")}
        if body.get("expires_at") is not None:
            body["expires_at"] = later[30]
    elif function == "rfo_weights":  # the RFO's scoring version decides the components
        body = {"weights": {"price": 0.7, "delivery": 0.3}}
    elif function == "admin_cooldown_set":
        body["until"] = later[1]
    elif function.endswith("_key_patch") or function in ("vendor_patch", "buyer_patch"):
        body = _patch_body(function, body)
    elif function == "webhook_create":  # a public name, and the catalog's events for any kind
        body.update(url=WEBHOOK_URL, events=["*"])
    elif function == "webhook_patch":
        body = {k: v for k, v in body.items() if k in ("description", "status")} or {"description": "ct"}
    return body


@schema.parametrize()
@pytest.mark.parametrize("caller", CALLERS)
@schema.given(data=st.data())
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi(
    case: schemathesis.Case, data: st.DataObject, caller: str, api: Any, world: Any
) -> None:
    """One operation, called as ``caller``. A public operation is called anonymously by the first caller and with
    each other caller's key by the rest (a public operation must ignore a key it does not need)."""
    route = route_of(case)
    headers: dict[str, str] = {}
    assert caller in world["keys"], f"no {caller} key in this runtime"
    if not route.public or caller != CALLERS[0]:
        headers["Authorization"] = f"Bearer {world['keys'][caller]}"
    positive = case.meta is None or case.meta.generation.mode == schemathesis.GenerationMode.POSITIVE
    # negative cases keep their (invalid) generated parameters and bodies
    if positive and route.path_params and data.draw(MOSTLY, label="real ids"):
        real = {**world["ids"], **world["per_function"].get(route.function, {})}
        assert case.path_parameters is not None
        # a parameter world() does not know keeps its generated value (and the summary test will say so)
        case.path_parameters.update({name: real[name] for name in route.path_params if name in real})
    if positive and route.request and data.draw(MOSTLY, label="plausible body"):
        case.body = plausible(route.function, case.body, datetime.now(UTC), world)
    try:
        response = case.call_and_validate(base_url=api.url, headers=headers, timeout=30)  # every check
    except BaseException:  # schemathesis' FailureGroup is a BaseExceptionGroup
        FAILED.add(route.function)  # reported by this test; the coverage summary leaves it out
        raise
    STATUSES[(route.function, "anonymous" if route.public else caller)][response.status_code] += 1


@pytest.mark.parametrize("caller", ["buyer", "vendor"])
def test_stateful_scenarios_conform_to_the_openapi(caller: str, api: Any, world: Any) -> None:
    """The stateful phase: chains of calls through the document's links, each response under every check."""
    key = world["keys"][caller]

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": api.url, "headers": {"Authorization": f"Bearer {key}"}, "timeout": 30}

    Machine.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )


def test_zz_every_operation_was_really_exercised() -> None:
    """After the conformance tests (same module, same xdist group, so same process and order): each operation
    reached its success status as some principal its route allows, and a principal of a kind the route does
    not allow never got a 2xx."""
    assert STATUSES, "the conformance tests did not run in this process (run the whole module, in one group)"
    seen = {function for function, _ in STATUSES}
    never_succeeded, wrongly_allowed = {}, {}
    for route in ROUTES:
        if route.function not in seen or route.function in FAILED:
            continue  # deselected, or failed conformance (its own test reports it; Hypothesis stopped early)
        callers = ["anonymous"] if route.public else [k for k in route.kinds if k in CALLERS]
        if not any(STATUSES[(route.function, c)][route.status] for c in callers):
            never_succeeded[route.function] = {c: dict(STATUSES[(route.function, c)]) for c in callers}
        for caller in CALLERS:
            if not route.public and caller not in route.kinds:
                ok = {s: n for s, n in STATUSES[(route.function, caller)].items() if 200 <= s < 300}
                if ok:
                    wrongly_allowed[f"{route.function} as {caller}"] = ok
    assert never_succeeded == {}, (
        "operations whose success status was never reached (statuses seen): give world() real objects for "
        "their path parameters, or plausible() the world-dependent fields of their bodies"
    )
    assert wrongly_allowed == {}, "a principal kind the route table excludes got a success"


def test_an_integral_json_number_is_an_integer(api: Any, world: Any) -> None:
    """The document types ``quantity`` as ``integer``; JSON Schema counts ``100.0`` as one (and many JSON
    encoders write integral numbers that way), so a conforming client may send it. The API must accept it -
    or the document must not promise it."""
    now = datetime.now(UTC)
    body = rfo_body(now, expires_in_s=7 * DAY_S, need_by_in_s=30 * DAY_S, title="Integral numbers", quantity=100.0)
    status, _, answer = api.request("POST", "/v1/rfos", json=body, key=world["keys"]["buyer"])
    assert status == 201, answer
    assert answer["quantity"] == 100


def test_the_served_document_is_the_one_under_test(api: Any) -> None:
    status, headers, body = api.request("GET", "/v1/openapi.json")
    assert status == 200
    assert (headers.get("Content-Type") or "").startswith("application/json")
    assert body == build()


@examples_schema.parametrize()
@settings(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_the_documented_request_examples_conform(case: schemathesis.Case, api: Any, world: Any) -> None:
    """Each operation's request example (``intentbid.schemas.examples``) as the document gives it, sent by a
    principal its route allows to real objects, under every check: accepted, or refused on the state of the world
    as the document and ``schemathesis.toml`` allow (e.g. the world's RFO is in USD, the example offer in EUR: 400
    ``currency_mismatch``; a cooldown more than 30 days ahead: 400 ``out_of_range``; an RFO the fuzzing closed:
    409). Runs last: it may close, award and reopen the world's objects."""
    route = route_of(case)
    if route.request:
        assert case.body == EXAMPLES[route.function].request, "schemathesis sends the documented example"
    headers: dict[str, str] = {}
    if not route.public:
        caller = next(kind for kind in route.kinds if kind in world["keys"])
        headers["Authorization"] = f"Bearer {world['keys'][caller]}"
    real = {**world["ids"], **world["per_function"].get(route.function, {})}
    assert case.path_parameters is not None or not route.path_params
    if route.path_params:
        case.path_parameters.update({name: real[name] for name in route.path_params})
    if route.function == "rfo_award":  # the example's offer exists in the story only
        case.body = {**case.body, "offer_id": world["award_offer"], "offer_revision": 1}
    response = case.call_and_validate(base_url=api.url, headers=headers, timeout=30)
    EXAMPLE_STATUSES[route.function] = response.status_code


def test_zzz_every_request_example_was_sent() -> None:
    assert set(EXAMPLE_STATUSES) >= WITH_BODY, "an operation's request example did not run"
    accepted = {f for f, status in EXAMPLE_STATUSES.items() if status == BY_FUNCTION[f].status}
    # After the fuzzing the world's objects are in any state (a 409 is then the right answer, and conforms); the
    # examples that make new objects depend on none. tests/integration/test_openapi_examples_api.py proves every
    # request example accepted in the examples' own world.
    assert {"vendor_register", "buyer_register", "rfo_create"} <= accepted, EXAMPLE_STATUSES

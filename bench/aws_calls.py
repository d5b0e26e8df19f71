"""AWS API calls per request, for every endpoint and the authorizer (in-process moto).

Every botocore API call in the process is counted - boto3 clients, PynamoDB's botocore clients and
Powertools alike - by wrapping ``botocore.client.BaseClient._make_api_call`` (once per logical call, before
retries). A realistic marketplace round is played through the real handlers with API Gateway events; only the
measured request of each row is counted, its setup is not. Each row also lists the tables the request touched
and how (read/write), checked against ``intentbid.iam.ACCESS`` (what IAM will let the function do).

    python bench/aws_calls.py

Prints a table and exits 0 (a bench reports; ``tests/integration/test_aws_calls.py`` pins the counts).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import benchlib

from intentbid_local import testdata
from intentbid_local.harness import api_event, authorizer_request, call, sqs_messages, stream_inserts
from intentbid_local.testdata import DAY_S
from intentbid_local.timefmt import at

# IAM actions per access level, as infra/intentbid_infra/grants.py grants them from ACCESS (kept in step with it;
# that module imports aws_cdk, too heavy to load here).
READ_ACTIONS = frozenset({"GetItem", "BatchGetItem", "Query", "ConditionCheckItem", "DescribeTable"})
LEVEL_ACTIONS = {
    "read": READ_ACTIONS,
    "update": READ_ACTIONS | {"UpdateItem"},
    "write": READ_ACTIONS | {"PutItem", "UpdateItem"},
    "append": frozenset({"PutItem", "DescribeTable"}),
    "delete": frozenset({"DeleteItem"}),
}


def allowed_actions(level: str) -> frozenset[str]:
    """IAM actions of an access level; levels join with ``+`` (``read+append``)."""
    return frozenset().union(*(LEVEL_ACTIONS.get(part, frozenset()) for part in level.split("+") if part))


_TX_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    tables: tuple[tuple[str, str], ...]  # (physical table name, IAM action it needs), in request order
    items_read: int = 0  # items the call read (Query/Scan: scanned; GetItem: 0 or 1), a request's read cost
    # What bench/cost.py prices a call from: its parameters, its answer, and the time spent in it (moto's time
    # in-process, not AWS latency). Not part of a call's identity.
    params: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    response: Any = field(default=None, compare=False, repr=False)
    elapsed_s: float = field(default=0.0, compare=False, repr=False)

    def label(self, prefix: str) -> str:
        names = sorted({t[len(prefix) :] if t.startswith(prefix) else t for t, _ in self.tables})
        op = self.operation if self.service == "dynamodb" else f"{self.service}:{self.operation}"
        return f"{op}({','.join(names)})" if names else op


def tables_of(service: str, operation: str, params: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Which DynamoDB tables a call touches, and the IAM action each needs (transactions: per item)."""
    if service != "dynamodb":
        return ()
    if operation == "TransactWriteItems":
        return tuple(
            (spec["TableName"], _TX_ACTIONS[kind])
            for item in params.get("TransactItems", [])
            for kind, spec in item.items()
        )
    if operation == "TransactGetItems":
        return tuple((i["Get"]["TableName"], "GetItem") for i in params.get("TransactItems", []))
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return tuple((t, operation) for t in params.get("RequestItems", {}))
    if "TableName" in params:
        return ((params["TableName"], operation),)
    return ()


def items_read(operation: str, response: Any) -> int:
    """How many items a DynamoDB call read, from its response (0 when it failed or reads nothing)."""
    if not isinstance(response, dict):
        return 0
    if operation in ("Query", "Scan"):
        return int(response.get("ScannedCount", response.get("Count", 0)))
    if operation == "GetItem":
        return 1 if "Item" in response else 0
    if operation in ("BatchGetItem", "TransactGetItems"):
        found = response.get("Responses", {})
        return sum(len(v) for v in found.values()) if isinstance(found, dict) else len(found)
    return 0


class CallCounter:
    """Records every botocore API call made while :meth:`recording` is active (any thread)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._active = False
        self._lock = threading.Lock()
        self._original: Callable[..., Any] | None = None

    def install(self) -> None:
        import botocore.client

        if self._original is not None:
            return
        original = botocore.client.BaseClient._make_api_call
        counter = self

        def _make_api_call(client: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
            if not counter._active:
                return original(client, operation_name, api_params)
            response: Any = None
            started = time.perf_counter()
            try:
                response = original(client, operation_name, api_params)
                return response
            finally:
                elapsed = time.perf_counter() - started
                service = client.meta.service_model.service_name
                tables = tables_of(service, operation_name, api_params)
                read = items_read(operation_name, response)
                call = Call(service, operation_name, tables, read, api_params, response, elapsed)
                with counter._lock:
                    counter.calls.append(call)

        self._original = original
        botocore.client.BaseClient._make_api_call = _make_api_call  # type: ignore[method-assign]

    def uninstall(self) -> None:
        import botocore.client

        if self._original is not None:
            botocore.client.BaseClient._make_api_call = self._original  # type: ignore[method-assign]
            self._original = None

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[Call]]:
        with self._lock:
            self.calls = []
        self._active = True
        try:
            yield self.calls
        finally:
            self._active = False


@dataclass
class Measured:
    """One measured request: which function, in what situation, what it answered, which calls it made."""

    function: str
    variant: str
    status: int
    calls: list[Call] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.function} ({self.variant})" if self.variant else self.function

    @property
    def dynamodb(self) -> int:
        return sum(1 for c in self.calls if c.service == "dynamodb")

    @property
    def other(self) -> int:
        return sum(1 for c in self.calls if c.service != "dynamodb")

    def operations(self, prefix: str = "") -> str:
        return " + ".join(c.label(prefix) for c in self.calls) or "-"

    def ops(self) -> list[str]:
        """Operations as ``service:Operation`` strings, in order (what the tests pin)."""
        return [c.operation if c.service == "dynamodb" else f"{c.service}:{c.operation}" for c in self.calls]

    def table_actions(self, prefix: str) -> dict[str, set[str]]:
        """Logical table -> the IAM actions this request needed on it."""
        out: dict[str, set[str]] = {}
        for c in self.calls:
            for table, action in c.tables:
                out.setdefault(table[len(prefix) :] if table.startswith(prefix) else table, set()).add(action)
        return out

    def access_violations(self, prefix: str) -> dict[str, list[str]]:
        """What this request needed beyond ``intentbid.iam.effective(function)`` - its IAM in AWS: the
        function's own ACCESS plus the middleware's (rate limits, idempotency) - {} when within it."""
        from intentbid.iam import effective

        access = effective(self.function)
        out: dict[str, list[str]] = {}
        for table, actions in self.table_actions(prefix).items():
            missing = actions - allowed_actions(access.tables.get(table, ""))
            if missing:
                out[table] = sorted(missing)
        starts = any(c.service == "stepfunctions" and c.operation == "StartExecution" for c in self.calls)
        if starts and not access.start_expiry:
            out["stepfunctions"] = ["StartExecution"]
        return out


# --- the round ----------------------------------------------------------------------------------------------------

VENDOR_BODY = {"name": "Acme Supplies", "email": "sales@acme.example"}
BUYER_BODY = {"name": "Globex Procurement", "email": "buy@globex.example"}


def rfo_body(now: datetime) -> dict[str, Any]:
    weights = {"price": 0.7, "delivery": 0.3}
    return testdata.rfo_body(now, expires_in_s=7 * DAY_S, need_by_in_s=30 * DAY_S, **testdata.CHAIRS, weights=weights)


def offer_body(now: datetime) -> dict[str, Any]:
    notes = "Free delivery over 100 units."
    return testdata.offer_body(now, valid_for_s=10 * DAY_S, **testdata.CHAIR_OFFER, notes=notes)


def principal_of(registration: dict[str, Any], kind: str) -> dict[str, Any]:
    key = registration["key"]
    return {
        "kind": kind,
        "id": registration[kind]["id"],
        "key_id": key["key_id"],
        "scopes": key["scopes"],
        "environment": key["environment"],
    }


def create_expiry_state_machine() -> str:
    """A state machine for rfo_create to start (moto records the execution; it does not need to run)."""
    import boto3

    sfn = boto3.client("stepfunctions")
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    arn = sfn.create_state_machine(
        name="intentbid-bench-rfo-expiry",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/intentbid-bench-sfn",
    )["stateMachineArn"]
    return str(arn)


def play_round(counter: CallCounter) -> list[Measured]:
    """Play one marketplace round through the real handlers; measure one request per row.

    Needs moto active and the tables created (the ``aws`` fixture, or :func:`main`)."""
    from intentbid import config
    from intentbid.adapters import expiry_scheduler as expiry

    previous = os.environ.get("EXPIRY_STATE_MACHINE_ARN")
    os.environ["EXPIRY_STATE_MACHINE_ARN"] = create_expiry_state_machine()
    config.reload()  # the handlers read the environment through the settings, loaded once
    expiry._client.cache_clear()  # a client bound to this moto session
    try:
        return _play(counter)
    finally:
        from intentbid.domain import clock

        clock.set_clock(None)
        expiry._client.cache_clear()
        if previous is None:
            os.environ.pop("EXPIRY_STATE_MACHINE_ARN", None)
        else:
            os.environ["EXPIRY_STATE_MACHINE_ARN"] = previous
        config.reload()


class _Round:
    """Calls handlers with API Gateway events; measures the calls of the requests that are rows."""

    def __init__(self, counter: CallCounter) -> None:
        self.counter = counter
        self.results: list[Measured] = []

    def __call__(self, function: str, variant: str = "", *, measure: bool = True, **kwargs: Any) -> Any:
        event = api_event(function, **kwargs)
        if measure:
            with self.counter.recording() as calls:
                result = call(function, event)
            self.results.append(Measured(function, variant, result["statusCode"], list(calls)))
        else:
            result = call(function, event)
        body = result.get("body")
        if result["statusCode"] >= 400 and result["statusCode"] != EXPECTED_STATUS.get((function, variant)):
            # every request of the round is meant to succeed, but for the rows meant to be refused
            raise RuntimeError(f"{function} {variant}: {result['statusCode']} {body}")
        ctype = result.get("headers", {}).get("Content-Type", "")
        return json.loads(body) if body and "json" in ctype else body


def _play(counter: CallCounter) -> list[Measured]:
    from intentbid.domain import clock

    # A frozen clock: per-key rate-limit windows (and the once-per-window ``last_used_at`` write) fall the same
    # way on every run, so the counts are exact facts.
    t0 = float(int(time.time() // 60) * 60 + 1)
    clock.set_clock(lambda: t0)
    now = clock.now()
    request = _Round(counter)
    for public in ("health", "ready", "openapi", "docs", "errors"):
        request(public)
    request("error_entry", path={"code": "validation_failed"})
    vendor_reg = request("vendor_register", body=VENDOR_BODY)
    buyer_reg = request("buyer_register", body=BUYER_BODY)
    vendor, buyer = principal_of(vendor_reg, "vendor"), principal_of(buyer_reg, "buyer")
    vendor2 = principal_of(request("vendor_register", body=VENDOR_BODY, measure=False), "vendor")
    request.results.extend(_authorizer(counter, buyer_reg["api_key"]))

    request("me", principal=buyer)
    _refused(request, principal_of(request("vendor_register", body=VENDOR_BODY, measure=False), "vendor"))
    for kind, who in (("vendor", vendor), ("buyer", buyer)):
        _keys(request, kind, who)
    _webhooks(request, vendor)
    rfo_id = request("rfo_create", body=rfo_body(now), principal=buyer)["id"]
    request("rfo_list", "buyer", principal=buyer)
    request("rfo_list", "vendor", principal=vendor)
    request("rfo_get", "buyer", path={"rfo_id": rfo_id}, principal=buyer)
    request("rfo_get", "vendor", path={"rfo_id": rfo_id}, principal=vendor)
    offer_id = request("offer_submit", path={"rfo_id": rfo_id}, body=offer_body(now), principal=vendor)["id"]
    idem = {"path": {"rfo_id": rfo_id}, "body": offer_body(now), "principal": vendor2}
    first = request("offer_submit", "Idempotency-Key", headers={"Idempotency-Key": "bench-1"}, **idem)
    request("offer_submit", "Idempotency-Key replay", headers={"Idempotency-Key": "bench-1"}, **idem)
    request("offer_list", "buyer", path={"rfo_id": rfo_id}, principal=buyer)
    request("offer_list", "vendor", path={"rfo_id": rfo_id}, principal=vendor)
    request("offer_get", "vendor", path={"offer_id": offer_id}, principal=vendor)
    request("offer_get", "buyer", path={"offer_id": offer_id}, principal=buyer)
    clock.set_clock(lambda: t0 + 60)  # past the revision cooldown; a new rate-limit window
    request("offer_revise", path={"offer_id": offer_id}, body={"unit_price": 20_900}, principal=vendor)
    request("ranking", path={"rfo_id": rfo_id}, principal=buyer)
    request("ranking", "first page", path={"rfo_id": rfo_id}, query={"limit": "20"}, principal=buyer)
    request("vendor_offers", path={"vendor_id": vendor["id"]}, principal=vendor)
    request("vendor_rejections", path={"vendor_id": vendor["id"]}, principal=vendor)
    weights = {
        k: float(v) for k, v in request("ranking_explain", path={"rfo_id": rfo_id}, principal=buyer)["weights"].items()
    }
    request("rfo_weights", path={"rfo_id": rfo_id}, body={"weights": weights}, principal=buyer)
    request("scoring_catalog")
    token = request("public_token_create", path={"rfo_id": rfo_id}, body={"show_prices": True}, principal=buyer)
    request("public_rfo", path={"token": token["token"]})
    request("public_token_revoke", path={"rfo_id": rfo_id}, principal=buyer)
    request("offer_withdraw", path={"offer_id": offer_id}, principal=vendor)

    _lifecycle(request, rfo_id, first["id"], buyer, vendor2, now)

    later = clock.now()  # the clock moved past the revision cooldown
    soon = rfo_body(later) | {"expires_at": at(later, seconds=5)}
    due = request("rfo_create", body=soon, principal=buyer, measure=False)
    request.results.extend(_workers(counter, due, offer_id))
    return request.results


def _lifecycle(
    request: _Round,
    rfo_id: str,
    winner: str,
    buyer: dict[str, Any],
    vendor2: dict[str, Any],
    now: datetime,
) -> None:
    """Close, reopen and award the RFO; its history and the audit log; ops' flags and cooldowns; delete another."""
    from intentbid.domain import clock

    request("rfo_close", path={"rfo_id": rfo_id}, body={"reason": "enough offers"}, principal=buyer)
    reopen = {"expires_at": at(now, days=5), "reason": "one more round"}
    request("rfo_reopen", path={"rfo_id": rfo_id}, body=reopen, principal=buyer)
    request("rfo_award", path={"rfo_id": rfo_id}, body={"offer_id": winner}, principal=buyer)
    request("rfo_history", path={"rfo_id": rfo_id}, principal=buyer)
    admin = admin_principal()
    request("admin_audit", query={"target": rfo_id}, principal=admin)
    request("admin_flags", principal=admin)
    cooldown = {"until": at(clock.now(), hours=1), "reason": "bench"}
    request("admin_cooldown_set", path={"vendor_id": vendor2["id"]}, body=cooldown, principal=admin)
    request("admin_cooldown_lift", path={"vendor_id": vendor2["id"]}, principal=admin)
    spare = request("rfo_create", body=rfo_body(now), principal=buyer, measure=False)["id"]
    request("rfo_delete", path={"rfo_id": spare}, principal=buyer)


def _refused(request: _Round, who: dict[str, Any]) -> None:
    """A request over its key's budget (a quota of 1, spent by an unmeasured first call): the refused
    UpdateItem, then one GetItem saying which budget ran out (per key or per account)."""
    from intentbid import config

    saved = os.environ.get("INTENTBID_RATE_LIMIT_VENDOR")
    os.environ["INTENTBID_RATE_LIMIT_VENDOR"] = "1/60"
    config.reload()
    try:
        request("me", principal=who, measure=False)
        request("me", "rate-limited", principal=who)
    finally:
        if saved is None:
            del os.environ["INTENTBID_RATE_LIMIT_VENDOR"]
        else:
            os.environ["INTENTBID_RATE_LIMIT_VENDOR"] = saved
        config.reload()


def _keys(request: _Round, kind: str, who: dict[str, Any]) -> None:
    """Key management for one account: create, list, rename, rotate, revoke (a key made for the purpose)."""
    owner = {f"{kind}_id": who["id"]}
    key_id = request(f"{kind}_key_create", path=owner, body={"name": "ci"}, principal=who)["key"]["key_id"]
    request(f"{kind}_key_list", path=owner, principal=who)
    request(f"{kind}_key_patch", path={**owner, "key_id": key_id}, body={"name": "ci-renamed"}, principal=who)
    rotated = request(f"{kind}_key_rotate", path={**owner, "key_id": key_id}, body={"grace_seconds": 0}, principal=who)
    request(f"{kind}_key_revoke", path={**owner, "key_id": rotated["key"]["key_id"]}, principal=who)
    request(f"{kind}_patch", path=owner, body={"email_events": ["webhook.disabled"]}, principal=who)


def _webhooks(request: _Round, who: dict[str, Any]) -> None:
    """A vendor's webhook endpoint: create, list, get, patch, rotate its secret, delete (a literal public address,
    so the create's courtesy resolution makes no lookup)."""
    body = {"url": "https://93.184.215.14/intentbid", "events": ["rfo.created", "offer.won"]}
    hook = request("webhook_create", body=body, principal=who)["webhook"]["id"]
    request("webhook_list", principal=who)
    request("webhook_get", path={"webhook_id": hook}, principal=who)
    request("webhook_patch", path={"webhook_id": hook}, body={"description": "order desk"}, principal=who)
    request("webhook_rotate", path={"webhook_id": hook}, body={"grace_seconds": 3600}, principal=who)
    path = {"webhook_id": hook}
    delivery = request("webhook_test", path=path, body={}, principal=who)["delivery"]["id"]
    request("webhook_deliveries", path=path, principal=who)
    request("webhook_delivery_get", path={**path, "delivery_id": delivery}, principal=who)
    request("webhook_delivery_retry", path={**path, "delivery_id": delivery}, principal=who)
    request("webhook_recover", path=path, body={"since": "2020-01-01T00:00:00Z"}, principal=who)
    request("webhook_delete", path={"webhook_id": hook}, principal=who)
    request("event_list", principal=who)  # its own partition and its kind's audience: one Query each
    request("realtime_ticket", principal=who)  # the one-time ticket: stored as its hash


def admin_principal() -> dict[str, Any]:
    """A real ops account and key (as the runtime bootstraps one), as the authorizer describes it."""
    from intentbid.services.accounts import create_admin

    _, secret = create_admin("bench-ops")
    ctx = call("authorizer", authorizer_request(secret, "GET", "/v1/admin/audit"))["context"]
    return {"kind": "admin", "id": ctx["principal_id"], "key_id": ctx["key_id"], "scopes": ctx["scopes"].split()}


def _authorizer(counter: CallCounter, api_key: str) -> list[Measured]:
    """The authorizer: one key lookup per request (no caching); a malformed key never reaches the table."""
    from intentbid.domain import keys

    results: list[Measured] = []
    with counter.recording() as calls:
        decision = call("authorizer", authorizer_request(api_key))
    allowed = decision["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    results.append(Measured("authorizer", "valid key", 200 if allowed else 403, list(calls)))
    for variant, key in (("unknown key", keys.generate("live")), ("malformed key", "ib_live_short")):
        with counter.recording() as calls:
            try:
                call("authorizer", authorizer_request(key))
                status = 200
            except Exception as exc:  # Unauthorized -> API Gateway's 401
                status = 401 if str(exc) == "Unauthorized" else 500
        results.append(Measured("authorizer", variant, status, list(calls)))
    return results


def _workers(counter: CallCounter, due: dict[str, Any], offer_id: str) -> list[Measured]:
    """The expiry message for a due RFO, and one outbox stream record."""
    from intentbid.domain import clock

    results: list[Measured] = []
    now = clock.now()
    clock.set_clock(lambda: now.timestamp() + 60)
    try:
        message = {"rfo_id": due["id"], "expires_at": due["expires_at"], "deadline_version": 1}
        with counter.recording() as calls:
            out = call("rfo_expire", sqs_messages(message))
        results.append(Measured("rfo_expire", "due RFO", 200 if not out["batchItemFailures"] else 500, list(calls)))
    finally:
        clock.set_clock(None)
    with counter.recording() as calls:
        out = call("outbox_dispatch", stream_event(offer_id))
    results.append(Measured("outbox_dispatch", "1 event", 200 if not out["batchItemFailures"] else 500, list(calls)))
    sweep = sweep_event()  # the round's award marked every loser in its transaction: the sweep finds none
    with counter.recording() as calls:
        out = call("outbox_dispatch", sweep)
    status = 200 if not out["batchItemFailures"] else 500
    results.append(Measured("outbox_dispatch", "losers sweep", status, list(calls)))
    return results


def sweep_event() -> dict[str, Any]:
    """The award's ``rfo.losers_pending`` event, as the stream delivers it."""
    import boto3

    table = f"{os.environ['TABLE_PREFIX']}outbox"
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    return stream_inserts(next(i for i in items if i["type"]["S"] == "rfo.losers_pending"))


def stream_event(offer_id: str) -> dict[str, Any]:
    """One outbox INSERT (an ``offer.withdrawn`` event) as the stream delivers it."""
    image = {
        "id": {"S": "evt_01HZZZZZZZZZZZZZZZZZZZZZZZ"},
        "type": {"S": "offer.withdrawn"},
        "environment": {"S": "live"},
        "subject_id": {"S": offer_id},
        "payload": {"S": json.dumps({"offer_id": offer_id})},
        "created_at": {"S": "2030-01-01T00:00:00.000000+0000"},
        "expire_at": {"N": "1893456000"},
    }
    return stream_inserts(image)


EXPECTED_STATUS = {
    "vendor_register": 201,
    "buyer_register": 201,
    "rfo_create": 201,
    "offer_submit": 201,
    "rfo_delete": 204,
    "public_token_revoke": 204,
    "public_token_create": 201,
    "vendor_key_create": 201,
    "buyer_key_create": 201,
    "vendor_key_rotate": 201,
    "buyer_key_rotate": 201,
    "webhook_create": 201,
    "webhook_rotate": 201,
    "webhook_delete": 204,
    "webhook_test": 202,
    "webhook_delivery_retry": 202,
    "webhook_recover": 202,
    "realtime_ticket": 201,
    ("me", "rate-limited"): 429,
    ("authorizer", "unknown key"): 401,
    ("authorizer", "malformed key"): 401,
}


def expected_status(m: Measured) -> int:
    return int(EXPECTED_STATUS.get((m.function, m.variant), EXPECTED_STATUS.get(m.function, 200)))  # type: ignore[call-overload]


def print_table(results: list[Measured], prefix: str) -> None:
    rows = []
    for m in results:
        status = str(m.status) + ("" if m.status == expected_status(m) else " (!)")
        violations = m.access_violations(prefix)
        iam = (
            "ok"
            if not violations
            else "MISSING " + " ".join(f"{t}:{'/'.join(v)}" for t, v in sorted(violations.items()))
        )
        rows.append([m.name, status, str(m.dynamodb), str(m.other), iam, m.operations(prefix)])
    headers = ["function", "status", "DynamoDB", "other", "IAM (ACCESS)", "operations (tables)"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    align = "lrrrll"

    def fmt(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(cells, widths, align, strict=True))

    print(fmt(headers))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(fmt(r).rstrip())


def main() -> int:
    benchlib.offline()
    counter = CallCounter()
    prefix = "intentbid-bench-"
    with benchlib.moto_tables(prefix):
        counter.install()
        try:
            results = play_round(counter)
        finally:
            counter.uninstall()
    print("AWS API calls per request (in-process moto; one realistic request per row, setup not counted)\n")
    print_table(results, prefix)
    bad_status = [m.name for m in results if m.status != expected_status(m)]
    iam = [m.name for m in results if m.access_violations(prefix)]
    submit = next(m for m in results if m.function == "offer_submit")
    auth = next(m for m in results if m.function == "authorizer" and m.variant == "valid key")
    print()
    print(
        f"SUMMARY: {len(results)} requests, {sum(m.dynamodb for m in results)} DynamoDB + "
        f"{sum(m.other for m in results)} other calls; offer_submit {submit.dynamodb} DynamoDB (target <= 2), "
        f"authorizer {auth.dynamodb} (target 1); "
        + (f"unexpected status: {', '.join(bad_status)}; " if bad_status else "")
        + (f"tables beyond ACCESS: {', '.join(iam)}" if iam else "every request within its ACCESS")
    )
    return 0


if __name__ == "__main__":
    benchlib.report(main)

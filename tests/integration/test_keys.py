"""API keys v2 on moto: create/list/revoke/rotate/patch through the handlers, and the authorizer's verdicts
(revocation, rotation grace, IP allowlists) on a controllable clock."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from helpers import register
from lambda_harness import authorizer_request, call, invoke

from intentbid import authz_policy, config
from intentbid.domain import clock, keys
from intentbid_local.timefmt import rfc3339

pytestmark = pytest.mark.usefixtures("aws")
ARN = "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/v1/me"


@pytest.fixture(autouse=True)
def _real_clock_after() -> Any:
    yield
    clock.set_clock(None)


def authorize(
    secret: str,
    source_ip: str = "198.51.100.7",
    headers: dict[str, str] | None = None,
    method: str = "GET",
    path: str = "/v1/me",
) -> dict[str, Any] | str:
    """The authorizer's verdict: 'unauthorized', or the policy document."""
    event = authorizer_request(secret, method, path, source_ip=source_ip, headers=headers or {})
    event["methodArn"] = ARN.replace("GET/v1/me", f"{method}{path}")
    try:
        return call("authorizer", event)
    except Exception as exc:
        assert str(exc) == "Unauthorized"
        return "unauthorized"


def allowed(verdict: dict[str, Any] | str, method: str = "GET", path: str = "/v1/me") -> bool:
    return not isinstance(verdict, str) and authz_policy.evaluate(verdict, ARN.replace("GET/v1/me", f"{method}{path}"))


def key_call(
    fn: str, owner: dict[str, Any], key_id: str | None = None, body: Any = None, principal: dict[str, Any] | None = None
) -> tuple[int, Any]:
    path = {f"{owner['kind']}_id": owner["id"], **({"key_id": key_id} if key_id else {})}
    status, _, out = invoke(f"{owner['kind']}_key_{fn}", principal=principal or owner, path=path, body=body)
    return status, out


def test_create_list_and_several_active_keys() -> None:
    vendor = register("vendor")
    status, created = key_call(
        "create",
        vendor,
        body={"name": "ci", "scopes": ["offers:read", "rfos:read"], "ip_allowlist": ["203.0.113.9/24", "2001:db8::1"]},
    )
    assert status == 201 and created["api_key"].startswith("ib_live_")
    assert created["key"]["scopes"] == ["offers:read", "rfos:read"]
    assert created["key"]["ip_allowlist"] == ["203.0.113.0/24", "2001:db8::1/128"]
    status, page = key_call("list", vendor)
    assert status == 200 and len(page["data"]) == 2
    assert all(
        set(k)
        >= {
            "key_id",
            "name",
            "prefix",
            "last4",
            "status",
            "scopes",
            "ip_allowlist",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
        }
        for k in page["data"]
    )
    assert created["api_key"] not in str(page) and vendor["api_key"] not in str(page)
    for secret in (vendor["api_key"], created["api_key"]):
        assert allowed(authorize(secret, "203.0.113.200"))
    stored = boto3.client("dynamodb").scan(TableName="intentbid-test-api-keys")["Items"]
    keys_stored = {i["key_hash"]["S"] for i in stored if "key_id" in i}
    assert keys_stored == {keys.hash_key(vendor["api_key"]), keys.hash_key(created["api_key"])}
    assert {i["key_hash"]["S"] for i in stored} - keys_stored == {f"ledger#{vendor['id']}#live"}  # no secret there


def test_a_key_never_holds_a_scope_its_kind_lacks_and_patch_only_narrows() -> None:
    buyer = register("buyer")
    status, problem = key_call("create", buyer, body={"name": "x", "scopes": ["offers:write"]})
    assert status == 400 and problem["errors"][0] == {
        "field": "scopes[0]",
        "code": "unknown_scope",
        "message": problem["errors"][0]["message"],
    }
    _, created = key_call("create", buyer, body={"name": "narrow", "scopes": ["rfos:read"]})
    status, problem = key_call("patch", buyer, created["key"]["key_id"], {"scopes": ["rfos:read", "rfos:write"]})
    assert status == 400 and problem["errors"][0]["code"] == "scope_not_narrowing"
    status, patched = key_call("patch", buyer, buyer["key_id"], {"name": "renamed", "scopes": ["rfos:read"]})
    assert status == 200 and patched["name"] == "renamed" and patched["scopes"] == ["rfos:read"]
    status, problem = key_call("patch", buyer, buyer["key_id"], {"ip_allowlist": ["300.1.1.1", "10.0.0.0/8"]})
    assert status == 400 and problem["errors"] == [
        {"field": "ip_allowlist[0]", "code": "invalid_cidr", "message": problem["errors"][0]["message"]}
    ]


def test_revocation_takes_effect_on_the_next_request_and_is_idempotent() -> None:
    vendor = register("vendor")
    _, second = key_call("create", vendor, body={"name": "second"})
    assert allowed(authorize(vendor["api_key"]))
    status, revoked = key_call("revoke", vendor, vendor["key_id"])
    assert status == 200 and revoked["status"] == "revoked" and revoked["revoked_at"]
    verdict = authorize(vendor["api_key"])
    assert allowed(verdict) and verdict["context"]["auth_error"] == "key_revoked"  # the endpoint answers 401
    status, _, problem = invoke("me", principal={**vendor, "auth_error": verdict["context"]["auth_error"]})
    assert status == 401 and problem["code"] == "key_revoked"
    assert key_call("revoke", vendor, vendor["key_id"])[1] == revoked
    assert allowed(authorize(second["api_key"]))


def test_rotation_keeps_the_old_key_working_until_the_grace_ends() -> None:
    buyer = register("buyer")
    start = datetime.now(UTC).timestamp()
    clock.set_clock(lambda: start)
    status, rotated = key_call("rotate", buyer, buyer["key_id"], {"grace_seconds": 3600})
    assert status == 201 and rotated["key"]["scopes"] == sorted(buyer["scopes"])
    assert allowed(authorize(buyer["api_key"])) and "auth_error" not in authorize(buyer["api_key"])["context"]
    clock.set_clock(lambda: start + 3601)
    assert authorize(buyer["api_key"])["context"]["auth_error"] == "key_expired"
    assert "auth_error" not in authorize(rotated["api_key"])["context"]
    listed = {
        k["key_id"]: k["status"]
        for k in key_call("list", buyer, principal={**buyer, "key_id": rotated["key"]["key_id"]})[1]["data"]
    }
    assert listed == {buyer["key_id"]: "expired", rotated["key"]["key_id"]: "active"}
    status, problem = key_call("rotate", buyer, buyer["key_id"], {})
    assert status == 409 and problem["code"] == "key_already_rotated"
    assert problem["successor_key_id"] == rotated["key"]["key_id"]


def test_expired_keys_fail_with_key_expired() -> None:
    vendor = register("vendor")
    start = datetime.now(UTC).timestamp()
    _, short = key_call(
        "create", vendor, body={"name": "short", "expires_at": rfc3339(datetime.now(UTC) + timedelta(minutes=5))}
    )
    assert "auth_error" not in authorize(short["api_key"])["context"]
    clock.set_clock(lambda: start + 600)
    assert authorize(short["api_key"])["context"]["auth_error"] == "key_expired"


@pytest.mark.parametrize(
    ("allowlist", "source", "ok"),
    [
        (["203.0.113.0/24"], "203.0.113.77", True),
        (["203.0.113.0/24"], "203.0.114.1", False),
        (["2001:db8:abcd::/48"], "2001:db8:abcd:12::1", True),
        (["2001:db8:abcd::/48"], "2001:db8:abce::1", False),
        (["203.0.113.5"], "::ffff:203.0.113.5", True),
        ([], "192.0.2.1", True),
    ],
)
def test_ip_allowlists(allowlist: list[str], source: str, ok: bool) -> None:
    vendor = register("vendor")
    _, created = key_call("create", vendor, body={"name": "pinned", "ip_allowlist": allowlist})
    verdict = authorize(created["api_key"], source)
    assert allowed(verdict) is ok
    if not ok:
        assert verdict["context"]["deny_code"] == "ip_not_allowed"


def test_x_forwarded_for_cannot_spoof_the_allowlist() -> None:
    vendor = register("vendor")
    _, created = key_call("create", vendor, body={"name": "pinned", "ip_allowlist": ["203.0.113.0/24"]})
    spoof = {"X-Forwarded-For": "203.0.113.5", "X-Real-IP": "203.0.113.5", "Forwarded": "for=203.0.113.5"}
    verdict = authorize(created["api_key"], "198.51.100.1", headers=spoof)
    assert not allowed(verdict) and verdict["context"]["deny_code"] == "ip_not_allowed"


def test_scope_denial_in_the_authorizer_and_again_in_the_handler() -> None:
    vendor = register("vendor")
    _, read_only = key_call("create", vendor, body={"name": "ro", "scopes": ["rfos:read", "offers:read"]})
    verdict = authorize(read_only["api_key"], method="POST", path="/v1/rfos/rfo_x/offers")
    assert not allowed(verdict, "POST", "/v1/rfos/rfo_x/offers")
    assert verdict["context"]["deny_code"] == "insufficient_scope"
    assert allowed(authorize(read_only["api_key"], method="GET", path="/v1/rfos"), "GET", "/v1/rfos")


def test_other_owners_keys_are_404_and_admins_may_list_and_revoke() -> None:
    a, b = register("vendor", "A"), register("vendor", "B")
    assert key_call("list", a, principal=b)[0] == 404
    assert key_call("revoke", a, a["key_id"], principal=b)[0] == 404
    assert key_call("revoke", b, a["key_id"])[0] == 404  # a's key under b's path
    admin = {"kind": "admin", "id": "adm_ops", "scopes": ["admin"]}
    assert key_call("list", a, principal=admin)[0] == 200
    assert key_call("revoke", a, a["key_id"], principal=admin)[1]["status"] == "revoked"
    assert key_call("create", a, body={"name": "x"}, principal=admin)[0] == 403


def test_audit_records_key_changes_without_secrets() -> None:
    vendor = register("vendor")
    _, created = key_call("create", vendor, body={"name": "ci"})
    key_call("rotate", vendor, created["key"]["key_id"], {"grace_seconds": 0})
    items = boto3.client("dynamodb").scan(TableName="intentbid-test-audit")["Items"]
    assert {i["action"]["S"] for i in items} >= {"register", "key_create", "key_rotate"}
    assert created["api_key"] not in str(items) and vendor["api_key"] not in str(items)


def test_a_restricted_key_cannot_mint_a_more_powerful_one() -> None:
    vendor = register("vendor")
    _, manager = key_call("create", vendor, body={"name": "manager", "scopes": ["keys:manage", "rfos:read"]})
    narrowed = {**vendor, "scopes": manager["key"]["scopes"], "key_id": manager["key"]["key_id"]}
    status, default = key_call("create", vendor, body={"name": "child"}, principal=narrowed)
    assert status == 201 and default["key"]["scopes"] == ["keys:manage", "rfos:read"]  # not every vendor scope
    status, problem = key_call("create", vendor, body={"name": "x", "scopes": ["offers:write"]}, principal=narrowed)
    assert status == 400 and problem["errors"][0]["code"] == "scope_not_narrowing"


def test_a_sandbox_key_creates_only_sandbox_keys() -> None:
    vendor = register("vendor", sandbox=True)
    status, problem = key_call("create", vendor, body={"name": "live", "environment": "live"})
    assert status == 400 and problem["errors"][0]["field"] == "environment"
    status, created = key_call("create", vendor, body={"name": "test"})
    assert status == 201 and created["api_key"].startswith("ib_test_")


# --- issue 9: key management stays inside the caller's environment and power ---


def as_key(account: dict[str, Any], created: dict[str, Any]) -> dict[str, Any]:
    """The principal of a key made by ``key_call("create", ...)``."""
    key = created["key"]
    return {**account, "key_id": key["key_id"], "scopes": key["scopes"], "environment": key["environment"]}


def test_a_sandbox_key_never_sees_or_touches_live_keys() -> None:
    live = register("vendor")  # $L
    _, pinned = key_call("create", live, body={"name": "pinned", "ip_allowlist": ["10.9.9.9/32"]})
    _, test_key = key_call("create", live, body={"name": "sandbox", "environment": "test"})
    sandbox = as_key(live, test_key)  # $T: every vendor scope, keys:manage included
    listed = key_call("list", live, principal=sandbox)[1]["data"]
    assert [k["key_id"] for k in listed] == [test_key["key"]["key_id"]]
    for target in (live["key_id"], pinned["key"]["key_id"]):
        status, problem = key_call("rotate", live, target, {}, principal=sandbox)
        assert status == 404 and problem["code"] == "not_found"
        assert key_call("patch", live, target, {"ip_allowlist": []}, principal=sandbox)[0] == 404
        assert key_call("revoke", live, target, principal=sandbox)[0] == 404
    live_listed = key_call("list", live)[1]["data"]
    assert {k["key_id"] for k in live_listed} == {live["key_id"], pinned["key"]["key_id"]}
    assert all(k["status"] == "active" for k in live_listed) and len(live_listed) == 2  # nothing was touched
    assert key_call("list", live)[1]["data"][1]["ip_allowlist"] == ["10.9.9.9/32"]
    # ... and the other way round: a live key does not manage sandbox keys
    assert key_call("revoke", live, test_key["key"]["key_id"])[0] == 404
    # ops keep their powers across environments: list both, revoke either
    admin = {"kind": "admin", "id": "adm_ops", "scopes": ["admin"]}
    assert len(key_call("list", live, principal=admin)[1]["data"]) == 3
    assert key_call("revoke", live, test_key["key"]["key_id"], principal=admin)[1]["status"] == "revoked"


def test_a_keys_manage_only_key_cannot_rotate_or_widen_a_full_key() -> None:
    vendor = register("vendor")  # the full default key
    _, full = key_call("create", vendor, body={"name": "full", "ip_allowlist": ["10.9.9.9/32"]})
    _, manager = key_call("create", vendor, body={"name": "manager", "scopes": ["keys:manage"]})
    n = as_key(vendor, manager)  # $N
    status, problem = key_call("rotate", vendor, full["key"]["key_id"], {}, principal=n)
    assert status == 403 and problem["code"] == "insufficient_scope" and "offers:write" in problem["detail"]
    status, problem = key_call("patch", vendor, full["key"]["key_id"], {"ip_allowlist": []}, principal=n)
    assert status == 403 and problem["code"] == "insufficient_scope"
    assert key_call("patch", vendor, full["key"]["key_id"], {"name": "x"}, principal=n)[0] == 403
    listed = {k["key_id"]: k for k in key_call("list", vendor)[1]["data"]}
    assert listed[full["key"]["key_id"]]["ip_allowlist"] == ["10.9.9.9/32"]  # unchanged
    assert listed[full["key"]["key_id"]]["name"] == "full" and len(listed) == 3  # no successor was made
    # revoking only removes power: any keys:manage key of the environment may
    assert key_call("revoke", vendor, full["key"]["key_id"], principal=n)[1]["status"] == "revoked"
    # a key may rotate keys it covers, itself included; the successor holds what both hold
    _, reader = key_call("create", vendor, body={"name": "reader", "scopes": ["rfos:read"]})
    _, mid = key_call("create", vendor, body={"name": "mid", "scopes": ["keys:manage", "rfos:read", "offers:read"]})
    status, successor = key_call("rotate", vendor, reader["key"]["key_id"], {}, principal=as_key(vendor, mid))
    assert status == 201 and successor["key"]["scopes"] == ["rfos:read"]
    status, own = key_call("rotate", vendor, mid["key"]["key_id"], {}, principal=as_key(vendor, mid))
    assert status == 201 and own["key"]["scopes"] == ["keys:manage", "offers:read", "rfos:read"]
    status, own = key_call("rotate", vendor, manager["key"]["key_id"], {}, principal=n)
    assert status == 201 and own["key"]["scopes"] == ["keys:manage"]


def test_a_pinned_key_gives_other_keys_no_address_it_lacks() -> None:
    vendor = register("vendor")
    _, office = key_call("create", vendor, body={"name": "office", "ip_allowlist": ["10.9.0.0/16"]})
    _, target = key_call("create", vendor, body={"name": "target", "ip_allowlist": ["10.9.9.9/32"]})
    pinned = as_key(vendor, office)
    status, problem = key_call("patch", vendor, target["key"]["key_id"], {"ip_allowlist": []}, principal=pinned)
    assert status == 400 and problem["errors"][0] == {
        "field": "ip_allowlist",
        "code": "allowlist_not_narrowing",
        "message": problem["errors"][0]["message"],
    }
    status, problem = key_call(
        "patch", vendor, target["key"]["key_id"], {"ip_allowlist": ["10.9.1.1", "192.0.2.0/24"]}, principal=pinned
    )
    assert status == 400 and [e["field"] for e in problem["errors"]] == ["ip_allowlist[1]"]
    status, patched = key_call(
        "patch", vendor, target["key"]["key_id"], {"ip_allowlist": ["10.9.1.1"]}, principal=pinned
    )
    assert status == 200 and patched["ip_allowlist"] == ["10.9.1.1/32"]
    status, problem = key_call("create", vendor, body={"name": "free", "ip_allowlist": []}, principal=pinned)
    assert status == 400 and problem["errors"][0]["code"] == "allowlist_not_narrowing"
    status, child = key_call("create", vendor, body={"name": "child"}, principal=pinned)
    assert status == 201 and child["key"]["ip_allowlist"] == ["10.9.0.0/16"]  # by default its own
    # an unpinned key may unpin (it could create an unpinned key anyway)
    status, patched = key_call("patch", vendor, target["key"]["key_id"], {"ip_allowlist": []})
    assert status == 200 and patched["ip_allowlist"] == []


def test_concurrent_rotations_of_one_key_make_exactly_one_successor() -> None:
    vendor = register("vendor")
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: key_call("rotate", vendor, vendor["key_id"], {}), range(8)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 7, results
    (successor,) = [body for status, body in results if status == 201]
    assert all(
        body["code"] == "key_already_rotated" and body["successor_key_id"] == successor["key"]["key_id"]
        for status, body in results
        if status == 409
    )
    listed = key_call("list", vendor)[1]["data"]
    assert sorted(k["key_id"] for k in listed) == sorted([vendor["key_id"], successor["key"]["key_id"]])
    # a successor may be rotated in its turn (once)
    assert key_call("rotate", vendor, successor["key"]["key_id"], {})[0] == 201
    assert key_call("rotate", vendor, successor["key"]["key_id"], {})[1]["code"] == "key_already_rotated"


@pytest.fixture
def cap_of_3(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("INTENTBID_MAX_ACTIVE_KEYS_PER_ACCOUNT", "3")
    config.settings.cache_clear()
    yield
    monkeypatch.delenv("INTENTBID_MAX_ACTIVE_KEYS_PER_ACCOUNT")
    config.settings.cache_clear()


@pytest.mark.usefixtures("cap_of_3")
def test_active_keys_are_capped_per_account_and_environment() -> None:
    vendor = register("vendor")
    start = datetime.now(UTC).timestamp()
    clock.set_clock(lambda: start)
    _, second = key_call("create", vendor, body={"name": "2"})
    _, third = key_call(
        "create", vendor, body={"name": "3", "expires_at": rfc3339(datetime.now(UTC) + timedelta(minutes=5))}
    )
    status, problem = key_call("create", vendor, body={"name": "4"})
    assert status == 409 and problem["code"] == "key_limit_reached" and problem["limit"] == 3
    assert len(key_call("list", vendor)[1]["data"]) == 3  # nothing stored
    # the sandbox counts apart
    assert key_call("create", vendor, body={"name": "t", "environment": "test"})[0] == 201
    # a revoke frees a slot, and so does an expiry
    key_call("revoke", vendor, second["key"]["key_id"])
    assert key_call("create", vendor, body={"name": "4"})[0] == 201
    assert key_call("create", vendor, body={"name": "5"})[0] == 409
    clock.set_clock(lambda: start + 600)  # the third key has expired
    assert key_call("create", vendor, body={"name": "5"})[0] == 201
    # a rotation may go one over the cap while its grace runs; a second overlapping one may not
    status, rotated = key_call("rotate", vendor, vendor["key_id"], {"grace_seconds": 3600})
    assert status == 201
    keys_now = [k for k in key_call("list", vendor)[1]["data"] if k["status"] == "active"]
    assert len(keys_now) == 4
    status, problem = key_call("rotate", vendor, rotated["key"]["key_id"], {"grace_seconds": 3600})
    assert status == 409 and problem["code"] == "key_limit_reached"
    assert key_call("rotate", vendor, rotated["key"]["key_id"], {"grace_seconds": 0})[0] == 201  # replaces at once
    assert third["key"]["key_id"] not in {k["key_id"] for k in keys_now}


@pytest.mark.usefixtures("cap_of_3")
def test_the_key_cap_holds_under_concurrent_creates() -> None:
    vendor = register("vendor")
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: key_call("create", vendor, body={"name": f"k{i}"}), range(8)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 201] + [409] * 6, results
    assert all(body["code"] == "key_limit_reached" for status, body in results if status == 409)
    assert len(key_call("list", vendor)[1]["data"]) == 3


def test_the_key_list_is_paginated_and_stays_in_its_environment() -> None:
    buyer = register("buyer")
    made = {buyer["key_id"]} | {key_call("create", buyer, body={"name": f"k{i}"})[1]["key"]["key_id"] for i in range(6)}
    key_call("create", buyer, body={"name": "sandbox", "environment": "test"})
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        status, _, page = invoke("buyer_key_list", principal=buyer, path={"buyer_id": buyer["id"]}, query=query)
        assert status == 200 and len(page["data"]) <= 3
        seen += [k["key_id"] for k in page["data"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and sorted(seen) == sorted(made) and len(seen) == 7
    status, _, problem = invoke(
        "buyer_key_list", principal=buyer, path={"buyer_id": buyer["id"]}, query={"cursor": "bm9wZQ"}
    )
    assert status == 400 and problem["code"] == "invalid_cursor"


def test_audit_and_outbox_of_key_changes_carry_no_secret() -> None:
    vendor = register("vendor")
    _, created = key_call("create", vendor, body={"name": "ci"})
    _, rotated = key_call("rotate", vendor, created["key"]["key_id"], {"grace_seconds": 0})
    key_call("patch", vendor, rotated["key"]["key_id"], {"name": "ci2"})
    key_call("revoke", vendor, rotated["key"]["key_id"])
    client = boto3.client("dynamodb")
    stored = str(client.scan(TableName="intentbid-test-audit")["Items"])
    stored += str(client.scan(TableName="intentbid-test-outbox")["Items"])
    for secret in (vendor["api_key"], created["api_key"], rotated["api_key"]):
        assert secret not in stored and keys.hash_key(secret) not in stored
    assert "key_rotate" in stored and rotated["key"]["key_id"] in stored


def test_every_refused_field_of_a_key_request_comes_back_in_one_answer() -> None:
    """Issue 11: environment, expiry, scopes and allowlist are all checked; one 400 names each field at fault
    (a request wrong in one place keeps that check's own wording)."""
    sandbox = register("vendor", sandbox=True)
    status, problem = key_call(
        "create",
        sandbox,
        body={
            "name": "all wrong",
            "environment": "live",
            "expires_at": "2001-01-01T00:00:00Z",
            "scopes": ["rfos:write"],
            "ip_allowlist": ["not-an-address"],
        },
    )
    assert status == 400 and problem["code"] == "validation_failed"
    fields = {e["field"]: e["code"] for e in problem["errors"]}
    assert fields == {
        "environment": "environment_not_allowed",
        "expires_at": "in_past",
        "scopes[0]": "unknown_scope",
        "ip_allowlist[0]": fields["ip_allowlist[0]"],
    }
    assert problem["detail"] == "4 field(s) failed validation."
    vendor = register("vendor")
    _, target = key_call("create", vendor, body={"name": "target", "scopes": ["rfos:read"]})
    status, problem = key_call(
        "patch", vendor, target["key"]["key_id"], {"scopes": ["offers:write"], "ip_allowlist": ["10.0.0.0/33"]}
    )
    assert status == 400
    assert [e["field"] for e in problem["errors"]] == ["scopes[0]", "ip_allowlist[0]"]
    status, problem = key_call("patch", vendor, target["key"]["key_id"], {"scopes": ["offers:write"]})
    assert status == 400 and problem["detail"] == "The scopes are not valid for this key."  # alone: its own words
    _, listed = key_call("list", vendor)
    assert next(k for k in listed["data"] if k["key_id"] == target["key"]["key_id"])["scopes"] == ["rfos:read"]


def test_every_key_created_event_names_the_key_as_its_subject() -> None:
    """A registration is audited on the account but its outbox event announces the first key: subject = key id,
    like a key created later (consumers of key.created key on the subject)."""
    from intentbid.store.models.outbox import OutboxModel

    vendor = register("vendor")
    _, second = key_call("create", vendor, body={"name": "second"})
    created = [e for e in OutboxModel.scan() if e.type == "key.created" and vendor["id"] in e.payload]
    assert sorted(e.subject_id for e in created) == sorted([vendor["key_id"], second["key"]["key_id"]])

from __future__ import annotations

from pathlib import Path

import pytest

from intentbid import authz_policy
from intentbid.auth import Unauthorized, authorize
from intentbid.domain import keys
from intentbid.domain.principal import KIND_SCOPES
from intentbid.iam import ACCESS
from intentbid.routes import BY_FUNCTION, ROUTES, match
from intentbid.workers import AUTHORIZER, WORKERS

ROOT = Path(__file__).resolve().parents[2]
SECRET = keys.generate()


class FakeKey:
    def __init__(self, kind: str, scopes: list[str], status: str = "active") -> None:
        self.owner_kind, self.owner_id, self.key_id = kind, "p_1", "key_1"
        self.scopes, self.status, self.expires_at, self.environment = scopes, status, None, "live"
        self.ip_allowlist: list[str] = []


def test_every_route_and_worker_has_a_handler_and_an_access_entry() -> None:
    functions = [r.function for r in ROUTES] + [w.function for w in WORKERS] + [AUTHORIZER]
    assert len(set(functions)) == len(functions)
    for fn in functions:
        assert (ROOT / "functions" / fn / "app.py").is_file(), fn
        assert fn in ACCESS, fn
    for r in ROUTES:
        assert set(r.scopes) <= set().union(*KIND_SCOPES.values()), r.function


def test_literal_segments_win_over_parameters() -> None:
    route, params, _ = match("POST", "/v1/vendors/register")
    assert route is BY_FUNCTION["vendor_register"] and params == {}
    route, params, _ = match("GET", "/v1/vendors/ven_1/offers")
    assert route is BY_FUNCTION["vendor_offers"] and params == {"vendor_id": "ven_1"}
    assert match("DELETE", "/v1/health") == (None, {}, True)
    assert match("GET", "/v1/nothing") == (None, {}, False)


@pytest.mark.parametrize(
    ("kind", "scopes", "method", "path", "allowed"),
    [
        ("buyer", KIND_SCOPES["buyer"], "POST", "/v1/rfos", True),
        ("vendor", KIND_SCOPES["vendor"], "POST", "/v1/rfos", False),
        ("buyer", frozenset({"rfos:read"}), "POST", "/v1/rfos", False),
        ("vendor", KIND_SCOPES["vendor"], "POST", "/v1/rfos/rfo_1/offers", True),
        ("vendor", frozenset({"rfos:read"}), "POST", "/v1/rfos/rfo_1/offers", False),
        ("vendor", KIND_SCOPES["vendor"], "GET", "/v1/rfos/rfo_1/ranking", False),
        ("admin", KIND_SCOPES["admin"], "GET", "/v1/rfos/rfo_1/ranking", True),
        ("admin", KIND_SCOPES["admin"], "POST", "/v1/rfos", False),
    ],
)
def test_policy_allows_exactly_what_kind_and_scopes_permit(
    kind: str, scopes: frozenset[str], method: str, path: str, allowed: bool
) -> None:
    arn = f"arn:aws:execute-api:us-east-1:123456789012:api123/prod/{method}{path}"
    event = {"methodArn": arn, "httpMethod": method, "path": path, "headers": {"Authorization": f"Bearer {SECRET}"}}
    record = FakeKey(kind, sorted(scopes))
    doc = authorize(event, lambda h: record if h == keys.hash_key(SECRET) else None)
    assert authz_policy.evaluate(doc, arn) is allowed
    assert doc["context"]["principal_id"] == "p_1" and doc["context"]["key_id"] == "key_1"
    assert ("deny_code" in doc["context"]) is not allowed


def test_wildcard_resources_would_over_grant_which_is_why_policies_are_per_request() -> None:
    broad = {"policyDocument": {"Statement": [{"Effect": "Allow", "Resource": ["arn:x/prod/GET/v1/rfos/*"]}]}}
    assert authz_policy.evaluate(broad, "arn:x/prod/GET/v1/rfos/rfo_1/ranking")


def test_unknown_malformed_and_missing_keys_are_unauthorized_and_revoked_keys_reach_the_endpoint() -> None:
    arn = "arn:aws:execute-api:us-east-1:1:api/prod/GET/v1/me"
    base = {"methodArn": arn, "httpMethod": "GET", "path": "/v1/me"}
    for headers in (
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": f"Basic {SECRET}"},
        {"Authorization": f"Bearer {keys.generate()}"},
    ):
        with pytest.raises(Unauthorized):
            authorize({**base, "headers": headers}, lambda h: None)
    revoked = FakeKey("vendor", ["offers:read"], status="revoked")
    doc = authorize({**base, "headers": {"authorization": f"bearer {SECRET}"}}, lambda h: revoked)
    assert doc["context"]["auth_error"] == "key_revoked" and authz_policy.evaluate(doc, arn)


def test_explicit_deny_wins_and_no_statement_means_deny() -> None:
    allow = {"Effect": "Allow", "Resource": ["arn:x/prod/*"]}
    deny = {"Effect": "Deny", "Resource": ["arn:x/prod/GET/v1/rfos"]}
    assert not authz_policy.evaluate({"policyDocument": {"Statement": [allow, deny]}}, "arn:x/prod/GET/v1/rfos")
    assert authz_policy.evaluate({"policyDocument": {"Statement": [allow, deny]}}, "arn:x/prod/GET/v1/me")
    assert not authz_policy.evaluate({"policyDocument": {"Statement": []}}, "arn:x/prod/GET/v1/me")


def test_all_tables_lists_every_model_table() -> None:
    from intentbid.iam import ALL_TABLES
    from intentbid.store.tables import all_specs

    assert sorted(ALL_TABLES) == sorted(s.logical_name for s in all_specs())


def test_test_module_names_are_unique() -> None:
    """Test folders are not packages, so two test files with one basename collide ("import file mismatch")."""
    names = [p.name for p in (ROOT / "tests").rglob("test_*.py")]
    assert sorted(names) == sorted(set(names)), [n for n in set(names) if names.count(n) > 1]


def test_a_literal_segment_shadows_a_parameter_for_every_method() -> None:
    """As API Gateway's resource tree: ``/v1/vendors/register`` is its own resource, so a PATCH there is that
    resource's 405, never the account's ``PATCH /v1/vendors/{vendor_id}``."""
    from intentbid.routes import match

    assert match("PATCH", "/v1/vendors/register") == (None, {}, True)
    route, params, _ = match("PATCH", "/v1/vendors/ven_01J00000000000000000000000")
    assert route is not None and route.function == "vendor_patch"
    assert params == {"vendor_id": "ven_01J00000000000000000000000"}
    route, _, _ = match("POST", "/v1/buyers/register")
    assert route is not None and route.function == "buyer_register"

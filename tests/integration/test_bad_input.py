"""Bad input: every failure is problem+json with a stable code, never a 500, and nothing stored changes."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from helpers import create_rfo, offer_body, register, rfo_body, submit
from lambda_harness import invoke

pytestmark = pytest.mark.usefixtures("aws")

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "code", "retryable"}


BOOKKEEPING = frozenset({"last_used_at", "antigaming_live", "antigaming_test"})


def snapshot() -> dict[str, Any]:
    """Business data: request bookkeeping (rate-limit counters, a key's last_used_at) and the rejections log and
    the vendor's anti-gaming state (which record the refusal itself, by design) are not what a bad request may
    change."""
    ddb = boto3.client("dynamodb")
    tables = [t for t in ddb.list_tables()["TableNames"] if not t.endswith(("rate-limits", "rejections"))]
    return {
        t: sorted(
            json.dumps({k: v for k, v in i.items() if k not in BOOKKEEPING}, sort_keys=True)
            for i in ddb.scan(TableName=t)["Items"]
        )
        for t in tables
    }


def assert_problem(status: int, headers: dict[str, str], body: Any, expected_status: int, code: str) -> None:
    assert status == expected_status, body
    assert headers["Content-Type"] == "application/problem+json"
    assert set(body) >= PROBLEM_KEYS and body["code"] == code and body["status"] == expected_status
    assert body["instance"] == headers["X-Request-Id"]
    assert "Traceback" not in json.dumps(body)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "invalid_json"),
        ("", "invalid_json"),
        ("[1, 2]", "invalid_json"),
        ("null", "invalid_json"),
        ('"string"', "invalid_json"),
        ('{"a": ' * 5000 + "1" + "}" * 5000, "invalid_json"),
    ],
)
def test_malformed_bodies(raw: str, code: str) -> None:
    buyer = register("buyer")
    before = snapshot()
    assert_problem(*invoke("rfo_create", principal=buyer, raw_body=raw), 400, code)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("override", "field", "field_code"),
    [
        ({"quantity": "10"}, "quantity", "invalid_type"),
        ({"quantity": -5}, "quantity", "out_of_range"),
        ({"quantity": 10**20}, "quantity", "out_of_range"),
        ({"budget_max": 1.5}, "budget_max", "invalid_type"),
        ({"currency": "usd"}, "currency", "invalid_format"),
        ({"currency": "XXX"}, "currency", "invalid_choice"),
        ({"title": ""}, "title", "too_short"),
        ({"title": "x" * 201}, "title", "too_long"),
        ({"category": "Office Supplies'; DROP TABLE"}, "category", "invalid_format"),
        ({"need_by": "tomorrow"}, "need_by", "invalid_type"),
        ({"need_by": "2030-01-01T00:00:00"}, "need_by", "timezone_required"),
        ({"extra_field": 1}, "extra_field", "unknown_field"),
        ({"disclosure": "public"}, "disclosure", "invalid_choice"),
        ({"weights": {"price": -1}}, "weights.price", "out_of_range"),
        ({"weights": {"karma": 1}}, "weights.karma", "unknown_component"),
        ({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at", "in_past"),
    ],
)
def test_rfo_validation_names_the_field(override: dict[str, Any], field: str, field_code: str) -> None:
    buyer = register("buyer")
    before = snapshot()
    status, headers, body = invoke("rfo_create", principal=buyer, body=rfo_body(**override))
    assert_problem(status, headers, body, 400, "validation_failed")
    assert {"field": field, "code": field_code} in [{k: e[k] for k in ("field", "code")} for e in body["errors"]]
    assert snapshot() == before


def test_missing_fields_are_all_reported_together() -> None:
    buyer = register("buyer")
    status, headers, body = invoke("rfo_create", principal=buyer, body={"title": "Only a title"})
    assert_problem(status, headers, body, 400, "validation_failed")
    assert {e["field"] for e in body["errors"] if e["code"] == "required"} == {
        "category",
        "quantity",
        "unit",
        "budget_max",
        "currency",
        "delivery_region",
        "need_by",
        "expires_at",
    }


def test_bodies_over_256_kb_are_413() -> None:
    buyer = register("buyer")
    before = snapshot()
    huge = json.dumps(rfo_body(description="x" * (300 * 1024)))
    assert_problem(*invoke("rfo_create", principal=buyer, raw_body=huge), 413, "payload_too_large")
    assert snapshot() == before


@pytest.mark.parametrize(
    "bad_id",
    [
        "rfo_../../etc/passwd",
        "rfo_' OR '1'='1",
        "rfo_💥",
        "%00",
        "rfo_" + "A" * 500,
        "off_01ARZ3NDEKTSV4RRFFQ69G5FAV",
    ],
)
def test_hostile_ids_are_404(bad_id: str) -> None:
    buyer, vendor = register("buyer"), register("vendor")
    assert_problem(*invoke("rfo_get", principal=buyer, path={"rfo_id": bad_id}), 404, "not_found")
    assert_problem(
        *invoke("offer_submit", principal=vendor, path={"rfo_id": bad_id}, body=offer_body()), 404, "not_found"
    )
    assert_problem(*invoke("offer_get", principal=vendor, path={"offer_id": bad_id}), 404, "not_found")


def test_unicode_and_injection_looking_text_is_stored_verbatim() -> None:
    buyer = register("buyer")
    title = "Бумага A4 — <script>alert(1)</script> '; DROP TABLE rfos; -- 📦"
    rfo = create_rfo(buyer, title=title)
    assert invoke("rfo_get", principal=buyer, path={"rfo_id": rfo["id"]})[2]["title"] == title


@pytest.mark.parametrize(
    ("override", "code", "field"),
    [
        ({"availability_confirmed": False}, "availability_not_confirmed", "availability_confirmed"),
        ({"currency": "EUR"}, "currency_mismatch", "currency"),
        ({"valid_until": "2020-01-01T00:00:00Z"}, "in_past", "valid_until"),
        ({"delivery_date": "2020-01-01T00:00:00Z", "eta_days": None}, "in_past", "delivery_date"),
    ],
)
def test_offer_rules_give_their_own_code(override: dict[str, Any], code: str, field: str) -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    body = {k: v for k, v in offer_body(**override).items() if v is not None}
    before = snapshot()
    status, headers, problem = invoke("offer_submit", principal=vendor, path={"rfo_id": rfo["id"]}, body=body)
    assert_problem(status, headers, problem, 400, code)
    assert problem["errors"][0]["field"] == field
    assert snapshot() == before


def test_several_offer_rule_failures_are_reported_together() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    status, body = submit(vendor, rfo["id"], availability_confirmed=False, currency="EUR")
    assert status == 400 and body["code"] == "validation_failed"
    assert {e["code"] for e in body["errors"]} == {"availability_not_confirmed", "currency_mismatch"}


def test_offer_needs_exactly_one_delivery_field_and_revise_needs_a_change() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    status, body = submit(vendor, rfo["id"], delivery_date="2030-01-01T00:00:00Z")
    assert status == 400 and body["code"] == "validation_failed"
    _, offer = submit(vendor, rfo["id"])
    status, _, body = invoke("offer_revise", principal=vendor, path={"offer_id": offer["id"]}, body={})
    assert status == 400 and body["code"] == "validation_failed"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "eyJ4IjogMX0"}, "cursor"),
        ({"status": "open"}, "status"),
    ],
)
def test_bad_query_parameters(query: dict[str, str], field: str) -> None:
    buyer = register("buyer")
    status, headers, body = invoke("rfo_list", principal=buyer, query=query)
    assert status == 400 and headers["Content-Type"] == "application/problem+json"
    assert body["errors"][0]["field"] == field


def test_access_errors_from_the_adapter() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    assert_problem(*invoke("me"), 401, "unauthenticated")
    assert_problem(*invoke("me", principal={**buyer, "auth_error": "key_revoked"}), 401, "key_revoked")
    assert_problem(*invoke("me", principal={**buyer, "auth_error": "key_expired"}), 401, "key_expired")
    assert_problem(*invoke("rfo_create", principal=vendor, body=rfo_body()), 403, "forbidden")
    narrowed = {**buyer, "scopes": ["rfos:read"]}
    assert_problem(*invoke("rfo_create", principal=narrowed, body=rfo_body()), 403, "insufficient_scope")


def test_correlation_id_is_echoed_and_a_hostile_one_is_replaced() -> None:
    _, headers, _ = invoke("health", headers={"X-Correlation-Id": "agent-run-42"})
    assert headers["X-Correlation-Id"] == "agent-run-42"
    _, headers, _ = invoke("health", headers={"X-Correlation-Id": "bad\nvalue" * 50})
    assert headers["X-Correlation-Id"] == headers["X-Request-Id"]

"""Small builders for integration tests: accounts, RFOs and offers through the real handlers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from lambda_harness import invoke


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def register(kind: str, name: str = "Acme", sandbox: bool = False) -> dict[str, Any]:
    status, _, body = invoke(
        f"{kind}_register", body={"name": name, "email": f"{name.lower()}@example.com", "sandbox": sandbox}
    )
    assert status == 201, body
    account = body[kind]
    return {
        "kind": kind,
        "id": account["id"],
        "scopes": body["key"]["scopes"],
        "key_id": body["key"]["key_id"],
        "environment": body["key"]["environment"],
        "api_key": body["api_key"],
    }


def rfo_body(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "title": "Printer paper",
        "category": "office-supplies",
        "quantity": 100,
        "unit": "box",
        "budget_max": 500_000,
        "currency": "USD",
        "delivery_region": "eu-west",
        "need_by": iso(now + timedelta(days=10)),
        "expires_at": iso(now + timedelta(hours=2)),
    }
    body.update(overrides)
    return body


def offer_body(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "unit_price": 3_000,
        "currency": "USD",
        "quantity_available": 100,
        "eta_days": 3,
        "availability_confirmed": True,
        "valid_until": iso(now + timedelta(days=5)),
    }
    body.update(overrides)
    return body


def create_rfo(buyer: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    status, _, body = invoke("rfo_create", principal=buyer, body=rfo_body(**overrides))
    assert status == 201, body
    return body


def submit(vendor: dict[str, Any], rfo_id: str, **overrides: Any) -> tuple[int, Any]:
    status, _, body = invoke("offer_submit", principal=vendor, path={"rfo_id": rfo_id}, body=offer_body(**overrides))
    return status, body

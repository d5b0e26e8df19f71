"""Small builders for integration tests: accounts, RFOs and offers through the real handlers."""

from __future__ import annotations

from typing import Any

from lambda_harness import invoke

from intentbid_local.testdata import offer_body, rfo_body

__all__ = ["create_rfo", "offer_body", "register", "rfo_body", "submit"]  # the bodies are the kit's


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


def create_rfo(buyer: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    status, _, body = invoke("rfo_create", principal=buyer, body=rfo_body(**overrides))
    assert status == 201, body
    return body


def submit(vendor: dict[str, Any], rfo_id: str, **overrides: Any) -> tuple[int, Any]:
    status, _, body = invoke("offer_submit", principal=vendor, path={"rfo_id": rfo_id}, body=offer_body(**overrides))
    return status, body

"""Key guessing from one address, through the real authorizer and the real endpoint (as API Gateway chains them):
the shed address gets 429 ``too_many_failed_keys`` with ``Retry-After``, and a key this authorizer instance has
verified recently keeps working from that address (a NATed office is not locked out by one noisy machine)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers import register
from lambda_harness import api_event, call

from intentbid import auth
from intentbid.authz_policy import evaluate
from intentbid.domain import clock, keys

pytestmark = pytest.mark.usefixtures("aws")

OFFICE = "198.51.100.77"


@pytest.fixture(autouse=True)
def fresh_shed(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(auth, "shed", auth.FailureShed(limit=30))
    clock.set_clock(lambda: 1_800_000_000.0)  # 0 s into a minute
    yield
    clock.set_clock(None)


def call_me(api_key: str, ip: str = OFFICE) -> tuple[int, dict[str, str], Any]:
    """Authorizer, then (if allowed) the endpoint with the authorizer's context, as API Gateway does."""
    event = api_event("me", headers={"Authorization": f"Bearer {api_key}"}, source_ip=ip)
    arn = "arn:aws:execute-api:us-east-1:123456789012:api/test/GET/v1/me"
    try:
        decision = call("authorizer", {**event, "type": "REQUEST", "methodArn": arn})
    except Exception as exc:
        assert str(exc) == "Unauthorized"
        return 401, {}, {"code": "unauthenticated"}  # API Gateway's own 401
    if not evaluate(decision, arn):
        return 403, {}, {"code": decision["context"].get("deny_code")}
    event["requestContext"]["authorizer"] = {k: str(v) for k, v in decision["context"].items()}
    result = call("me", event)
    return result["statusCode"], result["headers"], json.loads(result["body"])


def test_a_shed_address_gets_429_with_retry_after_and_a_verified_key_still_works() -> None:
    colleague, newcomer = register("vendor"), register("buyer")
    assert call_me(colleague["api_key"])[0] == 200  # verified by this instance
    for _ in range(30):
        assert call_me(keys.generate())[0] == 401
    for _ in range(5):  # from the 31st guess on: shed, no table lookup
        assert call_me(keys.generate())[0] == 429
    clock.set_clock(lambda: 1_800_000_020.0)
    status, headers, body = call_me(keys.generate())
    assert status == 429 and body["code"] == "too_many_failed_keys" and headers["Retry-After"] == "40"
    assert headers["Content-Type"] == "application/problem+json" and body["retryable"] is True
    status, headers, body = call_me(newcomer["api_key"])  # a key never seen here: shed too, but told when
    assert status == 429 and body["code"] == "too_many_failed_keys" and headers["Retry-After"] == "40"
    status, _, body = call_me(colleague["api_key"])  # was 401 unauthenticated for the rest of the minute
    assert status == 200 and body["id"] == colleague["id"]
    assert call_me(newcomer["api_key"], ip="192.0.2.1")[0] == 200  # other addresses are not affected

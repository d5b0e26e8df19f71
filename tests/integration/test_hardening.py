"""Hardening of the public surface: a cheap, anonymous, throttled readiness check, and the security headers
every API response carries."""

from __future__ import annotations

import json

import pytest
from helpers import register
from lambda_harness import invoke

from intentbid.domain import clock
from intentbid.routes import ROUTES
from intentbid.services import health
from intentbid.store import rfos

pytestmark = pytest.mark.usefixtures("aws")


@pytest.fixture
def frozen() -> object:
    t = [1_800_000_000.0]
    clock.set_clock(lambda: t[0])
    yield t
    clock.set_clock(None)


def test_ready_names_no_table_and_asks_the_store_once_per_few_seconds(
    frozen: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = rfos.table_answers
    monkeypatch.setattr(rfos, "table_answers", lambda: calls.append(1) or real())
    for _ in range(20):
        status, _, body = invoke("ready", source_ip=f"192.0.2.{len(calls) + 1}")
        assert status == 200 and body == {"status": "ok", "checks": {"store": "ok"}}
    assert len(calls) == 1  # was 10 DescribeTable calls per request
    assert "intentbid" not in json.dumps(body) and "rfos" not in json.dumps(body)
    frozen[0] += health.CACHE_S
    monkeypatch.setattr(rfos, "table_answers", lambda: calls.append(1) or False)
    status, _, body = invoke("ready")
    assert status == 503 and body["code"] == "service_unavailable" and len(calls) == 2
    assert body["checks"] == {"store": "unavailable"} and "intentbid-" not in json.dumps(body)


def test_ready_is_throttled_per_source_ip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTBID_RATE_LIMIT_PUBLIC", "3/60")
    for _ in range(3):
        assert invoke("ready", source_ip="198.51.100.9")[0] == 200
    status, headers, body = invoke("ready", source_ip="198.51.100.9")
    assert status == 429 and body["code"] == "rate_limited" and int(headers["Retry-After"]) >= 1
    assert invoke("ready", source_ip="198.51.100.10")[0] == 200


@pytest.mark.parametrize("function", ["health", "ready", "openapi", "docs", "me", "rfo_list"])
def test_api_responses_carry_nosniff_and_hsts(function: str) -> None:
    buyer = register("buyer")
    route = next(r for r in ROUTES if r.function == function)
    principal = None if route.public else buyer
    for kwargs in ({"principal": principal}, {"principal": None}):  # a success and (for keyed routes) a 401
        _, headers, _ = invoke(function, **kwargs)
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"

"""Rate limits: exact admission under concurrency, RateLimit headers, 429 with Retry-After, per-IP
registration throttling, and the window reset on a controllable clock."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from helpers import register
from lambda_harness import invoke

from intentbid import config
from intentbid.domain import clock

pytestmark = pytest.mark.usefixtures("aws")


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("INTENTBID_RATE_LIMIT_VENDOR", "10/60")
    monkeypatch.setenv("INTENTBID_RATE_LIMIT_REGISTER", "3/3600")
    start = (datetime.now(UTC).timestamp() // 60) * 60 + 1  # the first second of a window
    clock.set_clock(lambda: start)
    yield start
    clock.set_clock(None)


def test_exactly_the_quota_is_admitted_under_concurrent_requests() -> None:
    vendor = register("vendor")
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: invoke("me", principal=vendor), range(25)))
    statuses = sorted(r[0] for r in results)
    assert statuses.count(200) == 10 and statuses.count(429) == 15
    for status, headers, body in results:
        assert headers["RateLimit-Policy"] == '"default";q=10;w=60'
        assert headers["RateLimit"].startswith('"default";r=')
        if status == 429:
            assert body["code"] == "rate_limited" and int(headers["Retry-After"]) == 59
            assert headers["RateLimit"] == '"default";r=0;t=59'
    remaining = sorted(int(h["RateLimit"].split("r=")[1].split(";")[0]) for s, h, _ in results if s == 200)
    assert remaining == list(range(10))


def test_the_window_resets(_settings: float) -> None:
    vendor = register("vendor")
    for _ in range(10):
        invoke("me", principal=vendor)
    assert invoke("me", principal=vendor)[0] == 429
    clock.set_clock(lambda: _settings + 60)
    assert invoke("me", principal=vendor)[0] == 200


def test_limits_are_per_key() -> None:
    a, b = register("vendor", "A"), register("vendor", "B")
    for _ in range(10):
        invoke("me", principal=a)
    assert invoke("me", principal=a)[0] == 429 and invoke("me", principal=b)[0] == 200


def test_registration_is_throttled_per_source_ip() -> None:
    body = {"name": "Bot", "email": "bot@example.com"}
    statuses = [invoke("vendor_register", body=body)[0] for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    other_ip = invoke("vendor_register", body=body, source_ip="192.0.2.99")
    assert other_ip[0] == 201


def test_last_used_at_is_written_once_per_window_not_per_request() -> None:
    vendor = register("vendor")
    invoke("me", principal=vendor)
    _, _, page = invoke("vendor_key_list", principal=vendor, path={"vendor_id": vendor["id"]})
    first = page["data"][0]["last_used_at"]
    assert first is not None
    invoke("me", principal=vendor)
    _, _, page = invoke("vendor_key_list", principal=vendor, path={"vendor_id": vendor["id"]})
    assert page["data"][0]["last_used_at"] == first


def _fresh_key(vendor: dict[str, Any], environment: str = "live") -> dict[str, Any]:
    status, _, created = invoke(
        "vendor_key_create",
        principal=vendor,
        path={"vendor_id": vendor["id"]},
        body={"name": "fresh", "environment": environment},
    )
    assert status == 201, created
    key = created["key"]
    return {**vendor, "key_id": key["key_id"], "scopes": key["scopes"], "environment": key["environment"]}


def test_fresh_keys_do_not_multiply_the_accounts_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTBID_RATE_LIMIT_VENDOR_ACCOUNT", "15/60")
    vendor = register("vendor")
    keys = [_fresh_key(vendor) for _ in range(3)]
    sandbox = _fresh_key(vendor, "test")  # four key creates: 4 of the live account's 15 requests
    answers = [invoke("me", principal=k) for k in keys for _ in range(10)]
    assert [a[0] for a in answers].count(200) == 11  # 15 - 4, not 3 x 10
    refused = [a for a in answers if a[0] == 429]
    assert all(b["code"] == "rate_limited" and "per account" in b["detail"] for _, _, b in refused)
    assert all(h["RateLimit-Policy"] == '"account";q=15;w=60' and int(h["Retry-After"]) == 59 for _, h, _ in refused)
    # while the account has the more room, a key's own budget is the tighter one and the headers say so
    first = answers[0][1]
    assert first["RateLimit-Policy"] == '"default";q=10;w=60' and first["RateLimit"] == '"default";r=9;t=59'
    # the account's sandbox keys have a budget of their own
    assert invoke("me", principal=sandbox)[0] == 200


def test_the_account_budget_is_exact_under_concurrency(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTBID_RATE_LIMIT_VENDOR_ACCOUNT", "12/60")
    vendor = register("vendor")
    a, b = _fresh_key(vendor), _fresh_key(vendor)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: invoke("me", principal=(a, b, vendor)[i % 3]), range(30)))
    assert sorted(r[0] for r in results).count(200) == 10  # 12 - the two creates


def test_the_account_window_must_match_the_key_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTBID_RATE_LIMIT_VENDOR_ACCOUNT", "100/3600")
    with pytest.raises(ValueError, match="INTENTBID_RATE_LIMIT_VENDOR_ACCOUNT"):
        config.settings()
    monkeypatch.delenv("INTENTBID_RATE_LIMIT_VENDOR_ACCOUNT")  # until then every settings read fails (teardown's too)

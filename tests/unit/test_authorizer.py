"""The authorizer's decision in isolation: lookup by hash only, and shedding of key guessing per source IP."""

from __future__ import annotations

from typing import Any

import pytest

from intentbid import auth
from intentbid.domain import clock, keys

ARN = "arn:aws:execute-api:us-east-1:1:api/prod/GET/v1/me"


class Key:
    owner_kind, owner_id, key_id, environment = "vendor", "ven_1", "key_1", "live"
    scopes = ["rfos:read"]
    status, expires_at, ip_allowlist = "active", None, []


def event(token: str, ip: str = "198.51.100.1") -> dict[str, Any]:
    return {
        "methodArn": ARN,
        "httpMethod": "GET",
        "path": "/v1/me",
        "headers": {"Authorization": f"Bearer {token}"},
        "requestContext": {"identity": {"sourceIp": ip}},
    }


@pytest.fixture(autouse=True)
def fresh_shed(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(auth, "shed", auth.FailureShed(limit=5))
    clock.set_clock(lambda: 6_000.0)
    yield
    clock.set_clock(None)


def test_the_key_is_looked_up_by_its_sha256_only() -> None:
    good, seen = keys.generate(), []

    def lookup(h: str) -> Key | None:
        seen.append(h)
        return Key() if h == keys.hash_key(good) else None

    auth.authorize(event(good), lookup)
    with pytest.raises(auth.Unauthorized):
        auth.authorize(event(keys.generate()), lookup)
    assert seen[0] == keys.hash_key(good) and len(seen) == 2
    assert all(len(h) == 64 and good not in h for h in seen)


def test_malformed_keys_never_reach_the_table() -> None:
    calls = []
    for token in ("", "ib_live_short", "sk_live_" + "a" * 32, "ib_prod_" + "a" * 32, "ib_live_" + "ä" * 32):
        with pytest.raises(auth.Unauthorized):
            auth.authorize(event(token, ip=f"192.0.2.{len(calls)}"), calls.append)
    assert calls == []


def test_missing_and_malformed_keys_do_not_count_towards_shedding() -> None:
    good = keys.generate()
    for _ in range(10):
        with pytest.raises(auth.Unauthorized):
            auth.authorize(event("ib_live_short"), lambda h: None)
    assert auth.authorize(event(good), lambda h: Key())["context"]["principal_id"] == "ven_1"


def test_guessing_is_shed_per_ip_after_the_limit_until_the_minute_ends() -> None:
    good, lookups = keys.generate(), []

    def lookup(h: str) -> Key | None:
        lookups.append(h)
        return Key() if h == keys.hash_key(good) else None

    for _ in range(5):
        with pytest.raises(auth.Unauthorized):
            auth.authorize(event(keys.generate()), lookup)
    assert len(lookups) == 5
    with pytest.raises(auth.Unauthorized):  # even a valid key from the attacking IP, without a lookup
        auth.authorize(event(good), lookup)
    assert len(lookups) == 5
    assert auth.authorize(event(good, ip="203.0.113.50"), lookup)["context"]["principal_id"] == "ven_1"
    clock.set_clock(lambda: 6_060.0)
    assert auth.authorize(event(good), lookup)["context"]["principal_id"] == "ven_1"

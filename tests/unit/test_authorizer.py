"""The authorizer's decision in isolation: lookup by hash only, and shedding of key guessing per source IP."""

from __future__ import annotations

import contextlib
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


def shed_context(result: dict[str, Any]) -> dict[str, Any]:
    """A shed request: allowed through to the endpoint, which answers 429 ``too_many_failed_keys``."""
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    context: dict[str, Any] = result["context"]
    assert context["auth_error"] == "too_many_failed_keys" and "principal_id" not in context
    return context


def test_guessing_is_shed_per_ip_after_the_limit_until_the_minute_ends() -> None:
    good, lookups = keys.generate(), []

    def lookup(h: str) -> Key | None:
        lookups.append(h)
        return Key() if h == keys.hash_key(good) else None

    for _ in range(5):
        with pytest.raises(auth.Unauthorized):
            auth.authorize(event(keys.generate()), lookup)
    assert len(lookups) == 5
    # further guesses, and a key this instance never verified, get 429 + Retry-After without a lookup
    assert shed_context(auth.authorize(event(keys.generate()), lookup))["retry_after"] == "60"
    clock.set_clock(lambda: 6_015.0)
    assert shed_context(auth.authorize(event(good), lookup))["retry_after"] == "45"
    assert len(lookups) == 5
    assert auth.authorize(event(good, ip="203.0.113.50"), lookup)["context"]["principal_id"] == "ven_1"
    clock.set_clock(lambda: 6_060.0)
    assert auth.authorize(event(good), lookup)["context"]["principal_id"] == "ven_1"


def test_a_key_verified_recently_is_not_shed_behind_a_shared_ip() -> None:
    """A NATed office: one colleague guesses (or misconfigures), everybody's working key keeps working."""
    good, other = keys.generate(), keys.generate()
    found = {keys.hash_key(good): Key(), keys.hash_key(other): Key()}
    assert auth.authorize(event(good), found.get)["context"]["principal_id"] == "ven_1"  # verified: remembered
    for _ in range(40):
        with contextlib.suppress(auth.Unauthorized):
            auth.authorize(event(keys.generate()), found.get)
    result = auth.authorize(event(good), found.get)
    assert result["context"]["principal_id"] == "ven_1" and "auth_error" not in result["context"]
    shed_context(auth.authorize(event(other), found.get))  # never verified here: shed
    revoked = Key()
    revoked.status = "revoked"
    found[keys.hash_key(good)] = revoked  # still looked up: a revocation takes effect at once
    assert auth.authorize(event(good), found.get)["context"]["auth_error"] == "key_revoked"
    clock.set_clock(lambda: 6_000.0 + auth.VERIFIED_TTL_S + 1)
    found[keys.hash_key(good)] = Key()
    for _ in range(5):
        with pytest.raises(auth.Unauthorized):
            auth.authorize(event(keys.generate()), found.get)
    shed_context(auth.authorize(event(good), found.get))  # verified too long ago


def test_the_verified_memory_is_bounded() -> None:
    shed = auth.FailureShed(limit=1, max_verified=3)
    for i in range(10):
        shed.verified(f"h{i}", 1.0)
    assert not shed.recently_verified("h0", 1.0) and shed.recently_verified("h9", 1.0)
    assert len(shed._verified) == 3

"""Idempotency-Key on POSTs: replay, reuse with another body, validation failures not stored, per principal."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from helpers import create_rfo, offer_body, register, rfo_body
from lambda_harness import invoke

pytestmark = pytest.mark.usefixtures("aws")


def count(table: str) -> int:
    return len(boto3.client("dynamodb").scan(TableName=f"intentbid-test-{table}")["Items"])


def post(fn: str, principal: dict[str, Any] | None, key: str, body: Any, **kw: Any) -> tuple[int, dict[str, str], Any]:
    return invoke(fn, principal=principal, headers={"Idempotency-Key": key}, body=body, **kw)


def test_replayed_create_returns_the_identical_response_and_creates_nothing() -> None:
    buyer = register("buyer")
    body = rfo_body()
    s1, h1, first = post("rfo_create", buyer, "create-1", body)
    s2, h2, second = post("rfo_create", buyer, "create-1", body)
    assert (s1, s2) == (201, 201) and first == second
    assert "Idempotent-Replayed" not in h1 and h2["Idempotent-Replayed"] == "true"
    assert h1["X-Request-Id"] != h2["X-Request-Id"]
    assert count("rfos") == 1 and count("audit") == 2  # registration + one create


def test_same_key_with_another_body_is_422_and_changes_nothing() -> None:
    buyer = register("buyer")
    post("rfo_create", buyer, "k", rfo_body())
    status, _, problem = post("rfo_create", buyer, "k", rfo_body(title="Different"))
    assert status == 422 and problem["code"] == "idempotency_key_reused"
    assert count("rfos") == 1


def test_keys_are_scoped_per_principal() -> None:
    a, b = register("buyer", "A"), register("buyer", "B")
    body = rfo_body()
    ra, rb = post("rfo_create", a, "same", body)[2], post("rfo_create", b, "same", body)[2]
    assert ra["id"] != rb["id"] and count("rfos") == 2


def test_validation_failures_are_not_stored() -> None:
    buyer = register("buyer")
    bad = rfo_body(quantity=-1)
    assert post("rfo_create", buyer, "fix-me", bad)[0] == 400
    status, headers, created = post("rfo_create", buyer, "fix-me", bad | {"quantity": 5})
    assert status == 201 and created["quantity"] == 5 and "Idempotent-Replayed" not in headers


def test_replayed_award_changes_nothing_and_returns_the_same_response() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    offer = invoke("offer_submit", principal=vendor, path={"rfo_id": rfo["id"]}, body=offer_body())[2]
    award = {"offer_id": offer["id"], "reason": "best"}
    s1, _, r1 = post("rfo_award", buyer, "award-1", award, path={"rfo_id": rfo["id"]})
    audits = count("audit")
    s2, h2, r2 = post("rfo_award", buyer, "award-1", award, path={"rfo_id": rfo["id"]})
    assert (s1, s2) == (200, 200) and r1 == r2 and h2["Idempotent-Replayed"] == "true"
    assert count("audit") == audits
    status, _, problem = invoke("rfo_award", principal=buyer, path={"rfo_id": rfo["id"]}, body=award)
    assert status == 409 and problem["code"] == "invalid_transition"  # without the key it is a new request


def test_registration_is_idempotent_per_source_ip_and_key_is_validated() -> None:
    body = {"name": "Agent", "email": "agent@example.com"}
    s1, _, r1 = post("vendor_register", None, "reg-1", body)
    s2, h2, r2 = post("vendor_register", None, "reg-1", body)
    assert (s1, s2) == (201, 201) and count("accounts") == 1 and h2["Idempotent-Replayed"] == "true"
    # A replay re-issues the key (the first answer was lost; its secret is never stored): the same account,
    # a fresh key with the same name and scopes, and the first key revoked.
    assert r1["api_key"].startswith("ib_live_") and r2["api_key"].startswith("ib_live_")
    assert r2["api_key"] != r1["api_key"] and r2["vendor"] == r1["vendor"] and count("accounts") == 1
    assert r2["key"]["key_id"] != r1["key"]["key_id"] and r2["key"]["scopes"] == r1["key"]["scopes"]
    stored = boto3.client("dynamodb").scan(TableName="intentbid-test-idempotency")["Items"]
    assert stored and r1["api_key"] not in str(stored) and r2["api_key"] not in str(stored)  # never stored
    status, _, problem = post("vendor_register", None, "x" * 256, body)
    assert status == 400 and problem["errors"][0]["field"] == "Idempotency-Key"


def test_a_sandbox_key_never_replays_the_live_response_of_its_account() -> None:
    """Issue 9, finding 3: the same Idempotency-Key and body from the account's sandbox key after its live key
    ran fresh in the sandbox (before: 201 with ``Idempotent-Replayed: true`` and the live RFO)."""
    live = register("buyer")
    sandbox = {**live, "environment": "test", "key_id": "key_sandbox"}
    body = rfo_body(title="Live only")
    s1, _, first = post("rfo_create", live, "cross-env", body)
    s2, h2, second = post("rfo_create", sandbox, "cross-env", body)
    assert (s1, s2) == (201, 201) and "Idempotent-Replayed" not in h2
    assert first["livemode"] is True and second["livemode"] is False and second["id"] != first["id"]
    assert count("rfos") == 2
    # each environment still replays its own record
    assert post("rfo_create", sandbox, "cross-env", body)[2] == second
    assert post("rfo_create", live, "cross-env", body)[2] == first


def test_a_retry_with_the_rotated_successor_key_replays() -> None:
    """The scope is (principal, environment), not the key id: a retry across a key rotation is not a new RFO."""
    buyer = register("buyer")
    body = rfo_body()
    first = post("rfo_create", buyer, "rotating", body)[2]
    status, headers, again = post("rfo_create", {**buyer, "key_id": "key_successor"}, "rotating", body)
    assert status == 201 and headers["Idempotent-Replayed"] == "true" and again == first and count("rfos") == 1


def test_the_same_key_with_another_if_match_is_another_request_not_a_replay() -> None:
    """An award's pin travels in a header: reusing the key with another If-Match must not replay the first
    answer (which would tell the buyer its stale pin succeeded)."""
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    offer = invoke("offer_submit", principal=vendor, path={"rfo_id": rfo["id"]}, body=offer_body())[2]
    etag = invoke("offer_get", principal=vendor, path={"offer_id": offer["id"]})[1]["ETag"]
    award, path = {"offer_id": offer["id"]}, {"rfo_id": rfo["id"]}
    stale = {"Idempotency-Key": "award-pin", "If-Match": '"stale"'}
    status, _, problem = invoke("rfo_award", principal=buyer, path=path, body=award, headers=stale)
    assert status == 409 and problem["code"] == "offer_changed"  # refusals are not stored
    status, _, _ = invoke("rfo_award", principal=buyer, path=path, body=award, headers={**stale, "If-Match": etag})
    assert status == 200
    status, _, problem = invoke("rfo_award", principal=buyer, path=path, body=award, headers=stale)
    assert status == 422 and problem["code"] == "idempotency_key_reused"


def _key_of(secret: str) -> Any:
    from intentbid.domain import keys
    from intentbid.store.key_lookup import find_by_hash

    return find_by_hash(keys.hash_key(secret))


def test_a_replayed_registration_re_issues_its_key_and_revokes_the_lost_one() -> None:
    """Issue 12: a registration whose answer was lost (a Lambda timeout after the write) is retried with the same
    Idempotency-Key; the replay must hand the client a working key, though secrets are stored only as hashes."""
    body = {"name": "Lost answer", "email": "lost@example.com"}
    first = post("buyer_register", None, "reg-lost", body)[2]
    s2, h2, second = post("buyer_register", None, "reg-lost", body)
    s3, _, third = post("buyer_register", None, "reg-lost", body)
    assert (s2, s3) == (201, 201) and h2["Idempotent-Replayed"] == "true" and count("accounts") == 1
    assert second["buyer"] == third["buyer"] == first["buyer"]
    one, two, three = (_key_of(r["api_key"]) for r in (first, second, third))
    assert (one.status, two.status, three.status) == ("revoked", "revoked", "active")  # the last replay holds it
    assert (one.successor_key_id, two.successor_key_id) == (two.key_id, three.key_id)
    assert (two.reissue_of, three.reissue_of) == (one.key_id, two.key_id)
    assert three.owner_id == first["buyer"]["id"] and list(three.scopes) == list(one.scopes)
    audit = boto3.client("dynamodb").scan(TableName="intentbid-test-audit")["Items"]
    assert sum(1 for a in audit if a["action"]["S"] == "key_reissue") == 4  # a revoke and a create per replay
    events = boto3.client("dynamodb").scan(TableName="intentbid-test-outbox")["Items"]
    assert sorted(e["type"]["S"] for e in events).count("key.revoked") == 2


def test_a_replay_after_the_key_was_used_or_rotated_re_issues_nothing() -> None:
    """Its holder has a working key: the replay answers ``api_key: null`` and every key stays as it is."""
    from intentbid.domain import clock
    from intentbid.store import api_keys

    body = {"name": "Got it", "email": "got@example.com"}
    first = post("vendor_register", None, "reg-used", body)[2]
    key = _key_of(first["api_key"])
    api_keys.touch(key.owner_id, key.key_id, clock.now())  # the key's first request
    status, headers, again = post("vendor_register", None, "reg-used", body)
    assert status == 201 and headers["Idempotent-Replayed"] == "true" and again == {**first, "api_key": None}
    assert _key_of(first["api_key"]).status == "active" and count("api-keys") <= 2  # the key (+ no ledger)


def test_concurrent_replays_of_one_registration_leave_exactly_one_working_key() -> None:
    from concurrent.futures import ThreadPoolExecutor

    body = {"name": "Racer", "email": "race@example.com"}
    first = post("vendor_register", None, "reg-race", body)[2]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: post("vendor_register", None, "reg-race", body), range(4)))
    assert all(a[0] == 201 for a in answers), answers
    secrets = [a[2]["api_key"] for a in answers]
    assert len(set(secrets)) == 4 and first["api_key"] not in secrets
    working = [s for s in [first["api_key"], *secrets] if _key_of(s).status == "active"]
    assert len(working) == 1

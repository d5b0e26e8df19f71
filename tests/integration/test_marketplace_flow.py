"""The core flow through the real handlers on moto: register, post an RFO, offer, rank, revise, withdraw."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from helpers import create_rfo, register, submit
from lambda_harness import invoke

from intentbid.domain import clock, keys
from intentbid_local.timefmt import rfc3339

pytestmark = pytest.mark.usefixtures("aws")


def test_registration_returns_the_key_once_and_stores_only_its_hash() -> None:
    status, headers, body = invoke("vendor_register", body={"name": "Bolt Ltd", "email": "Ops@Bolt.example"})
    assert status == 201 and headers["X-Request-Id"]
    secret = body["api_key"]
    assert secret.startswith("ib_live_") and body["key"]["last4"] == secret[-4:]
    assert body["vendor"]["id"].startswith("ven_") and body["vendor"]["email"] == "ops@bolt.example"
    assert "api_key" not in body["key"] and "key_hash" not in body["key"]
    items = boto3.client("dynamodb").scan(TableName="intentbid-test-api-keys")["Items"]
    assert [i["key_hash"]["S"] for i in items] == [keys.hash_key(secret)]
    assert secret not in str(items)


def test_me_reports_the_principal() -> None:
    buyer = register("buyer")
    status, _, body = invoke("me", principal=buyer)
    assert status == 200
    assert body == {
        "object": "principal",
        "kind": "buyer",
        "id": buyer["id"],
        "name": "Acme",  # what a client shows next to the id (the dashboard's header)
        "key_id": buyer["key_id"],
        "scopes": sorted(buyer["scopes"]),
        "environment": "live",
        "notify_email": "acme@example.com",  # the registration email until PATCH /v1/buyers/{id} changes it
        "email_events": ["webhook.disabled"],
    }


def test_buyer_posts_vendors_offer_and_the_ranking_is_deterministic() -> None:
    buyer = register("buyer")
    rfo = create_rfo(buyer, scoring_version="v1", profile="balanced")
    assert rfo["status"] == "OPEN" and rfo["weights"] == {"price": "0.600000", "delivery": "0.400000"}
    vendors = [register("vendor", f"V{i}") for i in range(3)]
    offers = [
        submit(v, rfo["id"], unit_price=p, eta_days=d)[1]
        for v, p, d in zip(vendors, (4_500, 3_000, 3_000), (2, 5, 2), strict=True)
    ]
    status, _, ranking = invoke("ranking", principal=buyer, path={"rfo_id": rfo["id"]})
    assert status == 200 and ranking["scoring_version"] == "v1"
    order = [row["offer_id"] for row in ranking["data"]]
    assert order == [offers[2]["id"], offers[1]["id"], offers[0]["id"]]
    assert [row["rank"] for row in ranking["data"]] == [1, 2, 3]
    assert [row["vendor_name"] for row in ranking["data"]] == ["V2", "V1", "V0"]  # who each vendor is
    assert invoke("ranking", principal=buyer, path={"rfo_id": rfo["id"]})[2] == ranking


def test_vendor_sees_open_rfos_without_buyer_identity_and_only_its_own_offers() -> None:
    buyer = register("buyer")
    rfo = create_rfo(buyer)
    a, b = register("vendor", "A"), register("vendor", "B")
    _, offer_a = submit(a, rfo["id"])
    _, offer_b = submit(b, rfo["id"])
    status, _, page = invoke("rfo_list", principal=a)
    assert status == 200 and [r["id"] for r in page["data"]] == [rfo["id"]]
    assert page["data"][0]["buyer_id"] is None
    _, _, mine = invoke("offer_list", principal=a, path={"rfo_id": rfo["id"]})
    assert [o["id"] for o in mine["data"]] == [offer_a["id"]]
    _, _, everything = invoke("offer_list", principal=buyer, path={"rfo_id": rfo["id"]})
    assert {o["id"] for o in everything["data"]} == {offer_a["id"], offer_b["id"]}
    # another vendor's offer, another buyer's RFO: 404, never 403
    assert invoke("offer_get", principal=a, path={"offer_id": offer_b["id"]})[0] == 404
    other_buyer = register("buyer", "Other")
    assert invoke("rfo_get", principal=other_buyer, path={"rfo_id": rfo["id"]})[0] == 404
    assert invoke("ranking", principal=other_buyer, path={"rfo_id": rfo["id"]})[0] == 404
    assert invoke("vendor_offers", principal=a, path={"vendor_id": b["id"]})[0] == 404
    _, _, own = invoke("vendor_offers", principal=a, path={"vendor_id": a["id"]})
    assert [o["id"] for o in own["data"]] == [offer_a["id"]]


def test_sandbox_and_live_never_see_each_other() -> None:
    live_buyer, test_vendor = register("buyer"), register("vendor", "T", sandbox=True)
    rfo = create_rfo(live_buyer)
    assert test_vendor["environment"] == "test"
    assert invoke("rfo_list", principal=test_vendor)[2]["data"] == []
    assert invoke("rfo_get", principal=test_vendor, path={"rfo_id": rfo["id"]})[0] == 404
    assert submit(test_vendor, rfo["id"])[0] == 404


def test_revise_and_withdraw() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    _, offer = submit(vendor, rfo["id"])
    clock.set_clock(lambda: datetime.now(UTC).timestamp() + 31)  # past the minimum interval between changes
    status, _, revised = invoke(
        "offer_revise",
        principal=vendor,
        path={"offer_id": offer["id"]},
        body={"unit_price": 2_500, "notes": "bulk discount"},
    )
    assert status == 200 and revised["unit_price"] == 2_500 and revised["revision"] == 2
    assert revised["submitted_at"] == offer["submitted_at"]
    other = register("vendor", "Other")
    assert invoke("offer_revise", principal=other, path={"offer_id": offer["id"]}, body={"unit_price": 1})[0] == 404
    assert invoke("offer_withdraw", principal=vendor, path={"offer_id": offer["id"]})[2]["status"] == "withdrawn"
    status, _, body = invoke("offer_withdraw", principal=vendor, path={"offer_id": offer["id"]})
    assert status == 409 and body["code"] == "offer_not_active"
    assert invoke("ranking", principal=buyer, path={"rfo_id": rfo["id"]})[2]["data"] == []
    clock.set_clock(None)


def test_a_revision_may_not_raise_the_price_while_the_rfo_is_open() -> None:
    """Bait and switch (issue 9, finding 5): ranked first at 3,900, the vendor may not revise to 7,400 (the
    default; ``INTENTBID_ALLOW_PRICE_INCREASE``). It may lower the price, or withdraw and submit anew."""
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    _, offer = submit(vendor, rfo["id"], unit_price=3_900)
    clock.set_clock(lambda: datetime.now(UTC).timestamp() + 31)
    try:
        path = {"offer_id": offer["id"]}
        status, _, body = invoke("offer_revise", principal=vendor, path=path, body={"unit_price": 7_400, "eta_days": 2})
        assert status == 400 and body["code"] == "price_increase_not_allowed"
        assert [(e["field"], e["code"]) for e in body["errors"]] == [("unit_price", "price_increase_not_allowed")]
        assert "3900" in body["errors"][0]["message"] and "3900" in body["detail"]
        stored = invoke("offer_get", principal=buyer, path=path)[2]
        assert (stored["unit_price"], stored["revision"]) == (3_900, 1)
        rejected = invoke("vendor_rejections", principal=vendor, path={"vendor_id": vendor["id"]})[2]["data"]
        assert [r["code"] for r in rejected] == ["price_increase_not_allowed"]
        status, _, same = invoke("offer_revise", principal=vendor, path=path, body={"unit_price": 3_900, "eta_days": 2})
        assert status == 200 and (same["unit_price"], same["revision"]) == (3_900, 2)
    finally:
        clock.set_clock(None)


def test_offers_are_refused_once_the_deadline_passed_even_before_the_worker_runs() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer, expires_at=rfc3339(datetime.now(UTC) + timedelta(seconds=30)))
    clock.set_clock(lambda: datetime.now(UTC).timestamp() + 60)
    try:
        status, body = submit(vendor, rfo["id"])
        assert status == 409 and body["code"] == "rfo_expired"
        assert invoke("rfo_get", principal=buyer, path={"rfo_id": rfo["id"]})[2]["status"] == "EXPIRED"
    finally:
        clock.set_clock(None)
    assert invoke("offer_list", principal=buyer, path={"rfo_id": rfo["id"]})[2]["data"] == []


def test_pagination_walks_every_item_once() -> None:
    buyer = register("buyer")
    created = {create_rfo(buyer, title=f"RFO {i}")["id"] for i in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        status, _, page = invoke("rfo_list", principal=buyer, query=query)
        assert status == 200
        seen += [r["id"] for r in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(created) and len(seen) == len(set(seen))

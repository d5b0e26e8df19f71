"""The public RFO view by share token: read-only, limited fields, revocable, unguessable, rate limited."""

from __future__ import annotations

import pytest
from helpers import create_rfo, register, submit
from lambda_harness import invoke

pytestmark = pytest.mark.usefixtures("aws")


def share(buyer: dict, rfo_id: str, **body: bool) -> dict:
    status, _, out = invoke("public_token_create", principal=buyer, path={"rfo_id": rfo_id}, body=body or None)
    assert status == 201, out
    return out


def test_shared_view_shows_limited_fields_and_no_identities_or_prices_by_default() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    submit(vendor, rfo["id"], unit_price=2_000)
    token = share(buyer, rfo["id"])
    assert token["token"].startswith("pub_") and token["url"].endswith(token["token"])
    status, _, view = invoke("public_rfo", path={"token": token["token"]})
    assert status == 200 and view["title"] == rfo["title"] and view["offer_count"] == 1
    assert view["budget_max"] is None and view["lowest_unit_price"] is None
    text = str(view)
    assert buyer["id"] not in text and vendor["id"] not in text and rfo["id"] not in text


def test_prices_only_when_the_buyer_allows_it_and_a_new_token_revokes_the_old() -> None:
    buyer, vendor = register("buyer"), register("vendor")
    rfo = create_rfo(buyer)
    submit(vendor, rfo["id"], unit_price=2_000)
    old = share(buyer, rfo["id"])
    new = share(buyer, rfo["id"], show_prices=True)
    assert invoke("public_rfo", path={"token": old["token"]})[0] == 404
    view = invoke("public_rfo", path={"token": new["token"]})[2]
    assert view["budget_max"] == rfo["budget_max"] and view["lowest_unit_price"] == 2_000


def test_revoked_unknown_and_malformed_tokens_are_404_and_only_the_owner_shares() -> None:
    buyer, other = register("buyer"), register("buyer", "Other")
    rfo = create_rfo(buyer)
    token = share(buyer, rfo["id"])
    assert invoke("public_token_create", principal=other, path={"rfo_id": rfo["id"]})[0] == 404
    status, _, _ = invoke("public_token_revoke", principal=buyer, path={"rfo_id": rfo["id"]})
    assert status == 204
    for t in (token["token"], "pub_" + "A" * 43, "../../etc", "pub_' OR 1=1"):
        status, _, body = invoke("public_rfo", path={"token": t})
        assert status == 404 and body["code"] == "not_found"


def test_public_view_is_rate_limited_per_ip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTBID_RATE_LIMIT_PUBLIC", "2/60")
    statuses = [invoke("public_rfo", path={"token": "pub_" + "B" * 43})[0] for _ in range(3)]
    assert statuses == [404, 404, 429]

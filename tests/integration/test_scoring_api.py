"""Scoring through the API: v2 by default, profiles, weights changes that re-rank at once, explain sums exactly,
disclosure of a vendor's own rank, and the public scoring catalog."""

from __future__ import annotations

from decimal import Decimal

import pytest
from helpers import create_rfo, register, submit
from lambda_harness import invoke

pytestmark = pytest.mark.usefixtures("aws")


def ranking(buyer: dict, rfo_id: str) -> list[str]:
    status, _, body = invoke("ranking", principal=buyer, path={"rfo_id": rfo_id})
    assert status == 200
    return [row["offer_id"] for row in body["data"]]


def test_new_rfos_pin_the_latest_version_and_their_category_profile() -> None:
    buyer = register("buyer")
    rfo = create_rfo(buyer, category="office-supplies")
    catalog = invoke("scoring_catalog")[2]
    assert rfo["scoring_version"] == catalog["default_version"] == "v2"
    profile = catalog["category_profiles"].get("office-supplies", "balanced")
    expected = next(p for p in catalog["profiles"] if p["name"] == profile)["weights"]["v2"]
    assert rfo["weights"] == expected and sum(Decimal(w) for w in rfo["weights"].values()) == 1
    fast = create_rfo(buyer, profile="fastest")
    assert Decimal(fast["weights"]["delivery"]) > Decimal(fast["weights"]["price"])


def test_changing_weights_reranks_at_once_and_is_audited() -> None:
    buyer = register("buyer")
    rfo = create_rfo(buyer, profile="balanced")
    cheap, fast = register("vendor", "Cheap"), register("vendor", "Fast")
    _, cheap_offer = submit(cheap, rfo["id"], unit_price=2_000, eta_days=9)
    _, fast_offer = submit(fast, rfo["id"], unit_price=4_000, eta_days=1)
    status, _, updated = invoke(
        "rfo_weights",
        principal=buyer,
        path={"rfo_id": rfo["id"]},
        body={"weights": {"price": 1, "delivery": 0, "availability": 0, "reliability": 0}},
    )
    assert status == 200 and updated["weights"]["price"] == "1.000000"
    assert ranking(buyer, rfo["id"]) == [cheap_offer["id"], fast_offer["id"]]
    invoke("rfo_weights", principal=buyer, path={"rfo_id": rfo["id"]}, body={"weights": {"delivery": 1}})
    assert ranking(buyer, rfo["id"]) == [fast_offer["id"], cheap_offer["id"]]
    history = invoke("rfo_history", principal=buyer, path={"rfo_id": rfo["id"]})[2]["data"]
    assert [h["action"] for h in history].count("weights") == 2


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"weights": {"karma": 1}}, "weights.karma", "unknown_component"),
        ({"weights": {"price": -1}}, "weights.price", "out_of_range"),
        ({"weights": {"price": 0, "delivery": 0}}, "weights", "weights_all_zero"),
        ({"profile": "luckiest"}, "profile", "unknown_profile"),
        ({"scoring_version": "v9"}, "scoring_version", "unknown_scoring_version"),
        ({}, "weights", "required"),
    ],
)
def test_weights_validation_is_400_with_errors(body: dict, field: str, code: str) -> None:
    buyer = register("buyer")
    rfo = create_rfo(buyer)
    status, _, problem = invoke("rfo_weights", principal=buyer, path={"rfo_id": rfo["id"]}, body=body)
    assert status == 400 and {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in problem["errors"]
    ]


def test_weights_only_while_open_or_closed_and_only_by_the_owner() -> None:
    buyer, other, vendor = register("buyer"), register("buyer", "Other"), register("vendor")
    rfo = create_rfo(buyer)
    body = {"profile": "cheapest"}
    assert invoke("rfo_weights", principal=other, path={"rfo_id": rfo["id"]}, body=body)[0] == 404
    assert invoke("rfo_weights", principal=vendor, path={"rfo_id": rfo["id"]}, body=body)[0] == 403
    _, offer = submit(vendor, rfo["id"])
    invoke("rfo_award", principal=buyer, path={"rfo_id": rfo["id"]}, body={"offer_id": offer["id"]})
    status, _, problem = invoke("rfo_weights", principal=buyer, path={"rfo_id": rfo["id"]}, body=body)
    assert status == 409 and problem["rfo_status"] == "AWARDED"


def test_explain_sums_exactly_and_matches_the_ranking() -> None:
    buyer = register("buyer")
    rfo = create_rfo(buyer)
    for i, price in enumerate((2_500, 3_000, 3_500)):
        submit(register("vendor", f"V{i}"), rfo["id"], unit_price=price, eta_days=i + 1)
    status, _, doc = invoke("ranking_explain", principal=buyer, path={"rfo_id": rfo["id"]})
    assert status == 200 and doc["scoring_version"] == "v2" and doc["formula"]
    assert [row["offer_id"] for row in doc["data"]] == ranking(buyer, rfo["id"])
    for row in doc["data"]:
        total = sum(Decimal(v) for v in row["contributions"].values()) - sum(
            Decimal(v) for v in row["penalties"].values()
        )
        assert total == Decimal(row["score"])
    vendor = register("vendor", "Nosy")
    assert invoke("ranking_explain", principal=vendor, path={"rfo_id": rfo["id"]})[0] == 403
    assert invoke("ranking", principal=vendor, path={"rfo_id": rfo["id"]})[0] == 403


def test_explain_names_the_penalty_caps_as_caps_and_keeps_the_applied_penalties_per_offer() -> None:
    """Issue 11, item 4: the explain's top-level ``penalties`` were the version's caps and read as applied. The
    caps are now ``penalty_caps`` (``penalties`` stays as a deprecated alias); each offer carries what it was
    charged, which sums with its contributions to its score."""
    buyer = register("buyer")
    rfo = create_rfo(buyer)
    _, full = submit(register("vendor", "Full"), rfo["id"], unit_price=2_500)
    _, part = submit(register("vendor", "Part"), rfo["id"], unit_price=2_500, quantity_available=60)
    doc = invoke("ranking_explain", principal=buyer, path={"rfo_id": rfo["id"]})[2]
    catalog = invoke("scoring_catalog")[2]
    caps = next(v for v in catalog["versions"] if v["version"] == doc["scoring_version"])["penalty_caps"]
    assert doc["penalty_caps"] == caps == {"late": "0.500000", "partial": "0.250000", "expiry": "0.250000"}
    assert doc["penalties"] == caps  # the deprecated alias, for older clients
    applied = {row["offer_id"]: row["penalties"] for row in doc["data"]}
    assert applied[full["id"]] == {"late": "0.000000", "partial": "0.000000", "expiry": "0.000000"}
    assert applied[part["id"]]["partial"] == "0.100000"  # 0.25 x 40/100 short, not the 0.25 cap
    from intentbid.openapi import build

    schemas = build()["components"]["schemas"]
    assert schemas["Explain"]["properties"]["penalties"].get("deprecated") is True
    assert "penalty_caps" in schemas["Explain"]["required"]


def test_a_vendor_sees_its_own_rank_only_when_disclosed() -> None:
    buyer = register("buyer")
    sealed, open_rank = create_rfo(buyer), create_rfo(buyer, disclosure="own_rank")
    a, b = register("vendor", "A"), register("vendor", "B")
    _, a_sealed = submit(a, sealed["id"], unit_price=2_000)
    _, a_open = submit(a, open_rank["id"], unit_price=4_000)
    _, b_open = submit(b, open_rank["id"], unit_price=2_000)
    assert invoke("offer_get", principal=a, path={"offer_id": a_sealed["id"]})[2]["rank"] is None
    mine = invoke("offer_get", principal=a, path={"offer_id": a_open["id"]})[2]
    assert mine["rank"] == 2 and b["id"] not in str(mine) and str(b_open["unit_price"]) not in str(mine)
    assert invoke("offer_get", principal=buyer, path={"offer_id": a_sealed["id"]})[2]["rank"] == 1


def test_a_vendors_offer_list_gives_the_same_standing_as_the_single_read() -> None:
    """Issue 11, item 4: ``GET /v1/vendors/{id}/offers`` ("a vendor's offers and their standing") answered
    ``rank: null`` for an offer on an ``own_rank`` RFO while ``GET /v1/offers/{id}`` answered ``rank: 2``, and
    nothing said why a rank is null under ``sealed``. Both reads now share one disclosure rule and say why."""
    buyer = register("buyer")
    sealed, open_rank = create_rfo(buyer), create_rfo(buyer, disclosure="own_rank")
    a, b = register("vendor", "A"), register("vendor", "B")
    _, a_sealed = submit(a, sealed["id"], unit_price=2_000)
    _, a_open = submit(a, open_rank["id"], unit_price=4_000)
    submit(b, open_rank["id"], unit_price=2_000)
    _, a_gone = submit(a, open_rank["id"], unit_price=4_500)
    assert invoke("offer_withdraw", principal=a, path={"offer_id": a_gone["id"]})[0] == 200
    status, _, page = invoke("vendor_offers", principal=a, path={"vendor_id": a["id"]})
    assert status == 200
    listed = {o["id"]: o for o in page["data"]}
    for offer_id in (a_sealed["id"], a_open["id"], a_gone["id"]):
        single = invoke("offer_get", principal=a, path={"offer_id": offer_id})[2]
        assert (listed[offer_id]["rank"], listed[offer_id]["rank_hidden_reason"]) == (
            single["rank"],
            single["rank_hidden_reason"],
        )
    assert (listed[a_open["id"]]["rank"], listed[a_open["id"]]["rank_hidden_reason"]) == (2, None)
    assert (listed[a_sealed["id"]]["rank"], listed[a_sealed["id"]]["rank_hidden_reason"]) == (None, "sealed")
    assert (listed[a_gone["id"]]["rank"], listed[a_gone["id"]]["rank_hidden_reason"]) == (None, "not_ranked")
    for_buyer = invoke("offer_get", principal=buyer, path={"offer_id": a_sealed["id"]})[2]
    assert (for_buyer["rank"], for_buyer["rank_hidden_reason"]) == (1, None)


def test_an_offer_past_its_validity_is_not_awardable_and_ranks_after_every_awardable_offer() -> None:
    """Issue 9, finding 10: an offer whose ``valid_until`` has passed used to stay rank 1 with only a penalty,
    while awarding it is 409 ``offer_not_active``. Now it is marked and ordered after every awardable offer;
    scores do not change; explain says why; withdrawn offers are not ranked at all."""
    from datetime import UTC, datetime, timedelta

    from intentbid.domain import clock
    from intentbid_local.timefmt import rfc3339

    buyer = register("buyer")
    t0 = datetime.now(UTC)
    rfo = create_rfo(buyer, expires_at=rfc3339(t0 + timedelta(minutes=30)))
    cheap, dear, gone = register("vendor", "Cheap"), register("vendor", "Dear"), register("vendor", "Gone")
    _, short = submit(cheap, rfo["id"], unit_price=1_000, valid_until=rfc3339(t0 + timedelta(minutes=25)))
    _, long = submit(dear, rfo["id"], unit_price=4_500)
    _, withdrawn = submit(gone, rfo["id"], unit_price=900)
    invoke("offer_withdraw", principal=gone, path={"offer_id": withdrawn["id"]})
    path = {"rfo_id": rfo["id"]}
    before = invoke("ranking", principal=buyer, path=path)[2]["data"]
    assert [(r["offer_id"], r["awardable"]) for r in before] == [(short["id"], True), (long["id"], True)]
    try:
        clock.set_clock((t0 + timedelta(minutes=26)).timestamp)  # the RFO is still OPEN
        after = invoke("ranking", principal=buyer, path=path)[2]["data"]
        assert [(r["rank"], r["offer_id"], r["awardable"], r["not_awardable_reason"]) for r in after] == [
            (1, long["id"], True, None),
            (2, short["id"], False, "offer_expired"),
        ]
        assert {r["offer_id"]: r["score"] for r in after} == {r["offer_id"]: r["score"] for r in before}
        explained = invoke("ranking_explain", principal=buyer, path=path)[2]
        assert [(e["rank"], e["offer_id"], e["awardable"]) for e in explained["data"]] == [
            (1, long["id"], True),
            (2, short["id"], False),
        ]
        why = explained["data"][1]
        assert why["not_awardable_reason"] == "offer_expired" and "valid_until" in why["not_awardable_detail"]
        assert explained["data"][0]["not_awardable_reason"] is None and "awardable first" in explained["awardability"]
        assert invoke("offer_get", principal=buyer, path={"offer_id": short["id"]})[2]["rank"] == 2
        status, _, problem = invoke("rfo_award", principal=buyer, path=path, body={"offer_id": short["id"]})
        assert status == 409 and problem["code"] == "offer_not_active"
        status, _, awarded = invoke("rfo_award", principal=buyer, path=path, body={"offer_id": long["id"]})
        assert status == 200 and awarded["awarded_offer_id"] == long["id"]
        decided = invoke("ranking", principal=buyer, path=path)[2]["data"]  # nothing is awardable: by score
        assert [(r["offer_id"], r["not_awardable_reason"]) for r in decided] == [
            (short["id"], "offer_lost"),
            (long["id"], "offer_won"),
        ]
    finally:
        clock.set_clock(None)
